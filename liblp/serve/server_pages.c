/*
 * server_pages.c - the hub's pages: the list of packages, the language
 * picker (Accept-Language, ICU's matching through the catalog), a catalog
 * per language, lesson pages and the activity check for browsers without
 * JavaScript.  Every text from a package is escaped; a text shown in a
 * language other than the page's (a fallback) carries its lang and dir.
 */
#include "lpi_server.h"

#include <string.h>

#define PAGE_MAX (8u * 1024u * 1024u)

/* text (in language in) on a page in lang: escaped, marked if it differs */
static int put_text(lpi_buf *b, lp_ctx *ctx, const lp_catalog *cat,
                    const char *text, const char *in, const char *lang)
{
    int rc = 0;
    bool mark = in && lang && strcasecmp(in, lang) != 0;

    if (mark) {
        rc = lpi_buf_printf(b, ctx, "<span lang=\"");
        if (rc == 0)
            rc = lpi_html_esc(b, ctx, in);
        if (rc == 0)
            rc = lpi_buf_printf(b, ctx, "\" dir=\"%s\">",
                                lp_catalog_direction(cat, in) == LP_RTL
                                ? "rtl" : "ltr");
    }
    if (rc == 0)
        rc = lpi_html_esc(b, ctx, text ? text : "");
    if (rc == 0 && mark)
        rc = lpi_buf_printf(b, ctx, "</span>");
    return rc;
}

/* <a href="/ID/LANG/REST">, each part %-encoded */
static int put_href(lpi_buf *b, lp_ctx *ctx, const char *id,
                    const char *lang, const char *rest)
{
    int rc = lpi_buf_printf(b, ctx, "<a href=\"/");

    if (rc == 0)
        rc = lpi_url_esc(b, ctx, id);
    if (rc == 0 && lang) {
        rc = lpi_buf_add(b, ctx, "/", 1);
        if (rc == 0)
            rc = lpi_url_esc(b, ctx, lang);
    }
    if (rc == 0)
        rc = lpi_buf_add(b, ctx, "/", 1);
    if (rc == 0 && rest)
        rc = lpi_buf_add(b, ctx, rest, strlen(rest));
    if (rc == 0)
        rc = lpi_buf_add(b, ctx, "\">", 2);
    return rc;
}

static enum MHD_Result finish(lpi_req *r, struct MHD_Connection *c,
                              lpi_buf *b, int rc)
{
    enum MHD_Result ret;

    if (rc == 0)
        rc = lpi_page_end(b, r->ctx);
    ret = rc == 0 ? lpi_send_html(r, c, 200, b)
                  : lpi_send_error(r, c, 500, "the page cannot be made");
    lpi_buf_dispose(b, r->ctx);
    return ret;
}

enum MHD_Result lpi_page_home(lpi_req *r, struct MHD_Connection *c)
{
    const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     "Accept-Language");
    lpi_buf b;
    int rc;

    lpi_buf_init(&b, PAGE_MAX);
    rc = lpi_page_begin(&b, r->ctx, "und", 0, "lp hub");
    if (rc == 0)
        rc = lpi_buf_printf(&b, r->ctx, "<h1>lp hub</h1>\n<ul>\n");
    for (size_t i = 0; rc == 0 && i < r->srv->npkgs; i++) {
        lpi_srvver *v = lpi_srvpkg_get(r->srv->pkgs[i]);
        const char *lang = NULL, *in = NULL, *title;

        if (v->cat) {
            if (!accept ||
                lp_catalog_match_accept(v->cat, accept, &lang) < LP_ENOTFOUND)
                lang = lp_catalog_default_language(v->cat);
            title = lp_catalog_title(v->cat, lang, &in);
        } else {
            title = lp_package_label(v->pkg)[0] ? lp_package_label(v->pkg)
                                                : lp_package_id(v->pkg);
        }
        rc = lpi_buf_printf(&b, r->ctx, "<li>");
        if (rc == 0)
            rc = put_href(&b, r->ctx, lp_package_id(v->pkg), NULL, NULL);
        if (rc == 0)
            rc = v->cat ? put_text(&b, r->ctx, v->cat, title, in, "und")
                        : lpi_html_esc(&b, r->ctx, title);
        if (rc == 0)
            rc = lpi_buf_printf(&b, r->ctx, "</a></li>\n");
        lpi_srvver_unref(v);
    }
    if (rc == 0)
        rc = lpi_buf_printf(&b, r->ctx, "</ul>\n");
    return finish(r, c, &b, rc);
}

