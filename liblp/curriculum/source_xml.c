/*
 * source_xml.c - XML sources onto the document model, safely.
 *
 * Hostile input rules: no document type at all (the parser is stopped at
 * "<!DOCTYPE", before any entity is declared, so neither entity expansion
 * nor external entities can happen), no network (XML_PARSE_NONET), no
 * XInclude, libxml2's default size and depth limits (never XML_PARSE_HUGE)
 * and our own depth limit.  Positions are recorded as each start tag is
 * parsed (on_start): the byte offset of the element's '<', turned into a
 * line and a column; attributes are found in their start tag.  (The
 * parser's own record_info is no use: libxml2 2.9 overwrites an element's
 * start position when the element ends.)
 */
#include "lpi_source.h"

#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

typedef struct xstate {
    lp_project *p;
    lpi_srcfile *f;
    bool doctype;
    bool reported;
    bool deep;              /* an element deeper than our limit: */
    lpi_pos deep_pos;       /* the first one's position */
    lpi_poscursor cursor;   /* start tags come in file order */
    int rc;
    startElementNsSAX2Func start; /* libxml2's own */
} xstate;

static void on_error(void *user, xmlErrorPtr err)
{
    xmlParserCtxtPtr ctxt = user;
    xstate *st = ctxt ? ctxt->_private : NULL;
    lpi_pos pos;
    char msg[512];
    size_t n;

    if (!st || st->doctype || err->level == XML_ERR_WARNING)
        return;
    snprintf(msg, sizeof(msg), "%s", err->message ? err->message : "");
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    pos.line = err->line > 0 ? (unsigned)err->line : 0;
    pos.col = err->int2 > 0 ? (unsigned)err->int2 : 0;
    if (pos.line > 0 && pos.col == 0)
        pos.col = 1;
    if (msg[0] >= 'A' && msg[0] <= 'Z' && (msg[1] < 'A' || msg[1] > 'Z'))
        msg[0] = (char)(msg[0] - 'A' + 'a');
    /* the first error is the one that matters; the rest follow from it */
    if (st->reported)
        return;
    st->reported = true;
    /* libxml2's own depth limit (256) is past ours: the document is
     * refused for ours, where it was passed first, in our words */
    if (st->deep && err->code == XML_ERR_INTERNAL_ERROR &&
        strstr(msg, "depth")) {
        lpi_diag(st->p, LP_SEVERITY_ERROR, "limit", st->f, NULL,
                 st->deep_pos, "nested more than %u levels deep",
                 LPI_MAX_SOURCE_DEPTH);
        return;
    }
    lpi_diag(st->p, LP_SEVERITY_ERROR, "syntax", st->f, NULL, pos, "%s",
             msg);
}

static void on_doctype(void *user, const xmlChar *name,
                       const xmlChar *external_id, const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = user;
    xstate *st = ctxt->_private;
    lpi_pos pos;

    (void)name;
    (void)external_id;
    (void)system_id;
    pos.line = (unsigned)ctxt->input->line;
    pos.col = 1;
    if (!st->doctype) {
        st->doctype = true;
        lpi_diag(st->p, LP_SEVERITY_ERROR, "unsafe", st->f, NULL, pos,
                 "document types (<!DOCTYPE>) are not allowed: no entities, "
                 "no external files");
    }
    xmlStopParser(ctxt);
}

/* Find attribute name in the start tag beginning at off; its offset or
 * (size_t)-1 */
static size_t find_attr(const lpi_srcfile *f, size_t off, const char *name)
{
    const char *s = f->data, *end = f->data + f->len;
    const char *q = s + off + 1;
    size_t nlen = strlen(name);

    while (q < end && !strchr(" \t\n/>", *q))
        q++;
    while (q < end && *q != '>' && *q != '/') {
        const char *a;

        while (q < end && strchr(" \t\n", *q))
            q++;
        a = q;
        while (q < end && !strchr(" \t\n=/>", *q))
            q++;
        if ((size_t)(q - a) == nlen && memcmp(a, name, nlen) == 0)
            return (size_t)(a - s);
        while (q < end && *q != '"' && *q != '\'' && *q != '>')
            q++;
        if (q < end && (*q == '"' || *q == '\'')) {
            char quote = *q++;
            while (q < end && *q != quote)
                q++;
            if (q < end)
                q++;
        }
    }
    return (size_t)-1;
}

