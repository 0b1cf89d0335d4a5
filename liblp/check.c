/*
 * check.c - what the schema cannot say: unique ids, references that
 * resolve, answer keys, translations through fallback chains, media.
 * Runs on documents that passed the schema, so required attributes and
 * elements are known to be there.  Codes are listed in lp-curriculum(5).
 */
#include "lpi_source.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

typedef struct lang {
    const char *tag;
    const char *fallback;   /* space-separated tags, or NULL */
} lang;

typedef struct named {
    const char *id;         /* borrowed from a document */
    lpi_srcfile *f;
    xmlNodePtr node;
    size_t order;
} named;

typedef struct checker {
    lp_project *p;
    lang langs[LP_MAX_LANGUAGES];
    size_t nlangs;
    named *lessons;         /* lesson ids */
    size_t nlessons, caplessons;
    named *refs;            /* requires= and lesson: links */
    size_t nrefs, caprefs;
    char **media;           /* project-relative paths referenced */
    size_t nmedia, capmedia;
    bool incomplete;        /* a lesson could not be checked */
    char **owned;           /* strings to free at the end */
    size_t nowned, capowned;
    int rc;
} checker;

static const lpi_pos nopos = { 0, 0 };

static const char *attr(xmlNodePtr el, const char *name)
{
    xmlAttrPtr a = xmlHasProp(el, (const xmlChar *)name);

    if (!a || !a->children || !a->children->content)
        return a ? "" : NULL;
    return (const char *)a->children->content;
}

static xmlNodePtr child(xmlNodePtr el, const char *name)
{
    for (xmlNodePtr c = el ? el->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE &&
            strcmp((const char *)c->name, name) == 0)
            return c;
    return NULL;
}

static bool is(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE &&
           strcmp((const char *)n->name, name) == 0;
}

#define ERR(c, code, f, node, ...) \
    lpi_diag((c)->p, LP_SEVERITY_ERROR, code, f, node, nopos, __VA_ARGS__)

/* ------------------------------------------------------------ ids */

