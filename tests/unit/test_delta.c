/*
 * test_delta.c - deltas through the public API (lpd(5)): a delta rebuilds
 * the target byte for byte; its summary; the dry runs; the base binding;
 * option checks; and every allocation failing in turn in a make / open /
 * apply cycle: a clean LP_ENOMEM, no leak, nothing left under the
 * output's name, the base untouched; small hostile deltas that take sizes
 * from the base (a huge object as the dictionary, zstd level 22) refused
 * before anything is allocated or written, and what apply allocates never
 * above the memory it reports.
 */
#include "unit.h"
#include "torture.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <sys/stat.h>

#include <sodium.h>

typedef struct fixture {
    char *dir, *base, *target, *delta, *out;
} fixture;

static fixture fx;

/* A release: lesson texts (enough for a package dictionary), pictures
 * (stored as is), and one edit per version */
static void make_release(const char *path, uint64_t version)
{
    lp_writer_opts o = LP_WRITER_OPTS_INIT;
    lp_ctx *ctx;
    lp_writer *w;
    char name[64], text[20000];

    o.created = 1700000000 + (int64_t)version;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_writer_new(&w, ctx, path, &o), 0);
    assert_int_equal(lp_writer_set_identity(w, "org.example.delta", version,
                                            "", "en"), 0);
    for (int i = 0; i < 80; i++) {
        size_t n = 0;
        snprintf(name, sizeof(name), "lessons/%02d.txt", i);
        for (int k = 0; k < 400; k++)
            n += (size_t)snprintf(text + n, sizeof(text) - n,
                                  "Lesson %d line %d: plants need %s.\n", i,
                                  k, (i == 7 && version > 1) ? "sun and rain"
                                  : "water");
        assert_int_equal(lp_writer_add_buffer(w, name, text, n, NULL), 0);
    }
    for (int i = 0; i < 3; i++) {
        unsigned char pic[5000];
        for (size_t k = 0; k < sizeof(pic); k++)
            pic[k] = (unsigned char)((k * 2654435761u + (unsigned)i * 97u +
                                      (i == 2 ? version : 0)) >> 13);
        snprintf(name, sizeof(name), "media/%d.jpg", i);
        assert_int_equal(lp_writer_add_buffer(w, name, pic, sizeof(pic),
                                              "image/jpeg"), 0);
    }
    if (version > 1)
        assert_int_equal(lp_writer_add_buffer(w, "new.txt", "new\n", 4,
                                              NULL), 0);
    assert_int_equal(lp_writer_commit(w), 0);
    lp_writer_free(w);
    lp_ctx_free(ctx);
}

static int setup(void **state)
{
    (void)state;
    fx.dir = unit_tmpdir();
    fx.base = unit_path(fx.dir, "v1.lpk");
    fx.target = unit_path(fx.dir, "v2.lpk");
    fx.delta = unit_path(fx.dir, "d.lpd");
    fx.out = unit_path(fx.dir, "out.lpk");
    make_release(fx.base, 1);
    make_release(fx.target, 2);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unit_rmdir(fx.dir);
    free(fx.base);
    free(fx.target);
    free(fx.delta);
    free(fx.out);
    return 0;
}

static bool exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

/* Nothing in the folder but the fixture's files */
static size_t entries_in_dir(void)
{
    char cmd[4200];
    FILE *p;
    size_t n = 0;
    int c;

    snprintf(cmd, sizeof(cmd), "ls -A '%s'", fx.dir);
    p = popen(cmd, "r");
    assert_non_null(p);
    while ((c = fgetc(p)) != EOF)
        n += c == '\n';
    pclose(p);
    return n;
}

