/*
 * render_lesson.c - a lesson page: its title and objectives, its blocks in
 * the body language, its activities as forms (posted to a hub, or marked
 * in the page by the script from embedded keys), its assignments, and in
 * display mode one section per screen for the classroom TV.
 *
 * Which language each text is in: titles and objectives come from the
 * catalog's text maps (lp_catnode_title() says); the body is in
 * body_language; activity and assignment texts are resolved per text by
 * lpc, so the lesson is read in the languages of the fallback chain and a
 * text is in the first of them that has the very same string (lpk(5)).
 */
#include "lpi_serve.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef struct lesson_page {
    lpi_page pg;
    const lp_lesson *ls;
    const lp_catnode *node;
    const char *lang;           /* the page's (the lesson document's) */
    const char *body;           /* the body language */
    const lpi_clang *cl;
    lp_lesson *chain[LP_MAX_LANGUAGES]; /* opened when first needed */
    bool tried[LP_MAX_LANGUAGES];
    unsigned screens;
} lesson_page;

/* ------------------------------------------------------------ languages */

typedef const char *text_fn(const lp_lesson *l, size_t i, size_t k);

static const char *t_prompt(const lp_lesson *l, size_t i, size_t k)
{
    const lp_activity *a = lp_lesson_activity(l, i);

    (void)k;
    return a ? lp_activity_prompt(a) : NULL;
}

static const char *t_option(const lp_lesson *l, size_t i, size_t k)
{
    const lp_activity *a = lp_lesson_activity(l, i);

    return a ? lp_activity_option_text(a, k) : NULL;
}

static const char *t_feedback(const lp_lesson *l, size_t i, size_t k)
{
    const lp_activity *a = lp_lesson_activity(l, i);

    return a ? lp_activity_feedback(a, (int)k) : NULL;
}

static const char *t_task(const lp_lesson *l, size_t i, size_t k)
{
    (void)k;
    return lp_lesson_assignment_task(l, i);
}

/* The language text (text i, k of the lesson, as fn gives it) is in */
static const char *text_lang(lesson_page *lp, text_fn *fn, size_t i,
                             size_t k)
{
    const char *text = fn(lp->ls, i, k);
    const lp_catalog *cat = lp->pg.cat;

    if (!text || !cat->pkg)
        return lp->lang;
    for (size_t c = 0; c < lp->cl->nchain && lp->pg.rc == 0; c++) {
        size_t li = lp->cl->chain[c];
        const char *other;

        if (!lp->tried[li]) {
            int rc;

            lp->tried[li] = true;
            rc = lp_lesson_open(&lp->chain[li], lp->pg.ctx, cat,
                                lp_lesson_id(lp->ls), cat->langs[li].tag);
            if (rc < 0) {
                lp->pg.rc = rc;
                break;
            }
        }
        other = lp->chain[li] ? fn(lp->chain[li], i, k) : NULL;
        if (other && strcmp(other, text) == 0)
            return cat->langs[li].tag;
    }
    return lp->lang;
}

/* ------------------------------------------------------------ blocks */

static bool safe_href(const char *h)
{
    static const char *const schemes[] = { "https:", "http:", "mailto:" };

    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        size_t n = strlen(schemes[i]), k = 0;

        for (; k < n; k++) {
            char c = h[k];

            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (c != schemes[i][k])
                break;
        }
        if (k == n)
            return true;
    }
    return false;
}

static void inlines(lesson_page *lp, const lp_node *n);

/* n's runs as a link to href, out of the package; a link we will not
 * follow (no href, another scheme): its text only */
static void external(lesson_page *lp, const char *href, const lp_node *n)
{
    if (!href || !safe_href(href)) {
        inlines(lp, n);
        return;
    }
    lpi_page_raw(&lp->pg, "<a rel=\"external noopener noreferrer\"");
    lpi_page_attr(&lp->pg, "href", href);
    lpi_page_raw(&lp->pg, ">");
    inlines(lp, n);
    lpi_page_raw(&lp->pg, "</a>");
}

/* A block's id, as what links to it point at: "b-" and the id, so that
 * no author's id meets the page's own ("s1", ...) */
static void block_id(lpi_page *pg, const lp_node *n)
{
    const char *id = lp_node_attr(n, "id");
    char v[LP_MAX_ID_BYTES + 3];

    if (id) {
        snprintf(v, sizeof(v), "b-%.*s", (int)LP_MAX_ID_BYTES, id);
        lpi_page_attr(pg, "id", v);
    }
}

/* A MathML element and what it holds, for the browser to lay out
 * natively: element and attribute names are the library's own static
 * ones (lp_node_math_element(), lp_node_math_attr_name(): MathML Core's,
 * checked when the lesson was read), every text and value escaped */
