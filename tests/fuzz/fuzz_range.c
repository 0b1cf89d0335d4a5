/*
 * fuzz_range.c - the hub's header parsers (liblp/serve/server_range.c)
 * from arbitrary bytes: the Range header for a content size taken from
 * the input, If-None-Match, %-decoding and the multipart boundary.
 * Properties: no crash or undefined behaviour; every range found lies in
 * the content, first <= last, at most LPI_MAX_RANGES of them; a decoded
 * value is no longer than its input and holds no NUL; a boundary lies in
 * the header, 1 to 70 bytes.
 */
#include "lpi_server.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lpi_range r[LPI_MAX_RANGES];
    uint64_t len = 0;
    size_t n = 99;
    char *s, out[512];
    const char *b;
    size_t blen;
    long got;
    int kind;

    if (size < 8)
        return 0;
    for (int i = 0; i < 8; i++)
        len = len << 8 | data[i];
    /* small sizes too, where suffixes and clamping matter most */
    if (data[0] & 0x80)
        len &= 0xffff;
    s = malloc(size - 8 + 1);
    if (!s)
        abort();
    memcpy(s, data + 8, size - 8);
    s[size - 8] = '\0';
    kind = lpi_range_parse(s, len, r, &n);
    if (kind == LPI_RANGE_OK) {
        if (n == 0 || n > LPI_MAX_RANGES)
            abort();
        for (size_t i = 0; i < n; i++)
            if (r[i].first > r[i].last || r[i].last >= len)
                abort();
    } else if (n != 0 || (kind != LPI_RANGE_NONE &&
                          kind != LPI_RANGE_UNSAT)) {
        abort();
    }
    (void)lpi_etag_match(s, "\"0123abcd\"", false);
    (void)lpi_etag_match(s, "\"0123abcd\"", true);
    got = lpi_url_decode(s, strlen(s), out, sizeof(out), data[1] & 1,
                         data[1] & 2);
    if (got >= 0 && ((size_t)got > strlen(s) || strlen(out) != (size_t)got))
        abort();
    if (lpi_multipart_boundary(s, &b, &blen) == 0 &&
        (b < s || b + blen > s + strlen(s) || blen < 1 || blen > 70))
        abort();
    free(s);
    return 0;
}
