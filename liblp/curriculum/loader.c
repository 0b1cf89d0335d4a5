/*
 * loader.c - lesson files loaded ahead on worker threads.
 *
 * Loading (reading, parsing, normalizing, the text pass, the schema) is
 * most of a check, and each file's is independent of the others'.  The
 * check plans the files in the order it will ask for them; worker threads
 * and the calling thread, while it waits, load them ahead, at most a window
 * of files past the one asked for (memory stays bounded).  A thread loads
 * into a private copy of the project whose diagnostics are recorded
 * (lpi_diag() with p->log set); they are reported when the check asks for
 * the file, on its thread, with the counting and limits lpi_diag() applies:
 * the output is the same, in the same order, whatever the threads did.
 *
 * Thread safety: libxml2 documents, parsers and schema validation contexts
 * are per file (the compiled schema is shared, read only); ICU's
 * normalizer and script functions are thread-safe; each thread has its own
 * lp_ctx (same allocator) for its errors.  The curriculum file is only
 * read: a thread gets a copy of its struct, for its error count.
 */
#include "lpi_source.h"

#include <pthread.h>
#include <string.h>

/* Most threads, and how far ahead of the check they may load, per thread */
#define MAX_THREADS 8u
#define AHEAD_PER_THREAD 8u

typedef struct job {
    char *rel;
    lpi_syntax syntax;
    const void *at;
    lpi_srcfile *f;          /* the loaded file, not in the project yet */
    lpi_diaglog log;
    int rc;
    char *err;               /* the message of a failure (rc < 0) */
    bool done;
} job;

typedef struct runner {
    struct lpi_loader *l;
    lp_project shadow;       /* the project, with its own ctx and a log */
    lpi_srcfile where;       /* a copy of the curriculum file */
    pthread_t tid;
    bool started;
    xmlDocPtr *trash;        /* trees it built, to free (under lock) */
    size_t ntrash, captrash;
} runner;

struct lpi_loader {
    lp_project *p;
    lpi_srcfile *where;
    job *jobs;
    size_t njobs, capjobs;
    lpi_strset planned;      /* the jobs' paths */
    size_t next;             /* the next job to start */
    size_t taken;            /* jobs asked for */
    size_t ahead;
    bool started, stop;
    bool compiled;           /* the cache must have compiled lessons too */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    runner *runners;         /* runners[0] is the calling thread's */
    unsigned nrunners;
};

int lpi_loader_new(lpi_loader **out, lp_project *p, lpi_srcfile *where)
{
    lpi_loader *l = lpi_calloc(p->ctx, 1, sizeof(*l));

    *out = NULL;
    if (!l)
        return LP_ENOMEM;
    l->p = p;
    l->where = where;
    if (pthread_mutex_init(&l->lock, NULL) != 0) {
        lpi_free(p->ctx, l);
        return lpi_error(p->ctx, LP_EINTERNAL, "cannot create a lock");
    }
    if (pthread_cond_init(&l->cond, NULL) != 0) {
        pthread_mutex_destroy(&l->lock);
        lpi_free(p->ctx, l);
        return lpi_error(p->ctx, LP_EINTERNAL, "cannot create a lock");
    }
    *out = l;
    return 0;
}

int lpi_loader_plan(lpi_loader *l, const char *rel, lpi_syntax syntax,
                    const void *at)
{
    lp_ctx *ctx = l->p->ctx;
    const char *had;
    char *copy;
    job *j;
    int rc;

    if (l->started || l->njobs > LPI_MAX_LESSONS)
        return 0;
    copy = lpi_strdup(ctx, rel);
    if (!copy)
        return LP_ENOMEM;
    rc = lpi_grow(ctx, (void **)&l->jobs, &l->capjobs, l->njobs + 1,
                  sizeof(*l->jobs));
    if (rc == 0)
        rc = lpi_strset_add(ctx, &l->planned, copy, &had);
    if (rc < 0 || had) {
        lpi_free(ctx, copy);
        return rc;
    }
    j = &l->jobs[l->njobs++];
    memset(j, 0, sizeof(*j));
    j->rel = copy;
    j->syntax = syntax;
    j->at = at;
    return 0;
}

static void job_dispose(lp_project *p, job *j)
{
    for (size_t i = 0; i < j->log.n; i++)
        lpi_free(p->ctx, j->log.items[i].msg);
    lpi_free(p->ctx, j->log.items);
    lpi_src_free(p, j->log.keep);
    memset(&j->log, 0, sizeof(j->log));
    lpi_src_free(p, j->f);
    j->f = NULL;
    lpi_free(p->ctx, j->err);
    j->err = NULL;
    lpi_free(p->ctx, j->rel);
    j->rel = NULL;
}

