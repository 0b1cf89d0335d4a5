/*
 * lpi.h - the base part of liblp (liblp/base/): the context, allocation,
 * errors, hashing, paths and atomic writes every other part stands on.
 * It includes no other part's header.  Not installed; nothing outside
 * liblp/ includes it (tests/cli/layering.sh checks).  Internal non-static
 * symbols use the lpi_ prefix.
 */
#ifndef LPI_H
#define LPI_H

#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "lp.h"

#if defined(__GNUC__)
#  define LPI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#  define LPI_PRINTF(f, a)
#endif

/* ------------------------------------------------------------ context */

struct lp_ctx {
    lp_allocator alloc;
    int code;
    char msg[1024];
};

void *lpi_malloc(lp_ctx *ctx, size_t size);
void *lpi_calloc(lp_ctx *ctx, size_t n, size_t size);
void *lpi_realloc(lp_ctx *ctx, void *ptr, size_t size);
/* grow *ptr to hold at least need elements of elem bytes; *cap is updated */
int lpi_grow(lp_ctx *ctx, void **ptr, size_t *cap, size_t need, size_t elem);
void lpi_free(lp_ctx *ctx, void *ptr);
char *lpi_strdup(lp_ctx *ctx, const char *s);
/* zstd's ZSTD_customMem functions (opaque: the lp_ctx), so that the zstd
 * contexts made for a call allocate through its context too (and so count
 * against what an allocator given to lp_ctx_new() allows) */
void *lpi_zstd_malloc(void *opaque, size_t size);
void lpi_zstd_free(void *opaque, void *ptr);
#define LPI_ZSTD_MEM(ctx) \
    ((ZSTD_customMem){ lpi_zstd_malloc, lpi_zstd_free, (ctx) })

/* A set of strings (strset.c): pointers, not copies; zero-initialize */
typedef struct lpi_strset {
    const char **slots;
    size_t mask, n;
} lpi_strset;
/* Add s unless an equal string is in the set; *had (if had) is that one */
int lpi_strset_add(lp_ctx *ctx, lpi_strset *set, const char *s,
                   const char **had);
/* The string in the set equal to s, or NULL */
const char *lpi_strset_get(const lpi_strset *set, const char *s);
void lpi_strset_dispose(lp_ctx *ctx, lpi_strset *set);
/* The hash it uses (FNV-1a), for maps keyed by a string */
size_t lpi_str_hash(const char *s);

/* Record a failure in the context and return code (for `return lpi_error(..)`) */
int lpi_error(lp_ctx *ctx, int code, const char *fmt, ...) LPI_PRINTF(3, 4);
/* Prefix the context's current message with "prefix: " (keeping the code). */
int lpi_error_prefix(lp_ctx *ctx, const char *fmt, ...) LPI_PRINTF(2, 3);
/* LP_ENOMEM with a standard message */
int lpi_nomem(lp_ctx *ctx);

#ifdef LP_DEBUG
#  include <stdlib.h>
#  define LP_ASSERT_ARG(x) do { if (!(x)) abort(); } while (0)
#else
#  define LP_ASSERT_ARG(x) do { if (!(x)) return LP_EINVAL; } while (0)
#endif

/* ------------------------------------------------------------ hashing */

/* BLAKE2b-256 of the uncompressed content names every object. */
typedef crypto_generichash_state lpi_hasher;

void lpi_hash_init(lpi_hasher *h);
void lpi_hash_update(lpi_hasher *h, const void *data, size_t len);
void lpi_hash_final(lpi_hasher *h, unsigned char out[LP_HASH_BYTES]);
void lpi_hash_hex(char out[LP_HASH_HEX_BYTES + 1],
                  const unsigned char hash[LP_HASH_BYTES]);
/* Parse exactly 64 lowercase hex digits; -1 if anything else */
int lpi_hash_unhex(unsigned char out[LP_HASH_BYTES], const char *hex);

/* ------------------------------------------------------------ paths */

