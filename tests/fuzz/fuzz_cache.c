/*
 * fuzz_cache.c - the build cache's entries (lpc(1), CACHE) are hostile
 * input: arbitrary bytes through both of their readers.
 *  1. as a whole entry file: lpi_cache_get() must find it damaged, or
 *     give back exactly its payload;
 *  2. as a lesson payload (the first byte picks LESSON or COMPILED and
 *     the project's language counts): lpi_lcache_decode() must refuse it
 *     or accept it, and what it accepts encodes back to the same bytes.
 */
#include "lpi_source.h"
#include "fuzz.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/lp-fuzz-cache-XXXXXX";
static char path[sizeof(dir) + 100];
static unsigned char key[LPI_CACHE_KEY_BYTES];

static void cleanup(void)
{
    char cmd[sizeof(dir) + 16];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

/* The cache folder, once: the entry file every input is written to */
static int init(lp_ctx *ctx, lpi_cache **c)
{
    char hex[LP_HASH_HEX_BYTES + 1];
    lpi_hasher h;

    if (!path[0]) {
        if (!mkdtemp(dir))
            abort();
        atexit(cleanup);
        lpi_ckey_begin(&h, LPI_CACHE_LESSON);
        lpi_ckey_end(&h, key);
        lpi_hash_hex(hex, key);
        snprintf(path, sizeof(path), "%s/%s/%.2s", dir, LPI_CACHE_SUBDIR,
                 hex);
        if (lpi_cache_open(c, ctx, dir, 0) < 0)
            abort();
        mkdir(path, 0700);
        snprintf(path, sizeof(path), "%s/%s/%.2s/l%s", dir, LPI_CACHE_SUBDIR,
                 hex, hex + 2);
        return 0;
    }
    return lpi_cache_open(c, ctx, dir, 0);
}

static void as_entry(lp_ctx *ctx, const uint8_t *data, size_t size)
{
    unsigned char *got = NULL;
    lpi_cache *c;
    size_t len = 0;
    FILE *f;
    int rc;

    if (init(ctx, &c) < 0)
        return;
    f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    rc = lpi_cache_get(c, ctx, LPI_CACHE_LESSON, key, LPI_CACHE_MAX_PAYLOAD,
                       &got, &len);
    if (rc == 1 && (size < LPI_CACHE_HEADER_BYTES ||
                    len != size - LPI_CACHE_HEADER_BYTES ||
                    memcmp(got, data + LPI_CACHE_HEADER_BYTES, len) != 0))
        abort();
    lpi_free(ctx, got);
    lpi_cache_close(c, ctx);
}

static void as_payload(lp_ctx *ctx, const uint8_t *data, size_t size)
{
    lpi_cache_kind kind = data[0] & 1 ? LPI_CACHE_COMPILED : LPI_CACHE_LESSON;
    size_t ncov = (data[0] >> 1) & 7, nlangs = 1 + ((data[0] >> 4) & 7);
    lpi_lcache *lc = lpi_lcache_new(ctx);
    lpi_buf b;

    if (!lc)
        return;
    lpi_buf_init(&b, LPI_CACHE_MAX_PAYLOAD);
    if (lpi_lcache_decode(ctx, lc, kind, data + 1, size - 1, ncov,
                          nlangs) == 1) {
        if (lpi_lcache_encode(ctx, lc, kind, &b) != 0 ||
            b.len != size - 1 || memcmp(b.data, data + 1, b.len) != 0)
            abort();
    }
    lpi_buf_dispose(&b, ctx);
    lpi_lcache_dispose(ctx, lc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lp_ctx *ctx;

    if (size == 0 || lp_ctx_new(&ctx, NULL) < 0)
        return 0;
    as_entry(ctx, data, size);
    as_payload(ctx, data, size);
    lp_ctx_free(ctx);
    return 0;
}
