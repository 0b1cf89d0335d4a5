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

/* Mathematics: MathML in its namespace (declared, or with a prefix) and
 * plain YAML elements make one tree */
static void test_same_math_yaml_xml(void **state)
{
    char *fx = srcdir_path("tests/fixtures/lpc");

    (void)state;
    same_tree(fx, "math.yaml", fx, "math.xml", "lesson");
    free(fx);
}

/* The MathML Core table lpc and the runtimes share */
static void test_mathml_table(void **state)
{
    int mfrac = lpi_mathml_element("mfrac"), mo = lpi_mathml_element("mo");
    int mi = lpi_mathml_element("mi"), mtd = lpi_mathml_element("mtd");
    int mtr = lpi_mathml_element("mtr"), multi;
    int kids[8];
    size_t bad;
    char msg[256];

    (void)state;
    assert_int_equal(lpi_mathml_element("math"), 0);
    assert_int_equal(lpi_mathml_element("mfenced"), -1);
    assert_int_equal(lpi_mathml_element(NULL), -1);
    assert_string_equal(lpi_mathml_name(mfrac), "mfrac");
    assert_null(lpi_mathml_name(-1));
    assert_null(lpi_mathml_name(1000));
    assert_true(lpi_mathml_is_token(mi));
    assert_false(lpi_mathml_is_token(mfrac));
    assert_string_equal(lpi_mathml_parent(mtd), "mtr");
    assert_null(lpi_mathml_parent(mi));
    /* attributes: which element has which */
    assert_true(lpi_mathml_attr_on(mo, lpi_mathml_attr("stretchy")));
    assert_false(lpi_mathml_attr_on(mi, lpi_mathml_attr("stretchy")));
    assert_true(lpi_mathml_attr_on(mi, lpi_mathml_attr("mathvariant")));
    assert_true(lpi_mathml_attr_on(0, lpi_mathml_attr("alttext")));
    assert_false(lpi_mathml_attr_on(mo, lpi_mathml_attr("style")));
    assert_int_equal(lpi_mathml_attr("onclick"), -1);
    assert_string_equal(lpi_mathml_attr_name(lpi_mathml_attr("width")),
                        "width");
    /* values */
    assert_true(lpi_mathml_value_ok(lpi_mathml_attr("stretchy"), "true"));
    assert_false(lpi_mathml_value_ok(lpi_mathml_attr("stretchy"), "True"));
    assert_true(lpi_mathml_value_ok(lpi_mathml_attr("width"), "0.25em"));
    assert_true(lpi_mathml_value_ok(lpi_mathml_attr("width"), "-2px"));
    assert_true(lpi_mathml_value_ok(lpi_mathml_attr("width"), "10%"));
    assert_true(lpi_mathml_value_ok(lpi_mathml_attr("width"), "0"));
    assert_true(lpi_mathml_value_ok(lpi_mathml_attr("width"), ".5rem"));
    assert_false(lpi_mathml_value_ok(lpi_mathml_attr("width"), "2"));
    assert_false(lpi_mathml_value_ok(lpi_mathml_attr("width"), "em"));
    assert_false(lpi_mathml_value_ok(lpi_mathml_attr("width"), "1e3px"));
    assert_false(lpi_mathml_value_ok(lpi_mathml_attr("width"), "1 em"));
    assert_false(lpi_mathml_value_ok(lpi_mathml_attr("width"),
                                     "1234567em"));
    assert_true(lpi_mathml_value_ok(lpi_mathml_attr("scriptlevel"), "+1"));
    assert_false(lpi_mathml_value_ok(lpi_mathml_attr("scriptlevel"), "+"));
    assert_true(lpi_mathml_value_ok(lpi_mathml_attr("columnalign"),
                                    "left center right"));
    assert_false(lpi_mathml_value_ok(lpi_mathml_attr("columnalign"),
                                     "left  right"));
    assert_false(lpi_mathml_value_ok(lpi_mathml_attr("columnalign"),
                                     "left "));
    assert_false(lpi_mathml_value_ok(lpi_mathml_attr("columnalign"), ""));
    assert_true(lpi_mathml_value_ok(lpi_mathml_attr("rowspan"), "1000"));
    assert_false(lpi_mathml_value_ok(lpi_mathml_attr("rowspan"), "1001"));
    assert_false(lpi_mathml_value_ok(lpi_mathml_attr("rowspan"), "0"));
    assert_false(lpi_mathml_value_ok(lpi_mathml_attr("rowspan"), "-1"));
    assert_false(lpi_mathml_value_ok(-1, "x"));
    assert_false(lpi_mathml_value_ok(0, NULL));
    assert_string_equal(lpi_mathml_value_hint(lpi_mathml_attr("fence")),
                        "true or false");
    /* shapes */
    kids[0] = mi;
    kids[1] = mi;
    assert_true(lpi_mathml_children(mfrac, kids, 2, &bad, msg, sizeof(msg)));
    assert_false(lpi_mathml_children(mfrac, kids, 1, &bad, msg,
                                     sizeof(msg)));
    assert_int_equal(bad, 1);
    assert_string_equal(msg, "holds 1 element; it holds 2: a numerator and "
                        "a denominator");
    kids[1] = -1;
    assert_false(lpi_mathml_children(mfrac, kids, 2, &bad, msg,
                                     sizeof(msg)));
    assert_int_equal(bad, 1);
    kids[1] = LPI_MATHML_ANY;
    assert_true(lpi_mathml_children(mfrac, kids, 2, &bad, msg, sizeof(msg)));
    kids[0] = -1;
    assert_true(lpi_mathml_children(mi, kids, 1, &bad, msg, sizeof(msg)));
    kids[0] = mtd;
    assert_false(lpi_mathml_children(0, kids, 1, &bad, msg, sizeof(msg)));
    assert_string_equal(msg, "holds mtd, which belongs in mtr only");
    assert_true(lpi_mathml_children(mtr, kids, 1, &bad, msg, sizeof(msg)));
    multi = lpi_mathml_element("mmultiscripts");
    kids[0] = mi;
    kids[1] = mi;
    kids[2] = lpi_mathml_element("none");
    kids[3] = lpi_mathml_element("mprescripts");
    kids[4] = mi;
    kids[5] = mi;
    assert_true(lpi_mathml_children(multi, kids, 6, &bad, msg, sizeof(msg)));
    assert_false(lpi_mathml_children(multi, kids, 5, &bad, msg,
                                     sizeof(msg)));
    kids[4] = kids[3];
    assert_false(lpi_mathml_children(multi, kids, 6, &bad, msg,
                                     sizeof(msg)));
    assert_int_equal(bad, 4);
    kids[0] = kids[2];
    assert_false(lpi_mathml_children(multi, kids, 2, &bad, msg,
                                     sizeof(msg)));
    assert_string_equal(msg, "has none for its base");
    assert_false(lpi_mathml_children(-1, kids, 0, &bad, msg, sizeof(msg)));
}

