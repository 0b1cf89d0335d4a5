/*
 * lcache.c - lessons in the build cache (lpi_cache.h): what loading and
 * checking a lesson file reported, and what lpc build compiled of it,
 * keyed by everything that decides them:
 *
 *   the entry format and library version (lpi_ckey_begin), the versions
 *   of libxml2, libyaml and ICU, the schema, the curriculum's declared
 *   languages (tags, names, fallbacks, default), the project folder as
 *   named (diagnostics show it), the file's path and syntax, and its text.
 *
 * A hit replaces the parse, the schema and the semantic checks of the
 * lesson: its diagnostics are reported again from the entry, in the same
 * order, and the checks that look outside the file (media on disk) run
 * again at the places they ran, so their verdicts are today's.  Entries
 * are hostile input: every field is bounded and checked, and one that
 * does not parse, or does not fit this project, is a miss.
 */
#include "lpi_source.h"

#include <string.h>

#include <libxml/xmlversion.h>
#include <unicode/uversion.h>
#include <yaml.h>

/* Bump when what the check or the compiler makes of a lesson changes
 * without a change of PACKAGE_VERSION */
#define LCACHE_FORMAT 3u
#define MAX_CODE 64u
#define MAX_MSG 4096u
#define MAX_TEXT LPI_MAX_SOURCE_BYTES
/* Smallest encoded event and document: bounds counts before allocating */
#define MIN_EV 32u
#define MIN_LOAD 32u

void lpi_lcache_langs(lp_project *p, xmlNodePtr langs)
{
    const unsigned char *xsd;
    size_t xlen;
    lpi_hasher h;

    p->langkey_ok = false;
    p->nlangdecl = 0;
    if (!p->cache || !langs)
        return;
    xsd = lpi_schema_text(&xlen);
    lpi_ckey_begin(&h, LPI_CACHE_LESSON);
    lpi_ckey_u64(&h, LCACHE_FORMAT);
    lpi_ckey_str(&h, LIBXML_DOTTED_VERSION);
    lpi_ckey_str(&h, yaml_get_version_string());
    lpi_ckey_str(&h, U_ICU_VERSION);
    lpi_ckey_bytes(&h, xsd, xlen);
    lpi_ckey_str(&h, lpi_attr(langs, "default"));
    for (xmlNodePtr l = langs->children; l; l = l->next) {
        if (!lpi_is(l, "language"))
            continue;
        lpi_ckey_str(&h, lpi_attr(l, "tag"));
        lpi_ckey_str(&h, lpi_attr(l, "name"));
        lpi_ckey_str(&h, lpi_attr(l, "fallback"));
        if (p->nlangdecl < LP_MAX_LANGUAGES)
            p->nlangdecl++;
    }
    /* a profile changes what lessons compile to */
    lpi_ckey_bytes(&h, p->profkey, sizeof(p->profkey));
    lpi_ckey_end(&h, p->langkey);
    /* ... and with max-media-size, so do the sizes of media files, which
     * no key holds: such a profile checks and compiles every lesson */
    p->langkey_ok = !(p->prof && lpi_attr(p->prof, "max-media-size"));
}

static void key_of(const lp_project *p, const lpi_srcfile *f,
                   const unsigned char *content, lpi_cache_kind kind,
                   unsigned char *key)
{
    lpi_hasher h;

    lpi_ckey_begin(&h, kind);
    lpi_ckey_bytes(&h, p->langkey, LP_HASH_BYTES);
    lpi_ckey_str(&h, p->dir);
    lpi_ckey_str(&h, f->rel);
    lpi_ckey_u64(&h, (uint64_t)f->syntax);
    lpi_ckey_bytes(&h, content, LP_HASH_BYTES);
    lpi_ckey_end(&h, key);
}

/* --------------------------------------------------------- records */

static void ev_dispose(lp_ctx *ctx, lpi_lcev *e)
{
    lpi_free(ctx, e->code);
    lpi_free(ctx, e->text);
}