/* Load job j on runner r's private project */
static void run(runner *r, job *j)
{
    lp_project *sp = &r->shadow;

    j->log.where = &r->where;
    sp->log = &j->log;
    sp->nerrors = sp->nwarnings = 0;
    r->where.nerrors = 0;
    if (sp->cache && sp->langkey_ok) {
        /* read it, then parse it only if the cache does not know it */
        j->rc = lpi_src_read(sp, j->rel, j->syntax, &r->where, j->at, &j->f);
        if (j->rc >= 0 && j->f)
            j->rc = lpi_lcache_lookup(sp, j->f, r->l->compiled);
        if (j->rc >= 0 && j->f && !(j->f->lc && j->f->lc->hit))
            j->rc = lpi_src_parse(sp, j->f, "lesson");
    } else {
        j->rc = lpi_src_load_file(sp, j->rel, j->syntax, "lesson", &r->where,
                                  j->at, &j->f);
    }
    if (j->f)
        j->f->loader = (unsigned)(r - r->l->runners);
    sp->log = NULL;
    if (j->rc >= 0 && j->log.rc < 0)
        j->rc = lpi_nomem(sp->ctx);
    if (j->rc < 0)
        j->err = lpi_strdup(sp->ctx, lp_ctx_errmsg(sp->ctx));
}

/* Can a runner start the next job?  (lock held) */
static bool can_start(const lpi_loader *l)
{
    return !l->stop && l->next < l->njobs && l->next < l->taken + l->ahead;
}

/* Free the trees r built that the check has released (lock held; it is
 * let go meanwhile) */
static void empty_trash(runner *r)
{
    lpi_loader *l = r->l;

    while (r->ntrash > 0) {
        xmlDocPtr doc = r->trash[--r->ntrash];

        pthread_mutex_unlock(&l->lock);
        xmlFreeDoc(doc);
        pthread_mutex_lock(&l->lock);
    }
}