/* Each misuse of mathematics is said where it is, once */
static void test_math_diagnostics(void **state)
{
    static const struct {
        const char *math;
        unsigned col;
    } cases[] = {
        { "[mfrac: [mi: a]]", 20 },
        { "[mi: {strechy: \"true\", _: x}]", 25 },
        { "[mfarc: [mi: a, mi: b]]", 20 },
        { "[mtable: [mtr: [mi: x]]]", 35 },
        { "[\"x\"]", 20 },
    };
    char *dir = unit_tmpdir(), *path = unit_path(dir, "l.yaml");

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        collected d = { 0 };
        lpi_srcfile *f = NULL;
        lp_project *p;
        lp_ctx *ctx;
        char src[512];
        int n = snprintf(src, sizeof(src), "lesson:\n  id: l\n  duration: "
                         "1\n  title: {en: L}\n  content:\n    - body:\n"
                         "        lang: en\n        _:\n          - math: %s"
                         "\n", cases[i].math);

        unit_write(path, src, (size_t)n);
        assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
        p = load(ctx, dir, "l.yaml", LPI_YAML, "lesson", &f, &d);
        if (d.n != 1 || strcmp(d.codes[0], "schema") != 0 ||
            d.lines[0] != 9 || d.cols[0] != cases[i].col)
            fail_msg("%s: %zu diagnostics, the first %s at %u:%u",
                     cases[i].math, d.n, d.codes[0], d.lines[0],
                     d.cols[0]);
        lp_project_free(p);
        lp_ctx_free(ctx);
    }
    free(path);
    unit_rmdir(dir);
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

/* lpi_src_cursor_pos() agrees with lpi_src_offset_pos() everywhere, going
 * forward in steps of every size and jumping back */
static void test_cursor_pos(void **state)
{
    static char text[] = "ab\n\xc3\xa9t\xe1\x88\xb0\n\n  x\ny\xf0\x9f\x98"
                               "\x80z\n";
    size_t lines[8], n = 0, len = sizeof(text) - 1;
    lpi_srcfile f;

    (void)state;
    memset(&f, 0, sizeof(f));
    f.data = text;
    f.len = len;
    lines[n++] = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n')
            lines[n++] = i + 1;
    f.lines = lines;
    f.nlines = n;
    for (size_t step = 1; step <= len; step++) {
        lpi_poscursor cur = { 0, { 0, 0 } };

        for (size_t off = 0; off <= len + 1; off += step) {
            lpi_pos want = lpi_src_offset_pos(&f, off > len ? len : off);
            lpi_pos got = lpi_src_cursor_pos(&f, off, &cur);

            assert_int_equal(got.line, want.line);
            assert_int_equal(got.col, want.col);
            /* and back to an earlier offset */
            if (off >= step) {
                want = lpi_src_offset_pos(&f, off - step / 2);
                got = lpi_src_cursor_pos(&f, off - step / 2, &cur);
                assert_int_equal(got.line, want.line);
                assert_int_equal(got.col, want.col);
            }
        }
    }
}

