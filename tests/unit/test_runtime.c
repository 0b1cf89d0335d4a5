/*
 * test_runtime.c - the catalog and lesson API (liblp/runtime): walking a
 * catalog, texts and the languages they are really in, language matching,
 * lessons and their blocks, the answer rules, what a lesson needs, hostile
 * documents, and every allocation failing.  Packages come from the
 * shipped examples (built with lp_project_build) and from the fixtures in
 * tests/fixtures/runtime.
 */
#include "unit.h"
#include "torture.h"
#include "catalog_fixture.h"

#include <stdbool.h>

/* MathML texts are at most this long (LPI_MATHML_MAX_TEXT, lpk(5)) */
#define LPI_MATHML_TEST_TEXT 1024

static char *tmp, *examples[3], *fixpkg;
static const char *const example_names[] = { "tetum-math", "arabic-science",
                                             "amharic-english" };

static int setup(void **state)
{
    (void)state;
    tmp = unit_tmpdir();
    for (size_t i = 0; i < 3; i++) {
        char name[64];
        snprintf(name, sizeof(name), "%s.lpk", example_names[i]);
        examples[i] = unit_path(tmp, name);
        build_example(example_names[i], examples[i]);
    }
    fixpkg = unit_path(tmp, "fixture.lpk");
    build_fixture(fixpkg, false);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < 3; i++)
        free(examples[i]);
    free(fixpkg);
    unit_rmdir(tmp);
    return 0;
}

/* ------------------------------------------------------------ catalog */

static void test_catalog_walk(void **state)
{
    opened o;
    const lp_catnode *s, *g, *u, *l, *f;
    const char *in;

    (void)state;
    open_pkg(&o, fixpkg);
    assert_string_equal(lp_catalog_id(o.cat), "org.example.rt");
    assert_int_equal(lp_catalog_version(o.cat), 7);
    assert_string_equal(lp_catalog_label(o.cat), "2026 term 1");
    assert_string_equal(lp_catalog_country(o.cat), "TL");
    assert_string_equal(lp_catalog_license(o.cat), "CC-BY-4.0");
    assert_string_equal(lp_catalog_attribution(o.cat), "Ministry");
    assert_string_equal(lp_catalog_default_language(o.cat), "pt");
    assert_int_equal(lp_catalog_language_count(o.cat), 3);
    assert_string_equal(lp_catalog_language(o.cat, 1), "tet");
    assert_null(lp_catalog_language(o.cat, 3));
    assert_string_equal(lp_catalog_language_name(o.cat, "TET"), "Tetun");
    assert_null(lp_catalog_language_name(o.cat, "fr"));
    assert_int_equal(lp_catalog_direction(o.cat, "ar"), LP_RTL);
    assert_int_equal(lp_catalog_direction(o.cat, "pt"), LP_LTR);
    assert_int_equal(lp_catalog_direction(o.cat, "fr"), LP_ENOTFOUND);

    /* the tree, in teaching order, with parents */
    assert_int_equal(lp_catalog_subject_count(o.cat), 1);
    assert_null(lp_catalog_subject(o.cat, 1));
    s = lp_catalog_subject(o.cat, 0);
    assert_int_equal(lp_catnode_get_kind(s), LP_CAT_SUBJECT);
    assert_string_equal(lp_catnode_id(s), "math");
    assert_null(lp_catnode_parent(s));
    assert_int_equal(lp_catnode_child_count(s), 2);
    g = lp_catnode_child(s, 0);
    assert_int_equal(lp_catnode_get_kind(g), LP_CAT_GRADE);
    assert_ptr_equal(lp_catnode_parent(g), s);
    assert_int_equal(lp_catnode_child_count(lp_catnode_child(s, 1)), 0);
    assert_null(lp_catnode_child(s, 2));
    u = lp_catnode_child(g, 0);
    assert_int_equal(lp_catnode_get_kind(u), LP_CAT_UNIT);
    assert_string_equal(lp_catnode_title(u, "tet", NULL), "Unidade 1");
    assert_int_equal(lp_catnode_child_count(u), 2);
    l = lp_catnode_child(u, 0);
    assert_int_equal(lp_catnode_get_kind(l), LP_CAT_LESSON);
    assert_string_equal(lp_catnode_id(l), "b-second");
    assert_ptr_equal(lp_catnode_parent(l), u);
    assert_int_equal(lp_catnode_child_count(l), 0);
    assert_int_equal(lp_catnode_duration(l), 45);
    assert_int_equal(lp_catnode_duration(u), 0);

    /* lessons: teaching order, by id, by title */
    assert_int_equal(lp_catalog_lesson_count(o.cat), 2);
    assert_ptr_equal(lp_catalog_lesson(o.cat, 0), l);
    assert_null(lp_catalog_lesson(o.cat, 2));
    assert_int_equal(lp_catalog_find_lesson(o.cat, "a-first", &f), 0);
    assert_ptr_equal(f, lp_catalog_lesson(o.cat, 1));
    assert_int_equal(lp_catalog_find_lesson(o.cat, "zz", &s), LP_ENOTFOUND);
    assert_null(s);
    assert_ptr_equal(lp_catalog_sorted_lesson(o.cat, "tet", 0), l);
    assert_ptr_equal(lp_catalog_sorted_lesson(o.cat, NULL, 0), f);
    assert_null(lp_catalog_sorted_lesson(o.cat, "pt", 2));
    assert_null(lp_catalog_sorted_lesson(o.cat, "fr", 0));

    /* stable ids: earlier ids, source and fingerprint (b-second has
     * them, a-first none, as a catalog written before them) */
    assert_int_equal(lp_catnode_renamed_from_count(l), 2);
    assert_string_equal(lp_catnode_renamed_from(l, 0), "b-old");
    assert_string_equal(lp_catnode_renamed_from(l, 1), "b-older");
    assert_null(lp_catnode_renamed_from(l, 2));
    assert_string_equal(lp_catnode_source(l), "lessons/b");
    assert_string_equal(lp_catnode_fingerprint(l), "1:0000000a");
    assert_int_equal(lp_catnode_renamed_from_count(f), 0);
    assert_null(lp_catnode_renamed_from(f, 0));
    assert_null(lp_catnode_source(f));
    assert_null(lp_catnode_fingerprint(f));
    assert_int_equal(lp_catnode_renamed_from_count(g), 0);
    assert_int_equal(lp_catalog_find_renamed(o.cat, "b-older", &s), 0);
    assert_ptr_equal(s, l);
    assert_int_equal(lp_catalog_find_renamed(o.cat, "b-second", &s),
                     LP_ENOTFOUND);
    assert_null(s);

    /* a lesson's entry */
    assert_int_equal(lp_catnode_require_count(f), 1);
    assert_string_equal(lp_catnode_require(f, 0), "b-second");
    assert_null(lp_catnode_require(f, 1));
    assert_int_equal(lp_catnode_objective_count(f), 1);
    assert_string_equal(lp_catnode_objective_id(f, 0), "o1");
    assert_null(lp_catnode_objective_id(f, 1));
    assert_string_equal(lp_catnode_objective_text(f, 0, "tet", &in),
                        "Aumenta");
    assert_string_equal(in, "tet");
    assert_null(lp_catnode_objective_text(f, 1, "tet", &in));
    assert_null(in);
    assert_int_equal(lp_catnode_activity_count(f), 4);
    assert_int_equal(lp_catnode_assignment_count(f), 1);
    assert_string_equal(lp_catnode_document(f, "ar"),
                        "curriculum/lessons/a-first/ar.json");
    assert_null(lp_catnode_document(f, "fr"));
    assert_null(lp_catnode_document(u, "ar"));

    /* media and assignments */
    assert_int_equal(lp_catalog_media_count(o.cat), 1);
    assert_string_equal(lp_catalog_media_path(o.cat, 0), "media/a.png");
    assert_string_equal(lp_catalog_media_type(o.cat, 0), "image/png");
    assert_string_equal(lp_catalog_media_license(o.cat, 0), "CC0-1.0");
    assert_string_equal(lp_catalog_media_attribution(o.cat, 0), "Ana");
    assert_null(lp_catalog_media_path(o.cat, 1));
    assert_int_equal(lp_catalog_assignment_count(o.cat), 1);
    assert_string_equal(lp_catalog_assignment_lesson(o.cat, 0), "a-first");
    assert_string_equal(lp_catalog_assignment_id(o.cat, 0), "home");
    assert_string_equal(lp_catalog_assignment_kind(o.cat, 0), "photo");
    assert_int_equal(lp_catalog_assignment_max_size(o.cat, 0), 5242880);
    assert_int_equal(lp_catalog_assignment_max_size(o.cat, 1), 0);
    assert_string_equal(lp_catalog_assignment_task(o.cat, 0, "pt", &in),
                        "Tira uma foto");
    assert_string_equal(in, "pt");
    assert_null(lp_catalog_assignment_task(o.cat, 1, "pt", &in));
    assert_null(in);
    assert_null(lp_catalog_assignment_id(o.cat, 1));
    close_pkg(&o);
}

