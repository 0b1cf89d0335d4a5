/*
 * catalog_fixture.h - packages for the tests of the runtime API and of
 * the pages (test_runtime, test_render): the shipped examples built with
 * lp_project_build, and files of tests/fixtures/runtime.
 */
#ifndef LP_CATALOG_FIXTURE_H
#define LP_CATALOG_FIXTURE_H

#include "unit.h"

/* A file of tests/fixtures/runtime, NUL-terminated (malloc'd) */
static char *fixture(const char *name, size_t *len)
{
    char path[4096];
    const char *top = getenv("top_srcdir");

    snprintf(path, sizeof(path), "%s/tests/fixtures/runtime/%s",
             top ? top : "..", name);
    char *data = (char *)unit_read(path, len);

    data[*len] = '\0';
    return data;
}

/* examples/NAME built into the package out */
static void build_example(const char *name, const char *out)
{
    char dir[4096];
    const char *top = getenv("top_srcdir");
    lp_ctx *ctx;
    lp_project *p;
    lp_build_opts o = LP_BUILD_OPTS_INIT;

    snprintf(dir, sizeof(dir), "%s/examples/%s", top ? top : "..", name);
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_project_open(&p, ctx, dir, NULL), 0);
    o.threads = 1;
    assert_int_equal(lp_project_build(p, out, &o, NULL, NULL), 0);
    lp_project_free(p);
    lp_ctx_free(ctx);
}

static void add(lp_writer *w, const char *path, const char *data)
{
    assert_int_equal(lp_writer_add_buffer(w, path, data, strlen(data), NULL),
                     0);
}

/* A package opened with its catalog */
typedef struct opened {
    lp_ctx *ctx;
    lp_package *pkg;
    lp_catalog *cat;
} opened;

static void open_pkg(opened *o, const char *path)
{
    assert_int_equal(lp_ctx_new(&o->ctx, NULL), 0);
    assert_int_equal(lp_package_open(&o->pkg, o->ctx, path), 0);
    if (lp_catalog_open(&o->cat, o->ctx, o->pkg) != 0)
        fail_msg("%s", lp_ctx_errmsg(o->ctx));
}

static void close_pkg(opened *o)
{
    lp_catalog_free(o->cat);
    lp_package_free(o->pkg);
    lp_ctx_free(o->ctx);
}

#endif
