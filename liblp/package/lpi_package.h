/*
 * lpi_package.h - internals of the package format (liblp/package/): the
 * manifest, the ZIP container and the objects in it.  The parts above it
 * (sign, delta, curriculum, ...) include this; base (lpi.h) never does.
 */
#ifndef LPI_PACKAGE_H
#define LPI_PACKAGE_H

#include "lpi.h"  /* first: it brings config.h */

#include <pthread.h>
#include <stdatomic.h>
#include <zlib.h>

/* ------------------------------------------------------------ manifest */

#define LPI_MANIFEST_MAGIC "lpk-manifest"

typedef struct lpi_mentry {
    const char *path;        /* points into the manifest's text copy */
    const char *media_type;
    uint64_t size;
    unsigned char hash[LP_HASH_BYTES];
    size_t object;           /* index into the package's object table */
} lpi_mentry;

/* A "chunks" header line: the hashes of an object's chunks, so that any
 * chunk can be checked alone (lpk(5) CHUNK HASHES) */
typedef struct lpi_mchunks {
    unsigned char hash[LP_HASH_BYTES]; /* the object's */
    uint32_t chunk_size;
    size_t count;
    const char *hex;         /* count * 64 hex digits, checked (reader) */
    const unsigned char *bin; /* count * 32 bytes (writer) */
} lpi_mchunks;

/* Chunks: the size liblp writes, the sizes a reader accepts (powers of
 * two), and the objects it writes them for (larger than one chunk) */
#define LPI_CHUNK_BYTES (1024u * 1024u)
#define LPI_CHUNK_MIN (64u * 1024u)
#define LPI_CHUNK_MAX (16u * 1024u * 1024u)
/* Content larger than this is stored as is, compressible or not, so that
 * any range of it costs what its bytes cost (lpk(5) CHUNK HASHES) */
#define LPI_STORE_RANGED (8u * 1024u * 1024u)

typedef struct lpi_manifest {
    unsigned format;
    const char *id;
    uint64_t version;
    const char *label;
    const char **languages;
    size_t nlanguages;
    int64_t created;
    bool has_expires;        /* optional expiry date */
    int64_t expires;
    const char *profile;     /* optional build profile, or NULL */
    bool has_dictionary;     /* a zstd dictionary object, by hash */
    unsigned char dictionary[LP_HASH_BYTES];
    lpi_mentry *entries;
    size_t nentries;
    lpi_mchunks *chunks;     /* "chunks" lines, in manifest order */
    size_t nchunks;
    char *text;              /* the strings above, NUL-terminated copies */
    size_t text_used;        /* bytes of text in use */
    const char *last_type;   /* while parsing: the last media type kept */
} lpi_manifest;

/* Parse and check manifest bytes (see lpk(5)).  Errors name line numbers. */
int lpi_manifest_parse(lpi_manifest *m, lp_ctx *ctx,
                       const unsigned char *data, size_t len);
void lpi_manifest_dispose(lpi_manifest *m, lp_ctx *ctx);

/* A canonical decimal (no sign, no leading zeros) of len bytes, at most
 * max; -1 if it is anything else */
int lpi_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);

/* Writer side: fields are checked here so both sides share the rules. */
int lpi_check_id(lp_ctx *ctx, const char *id, size_t len);
int lpi_check_profile(lp_ctx *ctx, const char *name, size_t len);
int lpi_check_label(lp_ctx *ctx, const char *label, size_t len);
int lpi_check_language(lp_ctx *ctx, const char *tag, size_t len);
int lpi_check_media_type(lp_ctx *ctx, const char *type, size_t len);

/* The canonical text of m (entries already sorted) appended to out */
int lpi_manifest_serialize(const lpi_manifest *m, lp_ctx *ctx, lpi_buf *out);

/* "2026-11-28T14:00:00Z" <-> seconds since the epoch */
#define LPI_TIME_BYTES 21
int lpi_time_format(char out[LPI_TIME_BYTES], int64_t t);
int lpi_time_parse(const char *s, size_t len, int64_t *out);

