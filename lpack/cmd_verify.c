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
#include "lpack/lpack.h"

static const char synopsis[] =
    "lpack verify PKG [--json] [--threads N] [-q]";

static void usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "Check every object of the package PKG against the "
               "manifest:\n"
               "read it in full, decompress it, compare size and hash.  "
               "Every\n"
               "problem is reported, not only the first.\n"
               "\n"
               "options:\n"
               "      --json       print one JSON object with the verdict "
               "and\n"
               "                   the problems (on stdout)\n"
               "      --threads N  check with N threads, 0..64 "
               "(default 0: one per CPU)\n"
               "  -q, --quiet      print nothing when the package is good\n"
               "  -h, --help       show this help and exit\n", synopsis);
}

enum { OPT_JSON = 256, OPT_THREADS };

static const struct option longopts[] = {
    { "json", no_argument, NULL, OPT_JSON },
    { "threads", required_argument, NULL, OPT_THREADS },
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
    add_problem(user, p->code, p->path, p->message);
}

static void print_json(const verify_state *st, const char *problems,
                       size_t len, size_t entries, size_t objects, int ok)
{
    fputs("{\"package\":", stdout);
    cli_json_str(stdout, st->pkg_path);
    printf(",\"ok\":%s,\"entries\":%zu,\"objects\":%zu,\"problems\":[",
           ok ? "true" : "false", entries, objects);
    fwrite(problems, 1, len, stdout);
    fputs("]}\n", stdout);
}

int cmd_verify(int argc, char **argv)
{
    cli_seen seen = { { 0 } };
    lp_verify_opts opts = LP_VERIFY_OPTS_INIT;
    verify_state st = { NULL, NULL, 0, 0, LP_EXIT_OK };
    char *problems = NULL;
    size_t problems_len = 0;
    size_t entries = 0, objects = 0;
    lp_package *pkg = NULL;
    lp_ctx *ctx = NULL;
    uint64_t threads = 0;
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
    {
        static const char *const operands[] = { "package", NULL };
        int bad = cli_operands(argc, argv, operands, synopsis);
        if (bad != LP_EXIT_OK)
            return bad;
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
    rc = lp_package_verify(pkg, &opts);
    /* A failure the callback did not hear about, e.g. out of memory. */
    if (rc < 0 && st.nproblems == 0)
        add_problem(&st, rc, NULL, cli_lp_msg(ctx, rc));

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
                   status == LP_EXIT_OK);
        free(problems);
    } else if (status == LP_EXIT_OK && !quiet) {
        printf("%s: OK (%zu entries, %zu objects verified)\n", st.pkg_path,
               entries, objects);
    }
    lp_package_free(pkg);
    lp_ctx_free(ctx);
    return cli_finish_stdout(status);
}
