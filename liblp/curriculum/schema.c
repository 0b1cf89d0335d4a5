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

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "liblp/curriculum/curriculum_xsd.h"

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

/* The attributes each element may have, read once from the embedded
 * schema, for "did you mean" when an attribute is not allowed ('atl' on
 * an image: 'alt').  Immutable once built, so loader threads share it. */
#define LPI_ATTR_PAIRS 512
#define LPI_ATTR_NAME 32
static struct {
    char el[LPI_ATTR_NAME], attr[LPI_ATTR_NAME];
} attr_pairs[LPI_ATTR_PAIRS];
static size_t nattr_pairs;
static pthread_once_t attr_once = PTHREAD_ONCE_INIT;

static bool is_xs(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE &&
           strcmp((const char *)n->name, name) == 0;
}

static void add_pair(const char *el, const xmlChar *attr)
{
    if (!attr || nattr_pairs == LPI_ATTR_PAIRS ||
        strlen(el) >= LPI_ATTR_NAME ||
        strlen((const char *)attr) >= LPI_ATTR_NAME)
        return;
    snprintf(attr_pairs[nattr_pairs].el, LPI_ATTR_NAME, "%s", el);
    snprintf(attr_pairs[nattr_pairs].attr, LPI_ATTR_NAME, "%s",
             (const char *)attr);
    nattr_pairs++;
}

/* The xs:attribute names under n, not looking into nested xs:elements;
 * a named type (type="T", base="T") is looked up in the schema */
static void collect_attrs(const xmlNode *schema, const xmlNode *n,
                          const char *el, unsigned depth)
{
    if (depth > 32)
        return;
    for (const xmlNode *c = n->children; c; c = c->next) {
        xmlChar *base;

        if (is_xs(c, "element"))
            continue;
        if (is_xs(c, "attribute")) {
            xmlChar *name = xmlGetProp(c, (const xmlChar *)"name");
            add_pair(el, name);
            xmlFree(name);
            continue;
        }
        base = xmlGetProp(c, (const xmlChar *)"base");
        if (base) {
            for (const xmlNode *t = schema->children; t; t = t->next) {
                xmlChar *tn;

                if (!is_xs(t, "complexType"))
                    continue;
                tn = xmlGetProp(t, (const xmlChar *)"name");
                if (tn && xmlStrEqual(tn, base))
                    collect_attrs(schema, t, el, depth + 1);
                xmlFree(tn);
            }
            xmlFree(base);
        }
        collect_attrs(schema, c, el, depth + 1);
    }
}

static void element_attrs(const xmlNode *schema, const xmlNode *n,
                          unsigned depth)
{
    if (depth > 64)
        return;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (is_xs(c, "element")) {
            xmlChar *name = xmlGetProp(c, (const xmlChar *)"name");
            xmlChar *type = xmlGetProp(c, (const xmlChar *)"type");

            if (name) {
                collect_attrs(schema, c, (const char *)name, 0);
                for (const xmlNode *t = schema->children; type && t;
                     t = t->next) {
                    xmlChar *tn;

                    if (!is_xs(t, "complexType"))
                        continue;
                    tn = xmlGetProp(t, (const xmlChar *)"name");
                    if (tn && xmlStrEqual(tn, type))
                        collect_attrs(schema, t, (const char *)name, 0);
                    xmlFree(tn);
                }
            }
            xmlFree(name);
            xmlFree(type);
        }
        element_attrs(schema, c, depth + 1);
    }
}

static void build_attr_pairs(void)
{
    xmlDocPtr doc = xmlReadMemory((const char *)lpi_curriculum_xsd,
                                  (int)sizeof(lpi_curriculum_xsd) - 1,
                                  "curriculum.xsd", NULL, XML_PARSE_NONET);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;

    if (root)
        element_attrs(root, root, 0);
    xmlFreeDoc(doc);
}

bool lpi_schema_near_attr(const char *el, const char *attr, char *out,
                          size_t cap)
{
    unsigned best = 3;
    bool tie = false;

    pthread_once(&attr_once, build_attr_pairs);
    out[0] = '\0';
    for (size_t i = 0; i < nattr_pairs; i++) {
        unsigned d;

        if (strcmp(attr_pairs[i].el, el) != 0)
            continue;
        d = lpi_edit_distance(attr, attr_pairs[i].attr);
        if (d < best && d < strlen(attr)) {
            best = d;
            tie = false;
            snprintf(out, cap, "%s", attr_pairs[i].attr);
        } else if (d == best && strcmp(out, attr_pairs[i].attr) != 0) {
            tie = true;
        }
    }
    if (tie)
        out[0] = '\0';
    return out[0] != '\0';
}

int lpi_schema_load(lp_project *p)
{
    xmlSchemaParserCtxtPtr pc;
    char *msg = NULL;

    if (p->schema)
        return 0;
    pc = xmlSchemaNewMemParserCtxt((const char *)lpi_curriculum_xsd,
                                   (int)sizeof(lpi_curriculum_xsd) - 1);
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
    char want[LPI_ATTR_NAME], near[LPI_ATTR_NAME];
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
    return 0;
}

void lpi_schema_release(lp_project *p)
{
    if (p->vctx)
        xmlSchemaFreeValidCtxt(p->vctx);
    p->vctx = NULL;
}
