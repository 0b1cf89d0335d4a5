/*
 * lesson.c - one lesson in one language (curriculum/lessons/ID/TAG.json):
 * checked when opened, then held as a tree of nodes (blocks, list items,
 * rows, cells, inline runs) that accessors walk without failing, and the
 * list of the package's entries it needs.
 */
#include "lpi_catalog.h"
#include "lpi_lesson.h"

#include <string.h>

static const char *const node_names[] = {
    "h1", "h2", "h3", "p", "ul", "ol", "table", "image", "audio", "video",
    "attachment", "item", "row", "cell", "text", "em", "strong", "link",
    "sub", "sup", "term", "note", "title", "dl", "dt", "dd", "figure",
    "caption", "credit", "math", "mathml", NULL
};
/* the block types a document may hold, and the node type of each */
static const char *const block_names[] = {
    "h1", "h2", "h3", "p", "ul", "ol", "table", "image", "audio", "video",
    "attachment", "note", "dl", "figure", "math", NULL
};
static const lp_node_type block_types[] = {
    LP_NODE_H1, LP_NODE_H2, LP_NODE_H3, LP_NODE_P, LP_NODE_UL, LP_NODE_OL,
    LP_NODE_TABLE, LP_NODE_IMAGE, LP_NODE_AUDIO, LP_NODE_VIDEO,
    LP_NODE_ATTACHMENT, LP_NODE_NOTE, LP_NODE_DL, LP_NODE_FIGURE,
    LP_NODE_MATH
};
static const char *const inline_names[] = { "em", "strong", "link", "sub",
                                            "sup", "term", "math", NULL };
static const lp_node_type inline_types[] = {
    LP_NODE_EM, LP_NODE_STRONG, LP_NODE_LINK, LP_NODE_SUB, LP_NODE_SUP,
    LP_NODE_TERM, LP_NODE_MATH
};
static const char *const note_kinds[] = { "note", "tip", "warning",
                                          "example", NULL };
static const char *const dl_parts[] = { "dt", "dd", NULL };
static const char *const activity_names[] = {
    "multiple-choice", "true-false", "numeric", "short-answer", NULL
};
static const char *const directions[] = { "ltr", "rtl", NULL };
static const char *const kinds[] = { "text", "photo", "audio", "video",
                                     "file", NULL };

/* ------------------------------------------------------------ blocks */

enum part { P_BLOCK, P_INLINE, P_ITEM, P_ROW, P_CELL, P_DLITEM, P_MATH };

/* Two passes over the blocks: the first (nodes NULL) checks and counts,
 * the second fills one array, each node's children side by side */
typedef struct builder {
    lpi_jcheck c;
    lp_node *nodes;
    size_t n;
    size_t mathnodes;       /* elements and texts of the current math */
} builder;

static void part(builder *b, json_object *v, enum part p, lp_node *out);

static void children(builder *b, json_object *a, enum part p, lp_node *out)
{
    size_t nk = a ? lpi_jlen(a) : 0;
    lp_node *k = b->nodes ? &b->nodes[b->n] : NULL;

    b->n += nk;
    if (out) {
        out->kids = nk ? k : NULL;
        out->nkids = nk;
    }
    for (size_t i = 0; i < nk && b->c.rc >= 0; i++) {
        size_t was = lpi_jpush_index(&b->c, i);
        part(b, json_object_array_get_idx(a, i), p, k ? &k[i] : NULL);
        lpi_jpop(&b->c, was);
    }
}

/* A note's children: its title (a node of its own, when it has one),
 * then its blocks, side by side */
static void note_kids(builder *b, json_object *o, lp_node *out)
{
    lpi_jcheck *c = &b->c;
    json_object *title = lpi_jget(c, o, "title", json_type_array, true);
    json_object *blocks = lpi_jget(c, o, "blocks", json_type_array, false);
    size_t nt = title ? 1 : 0, nb = lpi_jlen(blocks), was;
    lp_node *k = b->nodes ? &b->nodes[b->n] : NULL;

    (void)lpi_jenum(c, o, "kind", note_kinds);
    if (c->rc < 0)
        return;
    b->n += nt + nb;
    out->kids = nt + nb ? k : NULL;
    out->nkids = nt + nb;
    if (title) {
        lp_node tmp, *t = k ? &k[0] : &tmp;

        memset(t, 0, sizeof(*t));
        t->type = LP_NODE_TITLE;
        t->obj = title;
        was = lpi_jpush(c, "title");
        children(b, title, P_INLINE, t);
        lpi_jpop(c, was);
    }
    was = lpi_jpush(c, "blocks");
    for (size_t i = 0; i < nb && c->rc >= 0; i++) {
        size_t w2 = lpi_jpush_index(c, i);
        part(b, json_object_array_get_idx(blocks, i), P_BLOCK,
             k ? &k[nt + i] : NULL);
        lpi_jpop(c, w2);
    }
    lpi_jpop(c, was);
}

