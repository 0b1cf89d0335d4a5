/*
 * lpi_progress.h - reporting progress through the caller's lp_progress_fn
 *
 * One stage at a time: lpi_progress_begin() with its totals, then
 * lpi_progress_add() from any thread as work gets done, then
 * lpi_progress_end().  The callback is called under a lock (never two at
 * once), only when a step of the work is done (about 1/1000 of the bytes,
 * at least 1 MiB, or 1/1000 of the items), with figures that never
 * decrease and never pass the totals.  Once the callback asks to cancel,
 * every later call returns LP_ECANCELED, so the threads that do the work
 * stop at their next chunk.  With no callback every call is a no-op.
 */
#ifndef LPI_PROGRESS_H
#define LPI_PROGRESS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "lp.h"

typedef struct lpi_progress {
    lp_progress_fn fn;          /* NULL: report nothing */
    void *user;
    pthread_mutex_t lock;       /* held while fn runs */
    lp_progress cur;            /* what was last reported (under lock) */
    atomic_uint_least64_t items, bytes;   /* done so far in this stage */
    uint64_t item_step, byte_step;        /* report after this much more */
    atomic_bool canceled;
} lpi_progress;

/* Set up p for fn (which may be NULL) */
void lpi_progress_init(lpi_progress *p, lp_progress_fn fn, void *user);
void lpi_progress_dispose(lpi_progress *p);

/* Start a stage: reports it with nothing done yet.  LP_ECANCELED (with
 * the message in ctx) if the callback asks to stop. */
int lpi_progress_begin(lpi_progress *p, lp_ctx *ctx, lp_stage stage,
                       uint64_t items_total, uint64_t bytes_total);

/* Count work done, from any thread (ctx: that thread's context).  Reports
 * when a step is passed and no other thread is reporting.  LP_ECANCELED
 * once the work is canceled. */
int lpi_progress_add(lpi_progress *p, lp_ctx *ctx, uint64_t items,
                     uint64_t bytes);

/* End the stage (after the work succeeded): reports it with everything
 * done.  LP_ECANCELED as lpi_progress_begin(). */
int lpi_progress_end(lpi_progress *p, lp_ctx *ctx);

/* Whether the callback asked to stop (any thread) */
bool lpi_progress_canceled(lpi_progress *p);

/* The error of canceled work, recorded in ctx: LP_ECANCELED */
int lpi_progress_cancel_error(lp_ctx *ctx);

#endif /* LPI_PROGRESS_H */
