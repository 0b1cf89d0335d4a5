/*
 * catalog.c - a package's compiled catalog (curriculum/catalog.json) and
 * its assignments (curriculum/assignments.json), checked once when opened
 * so that every accessor afterwards is a lookup that cannot fail.
 */
#include "lpi_runtime.h"
#include "lpi_catalog.h"

#include <stdlib.h>
#include <string.h>

static const char *const directions[] = { "ltr", "rtl", NULL };

/* ------------------------------------------------------------ texts */

const lpi_clang *lpi_catalog_lang(const lp_catalog *cat, const char *tag)
{
    if (!tag)
        return &cat->langs[cat->def];
    for (size_t i = 0; i < cat->nlangs; i++)
        if (lpi_tag_eq(cat->langs[i].tag, tag))
            return &cat->langs[i];
    return NULL;
}

const char *lpi_catalog_text(const lp_catalog *cat, json_object *map,
                             const char *lang, const char **in_lang)
{
    const lpi_clang *l = cat && map ? lpi_catalog_lang(cat, lang) : NULL;
    const char *t;

    if (in_lang)
        *in_lang = NULL;
    if (!l)
        return NULL;
    t = json_object_get_string(json_object_object_get(map, l->tag));
    if (in_lang) {
        /* the text is the language's own unless a language it falls back
         * on has the very same string: then it is that one's (identical
         * strings read the same in both) */
        *in_lang = l->tag;
        for (size_t k = 0; k < l->nchain; k++) {
            const lpi_clang *f = &cat->langs[l->chain[k]];
            const char *ft = json_object_get_string(
                json_object_object_get(map, f->tag));
            if (strcmp(ft, t) == 0) {
                *in_lang = f->tag;
                break;
            }
        }
    }
    return t;
}

/* A text map: an object with a string for every language */
static json_object *check_texts(lpi_jcheck *c, const lp_catalog *cat,
                                json_object *o, const char *key,
                                bool optional)
{
    json_object *m = lpi_jget(c, o, key, json_type_object, optional);
    size_t was;

    if (!m)
        return NULL;
    was = lpi_jpush(c, key);
    for (size_t i = 0; i < cat->nlangs && c->rc >= 0; i++)
        (void)lpi_jstr(c, m, cat->langs[i].tag, false);
    lpi_jpop(c, was);
    return c->rc < 0 ? NULL : m;
}

/* ------------------------------------------------------------ checks */

