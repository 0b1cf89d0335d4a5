/*
 * cmd_trust.c - lpack trust: write trust files (lp-trust(5)) by command
 * ("init", "add", "revoke", "check": no base64 copied by hand) and rotate
 * a hub's trust file (ROTATION): "trust sign" adds a signature to
 * NEW.minisig; "trust update" replaces the current trust file by NEW when
 * the current one's threshold of keys signed it.
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
    "lpack trust init TRUST --threshold N [--force] [-q]\n"
    "       lpack trust add TRUST KEY.pub --holder TEXT [--from DATE] "
    "[--until DATE] [-q]\n"
    "       lpack trust revoke TRUST KEYID|KEY.pub [--reason TEXT] [-q]\n"
    "       lpack trust check TRUST [--now TIME] [-q]\n"
    "       lpack trust sign NEW --secret KEY.key [--comment TEXT] "
    "[--passphrase-file F] [-q]\n"
    "       lpack trust update NEW --trust CURRENT [--state DIR] "
    "[--now TIME] [-q]";

static void usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "Write a trust file (lp-trust(5)): 'trust init' starts one "
               "with a\n"
               "threshold, 'trust add' adds a public key file with its "
               "holder,\n"
               "'trust revoke' revokes a key, 'trust check' says whether "
               "it is valid,\n"
               "who is in it and whether its threshold can be met now.  "
               "DATE and TIME\n"
               "are YYYY-MM-DD (00:00:00Z that day) or "
               "YYYY-MM-DDThh:mm:ssZ.\n"
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
               "options of 'trust init', 'add', 'revoke', 'check':\n"
               "  -t, --threshold N        keys that must sign (1 to 256)\n"
               "  -f, --force              replace an existing trust file\n"
               "      --holder TEXT        who holds the key (shown in "
               "every report)\n"
               "      --from DATE          the key is valid from DATE\n"
               "      --until DATE         the key is valid until DATE\n"
               "      --reason TEXT        why the key is revoked\n"
               "      --now TIME           check as of TIME (default: "
               "the clock)\n"
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

enum { OPT_PASSFILE = 256, OPT_TRUST, OPT_STATE, OPT_NOW, OPT_HOLDER,
       OPT_FROM, OPT_UNTIL, OPT_REASON };

static const struct option edit_opts[] = {
    { "threshold", required_argument, NULL, 't' },
    { "force", no_argument, NULL, 'f' },
    { "holder", required_argument, NULL, OPT_HOLDER },
    { "from", required_argument, NULL, OPT_FROM },
    { "until", required_argument, NULL, OPT_UNTIL },
    { "reason", required_argument, NULL, OPT_REASON },
    { "now", required_argument, NULL, OPT_NOW },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

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

/* What 'trust init/add/revoke/check' were given */
typedef struct edit_args {
    const char *verb;
    uint64_t threshold;     /* 0 if not given */
    int force, quiet;
    const char *holder, *reason;
    int64_t from, until, now;   /* -1 if not given */
} edit_args;

static int parse_time_opt(const char *name, const char *arg, int64_t *out)
{
    if (lp_time_parse(arg, out) == 0)
        return 0;
    cli_error("invalid value '%s' for '%s': expected YYYY-MM-DD or "
              "YYYY-MM-DDThh:mm:ssZ", arg, name);
    return -1;
}

/* Options valid for this verb only; an exit status */
static int parse_edit(edit_args *a, int argc, char **argv)
{
    static const struct { int opt; const char *name, *verbs; } only[] = {
        { 't', "--threshold", "init" }, { 'f', "--force", "init" },
        { OPT_HOLDER, "--holder", "add" }, { OPT_FROM, "--from", "add" },
        { OPT_UNTIL, "--until", "add" }, { OPT_REASON, "--reason", "revoke" },
        { OPT_NOW, "--now", "check" },
    };
    cli_seen seen = { { 0 } };

    for (;;) {
        int c = cli_getopt(argc, argv, "t:fqh", edit_opts, &seen);

        if (c == -1)
            break;
        for (size_t i = 0; i < sizeof(only) / sizeof(only[0]); i++)
            if (only[i].opt == c && strcmp(only[i].verbs, a->verb) != 0) {
                cli_error("option '%s' is for 'trust %s'", only[i].name,
                          only[i].verbs);
                return cli_bad_usage(synopsis);
            }
        switch (c) {
        case 't':
            if (cli_opt_u64("--threshold", optarg, 1, LP_TRUST_MAX_KEYS,
                            &a->threshold) < 0)
                return cli_bad_usage(synopsis);
            break;
        case 'f': a->force = 1; break;
        case OPT_HOLDER: a->holder = optarg; break;
        case OPT_REASON: a->reason = optarg; break;
        case OPT_FROM:
            if (parse_time_opt("--from", optarg, &a->from) < 0)
                return cli_bad_usage(synopsis);
            break;
        case OPT_UNTIL:
            if (parse_time_opt("--until", optarg, &a->until) < 0)
                return cli_bad_usage(synopsis);
            break;
        case OPT_NOW:
            if (parse_time_opt("--now", optarg, &a->now) < 0)
                return cli_bad_usage(synopsis);
            break;
        case 'q': a->quiet = 1; break;
        case 'h':
            usage(stdout);
            return cli_finish_stdout(LP_EXIT_OK);
        default:
            return cli_bad_usage(synopsis);
        }
    }
    return -1;  /* go on */
}

