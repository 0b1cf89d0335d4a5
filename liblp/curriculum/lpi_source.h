/*
 * lpi_source.h - liblp internals for curriculum sources (lp-curriculum(5)):
 * loading YAML and XML files into one libxml2 document model, validating it
 * against the embedded schema and checking it.  Not installed.
 *
 * Positions: every node the loaders create gets the author's line and
 * column (1-based, counted in characters) in a per-file table; the node's
 * _private field holds its index + 1 there.  xmlNode and xmlAttr both
 * start with _private, so one lookup serves elements, attributes and text.
 */
#ifndef LPI_SOURCE_H
#define LPI_SOURCE_H

#include "lpi_package.h"
#include "lpi_cache.h"

#include <string.h>

#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

/* Largest source file, in bytes, and deepest element nesting. */
#define LPI_MAX_SOURCE_BYTES (8u * 1024u * 1024u)
#define LPI_MAX_SOURCE_DEPTH 48u
/* Most keys in one YAML mapping, lesson files in a project */
#define LPI_MAX_MAP_KEYS 256u
#define LPI_MAX_LESSONS 100000u
/* Errors reported per file before the rest are summarised */
#define LPI_MAX_FILE_ERRORS 50u
/* Room for a canonical language tag; tag spellings remembered */
#define LPI_LANG_CAP 64u
#define LPI_LANG_MEMO 128u

/* A tag as written and its canonical form (ICU is slow: ~10 us a tag) */
typedef struct lpi_langmemo {
    char raw[LP_MAX_LANGUAGE_BYTES + 1];
    char canon[LPI_LANG_CAP];
    bool ok;
} lpi_langmemo;

typedef enum lpi_syntax { LPI_YAML, LPI_XML } lpi_syntax;

typedef struct lpi_pos {
    unsigned line, col;
} lpi_pos;

struct lpi_lcache;

typedef struct lpi_srcfile {
    char *rel;              /* project-relative path, '/'-separated */
    char *shown;            /* as in diagnostics: the project dir + rel */
    char *data;             /* UTF-8, BOM dropped, LF line ends, NUL-ended */
    size_t len;
    size_t *lines;          /* offset of each line's start */
    size_t nlines;
    lpi_syntax syntax;
    xmlDocPtr doc;          /* NULL if it could not be loaded */
    bool valid;             /* doc passed the schema */
    bool pruned;            /* ... once unexpected elements were taken out
                             * (errors said): check it, never compile it */
    lpi_pos *pos;
    size_t npos, cappos;
    unsigned nerrors;
    unsigned loader;        /* the loader thread that built doc; 0: this */
    struct lpi_lcache *lc;  /* the build cache's record (lcache.c), or NULL */
} lpi_srcfile;

/* Diagnostics recorded on a loader thread (loader.c), to be reported in
 * order on the calling thread: lpi_diag() appends here when the project's
 * log is set.  At most LPI_MAX_FILE_ERRORS are kept for the file being
 * loaded; the rest are only counted, as lpi_diag() would count them. */
typedef struct lpi_logged {
    lp_diag d;              /* borrowed, but for d.message: */
    char *msg;              /* owned */
    int acct;               /* whose count: 0 none, 1 the file, 2 where */
} lpi_logged;

typedef struct lpi_diaglog {
    const lpi_srcfile *where; /* the curriculum file (a private copy) */
    lpi_logged *items;
    size_t n, cap;
    size_t over_errors, over_warnings;
    lpi_srcfile *keep;      /* a file that could not be read: its name
                             * and text stay valid until the replay */
    int rc;                 /* LP_ENOMEM while recording */
} lpi_diaglog;

/* Translation coverage of a language: texts and lessons in it, only
 * through its fallbacks, or in neither (lp_project_coverage) */
enum { LPI_COV_OWN, LPI_COV_FALLBACK, LPI_COV_MISSING };
typedef struct lpi_cov {
    char tag[LP_MAX_LANGUAGE_BYTES + 1];
    size_t texts[3], lessons[3];
} lpi_cov;