/* Drop what came from the cache or was compiled: back to a bare miss */
static void clear(lp_ctx *ctx, lpi_lcache *lc)
{
    for (size_t i = 0; i < lc->nload; i++)
        ev_dispose(ctx, &lc->load[i]);
    for (size_t i = 0; i < lc->nev; i++)
        ev_dispose(ctx, &lc->ev[i]);
    lpi_free(ctx, lc->load);
    lpi_free(ctx, lc->ev);
    lpi_free(ctx, lc->cov);
    lc->load = lc->ev = NULL;
    lc->nload = lc->capload = lc->nev = lc->capev = 0;
    lc->cov = NULL;
    lc->ncov = 0;
    lc->over_errors = lc->over_warnings = 0;
    lpi_free(ctx, lc->id);
    lpi_free(ctx, lc->entry);
    lpi_buf_dispose(&lc->asg, ctx);
    for (size_t i = 0; lc->docs && i < lc->ndocs; i++)
        lpi_buf_dispose(&lc->docs[i], ctx);
    for (size_t i = 0; lc->titles && i < lc->ndocs; i++)
        lpi_free(ctx, lc->titles[i]);
    lpi_free(ctx, lc->docs);
    lpi_free(ctx, lc->titles);
    for (size_t i = 0; i < lc->nsizes; i++)
        lpi_free(ctx, lc->sizes[i].value);
    lpi_free(ctx, lc->sizes);
    for (size_t i = 0; i < lc->nmedia; i++)
        lpi_free(ctx, lc->media[i].rel);
    lpi_free(ctx, lc->media);
    lc->id = lc->entry = NULL;
    lc->docs = NULL;
    lc->titles = NULL;
    lc->ndocs = lc->nsizes = lc->nmedia = 0;
    lc->sizes = NULL;
    lc->media = NULL;
    lc->has_compiled = lc->hit = false;
}

void lpi_lcache_free(lp_project *p, lpi_lcache *lc)
{
    lpi_lcache_dispose(p->ctx, lc);
}

/* An event e (code and text copied) appended to arr */
typedef struct evsrc {
    lpi_lcev_type type;
    unsigned sev, list;
    lpi_pos pos;
    const char *code, *text;
} evsrc;

static void add_ev(lp_ctx *ctx, lpi_lcache *lc, lpi_lcev **arr, size_t *n,
                   size_t *cap, const evsrc *e)
{
    lpi_lcev *d;

    if (lc->rc < 0)
        return;
    lc->rc = lpi_grow(ctx, (void **)arr, cap, *n + 1, sizeof(**arr));
    if (lc->rc < 0)
        return;
    d = &(*arr)[*n];
    d->type = e->type;
    d->sev = e->sev;
    d->list = e->list;
    d->pos = e->pos;
    d->code = e->code ? lpi_strdup(ctx, e->code) : NULL;
    d->text = lpi_strdup(ctx, e->text ? e->text : "");
    if ((e->code && !d->code) || !d->text) {
        ev_dispose(ctx, d);
        lc->rc = LP_ENOMEM;
        return;
    }
    (*n)++;
}

void lpi_lcache_note_load(lp_project *p, lpi_srcfile *f,
                          const lpi_diaglog *log)
{
    lpi_lcache *lc = f->lc;

    if (!lc || !lc->store)
        return;
    if (log->rc < 0)
        lc->store = false;
    for (size_t i = 0; i < log->n && lc->store; i++) {
        const lpi_logged *it = &log->items[i];
        evsrc e = { LPI_EV_DIAG, (unsigned)it->d.severity, 1,
                    { it->d.line, it->d.col }, it->d.code, it->d.message };

        /* only what is about the file itself can be reported again */
        if (it->acct != 1 || !it->d.code)
            lc->store = false;
        else
            add_ev(p->ctx, lc, &lc->load, &lc->nload, &lc->capload, &e);
    }
    lc->over_errors = log->over_errors;
    lc->over_warnings = log->over_warnings;
}

void lpi_lcache_note_diag(lp_project *p, const lpi_srcfile *f,
                          lp_severity sev, const char *code, lpi_pos pos,
                          const char *msg)
{
    lpi_lcache *lc = p->rec;
    evsrc e = { LPI_EV_DIAG, (unsigned)sev, 0, pos, code, msg };

    if (f != p->rec_file || !code) {
        lc->store = false;
        return;
    }
    add_ev(p->ctx, lc, &lc->ev, &lc->nev, &lc->capev, &e);
}

