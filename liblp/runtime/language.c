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
        return err == U_MEMORY_ALLOCATION_ERROR ? LP_ENOMEM : LP_EINVAL;
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

/* Both matchers work on the stack (about 10 and 20 KB) and write no
 * context, not even on errors: a hub calls them from all its threads on
 * one catalog (lp.h, lp_catalog_open "Threads") */
int lp_catalog_match_accept(const lp_catalog *cat, const char *accept,
                            const char **out)
{
    UErrorCode err = U_ZERO_ERROR;
    UAcceptResult how = ULOC_ACCEPT_FAILED;
    char result[ULOC_FULLNAME_CAPACITY] = "";
    UEnumeration *en;
    ids av;

    LP_ASSERT_ARG(cat && accept && out);
    *out = cat->langs[cat->def].tag;
    if (strnlen(accept, LP_MAX_ACCEPT_BYTES + 1) > LP_MAX_ACCEPT_BYTES)
        return LP_ETOOBIG;
    en = available(cat, &av);
    if (!en)
        return LP_ENOMEM;
    uloc_acceptLanguageFromHTTP(result, sizeof(result), &how, accept, en,
                                &err);
    uenum_close(en);
    return pick(cat, &av, result, how, err, out);
}

int lp_catalog_match_languages(const lp_catalog *cat,
                               const char *const *prefs, size_t n,
                               const char **out)
{
    UErrorCode err = U_ZERO_ERROR;
    UAcceptResult how = ULOC_ACCEPT_FAILED;
    char result[ULOC_FULLNAME_CAPACITY] = "";
    UEnumeration *en;
    ids av;
    char pid[LP_MAX_PREFERENCES][ULOC_FULLNAME_CAPACITY];
    const char *pptr[LP_MAX_PREFERENCES];

    LP_ASSERT_ARG(cat && (prefs || n == 0) && out);
    *out = cat->langs[cat->def].tag;
    if (n > LP_MAX_PREFERENCES)
        return LP_ETOOBIG;
    if (n == 0)
        return LP_ENOTFOUND;
    for (size_t i = 0; i < n; i++) {
        LP_ASSERT_ARG(prefs[i]);
        to_id(pid[i], sizeof(pid[i]), prefs[i]);
        pptr[i] = pid[i];
    }
    en = available(cat, &av);
    if (!en)
        return LP_ENOMEM;
    uloc_acceptLanguage(result, sizeof(result), &how, pptr, (int32_t)n,
                        en, &err);
    uenum_close(en);
    return pick(cat, &av, result, how, err, out);
}