struct lp_project {
    lp_ctx *ctx;
    char *dir;
    int dirfd;              /* dir: every file is opened below it, through
                             * no link (lpi_openat_beneath()) */
    lpi_srcfile **files;    /* files[0] is the curriculum file */
    size_t nfiles, capfiles;
    xmlSchemaPtr schema;
    /* one validation context, reused for every file: it keeps its tables
     * between documents.  Not shared: a loader thread's copy of the
     * project has its own. */
    xmlSchemaValidCtxtPtr vctx;
    lp_diag_fn fn;
    void *user;
    size_t nerrors, nwarnings;
    lpi_langmemo langmemo[LPI_LANG_MEMO];
    size_t nlangmemo;
    uint64_t max_media_bytes; /* 0: no limit */
    unsigned threads;       /* loader threads; 0: one per CPU */
    lpi_diaglog *log;       /* set: lpi_diag() records (loader threads) */
    lpi_cov *cov;           /* per declared language, of the last check */
    size_t ncov;
    /* Called by the check for each lesson file that passed the schema,
     * once checked, on the calling thread, in the curriculum's order;
     * the document is freed after it (lessons' documents do not outlive
     * the check).  <0 stops the check. */
    int (*lesson_fn)(lp_project *p, lpi_srcfile *f, void *user);
    void *lesson_user;
    lpi_cache *cache;       /* the build cache, or NULL */
    /* what every lesson's cache key includes (lcache.c): the declared
     * languages; set by the check once the curriculum file is checked */
    unsigned char langkey[LP_HASH_BYTES];
    bool langkey_ok;
    size_t nlangdecl;       /* <language> elements (capped) */
    /* recording a lesson's check for the cache (lcache.c): lpi_diag()
     * appends what it reports about rec_file unless rec_mute */
    struct lpi_lcache *rec;
    const lpi_srcfile *rec_file;
    unsigned rec_mute;
    /* the previous release (lp_project_opts, version 4), borrowed */
    const lp_previous *previous;
    /* the build profile asked for (version 4), owned, or NULL; and its
     * element in the curriculum file once the check found it */
    char *profile;
    xmlNodePtr prof;
    /* what compiled lessons depend on in it, hashed for the cache
     * (profile.c); zeros without a profile */
    unsigned char profkey[LPI_CACHE_KEY_BYTES];
};

/* ----------------------------------------------------- files, positions */

/* Read dir/rel (at most LPI_MAX_SOURCE_BYTES), check its encoding and
 * normalize line ends.  *out is NULL when the file was reported as bad
 * (missing: code "missing-file" at where/at; else "encoding", "limit").
 * Returns <0 only for failures that end the check (LP_EIO, LP_ENOMEM). */
int lpi_src_read(lp_project *p, const char *rel, lpi_syntax syntax,
                 lpi_srcfile *where, const void *at, lpi_srcfile **out);
void lpi_src_free(lp_project *p, lpi_srcfile *f);

/* The document model, read: el's attribute name ("" if empty, NULL if
 * absent or el is NULL), its first child element name, whether n is an
 * element name.  Inline: the check and the compiler call them per node. */
static inline const char *lpi_attr(xmlNodePtr el, const char *name)
{
    xmlAttrPtr a = el ? xmlHasProp(el, (const xmlChar *)name) : NULL;

    if (!a)
        return NULL;
    return a->children && a->children->content ?
           (const char *)a->children->content : "";
}

static inline xmlNodePtr lpi_child(xmlNodePtr el, const char *name)
{
    for (xmlNodePtr c = el ? el->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE &&
            strcmp((const char *)c->name, name) == 0)
            return c;
    return NULL;
}

static inline bool lpi_is(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE &&
           strcmp((const char *)n->name, name) == 0;
}

/* Record node's position (node: xmlNodePtr or xmlAttrPtr) */
int lpi_src_setpos(lp_project *p, lpi_srcfile *f, void *node,
                   unsigned line, unsigned col);