void lpi_lcache_note(lp_project *p, lpi_lcev_type type, unsigned list,
                     lpi_pos pos, const char *text)
{
    lpi_lcache *lc = p->rec;
    evsrc e = { type, 0, list, pos, NULL, text };

    if (lc && !p->rec_mute)
        add_ev(p->ctx, lc, &lc->ev, &lc->nev, &lc->capev, &e);
}

/* ----------------------------------------------------------- encode */

static int put_ev(lpi_buf *b, lp_ctx *ctx, const lpi_lcev *e)
{
    int rc = lpi_wr_u32(b, ctx, (uint32_t)e->type);

    if (rc == 0)
        rc = lpi_wr_u32(b, ctx, e->sev);
    if (rc == 0)
        rc = lpi_wr_u32(b, ctx, e->list);
    if (rc == 0)
        rc = lpi_wr_u32(b, ctx, e->pos.line);
    if (rc == 0)
        rc = lpi_wr_u32(b, ctx, e->pos.col);
    if (rc == 0)
        rc = lpi_wr_str(b, ctx, e->code ? e->code : "");
    if (rc == 0)
        rc = lpi_wr_str(b, ctx, e->text);
    return rc;
}

static int encode_lesson(lpi_buf *b, lp_ctx *ctx, const lpi_lcache *lc)
{
    int rc = lpi_wr_u32(b, ctx, (lc->valid ? 1u : 0u) |
                                (lc->pruned ? 2u : 0u));

    if (rc == 0)
        rc = lpi_wr_u64(b, ctx, lc->over_errors);
    if (rc == 0)
        rc = lpi_wr_u64(b, ctx, lc->over_warnings);
    if (rc == 0)
        rc = lpi_wr_u64(b, ctx, lc->nload);
    for (size_t i = 0; i < lc->nload && rc == 0; i++)
        rc = put_ev(b, ctx, &lc->load[i]);
    if (rc == 0)
        rc = lpi_wr_u64(b, ctx, lc->nev);
    for (size_t i = 0; i < lc->nev && rc == 0; i++)
        rc = put_ev(b, ctx, &lc->ev[i]);
    if (rc == 0)
        rc = lpi_wr_u64(b, ctx, lc->ncov);
    for (size_t i = 0; i < lc->ncov && rc == 0; i++)
        for (int k = 0; k < 6 && rc == 0; k++)
            rc = lpi_wr_u64(b, ctx, lc->cov[i][k]);
    return rc;
}

static int encode_compiled(lpi_buf *b, lp_ctx *ctx, const lpi_lcache *lc)
{
    int rc = lpi_wr_str(b, ctx, lc->id);

    if (rc == 0)
        rc = lpi_wr_str(b, ctx, lc->entry);
    if (rc == 0)
        rc = lpi_wr_mem(b, ctx, lc->asg.data, lc->asg.len);
    if (rc == 0)
        rc = lpi_wr_u64(b, ctx, lc->ndocs);
    for (size_t i = 0; i < lc->ndocs && rc == 0; i++)
        rc = lpi_wr_mem(b, ctx, lc->docs[i].data, lc->docs[i].len);
    for (size_t i = 0; i < lc->ndocs && rc == 0; i++)
        rc = lpi_wr_str(b, ctx, lc->titles[i]);
    if (rc == 0)
        rc = lpi_wr_u64(b, ctx, lc->nsizes);
    for (size_t i = 0; i < lc->nsizes && rc == 0; i++) {
        rc = lpi_wr_u32(b, ctx, lc->sizes[i].pos.line);
        if (rc == 0)
            rc = lpi_wr_u32(b, ctx, lc->sizes[i].pos.col);
        if (rc == 0)
            rc = lpi_wr_str(b, ctx, lc->sizes[i].value);
    }
    if (rc == 0)
        rc = lpi_wr_u64(b, ctx, lc->nmedia);
    for (size_t i = 0; i < lc->nmedia && rc == 0; i++) {
        rc = lpi_wr_u32(b, ctx, lc->media[i].pos.line);
        if (rc == 0)
            rc = lpi_wr_u32(b, ctx, lc->media[i].pos.col);
        if (rc == 0)
            rc = lpi_wr_str(b, ctx, lc->media[i].rel);
    }
    return rc;
}

