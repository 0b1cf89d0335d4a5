/*
 * apply.c - rebuilding a target package from its base and a delta
 * (lpd(5)).
 *
 * A delta comes over a bad link from anywhere, so nothing in it is taken
 * on trust: the target's manifest must hash to what the header says, every
 * object (decoded from the delta, recompressed, or copied from the base)
 * is hashed against that manifest as it is written, and the container is
 * checked by the package reader before the result is renamed into place.
 *
 * Order of work, so that memory stays bounded:
 *  1. the meta block (manifest, signatures, layout), checked whole;
 *  2. segments decoded in delta order into a spool (an unlinked temporary
 *     file), each object hashed and put in its stored form; then base
 *     objects whose stored form changes (a new package dictionary);
 *  3. the package written in its own object order from the spool and the
 *     base, hashed as it goes (byte for byte the target, or not).
 */
#include "lpi_delta.h"
#include "lpi_progress.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_d_stableOutBuffer, ZSTD_getFrameHeader */
#include <zstd.h>
#include <zstd_errors.h>

enum { SRC_COPY, SRC_RECODE, SRC_DELTA };

typedef struct tgt {
    unsigned char *hash;       /* in the parsed manifest (a hole: zeros
                                  until the content is decoded) */
    bool hole;
    uint64_t size;
    uint64_t slen;             /* its bytes in a segment: size, or for a
                                  JPEG XL object its stream's */
    const char *path;          /* for messages; NULL: the dictionary */
    uint8_t form;
    uint8_t src;
    const lpi_object *kept;    /* the base's object of this content */
    bool seen;                 /* in a segment */
    uint64_t spool_off, spool_len;
    uint32_t crc;
} tgt;

typedef struct applier {
    lp_ctx *ctx;
    lp_delta *d;
    lp_package *b;
    uint64_t max_window;
    unsigned char *meta_raw;
    size_t meta_len;           /* its decoded bytes */
    lpi_dmeta meta;
    lpi_manifest tm;
    bool have_tm;
    size_t holes;              /* hashes the manifest leaves to apply */
    tgt *objs;
    size_t nobjs;
    size_t dict_obj;           /* target index of the dictionary, or SIZE_MAX */
    unsigned char *dict;       /* the target's dictionary */
    size_t dict_len;
    int spool;
    uint64_t spool_end;
    ZSTD_CCtx *cctx;
    ZSTD_CDict *cdict;
    /* chunk: content for the compressor, in the writer's chunks; out: what
     * the decoder produced (still being split into objects while the
     * compressor writes to zout, so never the same buffer); io: reads */
    unsigned char *chunk, *out, *zout, *io;
    size_t out_cap, zout_cap;
    /* the object being filled from decoded bytes */
    const lpi_dseg *seg;
    uint32_t next;             /* next content index of seg */
    tgt *cur;
    uint64_t left;
    size_t fill;
    lpi_hasher h;
    lpi_objenc enc;
    unsigned char *jxl;        /* the JPEG XL stream being filled */
    uint32_t crc;
    lpi_progress prog;         /* LP_STAGE_DECODING, LP_STAGE_WRITING */
} applier;

/* Bytes of an object's stored form, appended to the spool */
static int to_spool(void *arg, const void *data, size_t n)
{
    applier *a = arg;

    if (lpi_write_full(a->spool, data, n) < 0)
        return lpi_error(a->ctx, LP_EIO, "cannot write a temporary file: %s",
                         strerror(errno));
    a->crc = lpi_crc32(a->crc, data, n);
    a->spool_end += n;
    return 0;
}

static char *hex12(char out[13], const unsigned char *hash)
{
    char hex[LP_HASH_HEX_BYTES + 1];

    lpi_hash_hex(hex, hash);
    memcpy(out, hex, 12);
    out[12] = '\0';
    return out;
}

static int obj_error(applier *a, const tgt *t, int code, const char *what)
{
    char h[13];

    return lpi_error(a->ctx, code, "%s (object %s%s%s)", what,
                     hex12(h, t->hash), t->path ? ", " : ", the dictionary",
                     t->path ? t->path : "");
}

/* ------------------------------------------------------------ objects */

/* Start putting object t into the spool in its stored form */
static int obj_begin(applier *a, tgt *t)
{
    a->cur = t;
    a->left = t->form == LPI_FORM_JXL ? t->slen : t->size;
    a->fill = 0;
    a->crc = 0;
    t->spool_off = a->spool_end;
    lpi_hash_init(&a->h);
    if (t->form == LPI_FORM_JXL) {
        /* the stream, kept whole to rebuild the JPEG at its end (both
         * bounded by LPI_JXL_MAX_BYTES, check_object()) */
        lpi_free(a->ctx, a->jxl);
        a->jxl = lpi_malloc(a->ctx, (size_t)t->slen + 1);
        return a->jxl ? 0 : lpi_nomem(a->ctx);
    }
    if (t->form != LPI_FORM_STORED)
        return lpi_objenc_begin(&a->enc, a->ctx, a->cctx,
                                t->form == LPI_FORM_DICT ? a->cdict : NULL,
                                t->size);
    return 0;
}

static int obj_end(applier *a)
{
    tgt *t = a->cur;
    unsigned char hash[LP_HASH_BYTES];

    if (t->form == LPI_FORM_JXL) {
        /* the content is the JPEG the stream rebuilds */
        unsigned char *pic = lpi_malloc(a->ctx, (size_t)t->size + 1);
        int rc = pic ? lpi_jxl_decode(a->ctx, a->jxl, (size_t)t->slen, pic,
                                      (size_t)t->size) : lpi_nomem(a->ctx);
        if (rc == 0)
            lpi_hash_update(&a->h, pic, (size_t)t->size);
        lpi_free(a->ctx, pic);
        lpi_free(a->ctx, a->jxl);
        a->jxl = NULL;
        if (rc < 0) {
            char what[256];
            snprintf(what, sizeof(what), "%s", lp_ctx_errmsg(a->ctx));
            return obj_error(a, t, rc, what);
        }
    }
    lpi_hash_final(&a->h, hash);
    if (t->hole)
        memcpy(t->hash, hash, LP_HASH_BYTES); /* checked with the manifest */
    else if (memcmp(hash, t->hash, LP_HASH_BYTES) != 0)
        return obj_error(a, t, LP_EHASH, "content does not match the new "
                         "manifest: the delta is damaged or not for this "
                         "release");
    t->spool_len = a->spool_end - t->spool_off;
    t->crc = a->crc;
    a->cur = NULL;
    return lpi_progress_add(&a->prog, a->ctx, 1, 0);
}

/* Bytes of the current object's content */
static int obj_put(applier *a, const unsigned char *p, size_t n)
{
    int rc = 0;

    if (a->cur->form == LPI_FORM_JXL) {
        /* stored as it comes; hashed once rebuilt (obj_end) */
        memcpy(a->jxl + (a->cur->slen - a->left), p, n);
        a->left -= n;
        rc = lpi_progress_add(&a->prog, a->ctx, 0, n);
        return rc < 0 ? rc : to_spool(a, p, n);
    }
    lpi_hash_update(&a->h, p, n);
    a->left -= n;
    rc = lpi_progress_add(&a->prog, a->ctx, 0, n);
    if (rc < 0)
        return rc;
    if (a->cur->form == LPI_FORM_STORED)
        return to_spool(a, p, n);
    /* the writer's chunks, so the frame comes out the same */
    while (rc == 0 && n > 0) {
        size_t k = LPI_IO_CHUNK - a->fill < n ? LPI_IO_CHUNK - a->fill : n;
        memcpy(a->chunk + a->fill, p, k);
        a->fill += k;
        p += k;
        n -= k;
        if (a->fill == LPI_IO_CHUNK || (a->left == 0 && n == 0)) {
            rc = lpi_objenc_feed(&a->enc, a->ctx, a->chunk, a->fill, a->zout,
                                 a->zout_cap, to_spool, a);
            a->fill = 0;
        }
    }
    return rc;
}

