/*
 * test_cache.c - the build cache's store (liblp/package/cache.c): a hit
 * gives back what was put; a miss, a damaged, cut, swapped or foreign
 * entry gives nothing and is removed; writers on many threads and two
 * handles on one folder never expose a part of an entry; the size limit
 * removes the least recently used entries; every allocation failing in
 * turn gives LP_ENOMEM or a miss, never a crash or a leak.
 */
#include "unit.h"
#include "torture.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/time.h>

#include "lpi_cache.h"

typedef struct fixture {
    lp_ctx *ctx;
    char *dir;
    lpi_cache *c;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    assert_int_equal(lp_ctx_new(&f->ctx, NULL), 0);
    f->dir = unit_tmpdir();
    assert_int_equal(lpi_cache_open(&f->c, f->ctx, f->dir, 0), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    lpi_cache_close(f->c, f->ctx);
    lp_ctx_free(f->ctx);
    unit_rmdir(f->dir);
    free(f);
    return 0;
}

static void key_for(unsigned char key[LPI_CACHE_KEY_BYTES], unsigned n)
{
    lpi_hasher h;

    lpi_ckey_begin(&h, LPI_CACHE_LESSON);
    lpi_ckey_u64(&h, n);
    lpi_ckey_end(&h, key);
}

/* The file of entry (kind, key) */
static char *entry_path(const fixture *f, lpi_cache_kind kind,
                        const unsigned char *key)
{
    char hex[LP_HASH_HEX_BYTES + 1], *p;
    size_t n;

    lpi_hash_hex(hex, key);
    n = strlen(f->dir) + 100;
    p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s/%.2s/%c%s", f->dir, LPI_CACHE_SUBDIR, hex,
             (char)kind, hex + 2);
    return p;
}

static void put(fixture *f, lpi_cache_kind kind, const unsigned char *key,
                const char *text)
{
    lpi_iov iov = { text, strlen(text) };

    assert_int_equal(lpi_cache_put(f->c, f->ctx, kind, key, &iov, 1), 0);
}

/* get: 1 and the text, or 0 */
static int get(fixture *f, lpi_cache_kind kind, const unsigned char *key,
               const char *want)
{
    unsigned char *data = NULL;
    size_t len = 0;
    int rc = lpi_cache_get(f->c, f->ctx, kind, key, 1 << 20, &data, &len);

    assert_true(rc == 0 || rc == 1);
    if (rc == 1) {
        assert_non_null(want);
        assert_int_equal(len, strlen(want));
        assert_memory_equal(data, want, len);
    } else {
        assert_null(data);
    }
    lpi_free(f->ctx, data);
    return rc;
}

static void test_hit_miss(void **state)
{
    fixture *f = *state;
    unsigned char k1[32], k2[32];
    lpi_iov parts[3] = { { "ab", 2 }, { "", 0 }, { "cde", 3 } };
    lpi_cache_stats st;

    key_for(k1, 1);
    key_for(k2, 2);
    assert_int_equal(get(f, LPI_CACHE_LESSON, k1, NULL), 0);
    put(f, LPI_CACHE_LESSON, k1, "first");
    assert_int_equal(get(f, LPI_CACHE_LESSON, k1, "first"), 1);
    /* another key, another kind: misses */
    assert_int_equal(get(f, LPI_CACHE_LESSON, k2, NULL), 0);
    assert_int_equal(get(f, LPI_CACHE_COMPILED, k1, NULL), 0);
    /* replaced whole */
    put(f, LPI_CACHE_LESSON, k1, "second, longer");
    assert_int_equal(get(f, LPI_CACHE_LESSON, k1, "second, longer"), 1);
    /* a payload in parts, and an empty one */
    assert_int_equal(lpi_cache_put(f->c, f->ctx, LPI_CACHE_MEDIA, k2, parts,
                                   3), 0);
    assert_int_equal(get(f, LPI_CACHE_MEDIA, k2, "abcde"), 1);
    put(f, LPI_CACHE_DICT, k2, "");
    assert_int_equal(get(f, LPI_CACHE_DICT, k2, ""), 1);
    lpi_cache_get_stats(f->c, &st);
    assert_int_equal(st.hits, 4);
    assert_int_equal(st.misses, 3);
    assert_int_equal(st.written, 4);
    assert_int_equal(st.damaged, 0);
}

