/*
 * container.c - streaming one object out of a package with its size and
 * hash checked (lpk(5) checks 24 and 25), and checking a compressed
 * object's frame header before any decompression (check 22).
 *
 * Objects are plain ranges of the file (zipread.c checked them), read with
 * pread(2), so any number of threads can read one package at once.
 */
#include "lpi_package.h"

#include <stdio.h>
#include <string.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_createDCtx_advanced */
#include <zstd.h>
#include <zstd_errors.h>

#define READ_CHUNK (64u * 1024u)
#define ZSTD_MAGIC 0xfd2fb528u
#define FRAME_HEADER_MAX 18u

struct lpi_objreader {
    lp_ctx *ctx;
    int fd;
    const lpi_object *obj;
    const char *path;
    ZSTD_DCtx *dctx;
    unsigned char *in;      /* compressed input buffer, READ_CHUNK bytes */
    ZSTD_inBuffer inb;
    unsigned char *pic;     /* a JPEG XL object's content, rebuilt whole */
    uint64_t src_pos;       /* stored bytes read so far */
    uint64_t produced;      /* content bytes handed out */
    bool frame_done;
    bool finished;          /* hash checked */
    lpi_hasher hash;
    lpi_hasher chash;       /* of the current chunk, if it has chunks */
    uint64_t chunk_no;
};

static int obj_error(lp_ctx *ctx, const lpi_object *obj, const char *path,
                     int code, const char *what)
{
    char hex[LP_HASH_HEX_BYTES + 1];

    lpi_hash_hex(hex, obj->hash);
    if (path)
        return lpi_error(ctx, code, "entry '%s' (object %.12s): %s", path,
                         hex, what);
    return lpi_error(ctx, code, "object %s: %s", hex, what);
}

int lpi_frame_check(lp_ctx *ctx, int fd, const lpi_object *obj,
                    const char *path, unsigned dict_id, bool *needs_dict,
                    uint64_t *window_out)
{
    unsigned char h[FRAME_HEADER_MAX];
    size_t n = obj->stored_size < sizeof(h) ? (size_t)obj->stored_size
                                            : sizeof(h);
    unsigned fhd, fcs_flag, single, dict_flag, need;
    uint64_t window = 0, fcs = 0;
    size_t at = 5;
    int rc;

    rc = lpi_pread_full(ctx, fd, h, n, obj->offset);
    if (rc < 0)
        return rc;
    if (n < 6 || (uint32_t)(h[0] | h[1] << 8 | h[2] << 16 |
                            (uint32_t)h[3] << 24) != ZSTD_MAGIC)
        return obj_error(ctx, obj, path, LP_EFORMAT,
                         "not a Zstandard frame");
    fhd = h[4];
    fcs_flag = fhd >> 6;
    single = (fhd >> 5) & 1;
    dict_flag = fhd & 3;
    if (fhd & 0x08)
        return obj_error(ctx, obj, path, LP_EFORMAT,
                         "Zstandard frame has its reserved bit set");
    if (fcs_flag == 0 && !single)
        return obj_error(ctx, obj, path, LP_EFORMAT,
                         "Zstandard frame does not record the content size");
    need = 5 + !single + (dict_flag == 3 ? 4 : dict_flag) +
           (fcs_flag == 0 ? 1 : 1u << fcs_flag);
    if (obj->stored_size <= need)
        return obj_error(ctx, obj, path, LP_EFORMAT,
                         "Zstandard frame is cut short");
    if (!single) {
        unsigned wd = h[at++], wlog = 10 + (wd >> 3);
        uint64_t base = (uint64_t)1 << wlog;
        window = base + base / 8 * (wd & 7);
    }
    {
        unsigned len = dict_flag == 3 ? 4 : dict_flag;
        uint32_t id = 0;

        for (unsigned k = 0; k < len; k++)
            id |= (uint32_t)h[at++] << (8 * k);
        /* 0 means none; anything else must be the package's dictionary */
        if (id != 0 && id != dict_id)
            return obj_error(ctx, obj, path, LP_EFORMAT, "Zstandard frame "
                             "needs a dictionary the package does not have");
        *needs_dict = id != 0;
    }
    switch (fcs_flag) {
    case 0: fcs = h[at]; break;
    case 1: fcs = (uint64_t)(h[at] | h[at + 1] << 8) + 256; break;
    case 2:
        for (unsigned k = 0; k < 4; k++)
            fcs |= (uint64_t)h[at + k] << (8 * k);
        break;
    default:
        for (unsigned k = 0; k < 8; k++)
            fcs |= (uint64_t)h[at + k] << (8 * k);
    }
    if (single)
        window = fcs;
    if (fcs != obj->size)
        return obj_error(ctx, obj, path, LP_EHASH, "Zstandard frame holds "
                         "another size than the manifest says");
    if (window > ((uint64_t)1 << LP_MAX_WINDOW_LOG))
        return obj_error(ctx, obj, path, LP_ETOOBIG, "Zstandard frame needs "
                         "a window larger than 128 MiB");
    *window_out = window;
    return 0;
}