/* Ids unique among the children named name of parent (small scopes) */
static void unique_children(checker *c, lpi_srcfile *f, xmlNodePtr parent,
                            const char *what)
{
    for (xmlNodePtr a = parent ? parent->children : NULL; a; a = a->next) {
        const char *id = a->type == XML_ELEMENT_NODE ? attr(a, "id") : NULL;
        if (!id)
            continue;
        for (xmlNodePtr b = parent->children; b != a; b = b->next) {
            const char *id2 = b->type == XML_ELEMENT_NODE ?
                              attr(b, "id") : NULL;
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

static void add_named(checker *c, named **arr, size_t *n, size_t *cap,
                      const char *id, lpi_srcfile *f, xmlNodePtr node)
{
    if (c->rc < 0)
        return;
    c->rc = lpi_grow(c->p->ctx, (void **)arr, cap, *n + 1, sizeof(**arr));
    if (c->rc < 0)
        return;
    (*arr)[*n].id = id;
    (*arr)[*n].f = f;
    (*arr)[*n].node = node;
    (*arr)[*n].order = *n;
    (*n)++;
}

/* ------------------------------------------------------------ languages */

static const lang *find_lang(const checker *c, const char *tag, size_t len)
{
    for (size_t i = 0; i < c->nlangs; i++)
        if (strlen(c->langs[i].tag) == len &&
            strncmp(c->langs[i].tag, tag, len) == 0)
            return &c->langs[i];
    return NULL;
}

static void check_languages(checker *c, lpi_srcfile *f, xmlNodePtr langs)
{
    const char *def = attr(langs, "default");

    for (xmlNodePtr l = langs->children; l; l = l->next) {
        const char *tag;

        if (!is(l, "language"))
            continue;
        tag = attr(l, "tag");
        if (find_lang(c, tag, strlen(tag))) {
            ERR(c, "dup-id", f, xmlHasProp(l, (const xmlChar *)"tag"),
                "language '%s' is declared twice", tag);
            continue;
        }
        if (c->nlangs < LP_MAX_LANGUAGES) {
            c->langs[c->nlangs].tag = tag;
            c->langs[c->nlangs].fallback = attr(l, "fallback");
            c->nlangs++;
        }
    }
    if (!find_lang(c, def, strlen(def)))
        ERR(c, "unknown-language", f,
            xmlHasProp(langs, (const xmlChar *)"default"),
            "default language '%s' is not one of the languages", def);
    for (xmlNodePtr l = langs->children; l; l = l->next) {
        const char *fb, *tag;

        if (!is(l, "language"))
            continue;
        tag = attr(l, "tag");
        fb = attr(l, "fallback");
        for (const char *s = fb; s && *s;) {
            size_t n = strcspn(s, " \t\n");
            if (n > 0 && !find_lang(c, s, n))
                ERR(c, "unknown-language", f,
                    xmlHasProp(l, (const xmlChar *)"fallback"),
                    "fallback '%.*s' of '%s' is not one of the languages",
                    (int)n, s, tag);
            else if (n > 0 && strlen(tag) == n && strncmp(s, tag, n) == 0)
                ERR(c, "unknown-language", f,
                    xmlHasProp(l, (const xmlChar *)"fallback"),
                    "language '%s' falls back to itself", tag);
            s += n;
            s += strspn(s, " \t\n");
        }
    }
}

/* Is language l covered by has(tag) directly or through its fallbacks? */
typedef bool (*has_fn)(xmlNodePtr el, const char *tag, size_t len);

static bool covered(const lang *l, has_fn has, xmlNodePtr el)
{
    if (has(el, l->tag, strlen(l->tag)))
        return true;
    for (const char *s = l->fallback; s && *s;) {
        size_t n = strcspn(s, " \t\n");
        if (n > 0 && has(el, s, n))
            return true;
        s += n;
        s += strspn(s, " \t\n");
    }
    return false;
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

static bool has_attr(xmlNodePtr el, const char *tag, size_t len)
{
    for (xmlAttrPtr a = el->properties; a; a = a->next)
        if (strlen((const char *)a->name) == len &&
            strncmp((const char *)a->name, tag, len) == 0)
            return true;
    return false;
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
        bool skip = false;

        for (size_t i = 0; i < sizeof(fixed) / sizeof(*fixed); i++)
            skip |= strcmp(name, fixed[i]) == 0;
        if (!skip && !find_lang(c, name, strlen(name)))
            ERR(c, "unknown-language", f, a, "'%s' is not a language of "
                "this curriculum", name);
    }
    snprintf(what, sizeof(what), "<%s>", (const char *)el->name);
    for (size_t i = 0; i < c->nlangs; i++)
        if (!covered(&c->langs[i], has_attr, el))
            report_missing(c, f, el, what, &c->langs[i]);
}

/* ------------------------------------------------------------- media */

static void use_media(checker *c, lpi_srcfile *f, xmlAttrPtr a)
{
    const char *src, *why;
    char *rel, path[4096];
    struct stat st;

    if (!a || c->rc < 0)
        return;
    src = a->children && a->children->content ?
          (const char *)a->children->content : "";
    rel = lpi_src_resolve(c->p, f, src, &why);
    if (!rel) {
        if (!why) {
            c->rc = LP_ENOMEM;
            return;
        }
        ERR(c, "bad-path", f, a, "'%s' %s", src, why);
        return;
    }
    snprintf(path, sizeof(path), "%s/%s", c->p->dir, rel);
    if (lstat(path, &st) != 0) {
        ERR(c, "missing-media", f, a, "no such file: '%s' (%s)", src, rel);
    } else if (S_ISLNK(st.st_mode)) {
        ERR(c, "bad-path", f, a, "'%s' is a symbolic link", src);
    } else if (!S_ISREG(st.st_mode)) {
        ERR(c, "missing-media", f, a, "'%s' is not a regular file", src);
    }
    c->rc = lpi_grow(c->p->ctx, (void **)&c->media, &c->capmedia,
                     c->nmedia + 1, sizeof(*c->media));
    if (c->rc < 0) {
        lpi_free(c->p->ctx, rel);
        return;
    }
    c->media[c->nmedia++] = rel;
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
static void unused_in(checker *c, const char *rel, unsigned depth)
{
    char path[4096], sub[4096];
    struct dirent *e;
    DIR *d;

    if (depth > 16)
        return;
    snprintf(path, sizeof(path), "%s/%s", c->p->dir, rel);
    d = opendir(path);
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        struct stat st;

        if (e->d_name[0] == '.')
            continue;
        if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", rel, e->d_name) >=
            sizeof(sub))
            continue;
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", c->p->dir, sub) >=
            sizeof(path) || lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            unused_in(c, sub, depth + 1);
        } else if (S_ISREG(st.st_mode) && !media_used(c, sub)) {
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

static void check_inline_links(checker *c, lpi_srcfile *f, xmlNodePtr el,
                               unsigned depth)
{
    for (xmlNodePtr n = el->children; n && depth < 64; n = n->next) {
        const char *href;

        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (is(n, "a")) {
            href = attr(n, "href");
            if (href && strncmp(href, "lesson:", 7) == 0)
                add_named(c, &c->refs, &c->nrefs, &c->caprefs, href + 7, f,
                          (xmlNodePtr)xmlHasProp(n,
                                                 (const xmlChar *)"href"));
        }
        check_inline_links(c, f, n, depth + 1);
    }
}

static bool has_body(xmlNodePtr content, const char *tag, size_t len)
{
    for (xmlNodePtr b = content->children; b; b = b->next) {
        const char *l = is(b, "body") ? attr(b, "lang") : NULL;
        if (l && strlen(l) == len && strncmp(l, tag, len) == 0)
            return true;
    }
    return false;
}

static void check_body(checker *c, lpi_srcfile *f, xmlNodePtr body)
{
    static const char *const media_attrs[] = { "src", "captions" };

    for (xmlNodePtr b = body->children; b; b = b->next) {
        if (b->type != XML_ELEMENT_NODE)
            continue;
        if (is(b, "image") || is(b, "audio") || is(b, "video") ||
            is(b, "attachment")) {
            for (size_t i = 0; i < 2; i++)
                use_media(c, f, xmlHasProp(b, (const xmlChar *)
                                           media_attrs[i]));
        }
    }
    check_inline_links(c, f, body, 0);
}

static void check_activity(checker *c, lpi_srcfile *f, xmlNodePtr act)
{
    xmlNodePtr fb = child(act, "feedback");

    check_text(c, f, child(act, "prompt"));
    if (fb) {
        check_text(c, f, child(fb, "correct"));
        check_text(c, f, child(fb, "incorrect"));
    }
    if (is(act, "multiple-choice")) {
        xmlNodePtr opts = child(act, "options");
        const char *ans = attr(act, "answer");

        unique_children(c, f, opts, "option");
        for (xmlNodePtr o = opts ? opts->children : NULL; o; o = o->next)
            if (is(o, "option"))
                check_text(c, f, o);
        for (const char *s = ans; s && *s;) {
            size_t n = strcspn(s, " \t\n");
            bool found = false;

            for (xmlNodePtr o = opts ? opts->children : NULL; o && n;
                 o = o->next) {
                const char *id = is(o, "option") ? attr(o, "id") : NULL;
                found |= id && strlen(id) == n && strncmp(id, s, n) == 0;
            }
            if (n > 0 && !found)
                ERR(c, "bad-key", f, xmlHasProp(act, (const xmlChar *)
                                                "answer"),
                    "answer '%.*s' of '%s' is not one of its options",
                    (int)n, s, attr(act, "id"));
            s += n;
            s += strspn(s, " \t\n");
        }
    } else if (is(act, "short-answer")) {
        xmlNodePtr ans = child(act, "answers");
        for (xmlNodePtr a = ans ? ans->children : NULL; a; a = a->next)
            if (is(a, "answer"))
                check_text(c, f, a);
    }
}

static void check_lesson(checker *c, lpi_srcfile *f)
{
    xmlNodePtr root = xmlDocGetRootElement(f->doc);
    xmlNodePtr content = child(root, "content");
    xmlNodePtr acts = child(root, "activities");
    xmlNodePtr asg = child(root, "assignments");
    xmlNodePtr objs = child(root, "objectives");
    const char *id = attr(root, "id");
    const char *req = attr(root, "requires");
    char what[128];

    add_named(c, &c->lessons, &c->nlessons, &c->caplessons, id, f,
              (xmlNodePtr)xmlHasProp(root, (const xmlChar *)"id"));
    for (const char *s = req; s && *s;) {
        size_t n = strcspn(s, " \t\n");

        if (n > 0) {
            /* refs need NUL-terminated ids: the checker keeps copies */
            char *dup;

            c->rc = lpi_grow(c->p->ctx, (void **)&c->owned, &c->capowned,
                             c->nowned + 1, sizeof(*c->owned));
            if (c->rc < 0)
                return;
            dup = lpi_malloc(c->p->ctx, n + 1);
            if (!dup) {
                c->rc = LP_ENOMEM;
                return;
            }
            memcpy(dup, s, n);
            dup[n] = '\0';
            c->owned[c->nowned++] = dup;
            add_named(c, &c->refs, &c->nrefs, &c->caprefs, dup, f,
                      (xmlNodePtr)xmlHasProp(root,
                                             (const xmlChar *)"requires"));
        }
        s += n;
        s += strspn(s, " \t\n");
    }
    check_text(c, f, child(root, "title"));
    unique_children(c, f, objs, "objective");
    for (xmlNodePtr o = objs ? objs->children : NULL; o; o = o->next)
        if (is(o, "objective"))
            check_text(c, f, o);

    /* one body per language, each declared */
    for (xmlNodePtr b = content->children; b; b = b->next) {
        const char *l;

        if (!is(b, "body"))
            continue;
        l = attr(b, "lang");
        if (!find_lang(c, l, strlen(l)))
            ERR(c, "unknown-language", f, xmlHasProp(b, (const xmlChar *)
                                                     "lang"),
                "'%s' is not a language of this curriculum", l);
        for (xmlNodePtr b2 = content->children; b2 != b; b2 = b2->next)
            if (is(b2, "body") && strcmp(attr(b2, "lang"), l) == 0) {
                ERR(c, "dup-id", f, b, "a second body in '%s'", l);
                break;
            }
        check_body(c, f, b);
    }
    snprintf(what, sizeof(what), "lesson '%s'", id);
    for (size_t i = 0; i < c->nlangs; i++)
        if (!covered(&c->langs[i], has_body, content))
            report_missing(c, f, content, what, &c->langs[i]);

    /* activities and assignments share one id scope per lesson */
    if (acts && asg) {
        for (xmlNodePtr a = asg->children; a; a = a->next) {
            const char *aid = is(a, "assignment") ? attr(a, "id") : NULL;
            for (xmlNodePtr q = acts->children; aid && q; q = q->next)
                if (q->type == XML_ELEMENT_NODE &&
                    strcmp(attr(q, "id"), aid) == 0) {
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
        if (is(a, "assignment"))
            check_text(c, f, child(a, "task"));
}

static int load_lessons(checker *c, lpi_srcfile *cur, xmlNodePtr subjects)
{
    lp_project *p = c->p;

    unique_children(c, cur, subjects, "subject");
    for (xmlNodePtr s = subjects->children; s; s = s->next) {
        xmlNodePtr grades = child(s, "grades");

        if (!is(s, "subject"))
            continue;
        check_text(c, cur, child(s, "title"));
        unique_children(c, cur, grades, "grade");
        for (xmlNodePtr g = grades->children; g; g = g->next) {
            xmlNodePtr units = child(g, "units");

            if (!is(g, "grade"))
                continue;
            check_text(c, cur, child(g, "title"));
            unique_children(c, cur, units, "unit");
            for (xmlNodePtr u = units->children; u; u = u->next) {
                xmlNodePtr lessons = child(u, "lessons");

                if (!is(u, "unit"))
                    continue;
                check_text(c, cur, child(u, "title"));
                for (xmlNodePtr l = lessons->children; l; l = l->next) {
                    xmlAttrPtr src = xmlHasProp(l, (const xmlChar *)"src");
                    const char *why, *ext;
                    lpi_srcfile *f = NULL;
                    lpi_syntax syn;
                    char *rel;
                    bool seen = false;
                    int rc;

                    if (!is(l, "lesson"))
                        continue;
                    rel = lpi_src_resolve(p, cur, attr(l, "src"), &why);
                    if (!rel) {
                        if (!why)
                            return LP_ENOMEM;
                        ERR(c, "bad-path", cur, src, "'%s' %s",
                            attr(l, "src"), why);
                        continue;
                    }
                    ext = strrchr(rel, '.');
                    if (ext && (!strcmp(ext, ".yaml") ||
                                !strcmp(ext, ".yml"))) {
                        syn = LPI_YAML;
                    } else if (ext && !strcmp(ext, ".xml")) {
                        syn = LPI_XML;
                    } else {
                        ERR(c, "bad-path", cur, src, "lesson file '%s' must "
                            "end in .yaml, .yml or .xml", attr(l, "src"));
                        lpi_free(p->ctx, rel);
                        continue;
                    }
                    for (size_t i = 0; i < p->nfiles; i++)
                        seen |= strcmp(p->files[i]->rel, rel) == 0;
                    if (seen) {
                        ERR(c, "dup-id", cur, src, "lesson file '%s' is "
                            "listed twice", attr(l, "src"));
                        lpi_free(p->ctx, rel);
                        continue;
                    }
                    if (p->nfiles > LPI_MAX_LESSONS) {
                        lpi_free(p->ctx, rel);
                        ERR(c, "limit", cur, src, "more than %u lessons",
                            LPI_MAX_LESSONS);
                        return 0;
                    }
                    rc = lpi_src_load(p, rel, syn, "lesson", cur, src, &f);
                    lpi_free(p->ctx, rel);
                    if (rc < 0)
                        return rc;
                    if (f && f->valid)
                        check_lesson(c, f);
                    else
                        c->incomplete = true;
                    if (c->rc < 0)
                        return c->rc;
                }
            }
        }
    }
    return 0;
}

int lpi_check_project(lp_project *p)
{
    lpi_srcfile *cur = p->files[0];
    xmlNodePtr root = xmlDocGetRootElement(cur->doc);
    xmlNodePtr media = child(root, "media");
    checker c;
    int rc;

    memset(&c, 0, sizeof(c));
    c.p = p;
    check_languages(&c, cur, child(root, "languages"));
    check_text(&c, cur, child(root, "title"));
    check_text(&c, cur, child(root, "description"));
    rc = load_lessons(&c, cur, child(root, "subjects"));
    if (rc < 0)
        goto done;

    /* lesson ids are unique across the curriculum */
    lpi_sort(c.lessons, c.nlessons, sizeof(*c.lessons), cmp_named);
    for (size_t i = 1; i < c.nlessons; i++) {
        if (strcmp(c.lessons[i].id, c.lessons[i - 1].id) != 0)
            continue;
        ERR(&c, "dup-id", c.lessons[i].f, c.lessons[i].node,
            "lesson id '%s' is used twice", c.lessons[i].id);
        lpi_diag(p, LP_SEVERITY_NOTE, "dup-id", c.lessons[i - 1].f,
                 c.lessons[i - 1].node, nopos, "first used here");
    }
    /* a lesson that could not be read may hold the id: say nothing */
    for (size_t i = 0; i < c.nrefs && !c.incomplete; i++) {
        const named *r = &c.refs[i];
        if (c.nlessons == 0 ||
            !bsearch(r->id, c.lessons, c.nlessons, sizeof(*c.lessons),
                     find_named))
            ERR(&c, "dangling-ref", r->f, r->node,
                "no lesson has the id '%s'", r->id);
    }

    lpi_sort(c.media, c.nmedia, sizeof(*c.media), cmp_str);
    /* assets: licence of a file some lesson uses */
    for (xmlNodePtr a = media ? media->children : NULL; a; a = a->next) {
        const char *why;
        char *rel;
        bool used;

        if (!is(a, "asset"))
            continue;
        rel = lpi_src_resolve(p, cur, attr(a, "src"), &why);
        if (!rel) {
            if (!why) {
                rc = LP_ENOMEM;
                goto done;
            }
            ERR(&c, "bad-path", cur, xmlHasProp(a, (const xmlChar *)"src"),
                "'%s' %s", attr(a, "src"), why);
            continue;
        }
        used = media_used(&c, rel);
        if (!used && !c.incomplete)
            lpi_diag(p, LP_SEVERITY_WARNING, "unused-media", cur,
                     xmlHasProp(a, (const xmlChar *)"src"), nopos,
                     "asset '%s' is not used by any lesson", attr(a, "src"));
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
    lpi_free(p->ctx, c.refs);
    return rc < 0 ? rc : c.rc;
}
