/*
 * delta.c - making a delta from a base package to a target package
 * (lpd(5)).
 *
 * Objects are content-addressed, so everything the target shares with the
 * base is referenced, never shipped.  What is new is encoded in segments:
 * one zstd frame each, whose content is one or more new objects and whose
 * prefix (zstd's "patch from") is the content of the base objects most
 * like them.  Small texts share one segment, so a lesson edited in five
 * languages costs about one edit; a large object gets a segment of its
 * own, patched or plain, whichever is smaller.  Alongside goes a meta
 * block (the target's manifest, encoded against the base's, its
 * signatures and the order and form of its objects), from which apply
 * rebuilds the target byte for byte.
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
#include <unistd.h>
#include <zstd.h>

/* New objects up to this size, of a type that compresses, share segments */
#define SMALL_OBJECT (1024u * 1024u)
/* Texts are prefixed with other texts of the base up to this much: a new
 * lesson shares most of its markup and phrasing with the old ones */
#define TEXT_PREFIX (16u * 1024u * 1024u)
/* Other new objects up to this size share segments too */
#define MEDIA_GROUP (16u * 1024u * 1024u)
#define MIN_WINDOW (4u * 1024u * 1024u)
/* The least memory segments are planned within, beside what apply
 * needs for the rest (budget()): zstd's context and stream buffers */
#define MIN_SEGMENT (1024u * 1024u)
#define NO_BASE UINT32_MAX
/* Base objects like a new one (by sampled fingerprints) it remembers */
#define NCAND 8
/* A segment with a prefix is encoded at PROBE_LEVEL first, and again at
 * the delta's level only where the probe's frame is at least
 * 1/FULL_LEVEL_SHARE of the prefix and content: the strongest levels index
 * the whole prefix at a few MB/s, which buys a few KB on a segment that is
 * almost all matches, and a percent or two on one that is mostly new
 * bytes (lpd(5) WRITING A DELTA) */
#define PROBE_LEVEL 9
#define FULL_LEVEL_SHARE 64u
/* ... and saved at least 1/FULL_LEVEL_SAVED of the content: where the
 * probe found nothing (new random-looking media) neither will level 19 */
#define FULL_LEVEL_SAVED 32u
/* ... or, where it found something, in any segment up to this size: it
 * costs well under a second */
#define FULL_LEVEL_ALWAYS (2u * 1024u * 1024u)
#define WINDOWLOG_MIN 10     /* zstd's smallest window */

typedef struct tobj {
    const lpi_object *o;       /* in the target */
    const lpi_object *kept;    /* the same content in the base, or NULL */
    const char *path;          /* its first entry, or NULL (dictionary) */
    const char *type;
    uint32_t entry;
    uint8_t form;
    uint32_t base;             /* base object index (hash order) */
    uint32_t cand[NCAND];      /* base objects most like it, best first */
    uint8_t ncand;
    bool placed;               /* in a segment already */
    bool recode;               /* kept, stored alike, but other bytes */
} tobj;

typedef struct plan_seg {
    uint32_t *prefix, *content;
    uint32_t nprefix, ncontent;
    uint64_t prefix_bytes, content_bytes;
    bool patched_single;       /* one object with a base: try both ways */
    /* results */
    uint64_t frame_off, frame_len;
    unsigned window_log;       /* of a prefix-less frame */
    unsigned owner;            /* the encoder whose spool holds it */
    int rc;
    char *err;
} plan_seg;

typedef struct maker {
    lp_ctx *ctx;
    lp_package *base, *target;
    int level;                 /* of the delta's frames */
    uint64_t max_window;       /* for segments: what apply's other needs
                                  leave of the limit (budget()) */
    uint64_t limit;            /* --max-window + LP_APPLY_MEMORY_MARGIN */
    lpi_applymem am;           /* apply's needs but the segments' */
    unsigned threads;
    tobj *objs;                /* target objects in ZIP order */
    size_t nobjs;
    bool *base_kept;           /* per base object: the target has it */
    lpi_dsig *sigs;
    size_t nsigs;
    unsigned char *sigdata;
    char *signames;
    plan_seg *segs;
    size_t nsegs, segcap;
    uint32_t *indices;         /* storage for segment lists */
    size_t nindices, idxcap;
    struct encoder *encoders;  /* the threads encoding segments */
    atomic_size_t next;
    lpi_dheader h;
    lpi_progress prog;         /* LP_STAGE_ENCODING: segments, content */
} maker;

/* ------------------------------------------------------------ reading */

static int write_all(lp_ctx *ctx, int fd, const void *buf, size_t n)
{
    if (lpi_write_full(fd, buf, n) < 0)
        return lpi_error(ctx, LP_EIO, "cannot write: %s", strerror(errno));
    return 0;
}

static unsigned ceil_log2(uint64_t v)
{
    unsigned l = 0;

    while (l < 63 && ((uint64_t)1 << l) < v)
        l++;
    return l;
}

static unsigned floor_log2(uint64_t v)
{
    unsigned l = 0;

    while (l < 63 && ((uint64_t)2 << l) <= v)
        l++;
    return l;
}

/* ------------------------------------------------------------ the target */

/* Objects both have, stored the same way but not byte for byte alike
 * (another zstd level or library): apply must compress them again */
static void mark_recodes(maker *m)
{
    for (size_t i = 0; i < m->nobjs; i++) {
        tobj *t = &m->objs[i];
        const lpi_object *k = t->kept;
        if (k && t->form != LPI_FORM_JXL &&
            t->form == lpi_object_form(m->base, k) &&
            (t->form != LPI_FORM_DICT ||
             memcmp(m->base->m.dictionary, m->target->m.dictionary,
                    LP_HASH_BYTES) == 0) &&
            (k->stored_size != t->o->stored_size || k->crc != t->o->crc))
            t->recode = true;
    }
}

static int cmp_zip_order(const void *a, const void *b)
{
    size_t x = ((const tobj *)a)->o->zip_index;
    size_t y = ((const tobj *)b)->o->zip_index;

    return x < y ? -1 : x > y;
}

/* The target's objects in ZIP order, their forms, and its signatures */
static int read_layout(maker *m)
{
    lp_ctx *ctx = m->ctx;
    lp_package *t = m->target;
    size_t sigbytes = 0, namebytes = 0;

    m->objs = lpi_calloc(ctx, t->nobjects + 1, sizeof(*m->objs));
    m->sigs = lpi_calloc(ctx, t->zip.count + 1, sizeof(*m->sigs));
    if (!m->objs || !m->sigs)
        return LP_ENOMEM;
    for (size_t i = 0; i < t->zip.count; i++) {
        const lpi_zentry *z = &t->zip.entries[i];
        if (strncmp(z->name, LPI_SIGNATURES_DIR,
                    strlen(LPI_SIGNATURES_DIR)) == 0) {
            sigbytes += (size_t)z->size;
            namebytes += z->name_len + 1;
        }
    }
    m->sigdata = lpi_malloc(ctx, sigbytes + 1);
    m->signames = lpi_malloc(ctx, namebytes + 1);
    if (!m->sigdata || !m->signames)
        return LP_ENOMEM;
    sigbytes = namebytes = 0;
    for (size_t i = 0; i < t->zip.count; i++) {
        const lpi_zentry *z = &t->zip.entries[i];

        if (strncmp(z->name, LPI_SIGNATURES_DIR,
                    strlen(LPI_SIGNATURES_DIR)) == 0) {
            lpi_dsig *s = &m->sigs[m->nsigs++];
            int rc;
            if (z->size > LP_SIG_MAX_FILE_BYTES)
                return lpi_error(ctx, LP_ETOOBIG, "signature entry '%s' is "
                                 "larger than %u bytes", z->name,
                                 LP_SIG_MAX_FILE_BYTES);
            rc = lpi_pread_full(ctx, t->fd, m->sigdata + sigbytes,
                                (size_t)z->size, z->data);
            if (rc < 0)
                return rc;
            memcpy(m->signames + namebytes, z->name, z->name_len + 1);
            s->name = m->signames + namebytes;
            s->data = m->sigdata + sigbytes;
            s->len = (size_t)z->size;
            sigbytes += (size_t)z->size;
            namebytes += z->name_len + 1;
        }
    }
    /* the objects, in the order of their entries */
    for (size_t i = 0; i < t->nobjects; i++) {
        const lpi_object *o = &t->objects[i];
        tobj *to = &m->objs[m->nobjs++];

        to->o = o;
        to->form = (uint8_t)lpi_object_form(t, o);
        to->base = NO_BASE;
        if (o->first_entry == LPI_DICT_ENTRY) {
            to->entry = LPI_DELTA_DICT_ENTRY;
            to->type = "application/octet-stream";
        } else {
            to->entry = (uint32_t)o->first_entry;
            to->path = t->m.entries[o->first_entry].path;
            to->type = t->m.entries[o->first_entry].media_type;
        }
        to->kept = lpi_package_object(m->base, o->hash);
        /* a JPEG XL object is copied only from a base that has the very
         * same stream; else the delta carries the stream (apply makes
         * none): it is new here, and flagged if the base has another
         * stream of that content (lpd(5), the object table) */
        if (to->form == LPI_FORM_JXL && to->kept &&
            (!to->kept->jxl || to->kept->stored_size != o->stored_size ||
             to->kept->crc != o->crc)) {
            to->recode = to->kept->jxl;
            to->kept = NULL;
        }
    }
    lpi_sort(m->objs, m->nobjs, sizeof(*m->objs), cmp_zip_order);
    mark_recodes(m);
    return 0;
}

