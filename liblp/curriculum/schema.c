/*
 * schema.c - validating documents against the embedded curriculum schema.
 *
 * schemas/curriculum.xsd is compiled into the library at build time
 * (Makefile.am generates liblp/curriculum/curriculum_xsd.h from it), so
 * the schema a library checks against is always the one it was built with,
 * and no file has to be found at run time.
 *
 * One error must not hide the next: libxml2 stops checking an element's
 * children at the first one it does not expect, so whatever follows an
 * "h4" in a body went unchecked.  Such an element is taken out of the tree
 * and the document validated again (a few rounds at most), each message
 * said once; a tree that then passes gets the semantic checks too, so the
 * author sees every problem in one run, as lpc(1) promises.
 */
#include "lpi_source.h"

#include <stdio.h>
#include <string.h>


/* Rounds of take-out-and-validate-again, and messages remembered */
#define LPI_SCHEMA_ROUNDS 16
#define LPI_SCHEMA_SEEN 128

typedef struct vstate {
    lp_project *p;
    lpi_srcfile *f;
    xmlNodePtr prune;        /* the first unexpected element this round */
    xmlNodePtr parents[LPI_SCHEMA_ROUNDS]; /* of those taken out */
    size_t nparents;
    uint64_t seen[LPI_SCHEMA_SEEN]; /* node and message of those said */
    size_t nseen;
} vstate;

/* Said already (in an earlier round)?  Remembers it if not. */
static bool said_before(vstate *st, const void *node, const char *msg)
{
    uint64_t h = 1469598103934665603u ^ (uint64_t)(uintptr_t)node;

    for (const unsigned char *c = (const unsigned char *)msg; *c; c++)
        h = (h ^ *c) * 1099511628211u;
    for (size_t i = 0; i < st->nseen; i++)
        if (st->seen[i] == h)
            return true;
    if (st->nseen < LPI_SCHEMA_SEEN)
        st->seen[st->nseen++] = h;
    return false;
}

static void on_schema_error(void *user, xmlErrorPtr err)
{
    /* the schema itself is ours: its errors are bugs, kept for the message */
    char **msg = user;

    if (*msg == NULL && err->message)
        *msg = (char *)xmlStrdup((const xmlChar *)err->message);
}

int lpi_schema_load(lp_project *p)
{
    const unsigned char *xsd;
    size_t xsd_len;
    xmlSchemaParserCtxtPtr pc;
    char *msg = NULL;

    if (p->schema)
        return 0;
    xsd = lpi_schema_text(&xsd_len);
    pc = xmlSchemaNewMemParserCtxt((const char *)xsd, (int)xsd_len);
    if (!pc)
        return lpi_nomem(p->ctx);
    xmlSchemaSetParserStructuredErrors(pc, on_schema_error, &msg);
    p->schema = xmlSchemaParse(pc);
    xmlSchemaFreeParserCtxt(pc);
    if (!p->schema) {
        int rc = lpi_error(p->ctx, LP_EINTERNAL,
                           "the built-in curriculum schema does not compile: "
                           "%s", msg ? msg : "unknown error");
        xmlFree(msg);
        return rc;
    }
    xmlFree(msg);
    return 0;
}

/* "The attribute 'alt' is required but missing" while the element has an
 * 'atl': the error about 'atl' says "did you mean 'alt'"; this one is its
 * echo */
static bool misspelt_here(const xmlNode *el, const char *raw)
{
    const char *q = strstr(raw, "The attribute '");
    char want[64], near[64];
    size_t n;

    if (!q)
        return false;
    q += strlen("The attribute '");
    n = strcspn(q, "'");
    if (n >= sizeof(want))
        return false;
    memcpy(want, q, n);
    want[n] = '\0';
    for (const xmlAttr *a = el->properties; a; a = a->next)
        if (lpi_schema_near_attr((const char *)el->name,
                                 (const char *)a->name, near, sizeof(near)) &&
            strcmp(near, want) == 0 &&
            strcmp((const char *)a->name, want) != 0)
            return true;
    return false;
}

