/*
 * test_threads.c - one open package read by 16 threads at once, each with
 * its own context and handle (lp_package_share), as lp.h's "Threads"
 * paragraph allows: ranges (lp_entry_read_at), whole entries, lookups,
 * data offsets and lp_package_verify, on a package none of whose entries
 * was used before (so the checks made on first use race too), and on a
 * damaged one (each thread gets its own error).  Built twice by make check:
 * as test_threads against liblp, and, where the compiler has it, as
 * test_threads_tsan from the library's sources under ThreadSanitizer
 * (tests/cli/tsan.sh), which fails on any data race.  Then one catalog
 * shared the same way: lessons opened, languages matched, and errors
 * (a missing lesson, an oversized header) kept to each thread's context.
 * Last, a package whose manifest is over 1 MiB, which lp_package_open()
 * loads on a second thread: opened by four threads at once, and damaged
 * in the manifest and in the ZIP directory, where the error must be the
 * one the checks' order gives.
 */
#include "unit.h"
#define CATALOG_FIXTURE_NO_BUILD
#include "catalog_fixture.h"

#include <pthread.h>

#define THREADS 16
#define ROUNDS 24
#define LESSONS 120
#define MIB (1024u * 1024u)
#define VIDEO (3u * MIB + 5u)
#define BOOK (2u * MIB + 77u)

static unsigned char *video, *book;

static void lesson_text(int i, char *text, size_t cap, size_t *len)
{
    *len = 0;
    for (int k = 0; k < 40; k++)
        *len += (size_t)snprintf(text + *len, cap - *len, "<p>Lisaun %d, "
                                 "parágrafu %d: ita aprende konta.</p>\n",
                                 i, k);
}

static unsigned char *make_bytes(size_t n, uint32_t seed, int text)
{
    unsigned char *b = malloc(n);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        b[i] = text ? (unsigned char)("aeiou tkmn\n"[(seed >> 20) % 11])
                    : (unsigned char)(seed >> 23);
    }
    return b;
}

static char *write_pkg(lp_ctx *ctx, const char *dir)
{
    lp_writer_opts o = LP_WRITER_OPTS_INIT;
    lp_writer *w;
    char *out = unit_path(dir, "t.lpk");

    o.created = 1764338400;
    o.threads = 2;
    assert_int_equal(lp_writer_new(&w, ctx, out, &o), 0);
    assert_int_equal(lp_writer_set_identity(w, "org.example.threads", 1, "",
                                            "tet"), 0);
    assert_int_equal(lp_writer_add_buffer(w, "video.jpg", video, VIDEO,
                                          NULL), 0);
    assert_int_equal(lp_writer_add_buffer(w, "book.txt", book, BOOK, NULL),
                     0);
    for (int i = 0; i < LESSONS; i++) {
        char path[64], text[8192];
        size_t len;

        snprintf(path, sizeof(path), "lessons/%03d.html", i);
        lesson_text(i, text, sizeof(text), &len);
        assert_int_equal(lp_writer_add_buffer(w, path, text, len, NULL), 0);
    }
    assert_int_equal(lp_writer_commit(w), 0);
    lp_writer_free(w);
    return out;
}

typedef struct worker {
    lp_package *pkg;      /* the shared package; each makes its handle */
    int id;
    int damaged;          /* the package has a bad chunk in video.jpg */
    pthread_t tid;
    int failures;
    char first[600];
} worker;

static void failed(worker *w, const char *what, lp_ctx *ctx)
{
    if (w->failures++ == 0)
        snprintf(w->first, sizeof(w->first), "thread %d: %s: %s", w->id,
                 what, ctx ? lp_ctx_errmsg(ctx) : "");
}

