/*
 * test_progress.c - progress callbacks (lp_progress_fn) through the public
 * API: the writer, verify, delta create, delta apply and the curriculum
 * build report each stage with figures that start at 0, never decrease,
 * never pass their totals and end equal to them, one call at a time; a
 * callback that asks to stop gets LP_ECANCELED and no file is left (an
 * existing one unchanged); option structs of the older versions, without
 * the callback, still work.
 */
#include "unit.h"

#include <stdatomic.h>
#include <stdbool.h>

#define MAX_CALLS 100000

typedef struct recorder {
    lp_progress calls[MAX_CALLS];
    size_t n;
    size_t cancel_at;     /* return 1 from this call on (0: never) */
    atomic_bool inside;   /* a call is running */
    bool overlapped;      /* two calls ran at once */
} recorder;

static recorder rec;

static int record(const lp_progress *p, void *user)
{
    recorder *r = user;

    if (atomic_exchange(&r->inside, true))
        r->overlapped = true;
    if (r->n < MAX_CALLS)
        r->calls[r->n] = *p;
    r->n++;
    atomic_store(&r->inside, false);
    return r->cancel_at && r->n >= r->cancel_at;
}

static void rec_reset(size_t cancel_at)
{
    memset(&rec, 0, sizeof(rec));
    atomic_init(&rec.inside, false);
    rec.cancel_at = cancel_at;
}

/*
 * Check the calls made, stage by stage: the stages are stages (in this
 * order), each starts with nothing done, its figures never decrease and
 * never pass the totals, which stay fixed, and its last call has
 * everything done.  Returns the number of calls of stage i in *counts.
 */
static void check_stages(const lp_stage *stages, size_t nstages,
                         size_t *counts)
{
    size_t at = 0;

    assert_false(rec.overlapped);
    assert_true(rec.n <= MAX_CALLS);
    for (size_t s = 0; s < nstages; s++) {
        const lp_progress *first = &rec.calls[at];
        size_t k = at;

        assert_true(at < rec.n);
        assert_int_equal(first->stage, stages[s]);
        assert_non_null(first->stage_name);
        assert_int_equal(first->items_done, 0);
        assert_int_equal(first->bytes_done, 0);
        for (; k < rec.n && rec.calls[k].stage == stages[s]; k++) {
            const lp_progress *c = &rec.calls[k];
            assert_int_equal(c->items_total, first->items_total);
            assert_int_equal(c->bytes_total, first->bytes_total);
            assert_true(c->items_done <= c->items_total);
            assert_true(c->bytes_done <= c->bytes_total);
            assert_string_equal(c->stage_name, first->stage_name);
            if (k > at) {
                assert_true(c->items_done >= rec.calls[k - 1].items_done);
                assert_true(c->bytes_done >= rec.calls[k - 1].bytes_done);
            }
        }
        assert_true(k - at >= 2); /* a start and an end at least */
        assert_int_equal(rec.calls[k - 1].items_done, first->items_total);
        assert_int_equal(rec.calls[k - 1].bytes_done, first->bytes_total);
        if (counts)
            counts[s] = k - at;
        at = k;
    }
    assert_int_equal(at, rec.n); /* no other stage */
}

typedef struct fixture {
    char *dir, *v1, *v2, *delta, *out;
    uint64_t content;     /* bytes of v2's entries */
    size_t entries;       /* v2's entries */
} fixture;

static fixture fx;

/* Lessons (enough for a package dictionary; some alike: one object for
 * two entries) and a few MiB of pictures, so that work spans many steps.
 * The pictures' bytes look random, as a real JPEG's scan does: the writer
 * stores them as they are (it compresses media only where that pays). */
static void add_content(lp_writer *w, uint64_t version, uint64_t *bytes,
                        size_t *entries)
{
    static unsigned char pic[3u << 20];
    char name[64], text[16000];

    for (int i = 0; i < 100; i++) {
        size_t n = 0;
        for (int k = 0; k < 450; k++)
            n += (size_t)snprintf(text + n, sizeof(text) - n,
                                  "Lesson %d line %d: %s.\n", i % 90, k,
                                  i == 3 && version > 1 ? "edited" : "text");
        snprintf(name, sizeof(name), "lessons/%02d.txt", i);
        assert_int_equal(lp_writer_add_buffer(w, name, text, n, NULL), 0);
        *bytes += n;
        ++*entries;
    }
    for (int i = 0; i < 3; i++) {
        uint64_t x = 0x9e3779b97f4a7c15ull * ((uint64_t)i + 1);
        for (size_t k = 0; k < sizeof(pic); k++) {
            x ^= x << 13; /* xorshift64 */
            x ^= x >> 7;
            x ^= x << 17;
            pic[k] = (unsigned char)(x >> 56);
        }
        for (size_t k = 4096; i == 2 && k < 4196; k++)
            pic[k] ^= (unsigned char)version; /* picture 2 edited */
        snprintf(name, sizeof(name), "media/%d.jpg", i);
        assert_int_equal(lp_writer_add_buffer(w, name, pic, sizeof(pic),
                                              "image/jpeg"), 0);
        *bytes += sizeof(pic);
        ++*entries;
    }
}

