/*
 * server_range.c - the parsing a hub does on request headers: Range,
 * If-None-Match/If-Range, %-decoding, the multipart boundary.  Pure
 * functions of strings, never allocating: every input is a stranger's.
 */
#include "lpi_server.h"

#include <string.h>

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Digits into *v; false on no digit or overflow of uint64_t */
static bool parse_u64(const char **pp, uint64_t *v)
{
    const char *p = *pp;
    uint64_t x = 0;

    if (*p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9') {
        unsigned d = (unsigned)(*p - '0');
        if (x > (UINT64_MAX - d) / 10)
            return false;
        x = x * 10 + d;
        p++;
    }
    *pp = p;
    *v = x;
    return true;
}

int lpi_range_parse(const char *hdr, uint64_t size, lpi_range *out,
                    size_t *n)
{
    const char *p;
    size_t got = 0, specs = 0;

    *n = 0;
    if (!hdr)
        return LPI_RANGE_NONE;
    p = skip_ows(hdr);
    if (strncasecmp(p, "bytes", 5) != 0)
        return LPI_RANGE_NONE;
    p = skip_ows(p + 5);
    if (*p++ != '=')
        return LPI_RANGE_NONE;
    for (;;) {
        uint64_t a = 0, b = 0;
        bool suffix = false, open = false;

        p = skip_ows(p);
        if (*p == ',') {        /* empty list elements are allowed */
            p++;
            continue;
        }
        if (*p == '\0')
            break;
        if (++specs > LPI_MAX_RANGES)
            return LPI_RANGE_NONE;
        if (*p == '-') {
            p++;
            suffix = true;
            if (!parse_u64(&p, &b))
                return LPI_RANGE_NONE;
        } else {
            if (!parse_u64(&p, &a) || *p++ != '-')
                return LPI_RANGE_NONE;
            if (*p >= '0' && *p <= '9') {
                if (!parse_u64(&p, &b) || b < a)
                    return LPI_RANGE_NONE;
            } else {
                open = true;
            }
        }
        p = skip_ows(p);
        if (*p != ',' && *p != '\0')
            return LPI_RANGE_NONE;
        /* satisfiable ones only */
        if (suffix) {
            if (b == 0 || size == 0)
                continue;
            out[got].first = b >= size ? 0 : size - b;
            out[got].last = size - 1;
        } else {
            if (a >= size)
                continue;
            out[got].first = a;
            out[got].last = open || b >= size ? size - 1 : b;
        }
        got++;
    }
    if (specs == 0)
        return LPI_RANGE_NONE;
    *n = got;
    return got ? LPI_RANGE_OK : LPI_RANGE_UNSAT;
}

/* One entity tag at p: W/ and the quoted part; its bounds in *s, *len */
static bool etag_at(const char **pp, bool *weak, const char **s, size_t *len)
{
    const char *p = *pp, *q;

    *weak = false;
    if (p[0] == 'W' && p[1] == '/') {
        *weak = true;
        p += 2;
    }
    if (*p != '"')
        return false;
    for (q = p + 1; *q && *q != '"'; q++)
        if ((unsigned char)*q < 0x21 || *q == 0x7f)
            return false;
    if (*q != '"')
        return false;
    *s = p;
    *len = (size_t)(q + 1 - p);
    *pp = q + 1;
    return true;
}

bool lpi_etag_match(const char *hdr, const char *etag, bool strong)
{
    const char *p;
    size_t elen = strlen(etag);

    if (!hdr)
        return false;
    p = skip_ows(hdr);
    if (*p == '*')
        return *skip_ows(p + 1) == '\0';
    for (;;) {
        const char *s;
        size_t len;
        bool weak;

        p = skip_ows(p);
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == '\0')
            return false;
        if (!etag_at(&p, &weak, &s, &len))
            return false;
        p = skip_ows(p);
        if (*p != ',' && *p != '\0')
            return false;
        if (!(weak && strong) && len == elen && memcmp(s, etag, len) == 0)
            return true;
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long lpi_url_decode(const char *s, size_t len, char *out, size_t cap,
                    bool plus, bool slash)
{
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)s[i];

        if (c == '%') {
            int h, l;
            if (len - i < 3)
                return -1;
            h = hexval(s[i + 1]);
            l = hexval(s[i + 2]);
            if (h < 0 || l < 0)
                return -1;
            c = h * 16 + l;
            i += 2;
            if (!slash && (c == '/' || c == '\\'))
                return -1;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        if (c == 0)
            return -1;
        if (o + 1 >= cap)
            return -1;
        out[o++] = (char)c;
    }
    if (cap == 0)
        return -1;
    out[o] = '\0';
    return (long)o;
}

int lpi_multipart_boundary(const char *ct, const char **b, size_t *len)
{
    static const char bchars[] = "0123456789abcdefghijklmnopqrstuvwxyz"
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ";
    const char *p;

    if (!ct)
        return -1;
    p = skip_ows(ct);
    if (strncasecmp(p, "multipart/form-data", 19) != 0)
        return -1;
    p += 19;
    while (*p) {
        p = skip_ows(p);
        if (*p != ';')
            return -1;
        p = skip_ows(p + 1);
        if (strncasecmp(p, "boundary=", 9) == 0) {
            const char *s = p + 9, *e;
            bool quoted = *s == '"';

            if (quoted)
                s++;
            for (e = s; *e && strchr(bchars, *e) &&
                 (quoted || *e != ' '); e++)
                ;
            if (quoted && *e++ != '"')
                return -1;
            *b = s;
            *len = (size_t)(e - s) - (quoted ? 1 : 0);
            if (*len < 1 || *len > 70 || s[*len - 1] == ' ')
                return -1;
            p = skip_ows(e);
            return *p == '\0' || *p == ';' ? 0 : -1;
        }
        /* another parameter: token=token or token="..." */
        while (*p && *p != ';' && *p != '"')
            p++;
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++)
                if (*p == '\\' && p[1])
                    p++;
            if (*p++ != '"')
                return -1;
        }
    }
    return -1;
}