/* The string set: equal strings are one member, through growth */
static void test_strset(void **state)
{
    static char names[1000][8];
    lpi_strset set = { NULL, 0, 0 };
    const char *had;
    lp_ctx *ctx;

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_null(lpi_strset_get(&set, "a"));
    for (int i = 0; i < 1000; i++) {
        snprintf(names[i], sizeof(names[i]), "f%d", i);
        assert_int_equal(lpi_strset_add(ctx, &set, names[i], &had), 0);
        assert_null(had);
    }
    assert_int_equal(set.n, 1000);
    for (int i = 0; i < 1000; i++) {
        char again[8];

        snprintf(again, sizeof(again), "f%d", i);
        assert_ptr_equal(lpi_strset_get(&set, again), names[i]);
        assert_int_equal(lpi_strset_add(ctx, &set, again, &had), 0);
        assert_ptr_equal(had, names[i]);
    }
    assert_int_equal(set.n, 1000);
    assert_null(lpi_strset_get(&set, "f1000"));
    lpi_strset_dispose(ctx, &set);
    assert_null(lpi_strset_get(&set, "f1"));
    lp_ctx_free(ctx);
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
    /* options: version 1 (before threads) still accepted, 5 is not */
    {
        lp_project_opts o = LP_PROJECT_OPTS_INIT;

        o.version = 1;
        o.threads = 99; /* not part of version 1: ignored */
        assert_int_equal(lp_project_open(&p, ctx, ex, &o), 0);
        assert_int_equal(p->threads, 0);
        lp_project_free(p);
        o.version = 5;
        assert_int_equal(lp_project_open(&p, ctx, ex, &o), LP_EINVAL);
        assert_null(p);
        /* a previous release of an unknown version, or a lesson without
         * an id, is refused */
        {
            lp_previous prev = LP_PREVIOUS_INIT;
            lp_previous_lesson pl[1] = { { NULL, NULL, NULL } };

            o.version = LP_PROJECT_OPTS_VERSION;
            o.previous = &prev;
            prev.version = 2;
            assert_int_equal(lp_project_open(&p, ctx, ex, &o), LP_EINVAL);
            assert_null(p);
            prev.version = LP_PREVIOUS_VERSION;
            prev.lessons = pl;
            prev.nlessons = 1;
            assert_int_equal(lp_project_open(&p, ctx, ex, &o), LP_EINVAL);
            assert_null(p);
            pl[0].id = "x";
            assert_int_equal(lp_project_open(&p, ctx, ex, &o), 0);
            lp_project_free(p);
        }
    }
    lp_ctx_free(ctx);
    free(ex);
}

/* ------------------------------------------------ stable ids (history.c) */

/* The fingerprint of a lesson whose bodies are given (lang, XML content) */
static void fingerprint_of(lp_project *p, const char *bodies, const char *def,
                           char *out)
{
    char xml[8192];
    xmlDocPtr doc;

    snprintf(xml, sizeof(xml), "<lesson id=\"x\"><content>%s</content>"
             "</lesson>", bodies);
    doc = xmlReadMemory(xml, (int)strlen(xml), NULL, "UTF-8", XML_PARSE_NONET);
    assert_non_null(doc);
    lpi_fingerprint(p, xmlDocGetRootElement(doc), def, out);
    xmlFreeDoc(doc);
}

static int similarity_of(lp_project *p, const char *a, const char *b)
{
    char fa[LPI_FP_CAP], fb[LPI_FP_CAP];
    char ba[4096], bb[4096];

    snprintf(ba, sizeof(ba), "<body lang=\"tet\"><p>%s</p></body>", a);
    snprintf(bb, sizeof(bb), "<body lang=\"tet\"><p>%s</p></body>", b);
    fingerprint_of(p, ba, NULL, fa);
    fingerprint_of(p, bb, NULL, fb);
    assert_int_equal(lpi_fp_similarity(fa, fb), lpi_fp_similarity(fb, fa));
    return lpi_fp_similarity(fa, fb);
}

