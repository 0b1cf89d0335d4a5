/*
 * build.c - compile a checked curriculum project into a package: the
 * catalog, one document per lesson and language, the assignments, and the
 * media the lessons use (lpk(5), COMPILED CURRICULA).
 *
 * Everything written is a pure function of the documents' trees, never of
 * the syntax they came from or of the order of a folder listing, so the
 * same curriculum in YAML or in XML compiles to the same bytes.  JSON is
 * written by hand: fixed key order, maps sorted by key, integers only,
 * strings escaped per RFC 8259 (and U+2028/2029, for JavaScript).
 */
#include "lpi_source.h"
#include "lpi_progress.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_PREFIX "curriculum/"
/* Largest JSON document lpc writes for one lesson (its documents, its
 * catalog entry, its assignments).  A source file is at most 8 MiB
 * (LPI_MAX_SOURCE_BYTES): none of them comes near it. */
#define JSON_MAX (64u * 1024u * 1024u)
/* The catalog and the assignments gather every lesson's: they grow with
 * the curriculum, up to what a package entry may hold (so what passes the
 * check builds; the sources were read whole already, memory is of their
 * order anyway) */
#define JSON_ALL_MAX (LP_MAX_ENTRY_BYTES < SIZE_MAX / 2 ? \
                      (size_t)LP_MAX_ENTRY_BYTES : SIZE_MAX / 2)
#define JSON_DEPTH 128u

static const lpi_pos nopos = { 0, 0 };

/* ------------------------------------------------------------- JSON */

typedef struct jw {
    lpi_buf b;
    lp_ctx *ctx;
    int rc;
    unsigned depth;
    bool after_key;
    bool comma[JSON_DEPTH + 1];
    const char *self;       /* the lesson written: what "#BLOCK" links to */
} jw;

static void j_init(jw *j, lp_ctx *ctx, size_t max)
{
    memset(j, 0, sizeof(*j));
    lpi_buf_init(&j->b, max);
    j->ctx = ctx;
}

static void j_put(jw *j, const char *s, size_t n)
{
    if (j->rc >= 0)
        j->rc = lpi_buf_add(&j->b, j->ctx, s, n);
}

static void j_sep(jw *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->comma[j->depth])
        j_put(j, ",", 1);
    j->comma[j->depth] = true;
}

static void j_open(jw *j, char c)
{
    j_sep(j);
    j_put(j, &c, 1);
    if (j->depth >= JSON_DEPTH) {
        if (j->rc >= 0)
            j->rc = lpi_error(j->ctx, LP_ETOOBIG, "nested too deep");
        return;
    }
    j->comma[++j->depth] = false;
}

static void j_close(jw *j, char c)
{
    if (j->depth > 0)
        j->depth--;
    j_put(j, &c, 1);
}

/* U+2028 or U+2029 at p (before end)? */
static bool is_ls_ps(const unsigned char *p, const unsigned char *end)
{
    return end - p >= 3 && p[0] == 0xe2 && p[1] == 0x80 &&
           (p[2] == 0xa8 || p[2] == 0xa9);
}

/* n bytes of valid UTF-8 as a JSON string */
static void j_esc_n(jw *j, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    const unsigned char *end = p + (s ? n : 0);

    j_put(j, "\"", 1);
    while (p < end) {
        const unsigned char *run = p;
        char e[8];

        while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' &&
               !is_ls_ps(p, end))
            p++;
        j_put(j, (const char *)run, (size_t)(p - run));
        if (p == end)
            break;
        if (*p == '"' || *p == '\\') {
            e[0] = '\\';
            e[1] = (char)*p;
            j_put(j, e, 2);
            p++;
        } else if (*p == '\n') {
            j_put(j, "\\n", 2);
            p++;
        } else if (*p == '\t') {
            j_put(j, "\\t", 2);
            p++;
        } else if (is_ls_ps(p, end)) {
            j_put(j, p[2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
            p += 3;
        } else {
            memcpy(e, "\\u00", 4);
            e[4] = hex[*p >> 4];
            e[5] = hex[*p & 15];
            j_put(j, e, 6);
            p++;
        }
    }
    j_put(j, "\"", 1);
}

static void j_esc(jw *j, const char *s)
{
    j_esc_n(j, s, s ? strlen(s) : 0);
}

static void j_key(jw *j, const char *k)
{
    j_sep(j);
    j_esc(j, k);
    j_put(j, ":", 1);
    j->after_key = true;
}

static void j_str(jw *j, const char *s)
{
    j_sep(j);
    j_esc(j, s);
}

/* A value written already (JSON built by another jw) */
static void j_raw(jw *j, const char *s, size_t n)
{
    j_sep(j);
    j_put(j, s, n);
}

static void j_uint(jw *j, uint64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)v);

    j_sep(j);
    j_put(j, num, (size_t)n);
}

static void j_bool(jw *j, bool v)
{
    j_sep(j);
    j_put(j, v ? "true" : "false", v ? 4 : 5);
}

/* A space-separated list as an array of strings */
static void j_words(jw *j, const char *s)
{
    j_open(j, '[');
    while (s && *s) {
        size_t n = strcspn(s, " \t\n");
        if (n > 0) {
            j_sep(j);
            j_esc_n(j, s, n);
        }
        s += n;
        s += strspn(s, " \t\n");
    }
    j_close(j, ']');
}

/* The first word of s (an xs:decimal, whitespace around it) */
static void j_words1(jw *j, const char *s, const char *dflt)
{
    size_t n;

    s = s ? s + strspn(s, " \t\n") : "";
    n = strcspn(s, " \t\n");
    if (n == 0) {
        s = dflt;
        n = strlen(dflt);
    }
    j_sep(j);
    j_esc_n(j, s, n);
}

/* ------------------------------------------------------------ model */

typedef struct blang {
    const char *tag;          /* as declared */
    const char *name;
    const char *fallback;
    char canon[LPI_LANG_CAP];
    bool rtl;
} blang;

/* A media reference (the check resolved and checked them all) */
typedef struct bmedia {
    char *rel;                /* project-relative = logical path */
    lpi_srcfile *f;           /* first use */
    lpi_pos pos;
    size_t order;             /* of the reference: the first use wins */
    uint64_t bytes;           /* its size, when over a budget */
} bmedia;

/* An assignment whose max-size the package cannot hold */
typedef struct bsize {
    lpi_pos pos;
    char *value;
} bsize;

/* What is kept of a lesson once its tree is freed: its documents, built
 * as soon as it is checked, and what the catalog and assignments.json
 * need of it */
typedef struct blesson {
    char *id;
    lpi_srcfile *f;
    lpi_buf *docs;            /* one per language, in langs[] order */
    char *entry;              /* its entry in the catalog (JSON) */
    lpi_buf asg;              /* "[...]": its assignments for the hub */
    char **titles;            /* its title per language, bycanon order */
    bsize *sizes;
    size_t nsizes;
    uint64_t bytes;           /* its documents, then with its media */
} blesson;

typedef struct builder {
    lp_project *p;
    lp_writer *w;
    lpi_srcfile *cur;
    blang langs[LP_MAX_LANGUAGES]; /* the package's: the profile's */
    size_t nlangs, bycanon[LP_MAX_LANGUAGES];
    blang all[LP_MAX_LANGUAGES]; /* every declared one: texts resolve */
    size_t nall;                 /* through their fallbacks */
    const blang *def;            /* the curriculum's default (in all) */
    const blang *odef;           /* the package's (in langs) */
    bool langs_ready;
    blesson *order;         /* in teaching order */
    blesson **byid;         /* the same, sorted by id */
    size_t nlessons, caplessons, next;
    bmedia *media;          /* every reference; one per path once frozen */
    size_t nmedia, capmedia;
    lpi_buf scratch;        /* for building documents */
    bool skip;              /* errors: there will be no package */
    int deferred;           /* a failure compiling a lesson, for later */
    char *deferred_msg;     /* and its message */
    int rc;
    lpi_progress prog;      /* LP_STAGE_COMPILING: lessons */
} builder;

static const blang *lang_of(const builder *b, const char *tag, size_t len)
{
    for (size_t i = 0; i < b->nall; i++)
        if (lpi_lang_eq(b->p, b->all[i].tag, strlen(b->all[i].tag), tag,
                        len))
            return &b->all[i];
    return NULL;
}

/* el's text in l exactly, or NULL */
static const char *text_exact(const builder *b, xmlNodePtr el,
                              const blang *l)
{
    for (xmlAttrPtr a = el ? el->properties : NULL; a; a = a->next) {
        const char *n = (const char *)a->name;
        if (lpi_lang_eq(b->p, n, strlen(n), l->canon, strlen(l->canon)))
            return a->children && a->children->content ?
                   (const char *)a->children->content : "";
    }
    return NULL;
}

/* el's text for l: its own, else the first of its fallbacks that has
 * one, else the default language's (the check made sure one exists) */
