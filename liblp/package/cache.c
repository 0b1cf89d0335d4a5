/*
 * cache.c - the build cache's store: entries as files in 256 shard
 * folders below DIR/lp-cache-1, each checked whole before it is used
 * (lpi_cache.h has the layout), written to a temporary file and renamed,
 * and the folder kept under its size limit by removing the least recently
 * used entries.
 *
 * Concurrency: readers never lock (a rename is atomic; they see an old
 * entry, a new one or none).  Two builds writing the same entry both
 * rename; the last wins, and both are right (same key, same content).
 * Enforcing the limit takes an flock() on DIR/lp-cache-1/lock; the lock
 * file holds the folder's estimated size, which spares the scan of every
 * entry while nothing is near the limit.
 */
#include "lpi_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "lpcache\x01"
#define NSHARDS 256u
/* A hit refreshes an entry's time (for eviction) when it is older than
 * this: one syscall saved on most hits of a build run twice in a row */
#define TOUCH_AFTER 60
/* Temporary files older than this are a killed build's: removed */
#define STALE_TMP 3600
/* Eviction brings the folder down to this share of the limit, so that it
 * does not run again at the next entry */
#define EVICT_TO(max) ((max) / 4 * 3)
/* Most entries looked at by one eviction scan */
#define MAX_SCAN 4000000u

struct lpi_cache {
    int dirfd;                /* DIR/lp-cache-1 */
    uint64_t max;
    pthread_mutex_t lock;     /* for shards[] */
    int shards[NSHARDS];      /* opened on first use; -1 */
    atomic_uint_fast64_t hits, misses, damaged, written, evicted;
    atomic_uint_fast64_t bytes_written;
};

/* ------------------------------------------------------------- keys */

void lpi_ckey_begin(lpi_hasher *h, lpi_cache_kind kind)
{
    lpi_hash_init(h);
    lpi_ckey_str(h, MAGIC);
    lpi_ckey_u64(h, (uint64_t)kind);
    lpi_ckey_str(h, PACKAGE_VERSION);
}

void lpi_ckey_u64(lpi_hasher *h, uint64_t v)
{
    unsigned char b[8];

    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    lpi_hash_update(h, b, sizeof(b));
}

void lpi_ckey_bytes(lpi_hasher *h, const void *data, size_t len)
{
    lpi_ckey_u64(h, len);
    if (len > 0)
        lpi_hash_update(h, data, len);
}

void lpi_ckey_str(lpi_hasher *h, const char *s)
{
    lpi_ckey_bytes(h, s ? s : "", s ? strlen(s) : 0);
    lpi_ckey_u64(h, s != NULL);
}

void lpi_ckey_end(lpi_hasher *h, unsigned char key[LPI_CACHE_KEY_BYTES])
{
    lpi_hash_final(h, key);
}

/* ------------------------------------------------------ payload codec */

void lpi_rd_init(lpi_rd *r, const void *data, size_t len)
{
    r->p = data;
    r->end = r->p + len;
    r->bad = false;
}

const void *lpi_rd_bytes(lpi_rd *r, size_t n)
{
    const unsigned char *at = r->p;

    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return NULL;
    }
    r->p += n;
    return at;
}

