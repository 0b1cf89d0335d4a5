/*
 * cmd_info.c - lpack info: a package's identity and sizes
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
#include "lpack/lpack.h"

static const char synopsis[] =
    "lpack info PKG|DELTA|MANIFEST [--trust TRUST] [--json]";

static void usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "Show the identity and sizes of the package PKG, or what the "
               "delta DELTA\n"
               "(lpd(5)) does: its base and target, what it keeps, patches, "
               "adds and\n"
               "drops, and the disk and memory apply needs, or what a "
               "manifest file\n"
               "(lpack manifest) says.  A package's signatures are listed "
               "(key id,\n"
               "signing time, comment) but not checked: 'lpack verify "
               "--trust' does.\n"
               "\n"
               "options:\n"
               "      --trust TRUST  name the signers as the trust file "
               "TRUST does\n"
               "      --json         print one JSON object instead of "
               "text\n"
               "  -h, --help         show this help and exit\n", synopsis);
}

enum { OPT_JSON = 256, OPT_TRUST };

static const struct option longopts[] = {
    { "json", no_argument, NULL, OPT_JSON },
    { "trust", required_argument, NULL, OPT_TRUST },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

/* Sum of the entries' sizes: at most 2^18 * 2^36, no overflow. */
static uint64_t content_bytes(const lp_package *pkg)
{
    size_t n = lp_package_entry_count(pkg);
    uint64_t sum = 0;

    for (size_t i = 0; i < n; i++) {
        lp_entry_info info;

        if (lp_package_entry(pkg, i, &info) == 0)
            sum += info.size;
    }
    return sum;
}

/* The manifest's hash, as sign-manifest shows it to the signer */
static void print_hash(const lp_package *pkg)
{
    lp_ctx *ctx;
    lp_manifest *mf = NULL;
    size_t len = 0;
    const unsigned char *m = lp_package_manifest(pkg, &len);

    if (lp_ctx_new(&ctx, NULL) < 0)
        return;
    if (lp_manifest_open(&mf, ctx, m, len) == 0)
        printf("manifest: blake2b-256 %s\n", lp_manifest_get_info(mf)->hash);
    lp_manifest_free(mf);
    lp_ctx_free(ctx);
}

static void print_text(const lp_package *pkg, const char *created)
{
    size_t nlang = lp_package_language_count(pkg);

    printf("id: %s\n", cli_text(lp_package_id(pkg)));
    printf("version: %" PRIu64 "\n", lp_package_version(pkg));
    printf("label: %s\n", cli_text(lp_package_label(pkg)));
    fputs("languages:", stdout);
    for (size_t i = 0; i < nlang; i++)
        printf(" %s", cli_text(lp_package_language(pkg, i)));
    putchar('\n');
    printf("created: %s\n", created);
    if (lp_package_expires(pkg) >= 0) {
        char t[CLI_TIME_BYTES];
        cli_format_time(t, lp_package_expires(pkg));
        printf("expires: %s\n", t);
    }
    if (lp_package_profile(pkg))
        printf("profile: %s\n", lp_package_profile(pkg));
    printf("format: %u\n", lp_package_format(pkg));
    printf("entries: %zu\n", lp_package_entry_count(pkg));
    printf("objects: %zu\n", lp_package_object_count(pkg));
    printf("content: %" PRIu64 " bytes\n", content_bytes(pkg));
    printf("file: %" PRIu64 " bytes\n", lp_package_file_size(pkg));
    print_hash(pkg);
}

static void print_json(lp_package *pkg, const char *created,
                       const lp_trust *trust)
{
    size_t nsigs = 0;

    size_t nlang = lp_package_language_count(pkg);
    char hash[LP_HASH_HEX_BYTES + 1];

    printf("{\"format\":%u,\"id\":", lp_package_format(pkg));
    cli_json_str(stdout, lp_package_id(pkg));
    printf(",\"version\":%" PRIu64 ",\"label\":", lp_package_version(pkg));
    cli_json_str(stdout, lp_package_label(pkg));
    fputs(",\"languages\":[", stdout);
    for (size_t i = 0; i < nlang; i++) {
        if (i > 0)
            putchar(',');
        cli_json_str(stdout, lp_package_language(pkg, i));
    }
    fputs("],\"created\":", stdout);
    cli_json_str(stdout, created);
    printf(",\"created_unix\":%" PRId64, lp_package_created(pkg));
    if (lp_package_expires(pkg) >= 0) {
        char t[CLI_TIME_BYTES];
        cli_format_time(t, lp_package_expires(pkg));
        printf(",\"expires\":\"%s\"", t);
    } else {
        fputs(",\"expires\":null", stdout);
    }
    fputs(",\"profile\":", stdout);
    if (lp_package_profile(pkg))
        cli_json_str(stdout, lp_package_profile(pkg));
    else
        fputs("null", stdout);
    printf(",\"entries\":%zu,\"objects\":%zu", lp_package_entry_count(pkg),
           lp_package_object_count(pkg));
    lp_package_manifest_hash(pkg, hash);
    printf(",\"content_bytes\":%" PRIu64 ",\"file_bytes\":%" PRIu64
           ",\"manifest\":\"%s\"", content_bytes(pkg),
           lp_package_file_size(pkg), hash);
    fputs(",\"signatures\":[", stdout);
    (void)signatures_list(stdout, pkg, trust, 1, &nsigs);
    puts("],\"signatures_checked\":false}");
}

