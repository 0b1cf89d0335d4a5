/*
 * fuzz_delta.c - a delta (lpd(5)) from arbitrary bytes, applied to a fixed
 * base package.  Only the public API is used.
 *
 * The base is made once, at the first input, with lp_writer from contents
 * generated here (fixed creation time, one thread: the same bytes every
 * time), into a private temporary folder.  The corpus holds deltas made
 * against it; to make them again (after a change to the writer):
 *
 *   LP_FUZZ_DELTA_SEEDS=DIR tests/fuzz/fuzz_delta tests/fuzz/corpus/delta/r1-r2.lpd
 *
 * A second base holds 48 MiB of zeros (a tiny object compressed): a delta
 * names the base it applies to, and goes to that one.  Its seeds are small
 * deltas that take sizes from it (tests/cli/mkdelta.py attack: its zeros
 * named as the new dictionary; compressed again at zstd level 22); to make
 * them again, LP_FUZZ_DELTA_SEEDS=DIR writes DIR/big.lpk too, then
 *
 *   tests/cli/mkdelta.py attack DIR/big.lpk dict-kept attack-dict-kept.lpd
 *   tests/cli/mkdelta.py attack DIR/big.lpk level-22 attack-level-22.lpd
 *
 * Property: lp_delta_open() and lp_delta_apply() (a dry run, then for
 * real) either fail with an expected code and a message, leaving no output
 * and no temporary file, or succeed with an output that lp_package_verify()
 * accepts.  And apply allocates no more than it may: the context's
 * allocator aborts the run when one allocation, or all that apply holds at
 * once, passes max_window + LP_APPLY_MEMORY_MARGIN (zstd's contexts
 * allocate through it too).
 *
 * A delta ends with a BLAKE2b-256 of everything before it, which
 * lp_delta_open() checks first, so that nearly every mutation would stop
 * there.  So each input is tried as is and, when its last 32 bytes are not
 * that hash, once more with them replaced by it: the mutation then reaches
 * the header, the meta block and the segments.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "lp.h"
#include "fuzz.h"

#include <dirent.h>
#include <ftw.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#define CREATED 1790000000

static char dir[] = "/tmp/lp-fuzz-delta-XXXXXX";
static char base_path[sizeof(dir) + 16], in_path[sizeof(dir) + 16];
static char out_path[sizeof(dir) + 16], big_path[sizeof(dir) + 16];
static lp_ctx *ctx;
static lp_package *base, *big;
static unsigned long runs_ok;

/* What a small hub allows */
#define MAX_WINDOW (8ull << 20)
/* The big base's zeros: more than apply may ever hold */
#define BIG_ZEROS (48u << 20)

/* The context's allocator: counts what is live (the verifier allocates
 * on a thread of its own) and, while armed (during lp_delta_apply()),
 * aborts when one allocation or the bytes live since it was armed pass
 * the limit */
static atomic_ullong live, armed_at;
static atomic_bool armed;

static void over_limit(const char *what, unsigned long long n)
{
    fprintf(stderr, "fuzz_delta: %s of %llu bytes: more than max_window "
            "+ LP_APPLY_MEMORY_MARGIN (%llu)\n", what, n,
            MAX_WINDOW + LP_APPLY_MEMORY_MARGIN);
    abort();
}

static void *meter_malloc(size_t size, void *user)
{
    unsigned char *p;
    void *v;
    unsigned long long now;

    (void)user;
    if (atomic_load(&armed) && size > MAX_WINDOW + LP_APPLY_MEMORY_MARGIN)
        over_limit("an allocation", size);
    /* a header of 64 bytes keeps the alignment libsodium's states need */
    if (posix_memalign(&v, 64, size + 64) != 0)
        return NULL;
    p = v;
    memcpy(p, &size, sizeof(size));
    now = atomic_fetch_add(&live, size) + size;
    if (atomic_load(&armed) && now > atomic_load(&armed_at) &&
        now - atomic_load(&armed_at) > MAX_WINDOW + LP_APPLY_MEMORY_MARGIN)
        over_limit("apply holding allocations", now - atomic_load(&armed_at));
    return p + 64;
}

static void meter_free(void *ptr, void *user)
{
    size_t size;

    (void)user;
    if (!ptr)
        return;
    memcpy(&size, (unsigned char *)ptr - 64, sizeof(size));
    atomic_fetch_sub(&live, size);
    free((unsigned char *)ptr - 64);
}

static void *meter_realloc(void *ptr, size_t size, void *user)
{
    void *q = meter_malloc(size, user);
    size_t old;

    if (q && ptr) {
        memcpy(&old, (unsigned char *)ptr - 64, sizeof(old));
        memcpy(q, ptr, old < size ? old : size);
        meter_free(ptr, user);
    }
    return q;
}

