/*
 * cmd_keygen.c - lpack keygen: make a signing key pair (minisign format)
 */
#include <config.h>

#include <stdio.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "lpack/lpack.h"
#include "lpack/secret.h"

static const char synopsis[] =
    "lpack keygen --public KEY.pub --secret KEY.key "
    "[--passphrase-file F | --no-passphrase] [--force] [-q]";

static void usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "Make a new Ed25519 key pair in minisign's formats.  The "
               "secret key\n"
               "is encrypted with a passphrase, asked on the terminal, and "
               "written\n"
               "with mode 0600.  Existing files are never replaced without "
               "--force.\n"
               "\n"
               "options:\n"
               "  -p, --public FILE        write the public key to FILE\n"
               "  -s, --secret FILE        write the secret key to FILE\n"
               "      --passphrase-file F  read the passphrase from the "
               "first line of F\n"
               "      --no-passphrase      do not encrypt the secret key "
               "(test keys)\n"
               "  -f, --force              replace existing key files\n"
               "  -q, --quiet              print nothing\n"
               "  -h, --help               show this help and exit\n",
            synopsis);
}

enum { OPT_PASSFILE = 256, OPT_NOPASS };

static const struct option longopts[] = {
    { "public", required_argument, NULL, 'p' },
    { "secret", required_argument, NULL, 's' },
    { "passphrase-file", required_argument, NULL, OPT_PASSFILE },
    { "no-passphrase", no_argument, NULL, OPT_NOPASS },
    { "force", no_argument, NULL, 'f' },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

int cmd_keygen(int argc, char **argv)
{
    cli_seen seen = { { 0 } };
    const char *pub = NULL, *sec = NULL, *passfile = NULL;
    int nopass = 0, force = 0, quiet = 0, status, rc;
    char *pass = NULL;
    lp_ctx *ctx = NULL;
    lp_key *key = NULL;

    for (;;) {
        int c = cli_getopt(argc, argv, "p:s:fqh", longopts, &seen);

        if (c == -1)
            break;
        switch (c) {
        case 'p': pub = optarg; break;
        case 's': sec = optarg; break;
        case OPT_PASSFILE: passfile = optarg; break;
        case OPT_NOPASS: nopass = 1; break;
        case 'f': force = 1; break;
        case 'q': quiet = 1; break;
        case 'h':
            usage(stdout);
            return cli_finish_stdout(LP_EXIT_OK);
        default:
            return cli_bad_usage(synopsis);
        }
    }
    {
        static const char *const operands[] = { NULL };
        int bad = cli_operands(argc, argv, operands, synopsis);
        if (bad != LP_EXIT_OK)
            return bad;
    }
    if (!pub || !sec) {
        cli_error("missing option '%s'", pub ? "--secret" : "--public");
        return cli_bad_usage(synopsis);
    }
    if (nopass && passfile) {
        cli_error("options '--no-passphrase' and '--passphrase-file' "
                  "conflict");
        return cli_bad_usage(synopsis);
    }
    rc = lp_ctx_new(&ctx, NULL);
    if (rc < 0) {
        cli_error("cannot start liblp: %s", lp_strerror(rc));
        return LP_EXIT_IO;
    }
    /* never ask for a passphrase and then fail to write the key */
    rc = lp_key_save_check(ctx, pub, sec, force ? LP_KEY_REPLACE : 0);
    if (rc < 0) {
        cli_error("%s%s", cli_lp_msg(ctx, rc),
                  rc == LP_EEXIST ? " (use --force to replace it)" : "");
        status = cli_exit_code(rc);
        goto done;
    }
    if (!nopass) {
        status = secret_passphrase(&pass, passfile, 1);
        if (status != LP_EXIT_OK)
            goto done;
    }
    rc = lp_key_generate(&key, ctx);
    if (rc == 0)
        rc = lp_key_save(key, pub, sec, pass, force ? LP_KEY_REPLACE : 0);
    if (rc < 0) {
        cli_error("%s%s", cli_lp_msg(ctx, rc),
                  rc == LP_EEXIST ? " (use --force to replace it)" : "");
        status = cli_exit_code(rc);
        goto done;
    }
    if (!quiet)
        printf("key %s: public key '%s', secret key '%s'%s\n",
               lp_key_id(key), pub, sec, pass ? "" : " (not encrypted)");
    status = cli_finish_stdout(LP_EXIT_OK);
done:
    secret_free(pass);
    lp_key_free(key);
    lp_ctx_free(ctx);
    return status;
}
