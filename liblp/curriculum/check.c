/*
 * check.c - what the schema cannot say: unique ids, references that
 * resolve, answer keys, translations through fallback chains, media.
 * Runs on documents that passed the schema, so required attributes and
 * elements are known to be there.  Codes are listed in lp-curriculum(5).
 */
#include "lpi_source.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct lang {
    const char *tag;
    const char *fallback;   /* space-separated tags, or NULL */
    char canon[LPI_LANG_CAP]; /* canonical tag, "" if it has none */
    int script;             /* its script (UScriptCode), -1 if unknown */
} lang;

typedef struct named {
    const char *id;         /* in owned: documents are freed early */
    lpi_srcfile *f;
    lpi_pos pos;            /* of the attribute that names it */
    size_t order;
} named;

typedef struct checker {
    lp_project *p;
    lang langs[LP_MAX_LANGUAGES];
    size_t nlangs;
    const lang *deflang;    /* the default language, if declared */
    named *lessons;         /* lesson ids */
    size_t nlessons, caplessons;
    lpi_hist *hist;         /* lesson ids, for the previous release */
    size_t nhist, caphist;
    named *refs;            /* requires= and lesson: links ("ID" or
                             * "ID#BLOCK") */
    size_t nrefs, caprefs;
    named *blocks;          /* block ids, as "ID#BLOCK" */
    size_t nblocks, capblocks;
    char **media;           /* project-relative paths referenced, once */
    size_t nmedia, capmedia;
    struct mverdict *mv;    /* what each one is (open addressing) */
    size_t mv_mask, nmv;
    bool incomplete;        /* a lesson could not be checked */
    bool langs_broken;      /* a declared language tag is not one */
    named *suggested;       /* media named in a "did you mean" */
    size_t nsuggested, capsuggested;
    char **owned;           /* strings to free at the end */
    size_t nowned, capowned;
    lpi_strset loaded;      /* the files' paths */
    size_t files_seen;
    bool in_lesson;         /* texts count for the lesson's coverage */
    unsigned char lesson_cov[LP_MAX_LANGUAGES]; /* worst so far, per lang */
    int rc;
} checker;

/* Add the paths of files loaded since the last call to the set: finding
 * a repeated lesson file must not be quadratic */