static int read_src(lpi_objreader *r, void *buf, size_t cap, size_t *got);

/* A JPEG XL object: the JPEG rebuilt whole, which reads then hand out (and
 * hash as they go).  Both sizes were bounded when the package was opened
 * (LPI_JXL_MAX_BYTES; the stream is smaller than the content). */
static int rebuild_jpeg(lpi_objreader *r)
{
    const lpi_object *o = r->obj;
    unsigned char *src = lpi_malloc(r->ctx, (size_t)o->stored_size + 1);
    size_t got = 0;
    int rc;

    r->pic = lpi_malloc(r->ctx, (size_t)o->size + 1);
    if (!src || !r->pic) {
        lpi_free(r->ctx, src);
        return lpi_nomem(r->ctx);
    }
    rc = read_src(r, src, (size_t)o->stored_size, &got);
    if (rc == 0)
        rc = lpi_jxl_decode(r->ctx, src, got, r->pic, (size_t)o->size);
    lpi_free(r->ctx, src);
    if (rc < 0) {
        char what[256];
        snprintf(what, sizeof(what), "%s", lp_ctx_errmsg(r->ctx));
        return obj_error(r->ctx, o, r->path, rc, what);
    }
    return 0;
}

int lpi_objreader_open(lpi_objreader **out, lp_ctx *ctx, lp_package *p,
                       const lpi_object *obj, const char *path)
{
    lpi_objreader *r;
    int rc;

    *out = NULL;
    rc = lpi_object_ready(p, ctx, obj);
    if (rc < 0)
        return rc;
    r = lpi_calloc(ctx, 1, sizeof(*r));
    if (!r)
        return LP_ENOMEM;
    r->ctx = ctx;
    r->fd = p->fd;
    r->obj = obj;
    r->path = path;
    lpi_hash_init(&r->hash);
    lpi_hash_init(&r->chash);
    if (obj->compressed) {
        r->in = lpi_malloc(ctx, READ_CHUNK);
        r->dctx = ZSTD_createDCtx_advanced(LPI_ZSTD_MEM(ctx));
        if (!r->in || !r->dctx) {
            lpi_objreader_free(r);
            return lpi_nomem(ctx);
        }
        /* hostile frames must not make us allocate huge windows */
        ZSTD_DCtx_setParameter(r->dctx, ZSTD_d_windowLogMax,
                               LP_MAX_WINDOW_LOG);
        if (obj->ddict)
            ZSTD_DCtx_refDDict(r->dctx, obj->ddict);
    } else if (obj->jxl) {
        rc = rebuild_jpeg(r);
        if (rc < 0) {
            lpi_objreader_free(r);
            return rc;
        }
    }
    *out = r;
    return 0;
}

int lpi_object_ready(lp_package *p, lp_ctx *ctx, const lpi_object *obj)
{
    /* the table is the package's; only this function writes to it after
     * open, under the lock, before ready is set */
    lpi_object *o = &p->objects[obj - p->objects];
    int rc;

    if (atomic_load_explicit(&o->ready, memory_order_acquire))
        return 0;
    rc = lpi_zip_entry_ready(&p->zip, ctx, o->zip_index);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&p->sh->lock);
    if (!atomic_load_explicit(&o->ready, memory_order_relaxed)) {
        bool needs_dict = false;

        o->offset = p->zip.entries[o->zip_index].data;
        if (o->compressed)
            rc = lpi_frame_check(ctx, p->fd, o,
                                 p->m.entries[o->first_entry].path,
                                 p->dict_id, &needs_dict, &o->window);
        if (rc == 0) {
            o->ddict = needs_dict ? p->ddict : NULL;
            atomic_store_explicit(&o->ready, 1, memory_order_release);
        }
    }
    pthread_mutex_unlock(&p->sh->lock);
    return rc;
}

