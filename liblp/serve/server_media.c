/*
 * server_media.c - content straight from the package: entries, the
 * package file and a lesson's entries as a tar file.
 *
 * A body is a list of segments: literal bytes (multipart part headers, tar
 * headers and padding) and spans of an entry's content or of the package
 * file.  Entry content is read with lp_entry_read_at() through a window of
 * LPI_WINDOW bytes aligned on the package's chunks (1 MiB, lpk(5) CHUNK
 * HASHES), so each chunk is read and hash-checked once per response
 * however small the blocks libmicrohttpd asks for.  Nothing reaches the
 * client before its chunk matched the signed manifest; a mismatch ends the
 * response with an error (the connection is closed) and is logged.
 *
 * Once every chunk a response needs has been checked this way in this
 * release (by any response before it), an entry stored as is is sent
 * straight from the package file with sendfile(2), as the package file
 * itself is: the same bytes, checked once per release instead of once per
 * response.  A file written over in place (its size or time changed) is
 * read and checked again; an entry that is not stored as is (compressed,
 * or any other encoding lp_entry_data_offset() refuses) is always read
 * through lp_entry_read_at().
 *
 * Ranges: one range is answered 206 with Content-Range; several with
 * multipart/byteranges, one part per range in the order asked (at most
 * LPI_MAX_RANGES; a longer list is ignored and the whole content sent);
 * none satisfiable is 416.  If-Range with another entity tag sends it all.
 */
#include "lpi_server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LPI_WINDOW LPI_CHUNK    /* a window is one chunk */
#define LPI_FILE (SIZE_MAX)     /* segment of the package file itself */

typedef struct seg {
    uint64_t start;     /* offset in the body */
    uint64_t len;
    size_t entry;       /* entry index, LPI_FILE, or SIZE_MAX - 1: literal */
    uint64_t off;       /* offset in the entry/file, or in lit */
} seg;
#define LPI_LITERAL (SIZE_MAX - 1)

typedef struct body {
    lp_server *srv;
    lpi_srvver *ver;
    lp_ctx *ctx;
    lp_package *h;          /* this response's handle on the package */
    seg *segs;
    size_t nsegs, capsegs;
    lpi_buf lit;
    uint64_t total;
    size_t cur;             /* segment of the last read */
    unsigned char *win;
    size_t win_entry;
    uint64_t win_off;
    size_t win_len;
} body;

static void body_free(void *cls)
{
    body *b = cls;
    lp_ctx *ctx;

    if (!b)
        return;
    ctx = b->ctx;
    lpi_free(ctx, b->win);
    lpi_free(ctx, b->segs);
    lpi_buf_dispose(&b->lit, ctx);
    lp_package_free(b->h);
    lpi_srvver_unref(b->ver);
    lpi_free(ctx, b);
    lp_ctx_free(ctx);
}

static body *body_new(lp_server *srv, lpi_srvver *v)
{
    lp_ctx *ctx;
    body *b;

    if (lp_ctx_new(&ctx, &srv->alloc) < 0)
        return NULL;
    b = lpi_calloc(ctx, 1, sizeof(*b));
    if (!b) {
        lp_ctx_free(ctx);
        return NULL;
    }
    b->ctx = ctx;
    b->srv = srv;
    b->ver = lpi_srvver_ref(v);
    b->win_entry = LPI_LITERAL;
    lpi_buf_init(&b->lit, 16u * 1024u * 1024u);
    if (lp_package_share(&b->h, v->pkg, ctx) < 0) {
        body_free(b);
        return NULL;
    }
    return b;
}

static int add_seg(body *b, size_t entry, uint64_t off, uint64_t len)
{
    int rc;

    if (len == 0)
        return 0;
    rc = lpi_grow(b->ctx, (void **)&b->segs, &b->capsegs, b->nsegs + 1,
                  sizeof(seg));
    if (rc < 0)
        return rc;
    b->segs[b->nsegs++] = (seg){ b->total, len, entry, off };
    b->total += len;
    return 0;
}