static const char *text_for(const builder *b, xmlNodePtr el, const blang *l)
{
    const char *t = text_exact(b, el, l);

    for (const char *s = l->fallback; !t && s && *s;) {
        size_t n = strcspn(s, " \t\n");
        const blang *fb = n ? lang_of(b, s, n) : NULL;

        if (fb)
            t = text_exact(b, el, fb);
        s += n;
        s += strspn(s, " \t\n");
    }
    if (!t && b->def)
        t = text_exact(b, el, b->def);
    return t ? t : "";
}

/* {"tag": text, ...} for every language, keys sorted */
static void j_texts(jw *j, const builder *b, xmlNodePtr el)
{
    j_open(j, '{');
    for (size_t i = 0; i < b->nlangs; i++) {
        const blang *l = &b->langs[b->bycanon[i]];
        j_key(j, l->canon);
        j_str(j, text_for(b, el, l));
    }
    j_close(j, '}');
}

static bool parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    bool any = false;

    s += strspn(s, " \t\n");
    if (*s == '+')
        s++;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
        any = true;
    }
    s += strspn(s, " \t\n");
    *out = v;
    return any && *s == '\0';
}

/* --------------------------------------------------------------- media */

/* Remember a media reference of el in f (duplicates are dropped once
 * every lesson is in: freeze_media()) */
/* The project-relative path el's media attribute name names, or NULL
 * (no attribute, a bad path the check reported already, or no memory:
 * b->rc says) */
static char *media_rel(builder *b, lpi_srcfile *f, xmlNodePtr el,
                       const char *name)
{
    const char *why, *src = lpi_attr(el, name);
    char *rel;

    if (!src || b->rc < 0)
        return NULL;
    rel = lpi_src_resolve(b->p, f, src, &why);
    if (!rel && !why)
        b->rc = LP_ENOMEM;
    return rel;
}

static void use_media(builder *b, lpi_srcfile *f, xmlNodePtr el,
                      const char *name)
{
    xmlAttrPtr a = xmlHasProp(el, (const xmlChar *)name);
    char *rel = media_rel(b, f, el, name);

    if (!rel)
        return;
    b->rc = lpi_grow(b->p->ctx, (void **)&b->media, &b->capmedia,
                     b->nmedia + 1, sizeof(*b->media));
    if (b->rc < 0) {
        lpi_free(b->p->ctx, rel);
        return;
    }
    b->media[b->nmedia].rel = rel;
    b->media[b->nmedia].f = f;
    b->media[b->nmedia].pos = lpi_src_pos(f, a);
    b->media[b->nmedia].order = b->nmedia;
    b->nmedia++;
}

static int cmp_media_use(const void *x, const void *y)
{
    const bmedia *a = x, *b = y;
    int c = strcmp(a->rel, b->rel);

    return c ? c : (a->order > b->order) - (a->order < b->order);
}

/* Sort the references by path and keep each path's first use */
static void freeze_media(builder *b)
{
    size_t w = 0;

    lpi_sort(b->media, b->nmedia, sizeof(*b->media), cmp_media_use);
    for (size_t i = 0; i < b->nmedia; i++) {
        if (w > 0 && strcmp(b->media[w - 1].rel, b->media[i].rel) == 0) {
            lpi_free(b->p->ctx, b->media[i].rel);
            continue;
        }
        b->media[w++] = b->media[i];
    }
    b->nmedia = w;
}

/* ------------------------------------------------------- lesson docs */

static int cmp_attr(const void *x, const void *y)
{
    const xmlAttr *const *a = x, *const *b = y;

    return strcmp((const char *)(*a)->name, (const char *)(*b)->name);
}

/* A MathML element's "attributes" (if it has any; the top one's id and
 * display are not among them: a block has its id, and where the math
 * stands says how it is shown) and "content" (texts and elements); the
 * tree passed lpi_math_check(), so names and values are MathML Core's */
static void j_math_rest(jw *j, xmlNodePtr el, bool top, unsigned depth)
{
    xmlAttrPtr list[64];
    size_t n = 0;

    for (xmlAttrPtr a = el->properties; a && n < 64; a = a->next)
        if (!top || (strcmp((const char *)a->name, "id") != 0 &&
                     strcmp((const char *)a->name, "display") != 0))
            list[n++] = a;
    if (n > 0) {
        lpi_sort(list, n, sizeof(*list), cmp_attr);
        j_key(j, "attributes");
        j_open(j, '{');
        for (size_t i = 0; i < n; i++) {
            j_key(j, (const char *)list[i]->name);
            j_str(j, list[i]->children && list[i]->children->content
                     ? (const char *)list[i]->children->content : "");
        }
        j_close(j, '}');
    }
    j_key(j, "content");
    j_open(j, '[');
    for (xmlNodePtr c = el->children;
         c && depth < LPI_MAX_SOURCE_DEPTH + 2; c = c->next) {
        if (c->type == XML_TEXT_NODE) {
            j_str(j, (const char *)c->content);
        } else if (c->type == XML_ELEMENT_NODE) {
            j_open(j, '{');
            j_key(j, "type");
            j_str(j, (const char *)c->name);
            j_math_rest(j, c, false, depth + 1);
            j_close(j, '}');
        }
    }
    j_close(j, ']');
}

static void j_inline(jw *j, xmlNodePtr el, unsigned depth)
{
    j_open(j, '[');
    for (xmlNodePtr c = el->children; c && depth < LPI_MAX_SOURCE_DEPTH + 2;
         c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            j_str(j, (const char *)c->content);
        } else if (lpi_is(c, "em") || lpi_is(c, "strong") ||
                   lpi_is(c, "sub") || lpi_is(c, "sup") ||
                   lpi_is(c, "term")) {
            j_open(j, '{');
            j_key(j, "type");
            j_str(j, (const char *)c->name);
            j_key(j, "content");
            j_inline(j, c, depth + 1);
            j_close(j, '}');
        } else if (lpi_is(c, "math")) {
            j_open(j, '{');
            j_key(j, "type");
            j_str(j, "math");
            j_math_rest(j, c, true, depth + 1);
            j_close(j, '}');
        } else if (lpi_is(c, "a")) {
            const char *href = lpi_attr(c, "href");

            j_open(j, '{');
            j_key(j, "type");
            j_str(j, "link");
            if (href && (strncmp(href, "lesson:", 7) == 0 ||
                         href[0] == '#')) {
                /* lesson:ID, lesson:ID#BLOCK, #BLOCK (this lesson) */
                const char *id = href[0] == '#' ? "" : href + 7;
                const char *hash = strchr(href, '#');
                size_t n = hash ? (size_t)(hash - id) : strlen(id);

                j_key(j, "lesson");
                if (href[0] == '#')
                    j_str(j, j->self ? j->self : "");
                else {
                    j_sep(j);
                    j_esc_n(j, id, n);
                }
                if (hash) {
                    j_key(j, "block");
                    j_str(j, hash + 1);
                }
            } else {
                j_key(j, "href");
                j_str(j, href);
            }
            j_key(j, "content");
            j_inline(j, c, depth + 1);
            j_close(j, '}');
        }
    }
    j_close(j, ']');
}

static void j_opt(jw *j, xmlNodePtr el, const char *name)
{
    const char *v = lpi_attr(el, name);

    if (v) {
        j_key(j, name);
        j_str(j, v);
    }
}

/* A media reference as its logical path (use_media() has it) */
static void j_media(builder *b, jw *j, lpi_srcfile *f, xmlNodePtr el,
                    const char *name)
{
    char *rel = media_rel(b, f, el, name);

    if (!rel)
        return;
    j_key(j, name);
    j_str(j, rel);
    lpi_free(b->p->ctx, rel);
}

static bool media_block(xmlNodePtr c)
{
    return lpi_is(c, "image") || lpi_is(c, "audio") || lpi_is(c, "video") ||
           lpi_is(c, "attachment");
}

/* A media block the profile leaves out (lp-curriculum(5), PROFILES): its
 * words stay, as a paragraph of its alt text, else of its title; with
 * neither, nothing */
static void j_dropped(jw *j, xmlNodePtr c)
{
    const char *words = lpi_attr(c, "alt");

    if (!words || !*words)
        words = lpi_attr(c, "title");
    if (!words || !*words)
        return;
    j_open(j, '{');
    j_key(j, "type");
    j_str(j, "p");
    j_key(j, "content");
    j_open(j, '[');
    j_str(j, words);
    j_close(j, ']');
    j_close(j, '}');
}

