/*
 * entry.c - the public streaming reader of one entry.
 */
#include "lpi_package.h"

struct lp_entry {
    lp_package *pkg;
    lpi_objreader *r;
};

int lp_entry_open(lp_entry **out, lp_package *pkg, size_t i)
{
    lp_ctx *ctx;
    lp_entry *e;
    int rc;

    LP_ASSERT_ARG(out && pkg);
    ctx = pkg->ctx;
    *out = NULL;
    if (i >= pkg->m.nentries)
        return lpi_error(ctx, LP_ENOTFOUND, "no entry number %zu", i);
    e = lpi_calloc(ctx, 1, sizeof(*e));
    if (!e)
        return LP_ENOMEM;
    e->pkg = pkg;
    rc = lpi_objreader_open(&e->r, ctx, pkg,
                            &pkg->objects[pkg->m.entries[i].object],
                            pkg->m.entries[i].path);
    if (rc < 0) {
        lpi_free(ctx, e);
        return rc;
    }
    *out = e;
    return 0;
}

int lp_entry_read(lp_entry *e, void *buf, size_t cap, size_t *nread)
{
    LP_ASSERT_ARG(e && buf && nread);
    return lpi_objreader_read(e->r, buf, cap, nread);
}

int lp_entry_read_at(lp_package *pkg, size_t i, uint64_t off, void *buf,
                     size_t len, size_t *nread)
{
    const lpi_mentry *e;

    LP_ASSERT_ARG(pkg && (buf || len == 0) && nread);
    *nread = 0;
    if (i >= pkg->m.nentries)
        return lpi_error(pkg->ctx, LP_ENOTFOUND, "no entry number %zu", i);
    e = &pkg->m.entries[i];
    return lpi_object_read_at(pkg->ctx, pkg, &pkg->objects[e->object],
                              e->path, off, buf, len, nread);
}

int lp_entry_data_offset(lp_package *p, size_t i, uint64_t *offset)
{
    const lpi_object *o;
    int rc;

    LP_ASSERT_ARG(p && offset);
    if (i >= p->m.nentries)
        return lpi_error(p->ctx, LP_ENOTFOUND, "no entry number %zu", i);
    o = &p->objects[p->m.entries[i].object];
    /* a JPEG XL object's bytes are a JPEG XL stream, not the JPEG */
    if (o->compressed || o->jxl)
        return lpi_error(p->ctx, LP_EINVAL, "entry '%s' is %s: its "
                         "bytes in the file are not its content",
                         p->m.entries[i].path, o->jxl ? "stored as JPEG XL"
                                                      : "compressed");
    rc = lpi_object_ready(p, p->ctx, o);
    if (rc < 0)
        return rc;
    *offset = o->offset;
    return 0;
}

void lp_entry_free(lp_entry *e)
{
    if (!e)
        return;
    lpi_objreader_free(e->r);
    lpi_free(e->pkg->ctx, e);
}
