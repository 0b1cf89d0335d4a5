/*
 * cmd_preview.c - lpc preview: build a curriculum in memory, serve it as
 * lpack serve does, and build it again whenever one of its files changes.
 *
 * Each build goes into an anonymous memfd (lp_project_build_fd()), is
 * sealed, and is handed to the server (lp_server_set_build()), which
 * swaps it in with the build's diagnostics; nothing is written under a
 * name but the build cache.  Changes are seen with inotify on every folder
 * of the project or, when inotify cannot be used (no more instances or
 * watches), by looking at the times and sizes of its entries twice a
 * second.  A burst of changes (an editor's save) makes one build: the
 * build starts once the project has been quiet for QUIET_MS, or QUIET_MAX_MS
 * after the first change.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "lpc/lpc.h"

#define QUIET_MS 100
#define QUIET_MAX_MS 1000
#define POLL_MS 500
/* Folders below the project watched or polled, and how deep: a project
 * with more is watched in part (and says so) */
#define MAX_DIRS 4096
#define MAX_DEPTH 32

static const char synopsis[] =
    "lpc preview DIR [--listen ADDR:PORT] [--poll] [--profile=NAME]\n"
    "                 [--color=WHEN] [-q] [--max-media-size=SIZE]\n"
    "                 [--threads=N] [--cache=DIR | --no-cache]\n"
    "                 [--cache-size=SIZE]";

static void usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "Build the curriculum in the folder DIR in memory and serve "
               "it over HTTP as\n"
               "lpack serve does, for its author's browser; build it again "
               "whenever one of\n"
               "its files changes.  Every page shows the diagnostics of the "
               "last build and\n"
               "reloads itself when a new build is served; a build with "
               "errors leaves the\n"
               "last good one served.  Diagnostics are printed as lpc check "
               "prints them.\n"
               "Nothing is written but the build cache.  Stops on SIGINT "
               "or SIGTERM.\n"
               "\n"
               "options:\n"
               "      --listen ADDR:PORT    address to listen on (default "
               "127.0.0.1:8080,\n"
               "                            this machine only; port 0 "
               "picks a free one)\n"
               "      --poll                look for changes twice a "
               "second instead of\n"
               "                            with inotify\n"
               "      --profile=NAME        build for the curriculum's "
               "profile NAME (its\n"
               "                            languages and media only, "
               "its budget)\n"
               "      --color=WHEN          colour diagnostics: auto "
               "(default), always or\n"
               "                            never\n"
               "  -q, --quiet               print errors only, and no "
               "line per build\n"
               "      --max-media-size=SIZE refuse media files larger than "
               "SIZE\n"
               "      --threads=N           build threads, 0..64 (default "
               "0: one per CPU)\n"
               "      --cache=DIR           the build cache (default: "
               "$XDG_CACHE_HOME/lp,\n"
               "                            else ~/.cache/lp)\n"
               "      --no-cache            use no cache\n"
               "      --cache-size=SIZE     most the cache may hold "
               "(default 2GiB)\n"
               "  -h, --help                show this help and exit\n",
            synopsis);
}

enum {
    OPT_LISTEN = 256, OPT_POLL, OPT_PROFILE, OPT_COLOR, OPT_MAX_MEDIA,
    OPT_THREADS, OPT_CACHE, OPT_NO_CACHE, OPT_CACHE_SIZE
};

