/*
 * cmd_html.c - lpack html: a package's curriculum as a static web site
 */
#include <config.h>

#include <stdio.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "lpack/lpack.h"

static const char synopsis[] = "lpack html PKG -o DIR";

static void usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "Write the curriculum of the package PKG as a static web "
               "site into\n"
               "the new folder DIR, for a hub that already runs a web "
               "server: a\n"
               "language picker (index.html), a catalog and every lesson in "
               "every\n"
               "language (LANG/), a display mode for the classroom TV, the "
               "media\n"
               "by content hash (media/), each checked against the "
               "manifest.  The\n"
               "site is built beside DIR and renamed to it when complete.\n"
               "\n"
               "options:\n"
               "  -o, --output DIR  the folder to create (it must not "
               "exist)\n"
               "  -h, --help        show this help and exit\n", synopsis);
}

static const struct option longopts[] = {
    { "output", required_argument, NULL, 'o' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

int cmd_html(int argc, char **argv)
{
    cli_seen seen = { { 0 } };
    const char *dir = NULL, *pkg_path;
    lp_package *pkg;
    lp_ctx *ctx;
    int status, rc;

    for (;;) {
        int c = cli_getopt(argc, argv, "o:h", longopts, &seen);

        if (c == -1)
            break;
        switch (c) {
        case 'o':
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
    if (!dir || dir[0] == '\0') {
        cli_error("missing '--output DIR': the folder to write the site "
                  "into");
        return cli_bad_usage(synopsis);
    }
    pkg_path = argv[optind];

    status = cli_package_open(&ctx, &pkg, pkg_path);
    if (status != LP_EXIT_OK)
        return status;
    rc = lp_render_site(ctx, pkg, dir, NULL);
    if (rc < 0) {
        cli_error("cannot write the site of '%s' into '%s': %s", pkg_path,
                  dir, cli_lp_msg(ctx, rc));
        status = cli_exit_code(rc);
    }
    lp_package_free(pkg);
    lp_ctx_free(ctx);
    return status;
}