/* A package of files (no catalog): its entries, each a link */
static enum MHD_Result page_files(lpi_req *r, struct MHD_Connection *c,
                                  lpi_srvver *v)
{
    const char *id = lp_package_id(v->pkg);
    lpi_buf b;
    int rc;

    lpi_buf_init(&b, PAGE_MAX);
    rc = lpi_page_begin(&b, r->ctx, lp_package_language(v->pkg, 0), 0, id);
    if (rc == 0)
        rc = lpi_buf_printf(&b, r->ctx, "<h1>");
    if (rc == 0)
        rc = lpi_html_esc(&b, r->ctx, id);
    if (rc == 0)
        rc = lpi_buf_printf(&b, r->ctx, "</h1>\n<p>");
    if (rc == 0)
        rc = put_href(&b, r->ctx, id, NULL, "package.lpk");
    if (rc == 0)
        rc = lpi_buf_printf(&b, r->ctx, "package.lpk</a></p>\n<ul>\n");
    for (size_t i = 0; rc == 0 && i < lp_package_entry_count(v->pkg); i++) {
        lp_entry_info info;
        lpi_buf path;

        if (lp_package_entry(v->pkg, i, &info) < 0)
            continue;
        lpi_buf_init(&path, 4 * LP_MAX_PATH_BYTES);
        rc = lpi_buf_add(&path, r->ctx, "f/", 2);
        /* each component encoded, the slashes kept */
        for (const char *p = info.path; rc == 0 && *p;) {
            const char *e = strchr(p, '/');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            char comp[LP_MAX_NAME_BYTES + 1];

            memcpy(comp, p, n < sizeof(comp) ? n : sizeof(comp) - 1);
            comp[n < sizeof(comp) ? n : sizeof(comp) - 1] = '\0';
            rc = lpi_url_esc(&path, r->ctx, comp);
            if (rc == 0 && e)
                rc = lpi_buf_add(&path, r->ctx, "/", 1);
            p = e ? e + 1 : p + n;
        }
        if (rc == 0)
            rc = lpi_buf_add(&path, r->ctx, "", 1);
        if (rc == 0)
            rc = lpi_buf_printf(&b, r->ctx, "<li>");
        if (rc == 0)
            rc = put_href(&b, r->ctx, id, NULL, path.data);
        if (rc == 0)
            rc = lpi_html_esc(&b, r->ctx, info.path);
        if (rc == 0)
            rc = lpi_buf_printf(&b, r->ctx, "</a> (%llu bytes)</li>\n",
                                (unsigned long long)info.size);
        lpi_buf_dispose(&path, r->ctx);
    }
    if (rc == 0)
        rc = lpi_buf_printf(&b, r->ctx, "</ul>\n");
    return finish(r, c, &b, rc);
}

