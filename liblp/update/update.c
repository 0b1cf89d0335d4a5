/*
 * update.c - a hub takes the newest release from a repository
 * (lp_update), and a repository is carried to a hub (lp_repo_mirror)
 *
 * Order matters: the index is checked before any number in it is used;
 * each file is checked against the index before it is used; the new
 * release is checked against the trust file and the state before it
 * takes the hub package's name; the state records it after.
 */
#include "lpi_update.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

typedef struct updater {
    lp_ctx *ctx;
    const lp_update_opts *o;
    lp_update_result *res;
    lpi_fetch f;
    lp_repo *repo;
    const lpi_rpkg *rp;
    const lpi_rrel *newest;
    lpi_buf spool;            /* the folder */
    lpi_buf path;             /* scratch */
    uint64_t present;         /* bytes of the plan on disk before */
    lpi_progress prog;        /* LP_STAGE_FETCHING */
} updater;

/* Set up u for one call of lp_update() or lp_repo_mirror(); LP_EINVAL for
 * options of an unknown version */
static int updater_init(updater *u, lp_ctx *ctx, const lp_update_opts *o,
                        lp_update_result *res)
{
    memset(u, 0, sizeof(*u));
    u->ctx = ctx;
    u->o = o;
    u->res = res;
    lpi_buf_init(&u->spool, 8192);
    lpi_buf_init(&u->path, 16384);
    lpi_progress_init(&u->prog, NULL, NULL);
    /* version 1's progress had another type: not called */
    if (o->version == 1 && o->progress)
        return lpi_error(ctx, LP_EINVAL, "lp_update_opts version 1 with a "
                         "progress callback: rebuild against this lp.h");
    if (o->version < 1 || o->version > LP_UPDATE_OPTS_VERSION)
        return lpi_error(ctx, LP_EINVAL, "unknown lp_update_opts version %u",
                         o->version);
    lpi_progress_init(&u->prog, o->progress, o->progress_user);
    return 0;
}

static void updater_dispose(updater *u)
{
    lpi_fetch_close(&u->f);
    lp_repo_free(u->repo);
    lpi_buf_dispose(&u->spool, u->ctx);
    lpi_buf_dispose(&u->path, u->ctx);
    lpi_progress_dispose(&u->prog);
}

/* The cheapest way from release `from` (whose manifest the hub's has) to
 * the newest: a chain of deltas, or the full package, by bytes */