/* The blocks of el (a body, or a note: its title is not one of them) */
static void j_blocks(builder *b, jw *j, lpi_srcfile *f, xmlNodePtr el,
                     unsigned depth)
{
    j_open(j, '[');
    for (xmlNodePtr c = el ? el->children : NULL;
         c && depth < LPI_MAX_SOURCE_DEPTH + 2; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || lpi_is(c, "title") ||
            lpi_is(c, "caption") || lpi_is(c, "credit"))
            continue;
        if (media_block(c) && lpi_profile_drops(b->p, f, c)) {
            j_dropped(j, c);
            continue;
        }
        j_open(j, '{');
        j_key(j, "type");
        j_str(j, (const char *)c->name);
        j_opt(j, c, "id");
        if (lpi_is(c, "h1") || lpi_is(c, "h2") || lpi_is(c, "h3") ||
            lpi_is(c, "p")) {
            j_key(j, "content");
            j_inline(j, c, 1);
        } else if (lpi_is(c, "ul") || lpi_is(c, "ol")) {
            j_key(j, "items");
            j_open(j, '[');
            for (xmlNodePtr li = c->children; li; li = li->next)
                if (lpi_is(li, "li"))
                    j_inline(j, li, 1);
            j_close(j, ']');
        } else if (lpi_is(c, "table")) {
            j_key(j, "rows");
            j_open(j, '[');
            for (xmlNodePtr tr = c->children; tr; tr = tr->next) {
                if (!lpi_is(tr, "tr"))
                    continue;
                j_open(j, '[');
                for (xmlNodePtr td = tr->children; td; td = td->next) {
                    if (td->type != XML_ELEMENT_NODE)
                        continue;
                    j_open(j, '{');
                    j_key(j, "header");
                    j_bool(j, lpi_is(td, "th"));
                    j_key(j, "content");
                    j_inline(j, td, 1);
                    j_close(j, '}');
                }
                j_close(j, ']');
            }
            j_close(j, ']');
        } else if (lpi_is(c, "note")) {
            const char *kind = lpi_attr(c, "kind");
            xmlNodePtr title = lpi_child(c, "title");

            j_key(j, "kind");
            j_str(j, kind ? kind : "note");
            if (title) {
                j_key(j, "title");
                j_inline(j, title, depth + 1);
            }
            j_key(j, "blocks");
            j_blocks(b, j, f, c, depth + 1);
        } else if (lpi_is(c, "figure")) {
            xmlNodePtr cap = lpi_child(c, "caption");
            xmlNodePtr credit = lpi_child(c, "credit");

            j_key(j, "blocks");
            j_blocks(b, j, f, c, depth + 1);
            if (cap) {
                j_key(j, "caption");
                j_inline(j, cap, depth + 1);
            }
            if (credit) {
                j_key(j, "credit");
                j_open(j, '{');
                j_opt(j, credit, "spdx");
                j_opt(j, credit, "source");
                j_key(j, "content");
                j_inline(j, credit, depth + 1);
                j_close(j, '}');
            }
        } else if (lpi_is(c, "dl")) {
            /* terms and definitions in their order, each tagged */
            j_key(j, "items");
            j_open(j, '[');
            for (xmlNodePtr d = c->children; d; d = d->next) {
                if (!lpi_is(d, "dt") && !lpi_is(d, "dd"))
                    continue;
                j_open(j, '{');
                j_key(j, "type");
                j_str(j, (const char *)d->name);
                j_opt(j, d, "id");
                j_key(j, "content");
                j_inline(j, d, depth + 1);
                j_close(j, '}');
            }
            j_close(j, ']');
        } else if (lpi_is(c, "math")) {
            /* an equation on its own line */
            j_math_rest(j, c, true, depth + 1);
        } else {
            /* image, audio, video, attachment */
            j_media(b, j, f, c, "src");
            j_opt(j, c, "alt");
            j_opt(j, c, "title");
            j_media(b, j, f, c, "captions");
        }
        j_close(j, '}');
    }
    j_close(j, ']');
}

/* Does a numeric activity of acts use what only "lp-lesson 2" has: an
 * exponent, a relative tolerance, a unit? */
static bool numbers_v2(xmlNodePtr acts)
{
    for (xmlNodePtr q = acts ? acts->children : NULL; q; q = q->next) {
        const char *a = lpi_attr(q, "answer"), *t = lpi_attr(q, "tolerance");

        if (lpi_is(q, "numeric") &&
            ((a && strpbrk(a, "eE")) || (t && strpbrk(t, "eE%")) ||
             lpi_attr(q, "unit")))
            return true;
    }
    return false;
}

/* The lowest "lp-lesson" version the tree below el needs: 3 for
 * mathematics, 2 for what else version 1 lacks, 1 for none of it; a
 * document stays at the lowest, which older runtimes read */
static int body_version(xmlNodePtr el, unsigned depth)
{
    static const char *const v2[] = { "note", "dl", "sub", "sup", "term",
                                      "figure" };
    int v = 1;

    for (xmlNodePtr c = el ? el->children : NULL;
         c && depth < LPI_MAX_SOURCE_DEPTH + 2 && v < 3; c = c->next) {
        int k;

        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (lpi_is(c, "math"))
            return 3;
        for (size_t i = 0; i < sizeof(v2) / sizeof(*v2); i++)
            if (lpi_is(c, v2[i]))
                v = 2;
        k = body_version(c, depth + 1);
        if (k > v)
            v = k;
    }
    return v;
}

static void j_feedback(const builder *b, jw *j, xmlNodePtr act,
                       const blang *l)
{
    xmlNodePtr fb = lpi_child(act, "feedback");

    if (!fb)
        return;
    j_key(j, "feedback");
    j_open(j, '{');
    if (lpi_child(fb, "correct")) {
        j_key(j, "correct");
        j_str(j, text_for(b, lpi_child(fb, "correct"), l));
    }
    if (lpi_child(fb, "incorrect")) {
        j_key(j, "incorrect");
        j_str(j, text_for(b, lpi_child(fb, "incorrect"), l));
    }
    j_close(j, '}');
}

static void j_activities(const builder *b, jw *j, xmlNodePtr acts,
                         const blang *l)
{
    j_open(j, '[');
    for (xmlNodePtr q = acts ? acts->children : NULL; q; q = q->next) {
        if (q->type != XML_ELEMENT_NODE)
            continue;
        j_open(j, '{');
        j_key(j, "type");
        j_str(j, (const char *)q->name);
        j_key(j, "id");
        j_str(j, lpi_attr(q, "id"));
        j_key(j, "prompt");
        j_str(j, text_for(b, lpi_child(q, "prompt"), l));
        if (lpi_is(q, "multiple-choice")) {
            xmlNodePtr opts = lpi_child(q, "options");

            j_key(j, "options");
            j_open(j, '[');
            for (xmlNodePtr o = opts ? opts->children : NULL; o; o = o->next) {
                if (!lpi_is(o, "option"))
                    continue;
                j_open(j, '{');
                j_key(j, "id");
                j_str(j, lpi_attr(o, "id"));
                j_key(j, "text");
                j_str(j, text_for(b, o, l));
                j_close(j, '}');
            }
            j_close(j, ']');
            j_key(j, "answer");
            j_words(j, lpi_attr(q, "answer"));
        } else if (lpi_is(q, "true-false")) {
            const char *a = lpi_attr(q, "answer");
            a += strspn(a, " \t\n");
            j_key(j, "answer");
            j_bool(j, a[0] == 't' || a[0] == '1');
        } else if (lpi_is(q, "numeric")) {
            /* decimals stay strings: JSON numbers would be floats */
            j_key(j, "answer");
            j_words1(j, lpi_attr(q, "answer"), "0");
            j_key(j, "tolerance");
            j_words1(j, lpi_attr(q, "tolerance"), "0");
            j_opt(j, q, "unit");
        } else if (lpi_is(q, "short-answer")) {
            xmlNodePtr ans = lpi_child(q, "answers");

            j_key(j, "answers");
            j_open(j, '[');
            for (xmlNodePtr a = ans ? ans->children : NULL; a; a = a->next)
                if (lpi_is(a, "answer"))
                    j_str(j, text_for(b, a, l));
            j_close(j, ']');
        }
        j_feedback(b, j, q, l);
        j_close(j, '}');
    }
    j_close(j, ']');
}

/* The body in l, or in the first of its fallbacks, or the default's */
static xmlNodePtr body_for(const builder *b, xmlNodePtr content,
                           const blang *l, const blang **used)
{
    const blang *try[LP_MAX_LANGUAGES + 2];
    size_t n = 0;

    try[n++] = l;
    for (const char *s = l->fallback; s && *s && n < LP_MAX_LANGUAGES;) {
        size_t k = strcspn(s, " \t\n");
        const blang *fb = k ? lang_of(b, s, k) : NULL;

        if (fb)
            try[n++] = fb;
        s += k;
        s += strspn(s, " \t\n");
    }
    if (b->def)
        try[n++] = b->def;
    for (size_t i = 0; i < n; i++)
        for (xmlNodePtr c = content->children; c; c = c->next) {
            const char *bl = lpi_is(c, "body") ? lpi_attr(c, "lang") : NULL;
            if (bl && lpi_lang_eq(b->p, bl, strlen(bl), try[i]->canon,
                                  strlen(try[i]->canon))) {
                *used = try[i];
                return c;
            }
        }
    *used = l;
    return NULL;
}

