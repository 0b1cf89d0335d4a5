/*
 * test_preview.c - lpc preview's library side: lp_project_build_fd()
 * builds into a memfd the package lp_project_build() writes to a file;
 * lp_server_set_build() serves it with its diagnostics, escaped, on a
 * real socket; preview mode and packages by name exclude each other;
 * every allocation failing in turn gives LP_ENOMEM, never a crash or a
 * leak.
 */
#include "unit.h"
#include "torture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

static char *srcdir_path(const char *rel)
{
    const char *top = getenv("top_srcdir");
    return unit_path(top ? top : ".", rel);
}

/* The example curriculum built into a new memfd */
static int build_example(lp_ctx *ctx)
{
    char *ex = srcdir_path("examples/tetum-math");
    lp_project *p;
    int fd = memfd_create("test", MFD_CLOEXEC);

    assert_true(fd >= 0);
    assert_int_equal(lp_project_open(&p, ctx, ex, NULL), 0);
    assert_int_equal(lp_project_build_fd(p, fd, NULL, NULL, NULL), 0);
    lp_project_free(p);
    free(ex);
    return fd;
}

static void test_build_fd(void **state)
{
    char *ex = srcdir_path("examples/tetum-math"), *dir = unit_tmpdir();
    char *out = unit_path(dir, "x.lpk");
    char h1[LP_HASH_HEX_BYTES + 1], h2[LP_HASH_HEX_BYTES + 1];
    lp_package *a, *b;
    lp_project *p;
    lp_ctx *ctx;
    int fd, pfd[2];

    (void)state;
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    fd = build_example(ctx);
    /* the same package as built to a file */
    assert_int_equal(lp_project_open(&p, ctx, ex, NULL), 0);
    assert_int_equal(lp_project_build(p, out, NULL, NULL, NULL), 0);
    assert_int_equal(lp_package_open_fd(&a, ctx, fd), 0);
    assert_int_equal(lp_package_open(&b, ctx, out), 0);
    lp_package_manifest_hash(a, h1);
    lp_package_manifest_hash(b, h2);
    assert_string_equal(h1, h2);
    lp_package_free(a);
    lp_package_free(b);
    /* built again into the same file: truncated first, still valid */
    assert_int_equal(lp_project_build_fd(p, fd, NULL, NULL, NULL), 0);
    assert_int_equal(lp_package_open_fd(&a, ctx, fd), 0);
    lp_package_free(a);
    /* no descriptor, or not a regular file */
    assert_int_equal(lp_project_build_fd(p, -1, NULL, NULL, NULL),
                     LP_EINVAL);
    assert_int_equal(pipe(pfd), 0);
    assert_int_equal(lp_project_build_fd(p, pfd[1], NULL, NULL, NULL),
                     LP_EIO);
    close(pfd[0]);
    close(pfd[1]);
    lp_project_free(p);
    close(fd);
    lp_ctx_free(ctx);
    unsetenv("SOURCE_DATE_EPOCH");
    unit_rmdir(dir);
    free(out);
    free(ex);
}

/* Two diagnostics with hostile texts: markup, a bidirectional control,
 * a control character */
static const char line1[] = "  duration: <script>alert(1)</script>";
static const lp_diag diags[] = {
    { LP_SEVERITY_ERROR, "bad-number", "p/lessons/a.yaml", 3, 13,
      "'<script>' is not a number", line1, sizeof(line1) - 1 },
    { LP_SEVERITY_WARNING, "x<y>", "p/\xe2\x80\xae" "evil.yaml", 0, 0,
      "a \x01 b & \"c\"", NULL, 0 },
};

/* GET path from 127.0.0.1:port; the whole answer, malloc'd */
static char *http_get(unsigned port, const char *path)
{
    struct sockaddr_in a;
    char req[256], *buf = malloc(1 << 20);
    size_t len = 0;
    ssize_t n;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    assert_true(s >= 0 && buf);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(s, (struct sockaddr *)&a, sizeof(a)), 0);
    snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", path);
    assert_int_equal(write(s, req, strlen(req)), (ssize_t)strlen(req));
    while ((n = read(s, buf + len, (1 << 20) - 1 - len)) > 0)
        len += (size_t)n;
    buf[len] = '\0';
    close(s);
    return buf;
}

