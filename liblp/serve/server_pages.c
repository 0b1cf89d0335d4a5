/*
 * server_pages.c - the hub's pages: the list of packages, the redirect by
 * Accept-Language (ICU's matching through the catalog), and the pages of
 * lp_render_* at the hub's URLs (lpack(1), SERVE): the language picker, a
 * catalog per language, lesson pages and their display mode, the style
 * sheet and script, and a lesson marked on the hub for browsers without
 * JavaScript.  The renderer escapes every text of a package and marks the
 * language and direction of each; the few words of this file are escaped
 * here.
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

/* The catalog's language that best serves the browser: ICU's matching of
 * its Accept-Language, or the default language */
static const char *accept_lang(struct MHD_Connection *c,
                               const lp_catalog *cat)
{
    const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     "Accept-Language");
    const char *lang = NULL;

    if (!accept || lp_catalog_match_accept(cat, accept, &lang) < 0 ||
        !lang)
        return lp_catalog_default_language(cat);
    return lang;
}

static enum MHD_Result finish(lpi_req *r, struct MHD_Connection *c,
                              lpi_buf *b, int rc)
{
    enum MHD_Result ret;

    if (rc == 0)
        rc = lpi_page_end(b, r->ctx);
    ret = rc == 0 ? lpi_preview_send(r, c, 200, b)
                  : lpi_send_error(r, c, 500, "the page cannot be made");
    lpi_buf_dispose(b, r->ctx);
    return ret;
}

enum MHD_Result lpi_page_home(lpi_req *r, struct MHD_Connection *c)
{
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
            lang = accept_lang(c, v->cat);
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
    const char *lang;
    lpi_buf loc;
    enum MHD_Result ret;
    int rc;

    if (!v->cat)
        return page_files(r, c, v);
    lang = accept_lang(c, v->cat);
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

/* lang as the catalog spells it, or NULL if it has no such language */
static const char *catalog_lang(const lp_catalog *cat, const char *lang)
{
    for (size_t i = 0; i < lp_catalog_language_count(cat); i++)
        if (strcasecmp(lp_catalog_language(cat, i), lang) == 0)
            return lp_catalog_language(cat, i);
    return NULL;
}

/* ------------------------------------------------- pages by lp_render */

/* s %-encoded at buf + *at; false if it does not fit */
static bool url_put(char *buf, size_t size, size_t *at, const char *s,
                    bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";

    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || strchr("-._~", *p) ||
                     (keep_slash && *p == '/');
        if (*at + (plain ? 1 : 3) >= size)
            return false;
        if (plain) {
            buf[(*at)++] = (char)*p;
        } else {
            buf[(*at)++] = '%';
            buf[(*at)++] = hex[*p >> 4];
            buf[(*at)++] = hex[*p & 15];
        }
    }
    buf[*at] = '\0';
    return true;
}

/* s as it is at buf + *at (literals of ours only) */
static bool raw_put(char *buf, size_t size, size_t *at, const char *s)
{
    size_t n = strlen(s);

    if (*at + n >= size)
        return false;
    memcpy(buf + *at, s, n + 1);
    *at += n;
    return true;
}

typedef struct hub_links {
    const char *id;         /* the package id */
    bool uploads;           /* the hub takes uploads */
} hub_links;

/* The hub's URLs (lpack(1), lpack serve), absolute paths */
static int hub_url(char *buf, size_t size, const lp_link *l, void *user)
{
    const hub_links *h = user;
    size_t at = 0;
    bool ok;

    if (size < 2)
        return LP_ETOOBIG;
    buf[0] = '\0';
    if (l->to == LP_PAGE_STYLE || l->to == LP_PAGE_SCRIPT) {
        ok = url_put(buf, size, &at, l->to == LP_PAGE_STYLE ? "/lp.css"
                                                            : "/lp.js", true);
        return ok ? (int)at : LP_ETOOBIG;
    }
    if (l->to == LP_PAGE_UPLOAD && !h->uploads)
        return 0;
    ok = url_put(buf, size, &at, "/", true) &&
         url_put(buf, size, &at, h->id, false) &&
         url_put(buf, size, &at, "/", true);
    switch (l->to) {
    case LP_PAGE_HOME:
        ok = ok && url_put(buf, size, &at, "languages", true);
        break;
    case LP_PAGE_MEDIA:
        if (l->hash)
            ok = ok && url_put(buf, size, &at, "o/", true) &&
                 url_put(buf, size, &at, l->hash, false);
        else
            ok = ok && l->path && url_put(buf, size, &at, "f/", true) &&
                 url_put(buf, size, &at, l->path, true);
        break;
    default:
        ok = ok && l->lang && url_put(buf, size, &at, l->lang, false) &&
             url_put(buf, size, &at, "/", true);
        if (l->to == LP_PAGE_CATALOG)
            break;
        ok = ok && l->id && url_put(buf, size, &at, l->id, false);
        if (l->to == LP_PAGE_DISPLAY)
            ok = ok && url_put(buf, size, &at, "/display", true);
        else if (l->to == LP_PAGE_ANSWER)   /* back at the form */
            ok = ok && l->item &&
                 url_put(buf, size, &at, "/check", true) &&
                 raw_put(buf, size, &at, "#act-") &&
                 url_put(buf, size, &at, l->item, false);
        else if (l->to == LP_PAGE_UPLOAD)
            ok = ok && l->item &&
                 url_put(buf, size, &at, "/assignment/", true) &&
                 url_put(buf, size, &at, l->item, false);
        break;
    }
    return ok ? (int)at : LP_ETOOBIG;
}