int lpi_package_check_all(lp_package *p, lp_ctx *ctx)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < p->nobjects; i++)
        rc = lpi_object_ready(p, ctx, &p->objects[i]);
    for (size_t i = 2; rc == 0 && i < p->zip.count; i++)
        rc = lpi_zip_entry_ready(&p->zip, ctx, i);
    return rc;
}

/* Read up to cap stored bytes */
static int read_src(lpi_objreader *r, void *buf, size_t cap, size_t *got)
{
    uint64_t left = r->obj->stored_size - r->src_pos;
    int rc;

    if (cap > left)
        cap = (size_t)left;
    *got = 0;
    if (cap == 0)
        return 0;
    rc = lpi_pread_full(r->ctx, r->fd, buf, cap, r->obj->offset + r->src_pos);
    if (rc < 0) {
        char what[256];
        snprintf(what, sizeof(what), "%s", lp_ctx_errmsg(r->ctx));
        return obj_error(r->ctx, r->obj, r->path, rc, what);
    }
    r->src_pos += cap;
    *got = cap;
    return 0;
}

/* Decompress into buf, up to cap bytes */
static int inflate_some(lpi_objreader *r, void *buf, size_t cap,
                        size_t *nread)
{
    ZSTD_outBuffer outb = { buf, cap, 0 };

    while (outb.pos < outb.size && !r->frame_done) {
        size_t ret;

        if (r->inb.pos == r->inb.size &&
            r->src_pos < r->obj->stored_size) {
            size_t got;
            int rc = read_src(r, r->in, READ_CHUNK, &got);
            if (rc < 0)
                return rc;
            r->inb.src = r->in;
            r->inb.size = got;
            r->inb.pos = 0;
        }
        ret = ZSTD_decompressStream(r->dctx, &outb, &r->inb);
        /* the decoder stops at the size the frame header declared (and
         * we checked that against the manifest): more is a mismatch */
        if (ZSTD_isError(ret) &&
            ZSTD_getErrorCode(ret) == ZSTD_error_dstSize_tooSmall)
            return obj_error(r->ctx, r->obj, r->path, LP_EHASH,
                             "content is longer than the manifest says");
        if (ZSTD_isError(ret) &&
            ZSTD_getErrorCode(ret) == ZSTD_error_memory_allocation)
            return lpi_nomem(r->ctx);
        if (ZSTD_isError(ret))
            return obj_error(r->ctx, r->obj, r->path, LP_EFORMAT,
                             ZSTD_getErrorName(ret));
        if (ret == 0)
            r->frame_done = true;
        else if (r->inb.pos == r->inb.size &&
                 r->src_pos == r->obj->stored_size && outb.pos < outb.size)
            return obj_error(r->ctx, r->obj, r->path, LP_EFORMAT,
                             "compressed data is truncated");
    }
    *nread = outb.pos;
    return 0;
}

/* Chunk k of obj, just read, against its hash in the manifest */
static int chunk_check(lp_ctx *ctx, const lpi_object *obj, const char *path,
                       uint64_t k, const unsigned char h[LP_HASH_BYTES])
{
    unsigned char want[LP_HASH_BYTES];
    char what[96];

    /* the manifest parser checked these digits */
    lpi_hash_unhex(want, obj->chunk_hex + k * LP_HASH_HEX_BYTES);
    if (sodium_memcmp(h, want, LP_HASH_BYTES) == 0)
        return 0;
    snprintf(what, sizeof(what), "chunk %llu (bytes from %llu) does not "
             "match the manifest", (unsigned long long)k,
             (unsigned long long)(k * obj->chunk_size));
    return obj_error(ctx, obj, path, LP_EHASH, what);
}