static void print_validity(int64_t from, int64_t until)
{
    char t[CLI_TIME_BYTES];

    if (from < 0 && until < 0) {
        fputs("valid at any time", stdout);
        return;
    }
    if (from >= 0 && cli_format_time(t, from) == 0)
        printf("from %s", t);
    if (until >= 0 && cli_format_time(t, until) == 0)
        printf("%suntil %s", from >= 0 ? " " : "", t);
}

/* List a (maybe draft) trust file; the keys that can sign at now */
static unsigned list_trust(const lp_trust *t, int64_t now)
{
    size_t nkeys = lp_trust_key_count(t);
    unsigned usable = 0;

    printf("threshold %u, %zu key%s\n", lp_trust_threshold(t), nkeys,
           nkeys == 1 ? "" : "s");
    for (size_t i = 0; i < nkeys; i++) {
        lp_trust_key_info k;
        const char *why = NULL;

        if (lp_trust_key(t, i, &k) < 0)
            continue;
        if (k.revoked)
            why = "revoked";
        else if (k.until >= 0 && now > k.until)
            why = "expired";
        else if (k.from >= 0 && now < k.from)
            why = "not valid yet";
        usable += why == NULL;
        printf("  key %s  %s  (", k.key_id, cli_text(k.holder));
        print_validity(k.from, k.until);
        printf(")%s%s\n", why ? ": " : "", why ? why : "");
    }
    for (size_t i = 0; i < lp_trust_revoked_count(t); i++) {
        const char *id = lp_trust_revoked_id(t, i);
        if (lp_trust_holder(t, id) == NULL)
            printf("  revoked %s\n", id);
    }
    if (lp_trust_resets_clock(t))
        puts("  reset-clock (applied when a hub accepts this file as an "
             "update)");
    return usable;
}

static int trust_check(lp_ctx *ctx, const char *path, const edit_args *a)
{
    lp_trust *t = NULL;
    int64_t now = a->now >= 0 ? a->now : (int64_t)time(NULL);
    char when[CLI_TIME_BYTES] = "?";
    unsigned usable, need;
    int rc, valid;

    rc = lp_trust_load(&t, ctx, path);
    valid = rc == 0;
    if (rc < 0) {
        /* say why, then what is in it if it reads as a draft */
        cli_error("%s", cli_lp_msg(ctx, rc));
        if (rc != LP_EFORMAT || lp_trust_load_draft(&t, ctx, path) < 0)
            return cli_exit_code(rc);
    }
    if (a->quiet && valid)
        rc = 0;
    if (!a->quiet)
        printf("%s: %s, ", cli_text(path), valid ? "valid" : "not valid");
    usable = a->quiet ? 0 : list_trust(t, now);
    if (a->quiet) {
        for (size_t i = 0; i < lp_trust_key_count(t); i++) {
            lp_trust_key_info k;
            if (lp_trust_key(t, i, &k) == 0 && !k.revoked &&
                !(k.until >= 0 && now > k.until) &&
                !(k.from >= 0 && now < k.from))
                usable++;
        }
    }
    need = lp_trust_threshold(t);
    cli_format_time(when, now);
    lp_trust_free(t);
    if (usable < need) {
        cli_error("%s: the threshold cannot be met at %s: %u key%s usable, "
                  "%u needed", cli_text(path), when, usable, usable == 1 ? "" : "s",
                  need);
        return LP_EXIT_INVALID;
    }
    if (!valid)
        return LP_EXIT_INVALID;
    if (!a->quiet)
        printf("%s: the threshold can be met at %s: %u key%s usable, %u "
               "needed\n", cli_text(path), when, usable, usable == 1 ? "" : "s",
               need);
    return cli_finish_stdout(LP_EXIT_OK);
}