/* Write a release at path with opts; returns lp_writer_commit()'s code */
static int write_release(const char *path, uint64_t version,
                         const lp_writer_opts *opts, uint64_t *bytes,
                         size_t *entries)
{
    lp_ctx *ctx;
    lp_writer *w;
    uint64_t b = 0;
    size_t e = 0;
    int rc;

    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_writer_new(&w, ctx, path, opts), 0);
    assert_int_equal(lp_writer_set_identity(w, "org.example.progress",
                                            version, "", "en"), 0);
    add_content(w, version, &b, &e);
    rc = lp_writer_commit(w);
    lp_writer_free(w);
    lp_ctx_free(ctx);
    if (bytes)
        *bytes = b;
    if (entries)
        *entries = e;
    return rc;
}

static int setup(void **state)
{
    lp_writer_opts o = LP_WRITER_OPTS_INIT;

    (void)state;
    fx.dir = unit_tmpdir();
    fx.v1 = unit_path(fx.dir, "v1.lpk");
    fx.v2 = unit_path(fx.dir, "v2.lpk");
    fx.delta = unit_path(fx.dir, "d.lpd");
    fx.out = unit_path(fx.dir, "out.lpk");
    o.created = 1700000000;
    assert_int_equal(write_release(fx.v1, 1, &o, NULL, NULL), 0);
    assert_int_equal(write_release(fx.v2, 2, &o, &fx.content, &fx.entries),
                     0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unit_rmdir(fx.dir);
    free(fx.v1);
    free(fx.v2);
    free(fx.delta);
    free(fx.out);
    return 0;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* ---------------------------------------------------------------- writer */

static void test_writer(void **state)
{
    lp_writer_opts o = LP_WRITER_OPTS_INIT;
    const lp_stage stages[] = { LP_STAGE_COMPRESSING };
    size_t count;
    uint64_t bytes;
    size_t entries;

    (void)state;
    for (unsigned threads = 1; threads <= 4; threads += 3) {
        rec_reset(0);
        o.threads = threads;
        o.progress = record;
        o.progress_user = &rec;
        assert_int_equal(write_release(fx.out, 2, &o, &bytes, &entries), 0);
        check_stages(stages, 1, &count);
        assert_int_equal(rec.calls[0].items_total, entries);
        assert_int_equal(rec.calls[0].bytes_total, bytes);
        assert_string_equal(rec.calls[0].stage_name, "compressing");
        /* several MiB: reported along the way, not only at the ends */
        assert_true(count > 3);
    }
}

static void test_writer_cancel(void **state)
{
    lp_writer_opts o = LP_WRITER_OPTS_INIT;
    size_t before_len, after_len;
    unsigned char *before, *after;

    (void)state;
    /* nothing there: nothing left */
    unlink(fx.out);
    for (size_t at = 1; at <= 3; at++) {
        rec_reset(at);
        o.progress = record;
        o.progress_user = &rec;
        assert_int_equal(write_release(fx.out, 2, &o, NULL, NULL),
                         LP_ECANCELED);
        assert_false(exists(fx.out));
        assert_int_equal(rec.n, at); /* no call after the one that said stop */
    }
    /* a package there: unchanged */
    before = unit_read(fx.v1, &before_len);
    unit_write(fx.out, before, before_len);
    rec_reset(2);
    assert_int_equal(write_release(fx.out, 2, &o, NULL, NULL), LP_ECANCELED);
    after = unit_read(fx.out, &after_len);
    assert_int_equal(after_len, before_len);
    assert_memory_equal(after, before, before_len);
    free(before);
    free(after);
    /* and nothing else in the folder (no temporary file) */
    {
        char cmd[4200];
        snprintf(cmd, sizeof(cmd), "test $(ls -A '%s' | wc -l) -eq 3",
                 fx.dir);
        assert_int_equal(system(cmd), 0);
    }
    unlink(fx.out);
}

/* The first version of lp_writer_opts: the same struct, cut short */
typedef struct writer_opts_v1 {
    unsigned version;
    int level;
    unsigned threads;
    int64_t created;
} writer_opts_v1;

static void test_writer_v1(void **state)
{
    writer_opts_v1 o1 = { 1, 0, 2, 1700000000 };
    lp_writer_opts bad = LP_WRITER_OPTS_INIT;
    lp_ctx *ctx;
    lp_writer *w;

    (void)state;
    assert_int_equal(write_release(fx.out, 2, (const lp_writer_opts *)&o1,
                                   NULL, NULL), 0);
    assert_true(exists(fx.out));
    unlink(fx.out);
    bad.version = LP_WRITER_OPTS_VERSION + 1;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_writer_new(&w, ctx, fx.out, &bad), LP_EINVAL);
    lp_ctx_free(ctx);
}

/* ---------------------------------------------------------------- verify */

static void test_verify(void **state)
{
    lp_verify_opts o = LP_VERIFY_OPTS_INIT;
    const lp_stage stages[] = { LP_STAGE_VERIFYING };
    lp_package *pkg;
    lp_ctx *ctx;
    size_t count;

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_package_open(&pkg, ctx, fx.v2), 0);
    for (unsigned threads = 1; threads <= 4; threads += 3) {
        rec_reset(0);
        o.threads = threads;
        o.progress = record;
        o.progress_user = &rec;
        assert_int_equal(lp_package_verify(pkg, &o), 0);
        check_stages(stages, 1, &count);
        /* every distinct content once (lessons share theirs), but the
         * package dictionary, checked when the package was opened */
        assert_int_equal(rec.calls[0].items_total + 1,
                         lp_package_object_count(pkg));
        assert_true(rec.calls[0].items_total < fx.entries);
        assert_true(rec.calls[0].bytes_total < fx.content);
        assert_true(rec.calls[0].bytes_total > 9u << 20);
        assert_true(count > 3);
    }
    lp_package_free(pkg);
    lp_ctx_free(ctx);
}

