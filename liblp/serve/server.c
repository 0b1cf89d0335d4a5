/*
 * server.c - lp_server_*: the libmicrohttpd daemon, its limits, and the
 * routing of a request to its handler (the URL scheme is in lpack(1),
 * SERVE).
 *
 * Paths are decoded here, segment by segment, never by libmicrohttpd (its
 * unescape callback is a no-op): an encoded '/', '\' or NUL, a "." or ".."
 * segment, or a bad escape is refused with 400 before any lookup.  Nothing
 * in a path ever names a file on disk: entries are looked up in the
 * package's manifest, submissions by hash.
 */
#include "lpi_server.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEF_LISTEN "127.0.0.1:8080"
#define MAX_SEGS 8
#define SEG_MAX (LP_MAX_PATH_BYTES + 1)
#define DISCARD_MAX (4u * 1024u * 1024u)
/* Rendered pages kept (server_cache.c): a lesson page is some 5 to 20 KiB,
 * so a few thousand pages, and the RSS stays flat however big the
 * packages (lpack(1)) */
#define PAGE_CACHE_BYTES (32u * 1024u * 1024u)

/* ------------------------------------------------------------ options */

static int parse_listen(lp_server *srv, const char *s)
{
    char host[256];
    const char *colon, *port;
    struct addrinfo hints, *ai = NULL;
    size_t hl;

    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (!end || end[1] != ':')
            goto bad;
        hl = (size_t)(end - s - 1);
        if (hl >= sizeof(host))
            goto bad;
        memcpy(host, s + 1, hl);
        port = end + 2;
    } else {
        colon = strrchr(s, ':');
        if (!colon || strchr(s, ':') != colon)
            goto bad;
        hl = (size_t)(colon - s);
        if (hl >= sizeof(host))
            goto bad;
        memcpy(host, s, hl);
        port = colon + 1;
    }
    host[hl] = '\0';
    if (!*port || strspn(port, "0123456789") != strlen(port) ||
        strlen(port) > 5 || strtoul(port, NULL, 10) > 65535)
        goto bad;
    memset(&hints, 0, sizeof(hints));
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(hl ? host : NULL, port, &hints, &ai) != 0 || !ai)
        goto bad;
    memcpy(&srv->addr, ai->ai_addr, ai->ai_addrlen);
    srv->addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
bad:
    return lpi_error(srv->ctx, LP_EINVAL, "listen address '%s' is not "
                     "ADDRESS:PORT or [ADDRESS]:PORT with a numeric address",
                     s);
}