static void member(builder *b, json_object *o, const char *key, enum part p,
                   lp_node *out);

/* A math node's attributes: each one MathML Core gives its element, with
 * a value it takes (a runtime shows them: nothing else may pass) */
static void math_attrs(builder *b, json_object *o, int el)
{
    lpi_jcheck *c = &b->c;
    json_object *attrs = lpi_jget(c, o, "attributes", json_type_object,
                                  true);
    size_t was;

    if (!attrs || c->rc < 0)
        return;
    was = lpi_jpush(c, "attributes");
    json_object_object_foreach(attrs, key, val) {
        int a = lpi_mathml_attr(key);
        const char *v = json_object_is_type(val, json_type_string)
                        ? lpi_jstring_of(c, val) : NULL;

        if (a < 0 || !lpi_mathml_attr_on(el, a) ||
            strcmp(key, "display") == 0) {
            lpi_jfail(c, LP_EFORMAT, "an attribute MathML Core does not "
                      "give this element");
            break;
        }
        if (!v || !lpi_mathml_value_ok(a, v)) {
            lpi_jfail(c, LP_EFORMAT, "an attribute value MathML Core does "
                      "not take");
            break;
        }
    }
    lpi_jpop(c, was);
}

/* A math run or block, or a MathML element in one: its attributes, then
 * its content, texts and elements, in the shape MathML Core gives it */
static void math_node(builder *b, json_object *o, int el, lp_node *out)
{
    lpi_jcheck *c = &b->c;
    json_object *a;
    int kid[LPI_MATHML_MAX_CHILDREN];
    size_t n, bad, was;
    char msg[256];

    out->element = el;
    math_attrs(b, o, el);
    a = lpi_jget(c, o, "content", json_type_array, false);
    if (c->rc < 0)
        return;
    n = lpi_jlen(a);
    b->mathnodes += n;
    if (n > LPI_MATHML_MAX_CHILDREN || b->mathnodes > LPI_MATHML_MAX_NODES) {
        lpi_jfail(c, LP_ETOOBIG, "a math larger than lp reads");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *k = json_object_array_get_idx(a, i);
        json_object *t;

        kid[i] = -1;
        if (json_object_is_type(k, json_type_object) &&
            json_object_object_get_ex(k, "type", &t) &&
            json_object_is_type(t, json_type_string))
            kid[i] = lpi_mathml_element(json_object_get_string(t));
        else if (json_object_is_type(k, json_type_string) &&
                 json_object_get_string_len(k) > (int)LPI_MATHML_MAX_TEXT)
            kid[i] = -2;
        if (kid[i] == 0 || kid[i] == -2 ||
            (kid[i] < 0 && !json_object_is_type(k, json_type_string))) {
            was = lpi_jpush(c, "content");
            lpi_jpush_index(c, i);
            lpi_jfail(c, LP_EFORMAT, "is not a text or a MathML Core "
                      "element lp reads");
            lpi_jpop(c, was);
            return;
        }
    }
    if (!lpi_mathml_children(el, kid, n, &bad, msg, sizeof(msg))) {
        was = lpi_jpush(c, "content");
        lpi_jfail(c, LP_EFORMAT, "not the shape MathML Core gives this "
                  "element");
        lpi_jpop(c, was);
        return;
    }
    member(b, o, "content", P_MATH, out);
}

/* A figure's children: its pictures, then its caption and its credit,
 * each a node of its own when it has them */
