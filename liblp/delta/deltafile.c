/*
 * deltafile.c - the delta file format (lpd(5)): its text header and its
 * meta block, written in one canonical form and parsed strictly.  A delta
 * comes over the air from anywhere: every count and size is checked
 * against the bytes that are really there before anything is allocated
 * for it.
 */
#include "lpi_delta.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ header */

int lpi_dheader_format(const lpi_dheader *h, lp_ctx *ctx, lpi_buf *out)
{
    char bm[LP_HASH_HEX_BYTES + 1], tm[LP_HASH_HEX_BYTES + 1];
    char th[LP_HASH_HEX_BYTES + 1];

    lpi_hash_hex(bm, h->base_manifest);
    lpi_hash_hex(tm, h->target_manifest);
    lpi_hash_hex(th, h->target_hash);
    return lpi_buf_printf(out, ctx,
        LPI_DELTA_MAGIC " %u\n"
        "base %s %" PRIu64 " %s\n"
        "target %s %" PRIu64 " %s\n"
        "label %s\n"
        "target-file %" PRIu64 " %s\n"
        "level %d %s\n"
        "window %" PRIu64 "\n"
        "temp %" PRIu64 "\n"
        "keep %" PRIu64 " %" PRIu64 "\n"
        "patch %" PRIu64 " %" PRIu64 "\n"
        "add %" PRIu64 " %" PRIu64 "\n"
        "remove %" PRIu64 " %" PRIu64 "\n"
        "renamed %" PRIu64 "\n"
        "segments %" PRIu64 "\n"
        "meta %" PRIu64 "\n\n",
        h->format ? h->format : 1u, h->base_id, h->base_version, bm,
        h->target_id, h->target_version, tm,
        h->target_label, h->target_size, th, h->level,
        h->exact ? "exact" : "inexact", h->window, h->temp,
        h->keep[0], h->keep[1], h->patch[0], h->patch[1], h->add[0],
        h->add[1], h->remove[0], h->remove[1], h->renamed, h->segments,
        h->meta_size);
}

typedef struct cursor {
    lp_ctx *ctx;
    const char *p, *end;
    unsigned line;
    const char *fields[4];
    size_t lens[4];
    size_t nfields;
} cursor;

static int bad(cursor *c, const char *what)
{
    return lpi_error(c->ctx, LP_EFORMAT, "delta header line %u: %s", c->line,
                     what);
}

/* The next line, which must start with key and have nfields more fields
 * (the last one takes the rest of the line when rest is set) */
static int next_line(cursor *c, const char *key, size_t nfields, bool rest)
{
    const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    size_t klen = strlen(key);
    const char *s;

    c->line++;
    if (!nl)
        return lpi_error(c->ctx, LP_EFORMAT, "delta header is cut short or "
                         "longer than %u bytes (line %u)",
                         LPI_DELTA_MAX_HEADER, c->line);
    if ((size_t)(nl - c->p) < klen + 1 || memcmp(c->p, key, klen) != 0 ||
        c->p[klen] != ' ') {
        char msg[96];
        snprintf(msg, sizeof(msg), "expected '%s'", key);
        return bad(c, msg);
    }
    s = c->p + klen + 1;
    c->nfields = 0;
    while (c->nfields < nfields) {
        const char *sp = (rest && c->nfields + 1 == nfields)
                         ? NULL : memchr(s, ' ', (size_t)(nl - s));
        const char *e = sp ? sp : nl;
        c->fields[c->nfields] = s;
        c->lens[c->nfields] = (size_t)(e - s);
        c->nfields++;
        if (!sp)
            break;
        s = sp + 1;
    }
    if (c->nfields != nfields ||
        (c->fields[nfields - 1] + c->lens[nfields - 1]) != nl)
        return bad(c, "wrong number of fields");
    for (const char *q = c->p; q < nl; q++)
        if ((unsigned char)*q < 0x20 || *q == 0x7f)
            return bad(c, "control character");
    c->p = nl + 1;
    return 0;
}

static int num(cursor *c, size_t i, uint64_t max, uint64_t *out)
{
    if (lpi_parse_u64(c->fields[i], c->lens[i], max, out) < 0)
        return bad(c, "not a canonical number in range");
    return 0;
}