/* ------------------------------------------------------------ memory */

/* Does apply compress target object t (new, or kept but stored otherwise)?
 * (apply.c check_object() decides the same from the delta) */
static bool apply_compresses(const maker *m, const tobj *t)
{
    if (t->form == LPI_FORM_STORED || t->form == LPI_FORM_JXL)
        return false;
    return !t->kept || t->recode ||
           t->form != lpi_object_form(m->base, t->kept) ||
           (t->form == LPI_FORM_DICT &&
            memcmp(m->base->m.dictionary, m->target->m.dictionary,
                   LP_HASH_BYTES) != 0);
}

/* apply's needs besides decoding segments, known before planning (the
 * compressor for what it compresses, base objects it decodes, the meta
 * block with room for its tables): segments get what is left of the
 * limit (lpd(5) MEMORY) */
static int budget(maker *m)
{
    lpi_applymem *am = &m->am;
    const lp_package *t = m->target;
    const tobj *big = NULL;
    uint64_t need;

    memset(am, 0, sizeof(*am));
    am->level = m->h.level;
    am->manifest_len = t->manifest_len;
    am->nentries = t->m.nentries;
    am->nlanguages = t->m.nlanguages;
    am->nobjs = m->nobjs;
    am->nsigs = m->nsigs;
    am->meta_len = t->manifest_len + 32 * m->nobjs;
    for (size_t i = 0; i < m->nsigs; i++)
        am->meta_len += m->sigs[i].len + strlen(m->sigs[i].name) + 20;
    /* segments and their lists, before there are any: room for a few */
    am->nsegs = m->nobjs;
    am->nindices = 8 * m->nobjs + 262144;
    for (size_t i = 0; i < m->nobjs; i++) {
        const tobj *o = &m->objs[i];
        bool enc = apply_compresses(m, o);
        if (o->entry == LPI_DELTA_DICT_ENTRY)
            am->dict_len = o->o->size;
        if (o->kept && o->kept->compressed) {
            uint64_t dec = lpi_dstream_memory(o->kept->window, o->kept->size);
            if (enc && dec > am->decode)
                am->decode = dec;
            else if (!enc && dec > am->verify)
                am->verify = dec;
        }
    }
    for (size_t i = 0; i < m->nobjs; i++) {
        const tobj *o = &m->objs[i];
        uint64_t e;
        if (!apply_compresses(m, o))
            continue;
        e = lpi_encode_memory(am->level, o->o->size,
                              o->form == LPI_FORM_DICT ? am->dict_len : 0);
        if (e > am->encode) {
            am->encode = e;
            big = o;
        }
    }
    need = lpi_apply_memory(am);
    /* what segments may take: prefix and content, zstd's context and
     * stream buffers aside */
    if (need + 2 * MIN_SEGMENT > m->limit) {
        uint64_t allowed = m->limit - LP_APPLY_MEMORY_MARGIN;
        if (big)
            return lpi_error(m->ctx, LP_ETOOBIG, "applying a delta to this "
                             "release would need more than %" PRIu64
                             " bytes of memory, more than --max-window %"
                             PRIu64 " allows (with %llu for buffers): "
                             "compressing %s%s%s again at zstd level %d, as "
                             "the release was made, takes %" PRIu64 "; make "
                             "it with a larger --max-window", need, allowed,
                             (unsigned long long)LP_APPLY_MEMORY_MARGIN,
                             big->path ? "'" : "",
                             big->path ? big->path : "the dictionary",
                             big->path ? "'" : "", am->level, am->encode);
        return lpi_error(m->ctx, LP_ETOOBIG, "applying a delta to this "
                         "release would need more than %" PRIu64 " bytes "
                         "of memory, more than --max-window %" PRIu64
                         " allows (with %llu for buffers); make it with a "
                         "larger --max-window", need, allowed,
                         (unsigned long long)LP_APPLY_MEMORY_MARGIN);
    }
    if (m->limit - need - MIN_SEGMENT < m->max_window)
        m->max_window = m->limit - need - MIN_SEGMENT;
    return 0;
}

/* The delta made: apply's memory for it, as apply will count it */
static int check_budget(maker *m, uint64_t meta_decoded)
{
    lpi_applymem am = m->am;
    uint64_t need;

    am.meta_len = meta_decoded;
    am.nsegs = m->nsegs;
    am.nindices = 0;
    for (size_t i = 0; i < m->nsegs; i++) {
        const plan_seg *s = &m->segs[i];
        bool dict = m->objs[s->content[0]].entry == LPI_DELTA_DICT_ENTRY;
        uint64_t dec = lpi_segment_memory(s->prefix_bytes, s->content_bytes,
                                          (uint64_t)1 << s->window_log,
                                          s->nprefix > 0 || dict, dict);
        am.nindices += s->nprefix + s->ncontent;
        if (dec > am.decode)
            am.decode = dec;
    }
    need = lpi_apply_memory(&am);
    if (need > m->limit)
        return lpi_error(m->ctx, LP_EINTERNAL, "the delta needs %" PRIu64
                         " bytes of memory to apply, more than the %" PRIu64
                         " it was planned within", need, m->limit);
    return 0;
}

/* ------------------------------------------------------------ the level */

typedef struct membuf {
    unsigned char *data;
    size_t len, cap;
    bool overflow;
} membuf;

