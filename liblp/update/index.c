/*
 * index.c - the repository index (lp-repo(5)): strict parsing, the
 * canonical text, the trust check and the serial kept in the state folder
 *
 * The index is read before anything else a hub fetches and is hostile
 * until its signatures are checked: the whole file is bounded, every
 * line is one of a few shapes with single spaces, numbers are canonical
 * decimals, hashes lowercase hex, and the order is fixed, so one index
 * has one text.
 */
#include "lpi_update.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define REPO_MAX_LINE 4096u
/* the serial kept per package id in the state folder: ID.index */
#define INDEX_STATE_SUFFIX ".index"
#define INDEX_STATE_MAGIC "lp-index-state 1"
#define INDEX_STATE_MAX 256u

int lpi_repo_new(lp_repo **out, lp_ctx *ctx)
{
    lp_repo *r = lpi_calloc(ctx, 1, sizeof(*r));

    *out = r;
    if (!r)
        return lpi_nomem(ctx);
    r->ctx = ctx;
    r->expires = -1;
    r->created = -1;
    return 0;
}

void lp_repo_free(lp_repo *r)
{
    lp_ctx *ctx;

    if (!r)
        return;
    ctx = r->ctx;
    for (size_t i = 0; i < r->npkgs; i++) {
        lpi_free(ctx, r->pkgs[i].rels);
        lpi_free(ctx, r->pkgs[i].deltas);
    }
    for (size_t i = 0; i < r->nowned; i++)
        lpi_free(ctx, r->owned[i]);
    lpi_free(ctx, r->owned);
    lpi_free(ctx, r->pkgs);
    lpi_free(ctx, r->text);
    lpi_free(ctx, r);
}

uint64_t lp_repo_serial(const lp_repo *r) { return r->serial; }
int64_t lp_repo_expires(const lp_repo *r) { return r->expires; }

void lpi_repo_file_name(char out[LPI_REPO_NAME_BYTES],
                        const unsigned char hash[LP_HASH_BYTES], bool delta)
{
    char hex[LP_HASH_HEX_BYTES + 1];

    lpi_hash_hex(hex, hash);
    snprintf(out, LPI_REPO_NAME_BYTES, LPI_REPO_FILES "/%s.%s", hex,
             delta ? "lpd" : "lpk");
}

/* ------------------------------------------------------------ model */

static int cmp_id(const void *a, const void *b)
{
    return strcmp(((const lpi_rpkg *)a)->id, ((const lpi_rpkg *)b)->id);
}

const char *lpi_repo_own(lp_repo *r, const char *s)
{
    char *copy;

    if (lpi_grow(r->ctx, (void **)&r->owned, &r->capowned, r->nowned + 1,
                 sizeof(*r->owned)) < 0)
        return NULL;
    copy = lpi_strdup(r->ctx, s);
    if (!copy) {
        lpi_nomem(r->ctx);
        return NULL;
    }
    r->owned[r->nowned++] = copy;
    return copy;
}

static const lpi_rpkg *find_pkg(const lp_repo *r, const char *id)
{
    lpi_rpkg key;

    key.id = id;
    return r->npkgs ? bsearch(&key, r->pkgs, r->npkgs, sizeof(*r->pkgs),
                              cmp_id) : NULL;
}

lpi_rpkg *lpi_repo_pkg(lp_repo *r, const char *id, bool create)
{
    lpi_rpkg key, *p;
    const char *copy;
    size_t at = 0;

    key.id = id;
    if (r->npkgs > 0) {
        p = bsearch(&key, r->pkgs, r->npkgs, sizeof(*r->pkgs), cmp_id);
        if (p || !create)
            return p;
    } else if (!create) {
        return NULL;
    }
    copy = lpi_repo_own(r, id);
    if (!copy || lpi_grow(r->ctx, (void **)&r->pkgs, &r->cappkgs,
                          r->npkgs + 1, sizeof(*r->pkgs)) < 0)
        return NULL;
    while (at < r->npkgs && strcmp(r->pkgs[at].id, id) < 0)
        at++;
    memmove(&r->pkgs[at + 1], &r->pkgs[at],
            (r->npkgs - at) * sizeof(*r->pkgs));
    memset(&r->pkgs[at], 0, sizeof(*r->pkgs));
    r->pkgs[at].id = copy;
    r->npkgs++;
    return &r->pkgs[at];
}