static void plan(updater *u, uint64_t from, bool from_listed)
{
    const lpi_rpkg *p = u->rp;
    lp_update_result *res = u->res;
    uint64_t *cost, full = u->newest->size;
    size_t *prev, *steps, at = SIZE_MAX;
    lp_update_step chain[LP_UPDATE_MAX_STEPS];
    size_t n = 0;

    cost = lpi_calloc(u->ctx, p->nrels, sizeof(*cost));
    prev = lpi_calloc(u->ctx, p->nrels, sizeof(*prev));
    steps = lpi_calloc(u->ctx, p->nrels, sizeof(*steps));
    /* without memory for the search: the full package, which is right */
    if (!cost || !prev || !steps)
        from_listed = false;
    for (size_t i = 0; cost && prev && steps && i < p->nrels; i++) {
        cost[i] = UINT64_MAX;
        prev[i] = SIZE_MAX;
        steps[i] = 0;
        if (p->rels[i].version == from && from_listed) {
            cost[i] = 0;
            at = i;
        }
    }
    /* versions only grow along deltas: one pass in version order */
    for (size_t i = 0; at != SIZE_MAX && i < p->nrels; i++) {
        if (cost[i] == UINT64_MAX)
            continue;
        for (size_t k = 0; k < p->ndeltas; k++) {
            const lpi_rdelta *d = &p->deltas[k];
            size_t t;
            if (d->base != p->rels[i].version)
                continue;
            for (t = i + 1; t < p->nrels; t++)
                if (p->rels[t].version == d->target)
                    break;
            if (t == p->nrels || steps[i] + 1 > LP_UPDATE_MAX_STEPS ||
                cost[i] + d->size >= cost[t])
                continue;
            cost[t] = cost[i] + d->size;
            prev[t] = k;
            steps[t] = steps[i] + 1;
        }
    }
    res->full_bytes = full;
    if (at != SIZE_MAX && cost[p->nrels - 1] < full) {
        /* walk back from the newest */
        size_t t = p->nrels - 1;
        while (prev[t] != SIZE_MAX) {
            const lpi_rdelta *d = &p->deltas[prev[t]];
            lp_update_step *s = &chain[n++];
            char name[LPI_REPO_NAME_BYTES];
            memset(s, 0, sizeof(*s));
            s->base = d->base;
            s->target = d->target;
            s->size = d->size;
            lpi_repo_file_name(name, d->file, true);
            snprintf(s->path, sizeof(s->path), "%s", name);
            for (t = 0; p->rels[t].version != d->base; t++)
                ;
        }
        for (size_t i = 0; i < n; i++)
            res->steps[i] = chain[n - 1 - i];
        res->nsteps = n;
        res->plan_bytes = cost[p->nrels - 1];
    } else {
        lp_update_step *s = &res->steps[0];
        char name[LPI_REPO_NAME_BYTES];
        memset(s, 0, sizeof(*s));
        s->full = 1;
        s->target = u->newest->version;
        s->size = full;
        lpi_repo_file_name(name, u->newest->file, false);
        snprintf(s->path, sizeof(s->path), "%s", name);
        res->nsteps = 1;
        res->plan_bytes = full;
    }
    lpi_free(u->ctx, cost);
    lpi_free(u->ctx, prev);
    lpi_free(u->ctx, steps);
}

/* "SPOOL/NAME" (NAME's last component) into u->path */
static const char *spooled(updater *u, const char *name)
{
    const char *base = strrchr(name, '/');

    u->path.len = 0;
    if (lpi_buf_printf(&u->path, u->ctx, "%s/%s", u->spool.data,
                       base ? base + 1 : name) < 0)
        return NULL;
    return u->path.data;
}

static int check_disk(updater *u, const char *pkg_path)
{
    struct statvfs sv;
    uint64_t need = 0, have;

    for (size_t i = 0; i < u->res->nsteps; i++)
        need += u->res->steps[i].size;
    need = need > u->present ? need - u->present : 0;
    if (statvfs(u->spool.data, &sv) == 0) {
        have = (uint64_t)sv.f_bavail * sv.f_frsize;
        if (have < need)
            return lpi_error(u->ctx, LP_EIO, "not enough free disk for the "
                             "download in '%s': %" PRIu64 " bytes needed, %"
                             PRIu64 " free ('%s' is untouched)",
                             u->spool.data, need, have, pkg_path);
    }
    return 0;
}

/* The hash and size a plan step's file must have */
static void step_file(const updater *u, const lp_update_step *s,
                      unsigned char hash[LP_HASH_BYTES])
{
    const lpi_rpkg *p = u->rp;

    if (s->full) {
        memcpy(hash, u->newest->file, LP_HASH_BYTES);
        return;
    }
    for (size_t k = 0; k < p->ndeltas; k++)
        if (p->deltas[k].base == s->base && p->deltas[k].target == s->target)
            memcpy(hash, p->deltas[k].file, LP_HASH_BYTES);
}

typedef struct policy {
    const lp_trust *trust;
    const lp_state *state;
    int64_t now;
    uint64_t min_version;
    const unsigned char *manifest;   /* the index's hash of the newest */
    lp_accept_result res;
} policy;

