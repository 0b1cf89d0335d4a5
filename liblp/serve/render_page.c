/*
 * render_page.c - writing an HTML page: escaping, the language and
 * direction of each element, relative URLs through the caller's scheme
 * (or the static site's), the parts every page shares, and the style
 * sheet and script.  Nothing here allocates: a page is written through a
 * fixed buffer into the caller's lp_write_fn.
 */
#include "lpi_serve.h"
#include "liblp/serve/render_assets.h"

#include <string.h>

/* ------------------------------------------------------------ output */

static void flush(lpi_page *pg)
{
    if (pg->rc == 0 && pg->len > 0) {
        int rc = pg->write(pg->buf, pg->len, pg->user);

        if (rc < 0)
            pg->rc = rc;
        else if (rc > 0)
            pg->rc = LP_EINVAL;
    }
    pg->len = 0;
}

static void put(lpi_page *pg, const char *s, size_t n)
{
    while (n > 0 && pg->rc == 0) {
        size_t k = sizeof(pg->buf) - pg->len;

        if (k > n)
            k = n;
        memcpy(pg->buf + pg->len, s, k);
        pg->len += k;
        s += k;
        n -= k;
        if (pg->len == sizeof(pg->buf))
            flush(pg);
    }
}

void lpi_page_raw(lpi_page *pg, const char *s)
{
    put(pg, s, strlen(s));
}

/* Escaped for both element content and quoted attribute values.  C0 and
 * C1 controls other than tab and line ends are not allowed in HTML: they
 * become U+FFFD, as an HTML parser would show them. */
void lpi_page_text(lpi_page *pg, const char *s)
{
    const unsigned char *p = (const unsigned char *)s, *run = p;

    for (; *p; p++) {
        const char *rep = NULL;

        switch (*p) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        case '\t': case '\n': break;
        case '\r': rep = "\n"; break;
        case 0xc2:
            if (p[1] >= 0x80 && p[1] <= 0x9f) {
                put(pg, (const char *)run, (size_t)(p - run));
                lpi_page_raw(pg, "\xef\xbf\xbd");
                p++;
                run = p + 1;
            }
            break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                rep = "\xef\xbf\xbd";
            break;
        }
        if (rep) {
            put(pg, (const char *)run, (size_t)(p - run));
            lpi_page_raw(pg, rep);
            run = p + 1;
        }
    }
    put(pg, (const char *)run, (size_t)(p - run));
}

void lpi_page_attr(lpi_page *pg, const char *name, const char *value)
{
    lpi_page_raw(pg, " ");
    lpi_page_raw(pg, name);
    lpi_page_raw(pg, "=\"");
    lpi_page_text(pg, value ? value : "");
    lpi_page_raw(pg, "\"");
}

bool lpi_page_url(lpi_page *pg, const char *name, lp_link *link)
{
    return lpi_page_url_at(pg, name, link, NULL);
}

bool lpi_page_url_at(lpi_page *pg, const char *name, lp_link *link,
                     const char *fragment)
{
    int n;

    if (pg->rc < 0)
        return false;
    link->from = pg->from.from;
    link->from_lang = pg->from.from_lang;
    link->from_id = pg->from.from_id;
    n = pg->url(pg->url_buf, sizeof(pg->url_buf), link, pg->url_user);
    if (n < 0) {
        pg->rc = n;
        if (lp_ctx_errcode(pg->ctx) != n)
            lpi_error(pg->ctx, n, "no URL for a link of the page");
        return false;
    }
    if (n == 0)
        return false;
    if ((size_t)n >= sizeof(pg->url_buf) || pg->url_buf[n] != '\0') {
        pg->rc = lpi_error(pg->ctx, LP_EINVAL,
                           "the URL function gave a URL longer than %u "
                           "bytes, or one without its NUL",
                           LP_MAX_URL_BYTES - 1);
        return false;
    }
    if (fragment) {
        size_t len = (size_t)n, k = strlen(fragment);

        if (len + 1 + k >= sizeof(pg->url_buf)) {
            pg->rc = lpi_error(pg->ctx, LP_EINVAL, "a link to '#%s' would "
                               "be longer than %u bytes", fragment,
                               LP_MAX_URL_BYTES - 1);
            return false;
        }
        pg->url_buf[len] = '#';
        memcpy(pg->url_buf + len + 1, fragment, k + 1);
    }
    lpi_page_attr(pg, name, pg->url_buf);
    return true;
}

bool lpi_page_has_url(lpi_page *pg, lp_link *link)
{
    int n;

    link->from = pg->from.from;
    link->from_lang = pg->from.from_lang;
    link->from_id = pg->from.from_id;
    n = pg->url(pg->url_buf, sizeof(pg->url_buf), link, pg->url_user);
    return n > 0;
}