static void mathml(lpi_page *pg, const lp_node *n)
{
    const char *el = lp_node_math_element(n);

    lpi_page_raw(pg, "<");
    lpi_page_raw(pg, el);
    for (size_t i = 0; i < lp_node_math_attr_count(n); i++)
        lpi_page_attr(pg, lp_node_math_attr_name(n, i),
                      lp_node_math_attr_value(n, i));
    lpi_page_raw(pg, ">");
    for (size_t i = 0; i < lp_node_child_count(n); i++) {
        const lp_node *k = lp_node_child(n, i);

        if (lp_node_get_type(k) == LP_NODE_TEXT)
            lpi_page_text(pg, lp_node_text(k));
        else
            mathml(pg, k);
    }
    lpi_page_raw(pg, "</");
    lpi_page_raw(pg, el);
    lpi_page_raw(pg, ">");
}

/* Mathematics: inline, or an equation on its own line (a block, in a box
 * that scrolls sideways on a narrow screen rather than overflow it) */
static void math(lpi_page *pg, const lp_node *n, bool block)
{
    if (block) {
        lpi_page_raw(pg, "<div class=\"math\"");
        block_id(pg, n);
        lpi_page_raw(pg, "><math display=\"block\"");
    } else {
        lpi_page_raw(pg, "<math");
    }
    for (size_t i = 0; i < lp_node_math_attr_count(n); i++)
        lpi_page_attr(pg, lp_node_math_attr_name(n, i),
                      lp_node_math_attr_value(n, i));
    lpi_page_raw(pg, ">");
    for (size_t i = 0; i < lp_node_child_count(n); i++)
        mathml(pg, lp_node_child(n, i));
    lpi_page_raw(pg, block ? "</math></div>\n" : "</math>");
}

static void inline_node(lesson_page *lp, const lp_node *n)
{
    lpi_page *pg = &lp->pg;
    const lp_catnode *target;
    const char *href, *lesson;

    switch (lp_node_get_type(n)) {
    case LP_NODE_TEXT:
        lpi_page_text(pg, lp_node_text(n));
        break;
    case LP_NODE_EM:
    case LP_NODE_STRONG:
    case LP_NODE_SUB:
    case LP_NODE_SUP:
    case LP_NODE_TERM: {
        /* a term is defined where it stands: HTML's dfn */
        static const char *const tags[] = { "em", "strong", "sub", "sup",
                                            "dfn" };
        lp_node_type t = lp_node_get_type(n);
        const char *tag = tags[t == LP_NODE_EM ? 0 : t == LP_NODE_STRONG
                               ? 1 : 2 + (t - LP_NODE_SUB)];

        lpi_page_raw(pg, "<");
        lpi_page_raw(pg, tag);
        lpi_page_raw(pg, ">");
        inlines(lp, n);
        lpi_page_raw(pg, "</");
        lpi_page_raw(pg, tag);
        lpi_page_raw(pg, ">");
        break;
    }
    case LP_NODE_MATH:
        math(pg, n, false);
        break;
    case LP_NODE_LINK:
        href = lp_node_attr(n, "href");
        lesson = lp_node_attr(n, "lesson");
        if (lesson &&
            lp_catalog_find_lesson(pg->cat, lesson, &target) == 0) {
            lp_link l = { 0 };
            const char *blk = lp_node_attr(n, "block");
            char frag[LP_MAX_ID_BYTES + 3];

            l.to = pg->opts->display ? LP_PAGE_DISPLAY : LP_PAGE_LESSON;
            l.lang = lp->lang;
            l.id = lp_catnode_id(target);
            if (blk)
                snprintf(frag, sizeof(frag), "b-%.*s",
                         (int)LP_MAX_ID_BYTES, blk);
            lpi_page_raw(pg, "<a");
            lpi_page_url_at(pg, "href", &l, blk ? frag : NULL);
            lpi_page_raw(pg, ">");
            inlines(lp, n);
            lpi_page_raw(pg, "</a>");
        } else {
            external(lp, href, n);
        }
        break;
    default:
        break;
    }
}

static void inlines(lesson_page *lp, const lp_node *n)
{
    for (size_t i = 0; i < lp_node_child_count(n); i++)
        inline_node(lp, lp_node_child(n, i));
}

/* "<tag id=...>": a block's element opened */
static void open_block(lpi_page *pg, const char *tag, const lp_node *n)
{
    lpi_page_raw(pg, "<");
    lpi_page_raw(pg, tag);
    block_id(pg, n);
    lpi_page_raw(pg, ">");
}

/* A media entry's link: its hash and type from the package */
static bool media_url(lesson_page *lp, const char *attr, const char *path,
                      const char **type)
{
    const lp_catalog *cat = lp->pg.cat;
    lp_entry_info info;
    lp_link l = { 0 };
    size_t idx;

    l.to = LP_PAGE_MEDIA;
    l.path = path;
    if (cat->pkg && lp_package_find(cat->pkg, path, &idx) == 0 &&
        lp_package_entry(cat->pkg, idx, &info) == 0) {
        l.hash = info.hash_hex;
        l.media_type = info.media_type;
    } else {
        for (size_t i = 0; i < lp_catalog_media_count(cat); i++)
            if (strcmp(lp_catalog_media_path(cat, i), path) == 0)
                l.media_type = lp_catalog_media_type(cat, i);
    }
    if (type)
        *type = l.media_type;
    return lpi_page_url(&lp->pg, attr, &l);
}