static int hash(cursor *c, size_t i, unsigned char out[LP_HASH_BYTES])
{
    char hex[LP_HASH_HEX_BYTES + 1];

    if (c->lens[i] != LP_HASH_HEX_BYTES)
        return bad(c, "a hash is 64 lowercase hexadecimal digits");
    memcpy(hex, c->fields[i], LP_HASH_HEX_BYTES);
    hex[LP_HASH_HEX_BYTES] = '\0';
    if (lpi_hash_unhex(out, hex) < 0)
        return bad(c, "a hash is 64 lowercase hexadecimal digits");
    return 0;
}

static int identity(cursor *c, const char *key, char *id, uint64_t *version,
                    unsigned char *mhash)
{
    int rc = next_line(c, key, 3, false);

    if (rc == 0 && lpi_check_id(c->ctx, c->fields[0], c->lens[0]) < 0)
        rc = bad(c, "not a valid package id");
    if (rc == 0) {
        memcpy(id, c->fields[0], c->lens[0]);
        id[c->lens[0]] = '\0';
        rc = num(c, 1, INT64_MAX, version);
    }
    if (rc == 0 && *version == 0)
        rc = bad(c, "version 0");
    return rc < 0 ? rc : hash(c, 2, mhash);
}

static int pair(cursor *c, const char *key, uint64_t out[2])
{
    int rc = next_line(c, key, 2, false);

    if (rc == 0)
        rc = num(c, 0, LP_MAX_ENTRIES + 1u, &out[0]);
    return rc < 0 ? rc : num(c, 1, INT64_MAX, &out[1]);
}

static int single(cursor *c, const char *key, uint64_t max, uint64_t *out)
{
    int rc = next_line(c, key, 1, false);

    return rc < 0 ? rc : num(c, 0, max, out);
}

int lpi_dheader_parse(lpi_dheader *h, lp_ctx *ctx, const char *data,
                      size_t len)
{
    cursor c = { ctx, data, data + (len < LPI_DELTA_MAX_HEADER
                                    ? len : LPI_DELTA_MAX_HEADER),
                 0, { NULL }, { 0 }, 0 };
    uint64_t v;
    int rc;

    memset(h, 0, sizeof(*h));
    if (len < sizeof(LPI_DELTA_MAGIC) ||
        memcmp(data, LPI_DELTA_MAGIC " ", sizeof(LPI_DELTA_MAGIC)) != 0)
        return lpi_error(ctx, LP_EFORMAT, "not a delta (it does not start "
                         "with '" LPI_DELTA_MAGIC "')");
    rc = next_line(&c, LPI_DELTA_MAGIC, 1, false);
    if (rc < 0)
        return rc;
    if (lpi_parse_u64(c.fields[0], c.lens[0], UINT32_MAX, &v) < 0 || v == 0)
        return bad(&c, "not a format version");
    if (v > 2)
        return lpi_error(ctx, LP_EVERSION, "delta format %" PRIu64 " is newer "
                         "than this library reads (2): update lp", v);
    h->format = (unsigned)v;
    rc = identity(&c, "base", h->base_id, &h->base_version,
                  h->base_manifest);
    if (rc == 0)
        rc = identity(&c, "target", h->target_id, &h->target_version,
                      h->target_manifest);
    if (rc == 0)
        rc = next_line(&c, "label", 1, true);
    if (rc == 0) {
        if (lpi_check_label(ctx, c.fields[0], c.lens[0]) < 0)
            return bad(&c, "not a valid label");
        memcpy(h->target_label, c.fields[0], c.lens[0]);
        h->target_label[c.lens[0]] = '\0';
        rc = next_line(&c, "target-file", 2, false);
    }
    if (rc == 0)
        rc = num(&c, 0, INT64_MAX, &h->target_size);
    if (rc == 0)
        rc = hash(&c, 1, h->target_hash);
    if (rc == 0)
        rc = next_line(&c, "level", 2, false);
    if (rc == 0) {
        if (num(&c, 0, 22, &v) < 0 || v == 0)
            return bad(&c, "zstd level must be 1 to 22");
        h->level = (int)v;
        if (c.lens[1] == 5 && memcmp(c.fields[1], "exact", 5) == 0)
            h->exact = true;
        else if (!(c.lens[1] == 7 && memcmp(c.fields[1], "inexact", 7) == 0))
            return bad(&c, "expected 'exact' or 'inexact'");
        rc = single(&c, "window", INT64_MAX, &h->window);
    }
    if (rc == 0)
        rc = single(&c, "temp", INT64_MAX, &h->temp);
    if (rc == 0)
        rc = pair(&c, "keep", h->keep);
    if (rc == 0)
        rc = pair(&c, "patch", h->patch);
    if (rc == 0)
        rc = pair(&c, "add", h->add);
    if (rc == 0)
        rc = pair(&c, "remove", h->remove);
    if (rc == 0)
        rc = single(&c, "renamed", LP_MAX_ENTRIES, &h->renamed);
    if (rc == 0)
        rc = single(&c, "segments", LP_MAX_ENTRIES + 1u, &h->segments);
    if (rc == 0)
        rc = single(&c, "meta", INT64_MAX, &h->meta_size);
    if (rc < 0)
        return rc;
    c.line++;
    if (c.p >= c.end || *c.p != '\n')
        return bad(&c, "expected the blank line that ends the header");
    h->header_len = (size_t)(c.p + 1 - data);
    return 0;
}