/* Each way of damaging an entry: a miss, and the file is gone */
static void test_damaged(void **state)
{
    fixture *f = *state;
    unsigned char key[32], *data;
    char *path;
    size_t len;
    lpi_cache_stats st;

    key_for(key, 7);
    path = entry_path(f, LPI_CACHE_LESSON, key);
    for (int how = 0; how < 8; how++) {
        put(f, LPI_CACHE_LESSON, key, "payload of the entry");
        data = unit_read(path, &len);
        assert_int_equal(len, LPI_CACHE_HEADER_BYTES + 20);
        switch (how) {
        case 0: data[len - 1] ^= 1; break;              /* payload */
        case 1: data[60] ^= 0x80; break;                /* the hash */
        case 2: data[8] = 'c'; break;                   /* kind */
        case 3: data[20] ^= 1; break;                   /* key */
        case 4: data[48] = 0xff; break;                 /* length */
        case 5: len -= 5; break;                        /* cut */
        case 6: len = 10; break;                        /* no header */
        case 7: data[0] = 'X'; break;                   /* magic */
        }
        unit_write(path, data, len);
        free(data);
        assert_int_equal(get(f, LPI_CACHE_LESSON, key, NULL), 0);
        assert_int_equal(access(path, F_OK), -1);
    }
    /* larger than the caller accepts: a miss */
    put(f, LPI_CACHE_LESSON, key, "payload of the entry");
    data = NULL;
    assert_int_equal(lpi_cache_get(f->c, f->ctx, LPI_CACHE_LESSON, key, 5,
                                   &data, &len), 0);
    assert_null(data);
    /* a link or a FIFO under the name: never followed, never waited on */
    unlink(path);
    assert_int_equal(symlink("/etc/passwd", path), 0);
    assert_int_equal(get(f, LPI_CACHE_LESSON, key, NULL), 0);
    unlink(path);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(get(f, LPI_CACHE_LESSON, key, NULL), 0);
    /* and a good entry is written in its place again */
    put(f, LPI_CACHE_LESSON, key, "again");
    assert_int_equal(get(f, LPI_CACHE_LESSON, key, "again"), 1);
    lpi_cache_get_stats(f->c, &st);
    assert_true(st.damaged >= 8);
    free(path);
}

/* ------------------------------------------------- concurrent writers */

typedef struct worker_arg {
    const char *dir;
    unsigned id;
    int bad;
} worker_arg;

#define ROUNDS 200u
#define KEYS 8u

/* The payload writer w puts under key k in round r: its length and bytes
 * say who wrote it, so a reader can tell a whole entry from a mix */
static size_t payload(unsigned char *buf, unsigned w, unsigned k, unsigned r)
{
    size_t n = 1000 + (w * 131 + k * 17 + r) % 3000;

    buf[0] = (unsigned char)w;
    buf[1] = (unsigned char)k;
    for (size_t i = 2; i < n; i++)
        buf[i] = (unsigned char)(w * 31 + i);
    return n;
}

static void *writer_main(void *p)
{
    worker_arg *a = p;
    static unsigned char buf[4][4096];
    unsigned char *mine = buf[a->id % 4], key[32];
    unsigned char *data;
    lp_ctx *ctx;
    lpi_cache *c;
    size_t len;

    /* a handle of its own: as another process would have */
    if (lp_ctx_new(&ctx, NULL) < 0 ||
        lpi_cache_open(&c, ctx, a->dir, 0) < 0) {
        a->bad = 1;
        return NULL;
    }
    for (unsigned r = 0; r < ROUNDS; r++) {
        unsigned k = (r + a->id) % KEYS;
        lpi_iov iov;

        key_for(key, k);
        iov.data = mine;
        iov.len = payload(mine, a->id, k, r);
        if (lpi_cache_put(c, ctx, LPI_CACHE_OBJECT, key, &iov, 1) != 0)
            a->bad = 1;
        key_for(key, (k + 3) % KEYS);
        if (lpi_cache_get(c, ctx, LPI_CACHE_OBJECT, key, 1 << 20, &data,
                          &len) == 1) {
            /* some writer's whole payload for that key, never a mix */
            if (len < 1000 || len >= 4000 || data[0] >= 4 ||
                data[1] != (k + 3) % KEYS)
                a->bad = 1;
            for (size_t i = 2; i < len && !a->bad; i++)
                if (data[i] != (unsigned char)(data[0] * 31 + i))
                    a->bad = 1;
            lpi_free(ctx, data);
        }
    }
    lpi_cache_close(c, ctx);
    lp_ctx_free(ctx);
    return NULL;
}

