/*
 * test_source.c - curriculum sources: one document model from two syntaxes,
 * reading rules (BOM, line ends, UTF-8), path resolution, and the public
 * lp_project_check() on the example curriculum.
 */
#include "unit.h"

#include "lpi_source.h"

#include <libxml/c14n.h>

typedef struct collected {
    size_t n;
    char codes[32][32];
    unsigned lines[32], cols[32];
} collected;

static void collect(const lp_diag *d, void *user)
{
    collected *c = user;

    if (c->n < 32) {
        snprintf(c->codes[c->n], sizeof(c->codes[0]), "%s", d->code);
        c->lines[c->n] = d->line;
        c->cols[c->n] = d->col;
    }
    c->n++;
}

static char *srcdir_path(const char *rel)
{
    const char *top = getenv("top_srcdir");
    return unit_path(top ? top : ".", rel);
}

/* Load rel from dir through the whole pipeline; returns the project */
static lp_project *load(lp_ctx *ctx, const char *dir, const char *rel,
                        lpi_syntax syntax, const char *root,
                        lpi_srcfile **f, collected *diags)
{
    lp_project *p = NULL;

    assert_int_equal(lp_project_open(&p, ctx, dir, NULL), 0);
    p->fn = collect;
    p->user = diags;
    assert_int_equal(lpi_schema_load(p), 0);
    assert_int_equal(lpi_src_load(p, rel, syntax, root, NULL, NULL, f), 0);
    return p;
}

static xmlChar *canonical(xmlDocPtr doc)
{
    xmlChar *out = NULL;

    assert_true(xmlC14NDocDumpMemory(doc, NULL, XML_C14N_1_0, NULL, 0,
                                     &out) > 0);
    return out;
}

static void same_tree(const char *yaml_dir, const char *yaml_rel,
                      const char *xml_dir, const char *xml_rel,
                      const char *root)
{
    collected d1 = { 0 }, d2 = { 0 };
    lpi_srcfile *fy = NULL, *fx = NULL;
    lp_project *py, *px;
    xmlChar *cy, *cx;
    lp_ctx *ctx;

    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    py = load(ctx, yaml_dir, yaml_rel, LPI_YAML, root, &fy, &d1);
    px = load(ctx, xml_dir, xml_rel, LPI_XML, root, &fx, &d2);
    assert_int_equal(d1.n, 0);
    assert_int_equal(d2.n, 0);
    assert_true(fy->valid);
    assert_true(fx->valid);
    cy = canonical(fy->doc);
    cx = canonical(fx->doc);
    if (strcmp((char *)cy, (char *)cx) != 0)
        fprintf(stderr, "# YAML tree:\n%s\n# XML tree:\n%s\n", cy, cx);
    assert_string_equal((char *)cy, (char *)cx);
    xmlFree(cy);
    xmlFree(cx);
    lp_project_free(py);
    lp_project_free(px);
    lp_ctx_free(ctx);
}

static void test_same_lesson_yaml_xml(void **state)
{
    char *ex = srcdir_path("examples/tetum-math");
    char *fx = srcdir_path("tests/fixtures/lpc");

    (void)state;
    same_tree(ex, "lessons/numbers-01.yaml", fx, "numbers-01.xml", "lesson");
    free(ex);
    free(fx);
}

static void test_same_curriculum_yaml_xml(void **state)
{
    char *ex = srcdir_path("examples/tetum-math");
    char *fx = srcdir_path("tests/fixtures/lpc");

    (void)state;
    same_tree(ex, "curriculum.yaml", fx, "curriculum.xml", "curriculum");
    free(ex);
    free(fx);
}

