/*
 * schema.c - validating documents against the embedded curriculum schema.
 *
 * schemas/curriculum.xsd is compiled into the library at build time
 * (Makefile.am generates liblp/curriculum/curriculum_xsd.h from it), so the schema a
 * library checks against is always the one it was built with, and no file
 * has to be found at run time.
 */
#include "lpi_source.h"

#include <stdio.h>
#include <string.h>

#include "liblp/curriculum/curriculum_xsd.h"

typedef struct vstate {
    lp_project *p;
    lpi_srcfile *f;
} vstate;

static void on_schema_error(void *user, xmlErrorPtr err)
{
    /* the schema itself is ours: its errors are bugs, kept for the message */
    char **msg = user;

    if (*msg == NULL && err->message)
        *msg = (char *)xmlStrdup((const xmlChar *)err->message);
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

static void on_invalid(void *user, xmlErrorPtr err)
{
    vstate *st = user;
    const void *node = err->node;
    lpi_pos pos = { 0, 0 };
    char msg[768];
    size_t n;

    if (err->level == XML_ERR_WARNING)
        return;
    snprintf(msg, sizeof(msg), "%s", err->message ? err->message : "");
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    if (n > 0 && msg[n - 1] == '.')
        msg[--n] = '\0';
    /* libxml2 starts messages with a capital: ours do not */
    if (msg[0] >= 'A' && msg[0] <= 'Z' && (msg[1] < 'A' || msg[1] > 'Z'))
        msg[0] = (char)(msg[0] - 'A' + 'a');
    /* ... nor after the "element 'x': " prefix */
    {
        char *rest = strstr(msg, "': ");
        if (rest && rest[3] >= 'A' && rest[3] <= 'Z' &&
            rest[4] >= 'a' && rest[4] <= 'z')
            rest[3] = (char)(rest[3] - 'A' + 'a');
    }
    if (!node)
        pos.line = err->line > 0 ? (unsigned)err->line : 0;
    /* "element 'x', attribute 'y': ...": point at the attribute */
    if (node && ((const xmlNode *)node)->type == XML_ELEMENT_NODE) {
        const char *a = strstr(msg, "attribute '");
        char name[128];
        size_t len;

        if (a) {
            a += strlen("attribute '");
            len = strcspn(a, "'");
            if (len < sizeof(name)) {
                xmlAttrPtr attr;

                memcpy(name, a, len);
                name[len] = '\0';
                attr = xmlHasProp((xmlNodePtr)(uintptr_t)node,
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
    vstate st = { p, f };
    size_t before = p->nerrors;
    int r;

    if (!p->vctx)
        p->vctx = xmlSchemaNewValidCtxt(p->schema);
    vc = p->vctx;
    if (!vc)
        return lpi_nomem(p->ctx);
    /* each run starts from a cleared context (xmlSchemaVStart) */
    xmlSchemaSetValidStructuredErrors(vc, on_invalid, &st);
    r = xmlSchemaValidateDoc(vc, f->doc);
    xmlSchemaSetValidStructuredErrors(vc, NULL, NULL);
    if (r < 0)
        return lpi_error(p->ctx, LP_EINTERNAL, "'%s': schema validation "
                         "failed (libxml2 error %d)", f->shown, r);
    if (r > 0 && p->nerrors == before)
        lpi_diag(p, LP_SEVERITY_ERROR, "schema", f, NULL,
                 (lpi_pos){ 0, 0 }, "the file does not match the schema");
    f->valid = r == 0;
    return 0;
}

void lpi_schema_release(lp_project *p)
{
    if (p->vctx)
        xmlSchemaFreeValidCtxt(p->vctx);
    p->vctx = NULL;
}
