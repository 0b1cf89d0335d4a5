/*
 * publish.c - add releases to an update repository (lp-repo(5))
 *
 * Files are named by the hash of their bytes and never change; only the
 * index is replaced, last, atomically.  A publisher killed half-way
 * leaves at most unlisted files behind, which the next run reuses.
 */
#include "lpi_update.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct publisher {
    lp_ctx *ctx;
    const char *dir;
    const lp_publish_opts *o;
    lp_trust *trust;        /* the publishing keys, threshold 1 */
    lp_repo *r;
    lpi_buf path;           /* scratch for file names */
    unsigned char *io;
} publisher;

/* "DIR/NAME" into p->path */
static const char *in_repo(publisher *p, const char *name)
{
    p->path.len = 0;
    if (lpi_buf_printf(&p->path, p->ctx, "%s/%s", p->dir, name) < 0)
        return NULL;
    return p->path.data;
}

static int publish_time(lp_ctx *ctx, const lp_publish_opts *o, int64_t *out)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");

    if (o->now >= 0) {
        *out = o->now;
    } else if (sde && *sde) {
        uint64_t v;
        if (lpi_parse_u64(sde, strlen(sde), INT64_MAX, &v) < 0)
            return lpi_error(ctx, LP_EINVAL, "SOURCE_DATE_EPOCH '%s' is not "
                             "a number of seconds", sde);
        *out = (int64_t)v;
    } else {
        *out = (int64_t)time(NULL);
    }
    return 0;
}

/* A trust file in memory naming the publishing keys: what the repository
 * must already be signed with, and what each package must carry */
static int keys_trust(publisher *p, const lp_key *const *keys, size_t n)
{
    lpi_buf t;
    int rc;

    lpi_buf_init(&t, LP_TRUST_MAX_BYTES);
    rc = lpi_buf_printf(&t, p->ctx, "lp-trust 1\nthreshold 1\n");
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = lpi_buf_printf(&t, p->ctx, "key %s - - publishing key %s\n",
                            lp_key_base64(keys[i]), lp_key_id(keys[i]));
    if (rc == 0)
        rc = lp_trust_parse(&p->trust, p->ctx, t.data, t.len,
                            "the publishing keys");
    lpi_buf_dispose(&t, p->ctx);
    return rc;
}

/* The index in the folder, if any: it must be one of ours */
static int load_index(publisher *p)
{
    const char *path = in_repo(p, LPI_REPO_INDEX);
    lp_ctx *ctx = p->ctx;
    lp_trust_opts to = LP_TRUST_OPTS_INIT;
    const char *sigs;
    size_t len = 0, signed_len, slen;
    char *data = NULL;
    int fd, rc;
    struct stat sb;

    if (!path)
        return LP_ENOMEM;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0 && errno == ENOENT)
        return lpi_repo_new(&p->r, ctx);
    if (fd < 0)
        return lpi_error(ctx, LP_EIO, "cannot open '%s': %s", path,
                         strerror(errno));
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
        rc = lpi_error(ctx, LP_EIO, "'%s' is not a regular file", path);
    else if ((uint64_t)sb.st_size > LP_REPO_MAX_INDEX_BYTES)
        rc = lpi_error(ctx, LP_ETOOBIG, "'%s' is larger than %u bytes",
                       path, LP_REPO_MAX_INDEX_BYTES);
    else if (!(data = lpi_malloc(ctx, (size_t)sb.st_size + 1)))
        rc = lpi_nomem(ctx);
    else
        rc = lpi_pread_full(ctx, fd, data, len = (size_t)sb.st_size, 0);
    close(fd);
    if (rc == 0)
        rc = lpi_repo_split(ctx, data, len, &signed_len, &sigs, &slen,
                            path);
    if (rc == 0)
        rc = lp_trust_check_detached(ctx, p->trust, LPI_REPO_PURPOSE, data,
                                     signed_len, sigs, slen, &to, NULL,
                                     NULL);
    if (rc == LP_EUNTRUSTED)
        rc = lpi_error(ctx, LP_EUNTRUSTED, "'%s' is not signed by any of "
                       "the publishing keys (%s): publish with the keys "
                       "that signed it", path, ctx->msg);
    if (rc == 0)
        rc = lp_repo_parse(&p->r, ctx, data, len, path);
    lpi_free(ctx, data);
    return rc;
}