/* A BOM and CRLF line ends change nothing, in either syntax */
static void test_bom_crlf(void **state)
{
    static const char yaml[] =
        "lesson:\n  id: a\n  duration: 5\n  title: {tet: Ida}\n"
        "  content:\n    - body:\n        lang: tet\n        _:\n"
        "          - p: Ola\n";
    char *dir = unit_tmpdir(), *path;
    collected d = { 0 };
    lpi_srcfile *f1, *f2;
    lp_project *p;
    lp_ctx *ctx;
    xmlChar *c1, *c2;
    char crlf[512];
    size_t n = 0;

    (void)state;
    memcpy(crlf, "\xef\xbb\xbf", 3);
    n = 3;
    for (const char *s = yaml; *s; s++) {
        if (*s == '\n')
            crlf[n++] = '\r';
        crlf[n++] = *s;
    }
    path = unit_path(dir, "a.yaml");
    unit_write(path, yaml, strlen(yaml));
    free(path);
    path = unit_path(dir, "b.yaml");
    unit_write(path, crlf, n);
    free(path);
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    p = load(ctx, dir, "a.yaml", LPI_YAML, "lesson", &f1, &d);
    assert_int_equal(lpi_src_load(p, "b.yaml", LPI_YAML, "lesson", NULL,
                                  NULL, &f2), 0);
    assert_non_null(f1->doc);
    assert_non_null(f2->doc);
    c1 = canonical(f1->doc);
    c2 = canonical(f2->doc);
    assert_string_equal((char *)c1, (char *)c2);
    xmlFree(c1);
    xmlFree(c2);
    lp_project_free(p);
    lp_ctx_free(ctx);
    unit_rmdir(dir);
}

/* Invalid UTF-8 is reported where it is: line 2, column 8 (characters:
 * the two-byte e-acute counts one) */
static void test_invalid_utf8_position(void **state)
{
    static const char text[] = "lesson:\n  id: \xc3\xa9\xff\n";
    char *dir = unit_tmpdir(), *path = unit_path(dir, "x.yaml");
    collected d = { 0 };
    lpi_srcfile *f = NULL;
    lp_project *p;
    lp_ctx *ctx;

    (void)state;
    unit_write(path, text, sizeof(text) - 1);
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    p = load(ctx, dir, "x.yaml", LPI_YAML, "lesson", &f, &d);
    assert_null(f);
    assert_int_equal(d.n, 1);
    assert_string_equal(d.codes[0], "encoding");
    assert_int_equal(d.lines[0], 2);
    assert_int_equal(d.cols[0], 8);
    lp_project_free(p);
    lp_ctx_free(ctx);
    free(path);
    unit_rmdir(dir);
}

static void test_resolve(void **state)
{
    char rel[] = "lessons/a.yaml";
    lpi_srcfile f;
    lp_project *p;
    lp_ctx *ctx;
    const char *why;
    char *r;

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_project_open(&p, ctx, ".", NULL), 0);
    memset(&f, 0, sizeof(f));
    f.rel = rel;
    r = lpi_src_resolve(p, &f, "../media/x.png", &why);
    assert_string_equal(r, "media/x.png");
    lpi_free(ctx, r);
    r = lpi_src_resolve(p, &f, "./b/./c.png", &why);
    assert_string_equal(r, "lessons/b/c.png");
    lpi_free(ctx, r);
    assert_null(lpi_src_resolve(p, &f, "../../etc/passwd", &why));
    assert_non_null(why);
    assert_null(lpi_src_resolve(p, &f, "/etc/passwd", &why));
    assert_non_null(why);
    assert_null(lpi_src_resolve(p, &f, "C:\\x", &why));
    lp_project_free(p);
    lp_ctx_free(ctx);
}

static void test_example_is_clean(void **state)
{
    char *ex = srcdir_path("examples/tetum-math");
    collected d = { 0 };
    lp_project *p;
    lp_ctx *ctx;

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_project_open(&p, ctx, ex, NULL), 0);
    assert_int_equal(lp_project_check(p, collect, &d), 0);
    assert_int_equal(d.n, 0);
    /* checking twice gives the same verdict */
    assert_int_equal(lp_project_check(p, collect, &d), 0);
    assert_int_equal(d.n, 0);
    lp_project_free(p);
    assert_int_equal(lp_project_open(&p, ctx, "/nonexistent/x", NULL),
                     LP_EIO);
    assert_null(p);
    lp_ctx_free(ctx);
    free(ex);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_lesson_yaml_xml),
        cmocka_unit_test(test_same_curriculum_yaml_xml),
        cmocka_unit_test(test_bom_crlf),
        cmocka_unit_test(test_invalid_utf8_position),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_example_is_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