static int to_mem(void *arg, const void *data, size_t len)
{
    membuf *b = arg;

    if (len > b->cap - b->len) {
        b->overflow = true;
        return 0;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

/* Does compressing content at level give exactly the stored frame? */
static int reproduces(maker *m, ZSTD_CCtx *cctx, const ZSTD_CDict *cdict,
                      const unsigned char *content,
                      uint64_t size, const unsigned char *stored,
                      uint64_t stored_len, unsigned char *scratch,
                      unsigned char *out, size_t out_cap, bool *same)
{
    membuf b = { scratch, 0, (size_t)stored_len, false };
    lpi_objenc e;
    uint64_t off = 0;
    int rc = 0;

    rc = lpi_objenc_begin(&e, m->ctx, cctx, cdict, size);
    while (rc == 0 && off < size && !b.overflow) {
        size_t n = size - off < LPI_IO_CHUNK ? (size_t)(size - off)
                                             : LPI_IO_CHUNK;
        rc = lpi_objenc_feed(&e, m->ctx, content + off, n, out, out_cap,
                             to_mem, &b);
        off += n;
    }
    *same = rc == 0 && !b.overflow && b.len == stored_len &&
            memcmp(scratch, stored, b.len) == 0;
    return rc;
}

/* The zstd level the target's writer used, found by compressing a few of
 * its objects again: apply needs it to rebuild them byte for byte.  Not
 * found (another writer, another zstd): apply still rebuilds a valid
 * package, not an identical one. */
static int infer_level(maker *m)
{
    static const int candidates[] = { LP_DEFAULT_LEVEL, 1, 2, 4, 5, 6, 7, 8,
                                      9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
                                      19, 20, 21, 22 };
    lp_ctx *ctx = m->ctx;
    lp_package *t = m->target;
    const tobj *sample[4] = { NULL };
    size_t nsample = 0;
    uint64_t total = 0;
    unsigned char *content = NULL, *stored = NULL, *scratch = NULL, *out;
    size_t out_cap = ZSTD_CStreamOutSize();
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    ZSTD_CDict *cdict = NULL;
    unsigned char *dict = NULL;
    const lpi_object *dobj = NULL;
    int rc = 0;

    m->h.level = LP_DEFAULT_LEVEL;
    m->h.exact = true;
    /* up to two of each compressed form, small ones, 2 MiB in all */
    for (int form = LPI_FORM_ZSTD; form <= LPI_FORM_DICT; form++) {
        size_t got = 0;
        for (size_t i = 0; i < m->nobjs && got < 2; i++) {
            const tobj *o = &m->objs[i];
            /* its stored bytes are read into room for its content: a
             * frame larger than its content (legal, not what a writer
             * makes) is no sample */
            if (o->form == form && o->o->size <= 1024u * 1024u &&
                o->o->stored_size <= o->o->size &&
                total + o->o->size <= 2u * 1024u * 1024u) {
                sample[nsample++] = o;
                total += o->o->size;
                got++;
            }
        }
    }
    if (nsample == 0) {
        ZSTD_freeCCtx(cctx);
        return 0;
    }
    out = lpi_malloc(ctx, out_cap);
    content = lpi_malloc(ctx, (size_t)total + 1);
    stored = lpi_malloc(ctx, (size_t)total + 1);
    scratch = lpi_malloc(ctx, (size_t)total + 1);
    if (!cctx || !out || !content || !stored || !scratch)
        rc = lpi_nomem(ctx);
    if (rc == 0 && t->m.has_dictionary) {
        dobj = lpi_package_object(t, t->m.dictionary);
        dict = dobj ? lpi_malloc(ctx, (size_t)dobj->size + 1) : NULL;
        rc = dict ? lpi_object_read_all(ctx, t, dobj, dict) : lpi_nomem(ctx);
    }
    {
        uint64_t at = 0;
        for (size_t i = 0; rc == 0 && i < nsample; i++) {
            rc = lpi_object_read_all(ctx, t, sample[i]->o, content + at);
            if (rc == 0)
                rc = lpi_pread_full(ctx, t->fd, stored + at,
                                    (size_t)sample[i]->o->stored_size,
                                    sample[i]->o->offset);
            at += sample[i]->o->size;
        }
    }
    m->h.exact = false;
    for (size_t c = 0; rc == 0 && c < sizeof(candidates) / sizeof(*candidates);
         c++) {
        int level = candidates[c];
        uint64_t at = 0;
        bool all = true;

        lpi_objenc_params(cctx, level);
        if (dict) {
            ZSTD_freeCDict(cdict);
            cdict = ZSTD_createCDict(dict, (size_t)dobj->size, level);
            if (!cdict) {
                rc = lpi_nomem(ctx);
                break;
            }
        }
        for (size_t i = 0; rc == 0 && i < nsample && all; i++) {
            const lpi_object *o = sample[i]->o;
            bool same;
            rc = reproduces(m, cctx, sample[i]->form == LPI_FORM_DICT
                                     ? cdict : NULL, content + at, o->size,
                            stored + at, o->stored_size, scratch, out,
                            out_cap, &same);
            all = all && same;
            at += o->size; /* stored bytes were read at content offsets */
        }
        if (rc == 0 && all) {
            m->h.level = level;
            m->h.exact = true;
            break;
        }
    }
    ZSTD_freeCDict(cdict);
    ZSTD_freeCCtx(cctx);
    lpi_free(ctx, dict);
    lpi_free(ctx, out);
    lpi_free(ctx, content);
    lpi_free(ctx, stored);
    lpi_free(ctx, scratch);
    return rc;
}

/* ------------------------------------------------------------ bases */

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');

    return s ? s + 1 : path;
}

static const char *extension(const char *path)
{
    const char *b = base_name(path), *d = strrchr(b, '.');

    return d ? d : "";
}

typedef struct bref {
    const char *key;           /* basename or extension */
    uint64_t size;
    uint32_t object;           /* base object index */
} bref;

static int cmp_bref(const void *a, const void *b)
{
    const bref *x = a, *y = b;
    int c = strcmp(x->key, y->key);

    if (c)
        return c;
    if (x->size != y->size)
        return x->size < y->size ? -1 : 1;
    return x->object < y->object ? -1 : x->object > y->object;
}

static uint64_t distance(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

/* Among refs with this key, the one closest in size (within a factor of
 * max_ratio), or NO_BASE */
static uint32_t closest(const bref *refs, size_t n, const char *key,
                        uint64_t size, uint64_t max_ratio)
{
    size_t lo = 0, hi = n;
    uint32_t best = NO_BASE;
    uint64_t best_d = UINT64_MAX;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(refs[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < n && strcmp(refs[i].key, key) == 0; i++) {
        uint64_t s = refs[i].size, d = distance(s, size);
        if (s > size * max_ratio || size > s * max_ratio)
            continue;
        if (d < best_d) {
            best_d = d;
            best = refs[i].object;
        }
    }
    return best;
}

/* ------------------------------------------------------------ similar */

/* Objects that may share a grouped segment are sketched: larger ones get
 * a segment of their own, against their base if any */
static bool sketchable(uint64_t size)
{
    return size > 0 && size <= MEDIA_GROUP;
}

typedef struct sim_filter {
    const maker *m;
    const uint32_t *refs;      /* index entry -> base object */
    bool text;                 /* the query's kind */
} sim_filter;

/* Texts are like texts, media like media */
static bool same_kind(void *arg, uint32_t r)
{
    const sim_filter *f = arg;
    const lp_package *b = f->m->base;
    const lpi_object *o = &b->objects[f->refs[r]];

    return lpi_may_compress(b->m.entries[o->first_entry].media_type) ==
           f->text;
}

/* For each new object, up to NCAND base objects most like it by content
 * (sampled fingerprints, sketch.c): what its segment's prefix is made
 * of beside its base.  Depends on the two packages only, not on the
 * window or the thread count. */
static int find_similar(maker *m)
{
    lp_ctx *ctx = m->ctx;
    const lp_package *b = m->base;
    const lpi_object **bo = lpi_calloc(ctx, b->nobjects + 1, sizeof(*bo));
    const lpi_object **to = lpi_calloc(ctx, m->nobjs + 1, sizeof(*to));
    uint32_t *refs = lpi_calloc(ctx, b->nobjects + 1, sizeof(*refs));
    uint32_t *tref = lpi_calloc(ctx, m->nobjs + 1, sizeof(*tref));
    uint64_t *sizes = lpi_calloc(ctx, b->nobjects + 1, sizeof(*sizes));
    lpi_sketch *bs = NULL, *ts = NULL;
    size_t nb = 0, nt = 0;
    lpi_simindex ix;
    int rc = bo && to && refs && tref && sizes ? 0 : LP_ENOMEM;

    memset(&ix, 0, sizeof(ix));
    for (size_t k = 0; rc == 0 && k < b->nobjects; k++) {
        const lpi_object *o = &b->objects[k];
        if (o->first_entry >= b->m.nentries || !sketchable(o->size))
            continue;
        refs[nb] = (uint32_t)k;
        sizes[nb] = o->size;
        bo[nb++] = o;
    }
    for (size_t i = 0; rc == 0 && i < m->nobjs; i++) {
        const tobj *t = &m->objs[i];
        if (t->kept || !t->path || !sketchable(t->o->size) ||
            t->form == LPI_FORM_JXL)
            continue;
        tref[nt] = (uint32_t)i;
        to[nt++] = t->o;
    }
    if (rc == 0 && nb > 0 && nt > 0) {
        bs = lpi_calloc(ctx, nb, sizeof(*bs));
        ts = lpi_calloc(ctx, nt, sizeof(*ts));
        rc = bs && ts ? 0 : LP_ENOMEM;
        if (rc == 0)
            rc = lpi_sketch_objects(ctx, m->base, bo, nb, m->threads, bs);
        if (rc == 0)
            rc = lpi_sketch_objects(ctx, m->target, to, nt, m->threads, ts);
        if (rc == 0)
            rc = lpi_simindex_build(&ix, ctx, bs, sizes, nb);
        for (size_t i = 0; rc == 0 && i < nt; i++) {
            tobj *t = &m->objs[tref[i]];
            sim_filter f = { m, refs, lpi_may_compress(t->type) };
            uint32_t got[NCAND];
            size_t n = lpi_simindex_query(&ix, &ts[i], t->o->size,
                                          same_kind, &f, got, NCAND);
            for (size_t c = 0; c < n; c++)
                t->cand[c] = refs[got[c]];
            t->ncand = (uint8_t)n;
        }
    }
    lpi_simindex_dispose(&ix, ctx);
    lpi_free(ctx, bs);
    lpi_free(ctx, ts);
    lpi_free(ctx, bo);
    lpi_free(ctx, to);
    lpi_free(ctx, refs);
    lpi_free(ctx, tref);
    lpi_free(ctx, sizes);
    return rc == LP_ENOMEM ? lpi_nomem(ctx) : rc;
}

/* For each new object, the base object most like it: the one at the same
 * path; else one with the same file name elsewhere (moved and edited);
 * else the one that shares most sampled fingerprints with it; else, among
 * base objects the target dropped, the one with the same extension
 * closest in size (a replaced picture) */
static int choose_bases(maker *m)
{
    lp_ctx *ctx = m->ctx;
    lp_package *b = m->base;
    bref *names = lpi_calloc(ctx, b->m.nentries + 1, sizeof(*names));
    bref *gone = lpi_calloc(ctx, b->m.nentries + 1, sizeof(*gone));
    size_t nnames = 0, ngone = 0;

    if (!names || !gone) {
        lpi_free(ctx, names);
        lpi_free(ctx, gone);
        return LP_ENOMEM;
    }
    for (size_t i = 0; i < b->m.nentries; i++) {
        const lpi_mentry *e = &b->m.entries[i];
        uint32_t obj = (uint32_t)e->object;
        names[nnames++] = (bref){ base_name(e->path), e->size, obj };
        if (!m->base_kept[obj] && b->objects[obj].first_entry == i)
            gone[ngone++] = (bref){ extension(e->path), e->size, obj };
    }
    lpi_sort(names, nnames, sizeof(*names), cmp_bref);
    lpi_sort(gone, ngone, sizeof(*gone), cmp_bref);
    for (size_t i = 0; i < m->nobjs; i++) {
        tobj *t = &m->objs[i];
        size_t at;

        if (t->kept)
            continue;
        if (!t->path) {
            if (b->m.has_dictionary)
                t->base = (uint32_t)(lpi_package_object(b, b->m.dictionary)
                                     - b->objects);
            continue;
        }
        /* every path of this content counts for "same path" */
        for (size_t k = t->o->first_entry; k < m->target->m.nentries &&
             t->base == NO_BASE; k++) {
            const lpi_mentry *e = &m->target->m.entries[k];
            if (memcmp(e->hash, t->o->hash, LP_HASH_BYTES) != 0)
                continue;
            if (lp_package_find(b, e->path, &at) == 0)
                t->base = (uint32_t)b->m.entries[at].object;
        }
        if (t->base == NO_BASE)
            t->base = closest(names, nnames, base_name(t->path), t->o->size,
                              8);
        if (t->base == NO_BASE && t->ncand > 0)
            t->base = t->cand[0];
        if (t->base == NO_BASE)
            t->base = closest(gone, ngone, extension(t->path), t->o->size, 2);
    }
    lpi_free(ctx, names);
    lpi_free(ctx, gone);
    return 0;
}

/* ------------------------------------------------------------ planning */

static int add_index(maker *m, uint32_t v)
{
    int rc = lpi_grow(m->ctx, (void **)&m->indices, &m->idxcap,
                      m->nindices + 1, sizeof(*m->indices));

    if (rc == 0)
        m->indices[m->nindices++] = v;
    return rc;
}

static int new_seg(maker *m, plan_seg **out)
{
    int rc = lpi_grow(m->ctx, (void **)&m->segs, &m->segcap, m->nsegs + 1,
                      sizeof(*m->segs));

    if (rc < 0)
        return rc;
    *out = &m->segs[m->nsegs++];
    memset(*out, 0, sizeof(**out));
    return 0;
}

/* Segment lists are stored as offsets into m->indices while planning
 * (the array moves as it grows) and turned into pointers at the end */
typedef struct span {
    size_t prefix_at, content_at;
} span;

static bool small_text(const tobj *t)
{
    return t->o->size <= SMALL_OBJECT && lpi_may_compress(t->type);
}

/* The base objects most like these new objects (their candidates, best
 * first, one rank of every member at a time) into the prefix while it
 * stays within limit and prefix and content fit the window; returns the
 * prefix size.  What is added depends on the content, not on the window,
 * as long as it fits: a larger window never brings in less alike bytes. */
static uint64_t widen_prefix(const maker *m, const uint32_t *members,
                             size_t n, bool *in_prefix, uint64_t pbytes,
                             uint64_t cbytes, uint64_t limit)
{
    const lp_package *b = m->base;

    for (unsigned r = 0; r < NCAND; r++)
        for (size_t i = 0; i < n; i++) {
            const tobj *t = &m->objs[members[i]];
            uint32_t k;
            uint64_t size;
            if (r >= t->ncand)
                continue;
            k = t->cand[r];
            size = b->objects[k].size;
            if (in_prefix[k] || pbytes + size > limit ||
                pbytes + cbytes + size > m->max_window)
                continue;
            in_prefix[k] = true;
            pbytes += size;
        }
    return pbytes;
}

static int cmp_path(const void *a, const void *b, void *objs)
{
    const tobj *x = &((const tobj *)objs)[*(const uint32_t *)a];
    const tobj *y = &((const tobj *)objs)[*(const uint32_t *)b];

    return strcmp(x->path ? x->path : "", y->path ? y->path : "");
}

static int plan(maker *m, span **spans_out)
{
    lp_ctx *ctx = m->ctx;
    lp_package *b = m->base;
    uint32_t *order = NULL;
    size_t norder = 0, nspans = 0, spancap = 0;
    span *spans = NULL;
    bool *in_prefix = lpi_calloc(ctx, b->nobjects + 1, sizeof(*in_prefix));
    uint32_t dict_obj = NO_BASE;
    int rc = in_prefix ? 0 : LP_ENOMEM;

    if (b->m.has_dictionary)
        dict_obj = (uint32_t)(lpi_package_object(b, b->m.dictionary) -
                              b->objects);
    order = lpi_calloc(ctx, m->nobjs + 1, sizeof(*order));
    if (!order)
        rc = LP_ENOMEM;

#define NEW_SPAN(S) do { \
        (S) = NULL; \
        rc = lpi_grow(ctx, (void **)&spans, &spancap, nspans + 1, \
                      sizeof(*spans)); \
        if (rc == 0) rc = new_seg(m, &(S)); \
        if (rc == 0) spans[nspans].prefix_at = m->nindices; \
        nspans++; \
    } while (0)

    /* 1. a new dictionary, alone, first: apply needs it before it can
     *    compress any object that uses it.  It is made of pieces of the
     *    texts it was trained on, most of which the base has: they and
     *    the base's dictionary are its prefix. */
    for (size_t i = 0; rc == 0 && i < m->nobjs; i++) {
        tobj *t = &m->objs[i];
        const lpi_manifest *tm = &m->target->m;
        uint64_t sampled = 0;
        plan_seg *s;
        if (t->kept || t->path)
            continue;
        NEW_SPAN(s);
        if (rc < 0)
            break;
        if (t->base != NO_BASE)
            in_prefix[t->base] = true;
        for (size_t k = 0; k < tm->nentries; k++) {
            const lpi_object *o;
            if (!lpi_dict_candidate(tm->entries[k].size,
                                    tm->entries[k].media_type))
                continue;
            if (tm->entries[k].size > LPI_DICT_SAMPLES - sampled)
                break;
            sampled += tm->entries[k].size;
            if ((o = lpi_package_object(b, tm->entries[k].hash)) != NULL)
                in_prefix[o - b->objects] = true;
        }
        for (size_t k = 0; rc == 0 && k < b->nobjects; k++)
            if (in_prefix[k]) {
                rc = add_index(m, (uint32_t)k);
                s->nprefix++;
                s->prefix_bytes += b->objects[k].size;
            }
        spans[nspans - 1].content_at = m->nindices;
        if (rc == 0)
            rc = add_index(m, (uint32_t)i);
        s->ncontent = 1;
        s->content_bytes = t->o->size;
        t->placed = true;
    }

    /* 1b. JPEG XL streams: carried as they are (a stream is entropy-coded:
     *    no prefix finds anything in it), several to a segment, in ZIP
     *    order, after the dictionary's */
    for (size_t i = 0; rc == 0 && i < m->nobjs;) {
        plan_seg *s = NULL;
        uint64_t cbytes = 0;
        const uint64_t cmax = MEDIA_GROUP < m->max_window / 2
                              ? MEDIA_GROUP : m->max_window / 2;

        for (; rc == 0 && i < m->nobjs; i++) {
            tobj *t = &m->objs[i];
            if (t->kept || t->form != LPI_FORM_JXL)
                continue;
            if (s && cbytes + t->o->stored_size > cmax)
                break;
            if (!s) {
                NEW_SPAN(s);
                if (rc < 0)
                    break;
                spans[nspans - 1].content_at = m->nindices;
            }
            rc = add_index(m, (uint32_t)i);
            s->ncontent++;
            cbytes += t->o->stored_size;
            t->placed = true;
        }
        if (s)
            s->content_bytes = cbytes;
    }

    /* 2. small texts, then media up to MEDIA_GROUP bytes, in path order,
     *    as few segments as the window allows: texts prefixed with their
     *    bases and the base's dictionary; media with their bases and, as
     *    far as the window goes, the base's other media of those types (a
     *    new picture is often an old one redrawn, under another name) */
    for (int kind = 0; kind < 2 && rc == 0; kind++) {
        norder = 0;
        for (size_t i = 0; i < m->nobjs; i++) {
            const tobj *t = &m->objs[i];
            if (t->kept || t->placed)
                continue;
            if (kind == 0 ? small_text(t)
                          : t->o->size <= MEDIA_GROUP &&
                            t->o->size <= m->max_window / 2)
                order[norder++] = (uint32_t)i;
        }
        qsort_r(order, norder, sizeof(*order), cmp_path, m->objs);
        for (size_t i = 0; rc == 0 && i < norder;) {
            plan_seg *s;
            uint64_t pbytes = 0, cbytes = 0;
            /* media: content at most half the window, the rest for prefix */
            uint64_t cmax = kind == 0 ? m->max_window : m->max_window / 2;
            size_t j = i;

            memset(in_prefix, 0, b->nobjects);
            if (kind == 0 && dict_obj != NO_BASE) {
                in_prefix[dict_obj] = true;
                pbytes += b->objects[dict_obj].size;
            }
            for (; j < norder; j++) {
                const tobj *t = &m->objs[order[j]];
                uint64_t extra = t->o->size;
                if (t->base != NO_BASE && !in_prefix[t->base])
                    extra += b->objects[t->base].size;
                if (j > i && (pbytes + cbytes + extra > m->max_window ||
                              cbytes + t->o->size > cmax))
                    break;
                if (t->base != NO_BASE && !in_prefix[t->base]) {
                    in_prefix[t->base] = true;
                    pbytes += b->objects[t->base].size;
                }
                cbytes += t->o->size;
            }
            pbytes = widen_prefix(m, order + i, j - i, in_prefix, pbytes,
                                  cbytes, kind == 0 ? TEXT_PREFIX
                                                    : m->max_window);
            NEW_SPAN(s);
            if (rc < 0)
                break;
            /* prefix in base order: deterministic, alike files together */
            for (size_t k = 0; rc == 0 && k < b->nobjects; k++)
                if (in_prefix[k]) {
                    rc = add_index(m, (uint32_t)k);
                    s->nprefix++;
                }
            spans[nspans - 1].content_at = m->nindices;
            for (size_t k = i; rc == 0 && k < j; k++) {
                rc = add_index(m, order[k]);
                s->ncontent++;
                m->objs[order[k]].placed = true;
            }
            s->prefix_bytes = pbytes;
            s->content_bytes = cbytes;
            if (rc == 0 && pbytes + cbytes > m->max_window) {
                /* one object larger than the window with its prefix */
                m->nindices = spans[nspans - 1].prefix_at;
                s->nprefix = 0;
                s->prefix_bytes = 0;
                spans[nspans - 1].content_at = m->nindices;
                for (size_t k = i; rc == 0 && k < j; k++)
                    rc = add_index(m, order[k]);
            }
            i = j;
        }
    }

    /* 3. the rest, one segment each in ZIP order: patched when a base
     *    fits in the window with it (the smaller of patched and plain is
     *    kept when encoding) */
    for (size_t i = 0; rc == 0 && i < m->nobjs; i++) {
        tobj *t = &m->objs[i];
        plan_seg *s;
        if (t->kept || t->placed)
            continue;
        NEW_SPAN(s);
        if (rc < 0)
            break;
        if (rc == 0 && t->base != NO_BASE &&
            b->objects[t->base].size + t->o->size <= m->max_window) {
            rc = add_index(m, t->base);
            s->nprefix = 1;
            s->prefix_bytes = b->objects[t->base].size;
            s->patched_single = true;
        }
        spans[nspans - 1].content_at = m->nindices;
        if (rc == 0)
            rc = add_index(m, (uint32_t)i);
        s->ncontent = 1;
        s->content_bytes = t->o->size;
        t->placed = true;
    }
#undef NEW_SPAN
    lpi_free(ctx, order);
    lpi_free(ctx, in_prefix);
    *spans_out = spans;
    return rc;
}

/* ------------------------------------------------------------ encoding */

typedef struct encoder encoder;
struct encoder {
    maker *m;
    lp_ctx *ctx;
    ZSTD_CCtx *cctx;
    int spool;                 /* this thread's frames */
    uint64_t spool_end;
    unsigned char *in, *out;
    size_t out_cap;
};

static void set_params(maker *m, ZSTD_CCtx *cctx, unsigned wlog,
                       uint64_t content, int level)
{
    (void)m;
    ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, (int)wlog);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_enableLongDistanceMatching, 1);
    ZSTD_CCtx_setPledgedSrcSize(cctx, content);
}

