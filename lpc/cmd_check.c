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
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "common/progress.h"
#include "lpc/lpc.h"

static const char check_synopsis[] =
    "lpc check DIR... [--diagnostics=FORMAT] [--color=WHEN] [--werror]\n"
    "                 [-q] [--max-media-size=SIZE] [--threads=N] [--coverage]\n"
    "                 [--cache=DIR | --no-cache] [--cache-size=SIZE]\n"
    "                 [--previous=OLD.lpk] [--profile=NAME]";
static const char build_synopsis[] =
    "lpc build DIR -o OUT.lpk [--diagnostics=FORMAT] [--color=WHEN]\n"
    "                 [--werror] [-q] [--max-media-size=SIZE] [--threads=N]\n"
    "                 [--cache=DIR | --no-cache] [--cache-size=SIZE]\n"
    "                 [--previous=OLD.lpk] [--profile=NAME]\n"
    "                 [--jpeg=keep|jxl]";

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
                   "problem found.  A DIR\n"
                   "without a curriculum file is a folder of projects: "
                   "each folder in it\n"
                   "that has one is checked.  On a terminal, a last line "
                   "sums up (not\n"
                   "with -q).  The exit status is the worst of all.\n"
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
          "      --cache=DIR           keep and reuse checked lessons, "
          "documents,\n"
          "                            media hashes and compressed "
          "objects in DIR\n"
          "                            (default: $XDG_CACHE_HOME/lp, "
          "else\n"
          "                            ~/.cache/lp); results are the "
          "same without\n"
          "      --no-cache            use no cache\n"
          "      --cache-size=SIZE     most the cache may hold (default "
          "2GiB); the\n"
          "                            least recently used entries go "
          "past it\n"
          "      --previous=OLD.lpk    compare with the last release: "
          "a lesson whose\n"
          "                            id changed is an error "
          "(id-changed) unless\n"
          "                            it says renamed-from; removed "
          "lessons are\n"
          "                            listed\n"
          "      --profile=NAME        the profile the curriculum file "
          "declares to\n"
          "                            build for: its languages, without "
          "the media\n"
          "                            it leaves out, within its budget\n"
          "  -q, --quiet               print errors only, and no "
          "summary\n", f);
    if (build)
        fputs("      --jpeg=keep|jxl       JPEGs as they are (keep, the "
              "default) or\n"
              "                            recompressed without loss as "
              "JPEG XL\n"
              "                            (about 0.7x; see lpk(5))\n", f);
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
    OPT_THREADS, OPT_CACHE, OPT_NO_CACHE, OPT_CACHE_SIZE, OPT_PREVIOUS,
    OPT_PROFILE, OPT_JPEG
};

static const struct option longopts[] = {
    { "diagnostics", required_argument, NULL, OPT_DIAGNOSTICS },
    { "color", required_argument, NULL, OPT_COLOR },
    { "werror", no_argument, NULL, OPT_WERROR },
    { "max-media-size", required_argument, NULL, OPT_MAX_MEDIA },
    { "coverage", no_argument, NULL, OPT_COVERAGE },
    { "threads", required_argument, NULL, OPT_THREADS },
    { "cache", required_argument, NULL, OPT_CACHE },
    { "no-cache", no_argument, NULL, OPT_NO_CACHE },
    { "cache-size", required_argument, NULL, OPT_CACHE_SIZE },
    { "previous", required_argument, NULL, OPT_PREVIOUS },
    { "profile", required_argument, NULL, OPT_PROFILE },
    { "jpeg", required_argument, NULL, OPT_JPEG },
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
    size_t nerrors, nwarnings, ndiags; /* errors, warnings: all projects */
    /* what every project is checked with */
    lp_ctx *ctx;
    lp_project_opts *popts;
    int default_cache; /* popts->cache_dir is the default one */
    int build, werror, coverage;
    int multi; /* several projects: --coverage names each */
    unsigned threads;
    int jpeg;                /* --jpeg (build) */
    const char *output;
    /* for the summary */
    size_t nprojects, nlessons;
    cli_progress prog;  /* lpc build's, erased before a diagnostic */
    struct { char **v; size_t n; } languages;
} check_state;