static int track_loaded(checker *c)
{
    lp_project *p = c->p;

    for (; c->files_seen < p->nfiles; c->files_seen++) {
        int rc = lpi_strset_add(p->ctx, &c->loaded,
                                p->files[c->files_seen]->rel, NULL);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static const lpi_pos nopos = { 0, 0 };

#define ERR(c, code, f, node, ...) \
    lpi_diag((c)->p, LP_SEVERITY_ERROR, code, f, node, nopos, __VA_ARGS__)
/* A use of a language that is not declared.  Once a declared tag is
 * broken, every text in that language would say so again: one mistake,
 * one error (the note after bad-language says what is held back). */
#define ERR_LANG(c, f, node, ...) \
    do { \
        if (!(c)->langs_broken) \
            ERR(c, "unknown-language", f, node, __VA_ARGS__); \
    } while (0)

/* ------------------------------------------------------------ ids */

/* Ids unique among the children named name of parent (small scopes) */
static void unique_children(checker *c, lpi_srcfile *f, xmlNodePtr parent,
                            const char *what)
{
    for (xmlNodePtr a = parent ? parent->children : NULL; a; a = a->next) {
        const char *id = a->type == XML_ELEMENT_NODE ? lpi_attr(a, "id")
                                                     : NULL;
        if (!id)
            continue;
        for (xmlNodePtr b = parent->children; b != a; b = b->next) {
            const char *id2 = b->type == XML_ELEMENT_NODE ?
                              lpi_attr(b, "id") : NULL;
            if (id2 && strcmp(id, id2) == 0) {
                ERR(c, "dup-id", f, xmlHasProp(a, (const xmlChar *)"id"),
                    "%s id '%s' is used twice", what, id);
                lpi_diag(c->p, LP_SEVERITY_NOTE, "dup-id", f,
                         xmlHasProp(b, (const xmlChar *)"id"), nopos,
                         "first used here");
                break;
            }
        }
    }
}

static int cmp_named(const void *x, const void *y)
{
    const named *a = x, *b = y;
    int r = strcmp(a->id, b->id);

    if (r != 0)
        return r;
    return a->order < b->order ? -1 : a->order > b->order;
}

static int find_named(const void *key, const void *elem)
{
    return strcmp(key, ((const named *)elem)->id);
}

/* Add the id (len bytes; a copy is kept) named at pos of f */
static void add_named_at(checker *c, named **arr, size_t *n, size_t *cap,
                         const char *id, size_t len, lpi_srcfile *f,
                         lpi_pos pos)
{
    char *dup;

    if (c->rc < 0)
        return;
    c->rc = lpi_grow(c->p->ctx, (void **)&c->owned, &c->capowned,
                     c->nowned + 1, sizeof(*c->owned));
    if (c->rc < 0)
        return;
    dup = lpi_malloc(c->p->ctx, len + 1);
    if (!dup) {
        c->rc = LP_ENOMEM;
        return;
    }
    memcpy(dup, id, len);
    dup[len] = '\0';
    c->owned[c->nowned++] = dup;
    c->rc = lpi_grow(c->p->ctx, (void **)arr, cap, *n + 1, sizeof(**arr));
    if (c->rc < 0)
        return;
    (*arr)[*n].id = dup;
    (*arr)[*n].f = f;
    (*arr)[*n].pos = pos;
    (*arr)[*n].order = *n;
    (*n)++;
    if (arr == &c->lessons) {
        c->rc = lpi_grow(c->p->ctx, (void **)&c->hist, &c->caphist,
                         c->nhist + 1, sizeof(*c->hist));
        if (c->rc < 0)
            return;
        memset(&c->hist[c->nhist], 0, sizeof(*c->hist));
        c->hist[c->nhist].id = dup;
        c->hist[c->nhist].f = f;
        c->hist[c->nhist].pos = pos;
        c->nhist++;
    }
    /* lesson and block ids and references outlive the lesson: for the
     * cache (list 0: lessons, 1: references, 2: blocks) */
    if (arr == &c->lessons || arr == &c->refs || arr == &c->blocks)
        lpi_lcache_note(c->p, LPI_EV_NAMED, arr == &c->lessons ? 0 :
                        arr == &c->refs ? 1 : 2, pos, dup);
}

/* The last lesson's fingerprint (list 4 of the cache's NAMED events) or
 * renamed-from list (list 3), at pos */
static void add_history(checker *c, unsigned list, const char *text,
                        lpi_pos pos)
{
    lpi_hist *h;

    if (c->rc < 0 || c->nhist == 0)
        return;
    h = &c->hist[c->nhist - 1];
    if (list == 4) {
        snprintf(h->fp, sizeof(h->fp), "%s", text);
    } else {
        char *dup;

        c->rc = lpi_grow(c->p->ctx, (void **)&c->owned, &c->capowned,
                         c->nowned + 1, sizeof(*c->owned));
        if (c->rc < 0)
            return;
        dup = lpi_strdup(c->p->ctx, text);
        if (!dup) {
            c->rc = LP_ENOMEM;
            return;
        }
        c->owned[c->nowned++] = dup;
        h->renamed = dup;
        h->rpos = pos;
    }
    lpi_lcache_note(c->p, LPI_EV_NAMED, list, pos, text);
}

/* The same, named by node of f */
static void add_named(checker *c, named **arr, size_t *n, size_t *cap,
                      const char *id, size_t len, lpi_srcfile *f,
                      const void *node)
{
    add_named_at(c, arr, n, cap, id, len, f,
                 node ? lpi_src_pos(f, node) : nopos);
}

/* ------------------------------------------------------------ languages */

/* The declared language tag names: as written, or any spelling with the
 * same canonical form ("pt-br" for "pt-BR") */
static const lang *find_lang(const checker *c, const char *tag, size_t len)
{
    const char *canon;

    for (size_t i = 0; i < c->nlangs; i++)
        if (strlen(c->langs[i].tag) == len &&
            strncmp(c->langs[i].tag, tag, len) == 0)
            return &c->langs[i];
    if (lpi_lang_canon_memo(c->p, tag, len, &canon) < 0)
        return NULL;
    for (size_t i = 0; i < c->nlangs; i++)
        if (strcmp(c->langs[i].canon, canon) == 0)
            return &c->langs[i];
    return NULL;
}

static void check_languages(checker *c, lpi_srcfile *f, xmlNodePtr langs)
{
    const char *def = lpi_attr(langs, "default");

    for (xmlNodePtr l = langs->children; l; l = l->next) {
        const char *tag;

        if (!lpi_is(l, "language"))
            continue;
        tag = lpi_attr(l, "tag");
        if (find_lang(c, tag, strlen(tag))) {
            ERR(c, "dup-id", f, xmlHasProp(l, (const xmlChar *)"tag"),
                "language '%s' is declared twice", tag);
            continue;
        }
        if (c->nlangs < LP_MAX_LANGUAGES) {
            lang *nl = &c->langs[c->nlangs];

            nl->tag = tag;
            nl->fallback = lpi_attr(l, "fallback");
            if (lpi_lang_canon(tag, strlen(tag), nl->canon,
                               sizeof(nl->canon)) < 0) {
                char hint[256];
                xmlAttrPtr at = xmlHasProp(l, (const xmlChar *)"tag");

                nl->canon[0] = '\0';
                if (lpi_lang_suggest(tag, strlen(tag), hint, sizeof(hint)))
                    ERR(c, "bad-language", f, at, "'%s' is not a known "
                        "language; did you mean %s?", tag, hint);
                else
                    ERR(c, "bad-language", f, at, "'%s' is not a known "
                        "language (a BCP 47 tag whose language ICU knows, "
                        "such as 'pt' or 'ar')", tag);
                if (!c->langs_broken)
                    lpi_diag(c->p, LP_SEVERITY_NOTE, "bad-language", f, at,
                             nopos, "texts in languages that are not "
                             "declared are not reported until the "
                             "languages are fixed");
                c->langs_broken = true;
            }
            nl->script = nl->canon[0] ? lpi_lang_script(nl->canon) : -1;
            c->nlangs++;
        }
    }
    c->deflang = find_lang(c, def, strlen(def));
    if (!c->deflang)
        ERR_LANG(c, f, xmlHasProp(langs, (const xmlChar *)"default"),
                 "default language '%s' is not one of the languages", def);
    for (xmlNodePtr l = langs->children; l; l = l->next) {
        const char *fb, *tag;

        if (!lpi_is(l, "language"))
            continue;
        tag = lpi_attr(l, "tag");
        fb = lpi_attr(l, "fallback");
        for (const char *s = fb; s && *s;) {
            size_t n = strcspn(s, " \t\n");
            if (n > 0 && !find_lang(c, s, n))
                ERR_LANG(c, f, xmlHasProp(l, (const xmlChar *)"fallback"),
                         "fallback '%.*s' of '%s' is not one of the "
                         "languages", (int)n, s, tag);
            else if (n > 0 && strlen(tag) == n && strncmp(s, tag, n) == 0)
                ERR(c, "unknown-language", f,
                    xmlHasProp(l, (const xmlChar *)"fallback"),
                    "language '%s' falls back to itself", tag);
            s += n;
            s += strspn(s, " \t\n");
        }
    }
}

/* Is language l covered by has(tag) directly or through its fallbacks?
 * The answer is counted for the coverage report (lp_project_coverage) */
typedef bool (*has_fn)(const checker *c, xmlNodePtr el, const char *tag,
                       size_t len);

static bool covered(checker *c, const lang *l, has_fn has, xmlNodePtr el)
{
    size_t i = (size_t)(l - c->langs);
    int how = LPI_COV_MISSING;

    if (has(c, el, l->tag, strlen(l->tag)))
        how = LPI_COV_OWN;
    for (const char *s = l->fallback; how != LPI_COV_OWN && s && *s;) {
        size_t n = strcspn(s, " \t\n");
        if (n > 0 && has(c, el, s, n)) {
            how = LPI_COV_FALLBACK;
            break;
        }
        s += n;
        s += strspn(s, " \t\n");
    }
    if (i < c->p->ncov) {
        c->p->cov[i].texts[how]++;
        if (c->in_lesson && how > c->lesson_cov[i])
            c->lesson_cov[i] = (unsigned char)how;
    }
    return how != LPI_COV_MISSING;
}

static void report_missing(checker *c, lpi_srcfile *f, xmlNodePtr at,
                           const char *what, const lang *l)
{
    if (l->fallback && *l->fallback)
        ERR(c, "missing-translation", f, at, "%s has no '%s' text, nor any "
            "in its fallbacks (%s)", what, l->tag, l->fallback);
    else
        ERR(c, "missing-translation", f, at, "%s has no '%s' text (and "
            "'%s' has no fallback)", what, l->tag, l->tag);
}

static bool has_attr(const checker *c, xmlNodePtr el, const char *tag,
                     size_t len)
{
    for (xmlAttrPtr a = el->properties; a; a = a->next)
        if (lpi_lang_eq(c->p, (const char *)a->name,
                        strlen((const char *)a->name), tag, len))
            return true;
    return false;
}

/* Does text, following text that ended in a run of *run letters, make a
 * word of four letters or more?  (*run: the letters it ends with) */
static bool word_in(const char *text, unsigned *run)
{
    for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
        bool letter = ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z') ||
                      *s >= 0x80;

        if (!letter)
            *run = 0;
        else if ((*s & 0xc0) != 0x80 && ++*run >= 4)
            return true;
    }
    return false;
}

/* Does text have a word of four letters or more? */
static bool has_word(const char *text)
{
    unsigned run = 0;

    return word_in(text, &run);
}

/* The attribute holding el's text in language l, or NULL */
static xmlAttrPtr text_in(const checker *c, xmlNodePtr el, const lang *l)
{
    xmlAttrPtr a = xmlHasProp(el, (const xmlChar *)l->tag);

    if (a || !l->canon[0])
        return a;
    for (a = el->properties; a; a = a->next) {
        const char *n = (const char *)a->name, *canon;

        if (lpi_lang_canon_memo(c->p, n, strlen(n), &canon) == 0 &&
            strcmp(canon, l->canon) == 0)
            return a;
    }
    return NULL;
}

static const char *value(xmlAttrPtr a)
{
    return a && a->children && a->children->content ?
           (const char *)a->children->content : "";
}

/* A text the same as the default language's, in another language, is
 * probably not translated yet.  Numbers, names and short words often are
 * the same: only texts with a word of four or more letters count. */
static void check_untranslated(checker *c, lpi_srcfile *f, xmlNodePtr el)
{
    xmlAttrPtr def;
    const char *dv;

    if (!c->deflang)
        return;
    def = text_in(c, el, c->deflang);
    dv = value(def);
    if (!def || !has_word(dv))
        return;
    for (size_t i = 0; i < c->nlangs; i++) {
        xmlAttrPtr a;

        if (&c->langs[i] == c->deflang)
            continue;
        a = text_in(c, el, &c->langs[i]);
        if (a && strcmp(value(a), dv) == 0)
            lpi_diag(c->p, LP_SEVERITY_WARNING, "untranslated", f, a, nopos,
                     "the '%s' text is the same as the '%s' one: not "
                     "translated yet?", c->langs[i].tag, c->deflang->tag);
    }
}

static void script_warning(checker *c, lpi_srcfile *f, const void *at,
                           const char *what, const lang *l)
{
    lpi_diag(c->p, LP_SEVERITY_WARNING, "script", f, at, nopos,
             "%s in '%s' is mostly not in the %s script, which '%s' is "
             "written in", what, l->tag, lpi_script_name(l->script),
             l->canon[0] ? l->canon : l->tag);
}

/* A localized text: one attribute per language, besides fixed ones */
static void check_text(checker *c, lpi_srcfile *f, xmlNodePtr el)
{
    static const char *const fixed[] = { "id", "standards" };
    char what[96];

    if (!el)
        return;
    for (xmlAttrPtr a = el->properties; a; a = a->next) {
        const char *name = (const char *)a->name;
        const lang *l;
        bool skip = false;

        for (size_t i = 0; i < sizeof(fixed) / sizeof(*fixed); i++)
            skip |= strcmp(name, fixed[i]) == 0;
        l = skip ? NULL : find_lang(c, name, strlen(name));
        if (!skip && !l) {
            ERR_LANG(c, f, a, "'%s' is not a language of this curriculum",
                     name);
        } else if (l && l->script >= 0) {
            lpi_script_tally t = { 0, 0 };

            lpi_script_count(l->script, value(a), &t);
            if (lpi_script_mismatch(&t))
                script_warning(c, f, a, "the text", l);
        }
    }
    snprintf(what, sizeof(what), "<%s>", (const char *)el->name);
    for (size_t i = 0; i < c->nlangs; i++)
        if (!covered(c, &c->langs[i], has_attr, el))
            report_missing(c, f, el, what, &c->langs[i]);
    check_untranslated(c, f, el);
}

/* ------------------------------------------------------------- media */

/* What the first bytes of a file say it is, for the extensions we know */
typedef struct magic {
    const char *ext;      /* lowercase, without the dot */
    const char *kind;     /* for messages */
    size_t off;
    const char *bytes;
    size_t len;
} magic;

static const magic magics[] = {
    { "png", "PNG", 0, "\x89PNG\r\n\x1a\n", 8 },
    { "jpg", "JPEG", 0, "\xff\xd8\xff", 3 },
    { "jpeg", "JPEG", 0, "\xff\xd8\xff", 3 },
    { "gif", "GIF", 0, "GIF8", 4 },
    { "webp", "WebP", 8, "WEBP", 4 },
    { "wav", "WAVE", 8, "WAVE", 4 },
    { "ogg", "Ogg", 0, "OggS", 4 },
    { "oga", "Ogg", 0, "OggS", 4 },
    { "ogv", "Ogg", 0, "OggS", 4 },
    { "opus", "Ogg", 0, "OggS", 4 },
    { "flac", "FLAC", 0, "fLaC", 4 },
    { "mp4", "MP4", 4, "ftyp", 4 },
    { "m4a", "MP4", 4, "ftyp", 4 },
    { "m4v", "MP4", 4, "ftyp", 4 },
    { "webm", "WebM", 0, "\x1a\x45\xdf\xa3", 4 },
    { "pdf", "PDF", 0, "%PDF-", 5 },
    { "vtt", "WebVTT", 0, "WEBVTT", 6 },
};

static bool magic_at(const unsigned char *buf, size_t n, const magic *m)
{
    return n >= m->off + m->len && memcmp(buf + m->off, m->bytes, m->len) == 0;
}

/* NULL if the bytes of rel (open as fd) fit its extension (or the
 * extension is not one we know); else the kind the extension promises */
static const char *sniff(int fd, const char *rel, const char **found)
{
    unsigned char buf[16];
    const char *dot = strrchr(rel, '.');
    char ext[8];
    const magic *want = NULL;
    ssize_t n;

    *found = NULL;
    if (!dot || strlen(dot + 1) >= sizeof(ext) || strchr(dot, '/'))
        return NULL;
    for (size_t i = 0; dot[i + 1]; i++)
        ext[i] = (char)(dot[i + 1] | 0x20);
    ext[strlen(dot + 1)] = '\0';
    for (size_t i = 0; i < sizeof(magics) / sizeof(*magics) && !want; i++)
        if (strcmp(ext, magics[i].ext) == 0)
            want = &magics[i];
    if (!want)
        return NULL;
    n = pread(fd, buf, sizeof(buf), 0);
    if (n < 0)
        return NULL;
    /* a UTF-8 byte order mark may start a WebVTT file */
    if (strcmp(want->kind, "WebVTT") == 0 && n >= 3 &&
        memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
        memmove(buf, buf + 3, (size_t)n - 3);
        n -= 3;
    }
    if (magic_at(buf, (size_t)n, want))
        return NULL;
    for (size_t i = 0; i < sizeof(magics) / sizeof(*magics); i++)
        if (magic_at(buf, (size_t)n, &magics[i])) {
            *found = magics[i].kind;
            break;
        }
    return want->kind;
}

/* What a referenced media file turned out to be: a file is looked at
 * once, however many lessons and languages use it */
enum { MV_MISSING, MV_LINK, MV_SPECIAL, MV_UNREADABLE, MV_FILE };
typedef struct mverdict {
    const char *rel;        /* in c->media */
    int kind;
    size_t link;            /* MV_LINK: rel's first link is its first link
                             * bytes (0: not known) */
    int err;                /* MV_UNREADABLE: the errno */
    mode_t mode;            /* MV_SPECIAL: what it is */
    uint64_t size;
    const char *want, *found; /* sniff()'s answer */
} mverdict;

static mverdict *find_verdict(const checker *c, const char *rel)
{
    if (!c->mv)
        return NULL;
    for (size_t i = lpi_str_hash(rel) & c->mv_mask; c->mv[i].rel;
         i = (i + 1) & c->mv_mask)
        if (strcmp(c->mv[i].rel, rel) == 0)
            return &c->mv[i];
    return NULL;
}

/* Look at rel (opened below the project's folder, through no link) and
 * remember it; rel is the checker's */
static mverdict *new_verdict(checker *c, char *rel)
{
    struct stat st;
    mverdict v = { rel, MV_MISSING, 0, 0, 0, 0, NULL, NULL };
    size_t i, link = 0;
    int fd;

    if (2 * (c->nmv + 1) > c->mv_mask) {
        size_t cap = c->mv_mask ? 2 * (c->mv_mask + 1) : 256;
        mverdict *slots = lpi_calloc(c->p->ctx, cap, sizeof(*slots));

        if (!slots)
            return NULL;
        for (size_t k = 0; c->mv && k <= c->mv_mask; k++)
            if (c->mv[k].rel) {
                for (i = lpi_str_hash(c->mv[k].rel) & (cap - 1); slots[i].rel;
                     i = (i + 1) & (cap - 1))
                    ;
                slots[i] = c->mv[k];
            }
        lpi_free(c->p->ctx, c->mv);
        c->mv = slots;
        c->mv_mask = cap - 1;
    }
    c->rc = lpi_grow(c->p->ctx, (void **)&c->media, &c->capmedia,
                     c->nmedia + 1, sizeof(*c->media));
    if (c->rc < 0)
        return NULL;
    c->media[c->nmedia++] = rel;
    fd = lpi_open_regular(c->p->dirfd, rel, LPI_OPEN_BENEATH, &st, &link);
    if (fd == LPI_OPEN_NOTREG) {
        v.kind = MV_SPECIAL;
        v.mode = st.st_mode;
    } else if (fd < 0 && (errno == ELOOP || errno == EXDEV)) {
        v.kind = MV_LINK;
        v.link = link;
    } else if (fd < 0 && errno != ENOENT && errno != ENOTDIR) {
        v.kind = MV_UNREADABLE;
        v.err = errno;
    } else if (fd >= 0) {
        v.kind = MV_FILE;
        v.size = (uint64_t)st.st_size;
        v.want = sniff(fd, rel, &v.found);
        close(fd);
    }
    for (i = lpi_str_hash(rel) & c->mv_mask; c->mv[i].rel;
         i = (i + 1) & c->mv_mask)
        ;
    c->mv[i] = v;
    c->nmv++;
    return &c->mv[i];
}

/* For a media file that does not exist: the file in the same folder whose
 * name is nearest (the same but for case, or a typo or two away): its
 * name into near, its project-relative path into near_rel */
static bool nearest_media(checker *c, const char *rel, char *near,
                          size_t cap, char *near_rel, size_t near_rel_cap)
{
    const char *slash = strrchr(rel, '/');
    const char *name = slash ? slash + 1 : rel;
    char dir[4096], want[LPI_EDIT_MAX + 1], have[LPI_EDIT_MAX + 1];
    unsigned best = ~0u;
    struct dirent *e;
    DIR *d;
    int fd;

    if (strlen(name) > LPI_EDIT_MAX ||
        (size_t)snprintf(dir, sizeof(dir), "%.*s", slash ?
                         (int)(slash - rel) : 1, slash ? rel : ".") >=
        sizeof(dir))
        return false;
    fd = lpi_openat_beneath(c->p->dirfd, dir, O_RDONLY | O_DIRECTORY, NULL);
    d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        if (fd >= 0)
            close(fd);
        return false;
    }
    for (size_t i = 0; i <= strlen(name); i++)
        want[i] = (char)tolower((unsigned char)name[i]);
    while ((e = readdir(d)) != NULL) {
        char sub[4096];
        unsigned dist, rank;

        struct stat st;
        size_t n = strlen(e->d_name);

        if (e->d_name[0] == '.' || n > LPI_EDIT_MAX ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode))
            continue;
        for (size_t i = 0; i <= n; i++)
            have[i] = (char)tolower((unsigned char)e->d_name[i]);
        dist = lpi_edit_distance(want, have);
        /* a typo or two, and never most of the name */
        if (dist > 2 || dist * 3 > strlen(want))
            continue;
        rank = dist * 2 + (strcmp(have, want) != 0);
        if (rank < best &&
            (size_t)snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name) <
            sizeof(sub)) {
            best = rank;
            snprintf(near, cap, "%s", e->d_name);
            snprintf(near_rel, near_rel_cap, "%s", sub);
        }
    }
    closedir(d);
    return best != ~0u;
}