static void j_objectives(const builder *b, jw *j, xmlNodePtr objs,
                         const blang *l)
{
    j_open(j, '[');
    for (xmlNodePtr o = objs ? objs->children : NULL; o; o = o->next) {
        if (!lpi_is(o, "objective"))
            continue;
        j_open(j, '{');
        j_key(j, "id");
        j_str(j, lpi_attr(o, "id"));
        j_key(j, "standards");
        j_words(j, lpi_attr(o, "standards"));
        j_key(j, "text");
        if (l)
            j_str(j, text_for(b, o, l));
        else
            j_texts(j, b, o);
        j_close(j, '}');
    }
    j_close(j, ']');
}

static void lesson_path(char *out, size_t cap, const blesson *ls,
                        const blang *l)
{
    snprintf(out, cap, DIR_PREFIX "lessons/%s/%s.json", ls->id, l->canon);
}

static int add_json(builder *b, jw *j, const char *path)
{
    int rc = j->rc;

    if (rc == LP_ETOOBIG)
        rc = lpi_error(b->p->ctx, rc, "'%s' would be larger than %zu bytes, "
                       "the most a package entry may hold: split the "
                       "curriculum into several packages", path,
                       j->b.max);
    if (rc >= 0)
        rc = lp_writer_add_buffer(b->w, path, j->b.data, j->b.len,
                                  "application/json");
    lpi_buf_dispose(&j->b, b->p->ctx);
    return rc;
}

/* Start j on the builder's scratch buffer, which grows once to the
 * largest document instead of once per document */
static void j_start(builder *b, jw *j)
{
    j_init(j, b->p->ctx, JSON_MAX);
    j->b = b->scratch;
    j->b.len = 0;
    lpi_buf_init(&b->scratch, JSON_MAX);
}

/* j's text, copied at its size into out, or its failure; the scratch
 * buffer goes back to the builder */
static int take_json(builder *b, jw *j, lpi_buf *out)
{
    int rc = j->rc >= 0 && b->rc < 0 ? b->rc : j->rc;

    lpi_buf_init(out, JSON_MAX);
    if (rc >= 0) {
        out->data = lpi_malloc(b->p->ctx, j->b.len + 1);
        if (!out->data) {
            rc = LP_ENOMEM;
        } else {
            memcpy(out->data, j->b.data ? j->b.data : "", j->b.len);
            out->data[j->b.len] = '\0';
            out->len = j->b.len;
            out->cap = j->b.len + 1;
        }
    }
    lpi_buf_dispose(&b->scratch, b->p->ctx);
    b->scratch = j->b;
    return rc;
}

/* The document of lesson ls (its tree: root) in language l */
static int lesson_doc(builder *b, const blesson *ls, xmlNodePtr root,
                      const blang *l, lpi_buf *out)
{
    xmlNodePtr content = lpi_child(root, "content");
    xmlNodePtr asg = lpi_child(root, "assignments");
    const blang *used;
    xmlNodePtr body = body_for(b, content, l, &used);
    uint64_t v = 0;
    int version;
    jw j;

    j_start(b, &j);
    j.self = ls->id;
    j_open(&j, '{');
    j_key(&j, "format");
    version = body_version(body, 0);
    if (version < 2 && numbers_v2(lpi_child(root, "activities")))
        version = 2;
    j_str(&j, version == 3 ? "lp-lesson 3" : version == 2 ? "lp-lesson 2"
                                                          : "lp-lesson 1");
    j_key(&j, "id");
    j_str(&j, ls->id);
    j_key(&j, "language");
    j_str(&j, l->canon);
    j_key(&j, "direction");
    j_str(&j, l->rtl ? "rtl" : "ltr");
    j_key(&j, "body_language");
    j_str(&j, used->canon);
    j_key(&j, "body_direction");
    j_str(&j, used->rtl ? "rtl" : "ltr");
    j_key(&j, "title");
    j_str(&j, text_for(b, lpi_child(root, "title"), l));
    (void)parse_u64(lpi_attr(root, "duration"), &v);
    j_key(&j, "duration");
    j_uint(&j, v);
    j_key(&j, "requires");
    j_words(&j, lpi_attr(root, "requires"));
    j_key(&j, "objectives");
    j_objectives(b, &j, lpi_child(root, "objectives"), l);
    j_key(&j, "blocks");
    j_blocks(b, &j, ls->f, body, 0);
    j_key(&j, "activities");
    j_activities(b, &j, lpi_child(root, "activities"), l);
    j_key(&j, "assignments");
    j_open(&j, '[');
    for (xmlNodePtr a = asg ? asg->children : NULL; a; a = a->next) {
        if (!lpi_is(a, "assignment"))
            continue;
        v = 0;
        (void)lpi_parse_size(lpi_attr(a, "max-size"), &v);
        j_open(&j, '{');
        j_key(&j, "id");
        j_str(&j, lpi_attr(a, "id"));
        j_key(&j, "kind");
        j_str(&j, lpi_attr(a, "kind"));
        j_key(&j, "max_size");
        j_uint(&j, v);
        j_key(&j, "task");
        j_str(&j, text_for(b, lpi_child(a, "task"), l));
        j_close(&j, '}');
    }
    j_close(&j, ']');
    j_close(&j, '}');
    j_put(&j, "\n", 1);
    return take_json(b, &j, out);
}

/* ------------------------------------------------------- catalog */

static int cmp_lesson(const void *x, const void *y)
{
    return strcmp((*(blesson *const *)x)->id, (*(blesson *const *)y)->id);
}

static int cmp_canon(const void *x, const void *y, const blang *langs)
{
    return strcmp(langs[*(const size_t *)x].canon,
                  langs[*(const size_t *)y].canon);
}

/* The languages, from the curriculum file */
static int setup_langs(builder *b)
{
    xmlNodePtr root = xmlDocGetRootElement(b->cur->doc);
    xmlNodePtr langs = lpi_child(root, "languages");
    const char *def = lpi_attr(langs, "default");

    b->nlangs = b->nall = 0;
    for (xmlNodePtr l = langs->children; l; l = l->next) {
        blang *bl;

        if (!lpi_is(l, "language") || b->nall >= LP_MAX_LANGUAGES)
            continue;
        bl = &b->all[b->nall++];
        bl->tag = lpi_attr(l, "tag");
        bl->name = lpi_attr(l, "name");
        bl->fallback = lpi_attr(l, "fallback");
        if (lpi_lang_canon(bl->tag, strlen(bl->tag), bl->canon,
                           sizeof(bl->canon)) < 0)
            return lpi_error(b->p->ctx, LP_EINTERNAL, "unchecked language");
        bl->rtl = lpi_lang_rtl(bl->canon);
        /* a profile's package has its languages only */
        if (!lpi_profile_has_lang(b->p, bl->canon))
            continue;
        b->langs[b->nlangs] = *bl;
        b->bycanon[b->nlangs] = b->nlangs;
        b->nlangs++;
    }
    /* a tiny insertion sort: qsort has no context argument */
    for (size_t i = 1; i < b->nlangs; i++)
        for (size_t k = i; k > 0 && cmp_canon(&b->bycanon[k - 1],
                                              &b->bycanon[k], b->langs) > 0;
             k--) {
            size_t t = b->bycanon[k];
            b->bycanon[k] = b->bycanon[k - 1];
            b->bycanon[k - 1] = t;
        }
    b->def = lang_of(b, def, strlen(def));
    if (!b->def || b->nlangs == 0)
        return lpi_error(b->p->ctx, LP_EINTERNAL, "unchecked language");
    /* the package's default: the curriculum's, else the profile's first */
    b->odef = &b->langs[0];
    for (size_t i = 0; i < b->nlangs; i++)
        if (strcmp(b->langs[i].canon, b->def->canon) == 0)
            b->odef = &b->langs[i];
    b->langs_ready = true;
    return 0;
}

/* The lesson's entry in the catalog's "lessons" */
static void j_entry(builder *b, jw *j, const blesson *ls, xmlNodePtr root)
{
    xmlNodePtr acts = lpi_child(root, "activities");
    xmlNodePtr asg = lpi_child(root, "assignments");
    uint64_t n = 0, v = 0;
    char path[256], fp[LPI_FP_CAP];

    j_open(j, '{');
    j_key(j, "title");
    j_texts(j, b, lpi_child(root, "title"));
    (void)parse_u64(lpi_attr(root, "duration"), &v);
    j_key(j, "duration");
    j_uint(j, v);
    j_key(j, "requires");
    j_words(j, lpi_attr(root, "requires"));
    j_key(j, "objectives");
    j_objectives(b, j, lpi_child(root, "objectives"), NULL);
    j_key(j, "documents");
    j_open(j, '{');
    for (size_t k = 0; k < b->nlangs; k++) {
        const blang *l = &b->langs[b->bycanon[k]];
        lesson_path(path, sizeof(path), ls, l);
        j_key(j, l->canon);
        j_str(j, path);
    }
    j_close(j, '}');
    for (xmlNodePtr q = acts ? acts->children : NULL; q; q = q->next)
        n += q->type == XML_ELEMENT_NODE;
    j_key(j, "activities");
    j_uint(j, n);
    n = 0;
    for (xmlNodePtr a = asg ? asg->children : NULL; a; a = a->next)
        n += lpi_is(a, "assignment");
    j_key(j, "assignments");
    j_uint(j, n);
    /* for the next release (lp-curriculum(5), STABLE IDS) */
    if (lpi_attr(root, "renamed-from")) {
        j_key(j, "renamed_from");
        j_words(j, lpi_attr(root, "renamed-from"));
    }
    j_key(j, "source");
    j_sep(j);
    j_esc_n(j, ls->f->rel, lpi_source_stem(ls->f->rel));
    lpi_fingerprint(b->p, root, b->def ? b->def->canon : NULL, fp);
    j_key(j, "fingerprint");
    j_str(j, fp);
    j_close(j, '}');
}

