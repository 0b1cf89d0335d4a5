/*
 * cmd_verify.c - lpack verify: check every object against the manifest
 *
 * Text mode reports each problem on stderr as it is found.  JSON mode
 * prints nothing on stderr (barring write errors): the problems go into
 * the one object printed on stdout, which is printed even when the package
 * cannot be opened, so a caller always gets a verdict to parse.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "common/progress.h"
#include "lpack/lpack.h"

static const char synopsis[] =
    "lpack verify PKG [--trust TRUST [--state DIR]] [--strict-expiry]\n"
    "                    [--now TIME] [--json] [--threads N] [-q]";

static void usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "Check every object of the package PKG against the "
               "manifest:\n"
               "read it in full, decompress it, compare size and hash.  "
               "Every\n"
               "problem is reported, not only the first.  With --trust, "
               "then check\n"
               "the package's signatures against the trust file TRUST "
               "(lp-trust(5)):\n"
               "which keys signed, which of them are trusted, and whether "
               "enough\n"
               "trusted keys signed.  With --state, also refuse a version "
               "older\n"
               "than one accepted before, and record what is accepted.  "
               "A package\n"
               "past its expiry date is reported, and refused with "
               "--strict-expiry.\n"
               "\n"
               "options:\n"
               "      --trust TRUST  require the signatures TRUST asks "
               "for\n"
               "      --state DIR  the verifier's state folder (with "
               "--trust):\n"
               "                   refuse rollbacks, record what is "
               "accepted\n"
               "      --strict-expiry  refuse an expired package (default: "
               "warn)\n"
               "      --now TIME   take TIME (YYYY-MM-DD[Thh:mm:ssZ]) as "
               "the\n"
               "                   current time (never earlier than "
               "signing times)\n"
               "      --json       print one JSON object with the verdict "
               "and\n"
               "                   the problems (on stdout)\n"
               "      --threads N  check with N threads, 0..64 "
               "(default 0: one per CPU)\n", synopsis);
    cli_progress_usage(f, 19);
    fputs("  -q, --quiet      print nothing when the package is good\n"
          "  -h, --help       show this help and exit\n", f);
}

enum { OPT_JSON = 256, OPT_THREADS, OPT_TRUST, OPT_STATE, OPT_STRICT_EXPIRY,
       OPT_NOW };

static const struct option longopts[] = {
    { "json", no_argument, NULL, OPT_JSON },
    { "threads", required_argument, NULL, OPT_THREADS },
    { "trust", required_argument, NULL, OPT_TRUST },
    { "state", required_argument, NULL, OPT_STATE },
    { "strict-expiry", no_argument, NULL, OPT_STRICT_EXPIRY },
    { "now", required_argument, NULL, OPT_NOW },
    CLI_PROGRESS_OPTIONS,
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

typedef struct verify_state {
    const char *pkg_path;
    FILE *json;        /* JSON mode: the members of "problems" so far */
    size_t nproblems;
    int any_invalid;   /* a problem that says the package is bad */
    int other_status;  /* exit status of the first other problem */
    cli_progress *prog; /* erased before a problem is printed */
} verify_state;

static void add_problem(verify_state *st, int code, const char *path,
                        const char *message)
{
    int status = cli_exit_code(code);

    if (message == NULL || message[0] == '\0')
        message = lp_strerror(code);
    if (st->json != NULL) {
        fputs(st->nproblems == 0 ? "{\"path\":" : ",{\"path\":", st->json);
        if (path != NULL)
            cli_json_str(st->json, path);
        else
            fputs("null", st->json);
        fprintf(st->json, ",\"code\":\"%s\",\"message\":",
                cli_code_name(code));
        cli_json_str(st->json, message);
        fputc('}', st->json);
    } else {
        cli_error("%s: %s", st->pkg_path, message);
    }
    st->nproblems++;
    if (status == LP_EXIT_INVALID || status == LP_EXIT_OK)
        st->any_invalid = 1; /* LP_OK as a problem: still a problem */
    else if (st->other_status == LP_EXIT_OK)
        st->other_status = status;
}

