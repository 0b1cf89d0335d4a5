/*
 * objenc.c - the Zstandard framing of one object.
 *
 * The writer compresses each object with this, and so does apply when it
 * rebuilds an object of a new release from a delta: fed the same content
 * in the same chunks with the same parameters, zstd gives the same frame,
 * so the rebuilt package is byte for byte the one the writer made.  The
 * chunking is therefore part of the contract: LPI_IO_CHUNK bytes at a
 * time, and a flush once LPI_PROBE_BYTES have gone in.
 */
#include "lpi_package.h"

#include <zstd.h>
#include <zstd_errors.h>

void lpi_objenc_params(ZSTD_CCtx *cctx, int level)
{
    ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0);
}

/* zstd's own allocations go through the context's allocator: one that
 * fails is out of memory, not a bug */
static int zstd_failed(lp_ctx *ctx, size_t r)
{
    if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
        return lpi_nomem(ctx);
    return lpi_error(ctx, LP_EINTERNAL, "zstd: %s", ZSTD_getErrorName(r));
}

int lpi_objenc_begin(lpi_objenc *e, lp_ctx *ctx, ZSTD_CCtx *cctx,
                     const ZSTD_CDict *cdict, uint64_t size)
{
    size_t r;

    e->cctx = cctx;
    e->size = size;
    e->off = 0;
    e->frame = 0;
    /* the session first: zstd ignores a dictionary given in the middle of
     * a frame (one the writer gave up on as incompressible), and the next
     * object would silently go without it */
    ZSTD_CCtx_reset(cctx, ZSTD_reset_session_only);
    r = ZSTD_CCtx_refCDict(cctx, cdict);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setPledgedSrcSize(cctx, size);
    if (ZSTD_isError(r))
        return zstd_failed(ctx, r);
    return 0;
}

int lpi_objenc_feed(lpi_objenc *e, lp_ctx *ctx, const void *data, size_t n,
                    unsigned char *out, size_t out_cap, lpi_sink_fn sink,
                    void *arg)
{
    ZSTD_inBuffer ib = { data, n, 0 };
    uint64_t off = e->off + n;
    /* at the probe point, flush so the output so far measures the ratio
     * (zstd holds back up to a block otherwise) */
    bool probe = off >= LPI_PROBE_BYTES && e->off < LPI_PROBE_BYTES;
    ZSTD_EndDirective end = off == e->size ? ZSTD_e_end
                            : probe ? ZSTD_e_flush : ZSTD_e_continue;
    size_t left;
    int rc;

    if (off > e->size || (n != LPI_IO_CHUNK && off != e->size))
        return lpi_error(ctx, LP_EINTERNAL, "object fed in uneven chunks");
    e->off = off;
    do {
        ZSTD_outBuffer ob = { out, out_cap, 0 };
        left = ZSTD_compressStream2(e->cctx, &ob, &ib, end);
        if (ZSTD_isError(left))
            return zstd_failed(ctx, left);
        if (ob.pos > 0) {
            rc = sink(arg, out, ob.pos);
            if (rc < 0)
                return rc;
        }
        e->frame += ob.pos;
    } while (end == ZSTD_e_continue ? ib.pos < ib.size : left != 0);
    return 0;
}