static void figure_kids(builder *b, json_object *o, lp_node *out)
{
    lpi_jcheck *c = &b->c;
    json_object *media = lpi_jget(c, o, "blocks", json_type_array, false);
    json_object *cap = lpi_jget(c, o, "caption", json_type_array, true);
    json_object *cr = lpi_jget(c, o, "credit", json_type_object, true);
    size_t nm = lpi_jlen(media), nk = nm + (cap != NULL) + (cr != NULL);
    lp_node *k = b->nodes ? &b->nodes[b->n] : NULL, tmp;
    size_t was;

    if (c->rc < 0)
        return;
    b->n += nk;
    out->kids = nk ? k : NULL;
    out->nkids = nk;
    was = lpi_jpush(c, "blocks");
    for (size_t i = 0; i < nm && c->rc >= 0; i++) {
        size_t w2 = lpi_jpush_index(c, i);
        lp_node *m = k ? &k[i] : &tmp;

        part(b, json_object_array_get_idx(media, i), P_BLOCK, m);
        if (c->rc >= 0 && m->type != LP_NODE_IMAGE &&
            m->type != LP_NODE_AUDIO && m->type != LP_NODE_VIDEO)
            lpi_jfail(c, LP_EFORMAT, "a figure holds images, videos and "
                      "sound only");
        lpi_jpop(c, w2);
    }
    lpi_jpop(c, was);
    if (cap && c->rc >= 0) {
        lp_node *t = k ? &k[nm] : &tmp;

        memset(t, 0, sizeof(*t));
        t->type = LP_NODE_CAPTION;
        t->obj = cap;
        was = lpi_jpush(c, "caption");
        children(b, cap, P_INLINE, t);
        lpi_jpop(c, was);
    }
    if (cr && c->rc >= 0) {
        lp_node *t = k ? &k[nk - 1] : &tmp;

        memset(t, 0, sizeof(*t));
        t->type = LP_NODE_CREDIT;
        t->obj = cr;
        was = lpi_jpush(c, "credit");
        (void)lpi_jstr(c, cr, "spdx", true);
        (void)lpi_jstr(c, cr, "source", true);
        member(b, cr, "content", P_INLINE, t);
        lpi_jpop(c, was);
    }
}

/* key of o: an array of p, descended into */
static void member(builder *b, json_object *o, const char *key, enum part p,
                   lp_node *out)
{
    json_object *a = lpi_jget(&b->c, o, key, json_type_array, false);
    size_t was = lpi_jpush(&b->c, key);

    if (a)
        children(b, a, p, out);
    lpi_jpop(&b->c, was);
}

static void part(builder *b, json_object *v, enum part p, lp_node *out)
{
    lpi_jcheck *c = &b->c;
    lp_node tmp;
    json_type t = json_object_get_type(v);
    int k;

    if (!out)
        out = &tmp;
    memset(out, 0, sizeof(*out));
    out->obj = v;
    if (c->rc < 0)
        return;
    switch (p) {
    case P_MATH:
        if (t == json_type_string) {
            out->type = LP_NODE_TEXT;
            out->text = lpi_jstring_of(c, v);
            return;
        }
        /* math_node() checked the type is a known element */
        out->type = LP_NODE_MATHML;
        math_node(b, v, lpi_mathml_element(json_object_get_string(
                            json_object_object_get(v, "type"))), out);
        return;
    case P_ITEM:
    case P_ROW:
        out->type = p == P_ITEM ? LP_NODE_ITEM : LP_NODE_ROW;
        if (t != json_type_array) {
            lpi_jfail(c, LP_EFORMAT, "is not an array");
            return;
        }
        children(b, v, p == P_ITEM ? P_INLINE : P_CELL, out);
        return;
    case P_INLINE:
        if (t == json_type_string) {
            out->type = LP_NODE_TEXT;
            out->text = lpi_jstring_of(c, v);
            return;
        }
        if (t != json_type_object) {
            lpi_jfail(c, LP_EFORMAT, "is not an inline run (a string or "
                      "an object)");
            return;
        }
        k = lpi_jenum(c, v, "type", inline_names);
        out->type = inline_types[k < 0 ? 0 : k];
        if (out->type == LP_NODE_MATH) {
            b->mathnodes = 1;
            math_node(b, v, 0, out);
            return;
        }
        if (out->type == LP_NODE_LINK) {
            bool lesson = lpi_jstr(c, v, "lesson", true) != NULL;
            bool href = lpi_jstr(c, v, "href", true) != NULL;
            bool block = lpi_jstr(c, v, "block", true) != NULL;

            if (c->rc >= 0 && lesson == href)
                lpi_jfail(c, LP_EFORMAT, "a link has one of 'lesson' and "
                          "'href'");
            if (c->rc >= 0 && block && !lesson)
                lpi_jfail(c, LP_EFORMAT, "a link to a block names its "
                          "lesson");
        }
        member(b, v, "content", P_INLINE, out);
        return;
    case P_DLITEM:
        if (t != json_type_object) {
            lpi_jfail(c, LP_EFORMAT, "is not an object");
            return;
        }
        k = lpi_jenum(c, v, "type", dl_parts);
        out->type = k == 1 ? LP_NODE_DD : LP_NODE_DT;
        (void)lpi_jstr(c, v, "id", true);
        member(b, v, "content", P_INLINE, out);
        return;
    case P_CELL:
        out->type = LP_NODE_CELL;
        if (t != json_type_object) {
            lpi_jfail(c, LP_EFORMAT, "is not an object");
            return;
        }
        out->header = json_object_get_boolean(
            lpi_jget(c, v, "header", json_type_boolean, false));
        member(b, v, "content", P_INLINE, out);
        return;
    case P_BLOCK:
        if (t != json_type_object) {
            lpi_jfail(c, LP_EFORMAT, "is not an object");
            return;
        }
        k = lpi_jenum(c, v, "type", block_names);
        if (k < 0)
            return;
        out->type = block_types[k];
        (void)lpi_jstr(c, v, "id", true);
        if (out->type <= LP_NODE_P) {
            member(b, v, "content", P_INLINE, out);
        } else if (out->type == LP_NODE_UL || out->type == LP_NODE_OL) {
            member(b, v, "items", P_ITEM, out);
        } else if (out->type == LP_NODE_TABLE) {
            member(b, v, "rows", P_ROW, out);
        } else if (out->type == LP_NODE_NOTE) {
            note_kids(b, v, out);
        } else if (out->type == LP_NODE_DL) {
            member(b, v, "items", P_DLITEM, out);
        } else if (out->type == LP_NODE_FIGURE) {
            figure_kids(b, v, out);
        } else if (out->type == LP_NODE_MATH) {
            b->mathnodes = 1;
            math_node(b, v, 0, out);
        } else {
            (void)lpi_jstr(c, v, "src", false);
            (void)lpi_jstr(c, v, "alt", true);
            (void)lpi_jstr(c, v, "title", true);
            (void)lpi_jstr(c, v, "captions", true);
        }
        return;
    }
}

