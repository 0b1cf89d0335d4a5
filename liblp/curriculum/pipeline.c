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

#include <string.h>

#include <libxml/tree.h>

int lpi_src_load_file(lp_project *p, const char *rel, lpi_syntax syntax,
                      const char *root, lpi_srcfile *where, const void *at,
                      lpi_srcfile **out)
{
    lpi_srcfile *f;
    xmlNodePtr el;
    int rc;

    *out = NULL;
    rc = lpi_src_read(p, rel, syntax, where, at, &f);
    if (rc < 0 || !f)
        return rc;
    *out = f;
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
