/*
 * answer.c - marking a learner's answer (lpk(5), ANSWERS).  Every runtime
 * that links liblp marks the same answer the same way: numbers are
 * compared exactly in decimal (never as floating point), texts after the
 * same Unicode normalization (ICU's common library: NFC and case folding).
 */
#include "lpi_lesson.h"

#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

/* ------------------------------------------------------------ numbers */

/* Fixed point: DEC_INT digits before the mark, DEC_FRAC after, and one
 * more in front for the carry of a sum; d[0] is the most significant.
 * Answers and absolute tolerances have their digits at powers of ten
 * from LPI_NUMBER_LO to LPI_NUMBER_HI (lpc checks it); a relative
 * tolerance, a percentage of at most 100 of such an answer, has them
 * down to LPI_NUMBER_LO * 2 - 2: all of it fits, nothing is rounded. */
#define DEC_INT (LPI_NUMBER_HI + 1)
#define DEC_FRAC (-2 * LPI_NUMBER_LO + 10)
#define DEC_N (1 + DEC_INT + DEC_FRAC)

typedef struct dec {
    bool neg;
    unsigned char d[DEC_N];
} dec;

/* digits (most significant first), the last at power low, into x; false
 * if a digit that is not 0 falls outside it */
static bool dec_place(dec *x, bool neg, const unsigned char *digit,
                      size_t n, long low)
{
    memset(x, 0, sizeof(*x));
    x->neg = neg && n > 0;
    for (size_t k = 0; k < n; k++) {
        long idx = DEC_INT - (low + (long)(n - 1 - k));

        if (digit[k] == 0)
            continue;
        if (idx < 1 || idx >= DEC_N)
            return false;
        x->d[idx] = digit[k];
    }
    return true;
}

static bool dec_from(dec *x, const lpi_number *n)
{
    return dec_place(x, n->neg, n->digit, n->ndigits, n->low);
}

/* The value of the code point at s (moved past it) as a decimal digit of
 * any script, or -1; '.' ',' and U+066B (Arabic) are decimal marks: -2 */
static int digit_at(const char **s, const char *end)
{
    int32_t i = 0, len = (int32_t)(end - *s);
    UChar32 ch;

    U8_NEXT(*s, i, len, ch);
    *s += i;
    if (ch == '.' || ch == ',' || ch == 0x066B)
        return -2;
    if (ch < 0 || u_charType(ch) != U_DECIMAL_DIGIT_NUMBER)
        return -1;
    return u_charDigitValue(ch);
}

/* s starts with the UTF-8 of one of the strings of list: its length */
static size_t starts(const char *s, const char *end,
                     const char *const *list)
{
    for (size_t i = 0; list[i]; i++) {
        size_t n = strlen(list[i]);

        if ((size_t)(end - s) >= n && memcmp(s, list[i], n) == 0)
            return n;
    }
    return 0;
}

static const char *skip_spaces(const char *s, const char *end)
{
    static const char *const spaces[] = {
        " ", "\t", "\xc2\xa0", "\xe2\x80\xaf", "\xe2\x80\x89", NULL };
    size_t n;

    while (s < end && (n = starts(s, end, spaces)) > 0)
        s += n;
    return s;
}

/* An exponent after a learner's number: "e-26", "E5", "×10^-26",
 * "x 10^5", "*10^3", "·10⁻²⁶" (superscript digits); *exp its value.
 * false if s is not one (or it has more than 4 digits). */