static void on_problem(const lp_problem *p, void *user)
{
    verify_state *st = user;

    cli_progress_clear(st->prog);
    add_problem(st, p->code, p->path, p->message);
}

/* One signature entry's fate: text on stdout, or a JSON member */
typedef struct sig_state {
    const char *pkg_path;
    FILE *json;        /* JSON mode: the members of "signatures" so far */
    size_t n;
    int quiet;
} sig_state;

static void on_signature(const lp_sig_report *r, void *user)
{
    sig_state *ss = user;

    if (ss->json != NULL) {
        fputs(ss->n == 0 ? "{\"entry\":" : ",{\"entry\":", ss->json);
        cli_json_str(ss->json, r->entry);
        fputs(",\"key\":", ss->json);
        cli_json_str(ss->json, r->key_id);
        fputs(",\"holder\":", ss->json);
        cli_json_str(ss->json, r->holder);
        fprintf(ss->json, ",\"counted\":%s,\"message\":",
                r->code == 0 ? "true" : "false");
        cli_json_str(ss->json, r->message);
        fputc('}', ss->json);
    } else if (!ss->quiet || r->code != 0) {
        FILE *f = r->code == 0 ? stdout : stderr;
        fprintf(f, "%s: %s: key %s%s%s%s: %s%s\n", cli_text(ss->pkg_path),
                cli_text(r->entry), r->key_id ? cli_text(r->key_id) : "?",
                r->holder ? " (" : "", r->holder ? cli_text(r->holder) : "",
                r->holder ? ")" : "", r->code == 0 ? "" : "not counted: ",
                cli_text(r->message));
    }
    ss->n++;
}

/* Apply the trust file; returns an exit status and reports the verdict */
static int check_trust(verify_state *st, sig_state *ss, lp_ctx *ctx,
                       lp_package *pkg, const char *trust_path,
                       const lp_state *state, int64_t now,
                       unsigned *signers, int64_t *newest)
{
    lp_accept_opts o = LP_ACCEPT_OPTS_INIT;
    lp_accept_result res;
    lp_trust *trust = NULL;
    int rc;

    rc = lp_trust_load(&trust, ctx, trust_path);
    if (rc < 0) {
        /* a broken trust file refuses everything */
        add_problem(st, rc == LP_EIO ? rc : LP_EUNTRUSTED, NULL,
                    cli_lp_msg(ctx, rc));
        return rc == LP_EIO ? LP_EXIT_IO : LP_EXIT_INVALID;
    }
    o.report = on_signature;
    o.user = ss;
    o.now = now;
    /* signatures and rollback here, as lpack apply checks them; the
     * expiry, checked with or without a trust file, by the caller */
    o.allow_expired = 1;
    rc = lp_package_accept(pkg, trust, state, &o, &res);
    *signers = res.signers;
    *newest = res.newest;
    if (rc < 0) {
        char msg[1200];
        snprintf(msg, sizeof msg, "refused: %s", cli_lp_msg(ctx, rc));
        add_problem(st, rc, NULL, msg);
    }
    lp_trust_free(trust);
    return rc < 0 ? cli_exit_code(rc) : LP_EXIT_OK;
}

static void print_json(const verify_state *st, const char *problems,
                       size_t len, size_t entries, size_t objects, int ok,
                       const char *sigs, size_t sigs_len, int checked,
                       int64_t expires, int expired)
{
    char t[CLI_TIME_BYTES];

    fputs("{\"package\":", stdout);
    cli_json_str(stdout, st->pkg_path);
    printf(",\"ok\":%s,\"entries\":%zu,\"objects\":%zu,",
           ok ? "true" : "false", entries, objects);
    if (expires >= 0 && cli_format_time(t, expires) == 0)
        printf("\"expires\":\"%s\",", t);
    else
        fputs("\"expires\":null,", stdout);
    printf("\"expired\":%s,\"problems\":[", expired ? "true" : "false");
    fwrite(problems, 1, len, stdout);
    if (sigs != NULL) {
        fputs("],\"signatures\":[", stdout);
        fwrite(sigs, 1, sigs_len, stdout);
    }
    printf("],\"signatures_checked\":%s}\n", checked ? "true" : "false");
}

