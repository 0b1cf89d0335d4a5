/*
 * cmd_serve.c - lpack serve: the reference hub.  Serves packages to the
 * browsers of a school's phones and its classroom TV over HTTP
 * (lp_server_*, on libmicrohttpd), until SIGINT or SIGTERM.
 */
#include <config.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "lpack/lpack.h"

static const char synopsis[] =
    "lpack serve PKG.lpk... [--listen ADDR:PORT] [--data DIR] [options]";

static void usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "Serve packages over HTTP, for the browsers of phones and "
               "of a classroom TV:\n"
               "a catalog page per language (the browser's "
               "Accept-Language picks one),\n"
               "lesson pages, media straight from the package (Range "
               "requests, every\n"
               "chunk checked against the signed manifest), lessons and "
               "packages to\n"
               "download, and assignment uploads with a teacher page.  A "
               "package replaced\n"
               "on disk (lpack update) is served within a second, without "
               "a restart.  One\n"
               "line per request is logged on stderr.  Stops on SIGINT or "
               "SIGTERM.\n"
               "\n"
               "options:\n"
               "      --listen ADDR:PORT  address to listen on (default "
               "127.0.0.1:8080;\n"
               "                          [ADDR6]:PORT for IPv6; port 0 "
               "picks a free one)\n"
               "      --data DIR          take assignment uploads, stored "
               "in DIR\n"
               "      --quota SIZE        most bytes uploads may take in "
               "DIR (default 1G)\n"
               "      --upload-rate RATE  most bytes/s one upload may send "
               "(default 1M)\n"
               "      --teacher-token-file FILE\n"
               "                          enable /teacher, with the first "
               "line of FILE as\n"
               "                          its password (8 to 256 bytes)\n"
               "      --max-connections N  connections at once (default "
               "256)\n"
               "      --max-per-ip N      connections per client address "
               "(default 32)\n"
               "      --timeout S         close a connection idle for S "
               "seconds (default 20)\n"
               "      --threads N         threads answering requests "
               "(default: one per CPU)\n"
               "      --user NAME         when started as root: drop to "
               "user NAME once\n"
               "                          listening\n"
               "      --allow-root        run as root without --user (not "
               "advised)\n"
               "  -q, --quiet             log no requests, only events\n"
               "  -h, --help              show this help and exit\n",
            synopsis);
}

enum { OPT_LISTEN = 256, OPT_DATA, OPT_QUOTA, OPT_TOKEN, OPT_MAXCONN,
       OPT_PERIP, OPT_TIMEOUT, OPT_THREADS, OPT_USER, OPT_ALLOW_ROOT,
       OPT_RATE };