/* Decoded bytes of the current segment: split into its objects */
static int seg_put(void *arg, const void *data, size_t n)
{
    applier *a = arg;
    const unsigned char *p = data;
    int rc = 0;

    while (rc == 0) {
        while (!a->cur && a->next < a->seg->ncontent) {
            rc = obj_begin(a, &a->objs[a->seg->content[a->next++]]);
            if (rc == 0 && a->left == 0)
                rc = obj_end(a);
            if (rc < 0)
                return rc;
        }
        if (n == 0)
            break;
        if (!a->cur)
            return lpi_error(a->ctx, LP_EFORMAT, "delta segment decodes to "
                             "more bytes than its objects hold");
        {
            size_t k = a->left < n ? (size_t)a->left : n;
            rc = obj_put(a, p, k);
            p += k;
            n -= k;
            if (rc == 0 && a->left == 0)
                rc = obj_end(a);
        }
    }
    return rc;
}

/* ------------------------------------------------------------ segments */

/* The whole content of a base object, appended at dst */
static int read_base(applier *a, const lpi_object *o, unsigned char *dst)
{
    int rc = lpi_object_read_all(a->ctx, a->b, o, dst);

    if (rc < 0)
        lpi_error_prefix(a->ctx, "the base package '%s' is damaged",
                         a->b->path);
    return rc;
}

/* A segment's frame header: declared content size and window */
static int frame_header(applier *a, const lpi_dseg *s, size_t i,
                        uint64_t *content, uint64_t *window)
{
    unsigned char h[ZSTD_FRAMEHEADERSIZE_MAX];
    size_t n = s->frame_len < sizeof(h) ? (size_t)s->frame_len : sizeof(h);
    ZSTD_frameHeader fh;
    int rc = lpi_pread_full(a->ctx, a->d->fd, h, n, s->frame_off);

    if (rc < 0)
        return rc;
    if (ZSTD_getFrameHeader(&fh, h, n) != 0 || fh.frameType != ZSTD_frame ||
        fh.dictID != 0)
        return lpi_error(a->ctx, LP_EFORMAT, "delta segment %zu is not a "
                         "Zstandard frame without dictionary", i);
    if (fh.frameContentSize == ZSTD_CONTENTSIZE_UNKNOWN)
        return lpi_error(a->ctx, LP_EFORMAT, "delta segment %zu does not "
                         "declare its size", i);
    *content = fh.frameContentSize;
    *window = fh.windowSize;
    return 0;
}

/* What a zstd decoding error means for a frame of the delta */
static const char *frame_problem(size_t r)
{
    switch (ZSTD_getErrorCode(r)) {
    case ZSTD_error_dstSize_tooSmall:
        return "decodes to more than it declares";
    case ZSTD_error_srcSize_wrong:
        return "is cut short or has bytes after its end";
    case ZSTD_error_frameParameter_windowTooLarge:
        return "needs a larger window than allowed";
    default:
        return "is corrupt";
    }
}

static int zerr(applier *a, size_t i, size_t r)
{
    if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
        return lpi_nomem(a->ctx);
    return lpi_error(a->ctx, LP_EFORMAT, "delta segment %zu %s (zstd: %s)",
                     i, frame_problem(r), ZSTD_getErrorName(r));
}

/* Decode segment i; its content goes to sink (NULL: into *mem) */
static int decode(applier *a, size_t i, uint64_t content, lpi_sink_fn sink,
                  unsigned char **mem)
{
    const lpi_dseg *s = &a->meta.segs[i];
    lp_ctx *ctx = a->ctx;
    ZSTD_DCtx *dctx = ZSTD_createDCtx_advanced(LPI_ZSTD_MEM(ctx));
    unsigned char *buf = NULL;
    uint64_t prefix = 0, in_off = 0, produced = 0;
    size_t ret = 1;
    int rc = dctx ? 0 : lpi_nomem(ctx);

    for (uint32_t k = 0; k < s->nprefix; k++)
        prefix += a->b->objects[s->prefix[k]].size;
    /* with a prefix, or to memory: decoded whole into one buffer (no
     * window buffer of zstd's own); else streamed with a bounded window */
    if (rc == 0 && (s->nprefix > 0 || !sink)) {
        buf = lpi_malloc(ctx, (size_t)(prefix + content) + 1);
        if (!buf)
            rc = lpi_nomem(ctx);
        prefix = 0;
        for (uint32_t k = 0; rc == 0 && k < s->nprefix; k++) {
            const lpi_object *o = &a->b->objects[s->prefix[k]];
            rc = read_base(a, o, buf + prefix);
            prefix += o->size;
        }
        if (rc == 0) {
            ZSTD_DCtx_setParameter(dctx, ZSTD_d_stableOutBuffer, 1);
            ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, 31);
            if (s->nprefix > 0 &&
                ZSTD_isError(ZSTD_DCtx_refPrefix(dctx, buf, (size_t)prefix)))
                rc = lpi_nomem(ctx);
        }
    } else if (rc == 0) {
        unsigned wlog = 10;
        while (wlog < 31 && ((uint64_t)2 << wlog) <= a->max_window)
            wlog++;
        ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, (int)wlog);
    }
    {
        ZSTD_outBuffer ob = { buf ? buf + prefix : a->out,
                              buf ? (size_t)content : a->out_cap, 0 };
        while (rc == 0 && in_off < s->frame_len) {
            size_t n = s->frame_len - in_off < LPI_IO_CHUNK
                       ? (size_t)(s->frame_len - in_off) : LPI_IO_CHUNK;
            ZSTD_inBuffer ib = { a->io, n, 0 };
            rc = lpi_pread_full(ctx, a->d->fd, a->io, n,
                                s->frame_off + in_off);
            while (rc == 0 && ib.pos < ib.size) {
                if (!buf)
                    ob.pos = 0;
                ret = ZSTD_decompressStream(dctx, &ob, &ib);
                if (ZSTD_isError(ret)) {
                    rc = zerr(a, i, ret);
                    break;
                }
                if (!buf) {
                    produced += ob.pos;
                    if (produced > content)
                        rc = lpi_error(ctx, LP_EFORMAT, "delta segment %zu "
                                       "decodes to more than it declares", i);
                    else if (ob.pos > 0)
                        rc = sink(a, a->out, ob.pos);
                }
                if (ret == 0 && ib.pos < ib.size)
                    rc = lpi_error(ctx, LP_EFORMAT, "delta segment %zu has "
                                   "bytes after its frame", i);
                if (ret == 0)
                    break;
            }
            in_off += n;
        }
        /* drain what zstd still holds once the input is all in */
        while (rc == 0 && ret != 0 && !buf) {
            ZSTD_inBuffer ib = { NULL, 0, 0 };
            ob.pos = 0;
            ret = ZSTD_decompressStream(dctx, &ob, &ib);
            if (ZSTD_isError(ret)) {
                rc = zerr(a, i, ret);
                break;
            }
            if (ob.pos == 0)
                break;
            produced += ob.pos;
            if (produced > content)
                rc = lpi_error(ctx, LP_EFORMAT, "delta segment %zu decodes "
                               "to more than it declares", i);
            else
                rc = sink(a, a->out, ob.pos);
        }
        if (buf)
            produced = ob.pos;
    }
    if (rc == 0 && (ret != 0 || produced != content))
        rc = lpi_error(ctx, LP_EFORMAT, "delta segment %zu is cut short", i);
    if (rc == 0 && buf && sink)
        rc = sink(a, buf + prefix, (size_t)content);
    ZSTD_freeDCtx(dctx);
    if (rc == 0 && mem) {
        *mem = lpi_malloc(ctx, (size_t)content + 1);
        if (*mem)
            memcpy(*mem, buf + prefix, (size_t)content);
        else
            rc = LP_ENOMEM;
    }
    lpi_free(ctx, buf);
    return rc;
}