/* The lesson's assignments as assignments.json lists them */
static void j_assignments(builder *b, jw *j, const blesson *ls,
                          xmlNodePtr root)
{
    xmlNodePtr asg = lpi_child(root, "assignments");

    j_open(j, '[');
    for (xmlNodePtr a = asg ? asg->children : NULL; a; a = a->next) {
        uint64_t v = 0;

        if (!lpi_is(a, "assignment"))
            continue;
        (void)lpi_parse_size(lpi_attr(a, "max-size"), &v);
        j_open(j, '{');
        j_key(j, "lesson");
        j_str(j, ls->id);
        j_key(j, "id");
        j_str(j, lpi_attr(a, "id"));
        j_key(j, "kind");
        j_str(j, lpi_attr(a, "kind"));
        j_key(j, "max_size");
        j_uint(j, v);
        j_key(j, "task");
        j_texts(j, b, lpi_child(a, "task"));
        j_close(j, '}');
    }
    j_close(j, ']');
}

/* The media the blocks of el use, and those of its notes' blocks */
static void blocks_media(builder *b, lpi_srcfile *f, xmlNodePtr el,
                         unsigned depth)
{
    for (xmlNodePtr c = el->children; c && depth < LPI_MAX_SOURCE_DEPTH + 2;
         c = c->next)
        if (media_block(c)) {
            /* what the profile leaves out is not packed */
            if (!lpi_profile_drops(b->p, f, c)) {
                use_media(b, f, c, "src");
                use_media(b, f, c, "captions");
            }
        } else if (lpi_is(c, "note") || lpi_is(c, "figure")) {
            blocks_media(b, f, c, depth + 1);
        }
}

/* Everything the package needs of lesson ls (tree root), while the tree
 * is there: its documents, catalog entry, assignments, title per
 * language, media, and the sizes the package cannot hold */
static int compile_lesson(builder *b, blesson *ls, xmlNodePtr root)
{
    lp_ctx *ctx = b->p->ctx;
    xmlNodePtr content = lpi_child(root, "content");
    xmlNodePtr asg = lpi_child(root, "assignments");
    lpi_buf entry = { NULL, 0, 0, 0 };
    jw j;
    int rc = 0;

    ls->id = lpi_strdup(ctx, lpi_attr(root, "id"));
    ls->docs = lpi_calloc(ctx, b->nlangs + 1, sizeof(*ls->docs));
    ls->titles = lpi_calloc(ctx, b->nlangs + 1, sizeof(*ls->titles));
    if (!ls->id || !ls->docs || !ls->titles)
        return LP_ENOMEM;
    /* every media file, before anything is written: the package's time
     * may depend on them */
    for (xmlNodePtr body = content ? content->children : NULL; body;
         body = body->next)
        if (lpi_is(body, "body"))
            blocks_media(b, ls->f, body, 0);
    if (b->rc < 0)
        return b->rc;
    for (xmlNodePtr a = asg ? asg->children : NULL; a; a = a->next) {
        uint64_t v;
        bsize *sz;

        if (!lpi_is(a, "assignment") ||
            lpi_parse_size(lpi_attr(a, "max-size"), &v))
            continue;
        sz = lpi_realloc(ctx, ls->sizes, (ls->nsizes + 1) * sizeof(*sz));
        if (!sz)
            return LP_ENOMEM;
        ls->sizes = sz;
        sz = &ls->sizes[ls->nsizes];
        sz->value = lpi_strdup(ctx, lpi_attr(a, "max-size"));
        if (!sz->value)
            return LP_ENOMEM;
        sz->pos = lpi_src_pos(ls->f, xmlHasProp(a, (const xmlChar *)
                                                "max-size"));
        ls->nsizes++;
    }
    for (size_t k = 0; k < b->nlangs && rc == 0; k++)
        rc = lesson_doc(b, ls, root, &b->langs[k], &ls->docs[k]);
    for (size_t k = 0; k < b->nlangs && rc == 0; k++) {
        ls->titles[k] = lpi_strdup(ctx, text_for(b, lpi_child(root, "title"),
                                                 &b->langs[b->bycanon[k]]));
        if (!ls->titles[k])
            rc = LP_ENOMEM;
    }
    if (rc < 0)
        return rc;
    j_start(b, &j);
    j_entry(b, &j, ls, root);
    j_put(&j, "", 1); /* NUL-terminated */
    rc = take_json(b, &j, &entry);
    if (rc < 0)
        return rc;
    ls->entry = entry.data;
    j_start(b, &j);
    j_assignments(b, &j, ls, root);
    return take_json(b, &j, &ls->asg);
}

/* A lesson from the build cache: what compile_lesson() made of it the
 * last time (moved out of lc) */
static int from_cache(builder *b, blesson *ls, lpi_lcache *lc)
{
    lp_ctx *ctx = b->p->ctx;

    if (!lc->has_compiled || lc->ndocs != b->nlangs)
        return lpi_error(ctx, LP_EINTERNAL, "'%s': the build cache has no "
                         "compiled lesson", ls->f->shown);
    ls->id = lc->id;
    ls->entry = lc->entry;
    ls->asg = lc->asg;
    ls->docs = lc->docs;
    ls->titles = lc->titles;
    lc->id = lc->entry = NULL;
    lpi_buf_init(&lc->asg, JSON_MAX);
    lc->docs = NULL;
    lc->titles = NULL;
    lc->ndocs = 0;
    ls->sizes = lpi_calloc(ctx, lc->nsizes + 1, sizeof(*ls->sizes));
    if (!ls->sizes)
        return LP_ENOMEM;
    for (size_t i = 0; i < lc->nsizes; i++) {
        ls->sizes[i].pos = lc->sizes[i].pos;
        ls->sizes[i].value = lc->sizes[i].value;
        lc->sizes[i].value = NULL;
        ls->nsizes++;
    }
    for (size_t i = 0; i < lc->nmedia; i++) {
        int rc = lpi_grow(ctx, (void **)&b->media, &b->capmedia,
                          b->nmedia + 1, sizeof(*b->media));
        if (rc < 0)
            return rc;
        b->media[b->nmedia].rel = lc->media[i].rel;
        b->media[b->nmedia].f = ls->f;
        b->media[b->nmedia].pos = lc->media[i].pos;
        b->media[b->nmedia].order = b->nmedia;
        lc->media[i].rel = NULL;
        b->nmedia++;
    }
    return 0;
}

/* Keep what compile_lesson() made of ls in lc, for the build cache: its
 * fields are lent, stored at once, and taken back */
static int to_cache(builder *b, blesson *ls, lpi_lcache *lc, size_t m0)
{
    lpi_lcsize *sizes;
    lpi_lcmedia *media;

    sizes = lpi_calloc(b->p->ctx, ls->nsizes + 1, sizeof(*sizes));
    media = lpi_calloc(b->p->ctx, b->nmedia - m0 + 1, sizeof(*media));
    if (!sizes || !media) {
        lpi_free(b->p->ctx, sizes);
        lpi_free(b->p->ctx, media);
        return LP_ENOMEM;
    }
    for (size_t i = 0; i < ls->nsizes; i++) {
        sizes[i].pos = ls->sizes[i].pos;
        sizes[i].value = ls->sizes[i].value;
    }
    for (size_t i = m0; i < b->nmedia; i++) {
        media[i - m0].pos = b->media[i].pos;
        media[i - m0].rel = b->media[i].rel;
    }
    lc->id = ls->id;
    lc->entry = ls->entry;
    lc->asg = ls->asg;
    lc->docs = ls->docs;
    lc->titles = ls->titles;
    lc->ndocs = b->nlangs;
    lc->sizes = sizes;
    lc->nsizes = ls->nsizes;
    lc->media = media;
    lc->nmedia = b->nmedia - m0;
    lc->has_compiled = true;
    lpi_lcache_store(b->p, ls->f);
    /* lent only: nothing of it is lc's */
    lc->id = lc->entry = NULL;
    lpi_buf_init(&lc->asg, JSON_MAX);
    lc->docs = NULL;
    lc->titles = NULL;
    lc->ndocs = lc->nsizes = lc->nmedia = 0;
    lc->sizes = NULL;
    lc->media = NULL;
    lc->has_compiled = false;
    lc->store = false; /* stored */
    lpi_free(b->p->ctx, sizes);
    lpi_free(b->p->ctx, media);
    return 0;
}

