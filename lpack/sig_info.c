/*
 * sig_info.c - what a signer signs and what a package's signatures say,
 * printed for people: lpack sign-manifest, info and verify share it.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "lpack/lpack.h"

void manifest_info_text(FILE *f, const lp_manifest_info *mi)
{
    char t[CLI_TIME_BYTES];

    fprintf(f, "id: %s\n", cli_text(mi->id));
    fprintf(f, "version: %" PRIu64 "\n", mi->version);
    fprintf(f, "label: %s\n", cli_text(mi->label));
    fputs("languages:", f);
    for (const char *l = mi->languages; *l; l += strcspn(l, ",")) {
        l += *l == ',';
        size_t n = strcspn(l, ",");
        char tag[64];

        snprintf(tag, sizeof(tag), "%.*s", (int)(n < 63 ? n : 63), l);
        fprintf(f, " %s", cli_text(tag));
    }
    fputc('\n', f);
    if (cli_format_time(t, mi->created) == 0)
        fprintf(f, "created: %s\n", t);
    if (mi->expires >= 0 && cli_format_time(t, mi->expires) == 0)
        fprintf(f, "expires: %s\n", t);
    else
        fputs("expires: never\n", f);
    fprintf(f, "entries: %zu\n", mi->entries);
    fprintf(f, "objects: %zu\n", mi->objects);
    fprintf(f, "content: %" PRIu64 " bytes\n", mi->content_bytes);
    fprintf(f, "manifest: blake2b-256 %s\n", mi->hash);
}

void manifest_info_json(FILE *f, const lp_manifest_info *mi)
{
    char t[CLI_TIME_BYTES];

    fputs("{\"id\":", f);
    cli_json_str(f, mi->id);
    fprintf(f, ",\"version\":%" PRIu64 ",\"label\":", mi->version);
    cli_json_str(f, mi->label);
    fputs(",\"languages\":", f);
    cli_json_str(f, mi->languages);
    if (cli_format_time(t, mi->created) == 0)
        fprintf(f, ",\"created\":\"%s\"", t);
    if (mi->expires >= 0 && cli_format_time(t, mi->expires) == 0)
        fprintf(f, ",\"expires\":\"%s\"", t);
    else
        fputs(",\"expires\":null", f);
    fprintf(f, ",\"entries\":%zu,\"objects\":%zu,\"content_bytes\":%" PRIu64
            ",\"manifest_blake2b\":\"%s\"}\n", mi->entries, mi->objects,
            mi->content_bytes, mi->hash);
}

int manifest_read(const char *path, unsigned char **out, size_t *len)
{
    const char *why;
    int fd = cli_open_regular(path, &why);
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;

    *out = NULL;
    *len = 0;
    if (!f) {
        cli_error("cannot open '%s': %s", path, fd < 0 ? why :
                  strerror(errno));
        if (fd >= 0)
            close(fd);
        return LP_EXIT_IO;
    }
    for (;;) {
        size_t k;
        if (n == cap) {
            unsigned char *nb;
            if (cap > LP_MAX_MANIFEST_BYTES) {
                cli_error("'%s' is larger than a manifest may be", path);
                free(buf);
                fclose(f);
                return LP_EXIT_INVALID;
            }
            cap = cap ? cap * 2 : 65536;
            nb = realloc(buf, cap);
            if (!nb) {
                cli_error("out of memory");
                free(buf);
                fclose(f);
                return LP_EXIT_IO;
            }
            buf = nb;
        }
        k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
    }
    if (ferror(f)) {
        cli_error("cannot read '%s': %s", path, strerror(errno));
        free(buf);
        fclose(f);
        return LP_EXIT_IO;
    }
    fclose(f);
    if (n >= 4 && memcmp(buf, "PK\3\4", 4) == 0) {
        cli_error("'%s' is a package, not a manifest; run 'lpack manifest "
                  "%s -o FILE' first, or 'lpack sign %s'", path, path, path);
        free(buf);
        return LP_EXIT_USAGE;
    }
    *out = buf;
    *len = n;
    return LP_EXIT_OK;
}

typedef struct list_state {
    FILE *f;
    const lp_trust *trust;
    int json;
    size_t n;
} list_state;

static void on_sig(const lp_sig_entry *e, void *user)
{
    list_state *ls = user;
    const char *holder = lp_trust_holder(ls->trust, e->key_id);
    char t[CLI_TIME_BYTES] = "?";

    if (e->time >= 0)
        cli_format_time(t, e->time);
    if (ls->json) {
        fputs(ls->n == 0 ? "{\"entry\":" : ",{\"entry\":", ls->f);
        cli_json_str(ls->f, e->entry);
        fputs(",\"key\":", ls->f);
        cli_json_str(ls->f, e->key_id);
        fputs(",\"time\":", ls->f);
        cli_json_str(ls->f, e->time >= 0 ? t : NULL);
        fputs(",\"comment\":", ls->f);
        cli_json_str(ls->f, e->comment);
        fputs(",\"holder\":", ls->f);
        cli_json_str(ls->f, holder);
        fputs(",\"error\":", ls->f);
        cli_json_str(ls->f, e->code ? e->message : NULL);
        fputc('}', ls->f);
    } else if (e->code != 0) {
        fprintf(ls->f, "signature: %s: unreadable: %s\n", cli_text(e->entry),
                cli_text(e->message));
    } else {
        fprintf(ls->f, "signature: key %s%s%s%s, signed %s%s%s\n",
                e->key_id, holder ? " (" : "", holder ? cli_text(holder) : "",
                holder ? ")" : "", t, e->comment ? ", comment: " : "",
                e->comment ? cli_text(e->comment) : "");
    }
    ls->n++;
}

int signatures_list(FILE *f, lp_package *pkg, const lp_trust *trust,
                    int json, size_t *count)
{
    list_state ls = { f, trust, json, 0 };
    int rc = lp_package_list_signatures(pkg, on_sig, &ls);

    *count = ls.n;
    return rc;
}
