/*
 * cmd_create.c - lpack create: package every regular file below a folder
 */
#include <config.h>

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "common/progress.h"
#include "lpack/lpack.h"

static const char synopsis[] =
    "lpack create DIR -o OUT.lpk [--id ID] [--release N] [--label TEXT]\n"
    "                    [--lang TAGS] [--expires TIME] [--level N]\n"
    "                    [--jpeg keep|jxl] [--threads N] [-q]";

static void usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "Package every regular file below the folder DIR into the "
               "new\n"
               "package OUT.lpk, under its path relative to DIR.  "
               "Symbolic links\n"
               "and special files are refused.  OUT.lpk is replaced only "
               "when\n"
               "the new package is complete.\n"
               "\n"
               "options:\n"
               "  -o, --output OUT.lpk  the package to write (required)\n"
               "      --id ID           package id (default: the name of "
               "DIR, with\n"
               "                        characters outside "
               "[A-Za-z0-9._-] made '-')\n"
               "      --release N       release number, 1 or more "
               "(default 1)\n"
               "      --label TEXT      human release label (default "
               "empty)\n"
               "      --lang TAGS       content languages, space- or "
               "comma-separated,\n"
               "                        the default first (default "
               "'und')\n"
               "      --expires TIME    expiry date, YYYY-MM-DD (00:00 "
               "UTC) or\n"
               "                        YYYY-MM-DDThh:mm:ssZ: verifiers "
               "warn after it\n"
               "      --level N         zstd level, 1..19 (default %d)\n"
               "      --jpeg keep|jxl   JPEGs as they are (keep, the "
               "default) or\n"
               "                        recompressed without loss as "
               "JPEG XL (about\n"
               "                        0.7x; readers need a liblp built "
               "with libjxl)\n"
               "      --threads N       threads, 0..64 (default 0: one "
               "per CPU)\n",
            synopsis, LP_DEFAULT_LEVEL);
    cli_progress_usage(f, 24);
    fputs("  -q, --quiet           print nothing on success\n"
          "  -h, --help            show this help and exit\n", f);
}

enum {
    OPT_ID = 256,
    OPT_RELEASE,
    OPT_LABEL,
    OPT_LANG,
    OPT_LEVEL,
    OPT_THREADS,
    OPT_EXPIRES,
    OPT_JPEG
};

static const struct option longopts[] = {
    { "output", required_argument, NULL, 'o' },
    { "id", required_argument, NULL, OPT_ID },
    { "release", required_argument, NULL, OPT_RELEASE },
    { "label", required_argument, NULL, OPT_LABEL },
    { "lang", required_argument, NULL, OPT_LANG },
    { "level", required_argument, NULL, OPT_LEVEL },
    { "threads", required_argument, NULL, OPT_THREADS },
    { "jpeg", required_argument, NULL, OPT_JPEG },
    { "expires", required_argument, NULL, OPT_EXPIRES },
    CLI_PROGRESS_OPTIONS,
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static int is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
           (c >= 'a' && c <= 'z');
}

static int is_id_char(unsigned char c)
{
    return is_alnum(c) || c == '.' || c == '_' || c == '-';
}

/*
 * Turn a folder name into a package id (see usage): each character outside
 * [A-Za-z0-9._-] -- a UTF-8 sequence counts as one -- becomes '-', leading
 * non-alphanumerics go, and the rest is cut to LP_MAX_ID_BYTES.
 */
static void id_from_name(char id[LP_MAX_ID_BYTES + 1], const char *name)
{
    const unsigned char *s = (const unsigned char *)name;
    size_t n = 0;

    for (; *s != '\0' && n < LP_MAX_ID_BYTES; s++) {
        unsigned char c = *s;

        if (c >= 0x80 && c < 0xc0)
            continue; /* a continuation byte: its lead made the '-' */
        if (!is_id_char(c))
            c = '-';
        if (n == 0 && !is_alnum(c))
            continue;
        id[n++] = (char)c;
    }
    id[n] = '\0';
    if (n == 0)
        snprintf(id, LP_MAX_ID_BYTES + 1, "package");
}

/*
 * The default id: from the last component of DIR; from the real folder's
 * name when that is "." or "..".  Returns -1 on ENOMEM.
 */