static int check_languages(lpi_jcheck *c, lp_catalog *cat, json_object *root)
{
    json_object *a = lpi_jget(c, root, "languages", json_type_array, false);
    const char *def = lpi_jstr(c, root, "default_language", false);
    size_t was, n;
    bool have_def = false;

    if (!a)
        return c->rc;
    n = lpi_jlen(a);
    was = lpi_jpush(c, "languages");
    if (n == 0 || n > LP_MAX_LANGUAGES) {
        lpi_jfail(c, n ? LP_ETOOBIG : LP_EFORMAT, n ?
                  "more languages than LP_MAX_LANGUAGES" : "no language");
        lpi_jpop(c, was);
        return c->rc;
    }
    cat->langs = lpi_calloc(c->ctx, n, sizeof(*cat->langs));
    if (!cat->langs) {
        lpi_jpop(c, was);
        return c->rc = lpi_nomem(c->ctx);
    }
    cat->nlangs = n;
    for (size_t i = 0; i < n && c->rc >= 0; i++) {
        json_object *l = json_object_array_get_idx(a, i);
        lpi_clang *cl = &cat->langs[i];
        size_t w2 = lpi_jpush_index(c, i);

        if (json_object_get_type(l) != json_type_object) {
            lpi_jfail(c, LP_EFORMAT, "is not an object");
            break;
        }
        cl->tag = lpi_jstr(c, l, "tag", false);
        cl->name = lpi_jstr(c, l, "name", false);
        cl->dir = lpi_jenum(c, l, "direction", directions) == 1 ? LP_RTL :
                  LP_LTR;
        cl->fallback = lpi_jstrings(c, l, "fallback");
        if (cl->tag && (cl->tag[0] == '\0' ||
                        strlen(cl->tag) > LP_MAX_LANGUAGE_BYTES))
            lpi_jfail(c, LP_EFORMAT, "tag is not a language tag");
        for (size_t k = 0; k < i && c->rc >= 0; k++)
            if (lpi_tag_eq(cat->langs[k].tag, cl->tag))
                lpi_jfail(c, LP_EFORMAT, "a language is listed twice");
        if (c->rc >= 0 && def && lpi_tag_eq(cl->tag, def)) {
            cat->def = i;
            have_def = true;
        }
        lpi_jpop(c, w2);
    }
    lpi_jpop(c, was);
    if (c->rc >= 0 && !have_def)
        lpi_jfail(c, LP_EFORMAT, "default_language is not one of languages");
    /* each language's chain: its fallbacks, then the default language */
    for (size_t i = 0; i < n && c->rc >= 0; i++) {
        lpi_clang *cl = &cat->langs[i];
        json_object *fb = cl->fallback;

        for (size_t k = 0; k <= lpi_jlen(fb); k++) {
            const char *t = k < lpi_jlen(fb) ?
                            lpi_jat_str(fb, k) : cat->langs[cat->def].tag;
            const lpi_clang *f = lpi_catalog_lang(cat, t);
            bool dup = f == cl;

            if (!f) {
                was = lpi_jpush(c, "languages");
                lpi_jpush_index(c, i);
                lpi_jfail(c, LP_EFORMAT, "a fallback is not one of "
                          "languages");
                lpi_jpop(c, was);
                break;
            }
            for (size_t j = 0; j < cl->nchain; j++)
                dup |= cl->chain[j] == (size_t)(f - cat->langs);
            if (!dup && cl->nchain < LP_MAX_LANGUAGES)
                cl->chain[cl->nchain++] = (size_t)(f - cat->langs);
        }
    }
    return c->rc;
}

static int add_node(lpi_jcheck *c, lp_catalog *cat, lp_catnode **out)
{
    lp_catnode *n;

    if (lpi_grow(c->ctx, (void **)&cat->nodes, &cat->capnodes,
                 cat->nnodes + 1, sizeof(*cat->nodes)) < 0)
        return c->rc = lpi_nomem(c->ctx);
    n = lpi_calloc(c->ctx, 1, sizeof(*n));
    if (!n)
        return c->rc = lpi_nomem(c->ctx);
    cat->nodes[cat->nnodes++] = n;
    n->cat = cat;
    *out = n;
    return 0;
}

static int cmp_byid(const void *x, const void *y)
{
    return strcmp((*(lp_catnode *const *)x)->id,
                  (*(lp_catnode *const *)y)->id);
}

static lp_catnode *find_lesson(const lp_catalog *cat, const char *id)
{
    lp_catnode key, *k = &key, **hit;

    key.id = id;
    hit = cat->nlessons ? bsearch(&k, cat->byid, cat->nlessons,
                                  sizeof(*cat->byid), cmp_byid) : NULL;
    return hit ? *hit : NULL;
}

static void check_objective(lpi_jcheck *c, json_object *o, void *arg)
{
    (void)lpi_jstr(c, o, "id", false);
    (void)lpi_jstrings(c, o, "standards");
    (void)check_texts(c, arg, o, "text", false);
}

