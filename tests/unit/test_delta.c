/*
 * test_delta.c - deltas through the public API (lpd(5)): a delta rebuilds
 * the target byte for byte; its summary; the dry runs; the base binding;
 * option checks; and every allocation failing in turn in a make / open /
 * apply cycle: a clean LP_ENOMEM, no leak, nothing left under the
 * output's name, the base untouched.
 */
#include "unit.h"
#include "torture.h"

#include <stdbool.h>
#include <sys/stat.h>

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

static bool same_file(const char *a, const char *b)
{
    size_t na, nb;
    unsigned char *x = unit_read(a, &na), *y = unit_read(b, &nb);
    bool same = na == nb && memcmp(x, y, na) == 0;

    free(x);
    free(y);
    return same;
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
    assert_true(same_file(fx.out, fx.target));
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
    assert_true(same_file(fx.out, fx.target));
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
        if (rc == 0 && !same_file(fx.out, fx.target))
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
        cmocka_unit_test(test_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
