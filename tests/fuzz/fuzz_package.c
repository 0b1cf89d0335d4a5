/*
 * fuzz_package.c - a whole package from arbitrary bytes: open, list, read
 * every entry (streaming, and by ranges through a second handle), verify,
 * extract.  Only the public API is used.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "lp.h"
#include "fuzz.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int rm_one(const char *path, const struct stat *st, int type,
                  struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

static unsigned long runs_ok;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char dir[] = "/tmp/lp-fuzz-XXXXXX";
    char file[sizeof(dir) + 16], out[sizeof(dir) + 16];
    unsigned char buf[4096];
    lp_ctx *ctx;
    lp_package *p;
    FILE *f;

    if (!mkdtemp(dir))
        return 0;
    snprintf(file, sizeof(file), "%s/p.lpk", dir);
    snprintf(out, sizeof(out), "%s/out", dir);
    f = fopen(file, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    if (lp_ctx_new(&ctx, NULL) < 0)
        abort();
    if (lp_package_open(&p, ctx, file) == 0) {
        lp_verify_opts vo = LP_VERIFY_OPTS_INIT;
        size_t n = lp_package_entry_count(p);
        lp_package *q;

        /* ranges, through another handle: before and across chunk
         * boundaries, at the end, past it; never more than asked */
        if (lp_package_share(&q, p, ctx) != 0)
            abort();
        for (size_t i = 0; i < n; i++) {
            lp_entry_info info;
            const uint64_t cs = 65536;
            uint64_t offs[6], off;
            size_t got;

            if (lp_package_entry(q, i, &info) != 0)
                abort();
            offs[0] = 0;
            offs[1] = cs - 10;
            offs[2] = info.size / 2;
            offs[3] = info.size ? info.size - 1 : 0;
            offs[4] = info.size + 1;
            offs[5] = 3 * cs + 7;
            for (size_t k = 0; k < 6; k++)
                if (lp_entry_read_at(q, i, offs[k], buf, sizeof(buf),
                                     &got) == 0 &&
                    (got > sizeof(buf) || (got && offs[k] + got > info.size)))
                    abort();
            if (lp_entry_data_offset(q, i, &off) == 0 &&
                (info.compressed || off + info.size > size))
                abort();
        }
        lp_package_free(q);

        for (size_t i = 0; i < n; i++) {
            lp_entry_info info;
            lp_entry *e;
            size_t got, total = 0;

            if (lp_package_entry(p, i, &info) != 0)
                abort();
            if (lp_entry_open(&e, p, i) != 0)
                continue;
            /* a bomb must stop at the size in the manifest */
            while (lp_entry_read(e, buf, sizeof(buf), &got) == 0 && got > 0)
                if ((total += got) > info.size)
                    abort();
            lp_entry_free(e);
        }
        vo.threads = 1;
        /* results do not matter here, only that nothing breaks */
        if (lp_package_verify(p, &vo) == 0 &&
            lp_package_extract(p, out) == 0)
            runs_ok++;
        lp_package_free(p);
    }
    lp_ctx_free(ctx);
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
