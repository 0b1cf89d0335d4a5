/*
 * lpi_delta.h - deltas between two packages (lpd(5)): the file format
 * (deltafile.c), making one (delta.c) and applying one (apply.c).
 */
#ifndef LPI_DELTA_H
#define LPI_DELTA_H

#include "lpi_package.h"

#define LPI_DELTA_MAGIC "lpk-delta"
/* The text header, blank line included, is at most this long */
#define LPI_DELTA_MAX_HEADER 4096u
/* The decoded meta block: the new manifest, signatures and layout */
#define LPI_DELTA_MAX_META \
    ((uint64_t)LP_MAX_MANIFEST_BYTES + 32u * 1024u * 1024u)
#define LPI_DELTA_TRAILER LP_HASH_BYTES
/* How an object is stored in the new package; JPEG XL (lpd format 2)
 * comes with its stream's length, and a delta carries the stream */
enum { LPI_FORM_STORED = 0, LPI_FORM_ZSTD = 1, LPI_FORM_DICT = 2,
       LPI_FORM_JXL = 3 };
/* Set on the form of an object the base has, stored the same way but not
 * with the same bytes (another zstd level): apply compresses it again */
#define LPI_FORM_RECODE 0x80u
/* The entry index that names the manifest's dictionary */
#define LPI_DELTA_DICT_ENTRY 0xffffffffu

/* The text header (lpd(5) THE HEADER) */
typedef struct lpi_dheader {
    unsigned format;           /* 1, or 2 with JPEG XL objects */
    char base_id[LP_MAX_ID_BYTES + 1];
    uint64_t base_version;
    unsigned char base_manifest[LP_HASH_BYTES];
    char target_id[LP_MAX_ID_BYTES + 1];
    uint64_t target_version;
    char target_label[LP_MAX_LABEL_BYTES + 1];
    unsigned char target_manifest[LP_HASH_BYTES];
    uint64_t target_size;
    unsigned char target_hash[LP_HASH_BYTES];
    int level;
    bool exact;
    uint64_t window, temp;
    uint64_t keep[2], patch[2], add[2], remove[2]; /* objects, bytes */
    uint64_t renamed;
    uint64_t segments;
    uint64_t meta_size;        /* bytes of the meta frame */
    size_t header_len;         /* bytes of the header, blank line included */
} lpi_dheader;

/* The public summary of a header; size: the delta file's bytes */
void lpi_dheader_info(const lpi_dheader *h, uint64_t size,
                      lp_delta_info *info);

struct lp_delta {
    lp_ctx *ctx;
    int fd;
    uint64_t file_size;
    lpi_dheader h;
    lp_delta_info info;
};

int lpi_dheader_format(const lpi_dheader *h, lp_ctx *ctx, lpi_buf *out);
/* Parse the header at the start of data (len: bytes available) */
int lpi_dheader_parse(lpi_dheader *h, lp_ctx *ctx, const char *data,
                      size_t len);

typedef struct lpi_dsig {
    const char *name;          /* the ZIP entry name, NUL-terminated */
    const unsigned char *data;
    size_t len;
} lpi_dsig;

typedef struct lpi_dobj {
    uint32_t entry;            /* manifest entry, or LPI_DELTA_DICT_ENTRY */
    uint8_t form;              /* LPI_FORM_* */
    uint64_t stream;           /* LPI_FORM_JXL: its JPEG XL stream's bytes */
} lpi_dobj;

typedef struct lpi_dseg {
    uint32_t nprefix, ncontent;
    uint32_t *prefix;          /* base objects, by index in hash order */
    uint32_t *content;         /* target objects, by index in ZIP order */
    uint64_t frame_len;        /* bytes of its frame in the delta */
    uint64_t frame_off;        /* where the frame starts in the delta */
    /* apply's, from the frame header and the objects, before decoding */
    uint64_t prefix_size, content_size, window;
} lpi_dseg;

/* The meta block (lpd(5) THE META BLOCK).  Parsed: pointers into the
 * decoded bytes and arrays owned by the struct. */
typedef struct lpi_dmeta {
    const unsigned char *manifest;
    size_t manifest_len;
    lpi_dsig *sigs;
    size_t nsigs;
    lpi_dobj *objs;
    size_t nobjs;
    lpi_dseg *segs;
    size_t nsegs;
    uint32_t *indices;         /* storage for every prefix and content */
    char *names;               /* storage for signature names */
} lpi_dmeta;

int lpi_dmeta_format(const lpi_dmeta *m, lp_ctx *ctx, lpi_buf *out);
/* format: the header's (JPEG XL objects need 2) */
int lpi_dmeta_parse(lpi_dmeta *m, lp_ctx *ctx, const unsigned char *data,
                    size_t len, unsigned format);
void lpi_dmeta_dispose(lpi_dmeta *m, lp_ctx *ctx);

/* The object a package stores for hash, or NULL */
const lpi_object *lpi_package_object(const lp_package *p,
                                     const unsigned char *hash);