static int accept_new(lp_package *pkg, void *user)
{
    policy *po = user;
    lp_accept_opts o = LP_ACCEPT_OPTS_INIT;
    unsigned char mh[LP_HASH_BYTES];

    crypto_generichash(mh, sizeof(mh), pkg->manifest_bytes,
                       pkg->manifest_len, NULL, 0);
    if (memcmp(mh, po->manifest, LP_HASH_BYTES) != 0)
        return lpi_error(pkg->ctx, LP_EHASH, "the new release is not the "
                         "one the index lists (its manifest differs)");
    o.now = po->now;
    o.min_version = po->min_version;
    return lp_package_accept(pkg, po->trust, po->state, &o, &po->res);
}

/* Copy the full package at src over dest, atomically */
static int install_copy(lp_ctx *ctx, const char *src, const char *dest)
{
    unsigned char *buf = lpi_malloc(ctx, LPI_IO_CHUNK);
    lpi_buf tmp;
    int in = -1, out = -1, rc = 0;
    uint64_t off = 0;
    struct stat sb;

    lpi_buf_init(&tmp, 16384);
    if (!buf)
        return lpi_nomem(ctx);
    in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in < 0 || fstat(in, &sb) < 0)
        rc = lpi_error(ctx, LP_EIO, "cannot open '%s': %s", src,
                       strerror(errno));
    if (rc == 0)
        rc = lpi_temp_create(ctx, dest, 0644, &tmp, &out);
    while (rc == 0 && off < (uint64_t)sb.st_size) {
        uint64_t left = (uint64_t)sb.st_size - off;
        size_t n = left < LPI_IO_CHUNK ? (size_t)left : LPI_IO_CHUNK;
        rc = lpi_pread_full(ctx, in, buf, n, off);
        if (rc == 0 && lpi_write_full(out, buf, n) < 0)
            rc = lpi_error(ctx, LP_EIO, "cannot write '%s': %s", tmp.data,
                           strerror(errno));
        off += n;
    }
    if (out >= 0) {
        rc = lpi_atomic_finish(ctx, out, tmp.data, rc);
        rc = lpi_atomic_install(ctx, tmp.data, dest, rc);
    }
    if (in >= 0)
        close(in);
    lpi_free(ctx, buf);
    lpi_buf_dispose(&tmp, ctx);
    return rc;
}

/* Rebuild the newest release from the fetched files and put it at
 * pkg_path, if the policy accepts it */
static int apply_plan(updater *u, const char *pkg_path, policy *po)
{
    lp_ctx *ctx = u->ctx;
    lp_update_result *res = u->res;
    lpi_buf cur, next;
    int rc = 0;

    lpi_buf_init(&cur, 16384);
    lpi_buf_init(&next, 16384);
    if (res->steps[0].full) {
        lp_package *p = NULL;
        lp_verify_opts vo = LP_VERIFY_OPTS_INIT;
        const char *src = spooled(u, res->steps[0].path);
        vo.progress = u->o->progress;
        vo.progress_user = u->o->progress_user;
        rc = src ? lp_package_open(&p, ctx, src) : LP_ENOMEM;
        if (rc == 0)
            rc = lp_package_verify(p, &vo);
        if (rc == 0)
            rc = accept_new(p, po);
        lp_package_free(p);
        if (rc == 0)
            rc = install_copy(ctx, src, pkg_path);
        goto done;
    }
    rc = lpi_buf_printf(&cur, ctx, "%s", pkg_path);
    for (size_t i = 0; rc == 0 && i < res->nsteps; i++) {
        const lp_update_step *s = &res->steps[i];
        bool last = i + 1 == res->nsteps;
        lp_apply_opts ao = LP_APPLY_OPTS_INIT;
        lp_package *base = NULL;
        lp_delta *d = NULL;

        next.len = 0;
        rc = last ? lpi_buf_printf(&next, ctx, "%s", pkg_path)
                  : lpi_buf_printf(&next, ctx, "%s/step-%" PRIu64 ".lpk",
                                   u->spool.data, s->target);
        if (rc == 0)
            rc = lp_package_open(&base, ctx, cur.data);
        if (rc == 0) {
            const char *dp = spooled(u, s->path);
            rc = dp ? lp_delta_open(&d, ctx, dp) : LP_ENOMEM;
        }
        if (rc == 0 && (lp_delta_get_info(d)->target_version != s->target ||
                        strcmp(lp_delta_get_info(d)->target_id,
                               u->rp->id) != 0))
            rc = lpi_error(ctx, LP_EFORMAT, "%s: not the delta the index "
                           "lists", s->path);
        ao.max_window = u->o->max_window;
        ao.progress = u->o->progress;
        ao.progress_user = u->o->progress_user;
        if (last) {
            ao.check = accept_new;
            ao.check_user = po;
        }
        if (rc == 0)
            rc = lp_delta_apply(d, base, next.data, &ao, NULL);
        lp_delta_free(d);
        lp_package_free(base);
        /* the step before is not needed any more */
        if (i > 0)
            unlink(cur.data);
        if (rc < 0 && !last)
            unlink(next.data);
        cur.len = 0;
        if (rc == 0)
            rc = lpi_buf_printf(&cur, ctx, "%s", next.data);
    }
done:
    lpi_buf_dispose(&cur, ctx);
    lpi_buf_dispose(&next, ctx);
    return rc;
}