/* The delta's level, but not above 9 for large media that is compressed
 * already (a re-encoded video): zstd's strongest levels win a few hundredths
 * of a percent there, at 5 to 10 times the time */
#define MEDIA_FAST_LEVEL 9
#define MEDIA_FAST_FROM (16u * 1024u * 1024u)

static int level_for(const maker *m, const plan_seg *s)
{
    if (m->level > MEDIA_FAST_LEVEL && s->ncontent == 1 &&
        s->content_bytes >= MEDIA_FAST_FROM &&
        !lpi_may_compress(m->objs[s->content[0]].type))
        return MEDIA_FAST_LEVEL;
    return m->level;
}

/* Load the content (and prefix) of a segment into memory */
static int load(encoder *e, const plan_seg *s, unsigned char *buf,
                bool prefix)
{
    maker *m = e->m;
    uint64_t at = 0;
    int rc = 0;

    if (prefix)
        for (uint32_t k = 0; rc == 0 && k < s->nprefix; k++) {
            const lpi_object *o = &m->base->objects[s->prefix[k]];
            rc = lpi_object_read_all(e->ctx, m->base, o, buf + at);
            at += o->size;
        }
    for (uint32_t k = 0; rc == 0 && k < s->ncontent; k++) {
        const lpi_object *o = m->objs[s->content[k]].o;
        rc = lpi_object_read_all(e->ctx, m->target, o, buf + at);
        at += o->size;
    }
    return rc;
}

