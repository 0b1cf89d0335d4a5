/*
 * fetch.c - files of a repository, from a folder or over HTTP(S) with
 * libcurl, resumed where they stopped
 *
 * A file is fetched into DEST.part, which keeps every byte that reached
 * the disk: the next attempt, in this run or the next (after a dropped
 * link, kill -9, a reboot), asks for the rest with a Range request, or
 * reads on from that offset in a folder.  The size is known from the
 * signed index before the first byte, so a server that sends more is cut
 * off; the hash is checked before the file takes its final name.
 */
#include "lpi_update.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* flush what arrived every so often: a reboot loses at most this much */
#define SYNC_EVERY (4u * 1024u * 1024u)
/* attempts in a row that bring no new byte before the source counts as
 * unreachable */
#define MAX_STALLED 3

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

bool lpi_source_is_url(const char *source)
{
    return strncmp(source, "http://", 7) == 0 ||
           strncmp(source, "https://", 8) == 0;
}

int lpi_fetch_open(lpi_fetch *f, lp_ctx *ctx, const char *source,
                   uint64_t limit_rate, unsigned timeout)
{
    size_t n = strlen(source);

    memset(f, 0, sizeof(*f));
    f->ctx = ctx;
    f->http = lpi_source_is_url(source);
    f->limit_rate = limit_rate;
    f->timeout = timeout ? timeout : 60;
    while (n > 1 && source[n - 1] == '/')
        n--;
    f->base = lpi_malloc(ctx, n + 1);
    if (!f->base)
        return lpi_nomem(ctx);
    memcpy(f->base, source, n);
    f->base[n] = '\0';
    if (!f->http)
        return 0;
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return lpi_error(ctx, LP_EINTERNAL, "cannot start libcurl: %s",
                         curl_easy_strerror(curl_init_rc));
    f->curl = curl_easy_init();
    if (!f->curl)
        return lpi_error(ctx, LP_EINTERNAL, "cannot start libcurl");
    return 0;
}

void lpi_fetch_close(lpi_fetch *f)
{
    if (f->curl)
        curl_easy_cleanup(f->curl);
    lpi_free(f->ctx, f->buf);
    lpi_free(f->ctx, f->base);
    memset(f, 0, sizeof(*f));
}

/* ------------------------------------------------------------ HTTP */

typedef struct xfer {
    lpi_fetch *f;
    int fd;                 /* -1: into mem */
    lpi_buf *mem;
    uint64_t off;           /* where the next byte goes */
    uint64_t limit;         /* bytes the file may have in all */
    uint64_t got;           /* bytes received in this request */
    bool started, restarted, too_much;
    int io_errno;
    long code;
} xfer;

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    xfer *x = arg;
    size_t len = size * n;

    if (!x->started) {
        x->started = true;
        curl_easy_getinfo(x->f->curl, CURLINFO_RESPONSE_CODE, &x->code);
        if (x->code != 200 && x->code != 206)
            return 0;
        /* a server that ignores Range sends the whole file again */
        if (x->code == 200 && x->off > 0) {
            x->restarted = true;
            x->off = 0;
            if (x->fd >= 0 && ftruncate(x->fd, 0) < 0) {
                x->io_errno = errno;
                return 0;
            }
        }
    }
    /* never more than the index announces */
    if (len > x->limit - x->off) {
        x->too_much = true;
        return 0;
    }
    if (x->fd >= 0) {
        if (pwrite(x->fd, p, len, (off_t)x->off) != (ssize_t)len) {
            x->io_errno = errno ? errno : EIO;
            return 0;
        }
    } else if (lpi_buf_add(x->mem, x->f->ctx, p, len) < 0) {
        x->too_much = true;
        return 0;
    }
    x->off += len;
    x->got += len;
    x->f->fetched += len;
    if (x->f->progress)
        x->f->progress(x->f->progress_user, len);
    return len;
}

/* One request for what is missing of name; *x tells what came */
static CURLcode http_get(lpi_fetch *f, const char *name, xfer *x,
                         char *errbuf)
{
    CURL *c = f->curl;
    lpi_buf url;
    char range[48];
    CURLcode rc;

    lpi_buf_init(&url, 16384);
    if (lpi_buf_printf(&url, f->ctx, "%s/%s", f->base, name) < 0)
        return CURLE_OUT_OF_MEMORY;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url.data);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)f->timeout);
    /* a stalled link: under 1 byte/s for the timeout */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)f->timeout);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "lpack-update/" LP_VERSION_STRING);
    /* content-addressed files must arrive as they are */
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, NULL);
    curl_easy_setopt(c, CURLOPT_HTTP_CONTENT_DECODING, 0L);
    if (f->limit_rate)
        curl_easy_setopt(c, CURLOPT_MAX_RECV_SPEED_LARGE,
                         (curl_off_t)f->limit_rate);
    if (x->off > 0) {
        snprintf(range, sizeof(range), "%" PRIu64 "-", x->off);
        curl_easy_setopt(c, CURLOPT_RANGE, range);
    }
    errbuf[0] = '\0';
    rc = curl_easy_perform(c);
    if (!x->started)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &x->code);
    lpi_buf_dispose(&url, f->ctx);
    return rc;
}

