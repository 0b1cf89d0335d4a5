/*
 * cmd_check.c - lpc check: check a curriculum's sources, report problems;
 * and lpc build (cmd_build.c), which shares its options and output
 *
 * The library finds the problems (lp_project_check); this file only prints
 * them, in one of three forms: GCC-style text with the source line and a
 * caret (stderr), one JSON object (stdout), or GitHub Actions workflow
 * commands (stdout).
 */
#include <config.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "common/progress.h"
#include "lpc/lpc.h"

static const char check_synopsis[] =
    "lpc check DIR [--diagnostics=FORMAT] [--color=WHEN] [--werror] [-q]\n"
    "                 [--max-media-size=SIZE] [--threads=N] [--coverage]";
static const char build_synopsis[] =
    "lpc build DIR -o OUT.lpk [--diagnostics=FORMAT] [--color=WHEN]\n"
    "                 [--werror] [-q] [--max-media-size=SIZE] [--threads=N]";

static void usage(FILE *f, int build)
{
    if (build)
        fprintf(f, "usage: %s\n"
                   "\n"
                   "Check the curriculum sources in the folder DIR, then "
                   "compile them into\n"
                   "the package OUT.lpk (see lpk(5), COMPILED CURRICULA).  "
                   "The package is\n"
                   "written atomically: if anything fails, no OUT.lpk is "
                   "left and an\n"
                   "existing one is unchanged.  SOURCE_DATE_EPOCH sets its "
                   "time.\n"
                   "\n"
                   "options:\n"
                   "  -o, --output=FILE         the package to write "
                   "(required)\n", build_synopsis);
    else
        fprintf(f, "usage: %s\n"
                   "\n"
                   "Check the curriculum sources in the folder DIR (its "
                   "curriculum file\n"
                   "and every lesson file it names) and report every "
                   "problem found.\n"
                   "\n"
                   "options:\n", check_synopsis);
    fputs("      --diagnostics=FORMAT  text (default, on stderr), "
          "json or\n"
          "                            github (on stdout)\n"
          "      --color=WHEN          colour text diagnostics: "
          "auto (default,\n"
          "                            on a terminal), always or "
          "never\n"
          "      --werror              treat warnings as errors\n"
          "      --max-media-size=SIZE refuse media files larger than "
          "SIZE (bytes,\n"
          "                            or with B, KiB, MiB or GiB)\n"
          "      --threads=N           threads, 0..64 (default 0: one per "
          "CPU); the\n"
          "                            diagnostics are the same "
          "whatever N\n"
          "  -q, --quiet               print errors only, and no "
          "summary\n", f);
    if (build)
        cli_progress_usage(f, 28);
    if (!build)
        fputs("      --coverage            also report, per language, the "
              "texts and lessons\n"
              "                            in it, only in its fallbacks, "
              "or missing\n"
              "                            (on stdout)\n", f);
    fputs("  -h, --help                show this help and exit\n", f);
}

enum {
    OPT_DIAGNOSTICS = 256, OPT_COLOR, OPT_WERROR, OPT_MAX_MEDIA, OPT_COVERAGE,
    OPT_THREADS
};

