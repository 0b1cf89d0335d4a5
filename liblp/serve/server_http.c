/*
 * server_http.c - what every handler of the hub shares: the log line,
 * HTML and URL escaping, the frame of a page, and queueing responses.
 */
#include "lpi_server.h"

#include <stdio.h>
#include <string.h>

void lpi_srv_log(lp_server *srv, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    if (!srv->log)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    srv->log(line, srv->log_user);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len;
    uint32_t cp;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        cp = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        cp = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return len;
}

int lpi_html_esc(lpi_buf *b, lp_ctx *ctx, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < n;) {
        size_t run = i;

        /* copy plain runs at once */
        while (run < n && p[run] >= 0x20 && p[run] < 0x7f &&
               !strchr("<>&\"'", p[run]))
            run++;
        if (run > i) {
            rc = lpi_buf_add(b, ctx, p + i, run - i);
            i = run;
            continue;
        }
        switch (p[i]) {
        case '<': rc = lpi_buf_add(b, ctx, "&lt;", 4); i++; continue;
        case '>': rc = lpi_buf_add(b, ctx, "&gt;", 4); i++; continue;
        case '&': rc = lpi_buf_add(b, ctx, "&amp;", 5); i++; continue;
        case '"': rc = lpi_buf_add(b, ctx, "&quot;", 6); i++; continue;
        case '\'': rc = lpi_buf_add(b, ctx, "&#39;", 5); i++; continue;
        case '\t': case '\n': rc = lpi_buf_add(b, ctx, p + i, 1); i++;
            continue;
        default: break;
        }
        if (p[i] < 0x20 || p[i] == 0x7f) {
            rc = lpi_buf_add(b, ctx, "\xef\xbf\xbd", 3);
            i++;
        } else {
            size_t len = utf8_len(p + i, n - i);
            if (len == 0) {
                rc = lpi_buf_add(b, ctx, "\xef\xbf\xbd", 3);
                i++;
            } else {
                rc = lpi_buf_add(b, ctx, p + i, len);
                i += len;
            }
        }
    }
    return rc;
}

int lpi_url_esc(lpi_buf *b, lp_ctx *ctx, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = 0;

    for (const unsigned char *p = (const unsigned char *)s; rc == 0 && *p;
         p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
            rc = lpi_buf_add(b, ctx, p, 1);
        } else {
            char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
            rc = lpi_buf_add(b, ctx, e, 3);
        }
    }
    return rc;
}

/* Readable on a phone and a TV with no framework: a few lines of CSS */
static const char page_css[] =
    "body{font-family:'Noto Sans','Noto Sans Khmer','Noto Sans Ethiopic',"
    "'Noto Naskh Arabic',sans-serif;max-width:46em;margin:0 auto;"
    "padding:1em;line-height:1.5}"
    "a{color:#0645ad}li{margin:.3em 0}"
    "nav ul{list-style:none;padding:0}nav li{display:inline;margin:0 .5em}"
    "form{margin:1em 0;padding:.5em;border:1px solid #ccc}"
    ".ok{color:#060}.wrong{color:#a00}code{word-break:break-all}";

int lpi_page_begin(lpi_buf *b, lp_ctx *ctx, const char *lang, int rtl,
                   const char *title)
{
    int rc = lpi_buf_printf(b, ctx, "<!DOCTYPE html>\n<html lang=\"");

    if (rc == 0)
        rc = lpi_html_esc(b, ctx, lang ? lang : "und");
    if (rc == 0)
        rc = lpi_buf_printf(b, ctx, "\" dir=\"%s\"><head><meta charset=\"utf-8\">"
                            "<meta name=\"viewport\" content=\"width=device-width,"
                            "initial-scale=1\"><title>", rtl ? "rtl" : "ltr");
    if (rc == 0)
        rc = lpi_html_esc(b, ctx, title);
    if (rc == 0)
        rc = lpi_buf_printf(b, ctx, "</title><style>%s</style></head><body>\n",
                            page_css);
    return rc;
}

int lpi_page_end(lpi_buf *b, lp_ctx *ctx)
{
    return lpi_buf_printf(b, ctx, "</body></html>\n");
}

void lpi_common_headers(struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
}

enum MHD_Result lpi_send(lpi_req *r, struct MHD_Connection *c,
                         unsigned status, struct MHD_Response *resp)
{
    enum MHD_Result ret;

    if (!resp) {
        r->status = 500;
        return MHD_NO;
    }
    lpi_common_headers(resp);
    r->status = status;
    ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

enum MHD_Result lpi_send_html(lpi_req *r, struct MHD_Connection *c,
                              unsigned status, const lpi_buf *page)
{
    return lpi_send_html_resp(r, c, status, MHD_create_response_from_buffer(
        page->len, page->data, MHD_RESPMEM_MUST_COPY), page->len);
}

enum MHD_Result lpi_send_html_resp(lpi_req *r, struct MHD_Connection *c,
                                   unsigned status,
                                   struct MHD_Response *resp, size_t len)
{
    if (!resp)
        return lpi_send(r, c, status, NULL);
    MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    /* pages of ours: no script but the activities' own, nothing framed */
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; style-src 'self' "
                            "'unsafe-inline'; script-src 'self' "
                            "'unsafe-inline'; frame-ancestors 'none'");
    r->bytes = len;
    return lpi_send(r, c, status, resp);
}

static const char *status_text(unsigned status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 507: return "Insufficient Storage";
    default: return "Error";
    }
}

enum MHD_Result lpi_send_error(lpi_req *r, struct MHD_Connection *c,
                               unsigned status, const char *msg)
{
    lpi_buf b;
    char title[64];
    enum MHD_Result ret;
    int rc;

    snprintf(title, sizeof(title), "%u %s", status, status_text(status));
    lpi_buf_init(&b, 64 * 1024);
    rc = lpi_page_begin(&b, r->ctx, "en", 0, title);
    if (rc == 0)
        rc = lpi_buf_printf(&b, r->ctx, "<h1>%s</h1>\n", title);
    if (rc == 0 && msg) {
        rc = lpi_buf_printf(&b, r->ctx, "<p>");
        if (rc == 0)
            rc = lpi_html_esc(&b, r->ctx, msg);
        if (rc == 0)
            rc = lpi_buf_printf(&b, r->ctx, "</p>\n");
    }
    if (rc == 0)
        rc = lpi_buf_printf(&b, r->ctx, "<p><a href=\"/\">Home</a></p>\n");
    if (rc == 0)
        rc = lpi_page_end(&b, r->ctx);
    ret = rc == 0 ? lpi_send_html(r, c, status, &b)
                  : lpi_send(r, c, 500, NULL);
    lpi_buf_dispose(&b, r->ctx);
    return ret;
}

enum MHD_Result lpi_send_redirect(lpi_req *r, struct MHD_Connection *c,
                                  const char *location, bool vary_lang)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);

    if (!resp)
        return lpi_send(r, c, 303, NULL);
    MHD_add_response_header(resp, "Location", location);
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    if (vary_lang)
        MHD_add_response_header(resp, "Vary", "Accept-Language");
    return lpi_send(r, c, 303, resp);
}