/* The reason a request failed, as a message into the context */
static int http_error(lpi_fetch *f, const char *name, const xfer *x,
                      CURLcode rc, const char *errbuf)
{
    f->source_failed = !x->too_much && !x->io_errno;
    if (x->too_much)
        return lpi_error(f->ctx, LP_EHASH, "%s/%s: the server sent more "
                         "than the %" PRIu64 " bytes the index announces: "
                         "cut off", f->base, name, x->limit);
    if (x->io_errno)
        return lpi_error(f->ctx, LP_EIO, "cannot write what came of "
                         "'%s': %s", name, strerror(x->io_errno));
    if (x->code >= 400)
        return lpi_error(f->ctx, LP_EIO, "%s/%s: the server answers HTTP "
                         "%ld", f->base, name, x->code);
    return lpi_error(f->ctx, LP_EIO, "%s/%s: %s", f->base, name,
                     errbuf[0] ? errbuf : curl_easy_strerror(rc));
}

/* ------------------------------------------------------------ folder */

static int open_source(lpi_fetch *f, const char *name, int *out,
                       uint64_t *size)
{
    lpi_buf path;
    struct stat sb;
    int fd, rc = 0;

    lpi_buf_init(&path, 16384);
    if (lpi_buf_printf(&path, f->ctx, "%s/%s", f->base, name) < 0)
        return LP_ENOMEM;
    /* a FIFO planted on a stick must not hang the hub */
    fd = lpi_open_input(f->ctx, AT_FDCWD, path.data, NULL, LPI_OPEN_NOFOLLOW,
                        &sb);
    if (fd < 0)
        rc = fd;
    if (rc < 0 && fd >= 0)
        close(fd);
    f->source_failed = rc < 0;
    lpi_buf_dispose(&path, f->ctx);
    if (rc < 0)
        return rc;
    *out = fd;
    *size = (uint64_t)sb.st_size;
    return 0;
}

/* ------------------------------------------------------------ small files */

int lpi_fetch_small(lpi_fetch *f, const char *name, size_t max,
                    lpi_buf *out)
{
    lpi_buf_init(out, max + 1);
    if (!f->http) {
        uint64_t size;
        char *data = NULL;
        int fd, rc = open_source(f, name, &fd, &size);
        if (rc < 0)
            return rc;
        if (size > max)
            rc = lpi_error(f->ctx, LP_ETOOBIG, "%s/%s: larger than %zu "
                           "bytes", f->base, name, max);
        else if (!(data = lpi_malloc(f->ctx, (size_t)size + 1)))
            rc = lpi_nomem(f->ctx);
        else
            rc = lpi_pread_full(f->ctx, fd, data, (size_t)size, 0);
        if (rc == 0)
            rc = lpi_buf_add(out, f->ctx, data, (size_t)size);
        lpi_free(f->ctx, data);
        close(fd);
        if (rc == 0)
            f->fetched += size;
        return rc;
    }
    for (unsigned stalled = 0;;) {
        char errbuf[CURL_ERROR_SIZE];
        xfer x;
        CURLcode rc;

        memset(&x, 0, sizeof(x));
        x.f = f;
        x.fd = -1;
        x.mem = out;
        x.limit = max;
        out->len = 0;
        rc = http_get(f, name, &x, errbuf);
        if (rc == CURLE_OK && (x.code == 200 || x.code == 206))
            return 0;
        if (x.too_much)
            return lpi_error(f->ctx, LP_ETOOBIG, "%s/%s: larger than %zu "
                             "bytes: cut off", f->base, name, max);
        if (x.code >= 400 || x.io_errno || ++stalled >= MAX_STALLED)
            return http_error(f, name, &x, rc, errbuf);
    }
}

/* ------------------------------------------------------------ files */

