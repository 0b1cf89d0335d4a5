/*
 * test_render.c - the HTML pages (liblp/serve/render*.c): every block
 * kind, lang and dir where a text's language differs, fallbacks, escaping
 * of hostile text (every tag and attribute of a page is one the renderer
 * writes itself), forms and answered activities, the static site's URLs,
 * the static site (complete, deterministic, never partial), and every
 * allocation failing.
 */
#include "unit.h"
#include "torture.h"
#include "catalog_fixture.h"

#include <ctype.h>
#include <dirent.h>
#include <stdbool.h>

static char *tmp, *examples[3], *fixpkg;
static const char *const example_names[] = { "tetum-math", "arabic-science",
                                             "amharic-english" };

/* text with every "from" replaced by "to" (malloc'd) */
static char *replace_all(const char *text, const char *from, const char *to)
{
    size_t nf = strlen(from), nt = strlen(to), n = strlen(text) + 1;
    const char *p;
    char *out, *o;

    for (p = strstr(text, from); p; p = strstr(p + nf, from))
        n += nt;
    out = malloc(n);
    assert_non_null(out);
    assert_non_null(strstr(text, from));
    for (o = out, p = text;;) {
        const char *at = strstr(p, from);
        size_t k = at ? (size_t)(at - p) : strlen(p);

        memcpy(o, p, k);
        o += k;
        if (!at)
            break;
        memcpy(o, to, nt);
        o += nt;
        p = at + nf;
    }
    *o = '\0';
    return out;
}

static int setup(void **state)
{
    (void)state;
    tmp = unit_tmpdir();
    for (size_t i = 0; i < 3; i++) {
        char name[64];
        snprintf(name, sizeof(name), "%s.lpk", example_names[i]);
        examples[i] = unit_path(tmp, name);
        build_example(example_names[i], examples[i]);
    }
    fixpkg = unit_path(tmp, "fixture.lpk");
    build_fixture(fixpkg, true);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < 3; i++)
        free(examples[i]);
    free(fixpkg);
    unit_rmdir(tmp);
    return 0;
}

/* ------------------------------------------------------------ helpers */

typedef struct page {
    char *data;
    size_t len, cap;
    int fail_with;          /* a write fails with this, if not 0 */
} page;

static int to_page(const void *data, size_t len, void *user)
{
    page *p = user;

    if (p->fail_with)
        return p->fail_with;
    if (p->len + len + 1 > p->cap) {
        p->cap = (p->len + len + 1) * 2;
        p->data = realloc(p->data, p->cap);
        assert_non_null(p->data);
    }
    memcpy(p->data + p->len, data, len);
    p->len += len;
    p->data[p->len] = '\0';
    return 0;
}

static void page_reset(page *p)
{
    free(p->data);
    memset(p, 0, sizeof(*p));
}

static bool has(const page *p, const char *s)
{
    return p->data && strstr(p->data, s) != NULL;
}

static size_t count(const page *p, const char *s)
{
    size_t n = 0;

    for (const char *at = p->data ? strstr(p->data, s) : NULL; at;
         at = strstr(at + 1, s))
        n++;
    return n;
}

static bool in_list(const char *name, size_t n, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strlen(list[i]) == n && strncmp(list[i], name, n) == 0)
            return true;
    return false;
}

/* The page is made only of the tags and attributes the renderer writes:
 * text holds no markup characters, every attribute value is quoted and
 * holds none, and no URL has a scheme but http(s) and mailto. */