static int zerr(lp_ctx *ctx, size_t r)
{
    return lpi_error(ctx, LP_EINTERNAL, "zstd: %s", ZSTD_getErrorName(r));
}

/* A segment with a prefix, in memory (prefix + content fit the window) */
static int encode_prefixed(encoder *e, plan_seg *s)
{
    maker *m = e->m;
    lp_ctx *ctx = e->ctx;
    uint64_t total = s->prefix_bytes + s->content_bytes;
    unsigned char *buf = lpi_malloc(ctx, (size_t)total + 1);
    size_t bound = ZSTD_compressBound((size_t)s->content_bytes);
    unsigned char *dst = lpi_malloc(ctx, bound), *plain = NULL;
    size_t n = 0, np = 0;
    int rc;

    if (!buf || !dst) {
        lpi_free(ctx, buf);
        lpi_free(ctx, dst);
        return lpi_nomem(ctx);
    }
    rc = load(e, s, buf, true);
    /* the probe, then the full level where it pays (FULL_LEVEL_SHARE) */
    for (int pass = 0; rc == 0 && pass < 2; pass++) {
        int full = level_for(m, s);
        int level = pass == 0 && full > PROBE_LEVEL ? PROBE_LEVEL : full;
        unsigned char *to = dst;
        size_t got;
        if (pass == 1 && (full <= PROBE_LEVEL ||
                          (total > FULL_LEVEL_ALWAYS &&
                           (uint64_t)n * FULL_LEVEL_SHARE < total) ||
                          n > s->content_bytes - s->content_bytes /
                                                 FULL_LEVEL_SAVED))
            break;
        if (pass == 1 && !(to = plain = lpi_malloc(ctx, bound))) {
            rc = lpi_nomem(ctx);
            break;
        }
        set_params(m, e->cctx, ceil_log2(total) < WINDOWLOG_MIN
                   ? WINDOWLOG_MIN : ceil_log2(total), s->content_bytes,
                   level);
        ZSTD_CCtx_refPrefix(e->cctx, buf, (size_t)s->prefix_bytes);
        got = ZSTD_compress2(e->cctx, to, bound, buf + s->prefix_bytes,
                             (size_t)s->content_bytes);
        if (ZSTD_isError(got))
            rc = zerr(ctx, got);
        else if (pass == 0)
            n = got;
        else if (got < n) {
            memcpy(dst, to, got);
            n = got;
        }
    }
    /* patched or plain, whichever is smaller: plain at a fast level
     * first, and at the full level only if that beats the patch (a patch
     * that helps wins by far; one that does not is about plain's size) */
    for (int fast = 1; fast >= 0 && rc == 0 && s->patched_single; fast--) {
        unsigned wlog = ceil_log2(s->content_bytes);
        if (!plain)
            plain = lpi_malloc(ctx, bound);
        if (!plain)
            rc = lpi_nomem(ctx);
        if (wlog < WINDOWLOG_MIN)
            wlog = WINDOWLOG_MIN;
        if (rc == 0) {
            set_params(m, e->cctx, wlog, s->content_bytes,
                       fast ? 3 : level_for(m, s));
            np = ZSTD_compress2(e->cctx, plain, bound, buf + s->prefix_bytes,
                                (size_t)s->content_bytes);
            if (ZSTD_isError(np))
                rc = zerr(ctx, np);
        }
        if (rc == 0 && fast && np >= n)
            break;
        if (rc == 0 && np < n) {
            s->nprefix = 0;
            s->prefix_bytes = 0;
            s->window_log = wlog;
            memcpy(dst, plain, np);
            n = np;
        }
    }
    if (rc == 0)
        rc = lpi_progress_add(&m->prog, ctx, 0, s->content_bytes);
    if (rc == 0) {
        rc = write_all(ctx, e->spool, dst, n);
        s->frame_off = e->spool_end;
        s->frame_len = n;
        e->spool_end += n;
    }
    lpi_free(ctx, plain);
    lpi_free(ctx, dst);
    lpi_free(ctx, buf);
    return rc;
}