/* ------------------------------------------------------------ languages */

lp_direction lpi_page_dir(const lpi_page *pg, const char *lang)
{
    int d = lang ? lp_catalog_direction(pg->cat, lang) : LP_LTR;

    return d == LP_RTL ? LP_RTL : LP_LTR;
}

void lpi_page_open(lpi_page *pg, const char *tag, const char *lang)
{
    const char *parent = pg->depth ? pg->stack[pg->depth - 1].lang : NULL;
    lp_direction pdir = pg->depth ? pg->stack[pg->depth - 1].dir : LP_LTR;
    lp_direction dir;

    if (!lang)
        lang = parent;
    dir = lpi_page_dir(pg, lang);
    lpi_page_raw(pg, "<");
    lpi_page_raw(pg, tag);
    if (lang && (!parent || !lpi_tag_eq(lang, parent) || dir != pdir)) {
        lpi_page_attr(pg, "lang", lang);
        lpi_page_attr(pg, "dir", dir == LP_RTL ? "rtl" : "ltr");
    }
    if (pg->depth < LPI_PAGE_DEPTH) {
        pg->stack[pg->depth].lang = lang;
        pg->stack[pg->depth].dir = dir;
        pg->depth++;
    } else if (pg->rc == 0) {
        pg->rc = lpi_error(pg->ctx, LP_ETOOBIG,
                           "a page nests more than %u elements",
                           LPI_PAGE_DEPTH);
    }
}

void lpi_page_close(lpi_page *pg, const char *tag)
{
    if (pg->depth > 0)
        pg->depth--;
    lpi_page_raw(pg, "</");
    lpi_page_raw(pg, tag);
    lpi_page_raw(pg, ">");
}

void lpi_page_element(lpi_page *pg, const char *tag, const char *lang,
                      const char *text)
{
    lpi_page_open(pg, tag, lang);
    lpi_page_raw(pg, ">");
    lpi_page_text(pg, text);
    lpi_page_close(pg, tag);
}

/* ------------------------------------------------------------ pages */

int lpi_page_init(lpi_page *pg, lp_ctx *ctx, const lp_catalog *cat,
                  const lp_render_opts *opts, lp_write_fn write, void *user,
                  lp_page kind, const char *lang, const char *id)
{
    static const lp_render_opts defaults = LP_RENDER_OPTS_INIT;

    if (!ctx)
        return LP_EINVAL;
    LP_ASSERT_ARG(cat && write);
    if (!opts)
        opts = &defaults;
    if (opts->version != LP_RENDER_OPTS_VERSION)
        return lpi_error(ctx, LP_EINVAL, "unknown lp_render_opts version %u",
                         opts->version);
    memset(&pg->from, 0, sizeof(pg->from));
    pg->ctx = ctx;
    pg->cat = cat;
    pg->opts = opts;
    pg->url = opts->url ? opts->url : lp_render_static_url;
    pg->url_user = opts->url_user;
    pg->write = write;
    pg->user = user;
    pg->from.from = kind;
    pg->from.from_lang = lang;
    pg->from.from_id = id;
    pg->rc = 0;
    pg->len = 0;
    pg->depth = 0;
    lpi_ui_pick(pg, lang);
    return 0;
}

int lpi_page_finish(lpi_page *pg)
{
    flush(pg);
    return pg->rc;
}

void lpi_page_head(lpi_page *pg, const char *title, const char *html_class)
{
    lp_link l = { 0 };
    const char *lang = pg->from.from_lang ? pg->from.from_lang
                                          : lp_catalog_default_language(
                                                pg->cat);

    lpi_page_raw(pg, "<!DOCTYPE html>\n");
    lpi_page_open(pg, "html", lang);
    if (html_class)
        lpi_page_attr(pg, "class", html_class);
    lpi_page_raw(pg, ">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width,"
                     "initial-scale=1\">\n"
                     "<meta name=\"referrer\" content=\"no-referrer\">\n");
    lpi_page_raw(pg, "<title>");
    lpi_page_text(pg, title);
    lpi_page_raw(pg, "</title>\n<link rel=\"stylesheet\"");
    l.to = LP_PAGE_STYLE;
    lpi_page_url(pg, "href", &l);
    lpi_page_raw(pg, ">\n");
    l.to = LP_PAGE_SCRIPT;
    lpi_page_raw(pg, "<script");
    if (!lpi_page_url(pg, "src", &l))
        lpi_page_raw(pg, " type=\"text/plain\"");
    lpi_page_raw(pg, " defer></script>\n</head>\n<body>\n");
}