static bool exponent(const char *s, const char *end, long *exp)
{
    static const char *const times[] = {
        "\xc3\x97", "x", "X", "*", "\xc2\xb7", "\xe2\x8b\x85", NULL };
    static const char *const sup[] = {
        "\xe2\x81\xb0", "\xc2\xb9", "\xc2\xb2", "\xc2\xb3", "\xe2\x81\xb4",
        "\xe2\x81\xb5", "\xe2\x81\xb6", "\xe2\x81\xb7", "\xe2\x81\xb8",
        "\xe2\x81\xb9" };
    static const char *const minus[] = { "-", "\xe2\x88\x92", NULL };
    static const char *const sup_minus[] = { "\xe2\x81\xbb", NULL };
    static const char *const sup_plus[] = { "\xe2\x81\xba", NULL };
    bool neg = false, super = false;
    size_t n, nd = 0;

    *exp = 0;
    if (s < end && (*s == 'e' || *s == 'E')) {
        s++;
    } else if ((n = starts(s, end, times)) > 0) {
        s = skip_spaces(s + n, end);
        if (end - s < 2 || s[0] != '1' || s[1] != '0')
            return false;
        s += 2;
        if (s < end && *s == '^')
            s++;
        else
            super = true;
    } else {
        return false;
    }
    if (!super && (n = starts(s, end, minus)) > 0) {
        neg = true;
        s += n;
    } else if (!super && s < end && *s == '+') {
        s++;
    } else if (super && (n = starts(s, end, sup_minus)) > 0) {
        neg = true;
        s += n;
    } else if (super && (n = starts(s, end, sup_plus)) > 0) {
        s += n;
    }
    while (s < end && nd < 5) {
        int v = -1;

        if (!super && *s >= '0' && *s <= '9') {
            v = *s - '0';
            s++;
        } else if (super) {
            for (int k = 0; k < 10 && v < 0; k++) {
                size_t m = strlen(sup[k]);
                if ((size_t)(end - s) >= m && memcmp(s, sup[k], m) == 0) {
                    v = k;
                    s += m;
                }
            }
        }
        if (v < 0)
            break;
        *exp = *exp * 10 + v;
        nd++;
    }
    if (nd == 0 || nd > 4 || s != end)
        return false;
    if (neg)
        *exp = -*exp;
    return true;
}

/* A learner's number: white space around it, an optional sign (+, - or
 * U+2212), digits of any script with one optional decimal mark, then
 * an optional exponent (exponent()) */
static bool answer_number(lpi_number *n, const char *s, size_t len)
{
    const char *end = s + len;
    size_t ni = 0, nf = 0;
    bool mark = false, any = false;
    long exp = 0;

    memset(n, 0, sizeof(*n));
    if (s < end && (*s == '+' || *s == '-')) {
        n->neg = *s == '-';
        s++;
    } else if (end - s >= 3 && memcmp(s, "\xe2\x88\x92", 3) == 0) {
        n->neg = true;            /* U+2212 MINUS SIGN */
        s += 3;
    }
    while (s < end) {
        const char *at = s;
        int v = digit_at(&s, end);

        if (v == -1 || (v == -2 && mark)) {
            s = at;
            break;
        }
        if (v == -2) {
            mark = true;
            continue;
        }
        any = true;
        if (!mark) {
            if (n->ndigits == 0 && v == 0)
                continue;         /* leading zeros */
            if (++ni > LPI_NUMBER_SIDE)
                return false;
            n->digit[n->ndigits++] = (unsigned char)v;
        } else {
            if (++nf > LPI_NUMBER_SIDE)
                return false;
            if (n->ndigits > 0 || v != 0)
                n->digit[n->ndigits++] = (unsigned char)v;
        }
    }
    if (!any)
        return false;
    s = skip_spaces(s, end);
    if (s < end && !exponent(s, end, &exp))
        return false;
    n->low = (int)(exp - (long)nf);
    lpi_number_trim(n);
    return true;
}

/* |a| * |p| / 100 into t (the tolerance p percent of a gives) */
static bool dec_percent(dec *t, const lpi_number *a, const lpi_number *p)
{
    unsigned acc[4 * LPI_NUMBER_SIDE + 1];
    unsigned char prod[4 * LPI_NUMBER_SIDE + 1];
    size_t m = a->ndigits, n = p->ndigits;

    if (m == 0 || n == 0)
        return dec_place(t, false, NULL, 0, 0);
    memset(acc, 0, sizeof(acc));
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            acc[i + j + 1] += (unsigned)a->digit[i] * p->digit[j];
    for (size_t k = m + n - 1; k > 0; k--) {
        acc[k - 1] += acc[k] / 10;
        acc[k] %= 10;
    }
    for (size_t k = 0; k < m + n; k++)
        prod[k] = (unsigned char)acc[k];
    return dec_place(t, false, prod, m + n, (long)a->low + p->low - 2);
}

/* |a| + |b| or |a| - |b| (|a| >= |b|) into r */
static void mag_add(unsigned char *r, const unsigned char *a,
                    const unsigned char *b)
{
    int carry = 0;

    for (int i = DEC_N - 1; i >= 0; i--) {
        int v = a[i] + b[i] + carry;
        r[i] = (unsigned char)(v % 10);
        carry = v / 10;
    }
}