/* The last part of a path, for a link that has no title */
static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');

    return s ? s + 1 : path;
}

static void caption(lpi_page *pg, const char *title)
{
    if (title && *title) {
        lpi_page_raw(pg, "<figcaption>");
        lpi_page_text(pg, title);
        lpi_page_raw(pg, "</figcaption>");
    }
}

/* A download link for src (the fallback of audio and video too) */
static void download(lesson_page *lp, const char *src, const char *title)
{
    lpi_page_raw(&lp->pg, "<a download");
    media_url(lp, "href", src, NULL);
    lpi_page_raw(&lp->pg, ">");
    lpi_page_text(&lp->pg, title && *title ? title : base_name(src));
    lpi_page_raw(&lp->pg, "</a>");
}

static void media_block(lesson_page *lp, const lp_node *n)
{
    lpi_page *pg = &lp->pg;
    const char *src = lp_node_attr(n, "src");
    const char *title = lp_node_attr(n, "title");
    const char *alt = lp_node_attr(n, "alt");
    const char *caps = lp_node_attr(n, "captions");
    const char *type = NULL;

    if (!src)
        return;
    switch (lp_node_get_type(n)) {
    case LP_NODE_IMAGE:
        lpi_page_raw(pg, "<figure class=\"image\"");
        block_id(pg, n);
        lpi_page_raw(pg, "><img");
        media_url(lp, "src", src, NULL);
        lpi_page_attr(pg, "alt", alt ? alt : "");
        lpi_page_raw(pg, " decoding=\"async\">");
        caption(pg, title);
        lpi_page_raw(pg, "</figure>\n");
        break;
    case LP_NODE_AUDIO:
        /* never autoplay; fetch nothing until asked (phones on a hub) */
        lpi_page_raw(pg, "<figure class=\"audio\"");
        block_id(pg, n);
        lpi_page_raw(pg, "><audio controls preload=\"none\"");
        media_url(lp, "src", src, NULL);
        lpi_page_raw(pg, ">");
        download(lp, src, title);
        lpi_page_raw(pg, "</audio>");
        caption(pg, title);
        lpi_page_raw(pg, "</figure>\n");
        break;
    case LP_NODE_VIDEO:
        lpi_page_raw(pg, "<figure class=\"video\"");
        block_id(pg, n);
        lpi_page_raw(pg, "><video controls preload=\"metadata\" "
                         "playsinline><source");
        media_url(lp, "src", src, &type);
        if (type)
            lpi_page_attr(pg, "type", type);
        lpi_page_raw(pg, ">");
        if (caps) {
            lpi_page_raw(pg, "<track kind=\"captions\" default");
            media_url(lp, "src", caps, NULL);
            lpi_page_attr(pg, "srclang", lp->body);
            lpi_page_attr(pg, "label",
                          lp_catalog_language_name(pg->cat, lp->body));
            lpi_page_raw(pg, ">");
        }
        download(lp, src, title);
        lpi_page_raw(pg, "</video>");
        caption(pg, title);
        lpi_page_raw(pg, "</figure>\n");
        break;
    case LP_NODE_ATTACHMENT:
        lpi_page_raw(pg, "<p class=\"attachment\"");
        block_id(pg, n);
        lpi_page_raw(pg, ">");
        download(lp, src, title);
        lpi_page_raw(pg, "</p>\n");
        break;
    default:
        break;
    }
}

static void block(lesson_page *lp, const lp_node *n);

/* A figure: its pictures, then its caption and credit (a link to the
 * source when it has one, and the licence) */
static void figure(lesson_page *lp, const lp_node *n)
{
    lpi_page *pg = &lp->pg;

    lpi_page_raw(pg, "<figure class=\"figure\"");
    block_id(pg, n);
    lpi_page_raw(pg, ">\n");
    for (size_t i = 0; i < lp_node_child_count(n) && pg->rc == 0; i++) {
        const lp_node *k = lp_node_child(n, i);
        lp_node_type t = lp_node_get_type(k);

        if (t == LP_NODE_CAPTION || t == LP_NODE_CREDIT)
            break;
        block(lp, k);
    }
    for (size_t i = 0; i < lp_node_child_count(n); i++) {
        const lp_node *k = lp_node_child(n, i);
        const char *src = lp_node_attr(k, "source");
        const char *spdx = lp_node_attr(k, "spdx");

        if (lp_node_get_type(k) == LP_NODE_CAPTION) {
            lpi_page_raw(pg, "<figcaption>");
            inlines(lp, k);
            lpi_page_raw(pg, "</figcaption>\n");
        } else if (lp_node_get_type(k) == LP_NODE_CREDIT) {
            lpi_page_raw(pg, "<p class=\"credit\"><small>");
            external(lp, src, k);
            if (spdx) {
                lpi_page_raw(pg, " (");
                lpi_page_text(pg, spdx);
                lpi_page_raw(pg, ")");
            }
            lpi_page_raw(pg, "</small></p>\n");
        }
    }
    lpi_page_raw(pg, "</figure>\n");
}