static int problems;

static void count_problem(const lp_problem *p, void *user)
{
    (void)p;
    (void)user;
    problems++;
}

static void test_verify_cancel(void **state)
{
    lp_verify_opts o = LP_VERIFY_OPTS_INIT;
    struct {               /* lp_verify_opts version 1 */
        unsigned version, threads;
        lp_problem_fn problem;
        void *user;
    } o1 = { 1, 2, count_problem, NULL };
    lp_package *pkg;
    lp_ctx *ctx;

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_package_open(&pkg, ctx, fx.v2), 0);
    for (size_t at = 1; at <= 3; at++) {
        rec_reset(at);
        problems = 0;
        o.progress = record;
        o.progress_user = &rec;
        o.problem = count_problem;
        assert_int_equal(lp_package_verify(pkg, &o), LP_ECANCELED);
        assert_int_equal(lp_ctx_errcode(ctx), LP_ECANCELED);
        assert_string_equal(lp_strerror(LP_ECANCELED), "canceled");
        assert_int_equal(problems, 0); /* no verdict, so no problem */
    }
    assert_int_equal(lp_package_verify(pkg, (const lp_verify_opts *)&o1), 0);
    lp_package_free(pkg);
    lp_ctx_free(ctx);
}

/* ----------------------------------------------------------------- delta */

/* Calls to cancel at, i = 0..5, of n calls whose second stage starts at
 * call `second` (0-based): the first two, the middle, either side of the
 * second stage's start, the last */
static size_t cancel_point(size_t n, size_t second, size_t i)
{
    const size_t at[] = { 1, 2, n / 2, second, second + 1, n };

    assert_true(n >= 4 && second >= 2 && second < n);
    return at[i];
}

static int make_delta(lp_progress_fn fn, const char *out)
{
    lp_delta_opts o = LP_DELTA_OPTS_INIT;
    lp_package *base, *target;
    lp_ctx *ctx;
    int rc;

    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_package_open(&base, ctx, fx.v1), 0);
    assert_int_equal(lp_package_open(&target, ctx, fx.v2), 0);
    o.level = 3;
    o.progress = fn;
    o.progress_user = &rec;
    rc = lp_delta_create(base, target, out, &o, NULL);
    lp_package_free(target);
    lp_package_free(base);
    lp_ctx_free(ctx);
    return rc;
}