static int fetch_range(lpi_fetch *f, const char *name, int fd, uint64_t *off,
                       uint64_t size)
{
    unsigned stalled = 0;
    uint64_t synced = *off;

    if (!f->http) {
        uint64_t have;
        int src, rc = open_source(f, name, &src, &have);
        if (rc < 0)
            return rc;
        if (have != size)
            rc = lpi_error(f->ctx, LP_EHASH, "'%s/%s' has %" PRIu64
                           " bytes; the index says %" PRIu64, f->base, name,
                           have, size);
        while (rc == 0 && *off < size) {
            size_t n = size - *off < LPI_IO_CHUNK ? (size_t)(size - *off)
                                                  : LPI_IO_CHUNK;
            rc = lpi_pread_full(f->ctx, src, f->buf, n, *off);
            if (rc == 0 && pwrite(fd, f->buf, n, (off_t)*off) != (ssize_t)n)
                rc = lpi_error(f->ctx, LP_EIO, "cannot write what came of "
                               "'%s': %s", name, strerror(errno));
            if (rc == 0) {
                *off += n;
                f->fetched += n;
                if (f->progress)
                    f->progress(f->progress_user, n);
            }
            if (rc == 0 && *off - synced >= SYNC_EVERY) {
                fdatasync(fd);
                synced = *off;
            }
        }
        close(src);
        return rc;
    }
    while (*off < size) {
        char errbuf[CURL_ERROR_SIZE];
        xfer x;
        CURLcode rc;

        uint64_t before = *off;

        memset(&x, 0, sizeof(x));
        x.f = f;
        x.fd = fd;
        x.off = *off;
        x.limit = size;
        rc = http_get(f, name, &x, errbuf);
        *off = x.off;
        /* every byte that came is kept, whatever ended the request */
        if (x.got > 0)
            fdatasync(fd);
        if (x.too_much || x.io_errno || x.code >= 400 ||
            (rc == CURLE_OK && x.code != 200 && x.code != 206))
            return http_error(f, name, &x, rc, errbuf);
        if (*off == size)
            break;
        /* a dropped link: on again from here, unless it brought nothing
         * new (a server that ignores Range and drops the link again) */
        stalled = *off > before ? 0 : stalled + 1;
        if (stalled >= MAX_STALLED)
            return http_error(f, name, &x, rc, errbuf);
        if (stalled > 0)
            sleep(stalled);
    }
    return 0;
}

int lpi_fetch_file(lpi_fetch *f, const char *name, const char *dest,
                   uint64_t size, const unsigned char hash[LP_HASH_BYTES])
{
    lp_ctx *ctx = f->ctx;
    unsigned char have[LP_HASH_BYTES];
    struct stat sb;
    lpi_buf part;
    uint64_t off;
    int fd = -1, rc;

    /* fetched whole in an earlier run */
    if (stat(dest, &sb) == 0 && S_ISREG(sb.st_mode) &&
        (uint64_t)sb.st_size == size) {
        fd = open(dest, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        rc = fd >= 0 ? lpi_file_hash(ctx, fd, 0, size, have) : LP_EIO;
        if (fd >= 0)
            close(fd);
        if (rc == 0 && memcmp(have, hash, LP_HASH_BYTES) == 0)
            return 0;
        unlink(dest);
    }
    if (!f->buf) {
        f->buf = lpi_malloc(ctx, LPI_IO_CHUNK);
        if (!f->buf)
            return lpi_nomem(ctx);
    }
    lpi_buf_init(&part, 16384);
    rc = lpi_buf_printf(&part, ctx, "%s.part", dest);
    if (rc < 0)
        return rc;
    fd = open(part.data, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        rc = lpi_error(ctx, LP_EIO, "cannot open '%s': %s", part.data,
                       strerror(errno));
        goto done;
    }
    off = (uint64_t)sb.st_size;
    f->resumed += off < size ? off : 0;
    if (off > size) {
        /* not what this name should hold: start again */
        if (ftruncate(fd, 0) < 0) {
            rc = lpi_error(ctx, LP_EIO, "cannot truncate '%s': %s",
                           part.data, strerror(errno));
            goto done;
        }
        off = 0;
    }
    rc = fetch_range(f, name, fd, &off, size);
    if (rc == 0)
        rc = lpi_file_hash(ctx, fd, 0, size, have);
    if (rc == 0 && memcmp(have, hash, LP_HASH_BYTES) != 0) {
        /* which bytes are wrong cannot be known: fetch it all again */
        if (ftruncate(fd, 0) < 0)
            unlink(part.data);
        rc = lpi_error(ctx, LP_EHASH, "%s/%s: its bytes do not match the "
                       "hash the index gives (damaged or forged on the way, "
                       "or a wrong mirror)", f->base, name);
    }
    if (rc == 0 && fsync(fd) < 0)
        rc = lpi_error(ctx, LP_EIO, "cannot flush '%s': %s", part.data,
                       strerror(errno));
    if (rc == 0 && rename(part.data, dest) < 0)
        rc = lpi_error(ctx, LP_EIO, "cannot rename '%s': %s", part.data,
                       strerror(errno));
    if (rc == 0)
        rc = lpi_sync_dir_of(ctx, dest);
done:
    if (fd >= 0)
        close(fd);
    lpi_buf_dispose(&part, ctx);
    return rc;
}