/* ------------------------------------------------------------ container */

#define LPI_MIMETYPE "application/vnd.lp.package+zip"
#define LPI_MIMETYPE_NAME "mimetype"
#define LPI_MANIFEST_NAME "manifest"
#define LPI_OBJECTS_DIR "objects/"
#define LPI_SIGNATURES_DIR "signatures/"
#define LPI_ZST_SUFFIX ".zst"
/* Most signature entries, and so most ZIP entries (lpk(5) LIMITS) */
#define LPI_MAX_ZIP_ENTRIES (LP_MAX_ENTRIES + 2u + LP_MAX_SIGNATURES)

/* A ZIP entry, checked against lpk(5)'s container rules (zipread.c) */
typedef struct lpi_zentry {
    const unsigned char *record; /* its central directory record, whose
                                  * name lpi_zip_open() moved (see there):
                                  * lpi_zip_record() gives the bytes */
    const char *name;            /* the raw name, NUL-terminated in place */
    uint64_t offset;             /* of the local header */
    uint64_t limit;              /* where the next entry (or the central
                                  * directory) begins */
    uint64_t size;
    uint64_t data;               /* of the stored bytes */
    uint32_t crc;
    uint32_t raw_offset;         /* the record's own offset field */
    uint16_t name_len;
    /* Set once the local header was checked (lpi_zip_entry_ready); data
     * may be read only after that */
    atomic_uchar ready;
} lpi_zentry;

typedef struct lpi_zip {
    int fd;                      /* not owned */
    uint64_t file_size, cd_off;
    unsigned char *cd;           /* the central directory */
    lpi_zentry *entries;
    size_t count;
    pthread_mutex_t *lock;       /* guards the local header checks; not
                                  * owned, set before lpi_zip_entry_ready */
} lpi_zip;

/* Checks 1-3 and the central directory's framing, in one read of the
 * central directory; names are filled in */
int lpi_zip_open(lpi_zip *z, lp_ctx *ctx, int fd, uint64_t file_size);
/* Checks 8 and 11 for entry i now (the first two entries, which checks 4
 * to 6 read before anything else) */
int lpi_zip_check_entry(lpi_zip *z, lp_ctx *ctx, size_t i);
/* Check 8 for every entry, and check 10 as far as the central directory
 * alone tells: offsets, sizes and CRCs are filled in, not data offsets */
int lpi_zip_check_all_central(lpi_zip *z, lp_ctx *ctx);
/* Entry i's central directory record as the file holds it, added to out
 * (copying a package's records unchanged) */
int lpi_zip_record(const lpi_zip *z, lp_ctx *ctx, size_t i, lpi_buf *out);
/* Check 11 for entry i (its local header) and the exact end of its data:
 * made once, on first use, by whichever thread gets there first; until it
 * passes, the entry's data offset is unknown.  Safe from any thread. */
int lpi_zip_entry_ready(lpi_zip *z, lp_ctx *ctx, size_t i);
void lpi_zip_dispose(lpi_zip *z, lp_ctx *ctx);
/* pread exactly n bytes (LP_EFORMAT at end of file, LP_EIO on error) */
int lpi_pread_full(lp_ctx *ctx, int fd, void *buf, size_t n, uint64_t off);
/* CRC-32 of ZIP: zlib's crc32_z */
#define lpi_crc32(crc, data, len) \
    ((uint32_t)crc32_z((crc), (const unsigned char *)(data), (len)))

/* Writing the ZIP subset (zipwrite.c): begin an entry, give its bytes,
 * repeat, finish.  Every entry's size and CRC are known beforehand. */
