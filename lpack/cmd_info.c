/*
 * cmd_info.c - lpack info: a package's identity and sizes
 */
#include <config.h>

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "lpack/lpack.h"

static const char synopsis[] = "lpack info PKG|DELTA [--json]";

static void usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "Show the identity and sizes of the package PKG, or what the "
               "delta DELTA\n"
               "(lpd(5)) does: its base and target, what it keeps, patches, "
               "adds and\n"
               "drops, and the disk and memory apply needs.\n"
               "\n"
               "options:\n"
               "      --json  print one JSON object instead of text\n"
               "  -h, --help  show this help and exit\n", synopsis);
}

enum { OPT_JSON = 256 };

static const struct option longopts[] = {
    { "json", no_argument, NULL, OPT_JSON },
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
    printf("format: %u\n", lp_package_format(pkg));
    printf("entries: %zu\n", lp_package_entry_count(pkg));
    printf("objects: %zu\n", lp_package_object_count(pkg));
    printf("content: %" PRIu64 " bytes\n", content_bytes(pkg));
    printf("file: %" PRIu64 " bytes\n", lp_package_file_size(pkg));
}

static void print_json(const lp_package *pkg, const char *created)
{
    size_t nlang = lp_package_language_count(pkg);

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
    printf(",\"entries\":%zu,\"objects\":%zu", lp_package_entry_count(pkg),
           lp_package_object_count(pkg));
    printf(",\"content_bytes\":%" PRIu64 ",\"file_bytes\":%" PRIu64 "}\n",
           content_bytes(pkg), lp_package_file_size(pkg));
}

/* Whether path starts like a delta (a package is read as one otherwise) */
static bool is_delta(const char *path)
{
    unsigned char head[16];
    const char *why;
    int fd = cli_open_regular(path, &why);
    ssize_t n = fd >= 0 ? read(fd, head, sizeof(head)) : 0;

    /* a file that cannot be read is refused by lp_package_open(), which
     * says why */
    if (fd >= 0)
        close(fd);
    return n > 0 && lp_delta_sniff(head, (size_t)n);
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
    const char *path;
    lp_package *pkg;
    lp_ctx *ctx;
    int json = 0;
    int status;

    for (;;) {
        int c = cli_getopt(argc, argv, "h", longopts, &seen);

        if (c == -1)
            break;
        switch (c) {
        case OPT_JSON:
            json = 1;
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
    if (is_delta(path))
        return delta_info(path, json);

    status = cli_package_open(&ctx, &pkg, path);
    if (status != LP_EXIT_OK)
        return status;
    cli_format_time(created, lp_package_created(pkg));
    if (json)
        print_json(pkg, created);
    else
        print_text(pkg, created);
    lp_package_free(pkg);
    lp_ctx_free(ctx);
    return cli_finish_stdout(LP_EXIT_OK);
}
