/*
 * fuzz_sig.c - minisign signature files (lp_sig_parse) and the trusted
 * comments of package and trust file signatures, on arbitrary bytes.
 * Property: what parses, keeps a canonical text that parses again to the
 * same text, key id and trusted comment.
 */
#include "lpi_sign.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lp_ctx *ctx;
    lp_sig *s, *s2;
    const char *text, *text2;
    size_t len, len2;

    if (lp_ctx_new(&ctx, NULL) < 0)
        return 0;
    if (lp_sig_parse(&s, ctx, data, size, "fuzz") == 0) {
        lpi_sigcomment c;
        lp_key *k = NULL;
        int64_t t;

        text = lp_sig_text(s, &len);
        if (lp_sig_parse(&s2, ctx, text, len, "again") != 0)
            abort();
        text2 = lp_sig_text(s2, &len2);
        if (len != len2 || memcmp(text, text2, len) != 0 ||
            strcmp(lp_sig_key_id(s), lp_sig_key_id(s2)) != 0 ||
            strcmp(lp_sig_trusted_comment(s), lp_sig_trusted_comment(s2)))
            abort();
        if (strlen(lp_sig_key_id(s)) != LP_KEYID_HEX_BYTES)
            abort();
        (void)lpi_sigcomment_parse(&c, ctx, lp_sig_trusted_comment(s));
        /* a trust file signature check runs the comment parser only once
         * the key and global signature pass; with a fresh key they fail
         * first, which must fail cleanly */
        if (lp_key_generate(&k, ctx) == 0) {
            if (lpi_detached_verify(s, k, "trust", data, size, &t) == 0)
                abort();
            lp_key_free(k);
        }
        lp_sig_free(s2);
        lp_sig_free(s);
    }
    lp_ctx_free(ctx);
    return 0;
}
