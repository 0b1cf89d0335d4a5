/*
 * server_preview.c - preview mode (lp_server_set_build(), lpc preview):
 * the builds of a curriculum as its author writes it, served like any
 * package, with their diagnostics on every page.
 *
 * A build is published as a whole: the package (a release, swapped in the
 * way server_pkg.c swaps a package replaced on disk, requests in flight
 * finishing on the old one) and an lpi_pvbuild holding the bar every page
 * opens with and the diagnostics page, both made here once, escaped, when
 * the build is published.  Requests take a reference on the lpi_pvbuild
 * they show, so a build published meanwhile frees nothing under them.
 */
#include "lpi_server.h"

#include <stdio.h>
#include <string.h>

#define PAGE_MAX (16u * 1024u * 1024u)
/* Diagnostics listed in the bar of every page; the rest are on
 * /_lp/diagnostics */
#define BAR_DIAGS 10
/* Bytes of a diagnostic's texts shown: a hostile source cannot make a
 * page of any size (LP_SERVER_MAX_DIAGS of them, escaped, fit PAGE_MAX) */
#define TEXT_MAX 1024u
#define SOURCE_MAX 400u

typedef struct lpi_pvbuild {
    atomic_uint refs;
    lp_ctx *ctx;                /* its own: freed from any thread */
    uint64_t serial;            /* the build's number, from 1 */
    lpi_buf bar;                /* the bar, with the reload script */
    lpi_buf page;               /* the whole diagnostics page */
} lpi_pvbuild;

typedef struct lpi_preview {
    lpi_srvpkg pkg;             /* pkg.cur: the last package, or NULL */
    pthread_mutex_t lock;
    lpi_pvbuild *build;         /* under lock */
    uint64_t builds;            /* builds published */
    uint64_t served;            /* the build whose package is served */
} lpi_preview;

static void build_unref(lpi_pvbuild *b)
{
    lp_ctx *ctx;

    if (!b || atomic_fetch_sub(&b->refs, 1) != 1)
        return;
    ctx = b->ctx;
    lpi_buf_dispose(&b->bar, ctx);
    lpi_buf_dispose(&b->page, ctx);
    lpi_free(ctx, b);
    lp_ctx_free(ctx);
}

static lpi_pvbuild *build_get(lpi_preview *pv)
{
    lpi_pvbuild *b;

    pthread_mutex_lock(&pv->lock);
    b = pv->build;
    if (b)
        atomic_fetch_add(&b->refs, 1);
    pthread_mutex_unlock(&pv->lock);
    return b;
}

/* ------------------------------------------------------ the texts */

/* The length of the UTF-8 sequence at s (n bytes left) if it is one of the
 * bidirectional controls that would reorder the text around it (U+202A to
 * U+202E, U+2066 to U+2069), else 0 */
static size_t bidi_control(const unsigned char *s, size_t n)
{
    if (n >= 3 && s[0] == 0xe2 &&
        ((s[1] == 0x80 && s[2] >= 0xaa && s[2] <= 0xae) ||
         (s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)))
        return 3;
    return 0;
}

/* len bytes of s escaped into b, bidirectional controls and NULs as
 * U+FFFD (lpi_html_esc() does the rest), at most max bytes of s */
static int put_esc(lpi_buf *b, lp_ctx *ctx, const char *s, size_t len,
                   size_t max)
{
    lpi_buf t;
    int rc = 0;

    if (!s)
        return 0;
    if (len > max)
        len = max;
    lpi_buf_init(&t, 3 * max + 1);
    for (size_t i = 0; rc == 0 && i < len;) {
        size_t k = bidi_control((const unsigned char *)s + i, len - i);

        if (k || s[i] == '\0') {
            rc = lpi_buf_add(&t, ctx, "\xef\xbf\xbd", 3);
            i += k ? k : 1;
        } else {
            rc = lpi_buf_add(&t, ctx, s + i, 1);
            i++;
        }
    }
    if (rc == 0)
        rc = lpi_buf_add(&t, ctx, "", 1);
    if (rc == 0)
        rc = lpi_html_esc(b, ctx, t.data);
    lpi_buf_dispose(&t, ctx);
    return rc;
}

static size_t cstrlen(const char *s)
{
    return s ? strlen(s) : 0;
}