typedef struct lpi_zipw {
    int fd;                  /* not owned; written sequentially */
    uint64_t pos;
    lpi_buf cd;              /* central directory, written at the end */
    lpi_buf head_cd;         /* records of the head entries, which the
                              * directory lists first */
    uint64_t count;
    uint16_t dos_time, dos_date;
    bool no_copy_range;      /* the file system refused copy_file_range */
    lpi_hasher *hash;        /* if set, every byte appended is hashed (the
                              * head and kernel copies are not: use
                              * lpi_zipw_write only) */
} lpi_zipw;

void lpi_zipw_init(lpi_zipw *z, int fd, int64_t mtime);
int lpi_zipw_begin(lpi_zipw *z, lp_ctx *ctx, const char *name,
                   uint64_t size, uint32_t crc);
int lpi_zipw_write(lpi_zipw *z, lp_ctx *ctx, const void *data, size_t len);
/* Start writing entries at pos instead of 0 (room left for the head) */
void lpi_zipw_seek(lpi_zipw *z, uint64_t pos);
/* A small entry written whole at offset at, in the room left before the
 * others; it comes first in the central directory */
int lpi_zipw_head(lpi_zipw *z, lp_ctx *ctx, const char *name,
                  const void *data, size_t len, uint64_t at);
/* Copy len bytes of src from off (buf: scratch of 256 KiB if the kernel
 * cannot copy between these files) */
int lpi_zipw_copy(lpi_zipw *z, lp_ctx *ctx, int src, uint64_t off,
                  uint64_t len, unsigned char *buf);
int lpi_zipw_finish(lpi_zipw *z, lp_ctx *ctx);
void lpi_zipw_dispose(lpi_zipw *z, lp_ctx *ctx);

/* One distinct content of an open package */
struct ZSTD_DDict_s;
typedef struct lpi_object {
    unsigned char hash[LP_HASH_BYTES];
    uint64_t size;          /* from the manifest */
    uint64_t stored_size;   /* bytes in the ZIP entry */
    uint64_t offset;        /* of those bytes in the file */
    uint32_t crc;           /* CRC-32 of those bytes (ZIP directory) */
    size_t zip_index;       /* its entry's place in the ZIP directory */
    bool compressed;        /* a Zstandard frame (objects/HASH.zst) */
    bool jxl;               /* a JPEG as JPEG XL (objects/HASH.jxl) */
    const char *chunk_hex;  /* its chunk hashes (hex), or NULL */
    uint32_t chunk_size;
    uint64_t window;        /* compressed: its frame's window (check 22) */
    size_t first_entry;     /* first manifest entry that names it, or: */
#define LPI_DICT_ENTRY (SIZE_MAX - 1) /* the manifest's dictionary */
    /* Set once its ZIP entry and (if compressed) its frame header were
     * checked, by lpi_object_ready(); offset and ddict are valid after */
    atomic_uchar ready;
    const struct ZSTD_DDict_s *ddict; /* its frame needs this dictionary */
} lpi_object;

/* What every handle of one open package shares (lp_package_share) */
typedef struct lpi_pkgshared {
    atomic_size_t refs;      /* handles still open */
    pthread_mutex_t lock;    /* guards the checks made on first use */
    lp_ctx actx;             /* the opening context's allocator, which
                              * frees the shared parts with the last handle */
} lpi_pkgshared;

/* A handle: the fields below ctx are shared by every handle of the
 * package and never change after open, but for the objects' and ZIP
 * entries' first-use checks (lpi_object_ready) */
struct lp_package {
    lp_ctx *ctx;             /* this handle's: allocation and errors */
    lpi_pkgshared *sh;
    char *path;
    int fd;
    uint64_t file_size;
    lpi_zip zip;
    unsigned head_format;    /* from the manifest's first line (check 6) */
    unsigned char *manifest_bytes;
    size_t manifest_len;
    lpi_manifest m;
    lpi_object *objects;     /* sorted by hash */
    uint64_t *okeys;         /* the first 8 bytes of each one's hash, as a
                              * big-endian number (find_object) */
    size_t nobjects;
    struct ZSTD_DDict_s *ddict; /* the package's zstd dictionary, if any */
    unsigned dict_id;
};