enum MHD_Result lpi_page_pick(lpi_req *r, struct MHD_Connection *c,
                              lpi_srvver *v)
{
    const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     "Accept-Language");
    const char *lang = NULL;
    lpi_buf loc;
    enum MHD_Result ret;
    int rc;

    if (!v->cat)
        return page_files(r, c, v);
    if (!accept || lp_catalog_match_accept(v->cat, accept, &lang) <
        LP_ENOTFOUND)
        lang = lp_catalog_default_language(v->cat);
    lpi_buf_init(&loc, 1024);
    rc = lpi_buf_add(&loc, r->ctx, "/", 1);
    if (rc == 0)
        rc = lpi_url_esc(&loc, r->ctx, lp_package_id(v->pkg));
    if (rc == 0)
        rc = lpi_buf_add(&loc, r->ctx, "/", 1);
    if (rc == 0)
        rc = lpi_url_esc(&loc, r->ctx, lang);
    if (rc == 0)
        rc = lpi_buf_add(&loc, r->ctx, "/", 2);
    ret = rc == 0 ? lpi_send_redirect(r, c, loc.data, true)
                  : lpi_send_error(r, c, 500, NULL);
    lpi_buf_dispose(&loc, r->ctx);
    return ret;
}

/* The links to the catalog in every language, each in itself */
static int put_picker(lpi_buf *b, lp_ctx *ctx, const lp_catalog *cat,
                      const char *id, const char *rest)
{
    int rc = lpi_buf_printf(b, ctx, "<nav><ul>");

    for (size_t i = 0; rc == 0 && i < lp_catalog_language_count(cat); i++) {
        const char *l = lp_catalog_language(cat, i);
        const char *name = lp_catalog_language_name(cat, l);

        rc = lpi_buf_printf(b, ctx, "<li lang=\"");
        if (rc == 0)
            rc = lpi_html_esc(b, ctx, l);
        if (rc == 0)
            rc = lpi_buf_printf(b, ctx, "\" dir=\"%s\">",
                                lp_catalog_direction(cat, l) == LP_RTL
                                ? "rtl" : "ltr");
        if (rc == 0)
            rc = put_href(b, ctx, id, l, rest);
        if (rc == 0)
            rc = lpi_html_esc(b, ctx, name ? name : l);
        if (rc == 0)
            rc = lpi_buf_printf(b, ctx, "</a></li>");
    }
    if (rc == 0)
        rc = lpi_buf_printf(b, ctx, "</ul></nav>\n");
    return rc;
}

static int put_node(lpi_buf *b, lp_ctx *ctx, const lp_catalog *cat,
                    const lp_catnode *n, const char *id, const char *lang,
                    unsigned depth)
{
    const char *in, *t = lp_catnode_title(n, lang, &in);
    int rc;

    if (lp_catnode_get_kind(n) == LP_CAT_LESSON) {
        lpi_buf rest;

        lpi_buf_init(&rest, 1024);
        rc = lpi_url_esc(&rest, ctx, lp_catnode_id(n));
        if (rc == 0)
            rc = lpi_buf_add(&rest, ctx, "", 1);
        if (rc == 0)
            rc = lpi_buf_printf(b, ctx, "<li>");
        if (rc == 0)
            rc = put_href(b, ctx, id, lang, rest.data);
        if (rc == 0)
            rc = put_text(b, ctx, cat, t, in, lang);
        if (rc == 0)
            rc = lpi_buf_printf(b, ctx, "</a></li>\n");
        lpi_buf_dispose(&rest, ctx);
        return rc;
    }
    rc = lpi_buf_printf(b, ctx, "<li><h%u>", depth + 2);
    if (rc == 0)
        rc = put_text(b, ctx, cat, t, in, lang);
    if (rc == 0)
        rc = lpi_buf_printf(b, ctx, "</h%u><ul>\n", depth + 2);
    for (size_t i = 0; rc == 0 && i < lp_catnode_child_count(n); i++)
        rc = put_node(b, ctx, cat, lp_catnode_child(n, i), id, lang,
                      depth + 1);
    if (rc == 0)
        rc = lpi_buf_printf(b, ctx, "</ul></li>\n");
    return rc;
}

/* lang as the catalog spells it, or NULL if it has no such language */
static const char *catalog_lang(const lp_catalog *cat, const char *lang)
{
    for (size_t i = 0; i < lp_catalog_language_count(cat); i++)
        if (strcasecmp(lp_catalog_language(cat, i), lang) == 0)
            return lp_catalog_language(cat, i);
    return NULL;
}

