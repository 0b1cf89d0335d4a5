/*
 * cmd_update.c - lpack update: a hub takes the newest release of its
 * package from a repository (lp-repo(5)); lpack mirror: carry a
 * repository, or what one hub needs of it, on a USB stick
 *
 * Exit status for a hub's scheduler: 0 up to date or updated, 1 refused
 * (the message and --json say why), 3 a local failure (disk), 4 nothing
 * reachable (try again later: every byte fetched is kept).
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "common/progress.h"
#include "lpack/lpack.h"

/* the source could not be reached: try again later */
#define EXIT_UNREACHABLE 4

static const char synopsis[] =
    "lpack update PKG.lpk --from URL|DIR --trust TRUST --state DIR "
    "[options]";
static const char mirror_synopsis[] =
    "lpack mirror URL|DIR DEST --trust TRUST [--for PKG.lpk] [options]";

static void usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "Bring PKG.lpk to the newest release the repository "
               "(lp-repo(5)) at URL\n"
               "(http://, https://) or in folder DIR lists for its id.  "
               "The index is checked\n"
               "first (signatures against TRUST, expiry, a serial never "
               "below the last one\n"
               "seen); the cheapest way is planned (a chain of deltas or "
               "the full package, by\n"
               "bytes); each file is fetched with resume into the spool "
               "and checked against\n"
               "the index; the new release must pass what `lpack verify "
               "--trust --state\n"
               "--strict-expiry` checks before it replaces PKG.lpk "
               "atomically.\n"
               "A new hub (no PKG.lpk yet) takes the newest full package, "
               "checked the same.\n"
               "Exit status: 0 up to date or updated, 1 refused, 2 usage, "
               "3 local failure,\n"
               "4 nothing reachable (try again later; nothing fetched is "
               "lost).\n"
               "\n"
               "options:\n"
               "      --from URL|DIR     the repository\n"
               "      --trust TRUST      the hub's trust file "
               "(lp-trust(5))\n"
               "      --state DIR        the hub's state folder\n"
               "      --spool DIR        downloads in progress (default: "
               "STATE/spool)\n"
               "      --id ID            the package a new hub takes "
               "(PKG.lpk does not exist\n"
               "                         yet; default: the repository's "
               "only one)\n"
               "  -n, --dry-run          check the index, print the plan "
               "and its bytes\n"
               "      --json             print one JSON object with the "
               "outcome (on stdout)\n"
               "      --limit-rate RATE  at most RATE bytes/s (e.g. 200K, "
               "1M)\n"
               "      --timeout S        give up on a request after S "
               "seconds without\n"
               "                         a byte, 1..3600 (default 60)\n"
               "      --now TIME         take TIME (YYYY-MM-DD[Thh:mm:ssZ]) "
               "as the current time\n"
               "  -q, --quiet            print nothing on success\n",
            synopsis);
    cli_progress_usage(f, 25);
    fputs("  -h, --help             show this help and exit\n", f);
}

static void mirror_usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "Copy the repository at URL or in folder DIR into the "
               "folder DEST (a USB\n"
               "stick), checked: the index must pass TRUST, every file is "
               "fetched with\n"
               "resume and checked against its hash, and the index is "
               "written last.  With\n"
               "--for, only the files the hub holding PKG.lpk needs.  "
               "A hub then runs\n"
               "`lpack update PKG.lpk --from DEST ...`.\n"
               "\n"
               "options:\n"
               "      --trust TRUST      the trust file the index must "
               "pass\n"
               "      --for PKG.lpk      only what this hub's update needs\n"
               "      --limit-rate RATE  at most RATE bytes/s\n"
               "      --timeout S        seconds without a byte before "
               "giving up\n"
               "      --now TIME         take TIME as the current time\n"
               "  -q, --quiet            print nothing on success\n",
            mirror_synopsis);
    cli_progress_usage(f, 25);
    fputs("  -h, --help             show this help and exit\n", f);
}

enum { OPT_FROM = 256, OPT_TRUST, OPT_STATE, OPT_SPOOL, OPT_JSON,
       OPT_LIMIT_RATE, OPT_TIMEOUT, OPT_NOW, OPT_FOR, OPT_ID };