static const struct option longopts[] = {
    { "diagnostics", required_argument, NULL, OPT_DIAGNOSTICS },
    { "color", required_argument, NULL, OPT_COLOR },
    { "werror", no_argument, NULL, OPT_WERROR },
    { "max-media-size", required_argument, NULL, OPT_MAX_MEDIA },
    { "coverage", no_argument, NULL, OPT_COVERAGE },
    { "threads", required_argument, NULL, OPT_THREADS },
    CLI_PROGRESS_OPTIONS,
    { "quiet", no_argument, NULL, 'q' },
    { "output", required_argument, NULL, 'o' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

typedef enum { FMT_TEXT, FMT_JSON, FMT_GITHUB } format;

typedef struct check_state {
    format fmt;
    int color;
    int quiet;
    size_t nerrors, nwarnings, ndiags;
    cli_progress prog;  /* lpc build's, erased before a diagnostic */
} check_state;

static const char *const severity_names[] = { "note", "warning", "error" };

#define BOLD "\033[1m"
#define RESET "\033[0m"
static const char *const severity_colors[] = {
    "\033[1;36m", "\033[1;35m", "\033[1;31m"
};

/* The source line, control characters shown as '?', then a caret under
 * column col (tabs kept so the caret lines up) */
static void print_source(const check_state *st, const lp_diag *d)
{
    unsigned col = 1;

    if (d->source_line == NULL || d->source_len > 400)
        return;
    fputc(' ', stderr);
    for (size_t i = 0; i < d->source_len; i++) {
        const unsigned char *u = (const unsigned char *)d->source_line + i;
        unsigned char c = *u;

        /* bidirectional controls would reorder the line on the terminal
         * (the very thing "bidi-control" reports): one '?' each */
        if (c == 0xe2 && i + 2 < d->source_len &&
            ((u[1] == 0x80 && u[2] >= 0xaa && u[2] <= 0xae) ||
             (u[1] == 0x81 && u[2] >= 0xa6 && u[2] <= 0xa9))) {
            fputc('?', stderr);
            i += 2;
            continue;
        }
        fputc(c < 0x20 && c != '\t' ? '?' : c, stderr);
    }
    fputs("\n ", stderr);
    /* col counts characters; the terminal shows grapheme clusters, some
     * of them two cells wide: pad each run between tabs by its width */
    for (size_t i = 0, run = 0; i <= d->source_len; i++) {
        unsigned char c = i < d->source_len
                          ? (unsigned char)d->source_line[i] : 0;
        bool at_caret = i == d->source_len ||
                        ((c & 0xc0) != 0x80 && col >= d->col);

        if (at_caret || c == '\t') {
            for (size_t n = lp_text_columns(d->source_line + run, i - run);
                 n > 0; n--)
                fputc(' ', stderr);
            if (at_caret)
                break;
            fputc('\t', stderr);
            run = i + 1;
        }
        if ((c & 0xc0) != 0x80)
            col++;
    }
    fprintf(stderr, "%s^%s\n", st->color ? "\033[1;32m" : "",
            st->color ? RESET : "");
}

static void print_text(const check_state *st, const lp_diag *d)
{
    const char *sev = severity_names[d->severity];

    if (st->color)
        fputs(BOLD, stderr);
    if (d->file == NULL)
        fprintf(stderr, "%s:", cli_prefix());
    else if (d->line == 0)
        fprintf(stderr, "%s:", d->file);
    else
        fprintf(stderr, "%s:%u:%u:", d->file, d->line, d->col);
    if (st->color)
        fprintf(stderr, RESET " %s%s:" RESET " %s [%s]\n",
                severity_colors[d->severity], sev, d->message, d->code);
    else
        fprintf(stderr, " %s: %s [%s]\n", sev, d->message, d->code);
    print_source(st, d);
}

static void print_json(check_state *st, const lp_diag *d)
{
    fputs(st->ndiags == 0 ? "{" : ",{", stdout);
    printf("\"severity\":\"%s\",\"code\":", severity_names[d->severity]);
    cli_json_str(stdout, d->code);
    fputs(",\"file\":", stdout);
    cli_json_str(stdout, d->file);
    printf(",\"line\":%u,\"column\":%u,\"message\":", d->line, d->col);
    cli_json_str(stdout, d->message);
    fputc('}', stdout);
}

/* GitHub workflow command escaping: properties also escape ':' and ',' */
static void gh_escape(const char *s, int property)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '%': fputs("%25", stdout); break;
        case '\r': fputs("%0D", stdout); break;
        case '\n': fputs("%0A", stdout); break;
        case ':':
            fputs(property ? "%3A" : ":", stdout);
            break;
        case ',':
            fputs(property ? "%2C" : ",", stdout);
            break;
        default:
            fputc(*s, stdout);
        }
    }
}

static void print_github(const lp_diag *d)
{
    static const char *const kinds[] = { "notice", "warning", "error" };

    printf("::%s ", kinds[d->severity]);
    if (d->file != NULL) {
        fputs("file=", stdout);
        gh_escape(d->file, 1);
        if (d->line > 0)
            printf(",line=%u,col=%u", d->line, d->col);
        fputc(',', stdout);
    }
    fputs("title=lpc ", stdout);
    gh_escape(d->code, 1);
    fputs("::", stdout);
    gh_escape(d->message, 0);
    fputc('\n', stdout);
}

static void on_diag(const lp_diag *d, void *user)
{
    check_state *st = user;

    cli_progress_clear(&st->prog);
    if (d->severity == LP_SEVERITY_ERROR)
        st->nerrors++;
    else if (d->severity == LP_SEVERITY_WARNING)
        st->nwarnings++;
    if (st->quiet && d->severity == LP_SEVERITY_WARNING)
        return;
    switch (st->fmt) {
    case FMT_TEXT:
        print_text(st, d);
        break;
    case FMT_JSON:
        print_json(st, d);
        break;
    case FMT_GITHUB:
        print_github(d);
        break;
    }
    st->ndiags++;
}