static void check_markup(const page *pg)
{
    static const char *const tags[] = {
        "!DOCTYPE", "html", "head", "meta", "title", "link", "script",
        "body", "header", "nav", "main", "footer", "section", "article",
        "div", "h1", "h2", "h3", "h4", "p", "ul", "ol", "li", "a", "span",
        "em", "strong", "bdi", "figure", "figcaption", "img", "audio",
        "video", "source", "track", "table", "tr", "th", "td", "form",
        "fieldset", "legend", "label", "input", "button", "textarea",
        "sub", "sup", "dfn", "aside", "dl", "dt", "dd", "small",
        NULL };
    static const char *const attrs[] = {
        "lang", "dir", "class", "id", "href", "src", "alt", "charset",
        "name", "content", "rel", "defer", "type", "hreflang",
        "aria-current", "aria-label", "aria-live", "role", "tabindex",
        "decoding", "controls", "preload", "playsinline", "kind", "default",
        "srclang", "label", "download", "action", "method", "enctype",
        "data-kind", "data-key", "data-tolerance", "data-unit", "value", "checked",
        "autocomplete", "inputmode", "maxlength", "hidden", "accept",
        "required", "rows", "translate", "html", NULL };
    const char *p = pg->data;

    assert_non_null(p);
    while (*p) {
        if (*p == '>')
            fail_msg("a bare '>' in text at: %.60s", p);
        if (*p == '&') {
            size_t k = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz0123456789#");
            if (p[1 + k] != ';' || k == 0)
                fail_msg("a bare '&' at: %.60s", p);
        }
        if (*p != '<') {
            p++;
            continue;
        }
        p++;
        if (*p == '/')
            p++;
        size_t n = strspn(p, "!DOCTYPEabcdefghijklmnopqrstuvwxyz0123456789");
        if (!in_list(p, n, tags))
            fail_msg("an unknown tag at: <%.60s", p);
        p += n;
        for (;;) {
            p += strspn(p, " \n");
            if (*p == '>')
                break;
            n = strspn(p, "abcdefghijklmnopqrstuvwxyz-");
            if (n == 0 || !in_list(p, n, attrs))
                fail_msg("an unknown attribute at: %.60s", p);
            const char *name = p;
            p += n;
            if (*p != '=')
                continue;
            if (p[1] != '"')
                fail_msg("an unquoted value at: %.60s", p);
            const char *v = p + 2, *end = strchr(v, '"');
            assert_non_null(end);
            for (const char *c = v; c < end; c++)
                if (*c == '<' || *c == '>')
                    fail_msg("markup in a value at: %.60s", v);
            if ((strncmp(name, "href", 4) == 0 ||
                 strncmp(name, "src", 3) == 0 ||
                 strncmp(name, "action", 6) == 0)) {
                size_t colon = strcspn(v, ":/\"");
                if (v[colon] == ':' &&
                    strncmp(v, "https:", 6) != 0 &&
                    strncmp(v, "http:", 5) != 0 &&
                    strncmp(v, "mailto:", 7) != 0)
                    fail_msg("a URL with a scheme: %.60s", v);
            }
            p = end + 1;
        }
        p++;
    }
}

static void render_lesson(opened *o, const char *id, const char *lang,
                          const lp_render_opts *opts, page *pg)
{
    lp_lesson *l;

    if (lp_lesson_open(&l, o->ctx, o->cat, id, lang) != 0)
        fail_msg("%s", lp_ctx_errmsg(o->ctx));
    if (lp_render_lesson(o->ctx, o->cat, l, opts, to_page, pg) != 0)
        fail_msg("%s", lp_ctx_errmsg(o->ctx));
    lp_lesson_free(l);
    check_markup(pg);
}

/* ------------------------------------------------------------ tests */