/* Content bytes p (n of them, from r->produced) into the chunk hashes,
 * each checked as its last byte goes by */
static int chunk_feed(lpi_objreader *r, const unsigned char *p, size_t n)
{
    const lpi_object *o = r->obj;
    uint64_t at = r->produced;

    while (n > 0) {
        uint64_t end = (r->chunk_no + 1) * o->chunk_size;
        unsigned char h[LP_HASH_BYTES];
        size_t take;
        int rc;

        if (end > o->size)
            end = o->size;
        take = end - at < n ? (size_t)(end - at) : n;
        lpi_hash_update(&r->chash, p, take);
        at += take;
        p += take;
        n -= take;
        if (at < end)
            break;
        lpi_hash_final(&r->chash, h);
        rc = chunk_check(r->ctx, o, r->path, r->chunk_no++, h);
        if (rc < 0)
            return rc;
        lpi_hash_init(&r->chash);
    }
    return 0;
}

static int finish(lpi_objreader *r)
{
    unsigned char h[LP_HASH_BYTES];

    if (r->obj->compressed) {
        unsigned char probe;
        size_t extra = 0;
        int rc = 0;

        if (!r->frame_done)
            rc = inflate_some(r, &probe, 1, &extra);
        if (rc < 0)
            return rc;
        if (extra || !r->frame_done)
            return obj_error(r->ctx, r->obj, r->path, LP_EHASH,
                             "content is longer than the manifest says");
        if (r->inb.pos != r->inb.size || r->src_pos != r->obj->stored_size)
            return obj_error(r->ctx, r->obj, r->path, LP_EFORMAT,
                             "data follows the compressed frame");
    }
    r->finished = true;
    lpi_hash_final(&r->hash, h);
    if (sodium_memcmp(h, r->obj->hash, LP_HASH_BYTES) != 0)
        return obj_error(r->ctx, r->obj, r->path, LP_EHASH,
                         "hash does not match the manifest");
    return 0;
}

int lpi_objreader_read(lpi_objreader *r, void *buf, size_t cap,
                       size_t *nread)
{
    uint64_t left = r->obj->size - r->produced;
    size_t want = cap < left ? cap : (size_t)left;
    size_t got = 0;
    int rc;

    *nread = 0;
    if (r->finished)
        return 0;
    if (want > 0) {
        if (r->obj->compressed) {
            rc = inflate_some(r, buf, want, &got);
        } else if (r->obj->jxl) {
            memcpy(buf, r->pic + r->produced, want);
            got = want;
            rc = 0;
        } else {
            rc = read_src(r, buf, want, &got);
        }
        if (rc < 0)
            return rc;
        if (got == 0)
            return obj_error(r->ctx, r->obj, r->path, LP_EHASH,
                             "content is shorter than the manifest says");
        lpi_hash_update(&r->hash, buf, got);
        if (r->obj->chunk_hex) {
            rc = chunk_feed(r, buf, got);
            if (rc < 0)
                return rc;
        }
        r->produced += got;
    }
    *nread = got;
    if (r->produced == r->obj->size)
        return finish(r);
    return 0;
}

int lpi_object_read_all(lp_ctx *ctx, lp_package *p, const lpi_object *obj,
                        unsigned char *dst)
{
    lpi_objreader *r;
    uint64_t done = 0;
    int rc = lpi_objreader_open(&r, ctx, p, obj, NULL);

    while (rc == 0 && done < obj->size) {
        size_t n;
        uint64_t left = obj->size - done;
        rc = lpi_objreader_read(r, dst + done, left > (1u << 30)
                                ? (1u << 30) : (size_t)left, &n);
        if (rc == 0 && n == 0)
            rc = lpi_error(ctx, LP_EFORMAT, "object ends before its size");
        done += n;
    }
    if (rc == 0) {
        size_t n; /* read on to the end: the reader checks the hash there */
        unsigned char x;
        rc = lpi_objreader_read(r, &x, 1, &n);
    }
    lpi_objreader_free(r);
    return rc;
}

/* A stored object with chunk hashes: only the chunks the range touches are
 * read, each checked whole; chunks inside the range go straight to buf */