/* A media reference: src, at pos of f.  What it finds depends on the
 * files on disk, so the cache keeps the reference, not the verdict, and
 * makes it again (replay_lesson()). */
#define MERR(code, ...) \
    lpi_diag(c->p, LP_SEVERITY_ERROR, code, f, NULL, pos, __VA_ARGS__)
static void use_media_at(checker *c, lpi_srcfile *f, const char *src,
                         lpi_pos pos)
{
    const char *why;
    char *rel;
    const mverdict *v;

    rel = lpi_src_resolve(c->p, f, src, &why);
    if (!rel) {
        if (!why) {
            c->rc = LP_ENOMEM;
            return;
        }
        MERR("bad-path", "'%s' %s", src, why);
        return;
    }
    v = find_verdict(c, rel);
    if (v) {
        lpi_free(c->p->ctx, rel);
        rel = NULL;
    } else {
        v = new_verdict(c, rel);
        if (!v) {
            if (c->rc >= 0)
                c->rc = LP_ENOMEM;
            lpi_free(c->p->ctx, rel);
            return;
        }
    }
    switch (v->kind) {
    case MV_MISSING: {
        char near[LPI_EDIT_MAX + 1], near_rel[4096];
        const char *base = strrchr(src, '/');

        if (nearest_media(c, v->rel, near, sizeof(near), near_rel,
                          sizeof(near_rel))) {
            MERR("missing-media", "no such file: '%s' (%s); did "
                "you mean '%.*s%s'?", src, v->rel,
                base ? (int)(base + 1 - src) : 0, src, near);
            /* then "no lesson uses" that one would be the same mistake */
            add_named_at(c, &c->suggested, &c->nsuggested,
                         &c->capsuggested, near_rel, strlen(near_rel), f,
                         pos);
        } else
            MERR("missing-media", "no such file: '%s' (%s)", src,
                v->rel);
        break;
    }
    case MV_LINK:
        /* a link anywhere on the way could lead out of the project */
        if (v->link == 0 || v->rel[v->link] == '\0')
            MERR("bad-path", "'%s' is a symbolic link", src);
        else
            MERR("bad-path", "'%s' goes through the symbolic link "
                "'%.*s'", src, (int)v->link, v->rel);
        break;
    case MV_SPECIAL:
        MERR("missing-media", "'%s' is %s, not a regular file", src,
            lpi_file_type(v->mode));
        break;
    case MV_UNREADABLE:
        MERR("missing-media", "cannot open '%s' (%s): %s", src,
            v->rel, strerror(v->err));
        break;
    default:
        if (c->p->max_media_bytes > 0 && v->size > c->p->max_media_bytes)
            MERR("media-size", "'%s' is %llu bytes, more than the "
                "%llu allowed", src, (unsigned long long)v->size,
                (unsigned long long)c->p->max_media_bytes);
        if (v->want && v->found)
            MERR("media-type", "'%s' is named as %s but its bytes "
                "are %s", src, v->want, v->found);
        else if (v->want)
            MERR("media-type", "'%s' is named as %s but its bytes "
                "are not", src, v->want);
    }
}

