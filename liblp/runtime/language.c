/*
 * language.c - picking the catalog language that serves a learner best,
 * with ICU's locale matching (uloc_acceptLanguage, which ICU implements
 * with its LocaleMatcher: likely subtags and language distance).  Only
 * ICU's common library (libicuuc) is used.
 */
#include "lpi_catalog.h"

#include <string.h>

#include <unicode/uenum.h>
#include <unicode/uloc.h>

/* The catalog's languages as ICU locale ids, for the enumeration ICU
 * matches against */
typedef struct ids {
    char id[LP_MAX_LANGUAGES][ULOC_FULLNAME_CAPACITY];
    const char *ptr[LP_MAX_LANGUAGES];
} ids;

static void to_id(char *out, size_t cap, const char *tag)
{
    UErrorCode err = U_ZERO_ERROR;
    int32_t used;

    uloc_forLanguageTag(tag, out, (int32_t)cap, &used, &err);
    if (U_FAILURE(err) || err == U_STRING_NOT_TERMINATED_WARNING)
        out[0] = '\0';    /* matches nothing */
}

/* rc of the match: the catalog's language ICU picked, or the default */
static int pick(const lp_catalog *cat, const ids *av, const char *result,
                UAcceptResult how, UErrorCode err, const char **out)
{
    *out = cat->langs[cat->def].tag;
    if (U_FAILURE(err))
        return lpi_error(cat->ctx, LP_EINVAL, "the language preferences "
                         "cannot be read: %s", u_errorName(err));
    if (how == ULOC_ACCEPT_FAILED)
        return LP_ENOTFOUND;
    for (size_t i = 0; i < cat->nlangs; i++)
        if (av->id[i][0] && strcmp(av->id[i], result) == 0) {
            *out = cat->langs[i].tag;
            return 0;
        }
    return LP_ENOTFOUND;
}

static UEnumeration *available(const lp_catalog *cat, ids *av)
{
    UErrorCode err = U_ZERO_ERROR;
    UEnumeration *en;

    for (size_t i = 0; i < cat->nlangs; i++) {
        to_id(av->id[i], sizeof(av->id[i]), cat->langs[i].tag);
        av->ptr[i] = av->id[i];
    }
    en = uenum_openCharStringsEnumeration(av->ptr, (int32_t)cat->nlangs,
                                          &err);
    if (U_FAILURE(err)) {
        uenum_close(en);
        return NULL;
    }
    return en;
}

int lp_catalog_match_accept(const lp_catalog *cat, const char *accept,
                            const char **out)
{
    UErrorCode err = U_ZERO_ERROR;
    UAcceptResult how = ULOC_ACCEPT_FAILED;
    char result[ULOC_FULLNAME_CAPACITY] = "";
    UEnumeration *en;
    ids *av;
    int rc;

    LP_ASSERT_ARG(cat && accept && out);
    *out = cat->langs[cat->def].tag;
    if (strnlen(accept, LP_MAX_ACCEPT_BYTES + 1) > LP_MAX_ACCEPT_BYTES)
        return lpi_error(cat->ctx, LP_ETOOBIG, "an Accept-Language value of "
                         "more than %u bytes", LP_MAX_ACCEPT_BYTES);
    av = lpi_malloc(cat->ctx, sizeof(*av));
    if (!av)
        return lpi_nomem(cat->ctx);
    en = available(cat, av);
    if (!en) {
        lpi_free(cat->ctx, av);
        return lpi_nomem(cat->ctx);
    }
    uloc_acceptLanguageFromHTTP(result, sizeof(result), &how, accept, en,
                                &err);
    uenum_close(en);
    rc = pick(cat, av, result, how, err, out);
    lpi_free(cat->ctx, av);
    return rc;
}

int lp_catalog_match_languages(const lp_catalog *cat,
                               const char *const *prefs, size_t n,
                               const char **out)
{
    UErrorCode err = U_ZERO_ERROR;
    UAcceptResult how = ULOC_ACCEPT_FAILED;
    char result[ULOC_FULLNAME_CAPACITY] = "";
    UEnumeration *en;
    struct {
        ids av;
        char pid[LP_MAX_PREFERENCES][ULOC_FULLNAME_CAPACITY];
        const char *pptr[LP_MAX_PREFERENCES];
    } *w;
    int rc;

    LP_ASSERT_ARG(cat && (prefs || n == 0) && out);
    *out = cat->langs[cat->def].tag;
    if (n > LP_MAX_PREFERENCES)
        return lpi_error(cat->ctx, LP_ETOOBIG, "more than %u language "
                         "preferences", LP_MAX_PREFERENCES);
    if (n == 0)
        return LP_ENOTFOUND;
    for (size_t i = 0; i < n; i++)
        LP_ASSERT_ARG(prefs[i]);
    w = lpi_malloc(cat->ctx, sizeof(*w));
    if (!w)
        return lpi_nomem(cat->ctx);
    for (size_t i = 0; i < n; i++) {
        to_id(w->pid[i], sizeof(w->pid[i]), prefs[i]);
        w->pptr[i] = w->pid[i];
    }
    en = available(cat, &w->av);
    if (!en) {
        lpi_free(cat->ctx, w);
        return lpi_nomem(cat->ctx);
    }
    uloc_acceptLanguage(result, sizeof(result), &how, w->pptr, (int32_t)n,
                        en, &err);
    uenum_close(en);
    rc = pick(cat, &w->av, result, how, err, out);
    lpi_free(cat->ctx, w);
    return rc;
}