/* Everything this code leaves in a spool: HEX.lpk, HEX.lpd, their .part,
 * step-N.lpk and its temporary files */
static void clean_spool(updater *u)
{
    DIR *d = opendir(u->spool.data);
    struct dirent *e;

    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        bool ours = strncmp(e->d_name, "step-", 5) == 0 ||
                    (n >= LP_HASH_HEX_BYTES + 4 &&
                     strspn(e->d_name, "0123456789abcdef") ==
                         LP_HASH_HEX_BYTES &&
                     e->d_name[LP_HASH_HEX_BYTES] == '.');
        if (ours)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

/* What an update killed while writing the new release left beside the
 * hub's package: PKG.tmp-HEX (lpi_temp_create()'s names) and, where the
 * file system has no O_TMPFILE, PKG.spool-XXXXXX (lpi_spool_open()'s,
 * killed between mkostemp and unlink); removed while the spool is
 * locked, so by no update still running */
static void clean_stale_temps(const char *pkg_path)
{
    const char *slash = strrchr(pkg_path, '/');
    const char *base = slash ? slash + 1 : pkg_path;
    size_t blen = strlen(base);
    char dir[4096];
    struct dirent *e;
    DIR *d;

    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else if ((size_t)(slash - pkg_path) < sizeof(dir))
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash == pkg_path ? 1 :
                 slash - pkg_path), pkg_path);
    else
        return;
    d = opendir(dir);
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        const char *t = e->d_name + blen;
        if (strncmp(e->d_name, base, blen) != 0)
            continue;
        if ((strncmp(t, ".tmp-", 5) == 0 && strlen(t + 5) == 12 &&
             strspn(t + 5, "0123456789abcdef") == 12) ||
            (strncmp(t, ".spool-", 7) == 0 && strlen(t + 7) == 6 &&
             strspn(t + 7, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "abcdefghijklmnopqrstuvwxyz") == 6))
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

static int open_spool(updater *u, const lp_state *state, int *lockfd)
{
    lp_ctx *ctx = u->ctx;
    int rc;

    if (u->o->spool)
        rc = lpi_buf_printf(&u->spool, ctx, "%s", u->o->spool);
    else
        rc = lpi_buf_printf(&u->spool, ctx, "%s/spool", lpi_state_dir(state));
    if (rc < 0)
        return rc;
    return lpi_dir_lock(ctx, u->spool.data, NULL, false, "another update",
                        lockfd);
}

/* A new hub names no package id: the index's only one (its id is taken
 * from the text before the signatures are checked, and is then checked
 * with them) into u->res->id */
