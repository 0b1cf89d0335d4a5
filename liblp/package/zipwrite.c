/*
 * zipwrite.c - writing the ZIP subset of lpk(5): stored entries, fixed
 * metadata, ZIP64 only where a value needs it, no comments, no gaps.
 *
 * Why not libzip, which our first writer used: libzip computes each
 * entry's CRC and copies its data through user space while it writes,
 * single-threaded, after liblp has already read every byte once to hash
 * it.  Here the CRC is computed in the parallel hashing pass, and the
 * data is copied file to file in the kernel (copy_file_range), which made
 * `lpack create` fast enough to keep up with `tar | zstd -T0`.  Reading
 * does not use libzip either (zipread.c); libzip stays in the test suite
 * as an independent ZIP implementation that must open every package.
 */
#include "lpi_package.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define VERSION_MADE_BY (3u << 8 | 63u) /* Unix, APPNOTE 6.3 */
#define NEEDED_PLAIN 10u
#define NEEDED_ZIP64 45u
#define EXT_ATTR_FILE (0100644u << 16)
#define COPY_CHUNK (256u * 1024u)

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

static void put64(unsigned char *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t clamp32(uint64_t v)
{
    return v >= 0xffffffffu ? 0xffffffffu : (uint32_t)v;
}

void lpi_zipw_init(lpi_zipw *z, int fd, int64_t mtime)
{
    time_t t = (time_t)mtime;
    struct tm tm;

    memset(z, 0, sizeof(*z));
    z->fd = fd;
    lpi_buf_init(&z->cd, SIZE_MAX / 2);
    lpi_buf_init(&z->head_cd, 4096);
    /* DOS time of the creation time in UTC: libzip's own conversion used
     * the local time zone, which would make packages differ by machine */
    gmtime_r(&t, &tm);
    if (tm.tm_year > 207) { /* 2107-12-31T23:59:58, the last DOS time */
        tm.tm_year = 207; tm.tm_mon = 11; tm.tm_mday = 31;
        tm.tm_hour = 23; tm.tm_min = 59; tm.tm_sec = 58;
    }
    z->dos_time = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 |
                             tm.tm_sec / 2);
    z->dos_date = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 |
                             tm.tm_mday);
}

/* Write n bytes at off: positional, so the head of the package can be
 * written last, in front of objects written as they came */