/* Position of node, or of its nearest ancestor that has one */
lpi_pos lpi_src_pos(const lpi_srcfile *f, const void *node);
/* Column (1-based, characters) of byte offset off, on its line */
lpi_pos lpi_src_offset_pos(const lpi_srcfile *f, size_t off);
/* The same, for offsets met mostly in increasing order: scans forward from
 * the last one (*cur, zeroed to start) instead of from the line's start,
 * so a whole file costs one pass however long its lines */
typedef struct lpi_poscursor {
    size_t off;
    lpi_pos pos;            /* line 0: nothing known yet */
} lpi_poscursor;
lpi_pos lpi_src_cursor_pos(const lpi_srcfile *f, size_t off,
                           lpi_poscursor *cur);

/* Report a diagnostic.  f and node may be NULL; pos overrides node's
 * position when pos.line > 0.  Errors past LPI_MAX_FILE_ERRORS in one file
 * are counted but not reported. */
void lpi_diag(lp_project *p, lp_severity sev, const char *code,
              lpi_srcfile *f, const void *node, lpi_pos pos,
              const char *fmt, ...) LPI_PRINTF(7, 8);
/* Report a diagnostic built already (a recorded one), counting it against
 * file f (may be NULL) exactly as lpi_diag() does */
void lpi_diag_emit(lp_project *p, const lp_diag *d, lpi_srcfile *f);

/* ----------------------------------------------------------- loaders */

/* Build f->doc from the file's YAML or XML text; problems are reported.
 * Return <0 only for LP_ENOMEM / LP_EINTERNAL. */
int lpi_yaml_load(lp_project *p, lpi_srcfile *f);
int lpi_xml_load(lp_project *p, lpi_srcfile *f);

/* Drop comments and processing instructions, whitespace between elements,
 * and collapse whitespace in inline text: what both syntaxes agree on. */
void lpi_doc_normalize(xmlDocPtr doc);

/* Compile the embedded schema (once per project) */
int lpi_schema_load(lp_project *p);
/* Validate f->doc, reporting each problem; sets f->valid */
int lpi_schema_validate(lp_project *p, lpi_srcfile *f);
/* The schema's text (xsd.c), len bytes, not NUL-counted */
const unsigned char *lpi_schema_text(size_t *len);
/* The attribute of element el (by the schema) nearest to attr, when one
 * is a typo away and no other is as near: 'atl' on an image -> 'alt' */
bool lpi_schema_near_attr(const char *el, const char *attr, char *out,
                          size_t cap);
/* A validator message of libxml2 (raw, without its final '.') about node,
 * in words an author can act on (explain.c) */
void lpi_schema_explain(const char *raw, const void *node, char *out,
                        size_t cap);
/* For a multiple-choice activity whose answer is wrong: "answer must be
 * the id of one of the options (a, b, c)", and "; 'x' is an option's
 * text" when value is one.  2 if it is, 1 if not, 0: no options */
int lpi_answer_hint(const void *activity, const char *value, size_t vlen,
                    char *out, size_t cap);
/* Free p's validation context (p->vctx), if it has one */
void lpi_schema_release(lp_project *p);
/* Check the <math> trees of a lesson that passed the schema against the
 * MathML Core subset lp carries (mathcheck.c), reporting each problem */
void lpi_math_check(lp_project *p, lpi_srcfile *f);

/* The whole pipeline for one file: read, parse, normalize, check that the
 * root element is root, validate.  The file is added to the project even
 * when it fails (*out then has no doc or is not valid); *out is NULL when
 * it could not be read. */
int lpi_src_load(lp_project *p, const char *rel, lpi_syntax syntax,
                 const char *root, lpi_srcfile *where, const void *at,
                 lpi_srcfile **out);
/* After lpi_src_read(): parse, normalize, check the root, validate */
int lpi_src_parse(lp_project *p, lpi_srcfile *f, const char *root);
/* The same, without adding the file to the project (*out is the caller's
 * then; NULL if it could not be read) */
int lpi_src_load_file(lp_project *p, const char *rel, lpi_syntax syntax,
                      const char *root, lpi_srcfile *where, const void *at,
                      lpi_srcfile **out);