static const struct option longopts[] = {
    { "listen", required_argument, NULL, OPT_LISTEN },
    { "poll", no_argument, NULL, OPT_POLL },
    { "profile", required_argument, NULL, OPT_PROFILE },
    { "color", required_argument, NULL, OPT_COLOR },
    { "max-media-size", required_argument, NULL, OPT_MAX_MEDIA },
    { "threads", required_argument, NULL, OPT_THREADS },
    { "cache", required_argument, NULL, OPT_CACHE },
    { "no-cache", no_argument, NULL, OPT_NO_CACHE },
    { "cache-size", required_argument, NULL, OPT_CACHE_SIZE },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

/* Set by SIGINT and SIGTERM, which also write to wake[1] */
static volatile sig_atomic_t stopping;
static int wake[2] = { -1, -1 };

static void on_signal(int sig)
{
    char b = 1;
    ssize_t w;

    (void)sig;
    stopping = 1;
    w = write(wake[1], &b, 1);
    (void)w;
}

typedef struct preview {
    const char *dir;
    lp_ctx *ctx;
    lp_project_opts popts;
    int default_cache;      /* popts.cache_dir is the default one */
    int color, quiet;
    unsigned threads;
    lp_server *srv;
    /* the diagnostics of the build under way, copied */
    lp_diag *diags;
    size_t ndiags, capdiags, nerrors, nwarnings;
    int nomem;              /* a diagnostic could not be kept */
    uint64_t builds, served;
    /* watching */
    int ino;                /* inotify, or -1: polling */
    size_t ndirs;
    int truncated;          /* more folders than MAX_DIRS */
    uint64_t print;         /* the entries' times and sizes (polling) */
    struct stat cache_st;   /* the cache folder, never watched */
    int has_cache_st;
} preview;

/* ------------------------------------------------------ diagnostics */

static char *dup_n(const char *s, size_t n)
{
    char *d;

    if (!s)
        return NULL;
    d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Free a copy kept in an lp_diag (whose members are const) */
static void free_text(const char *s)
{
    free((void *)(uintptr_t)s);
}

/* The copies of a diagnostic's texts */
static void free_diag(lp_diag *d)
{
    free_text(d->code);
    free_text(d->file);
    free_text(d->message);
    free_text(d->source_line);
}

static void diags_clear(preview *pv)
{
    for (size_t i = 0; i < pv->ndiags; i++)
        free_diag(&pv->diags[i]);
    pv->ndiags = pv->nerrors = pv->nwarnings = 0;
    pv->nomem = 0;
}

/* Keep a copy of d for the server (the library's is borrowed) */
static void keep_diag(preview *pv, const lp_diag *d)
{
    lp_diag *c;

    if (pv->ndiags == pv->capdiags) {
        size_t cap = pv->capdiags ? 2 * pv->capdiags : 16;
        lp_diag *v = realloc(pv->diags, cap * sizeof(*v));
        if (!v) {
            pv->nomem = 1;
            return;
        }
        pv->diags = v;
        pv->capdiags = cap;
    }
    c = &pv->diags[pv->ndiags];
    *c = *d;
    c->code = dup_n(d->code, d->code ? strlen(d->code) : 0);
    c->file = dup_n(d->file, d->file ? strlen(d->file) : 0);
    c->message = dup_n(d->message, d->message ? strlen(d->message) : 0);
    c->source_line = dup_n(d->source_line, d->source_len);
    if ((d->code && !c->code) || (d->file && !c->file) ||
        (d->message && !c->message) || (d->source_line && !c->source_line)) {
        free_diag(c);
        pv->nomem = 1;
        return;
    }
    pv->ndiags++;
}

static void on_diag(const lp_diag *d, void *user)
{
    preview *pv = user;

    if (d->severity == LP_SEVERITY_ERROR)
        pv->nerrors++;
    else if (d->severity == LP_SEVERITY_WARNING)
        pv->nwarnings++;
    if (!(pv->quiet && d->severity == LP_SEVERITY_WARNING))
        lpc_print_diag(d, pv->color);
    keep_diag(pv, d);
}

/* A failure of the build itself (not of the sources), as a diagnostic */
static void build_failed(preview *pv, const char *msg)
{
    lp_diag d;

    memset(&d, 0, sizeof(d));
    d.severity = LP_SEVERITY_ERROR;
    d.code = "build-failed";
    d.message = msg;
    on_diag(&d, pv);
}

/* ------------------------------------------------------ building */

static int on_progress(const lp_progress *p, void *user)
{
    (void)p;
    (void)user;
    return stopping ? 1 : 0;
}

static const char *plural(size_t n)
{
    return n == 1 ? "" : "s";
}

/* Build the project into a new memfd and hand it to the server, with the
 * diagnostics.  LP_ECANCELED when stopped; other failures are reported
 * (and shown in the pages) and the last good build stays served. */
static int build(preview *pv)
{
    lp_build_opts bo = LP_BUILD_OPTS_INIT;
    lp_project *proj = NULL;
    int fd = -1, rc;

    diags_clear(pv);
    pv->builds++;
    rc = lp_project_open(&proj, pv->ctx, pv->dir, &pv->popts);
    if (rc == LP_EIO && pv->default_cache && pv->popts.cache_dir) {
        /* the default cache is only a way to go faster: without it */
        cli_error("warning: cache not used: %s", lp_ctx_errmsg(pv->ctx));
        pv->popts.cache_dir = NULL;
        rc = lp_project_open(&proj, pv->ctx, pv->dir, &pv->popts);
    }
    if (rc == 0) {
        /* anonymous, in memory: gone with the last descriptor on it */
        fd = memfd_create("lpc-preview", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0) {
            char msg[256];
            snprintf(msg, sizeof(msg), "cannot make a memory file: %s",
                     strerror(errno));
            build_failed(pv, msg);
            rc = LP_EIO;
        }
    }
    if (rc == 0) {
        bo.threads = pv->threads;
        bo.progress = on_progress;
        bo.progress_user = pv;
        rc = lp_project_build_fd(proj, fd, &bo, on_diag, pv);
    }
    if (rc == LP_ECANCELED || stopping) {
        lp_project_free(proj);
        if (fd >= 0)
            close(fd);
        return LP_ECANCELED;
    }
    if (rc < 0 && rc != LP_ESOURCE && !(proj && fd < 0))
        build_failed(pv, cli_lp_msg(pv->ctx, rc));
    lp_project_free(proj);
    if (rc == 0)
        /* the server reads it as long as it serves it: no more writes */
        (void)fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
                    F_SEAL_WRITE | F_SEAL_SEAL);
    if (pv->nomem)
        cli_error("out of memory: some diagnostics are not shown in the "
                  "pages");
    if (lp_server_set_build(pv->srv, rc == 0 ? fd : -1, pv->diags,
                            pv->ndiags) < 0) {
        cli_error("cannot serve build %llu: %s",
                  (unsigned long long)pv->builds, lp_ctx_errmsg(pv->ctx));
        rc = LP_EIO;
    }
    if (fd >= 0)
        close(fd);
    if (rc == 0)
        pv->served = pv->builds;
    if (!pv->quiet) {
        fprintf(stderr, "%s: build %llu: %zu error%s, %zu warning%s",
                cli_prefix(), (unsigned long long)pv->builds, pv->nerrors,
                plural(pv->nerrors), pv->nwarnings, plural(pv->nwarnings));
        if (rc < 0 && pv->served)
            fprintf(stderr, "; still serving build %llu",
                    (unsigned long long)pv->served);
        else if (rc < 0)
            fputs("; nothing to serve yet", stderr);
        fputc('\n', stderr);
    }
    diags_clear(pv);
    return rc;
}

/* ------------------------------------------------------ watching */

/* Names editors and tools write beside the files (swap, backup, lock and
 * temporary files, .git): changes to them make no build */
static int ignored(const char *name)
{
    size_t n = strlen(name);

    return name[0] == '.' || name[0] == '#' || n == 0 ||
           name[n - 1] == '~' || strcmp(name, "4913") == 0;
}

static void fold(uint64_t *h, const void *data, size_t len)
{
    const unsigned char *p = data;

    for (size_t i = 0; i < len; i++) {
        *h ^= p[i];
        *h *= 1099511628211ull;     /* FNV-1a */
    }
}

/* Walk the folder fd (taken) at depth: add an inotify watch on each
 * folder (path names it) or, when polling, fold each entry's name, times
 * and size into pv->print.  No link is followed. */
static void walk(preview *pv, int fd, const char *path, unsigned depth)
{
    DIR *d = fdopendir(fd);
    struct dirent *e;

    if (!d) {
        close(fd);
        return;
    }
    if (pv->ndirs >= MAX_DIRS || depth > MAX_DEPTH) {
        pv->truncated = 1;
        closedir(d);
        return;
    }
    pv->ndirs++;
    if (pv->ino >= 0 &&
        inotify_add_watch(pv->ino, path, IN_CLOSE_WRITE | IN_MOVED_TO |
                          IN_MOVED_FROM | IN_CREATE | IN_DELETE |
                          IN_ATTRIB | IN_MODIFY | IN_DONT_FOLLOW |
                          IN_ONLYDIR) < 0) {
        /* no more watches (fs.inotify.max_user_watches): poll */
        cli_error("warning: cannot watch '%s' (%s): looking for changes "
                  "twice a second instead", cli_text(path), strerror(errno));
        close(pv->ino);
        pv->ino = -1;
    }
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        char *sub;
        size_t len;

        if (ignored(e->d_name) ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        /* the build writes the cache: a cache in the project is not
         * looked at, or each build would make another */
        if (S_ISDIR(st.st_mode) && pv->has_cache_st &&
            st.st_dev == pv->cache_st.st_dev &&
            st.st_ino == pv->cache_st.st_ino)
            continue;
        if (pv->ino < 0) {
            fold(&pv->print, e->d_name, strlen(e->d_name) + 1);
            fold(&pv->print, &st.st_mtim, sizeof(st.st_mtim));
            fold(&pv->print, &st.st_ctim, sizeof(st.st_ctim));
            fold(&pv->print, &st.st_size, sizeof(st.st_size));
            fold(&pv->print, &st.st_ino, sizeof(st.st_ino));
        }
        if (!S_ISDIR(st.st_mode))
            continue;
        len = strlen(path) + strlen(e->d_name) + 2;
        sub = malloc(len);
        if (!sub)
            continue;
        snprintf(sub, len, "%s/%s", path, e->d_name);
        fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY |
                    O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0)
            walk(pv, fd, sub, depth + 1);
        free(sub);
    }
    closedir(d);
}