static int add_lit(body *b, const void *data, size_t len)
{
    uint64_t at = b->lit.len;
    int rc = lpi_buf_add(&b->lit, b->ctx, data, len);

    return rc < 0 ? rc : add_seg(b, LPI_LITERAL, at, len);
}

/* The window's chunks (n bytes of entry e from start) matched the
 * manifest: mark them, and learn where the entry lies in the file if it
 * is stored as is */
static void mark_checked(body *b, size_t e, uint64_t start, size_t n)
{
    lpi_srvver *v = b->ver;
    lp_entry_info info;
    uint64_t off;

    if (atomic_load(&v->data_off[e]) == 0) {
        if (lp_package_entry(b->h, e, &info) < 0 || info.compressed ||
            lp_entry_data_offset(b->h, e, &off) < 0)
            return;
        atomic_store(&v->data_off[e], off + 1);
    }
    for (uint64_t k = start / LPI_CHUNK; k <= (start + n - 1) / LPI_CHUNK;
         k++)
        atomic_store(&v->checked[v->first_chunk[e] + k], 1);
}

/* Whether bytes first..last of entry e can be sent from the file: stored
 * as is, every chunk they touch checked, the file as it was opened; its
 * offset in the file in *off */
static bool checked_span(const lpi_srvver *v, size_t e, uint64_t first,
                         uint64_t last, uint64_t *off)
{
    uint64_t at = atomic_load(&v->data_off[e]);
    struct stat st;

    if (at == 0)
        return false;
    for (uint64_t k = first / LPI_CHUNK; k <= last / LPI_CHUNK; k++)
        if (!atomic_load(&v->checked[v->first_chunk[e] + k]))
            return false;
    if (fstat(v->fd, &st) < 0 || st.st_size != v->size ||
        st.st_mtim.tv_sec != v->mtime.tv_sec ||
        st.st_mtim.tv_nsec != v->mtime.tv_nsec)
        return false;
    *off = at - 1;
    return true;
}

/* len bytes of entry e (or the file) from off into dst, through the window */
static int read_content(body *b, size_t e, uint64_t off, char *dst,
                        size_t len)
{
    if (e == LPI_FILE) {
        ssize_t n = pread(b->ver->fd, dst, len, (off_t)off);
        if (n <= 0) {
            lpi_srv_log(b->srv, "reading package '%s': %s",
                        lp_package_id(b->ver->pkg),
                        n < 0 ? strerror(errno) : "file shorter than it was");
            return -1;
        }
        return (int)n;
    }
    if (b->win_entry != e || off < b->win_off ||
        off >= b->win_off + b->win_len) {
        uint64_t start = off / LPI_WINDOW * LPI_WINDOW;
        size_t n;

        if (!b->win) {
            b->win = lpi_malloc(b->ctx, LPI_WINDOW);
            if (!b->win)
                return -1;
        }
        b->win_entry = LPI_LITERAL;
        if (lp_entry_read_at(b->h, e, start, b->win, LPI_WINDOW, &n) < 0 ||
            n == 0) {
            lpi_srv_log(b->srv, "package '%s': %s", lp_package_id(b->h),
                        n == 0 ? "entry shorter than its size"
                               : lp_ctx_errmsg(b->ctx));
            return -1;
        }
        b->win_entry = e;
        b->win_off = start;
        b->win_len = n;
        mark_checked(b, e, start, n);
    }
    {
        size_t at = (size_t)(off - b->win_off);
        size_t n = b->win_len - at < len ? b->win_len - at : len;
        memcpy(dst, b->win + at, n);
        return (int)n;
    }
}