/* Segment i, its frame header checked by check_segments() */
static int run_segment(applier *a, size_t i)
{
    const lpi_dseg *s = &a->meta.segs[i];
    int rc;

    a->seg = s;
    a->next = 0;
    a->cur = NULL;
    rc = decode(a, i, s->content_size, seg_put, NULL);
    if (rc == 0)
        rc = seg_put(a, NULL, 0); /* empty objects at the end */
    if (rc == 0 && (a->cur || a->next != s->ncontent))
        rc = lpi_error(a->ctx, LP_EFORMAT, "delta segment %zu is cut short",
                       i);
    return rc;
}

/* ------------------------------------------------------------ checks */

#define bad(a, ...) lpi_error((a)->ctx, LP_EFORMAT, __VA_ARGS__)

static int cmp_hashp(const void *x, const void *y)
{
    return memcmp(*(const unsigned char *const *)x,
                  *(const unsigned char *const *)y, LP_HASH_BYTES);
}

/* The meta block: decoded against the base's manifest, checked whole.
 * Its frame is streamed in chunks: nothing the header or the frame
 * declares is allocated before it is checked against the limits. */
static int read_meta(applier *a)
{
    lp_ctx *ctx = a->ctx;
    const lpi_dheader *h = &a->d->h;
    unsigned char head[ZSTD_FRAMEHEADERSIZE_MAX], *buf = NULL;
    unsigned char hash[LP_HASH_BYTES];
    unsigned long long size;
    ZSTD_DCtx *dctx = NULL;
    size_t n = h->meta_size < sizeof(head) ? (size_t)h->meta_size
                                           : sizeof(head);
    size_t ret = 1;
    int rc;

    if (h->meta_size > LPI_DELTA_MAX_META)
        return lpi_error(ctx, LP_ETOOBIG, "delta meta block is larger than "
                         "lpd(5) allows");
    rc = lpi_pread_full(ctx, a->d->fd, head, n, h->header_len);
    size = rc == 0 ? ZSTD_getFrameContentSize(head, n) : 0;
    if (rc == 0 && (size == ZSTD_CONTENTSIZE_ERROR ||
                    size == ZSTD_CONTENTSIZE_UNKNOWN))
        rc = lpi_error(ctx, LP_EFORMAT, "delta meta block is not a "
                       "Zstandard frame that declares its size");
    if (rc == 0 && size > LPI_DELTA_MAX_META)
        rc = lpi_error(ctx, LP_ETOOBIG, "delta meta block declares %llu "
                       "bytes, more than lpd(5) allows", size);
    if (rc == 0 && size + a->b->manifest_len > a->max_window)
        rc = lpi_error(ctx, LP_ETOOBIG, "delta meta block needs %llu bytes "
                       "of memory, more than the %" PRIu64 " allowed",
                       size + a->b->manifest_len, a->max_window);
    if (rc == 0) {
        a->meta_len = (size_t)size;
        a->meta_raw = lpi_malloc(ctx, (size_t)size + 1);
        buf = lpi_malloc(ctx, LPI_IO_CHUNK);
        dctx = ZSTD_createDCtx_advanced(LPI_ZSTD_MEM(ctx));
        if (!a->meta_raw || !buf || !dctx)
            rc = lpi_nomem(ctx);
    }
    if (rc == 0) {
        ZSTD_outBuffer ob = { a->meta_raw, (size_t)size, 0 };
        uint64_t off = 0;

        ZSTD_DCtx_setParameter(dctx, ZSTD_d_stableOutBuffer, 1);
        ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, 31);
        /* (the prefix is a dictionary zstd allocates) */
        if (ZSTD_isError(ZSTD_DCtx_refPrefix(dctx, a->b->manifest_bytes,
                                             a->b->manifest_len)))
            rc = lpi_nomem(ctx);
        while (rc == 0 && ret != 0 && off < h->meta_size) {
            size_t k = h->meta_size - off < LPI_IO_CHUNK
                       ? (size_t)(h->meta_size - off) : LPI_IO_CHUNK;
            ZSTD_inBuffer ib = { buf, k, 0 };
            rc = lpi_pread_full(ctx, a->d->fd, buf, k, h->header_len + off);
            off += k;
            while (rc == 0 && ret != 0 && ib.pos < ib.size) {
                size_t was_in = ib.pos, was_out = ob.pos;
                ret = ZSTD_decompressStream(dctx, &ob, &ib);
                if (ZSTD_isError(ret) && ZSTD_getErrorCode(ret) ==
                                         ZSTD_error_memory_allocation)
                    rc = lpi_nomem(ctx);
                else if (ZSTD_isError(ret))
                    rc = lpi_error(ctx, LP_EFORMAT, "delta meta block %s "
                                   "(zstd: %s)", frame_problem(ret),
                                   ZSTD_getErrorName(ret));
                else if (ret != 0 && ib.pos == was_in && ob.pos == was_out)
                    rc = lpi_error(ctx, LP_EFORMAT, "delta meta block "
                                   "decodes to more than it declares");
            }
            if (rc == 0 && ret == 0 && (ib.pos < ib.size ||
                                        off < h->meta_size))
                rc = lpi_error(ctx, LP_EFORMAT, "delta meta block has bytes "
                               "after its frame");
        }
        if (rc == 0 && (ret != 0 || ob.pos != size))
            rc = lpi_error(ctx, LP_EFORMAT, "delta meta block is cut short");
    }
    ZSTD_freeDCtx(dctx);
    lpi_free(ctx, buf);
    if (rc == 0)
        rc = lpi_dmeta_parse(&a->meta, ctx, a->meta_raw, (size_t)size,
                             h->format);
    if (rc < 0)
        return rc;
    rc = lpi_manifest_parse(&a->tm, ctx, a->meta.manifest,
                            a->meta.manifest_len);
    if (rc < 0)
        return lpi_error_prefix(ctx, "the delta's new manifest");
    a->have_tm = true;
    a->holes = lpi_delta_holes(&a->tm);
    /* with holes, the hash is checked once apply has filled them */
    if (a->holes == 0) {
        lpi_hash_init(&a->h);
        lpi_hash_update(&a->h, a->meta.manifest, a->meta.manifest_len);
        lpi_hash_final(&a->h, hash);
        if (memcmp(hash, h->target_manifest, LP_HASH_BYTES) != 0)
            return lpi_error(ctx, LP_EHASH, "the delta's new manifest does "
                             "not match its header");
    }
    if (strcmp(a->tm.id, h->target_id) != 0 ||
        a->tm.version != h->target_version)
        return lpi_error(ctx, LP_EFORMAT, "the delta's new manifest is not "
                         "the release its header names");
    return 0;
}