/* lp_project::lesson_fn: called by the check for each lesson, in teaching
 * order, before its tree is freed */
static int on_lesson(lp_project *p, lpi_srcfile *f, void *user)
{
    builder *b = user;
    blesson *ls;
    int rc;

    /* an error already: the build stops after the check */
    if (b->skip || b->deferred < 0 || p->nerrors > 0) {
        b->skip = true;
        return 0;
    }
    if (!b->langs_ready && setup_langs(b) < 0) {
        b->skip = true;
        return 0;
    }
    rc = lpi_grow(p->ctx, (void **)&b->order, &b->caplessons,
                  b->nlessons + 1, sizeof(*b->order));
    if (rc < 0)
        return rc;
    ls = &b->order[b->nlessons++];
    memset(ls, 0, sizeof(*ls));
    ls->f = f;
    /* a failure is reported where writing the lesson would have failed,
     * after every diagnostic */
    if (f->lc && f->lc->hit) {
        rc = from_cache(b, ls, f->lc);
    } else {
        size_t m0 = b->nmedia;

        rc = compile_lesson(b, ls, xmlDocGetRootElement(f->doc));
        if (rc == 0 && f->lc && f->lc->store)
            rc = to_cache(b, ls, f->lc, m0);
    }
    if (rc == LP_ETOOBIG)
        lpi_error(p->ctx, rc, "'%s': a document of this lesson would be "
                  "larger than %u bytes, the most lpc writes for one "
                  "lesson: split the lesson", f->shown, JSON_MAX);
    if (rc < 0) {
        b->deferred = rc;
        b->deferred_msg = lpi_strdup(p->ctx, lp_ctx_errmsg(p->ctx));
    }
    return 0;
}

static void lesson_dispose(builder *b, blesson *ls)
{
    lp_ctx *ctx = b->p->ctx;

    for (size_t k = 0; ls->docs && k < b->nlangs; k++)
        lpi_buf_dispose(&ls->docs[k], ctx);
    for (size_t k = 0; ls->titles && k < b->nlangs; k++)
        lpi_free(ctx, ls->titles[k]);
    for (size_t k = 0; k < ls->nsizes; k++)
        lpi_free(ctx, ls->sizes[k].value);
    lpi_free(ctx, ls->docs);
    lpi_free(ctx, ls->titles);
    lpi_free(ctx, ls->sizes);
    lpi_free(ctx, ls->entry);
    lpi_buf_dispose(&ls->asg, ctx);
    lpi_free(ctx, ls->id);
}

/* Subjects, grades and units: each level a list of {id, title, and the
 * next level}; a unit's lessons are their ids, in teaching order */
static const struct level {
    const char *name, *list;
} levels[] = {
    { "subject", "grades" },
    { "grade", "units" },
    { "unit", "lessons" },
};

static void j_level(builder *b, jw *j, xmlNodePtr list, size_t depth)
{
    const struct level *lv = &levels[depth];

    j_open(j, '[');
    for (xmlNodePtr n = lpi_child(list, lv->name); n; n = n->next) {
        if (!lpi_is(n, lv->name))
            continue;
        j_open(j, '{');
        j_key(j, "id");
        j_str(j, lpi_attr(n, "id"));
        j_key(j, "title");
        j_texts(j, b, lpi_child(n, "title"));
        j_key(j, lv->list);
        if (depth + 1 < sizeof(levels) / sizeof(*levels)) {
            j_level(b, j, lpi_child(n, lv->list), depth + 1);
            j_close(j, '}');
            continue;
        }
        /* the order the check gave the lessons in */
        j_open(j, '[');
        for (xmlNodePtr l = lpi_child(lpi_child(n, lv->list), "lesson"); l;
             l = l->next)
            if (lpi_is(l, "lesson") && b->next < b->nlessons)
                j_str(j, b->order[b->next++].id);
        j_close(j, ']');
        j_close(j, '}');
    }
    j_close(j, ']');
}

/* Licence of a media file: its asset's, or the curriculum's */
static xmlNodePtr asset_of(builder *b, const char *rel)
{
    xmlNodePtr media = lpi_child(xmlDocGetRootElement(b->cur->doc), "media");

    for (xmlNodePtr a = media ? media->children : NULL; a; a = a->next) {
        const char *why;
        char *r;
        bool same;

        if (!lpi_is(a, "asset"))
            continue;
        r = lpi_src_resolve(b->p, b->cur, lpi_attr(a, "src"), &why);
        if (!r) {
            if (!why)
                b->rc = LP_ENOMEM;
            continue;
        }
        same = strcmp(r, rel) == 0;
        lpi_free(b->p->ctx, r);
        if (same)
            return a;
    }
    return NULL;
}

/* Per language, the lesson ids sorted by title in its collation */
static void j_index(builder *b, jw *j)
{
    const char **titles;
    size_t *order;

    j_open(j, '{');
    titles = lpi_malloc(b->p->ctx, (b->nlessons + 1) * sizeof(*titles));
    order = lpi_malloc(b->p->ctx, (b->nlessons + 1) * sizeof(*order));
    if (!titles || !order) {
        if (j->rc >= 0)
            j->rc = lpi_nomem(b->p->ctx);
        goto done;
    }
    for (size_t i = 0; i < b->nlangs && j->rc >= 0; i++) {
        const blang *l = &b->langs[b->bycanon[i]];
        int rc;

        /* by id first: titles the collator finds equal stay in id order */
        for (size_t k = 0; k < b->nlessons; k++)
            titles[k] = b->byid[k]->titles[i];
        rc = lpi_collate_order(b->p->ctx, l->canon, titles, b->nlessons,
                               order);
        if (rc < 0) {
            j->rc = rc;
            break;
        }
        j_key(j, l->canon);
        j_open(j, '[');
        for (size_t k = 0; k < b->nlessons; k++)
            j_str(j, b->byid[order[k]]->id);
        j_close(j, ']');
    }
done:
    j_close(j, '}');
    lpi_free(b->p->ctx, titles);
    lpi_free(b->p->ctx, order);
}

static int write_catalog(builder *b, xmlNodePtr root)
{
    xmlNodePtr lic = lpi_child(root, "license");
    uint64_t v = 0;
    jw j;

    j_init(&j, b->p->ctx, JSON_ALL_MAX);
    j_open(&j, '{');
    j_key(&j, "format");
    j_str(&j, "lp-catalog 1");
    j_key(&j, "id");
    j_str(&j, lpi_attr(root, "id"));
    (void)parse_u64(lpi_attr(root, "version"), &v);
    j_key(&j, "version");
    j_uint(&j, v);
    j_key(&j, "label");
    j_str(&j, lpi_attr(root, "label") ? lpi_attr(root, "label") : "");
    j_key(&j, "country");
    j_str(&j, lpi_attr(root, "country"));
    j_key(&j, "default_language");
    j_str(&j, b->odef ? b->odef->canon : "");
    j_key(&j, "languages");
    j_open(&j, '[');
    for (size_t i = 0; i < b->nlangs; i++) {
        const blang *l = &b->langs[i];

        j_open(&j, '{');
        j_key(&j, "tag");
        j_str(&j, l->canon);
        j_key(&j, "name");
        j_str(&j, l->name ? l->name : "");
        j_key(&j, "direction");
        j_str(&j, l->rtl ? "rtl" : "ltr");
        j_key(&j, "fallback");
        j_open(&j, '[');
        for (const char *s = l->fallback; s && *s;) {
            size_t n = strcspn(s, " \t\n");
            const blang *fb = n ? lang_of(b, s, n) : NULL;
            if (fb && lpi_profile_has_lang(b->p, fb->canon))
                j_str(&j, fb->canon);
            s += n;
            s += strspn(s, " \t\n");
        }
        j_close(&j, ']');
        j_close(&j, '}');
    }
    j_close(&j, ']');
    j_key(&j, "title");
    j_texts(&j, b, lpi_child(root, "title"));
    if (lpi_child(root, "description")) {
        j_key(&j, "description");
        j_texts(&j, b, lpi_child(root, "description"));
    }
    j_key(&j, "license");
    j_open(&j, '{');
    j_key(&j, "spdx");
    j_str(&j, lpi_attr(lic, "spdx"));
    j_key(&j, "attribution");
    j_str(&j, lpi_attr(lic, "attribution"));
    j_close(&j, '}');
    j_key(&j, "subjects");
    j_level(b, &j, lpi_child(root, "subjects"), 0);
    j_key(&j, "lessons");
    j_open(&j, '{');
    for (size_t i = 0; i < b->nlessons; i++) {
        const blesson *ls = b->byid[i];

        j_key(&j, ls->id);
        j_raw(&j, ls->entry, strlen(ls->entry));
    }
    j_close(&j, '}');
    j_key(&j, "index");
    j_index(b, &j);
    j_key(&j, "media");
    j_open(&j, '[');
    for (size_t i = 0; i < b->nmedia; i++) {
        const char *rel = b->media[i].rel;
        xmlNodePtr a = asset_of(b, rel);

        j_open(&j, '{');
        j_key(&j, "path");
        j_str(&j, rel);
        j_key(&j, "media_type");
        j_str(&j, lp_media_type_guess(rel));
        j_key(&j, "spdx");
        j_str(&j, lpi_attr(a ? a : lic, "spdx"));
        j_key(&j, "attribution");
        j_str(&j, lpi_attr(a ? a : lic, "attribution"));
        j_close(&j, '}');
    }
    j_close(&j, ']');
    j_close(&j, '}');
    j_put(&j, "\n", 1);
    return add_json(b, &j, DIR_PREFIX "catalog.json");
}

