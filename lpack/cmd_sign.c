/*
 * cmd_sign.c - lpack sign: add this signer's signature to a package
 *
 * Only the manifest is signed, and only signature entries change: the rest
 * of the package is copied byte for byte.  Signing again with the same key
 * replaces that key's signature.
 */
#include <config.h>

#include <stdio.h>
#include <time.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "lpack/lpack.h"
#include "lpack/secret.h"

static const char synopsis[] =
    "lpack sign PKG --secret KEY.key [--comment TEXT] "
    "[--passphrase-file F] [-q]";

static void usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "Sign the manifest of the package PKG with a secret key and "
               "add the\n"
               "signature to PKG (replacing an earlier one by the same "
               "key).  The\n"
               "signature's trusted comment names the package id, version "
               "and the\n"
               "signing time.\n"
               "\n"
               "options:\n"
               "  -s, --secret FILE        the secret key (lpack keygen or "
               "minisign -G)\n"
               "  -c, --comment TEXT       add TEXT to the trusted "
               "comment\n"
               "      --passphrase-file F  read the key's passphrase from "
               "the first\n"
               "                           line of F instead of the "
               "terminal\n"
               "  -q, --quiet              print nothing\n"
               "  -h, --help               show this help and exit\n",
            synopsis);
}

enum { OPT_PASSFILE = 256 };

static const struct option longopts[] = {
    { "secret", required_argument, NULL, 's' },
    { "comment", required_argument, NULL, 'c' },
    { "passphrase-file", required_argument, NULL, OPT_PASSFILE },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

int cmd_sign(int argc, char **argv)
{
    cli_seen seen = { { 0 } };
    const char *sec = NULL, *passfile = NULL, *comment = NULL, *path;
    int quiet = 0, status, rc;
    lp_package *pkg = NULL;
    lp_ctx *ctx = NULL;
    lp_key *key = NULL;
    lp_sig *sig = NULL;
    const unsigned char *m;
    size_t mlen;

    for (;;) {
        int c = cli_getopt(argc, argv, "s:c:qh", longopts, &seen);

        if (c == -1)
            break;
        switch (c) {
        case 's': sec = optarg; break;
        case 'c': comment = optarg; break;
        case OPT_PASSFILE: passfile = optarg; break;
        case 'q': quiet = 1; break;
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
    if (!sec) {
        cli_error("missing option '--secret'");
        return cli_bad_usage(synopsis);
    }
    path = argv[optind];
    status = cli_package_open(&ctx, &pkg, path);
    if (status != LP_EXIT_OK)
        return status;
    status = secret_load_key(&key, ctx, sec, passfile);
    if (status != LP_EXIT_OK)
        goto done;
    m = lp_package_manifest(pkg, &mlen);
    rc = lp_sig_sign_manifest(&sig, ctx, key, m, mlen, (int64_t)time(NULL),
                              comment);
    if (rc == 0)
        rc = lp_package_add_signature(pkg, sig, key);
    if (rc < 0) {
        cli_error("%s", cli_lp_msg(ctx, rc));
        status = cli_exit_code(rc);
        goto done;
    }
    if (!quiet)
        printf("%s: signed by key %s\n", path, lp_key_id(key));
    status = cli_finish_stdout(LP_EXIT_OK);
done:
    lp_sig_free(sig);
    lp_key_free(key);
    lp_package_free(pkg);
    lp_ctx_free(ctx);
    return status;
}