const lpi_rrel *lpi_repo_rel(const lpi_rpkg *p, uint64_t version)
{
    for (size_t i = 0; p && i < p->nrels; i++)
        if (p->rels[i].version == version)
            return &p->rels[i];
    return NULL;
}

bool lpi_repo_has_delta(const lpi_rpkg *p, uint64_t base, uint64_t target)
{
    for (size_t i = 0; p && i < p->ndeltas; i++)
        if (p->deltas[i].base == base && p->deltas[i].target == target)
            return true;
    return false;
}

static size_t repo_items(const lp_repo *r)
{
    size_t n = 0;

    for (size_t i = 0; i < r->npkgs; i++)
        n += r->pkgs[i].nrels + r->pkgs[i].ndeltas;
    return n;
}

int lpi_repo_add_rel(lp_repo *r, lpi_rpkg *p, const lpi_rrel *rel)
{
    size_t at = 0;

    if (repo_items(r) >= LP_REPO_MAX_ITEMS)
        return lpi_error(r->ctx, LP_ETOOBIG, "an index lists at most %u "
                         "releases and deltas", LP_REPO_MAX_ITEMS);
    if (lpi_grow(r->ctx, (void **)&p->rels, &p->caprels, p->nrels + 1,
                 sizeof(*p->rels)) < 0)
        return LP_ENOMEM;
    while (at < p->nrels && p->rels[at].version < rel->version)
        at++;
    memmove(&p->rels[at + 1], &p->rels[at],
            (p->nrels - at) * sizeof(*p->rels));
    p->rels[at] = *rel;
    p->nrels++;
    return 0;
}

int lpi_repo_add_delta(lp_repo *r, lpi_rpkg *p, const lpi_rdelta *d)
{
    size_t at = 0;

    if (repo_items(r) >= LP_REPO_MAX_ITEMS)
        return lpi_error(r->ctx, LP_ETOOBIG, "an index lists at most %u "
                         "releases and deltas", LP_REPO_MAX_ITEMS);
    if (lpi_grow(r->ctx, (void **)&p->deltas, &p->capdeltas,
                 p->ndeltas + 1, sizeof(*p->deltas)) < 0)
        return LP_ENOMEM;
    while (at < p->ndeltas && (p->deltas[at].target < d->target ||
                               (p->deltas[at].target == d->target &&
                                p->deltas[at].base < d->base)))
        at++;
    memmove(&p->deltas[at + 1], &p->deltas[at],
            (p->ndeltas - at) * sizeof(*p->deltas));
    p->deltas[at] = *d;
    p->ndeltas++;
    return 0;
}

/* ------------------------------------------------------------ parsing */

typedef struct rparser {
    lp_repo *r;
    lp_ctx *ctx;
    const char *what;
    unsigned lineno;
    char *line;        /* NUL-terminated, in r->text */
    size_t len;
    /* the words of the line: pointers into it, NUL-split */
    char *w[8];
    size_t wl[8];
    size_t nw;
    lpi_rpkg *pkg;     /* the package the release and delta lines are of */
} rparser;

static int perr(rparser *ps, int code, const char *fmt, ...)
    LPI_PRINTF(3, 4);

static int perr(rparser *ps, int code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return lpi_error(ps->ctx, code, "%s:%u: %s", ps->what, ps->lineno, msg);
}

/* A field check's message, placed on the line, as a format error */
static int reword(rparser *ps, const char *what)
{
    ps->ctx->code = LP_EFORMAT;
    return lpi_error_prefix(ps->ctx, "%s:%u: %s", ps->what, ps->lineno,
                            what);
}

/* Split the line into at most max words at single spaces; with rest, the
 * last word is the rest of the line (a label, which may hold spaces) */
static int split(rparser *ps, size_t max, bool rest)
{
    char *s = ps->line;
    size_t i = 0, start = 0;

    ps->nw = 0;
    for (;;) {
        bool last = ps->nw + 1 == max && rest;
        if (i == ps->len || (!last && s[i] == ' ')) {
            if (i == start)
                return perr(ps, LP_EFORMAT, "%s", "empty word (two spaces, "
                            "or a space at the start or the end)");
            if (ps->nw == max)
                return perr(ps, LP_EFORMAT, "%s", "too many words");
            ps->w[ps->nw] = s + start;
            ps->wl[ps->nw++] = i - start;
            if (i == ps->len)
                break;
            s[i] = '\0';
            start = i + 1;
        }
        i++;
    }
    return 0;
}