/* Target object i of the meta block's table */
static int check_object(applier *a, size_t i)
{
    const lpi_dobj *o = &a->meta.objs[i];
    tgt *t = &a->objs[i];

    t->form = o->form & ~LPI_FORM_RECODE;
    if (o->entry == LPI_DELTA_DICT_ENTRY) {
        if (!a->tm.has_dictionary || a->dict_obj != SIZE_MAX)
            return bad(a, "delta lists a dictionary the manifest does not "
                       "have (object %zu)", i);
        if (o->form != LPI_FORM_STORED)
            return bad(a, "delta stores the dictionary compressed (object "
                       "%zu)", i);
        a->dict_obj = i;
        t->hash = a->tm.dictionary;
        t->hole = lpi_hash_is_hole(t->hash);
    } else if (o->entry >= a->tm.nentries) {
        return bad(a, "delta object %zu names an entry past the end of the "
                   "manifest", i);
    } else {
        t->hash = a->tm.entries[o->entry].hash;
        t->size = a->tm.entries[o->entry].size;
        t->path = a->tm.entries[o->entry].path;
        t->hole = lpi_hash_is_hole(t->hash);
        if (t->form == LPI_FORM_DICT && !a->tm.has_dictionary)
            return bad(a, "delta object %zu uses a dictionary the manifest "
                       "does not have", i);
        if (t->size == 0 && t->form != LPI_FORM_STORED)
            return bad(a, "delta compresses empty object %zu", i);
        /* lpk(5) JPEG XL objects: a picture of at most 8 MiB, its stream
         * smaller */
        if (t->form == LPI_FORM_JXL && (t->size > LPI_JXL_MAX_BYTES ||
                                        o->stream == 0 ||
                                        o->stream >= t->size))
            return bad(a, "delta object %zu: a JPEG XL stream of %" PRIu64
                       " bytes for %" PRIu64 " bytes of content", i,
                       o->stream, t->size);
    }
    t->slen = t->form == LPI_FORM_JXL ? o->stream : t->size;
    t->kept = t->hole ? NULL : lpi_package_object(a->b, t->hash);
    if ((o->form & LPI_FORM_RECODE) && !t->kept)
        return bad(a, "delta object %zu: only an object the base has can be "
                   "compressed again", i);
    if (t->kept && t->path && t->kept->size != t->size)
        return lpi_error(a->ctx, LP_EFORMAT, "the new manifest gives '%s' %"
                         PRIu64 " bytes; the base has that content with %"
                         PRIu64, t->path, t->size, t->kept->size);
    if (t->kept && !t->path)
        t->size = t->kept->size;
    /* any base object of that content may be the new dictionary: within
     * lpk(5)'s limit, or apply would read a huge one whole */
    if (t->kept && !t->path && t->size > LP_MAX_DICTIONARY_BYTES)
        return lpi_error(a->ctx, LP_ETOOBIG, "the delta's new manifest "
                         "names as its dictionary a base object of %" PRIu64
                         " bytes; lpk(5) allows at most %u: the delta is "
                         "damaged or hostile (get it again from the "
                         "publisher)", t->size, LP_MAX_DICTIONARY_BYTES);
    /* a JPEG XL object is copied from a base that has it so, the same
     * bytes; else the delta carries its stream (apply makes none) */
    if (t->form == LPI_FORM_JXL) {
        t->src = t->kept && !(o->form & LPI_FORM_RECODE) &&
                 lpi_object_form(a->b, t->kept) == LPI_FORM_JXL
                 ? SRC_COPY : SRC_DELTA;
        return 0;
    }
    t->src = !t->kept ? SRC_DELTA
             : !(o->form & LPI_FORM_RECODE) &&
               t->form == lpi_object_form(a->b, t->kept) &&
               (t->form != LPI_FORM_DICT ||
                memcmp(a->b->m.dictionary, a->tm.dictionary,
                       LP_HASH_BYTES) == 0)
             ? SRC_COPY : SRC_RECODE;
    return 0;
}

/* The target's objects: each distinct content of the new manifest once */
static int check_objects(applier *a)
{
    lp_ctx *ctx = a->ctx;
    const unsigned char **hashes;
    size_t holes = 0;
    int rc = 0;

    /* distinct contents: at most one per entry, and the dictionary */
    if (a->meta.nobjs > a->tm.nentries + 1)
        return bad(a, "delta lists %zu objects for a manifest of %zu "
                   "entries", a->meta.nobjs, a->tm.nentries);
    a->nobjs = a->meta.nobjs;
    a->objs = lpi_calloc(ctx, a->nobjs + 1, sizeof(*a->objs));
    hashes = lpi_calloc(ctx, a->nobjs + 1, sizeof(*hashes));
    if (!a->objs || !hashes) {
        lpi_free(ctx, hashes);
        return LP_ENOMEM;
    }
    a->dict_obj = SIZE_MAX;
    for (size_t i = 0; rc == 0 && i < a->nobjs; i++) {
        rc = check_object(a, i);
        hashes[i] = a->objs[i].hash;
        /* a hole is filled by exactly one object: the entry's own */
        for (size_t k = 0; rc == 0 && k < i && a->objs[i].hole; k++)
            if (a->objs[k].hole && a->objs[k].hash == a->objs[i].hash)
                rc = bad(a, "delta lists one object twice (object %zu "
                         "fills a hole of its manifest already filled)", i);
    }
    /* distinct, and every content of the manifest is there */
    if (rc == 0)
        lpi_sort(hashes, a->nobjs, sizeof(*hashes), cmp_hashp);
    /* holes are each their own object: one per hole of the manifest */
    for (size_t i = 0; rc == 0 && i < a->nobjs; i++)
        if (lpi_hash_is_hole(hashes[i]))
            holes++;
    if (rc == 0 && holes != a->holes)
        rc = bad(a, "delta places %zu objects in the %zu hashes its "
                 "manifest leaves open", holes, a->holes);
    for (size_t i = holes + 1; rc == 0 && i < a->nobjs; i++)
        if (memcmp(hashes[i - 1], hashes[i], LP_HASH_BYTES) == 0)
            rc = bad(a, "delta lists one object twice (%zu objects)",
                     a->nobjs);
    for (size_t i = 0; rc == 0 && i < a->tm.nentries; i++) {
        const unsigned char *hp = a->tm.entries[i].hash;
        if (!bsearch(&hp, hashes, a->nobjs, sizeof(*hashes), cmp_hashp))
            rc = lpi_error(ctx, LP_EFORMAT, "delta does not place the "
                           "content of '%s'", a->tm.entries[i].path);
    }
    if (rc == 0 && a->tm.has_dictionary && a->dict_obj == SIZE_MAX)
        rc = bad(a, "delta does not place the dictionary (%zu objects)",
                 a->nobjs);
    lpi_free(ctx, hashes);
    return rc;
}

/* Segments: within the delta, every new object in exactly one, within
 * the memory allowed */
