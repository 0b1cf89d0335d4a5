/*
 * zipread.c - reading the ZIP structure of a package, with every check
 * lpk(5) "READING A PACKAGE" makes on it (checks 1-3, 4, 7, 8, 10, 11).
 *
 * Why not libzip here, when libzip writes our packages: its read API does
 * not expose what the format's safety rules are about (local header
 * offsets, overlapping entries, general purpose flags, raw extra fields,
 * raw names), and one zip_t cannot be shared by the verifier's threads.
 * The subset of ZIP a package may use is small enough to check fully:
 * stored entries only, no comments, no extra fields but ZIP64.  Once
 * checked, an entry is just a range of the file, read with pread(2).
 */
#include "lpi_package.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_EOCD64 0x06064b50u
#define SIG_LOC64 0x07064b50u
#define EOCD_BYTES 22u
#define LOC64_BYTES 20u
#define EOCD64_BYTES 56u
#define CENTRAL_BYTES 46u
#define LOCAL_BYTES 30u
#define ZIP64_ID 0x0001u
/* encrypted, data descriptor, patched, strong encryption, encrypted CD */
#define FORBIDDEN_FLAGS (0x0001u | 0x0008u | 0x0020u | 0x0040u | 0x2000u)
/* a central record: 46 bytes, a name of at most 11 + 255, one ZIP64 field */
#define MAX_CENTRAL_RECORD (CENTRAL_BYTES + 300u + 28u)

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