/* The lessons map: one node per lesson, checked */
static int check_lessons(lpi_jcheck *c, lp_catalog *cat, json_object *root)
{
    json_object *m = lpi_jget(c, root, "lessons", json_type_object, false);
    size_t n, i = 0, was;

    if (!m)
        return c->rc;
    n = (size_t)json_object_object_length(m);
    cat->lessons = lpi_calloc(c->ctx, n + 1, sizeof(*cat->lessons));
    cat->byid = lpi_calloc(c->ctx, n + 1, sizeof(*cat->byid));
    if (!cat->lessons || !cat->byid)
        return c->rc = lpi_nomem(c->ctx);
    was = lpi_jpush(c, "lessons");
    json_object_object_foreach(m, id, e) {
        lp_catnode *ln = &cat->lessons[i];
        size_t w2 = lpi_jpush(c, id);
        json_object *objs, *docs;

        if (c->rc < 0)
            break;
        if (json_object_get_type(e) != json_type_object || id[0] == '\0') {
            lpi_jfail(c, LP_EFORMAT, "is not a lesson (an object, by a "
                      "non-empty id)");
            break;
        }
        ln->cat = cat;
        ln->kind = LP_CAT_LESSON;
        ln->id = id;
        ln->entry = e;
        ln->title = check_texts(c, cat, e, "title", false);
        ln->duration = lpi_juint(c, e, "duration");
        ln->requires = lpi_jstrings(c, e, "requires");
        /* written by lpc since stable ids (lp-curriculum(5)) */
        if (json_object_object_get_ex(e, "renamed_from", NULL))
            ln->renamed_from = lpi_jstrings(c, e, "renamed_from");
        ln->source = lpi_jstr(c, e, "source", true);
        ln->fingerprint = lpi_jstr(c, e, "fingerprint", true);
        objs = lpi_jeach(c, e, "objectives", check_objective, cat);
        ln->objectives = objs;
        docs = check_texts(c, cat, e, "documents", false);
        ln->documents = docs;
        ln->activities = lpi_juint(c, e, "activities");
        ln->assignments = lpi_juint(c, e, "assignments");
        cat->byid[i] = ln;
        i++;
        lpi_jpop(c, w2);
    }
    lpi_jpop(c, was);
    cat->nlessons = i;
    if (c->rc >= 0)
        lpi_sort(cat->byid, cat->nlessons, sizeof(*cat->byid), cmp_byid);
    return c->rc;
}

/* Subjects > grades > units > lesson ids: the tree in teaching order */
static const struct level {
    const char *list;
    lp_catnode_kind kind;
} levels[] = {
    { "subjects", LP_CAT_SUBJECT },
    { "grades", LP_CAT_GRADE },
    { "units", LP_CAT_UNIT },
    { "lessons", LP_CAT_LESSON },
};

static int check_level(lpi_jcheck *c, lp_catalog *cat, json_object *o,
                       size_t depth, lp_catnode *parent, lp_catnode ***kids,
                       size_t *nkids)
{
    const struct level *lv = &levels[depth];
    json_object *a = lv->kind == LP_CAT_LESSON ?
                     lpi_jstrings(c, o, lv->list) :
                     lpi_jget(c, o, lv->list, json_type_array, false);
    size_t n, was;

    if (!a)
        return c->rc;
    n = lpi_jlen(a);
    *kids = lpi_calloc(c->ctx, n + 1, sizeof(**kids));
    if (!*kids)
        return c->rc = lpi_nomem(c->ctx);
    was = lpi_jpush(c, lv->list);
    for (size_t i = 0; i < n && c->rc >= 0; i++) {
        json_object *e = json_object_array_get_idx(a, i);
        size_t w2 = lpi_jpush_index(c, i);
        lp_catnode *nd = NULL;

        if (lv->kind == LP_CAT_LESSON) {
            nd = find_lesson(cat, json_object_get_string(e));
            if (!nd)
                lpi_jfail(c, LP_EFORMAT, "names a lesson the catalog's "
                          "lessons lack");
            else if (nd->parent)
                lpi_jfail(c, LP_EFORMAT, "names a lesson that is in "
                          "another unit already");
            else if (cat->nteach >= cat->nlessons)
                lpi_jfail(c, LP_EINTERNAL, "lesson count");
            else
                cat->teach[cat->nteach++] = nd;
        } else if (json_object_get_type(e) != json_type_object) {
            lpi_jfail(c, LP_EFORMAT, "is not an object");
        } else if (add_node(c, cat, &nd) == 0) {
            nd->kind = lv->kind;
            nd->id = lpi_jstr(c, e, "id", false);
            nd->title = check_texts(c, cat, e, "title", false);
            check_level(c, cat, e, depth + 1, nd, &nd->kids, &nd->nkids);
        }
        if (c->rc >= 0) {
            nd->parent = parent;
            (*kids)[(*nkids)++] = nd;
        }
        lpi_jpop(c, w2);
    }
    lpi_jpop(c, was);
    return c->rc;
}