static int only_id(updater *u, const lpi_buf *data)
{
    lp_repo *r = NULL;
    int rc = lp_repo_parse(&r, u->ctx, data->data, data->len, u->path.data);

    if (rc == 0 && r->npkgs != 1)
        rc = lpi_error(u->ctx, LP_ENOTFOUND, "%s lists %zu packages: name "
                       "the one to take (--id)", u->path.data, r->npkgs);
    if (rc == 0)
        snprintf(u->res->id, sizeof(u->res->id), "%s", r->pkgs[0].id);
    lp_repo_free(r);
    return rc;
}

/* Fetch and check the index; find the package id in it (NULL: the
 * index's only one, for a new hub) */
static int read_index(updater *u, const lp_trust *trust,
                      const lp_state *state, const char *id)
{
    lp_ctx *ctx = u->ctx;
    lp_repo_check_opts co = LP_REPO_CHECK_OPTS_INIT;
    lpi_buf data;
    int rc;

    rc = lpi_fetch_small(&u->f, LPI_REPO_INDEX, LP_REPO_MAX_INDEX_BYTES,
                         &data);
    u->res->unreachable = u->f.source_failed;
    co.now = u->o->now;
    u->path.len = 0;
    if (rc == 0)
        rc = lpi_buf_printf(&u->path, ctx, "%s/" LPI_REPO_INDEX, u->f.base);
    if (rc == 0 && !id) {
        rc = only_id(u, &data);
        id = u->res->id;
    }
    if (rc == 0)
        rc = lp_repo_check(&u->repo, ctx, data.data, data.len, u->path.data,
                           trust, state, id, &co);
    lpi_buf_dispose(&data, ctx);
    if (rc < 0)
        return rc;
    u->res->serial = lp_repo_serial(u->repo);
    u->rp = lpi_repo_pkg(u->repo, id, false);
    if (!u->rp)
        return lpi_error(ctx, LP_ENOTFOUND, "%s: the index lists no "
                         "package '%s'", u->f.base, id);
    u->newest = &u->rp->rels[u->rp->nrels - 1];
    u->res->to_version = u->newest->version;
    return 0;
}

/* Fetch every file of the plan into the spool (LP_STAGE_FETCHING) */
static int fetch_plan(updater *u)
{
    lp_update_result *res = u->res;
    int rc;

    rc = lpi_progress_begin(&u->prog, u->ctx, LP_STAGE_FETCHING, res->nsteps,
                            res->plan_bytes);
    u->f.prog = &u->prog;

    for (size_t i = 0; rc == 0 && i < res->nsteps; i++) {
        unsigned char hash[LP_HASH_BYTES];
        struct stat sb;
        lpi_buf dest;
        lpi_buf_init(&dest, 16384);
        const char *sp = spooled(u, res->steps[i].path);
        step_file(u, &res->steps[i], hash);
        rc = sp ? lpi_buf_printf(&dest, u->ctx, "%s", sp) : LP_ENOMEM;
        if (rc == 0) {
            /* count what an earlier attempt left, for progress */
            lpi_buf part;
            lpi_buf_init(&part, 16384);
            if (stat(dest.data, &sb) == 0)
                u->present += (uint64_t)sb.st_size;
            else if (lpi_buf_printf(&part, u->ctx, "%s.part",
                                    dest.data) == 0 &&
                     stat(part.data, &sb) == 0)
                u->present += (uint64_t)sb.st_size;
            lpi_buf_dispose(&part, u->ctx);
        }
        /* what an earlier attempt left is done already */
        if (rc == 0)
            rc = lpi_progress_add(&u->prog, u->ctx, 0, u->present);
        u->present = 0;
        if (rc == 0)
            rc = lpi_fetch_file(&u->f, res->steps[i].path, dest.data,
                                res->steps[i].size, hash);
        if (rc == 0)
            rc = lpi_progress_add(&u->prog, u->ctx, 1, 0);
        lpi_buf_dispose(&dest, u->ctx);
    }
    if (rc == 0)
        rc = lpi_progress_end(&u->prog, u->ctx);
    u->f.prog = NULL;
    return rc;
}