uint64_t lpi_rd_u64(lpi_rd *r)
{
    const unsigned char *b = lpi_rd_bytes(r, 8);
    uint64_t v = 0;

    for (int i = 7; b && i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

uint32_t lpi_rd_u32(lpi_rd *r)
{
    const unsigned char *b = lpi_rd_bytes(r, 4);

    return b ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
               (uint32_t)b[3] << 24 : 0;
}

char *lpi_rd_str(lpi_rd *r, lp_ctx *ctx, size_t max, bool *nomem)
{
    uint64_t n = lpi_rd_u64(r);
    const char *s;
    char *out;

    if (r->bad || n > max) {
        r->bad = true;
        return NULL;
    }
    s = lpi_rd_bytes(r, (size_t)n);
    if (!s || memchr(s, '\0', (size_t)n)) {
        r->bad = true;
        return NULL;
    }
    out = lpi_malloc(ctx, (size_t)n + 1);
    if (!out) {
        *nomem = true;
        r->bad = true;
        return NULL;
    }
    memcpy(out, s, (size_t)n);
    out[n] = '\0';
    return out;
}

int lpi_wr_u64(lpi_buf *b, lp_ctx *ctx, uint64_t v)
{
    unsigned char x[8];

    for (int i = 0; i < 8; i++)
        x[i] = (unsigned char)(v >> (8 * i));
    return lpi_buf_add(b, ctx, x, sizeof(x));
}

int lpi_wr_u32(lpi_buf *b, lp_ctx *ctx, uint32_t v)
{
    unsigned char x[4] = { (unsigned char)v, (unsigned char)(v >> 8),
                           (unsigned char)(v >> 16),
                           (unsigned char)(v >> 24) };

    return lpi_buf_add(b, ctx, x, sizeof(x));
}

int lpi_wr_mem(lpi_buf *b, lp_ctx *ctx, const void *data, size_t len)
{
    int rc = lpi_wr_u64(b, ctx, len);

    return rc < 0 || len == 0 ? rc : lpi_buf_add(b, ctx, data, len);
}

int lpi_wr_str(lpi_buf *b, lp_ctx *ctx, const char *s)
{
    return lpi_wr_mem(b, ctx, s ? s : "", s ? strlen(s) : 0);
}

/* ------------------------------------------------------------ folder */

/* mkdir -p dir, each folder made 0700 */
static int make_dirs(lp_ctx *ctx, const char *dir)
{
    char *path = lpi_strdup(ctx, dir);
    int rc = 0;

    if (!path)
        return LP_ENOMEM;
    for (char *s = path + 1; rc == 0; s++) {
        bool end = *s == '\0';

        if (*s != '/' && !end)
            continue;
        *s = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            rc = lpi_error(ctx, LP_EIO, "cannot create the cache folder "
                           "'%s': %s", path, strerror(errno));
        if (end)
            break;
        *s = '/';
    }
    lpi_free(ctx, path);
    return rc;
}

int lpi_cache_open(lpi_cache **out, lp_ctx *ctx, const char *dir,
                   uint64_t max_bytes)
{
    lpi_cache *c;
    int fd, rc;

    *out = NULL;
    if (!dir || !*dir)
        return lpi_error(ctx, LP_EINVAL, "empty cache folder name");
    rc = make_dirs(ctx, dir);
    if (rc < 0)
        return rc;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return lpi_error(ctx, LP_EIO, "cannot open the cache folder '%s': "
                         "%s", dir, strerror(errno));
    if (mkdirat(fd, LPI_CACHE_SUBDIR, 0700) != 0 && errno != EEXIST) {
        rc = lpi_error(ctx, LP_EIO, "cannot create '%s/%s': %s", dir,
                       LPI_CACHE_SUBDIR, strerror(errno));
        close(fd);
        return rc;
    }
    c = lpi_calloc(ctx, 1, sizeof(*c));
    if (!c) {
        close(fd);
        return LP_ENOMEM;
    }
    /* our own folder: never reached through a link */
    c->dirfd = openat(fd, LPI_CACHE_SUBDIR, O_RDONLY | O_DIRECTORY |
                      O_NOFOLLOW | O_CLOEXEC);
    close(fd);
    if (c->dirfd < 0) {
        rc = lpi_error(ctx, LP_EIO, "cannot open '%s/%s': %s", dir,
                       LPI_CACHE_SUBDIR, strerror(errno));
        lpi_free(ctx, c);
        return rc;
    }
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        close(c->dirfd);
        lpi_free(ctx, c);
        return lpi_error(ctx, LP_EINTERNAL, "cannot create a lock");
    }
    c->max = max_bytes ? max_bytes : LP_CACHE_DEFAULT_MAX;
    for (unsigned i = 0; i < NSHARDS; i++)
        c->shards[i] = -1;
    *out = c;
    return 0;
}

/* The shard folder of key (made if need be), or -1 */
static int shard(lpi_cache *c, const unsigned char *key, bool create)
{
    char name[3];
    int fd;

    pthread_mutex_lock(&c->lock);
    fd = c->shards[key[0]];
    if (fd < 0) {
        snprintf(name, sizeof(name), "%02x", key[0]);
        if (create && mkdirat(c->dirfd, name, 0700) != 0 && errno != EEXIST)
            fd = -1;
        else
            fd = openat(c->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                        O_CLOEXEC);
        c->shards[key[0]] = fd;
    }
    pthread_mutex_unlock(&c->lock);
    return fd;
}

/* The entry's file name in its shard: kind and the key's other bytes */
static void entry_name(char out[70], lpi_cache_kind kind,
                       const unsigned char *key)
{
    char hex[LP_HASH_HEX_BYTES + 1];

    lpi_hash_hex(hex, key);
    snprintf(out, 70, "%c%s", (char)kind, hex + 2);
}

static void header(unsigned char h[LPI_CACHE_HEADER_BYTES],
                   lpi_cache_kind kind, const unsigned char *key,
                   uint64_t len)
{
    memset(h, 0, LPI_CACHE_HEADER_BYTES);
    memcpy(h, MAGIC, 8);
    h[8] = (unsigned char)kind;
    memcpy(h + 16, key, LPI_CACHE_KEY_BYTES);
    for (int i = 0; i < 8; i++)
        h[48 + i] = (unsigned char)(len >> (8 * i));
}

/* ------------------------------------------------------------- get */

static void drop(lpi_cache *c, int sfd, const char *name)
{
    atomic_fetch_add(&c->damaged, 1);
    (void)unlinkat(sfd, name, 0);
}

int lpi_cache_get(lpi_cache *c, lp_ctx *ctx, lpi_cache_kind kind,
                  const unsigned char key[LPI_CACHE_KEY_BYTES], size_t max,
                  unsigned char **data, size_t *len)
{
    unsigned char want[LPI_CACHE_HEADER_BYTES], hash[LP_HASH_BYTES];
    unsigned char *buf = NULL;
    char name[70];
    struct stat st;
    lpi_hasher h;
    uint64_t plen;
    size_t got = 0;
    int sfd, fd;

    *data = NULL;
    *len = 0;
    if (max > LPI_CACHE_MAX_PAYLOAD)
        max = LPI_CACHE_MAX_PAYLOAD;
    sfd = shard(c, key, false);
    if (sfd < 0)
        goto miss;
    entry_name(name, kind, key);
    fd = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
                O_NOCTTY);
    if (fd < 0)
        goto miss;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_size < (off_t)LPI_CACHE_HEADER_BYTES ||
        (uint64_t)st.st_size - LPI_CACHE_HEADER_BYTES > max) {
        close(fd);
        /* a FIFO or a folder under an entry's name is no entry either */
        drop(c, sfd, name);
        goto miss;
    }
    plen = (uint64_t)st.st_size - LPI_CACHE_HEADER_BYTES;
    buf = lpi_malloc(ctx, LPI_CACHE_HEADER_BYTES + (size_t)plen + 1);
    if (!buf) {
        close(fd);
        return LP_ENOMEM;
    }
    while (got < LPI_CACHE_HEADER_BYTES + plen) {
        ssize_t n = read(fd, buf + got, LPI_CACHE_HEADER_BYTES + plen - got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got == LPI_CACHE_HEADER_BYTES + plen &&
        st.st_mtime < time(NULL) - TOUCH_AFTER)
        (void)futimens(fd, NULL); /* recently used */
    close(fd);
    header(want, kind, key, plen);
    if (got != LPI_CACHE_HEADER_BYTES + plen ||
        memcmp(buf, want, 56) != 0) {
        lpi_free(ctx, buf);
        drop(c, sfd, name);
        goto miss;
    }
    lpi_hash_init(&h);
    lpi_hash_update(&h, buf, 56);
    lpi_hash_update(&h, buf + LPI_CACHE_HEADER_BYTES, (size_t)plen);
    lpi_hash_final(&h, hash);
    if (sodium_memcmp(hash, buf + 56, LP_HASH_BYTES) != 0) {
        lpi_free(ctx, buf);
        drop(c, sfd, name);
        goto miss;
    }
    /* the payload to the front: one allocation, freed as the caller's */
    memmove(buf, buf + LPI_CACHE_HEADER_BYTES, (size_t)plen);
    buf[plen] = 0;
    *data = buf;
    *len = (size_t)plen;
    atomic_fetch_add(&c->hits, 1);
    return 1;
miss:
    atomic_fetch_add(&c->misses, 1);
    return 0;
}