static void store_one(lp_project *p, lpi_srcfile *f, lpi_cache_kind kind)
{
    lpi_lcache *lc = f->lc;
    unsigned char key[LP_HASH_BYTES];
    lpi_buf b;
    int rc;

    lpi_buf_init(&b, LPI_CACHE_MAX_PAYLOAD);
    rc = kind == LPI_CACHE_LESSON ? encode_lesson(&b, p->ctx, lc)
                                  : encode_compiled(&b, p->ctx, lc);
    if (rc == 0) {
        lpi_iov iov = { b.data, b.len };

        key_of(p, f, lc->key, kind, key);
        (void)lpi_cache_put(p->cache, p->ctx, kind, key, &iov, 1);
    }
    lpi_buf_dispose(&b, p->ctx);
}

void lpi_lcache_store(lp_project *p, lpi_srcfile *f)
{
    lpi_lcache *lc = f->lc;

    if (!lc || !lc->store || lc->rc < 0 || !p->cache)
        return;
    lc->valid = f->valid;
    lc->pruned = f->pruned;
    store_one(p, f, LPI_CACHE_LESSON);
    if (lc->has_compiled)
        store_one(p, f, LPI_CACHE_COMPILED);
}

/* ----------------------------------------------------------- decode */

static bool get_ev(lpi_rd *r, lp_ctx *ctx, lpi_lcev *e, bool *nomem)
{
    memset(e, 0, sizeof(*e));
    e->type = (lpi_lcev_type)lpi_rd_u32(r);
    e->sev = lpi_rd_u32(r);
    e->list = lpi_rd_u32(r);
    e->pos.line = lpi_rd_u32(r);
    e->pos.col = lpi_rd_u32(r);
    e->code = lpi_rd_str(r, ctx, MAX_CODE, nomem);
    e->text = lpi_rd_str(r, ctx, e->type == LPI_EV_DIAG ? MAX_MSG : MAX_TEXT,
                         nomem);
    if (r->bad || e->type > LPI_EV_NAMED || e->sev > LP_SEVERITY_ERROR ||
        e->list > 4 || (e->type == LPI_EV_DIAG && !e->code[0])) {
        ev_dispose(ctx, e);
        memset(e, 0, sizeof(*e));
        r->bad = true;
        return false;
    }
    return true;
}

/* n events of at least MIN_EV bytes each, into *arr */
static bool get_evs(lpi_rd *r, lp_ctx *ctx, lpi_lcev **arr, size_t *count,
                    bool *nomem)
{
    uint64_t n = lpi_rd_u64(r);

    if (r->bad || n > (uint64_t)(r->end - r->p) / MIN_EV) {
        r->bad = true;
        return false;
    }
    *arr = lpi_calloc(ctx, (size_t)n + 1, sizeof(**arr));
    if (!*arr) {
        *nomem = true;
        return false;
    }
    for (*count = 0; *count < n; (*count)++)
        if (!get_ev(r, ctx, &(*arr)[*count], nomem))
            return false;
    return true;
}

static bool decode_lesson(lpi_rd *r, lp_ctx *ctx, lpi_lcache *lc,
                          size_t ncov, bool *nomem)
{
    uint32_t flags = lpi_rd_u32(r);
    uint64_t n;

    lc->valid = flags & 1;
    lc->pruned = flags & 2;
    lc->over_errors = (size_t)lpi_rd_u64(r);
    lc->over_warnings = (size_t)lpi_rd_u64(r);
    if (r->bad || flags > 3 || lc->over_errors > LPI_MAX_SOURCE_BYTES ||
        lc->over_warnings > LPI_MAX_SOURCE_BYTES)
        return false;
    if (!get_evs(r, ctx, &lc->load, &lc->nload, nomem))
        return false;
    for (size_t i = 0; i < lc->nload; i++)
        if (lc->load[i].type != LPI_EV_DIAG)
            return false;
    if (!get_evs(r, ctx, &lc->ev, &lc->nev, nomem))
        return false;
    n = lpi_rd_u64(r);
    /* the coverage is per declared language: it must be this project's */
    if (r->bad || n != ncov)
        return false;
    lc->cov = lpi_calloc(ctx, ncov + 1, sizeof(*lc->cov));
    if (!lc->cov) {
        *nomem = true;
        return false;
    }
    lc->ncov = ncov;
    for (size_t i = 0; i < ncov; i++)
        for (int k = 0; k < 6; k++) {
            uint64_t v = lpi_rd_u64(r);
            if (v > LPI_MAX_SOURCE_BYTES)
                r->bad = true;
            lc->cov[i][k] = (size_t)v;
        }
    return !r->bad && r->p == r->end;
}

