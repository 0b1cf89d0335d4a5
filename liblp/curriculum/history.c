/*
 * history.c - stable lesson ids across releases (lp-curriculum(5),
 * STABLE IDS): the content fingerprint of a lesson, the similarity of two
 * fingerprints, and the comparison of a curriculum with its previous
 * release (lpc --previous), which finds lesson ids that changed.
 *
 * The fingerprint is a bottom-k MinHash sketch: the text of the lesson's
 * body in the default language is case-folded, every run of characters
 * that are not letters, digits or marks becomes one space, and each run
 * of LPI_FP_SHINGLE consecutive characters (a shingle) is hashed; the
 * LPI_FP_K smallest distinct hashes are the sketch.  The k smallest
 * hashes of the union of two texts' shingles are the k smallest of the
 * union of their sketches, so the share of those found in both sketches
 * estimates the Jaccard similarity of the two texts' shingle sets, and is
 * exact for texts of at most k shingles.  Characters, not words: Khmer and
 * Thai do not separate words with spaces.  No allocation: the shingles
 * are hashed from a ring of the last characters as the text is walked.
 */
#include "lpi_source.h"

#include <stdio.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/utf8.h>

typedef struct sketch {
    uint32_t v[LPI_FP_K];   /* ascending, distinct */
    size_t n;
    UChar32 ring[LPI_FP_SHINGLE];
    size_t nring;           /* characters seen (capped uses: % size) */
    bool space;             /* a space is pending before the next one */
} sketch;

/* 64-bit FNV-1a over the window's code points, finished with murmur3's
 * fmix64 so that the high bits are well mixed; the sketch keeps the high
 * 32 bits */
