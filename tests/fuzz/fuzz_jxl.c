/*
 * fuzz_jxl.c - the JPEG XL path of liblp/package/jxl.c from arbitrary
 * bytes.  Input: one byte of mode, then data.
 *   mode even: the data is a JPEG XL object whose manifest size is the
 *   first 3 bytes of it (big-endian, at most 16 MiB): rebuild the JPEG.
 *   Properties: no crash, undefined behaviour or leak; the result is 0,
 *   LP_EFORMAT, LP_EHASH, LP_ETOOBIG or LP_ENOMEM, with a message; never
 *   a byte written past size + 1.
 *   mode odd: the data is a JPEG: recompress it, and if libjxl kept it,
 *   rebuild it (which need not give the same bytes for a damaged JPEG:
 *   the writer checks every picture it keeps).
 */
#include "lpi_package.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#define CANARY 0xa5

static unsigned long differ; /* JPEGs libjxl did not give back exactly */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lp_ctx *ctx;
    int rc;

    if (size < 4 || !lpi_jxl_available())
        return 0;
    if (lp_ctx_new(&ctx, NULL) < 0)
        abort();
    if ((data[0] & 1) == 0) {
        size_t want = (size_t)data[1] << 16 | (size_t)data[2] << 8 | data[3];
        unsigned char *dst = malloc(want + 2);

        if (!dst)
            abort();
        dst[want + 1] = CANARY;
        rc = lpi_jxl_decode(ctx, data + 4, size - 4, dst, want);
        if (rc != 0 && rc != LP_EFORMAT && rc != LP_EHASH &&
            rc != LP_ETOOBIG && rc != LP_ENOMEM)
            abort();
        if (rc != 0 && lp_ctx_errmsg(ctx)[0] == '\0')
            abort();
        if (dst[want + 1] != CANARY)
            abort();
        free(dst);
    } else {
        unsigned char *jxl = NULL, *back;
        size_t jlen = 0, n = size - 1;

        rc = lpi_jxl_encode(ctx, data + 1, n, &jxl, &jlen);
        if (rc < 0 && rc != LP_ENOMEM)
            abort();
        if (rc == 0) {
            if (jlen >= n)
                abort();
            back = malloc(n + 1);
            if (!back)
                abort();
            /* libjxl does not give back every damaged JPEG it accepts
             * byte for byte: the writer rebuilds each one and stores the
             * JPEG as is when it differs; here the rebuild must only be
             * safe */
            rc = lpi_jxl_decode(ctx, jxl, jlen, back, n);
            if (rc == 0 && memcmp(back, data + 1, n) != 0)
                differ++;
            free(back);
            lpi_free(ctx, jxl);
        }
    }
    lp_ctx_free(ctx);
    return 0;
}
