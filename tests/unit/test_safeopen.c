/*
 * test_safeopen.c - what the library's readers refuse to open: a FIFO or
 * anything else that is not a regular file, refused at once (never waited
 * on), with a message naming the file and what it is; and anything below
 * a project or a tree to pack reached through a symbolic link, at any
 * component.  Each test runs under alarm(): a reader that blocks fails the
 * test instead of hanging.  The link tests run twice: with openat2() and
 * with the walk that replaces it where the kernel lacks it.
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

/* Diagnostics of a check, concatenated */
typedef struct diags {
    char text[8192];
    size_t n;
} diags;

static void collect(const lp_diag *d, void *user)
{
    diags *c = user;
    int k = snprintf(c->text + c->n, sizeof(c->text) - c->n,
                     "%s:%u:%u: %s [%s]\n", d->file ? d->file : "-", d->line,
                     d->col, d->message, d->code);

    if (k > 0 && c->n + (size_t)k < sizeof(c->text))
        c->n += (size_t)k;
}

/* The example project copied to f->dir/p, with sed script applied to
 * file rel and the shell command then run in f->dir */
static void mkproj(fixture *f, const char *rel, const char *sed,
                   const char *then)
{
    const char *top = getenv("top_srcdir");
    char cmd[16384];

    snprintf(cmd, sizeof cmd, "cd '%s' && cp -R '%s/examples/tetum-math' p "
             "&& sed -i '%s' 'p/%s' && %s", f->dir, top ? top : ".", sed, rel,
             then);
    assert_int_equal(system(cmd), 0);
}

/* lp_project_check() and lp_project_build() of f->dir/p both fail with
 * LP_ESOURCE, reporting want; nothing is written */
static void refused_project(fixture *f, const char *want)
{
    char dir[4300], out[4300];
    lp_project *p;
    diags d;

    snprintf(dir, sizeof dir, "%s/p", f->dir);
    snprintf(out, sizeof out, "%s/p.lpk", f->dir);
    assert_int_equal(lp_project_open(&p, f->ctx, dir, NULL), 0);
    for (int build = 0; build <= 1; build++) {
        memset(&d, 0, sizeof d);
        assert_int_equal(build ? lp_project_build(p, out, NULL, collect, &d)
                               : lp_project_check(p, collect, &d),
                         LP_ESOURCE);
        if (!strstr(d.text, want))
            fail_msg("wanted '%s' in:\n%s", want, d.text);
        assert_int_equal(access(out, F_OK), -1);
    }
    lp_project_free(p);
}

static void links_media(void)
{
    fixture f = { 0 };
    char want[8192];

    assert_int_equal(lp_ctx_new(&f.ctx, NULL), 0);
    f.dir = unit_tmpdir();
    /* the case: media/sys -> /etc and ../media/sys/passwd */
    mkproj(&f, "lessons/numbers-01.yaml",
           "s|src: ../media/fatuk-sanulu.png|src: ../media/sys/passwd|",
           "ln -s /etc p/media/sys");
    snprintf(want, sizeof want, "%s/p/lessons/numbers-01.yaml:40:15: "
             "'../media/sys/passwd' goes through the symbolic link "
             "'media/sys' [bad-path]", f.dir);
    refused_project(&f, want);
    lp_ctx_free(f.ctx);
    unit_rmdir(f.dir);
}

static void links_lesson(void)
{
    fixture f = { 0 };
    char want[8192];

    assert_int_equal(lp_ctx_new(&f.ctx, NULL), 0);
    f.dir = unit_tmpdir();
    /* a lesson through ext -> ../outside */
    mkproj(&f, "curriculum.yaml",
           "s|src: lessons/numbers-02.xml|src: ext/numbers-02.xml|",
           "mkdir outside && cp p/lessons/numbers-02.xml outside/ && "
           "ln -s ../outside p/ext");
    snprintf(want, sizeof want, "%s/p/curriculum.yaml:38:34: '%s/p/ext/"
             "numbers-02.xml' goes through the symbolic link '%s/p/ext' "
             "[bad-path]", f.dir, f.dir, f.dir);
    refused_project(&f, want);
    lp_ctx_free(f.ctx);
    unit_rmdir(f.dir);
}

static void test_links_project(void **state)
{
    (void)state;
    links_media();
    links_lesson();
    /* again with the walk that stands in for openat2() */
    assert_int_equal(setenv("LP_TEST_NO_OPENAT2", "1", 1), 0);
    links_media();
    links_lesson();
    unsetenv("LP_TEST_NO_OPENAT2");
}

static void test_links_tree(void **state)
{
    fixture *f = *state;
    char cmd[20000], src[4300], out[4300];
    lp_writer *w;

    snprintf(src, sizeof src, "%s/src", f->dir);
    snprintf(out, sizeof out, "%s/out.lpk", f->dir);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/sub' '%s/outside' && "
             "echo a >'%s/sub/a.txt' && echo secret >'%s/outside/s.txt' && "
             "ln -s ../outside '%s/sub/ext'", src, f->dir, src, f->dir, src);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(lp_writer_new(&w, f->ctx, out, NULL), 0);
    assert_int_equal(lp_writer_add_tree(w, src), LP_EUNSAFE);
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "sub/ext': it is a "
                           "symbolic link"));
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
        cmocka_unit_test_setup_teardown(test_links_project, setup, teardown),
        cmocka_unit_test_setup_teardown(test_links_tree, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