static uint32_t hash_window(const sketch *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u;
    size_t start = s->nring - len;

    for (size_t i = 0; i < len; i++) {
        uint32_t c = (uint32_t)s->ring[(start + i) % LPI_FP_SHINGLE];
        for (int b = 0; b < 4; b++) {
            h ^= (c >> (8 * b)) & 0xffu;
            h *= 0x100000001b3u;
        }
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    h ^= h >> 33;
    return (uint32_t)(h >> 32);
}

static void keep(sketch *s, uint32_t h)
{
    size_t i = s->n;

    if (s->n == LPI_FP_K && h >= s->v[LPI_FP_K - 1])
        return;
    while (i > 0 && s->v[i - 1] > h)
        i--;
    if (i > 0 && s->v[i - 1] == h)
        return;
    if (s->n < LPI_FP_K)
        s->n++;
    memmove(&s->v[i + 1], &s->v[i], (s->n - 1 - i) * sizeof(*s->v));
    s->v[i] = h;
}

static void push(sketch *s, UChar32 c)
{
    s->ring[s->nring % LPI_FP_SHINGLE] = c;
    s->nring++;
    if (s->nring >= LPI_FP_SHINGLE)
        keep(s, hash_window(s, LPI_FP_SHINGLE));
}

static bool kept_char(UChar32 c)
{
    int t = u_charType(c);

    return u_isalnum(c) || t == U_NON_SPACING_MARK ||
           t == U_COMBINING_SPACING_MARK || t == U_ENCLOSING_MARK;
}

static void add_text(sketch *s, const char *t)
{
    int32_t i = 0, len = (int32_t)strnlen(t, LPI_MAX_SOURCE_BYTES);

    while (i < len) {
        UChar32 c;

        U8_NEXT(t, i, len, c);
        if (c < 0 || !kept_char(c)) {
            s->space = true;
            continue;
        }
        if (s->space && s->nring > 0)
            push(s, ' ');
        s->space = false;
        push(s, u_foldCase(c, U_FOLD_CASE_DEFAULT));
    }
}

static void walk(sketch *s, xmlNodePtr n, unsigned depth)
{
    for (; n && depth <= LPI_MAX_SOURCE_DEPTH; n = n->next) {
        if (n->type == XML_TEXT_NODE && n->content) {
            add_text(s, (const char *)n->content);
            s->space = true; /* blocks and runs are apart */
        } else if (n->type == XML_ELEMENT_NODE) {
            walk(s, n->children, depth + 1);
            s->space = true;
        }
    }
}

void lpi_fingerprint(lp_project *p, xmlNodePtr lesson, const char *def_canon,
                     char *out)
{
    xmlNodePtr content = lpi_child(lesson, "content"), body = NULL;
    sketch s;
    size_t at;

    memset(&s, 0, sizeof(s));
    for (xmlNodePtr b = content ? content->children : NULL; b; b = b->next) {
        const char *l = lpi_is(b, "body") ? lpi_attr(b, "lang") : NULL;

        if (!l)
            continue;
        if (!body)
            body = b;
        if (def_canon && lpi_lang_eq(p, l, strlen(l), def_canon,
                                     strlen(def_canon))) {
            body = b;
            break;
        }
    }
    if (body)
        walk(&s, body->children, 0);
    /* a text shorter than one shingle is one shingle */
    if (s.nring > 0 && s.nring < LPI_FP_SHINGLE)
        keep(&s, hash_window(&s, s.nring));
    at = (size_t)snprintf(out, LPI_FP_CAP, "1:");
    for (size_t i = 0; i < s.n; i++)
        at += (size_t)snprintf(out + at, LPI_FP_CAP - at, "%08x",
                               (unsigned)s.v[i]);
}

/* A fingerprint's values; false if it is not one of version 1 */
static bool parse_fp(const char *fp, uint32_t *v, size_t *n)
{
    size_t len;

    *n = 0;
    if (!fp || strncmp(fp, "1:", 2) != 0)
        return false;
    fp += 2;
    len = strlen(fp);
    if (len % 8 != 0 || len / 8 > LPI_FP_K)
        return false;
    for (size_t i = 0; i < len / 8; i++) {
        uint32_t x = 0;

        for (size_t k = 0; k < 8; k++) {
            char c = fp[8 * i + k];
            unsigned d;

            if (c >= '0' && c <= '9')
                d = (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f')
                d = (unsigned)(c - 'a' + 10);
            else
                return false;
            x = x << 4 | d;
        }
        if (i > 0 && x <= v[i - 1])
            return false;
        v[i] = x;
    }
    *n = len / 8;
    return true;
}

int lpi_fp_similarity(const char *a, const char *b)
{
    uint32_t va[LPI_FP_K], vb[LPI_FP_K];
    size_t na, nb, i = 0, j = 0, taken = 0, shared = 0;

    if (!parse_fp(a, va, &na) || !parse_fp(b, vb, &nb))
        return -1;
    if (na == 0 || nb == 0)
        return 0;
    /* the k smallest of the union: in both, or in one only */
    while (taken < LPI_FP_K && (i < na || j < nb)) {
        if (i < na && j < nb && va[i] == vb[j]) {
            shared++;
            i++;
            j++;
        } else if (j >= nb || (i < na && va[i] < vb[j])) {
            i++;
        } else {
            j++;
        }
        taken++;
    }
    return (int)(shared * 100 / taken);
}

/* ------------------------------------------------------ the comparison */

static const lpi_pos nopos = { 0, 0 };

/* The source path as the catalog records it: without the extension of a
 * lesson file, so that a lesson moved from YAML to XML is the same file */
size_t lpi_source_stem(const char *rel)
{
    const char *dot = strrchr(rel, '.'), *slash = strrchr(rel, '/');

    if (dot && (!slash || dot > slash) &&
        (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml") ||
         !strcmp(dot, ".xml")))
        return (size_t)(dot - rel);
    return strlen(rel);
}

static int cmp_hist_id(const void *x, const void *y)
{
    const lpi_hist *const *a = x, *const *b = y;

    return strcmp((*a)->id, (*b)->id);
}

static int find_hist_id(const void *key, const void *elem)
{
    return strcmp(key, (*(const lpi_hist *const *)elem)->id);
}

static int cmp_prev_id(const void *x, const void *y)
{
    const lp_previous_lesson *const *a = x, *const *b = y;

    return strcmp((*a)->id, (*b)->id);
}

static int find_prev_id(const void *key, const void *elem)
{
    return strcmp(key, (*(const lp_previous_lesson *const *)elem)->id);
}

/* Each id of a renamed-from list, one at a time: len bytes at *s */
static bool next_word(const char **s, size_t *len)
{
    *s += strspn(*s, " \t\n");
    *len = strcspn(*s, " \t\n");
    return *len > 0;
}

/* Every id the renamed-from lists name, in a set (the words are copied,
 * NUL-separated, into *words) */
static int renamed_set(lp_project *p, const lpi_hist *cur, size_t n,
                       lpi_strset *set, char **words)
{
    size_t total = 0, at = 0;

    for (size_t i = 0; i < n; i++)
        total += cur[i].renamed ? strlen(cur[i].renamed) + 1 : 0;
    *words = lpi_malloc(p->ctx, total + 1);
    if (!*words)
        return LP_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        size_t len;

        for (const char *s = cur[i].renamed; s && next_word(&s, &len);
             s += len) {
            int rc;

            memcpy(*words + at, s, len);
            (*words)[at + len] = '\0';
            rc = lpi_strset_add(p->ctx, set, *words + at, NULL);
            if (rc < 0)
                return rc;
            at += len + 1;
        }
    }
    return 0;
}

/* An id or path from the old catalog, which is hostile input: shown in
 * messages only if it is plain printable text of sane length */
static bool plain(const char *s, size_t max)
{
    size_t n = 0;

    for (; s && s[n]; n++)
        if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f || n >= max)
            return false;
    return s && n > 0;
}

