/*
 * test_safeopen.c - what the library's readers refuse to open: a FIFO or
 * anything else that is not a regular file, refused at once (never waited
 * on), with a message naming the file and what it is.  Each test runs
 * under alarm(): a reader that blocks fails the test instead of hanging.
 */
#include "unit.h"

#include <signal.h>

typedef struct fixture {
    lp_ctx *ctx;
    char *dir;
    char fifo[4200];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    assert_int_equal(lp_ctx_new(&f->ctx, NULL), 0);
    f->dir = unit_tmpdir();
    snprintf(f->fifo, sizeof f->fifo, "%s/fifo", f->dir);
    assert_int_equal(mkfifo(f->fifo, 0600), 0);
    alarm(10);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    alarm(0);
    lp_ctx_free(f->ctx);
    unit_rmdir(f->dir);
    free(f);
    return 0;
}

/* rc is LP_EIO and the message names the FIFO as one */
static void refused(fixture *f, int rc)
{
    assert_int_equal(rc, LP_EIO);
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx), f->fifo));
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "is a FIFO"));
}

static void test_fifo_package(void **state)
{
    fixture *f = *state;
    lp_package *p = NULL;

    refused(f, lp_package_open(&p, f->ctx, f->fifo));
    assert_null(p);
}

static void test_fifo_delta(void **state)
{
    fixture *f = *state;
    lp_delta *d = NULL;

    refused(f, lp_delta_open(&d, f->ctx, f->fifo));
    assert_null(d);
}

static void test_fifo_keys_sigs_trust(void **state)
{
    fixture *f = *state;
    lp_key *k = NULL;
    lp_sig *s = NULL;
    lp_trust *t = NULL;

    refused(f, lp_key_load_public(&k, f->ctx, f->fifo));
    refused(f, lp_key_load_secret(&k, f->ctx, f->fifo, NULL));
    refused(f, lp_key_secret_encrypted(f->ctx, f->fifo));
    refused(f, lp_sig_load(&s, f->ctx, f->fifo));
    refused(f, lp_trust_load(&t, f->ctx, f->fifo));
    assert_null(k);
    assert_null(s);
    assert_null(t);
}

static void test_fifo_state(void **state)
{
    fixture *f = *state;
    char dir[4300], file[4400];
    lp_state *st = NULL;

    snprintf(dir, sizeof dir, "%s/state", f->dir);
    snprintf(file, sizeof file, "%s/org.example.math.state", dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(mkfifo(file, 0600), 0);
    assert_int_equal(lp_state_open(&st, f->ctx, dir), LP_EIO);
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx), file));
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "is a FIFO"));
    assert_null(st);
}

static void test_fifo_writer(void **state)
{
    fixture *f = *state;
    char out[4300];
    lp_writer *w;

    snprintf(out, sizeof out, "%s/out.lpk", f->dir);
    assert_int_equal(lp_writer_new(&w, f->ctx, out, NULL), 0);
    assert_int_equal(lp_writer_add_file(w, "a.txt", f->fifo, NULL),
                     LP_EUNSAFE);
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx), f->fifo));
    lp_writer_free(w);
    assert_int_equal(access(out, F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fifo_package, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_delta, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_keys_sigs_trust, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fifo_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_writer, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