/* A path the compiler made (lpi_src_resolve): relative, no "." or ".."
 * component, no empty one */
static bool plain_path(const char *s)
{
    if (!*s || *s == '/')
        return false;
    for (const char *c = s; *c;) {
        size_t n = strcspn(c, "/");

        if (n == 0 || (n == 1 && c[0] == '.') ||
            (n == 2 && c[0] == '.' && c[1] == '.'))
            return false;
        c += n;
        if (*c == '/' && !*++c)
            return false;
    }
    return true;
}

static bool get_buf(lpi_rd *r, lp_ctx *ctx, lpi_buf *b, bool *nomem)
{
    uint64_t n = lpi_rd_u64(r);
    const void *d = r->bad || n > (uint64_t)(r->end - r->p) ? NULL :
                    lpi_rd_bytes(r, (size_t)n);

    lpi_buf_init(b, LPI_CACHE_MAX_PAYLOAD);
    if (!d) {
        r->bad = true;
        return false;
    }
    b->data = lpi_malloc(ctx, (size_t)n + 1);
    if (!b->data) {
        *nomem = true;
        return false;
    }
    memcpy(b->data, d, (size_t)n);
    b->data[n] = '\0';
    b->len = (size_t)n;
    b->cap = (size_t)n + 1;
    return true;
}

static bool decode_compiled(lpi_rd *r, lp_ctx *ctx, lpi_lcache *lc,
                            size_t nlangs, bool *nomem)
{
    uint64_t n;

    lc->id = lpi_rd_str(r, ctx, MAX_TEXT, nomem);
    lc->entry = lpi_rd_str(r, ctx, LPI_CACHE_MAX_PAYLOAD, nomem);
    if (!lc->id || !lc->entry || !lc->id[0] || !get_buf(r, ctx, &lc->asg,
                                                       nomem))
        return false;
    n = lpi_rd_u64(r);
    if (r->bad || n != nlangs || nlangs == 0)
        return false;
    lc->docs = lpi_calloc(ctx, nlangs + 1, sizeof(*lc->docs));
    lc->titles = lpi_calloc(ctx, nlangs + 1, sizeof(*lc->titles));
    if (!lc->docs || !lc->titles) {
        *nomem = true;
        return false;
    }
    lc->ndocs = nlangs;
    for (size_t i = 0; i < nlangs; i++)
        if (!get_buf(r, ctx, &lc->docs[i], nomem))
            return false;
    for (size_t i = 0; i < nlangs; i++)
        if (!(lc->titles[i] = lpi_rd_str(r, ctx, MAX_TEXT, nomem)))
            return false;
    n = lpi_rd_u64(r);
    if (r->bad || n > (uint64_t)(r->end - r->p) / 16)
        return false;
    lc->sizes = lpi_calloc(ctx, (size_t)n + 1, sizeof(*lc->sizes));
    if (!lc->sizes) {
        *nomem = true;
        return false;
    }
    for (; lc->nsizes < n; lc->nsizes++) {
        lpi_lcsize *z = &lc->sizes[lc->nsizes];

        z->pos.line = lpi_rd_u32(r);
        z->pos.col = lpi_rd_u32(r);
        if (!(z->value = lpi_rd_str(r, ctx, MAX_TEXT, nomem)))
            return false;
    }
    n = lpi_rd_u64(r);
    if (r->bad || n > (uint64_t)(r->end - r->p) / 16)
        return false;
    lc->media = lpi_calloc(ctx, (size_t)n + 1, sizeof(*lc->media));
    if (!lc->media) {
        *nomem = true;
        return false;
    }
    for (; lc->nmedia < n; lc->nmedia++) {
        lpi_lcmedia *m = &lc->media[lc->nmedia];

        m->pos.line = lpi_rd_u32(r);
        m->pos.col = lpi_rd_u32(r);
        if (!(m->rel = lpi_rd_str(r, ctx, 4096, nomem)))
            return false;
        /* it is read from the project folder: never anything outside */
        if (!plain_path(m->rel))
            return false;
    }
    lc->has_compiled = true;
    return r->p == r->end;
}