static int num(rparser *ps, size_t k, uint64_t max, uint64_t *out,
               const char *name)
{
    if (lpi_parse_u64(ps->w[k], ps->wl[k], max, out) < 0)
        return perr(ps, LP_EFORMAT, "%s is not a number (decimal, no "
                    "leading zero, within range)", name);
    return 0;
}

static int hash(rparser *ps, size_t k, unsigned char out[LP_HASH_BYTES],
                const char *name)
{
    if (ps->wl[k] != LP_HASH_HEX_BYTES || lpi_hash_unhex(out, ps->w[k]) < 0)
        return perr(ps, LP_EFORMAT, "%s is not 64 lowercase hex digits",
                    name);
    return 0;
}

static int when(rparser *ps, size_t k, int64_t *out, const char *name)
{
    if (lpi_time_parse(ps->w[k], ps->wl[k], out) < 0)
        return perr(ps, LP_EFORMAT, "%s is not a time "
                    "(YYYY-MM-DDThh:mm:ssZ)", name);
    return 0;
}

/* "KEY VALUE" header lines, in their fixed order */
static int header(rparser *ps, const char *key)
{
    if (split(ps, 2, false) < 0)
        return LP_EFORMAT;
    if (ps->nw != 2 || strcmp(ps->w[0], key) != 0)
        return perr(ps, LP_EFORMAT, "expected '%s VALUE'", key);
    return 0;
}

static int parse_release(rparser *ps)
{
    lpi_rrel rel;
    uint64_t v;
    int rc;

    memset(&rel, 0, sizeof(rel));
    if (split(ps, 7, true) < 0)
        return LP_EFORMAT;
    if (ps->nw < 6)
        return perr(ps, LP_EFORMAT, "%s", "expected 'release VERSION SIZE "
                    "FILEHASH MANIFESTHASH EXPIRES [LABEL]'");
    if (!ps->pkg)
        return perr(ps, LP_EFORMAT, "%s", "'release' before any 'package'");
    rc = num(ps, 1, INT64_MAX, &rel.version, "version");
    if (rc == 0 && rel.version == 0)
        rc = perr(ps, LP_EFORMAT, "%s", "version 0");
    if (rc == 0)
        rc = num(ps, 2, LP_MAX_ENTRY_BYTES * 4, &rel.size, "size");
    if (rc == 0)
        rc = hash(ps, 3, rel.file, "file hash");
    if (rc == 0)
        rc = hash(ps, 4, rel.manifest, "manifest hash");
    rel.expires = -1;
    if (rc == 0 && strcmp(ps->w[5], "-") != 0)
        rc = when(ps, 5, &rel.expires, "expiry");
    rel.label = ps->nw == 7 ? ps->w[6] : "";
    if (rc == 0 && ps->nw == 7 &&
        lpi_check_label(ps->ctx, ps->w[6], ps->wl[6]) < 0)
        rc = reword(ps, "bad label");
    if (rc < 0)
        return rc;
    v = ps->pkg->nrels ? ps->pkg->rels[ps->pkg->nrels - 1].version : 0;
    if (rel.version <= v)
        return perr(ps, LP_EFORMAT, "%s", "releases must be listed once "
                    "each, by version ascending");
    if (ps->pkg->ndeltas)
        return perr(ps, LP_EFORMAT, "%s", "a 'release' after the package's "
                    "deltas");
    return lpi_repo_add_rel(ps->r, ps->pkg, &rel);
}