/* The source line, the character at column col (counted in characters)
 * marked; under it a caret when every character before it is ASCII (a
 * browser lines those up in a monospace font; it may not line up Khmer,
 * Arabic or wide CJK, where the mark alone shows the place) */
static int put_source(lpi_buf *b, lp_ctx *ctx, const lp_diag *d)
{
    const unsigned char *s = (const unsigned char *)d->source_line;
    size_t len = d->source_len, at = 0, end;
    unsigned col = 1;
    bool ascii = true;
    int rc;

    if (!s || len > SOURCE_MAX)
        return 0;
    /* at: the first byte of character col (len if the line is shorter) */
    while (at < len && col < d->col) {
        if (s[at] >= 0x80)
            ascii = false;
        at++;
        while (at < len && (s[at] & 0xc0) == 0x80)
            at++;
        col++;
    }
    end = at;
    if (end < len)
        end++;
    while (end < len && (s[end] & 0xc0) == 0x80)
        end++;
    rc = lpi_buf_printf(b, ctx, "\n");
    if (rc == 0)
        rc = put_esc(b, ctx, d->source_line, at, SOURCE_MAX);
    if (rc == 0)
        rc = lpi_buf_printf(b, ctx, "<mark>");
    if (rc == 0)
        rc = put_esc(b, ctx, d->source_line + at, end - at, SOURCE_MAX);
    if (rc == 0)
        rc = lpi_buf_printf(b, ctx, "</mark>");
    if (rc == 0)
        rc = put_esc(b, ctx, d->source_line + end, len - end, SOURCE_MAX);
    if (rc == 0 && ascii && d->col > 0) {
        rc = lpi_buf_add(b, ctx, "\n", 1);
        for (size_t i = 0; rc == 0 && i < at; i++)
            rc = lpi_buf_add(b, ctx, s[i] == '\t' ? "\t" : " ", 1);
        if (rc == 0)
            rc = lpi_buf_add(b, ctx, "^", 1);
    }
    return rc;
}

static const char *const severities[] = { "note", "warning", "error" };

/* One diagnostic as lpc check prints it:
 * FILE:LINE:COL: SEVERITY: MESSAGE [CODE], then the source line */
static int put_diag(lpi_buf *b, lp_ctx *ctx, const lp_diag *d)
{
    unsigned sev = (unsigned)d->severity <= LP_SEVERITY_ERROR
                   ? (unsigned)d->severity : LP_SEVERITY_ERROR;
    int rc = lpi_buf_printf(b, ctx, "<li class=\"lp-%s\"><pre style=\""
                            "white-space:pre-wrap;margin:.2em 0\">",
                            severities[sev]);

    if (rc == 0 && d->file) {
        rc = put_esc(b, ctx, d->file, strlen(d->file), TEXT_MAX);
        if (rc == 0 && d->line > 0)
            rc = lpi_buf_printf(b, ctx, ":%u:%u", d->line, d->col);
        if (rc == 0)
            rc = lpi_buf_add(b, ctx, ": ", 2);
    }
    if (rc == 0)
        rc = lpi_buf_printf(b, ctx, "<b>%s:</b> ", severities[sev]);
    if (rc == 0)
        rc = put_esc(b, ctx, d->message, cstrlen(d->message), TEXT_MAX);
    if (rc == 0)
        rc = lpi_buf_add(b, ctx, " [", 2);
    if (rc == 0)
        rc = put_esc(b, ctx, d->code, cstrlen(d->code), TEXT_MAX);
    if (rc == 0)
        rc = lpi_buf_add(b, ctx, "]", 1);
    if (rc == 0 && d->line > 0)
        rc = put_source(b, ctx, d);
    if (rc == 0)
        rc = lpi_buf_printf(b, ctx, "</pre></li>\n");
    return rc;
}

/* Polls /_lp/build and reloads the page when another build is out;
 * slower while the server cannot be reached */
#define RELOAD_JS \
    "<script>(function(){var n='%llu';function p(){" \
    "fetch('/_lp/build',{cache:'no-store'}).then(function(r){" \
    "return r.text()}).then(function(t){if(t.trim()!==n)location.reload();" \
    "else setTimeout(p,500)},function(){setTimeout(p,2000)})}" \
    "setTimeout(p,500)})()</script>\n"

/* The bar (and, with page set, the page's body): the build, its counts,
 * the diagnostics (at most max) */