/* Every page of the examples: the root's lang and dir, the markup */
static void test_examples(void **state)
{
    static const struct { const char *lang, *dir; } want[] = {
        { "tet", "ltr" }, { "ar", "rtl" }, { "am", "ltr" } };

    (void)state;
    for (size_t e = 0; e < 3; e++) {
        opened o;
        page pg = { 0 };
        char root[64];

        open_pkg(&o, examples[e]);
        assert_int_equal(lp_render_home(o.ctx, o.cat, NULL, to_page, &pg), 0);
        check_markup(&pg);
        assert_true(has(&pg, "<!DOCTYPE html>\n<html lang=\""));
        page_reset(&pg);
        for (size_t i = 0; i < lp_catalog_language_count(o.cat); i++) {
            const char *lang = lp_catalog_language(o.cat, i);

            assert_int_equal(lp_render_catalog(o.ctx, o.cat, lang, NULL,
                                               to_page, &pg), 0);
            check_markup(&pg);
            snprintf(root, sizeof(root), "<html lang=\"%s\" dir=\"%s\">",
                     lang, lp_catalog_direction(o.cat, lang) == LP_RTL
                               ? "rtl" : "ltr");
            assert_true(has(&pg, root));
            page_reset(&pg);
            for (size_t k = 0; k < lp_catalog_lesson_count(o.cat); k++) {
                lp_render_opts opts = LP_RENDER_OPTS_INIT;
                const char *id = lp_catnode_id(lp_catalog_lesson(o.cat, k));

                render_lesson(&o, id, lang, &opts, &pg);
                assert_true(has(&pg, root));
                assert_int_equal(count(&pg, "<h1"), 1);
                assert_false(has(&pg, "autoplay"));
                page_reset(&pg);
                opts.display = 1;
                render_lesson(&o, id, lang, &opts, &pg);
                assert_true(has(&pg, "class=\"display\""));
                page_reset(&pg);
            }
        }
        /* the default language's root */
        snprintf(root, sizeof(root), "<html lang=\"%s\" dir=\"%s\">",
                 want[e].lang, want[e].dir);
        assert_int_equal(lp_render_catalog(o.ctx, o.cat, NULL, NULL, to_page,
                                           &pg), 0);
        assert_true(has(&pg, root));
        page_reset(&pg);
        assert_int_equal(lp_render_catalog(o.ctx, o.cat, "xx", NULL, to_page,
                                           &pg), LP_ENOTFOUND);
        page_reset(&pg);
        close_pkg(&o);
    }
}