void lpi_page_foot(lpi_page *pg)
{
    const char *spdx = lp_catalog_license(pg->cat);
    const char *by = lp_catalog_attribution(pg->cat);

    lpi_page_raw(pg, "<footer>");
    if (by && *by) {
        /* the attribution's language is not recorded: unknown ("") */
        lpi_page_raw(pg, "<p lang=\"\" dir=\"auto\">");
        lpi_page_text(pg, by);
        lpi_page_raw(pg, "</p>");
    }
    if (spdx && *spdx) {
        /* an SPDX expression is not in any language */
        lpi_page_raw(pg, "<p><bdi translate=\"no\">");
        lpi_page_text(pg, spdx);
        lpi_page_raw(pg, "</bdi></p>");
    }
    lpi_page_raw(pg, "</footer>\n</body>\n");
    lpi_page_close(pg, "html");
    lpi_page_raw(pg, "\n");
}

/* ------------------------------------------------------------ static URLs */

/* A lesson id or language tag that is also a plain file name */
static bool plain_name(const char *s)
{
    size_t n = 0;

    if (!s || !*s || *s == '.' || *s == '-')
        return false;
    for (; s[n]; n++) {
        char c = s[n];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return n <= 128;
}

/* The extension of a media file in the static site: the logical path's,
 * lowercased, when it is 1 to 8 letters and digits; else none */
static size_t media_ext(const char *path, char ext[10])
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash + 1 : path, '.');
    size_t n = 0;

    ext[0] = '\0';
    if (!dot || dot[1] == '\0')
        return 0;
    for (const char *p = dot + 1; *p; p++) {
        char c = *p;

        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) || n >= 8)
            return ext[0] = '\0', 0;
        ext[1 + n++] = c;
    }
    ext[0] = '.';
    ext[1 + n] = '\0';
    return n + 1;
}

static bool hex_hash(const char *h)
{
    size_t n = 0;

    for (; h && h[n]; n++)
        if (!((h[n] >= '0' && h[n] <= '9') || (h[n] >= 'a' && h[n] <= 'f')))
            return false;
    return n == LP_HASH_HEX_BYTES;
}

int lp_render_static_url(char *buf, size_t size, const lp_link *link,
                         void *user)
{
    /* every page but the home page is one folder down (LANG/) */
    const char *up = link && link->from != LP_PAGE_HOME ? "../" : "";
    const char *here = "";
    char ext[10];
    int n;

    (void)user;
    if (!buf || !link || size == 0)
        return LP_EINVAL;
    if (link->from != LP_PAGE_HOME && !plain_name(link->from_lang))
        return LP_EINVAL;
    /* a link to a page of the same language stays in its folder */
    bool same = link->from != LP_PAGE_HOME && link->lang &&
                lpi_tag_eq(link->lang, link->from_lang);
    switch (link->to) {
    case LP_PAGE_HOME:
        n = snprintf(buf, size, "%sindex.html", up);
        break;
    case LP_PAGE_CATALOG:
        if (!plain_name(link->lang))
            return LP_EINVAL;
        n = same ? snprintf(buf, size, "index.html")
                 : snprintf(buf, size, "%s%s/index.html", up, link->lang);
        break;
    case LP_PAGE_LESSON:
    case LP_PAGE_DISPLAY:
        if (!plain_name(link->lang) || !plain_name(link->id))
            return LP_EINVAL;
        if (!same) {
            n = snprintf(buf, size, "%s%s/%s%s.html", up, link->lang,
                         link->id,
                         link->to == LP_PAGE_DISPLAY ? ".display" : "");
            break;
        }
        n = snprintf(buf, size, "%s%s%s.html", here, link->id,
                     link->to == LP_PAGE_DISPLAY ? ".display" : "");
        break;
    case LP_PAGE_MEDIA:
        if (!hex_hash(link->hash) || !link->path)
            return LP_EINVAL;
        media_ext(link->path, ext);
        n = snprintf(buf, size, "%smedia/%s%s", up, link->hash, ext);
        break;
    case LP_PAGE_STYLE:
        n = snprintf(buf, size, "%slp.css", up);
        break;
    case LP_PAGE_SCRIPT:
        n = snprintf(buf, size, "%slp.js", up);
        break;
    case LP_PAGE_ANSWER:
    case LP_PAGE_UPLOAD:
        buf[0] = '\0';
        return 0;
    default:
        return LP_EINVAL;
    }
    if (n < 0 || (size_t)n >= size)
        return LP_ETOOBIG;
    return n;
}

/* ------------------------------------------------------------ assets */

const char *lp_render_style(size_t *len)
{
    if (len)
        *len = sizeof(lpi_render_css) - 1;
    return (const char *)lpi_render_css;
}

const char *lp_render_script(size_t *len)
{
    if (len)
        *len = sizeof(lpi_render_js) - 1;
    return (const char *)lpi_render_js;
}