static int put_report(lpi_buf *b, lp_ctx *ctx, uint64_t serial,
                      uint64_t served, const lp_diag *d, size_t n,
                      size_t max, bool page)
{
    size_t count[3] = { 0, 0, 0 }, shown = n < max ? n : max;
    int rc;

    for (size_t i = 0; i < n; i++)
        count[(unsigned)d[i].severity <= LP_SEVERITY_ERROR
              ? d[i].severity : LP_SEVERITY_ERROR]++;
    rc = lpi_buf_printf(b, ctx, "<section id=\"lp-preview\" lang=\"en\" "
                        "dir=\"ltr\" role=\"status\" style=\"border:2px "
                        "solid %s;padding:.3em .6em;margin:0 0 1em;"
                        "background:#fff;color:#000\"><p>lpc preview: build "
                        "%llu, %zu error%s, %zu warning%s",
                        count[LP_SEVERITY_ERROR] ? "#a00" : "#999",
                        (unsigned long long)serial, count[LP_SEVERITY_ERROR],
                        count[LP_SEVERITY_ERROR] == 1 ? "" : "s",
                        count[LP_SEVERITY_WARNING],
                        count[LP_SEVERITY_WARNING] == 1 ? "" : "s");
    if (rc == 0 && served == 0)
        rc = lpi_buf_printf(b, ctx, "; no build has made a package yet");
    else if (rc == 0 && served != serial)
        rc = lpi_buf_printf(b, ctx, "; showing build %llu, the last that "
                            "made a package", (unsigned long long)served);
    if (rc == 0)
        rc = lpi_buf_printf(b, ctx, ". %s<a href=\"\">reload</a></p>\n",
                            page ? "" : "<a href=\"/_lp/diagnostics\">"
                            "diagnostics</a> \xc2\xb7 ");
    if (rc == 0 && shown)
        rc = lpi_buf_printf(b, ctx, "<ol style=\"padding-left:1.5em\">\n");
    for (size_t i = 0; rc == 0 && i < shown; i++)
        rc = put_diag(b, ctx, &d[i]);
    if (rc == 0 && shown)
        rc = lpi_buf_printf(b, ctx, "</ol>\n");
    if (rc == 0 && n > shown)
        rc = lpi_buf_printf(b, ctx, "<p>and %zu more%s</p>\n", n - shown,
                            page ? "" : " on <a href=\"/_lp/diagnostics\">"
                            "the diagnostics page</a>");
    if (rc == 0)
        rc = lpi_buf_printf(b, ctx, "</section>\n");
    if (rc == 0)
        rc = lpi_buf_printf(b, ctx, RELOAD_JS, (unsigned long long)serial);
    return rc;
}

/* ------------------------------------------------------ publishing */

static int make_preview(lp_server *srv)
{
    lpi_preview *pv = lpi_calloc(srv->ctx, 1, sizeof(*pv));

    if (!pv)
        return lpi_nomem(srv->ctx);
    pv->pkg.srv = srv;
    pthread_mutex_init(&pv->pkg.lock, NULL);
    pthread_mutex_init(&pv->lock, NULL);
    srv->preview = pv;
    return 0;
}

/* The bar and the page of build serial (the package of build served is
 * the one served, 0 for none) */
static int make_build(lp_server *srv, uint64_t serial, uint64_t served,
                      const lp_diag *diags, size_t ndiags, lpi_pvbuild **out)
{
    size_t n = ndiags < LP_SERVER_MAX_DIAGS ? ndiags : LP_SERVER_MAX_DIAGS;
    lpi_pvbuild *b;
    lp_ctx *ctx = NULL;
    int rc;

    *out = NULL;
    if (lp_ctx_new(&ctx, &srv->alloc) < 0)
        return lpi_nomem(srv->ctx);
    b = lpi_calloc(ctx, 1, sizeof(*b));
    if (!b) {
        lp_ctx_free(ctx);
        return lpi_nomem(srv->ctx);
    }
    atomic_init(&b->refs, 1);
    b->ctx = ctx;
    b->serial = serial;
    lpi_buf_init(&b->bar, PAGE_MAX);
    lpi_buf_init(&b->page, PAGE_MAX);
    rc = put_report(&b->bar, ctx, serial, served, diags, ndiags, BAR_DIAGS,
                    false);
    if (rc == 0)
        rc = lpi_page_begin(&b->page, ctx, "en", 0,
                            "lpc preview: diagnostics");
    if (rc == 0)
        rc = lpi_buf_printf(&b->page, ctx, "<h1>Diagnostics</h1>\n");
    if (rc == 0)
        rc = put_report(&b->page, ctx, serial, served, diags, ndiags, n,
                        true);
    if (rc == 0 && served)
        rc = lpi_buf_printf(&b->page, ctx, "<p><a href=\"/\">the "
                            "curriculum</a></p>\n");
    if (rc == 0)
        rc = lpi_page_end(&b->page, ctx);
    if (rc < 0) {
        rc = lpi_error(srv->ctx, rc, "%s", lp_ctx_errmsg(ctx));
        build_unref(b);
        return rc;
    }
    *out = b;
    return 0;
}