static const struct option longopts[] = {
    { "from", required_argument, NULL, OPT_FROM },
    { "trust", required_argument, NULL, OPT_TRUST },
    { "state", required_argument, NULL, OPT_STATE },
    { "spool", required_argument, NULL, OPT_SPOOL },
    { "id", required_argument, NULL, OPT_ID },
    { "dry-run", no_argument, NULL, 'n' },
    { "json", no_argument, NULL, OPT_JSON },
    { "limit-rate", required_argument, NULL, OPT_LIMIT_RATE },
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { "now", required_argument, NULL, OPT_NOW },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    CLI_PROGRESS_OPTIONS,
    { NULL, 0, NULL, 0 }
};

static const struct option mirror_longopts[] = {
    { "trust", required_argument, NULL, OPT_TRUST },
    { "for", required_argument, NULL, OPT_FOR },
    { "limit-rate", required_argument, NULL, OPT_LIMIT_RATE },
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { "now", required_argument, NULL, OPT_NOW },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    CLI_PROGRESS_OPTIONS,
    { NULL, 0, NULL, 0 }
};

typedef struct args {
    const char *from, *trust, *state, *spool, *for_pkg;
    int json, quiet;
    lp_update_opts o;
    cli_progress prog;
} args;

/* The options both commands share; 0, or an exit status */
static int common_opt(args *a, int c, const char *syn)
{
    uint64_t v;

    switch (cli_progress_option(&a->prog, c)) {
    case 1: return 0;
    case -1: return cli_bad_usage(syn);
    default: break;
    }
    switch (c) {
    case OPT_FROM: a->from = optarg; return 0;
    case OPT_TRUST: a->trust = optarg; return 0;
    case OPT_STATE: a->state = optarg; return 0;
    case OPT_SPOOL: a->o.spool = optarg; return 0;
    case OPT_FOR: a->for_pkg = optarg; return 0;
    case OPT_ID: a->o.id = optarg; return 0;
    case 'n': a->o.dry_run = 1; return 0;
    case OPT_JSON: a->json = 1; return 0;
    case 'q': a->quiet = 1; return 0;
    case OPT_LIMIT_RATE:
        if (cli_opt_size("--limit-rate", optarg, 1024, UINT64_MAX / 2,
                         &a->o.limit_rate) < 0)
            return cli_bad_usage(syn);
        return 0;
    case OPT_TIMEOUT:
        if (cli_opt_u64("--timeout", optarg, 1, 3600, &v) < 0)
            return cli_bad_usage(syn);
        a->o.timeout = (unsigned)v;
        return 0;
    case OPT_NOW:
        if (lp_time_parse(optarg, &a->o.now) < 0) {
            cli_error("invalid value '%s' for '--now': expected "
                      "YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ", optarg);
            return cli_bad_usage(syn);
        }
        return 0;
    default:
        return cli_bad_usage(syn);
    }
}

/* The command line of update or mirror into a (its options, then the
 * operands named): -1 to go on, else the exit status (after --help, or
 * bad usage) */
static int parse(args *a, int argc, char **argv, const char *shortopts,
                 const struct option *longopts_of, void (*help)(FILE *),
                 const char *syn, const char *const *operands)
{
    cli_seen seen = { { 0 } };
    int status;

    memset(a, 0, sizeof(*a));
    a->o = (lp_update_opts)LP_UPDATE_OPTS_INIT;
    for (;;) {
        int c = cli_getopt(argc, argv, shortopts, longopts_of, &seen);

        if (c == -1)
            break;
        if (c == 'h') {
            help(stdout);
            return cli_finish_stdout(LP_EXIT_OK);
        }
        status = common_opt(a, c, syn);
        if (status != 0)
            return status;
    }
    status = cli_operands(argc, argv, operands, syn);
    if (status != LP_EXIT_OK)
        return status;
    /* the progress of the fetching and applying, on stderr; a --json
     * reader wants stdout clean and counts as quiet */
    a->o.progress = cli_progress_start(&a->prog, a->quiet || a->json);
    a->o.progress_user = &a->prog;
    return -1;
}