static int build_blocks(lp_lesson *l, lpi_jcheck *c)
{
    json_object *a = lpi_jget(c, l->root, "blocks", json_type_array, false);
    builder b;
    size_t was;

    if (!a)
        return c->rc;
    l->nblocks = lpi_jlen(a);
    /* count */
    b.c = *c;
    b.nodes = NULL;
    b.n = l->nblocks;
    was = lpi_jpush(&b.c, "blocks");
    for (size_t i = 0; i < l->nblocks && b.c.rc >= 0; i++) {
        size_t w2 = lpi_jpush_index(&b.c, i);
        part(&b, json_object_array_get_idx(a, i), P_BLOCK, NULL);
        lpi_jpop(&b.c, w2);
    }
    lpi_jpop(&b.c, was);
    c->rc = b.c.rc;
    if (c->rc < 0)
        return c->rc;
    /* fill */
    l->nnodes = b.n;
    l->nodes = lpi_calloc(c->ctx, b.n + 1, sizeof(*l->nodes));
    if (!l->nodes)
        return c->rc = lpi_nomem(c->ctx);
    l->blocks = l->nodes;
    b.nodes = l->nodes;
    b.n = l->nblocks;
    for (size_t i = 0; i < l->nblocks; i++)
        part(&b, json_object_array_get_idx(a, i), P_BLOCK, &l->nodes[i]);
    return c->rc;
}

/* ------------------------------------------------------------ the rest */

static void check_option(lpi_jcheck *c, json_object *opt, void *arg)
{
    (void)arg;
    (void)lpi_jstr(c, opt, "id", false);
    (void)lpi_jstr(c, opt, "text", false);
}

/* Option ids are words (answers are lists of them, separated by white
 * space), and the answer names options the activity has */
static bool is_word(const char *s)
{
    return *s && !s[strcspn(s, " \t\n\r")];
}

static void check_choices(lpi_jcheck *c, const lp_activity *act)
{
    for (size_t o = 0; o < lpi_jlen(act->options) && c->rc >= 0; o++)
        if (!is_word(lpi_jat_member(act->options, o, "id")))
            lpi_jfail(c, LP_EFORMAT, "an option id is empty or holds white "
                      "space");
    for (size_t a = 0; a < lpi_jlen(act->answers) && c->rc >= 0; a++) {
        const char *id = lpi_jat_str(act->answers, a);
        bool found = false;

        for (size_t o = 0; o < lpi_jlen(act->options) && !found; o++)
            found = strcmp(lpi_jat_member(act->options, o, "id"), id) == 0;
        if (!found)
            lpi_jfail(c, LP_EFORMAT, "the answer names an option the "
                      "activity lacks");
    }
}

