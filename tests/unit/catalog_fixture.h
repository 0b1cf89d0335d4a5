/*
 * catalog_fixture.h - packages for the tests of the runtime API and of
 * the pages (test_runtime, test_render): the shipped examples built with
 * lp_project_build, and files of tests/fixtures/runtime.
 */
#ifndef LP_CATALOG_FIXTURE_H
#define LP_CATALOG_FIXTURE_H

#include "unit.h"

#include <stdbool.h>

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

#ifndef CATALOG_FIXTURE_NO_BUILD
/* examples/NAME built into the package out (the curriculum part of liblp;
 * CATALOG_FIXTURE_NO_BUILD leaves it out of tests built without it) */
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
#endif

static void add(lp_writer *w, const char *path, const char *data)
{
    assert_int_equal(lp_writer_add_buffer(w, path, data, strlen(data), NULL),
                     0);
}

/* text with the first "from" replaced by "to" (malloc'd) */
static char *replace(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    size_t n = strlen(text) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);

    assert_non_null(at);
    assert_non_null(out);
    snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to,
             at + strlen(from));
    return out;
}

/* The fixtures as a package, every block kind: the catalog, lesson a-first
 * in ar (its body in tet) and tet, media; with all, a-first in pt too and
 * b-second (the same document) in every language */
static void build_fixture(const char *out, bool all)
{
    static const char *const tags[3] = { "ar", "tet", "pt" };
    lp_ctx *ctx;
    lp_writer *w;
    size_t n;
    char *cat = fixture("catalog.json", &n);
    char *asg = fixture("assignments.json", &n);
    char *docs[3];

    docs[0] = fixture("lesson.json", &n);
    docs[1] = replace(docs[0], "\"language\":\"ar\",\"direction\":\"rtl\"",
                      "\"language\":\"tet\",\"direction\":\"ltr\"");
    docs[2] = replace(docs[0], "\"language\":\"ar\",\"direction\":\"rtl\"",
                      "\"language\":\"pt\",\"direction\":\"ltr\"");
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_writer_new(&w, ctx, out, NULL), 0);
    assert_int_equal(lp_writer_set_identity(w, "org.example.rt", 7, "",
                                            "pt tet ar"), 0);
    add(w, "curriculum/catalog.json", cat);
    add(w, "curriculum/assignments.json", asg);
    for (size_t i = 0; i < (all ? 3u : 2u); i++) {
        char path[64];

        snprintf(path, sizeof(path), "curriculum/lessons/a-first/%s.json",
                 tags[i]);
        add(w, path, docs[i]);
        if (all) {
            char *b = replace(docs[i], "\"id\":\"a-first\"",
                              "\"id\":\"b-second\"");

            snprintf(path, sizeof(path),
                     "curriculum/lessons/b-second/%s.json", tags[i]);
            add(w, path, b);
            free(b);
        }
    }
    add(w, "media/a.png", "not really a PNG\n");        /* 17 bytes */
    add(w, "media/v.webm", "frames\n");                 /* 7 */
    add(w, "media/v.vtt", "same content\n");            /* 13 */
    add(w, "media/sheet.pdf", "same content\n");        /* the same */
    assert_int_equal(lp_writer_commit(w), 0);
    lp_writer_free(w);
    lp_ctx_free(ctx);
    free(cat);
    free(asg);
    for (size_t i = 0; i < 3; i++)
        free(docs[i]);
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
