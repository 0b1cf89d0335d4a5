/*
 * driver.c - run a fuzz target without libFuzzer: over every file named
 * (or in the folders named), and over deterministic mutations of each
 * (bit flips, byte changes, truncations, duplicated blocks), so `make check`
 * exercises the hostile-input paths every time.
 *
 *   driver [-m MUTATIONS] [-s SEED] FILE|DIR...
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned long mutations = 0;
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static unsigned long runs;

static uint64_t next(void)
{
    /* xorshift64*: reproducible across machines */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ull;
}

static void mutate_and_run(const uint8_t *seed, size_t n)
{
    uint8_t *buf = malloc(n * 2 + 16);

    if (!buf)
        abort();
    for (unsigned long m = 0; m < mutations; m++) {
        size_t len = n;
        unsigned edits = 1 + (unsigned)(next() % 4);

        memcpy(buf, seed, n);
        for (unsigned k = 0; k < edits && len > 0; k++) {
            size_t at = (size_t)(next() % len);
            switch (next() % 5) {
            case 0: buf[at] ^= (uint8_t)(1u << (next() % 8)); break;
            case 1: buf[at] = (uint8_t)next(); break;
            case 2: len = at; break;                       /* truncate */
            case 3: {                                      /* duplicate */
                size_t span = (size_t)(next() % 64);
                if (span > len - at)
                    span = len - at;
                if (len + span <= n * 2 + 16) {
                    memmove(buf + at + span, buf + at, len - at);
                    len += span;
                }
                break;
            }
            default: {                                     /* interesting */
                static const uint8_t v[] = { 0, 0xff, 0x7f, 0x80, '/', '.',
                                             '\n', ' ' };
                buf[at] = v[next() % sizeof(v)];
            }
            }
        }
        LLVMFuzzerTestOneInput(buf, len);
        runs++;
    }
    free(buf);
}

static void run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data;
    long n;

    if (!f) {
        perror(path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    data = malloc((size_t)n + 1);
    if (!data || fread(data, 1, (size_t)n, f) != (size_t)n)
        exit(2);
    fclose(f);
    LLVMFuzzerTestOneInput(data, (size_t)n);
    runs++;
    mutate_and_run(data, (size_t)n);
    free(data);
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_path(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0;

    if (stat(path, &st) < 0) {
        perror(path);
        exit(2);
    }
    if (!S_ISDIR(st.st_mode)) {
        run_file(path);
        return;
    }
    d = opendir(path);
    while (d && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        names = realloc(names, (n + 1) * sizeof(*names));
        if (!names || asprintf(&names[n], "%s/%s", path, de->d_name) < 0)
            exit(2);
        n++;
    }
    if (d)
        closedir(d);
    qsort(names, n, sizeof(*names), cmp);
    for (size_t i = 0; i < n; i++) {
        run_path(names[i]);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    int opt;

    while ((opt = getopt(argc, argv, "m:s:")) != -1) {
        if (opt == 'm')
            mutations = strtoul(optarg, NULL, 10);
        else if (opt == 's')
            rng = strtoull(optarg, NULL, 10) | 1;
        else
            return 2;
    }
    if (optind >= argc) {
        fprintf(stderr, "usage: %s [-m MUTATIONS] [-s SEED] FILE|DIR...\n",
                argv[0]);
        return 2;
    }
    for (int i = optind; i < argc; i++)
        run_path(argv[i]);
    printf("%lu inputs run\n", runs);
    return 0;
}