static int read_chunked(lp_ctx *ctx, lp_package *p, const lpi_object *o,
                        const char *path, uint64_t off, unsigned char *buf,
                        size_t len)
{
    const uint64_t cs = o->chunk_size, end = off + len;
    unsigned char *scratch = NULL;
    int rc = 0;

    for (uint64_t k = off / cs; rc == 0 && k * cs < end; k++) {
        uint64_t start = k * cs;
        size_t clen = o->size - start < cs ? (size_t)(o->size - start)
                                           : (size_t)cs;
        bool inside = start >= off && start + clen <= end;
        unsigned char *dst = inside ? buf + (start - off) : scratch;
        unsigned char h[LP_HASH_BYTES];
        lpi_hasher hs;

        if (!dst) {
            dst = scratch = lpi_malloc(ctx, (size_t)cs);
            if (!scratch)
                return LP_ENOMEM;
        }
        rc = lpi_pread_full(ctx, p->fd, dst, clen, o->offset + start);
        if (rc < 0)
            break;
        lpi_hash_init(&hs);
        lpi_hash_update(&hs, dst, clen);
        lpi_hash_final(&hs, h);
        rc = chunk_check(ctx, o, path, k, h);
        if (rc == 0 && !inside) {
            uint64_t from = start > off ? start : off;
            uint64_t to = start + clen < end ? start + clen : end;
            memcpy(buf + (from - off), dst + (from - start),
                   (size_t)(to - from));
        }
    }
    lpi_free(ctx, scratch);
    return rc;
}

/* Any other object: decoded from its start, and on past the range to the
 * end of its last chunk, or of the object without chunk hashes, so that
 * every byte handed out was checked */
static int read_streamed(lp_ctx *ctx, lp_package *p, const lpi_object *o,
                         const char *path, uint64_t off, unsigned char *buf,
                         size_t len)
{
    uint64_t until = o->size, end = off + len;
    unsigned char *scratch = lpi_malloc(ctx, READ_CHUNK);
    lpi_objreader *r = NULL;
    int rc;

    if (!scratch)
        return LP_ENOMEM;
    if (o->chunk_hex) {
        uint64_t cs = o->chunk_size;
        until = (end + cs - 1) / cs * cs;
        if (until > o->size)
            until = o->size;
    }
    rc = lpi_objreader_open(&r, ctx, p, o, path);
    while (rc == 0 && r->produced < until) {
        uint64_t at = r->produced;
        unsigned char *dst = scratch;
        size_t want = READ_CHUNK, got;

        if (at < off && off - at < want)
            want = (size_t)(off - at);      /* up to the range */
        else if (at >= off && at < end) {
            dst = buf + (at - off);         /* the range itself */
            want = end - at;
        } else if (until - at < want)
            want = (size_t)(until - at);    /* past it, to a checked end */
        rc = lpi_objreader_read(r, dst, want, &got);
        if (rc == 0 && got == 0)
            rc = obj_error(ctx, o, path, LP_EHASH, "content is shorter "
                           "than the manifest says");
    }
    lpi_objreader_free(r);
    lpi_free(ctx, scratch);
    return rc;
}

int lpi_object_read_at(lp_ctx *ctx, lp_package *p, const lpi_object *obj,
                       const char *path, uint64_t off, void *buf, size_t len,
                       size_t *nread)
{
    int rc;

    *nread = 0;
    if (off >= obj->size || len == 0)
        return 0;
    if (len > obj->size - off)
        len = (size_t)(obj->size - off);
    rc = lpi_object_ready(p, ctx, obj);
    if (rc == 0 && obj->chunk_hex && !obj->compressed && !obj->jxl)
        rc = read_chunked(ctx, p, obj, path, off, buf, len);
    else if (rc == 0)
        rc = read_streamed(ctx, p, obj, path, off, buf, len);
    if (rc == 0)
        *nread = len;
    return rc;
}

void lpi_objreader_free(lpi_objreader *r)
{
    if (!r)
        return;
    ZSTD_freeDCtx(r->dctx);
    lpi_free(r->ctx, r->in);
    lpi_free(r->ctx, r->pic);
    lpi_free(r->ctx, r);
}