enum MHD_Result lpi_page_catalog(lpi_req *r, struct MHD_Connection *c,
                                 lpi_srvver *v, const char *lang)
{
    const char *id = lp_package_id(v->pkg), *in, *t;
    lpi_buf b;
    int rc;

    if (!v->cat || !(lang = catalog_lang(v->cat, lang)))
        return lpi_send_error(r, c, 404, "no such language");
    t = lp_catalog_title(v->cat, lang, &in);
    lpi_buf_init(&b, PAGE_MAX);
    rc = lpi_page_begin(&b, r->ctx, lang,
                        lp_catalog_direction(v->cat, lang) == LP_RTL, t);
    if (rc == 0)
        rc = put_picker(&b, r->ctx, v->cat, id, NULL);
    if (rc == 0)
        rc = lpi_buf_printf(&b, r->ctx, "<h1>");
    if (rc == 0)
        rc = put_text(&b, r->ctx, v->cat, t, in, lang);
    if (rc == 0)
        rc = lpi_buf_printf(&b, r->ctx, "</h1>\n");
    t = lp_catalog_description(v->cat, lang, &in);
    if (rc == 0 && t) {
        rc = lpi_buf_printf(&b, r->ctx, "<p>");
        if (rc == 0)
            rc = put_text(&b, r->ctx, v->cat, t, in, lang);
        if (rc == 0)
            rc = lpi_buf_printf(&b, r->ctx, "</p>\n");
    }
    if (rc == 0)
        rc = lpi_buf_printf(&b, r->ctx, "<ul>\n");
    for (size_t i = 0; rc == 0 && i < lp_catalog_subject_count(v->cat); i++)
        rc = put_node(&b, r->ctx, v->cat, lp_catalog_subject(v->cat, i), id,
                      lang, 0);
    if (rc == 0)
        rc = lpi_buf_printf(&b, r->ctx, "</ul>\n<p>");
    if (rc == 0)
        rc = put_href(&b, r->ctx, id, NULL, "package.lpk");
    if (rc == 0)
        rc = lpi_buf_printf(&b, r->ctx, "&#x2B73; %s-%llu.lpk</a></p>\n",
                            id, (unsigned long long)
                            lp_package_version(v->pkg));
    return finish(r, c, &b, rc);
}

/* The lesson page as a plain list of what the lesson holds; the full
 * rendering is lp_render's */
