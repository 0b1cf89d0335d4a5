/*
 * cmd_trust.c - lpack trust: rotate a hub's trust file (lp-trust(5),
 * ROTATION).  "trust sign" adds a signature to NEW.minisig; "trust
 * update" replaces the current trust file by NEW when the current one's
 * threshold of keys signed it.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "lpack/lpack.h"
#include "lpack/secret.h"

static const char synopsis[] =
    "lpack trust sign NEW --secret KEY.key [--comment TEXT] "
    "[--passphrase-file F] [-q]\n"
    "       lpack trust update NEW --trust CURRENT [--state DIR] "
    "[--now TIME] [-q]";

static void usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "Move a hub to a new trust file (lp-trust(5)) signed by "
               "the keys it\n"
               "trusts now.  'trust sign' checks the trust file NEW and "
               "adds a\n"
               "signature by KEY.key to NEW.minisig (replacing one by the "
               "same key);\n"
               "each co-signer runs it in turn.  'trust update' replaces "
               "CURRENT by\n"
               "NEW, atomically, only if NEW.minisig holds good signatures "
               "by at\n"
               "least the threshold of keys of CURRENT.\n"
               "\n"
               "options of 'trust sign':\n"
               "  -s, --secret FILE        the secret key (lpack keygen or "
               "minisign -G)\n"
               "  -c, --comment TEXT       add TEXT to the trusted "
               "comment\n"
               "      --passphrase-file F  read the key's passphrase from "
               "the first\n"
               "                           line of F instead of the "
               "terminal\n"
               "options of 'trust update':\n"
               "      --trust CURRENT      the trust file in use, replaced "
               "by NEW\n"
               "      --state DIR          the verifier's state folder: "
               "refuse an\n"
               "                           older update, bound the clock\n"
               "      --now TIME           take TIME (YYYY-MM-DD"
               "[Thh:mm:ssZ]) as the\n"
               "                           current time\n"
               "common options:\n"
               "  -q, --quiet              print nothing on success\n"
               "  -h, --help               show this help and exit\n",
            synopsis);
}

enum { OPT_PASSFILE = 256, OPT_TRUST, OPT_STATE, OPT_NOW };

static const struct option sign_opts[] = {
    { "secret", required_argument, NULL, 's' },
    { "comment", required_argument, NULL, 'c' },
    { "passphrase-file", required_argument, NULL, OPT_PASSFILE },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static const struct option update_opts[] = {
    { "trust", required_argument, NULL, OPT_TRUST },
    { "state", required_argument, NULL, OPT_STATE },
    { "now", required_argument, NULL, OPT_NOW },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static const char *const operands[] = { "trust file", NULL };

static int trust_sign(int argc, char **argv)
{
    cli_seen seen = { { 0 } };
    const char *sec = NULL, *passfile = NULL, *comment = NULL, *path;
    lp_ctx *ctx = NULL;
    lp_key *key = NULL;
    int quiet = 0, status, rc;

    for (;;) {
        int c = cli_getopt(argc, argv, "s:c:qh", sign_opts, &seen);

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
    status = cli_operands(argc, argv, operands, synopsis);
    if (status != LP_EXIT_OK)
        return status;
    if (!sec) {
        cli_error("missing option '--secret'");
        return cli_bad_usage(synopsis);
    }
    path = argv[optind];
    rc = lp_ctx_new(&ctx, NULL);
    if (rc < 0) {
        cli_error("cannot start liblp: %s", lp_strerror(rc));
        return LP_EXIT_IO;
    }
    status = secret_load_key(&key, ctx, sec, passfile);
    if (status != LP_EXIT_OK)
        goto done;
    rc = lp_trust_sign(ctx, path, key, (int64_t)time(NULL), comment);
    if (rc < 0) {
        cli_error("%s", cli_lp_msg(ctx, rc));
        status = cli_exit_code(rc);
        goto done;
    }
    if (!quiet)
        printf("%s: signed by key %s (in '%s.minisig')\n", cli_text(path),
               lp_key_id(key), cli_text(path));
    status = cli_finish_stdout(LP_EXIT_OK);
done:
    lp_key_free(key);
    lp_ctx_free(ctx);
    return status;
}

typedef struct report_state {
    const char *path;
    int quiet;
} report_state;

static void on_signature(const lp_sig_report *r, void *user)
{
    const report_state *rs = user;
    FILE *f = r->code == 0 ? stdout : stderr;

    if (rs->quiet && r->code == 0)
        return;
    fprintf(f, "%s.minisig: %s: key %s%s%s%s: %s%s\n", cli_text(rs->path),
            cli_text(r->entry), r->key_id ? cli_text(r->key_id) : "?",
            r->holder ? " (" : "", r->holder ? cli_text(r->holder) : "",
            r->holder ? ")" : "", r->code == 0 ? "" : "not counted: ",
            cli_text(r->message));
}

static int trust_update(int argc, char **argv)
{
    cli_seen seen = { { 0 } };
    const char *cur = NULL, *state_dir = NULL;
    lp_trust_opts o = LP_TRUST_OPTS_INIT;
    report_state rs = { NULL, 0 };
    lp_state *state = NULL;
    lp_ctx *ctx = NULL;
    unsigned signers = 0;
    int status, rc;

    for (;;) {
        int c = cli_getopt(argc, argv, "qh", update_opts, &seen);

        if (c == -1)
            break;
        switch (c) {
        case OPT_TRUST: cur = optarg; break;
        case OPT_STATE: state_dir = optarg; break;
        case OPT_NOW:
            if (lp_time_parse(optarg, &o.now) < 0) {
                cli_error("invalid value '%s' for '--now': expected "
                          "YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ", optarg);
                return cli_bad_usage(synopsis);
            }
            break;
        case 'q': rs.quiet = 1; break;
        case 'h':
            usage(stdout);
            return cli_finish_stdout(LP_EXIT_OK);
        default:
            return cli_bad_usage(synopsis);
        }
    }
    status = cli_operands(argc, argv, operands, synopsis);
    if (status != LP_EXIT_OK)
        return status;
    if (!cur) {
        cli_error("missing option '--trust'");
        return cli_bad_usage(synopsis);
    }
    rs.path = argv[optind];
    rc = lp_ctx_new(&ctx, NULL);
    if (rc < 0) {
        cli_error("cannot start liblp: %s", lp_strerror(rc));
        return LP_EXIT_IO;
    }
    if (state_dir != NULL) {
        rc = lp_state_open(&state, ctx, state_dir);
        if (rc < 0) {
            cli_error("%s", cli_lp_msg(ctx, rc));
            status = cli_exit_code(rc);
            goto done;
        }
    }
    o.report = on_signature;
    o.user = &rs;
    rc = lp_trust_update(ctx, cur, rs.path, state, &o, &signers, NULL);
    if (rc == LP_EUNTRUSTED) {
        cli_error("refused: '%s' does not replace '%s': %s", rs.path, cur,
                  cli_lp_msg(ctx, rc));
        status = cli_exit_code(rc);
        goto done;
    }
    if (rc < 0) {
        cli_error("%s", cli_lp_msg(ctx, rc));
        status = cli_exit_code(rc);
        goto done;
    }
    if (!rs.quiet)
        printf("%s: replaced by '%s' (signed by %u trusted key%s)\n",
               cli_text(cur), cli_text(rs.path), signers,
               signers == 1 ? "" : "s");
    status = cli_finish_stdout(LP_EXIT_OK);
done:
    lp_state_free(state);
    lp_ctx_free(ctx);
    return status;
}

int cmd_trust(int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : NULL;

    if (verb == NULL) {
        cli_error("missing 'sign' or 'update'");
        return cli_bad_usage(synopsis);
    }
    if (strcmp(verb, "-h") == 0 || strcmp(verb, "--help") == 0) {
        usage(stdout);
        return cli_finish_stdout(LP_EXIT_OK);
    }
    if (strcmp(verb, "sign") == 0)
        return trust_sign(argc - 1, argv + 1);
    if (strcmp(verb, "update") == 0)
        return trust_update(argc - 1, argv + 1);
    cli_error("unknown 'trust' command '%s' (expected 'sign' or 'update')",
              verb);
    return cli_bad_usage(synopsis);
}