/* Called by the parser for each start tag, before its '>' or '/>' is
 * consumed: the element exists (ctxt->node), and the nearest '<' before the
 * parser's position is its start ('<' cannot occur raw in attribute
 * values).  Records the element's and its attributes' positions. */
static void on_start(void *user, const xmlChar *localname,
                     const xmlChar *prefix, const xmlChar *uri,
                     int nb_namespaces, const xmlChar **namespaces,
                     int nb_attributes, int nb_defaulted,
                     const xmlChar **attributes)
{
    xmlParserCtxtPtr ctxt = user;
    xstate *st = ctxt->_private;
    lpi_srcfile *f = st->f;
    xmlNodePtr el;
    size_t off;
    lpi_pos pos;

    st->start(user, localname, prefix, uri, nb_namespaces, namespaces,
              nb_attributes, nb_defaulted, attributes);
    el = ctxt->node;
    if (!el || st->rc < 0 || !ctxt->input || !ctxt->input->cur)
        return;
    off = (size_t)ctxt->input->consumed +
          (size_t)(ctxt->input->cur - ctxt->input->base);
    if (off > f->len)
        return;
    while (off > 0 && f->data[off] != '<')
        off--;
    pos = lpi_src_cursor_pos(f, off, &st->cursor);
    if (!st->deep) {
        unsigned depth = 0;

        for (const xmlNode *q = el; q && q->type == XML_ELEMENT_NODE;
             q = q->parent)
            depth++;
        if (depth > LPI_MAX_SOURCE_DEPTH) {
            st->deep = true;
            st->deep_pos = pos;
        }
    }
    st->rc = lpi_src_setpos(st->p, f, el, pos.line, pos.col);
    for (xmlAttrPtr a = el->properties; a && st->rc == 0; a = a->next) {
        size_t at = find_attr(f, off, (const char *)a->name);
        if (at == (size_t)-1)
            continue;
        pos = lpi_src_cursor_pos(f, at, &st->cursor);
        st->rc = lpi_src_setpos(st->p, f, a, pos.line, pos.col);
    }
    if (st->rc < 0)
        xmlStopParser(ctxt);
}

static const xmlNode *too_deep(const xmlNode *n, unsigned depth)
{
    for (; n; n = n->next) {
        const xmlNode *d;

        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (depth > LPI_MAX_SOURCE_DEPTH)
            return n;
        d = too_deep(n->children, depth + 1);
        if (d)
            return d;
    }
    return NULL;
}
/* MathML elements, declared in their namespace as MathML asks
 * (xmlns="http://www.w3.org/1998/Math/MathML" on <math>, or a prefix),
 * become the plain elements the schema and YAML sources have: both
 * syntaxes make one tree */
static void drop_mathml_ns(xmlNodePtr n)
{
    static const xmlChar mathml[] = "http://www.w3.org/1998/Math/MathML";

    for (; n; n = n->next) {
        xmlNsPtr *d;

        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (n->ns && xmlStrEqual(n->ns->href, mathml))
            n->ns = NULL;
        for (xmlAttrPtr a = n->properties; a; a = a->next)
            if (a->ns && xmlStrEqual(a->ns->href, mathml))
                a->ns = NULL;
        drop_mathml_ns(n->children);
        /* and the declarations, which nothing names any more (the
         * children were done first): the tree is the YAML one */
        for (d = &n->nsDef; *d;) {
            xmlNsPtr ns = *d;

            if (xmlStrEqual(ns->href, mathml)) {
                *d = ns->next;
                ns->next = NULL;
                xmlFreeNs(ns);
            } else {
                d = &ns->next;
            }
        }
    }
}

/* The XML declaration's encoding, read by hand: sources must be UTF-8
 * (their bytes were checked already), and libxml2 must not be left to
 * convert them from another declared encoding (see IGNORE_ENC below) */