typedef struct frame_sink {
    encoder *e;
    uint64_t len;
} frame_sink;

/* A segment without a prefix, streamed: its content may be any size */
static int encode_plain(encoder *e, plan_seg *s)
{
    maker *m = e->m;
    lp_ctx *ctx = e->ctx;
    unsigned wlog = ceil_log2(s->content_bytes);
    uint64_t frame = 0;
    int rc = 0;

    if (wlog > floor_log2(m->max_window))
        wlog = floor_log2(m->max_window);
    if (wlog > LP_MAX_WINDOW_LOG)
        wlog = LP_MAX_WINDOW_LOG;
    if (wlog < WINDOWLOG_MIN)
        wlog = WINDOWLOG_MIN;
    s->window_log = wlog;
    set_params(m, e->cctx, wlog, s->content_bytes, level_for(m, s));
    for (uint32_t k = 0; rc == 0 && k <= s->ncontent; k++) {
        lpi_objreader *r = NULL;
        bool last = k == s->ncontent;
        /* a JPEG XL object: its stream, as stored (its CRC checked) */
        const lpi_object *raw = !last && m->objs[s->content[k]].form ==
                                LPI_FORM_JXL ? m->objs[s->content[k]].o
                                             : NULL;
        uint64_t roff = 0;
        uint32_t crc = 0;
        if (!last && !raw)
            rc = lpi_objreader_open(&r, ctx, m->target,
                                    m->objs[s->content[k]].o, NULL);
        for (;;) {
            size_t n = 0, left;
            ZSTD_EndDirective end = last ? ZSTD_e_end : ZSTD_e_continue;
            if (rc == 0 && raw) {
                n = raw->stored_size - roff < LPI_IO_CHUNK
                    ? (size_t)(raw->stored_size - roff) : LPI_IO_CHUNK;
                rc = lpi_pread_full(ctx, m->target->fd, e->in, n,
                                    raw->offset + roff);
                roff += n;
                crc = lpi_crc32(crc, e->in, n);
                if (rc == 0 && n == 0 && crc != raw->crc)
                    rc = lpi_error(ctx, LP_EHASH, "'%s': its JPEG XL object "
                                   "fails its CRC-32 check", m->target->path);
            } else if (rc == 0 && !last)
                rc = lpi_objreader_read(r, e->in, LPI_IO_CHUNK, &n);
            if (rc == 0 && n > 0)
                rc = lpi_progress_add(&m->prog, ctx, 0, n);
            if (rc < 0 || (n == 0 && !last))
                break;
            ZSTD_inBuffer ib = { e->in, n, 0 };
            do {
                ZSTD_outBuffer ob = { e->out, e->out_cap, 0 };
                left = ZSTD_compressStream2(e->cctx, &ob, &ib, end);
                if (ZSTD_isError(left)) {
                    rc = zerr(ctx, left);
                    break;
                }
                rc = write_all(ctx, e->spool, e->out, ob.pos);
                frame += ob.pos;
            } while (rc == 0 && (last ? left != 0 : ib.pos < ib.size));
            if (last)
                break;
        }
        lpi_objreader_free(r);
    }
    if (rc == 0) {
        s->frame_off = e->spool_end;
        s->frame_len = frame;
        e->spool_end += frame;
    }
    return rc;
}

static int encode(encoder *e, plan_seg *s)
{
    return s->nprefix > 0 ? encode_prefixed(e, s) : encode_plain(e, s);
}

static void *encode_main(void *arg)
{
    encoder *e = arg;
    maker *m = e->m;

    for (;;) {
        size_t i = atomic_fetch_add(&m->next, 1);
        plan_seg *s;
        if (i >= m->nsegs)
            break;
        s = &m->segs[i];
        s->owner = (unsigned)(e - m->encoders);
        s->rc = encode(e, s);
        if (s->rc == 0)
            s->rc = lpi_progress_add(&m->prog, e->ctx, 1, 0);
        if (s->rc < 0) {
            s->err = lpi_strdup(e->ctx, lp_ctx_errmsg(e->ctx));
            atomic_store(&m->next, m->nsegs); /* stop the others */
            break;
        }
    }
    return NULL;
}

/* Encode every segment, on up to m->threads threads, each into its own
 * spool; segment i's frame is at (spools[owner], frame_off) */
static int encode_all(maker *m, const char *near, encoder *encs,
                      unsigned *nencs)
{
    lp_ctx *ctx = m->ctx;
    unsigned n = m->threads;
    pthread_t tids[64];
    bool started[64] = { false };
    int rc = 0;

    if (n > m->nsegs)
        n = m->nsegs ? (unsigned)m->nsegs : 1;
    if (n > 64)
        n = 64;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        encoder *e = &encs[i];
        memset(e, 0, sizeof(*e));
        e->m = m;
        e->spool = -1;
        *nencs = i + 1;
        rc = lp_ctx_new(&e->ctx, &ctx->alloc);
        if (rc < 0) {
            rc = lpi_nomem(ctx);
            break;
        }
        rc = lpi_spool_open(ctx, near, &e->spool);
        e->cctx = ZSTD_createCCtx();
        e->out_cap = ZSTD_CStreamOutSize();
        e->in = lpi_malloc(ctx, LPI_IO_CHUNK);
        e->out = lpi_malloc(ctx, e->out_cap);
        if (rc == 0 && (!e->cctx || !e->in || !e->out))
            rc = lpi_nomem(ctx);
    }
    m->encoders = encs;
    atomic_store(&m->next, 0);
    for (unsigned i = 0; rc == 0 && i < *nencs; i++) {
        if (i + 1 == *nencs) {
            encode_main(&encs[i]);
        } else if (pthread_create(&tids[i], NULL, encode_main, &encs[i])
                   == 0) {
            started[i] = true;
        } else {
            encode_main(&encs[i]);
        }
    }
    for (unsigned i = 0; i < *nencs; i++)
        if (started[i])
            pthread_join(tids[i], NULL);
    for (size_t i = 0; rc == 0 && i < m->nsegs; i++)
        if (m->segs[i].rc < 0)
            rc = lpi_error(ctx, m->segs[i].rc, "%s",
                           m->segs[i].err ? m->segs[i].err : "out of memory");
    return rc;
}