static const char *outcome_name(const lp_update_result *r, int rc)
{
    if (rc == 0)
        return r->outcome == LP_UPDATE_UP_TO_DATE ? "up-to-date"
             : r->outcome == LP_UPDATE_UPDATED ? "updated"
             : r->outcome == LP_UPDATE_INSTALLED ? "installed" : "planned";
    if (r->unreachable)
        return "unreachable";
    if (rc == LP_EUNTRUSTED || rc == LP_EHASH || rc == LP_EBASE ||
        rc == LP_EFORMAT || rc == LP_EVERSION || rc == LP_ENOTFOUND ||
        rc == LP_ETOOBIG)
        return "refused";
    return "failed";
}

static int status_of(const lp_update_result *r, int rc)
{
    if (rc == 0)
        return LP_EXIT_OK;
    if (r->unreachable)
        return EXIT_UNREACHABLE;
    if (rc == LP_ENOTFOUND)
        return LP_EXIT_INVALID;
    return cli_exit_code(rc);
}

static void print_plan(const lp_update_result *r, FILE *f)
{
    for (size_t i = 0; i < r->nsteps; i++) {
        const lp_update_step *s = &r->steps[i];
        if (s->full)
            fprintf(f, "  full package %" PRIu64 ": %s, %" PRIu64
                    " bytes\n", s->target, s->path, s->size);
        else
            fprintf(f, "  delta %" PRIu64 " -> %" PRIu64 ": %s, %" PRIu64
                    " bytes\n", s->base, s->target, s->path, s->size);
    }
}

static void print_json(const char *pkg, const lp_update_result *r, int rc,
                       const char *msg)
{
    fputs("{\"package\":", stdout);
    cli_json_str(stdout, pkg);
    printf(",\"id\":");
    cli_json_str(stdout, r->id);
    printf(",\"status\":\"%s\",\"from\":%" PRIu64 ",\"to\":%" PRIu64
           ",\"serial\":%" PRIu64 ",\"plan_bytes\":%" PRIu64
           ",\"full_bytes\":%" PRIu64 ",\"fetched_bytes\":%" PRIu64
           ",\"resumed_bytes\":%" PRIu64 ",\"steps\":[",
           outcome_name(r, rc), r->from_version, r->to_version, r->serial,
           r->plan_bytes, r->full_bytes, r->fetched_bytes, r->resumed_bytes);
    for (size_t i = 0; i < r->nsteps; i++) {
        const lp_update_step *s = &r->steps[i];
        printf("%s{\"kind\":\"%s\",\"base\":%" PRIu64 ",\"target\":%" PRIu64
               ",\"bytes\":%" PRIu64 ",\"path\":", i ? "," : "",
               s->full ? "full" : "delta", s->base, s->target, s->size);
        cli_json_str(stdout, s->path);
        putchar('}');
    }
    fputs("],\"message\":", stdout);
    if (rc < 0)
        cli_json_str(stdout, msg);
    else
        fputs("null", stdout);
    fputs("}\n", stdout);
}

static int load(lp_ctx **ctx, lp_trust **trust, lp_state **state,
                const args *a)
{
    int rc;

    if (lp_ctx_new(ctx, NULL) < 0) {
        cli_error("out of memory");
        return LP_EXIT_IO;
    }
    rc = lp_trust_load(trust, *ctx, a->trust);
    if (rc == 0 && a->state)
        rc = lp_state_open(state, *ctx, a->state);
    if (rc < 0) {
        cli_error("%s", cli_lp_msg(*ctx, rc));
        return cli_exit_code(rc);
    }
    return LP_EXIT_OK;
}

