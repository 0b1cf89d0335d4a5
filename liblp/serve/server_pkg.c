/*
 * server_pkg.c - the packages a hub serves, and their replacement on disk.
 *
 * A served package is a path and the release currently open from it.  Each
 * request takes a reference on the current release and drops it when its
 * response is gone, so a release replaced by `lpack update` (which renames
 * a new file over the old one) stays open, file descriptor and all, until
 * the last request on it has finished.  At most once a second a request
 * stats the path; if the file there is another one (device, inode, size or
 * modification time changed) it is opened, checked like at start, and
 * becomes current.  A replacement that fails to open is logged and ignored:
 * the hub goes on serving the release it has.
 */
#include "lpi_server.h"

#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct lpi_byhash {
    unsigned char hash[LP_HASH_BYTES];
    size_t entry;
};

static int cmp_hash(const void *a, const void *b)
{
    return memcmp(a, b, LP_HASH_BYTES);
}

int lpi_srvver_find_hash(const lpi_srvver *v,
                         const unsigned char hash[LP_HASH_BYTES], size_t *i)
{
    const struct lpi_byhash *h = bsearch(hash, v->by_hash, v->nby_hash,
                                         sizeof(*h), cmp_hash);

    if (!h)
        return LP_ENOTFOUND;
    *i = h->entry;
    return 0;
}

static int index_hashes(lpi_srvver *v)
{
    size_t n = lp_package_entry_count(v->pkg), chunks = 0;

    v->by_hash = lpi_calloc(v->ctx, n ? n : 1, sizeof(*v->by_hash));
    v->first_chunk = lpi_calloc(v->ctx, n ? n : 1, sizeof(*v->first_chunk));
    v->data_off = lpi_calloc(v->ctx, n ? n : 1, sizeof(*v->data_off));
    if (!v->by_hash || !v->first_chunk || !v->data_off)
        return lpi_nomem(v->ctx);
    for (size_t i = 0; i < n; i++) {
        lp_entry_info info;
        if (lp_package_entry(v->pkg, i, &info) == 0) {
            memcpy(v->by_hash[v->nby_hash].hash, info.hash, LP_HASH_BYTES);
            v->by_hash[v->nby_hash++].entry = i;
        }
        /* sizes are bounded by the package file's: so is the count */
        v->first_chunk[i] = chunks;
        chunks += info.size > 0 ? (size_t)((info.size - 1) / LPI_CHUNK) + 1
                                : 1;
    }
    v->checked = lpi_calloc(v->ctx, chunks ? chunks : 1,
                            sizeof(*v->checked));
    if (!v->checked)
        return lpi_nomem(v->ctx);
    lpi_sort(v->by_hash, v->nby_hash, sizeof(*v->by_hash), cmp_hash);
    return 0;
}

static void ver_close(lpi_srvver *v)
{
    if (!v)
        return;
    lpi_free(v->ctx, v->by_hash);
    lpi_free(v->ctx, v->first_chunk);
    lpi_free(v->ctx, v->checked);
    lpi_free(v->ctx, v->data_off);
    lp_catalog_free(v->cat);
    lp_package_free(v->pkg);
    if (v->fd >= 0)
        close(v->fd);
    lp_ctx *ctx = v->ctx;
    lpi_free(ctx, v);
    lp_ctx_free(ctx);
}

/* Open the release in fd (taken: closed on failure), whose fstat() before
 * anything was read is *st; name names it in messages */
static int ver_open(lp_ctx *ctx, int fd, const struct stat *st,
                    const char *name, const char *id, lpi_srvver **out)
{
    lpi_srvver *v;
    lp_ctx *vctx = NULL;
    struct stat st2;
    int rc;

    *out = NULL;
    rc = lp_ctx_new(&vctx, &ctx->alloc);
    v = rc < 0 ? NULL : lpi_calloc(vctx, 1, sizeof(*v));
    if (!v) {
        lp_ctx_free(vctx);
        close(fd);
        return lpi_nomem(ctx);
    }
    v->ctx = vctx;
    atomic_init(&v->refs, 1);
    v->fd = fd;
    rc = lp_package_open_fd(&v->pkg, vctx, v->fd);
    if (rc < 0) {
        rc = lpi_error(ctx, rc, "%s", lp_ctx_errmsg(vctx));
        goto fail;
    }
    if (fstat(v->fd, &st2) < 0 || st2.st_ino != st->st_ino) {
        rc = lpi_error(ctx, LP_ECHANGED, "'%s' changed while opened", name);
        goto fail;
    }
    if (id && strcmp(lp_package_id(v->pkg), id) != 0) {
        rc = lpi_error(ctx, LP_EINVAL, "'%s' is now package '%s', not '%s'",
                       name, lp_package_id(v->pkg), id);
        goto fail;
    }
    rc = lp_catalog_open(&v->cat, vctx, v->pkg);
    if (rc == LP_ENOTFOUND) {
        v->cat = NULL;      /* a package of files: listed as such */
        rc = 0;
    } else if (rc < 0) {
        rc = lpi_error(ctx, rc, "%s", lp_ctx_errmsg(vctx));
        goto fail;
    }
    v->dev = st->st_dev;
    v->ino = st->st_ino;
    v->mtime = st->st_mtim;
    v->size = st->st_size;
    lp_package_manifest_hash(v->pkg, v->manifest);
    rc = index_hashes(v);
    if (rc < 0) {
        rc = lpi_nomem(ctx);
        goto fail;
    }
    *out = v;
    return 0;
fail:
    ver_close(v);
    return rc;
}