/* The fixture: every block kind, and the language of every text */
static void test_blocks_and_languages(void **state)
{
    opened o;
    page pg = { 0 };

    (void)state;
    open_pkg(&o, fixpkg);
    render_lesson(&o, "a-first", "ar", NULL, &pg);
    /* the page is Arabic; the title is the Portuguese one (ar's chain is
     * tet, then the default pt, and pt has the very same string) */
    assert_true(has(&pg, "<html lang=\"ar\" dir=\"rtl\">"));
    assert_true(has(&pg, "<h1 lang=\"pt\" dir=\"ltr\">Lição 2</h1>"));
    /* the body is Tetum, left to right */
    assert_true(has(&pg, "<div lang=\"tet\" dir=\"ltr\" class=\"body\">"));
    /* inside it, nothing repeats its language */
    assert_true(has(&pg, "<h2>Aumenta</h2>"));
    assert_true(has(&pg, "<p>Haree <em>no <strong>konta</strong></em> "));
    assert_true(has(&pg, "<ul><li>ida</li><li>rua<em>!</em></li></ul>"));
    assert_true(has(&pg, "<tr><th>n</th><td>1</td></tr>"));
    assert_true(has(&pg, "alt=\"fatuk\""));
    assert_true(has(&pg, "<figure class=\"image\"><img src=\"../media/"));
    assert_true(has(&pg, "<video controls preload=\"metadata\""));
    assert_true(has(&pg, "type=\"video/webm\""));
    assert_true(has(&pg, "<track kind=\"captions\" default src=\"../media/"));
    assert_true(has(&pg, "srclang=\"tet\" label=\"Tetun\""));
    assert_true(has(&pg, "<figcaption>Video</figcaption>"));
    assert_true(has(&pg, "<audio controls preload=\"none\""));
    assert_true(has(&pg, ">Sheet</a></p>"));
    /* notes, a glossary, subscripts, superscripts and terms; a note
     * without a title says what it is in the interface's words */
    assert_true(has(&pg, "<aside class=\"note tip\"><p class=\"note-title\">"
                         "x<sub>0</sub></p>\n<p>m/s<sup>2</sup> "
                         "<dfn>konta</dfn></p>\n<aside class=\"note\">"
                         "<p lang=\"en\" dir=\"ltr\" class=\"note-title\">"
                         "Note</p>\n<figure class=\"image\">"));
    assert_true(has(&pg, "<dl id=\"b-glosa\"><dt id=\"b-ida\"><dfn>ida"
                         "</dfn></dt><dt><dfn>rua</dfn></dt>"
                         "<dd>numeru<sub>n</sub></dd></dl>"));
    /* a figure: its id, pictures, caption (a link to a block), credit
     * (its source escaped, its licence) */
    assert_true(has(&pg, "<figure class=\"figure\" id=\"b-fig\">\n"
                         "<figure class=\"image\"><img"));
    assert_true(has(&pg, "<figure class=\"video\" id=\"b-fig-v\">"));
    assert_true(has(&pg, "<figcaption>Haree <a href=\"a-first.html#b-glosa\">"
                         "glosa</a></figcaption>\n<p class=\"credit\"><small>"
                         "<a rel=\"external noopener noreferrer\" "
                         "href=\"https://example.org/&lt;x&gt;\">Ana</a> "
                         "(CC0-1.0)</small></p>\n</figure>"));
    /* links: a lesson of the catalog, and the web */
    assert_true(has(&pg, "<a href=\"b-second.html\">lisaun</a>"));
    assert_true(has(&pg, "<a rel=\"external noopener noreferrer\" "
                         "href=\"https://example.org/\">web</a>"));
    /* activities: the texts are tet's (the same strings), the interface
     * words the page's (Arabic: "تحقق", no lang of their own) */
    assert_true(has(&pg, "<legend lang=\"tet\" dir=\"ltr\">Hira?</legend>"));
    assert_true(has(&pg, "<button type=\"submit\">"
                         "\xd8\xaa\xd8\xad\xd9\x82\xd9\x82</button>"));
    assert_false(has(&pg, ">Check<"));
    assert_true(has(&pg, "type=\"checkbox\" name=\"answer\" value=\"b\""));
    assert_true(has(&pg, "data-kind=\"numeric\" data-key=\"2.5\" "
                         "data-tolerance=\"-0.1\""));
    assert_true(has(&pg, "data-key=\"Straße\ncafé  com leite\""));
    assert_true(has(&pg, "<p lang=\"tet\" dir=\"ltr\" class=\"fb right\" "
                         "hidden>Di&#39;ak</p>"));
    /* the assignment's task, no upload form on a static site */
    assert_true(has(&pg, "<p lang=\"tet\" dir=\"ltr\">Foti foto</p>"));
    assert_false(has(&pg, "multipart"));
    /* the pager: b-second comes first in its unit */
    assert_true(has(&pg, "class=\"prev\" rel=\"prev\" href=\"b-second.html\""));
    /* other languages of the lesson, each in its own lang and dir */
    assert_true(has(&pg, "<a lang=\"pt\" dir=\"ltr\" hreflang=\"pt\" "
                         "href=\"../pt/a-first.html\">Português</a>"));
    page_reset(&pg);

    /* in Tetum: the body is in the page's language: no lang on it */
    render_lesson(&o, "a-first", "tet", NULL, &pg);
    assert_true(has(&pg, "<html lang=\"tet\" dir=\"ltr\">"));
    assert_true(has(&pg, "<div class=\"body\">"));
    /* pt, tet's fallback, has the same prompt: it is pt's */
    assert_true(has(&pg, "<legend lang=\"pt\" dir=\"ltr\">Hira?</legend>"));
    page_reset(&pg);

    /* the catalog in Arabic: texts that are Portuguese say so */
    assert_int_equal(lp_render_catalog(o.ctx, o.cat, "ar", NULL, to_page,
                                       &pg), 0);
    check_markup(&pg);
    assert_true(has(&pg, "<h1>أرقام</h1>"));
    assert_true(has(&pg, "<a lang=\"pt\" dir=\"ltr\" "
                         "href=\"a-first.html\">Lição 2</a>"));
    page_reset(&pg);
    close_pkg(&o);
}