static void test_roundtrip(void **state)
{
    lp_ctx *ctx;
    lp_package *b, *t;
    lp_delta *d;
    lp_delta_info made, dry;
    const lp_delta_info *read;
    lp_apply_result res;
    lp_apply_opts ao = LP_APPLY_OPTS_INIT;
    struct stat st;

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_package_open(&b, ctx, fx.base), 0);
    assert_int_equal(lp_package_open(&t, ctx, fx.target), 0);
    /* a dry run measures the same delta */
    assert_int_equal(lp_delta_create(b, t, NULL, NULL, &dry), 0);
    assert_int_equal(lp_delta_create(b, t, fx.delta, NULL, &made), 0);
    assert_int_equal(stat(fx.delta, &st), 0);
    assert_int_equal((uint64_t)st.st_size, made.delta_size);
    assert_int_equal(dry.delta_size, made.delta_size);
    assert_true(made.delta_size < lp_package_file_size(t) / 10);
    assert_int_equal(made.keep_objects, 81);  /* 79 texts, 2 pictures */
    assert_int_equal(made.patch_objects + made.add_objects, 4);
    assert_int_equal(made.remove_objects, 3);
    assert_int_equal(made.exact, 1);
    assert_int_equal(made.level, LP_DEFAULT_LEVEL);

    assert_int_equal(lp_delta_open(&d, ctx, fx.delta), 0);
    read = lp_delta_get_info(d);
    assert_string_equal(read->base_id, "org.example.delta");
    assert_int_equal(read->base_version, 1);
    assert_int_equal(read->target_version, 2);
    assert_int_equal(read->target_size, lp_package_file_size(t));
    assert_memory_equal(read, &made, sizeof(made));

    /* the dry run writes nothing and says what it needs */
    ao.dry_run = 1;
    assert_int_equal(lp_delta_apply(d, b, fx.out, &ao, &res), 0);
    assert_false(exists(fx.out));
    assert_true(res.disk_needed >= read->target_size);
    /* one figure: what lpack info prints is what apply checks */
    assert_int_equal(res.disk_needed, lp_delta_disk_bytes(read));
    assert_int_equal(lp_delta_disk_bytes(read),
                     read->target_size + read->temp_size);
    assert_true(res.disk_free > 0);
    ao.dry_run = 0;
    assert_int_equal(lp_delta_apply(d, b, fx.out, &ao, &res), 0);
    assert_int_equal(res.identical, 1);
    assert_true(unit_same_file(fx.out, fx.target));
    lp_delta_free(d);
    lp_package_free(b);
    lp_package_free(t);
    lp_ctx_free(ctx);
    unlink(fx.out);
    unlink(fx.delta);
}

static void test_wrong_base(void **state)
{
    lp_ctx *ctx;
    lp_package *b, *t;
    lp_delta *d;

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_package_open(&b, ctx, fx.base), 0);
    assert_int_equal(lp_package_open(&t, ctx, fx.target), 0);
    assert_int_equal(lp_delta_create(b, t, fx.delta, NULL, NULL), 0);
    assert_int_equal(lp_delta_open(&d, ctx, fx.delta), 0);
    /* the target is not the base */
    assert_int_equal(lp_delta_apply(d, t, fx.out, NULL, NULL), LP_EBASE);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "this delta updates "
                           "'org.example.delta' version 1 (manifest "));
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "is 'org.example.delta' "
                           "version 2"));
    assert_false(exists(fx.out));
    lp_delta_free(d);
    lp_package_free(b);
    lp_package_free(t);
    lp_ctx_free(ctx);
    unlink(fx.delta);
}

/* The free disk a delta needs: exact, the new package and the spool; made
 * by another writer, what apply encodes may take its content size again,
 * and headers as this writer writes them; never wrapping around */
static void test_disk_bytes(void **state)
{
    lp_delta_info i;

    (void)state;
    memset(&i, 0, sizeof(i));
    i.target_size = 1000000;
    i.temp_size = 4000;
    i.keep_objects = 7;
    i.patch_objects = 2;
    i.add_objects = 1;
    i.exact = 1;
    assert_int_equal(lp_delta_disk_bytes(&i), 1004000);
    i.exact = 0;
    assert_int_equal(lp_delta_disk_bytes(&i), 1004000 + 4000 + 1024 + 300 * 10);
    i.target_size = UINT64_MAX - 10;
    assert_true(lp_delta_disk_bytes(&i) == UINT64_MAX);
    i.exact = 1;
    assert_true(lp_delta_disk_bytes(&i) == UINT64_MAX);
}