/* ------------------------------------------------- parallel loading */

/* Lesson files loaded ahead, on worker threads (one per CPU, the calling
 * thread included), in the order the check asks for them.  Plan every
 * file first, then ask for each with lpi_loader_load(): its diagnostics
 * are reported then, on the calling thread, exactly as lpi_src_load()
 * would have reported them, so the output does not depend on threads. */
typedef struct lpi_loader lpi_loader;

int lpi_loader_new(lpi_loader **out, lp_project *p, lpi_srcfile *where);
/* Plan rel (a lesson file, named by the node at of where); a file planned
 * already is not planned again.  Only before the first load. */
int lpi_loader_plan(lpi_loader *l, const char *rel, lpi_syntax syntax,
                    const void *at);
/* lpi_src_load(p, rel, syntax, "lesson", where, at, out), from the
 * planned files when rel is the next of them (else loaded here) */
int lpi_loader_load(lpi_loader *l, const char *rel, lpi_syntax syntax,
                    const void *at, lpi_srcfile **out);
/* Free f's tree (f->doc, f->pos) once the check is done with it.  A tree
 * a worker thread built is freed by that thread, when it next wakes: its
 * memory goes back to that thread's malloc arena without taking the
 * arena's lock against it, and is reused there (about a tenth of the
 * check's CPU time). */
void lpi_loader_release(lpi_loader *l, lpi_srcfile *f);
/* Stop the threads; free what was loaded and never asked for */
void lpi_loader_free(lpi_loader *l);

/* --------------------------------------------------------- text (ICU) */

/* NFC-normalize every text and attribute value of f->doc, and report
 * stray bidirectional controls ("bidi-control").  <0: LP_ENOMEM etc. */
int lpi_text_pass(lp_project *p, lpi_srcfile *f);
/* The canonical BCP 47 form of tag (e.g. "PT-br" -> "pt-BR", "iw" ->
 * "he") into out; -1 if it is malformed or its language unknown to ICU */
int lpi_lang_canon(const char *tag, size_t len, char *out, size_t cap);
/* Levenshtein distance of two short strings (bytes), at most 9; 9 for a
 * string longer than LPI_EDIT_MAX: for "did you mean" */
#define LPI_EDIT_MAX 64
unsigned lpi_edit_distance(const char *a, const char *b);
/* For a tag lpi_lang_canon() refused: the known language it most likely
 * meant, as "'km' (Khmer, <its own name>)" in out; false if none is near
 * (a code one edit away, or a language whose English name it begins or
 * spells, such as "kh" or "khmer" for km) */
bool lpi_lang_suggest(const char *tag, size_t len, char *out, size_t cap);
/* lpi_lang_canon(), remembered in the project: *canon is borrowed */
int lpi_lang_canon_memo(lp_project *p, const char *tag, size_t len,
                        const char **canon);
/* Do two tags name the same language (canonical forms equal)? */
bool lpi_lang_eq(lp_project *p, const char *a, size_t alen, const char *b,
                 size_t blen);
/* Is the language (a canonical tag) written right to left? */
bool lpi_lang_rtl(const char *canon);
/* The script a language (canonical tag) is written in: the one its tag
 * declares (sr-Latn), else its likely one (am: Ethiopic); a UScriptCode,
 * or -1 if unknown */
int lpi_lang_script(const char *canon);
/* Letters of a text in, and not in, a script (Common and Inherited
 * characters -- digits, punctuation, marks -- count for neither) */
typedef struct lpi_script_tally {
    size_t match, other;
} lpi_script_tally;
void lpi_script_count(int script, const char *text, lpi_script_tally *t);
/* Mostly in another script? */
bool lpi_script_mismatch(const lpi_script_tally *t);
/* The script's name, e.g. "Ethiopic" */
const char *lpi_script_name(int script);
/* The order of n texts in a language's collation (a canonical tag; ICU's
 * root collation for a language ICU has none for), digits compared as
 * numbers: order[i] is the index of the i-th text.  Texts the collator
 * finds equal keep byte order, then their order in texts: the result is
 * deterministic.  <0: LP_ENOMEM etc. */
