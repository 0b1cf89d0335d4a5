/*
 * verify.c - read every object in full and check it against the manifest,
 * on several threads: each has its own context; objects are read with
 * pread(2) on the package's one descriptor.
 */
#include "lpi_package.h"
#include "lpi_progress.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define VERIFY_CHUNK (256u * 1024u)

typedef struct result {
    int code;
    char *message;          /* allocated with the package's context */
} result;

typedef struct job {
    lp_package *pkg;
    result *results;        /* one per object */
    atomic_size_t next;
    pthread_mutex_t lock;   /* guards allocation from the package context */
    lpi_progress prog;      /* LP_STAGE_VERIFYING: objects, their bytes */
} job;

/* Read one object to its end; the reader does the checks */
static int check_object(job *j, lp_ctx *ctx, const lpi_object *o,
                        const char *path, unsigned char *buf)
{
    lpi_objreader *r;
    size_t n;
    int rc = lpi_objreader_open(&r, ctx, j->pkg, o, path);

    if (rc < 0)
        return rc;
    do {
        rc = lpi_objreader_read(r, buf, VERIFY_CHUNK, &n);
        if (rc == 0)
            rc = lpi_progress_add(&j->prog, ctx, n == 0, n);
    } while (rc == 0 && n > 0);
    lpi_objreader_free(r);
    return rc;
}

static void record(job *j, size_t i, lp_ctx *ctx, int rc)
{
    j->results[i].code = rc;
    pthread_mutex_lock(&j->lock);
    j->results[i].message = lpi_strdup(j->pkg->ctx, lp_ctx_errmsg(ctx));
    pthread_mutex_unlock(&j->lock);
}

static void run(job *j, lp_ctx *ctx, unsigned char *buf)
{
    lp_package *p = j->pkg;

    for (;;) {
        size_t i = atomic_fetch_add(&j->next, 1);
        const lpi_object *o;
        int rc;

        if (i >= p->nobjects)
            break;
        o = &p->objects[i];
        if (o->first_entry == LPI_DICT_ENTRY)
            continue; /* read in full and checked when the package opened */
        rc = check_object(j, ctx, o, p->m.entries[o->first_entry].path,
                          buf);
        if (rc == LP_ECANCELED)
            break;
        if (rc < 0)
            record(j, i, ctx, rc);
    }
}

typedef struct worker {
    job *j;
    pthread_t tid;
    bool started;
    int rc;
    char msg[512];
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    lp_package *p = w->j->pkg;
    lp_ctx *ctx = NULL;
    unsigned char *buf = NULL;

    w->rc = lp_ctx_new(&ctx, &p->ctx->alloc);
    if (w->rc < 0) {
        snprintf(w->msg, sizeof(w->msg), "cannot create a thread context");
        return NULL;
    }
    buf = lpi_malloc(ctx, VERIFY_CHUNK);
    if (buf)
        run(w->j, ctx, buf);
    else
        snprintf(w->msg, sizeof(w->msg), "%s", lp_ctx_errmsg(ctx));
    w->rc = buf ? 0 : LP_ENOMEM;
    lpi_free(ctx, buf);
    lp_ctx_free(ctx);
    return NULL;
}