static int default_id(char id[LP_MAX_ID_BYTES + 1], const char *dir)
{
    char *copy = strdup(dir);
    char *real = NULL;
    const char *name;
    size_t len;

    if (copy == NULL)
        return -1;
    len = strlen(copy);
    while (len > 1 && copy[len - 1] == '/')
        copy[--len] = '\0';
    name = strrchr(copy, '/');
    name = name != NULL ? name + 1 : copy;
    if (name[0] == '\0' || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0) {
        real = realpath(dir, NULL);
        if (real != NULL) {
            name = strrchr(real, '/');
            name = name != NULL ? name + 1 : real;
        } else {
            name = ""; /* DIR cannot be read; adding it will say why */
        }
    }
    id_from_name(id, name);
    free(real);
    free(copy);
    return 0;
}

/*
 * "tet, pt-TL" or "tet,pt-TL" -> "tet pt-TL": tags separated by single
 * spaces, as lp_writer_set_identity() takes them.  Returns NULL on ENOMEM.
 */
static char *normalize_langs(const char *tags)
{
    char *out = malloc(strlen(tags) + 1);
    size_t n = 0;

    if (out == NULL)
        return NULL;
    for (const char *p = tags; *p != '\0';) {
        size_t len;

        p += strspn(p, " ,");
        len = strcspn(p, " ,");
        if (len == 0)
            break;
        if (n > 0)
            out[n++] = ' ';
        memcpy(out + n, p, len);
        n += len;
        p += len;
    }
    out[n] = '\0';
    return out;
}

typedef struct create_args {
    const char *dir;
    const char *out;
    const char *id;      /* NULL: from dir */
    uint64_t release;
    const char *label;
    const char *langs;   /* normalised */
    lp_writer_opts wopts;
    int quiet;
    int64_t expires;     /* -1: none */
    cli_progress *prog;
} create_args;

/* Reopen the written package to report what it holds. */
static int report(lp_ctx *ctx, const char *out)
{
    lp_package *pkg = NULL;
    uint64_t content = 0;
    size_t n;
    int rc;

    rc = lp_package_open(&pkg, ctx, out);
    if (rc < 0) {
        cli_error("wrote '%s' but cannot read it back: %s", out,
                  cli_lp_msg(ctx, rc));
        return cli_exit_code(rc);
    }
    n = lp_package_entry_count(pkg);
    for (size_t i = 0; i < n; i++) {
        lp_entry_info e;

        if (lp_package_entry(pkg, i, &e) == 0)
            content += e.size;
    }
    fprintf(stderr, "%s: wrote '%s' (%zu entries, %zu objects, %" PRIu64
            " bytes; content %" PRIu64 " bytes)\n", cli_program(),
            cli_text(out), n,
            lp_package_object_count(pkg), lp_package_file_size(pkg),
            content);
    lp_package_free(pkg);
    return LP_EXIT_OK;
}

/* Report a failed liblp call: its message names the file at fault */
static int failed(const lp_ctx *ctx, int rc)
{
    cli_error("%s", cli_lp_msg(ctx, rc));
    return cli_exit_code(rc);
}

static int create(const create_args *a)
{
    char id[LP_MAX_ID_BYTES + 1];
    lp_writer *w = NULL;
    lp_ctx *ctx = NULL;
    int status = LP_EXIT_OK;
    int rc;

    if (a->id == NULL && default_id(id, a->dir) < 0) {
        cli_error("out of memory");
        return LP_EXIT_IO;
    }
    rc = lp_ctx_new(&ctx, NULL);
    if (rc < 0) {
        cli_error("cannot start liblp: %s", lp_strerror(rc));
        return LP_EXIT_IO;
    }
    rc = lp_writer_new(&w, ctx, a->out, &a->wopts);
    if (rc < 0) {
        status = failed(ctx, rc);
        goto done;
    }
    /* The message says which field is wrong and why. */
    rc = lp_writer_set_identity(w, a->id != NULL ? a->id : id, a->release,
                                a->label, a->langs);
    if (rc == 0)
        rc = lp_writer_set_expiry(w, a->expires);
    if (rc < 0) {
        status = failed(ctx, rc);
        goto done;
    }
    /*
     * A message names the file below DIR at fault, not DIR.  LP_EINVAL
     * here is a file name that cannot be a logical path: a bad source,
     * not a bad command line.
     */
    rc = lp_writer_add_tree(w, a->dir);
    if (rc < 0) {
        status = failed(ctx, rc);
        if (rc == LP_EINVAL)
            status = LP_EXIT_INVALID;
        goto done;
    }
    rc = lp_writer_commit(w);
    cli_progress_end(a->prog);
    if (rc < 0) {
        status = failed(ctx, rc);
        goto done;
    }
    lp_writer_free(w);
    w = NULL;
    if (!a->quiet)
        status = report(ctx, a->out);

done:
    lp_writer_free(w);
    lp_ctx_free(ctx);
    return status;
}

