/*
 * cmd_extract.c - lpack extract: write every entry into a folder
 */
#include <config.h>

#include <stdio.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "lpack/lpack.h"

static const char synopsis[] = "lpack extract PKG [-C DIR]";

static void usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "Extract every entry of the package PKG into a folder, "
               "checking\n"
               "each against the manifest before it gets its name.  The "
               "folder\n"
               "is created if missing; no entry may exist in it already.\n"
               "\n"
               "options:\n"
               "  -C, --directory DIR  extract into DIR (default: the "
               "current folder)\n"
               "  -h, --help           show this help and exit\n",
            synopsis);
}

static const struct option longopts[] = {
    { "directory", required_argument, NULL, 'C' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

int cmd_extract(int argc, char **argv)
{
    cli_seen seen = { { 0 } };
    const char *dir = ".";
    const char *pkg_path;
    lp_package *pkg;
    lp_ctx *ctx;
    int status, rc;

    for (;;) {
        int c = cli_getopt(argc, argv, "C:h", longopts, &seen);

        if (c == -1)
            break;
        switch (c) {
        case 'C':
            dir = optarg;
            break;
        case 'h':
            usage(stdout);
            return cli_finish_stdout(LP_EXIT_OK);
        default:
            return cli_bad_usage(synopsis);
        }
    }
    {
        static const char *const operands[] = { "package", NULL };
        int bad = cli_operands(argc, argv, operands, synopsis);
        if (bad != LP_EXIT_OK)
            return bad;
    }
    if (dir[0] == '\0') {
        cli_error("invalid value '' for '--directory': expected a folder");
        return cli_bad_usage(synopsis);
    }
    pkg_path = argv[optind];

    status = cli_package_open(&ctx, &pkg, pkg_path);
    if (status != LP_EXIT_OK)
        return status;
    rc = lp_package_extract(pkg, dir);
    if (rc < 0) {
        cli_error("cannot extract '%s' into '%s': %s", pkg_path, dir,
                  cli_lp_msg(ctx, rc));
        status = cli_exit_code(rc);
    }
    lp_package_free(pkg);
    lp_ctx_free(ctx);
    return status;
}
