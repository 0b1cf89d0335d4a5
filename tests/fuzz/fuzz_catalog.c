/*
 * fuzz_catalog.c - catalog.json from arbitrary bytes, through the public
 * API (lp_catalog_parse).  Properties: no crash, leak or undefined
 * behaviour; a catalog that opens answers every accessor: the tree holds
 * every lesson once, each lesson is found by its id, every text exists in
 * every language and is said to be in one of the catalog's languages, and
 * language matching picks one of them.
 */
#include "lp.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

static size_t walk(const lp_catalog *cat, const lp_catnode *n,
                   const lp_catnode *parent)
{
    size_t lessons = 0;

    if (lp_catnode_parent(n) != parent || !lp_catnode_id(n))
        abort();
    for (size_t k = 0; k < lp_catalog_language_count(cat); k++) {
        const char *lang = lp_catalog_language(cat, k), *in;

        if (!lp_catnode_title(n, lang, &in) ||
            lp_catalog_direction(cat, in) < 0)
            abort();
    }
    if (lp_catnode_get_kind(n) == LP_CAT_LESSON) {
        const lp_catnode *f;

        if (lp_catalog_find_lesson(cat, lp_catnode_id(n), &f) != 0 || f != n)
            abort();
        for (size_t i = 0; i < lp_catnode_objective_count(n); i++)
            if (!lp_catnode_objective_id(n, i) ||
                !lp_catnode_objective_text(n, i, NULL, NULL))
                abort();
        for (size_t i = 0; i < lp_catnode_require_count(n); i++)
            if (!lp_catnode_require(n, i))
                abort();
        if (!lp_catnode_document(n, NULL) || lp_catnode_child_count(n))
            abort();
        return 1;
    }
    for (size_t i = 0; i < lp_catnode_child_count(n); i++)
        lessons += walk(cat, lp_catnode_child(n, i), n);
    return lessons;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const prefs[] = { "pt-BR", "ar", "en-GB" };
    lp_ctx *ctx;
    lp_catalog *cat;
    size_t lessons = 0;
    const char *out;

    if (lp_ctx_new(&ctx, NULL) < 0)
        return 0;
    if (lp_catalog_parse(&cat, ctx, data, size) == 0) {
        if (!lp_catalog_id(cat) || !lp_catalog_title(cat, NULL, NULL) ||
            lp_catalog_language_count(cat) == 0)
            abort();
        for (size_t i = 0; i < lp_catalog_subject_count(cat); i++)
            lessons += walk(cat, lp_catalog_subject(cat, i), NULL);
        if (lessons != lp_catalog_lesson_count(cat))
            abort();
        for (size_t i = 0; i < lessons; i++)
            if (!lp_catalog_lesson(cat, i) ||
                !lp_catalog_sorted_lesson(cat, NULL, i))
                abort();
        for (size_t i = 0; i < lp_catalog_media_count(cat); i++)
            if (!lp_catalog_media_path(cat, i) ||
                !lp_catalog_media_type(cat, i))
                abort();
        if (lp_catalog_match_languages(cat, prefs, 3, &out) < LP_ENOTFOUND
            || lp_catalog_direction(cat, out) < 0)
            abort();
        if (lp_catalog_match_accept(cat, "tet, pt;q=0.5, *;q=0.1", &out) <
            LP_ENOTFOUND || lp_catalog_direction(cat, out) < 0)
            abort();
        lp_catalog_free(cat);
    } else if (lp_ctx_errmsg(ctx)[0] == '\0') {
        abort();
    }
    lp_ctx_free(ctx);
    return 0;
}
