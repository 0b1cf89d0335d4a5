/*
 * lpi_serve.h - internals of the serve part: HTML pages of a package's
 * curriculum (render*.c) and the hub's HTTP server (server*.c).  It uses
 * the runtime part (the catalog and lessons), the package format and base.
 */
#ifndef LPI_SERVE_H
#define LPI_SERVE_H

#include "lpi.h"
#include "lpi_catalog.h"

/* Where a page's bytes go while it is rendered: a buffer flushed to the
 * caller's lp_write_fn in pieces, so rendering never allocates */
#define LPI_PAGE_CHUNK 4096u
/* Deepest lang/dir nesting a page tracks (documents nest at most
 * LP_MAX_DOCUMENT_DEPTH; the page adds a few levels) */
#define LPI_PAGE_DEPTH (LP_MAX_DOCUMENT_DEPTH + 16u)

/* The pages' own words (render_ui.c), in this order in its tables */
typedef enum lpi_ui_word {
    LPI_UI_CHECK, LPI_UI_SEND, LPI_UI_ASSIGNMENTS, LPI_UI_OBJECTIVES,
    LPI_UI_MIN, LPI_UI_TRUE, LPI_UI_FALSE, LPI_UI_CORRECT, LPI_UI_NOT_YET,
    LPI_UI_DISPLAY, LPI_UI_PAGE, LPI_UI_ANSWER, LPI_UI_TEXT, LPI_UI_FILE,
    LPI_UI_LANGUAGES, LPI_UI_PHOTO, LPI_UI_AUDIO, LPI_UI_VIDEO,
    LPI_UI_KIND_TEXT, LPI_UI_AT_MOST,
    LPI_UI_COUNT
} lpi_ui_word;

typedef struct lpi_page {
    lp_ctx *ctx;
    const lp_catalog *cat;
    const lp_render_opts *opts;
    lp_url_fn url;
    void *url_user;
    lp_write_fn write;
    void *user;
    lp_link from;                     /* the page: from, from_lang, from_id */
    const char *ui_lang;              /* the language of its own words */
    const char *const *ui_words;      /* those words (render_ui.c) */
    int rc;                           /* the first failure */
    size_t len;
    size_t depth;
    struct {
        const char *lang;
        lp_direction dir;
    } stack[LPI_PAGE_DEPTH];
    char buf[LPI_PAGE_CHUNK];
    char url_buf[LP_MAX_URL_BYTES];
} lpi_page;

/* Start a page: its place (kind, language, lesson id) for relative links */
int lpi_page_init(lpi_page *pg, lp_ctx *ctx, const lp_catalog *cat,
                  const lp_render_opts *opts, lp_write_fn write, void *user,
                  lp_page kind, const char *lang, const char *id);
/* Send what is left; the page's result (0 or its first failure) */
int lpi_page_finish(lpi_page *pg);

/* Markup written as is: only ever literals of the renderer */
void lpi_page_raw(lpi_page *pg, const char *s);
/* Text, escaped for an element's content or a quoted attribute value */
void lpi_page_text(lpi_page *pg, const char *s);
/* ` name="value"`, value escaped */
void lpi_page_attr(lpi_page *pg, const char *name, const char *value);
/* ` name="URL"` for link (its from members are the page's); false (and
 * nothing written) when the URL function has no such page */
bool lpi_page_url(lpi_page *pg, const char *name, lp_link *link);
/* The same, with "#FRAGMENT" after the URL (fragment NULL: none) */
bool lpi_page_url_at(lpi_page *pg, const char *name, lp_link *link,
                     const char *fragment);
/* Whether the URL function has a page for link (writes nothing) */
bool lpi_page_has_url(lpi_page *pg, lp_link *link);

/* `<tag` with lang and dir if lang (NULL: the parent's) differs from the
 * parent element's; the caller adds attributes and ">"; lpi_page_close()
 * ends the element and its language */
void lpi_page_open(lpi_page *pg, const char *tag, const char *lang);
void lpi_page_close(lpi_page *pg, const char *tag);
/* An element holding only text: <tag lang dir>text</tag> */
void lpi_page_element(lpi_page *pg, const char *tag, const char *lang,
                      const char *text);

/* The document up to <body>, with <title> title; html_class: "display"
 * or NULL */
void lpi_page_head(lpi_page *pg, const char *title, const char *html_class);
/* The footer (the curriculum's licence) and the end of the document */
void lpi_page_foot(lpi_page *pg);

/* Choose the page's own words for a page in lang (NULL: the default
 * language): those of the first language of lang's fallback chain that
 * render_ui.c has, else English; lpi_page_init() does */
void lpi_ui_pick(lpi_page *pg, const char *lang);
/* One of those words; its language is pg->ui_lang */
const char *lpi_ui(const lpi_page *pg, lpi_ui_word w);

/* The direction of a language of the catalog (LP_LTR for any other) */
lp_direction lpi_page_dir(const lpi_page *pg, const char *lang);

#endif /* LPI_SERVE_H */