static const struct option longopts[] = {
    { "listen", required_argument, NULL, OPT_LISTEN },
    { "data", required_argument, NULL, OPT_DATA },
    { "quota", required_argument, NULL, OPT_QUOTA },
    { "upload-rate", required_argument, NULL, OPT_RATE },
    { "teacher-token-file", required_argument, NULL, OPT_TOKEN },
    { "max-connections", required_argument, NULL, OPT_MAXCONN },
    { "max-per-ip", required_argument, NULL, OPT_PERIP },
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { "threads", required_argument, NULL, OPT_THREADS },
    { "user", required_argument, NULL, OPT_USER },
    { "allow-root", no_argument, NULL, OPT_ALLOW_ROOT },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static lp_server *volatile running;

static void on_signal(int sig)
{
    (void)sig;
    lp_server_stop(running);
}

/* Called from the server's threads: one whole line at a time */
static void on_log(const char *line, void *user)
{
    (void)user;
    flockfile(stderr);
    cli_put_text(stderr, line);
    putc_unlocked('\n', stderr);
    funlockfile(stderr);
}

/* The first line of path, without its line end, in sodium memory */
static char *read_token(const char *path)
{
    const char *why;
    char *tok;
    ssize_t n;
    int fd = cli_open_regular(path, &why);

    if (fd < 0) {
        cli_error("cannot open '%s': %s", cli_text(path), why);
        return NULL;
    }
    tok = sodium_init() < 0 ? NULL
        : sodium_malloc(LP_SERVER_MAX_TOKEN_BYTES + 2);
    if (!tok) {
        close(fd);
        cli_error("out of memory");
        return NULL;
    }
    n = read(fd, tok, LP_SERVER_MAX_TOKEN_BYTES + 1);
    close(fd);
    if (n < 0) {
        cli_error("cannot read '%s': %s", cli_text(path), strerror(errno));
        sodium_free(tok);
        return NULL;
    }
    tok[n] = '\0';
    tok[strcspn(tok, "\r\n")] = '\0';
    return tok;
}

static int drop_to(const char *user)
{
    struct passwd *pw = getpwnam(user);

    if (!pw) {
        cli_error("no user '%s'", cli_text(user));
        return -1;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
        setuid(pw->pw_uid) < 0) {
        cli_error("cannot become user '%s': %s", cli_text(user),
                  strerror(errno));
        return -1;
    }
    if (pw->pw_uid == 0 || setuid(0) == 0) {
        cli_error("user '%s' is root, or root could be regained",
                  cli_text(user));
        return -1;
    }
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    lp_server_opts o = LP_SERVER_OPTS_INIT;
    const char *user = NULL, *token_file = NULL;
    char *token = NULL;
    int allow_root = 0, c, rc, status = LP_EXIT_OK;
    cli_seen seen = { { 0 } };
    lp_server *srv = NULL;
    lp_ctx *ctx = NULL;
    uint64_t v;
    struct sigaction sa;

    while ((c = cli_getopt(argc, argv, "qh", longopts, &seen)) != -1) {
        switch (c) {
        case OPT_LISTEN: o.listen = optarg; break;
        case OPT_DATA: o.data_dir = optarg; break;
        case OPT_TOKEN: token_file = optarg; break;
        case OPT_USER: user = optarg; break;
        case OPT_ALLOW_ROOT: allow_root = 1; break;
        case 'q': o.quiet = 1; break;
        case 'h': usage(stdout); return cli_finish_stdout(LP_EXIT_OK);
        case OPT_QUOTA:
            if (cli_opt_size("--quota", optarg, 1, UINT64_MAX / 2,
                             &o.quota) < 0)
                return cli_bad_usage(synopsis);
            break;
        case OPT_RATE:
            if (cli_opt_size("--upload-rate", optarg, 1024, UINT64_MAX / 2,
                             &o.upload_rate) < 0)
                return cli_bad_usage(synopsis);
            break;
        case OPT_MAXCONN: case OPT_PERIP: case OPT_TIMEOUT: case OPT_THREADS:
            if (cli_opt_u64(c == OPT_MAXCONN ? "--max-connections"
                            : c == OPT_PERIP ? "--max-per-ip"
                            : c == OPT_TIMEOUT ? "--timeout" : "--threads",
                            optarg, 1, c == OPT_THREADS ? 64 : 65536,
                            &v) < 0)
                return cli_bad_usage(synopsis);
            if (c == OPT_MAXCONN)
                o.max_connections = (unsigned)v;
            else if (c == OPT_PERIP)
                o.max_per_ip = (unsigned)v;
            else if (c == OPT_TIMEOUT)
                o.timeout = (unsigned)v;
            else
                o.threads = (unsigned)v;
            break;
        default:
            return cli_bad_usage(synopsis);
        }
    }
    if (optind >= argc) {
        cli_error("no package to serve");
        return cli_bad_usage(synopsis);
    }
    if (user && allow_root) {
        cli_error("'--user' and '--allow-root' exclude each other");
        return cli_bad_usage(synopsis);
    }
    if (geteuid() == 0 && !user && !allow_root) {
        cli_error("refusing to serve as root: give '--user NAME' (the hub "
                  "drops to it once listening) or '--allow-root'");
        return LP_EXIT_USAGE;
    }
    if (token_file && !o.data_dir) {
        cli_error("'--teacher-token-file' needs '--data DIR' (the teacher "
                  "page lists its uploads)");
        return cli_bad_usage(synopsis);
    }
    if (token_file) {
        token = read_token(token_file);
        if (!token)
            return LP_EXIT_IO;
        o.teacher_token = token;
    }
    o.log = on_log;
    if (lp_ctx_new(&ctx, NULL) < 0) {
        cli_error("out of memory");
        status = LP_EXIT_IO;
        goto done;
    }
    rc = lp_server_new(&srv, ctx, &o);
    if (token) {
        sodium_free(token);     /* the server keeps a hash only */
        token = NULL;
    }
    if (rc < 0) {
        cli_error("%s", cli_text(cli_lp_msg(ctx, rc)));
        status = rc == LP_EINVAL ? LP_EXIT_USAGE : cli_exit_code(rc);
        goto done;
    }
    for (int i = optind; i < argc; i++) {
        rc = lp_server_add_package(srv, argv[i]);
        if (rc < 0) {
            cli_error("cannot serve '%s': %s", cli_text(argv[i]),
                      cli_text(cli_lp_msg(ctx, rc)));
            /* the same id twice, or a name of the hub's: exit 1, as
             * lpack(1) says */
            status = rc == LP_EEXIST ? LP_EXIT_INVALID
                   : rc == LP_EINVAL ? LP_EXIT_IO : cli_exit_code(rc);
            goto done;
        }
    }
    rc = lp_server_start(srv);
    if (rc < 0) {
        cli_error("%s", cli_text(cli_lp_msg(ctx, rc)));
        status = LP_EXIT_IO;
        goto done;
    }
    if (user && geteuid() == 0 && drop_to(user) < 0) {
        status = LP_EXIT_IO;
        goto done;
    }
    running = srv;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    fprintf(stderr, "%s: serving %d package%s on port %u\n", cli_prefix(),
            argc - optind, argc - optind == 1 ? "" : "s", lp_server_port(srv));
    rc = lp_server_run(srv);
    if (rc < 0) {
        cli_error("%s", cli_text(cli_lp_msg(ctx, rc)));
        status = LP_EXIT_IO;
    }
done:
    running = NULL;
    lp_server_free(srv);
    lp_ctx_free(ctx);
    if (token)
        sodium_free(token);
    return status;
}