static void test_options(void **state)
{
    lp_delta_opts o = LP_DELTA_OPTS_INIT;
    lp_apply_opts ao = LP_APPLY_OPTS_INIT;
    lp_ctx *ctx;
    lp_package *b, *t;
    lp_delta *d;

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_package_open(&b, ctx, fx.base), 0);
    assert_int_equal(lp_package_open(&t, ctx, fx.target), 0);
    o.version = 99;
    assert_int_equal(lp_delta_create(b, t, fx.delta, &o, NULL), LP_EINVAL);
    o.version = LP_DELTA_OPTS_VERSION;
    o.level = 23;
    assert_int_equal(lp_delta_create(b, t, fx.delta, &o, NULL), LP_EINVAL);
    o.level = 0;
    o.max_window = 1024 * 1024;
    assert_int_equal(lp_delta_create(b, t, fx.delta, &o, NULL), LP_EINVAL);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "4 MiB to 2 GiB"));
    assert_false(exists(fx.delta));
    o.max_window = 4 * 1024 * 1024;
    o.threads = 1;
    assert_int_equal(lp_delta_create(b, t, fx.delta, &o, NULL), 0);
    assert_int_equal(lp_delta_open(&d, ctx, fx.delta), 0);
    ao.version = 0;
    assert_int_equal(lp_delta_apply(d, b, fx.out, &ao, NULL), LP_EINVAL);
    lp_delta_free(d);
    /* not a delta */
    assert_int_equal(lp_delta_open(&d, ctx, fx.base), LP_EFORMAT);
    assert_null(d);
    assert_int_equal(lp_delta_sniff("lpk-delta 1\n", 12), 1);
    assert_int_equal(lp_delta_sniff("PK\3\4", 4), 0);
    assert_int_equal(lp_delta_sniff("lpk-delt", 8), 0);
    lp_package_free(b);
    lp_package_free(t);
    lp_ctx_free(ctx);
    unlink(fx.delta);
}

/* The same delta whatever the window (as long as everything fits) and
 * the thread count */
static void test_window_threads(void **state)
{
    static const uint64_t windows[] = { 16u << 20, 128u << 20, 512u << 20 };
    lp_ctx *ctx;
    lp_package *b, *t;
    char *first = unit_path(fx.dir, "first.lpd");

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_package_open(&b, ctx, fx.base), 0);
    assert_int_equal(lp_package_open(&t, ctx, fx.target), 0);
    for (size_t w = 0; w < sizeof(windows) / sizeof(*windows); w++)
        for (unsigned threads = 1; threads <= 2; threads++) {
            lp_delta_opts o = LP_DELTA_OPTS_INIT;
            o.max_window = windows[w];
            o.threads = threads;
            assert_int_equal(lp_delta_create(b, t, w || threads > 1
                                             ? fx.delta : first, &o, NULL),
                             0);
            if (w || threads > 1) {
                assert_true(unit_same_file(first, fx.delta));
                unlink(fx.delta);
            }
        }
    unlink(first);
    free(first);
    lp_package_free(b);
    lp_package_free(t);
    lp_ctx_free(ctx);
}

static void fill_random(unsigned char *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (unsigned char)(seed >> 16);
    }
}

/* A picture moved, renamed and grown is found by its content, not by the
 * size of a dropped picture: its delta is about the bytes it gained */
static void test_similar_content(void **state)
{
    enum { RIGHT = 90000, GROWN = 100000 };
    unsigned char *right = malloc(GROWN), *decoy = malloc(GROWN);
    char *bp = unit_path(fx.dir, "sim1.lpk"), *tp = unit_path(fx.dir,
                                                             "sim2.lpk");
    lp_writer_opts wo = LP_WRITER_OPTS_INIT;
    lp_delta_info info;
    lp_ctx *ctx;
    lp_writer *w;
    lp_package *b, *t;

    (void)state;
    assert_non_null(right);
    assert_non_null(decoy);
    fill_random(right, GROWN, 1);
    fill_random(decoy, GROWN, 2);
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    for (int v = 1; v <= 2; v++) {
        wo.created = 1700000000 + v;
        assert_int_equal(lp_writer_new(&w, ctx, v == 1 ? bp : tp, &wo), 0);
        assert_int_equal(lp_writer_set_identity(w, "org.example.sim",
                                                (uint64_t)v, "", "en"), 0);
        if (v == 1) {
            assert_int_equal(lp_writer_add_buffer(w, "a/decoy.png", decoy,
                                                  GROWN, "image/png"), 0);
            assert_int_equal(lp_writer_add_buffer(w, "a/right.png", right,
                                                  RIGHT, "image/png"), 0);
        } else {
            assert_int_equal(lp_writer_add_buffer(w, "b/moved.png", right,
                                                  GROWN, "image/png"), 0);
        }
        assert_int_equal(lp_writer_commit(w), 0);
        lp_writer_free(w);
    }
    assert_int_equal(lp_package_open(&b, ctx, bp), 0);
    assert_int_equal(lp_package_open(&t, ctx, tp), 0);
    assert_int_equal(lp_delta_create(b, t, fx.delta, NULL, &info), 0);
    /* the 10000 new bytes, incompressible, and the headers; not 100000 */
    assert_true(info.delta_size < GROWN - RIGHT + 8000);
    assert_int_equal(info.patch_objects, 1);
    lp_package_free(b);
    lp_package_free(t);
    lp_ctx_free(ctx);
    unlink(fx.delta);
    unlink(bp);
    unlink(tp);
    free(bp);
    free(tp);
    free(right);
    free(decoy);
}