/* A note: an aside, its title (or what kind of note it is, in the
 * interface's words) first */
static void note(lesson_page *lp, const lp_node *n)
{
    static const char *const kinds[][2] = {
        { "note", "Note" }, { "tip", "Tip" }, { "warning", "Warning" },
        { "example", "Example" } };
    lpi_page *pg = &lp->pg;
    const char *kind = lp_node_attr(n, "kind");
    const lp_node *first = lp_node_child(n, 0);
    size_t k = 0, i = 0;

    for (size_t j = 0; kind && j < 4; j++)
        if (strcmp(kind, kinds[j][0]) == 0)
            k = j;
    lpi_page_raw(pg, "<aside");
    block_id(pg, n);
    lpi_page_attr(pg, "class", k == 0 ? "note" : k == 1 ? "note tip"
                                 : k == 2 ? "note warning" : "note example");
    lpi_page_raw(pg, ">");
    if (first && lp_node_get_type(first) == LP_NODE_TITLE) {
        lpi_page_raw(pg, "<p class=\"note-title\">");
        inlines(lp, first);
        lpi_page_raw(pg, "</p>\n");
        i = 1;
    } else {
        /* the kinds' names are English words only, so far */
        lpi_page_open(pg, "p", "en");
        lpi_page_raw(pg, " class=\"note-title\">");
        lpi_page_text(pg, kinds[k][1]);
        lpi_page_close(pg, "p");
        lpi_page_raw(pg, "\n");
    }
    for (; i < lp_node_child_count(n) && pg->rc == 0; i++)
        block(lp, lp_node_child(n, i));
    lpi_page_raw(pg, "</aside>\n");
}

static void block(lesson_page *lp, const lp_node *n)
{
    static const char *const heads[] = { "h2", "h3", "h4" };
    lpi_page *pg = &lp->pg;
    lp_node_type t = lp_node_get_type(n);

    switch (t) {
    case LP_NODE_NOTE:
        note(lp, n);
        break;
    case LP_NODE_FIGURE:
        figure(lp, n);
        break;
    case LP_NODE_MATH:
        math(pg, n, true);
        break;
    case LP_NODE_DL:
        open_block(pg, "dl", n);
        for (size_t i = 0; i < lp_node_child_count(n); i++) {
            const lp_node *d = lp_node_child(n, i);
            bool dt = lp_node_get_type(d) == LP_NODE_DT;

            /* a glossary's term is its defining instance */
            open_block(pg, dt ? "dt" : "dd", d);
            lpi_page_raw(pg, dt ? "<dfn>" : "");
            inlines(lp, d);
            lpi_page_raw(pg, dt ? "</dfn></dt>" : "</dd>");
        }
        lpi_page_raw(pg, "</dl>\n");
        break;
    case LP_NODE_H1:
    case LP_NODE_H2:
    case LP_NODE_H3:
    case LP_NODE_P: {
        /* the page's title is its one h1: the lesson's headings go down
         * one level */
        const char *tag = t == LP_NODE_P ? "p" : heads[t - LP_NODE_H1];

        open_block(pg, tag, n);
        inlines(lp, n);
        lpi_page_raw(pg, "</");
        lpi_page_raw(pg, tag);
        lpi_page_raw(pg, ">\n");
        break;
    }
    case LP_NODE_UL:
    case LP_NODE_OL:
        open_block(pg, t == LP_NODE_UL ? "ul" : "ol", n);
        for (size_t i = 0; i < lp_node_child_count(n); i++) {
            lpi_page_raw(pg, "<li>");
            inlines(lp, lp_node_child(n, i));
            lpi_page_raw(pg, "</li>");
        }
        lpi_page_raw(pg, t == LP_NODE_UL ? "</ul>\n" : "</ol>\n");
        break;
    case LP_NODE_TABLE:
        lpi_page_raw(pg, "<div class=\"table\"");
        block_id(pg, n);
        lpi_page_raw(pg, "><table>");
        for (size_t r = 0; r < lp_node_child_count(n); r++) {
            const lp_node *row = lp_node_child(n, r);

            lpi_page_raw(pg, "<tr>");
            for (size_t c = 0; c < lp_node_child_count(row); c++) {
                const lp_node *cell = lp_node_child(row, c);
                bool th = lp_node_is_header(cell);

                lpi_page_raw(pg, th ? "<th>" : "<td>");
                inlines(lp, cell);
                lpi_page_raw(pg, th ? "</th>" : "</td>");
            }
            lpi_page_raw(pg, "</tr>");
        }
        lpi_page_raw(pg, "</table></div>\n");
        break;
    default:
        media_block(lp, n);
        break;
    }
}

/* ------------------------------------------------------------ screens */

static void screen_open(lesson_page *lp, const char *cls, const char *lang)
{
    char id[32];

    snprintf(id, sizeof(id), "s%u", ++lp->screens);
    lpi_page_open(&lp->pg, "section", lang);
    lpi_page_attr(&lp->pg, "class", cls);
    lpi_page_attr(&lp->pg, "id", id);
    lpi_page_raw(&lp->pg, " tabindex=\"-1\">\n");
}