static void mag_sub(unsigned char *r, const unsigned char *a,
                    const unsigned char *b)
{
    int borrow = 0;

    for (int i = DEC_N - 1; i >= 0; i--) {
        int v = a[i] - b[i] - borrow;
        borrow = v < 0;
        r[i] = (unsigned char)(v + (borrow ? 10 : 0));
    }
}

/* |x - a| <= |t|, exactly */
static bool within(const dec *x, const dec *a, const dec *t)
{
    unsigned char diff[DEC_N];

    if (x->neg != a->neg)
        mag_add(diff, x->d, a->d);
    else if (memcmp(x->d, a->d, DEC_N) >= 0)
        mag_sub(diff, x->d, a->d);
    else
        mag_sub(diff, a->d, x->d);
    return memcmp(diff, t->d, DEC_N) <= 0;
}

/* ------------------------------------------------------------ texts */

/* s (UTF-8) normalized for comparing: white space trimmed and each run
 * of it made one space, NFC, full case folding, NFC again.  *out is
 * allocated (UTF-16, *outlen units). */
static int normalize(lp_ctx *ctx, const char *s, size_t len, UChar **out,
                     int32_t *outlen)
{
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nfc = unorm2_getNFCInstance(&err);
    /* NFC, folding and NFC again each grow a UTF-16 string at most
     * threefold: room for 27 times the UTF-8 bytes (len is at most
     * LP_MAX_ANSWER_BYTES) */
    int32_t cap = (int32_t)len * 27 + 16, n = 0, m = 0;
    UChar *a, *b;
    bool space = false;

    *out = NULL;
    if (U_FAILURE(err))
        return lpi_error(ctx, LP_EINTERNAL, "ICU has no NFC data: %s",
                         u_errorName(err));
    a = lpi_malloc(ctx, (size_t)cap * sizeof(UChar));
    b = lpi_malloc(ctx, (size_t)cap * sizeof(UChar));
    if (!a || !b) {
        lpi_free(ctx, a);
        lpi_free(ctx, b);
        return lpi_nomem(ctx);
    }
    u_strFromUTF8(b, cap, &n, s, (int32_t)len, &err);
    if (U_FAILURE(err)) {
        lpi_free(ctx, a);
        lpi_free(ctx, b);
        return lpi_error(ctx, LP_EINVAL, "the answer is not valid UTF-8");
    }
    /* white space: trimmed, runs made one U+0020 */
    for (int32_t i = 0; i < n;) {
        UChar32 ch;
        U16_NEXT(b, i, n, ch);
        if (u_isUWhiteSpace(ch)) {
            space = m > 0;
            continue;
        }
        if (space)
            a[m++] = ' ';
        space = false;
        U16_APPEND_UNSAFE(a, m, ch);
    }
    n = unorm2_normalize(nfc, a, m, b, cap, &err);
    m = u_strFoldCase(a, cap, b, n, U_FOLD_CASE_DEFAULT, &err);
    n = unorm2_normalize(nfc, a, m, b, cap, &err);
    lpi_free(ctx, a);
    if (U_FAILURE(err)) {
        lpi_free(ctx, b);
        return lpi_error(ctx, LP_EINTERNAL, "normalizing an answer: %s",
                         u_errorName(err));
    }
    *out = b;
    *outlen = n;
    return 0;
}

static int check_text(const lp_activity *act, const char *answer,
                      size_t len, int *correct)
{
    lp_ctx *ctx = act->lesson->ctx;
    UChar *mine, *theirs;
    int32_t n, m;
    int rc = normalize(ctx, answer, len, &mine, &n);

    for (size_t i = 0; rc == 0 && !*correct &&
         i < lpi_jlen(act->answers); i++) {
        json_object *v = json_object_array_get_idx(act->answers, i);

        rc = normalize(ctx, json_object_get_string(v),
                       (size_t)json_object_get_string_len(v), &theirs, &m);
        if (rc == LP_EINVAL)
            rc = lpi_error(ctx, LP_EINTERNAL, "an accepted answer is not "
                           "UTF-8");
        if (rc == 0)
            *correct = m == n && memcmp(mine, theirs, (size_t)n * 2) == 0;
        lpi_free(ctx, theirs);
    }
    lpi_free(ctx, mine);
    return rc;
}