static int check_segments(applier *a)
{
    const lpi_dheader *h = &a->d->h;
    uint64_t off = h->header_len + h->meta_size;
    uint64_t end = a->d->file_size - LPI_DELTA_TRAILER;

    if (a->meta.nsegs != h->segments)
        return bad(a, "delta header and meta block disagree on the number "
                   "of segments (%zu)", a->meta.nsegs);
    for (size_t i = 0; i < a->meta.nsegs; i++) {
        lpi_dseg *s = &a->meta.segs[i];
        uint64_t prefix = 0, content = 0, declared = 0, window = 0;
        int rc;

        if (s->frame_len > end - off)
            return bad(a, "delta segment %zu runs past the end of the delta",
                       i);
        s->frame_off = off;
        off += s->frame_len;
        if (s->ncontent == 0)
            return bad(a, "delta segment %zu is empty", i);
        for (uint32_t k = 0; k < s->nprefix; k++) {
            if (s->prefix[k] >= a->b->nobjects)
                return bad(a, "delta segment %zu names a base object that "
                           "does not exist", i);
            prefix += a->b->objects[s->prefix[k]].size;
        }
        for (uint32_t k = 0; k < s->ncontent; k++) {
            tgt *t;
            if (s->content[k] >= a->nobjs)
                return bad(a, "delta segment %zu names an object that does "
                           "not exist", i);
            t = &a->objs[s->content[k]];
            if (t->seen || t->src != SRC_DELTA)
                return bad(a, "delta segment %zu carries an object twice or "
                           "one the base has", i);
            t->seen = true;
            if (s->content[k] == a->dict_obj && (i != 0 || s->ncontent != 1))
                return bad(a, "delta segment %zu: a new dictionary must be "
                           "alone in the first segment", i);
            content += t->slen;
        }
        rc = frame_header(a, s, i, &declared, &window);
        if (rc < 0)
            return rc;
        /* a new dictionary has no size in the manifest: its frame's */
        if (s->content[0] == a->dict_obj) {
            if (declared > LP_MAX_DICTIONARY_BYTES)
                return lpi_error(a->ctx, LP_ETOOBIG, "the delta's dictionary "
                                 "is %" PRIu64 " bytes; lpk(5) allows at "
                                 "most %u", declared, LP_MAX_DICTIONARY_BYTES);
            a->objs[a->dict_obj].size = content = declared;
            a->objs[a->dict_obj].slen = declared;
        }
        if (declared != content)
            return bad(a, "delta segment %zu declares %" PRIu64 " bytes; its "
                       "objects hold %" PRIu64, i, declared, content);
        if (s->nprefix > 0 && (prefix + content > a->max_window ||
                               prefix > a->max_window))
            return lpi_error(a->ctx, LP_ETOOBIG, "delta segment %zu needs "
                             "%" PRIu64 " bytes of memory, more than the %"
                             PRIu64 " allowed", i, prefix + content,
                             a->max_window);
        if (s->nprefix == 0 && window > a->max_window && window > content)
            return lpi_error(a->ctx, LP_ETOOBIG, "delta segment %zu needs a %"
                             PRIu64 "-byte window, more than the %" PRIu64
                             " allowed", i, window, a->max_window);
        s->prefix_size = prefix;
        s->content_size = content;
        s->window = window;
    }
    if (off != end)
        return bad(a, "delta has %zu bytes that no segment accounts for",
                   (size_t)(end - off));
    for (size_t i = 0; i < a->nobjs; i++)
        if (a->objs[i].src == SRC_DELTA && !a->objs[i].seen)
            return obj_error(a, &a->objs[i], LP_EFORMAT, "the delta does "
                             "not carry a new object");
    return 0;
}

static const char *dir_of(lp_ctx *ctx, const char *path, char **owned)
{
    const char *slash = strrchr(path, '/');

    *owned = NULL;
    if (!slash)
        return ".";
    if (slash == path)
        return "/";
    *owned = lpi_malloc(ctx, (size_t)(slash - path) + 1);
    if (!*owned)
        return NULL;
    memcpy(*owned, path, (size_t)(slash - path));
    (*owned)[slash - path] = '\0';
    return *owned;
}

/* Room for the package and the spool where out goes: the one figure
 * lpack info and lpack delta print too (lp_delta_disk_bytes()) */
static int check_space(applier *a, const char *out, lp_apply_result *res)
{
    uint64_t need = lp_delta_disk_bytes(&a->d->info);
    struct statvfs sv;
    char *owned;
    const char *dir = dir_of(a->ctx, out, &owned);
    int rc = 0;

    if (!dir)
        return LP_ENOMEM;
    res->disk_needed = need;
    if (statvfs(dir, &sv) == 0) {
        res->disk_free = (uint64_t)sv.f_bavail * sv.f_frsize;
        if (res->disk_free < need)
            rc = lpi_error(a->ctx, LP_EIO, "not enough free space in '%s': "
                           "apply needs %" PRIu64 " bytes, %" PRIu64
                           " are free", dir, need, res->disk_free);
    } else {
        rc = lpi_error(a->ctx, LP_EIO, "cannot read the free space of '%s': "
                       "%s", dir, strerror(errno));
    }
    lpi_free(a->ctx, owned);
    return rc;
}

/* ------------------------------------------------------------ memory */

uint64_t lpi_dstream_memory(uint64_t window, uint64_t content)
{
    size_t buf = ZSTD_decodingBufferSize_min(window, content);

    if (ZSTD_isError(buf))
        return UINT64_MAX;
    return (uint64_t)ZSTD_estimateDCtxSize() + ZSTD_BLOCKSIZE_MAX + buf;
}

static uint64_t cstream_memory(ZSTD_compressionParameters c)
{
    return ZSTD_estimateCStreamSize_usingCParams(c);
}

uint64_t lpi_encode_memory(int level, uint64_t size, uint64_t dict_len)
{
    ZSTD_compressionParameters plain, with, cd;
    uint64_t m, x;

    if (size == 0)
        return 0;          /* stored as is: empty content is not compressed */
    plain = ZSTD_getCParams(level, size, 0);
    m = cstream_memory(plain);
    if (dict_len == 0)
        return m;
    /* with a dictionary, zstd sizes its tables for the source and the
     * dictionary, or takes the dictionary's own (made for a small source,
     * as ZSTD_createCDict does) with the frame's window */
    with = ZSTD_getCParams(level, size, (size_t)dict_len);
    cd = ZSTD_getCParams(level, 513, (size_t)dict_len);
    if (cd.windowLog < with.windowLog)
        cd.windowLog = with.windowLog;
    if (cd.windowLog < plain.windowLog)
        cd.windowLog = plain.windowLog;
    x = cstream_memory(with);
    m = x > m ? x : m;
    x = cstream_memory(cd);
    return x > m ? x : m;
}

uint64_t lpi_cdict_memory(int level, uint64_t dict_len)
{
    return ZSTD_estimateCDictSize((size_t)dict_len, level);
}

uint64_t lpi_segment_memory(uint64_t prefix, uint64_t content,
                            uint64_t window, bool whole, bool dict)
{
    if (!whole)
        return lpi_dstream_memory(window, content);
    return prefix + content + 1 + ZSTD_estimateDCtxSize() +
           (dict ? content + 1 : 0);
}

uint64_t lpi_apply_memory(const lpi_applymem *m)
{
    const uint64_t nzip = m->nobjs + m->nsigs + 2;
    uint64_t fixed, resident, reopen;

    /* buffers (chunk, io, the verifier's; decoder and encoder output),
     * the object readers' input, a decoder's own context */
    fixed = 3 * (uint64_t)LPI_IO_CHUNK + ZSTD_DStreamOutSize() +
            ZSTD_CStreamOutSize() + 2 * 64 * 1024 +
            2 * ZSTD_estimateDCtxSize() + sizeof(lp_ctx);
    /* the meta block (its bytes, the manifest parsed from them, the
     * tables) and the new dictionary, held to the end */
    resident = 3 * m->meta_len + m->nentries * sizeof(lpi_mentry) +
               m->nlanguages * sizeof(char *) + m->nobjs * 256 +
               m->nsigs * sizeof(lpi_dsig) + m->nsegs * sizeof(lpi_dseg) +
               m->nindices * sizeof(uint32_t) + m->dict_len;
    if (m->dict_len > 0)
        resident += lpi_cdict_memory(m->level, m->dict_len);
    /* the end: the ZIP directory written, then the result opened and
     * checked as a package (its directory, manifest, object table and
     * dictionary), once the decoders are gone */
    reopen = nzip * 512 + 2 * (m->manifest_len + 1) +
             m->nentries * sizeof(lpi_mentry) + 2 * m->dict_len +
             ZSTD_estimateDDictSize((size_t)m->dict_len, ZSTD_dlm_byCopy);
    return fixed + resident + m->encode + m->verify +
           (m->decode > reopen ? m->decode : reopen);
}

/* What apply allocates at most, from what the checks established (sizes
 * of the manifest's objects, the frames' headers, the base's frames) */
typedef struct memplan {
    uint64_t total;
    uint64_t decode;          /* largest decoder: a segment, a base object */
    uint64_t encode;          /* the compressor, at the header's level */
    const tgt *encode_obj;    /* the object that needs it */
} memplan;

static uint64_t max64(uint64_t x, uint64_t y)
{
    return x > y ? x : y;
}