static ssize_t body_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    body *b = cls;
    size_t done = 0;

    if (pos >= b->total)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (b->cur >= b->nsegs || pos < b->segs[b->cur].start)
        b->cur = 0;
    while (done < max && pos < b->total) {
        const seg *s;
        uint64_t in;
        size_t want;
        int n;

        while (pos >= b->segs[b->cur].start + b->segs[b->cur].len)
            b->cur++;
        s = &b->segs[b->cur];
        in = pos - s->start;
        want = s->len - in < max - done ? (size_t)(s->len - in) : max - done;
        if (s->entry == LPI_LITERAL) {
            memcpy(buf + done, b->lit.data + s->off + in, want);
            n = (int)want;
        } else {
            n = read_content(b, s->entry, s->off + in, buf + done,
                             want > INT32_MAX ? INT32_MAX : want);
            if (n < 0)
                return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        done += (size_t)n;
        pos += (uint64_t)n;
        if (s->entry != LPI_LITERAL)
            break;      /* hand over what was checked, read on next call */
    }
    return (ssize_t)done;
}

static enum MHD_Result send_body(lpi_req *r, struct MHD_Connection *c,
                                 body *b, struct MHD_Response **out)
{
    struct MHD_Response *resp = MHD_create_response_from_callback(
        b->total, 64 * 1024, body_read, b, body_free);

    if (!resp) {
        body_free(b);
        return lpi_send(r, c, 500, NULL);
    }
    r->bytes = b->total;
    *out = resp;
    return MHD_YES;
}

/* What the two kinds of content share: conditions, ranges, headers */
typedef struct content {
    size_t entry;           /* or LPI_FILE */
    uint64_t size;
    const char *etag;
    const char *type;
    const char *cache;
    const char *disposition;    /* or NULL */
    bool sandbox;           /* content of the package: sandboxed (CSP) */
} content;

static void content_headers(struct MHD_Response *resp, const content *ct)
{
    MHD_add_response_header(resp, "ETag", ct->etag);
    MHD_add_response_header(resp, "Cache-Control", ct->cache);
    MHD_add_response_header(resp, "Accept-Ranges", "bytes");
    if (ct->disposition)
        MHD_add_response_header(resp, "Content-Disposition",
                                ct->disposition);
    /* a package's HTML or SVG must not run as the hub's own pages do */
    if (ct->sandbox)
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'none'; img-src 'self'; "
                                "media-src 'self'; style-src 'unsafe-inline';"
                                " sandbox");
}

