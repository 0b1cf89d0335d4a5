/*
 * cmd_delta.c - lpack delta: make deltas to a new release from one or
 * more old ones, or only measure them (--dry-run)
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "common/progress.h"
#include "lpack/lpack.h"

static const char synopsis[] =
    "lpack delta OLD.lpk... NEW.lpk (-o OUT | --dry-run) [options]";

static void usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "Make a delta (lpd(5)) that turns OLD.lpk into NEW.lpk on a hub "
               "that has\n"
               "OLD.lpk: it carries only what OLD.lpk lacks, and `lpack apply` "
               "rebuilds\n"
               "NEW.lpk from it, signatures included.  OUT is the delta file, "
               "or a folder\n"
               "(one that exists, or a name ending in '/') where the deltas are "
               "named\n"
               "ID_OLDVERSION-NEWVERSION.lpd; with several OLD (a delta from "
               "each), a folder.\n"
               "\n"
               "options:\n"
               "  -o, --output OUT      the delta file, or a folder for them\n"
               "  -n, --dry-run         make the delta but write nothing: print "
               "what a hub\n"
               "                        would receive and what apply would need\n"
               "      --max-window SIZE most memory apply may need to decode "
               "(4M to 2G;\n"
               "                        default 128M): make deltas for small "
               "hubs\n"
               "  -l, --level N         zstd level of the delta, 1 to 22 "
               "(default %d)\n"
               "  -j, --threads N       threads (default: one per CPU)\n"
               "      --json            print a JSON object per delta\n",
               synopsis, LP_DELTA_DEFAULT_LEVEL);
    cli_progress_usage(f, 24);
    fputs("  -q, --quiet           print nothing on success\n"
          "  -h, --help            show this help and exit\n", f);
}

enum { OPT_MAX_WINDOW = 256, OPT_JSON };

static const struct option longopts[] = {
    { "output", required_argument, NULL, 'o' },
    { "dry-run", no_argument, NULL, 'n' },
    { "max-window", required_argument, NULL, OPT_MAX_WINDOW },
    { "level", required_argument, NULL, 'l' },
    { "threads", required_argument, NULL, 'j' },
    { "json", no_argument, NULL, OPT_JSON },
    CLI_PROGRESS_OPTIONS,
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static void print_info(const char *out, const lp_delta_info *i, bool dry,
                       bool json)
{
    char d[CLI_SIZE_BYTES], t[CLI_SIZE_BYTES], disk[CLI_SIZE_BYTES],
         w[CLI_SIZE_BYTES];

    if (json) {
        delta_info_json(stdout, out, i);
        return;
    }
    cli_format_size(d, i->delta_size);
    cli_format_size(t, i->target_size);
    cli_format_size(disk, lp_delta_disk_bytes(i));
    cli_format_size(w, i->window);
    printf("%s%s%s: %s %" PRIu64 " -> %" PRIu64 ": %" PRIu64 " bytes (%s, "
           "%.2f%% of the new package's %s)\n", dry ? "would write" : "wrote",
           out ? " " : "", out ? cli_text(out) : "", cli_text(i->target_id),
           i->base_version,
           i->target_version, i->delta_size, d,
           i->target_size ? 100.0 * (double)i->delta_size /
                            (double)i->target_size : 0.0, t);
    printf("  keeps %" PRIu64 " objects, patches %" PRIu64 ", adds %" PRIu64
           ", drops %" PRIu64 "; %" PRIu64 " paths renamed\n",
           i->keep_objects, i->patch_objects, i->add_objects,
           i->remove_objects, i->renamed_paths);
    printf("  apply needs up to %s of free disk and %s of memory to "
           "decode%s\n", disk, w, i->exact ? ""
           : "; NEW was not written by this liblp: apply rebuilds an "
             "equivalent package, not an identical one");
}

/* Packages built for different profiles (lpk(5), "profile") are
 * different lines of releases: a delta between them works, but a hub that
 * applies it changes profile (a phone's package becomes a hub's).  Said,
 * not refused: moving a hub from one profile to another is a real need. */
static void warn_profiles(const char *old_path, const lp_package *old,
                          const char *new_path, const lp_package *new_pkg,
                          bool quiet)
{
    const char *a = lp_package_profile(old), *b = lp_package_profile(new_pkg);

    if (quiet || (!a && !b) || (a && b && strcmp(a, b) == 0))
        return;
    cli_error("warning: '%s' is built for %s%s%s and '%s' for %s%s%s: a hub "
              "that applies this delta changes profile (deltas are meant "
              "between releases of one profile)", cli_text(old_path),
              a ? "profile '" : "no profile", a ? cli_text(a) : "",
              a ? "'" : "", cli_text(new_path),
              b ? "profile '" : "no profile", b ? cli_text(b) : "",
              b ? "'" : "");
}

/* DIR/ID_OLD-NEW.lpd, DIR's trailing slashes dropped ("deltas/" and
 * "deltas" give "deltas/ID_3-4.lpd"; "/" gives "/ID_3-4.lpd") */