/* The translation coverage of each language (--coverage): a table, a
 * "coverage" member of the JSON object, or one notice per language */
static void print_coverage(const check_state *st, const lp_project *proj)
{
    size_t n = lp_project_coverage_count(proj);

    if (st->fmt == FMT_JSON)
        fputs("],\"coverage\":[", stdout);
    else if (st->fmt == FMT_TEXT)
        printf("%-12s %29s %29s\n%-12s %9s %9s %9s %9s %9s %9s\n", "",
               "----------- texts -----------",
               "---------- lessons ----------", "language", "own",
               "fallback", "missing", "own", "fallback", "missing");
    for (size_t i = 0; i < n; i++) {
        lp_coverage c = LP_COVERAGE_INIT;

        if (lp_project_coverage(proj, i, &c) < 0)
            continue;
        switch (st->fmt) {
        case FMT_TEXT:
            printf("%-12s %9zu %9zu %9zu %9zu %9zu %9zu\n", c.language,
                   c.texts_own, c.texts_fallback, c.texts_missing,
                   c.lessons_own, c.lessons_fallback, c.lessons_missing);
            break;
        case FMT_JSON:
            fputs(i ? ",{\"language\":" : "{\"language\":", stdout);
            cli_json_str(stdout, c.language);
            printf(",\"texts\":{\"own\":%zu,\"fallback\":%zu,"
                   "\"missing\":%zu},\"lessons\":{\"own\":%zu,"
                   "\"fallback\":%zu,\"missing\":%zu}}", c.texts_own,
                   c.texts_fallback, c.texts_missing, c.lessons_own,
                   c.lessons_fallback, c.lessons_missing);
            break;
        case FMT_GITHUB:
            fputs("::notice title=lpc coverage::", stdout);
            gh_escape(c.language, 0);
            printf(": texts %zu own, %zu by fallback, %zu missing; lessons "
                   "%zu own, %zu by fallback, %zu missing\n", c.texts_own,
                   c.texts_fallback, c.texts_missing, c.lessons_own,
                   c.lessons_fallback, c.lessons_missing);
            break;
        }
    }
}

/* "5 MiB", "300KiB", "1024": bytes, at least 1 */
static int parse_size(const char *s, uint64_t *out)
{
    static const struct { const char *unit; unsigned shift; } units[] = {
        { "", 0 }, { "B", 0 }, { "KiB", 10 }, { "MiB", 20 }, { "GiB", 30 },
    };
    uint64_t v = 0;
    const char *p = s;

    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (*p == ' ')
        p++;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcmp(p, units[i].unit) == 0) {
            if (v == 0 || v > (UINT64_MAX >> units[i].shift))
                return -1;
            *out = v << units[i].shift;
            return 0;
        }
    return -1;
}

static int want_color(const char *when)
{
    const char *term = getenv("TERM");

    if (strcmp(when, "always") == 0)
        return 1;
    if (strcmp(when, "never") == 0)
        return 0;
    return isatty(STDERR_FILENO) && getenv("NO_COLOR") == NULL &&
           term != NULL && strcmp(term, "dumb") != 0;
}