static void plan_memory(const applier *a, memplan *p)
{
    lpi_applymem m;

    memset(&m, 0, sizeof(m));
    m.level = a->d->h.level;
    m.meta_len = a->meta_len;
    m.manifest_len = a->meta.manifest_len;
    m.nentries = a->tm.nentries;
    m.nlanguages = a->tm.nlanguages;
    m.nobjs = a->nobjs;
    m.nsigs = a->meta.nsigs;
    m.nsegs = a->meta.nsegs;
    m.dict_len = a->dict_obj == SIZE_MAX ? 0 : a->objs[a->dict_obj].size;
    memset(p, 0, sizeof(*p));
    for (size_t i = 0; i < a->meta.nsegs; i++) {
        const lpi_dseg *s = &a->meta.segs[i];
        bool dict = s->content[0] == a->dict_obj;
        m.nindices += s->nprefix + s->ncontent;
        m.decode = max64(m.decode, lpi_segment_memory(s->prefix_size,
                         s->content_size, s->window, s->nprefix > 0 || dict,
                         dict));
    }
    for (size_t i = 0; i < a->nobjs; i++) {
        const tgt *t = &a->objs[i];
        uint64_t enc;
        /* a base object's decoder: compressed again, or checked by the
         * verifier (on its own thread, at the same time) */
        if (t->kept && t->kept->compressed) {
            uint64_t dec = lpi_dstream_memory(t->kept->window, t->kept->size);
            if (t->src == SRC_RECODE)
                m.decode = max64(m.decode, dec);
            else if (t->src == SRC_COPY)
                m.verify = max64(m.verify, dec);
        }
        if (t->src == SRC_COPY || t->form == LPI_FORM_STORED ||
            t->form == LPI_FORM_JXL)
            continue;
        enc = lpi_encode_memory(m.level, t->size,
                                t->form == LPI_FORM_DICT ? m.dict_len : 0);
        if (enc > m.encode) {
            m.encode = enc;
            p->encode_obj = t;
        }
    }
    p->decode = m.decode;
    p->encode = m.encode;
    p->total = lpi_apply_memory(&m);
}

/* The plan within the limit: --max-window and the fixed margin */
static int check_memory(applier *a, memplan *p)
{
    const uint64_t limit = a->max_window + LP_APPLY_MEMORY_MARGIN;

    plan_memory(a, p);
    if (p->total <= limit)
        return 0;
    if (p->encode_obj && p->encode > a->max_window) {
        const tgt *t = p->encode_obj;
        return lpi_error(a->ctx, LP_ETOOBIG, "applying this delta needs %"
                         PRIu64 " bytes of memory, more than the %" PRIu64
                         " allowed (--max-window %" PRIu64 " and %llu for "
                         "buffers): compressing %s%s%s (%" PRIu64 " bytes) "
                         "again at zstd level %d, as the new release was "
                         "made, takes %" PRIu64 " alone; allow more with "
                         "--max-window if this machine has the memory",
                         p->total, limit, a->max_window,
                         (unsigned long long)LP_APPLY_MEMORY_MARGIN,
                         t->path ? "'" : "", t->path ? t->path
                         : "the dictionary", t->path ? "'" : "", t->size,
                         a->d->h.level, p->encode);
    }
    return lpi_error(a->ctx, LP_ETOOBIG, "applying this delta needs %" PRIu64
                     " bytes of memory (%" PRIu64 " to decode, %" PRIu64
                     " to compress at zstd level %d), more than the %" PRIu64
                     " allowed (--max-window %" PRIu64 " and %llu for "
                     "buffers): allow more with --max-window, or ask for a "
                     "delta made with a smaller one", p->total, p->decode,
                     p->encode, a->d->h.level, limit, a->max_window,
                     (unsigned long long)LP_APPLY_MEMORY_MARGIN);
}

/* ------------------------------------------------------------ writing */

/* The manifest's holes, filled with the hashes of the decoded content;
 * then it must be the release's manifest, byte for byte */
static int fill_holes(applier *a)
{
    /* the meta block's own bytes, which are ours to change */
    unsigned char *text = a->meta_raw + (a->meta.manifest - a->meta_raw);
    size_t *at = lpi_calloc(a->ctx, a->tm.nentries + 1, sizeof(*at));
    unsigned char hash[LP_HASH_BYTES];
    char hex[LP_HASH_HEX_BYTES + 1];
    size_t dict_at;
    int rc = at ? 0 : LP_ENOMEM;

    if (rc == 0)
        rc = lpi_manifest_hash_offsets(a->ctx, text, a->meta.manifest_len,
                                       a->tm.nentries, &dict_at, at);
    for (size_t i = 0; rc == 0 && i < a->nobjs; i++) {
        const tgt *t = &a->objs[i];
        size_t off = t->path ? at[a->meta.objs[i].entry] : dict_at;
        if (!t->hole)
            continue;
        if (off == SIZE_MAX || off + LP_HASH_HEX_BYTES > a->meta.manifest_len)
            rc = lpi_error(a->ctx, LP_EINTERNAL, "no hash field to fill");
        lpi_hash_hex(hex, t->hash);
        if (rc == 0)
            memcpy(text + off, hex, LP_HASH_HEX_BYTES);
    }
    lpi_free(a->ctx, at);
    if (rc < 0)
        return rc;
    lpi_hash_init(&a->h);
    lpi_hash_update(&a->h, a->meta.manifest, a->meta.manifest_len);
    lpi_hash_final(&a->h, hash);
    if (memcmp(hash, a->d->h.target_manifest, LP_HASH_BYTES) != 0)
        return lpi_error(a->ctx, LP_EHASH, "the delta's new manifest does "
                         "not match its header once completed with the "
                         "hashes of its content: the delta is damaged or not "
                         "for this release");
    return 0;
}

/* A base object that changes form: decoded and put again */
static int recode(applier *a, tgt *t)
{
    lpi_objreader *r;
    int rc = lpi_objreader_open(&r, a->ctx, a->b, t->kept, NULL);

    if (rc == 0)
        rc = obj_begin(a, t);
    while (rc == 0) {
        size_t n;
        rc = lpi_objreader_read(r, a->io, LPI_IO_CHUNK, &n);
        if (rc < 0 || n == 0)
            break;
        if (n > a->left)
            rc = lpi_error(a->ctx, LP_EFORMAT, "base object is longer than "
                           "its size");
        else
            rc = obj_put(a, a->io, n);
    }
    lpi_objreader_free(r);
    if (rc == 0 && a->left != 0)
        rc = lpi_error(a->ctx, LP_EFORMAT, "base object ends early");
    if (rc == 0)
        rc = obj_end(a);
    if (rc < 0)
        lpi_error_prefix(a->ctx, "the base package '%s'", a->b->path);
    return rc;
}

/* A base object copied as stored; its CRC checked on the way (its content
 * is hashed by the verifier, on the other core) */
static int copy_base(applier *a, lpi_zipw *z, const tgt *t)
{
    const lpi_object *o = t->kept;
    uint64_t off = 0;
    uint32_t crc = 0;
    int rc = 0;

    while (rc == 0 && off < o->stored_size) {
        size_t n = o->stored_size - off < LPI_IO_CHUNK
                   ? (size_t)(o->stored_size - off) : LPI_IO_CHUNK;
        rc = lpi_pread_full(a->ctx, a->b->fd, a->io, n, o->offset + off);
        if (rc == 0) {
            crc = lpi_crc32(crc, a->io, n);
            rc = lpi_zipw_write(z, a->ctx, a->io, n);
        }
        if (rc == 0)
            rc = lpi_progress_add(&a->prog, a->ctx, 0, n);
        off += n;
    }
    if (rc == 0 && crc != o->crc)
        rc = lpi_error(a->ctx, LP_EHASH, "its bytes do not match their CRC");
    if (rc < 0) {
        char hx[13];
        lpi_error_prefix(a->ctx, "the base package '%s' is damaged (object "
                         "%s)", a->b->path, hex12(hx, t->hash));
    }
    return rc;
}

