/*
 * pkgread.c - what bench/runtime.sh times: opening a package, and reading
 * a range of one entry, through liblp's public API.  Each figure is the
 * median of N runs, as wall and CPU time (the CPU time shows what the
 * library costs when the machine is shared).  Not part of make check.
 *
 *   pkgread open PKG N              open and free PKG N times
 *   pkgread range PKG PATH LEN N    lp_entry_read_at: LEN bytes ending at
 *                                   the end of PATH's content, N times
 *   pkgread stream PKG PATH LEN     the same bytes the way a reader without
 *                                   ranges gets them: lp_entry_read from
 *                                   the start to the end (once)
 *   pkgread share PKG N             lp_package_share + lp_package_free
 *
 * Output: key=value lines (open_wall_ms=..., open_cpu_ms=...).
 */
#define _POSIX_C_SOURCE 200809L
#include <lp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clock_ms(clockid_t id)
{
    struct timespec t;

    clock_gettime(id, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(lp_ctx *ctx, const char *what)
{
    fprintf(stderr, "pkgread: %s: %s\n", what, ctx ? lp_ctx_errmsg(ctx) : "");
    exit(1);
}

int main(int argc, char **argv)
{
    lp_ctx *ctx;
    lp_package *p;
    double wall[1000], cpu[1000];
    int n = 0;

    if (argc < 4 || lp_ctx_new(&ctx, NULL) < 0) {
        fprintf(stderr, "usage: pkgread open|share|range|stream PKG ...\n");
        return 2;
    }
    if (strcmp(argv[1], "open") == 0 || strcmp(argv[1], "share") == 0) {
        int share = argv[1][0] == 's';
        lp_package *q;

        n = atoi(argv[3]);
        if (n < 1 || n > 1000)
            return 2;
        if (share && lp_package_open(&p, ctx, argv[2]) < 0)
            die(ctx, "open");
        for (int i = 0; i < n; i++) {
            double w0 = clock_ms(CLOCK_MONOTONIC);
            double c0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);

            if (share ? lp_package_share(&q, p, ctx) < 0
                      : lp_package_open(&q, ctx, argv[2]) < 0)
                die(ctx, argv[1]);
            lp_package_free(q);
            wall[i] = clock_ms(CLOCK_MONOTONIC) - w0;
            cpu[i] = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
        }
        if (share)
            lp_package_free(p);
        printf("%s_wall_ms=%.3f\n%s_cpu_ms=%.3f\n", argv[1],
               median(wall, n), argv[1], median(cpu, n));
    } else if ((strcmp(argv[1], "range") == 0 && argc == 6) ||
               (strcmp(argv[1], "stream") == 0 && argc == 5)) {
        size_t i, len = (size_t)strtoull(argv[4], NULL, 10), got;
        lp_entry_info info;
        unsigned char *buf = malloc(len ? len : 1);
        uint64_t off;

        n = argc == 6 ? atoi(argv[5]) : 1;
        if (!buf || n < 1 || n > 1000)
            return 2;
        if (lp_package_open(&p, ctx, argv[2]) < 0 ||
            lp_package_find(p, argv[3], &i) < 0 ||
            lp_package_entry(p, i, &info) < 0)
            die(ctx, "open");
        if (info.size < len)
            len = (size_t)info.size;
        off = info.size - len;
        for (int k = 0; k < n; k++) {
            double w0 = clock_ms(CLOCK_MONOTONIC);
            double c0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);

            if (argc == 6) {
                if (lp_entry_read_at(p, i, off, buf, len, &got) < 0 ||
                    got != len)
                    die(ctx, "read_at");
            } else {
                lp_entry *e;
                uint64_t at = 0;

                if (lp_entry_open(&e, p, i) < 0)
                    die(ctx, "entry");
                do {
                    /* up to the range, then the range itself */
                    size_t want = at < off && off - at < len
                                  ? (size_t)(off - at) : len;
                    if (lp_entry_read(e, buf, want, &got) < 0)
                        die(ctx, "read");
                    at += got;
                } while (got > 0);
                lp_entry_free(e);
            }
            wall[k] = clock_ms(CLOCK_MONOTONIC) - w0;
            cpu[k] = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
        }
        printf("%s_wall_ms=%.3f\n%s_cpu_ms=%.3f\n", argv[1],
               median(wall, n), argv[1], median(cpu, n));
        lp_package_free(p);
        free(buf);
    } else {
        fprintf(stderr, "pkgread: bad arguments\n");
        return 2;
    }
    lp_ctx_free(ctx);
    return 0;
}