/* The new lesson the disappeared lesson o most likely became, among the
 * candidates (lessons whose id is new and that say nothing of a rename):
 * the first from the same file, else the one with the most similar text
 * at LPI_FP_NEAR percent or more (the first in teaching order among
 * equals) */
static const lpi_hist *became(const lpi_hist *const *cand, size_t n,
                              const lp_previous_lesson *o, int *sim)
{
    const lpi_hist *best = NULL;
    int best_sim = LPI_FP_NEAR - 1;

    *sim = -1;
    for (size_t i = 0; i < n; i++) {
        const lpi_hist *h = cand[i];
        size_t stem = lpi_source_stem(h->f->rel);
        int s;

        if (o->source && strlen(o->source) == stem &&
            strncmp(o->source, h->f->rel, stem) == 0) {
            *sim = -1;
            return h;
        }
        s = lpi_fp_similarity(o->fingerprint, h->fp);
        if (s > best_sim) {
            best = h;
            best_sim = s;
        }
    }
    if (best)
        *sim = best_sim;
    return best;
}

int lpi_history_check(lp_project *p, const lpi_hist *cur, size_t n)
{
    const lp_previous *prev = p->previous;
    lpi_srcfile *cf = p->files[0];
    xmlNodePtr root = xmlDocGetRootElement(cf->doc);
    const lpi_hist **byid, **cand = NULL;
    const lp_previous_lesson **prevbyid = NULL;
    lpi_strset renamed = { NULL, 0, 0 };
    char *words = NULL;
    size_t ncand = 0;
    size_t nprev = prev ? prev->nlessons : 0;
    const char *pname = prev && prev->name ? prev->name :
                        "the previous release";
    int rc = 0;

    byid = lpi_calloc(p->ctx, n + 1, sizeof(*byid));
    if (!byid)
        return LP_ENOMEM;
    for (size_t i = 0; i < n; i++)
        byid[i] = &cur[i];
    lpi_sort(byid, n, sizeof(*byid), cmp_hist_id);

    /* progress moves to one lesson: a renamed-from id is no lesson's */
    for (size_t i = 0; i < n; i++) {
        size_t len;

        for (const char *s = cur[i].renamed; s && next_word(&s, &len);
             s += len) {
            char id[LPI_ID_CAP];
            const lpi_hist *const *other;

            snprintf(id, sizeof(id), "%.*s", (int)(len < sizeof(id) ? len :
                     sizeof(id) - 1), s);
            other = bsearch(id, byid, n, sizeof(*byid), find_hist_id);
            if (other)
                lpi_diag(p, LP_SEVERITY_ERROR, "renamed-from", cur[i].f,
                         NULL, cur[i].rpos, "renamed-from names '%s', %s: "
                         "the progress of a lesson can move to one lesson "
                         "only; take '%s' out of renamed-from", id,
                         *other == &cur[i] ? "this lesson's own id" :
                         "the id of another lesson of this release", id);
        }
    }
    if (!prev)
        goto done;

    /* the previous release of this curriculum, and an older one */
    if (prev->id && strcmp(prev->id, lpi_attr(root, "id")) != 0) {
        lpi_diag(p, LP_SEVERITY_ERROR, "previous", cf,
                 xmlHasProp(root, (const xmlChar *)"id"), nopos,
                 "'%s' is a release of '%s', not of this curriculum "
                 "('%s'): give --previous the last release of this one",
                 pname, prev->id, lpi_attr(root, "id"));
        goto done;
    }
    {
        const char *v = lpi_attr(root, "version");
        uint64_t ver = 0;

        for (; v && *v >= '0' && *v <= '9'; v++)
            ver = ver > UINT64_MAX / 10 ? UINT64_MAX : ver * 10 +
                  (uint64_t)(*v - '0');
        if (ver <= prev->release)
            lpi_diag(p, LP_SEVERITY_ERROR, "previous", cf,
                     xmlHasProp(root, (const xmlChar *)"version"), nopos,
                     "version %llu is not above %llu, the version of '%s': "
                     "raise it (hubs take a release only if its version "
                     "is higher)", (unsigned long long)ver,
                     (unsigned long long)prev->release, pname);
    }
    prevbyid = lpi_calloc(p->ctx, nprev + 1, sizeof(*prevbyid));
    if (!prevbyid) {
        rc = LP_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < nprev; i++)
        prevbyid[i] = &prev->lessons[i];
    lpi_sort(prevbyid, nprev, sizeof(*prevbyid), cmp_prev_id);
    cand = lpi_calloc(p->ctx, n + 1, sizeof(*cand));
    rc = cand ? renamed_set(p, cur, n, &renamed, &words) : LP_ENOMEM;
    if (rc < 0)
        goto done;
    for (size_t i = 0; i < n; i++)
        if (!cur[i].renamed && !bsearch(cur[i].id, prevbyid, nprev,
                                        sizeof(*prevbyid), find_prev_id))
            cand[ncand++] = &cur[i];

    for (size_t i = 0; i < nprev; i++) {
        const lp_previous_lesson *o = &prev->lessons[i];
        const lpi_hist *h;
        int sim;

        if (!plain(o->id, LPI_ID_CAP - 1) ||
            bsearch(o->id, byid, n, sizeof(*byid), find_hist_id) ||
            lpi_strset_get(&renamed, o->id))
            continue;
        h = became(cand, ncand, o, &sim);
        if (h) {
            char how[96], add[LPI_ID_CAP + 48];

            if (sim < 0)
                snprintf(how, sizeof(how), "the same file");
            else
                snprintf(how, sizeof(how), "%d%% the same text", sim);
            if (h->f->syntax == LPI_XML)
                snprintf(add, sizeof(add), "renamed-from=\"%s\" to the "
                         "lesson element", o->id);
            else
                snprintf(add, sizeof(add), "'renamed-from: %s' to the "
                         "lesson", o->id);
            lpi_diag(p, LP_SEVERITY_ERROR, "id-changed", h->f, NULL, h->pos,
                     "lesson '%s' replaces '%s' of '%s' (version %llu; %s): "
                     "progress recorded against '%s' would be lost; keep "
                     "the id '%s', or add %s", h->id, o->id, pname,
                     (unsigned long long)prev->release, how, o->id, o->id,
                     add);
        } else {
            const char *src = plain(o->source, 1024) ? o->source : NULL;

            lpi_diag(p, LP_SEVERITY_WARNING, "removed-lesson", cf, NULL,
                     nopos, "lesson '%s'%s%s%s of '%s' (version %llu) is no "
                     "longer in the curriculum: progress recorded against "
                     "it is dropped", o->id, src ? " (file '" : "",
                     src ? src : "", src ? "')" : "", pname,
                     (unsigned long long)prev->release);
        }
    }
done:
    lpi_strset_dispose(p->ctx, &renamed);
    lpi_free(p->ctx, words);
    lpi_free(p->ctx, cand);
    lpi_free(p->ctx, prevbyid);
    lpi_free(p->ctx, byid);
    return rc;
}