int lpi_lcache_decode(lp_ctx *ctx, lpi_lcache *lc, lpi_cache_kind kind,
                      const void *data, size_t len, size_t ncov,
                      size_t nlangs)
{
    bool nomem = false, ok;
    lpi_rd r;

    lpi_rd_init(&r, data, len);
    if (kind == LPI_CACHE_LESSON)
        ok = decode_lesson(&r, ctx, lc, ncov, &nomem);
    else
        ok = kind == LPI_CACHE_COMPILED &&
             decode_compiled(&r, ctx, lc, nlangs, &nomem);
    if (nomem)
        return LP_ENOMEM;
    return ok && !r.bad && r.p == r.end;
}

int lpi_lcache_encode(lp_ctx *ctx, const lpi_lcache *lc,
                      lpi_cache_kind kind, lpi_buf *out)
{
    return kind == LPI_CACHE_LESSON ? encode_lesson(out, ctx, lc)
                                    : encode_compiled(out, ctx, lc);
}

lpi_lcache *lpi_lcache_new(lp_ctx *ctx)
{
    lpi_lcache *lc = lpi_calloc(ctx, 1, sizeof(*lc));

    if (lc)
        lpi_buf_init(&lc->asg, LPI_CACHE_MAX_PAYLOAD);
    return lc;
}

void lpi_lcache_dispose(lp_ctx *ctx, lpi_lcache *lc)
{
    if (!lc)
        return;
    clear(ctx, lc);
    lpi_free(ctx, lc);
}

int lpi_lcache_lookup(lp_project *p, lpi_srcfile *f, bool compiled)
{
    lp_ctx *ctx = p->ctx;
    unsigned char key[LP_HASH_BYTES], *data = NULL;
    lpi_lcache *lc;
    size_t len = 0;
    lpi_hasher h;
    int rc;

    if (!p->cache || !p->langkey_ok)
        return 0;
    lc = lpi_lcache_new(ctx);
    if (!lc)
        return LP_ENOMEM;
    f->lc = lc;
    lpi_hash_init(&h);
    lpi_hash_update(&h, f->data, f->len);
    lpi_hash_final(&h, lc->key);
    lc->store = true;
    key_of(p, f, lc->key, LPI_CACHE_LESSON, key);
    rc = lpi_cache_get(p->cache, ctx, LPI_CACHE_LESSON, key,
                       LPI_CACHE_MAX_PAYLOAD, &data, &len);
    if (rc > 0) {
        rc = lpi_lcache_decode(ctx, lc, LPI_CACHE_LESSON, data, len,
                               p->ncov, p->nlangdecl);
        lpi_free(ctx, data);
        data = NULL;
        /* a lesson that is not compiled has nothing more to find */
        if (rc > 0 && compiled && lc->valid && !lc->pruned) {
            key_of(p, f, lc->key, LPI_CACHE_COMPILED, key);
            rc = lpi_cache_get(p->cache, ctx, LPI_CACHE_COMPILED, key,
                               LPI_CACHE_MAX_PAYLOAD, &data, &len);
            if (rc > 0) {
                rc = lpi_lcache_decode(ctx, lc, LPI_CACHE_COMPILED, data,
                                       len, p->ncov, p->nlangdecl);
                lpi_free(ctx, data);
            }
        }
    }
    if (rc <= 0) {
        /* a miss, or an entry that does not fit: loaded, checked, kept */
        clear(ctx, lc);
        return rc < 0 ? LP_ENOMEM : 0;
    }
    lc->hit = true;
    lc->store = false;
    f->valid = lc->valid;
    f->pruned = lc->pruned;
    return 0;
}
