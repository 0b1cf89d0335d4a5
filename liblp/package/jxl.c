/*
 * jxl.c - JPEG pictures stored as JPEG XL (lpk(5) "JPEG XL objects").
 *
 * libjxl recompresses a JPEG without loss: it keeps the JPEG's DCT
 * coefficients and a "jbrd" box with everything else the file held
 * (markers, Huffman tables, EXIF, padding), and gives back the very same
 * bytes.  Textbook photos come out about 0.7x.
 *
 * Both directions work on whole pictures in memory (at most
 * LPI_JXL_MAX_BYTES each).  Everything libjxl allocates goes through the
 * lp_ctx's allocator with a ceiling (LPI_JXL_MEMORY), and a stream whose
 * picture is larger than LPI_JXL_MAX_PIXELS is refused before its pixels
 * are decoded, so a hostile stream cannot make a reader allocate much.
 * No parallel runner: one picture is one thread, which keeps the output
 * the same whatever the thread count (the writer runs pictures side by
 * side instead).
 */
#include "lpi_package.h"

#include <string.h>

#ifdef HAVE_LIBJXL
#include <jxl/decode.h>
#include <jxl/encode.h>

bool lpi_jxl_available(void)
{
    return true;
}

uint32_t lpi_jxl_version(void)
{
    return JxlEncoderVersion();
}

/* The budget libjxl allocates from: each block carries its size in front
 * (16 bytes, keeping libjxl's alignment) */
typedef struct budget {
    lp_ctx *ctx;
    size_t used, limit;
    bool over;               /* a request was refused for the ceiling */
} budget;

#define HDR 16u

static void *budget_alloc(void *opaque, size_t size)
{
    budget *b = opaque;
    unsigned char *p;

    if (size > b->limit - b->used || size > SIZE_MAX - HDR) {
        b->over = true;
        return NULL;
    }
    p = lpi_malloc(b->ctx, size + HDR);
    if (!p)
        return NULL;
    memcpy(p, &size, sizeof(size));
    b->used += size;
    return p + HDR;
}

static void budget_free(void *opaque, void *address)
{
    budget *b = opaque;
    unsigned char *p = address;
    size_t size;

    if (!p)
        return;
    p -= HDR;
    memcpy(&size, p, sizeof(size));
    b->used -= size;
    lpi_free(b->ctx, p);
}

static int budget_failed(const budget *b, int code, const char *what)
{
    if (b->over)
        return lpi_error(b->ctx, LP_ETOOBIG, "JPEG XL %s needs more than "
                         "%u MiB of memory (LPI_JXL_MEMORY)", what,
                         LPI_JXL_MEMORY >> 20);
    return code;
}

/* Whether libjxl can keep this JPEG: its frame header says Huffman coding
 * (baseline, extended or progressive: SOF0-2) of 8-bit samples in 1 or 3
 * components.  libjxl refuses the rest too, but prints why on stderr,
 * which a library must not make it do. */
static bool transcodable(const unsigned char *p, size_t len)
{
    size_t at = 2;

    while (at + 4 <= len) {
        unsigned m, seg;

        if (p[at] != 0xff)
            return false;
        m = p[at + 1];
        if (m == 0xff) {            /* fill byte */
            at++;
            continue;
        }
        if (m == 0xd8 || m == 0xd9 || (m >= 0xd0 && m <= 0xd7) || m == 0x01)
            return false;           /* no SOF before these */
        seg = (unsigned)p[at + 2] << 8 | p[at + 3];
        if (seg < 2 || seg > len - at - 2)
            return false;
        if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 &&
            m != 0xcc)                /* a start of frame */
            return m <= 0xc2 && seg >= 8 && p[at + 4] == 8 &&
                   (p[at + 9] == 1 || p[at + 9] == 3);
        if (m == 0xda)              /* scan data before any frame */
            return false;
        at += 2 + seg;
    }
    return false;
}

int lpi_jxl_encode(lp_ctx *ctx, const unsigned char *jpeg, size_t len,
                   unsigned char **out, size_t *out_len)
{
    budget b = { ctx, 0, LPI_JXL_MEMORY, false };
    JxlMemoryManager mm = { &b, budget_alloc, budget_free };
    JxlEncoder *enc;
    JxlEncoderFrameSettings *fs;
    JxlEncoderStatus st = JXL_ENC_ERROR;
    unsigned char *buf = NULL;
    size_t cap = len, used = 0;
    int rc = 1;

    *out = NULL;
    *out_len = 0;
    if (len < 4 || len > LPI_JXL_MAX_BYTES || jpeg[0] != 0xff ||
        jpeg[1] != 0xd8 || jpeg[2] != 0xff || !transcodable(jpeg, len))
        return 1;
    enc = JxlEncoderCreate(&mm);
    if (!enc)
        return lpi_nomem(ctx);
    fs = JxlEncoderFrameSettingsCreate(enc, NULL);
    if (fs && JxlEncoderUseContainer(enc, JXL_TRUE) == JXL_ENC_SUCCESS &&
        JxlEncoderStoreJPEGMetadata(enc, JXL_TRUE) == JXL_ENC_SUCCESS &&
        JxlEncoderFrameSettingsSetOption(fs, JXL_ENC_FRAME_SETTING_EFFORT,
                                         LPI_JXL_EFFORT) == JXL_ENC_SUCCESS &&
        JxlEncoderAddJPEGFrame(fs, jpeg, len) == JXL_ENC_SUCCESS) {
        JxlEncoderCloseInput(enc);
        /* the output is kept only if smaller than the JPEG: len bytes of
         * room is all it may take */
        buf = lpi_malloc(ctx, cap);
        if (!buf) {
            rc = LP_ENOMEM;
        } else {
            do {
                uint8_t *next = buf + used;
                size_t avail = cap - used;

                st = JxlEncoderProcessOutput(enc, &next, &avail);
                used = (size_t)(next - buf);
            } while (st == JXL_ENC_NEED_MORE_OUTPUT && used < cap);
            if (st == JXL_ENC_SUCCESS && used < cap) {
                *out = buf;
                *out_len = used;
                buf = NULL;
                rc = 0;
            }
        }
    }
    /* anything else: libjxl cannot keep this JPEG exactly (odd markers),
     * it would need more than LPI_JXL_MEMORY, or it does not pay: the
     * JPEG is stored as before */
    JxlEncoderDestroy(enc);
    lpi_free(ctx, buf);
    return rc;
}