int cmd_verify(int argc, char **argv)
{
    cli_seen seen = { { 0 } };
    lp_verify_opts opts = LP_VERIFY_OPTS_INIT;
    cli_progress prog = CLI_PROGRESS_INIT;
    verify_state st = { NULL, NULL, 0, 0, LP_EXIT_OK, &prog };
    char *problems = NULL;
    size_t problems_len = 0;
    size_t entries = 0, objects = 0;
    lp_package *pkg = NULL;
    lp_ctx *ctx = NULL;
    uint64_t threads = 0;
    const char *trust_path = NULL, *state_dir = NULL;
    lp_state *state = NULL;
    int64_t now = -1, newest = -1, expires = -1;
    int strict_expiry = 0, expired = 0;
    sig_state ss = { NULL, NULL, 0, 0 };
    char *sigs = NULL;
    size_t sigs_len = 0;
    unsigned signers = 0;
    size_t nsigs = 0;
    int json = 0, quiet = 0;
    int status, rc;

    for (;;) {
        int c = cli_getopt(argc, argv, "qh", longopts, &seen);

        if (c == -1)
            break;
        switch (c) {
        case OPT_JSON:
            json = 1;
            break;
        case OPT_THREADS:
            if (cli_opt_u64("--threads", optarg, 0, 64, &threads) < 0)
                return cli_bad_usage(synopsis);
            break;
        case OPT_TRUST:
            trust_path = optarg;
            break;
        case OPT_STATE:
            state_dir = optarg;
            break;
        case OPT_STRICT_EXPIRY:
            strict_expiry = 1;
            break;
        case OPT_NOW:
            if (lp_time_parse(optarg, &now) < 0) {
                cli_error("invalid value '%s' for '--now': expected "
                          "YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ", optarg);
                return cli_bad_usage(synopsis);
            }
            break;
        case 'q':
            quiet = 1;
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
    {
        static const char *const operands[] = { "package", NULL };
        int bad = cli_operands(argc, argv, operands, synopsis);
        if (bad != LP_EXIT_OK)
            return bad;
    }
    if (state_dir != NULL && trust_path == NULL) {
        cli_error("'--state' needs '--trust': only signed releases are "
                  "recorded");
        return cli_bad_usage(synopsis);
    }
    st.pkg_path = argv[optind];

    if (json) {
        st.json = open_memstream(&problems, &problems_len);
        if (st.json == NULL) {
            cli_error("out of memory");
            return LP_EXIT_IO;
        }
    }

    rc = lp_ctx_new(&ctx, NULL);
    if (rc < 0) {
        ctx = NULL;
        add_problem(&st, rc, NULL, "cannot start liblp");
        goto done;
    }
    rc = lp_package_open(&pkg, ctx, st.pkg_path);
    if (rc < 0) {
        pkg = NULL;
        if (json) {
            add_problem(&st, rc, NULL, cli_lp_msg(ctx, rc));
        } else {
            cli_error("%s", cli_lp_msg(ctx, rc));
            st.nproblems++;
            st.other_status = cli_exit_code(rc);
            st.any_invalid = st.other_status == LP_EXIT_INVALID;
        }
        goto done;
    }
    entries = lp_package_entry_count(pkg);
    objects = lp_package_object_count(pkg);

    opts.threads = (unsigned)threads;
    opts.problem = on_problem;
    opts.user = &st;
    opts.progress = cli_progress_start(&prog, quiet);
    opts.progress_user = &prog;
    rc = lp_package_verify(pkg, &opts);
    cli_progress_end(&prog);
    /* A failure the callback did not hear about, e.g. out of memory. */
    if (rc < 0 && st.nproblems == 0)
        add_problem(&st, rc, NULL, cli_lp_msg(ctx, rc));
    if (trust_path != NULL) {
        ss.pkg_path = st.pkg_path;
        ss.quiet = quiet;
        if (json) {
            ss.json = open_memstream(&sigs, &sigs_len);
            if (ss.json == NULL) {
                add_problem(&st, LP_ENOMEM, NULL, "out of memory");
                goto done;
            }
        }
        if (state_dir != NULL) {
            rc = lp_state_open(&state, ctx, state_dir);
            if (rc < 0) {
                state = NULL;
                add_problem(&st, rc, NULL, cli_lp_msg(ctx, rc));
            }
        }
        if (state_dir == NULL || state != NULL)
            check_trust(&st, &ss, ctx, pkg, trust_path, state, now,
                        &signers, &newest);
        if (ss.json != NULL && fclose(ss.json) != 0)
            add_problem(&st, LP_ENOMEM, NULL, "out of memory");
        ss.json = NULL;
    } else {
        /* listed, and said to be unchecked */
        FILE *f = json ? open_memstream(&sigs, &sigs_len) : stdout;
        if (f == NULL) {
            add_problem(&st, LP_ENOMEM, NULL, "out of memory");
            goto done;
        }
        if (json || !quiet)
            rc = signatures_list(f, pkg, NULL, json, &nsigs);
        if (json && fclose(f) != 0)
            add_problem(&st, LP_ENOMEM, NULL, "out of memory");
    }
    /* the clock is never earlier than a signing time we trust */
    expires = lp_package_expires(pkg);
    rc = lp_package_check_expiry(pkg, now, lp_state_newest(state) > newest
                                 ? lp_state_newest(state) : newest);
    if (rc < 0) {
        expired = 1;
        if (strict_expiry) {
            char msg[1200];
            snprintf(msg, sizeof msg, "refused: %s", cli_lp_msg(ctx, rc));
            add_problem(&st, rc, NULL, msg);
        } else if (!json) {
            cli_error("warning: %s", cli_lp_msg(ctx, rc));
        }
    }
    /* everything passed: remember it, so older releases are refused */
    if (state != NULL && st.nproblems == 0) {
        rc = lp_state_record(state, pkg, newest);
        if (rc < 0)
            add_problem(&st, rc, NULL, cli_lp_msg(ctx, rc));
    }

done:
    /* A verdict beats a read error: a bad object makes the package bad. */
    if (st.nproblems == 0)
        status = LP_EXIT_OK;
    else if (st.any_invalid)
        status = LP_EXIT_INVALID;
    else
        status = st.other_status;

    if (json) {
        if (fclose(st.json) != 0) {
            cli_error("out of memory");
            free(problems);
            problems = NULL;
            problems_len = 0;
            status = LP_EXIT_IO;
        }
        print_json(&st, problems, problems_len, entries, objects,
                   status == LP_EXIT_OK, sigs, sigs_len, trust_path != NULL,
                   expires, expired);
        free(problems);
    } else if (status == LP_EXIT_OK && !quiet && trust_path != NULL) {
        printf("%s: OK (%zu entries, %zu objects verified; signed by %u "
               "trusted key%s)\n", cli_text(st.pkg_path), entries, objects,
               signers,
               signers == 1 ? "" : "s");
    } else if (status == LP_EXIT_OK && !quiet) {
        printf("%s: OK (%zu entries, %zu objects verified)\n",
               cli_text(st.pkg_path), entries, objects);
        if (nsigs > 0)
            printf("%s: %zu signature%s not checked: give --trust TRUST "
                   "to check %s\n", cli_text(st.pkg_path), nsigs,
                   nsigs == 1 ? "" : "s", nsigs == 1 ? "it" : "them");
        else
            printf("%s: not signed\n", cli_text(st.pkg_path));
    }
    free(sigs);
    lp_state_free(state);
    lp_package_free(pkg);
    lp_ctx_free(ctx);
    return cli_finish_stdout(status);
}