static void test_serve(void **state)
{
    lp_server_opts o = LP_SERVER_OPTS_INIT;
    lp_server *srv;
    lp_ctx *ctx;
    char *page;
    int fd, junk;

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    fd = build_example(ctx);
    o.listen = "127.0.0.1:0";
    o.threads = 1;
    assert_int_equal(lp_server_new(&srv, ctx, &o), 0);
    /* preview mode before the first build; then no package by name */
    assert_int_equal(lp_server_set_build(srv, -1, NULL, 0), 0);
    assert_int_equal(lp_server_add_package(srv, "x.lpk"), LP_EINVAL);
    assert_int_equal(lp_server_start(srv), 0);
    page = http_get(lp_server_port(srv), "/_lp/build");
    assert_non_null(strstr(page, "\r\n\r\n0\n"));
    free(page);
    page = http_get(lp_server_port(srv), "/");
    assert_non_null(strstr(page, "first build is under way"));
    free(page);

    /* a build with errors and no package: its diagnostics everywhere */
    assert_int_equal(lp_server_set_build(srv, -1, diags, 2), 0);
    page = http_get(lp_server_port(srv), "/tl.moe.math-primary/tet/");
    assert_non_null(strstr(page, "build 1, 1 error, 1 warning"));
    assert_non_null(strstr(page, "p/lessons/a.yaml:3:13: <b>error:</b> "
                                 "&#39;&lt;script&gt;&#39; is not a number "
                                 "[bad-number]"));
    /* the source line, column 13 marked, the caret under it */
    assert_non_null(strstr(page, "\n  duration: <mark>&lt;</mark>script&gt;"
                                 "alert(1)&lt;/script&gt;\n            ^"));
    assert_null(strstr(page, "<script>alert"));
    /* a bidirectional control and a control character: U+FFFD */
    assert_non_null(strstr(page, "p/\xef\xbf\xbd" "evil.yaml: "));
    assert_non_null(strstr(page, "a \xef\xbf\xbd b &amp; &quot;c&quot; "
                                 "[x&lt;y&gt;]"));
    free(page);

    /* a server of packages by name cannot serve builds */
    {
        lp_server *s2;
        char path[64];

        o.listen = "127.0.0.1:0";
        assert_int_equal(lp_server_new(&s2, ctx, &o), 0);
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        assert_int_equal(lp_server_add_package(s2, path), 0);
        assert_int_equal(lp_server_set_build(s2, -1, NULL, 0), LP_EINVAL);
        lp_server_free(s2);
    }

    /* a good build: the package, with the bar on its pages */
    assert_int_equal(lp_server_set_build(srv, fd, diags + 1, 1), 0);
    close(fd);
    page = http_get(lp_server_port(srv), "/_lp/build");
    assert_non_null(strstr(page, "\r\n\r\n2\n"));
    free(page);
    page = http_get(lp_server_port(srv), "/");
    assert_non_null(strstr(page, "303"));
    assert_non_null(strstr(page, "Location: /tl.moe.math-primary/"));
    free(page);
    page = http_get(lp_server_port(srv), "/tl.moe.math-primary/tet/");
    assert_non_null(strstr(page, "200 OK"));
    assert_non_null(strstr(page, "<body>\n<section id=\"lp-preview\""));
    assert_non_null(strstr(page, "build 2, 0 errors, 1 warning"));
    assert_non_null(strstr(page, "href=\"/tl.moe.math-primary/tet/"
                                 "numbers-01\""));
    free(page);

    /* a file that is not a package: refused, the last one kept */
    junk = memfd_create("junk", MFD_CLOEXEC);
    assert_int_equal(write(junk, "not a zip", 9), 9);
    assert_int_equal(lp_server_set_build(srv, junk, diags, 1), LP_EFORMAT);
    close(junk);
    page = http_get(lp_server_port(srv), "/tl.moe.math-primary/tet/");
    assert_non_null(strstr(page, "build 3, 1 error, 0 warnings; showing "
                                 "build 2"));
    free(page);
    lp_server_free(srv);
    lp_ctx_free(ctx);
}

/* Every allocation of making a server and publishing builds failing in
 * turn: LP_ENOMEM, no crash, no leak */
static int publish(lp_ctx *ctx, int fd)
{
    lp_server_opts o = LP_SERVER_OPTS_INIT;
    lp_server *srv;
    int rc;

    o.listen = "127.0.0.1:0";
    rc = lp_server_new(&srv, ctx, &o);
    if (rc < 0)
        return rc;
    rc = lp_server_set_build(srv, -1, diags, 2);
    if (rc == 0)
        rc = lp_server_set_build(srv, fd, diags, 1);
    if (rc == 0)
        rc = lp_server_set_build(srv, -1, NULL, 0);
    lp_server_free(srv);
    return rc;
}

static void test_alloc(void **state)
{
    lp_ctx *ctx;
    long total;
    int fd;

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    fd = build_example(ctx);
    lp_ctx_free(ctx);
    fail_at = -1;
    nallocs = live = 0;
    assert_int_equal(lp_ctx_new(&ctx, &torture), 0);
    assert_int_equal(publish(ctx, fd), 0);
    lp_ctx_free(ctx);
    assert_int_equal(live, 0);
    total = nallocs;
    for (fail_at = 0; fail_at < total; fail_at++) {
        int rc;

        nallocs = live = 0;
        if (lp_ctx_new(&ctx, &torture) < 0)
            continue;
        rc = publish(ctx, fd);
        if (rc != 0 && rc != LP_ENOMEM)
            fail_msg("allocation %ld failing gave %d", fail_at, rc);
        lp_ctx_free(ctx);
        if (live != 0)
            fail_msg("allocation %ld failing leaked %ld blocks", fail_at,
                     (long)live);
    }
    fail_at = -1;
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_fd),
        cmocka_unit_test(test_serve),
        cmocka_unit_test(test_alloc),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