static const char *const severity_names[] = { "note", "warning", "error" };

#define BOLD "\033[1m"
#define RESET "\033[0m"
static const char *const severity_colors[] = {
    "\033[1;36m", "\033[1;35m", "\033[1;31m"
};

/* The source line, control characters shown as '?', then a caret under
 * column col (tabs kept so the caret lines up) */
static void print_source(int color, const lp_diag *d)
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
    fprintf(stderr, "%s^%s\n", color ? "\033[1;32m" : "",
            color ? RESET : "");
}

void lpc_print_diag(const lp_diag *d, int color)
{
    const char *sev = severity_names[d->severity];

    if (color)
        fputs(BOLD, stderr);
    if (d->file == NULL)
        fprintf(stderr, "%s:", cli_prefix());
    else if (d->line == 0)
        fprintf(stderr, "%s:", d->file);
    else
        fprintf(stderr, "%s:%u:%u:", d->file, d->line, d->col);
    if (color)
        fprintf(stderr, RESET " %s%s:" RESET " %s [%s]\n",
                severity_colors[d->severity], sev, d->message, d->code);
    else
        fprintf(stderr, " %s: %s [%s]\n", sev, d->message, d->code);
    print_source(color, d);
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
        lpc_print_diag(d, st->color);
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
int lpc_parse_size(const char *s, uint64_t *out)
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

int lpc_want_color(const char *when)
{
    const char *term = getenv("TERM");

    if (strcmp(when, "always") == 0)
        return 1;
    if (strcmp(when, "never") == 0)
        return 0;
    return isatty(STDERR_FILENO) && getenv("NO_COLOR") == NULL &&
           term != NULL && strcmp(term, "dumb") != 0;
}

static const char *plural(size_t n)
{
    return n == 1 ? "" : "s";
}

/* Remember a language tag, once (for the summary) */
static void add_language(check_state *st, const char *tag)
{
    char **v;

    for (size_t i = 0; i < st->languages.n; i++)
        if (strcmp(st->languages.v[i], tag) == 0)
            return;
    v = realloc(st->languages.v, (st->languages.n + 1) * sizeof(*v));
    if (!v)
        return; /* the summary undercounts; nothing else depends on it */
    st->languages.v = v;
    v[st->languages.n] = strdup(tag);
    if (v[st->languages.n])
        st->languages.n++;
}

/* Check (or build) the project in dir; returns its exit status */
static int check_project(check_state *st, const char *dir)
{
    lp_project *proj = NULL;
    size_t errors0 = st->nerrors, warnings0 = st->nwarnings;
    size_t nerr, nwarn;
    int status, rc;

    st->nprojects++;
    rc = lp_project_open(&proj, st->ctx, dir, st->popts);
    if (rc == LP_EIO && st->default_cache && st->popts->cache_dir) {
        /* the default cache is only a way to go faster: without it */
        cli_error("warning: cache not used: %s", lp_ctx_errmsg(st->ctx));
        st->popts->cache_dir = NULL;
        rc = lp_project_open(&proj, st->ctx, dir, st->popts);
    }
    if (rc < 0) {
        cli_error("%s", cli_lp_msg(st->ctx, rc));
        return cli_exit_code(rc);
    }
    st->ndiags = 0;
    if (st->fmt == FMT_JSON) {
        fputs("{\"project\":", stdout);
        cli_json_str(stdout, dir);
        fputs(",\"diagnostics\":[", stdout);
    }
    if (!st->build) {
        rc = lp_project_check(proj, on_diag, st);
    } else {
        lp_build_opts bopts = LP_BUILD_OPTS_INIT;
        bopts.werror = st->werror; /* warnings stop it before anything is
                                    * written */
        bopts.threads = st->threads;
        bopts.jpeg = st->jpeg;
        bopts.progress = cli_progress_start(&st->prog, st->quiet);
        bopts.progress_user = &st->prog;
        rc = lp_project_build(proj, st->output, &bopts, on_diag, st);
        cli_progress_end(&st->prog);
    }
    nerr = st->nerrors - errors0;
    nwarn = st->nwarnings - warnings0;
    if (rc < 0 && rc != LP_ESOURCE) {
        /* the check itself failed (I/O, memory): not a verdict */
        cli_error("%s", cli_lp_msg(st->ctx, rc));
        status = cli_exit_code(rc);
    } else if (nerr > 0 || rc == LP_ESOURCE || (st->werror && nwarn > 0)) {
        status = LP_EXIT_INVALID;
    } else {
        status = LP_EXIT_OK;
    }
    if (rc >= 0 || rc == LP_ESOURCE) {
        size_t n = lp_project_coverage_count(proj);
        for (size_t i = 0; i < n; i++) {
            lp_coverage c = LP_COVERAGE_INIT;
            if (lp_project_coverage(proj, i, &c) < 0)
                continue;
            if (i == 0)
                st->nlessons += c.lessons_own + c.lessons_fallback +
                                c.lessons_missing;
            add_language(st, c.language);
        }
        if (st->coverage) {
            if (st->fmt == FMT_TEXT && st->multi)
                printf("%s%s:\n", st->nprojects > 1 ? "\n" : "", dir);
            print_coverage(st, proj);
        }
    }
    if (st->fmt == FMT_JSON)
        printf("],\"errors\":%zu,\"warnings\":%zu,\"ok\":%s}\n", nerr,
               nwarn, status == LP_EXIT_OK ? "true" : "false");
    else if (st->fmt == FMT_TEXT && !st->quiet && status != LP_EXIT_OK &&
             (nerr > 0 || nwarn > 0))
        fprintf(stderr, "%zu error%s and %zu warning%s in '%s'\n", nerr,
                plural(nerr), nwarn, plural(nwarn), dir);
    lp_project_free(proj);
    return status;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* An operand: a project, or a folder of projects (each folder in it that
 * holds a curriculum file, in name order); a folder that is neither is
 * checked as a project, which reports what it lacks */
static int check_operand(check_state *st, const char *dir)
{
    struct dirent **ents = NULL;
    size_t len = strlen(dir), found = 0;
    int n, status = LP_EXIT_OK;

    if (st->build || lp_project_probe(dir))
        return check_project(st, dir);
    n = scandir(dir, &ents, NULL, by_name);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        size_t m = len + strlen(name) + 2;
        char *sub = name[0] == '.' ? NULL : malloc(m);
        struct stat sb;

        if (sub) {
            snprintf(sub, m, "%.*s/%s", (int)len, dir, name);
            if (stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode) &&
                lp_project_probe(sub)) {
                int s;
                st->multi = 1;
                s = check_project(st, sub);
                if (s > status)
                    status = s;
                found++;
            }
            free(sub);
        }
        free(ents[i]);
    }
    free(ents);
    if (found == 0)
        return check_project(st, dir);
    return status;
}