/* KEYID, or the id of the public key file KEY.pub */
static int revoke_id(lp_ctx *ctx, const char *arg, char *id)
{
    size_t n = strlen(arg);
    lp_key *k = NULL;
    int rc;

    if (n == LP_KEYID_HEX_BYTES && strspn(arg, "0123456789abcdefABCDEF") ==
        n) {
        memcpy(id, arg, n + 1);
        return 0;
    }
    rc = lp_key_load_public(&k, ctx, arg);
    if (rc < 0) {
        cli_error("'%s' is neither a key id (16 hex digits) nor a public "
                  "key file: %s", cli_text(arg), cli_lp_msg(ctx, rc));
        return cli_exit_code(rc);
    }
    memcpy(id, lp_key_id(k), LP_KEYID_HEX_BYTES + 1);
    lp_key_free(k);
    return 0;
}

static int trust_edit(const char *verb, int argc, char **argv)
{
    static const char *const one[] = { "trust file", NULL };
    static const char *const two_add[] = { "trust file", "public key",
                                           NULL };
    static const char *const two_rev[] = { "trust file", "key id", NULL };
    edit_args a = { verb, 0, 0, 0, NULL, NULL, -1, -1, -1 };
    char id[LP_KEYID_HEX_BYTES + 1];
    lp_ctx *ctx = NULL;
    lp_key *key = NULL;
    const char *path;
    int status, rc = 0;

    status = parse_edit(&a, argc, argv);
    if (status >= 0)
        return status;
    status = cli_operands(argc, argv, strcmp(verb, "add") == 0 ? two_add :
                          strcmp(verb, "revoke") == 0 ? two_rev : one,
                          synopsis);
    if (status != LP_EXIT_OK)
        return status;
    if (strcmp(verb, "init") == 0 && a.threshold == 0) {
        cli_error("missing option '--threshold'");
        return cli_bad_usage(synopsis);
    }
    if (strcmp(verb, "add") == 0 && a.holder == NULL) {
        cli_error("missing option '--holder' (who holds the key: a name "
                  "or an office)");
        return cli_bad_usage(synopsis);
    }
    path = argv[optind];
    rc = lp_ctx_new(&ctx, NULL);
    if (rc < 0) {
        cli_error("cannot start liblp: %s", lp_strerror(rc));
        return LP_EXIT_IO;
    }
    if (strcmp(verb, "check") == 0) {
        status = trust_check(ctx, path, &a);
        lp_ctx_free(ctx);
        return status;
    }
    if (strcmp(verb, "init") == 0) {
        rc = lp_trust_file_init(ctx, path, (unsigned)a.threshold,
                                a.force ? LP_KEY_REPLACE : 0);
    } else if (strcmp(verb, "add") == 0) {
        rc = lp_key_load_public(&key, ctx, argv[optind + 1]);
        if (rc == 0)
            rc = lp_trust_file_add_key(ctx, path, key, a.holder, a.from,
                                       a.until);
    } else {
        status = revoke_id(ctx, argv[optind + 1], id);
        if (status != LP_EXIT_OK)
            goto done;
        rc = lp_trust_file_revoke(ctx, path, id, a.reason);
    }
    if (rc < 0) {
        cli_error("%s%s", cli_lp_msg(ctx, rc), rc == LP_EEXIST &&
                  strcmp(verb, "init") == 0 ? " (use --force to replace "
                  "it)" : "");
        status = rc == LP_EEXIST && strcmp(verb, "init") != 0
                 ? LP_EXIT_INVALID : cli_exit_code(rc);
        goto done;
    }
    if (!a.quiet && strcmp(verb, "init") == 0)
        printf("%s: new trust file, threshold %u (add keys with 'lpack "
               "trust add')\n", cli_text(path), (unsigned)a.threshold);
    else if (!a.quiet && strcmp(verb, "add") == 0)
        printf("%s: added key %s (%s)\n", cli_text(path), lp_key_id(key),
               cli_text(a.holder));
    else if (!a.quiet)
        printf("%s: revoked key %s\n", cli_text(path), id);
    status = cli_finish_stdout(LP_EXIT_OK);
done:
    lp_key_free(key);
    lp_ctx_free(ctx);
    return status;
}

int cmd_trust(int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : NULL;

    if (verb == NULL) {
        cli_error("missing 'init', 'add', 'revoke', 'check', 'sign' or "
                  "'update'");
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
    if (strcmp(verb, "init") == 0 || strcmp(verb, "add") == 0 ||
        strcmp(verb, "revoke") == 0 || strcmp(verb, "check") == 0)
        return trust_edit(verb, argc - 1, argv + 1);
    cli_error("unknown 'trust' command '%s' (expected 'init', 'add', "
              "'revoke', 'check', 'sign' or 'update')", verb);
    return cli_bad_usage(synopsis);
}