static enum MHD_Result send_content(lpi_req *r, struct MHD_Connection *c,
                                    lpi_srvver *v, const content *ct)
{
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                  "If-None-Match");
    const char *range = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                    "Range");
    const char *ifr = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                  "If-Range");
    lpi_range rg[LPI_MAX_RANGES];
    struct MHD_Response *resp = NULL;
    uint64_t base = 0;
    unsigned status = 200;
    size_t n = 0;
    int kind;
    body *b;
    char cr[96];

    if (lpi_etag_match(inm, ct->etag, false)) {
        resp = MHD_create_response_from_buffer(0, NULL,
                                               MHD_RESPMEM_PERSISTENT);
        if (resp)
            content_headers(resp, ct);
        return lpi_send(r, c, 304, resp);
    }
    if (ifr && !lpi_etag_match(ifr, ct->etag, true))
        range = NULL;
    kind = lpi_range_parse(range, ct->size, rg, &n);
    if (kind == LPI_RANGE_UNSAT) {
        snprintf(cr, sizeof(cr), "bytes */%llu",
                 (unsigned long long)ct->size);
        resp = MHD_create_response_from_buffer(0, NULL,
                                               MHD_RESPMEM_PERSISTENT);
        if (resp) {
            MHD_add_response_header(resp, "Content-Range", cr);
            content_headers(resp, ct);
        }
        return lpi_send(r, c, 416, resp);
    }
    if (kind == LPI_RANGE_NONE) {
        n = 1;
        rg[0].first = 0;
        rg[0].last = ct->size - 1;
    } else {
        status = 206;
    }
    /* the package file, or an entry checked before, whole or one range:
     * sendfile(2) */
    if (n == 1 && (ct->entry == LPI_FILE ||
                   (ct->size && checked_span(v, ct->entry, rg[0].first,
                                             rg[0].last, &base)))) {
        int fd = fcntl(v->fd, F_DUPFD_CLOEXEC, 0);
        uint64_t len = ct->size ? rg[0].last - rg[0].first + 1 : 0;

        if (fd < 0)
            return lpi_send_error(r, c, 503, "out of file descriptors");
        resp = MHD_create_response_from_fd_at_offset64(len, fd,
                                                       base + rg[0].first);
        if (!resp) {
            close(fd);
            return lpi_send(r, c, 500, NULL);
        }
        r->bytes = len;
    } else {
        b = body_new(r->srv, v);
        if (!b)
            return lpi_send_error(r, c, 503, "out of memory");
        if (n == 1) {
            if (ct->size && add_seg(b, ct->entry, rg[0].first,
                                    rg[0].last - rg[0].first + 1) < 0)
                goto nomem;
        } else {
            unsigned char rnd[8];
            char bound[40], head[256];
            int len;

            randombytes_buf(rnd, sizeof(rnd));
            snprintf(bound, sizeof(bound), "lp%02x%02x%02x%02x%02x%02x%02x"
                     "%02x", rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5],
                     rnd[6], rnd[7]);
            for (size_t i = 0; i < n; i++) {
                len = snprintf(head, sizeof(head), "%s--%s\r\nContent-Type: "
                               "%s\r\nContent-Range: bytes %llu-%llu/%llu"
                               "\r\n\r\n", i ? "\r\n" : "", bound, ct->type,
                               (unsigned long long)rg[i].first,
                               (unsigned long long)rg[i].last,
                               (unsigned long long)ct->size);
                if (len < 0 || (size_t)len >= sizeof(head) ||
                    add_lit(b, head, (size_t)len) < 0 ||
                    add_seg(b, ct->entry, rg[i].first,
                            rg[i].last - rg[i].first + 1) < 0)
                    goto nomem;
            }
            len = snprintf(head, sizeof(head), "\r\n--%s--\r\n", bound);
            if (add_lit(b, head, (size_t)len) < 0)
                goto nomem;
            snprintf(cr, sizeof(cr), "multipart/byteranges; boundary=%s",
                     bound);
        }
        if (send_body(r, c, b, &resp) != MHD_YES || !resp)
            return MHD_NO;
        if (n > 1)
            MHD_add_response_header(resp, "Content-Type", cr);
    }
    if (n == 1) {
        MHD_add_response_header(resp, "Content-Type", ct->type);
        if (status == 206) {
            snprintf(cr, sizeof(cr), "bytes %llu-%llu/%llu",
                     (unsigned long long)rg[0].first,
                     (unsigned long long)rg[0].last,
                     (unsigned long long)ct->size);
            MHD_add_response_header(resp, "Content-Range", cr);
        }
    }
    content_headers(resp, ct);
    return lpi_send(r, c, status, resp);
nomem:
    body_free(b);
    return lpi_send_error(r, c, 503, "out of memory");
}

enum MHD_Result lpi_send_entry(lpi_req *r, struct MHD_Connection *c,
                               lpi_srvver *v, size_t i, bool immutable)
{
    lp_entry_info info;
    char etag[LP_HASH_HEX_BYTES + 3];
    content ct;

    if (lp_package_entry(v->pkg, i, &info) < 0)
        return lpi_send_error(r, c, 404, NULL);
    snprintf(etag, sizeof(etag), "\"%s\"", info.hash_hex);
    ct = (content){ i, info.size, etag, info.media_type,
                    immutable ? "public, max-age=31536000, immutable"
                              : "no-cache", NULL, true };
    return send_content(r, c, v, &ct);
}