/* How a package stores one of its objects (LPI_FORM_*) */
int lpi_object_form(const lp_package *p, const lpi_object *o);
/* A hash of all zeros in a delta's manifest is a hole: apply fills it in
 * from the content it decodes (lpd(5), THE META BLOCK) */
bool lpi_hash_is_hole(const unsigned char *hash);
/* Holes of a parsed manifest (entry lines and the dictionary line) */
size_t lpi_delta_holes(const lpi_manifest *m);
/* Where the hash fields are in a valid manifest's text: the dictionary
 * line's (or SIZE_MAX) and each entry line's */
int lpi_manifest_hash_offsets(lp_ctx *ctx, const unsigned char *text,
                              size_t len, size_t nentries, size_t *dict_at,
                              size_t *entry_at);

/* Memory apply's zstd takes (lpd(5) MEMORY), shared by apply, which
 * checks it against its limit before allocating anything, and delta,
 * which plans segments so that apply stays within that limit: */
/* a streaming decoder of a frame of this window and content size */
uint64_t lpi_dstream_memory(uint64_t window, uint64_t content);
/* the compressor of lpi_objenc for size bytes at level, with a dictionary
 * of dict_len bytes (0: none): the largest workspace among the parameters
 * zstd may pick for it */
uint64_t lpi_encode_memory(int level, uint64_t size, uint64_t dict_len);
/* the dictionary's own compression tables (ZSTD_createCDict) */
uint64_t lpi_cdict_memory(int level, uint64_t dict_len);
/* decoding a segment: whole into one buffer (with a prefix, or the new
 * dictionary, then copied out), or streamed with its frame's window */
uint64_t lpi_segment_memory(uint64_t prefix, uint64_t content,
                            uint64_t window, bool whole, bool dict);

/* What apply holds at once, for lpi_apply_memory() */
typedef struct lpi_applymem {
    int level;                 /* the header's */
    uint64_t meta_len;         /* bytes of the decoded meta block */
    uint64_t manifest_len;     /* of the new manifest */
    uint64_t nentries, nlanguages; /* of the new manifest */
    uint64_t nobjs, nsigs, nsegs, nindices; /* of the meta block */
    uint64_t dict_len;         /* the new dictionary (0: none) */
    uint64_t decode;           /* largest decoder: a segment, or a base
                                  object compressed again */
    uint64_t encode;           /* largest compressor (lpi_encode_memory) */
    uint64_t verify;           /* largest decoder of a base object copied
                                  (checked on a thread of its own) */
} lpi_applymem;
/* The most memory apply allocates: the figure it checks against
 * max_window + LP_APPLY_MEMORY_MARGIN and reports, and that delta plans
 * within */
uint64_t lpi_apply_memory(const lpi_applymem *m);

/* Sampled content fingerprints (sketch.c): the LPI_SKETCH_K smallest
 * mixed samples of a gear rolling hash over an object's content */
#define LPI_SKETCH_K 32u
#define LPI_SKETCH_THREADS 64u
typedef struct lpi_sketch {
    uint64_t v[LPI_SKETCH_K];  /* ascending */
    unsigned n;
} lpi_sketch;
/* The gear hash's table (fixed: sketches are deterministic) */
void lpi_gear_init(uint64_t gear[256]);
/* Sketch the content of objs[0..n) of package p into out, on up to
 * threads threads; each object's hash is checked on the way */
int lpi_sketch_objects(lp_ctx *ctx, lp_package *p,
                       const lpi_object *const *objs, size_t n,
                       unsigned threads, lpi_sketch *out);
/* An index of sketches to find the ones most like a query */
typedef struct lpi_simindex {
    struct posting *post;      /* (sample, sketch), sorted */
    size_t npost, n;
    const uint64_t *sizes;     /* per sketch: its object's size (borrowed) */
    uint32_t *count, *touched; /* query scratch */
} lpi_simindex;
int lpi_simindex_build(lpi_simindex *ix, lp_ctx *ctx, const lpi_sketch *sk,
                       const uint64_t *sizes, size_t n);
void lpi_simindex_dispose(lpi_simindex *ix, lp_ctx *ctx);
/* Up to max sketches sharing samples with q (at least 2, or 1 when q has
 * fewer than 8) and accepted by ok(arg, index) (NULL: any), into out: most
 * samples shared first, then closest in size to size, then lowest index.
 * Returns how many. */
size_t lpi_simindex_query(lpi_simindex *ix, const lpi_sketch *q,
                          uint64_t size, bool (*ok)(void *, uint32_t),
                          void *arg, uint32_t *out, size_t max);

/* BLAKE2b-256 of size bytes of fd from off */
int lpi_file_hash(lp_ctx *ctx, int fd, uint64_t off, uint64_t size,
                  unsigned char out[LP_HASH_BYTES]);

#endif /* LPI_DELTA_H */