/* The hub has the newest release: record the index; record the release
 * too if an update was killed after its rename, before it was recorded
 * (only if it passes the policy: a package that does not is left for
 * lpack verify to name); empty the spool, and remove the temporary
 * files beside the package, of what that update left */
static int up_to_date(updater *u, const char *pkg_path, lp_package *hub,
                      const lp_trust *trust, lp_state *state)
{
    lp_accept_opts ao = LP_ACCEPT_OPTS_INIT;
    lp_accept_result ar;
    uint64_t have = 0;
    int lockfd = -1, rc;

    if (lp_state_get(state, hub->m.id, &have, NULL) < 0 ||
        have < hub->m.version) {
        ao.now = u->o->now;
        if (lp_package_accept(hub, trust, state, &ao, &ar) == 0) {
            rc = lp_state_record(state, hub, ar.newest);
            if (rc < 0)
                return rc;
        }
    }
    rc = lp_repo_record(u->repo, state, hub->m.id);
    if (rc == 0 && open_spool(u, state, &lockfd) == 0) {
        clean_spool(u);
        clean_stale_temps(pkg_path);
    }
    if (lockfd >= 0)
        close(lockfd);
    return rc;
}

/* The hub's package, or none (a new hub: *hub NULL) if pkg_path does not
 * exist; it must be of opts->id if that is given */
static int open_hub(updater *u, const char *pkg_path, lp_package **hub)
{
    const char *id = u->o->version >= 3 ? u->o->id : NULL;
    struct stat sb;
    int rc;

    *hub = NULL;
    if (lstat(pkg_path, &sb) < 0 && errno == ENOENT) {
        if (id)
            snprintf(u->res->id, sizeof(u->res->id), "%s", id);
        return 0;
    }
    rc = lp_package_open(hub, u->ctx, pkg_path);
    if (rc == 0 && id && strcmp(id, (*hub)->m.id) != 0)
        rc = lpi_error(u->ctx, LP_EINVAL, "'%s' is package '%s', not '%s'",
                       pkg_path, (*hub)->m.id, id);
    if (rc < 0)
        return rc;
    snprintf(u->res->id, sizeof(u->res->id), "%s", (*hub)->m.id);
    u->res->from_version = (*hub)->m.version;
    return 0;
}

