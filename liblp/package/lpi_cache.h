/*
 * lpi_cache.h - the build cache (cache.c): results of earlier work kept in
 * a folder, keyed by a hash of everything that decides them, so that a
 * build does not do the same work twice.  lpc(1), CACHE, describes it for
 * users.  Not installed.
 *
 * An entry is a file holding a header and a payload:
 *
 *   0  8  "lpcache" and a format byte (1)
 *   8  1  kind (lpi_cache_kind)
 *   9  7  zero
 *  16 32  key
 *  48  8  payload length, little-endian
 *  56 32  BLAKE2b-256 of bytes 0..55 and the payload
 *  88     payload
 *
 * Entries are hostile input: one that is short, long, of another kind or
 * key, or whose hash does not match is a miss (and is removed), never
 * trusted.  Each is written to a temporary file and renamed into place, so
 * concurrent builds sharing a folder see whole entries or none.  The folder
 * is kept under a size limit by removing the least recently used entries
 * (a hit refreshes an entry's time).
 */
#ifndef LPI_CACHE_H
#define LPI_CACHE_H

#include "lpi_package.h"

#define LPI_CACHE_KEY_BYTES 32u
#define LPI_CACHE_HEADER_BYTES 88u
/* The largest payload an entry may have (a compressed object, a lesson's
 * documents) */
#define LPI_CACHE_MAX_PAYLOAD (32u * 1024u * 1024u)
/* The folder below the cache folder holding this format's entries */
#define LPI_CACHE_SUBDIR "lp-cache-1"

/* What an entry holds; part of its name and of its header */
typedef enum lpi_cache_kind {
    LPI_CACHE_MEDIA = 'm',   /* a file's hash and CRC, by its metadata */
    LPI_CACHE_OBJECT = 'z',  /* a compressed object, by content and level */
    LPI_CACHE_DICT = 'd',    /* a trained dictionary, by its samples */
    LPI_CACHE_LESSON = 'l',  /* a checked lesson: diagnostics and facts */
    LPI_CACHE_COMPILED = 'c' /* a compiled lesson: its documents */
} lpi_cache_kind;

typedef struct lpi_cache lpi_cache;

/* Open (creating it and its parents, mode 0700) the cache folder dir;
 * max_bytes bounds it (0: LP_CACHE_DEFAULT_MAX).  Thread-safe once open:
 * gets and puts may run on any thread, each with its own ctx. */
int lpi_cache_open(lpi_cache **out, lp_ctx *ctx, const char *dir,
                   uint64_t max_bytes);
/* Enforce the size limit if this handle wrote anything, and free it.
 * Never fails: the cache is an optimisation. */
void lpi_cache_close(lpi_cache *c, lp_ctx *ctx);

/* The payload of entry (kind, key), at most max bytes, into a buffer the
 * caller frees with lpi_free(): 1 if found and whole; 0 if not (missing,
 * damaged, too large: a damaged entry is removed); LP_ENOMEM. */
int lpi_cache_get(lpi_cache *c, lp_ctx *ctx, lpi_cache_kind kind,
                  const unsigned char key[LPI_CACHE_KEY_BYTES], size_t max,
                  unsigned char **data, size_t *len);
/* Store a payload (iov: n parts, written one after the other) as entry
 * (kind, key), replacing any.  0, or LP_ENOMEM; an entry that cannot be
 * written is only counted (the build goes on without it). */
typedef struct lpi_iov {
    const void *data;
    size_t len;
} lpi_iov;
int lpi_cache_put(lpi_cache *c, lp_ctx *ctx, lpi_cache_kind kind,
                  const unsigned char key[LPI_CACHE_KEY_BYTES],
                  const lpi_iov *iov, size_t n);

/* What a handle did: hits, misses, damaged entries met, entries written,
 * entries removed to keep the limit */
typedef struct lpi_cache_stats {
    uint64_t hits, misses, damaged, written, evicted;
} lpi_cache_stats;
void lpi_cache_get_stats(lpi_cache *c, lpi_cache_stats *out);

/* Keys: a hasher fed with length-prefixed fields, so that no two
 * different field lists hash alike.  lpi_ckey_begin() starts with the
 * entry format, the kind and the library's version. */
void lpi_ckey_begin(lpi_hasher *h, lpi_cache_kind kind);
void lpi_ckey_bytes(lpi_hasher *h, const void *data, size_t len);
void lpi_ckey_str(lpi_hasher *h, const char *s);
void lpi_ckey_u64(lpi_hasher *h, uint64_t v);
void lpi_ckey_end(lpi_hasher *h, unsigned char key[LPI_CACHE_KEY_BYTES]);

/* Payloads: a reader over bytes that may be hostile.  Every read checks
 * the length left; after the first failure every read fails (r->bad). */
typedef struct lpi_rd {
    const unsigned char *p, *end;
    bool bad;
} lpi_rd;
void lpi_rd_init(lpi_rd *r, const void *data, size_t len);
uint64_t lpi_rd_u64(lpi_rd *r);
uint32_t lpi_rd_u32(lpi_rd *r);
/* n bytes, borrowed; NULL (and r->bad) if fewer are left */
const void *lpi_rd_bytes(lpi_rd *r, size_t n);
/* A length-prefixed string of at most max bytes with no NUL in it, copied
 * (NUL-terminated) into a buffer of the caller's (lpi_free); NULL if bad
 * or no memory (*nomem set then) */
char *lpi_rd_str(lpi_rd *r, lp_ctx *ctx, size_t max, bool *nomem);
/* ... and the writer: appends to a buffer (LP_ENOMEM, LP_ETOOBIG) */
int lpi_wr_u64(lpi_buf *b, lp_ctx *ctx, uint64_t v);
int lpi_wr_u32(lpi_buf *b, lp_ctx *ctx, uint32_t v);
int lpi_wr_str(lpi_buf *b, lp_ctx *ctx, const char *s);
int lpi_wr_mem(lpi_buf *b, lp_ctx *ctx, const void *data, size_t len);

/* The writer keeps and reuses media hashes (by file metadata), compressed
 * objects and its dictionary in cache (not owned; NULL: none) */
void lpi_writer_set_cache(lp_writer *w, lpi_cache *cache);

#endif /* LPI_CACHE_H */
