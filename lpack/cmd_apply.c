/*
 * cmd_apply.c - lpack apply: rebuild a new release from an old one and
 * one delta, or a chain of them (a hub several releases behind)
 */
#include <config.h>

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "common/progress.h"
#include "lpack/lpack.h"

static const char synopsis[] =
    "lpack apply OLD.lpk DELTA.lpd... -o NEW.lpk [--trust TRUST "
    "[--state DIR]] [options]";

static void usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "Rebuild the new release a delta was made for from the old "
               "release OLD.lpk,\n"
               "signatures included; with several deltas, apply them in turn "
               "(each must\n"
               "start where the one before ends).  Every object is checked "
               "against the new\n"
               "manifest before NEW.lpk is written (atomically: on any failure "
               "it is left\n"
               "as it was, and OLD.lpk is only read).  NEW.lpk may be OLD.lpk "
               "itself.\n"
               "With --trust, the new release must also pass what `lpack "
               "verify --trust\n"
               "--state --strict-expiry` checks (signatures, rollback, "
               "expiry) before\n"
               "it takes NEW.lpk's name; without, nothing of that is "
               "checked (a warning\n"
               "says so).\n"
               "\n"
               "options:\n"
               "  -o, --output NEW      the package to write\n"
               "      --trust TRUST     refuse a new release the trust file "
               "TRUST\n"
               "                        (lp-trust(5)) does not accept, or "
               "that is expired\n"
               "                        or older than OLD.lpk\n"
               "      --state DIR       the verifier's state folder (with "
               "--trust): refuse\n"
               "                        rollbacks, record the release "
               "accepted\n"
               "      --now TIME        take TIME (YYYY-MM-DD[Thh:mm:ssZ]) "
               "as the current\n"
               "                        time (never earlier than signing "
               "times)\n"
               "  -n, --dry-run         check the deltas against OLD.lpk, the "
               "memory and the\n"
               "                        free disk they need, and write "
               "nothing\n"
               "      --max-window SIZE most memory to apply with, less a fixed "
               "32M for buffers\n"
               "                        (4M to 2G; default 128M): a delta that "
               "needs more\n"
               "                        is refused before anything is "
               "written\n", synopsis);
    cli_progress_usage(f, 24);
    fputs("  -q, --quiet           print nothing on success\n"
          "  -h, --help            show this help and exit\n", f);
}

enum { OPT_MAX_WINDOW = 256, OPT_TRUST, OPT_STATE, OPT_NOW };