static int check_activities(lp_lesson *l, lpi_jcheck *c)
{
    json_object *a = lpi_jget(c, l->root, "activities", json_type_array,
                              false);
    size_t n = a ? lpi_jlen(a) : 0, was;

    if (c->rc < 0)
        return c->rc;
    l->acts = lpi_calloc(c->ctx, n + 1, sizeof(*l->acts));
    if (!l->acts)
        return c->rc = lpi_nomem(c->ctx);
    was = lpi_jpush(c, "activities");
    for (size_t i = 0; i < n && c->rc >= 0; i++) {
        json_object *v = json_object_array_get_idx(a, i), *fb;
        lp_activity *act = &l->acts[i];
        size_t w2 = lpi_jpush_index(c, i);
        int k;

        act->lesson = l;
        if (json_object_get_type(v) != json_type_object) {
            lpi_jfail(c, LP_EFORMAT, "is not an object");
            break;
        }
        k = lpi_jenum(c, v, "type", activity_names);
        act->type = (lp_activity_type)(k < 0 ? 0 : k);
        act->id = lpi_jstr(c, v, "id", false);
        act->prompt = lpi_jstr(c, v, "prompt", false);
        fb = lpi_jget(c, v, "feedback", json_type_object, true);
        if (fb) {
            size_t w3 = lpi_jpush(c, "feedback");
            act->correct = lpi_jstr(c, fb, "correct", true);
            act->incorrect = lpi_jstr(c, fb, "incorrect", true);
            lpi_jpop(c, w3);
        }
        switch (k) {
        case LP_ACTIVITY_MULTIPLE_CHOICE:
            act->options = lpi_jeach(c, v, "options", check_option, NULL);
            act->answers = lpi_jstrings(c, v, "answer");
            check_choices(c, act);
            break;
        case LP_ACTIVITY_TRUE_FALSE:
            act->truth = json_object_get_boolean(
                lpi_jget(c, v, "answer", json_type_boolean, false));
            break;
        case LP_ACTIVITY_NUMERIC:
            act->value = lpi_jstr(c, v, "answer", false);
            act->tolerance = lpi_jstr(c, v, "tolerance", false);
            act->unit = lpi_jstr(c, v, "unit", true);
            if (c->rc >= 0 && (!lpi_number_valid(act->value, false) ||
                               !lpi_number_valid(act->tolerance, true)))
                lpi_jfail(c, LP_EFORMAT, "answer and tolerance must be "
                          "decimal numbers (such as \"2.5\" or "
                          "\"3.48e-26\", a tolerance also \"1%\") of at "
                          "most 40 digits on each side of the point, below "
                          "1e100 and exact to 1e-100");
            break;
        case LP_ACTIVITY_SHORT_ANSWER:
            act->answers = lpi_jstrings(c, v, "answers");
            for (size_t k2 = 0; k2 < lpi_jlen(act->answers) && c->rc >= 0;
                 k2++)
                if (strlen(lpi_jat_str(act->answers, k2)) >
                    LP_MAX_ANSWER_BYTES)
                    lpi_jfail(c, LP_ETOOBIG, "an accepted answer is longer "
                              "than LP_MAX_ANSWER_BYTES");
            break;
        default:
            break;
        }
        lpi_jpop(c, w2);
    }
    lpi_jpop(c, was);
    l->nacts = n;
    return c->rc;
}

static void check_objective(lpi_jcheck *c, json_object *v, void *arg)
{
    (void)arg;
    (void)lpi_jstr(c, v, "id", false);
    (void)lpi_jstrings(c, v, "standards");
    (void)lpi_jstr(c, v, "text", false);
}

static void check_assignment(lpi_jcheck *c, json_object *v, void *arg)
{
    (void)arg;
    (void)lpi_jstr(c, v, "id", false);
    (void)lpi_jenum(c, v, "kind", kinds);
    (void)lpi_juint(c, v, "max_size");
    (void)lpi_jstr(c, v, "task", false);
}

static int check_lesson(lp_lesson *l, const char *doc)
{
    lpi_jcheck c = { l->ctx, doc, 0, 0, "" };
    json_object *r = l->root;

    l->id = lpi_jstr(&c, r, "id", false);
    l->language = lpi_jstr(&c, r, "language", false);
    l->dir = lpi_jenum(&c, r, "direction", directions) == 1 ? LP_RTL : LP_LTR;
    l->body_language = lpi_jstr(&c, r, "body_language", false);
    l->body_dir = lpi_jenum(&c, r, "body_direction", directions) == 1 ?
                  LP_RTL : LP_LTR;
    l->title = lpi_jstr(&c, r, "title", false);
    l->duration = lpi_juint(&c, r, "duration");
    l->requires = lpi_jstrings(&c, r, "requires");
    l->objectives = lpi_jeach(&c, r, "objectives", check_objective, NULL);
    l->assignments = lpi_jeach(&c, r, "assignments", check_assignment, NULL);
    if (c.rc < 0 || build_blocks(l, &c) < 0)
        return c.rc;
    return check_activities(l, &c);
}

static int lesson_load(lp_lesson *l, const char *doc, const void *data,
                       size_t len)
{
    int rc = lpi_json_parse(l->ctx, doc, data, len, "lp-lesson", 3,
                            &l->root);

    return rc < 0 ? rc : check_lesson(l, doc);
}

