/*
 * fuzz_source.c - curriculum sources from arbitrary bytes, through the
 * public API: lp_project_open() + lp_project_check() on a small valid
 * project in which the input replaces one file.
 *
 * Which file, and which syntax, is decided from the input itself, so that
 * seeds are plain source files:
 *   - the syntax is XML if the first byte that is not a BOM or white space
 *     is '<', YAML otherwise;
 *   - the input is the curriculum file (curriculum.yaml / curriculum.xml)
 *     if "curriculum" occurs in its first 256 bytes, else a lesson file
 *     (lessons/fuzz.yaml / lessons/fuzz.xml) named by a fixed curriculum
 *     after the project's two valid lessons (lessons/base.yaml, id base-1,
 *     and lessons/base.xml, id base-2; media/pic.png, media/sound.wav and
 *     media/clip.vtt exist; languages tet, pt and ar).
 *
 * The project also holds symbolic links that lead outside it, to files
 * whose bytes carry a marker (SECRET below): media/out -> a folder of
 * media (secret.png, a valid PNG), lessons/ext -> a folder of lessons
 * (x.yaml, a valid lesson), lessons/linked.yaml -> that lesson.  A source
 * naming any of them must be refused.
 *
 * Properties: no crash, leak or undefined behaviour; every diagnostic is
 * well formed (code and message set, a source line exactly when there is
 * a line number); the result is 0 with no error reported, or LP_ESOURCE
 * with at least one; never LP_EINTERNAL.  A project that passes the check
 * is also built (lp_project_build(); for profile "phone" when the input
 * declares profiles), with the same properties, and no
 * entry of the package may hold the marker: nothing outside the project
 * is ever read through a link.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "lp.h"
#include "fuzz.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[] = "/tmp/lp-fuzz-src-XXXXXX";
static char proj[64], pkg[64];
static int ready;

#define SECRET "LP-FUZZ-OUTSIDE-SECRET"
static const char outside_yaml[] =
    "lesson:\n"
    "  id: outside-1\n"
    "  duration: 10\n"
    "  title: {tet: " SECRET ", pt: " SECRET ", ar: " SECRET "}\n"
    "  content:\n"
    "    - body:\n"
    "        lang: pt\n"
    "        _:\n"
    "          - h1: " SECRET "\n";

static const char base_yaml[] =
    "lesson:\n"
    "  id: base-1\n"
    "  duration: 30\n"
    "  title: {tet: Lisaun ida, pt: Lição um, ar: الدرس الأول}\n"
    "  content:\n"
    "    - body:\n"
    "        lang: tet\n"
    "        _:\n"
    "          - h1: Konta\n"
    "          - p: [\"Ohin ita aprende \", {em: konta}, \".\"]\n"
    "          - image: {src: ../media/pic.png, alt: Fatuk sanulu}\n"
    "    - body:\n"
    "        lang: pt\n"
    "        _:\n"
    "          - h1: Contar\n"
    "          - p: [\"Hoje aprendemos a \", {em: contar}, \".\"]\n"
    "          - image: {src: ../media/pic.png, alt: Dez pedras}\n"
    "    - body:\n"
    "        lang: ar\n"
    "        _:\n"
    "          - h1: العد\n"
    "          - p: [\"نتعلم اليوم \", {em: العد}, \".\"]\n"
    "          - image: {src: ../media/pic.png, alt: عشرة أحجار}\n";

static const char base_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<lesson id=\"base-2\" duration=\"45\" requires=\"base-1\">\n"
    "  <title tet=\"Lisaun rua\" pt=\"Lição dois\" ar=\"الدرس الثاني\"/>\n"
    "  <content>\n"
    "    <body lang=\"tet\"><h1>Aumenta</h1>"
    "<audio src=\"../media/sound.wav\"/></body>\n"
    "    <body lang=\"pt\"><h1>Somar</h1>"
    "<p>Revê a <a href=\"lesson:base-1\">lição</a>.</p></body>\n"
    "    <body lang=\"ar\"><h1>الجمع</h1></body>\n"
    "  </content>\n"
    "  <activities>\n"
    "    <numeric id=\"five-plus-five\" answer=\"10\">\n"
    "      <prompt tet=\"Lima aumenta lima?\" pt=\"Cinco mais cinco?\" "
    "ar=\"خمسة زائد خمسة؟\"/>\n"
    "    </numeric>\n"
    "  </activities>\n"
    "</lesson>\n";

static const char cur_head[] =
    "curriculum:\n"
    "  id: org.example.fuzz\n"
    "  country: TL\n"
    "  version: 1\n"
    "  title: {tet: Teste fuzz, pt: Teste de fuzz, ar: اختبار}\n"
    "  languages:\n"
    "    default: tet\n"
    "    _:\n"
    "      - language: {tag: tet, fallback: pt}\n"
    "      - language: {tag: pt}\n"
    "      - language: {tag: ar, fallback: pt}\n"
    "  license: {spdx: CC0-1.0, attribution: lp fuzz}\n"
    "  subjects:\n"
    "    - subject:\n"
    "        id: math\n"
    "        title: {tet: Matemátika, pt: Matemática, ar: الرياضيات}\n"
    "        grades:\n"
    "          - grade:\n"
    "              id: grade-1\n"
    "              title: {tet: Tinan 1, pt: 1.º ano, ar: السنة الأولى}\n"
    "              units:\n"
    "                - unit:\n"
    "                    id: unit-1\n"
    "                    title: {tet: Númeru, pt: Números, ar: الأعداد}\n"
    "                    lessons:\n"
    "                      - lesson: {src: lessons/base.yaml}\n"
    "                      - lesson: {src: lessons/base.xml}\n";

/* a 1x1 PNG, a short WAV, a WebVTT file */
static const unsigned char png[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
    0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
    0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00,
    0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
    0x00, 0x03, 0x01, 0x01, 0x00, 0xc9, 0xfe, 0x92, 0xef, 0x00, 0x00, 0x00,
    0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82
};
static const unsigned char wav[] = {
    'R', 'I', 'F', 'F', 44, 0, 0, 0, 'W', 'A', 'V', 'E',
    'f', 'm', 't', ' ', 16, 0, 0, 0, 1, 0, 1, 0, 0x22, 0x56, 0, 0,
    0x44, 0xac, 0, 0, 2, 0, 16, 0,
    'd', 'a', 't', 'a', 8, 0, 0, 0, 0, 0, 0x10, 0, 0x20, 0, 0x10, 0
};
static const char vtt[] = "WEBVTT\n\n00:00.000 --> 00:02.000\nIda, rua, tolu\n";