int lpi_pread_full(lp_ctx *ctx, int fd, void *buf, size_t n, uint64_t off)
{
    unsigned char *p = buf;

    while (n > 0) {
        ssize_t got = pread(fd, p, n, (off_t)off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return lpi_error(ctx, LP_EIO, "read error: %s", strerror(errno));
        if (got == 0)
            return lpi_error(ctx, LP_EFORMAT, "file ends early");
        p += got;
        n -= (size_t)got;
        off += (uint64_t)got;
    }
    return 0;
}

/* Checks 1-3: the end of the file, and where the central directory is */
static int read_end(lpi_zip *z, lp_ctx *ctx, uint64_t *cd_off,
                    uint64_t *cd_size, uint64_t *count)
{
    unsigned char e[EOCD_BYTES], l[LOC64_BYTES], r[EOCD64_BYTES];
    uint64_t cd_end;
    int rc;

    if (z->file_size < EOCD_BYTES)
        return lpi_error(ctx, LP_EFORMAT, "not a valid package: too short");
    rc = lpi_pread_full(ctx, z->fd, e, sizeof(e), z->file_size - EOCD_BYTES);
    if (rc < 0)
        return rc;
    if (le32(e) != SIG_EOCD)
        return lpi_error(ctx, LP_EFORMAT, "not a valid package: no ZIP end "
                         "record in its last 22 bytes (not a ZIP file, "
                         "truncated, or with an archive comment)");
    if (le16(e + 4) != 0 || le16(e + 6) != 0 || le16(e + 8) != le16(e + 10))
        return lpi_error(ctx, LP_EFORMAT, "multi-disk ZIP files are not "
                         "packages");
    if (le16(e + 20) != 0)
        return lpi_error(ctx, LP_EFORMAT, "the ZIP end record announces a "
                         "comment; packages have none");
    *count = le16(e + 10);
    *cd_size = le32(e + 12);
    *cd_off = le32(e + 16);
    cd_end = z->file_size - EOCD_BYTES;
    if (z->file_size >= EOCD_BYTES + LOC64_BYTES + EOCD64_BYTES) {
        rc = lpi_pread_full(ctx, z->fd, l, sizeof(l),
                            z->file_size - EOCD_BYTES - LOC64_BYTES);
        if (rc < 0)
            return rc;
    }
    if (z->file_size >= EOCD_BYTES + LOC64_BYTES + EOCD64_BYTES &&
        le32(l) == SIG_LOC64) {
        cd_end = z->file_size - EOCD_BYTES - LOC64_BYTES - EOCD64_BYTES;
        if (le32(l + 4) != 0 || le64(l + 8) != cd_end || le32(l + 16) != 1)
            return lpi_error(ctx, LP_EFORMAT, "bad ZIP64 end of central "
                             "directory locator");
        rc = lpi_pread_full(ctx, z->fd, r, sizeof(r), cd_end);
        if (rc < 0)
            return rc;
        if (le32(r) != SIG_EOCD64 || le64(r + 4) != 44 || le32(r + 16) != 0
            || le32(r + 20) != 0 || le64(r + 24) != le64(r + 32))
            return lpi_error(ctx, LP_EFORMAT, "bad ZIP64 end of central "
                             "directory record");
        if ((le16(e + 10) != 0xffff && le16(e + 10) != le64(r + 32)) ||
            (le32(e + 12) != 0xffffffffu && le32(e + 12) != le64(r + 40)) ||
            (le32(e + 16) != 0xffffffffu && le32(e + 16) != le64(r + 48)))
            return lpi_error(ctx, LP_EFORMAT, "ZIP64 and ZIP end records "
                             "disagree");
        *count = le64(r + 32);
        *cd_size = le64(r + 40);
        *cd_off = le64(r + 48);
    }
    if (*cd_off > cd_end || *cd_size != cd_end - *cd_off)
        return lpi_error(ctx, LP_EFORMAT, "the central directory is not "
                         "where the end record says");
    if (*count < 2)
        return lpi_error(ctx, LP_EFORMAT, "fewer than two ZIP entries");
    if (*count > LPI_MAX_ZIP_ENTRIES)
        return lpi_error(ctx, LP_ETOOBIG, "more than %u ZIP entries",
                         LPI_MAX_ZIP_ENTRIES);
    if (*cd_size > *count * MAX_CENTRAL_RECORD ||
        *cd_size < *count * CENTRAL_BYTES)
        return lpi_error(ctx, LP_EFORMAT, "central directory size does not "
                         "fit its %llu entries", (unsigned long long)*count);
    return 0;
}

/* The ZIP64 extra field holds exactly the 64-bit values the header lacks */
static int read_extra(lp_ctx *ctx, const unsigned char *x, size_t xlen,
                      uint64_t *vals[], size_t nvals, const char *name)
{
    bool seen = false;

    while (xlen > 0) {
        size_t need = 0, len;
        uint16_t id;

        if (xlen < 4)
            return lpi_error(ctx, LP_EFORMAT, "entry '%s': bad extra field",
                             name);
        id = le16(x);
        len = le16(x + 2);
        if (len > xlen - 4)
            return lpi_error(ctx, LP_EFORMAT, "entry '%s': bad extra field",
                             name);
        if (id != ZIP64_ID || seen)
            return lpi_error(ctx, LP_EFORMAT, "entry '%s': extra field "
                             "0x%04x is not allowed", name, id);
        seen = true;
        for (size_t i = 0; i < nvals; i++)
            if (*vals[i] == 0xffffffffu)
                need += 8;
        if (len != need)
            return lpi_error(ctx, LP_EFORMAT, "entry '%s': ZIP64 field of "
                             "the wrong size", name);
        for (size_t i = 0, at = 4; i < nvals; i++)
            if (*vals[i] == 0xffffffffu) {
                *vals[i] = le64(x + at);
                at += 8;
            }
        x += 4 + len;
        xlen -= 4 + len;
    }
    return 0;
}

int lpi_zip_open(lpi_zip *z, lp_ctx *ctx, int fd, uint64_t file_size)
{
    uint64_t cd_off = 0, cd_size = 0, count = 0;
    size_t at = 0;
    int rc;

    memset(z, 0, sizeof(*z));
    z->fd = fd;
    z->file_size = file_size;
    rc = read_end(z, ctx, &cd_off, &cd_size, &count);
    if (rc < 0)
        return rc;
    z->cd = lpi_malloc(ctx, (size_t)cd_size);
    z->entries = lpi_calloc(ctx, (size_t)count, sizeof(*z->entries));
    if (!z->cd || !z->entries) {
        lpi_zip_dispose(z, ctx);
        return LP_ENOMEM;
    }
    z->cd_off = cd_off;
    rc = lpi_pread_full(ctx, fd, z->cd, (size_t)cd_size, cd_off);
    for (uint64_t i = 0; rc == 0 && i < count; i++) {
        unsigned char *c = z->cd + at;
        lpi_zentry *e = &z->entries[i];
        size_t nlen, xlen, clen;

        if (cd_size - at < CENTRAL_BYTES || le32(c) != SIG_CENTRAL) {
            rc = lpi_error(ctx, LP_EFORMAT, "central directory record %llu "
                           "is damaged", (unsigned long long)i);
            break;
        }
        nlen = le16(c + 28);
        xlen = le16(c + 30);
        clen = le16(c + 32);
        if (cd_size - at - CENTRAL_BYTES < nlen + xlen + clen) {
            rc = lpi_error(ctx, LP_EFORMAT, "central directory record %llu "
                           "is damaged", (unsigned long long)i);
            break;
        }
        /* The name, NUL-terminated where it lies: moved one byte down
         * over the last byte of the record's offset field, which is kept
         * first.  A copy of every name was a fifth of the memory an open
         * touched. */
        e->record = c;
        e->raw_offset = le32(c + 42);
        e->name_len = (uint16_t)nlen;
        memmove(c + CENTRAL_BYTES - 1, c + CENTRAL_BYTES, nlen);
        c[CENTRAL_BYTES - 1 + nlen] = '\0';
        e->name = (const char *)c + CENTRAL_BYTES - 1;
        at += CENTRAL_BYTES + nlen + xlen + clen;
    }
    if (rc == 0 && at != cd_size)
        rc = lpi_error(ctx, LP_EFORMAT, "central directory has %llu bytes "
                       "its records do not account for",
                       (unsigned long long)(cd_size - at));
    if (rc < 0) {
        lpi_zip_dispose(z, ctx);
        return rc;
    }
    z->count = (size_t)count;
    return 0;
}

/* Check 8 for entry i: its central directory record (no I/O) */
static int check_central(lpi_zip *z, lp_ctx *ctx, size_t i)
{
    lpi_zentry *e = &z->entries[i];
    const unsigned char *c = e->record;
    const char *name = e->name;
    size_t nlen = e->name_len, xlen = le16(c + 30);
    uint64_t usize = le32(c + 24), csize = le32(c + 20), off = e->raw_offset;
    uint64_t *vals[] = { &usize, &csize, &off };
    int rc;

    if (nlen == 0 || nlen >= 320 || memchr(name, 0, nlen))
        return lpi_error(ctx, LP_EFORMAT, "ZIP entry %zu has a bad name", i);
    if (le16(c + 10) != 0)
        return lpi_error(ctx, LP_EFORMAT, "entry '%s' is compressed by ZIP; "
                         "package entries are stored", name);
    if (le16(c + 8) & FORBIDDEN_FLAGS)
        return lpi_error(ctx, LP_EFORMAT, "entry '%s' is encrypted or uses "
                         "a data descriptor", name);
    if (le16(c + 34) != 0 || le16(c + 32) != 0)
        return lpi_error(ctx, LP_EFORMAT, "entry '%s' has a comment or "
                         "another disk", name);
    if (i == 0 && xlen != 0)
        return lpi_error(ctx, LP_EFORMAT, "'mimetype' has an extra field");
    rc = read_extra(ctx, c + CENTRAL_BYTES + nlen, xlen, vals, 3, name);
    if (rc < 0)
        return rc;
    if (csize != usize)
        return lpi_error(ctx, LP_EFORMAT, "entry '%s': compressed and "
                         "uncompressed sizes differ", name);
    if (usize > LP_MAX_ENTRY_BYTES + (1u << 20))
        return lpi_error(ctx, LP_ETOOBIG, "entry '%s' is larger than "
                         "%llu bytes", name,
                         (unsigned long long)LP_MAX_ENTRY_BYTES);
    if (off >= z->cd_off || z->cd_off - off < LOCAL_BYTES)
        return lpi_error(ctx, LP_EFORMAT, "entry '%s' starts outside the "
                         "file's entries", name);
    e->offset = off;
    e->size = usize;
    e->crc = le32(c + 16);
    return 0;
}

/* Check 11 for entry i, and the exact end of its data (check 10) */
static int check_local(lpi_zip *z, lp_ctx *ctx, size_t i)
{
    lpi_zentry *e = &z->entries[i];
    const unsigned char *c = e->record;
    /* the local header and the name and extra field that may follow it,
     * in one read: 30 + 300 + 64 bytes at most are ever needed */
    unsigned char l[LOCAL_BYTES + 320 + 64];
    size_t nlen = e->name_len, lnlen, lxlen, n = sizeof(l);
    uint64_t lusize, lcsize;
    uint64_t *lvals[] = { &lusize, &lcsize };
    int rc;

    if (z->cd_off - e->offset < n)
        n = (size_t)(z->cd_off - e->offset);
    rc = lpi_pread_full(ctx, z->fd, l, n, e->offset);
    if (rc < 0)
        return rc;
    lnlen = le16(l + 26);
    lxlen = le16(l + 28);
    if (le32(l) != SIG_LOCAL || lnlen != nlen || le16(l + 8) != 0 ||
        (le16(l + 6) & FORBIDDEN_FLAGS) || le32(l + 14) != le32(c + 16) ||
        (i == 0 && lxlen != 0) || lxlen > 64 ||
        n - LOCAL_BYTES < nlen + lxlen)
        return lpi_error(ctx, LP_EFORMAT, "local header of entry '%s' does "
                         "not match the central directory", e->name);
    if (memcmp(l + LOCAL_BYTES, e->name, nlen) != 0)
        return lpi_error(ctx, LP_EFORMAT, "local header of entry '%s' has "
                         "another name", e->name);
    lusize = le32(l + 22);
    lcsize = le32(l + 18);
    rc = read_extra(ctx, l + LOCAL_BYTES + nlen, lxlen, lvals,
                    lusize == 0xffffffffu || lcsize == 0xffffffffu ? 2 : 0,
                    e->name);
    if (rc < 0)
        return rc;
    if (lusize != e->size || lcsize != e->size)
        return lpi_error(ctx, LP_EFORMAT, "local header of entry '%s' has "
                         "other sizes", e->name);
    e->data = e->offset + LOCAL_BYTES + nlen + lxlen;
    if (e->data > e->limit || e->limit - e->data < e->size)
        return e->limit == z->cd_off
               ? lpi_error(ctx, LP_EFORMAT, "entry '%s' runs into the "
                           "central directory", e->name)
               : lpi_error(ctx, LP_EFORMAT, "entries %zu and %zu overlap "
                           "or are out of order", i, i + 1);
    return 0;
}

int lpi_zip_check_entry(lpi_zip *z, lp_ctx *ctx, size_t i)
{
    lpi_zentry *e = &z->entries[i];
    int rc = check_central(z, ctx, i);

    /* before lpi_zip_check_all_central() knows the next entry, the data
     * must at least end before the central directory */
    e->limit = z->cd_off;
    if (rc == 0)
        rc = check_local(z, ctx, i);
    if (rc == 0)
        atomic_store_explicit(&e->ready, 1, memory_order_release);
    return rc;
}

/* Checks 8 and 10 for every entry, from the central directory alone: each
 * entry's data cannot start before its local header's fixed part and name,
 * so that much is checked now, and the exact end once its local header is
 * read (lpi_zip_entry_ready) */
int lpi_zip_check_all_central(lpi_zip *z, lp_ctx *ctx)
{
    for (size_t i = 0; i < z->count; i++) {
        int rc;

        /* an entry checked whole already (the first two, by check_head)
         * is not written again: another thread may be reading it */
        if (atomic_load_explicit(&z->entries[i].ready, memory_order_acquire))
            continue;
        rc = check_central(z, ctx, i);
        if (rc < 0)
            return rc;
    }
    if (z->entries[0].offset != 0)
        return lpi_error(ctx, LP_EFORMAT, "data before the first entry");
    for (size_t i = 0; i < z->count; i++) {
        lpi_zentry *e = &z->entries[i];
        uint64_t end = e->offset + LOCAL_BYTES + e->name_len;

        e->limit = i + 1 < z->count ? z->entries[i + 1].offset : z->cd_off;
        if (atomic_load_explicit(&e->ready, memory_order_relaxed))
            end = e->data; /* its local header was read already */
        if (e->limit < end || e->limit - end < e->size) {
            /* a local header that disagrees explains it better */
            int rc = check_local(z, ctx, i);
            if (rc < 0)
                return rc;
            return lpi_error(ctx, LP_EFORMAT, "entries %zu and %zu overlap "
                             "or are out of order", i, i + 1);
        }
    }
    return 0;
}

int lpi_zip_entry_ready(lpi_zip *z, lp_ctx *ctx, size_t i)
{
    lpi_zentry *e = &z->entries[i];
    int rc = 0;

    if (atomic_load_explicit(&e->ready, memory_order_acquire))
        return 0;
    pthread_mutex_lock(z->lock);
    if (!atomic_load_explicit(&e->ready, memory_order_relaxed)) {
        rc = check_local(z, ctx, i);
        if (rc == 0)
            atomic_store_explicit(&e->ready, 1, memory_order_release);
    }
    pthread_mutex_unlock(z->lock);
    return rc;
}

int lpi_zip_record(const lpi_zip *z, lp_ctx *ctx, size_t i, lpi_buf *out)
{
    const lpi_zentry *e = &z->entries[i];
    const unsigned char *c = e->record;
    size_t nlen = e->name_len, rest = (size_t)le16(c + 30) + le16(c + 32);
    unsigned char fixed[CENTRAL_BYTES];
    int rc;

    memcpy(fixed, c, CENTRAL_BYTES - 1);
    fixed[CENTRAL_BYTES - 1] = (unsigned char)(e->raw_offset >> 24);
    rc = lpi_buf_add(out, ctx, fixed, CENTRAL_BYTES);
    if (rc == 0)
        rc = lpi_buf_add(out, ctx, e->name, nlen);
    if (rc == 0)
        rc = lpi_buf_add(out, ctx, c + CENTRAL_BYTES + nlen, rest);
    return rc;
}

void lpi_zip_dispose(lpi_zip *z, lp_ctx *ctx)
{
    lpi_free(ctx, z->cd);
    lpi_free(ctx, z->entries);
    z->cd = NULL;
    z->entries = NULL;
    z->count = 0;
}
