/*
 * number.c - numbers as curriculum sources and compiled lessons write them
 * (lp-curriculum(5), lpk(5)): a decimal in ASCII with an optional
 * exponent, "3.48e-26", and a tolerance that may be relative, "1%".  lpc
 * (checking a source) and the runtime (checking a document, marking an
 * answer) read them here, the same way.
 */
#include "lpi.h"

#include <string.h>

/* the digits of s[0..n) after leading zeros, into out */
static bool take_digits(lpi_number *out, const char *s, size_t n,
                        size_t max)
{
    size_t k = 0;

    while (k < n && s[k] == '0' && out->ndigits == 0)
        k++;
    if (n - k > max)
        return false;
    for (; k < n; k++)
        out->digit[out->ndigits++] = (unsigned char)(s[k] - '0');
    return true;
}

bool lpi_number_scan(const char *s, size_t len, bool percent,
                     lpi_number *out)
{
    const char *end = s + len, *ip, *fp = NULL;
    size_t ni, nf = 0;
    long exp = 0;

    memset(out, 0, sizeof(*out));
    if (s < end && (*s == '+' || *s == '-'))
        out->neg = *s++ == '-';
    ip = s;
    while (s < end && *s >= '0' && *s <= '9')
        s++;
    ni = (size_t)(s - ip);
    if (s < end && *s == '.') {
        fp = ++s;
        while (s < end && *s >= '0' && *s <= '9')
            s++;
        nf = (size_t)(s - fp);
    }
    if (ni + nf == 0)
        return false;
    if (s < end && (*s == 'e' || *s == 'E')) {
        bool neg = false;
        const char *e0;

        s++;
        if (s < end && (*s == '+' || *s == '-'))
            neg = *s++ == '-';
        e0 = s;
        while (s < end && *s >= '0' && *s <= '9' && s - e0 < 5)
            exp = exp * 10 + (*s++ - '0');
        if (s == e0 || (s < end && *s >= '0' && *s <= '9'))
            return false;
        exp = neg ? -exp : exp;
    }
    if (percent && s < end && *s == '%') {
        out->percent = true;
        s++;
    }
    if (s != end)
        return false;
    /* at most LPI_NUMBER_SIDE digits on each side of the mark (leading
     * zeros not counted), as the runtime has always read them */
    if (!take_digits(out, ip, ni, LPI_NUMBER_SIDE))
        return false;
    if (nf > LPI_NUMBER_SIDE)
        return false;
    for (size_t k = 0; k < nf; k++)
        if (out->ndigits > 0 || fp[k] != '0')
            out->digit[out->ndigits++] = (unsigned char)(fp[k] - '0');
    /* the power of ten of the last digit kept */
    out->low = (int)(exp - (long)nf);
    lpi_number_trim(out);
    return true;
}

void lpi_number_trim(lpi_number *n)
{
    while (n->ndigits > 0 && n->digit[n->ndigits - 1] == 0) {
        n->ndigits--;
        n->low++;
    }
    if (n->ndigits == 0)
        n->low = 0;
}

bool lpi_number_within(const lpi_number *n, int lo, int hi)
{
    return n->ndigits == 0 ||
           (n->low >= lo && n->low + (int)n->ndigits - 1 <= hi);
}

bool lpi_number_percent_ok(const lpi_number *n)
{
    int high = n->low + (int)n->ndigits - 1;

    if (n->ndigits == 0 || high < 2)
        return true;
    return high == 2 && n->ndigits == 1 && n->digit[0] == 1;
}

bool lpi_number_valid(const char *s, bool tolerance)
{
    lpi_number n;

    return lpi_number_scan(s, strlen(s), tolerance, &n) &&
           lpi_number_within(&n, LPI_NUMBER_LO, LPI_NUMBER_HI) &&
           (!n.percent || lpi_number_percent_ok(&n));
}