static void test_fingerprint(void **state)
{
    static const char text[] =
        "Ohin ita aprende konta husi ida to'o sanulu. Foti fatuk sanulu "
        "no tau iha liña ida. Konta fatuk ida-idak ho lian maka'as, depois "
        "hakerek númeru iha kaderno. Se ita konta lalais liu, hahú fali "
        "husi ida. Bainhira ita hotu konta ona, hatudu ba kolega sira.";
    static const char edited[] =
        "Ohin ita aprende konta husi ida to'o sanulu. Foti ai-tahan sanulu "
        "no tau iha liña ida. Konta ai-tahan ida-idak ho lian maka'as, "
        "depois hakerek númeru iha kaderno. Se ita konta lalais liu, hahú "
        "fali husi ida. Bainhira ita hotu konta ona, hatudu ba kolega sira.";
    static const char other[] =
        "A água ferve a cem graus. Quando a água arrefece abaixo de zero "
        "graus, torna-se gelo. Observa uma panela ao lume e escreve no "
        "caderno o que vês acontecer à superfície da água.";
    char *dir = unit_tmpdir();
    char fp[LPI_FP_CAP], fp2[LPI_FP_CAP];
    lp_project *p;
    lp_ctx *ctx;

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_project_open(&p, ctx, dir, NULL), 0);

    /* the measure over crafted sketches: the k smallest of the union,
     * the share of them in both */
    assert_int_equal(lpi_fp_similarity("1:00000001", "1:00000001"), 100);
    assert_int_equal(lpi_fp_similarity("1:0000000100000002",
                                       "1:0000000100000003"), 33);
    /* 50 is nearly the same (LPI_FP_NEAR), 7 of 15 is not */
    assert_int_equal(lpi_fp_similarity("1:000000010000000200000003",
                                       "1:000000010000000200000004"), 50);
    assert_true(50 >= LPI_FP_NEAR);
    {
        char a[LPI_FP_CAP] = "1:", b[LPI_FP_CAP] = "1:";

        /* a: 1..16, b: 9..24: the union's 16 smallest are 1..16, of which
         * 9..16 are in both */
        for (unsigned i = 0; i < 16; i++) {
            snprintf(a + 2 + 8 * i, 9, "%08x", i + 1);
            snprintf(b + 2 + 8 * i, 9, "%08x", i + 9);
        }
        assert_int_equal(lpi_fp_similarity(a, b), 50);
        /* a: 1..7 and 9..16 (15 hashes: a short text); b: 1..7 and
         * 17..25: 7 of the union's 16 smallest (1..7, 9..17) are in
         * both */
        for (unsigned i = 0; i < 7; i++)
            snprintf(b + 2 + 8 * i, 9, "%08x", i + 1);
        for (unsigned i = 7; i < 15; i++)
            snprintf(a + 2 + 8 * i, 9, "%08x", i + 2);
        a[2 + 8 * 15] = '\0';
        for (unsigned i = 7; i < 16; i++)
            snprintf(b + 2 + 8 * i, 9, "%08x", i + 10);
        assert_int_equal(lpi_fp_similarity(a, b), 43);
        assert_true(lpi_fp_similarity(a, b) < LPI_FP_NEAR);
    }
    /* not fingerprints: -1; an empty text is like nothing */
    assert_int_equal(lpi_fp_similarity(NULL, "1:00000001"), -1);
    assert_int_equal(lpi_fp_similarity("2:00000001", "1:00000001"), -1);
    assert_int_equal(lpi_fp_similarity("1:0000001", "1:00000001"), -1);
    assert_int_equal(lpi_fp_similarity("1:0000000G", "1:00000001"), -1);
    assert_int_equal(lpi_fp_similarity("1:0000000200000001", "1:00000001"),
                     -1);
    assert_int_equal(lpi_fp_similarity("1:", "1:00000001"), 0);

    /* real texts: case, punctuation and spacing do not count; a word
     * changed twice in five sentences is nearly the same; another
     * lesson is not */
    assert_int_equal(similarity_of(p, text, text), 100);
    assert_int_equal(similarity_of(p, "Konta  fatuk, IDA-idak!",
                                   "konta fatuk ida idak"), 100);
    assert_true(similarity_of(p, text, edited) >= LPI_FP_NEAR);
    assert_true(similarity_of(p, text, other) < LPI_FP_NEAR);
    assert_true(similarity_of(p, edited, other) < LPI_FP_NEAR);
    /* a text shorter than a shingle is one shingle */
    assert_int_equal(similarity_of(p, "Ida", "ida"), 100);
    assert_int_equal(similarity_of(p, "Ida", "Rua"), 0);

    /* the body in the default language, else the first body; none: "1:" */
    fingerprint_of(p, "<body lang=\"pt\"><p>Contar pedras</p></body>"
                   "<body lang=\"tet\"><p>Konta fatuk</p></body>",
                   "tet", fp);
    fingerprint_of(p, "<body lang=\"tet\"><p>Konta fatuk</p></body>",
                   NULL, fp2);
    assert_string_equal(fp, fp2);
    fingerprint_of(p, "<body lang=\"pt\"><p>Contar pedras</p></body>"
                   "<body lang=\"tet\"><p>Konta fatuk</p></body>",
                   "fr", fp);
    assert_string_not_equal(fp, fp2);
    fingerprint_of(p, "", "tet", fp);
    assert_string_equal(fp, "1:");
    /* at most 16 hashes, ascending */
    fingerprint_of(p, "<body lang=\"tet\"><p>Ohin ita aprende konta husi "
                   "ida to'o sanulu ho fatuk no ai-tahan</p></body>", NULL,
                   fp);
    assert_int_equal(strlen(fp), 2 + 8 * LPI_FP_K);
    assert_int_equal(lpi_fp_similarity(fp, fp), 100);

    /* sizes of profiles (and assignments) */
    {
        uint64_t v = 0;

        assert_true(lpi_parse_size("5 MiB", &v));
        assert_int_equal(v, 5u << 20);
        assert_true(lpi_parse_size("300KiB", &v));
        assert_int_equal(v, 300u << 10);
        assert_true(lpi_parse_size("1024", &v));
        assert_int_equal(v, 1024);
        assert_true(lpi_parse_size("7 B", &v));
        assert_int_equal(v, 7);
        assert_false(lpi_parse_size("5 MB", &v));
        assert_false(lpi_parse_size("MiB", &v));
        assert_false(lpi_parse_size(NULL, &v));
        assert_false(lpi_parse_size("99999999999999999999", &v));
        assert_false(lpi_parse_size("17179869184 GiB", &v));
    }
    /* the source the catalog records */
    assert_int_equal(lpi_source_stem("lessons/n1.yaml"), 10);
    assert_int_equal(lpi_source_stem("lessons/n1.yml"), 10);
    assert_int_equal(lpi_source_stem("lessons/n1.xml"), 10);
    assert_int_equal(lpi_source_stem("lessons.v2/n1"), 13);
    assert_int_equal(lpi_source_stem("a.yaml/n1"), 9);
    lp_project_free(p);
    lp_ctx_free(ctx);
    unit_rmdir(dir);
}