/* ------------------------------------------------------------ needs */

static int need(lp_lesson *l, const lp_catalog *cat, const char *path,
                lpi_strset *paths, size_t *cap)
{
    const lpi_mentry *e;
    const char *had;
    size_t i;

    if (lpi_strset_get(paths, path))
        return 0;
    /* the catalog's handle may be read by other threads: nothing of its
     * context is touched */
    if (lpi_package_lookup(cat->pkg, path, &i) < 0)
        return lpi_error(l->ctx, LP_EFORMAT, "lesson '%s' (%s): '%s' is not "
                         "in the package", l->id, l->language, path);
    e = &cat->pkg->m.entries[i];
    if (lpi_strset_add(l->ctx, paths, path, &had) < 0 ||
        lpi_grow(l->ctx, (void **)&l->needs, cap, l->nneeds + 1,
                 sizeof(*l->needs)) < 0)
        return lpi_nomem(l->ctx);
    l->needs[l->nneeds].path = path;
    l->needs[l->nneeds].size = e->size;
    lpi_hash_hex(l->needs[l->nneeds].hash, e->hash);
    l->nneeds++;
    return 0;
}

static int need_media(lp_lesson *l, const lp_catalog *cat, const lp_node *n,
                      lpi_strset *paths, size_t *cap)
{
    static const char *const keys[] = { "src", "captions" };
    int rc = 0;

    if (n->type >= LP_NODE_IMAGE && n->type <= LP_NODE_ATTACHMENT)
        for (size_t k = 0; k < 2 && rc == 0; k++) {
            const char *p = lp_node_attr(n, keys[k]);
            if (p)
                rc = need(l, cat, p, paths, cap);
        }
    for (size_t i = 0; i < n->nkids && rc == 0; i++)
        rc = need_media(l, cat, &n->kids[i], paths, cap);
    return rc;
}

/* The document, then the media in reading order, each path once; the
 * total counts each distinct content (hash) once */
static int list_needs(lp_lesson *l, const lp_catalog *cat, const char *doc)
{
    lpi_strset paths = { NULL, 0, 0 }, hashes = { NULL, 0, 0 };
    size_t cap = 0;
    int rc = need(l, cat, doc, &paths, &cap);

    for (size_t i = 0; i < l->nblocks && rc == 0; i++)
        rc = need_media(l, cat, &l->blocks[i], &paths, &cap);
    for (size_t i = 0; i < l->nneeds && rc == 0; i++) {
        const char *had;

        rc = lpi_strset_add(l->ctx, &hashes, l->needs[i].hash, &had);
        if (rc < 0)
            rc = lpi_nomem(l->ctx);
        else if (!had)
            l->need_total += l->needs[i].size;
    }
    lpi_strset_dispose(l->ctx, &paths);
    lpi_strset_dispose(l->ctx, &hashes);
    return rc;
}

/* ------------------------------------------------------------ open */