/* lp_path_check() on a counted string (the manifest is not NUL-split yet) */
int lpi_path_check(lp_ctx *ctx, const char *path, size_t len);
bool lpi_utf8_valid(const char *s, size_t len);

/* ------------------------------------------------------------ safeopen.c */

struct stat;
/* Open rel below the folder dirfd (flags as openat(); O_CLOEXEC and
 * O_NOCTTY added) with no symbolic link followed at any component and no
 * ".." or absolute path.  Returns the descriptor, or -1 with errno: ELOOP
 * for a link (*link, if given, is then the length of the prefix of rel
 * that ends with the link's component, or 0 if unknown), EXDEV for a path
 * that would leave the folder, else what openat() says. */
int lpi_openat_beneath(int dirfd, const char *rel, int flags, size_t *link);

/* How lpi_open_regular() resolves a name */
enum {
    LPI_OPEN_FOLLOW,    /* as open() does: a file the user named */
    LPI_OPEN_NOFOLLOW,  /* the last component may not be a link */
    LPI_OPEN_BENEATH    /* lpi_openat_beneath() rules */
};
#define LPI_OPEN_ERRNO (-1)  /* failed: see errno */
#define LPI_OPEN_NOTREG (-2) /* not a regular file: see st->st_mode */

/* Open path (relative to dirfd, or AT_FDCWD) for reading, only if it is a
 * regular file, without ever blocking on a FIFO or a device (O_NONBLOCK
 * until fstat() said it is a regular file).  Returns the descriptor with
 * *st filled in, or LPI_OPEN_ERRNO, or LPI_OPEN_NOTREG; *link as for
 * lpi_openat_beneath(). */
int lpi_open_regular(int dirfd, const char *path, unsigned how,
                     struct stat *st, size_t *link);
/* The same, failures reported in ctx naming the file (as shown, or path
 * if shown is NULL) and what it is: LP_EIO (also for anything but a
 * regular file), or LP_EUNSAFE for a path that would leave its folder
 * (LPI_OPEN_BENEATH: a link at any component, ".."); st may be NULL. */
int lpi_open_input(lp_ctx *ctx, int dirfd, const char *path,
                   const char *shown, unsigned how, struct stat *st);
/* "a FIFO", "a folder", ... for a st_mode */
const char *lpi_file_type(unsigned mode);

/* A growable byte buffer with a hard cap (LP_ETOOBIG past it). */
typedef struct lpi_buf {
    char *data;
    size_t len, cap, max;
} lpi_buf;

void lpi_buf_init(lpi_buf *b, size_t max);
int lpi_buf_add(lpi_buf *b, lp_ctx *ctx, const void *data, size_t len);
int lpi_buf_printf(lpi_buf *b, lp_ctx *ctx, const char *fmt, ...)
    LPI_PRINTF(3, 4);
void lpi_buf_dispose(lpi_buf *b, lp_ctx *ctx);

/* qsort that accepts an empty (NULL) array, which qsort itself does not */
void lpi_sort(void *base, size_t n, size_t size,
              int (*cmp)(const void *, const void *));

/* ------------------------------------------------------------ number.c */

/* Most digits on each side of a number's decimal mark */
#define LPI_NUMBER_SIDE 40u
/* A number read: its significant digits (no leading or trailing zeros),
 * most significant first, the power of ten of the last (low), its sign,
 * and whether it was a percentage.  Zero has no digits. */
typedef struct lpi_number {
    bool neg, percent;
    unsigned char digit[2 * LPI_NUMBER_SIDE];
    size_t ndigits;
    int low;
} lpi_number;

/* s[0..len) as a source or a compiled lesson writes a number: an ASCII
 * decimal ('+' or '-', digits, one optional '.'), an optional exponent
 * ('e' or 'E', a sign, at most 4 digits), and, if percent, an optional
 * final '%'.  false if it is not one. */
bool lpi_number_scan(const char *s, size_t len, bool percent,
                     lpi_number *out);