/* Every assignment of the curriculum, for the hub, in teaching order */
static int write_assignments(builder *b)
{
    jw j;

    j_init(&j, b->p->ctx, JSON_ALL_MAX);
    j_open(&j, '{');
    j_key(&j, "format");
    j_str(&j, "lp-assignments 1");
    j_key(&j, "assignments");
    j_open(&j, '[');
    for (size_t i = 0; i < b->nlessons; i++) {
        const lpi_buf *a = &b->order[i].asg;

        /* "[...]": the objects in it */
        if (a->len > 2)
            j_raw(&j, a->data + 1, a->len - 2);
    }
    j_close(&j, ']');
    j_close(&j, '}');
    j_put(&j, "\n", 1);
    return add_json(b, &j, DIR_PREFIX "assignments.json");
}

/* -------------------------------------------------------- checks */

/* What the check cannot know: numbers past what the package can hold,
 * media paths the package cannot carry or that clash with ours */
static void check_build(builder *b, xmlNodePtr root)
{
    uint64_t v;

    if (!parse_u64(lpi_attr(root, "version"), &v) || v == 0)
        lpi_diag(b->p, LP_SEVERITY_ERROR, "limit", b->cur,
                 xmlHasProp(root, (const xmlChar *)"version"), nopos,
                 "version must be at most %llu",
                 (unsigned long long)UINT64_MAX);
    for (size_t i = 0; i < b->nlessons; i++) {
        const blesson *ls = b->byid[i];

        for (size_t k = 0; k < ls->nsizes; k++)
            lpi_diag(b->p, LP_SEVERITY_ERROR, "limit", ls->f, NULL,
                     ls->sizes[k].pos, "max-size '%s' is too large",
                     ls->sizes[k].value);
    }
    for (size_t i = 0; i < b->nmedia; i++) {
        const bmedia *m = &b->media[i];

        if (strncmp(m->rel, DIR_PREFIX, strlen(DIR_PREFIX)) == 0)
            lpi_diag(b->p, LP_SEVERITY_ERROR, "bad-path", m->f, NULL, m->pos,
                     "'%s': the folder '" DIR_PREFIX "' is reserved for "
                     "what lpc writes", m->rel);
        else if (lp_path_check(b->p->ctx, m->rel) < 0)
            lpi_diag(b->p, LP_SEVERITY_ERROR, "bad-path", m->f, NULL, m->pos,
                     "'%s' cannot be a package path: %s", m->rel,
                     lp_ctx_errmsg(b->p->ctx));
    }
}

/* Newest modification time of the sources and media: the package's time
 * when neither the caller nor SOURCE_DATE_EPOCH gives one */
static int64_t newest_mtime(const builder *b)
{
    int64_t t = 0;
    struct stat st;

    for (size_t i = 0; i < b->p->nfiles + b->nmedia; i++) {
        const char *rel = i < b->p->nfiles ? b->p->files[i]->rel :
                          b->media[i - b->p->nfiles].rel;
        int fd = lpi_open_regular(b->p->dirfd, rel, LPI_OPEN_BENEATH, &st,
                                  NULL);

        if (fd >= 0) {
            if (st.st_mtime > t)
                t = (int64_t)st.st_mtime;
            close(fd);
        }
    }
    return t;
}

/* "1.5 MiB" */
static void human(char *out, size_t cap, uint64_t n)
{
    static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
    double v = (double)n;
    size_t u = 0;

    if (n < 1024) {
        snprintf(out, cap, "%llu B", (unsigned long long)n);
        return;
    }
    v /= 1024;
    while (v >= 1024 && u + 1 < sizeof(units) / sizeof(*units)) {
        v /= 1024;
        u++;
    }
    snprintf(out, cap, "%.1f %s", v, units[u]);
}

static int cmp_bytes_desc(uint64_t a, uint64_t b)
{
    return a < b ? 1 : a > b ? -1 : 0;
}

static int cmp_media_size(const void *x, const void *y)
{
    const bmedia *const *a = x, *const *b = y;
    int c = cmp_bytes_desc((*a)->bytes, (*b)->bytes);

    return c ? c : strcmp((*a)->rel, (*b)->rel);
}

static int cmp_lesson_size(const void *x, const void *y)
{
    const blesson *const *a = x, *const *b = y;
    int c = cmp_bytes_desc((*a)->bytes, (*b)->bytes);

    return c ? c : strcmp((*a)->id, (*b)->id);
}

/* The package came out larger than the profile's budget: an error at the
 * budget, and notes naming the biggest media files and the lessons that
 * weigh most with the media they bring in (sizes before compression) */
static int over_budget(builder *b)
{
    enum { TOP = 5 };
    lp_project *p = b->p;
    xmlAttrPtr at = xmlHasProp(b->p->prof, (const xmlChar *)"budget");
    const bmedia **media;
    const blesson **lessons;
    uint64_t size = 0, budget = 0;
    char s1[32], s2[32];

    if (!lpi_writer_over_budget(b->w, &size))
        return LP_ETOOBIG;
    (void)lpi_parse_size(lpi_attr(p->prof, "budget"), &budget);
    media = lpi_calloc(p->ctx, b->nmedia + 1, sizeof(*media));
    lessons = lpi_calloc(p->ctx, b->nlessons + 1, sizeof(*lessons));
    if (!media || !lessons) {
        lpi_free(p->ctx, media);
        lpi_free(p->ctx, lessons);
        return LP_ENOMEM;
    }
    for (size_t i = 0; i < b->nmedia; i++) {
        struct stat st;
        bmedia *m = &b->media[i];

        m->bytes = fstatat(p->dirfd, m->rel, &st, AT_SYMLINK_NOFOLLOW) == 0
                   ? (uint64_t)st.st_size : 0;
        media[i] = m;
        /* counted with the lesson that uses it first */
        for (size_t k = 0; k < b->nlessons; k++)
            if (b->order[k].f == m->f) {
                b->order[k].bytes += m->bytes;
                break;
            }
    }
    for (size_t i = 0; i < b->nlessons; i++)
        lessons[i] = &b->order[i];
    lpi_sort(media, b->nmedia, sizeof(*media), cmp_media_size);
    lpi_sort(lessons, b->nlessons, sizeof(*lessons), cmp_lesson_size);
    human(s1, sizeof(s1), size);
    human(s2, sizeof(s2), budget);
    lpi_diag(p, LP_SEVERITY_ERROR, "budget", b->cur, at, (lpi_pos){ 0, 0 },
             "profile '%s': the package would be %s (%llu bytes), over its "
             "budget of %s: leave more out (exclude-media, max-media-size, "
             "languages) or raise the budget; the biggest contributors "
             "follow", lpi_attr(p->prof, "name"), s1,
             (unsigned long long)size, s2);
    for (size_t i = 0; i < b->nmedia && i < TOP; i++) {
        human(s1, sizeof(s1), media[i]->bytes);
        lpi_diag(p, LP_SEVERITY_NOTE, "budget", media[i]->f, NULL,
                 media[i]->pos, "media file '%s': %s", media[i]->rel, s1);
    }
    for (size_t i = 0; i < b->nlessons && i < TOP; i++) {
        human(s1, sizeof(s1), lessons[i]->bytes);
        lpi_diag(p, LP_SEVERITY_NOTE, "budget", lessons[i]->f, NULL,
                 (lpi_pos){ 0, 0 }, "lesson '%s': %s with the media it "
                 "brings in", lessons[i]->id, s1);
    }
    lpi_free(p->ctx, media);
    lpi_free(p->ctx, lessons);
    return lpi_error(p->ctx, LP_ESOURCE, "'%s' is over the budget of "
                     "profile '%s'", p->dir, lpi_attr(p->prof, "name"));
}

/* Where the writer of a build into a descriptor puts its spool files
 * (made and unlinked at once): $TMPDIR, else /tmp */
static int spool_base(lp_ctx *ctx, char *buf, size_t cap)
{
    const char *t = getenv("TMPDIR");

    if (!t || t[0] != '/')
        t = "/tmp";
    if ((size_t)snprintf(buf, cap, "%s/lp-build", t) >= cap)
        return lpi_error(ctx, LP_EIO, "TMPDIR is too long");
    return 0;
}