int lpi_collate_order(lp_ctx *ctx, const char *canon,
                      const char *const *texts, size_t n, size_t *order);

/* ------------------------------------------------------ the build cache */

/* What the cache keeps of a lesson (lcache.c): LPI_CACHE_LESSON, its
 * loading and checking -- the diagnostics, and the events that depend on
 * things outside the file (media on disk), replayed in order -- and
 * LPI_CACHE_COMPILED, what lpc build compiled of it. */
typedef enum lpi_lcev_type {
    LPI_EV_DIAG,            /* a diagnostic about the lesson file */
    LPI_EV_MEDIA,           /* a media reference, looked at again */
    LPI_EV_NAMED            /* a lesson id (list 0) or reference (list 1) */
} lpi_lcev_type;

typedef struct lpi_lcev {
    lpi_lcev_type type;
    unsigned sev;           /* DIAG: lp_severity */
    unsigned list;          /* NAMED: which; load DIAG: whose count (1) */
    lpi_pos pos;
    char *code;             /* DIAG */
    char *text;             /* DIAG: message; MEDIA: src; NAMED: id */
} lpi_lcev;

typedef struct lpi_lcsize {
    lpi_pos pos;
    char *value;
} lpi_lcsize;

typedef struct lpi_lcmedia {
    lpi_pos pos;
    char *rel;
} lpi_lcmedia;

typedef struct lpi_lcache {
    unsigned char key[LP_HASH_BYTES];
    bool hit;               /* what follows came from the cache */
    bool store;             /* a miss: record it, then store it */
    bool valid, pruned;
    lpi_lcev *load;         /* diagnostics of the loading */
    size_t nload, capload;
    size_t over_errors, over_warnings;
    lpi_lcev *ev;           /* of the checking */
    size_t nev, capev;
    size_t (*cov)[6];       /* per language: texts[3], lessons[3] */
    size_t ncov;
    /* compiled (hit: from LPI_CACHE_COMPILED) */
    bool has_compiled;
    char *id, *entry;
    lpi_buf asg;
    lpi_buf *docs;
    char **titles;
    size_t ndocs;
    lpi_lcsize *sizes;
    size_t nsizes;
    lpi_lcmedia *media;
    size_t nmedia;
    int rc;                 /* LP_ENOMEM while recording */
} lpi_lcache;

/* Set p->langkey from the curriculum file's languages element */
void lpi_lcache_langs(lp_project *p, xmlNodePtr languages);
/* On a loader thread, once f is read: look the lesson up.  f->lc is set
 * (hit, or store for a miss to record) when the project has a cache and
 * langkey; compiled: lpc build needs LPI_CACHE_COMPILED too.  <0 only for
 * LP_ENOMEM. */
int lpi_lcache_lookup(lp_project *p, lpi_srcfile *f, bool compiled);
/* Record the loading's diagnostics (the job's log) in f->lc */
void lpi_lcache_note_load(lp_project *p, lpi_srcfile *f,
                          const lpi_diaglog *log);
/* lpi_diag() while recording: d about file f, at pos */
void lpi_lcache_note_diag(lp_project *p, const lpi_srcfile *f,
                          lp_severity sev, const char *code, lpi_pos pos,
                          const char *msg);
/* Record an event of the check */
void lpi_lcache_note(lp_project *p, lpi_lcev_type type, unsigned list,
                     lpi_pos pos, const char *text);
/* Store f->lc (a recorded miss): the lesson, and if has_compiled the
 * compiled lesson */
void lpi_lcache_store(lp_project *p, lpi_srcfile *f);
void lpi_lcache_free(lp_project *p, lpi_lcache *lc);
/* The record on its own (the fuzz target's way in): a new empty one;
 * freed with lpi_lcache_dispose() */
lpi_lcache *lpi_lcache_new(lp_ctx *ctx);
void lpi_lcache_dispose(lp_ctx *ctx, lpi_lcache *lc);
/* Parse a payload of kind (LESSON or COMPILED) into lc, for a project of
 * ncov declared languages (nlangs counted as the compiler counts them):
 * 1 if it is one, 0 if not; LP_ENOMEM */
