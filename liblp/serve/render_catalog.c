/*
 * render_catalog.c - the language picker and the catalog page of a
 * language: subjects, grades and units as headings, lessons in teaching
 * order.  Each text carries the language it is really in (lpk(5)).
 */
#include "lpi_serve.h"

#include <inttypes.h>
#include <stdio.h>

/* Links to the catalog in every other language, each language named in
 * itself (and in its own lang and dir) */
static void language_links(lpi_page *pg, lp_page to, const char *id)
{
    size_t n = lp_catalog_language_count(pg->cat);

    if (n < 2)
        return;
    lpi_page_raw(pg, "<nav class=\"langs\"");
    lpi_page_attr(pg, "aria-label", lpi_ui(pg, LPI_UI_LANGUAGES));
    lpi_page_raw(pg, "><ul>");
    for (size_t i = 0; i < n; i++) {
        const char *tag = lp_catalog_language(pg->cat, i);
        lp_link l = { 0 };

        l.to = to;
        l.lang = tag;
        l.id = id;
        lpi_page_raw(pg, "<li>");
        lpi_page_open(pg, "a", tag);
        lpi_page_attr(pg, "hreflang", tag);
        if (pg->from.from_lang && lpi_tag_eq(tag, pg->from.from_lang))
            lpi_page_raw(pg, " aria-current=\"page\"");
        else
            lpi_page_url(pg, "href", &l);
        lpi_page_raw(pg, ">");
        lpi_page_text(pg, lp_catalog_language_name(pg->cat, tag));
        lpi_page_close(pg, "a");
        lpi_page_raw(pg, "</li>");
    }
    lpi_page_raw(pg, "</ul></nav>\n");
}

int lp_render_home(lp_ctx *ctx, const lp_catalog *cat,
                   const lp_render_opts *opts, lp_write_fn write, void *user)
{
    lpi_page pg;
    const char *def = cat ? lp_catalog_default_language(cat) : NULL;
    const char *in;
    int rc = lpi_page_init(&pg, ctx, cat, opts, write, user, LP_PAGE_HOME,
                           NULL, NULL);

    if (rc < 0)
        return rc;
    lpi_page_head(&pg, lp_catalog_title(cat, def, NULL), NULL);
    lpi_page_raw(&pg, "<main class=\"home\">\n");
    /* the curriculum's title in each language, linking to its catalog */
    lpi_page_raw(&pg, "<ul class=\"langs big\">\n");
    for (size_t i = 0; i < lp_catalog_language_count(cat); i++) {
        const char *tag = lp_catalog_language(cat, i);
        const char *title = lp_catalog_title(cat, tag, &in);
        lp_link l = { 0 };

        l.to = LP_PAGE_CATALOG;
        l.lang = tag;
        lpi_page_open(&pg, "li", tag);
        lpi_page_raw(&pg, "><a");
        lpi_page_attr(&pg, "hreflang", tag);
        lpi_page_url(&pg, "href", &l);
        lpi_page_raw(&pg, "><strong>");
        lpi_page_text(&pg, lp_catalog_language_name(cat, tag));
        lpi_page_raw(&pg, "</strong> ");
        lpi_page_element(&pg, "span", in, title);
        lpi_page_raw(&pg, "</a>");
        lpi_page_close(&pg, "li");
        lpi_page_raw(&pg, "\n");
    }
    lpi_page_raw(&pg, "</ul>\n</main>\n");
    lpi_page_foot(&pg);
    return lpi_page_finish(&pg);
}

/* One lesson of a unit: its title (a link) and duration */
static void lesson_item(lpi_page *pg, const lp_catnode *ls, const char *lang)
{
    const char *in;
    const char *title = lp_catnode_title(ls, lang, &in);
    lp_link l = { 0 };
    char mins[32];

    l.to = LP_PAGE_LESSON;
    l.lang = lang;
    l.id = lp_catnode_id(ls);
    lpi_page_raw(pg, "<li>");
    lpi_page_open(pg, "a", in);
    lpi_page_url(pg, "href", &l);
    lpi_page_raw(pg, ">");
    lpi_page_text(pg, title);
    lpi_page_close(pg, "a");
    if (lp_catnode_duration(ls) > 0) {
        snprintf(mins, sizeof(mins), "%" PRIu64 " ",
                 lp_catnode_duration(ls));
        lpi_page_raw(pg, " ");
        lpi_page_open(pg, "span", pg->ui_lang);
        lpi_page_raw(pg, " class=\"dur\">");
        lpi_page_text(pg, mins);
        lpi_page_text(pg, lpi_ui(pg, LPI_UI_MIN));
        lpi_page_close(pg, "span");
    }
    lpi_page_raw(pg, "</li>\n");
}

/* A subject, grade or unit: a heading at level h, then its children */
static void node_section(lpi_page *pg, const lp_catnode *node,
                         const char *lang, int h)
{
    static const char *const tags[] = { "h2", "h3", "h4" };
    const char *in;
    const char *title = lp_catnode_title(node, lang, &in);
    size_t n = lp_catnode_child_count(node);

    lpi_page_raw(pg, "<section>");
    lpi_page_element(pg, tags[h], in, title);
    lpi_page_raw(pg, "\n");
    if (lp_catnode_get_kind(node) == LP_CAT_UNIT) {
        lpi_page_raw(pg, "<ol class=\"lessons\">\n");
        for (size_t i = 0; i < n; i++)
            lesson_item(pg, lp_catnode_child(node, i), lang);
        lpi_page_raw(pg, "</ol>\n");
    } else {
        for (size_t i = 0; i < n; i++)
            node_section(pg, lp_catnode_child(node, i), lang,
                         h < 2 ? h + 1 : 2);
    }
    lpi_page_raw(pg, "</section>\n");
}

int lp_render_catalog(lp_ctx *ctx, const lp_catalog *cat, const char *lang,
                      const lp_render_opts *opts, lp_write_fn write,
                      void *user)
{
    lpi_page pg;
    const lpi_clang *cl = cat ? lpi_catalog_lang(cat, lang) : NULL;
    const char *in, *title, *desc;
    int rc;

    if (cat && !cl)
        return lpi_error(ctx, LP_ENOTFOUND, "the catalog has no language "
                         "'%s'", lang);
    rc = lpi_page_init(&pg, ctx, cat, opts, write, user, LP_PAGE_CATALOG,
                       cl ? cl->tag : NULL, NULL);
    if (rc < 0)
        return rc;
    lang = cl->tag;
    title = lp_catalog_title(cat, lang, &in);
    lpi_page_head(&pg, title, NULL);
    lpi_page_raw(&pg, "<header>");
    language_links(&pg, LP_PAGE_CATALOG, NULL);
    lpi_page_element(&pg, "h1", in, title);
    desc = lp_catalog_description(cat, lang, &in);
    if (desc)
        lpi_page_element(&pg, "p", in, desc);
    lpi_page_raw(&pg, "</header>\n<main class=\"catalog\">\n");
    for (size_t i = 0; i < lp_catalog_subject_count(cat); i++)
        node_section(&pg, lp_catalog_subject(cat, i), lang, 0);
    lpi_page_raw(&pg, "</main>\n");
    lpi_page_foot(&pg);
    return lpi_page_finish(&pg);
}