static void *worker_main(void *arg)
{
    runner *r = arg;
    lpi_loader *l = r->l;

    pthread_mutex_lock(&l->lock);
    for (;;) {
        job *j;

        while (!l->stop && !can_start(l))
            pthread_cond_wait(&l->cond, &l->lock);
        empty_trash(r);
        if (l->stop)
            break;
        if (!can_start(l))
            continue;
        j = &l->jobs[l->next++];
        pthread_mutex_unlock(&l->lock);
        run(r, j);
        pthread_mutex_lock(&l->lock);
        j->done = true;
        pthread_cond_broadcast(&l->cond);
    }
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

static int runner_init(lpi_loader *l, runner *r)
{
    lp_project *p = l->p;
    int rc;

    r->l = l;
    r->shadow = *p;
    r->shadow.files = NULL;
    r->shadow.nfiles = r->shadow.capfiles = 0;
    r->shadow.fn = NULL;
    r->shadow.user = NULL;
    r->shadow.log = NULL;
    r->shadow.rec = NULL;
    r->shadow.rec_mute = 0;
    r->shadow.ctx = NULL;
    r->shadow.vctx = NULL;
    r->where = *l->where;
    rc = lp_ctx_new(&r->shadow.ctx, &p->ctx->alloc);
    if (rc < 0)
        return lpi_error(p->ctx, rc, "cannot create a loader context");
    return 0;
}

/* Start the threads: one per CPU, the calling thread counting as one */
static int start(lpi_loader *l)
{
    lp_project *p = l->p;
    unsigned n = p->threads ? p->threads : lpi_cpu_count();
    int rc;

    l->started = true;
    l->compiled = p->lesson_fn != NULL;
    if (n > MAX_THREADS)
        n = MAX_THREADS;
    if (n > l->njobs)
        n = l->njobs ? (unsigned)l->njobs : 1;
    l->runners = lpi_calloc(p->ctx, n, sizeof(*l->runners));
    if (!l->runners)
        return LP_ENOMEM;
    l->ahead = (size_t)n * AHEAD_PER_THREAD;
    rc = runner_init(l, &l->runners[0]);
    if (rc < 0)
        return rc;
    l->nrunners = 1;
    for (unsigned t = 1; t < n; t++) {
        runner *r = &l->runners[t];

        rc = runner_init(l, r);
        if (rc < 0)
            return rc;
        l->nrunners++;
        /* fewer threads than CPUs is only slower */
        r->started = pthread_create(&r->tid, NULL, worker_main, r) == 0;
    }
    return 0;
}

/* Report j's recorded diagnostics, counted as lpi_diag() counts them */
static void replay(lpi_loader *l, job *j)
{
    lp_project *p = l->p;
    lpi_srcfile *f = j->f ? j->f : j->log.keep;

    if (f)
        f->nerrors = 0; /* counted again below */
    for (size_t i = 0; i < j->log.n; i++) {
        const lpi_logged *it = &j->log.items[i];

        lpi_diag_emit(p, &it->d, it->acct == 1 ? f : it->acct == 2 ?
                      l->where : NULL);
    }
    p->nerrors += j->log.over_errors;
    p->nwarnings += j->log.over_warnings;
    if (f)
        f->nerrors += (unsigned)(j->log.over_errors +
                                 j->log.over_warnings);
    if (f && f->lc && f->lc->hit) {
        /* what loading it reported, the last time it was loaded */
        const lpi_lcache *lc = f->lc;

        for (size_t i = 0; i < lc->nload; i++) {
            const lpi_lcev *e = &lc->load[i];
            lp_diag d;

            memset(&d, 0, sizeof(d));
            d.severity = (lp_severity)e->sev;
            d.code = e->code;
            d.message = e->text;
            d.file = f->shown;
            if (e->pos.line > 0 && e->pos.line <= f->nlines) {
                size_t start = f->lines[e->pos.line - 1], end = start;

                while (end < f->len && f->data[end] != '\n')
                    end++;
                d.line = e->pos.line;
                d.col = e->pos.col;
                d.source_line = f->data + start;
                d.source_len = end - start;
            }
            lpi_diag_emit(p, &d, f);
        }
        p->nerrors += lc->over_errors;
        p->nwarnings += lc->over_warnings;
        f->nerrors += (unsigned)(lc->over_errors + lc->over_warnings);
    }
}

int lpi_loader_load(lpi_loader *l, const char *rel, lpi_syntax syntax,
                    const void *at, lpi_srcfile **out)
{
    lp_project *p = l->p;
    job *j;
    int rc;

    *out = NULL;
    if (!l->started) {
        rc = start(l);
        if (rc < 0)
            return rc;
    }
    /* the next planned file, or one a little further if the check passed
     * over some (a file it found listed twice: the curriculum file, say);
     * those are never reported, as they were never asked for */
    j = NULL;
    for (size_t k = l->taken; k < l->njobs && k < l->taken + l->ahead; k++)
        if (l->jobs[k].syntax == syntax && l->jobs[k].at == at &&
            strcmp(l->jobs[k].rel, rel) == 0) {
            j = &l->jobs[k];
            break;
        }
    if (!j)
        return lpi_src_load(p, rel, syntax, "lesson", l->where, at, out);

    /* wait for it, loading the next ones meanwhile */
    pthread_mutex_lock(&l->lock);
    while (!j->done) {
        job *next;

        if (!can_start(l)) {
            pthread_cond_wait(&l->cond, &l->lock);
            continue;
        }
        next = &l->jobs[l->next++];
        pthread_mutex_unlock(&l->lock);
        run(&l->runners[0], next);
        pthread_mutex_lock(&l->lock);
        next->done = true;
        pthread_cond_broadcast(&l->cond);
    }
    l->taken = (size_t)(j - l->jobs) + 1;
    pthread_cond_broadcast(&l->cond);
    pthread_mutex_unlock(&l->lock);

    replay(l, j);
    if (j->f)
        lpi_lcache_note_load(p, j->f, &j->log);
    rc = j->rc;
    if (rc < 0)
        rc = lpi_error(p->ctx, rc, "%s", j->err ? j->err : lp_strerror(rc));
    if (j->f) {
        /* added even when it failed: the project owns it */
        int rc2 = lpi_grow(p->ctx, (void **)&p->files, &p->capfiles,
                           p->nfiles + 1, sizeof(*p->files));
        if (rc2 < 0) {
            job_dispose(p, j);
            return rc2;
        }
        p->files[p->nfiles++] = j->f;
        *out = j->f;
        j->f = NULL;
    }
    job_dispose(p, j);
    return rc;
}

void lpi_loader_release(lpi_loader *l, lpi_srcfile *f)
{
    lp_project *p = l->p;
    bool queued = false;

    if (f->doc && f->loader > 0 && f->loader < l->nrunners &&
        l->runners[f->loader].started) {
        runner *r = &l->runners[f->loader];

        pthread_mutex_lock(&l->lock);
        /* no room: freed here, as it always could be */
        if (lpi_grow(p->ctx, (void **)&r->trash, &r->captrash,
                     r->ntrash + 1, sizeof(*r->trash)) == 0) {
            r->trash[r->ntrash++] = f->doc;
            queued = true;
        }
        pthread_mutex_unlock(&l->lock);
    }
    if (!queued && f->doc)
        xmlFreeDoc(f->doc);
    f->doc = NULL;
    lpi_free(p->ctx, f->pos);
    f->pos = NULL;
    f->npos = f->cappos = 0;
}

void lpi_loader_free(lpi_loader *l)
{
    lp_project *p;

    if (!l)
        return;
    p = l->p;
    pthread_mutex_lock(&l->lock);
    l->stop = true;
    pthread_cond_broadcast(&l->cond);
    pthread_mutex_unlock(&l->lock);
    for (unsigned t = 0; t < l->nrunners; t++) {
        if (l->runners[t].started)
            pthread_join(l->runners[t].tid, NULL);
        lpi_schema_release(&l->runners[t].shadow);
        lp_ctx_free(l->runners[t].shadow.ctx);
        /* what its thread did not get to (it has stopped) */
        while (l->runners[t].ntrash > 0)
            xmlFreeDoc(l->runners[t].trash[--l->runners[t].ntrash]);
        lpi_free(p->ctx, l->runners[t].trash);
    }
    for (size_t i = 0; i < l->njobs; i++)
        job_dispose(p, &l->jobs[i]);
    lpi_free(p->ctx, l->runners);
    lpi_free(p->ctx, l->jobs);
    lpi_strset_dispose(p->ctx, &l->planned);
    pthread_cond_destroy(&l->cond);
    pthread_mutex_destroy(&l->lock);
    lpi_free(p->ctx, l);
}