static bool declared_encoding_bad(lp_project *p, lpi_srcfile *f)
{
    const char *d = (const char *)f->data, *end, *e;
    size_t n = f->len < 256 ? f->len : 256;
    char quote;
    size_t len;

    if (n < 5 || memcmp(d, "<?xml", 5) != 0)
        return false;
    end = memchr(d, '>', n);
    if (!end)
        return false; /* not a declaration libxml2 accepts either */
    for (e = d + 5; e + 8 <= end; e++)
        if (memcmp(e, "encoding", 8) == 0)
            break;
    if (e + 8 > end)
        return false;
    e += 8;
    while (e < end && (*e == ' ' || *e == '\t' || *e == '\n' || *e == '\r'))
        e++;
    if (e >= end || *e != '=')
        return false;
    e++;
    while (e < end && (*e == ' ' || *e == '\t' || *e == '\n' || *e == '\r'))
        e++;
    if (e >= end || (*e != '"' && *e != '\''))
        return false;
    quote = *e++;
    for (len = 0; e + len < end && e[len] != quote; len++)
        ;
    if ((len == 5 && strncasecmp(e, "UTF-8", 5) == 0) ||
        (len == 4 && strncasecmp(e, "UTF8", 4) == 0))
        return false;
    lpi_diag(p, LP_SEVERITY_ERROR, "encoding", f, NULL,
             lpi_src_offset_pos(f, (size_t)(e - d)),
             "the file declares encoding '%.*s'; sources must be UTF-8",
             (int)(len > 40 ? 40 : len), e);
    return true;
}


int lpi_xml_load(lp_project *p, lpi_srcfile *f)
{
    static const lpi_pos nopos = { 0, 0 };
    xmlParserCtxtPtr ctxt;
    xstate st = { p, f, false, false, false, { 0, 0 }, { 0, { 0, 0 } }, 0,
                  NULL };
    xmlDocPtr doc;
    const xmlNode *deep;
    int rc = 0;

    if (f->len > INT32_MAX)
        return lpi_error(p->ctx, LP_ETOOBIG, "file too large");
    if (declared_encoding_bad(p, f))
        return 0; /* reported; the file is not used */
    ctxt = xmlCreateMemoryParserCtxt(f->data, (int)f->len);
    if (!ctxt)
        return lpi_nomem(p->ctx);
    /* no NOENT, DTDLOAD, DTDATTR, XINCLUDE or HUGE: see the top.
     * IGNORE_ENC: the bytes were checked to be UTF-8 already; a declared
     * other encoding (UTF-7...) must not make libxml2 convert them (and
     * print conversion errors): it is reported below as an encoding error */
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA |
                                XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC);
    ctxt->_private = &st;
    st.start = ctxt->sax->startElementNs;
    ctxt->sax->startElementNs = on_start;
    ctxt->sax->serror = on_error;
    ctxt->sax->internalSubset = on_doctype;
    ctxt->sax->externalSubset = NULL;
    ctxt->sax->resolveEntity = NULL;
    xmlParseDocument(ctxt);
    doc = ctxt->myDoc;
    ctxt->myDoc = NULL;
    if (st.rc < 0) {
        rc = st.rc;
        goto fail;
    }
    if (!ctxt->wellFormed || st.doctype || !doc) {
        if (!st.reported && !st.doctype)
            lpi_diag(p, LP_SEVERITY_ERROR, "syntax", f, NULL, nopos,
                     "not well-formed XML");
        goto fail;
    }
    if (doc->encoding && xmlStrcasecmp(doc->encoding,
                                       (const xmlChar *)"UTF-8") != 0) {
        lpi_diag(p, LP_SEVERITY_ERROR, "encoding", f, NULL, nopos,
                 "the file declares encoding '%s'; sources must be UTF-8",
                 (const char *)doc->encoding);
        goto fail;
    }
    f->doc = doc;
    deep = too_deep(xmlDocGetRootElement(doc), 1);
    if (deep) {
        lpi_diag(p, LP_SEVERITY_ERROR, "limit", f, deep, nopos,
                 "nested more than %u levels deep", LPI_MAX_SOURCE_DEPTH);
        xmlFreeDoc(f->doc);
        f->doc = NULL;
    } else {
        drop_mathml_ns(xmlDocGetRootElement(doc));
    }
    goto out;
fail:
    if (doc)
        xmlFreeDoc(doc);
out:
    xmlFreeParserCtxt(ctxt);
    return rc;
}