/* Tags: canonical forms; unknown languages refused */
static void test_lang_canon(void **state)
{
    static const struct { const char *in, *out; } good[] = {
        { "pt", "pt" }, { "PT-br", "pt-BR" }, { "iw", "he" },
        { "tet", "tet" }, { "sr-latn", "sr-Latn" }, { "prs", "prs" },
        { "ar-u-nu-latn", "ar-u-nu-latn" },
    };
    static const char *const bad[] = {
        "xx", "qqq", "und", "pt_BR", "pt--BR", "", "a-b-c-d-e-f-g-h-i-j-k",
    };
    char out[LPI_LANG_CAP];
    lp_project *p;
    lp_ctx *ctx;

    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
        assert_int_equal(lpi_lang_canon(good[i].in, strlen(good[i].in), out,
                                        sizeof(out)), 0);
        assert_string_equal(out, good[i].out);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        assert_int_equal(lpi_lang_canon(bad[i], strlen(bad[i]), out,
                                        sizeof(out)), -1);
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_project_open(&p, ctx, ".", NULL), 0);
    assert_true(lpi_lang_eq(p, "pt-br", 5, "PT-BR", 5));
    assert_true(lpi_lang_eq(p, "iw", 2, "he", 2));
    assert_false(lpi_lang_eq(p, "pt", 2, "pt-BR", 5));
    /* the memo fills up with a hostile number of spellings: still right */
    for (unsigned i = 0; i < 3 * LPI_LANG_MEMO; i++) {
        char tag[16];
        int n = snprintf(tag, sizeof(tag), "pt-x-%u", i);
        assert_true(lpi_lang_eq(p, tag, (size_t)n, "pt-x-0", 6) == (i == 0));
    }
    assert_true(lpi_lang_eq(p, "PT-br", 5, "pt-BR", 5));
    lp_project_free(p);
    lp_ctx_free(ctx);
}

/* Direction from the script, also where ICU has no locale data (Dari,
 * Divehi) */
