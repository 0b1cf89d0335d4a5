/*
 * torture.h - an allocator whose Nth allocation fails, for the allocation
 * failure tests (test_alloc, test_alloc_sign).  Counters are atomic: the
 * library's worker threads allocate through it too.
 */
#ifndef LP_TORTURE_H
#define LP_TORTURE_H

#include <stdatomic.h>
#include <stdlib.h>

#include "lp.h"

static long fail_at = -1;        /* which allocation fails; -1: none */
static atomic_long nallocs, live; /* allocations made, blocks not freed */

static void *t_malloc(size_t n, void *user)
{
    void *p;

    (void)user;
    if (nallocs++ == fail_at)
        return NULL;
    p = malloc(n);
    if (p)
        live++;
    return p;
}

static void *t_realloc(void *old, size_t n, void *user)
{
    void *p;

    (void)user;
    if (nallocs++ == fail_at)
        return NULL;
    p = realloc(old, n);
    if (p && !old)
        live++;
    return p;
}

static void t_free(void *p, void *user)
{
    (void)user;
    if (p)
        live--;
    free(p);
}

static const lp_allocator torture = { t_malloc, t_realloc, t_free, NULL };

#endif