static int check_index(lpi_jcheck *c, lp_catalog *cat, json_object *root)
{
    json_object *m = lpi_jget(c, root, "index", json_type_object, false);
    size_t was;

    if (!m)
        return c->rc;
    was = lpi_jpush(c, "index");
    for (size_t i = 0; i < cat->nlangs && c->rc >= 0; i++) {
        lpi_clang *l = &cat->langs[i];
        json_object *a = lpi_jstrings(c, m, l->tag);
        size_t w2 = lpi_jpush(c, l->tag);

        if (a && lpi_jlen(a) != cat->nlessons)
            lpi_jfail(c, LP_EFORMAT, "does not list every lesson once");
        if (c->rc >= 0) {
            l->index = lpi_calloc(c->ctx, cat->nlessons + 1,
                                  sizeof(*l->index));
            if (!l->index)
                c->rc = lpi_nomem(c->ctx);
        }
        for (size_t k = 0; k < cat->nlessons && c->rc >= 0; k++) {
            l->index[k] = find_lesson(cat, lpi_jat_str(a, k));
            if (!l->index[k])
                lpi_jfail(c, LP_EFORMAT, "names a lesson the catalog's "
                          "lessons lack");
        }
        lpi_jpop(c, w2);
    }
    lpi_jpop(c, was);
    return c->rc;
}

static void check_medium(lpi_jcheck *c, json_object *m, void *arg)
{
    (void)arg;
    (void)lpi_jstr(c, m, "path", false);
    (void)lpi_jstr(c, m, "media_type", false);
    (void)lpi_jstr(c, m, "spdx", false);
    (void)lpi_jstr(c, m, "attribution", false);
}

static int check_catalog(lp_catalog *cat, const char *doc)
{
    lpi_jcheck c = { cat->ctx, doc, 0, 0, "" };
    json_object *root = cat->root, *lic;

    cat->id = lpi_jstr(&c, root, "id", false);
    cat->version = lpi_juint(&c, root, "version");
    cat->label = lpi_jstr(&c, root, "label", false);
    cat->country = lpi_jstr(&c, root, "country", false);
    if (check_languages(&c, cat, root) < 0)
        return c.rc;
    cat->title = check_texts(&c, cat, root, "title", false);
    cat->description = check_texts(&c, cat, root, "description", true);
    lic = lpi_jget(&c, root, "license", json_type_object, false);
    lpi_jpush(&c, "license");
    cat->spdx = lpi_jstr(&c, lic, "spdx", false);
    cat->attribution = lpi_jstr(&c, lic, "attribution", false);
    lpi_jpop(&c, 0);
    if (c.rc < 0 || check_lessons(&c, cat, root) < 0)
        return c.rc;
    cat->teach = lpi_calloc(cat->ctx, cat->nlessons + 1, sizeof(*cat->teach));
    if (!cat->teach)
        return lpi_nomem(cat->ctx);
    if (check_level(&c, cat, root, 0, NULL, &cat->subjects,
                    &cat->nsubjects) < 0)
        return c.rc;
    if (cat->nteach != cat->nlessons)
        return lpi_jfail(&c, LP_EFORMAT, "a lesson is in no unit");
    if (check_index(&c, cat, root) < 0)
        return c.rc;
    cat->media = lpi_jeach(&c, root, "media", check_medium, NULL);
    return c.rc;
}

static void check_assignment(lpi_jcheck *c, json_object *e, void *arg)
{
    static const char *const kinds[] = { "text", "photo", "audio", "video",
                                         "file", NULL };
    const lp_catalog *cat = arg;
    const char *l = lpi_jstr(c, e, "lesson", false);

    if (l && !find_lesson(cat, l))
        lpi_jfail(c, LP_EFORMAT, "names a lesson the catalog lacks");
    (void)lpi_jstr(c, e, "id", false);
    (void)lpi_jenum(c, e, "kind", kinds);
    (void)lpi_juint(c, e, "max_size");
    (void)check_texts(c, cat, e, "task", false);
}