static int parse_delta(rparser *ps)
{
    lpi_rdelta d;
    const lpi_rdelta *last;
    int rc;

    memset(&d, 0, sizeof(d));
    if (split(ps, 5, false) < 0)
        return LP_EFORMAT;
    if (ps->nw != 5)
        return perr(ps, LP_EFORMAT, "%s", "expected 'delta BASE TARGET SIZE "
                    "FILEHASH'");
    if (!ps->pkg)
        return perr(ps, LP_EFORMAT, "%s", "'delta' before any 'package'");
    rc = num(ps, 1, INT64_MAX, &d.base, "base version");
    if (rc == 0)
        rc = num(ps, 2, INT64_MAX, &d.target, "target version");
    if (rc == 0)
        rc = num(ps, 3, LP_MAX_ENTRY_BYTES * 4, &d.size, "size");
    if (rc == 0)
        rc = hash(ps, 4, d.file, "file hash");
    if (rc < 0)
        return rc;
    if (!lpi_repo_rel(ps->pkg, d.base) || !lpi_repo_rel(ps->pkg, d.target))
        return perr(ps, LP_EFORMAT, "%s", "a delta between releases the "
                    "index does not list");
    if (d.base >= d.target)
        return perr(ps, LP_EFORMAT, "%s", "a delta must go to a higher "
                    "version");
    last = ps->pkg->ndeltas ? &ps->pkg->deltas[ps->pkg->ndeltas - 1] : NULL;
    if (last && (last->target > d.target ||
                 (last->target == d.target && last->base >= d.base)))
        return perr(ps, LP_EFORMAT, "%s", "deltas must be listed once each, "
                    "by target then base version ascending");
    return lpi_repo_add_delta(ps->r, ps->pkg, &d);
}

static int parse_package(rparser *ps)
{
    lpi_rpkg *p;

    if (split(ps, 2, false) < 0)
        return LP_EFORMAT;
    if (ps->nw != 2)
        return perr(ps, LP_EFORMAT, "%s", "expected 'package ID'");
    if (lpi_check_id(ps->ctx, ps->w[1], ps->wl[1]) < 0)
        return reword(ps, "bad package id");
    if (ps->pkg && ps->pkg->nrels == 0)
        return perr(ps, LP_EFORMAT, "%s", "the package before lists no "
                    "release");
    if (ps->r->npkgs && strcmp(ps->r->pkgs[ps->r->npkgs - 1].id,
                               ps->w[1]) >= 0)
        return perr(ps, LP_EFORMAT, "%s", "packages must be listed once "
                    "each, by id ascending (bytewise)");
    if (ps->r->npkgs >= LP_REPO_MAX_ITEMS)
        return perr(ps, LP_ETOOBIG, "%s", "too many packages");
    if (lpi_grow(ps->ctx, (void **)&ps->r->pkgs, &ps->r->cappkgs,
                 ps->r->npkgs + 1, sizeof(*ps->r->pkgs)) < 0)
        return LP_ENOMEM;
    p = &ps->r->pkgs[ps->r->npkgs++];
    memset(p, 0, sizeof(*p));
    p->id = ps->w[1];
    ps->pkg = p;
    return 0;
}

int lpi_repo_split(lp_ctx *ctx, const char *data, size_t len,
                   size_t *signed_len, const char **sigs, size_t *slen,
                   const char *what)
{
    static const char sep[] = "\n" LPI_REPO_SIGS_LINE "\n";
    const size_t seplen = sizeof(sep) - 1;

    /* the separator is the first line that is exactly "signatures": no
     * other line of the signed text can be (every line starts with a
     * keyword followed by a space) */
    for (size_t i = 0; i + seplen <= len; ) {
        const char *nl = memchr(data + i, '\n', len - i);
        if (!nl)
            break;
        i = (size_t)(nl - data);
        if (i + seplen <= len && memcmp(data + i, sep, seplen) == 0) {
            *signed_len = i + seplen;
            *sigs = data + i + seplen;
            *slen = len - i - seplen;
            if (*slen > LP_TRUST_MAX_SIGS_BYTES)
                return lpi_error(ctx, LP_ETOOBIG, "%s: more than %u bytes "
                                 "of signatures", what,
                                 LP_TRUST_MAX_SIGS_BYTES);
            return 0;
        }
        i++;
    }
    return lpi_error(ctx, LP_EFORMAT, "%s: no '" LPI_REPO_SIGS_LINE "' line: "
                     "not a whole index", what);
}