int lpi_lcache_decode(lp_ctx *ctx, lpi_lcache *lc, lpi_cache_kind kind,
                      const void *data, size_t len, size_t ncov,
                      size_t nlangs);
/* The payload of kind for lc, appended to out */
int lpi_lcache_encode(lp_ctx *ctx, const lpi_lcache *lc,
                      lpi_cache_kind kind, lpi_buf *out);

/* ------------------------------------------- stable ids (history.c) */

/* Fingerprints: the LPI_FP_K smallest hashes of the shingles (runs of
 * LPI_FP_SHINGLE characters) of a lesson's normalized text, written "1:"
 * and 8 hexadecimal digits a hash; two lessons are nearly the same at
 * LPI_FP_NEAR percent similarity or more (lp-curriculum(5), STABLE IDS) */
#define LPI_FP_K 16u
#define LPI_FP_SHINGLE 8u
#define LPI_FP_CAP (2u + 8u * LPI_FP_K + 1u)
#define LPI_FP_NEAR 50
/* Room for a lesson id (64 bytes by the schema) */
#define LPI_ID_CAP 72u

/* The fingerprint of lesson (its root element) into out (LPI_FP_CAP
 * bytes): the text of its body in the default language def_canon (a
 * canonical tag, or NULL: the first body) */
void lpi_fingerprint(lp_project *p, xmlNodePtr lesson, const char *def_canon,
                     char *out);
/* Similarity of two fingerprints, 0..100 (percent, rounded down); -1 if
 * either is not a fingerprint (of this version) */
int lpi_fp_similarity(const char *a, const char *b);
/* Length of rel without a lesson file's extension (.yaml, .yml, .xml):
 * the "source" the catalog records */
size_t lpi_source_stem(const char *rel);

/* What the check keeps of each lesson for the comparison with the
 * previous release: its id (where it is named), fingerprint and
 * renamed-from list (NULL if none) */
typedef struct lpi_hist {
    const char *id;         /* borrowed: the checker owns it */
    lpi_srcfile *f;
    lpi_pos pos;
    char fp[LPI_FP_CAP];
    char *renamed;          /* borrowed, as id */
    lpi_pos rpos;
} lpi_hist;

/* Report renamed-from lists that name a lesson of this release, and, with
 * a previous release (p->previous), lessons whose id changed (id-changed)
 * and lessons removed (removed-lesson).  <0: LP_ENOMEM. */
int lpi_history_check(lp_project *p, const lpi_hist *cur, size_t n);

/* --------------------------------------------- profiles (profile.c) */

/* "5 MiB", "300KiB", "1024" (the schema's Size) -> bytes */
bool lpi_parse_size(const char *s, uint64_t *out);
/* Check the profiles element of the curriculum file (root): names
 * unique, languages declared; set p->prof to the one p->profile names,
 * or report that there is none ("profile") */
void lpi_profiles_check(lp_project *p, lpi_srcfile *cur, xmlNodePtr root);
/* Does the package include the language (canonical tag)?  (always
 * without a profile, or when the profile names no languages) */
bool lpi_profile_has_lang(lp_project *p, const char *canon);
/* Does the profile leave out this media block of f (its kind excluded,
 * or its file larger than max-media-size)? */
bool lpi_profile_drops(lp_project *p, lpi_srcfile *f, xmlNodePtr block);

/* --------------------------------------------------------- the checks */

/* Load the lesson files the curriculum names and run the semantic checks
 * (check.c) on everything that passed the schema. */
int lpi_check_project(lp_project *p);

/* Project-relative path of src as named in file f: the file's folder joined
 * with src, with "." and ".." resolved.  NULL (and *why set) if it is
 * absolute or leaves the project. */
char *lpi_src_resolve(lp_project *p, const lpi_srcfile *f, const char *src,
                      const char **why);

#endif /* LPI_SOURCE_H */