int lp_update(lp_ctx *ctx, const char *pkg_path, const char *source,
              const lp_trust *trust, lp_state *state,
              const lp_update_opts *opts, lp_update_result *result)
{
    static const lp_update_opts defaults = LP_UPDATE_OPTS_INIT;
    lp_update_result dummy;
    lp_package *hub = NULL;
    unsigned char mh[LP_HASH_BYTES] = { 0 };
    const lpi_rrel *listed = NULL;
    uint64_t from = 0;
    policy po;
    updater u;
    int lockfd = -1, rc;

    LP_ASSERT_ARG(ctx && pkg_path && source && trust && state);
    if (!opts)
        opts = &defaults;
    if (!result)
        result = &dummy;
    memset(result, 0, sizeof(*result));
    memset(&po, 0, sizeof(po));
    rc = updater_init(&u, ctx, opts, result);
    if (rc == 0)
        rc = open_hub(&u, pkg_path, &hub);
    if (rc < 0)
        goto done;
    if (hub) {
        from = hub->m.version;
        crypto_generichash(mh, sizeof(mh), hub->manifest_bytes,
                           hub->manifest_len, NULL, 0);
    }
    rc = lpi_fetch_open(&u.f, ctx, source, opts->limit_rate, opts->timeout);
    if (rc == 0)
        rc = read_index(&u, trust, state, result->id[0] ? result->id : NULL);
    if (rc < 0)
        goto done;
    if (hub && u.newest->version <= from) {
        result->outcome = LP_UPDATE_UP_TO_DATE;
        if (!opts->dry_run)
            rc = up_to_date(&u, pkg_path, hub, trust, state);
        goto done;
    }
    /* deltas apply to the hub's release only if it is the one listed; a
     * new hub takes the full package */
    if (hub)
        listed = lpi_repo_rel(u.rp, from);
    plan(&u, from, listed && memcmp(listed->manifest, mh, LP_HASH_BYTES) == 0);
    if (opts->dry_run) {
        result->outcome = LP_UPDATE_PLANNED;
        goto done;
    }
    rc = open_spool(&u, state, &lockfd);
    if (rc == 0) {
        clean_stale_temps(pkg_path);
        rc = check_disk(&u, pkg_path);
    }
    if (rc == 0)
        rc = fetch_plan(&u);
    result->fetched_bytes = u.f.fetched;
    result->resumed_bytes = u.f.resumed;
    result->unreachable = u.f.source_failed;
    if (rc < 0)
        goto done;
    po.trust = trust;
    po.state = state;
    po.now = opts->now;
    po.min_version = from;
    po.manifest = u.newest->manifest;
    /* the hub's package is read by the first delta: close it first only
     * after the update (the final rename replaces the file, not the
     * open descriptor) */
    rc = apply_plan(&u, pkg_path, &po);
    if (rc == 0) {
        lp_package *now = NULL;
        rc = lp_package_open(&now, ctx, pkg_path);
        if (rc == 0)
            rc = lp_state_record(state, now, po.res.newest);
        lp_package_free(now);
    }
    if (rc == 0)
        rc = lp_repo_record(u.repo, state, result->id);
    if (rc == 0) {
        result->outcome = hub ? LP_UPDATE_UPDATED : LP_UPDATE_INSTALLED;
        clean_spool(&u);
    }
done:
    result->fetched_bytes = u.f.fetched;
    result->resumed_bytes = u.f.resumed;
    if (lockfd >= 0)
        close(lockfd);
    updater_dispose(&u);
    lp_package_free(hub);
    return rc;
}

/* ------------------------------------------------------------ mirror */

/* Every file the index names, into the spool (the stick's files/) */
static int mirror_all(updater *u)
{
    lp_update_result *res = u->res;
    uint64_t nfiles = 0;
    int rc;

    for (size_t i = 0; i < u->repo->npkgs; i++) {
        const lpi_rpkg *p = &u->repo->pkgs[i];
        nfiles += p->nrels + p->ndeltas;
        for (size_t k = 0; k < p->nrels; k++)
            res->plan_bytes += p->rels[k].size;
        for (size_t k = 0; k < p->ndeltas; k++)
            res->plan_bytes += p->deltas[k].size;
    }
    rc = lpi_progress_begin(&u->prog, u->ctx, LP_STAGE_FETCHING, nfiles,
                            res->plan_bytes);
    u->f.prog = &u->prog;
    for (size_t i = 0; rc == 0 && i < u->repo->npkgs; i++) {
        const lpi_rpkg *p = &u->repo->pkgs[i];
        for (size_t k = 0; rc == 0 && k < p->nrels + p->ndeltas; k++) {
            bool rel = k < p->nrels;
            const unsigned char *h = rel ? p->rels[k].file
                                         : p->deltas[k - p->nrels].file;
            uint64_t size = rel ? p->rels[k].size
                                : p->deltas[k - p->nrels].size;
            char name[LPI_REPO_NAME_BYTES];
            const char *dest;
            struct stat sb;
            lpi_repo_file_name(name, h, !rel);
            dest = spooled(u, name);
            if (!dest) {
                rc = LP_ENOMEM;
                break;
            }
            /* there already: done (it is checked all the same) */
            if (stat(dest, &sb) == 0 && (uint64_t)sb.st_size == size)
                rc = lpi_progress_add(&u->prog, u->ctx, 0, size);
            if (rc == 0)
                rc = lpi_fetch_file(&u->f, name, dest, size, h);
            if (rc == 0)
                rc = lpi_progress_add(&u->prog, u->ctx, 1, 0);
        }
    }
    if (rc == 0)
        rc = lpi_progress_end(&u->prog, u->ctx);
    u->f.prog = NULL;
    res->nsteps = 0;
    return rc;
}