enum MHD_Result lpi_send_package(lpi_req *r, struct MHD_Connection *c,
                                 lpi_srvver *v)
{
    char etag[128], disp[LP_MAX_ID_BYTES + 64];
    content ct;

    snprintf(etag, sizeof(etag), "\"%.16s-%llu-%lld\"", v->manifest,
             (unsigned long long)v->size, (long long)v->mtime.tv_sec);
    /* package ids are [A-Za-z0-9._-] (lpk(5)): nothing to quote */
    snprintf(disp, sizeof(disp), "attachment; filename=\"%s-%llu.lpk\"",
             lp_package_id(v->pkg),
             (unsigned long long)lp_package_version(v->pkg));
    ct = (content){ LPI_FILE, (uint64_t)v->size, etag,
                    "application/vnd.lp.package", "no-cache", disp, false };
    return send_content(r, c, v, &ct);
}

/* ------------------------------------------------------------- tar */

static void octal(char *dst, size_t width, uint64_t v)
{
    /* width - 1 digits and a NUL */
    dst[width - 1] = '\0';
    for (size_t i = width - 1; i-- > 0; v >>= 3)
        dst[i] = (char)('0' + (v & 7));
}

/* Where to split name into ustar's prefix and name fields: 0 if it fits
 * in name alone, the index of a '/' with at most 155 bytes before and 100
 * after it, or SIZE_MAX if none (a pax header then carries the path) */
static size_t ustar_split(const char *name, size_t len)
{
    if (len <= 100)
        return 0;
    for (size_t i = len - 1; i > 0; i--)
        if (name[i] == '/' && i <= 155 && len - i - 1 <= 100)
            return i;
    return SIZE_MAX;
}

static int tar_header(body *b, const char *name, uint64_t size,
                      int64_t mtime, char type)
{
    unsigned char h[512];
    size_t len = strlen(name), split = ustar_split(name, len);
    unsigned sum = 0;

    memset(h, 0, sizeof(h));
    if (split == SIZE_MAX) {       /* only the tail: a pax path precedes */
        name += len - 100;
        len = 100;
        split = 0;
    }
    if (split) {
        memcpy(h + 345, name, split);
        memcpy(h, name + split + 1, len - split - 1);
    } else {
        memcpy(h, name, len);
    }
    octal((char *)h + 100, 8, 0644);
    octal((char *)h + 108, 8, 0);
    octal((char *)h + 116, 8, 0);
    octal((char *)h + 124, 12, size <= 077777777777ull ? size : 0);
    octal((char *)h + 136, 12, mtime > 0 ? (uint64_t)mtime : 0);
    h[156] = (unsigned char)type;
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    for (size_t i = 0; i < sizeof(h); i++)
        sum += h[i];
    octal((char *)h + 148, 7, sum);
    return add_lit(b, h, sizeof(h));
}

static int tar_pad(body *b, uint64_t size)
{
    static const unsigned char zero[512];
    size_t pad = (size_t)((512 - size % 512) % 512);

    return add_lit(b, zero, pad);
}

/* "LEN key=value\n", LEN counting itself */
static int pax_record(lpi_buf *p, lp_ctx *ctx, const char *key,
                      const char *value)
{
    size_t body_len = strlen(key) + strlen(value) + 3, n = body_len + 1;
    char num[24];

    for (;;) {
        int d = snprintf(num, sizeof(num), "%zu", n);
        if (body_len + (size_t)d == n)
            break;
        n = body_len + (size_t)d;
    }
    return lpi_buf_printf(p, ctx, "%s %s=%s\n", num, key, value);
}