static void screen_close(lesson_page *lp)
{
    lpi_page_close(&lp->pg, "section");
    lpi_page_raw(&lp->pg, "\n");
}

/* The blocks, a screen from each h1 or h2 to the next */
static void body(lesson_page *lp)
{
    size_t n = lp_lesson_block_count(lp->ls);
    bool open = false;

    if (n == 0)
        return;
    lpi_page_open(&lp->pg, "div", lp->body);
    lpi_page_raw(&lp->pg, " class=\"body\">\n");
    for (size_t i = 0; i < n && lp->pg.rc == 0; i++) {
        const lp_node *b = lp_lesson_block(lp->ls, i);
        lp_node_type t = lp_node_get_type(b);

        if (!open || ((t == LP_NODE_H1 || t == LP_NODE_H2) && i > 0)) {
            if (open)
                screen_close(lp);
            screen_open(lp, "screen", NULL);
            open = true;
        }
        block(lp, b);
    }
    if (open)
        screen_close(lp);
    lpi_page_close(&lp->pg, "div");
    lpi_page_raw(&lp->pg, "\n");
}

/* ------------------------------------------------------------ activities */

/* An element holding one of the page's own words (or text made of them) */
static void ui(lpi_page *pg, const char *tag, const char *cls,
               const char *text)
{
    lpi_page_open(pg, tag, pg->ui_lang);
    if (cls)
        lpi_page_attr(pg, "class", cls);
    lpi_page_raw(pg, ">");
    lpi_page_text(pg, text);
    lpi_page_close(pg, tag);
}

/* word is one of the white-space separated words of list */
static bool has_word(const char *list, const char *word)
{
    size_t n = strlen(word);

    for (const char *p = list; p && *p;) {
        size_t k;

        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        k = strcspn(p, " \t\n\r");
        if (k == n && k > 0 && memcmp(p, word, n) == 0)
            return true;
        p += k;
    }
    return false;
}

/* The key the script marks answers with, as data attributes */
static void answer_key(lpi_page *pg, const lp_activity *a)
{
    static const char *const kinds[] = { "multiple-choice", "true-false",
                                         "numeric", "short-answer" };
    lp_activity_type t = lp_activity_get_type(a);
    size_t n = lp_activity_answer_count(a);

    lpi_page_attr(pg, "data-kind", kinds[t]);
    /* answers never hold a line end that matters: the script collapses
     * white space before comparing, and option ids hold none */
    lpi_page_raw(pg, " data-key=\"");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            lpi_page_raw(pg, "\n");
        lpi_page_text(pg, lp_activity_answer(a, i));
    }
    lpi_page_raw(pg, "\"");
    if (t == LP_ACTIVITY_NUMERIC)
        lpi_page_attr(pg, "data-tolerance", lp_activity_tolerance(a));
    if (t == LP_ACTIVITY_NUMERIC && lp_activity_unit(a))
        lpi_page_attr(pg, "data-unit", lp_activity_unit(a));
}

static void choice(lesson_page *lp, const char *type, const char *value,
                   const char *lang, const char *text, bool checked)
{
    lpi_page *pg = &lp->pg;

    lpi_page_open(pg, "label", lang);
    lpi_page_raw(pg, " class=\"choice\"><input");
    lpi_page_attr(pg, "type", type);
    lpi_page_raw(pg, " name=\"answer\"");
    lpi_page_attr(pg, "value", value);
    if (checked)
        lpi_page_raw(pg, " checked");
    lpi_page_raw(pg, "> ");
    lpi_page_text(pg, text);
    lpi_page_close(pg, "label");
    lpi_page_raw(pg, "\n");
}