int lp_server_new(lp_server **out, lp_ctx *ctx, const lp_server_opts *opts)
{
    static const lp_server_opts defaults = LP_SERVER_OPTS_INIT;
    lp_server *srv;
    int rc;

    LP_ASSERT_ARG(out && ctx);
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (opts->version != LP_SERVER_OPTS_VERSION)
        return lpi_error(ctx, LP_EINVAL, "unknown lp_server_opts version %u",
                         opts->version);
    srv = lpi_calloc(ctx, 1, sizeof(*srv));
    if (!srv)
        return lpi_nomem(ctx);
    srv->ctx = ctx;
    srv->alloc = ctx->alloc;
    srv->data_fd = -1;
    srv->wake[0] = srv->wake[1] = -1;
    pthread_mutex_init(&srv->quota_lock, NULL);
    pthread_mutex_init(&srv->pace_lock, NULL);
    {
        pthread_condattr_t ca;  /* timed waits on the monotonic clock */
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&srv->pace_cond, &ca);
        pthread_condattr_destroy(&ca);
    }
    srv->max_connections = opts->max_connections ? opts->max_connections
                                                 : 256;
    srv->max_per_ip = opts->max_per_ip ? opts->max_per_ip : 32;
    srv->timeout = opts->timeout ? opts->timeout : 20;
    srv->max_header_bytes = opts->max_header_bytes ? opts->max_header_bytes
                                                   : 8192;
    srv->quota = opts->quota ? opts->quota : 1024ull * 1024 * 1024;
    srv->upload_rate = opts->upload_rate ? opts->upload_rate
                                         : 1024ull * 1024;
    srv->threads = opts->threads ? opts->threads : lpi_cpu_count();
    srv->quiet = opts->quiet;
    srv->log = opts->log;
    srv->log_user = opts->log_user;
    rc = parse_listen(srv, opts->listen ? opts->listen : DEF_LISTEN);
    if (rc == 0 && (srv->max_header_bytes < 1024 ||
                    srv->max_header_bytes > 65536))
        rc = lpi_error(ctx, LP_EINVAL, "max_header_bytes must be from 1024 "
                       "to 65536");
    if (rc == 0 && srv->threads > 64)
        srv->threads = 64;
    if (rc == 0 && opts->teacher_token) {
        size_t len = strlen(opts->teacher_token);
        if (len < 8 || len > LP_SERVER_MAX_TOKEN_BYTES)
            rc = lpi_error(ctx, LP_EINVAL, "the teacher token must have 8 "
                           "to %u bytes", LP_SERVER_MAX_TOKEN_BYTES);
        else {
            crypto_generichash(srv->token_hash, sizeof(srv->token_hash),
                               (const unsigned char *)opts->teacher_token,
                               len, NULL, 0);
            srv->has_token = true;
        }
    }
    if (rc == 0 && opts->data_dir) {
        srv->data_dir = lpi_strdup(ctx, opts->data_dir);
        if (!srv->data_dir)
            rc = lpi_nomem(ctx);
        else if (mkdir(srv->data_dir, 0700) < 0 && errno != EEXIST)
            rc = lpi_error(ctx, LP_EIO, "cannot create '%s': %s",
                           srv->data_dir, strerror(errno));
        else if ((srv->data_fd = open(srv->data_dir, O_RDONLY | O_DIRECTORY |
                                      O_CLOEXEC)) < 0)
            rc = lpi_error(ctx, LP_EIO, "cannot open '%s': %s", srv->data_dir,
                           strerror(errno));
        else
            rc = lpi_upload_init(srv);
    }
    if (rc == 0)
        rc = lpi_pagecache_new(ctx, PAGE_CACHE_BYTES, &srv->pages);
    if (rc == 0 && pipe2(srv->wake, O_CLOEXEC | O_NONBLOCK) < 0)
        rc = lpi_error(ctx, LP_EIO, "cannot make a pipe: %s",
                       strerror(errno));
    if (rc < 0) {
        lp_server_free(srv);
        return rc;
    }
    *out = srv;
    return 0;
}

int lp_server_add_package(lp_server *srv, const char *path)
{
    lpi_srvpkg *sp;
    lpi_srvver *v;
    int rc;

    LP_ASSERT_ARG(srv && path);
    if (srv->daemon)
        return lpi_error(srv->ctx, LP_EINVAL, "the server is running");
    if (srv->preview)
        return lpi_error(srv->ctx, LP_EINVAL, "the server serves builds "
                         "(lp_server_set_build()): it cannot add packages");
    rc = lpi_srvver_open(srv->ctx, path, NULL, &v);
    if (rc < 0)
        return rc;
    /* the hub's own URLs come first: a package cannot be named as them */
    if (strcmp(lp_package_id(v->pkg), "teacher") == 0 ||
        strcmp(lp_package_id(v->pkg), "lp.css") == 0 ||
        strcmp(lp_package_id(v->pkg), "lp.js") == 0) {
        rc = lpi_error(srv->ctx, LP_EEXIST, "'%s' is package '%s', a name "
                       "the hub uses for its own pages", path,
                       lp_package_id(v->pkg));
        lpi_srvver_unref(v);
        return rc;
    }
    for (size_t i = 0; i < srv->npkgs; i++)
        if (strcmp(srv->pkgs[i]->id, lp_package_id(v->pkg)) == 0) {
            rc = lpi_error(srv->ctx, LP_EEXIST, "'%s' is package '%s', "
                           "already served from '%s'", path,
                           lp_package_id(v->pkg), srv->pkgs[i]->path);
            lpi_srvver_unref(v);
            return rc;
        }
    rc = lpi_grow(srv->ctx, (void **)&srv->pkgs, &srv->cappkgs,
                  srv->npkgs + 1, sizeof(*srv->pkgs));
    sp = rc == 0 ? lpi_calloc(srv->ctx, 1, sizeof(*sp)) : NULL;
    if (!sp) {
        lpi_srvver_unref(v);
        return lpi_nomem(srv->ctx);
    }
    sp->srv = srv;
    v->serial = atomic_fetch_add(&srv->serials, 1) + 1;
    sp->cur = v;
    pthread_mutex_init(&sp->lock, NULL);
    atomic_init(&sp->checked, 0);
    sp->path = lpi_strdup(srv->ctx, path);
    sp->id = lpi_strdup(srv->ctx, lp_package_id(v->pkg));
    srv->pkgs[srv->npkgs++] = sp;
    if (!sp->path || !sp->id)
        return lpi_nomem(srv->ctx);
    return 0;
}