int lp_server_set_build(lp_server *srv, int fd, const lp_diag *diags,
                        size_t ndiags)
{
    lpi_preview *pv;
    lpi_srvver *nv = NULL, *old;
    lpi_pvbuild *b, *ob;
    uint64_t serial;
    int rc = 0, orc;

    LP_ASSERT_ARG(srv && (diags || ndiags == 0));
    if (!srv->preview && srv->npkgs > 0)
        return lpi_error(srv->ctx, LP_EINVAL, "the server serves packages "
                         "added by name: it cannot serve builds too");
    /* the server's threads read srv->preview without a lock: it is set
     * before they start, never after */
    if (!srv->preview && srv->daemon)
        return lpi_error(srv->ctx, LP_EINVAL, "the first build must be "
                         "published before the server starts");
    if (!srv->preview && (rc = make_preview(srv)) < 0)
        return rc;
    pv = srv->preview;
    if (pv->builds == 0 && fd < 0 && ndiags == 0)
        return 0;       /* preview mode only: the first build is to come */
    serial = pv->builds + 1;
    /* a package that cannot be opened is reported, and the build's
     * diagnostics are published all the same */
    orc = fd >= 0 ? lpi_srvver_open_fd(srv->ctx, fd, &nv) : 0;
    rc = make_build(srv, serial, nv ? serial : pv->served, diags, ndiags,
                    &b);
    if (rc < 0) {
        lpi_srvver_unref(nv);
        return rc;
    }
    pv->builds = serial;
    if (nv) {
        pv->served = serial;
        nv->serial = atomic_fetch_add(&srv->serials, 1) + 1;
        pthread_mutex_lock(&pv->pkg.lock);
        old = pv->pkg.cur;
        pv->pkg.cur = nv;
        pthread_mutex_unlock(&pv->pkg.lock);
        lpi_srvver_unref(old);
    }
    pthread_mutex_lock(&pv->lock);
    ob = pv->build;
    pv->build = b;
    pthread_mutex_unlock(&pv->lock);
    build_unref(ob);
    return orc;
}

void lpi_preview_free(lp_server *srv)
{
    lpi_preview *pv = srv->preview;

    if (!pv)
        return;
    lpi_srvver_unref(pv->pkg.cur);
    build_unref(pv->build);
    pthread_mutex_destroy(&pv->pkg.lock);
    pthread_mutex_destroy(&pv->lock);
    lpi_free(srv->ctx, pv);
    srv->preview = NULL;
}

/* ------------------------------------------------------ serving */

lpi_srvpkg *lpi_preview_find(lp_server *srv, const char *id)
{
    lpi_preview *pv = srv->preview;
    bool same;

    pthread_mutex_lock(&pv->pkg.lock);
    same = pv->pkg.cur && strcmp(lp_package_id(pv->pkg.cur->pkg), id) == 0;
    pthread_mutex_unlock(&pv->pkg.lock);
    return same ? &pv->pkg : NULL;
}

static enum MHD_Result send_text(lpi_req *r, struct MHD_Connection *c,
                                 const char *text)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_MUST_COPY);

    if (resp) {
        MHD_add_response_header(resp, "Content-Type",
                                "text/plain; charset=utf-8");
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    }
    r->bytes = strlen(text);
    return lpi_send(r, c, 200, resp);
}

/* Before the first build: a page that waits for it */
static enum MHD_Result first_build(lpi_req *r, struct MHD_Connection *c)
{
    lpi_buf b;
    enum MHD_Result ret;
    int rc;

