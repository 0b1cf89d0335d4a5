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

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1; /* uppercase is not canonical, so not accepted */
}

int lpi_hash_unhex(unsigned char out[LP_HASH_BYTES], const char *hex)
{
    for (size_t i = 0; i < LP_HASH_BYTES; i++) {
        int hi = hexval(hex[2 * i]), lo;

        if (hi < 0)
            return -1;
        lo = hexval(hex[2 * i + 1]);
        if (lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}