/* texts through the fallback chain, and the language they are really in */
static void test_catalog_texts(void **state)
{
    opened o;
    const lp_catnode *l;
    const char *in;

    (void)state;
    open_pkg(&o, fixpkg);
    assert_string_equal(lp_catalog_title(o.cat, NULL, &in), "Números");
    assert_string_equal(in, "pt");
    assert_string_equal(lp_catalog_title(o.cat, "TET", &in), "Númeru");
    assert_string_equal(in, "tet");
    assert_string_equal(lp_catalog_title(o.cat, "ar", &in), "أرقام");
    assert_string_equal(in, "ar");
    assert_null(lp_catalog_title(o.cat, "fr", &in));
    assert_null(in);
    /* ar falls back on tet, then on pt (the default) */
    assert_string_equal(lp_catalog_description(o.cat, "ar", &in), "Contar");
    assert_string_equal(in, "pt");
    assert_int_equal(lp_catalog_direction(o.cat, in), LP_LTR);
    assert_int_equal(lp_catalog_find_lesson(o.cat, "b-second", &l), 0);
    assert_string_equal(lp_catnode_title(l, "ar", &in), "Lição 10");
    assert_string_equal(in, "tet");
    assert_string_equal(lp_catnode_title(l, "tet", &in), "Lição 10");
    assert_string_equal(in, "pt");
    assert_int_equal(lp_catalog_find_lesson(o.cat, "a-first", &l), 0);
    assert_string_equal(lp_catnode_title(l, "ar", &in), "Lição 2");
    assert_string_equal(in, "pt");
    /* in_lang may be NULL */
    assert_string_equal(lp_catnode_title(l, "tet", NULL), "Lisaun 2");
    close_pkg(&o);
}

static void test_match(void **state)
{
    opened o, a;
    const char *out;
    const char *android[] = { "pt-BR", "pt-PT", "en" };
    const char *german[] = { "de-AT", "fr" };
    const char *many[LP_MAX_PREFERENCES + 1];
    char big[LP_MAX_ACCEPT_BYTES + 2];

    (void)state;
    open_pkg(&o, examples[0]);   /* tet, pt */
    assert_int_equal(lp_catalog_match_accept(o.cat, "pt-BR,pt;q=0.9,en;q=0.5",
                                             &out), 0);
    assert_string_equal(out, "pt");
    assert_int_equal(lp_catalog_match_accept(o.cat, "tet-TL", &out), 0);
    assert_string_equal(out, "tet");
    assert_int_equal(lp_catalog_match_accept(o.cat, "en;q=0.9,tet;q=0.1",
                                             &out), 0);
    assert_string_equal(out, "tet");
    assert_int_equal(lp_catalog_match_languages(o.cat, android, 3, &out), 0);
    assert_string_equal(out, "pt");
    /* nothing matches: the default, and LP_ENOTFOUND */
    assert_int_equal(lp_catalog_match_languages(o.cat, german, 2, &out),
                     LP_ENOTFOUND);
    assert_string_equal(out, lp_catalog_default_language(o.cat));
    assert_int_equal(lp_catalog_match_accept(o.cat, "ja", &out),
                     LP_ENOTFOUND);
    assert_string_equal(out, lp_catalog_default_language(o.cat));
    assert_int_equal(lp_catalog_match_languages(o.cat, android, 0, &out),
                     LP_ENOTFOUND);
    for (size_t i = 0; i <= LP_MAX_PREFERENCES; i++)
        many[i] = "pt";
    assert_int_equal(lp_catalog_match_languages(o.cat, many,
                                                LP_MAX_PREFERENCES + 1, &out),
                     LP_ETOOBIG);
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    {
        /* the matchers write no context: many threads share one catalog */
        char *before = strdup(lp_ctx_errmsg(o.ctx));

        assert_non_null(before);
        assert_int_equal(lp_catalog_match_accept(o.cat, big, &out),
                         LP_ETOOBIG);
        assert_string_equal(lp_ctx_errmsg(o.ctx), before);
        free(before);
    }
    close_pkg(&o);

    open_pkg(&a, examples[1]);   /* arabic-science: ar, fr? */
    assert_int_equal(lp_catalog_match_accept(a.cat, "ar-EG", &out), 0);
    assert_string_equal(out, "ar");
    assert_int_equal(lp_catalog_direction(a.cat, out), LP_RTL);
    close_pkg(&a);
}

/* ------------------------------------------------------------ lessons */

static const char *first_text(const lp_node *n)
{
    while (n && lp_node_get_type(n) != LP_NODE_TEXT)
        n = lp_node_child(n, 0);
    return n ? lp_node_text(n) : NULL;
}