static const lp_allocator meter = { meter_malloc, meter_realloc, meter_free,
                                    NULL };

static int apply_metered(lp_delta *d, lp_package *b, lp_apply_opts *ao,
                         lp_apply_result *res)
{
    int rc;

    atomic_store(&armed_at, atomic_load(&live));
    atomic_store(&armed, true);
    rc = lp_delta_apply(d, b, out_path, ao, res);
    atomic_store(&armed, false);
    return rc;
}

static int rm_one(const char *path, const struct stat *st, int type,
                  struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

static void cleanup(void)
{
    lp_package_free(base);
    lp_package_free(big);
    lp_ctx_free(ctx);
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    if (getenv("LP_FUZZ_VERBOSE"))
        fprintf(stderr, "fuzz_delta: %lu applied\n", runs_ok);
}

/* Pseudo-random bytes, the same everywhere */
static unsigned char next_byte(unsigned long *s)
{
    *s = *s * 6364136223846793005ul + 1442695040888963407ul;
    return (unsigned char)(*s >> 56);
}

static const char *const words[] = {
    "lisaun", "numeru", "sira", "aprende", "matematika", "eskola",
    "livru", "pajina", "ezersisiu", "lian", "tetun", "sala", "aula"
};

/* Release 1 is the base; 2..5 change it in various ways (for the seeds) */
static void build(const char *path, unsigned release)
{
    lp_writer_opts wo = LP_WRITER_OPTS_INIT;
    lp_writer *w;
    unsigned char bin[3000];
    char text[400], name[64];
    unsigned long s = 42;

    wo.created = CREATED;
    wo.threads = 1;
    if (lp_writer_new(&w, ctx, path, &wo) < 0 ||
        lp_writer_set_identity(w, release ? "fuzz.delta" : "fuzz.big",
                               release ? release : 1, "fuzz", "en") < 0)
        abort();
    /* 70 small texts: enough for the writer to train a dictionary */
    for (unsigned i = 0; i < 70; i++) {
        size_t n = 0;
        if (release == 3 && i % 9 == 4)
            continue; /* removed */
        while (n < 200) {
            const char *wd = words[next_byte(&s) % 13];
            n += (size_t)snprintf(text + n, sizeof(text) - n, "%s ", wd);
        }
        if (release == 2 && i % 10 == 3)
            n += (size_t)snprintf(text + n, sizeof(text) - n, "edit %u\n", i);
        snprintf(name, sizeof(name), "%s/lesson%02u.txt",
                 release == 4 && i % 8 == 0 ? "moved" : "text", i);
        if (lp_writer_add_buffer(w, name, text, n, "text/plain") < 0)
            abort();
    }
    for (size_t i = 0; i < sizeof(bin); i++)
        bin[i] = next_byte(&s);
    if (release == 5)
        bin[100] ^= 1;
    if (lp_writer_add_buffer(w, "media/pic.jpg", bin, sizeof(bin),
                             "image/jpeg") < 0)
        abort();
    if (release == 2 || release == 5) {
        for (size_t i = 0; i < sizeof(bin); i++)
            bin[i] = next_byte(&s);
        if (lp_writer_add_buffer(w, "media/new.bin", bin, 1500,
                                 "application/octet-stream") < 0)
            abort();
    }
    if (release == 3 && lp_writer_add_buffer(w, "empty.txt", "", 0,
                                             "text/plain") < 0)
        abort();
    /* release 0: the big base */
    if (release == 0) {
        unsigned char *zeros = calloc(1, BIG_ZEROS);
        if (!zeros || lp_writer_add_buffer(w, "media/zeros.bin", zeros,
                                           BIG_ZEROS, NULL) < 0)
            abort();
        free(zeros);
    }
    if (lp_writer_commit(w) != 0) {
        fprintf(stderr, "fuzz_delta: %s\n", lp_ctx_errmsg(ctx));
        abort();
    }
    lp_writer_free(w);
}

/* LP_FUZZ_DELTA_SEEDS=DIR: write a delta from the base to each other
 * release into DIR, then exit */
static void make_seeds(const char *to)
{
    for (unsigned r = 2; r <= 5; r++) {
        char tpath[sizeof(dir) + 32], dpath[4096];
        lp_delta_opts o = LP_DELTA_OPTS_INIT;
        lp_package *t;

        snprintf(tpath, sizeof(tpath), "%s/r%u.lpk", dir, r);
        snprintf(dpath, sizeof(dpath), "%s/r1-r%u.lpd", to, r);
        build(tpath, r);
        o.threads = 1;
        if (lp_package_open(&t, ctx, tpath) < 0 ||
            lp_delta_create(base, t, dpath, &o, NULL) < 0) {
            fprintf(stderr, "fuzz_delta: %s\n", lp_ctx_errmsg(ctx));
            exit(1);
        }
        lp_package_free(t);
        printf("wrote %s\n", dpath);
    }
    {
        char dpath[4096];
        snprintf(dpath, sizeof(dpath), "cp '%s' '%s/big.lpk'", big_path, to);
        if (system(dpath) != 0)
            exit(1);
        printf("wrote %s/big.lpk\n", to);
    }
    exit(0);
}

static void setup(void)
{
    const char *seeds = getenv("LP_FUZZ_DELTA_SEEDS");

    if (!mkdtemp(dir) || lp_ctx_new(&ctx, &meter) < 0)
        abort();
    snprintf(base_path, sizeof(base_path), "%s/base.lpk", dir);
    snprintf(big_path, sizeof(big_path), "%s/big.lpk", dir);
    snprintf(in_path, sizeof(in_path), "%s/in.lpd", dir);
    snprintf(out_path, sizeof(out_path), "%s/out.lpk", dir);
    build(base_path, 1);
    build(big_path, 0);
    if (lp_package_open(&base, ctx, base_path) < 0 ||
        lp_package_open(&big, ctx, big_path) < 0)
        abort();
    atexit(cleanup);
    if (seeds)
        make_seeds(seeds);
}

/* Nothing in the folder but the base and the input */
static void check_clean(void)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    if (!d)
        abort();
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            strcmp(de->d_name, "base.lpk") == 0 ||
            strcmp(de->d_name, "big.lpk") == 0 ||
            strcmp(de->d_name, "in.lpd") == 0)
            continue;
        fprintf(stderr, "fuzz_delta: left behind: %s\n", de->d_name);
        abort();
    }
    closedir(d);
}