/* Watch (or fingerprint) the whole project again */
static void rescan(preview *pv)
{
    int fd = open(pv->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int was = pv->truncated;

    pv->ndirs = 0;
    pv->truncated = 0;
    pv->print = 14695981039346656037ull;
    if (fd >= 0)
        walk(pv, fd, pv->dir, 0);
    if (pv->truncated && !was)
        cli_error("warning: '%s' has more than %d folders, or folders "
                  "deeper than %d: changes below are not seen",
                  cli_text(pv->dir), MAX_DIRS, MAX_DEPTH);
}

/* Read what inotify has; 1 if a file that may be the project's changed */
static int read_events(preview *pv)
{
    char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    int changed = 0, again = 0;

    for (;;) {
        ssize_t n = read(pv->ino, buf, sizeof(buf));

        if (n <= 0)
            break;
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;

            p += sizeof(*ev) + ev->len;
            if (ev->mask & IN_Q_OVERFLOW) {
                changed = again = 1;
                continue;
            }
            if (ev->mask & IN_IGNORED)
                continue;
            if (ev->len && ignored(ev->name))
                continue;
            changed = 1;
            if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE |
                                                      IN_MOVED_TO)))
                again = 1;      /* a new folder: watch it too */
        }
    }
    if (again)
        rescan(pv);
    return changed;
}