int lp_lesson_open(lp_lesson **out, lp_ctx *ctx, const lp_catalog *cat,
                   const char *id, const char *lang)
{
    const lp_catnode *node;
    const char *doc;
    lp_lesson *l;
    char *data = NULL;
    size_t len;
    int rc;

    LP_ASSERT_ARG(out && ctx && cat && id);
    *out = NULL;
    if (!cat->pkg)
        return lpi_error(ctx, LP_EINVAL, "lesson '%s': the catalog has no "
                         "package to read it from", id);
    if (lp_catalog_find_lesson(cat, id, &node) < 0)
        return lpi_error(ctx, LP_ENOTFOUND, "the catalog has no lesson "
                         "'%s'", id);
    doc = lp_catnode_document(node, lang);
    if (!doc)
        return lpi_error(ctx, LP_ENOTFOUND, "the catalog has no language "
                         "'%s'", lang);
    l = lpi_calloc(ctx, 1, sizeof(*l));
    if (!l)
        return lpi_nomem(ctx);
    l->ctx = ctx;
    rc = lpi_read_document(ctx, cat->pkg, doc, &data, &len);
    if (rc == LP_ENOTFOUND)
        rc = lpi_error(ctx, LP_EFORMAT, "lesson '%s' (%s): the catalog names "
                       "'%s', which is not in the package", id,
                       lpi_catalog_lang(cat, lang)->tag, doc);
    if (rc == 0)
        rc = lesson_load(l, doc, data, len);
    lpi_free(ctx, data);
    if (rc == 0 && (strcmp(l->id, id) != 0 ||
                    !lpi_tag_eq(l->language,
                                lpi_catalog_lang(cat, lang)->tag)))
        rc = lpi_error(ctx, LP_EFORMAT, "%s: it is lesson '%s' in '%s', not "
                       "what the catalog says", doc, l->id, l->language);
    if (rc == 0)
        rc = list_needs(l, cat, doc);
    if (rc < 0) {
        lp_lesson_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

int lp_lesson_parse(lp_lesson **out, lp_ctx *ctx, const void *data,
                    size_t len)
{
    lp_lesson *l;
    int rc;

    LP_ASSERT_ARG(out && ctx && (data || len == 0));
    *out = NULL;
    l = lpi_calloc(ctx, 1, sizeof(*l));
    if (!l)
        return lpi_nomem(ctx);
    l->ctx = ctx;
    rc = lesson_load(l, "lesson", len ? data : "", len);
    if (rc < 0) {
        lp_lesson_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

void lp_lesson_free(lp_lesson *l)
{
    if (!l)
        return;
    lpi_free(l->ctx, l->nodes);
    lpi_free(l->ctx, l->acts);
    lpi_free(l->ctx, l->needs);
    json_object_put(l->root);
    lpi_free(l->ctx, l);
}

/* ------------------------------------------------------------ accessors */

const char *lp_lesson_id(const lp_lesson *l) { return l->id; }
const char *lp_lesson_language(const lp_lesson *l) { return l->language; }
lp_direction lp_lesson_direction(const lp_lesson *l) { return l->dir; }
const char *lp_lesson_title(const lp_lesson *l) { return l->title; }
uint64_t lp_lesson_duration(const lp_lesson *l) { return l->duration; }

const char *lp_lesson_body_language(const lp_lesson *l)
{
    return l->body_language;
}

lp_direction lp_lesson_body_direction(const lp_lesson *l)
{
    return l->body_dir;
}

size_t lp_lesson_require_count(const lp_lesson *l)
{
    return lpi_jlen(l->requires);
}

const char *lp_lesson_require(const lp_lesson *l, size_t i)
{
    return lpi_jat_str(l->requires, i);
}

size_t lp_lesson_objective_count(const lp_lesson *l)
{
    return lpi_jlen(l->objectives);
}

const char *lp_lesson_objective_id(const lp_lesson *l, size_t i)
{
    return lpi_jat_member(l->objectives, i, "id");
}

const char *lp_lesson_objective_text(const lp_lesson *l, size_t i)
{
    return lpi_jat_member(l->objectives, i, "text");
}

static json_object *standards(const lp_lesson *l, size_t i)
{
    if (i >= lpi_jlen(l->objectives))
        return NULL;
    return json_object_object_get(json_object_array_get_idx(l->objectives,
                                                            i), "standards");
}

size_t lp_lesson_objective_standard_count(const lp_lesson *l, size_t i)
{
    return lpi_jlen(standards(l, i));
}

const char *lp_lesson_objective_standard(const lp_lesson *l, size_t i,
                                         size_t k)
{
    json_object *s = standards(l, i);

    return lpi_jat_str(s, k);
}

size_t lp_lesson_block_count(const lp_lesson *l) { return l->nblocks; }

const lp_node *lp_lesson_block(const lp_lesson *l, size_t i)
{
    return i < l->nblocks ? &l->blocks[i] : NULL;
}

lp_node_type lp_node_get_type(const lp_node *n) { return n->type; }

const char *lp_node_type_name(const lp_node *n)
{
    return node_names[n->type];
}

size_t lp_node_child_count(const lp_node *n) { return n->nkids; }

const lp_node *lp_node_child(const lp_node *n, size_t i)
{
    return i < n->nkids ? &n->kids[i] : NULL;
}

const char *lp_node_text(const lp_node *n) { return n->text; }

static json_object *math_attributes(const lp_node *n);

const char *lp_node_attr(const lp_node *n, const char *name)
{
    json_object *v = NULL;

    if (!name || strcmp(name, "type") == 0 || n->type == LP_NODE_TEXT ||
        !json_object_is_type(n->obj, json_type_object))
        return NULL;
    /* a math node: its MathML attributes, and a block's id */
    if (n->type == LP_NODE_MATHML ||
        (n->type == LP_NODE_MATH && strcmp(name, "id") != 0)) {
        json_object *a = math_attributes(n);

        if (a)
            (void)json_object_object_get_ex(a, name, &v);
    } else {
        (void)json_object_object_get_ex(n->obj, name, &v);
    }
    if (!v || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

int lp_node_is_header(const lp_node *n) { return n->header ? 1 : 0; }

const char *lp_node_math_element(const lp_node *n)
{
    if (n->type != LP_NODE_MATH && n->type != LP_NODE_MATHML)
        return NULL;
    return lpi_mathml_name(n->element);
}

/* A math node's "attributes" (checked when the lesson was read), or NULL */
static json_object *math_attributes(const lp_node *n)
{
    json_object *a;

    if ((n->type != LP_NODE_MATH && n->type != LP_NODE_MATHML) ||
        !json_object_object_get_ex(n->obj, "attributes", &a))
        return NULL;
    return a;
}

size_t lp_node_math_attr_count(const lp_node *n)
{
    json_object *a = math_attributes(n);

    return a ? (size_t)json_object_object_length(a) : 0;
}

/* Attribute i of a math node: its name (the table's) and value */
static const char *math_attr_at(const lp_node *n, size_t i, bool name)
{
    json_object *a = math_attributes(n);
    size_t k = 0;

    if (!a)
        return NULL;
    json_object_object_foreach(a, key, val) {
        if (k++ == i)
            return name ? lpi_mathml_attr_name(lpi_mathml_attr(key))
                        : json_object_get_string(val);
    }
    return NULL;
}

const char *lp_node_math_attr_name(const lp_node *n, size_t i)
{
    return math_attr_at(n, i, true);
}

const char *lp_node_math_attr_value(const lp_node *n, size_t i)
{
    return math_attr_at(n, i, false);
}

size_t lp_lesson_activity_count(const lp_lesson *l) { return l->nacts; }

const lp_activity *lp_lesson_activity(const lp_lesson *l, size_t i)
{
    return i < l->nacts ? &l->acts[i] : NULL;
}

lp_activity_type lp_activity_get_type(const lp_activity *a)
{
    return a->type;
}

const char *lp_activity_id(const lp_activity *a) { return a->id; }
const char *lp_activity_prompt(const lp_activity *a) { return a->prompt; }

size_t lp_activity_option_count(const lp_activity *a)
{
    return lpi_jlen(a->options);
}

const char *lp_activity_option_id(const lp_activity *a, size_t i)
{
    return lpi_jat_member(a->options, i, "id");
}

const char *lp_activity_option_text(const lp_activity *a, size_t i)
{
    return lpi_jat_member(a->options, i, "text");
}

size_t lp_activity_answer_count(const lp_activity *a)
{
    if (a->type == LP_ACTIVITY_TRUE_FALSE || a->type == LP_ACTIVITY_NUMERIC)
        return 1;
    return lpi_jlen(a->answers);
}

const char *lp_activity_answer(const lp_activity *a, size_t i)
{
    if (a->type == LP_ACTIVITY_TRUE_FALSE)
        return i == 0 ? (a->truth ? "true" : "false") : NULL;
    if (a->type == LP_ACTIVITY_NUMERIC)
        return i == 0 ? a->value : NULL;
    return lpi_jat_str(a->answers, i);
}

const char *lp_activity_tolerance(const lp_activity *a)
{
    return a->tolerance;
}

const char *lp_activity_unit(const lp_activity *a)
{
    return a->type == LP_ACTIVITY_NUMERIC ? a->unit : NULL;
}

const char *lp_activity_feedback(const lp_activity *a, int correct)
{
    return correct ? a->correct : a->incorrect;
}

size_t lp_lesson_assignment_count(const lp_lesson *l)
{
    return lpi_jlen(l->assignments);
}

const char *lp_lesson_assignment_id(const lp_lesson *l, size_t i)
{
    return lpi_jat_member(l->assignments, i, "id");
}

const char *lp_lesson_assignment_kind(const lp_lesson *l, size_t i)
{
    return lpi_jat_member(l->assignments, i, "kind");
}

const char *lp_lesson_assignment_task(const lp_lesson *l, size_t i)
{
    return lpi_jat_member(l->assignments, i, "task");
}

uint64_t lp_lesson_assignment_max_size(const lp_lesson *l, size_t i)
{
    if (i >= lpi_jlen(l->assignments))
        return 0;
    return json_object_get_uint64(json_object_object_get(
        json_object_array_get_idx(l->assignments, i), "max_size"));
}

size_t lp_lesson_need_count(const lp_lesson *l) { return l->nneeds; }

const char *lp_lesson_need_path(const lp_lesson *l, size_t i)
{
    return i < l->nneeds ? l->needs[i].path : NULL;
}

const char *lp_lesson_need_hash(const lp_lesson *l, size_t i)
{
    return i < l->nneeds ? l->needs[i].hash : NULL;
}

uint64_t lp_lesson_need_size(const lp_lesson *l, size_t i)
{
    return i < l->nneeds ? l->needs[i].size : 0;
}

uint64_t lp_lesson_need_total(const lp_lesson *l) { return l->need_total; }