static void test_concurrent(void **state)
{
    fixture *f = *state;
    pthread_t t[4];
    worker_arg a[4];
    lpi_cache_stats st;

    for (unsigned i = 0; i < 4; i++) {
        a[i].dir = f->dir;
        a[i].id = i;
        a[i].bad = 0;
        assert_int_equal(pthread_create(&t[i], NULL, writer_main, &a[i]),
                         0);
    }
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(a[i].bad, 0);
    }
    /* every key has a whole entry now, and no temporary file is left */
    for (unsigned k = 0; k < KEYS; k++) {
        unsigned char key[32], *data;
        size_t len;

        key_for(key, k);
        assert_int_equal(lpi_cache_get(f->c, f->ctx, LPI_CACHE_OBJECT, key,
                                       1 << 20, &data, &len), 1);
        assert_int_equal(data[1], k);
        lpi_free(f->ctx, data);
    }
    lpi_cache_get_stats(f->c, &st);
    assert_int_equal(st.damaged, 0);
    {
        char cmd[4200];
        snprintf(cmd, sizeof(cmd), "test -z \"$(find '%s' -name '.tmp-*')\"",
                 f->dir);
        assert_int_equal(system(cmd), 0);
    }
}

/* ---------------------------------------------------------- eviction */

static void set_time(const char *path, time_t t)
{
    struct timespec ts[2] = { { t, 0 }, { t, 0 } };

    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void test_eviction(void **state)
{
    fixture *f = *state;
    unsigned char key[32], big[16384];
    time_t now = time(NULL);
    lpi_cache_stats st;
    int kept = 0;

    /* a fresh handle with a 256 KiB limit, 40 entries of 16 KiB */
    lpi_cache_close(f->c, f->ctx);
    assert_int_equal(lpi_cache_open(&f->c, f->ctx, f->dir, 256 * 1024), 0);
    memset(big, 'x', sizeof(big));
    for (unsigned i = 0; i < 40; i++) {
        lpi_iov iov = { big, sizeof(big) - LPI_CACHE_HEADER_BYTES };
        char *path;

        key_for(key, 100 + i);
        assert_int_equal(lpi_cache_put(f->c, f->ctx, LPI_CACHE_OBJECT, key,
                                       &iov, 1), 0);
        /* entry i was last used i hours ago... */
        path = entry_path(f, LPI_CACHE_OBJECT, key);
        set_time(path, now - 3600 * (time_t)(40 - i));
        free(path);
    }
    /* ... but the oldest two were used just now: a hit refreshes them */
    for (unsigned i = 0; i < 2; i++) {
        unsigned char *data;
        size_t len;

        key_for(key, 100 + i);
        assert_int_equal(lpi_cache_get(f->c, f->ctx, LPI_CACHE_OBJECT, key,
                                       1 << 20, &data, &len), 1);
        lpi_free(f->ctx, data);
    }
    lpi_cache_get_stats(f->c, &st);
    lpi_cache_close(f->c, f->ctx);
    assert_int_equal(lpi_cache_open(&f->c, f->ctx, f->dir, 256 * 1024), 0);
    /* at most three quarters of the limit is left: the newest entries and
     * the two just used; the ones in between are gone */
    for (unsigned i = 0; i < 40; i++) {
        char *path;

        key_for(key, 100 + i);
        path = entry_path(f, LPI_CACHE_OBJECT, key);
        if (access(path, F_OK) == 0) {
            kept++;
            assert_true(i < 2 || i >= 30);
        } else {
            assert_true(i >= 2 && i < 40);
        }
        free(path);
    }
    assert_true(kept >= 2 && kept <= 12);
    {
        unsigned char *data;
        size_t len;
        key_for(key, 100);
        assert_int_equal(lpi_cache_get(f->c, f->ctx, LPI_CACHE_OBJECT, key,
                                       1 << 20, &data, &len), 1);
        lpi_free(f->ctx, data);
        key_for(key, 139);
        assert_int_equal(lpi_cache_get(f->c, f->ctx, LPI_CACHE_OBJECT, key,
                                       1 << 20, &data, &len), 1);
        lpi_free(f->ctx, data);
    }
}

/* --------------------------------------------------- payload codec */

static void test_codec(void **state)
{
    fixture *f = *state;
    lpi_buf b;
    lpi_rd r;
    bool nomem = false;
    char *s;

    lpi_buf_init(&b, 1 << 20);
    assert_int_equal(lpi_wr_u64(&b, f->ctx, UINT64_C(0x0102030405060708)),
                     0);
    assert_int_equal(lpi_wr_u32(&b, f->ctx, 0xdeadbeefu), 0);
    assert_int_equal(lpi_wr_str(&b, f->ctx, "mesa"), 0);
    assert_int_equal(lpi_wr_mem(&b, f->ctx, "a\0b", 3), 0);
    lpi_rd_init(&r, b.data, b.len);
    assert_true(lpi_rd_u64(&r) == UINT64_C(0x0102030405060708));
    assert_int_equal(lpi_rd_u32(&r), 0xdeadbeefu);
    s = lpi_rd_str(&r, f->ctx, 100, &nomem);
    assert_string_equal(s, "mesa");
    lpi_free(f->ctx, s);
    /* a NUL inside is no string */
    assert_null(lpi_rd_str(&r, f->ctx, 100, &nomem));
    assert_true(r.bad);
    assert_false(nomem);
    /* once bad, every read fails */
    assert_int_equal(lpi_rd_u32(&r), 0);
    /* a length past the end, or past max */
    lpi_rd_init(&r, b.data, 12 + 8 + 2);
    (void)lpi_rd_u64(&r);
    (void)lpi_rd_u32(&r);
    assert_null(lpi_rd_str(&r, f->ctx, 100, &nomem));
    lpi_rd_init(&r, b.data + 12, b.len - 12);
    assert_null(lpi_rd_str(&r, f->ctx, 3, &nomem));
    lpi_buf_dispose(&b, f->ctx);
}

static void test_default_dir(void **state)
{
    char buf[256];

    (void)state;
    setenv("XDG_CACHE_HOME", "/var/cache/me", 1);
    assert_int_equal(lp_cache_default_dir(buf, sizeof(buf)), 0);
    assert_string_equal(buf, "/var/cache/me/lp");
    /* a relative XDG_CACHE_HOME is to be ignored (the XDG spec) */
    setenv("XDG_CACHE_HOME", "rel", 1);
    setenv("HOME", "/home/ana", 1);
    assert_int_equal(lp_cache_default_dir(buf, sizeof(buf)), 0);
    assert_string_equal(buf, "/home/ana/.cache/lp");
    assert_int_equal(lp_cache_default_dir(buf, 5), LP_ETOOBIG);
    unsetenv("XDG_CACHE_HOME");
    unsetenv("HOME");
    assert_int_equal(lp_cache_default_dir(buf, sizeof(buf)), LP_ENOTFOUND);
}

/* ------------------------------------------------ allocation failures */

/* open, put, get, get of a damaged entry, close; 0 or LP_ENOMEM */
static int round_trip(const char *dir, lp_ctx *ctx)
{
    unsigned char key[32], *data = NULL;
    lpi_iov iov = { "allocations", 11 };
    lpi_cache *c;
    size_t len;
    int rc;

    rc = lpi_cache_open(&c, ctx, dir, 4096);
    if (rc < 0)
        return rc;
    key_for(key, 1);
    rc = lpi_cache_put(c, ctx, LPI_CACHE_LESSON, key, &iov, 1);
    if (rc == 0)
        rc = lpi_cache_get(c, ctx, LPI_CACHE_LESSON, key, 100, &data, &len);
    if (rc == 1) {
        if (len != 11 || memcmp(data, "allocations", 11) != 0)
            fail_msg("wrong payload");
        lpi_free(ctx, data);
        rc = 0;
    }
    lpi_cache_close(c, ctx); /* evicts: over its 4 KiB */
    return rc;
}

static void test_alloc(void **state)
{
    fixture *f = *state;
    long total;

    fail_at = -1;
    nallocs = live = 0;
    {
        lp_ctx *ctx;
        assert_int_equal(lp_ctx_new(&ctx, &torture), 0);
        assert_int_equal(round_trip(f->dir, ctx), 0);
        lp_ctx_free(ctx);
    }
    assert_int_equal(live, 0);
    total = nallocs;
    for (fail_at = 0; fail_at < total; fail_at++) {
        lp_ctx *ctx;
        int rc;

        nallocs = live = 0;
        if (lp_ctx_new(&ctx, &torture) < 0)
            continue;
        rc = round_trip(f->dir, ctx);
        if (rc != 0 && rc != LP_ENOMEM)
            fail_msg("allocation %ld failing gave %d", fail_at, rc);
        lp_ctx_free(ctx);
        if (live != 0)
            fail_msg("allocation %ld failing leaked %ld blocks", fail_at,
                     (long)live);
    }
    fail_at = -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hit_miss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eviction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec, setup, teardown),
        cmocka_unit_test(test_default_dir),
        cmocka_unit_test_setup_teardown(test_alloc, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