/* rel below the temporary folder (the project is p/, outside it out/) */
static void put_at(const char *rel, const void *data, size_t n)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", root, rel);
    f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

/* rel below the project */
static void put(const char *rel, const void *data, size_t n)
{
    char at[128];

    snprintf(at, sizeof(at), "p/%s", rel);
    put_at(at, data, n);
}

static void unput(const char *rel)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", proj, rel);
    if (unlink(path) != 0 && errno != ENOENT)
        abort();
}

static int rm_one(const char *path, const struct stat *st, int type,
                  struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

static void cleanup(void)
{
    nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void make_dir(const char *rel)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", root, rel);
    if (mkdir(path, 0755) != 0)
        abort();
}

static void make_link(const char *target, const char *rel)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", proj, rel);
    if (symlink(target, path) != 0)
        abort();
}

static void setup(void)
{
    unsigned char secret_png[sizeof(png) + sizeof(SECRET)];

    if (!mkdtemp(root))
        abort();
    atexit(cleanup);
    snprintf(proj, sizeof(proj), "%s/p", root);
    snprintf(pkg, sizeof(pkg), "%s/out.lpk", root);
    make_dir("p");
    make_dir("p/lessons");
    make_dir("p/media");
    make_dir("out");
    make_dir("out/media");
    make_dir("out/lessons");
    put("lessons/base.yaml", base_yaml, sizeof(base_yaml) - 1);
    put("lessons/base.xml", base_xml, sizeof(base_xml) - 1);
    put("media/pic.png", png, sizeof(png));
    put("media/sound.wav", wav, sizeof(wav));
    put("media/clip.vtt", vtt, sizeof(vtt) - 1);
    /* outside the project, reached only through links */
    memcpy(secret_png, png, sizeof(png));
    memcpy(secret_png + sizeof(png), SECRET, sizeof(SECRET));
    put_at("out/media/secret.png", secret_png, sizeof(secret_png));
    put_at("out/lessons/x.yaml", outside_yaml, sizeof(outside_yaml) - 1);
    make_link("../../out/media", "media/out");
    make_link("../../out/lessons", "lessons/ext");
    make_link("../../out/lessons/x.yaml", "lessons/linked.yaml");
    ready = 1;
}