/* A page's name in the cache: the release, what page, language, lesson */
typedef struct page_key {
    size_t len;
    char data[8 + 1 + LP_MAX_LANGUAGE_BYTES + 1 + LP_MAX_ID_BYTES + 1];
} page_key;

static void make_key(page_key *k, const lpi_srvver *v, char kind,
                     const char *lang, const char *lesson)
{
    size_t nl = lang ? strlen(lang) : 0, ni = lesson ? strlen(lesson) : 0;

    memcpy(k->data, &v->serial, 8);
    k->data[8] = kind;
    /* both were checked against the catalog (or are NULL): they fit */
    if (nl > LP_MAX_LANGUAGE_BYTES)
        nl = LP_MAX_LANGUAGE_BYTES;
    if (ni > LP_MAX_ID_BYTES)
        ni = LP_MAX_ID_BYTES;
    memcpy(k->data + 9, lang ? lang : "", nl);
    k->data[9 + nl] = '\0';
    memcpy(k->data + 10 + nl, lesson ? lesson : "", ni);
    k->len = 10 + nl + ni;
}

/* Send the page kept under k, if there is one */
static bool send_cached(lpi_req *r, struct MHD_Connection *c,
                        const page_key *k, enum MHD_Result *ret)
{
    size_t len = 0;
    struct MHD_Response *resp;

    /* a preview's pages carry the build's bar: made each time */
    if (r->srv->preview)
        return false;
    resp = lpi_pagecache_get(r->srv->pages, k->data, k->len, &len);
    if (!resp)
        return false;
    *ret = lpi_send_html_resp(r, c, 200, resp, len);
    return true;
}

typedef struct page_out {
    lpi_buf *b;
    lp_ctx *ctx;
} page_out;

static int to_buf(const void *data, size_t len, void *user)
{
    page_out *o = user;

    return lpi_buf_add(o->b, o->ctx, data, len);
}

/* Send what a render gave, or its failure; keep the page under k (if
 * not NULL) for the next request */
static enum MHD_Result send_render(lpi_req *r, struct MHD_Connection *c,
                                   lpi_buf *b, int rc, const page_key *k)
{
    enum MHD_Result ret;

    if (rc == LP_ENOTFOUND)
        ret = lpi_send_error(r, c, 404, "no such lesson or language");
    else if (rc < 0) {
        lpi_srv_log(r->srv, "page: %s", lp_ctx_errmsg(r->ctx));
        ret = lpi_send_error(r, c, 500, "this page cannot be made");
    } else {
        if (k && !r->srv->preview)
            lpi_pagecache_put(r->srv->pages, k->data, k->len, b->data,
                              b->len);
        ret = lpi_preview_send(r, c, 200, b);
    }
    lpi_buf_dispose(b, r->ctx);
    return ret;
}

static void render_opts(lpi_req *r, lpi_srvver *v, hub_links *h,
                        lp_render_opts *o)
{
    h->id = lp_package_id(v->pkg);
    h->uploads = r->srv->data_dir != NULL;
    o->url = hub_url;
    o->url_user = h;
    o->embed_answers = 0;   /* the keys stay on the hub: it marks */
}

enum MHD_Result lpi_page_languages(lpi_req *r, struct MHD_Connection *c,
                                   lpi_srvver *v)
{
    lp_render_opts o = LP_RENDER_OPTS_INIT;
    hub_links h;
    lpi_buf b;
    page_out po = { &b, r->ctx };
    page_key k;
    enum MHD_Result ret;

    if (!v->cat)
        return page_files(r, c, v);
    make_key(&k, v, 'h', NULL, NULL);
    if (send_cached(r, c, &k, &ret))
        return ret;
    render_opts(r, v, &h, &o);
    lpi_buf_init(&b, PAGE_MAX);
    return send_render(r, c, &b, lp_render_home(r->ctx, v->cat, &o, to_buf,
                                                &po), &k);
}

