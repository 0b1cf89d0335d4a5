/*
 * server_cache.c - rendered pages kept for the next request that asks for
 * the same one: a bounded LRU shared by the hub's threads.
 *
 * Keys name the release they were rendered from (its serial number, which
 * no other release of the hub's life gets), so a package swapped in by
 * `lpack update` is never answered with a page of the release before: the
 * old pages are simply not asked for again and age out.  Every page is a
 * copy; a response gets its own copy of it, so an entry can go at any time.
 */
#include "lpi_server.h"

#include <string.h>

#define NBUCKETS 4096u

typedef struct ent {
    struct ent *hnext;          /* in its bucket */
    struct ent *newer, *older;  /* the LRU list */
    uint64_t hash;
    size_t klen, len;
    unsigned char data[];       /* the key, then the page */
} ent;

struct lpi_pagecache {
    lp_allocator alloc;
    pthread_mutex_t lock;
    size_t max, used;           /* bytes of pages and keys */
    ent *newest, *oldest;
    ent *buckets[NBUCKETS];
};

/* FNV-1a: keys are ours (a serial, a kind, a language, a lesson id) but
 * their ids come from the package; a collision costs a compare only */
static uint64_t hash_key(const unsigned char *k, size_t n)
{
    uint64_t h = 14695981039346656037ull;

    for (size_t i = 0; i < n; i++) {
        h ^= k[i];
        h *= 1099511628211ull;
    }
    return h;
}

int lpi_pagecache_new(lp_ctx *ctx, size_t max, lpi_pagecache **out)
{
    lpi_pagecache *pc = lpi_calloc(ctx, 1, sizeof(*pc));

    *out = NULL;
    if (!pc)
        return lpi_nomem(ctx);
    pc->alloc = ctx->alloc;
    pc->max = max;
    pthread_mutex_init(&pc->lock, NULL);
    *out = pc;
    return 0;
}

void lpi_pagecache_free(lp_ctx *ctx, lpi_pagecache *pc)
{
    if (!pc)
        return;
    for (ent *e = pc->newest, *next; e; e = next) {
        next = e->older;
        pc->alloc.free_fn(e, pc->alloc.user);
    }
    pthread_mutex_destroy(&pc->lock);
    lpi_free(ctx, pc);
}

static ent **find(lpi_pagecache *pc, uint64_t h, const void *key,
                  size_t klen)
{
    ent **p = &pc->buckets[h % NBUCKETS];

    while (*p && ((*p)->hash != h || (*p)->klen != klen ||
                  memcmp((*p)->data, key, klen) != 0))
        p = &(*p)->hnext;
    return p;
}

static void unlink_lru(lpi_pagecache *pc, ent *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        pc->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        pc->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void push_lru(lpi_pagecache *pc, ent *e)
{
    e->newer = NULL;
    e->older = pc->newest;
    if (pc->newest)
        pc->newest->newer = e;
    pc->newest = e;
    if (!pc->oldest)
        pc->oldest = e;
}

/* Drop e (under the lock) */
static void drop(lpi_pagecache *pc, ent *e)
{
    ent **p = find(pc, e->hash, e->data, e->klen);

    if (*p == e)
        *p = e->hnext;
    unlink_lru(pc, e);
    pc->used -= sizeof(*e) + e->klen + e->len;
    pc->alloc.free_fn(e, pc->alloc.user);
}

struct MHD_Response *lpi_pagecache_get(lpi_pagecache *pc, const void *key,
                                       size_t klen, size_t *len)
{
    uint64_t h = hash_key(key, klen);
    struct MHD_Response *resp = NULL;
    ent *e;

    if (!pc)
        return NULL;
    pthread_mutex_lock(&pc->lock);
    e = *find(pc, h, key, klen);
    if (e) {
        unlink_lru(pc, e);
        push_lru(pc, e);
        resp = MHD_create_response_from_buffer(e->len, e->data + klen,
                                               MHD_RESPMEM_MUST_COPY);
        *len = e->len;
    }
    pthread_mutex_unlock(&pc->lock);
    return resp;
}

void lpi_pagecache_put(lpi_pagecache *pc, const void *key, size_t klen,
                       const void *page, size_t len)
{
    uint64_t h = hash_key(key, klen);
    ent *e, **p;

    /* a page that would take more than an eighth of the cache is not
     * worth pushing out so many others for */
    if (!pc || klen + len > pc->max / 8)
        return;
    e = pc->alloc.malloc_fn(sizeof(*e) + klen + len, pc->alloc.user);
    if (!e)
        return;             /* not kept: the next request renders again */
    e->hash = h;
    e->klen = klen;
    e->len = len;
    memcpy(e->data, key, klen);
    memcpy(e->data + klen, page, len);
    pthread_mutex_lock(&pc->lock);
    p = find(pc, h, key, klen);
    if (*p)                 /* rendered by two requests at once */
        drop(pc, *p);
    p = find(pc, h, key, klen);
    e->hnext = NULL;
    *p = e;
    push_lru(pc, e);
    pc->used += sizeof(*e) + klen + len;
    while (pc->used > pc->max && pc->oldest != e)
        drop(pc, pc->oldest);
    pthread_mutex_unlock(&pc->lock);
}