static void test_lesson_blocks(void **state)
{
    opened o;
    lp_lesson *l;
    const lp_node *p, *b, *row;

    (void)state;
    open_pkg(&o, fixpkg);
    if (lp_lesson_open(&l, o.ctx, o.cat, "a-first", "AR") != 0)
        fail_msg("%s", lp_ctx_errmsg(o.ctx));
    assert_string_equal(lp_lesson_id(l), "a-first");
    assert_string_equal(lp_lesson_language(l), "ar");
    assert_int_equal(lp_lesson_direction(l), LP_RTL);
    assert_string_equal(lp_lesson_body_language(l), "tet");
    assert_int_equal(lp_lesson_body_direction(l), LP_LTR);
    assert_string_equal(lp_lesson_title(l), "Lição 2");
    assert_int_equal(lp_lesson_duration(l), 30);
    assert_int_equal(lp_lesson_require_count(l), 1);
    assert_string_equal(lp_lesson_require(l, 0), "b-second");
    assert_null(lp_lesson_require(l, 1));
    assert_int_equal(lp_lesson_objective_count(l), 1);
    assert_string_equal(lp_lesson_objective_id(l, 0), "o1");
    assert_string_equal(lp_lesson_objective_text(l, 0), "Somar");
    assert_null(lp_lesson_objective_text(l, 1));
    assert_int_equal(lp_lesson_objective_standard_count(l, 0), 2);
    assert_string_equal(lp_lesson_objective_standard(l, 0, 1), "S.2");
    assert_null(lp_lesson_objective_standard(l, 0, 2));
    assert_int_equal(lp_lesson_objective_standard_count(l, 1), 0);

    assert_int_equal(lp_lesson_block_count(l), 11);
    assert_null(lp_lesson_block(l, 11));
    b = lp_lesson_block(l, 0);
    assert_int_equal(lp_node_get_type(b), LP_NODE_H1);
    assert_string_equal(lp_node_type_name(b), "h1");
    assert_string_equal(first_text(b), "Aumenta");
    /* a paragraph: text, emphasis holding strong, links */
    p = lp_lesson_block(l, 1);
    assert_int_equal(lp_node_child_count(p), 5);
    assert_null(lp_node_child(p, 5));
    assert_int_equal(lp_node_get_type(lp_node_child(p, 0)), LP_NODE_TEXT);
    assert_string_equal(lp_node_text(lp_node_child(p, 0)), "Haree ");
    assert_null(lp_node_text(p));
    b = lp_node_child(p, 1);
    assert_int_equal(lp_node_get_type(b), LP_NODE_EM);
    assert_int_equal(lp_node_get_type(lp_node_child(b, 1)), LP_NODE_STRONG);
    assert_string_equal(first_text(lp_node_child(b, 1)), "konta");
    b = lp_node_child(p, 3);
    assert_int_equal(lp_node_get_type(b), LP_NODE_LINK);
    assert_string_equal(lp_node_type_name(b), "link");
    assert_string_equal(lp_node_attr(b, "lesson"), "b-second");
    assert_null(lp_node_attr(b, "href"));
    assert_null(lp_node_attr(b, "type"));
    assert_null(lp_node_attr(b, NULL));
    assert_string_equal(lp_node_attr(lp_node_child(p, 4), "href"),
                        "https://example.org/");
    assert_null(lp_node_attr(lp_node_child(p, 0), "href"));
    /* lists and tables */
    b = lp_lesson_block(l, 2);
    assert_int_equal(lp_node_get_type(b), LP_NODE_UL);
    assert_int_equal(lp_node_child_count(b), 2);
    assert_int_equal(lp_node_get_type(lp_node_child(b, 1)), LP_NODE_ITEM);
    assert_int_equal(lp_node_child_count(lp_node_child(b, 1)), 2);
    b = lp_lesson_block(l, 3);
    assert_int_equal(lp_node_get_type(b), LP_NODE_TABLE);
    row = lp_node_child(b, 0);
    assert_int_equal(lp_node_get_type(row), LP_NODE_ROW);
    assert_int_equal(lp_node_child_count(row), 2);
    assert_int_equal(lp_node_get_type(lp_node_child(row, 0)), LP_NODE_CELL);
    assert_int_equal(lp_node_is_header(lp_node_child(row, 0)), 1);
    assert_int_equal(lp_node_is_header(lp_node_child(row, 1)), 0);
    assert_string_equal(first_text(lp_node_child(row, 1)), "1");
    /* media */
    b = lp_lesson_block(l, 4);
    assert_int_equal(lp_node_get_type(b), LP_NODE_IMAGE);
    assert_string_equal(lp_node_attr(b, "src"), "media/a.png");
    assert_string_equal(lp_node_attr(b, "alt"), "fatuk");
    assert_null(lp_node_attr(b, "title"));
    assert_int_equal(lp_node_child_count(b), 0);
    b = lp_lesson_block(l, 5);
    assert_int_equal(lp_node_get_type(b), LP_NODE_VIDEO);
    assert_string_equal(lp_node_attr(b, "captions"), "media/v.vtt");
    assert_int_equal(lp_node_get_type(lp_lesson_block(l, 6)), LP_NODE_AUDIO);
    assert_string_equal(lp_node_type_name(lp_lesson_block(l, 7)),
                        "attachment");
    /* a note: its title first, then its blocks, a nested note among them */
    b = lp_lesson_block(l, 8);
    assert_int_equal(lp_node_get_type(b), LP_NODE_NOTE);
    assert_string_equal(lp_node_type_name(b), "note");
    assert_string_equal(lp_node_attr(b, "kind"), "tip");
    assert_int_equal(lp_node_child_count(b), 3);
    p = lp_node_child(b, 0);
    assert_int_equal(lp_node_get_type(p), LP_NODE_TITLE);
    assert_string_equal(lp_node_type_name(p), "title");
    assert_null(lp_node_attr(p, "kind"));
    assert_int_equal(lp_node_child_count(p), 2);
    assert_int_equal(lp_node_get_type(lp_node_child(p, 1)), LP_NODE_SUB);
    assert_string_equal(first_text(lp_node_child(p, 1)), "0");
    p = lp_node_child(b, 1);
    assert_int_equal(lp_node_get_type(p), LP_NODE_P);
    assert_int_equal(lp_node_get_type(lp_node_child(p, 1)), LP_NODE_SUP);
    assert_string_equal(lp_node_type_name(lp_node_child(p, 1)), "sup");
    assert_int_equal(lp_node_get_type(lp_node_child(p, 3)), LP_NODE_TERM);
    assert_string_equal(first_text(lp_node_child(p, 3)), "konta");
    p = lp_node_child(b, 2);
    assert_int_equal(lp_node_get_type(p), LP_NODE_NOTE);
    assert_string_equal(lp_node_attr(p, "kind"), "note");
    assert_int_equal(lp_node_child_count(p), 1);
    assert_int_equal(lp_node_get_type(lp_node_child(p, 0)), LP_NODE_IMAGE);
    assert_string_equal(lp_node_attr(lp_node_child(p, 0), "alt"), "nota");
    assert_null(lp_node_child(b, 3));
    /* a glossary: two terms, then their definition */
    b = lp_lesson_block(l, 9);
    assert_int_equal(lp_node_get_type(b), LP_NODE_DL);
    assert_string_equal(lp_node_type_name(b), "dl");
    assert_int_equal(lp_node_child_count(b), 3);
    assert_int_equal(lp_node_get_type(lp_node_child(b, 0)), LP_NODE_DT);
    assert_string_equal(lp_node_type_name(lp_node_child(b, 1)), "dt");
    p = lp_node_child(b, 2);
    assert_int_equal(lp_node_get_type(p), LP_NODE_DD);
    assert_string_equal(lp_node_type_name(p), "dd");
    assert_string_equal(first_text(p), "numeru");
    assert_int_equal(lp_node_get_type(lp_node_child(p, 1)), LP_NODE_SUB);
    /* ids: on blocks and terms */
    assert_string_equal(lp_node_attr(b, "id"), "glosa");
    assert_string_equal(lp_node_attr(lp_node_child(b, 0), "id"), "ida");
    assert_null(lp_node_attr(lp_node_child(b, 1), "id"));
    /* a figure: its pictures, caption and credit */
    b = lp_lesson_block(l, 10);
    assert_int_equal(lp_node_get_type(b), LP_NODE_FIGURE);
    assert_string_equal(lp_node_type_name(b), "figure");
    assert_string_equal(lp_node_attr(b, "id"), "fig");
    assert_int_equal(lp_node_child_count(b), 4);
    assert_int_equal(lp_node_get_type(lp_node_child(b, 0)), LP_NODE_IMAGE);
    assert_string_equal(lp_node_attr(lp_node_child(b, 1), "id"), "fig-v");
    p = lp_node_child(b, 2);
    assert_int_equal(lp_node_get_type(p), LP_NODE_CAPTION);
    assert_string_equal(lp_node_type_name(p), "caption");
    assert_int_equal(lp_node_get_type(lp_node_child(p, 1)), LP_NODE_LINK);
    assert_string_equal(lp_node_attr(lp_node_child(p, 1), "block"), "glosa");
    assert_string_equal(lp_node_attr(lp_node_child(p, 1), "lesson"),
                        "a-first");
    p = lp_node_child(b, 3);
    assert_int_equal(lp_node_get_type(p), LP_NODE_CREDIT);
    assert_string_equal(lp_node_type_name(p), "credit");
    assert_string_equal(lp_node_attr(p, "spdx"), "CC0-1.0");
    assert_string_equal(lp_node_attr(p, "source"), "https://example.org/<x>");
    assert_string_equal(first_text(p), "Ana");
    assert_null(lp_node_child(b, 4));

    /* assignments */
    assert_int_equal(lp_lesson_assignment_count(l), 1);
    assert_string_equal(lp_lesson_assignment_id(l, 0), "home");
    assert_string_equal(lp_lesson_assignment_kind(l, 0), "photo");
    assert_string_equal(lp_lesson_assignment_task(l, 0), "Foti foto");
    assert_int_equal(lp_lesson_assignment_max_size(l, 0), 5242880);
    assert_int_equal(lp_lesson_assignment_max_size(l, 1), 0);
    assert_null(lp_lesson_assignment_id(l, 1));

    /* needs: the document, then each media path once; the total counts
     * one content (v.vtt and sheet.pdf are the same) once */
    assert_int_equal(lp_lesson_need_count(l), 5);
    assert_string_equal(lp_lesson_need_path(l, 0),
                        "curriculum/lessons/a-first/ar.json");
    assert_string_equal(lp_lesson_need_path(l, 1), "media/a.png");
    assert_string_equal(lp_lesson_need_path(l, 2), "media/v.webm");
    assert_string_equal(lp_lesson_need_path(l, 3), "media/v.vtt");
    assert_string_equal(lp_lesson_need_path(l, 4), "media/sheet.pdf");
    assert_null(lp_lesson_need_path(l, 5));
    assert_null(lp_lesson_need_hash(l, 5));
    assert_int_equal(lp_lesson_need_size(l, 5), 0);
    assert_int_equal(lp_lesson_need_size(l, 1), 17);
    assert_string_equal(lp_lesson_need_hash(l, 3), lp_lesson_need_hash(l, 4));
    assert_int_equal(strlen(lp_lesson_need_hash(l, 0)), LP_HASH_HEX_BYTES);
    assert_int_equal(lp_lesson_need_total(l),
                     lp_lesson_need_size(l, 0) + 17 + 7 + 13);
    lp_lesson_free(l);
    lp_lesson_free(NULL);
    close_pkg(&o);
}