int lp_package_verify(lp_package *p, const lp_verify_opts *opts)
{
    lp_verify_opts o = LP_VERIFY_OPTS_INIT;
    lp_ctx *ctx;
    job j;
    worker *workers = NULL;
    unsigned nthreads;
    uint64_t items = 0, bytes = 0;
    int first = 0;

    LP_ASSERT_ARG(p);
    ctx = p->ctx;
    if (opts) {
        if (opts->version < 1 || opts->version > LP_VERIFY_OPTS_VERSION)
            return lpi_error(ctx, LP_EINVAL, "unknown lp_verify_opts version");
        /* version 1 ends before progress */
        o.threads = opts->threads;
        o.problem = opts->problem;
        o.user = opts->user;
        if (opts->version >= 2) {
            o.progress = opts->progress;
            o.progress_user = opts->progress_user;
        }
    }
    nthreads = o.threads ? o.threads : lpi_cpu_count();
    if (nthreads > 64)
        nthreads = 64;
    if (nthreads > p->nobjects)
        nthreads = p->nobjects ? (unsigned)p->nobjects : 1;

    memset(&j, 0, sizeof(j));
    j.pkg = p;
    atomic_init(&j.next, 0);
    j.results = lpi_calloc(ctx, p->nobjects ? p->nobjects : 1,
                           sizeof(*j.results));
    workers = lpi_calloc(ctx, nthreads, sizeof(*workers));
    if (!j.results || !workers) {
        lpi_free(ctx, j.results);
        lpi_free(ctx, workers);
        return LP_ENOMEM;
    }
    pthread_mutex_init(&j.lock, NULL);
    lpi_progress_init(&j.prog, o.progress, o.progress_user);
    for (size_t i = 0; i < p->nobjects; i++)
        if (p->objects[i].first_entry != LPI_DICT_ENTRY) {
            items++;
            bytes += p->objects[i].size;
        }
    first = lpi_progress_begin(&j.prog, ctx, LP_STAGE_VERIFYING, items,
                               bytes);
    if (first < 0)
        atomic_store(&j.next, p->nobjects); /* no worker takes anything */
    for (unsigned t = 0; t < nthreads; t++) {
        workers[t].j = &j;
        workers[t].started = pthread_create(&workers[t].tid, NULL,
                                            worker_main, &workers[t]) == 0;
        if (!workers[t].started) {
            workers[t].rc = LP_EINTERNAL;
            snprintf(workers[t].msg, sizeof(workers[t].msg),
                     "cannot start a thread");
        }
    }
    for (unsigned t = 0; t < nthreads; t++)
        if (workers[t].started)
            pthread_join(workers[t].tid, NULL);

    /* canceled: the objects not checked have no verdict; report none */
    if (first == 0 && lpi_progress_canceled(&j.prog))
        first = lpi_progress_cancel_error(ctx);
    /* a worker that could not start leaves objects unchecked: fail whole */
    for (unsigned t = 0; t < nthreads && first == 0; t++)
        if (workers[t].rc < 0) {
            first = lpi_error(ctx, workers[t].rc, "%s", workers[t].msg);
            if (o.problem) {
                lp_problem pr = { first, NULL, ctx->msg };
                o.problem(&pr, o.user);
            }
        }
    /* report in manifest order, each bad object once */
    for (size_t i = 0; i < p->m.nentries && first == 0; i++) {
        const lpi_mentry *e = &p->m.entries[i];
        const lpi_object *ob = &p->objects[e->object];
        result *r = &j.results[e->object];

        if (r->code == 0 || ob->first_entry != i)
            continue;
        if (o.problem) {
            lp_problem pr = { r->code, e->path,
                              r->message ? r->message : lp_strerror(r->code) };
            o.problem(&pr, o.user);
        }
    }
    for (size_t i = 0; i < p->m.nentries && first == 0; i++) {
        const lpi_mentry *e = &p->m.entries[i];
        result *r = &j.results[e->object];
        if (r->code < 0) {
            first = lpi_error(ctx, r->code, "%s", r->message ? r->message
                              : lp_strerror(r->code));
        }
    }
    /* the ZIP entries no object read touched (signatures): their local
     * headers too, so a verified package was checked whole */
    for (size_t i = 2; i < p->zip.count && first == 0; i++) {
        first = lpi_zip_entry_ready(&p->zip, ctx, i);
        if (first < 0 && o.problem) {
            lp_problem pr = { first, NULL, ctx->msg };
            o.problem(&pr, o.user);
        }
    }
    if (first == 0)
        first = lpi_progress_end(&j.prog, ctx);
    lpi_progress_dispose(&j.prog);
    for (size_t i = 0; i < p->nobjects; i++)
        lpi_free(ctx, j.results[i].message);
    lpi_free(ctx, j.results);
    lpi_free(ctx, workers);
    pthread_mutex_destroy(&j.lock);
    return first;
}