/* A hub's URLs: forms post, uploads are offered, answered activities */
static int hub_url(char *buf, size_t size, const lp_link *l, void *user)
{
    (void)user;
    switch (l->to) {
    case LP_PAGE_ANSWER:
        return snprintf(buf, size, "/%s/%s/answer", l->lang, l->id);
    case LP_PAGE_UPLOAD:
        return snprintf(buf, size, "/%s/%s/upload/%s", l->lang, l->id,
                        l->item);
    case LP_PAGE_MEDIA:
        return snprintf(buf, size, "/media/%s", l->hash ? l->hash : l->path);
    default:
        return snprintf(buf, size, "/p%d/%s/%s", (int)l->to,
                        l->lang ? l->lang : "", l->id ? l->id : "");
    }
}

static void test_hub_forms(void **state)
{
    opened o;
    page pg = { 0 };
    lp_render_opts opts = LP_RENDER_OPTS_INIT;

    (void)state;
    open_pkg(&o, fixpkg);
    opts.url = hub_url;
    opts.embed_answers = 0;
    opts.answered = "mc";
    opts.answer = " b  c";
    opts.correct = 1;
    render_lesson(&o, "a-first", "ar", &opts, &pg);
    assert_true(has(&pg, "<form class=\"act\" id=\"act-mc\" "
                         "action=\"/ar/a-first/answer\" "
                         "method=\"post\"><fieldset>"));
    assert_false(has(&pg, "data-key"));
    assert_true(has(&pg, "value=\"b\" checked"));
    assert_true(has(&pg, "value=\"c\" checked"));
    assert_false(has(&pg, "value=\"a\" checked"));
    assert_true(has(&pg, "class=\"mark right\">"));
    assert_true(has(&pg, "class=\"fb right\">Di&#39;ak</p>"));
    assert_true(has(&pg, "class=\"mark wrong\" hidden>"));
    assert_true(has(&pg, "<form action=\"/ar/a-first/upload/home\" "
                         "method=\"post\" enctype=\"multipart/form-data\">"));
    assert_true(has(&pg, "accept=\"image/*\""));
    page_reset(&pg);

    opts.answered = "sa";
    opts.answer = "\"><script>alert(1)</script>";
    opts.correct = 0;
    render_lesson(&o, "a-first", "ar", &opts, &pg);
    assert_true(has(&pg, "value=\"&quot;&gt;&lt;script&gt;alert(1)"
                         "&lt;/script&gt;\">"));
    assert_true(has(&pg, "class=\"mark wrong\">"));
    page_reset(&pg);
    close_pkg(&o);
}