/* ------------------------------------------------------------ requests */

static void put_escaped(char *dst, size_t cap, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;

    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (o + 5 >= cap)
            break;
        if (*p < 0x20 || *p >= 0x7f || *p == '\\' || *p == '"') {
            dst[o++] = '\\';
            dst[o++] = 'x';
            dst[o++] = hex[*p >> 4];
            dst[o++] = hex[*p & 15];
        } else {
            dst[o++] = (char)*p;
        }
    }
    dst[o] = '\0';
}

static void client_addr(struct MHD_Connection *c, char *buf, size_t cap)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;

    snprintf(buf, cap, "-");
    if (sa)
        getnameinfo(sa, sa->sa_family == AF_INET6
                        ? sizeof(struct sockaddr_in6)
                        : sizeof(struct sockaddr_in),
                    buf, (socklen_t)cap, NULL, 0, NI_NUMERICHOST);
}

static void request_done(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    lp_server *srv = cls;
    lpi_req *r = *con_cls;
    struct timespec now;
    char addr[64], status[16];
    long ms;

    if (!r)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (long)((now.tv_sec - r->start.tv_sec) * 1000 +
                (now.tv_nsec - r->start.tv_nsec) / 1000000);
    client_addr(c, addr, sizeof(addr));
    if (srv->quiet)
        status[0] = '\0';
    else if (r->status)
        snprintf(status, sizeof(status), "%u", r->status);
    else
        snprintf(status, sizeof(status), "-");
    if (!srv->quiet)
        lpi_srv_log(srv, "%s \"%s %s\" %s %llu %ldms%s", addr, r->method, r->path,
                status, (unsigned long long)r->bytes, ms,
                toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? ""
                : toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? " timeout"
                : " aborted");
    if (r->pp)
        MHD_destroy_post_processor(r->pp);
    if (r->dispose)
        r->dispose(r);
    lpi_srvver_unref(r->ver);
    {
        lp_ctx *ctx = r->ctx;
        lpi_free(ctx, r);
        lp_ctx_free(ctx);
    }
    *con_cls = NULL;
}

static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls; (void)c;
    return strlen(s);
}

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind,
                                    const char *key, const char *value)
{
    size_t *sum = cls;

    (void)kind;
    *sum += strlen(key) + (value ? strlen(value) : 0) + 4;
    return MHD_YES;
}

/* The path's segments, decoded; -1 for a path to refuse.  For /ID/f/PATH
 * the splitting stops after "f": *tail is then the offset of PATH. */
static int split_path(const char *url, char segs[MAX_SEGS][SEG_MAX],
                      size_t *n, size_t *tail)
{
    const char *p = url;

    *n = 0;
    *tail = 0;
    if (*p != '/')
        return -1;
    p++;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);

        if (*n == MAX_SEGS || (len == 0 && e))
            return -1;      /* too deep, or "//" */
        if (lpi_url_decode(p, len, segs[*n], SEG_MAX, false, false) < 0 ||
            strcmp(segs[*n], ".") == 0 || strcmp(segs[*n], "..") == 0)
            return -1;
        (*n)++;
        if (!e)
            break;
        p = e + 1;
        if (*n == 2 && strcmp(segs[0], "teacher") != 0 &&
            strcmp(segs[1], "f") == 0) {
            *tail = (size_t)(p - url);
            return 0;
        }
        if (!*p && *n < MAX_SEGS)   /* a trailing slash: an empty segment */
            segs[(*n)++][0] = '\0';
    }
    return 0;
}