#undef MERR

static void use_media(checker *c, lpi_srcfile *f, xmlAttrPtr a)
{
    const char *src;
    lpi_pos pos;

    if (!a || c->rc < 0)
        return;
    src = a->children && a->children->content ?
          (const char *)a->children->content : "";
    pos = lpi_src_pos(f, a);
    lpi_lcache_note(c->p, LPI_EV_MEDIA, 0, pos, src);
    c->p->rec_mute++;
    use_media_at(c, f, src, pos);
    c->p->rec_mute--;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool media_used(const checker *c, const char *rel)
{
    const char *key = rel;
    return c->nmedia > 0 &&
           bsearch(&key, c->media, c->nmedia, sizeof(*c->media),
                   cmp_str) != NULL;
}

/* Files below media/ that nothing references */
static bool was_suggested(const checker *c, const char *rel)
{
    for (size_t i = 0; i < c->nsuggested; i++)
        if (strcmp(c->suggested[i].id, rel) == 0)
            return true;
    return false;
}

static void unused_in(checker *c, const char *rel, unsigned depth)
{
    char path[4096], sub[4096];
    struct dirent *e;
    DIR *d;
    int fd;

    if (depth > 16)
        return;
    /* a linked folder (media itself included) is not looked into */
    fd = lpi_openat_beneath(c->p->dirfd, rel, O_RDONLY | O_DIRECTORY, NULL);
    d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    while ((e = readdir(d)) != NULL) {
        struct stat st;

        if (e->d_name[0] == '.')
            continue;
        if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", rel, e->d_name) >=
            sizeof(sub) ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            unused_in(c, sub, depth + 1);
        } else if (S_ISREG(st.st_mode) && !media_used(c, sub) &&
                   !was_suggested(c, sub)) {
            lpi_srcfile file;

            if ((size_t)snprintf(path, sizeof(path), "%s%s%s",
                                 strcmp(c->p->dir, ".") ? c->p->dir : "",
                                 strcmp(c->p->dir, ".") ? "/" : "", sub) >=
                sizeof(path))
                continue;
            /* a file with no text: the diagnostic names it, no line */
            memset(&file, 0, sizeof(file));
            file.shown = path;
            lpi_diag(c->p, LP_SEVERITY_WARNING, "unused-media", &file, NULL,
                     nopos, "no lesson uses this file");
        }
    }
    closedir(d);
}

/* ------------------------------------------------------------ lessons */

/* Links to lessons ("ID") and to blocks ("ID#BLOCK"; "#BLOCK" is one of
 * lesson self), checked once every lesson is known */