static void test_lesson_open_errors(void **state)
{
    opened o;
    lp_lesson *l;
    lp_catalog *parsed;
    size_t n;
    char *cat = fixture("catalog.json", &n);

    (void)state;
    open_pkg(&o, fixpkg);
    assert_int_equal(lp_lesson_open(&l, o.ctx, o.cat, "nope", NULL),
                     LP_ENOTFOUND);
    assert_null(l);
    assert_int_equal(lp_lesson_open(&l, o.ctx, o.cat, "a-first", "fr"),
                     LP_ENOTFOUND);
    /* the catalog names a document the package lacks */
    assert_int_equal(lp_lesson_open(&l, o.ctx, o.cat, "a-first", "pt"),
                     LP_EFORMAT);
    assert_non_null(strstr(lp_ctx_errmsg(o.ctx), "lesson 'a-first' (pt): "
                           "the catalog names 'curriculum/lessons/a-first/"
                           "pt.json', which is not in the package"));
    assert_int_equal(lp_catalog_parse(&parsed, o.ctx, cat, n), 0);
    assert_int_equal(lp_lesson_open(&l, o.ctx, parsed, "a-first", "ar"),
                     LP_EINVAL);
    assert_int_equal(lp_catalog_assignment_count(parsed), 0);
    lp_catalog_free(parsed);
    lp_catalog_free(NULL);
    close_pkg(&o);
    free(cat);
}

/* a package without a catalog, and a lesson naming missing media */
static void test_package_errors(void **state)
{
    lp_ctx *ctx;
    lp_writer *w;
    lp_package *p;
    lp_catalog *c;
    lp_lesson *l;
    char *out = unit_path(tmp, "bad.lpk");
    size_t n;
    char *cat = fixture("catalog.json", &n);
    char *les = fixture("lesson.json", &n);

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_writer_new(&w, ctx, out, NULL), 0);
    assert_int_equal(lp_writer_set_identity(w, "x", 1, "", "pt"), 0);
    add(w, "a.txt", "plain\n");
    assert_int_equal(lp_writer_commit(w), 0);
    lp_writer_free(w);
    assert_int_equal(lp_package_open(&p, ctx, out), 0);
    assert_int_equal(lp_catalog_open(&c, ctx, p), LP_ENOTFOUND);
    assert_null(c);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "lpc build"));
    lp_package_free(p);

    assert_int_equal(lp_writer_new(&w, ctx, out, NULL), 0);
    assert_int_equal(lp_writer_set_identity(w, "x", 1, "", "pt"), 0);
    add(w, "curriculum/catalog.json", cat);
    add(w, "curriculum/lessons/a-first/ar.json", les);
    add(w, "curriculum/lessons/b-second/ar.json", les);
    assert_int_equal(lp_writer_commit(w), 0);
    lp_writer_free(w);
    assert_int_equal(lp_package_open(&p, ctx, out), 0);
    assert_int_equal(lp_catalog_open(&c, ctx, p), 0);
    assert_int_equal(lp_lesson_open(&l, ctx, c, "a-first", "ar"),
                     LP_EFORMAT);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "'media/a.png' is not in the "
                                               "package"));
    /* a document that is another lesson than the catalog says */
    assert_int_equal(lp_lesson_open(&l, ctx, c, "b-second", "ar"),
                     LP_EFORMAT);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "not what the catalog says"));
    lp_catalog_free(c);
    lp_package_free(p);
    lp_ctx_free(ctx);
    free(out);
    free(cat);
    free(les);
}

/* the examples: every lesson in every language opens, and every media
 * file a lesson needs is in the catalog's media list */
static void test_examples(void **state)
{
    (void)state;
    for (size_t e = 0; e < 3; e++) {
        opened o;

        open_pkg(&o, examples[e]);
        for (size_t i = 0; i < lp_catalog_lesson_count(o.cat); i++)
            for (size_t k = 0; k < lp_catalog_language_count(o.cat); k++) {
                const lp_catnode *n = lp_catalog_lesson(o.cat, i);
                lp_lesson *l;

                if (lp_lesson_open(&l, o.ctx, o.cat, lp_catnode_id(n),
                                   lp_catalog_language(o.cat, k)) != 0)
                    fail_msg("%s", lp_ctx_errmsg(o.ctx));
                assert_string_equal(lp_lesson_title(l),
                                    lp_catnode_title(n, lp_catalog_language(
                                        o.cat, k), NULL));
                assert_int_equal(lp_lesson_activity_count(l),
                                 lp_catnode_activity_count(n));
                assert_true(lp_lesson_need_count(l) >= 1);
                assert_true(lp_lesson_need_total(l) > 0);
                lp_lesson_free(l);
            }
        close_pkg(&o);
    }
}

/* ------------------------------------------------------------ answers */

static int mark(const lp_lesson *l, size_t act, const char *answer)
{
    int correct = -1, rc = lp_activity_check(lp_lesson_activity(l, act),
                                             answer, &correct);

    return rc < 0 ? rc : correct;
}

static lp_lesson *numeric_lesson(lp_ctx *ctx, const char *to)
{
    size_t n;
    char *doc = fixture("lesson.json", &n);
    char *with = replace(doc, "\"answer\":\"2.5\",\"tolerance\":\"-0.1\"",
                         to);
    lp_lesson *l;

    if (lp_lesson_parse(&l, ctx, with, strlen(with)) != 0)
        fail_msg("%s", lp_ctx_errmsg(ctx));
    free(doc);
    free(with);
    return l;
}

/* numbers with a power of ten, relative tolerances, units */
static void test_numbers(void **state)
{
    lp_ctx *ctx;
    lp_lesson *l;

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    l = numeric_lesson(ctx, "\"answer\":\"3.48e-26\",\"tolerance\":\"1%\","
                            "\"unit\":\"kg\"");
    assert_string_equal(lp_activity_unit(lp_lesson_activity(l, 2)), "kg");
    assert_null(lp_activity_unit(lp_lesson_activity(l, 0)));
    assert_string_equal(lp_activity_tolerance(lp_lesson_activity(l, 2)),
                        "1%");
    /* 1% of 3.48e-26 is 3.48e-28: from 3.4452e-26 to 3.5148e-26 */
    assert_int_equal(mark(l, 2, "3.48e-26"), 1);
    assert_int_equal(mark(l, 2, "3.4452e-26"), 1);
    assert_int_equal(mark(l, 2, "3.5148E-26"), 1);
    assert_int_equal(mark(l, 2, "3.44519999e-26"), 0);
    assert_int_equal(mark(l, 2, "3.51480001e-26"), 0);
    assert_int_equal(mark(l, 2, "348e-28"), 1);
    assert_int_equal(mark(l, 2, "0.0000000000000000000000000348"), 1);
    assert_int_equal(mark(l, 2, "3.48 e-26"), 1);
    assert_int_equal(mark(l, 2, "3.48\xc3\x97" "10^-26"), 1);        /* × */
    assert_int_equal(mark(l, 2, "3.48 x 10^\xe2\x88\x92" "26"), 1);  /* − */
    assert_int_equal(mark(l, 2, "3,48*10^-26 kg"), 1);
    assert_int_equal(mark(l, 2, "3.48\xc2\xb7" "10\xe2\x81\xbb\xc2\xb2"
                                "\xe2\x81\xb6" "kg"), 1);             /* ·10⁻²⁶ */
    assert_int_equal(mark(l, 2, "\xd9\xa3\xd9\xab\xd9\xa4\xd9\xa8" "e-26"), 1);
    assert_int_equal(mark(l, 2, "3.48e-26 g"), 0);
    assert_int_equal(mark(l, 2, "kg"), 0);
    assert_int_equal(mark(l, 2, "3.48e-26kgkg"), 0);
    assert_int_equal(mark(l, 2, "3.48e"), 0);
    assert_int_equal(mark(l, 2, "3.48e-00026"), 0);   /* 5 digits */
    assert_int_equal(mark(l, 2, "3.48x10"), 0);
    assert_int_equal(mark(l, 2, "3.48x10^"), 0);
    assert_int_equal(mark(l, 2, "-3.48e-26"), 0);
    assert_int_equal(mark(l, 2, "1e-300"), 0);        /* beyond exact */
    assert_int_equal(mark(l, 2, "1e9999"), 0);
    lp_lesson_free(l);
    /* absolute, with an exponent; large numbers */
    l = numeric_lesson(ctx, "\"answer\":\"6.02E+23\",\"tolerance\":\"1e21\"");
    assert_null(lp_activity_unit(lp_lesson_activity(l, 2)));
    assert_int_equal(mark(l, 2, "6.03e23"), 1);
    assert_int_equal(mark(l, 2, "601000000000000000000000"), 1);
    assert_int_equal(mark(l, 2, "6.0301e23"), 0);
    assert_int_equal(mark(l, 2, "6.02e23 kg"), 0);    /* no unit here */
    lp_lesson_free(l);
    /* 100% of a negative answer: from 0 to twice it */
    l = numeric_lesson(ctx, "\"answer\":\"-2\",\"tolerance\":\"100%\"");
    assert_int_equal(mark(l, 2, "0"), 1);
    assert_int_equal(mark(l, 2, "-4"), 1);
    assert_int_equal(mark(l, 2, "0.000001"), 0);
    lp_lesson_free(l);
    /* the extremes lpc lets through */
    l = numeric_lesson(ctx, "\"answer\":\"9.9e99\",\"tolerance\":\"1e-100\"");
    assert_int_equal(mark(l, 2, "99e98"), 1);
    lp_lesson_free(l);
    l = numeric_lesson(ctx, "\"answer\":\"1.23e-98\",\"tolerance\":\"0.001%\"");
    assert_int_equal(mark(l, 2, "1.2300123e-98"), 1);
    assert_int_equal(mark(l, 2, "1.2300124e-98"), 0);
    lp_lesson_free(l);
    lp_ctx_free(ctx);
}

