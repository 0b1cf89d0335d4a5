/*
 * cmd_cat.c - lpack cat: write one entry's content to standard output
 *
 * The content streams: its hash is known to be right only once the last
 * byte has been read, after the rest was written.  A mismatch is reported
 * as such, and the exit status is 1, so a script must not use the output
 * of a failed run.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "lpack/lpack.h"

#define CAT_BUF_BYTES (64u * 1024u)

static const char synopsis[] = "lpack cat PKG PATH";

static void usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "Write the content of the entry PATH of the package PKG to\n"
               "standard output, checking it against the manifest as it "
               "goes.\n"
               "If the check fails at the end, the exit status is 1 and "
               "the\n"
               "output already written must not be trusted.\n"
               "\n"
               "options:\n"
               "  -h, --help  show this help and exit\n", synopsis);
}

static const struct option longopts[] = {
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

/* Copy entry i to stdout.  Returns an exit status; reports failures. */
static int copy_entry(lp_ctx *ctx, lp_package *pkg, size_t i)
{
    static unsigned char buf[CAT_BUF_BYTES];
    lp_entry *e = NULL;
    int rc;

    rc = lp_entry_open(&e, pkg, i);
    if (rc < 0) {
        cli_error("%s", cli_lp_msg(ctx, rc));
        return cli_exit_code(rc);
    }
    for (;;) {
        size_t n = 0;

        rc = lp_entry_read(e, buf, sizeof buf, &n);
        if (rc < 0) {
            /* Flush what was written so the warning follows it. */
            fflush(stdout);
            cli_error("%s; the output written so far must not be "
                      "trusted", cli_lp_msg(ctx, rc));
            lp_entry_free(e);
            return cli_exit_code(rc);
        }
        if (n == 0)
            break;
        if (fwrite(buf, 1, n, stdout) != n) {
            cli_error("cannot write to standard output: %s",
                      strerror(errno));
            lp_entry_free(e);
            return LP_EXIT_IO;
        }
    }
    lp_entry_free(e);
    return LP_EXIT_OK;
}

int cmd_cat(int argc, char **argv)
{
    cli_seen seen = { { 0 } };
    const char *pkg_path, *path;
    lp_package *pkg;
    lp_ctx *ctx;
    size_t index;
    int status;

    for (;;) {
        int c = cli_getopt(argc, argv, "h", longopts, &seen);

        if (c == -1)
            break;
        switch (c) {
        case 'h':
            usage(stdout);
            return cli_finish_stdout(LP_EXIT_OK);
        default:
            return cli_bad_usage(synopsis);
        }
    }
    {
        static const char *const operands[] = { "package", "path", NULL };
        int bad = cli_operands(argc, argv, operands, synopsis);
        if (bad != LP_EXIT_OK)
            return bad;
    }
    pkg_path = argv[optind];
    path = argv[optind + 1];

    status = cli_package_open(&ctx, &pkg, pkg_path);
    if (status != LP_EXIT_OK)
        return status;
    if (lp_package_find(pkg, path, &index) < 0) {
        cli_error("'%s' is not in '%s'", path, pkg_path);
        status = LP_EXIT_INVALID;
    } else {
        status = copy_entry(ctx, pkg, index);
    }
    lp_package_free(pkg);
    lp_ctx_free(ctx);
    if (status == LP_EXIT_IO && ferror(stdout))
        return status; /* the write error is reported already */
    return cli_finish_stdout(status);
}