static void check_inline_links(checker *c, lpi_srcfile *f, xmlNodePtr el,
                               const char *self, unsigned depth)
{
    for (xmlNodePtr n = el->children; n && depth < 64; n = n->next) {
        const char *href;

        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (lpi_is(n, "a")) {
            xmlAttrPtr at = xmlHasProp(n, (const xmlChar *)"href");

            href = lpi_attr(n, "href");
            if (href && strncmp(href, "lesson:", 7) == 0) {
                add_named(c, &c->refs, &c->nrefs, &c->caprefs, href + 7,
                          strlen(href + 7), f, at);
            } else if (href && href[0] == '#') {
                char ref[2 * LP_MAX_ID_BYTES + 2];

                snprintf(ref, sizeof(ref), "%s%s", self, href);
                add_named(c, &c->refs, &c->nrefs, &c->caprefs, ref,
                          strlen(ref), f, at);
            }
        }
        check_inline_links(c, f, n, self, depth + 1);
    }
}

/* Block ids below el (into notes, figures and glossaries), in document
 * order */
typedef struct idref {
    const char *id;
    xmlNodePtr el;
    size_t order;
} idref;

static void collect_ids(checker *c, xmlNodePtr el, idref **ids, size_t *n,
                        size_t *cap, unsigned depth)
{
    for (xmlNodePtr b = el->children; b && depth < 64 && c->rc >= 0;
         b = b->next) {
        const char *id = b->type == XML_ELEMENT_NODE ? lpi_attr(b, "id")
                                                      : NULL;

        if (id) {
            c->rc = lpi_grow(c->p->ctx, (void **)ids, cap, *n + 1,
                             sizeof(**ids));
            if (c->rc < 0)
                return;
            (*ids)[*n].id = id;
            (*ids)[*n].el = b;
            (*ids)[*n].order = *n;
            (*n)++;
        }
        if (lpi_is(b, "note") || lpi_is(b, "figure") || lpi_is(b, "dl"))
            collect_ids(c, b, ids, n, cap, depth + 1);
    }
}

static int cmp_idref(const void *x, const void *y)
{
    const idref *a = x, *b = y;
    int r = strcmp(a->id, b->id);

    return r ? r : a->order < b->order ? -1 : a->order > b->order;
}

/* Block ids: each once in its body (sorted, so a body of many blocks
 * costs n log n), recorded as "SELF#ID" for links */
static void body_ids(checker *c, lpi_srcfile *f, xmlNodePtr body,
                     const char *self)
{
    idref *ids = NULL;
    size_t n = 0, cap = 0;

    collect_ids(c, body, &ids, &n, &cap, 0);
    if (c->rc >= 0)
        lpi_sort(ids, n, sizeof(*ids), cmp_idref);
    for (size_t i = 0; i < n && c->rc >= 0; i++) {
        xmlAttrPtr at = xmlHasProp(ids[i].el, (const xmlChar *)"id");
        char key[2 * LP_MAX_ID_BYTES + 2];

        if (i > 0 && strcmp(ids[i].id, ids[i - 1].id) == 0) {
            ERR(c, "dup-id", f, at, "block id '%s' is used twice in the "
                "'%s' body", ids[i].id, lpi_attr(body, "lang"));
            lpi_diag(c->p, LP_SEVERITY_NOTE, "dup-id", f,
                     xmlHasProp(ids[i - 1].el, (const xmlChar *)"id"), nopos,
                     "first used here");
            continue;
        }
        snprintf(key, sizeof(key), "%s#%s", self, ids[i].id);
        add_named(c, &c->blocks, &c->nblocks, &c->capblocks, key,
                  strlen(key), f, at);
    }
    lpi_free(c->p->ctx, ids);
}

static bool has_body(const checker *c, xmlNodePtr content, const char *tag,
                     size_t len)
{
    for (xmlNodePtr b = content->children; b; b = b->next) {
        const char *l = lpi_is(b, "body") ? lpi_attr(b, "lang") : NULL;
        if (l && lpi_lang_eq(c->p, l, strlen(l), tag, len))
            return true;
    }
    return false;
}

/* All the text of a body: its text nodes, alt and title attributes (not
 * its mathematics: x and y are no more Latin in an Amharic lesson than
 * its digits) */
static void tally_body(xmlNodePtr el, int script, lpi_script_tally *t,
                       unsigned depth)
{
    if (depth > LPI_MAX_SOURCE_DEPTH + 2)
        return;
    for (xmlNodePtr n = el->children; n; n = n->next) {
        if (n->type == XML_TEXT_NODE) {
            lpi_script_count(script, (const char *)n->content, t);
        } else if (n->type == XML_ELEMENT_NODE && !lpi_is(n, "math")) {
            const char *alt = lpi_attr(n, "alt");
            const char *title = lpi_attr(n, "title");

            lpi_script_count(script, alt, t);
            lpi_script_count(script, title, t);
            tally_body(n, script, t, depth + 1);
        }
    }
}

/* The media of the blocks of el, and of the blocks of its notes */
static void body_media(checker *c, lpi_srcfile *f, xmlNodePtr el,
                       unsigned depth)
{
    static const char *const media_attrs[] = { "src", "captions" };

    for (xmlNodePtr b = el->children; b && depth < 64; b = b->next) {
        if (b->type != XML_ELEMENT_NODE)
            continue;
        if (lpi_is(b, "image") || lpi_is(b, "audio") || lpi_is(b, "video") ||
            lpi_is(b, "attachment")) {
            for (size_t i = 0; i < 2; i++)
                use_media(c, f, xmlHasProp(b, (const xmlChar *)
                                           media_attrs[i]));
        } else if (lpi_is(b, "note") || lpi_is(b, "figure")) {
            body_media(c, f, b, depth + 1);
        }
    }
}

static void check_body(checker *c, lpi_srcfile *f, xmlNodePtr body,
                       const char *self)
{
    body_media(c, f, body, 0);
    body_ids(c, f, body, self);
    check_inline_links(c, f, body, self, 0);
}

static void check_activity(checker *c, lpi_srcfile *f, xmlNodePtr act)
{
    xmlNodePtr fb = lpi_child(act, "feedback");

    check_text(c, f, lpi_child(act, "prompt"));
    if (fb) {
        check_text(c, f, lpi_child(fb, "correct"));
        check_text(c, f, lpi_child(fb, "incorrect"));
    }
    if (lpi_is(act, "multiple-choice")) {
        xmlNodePtr opts = lpi_child(act, "options");
        const char *ans = lpi_attr(act, "answer");

        unique_children(c, f, opts, "option");
        for (xmlNodePtr o = opts ? opts->children : NULL; o; o = o->next)
            if (lpi_is(o, "option"))
                check_text(c, f, o);
        char hint[512];

        /* the text of an option where its id belongs: say that, once */
        if (ans && lpi_answer_hint(act, ans, strlen(ans), hint,
                                   sizeof(hint)) == 2) {
            ERR(c, "bad-key", f, xmlHasProp(act, (const xmlChar *)"answer"),
                "%s", hint);
            ans = NULL;
        }
        for (const char *s = ans; s && *s;) {
            size_t n = strcspn(s, " \t\n");
            bool found = false;

            for (xmlNodePtr o = opts ? opts->children : NULL; o && n;
                 o = o->next) {
                const char *id = lpi_is(o, "option") ? lpi_attr(o, "id")
                                                       : NULL;
                found |= id && strlen(id) == n && strncmp(id, s, n) == 0;
            }
            if (n > 0 && !found)
                ERR(c, "bad-key", f, xmlHasProp(act, (const xmlChar *)
                                                "answer"),
                    "answer '%.*s' of '%s' is not one of its options",
                    (int)n, s, lpi_attr(act, "id"));
            s += n;
            s += strspn(s, " \t\n");
        }
    } else if (lpi_is(act, "numeric")) {
        static const char *const attrs[] = { "answer", "tolerance" };

        /* what the runtime marks exactly: said here, not at a phone */
        for (size_t i = 0; i < 2; i++) {
            const char *v = lpi_attr(act, attrs[i]);
            lpi_number n;

            if (!v)
                continue;
            v += strspn(v, " \t\n");
            if (!lpi_number_scan(v, strcspn(v, " \t\n"), i == 1, &n))
                ERR(c, "limit", f, xmlHasProp(act, (const xmlChar *)
                                              attrs[i]),
                    "%s '%s' has more than %u digits before or after its "
                    "decimal point", attrs[i], v, LPI_NUMBER_SIDE);
            else if (!lpi_number_within(&n, LPI_NUMBER_LO, LPI_NUMBER_HI))
                ERR(c, "limit", f, xmlHasProp(act, (const xmlChar *)
                                              attrs[i]),
                    "%s '%s' is out of the range answers are marked in: "
                    "below 1e100, and exact to 100 places after the "
                    "decimal point (1e-100)", attrs[i], v);
            else if (n.percent && !lpi_number_percent_ok(&n))
                ERR(c, "limit", f, xmlHasProp(act, (const xmlChar *)
                                              attrs[i]),
                    "a relative tolerance is at most 100%%, not '%s'", v);
        }
    } else if (lpi_is(act, "short-answer")) {
        xmlNodePtr ans = lpi_child(act, "answers");
        for (xmlNodePtr a = ans ? ans->children : NULL; a; a = a->next)
            if (lpi_is(a, "answer"))
                check_text(c, f, a);
    }
}