static int put_lesson(lpi_buf *b, lp_ctx *ctx, const lp_lesson *l,
                      const char *id, const char *lang, bool display)
{
    const char *lesson = lp_lesson_id(l);
    lpi_buf rest;
    int rc;

    lpi_buf_init(&rest, 2048);
    rc = lpi_url_esc(&rest, ctx, lesson);
    if (rc == 0)
        rc = lpi_buf_add(&rest, ctx, "", 1);
    if (rc == 0)
        rc = lpi_buf_printf(b, ctx, "<h1>");
    if (rc == 0)
        rc = lpi_html_esc(b, ctx, lp_lesson_title(l));
    if (rc == 0)
        rc = lpi_buf_printf(b, ctx, "</h1>\n%s<ul>\n",
                            display ? "<p>display</p>\n" : "");
    for (size_t i = 0; rc == 0 && i < lp_lesson_objective_count(l); i++) {
        rc = lpi_buf_printf(b, ctx, "<li>");
        if (rc == 0)
            rc = lpi_html_esc(b, ctx, lp_lesson_objective_text(l, i));
        if (rc == 0)
            rc = lpi_buf_printf(b, ctx, "</li>\n");
    }
    if (rc == 0)
        rc = lpi_buf_printf(b, ctx, "</ul>\n<ul>\n");
    for (size_t i = 0; rc == 0 && i < lp_lesson_need_count(l); i++) {
        rc = lpi_buf_printf(b, ctx, "<li><a href=\"/");
        if (rc == 0)
            rc = lpi_url_esc(b, ctx, id);
        if (rc == 0)
            rc = lpi_buf_printf(b, ctx, "/o/%s\">", lp_lesson_need_hash(l, i));
        if (rc == 0)
            rc = lpi_html_esc(b, ctx, lp_lesson_need_path(l, i));
        if (rc == 0)
            rc = lpi_buf_printf(b, ctx, "</a></li>\n");
    }
    if (rc == 0)
        rc = lpi_buf_printf(b, ctx, "</ul>\n");
    /* activities, checked here for browsers without JavaScript */
    for (size_t i = 0; rc == 0 && i < lp_lesson_activity_count(l); i++) {
        const lp_activity *a = lp_lesson_activity(l, i);
        lp_activity_type t = lp_activity_get_type(a);

        rc = lpi_buf_printf(b, ctx, "<form method=\"post\" action=\"%s/"
                            "check\"><input type=\"hidden\" name=\"activity\""
                            " value=\"", rest.data);
        if (rc == 0)
            rc = lpi_html_esc(b, ctx, lp_activity_id(a));
        if (rc == 0)
            rc = lpi_buf_printf(b, ctx, "\"><p>");
        if (rc == 0)
            rc = lpi_html_esc(b, ctx, lp_activity_prompt(a));
        if (rc == 0)
            rc = lpi_buf_printf(b, ctx, "</p>\n");
        if (t == LP_ACTIVITY_MULTIPLE_CHOICE) {
            for (size_t k = 0; rc == 0 && k < lp_activity_option_count(a);
                 k++) {
                rc = lpi_buf_printf(b, ctx, "<label><input type=\"checkbox\""
                                    " name=\"answer\" value=\"");
                if (rc == 0)
                    rc = lpi_html_esc(b, ctx, lp_activity_option_id(a, k));
                if (rc == 0)
                    rc = lpi_buf_printf(b, ctx, "\"> ");
                if (rc == 0)
                    rc = lpi_html_esc(b, ctx, lp_activity_option_text(a, k));
                if (rc == 0)
                    rc = lpi_buf_printf(b, ctx, "</label><br>\n");
            }
        } else if (t == LP_ACTIVITY_TRUE_FALSE) {
            rc = lpi_buf_printf(b, ctx, "<label><input type=\"radio\" name="
                                "\"answer\" value=\"true\"> &#x2713;</label> "
                                "<label><input type=\"radio\" name=\"answer\""
                                " value=\"false\"> &#x2717;</label>\n");
        } else if (rc == 0) {
            rc = lpi_buf_printf(b, ctx, "<input name=\"answer\" %s>\n",
                                t == LP_ACTIVITY_NUMERIC
                                ? "inputmode=\"decimal\"" : "");
        }
        if (rc == 0)
            rc = lpi_buf_printf(b, ctx, "<button>&#x2714;</button></form>\n");
    }
    for (size_t i = 0; rc == 0 && i < lp_lesson_assignment_count(l); i++) {
        rc = lpi_buf_printf(b, ctx, "<form method=\"post\" enctype="
                            "\"multipart/form-data\" action=\"%s/assignment/",
                            rest.data);
        if (rc == 0)
            rc = lpi_url_esc(b, ctx, lp_lesson_assignment_id(l, i));
        if (rc == 0)
            rc = lpi_buf_printf(b, ctx, "\"><p>");
        if (rc == 0)
            rc = lpi_html_esc(b, ctx, lp_lesson_assignment_task(l, i));
        if (rc == 0)
            rc = lpi_buf_printf(b, ctx, " (%llu bytes at most)</p>\n<input "
                                "name=\"name\" autocomplete=\"name\"> %s\n"
                                "<button>&#x2B71;</button></form>\n",
                                (unsigned long long)
                                lp_lesson_assignment_max_size(l, i),
                                strcmp(lp_lesson_assignment_kind(l, i),
                                       "text") == 0
                                ? "<textarea name=\"text\"></textarea>"
                                : "<input type=\"file\" name=\"file\">");
    }
    if (rc == 0)
        rc = lpi_buf_printf(b, ctx, "<p><a href=\"%s/download.tar\">"
                            "&#x2B73; tar</a> <a href=\"%s/display\">"
                            "&#x1F4FA;</a></p>\n", rest.data, rest.data);
    (void)lang;
    lpi_buf_dispose(&rest, ctx);
    return rc;
}