static void test_answers(void **state)
{
    lp_ctx *ctx;
    lp_lesson *l;
    const lp_activity *a;
    size_t n;
    char *doc = fixture("lesson.json", &n);
    char big[LP_MAX_ANSWER_BYTES + 2];

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_lesson_parse(&l, ctx, doc, n), 0);
    assert_int_equal(lp_lesson_need_count(l), 0);
    assert_int_equal(lp_lesson_activity_count(l), 4);
    assert_null(lp_lesson_activity(l, 4));

    a = lp_lesson_activity(l, 0);
    assert_int_equal(lp_activity_get_type(a), LP_ACTIVITY_MULTIPLE_CHOICE);
    assert_string_equal(lp_activity_id(a), "mc");
    assert_string_equal(lp_activity_prompt(a), "Hira?");
    assert_int_equal(lp_activity_option_count(a), 3);
    assert_string_equal(lp_activity_option_id(a, 1), "b");
    assert_string_equal(lp_activity_option_text(a, 1), "sanulu");
    assert_null(lp_activity_option_id(a, 3));
    assert_string_equal(lp_activity_feedback(a, 1), "Di'ak");
    assert_string_equal(lp_activity_feedback(a, 0), "Konta fali");
    assert_int_equal(lp_activity_answer_count(a), 2);
    assert_string_equal(lp_activity_answer(a, 1), "c");
    assert_null(lp_activity_answer(a, 2));
    assert_null(lp_activity_tolerance(a));
    assert_int_equal(mark(l, 0, "b c"), 1);
    assert_int_equal(mark(l, 0, " c\tb  b "), 1);
    assert_int_equal(mark(l, 0, "b"), 0);
    assert_int_equal(mark(l, 0, "a b c"), 0);
    assert_int_equal(mark(l, 0, "b c zz"), 0);
    assert_int_equal(mark(l, 0, ""), 0);

    a = lp_lesson_activity(l, 1);
    assert_int_equal(lp_activity_get_type(a), LP_ACTIVITY_TRUE_FALSE);
    assert_null(lp_activity_feedback(a, 1));
    assert_int_equal(lp_activity_answer_count(a), 1);
    assert_string_equal(lp_activity_answer(a, 0), "false");
    assert_null(lp_activity_answer(a, 1));
    assert_int_equal(mark(l, 1, "false"), 1);
    assert_int_equal(mark(l, 1, " false\n"), 1);
    assert_int_equal(mark(l, 1, "true"), 0);
    assert_int_equal(mark(l, 1, "False"), LP_EINVAL);
    assert_int_equal(mark(l, 1, "yes"), LP_EINVAL);
    assert_int_equal(lp_activity_option_count(a), 0);

    /* numeric: 2.5 within 0.1 (the tolerance's sign does not matter),
     * exactly, in any script's digits, with '.' or ',' */
    assert_int_equal(lp_activity_get_type(lp_lesson_activity(l, 2)),
                     LP_ACTIVITY_NUMERIC);
    a = lp_lesson_activity(l, 2);
    assert_string_equal(lp_activity_answer(a, 0), "2.5");
    assert_null(lp_activity_answer(a, 1));
    assert_string_equal(lp_activity_tolerance(a), "-0.1");
    assert_int_equal(mark(l, 2, "2.5"), 1);
    assert_int_equal(mark(l, 2, "2.6"), 1);
    assert_int_equal(mark(l, 2, " 2,4 "), 1);
    assert_int_equal(mark(l, 2, "+002.40000"), 1);
    assert_int_equal(mark(l, 2, "2.6000000000000000000000000000000000001"),
                     0);
    assert_int_equal(mark(l, 2, "2.39999"), 0);
    assert_int_equal(mark(l, 2, "-2.5"), 0);
    assert_int_equal(mark(l, 2, "\xd9\xa2\xd9\xab\xd9\xa5"), 1); /* ٢٫٥ */
    assert_int_equal(mark(l, 2, "\xe0\xa5\xa8.\xe0\xa5\xab"), 1); /* २.५ */
    assert_int_equal(mark(l, 2, "2.5.1"), 0);
    assert_int_equal(mark(l, 2, "two"), 0);
    assert_int_equal(mark(l, 2, "."), 0);
    assert_int_equal(mark(l, 2, ""), 0);
    assert_int_equal(mark(l, 2, "1e1"), 0);
    assert_int_equal(mark(l, 2, "12345678901234567890123456789012345678901"),
                     0);
    assert_int_equal(mark(l, 2, "\xff"), LP_EINVAL);

    /* short-answer: trimmed, spaces collapsed, NFC, case folded */
    a = lp_lesson_activity(l, 3);
    assert_int_equal(lp_activity_answer_count(a), 2);
    assert_string_equal(lp_activity_answer(a, 0), "Straße");
    assert_int_equal(mark(l, 3, "STRASSE"), 1);      /* ß folds to ss */
    assert_int_equal(mark(l, 3, "  straße "), 1);
    assert_int_equal(mark(l, 3, "Strasse!"), 0);
    assert_int_equal(mark(l, 3, "CAFÉ com\u00a0LEITE"), 1); /* NBSP */
    assert_int_equal(mark(l, 3, "cafe\xcc\x81 com leite"), 1); /* NFD */
    assert_int_equal(mark(l, 3, "cafe com leite"), 0);
    assert_int_equal(mark(l, 3, "caf\xc3"), LP_EINVAL);
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(mark(l, 3, big), LP_EINVAL);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "bytes"));
    lp_lesson_free(l);
    lp_ctx_free(ctx);
    free(doc);
}

/* ------------------------------------------------------------ hostile */

typedef struct bad {
    const char *from, *to;
    int rc;
    const char *msg;
} bad;

static void expect_bad(bool catalog, const char *base, const bad *b)
{
    lp_ctx *ctx;
    lp_catalog *c = NULL;
    lp_lesson *l = NULL;
    char *doc = replace(base, b->from, b->to);
    int rc;

    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    rc = catalog ? lp_catalog_parse(&c, ctx, doc, strlen(doc)) :
                   lp_lesson_parse(&l, ctx, doc, strlen(doc));
    if (rc != b->rc || !strstr(lp_ctx_errmsg(ctx), b->msg))
        fail_msg("'%s' -> '%s': %d '%s', expected %d '%s'", b->from, b->to,
                 rc, lp_ctx_errmsg(ctx), b->rc, b->msg);
    assert_null(c);
    assert_null(l);
    lp_ctx_free(ctx);
    free(doc);
}