int cmd_create(int argc, char **argv)
{
    cli_seen seen = { { 0 } };
    cli_progress prog = CLI_PROGRESS_INIT;
    create_args a = { NULL, NULL, NULL, 1, "", "und",
                      LP_WRITER_OPTS_INIT, 0, -1, &prog };
    const char *langs = NULL;
    char *norm = NULL;
    uint64_t v;
    int status;

    a.wopts.level = LP_DEFAULT_LEVEL;
    for (;;) {
        int c = cli_getopt(argc, argv, "o:qh", longopts, &seen);

        if (c == -1)
            break;
        switch (c) {
        case 'o':
            a.out = optarg;
            break;
        case OPT_ID:
            a.id = optarg;
            break;
        case OPT_RELEASE:
            if (cli_opt_u64("--release", optarg, 1, INT64_MAX,
                            &a.release) < 0)
                return cli_bad_usage(synopsis);
            break;
        case OPT_LABEL:
            a.label = optarg;
            break;
        case OPT_LANG:
            langs = optarg;
            break;
        case OPT_LEVEL:
            if (cli_opt_u64("--level", optarg, 1, 19, &v) < 0)
                return cli_bad_usage(synopsis);
            a.wopts.level = (int)v;
            break;
        case OPT_THREADS:
            if (cli_opt_u64("--threads", optarg, 0, 64, &v) < 0)
                return cli_bad_usage(synopsis);
            a.wopts.threads = (unsigned)v;
            break;
        case OPT_JPEG:
            if (cli_opt_jpeg(optarg, &a.wopts.jpeg) < 0)
                return cli_bad_usage(synopsis);
            break;
        case OPT_EXPIRES:
            if (lp_time_parse(optarg, &a.expires) < 0) {
                cli_error("invalid value '%s' for '--expires': expected "
                          "YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ", optarg);
                return cli_bad_usage(synopsis);
            }
            break;
        case 'q':
            a.quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return cli_finish_stdout(LP_EXIT_OK);
        default:
            if (cli_progress_option(&prog, c) > 0)
                break;
            return cli_bad_usage(synopsis);
        }
    }
    {
        static const char *const operands[] = { "folder", NULL };
        int bad = cli_operands(argc, argv, operands, synopsis);
        if (bad != LP_EXIT_OK)
            return bad;
    }
    a.dir = argv[optind];
    if (a.out == NULL) {
        cli_error("missing option '-o OUT.lpk'");
        return cli_bad_usage(synopsis);
    }
    if (a.dir[0] == '\0' || a.out[0] == '\0') {
        cli_error("invalid value '' for '%s'", a.dir[0] == '\0'
                  ? "DIR" : "--output");
        return cli_bad_usage(synopsis);
    }
    if (langs != NULL) {
        norm = normalize_langs(langs);
        if (norm == NULL) {
            cli_error("out of memory");
            return LP_EXIT_IO;
        }
        if (norm[0] == '\0') {
            cli_error("invalid value '%s' for '--lang': expected at least "
                      "one language tag", langs);
            free(norm);
            return cli_bad_usage(synopsis);
        }
        a.langs = norm;
    }
    a.wopts.progress = cli_progress_start(&prog, a.quiet);
    a.wopts.progress_user = &prog;
    status = create(&a);
    free(norm);
    return status;
}
