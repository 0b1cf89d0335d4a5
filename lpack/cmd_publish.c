/*
 * cmd_publish.c - lpack publish: add signed releases to an update
 * repository (lp-repo(5)) that any web server or USB stick can hold
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "common/progress.h"
#include "lpack/lpack.h"
#include "lpack/secret.h"

static const char synopsis[] =
    "lpack publish REPO [PKG...] --secret KEY.key [--secret KEY2.key...] "
    "[options]";

static void usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "Add the signed packages PKG to the update repository in "
               "folder REPO\n"
               "(created if missing; lp-repo(5)): each is copied to "
               "REPO/files/, named by\n"
               "the hash of its bytes; deltas to each package's newest "
               "release are made\n"
               "from the releases before it; then the index, REPO/index, "
               "is signed by\n"
               "every KEY with a serial one higher and replaced "
               "atomically.  Serve REPO\n"
               "as static files, or copy it to a USB stick.  The same "
               "packages again\n"
               "change nothing; with no PKG (or --refresh), only a new "
               "index is signed,\n"
               "so hubs keep accepting it past the old one's expiry.\n"
               "\n"
               "options:\n"
               "  -s, --secret KEY.key      a key to sign the index with "
               "(repeat for\n"
               "                            co-signers); packages must "
               "carry a\n"
               "                            signature by one of them\n"
               "      --passphrase-file F   read the keys' passphrase from "
               "the first\n"
               "                            line of F instead of the "
               "terminal\n"
               "      --deltas N            deltas to a new release from "
               "the N releases\n"
               "                            before it, 0..64 (default %u)\n"
               "      --valid-for DAYS      the index expires after DAYS "
               "days, 1..3650\n"
               "                            (default %d)\n"
               "      --refresh             sign a new index even if no "
               "release is added\n"
               "      --level N             zstd level of the deltas, "
               "1..22 (default %d)\n"
               "      --max-window SIZE     most memory a hub needs to "
               "apply a delta\n"
               "                            (4M to 2G; default 128M)\n"
               "  -q, --quiet               print nothing on success\n",
            synopsis, LP_REPO_DEFAULT_DELTAS,
            LP_REPO_DEFAULT_VALID_FOR / 86400, LP_DELTA_DEFAULT_LEVEL);
    cli_progress_usage(f, 28);
    fputs("  -h, --help                show this help and exit\n", f);
}

enum { OPT_PASSFILE = 256, OPT_DELTAS, OPT_VALID_FOR, OPT_REFRESH,
       OPT_LEVEL, OPT_MAX_WINDOW };

static const struct option longopts[] = {
    { "secret", required_argument, NULL, 's' },
    { "passphrase-file", required_argument, NULL, OPT_PASSFILE },
    { "deltas", required_argument, NULL, OPT_DELTAS },
    { "valid-for", required_argument, NULL, OPT_VALID_FOR },
    { "refresh", no_argument, NULL, OPT_REFRESH },
    { "level", required_argument, NULL, OPT_LEVEL },
    { "max-window", required_argument, NULL, OPT_MAX_WINDOW },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    CLI_PROGRESS_OPTIONS,
    { NULL, 0, NULL, 0 }
};

#define MAX_KEYS 16

int cmd_publish(int argc, char **argv)
{
    cli_seen seen = { { 0 } };
    lp_publish_opts opts = LP_PUBLISH_OPTS_INIT;
    lp_publish_result res;
    cli_progress prog = CLI_PROGRESS_INIT;
    const char *secrets[MAX_KEYS];
    const char *passfile = NULL, *repo;
    lp_key *keys[MAX_KEYS] = { NULL };
    size_t nsecrets = 0;
    uint64_t v;
    int quiet = 0, status = LP_EXIT_OK, rc;
    lp_ctx *ctx = NULL;

    for (;;) {
        int c = cli_getopt(argc, argv, "s:qh", longopts, &seen);

        if (c == -1)
            break;
        switch (cli_progress_option(&prog, c)) {
        case 1: continue;
        case -1: return cli_bad_usage(synopsis);
        default: break;
        }
        switch (c) {
        case 's':
            /* repeatable: one per co-signer */
            seen.bits['s' / 64] &= ~(UINT64_C(1) << ('s' % 64));
            if (nsecrets == MAX_KEYS) {
                cli_error("at most %d keys", MAX_KEYS);
                return cli_bad_usage(synopsis);
            }
            for (size_t i = 0; i < nsecrets; i++)
                if (strcmp(secrets[i], optarg) == 0) {
                    cli_error("key '%s' given twice", optarg);
                    return cli_bad_usage(synopsis);
                }
            secrets[nsecrets++] = optarg;
            break;
        case OPT_PASSFILE:
            passfile = optarg;
            break;
        case OPT_DELTAS:
            if (cli_opt_u64("--deltas", optarg, 0, 64, &v) < 0)
                return cli_bad_usage(synopsis);
            opts.deltas = (unsigned)v;
            break;
        case OPT_VALID_FOR:
            if (cli_opt_u64("--valid-for", optarg, 1, 3650, &v) < 0)
                return cli_bad_usage(synopsis);
            opts.valid_for = (int64_t)v * 86400;
            break;
        case OPT_REFRESH:
            opts.refresh = 1;
            break;
        case OPT_LEVEL:
            if (cli_opt_u64("--level", optarg, 1, 22, &v) < 0)
                return cli_bad_usage(synopsis);
            opts.delta.level = (int)v;
            break;
        case OPT_MAX_WINDOW:
            if (cli_opt_size("--max-window", optarg, 4u << 20,
                             LP_DELTA_MAX_WINDOW, &opts.delta.max_window) < 0)
                return cli_bad_usage(synopsis);
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return cli_finish_stdout(LP_EXIT_OK);
        default:
            return cli_bad_usage(synopsis);
        }
    }
    if (optind >= argc) {
        cli_error("expected the repository folder REPO");
        return cli_bad_usage(synopsis);
    }
    if (nsecrets == 0) {
        cli_error("missing option '--secret'");
        return cli_bad_usage(synopsis);
    }
    repo = argv[optind];
    if (lp_ctx_new(&ctx, NULL) < 0) {
        cli_error("out of memory");
        return LP_EXIT_IO;
    }
    for (size_t i = 0; i < nsecrets && status == LP_EXIT_OK; i++)
        status = secret_load_key(&keys[i], ctx, secrets[i], passfile);
    if (status != LP_EXIT_OK)
        goto done;
    /* after the passphrases are read: the line would hide the prompt */
    opts.progress = cli_progress_start(&prog, quiet);
    opts.progress_user = &prog;
    rc = lp_repo_publish(ctx, repo, (const char *const *)argv + optind + 1,
                         (size_t)(argc - optind - 1),
                         (const lp_key *const *)keys, nsecrets, &opts, &res);
    cli_progress_end(&prog);
    if (rc < 0) {
        cli_error("%s", cli_lp_msg(ctx, rc));
        status = cli_exit_code(rc);
        goto done;
    }
    if (!quiet && res.changed)
        printf("%s: index serial %" PRIu64 ", signed by %zu key%s: %u "
               "release%s and %u delta%s (%" PRIu64 " bytes) added\n",
               cli_text(repo),
               res.serial, nsecrets, nsecrets == 1 ? "" : "s", res.releases,
               res.releases == 1 ? "" : "s", res.deltas,
               res.deltas == 1 ? "" : "s", res.delta_bytes);
    else if (!quiet)
        printf("%s: nothing new; index serial %" PRIu64 " unchanged\n",
               cli_text(repo), res.serial);
    status = cli_finish_stdout(LP_EXIT_OK);
done:
    for (size_t i = 0; i < nsecrets; i++)
        lp_key_free(keys[i]);
    lp_ctx_free(ctx);
    return status;
}