static void test_hostile_catalog(void **state)
{
    static const bad cases[] = {
        { "{\"format\"", "[{\"format\"", LP_EFORMAT, "ends early" },
        { "{\"format\"", "{format\"", LP_EFORMAT, "not JSON" },
        { "\"version\":7", "\"version\":\"7\"", LP_EFORMAT,
          "catalog: version: is a string, not an integer" },
        { "\"version\":7", "\"version\":-7", LP_EFORMAT, "negative" },
        { "\"version\":7", "\"version\":7.5", LP_EFORMAT, "fraction" },
        { "lp-catalog 1", "lp-catalog 2", LP_EVERSION, "upgrade lp" },
        { "lp-catalog 1", "lp-lesson 1", LP_EFORMAT, "not 'lp-catalog N'" },
        { "lp-catalog 1", "lp-catalog 01", LP_EFORMAT, "lp-catalog N" },
        { "\"id\":\"org.example.rt\",", "", LP_EFORMAT,
          "member 'id' is missing" },
        { "\"label\":\"2026 term 1\"", "\"label\":\"a\\u0000b\"",
          LP_EFORMAT, "NUL" },
        { "\"default_language\":\"pt\"", "\"default_language\":\"fr\"",
          LP_EFORMAT, "default_language" },
        { "\"fallback\":[\"pt\"]", "\"fallback\":[\"fr\"]", LP_EFORMAT,
          "languages.1: a fallback" },
        { "\"direction\":\"rtl\"", "\"direction\":\"up\"", LP_EFORMAT,
          "languages.2.direction: 'up' is not a value" },
        { "{\"tag\":\"tet\"", "{\"tag\":\"pt\"", LP_EFORMAT, "twice" },
        { "\"title\":{\"ar\":\"أرقام\",", "\"title\":{", LP_EFORMAT,
          "member 'ar' is missing" },
        { "\"lessons\":[\"b-second\",\"a-first\"]",
          "\"lessons\":[\"b-second\",\"zz\"]", LP_EFORMAT,
          "subjects.0.grades.0.units.0.lessons.1: names a lesson" },
        { "\"lessons\":[\"b-second\",\"a-first\"]",
          "\"lessons\":[\"b-second\",\"b-second\"]", LP_EFORMAT,
          "another unit" },
        { "\"lessons\":[\"b-second\",\"a-first\"]",
          "\"lessons\":[\"b-second\"]", LP_EFORMAT, "in no unit" },
        { "\"lessons\":[\"b-second\",\"a-first\"]", "\"lessons\":[1]",
          LP_EFORMAT, "lessons.0: is an integer, not a string" },
        { "\"duration\":30", "\"duration\":null", LP_EFORMAT,
          "lessons.a-first.duration: is null" },
        { "\"renamed_from\":[\"b-old\"", "\"renamed_from\":[3", LP_EFORMAT,
          "lessons.b-second.renamed_from.0: is an integer, not a string" },
        { "\"renamed_from\":[", "\"renamed_from\":{\"a\":1},\"x\":[",
          LP_EFORMAT, "renamed_from: is an object" },
        { "\"source\":\"lessons/b\"", "\"source\":[]", LP_EFORMAT,
          "lessons.b-second.source: is an array" },
        { "\"fingerprint\":\"1:", "\"fingerprint\":1,\"y\":\"", LP_EFORMAT,
          "lessons.b-second.fingerprint: is an integer" },
        { "\"objectives\":[{", "\"objectives\":[7,{", LP_EFORMAT,
          "objectives.0: is not an object" },
        { "\"tet\":[\"b-second\",\"a-first\"]", "\"tet\":[\"b-second\"]",
          LP_EFORMAT, "index.tet: does not list" },
        { "\"media\":[{\"path\"", "\"media\":[{\"pth\"", LP_EFORMAT,
          "media.0: member 'path'" },
        { "\"subjects\":[", "\"subjects\":[3,", LP_EFORMAT,
          "subjects.0: is not an object" },
        { "\"languages\":[{\"tag\":\"pt\"", "\"languages\":[],\"x\":[{"
          "\"tag\":\"pt\"", LP_EFORMAT, "no language" },
        { "\"CC-BY-4.0\"", "\"CC-BY-4.0\",}", LP_EFORMAT, "not JSON" },
        { "\"Ana\"}]}", "\"Ana\"}]} {}", LP_EFORMAT,
          "unexpected character, at byte 1839" },
        { "\"Números\"", "\"N\xc3\"", LP_EFORMAT, "UTF-8" },
    };
    size_t n;
    char *cat = fixture("catalog.json", &n);

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
        expect_bad(true, cat, &cases[i]);
    free(cat);
}

static void test_hostile_lesson(void **state)
{
    static const bad cases[] = {
        { "lp-lesson 2", "lp-lesson 9", LP_EVERSION, "newer" },
        { "{\"type\":\"video\",\"id\":\"fig-v\"",
          "{\"type\":\"p\",\"content\":[],\"id\":\"fig-v\"", LP_EFORMAT,
          "blocks.10.blocks.1: a figure holds images, videos and sound" },
        { "\"id\":\"fig\"", "\"id\":7", LP_EFORMAT,
          "blocks.10.id: is an integer, not a string" },
        { "\"credit\":{", "\"credit\":[],\"c\":{", LP_EFORMAT,
          "blocks.10.credit: is an array, not an object" },
        { "\"spdx\":\"CC0-1.0\"", "\"spdx\":0", LP_EFORMAT,
          "blocks.10.credit.spdx: is an integer" },
        { "\"content\":[\"Ana\"]", "\"x\":[\"Ana\"]", LP_EFORMAT,
          "blocks.10.credit: member 'content' is missing" },
        { "\"lesson\":\"a-first\",\"block\"", "\"href\":\"https://a\","
          "\"block\"", LP_EFORMAT, "a link to a block names its lesson" },
        { "\"type\":\"dt\",\"id\":\"ida\"", "\"type\":\"dt\",\"id\":[]",
          LP_EFORMAT, "blocks.9.items.0.id: is an array, not a string" },
        { "\"kind\":\"tip\"", "\"kind\":\"aside\"", LP_EFORMAT,
          "blocks.8.kind: 'aside' is not a value" },
        { "\"kind\":\"tip\",", "", LP_EFORMAT,
          "blocks.8: member 'kind' is missing" },
        { "\"title\":[\"x\",", "\"title\":\"x\",\"t\":[", LP_EFORMAT,
          "blocks.8.title: is a string, not an array" },
        { "\"kind\":\"note\",\"blocks\":[", "\"kind\":\"note\",\"b\":[",
          LP_EFORMAT, "blocks.8.blocks.1: member 'blocks' is missing" },
        { "\"kind\":\"note\",\"blocks\":[{\"type\":\"image\"",
          "\"kind\":\"note\",\"blocks\":[{\"type\":\"item\"", LP_EFORMAT,
          "blocks.8.blocks.1.blocks.0.type: 'item' is not a value" },
        { "{\"type\":\"dt\",\"id\":\"ida\",\"content\":[\"ida\"]}",
          "{\"type\":\"li\",\"content\":[\"ida\"]}", LP_EFORMAT,
          "blocks.9.items.0.type: 'li' is not a value" },
        { "{\"type\":\"dt\",\"id\":\"ida\",\"content\":[\"ida\"]}", "[\"ida\"]",
          LP_EFORMAT, "blocks.9.items.0: is not an object" },
        { "{\"type\":\"sub\",\"content\":[\"0\"]}",
          "{\"type\":\"sub\",\"content\":\"0\"}", LP_EFORMAT,
          "blocks.8.title.1.content: is a string, not an array" },
        { "{\"type\":\"h1\"", "{\"type\":\"h7\"", LP_EFORMAT,
          "blocks.0.type: 'h7' is not a value" },
        { "\"content\":[\"Aumenta\"]", "\"content\":[7]", LP_EFORMAT,
          "blocks.0.content.0: is not an inline run" },
        { "\"lesson\":\"b-second\",", "\"lesson\":\"b\",\"href\":\"h\",",
          LP_EFORMAT, "one of 'lesson' and 'href'" },
        { "\"items\":[[\"ida\"]", "\"items\":[\"ida\"", LP_EFORMAT,
          "blocks.2.items.0: is not an array" },
        { "{\"header\":true", "{\"header\":1", LP_EFORMAT,
          "rows.0.0.header: is an integer, not a boolean" },
        { "\"src\":\"media/a.png\",\"alt\"", "\"alt\"", LP_EFORMAT,
          "blocks.4: member 'src' is missing" },
        { "\"answer\":\"2.5\"", "\"answer\":\"2.5e\"", LP_EFORMAT,
          "decimal numbers" },
        { "\"answer\":\"2.5\"", "\"answer\":\"2.5e-101\"", LP_EFORMAT,
          "exact to 1e-100" },
        { "\"tolerance\":\"-0.1\"", "\"tolerance\":\"101%\"", LP_EFORMAT,
          "decimal numbers" },
        { "\"tolerance\":\"-0.1\"", "\"tolerance\":\"-0.1\",\"unit\":7",
          LP_EFORMAT, "activities.2.unit: is an integer" },
        { "\"answer\":false", "\"answer\":\"no\"", LP_EFORMAT,
          "activities.1.answer: is a string" },
        { "\"type\":\"short-answer\"", "\"type\":\"essay\"", LP_EFORMAT,
          "activities.3.type" },
        { "\"answers\":[\"Straße\"", "\"answers\":[{}", LP_EFORMAT,
          "answers.0: is an object, not a string" },
        { "\"kind\":\"photo\"", "\"kind\":\"fax\"", LP_EFORMAT,
          "assignments.0.kind" },
        { "\"options\":[{\"id\":\"a\"", "\"options\":[{\"di\":\"a\"",
          LP_EFORMAT, "options.0: member 'id'" },
        { "{\"id\":\"a\",\"text\":\"sia\"}", "{\"id\":\"a a\",\"text\":\"s\"}",
          LP_EFORMAT, "activities.0: an option id is empty or holds white" },
        { "\"answer\":[\"b\",\"c\"]", "\"answer\":[\"b\",\"d\"]",
          LP_EFORMAT, "names an option the activity lacks" },
        { "\"standards\":[\"S.1\"", "\"standards\":[false", LP_EFORMAT,
          "objectives.0.standards.0" },
        { "\"assignments\":[{", "\"assignments\":[[],{", LP_EFORMAT,
          "assignments.0: is not an object" },
        { "\"options\":[", "\"options\":{},\"x\":[", LP_EFORMAT,
          "activities.0.options: is an object, not an array" },
    };
    size_t n;
    char *les = fixture("lesson.json", &n);

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
        expect_bad(false, les, &cases[i]);
    free(les);
}