static int parse_text(lp_repo *r, const char *data, size_t len,
                      const char *what)
{
    rparser ps;
    size_t at = 0;
    int rc = 0;

    memset(&ps, 0, sizeof(ps));
    ps.r = r;
    ps.ctx = r->ctx;
    ps.what = what;
    if (len > LP_REPO_MAX_INDEX_BYTES)
        return lpi_error(r->ctx, LP_ETOOBIG, "%s: larger than %u bytes",
                         what, LP_REPO_MAX_INDEX_BYTES);
    if (len == 0 || data[len - 1] != '\n')
        return lpi_error(r->ctx, LP_EFORMAT, "%s: does not end with a line "
                         "end", what);
    if (memchr(data, '\0', len))
        return lpi_error(r->ctx, LP_EFORMAT, "%s: holds a NUL byte", what);
    r->text = lpi_malloc(r->ctx, len + 1);
    if (!r->text)
        return lpi_nomem(r->ctx);
    memcpy(r->text, data, len);
    r->text[len] = '\0';
    while (rc == 0 && at < len) {
        char *nl = memchr(r->text + at, '\n', len - at);
        uint64_t v;

        ps.lineno++;
        ps.line = r->text + at;
        ps.len = (size_t)(nl - ps.line);
        *nl = '\0';
        at += ps.len + 1;
        if (ps.len > REPO_MAX_LINE)
            return perr(&ps, LP_EFORMAT, "%s", "line too long");
        for (size_t i = 0; i < ps.len; i++)
            if ((unsigned char)ps.line[i] < 0x20 ||
                (unsigned char)ps.line[i] == 0x7f)
                return perr(&ps, LP_EFORMAT, "%s", "control character");
        switch (ps.lineno) {
        case 1:
            if (strncmp(ps.line, "lp-repo ", 8) == 0 &&
                strcmp(ps.line, LPI_REPO_MAGIC) != 0 &&
                lpi_parse_u64(ps.line + 8, ps.len - 8, UINT64_MAX, &v) == 0)
                return lpi_error(r->ctx, LP_EVERSION, "%s: index format %s "
                                 "is newer than this liblp reads (1)", what,
                                 ps.line + 8);
            if (strcmp(ps.line, LPI_REPO_MAGIC) != 0)
                return perr(&ps, LP_EFORMAT, "%s", "not an lp repository "
                            "index (first line: '" LPI_REPO_MAGIC "')");
            continue;
        case 2:
            rc = header(&ps, "serial");
            if (rc == 0)
                rc = num(&ps, 1, INT64_MAX, &r->serial, "serial");
            if (rc == 0 && r->serial == 0)
                rc = perr(&ps, LP_EFORMAT, "%s", "serial 0");
            continue;
        case 3:
            rc = header(&ps, "created");
            if (rc == 0)
                rc = when(&ps, 1, &r->created, "creation time");
            continue;
        case 4:
            rc = header(&ps, "expires");
            if (rc == 0)
                rc = when(&ps, 1, &r->expires, "expiry");
            if (rc == 0 && r->expires <= r->created)
                rc = perr(&ps, LP_EFORMAT, "%s", "expires before it was "
                          "created");
            continue;
        default:
            break;
        }
        if (strncmp(ps.line, "package ", 8) == 0)
            rc = parse_package(&ps);
        else if (strncmp(ps.line, "release ", 8) == 0)
            rc = parse_release(&ps);
        else if (strncmp(ps.line, "delta ", 6) == 0)
            rc = parse_delta(&ps);
        else if (strcmp(ps.line, LPI_REPO_SIGS_LINE) == 0 && at == len)
            break;
        else
            rc = perr(&ps, LP_EFORMAT, "%s", "expected 'package', 'release', "
                      "'delta' or '" LPI_REPO_SIGS_LINE "' (last)");
    }
    if (rc == 0 && ps.lineno < 4)
        rc = lpi_error(r->ctx, LP_EFORMAT, "%s: truncated (no serial, "
                       "created or expires line)", what);
    if (rc == 0 && strcmp(ps.line, LPI_REPO_SIGS_LINE) != 0)
        rc = lpi_error(r->ctx, LP_EFORMAT, "%s: the last line is not '"
                       LPI_REPO_SIGS_LINE "'", what);
    if (rc == 0 && ps.pkg && ps.pkg->nrels == 0)
        rc = lpi_error(r->ctx, LP_EFORMAT, "%s: package '%s' lists no "
                       "release", what, ps.pkg->id);
    return rc;
}

