/*
 * hash.c - object names: BLAKE2b-256 of the uncompressed content (lpk(5)).
 */
#include "lpi.h"

void lpi_hash_init(lpi_hasher *h)
{
    crypto_generichash_init(h, NULL, 0, LP_HASH_BYTES);
}

void lpi_hash_update(lpi_hasher *h, const void *data, size_t len)
{
    crypto_generichash_update(h, data, len);
}

void lpi_hash_final(lpi_hasher *h, unsigned char out[LP_HASH_BYTES])
{
    crypto_generichash_final(h, out, LP_HASH_BYTES);
}

void lpi_hash_hex(char out[LP_HASH_HEX_BYTES + 1],
                  const unsigned char hash[LP_HASH_BYTES])
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < LP_HASH_BYTES; i++) {
        out[2 * i] = digits[hash[i] >> 4];
        out[2 * i + 1] = digits[hash[i] & 15];
    }
    out[LP_HASH_HEX_BYTES] = '\0';
}

/* Digit values, 16 for anything else: uppercase is not canonical, so not
 * accepted.  A table, because opening a package unhexes every hash of its
 * manifest and of its ZIP names. */
static const unsigned char hexval[256] = {
#define X16 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16
    X16, X16, X16,
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 16, 16, 16, 16, 16,
    X16, X16,
    16, 10, 11, 12, 13, 14, 15, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    X16, X16, X16, X16, X16, X16, X16, X16, X16
#undef X16
};

int lpi_hash_unhex(unsigned char out[LP_HASH_BYTES], const char *hex)
{
    const unsigned char *h = (const unsigned char *)hex;
    unsigned bad = 0;

    for (size_t i = 0; i < LP_HASH_BYTES; i++) {
        unsigned hi = hexval[h[2 * i]], lo = hexval[h[2 * i + 1]];

        bad |= hi | lo;
        out[i] = (unsigned char)(hi << 4 | (lo & 15));
    }
    return bad & 16 ? -1 : 0;
}
