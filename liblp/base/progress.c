/*
 * progress.c - progress reports for long work (lpi_progress.h)
 *
 * Worker threads count what they do in two atomics; whichever thread
 * passes a step reports, if no other thread is reporting at that moment
 * (a trylock: a slow callback never holds up the work).  Figures are read
 * under the lock and only ever grow, so what the callback sees never goes
 * backwards.
 */
#include "lpi.h"
#include "lpi_progress.h"

#include <string.h>

#define MIN_BYTE_STEP (1024u * 1024u)
#define STEPS 1000u

static const char *stage_name(lp_stage stage)
{
    switch (stage) {
    case LP_STAGE_COMPILING: return "compiling";
    case LP_STAGE_COMPRESSING: return "compressing";
    case LP_STAGE_VERIFYING: return "verifying";
    case LP_STAGE_ENCODING: return "encoding";
    case LP_STAGE_DECODING: return "decoding";
    case LP_STAGE_WRITING: return "writing";
    }
    return "working";
}

void lpi_progress_init(lpi_progress *p, lp_progress_fn fn, void *user)
{
    memset(p, 0, sizeof(*p));
    p->fn = fn;
    p->user = user;
    p->item_step = 1;           /* until a stage sets them */
    p->byte_step = MIN_BYTE_STEP;
    atomic_init(&p->items, 0);
    atomic_init(&p->bytes, 0);
    atomic_init(&p->canceled, false);
    if (fn)
        pthread_mutex_init(&p->lock, NULL);
}

void lpi_progress_dispose(lpi_progress *p)
{
    if (p->fn)
        pthread_mutex_destroy(&p->lock);
    p->fn = NULL;
}

int lpi_progress_cancel_error(lp_ctx *ctx)
{
    return lpi_error(ctx, LP_ECANCELED, "canceled by the progress callback");
}

bool lpi_progress_canceled(lpi_progress *p)
{
    return p->fn && atomic_load(&p->canceled);
}

static uint64_t at_most(uint64_t v, uint64_t max)
{
    return v < max ? v : max;
}

/* Report the figures as they stand (p->lock held) */
static void report(lpi_progress *p, bool end)
{
    lp_progress *c = &p->cur;
    uint64_t items = at_most(atomic_load(&p->items), c->items_total);
    uint64_t bytes = at_most(atomic_load(&p->bytes), c->bytes_total);

    if (!c->stage_name || atomic_load(&p->canceled))
        return; /* work counted before any stage began; or stopped */
    if (end) {
        items = c->items_total;
        bytes = c->bytes_total;
    }
    /* the atomics only grow, but keep the promise whatever a caller
     * counted */
    if (items > c->items_done)
        c->items_done = items;
    if (bytes > c->bytes_done)
        c->bytes_done = bytes;
    if (p->fn(c, p->user) != 0)
        atomic_store(&p->canceled, true);
}

int lpi_progress_begin(lpi_progress *p, lp_ctx *ctx, lp_stage stage,
                       uint64_t items_total, uint64_t bytes_total)
{
    if (!p->fn)
        return 0;
    pthread_mutex_lock(&p->lock);
    memset(&p->cur, 0, sizeof(p->cur));
    p->cur.stage = stage;
    p->cur.stage_name = stage_name(stage);
    p->cur.items_total = items_total;
    p->cur.bytes_total = bytes_total;
    p->item_step = items_total / STEPS ? items_total / STEPS : 1;
    p->byte_step = bytes_total / STEPS > MIN_BYTE_STEP ? bytes_total / STEPS
                                                        : MIN_BYTE_STEP;
    atomic_store(&p->items, 0);
    atomic_store(&p->bytes, 0);
    if (!atomic_load(&p->canceled))
        report(p, false);
    pthread_mutex_unlock(&p->lock);
    return atomic_load(&p->canceled) ? lpi_progress_cancel_error(ctx) : 0;
}

int lpi_progress_add(lpi_progress *p, lp_ctx *ctx, uint64_t items,
                     uint64_t bytes)
{
    uint64_t i, b;

    if (!p->fn)
        return 0;
    if (atomic_load(&p->canceled))
        return lpi_progress_cancel_error(ctx);
    i = atomic_fetch_add(&p->items, items) + items;
    b = atomic_fetch_add(&p->bytes, bytes) + bytes;
    /* a step passed (item_step and byte_step only change between stages,
     * when no work runs) */
    if (((items && i / p->item_step != (i - items) / p->item_step) ||
         (bytes && b / p->byte_step != (b - bytes) / p->byte_step)) &&
        pthread_mutex_trylock(&p->lock) == 0) {
        report(p, false);
        pthread_mutex_unlock(&p->lock);
    }
    return atomic_load(&p->canceled) ? lpi_progress_cancel_error(ctx) : 0;
}

int lpi_progress_end(lpi_progress *p, lp_ctx *ctx)
{
    if (!p->fn)
        return 0;
    pthread_mutex_lock(&p->lock);
    if (!atomic_load(&p->canceled))
        report(p, true);
    p->cur.stage_name = NULL; /* until the next stage begins */
    pthread_mutex_unlock(&p->lock);
    return atomic_load(&p->canceled) ? lpi_progress_cancel_error(ctx) : 0;
}