static int check_assignments(lp_catalog *cat, const char *doc)
{
    lpi_jcheck c = { cat->ctx, doc, 0, 0, "" };

    cat->assignments = lpi_jeach(&c, cat->asg_root, "assignments",
                                 check_assignment, cat);
    return c.rc;
}

/* ------------------------------------------------------------ open */

static int catalog_new(lp_catalog **out, lp_ctx *ctx)
{
    lp_catalog *cat = lpi_calloc(ctx, 1, sizeof(*cat));

    if (!cat)
        return lpi_nomem(ctx);
    cat->ctx = ctx;
    *out = cat;
    return 0;
}

static int catalog_load(lp_catalog *cat, const char *doc, const void *data,
                        size_t len)
{
    int rc = lpi_json_parse(cat->ctx, doc, data, len, "lp-catalog", 1,
                            &cat->root);

    return rc < 0 ? rc : check_catalog(cat, doc);
}

int lp_catalog_open(lp_catalog **out, lp_ctx *ctx, lp_package *pkg)
{
    lp_catalog *cat = NULL;
    char *data = NULL;
    size_t len, i;
    int rc;

    LP_ASSERT_ARG(out && ctx && pkg);
    *out = NULL;
    rc = catalog_new(&cat, ctx);
    if (rc < 0)
        return rc;
    cat->pkg = pkg;
    rc = lpi_read_document(ctx, pkg, LPI_CATALOG_PATH, &data, &len);
    if (rc == LP_ENOTFOUND)
        rc = lpi_error(ctx, rc, "the package has no " LPI_CATALOG_PATH
                       ": it holds no compiled curriculum (lpc build "
                       "makes one)");
    if (rc == 0)
        rc = catalog_load(cat, LPI_CATALOG_PATH, data, len);
    lpi_free(ctx, data);
    data = NULL;
    if (rc == 0 && lpi_package_lookup(pkg, LPI_ASSIGNMENTS_PATH, &i) == 0) {
        rc = lpi_read_document(ctx, pkg, LPI_ASSIGNMENTS_PATH, &data, &len);
        if (rc == 0)
            rc = lpi_json_parse(ctx, LPI_ASSIGNMENTS_PATH, data, len,
                                "lp-assignments", 1, &cat->asg_root);
        if (rc == 0)
            rc = check_assignments(cat, LPI_ASSIGNMENTS_PATH);
        lpi_free(ctx, data);
    }
    if (rc < 0) {
        lp_catalog_free(cat);
        return rc;
    }
    *out = cat;
    return 0;
}

int lp_catalog_parse(lp_catalog **out, lp_ctx *ctx, const void *data,
                     size_t len)
{
    lp_catalog *cat = NULL;
    int rc;

    LP_ASSERT_ARG(out && ctx && (data || len == 0));
    *out = NULL;
    rc = catalog_new(&cat, ctx);
    if (rc == 0)
        rc = catalog_load(cat, "catalog", len ? data : "", len);
    if (rc < 0) {
        lp_catalog_free(cat);
        return rc;
    }
    *out = cat;
    return 0;
}

void lp_catalog_free(lp_catalog *cat)
{
    lp_ctx *ctx;

    if (!cat)
        return;
    ctx = cat->ctx;
    for (size_t i = 0; i < cat->nnodes; i++) {
        lpi_free(ctx, cat->nodes[i]->kids);
        lpi_free(ctx, cat->nodes[i]);
    }
    for (size_t i = 0; cat->langs && i < cat->nlangs; i++)
        lpi_free(ctx, cat->langs[i].index);
    lpi_free(ctx, cat->nodes);
    lpi_free(ctx, cat->subjects);
    lpi_free(ctx, cat->langs);
    lpi_free(ctx, cat->lessons);
    lpi_free(ctx, cat->byid);
    lpi_free(ctx, cat->teach);
    json_object_put(cat->root);
    json_object_put(cat->asg_root);
    lpi_free(ctx, cat);
}