/* A failure of the delta, as documented: a code and a message */
static void check_failure(int rc)
{
    const char *msg = lp_ctx_errmsg(ctx);

    /* a manifest may declare sizes no disk has: refused for the space */
    if (rc == LP_EIO && msg && strstr(msg, "not enough free space"))
        return;
    if (rc != LP_EFORMAT && rc != LP_EVERSION && rc != LP_EHASH &&
        rc != LP_EBASE && rc != LP_ETOOBIG) {
        fprintf(stderr, "fuzz_delta: unexpected code %d: %s\n", rc,
                msg ? msg : "(no message)");
        abort();
    }
    if (!msg || !*msg)
        abort();
    if (getenv("LP_FUZZ_VERBOSE"))
        fprintf(stderr, "fuzz_delta: %s\n", msg);
}

static void one_delta(const uint8_t *data, size_t size)
{
    lp_apply_opts ao = LP_APPLY_OPTS_INIT;
    lp_apply_result res;
    lp_delta *d;
    lp_package *b;
    FILE *f;
    int rc;

    if (!ctx)
        setup();
    f = fopen(in_path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    ao.max_window = MAX_WINDOW;
    rc = lp_delta_open(&d, ctx, in_path);
    if (rc < 0) {
        if (d)
            abort();
        check_failure(rc);
        check_clean();
        return;
    }
    /* the base the delta names */
    b = strcmp(lp_delta_get_info(d)->base_id, "fuzz.big") == 0 ? big : base;
    ao.dry_run = 1;
    rc = apply_metered(d, b, &ao, &res);
    if (rc < 0)
        check_failure(rc);
    check_clean();
    ao.dry_run = 0;
    rc = apply_metered(d, b, &ao, &res);
    lp_delta_free(d);
    if (rc < 0) {
        check_failure(rc);
    } else {
        lp_verify_opts vo = LP_VERIFY_OPTS_INIT;
        lp_package *p;

        vo.threads = 1;
        if (lp_package_open(&p, ctx, out_path) != 0 ||
            lp_package_verify(p, &vo) != 0) {
            fprintf(stderr, "fuzz_delta: applied, but the result fails: "
                    "%s\n", lp_ctx_errmsg(ctx));
            abort();
        }
        lp_package_free(p);
        runs_ok++;
        if (unlink(out_path) != 0)
            abort();
    }
    check_clean();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *fixed;

    one_delta(data, size);
    if (size < LP_HASH_BYTES)
        return 0;
    fixed = malloc(size);
    if (!fixed)
        abort();
    memcpy(fixed, data, size);
    crypto_generichash(fixed + size - LP_HASH_BYTES, LP_HASH_BYTES, fixed,
                       size - LP_HASH_BYTES, NULL, 0);
    if (memcmp(fixed, data, size) != 0)
        one_delta(fixed, size);
    free(fixed);
    return 0;
}