/* ------------------------------------------------------------ attacks */

/* An allocator that counts the bytes live and their peak (apply's verifier
 * allocates from a thread of its own: atomics) */
static atomic_ullong meter_live, meter_peak;

static void *meter_malloc(size_t size, void *user)
{
    unsigned char *p;
    void *v;
    unsigned long long now;

    (void)user;
    /* a header of 64 bytes keeps the alignment libsodium's states need */
    if (posix_memalign(&v, 64, size + 64) != 0)
        return NULL;
    p = v;
    memcpy(p, &size, sizeof(size));
    now = atomic_fetch_add(&meter_live, size) + size;
    for (unsigned long long peak = atomic_load(&meter_peak); now > peak &&
         !atomic_compare_exchange_weak(&meter_peak, &peak, now);)
        ;
    return p + 64;
}

static void meter_free(void *ptr, void *user)
{
    size_t size;

    (void)user;
    if (!ptr)
        return;
    memcpy(&size, (unsigned char *)ptr - 64, sizeof(size));
    atomic_fetch_sub(&meter_live, size);
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

static size_t put_var(unsigned char *p, uint64_t v)
{
    size_t n = 0;

    do {
        p[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        p[n++] |= v ? 0x80 : 0;
    } while (v);
    return n;
}

static void hash_hex(char out[65], const void *data, size_t len)
{
    unsigned char h[32];

    crypto_generichash(h, sizeof(h), data, len, NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof(h));
}

/* A delta made from nothing but the base (as tests/cli/mkdelta.py attack):
 * the new release shares all the base's content.  dict: it names the
 * content of the base's entry big as its dictionary (and drops that
 * entry); else it asks for big's object to be compressed again at zstd
 * level 22.  The base: entries with distinct contents, no dictionary. */
static void make_attack(const char *base_path, const char *big, bool dict,
                        const char *out)
{
    lp_ctx *ctx;
    lp_package *b;
    size_t mlen, n = 0, hlen, nent, at;
    const unsigned char *man;
    const char *body;
    char *text, *frame_head, bh[65], th[65], bighash[65] = "";
    unsigned char *meta, *file;
    uint64_t version;

    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_package_open(&b, ctx, base_path), 0);
    man = lp_package_manifest(b, &mlen);
    nent = lp_package_entry_count(b);
    version = lp_package_version(b);
    body = strstr((const char *)man, "\n\n") + 2;
    text = calloc(1, mlen + 200);
    meta = calloc(1, mlen + 200 + 2 * nent);
    assert_non_null(text);
    assert_non_null(meta);
    /* the new manifest: the next version, maybe a dictionary line */
    for (const char *l = (const char *)man; l < body;) {
        const char *e = strchr(l, '\n') + 1;
        if (strncmp(l, "version ", 8) == 0) {
            n += (size_t)sprintf(text + n, "version %llu\n",
                                 (unsigned long long)version + 1);
        } else if (strncmp(l, "entries ", 8) == 0 && dict) {
            for (size_t i = 0; i < nent; i++) {
                lp_entry_info ei;
                assert_int_equal(lp_package_entry(b, i, &ei), 0);
                if (strcmp(ei.path, big) == 0)
                    memcpy(bighash, ei.hash_hex, sizeof(bighash));
            }
            assert_true(bighash[0] != '\0');
            n += (size_t)sprintf(text + n, "dictionary %s\nentries %zu\n",
                                 bighash, nent - 1);
        } else {
            memcpy(text + n, l, (size_t)(e - l));
            n += (size_t)(e - l);
        }
        l = e;
    }
    /* its entries, and the object table: entry index + 1 (0: the
     * dictionary), then each object's form (0 stored, 1 zstd; +128:
     * compress again) */
    at = put_var(meta, 0); /* the manifest's length, set below */
    {
        unsigned char list[16 + 4 * 4096], forms[4096];
        size_t ln = 0, k = 0, kept = 0;
        int64_t prev = -1;

        assert_true(nent < 4096);
        if (dict) {
            prev = 0;
            forms[k++] = 0;
        }
        for (size_t i = 0; i < nent; i++) {
            lp_entry_info ei;
            size_t len;
            const char *line = body;
            assert_int_equal(lp_package_entry(b, i, &ei), 0);
            for (size_t s = 0; s < i; s++)
                line = strchr(line, '\n') + 1;
            len = (size_t)(strchr(line, '\n') + 1 - line);
            if (dict && strcmp(ei.path, big) == 0)
                continue;
            memcpy(text + n, line, len);
            n += len;
            /* zigzag of the step from the one before */
            ln += put_var(list + ln, (uint64_t)(((int64_t)kept + 1 - prev)
                                                * 2));
            prev = (int64_t)kept + 1;
            kept++;
            forms[k++] = (unsigned char)((ei.compressed ? 1 : 0) |
                                         (!dict && strcmp(ei.path, big) == 0
                                          ? 0x80 : 0));
        }
        at = put_var(meta, n);
        memcpy(meta + at, text, n);
        at += n;
        at += put_var(meta + at, 0);           /* signatures */
        at += put_var(meta + at, k);           /* the object table */
        if (dict)
            at += put_var(meta + at, 2);       /* 0, the dictionary */
        memcpy(meta + at, list, ln);
        at += ln;
        memcpy(meta + at, forms, k);
        at += k;
        at += put_var(meta + at, 0);           /* no segments */
    }
    hash_hex(bh, man, mlen);
    hash_hex(th, text, n);
    /* the header, then the meta block as one raw block in a frame */
    frame_head = calloc(1, 4096);
    assert_non_null(frame_head);
    hlen = (size_t)snprintf(frame_head, 4096, "lpk-delta 1\n"
        "base %s %llu %s\ntarget %s %llu %s\nlabel %s\n"
        "target-file 1 %064d\nlevel %d exact\nwindow %zu\ntemp 0\n"
        "keep %zu 0\npatch 0 0\nadd 0 0\nremove 0 0\nrenamed 0\n"
        "segments 0\nmeta %zu\n\n", lp_package_id(b),
        (unsigned long long)version, bh, lp_package_id(b),
        (unsigned long long)version + 1, th, lp_package_label(b), 0,
        dict ? 3 : 22, mlen + at, nent, 4 + 1 + 8 + 3 + at);
    file = calloc(1, hlen + 16 + at + 32);
    assert_non_null(file);
    memcpy(file, frame_head, hlen);
    n = hlen;
    memcpy(file + n, "\x28\xb5\x2f\xfd\xe0", 5); /* single segment, FCS 8 */
    n += 5;
    for (int i = 0; i < 8; i++)
        file[n++] = (unsigned char)((uint64_t)at >> (8 * i));
    file[n++] = (unsigned char)(1 | (at << 3));   /* last raw block */
    file[n++] = (unsigned char)(at >> 5);
    file[n++] = (unsigned char)(at >> 13);
    memcpy(file + n, meta, at);
    n += at;
    crypto_generichash(file + n, 32, file, n, NULL, 0);
    unit_write(out, file, n + 32);
    free(file);
    free(frame_head);
    free(meta);
    free(text);
    lp_package_free(b);
    lp_ctx_free(ctx);
}

/* A base of a few texts and 3 MiB of zeros (a tiny compressed object) */
static char *make_big_base(void)
{
    lp_writer_opts o = LP_WRITER_OPTS_INIT;
    lp_ctx *ctx;
    lp_writer *w;
    char *path = unit_path(fx.dir, "big.lpk");
    unsigned char *zeros = calloc(1, 3u << 20);

    assert_non_null(zeros);
    o.created = 1700000000;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_writer_new(&w, ctx, path, &o), 0);
    assert_int_equal(lp_writer_set_identity(w, "org.example.big", 1, "",
                                            "en"), 0);
    assert_int_equal(lp_writer_add_buffer(w, "a.txt", "plants need water\n",
                                          18, NULL), 0);
    assert_int_equal(lp_writer_add_buffer(w, "zero.bin", zeros, 3u << 20,
                                          NULL), 0);
    assert_int_equal(lp_writer_commit(w), 0);
    lp_writer_free(w);
    lp_ctx_free(ctx);
    free(zeros);
    return path;
}