int cmd_update(int argc, char **argv)
{
    static const char *const operands[] = { "package", NULL };
    args a;
    lp_update_result res;
    lp_ctx *ctx = NULL;
    lp_trust *trust = NULL;
    lp_state *state = NULL;
    const char *pkg;
    int status, rc;

    memset(&res, 0, sizeof(res));
    status = parse(&a, argc, argv, "nqh", longopts, usage, synopsis,
                   operands);
    if (status >= 0)
        return status;
    if (!a.from || !a.trust || !a.state) {
        cli_error("missing option '%s'", !a.from ? "--from" : !a.trust
                  ? "--trust" : "--state");
        return cli_bad_usage(synopsis);
    }
    pkg = argv[optind];
    status = load(&ctx, &trust, &state, &a);
    if (status != LP_EXIT_OK)
        goto done;
    rc = lp_update(ctx, pkg, a.from, trust, state, &a.o, &res);
    cli_progress_end(&a.prog);
    status = status_of(&res, rc);
    if (a.json) {
        print_json(pkg, &res, rc, cli_lp_msg(ctx, rc));
    } else if (rc < 0) {
        cli_error("%s: %s%s", pkg, strcmp(outcome_name(&res, rc),
                  "refused") == 0 ? "refused: " : res.unreachable
                  ? "nothing reachable (try again later; what came is "
                    "kept): " : "", cli_lp_msg(ctx, rc));
    } else if (!a.quiet && res.outcome == LP_UPDATE_UP_TO_DATE) {
        printf("%s: up to date (%s version %" PRIu64 "; index serial %"
               PRIu64 ")\n", cli_text(pkg), cli_text(res.id), res.from_version,
               res.serial);
    } else if (!a.quiet && res.outcome == LP_UPDATE_PLANNED) {
        if (res.from_version == 0)
            printf("%s: new hub: %s %" PRIu64 ": %" PRIu64 " bytes to "
                   "fetch:\n", cli_text(pkg), cli_text(res.id),
                   res.to_version, res.plan_bytes);
        else
            printf("%s: %s %" PRIu64 " -> %" PRIu64 ": %" PRIu64 " bytes to "
                   "fetch (the full package: %" PRIu64 "):\n", cli_text(pkg),
                   cli_text(res.id), res.from_version, res.to_version,
                   res.plan_bytes, res.full_bytes);
        print_plan(&res, stdout);
    } else if (!a.quiet && res.outcome == LP_UPDATE_INSTALLED) {
        printf("%s: installed %s %" PRIu64 " (%" PRIu64 " bytes fetched, %"
               PRIu64 " kept from before)\n", cli_text(pkg),
               cli_text(res.id), res.to_version, res.fetched_bytes,
               res.resumed_bytes);
    } else if (!a.quiet) {
        printf("%s: updated %s %" PRIu64 " -> %" PRIu64 " (%" PRIu64
               " bytes fetched, %" PRIu64 " kept from before; plan %" PRIu64
               ")\n", cli_text(pkg), cli_text(res.id), res.from_version,
               res.to_version,
               res.fetched_bytes, res.resumed_bytes, res.plan_bytes);
    }
    status = cli_finish_stdout(status);
done:
    lp_state_free(state);
    lp_trust_free(trust);
    lp_ctx_free(ctx);
    return status;
}

int cmd_mirror(int argc, char **argv)
{
    static const char *const operands[] = { "source", "folder", NULL };
    args a;
    lp_update_result res;
    lp_ctx *ctx = NULL;
    lp_trust *trust = NULL;
    lp_state *state = NULL;
    int status, rc;

    status = parse(&a, argc, argv, "qh", mirror_longopts, mirror_usage,
                   mirror_synopsis, operands);
    if (status >= 0)
        return status;
    if (!a.trust) {
        cli_error("missing option '--trust'");
        return cli_bad_usage(mirror_synopsis);
    }
    status = load(&ctx, &trust, &state, &a);
    if (status != LP_EXIT_OK)
        goto done;
    rc = lp_repo_mirror(ctx, argv[optind], argv[optind + 1], trust,
                        a.for_pkg, &a.o, &res);
    cli_progress_end(&a.prog);
    status = status_of(&res, rc);
    if (rc < 0)
        cli_error("%s", cli_lp_msg(ctx, rc));
    else if (!a.quiet && a.for_pkg && res.nsteps == 0)
        printf("%s: index serial %" PRIu64 "; '%s' is up to date: no file "
               "needed\n", cli_text(argv[optind + 1]), res.serial,
               cli_text(a.for_pkg));
    else if (!a.quiet)
        printf("%s: index serial %" PRIu64 ", %" PRIu64 " bytes of files "
               "checked (%" PRIu64 " fetched now)\n",
               cli_text(argv[optind + 1]),
               res.serial, res.plan_bytes, res.fetched_bytes);
    status = cli_finish_stdout(status);
done:
    lp_state_free(state);
    lp_trust_free(trust);
    lp_ctx_free(ctx);
    return status;
}