int lpi_jxl_decode(lp_ctx *ctx, const unsigned char *data, size_t len,
                   unsigned char *dst, size_t size)
{
    budget b = { ctx, 0, LPI_JXL_MEMORY, false };
    JxlMemoryManager mm = { &b, budget_alloc, budget_free };
    JxlDecoder *dec;
    JxlBasicInfo info;
    bool have_jpeg = false;
    size_t written = 0;
    int rc = 0;

    if (JxlSignatureCheck(data, len) != JXL_SIG_CONTAINER)
        return lpi_error(ctx, LP_EFORMAT, "not a JPEG XL container");
    dec = JxlDecoderCreate(&mm);
    if (!dec)
        return budget_failed(&b, lpi_nomem(ctx), "decoding");
    if (JxlDecoderSubscribeEvents(dec, JXL_DEC_BASIC_INFO |
                                  JXL_DEC_JPEG_RECONSTRUCTION |
                                  JXL_DEC_FULL_IMAGE) != JXL_DEC_SUCCESS ||
        JxlDecoderSetInput(dec, data, len) != JXL_DEC_SUCCESS) {
        JxlDecoderDestroy(dec);
        return lpi_error(ctx, LP_EINTERNAL, "libjxl refused its settings");
    }
    JxlDecoderCloseInput(dec);
    while (rc == 0) {
        JxlDecoderStatus st = JxlDecoderProcessInput(dec);

        if (st == JXL_DEC_BASIC_INFO) {
            if (JxlDecoderGetBasicInfo(dec, &info) != JXL_DEC_SUCCESS)
                rc = lpi_error(ctx, LP_EFORMAT, "JPEG XL header unreadable");
            else if ((uint64_t)info.xsize * info.ysize > LPI_JXL_MAX_PIXELS)
                rc = lpi_error(ctx, LP_ETOOBIG, "JPEG XL picture of %ux%u "
                               "pixels: more than %u (LPI_JXL_MAX_PIXELS)",
                               info.xsize, info.ysize, LPI_JXL_MAX_PIXELS);
        } else if (st == JXL_DEC_JPEG_RECONSTRUCTION) {
            /* one byte more than the manifest says: filling it is a
             * content longer than the manifest */
            if (JxlDecoderSetJPEGBuffer(dec, dst, size + 1) !=
                JXL_DEC_SUCCESS)
                rc = lpi_error(ctx, LP_EFORMAT, "JPEG XL reconstruction "
                               "refused");
            have_jpeg = true;
        } else if (st == JXL_DEC_JPEG_NEED_MORE_OUTPUT) {
            rc = lpi_error(ctx, LP_EHASH, "the JPEG rebuilt from JPEG XL is "
                           "longer than the manifest says");
        } else if (st == JXL_DEC_FULL_IMAGE) {
            if (!have_jpeg)
                rc = lpi_error(ctx, LP_EFORMAT, "JPEG XL stream holds no "
                               "JPEG reconstruction data");
            else
                written = size + 1 - JxlDecoderReleaseJPEGBuffer(dec);
        } else if (st == JXL_DEC_NEED_IMAGE_OUT_BUFFER) {
            rc = lpi_error(ctx, LP_EFORMAT, "JPEG XL stream holds no JPEG "
                           "reconstruction data");
        } else if (st == JXL_DEC_SUCCESS) {
            break;
        } else if (st == JXL_DEC_NEED_MORE_INPUT) {
            rc = lpi_error(ctx, LP_EFORMAT, "JPEG XL stream is cut short");
        } else {
            rc = budget_failed(&b, lpi_error(ctx, LP_EFORMAT, "JPEG XL "
                               "stream is corrupt"), "decoding");
        }
    }
    JxlDecoderDestroy(dec);
    if (rc == 0 && !have_jpeg)
        rc = lpi_error(ctx, LP_EFORMAT, "JPEG XL stream holds no JPEG "
                       "reconstruction data");
    if (rc == 0 && written != size)
        rc = lpi_error(ctx, LP_EHASH, "the JPEG rebuilt from JPEG XL is "
                       "%zu bytes, the manifest says %zu", written, size);
    return rc;
}

#else /* !HAVE_LIBJXL */

bool lpi_jxl_available(void)
{
    return false;
}

uint32_t lpi_jxl_version(void)
{
    return 0;
}

int lpi_jxl_encode(lp_ctx *ctx, const unsigned char *jpeg, size_t len,
                   unsigned char **out, size_t *out_len)
{
    (void)jpeg;
    (void)len;
    *out = NULL;
    *out_len = 0;
    return lpi_error(ctx, LP_EINVAL, LPI_JXL_MISSING);
}

int lpi_jxl_decode(lp_ctx *ctx, const unsigned char *data, size_t len,
                   unsigned char *dst, size_t size)
{
    (void)data;
    (void)len;
    (void)dst;
    (void)size;
    return lpi_error(ctx, LP_EVERSION, LPI_JXL_MISSING);
}

#endif

int lp_have_jxl(void)
{
    return lpi_jxl_available();
}
