/*
 * fuzz_repo.c - the update repository index (lp-repo(5)): lp_repo_parse()
 * and lp_repo_check() on arbitrary bytes.
 * Properties: a parsed index has one text, so formatting it gives back
 * exactly the signed bytes; an index that passes the check (signed by
 * the corpus key below) parses the same way; getters stay in range.
 */
#include "lpi_update.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

/* the key that signed the corpus's good indexes */
static const char trust_text[] =
    "lp-trust 1\nthreshold 1\n"
    "key RWSsH0cZf1wxqM3JCLilDYXN/LQcDxQ6kkTATy/XIFysetUNovPZ1C3i - - "
    "fuzz corpus\n";

static void walk(const lp_repo *r)
{
    for (size_t i = 0; i < r->npkgs; i++) {
        lp_repo_release rel;
        lp_repo_delta d;
        size_t k = 0;

        while (lp_repo_release_get(r, r->pkgs[i].id, k, &rel) == 0) {
            if (strcmp(rel.id, r->pkgs[i].id) != 0 || rel.version == 0)
                abort();
            k++;
        }
        if (k != r->pkgs[i].nrels || k == 0)
            abort();
        for (k = 0; lp_repo_delta_get(r, r->pkgs[i].id, k, &d) == 0; k++)
            if (d.base >= d.target)
                abort();
        if (k != r->pkgs[i].ndeltas)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lp_ctx *ctx;
    lp_repo *r = NULL;
    lp_trust *t = NULL;

    if (lp_ctx_new(&ctx, NULL) < 0)
        return 0;
    if (lp_repo_parse(&r, ctx, data, size, "fuzz") == 0) {
        lpi_buf b;
        const char *sigs;
        size_t signed_len, slen;

        lpi_buf_init(&b, LP_REPO_MAX_INDEX_BYTES);
        if (lpi_repo_split(ctx, (const char *)data, size, &signed_len, &sigs,
                           &slen, "fuzz") < 0 ||
            lpi_repo_format(r, &b) < 0 || b.len != signed_len ||
            memcmp(b.data, data, signed_len) != 0)
            abort();
        lpi_buf_dispose(&b, ctx);
        walk(r);
        lp_repo_free(r);
        r = NULL;
    }
    if (lp_trust_parse(&t, ctx, trust_text, sizeof(trust_text) - 1,
                       "trust") == 0 &&
        lp_repo_check(&r, ctx, data, size, "fuzz", t, NULL, "x", NULL) == 0) {
        walk(r);
        lp_repo_free(r);
    }
    lp_trust_free(t);
    lp_ctx_free(ctx);
    return 0;
}
