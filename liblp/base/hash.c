/*
 * hash.c - object names: BLAKE2b-256 of the uncompressed content (lpk(5)).
 */
#include "lpi.h"

#include <string.h>

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

#if defined(__SSE2__)
#include <emmintrin.h>

/* Sixteen hex digits at a time in SSE2 (every x86-64 has it): opening a
 * package unhexes every hash of its manifest and of its ZIP names, which
 * a table lookup per digit made a tenth of the open.  Only '0'-'9' and
 * 'a'-'f' are accepted: uppercase is not canonical.  Bytes of 0x80 and up
 * are negative in the signed compares, so they match neither range. */
int lpi_hash_unhex(unsigned char out[LP_HASH_BYTES], const char *hex)
{
    for (size_t i = 0; i < LP_HASH_HEX_BYTES; i += 32) {
        __m128i half[2];

        for (size_t k = 0; k < 2; k++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(hex + i + 16 * k));
            __m128i digit = _mm_and_si128(
                _mm_cmpgt_epi8(v, _mm_set1_epi8(0x2f)),
                _mm_cmplt_epi8(v, _mm_set1_epi8(0x3a)));
            __m128i letter = _mm_and_si128(
                _mm_cmpgt_epi8(v, _mm_set1_epi8(0x60)),
                _mm_cmplt_epi8(v, _mm_set1_epi8(0x67)));
            __m128i nib;

            if (_mm_movemask_epi8(_mm_or_si128(digit, letter)) != 0xffff)
                return -1;
            /* the low four bits, plus 9 for a letter */
            nib = _mm_add_epi8(_mm_and_si128(v, _mm_set1_epi8(0x0f)),
                               _mm_and_si128(letter, _mm_set1_epi8(9)));
            /* each 16-bit lane holds a digit pair, the first one in its
             * low byte: the first becomes the high nibble */
            half[k] = _mm_or_si128(
                _mm_slli_epi16(_mm_and_si128(nib, _mm_set1_epi16(0xff)), 4),
                _mm_srli_epi16(nib, 8));
        }
        _mm_storeu_si128((__m128i *)(out + i / 2),
                         _mm_packus_epi16(half[0], half[1]));
    }
    return 0;
}
#else
/* Eight hex digits at a time, as eight bytes of one word: opening a
 * package unhexes every hash of its manifest and of its ZIP names, which
 * a table lookup per digit made a tenth of the open.  Only '0'-'9' and
 * 'a'-'f' are accepted: uppercase is not canonical.  Each byte is tested
 * and converted within its own lane (no carry crosses lanes for bytes
 * below 0x80), so the result does not depend on byte order. */
int lpi_hash_unhex(unsigned char out[LP_HASH_BYTES], const char *hex)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;

    for (size_t i = 0; i < LP_HASH_HEX_BYTES; i += 8) {
        uint64_t w, digit, letter, nib;
        unsigned char nb[8];

        memcpy(&w, hex + i, 8);
        if (w & highs)
            return -1;
        /* bytes from 0x30 up to 0x39, or from 0x61 up to 0x66 */
        digit = (w + (0x80 - 0x30) * ones) & ~(w + (0x80 - 0x3a) * ones);
        letter = (w + (0x80 - 0x61) * ones) & ~(w + (0x80 - 0x67) * ones);
        if (((digit | letter) & highs) != highs)
            return -1;
        /* '0'-'9' are 0x30-0x39, 'a'-'f' 0x61-0x66: the low four bits,
         * plus 9 where bit 6 is set */
        nib = (w & 0x0f * ones) + ((w >> 6) & ones) * 9;
        memcpy(nb, &nib, 8);
        for (size_t k = 0; k < 4; k++)
            out[i / 2 + k] = (unsigned char)(nb[2 * k] << 4 | nb[2 * k + 1]);
    }
    return 0;
}
#endif