/* Whether path starts like a delta or a manifest file (a package is
 * read as one otherwise) */
static bool is_delta(const char *path, bool *manifest)
{
    unsigned char head[16];
    const char *why;
    int fd = cli_open_regular(path, &why);
    ssize_t n = fd >= 0 ? read(fd, head, sizeof(head)) : 0;

    /* a file that cannot be read is refused by lp_package_open(), which
     * says why */
    if (fd >= 0)
        close(fd);
    *manifest = n >= 13 && memcmp(head, "lpk-manifest ", 13) == 0;
    return n > 0 && lp_delta_sniff(head, (size_t)n);
}

static int manifest_info(const char *path, bool json)
{
    unsigned char *m = NULL;
    size_t len = 0;
    lp_manifest *mf = NULL;
    lp_ctx *ctx;
    int status, rc;

    status = manifest_read(path, &m, &len);
    if (status != LP_EXIT_OK)
        return status;
    if (lp_ctx_new(&ctx, NULL) < 0) {
        cli_error("out of memory");
        free(m);
        return LP_EXIT_IO;
    }
    rc = lp_manifest_open(&mf, ctx, m, len);
    free(m);
    if (rc < 0) {
        cli_error("%s: %s", path, cli_lp_msg(ctx, rc));
        lp_ctx_free(ctx);
        return cli_exit_code(rc);
    }
    if (json)
        manifest_info_json(stdout, lp_manifest_get_info(mf));
    else
        manifest_info_text(stdout, lp_manifest_get_info(mf));
    lp_manifest_free(mf);
    lp_ctx_free(ctx);
    return cli_finish_stdout(LP_EXIT_OK);
}

static int delta_info(const char *path, bool json)
{
    lp_ctx *ctx;
    lp_delta *d;
    int rc;

    if (lp_ctx_new(&ctx, NULL) < 0) {
        cli_error("out of memory");
        return LP_EXIT_IO;
    }
    rc = lp_delta_open(&d, ctx, path);
    if (rc < 0) {
        cli_error("%s", cli_lp_msg(ctx, rc));
        lp_ctx_free(ctx);
        return cli_exit_code(rc);
    }
    if (json)
        delta_info_json(stdout, path, lp_delta_get_info(d));
    else
        delta_info_text(stdout, lp_delta_get_info(d));
    lp_delta_free(d);
    lp_ctx_free(ctx);
    return cli_finish_stdout(LP_EXIT_OK);
}

int cmd_info(int argc, char **argv)
{
    cli_seen seen = { { 0 } };
    char created[CLI_TIME_BYTES];
    const char *path, *trust_path = NULL;
    lp_package *pkg;
    lp_trust *trust = NULL;
    lp_ctx *ctx;
    bool manifest = false;
    size_t nsigs = 0;
    int json = 0;
    int status, rc;

    for (;;) {
        int c = cli_getopt(argc, argv, "h", longopts, &seen);

        if (c == -1)
            break;
        switch (c) {
        case OPT_JSON:
            json = 1;
            break;
        case OPT_TRUST:
            trust_path = optarg;
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
    path = argv[optind];
    if (is_delta(path, &manifest))
        return delta_info(path, json);
    if (manifest)
        return manifest_info(path, json);

    status = cli_package_open(&ctx, &pkg, path);
    if (status != LP_EXIT_OK)
        return status;
    if (trust_path != NULL) {
        rc = lp_trust_load(&trust, ctx, trust_path);
        if (rc < 0) {
            cli_error("%s", cli_lp_msg(ctx, rc));
            lp_package_free(pkg);
            lp_ctx_free(ctx);
            return cli_exit_code(rc);
        }
    }
    cli_format_time(created, lp_package_created(pkg));
    if (json) {
        print_json(pkg, created, trust);
    } else {
        print_text(pkg, created);
        rc = signatures_list(stdout, pkg, trust, 0, &nsigs);
        if (rc == 0)
            printf("signatures: %zu (not checked: lpack verify --trust "
                   "checks them)\n", nsigs);
    }
    lp_trust_free(trust);
    lp_package_free(pkg);
    lp_ctx_free(ctx);
    return cli_finish_stdout(LP_EXIT_OK);
}