/* Hostile text everywhere a source puts text */
static void test_hostile_text(void **state)
{
    static const char evil[] = "<script>alert(1)</script>\\\"'><img src=x "
                               "onerror=alert(1)>&amp;\\u0001\\u0085";
    lp_ctx *ctx;
    lp_catalog *cat;
    lp_lesson *l;
    lp_render_opts opts = LP_RENDER_OPTS_INIT;
    page pg = { 0 };
    size_t n;
    char *c0 = fixture("catalog.json", &n);
    char *l0 = fixture("lesson.json", &n);
    char *l1 = replace_all(l0, "Haree ", evil);
    char *l2 = replace_all(l1, "https://example.org/", " javascript:alert(1)");
    char *l3 = replace_all(l2, "\"alt\":\"fatuk\"", "\"alt\":\"\\\" onerror=\\\"x\"");
    char *l4 = replace_all(l3, "\"id\":\"mc\"", "\"id\":\"m\\\"><b>\"");
    char *l5 = replace_all(l4, "sanulu resin", evil);
    char *c1 = replace_all(c0, "Lisaun 2", evil);
    char *c2 = replace_all(c1, "\"Ministry\"", "\"</footer><script>x()\"");

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_catalog_parse(&cat, ctx, c2, strlen(c2)), 0);
    if (lp_lesson_parse(&l, ctx, l5, strlen(l5)) != 0)
        fail_msg("%s", lp_ctx_errmsg(ctx));
    /* without a package there is no hash: the static URLs refuse media */
    assert_int_equal(lp_render_lesson(ctx, cat, l, &opts, to_page, &pg),
                     LP_EINVAL);
    page_reset(&pg);
    opts.url = hub_url;
    assert_int_equal(lp_render_lesson(ctx, cat, l, &opts, to_page, &pg), 0);
    if (getenv("RENDER_DUMP"))
        fputs(pg.data, stderr);
    check_markup(&pg);
    assert_int_equal(count(&pg, "<script"), 1); /* the page's own */
    assert_false(has(&pg, "<img src=\"x"));
    assert_false(has(&pg, "javascript:alert(1)\""));
    assert_true(has(&pg, "&lt;script&gt;alert(1)&lt;/script&gt;&quot;"
                         "&#39;&gt;&lt;img src=x onerror=alert(1)&gt;"
                         "&amp;amp;\xef\xbf\xbd\xef\xbf\xbd"));
    /* the link that is not http(s) or mailto is its text only */
    assert_true(has(&pg, "</a>web</p>"));
    assert_true(has(&pg, "alt=\"&quot; onerror=&quot;x\""));
    assert_true(has(&pg, "value=\"m&quot;&gt;&lt;b&gt;\""));
    assert_true(has(&pg, "&lt;/footer&gt;&lt;script&gt;x()"));
    page_reset(&pg);
    assert_int_equal(lp_render_catalog(ctx, cat, "tet", &opts, to_page, &pg),
                     0);
    check_markup(&pg);
    assert_int_equal(count(&pg, "<script"), 1);
    page_reset(&pg);
    assert_int_equal(lp_render_home(ctx, cat, &opts, to_page, &pg), 0);
    check_markup(&pg);
    page_reset(&pg);
    lp_lesson_free(l);
    lp_catalog_free(cat);
    lp_ctx_free(ctx);
    free(c0);
    free(c1);
    free(c2);
    free(l0);
    free(l1);
    free(l2);
    free(l3);
    free(l4);
    free(l5);
}

static void test_static_urls(void **state)
{
    char buf[LP_MAX_URL_BYTES];
    lp_link l = { 0 };
    static const char hash[] = "0123456789abcdef0123456789abcdef"
                               "0123456789abcdef0123456789abcdef";

    (void)state;
    l.from = LP_PAGE_HOME;
    l.to = LP_PAGE_CATALOG;
    l.lang = "km";
    assert_int_equal(lp_render_static_url(buf, sizeof(buf), &l, NULL), 13);
    assert_string_equal(buf, "km/index.html");
    l.from = LP_PAGE_LESSON;
    l.from_lang = "km";
    l.from_id = "a";
    assert_true(lp_render_static_url(buf, sizeof(buf), &l, NULL) > 0);
    assert_string_equal(buf, "index.html");
    l.lang = "am";
    assert_true(lp_render_static_url(buf, sizeof(buf), &l, NULL) > 0);
    assert_string_equal(buf, "../am/index.html");
    l.to = LP_PAGE_DISPLAY;
    l.lang = "KM";
    l.id = "n-01";
    assert_true(lp_render_static_url(buf, sizeof(buf), &l, NULL) > 0);
    assert_string_equal(buf, "n-01.display.html");
    l.to = LP_PAGE_MEDIA;
    l.path = "media/Photo.JPEG";
    l.hash = hash;
    assert_true(lp_render_static_url(buf, sizeof(buf), &l, NULL) > 0);
    assert_string_equal(buf + 9 + 64, ".jpeg");
    l.path = "media/noext";
    assert_true(lp_render_static_url(buf, sizeof(buf), &l, NULL) > 0);
    assert_int_equal(strlen(buf), 9 + 64);
    l.path = "media/x.a<b";
    assert_true(lp_render_static_url(buf, sizeof(buf), &l, NULL) > 0);
    assert_int_equal(strlen(buf), 9 + 64);
    assert_int_equal(lp_render_static_url(buf, 20, &l, NULL), LP_ETOOBIG);
    l.hash = "../../etc/passwd";
    assert_int_equal(lp_render_static_url(buf, sizeof(buf), &l, NULL),
                     LP_EINVAL);
    l.to = LP_PAGE_LESSON;
    l.lang = "km";
    for (size_t i = 0; i < 5; i++) {
        static const char *const bad[] = { "..", "a/b", ".x", "", "a b" };
        l.id = bad[i];
        assert_int_equal(lp_render_static_url(buf, sizeof(buf), &l, NULL),
                         LP_EINVAL);
    }
    l.to = LP_PAGE_ANSWER;
    assert_int_equal(lp_render_static_url(buf, sizeof(buf), &l, NULL), 0);
    l.to = LP_PAGE_STYLE;
    assert_true(lp_render_static_url(buf, sizeof(buf), &l, NULL) > 0);
    assert_string_equal(buf, "../lp.css");
}

