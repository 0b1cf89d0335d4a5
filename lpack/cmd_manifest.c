/*
 * cmd_manifest.c - lpack manifest: copy out the exact bytes a signature
 * covers, for signing on another machine (lpack sign-manifest, minisign)
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "lpack/lpack.h"

static const char synopsis[] =
    "lpack manifest PKG -o FILE\n"
    "       lpack manifest PKG --trusted-comment [--comment TEXT]";

static void usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "Write the manifest of the package PKG, byte for byte, to "
               "FILE: what\n"
               "a signature signs.  Sign it with 'lpack sign-manifest' (or "
               "minisign)\n"
               "and add the signature with 'lpack attach'.  With "
               "--trusted-comment,\n"
               "print the trusted comment a signature of PKG must carry "
               "(with the\n"
               "current time) for stock 'minisign -S -t'.\n"
               "\n"
               "options:\n"
               "  -o, --output FILE  the file to write ('-': standard "
               "output)\n"
               "      --trusted-comment  print the trusted comment "
               "instead\n"
               "  -c, --comment TEXT with --trusted-comment: add "
               "comment=TEXT\n"
               "  -h, --help         show this help and exit\n", synopsis);
}

enum { OPT_TC = 256 };

static const struct option longopts[] = {
    { "output", required_argument, NULL, 'o' },
    { "trusted-comment", no_argument, NULL, OPT_TC },
    { "comment", required_argument, NULL, 'c' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

int cmd_manifest(int argc, char **argv)
{
    cli_seen seen = { { 0 } };
    const char *out = NULL, *comment = NULL;
    int tc = 0;
    const unsigned char *m;
    size_t mlen;
    lp_package *pkg = NULL;
    lp_ctx *ctx = NULL;
    int status;

    for (;;) {
        int c = cli_getopt(argc, argv, "o:c:h", longopts, &seen);

        if (c == -1)
            break;
        switch (c) {
        case 'o': out = optarg; break;
        case 'c': comment = optarg; break;
        case OPT_TC: tc = 1; break;
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
    if (tc && out) {
        cli_error("options '--output' and '--trusted-comment' conflict");
        return cli_bad_usage(synopsis);
    }
    if (comment && !tc) {
        cli_error("option '--comment' needs '--trusted-comment'");
        return cli_bad_usage(synopsis);
    }
    if (!out && !tc) {
        cli_error("missing option '--output'");
        return cli_bad_usage(synopsis);
    }
    status = cli_package_open(&ctx, &pkg, argv[optind]);
    if (status != LP_EXIT_OK)
        return status;
    if (tc) {
        char line[LP_SIG_MAX_TRUSTED_COMMENT + 1];
        int rc = lp_package_sig_comment(pkg, (int64_t)time(NULL), comment,
                                        line, sizeof(line));
        if (rc < 0) {
            cli_error("%s", cli_lp_msg(ctx, rc));
            status = cli_exit_code(rc);
        } else {
            /* exact bytes: this is what minisign -t signs */
            puts(line);
            status = cli_finish_stdout(LP_EXIT_OK);
        }
        lp_package_free(pkg);
        lp_ctx_free(ctx);
        return status;
    }
    m = lp_package_manifest(pkg, &mlen);
    if (strcmp(out, "-") == 0) {
        fwrite(m, 1, mlen, stdout);
        status = cli_finish_stdout(LP_EXIT_OK);
    } else {
        /* never a half-written manifest under its final name */
        int rc = lp_package_manifest_save(pkg, out);
        if (rc < 0) {
            cli_error("%s", cli_lp_msg(ctx, rc));
            status = cli_exit_code(rc);
        }
    }
    lp_package_free(pkg);
    lp_ctx_free(ctx);
    return status;
}