/* ------------------------------------------------------------ accessors */

const char *lp_catalog_id(const lp_catalog *cat) { return cat->id; }
uint64_t lp_catalog_version(const lp_catalog *cat) { return cat->version; }
const char *lp_catalog_label(const lp_catalog *cat) { return cat->label; }
const char *lp_catalog_country(const lp_catalog *cat) { return cat->country; }
const char *lp_catalog_license(const lp_catalog *cat) { return cat->spdx; }

const char *lp_catalog_attribution(const lp_catalog *cat)
{
    return cat->attribution;
}

const char *lp_catalog_default_language(const lp_catalog *cat)
{
    return cat->langs[cat->def].tag;
}

size_t lp_catalog_language_count(const lp_catalog *cat)
{
    return cat->nlangs;
}

const char *lp_catalog_language(const lp_catalog *cat, size_t i)
{
    return i < cat->nlangs ? cat->langs[i].tag : NULL;
}

const char *lp_catalog_language_name(const lp_catalog *cat, const char *lang)
{
    const lpi_clang *l = lang ? lpi_catalog_lang(cat, lang) : NULL;

    return l ? l->name : NULL;
}

int lp_catalog_direction(const lp_catalog *cat, const char *lang)
{
    const lpi_clang *l = lang ? lpi_catalog_lang(cat, lang) : NULL;

    return l ? (int)l->dir : LP_ENOTFOUND;
}

const char *lp_catalog_title(const lp_catalog *cat, const char *lang,
                             const char **in_lang)
{
    return lpi_catalog_text(cat, cat->title, lang, in_lang);
}

const char *lp_catalog_description(const lp_catalog *cat, const char *lang,
                                   const char **in_lang)
{
    return lpi_catalog_text(cat, cat->description, lang, in_lang);
}

size_t lp_catalog_subject_count(const lp_catalog *cat)
{
    return cat->nsubjects;
}

const lp_catnode *lp_catalog_subject(const lp_catalog *cat, size_t i)
{
    return i < cat->nsubjects ? cat->subjects[i] : NULL;
}

size_t lp_catalog_lesson_count(const lp_catalog *cat)
{
    return cat->nlessons;
}

const lp_catnode *lp_catalog_lesson(const lp_catalog *cat, size_t i)
{
    return i < cat->nteach ? cat->teach[i] : NULL;
}

int lp_catalog_find_lesson(const lp_catalog *cat, const char *id,
                           const lp_catnode **out)
{
    LP_ASSERT_ARG(cat && id && out);
    *out = find_lesson(cat, id);
    return *out ? 0 : LP_ENOTFOUND;
}

const lp_catnode *lp_catalog_sorted_lesson(const lp_catalog *cat,
                                           const char *lang, size_t i)
{
    const lpi_clang *l = lpi_catalog_lang(cat, lang);

    return l && i < cat->nlessons ? l->index[i] : NULL;
}

size_t lp_catalog_media_count(const lp_catalog *cat)
{
    return lpi_jlen(cat->media);
}

const char *lp_catalog_media_path(const lp_catalog *cat, size_t i)
{
    return lpi_jat_member(cat->media, i, "path");
}

const char *lp_catalog_media_type(const lp_catalog *cat, size_t i)
{
    return lpi_jat_member(cat->media, i, "media_type");
}

const char *lp_catalog_media_license(const lp_catalog *cat, size_t i)
{
    return lpi_jat_member(cat->media, i, "spdx");
}

const char *lp_catalog_media_attribution(const lp_catalog *cat, size_t i)
{
    return lpi_jat_member(cat->media, i, "attribution");
}

size_t lp_catalog_assignment_count(const lp_catalog *cat)
{
    return lpi_jlen(cat->assignments);
}

const char *lp_catalog_assignment_lesson(const lp_catalog *cat, size_t i)
{
    return lpi_jat_member(cat->assignments, i, "lesson");
}

const char *lp_catalog_assignment_id(const lp_catalog *cat, size_t i)
{
    return lpi_jat_member(cat->assignments, i, "id");
}