static void activity(lesson_page *lp, size_t i)
{
    lpi_page *pg = &lp->pg;
    const lp_activity *a = lp_lesson_activity(lp->ls, i);
    lp_activity_type t = lp_activity_get_type(a);
    const lp_render_opts *o = pg->opts;
    bool answered = o->answered && strcmp(o->answered, lp_activity_id(a)) == 0;
    const char *given = answered && o->answer ? o->answer : "";
    lp_link l = { 0 };

    screen_open(lp, "screen activity", NULL);
    /* an id, so that a hub's answer page opens at the form (LP_PAGE_ANSWER
     * may end with "#act-ID") */
    lpi_page_raw(pg, "<form class=\"act\" id=\"act-");
    lpi_page_text(pg, lp_activity_id(a));
    lpi_page_raw(pg, "\"");
    l.to = LP_PAGE_ANSWER;
    l.lang = lp->lang;
    l.id = lp_lesson_id(lp->ls);
    l.item = lp_activity_id(a);
    /* a static site has nowhere to post: the script marks it */
    if (lpi_page_url(pg, "action", &l))
        lpi_page_raw(pg, " method=\"post\"");
    if (o->embed_answers)
        answer_key(pg, a);
    lpi_page_raw(pg, "><fieldset>");
    lpi_page_open(pg, "legend", text_lang(lp, t_prompt, i, 0));
    lpi_page_raw(pg, ">");
    lpi_page_text(pg, lp_activity_prompt(a));
    lpi_page_close(pg, "legend");
    lpi_page_raw(pg, "\n<input type=\"hidden\" name=\"activity\"");
    lpi_page_attr(pg, "value", lp_activity_id(a));
    lpi_page_raw(pg, ">\n");
    switch (t) {
    case LP_ACTIVITY_MULTIPLE_CHOICE: {
        const char *type = lp_activity_answer_count(a) == 1 ? "radio"
                                                             : "checkbox";
        for (size_t k = 0; k < lp_activity_option_count(a); k++)
            choice(lp, type, lp_activity_option_id(a, k),
                   text_lang(lp, t_option, i, k),
                   lp_activity_option_text(a, k),
                   answered && has_word(given, lp_activity_option_id(a, k)));
        break;
    }
    case LP_ACTIVITY_TRUE_FALSE:
        choice(lp, "radio", "true", pg->ui_lang, lpi_ui(pg, LPI_UI_TRUE),
               answered && has_word(given, "true"));
        choice(lp, "radio", "false", pg->ui_lang, lpi_ui(pg, LPI_UI_FALSE),
               answered && has_word(given, "false"));
        break;
    case LP_ACTIVITY_NUMERIC:
    case LP_ACTIVITY_SHORT_ANSWER:
        lpi_page_raw(pg, "<input type=\"text\" name=\"answer\" "
                         "autocomplete=\"off\"");
        lpi_page_attr(pg, "aria-label", lpi_ui(pg, LPI_UI_ANSWER));
        if (t == LP_ACTIVITY_NUMERIC)
            lpi_page_raw(pg, " inputmode=\"decimal\"");
        lpi_page_attr(pg, "maxlength", "4096");
        if (answered)
            lpi_page_attr(pg, "value", given);
        lpi_page_raw(pg, ">");
        if (t == LP_ACTIVITY_NUMERIC && lp_activity_unit(a)) {
            lpi_page_raw(pg, " <span class=\"unit\">");
            lpi_page_text(pg, lp_activity_unit(a));
            lpi_page_raw(pg, "</span>");
        }
        lpi_page_raw(pg, "\n");
        break;
    }
    lpi_page_raw(pg, "<p>");
    lpi_page_open(pg, "button", pg->ui_lang);
    lpi_page_raw(pg, " type=\"submit\">");
    lpi_page_text(pg, lpi_ui(pg, LPI_UI_CHECK));
    lpi_page_close(pg, "button");
    lpi_page_raw(pg, "</p>\n<div class=\"result\" role=\"status\" "
                     "aria-live=\"polite\">");
    /* both marks and both feedbacks are in the page; the script (or the
     * hub, through opts->answered) shows the right ones */
    for (int ok = 1; ok >= 0; ok--) {
        const char *fb = lp_activity_feedback(a, ok);
        bool show = answered && (o->correct != 0) == (ok != 0);

        lpi_page_open(pg, "p", pg->ui_lang);
        lpi_page_attr(pg, "class", ok ? "mark right" : "mark wrong");
        lpi_page_raw(pg, show ? ">" : " hidden>");
        lpi_page_text(pg, lpi_ui(pg, ok ? LPI_UI_CORRECT : LPI_UI_NOT_YET));
        lpi_page_close(pg, "p");
        if (fb) {
            lpi_page_open(pg, "p", text_lang(lp, t_feedback, i, (size_t)ok));
            lpi_page_attr(pg, "class", ok ? "fb right" : "fb wrong");
            lpi_page_raw(pg, show ? ">" : " hidden>");
            lpi_page_text(pg, fb);
            lpi_page_close(pg, "p");
        }
    }
    lpi_page_raw(pg, "</div>\n</fieldset></form>\n");
    screen_close(lp);
}