/* Apply d to the big base with a metered context; the peak of the bytes
 * apply allocated (the delta's and the base's own aside) */
static int apply_metered(const char *base_path, const char *delta,
                         uint64_t max_window, int dry_run,
                         lp_apply_result *res, uint64_t *peak)
{
    lp_apply_opts ao = LP_APPLY_OPTS_INIT;
    lp_ctx *ctx, *bctx;
    lp_package *b;
    lp_delta *d;
    unsigned long long before;
    int rc;

    assert_int_equal(lp_ctx_new(&bctx, NULL), 0);
    assert_int_equal(lp_package_open(&b, bctx, base_path), 0);
    assert_int_equal(lp_ctx_new(&ctx, &meter), 0);
    assert_int_equal(lp_delta_open(&d, ctx, delta), 0);
    ao.max_window = max_window;
    ao.dry_run = dry_run;
    before = atomic_load(&meter_live);
    atomic_store(&meter_peak, before);
    rc = lp_delta_apply(d, b, fx.out, &ao, res);
    *peak = atomic_load(&meter_peak) - before;
    if (rc < 0)
        print_message("# apply: %s\n", lp_ctx_errmsg(ctx));
    lp_delta_free(d);
    lp_ctx_free(ctx);
    lp_package_free(b);
    lp_ctx_free(bctx);
    return rc;
}

