/*
 * test_alloc.c - allocation failure torture: the Nth allocation through a
 * context fails, for every N a whole write/open/read/verify/extract cycle
 * makes.  Each run must fail cleanly with LP_ENOMEM (or succeed when the
 * failing allocation was not needed), and leak nothing: every allocation is
 * counted and must be freed (ASan checks the rest in CI).
 */
#include "unit.h"
#include "torture.h"

/* One full cycle; returns the first error or 0 */
static int cycle(const char *dir, const char *src)
{
    lp_ctx *ctx;
    lp_writer *w = NULL;
    lp_package *p = NULL;
    lp_writer_opts o = LP_WRITER_OPTS_INIT;
    char out[512], ext[512];
    int rc;

    snprintf(out, sizeof(out), "%s/t.lpk", dir);
    snprintf(ext, sizeof(ext), "%s/x-%ld", dir, fail_at);
    rc = lp_ctx_new(&ctx, &torture);
    if (rc < 0)
        return rc;
    o.created = 1764338400;
    o.threads = 2;
    rc = lp_writer_new(&w, ctx, out, &o);
    if (rc == 0)
        rc = lp_writer_set_identity(w, "torture", 1, "label", "en fr");
    if (rc == 0)
        rc = lp_writer_add_tree(w, src);
    if (rc == 0)
        rc = lp_writer_add_buffer(w, "z/mem.txt", "in memory\n", 10, NULL);
    if (rc == 0)
        rc = lp_writer_commit(w);
    lp_writer_free(w);
    if (rc == 0)
        rc = lp_package_open(&p, ctx, out);
    if (rc == 0) {
        lp_entry *e;
        char buf[64];
        size_t n;

        rc = lp_entry_open(&e, p, 0);
        while (rc == 0 && (rc = lp_entry_read(e, buf, sizeof(buf), &n)) == 0
               && n > 0)
            ;
        if (rc == 0 || e)
            lp_entry_free(e);
    }
    if (rc == 0)
        rc = lp_package_verify(p, NULL);
    if (rc == 0)
        rc = lp_package_extract(p, ext);
    lp_package_free(p);
    lp_ctx_free(ctx);
    return rc;
}

static void test_every_allocation_failure(void **state)
{
    char *dir = unit_tmpdir(), *src = unit_path(dir, "src");
    char *sub = unit_path(src, "a"), *f1 = unit_path(src, "a/one.txt");
    char *f2 = unit_path(src, "two.html");
    long total, failures = 0;
    int rc;

    (void)state;
    assert_int_equal(mkdir(src, 0755), 0);
    assert_int_equal(mkdir(sub, 0755), 0);
    for (int i = 0; i < 50; i++) {
        FILE *f = fopen(f1, "a");
        assert_non_null(f);
        fprintf(f, "Lição %d: aprendemos a contar de um a dez.\n", i);
        fclose(f);
    }
    unit_write(f2, "<p>Lisaun</p>\n", 14);

    /* count what a clean cycle allocates */
    fail_at = -1;
    nallocs = live = 0;
    assert_int_equal(cycle(dir, src), 0);
    assert_int_equal(live, 0);
    total = nallocs;
    assert_true(total > 10);

    for (fail_at = 0; fail_at < total; fail_at++) {
        char out[512];

        nallocs = live = 0;
        snprintf(out, sizeof(out), "%s/t.lpk", dir);
        unlink(out);
        rc = cycle(dir, src);
        if (rc != 0 && rc != LP_ENOMEM && rc != LP_EINTERNAL)
            fail_msg("allocation %ld failing gave %d (%s), not LP_ENOMEM",
                     fail_at, rc, lp_strerror(rc));
        if (live != 0)
            fail_msg("allocation %ld failing leaked %ld blocks", fail_at,
                     live);
        failures += rc != 0;
    }
    /* most failures must be noticed (threads may not need every block) */
    assert_true(failures > total / 2);
    free(f1);
    free(f2);
    free(sub);
    free(src);
    unit_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