/* The text of a subtree, a text node at a time, in document order (what
 * xmlNodeGetContent() would concatenate), without copying it */
typedef struct textit {
    xmlNodePtr top, n;
} textit;

static const char *next_text(textit *it)
{
    while (it->n) {
        xmlNodePtr n = it->n;
        const char *t = (n->type == XML_TEXT_NODE ||
                         n->type == XML_CDATA_SECTION_NODE) ?
                        (const char *)n->content : NULL;

        /* the next node: first child, else next sibling, else an
         * ancestor's next sibling, never leaving top */
        if (n->children && n->type == XML_ELEMENT_NODE) {
            it->n = n->children;
        } else {
            while (n && n != it->top && !n->next)
                n = n->parent;
            it->n = n && n != it->top ? n->next : NULL;
        }
        if (t && *t)
            return t;
    }
    return NULL;
}

/* has_word() of the subtree's text */
static bool tree_has_word(xmlNodePtr top)
{
    textit it = { top, top };
    unsigned run = 0;
    const char *t;

    /* a word may run on across text nodes ("Lis<em>aun</em>") */
    while ((t = next_text(&it)) != NULL)
        if (word_in(t, &run))
            return true;
    return false;
}

/* Do two subtrees have the same text? */
static bool same_text(xmlNodePtr a, xmlNodePtr b)
{
    textit ia = { a, a }, ib = { b, b };
    const char *pa = "", *pb = "";

    for (;;) {
        size_t na, nb, n;

        if (!*pa && !(pa = next_text(&ia)))
            pa = "";
        if (!*pb && !(pb = next_text(&ib)))
            pb = "";
        if (!*pa || !*pb)
            return !*pa && !*pb;
        na = strlen(pa);
        nb = strlen(pb);
        n = na < nb ? na : nb;
        if (memcmp(pa, pb, n) != 0)
            return false;
        pa += n;
        pb += n;
    }
}

/* A body with the same text as the default language's body */
static void untranslated_bodies(checker *c, lpi_srcfile *f,
                                xmlNodePtr content)
{
    xmlNodePtr def = NULL;

    for (xmlNodePtr b = content->children; b && c->deflang; b = b->next)
        if (lpi_is(b, "body") &&
            find_lang(c, lpi_attr(b, "lang"), strlen(lpi_attr(b, "lang")))
            == c->deflang)
            def = b;
    if (!def || !tree_has_word(def))
        return;
    for (xmlNodePtr b = content->children; b; b = b->next) {
        if (!lpi_is(b, "body") || b == def)
            continue;
        if (same_text(b, def))
            lpi_diag(c->p, LP_SEVERITY_WARNING, "untranslated", f, b, nopos,
                     "the '%s' body is the same as the '%s' one: not "
                     "translated yet?", lpi_attr(b, "lang"), c->deflang->tag);
    }
}

static void check_lesson(checker *c, lpi_srcfile *f)
{
    xmlNodePtr root = xmlDocGetRootElement(f->doc);
    xmlNodePtr content = lpi_child(root, "content");
    xmlNodePtr acts = lpi_child(root, "activities");
    xmlNodePtr asg = lpi_child(root, "assignments");
    xmlNodePtr objs = lpi_child(root, "objectives");
    const char *id = lpi_attr(root, "id");
    const char *req = lpi_attr(root, "requires");
    char what[128];

    c->in_lesson = true;
    memset(c->lesson_cov, LPI_COV_OWN, sizeof(c->lesson_cov));
    add_named(c, &c->lessons, &c->nlessons, &c->caplessons, id, strlen(id),
              f, xmlHasProp(root, (const xmlChar *)"id"));
    {
        char fp[LPI_FP_CAP];
        const char *renamed = lpi_attr(root, "renamed-from");

        lpi_fingerprint(c->p, root, c->deflang ? c->deflang->canon : NULL,
                        fp);
        add_history(c, 4, fp, nopos);
        if (renamed)
            add_history(c, 3, renamed, lpi_src_pos(f, xmlHasProp(root,
                        (const xmlChar *)"renamed-from")));
    }
    for (const char *s = req; s && *s;) {
        size_t n = strcspn(s, " \t\n");

        if (n > 0)
            add_named(c, &c->refs, &c->nrefs, &c->caprefs, s, n, f,
                      xmlHasProp(root, (const xmlChar *)"requires"));
        if (c->rc < 0)
            return;
        s += n;
        s += strspn(s, " \t\n");
    }
    check_text(c, f, lpi_child(root, "title"));
    unique_children(c, f, objs, "objective");
    for (xmlNodePtr o = objs ? objs->children : NULL; o; o = o->next)
        if (lpi_is(o, "objective"))
            check_text(c, f, o);

    /* one body per language, each declared */
    for (xmlNodePtr b = content->children; b; b = b->next) {
        const lang *bl;
        const char *l;

        if (!lpi_is(b, "body"))
            continue;
        l = lpi_attr(b, "lang");
        bl = find_lang(c, l, strlen(l));
        if (!bl) {
            ERR_LANG(c, f, xmlHasProp(b, (const xmlChar *)"lang"),
                     "'%s' is not a language of this curriculum", l);
        } else if (bl->script >= 0) {
            lpi_script_tally t = { 0, 0 };

            tally_body(b, bl->script, &t, 0);
            if (lpi_script_mismatch(&t))
                script_warning(c, f, b, "the body", bl);
        }
        for (xmlNodePtr b2 = content->children; b2 != b; b2 = b2->next)
            if (lpi_is(b2, "body") &&
                lpi_lang_eq(c->p, lpi_attr(b2, "lang"),
                            strlen(lpi_attr(b2, "lang")), l, strlen(l))) {
                ERR(c, "dup-id", f, b, "a second body in '%s'", l);
                break;
            }
        check_body(c, f, b, id);
    }
    snprintf(what, sizeof(what), "lesson '%s'", id);
    for (size_t i = 0; i < c->nlangs; i++)
        if (!covered(c, &c->langs[i], has_body, content))
            report_missing(c, f, content, what, &c->langs[i]);
    untranslated_bodies(c, f, content);

    /* activities and assignments share one id scope per lesson */
    if (acts && asg) {
        for (xmlNodePtr a = asg->children; a; a = a->next) {
            const char *aid = lpi_is(a, "assignment") ? lpi_attr(a, "id")
                                                          : NULL;
            for (xmlNodePtr q = acts->children; aid && q; q = q->next)
                if (q->type == XML_ELEMENT_NODE &&
                    strcmp(lpi_attr(q, "id"), aid) == 0) {
                    ERR(c, "dup-id", f, xmlHasProp(a, (const xmlChar *)"id"),
                        "id '%s' is used by an activity already", aid);
                    break;
                }
        }
    }
    unique_children(c, f, acts, "activity");
    unique_children(c, f, asg, "assignment");
    for (xmlNodePtr q = acts ? acts->children : NULL; q; q = q->next)
        if (q->type == XML_ELEMENT_NODE)
            check_activity(c, f, q);
    for (xmlNodePtr a = asg ? asg->children : NULL; a; a = a->next)
        if (lpi_is(a, "assignment"))
            check_text(c, f, lpi_child(a, "task"));
    c->in_lesson = false;
    for (size_t i = 0; i < c->p->ncov; i++)
        c->p->cov[i].lessons[c->lesson_cov[i]]++;
}