int lpc_check_or_build(int argc, char **argv, int build)
{
    const char *synopsis = build ? build_synopsis : check_synopsis;
    cli_seen seen = { { 0 } };
    check_state st;
    const char *color = "auto", *output = NULL;
    lp_project_opts popts = LP_PROJECT_OPTS_INIT;
    int werror = 0, coverage = 0, status, rc;
    uint64_t threads = 0;
    const char *cache = NULL, *previous = NULL;
    lpc_previous pv;
    char cache_dir[4096];
    int no_cache = 0;

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
            if (lpc_parse_size(optarg, &popts.max_media_bytes) < 0) {
                cli_error("invalid value '%s' for '--max-media-size': "
                          "expected a size such as 5MiB", optarg);
                return cli_bad_usage(synopsis);
            }
            break;
        case OPT_THREADS:
            if (cli_opt_u64("--threads", optarg, 0, 64, &threads) < 0)
                return cli_bad_usage(synopsis);
            break;
        case OPT_CACHE:
            if (optarg[0] == '\0') {
                cli_error("empty folder name for '--cache'");
                return cli_bad_usage(synopsis);
            }
            cache = optarg;
            break;
        case OPT_NO_CACHE:
            no_cache = 1;
            break;
        case OPT_CACHE_SIZE:
            if (lpc_parse_size(optarg, &popts.cache_max_bytes) < 0) {
                cli_error("invalid value '%s' for '--cache-size': "
                          "expected a size such as 500MiB", optarg);
                return cli_bad_usage(synopsis);
            }
            break;
        case OPT_PREVIOUS:
            if (optarg[0] == '\0') {
                cli_error("empty file name for '--previous'");
                return cli_bad_usage(synopsis);
            }
            previous = optarg;
            break;
        case OPT_PROFILE:
            if (optarg[0] == '\0') {
                cli_error("empty name for '--profile'");
                return cli_bad_usage(synopsis);
            }
            popts.profile = optarg;
            break;
        case OPT_JPEG:
            if (!build) {
                cli_error("unknown option '--jpeg'");
                return cli_bad_usage(synopsis);
            }
            if (cli_opt_jpeg(optarg, &st.jpeg) < 0)
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
    if (optind >= argc || (build && argc - optind > 1)) {
        static const char *const operands[] = { "folder", NULL };
        int bad = cli_operands(argc, argv, operands, synopsis);
        if (bad != LP_EXIT_OK)
            return bad;
    }
    if (build && (output == NULL || output[0] == '\0')) {
        cli_error("missing '-o OUT.lpk'");
        return cli_bad_usage(synopsis);
    }
    if (previous && argc - optind > 1) {
        cli_error("'--previous' compares one project with its last "
                  "release: give one folder");
        return cli_bad_usage(synopsis);
    }
    if (cache && no_cache) {
        cli_error("'--cache' and '--no-cache' cannot be used together");
        return cli_bad_usage(synopsis);
    }
    if (cache) {
        popts.cache_dir = cache;
    } else if (!no_cache &&
               lp_cache_default_dir(cache_dir, sizeof(cache_dir)) == 0) {
        popts.cache_dir = cache_dir;
        st.default_cache = 1;
    }
    st.color = lpc_want_color(color);
    st.build = build;
    st.output = output;
    st.werror = werror;
    st.coverage = coverage;
    st.threads = (unsigned)threads;
    st.popts = &popts;
    st.multi = argc - optind > 1;

    rc = lp_ctx_new(&st.ctx, NULL);
    if (rc < 0) {
        cli_error("cannot start liblp: %s", lp_strerror(rc));
        return LP_EXIT_IO;
    }
    popts.threads = (unsigned)threads;
    memset(&pv, 0, sizeof(pv));
    if (previous) {
        status = lpc_previous_open(&pv, st.ctx, previous);
        if (status != LP_EXIT_OK) {
            lp_ctx_free(st.ctx);
            return status;
        }
        popts.previous = &pv.prev;
    }
    status = LP_EXIT_OK;
    for (int i = optind; i < argc; i++) {
        int s = check_operand(&st, argv[i]);
        if (s > status)
            status = s;
    }
    /* the summary: on a terminal only, and not with -q */
    if (st.fmt == FMT_TEXT && !st.quiet && isatty(STDERR_FILENO)) {
        fputs("checked ", stderr);
        if (st.nprojects > 1)
            fprintf(stderr, "%zu projects, ", st.nprojects);
        fprintf(stderr, "%zu lesson%s in %zu language%s: %zu error%s, "
                "%zu warning%s\n", st.nlessons, plural(st.nlessons),
                st.languages.n, plural(st.languages.n), st.nerrors,
                plural(st.nerrors), st.nwarnings, plural(st.nwarnings));
    }
    for (size_t i = 0; i < st.languages.n; i++)
        free(st.languages.v[i]);
    free(st.languages.v);
    lpc_previous_close(&pv);
    lp_ctx_free(st.ctx);
    return cli_finish_stdout(status);
}

int cmd_check(int argc, char **argv)
{
    return lpc_check_or_build(argc, argv, 0);
}