static const struct option longopts[] = {
    { "output", required_argument, NULL, 'o' },
    { "dry-run", no_argument, NULL, 'n' },
    { "max-window", required_argument, NULL, OPT_MAX_WINDOW },
    { "trust", required_argument, NULL, OPT_TRUST },
    { "state", required_argument, NULL, OPT_STATE },
    { "now", required_argument, NULL, OPT_NOW },
    CLI_PROGRESS_OPTIONS,
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

/* What --trust asks of the new release, and what was found */
typedef struct policy {
    lp_trust *trust;
    lp_state *state;
    int64_t now;
    uint64_t min_version;   /* OLD.lpk's: the new one may not be older */
    lp_accept_result res;
    FILE *sigs;             /* signatures that did not count, for a refusal */
    char *sigs_text;
    size_t sigs_len;
} policy;

static void on_signature(const lp_sig_report *r, void *user)
{
    policy *po = user;

    if (r->code != 0 && po->sigs)
        fprintf(po->sigs, "lpack apply: %s: key %s%s%s%s: not counted: %s\n",
                cli_text(r->entry), r->key_id ? cli_text(r->key_id) : "?",
                r->holder ? " (" : "", r->holder ? cli_text(r->holder) : "",
                r->holder ? ")" : "", cli_text(r->message));
}

static int accept_target(lp_package *pkg, void *user)
{
    policy *po = user;
    lp_accept_opts o = LP_ACCEPT_OPTS_INIT;

    o.now = po->now;
    o.min_version = po->min_version;
    o.report = on_signature;
    o.user = po;
    return lp_package_accept(pkg, po->trust, po->state, &o, &po->res);
}

/* The new release is in place: remember it, so older ones are refused */
static int record_target(policy *po, lp_ctx *ctx, const char *out)
{
    lp_package *pkg = NULL;
    int rc = lp_package_open(&pkg, ctx, out);

    if (rc == 0)
        rc = lp_state_record(po->state, pkg, po->res.newest);
    if (rc < 0)
        cli_error("'%s' is in place, but the state folder was not updated: "
                  "%s", out, cli_lp_msg(ctx, rc));
    lp_package_free(pkg);
    return rc;
}

/* Load what --trust and --state name; an exit status */
static int policy_load(policy *po, lp_ctx *ctx, const char *trust_path,
                       const char *state_dir, const char *base_path)
{
    lp_package *base = NULL;
    int rc = lp_trust_load(&po->trust, ctx, trust_path);

    if (rc == 0 && state_dir)
        rc = lp_state_open(&po->state, ctx, state_dir);
    if (rc == 0)
        rc = lp_package_open(&base, ctx, base_path);
    if (rc == 0)
        po->min_version = lp_package_version(base);
    lp_package_free(base);
    if (rc < 0) {
        cli_error("%s", cli_lp_msg(ctx, rc));
        return cli_exit_code(rc);
    }
    po->sigs = open_memstream(&po->sigs_text, &po->sigs_len);
    if (!po->sigs) {
        cli_error("out of memory");
        return LP_EXIT_IO;
    }
    return LP_EXIT_OK;
}

static void policy_dispose(policy *po)
{
    if (po->sigs)
        fclose(po->sigs);
    free(po->sigs_text);
    lp_state_free(po->state);
    lp_trust_free(po->trust);
}

/* NEW.lpk.chain-N: an intermediate release of a chain, removed after */
static char *step_name(const char *out, int k)
{
    size_t n = strlen(out) + 32;
    char *s = malloc(n);

    if (s)
        snprintf(s, n, "%s.chain-%d", out, k);
    return s;
}

int cmd_apply(int argc, char **argv)
{
    cli_seen seen = { { 0 } };
    lp_apply_opts opts = LP_APPLY_OPTS_INIT;
    cli_progress prog = CLI_PROGRESS_INIT;
    const char *out = NULL, *base_path;
    bool quiet = false;
    int ndeltas, status = LP_EXIT_OK;
    char *prev_tmp = NULL;
    char prev_target[LP_HASH_HEX_BYTES + 1] = "";
    lp_ctx *ctx = NULL;
    const char *trust_path = NULL, *state_dir = NULL;
    policy po;

    memset(&po, 0, sizeof(po));
    po.now = -1;
    for (;;) {
        int c = cli_getopt(argc, argv, "o:nqh", longopts, &seen);

        if (c == -1)
            break;
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'n':
            opts.dry_run = 1;
            break;
        case OPT_MAX_WINDOW:
            if (cli_opt_size("--max-window", optarg, 4u << 20,
                             LP_DELTA_MAX_WINDOW, &opts.max_window) < 0)
                return cli_bad_usage(synopsis);
            break;
        case OPT_TRUST:
            trust_path = optarg;
            break;
        case OPT_STATE:
            state_dir = optarg;
            break;
        case OPT_NOW:
            if (lp_time_parse(optarg, &po.now) < 0) {
                cli_error("invalid value '%s' for '--now': expected "
                          "YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ", optarg);
                return cli_bad_usage(synopsis);
            }
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            usage(stdout);
            return cli_finish_stdout(LP_EXIT_OK);
        default:
            if (cli_progress_option(&prog, c) > 0)
                break;
            return cli_bad_usage(synopsis);
        }
    }
    ndeltas = argc - optind - 1;
    if (ndeltas < 1) {
        cli_error("expected OLD.lpk and at least one delta");
        return cli_bad_usage(synopsis);
    }
    if (!out) {
        cli_error("missing -o NEW.lpk");
        return cli_bad_usage(synopsis);
    }
    if (state_dir && !trust_path) {
        cli_error("'--state' needs '--trust': only signed releases are "
                  "recorded");
        return cli_bad_usage(synopsis);
    }
    if (lp_ctx_new(&ctx, NULL) < 0) {
        cli_error("out of memory");
        return LP_EXIT_IO;
    }
    opts.progress = cli_progress_start(&prog, quiet);
    opts.progress_user = &prog;
    base_path = argv[optind];
    if (trust_path) {
        status = policy_load(&po, ctx, trust_path, state_dir, base_path);
        if (status != LP_EXIT_OK)
            goto done;
        opts.check = accept_target;
        opts.check_user = &po;
    }
    for (int k = 0; k < ndeltas && status == LP_EXIT_OK; k++) {
        const char *dpath = argv[optind + 1 + k];
        bool last = k + 1 == ndeltas;
        lp_apply_result res;
        lp_package *base = NULL;
        lp_delta *d = NULL;
        char *dest = last ? NULL : step_name(out, k + 1);
        int rc;

        if (!last && !dest) {
            cli_error("out of memory");
            status = LP_EXIT_IO;
            break;
        }
        rc = lp_package_open(&base, ctx, base_path);
        if (rc < 0) {
            cli_error("%s", cli_lp_msg(ctx, rc));
        } else {
            rc = lp_delta_open(&d, ctx, dpath);
            if (rc < 0)
                cli_error("cannot open delta: %s", cli_lp_msg(ctx, rc));
        }
        /* each next link of a chain must start where the one before ends
         * (checked here, against the deltas the user named, not the
         * intermediate package); a dry run can check only that */
        if (rc == 0 && k > 0) {
            const lp_delta_info *i = lp_delta_get_info(d);
            if (strcmp(i->base_manifest, prev_target) != 0) {
                cli_error("'%s' updates %s version %" PRIu64 ", not the "
                          "release the delta before it makes", dpath,
                          i->base_id, i->base_version);
                rc = LP_EBASE;
            }
        }
        if (rc == 0 && !(opts.dry_run && k > 0)) {
            /* the policy is the final release's: the steps between are
             * never installed */
            lp_apply_opts step = opts;
            if (!last)
                step.check = NULL;
            rc = lp_delta_apply(d, base, last ? out : dest, &step, &res);
            cli_progress_end(&prog);
            if (rc == LP_EUNTRUSTED && last && step.check) {
                fflush(po.sigs);
                fwrite(po.sigs_text, 1, po.sigs_len, stderr);
                cli_error("refused '%s' (made from '%s'; '%s' is left as "
                          "it was): %s", dpath, base_path, out,
                          cli_lp_msg(ctx, rc));
            } else if (rc < 0) {
                cli_error("cannot apply '%s' to '%s': %s", dpath, base_path,
                          cli_lp_msg(ctx, rc));
            }
        }
        if (rc == 0 && last && !opts.dry_run && po.state)
            rc = record_target(&po, ctx, out);
        if (rc == 0 && last && !opts.dry_run &&
            !trust_path)
            cli_error("warning: '%s' was not checked against a trust file: "
                      "its signatures, version and expiry are unchecked "
                      "(use --trust)", out);
        if (rc == 0 && !quiet) {
            const lp_delta_info *i = lp_delta_get_info(d);
            char need[CLI_SIZE_BYTES], have[CLI_SIZE_BYTES];

            cli_format_size(need, res.disk_needed);
            cli_format_size(have, res.disk_free);
            if (opts.dry_run && k == 0)
                printf("%s: applies to '%s' (%s %" PRIu64 " -> %" PRIu64
                       "); needs %s of free disk (%s free) and %" PRIu64
                       " bytes of memory\n", cli_text(dpath),
                       cli_text(base_path), cli_text(i->target_id),
                       i->base_version, i->target_version,
                       need, have, res.memory);
            else if (opts.dry_run)
                printf("%s: %s %" PRIu64 " -> %" PRIu64 " (checked when the "
                       "one before is applied)\n", cli_text(dpath),
                       cli_text(i->target_id),
                       i->base_version, i->target_version);
            else if (last)
                printf("wrote '%s' (%s version %" PRIu64 ", %s%s)\n",
                       cli_text(out), cli_text(i->target_id),
                       i->target_version, trust_path
                       ? "accepted by the trust file; " : "", res.identical
                       ? "byte for byte the release the delta was made from"
                       : "checked, but not byte for byte the original: made "
                         "by another writer or zstd");
        }
        if (d)
            memcpy(prev_target, lp_delta_get_info(d)->target_manifest,
                   sizeof(prev_target));
        lp_delta_free(d);
        lp_package_free(base);
        if (prev_tmp) {
            unlink(prev_tmp);
            free(prev_tmp);
            prev_tmp = NULL;
        }
        if (rc < 0) {
            status = cli_exit_code(rc);
            if (dest)
                unlink(dest);
            free(dest);
            break;
        }
        if (!last && !opts.dry_run)
            base_path = prev_tmp = dest;
        else
            free(dest);
    }
    if (prev_tmp) {
        unlink(prev_tmp);
        free(prev_tmp);
    }
done:
    policy_dispose(&po);
    lp_ctx_free(ctx);
    return cli_finish_stdout(status);
}