/* ------------------------------------------------------------ output */

typedef struct outfile {
    lp_ctx *ctx;
    int fd;
    lpi_hasher h;
    uint64_t written;
} outfile;

static int out_write(outfile *o, const void *data, size_t n)
{
    lpi_hash_update(&o->h, data, n);
    o->written += n;
    return o->fd >= 0 ? write_all(o->ctx, o->fd, data, n) : 0;
}

static int out_copy(outfile *o, int src, uint64_t off, uint64_t len,
                    unsigned char *buf)
{
    int rc = 0;

    while (rc == 0 && len > 0) {
        size_t n = len < LPI_IO_CHUNK ? (size_t)len : LPI_IO_CHUNK;
        rc = lpi_pread_full(o->ctx, src, buf, n, off);
        if (rc == 0)
            rc = out_write(o, buf, n);
        off += n;
        len -= n;
    }
    return rc;
}

/* The target's manifest with a hole where the hash of content the delta
 * carries would be: apply computes it (32 bytes of entropy each, saved).
 * Only where one entry line alone names that content, and in the
 * dictionary line. */
static unsigned char *manifest_with_holes(maker *m)
{
    lp_ctx *ctx = m->ctx;
    const lp_package *t = m->target;
    unsigned char *text = lpi_malloc(ctx, t->manifest_len + 1);
    size_t *at = lpi_calloc(ctx, t->m.nentries + 1, sizeof(*at));
    bool *shared = lpi_calloc(ctx, t->nobjects + 1, sizeof(*shared));
    size_t dict_at;
    int rc = text && at && shared ? 0 : LP_ENOMEM;

    if (rc == 0) {
        memcpy(text, t->manifest_bytes, t->manifest_len);
        rc = lpi_manifest_hash_offsets(ctx, text, t->manifest_len,
                                       t->m.nentries, &dict_at, at);
    }
    for (size_t k = 0; rc == 0 && k < t->m.nentries; k++) {
        const lpi_object *o = lpi_package_object(t, t->m.entries[k].hash);
        if (o && o->first_entry != k)
            shared[o - t->objects] = true;
    }
    for (size_t i = 0; rc == 0 && i < m->nobjs; i++) {
        const tobj *o = &m->objs[i];
        size_t off = o->path ? at[o->entry] : dict_at;
        if (o->kept || o->recode || shared[o->o - t->objects] ||
            off == SIZE_MAX)
            continue;
        memset(text + off, '0', LP_HASH_HEX_BYTES);
    }
    lpi_free(ctx, at);
    lpi_free(ctx, shared);
    if (rc < 0) {
        lpi_free(ctx, text);
        return NULL;
    }
    return text;
}

/* The meta block, encoded against the base's manifest */
static int encode_meta(maker *m, lpi_buf *frame, uint64_t *decoded)
{
    lp_ctx *ctx = m->ctx;
    lpi_dmeta meta;
    unsigned char *holed;
    lpi_buf raw;
    size_t n, bound;
    uint64_t total;
    int rc;

    memset(&meta, 0, sizeof(meta));
    meta.manifest = holed = manifest_with_holes(m);
    if (!holed)
        return LP_ENOMEM;
    meta.manifest_len = m->target->manifest_len;
    meta.sigs = m->sigs;
    meta.nsigs = m->nsigs;
    meta.nobjs = m->nobjs;
    meta.objs = lpi_calloc(ctx, m->nobjs + 1, sizeof(*meta.objs));
    meta.nsegs = m->nsegs;
    meta.segs = lpi_calloc(ctx, m->nsegs + 1, sizeof(*meta.segs));
    if (!meta.objs || !meta.segs) {
        lpi_free(ctx, meta.objs);
        lpi_free(ctx, meta.segs);
        lpi_free(ctx, holed);
        return LP_ENOMEM;
    }
    for (size_t i = 0; i < m->nobjs; i++) {
        meta.objs[i].entry = m->objs[i].entry;
        meta.objs[i].form = (uint8_t)(m->objs[i].form |
                                      (m->objs[i].recode ? LPI_FORM_RECODE
                                                         : 0));
        meta.objs[i].stream = m->objs[i].o->stored_size;
    }
    for (size_t i = 0; i < m->nsegs; i++) {
        meta.segs[i].nprefix = m->segs[i].nprefix;
        meta.segs[i].prefix = m->segs[i].prefix;
        meta.segs[i].ncontent = m->segs[i].ncontent;
        meta.segs[i].content = m->segs[i].content;
        meta.segs[i].frame_len = m->segs[i].frame_len;
    }
    lpi_buf_init(&raw, (size_t)LPI_DELTA_MAX_META);
    rc = lpi_dmeta_format(&meta, ctx, &raw);
    lpi_free(ctx, meta.objs);
    lpi_free(ctx, meta.segs);
    lpi_free(ctx, holed);
    if (rc < 0) {
        lpi_buf_dispose(&raw, ctx);
        return rc;
    }
    *decoded = raw.len;
    total = raw.len + m->base->manifest_len;
    bound = ZSTD_compressBound(raw.len);
    lpi_buf_init(frame, SIZE_MAX / 2);
    rc = lpi_grow(ctx, (void **)&frame->data, &frame->cap, bound, 1);
    if (rc == 0) {
        ZSTD_CCtx *cctx = ZSTD_createCCtx();
        if (!cctx) {
            rc = lpi_nomem(ctx);
        } else {
            unsigned wlog = ceil_log2(total);
            set_params(m, cctx, wlog < WINDOWLOG_MIN
                       ? WINDOWLOG_MIN : wlog, raw.len, m->level);
            ZSTD_CCtx_refPrefix(cctx, m->base->manifest_bytes,
                                m->base->manifest_len);
            n = ZSTD_compress2(cctx, frame->data, bound, raw.data, raw.len);
            if (ZSTD_isError(n))
                rc = zerr(ctx, n);
            else
                frame->len = n;
            ZSTD_freeCCtx(cctx);
        }
    }
    lpi_buf_dispose(&raw, ctx);
    return rc;
}

/* The header's summary: what apply keeps, patches, adds; what goes */
static void summarize(maker *m)
{
    lp_package *b = m->base, *t = m->target;
    lpi_dheader *h = &m->h;

    for (size_t i = 0; i < m->nobjs; i++) {
        const tobj *o = &m->objs[i];
        uint64_t *slot = o->kept ? h->keep
                         : o->base != NO_BASE ? h->patch : h->add;
        slot[0]++;
        slot[1] += o->o->size;
        /* apply compresses again what changes form, and spools what it
         * decodes: at most the content size each */
        if (!o->kept)
            h->temp += o->o->size;
        else if (o->recode || o->form != lpi_object_form(b, o->kept) ||
                 (o->form == LPI_FORM_DICT &&
                  memcmp(b->m.dictionary, t->m.dictionary, LP_HASH_BYTES)))
            h->temp += o->o->size;
    }
    for (size_t i = 0; i < b->nobjects; i++)
        if (!m->base_kept[i]) {
            h->remove[0]++;
            h->remove[1] += b->objects[i].size;
        }
    for (size_t i = 0; i < t->m.nentries; i++) {
        size_t at;
        if (lp_package_find(b, t->m.entries[i].path, &at) != 0 &&
            lpi_package_object(b, t->m.entries[i].hash))
            h->renamed++;
    }
}