static void test_assets(void **state)
{
    size_t css, js;

    (void)state;
    assert_non_null(lp_render_style(&css));
    assert_non_null(lp_render_script(&js));
    assert_true(css > 1000 && css < 8192);
    assert_true(js > 1000 && js < 8192);
    assert_int_equal(strlen(lp_render_style(NULL)), css);
    assert_non_null(strstr(lp_render_style(NULL), "Noto Sans Khmer"));
    assert_non_null(strstr(lp_render_style(NULL), "Noto Sans Ethiopic"));
    assert_non_null(strstr(lp_render_style(NULL), "Noto Naskh Arabic"));
}

static void test_errors(void **state)
{
    opened o;
    page pg = { 0 };
    lp_render_opts opts = LP_RENDER_OPTS_INIT;

    (void)state;
    open_pkg(&o, fixpkg);
    pg.fail_with = LP_EIO;
    assert_int_equal(lp_render_home(o.ctx, o.cat, NULL, to_page, &pg),
                     LP_EIO);
    opts.version = 99;
    pg.fail_with = 0;
    assert_int_equal(lp_render_home(o.ctx, o.cat, &opts, to_page, &pg),
                     LP_EINVAL);
    assert_int_equal(lp_render_home(NULL, o.cat, NULL, to_page, &pg),
                     LP_EINVAL);
    page_reset(&pg);
    close_pkg(&o);
}

/* ------------------------------------------------------------ the site */

/* Every file below dir, "name size" lines, sorted; and their bytes */
static void list_tree(const char *dir, const char *rel, page *out)
{
    char path[4096];
    struct dirent **names;
    int n;

    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    n = scandir(path, &names, NULL, alphasort);
    assert_true(n >= 0);
    for (int i = 0; i < n; i++) {
        char sub[4096], full[8192];
        struct stat st;

        if (names[i]->d_name[0] == '.') {
            free(names[i]);
            continue;
        }
        snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
                 names[i]->d_name);
        snprintf(full, sizeof(full), "%s/%s", dir, sub);
        assert_int_equal(lstat(full, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            list_tree(dir, sub, out);
        } else {
            size_t len;
            unsigned char *data = unit_read(full, &len);

            to_page(sub, strlen(sub), out);
            to_page("\n", 1, out);
            to_page(data, len, out);
            free(data);
        }
        free(names[i]);
    }
    free(names);
}

static void test_site(void **state)
{
    opened o;
    char *a = unit_path(tmp, "site-a"), *b = unit_path(tmp, "site-b");
    page ta = { 0 }, tb = { 0 };

    (void)state;
    open_pkg(&o, examples[1]);
    if (lp_render_site(o.ctx, o.pkg, a, NULL) != 0)
        fail_msg("%s", lp_ctx_errmsg(o.ctx));
    assert_int_equal(lp_render_site(o.ctx, o.pkg, b, NULL), 0);
    list_tree(a, "", &ta);
    list_tree(b, "", &tb);
    assert_int_equal(ta.len, tb.len);
    assert_memory_equal(ta.data, tb.data, ta.len);
    assert_true(has(&ta, "index.html\n<!DOCTYPE html>"));
    assert_true(has(&ta, "ar/water-cycle.html\n<!DOCTYPE html>\n"
                         "<html lang=\"ar\" dir=\"rtl\">"));
    assert_true(has(&ta, "fr/water-cycle.display.html\n"));
    assert_true(has(&ta, "lp.css\n"));
    assert_true(has(&ta, ".png\n\x89PNG"));
    /* an existing folder is never written into */
    assert_int_equal(lp_render_site(o.ctx, o.pkg, a, NULL), LP_EEXIST);
    page_reset(&ta);
    page_reset(&tb);
    free(a);
    free(b);
    close_pkg(&o);
}

