/*
 * test_alloc_sign.c - allocation failure torture for the signing path:
 * the Nth allocation through a context fails, for every N that a whole
 * sign / attach / trust / state / rotation cycle makes.  Each run must
 * fail cleanly (LP_ENOMEM, or LP_EINTERNAL where a failed self-check is
 * reported so) or succeed, and leak nothing.
 */
#include "unit.h"
#include "torture.h"

typedef struct fixture {
    char *dir;
    char *pkg_orig, *pkg;        /* an unsigned package, and its copy */
    char *key_pub, *key_sec;     /* an unencrypted key pair */
    char *trust, *trust_orig;    /* current trust file, and its copy */
    char *next;                  /* the trust file to rotate to */
    char *next_sigs;             /* next.minisig */
    char *state;                 /* a state folder */
} fixture;

static void copy(const char *from, const char *to)
{
    size_t len;
    unsigned char *data = unit_read(from, &len);
    unit_write(to, data, len);
    free(data);
}

/* One full cycle; returns the first error or 0 */
static int cycle(const fixture *fx)
{
    lp_trust_opts o = LP_TRUST_OPTS_INIT;
    lp_ctx *ctx;
    lp_key *key = NULL;
    lp_sig *sig = NULL;
    lp_package *p = NULL;
    lp_trust *t = NULL;
    lp_state *st = NULL;
    const unsigned char *m;
    size_t mlen;
    unsigned signers = 0;
    int64_t newest = -1;
    int rc;

    copy(fx->pkg_orig, fx->pkg);
    copy(fx->trust_orig, fx->trust);
    unlink(fx->next_sigs);
    rc = lp_ctx_new(&ctx, &torture);
    if (rc < 0)
        return rc;
    rc = lp_key_load_secret(&key, ctx, fx->key_sec, NULL);
    if (rc == 0)
        rc = lp_package_open(&p, ctx, fx->pkg);
    if (rc == 0) {
        m = lp_package_manifest(p, &mlen);
        rc = lp_sig_sign_manifest(&sig, ctx, key, m, mlen, 1764338400,
                                  "torture");
    }
    if (rc == 0)
        rc = lp_package_add_signature(p, sig, key);
    lp_package_free(p);
    p = NULL;
    if (rc == 0)
        rc = lp_package_open(&p, ctx, fx->pkg);
    if (rc == 0)
        rc = lp_trust_load(&t, ctx, fx->trust);
    if (rc == 0)
        rc = lp_state_open(&st, ctx, fx->state);
    if (rc == 0) {
        o.newest_accepted = lp_state_newest(st);
        rc = lp_package_check_trust(p, t, &o, &signers, &newest);
    }
    if (rc == 0)
        rc = lp_state_check(st, p);
    if (rc == 0)
        rc = lp_package_check_expiry(p, -1, newest);
    if (rc == 0)
        rc = lp_state_record(st, p, newest);
    if (rc == 0)
        rc = lp_trust_sign(ctx, fx->next, key, 1764338400, NULL);
    if (rc == 0)
        rc = lp_trust_update(ctx, fx->trust, fx->next, st, NULL, &signers,
                             NULL);
    lp_state_free(st);
    lp_trust_free(t);
    lp_package_free(p);
    lp_sig_free(sig);
    lp_key_free(key);
    lp_ctx_free(ctx);
    return rc;
}

static void test_every_allocation_failure(void **state)
{
    fixture fx;
    lp_ctx *ctx;
    lp_writer *w;
    lp_key *key;
    char text[512];
    long total, failures = 0;
    int rc;

    (void)state;
    fx.dir = unit_tmpdir();
    fx.pkg_orig = unit_path(fx.dir, "orig.lpk");
    fx.pkg = unit_path(fx.dir, "p.lpk");
    fx.key_pub = unit_path(fx.dir, "k.pub");
    fx.key_sec = unit_path(fx.dir, "k.key");
    fx.trust = unit_path(fx.dir, "hub.trust");
    fx.trust_orig = unit_path(fx.dir, "orig.trust");
    fx.next = unit_path(fx.dir, "next.trust");
    fx.next_sigs = unit_path(fx.dir, "next.trust.minisig");
    fx.state = unit_path(fx.dir, "state");

    /* the fixture, made with the ordinary allocator */
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_key_generate(&key, ctx), 0);
    assert_int_equal(lp_key_save(key, fx.key_pub, fx.key_sec, NULL, 0), 0);
    assert_int_equal(lp_writer_new(&w, ctx, fx.pkg_orig, NULL), 0);
    assert_int_equal(lp_writer_set_identity(w, "org.example.torture", 2,
                                            "", "en"), 0);
    assert_int_equal(lp_writer_set_expiry(w, 253402300799), 0);
    assert_int_equal(lp_writer_add_buffer(w, "a.txt", "lesson\n", 7, NULL),
                     0);
    assert_int_equal(lp_writer_commit(w), 0);
    lp_writer_free(w);
    snprintf(text, sizeof(text), "lp-trust 1\nthreshold 1\nkey %s - - "
             "torture\n", lp_key_base64(key));
    unit_write(fx.trust_orig, text, strlen(text));
    snprintf(text, sizeof(text), "lp-trust 1\nthreshold 1\nkey %s - - "
             "torture, rotated\n", lp_key_base64(key));
    unit_write(fx.next, text, strlen(text));
    lp_key_free(key);
    lp_ctx_free(ctx);

    /* count what a clean cycle allocates */
    fail_at = -1;
    nallocs = live = 0;
    assert_int_equal(cycle(&fx), 0);
    assert_int_equal(live, 0);
    total = nallocs;
    assert_true(total > 10);

    for (fail_at = 0; fail_at < total; fail_at++) {
        char cmd[4200];

        /* a fresh state each time: a record left by an earlier run would
         * change which allocations this one makes */
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx.state);
        assert_int_equal(system(cmd), 0);
        nallocs = live = 0;
        rc = cycle(&fx);
        if (rc != 0 && rc != LP_ENOMEM && rc != LP_EINTERNAL)
            fail_msg("allocation %ld failing gave %d (%s), not LP_ENOMEM",
                     fail_at, rc, lp_strerror(rc));
        if (live != 0)
            fail_msg("allocation %ld failing leaked %ld blocks", fail_at,
                     live);
        if (rc == 0 && getenv("LP_TEST_VERBOSE"))
            fprintf(stderr, "# allocation %ld failing went unnoticed\n",
                    fail_at);
        failures += rc != 0;
    }
    /* a few allocations are optional: a report's message text falls back
     * to a fixed one */
    assert_true(failures > total * 9 / 10);
    free(fx.pkg_orig);
    free(fx.pkg);
    free(fx.key_pub);
    free(fx.key_sec);
    free(fx.trust);
    free(fx.trust_orig);
    free(fx.next);
    free(fx.next_sigs);
    free(fx.state);
    unit_rmdir(fx.dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