static int compile(builder *b, const char *out, int out_fd,
                   const lp_build_opts *opts)
{
    char spool[4096];
    xmlNodePtr root = xmlDocGetRootElement(b->cur->doc);
    lp_writer_opts wo = LP_WRITER_OPTS_INIT;
    char tags[LP_MAX_LANGUAGES * (LPI_LANG_CAP + 1)];
    size_t tlen = 0;
    uint64_t version = 0;
    const char *sde;
    int rc;

    if (!b->langs_ready) {
        rc = setup_langs(b);
        if (rc < 0)
            return rc;
    }
    /* identity languages: the default first */
    tlen = (size_t)snprintf(tags, sizeof(tags), "%s", b->odef->canon);
    for (size_t i = 0; i < b->nlangs; i++)
        if (&b->langs[i] != b->odef)
            tlen += (size_t)snprintf(tags + tlen, sizeof(tags) - tlen, " %s",
                                     b->langs[i].canon);
    if (b->rc < 0)
        return b->rc;
    b->byid = lpi_malloc(b->p->ctx, (b->nlessons + 1) * sizeof(*b->byid));
    if (!b->byid)
        return LP_ENOMEM;
    for (size_t i = 0; i < b->nlessons; i++)
        b->byid[i] = &b->order[i];
    lpi_sort(b->byid, b->nlessons, sizeof(*b->byid), cmp_lesson);
    freeze_media(b);
    check_build(b, root);
    if (b->p->nerrors > 0)
        return lpi_error(b->p->ctx, LP_ESOURCE, "%zu error%s in the sources "
                         "of '%s'", b->p->nerrors,
                         b->p->nerrors == 1 ? "" : "s", b->p->dir);
    if (opts && opts->version >= 2 && opts->werror && b->p->nwarnings > 0)
        return lpi_error(b->p->ctx, LP_ESOURCE, "%zu warning%s in the "
                         "sources of '%s', and warnings are errors",
                         b->p->nwarnings, b->p->nwarnings == 1 ? "" : "s",
                         b->p->dir);
    (void)parse_u64(lpi_attr(root, "version"), &version);

    rc = lpi_progress_end(&b->prog, b->p->ctx);
    if (rc < 0)
        return rc;
    if (opts) {
        wo.level = opts->level;
        wo.threads = opts->threads;
        wo.created = opts->created;
        if (opts->version >= 3) {
            wo.progress = opts->progress;
            wo.progress_user = opts->progress_user;
        }
        if (opts->version >= 4)
            wo.jpeg = opts->jpeg;
    }
    /* the writer's default time would miss the sources' own times */
    sde = getenv("SOURCE_DATE_EPOCH");
    if (wo.created == -1 && (!sde || !*sde))
        wo.created = newest_mtime(b);
    if (out_fd >= 0) {
        rc = spool_base(b->p->ctx, spool, sizeof(spool));
        if (rc < 0)
            return rc;
        out = spool;
    }
    rc = lp_writer_new(&b->w, b->p->ctx, out, &wo);
    if (rc < 0)
        return rc;
    if (out_fd >= 0)
        lpi_writer_set_out_fd(b->w, out_fd);
    lpi_writer_set_cache(b->w, b->p->cache);
    rc = lp_writer_set_identity(b->w, lpi_attr(root, "id"), version,
                                lpi_attr(root, "label") ?
                                lpi_attr(root, "label") : "", tags);
    if (rc >= 0 && b->p->prof) {
        uint64_t budget = 0;

        rc = lp_writer_set_profile(b->w, lpi_attr(b->p->prof, "name"));
        if (rc >= 0 && lpi_parse_size(lpi_attr(b->p->prof, "budget"),
                                      &budget))
            rc = lp_writer_set_budget(b->w, budget);
    }
    if (rc >= 0 && b->deferred < 0)
        rc = lpi_error(b->p->ctx, b->deferred, "%s", b->deferred_msg ?
                       b->deferred_msg : lp_strerror(b->deferred));
    for (size_t i = 0; i < b->nlessons && rc >= 0; i++) {
        blesson *ls = &b->order[i];

        for (size_t k = 0; k < b->nlangs && rc >= 0; k++) {
            char path[256];

            lesson_path(path, sizeof(path), ls, &b->langs[k]);
            rc = lp_writer_add_buffer(b->w, path, ls->docs[k].data,
                                      ls->docs[k].len, "application/json");
            ls->bytes += ls->docs[k].len;
            /* the writer has its copy */
            lpi_buf_dispose(&ls->docs[k], b->p->ctx);
        }
    }
    if (rc >= 0)
        rc = write_catalog(b, root);
    if (rc >= 0)
        rc = write_assignments(b);
    for (size_t i = 0; i < b->nmedia && rc >= 0; i++) {
        char path[4096];

        if ((size_t)snprintf(path, sizeof(path), "%s/%s", b->p->dir,
                             b->media[i].rel) >= sizeof(path))
            return lpi_error(b->p->ctx, LP_EIO, "'%s': path too long",
                             b->media[i].rel);
        /* read below the project's folder through no link, as checked */
        rc = lpi_writer_add_at(b->w, b->media[i].rel, b->p->dirfd,
                               b->media[i].rel, path);
    }
    if (rc < 0)
        return rc;
    if (b->rc < 0)
        return b->rc;
    rc = lp_writer_commit(b->w);
    if (rc == LP_ETOOBIG && b->p->prof)
        rc = over_budget(b);
    return rc;
}

/* The lessons a curriculum lists (valid or not), for progress */
static uint64_t count_lessons(xmlNodePtr n)
{
    uint64_t count = 0;

    for (; n; n = n->next)
        if (lpi_is(n, "lesson"))
            count++;
        else if (n->type == XML_ELEMENT_NODE)
            count += count_lessons(n->children);
    return count;
}

/* lp_project::lesson_fn after the first lesson: it, and progress */
static int on_next_lesson(lp_project *p, lpi_srcfile *f, void *user)
{
    builder *b = user;
    int rc = on_lesson(p, f, user);

    if (rc == 0)
        rc = lpi_progress_add(&b->prog, p->ctx, 1, 0);
    return rc;
}

/* lp_project::lesson_fn until the builder has the curriculum file */
static int on_first_lesson(lp_project *p, lpi_srcfile *f, void *user)
{
    builder *b = user;
    int rc;

    b->cur = p->files[0];
    p->lesson_fn = on_next_lesson;
    rc = lpi_progress_begin(&b->prog, p->ctx, LP_STAGE_COMPILING,
                            count_lessons(xmlDocGetRootElement(b->cur->doc)),
                            0);
    return rc < 0 ? rc : on_next_lesson(p, f, user);
}

static int build(lp_project *p, const char *out, int out_fd,
                 const lp_build_opts *opts, lp_diag_fn fn, void *user)
{
    builder b;
    unsigned saved_threads;
    int rc;

    if (opts && (opts->version < 1 || opts->version > LP_BUILD_OPTS_VERSION))
        return lpi_error(p->ctx, LP_EINVAL, "unknown lp_build_opts version");
    memset(&b, 0, sizeof(b));
    b.p = p;
    lpi_progress_init(&b.prog, opts && opts->version >= 3 ? opts->progress
                      : NULL, opts && opts->version >= 3 ?
                      opts->progress_user : NULL);
    lpi_buf_init(&b.scratch, JSON_MAX);
    /* each lesson is compiled as soon as it is checked, and its tree
     * freed: memory does not grow with the curriculum's text */
    p->lesson_fn = on_first_lesson;
    p->lesson_user = &b;
    saved_threads = p->threads;
    if (opts && opts->threads)
        p->threads = opts->threads;
    rc = lp_project_check(p, fn, user);
    p->threads = saved_threads;
    p->lesson_fn = NULL;
    p->lesson_user = NULL;
    if (rc >= 0) {
        b.cur = p->files[0];
        p->fn = fn;
        p->user = user;
        rc = compile(&b, out, out_fd, opts);
        p->fn = NULL;
        p->user = NULL;
    }
    lp_writer_free(b.w);
    for (size_t i = 0; i < b.nlessons; i++)
        lesson_dispose(&b, &b.order[i]);
    for (size_t i = 0; i < b.nmedia; i++)
        lpi_free(p->ctx, b.media[i].rel);
    lpi_free(p->ctx, b.media);
    lpi_free(p->ctx, b.byid);
    lpi_free(p->ctx, b.order);
    lpi_buf_dispose(&b.scratch, p->ctx);
    lpi_free(p->ctx, b.deferred_msg);
    lpi_progress_dispose(&b.prog);
    return rc;
}

int lp_project_build(lp_project *p, const char *out,
                     const lp_build_opts *opts, lp_diag_fn fn, void *user)
{
    LP_ASSERT_ARG(p && out);
    return build(p, out, -1, opts, fn, user);
}

int lp_project_build_fd(lp_project *p, int fd, const lp_build_opts *opts,
                        lp_diag_fn fn, void *user)
{
    struct stat st;

    LP_ASSERT_ARG(p);
    if (fd < 0)
        return lpi_error(p->ctx, LP_EINVAL, "no descriptor to build into");
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return lpi_error(p->ctx, LP_EIO, "descriptor %d is not a regular "
                         "file", fd);
    return build(p, NULL, fd, opts, fn, user);
}