/* ------------------------------------------------------------ torture */

static int discard(const void *data, size_t len, void *user)
{
    (void)data;
    (void)len;
    (void)user;
    return 0;
}

static int cycle(const char *site)
{
    lp_ctx *ctx;
    lp_package *p = NULL;
    lp_catalog *c = NULL;
    lp_lesson *l = NULL;
    lp_render_opts opts = LP_RENDER_OPTS_INIT;
    int rc;

    rc = lp_ctx_new(&ctx, &torture);
    if (rc < 0)
        return rc;
    rc = lp_package_open(&p, ctx, fixpkg);
    if (rc == 0)
        rc = lp_catalog_open(&c, ctx, p);
    if (rc == 0)
        rc = lp_lesson_open(&l, ctx, c, "a-first", "ar");
    if (rc == 0)
        rc = lp_render_lesson(ctx, c, l, NULL, discard, NULL);
    opts.display = 1;
    if (rc == 0)
        rc = lp_render_lesson(ctx, c, l, &opts, discard, NULL);
    if (rc == 0)
        rc = lp_render_catalog(ctx, c, "ar", NULL, discard, NULL);
    if (rc == 0)
        rc = lp_render_home(ctx, c, NULL, discard, NULL);
    if (rc == 0 && site)
        rc = lp_render_site(ctx, p, site, NULL);
    lp_lesson_free(l);
    lp_catalog_free(c);
    lp_package_free(p);
    lp_ctx_free(ctx);
    return rc;
}

static void remove_site(const char *site)
{
    char cmd[4200];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", site);
    assert_int_equal(system(cmd), 0);
}

/* Nothing named like the site in tmp but the site itself */
static void no_leftovers(const char *name)
{
    DIR *d = opendir(tmp);
    struct dirent *de;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        if (strstr(de->d_name, name) && strcmp(de->d_name, name) != 0)
            fail_msg("'%s' left behind", de->d_name);
    closedir(d);
}

static void test_every_allocation_failure(void **state)
{
    char *site = unit_path(tmp, "torture-site");
    long total, failures = 0;
    struct stat st;

    (void)state;
    fail_at = -1;
    nallocs = live = 0;
    assert_int_equal(cycle(site), 0);
    assert_int_equal(live, 0);
    remove_site(site);
    total = nallocs;
    assert_true(total > 20);
    for (fail_at = 0; fail_at < total; fail_at++) {
        int rc;

        nallocs = live = 0;
        rc = cycle(site);
        if (rc != 0 && rc != LP_ENOMEM)
            fail_msg("allocation %ld failing gave %d (%s), not LP_ENOMEM",
                     fail_at, rc, lp_strerror(rc));
        if (live != 0)
            fail_msg("allocation %ld failing leaked %ld blocks", fail_at,
                     (long)live);
        /* a site that failed is nowhere, under its name or another */
        if (rc != 0)
            assert_int_equal(stat(site, &st), -1);
        no_leftovers("torture-site");
        remove_site(site);
        failures += rc != 0;
    }
    /* every allocation is needed: each failure must be noticed */
    assert_int_equal(failures, total);
    free(site);
    fail_at = -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_examples),
        cmocka_unit_test(test_blocks_and_languages),
        cmocka_unit_test(test_hub_forms),
        cmocka_unit_test(test_hostile_text),
        cmocka_unit_test(test_static_urls),
        cmocka_unit_test(test_assets),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_site),
        cmocka_unit_test(test_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