/* ------------------------------------------------------------ meta */

/* Numbers are LEB128 varints (7 bits a byte, low first, at most 10
 * bytes); lists of indices are differences from the index before (the
 * first from -1), zigzag-coded, so runs of neighbours cost a byte each and
 * compress to almost nothing. */

static int put_var(lpi_buf *b, lp_ctx *ctx, uint64_t v)
{
    unsigned char x[10];
    size_t n = 0;

    do {
        x[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            x[n] |= 0x80;
        n++;
    } while (v);
    return lpi_buf_add(b, ctx, x, n);
}

static uint64_t zigzag(int64_t d)
{
    return ((uint64_t)d << 1) ^ (uint64_t)(d >> 63);
}

static int put_list(lpi_buf *b, lp_ctx *ctx, const uint32_t *v, size_t n,
                    uint32_t bias)
{
    int64_t prev = -1;
    int rc = put_var(b, ctx, n);

    for (size_t i = 0; rc == 0 && i < n; i++) {
        int64_t x = (int64_t)(uint32_t)(v[i] + bias);
        rc = put_var(b, ctx, zigzag(x - prev));
        prev = x;
    }
    return rc;
}

int lpi_dmeta_format(const lpi_dmeta *m, lp_ctx *ctx, lpi_buf *out)
{
    uint32_t *entries = lpi_calloc(ctx, m->nobjs + 1, sizeof(*entries));
    int rc = entries ? put_var(out, ctx, m->manifest_len) : LP_ENOMEM;

    if (rc == 0)
        rc = lpi_buf_add(out, ctx, m->manifest, m->manifest_len);
    if (rc == 0)
        rc = put_var(out, ctx, m->nsigs);
    for (size_t i = 0; rc == 0 && i < m->nsigs; i++) {
        size_t n = strlen(m->sigs[i].name);
        rc = put_var(out, ctx, n);
        if (rc == 0)
            rc = lpi_buf_add(out, ctx, m->sigs[i].name, n);
        if (rc == 0)
            rc = put_var(out, ctx, m->sigs[i].len);
        if (rc == 0)
            rc = lpi_buf_add(out, ctx, m->sigs[i].data, m->sigs[i].len);
    }
    /* entries one up, so the dictionary (0xffffffff) is 0 */
    for (size_t i = 0; rc == 0 && i < m->nobjs; i++)
        entries[i] = m->objs[i].entry;
    if (rc == 0)
        rc = put_list(out, ctx, entries, m->nobjs, 1);
    for (size_t i = 0; rc == 0 && i < m->nobjs; i++) {
        rc = lpi_buf_add(out, ctx, &m->objs[i].form, 1);
        if (rc == 0 && (m->objs[i].form & ~LPI_FORM_RECODE) == LPI_FORM_JXL)
            rc = put_var(out, ctx, m->objs[i].stream);
    }
    if (rc == 0)
        rc = put_var(out, ctx, m->nsegs);
    for (size_t i = 0; rc == 0 && i < m->nsegs; i++) {
        const lpi_dseg *s = &m->segs[i];
        rc = put_list(out, ctx, s->prefix, s->nprefix, 0);
        if (rc == 0)
            rc = put_list(out, ctx, s->content, s->ncontent, 0);
        if (rc == 0)
            rc = put_var(out, ctx, s->frame_len);
    }
    lpi_free(ctx, entries);
    return rc;
}

typedef struct reader {
    lp_ctx *ctx;
    const unsigned char *p, *end;
} reader;

static int short_meta(reader *r)
{
    return lpi_error(r->ctx, LP_EFORMAT, "delta meta block is cut short");
}

static int get_var(reader *r, uint64_t max, uint64_t *v)
{
    unsigned shift = 0;

    *v = 0;
    for (;;) {
        uint64_t b;
        if (r->p >= r->end)
            return short_meta(r);
        b = *r->p++;
        if (shift == 63 && b > 1)
            return lpi_error(r->ctx, LP_EFORMAT, "delta meta block: a "
                             "number is too large");
        *v |= (b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
        shift += 7;
        if (shift > 63)
            return lpi_error(r->ctx, LP_EFORMAT, "delta meta block: a "
                             "number is too long");
    }
    if (*v > max)
        return lpi_error(r->ctx, LP_EFORMAT, "delta meta block: %" PRIu64
                         " is out of range", *v);
    return 0;
}

static int take(reader *r, uint64_t n, const unsigned char **out)
{
    if ((uint64_t)(r->end - r->p) < n)
        return short_meta(r);
    *out = r->p;
    r->p += n;
    return 0;
}

/* A list of n indices below limit (bias subtracted); out NULL: skip it */
static int get_list(reader *r, uint32_t *out, size_t n, uint32_t bias,
                    uint64_t limit)
{
    int64_t prev = -1;

    for (size_t i = 0; i < n; i++) {
        uint64_t z;
        int64_t d, x;
        int rc = get_var(r, UINT64_MAX, &z);
        if (rc < 0)
            return rc;
        d = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
        if (d > (int64_t)UINT32_MAX || d < -(int64_t)UINT32_MAX - 1)
            return lpi_error(r->ctx, LP_EFORMAT, "delta meta block: an "
                             "index is out of range");
        x = prev + d;
        if (x < 0 || (uint64_t)x > UINT32_MAX ||
            (uint32_t)((uint32_t)x - bias) >= limit)
            return lpi_error(r->ctx, LP_EFORMAT, "delta meta block: an "
                             "index is out of range");
        if (out)
            out[i] = (uint32_t)x - bias;
        prev = x;
    }
    return 0;
}

int lpi_dmeta_parse(lpi_dmeta *m, lp_ctx *ctx, const unsigned char *data,
                    size_t len, unsigned format)
{
    reader r = { ctx, data, data + len };
    size_t nidx = 0, names = 0;
    const unsigned char *mark;
    uint64_t v;
    int rc;

    memset(m, 0, sizeof(*m));
    rc = get_var(&r, LP_MAX_MANIFEST_BYTES, &v);
    if (rc == 0)
        rc = take(&r, v, &m->manifest);
    m->manifest_len = (size_t)v;
    if (rc == 0)
        rc = get_var(&r, LP_MAX_SIGNATURES, &v);
    m->nsigs = (size_t)v;
    if (rc < 0)
        return rc;
    /* two passes over signatures and segments: sizes, then the copies */
    mark = r.p;
    for (size_t i = 0; rc == 0 && i < m->nsigs; i++) {
        const unsigned char *skip;
        rc = get_var(&r, LP_MAX_NAME_BYTES + 16, &v);
        if (rc == 0)
            rc = take(&r, v, &skip);
        names += (size_t)v + 1;
        if (rc == 0)
            rc = get_var(&r, LP_SIG_MAX_FILE_BYTES, &v);
        if (rc == 0)
            rc = take(&r, v, &skip);
    }
    if (rc < 0)
        return rc;
    r.p = mark;
    m->sigs = lpi_calloc(ctx, m->nsigs + 1, sizeof(*m->sigs));
    m->names = lpi_malloc(ctx, names + 1);
    if (!m->sigs || !m->names) {
        lpi_dmeta_dispose(m, ctx);
        return LP_ENOMEM;
    }
    names = 0;
    for (size_t i = 0; i < m->nsigs; i++) {
        const unsigned char *p = NULL;
        (void)get_var(&r, UINT64_MAX, &v);
        (void)take(&r, v, &p);
        memcpy(m->names + names, p, (size_t)v);
        m->names[names + v] = '\0';
        if (memchr(p, '\0', (size_t)v)) {
            lpi_dmeta_dispose(m, ctx);
            return lpi_error(ctx, LP_EFORMAT, "delta meta block: a "
                             "signature name holds a NUL byte");
        }
        m->sigs[i].name = m->names + names;
        names += (size_t)v + 1;
        (void)get_var(&r, UINT64_MAX, &v);
        m->sigs[i].len = (size_t)v;
        (void)take(&r, v, &m->sigs[i].data);
    }
    rc = get_var(&r, LP_MAX_ENTRIES + 1u, &v);
    m->nobjs = (size_t)v;
    if (rc == 0 && m->nobjs * 2 > (size_t)(r.end - r.p))
        rc = short_meta(&r);
    if (rc == 0) {
        uint32_t *entries = lpi_calloc(ctx, m->nobjs + 1, sizeof(*entries));
        m->objs = lpi_calloc(ctx, m->nobjs + 1, sizeof(*m->objs));
        if (!m->objs || !entries)
            rc = LP_ENOMEM;
        if (rc == 0)
            rc = get_list(&r, entries, m->nobjs, 1, UINT32_MAX + 1ull);
        for (size_t i = 0; rc == 0 && i < m->nobjs; i++) {
            m->objs[i].entry = entries[i];
            if (r.p >= r.end)
                rc = short_meta(&r);
            else if ((*r.p & ~LPI_FORM_RECODE) >
                     (format >= 2 ? LPI_FORM_JXL : LPI_FORM_DICT))
                rc = lpi_error(ctx, LP_EFORMAT, "delta meta block: object "
                               "%zu has unknown form %u", i, *r.p);
            else
                m->objs[i].form = *r.p++;
            /* a JPEG XL stream's length: smaller than its content, which
             * is at most LPI_JXL_MAX_BYTES (checked with the manifest) */
            if (rc == 0 &&
                (m->objs[i].form & ~LPI_FORM_RECODE) == LPI_FORM_JXL)
                rc = get_var(&r, LPI_JXL_MAX_BYTES, &m->objs[i].stream);
        }
        lpi_free(ctx, entries);
    }
    if (rc == 0)
        rc = get_var(&r, LP_MAX_ENTRIES + 1u, &v);
    m->nsegs = (size_t)v;
    if (rc == 0 && m->nsegs * 3 > (size_t)(r.end - r.p))
        rc = short_meta(&r);
    if (rc < 0) {
        lpi_dmeta_dispose(m, ctx);
        return rc;
    }
    mark = r.p;
    for (size_t i = 0; i < m->nsegs && rc == 0; i++) {
        for (int part = 0; part < 2 && rc == 0; part++) {
            rc = get_var(&r, LP_MAX_ENTRIES + 1u, &v);
            if (rc == 0 && v > (uint64_t)(r.end - r.p))
                rc = short_meta(&r);
            if (rc == 0)
                rc = get_list(&r, NULL, (size_t)v, 0, UINT32_MAX);
            nidx += (size_t)v;
            if (rc == 0 && nidx > 2u * (LP_MAX_ENTRIES + 1u) * 8u)
                rc = lpi_error(ctx, LP_ETOOBIG, "delta meta block lists "
                               "too many indices");
        }
        if (rc == 0)
            rc = get_var(&r, INT64_MAX, &v);
    }
    if (rc == 0 && r.p != r.end)
        rc = lpi_error(ctx, LP_EFORMAT, "delta meta block has %zu bytes "
                       "after its end", (size_t)(r.end - r.p));
    if (rc == 0) {
        m->segs = lpi_calloc(ctx, m->nsegs + 1, sizeof(*m->segs));
        m->indices = lpi_calloc(ctx, nidx + 1, sizeof(*m->indices));
        if (!m->segs || !m->indices)
            rc = LP_ENOMEM;
    }
    if (rc < 0) {
        lpi_dmeta_dispose(m, ctx);
        return rc;
    }
    r.p = mark;
    nidx = 0;
    for (size_t i = 0; i < m->nsegs; i++) {
        lpi_dseg *s = &m->segs[i];
        for (int part = 0; part < 2; part++) {
            uint32_t *arr = m->indices + nidx;
            (void)get_var(&r, UINT64_MAX, &v);
            (void)get_list(&r, arr, (size_t)v, 0, UINT32_MAX);
            if (part == 0) {
                s->prefix = arr;
                s->nprefix = (uint32_t)v;
            } else {
                s->content = arr;
                s->ncontent = (uint32_t)v;
            }
            nidx += (size_t)v;
        }
        (void)get_var(&r, UINT64_MAX, &s->frame_len);
    }
    return 0;
}

void lpi_dmeta_dispose(lpi_dmeta *m, lp_ctx *ctx)
{
    lpi_free(ctx, m->sigs);
    lpi_free(ctx, m->names);
    lpi_free(ctx, m->objs);
    lpi_free(ctx, m->segs);
    lpi_free(ctx, m->indices);
    memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------ packages */

const lpi_object *lpi_package_object(const lp_package *p,
                                     const unsigned char *hash)
{
    size_t lo = 0, hi = p->nobjects;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(p->objects[mid].hash, hash, LP_HASH_BYTES);
        if (c == 0)
            return &p->objects[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int lpi_object_form(const lp_package *p, const lpi_object *o)
{
    (void)p;
    if (o->jxl)
        return LPI_FORM_JXL;
    if (!o->compressed)
        return LPI_FORM_STORED;
    return o->ddict ? LPI_FORM_DICT : LPI_FORM_ZSTD;
}

int lpi_file_hash(lp_ctx *ctx, int fd, uint64_t off, uint64_t size,
                  unsigned char out[LP_HASH_BYTES])
{
    unsigned char *buf = lpi_malloc(ctx, LPI_IO_CHUNK);
    lpi_hasher h;
    uint64_t done = 0;
    int rc = buf ? 0 : LP_ENOMEM;

    lpi_hash_init(&h);
    while (rc == 0 && done < size) {
        size_t n = size - done < LPI_IO_CHUNK ? (size_t)(size - done)
                                              : LPI_IO_CHUNK;
        rc = lpi_pread_full(ctx, fd, buf, n, off + done);
        if (rc == 0)
            lpi_hash_update(&h, buf, n);
        done += n;
    }
    lpi_hash_final(&h, out);
    lpi_free(ctx, buf);
    return rc;
}

/* ------------------------------------------------------------ lp_delta */

void lpi_dheader_info(const lpi_dheader *h, uint64_t size,
                      lp_delta_info *i)
{
    memset(i, 0, sizeof(*i));
    snprintf(i->base_id, sizeof(i->base_id), "%s", h->base_id);
    i->base_version = h->base_version;
    lpi_hash_hex(i->base_manifest, h->base_manifest);
    snprintf(i->target_id, sizeof(i->target_id), "%s", h->target_id);
    i->target_version = h->target_version;
    snprintf(i->target_label, sizeof(i->target_label), "%s",
             h->target_label);
    lpi_hash_hex(i->target_manifest, h->target_manifest);
    i->delta_size = size;
    i->target_size = h->target_size;
    i->temp_size = h->temp;
    i->window = h->window;
    i->level = h->level;
    i->exact = h->exact;
    i->keep_objects = h->keep[0];
    i->keep_bytes = h->keep[1];
    i->patch_objects = h->patch[0];
    i->patch_bytes = h->patch[1];
    i->add_objects = h->add[0];
    i->add_bytes = h->add[1];
    i->remove_objects = h->remove[0];
    i->remove_bytes = h->remove[1];
    i->renamed_paths = h->renamed;
    i->segments = h->segments;
}

int lp_delta_sniff(const void *data, size_t len)
{
    return len >= sizeof(LPI_DELTA_MAGIC) &&
           memcmp(data, LPI_DELTA_MAGIC " ", sizeof(LPI_DELTA_MAGIC)) == 0;
}

int lp_delta_open(lp_delta **out, lp_ctx *ctx, const char *path)
{
    char head[LPI_DELTA_MAX_HEADER];
    unsigned char sum[LP_HASH_BYTES], trailer[LP_HASH_BYTES];
    struct stat st;
    lp_delta *d;
    size_t n;
    int rc;

    LP_ASSERT_ARG(out && ctx && path);
    *out = NULL;
    d = lpi_calloc(ctx, 1, sizeof(*d));
    if (!d)
        return LP_ENOMEM;
    d->ctx = ctx;
    d->fd = lpi_open_input(ctx, AT_FDCWD, path, NULL, LPI_OPEN_FOLLOW, &st);
    if (d->fd < 0) {
        rc = d->fd;
        goto fail;
    }
    d->file_size = (uint64_t)st.st_size;
    n = d->file_size < sizeof(head) ? (size_t)d->file_size : sizeof(head);
    rc = lpi_pread_full(ctx, d->fd, head, n, 0);
    if (rc == 0)
        rc = lpi_dheader_parse(&d->h, ctx, head, n);
    if (rc == 0 && (d->h.meta_size > d->file_size ||
                    d->file_size - d->h.meta_size <
                        d->h.header_len + LPI_DELTA_TRAILER))
        rc = lpi_error(ctx, LP_EFORMAT, "delta is cut short: %" PRIu64
                       " bytes, its header declares more", d->file_size);
    if (rc == 0)
        rc = lpi_file_hash(ctx, d->fd, 0, d->file_size - LPI_DELTA_TRAILER,
                           sum);
    if (rc == 0)
        rc = lpi_pread_full(ctx, d->fd, trailer, sizeof(trailer),
                            d->file_size - LPI_DELTA_TRAILER);
    if (rc == 0 && sodium_memcmp(sum, trailer, sizeof(sum)) != 0)
        rc = lpi_error(ctx, LP_EHASH, "delta is damaged: its checksum does "
                       "not match (get it again)");
    if (rc < 0) {
        lpi_error_prefix(ctx, "%s", path);
        goto fail;
    }
    lpi_dheader_info(&d->h, d->file_size, &d->info);
    *out = d;
    return 0;
fail:
    lp_delta_free(d);
    return rc;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

uint64_t lp_delta_disk_bytes(const lp_delta_info *i)
{
    uint64_t n = add_sat(i->target_size, i->temp_size);

    if (!i->exact) {
        /* another writer made the target: what apply encodes (what it
         * spools, temp) may be stored at up to its content size, and
         * every entry's two headers and directory record take as much as
         * this writer's (a bound, as check_space() had it) */
        uint64_t nobj = add_sat(add_sat(i->keep_objects, i->patch_objects),
                                i->add_objects);
        n = add_sat(n, i->temp_size);
        n = add_sat(n, 1024);
        n = add_sat(n, nobj > UINT64_MAX / 300 ? UINT64_MAX : nobj * 300);
    }
    return n;
}

const lp_delta_info *lp_delta_get_info(const lp_delta *d)
{
    return &d->info;
}

void lp_delta_free(lp_delta *d)
{
    if (!d)
        return;
    if (d->fd >= 0)
        close(d->fd);
    lpi_free(d->ctx, d);
}

/* ------------------------------------------------------------ holes */

bool lpi_hash_is_hole(const unsigned char *hash)
{
    static const unsigned char zero[LP_HASH_BYTES];

    return memcmp(hash, zero, LP_HASH_BYTES) == 0;
}

size_t lpi_delta_holes(const lpi_manifest *m)
{
    size_t n = m->has_dictionary && lpi_hash_is_hole(m->dictionary);

    for (size_t i = 0; i < m->nentries; i++)
        n += lpi_hash_is_hole(m->entries[i].hash);
    return n;
}

int lpi_manifest_hash_offsets(lp_ctx *ctx, const unsigned char *text,
                              size_t len, size_t nentries, size_t *dict_at,
                              size_t *entry_at)
{
    const unsigned char *p = text, *end = text + len;
    static const char dict_key[] = "dictionary ";
    size_t k = 0;

    *dict_at = SIZE_MAX;
    /* header lines, up to the empty line */
    while (p < end && *p != '\n') {
        const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;
        if ((size_t)(nl - p) == sizeof(dict_key) - 1 + LP_HASH_HEX_BYTES &&
            memcmp(p, dict_key, sizeof(dict_key) - 1) == 0)
            *dict_at = (size_t)(p - text) + sizeof(dict_key) - 1;
        p = nl + 1;
    }
    if (p < end)
        p++;
    for (; k < nentries && p + LP_HASH_HEX_BYTES <= end; k++) {
        const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
        entry_at[k] = (size_t)(p - text);
        if (!nl)
            break;
        p = nl + 1;
    }
    if (k != nentries)
        return lpi_error(ctx, LP_EINTERNAL, "manifest has %zu entry lines, "
                         "not %zu", k, nentries);
    return 0;
}
