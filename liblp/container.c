/*
 * container.c - the ZIP side of a package: opening it with libzip, and
 * streaming one object out of it with its size and hash checked.
 */
#include "lpi.h"

#include <errno.h>
#include <string.h>
#include <zip.h>
#include <zstd.h>

int lpi_zip_open(struct zip **out, lp_ctx *ctx, const char *path,
                 bool check_consistency)
{
    zip_error_t ze;
    int zerr = 0, rc;
    int flags = ZIP_RDONLY | (check_consistency ? ZIP_CHECKCONS : 0);

    *out = zip_open(path, flags, &zerr);
    if (*out)
        return 0;
    zip_error_init_with_code(&ze, zerr);
    switch (zerr) {
    case ZIP_ER_NOENT:
    case ZIP_ER_OPEN:
    case ZIP_ER_READ:
    case ZIP_ER_SEEK:
    case ZIP_ER_MEMORY:
        rc = zerr == ZIP_ER_MEMORY ? LP_ENOMEM : LP_EIO;
        lpi_error(ctx, rc, "cannot open '%s': %s", path,
                  zerr == ZIP_ER_NOENT ? strerror(ENOENT)
                                       : zip_error_strerror(&ze));
        break;
    default:
        /* not a zip, truncated, inconsistent: all mean a bad package */
        rc = lpi_error(ctx, LP_EFORMAT, "'%s' is not a valid package: %s",
                       path, zip_error_strerror(&ze));
        break;
    }
    zip_error_fini(&ze);
    return rc;
}

#define READ_CHUNK (64u * 1024u)

struct lpi_objreader {
    lp_ctx *ctx;
    zip_file_t *zf;
    const lpi_object *obj;
    const char *path;
    ZSTD_DCtx *dctx;
    unsigned char *in;      /* compressed input buffer, READ_CHUNK bytes */
    ZSTD_inBuffer inb;
    uint64_t src_left;      /* stored bytes not read from the zip yet */
    uint64_t produced;      /* content bytes handed out */
    bool frame_done;
    bool finished;          /* hash checked */
    lpi_hasher hash;
};

static int obj_error(lpi_objreader *r, int code, const char *what)
{
    char hex[LP_HASH_HEX_BYTES + 1];

    lpi_hash_hex(hex, r->obj->hash);
    if (r->path)
        return lpi_error(r->ctx, code, "entry '%s' (object %.12s): %s",
                         r->path, hex, what);
    return lpi_error(r->ctx, code, "object %s: %s", hex, what);
}

int lpi_objreader_open(lpi_objreader **out, lp_ctx *ctx, struct zip *zip,
                       const lpi_object *obj, const char *path)
{
    lpi_objreader *r = lpi_calloc(ctx, 1, sizeof(*r));

    *out = NULL;
    if (!r)
        return LP_ENOMEM;
    r->ctx = ctx;
    r->obj = obj;
    r->path = path;
    r->src_left = obj->stored_size;
    lpi_hash_init(&r->hash);
    /* ZIP_FL_COMPRESSED: raw stored bytes, no CRC pass; BLAKE2b checks */
    r->zf = zip_fopen_index(zip, obj->zip_index, ZIP_FL_COMPRESSED);
    if (!r->zf) {
        int rc = obj_error(r, LP_EIO, zip_strerror(zip));
        lpi_objreader_free(r);
        return rc;
    }
    if (obj->compressed) {
        r->in = lpi_malloc(ctx, READ_CHUNK);
        r->dctx = ZSTD_createDCtx();
        if (!r->in || !r->dctx) {
            lpi_objreader_free(r);
            return lpi_nomem(ctx);
        }
        /* hostile frames must not make us allocate huge windows */
        ZSTD_DCtx_setParameter(r->dctx, ZSTD_d_windowLogMax,
                               LP_MAX_WINDOW_LOG);
    }
    *out = r;
    return 0;
}

/* Read up to cap stored bytes from the zip entry */
static int read_src(lpi_objreader *r, void *buf, size_t cap, size_t *got)
{
    zip_int64_t n;

    if (cap > r->src_left)
        cap = (size_t)r->src_left;
    *got = 0;
    if (cap == 0)
        return 0;
    n = zip_fread(r->zf, buf, cap);
    if (n < 0)
        return obj_error(r, LP_EIO, zip_error_strerror(zip_file_get_error(r->zf)));
    if (n == 0)
        return obj_error(r, LP_EFORMAT, "stored data ends early");
    r->src_left -= (uint64_t)n;
    *got = (size_t)n;
    return 0;
}

/* Decompress into buf; out.size 0 means only check the frame has ended */
static int inflate_some(lpi_objreader *r, void *buf, size_t cap,
                        size_t *nread)
{
    ZSTD_outBuffer outb = { buf, cap, 0 };

    while (outb.pos < outb.size && !r->frame_done) {
        size_t ret;

        if (r->inb.pos == r->inb.size && r->src_left > 0) {
            size_t got;
            int rc = read_src(r, r->in, READ_CHUNK, &got);
            if (rc < 0)
                return rc;
            r->inb.src = r->in;
            r->inb.size = got;
            r->inb.pos = 0;
        }
        ret = ZSTD_decompressStream(r->dctx, &outb, &r->inb);
        if (ZSTD_isError(ret))
            return obj_error(r, LP_EFORMAT, ZSTD_getErrorName(ret));
        if (ret == 0)
            r->frame_done = true;
        else if (r->inb.pos == r->inb.size && r->src_left == 0 &&
                 outb.pos < outb.size)
            return obj_error(r, LP_EFORMAT, "compressed data is truncated");
    }
    *nread = outb.pos;
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
            return obj_error(r, LP_EHASH,
                             "content is longer than the manifest says");
        if (r->inb.pos != r->inb.size || r->src_left != 0)
            return obj_error(r, LP_EFORMAT,
                             "data follows the compressed frame");
    }
    r->finished = true;
    lpi_hash_final(&r->hash, h);
    if (sodium_memcmp(h, r->obj->hash, LP_HASH_BYTES) != 0)
        return obj_error(r, LP_EHASH, "hash does not match the manifest");
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
        if (r->obj->compressed)
            rc = inflate_some(r, buf, want, &got);
        else
            rc = read_src(r, buf, want, &got);
        if (rc < 0)
            return rc;
        if (got == 0)
            return obj_error(r, LP_EHASH,
                             "content is shorter than the manifest says");
        lpi_hash_update(&r->hash, buf, got);
        r->produced += got;
    }
    *nread = got;
    if (r->produced == r->obj->size)
        return finish(r);
    return 0;
}

void lpi_objreader_free(lpi_objreader *r)
{
    if (!r)
        return;
    if (r->zf)
        zip_fclose(r->zf);
    ZSTD_freeDCtx(r->dctx);
    lpi_free(r->ctx, r->in);
    lpi_free(r->ctx, r);
}
