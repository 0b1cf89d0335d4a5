/*
 * fuzz_key.c - minisign public and secret key files on arbitrary bytes:
 * the file parsers and the base64 key form of trust files.  Secret keys
 * are parsed without a passphrase (an encrypted one must be refused with
 * LP_EPASSPHRASE before any scrypt work).  Property: a parsed public key
 * re-parses from its base64 to the same id.
 */
#include "lpi_sign.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    lp_ctx *ctx;
    lp_key *k, *k2;
    int rc;

    if (lp_ctx_new(&ctx, NULL) < 0)
        return 0;
    if (lpi_pubkey_parse(&k, ctx, text, size, "fuzz") == 0) {
        const char *b64 = lp_key_base64(k);
        if (strlen(b64) != LP_KEY_BASE64_BYTES ||
            lpi_key_from_b64(&k2, ctx, b64, strlen(b64), "again") != 0)
            abort();
        if (strcmp(lp_key_id(k), lp_key_id(k2)) != 0)
            abort();
        lp_key_free(k2);
        lp_key_free(k);
    }
    rc = lpi_seckey_parse(&k, ctx, text, size, NULL, "fuzz");
    if (rc == 0)
        lp_key_free(k);
    else if (rc != LP_EFORMAT && rc != LP_EPASSPHRASE && rc != LP_ENOMEM)
        abort();
    if (lpi_key_from_b64(&k, ctx, text, size, "fuzz") == 0)
        lp_key_free(k);
    lp_ctx_free(ctx);
    return 0;
}