int lpc_check_or_build(int argc, char **argv, int build)
{
    const char *synopsis = build ? build_synopsis : check_synopsis;
    cli_seen seen = { { 0 } };
    check_state st;
    lp_project *proj = NULL;
    lp_ctx *ctx = NULL;
    const char *dir, *color = "auto", *output = NULL;
    lp_project_opts popts = LP_PROJECT_OPTS_INIT;
    int werror = 0, coverage = 0, status, rc;
    uint64_t threads = 0;

    memset(&st, 0, sizeof(st));
    for (;;) {
        int c = cli_getopt(argc, argv, build ? "qho:" : "qh", longopts,
                           &seen);

        if (c == -1)
            break;
        switch (c) {
        case OPT_DIAGNOSTICS:
            if (strcmp(optarg, "text") == 0) {
                st.fmt = FMT_TEXT;
            } else if (strcmp(optarg, "json") == 0) {
                st.fmt = FMT_JSON;
            } else if (strcmp(optarg, "github") == 0) {
                st.fmt = FMT_GITHUB;
            } else {
                cli_error("invalid value '%s' for '--diagnostics': expected "
                          "text, json or github", optarg);
                return cli_bad_usage(synopsis);
            }
            break;
        case OPT_COLOR:
            if (strcmp(optarg, "auto") != 0 &&
                strcmp(optarg, "always") != 0 &&
                strcmp(optarg, "never") != 0) {
                cli_error("invalid value '%s' for '--color': expected "
                          "auto, always or never", optarg);
                return cli_bad_usage(synopsis);
            }
            color = optarg;
            break;
        case OPT_WERROR:
            werror = 1;
            break;
        case OPT_COVERAGE:
            if (build) {
                cli_error("unknown option '--coverage'");
                return cli_bad_usage(synopsis);
            }
            coverage = 1;
            break;
        case OPT_MAX_MEDIA:
            if (parse_size(optarg, &popts.max_media_bytes) < 0) {
                cli_error("invalid value '%s' for '--max-media-size': "
                          "expected a size such as 5MiB", optarg);
                return cli_bad_usage(synopsis);
            }
            break;
        case OPT_THREADS:
            if (cli_opt_u64("--threads", optarg, 0, 64, &threads) < 0)
                return cli_bad_usage(synopsis);
            break;
        case 'q':
            st.quiet = 1;
            break;
        case 'o':
            if (!build) {
                cli_error("unknown option '--output'");
                return cli_bad_usage(synopsis);
            }
            output = optarg;
            break;
        case 'h':
            usage(stdout, build);
            return cli_finish_stdout(LP_EXIT_OK);
        case CLI_OPT_PROGRESS:
        case CLI_OPT_NO_PROGRESS:
            if (!build) {
                cli_error("unknown option '%s'", argv[optind - 1]);
                return cli_bad_usage(synopsis);
            }
            if (cli_progress_option(&st.prog, c) < 0)
                return cli_bad_usage(synopsis);
            break;
        default:
            return cli_bad_usage(synopsis);
        }
    }
    {
        static const char *const operands[] = { "folder", NULL };
        int bad = cli_operands(argc, argv, operands, synopsis);
        if (bad != LP_EXIT_OK)
            return bad;
    }
    dir = argv[optind];
    if (build && (output == NULL || output[0] == '\0')) {
        cli_error("missing '-o OUT.lpk'");
        return cli_bad_usage(synopsis);
    }
    st.color = want_color(color);

    rc = lp_ctx_new(&ctx, NULL);
    if (rc < 0) {
        cli_error("cannot start liblp: %s", lp_strerror(rc));
        return LP_EXIT_IO;
    }
    popts.threads = (unsigned)threads;
    rc = lp_project_open(&proj, ctx, dir, &popts);
    if (rc < 0) {
        cli_error("%s", cli_lp_msg(ctx, rc));
        lp_ctx_free(ctx);
        return cli_exit_code(rc);
    }
    if (st.fmt == FMT_JSON) {
        fputs("{\"project\":", stdout);
        cli_json_str(stdout, dir);
        fputs(",\"diagnostics\":[", stdout);
    }
    if (!build) {
        rc = lp_project_check(proj, on_diag, &st);
    } else {
        lp_build_opts bopts = LP_BUILD_OPTS_INIT;
        bopts.werror = werror; /* warnings stop it before anything is written */
        bopts.threads = (unsigned)threads;
        bopts.progress = cli_progress_start(&st.prog, st.quiet);
        bopts.progress_user = &st.prog;
        rc = lp_project_build(proj, output, &bopts, on_diag, &st);
        cli_progress_clear(&st.prog);
    }
    if (rc < 0 && rc != LP_ESOURCE) {
        /* the check itself failed (I/O, memory): not a verdict */
        cli_error("%s", cli_lp_msg(ctx, rc));
        status = cli_exit_code(rc);
    } else if (st.nerrors > 0 || rc == LP_ESOURCE ||
               (werror && st.nwarnings > 0)) {
        status = LP_EXIT_INVALID;
    } else {
        status = LP_EXIT_OK;
    }
    if (coverage && (rc >= 0 || rc == LP_ESOURCE))
        print_coverage(&st, proj);
    if (st.fmt == FMT_JSON)
        printf("],\"errors\":%zu,\"warnings\":%zu,\"ok\":%s}\n", st.nerrors,
               st.nwarnings, status == LP_EXIT_OK ? "true" : "false");
    else if (st.fmt == FMT_TEXT && !st.quiet &&
             (st.nerrors > 0 || st.nwarnings > 0))
        fprintf(stderr, "%zu error%s and %zu warning%s in '%s'\n",
                st.nerrors, st.nerrors == 1 ? "" : "s", st.nwarnings,
                st.nwarnings == 1 ? "" : "s", dir);
    lp_project_free(proj);
    lp_ctx_free(ctx);
    return cli_finish_stdout(status);
}

int cmd_check(int argc, char **argv)
{
    return lpc_check_or_build(argc, argv, 0);
}