static long long now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Serve, and build again after each change, until a signal */
static int watch(preview *pv)
{
    long long first = 0, last = 0, next_poll = now_ms() + POLL_MS;
    int pending = 0;

    while (!stopping) {
        struct pollfd fds[2] = { { wake[0], POLLIN, 0 },
                                 { pv->ino, POLLIN, 0 } };
        long long now = now_ms(), wait = -1;
        int n;

        if (pending) {
            wait = last + QUIET_MS - now;
            if (first + QUIET_MAX_MS - now < wait)
                wait = first + QUIET_MAX_MS - now;
        }
        if (pv->ino < 0 && (wait < 0 || next_poll - now < wait))
            wait = next_poll - now;
        if (wait < 0 && (pending || pv->ino < 0))
            wait = 0;
        n = poll(fds, pv->ino >= 0 ? 2 : 1, (int)(wait > 60000 ? 60000
                                                   : wait));
        if (n < 0 && errno != EINTR) {
            cli_error("poll: %s", strerror(errno));
            return LP_EXIT_IO;
        }
        if (stopping)
            break;
        now = now_ms();
        if (pv->ino >= 0 && n > 0 && (fds[1].revents & POLLIN) &&
            read_events(pv)) {
            if (!pending)
                first = now;
            pending = 1;
            last = now;
        }
        if (pv->ino < 0 && now >= next_poll) {
            uint64_t was = pv->print;
            rescan(pv);
            if (pv->print != was) {
                if (!pending)
                    first = now;
                pending = 1;
                last = now;
            }
            next_poll = now + POLL_MS;
        }
        if (pending && (now - last >= QUIET_MS ||
                        now - first >= QUIET_MAX_MS)) {
            pending = 0;
            /* changes made while it builds are seen after it */
            if (build(pv) == LP_ECANCELED)
                break;
            if (pv->ino < 0)
                rescan(pv);
        }
    }
    return LP_EXIT_OK;
}