/* check_lesson(), recorded for the build cache when f is to be stored:
 * its diagnostics and events (lpi_diag() and lpi_lcache_note() append
 * them) and what it added to the coverage */
static void recorded_check(checker *c, lpi_srcfile *f)
{
    lp_project *p = c->p;
    lpi_lcache *lc = f->lc && f->lc->store ? f->lc : NULL;
    lpi_cov *before = NULL;

    if (lc) {
        lc->cov = lpi_calloc(p->ctx, p->ncov + 1, sizeof(*lc->cov));
        before = lpi_malloc(p->ctx, (p->ncov + 1) * sizeof(*before));
        if (!lc->cov || !before) {
            lc->store = false;
            lc = NULL;
        } else {
            lc->ncov = p->ncov;
            memcpy(before, p->cov, p->ncov * sizeof(*before));
            p->rec = lc;
            p->rec_file = f;
        }
    }
    check_lesson(c, f);
    p->rec = NULL;
    p->rec_file = NULL;
    if (lc) {
        for (size_t i = 0; i < p->ncov; i++)
            for (int k = 0; k < 3; k++) {
                lc->cov[i][k] = p->cov[i].texts[k] - before[i].texts[k];
                lc->cov[i][3 + k] = p->cov[i].lessons[k] -
                                    before[i].lessons[k];
            }
        if (c->rc < 0)
            lc->store = false;
    }
    lpi_free(p->ctx, before);
}

/* What check_lesson() did for f, from the build cache: its diagnostics
 * again, and the checks that look outside the file made again */
static void replay_lesson(checker *c, lpi_srcfile *f)
{
    lp_project *p = c->p;
    const lpi_lcache *lc = f->lc;

    for (size_t i = 0; i < lc->nev && c->rc >= 0; i++) {
        const lpi_lcev *e = &lc->ev[i];

        switch (e->type) {
        case LPI_EV_DIAG:
            lpi_diag(p, (lp_severity)e->sev, e->code, f, NULL, e->pos, "%s",
                     e->text);
            break;
        case LPI_EV_MEDIA:
            use_media_at(c, f, e->text, e->pos);
            break;
        case LPI_EV_NAMED:
            if (e->list >= 3)
                add_history(c, e->list, e->text, e->pos);
            else if (e->list == 0)
                add_named_at(c, &c->lessons, &c->nlessons, &c->caplessons,
                             e->text, strlen(e->text), f, e->pos);
            else if (e->list == 2)
                add_named_at(c, &c->blocks, &c->nblocks, &c->capblocks,
                             e->text, strlen(e->text), f, e->pos);
            else
                add_named_at(c, &c->refs, &c->nrefs, &c->caprefs, e->text,
                             strlen(e->text), f, e->pos);
            break;
        }
    }
    for (size_t i = 0; i < lc->ncov && i < p->ncov; i++)
        for (int k = 0; k < 3; k++) {
            p->cov[i].texts[k] += lc->cov[i][k];
            p->cov[i].lessons[k] += lc->cov[i][3 + k];
        }
}

/* The syntax of a lesson file by its name; false if it has none */
static bool lesson_syntax(const char *rel, lpi_syntax *syn)
{
    const char *ext = strrchr(rel, '.');

    if (ext && (!strcmp(ext, ".yaml") || !strcmp(ext, ".yml")))
        *syn = LPI_YAML;
    else if (ext && !strcmp(ext, ".xml"))
        *syn = LPI_XML;
    else
        return false;
    return true;
}

/* The lesson files walk_lessons() will ask for, in its order, planned for
 * loading ahead; nothing is reported here (walk_lessons() reports) */
static int plan_lessons(checker *c, lpi_loader *ld, lpi_srcfile *cur,
                        xmlNodePtr subjects)
{
    for (xmlNodePtr s = subjects->children; s; s = s->next) {
        if (!lpi_is(s, "subject"))
            continue;
        for (xmlNodePtr g = lpi_child(s, "grades")->children; g; g = g->next) {
            if (!lpi_is(g, "grade"))
                continue;
            for (xmlNodePtr u = lpi_child(g, "units")->children; u;
                 u = u->next) {
                if (!lpi_is(u, "unit"))
                    continue;
                for (xmlNodePtr l = lpi_child(u, "lessons")->children; l;
                     l = l->next) {
                    const char *why;
                    lpi_syntax syn;
                    char *rel;
                    int rc = 0;

                    if (!lpi_is(l, "lesson"))
                        continue;
                    rel = lpi_src_resolve(c->p, cur, lpi_attr(l, "src"), &why);
                    if (!rel) {
                        if (!why)
                            return LP_ENOMEM;
                        continue;
                    }
                    if (lesson_syntax(rel, &syn))
                        rc = lpi_loader_plan(ld, rel, syn, xmlHasProp(l,
                                             (const xmlChar *)"src"));
                    lpi_free(c->p->ctx, rel);
                    if (rc < 0)
                        return rc;
                }
            }
        }
    }
    return 0;
}

static int walk_lessons(checker *c, lpi_loader *ld, lpi_srcfile *cur,
                        xmlNodePtr subjects)
{
    lp_project *p = c->p;

    unique_children(c, cur, subjects, "subject");
    for (xmlNodePtr s = subjects->children; s; s = s->next) {
        xmlNodePtr grades = lpi_child(s, "grades");

        if (!lpi_is(s, "subject"))
            continue;
        check_text(c, cur, lpi_child(s, "title"));
        unique_children(c, cur, grades, "grade");
        for (xmlNodePtr g = grades->children; g; g = g->next) {
            xmlNodePtr units = lpi_child(g, "units");

            if (!lpi_is(g, "grade"))
                continue;
            check_text(c, cur, lpi_child(g, "title"));
            unique_children(c, cur, units, "unit");
            for (xmlNodePtr u = units->children; u; u = u->next) {
                xmlNodePtr lessons = lpi_child(u, "lessons");

                if (!lpi_is(u, "unit"))
                    continue;
                check_text(c, cur, lpi_child(u, "title"));
                for (xmlNodePtr l = lessons->children; l; l = l->next) {
                    xmlAttrPtr src = xmlHasProp(l, (const xmlChar *)"src");
                    const char *why;
                    lpi_srcfile *f = NULL;
                    lpi_syntax syn;
                    char *rel;
                    bool seen = false;
                    int rc;

                    if (!lpi_is(l, "lesson"))
                        continue;
                    rel = lpi_src_resolve(p, cur, lpi_attr(l, "src"), &why);
                    if (!rel) {
                        if (!why)
                            return LP_ENOMEM;
                        ERR(c, "bad-path", cur, src, "'%s' %s",
                            lpi_attr(l, "src"), why);
                        continue;
                    }
                    if (!lesson_syntax(rel, &syn)) {
                        ERR(c, "bad-path", cur, src, "lesson file '%s' must "
                            "end in .yaml, .yml or .xml", lpi_attr(l, "src"));
                        lpi_free(p->ctx, rel);
                        continue;
                    }
                    rc = track_loaded(c);
                    if (rc < 0) {
                        lpi_free(p->ctx, rel);
                        return rc;
                    }
                    seen = lpi_strset_get(&c->loaded, rel) != NULL;
                    if (seen) {
                        ERR(c, "dup-id", cur, src, "lesson file '%s' is "
                            "listed twice", lpi_attr(l, "src"));
                        lpi_free(p->ctx, rel);
                        continue;
                    }
                    if (p->nfiles > LPI_MAX_LESSONS) {
                        lpi_free(p->ctx, rel);
                        ERR(c, "limit", cur, src, "more than %u lessons",
                            LPI_MAX_LESSONS);
                        return 0;
                    }
                    rc = lpi_loader_load(ld, rel, syn, src, &f);
                    lpi_free(p->ctx, rel);
                    if (rc < 0)
                        return rc;
                    if (f && f->lc && f->lc->hit) {
                        /* the build cache knows it */
                        if (f->valid)
                            replay_lesson(c, f);
                        else
                            c->incomplete = true;
                        if (f->valid && c->rc >= 0 && p->lesson_fn &&
                            !f->pruned)
                            c->rc = p->lesson_fn(p, f, p->lesson_user);
                    } else if (f && f->valid) {
                        recorded_check(c, f);
                        if (c->rc >= 0 && p->lesson_fn && !f->pruned)
                            c->rc = p->lesson_fn(p, f, p->lesson_user);
                        if (c->rc >= 0)
                            lpi_lcache_store(p, f);
                    } else {
                        c->incomplete = true;
                        if (f)
                            lpi_lcache_store(p, f);
                    }
                    if (c->rc < 0)
                        return c->rc;
                    /* nothing needs the tree any more: free it now, so
                     * memory does not grow with the curriculum */
                    if (f)
                        lpi_loader_release(ld, f);
                }
            }
        }
    }
    return 0;
}