    lpi_buf_init(&b, 4096);
    rc = lpi_page_begin(&b, r->ctx, "en", 0, "lpc preview");
    if (rc == 0)
        rc = lpi_buf_printf(&b, r->ctx, "<p>lpc preview: the first build "
                            "is under way. <a href=\"\">reload</a></p>\n");
    if (rc == 0)
        rc = lpi_buf_printf(&b, r->ctx, RELOAD_JS, 0ull);
    if (rc == 0)
        rc = lpi_page_end(&b, r->ctx);
    ret = rc == 0 ? lpi_send_html(r, c, 503, &b) : lpi_send_error(r, c, 503,
                                                                 NULL);
    lpi_buf_dispose(&b, r->ctx);
    return ret;
}

bool lpi_preview_route(lpi_req *r, struct MHD_Connection *c,
                       const char *seg0, const char *seg1, size_t nsegs,
                       bool post, enum MHD_Result *ret)
{
    lpi_preview *pv = r->srv->preview;
    lpi_pvbuild *b;
    char id[LP_MAX_ID_BYTES * 3 + 4];
    bool has_pkg;

    if (nsegs == 1 && (strcmp(seg0, "lp.css") == 0 ||
                       strcmp(seg0, "lp.js") == 0))
        return false;
    pthread_mutex_lock(&pv->pkg.lock);
    has_pkg = pv->pkg.cur != NULL;
    if (has_pkg)
        snprintf(id, sizeof(id), "%s", lp_package_id(pv->pkg.cur->pkg));
    pthread_mutex_unlock(&pv->pkg.lock);
    if (strcmp(seg0, "_lp") == 0 && nsegs == 2 && !post &&
        strcmp(seg1, "build") == 0) {
        char num[32];
        b = build_get(pv);
        snprintf(num, sizeof(num), "%llu\n",
                 (unsigned long long)(b ? b->serial : 0));
        build_unref(b);
        *ret = send_text(r, c, num);
        return true;
    }
    if (has_pkg && !(nsegs == 2 && strcmp(seg0, "_lp") == 0 &&
                     strcmp(seg1, "diagnostics") == 0)) {
        if (nsegs != 0)
            return false;
        /* / : the catalog of the one package (ids are [A-Za-z0-9._-]) */
        {
            char loc[sizeof(id) + 2];
            snprintf(loc, sizeof(loc), "/%s/", id);
            *ret = post ? lpi_send_error(r, c, 405, NULL)
                        : lpi_send_redirect(r, c, loc, false);
        }
        return true;
    }
    /* the diagnostics page; every page until a build made a package */
    if (post) {
        *ret = lpi_send_error(r, c, 503, "no build of the curriculum "
                              "has made a package yet");
        return true;
    }
    b = build_get(pv);
    if (!b) {
        *ret = first_build(r, c);
        return true;
    }
    *ret = lpi_send_html(r, c, 200, &b->page);
    build_unref(b);
    return true;
}

enum MHD_Result lpi_preview_send(lpi_req *r, struct MHD_Connection *c,
                                 unsigned status, const lpi_buf *page)
{
    lpi_pvbuild *b;
    lpi_buf out;
    const char *body, *gt;
    size_t at;
    enum MHD_Result ret;

    if (!r->srv->preview)
        return lpi_send_html(r, c, status, page);
    b = build_get(r->srv->preview);
    if (!b)
        return lpi_send_html(r, c, status, page);
    /* the bar right after <body ...> (every page of ours has one) */
    body = memmem(page->data, page->len, "<body", 5);
    gt = body ? memchr(body, '>', page->len - (size_t)(body - page->data))
              : NULL;
    at = gt ? (size_t)(gt + 1 - page->data) : 0;
    lpi_buf_init(&out, page->len + b->bar.len + 1);
    if (lpi_buf_add(&out, r->ctx, page->data, at) < 0 ||
        lpi_buf_add(&out, r->ctx, "\n", 1) < 0 ||
        lpi_buf_add(&out, r->ctx, b->bar.data, b->bar.len) < 0 ||
        lpi_buf_add(&out, r->ctx, page->data + at, page->len - at) < 0)
        ret = lpi_send_error(r, c, 503, NULL);
    else
        ret = lpi_send_html(r, c, status, &out);
    lpi_buf_dispose(&out, r->ctx);
    build_unref(b);
    return ret;
}