static char *delta_name(const char *dir, const lp_package *old,
                        const lp_package *new_pkg)
{
    size_t len = strlen(dir);
    size_t n;
    char *s;

    while (len > 1 && dir[len - 1] == '/')
        len--;
    if (len == 1 && dir[0] == '/')
        len = 0;
    n = len + strlen(lp_package_id(new_pkg)) + 64;
    s = malloc(n);
    if (s)
        snprintf(s, n, "%.*s/%s_%" PRIu64 "-%" PRIu64 ".lpd", (int)len, dir,
                 lp_package_id(new_pkg), lp_package_version(old),
                 lp_package_version(new_pkg));
    return s;
}

/* Whether -o OUT means a folder: it names one, or ends in '/' (then it is
 * made if missing, like extract -C; its parent must exist).  -1: an error
 * was reported. */
static int out_is_folder(const char *out, int nold)
{
    size_t len = strlen(out);
    struct stat st;

    if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
        return 1;
    if (len > 0 && out[len - 1] == '/') {
        if (mkdir(out, 0777) == 0 ||
            (errno == EEXIST && stat(out, &st) == 0 && S_ISDIR(st.st_mode)))
            return 1;
        cli_error("cannot make the folder '%s': %s", out, strerror(errno));
        return -1;
    }
    if (nold > 1) {
        cli_error("with several old packages, OUT is a folder: '%s' is not "
                  "one (end it with '/' to make it)", out);
        return -1;
    }
    return 0;
}

int cmd_delta(int argc, char **argv)
{
    cli_seen seen = { { 0 } };
    lp_delta_opts opts = LP_DELTA_OPTS_INIT;
    cli_progress prog = CLI_PROGRESS_INIT;
    const char *out = NULL;
    bool dry = false, json = false, quiet = false;
    lp_package *new_pkg = NULL;
    lp_ctx *ctx = NULL;
    int status = LP_EXIT_OK;
    int nold, folder = 0;

    for (;;) {
        int c = cli_getopt(argc, argv, "o:nl:j:qh", longopts, &seen);
        uint64_t v;

        if (c == -1)
            break;
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'n':
            dry = true;
            break;
        case OPT_MAX_WINDOW:
            if (cli_opt_size("--max-window", optarg, 4u << 20,
                             LP_DELTA_MAX_WINDOW, &opts.max_window) < 0)
                return cli_bad_usage(synopsis);
            break;
        case 'l':
            if (cli_opt_u64("--level", optarg, 1, 22, &v) < 0)
                return cli_bad_usage(synopsis);
            opts.level = (int)v;
            break;
        case 'j':
            if (cli_opt_u64("--threads", optarg, 1, 64, &v) < 0)
                return cli_bad_usage(synopsis);
            opts.threads = (unsigned)v;
            break;
        case OPT_JSON:
            json = true;
            break;
        case 'q':
            quiet = true;
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
    nold = argc - optind - 1;
    if (nold < 1) {
        cli_error("expected OLD.lpk and NEW.lpk");
        return cli_bad_usage(synopsis);
    }
    if (!out && !dry) {
        cli_error("missing -o OUT (or --dry-run)");
        return cli_bad_usage(synopsis);
    }
    if (out && dry) {
        cli_error("-o and --dry-run do not go together");
        return cli_bad_usage(synopsis);
    }
    if (out) {
        folder = out_is_folder(out, nold);
        if (folder < 0)
            return LP_EXIT_IO;
    }

    status = cli_package_open(&ctx, &new_pkg, argv[argc - 1]);
    if (status != LP_EXIT_OK)
        return status;
    opts.progress = cli_progress_start(&prog, quiet);
    opts.progress_user = &prog;
    if (json && nold > 1 && !quiet)
        putchar('[');
    for (int k = 0; k < nold && status == LP_EXIT_OK; k++) {
        const char *old_path = argv[optind + k];
        lp_package *old = NULL;
        lp_delta_info info;
        char *name = NULL;
        const char *dest = out;
        int rc = lp_package_open(&old, ctx, old_path);

        if (rc < 0) {
            cli_error("%s", cli_lp_msg(ctx, rc));
            status = cli_exit_code(rc);
            break;
        }
        warn_profiles(old_path, old, argv[argc - 1], new_pkg, quiet);
        if (folder) {
            dest = name = delta_name(out, old, new_pkg);
            if (!name) {
                lp_package_free(old);
                cli_error("out of memory");
                status = LP_EXIT_IO;
                break;
            }
        }
        rc = lp_delta_create(old, new_pkg, dest, &opts, &info);
        cli_progress_end(&prog);
        if (rc < 0) {
            cli_error("cannot make a delta from '%s' to '%s': %s", old_path,
                      argv[argc - 1], cli_lp_msg(ctx, rc));
            status = cli_exit_code(rc);
        } else if (!quiet) {
            if (json && k > 0)
                putchar(',');
            print_info(dest, &info, dry, json);
        }
        free(name);
        lp_package_free(old);
    }
    if (json && nold > 1 && !quiet)
        puts("]");
    lp_package_free(new_pkg);
    lp_ctx_free(ctx);
    return cli_finish_stdout(status);
}