/* lpi_lang_suggest(): the known language a bad tag most likely meant */
static void test_lang_suggest(void **state)
{
    static const struct { const char *in, *want; } cases[] = {
        { "kh", "'km' (Khmer, " },        /* a name begun, a code near */
        { "khmer", "'km' (Khmer, " },     /* a name spelt out */
        { "Tetun", "'tet' (Tetum)" },     /* a name one typo off */
        { "prt", "'pt' (Portuguese, " },  /* a three-letter code typo */
        { "amharik-ET", "'am' (Amharic, " }, /* the language subtag only */
    };
    static const char *const none[] = { "xx", "qqqqqqq", "" };
    char out[256];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        assert_true(lpi_lang_suggest(cases[i].in, strlen(cases[i].in), out,
                                     sizeof(out)));
        assert_non_null(strstr(out, cases[i].want));
    }
    for (size_t i = 0; i < sizeof(none) / sizeof(*none); i++)
        assert_false(lpi_lang_suggest(none[i], strlen(none[i]), out,
                                      sizeof(out)));
}

/* lp_text_columns(): what a terminal shows, for the caret */
static void test_text_columns(void **state)
{
    (void)state;
    assert_int_equal(lp_text_columns(NULL, 0), 0);
    assert_int_equal(lp_text_columns("abc", 3), 3);
    assert_int_equal(lp_text_columns("\xe4\xb8\xad\xe6\x96\x87", 6), 4);
    /* e + COMBINING ACUTE: one cluster, one column */
    assert_int_equal(lp_text_columns("e\xcc\x81", 3), 1);
    /* Khmer KA + VOWEL SIGN AA (a spacing mark): one cluster */
    assert_int_equal(lp_text_columns("\xe1\x9e\x80\xe1\x9e\xb6", 6), 1);
    /* a lone zero width joiner takes nothing */
    assert_int_equal(lp_text_columns("\xe2\x80\x8d", 3), 0);
    /* invalid UTF-8: one column a byte */
    assert_int_equal(lp_text_columns("\xff\xfe", 2), 2);
}

static void test_lang_rtl(void **state)
{
    static const char *const rtl[] = { "ar", "fa", "prs", "ps", "he", "ur",
                                       "dv", "yi", "ckb" };
    static const char *const ltr[] = { "pt", "tet", "fr", "am", "km", "en",
                                       "sr-Cyrl" };

    (void)state;
    for (size_t i = 0; i < sizeof(rtl) / sizeof(*rtl); i++)
        assert_true(lpi_lang_rtl(rtl[i]));
    for (size_t i = 0; i < sizeof(ltr) / sizeof(*ltr); i++)
        assert_false(lpi_lang_rtl(ltr[i]));
}

static void test_lang_script(void **state)
{
    lpi_script_tally t = { 0, 0 };

    (void)state;
    assert_string_equal(lpi_script_name(lpi_lang_script("am")), "Ethiopic");
    assert_string_equal(lpi_script_name(lpi_lang_script("km")), "Khmer");
    assert_string_equal(lpi_script_name(lpi_lang_script("sr-Latn")),
                        "Latin");
    assert_string_equal(lpi_script_name(lpi_lang_script("sr")), "Cyrillic");
    /* Amharic "selam" in Ethiopic, digits and punctuation neutral */
    lpi_script_count(lpi_lang_script("am"),
                     "\xe1\x88\xb0\xe1\x88\x8b\xe1\x88\x9d 10!", &t);
    assert_int_equal(t.match, 3);
    assert_int_equal(t.other, 0);
    assert_false(lpi_script_mismatch(&t));
    lpi_script_count(lpi_lang_script("am"), "selam, hello", &t);
    assert_true(lpi_script_mismatch(&t));
}

/* Each language's collation; equal texts keep the caller's order */
static void test_collate(void **state)
{
    /* "zebra", "öl", "ost" */
    static const char *const sv[] = { "zebra", "\xc3\xb6l", "ost" };
    /* "nube", "ñu", "oso", "nada" */
    static const char *const es[] = { "nube", "\xc3\xb1u", "oso", "nada" };
    static const char *const same[] = { "b", "a", "b", "a", "Lesson 10",
                                        "Lesson 2" };
    size_t o[6];
    lp_ctx *ctx;

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    /* Swedish: ö is a letter after z; German: an o */
    assert_int_equal(lpi_collate_order(ctx, "sv", sv, 3, o), 0);
    assert_int_equal(o[0], 2);
    assert_int_equal(o[1], 0);
    assert_int_equal(o[2], 1);
    assert_int_equal(lpi_collate_order(ctx, "de", sv, 3, o), 0);
    assert_int_equal(o[0], 1);
    assert_int_equal(o[1], 2);
    assert_int_equal(o[2], 0);
    /* Spanish: ñ after n, before o (code points: after o) */
    assert_int_equal(lpi_collate_order(ctx, "es", es, 4, o), 0);
    assert_int_equal(o[0], 3);
    assert_int_equal(o[1], 0);
    assert_int_equal(o[2], 1);
    assert_int_equal(o[3], 2);
    /* no tailoring in ICU (Tetum): the root collation; equal texts in
     * the order given; digits as numbers */
    assert_int_equal(lpi_collate_order(ctx, "tet", same, 6, o), 0);
    assert_int_equal(o[0], 1);
    assert_int_equal(o[1], 3);
    assert_int_equal(o[2], 0);
    assert_int_equal(o[3], 2);
    assert_int_equal(o[4], 5);
    assert_int_equal(o[5], 4);
    assert_int_equal(lpi_collate_order(ctx, "tet", same, 0, o), 0);
    lp_ctx_free(ctx);
}