/* Whether any entry of the package at pkg holds the marker */
static int leaked(lp_ctx *ctx)
{
    static char buf[1 << 16];
    lp_package *p;
    int found = 0;

    if (lp_package_open(&p, ctx, pkg) != 0)
        abort();
    for (size_t i = 0; i < lp_package_entry_count(p) && !found; i++) {
        lp_entry *e;
        size_t n, keep = 0;

        if (lp_entry_open(&e, p, i) != 0)
            abort();
        /* the marker may straddle two reads: keep the tail */
        while (lp_entry_read(e, buf + keep, sizeof(buf) - keep, &n) == 0 &&
               n > 0) {
            n += keep;
            if (memmem(buf, n, SECRET, sizeof(SECRET) - 1)) {
                found = 1;
                break;
            }
            keep = n < sizeof(SECRET) ? n : sizeof(SECRET);
            memmove(buf, buf + n - keep, keep);
        }
        lp_entry_free(e);
    }
    lp_package_free(p);
    return found;
}

typedef struct seen {
    unsigned long errors, total;
} seen;

static void on_diag(const lp_diag *d, void *user)
{
    seen *s = user;
    volatile size_t sink = 0;

    if (!d || !d->code || !*d->code || !d->message)
        abort();
    if (d->severity != LP_SEVERITY_NOTE && d->severity != LP_SEVERITY_WARNING &&
        d->severity != LP_SEVERITY_ERROR)
        abort();
    /* touch every byte the diagnostic points at */
    sink += strlen(d->code) + strlen(d->message);
    if (d->file)
        sink += strlen(d->file);
    if ((d->line == 0) != (d->source_line == NULL))
        abort();
    if (d->line == 0 && d->col != 0)
        abort();
    for (size_t i = 0; d->source_line && i < d->source_len; i++)
        sink += (unsigned char)d->source_line[i];
    (void)sink;
    if (getenv("LP_FUZZ_VERBOSE")) /* to see what a seed reaches */
        fprintf(stderr, "%s:%u:%u: %s: %s [%s]\n", d->file ? d->file : "-",
                d->line, d->col, d->severity == LP_SEVERITY_ERROR ? "error" :
                d->severity == LP_SEVERITY_WARNING ? "warning" : "note",
                d->message, d->code);
    if (d->severity == LP_SEVERITY_ERROR)
        s->errors++;
    s->total++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t i = 0, head = size < 256 ? size : 256;
    int xml, is_cur;
    lp_ctx *ctx;
    lp_project *p;
    seen s = { 0, 0 };
    int rc;

    if (!ready)
        setup();
    if (size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < size && strchr(" \t\r\n", data[i]) && data[i])
        i++;
    xml = i < size && data[i] == '<';
    is_cur = memmem(data, head, "curriculum", 10) != NULL;

    unput("curriculum.yaml");
    unput("curriculum.xml");
    unput("lessons/fuzz.yaml");
    unput("lessons/fuzz.xml");
    if (is_cur) {
        put(xml ? "curriculum.xml" : "curriculum.yaml", data, size);
    } else {
        char cur[sizeof(cur_head) + 64];
        int n = snprintf(cur, sizeof(cur),
                         "%s                      - lesson: {src: lessons/fuzz.%s}\n",
                         cur_head, xml ? "xml" : "yaml");

        put("curriculum.yaml", cur, (size_t)n);
        put(xml ? "lessons/fuzz.xml" : "lessons/fuzz.yaml", data, size);
    }

    if (lp_ctx_new(&ctx, NULL) < 0)
        abort();
    {
        /* a curriculum that declares profiles is built for "phone"
         * (lp-curriculum(5), PROFILES): its languages, media left out,
         * its budget */
        lp_project_opts po = LP_PROJECT_OPTS_INIT;

        if (is_cur && memmem(data, size, "profiles", 8))
            po.profile = "phone";
        if (lp_project_open(&p, ctx, proj, &po) != 0)
            abort();
    }
    rc = lp_project_check(p, on_diag, &s);
    if (rc == LP_EINTERNAL) {
        fprintf(stderr, "lp_project_check: internal error: %s\n",
                lp_ctx_errmsg(ctx));
        abort();
    }
    if ((rc == 0 && s.errors > 0) || (rc == LP_ESOURCE && s.errors == 0))
        abort();
    if (rc == 0) {
        /* what passes the check builds, and packs nothing from outside */
        lp_build_opts bo = LP_BUILD_OPTS_INIT;

        bo.level = 1;
        bo.created = 0;
        bo.threads = 1;
        s.errors = 0;
        unlink(pkg);
        rc = lp_project_build(p, pkg, &bo, on_diag, &s);
        if (rc == LP_EINTERNAL || (rc == LP_ESOURCE && s.errors == 0)) {
            fprintf(stderr, "lp_project_build: %s\n", lp_ctx_errmsg(ctx));
            abort();
        }
        if (rc == 0 && leaked(ctx)) {
            fprintf(stderr, "lp_project_build: a file outside the project "
                    "was packed\n");
            abort();
        }
        unlink(pkg);
    }
    lp_project_free(p);
    lp_ctx_free(ctx);
    return 0;
}