static lpi_srvpkg *find_pkg(lp_server *srv, const char *id)
{
    if (srv->preview)
        return lpi_preview_find(srv, id);
    for (size_t i = 0; i < srv->npkgs; i++)
        if (strcmp(srv->pkgs[i]->id, id) == 0)
            return srv->pkgs[i];
    return NULL;
}

/* /ID/f/PATH: decode the whole rest, keeping its slashes */
static enum MHD_Result send_by_path(lpi_req *r, struct MHD_Connection *c,
                                    lpi_srvver *v, const char *rest)
{
    char path[LP_MAX_PATH_BYTES + 1];
    size_t i;
    long got = lpi_url_decode(rest, strlen(rest), path, sizeof(path), false,
                              true);

    if (got < 0 || lp_path_check(r->ctx, path) < 0)
        return lpi_send_error(r, c, 400, "not a valid path");
    /* an encoded '/' is refused: the path's slashes must be real ones */
    if (strstr(rest, "%2f") || strstr(rest, "%2F") || strstr(rest, "%5c") ||
        strstr(rest, "%5C"))
        return lpi_send_error(r, c, 400, "not a valid path");
    if (lp_package_find(v->pkg, path, &i) < 0)
        return lpi_send_error(r, c, 404, "no such file in the package");
    return lpi_send_entry(r, c, v, i, false);
}

static enum MHD_Result route(lpi_req *r, struct MHD_Connection *c,
                             const char *url, bool post)
{
    char (*segs)[SEG_MAX];
    size_t n, tail;
    lpi_srvpkg *sp;
    lpi_srvver *v;
    enum MHD_Result ret;

    segs = lpi_malloc(r->ctx, sizeof(char[MAX_SEGS][SEG_MAX]));
    if (!segs)
        return lpi_send_error(r, c, 503, NULL);
    if (split_path(url, segs, &n, &tail) < 0) {
        ret = lpi_send_error(r, c, 400, "not a valid path");
        goto done;
    }
    /* lpc preview's own pages, and its diagnostics until a build */
    if (r->srv->preview &&
        lpi_preview_route(r, c, n > 0 ? segs[0] : "", n > 1 ? segs[1] : "",
                          n, post, &ret))
        goto done;
    if (n == 0) {
        ret = post ? lpi_send_error(r, c, 405, NULL) : lpi_page_home(r, c);
        goto done;
    }
    if (n == 1 && (strcmp(segs[0], "lp.css") == 0 ||
                   strcmp(segs[0], "lp.js") == 0)) {
        ret = post ? lpi_send_error(r, c, 405, NULL)
                   : lpi_send_asset(r, c, segs[0][3] == 'j');
        goto done;
    }
    if (strcmp(segs[0], "teacher") == 0) {
        ret = post ? lpi_send_error(r, c, 405, NULL)
                   : lpi_teacher(r, c, n > 1 ? url + 9 : "");
        goto done;
    }
    sp = find_pkg(r->srv, segs[0]);
    if (!sp) {
        ret = lpi_send_error(r, c, 404, "no such package");
        goto done;
    }
    v = r->ver = lpi_srvpkg_get(sp);
    if (n == 1) {                       /* /ID */
        char loc[LP_MAX_ID_BYTES * 3 + 4];
        lpi_buf b;
        lpi_buf_init(&b, sizeof(loc));
        if (lpi_buf_add(&b, r->ctx, "/", 1) < 0 ||
            lpi_url_esc(&b, r->ctx, segs[0]) < 0 ||
            lpi_buf_add(&b, r->ctx, "/", 2) < 0)
            ret = lpi_send_error(r, c, 503, NULL);
        else
            ret = lpi_send_redirect(r, c, b.data, false);
        lpi_buf_dispose(&b, r->ctx);
        goto done;
    }
    if (n == 2 && segs[1][0] == '\0') { /* /ID/ */
        ret = post ? lpi_send_error(r, c, 405, NULL) : lpi_page_pick(r, c, v);
        goto done;
    }
    if (n == 2 && strcmp(segs[1], "languages") == 0 && !post) {
        ret = lpi_page_languages(r, c, v);
        goto done;
    }
    if (n == 2 && strcmp(segs[1], "package.lpk") == 0 && !post) {
        ret = lpi_send_package(r, c, v);
        goto done;
    }
    if (strcmp(segs[1], "f") == 0 && tail && !post) {
        ret = send_by_path(r, c, v, url + tail);
        goto done;
    }
    if (n == 3 && strcmp(segs[1], "o") == 0 && !post) {
        unsigned char h[LP_HASH_BYTES];
        size_t i;
        if (lpi_hash_unhex(h, segs[2]) < 0 ||
            lpi_srvver_find_hash(v, h, &i) < 0)
            ret = lpi_send_error(r, c, 404, "no such object");
        else
            ret = lpi_send_entry(r, c, v, i, true);
        goto done;
    }
    /* /ID/LANG/... */
    if (n == 3 && segs[2][0] == '\0') {
        ret = post ? lpi_send_error(r, c, 405, NULL)
                   : lpi_page_catalog(r, c, v, segs[1]);
        goto done;
    }
    if (n == 3 || (n == 4 && segs[3][0] == '\0')) {
        ret = post ? lpi_send_error(r, c, 405, NULL)
                   : lpi_page_lesson(r, c, v, segs[1], segs[2], false);
        goto done;
    }
    if (n == 4 && strcmp(segs[3], "display") == 0 && !post) {
        ret = lpi_page_lesson(r, c, v, segs[1], segs[2], true);
        goto done;
    }
    if (n == 4 && strcmp(segs[3], "download.tar") == 0 && !post) {
        ret = lpi_send_lesson_tar(r, c, v, segs[2], segs[1]);
        goto done;
    }
    if (n == 4 && strcmp(segs[3], "check") == 0 && post) {
        ret = lpi_check_begin(r, c, v, segs[1], segs[2]);
        goto done;
    }
    if (n == 5 && strcmp(segs[3], "assignment") == 0 && post) {
        ret = lpi_upload_begin(r, c, v, segs[2], segs[4], segs[1]);
        goto done;
    }
    ret = lpi_send_error(r, c, post ? 405 : 404, NULL);
done:
    lpi_free(r->ctx, segs);
    return ret;
}