const char *lp_catalog_assignment_kind(const lp_catalog *cat, size_t i)
{
    return lpi_jat_member(cat->assignments, i, "kind");
}

uint64_t lp_catalog_assignment_max_size(const lp_catalog *cat, size_t i)
{
    json_object *a = lpi_jat(cat->assignments, i);

    return a ? json_object_get_uint64(json_object_object_get(a, "max_size"))
             : 0;
}

const char *lp_catalog_assignment_task(const lp_catalog *cat, size_t i,
                                       const char *lang, const char **in_lang)
{
    json_object *a = lpi_jat(cat->assignments, i);

    if (!a) {
        if (in_lang)
            *in_lang = NULL;
        return NULL;
    }
    return lpi_catalog_text(cat, json_object_object_get(a, "task"), lang,
                            in_lang);
}

/* ------------------------------------------------------------ nodes */

lp_catnode_kind lp_catnode_get_kind(const lp_catnode *node)
{
    return node->kind;
}

const char *lp_catnode_id(const lp_catnode *node) { return node->id; }

const char *lp_catnode_title(const lp_catnode *node, const char *lang,
                             const char **in_lang)
{
    return lpi_catalog_text(node->cat, node->title, lang, in_lang);
}

size_t lp_catnode_child_count(const lp_catnode *node) { return node->nkids; }

const lp_catnode *lp_catnode_child(const lp_catnode *node, size_t i)
{
    return i < node->nkids ? node->kids[i] : NULL;
}

const lp_catnode *lp_catnode_parent(const lp_catnode *node)
{
    return node->parent;
}

uint64_t lp_catnode_duration(const lp_catnode *node)
{
    return node->duration;
}

size_t lp_catnode_require_count(const lp_catnode *node)
{
    return lpi_jlen(node->requires);
}

const char *lp_catnode_require(const lp_catnode *node, size_t i)
{
    return lpi_jat_str(node->requires, i);
}

size_t lp_catnode_renamed_from_count(const lp_catnode *node)
{
    return node->renamed_from ? lpi_jlen(node->renamed_from) : 0;
}

const char *lp_catnode_renamed_from(const lp_catnode *node, size_t i)
{
    return node->renamed_from ? lpi_jat_str(node->renamed_from, i) : NULL;
}

const char *lp_catnode_source(const lp_catnode *node)
{
    return node->source;
}

const char *lp_catnode_fingerprint(const lp_catnode *node)
{
    return node->fingerprint;
}

int lp_catalog_find_renamed(const lp_catalog *cat, const char *old_id,
                            const lp_catnode **out)
{
    LP_ASSERT_ARG(cat && old_id && out);
    *out = NULL;
    for (size_t i = 0; i < cat->nlessons; i++) {
        const lp_catnode *l = cat->byid[i];

        for (size_t k = 0; k < lp_catnode_renamed_from_count(l); k++)
            if (strcmp(lp_catnode_renamed_from(l, k), old_id) == 0) {
                *out = l;
                return 0;
            }
    }
    return LP_ENOTFOUND;
}

size_t lp_catnode_objective_count(const lp_catnode *node)
{
    return lpi_jlen(node->objectives);
}

const char *lp_catnode_objective_id(const lp_catnode *node, size_t i)
{
    return lpi_jat_member(node->objectives, i, "id");
}

const char *lp_catnode_objective_text(const lp_catnode *node, size_t i,
                                      const char *lang, const char **in_lang)
{
    json_object *o = lpi_jat(node->objectives, i);

    if (in_lang)
        *in_lang = NULL;
    return o ? lpi_catalog_text(node->cat, json_object_object_get(o, "text"),
                                lang, in_lang) : NULL;
}

size_t lp_catnode_activity_count(const lp_catnode *node)
{
    return (size_t)node->activities;
}

size_t lp_catnode_assignment_count(const lp_catnode *node)
{
    return (size_t)node->assignments;
}

const char *lp_catnode_document(const lp_catnode *node, const char *lang)
{
    return lpi_catalog_text(node->cat, node->documents, lang, NULL);
}