/* The dictionary taken from a 3 MiB base object: refused on the object's
 * size, before its bytes are read or anything is written */
static void test_dictionary_from_base(void **state)
{
    char *big = make_big_base(), *delta = unit_path(fx.dir, "dk.lpd");
    size_t files, blen, alen;
    unsigned char *before = unit_read(big, &blen), *after;
    lp_apply_result res;
    uint64_t peak;

    (void)state;
    make_attack(big, "zero.bin", true, delta);
    files = entries_in_dir();
    for (int dry = 0; dry <= 1; dry++) {
        assert_int_equal(apply_metered(big, delta, 4u << 20, dry, &res,
                                       &peak), LP_ETOOBIG);
        assert_true(peak < 1024 * 1024);
        assert_int_equal(entries_in_dir(), files);
    }
    after = unit_read(big, &alen);
    assert_true(alen == blen && memcmp(before, after, blen) == 0);
    free(before);
    free(after);
    unlink(delta);
    unlink(big);
    free(delta);
    free(big);
}

/* zstd level 22 for a 3 MiB object: some 70 MB of zstd workspace, which
 * a 4 MiB window refuses before allocating it; allowed, what apply
 * allocates stays within the memory it reports (and checks) */
static void test_level_from_sender(void **state)
{
    char *big = make_big_base(), *delta = unit_path(fx.dir, "l22.lpd");
    size_t files;
    lp_apply_result res, dry;
    uint64_t peak;

    (void)state;
    make_attack(big, "zero.bin", false, delta);
    files = entries_in_dir();
    assert_int_equal(apply_metered(big, delta, 4u << 20, 1, &res, &peak),
                     LP_ETOOBIG);
    assert_int_equal(apply_metered(big, delta, 4u << 20, 0, &res, &peak),
                     LP_ETOOBIG);
    assert_true(peak < 1024 * 1024);
    assert_int_equal(entries_in_dir(), files);
    assert_int_equal(apply_metered(big, delta, 64u << 20, 1, &dry, &peak),
                     0);
    assert_true(dry.memory > 60u * 1024 * 1024);
    assert_true(dry.memory <= (64u << 20) + LP_APPLY_MEMORY_MARGIN);
    assert_int_equal(apply_metered(big, delta, 64u << 20, 0, &res, &peak),
                     0);
    assert_int_equal(res.memory, dry.memory);
    print_message("# level 22: %llu bytes allocated at most, %llu "
                  "reported\n", (unsigned long long)peak,
                  (unsigned long long)res.memory);
    assert_true(peak <= res.memory);
    assert_true(peak > res.memory / 4); /* the bound is not far off */
    unlink(fx.out);
    unlink(delta);
    unlink(big);
    free(delta);
    free(big);
}