/* ------------------------------------------------------------- put */

int lpi_cache_put(lpi_cache *c, lp_ctx *ctx, lpi_cache_kind kind,
                  const unsigned char key[LPI_CACHE_KEY_BYTES],
                  const lpi_iov *iov, size_t n)
{
    unsigned char head[LPI_CACHE_HEADER_BYTES];
    char name[70], tmp[96];
    uint64_t plen = 0;
    lpi_hasher h;
    bool ok;
    int sfd, fd = -1;

    (void)ctx;
    for (size_t i = 0; i < n; i++)
        plen += iov[i].len;
    if (plen > LPI_CACHE_MAX_PAYLOAD)
        return 0;
    sfd = shard(c, key, true);
    if (sfd < 0)
        return 0;
    header(head, kind, key, plen);
    lpi_hash_init(&h);
    lpi_hash_update(&h, head, 56);
    for (size_t i = 0; i < n; i++)
        if (iov[i].len > 0)
            lpi_hash_update(&h, iov[i].data, iov[i].len);
    lpi_hash_final(&h, head + 56);
    entry_name(name, kind, key);
    for (unsigned attempt = 0; attempt < 16 && fd < 0; attempt++) {
        unsigned char r[6];
        char hex[13];

        randombytes_buf(r, sizeof(r));
        sodium_bin2hex(hex, sizeof(hex), r, sizeof(r));
        snprintf(tmp, sizeof(tmp), ".tmp-%s", hex);
        fd = openat(sfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
                    O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            return 0;
    }
    if (fd < 0)
        return 0;
    /* no fsync: an entry torn by a crash fails its hash and is rebuilt */
    ok = lpi_write_full(fd, head, sizeof(head)) == 0;
    for (size_t i = 0; i < n && ok; i++)
        ok = iov[i].len == 0 ||
             lpi_write_full(fd, iov[i].data, iov[i].len) == 0;
    ok = close(fd) == 0 && ok;
    if (ok)
        ok = renameat(sfd, tmp, sfd, name) == 0;
    if (!ok) {
        (void)unlinkat(sfd, tmp, 0);
        return 0;
    }
    atomic_fetch_add(&c->written, 1);
    atomic_fetch_add(&c->bytes_written, plen + LPI_CACHE_HEADER_BYTES);
    return 0;
}

void lpi_cache_get_stats(lpi_cache *c, lpi_cache_stats *out)
{
    out->hits = atomic_load(&c->hits);
    out->misses = atomic_load(&c->misses);
    out->damaged = atomic_load(&c->damaged);
    out->written = atomic_load(&c->written);
    out->evicted = atomic_load(&c->evicted);
}

/* ---------------------------------------------------------- eviction */

typedef struct victim {
    int64_t time;             /* last use */
    uint64_t size;
    unsigned char shard;
    char name[70];
} victim;

static int cmp_victim(const void *x, const void *y)
{
    const victim *a = x, *b = y;
    int n;

    if (a->time != b->time)
        return a->time < b->time ? -1 : 1;
    /* the same second: a fixed order all the same */
    n = (int)a->shard - (int)b->shard;
    return n ? n : strcmp(a->name, b->name);
}

/* Every entry, with its size and time (blocks, as the disk counts them);
 * stale temporary files are removed on the way */
static int scan(lpi_cache *c, lp_ctx *ctx, victim **out, size_t *count,
                uint64_t *total)
{
    size_t cap = 0;
    time_t now = time(NULL);

    *out = NULL;
    *count = 0;
    *total = 0;
    for (unsigned s = 0; s < NSHARDS; s++) {
        unsigned char k = (unsigned char)s;
        int sfd = shard(c, &k, false), dfd;
        struct dirent *e;
        DIR *d;

        if (sfd < 0)
            continue;
        dfd = dup(sfd);
        d = dfd < 0 ? NULL : fdopendir(dfd);
        if (!d) {
            if (dfd >= 0)
                close(dfd);
            continue;
        }
        rewinddir(d);
        while ((e = readdir(d)) != NULL) {
            struct stat st;
            victim *v;
            int rc;

            if (e->d_name[0] == '.' && (e->d_name[1] == '\0' ||
                                        e->d_name[1] == '.'))
                continue;
            if (fstatat(sfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
                continue;
            if (strncmp(e->d_name, ".tmp-", 5) == 0) {
                if (st.st_mtime < now - STALE_TMP)
                    (void)unlinkat(sfd, e->d_name, 0);
                continue;
            }
            if (strlen(e->d_name) >= sizeof(v->name) || *count >= MAX_SCAN)
                continue;
            rc = lpi_grow(ctx, (void **)out, &cap, *count + 1,
                          sizeof(**out));
            if (rc < 0) {
                closedir(d);
                return rc;
            }
            v = &(*out)[(*count)++];
            v->time = (int64_t)st.st_mtime;
            v->size = (uint64_t)st.st_blocks * 512u;
            if (v->size < (uint64_t)st.st_size)
                v->size = (uint64_t)st.st_size;
            v->shard = k;
            snprintf(v->name, sizeof(v->name), "%s", e->d_name);
            *total += v->size;
        }
        closedir(d);
    }
    return 0;
}

/* The estimate kept in the lock file (0 if none, or not a number) */
static uint64_t read_usage(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    uint64_t v = 0;

    if (n <= 0)
        return 0;
    buf[n] = '\0';
    for (char *p = buf; *p >= '0' && *p <= '9'; p++) {
        if (v > UINT64_MAX / 10 - 9)
            return UINT64_MAX;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    return v;
}

static void write_usage(int fd, uint64_t v)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)v);

    if (ftruncate(fd, 0) == 0)
        (void)!pwrite(fd, buf, (size_t)n, 0);
}

static void enforce_limit(lpi_cache *c, lp_ctx *ctx)
{
    uint64_t usage, total;
    victim *v = NULL;
    size_t n = 0;
    int fd;

    fd = openat(c->dirfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
                0600);
    if (fd < 0)
        return;
    /* one build at a time: the estimate is read, updated and written
     * under the lock */
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            close(fd);
            return;
        }
    }
    usage = read_usage(fd);
    usage = usage > UINT64_MAX - atomic_load(&c->bytes_written) ?
            UINT64_MAX : usage + atomic_load(&c->bytes_written);
    if (usage <= c->max) {
        write_usage(fd, usage);
        close(fd);
        return;
    }
    if (scan(c, ctx, &v, &n, &total) == 0) {
        if (total > c->max) {
            lpi_sort(v, n, sizeof(*v), cmp_victim);
            for (size_t i = 0; i < n && total > EVICT_TO(c->max); i++) {
                unsigned char k = v[i].shard;
                int sfd = shard(c, &k, false);

                if (sfd >= 0 && unlinkat(sfd, v[i].name, 0) == 0) {
                    total -= v[i].size;
                    atomic_fetch_add(&c->evicted, 1);
                }
            }
        }
        write_usage(fd, total);
    }
    lpi_free(ctx, v);
    close(fd); /* and the lock with it */
}

void lpi_cache_close(lpi_cache *c, lp_ctx *ctx)
{
    if (!c)
        return;
    if (atomic_load(&c->written) > 0)
        enforce_limit(c, ctx);
    for (unsigned i = 0; i < NSHARDS; i++)
        if (c->shards[i] >= 0)
            close(c->shards[i]);
    close(c->dirfd);
    pthread_mutex_destroy(&c->lock);
    lpi_free(ctx, c);
}

/* ---------------------------------------------------------- default */

int lp_cache_default_dir(char *out, size_t cap)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    int n;

    LP_ASSERT_ARG(out && cap > 0);
    out[0] = '\0';
    /* the XDG base directory spec: a relative path is to be ignored */
    if (xdg && xdg[0] == '/')
        n = snprintf(out, cap, "%s/lp", xdg);
    else if (home && home[0] == '/')
        n = snprintf(out, cap, "%s/.cache/lp", home);
    else
        return LP_ENOTFOUND;
    if (n < 0 || (size_t)n >= cap) {
        out[0] = '\0';
        return LP_ETOOBIG;
    }
    return 0;
}
