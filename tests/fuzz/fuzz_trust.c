/*
 * fuzz_trust.c - trust files (lp_trust_parse) and the verifier's state
 * files (lpi_state_parse, lpi_trust_state_parse) on arbitrary bytes.
 * Property: a parsed trust file has a threshold that its keys can meet; a
 * parsed state file writes back to the same bytes.
 */
#include "lpi_sign.h"
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    char id[LP_MAX_ID_BYTES + 1];
    uint64_t version;
    int64_t signed_at;
    lp_trust *t;
    lp_ctx *ctx;

    if (lp_ctx_new(&ctx, NULL) < 0)
        return 0;
    if (lp_trust_parse(&t, ctx, data, size, "fuzz") == 0) {
        if (lp_trust_threshold(t) < 1 ||
            lp_trust_threshold(t) > LP_TRUST_MAX_KEYS)
            abort();
        lp_trust_free(t);
    }
    if (lpi_state_parse(ctx, text, size, "fuzz", id, &version,
                        &signed_at) == 0) {
        char again[LPI_STATE_MAX_BYTES + 64], ts[LPI_TIME_BYTES] = "-";
        int n;

        if (signed_at >= 0 && lpi_time_format(ts, signed_at) < 0)
            abort();
        n = snprintf(again, sizeof(again), "lp-state 1\nid %s\n"
                     "version %llu\nsigned %s\n", id,
                     (unsigned long long)version, ts);
        if (n < 0 || (size_t)n != size || memcmp(again, data, size) != 0)
            abort();
    }
    (void)lpi_trust_state_parse(ctx, text, size, "fuzz", &signed_at);
    lp_ctx_free(ctx);
    return 0;
}