static int tar_entry(body *b, size_t i, const lp_entry_info *info,
                     int64_t mtime)
{
    bool long_name = ustar_split(info->path, strlen(info->path)) == SIZE_MAX;
    bool big = info->size > 077777777777ull;
    int rc = 0;

    if (long_name || big) {
        lpi_buf p;
        char size[24];

        lpi_buf_init(&p, 8192);
        snprintf(size, sizeof(size), "%llu", (unsigned long long)info->size);
        if (long_name)
            rc = pax_record(&p, b->ctx, "path", info->path);
        if (rc == 0 && big)
            rc = pax_record(&p, b->ctx, "size", size);
        if (rc == 0)
            rc = tar_header(b, "PaxHeader", p.len, mtime, 'x');
        if (rc == 0)
            rc = add_lit(b, p.data, p.len);
        if (rc == 0)
            rc = tar_pad(b, p.len);
        lpi_buf_dispose(&p, b->ctx);
    }
    if (rc == 0)
        rc = tar_header(b, info->path, info->size, mtime, '0');
    if (rc == 0)
        rc = add_seg(b, i, 0, info->size);
    if (rc == 0)
        rc = tar_pad(b, info->size);
    return rc;
}

enum MHD_Result lpi_send_lesson_tar(lpi_req *r, struct MHD_Connection *c,
                                    lpi_srvver *v, const char *lesson,
                                    const char *lang)
{
    static const unsigned char end[1024];
    struct MHD_Response *resp = NULL;
    lp_lesson *l = NULL;
    char disp[LP_MAX_ID_BYTES * 2 + 64], etag[LP_HASH_HEX_BYTES + 8];
    body *b;
    int rc;

    if (!v->cat)
        return lpi_send_error(r, c, 404, "this package has no lessons");
    rc = lp_lesson_open(&l, r->ctx, v->cat, lesson, lang);
    if (rc == LP_ENOTFOUND)
        return lpi_send_error(r, c, 404, "no such lesson");
    if (rc < 0) {
        lpi_srv_log(r->srv, "lesson '%s': %s", lesson, lp_ctx_errmsg(r->ctx));
        return lpi_send_error(r, c, 500, "this lesson cannot be read");
    }
    snprintf(etag, sizeof(etag), "\"%.32s-%.16s\"",
             lp_lesson_need_hash(l, 0) ? lp_lesson_need_hash(l, 0) : "",
             v->manifest);
    if (lpi_etag_match(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                   "If-None-Match"),
                       etag, false)) {
        lp_lesson_free(l);
        resp = MHD_create_response_from_buffer(0, NULL,
                                               MHD_RESPMEM_PERSISTENT);
        if (resp)
            MHD_add_response_header(resp, "ETag", etag);
        return lpi_send(r, c, 304, resp);
    }
    b = body_new(r->srv, v);
    if (!b) {
        lp_lesson_free(l);
        return lpi_send_error(r, c, 503, "out of memory");
    }
    rc = 0;
    for (size_t k = 0; rc == 0 && k < lp_lesson_need_count(l); k++) {
        lp_entry_info info;
        size_t i;

        rc = lp_package_find(v->pkg, lp_lesson_need_path(l, k), &i);
        if (rc == 0)
            rc = lp_package_entry(v->pkg, i, &info);
        if (rc == 0)
            rc = tar_entry(b, i, &info, lp_package_created(v->pkg));
    }
    if (rc == 0)
        rc = add_lit(b, end, sizeof(end));
    lp_lesson_free(l);
    if (rc < 0) {
        body_free(b);
        return lpi_send_error(r, c, 500, "this lesson cannot be packed");
    }
    if (send_body(r, c, b, &resp) != MHD_YES || !resp)
        return MHD_NO;
    /* lesson ids and language tags are plain ASCII (lpk(5)) */
    snprintf(disp, sizeof(disp), "attachment; filename=\"%s-%s.tar\"",
             lesson, lang);
    MHD_add_response_header(resp, "Content-Type", "application/x-tar");
    MHD_add_response_header(resp, "Content-Disposition", disp);
    MHD_add_response_header(resp, "ETag", etag);
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    return lpi_send(r, c, 200, resp);
}