static void *run(void *arg)
{
    worker *w = arg;
    lp_ctx *ctx = NULL;
    lp_package *p = NULL;
    unsigned char *buf = malloc(MIB);
    uint32_t seed = 7u + (uint32_t)w->id * 7919u;
    size_t vi, bi;

    if (!buf || lp_ctx_new(&ctx, NULL) < 0 ||
        lp_package_share(&p, w->pkg, ctx) < 0) {
        failed(w, "setup", ctx);
        goto done;
    }
    if (lp_package_find(p, "video.jpg", &vi) < 0 ||
        lp_package_find(p, "book.txt", &bi) < 0) {
        failed(w, "find", ctx);
        goto done;
    }
    for (int r = 0; r < ROUNDS; r++) {
        int op;
        seed = seed * 1103515245u + 12345u;
        op = (int)((seed >> 16) % 4);
        if (op == 0 || op == 1) {   /* a range of a large entry */
            int is_video = op == 0;
            size_t size = is_video ? VIDEO : BOOK, len, got;
            uint64_t off;
            int rc;

            seed = seed * 1103515245u + 12345u;
            off = (seed >> 8) % size;
            len = (size_t)((seed >> 4) % (300u * 1024u)) + 1;
            rc = lp_entry_read_at(p, is_video ? vi : bi, off, buf, len, &got);
            if (w->damaged && is_video && off + len > 2 * MIB &&
                off < 3 * MIB) {
                /* the bad chunk: refused, with this thread's message */
                if (rc != LP_EHASH || !strstr(lp_ctx_errmsg(ctx), "chunk 2"))
                    failed(w, "damaged chunk not refused", ctx);
                continue;
            }
            if (rc < 0)
                failed(w, "read_at", ctx);
            else if (got != (off + len > size ? size - off : len) ||
                     memcmp(buf, (is_video ? video : book) + off, got) != 0)
                failed(w, "read_at gave other bytes", NULL);
        } else if (op == 2) {       /* a whole lesson, streamed */
            char path[64], want[8192];
            size_t i, len, total = 0, got;
            lp_entry *e;
            int k = (int)((seed >> 8) % LESSONS);

            snprintf(path, sizeof(path), "lessons/%03d.html", k);
            lesson_text(k, want, sizeof(want), &len);
            if (lp_package_find(p, path, &i) < 0 ||
                lp_entry_open(&e, p, i) < 0) {
                failed(w, "lesson", ctx);
                continue;
            }
            while (lp_entry_read(e, buf + total, MIB - total, &got) == 0 &&
                   got > 0)
                total += got;
            lp_entry_free(e);
            if (total != len || memcmp(buf, want, len) != 0)
                failed(w, "lesson gave other bytes", ctx);
        } else {                    /* where the video lies, a lookup */
            uint64_t off;
            size_t i;

            if (lp_entry_data_offset(p, vi, &off) < 0 || off == 0)
                failed(w, "data offset", ctx);
            if (lp_package_find(p, "nope", &i) != LP_ENOTFOUND ||
                !strstr(lp_ctx_errmsg(ctx), "nope"))
                failed(w, "find error", ctx);
        }
    }
    if (w->id < 4) {                /* and whole verifications meanwhile */
        lp_verify_opts o = LP_VERIFY_OPTS_INIT;
        int rc;

        o.threads = 2;
        rc = lp_package_verify(p, &o);
        if (rc != (w->damaged ? LP_EHASH : 0))
            failed(w, "verify", ctx);
    }
done:
    lp_package_free(p);
    lp_ctx_free(ctx);
    free(buf);
    return NULL;
}

static void read_together(lp_package *pkg, int damaged)
{
    worker w[THREADS];

    memset(w, 0, sizeof(w));
    for (int t = 0; t < THREADS; t++) {
        w[t].pkg = pkg;
        w[t].id = t;
        w[t].damaged = damaged;
        assert_int_equal(pthread_create(&w[t].tid, NULL, run, &w[t]), 0);
    }
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_join(w[t].tid, NULL), 0);
    for (int t = 0; t < THREADS; t++)
        if (w[t].failures)
            fail_msg("%d failures; the first: %s", w[t].failures, w[t].first);
}

static void test_sixteen_readers(void **state)
{
    lp_ctx *ctx;
    char *dir = unit_tmpdir(), *path, *bad = unit_path(dir, "bad.lpk");
    lp_package *p;
    unsigned char *data;
    size_t len, vi;
    uint64_t off;

    (void)state;
    video = make_bytes(VIDEO, 1, 0);
    book = make_bytes(BOOK, 2, 1);
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    path = write_pkg(ctx, dir);

    /* nothing read before the threads start */
    assert_int_equal(lp_package_open(&p, ctx, path), 0);
    read_together(p, 0);
    lp_package_free(p);

    /* one byte off in the video's third chunk */
    assert_int_equal(lp_package_open(&p, ctx, path), 0);
    assert_int_equal(lp_package_find(p, "video.jpg", &vi), 0);
    assert_int_equal(lp_entry_data_offset(p, vi, &off), 0);
    lp_package_free(p);
    data = unit_read(path, &len);
    data[off + 2 * MIB + 4096] ^= 0x20;
    unit_write(bad, data, len);
    free(data);
    assert_int_equal(lp_package_open(&p, ctx, bad), 0);
    read_together(p, 1);
    lp_package_free(p);

    lp_ctx_free(ctx);
    free(video);
    free(book);
    free(bad);
    free(path);
    unit_rmdir(dir);
}