enum MHD_Result lpi_page_lesson(lpi_req *r, struct MHD_Connection *c,
                                lpi_srvver *v, const char *lang,
                                const char *lesson, bool display)
{
    lp_lesson *l = NULL;
    lpi_buf b;
    int rc;

    if (!v->cat || !(lang = catalog_lang(v->cat, lang)))
        return lpi_send_error(r, c, 404, "no such language");
    rc = lp_lesson_open(&l, r->ctx, v->cat, lesson, lang);
    if (rc == LP_ENOTFOUND)
        return lpi_send_error(r, c, 404, "no such lesson");
    if (rc < 0) {
        lpi_srv_log(r->srv, "lesson '%s': %s", lesson, lp_ctx_errmsg(r->ctx));
        return lpi_send_error(r, c, 500, "this lesson cannot be read");
    }
    lpi_buf_init(&b, PAGE_MAX);
    rc = lpi_page_begin(&b, r->ctx, lang,
                        lp_lesson_direction(l) == LP_RTL, lp_lesson_title(l));
    if (rc == 0) {
        lpi_buf rest;

        lpi_buf_init(&rest, 2048);
        rc = lpi_url_esc(&rest, r->ctx, lesson);
        if (rc == 0)
            rc = lpi_buf_add(&rest, r->ctx, "", 1);
        if (rc == 0)
            rc = put_picker(&b, r->ctx, v->cat, lp_package_id(v->pkg),
                            rest.data);
        lpi_buf_dispose(&rest, r->ctx);
    }
    if (rc == 0)
        rc = put_lesson(&b, r->ctx, l, lp_package_id(v->pkg), lang, display);
    lp_lesson_free(l);
    return finish(r, c, &b, rc);
}

/* ------------------------------------------------- the activity check */

typedef struct check_form {
    lpi_srvver *ver;
    char lang[LP_MAX_LANGUAGE_BYTES + 1];
    char lesson[LP_MAX_ID_BYTES + 1];
    lpi_buf activity, answer;
} check_form;

static enum MHD_Result check_field(void *cls, enum MHD_ValueKind kind,
                                   const char *key, const char *filename,
                                   const char *type, const char *enc,
                                   const char *data, uint64_t off,
                                   size_t size)
{
    lpi_req *r = cls;
    check_form *f = r->post;
    lpi_buf *dst = NULL;

    (void)kind; (void)filename; (void)type; (void)enc;
    if (strcmp(key, "activity") == 0)
        dst = &f->activity;
    else if (strcmp(key, "answer") == 0)
        dst = &f->answer;
    if (!dst)
        return MHD_YES;     /* other fields are ignored */
    /* a second answer value (checkboxes): ids separated by a space */
    if (off == 0 && dst == &f->answer && f->answer.len &&
        lpi_buf_add(dst, r->ctx, " ", 1) < 0) {
        r->post_error = true;
        return MHD_NO;
    }
    if (size && lpi_buf_add(dst, r->ctx, data, size) < 0) {
        r->post_error = true;
        return MHD_NO;
    }
    return MHD_YES;
}

static void check_dispose(lpi_req *r)
{
    check_form *f = r->post;

    if (!f)
        return;
    lpi_buf_dispose(&f->activity, r->ctx);
    lpi_buf_dispose(&f->answer, r->ctx);
    lpi_free(r->ctx, f);
    r->post = NULL;
}