/* deep, huge and empty documents */
static void test_hostile_shapes(void **state)
{
    lp_ctx *ctx;
    lp_catalog *c;
    lp_lesson *l;
    size_t n = 10000;
    char *deep = malloc(n + 1);
    size_t k;
    char *les = fixture("lesson.json", &k), *nest;
    int depth = (int)LP_MAX_DOCUMENT_DEPTH;
    char open[8192] = "", close[8192] = "";

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_non_null(deep);
    memset(deep, '[', n);
    deep[n] = '\0';
    assert_int_equal(lp_catalog_parse(&c, ctx, deep, n), LP_ETOOBIG);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "nested more than"));
    assert_int_equal(lp_lesson_parse(&l, ctx, deep, n), LP_ETOOBIG);
    /* the size is checked before anything is read */
    assert_int_equal(lp_catalog_parse(&c, ctx, deep,
                                      (size_t)LP_MAX_DOCUMENT_BYTES + 1),
                     LP_ETOOBIG);
    assert_int_equal(lp_catalog_parse(&c, ctx, "", 0), LP_EFORMAT);
    assert_int_equal(lp_catalog_parse(&c, ctx, NULL, 0), LP_EFORMAT);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "ends early"));
    assert_int_equal(lp_catalog_parse(&c, ctx, "[]", 2), LP_EFORMAT);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "not a JSON object"));
    assert_int_equal(lp_catalog_parse(&c, ctx, "{}", 2), LP_EFORMAT);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "'format' is missing"));
    /* emphasis nested as deep as the limit allows, and one level more */
    for (int i = 0; i < depth / 2 - 4; i++) {
        strcat(open, "{\"type\":\"em\",\"content\":[");
        strcat(close, "]}");
    }
    {
        char to[sizeof(open) + sizeof(close) + 32];
        snprintf(to, sizeof(to), "\"content\":[%s\"x\"%s]", open, close);
        nest = replace(les, "\"content\":[\"Aumenta\"]", to);
        assert_int_equal(lp_lesson_parse(&l, ctx, nest, strlen(nest)), 0);
        lp_lesson_free(l);
        free(nest);
        snprintf(to, sizeof(to), "\"content\":[{\"type\":\"em\",\"content\":"
                 "[{\"type\":\"em\",\"content\":[%s\"x\"%s]}]}]", open,
                 close);
        nest = replace(les, "\"content\":[\"Aumenta\"]", to);
        assert_int_equal(lp_lesson_parse(&l, ctx, nest, strlen(nest)),
                         LP_ETOOBIG);
        free(nest);
    }
    /* an accepted answer no answer can be compared with */
    {
        char *long_answer = malloc(LP_MAX_ANSWER_BYTES + 4);

        assert_non_null(long_answer);
        memset(long_answer, 'a', LP_MAX_ANSWER_BYTES + 3);
        long_answer[0] = '"';
        long_answer[LP_MAX_ANSWER_BYTES + 2] = '"';
        long_answer[LP_MAX_ANSWER_BYTES + 3] = '\0';
        nest = replace(les, "\"Straße\"", long_answer);
        assert_int_equal(lp_lesson_parse(&l, ctx, nest, strlen(nest)),
                         LP_ETOOBIG);
        assert_non_null(strstr(lp_ctx_errmsg(ctx), "activities.3: an "
                               "accepted answer is longer"));
        free(nest);
        free(long_answer);
    }
    lp_ctx_free(ctx);
    free(deep);
    free(les);
}

/* ------------------------------------------------------------ math */

/* A lesson with mathematics: an inline run and a block (lpk(5)) */
#define MATH_HEAD "{\"format\":\"lp-lesson 3\",\"id\":\"m\",\"language\":" \
    "\"en\",\"direction\":\"ltr\",\"body_language\":\"en\",\"body_direction" \
    "\":\"ltr\",\"title\":\"M\",\"duration\":1,\"requires\":[],\"objectives" \
    "\":[],\"blocks\":["
#define MATH_TAIL "],\"activities\":[],\"assignments\":[]}"
static const char math_doc[] = MATH_HEAD
    "{\"type\":\"p\",\"content\":[\"E \",{\"type\":\"math\",\"attributes\":"
    "{\"alttext\":\"E equals m c squared\"},\"content\":[{\"type\":\"mi\","
    "\"content\":[\"E\"]},{\"type\":\"mo\",\"attributes\":{\"form\":"
    "\"infix\",\"stretchy\":\"false\"},\"content\":[\"=\"]},{\"type\":"
    "\"msup\",\"content\":[{\"type\":\"mi\",\"content\":[\"c\"]},{\"type\":"
    "\"mn\",\"content\":[\"2\"]}]}]}]},"
    "{\"type\":\"math\",\"id\":\"eq-1\",\"content\":[{\"type\":\"mfrac\","
    "\"content\":[{\"type\":\"mn\",\"content\":[\"1\"]},{\"type\":\"mn\","
    "\"content\":[\"2\"]}]}]}" MATH_TAIL;

static void test_math(void **state)
{
    lp_ctx *ctx;
    lp_lesson *l;
    const lp_node *p, *m, *mo, *msup, *blk, *frac;

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_lesson_parse(&l, ctx, math_doc, strlen(math_doc)),
                     0);
    assert_int_equal(lp_lesson_block_count(l), 2);
    p = lp_lesson_block(l, 0);
    assert_null(lp_node_math_element(p));
    assert_int_equal(lp_node_math_attr_count(p), 0);
    m = lp_node_child(p, 1);
    assert_int_equal(lp_node_get_type(m), LP_NODE_MATH);
    assert_string_equal(lp_node_type_name(m), "math");
    assert_string_equal(lp_node_math_element(m), "math");
    assert_int_equal(lp_node_math_attr_count(m), 1);
    assert_string_equal(lp_node_math_attr_name(m, 0), "alttext");
    assert_string_equal(lp_node_math_attr_value(m, 0),
                        "E equals m c squared");
    assert_string_equal(lp_node_attr(m, "alttext"), "E equals m c squared");
    assert_null(lp_node_math_attr_name(m, 1));
    assert_int_equal(lp_node_child_count(m), 3);
    assert_int_equal(lp_node_get_type(lp_node_child(m, 0)), LP_NODE_MATHML);
    assert_string_equal(lp_node_type_name(lp_node_child(m, 0)), "mathml");
    assert_string_equal(lp_node_math_element(lp_node_child(m, 0)), "mi");
    assert_string_equal(lp_node_text(lp_node_child(lp_node_child(m, 0), 0)),
                        "E");
    mo = lp_node_child(m, 1);
    assert_string_equal(lp_node_math_element(mo), "mo");
    assert_int_equal(lp_node_math_attr_count(mo), 2);
    assert_string_equal(lp_node_math_attr_name(mo, 0), "form");
    assert_string_equal(lp_node_math_attr_name(mo, 1), "stretchy");
    assert_string_equal(lp_node_math_attr_value(mo, 1), "false");
    assert_string_equal(lp_node_attr(mo, "stretchy"), "false");
    assert_null(lp_node_attr(mo, "type"));
    msup = lp_node_child(m, 2);
    assert_string_equal(lp_node_math_element(msup), "msup");
    assert_int_equal(lp_node_child_count(msup), 2);
    assert_string_equal(lp_node_math_element(lp_node_child(msup, 1)), "mn");
    blk = lp_lesson_block(l, 1);
    assert_int_equal(lp_node_get_type(blk), LP_NODE_MATH);
    assert_string_equal(lp_node_attr(blk, "id"), "eq-1");
    assert_int_equal(lp_node_math_attr_count(blk), 0);
    frac = lp_node_child(blk, 0);
    assert_string_equal(lp_node_math_element(frac), "mfrac");
    assert_int_equal(lp_node_child_count(frac), 2);
    lp_lesson_free(l);
    lp_ctx_free(ctx);
}