int lp_repo_mirror(lp_ctx *ctx, const char *source, const char *dir,
                   const lp_trust *trust, const char *for_pkg,
                   const lp_update_opts *opts, lp_update_result *result)
{
    static const lp_update_opts defaults = LP_UPDATE_OPTS_INIT;
    lp_update_result dummy;
    lp_repo_check_opts co = LP_REPO_CHECK_OPTS_INIT;
    lp_package *hub = NULL;
    lpi_buf data;
    updater u;
    int lockfd = -1, rc;

    LP_ASSERT_ARG(ctx && source && dir && trust);
    if (!opts)
        opts = &defaults;
    if (!result)
        result = &dummy;
    memset(result, 0, sizeof(*result));
    lpi_buf_init(&data, 1);
    co.now = opts->now;
    rc = updater_init(&u, ctx, opts, result);
    if (rc == 0)
        rc = lpi_fetch_open(&u.f, ctx, source, opts->limit_rate,
                            opts->timeout);
    if (rc == 0 && for_pkg)
        rc = lp_package_open(&hub, ctx, for_pkg);
    if (rc == 0) {
        rc = lpi_fetch_small(&u.f, LPI_REPO_INDEX, LP_REPO_MAX_INDEX_BYTES,
                             &data);
        result->unreachable = u.f.source_failed;
    }
    if (rc == 0)
        rc = lp_repo_check(&u.repo, ctx, data.data, data.len, u.f.base,
                           trust, NULL, hub ? hub->m.id : "-", &co);
    if (rc == 0) {
        result->serial = lp_repo_serial(u.repo);
        /* two mirrors onto one stick would race for the index */
        rc = lpi_dir_lock(ctx, dir, LPI_REPO_FILES, false,
                          "another lpack mirror", &lockfd);
    }
    if (rc == 0)
        rc = lpi_buf_printf(&u.spool, ctx, "%s/" LPI_REPO_FILES, dir);
    if (rc == 0 && hub) {
        unsigned char mh[LP_HASH_BYTES];
        const lpi_rrel *listed;
        u.rp = lpi_repo_pkg(u.repo, hub->m.id, false);
        if (!u.rp)
            rc = lpi_error(ctx, LP_ENOTFOUND, "%s: the index lists no "
                           "package '%s'", u.f.base, hub->m.id);
        if (rc == 0) {
            snprintf(result->id, sizeof(result->id), "%s", hub->m.id);
            u.newest = &u.rp->rels[u.rp->nrels - 1];
            result->from_version = hub->m.version;
            result->to_version = u.newest->version;
            crypto_generichash(mh, sizeof(mh), hub->manifest_bytes,
                               hub->manifest_len, NULL, 0);
            listed = lpi_repo_rel(u.rp, hub->m.version);
            if (u.newest->version > hub->m.version) {
                plan(&u, hub->m.version, listed &&
                     memcmp(listed->manifest, mh, LP_HASH_BYTES) == 0);
                rc = fetch_plan(&u);
            }
        }
    } else if (rc == 0) {
        rc = mirror_all(&u);
    }
    result->fetched_bytes = u.f.fetched;
    result->resumed_bytes = u.f.resumed;
    result->unreachable = u.f.source_failed;
    if (rc == 0) {
        lpi_buf idx;
        lpi_buf_init(&idx, 8192);
        rc = lpi_buf_printf(&idx, ctx, "%s/" LPI_REPO_INDEX, dir);
        /* last: a stick with this index has every file it needs */
        if (rc == 0)
            rc = lpi_write_file_atomic(ctx, idx.data, data.data, data.len,
                                       0644, true);
        lpi_buf_dispose(&idx, ctx);
    }
    if (lockfd >= 0)
        close(lockfd);
    updater_dispose(&u);
    lp_package_free(hub);
    lpi_buf_dispose(&data, ctx);
    return rc;
}
