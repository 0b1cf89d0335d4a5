/*
 * fuzz_manifest.c - the manifest parser on arbitrary bytes.  Property: what
 * parses, serializes to text that parses again to the same text.
 */
#include "lpi_package.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lp_ctx *ctx;
    lpi_manifest m, m2;
    lpi_buf a, b;

    if (lp_ctx_new(&ctx, NULL) < 0)
        return 0;
    if (lpi_manifest_parse(&m, ctx, data, size) == 0) {
        lpi_buf_init(&a, LP_MAX_MANIFEST_BYTES);
        lpi_buf_init(&b, LP_MAX_MANIFEST_BYTES);
        if (lpi_manifest_serialize(&m, ctx, &a) != 0 ||
            lpi_manifest_parse(&m2, ctx, (unsigned char *)a.data, a.len) != 0)
            abort();
        if (lpi_manifest_serialize(&m2, ctx, &b) != 0 || a.len != b.len ||
            memcmp(a.data, b.data, a.len) != 0)
            abort();
        lpi_manifest_dispose(&m2, ctx);
        lpi_buf_dispose(&a, ctx);
        lpi_buf_dispose(&b, ctx);
        lpi_manifest_dispose(&m, ctx);
    }
    lp_ctx_free(ctx);
    return 0;
}