/* ---------------------------------------------------- one catalog */

typedef struct cworker {
    const lp_catalog *cat;
    int id;
    pthread_t tid;
    int failures;
    char first[600];
} cworker;

static void cfailed(cworker *w, const char *what, lp_ctx *ctx)
{
    if (w->failures++ == 0)
        snprintf(w->first, sizeof(w->first), "thread %d: %s: %s", w->id,
                 what, ctx ? lp_ctx_errmsg(ctx) : "");
}

static void *run_catalog(void *arg)
{
    static const char *const ids[] = { "a-first", "b-second" };
    static const char *const langs[] = { "ar", "tet", "pt" };
    static const char *const accepts[] = {
        "pt-BR,pt;q=0.9,en;q=0.5", "tet-TL", "ar-EG", "ja", "de;q=0.2"
    };
    cworker *w = arg;
    lp_ctx *ctx = NULL;
    char *big = malloc(LP_MAX_ACCEPT_BYTES + 2);

    if (!big || lp_ctx_new(&ctx, NULL) < 0) {
        cfailed(w, "setup", ctx);
        goto done;
    }
    memset(big, 'a', LP_MAX_ACCEPT_BYTES + 1);
    big[LP_MAX_ACCEPT_BYTES + 1] = '\0';
    for (int r = 0; r < ROUNDS * 4; r++) {
        int k = (w->id + r) % 6;
        const char *lang = NULL, *id = k == 5 ? "nope" : ids[k % 2];
        lp_lesson *l = NULL;
        int rc;

        rc = lp_catalog_match_accept(w->cat, accepts[r % 5], &lang);
        if (rc < 0 && rc != LP_ENOTFOUND)
            cfailed(w, "match", NULL);
        if (lp_catalog_match_accept(w->cat, big, &lang) != LP_ETOOBIG)
            cfailed(w, "oversized header not refused", NULL);
        rc = lp_lesson_open(&l, ctx, w->cat, id, langs[(w->id + r) % 3]);
        if (k == 5) {
            /* this thread's error, in this thread's context */
            if (rc != LP_ENOTFOUND || !strstr(lp_ctx_errmsg(ctx), "nope"))
                cfailed(w, "missing lesson not refused", ctx);
        } else if (rc < 0) {
            cfailed(w, "lesson", ctx);
        } else if (strcmp(lp_lesson_id(l), id) != 0 ||
                   lp_lesson_need_count(l) == 0) {
            cfailed(w, "lesson has other content", NULL);
        }
        lp_lesson_free(l);
    }
done:
    lp_ctx_free(ctx);
    free(big);
    return NULL;
}

static void test_sixteen_on_one_catalog(void **state)
{
    char *dir = unit_tmpdir(), *path = unit_path(dir, "rt.lpk");
    cworker w[THREADS];
    opened o;

    (void)state;
    build_fixture(path, true);
    open_pkg(&o, path);
    memset(w, 0, sizeof(w));
    for (int t = 0; t < THREADS; t++) {
        w[t].cat = o.cat;
        w[t].id = t;
        assert_int_equal(pthread_create(&w[t].tid, NULL, run_catalog, &w[t]),
                         0);
    }
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_join(w[t].tid, NULL), 0);
    for (int t = 0; t < THREADS; t++)
        if (w[t].failures)
            fail_msg("%d failures; the first: %s", w[t].failures, w[t].first);
    /* and the catalog's own context was left alone */
    assert_string_equal(lp_ctx_errmsg(o.ctx), "");
    close_pkg(&o);
    free(path);
    unit_rmdir(dir);
}

/* Over 1 MiB of manifest: the open loads it on a second thread */
#define MANY 12000