static void maker_dispose(maker *m, encoder *encs, unsigned nencs)
{
    lp_ctx *ctx = m->ctx;

    for (unsigned i = 0; i < nencs; i++) {
        if (encs[i].spool >= 0)
            close(encs[i].spool);
        ZSTD_freeCCtx(encs[i].cctx);
        lpi_free(ctx, encs[i].in);
        lpi_free(ctx, encs[i].out);
        if (encs[i].ctx)
            lp_ctx_free(encs[i].ctx);
    }
    for (size_t i = 0; i < m->nsegs; i++)
        lpi_free(ctx, m->segs[i].err);
    lpi_free(ctx, m->objs);
    lpi_free(ctx, m->sigs);
    lpi_free(ctx, m->sigdata);
    lpi_free(ctx, m->signames);
    lpi_free(ctx, m->segs);
    lpi_free(ctx, m->indices);
    lpi_free(ctx, m->base_kept);
}

int lp_delta_create(lp_package *base, lp_package *target, const char *out,
                    const lp_delta_opts *opts, lp_delta_info *info)
{
    lp_delta_opts defaults = LP_DELTA_OPTS_INIT;
    lp_ctx *ctx;
    maker m;
    encoder encs[64];
    unsigned nencs = 0;
    span *spans = NULL;
    lpi_buf header, meta;
    uint64_t meta_decoded = 0;
    outfile of;
    lpi_buf tmpname;
    unsigned char *buf = NULL;
    unsigned char trailer[LP_HASH_BYTES];
    int rc;

    LP_ASSERT_ARG(base && target);
    ctx = target->ctx;
    if (!opts)
        opts = &defaults;
    if (opts->version < 1 || opts->version > LP_DELTA_OPTS_VERSION)
        return lpi_error(ctx, LP_EINVAL, "unknown lp_delta_opts version %u",
                         opts->version);
    if (opts->level < 0 || opts->level > 22)
        return lpi_error(ctx, LP_EINVAL, "delta level must be 1 to 22");
    /* both packages' bytes are copied and compared wholesale */
    rc = lpi_package_check_all(base, ctx);
    if (rc == 0)
        rc = lpi_package_check_all(target, ctx);
    if (rc < 0)
        return rc;
    memset(&m, 0, sizeof(m));
    m.ctx = ctx;
    m.base = base;
    m.target = target;
    m.level = opts->level ? opts->level : LP_DELTA_DEFAULT_LEVEL;
    m.max_window = opts->max_window ? opts->max_window
                                    : LP_DELTA_DEFAULT_WINDOW;
    if (m.max_window < MIN_WINDOW || m.max_window > LP_DELTA_MAX_WINDOW)
        return lpi_error(ctx, LP_EINVAL, "delta window must be 4 MiB to "
                         "2 GiB, not %" PRIu64 " bytes", m.max_window);
    m.limit = m.max_window + LP_APPLY_MEMORY_MARGIN;
    m.threads = opts->threads ? opts->threads : lpi_cpu_count();
    if (m.threads > 64)
        m.threads = 64;
    /* version 1 ends before progress */
    lpi_progress_init(&m.prog, opts->version >= 2 ? opts->progress : NULL,
                      opts->version >= 2 ? opts->progress_user : NULL);
    lpi_buf_init(&header, LPI_DELTA_MAX_HEADER);
    lpi_buf_init(&meta, SIZE_MAX / 2);
    lpi_buf_init(&tmpname, SIZE_MAX / 2);
    memset(&of, 0, sizeof(of));
    of.fd = -1;

    m.base_kept = lpi_calloc(ctx, base->nobjects + 1, sizeof(*m.base_kept));
    rc = m.base_kept ? 0 : LP_ENOMEM;
    for (size_t i = 0; rc == 0 && i < base->nobjects; i++)
        m.base_kept[i] = lpi_package_object(target, base->objects[i].hash)
                         != NULL;
    if (rc == 0)
        rc = read_layout(&m);
    /* JPEG XL objects came with delta format 2 */
    m.h.format = 1;
    for (size_t i = 0; rc == 0 && i < m.nobjs; i++)
        if (m.objs[i].form == LPI_FORM_JXL)
            m.h.format = 2;
    if (rc == 0)
        rc = infer_level(&m);
    if (rc == 0)
        rc = budget(&m);
    if (rc == 0)
        rc = find_similar(&m);
    if (rc == 0)
        rc = choose_bases(&m);
    if (rc == 0)
        rc = plan(&m, &spans);
    /* the lists, now that the index array has stopped moving */
    for (size_t i = 0; rc == 0 && i < m.nsegs; i++) {
        m.segs[i].prefix = m.indices + spans[i].prefix_at;
        m.segs[i].content = m.indices + spans[i].content_at;
    }
    lpi_free(ctx, spans);
    if (rc == 0) {
        uint64_t bytes = 0;
        for (size_t i = 0; i < m.nsegs; i++)
            bytes += m.segs[i].content_bytes;
        rc = lpi_progress_begin(&m.prog, ctx, LP_STAGE_ENCODING, m.nsegs,
                                bytes);
    }
    if (rc == 0)
        rc = encode_all(&m, out ? out : target->path, encs, &nencs);
    if (rc == 0)
        rc = lpi_progress_end(&m.prog, ctx);
    if (rc == 0)
        rc = encode_meta(&m, &meta, &meta_decoded);
    if (rc == 0)
        rc = check_budget(&m, meta_decoded);

    /* the header */
    if (rc == 0) {
        lpi_dheader *h = &m.h;
        snprintf(h->base_id, sizeof(h->base_id), "%s", base->m.id);
        h->base_version = base->m.version;
        lpi_manifest_hash(base, h->base_manifest);
        snprintf(h->target_id, sizeof(h->target_id), "%s", target->m.id);
        h->target_version = target->m.version;
        snprintf(h->target_label, sizeof(h->target_label), "%s",
                 target->m.label);
        lpi_manifest_hash(target, h->target_manifest);
        h->target_size = target->file_size;
        h->segments = m.nsegs;
        h->meta_size = meta.len;
        h->window = base->manifest_len + meta_decoded;
        for (size_t i = 0; i < m.nsegs; i++) {
            const plan_seg *s = &m.segs[i];
            uint64_t need = s->nprefix ? s->prefix_bytes + s->content_bytes
                            : s->content_bytes < ((uint64_t)1 << s->window_log)
                            ? s->content_bytes
                            : (uint64_t)1 << s->window_log;
            if (need > h->window)
                h->window = need;
        }
        summarize(&m);
        /* the package's directory: every entry's name, size, CRC-32 and
         * place (hashing it is what apply can afford; the whole file
         * would be a second pass over every byte) */
        rc = lpi_file_hash(ctx, target->fd, target->zip.cd_off,
                           target->file_size - target->zip.cd_off,
                           h->target_hash);
    }
    if (rc == 0)
        rc = lpi_dheader_format(&m.h, ctx, &header);

    /* the file: header, meta, segments, trailer */
    buf = rc == 0 ? lpi_malloc(ctx, LPI_IO_CHUNK) : NULL;
    if (rc == 0 && !buf)
        rc = LP_ENOMEM;
    of.ctx = ctx;
    lpi_hash_init(&of.h);
    if (rc == 0 && out)
        rc = lpi_temp_create(ctx, out, 0644, &tmpname, &of.fd);
    if (rc == 0)
        rc = out_write(&of, header.data, header.len);
    if (rc == 0)
        rc = out_write(&of, meta.data, meta.len);
    for (size_t i = 0; rc == 0 && i < m.nsegs; i++) {
        const plan_seg *s = &m.segs[i];
        rc = out_copy(&of, encs[s->owner].spool, s->frame_off, s->frame_len,
                      buf);
    }
    if (rc == 0) {
        lpi_hash_final(&of.h, trailer);
        if (of.fd >= 0)
            rc = write_all(ctx, of.fd, trailer, sizeof(trailer));
        of.written += sizeof(trailer);
    }
    if (out && of.fd >= 0) {
        rc = lpi_atomic_finish(ctx, of.fd, tmpname.data, rc);
        rc = lpi_atomic_install(ctx, tmpname.data, out, rc);
    }
    if (rc == 0 && info)
        lpi_dheader_info(&m.h, of.written, info);
    lpi_free(ctx, buf);
    lpi_buf_dispose(&tmpname, ctx);
    lpi_buf_dispose(&header, ctx);
    lpi_buf_dispose(&meta, ctx);
    maker_dispose(&m, encs, nencs);
    lpi_progress_dispose(&m.prog);
    return rc;
}