/* The content of every base object copied as stored is hashed against the
 * manifest by a thread of its own, while the main one decodes segments
 * and writes the package; apply fails if any does not match */
typedef struct verifier {
    applier *a;
    lp_ctx *ctx;
    pthread_t tid;
    bool started;
    atomic_bool stop;
    int rc;
    size_t bad;                /* the object that failed */
    unsigned char *buf;
} verifier;

static void *verify_main(void *arg)
{
    verifier *v = arg;
    applier *a = v->a;

    for (size_t i = 0; i < a->nobjs && !atomic_load(&v->stop); i++) {
        const tgt *t = &a->objs[i];
        lpi_objreader *r;
        int rc;
        if (t->src != SRC_COPY)
            continue;
        /* the reader checks size and hash against the base's manifest,
         * which names this content with the hash the new one does */
        rc = lpi_objreader_open(&r, v->ctx, a->b, t->kept, NULL);
        while (rc == 0) {
            size_t n;
            rc = lpi_objreader_read(r, v->buf, LPI_IO_CHUNK, &n);
            if (n == 0)
                break;
        }
        lpi_objreader_free(r);
        if (rc < 0) {
            v->rc = rc;
            v->bad = i;
            break;
        }
    }
    return NULL;
}

static int verifier_start(verifier *v, applier *a)
{
    int rc;

    memset(v, 0, sizeof(*v));
    v->a = a;
    atomic_init(&v->stop, false);
    rc = lp_ctx_new(&v->ctx, &a->ctx->alloc);
    if (rc < 0)
        return lpi_nomem(a->ctx);
    v->buf = lpi_malloc(a->ctx, LPI_IO_CHUNK);
    if (!v->buf)
        return lpi_nomem(a->ctx);
    v->started = pthread_create(&v->tid, NULL, verify_main, v) == 0;
    return 0;
}

/* Wait for the verifier (or do its work here if it never started) */
static int verifier_finish(verifier *v, int rc)
{
    applier *a = v->a;

    if (!a)
        return rc;
    if (rc < 0)
        atomic_store(&v->stop, true);
    if (v->started)
        pthread_join(v->tid, NULL);
    else if (rc == 0 && v->ctx && v->buf)
        verify_main(v);
    if (rc == 0 && v->rc < 0) {
        char hx[13];
        rc = lpi_error(a->ctx, v->rc, "the base package '%s' is damaged "
                       "(object %s): %s", a->b->path,
                       hex12(hx, a->objs[v->bad].hash),
                       lp_ctx_errmsg(v->ctx));
    }
    lpi_free(a->ctx, v->buf);
    if (v->ctx)
        lp_ctx_free(v->ctx);
    memset(v, 0, sizeof(*v));
    return rc;
}

static int write_package(applier *a, int fd, unsigned char hash[LP_HASH_BYTES],
                         uint64_t *size)
{
    lp_ctx *ctx = a->ctx;
    lpi_hasher h;
    lpi_zipw z;
    int rc;

    uint64_t bytes = 0;

    for (size_t i = 0; i < a->nobjs; i++)
        bytes += a->objs[i].src == SRC_COPY ? a->objs[i].kept->stored_size
                                            : a->objs[i].spool_len;
    lpi_hash_init(&h);
    lpi_zipw_init(&z, fd, a->tm.created);
    rc = lpi_progress_begin(&a->prog, ctx, LP_STAGE_WRITING, a->nobjs, bytes);
    if (rc == 0)
        rc = lpi_zipw_begin(&z, ctx, LPI_MIMETYPE_NAME, strlen(LPI_MIMETYPE),
                        lpi_crc32(0, LPI_MIMETYPE, strlen(LPI_MIMETYPE)));
    if (rc == 0)
        rc = lpi_zipw_write(&z, ctx, LPI_MIMETYPE, strlen(LPI_MIMETYPE));
    if (rc == 0)
        rc = lpi_zipw_begin(&z, ctx, LPI_MANIFEST_NAME, a->meta.manifest_len,
                            lpi_crc32(0, a->meta.manifest,
                                      a->meta.manifest_len));
    if (rc == 0)
        rc = lpi_zipw_write(&z, ctx, a->meta.manifest, a->meta.manifest_len);
    for (size_t i = 0; rc == 0 && i < a->nobjs; i++) {
        const tgt *t = &a->objs[i];
        char name[sizeof(LPI_OBJECTS_DIR) + LP_HASH_HEX_BYTES + 8];
        char hex[LP_HASH_HEX_BYTES + 1];
        const char *suffix = t->form == LPI_FORM_STORED ? ""
                             : t->form == LPI_FORM_JXL ? LPI_JXL_SUFFIX
                             : LPI_ZST_SUFFIX;

        lpi_hash_hex(hex, t->hash);
        snprintf(name, sizeof(name), LPI_OBJECTS_DIR "%s%s", hex, suffix);
        if (t->src == SRC_COPY) {
            rc = lpi_zipw_begin(&z, ctx, name, t->kept->stored_size,
                                t->kept->crc);
            if (rc == 0)
                rc = copy_base(a, &z, t);
            if (rc == 0)
                rc = lpi_progress_add(&a->prog, ctx, 1, 0);
            continue;
        }
        rc = lpi_zipw_begin(&z, ctx, name, t->spool_len, t->crc);
        for (uint64_t off = 0; rc == 0 && off < t->spool_len;) {
            size_t n = t->spool_len - off < LPI_IO_CHUNK
                       ? (size_t)(t->spool_len - off) : LPI_IO_CHUNK;
            rc = lpi_pread_full(ctx, a->spool, a->io, n, t->spool_off + off);
            if (rc == 0)
                rc = lpi_zipw_write(&z, ctx, a->io, n);
            if (rc == 0)
                rc = lpi_progress_add(&a->prog, ctx, 0, n);
            off += n;
        }
        if (rc == 0)
            rc = lpi_progress_add(&a->prog, ctx, 1, 0);
    }
    for (size_t i = 0; rc == 0 && i < a->meta.nsigs; i++) {
        const lpi_dsig *s = &a->meta.sigs[i];
        rc = lpi_zipw_begin(&z, ctx, s->name, s->len,
                            lpi_crc32(0, s->data, s->len));
        if (rc == 0)
            rc = lpi_zipw_write(&z, ctx, s->data, s->len);
    }
    /* the directory onwards is hashed: the same as the target's, and the
     * same file size, is the same file (lpd(5), target-file) */
    z.hash = &h;
    if (rc == 0)
        rc = lpi_zipw_finish(&z, ctx);
    if (rc == 0)
        rc = lpi_progress_end(&a->prog, ctx);
    *size = z.pos;
    lpi_zipw_dispose(&z, ctx);
    lpi_hash_final(&h, hash);
    return rc;
}

/* The target's dictionary, first: objects that use it need it */
static int load_dictionary(applier *a)
{
    tgt *t;
    int rc;

    if (a->dict_obj == SIZE_MAX)
        return 0;
    t = &a->objs[a->dict_obj];
    if (t->kept) {
        a->dict = lpi_malloc(a->ctx, (size_t)t->kept->size + 1);
        if (!a->dict)
            return lpi_nomem(a->ctx);
        a->dict_len = (size_t)t->kept->size;
        rc = read_base(a, t->kept, a->dict);
    } else {
        /* its size: the frame's, checked by check_segments() */
        uint64_t content = a->meta.segs[0].content_size;
        rc = decode(a, 0, content, NULL, &a->dict);
        a->dict_len = (size_t)content;
        if (rc == 0) {
            a->seg = &a->meta.segs[0];
            a->next = 1;
            rc = obj_begin(a, t);
            if (rc == 0)
                rc = obj_put(a, a->dict, a->dict_len);
            if (rc == 0)
                rc = obj_end(a);
        }
    }
    if (rc == 0) {
        a->cdict = ZSTD_createCDict(a->dict, a->dict_len, a->d->h.level);
        if (!a->cdict)
            rc = lpi_nomem(a->ctx);
    }
    return rc;
}