int lpi_srvver_open(lp_ctx *ctx, const char *path, const char *id,
                    lpi_srvver **out)
{
    struct stat st;
    /* the descriptor first: the package opened next must be this file */
    int fd = lpi_open_regular(AT_FDCWD, path, LPI_OPEN_FOLLOW, &st, NULL);

    *out = NULL;
    if (fd < 0)
        return lpi_error(ctx, LP_EIO, "cannot open '%s': %s", path,
                         fd == LPI_OPEN_NOTREG ? "not a regular file"
                                               : strerror(errno));
    return ver_open(ctx, fd, &st, path, id, out);
}

int lpi_srvver_open_fd(lp_ctx *ctx, int fd, lpi_srvver **out)
{
    struct stat st;
    int own;

    *out = NULL;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return lpi_error(ctx, LP_EIO, "descriptor %d is not a regular file",
                         fd);
    own = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (own < 0)
        return lpi_error(ctx, LP_EIO, "cannot duplicate descriptor %d: %s",
                         fd, strerror(errno));
    return ver_open(ctx, own, &st, "the build", NULL, out);
}

lpi_srvver *lpi_srvver_ref(lpi_srvver *v)
{
    atomic_fetch_add(&v->refs, 1);
    return v;
}

void lpi_srvver_unref(lpi_srvver *v)
{
    if (v && atomic_fetch_sub(&v->refs, 1) == 1)
        ver_close(v);
}

static bool same_file(const lpi_srvver *v, const struct stat *st)
{
    return v->dev == st->st_dev && v->ino == st->st_ino &&
           v->size == st->st_size &&
           v->mtime.tv_sec == st->st_mtim.tv_sec &&
           v->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* Reload if the file was replaced; at most one thread a second gets here */
static void maybe_reload(lpi_srvpkg *sp)
{
    lpi_srvver *nv, *old;
    struct stat st;
    lp_ctx *ctx;
    int rc;

    if (stat(sp->path, &st) < 0)
        return;     /* gone for a moment (being replaced): keep serving */
    pthread_mutex_lock(&sp->lock);
    rc = same_file(sp->cur, &st);
    pthread_mutex_unlock(&sp->lock);
    if (rc)
        return;
    if (lp_ctx_new(&ctx, &sp->srv->alloc) < 0)
        return;
    rc = lpi_srvver_open(ctx, sp->path, sp->id, &nv);
    if (rc < 0) {
        lpi_srv_log(sp->srv, "reload of '%s' failed, still serving release "
                    "%llu: %s", sp->path,
                    (unsigned long long)lp_package_version(sp->cur->pkg),
                    lp_ctx_errmsg(ctx));
        lp_ctx_free(ctx);
        return;
    }
    lp_ctx_free(ctx);
    nv->serial = atomic_fetch_add(&sp->srv->serials, 1) + 1;
    pthread_mutex_lock(&sp->lock);
    old = sp->cur;
    sp->cur = nv;
    pthread_mutex_unlock(&sp->lock);
    lpi_srv_log(sp->srv, "reloaded '%s': package '%s' release %llu (was "
                "%llu)", sp->path, sp->id,
                (unsigned long long)lp_package_version(nv->pkg),
                (unsigned long long)lp_package_version(old->pkg));
    lpi_srvver_unref(old);
}

lpi_srvver *lpi_srvpkg_get(lpi_srvpkg *sp)
{
    struct timespec now;
    long long sec, last;
    lpi_srvver *v;

    clock_gettime(CLOCK_MONOTONIC, &now);
    sec = (long long)now.tv_sec;
    last = atomic_load(&sp->checked);
    if (sp->path && sec != last &&
        atomic_compare_exchange_strong(&sp->checked, &last, sec))
        maybe_reload(sp);
    pthread_mutex_lock(&sp->lock);
    v = lpi_srvver_ref(sp->cur);
    pthread_mutex_unlock(&sp->lock);
    return v;
}

void lpi_srvpkg_free(lp_ctx *ctx, lpi_srvpkg *sp)
{
    if (!sp)
        return;
    lpi_srvver_unref(sp->cur);
    pthread_mutex_destroy(&sp->lock);
    lpi_free(ctx, sp->path);
    lpi_free(ctx, sp->id);
    lpi_free(ctx, sp);
}