/* Streaming, checked reader of one object.  Safe to use from several
 * threads at once on one package, each with its own context. */
typedef struct lpi_objreader lpi_objreader;
int lpi_objreader_open(lpi_objreader **out, lp_ctx *ctx, lp_package *p,
                       const lpi_object *obj, const char *path);
int lpi_objreader_read(lpi_objreader *r, void *buf, size_t cap,
                       size_t *nread);
void lpi_objreader_free(lpi_objreader *r);
/* The whole content of obj (obj->size bytes) into dst, its hash checked */
/* lp_package_find() that leaves every context alone: LP_ENOTFOUND with no
 * message, so a part reading one handle from many threads (a catalog's
 * lessons) reports through its own context */
int lpi_package_lookup(const lp_package *p, const char *path, size_t *index);
int lpi_object_read_all(lp_ctx *ctx, lp_package *p, const lpi_object *obj,
                        unsigned char *dst);
/* The checks lpk(5) lets a reader make on an object's first use (its local
 * header, check 11, the end of its data, check 10, and its frame header,
 * check 22): made once, by whichever thread comes first; errors go to
 * ctx.  Every reader of o->offset calls it first. */
int lpi_object_ready(lp_package *p, lp_ctx *ctx, const lpi_object *o);
/* Those checks for every entry of the package (for code that copies its
 * bytes wholesale: signing, deltas) */
int lpi_package_check_all(lp_package *p, lp_ctx *ctx);
/* Read len bytes of obj's content from off (clipped at its end) into buf,
 * checked against the manifest whatever they are: through its chunk
 * hashes, reading only the chunks they touch, if it has them and is stored
 * as is; otherwise from its start, to the end of the last chunk touched or
 * of the object.  *nread < len only at the end. */
int lpi_object_read_at(lp_ctx *ctx, lp_package *p, const lpi_object *obj,
                       const char *path, uint64_t off, void *buf, size_t len,
                       size_t *nread);

/* Check 22: a compressed object's frame header, before decompressing;
 * *window: the window its decoder needs (at most 128 MiB) */
int lpi_frame_check(lp_ctx *ctx, int fd, const lpi_object *obj,
                    const char *path, unsigned dict_id, bool *needs_dict,
                    uint64_t *window);

/* The writer's input rel below dirfd (not owned: it must stay open until
 * the writer is freed), reached through no link (LPI_OPEN_BENEATH) when it
 * is added and again when it is read; shown names it in messages */
/* Whether the last lp_writer_commit() failed for lp_writer_set_budget(),
 * and the size the package would have had */
bool lpi_writer_over_budget(const lp_writer *w, uint64_t *size);
int lpi_writer_add_at(lp_writer *w, const char *logical_path, int dirfd,
                      const char *rel, const char *shown);

/* Write the package into fd (not owned; truncated, written from offset 0,
 * not synced) instead of a temporary file renamed over the writer's path;
 * the path then only places the workers' spool files (lpi_spool_open) */
void lpi_writer_set_out_fd(lp_writer *w, int fd);

/* Whether content of this media type is text-like: always tried by the
 * writer, a dictionary candidate, grouped with texts in deltas (false for
 * media that is compressed already, which the writer compresses only
 * where a sample says it pays) */
bool lpi_may_compress(const char *type);
/* Objects that may use the package dictionary, and how many bytes of them
 * (in path order) the writer trains it on */
#define LPI_DICT_MAX_OBJECT (64u * 1024u)
#define LPI_DICT_SAMPLES (2u * 1024u * 1024u)
bool lpi_dict_candidate(uint64_t size, const char *media_type);

/* ------------------------------------------------------------ objenc.c */

/* Content is read, hashed and compressed in chunks of this size */
#define LPI_IO_CHUNK (256u * 1024u)
/* The writer gives up compressing an object when its first PROBE bytes
 * shrink by less than 2%; the frame is flushed there to measure that */