/* ------------------------------------------------------------ pacing */

/*
 * An upload faster than upload_rate is suspended (MHD_suspend_connection)
 * once it is ahead of its allowance, and resumed by the pacing thread when
 * the allowance has caught up: the hub stops reading it meanwhile, so TCP
 * slows the sender down.  A burst of PACE_BURST bytes is free.
 */
#define PACE_BURST (256u * 1024u)

typedef struct lpi_paced {
    struct lpi_paced *next;
    struct MHD_Connection *c;
    struct timespec when;
} lpi_paced;

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec ||
           (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void *pace_main(void *arg)
{
    lp_server *srv = arg;

    pthread_mutex_lock(&srv->pace_lock);
    for (;;) {
        struct timespec now;
        lpi_paced **pp = &srv->paced, *first = NULL;

        clock_gettime(CLOCK_MONOTONIC, &now);
        while (*pp) {
            lpi_paced *p = *pp;
            if (srv->pace_stop || !ts_before(&now, &p->when)) {
                *pp = p->next;
                MHD_resume_connection(p->c);
                srv->alloc.free_fn(p, srv->alloc.user);
                continue;
            }
            if (!first || ts_before(&p->when, &first->when))
                first = p;
            pp = &p->next;
        }
        if (srv->pace_stop)
            break;
        if (first)
            pthread_cond_timedwait(&srv->pace_cond, &srv->pace_lock,
                                   &first->when);
        else
            pthread_cond_wait(&srv->pace_cond, &srv->pace_lock);
    }
    pthread_mutex_unlock(&srv->pace_lock);
    return NULL;
}

/* Suspend c if the upload is ahead of its rate; true if it was */
static bool pace(lpi_req *r, struct MHD_Connection *c)
{
    lp_server *srv = r->srv;
    struct timespec now;
    double elapsed, ahead;
    lpi_paced *p;

    if (r->received <= PACE_BURST || !srv->pace_running)
        return false;
    clock_gettime(CLOCK_MONOTONIC, &now);
    elapsed = (double)(now.tv_sec - r->start.tv_sec) +
              (double)(now.tv_nsec - r->start.tv_nsec) / 1e9;
    ahead = (double)(r->received - PACE_BURST) / (double)srv->upload_rate -
            elapsed;
    if (ahead <= 0.001)
        return false;
    p = srv->alloc.malloc_fn(sizeof(*p), srv->alloc.user);
    if (!p)
        return false;
    if (ahead > 10)
        ahead = 10;
    p->c = c;
    p->when = now;
    p->when.tv_sec += (time_t)ahead;
    p->when.tv_nsec += (long)((ahead - (double)(time_t)ahead) * 1e9);
    if (p->when.tv_nsec >= 1000000000L) {
        p->when.tv_sec++;
        p->when.tv_nsec -= 1000000000L;
    }
    MHD_suspend_connection(c);
    pthread_mutex_lock(&srv->pace_lock);
    p->next = srv->paced;
    srv->paced = p;
    pthread_cond_signal(&srv->pace_cond);
    pthread_mutex_unlock(&srv->pace_lock);
    return true;
}

static void pace_stop(lp_server *srv)
{
    if (!srv->pace_running)
        return;
    pthread_mutex_lock(&srv->pace_lock);
    srv->pace_stop = true;
    pthread_cond_signal(&srv->pace_cond);
    pthread_mutex_unlock(&srv->pace_lock);
    pthread_join(srv->pace_thread, NULL);
    srv->pace_running = false;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version,
                                  const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    lp_server *srv = cls;
    lpi_req *r = *con_cls;
    bool post;
    size_t hdr = 0;
    lp_ctx *ctx;

    (void)version;
    if (r) {                    /* more of a body, or the request's end */
        if (r->status)          /* already answered (refused) */
            return MHD_YES;
        if (*upload_size && !r->pp) {
            /* a body on a GET or HEAD: read and dropped, up to a bound */
            r->received += *upload_size;
            *upload_size = 0;
            return r->received > DISCARD_MAX
                   ? lpi_send_error(r, c, 413, NULL) : MHD_YES;
        }
        if (*upload_size) {
            /* once refused, the rest is read and dropped so that the
             * client sees the answer, up to a bound; past it, answer now
             * (and the connection is closed) */
            r->received += *upload_size;
            if (r->post_error)
                r->bytes += *upload_size;
            else if (MHD_post_process(r->pp, upload_data, *upload_size) !=
                     MHD_YES)
                r->post_error = true;
            *upload_size = 0;
            if (r->post_error && r->bytes > DISCARD_MAX)
                return r->finish(r, c);
            pace(r, c);
            return MHD_YES;
        }
        return r->finish ? r->finish(r, c) : route(r, c, url, false);
    }
    if (lp_ctx_new(&ctx, &srv->alloc) < 0)
        return MHD_NO;
    r = lpi_calloc(ctx, 1, sizeof(*r));
    if (!r) {
        lp_ctx_free(ctx);
        return MHD_NO;
    }
    r->srv = srv;
    r->ctx = ctx;
    clock_gettime(CLOCK_MONOTONIC, &r->start);
    *con_cls = r;
    put_escaped(r->path, sizeof(r->path), url);
    post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    r->method = post ? "POST" : strcmp(method, "GET") == 0 ? "GET"
              : strcmp(method, "HEAD") == 0 ? "HEAD" : "OTHER";
    MHD_get_connection_values(c, MHD_HEADER_KIND, count_header, &hdr);
    if (hdr + strlen(url) > srv->max_header_bytes)
        return lpi_send_error(r, c, 431, NULL);
    if (!post && strcmp(r->method, "OTHER") == 0) {
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        if (resp)
            MHD_add_response_header(resp, "Allow", "GET, HEAD, POST");
        return lpi_send(r, c, 405, resp);
    }
    /* A response queued now, before libmicrohttpd has the whole request,
     * closes the connection (0.9.75): fine for the refusals above and for
     * a POST refused before its body; a GET is answered on the next call,
     * so that its connection is kept alive. */
    if (!post)
        return MHD_YES;
    return route(r, c, url, post);
}

int lp_server_start(lp_server *srv)
{
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC |
                     MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME;
    const union MHD_DaemonInfo *info;
    size_t pool = srv->max_header_bytes + 64 * 1024;

    LP_ASSERT_ARG(srv);
    if (srv->daemon || (srv->npkgs == 0 && !srv->preview))
        return lpi_error(srv->ctx, LP_EINVAL, srv->daemon
                         ? "the server is already started"
                         : "no package to serve");
    if (srv->addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&srv->addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)srv->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)srv->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)srv->max_per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)srv->timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool,
        MHD_OPTION_NOTIFY_COMPLETED, request_done, srv,
        MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, srv,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)128,
        MHD_OPTION_END);
    if (!srv->daemon) {
        char addr[64] = "?", port[8] = "?";
        getnameinfo((struct sockaddr *)&srv->addr, srv->addrlen, addr,
                    sizeof(addr), port, sizeof(port),
                    NI_NUMERICHOST | NI_NUMERICSERV);
        return lpi_error(srv->ctx, LP_EIO, "cannot listen on %s port %s "
                         "(in use, or not an address of this machine?)",
                         addr, port);
    }
    info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : 0;
    srv->pace_running = pthread_create(&srv->pace_thread, NULL, pace_main,
                                       srv) == 0;
    return 0;
}