static void on_invalid(void *user, xmlErrorPtr err)
{
    vstate *st = user;
    const void *node = err->node;
    const xmlNode *el = node;
    lpi_pos pos = { 0, 0 };
    char raw[768], msg[1024];
    size_t n;

    if (err->level == XML_ERR_WARNING)
        return;
    snprintf(raw, sizeof(raw), "%s", err->message ? err->message : "");
    n = strlen(raw);
    while (n > 0 && (raw[n - 1] == '\n' || raw[n - 1] == ' '))
        raw[--n] = '\0';
    if (n > 0 && raw[n - 1] == '.')
        raw[--n] = '\0';
    if (el && el->type == XML_ELEMENT_NODE &&
        strstr(raw, "This element is not expected")) {
        if (!st->prune)
            st->prune = (xmlNodePtr)(uintptr_t)el;
    } else if (el && strstr(raw, "Missing child element")) {
        /* an echo of an element taken out: "titel" for "title" */
        for (size_t i = 0; i < st->nparents; i++)
            if (st->parents[i] == el)
                return;
    }
    if (el && el->type == XML_ELEMENT_NODE &&
        strstr(raw, "is required but missing") && misspelt_here(el, raw))
        return;
    lpi_schema_explain(raw, node, msg, sizeof(msg));
    if (said_before(st, node, msg))
        return;
    if (!node)
        pos.line = err->line > 0 ? (unsigned)err->line : 0;
    /* "element 'x', attribute 'y': ...": point at the attribute */
    if (el && el->type == XML_ELEMENT_NODE) {
        const char *a = strstr(raw, "attribute '");
        char name[128];
        size_t len;

        if (a) {
            a += strlen("attribute '");
            len = strcspn(a, "'");
            if (len < sizeof(name)) {
                xmlAttrPtr attr;

                memcpy(name, a, len);
                name[len] = '\0';
                attr = xmlHasProp((xmlNodePtr)(uintptr_t)el,
                                  (const xmlChar *)name);
                if (attr && attr->_private)
                    node = attr;
            }
        }
    }
    lpi_diag(st->p, LP_SEVERITY_ERROR, "schema", st->f, node, pos, "%s", msg);
}

int lpi_schema_validate(lp_project *p, lpi_srcfile *f)
{
    xmlSchemaValidCtxtPtr vc;
    vstate st;
    size_t before = p->nerrors;
    int r = 0;

    if (!p->vctx)
        p->vctx = xmlSchemaNewValidCtxt(p->schema);
    vc = p->vctx;
    if (!vc)
        return lpi_nomem(p->ctx);
    memset(&st, 0, sizeof(st));
    st.p = p;
    st.f = f;
    f->pruned = false;
    for (unsigned round = 0; round < LPI_SCHEMA_ROUNDS; round++) {
        /* each run starts from a cleared context (xmlSchemaVStart) */
        st.prune = NULL;
        xmlSchemaSetValidStructuredErrors(vc, on_invalid, &st);
        r = xmlSchemaValidateDoc(vc, f->doc);
        xmlSchemaSetValidStructuredErrors(vc, NULL, NULL);
        if (r < 0)
            return lpi_error(p->ctx, LP_EINTERNAL, "'%s': schema "
                             "validation failed (libxml2 error %d)",
                             f->shown, r);
        if (r == 0 || !st.prune || st.prune == xmlDocGetRootElement(f->doc))
            break;
        st.parents[st.nparents++] = st.prune->parent;
        xmlUnlinkNode(st.prune);
        xmlFreeNode(st.prune);
        f->pruned = true;
    }
    if (r > 0 && p->nerrors == before)
        lpi_diag(p, LP_SEVERITY_ERROR, "schema", f, NULL,
                 (lpi_pos){ 0, 0 }, "the file does not match the schema");
    /* valid: the tree now matches the schema, perhaps with elements taken
     * out (pruned); the errors said make the build fail all the same */
    f->valid = r == 0;
    if (f->valid)
        lpi_math_check(p, f);
    return 0;
}

void lpi_schema_release(lp_project *p)
{
    if (p->vctx)
        xmlSchemaFreeValidCtxt(p->vctx);
    p->vctx = NULL;
}
