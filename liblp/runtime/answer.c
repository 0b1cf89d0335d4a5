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
 * more in front for the carry of a sum; d[0] is the most significant */
#define DEC_INT 40
#define DEC_FRAC 40
#define DEC_N (1 + DEC_INT + DEC_FRAC)

typedef struct dec {
    bool neg;
    unsigned char d[DEC_N];
} dec;

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

/* A decimal number: optional sign (+, - or U+2212), digits of any script,
 * one optional decimal mark.  ascii: only what xs:decimal allows.  Whether
 * it has a digit at all is has_digit()'s to say. */
static bool dec_parse(dec *x, const char *s, size_t len, bool ascii)
{
    const char *end = s + len;
    unsigned char ip[DEC_INT], fp[DEC_FRAC];
    size_t ni = 0, nf = 0;
    bool mark = false;

    memset(x, 0, sizeof(*x));
    if (s < end && (*s == '+' || *s == '-')) {
        x->neg = *s == '-';
        s++;
    } else if (!ascii && end - s >= 3 && memcmp(s, "\xe2\x88\x92", 3) == 0) {
        x->neg = true;            /* U+2212 MINUS SIGN */
        s += 3;
    }
    while (s < end) {
        int v;

        if (ascii) {
            char ch = *s++;
            v = ch == '.' ? -2 : ch >= '0' && ch <= '9' ? ch - '0' : -1;
        } else {
            v = digit_at(&s, end);
        }
        if (v == -1 || (v == -2 && mark))
            return false;
        if (v == -2) {
            mark = true;
        } else if (!mark) {
            if (ni == 0 && v == 0)
                continue;         /* leading zeros */
            if (ni == DEC_INT)
                return false;
            ip[ni++] = (unsigned char)v;
        } else {
            if (nf == DEC_FRAC)
                return false;
            fp[nf++] = (unsigned char)v;
        }
    }
    memcpy(x->d + 1 + DEC_INT - ni, ip, ni);
    memcpy(x->d + 1 + DEC_INT, fp, nf);
    return true;
}

static bool has_digit(const char *s, size_t len, bool ascii)
{
    const char *end = s + len;

    while (s < end) {
        if (ascii) {
            if (*s >= '0' && *s <= '9')
                return true;
            s++;
        } else if (digit_at(&s, end) >= 0) {
            return true;
        }
    }
    return false;
}

bool lpi_decimal_valid(const char *s)
{
    dec x;
    size_t len = strlen(s);

    return has_digit(s, len, true) && dec_parse(&x, s, len, true);
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
    case LP_ACTIVITY_NUMERIC:
        if (!lpi_utf8_valid(answer, len))
            return lpi_error(ctx, LP_EINVAL, "the answer is not valid "
                             "UTF-8");
        while (b < len && is_space(answer[b]))
            b++;
        while (len > b && is_space(answer[len - 1]))
            len--;
        /* not a number we can read: not the right number */
        *correct = has_digit(answer + b, len - b, false) &&
                   dec_parse(&x, answer + b, len - b, false) &&
                   dec_parse(&a, act->value, strlen(act->value), true) &&
                   dec_parse(&t, act->tolerance, strlen(act->tolerance),
                             true) &&
                   within(&x, &a, &t);
        return 0;
    case LP_ACTIVITY_SHORT_ANSWER:
        return check_text(act, answer, len, correct);
    }
    return lpi_error(ctx, LP_EINTERNAL, "unknown activity type");
}