static void assignments(lesson_page *lp)
{
    lpi_page *pg = &lp->pg;
    size_t n = lp_lesson_assignment_count(lp->ls);

    if (n == 0)
        return;
    screen_open(lp, "screen assignments", NULL);
    ui(pg, "h2", NULL, lpi_ui(pg, LPI_UI_ASSIGNMENTS));
    for (size_t i = 0; i < n && pg->rc == 0; i++) {
        const char *kind = lp_lesson_assignment_kind(lp->ls, i);
        uint64_t max = lp_lesson_assignment_max_size(lp->ls, i);
        static const char *const kinds[] = { "photo", "audio", "video",
                                             "text" };
        const char *kind_word = kind;
        lp_link l = { 0 };
        char size[64];

        for (size_t k = 0; k < 4; k++)
            if (strcmp(kind, kinds[k]) == 0)
                kind_word = lpi_ui(pg, (lpi_ui_word)(LPI_UI_PHOTO + k));
        lpi_page_raw(pg, "<div class=\"assignment\">");
        lpi_page_element(pg, "p", text_lang(lp, t_task, i, 0),
                         lp_lesson_assignment_task(lp->ls, i));
        snprintf(size, sizeof(size), " %" PRIu64 " KiB", (max + 1023) / 1024);
        lpi_page_open(pg, "p", pg->ui_lang);
        lpi_page_raw(pg, " class=\"meta\">");
        lpi_page_text(pg, kind_word);
        lpi_page_raw(pg, ", ");
        lpi_page_text(pg, lpi_ui(pg, LPI_UI_AT_MOST));
        lpi_page_text(pg, size);
        lpi_page_close(pg, "p");
        l.to = LP_PAGE_UPLOAD;
        l.lang = lp->lang;
        l.id = lp_lesson_id(lp->ls);
        l.item = lp_lesson_assignment_id(lp->ls, i);
        /* a static site takes no uploads: the task only */
        if (lpi_page_has_url(pg, &l)) {
            static const char *const accepts[][2] = {
                { "photo", "image/*" }, { "audio", "audio/*" },
                { "video", "video/*" } };

            lpi_page_raw(pg, "<form");
            lpi_page_url(pg, "action", &l);
            lpi_page_raw(pg, " method=\"post\" "
                             "enctype=\"multipart/form-data\">"
                             "<input type=\"hidden\" name=\"assignment\"");
            lpi_page_attr(pg, "value", lp_lesson_assignment_id(lp->ls, i));
            lpi_page_raw(pg, ">");
            if (strcmp(kind, "text") == 0) {
                lpi_page_raw(pg, "<textarea name=\"text\" rows=\"6\"");
                lpi_page_attr(pg, "aria-label", lpi_ui(pg, LPI_UI_TEXT));
                lpi_page_raw(pg, "></textarea>");
            } else {
                lpi_page_raw(pg, "<input type=\"file\" name=\"file\" "
                                 "required");
                lpi_page_attr(pg, "aria-label", lpi_ui(pg, LPI_UI_FILE));
                for (size_t k = 0; k < 3; k++)
                    if (strcmp(kind, accepts[k][0]) == 0)
                        lpi_page_attr(pg, "accept", accepts[k][1]);
                lpi_page_raw(pg, ">");
            }
            lpi_page_raw(pg, "<p>");
            lpi_page_open(pg, "button", pg->ui_lang);
            lpi_page_raw(pg, " type=\"submit\">");
            lpi_page_text(pg, lpi_ui(pg, LPI_UI_SEND));
            lpi_page_close(pg, "button");
            lpi_page_raw(pg, "</p></form>");
        }
        lpi_page_raw(pg, "</div>\n");
    }
    screen_close(lp);
}

/* ------------------------------------------------------------ the page */

/* Links to the catalog, the other mode, and the lesson in every other
 * language */
static void top(lesson_page *lp)
{
    lpi_page *pg = &lp->pg;
    const lp_catalog *cat = pg->cat;
    const char *in;
    const char *title = lp_catalog_title(cat, lp->lang, &in);
    lp_link l = { 0 };
    size_t n = lp_catalog_language_count(cat);

    lpi_page_raw(pg, "<header class=\"top\"><nav><a");
    l.to = LP_PAGE_CATALOG;
    l.lang = lp->lang;
    lpi_page_url(pg, "href", &l);
    lpi_page_raw(pg, ">");
    lpi_page_element(pg, "span", in, title);
    lpi_page_raw(pg, "</a> ");
    l.to = pg->opts->display ? LP_PAGE_LESSON : LP_PAGE_DISPLAY;
    l.id = lp_lesson_id(lp->ls);
    lpi_page_open(pg, "a", pg->ui_lang);
    lpi_page_raw(pg, " class=\"mode\"");
    lpi_page_url(pg, "href", &l);
    lpi_page_raw(pg, ">");
    lpi_page_text(pg, lpi_ui(pg, pg->opts->display ? LPI_UI_PAGE
                                                   : LPI_UI_DISPLAY));
    lpi_page_close(pg, "a");
    if (n > 1) {
        lpi_page_raw(pg, "<ul class=\"langs\">");
        for (size_t i = 0; i < n; i++) {
            const char *tag = lp_catalog_language(cat, i);

            if (lpi_tag_eq(tag, lp->lang))
                continue;
            l.to = pg->opts->display ? LP_PAGE_DISPLAY : LP_PAGE_LESSON;
            l.lang = tag;
            lpi_page_raw(pg, "<li>");
            lpi_page_open(pg, "a", tag);
            lpi_page_attr(pg, "hreflang", tag);
            lpi_page_url(pg, "href", &l);
            lpi_page_raw(pg, ">");
            lpi_page_text(pg, lp_catalog_language_name(cat, tag));
            lpi_page_close(pg, "a");
            lpi_page_raw(pg, "</li>");
        }
        lpi_page_raw(pg, "</ul>");
    }
    lpi_page_raw(pg, "</nav></header>\n");
}