#define LPI_PROBE_BYTES (1024u * 1024u)

struct ZSTD_CCtx_s;
/* Receives bytes produced (frame bytes, decoded content, ...) */
typedef int (*lpi_sink_fn)(void *arg, const void *data, size_t len);

typedef struct lpi_objenc {
    struct ZSTD_CCtx_s *cctx;  /* not owned */
    uint64_t size;             /* content size, pledged in the header */
    uint64_t off;              /* content fed so far */
    uint64_t frame;            /* frame bytes produced so far */
} lpi_objenc;

/* The writer's frame parameters (level; content size; no checksum) */
void lpi_objenc_params(struct ZSTD_CCtx_s *cctx, int level);
/* Start a frame for size bytes of content, with the dictionary cdict or
 * none (NULL) */
struct ZSTD_CDict_s;
int lpi_objenc_begin(lpi_objenc *e, lp_ctx *ctx, struct ZSTD_CCtx_s *cctx,
                     const struct ZSTD_CDict_s *cdict, uint64_t size);
/* The next n bytes: exactly LPI_IO_CHUNK except for the last chunk; the
 * frame bytes go to sink (out: scratch of out_cap bytes,
 * ZSTD_CStreamOutSize() or more) */
int lpi_objenc_feed(lpi_objenc *e, lp_ctx *ctx, const void *data, size_t n,
                    unsigned char *out, size_t out_cap, lpi_sink_fn sink,
                    void *arg);

/* ------------------------------------------------------------ jxl.c */

#define LPI_JXL_SUFFIX ".jxl"
/* JPEG XL objects (lpk(5) JPEG XL OBJECTS): content of at most this many
 * bytes (larger objects are stored as is anyway: LPI_STORE_RANGED), a
 * picture of at most this many pixels, and what libjxl may allocate to
 * encode or rebuild one */
#define LPI_JXL_MAX_BYTES LPI_STORE_RANGED
#define LPI_JXL_MAX_PIXELS (24u * 1024u * 1024u)
#define LPI_JXL_MEMORY (384u * 1024u * 1024u)
/* libjxl's effort (1..9): 7, its default; 8 and 9 save 1-2% at 4x the time */
#define LPI_JXL_EFFORT 7
#define LPI_JXL_MISSING "this package stores pictures as JPEG XL; this " \
    "liblp was built without libjxl (rebuild it with libjxl: Debian " \
    "package libjxl-dev)"

/* Whether liblp was built with libjxl; its encoder's version (0 without) */
bool lpi_jxl_available(void);
uint32_t lpi_jxl_version(void);
/* Recompress the JPEG jpeg (len bytes) without loss: 0 and *out (freed
 * with lpi_free) of *out_len bytes, fewer than len; 1 if libjxl cannot keep
 * this JPEG exactly or the result is not smaller (nothing allocated); <0 on
 * failure (LP_ENOMEM, LP_ETOOBIG) */
int lpi_jxl_encode(lp_ctx *ctx, const unsigned char *jpeg, size_t len,
                   unsigned char **out, size_t *out_len);
/* Rebuild the JPEG from the JPEG XL data (len bytes) into dst, which has
 * room for size + 1 bytes: it must come out exactly size bytes (else
 * LP_EHASH); LP_EFORMAT for a corrupt stream or one without the JPEG's
 * reconstruction data; LP_ETOOBIG past LPI_JXL_MAX_PIXELS or
 * LPI_JXL_MEMORY; LP_EVERSION without libjxl.  The caller hashes dst. */
int lpi_jxl_decode(lp_ctx *ctx, const unsigned char *data, size_t len,
                   unsigned char *dst, size_t size);

/* BLAKE2b-256 of a package's manifest bytes (lp_package_manifest_hash()) */
void lpi_manifest_hash(const lp_package *p, unsigned char out[LP_HASH_BYTES]);

#endif /* LPI_PACKAGE_H */