/* A real delta: what apply allocates stays within what it reports */
static void test_memory_reported(void **state)
{
    lp_ctx *ctx;
    lp_package *b, *t;
    lp_apply_result res;
    uint64_t peak;

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_package_open(&b, ctx, fx.base), 0);
    assert_int_equal(lp_package_open(&t, ctx, fx.target), 0);
    assert_int_equal(lp_delta_create(b, t, fx.delta, NULL, NULL), 0);
    lp_package_free(b);
    lp_package_free(t);
    lp_ctx_free(ctx);
    assert_int_equal(apply_metered(fx.base, fx.delta, 4u << 20, 0, &res,
                                   &peak), 0);
    print_message("# real delta: %llu bytes allocated at most, %llu "
                  "reported\n", (unsigned long long)peak,
                  (unsigned long long)res.memory);
    assert_true(peak <= res.memory);
    assert_true(unit_same_file(fx.out, fx.target));
    unlink(fx.out);
    unlink(fx.delta);
}

/* Make, open and apply with the torture allocator */
static int cycle(void)
{
    lp_delta_opts o = LP_DELTA_OPTS_INIT;
    lp_ctx *ctx;
    lp_package *b = NULL, *t = NULL;
    lp_delta *d = NULL;
    int rc;

    o.threads = 1; /* the same allocations in the same order every time */
    o.level = 1;   /* fast: this runs once per allocation */
    unlink(fx.delta);
    unlink(fx.out);
    rc = lp_ctx_new(&ctx, &torture);
    if (rc < 0)
        return rc;
    rc = lp_package_open(&b, ctx, fx.base);
    if (rc == 0)
        rc = lp_package_open(&t, ctx, fx.target);
    if (rc == 0)
        rc = lp_delta_create(b, t, fx.delta, &o, NULL);
    if (rc == 0)
        rc = lp_delta_open(&d, ctx, fx.delta);
    if (rc == 0)
        rc = lp_delta_apply(d, b, fx.out, NULL, NULL);
    lp_delta_free(d);
    lp_package_free(b);
    lp_package_free(t);
    lp_ctx_free(ctx);
    return rc;
}

static void test_every_allocation_failure(void **state)
{
    static unsigned char *before; /* static: a failed check longjmps */
    size_t blen;
    size_t files;
    long total, failures = 0;
    int rc;

    (void)state;
    free(before);
    before = unit_read(fx.base, &blen);
    fail_at = -1;
    nallocs = live = 0;
    assert_int_equal(cycle(), 0);
    assert_int_equal(live, 0);
    assert_true(unit_same_file(fx.out, fx.target));
    total = nallocs;
    assert_true(total > 20);
    unlink(fx.out);
    unlink(fx.delta);
    files = entries_in_dir();
    for (fail_at = 0; fail_at < total; fail_at++) {
        size_t alen;
        unsigned char *after;

        nallocs = live = 0;
        rc = cycle();
        if (rc != 0 && rc != LP_ENOMEM)
            fail_msg("allocation %ld failing gave %d (%s), not LP_ENOMEM",
                     fail_at, rc, lp_strerror(rc));
        if (live != 0)
            fail_msg("allocation %ld failing leaked %ld blocks", fail_at,
                     live);
        if (rc == 0 && !unit_same_file(fx.out, fx.target))
            fail_msg("allocation %ld failing: a different package", fail_at);
        after = unit_read(fx.base, &alen);
        if (alen != blen || memcmp(after, before, blen) != 0)
            fail_msg("allocation %ld failing changed the base", fail_at);
        free(after);
        unlink(fx.out);
        unlink(fx.delta);
        /* no temporary file, no partial output */
        if (entries_in_dir() != files)
            fail_msg("allocation %ld failing left a file behind", fail_at);
        failures += rc != 0;
    }
    assert_true(failures > total * 9 / 10);
    free(before);
    before = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_wrong_base),
        cmocka_unit_test(test_disk_bytes),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_window_threads),
        cmocka_unit_test(test_similar_content),
        cmocka_unit_test(test_dictionary_from_base),
        cmocka_unit_test(test_level_from_sender),
        cmocka_unit_test(test_memory_reported),
        cmocka_unit_test(test_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