static int load_lessons(checker *c, lpi_srcfile *cur, xmlNodePtr subjects)
{
    lpi_loader *ld;
    int rc = lpi_loader_new(&ld, c->p, cur);

    if (rc < 0)
        return rc;
    rc = plan_lessons(c, ld, cur, subjects);
    if (rc == 0)
        rc = walk_lessons(c, ld, cur, subjects);
    lpi_loader_free(ld);
    return rc;
}

int lpi_check_project(lp_project *p)
{
    lpi_srcfile *cur = p->files[0];
    xmlNodePtr root = xmlDocGetRootElement(cur->doc);
    xmlNodePtr media = lpi_child(root, "media");
    checker c;
    int rc;

    memset(&c, 0, sizeof(c));
    c.p = p;
    check_languages(&c, cur, lpi_child(root, "languages"));
    /* the coverage report: one row per declared language */
    p->cov = lpi_calloc(p->ctx, c.nlangs + 1, sizeof(*p->cov));
    if (!p->cov)
        return LP_ENOMEM;
    for (size_t i = 0; i < c.nlangs; i++)
        snprintf(p->cov[i].tag, sizeof(p->cov[i].tag), "%s",
                 c.langs[i].tag);
    p->ncov = c.nlangs;
    check_text(&c, cur, lpi_child(root, "title"));
    check_text(&c, cur, lpi_child(root, "description"));
    lpi_profiles_check(p, cur, root);
    /* what every lesson's cache entry depends on in this file */
    lpi_lcache_langs(p, lpi_child(root, "languages"));
    rc = load_lessons(&c, cur, lpi_child(root, "subjects"));
    if (rc < 0)
        goto done;

    /* lesson ids are unique across the curriculum */
    lpi_sort(c.lessons, c.nlessons, sizeof(*c.lessons), cmp_named);
    for (size_t i = 1; i < c.nlessons; i++) {
        if (strcmp(c.lessons[i].id, c.lessons[i - 1].id) != 0)
            continue;
        lpi_diag(p, LP_SEVERITY_ERROR, "dup-id", c.lessons[i].f, NULL,
                 c.lessons[i].pos, "lesson id '%s' is used twice",
                 c.lessons[i].id);
        lpi_diag(p, LP_SEVERITY_NOTE, "dup-id", c.lessons[i - 1].f, NULL,
                 c.lessons[i - 1].pos, "first used here");
    }
    /* the package lpc build would write must fit in one: a document per
     * lesson and language, the media, the catalog and the assignments
     * (so that what passes the check builds) */
    if ((uint64_t)c.nlessons * c.nlangs + c.nmedia + 2 > LP_MAX_ENTRIES)
        lpi_diag(p, LP_SEVERITY_ERROR, "limit", cur, NULL, nopos,
                 "%zu lessons in %zu languages and %zu media files make "
                 "%llu package entries, more than the %u a package may "
                 "hold (lpk(5), LIMITS): split the curriculum into "
                 "several packages", c.nlessons, c.nlangs, c.nmedia,
                 (unsigned long long)((uint64_t)c.nlessons * c.nlangs +
                                      c.nmedia + 2), LP_MAX_ENTRIES);
    /* lesson ids stable across releases */
    if (!c.incomplete && c.rc >= 0) {
        rc = lpi_history_check(p, c.hist, c.nhist);
        if (rc < 0)
            goto done;
    }
    /* a lesson that could not be read may hold the id: say nothing */
    lpi_sort(c.blocks, c.nblocks, sizeof(*c.blocks), cmp_named);
    for (size_t i = 0; i < c.nrefs && !c.incomplete; i++) {
        const named *r = &c.refs[i];
        const char *hash = strchr(r->id, '#');
        char lesson[LP_MAX_ID_BYTES + 1];

        snprintf(lesson, sizeof(lesson), "%.*s",
                 (int)(hash ? (size_t)(hash - r->id) : strlen(r->id)), r->id);
        if (c.nlessons == 0 ||
            !bsearch(lesson, c.lessons, c.nlessons, sizeof(*c.lessons),
                     find_named))
            lpi_diag(p, LP_SEVERITY_ERROR, "dangling-ref", r->f, NULL,
                     r->pos, "no lesson has the id '%s'", lesson);
        else if (hash && (c.nblocks == 0 ||
                          !bsearch(r->id, c.blocks, c.nblocks,
                                   sizeof(*c.blocks), find_named)))
            lpi_diag(p, LP_SEVERITY_ERROR, "dangling-ref", r->f, NULL,
                     r->pos, "lesson '%s' has no block with the id '%s'",
                     lesson, hash + 1);
    }

    lpi_sort(c.media, c.nmedia, sizeof(*c.media), cmp_str);
    /* assets: licence of a file some lesson uses */
    for (xmlNodePtr a = media ? media->children : NULL; a; a = a->next) {
        const char *why;
        char *rel;
        bool used;

        if (!lpi_is(a, "asset"))
            continue;
        rel = lpi_src_resolve(p, cur, lpi_attr(a, "src"), &why);
        if (!rel) {
            if (!why) {
                rc = LP_ENOMEM;
                goto done;
            }
            ERR(&c, "bad-path", cur, xmlHasProp(a, (const xmlChar *)"src"),
                "'%s' %s", lpi_attr(a, "src"), why);
            continue;
        }
        used = media_used(&c, rel);
        if (!used && !c.incomplete)
            lpi_diag(p, LP_SEVERITY_WARNING, "unused-media", cur,
                     xmlHasProp(a, (const xmlChar *)"src"), nopos,
                     "asset '%s' is not used by any lesson",
                     lpi_attr(a, "src"));
        lpi_free(p->ctx, rel);
    }
    if (!c.incomplete)
        unused_in(&c, "media", 0);
    rc = c.rc;
done:
    for (size_t i = 0; i < c.nmedia; i++)
        lpi_free(p->ctx, c.media[i]);
    lpi_free(p->ctx, c.media);
    for (size_t i = 0; i < c.nowned; i++)
        lpi_free(p->ctx, c.owned[i]);
    lpi_free(p->ctx, c.owned);
    lpi_free(p->ctx, c.lessons);
    lpi_free(p->ctx, c.hist);
    lpi_free(p->ctx, c.refs);
    lpi_free(p->ctx, c.blocks);
    lpi_free(p->ctx, c.suggested);
    lpi_free(p->ctx, c.mv);
    lpi_strset_dispose(p->ctx, &c.loaded);
    return rc < 0 ? rc : c.rc;
}
