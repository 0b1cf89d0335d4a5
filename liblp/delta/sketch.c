/*
 * sketch.c - which base objects are like a new one, by content: sampled
 * fingerprints (bottom-k min-hash sketches), for lp_delta_create's choice
 * of prefixes.
 *
 * A gear rolling hash runs over an object's content; where its top bits
 * are zero (one place in 256 on average, decided by the 64 bytes before
 * it, so an insertion moves the samples with the text) the hash is a
 * sample.  The sketch keeps the LPI_SKETCH_K smallest samples after
 * mixing: two objects that share much content share many of them, two
 * that share a JPEG header or a license paragraph share few or none.
 */
#include "lpi_delta.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

/* Samples where the top SAMPLE_BITS of the hash are zero */
#define SAMPLE_BITS 8u
/* Postings of one sample value looked at: a value shared by many base
 * objects (a common template line) says little about any of them */
#define MAX_POSTINGS 64u

static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

void lpi_gear_init(uint64_t gear[256])
{
    uint64_t s = 0x6c702d736b657463ull; /* "lp-sketc": any fixed seed */

    for (unsigned i = 0; i < 256; i++) {
        s += 0x9e3779b97f4a7c15ull;
        gear[i] = mix(s);
    }
}

/* Keep the k smallest distinct values, in ascending order */
static void add_value(lpi_sketch *s, uint64_t v)
{
    unsigned i = s->n;

    if (s->n == LPI_SKETCH_K && v >= s->v[LPI_SKETCH_K - 1])
        return;
    while (i > 0 && s->v[i - 1] > v)
        i--;
    if (i > 0 && s->v[i - 1] == v)
        return;
    if (s->n < LPI_SKETCH_K)
        s->n++;
    memmove(&s->v[i + 1], &s->v[i], (s->n - 1 - i) * sizeof(*s->v));
    s->v[i] = v;
}

static int sketch_one(lp_ctx *ctx, lp_package *p, const lpi_object *o,
                      const uint64_t *gear, unsigned char *buf,
                      lpi_sketch *out)
{
    lpi_objreader *r = NULL;
    uint64_t h = 0;
    int rc = lpi_objreader_open(&r, ctx, p, o, NULL);

    memset(out, 0, sizeof(*out));
    while (rc == 0) {
        size_t n = 0;
        rc = lpi_objreader_read(r, buf, LPI_IO_CHUNK, &n);
        if (rc < 0 || n == 0)
            break;
        for (size_t i = 0; i < n; i++) {
            h = (h << 1) + gear[buf[i]];
            if ((h >> (64 - SAMPLE_BITS)) == 0)
                add_value(out, mix(h));
        }
    }
    lpi_objreader_free(r);
    return rc;
}

typedef struct sk_job {
    lp_ctx *ctx;               /* the caller's: errors are copied there */
    lp_package *p;
    const lpi_object *const *objs;
    size_t n;
    lpi_sketch *out;
    uint64_t gear[256];
    atomic_size_t next;
    atomic_int failed;
} sk_job;

typedef struct sk_worker {
    sk_job *job;
    lp_ctx *ctx;
    unsigned char *buf;
    int rc;
} sk_worker;

static void *sketch_main(void *arg)
{
    sk_worker *w = arg;
    sk_job *j = w->job;

    while (w->rc == 0 && !atomic_load(&j->failed)) {
        size_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->n)
            break;
        w->rc = sketch_one(w->ctx, j->p, j->objs[i], j->gear, w->buf,
                           &j->out[i]);
        if (w->rc < 0)
            atomic_store(&j->failed, 1);
    }
    return NULL;
}

int lpi_sketch_objects(lp_ctx *ctx, lp_package *p,
                       const lpi_object *const *objs,
                       size_t n, unsigned threads, lpi_sketch *out)
{
    sk_job *job = lpi_calloc(ctx, 1, sizeof(*job));
    sk_worker w[LPI_SKETCH_THREADS];
    pthread_t tid[LPI_SKETCH_THREADS];
    bool started[LPI_SKETCH_THREADS] = { false };
    unsigned nw = threads < 1 ? 1 : threads;
    int rc = job ? 0 : LP_ENOMEM;

    if (nw > LPI_SKETCH_THREADS)
        nw = LPI_SKETCH_THREADS;
    if (nw > n)
        nw = n ? (unsigned)n : 1;
    memset(w, 0, sizeof(w));
    if (rc == 0) {
        job->ctx = ctx;
        job->p = p;
        job->objs = objs;
        job->n = n;
        job->out = out;
        lpi_gear_init(job->gear);
        atomic_init(&job->next, 0);
        atomic_init(&job->failed, 0);
    }
    /* worker 0 runs on the calling thread with the caller's context */
    for (unsigned i = 0; rc == 0 && i < nw; i++) {
        w[i].job = job;
        w[i].ctx = ctx;
        if (i > 0 && lp_ctx_new(&w[i].ctx, &ctx->alloc) < 0) {
            w[i].ctx = NULL;
            nw = i;
            break;
        }
        w[i].buf = lpi_malloc(ctx, LPI_IO_CHUNK);
        if (!w[i].buf)
            rc = LP_ENOMEM;
    }
    for (unsigned i = 1; rc == 0 && i < nw; i++)
        started[i] = pthread_create(&tid[i], NULL, sketch_main, &w[i]) == 0;
    if (rc == 0)
        sketch_main(&w[0]);
    for (unsigned i = 1; i < nw; i++)
        if (started[i])
            pthread_join(tid[i], NULL);
    /* a worker that could not start leaves its objects to the others */
    if (rc == 0 && !atomic_load(&job->failed) &&
        atomic_load(&job->next) < n)
        sketch_main(&w[0]);
    for (unsigned i = 0; i < nw; i++) {
        if (rc == 0 && w[i].rc < 0) {
            rc = w[i].rc;
            if (i > 0)
                rc = lpi_error(ctx, rc, "%s", lp_ctx_errmsg(w[i].ctx));
        }
        lpi_free(ctx, w[i].buf);
        if (i > 0 && w[i].ctx)
            lp_ctx_free(w[i].ctx);
    }
    lpi_free(ctx, job);
    return rc == LP_ENOMEM ? lpi_nomem(ctx) : rc;
}