static enum MHD_Result check_finish(lpi_req *r, struct MHD_Connection *c)
{
    check_form *f = r->post;
    lpi_srvver *v = r->ver;
    const lp_activity *a = NULL;
    lp_lesson *l = NULL;
    const char *fb;
    int correct = 0, rc;
    lpi_buf b;

    if (r->post_error)
        return lpi_send_error(r, c, 413, "the answer is too long");
    if (lpi_buf_add(&f->activity, r->ctx, "", 1) < 0 ||
        lpi_buf_add(&f->answer, r->ctx, "", 1) < 0)
        return lpi_send_error(r, c, 503, NULL);
    rc = lp_lesson_open(&l, r->ctx, v->cat, f->lesson, f->lang);
    if (rc < 0)
        return lpi_send_error(r, c, 404, "no such lesson");
    for (size_t i = 0; i < lp_lesson_activity_count(l); i++)
        if (strcmp(lp_activity_id(lp_lesson_activity(l, i)),
                   f->activity.data) == 0)
            a = lp_lesson_activity(l, i);
    if (!a) {
        lp_lesson_free(l);
        return lpi_send_error(r, c, 404, "no such activity");
    }
    rc = lp_activity_check(a, f->answer.data, &correct);
    if (rc < 0) {
        lp_lesson_free(l);
        return lpi_send_error(r, c, 400, "this answer cannot be checked "
                              "(not valid UTF-8, or too long)");
    }
    lpi_buf_init(&b, PAGE_MAX);
    rc = lpi_page_begin(&b, r->ctx, f->lang,
                        lp_lesson_direction(l) == LP_RTL, lp_lesson_title(l));
    if (rc == 0)
        rc = lpi_buf_printf(&b, r->ctx, "<h1 class=\"%s\">%s</h1>\n<p>",
                            correct ? "ok" : "wrong",
                            correct ? "&#x2714; Right" : "&#x2718; Wrong");
    if (rc == 0)
        rc = lpi_html_esc(&b, r->ctx, lp_activity_prompt(a));
    if (rc == 0)
        rc = lpi_buf_printf(&b, r->ctx, "</p>\n");
    fb = lp_activity_feedback(a, correct);
    if (rc == 0 && fb) {
        rc = lpi_buf_printf(&b, r->ctx, "<p>");
        if (rc == 0)
            rc = lpi_html_esc(&b, r->ctx, fb);
        if (rc == 0)
            rc = lpi_buf_printf(&b, r->ctx, "</p>\n");
    }
    if (rc == 0)
        rc = lpi_buf_printf(&b, r->ctx, "<p><a href=\".\">&#x21A9;</a></p>\n");
    lp_lesson_free(l);
    return finish(r, c, &b, rc);
}

enum MHD_Result lpi_check_begin(lpi_req *r, struct MHD_Connection *c,
                                lpi_srvver *v, const char *lang,
                                const char *lesson)
{
    check_form *f;

    if (!v->cat || !(lang = catalog_lang(v->cat, lang)))
        return lpi_send_error(r, c, 404, "no such language");
    if (strlen(lesson) > LP_MAX_ID_BYTES)
        return lpi_send_error(r, c, 404, "no such lesson");
    f = lpi_calloc(r->ctx, 1, sizeof(*f));
    if (!f)
        return lpi_send_error(r, c, 503, NULL);
    memcpy(f->lang, lang, strlen(lang) + 1);
    memcpy(f->lesson, lesson, strlen(lesson) + 1);
    lpi_buf_init(&f->activity, LP_MAX_ID_BYTES);
    lpi_buf_init(&f->answer, LP_MAX_ANSWER_BYTES);
    r->post = f;
    r->dispose = check_dispose;
    r->finish = check_finish;
    r->pp = MHD_create_post_processor(c, 4096, check_field, r);
    if (!r->pp)
        return lpi_send_error(r, c, 415, "send the answer as a form");
    return MHD_YES;
}