/* Drop n's trailing zero digits (raising low) */
void lpi_number_trim(lpi_number *n);
/* Are the powers of ten of n's digits within [lo, hi]?  (Zero: yes) */
bool lpi_number_within(const lpi_number *n, int lo, int hi);
/* The powers of ten an answer or tolerance may have digits at: numbers
 * below 1e100, exact to 100 places after the decimal mark */
#define LPI_NUMBER_LO (-100)
#define LPI_NUMBER_HI 99
/* A percentage of at most 100? */
bool lpi_number_percent_ok(const lpi_number *n);
/* lpi_number_scan() of the whole string, within LPI_NUMBER_LO and
 * LPI_NUMBER_HI, a percentage (tolerance only) at most 100 */
bool lpi_number_valid(const char *s, bool tolerance);

/* ------------------------------------------------------------ atomic.c */

/* write(2) all n bytes, again after EINTR; -1 with errno on failure */
int lpi_write_full(int fd, const void *buf, size_t n);
/* Create dest.tmp-RANDOM, exclusively, with mode (less the umask) */
int lpi_temp_create(lp_ctx *ctx, const char *dest, unsigned mode,
                    lpi_buf *name, int *out);
/* fsync and close fd (always closed); rc: the writing's result so far */
int lpi_atomic_finish(lp_ctx *ctx, int fd, const char *tmp, int rc);
/* If rc is 0: rename tmp over dest and flush the folder; else, or if that
 * fails, remove tmp.  Returns the result. */
int lpi_atomic_install(lp_ctx *ctx, const char *tmp, const char *dest,
                       int rc);
/* A temporary file next to dest, opened and already unlinked: scratch
 * space on the same file system that never outlives the process */
int lpi_spool_open(lp_ctx *ctx, const char *dest, int *out);
/* fsync the folder holding path */
int lpi_sync_dir_of(lp_ctx *ctx, const char *path);
/* data to path atomically (replace) or only if path does not exist */
int lpi_write_file_atomic(lp_ctx *ctx, const char *path, const void *data,
                          size_t len, unsigned mode, bool replace);

/* ------------------------------------------------------------ mathml.c */

/* The MathML Core subset of lp-curriculum(5) and lpk(5), for lpc and the
 * runtimes alike.  Elements and attributes are numbered by the table;
 * names handed out are its static strings. */
/* Longest text (a token's content, an alttext) and most elements and
 * texts in one <math>; most children of one element */
#define LPI_MATHML_MAX_TEXT 1024u
#define LPI_MATHML_MAX_NODES 4096u
#define LPI_MATHML_MAX_CHILDREN 256u
/* An element's number, or -1 if lp does not carry it */
int lpi_mathml_element(const char *name);
/* Element el's name ("mfrac"); NULL if out of range */
const char *lpi_mathml_name(int el);
/* Does el hold text (mi, mn, mo, ms, mtext, annotation)? */
bool lpi_mathml_is_token(int el);
/* The only element el may stand in ("mtr" for mtd), or NULL */
const char *lpi_mathml_parent(int el);
/* An attribute's number, or -1 if lp does not carry it on any element */
int lpi_mathml_attr(const char *name);
const char *lpi_mathml_attr_name(int attr);
/* May element el have attribute attr? */
bool lpi_mathml_attr_on(int el, int attr);
/* Is v a value attr may take?  And what it takes, in words ("true or
 * false") */
bool lpi_mathml_value_ok(int attr, const char *v);
const char *lpi_mathml_value_hint(int attr);
/* A child that counts as one expression, whatever its parent wants (an
 * element reported already: one mistake, one message) */
#define LPI_MATHML_ANY (-3)
/* May el hold these n children (element numbers, -1 for a text,
 * LPI_MATHML_ANY) in this order?  If not: false, *bad the first child at fault (n: the count
 * itself), and what is wrong in msg, said of el ("holds 3 elements; it
 * holds 2: a numerator and a denominator") */
bool lpi_mathml_children(int el, const int *kids, size_t n, size_t *bad,
                         char *msg, size_t cap);

/* Number of online CPUs, at least 1 */
unsigned lpi_cpu_count(void);

#endif /* LPI_H */