/* Copy the file behind fd into the repository as name, unless a file of
 * that name and content is there already */
static int store(publisher *p, int fd, uint64_t size, const char *name,
                 const unsigned char hash[LP_HASH_BYTES])
{
    lp_ctx *ctx = p->ctx;
    const char *dest = in_repo(p, name);
    unsigned char have[LP_HASH_BYTES];
    lpi_buf tmp;
    uint64_t off = 0;
    int out = -1, in, rc;

    if (!dest)
        return LP_ENOMEM;
    in = open(dest, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (in >= 0) {
        struct stat sb;
        rc = fstat(in, &sb) == 0 && S_ISREG(sb.st_mode) &&
             (uint64_t)sb.st_size == size
             ? lpi_file_hash(ctx, in, 0, size, have) : -1;
        close(in);
        if (rc == 0 && memcmp(have, hash, LP_HASH_BYTES) == 0)
            return 0;   /* there already (an earlier, interrupted run) */
    }
    lpi_buf_init(&tmp, 8192);
    rc = lpi_temp_create(ctx, dest, 0644, &tmp, &out);
    while (rc == 0 && off < size) {
        size_t n = size - off < LPI_IO_CHUNK ? (size_t)(size - off)
                                              : LPI_IO_CHUNK;
        rc = lpi_pread_full(ctx, fd, p->io, n, off);
        if (rc == 0 && lpi_write_full(out, p->io, n) < 0)
            rc = lpi_error(ctx, LP_EIO, "cannot write '%s': %s", tmp.data,
                           strerror(errno));
        off += n;
    }
    if (out >= 0) {
        rc = lpi_atomic_finish(ctx, out, tmp.data, rc);
        rc = lpi_atomic_install(ctx, tmp.data, dest, rc);
    }
    lpi_buf_dispose(&tmp, ctx);
    return rc;
}

static int add_package(publisher *p, const char *path, lpi_rpkg **touched)
{
    lp_ctx *ctx = p->ctx;
    lp_package *pkg = NULL;
    lp_verify_opts vo = LP_VERIFY_OPTS_INIT;
    lpi_rrel rel;
    lpi_rpkg *rp;
    const lpi_rrel *had;
    char name[LPI_REPO_NAME_BYTES];
    int rc;

    memset(&rel, 0, sizeof(rel));
    *touched = NULL;
    rc = lp_package_open(&pkg, ctx, path);
    if (rc == 0)
        rc = lp_package_verify(pkg, &vo);
    if (rc == 0) {
        rc = lp_package_check_trust(pkg, p->trust, NULL, NULL, NULL);
        if (rc == LP_EUNTRUSTED)
            rc = lpi_error(ctx, LP_EUNTRUSTED, "'%s' is not signed by any "
                           "of the publishing keys (%s): lpack sign it "
                           "first", path, ctx->msg);
    }
    if (rc < 0)
        goto done;
    rel.version = pkg->m.version;
    rel.size = pkg->file_size;
    rel.expires = pkg->m.has_expires ? pkg->m.expires : -1;
    crypto_generichash(rel.manifest, LP_HASH_BYTES, pkg->manifest_bytes,
                       pkg->manifest_len, NULL, 0);
    rc = lpi_file_hash(ctx, pkg->fd, 0, pkg->file_size, rel.file);
    if (rc < 0)
        goto done;
    rp = lpi_repo_pkg(p->r, pkg->m.id, true);
    if (!rp) {
        rc = ctx->code ? ctx->code : lpi_nomem(ctx);
        goto done;
    }
    had = lpi_repo_rel(rp, rel.version);
    if (had && memcmp(had->file, rel.file, LP_HASH_BYTES) == 0)
        goto done;      /* published already: nothing to do */
    if (had) {
        rc = lpi_error(ctx, LP_EEXIST, "release %" PRIu64 " of '%s' is "
                       "published already, with other content: a new "
                       "release needs a new number", rel.version,
                       pkg->m.id);
        goto done;
    }
    rel.label = lpi_repo_own(p->r, pkg->m.label);
    if (!rel.label) {
        rc = LP_ENOMEM;
        goto done;
    }
    lpi_repo_file_name(name, rel.file, false);
    rc = store(p, pkg->fd, pkg->file_size, name, rel.file);
    if (rc == 0)
        rc = lpi_repo_add_rel(p->r, rp, &rel);
    if (rc == 0)
        *touched = rp;
done:
    if (rc < 0 && pkg)
        lpi_error_prefix(ctx, "%s", path);
    lp_package_free(pkg);
    return rc;
}

/* The delta base -> target, made and stored unless the index has it */
static int add_delta(publisher *p, lpi_rpkg *rp, const lpi_rrel *base,
                     const lpi_rrel *target, lp_publish_result *res)
{
    lp_ctx *ctx = p->ctx;
    char bname[LPI_REPO_NAME_BYTES], tname[LPI_REPO_NAME_BYTES];
    char dname[LPI_REPO_NAME_BYTES];
    lp_package *b = NULL, *t = NULL;
    lp_delta_info info;
    lpi_rdelta d;
    lpi_buf tmp;
    int fd = -1, rc;

    if (lpi_repo_has_delta(rp, base->version, target->version))
        return 0;
    memset(&d, 0, sizeof(d));
    d.base = base->version;
    d.target = target->version;
    lpi_repo_file_name(bname, base->file, false);
    lpi_repo_file_name(tname, target->file, false);
    lpi_buf_init(&tmp, 8192);
    rc = lpi_buf_printf(&tmp, ctx, "%s/" LPI_REPO_FILES "/new-delta.tmp",
                        p->dir);
    if (rc == 0)
        rc = lp_package_open(&b, ctx, in_repo(p, bname));
    if (rc == 0)
        rc = lp_package_open(&t, ctx, in_repo(p, tname));
    if (rc == 0)
        rc = lp_delta_create(b, t, tmp.data, &p->o->delta, &info);
    if (rc == 0) {
        fd = open(tmp.data, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
            rc = lpi_error(ctx, LP_EIO, "cannot open '%s': %s", tmp.data,
                           strerror(errno));
    }
    if (rc == 0) {
        d.size = info.delta_size;
        rc = lpi_file_hash(ctx, fd, 0, d.size, d.file);
    }
    if (fd >= 0)
        close(fd);
    if (rc == 0) {
        lpi_repo_file_name(dname, d.file, true);
        if (rename(tmp.data, in_repo(p, dname)) < 0)
            rc = lpi_error(ctx, LP_EIO, "cannot rename '%s': %s", tmp.data,
                           strerror(errno));
        else
            rc = lpi_sync_dir_of(ctx, p->path.data);
    }
    if (rc == 0)
        rc = lpi_repo_add_delta(p->r, rp, &d);
    if (rc == 0) {
        res->deltas++;
        res->delta_bytes += d.size;
    } else {
        unlink(tmp.data);
        lpi_error_prefix(ctx, "delta %s %" PRIu64 " -> %" PRIu64, rp->id,
                         d.base, d.target);
    }
    lp_package_free(b);
    lp_package_free(t);
    lpi_buf_dispose(&tmp, ctx);
    return rc;
}

/* Deltas to the newest release from the o->deltas releases before it */
static int make_deltas(publisher *p, lpi_rpkg *rp, lp_publish_result *res)
{
    const lpi_rrel *newest = &rp->rels[rp->nrels - 1];
    size_t n = rp->nrels - 1;
    int rc = 0;

    for (size_t k = 0; rc == 0 && k < p->o->deltas && k < n; k++)
        rc = add_delta(p, rp, &rp->rels[n - 1 - k], newest, res);
    return rc;
}

/* Sign the index text with every key and put it in place */
static int write_index(publisher *p, const lp_key *const *keys, size_t nkeys,
                       int64_t now)
{
    lp_ctx *ctx = p->ctx;
    lpi_buf text;
    size_t signed_len;
    int rc;

    lpi_buf_init(&text, LP_REPO_MAX_INDEX_BYTES);
    rc = lpi_repo_format(p->r, &text);
    signed_len = text.len;
    for (size_t i = 0; rc == 0 && i < nkeys; i++) {
        lp_sig *sig = NULL;
        /* each signature covers the text only, not the blocks before */
        rc = lp_sig_sign_detached(&sig, ctx, keys[i], LPI_REPO_PURPOSE,
                                  text.data, signed_len, now, NULL);
        if (rc == 0)
            rc = lpi_buf_add(&text, ctx, sig->text, sig->text_len);
        lp_sig_free(sig);
    }
    if (rc == 0)
        rc = lpi_write_file_atomic(ctx, in_repo(p, LPI_REPO_INDEX),
                                   text.data, text.len, 0644, true);
    lpi_buf_dispose(&text, ctx);
    return rc;
}

int lp_repo_publish(lp_ctx *ctx, const char *dir, const char *const *pkgs,
                    size_t npkgs, const lp_key *const *keys, size_t nkeys,
                    const lp_publish_opts *opts, lp_publish_result *res)
{
    static const lp_publish_opts defaults = LP_PUBLISH_OPTS_INIT;
    lp_publish_result dummy;
    publisher p;
    uint64_t old_serial;
    int64_t now = 0;
    int dfd = -1, rc;

    LP_ASSERT_ARG(ctx && dir && (pkgs || npkgs == 0) && keys);
    if (!opts)
        opts = &defaults;
    if (!res)
        res = &dummy;
    memset(res, 0, sizeof(*res));
    memset(&p, 0, sizeof(p));
    p.ctx = ctx;
    p.dir = dir;
    p.o = opts;
    lpi_buf_init(&p.path, 8192);
    if (opts->version != LP_PUBLISH_OPTS_VERSION)
        return lpi_error(ctx, LP_EINVAL, "unknown lp_publish_opts version "
                         "%u", opts->version);
    if (nkeys == 0)
        return lpi_error(ctx, LP_EINVAL, "no key to sign the index with");
    for (size_t i = 0; i < nkeys; i++)
        if (!keys[i])
            return lpi_error(ctx, LP_EINVAL, "key %zu is NULL", i);
    if (opts->valid_for < 3600 || opts->valid_for > 10 * 366 * 86400LL)
        return lpi_error(ctx, LP_EINVAL, "an index is valid for 1 hour to "
                         "10 years");
    rc = publish_time(ctx, opts, &now);
    if (rc < 0)
        return rc;

    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return lpi_error(ctx, LP_EIO, "cannot create '%s': %s", dir,
                         strerror(errno));
    /* one publisher at a time: two would race for the serial */
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (dfd < 0 || flock(dfd, LOCK_EX) < 0) {
        rc = lpi_error(ctx, LP_EIO, "cannot lock '%s': %s", dir,
                       strerror(errno));
        goto done;
    }
    if (mkdirat(dfd, LPI_REPO_FILES, 0755) < 0 && errno != EEXIST) {
        rc = lpi_error(ctx, LP_EIO, "cannot create '%s/" LPI_REPO_FILES
                       "': %s", dir, strerror(errno));
        goto done;
    }
    p.io = lpi_malloc(ctx, LPI_IO_CHUNK);
    if (!p.io) {
        rc = lpi_nomem(ctx);
        goto done;
    }
    rc = keys_trust(&p, keys, nkeys);
    if (rc == 0)
        rc = load_index(&p);
    if (rc < 0)
        goto done;
    old_serial = p.r->serial;
    for (size_t i = 0; rc == 0 && i < npkgs; i++) {
        lpi_rpkg *rp;
        rc = add_package(&p, pkgs[i], &rp);
        if (rc == 0 && rp)
            res->releases++;
    }
    /* every id, not only those added to: the same call again, or one
     * with a larger --deltas, completes what is missing */
    if (rc < 0)
        goto done;
    for (size_t i = 0; rc == 0 && i < p.r->npkgs; i++)
        rc = make_deltas(&p, &p.r->pkgs[i], res);
    res->changed = res->releases > 0 || res->deltas > 0 || opts->refresh ||
                   old_serial == 0;
    res->serial = old_serial;
    if (rc < 0 || !res->changed)
        goto done;
    p.r->serial = old_serial + 1;
    p.r->created = now;
    p.r->expires = now + opts->valid_for;
    rc = write_index(&p, keys, nkeys, now);
    if (rc == 0)
        res->serial = p.r->serial;
done:
    if (dfd >= 0)
        close(dfd);
    lpi_free(ctx, p.io);
    lp_trust_free(p.trust);
    lp_repo_free(p.r);
    lpi_buf_dispose(&p.path, ctx);
    return rc;
}