static char *write_many(lp_ctx *ctx, const char *dir)
{
    lp_writer_opts o = LP_WRITER_OPTS_INIT;
    lp_writer *w;
    char *out = unit_path(dir, "many.lpk");

    o.created = 1764338400;
    assert_int_equal(lp_writer_new(&w, ctx, out, &o), 0);
    assert_int_equal(lp_writer_set_identity(w, "org.example.many", 1, "",
                                            "tet"), 0);
    for (int i = 0; i < MANY; i++) {
        char path[64], text[32];

        snprintf(path, sizeof(path), "lessons/unit-%02d/lesson-%05d.html",
                 i / 500, i);
        snprintf(text, sizeof(text), "<p>%d</p>", i);
        assert_int_equal(lp_writer_add_buffer(w, path, text, strlen(text),
                                              NULL), 0);
    }
    assert_int_equal(lp_writer_commit(w), 0);
    lp_writer_free(w);
    return out;
}

typedef struct opener {
    const char *path;
    pthread_t tid;
    char failure[600];
} opener;

static void *open_many(void *arg)
{
    opener *op = arg;
    lp_ctx *ctx = NULL;
    lp_package *p = NULL;
    unsigned char buf[32];
    size_t i, got;

    if (lp_ctx_new(&ctx, NULL) < 0 || lp_package_open(&p, ctx, op->path) < 0)
        snprintf(op->failure, sizeof(op->failure), "open: %s",
                 ctx ? lp_ctx_errmsg(ctx) : "no context");
    else if (lp_package_entry_count(p) != MANY)
        snprintf(op->failure, sizeof(op->failure), "%zu entries",
                 lp_package_entry_count(p));
    else if (lp_package_find(p, "lessons/unit-13/lesson-06789.html", &i) < 0
             || lp_entry_read_at(p, i, 0, buf, sizeof(buf), &got) < 0)
        snprintf(op->failure, sizeof(op->failure), "read: %s",
                 lp_ctx_errmsg(ctx));
    else if (got != 11 || memcmp(buf, "<p>6789</p>", 11) != 0)
        snprintf(op->failure, sizeof(op->failure), "other bytes");
    lp_package_free(p);
    lp_ctx_free(ctx);
    return NULL;
}

/* The last place where needle starts in hay, or NULL */
static unsigned char *last_of(unsigned char *hay, size_t len,
                              const char *needle)
{
    size_t n = strlen(needle);

    for (size_t i = len >= n ? len - n + 1 : 0; i-- > 0;)
        if (memcmp(hay + i, needle, n) == 0)
            return hay + i;
    return NULL;
}

static void test_large_open(void **state)
{
    char *dir = unit_tmpdir(), *path, *bad = unit_path(dir, "bad.lpk");
    opener op[4];
    lp_ctx *ctx;
    lp_package *p;
    unsigned char *data, *at;
    size_t len, mlen;

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    path = write_many(ctx, dir);
    assert_int_equal(lp_package_open(&p, ctx, path), 0);
    assert_non_null(lp_package_manifest(p, &mlen));
    assert_true(mlen > 1024 * 1024);
    lp_package_free(p);

    memset(op, 0, sizeof(op));
    for (int t = 0; t < 4; t++) {
        op[t].path = path;
        assert_int_equal(pthread_create(&op[t].tid, NULL, open_many, &op[t]),
                         0);
    }
    for (int t = 0; t < 4; t++) {
        assert_int_equal(pthread_join(op[t].tid, NULL), 0);
        if (op[t].failure[0])
            fail_msg("thread %d: %s", t, op[t].failure);
    }

    /* a byte of the manifest changed: its CRC-32 fails, on the second
     * thread, and the error comes back whole */
    data = unit_read(path, &len);
    at = last_of(data, len / 2, "lesson-00042.html");
    assert_non_null(at);
    at[8] ^= 0x01;
    unit_write(bad, data, len);
    assert_int_equal(lp_package_open(&p, ctx, bad), LP_EFORMAT);
    assert_null(p);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "CRC-32"));
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "bad.lpk"));

    /* and an object's name spoilt in the ZIP directory too: that check
     * comes first, so its error is the one reported */
    at = last_of(data, len, "objects/");
    assert_non_null(at);
    at[strlen("objects/")] = 'G';
    unit_write(bad, data, len);
    assert_int_equal(lp_package_open(&p, ctx, bad), LP_EFORMAT);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "bad object name"));

    free(data);
    lp_ctx_free(ctx);
    free(bad);
    free(path);
    unit_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sixteen_readers),
        cmocka_unit_test(test_sixteen_on_one_catalog),
        cmocka_unit_test(test_large_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