/* NFD text and attributes come out NFC; stray bidi controls reported */
static void test_nfc_bidi(void **state)
{
    static const char yaml[] =
        "lesson:\n  id: a\n  duration: 5\n"
        "  title: {tet: \"Nu\xcc\x81meru\"}\n"
        "  content:\n    - body:\n        lang: tet\n        _:\n"
        "          - p: \"Cafe\xcc\x81 \xe2\x80\xae\"\n";
    char *dir = unit_tmpdir(), *path = unit_path(dir, "a.yaml");
    collected d = { 0 };
    lpi_srcfile *f = NULL;
    lp_project *p;
    lp_ctx *ctx;
    xmlChar *c;

    (void)state;
    unit_write(path, yaml, strlen(yaml));
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    p = load(ctx, dir, "a.yaml", LPI_YAML, "lesson", &f, &d);
    assert_non_null(f);
    assert_int_equal(d.n, 1);
    assert_string_equal(d.codes[0], "bidi-control");
    assert_int_equal(d.lines[0], 9);
    assert_int_equal(d.cols[0], 16);
    c = canonical(f->doc);
    assert_non_null(strstr((char *)c, "N\xc3\xbameru"));
    assert_non_null(strstr((char *)c, "Caf\xc3\xa9"));
    assert_null(strstr((char *)c, "\xcc\x81"));
    xmlFree(c);
    lp_project_free(p);
    lp_ctx_free(ctx);
    free(path);
    unit_rmdir(dir);
}

/* Every diagnostic, as one line each */
typedef struct transcript {
    char *text;
    size_t len;
} transcript;

static void record_diag(const lp_diag *d, void *user)
{
    transcript *t = user;
    char line[1536];
    int n = snprintf(line, sizeof(line), "%s:%u:%u: %d %s [%s] | %.*s\n",
                     d->file ? d->file : "-", d->line, d->col,
                     (int)d->severity, d->message, d->code,
                     (int)(d->source_len > 200 ? 200 : d->source_len),
                     d->source_line ? d->source_line : "");

    assert_true(n > 0 && (size_t)n < sizeof(line));
    t->text = realloc(t->text, t->len + (size_t)n + 1);
    assert_non_null(t->text);
    memcpy(t->text + t->len, line, (size_t)n + 1);
    t->len += (size_t)n;
}

/* Lesson files are loaded on several threads; the diagnostics, their
 * order and the verdict must not depend on how many */