/* ------------------------------------------------------------ choices */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Is the word s[0..n) among the strings of a? */
static bool in_list(json_object *a, const char *s, size_t n)
{
    for (size_t i = 0; i < lpi_jlen(a); i++) {
        json_object *v = json_object_array_get_idx(a, i);
        if ((size_t)json_object_get_string_len(v) == n &&
            memcmp(json_object_get_string(v), s, n) == 0)
            return true;
    }
    return false;
}

/* Does the space-separated list s name the string id? */
static bool names(const char *s, const char *id)
{
    size_t k = strlen(id);

    while (*s) {
        size_t n;

        while (is_space(*s))
            s++;
        n = strcspn(s, " \t\n\r");
        if (n == k && memcmp(s, id, k) == 0)
            return true;
        s += n;
    }
    return false;
}

static int check_choices(const lp_activity *act, const char *answer)
{
    for (const char *s = answer; *s;) {
        size_t n;

        while (is_space(*s))
            s++;
        n = strcspn(s, " \t\n\r");
        if (n && !in_list(act->answers, s, n))
            return 0;
        s += n;
    }
    for (size_t i = 0; i < lpi_jlen(act->answers); i++)
        if (!names(answer, lpi_jat_str(act->answers, i)))
            return 0;
    return 1;
}

/* ------------------------------------------------------------ check */

int lp_activity_check(const lp_activity *act, const char *answer,
                      int *correct)
{
    lp_ctx *ctx;
    size_t len, b = 0;
    dec x, a, t;

    LP_ASSERT_ARG(act && answer && correct);
    ctx = act->lesson->ctx;
    *correct = 0;
    len = strnlen(answer, LP_MAX_ANSWER_BYTES + 1);
    if (len > LP_MAX_ANSWER_BYTES)
        return lpi_error(ctx, LP_EINVAL, "activity '%s': an answer of more "
                         "than %u bytes", act->id, LP_MAX_ANSWER_BYTES);
    switch (act->type) {
    case LP_ACTIVITY_MULTIPLE_CHOICE:
        *correct = check_choices(act, answer);
        return 0;
    case LP_ACTIVITY_TRUE_FALSE:
        while (b < len && is_space(answer[b]))
            b++;
        while (len > b && is_space(answer[len - 1]))
            len--;
        if (len - b == 4 && memcmp(answer + b, "true", 4) == 0)
            *correct = act->truth;
        else if (len - b == 5 && memcmp(answer + b, "false", 5) == 0)
            *correct = !act->truth;
        else
            return lpi_error(ctx, LP_EINVAL, "activity '%s': a true-false "
                             "answer is \"true\" or \"false\"", act->id);
        return 0;
    case LP_ACTIVITY_NUMERIC: {
        lpi_number nx, na, nt;

        if (!lpi_utf8_valid(answer, len))
            return lpi_error(ctx, LP_EINVAL, "the answer is not valid "
                             "UTF-8");
        while (b < len && is_space(answer[b]))
            b++;
        while (len > b && is_space(answer[len - 1]))
            len--;
        /* the unit, if the learner typed it */
        if (act->unit && *act->unit) {
            size_t u = strlen(act->unit);

            if (len - b > u && memcmp(answer + len - u, act->unit, u) == 0)
                for (len -= u; len > b && is_space(answer[len - 1]);)
                    len--;
        }
        /* not a number we can read: not the right number */
        *correct = answer_number(&nx, answer + b, len - b) &&
                   lpi_number_scan(act->value, strlen(act->value), false,
                                   &na) &&
                   lpi_number_scan(act->tolerance, strlen(act->tolerance),
                                   true, &nt) &&
                   dec_from(&x, &nx) && dec_from(&a, &na) &&
                   (nt.percent ? dec_percent(&t, &na, &nt)
                               : dec_from(&t, &nt)) &&
                   within(&x, &a, &t);
        return 0;
    }
    case LP_ACTIVITY_SHORT_ANSWER:
        return check_text(act, answer, len, correct);
    }
    return lpi_error(ctx, LP_EINTERNAL, "unknown activity type");
}