/* The whole file: the signed text, then the signature blocks */
static int parse_file(lp_repo **out, lp_ctx *ctx, const void *data,
                      size_t len, const char *what, size_t *signed_len,
                      const char **sigs, size_t *slen)
{
    lp_repo *r = NULL;
    int rc;

    *out = NULL;
    if (len > LP_REPO_MAX_INDEX_BYTES)
        return lpi_error(ctx, LP_ETOOBIG, "%s: larger than %u bytes", what,
                         LP_REPO_MAX_INDEX_BYTES);
    rc = lpi_repo_split(ctx, data, len, signed_len, sigs, slen, what);
    if (rc == 0)
        rc = lpi_repo_new(&r, ctx);
    if (rc == 0)
        rc = parse_text(r, data, *signed_len, what);
    if (rc == 0)
        crypto_generichash(r->hash, sizeof(r->hash), data, *signed_len,
                           NULL, 0);
    if (rc < 0) {
        lp_repo_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int lp_repo_parse(lp_repo **out, lp_ctx *ctx, const void *data, size_t len,
                  const char *what)
{
    const char *sigs;
    size_t signed_len, slen;

    LP_ASSERT_ARG(out && ctx && (data || len == 0));
    return parse_file(out, ctx, data, len, what ? what : "index",
                      &signed_len, &sigs, &slen);
}

/* ------------------------------------------------------------ format */

int lpi_repo_format(const lp_repo *r, lpi_buf *out)
{
    lp_ctx *ctx = r->ctx;
    char t1[LPI_TIME_BYTES], t2[LPI_TIME_BYTES];
    char h1[LP_HASH_HEX_BYTES + 1], h2[LP_HASH_HEX_BYTES + 1];
    int rc;

    if (lpi_time_format(t1, r->created) < 0 ||
        lpi_time_format(t2, r->expires) < 0)
        return lpi_error(ctx, LP_EINVAL, "index time out of range");
    rc = lpi_buf_printf(out, ctx, LPI_REPO_MAGIC "\nserial %" PRIu64
                        "\ncreated %s\nexpires %s\n", r->serial, t1, t2);
    for (size_t i = 0; rc == 0 && i < r->npkgs; i++) {
        const lpi_rpkg *p = &r->pkgs[i];

        rc = lpi_buf_printf(out, ctx, "package %s\n", p->id);
        for (size_t k = 0; rc == 0 && k < p->nrels; k++) {
            const lpi_rrel *e = &p->rels[k];
            char t[LPI_TIME_BYTES] = "-";

            if (e->expires >= 0 && lpi_time_format(t, e->expires) < 0)
                return lpi_error(ctx, LP_EINVAL, "expiry out of range");
            lpi_hash_hex(h1, e->file);
            lpi_hash_hex(h2, e->manifest);
            rc = lpi_buf_printf(out, ctx, "release %" PRIu64 " %" PRIu64
                                " %s %s %s%s%s\n", e->version, e->size, h1,
                                h2, t, e->label[0] ? " " : "", e->label);
        }
        for (size_t k = 0; rc == 0 && k < p->ndeltas; k++) {
            const lpi_rdelta *d = &p->deltas[k];

            lpi_hash_hex(h1, d->file);
            rc = lpi_buf_printf(out, ctx, "delta %" PRIu64 " %" PRIu64 " %"
                                PRIu64 " %s\n", d->base, d->target, d->size,
                                h1);
        }
    }
    if (rc == 0)
        rc = lpi_buf_printf(out, ctx, LPI_REPO_SIGS_LINE "\n");
    if (rc == LP_ETOOBIG)
        rc = lpi_error(ctx, LP_ETOOBIG, "the index would be larger than "
                       "%zu bytes", out->max);
    return rc;
}

/* ------------------------------------------------------------ getters */

int lp_repo_release_get(const lp_repo *r, const char *id, size_t i,
                        lp_repo_release *out)
{
    const lpi_rpkg *p;
    const lpi_rrel *e;
    char name[LPI_REPO_NAME_BYTES];

    LP_ASSERT_ARG(r && id && out);
    p = find_pkg(r, id);
    if (!p || i >= p->nrels)
        return LP_ENOTFOUND;
    e = &p->rels[i];
    memset(out, 0, sizeof(*out));
    out->id = p->id;
    out->version = e->version;
    out->label = e->label;
    out->size = e->size;
    lpi_hash_hex(out->file_hash, e->file);
    lpi_hash_hex(out->manifest_hash, e->manifest);
    out->expires = e->expires;
    lpi_repo_file_name(name, e->file, false);
    snprintf(out->path, sizeof(out->path), "%s", name);
    return 0;
}

int lp_repo_delta_get(const lp_repo *r, const char *id, size_t i,
                      lp_repo_delta *out)
{
    const lpi_rpkg *p;
    const lpi_rdelta *d;
    char name[LPI_REPO_NAME_BYTES];

    LP_ASSERT_ARG(r && id && out);
    p = find_pkg(r, id);
    if (!p || i >= p->ndeltas)
        return LP_ENOTFOUND;
    d = &p->deltas[i];
    memset(out, 0, sizeof(*out));
    out->id = p->id;
    out->base = d->base;
    out->target = d->target;
    out->size = d->size;
    lpi_hash_hex(out->file_hash, d->file);
    lpi_repo_file_name(name, d->file, true);
    snprintf(out->path, sizeof(out->path), "%s", name);
    return 0;
}

/* ------------------------------------------------------------ trust */

/* STATE/ID.index: "lp-index-state 1\nserial N\nhash HEX\n" */
static int index_state_path(lpi_buf *b, lp_ctx *ctx, const lp_state *st,
                            const char *id)
{
    lpi_buf_init(b, 8192);
    return lpi_buf_printf(b, ctx, "%s/%s" INDEX_STATE_SUFFIX,
                          lpi_state_dir(st), id);
}

/* The serial and hash recorded for id; *serial 0 if none */
static int index_state_read(lp_ctx *ctx, const lp_state *st, const char *id,
                            uint64_t *serial,
                            unsigned char hash[LP_HASH_BYTES])
{
    lpi_buf path;
    char buf[INDEX_STATE_MAX + 1];
    ssize_t n;
    int fd, rc = 0;

    *serial = 0;
    rc = index_state_path(&path, ctx, st, id);
    if (rc < 0)
        return rc;
    fd = open(path.data, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0 && errno == ENOENT) {
        lpi_buf_dispose(&path, ctx);
        return 0;
    }
    if (fd < 0) {
        rc = lpi_error(ctx, LP_EIO, "cannot read '%s': %s", path.data,
                       strerror(errno));
        lpi_buf_dispose(&path, ctx);
        return rc;
    }
    n = read(fd, buf, sizeof(buf));
    close(fd);
    if (n < 0 || (size_t)n > INDEX_STATE_MAX) {
        rc = lpi_error(ctx, n < 0 ? LP_EIO : LP_EFORMAT, "'%s': %s",
                       path.data, n < 0 ? strerror(errno) : "too large");
    } else {
        char hex[LP_HASH_HEX_BYTES + 1];
        int used = 0;
        buf[n] = '\0';
        if (sscanf(buf, INDEX_STATE_MAGIC "\nserial %20" SCNu64 "\nhash "
                   "%64[0-9a-f]\n%n", serial, hex, &used) != 2 ||
            used != n || *serial == 0 || lpi_hash_unhex(hash, hex) < 0)
            rc = lpi_error(ctx, LP_EFORMAT, "'%s': not an index state file "
                           "(damaged? it is never a fresh start: remove it "
                           "only if you know why)", path.data);
    }
    lpi_buf_dispose(&path, ctx);
    return rc;
}

int lp_repo_check(lp_repo **out, lp_ctx *ctx, const void *data, size_t len,
                  const char *what, const lp_trust *trust,
                  const lp_state *state, const char *id,
                  const lp_repo_check_opts *opts)
{
    static const lp_repo_check_opts defaults = LP_REPO_CHECK_OPTS_INIT;
    lp_trust_opts to = LP_TRUST_OPTS_INIT;
    lp_repo *r = NULL;
    const char *sigs;
    size_t signed_len, slen;
    int64_t newest = -1, now;
    unsigned signers = 0;
    int rc;

    LP_ASSERT_ARG(out && ctx && (data || len == 0) && trust && id);
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (opts->version != LP_REPO_CHECK_OPTS_VERSION)
        return lpi_error(ctx, LP_EINVAL, "unknown lp_repo_check_opts "
                         "version %u", opts->version);
    if (!what)
        what = "index";
    rc = parse_file(&r, ctx, data, len, what, &signed_len, &sigs, &slen);
    if (rc < 0)
        return rc;
    /* nothing in it is believed before this */
    to.now = opts->now;
    /* the clock is never earlier than a signing time already accepted */
    to.newest_accepted = lp_state_newest(state);
    to.report = opts->report;
    to.user = opts->user;
    rc = lp_trust_check_detached(ctx, trust, LPI_REPO_PURPOSE, data,
                                 signed_len, sigs, slen, &to, &signers,
                                 &newest);
    if (rc < 0) {
        lpi_error_prefix(ctx, "%s", what);
        goto fail;
    }
    now = opts->now >= 0 ? opts->now : (int64_t)time(NULL);
    if (newest > now)
        now = newest;
    if (lp_state_newest(state) > now)
        now = lp_state_newest(state);
    if (now > r->expires) {
        char t1[LPI_TIME_BYTES] = "?", t2[LPI_TIME_BYTES] = "?";
        lpi_time_format(t1, r->expires);
        lpi_time_format(t2, now);
        rc = lpi_error(ctx, LP_EUNTRUSTED, "%s: the index expired at %s "
                       "(it is %s): the repository or mirror is stale, or "
                       "replays an old index", what, t1, t2);
        goto fail;
    }
    if (state) {
        uint64_t seen;
        unsigned char h[LP_HASH_BYTES];
        rc = index_state_read(ctx, state, id, &seen, h);
        if (rc < 0)
            goto fail;
        if (r->serial < seen) {
            rc = lpi_error(ctx, LP_EUNTRUSTED, "%s: index serial %" PRIu64
                           " is lower than serial %" PRIu64 ", seen before: "
                           "an old index replayed?", what, r->serial, seen);
            goto fail;
        }
        if (r->serial == seen && memcmp(h, r->hash, sizeof(h)) != 0) {
            rc = lpi_error(ctx, LP_EUNTRUSTED, "%s: index serial %" PRIu64
                           " was seen before with other content: the "
                           "publisher signed two indexes with one serial",
                           what, r->serial);
            goto fail;
        }
    }
    *out = r;
    return 0;
fail:
    lp_repo_free(r);
    return rc;
}

int lp_repo_record(const lp_repo *r, const lp_state *state, const char *id)
{
    lp_ctx *ctx;
    lpi_buf path, text;
    unsigned char h[LP_HASH_BYTES], old[LP_HASH_BYTES];
    char hex[LP_HASH_HEX_BYTES + 1];
    uint64_t seen;
    int dfd, rc;

    LP_ASSERT_ARG(r && state && id);
    ctx = r->ctx;
    lpi_buf_init(&text, INDEX_STATE_MAX);
    memcpy(h, r->hash, sizeof(h));
    lpi_hash_hex(hex, h);
    rc = index_state_path(&path, ctx, state, id);
    if (rc < 0)
        goto done;
    /* one writer at a time: a serial is never lowered */
    dfd = open(lpi_state_dir(state), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || flock(dfd, LOCK_EX) < 0) {
        rc = lpi_error(ctx, LP_EIO, "cannot lock the state folder '%s': %s",
                       lpi_state_dir(state), strerror(errno));
        if (dfd >= 0)
            close(dfd);
        lpi_buf_dispose(&path, ctx);
        goto done;
    }
    rc = index_state_read(ctx, state, id, &seen, old);
    if (rc == 0 && seen > r->serial)
        rc = lpi_error(ctx, LP_EUNTRUSTED, "index serial %" PRIu64 " is "
                       "lower than serial %" PRIu64 ", recorded since",
                       r->serial, seen);
    if (rc == 0)
        rc = lpi_buf_printf(&text, ctx, INDEX_STATE_MAGIC "\nserial %"
                            PRIu64 "\nhash %s\n", r->serial, hex);
    if (rc == 0 && !(seen == r->serial && memcmp(old, h, sizeof(h)) == 0))
        rc = lpi_write_file_atomic(ctx, path.data, text.data, text.len,
                                   0644, true);
    close(dfd);
    lpi_buf_dispose(&path, ctx);
done:
    lpi_buf_dispose(&text, ctx);
    return rc;
}