/* ------------------------------------------------------------ the index */

typedef struct posting {
    uint64_t value;
    uint32_t ref;
} posting;

static int cmp_posting(const void *a, const void *b)
{
    const posting *x = a, *y = b;

    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    return x->ref < y->ref ? -1 : x->ref > y->ref;
}

int lpi_simindex_build(lpi_simindex *ix, lp_ctx *ctx, const lpi_sketch *sk,
                       const uint64_t *sizes, size_t n)
{
    size_t total = 0;

    memset(ix, 0, sizeof(*ix));
    for (size_t i = 0; i < n; i++)
        total += sk[i].n;
    ix->post = lpi_calloc(ctx, total + 1, sizeof(*ix->post));
    ix->count = lpi_calloc(ctx, n + 1, sizeof(*ix->count));
    ix->touched = lpi_calloc(ctx, n + 1, sizeof(*ix->touched));
    if (!ix->post || !ix->count || !ix->touched) {
        lpi_simindex_dispose(ix, ctx);
        return lpi_nomem(ctx);
    }
    for (size_t i = 0; i < n; i++)
        for (unsigned k = 0; k < sk[i].n; k++)
            ix->post[ix->npost++] = (posting){ sk[i].v[k], (uint32_t)i };
    lpi_sort(ix->post, ix->npost, sizeof(*ix->post), cmp_posting);
    ix->sizes = sizes;
    ix->n = n;
    return 0;
}

void lpi_simindex_dispose(lpi_simindex *ix, lp_ctx *ctx)
{
    lpi_free(ctx, ix->post);
    lpi_free(ctx, ix->count);
    lpi_free(ctx, ix->touched);
    memset(ix, 0, sizeof(*ix));
}

static uint64_t distance(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

/* Is candidate a better than b for a query of this size? */
static bool better(const lpi_simindex *ix, uint32_t a, uint32_t b,
                   uint64_t size)
{
    uint64_t da, db;

    if (ix->count[a] != ix->count[b])
        return ix->count[a] > ix->count[b];
    da = distance(ix->sizes[a], size);
    db = distance(ix->sizes[b], size);
    if (da != db)
        return da < db;
    return a < b;
}

size_t lpi_simindex_query(lpi_simindex *ix, const lpi_sketch *q,
                          uint64_t size, bool (*ok)(void *, uint32_t),
                          void *arg, uint32_t *out, size_t max)
{
    size_t ntouched = 0, nout = 0;
    unsigned min_common = q->n >= 8 ? 2 : 1;

    for (unsigned k = 0; k < q->n; k++) {
        size_t lo = 0, hi = ix->npost;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (ix->post[mid].value < q->v[k])
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t i = lo, seen = 0; i < ix->npost &&
             ix->post[i].value == q->v[k] && seen < MAX_POSTINGS; i++) {
            uint32_t r = ix->post[i].ref;
            seen++;
            if (ix->count[r]++ == 0)
                ix->touched[ntouched++] = r;
        }
    }
    /* the best max, by insertion: max is small */
    for (size_t i = 0; i < ntouched; i++) {
        uint32_t r = ix->touched[i];
        size_t at;
        if (ix->count[r] < min_common || (ok && !ok(arg, r)))
            continue;
        at = nout < max ? nout : max;
        while (at > 0 && better(ix, r, out[at - 1], size))
            at--;
        if (at >= max)
            continue;
        memmove(&out[at + 1], &out[at],
                ((nout < max ? nout : max - 1) - at) * sizeof(*out));
        out[at] = r;
        if (nout < max)
            nout++;
    }
    for (size_t i = 0; i < ntouched; i++)
        ix->count[ix->touched[i]] = 0;
    return nout;
}