enum MHD_Result lpi_page_catalog(lpi_req *r, struct MHD_Connection *c,
                                 lpi_srvver *v, const char *lang)
{
    lp_render_opts o = LP_RENDER_OPTS_INIT;
    hub_links h;
    lpi_buf b;
    page_out po = { &b, r->ctx };
    page_key k;
    enum MHD_Result ret;

    if (!v->cat || !(lang = catalog_lang(v->cat, lang)))
        return lpi_send_error(r, c, 404, "no such language");
    make_key(&k, v, 'c', lang, NULL);
    if (send_cached(r, c, &k, &ret))
        return ret;
    render_opts(r, v, &h, &o);
    lpi_buf_init(&b, PAGE_MAX);
    return send_render(r, c, &b, lp_render_catalog(r->ctx, v->cat, lang, &o,
                                                   to_buf, &po), &k);
}

/* A lesson page, marked with an answer when answered is not NULL */
static enum MHD_Result lesson_page(lpi_req *r, struct MHD_Connection *c,
                                   lpi_srvver *v, const lp_lesson *l,
                                   bool display, const char *answered,
                                   const char *answer, int correct,
                                   const page_key *k)
{
    lp_render_opts o = LP_RENDER_OPTS_INIT;
    hub_links h;
    lpi_buf b;
    page_out po = { &b, r->ctx };

    render_opts(r, v, &h, &o);
    o.display = display;
    o.answered = answered;
    o.answer = answer;
    o.correct = correct;
    lpi_buf_init(&b, PAGE_MAX);
    return send_render(r, c, &b, lp_render_lesson(r->ctx, v->cat, l, &o,
                                                  to_buf, &po), k);
}

enum MHD_Result lpi_page_lesson(lpi_req *r, struct MHD_Connection *c,
                                lpi_srvver *v, const char *lang,
                                const char *lesson, bool display)
{
    lp_lesson *l = NULL;
    enum MHD_Result ret;
    page_key k;
    int rc;

    if (!v->cat || !(lang = catalog_lang(v->cat, lang)))
        return lpi_send_error(r, c, 404, "no such language");
    if (strlen(lesson) > LP_MAX_ID_BYTES)
        return lpi_send_error(r, c, 404, "no such lesson");
    make_key(&k, v, display ? 'd' : 'l', lang, lesson);
    if (send_cached(r, c, &k, &ret))
        return ret;
    rc = lp_lesson_open(&l, r->ctx, v->cat, lesson, lang);
    if (rc == LP_ENOTFOUND)
        return lpi_send_error(r, c, 404, "no such lesson");
    if (rc < 0) {
        lpi_srv_log(r->srv, "lesson '%s': %s", lesson, lp_ctx_errmsg(r->ctx));
        return lpi_send_error(r, c, 500, "this lesson cannot be read");
    }
    ret = lesson_page(r, c, v, l, display, NULL, NULL, 0, &k);
    lp_lesson_free(l);
    return ret;
}

enum MHD_Result lpi_send_asset(lpi_req *r, struct MHD_Connection *c,
                               bool script)
{
    size_t len;
    const char *data = script ? lp_render_script(&len)
                              : lp_render_style(&len);
    unsigned char h[16];
    char etag[2 * sizeof(h) + 3];
    struct MHD_Response *resp;
    bool same;

    crypto_generichash(h, sizeof(h), (const unsigned char *)data, len, NULL,
                       0);
    etag[0] = '"';
    sodium_bin2hex(etag + 1, 2 * sizeof(h) + 1, h, sizeof(h));
    etag[2 * sizeof(h) + 1] = '"';
    etag[2 * sizeof(h) + 2] = '\0';
    same = lpi_etag_match(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                      "If-None-Match"),
                          etag, false);
    resp = MHD_create_response_from_buffer(same ? 0 : len,
                                           (void *)(uintptr_t)data,
                                           MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return lpi_send(r, c, 500, NULL);
    MHD_add_response_header(resp, "Content-Type", script
                            ? "text/javascript; charset=utf-8"
                            : "text/css; charset=utf-8");
    MHD_add_response_header(resp, "ETag", etag);
    MHD_add_response_header(resp, "Cache-Control", "public, max-age=3600");
    r->bytes = same ? 0 : len;
    return lpi_send(r, c, same ? 304 : 200, resp);
}

/* ------------------------------------------------- the activity check */

typedef struct check_form {
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
    enum MHD_Result ret;
    int correct = 0, rc;

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
    ret = lesson_page(r, c, v, l, false, lp_activity_id(a), f->answer.data,
                      correct, NULL);
    lp_lesson_free(l);
    return ret;
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
