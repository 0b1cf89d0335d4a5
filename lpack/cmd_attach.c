/*
 * cmd_attach.c - lpack attach: add a signature made elsewhere to a package
 *
 * The signature is checked against the package's manifest with the
 * signer's public key before anything is written.
 */
#include <config.h>

#include <stdio.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "lpack/lpack.h"

static const char synopsis[] = "lpack attach PKG SIG --public KEY.pub [-q]";

static void usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "Add the signature file SIG (from 'lpack sign-manifest' or "
               "minisign)\n"
               "to the package PKG, after checking it with the signer's "
               "public key:\n"
               "it must sign this package's manifest, and its trusted "
               "comment must\n"
               "name this package's id and version.  A signature by the "
               "same key is\n"
               "replaced; nothing else in PKG changes.\n"
               "\n"
               "options:\n"
               "  -p, --public FILE  the signer's public key\n"
               "  -q, --quiet        print nothing\n"
               "  -h, --help         show this help and exit\n", synopsis);
}

static const struct option longopts[] = {
    { "public", required_argument, NULL, 'p' },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

int cmd_attach(int argc, char **argv)
{
    cli_seen seen = { { 0 } };
    const char *pub = NULL;
    int quiet = 0, status, rc;
    lp_package *pkg = NULL;
    lp_ctx *ctx = NULL;
    lp_key *key = NULL;
    lp_sig *sig = NULL;

    for (;;) {
        int c = cli_getopt(argc, argv, "p:qh", longopts, &seen);

        if (c == -1)
            break;
        switch (c) {
        case 'p': pub = optarg; break;
        case 'q': quiet = 1; break;
        case 'h':
            usage(stdout);
            return cli_finish_stdout(LP_EXIT_OK);
        default:
            return cli_bad_usage(synopsis);
        }
    }
    {
        static const char *const operands[] = { "package", "signature",
                                                NULL };
        int bad = cli_operands(argc, argv, operands, synopsis);
        if (bad != LP_EXIT_OK)
            return bad;
    }
    if (!pub) {
        cli_error("missing option '--public'");
        return cli_bad_usage(synopsis);
    }
    status = cli_package_open(&ctx, &pkg, argv[optind]);
    if (status != LP_EXIT_OK)
        return status;
    rc = lp_key_load_public(&key, ctx, pub);
    if (rc == 0)
        rc = lp_sig_load(&sig, ctx, argv[optind + 1]);
    if (rc == 0) {
        rc = lp_package_add_signature(pkg, sig, key);
        if (rc < 0)
            cli_error("%s: not attached: %s", argv[optind + 1],
                      cli_lp_msg(ctx, rc));
    } else {
        cli_error("%s", cli_lp_msg(ctx, rc));
    }
    if (rc < 0) {
        status = cli_exit_code(rc);
    } else {
        if (!quiet)
            printf("%s: signature by key %s attached\n", argv[optind],
                   lp_key_id(key));
        status = cli_finish_stdout(LP_EXIT_OK);
    }
    lp_sig_free(sig);
    lp_key_free(key);
    lp_package_free(pkg);
    lp_ctx_free(ctx);
    return status;
}