static void test_threads_same_diagnostics(void **state)
{
    static const char head[] =
        "curriculum:\n  id: t.x\n  country: TL\n  version: 1\n"
        "  title: {tet: Testu, pt: Teste}\n"
        "  languages:\n    default: tet\n    _:\n"
        "      - language: {tag: tet, name: Tetun, fallback: pt}\n"
        "      - language: {tag: pt, name: Portugues}\n"
        "  license: {spdx: CC0-1.0, attribution: x}\n"
        "  subjects:\n    - subject:\n        id: s\n"
        "        title: {tet: S, pt: S}\n        grades:\n"
        "          - grade:\n              id: g\n"
        "              title: {tet: G, pt: G}\n              units:\n"
        "                - unit:\n                    id: u\n"
        "                    title: {tet: U, pt: U}\n"
        "                    lessons:\n";
    char *dir = unit_tmpdir(), path[4200], buf[2048], many[800];
    transcript t[3] = { { NULL, 0 }, { NULL, 0 }, { NULL, 0 } };
    static const unsigned threads[3] = { 1, 2, 5 };
    size_t len = 0;
    char *cur = malloc(sizeof(head) + 66 * 48);
    lp_ctx *ctx;

    (void)state;
    assert_non_null(cur);
    /* 60 attributes the schema refuses: past the per-file limit (50) */
    for (unsigned a = 0, m = 0; a < 60; a++)
        m += (unsigned)snprintf(many + m, sizeof(many) - m, "  a%u: 1\n", a);
    len = (size_t)snprintf(cur, sizeof(head), "%s", head);
    /* the curriculum file as a lesson: listed twice, passed over */
    len += (size_t)snprintf(cur + len, 64 * 48, "                      "
                            "- lesson: {src: curriculum.yaml}\n");
    /* 64 lessons, most with a problem found by a different stage: the
     * schema, the check, the YAML loader, the text pass, the reader, more
     * than the per-file limit, a missing file */
    for (unsigned i = 0; i < 64; i++) {
        unsigned k = i % 8;
        int n;

        len += (size_t)snprintf(cur + len, 64 * 48, "                      "
                                "- lesson: {src: l%u.%s}\n", i,
                                k == 7 ? "xml" : "yaml");
        snprintf(path, sizeof(path), "%s/l%u.%s", dir, i,
                 k == 7 ? "xml" : "yaml");
        if (k == 6 && i > 8)
            continue; /* missing */
        if (k == 7) {
            n = snprintf(buf, sizeof(buf), "<lesson id='l%u' duration='5'>"
                         "<title tet='T' pt='T'/><content><body lang='tet'>"
                         "<p>a</p></body><body lang='pt'><p>b</p></body>"
                         "</content></lessn>\n", i);
        } else {
            n = snprintf(buf, sizeof(buf),
                         "lesson:\n  id: l%u\n  duration: %s\n%s"
                         "  title: {tet: \"Lisaun %s%u\"%s}\n"
                         "  content:\n    - body:\n        lang: tet\n"
                         "        _:\n          - p: \"Testu ida\"\n"
                         "    - body:\n        lang: pt\n        _:\n"
                         "          - p: \"Um texto\"\n%s", i,
                         k == 1 ? "ten" : "10", k == 3 ? "  x: &a [1]\n" : "",
                         k == 4 ? "\xe2\x80\xae" : "", i,
                         k == 2 ? "" : ", pt: \"Licao\"", k == 5 ? many : "");
        }
        assert_true(n > 0 && (size_t)n < sizeof(buf));
        unit_write(path, buf, (size_t)n);
    }
    /* a missing file listed again is looked for again */
    len += (size_t)snprintf(cur + len, 64 * 48, "                      "
                            "- lesson: {src: l14.yaml}\n");
    snprintf(path, sizeof(path), "%s/curriculum.yaml", dir);
    unit_write(path, cur, len);
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    for (size_t r = 0; r < 3; r++) {
        lp_project_opts o = LP_PROJECT_OPTS_INIT;
        lp_project *p;

        o.threads = threads[r];
        assert_int_equal(lp_project_open(&p, ctx, dir, &o), 0);
        assert_int_equal(lp_project_check(p, record_diag, &t[r]),
                         LP_ESOURCE);
        lp_project_free(p);
        assert_non_null(t[r].text);
        if (r > 0)
            assert_string_equal(t[r].text, t[0].text);
    }
    /* one of each kind made it */
    assert_non_null(strstr(t[0].text, "[schema]"));
    assert_non_null(strstr(t[0].text, "[missing-translation]"));
    assert_non_null(strstr(t[0].text, "[unsafe]"));
    assert_non_null(strstr(t[0].text, "[bidi-control]"));
    assert_non_null(strstr(t[0].text, "[syntax]"));
    assert_non_null(strstr(t[0].text, "[missing-file]"));
    assert_non_null(strstr(t[0].text, "too many problems in this file"));
    assert_non_null(strstr(t[0].text, "'curriculum.yaml' is listed twice"));
    {
        const char *m = strstr(t[0].text, "l14.yaml' [missing-file]");

        assert_non_null(m);
        assert_non_null(strstr(m + 1, "l14.yaml' [missing-file]"));
    }
    for (size_t r = 0; r < 3; r++)
        free(t[r].text);
    free(cur);
    lp_ctx_free(ctx);
    unit_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_lesson_yaml_xml),
        cmocka_unit_test(test_same_curriculum_yaml_xml),
        cmocka_unit_test(test_same_math_yaml_xml),
        cmocka_unit_test(test_mathml_table),
        cmocka_unit_test(test_math_diagnostics),
        cmocka_unit_test(test_bom_crlf),
        cmocka_unit_test(test_invalid_utf8_position),
        cmocka_unit_test(test_cursor_pos),
        cmocka_unit_test(test_strset),
        cmocka_unit_test(test_lang_suggest),
        cmocka_unit_test(test_text_columns),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_example_is_clean),
        cmocka_unit_test(test_threads_same_diagnostics),
        cmocka_unit_test(test_lang_canon),
        cmocka_unit_test(test_lang_rtl),
        cmocka_unit_test(test_lang_script),
        cmocka_unit_test(test_nfc_bidi),
        cmocka_unit_test(test_collate),
        cmocka_unit_test(test_fingerprint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