static void test_hostile_math(void **state)
{
    static const bad cases[] = {
        { "lp-lesson 3", "lp-lesson 4", LP_EVERSION, "newer" },
        { "{\"type\":\"mi\",\"content\":[\"E\"]}",
          "{\"type\":\"script\",\"content\":[\"E\"]}", LP_EFORMAT,
          "blocks.0.content.1.content.0: is not a text or a MathML Core "
          "element" },
        { "{\"type\":\"mn\",\"content\":[\"1\"]},",
          "{\"type\":\"math\",\"content\":[]},", LP_EFORMAT,
          "blocks.1.content.0.content.0: is not a text or a MathML Core" },
        { "{\"type\":\"mn\",\"content\":[\"1\"]},", "[],", LP_EFORMAT,
          "is not a text or a MathML Core" },
        { "\"stretchy\":\"false\"", "\"onclick\":\"alert(1)\"", LP_EFORMAT,
          "content.1.attributes: an attribute MathML Core does not give" },
        { "\"stretchy\":\"false\"", "\"width\":\"1em\"", LP_EFORMAT,
          "an attribute MathML Core does not give this element" },
        { "\"alttext\":\"E equals m c squared\"", "\"display\":\"block\"",
          LP_EFORMAT, "an attribute MathML Core does not give" },
        { "\"stretchy\":\"false\"", "\"stretchy\":\"maybe\"", LP_EFORMAT,
          "an attribute value MathML Core does not take" },
        { "\"stretchy\":\"false\"", "\"stretchy\":false", LP_EFORMAT,
          "an attribute value MathML Core does not take" },
        { "\"form\":\"infix\"", "\"form\":\"in\\u0000fix\"", LP_EFORMAT,
          "NUL" },
        { "\"attributes\":{\"alttext\"", "\"attributes\":[],\"x\":{\"alttext\"",
          LP_EFORMAT, "attributes: is an array, not an object" },
        { "{\"type\":\"mn\",\"content\":[\"1\"]},",
          "{\"type\":\"mn\",\"content\":[\"1\"]},{\"type\":\"mn\",\"content"
          "\":[\"3\"]},", LP_EFORMAT,
          "blocks.1.content.0.content: not the shape MathML Core gives" },
        { "{\"type\":\"mn\",\"content\":[\"1\"]},", "\"1\",", LP_EFORMAT,
          "not the shape MathML Core gives" },
        { "\"content\":[\"E\"]", "\"content\":[{\"type\":\"mn\",\"content\":"
          "[\"1\"]}]", LP_EFORMAT, "not the shape MathML Core gives" },
        { "\"content\":[\"E\"]", "\"content\":\"E\"", LP_EFORMAT,
          "content: is a string, not an array" },
        { "{\"type\":\"mi\",\"content\":[\"E\"]}", "{\"type\":\"mi\"}",
          LP_EFORMAT, "member 'content' is missing" },
        { "{\"type\":\"mi\",\"content\":[\"E\"]}",
          "{\"type\":\"mtd\",\"content\":[]}", LP_EFORMAT,
          "not the shape MathML Core gives" },
    };
    lp_ctx *ctx;
    lp_lesson *l;
    char *big, *doc;
    size_t n, cap = 256 * 1024;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
        expect_bad(false, math_doc, &cases[i]);
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    /* a text longer than a token holds */
    big = malloc(cap);
    assert_non_null(big);
    n = (size_t)snprintf(big, cap, "\"content\":[\"");
    memset(big + n, 'x', LPI_MATHML_TEST_TEXT + 1);
    n += LPI_MATHML_TEST_TEXT + 1;
    snprintf(big + n, cap - n, "\"]");
    doc = replace(math_doc, "\"content\":[\"E\"]", big);
    assert_int_equal(lp_lesson_parse(&l, ctx, doc, strlen(doc)), LP_EFORMAT);
    free(doc);
    /* more children than an element holds, and more nodes than a math */
    for (int round = 0; round < 2; round++) {
        size_t kids = round == 0 ? 257 : 200, rows = round == 0 ? 1 : 21;

        n = (size_t)snprintf(big, cap, "\"content\":[");
        for (size_t r = 0; r < rows; r++) {
            n += (size_t)snprintf(big + n, cap - n, "%s{\"type\":\"mrow\","
                                  "\"content\":[", r ? "," : "");
            for (size_t k = 0; k < kids; k++)
                n += (size_t)snprintf(big + n, cap - n, "%s{\"type\":"
                                      "\"mspace\",\"content\":[]}",
                                      k ? "," : "");
            n += (size_t)snprintf(big + n, cap - n, "]}");
        }
        snprintf(big + n, cap - n, "]");
        doc = replace(math_doc, "\"content\":[{\"type\":\"mfrac\","
                      "\"content\":[{\"type\":\"mn\",\"content\":[\"1\"]},"
                      "{\"type\":\"mn\",\"content\":[\"2\"]}]}]", big);
        assert_int_equal(lp_lesson_parse(&l, ctx, doc, strlen(doc)),
                         LP_ETOOBIG);
        assert_non_null(strstr(lp_ctx_errmsg(ctx), "a math larger than lp "
                               "reads"));
        free(doc);
    }
    free(big);
    lp_ctx_free(ctx);
}

/* every allocation of reading a lesson with mathematics, failing */
static void test_math_allocation_failure(void **state)
{
    long total = 0;

    (void)state;
    for (fail_at = -1;; fail_at++) {
        lp_ctx *ctx;
        lp_lesson *l = NULL;
        int rc;

        nallocs = live = 0;
        rc = lp_ctx_new(&ctx, &torture);
        if (rc == 0) {
            rc = lp_lesson_parse(&l, ctx, math_doc, strlen(math_doc));
            lp_lesson_free(l);
            lp_ctx_free(ctx);
        }
        if (fail_at == -1) {
            assert_int_equal(rc, 0);
            total = nallocs;
        } else if (rc != LP_ENOMEM) {
            fail_msg("allocation %ld failing gave %d, not LP_ENOMEM",
                     fail_at, rc);
        }
        if (live != 0)
            fail_msg("allocation %ld failing leaked %ld blocks", fail_at,
                     (long)live);
        if (fail_at + 1 >= total)
            break;
    }
    fail_at = -1;
}

/* ------------------------------------------------------------ torture */

static int cycle(void)
{
    lp_ctx *ctx;
    lp_package *p = NULL;
    lp_catalog *c = NULL;
    lp_lesson *l = NULL;
    const char *out;
    const char *prefs[] = { "ar-EG", "pt" };
    int rc, correct;

    rc = lp_ctx_new(&ctx, &torture);
    if (rc < 0)
        return rc;
    rc = lp_package_open(&p, ctx, fixpkg);
    if (rc == 0)
        rc = lp_catalog_open(&c, ctx, p);
    if (rc == 0)
        rc = lp_lesson_open(&l, ctx, c, "a-first", "ar");
    if (rc == 0) {
        rc = lp_catalog_match_accept(c, "ar,pt;q=0.5", &out);
        if (rc == 0)
            rc = lp_catalog_match_languages(c, prefs, 2, &out);
        if (rc == 0)
            rc = lp_activity_check(lp_lesson_activity(l, 3), "STRASSE",
                                   &correct);
        if (rc == 0 && !correct)
            rc = LP_EINTERNAL;
        if (rc == 0)
            rc = lp_activity_check(lp_lesson_activity(l, 2), "2.5",
                                   &correct);
    }
    lp_lesson_free(l);
    lp_catalog_free(c);
    lp_package_free(p);
    lp_ctx_free(ctx);
    return rc;
}

static void test_every_allocation_failure(void **state)
{
    long total, failures = 0;

    (void)state;
    fail_at = -1;
    nallocs = live = 0;
    assert_int_equal(cycle(), 0);
    assert_int_equal(live, 0);
    total = nallocs;
    assert_true(total > 10);
    for (fail_at = 0; fail_at < total; fail_at++) {
        int rc;

        nallocs = live = 0;
        rc = cycle();
        if (rc != 0 && rc != LP_ENOMEM)
            fail_msg("allocation %ld failing gave %d (%s), not LP_ENOMEM",
                     fail_at, rc, lp_strerror(rc));
        if (live != 0)
            fail_msg("allocation %ld failing leaked %ld blocks", fail_at,
                     (long)live);
        failures += rc != 0;
    }
    /* every allocation is needed: each failure must be noticed */
    assert_int_equal(failures, total);
    fail_at = -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog_walk),
        cmocka_unit_test(test_catalog_texts),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_lesson_blocks),
        cmocka_unit_test(test_lesson_open_errors),
        cmocka_unit_test(test_package_errors),
        cmocka_unit_test(test_examples),
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_hostile_catalog),
        cmocka_unit_test(test_hostile_lesson),
        cmocka_unit_test(test_math),
        cmocka_unit_test(test_hostile_math),
        cmocka_unit_test(test_math_allocation_failure),
        cmocka_unit_test(test_hostile_shapes),
        cmocka_unit_test(test_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