static int apply_delta(lp_progress_fn fn)
{
    lp_apply_opts o = LP_APPLY_OPTS_INIT;
    lp_package *base;
    lp_delta *d;
    lp_ctx *ctx;
    int rc;

    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_package_open(&base, ctx, fx.v1), 0);
    assert_int_equal(lp_delta_open(&d, ctx, fx.delta), 0);
    o.progress = fn;
    o.progress_user = &rec;
    rc = lp_delta_apply(d, base, fx.out, &o, NULL);
    lp_delta_free(d);
    lp_package_free(base);
    lp_ctx_free(ctx);
    return rc;
}

static void test_delta(void **state)
{
    const lp_stage encoding[] = { LP_STAGE_ENCODING };
    const lp_stage applying[] = { LP_STAGE_DECODING, LP_STAGE_WRITING };
    size_t counts[2];
    size_t v2_len, out_len;
    unsigned char *v2, *out;

    (void)state;
    rec_reset(0);
    assert_int_equal(make_delta(record, fx.delta), 0);
    check_stages(encoding, 1, NULL);
    assert_true(rec.calls[0].items_total > 0);
    assert_true(rec.calls[0].bytes_total > 0);

    rec_reset(0);
    assert_int_equal(apply_delta(record), 0);
    check_stages(applying, 2, counts);
    /* writing: every object of the new package, all its bytes but the
     * headers */
    v2 = unit_read(fx.v2, &v2_len);
    out = unit_read(fx.out, &out_len);
    assert_int_equal(out_len, v2_len);
    assert_memory_equal(out, v2, v2_len);
    free(v2);
    free(out);
    assert_true(rec.calls[counts[0]].bytes_total > 9u << 20);
    assert_true(rec.calls[counts[0]].bytes_total < v2_len);
    unlink(fx.out);
}

static void test_delta_cancel(void **state)
{
    size_t calls, first;

    (void)state;
    unlink(fx.delta);
    rec_reset(1);
    assert_int_equal(make_delta(record, fx.delta), LP_ECANCELED);
    assert_false(exists(fx.delta));
    rec_reset(0);
    assert_int_equal(make_delta(record, fx.delta), 0);
    /* at each call of the apply, in turn: never a file */
    rec_reset(0);
    assert_int_equal(apply_delta(record), 0);
    unlink(fx.out);
    calls = rec.n;
    for (first = 0; rec.calls[first].stage == LP_STAGE_DECODING; first++)
        ;
    for (size_t i = 0; i < 6; i++) {
        rec_reset(cancel_point(calls, first, i));
        assert_int_equal(apply_delta(record), LP_ECANCELED);
        assert_false(exists(fx.out));
    }
}

/* ----------------------------------------------------------------- build */

static void build(const char *out, size_t cancel_at, int expect)
{
    lp_build_opts o = LP_BUILD_OPTS_INIT;
    const char *top = getenv("top_srcdir");
    char dir[4096];
    lp_project *proj;
    lp_ctx *ctx;

    snprintf(dir, sizeof(dir), "%s/examples/tetum-math", top ? top : ".");
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_project_open(&proj, ctx, dir, NULL), 0);
    rec_reset(cancel_at);
    o.progress = record;
    o.progress_user = &rec;
    assert_int_equal(lp_project_build(proj, out, &o, NULL, NULL), expect);
    lp_project_free(proj);
    lp_ctx_free(ctx);
}

static void test_build(void **state)
{
    const lp_stage stages[] = { LP_STAGE_COMPILING, LP_STAGE_COMPRESSING };
    size_t counts[2], calls;

    (void)state;
    build(fx.out, 0, 0);
    check_stages(stages, 2, counts);
    assert_true(rec.calls[0].items_total > 0);     /* lessons */
    assert_int_equal(rec.calls[0].bytes_total, 0);
    assert_string_equal(rec.calls[0].stage_name, "compiling");
    unlink(fx.out);
    /* canceled at any call: no package */
    calls = rec.n;
    for (size_t i = 0; i < 6; i++) {
        build(fx.out, cancel_point(calls, counts[0], i), LP_ECANCELED);
        assert_false(exists(fx.out));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_writer_cancel),
        cmocka_unit_test(test_writer_v1),
        cmocka_unit_test(test_verify),
        cmocka_unit_test(test_verify_cancel),
        cmocka_unit_test(test_delta),
        cmocka_unit_test(test_delta_cancel),
        cmocka_unit_test(test_build),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
