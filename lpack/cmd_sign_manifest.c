/*
 * cmd_sign_manifest.c - lpack sign-manifest: sign a manifest file on a
 * machine that never sees the package (an air-gapped laptop)
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "lpack/lpack.h"
#include "lpack/secret.h"

static const char synopsis[] =
    "lpack sign-manifest MANIFEST --secret KEY.key -o SIG "
    "[--comment TEXT] [--passphrase-file F]";

static void usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "Sign a manifest written by 'lpack manifest' and write the "
               "signature\n"
               "(a minisign signature file) to SIG, for 'lpack attach'.  "
               "What is\n"
               "signed (package id, version, label, languages, entries, "
               "objects,\n"
               "size, dates, the manifest's hash) is shown before the "
               "passphrase\n"
               "is asked for; compare it with 'lpack info PKG' on the "
               "machine that\n"
               "made the package.\n"
               "\n"
               "options:\n"
               "  -s, --secret FILE        the secret key\n"
               "  -o, --output SIG         the signature file to write\n"
               "  -c, --comment TEXT       add TEXT to the trusted "
               "comment\n"
               "      --passphrase-file F  read the key's passphrase from "
               "the first\n"
               "                           line of F instead of the "
               "terminal\n"
               "  -h, --help               show this help and exit\n",
            synopsis);
}

enum { OPT_PASSFILE = 256 };

static const struct option longopts[] = {
    { "secret", required_argument, NULL, 's' },
    { "output", required_argument, NULL, 'o' },
    { "comment", required_argument, NULL, 'c' },
    { "passphrase-file", required_argument, NULL, OPT_PASSFILE },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

int cmd_sign_manifest(int argc, char **argv)
{
    cli_seen seen = { { 0 } };
    const char *sec = NULL, *out = NULL, *passfile = NULL, *comment = NULL;
    unsigned char *m = NULL;
    size_t mlen = 0;
    lp_ctx *ctx = NULL;
    lp_key *key = NULL;
    lp_sig *sig = NULL;
    lp_manifest *mf = NULL;
    const lp_manifest_info *mi = NULL;
    int status, rc;

    for (;;) {
        int c = cli_getopt(argc, argv, "s:o:c:h", longopts, &seen);

        if (c == -1)
            break;
        switch (c) {
        case 's': sec = optarg; break;
        case 'o': out = optarg; break;
        case 'c': comment = optarg; break;
        case OPT_PASSFILE: passfile = optarg; break;
        case 'h':
            usage(stdout);
            return cli_finish_stdout(LP_EXIT_OK);
        default:
            return cli_bad_usage(synopsis);
        }
    }
    {
        static const char *const operands[] = { "manifest", NULL };
        int bad = cli_operands(argc, argv, operands, synopsis);
        if (bad != LP_EXIT_OK)
            return bad;
    }
    if (!sec || !out) {
        cli_error("missing option '%s'", sec ? "--output" : "--secret");
        return cli_bad_usage(synopsis);
    }
    status = manifest_read(argv[optind], &m, &mlen);
    if (status != LP_EXIT_OK)
        return status;
    rc = lp_ctx_new(&ctx, NULL);
    if (rc < 0) {
        cli_error("cannot start liblp: %s", lp_strerror(rc));
        free(m);
        return LP_EXIT_IO;
    }
    /* what is signed, before the passphrase: never sign blind */
    rc = lp_manifest_open(&mf, ctx, m, mlen);
    if (rc < 0) {
        cli_error("%s: %s", argv[optind], cli_lp_msg(ctx, rc));
        status = cli_exit_code(rc);
        goto done;
    }
    mi = lp_manifest_get_info(mf);
    printf("signing '%s':\n", cli_text(argv[optind]));
    manifest_info_text(stdout, mi);
    fflush(stdout);
    status = secret_load_key(&key, ctx, sec, passfile);
    if (status != LP_EXIT_OK)
        goto done;
    rc = lp_sig_sign_manifest(&sig, ctx, key, m, mlen, (int64_t)time(NULL),
                              comment);
    if (rc == 0)
        rc = lp_sig_save(sig, out);
    if (rc < 0) {
        cli_error("%s: %s", argv[optind], cli_lp_msg(ctx, rc));
        status = cli_exit_code(rc);
        goto done;
    }
    printf("wrote '%s': signature by key %s of %s version %" PRIu64 "\n"
           "next: lpack attach PKG %s --public KEY.pub\n", cli_text(out),
           lp_key_id(key), cli_text(mi->id), mi->version, cli_text(out));
    status = cli_finish_stdout(LP_EXIT_OK);
done:
    lp_manifest_free(mf);
    lp_sig_free(sig);
    lp_key_free(key);
    lp_ctx_free(ctx);
    free(m);
    return status;
}