/* The first screen: title, duration, objectives */
static void intro(lesson_page *lp)
{
    lpi_page *pg = &lp->pg;
    const char *in = lp->lang;
    const char *title = lp_catnode_title(lp->node, lp->lang, &in);
    size_t n = lp_catnode_objective_count(lp->node);
    char mins[48];

    screen_open(lp, "screen intro", NULL);
    lpi_page_element(pg, "h1", in, title);
    if (lp_lesson_duration(lp->ls) > 0) {
        snprintf(mins, sizeof(mins), "%" PRIu64 " %s",
                 lp_lesson_duration(lp->ls), lpi_ui(pg, LPI_UI_MIN));
        ui(pg, "p", "meta", mins);
    }
    if (n > 0) {
        ui(pg, "h2", NULL, lpi_ui(pg, LPI_UI_OBJECTIVES));
        lpi_page_raw(pg, "<ul class=\"objectives\">");
        for (size_t i = 0; i < n; i++) {
            const char *text = lp_catnode_objective_text(lp->node, i,
                                                         lp->lang, &in);
            lpi_page_element(pg, "li", in, text);
        }
        lpi_page_raw(pg, "</ul>\n");
    }
    screen_close(lp);
}

/* The lessons before and after this one, in teaching order */
static void pager(lesson_page *lp)
{
    lpi_page *pg = &lp->pg;
    size_t n = lp_catalog_lesson_count(pg->cat), at = n;

    for (size_t i = 0; i < n; i++)
        if (lp_catalog_lesson(pg->cat, i) == lp->node)
            at = i;
    lpi_page_raw(pg, "<nav class=\"pager\">");
    for (int next = 0; next <= 1 && at < n; next++) {
        const lp_catnode *o = next ? lp_catalog_lesson(pg->cat, at + 1)
                                   : at > 0
                                       ? lp_catalog_lesson(pg->cat, at - 1)
                                       : NULL;
        const char *in;
        const char *title;
        lp_link l = { 0 };

        if (!o)
            continue;
        title = lp_catnode_title(o, lp->lang, &in);
        l.to = pg->opts->display ? LP_PAGE_DISPLAY : LP_PAGE_LESSON;
        l.lang = lp->lang;
        l.id = lp_catnode_id(o);
        lpi_page_open(pg, "a", in);
        lpi_page_attr(pg, "class", next ? "next" : "prev");
        lpi_page_attr(pg, "rel", next ? "next" : "prev");
        lpi_page_url(pg, "href", &l);
        lpi_page_raw(pg, ">");
        lpi_page_text(pg, title);
        lpi_page_close(pg, "a");
    }
    lpi_page_raw(pg, "</nav>\n");
}

int lp_render_lesson(lp_ctx *ctx, const lp_catalog *cat,
                     const lp_lesson *lesson, const lp_render_opts *opts,
                     lp_write_fn write, void *user)
{
    lesson_page *lp;
    const char *lang = lesson ? lp_lesson_language(lesson) : NULL;
    const lpi_clang *cl = cat && lang ? lpi_catalog_lang(cat, lang) : NULL;
    const lp_catnode *node = NULL;
    int rc;

    if (!ctx)
        return LP_EINVAL;
    LP_ASSERT_ARG(cat && lesson && write);
    if (!cl || lp_catalog_find_lesson(cat, lp_lesson_id(lesson), &node) < 0)
        return lpi_error(ctx, LP_ENOTFOUND, "the catalog has no lesson "
                         "'%s' in '%s'", lp_lesson_id(lesson), lang);
    /* the page's state is some 10 KiB: on the heap, not the stack of a
     * hub's thread */
    lp = lpi_malloc(ctx, sizeof(*lp));
    if (!lp)
        return lpi_nomem(ctx);
    memset(lp->chain, 0, sizeof(lp->chain));
    memset(lp->tried, 0, sizeof(lp->tried));
    rc = lpi_page_init(&lp->pg, ctx, cat, opts, write, user,
                       opts && opts->display ? LP_PAGE_DISPLAY
                                             : LP_PAGE_LESSON,
                       cl->tag, lp_catnode_id(node));
    if (rc < 0)
        goto done;
    lp->ls = lesson;
    lp->node = node;
    lp->lang = cl->tag;
    lp->cl = cl;
    lp->body = lp_lesson_body_language(lesson);
    lp->screens = 0;
    lpi_page_head(&lp->pg, lp_catnode_title(node, cl->tag, NULL),
                  lp->pg.opts->display ? "display" : NULL);
    top(lp);
    lpi_page_raw(&lp->pg, "<main class=\"lesson\">\n");
    intro(lp);
    body(lp);
    if (lp_lesson_activity_count(lesson) > 0) {
        for (size_t i = 0; i < lp_lesson_activity_count(lesson); i++)
            activity(lp, i);
    }
    assignments(lp);
    pager(lp);
    lpi_page_raw(&lp->pg, "</main>\n");
    lpi_page_foot(&lp->pg);
    rc = lpi_page_finish(&lp->pg);
done:
    for (size_t i = 0; i < LP_MAX_LANGUAGES; i++)
        lp_lesson_free(lp->chain[i]);
    lpi_free(ctx, lp);
    return rc;
}