/* ------------------------------------------------------ the command */

static void on_log(const char *line, void *user)
{
    (void)user;
    flockfile(stderr);
    fprintf(stderr, "%s: ", cli_prefix());
    cli_put_text(stderr, line);
    putc_unlocked('\n', stderr);
    funlockfile(stderr);
}

int cmd_preview(int argc, char **argv)
{
    lp_server_opts so = LP_SERVER_OPTS_INIT;
    cli_seen seen = { { 0 } };
    preview pv;
    const char *color = "auto", *cache = NULL;
    char cache_dir[4096];
    int no_cache = 0, use_poll = 0, status = LP_EXIT_OK, rc, c;
    uint64_t threads = 0;
    struct sigaction sa;

    memset(&pv, 0, sizeof(pv));
    pv.popts = (lp_project_opts)LP_PROJECT_OPTS_INIT;
    pv.ino = -1;
    while ((c = cli_getopt(argc, argv, "qh", longopts, &seen)) != -1) {
        switch (c) {
        case OPT_LISTEN: so.listen = optarg; break;
        case OPT_POLL: use_poll = 1; break;
        case OPT_PROFILE:
            if (optarg[0] == '\0') {
                cli_error("empty name for '--profile'");
                return cli_bad_usage(synopsis);
            }
            pv.popts.profile = optarg;
            break;
        case 'q': pv.quiet = 1; break;
        case 'h': usage(stdout); return cli_finish_stdout(LP_EXIT_OK);
        case OPT_COLOR:
            if (strcmp(optarg, "auto") != 0 &&
                strcmp(optarg, "always") != 0 &&
                strcmp(optarg, "never") != 0) {
                cli_error("invalid value '%s' for '--color': expected "
                          "auto, always or never", optarg);
                return cli_bad_usage(synopsis);
            }
            color = optarg;
            break;
        case OPT_MAX_MEDIA: case OPT_CACHE_SIZE:
            if (lpc_parse_size(optarg, c == OPT_MAX_MEDIA
                               ? &pv.popts.max_media_bytes
                               : &pv.popts.cache_max_bytes) < 0) {
                cli_error("invalid value '%s' for '%s': expected a size "
                          "such as 5MiB", optarg, c == OPT_MAX_MEDIA
                          ? "--max-media-size" : "--cache-size");
                return cli_bad_usage(synopsis);
            }
            break;
        case OPT_THREADS:
            if (cli_opt_u64("--threads", optarg, 0, 64, &threads) < 0)
                return cli_bad_usage(synopsis);
            break;
        case OPT_CACHE:
            if (optarg[0] == '\0') {
                cli_error("empty folder name for '--cache'");
                return cli_bad_usage(synopsis);
            }
            cache = optarg;
            break;
        case OPT_NO_CACHE: no_cache = 1; break;
        default:
            return cli_bad_usage(synopsis);
        }
    }
    {
        static const char *const operands[] = { "folder", NULL };
        int bad = cli_operands(argc, argv, operands, synopsis);
        if (bad != LP_EXIT_OK)
            return bad;
    }
    if (cache && no_cache) {
        cli_error("'--cache' and '--no-cache' cannot be used together");
        return cli_bad_usage(synopsis);
    }
    pv.dir = argv[optind];
    if (cache) {
        pv.popts.cache_dir = cache;
    } else if (!no_cache &&
               lp_cache_default_dir(cache_dir, sizeof(cache_dir)) == 0) {
        pv.popts.cache_dir = cache_dir;
        pv.default_cache = 1;
    }
    pv.popts.threads = (unsigned)threads;
    pv.threads = (unsigned)threads;
    pv.color = lpc_want_color(color);
    if (!lp_project_probe(pv.dir)) {
        cli_error("'%s' is not a curriculum project (no curriculum.yaml, "
                  "curriculum.yml or curriculum.xml in it)",
                  cli_text(pv.dir));
        return LP_EXIT_INVALID;
    }
    if (pv.popts.cache_dir && stat(pv.popts.cache_dir, &pv.cache_st) == 0)
        pv.has_cache_st = 1;

    if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0) {
        cli_error("cannot make a pipe: %s", strerror(errno));
        return LP_EXIT_IO;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    so.quiet = 1;           /* events only: the author reads diagnostics */
    so.threads = 2;
    so.log = on_log;
    rc = lp_ctx_new(&pv.ctx, NULL);
    if (rc < 0) {
        cli_error("out of memory");
        status = LP_EXIT_IO;
        goto done;
    }
    rc = lp_server_new(&pv.srv, pv.ctx, &so);
    /* preview mode, and the port bound before the first build: a port in
     * use is said at once */
    if (rc == 0)
        rc = lp_server_set_build(pv.srv, -1, NULL, 0);
    if (rc == 0)
        rc = lp_server_start(pv.srv);
    if (rc < 0) {
        cli_error("%s", cli_text(cli_lp_msg(pv.ctx, rc)));
        status = rc == LP_EINVAL ? LP_EXIT_USAGE : LP_EXIT_IO;
        goto done;
    }
    if (!use_poll) {
        pv.ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (pv.ino < 0)
            cli_error("warning: no inotify (%s): looking for changes twice "
                      "a second instead", strerror(errno));
    }
    fprintf(stderr, "%s: serving a preview of '%s' on port %u\n",
            cli_prefix(), cli_text(pv.dir), lp_server_port(pv.srv));
    rescan(&pv);
    if (build(&pv) != LP_ECANCELED) {
        /* a cache the first build made in the project: watch all again,
         * without it */
        if (!pv.has_cache_st && pv.popts.cache_dir &&
            stat(pv.popts.cache_dir, &pv.cache_st) == 0) {
            pv.has_cache_st = 1;
            if (pv.ino >= 0) {
                close(pv.ino);
                pv.ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
            }
            rescan(&pv);
        }
        status = watch(&pv);
    }
done:
    lp_server_free(pv.srv);
    diags_clear(&pv);
    free(pv.diags);
    if (pv.ino >= 0)
        close(pv.ino);
    lp_ctx_free(pv.ctx);
    close(wake[0]);
    close(wake[1]);
    wake[0] = wake[1] = -1;
    return status;
}
