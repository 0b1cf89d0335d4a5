/*
 * pipeline.c - the loading pipeline every source file goes through:
 *
 *   read (size cap, UTF-8, BOM, line ends) -> parse (YAML events or XML)
 *   -> normalize -> validate against the schema
 *
 * The semantic checks (check.c) come after, over the loaded files.  This
 * file sits below check.c and loader.c and calls neither.
 */
#include "lpi_source.h"

#include <ctype.h>
#include <string.h>

#include <libxml/tree.h>

/* A YAML file named .xml, or an XML file named .yaml: say so, rather than
 * "start tag expected" at 1:1.  Sniffed from the first thing in the file
 * that is not blank or a comment: '<' for XML, "key:" for YAML. */
static bool wrong_syntax(lp_project *p, lpi_srcfile *f, lpi_syntax syntax)
{
    const char *s = f->data, *end = f->data + f->len;
    const char *base = strrchr(f->rel, '/');
    size_t stem;

    while (s < end) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
            s++;
        } else if (*s == '#' && syntax == LPI_XML) {
            while (s < end && *s != '\n')
                s++;
        } else {
            break;
        }
    }
    if (s == end)
        return false;
    base = base ? base + 1 : f->rel;
    stem = strcspn(base, ".");
    if (syntax == LPI_XML && *s != '<') {
        const char *k = s;

        while (k < end && (isalnum((unsigned char)*k) || *k == '_' ||
                           *k == '-'))
            k++;
        if (k == s || k >= end || *k != ':')
            return false;
        lpi_diag(p, LP_SEVERITY_ERROR, "syntax", f, NULL, (lpi_pos){ 1, 1 },
                 "this file holds YAML, not XML: rename it to '%.*s.yaml' "
                 "(and where the curriculum file names it)", (int)stem,
                 base);
        return true;
    }
    if (syntax == LPI_YAML && *s == '<') {
        lpi_diag(p, LP_SEVERITY_ERROR, "syntax", f, NULL, (lpi_pos){ 1, 1 },
                 "this file holds XML, not YAML: rename it to '%.*s.xml' "
                 "(and where the curriculum file names it)", (int)stem,
                 base);
        return true;
    }
    return false;
}

int lpi_src_load_file(lp_project *p, const char *rel, lpi_syntax syntax,
                      const char *root, lpi_srcfile *where, const void *at,
                      lpi_srcfile **out)
{
    lpi_srcfile *f;
    int rc;

    *out = NULL;
    rc = lpi_src_read(p, rel, syntax, where, at, &f);
    if (rc < 0 || !f)
        return rc;
    *out = f;
    return lpi_src_parse(p, f, root);
}

int lpi_src_parse(lp_project *p, lpi_srcfile *f, const char *root)
{
    lpi_syntax syntax = f->syntax;
    xmlNodePtr el;
    int rc;

    if (wrong_syntax(p, f, syntax))
        return 0;
    rc = syntax == LPI_YAML ? lpi_yaml_load(p, f) : lpi_xml_load(p, f);
    if (rc < 0 || !f->doc)
        return rc;
    lpi_doc_normalize(f->doc);
    rc = lpi_text_pass(p, f);
    if (rc < 0)
        return rc;
    el = xmlDocGetRootElement(f->doc);
    if (!el || strcmp((const char *)el->name, root) != 0) {
        lpi_diag(p, LP_SEVERITY_ERROR, "schema", f, el, (lpi_pos){ 0, 0 },
                 "expected a '%s' document, not '%s'", root,
                 el ? (const char *)el->name : "nothing");
        return 0;
    }
    return lpi_schema_validate(p, f);
}

int lpi_src_load(lp_project *p, const char *rel, lpi_syntax syntax,
                 const char *root, lpi_srcfile *where, const void *at,
                 lpi_srcfile **out)
{
    lpi_srcfile *f;
    int rc, rc2;

    *out = NULL;
    rc = lpi_src_load_file(p, rel, syntax, root, where, at, &f);
    if (!f)
        return rc;
    /* added even when it failed: the project owns it */
    rc2 = lpi_grow(p->ctx, (void **)&p->files, &p->capfiles, p->nfiles + 1,
                   sizeof(*p->files));
    if (rc2 < 0) {
        lpi_src_free(p, f);
        return rc2;
    }
    p->files[p->nfiles++] = f;
    *out = f;
    return rc;
}