static int pwrite_all(lpi_zipw *z, lp_ctx *ctx, const void *buf, size_t n,
                      uint64_t off)
{
    const unsigned char *p = buf;

    while (n > 0) {
        ssize_t k = pwrite(z->fd, p, n, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return lpi_error(ctx, LP_EIO, "cannot write the package: %s",
                             strerror(errno));
        p += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return 0;
}

/* Append n bytes at the end of what is written */
static int write_all(lpi_zipw *z, lp_ctx *ctx, const void *buf, size_t n)
{
    int rc = pwrite_all(z, ctx, buf, n, z->pos);

    if (rc == 0)
        z->pos += n;
    if (rc == 0 && z->hash)
        lpi_hash_update(z->hash, buf, n);
    return rc;
}

void lpi_zipw_seek(lpi_zipw *z, uint64_t pos)
{
    z->pos = pos;
}

/* The local header (h) and central record (c, into cd) of an entry whose
 * local header is at pos */
static int headers(lpi_zipw *z, lp_ctx *ctx, const char *name, uint64_t size,
                   uint32_t crc, uint64_t pos, lpi_buf *cd,
                   unsigned char h[30 + 320 + 20], size_t *hlen)
{
    unsigned char c[46 + 28];
    size_t nlen = strlen(name), lx = 0, cx = 0;
    bool big = size >= 0xffffffffu, far = pos >= 0xffffffffu;
    int rc;

    if (nlen > 320)
        return lpi_error(ctx, LP_EINTERNAL, "ZIP name too long");
    /* local header; a ZIP64 field holds both sizes when either is big */
    put32(h, 0x04034b50u);
    put16(h + 4, big ? NEEDED_ZIP64 : NEEDED_PLAIN);
    put16(h + 6, 0);
    put16(h + 8, 0);
    put16(h + 10, z->dos_time);
    put16(h + 12, z->dos_date);
    put32(h + 14, crc);
    put32(h + 18, clamp32(size));
    put32(h + 22, clamp32(size));
    put16(h + 26, (unsigned)nlen);
    memcpy(h + 30, name, nlen);
    if (big) {
        put16(h + 30 + nlen, 0x0001);
        put16(h + 32 + nlen, 16);
        put64(h + 34 + nlen, size);
        put64(h + 42 + nlen, size);
        lx = 20;
    }
    put16(h + 28, (unsigned)lx);

    /* its central record, kept until the end */
    put32(c, 0x02014b50u);
    put16(c + 4, VERSION_MADE_BY);
    put16(c + 6, big || far ? NEEDED_ZIP64 : NEEDED_PLAIN);
    put16(c + 8, 0);
    put16(c + 10, 0);
    put16(c + 12, z->dos_time);
    put16(c + 14, z->dos_date);
    put32(c + 16, crc);
    put32(c + 20, clamp32(size));
    put32(c + 24, clamp32(size));
    put16(c + 28, (unsigned)nlen);
    put16(c + 32, 0);
    put16(c + 34, 0);
    put16(c + 36, 0);
    put32(c + 38, EXT_ATTR_FILE);
    put32(c + 42, clamp32(pos));
    if (big || far) {
        unsigned char *x = c + 46;
        size_t at = 4;
        if (big) {
            put64(x + at, size);
            put64(x + at + 8, size);
            at += 16;
        }
        if (far) {
            put64(x + at, pos);
            at += 8;
        }
        put16(x, 0x0001);
        put16(x + 2, (unsigned)(at - 4));
        cx = at;
    }
    put16(c + 30, (unsigned)cx);
    rc = lpi_buf_add(cd, ctx, c, 46);
    if (rc == 0)
        rc = lpi_buf_add(cd, ctx, name, nlen);
    if (rc == 0)
        rc = lpi_buf_add(cd, ctx, c + 46, cx);
    if (rc < 0)
        return rc;
    z->count++;
    *hlen = 30 + nlen + lx;
    return 0;
}

int lpi_zipw_begin(lpi_zipw *z, lp_ctx *ctx, const char *name,
                   uint64_t size, uint32_t crc)
{
    unsigned char h[30 + 320 + 20];
    size_t hlen;
    int rc = headers(z, ctx, name, size, crc, z->pos, &z->cd, h, &hlen);

    return rc < 0 ? rc : write_all(z, ctx, h, hlen);
}

int lpi_zipw_head(lpi_zipw *z, lp_ctx *ctx, const char *name,
                  const void *data, size_t len, uint64_t at)
{
    unsigned char h[30 + 320 + 20];
    size_t hlen;
    int rc = headers(z, ctx, name, len, lpi_crc32(0, data, len), at,
                     &z->head_cd, h, &hlen);

    if (rc == 0)
        rc = pwrite_all(z, ctx, h, hlen, at);
    if (rc == 0)
        rc = pwrite_all(z, ctx, data, len, at + hlen);
    return rc;
}

int lpi_zipw_write(lpi_zipw *z, lp_ctx *ctx, const void *data, size_t len)
{
    return write_all(z, ctx, data, len);
}

int lpi_zipw_copy(lpi_zipw *z, lp_ctx *ctx, int src, uint64_t off,
                  uint64_t len, unsigned char *buf)
{
    ssize_t k;
    off64_t in = (off64_t)off, out;

    /* in the kernel when the file system can; by hand otherwise */
    while (len > 0 && !z->no_copy_range) {
        out = (off64_t)z->pos;
        k = copy_file_range(src, &in, z->fd, &out,
                            len > (1u << 30) ? (1u << 30) : len, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
                      errno == EOPNOTSUPP || errno == EBADF)) {
            z->no_copy_range = true;
            break;
        }
        if (k < 0)
            return lpi_error(ctx, LP_EIO, "cannot copy into the package: %s",
                             strerror(errno));
        if (k == 0)
            return lpi_error(ctx, LP_ECHANGED, "an input became shorter "
                             "while the package was written");
        len -= (uint64_t)k;
        z->pos += (uint64_t)k;
    }
    while (len > 0) {
        size_t want = len < COPY_CHUNK ? (size_t)len : COPY_CHUNK;
        int rc = lpi_pread_full(ctx, src, buf, want, (uint64_t)in);
        if (rc == LP_EFORMAT)
            return lpi_error(ctx, LP_ECHANGED, "an input became shorter "
                             "while the package was written");
        if (rc == 0)
            rc = write_all(z, ctx, buf, want);
        if (rc < 0)
            return rc;
        in += (off64_t)want;
        len -= want;
    }
    return 0;
}

int lpi_zipw_finish(lpi_zipw *z, lp_ctx *ctx)
{
    unsigned char e[56 + 20 + 22];
    uint64_t cd_off = z->pos, cd_size = z->head_cd.len + z->cd.len;
    bool z64 = z->count >= 0xffff || cd_off >= 0xffffffffu ||
               cd_size >= 0xffffffffu;
    size_t n = 0;
    int rc;

    rc = write_all(z, ctx, z->head_cd.data, z->head_cd.len);
    if (rc == 0)
        rc = write_all(z, ctx, z->cd.data, z->cd.len);
    if (rc < 0)
        return rc;
    if (z64) {
        put32(e, 0x06064b50u);
        put64(e + 4, 44);
        put16(e + 12, VERSION_MADE_BY);
        put16(e + 14, NEEDED_ZIP64);
        put32(e + 16, 0);
        put32(e + 20, 0);
        put64(e + 24, z->count);
        put64(e + 32, z->count);
        put64(e + 40, cd_size);
        put64(e + 48, cd_off);
        put32(e + 56, 0x07064b50u);
        put32(e + 60, 0);
        put64(e + 64, cd_off + cd_size);
        put32(e + 72, 1);
        n = 76;
    }
    put32(e + n, 0x06054b50u);
    put16(e + n + 4, 0);
    put16(e + n + 6, 0);
    put16(e + n + 8, z->count >= 0xffff ? 0xffff : (unsigned)z->count);
    put16(e + n + 10, z->count >= 0xffff ? 0xffff : (unsigned)z->count);
    put32(e + n + 12, clamp32(cd_size));
    put32(e + n + 16, clamp32(cd_off));
    put16(e + n + 20, 0);
    return write_all(z, ctx, e, n + 22);
}

void lpi_zipw_dispose(lpi_zipw *z, lp_ctx *ctx)
{
    lpi_buf_dispose(&z->head_cd, ctx);
    lpi_buf_dispose(&z->cd, ctx);
}