unsigned lp_server_port(const lp_server *srv)
{
    return srv ? srv->port : 0;
}

void lp_server_stop(lp_server *srv)
{
    if (srv && srv->wake[1] >= 0) {
        char b = 1;
        ssize_t w = write(srv->wake[1], &b, 1);
        (void)w;
    }
}

int lp_server_run(lp_server *srv)
{
    struct pollfd pfd;
    int rc;

    LP_ASSERT_ARG(srv);
    if (!srv->daemon) {
        rc = lp_server_start(srv);
        if (rc < 0)
            return rc;
    }
    pfd.fd = srv->wake[0];
    pfd.events = POLLIN;
    while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
        ;
    /* no new connections; those in flight get up to the idle timeout */
    if (!srv->quiesced) {
        srv->lsock = MHD_quiesce_daemon(srv->daemon);
        srv->quiesced = true;
    }
    for (unsigned i = 0; i < srv->timeout * 10; i++) {
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(
            srv->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (!info || info->num_connections == 0)
            break;
        poll(NULL, 0, 100);
    }
    return 0;
}

void lp_server_free(lp_server *srv)
{
    if (!srv)
        return;
    pace_stop(srv);     /* every suspended upload resumed first */
    if (srv->daemon) {
        if (!srv->quiesced) {
            srv->lsock = MHD_quiesce_daemon(srv->daemon);
            srv->quiesced = true;
        }
        MHD_stop_daemon(srv->daemon);
        if (srv->lsock != MHD_INVALID_SOCKET)
            close(srv->lsock);
    }
    for (size_t i = 0; i < srv->npkgs; i++)
        lpi_srvpkg_free(srv->ctx, srv->pkgs[i]);
    lpi_free(srv->ctx, srv->pkgs);
    lpi_preview_free(srv);
    lpi_pagecache_free(srv->ctx, srv->pages);
    if (srv->data_fd >= 0)
        close(srv->data_fd);
    if (srv->wake[0] >= 0)
        close(srv->wake[0]);
    if (srv->wake[1] >= 0)
        close(srv->wake[1]);
    pthread_mutex_destroy(&srv->quota_lock);
    pthread_mutex_destroy(&srv->pace_lock);
    pthread_cond_destroy(&srv->pace_cond);
    lpi_free(srv->ctx, srv->data_dir);
    sodium_memzero(srv->token_hash, sizeof(srv->token_hash));
    lpi_free(srv->ctx, srv);
}
