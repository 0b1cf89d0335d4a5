/*
 * cmd_ls.c - lpack ls: list the entries of a package
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "lpack/lpack.h"

static const char synopsis[] = "lpack ls PKG [-l | --json]";

static void usage(FILE *f)
{
    fprintf(f, "usage: %s\n"
               "\n"
               "List the logical paths of the package PKG, one per line, "
               "sorted.\n"
               "\n"
               "options:\n"
               "  -l, --long  print SIZE, MEDIA_TYPE, HASH and PATH, "
               "tab-separated\n"
               "      --json  print a JSON array of objects with path, "
               "size,\n"
               "              media_type, hash, stored_size and compressed\n"
               "  -h, --help  show this help and exit\n", synopsis);
}

enum { OPT_JSON = 256 };

static const struct option longopts[] = {
    { "long", no_argument, NULL, 'l' },
    { "json", no_argument, NULL, OPT_JSON },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static void print_entry(const lp_entry_info *e, int lng, int json, size_t i)
{
    if (json) {
        fputs(i == 0 ? "\n{\"path\":" : ",\n{\"path\":", stdout);
        cli_json_str(stdout, e->path);
        printf(",\"size\":%" PRIu64 ",\"media_type\":", e->size);
        cli_json_str(stdout, e->media_type);
        printf(",\"hash\":\"%s\",\"stored_size\":%" PRIu64
               ",\"compressed\":%s}", e->hash_hex, e->stored_size,
               e->compressed ? "true" : "false");
    } else if (lng) {
        printf("%" PRIu64 "\t%s\t%s\t%s\n", e->size,
               cli_text(e->media_type), e->hash_hex, cli_text(e->path));
    } else {
        printf("%s\n", cli_text(e->path));
    }
}

int cmd_ls(int argc, char **argv)
{
    cli_seen seen = { { 0 } };
    lp_package *pkg;
    lp_ctx *ctx;
    int lng = 0, json = 0;
    int status = LP_EXIT_OK;
    size_t n;

    for (;;) {
        int c = cli_getopt(argc, argv, "lh", longopts, &seen);

        if (c == -1)
            break;
        switch (c) {
        case 'l':
            lng = 1;
            break;
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
    if (lng && json) {
        cli_error("options '--long' and '--json' cannot be combined");
        return cli_bad_usage(synopsis);
    }
    {
        static const char *const operands[] = { "package", NULL };
        int bad = cli_operands(argc, argv, operands, synopsis);
        if (bad != LP_EXIT_OK)
            return bad;
    }

    status = cli_package_open(&ctx, &pkg, argv[optind]);
    if (status != LP_EXIT_OK)
        return status;
    n = lp_package_entry_count(pkg);
    if (json)
        putchar('[');
    for (size_t i = 0; i < n; i++) {
        lp_entry_info e;
        int rc = lp_package_entry(pkg, i, &e);

        if (rc < 0) { /* cannot happen for i < count; don't print junk */
            cli_error("cannot read entry %zu of '%s': %s", i, argv[optind],
                      cli_lp_msg(ctx, rc));
            status = LP_EXIT_IO;
            break;
        }
        print_entry(&e, lng, json, i);
        /* Stop early when nobody reads any more (e.g. "| head"). */
        if (ferror(stdout))
            break;
    }
    if (json)
        fputs(n > 0 ? "\n]\n" : "]\n", stdout);
    lp_package_free(pkg);
    lp_ctx_free(ctx);
    return cli_finish_stdout(status);
}