static void applier_dispose(applier *a)
{
    lp_ctx *ctx = a->ctx;

    if (a->spool >= 0)
        close(a->spool);
    ZSTD_freeCCtx(a->cctx);
    ZSTD_freeCDict(a->cdict);
    lpi_free(ctx, a->dict);
    lpi_free(ctx, a->chunk);
    lpi_free(ctx, a->out);
    lpi_free(ctx, a->zout);
    lpi_free(ctx, a->io);
    lpi_free(ctx, a->jxl);
    lpi_free(ctx, a->objs);
    lpi_dmeta_dispose(&a->meta, ctx);
    if (a->have_tm)
        lpi_manifest_dispose(&a->tm, ctx);
    lpi_free(ctx, a->meta_raw);
    lpi_progress_dispose(&a->prog);
}

static int check_base(applier *a)
{
    const lpi_dheader *h = &a->d->h;
    unsigned char mh[LP_HASH_BYTES];
    char want[13], have[13];

    lpi_manifest_hash(a->b, mh);
    if (memcmp(mh, h->base_manifest, LP_HASH_BYTES) == 0)
        return 0;
    return lpi_error(a->ctx, LP_EBASE, "this delta updates '%s' version %"
                     PRIu64 " (manifest %s); '%s' is '%s' version %" PRIu64
                     " (manifest %s)", h->base_id, h->base_version,
                     hex12(want, h->base_manifest), a->b->path, a->b->m.id,
                     a->b->m.version, hex12(have, mh));
}

int lp_delta_apply(lp_delta *d, lp_package *base, const char *out,
                   const lp_apply_opts *opts, lp_apply_result *result)
{
    lp_apply_opts defaults = LP_APPLY_OPTS_INIT;
    lp_apply_result dummy;
    verifier v = { NULL, NULL, 0, false, false, 0, 0, NULL };
    lp_ctx *ctx;
    applier a;
    lpi_buf tmp;
    unsigned char hash[LP_HASH_BYTES];
    uint64_t size = 0;
    lp_package_check_fn check;
    int fd = -1, rc;

    LP_ASSERT_ARG(d && base && out);
    ctx = d->ctx;
    if (!opts)
        opts = &defaults;
    if (!result)
        result = &dummy;
    memset(result, 0, sizeof(*result));
    if (opts->version < 1 || opts->version > LP_APPLY_OPTS_VERSION)
        return lpi_error(ctx, LP_EINVAL, "unknown lp_apply_opts version %u",
                         opts->version);
    rc = lpi_package_check_all(base, ctx);
    if (rc < 0)
        return rc;
    check = opts->version >= 3 ? opts->check : NULL;
    memset(&a, 0, sizeof(a));
    a.ctx = ctx;
    a.d = d;
    a.b = base;
    a.spool = -1;
    a.max_window = opts->max_window ? opts->max_window
                                    : LP_DELTA_DEFAULT_WINDOW;
    /* version 1 ends before progress */
    lpi_progress_init(&a.prog, opts->version >= 2 ? opts->progress : NULL,
                      opts->version >= 2 ? opts->progress_user : NULL);
    lpi_buf_init(&tmp, SIZE_MAX / 2);

    rc = check_base(&a);
    if (rc == 0 && d->h.window > a.max_window)
        rc = lpi_error(ctx, LP_ETOOBIG, "this delta needs %" PRIu64 " bytes "
                       "of memory to decode; at most %" PRIu64 " are "
                       "allowed (ask for a delta made with --max-window)",
                       d->h.window, a.max_window);
    if (rc == 0)
        rc = read_meta(&a);
    if (rc == 0)
        rc = check_objects(&a);
    if (rc == 0)
        rc = check_segments(&a);
    if (rc == 0) {
        memplan mp;
        rc = check_memory(&a, &mp);
        result->memory = mp.total;
    }
    if (rc == 0)
        rc = check_space(&a, out, result);
    if (rc < 0 || opts->dry_run) {
        applier_dispose(&a);
        return rc;
    }

    a.out_cap = ZSTD_DStreamOutSize();
    a.zout_cap = ZSTD_CStreamOutSize();
    a.zout = lpi_malloc(ctx, a.zout_cap);
    a.chunk = lpi_malloc(ctx, LPI_IO_CHUNK);
    a.io = lpi_malloc(ctx, LPI_IO_CHUNK);
    a.out = lpi_malloc(ctx, a.out_cap);
    a.cctx = ZSTD_createCCtx_advanced(LPI_ZSTD_MEM(ctx));
    if (!a.chunk || !a.io || !a.out || !a.zout || !a.cctx)
        rc = lpi_nomem(ctx);
    if (rc == 0)
        lpi_objenc_params(a.cctx, d->h.level);
    if (rc == 0)
        rc = lpi_spool_open(ctx, out, &a.spool);
    if (rc == 0)
        rc = verifier_start(&v, &a);
    if (rc == 0)
        rc = load_dictionary(&a);
    if (rc == 0) {
        /* what the segments and the recoding rebuild (a dictionary the
         * delta carries is done already) */
        uint64_t items = 0, bytes = 0;
        for (size_t i = 0; i < a.nobjs; i++)
            if (a.objs[i].src != SRC_COPY &&
                !(i == a.dict_obj && !a.objs[i].kept)) {
                items++;
                bytes += a.objs[i].size;
            }
        rc = lpi_progress_begin(&a.prog, ctx, LP_STAGE_DECODING, items,
                                bytes);
    }
    for (size_t i = 0; rc == 0 && i < a.meta.nsegs; i++)
        if (!(i == 0 && a.dict_obj != SIZE_MAX && !a.objs[a.dict_obj].kept))
            rc = run_segment(&a, i);
    for (size_t i = 0; rc == 0 && i < a.nobjs; i++)
        if (a.objs[i].src == SRC_RECODE)
            rc = recode(&a, &a.objs[i]);
    if (rc == 0 && a.holes > 0)
        rc = fill_holes(&a);
    if (rc == 0)
        rc = lpi_progress_end(&a.prog, ctx);

    if (rc == 0)
        rc = lpi_temp_create(ctx, out, 0644, &tmp, &fd);
    if (rc == 0) {
        rc = write_package(&a, fd, hash, &size);
        rc = verifier_finish(&v, rc);
        rc = lpi_atomic_finish(ctx, fd, tmp.data, rc);
        fd = -1;
        /* the reader's own checks on the result, before it takes the
         * final name (objects were hashed as they were written) */
        if (rc == 0) {
            lp_package *p;
            rc = lp_package_open(&p, ctx, tmp.data);
            if (rc < 0)
                lpi_error_prefix(ctx, "the rebuilt package fails its checks");
            /* the caller's policy (signatures, rollback, expiry) last */
            if (rc == 0 && check)
                rc = check(p, opts->check_user);
            lp_package_free(p);
        }
        rc = lpi_atomic_install(ctx, tmp.data, out, rc);
    }
    rc = verifier_finish(&v, rc); /* if it is still running: a failure */
    if (rc == 0)
        result->identical = size == d->h.target_size &&
                            memcmp(hash, d->h.target_hash, LP_HASH_BYTES) == 0;
    lpi_buf_dispose(&tmp, ctx);
    applier_dispose(&a);
    return rc;
}
