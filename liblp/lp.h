/*
 * lp.h - liblp, the library behind the lp curriculum package toolchain
 *
 * liblp reads, verifies, extracts and writes .lpk packages: ZIP containers
 * of content-addressed objects described by one signed-to-be manifest.  The
 * file format itself is specified in lpk(5); this header is the programming
 * contract.  Both are stable: hub, client and display runtimes we will never
 * see link against them.
 *
 * Conventions (the same for every function below):
 *
 *  - Every object is created from an lp_ctx.  A context is not thread-safe:
 *    use one per thread.  Objects created from a context must be freed before
 *    it.  One open package is read by any number of threads through a handle
 *    each (lp_package_share(), which says exactly what is safe).
 *  - Functions that can fail return int: 0 (LP_OK) on success or a negative
 *    LP_E* code.  Codes are stable and never renumbered.  The context keeps a
 *    human-readable message for the last failure: lp_ctx_errmsg().
 *  - Functions named _new or _open hand ownership to the caller through their
 *    first (out) parameter; the matching _free releases it and accepts NULL.
 *    Getters return borrowed pointers, valid until the object they came from
 *    is freed.  Callers never free() memory the library returns.
 *  - The library never prints and never exits.  Its messages name what they
 *    are about (the file, the entry's logical path, the manifest line), so
 *    a program can print them as they are.
 *  - Everything read from a package is treated as hostile: sizes, counts and
 *    names are bounded by the LP_MAX_* limits below and checked before use.
 */
#ifndef LP_H
#define LP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#  define LP_API __attribute__((visibility("default")))
#  define LP_WARN_UNUSED __attribute__((warn_unused_result))
#  define LP_DEPRECATED(msg) __attribute__((deprecated(msg)))
#else
#  define LP_API
#  define LP_WARN_UNUSED
#  define LP_DEPRECATED(msg)
#endif

/* ---------------------------------------------------------------------- */
/* Versions                                                                */
/* ---------------------------------------------------------------------- */

/** Library version this header describes. */
#define LP_VERSION_MAJOR 0
#define LP_VERSION_MINOR 1
#define LP_VERSION_PATCH 0
/** MAJOR*10000 + MINOR*100 + PATCH, for compile-time comparisons. */
#define LP_VERSION_NUMBER \
    (LP_VERSION_MAJOR * 10000 + LP_VERSION_MINOR * 100 + LP_VERSION_PATCH)
#define LP_VERSION_STRING "0.1.0"

/**
 * The version of the library actually linked, as LP_VERSION_NUMBER.
 * Tools compare it with LP_VERSION_NUMBER at startup and refuse to run
 * against a different library than the one they were built with.
 */
LP_API unsigned lp_version_number(void);

/** The linked library's version as a string, e.g. "0.1.0". Static. */
LP_API const char *lp_version_string(void);

/**
 * Highest package format version this library reads (the number on the
 * first line of the manifest, see lpk(5)).  A package of a newer format is
 * refused with LP_EVERSION.  Writers write the lowest version that can hold
 * the package: 1, or 2 for a package with JPEG XL objects
 * (lp_writer_opts.jpeg).
 */
#define LP_FORMAT_VERSION 2

/* ---------------------------------------------------------------------- */
/* Limits                                                                  */
/* ---------------------------------------------------------------------- */

/** Most logical entries a manifest may list. */
#define LP_MAX_ENTRIES 262144u
/** Largest manifest, in bytes. */
#define LP_MAX_MANIFEST_BYTES (64u * 1024u * 1024u)
/** Longest logical path, in bytes (UTF-8), and longest path component. */
#define LP_MAX_PATH_BYTES 1024u
#define LP_MAX_NAME_BYTES 255u
/** Deepest directory nesting of a logical path (components). */
#define LP_MAX_PATH_DEPTH 64u
/** Largest single entry (uncompressed), in bytes: 64 GiB. */
#define LP_MAX_ENTRY_BYTES (64ull * 1024u * 1024u * 1024u)
/** Longest package id, label, media type and language list, in bytes. */
#define LP_MAX_ID_BYTES 128u
#define LP_MAX_LABEL_BYTES 256u
#define LP_MAX_MEDIA_TYPE_BYTES 127u
#define LP_MAX_LANGUAGES 64u
#define LP_MAX_LANGUAGE_BYTES 35u
/** Longest build profile name (the manifest's "profile"). */
#define LP_MAX_PROFILE_BYTES 64u
/** Most signature entries a package may hold (reserved in format 1). */
#define LP_MAX_SIGNATURES 1024u
/** Largest zstd dictionary a package may carry, in bytes. */
#define LP_MAX_DICTIONARY_BYTES (1024u * 1024u)
/** Largest zstd window (log2) a reader accepts: 128 MiB. */
#define LP_MAX_WINDOW_LOG 27

/** Bytes in an object hash (BLAKE2b-256) and in its lowercase hex form. */
#define LP_HASH_BYTES 32
#define LP_HASH_HEX_BYTES 64

/* ---------------------------------------------------------------------- */
/* Errors                                                                  */
/* ---------------------------------------------------------------------- */

/**
 * Error codes.  Stable: values are never renumbered; a retired code stays as
 * a placeholder.  lp_strerror() names each one.
 */
typedef enum lp_error_code {
    LP_OK = 0,
    LP_ENOMEM = -1,    /**< out of memory */
    LP_EINVAL = -2,    /**< invalid argument (a caller's mistake) */
    LP_EIO = -3,       /**< reading or writing a file failed */
    LP_EFORMAT = -4,   /**< the package is malformed (not what lpk(5) says) */
    LP_EVERSION = -5,  /**< the package's format is newer than this library */
    LP_ENOTFOUND = -6, /**< no such entry */
    LP_ETOOBIG = -7,   /**< a size, count or nesting limit was exceeded */
    LP_EHASH = -8,     /**< content does not match the manifest */
    LP_EUNSAFE = -9,   /**< a path that would escape its folder, or a link */
    LP_EEXIST = -10,   /**< the destination already exists */
    LP_ECHANGED = -11, /**< an input file changed while it was being read */
    LP_EINTERNAL = -12, /**< a library bug or a dependency's failure */
    LP_EBADSIG = -13,   /**< a signature does not verify, or is not for
                             this package */
    LP_EPASSPHRASE = -14, /**< wrong passphrase for a secret key */
    LP_EUNTRUSTED = -15, /**< the trust policy refuses: too few trusted
                             signers, or an untrusted, revoked or expired
                             key; a rollback; an expired package */
    LP_ESOURCE = -16,   /**< curriculum sources have errors (reported as
                             diagnostics, see lp_project_check()) */
    LP_EBASE = -17,     /**< a delta applied to a package other than the
                             one it was made from */
    LP_ECANCELED = -18  /**< the caller's progress callback asked to stop
                             (see lp_progress_fn) */
} lp_error_code;

/** Lowest error code defined by this version of the library. */
#define LP_ELAST LP_ECANCELED

/**
 * Name an error code, e.g. "package is malformed".  Never returns NULL;
 * unknown codes give "unknown error".  The string is static.
 */
LP_API const char *lp_strerror(int code);

/* ---------------------------------------------------------------------- */
/* Context                                                                 */
/* ---------------------------------------------------------------------- */

typedef struct lp_ctx lp_ctx;

/**
 * Memory functions for a context.  The library allocates its own memory
 * only through these.  (The libraries it builds on, zstd, libsodium,
 * libxml2 and libyaml, use the C allocator.)  Leave a member NULL to use the C library's function.
 * The library's own worker threads (verifying, building, the second half
 * of opening a large package) allocate through them too, so they must be
 * thread-safe, as the C library's are.
 */
typedef struct lp_allocator {
    void *(*malloc_fn)(size_t size, void *user);
    void *(*realloc_fn)(void *ptr, size_t size, void *user);
    void (*free_fn)(void *ptr, void *user);
    void *user;
} lp_allocator;

/**
 * Create a context.
 *
 * @param[out] out   the new context; free it with lp_ctx_free()
 * @param alloc      memory functions, or NULL for the C library's
 * @return 0, LP_EINVAL, or LP_ENOMEM (or LP_EINTERNAL if libsodium cannot
 *         be initialised).  No message is available on failure.
 */
LP_API int lp_ctx_new(lp_ctx **out, const lp_allocator *alloc);

/** Free a context.  NULL is accepted. */
LP_API void lp_ctx_free(lp_ctx *ctx);

/**
 * The message describing the last failure of a call made with this context:
 * what went wrong and where (file, entry), e.g. "object 'lessons/1.json': hash
 * does not match the manifest".  Never NULL; "" before any failure.  Borrowed:
 * valid until the next call that uses the context.
 */
LP_API const char *lp_ctx_errmsg(const lp_ctx *ctx);

/** The code of the last failure (0 if none). */
LP_API int lp_ctx_errcode(const lp_ctx *ctx);

/* ---------------------------------------------------------------------- */
/* Progress                                                                */
/* ---------------------------------------------------------------------- */

/*
 * Long work -- writing, verifying, making and applying deltas, building a
 * curriculum, publishing, updating -- reports how far it has come through a
 * callback given in its options (lp_writer_opts, lp_verify_opts,
 * lp_delta_opts, lp_apply_opts, lp_build_opts, lp_publish_opts,
 * lp_update_opts).  The library never prints progress itself: what to show,
 * and how often, is the program's choice.
 */

/** What the work reporting progress is doing.  Values are stable. */
typedef enum lp_stage {
    /** lp_project_build(): checking and compiling the lessons.  Items:
     *  lesson files; no bytes. */
    LP_STAGE_COMPILING = 1,
    /** lp_writer_commit() (and so lp_project_build()): hashing,
     *  compressing and writing the entries.  Items: entries; bytes: their
     *  content. */
    LP_STAGE_COMPRESSING = 2,
    /** lp_package_verify(): reading and checking every object.  Items:
     *  objects; bytes: their content. */
    LP_STAGE_VERIFYING = 3,
    /** lp_delta_create(): encoding what the base lacks.  Items: segments of
     *  the delta; bytes: the target's content they carry. */
    LP_STAGE_ENCODING = 4,
    /** lp_delta_apply(): rebuilding the objects the delta carries or
     *  changes.  Items: those objects; bytes: their content. */
    LP_STAGE_DECODING = 5,
    /** lp_delta_apply(): writing the new package.  Items: its objects;
     *  bytes: what they take in it. */
    LP_STAGE_WRITING = 6,
    /** lp_update(), lp_repo_mirror(): fetching the plan's files.  Items:
     *  files; bytes: their sizes (what an earlier attempt left counts as
     *  done once the stage has started). */
    LP_STAGE_FETCHING = 7,
    /** lp_repo_publish(): checking the packages and copying them into the
     *  repository.  Items: packages; no bytes. */
    LP_STAGE_PUBLISHING = 8
} lp_stage;

/** How far a stage has come.  Initialised by the library. */
typedef struct lp_progress {
    lp_stage stage;
    /** The stage as a lowercase verb for people, e.g. "verifying".
     *  Static. */
    const char *stage_name;
    /** Items of the stage done, of items_total.  items_done <= items_total
     *  always. */
    uint64_t items_done, items_total;
    /** Bytes done, of bytes_total (0 when the stage counts no bytes).
     *  bytes_done <= bytes_total always. */
    uint64_t bytes_done, bytes_total;
} lp_progress;

/**
 * Called as a stage progresses: once when it starts (all done figures 0),
 * then every so often -- whenever about a thousandth of its bytes (at
 * least 1 MiB) or of its items more are done, not at every byte or item,
 * so the call is cheap -- and once when it ends (done figures equal to the
 * totals).  Within a stage the done figures never decrease.  A call may
 * come from the calling thread or from one of the library's worker
 * threads, but never two at once; the progress is valid during the call
 * only.  A function may run several stages one after the other (each
 * starting from 0).
 *
 * @return 0 to go on; anything else cancels the work: the function stops
 *         as soon as its threads notice, cleans up as on any failure (no
 *         file is left at the destination, an existing one is unchanged)
 *         and returns LP_ECANCELED.
 */
typedef int (*lp_progress_fn)(const lp_progress *progress, void *user);

/* ---------------------------------------------------------------------- */
/* Reading packages                                                        */
/* ---------------------------------------------------------------------- */

typedef struct lp_package lp_package;

/**
 * Open a package and read its manifest.
 *
 * Checks the container (every ZIP entry stored, names valid and unique, only
 * the entries lpk(5) allows, no two overlapping), parses and checks the
 * manifest (syntax, limits, sorted unique safe paths) and that an object
 * exists for every hash it names, with a size that fits.  It reads the end
 * of the file, the central directory (in one read), the first two entries
 * and the dictionary, if any, and nothing else, so opening costs the same
 * for 10 or 100,000 entries but for the manifest's parsing.  What concerns
 * one object alone (its ZIP local header, the exact end of its data, its
 * Zstandard frame header: lpk(5) checks 10, 11 and 22) is checked the first
 * time that object is used, and its content each time it is read
 * (lp_entry_open, lp_entry_read_at) or by lp_package_verify(), which checks
 * everything.
 *
 * @param[out] out  the package; free it with lp_package_free()
 * @param ctx       context for allocation and errors
 * @param path      file to open
 * @return 0; LP_EIO if the file cannot be read or is not a regular file
 *         (a FIFO or a device is refused at once, never waited on);
 *         LP_EFORMAT if it is not a valid package (truncated, garbage, hostile); LP_EVERSION if its
 *         format is newer than LP_FORMAT_VERSION; LP_ETOOBIG if it exceeds a
 *         limit; LP_ENOMEM.
 */
LP_API LP_WARN_UNUSED int lp_package_open(lp_package **out, lp_ctx *ctx,
                                          const char *path);

/**
 * Open a package from a file descriptor, as Android hands them out
 * (ParcelFileDescriptor, a content: URI).  The package is the whole file
 * (from offset 0 to its end).  liblp reads it through its own duplicate of
 * fd, made with close-on-exec, so the caller may close fd at any time; fd's
 * file offset is neither used nor changed.  Messages name the package
 * "descriptor N".
 *
 * @param[out] out  the package; free it with lp_package_free()
 * @param ctx       context for allocation and errors
 * @param fd        a descriptor open for reading on a regular file
 * @return as lp_package_open(); LP_EINVAL if fd is negative; LP_EIO if fd
 *         cannot be duplicated or is not a regular file.
 */
LP_API LP_WARN_UNUSED int lp_package_open_fd(lp_package **out, lp_ctx *ctx,
                                             int fd);

/**
 * Another handle on an open package, for another thread.  It costs one
 * small allocation and no I/O: the manifest, the object table, the file
 * descriptor and the checks already made are shared, not copied.  The new
 * handle reports errors and allocates through ctx, so each thread passes its
 * own context and uses its own handle (see "Threads" below).  The handles
 * may be freed in any order; the shared parts go with the last one.
 *
 * Threads: every function taking a package reads it only, except for the
 * checks made on an object's first use, which are made once, under a lock,
 * whichever handle asks first.  So any number of threads may use one package
 * at once (lp_package_* getters, lp_package_entry, lp_package_find,
 * lp_entry_open/read/free, lp_entry_read_at, lp_entry_data_offset,
 * lp_package_verify, lp_package_extract, lp_package_check_trust), provided
 * that each thread calls them on its own handle: a handle's context holds
 * the last error message, and a context is not thread-safe.  An lp_entry
 * reader belongs to one thread at a time.  lp_package_free() of a handle
 * must not race with calls on that same handle; other handles stay valid.
 * The allocator of the context the package was opened with is used until
 * the last handle is freed, to free the shared parts; the opening context
 * itself may be freed once its own handle is.
 *
 * @param[out] out  the new handle; free it with lp_package_free()
 * @param pkg       an open package (or another handle on it)
 * @param ctx       the context of the thread that will use the handle
 * @return 0 or LP_ENOMEM.
 */
LP_API LP_WARN_UNUSED int lp_package_share(lp_package **out, lp_package *pkg,
                                           lp_ctx *ctx);

/** Close a package handle.  NULL is accepted. */
LP_API void lp_package_free(lp_package *pkg);

/** Format version of the package's manifest (1..LP_FORMAT_VERSION). */
LP_API unsigned lp_package_format(const lp_package *pkg);

/** Package id, e.g. "org.example.tl.math".  Borrowed. */
LP_API const char *lp_package_id(const lp_package *pkg);

/** Release number: increases with every release of the same id. */
LP_API uint64_t lp_package_version(const lp_package *pkg);

/** Human release label, e.g. "2026 term 1"; may be "".  Borrowed. */
LP_API const char *lp_package_label(const lp_package *pkg);

/** Number of content languages (at least 1). */
LP_API size_t lp_package_language_count(const lp_package *pkg);

/**
 * Content language number i (0-based, in manifest order; the first is the
 * default), a BCP 47 tag such as "tet" or "pt-TL".  NULL if i is out of
 * range.  Borrowed.
 */
LP_API const char *lp_package_language(const lp_package *pkg, size_t i);

/** Creation time, seconds since the Unix epoch (UTC). */
LP_API int64_t lp_package_created(const lp_package *pkg);

/**
 * The build profile the package was made for (the manifest's optional
 * "profile", lpk(5)), e.g. "phone"; NULL for a package built without one.
 * Packages of one curriculum built with different profiles are different
 * lines of releases: a delta is meant between two of the same profile.
 * Borrowed.
 */
LP_API const char *lp_package_profile(const lp_package *pkg);

/**
 * Expiry time (the manifest's optional "expires"), seconds since the
 * epoch, or -1 if the package does not expire.  See
 * lp_package_check_expiry().
 */
LP_API int64_t lp_package_expires(const lp_package *pkg);

/**
 * The exact bytes of the manifest: what signatures cover.  Borrowed.
 *
 * @param[out] len  its length in bytes
 */
LP_API const unsigned char *lp_package_manifest(const lp_package *pkg,
                                                size_t *len);

/**
 * Write the exact bytes of the manifest (lp_package_manifest()) to path,
 * atomically: a temporary file in the same folder, flushed, then renamed,
 * so path holds the whole manifest or what it held before.  An existing
 * file is replaced.
 *
 * @return 0, LP_EIO (the error names the file) or LP_ENOMEM
 */
LP_API LP_WARN_UNUSED int lp_package_manifest_save(lp_package *pkg,
                                                   const char *path);

/**
 * The manifest's hash: BLAKE2b-256 of its exact bytes (what
 * lp_package_manifest() gives, and what signatures sign), as 64 lowercase
 * hex digits -- what `b2sum -l 256` prints for them.  A delta names its
 * base and target by these hashes (lp_delta_info).
 *
 * @param[out] hex  the hash and a terminating NUL
 */
LP_API void lp_package_manifest_hash(const lp_package *pkg,
                                     char hex[LP_HASH_HEX_BYTES + 1]);

/** Size of the package file in bytes. */
LP_API uint64_t lp_package_file_size(const lp_package *pkg);

/** Number of logical entries in the manifest. */
LP_API size_t lp_package_entry_count(const lp_package *pkg);

/** Number of distinct objects (entries with the same content share one). */
LP_API size_t lp_package_object_count(const lp_package *pkg);

/** What the manifest and container say about one logical entry. */
typedef struct lp_entry_info {
    const char *path;        /**< logical path, '/'-separated, UTF-8 */
    const char *media_type;  /**< e.g. "image/jpeg" */
    uint64_t size;           /**< uncompressed size in bytes */
    uint64_t stored_size;    /**< bytes its object takes in the container */
    int compressed;          /**< 1 if the object is a zstd frame, 2 if a
                              *   JPEG stored as JPEG XL (lpk(5)); 0 if
                              *   its bytes are the content */
    unsigned char hash[LP_HASH_BYTES]; /**< BLAKE2b-256 of the content */
    char hash_hex[LP_HASH_HEX_BYTES + 1]; /**< the same, lowercase hex */
} lp_entry_info;

/**
 * Describe entry number i (0-based; entries are sorted by path, bytewise).
 * The strings in *info are borrowed from pkg.
 *
 * @return 0 or LP_ENOTFOUND if i is out of range.
 */
LP_API int lp_package_entry(const lp_package *pkg, size_t i,
                            lp_entry_info *info);

/**
 * Find an entry by logical path (binary search).
 *
 * @param[out] index  its index, for lp_package_entry() and lp_entry_open()
 * @return 0 or LP_ENOTFOUND.
 */
LP_API int lp_package_find(const lp_package *pkg, const char *path,
                           size_t *index);

/* ---------------------------------------------------------------------- */
/* Reading one entry (streaming, hash-checked)                             */
/* ---------------------------------------------------------------------- */

typedef struct lp_entry lp_entry;

/**
 * Open entry number i for reading.  Only this entry's object is read: a
 * runtime opens one lesson without touching the rest.  Memory stays bounded
 * (one read buffer and, for compressed objects, a zstd window of at most
 * 2^LP_MAX_WINDOW_LOG bytes).
 *
 * @param[out] out  the reader; free it with lp_entry_free()
 * @return 0, LP_ENOTFOUND, LP_EFORMAT, LP_EIO or LP_ENOMEM.
 */
LP_API LP_WARN_UNUSED int lp_entry_open(lp_entry **out, lp_package *pkg,
                                        size_t i);

/**
 * Read up to cap bytes of content.  At the end *nread is 0.  The content's
 * size and hash are checked as it streams: a read that would pass the size in
 * the manifest fails, and the read that reaches the end fails if the hash
 * does not match.  Data from a read that fails must be discarded; a caller
 * that must not act on unverified bytes reads everything before using any.
 *
 * @param[out] nread  bytes placed in buf
 * @return 0; LP_EHASH if the content does not match the manifest (wrong
 *         hash, too long or too short); LP_EFORMAT if the compressed object
 *         is corrupt; LP_EIO.
 */
LP_API LP_WARN_UNUSED int lp_entry_read(lp_entry *e, void *buf, size_t cap,
                                        size_t *nread);

/** Close an entry reader.  NULL is accepted. */
LP_API void lp_entry_free(lp_entry *e);

/**
 * Read len bytes of entry i's content from byte off, the way an HTTP Range
 * request asks for them, with every byte checked against the signed
 * manifest before this returns.  For an entry that is stored as is and has
 * chunk hashes (lpk(5) CHUNK HASHES: liblp writes them for every entry
 * larger than 1 MiB, and stores entries larger than 8 MiB as is), only the
 * chunks the range touches are read and hashed: a 1 MiB read at the end of
 * a 300 MB video costs about 2 MiB of reading and hashing.  Otherwise the
 * content is decoded from its start, to the end of the last chunk touched
 * (or of the entry, without chunk hashes), so the cost grows with off.
 * A JPEG stored as JPEG XL (lp_entry_info.compressed 2) is rebuilt whole
 * for any range: at most 8 MiB, the limit of such objects (lpk(5)).
 * Bytes at or past the end give *nread < len (0 from the end on), as
 * pread(2) does.  Nothing is kept between calls; safe from several threads
 * at once on handles of one package (lp_package_share).
 *
 * @param off        offset in the content
 * @param buf        len bytes; on failure its content is undefined
 * @param[out] nread bytes placed in buf: len, or less at the end
 * @return 0; LP_ENOTFOUND if i is out of range; LP_EHASH if a chunk or the
 *         content does not match the manifest; LP_EFORMAT if the object is
 *         malformed; LP_EIO; LP_ENOMEM.
 */
LP_API LP_WARN_UNUSED int lp_entry_read_at(lp_package *pkg, size_t i,
                                           uint64_t off, void *buf,
                                           size_t len, size_t *nread);

/**
 * Where entry i's content lies in the package file, for an object stored as
 * is (lp_entry_info.compressed is 0): its size bytes from *offset are the
 * content, which a hub may hand to sendfile(2) or mmap(2).  Those bytes are
 * NOT checked by this call: check them (lp_entry_read_at does) or accept
 * what the package holds.  Checks the entry's local header first (see
 * lp_package_open).
 *
 * @param[out] offset  byte offset of the content in the file
 * @return 0; LP_ENOTFOUND if i is out of range; LP_EINVAL if the object is
 *         compressed, or a JPEG stored as JPEG XL (its bytes in the file
 *         are a JPEG XL stream, never the picture: read it with
 *         lp_entry_read_at); LP_EFORMAT if its ZIP entry is malformed;
 *         LP_EIO.
 */
LP_API LP_WARN_UNUSED int lp_entry_data_offset(lp_package *pkg, size_t i,
                                               uint64_t *offset);

/* ---------------------------------------------------------------------- */
/* Verifying and extracting                                                */
/* ---------------------------------------------------------------------- */

/** One problem found by lp_package_verify(). */
typedef struct lp_problem {
    int code;            /**< LP_EHASH, LP_EFORMAT, LP_EIO, ... */
    const char *path;    /**< logical path concerned, or NULL */
    const char *message; /**< full message, as lp_ctx_errmsg() would give */
} lp_problem;

/**
 * Called once per problem, on the thread that called lp_package_verify(),
 * one call at a time, in manifest order, after every object was checked.
 * The pointers are valid during the call only.
 */
typedef void (*lp_problem_fn)(const lp_problem *problem, void *user);

/** Options for lp_package_verify().  Initialise with LP_VERIFY_OPTS_INIT. */
typedef struct lp_verify_opts {
    unsigned version;      /**< LP_VERIFY_OPTS_VERSION */
    unsigned threads;      /**< worker threads; 0 = one per online CPU */
    lp_problem_fn problem; /**< called for every problem, or NULL */
    void *user;            /**< passed to problem */
    /** (version 2) called as the objects are checked (LP_STAGE_VERIFYING),
     *  or NULL */
    lp_progress_fn progress;
    void *progress_user;   /**< (version 2) passed to progress */
} lp_verify_opts;

/* Version 1 is the same struct without progress, and still accepted. */
#define LP_VERIFY_OPTS_VERSION 2
#define LP_VERIFY_OPTS_INIT { LP_VERIFY_OPTS_VERSION, 0, NULL, NULL, NULL, \
                              NULL }

/**
 * Check every object of the package against the manifest: each is read in
 * full, decompressed, and its size and BLAKE2b-256 hash compared.  All
 * problems are reported (through opts->problem), not only the first.
 *
 * @param opts  options, or NULL for the defaults
 * @return 0 if every object matches; otherwise the code of the first problem
 *         in manifest order (LP_EHASH, LP_EFORMAT, LP_EIO), whose message is
 *         in lp_ctx_errmsg(); LP_ECANCELED if opts->progress asked to stop
 *         (no problem is reported then); LP_EINVAL for an unknown
 *         opts->version.
 */
LP_API LP_WARN_UNUSED int lp_package_verify(lp_package *pkg,
                                            const lp_verify_opts *opts);

/**
 * Extract every entry into the folder dir (created if missing; it must not
 * contain any of the entries already).  Files are created exclusively and
 * never through a symbolic link; each file's content is verified before it
 * is renamed to its final name, so a file that fails is never left under
 * its name.
 *
 * @return 0; LP_EHASH or LP_EFORMAT if an object is bad; LP_EEXIST if a file
 *         to be written exists; LP_EUNSAFE if a folder on the way is a
 *         symbolic link; LP_EIO.
 */
LP_API LP_WARN_UNUSED int lp_package_extract(lp_package *pkg,
                                             const char *dir);

/* ---------------------------------------------------------------------- */
/* Writing packages                                                        */
/* ---------------------------------------------------------------------- */

typedef struct lp_writer lp_writer;

/** Options for lp_writer_new().  Initialise with LP_WRITER_OPTS_INIT. */
typedef struct lp_writer_opts {
    unsigned version;  /**< LP_WRITER_OPTS_VERSION */
    int level;         /**< zstd level 1..19; 0 = LP_DEFAULT_LEVEL */
    unsigned threads;  /**< worker threads; 0 = one per online CPU */
    /**
     * Creation time (seconds since the epoch).  -1 = SOURCE_DATE_EPOCH if
     * set, else the newest modification time of the files added (so the
     * same inputs give the same package).
     */
    int64_t created;
    /** (version 2) called as lp_writer_commit() works
     *  (LP_STAGE_COMPRESSING), or NULL */
    lp_progress_fn progress;
    void *progress_user; /**< (version 2) passed to progress */
    /**
     * (version 3) How JPEG pictures are stored: LP_JPEG_KEEP (the
     * default: as is, or as a Zstandard frame where that pays) or
     * LP_JPEG_JXL (recompressed without loss as JPEG XL where libjxl can
     * and that pays, about 0.7x; the package is then format 2, which
     * readers older than it refuse, and readers built without libjxl
     * refuse by name: lpk(5), JPEG XL OBJECTS).
     */
    int jpeg;
} lp_writer_opts;

/** lp_writer_opts.jpeg: JPEGs as they are (or zstd where it pays) */
#define LP_JPEG_KEEP 0
/** lp_writer_opts.jpeg: JPEGs as JPEG XL, losslessly, where it pays */
#define LP_JPEG_JXL 1

/* Versions 1 (without progress) and 2 (without jpeg) are the same struct
 * cut short, and still accepted. */
#define LP_WRITER_OPTS_VERSION 3
#define LP_DEFAULT_LEVEL 3
#define LP_WRITER_OPTS_INIT \
    { LP_WRITER_OPTS_VERSION, 0, 0, -1, NULL, NULL, LP_JPEG_KEEP }

/**
 * Whether this liblp was built with libjxl: it can then write JPEG XL
 * objects (LP_JPEG_JXL) and read packages that have them.
 *
 * @return 1 or 0.
 */
LP_API int lp_have_jxl(void);

/**
 * Start a package to be written at path.  Nothing is written until
 * lp_writer_commit(); then the package goes to a temporary file in the same
 * folder, is flushed to disk and renamed over path.  An existing file at
 * path is untouched until then, and untouched if commit fails.
 *
 * @param[out] out  the writer; free it with lp_writer_free()
 * @param opts      options, or NULL for the defaults
 * @return 0, LP_EINVAL or LP_ENOMEM.
 */
LP_API int lp_writer_new(lp_writer **out, lp_ctx *ctx, const char *path,
                         const lp_writer_opts *opts);

/**
 * Set the package identity (see lpk(5) for the rules on each field).
 *
 * @param id         package id: 1-128 of [A-Za-z0-9._-], starting with a
 *                   letter or digit
 * @param version    release number, at least 1
 * @param label      human label (may be ""), UTF-8 without control characters
 * @param languages  space-separated BCP 47 tags, the default first
 * @return 0 or LP_EINVAL (the message says which field and why).
 */
LP_API int lp_writer_set_identity(lp_writer *w, const char *id,
                                  uint64_t version, const char *label,
                                  const char *languages);

/**
 * Give the package an expiry time (the manifest's "expires", lpk(5)):
 * after it, verifiers warn or refuse it (lp_package_check_expiry()).  It
 * must be later than the creation time, which lp_writer_commit() checks.
 *
 * @param expires  seconds since the epoch, up to 9999-12-31T23:59:59Z;
 *                 -1 for no expiry (the default)
 * @return 0 or LP_EINVAL.
 */
LP_API int lp_writer_set_expiry(lp_writer *w, int64_t expires);

/**
 * Record the build profile the package is made for (the manifest's
 * "profile", lpk(5)), or none with NULL.
 *
 * @param profile  1 to LP_MAX_PROFILE_BYTES bytes of a-z, 0-9, '.', '_',
 *                 '-', the first a letter or digit; or NULL
 * @return 0; LP_EINVAL for a bad name; LP_ENOMEM.
 */
LP_API int lp_writer_set_profile(lp_writer *w, const char *profile);

/**
 * Refuse to install a package larger than max_bytes: lp_writer_commit()
 * writes it to its temporary file, and if the file is larger, removes it
 * and returns LP_ETOOBIG (the message says both sizes); nothing is left
 * at the destination and a file already there is unchanged.
 *
 * @param max_bytes  the most bytes the package file may have; 0 = no limit
 * @return 0.
 */
LP_API int lp_writer_set_budget(lp_writer *w, uint64_t max_bytes);

/**
 * Add a file to the package under a logical path.  The file is read at
 * commit, streaming; it must not change before then (LP_ECHANGED).
 *
 * @param logical_path  '/'-separated relative UTF-8 path (lpk(5) rules)
 * @param file          file on disk
 * @param media_type    e.g. "text/html", or NULL to guess from the name
 * @return 0; LP_EINVAL for a bad path or media type; LP_EEXIST if the path
 *         was added already; LP_ETOOBIG past LP_MAX_ENTRIES; LP_EIO if the
 *         file cannot be examined; LP_ENOMEM.
 */
LP_API int lp_writer_add_file(lp_writer *w, const char *logical_path,
                              const char *file, const char *media_type);

/**
 * Add content held in memory (it is copied) under a logical path.
 * Same rules and returns as lp_writer_add_file().
 */
LP_API int lp_writer_add_buffer(lp_writer *w, const char *logical_path,
                                const void *data, size_t len,
                                const char *media_type);

/**
 * Add every regular file below dir, with logical paths relative to it.
 * Symbolic links, devices and other special files are refused.  Nothing
 * below dir is reached through a symbolic link, at any component (dir
 * itself may be one: the caller named it); the files are opened again
 * below dir, the same way, when the package is written.
 *
 * @return as lp_writer_add_file(); LP_EUNSAFE for a link or special file.
 */
LP_API int lp_writer_add_tree(lp_writer *w, const char *dir);

/**
 * Write the package: hash and compress every input (in parallel), dedupe
 * identical content, write the container and atomically put it in place.
 *
 * @return 0; LP_EIO (also for an input replaced by something that is not
 *         a regular file); LP_ECHANGED if an input changed while read;
 *         LP_EUNSAFE if a folder of an lp_writer_add_tree() input was
 *         replaced by a symbolic link since it was added; LP_ETOOBIG
 *         (also past lp_writer_set_budget()); LP_ENOMEM; LP_ECANCELED if
 *         the options' progress callback asked
 *         to stop.  On failure nothing is left at the destination path
 *         and a file already there is unchanged.
 */
LP_API LP_WARN_UNUSED int lp_writer_commit(lp_writer *w);

/** Free a writer, discarding anything not committed.  NULL is accepted. */
LP_API void lp_writer_free(lp_writer *w);

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */
/* ---------------------------------------------------------------------- */

/**
 * The media type liblp gives a file name by its extension, e.g.
 * "image/jpeg" for "a.JPG"; "application/octet-stream" when unknown.
 * Static.
 */
LP_API const char *lp_media_type_guess(const char *name);

/**
 * Check a logical path against the rules of lpk(5): relative, '/'-separated,
 * no empty, "." or ".." components, no backslash, no control characters,
 * valid UTF-8, within LP_MAX_PATH_BYTES / LP_MAX_NAME_BYTES /
 * LP_MAX_PATH_DEPTH.
 *
 * @return 0, or LP_EUNSAFE / LP_ETOOBIG with the reason in the context.
 */
LP_API int lp_path_check(lp_ctx *ctx, const char *path);

/**
 * Parse a UTC time as the manifest writes it, YYYY-MM-DDThh:mm:ssZ (RFC
 * 3339, no fraction, no other offset), or a date alone, YYYY-MM-DD,
 * meaning 00:00:00Z that day; from 1970 to 9999.  Strict: a real date,
 * fixed widths, nothing else.
 *
 * @param[out] out  seconds since the epoch
 * @return 0 or LP_EINVAL.
 */
LP_API int lp_time_parse(const char *s, int64_t *out);

/* ---------------------------------------------------------------------- */
/* Signatures and trust                                                    */
/* ---------------------------------------------------------------------- */

/*
 * Keys and signatures use minisign's file formats (Ed25519; signatures of
 * the "ED" kind, over the BLAKE2b-512 hash of the signed bytes), so stock
 * minisign verifies what liblp signs and liblp signs with keys minisign
 * made.  A package's signatures sign the exact bytes of its manifest; each
 * is a ZIP entry signatures/KEYID.minisig (lpk(5), SIGNATURES).  Which keys
 * a verifier trusts, and how many must sign, is a trust file (lp-trust(5)).
 */

/** Bytes in a key id, and in its hex form (as minisign prints it). */
#define LP_KEYID_BYTES 8
#define LP_KEYID_HEX_BYTES 16
/** Characters in a public key's base64 form (minisign -P). */
#define LP_KEY_BASE64_BYTES 56
/** Longest trusted comment minisign reads and writes, in bytes. */
#define LP_SIG_MAX_TRUSTED_COMMENT 8173u
/** Longest untrusted comment minisign reads, in bytes. */
#define LP_SIG_MAX_COMMENT 1003u
/** Largest signature file, in bytes. */
#define LP_SIG_MAX_FILE_BYTES 10240u
/** Longest purpose word of a detached signature (lp_sig_sign_detached()). */
#define LP_SIG_MAX_PURPOSE_BYTES 16u
/** Longest passphrase, in bytes. */
#define LP_MAX_PASSPHRASE_BYTES 1023u

/** A public key, possibly with its secret half (kept in guarded memory). */
typedef struct lp_key lp_key;

/**
 * Generate a new key pair (a random key id, as minisign -G makes).
 *
 * @param[out] out  the key, with its secret half; free it with lp_key_free()
 * @return 0 or LP_ENOMEM.
 */
LP_API int lp_key_generate(lp_key **out, lp_ctx *ctx);

/**
 * Read a public key file (minisign's: an untrusted comment line, then the
 * base64 of "Ed", the key id and the Ed25519 key).  Like every file this
 * library reads, keys, signatures and trust files must be regular files: a
 * FIFO or a device is refused with LP_EIO, never waited on.
 *
 * @param[out] out  the key; free it with lp_key_free()
 * @return 0; LP_EIO; LP_EFORMAT if the file is not a public key (wrong
 *         algorithm, bad base64, truncated, over-long lines).
 */
LP_API int lp_key_load_public(lp_key **out, lp_ctx *ctx, const char *path);

/**
 * Read a secret key file (minisign's, encrypted with a passphrase through
 * scrypt, or unencrypted as minisign -G -W writes).  The secret is kept in
 * sodium_malloc'd memory and wiped when the key is freed.
 *
 * @param passphrase  the passphrase, or NULL for an unencrypted key
 * @param[out] out    the key with its secret half; free with lp_key_free()
 * @return 0; LP_EIO; LP_EFORMAT for a damaged or foreign file;
 *         LP_EPASSPHRASE if the passphrase is wrong (the key's checksum does
 *         not match) or a passphrase is needed and passphrase is NULL;
 *         LP_ENOMEM.
 */
LP_API int lp_key_load_secret(lp_key **out, lp_ctx *ctx, const char *path,
                              const char *passphrase);

/**
 * 1 if the secret key file at path is encrypted (needs a passphrase), 0 if
 * not, or a negative code (LP_EIO, LP_EFORMAT) if it cannot be read.
 */
LP_API int lp_key_secret_encrypted(lp_ctx *ctx, const char *path);

/** Flags for lp_key_save(). */
#define LP_KEY_REPLACE 1u  /**< replace existing files */

/**
 * Write a key pair: the public key file, and the secret key file with mode
 * 0600, each atomically.  Existing files are refused (LP_EEXIST) unless
 * flags has LP_KEY_REPLACE.
 *
 * @param passphrase  encrypt the secret key with it (scrypt, minisign's
 *                    parameters), or NULL to write it unencrypted
 * @return 0; LP_EINVAL if key has no secret half; LP_EEXIST; LP_EIO;
 *         LP_ENOMEM.
 */
LP_API int lp_key_save(const lp_key *key, const char *public_path,
                       const char *secret_path, const char *passphrase,
                       unsigned flags);

/**
 * Check, before asking anyone for a passphrase, that lp_key_save() could
 * write both files: different paths, each folder writable, and no file
 * there already unless flags has LP_KEY_REPLACE.  lp_key_save() checks
 * again when it writes.
 *
 * @return 0; LP_EINVAL (one path for both); LP_EEXIST; LP_EIO (the
 *         message names the folder and why).
 */
LP_API int lp_key_save_check(lp_ctx *ctx, const char *public_path,
                             const char *secret_path, unsigned flags);

/** The key id as 16 lowercase hex digits (minisign prints it in
 *  uppercase).  Borrowed. */
LP_API const char *lp_key_id(const lp_key *key);

/** The public key in base64, as in the public key file.  Borrowed. */
LP_API const char *lp_key_base64(const lp_key *key);

/** Free a key, wiping its secret half.  NULL is accepted. */
LP_API void lp_key_free(lp_key *key);

/** A signature: minisign's signature file. */
typedef struct lp_sig lp_sig;

/**
 * Parse a signature file's bytes: an untrusted comment line, the base64 of
 * "ED", the key id and the signature, a trusted comment line, and the
 * base64 of the global signature.
 *
 * @param what     names the signature in messages (a file or entry name)
 * @param[out] out the signature; free it with lp_sig_free()
 * @return 0; LP_EFORMAT (truncated, bad base64, wrong algorithm, comment
 *         too long or with control characters); LP_ENOMEM.
 */
LP_API int lp_sig_parse(lp_sig **out, lp_ctx *ctx, const void *data,
                        size_t len, const char *what);

/** lp_sig_parse() on a file's content.  Adds LP_EIO and LP_ETOOBIG. */
LP_API int lp_sig_load(lp_sig **out, lp_ctx *ctx, const char *path);

/**
 * Sign the bytes of a manifest.  The trusted comment records the
 * manifest's package id and version and the signing time (lpk(5),
 * SIGNATURES), and comment if not NULL.  The new signature is verified
 * before it is returned.
 *
 * @param key       a key with its secret half
 * @param time      signing time, seconds since the epoch
 * @param comment   text for the trusted comment, or NULL
 * @param[out] out  the signature; free it with lp_sig_free()
 * @return 0; LP_EINVAL (no secret half, comment too long or with control
 *         characters); LP_EFORMAT if the bytes are not a valid manifest;
 *         LP_ENOMEM.
 */
LP_API int lp_sig_sign_manifest(lp_sig **out, lp_ctx *ctx,
                                const lp_key *key,
                                const unsigned char *manifest, size_t len,
                                int64_t time, const char *comment);

/**
 * Sign any file's bytes for a purpose (a trust file: "trust"; a
 * repository index: "index"): a minisign signature of the exact bytes
 * whose trusted comment is "lp-PURPOSE-signature v1 time=TIME[
 * comment=TEXT]", so a signature made for one purpose (or a package's)
 * never passes for another.  Stock minisign -V checks it; stock minisign
 * -S -t makes one.  The new signature is verified before it is returned.
 * Check one with lp_trust_check_detached().
 *
 * @param key       a key with its secret half
 * @param purpose   1 to LP_SIG_MAX_PURPOSE_BYTES lowercase letters
 * @param time      signing time, seconds since the epoch
 * @param comment   text for the trusted comment, or NULL
 * @param[out] out  the signature; free it with lp_sig_free()
 * @return 0; LP_EINVAL (no secret half, bad purpose, comment too long or
 *         with control characters); LP_ENOMEM.
 */
LP_API int lp_sig_sign_detached(lp_sig **out, lp_ctx *ctx,
                                const lp_key *key, const char *purpose,
                                const void *data, size_t len, int64_t time,
                                const char *comment);

/**
 * The trusted comment a signature of pkg must carry (lpk(5), SIGNATURES):
 * "lp-signature v1 id=ID version=N time=TIME[ comment=TEXT]", as
 * lp_sig_sign_manifest() writes it, for stock minisign -S -t.
 *
 * @param time     signing time, seconds since the epoch
 * @param comment  text to add, or NULL
 * @param out      receives the comment, NUL-terminated; cap bytes (at most
 *                 LP_SIG_MAX_TRUSTED_COMMENT + 1 are ever needed)
 * @return 0; LP_EINVAL (bad comment or time); LP_ETOOBIG if cap is too
 *         small; LP_ENOMEM.
 */
LP_API int lp_package_sig_comment(lp_package *pkg, int64_t time,
                                  const char *comment, char *out,
                                  size_t cap);

/**
 * Check a signature of a manifest with a public key: the key id, the
 * signature of the manifest's hash, the global signature over the trusted
 * comment, and that the trusted comment names the manifest's id and
 * version.
 *
 * @return 0; LP_EBADSIG with the reason (another key, manifest or comment
 *         changed, signature made for another package or version);
 *         LP_EFORMAT if the trusted comment is not an lp signature comment.
 */
LP_API LP_WARN_UNUSED int lp_sig_verify(const lp_sig *sig, const lp_key *key,
                                        const unsigned char *manifest,
                                        size_t len);

/** The key id of the signer, 16 lowercase hex digits.  Borrowed. */
LP_API const char *lp_sig_key_id(const lp_sig *sig);

/** The trusted comment (unverified until lp_sig_verify()).  Borrowed. */
LP_API const char *lp_sig_trusted_comment(const lp_sig *sig);

/** The signature file's bytes.  Borrowed. */
LP_API const char *lp_sig_text(const lp_sig *sig, size_t *len);

/** Write the signature file to path (atomically; replaces a file). */
LP_API int lp_sig_save(const lp_sig *sig, const char *path);

/** Free a signature.  NULL is accepted. */
LP_API void lp_sig_free(lp_sig *sig);

/**
 * Add a signature to the package file and change nothing else: the
 * entries before the signatures are copied byte for byte, a signature by
 * the same key is replaced, and the new file is written to a temporary
 * file, flushed and renamed over the package.  The signature is checked
 * first with lp_sig_verify() against key.  pkg keeps describing the file
 * as it was opened.
 *
 * @return 0; LP_EBADSIG or LP_EFORMAT as lp_sig_verify(); LP_ETOOBIG past
 *         LP_MAX_SIGNATURES; LP_EIO; LP_ENOMEM.
 */
LP_API LP_WARN_UNUSED int lp_package_add_signature(lp_package *pkg,
                                                   const lp_sig *sig,
                                                   const lp_key *key);

/** A manifest read from its bytes, to show what a signature signs. */
typedef struct lp_manifest lp_manifest;

/** What a manifest says (lp_manifest_get_info()).  Strings are borrowed
 *  from the lp_manifest and valid until it is freed. */
typedef struct lp_manifest_info {
    const char *id;
    uint64_t version;
    const char *label;
    const char *languages;   /**< comma-separated, in manifest order */
    int64_t created;
    int64_t expires;         /**< -1 if none */
    size_t entries;
    size_t objects;          /**< distinct contents */
    uint64_t content_bytes;  /**< sum of the entries' sizes */
    char hash[2 * LP_HASH_BYTES + 1]; /**< BLAKE2b-256 of the bytes, hex */
} lp_manifest_info;

/**
 * Read manifest bytes (lpk(5), as lpack manifest writes them) the way
 * lp_sig_sign_manifest() does, to show a signer what they sign.
 *
 * @param[out] out  the manifest; free it with lp_manifest_free()
 * @return 0; LP_EFORMAT (the message names the line); LP_ETOOBIG;
 *         LP_ENOMEM.
 */
LP_API int lp_manifest_open(lp_manifest **out, lp_ctx *ctx,
                            const void *data, size_t len);

/** What the manifest says.  Borrowed; valid until mf is freed. */
LP_API const lp_manifest_info *lp_manifest_get_info(const lp_manifest *mf);

/** Free a manifest.  NULL is accepted. */
LP_API void lp_manifest_free(lp_manifest *mf);

/** One signature entry of a package as it reads, not checked
 *  (lp_package_list_signatures()).  Borrowed for the call only. */
typedef struct lp_sig_entry {
    const char *entry;    /**< ZIP entry name, "signatures/..." */
    const char *key_id;   /**< signer's key id (hex), or NULL if unreadable */
    int64_t time;         /**< signing time the trusted comment claims, or -1 */
    const char *comment;  /**< the trusted comment's comment=, or NULL */
    int code;             /**< 0, or why it cannot be read (LP_EFORMAT) */
    const char *message;  /**< the reason when code is not 0, else NULL */
} lp_sig_entry;

typedef void (*lp_sig_entry_fn)(const lp_sig_entry *sig, void *user);

/**
 * List the signature entries a package carries, in order, as they read:
 * nothing is verified (lp_package_check_trust() does that).
 *
 * @return 0; LP_EIO; LP_ENOMEM.
 */
LP_API int lp_package_list_signatures(lp_package *pkg, lp_sig_entry_fn fn,
                                      void *user);

/** Limits of a trust file: size, line, keys, revoked keys, holder. */
#define LP_TRUST_MAX_BYTES (1024u * 1024u)
#define LP_TRUST_MAX_LINE_BYTES 4096u
#define LP_TRUST_MAX_KEYS 256u
#define LP_TRUST_MAX_REVOKED 1024u
#define LP_TRUST_MAX_HOLDER_BYTES 256u

/** A trust file (lp-trust(5)): trusted keys, revoked keys, a threshold. */
typedef struct lp_trust lp_trust;

/**
 * Read a trust file.  Errors name the line.
 *
 * @param[out] out  the trust; free it with lp_trust_free()
 * @return 0; LP_EIO; LP_EFORMAT; LP_ETOOBIG past its limits; LP_ENOMEM.
 */
LP_API int lp_trust_load(lp_trust **out, lp_ctx *ctx, const char *path);

/** lp_trust_load() on bytes in memory; what names them in messages. */
LP_API int lp_trust_parse(lp_trust **out, lp_ctx *ctx, const void *data,
                          size_t len, const char *what);

/** Signatures needed (at least 1). */
LP_API unsigned lp_trust_threshold(const lp_trust *trust);

/** One key of a trust file (lp_trust_key()).  Strings are borrowed from
 *  the trust and valid until it is freed. */
typedef struct lp_trust_key_info {
    const char *key_id;   /**< 16 lowercase hex digits */
    const char *base64;   /**< the public key, as in a public key file */
    const char *holder;   /**< who holds it */
    int64_t from;         /**< start of validity, or -1 if none */
    int64_t until;        /**< end of validity, or -1 if none */
    int revoked;          /**< 1 if a 'revoked' line names it */
} lp_trust_key_info;

/** Keys listed by 'key' lines, in file order. */
LP_API size_t lp_trust_key_count(const lp_trust *trust);

/**
 * The i-th key of a trust file (0 <= i < lp_trust_key_count()).
 *
 * @param[out] out  filled in
 * @return 0, or LP_ENOTFOUND if i is out of range.
 */
LP_API int lp_trust_key(const lp_trust *trust, size_t i,
                        lp_trust_key_info *out);

/**
 * The holder the trust file gives the key with this id (16 hex digits),
 * or NULL if it lists none.  Borrowed.
 */
LP_API const char *lp_trust_holder(const lp_trust *trust,
                                   const char *key_id);

/** Key ids named by 'revoked' lines. */
LP_API size_t lp_trust_revoked_count(const lp_trust *trust);

/** The i-th revoked key id (16 lowercase hex digits), or NULL if i is out
 *  of range.  Borrowed. */
LP_API const char *lp_trust_revoked_id(const lp_trust *trust, size_t i);

/** 1 if the trust file has a 'reset-clock' line (lp-trust(5), CLOCK). */
LP_API int lp_trust_resets_clock(const lp_trust *trust);

/**
 * Read a trust file as lp_trust_load() does, but accept one whose
 * threshold cannot be met yet: a file being written, key by key, with
 * lpack trust add.  Never use a draft to verify anything.
 *
 * @return as lp_trust_load().
 */
LP_API int lp_trust_load_draft(lp_trust **out, lp_ctx *ctx,
                               const char *path);

/**
 * Start a trust file: "lp-trust 1" and "threshold N", written atomically
 * (mode 0644).  Its threshold cannot be met until keys are added with
 * lp_trust_file_add_key().
 *
 * @param flags  LP_KEY_REPLACE to replace an existing file
 * @return 0; LP_EINVAL if threshold is not 1 to LP_TRUST_MAX_KEYS;
 *         LP_EEXIST; LP_EIO; LP_ENOMEM.
 */
LP_API int lp_trust_file_init(lp_ctx *ctx, const char *path,
                              unsigned threshold, unsigned flags);

/**
 * Add a 'key' line to the trust file at path (read as a draft), replaced
 * atomically with its mode kept.
 *
 * @param holder  who holds the key: 1 to LP_TRUST_MAX_HOLDER_BYTES of
 *                UTF-8 text, no control characters, not ending in a space
 * @param from    start of validity, or -1 for none
 * @param until   end of validity, or -1 for none; after from
 * @return 0; LP_EINVAL (bad holder, until not after from); LP_EEXIST if
 *         the key is listed already; LP_EFORMAT if the file is not a
 *         trust file; LP_ETOOBIG past LP_TRUST_MAX_KEYS; LP_EIO;
 *         LP_ENOMEM.
 */
LP_API int lp_trust_file_add_key(lp_ctx *ctx, const char *path,
                                 const lp_key *key, const char *holder,
                                 int64_t from, int64_t until);

/**
 * Add a 'revoked' line for key_id (16 hex digits) to the trust file at
 * path (read as a draft), replaced atomically with its mode kept.
 *
 * @param reason  text kept on the line for people, or NULL
 * @return 0; LP_EINVAL (bad key id or reason); LP_EEXIST if revoked
 *         already; LP_EFORMAT; LP_ETOOBIG; LP_EIO; LP_ENOMEM.
 */
LP_API int lp_trust_file_revoke(lp_ctx *ctx, const char *path,
                                const char *key_id, const char *reason);

/** Free a trust.  NULL is accepted. */
LP_API void lp_trust_free(lp_trust *trust);

/** What became of one signature entry of a package. */
typedef struct lp_sig_report {
    const char *entry;    /**< ZIP entry name, "signatures/..." */
    const char *key_id;   /**< signer's key id (hex), or NULL if unreadable */
    const char *holder;   /**< holder in the trust file, or NULL */
    int code;             /**< 0 if it counts; else why not (LP_EBADSIG,
                               LP_EUNTRUSTED, LP_EFORMAT, ...) */
    const char *message;  /**< what happened, for people */
    int64_t time;         /**< signing time, or -1 if unknown */
} lp_sig_report;

typedef void (*lp_sig_report_fn)(const lp_sig_report *report, void *user);

/** Options for lp_package_check_trust().  Use LP_TRUST_OPTS_INIT. */
typedef struct lp_trust_opts {
    unsigned version;      /**< LP_TRUST_OPTS_VERSION */
    int64_t now;           /**< current time; -1 = the clock */
    /** newest signing time already accepted, or -1: the current time is
     *  never taken as earlier than this (a hub's clock may read 1970) */
    int64_t newest_accepted;
    lp_sig_report_fn report; /**< called once per signature entry, or NULL */
    void *user;
} lp_trust_opts;

#define LP_TRUST_OPTS_VERSION 1
#define LP_TRUST_OPTS_INIT { LP_TRUST_OPTS_VERSION, -1, -1, NULL, NULL }

/**
 * The verifier's clock (lp-trust(5), CLOCK).  The current time is the
 * clock (or opts->now), never earlier than the newest signing time
 * accepted.  A signing time may advance it by at most LP_CLOCK_MAX_STEP
 * past the latest of the current time and LP_CLOCK_MIN: a signature dated
 * further ahead (a signer's clock running fast, minisign -t "2062") still
 * counts if all else holds, but the time it gives the verifier (the
 * newest time lp_package_check_trust() returns, what the state records)
 * is that limit, so no signature can make a hub's keys look expired.
 */
#define LP_CLOCK_MIN INT64_C(1767225600)      /**< 2026-01-01T00:00:00Z */
#define LP_CLOCK_MAX_STEP INT64_C(2592000)    /**< 30 days, in seconds */

/**
 * Apply a trust file to a package's signatures.  A signature counts if its
 * key is in the trust file, not revoked, within its validity window (see
 * lp-trust(5)) and the signature verifies (lp_sig_verify()).  A key counts
 * once.  The package is accepted if at least the threshold counts.  Does not
 * check the objects: call lp_package_verify() for that.
 *
 * @param[out] signers  keys that counted (may be NULL)
 * @param[out] newest   newest signing time among those, capped as
 *                      LP_CLOCK_MAX_STEP says: the time to record and to
 *                      bound the clock with (may be NULL)
 * @return 0 if accepted; LP_EUNTRUSTED if not (the message says how many
 *         counted of how many needed); LP_ENOMEM or LP_EIO if a signature
 *         could not be checked for want of memory or a read error (a
 *         verdict is not given then); LP_EINVAL for an unknown
 *         opts->version.
 */
LP_API LP_WARN_UNUSED int lp_package_check_trust(lp_package *pkg,
                                                 const lp_trust *trust,
                                                 const lp_trust_opts *opts,
                                                 unsigned *signers,
                                                 int64_t *newest);

/**
 * Apply a trust file to detached signatures of any bytes (a repository
 * index, say): sigs holds one or more minisign signature files (four
 * lines each) one after the other, each made with lp_sig_sign_detached()
 * for this purpose.  Counted exactly as lp_package_check_trust() counts a
 * package's signatures (listed, not revoked, within validity, a key once,
 * the threshold); each block is reported as "signature N".
 *
 * @param purpose       the purpose the signatures were made for
 * @param[out] signers  keys that counted (may be NULL)
 * @param[out] newest   as lp_package_check_trust() (may be NULL)
 * @return 0 if accepted; LP_EUNTRUSTED if not; LP_EINVAL (bad purpose,
 *         unknown opts->version); LP_ETOOBIG if sigs_len is past
 *         LP_TRUST_MAX_SIGS_BYTES; LP_ENOMEM.
 */
LP_API LP_WARN_UNUSED int lp_trust_check_detached(lp_ctx *ctx,
                                                  const lp_trust *trust,
                                                  const char *purpose,
                                                  const void *data,
                                                  size_t len,
                                                  const void *sigs,
                                                  size_t sigs_len,
                                                  const lp_trust_opts *opts,
                                                  unsigned *signers,
                                                  int64_t *newest);

/** A verifier's state (see lp_state_open() below). */
typedef struct lp_state lp_state;

/** Largest signatures file of a trust file (PATH.minisig), in bytes. */
#define LP_TRUST_MAX_SIGS_BYTES (1024u * 1024u)

/**
 * Sign a trust file, for a rotation (lp-trust(5), ROTATION): the file at
 * trust_path must be a valid trust file; its signature (minisign's, over
 * the file's exact bytes, with the trusted comment
 * "lp-trust-signature v1 time=TIME[ comment=TEXT]") is added to the
 * signatures file trust_path.minisig, replacing one by the same key.
 * Each co-signer runs this in turn on the same two files.
 *
 * @param key      a key with its secret half
 * @param time     signing time, seconds since the epoch
 * @param comment  text for the trusted comment, or NULL
 * @return 0; LP_EFORMAT if the trust file, or a signature already in
 *         the signatures file, is invalid; LP_EINVAL (no secret half, bad
 *         comment); LP_ETOOBIG; LP_EIO; LP_ENOMEM.
 */
LP_API int lp_trust_sign(lp_ctx *ctx, const char *trust_path,
                         const lp_key *key, int64_t time,
                         const char *comment);

/**
 * Rotate trust: replace the trust file at current_path by the one at
 * new_path, but only if new_path is a valid trust file whose signatures
 * (new_path.minisig, from lp_trust_sign()) are good signatures by at
 * least the threshold of keys of the current trust file, counted as for
 * packages (lp_package_check_trust(): listed, not revoked, within
 * validity, a key once).  Each signature is reported through
 * opts->report (entry "signature N").  The replacement is atomic.
 *
 * With a state (lp_state_open(), may be NULL), its newest signing time
 * bounds the clock, an update whose newest counted signature is older
 * than that of the last update accepted is refused (an old update
 * replayed would undo a later one), and the update is recorded.  If the
 * new file has a 'reset-clock' line, the state's signing times do not
 * bound the clock for this check, and those later than the update's
 * newest counted signature are lowered to it (once: not when the same
 * update is applied again); versions are kept (lp-trust(5), CLOCK).
 *
 * @param[out] signers  keys that counted (may be NULL)
 * @param[out] newest   newest signing time among those (may be NULL)
 * @return 0 if replaced; LP_EUNTRUSTED if not signed by the current
 *         threshold (the message says how many counted) or replayed;
 *         LP_EFORMAT if
 *         either trust file is invalid; LP_EIO; LP_ENOMEM.
 */
LP_API LP_WARN_UNUSED int lp_trust_update(lp_ctx *ctx,
                                          const char *current_path,
                                          const char *new_path,
                                          lp_state *state,
                                          const lp_trust_opts *opts,
                                          unsigned *signers,
                                          int64_t *newest);

/**
 * Check a package's expiry time (lp_package_expires()) against the
 * current time, which is never taken as earlier than floor_time: pass
 * the newest signing time already accepted (lp_state_newest()) or the
 * package's own newest trusted signing time, whichever is later, as a
 * hub's clock may read 1970.
 *
 * @param now         current time, or -1 for the clock
 * @param floor_time  earliest the current time can be, or -1
 * @return 0 if the package has no expiry or has not expired;
 *         LP_EUNTRUSTED if it has (the message says when).  Whether that
 *         refuses the package or only warns is the caller's policy.
 */
LP_API LP_WARN_UNUSED int lp_package_check_expiry(lp_package *pkg,
                                                  int64_t now,
                                                  int64_t floor_time);

/**
 * A verifier's state: for each package id, the highest version and the
 * newest signing time it accepted (lp-trust(5), STATE).  It is a folder
 * with one small text file per id, ID.state, each replaced atomically and
 * only ever raised.  It protects against rollback (an older, validly
 * signed release put back) and a clock that runs backwards.
 */
/** Most package ids a state folder may hold. */
#define LP_STATE_MAX_IDS 16384u

/**
 * Open a state folder (created, mode 0755, if missing; its parent must
 * exist) and read every state file in it.  A damaged state file is an
 * error, never a fresh start: that would let an old release in.
 *
 * @param[out] out  the state; free it with lp_state_free()
 * @return 0; LP_EIO (also for a state file that is a link, a FIFO or
 *         anything but a regular file: refused, never waited on);
 *         LP_EFORMAT (the message names the file and line); LP_ETOOBIG past
 *         LP_STATE_MAX_IDS; LP_ENOMEM.
 */
LP_API int lp_state_open(lp_state **out, lp_ctx *ctx, const char *dir);

/** Free a state.  NULL is accepted. */
LP_API void lp_state_free(lp_state *state);

/** The newest signing time accepted for any package id, or -1. */
LP_API int64_t lp_state_newest(const lp_state *state);

/**
 * What the state holds for a package id.
 *
 * @param[out] version    highest version accepted, 0 if none (may be NULL)
 * @param[out] signed_at  newest signing time accepted, -1 if none (may be
 *                        NULL)
 * @return 0, or LP_ENOTFOUND if the id was never accepted.
 */
LP_API int lp_state_get(const lp_state *state, const char *id,
                        uint64_t *version, int64_t *signed_at);

/**
 * Refuse a rollback: a package whose version is lower than the highest
 * accepted for its id.  The same version again is accepted.
 *
 * @return 0; LP_EUNTRUSTED with a message naming both versions.
 */
LP_API LP_WARN_UNUSED int lp_state_check(const lp_state *state,
                                         const lp_package *pkg);

/**
 * Record that pkg was accepted: its version, and signed_at (its newest
 * trusted signing time, from lp_package_check_trust(), or -1) if newer
 * than the one recorded.  Call it only once every check passed.  The
 * state file is written to a temporary file, flushed and renamed.
 *
 * @return 0; LP_EUNTRUSTED as lp_state_check(); LP_EIO; LP_ETOOBIG;
 *         LP_ENOMEM.
 */
LP_API int lp_state_record(lp_state *state, const lp_package *pkg,
                           int64_t signed_at);

/** Options for lp_package_accept().  Use LP_ACCEPT_OPTS_INIT. */
typedef struct lp_accept_opts {
    unsigned version;      /**< LP_ACCEPT_OPTS_VERSION */
    int64_t now;           /**< current time; -1 = the clock */
    /** 1: an expired package is accepted (result->expired says so and the
     *  context keeps the message, for a warning): lpack verify's default;
     *  0: refused, as lpack apply, lpack update and --strict-expiry do */
    int allow_expired;
    /** refuse a version below this one, e.g. that of the release the
     *  package is to replace; 0 = no floor (the state's is still
     *  checked) */
    uint64_t min_version;
    lp_sig_report_fn report; /**< called once per signature entry, or NULL */
    void *user;
} lp_accept_opts;

#define LP_ACCEPT_OPTS_VERSION 1
#define LP_ACCEPT_OPTS_INIT { LP_ACCEPT_OPTS_VERSION, -1, 0, 0, NULL, NULL }

/** What lp_package_accept() found. */
typedef struct lp_accept_result {
    unsigned signers;   /**< trusted keys that counted */
    int64_t newest;     /**< newest signing time among those, or -1: pass
                             it to lp_state_record() once the package is
                             in place */
    int expired;        /**< 1 if the package is past its expiry time */
} lp_accept_result;

/**
 * The whole policy a hub applies before it takes a package: what
 * lpack verify --trust --state checks, in the same order and with the
 * same messages.  The signatures against the trust file
 * (lp_package_check_trust(), the clock never earlier than the state's
 * newest signing time), then, with a state, a rollback
 * (lp_state_check()) or a version below opts->min_version, then the
 * expiry (lp_package_check_expiry(), the
 * clock never earlier than the newest trusted signing time).  The
 * objects are not read: lp_package_verify() does that (lp_delta_apply()
 * checks them as it writes).  Nothing is recorded: call
 * lp_state_record() with result->newest once the package is in place.
 *
 * @param state   the verifier's state, or NULL (no rollback check)
 * @param opts    options, or NULL for the defaults (expired refused)
 * @param[out] result  what was found (may be NULL); filled as far as the
 *                     checks went, also on refusal
 * @return 0 if accepted; LP_EUNTRUSTED if refused, with the reason in
 *         the context (too few trusted signatures, which say why in
 *         opts->report; a rollback; expired); LP_ENOMEM or LP_EIO if a
 *         signature could not be checked; LP_EINVAL for an unknown
 *         opts->version.
 */
LP_API LP_WARN_UNUSED int lp_package_accept(lp_package *pkg,
                                            const lp_trust *trust,
                                            const lp_state *state,
                                            const lp_accept_opts *opts,
                                            lp_accept_result *result);

/* ---------------------------------------------------------------------- */
/* Deltas                                                                  */
/* ---------------------------------------------------------------------- */

/*
 * A delta (lpd(5)) turns one release of a package (the base) into the next
 * (the target) on a hub that has the base: it ships only what the base
 * lacks, and apply rebuilds the target, signatures included, checking
 * every object against the target's manifest before the result is put in
 * place.
 */

/** zstd level of a delta's frames unless told otherwise */
#define LP_DELTA_DEFAULT_LEVEL 19
/** Memory a delta may make apply use for decoding, unless told otherwise
 *  (128 MiB, the largest window a package's objects may use) */
#define LP_DELTA_DEFAULT_WINDOW (128ull * 1024u * 1024u)
/** Largest window a delta may use (2 GiB) */
#define LP_DELTA_MAX_WINDOW (2048ull * 1024u * 1024u)
/** Memory apply may use beyond its max_window: buffers, zstd contexts and
 *  the compressor of the levels packages are usually made with (32 MiB).
 *  Everything apply allocates, the compressor at the delta's level
 *  included, is bounded by max_window plus this (lpd(5) MEMORY). */
#define LP_APPLY_MEMORY_MARGIN (32ull * 1024u * 1024u)

/** Options for lp_delta_create().  Initialise with LP_DELTA_OPTS_INIT. */
typedef struct lp_delta_opts {
    unsigned version;     /**< LP_DELTA_OPTS_VERSION */
    int level;            /**< zstd level 1..22 of the delta; 0 = default */
    /** most memory apply may need to decode (4 MiB to 2 GiB); 0 = default */
    uint64_t max_window;
    unsigned threads;     /**< 0 = one per online CPU */
    /** (version 2) called as the delta is encoded (LP_STAGE_ENCODING), or
     *  NULL */
    lp_progress_fn progress;
    void *progress_user;  /**< (version 2) passed to progress */
} lp_delta_opts;

/* Version 1 is the same struct without progress, and still accepted. */
#define LP_DELTA_OPTS_VERSION 2
#define LP_DELTA_OPTS_INIT { LP_DELTA_OPTS_VERSION, 0, 0, 0, NULL, NULL }

/** What a delta does (its header, lpd(5)). */
typedef struct lp_delta_info {
    char base_id[LP_MAX_ID_BYTES + 1];
    uint64_t base_version;
    char base_manifest[LP_HASH_HEX_BYTES + 1];   /**< hash of its manifest */
    char target_id[LP_MAX_ID_BYTES + 1];
    uint64_t target_version;
    char target_label[LP_MAX_LABEL_BYTES + 1];
    char target_manifest[LP_HASH_HEX_BYTES + 1];
    uint64_t delta_size;     /**< bytes of the delta: what a hub receives */
    uint64_t target_size;    /**< bytes of the package apply writes */
    uint64_t temp_size;      /**< most temporary bytes apply writes besides */
    uint64_t window;         /**< most memory apply needs to decode */
    int level;               /**< zstd level the target's objects use */
    int exact;               /**< 1: apply rebuilds the target byte for byte
                                  (with the same zstd) */
    uint64_t keep_objects, keep_bytes;    /**< taken from the base */
    uint64_t patch_objects, patch_bytes;  /**< shipped against a base object */
    uint64_t add_objects, add_bytes;      /**< shipped whole */
    uint64_t remove_objects, remove_bytes; /**< in the base only */
    uint64_t renamed_paths;  /**< new paths of content the base has */
    uint64_t segments;
} lp_delta_info;

/**
 * Make a delta from base to target and write it at out, atomically (a
 * temporary file, flushed, renamed).  With out NULL, nothing is written:
 * the delta is made and measured only (info->delta_size).
 *
 * Segments are planned so that applying the delta stays within
 * opts->max_window plus LP_APPLY_MEMORY_MARGIN, the compressor apply runs
 * at the target's zstd level included (lpd(5) MEMORY).
 *
 * @param info  filled on success (may be NULL)
 * @return 0; LP_EINVAL (bad options, or a NULL package); LP_ETOOBIG
 *         (applying any delta to this target would need more memory than
 *         opts->max_window allows: its objects' zstd level alone takes
 *         more; the message says how much); LP_EIO; LP_ENOMEM; LP_EFORMAT
 *         or LP_EHASH when a package is damaged; LP_EINTERNAL (zstd
 *         failed); LP_ECANCELED if opts->progress asked to stop (nothing
 *         is left at out).
 */
LP_API LP_WARN_UNUSED int lp_delta_create(lp_package *base,
                                          lp_package *target,
                                          const char *out,
                                          const lp_delta_opts *opts,
                                          lp_delta_info *info);

/** An open delta file. */
typedef struct lp_delta lp_delta;

/**
 * Open a delta and check it whole: its header and its checksum, so that a
 * delta damaged in transfer is refused before anything is done with it.
 *
 * @return 0; LP_EFORMAT (not a delta, or malformed); LP_EVERSION (a
 *         delta format newer than this library); LP_EHASH (damaged);
 *         LP_EIO (also for a file that is not a regular file: a FIFO is
 *         refused, never waited on); LP_ENOMEM; LP_EINVAL (a NULL
 *         argument).
 */
LP_API LP_WARN_UNUSED int lp_delta_open(lp_delta **out, lp_ctx *ctx,
                                        const char *path);
LP_API const lp_delta_info *lp_delta_get_info(const lp_delta *delta);

/**
 * The free disk lp_delta_apply() needs for the delta info describes, where
 * it writes: the new package and the temporary files beside it
 * (target_size + temp_size).  When the target was not written by this
 * liblp (exact is 0), apply encodes the objects it rebuilds its own way:
 * each may then take up to its content size, and each entry headers as
 * this writer writes them, so more is counted.  The one figure that
 * lp_delta_create()'s callers, `lpack info` and lp_delta_apply() (its
 * check before writing, and lp_apply_result.disk_needed) all give.
 *
 * @return bytes (UINT64_MAX if the sum overflows)
 */
LP_API uint64_t lp_delta_disk_bytes(const lp_delta_info *info);
LP_API void lp_delta_free(lp_delta *delta);

/** Whether data (the first bytes of a file) starts like a delta */
LP_API int lp_delta_sniff(const void *data, size_t len);

/**
 * A last check of a package before it takes its final name, e.g. a call
 * of lp_package_accept().  The package is open on the temporary file
 * that will be renamed; it is closed after the call.
 *
 * @return 0 to let it in; a negative LP_E* code, with the reason in the
 *         package's context, to refuse it (nothing is renamed).
 */
typedef int (*lp_package_check_fn)(lp_package *pkg, void *user);

/** Options for lp_delta_apply().  Initialise with LP_APPLY_OPTS_INIT. */
typedef struct lp_apply_opts {
    unsigned version;     /**< LP_APPLY_OPTS_VERSION */
    /** most memory to apply with, less LP_APPLY_MEMORY_MARGIN: a delta
     *  that needs more (to decode, or to compress objects again at the
     *  level the new release was made with) is refused before anything is
     *  written; 0 = LP_DELTA_DEFAULT_WINDOW */
    uint64_t max_window;
    int dry_run;          /**< check everything that can be checked without
                               writing, and report; write nothing */
    /** (version 2) called as the package is rebuilt (LP_STAGE_DECODING,
     *  then LP_STAGE_WRITING), or NULL */
    lp_progress_fn progress;
    void *progress_user;  /**< (version 2) passed to progress */
    /** (version 3) called on the rebuilt, checked package before the
     *  final rename, or NULL: a refusal leaves out untouched */
    lp_package_check_fn check;
    void *check_user;     /**< (version 3) passed to check */
} lp_apply_opts;

/* Versions 1 and 2 are the same struct without progress, and without
 * check, and still accepted. */
#define LP_APPLY_OPTS_VERSION 3
#define LP_APPLY_OPTS_INIT { LP_APPLY_OPTS_VERSION, 0, 0, NULL, NULL, NULL, \
    NULL }

/** What lp_delta_apply() did or, with dry_run, would do. */
typedef struct lp_apply_result {
    uint64_t disk_needed;   /**< free disk it needs: lp_delta_disk_bytes() */
    uint64_t disk_free;     /**< bytes free where it writes */
    int identical;          /**< 1: the result is byte for byte the target
                                 the delta was made from (same size and
                                 the same ZIP directory, lpd(5)) */
    uint64_t memory;        /**< the most memory apply allocates for this
                                 delta and base (the figure it checks
                                 against max_window plus
                                 LP_APPLY_MEMORY_MARGIN) */
} lp_apply_result;

/**
 * Rebuild the delta's target from base and write it at out: to a
 * temporary file next to out, flushed, checked (every object against the
 * target's manifest, the container against lpk(5)) and only then renamed
 * to out.  On any failure out is untouched and nothing is left under its
 * name; base is only read (out may name the base's file: it is replaced
 * only at the end).
 *
 * Before anything is allocated by size or written, every size apply
 * will use is derived from what it checked (the header, the meta block,
 * the frames' headers, the base's manifest and frames) and the sum is
 * held against opts->max_window plus LP_APPLY_MEMORY_MARGIN: a delta that
 * needs more (to decode, or to compress objects again at the zstd level
 * the target was made with) is refused; result->memory reports the sum,
 * dry run or not.
 *
 * With opts->check, the rebuilt package is handed to it last, and
 * renamed only if it returns 0.
 *
 * @return 0; LP_EBASE (base is not the package the delta was made from:
 *         the message names both); what opts->check returned
 *         (LP_EUNTRUSTED from lp_package_accept()); LP_ETOOBIG (the delta
 *         needs more memory than opts->max_window allows, or passes a
 *         limit of lpd(5) or lpk(5)); LP_EFORMAT or LP_EHASH (a damaged or
 *         hostile delta, or a damaged base); LP_EVERSION (the new manifest
 *         is of a format newer than this library); LP_EIO (including too
 *         little free disk); LP_ENOMEM; LP_EINVAL (unknown opts->version, a
 *         NULL argument); LP_EINTERNAL (zstd failed to compress);
 *         LP_ECANCELED if opts->progress asked to stop.
 */
LP_API LP_WARN_UNUSED int lp_delta_apply(lp_delta *delta, lp_package *base,
                                         const char *out,
                                         const lp_apply_opts *opts,
                                         lp_apply_result *result);

/* ---------------------------------------------------------------------- */
/* Catalog and lessons (runtimes)                                          */
/* ---------------------------------------------------------------------- */

/*
 * What lpc(1) compiles into a package (lpk(5), COMPILED CURRICULA), read
 * the way every runtime must read it: the catalog (subjects, grades, units
 * and lessons in teaching order, with texts in every language), one lesson
 * in one language (its blocks, objectives, activities and assignments),
 * and the answer rules, so that a hub, a phone and a display mark the same
 * answer the same way.  Everything is reached through accessor functions
 * on opaque handles: a consumer in another language (Python's ctypes, the
 * JNI) never copies a struct layout.
 *
 * Texts in a language.  A "lang" parameter is one of the catalog's
 * language tags (compared without regard to case); NULL means the default
 * language.  Texts come resolved through the language's fallback chain;
 * the optional out-parameter "in_lang" tells which language the text is
 * really in: the language asked for, unless its text is the same string
 * as that of a language of its fallback chain (lpk(5)), and then the first
 * such language.  Show each text in the direction of the language it is in
 * (lp_catalog_direction()).
 *
 * The documents are hostile input: sizes are checked against the limits
 * below before anything is read, nesting and counts are bounded, and every
 * member a runtime relies on is type-checked when a document is opened,
 * so the accessors never fail on a document that opened.
 */

/** Largest catalog.json, assignments.json or lesson document, in bytes. */
#define LP_MAX_DOCUMENT_BYTES (64u * 1024u * 1024u)
/** Deepest nesting of JSON arrays and objects in those documents. */
#define LP_MAX_DOCUMENT_DEPTH 128u
/** Longest answer lp_activity_check() compares, in bytes. */
#define LP_MAX_ANSWER_BYTES 4096u
/** Longest list of language preferences: bytes of an Accept-Language
 *  header, and count of an array of preferences. */
#define LP_MAX_ACCEPT_BYTES 4096u
#define LP_MAX_PREFERENCES 64u

/** Writing direction of a language (from its script). */
typedef enum lp_direction {
    LP_LTR = 0, /**< left to right */
    LP_RTL = 1  /**< right to left */
} lp_direction;

typedef struct lp_catalog lp_catalog;
/** A subject, grade, unit or lesson of a catalog.  Borrowed from it. */
typedef struct lp_catnode lp_catnode;

/** What a catalog node is. */
typedef enum lp_catnode_kind {
    LP_CAT_SUBJECT = 0, /**< children: grades */
    LP_CAT_GRADE = 1,   /**< children: units */
    LP_CAT_UNIT = 2,    /**< children: lessons */
    LP_CAT_LESSON = 3   /**< no children */
} lp_catnode_kind;

/**
 * Open the compiled catalog of a package: curriculum/catalog.json and, if
 * the package has it, curriculum/assignments.json.  Both are read in full,
 * their hashes checked against the manifest, and checked (lpk(5)).
 *
 * Threads: an open catalog is only read.  Any number of threads may use
 * one catalog at once: every lp_catalog_* and lp_catnode_* getter,
 * lp_catalog_find_lesson(), lp_catalog_match_accept() and
 * lp_catalog_match_languages() (which write no context at all), and
 * lp_lesson_open(), each thread passing its own ctx, which alone gets the
 * errors: neither the catalog's context nor its package handle's is
 * written.  A lesson belongs to the thread that opened it.
 * lp_catalog_free() must not race with any of these calls.
 *
 * @param[out] out  the catalog; free it with lp_catalog_free() before pkg
 * @param ctx       context for allocation and errors (the package's or
 *                  another one, e.g. one per thread)
 * @param pkg       the package; it must stay open while the catalog is
 * @return 0; LP_ENOTFOUND if the package has no catalog (it was not made
 *         by lpc build); LP_EFORMAT if a document is not what lpk(5)
 *         says (the message names the document and the member);
 *         LP_EVERSION for a newer document format; LP_ETOOBIG past a limit;
 *         LP_EHASH; LP_EIO; LP_ENOMEM.
 */
LP_API LP_WARN_UNUSED int lp_catalog_open(lp_catalog **out, lp_ctx *ctx,
                                          lp_package *pkg);

/**
 * Read a catalog.json held in memory, e.g. one a phone fetched from a hub
 * (the data is copied).  Such a catalog has no package behind it:
 * lp_lesson_open() refuses it, and it has no assignments.
 *
 * @return as lp_catalog_open(), without LP_ENOTFOUND, LP_EHASH and LP_EIO.
 */
LP_API LP_WARN_UNUSED int lp_catalog_parse(lp_catalog **out, lp_ctx *ctx,
                                           const void *data, size_t len);

/** Free a catalog.  NULL is accepted. */
LP_API void lp_catalog_free(lp_catalog *cat);

/** The curriculum's id, e.g. "tl.moe.math".  Borrowed. */
LP_API const char *lp_catalog_id(const lp_catalog *cat);

/** The curriculum's release number. */
LP_API uint64_t lp_catalog_version(const lp_catalog *cat);

/** Its release label (may be "") and country code.  Borrowed. */
LP_API const char *lp_catalog_label(const lp_catalog *cat);
LP_API const char *lp_catalog_country(const lp_catalog *cat);

/** The licence of the curriculum: SPDX expression and attribution.
 *  Borrowed. */
LP_API const char *lp_catalog_license(const lp_catalog *cat);
LP_API const char *lp_catalog_attribution(const lp_catalog *cat);

/** The default language's tag.  Borrowed. */
LP_API const char *lp_catalog_default_language(const lp_catalog *cat);

/** Number of languages (at least 1). */
LP_API size_t lp_catalog_language_count(const lp_catalog *cat);

/**
 * Language number i, in the curriculum's order: its canonical BCP 47 tag.
 * NULL if i is out of range.  Borrowed.
 */
LP_API const char *lp_catalog_language(const lp_catalog *cat, size_t i);

/** The name of a language in itself, e.g. "Tetun"; NULL if the catalog
 *  has no such language.  Borrowed. */
LP_API const char *lp_catalog_language_name(const lp_catalog *cat,
                                            const char *lang);

/**
 * The writing direction of a language of the catalog.
 *
 * @return LP_LTR or LP_RTL; LP_ENOTFOUND if the catalog has no such
 *         language.
 */
LP_API int lp_catalog_direction(const lp_catalog *cat, const char *lang);

/**
 * The curriculum's title in lang (see "Texts in a language" above).
 *
 * @param[out] in_lang  if not NULL, the language the text is really in
 * @return the text, borrowed; NULL if lang is not a language of the
 *         catalog.
 */
LP_API const char *lp_catalog_title(const lp_catalog *cat, const char *lang,
                                    const char **in_lang);

/** The curriculum's description in lang, like lp_catalog_title(); NULL
 *  also when the curriculum has none. */
LP_API const char *lp_catalog_description(const lp_catalog *cat,
                                          const char *lang,
                                          const char **in_lang);

/**
 * Pick the language of the catalog that best serves a learner, with ICU's
 * locale matching (likely subtags and language distance, not string
 * prefixes): "pt-BR" picks "pt", "en-GB" picks "en-US".
 *
 * @param accept  an HTTP Accept-Language value, e.g. "pt-BR,pt;q=0.9,en;q=0.5"
 * @param[out] out  the catalog's tag (borrowed); when nothing matches,
 *                  the default language
 * Safe from many threads at once on one catalog: it writes no context,
 * so its errors have a code and no message.
 *
 * @return 0 if a preference matched; LP_ENOTFOUND if none did (*out is
 *         still set); LP_EINVAL for a header ICU cannot parse; LP_ETOOBIG
 *         past LP_MAX_ACCEPT_BYTES; LP_ENOMEM if ICU cannot allocate.
 */
LP_API int lp_catalog_match_accept(const lp_catalog *cat, const char *accept,
                                   const char **out);

/**
 * The same for a list of preferences, most wanted first, e.g. Android's
 * { "pt-BR", "pt-PT", "en" }.
 *
 * @param prefs  n BCP 47 tags (at most LP_MAX_PREFERENCES)
 * @return as lp_catalog_match_accept().
 */
LP_API int lp_catalog_match_languages(const lp_catalog *cat,
                                      const char *const *prefs, size_t n,
                                      const char **out);

/** Number of subjects. */
LP_API size_t lp_catalog_subject_count(const lp_catalog *cat);

/** Subject number i, in teaching order; NULL if out of range. */
LP_API const lp_catnode *lp_catalog_subject(const lp_catalog *cat, size_t i);

/** Number of lessons. */
LP_API size_t lp_catalog_lesson_count(const lp_catalog *cat);

/** Lesson number i, in teaching order (the order a course walks them);
 *  NULL if out of range. */
LP_API const lp_catnode *lp_catalog_lesson(const lp_catalog *cat, size_t i);

/**
 * Look a lesson up by its stable id (binary search).
 *
 * @param[out] out  the lesson
 * @return 0 or LP_ENOTFOUND.
 */
LP_API int lp_catalog_find_lesson(const lp_catalog *cat, const char *id,
                                  const lp_catnode **out);

/**
 * Lesson number i sorted by title in lang with that language's collation,
 * as lpc computed it (the catalog's "index"): show it as is.  NULL if i is
 * out of range or lang is not a language of the catalog.
 */
LP_API const lp_catnode *lp_catalog_sorted_lesson(const lp_catalog *cat,
                                                  const char *lang, size_t i);

/** Number of media files the catalog lists (every one the lessons use). */
LP_API size_t lp_catalog_media_count(const lp_catalog *cat);

/** Media file i (sorted by path): its logical path, media type, SPDX
 *  licence and attribution; NULL if i is out of range.  Borrowed. */
LP_API const char *lp_catalog_media_path(const lp_catalog *cat, size_t i);
LP_API const char *lp_catalog_media_type(const lp_catalog *cat, size_t i);
LP_API const char *lp_catalog_media_license(const lp_catalog *cat, size_t i);
LP_API const char *lp_catalog_media_attribution(const lp_catalog *cat,
                                                size_t i);

/** Number of assignments of the whole curriculum (assignments.json, for
 *  a hub), in teaching order; 0 for a catalog without a package. */
LP_API size_t lp_catalog_assignment_count(const lp_catalog *cat);

/** Assignment i: its lesson's id, its id (a submission is identified by
 *  both), its kind ("text", "photo", "audio", "video" or "file");
 *  NULL if i is out of range.  Borrowed. */
LP_API const char *lp_catalog_assignment_lesson(const lp_catalog *cat,
                                                size_t i);
LP_API const char *lp_catalog_assignment_id(const lp_catalog *cat, size_t i);
LP_API const char *lp_catalog_assignment_kind(const lp_catalog *cat,
                                              size_t i);

/** Assignment i's largest submission, in bytes (0 if out of range). */
LP_API uint64_t lp_catalog_assignment_max_size(const lp_catalog *cat,
                                               size_t i);

/** Assignment i's task in lang, like lp_catalog_title(). */
LP_API const char *lp_catalog_assignment_task(const lp_catalog *cat,
                                              size_t i, const char *lang,
                                              const char **in_lang);

/** What a node is. */
LP_API lp_catnode_kind lp_catnode_get_kind(const lp_catnode *node);

/** Its id (stable across releases for lessons).  Borrowed. */
LP_API const char *lp_catnode_id(const lp_catnode *node);

/** Its title in lang, like lp_catalog_title(). */
LP_API const char *lp_catnode_title(const lp_catnode *node, const char *lang,
                                    const char **in_lang);

/** Number of children: a subject's grades, a grade's units, a unit's
 *  lessons; 0 for a lesson. */
LP_API size_t lp_catnode_child_count(const lp_catnode *node);

/** Child number i, in teaching order; NULL if out of range. */
LP_API const lp_catnode *lp_catnode_child(const lp_catnode *node, size_t i);

/** The node it belongs to (a lesson's unit, ...); NULL for a subject. */
LP_API const lp_catnode *lp_catnode_parent(const lp_catnode *node);

/** A lesson's duration in minutes (0 for other nodes). */
LP_API uint64_t lp_catnode_duration(const lp_catnode *node);

/** Number of lessons a lesson requires, and the id of number i (NULL if
 *  out of range).  Borrowed. */
LP_API size_t lp_catnode_require_count(const lp_catnode *node);
LP_API const char *lp_catnode_require(const lp_catnode *node, size_t i);

/**
 * The ids a lesson had in earlier releases (its source's renamed-from,
 * lp-curriculum(5), STABLE IDS): a runtime that holds progress recorded
 * against one of them carries it over to this lesson.  The count is 0 for
 * a lesson without, and for other nodes.
 */
LP_API size_t lp_catnode_renamed_from_count(const lp_catnode *node);

/** Earlier id number i of a lesson; NULL if out of range.  Borrowed. */
LP_API const char *lp_catnode_renamed_from(const lp_catnode *node, size_t i);

/**
 * Find the lesson that an id of an earlier release now names: the lesson
 * whose renamed-from list holds old_id.  (A lesson that still has old_id
 * as its id is found with lp_catalog_find_lesson().)
 *
 * @param[out] out  the lesson
 * @return 0; LP_ENOTFOUND if no lesson was renamed from old_id.
 */
LP_API int lp_catalog_find_renamed(const lp_catalog *cat, const char *old_id,
                                   const lp_catnode **out);

/**
 * The source file a lesson was compiled from, relative to the curriculum
 * project and without its extension (".yaml", ".yml", ".xml"), e.g.
 * "lessons/numbers-01"; and its content fingerprint (lpk(5), COMPILED
 * CURRICULA).  lpc uses both to compare a curriculum with its previous
 * release (lp_previous).  NULL for other nodes and for catalogs compiled
 * before lp recorded them.  Borrowed.
 */
LP_API const char *lp_catnode_source(const lp_catnode *node);
LP_API const char *lp_catnode_fingerprint(const lp_catnode *node);

/** Number of a lesson's objectives. */
LP_API size_t lp_catnode_objective_count(const lp_catnode *node);

/** Objective i's id; NULL if out of range.  Borrowed. */
LP_API const char *lp_catnode_objective_id(const lp_catnode *node, size_t i);

/** Objective i's text in lang, like lp_catalog_title(). */
LP_API const char *lp_catnode_objective_text(const lp_catnode *node,
                                             size_t i, const char *lang,
                                             const char **in_lang);

/** Number of a lesson's activities and assignments (without opening it). */
LP_API size_t lp_catnode_activity_count(const lp_catnode *node);
LP_API size_t lp_catnode_assignment_count(const lp_catnode *node);

/** The logical path of a lesson's document in lang (NULL if lang is not
 *  a language of the catalog, or node is no lesson).  Borrowed. */
LP_API const char *lp_catnode_document(const lp_catnode *node,
                                       const char *lang);

typedef struct lp_lesson lp_lesson;
/** A block of a lesson, or a part of one: a list item, a table row or
 *  cell, an inline run.  Borrowed from its lesson. */
typedef struct lp_node lp_node;
/** An activity of a lesson.  Borrowed from its lesson. */
typedef struct lp_activity lp_activity;

/** What a node of a lesson is (lpk(5)). */
typedef enum lp_node_type {
    LP_NODE_H1 = 0,       /**< heading; children: inline runs */
    LP_NODE_H2 = 1,
    LP_NODE_H3 = 2,
    LP_NODE_P = 3,        /**< paragraph; children: inline runs */
    LP_NODE_UL = 4,       /**< list; children: LP_NODE_ITEM */
    LP_NODE_OL = 5,       /**< numbered list; children: LP_NODE_ITEM */
    LP_NODE_TABLE = 6,    /**< children: LP_NODE_ROW */
    LP_NODE_IMAGE = 7,    /**< attributes src, alt, title */
    LP_NODE_AUDIO = 8,    /**< attributes src, title */
    LP_NODE_VIDEO = 9,    /**< attributes src, title, captions (WebVTT) */
    LP_NODE_ATTACHMENT = 10, /**< attributes src, title */
    LP_NODE_ITEM = 11,    /**< list item; children: inline runs */
    LP_NODE_ROW = 12,     /**< table row; children: LP_NODE_CELL */
    LP_NODE_CELL = 13,    /**< table cell (lp_node_is_header()); children:
                               inline runs */
    LP_NODE_TEXT = 14,    /**< a run of text: lp_node_text() */
    LP_NODE_EM = 15,      /**< emphasis; children: inline runs */
    LP_NODE_STRONG = 16,  /**< strong emphasis; children: inline runs */
    LP_NODE_LINK = 17,    /**< a link: attribute lesson (a lesson id) or
                               href (an https, http or mailto URL);
                               children: inline runs */
    /* since lp-lesson 2 (lpk(5)); a walker that does not know a type
     * skips the node and its children */
    LP_NODE_SUB = 18,     /**< subscript; children: inline runs */
    LP_NODE_SUP = 19,     /**< superscript; children: inline runs */
    LP_NODE_TERM = 20,    /**< a term defined where it stands; children:
                               inline runs */
    LP_NODE_NOTE = 21,    /**< a note set apart: attribute kind ("note",
                               "tip", "warning" or "example"); children:
                               an LP_NODE_TITLE first if it has a title,
                               then blocks */
    LP_NODE_TITLE = 22,   /**< a note's title; children: inline runs */
    LP_NODE_DL = 23,      /**< terms and definitions (a glossary);
                               children: LP_NODE_DT and LP_NODE_DD, one or
                               more terms before their definitions */
    LP_NODE_DT = 24,      /**< a term of a list; children: inline runs */
    LP_NODE_DD = 25,      /**< a definition; children: inline runs */
    LP_NODE_FIGURE = 26,  /**< a figure: its pictures (LP_NODE_IMAGE,
                               LP_NODE_VIDEO, LP_NODE_AUDIO), then an
                               LP_NODE_CAPTION and an LP_NODE_CREDIT if it
                               has them */
    LP_NODE_CAPTION = 27, /**< a figure's caption; children: inline runs */
    LP_NODE_CREDIT = 28,  /**< who made a figure's pictures: attributes
                               spdx (their licence) and source (an http or
                               https URL), if given; children: inline runs
                               (the attribution) */
    /* since lp-lesson 3 */
    LP_NODE_MATH = 29,    /**< mathematics, MathML Core's math element:
                               an inline run, or a block (an equation on
                               its own line, with its id if it has one);
                               MathML attributes (lp_node_math_attr_*());
                               children: LP_NODE_MATHML */
    LP_NODE_MATHML = 30   /**< a MathML element inside an LP_NODE_MATH
                               (lp_node_math_element() says which: "mi",
                               "mfrac", ...); MathML attributes; children:
                               LP_NODE_MATHML, and LP_NODE_TEXT in token
                               elements (mi, mn, mo, ms, mtext,
                               annotation) */
} lp_node_type;

/** What an activity is. */
typedef enum lp_activity_type {
    LP_ACTIVITY_MULTIPLE_CHOICE = 0,
    LP_ACTIVITY_TRUE_FALSE = 1,
    LP_ACTIVITY_NUMERIC = 2,
    LP_ACTIVITY_SHORT_ANSWER = 3
} lp_activity_type;

/**
 * Open one lesson in one language: read its document (named by the
 * catalog), check its hash and its structure, and list the objects it
 * needs (lp_lesson_need_count()).
 *
 * @param[out] out  the lesson; free it with lp_lesson_free() before cat
 * @param ctx       context for allocation and errors: the calling
 *                  thread's (any number of threads may open lessons of
 *                  one catalog at once, see lp_catalog_open())
 * @param id        the lesson's id
 * @param lang      a language of the catalog, or NULL for the default
 * @return 0; LP_ENOTFOUND if there is no such lesson or language;
 *         LP_EINVAL if cat has no package (lp_catalog_parse());
 *         LP_EFORMAT if the document is missing or not what lpk(5) says,
 *         or names a media file the package lacks; LP_EVERSION;
 *         LP_ETOOBIG; LP_EHASH;
 *         LP_EIO; LP_ENOMEM.
 */
LP_API LP_WARN_UNUSED int lp_lesson_open(lp_lesson **out, lp_ctx *ctx,
                                         const lp_catalog *cat,
                                         const char *id, const char *lang);

/**
 * Read a lesson document held in memory (copied), e.g. one a phone
 * fetched from a hub.  It has no package behind it: its list of needed
 * objects is empty.
 *
 * @return as lp_lesson_open(), without LP_ENOTFOUND, LP_EHASH and LP_EIO.
 */
LP_API LP_WARN_UNUSED int lp_lesson_parse(lp_lesson **out, lp_ctx *ctx,
                                          const void *data, size_t len);

/** Free a lesson.  NULL is accepted. */
LP_API void lp_lesson_free(lp_lesson *lesson);

/** The lesson's id and the language of this document.  Borrowed. */
LP_API const char *lp_lesson_id(const lp_lesson *lesson);
LP_API const char *lp_lesson_language(const lp_lesson *lesson);

/** The direction of the document's language: lay the interface around
 *  the lesson out in it. */
LP_API lp_direction lp_lesson_direction(const lp_lesson *lesson);

/** The language the blocks are in (this document's, or the first of its
 *  fallbacks that has a body) and its direction: lay the blocks out in
 *  it.  Borrowed. */
LP_API const char *lp_lesson_body_language(const lp_lesson *lesson);
LP_API lp_direction lp_lesson_body_direction(const lp_lesson *lesson);

/** The lesson's title in this language.  Borrowed. */
LP_API const char *lp_lesson_title(const lp_lesson *lesson);

/** Duration in minutes. */
LP_API uint64_t lp_lesson_duration(const lp_lesson *lesson);

/** Number of lessons it requires; the id of number i (NULL if out of
 *  range).  Borrowed. */
LP_API size_t lp_lesson_require_count(const lp_lesson *lesson);
LP_API const char *lp_lesson_require(const lp_lesson *lesson, size_t i);

/** Number of objectives; objective i's id and text (NULL if out of
 *  range).  Borrowed. */
LP_API size_t lp_lesson_objective_count(const lp_lesson *lesson);
LP_API const char *lp_lesson_objective_id(const lp_lesson *lesson, size_t i);
LP_API const char *lp_lesson_objective_text(const lp_lesson *lesson,
                                            size_t i);

/** Number of national standard codes objective i meets, and code k
 *  (NULL if out of range).  Borrowed. */
LP_API size_t lp_lesson_objective_standard_count(const lp_lesson *lesson,
                                                 size_t i);
LP_API const char *lp_lesson_objective_standard(const lp_lesson *lesson,
                                                size_t i, size_t k);

/** Number of blocks, and block i in reading order (NULL if out of
 *  range). */
LP_API size_t lp_lesson_block_count(const lp_lesson *lesson);
LP_API const lp_node *lp_lesson_block(const lp_lesson *lesson, size_t i);

/** What a node is. */
LP_API lp_node_type lp_node_get_type(const lp_node *node);

/** Its type as lpk(5) names it: "h1" ... "attachment", and "item", "row",
 *  "cell", "text", "em", "strong", "link", "sub", "sup", "term", "note",
 *  "title", "dl", "dt", "dd", "figure", "caption", "credit", "math",
 *  "mathml" (a MathML element: lp_node_math_element() names it).
 *  Static. */
LP_API const char *lp_node_type_name(const lp_node *node);

/** Number of children (see lp_node_type), and child number i (NULL if
 *  out of range). */
LP_API size_t lp_node_child_count(const lp_node *node);
LP_API const lp_node *lp_node_child(const lp_node *node, size_t i);

/** The text of an LP_NODE_TEXT run; NULL for other nodes.  Borrowed. */
LP_API const char *lp_node_text(const lp_node *node);

/**
 * An attribute of a node: "src" and "captions" of media (logical paths
 * of entries of the package), "alt", "title"; "href", "lesson" and
 * "block" of links (a link with a block points at the block of that
 * lesson whose "id" it is); "id" of blocks and terms; "kind" of notes;
 * "spdx" and "source" of credits; the MathML attributes of math nodes
 * ("mathvariant", "alttext", ...).
 * NULL if the node has none of that name.  Borrowed.
 */
LP_API const char *lp_node_attr(const lp_node *node, const char *name);

/** 1 if node is a header cell of a table, else 0. */
LP_API int lp_node_is_header(const lp_node *node);

/**
 * The MathML element an LP_NODE_MATH ("math") or LP_NODE_MATHML node is:
 * one of MathML Core's that lpk(5) lists ("mrow", "mi", "mfrac", ...).
 * A renderer writes the element of that name (every browser engine with
 * MathML Core shows it natively), with the node's attributes and
 * children, escaping every text.  The document was checked when the
 * lesson was read: no other element or attribute can come out.
 *
 * @return the name (static), or NULL for a node of another type
 */
LP_API const char *lp_node_math_element(const lp_node *node);

/** Number of MathML attributes of an LP_NODE_MATH or LP_NODE_MATHML node
 *  (such as mathvariant, stretchy, alttext), in byte order of their
 *  names; 0 for other nodes.  An LP_NODE_MATH block's id is not one:
 *  lp_node_attr(node, "id") has it; lp_node_attr() finds the MathML
 *  attributes by name too. */
LP_API size_t lp_node_math_attr_count(const lp_node *node);

/** Name (static) and value (borrowed) of MathML attribute i of a math
 *  node; NULL if out of range.  Each value is one MathML Core takes for
 *  it (lpk(5)). */
LP_API const char *lp_node_math_attr_name(const lp_node *node, size_t i);
LP_API const char *lp_node_math_attr_value(const lp_node *node, size_t i);

/** Number of activities, and activity i (NULL if out of range). */
LP_API size_t lp_lesson_activity_count(const lp_lesson *lesson);
LP_API const lp_activity *lp_lesson_activity(const lp_lesson *lesson,
                                             size_t i);

/** What an activity is. */
LP_API lp_activity_type lp_activity_get_type(const lp_activity *act);

/** Its id and prompt.  Borrowed. */
LP_API const char *lp_activity_id(const lp_activity *act);
LP_API const char *lp_activity_prompt(const lp_activity *act);

/** A multiple-choice activity's options: count, and option i's id and
 *  text (NULL if out of range).  Borrowed. */
LP_API size_t lp_activity_option_count(const lp_activity *act);
LP_API const char *lp_activity_option_id(const lp_activity *act, size_t i);
LP_API const char *lp_activity_option_text(const lp_activity *act, size_t i);

/**
 * The answer key, for a display that shows it once the learner answered:
 * the ids of the correct options (multiple-choice), "true" or "false",
 * the number as a decimal string (numeric), or the accepted answers
 * (short-answer).  Count, and answer i (NULL if out of range).  Borrowed.
 */
LP_API size_t lp_activity_answer_count(const lp_activity *act);
LP_API const char *lp_activity_answer(const lp_activity *act, size_t i);

/** A numeric activity's tolerance: a number such as "0.5" or "2e-3" (its
 *  sign does not matter), or a percentage of the answer such as "1%";
 *  NULL for other activities.  Borrowed. */
LP_API const char *lp_activity_tolerance(const lp_activity *act);

/** A numeric activity's unit, such as "m/s": show it after the answer
 *  field; the learner may type it after the number, or not.  NULL if it
 *  has none, or for other activities.  Borrowed. */
LP_API const char *lp_activity_unit(const lp_activity *act);

/** The feedback to show for a correct (correct = 1) or incorrect
 *  (correct = 0) answer; NULL if the activity has none.  Borrowed. */
LP_API const char *lp_activity_feedback(const lp_activity *act, int correct);

/**
 * Mark a learner's answer by the rules of lpk(5) (ANSWERS), the same in
 * every runtime:
 *  - multiple-choice: the ids of the options chosen, separated by spaces;
 *    correct if they are exactly the activity's answer set;
 *  - true-false: "true" or "false";
 *  - numeric: a decimal number (digits of any script, '.' or ',' as the
 *    decimal mark, an optional power of ten: "3.48e-26", "3.48 x 10^-26",
 *    or in superscript digits), then optionally the activity's unit;
 *    correct if it is within the tolerance (absolute, or a percentage of
 *    the answer) of the answer, compared exactly;
 *  - short-answer: text, correct if it equals an accepted answer once
 *    both are normalized: white space trimmed and collapsed, NFC, Unicode
 *    case folding, NFC.
 *
 * @param answer      the learner's answer, UTF-8, at most
 *                    LP_MAX_ANSWER_BYTES
 * @param[out] correct  1 if correct, else 0
 * @return 0; LP_EINVAL if answer is not valid UTF-8, too long, or for
 *         true-false neither "true" nor "false"; LP_ENOMEM.
 */
LP_API int lp_activity_check(const lp_activity *act, const char *answer,
                             int *correct);

/** Number of assignments of the lesson; assignment i's id, kind and task
 *  (NULL if out of range).  Borrowed. */
LP_API size_t lp_lesson_assignment_count(const lp_lesson *lesson);
LP_API const char *lp_lesson_assignment_id(const lp_lesson *lesson,
                                           size_t i);
LP_API const char *lp_lesson_assignment_kind(const lp_lesson *lesson,
                                             size_t i);
LP_API const char *lp_lesson_assignment_task(const lp_lesson *lesson,
                                             size_t i);
/** Assignment i's largest submission in bytes (0 if out of range). */
LP_API uint64_t lp_lesson_assignment_max_size(const lp_lesson *lesson,
                                              size_t i);

/**
 * Number of entries the lesson needs in this language: its document
 * first, then every media file and captions file its blocks name, once
 * each, in reading order.  0 for a lesson from lp_lesson_parse().
 */
LP_API size_t lp_lesson_need_count(const lp_lesson *lesson);

/** Needed entry i: its logical path and its object's hash (lowercase hex);
 *  NULL if i is out of range.  Borrowed. */
LP_API const char *lp_lesson_need_path(const lp_lesson *lesson, size_t i);
LP_API const char *lp_lesson_need_hash(const lp_lesson *lesson, size_t i);

/** Needed entry i's size in bytes (0 if out of range). */
LP_API uint64_t lp_lesson_need_size(const lp_lesson *lesson, size_t i);

/** Total size of what the lesson needs, in bytes, each distinct object
 *  (content) counted once: what a phone fetches and checks. */
LP_API uint64_t lp_lesson_need_total(const lp_lesson *lesson);

/* ---------------------------------------------------------------------- */
/* HTML pages (hubs, displays, static sites)                               */
/* ---------------------------------------------------------------------- */

/*
 * The pages a hub serves to phone browsers and the classroom TV, and that
 * `lpack html` writes as a static site: a language picker, a catalog per
 * language and a page per lesson and language.  They are semantic,
 * accessible HTML5 (headings, alt text, captions as <track>,
 * figure/figcaption), mobile first, readable without JavaScript, with one
 * small style sheet and one small script shared by every page
 * (lp_render_style(), lp_render_script()); no framework, no font download.
 *
 * Languages: the root element carries the page's lang and dir, and every
 * element whose text is in another language (a text from a fallback, a
 * lesson body in its body language) carries its own, as lpk(5) asks.
 *
 * Safety: every text of a package is escaped; nothing from a package is
 * ever emitted as markup, a script, a style or a URL scheme of its own.
 * Links of a lesson go out only to https, http and mailto URLs (others
 * are shown as text); links to pages and media are relative URLs the
 * caller chooses (lp_url_fn), so the same pages serve `lpack serve` and a
 * static site.
 *
 * Activities are forms.  When the URL function gives an address for
 * LP_PAGE_ANSWER, each form posts the learner's answer there without
 * JavaScript: the hub marks it with lp_activity_check() and renders the
 * page again with lp_render_opts.answered set.  With embed_answers the
 * form also carries what the script needs to mark it in the page (a
 * static site has no server); lpack(1) says where those marks can differ
 * from lp_activity_check().  The form fields: "activity" (its id) and
 * "answer" (multiple choice: one "answer" field per option chosen,
 * holding its id; true-false: "true" or "false").  An assignment's form
 * (LP_PAGE_UPLOAD) is multipart/form-data with "assignment" (its id) and
 * "file" (kind text: a "text" field instead).
 */

/** Longest URL an lp_url_fn may give, NUL included. */
#define LP_MAX_URL_BYTES 2048u

/** The pages and files the pages link to. */
typedef enum lp_page {
    LP_PAGE_HOME = 0,    /**< the language picker */
    LP_PAGE_CATALOG = 1, /**< the catalog in lang */
    LP_PAGE_LESSON = 2,  /**< lesson id in lang */
    LP_PAGE_DISPLAY = 3, /**< lesson id in lang, for the classroom TV */
    LP_PAGE_MEDIA = 4,   /**< a media entry: path, hash, media_type */
    LP_PAGE_STYLE = 5,   /**< the style sheet (lp_render_style()) */
    LP_PAGE_SCRIPT = 6,  /**< the script (lp_render_script()) */
    LP_PAGE_ANSWER = 7,  /**< where activity item of lesson id posts */
    LP_PAGE_UPLOAD = 8   /**< where assignment item of lesson id posts */
} lp_page;

/** A link the pages need, for an lp_url_fn.  The strings come from the
 *  package: hostile, to be percent-encoded. */
typedef struct lp_link {
    lp_page from;            /**< the page being rendered (its place) */
    const char *from_lang;   /**< its language (NULL for LP_PAGE_HOME) */
    const char *from_id;     /**< its lesson id, or NULL */
    lp_page to;              /**< what the link is to */
    const char *lang;        /**< the target's language, or NULL */
    const char *id;          /**< the target's lesson id, or NULL */
    const char *item;        /**< activity or assignment id, or NULL */
    const char *path;        /**< a media entry's logical path, or NULL */
    const char *hash;        /**< its object's hash (hex), or NULL if the
                                  lesson has no package behind it */
    const char *media_type;  /**< its media type, or NULL */
} lp_link;

/**
 * Give the URL of a link, relative to the page being rendered.
 *
 * @param buf   where to write it, NUL-terminated
 * @param size  bytes available in buf (LP_MAX_URL_BYTES)
 * @return its length; 0 if there is no such page (a static site has no
 *         LP_PAGE_ANSWER: forms are then checked by the script only);
 *         a negative LP_E* code, which the render returns.
 */
typedef int (*lp_url_fn)(char *buf, size_t size, const lp_link *link,
                         void *user);

/**
 * Receive a piece of a page.
 *
 * @return 0 to go on, or a negative LP_E* code, which the render returns.
 */
typedef int (*lp_write_fn)(const void *data, size_t len, void *user);

/**
 * The URLs of the static site `lpack html` writes (lp_render_site()):
 * index.html (the language picker), LANG/index.html (a catalog),
 * LANG/ID.html (a lesson), LANG/ID.display.html (display mode),
 * media/HASH.EXT (media by content hash, EXT from the logical path),
 * lp.css and lp.js; no LP_PAGE_ANSWER and no LP_PAGE_UPLOAD (0).  user
 * is unused.
 *
 * @return as lp_url_fn; LP_EINVAL for a lesson id or language tag that
 *         cannot be a file name (not a letter, digit, '.', '_' or '-'
 *         first, or other characters) and for a media link without a hash;
 *         LP_ETOOBIG if buf is too small.
 */
LP_API int lp_render_static_url(char *buf, size_t size, const lp_link *link,
                                void *user);

/** Options for the pages.  Initialise with LP_RENDER_OPTS_INIT. */
typedef struct lp_render_opts {
    unsigned version;    /**< LP_RENDER_OPTS_VERSION */
    lp_url_fn url;       /**< URLs; NULL = lp_render_static_url() */
    void *url_user;      /**< passed to url */
    /** lessons: display mode for the classroom TV (large type, one section
     *  per screen, arrow keys and remote to page) */
    int display;
    /** lessons: put the answer keys in the forms for the script (a static
     *  site); 0 for a hub that marks answers itself (the keys then stay
     *  on the hub) */
    int embed_answers;
    /** lessons: the activity a learner answered (its id), their answer
     *  and the mark lp_activity_check() gave (1 correct, 0 not): the page
     *  shows the answer, the mark and the activity's feedback.  NULL for
     *  none. */
    const char *answered;
    const char *answer;
    int correct;
} lp_render_opts;

#define LP_RENDER_OPTS_VERSION 1
#define LP_RENDER_OPTS_INIT { LP_RENDER_OPTS_VERSION, NULL, NULL, 0, 1, \
                              NULL, NULL, 0 }

/**
 * Render the language picker: every language of the catalog, each named
 * in itself and in its own lang and dir, linking to its catalog.
 *
 * @param ctx    context for allocation and errors
 * @param opts   options, or NULL for the defaults
 * @param write  receives the page, in pieces of at most a few KiB
 * @return 0; LP_EINVAL for a bad opts->version; LP_ENOMEM; or the code
 *         the url or write function returned.
 */
LP_API LP_WARN_UNUSED int lp_render_home(lp_ctx *ctx, const lp_catalog *cat,
                                         const lp_render_opts *opts,
                                         lp_write_fn write, void *user);

/**
 * Render the catalog in a language: its title and description, subjects,
 * grades and units as headings, lessons in teaching order with their
 * durations, and links to every other language.
 *
 * @param lang  a language of the catalog, or NULL for the default
 * @return as lp_render_home(); LP_ENOTFOUND if lang is not a language of
 *         the catalog.
 */
LP_API LP_WARN_UNUSED int lp_render_catalog(lp_ctx *ctx,
                                            const lp_catalog *cat,
                                            const char *lang,
                                            const lp_render_opts *opts,
                                            lp_write_fn write, void *user);

/**
 * Render a lesson (as lp_lesson_open() gave it, in its language): title,
 * objectives, blocks (in the body language, with its direction),
 * activities as forms, assignments, links to the lesson in the catalog's
 * other languages and to the lessons before and after it.  Each text is
 * marked with the language it is really in (lpk(5)): for the activities
 * and assignments, the lesson is read in the languages of the fallback
 * chain to find out.
 *
 * @param cat     the catalog the lesson came from
 * @param lesson  the lesson; one from lp_lesson_parse() works too (its
 *                media links then have no hash)
 * @return as lp_render_home(); LP_ENOTFOUND if cat has no such lesson or
 *         language; the codes of lp_lesson_open() for the fallback
 *         documents.
 */
LP_API LP_WARN_UNUSED int lp_render_lesson(lp_ctx *ctx,
                                           const lp_catalog *cat,
                                           const lp_lesson *lesson,
                                           const lp_render_opts *opts,
                                           lp_write_fn write, void *user);

/**
 * The style sheet every page links to (LP_PAGE_STYLE): a few KiB of CSS,
 * the same for every page and package, so a browser caches it once.  It
 * names the Noto families of each script (fonts-noto-core on a hub,
 * lpack(1)).
 *
 * @param[out] len  its length in bytes
 * @return the CSS, static and NUL-terminated.
 */
LP_API const char *lp_render_style(size_t *len);

/**
 * The script every lesson page links to (LP_PAGE_SCRIPT): marks answers in
 * the page from the keys embed_answers puts in the forms, and pages the
 * display mode with the arrow keys.  Pages work without it.
 *
 * @param[out] len  its length in bytes
 * @return the JavaScript, static and NUL-terminated.
 */
LP_API const char *lp_render_script(size_t *len);

/**
 * Write a package's curriculum as a static site into the folder dir, for
 * a hub that already runs a web server: the pages at the URLs of
 * lp_render_static_url() in every language, the media extracted by
 * content hash (each checked against the manifest), the style sheet and
 * the script.  The site is built in a temporary folder beside dir and
 * renamed to dir when complete: there is never a partial site under its
 * name.  The same package gives the same files, byte for byte.
 *
 * @param dir   the folder to create; it must not exist
 * @param opts  options, or NULL; opts->url must be NULL, display and
 *              answered are ignored
 * @return 0; LP_EEXIST if dir exists; LP_ENOTFOUND if the package has no
 *         catalog; the codes of lp_catalog_open() and lp_lesson_open();
 *         LP_EINVAL for a lesson id or language that cannot be a file
 *         name; LP_EIO; LP_ENOMEM.
 */
LP_API LP_WARN_UNUSED int lp_render_site(lp_ctx *ctx, lp_package *pkg,
                                         const char *dir,
                                         const lp_render_opts *opts);

/* ---------------------------------------------------------------------- */
/* Serving packages to browsers (a hub)                                    */
/* ---------------------------------------------------------------------- */

/*
 * An HTTP server (libmicrohttpd) for a school hub: `lpack serve` runs one,
 * and any runtime may embed one.  It serves, per package, a catalog page in
 * each language with a language picker that honours Accept-Language, lesson
 * pages, media straight from the package (HTTP Range requests answered with
 * chunks checked against the signed manifest, ETag from the content hash,
 * If-None-Match, objects addressed by hash cached as immutable), a lesson
 * or the whole package for download, answers checked on the server for
 * browsers without JavaScript, and assignment uploads with a teacher page.
 * The URL scheme is in lpack(1), SERVE.
 *
 * A package file replaced on disk (lpack update renames a new file over the
 * old one) is noticed within a second and used for new requests; requests
 * in flight finish on the old one.  Everything is bounded: connections in
 * all and per client address, request and header bytes, idle time per
 * connection (slow clients are dropped), upload sizes, each upload's rate
 * and a disk quota.
 * The server never prints: it reports one line per request through the
 * log callback.
 */

/** Longest teacher token, in bytes. */
#define LP_SERVER_MAX_TOKEN_BYTES 256u

typedef struct lp_server lp_server;

/**
 * Called with one line of the server's log (no newline): one per request,
 * "ADDRESS "METHOD PATH" STATUS BYTES MSms", and one per event worth
 * knowing (a package reloaded, a reload that failed).  Control characters
 * of the request are escaped; query strings and credentials are never
 * logged.  Called from the server's threads, possibly at once: the
 * callback must be thread-safe.
 */
typedef void (*lp_server_log_fn)(const char *line, void *user);

/** Options for lp_server_new().  Initialise with LP_SERVER_OPTS_INIT. */
typedef struct lp_server_opts {
    unsigned version;          /**< LP_SERVER_OPTS_VERSION */
    /** Address and port to listen on: "ADDR:PORT" or "[ADDR6]:PORT",
     *  numeric; port 0 takes a free one (lp_server_port()).  NULL =
     *  "127.0.0.1:8080". */
    const char *listen;
    /** Folder for assignment uploads (created if missing); NULL = uploads
     *  are refused. */
    const char *data_dir;
    /** Token (password) of the teacher page, at least 8 bytes; NULL = no
     *  teacher page.  Copied; compared in constant time. */
    const char *teacher_token;
    unsigned max_connections;  /**< connections at once; 0 = 256 */
    unsigned max_per_ip;       /**< per client address; 0 = 32 */
    /** Seconds a connection may stay idle (no byte received or sent)
     *  before it is closed; 0 = 20. */
    unsigned timeout;
    /** Bytes a request's line and headers may take; 0 = 8192 (at most
     *  65536).  A bigger request is answered 431 and closed. */
    size_t max_header_bytes;
    /** Bytes all submissions under data_dir may take; 0 = 1 GiB. */
    uint64_t quota;
    /** Most bytes per second one upload may send (a hub's Wi-Fi is
     *  shared); 0 = 1 MiB/s. */
    uint64_t upload_rate;
    /** Threads answering requests; 0 = one per online CPU. */
    unsigned threads;
    /** 1: log events only, not one line per request */
    int quiet;
    lp_server_log_fn log;      /**< or NULL */
    void *log_user;            /**< passed to log */
} lp_server_opts;

#define LP_SERVER_OPTS_VERSION 1
#define LP_SERVER_OPTS_INIT { LP_SERVER_OPTS_VERSION, NULL, NULL, NULL, \
    0, 0, 0, 0, 0, 0, 0, 0, NULL, NULL }

/**
 * Create a server (nothing is bound yet: see lp_server_start()).
 *
 * @param[out] out  the server; free it with lp_server_free()
 * @param ctx       context for errors of this call and of the calls on the
 *                  server made from the caller's thread (add, start, run);
 *                  it must outlive the server
 * @param opts      options, or NULL for the defaults
 * @return 0; LP_EINVAL for an option out of range (a listen address that
 *         does not parse, a token too short or too long); LP_EIO if
 *         data_dir cannot be created or read; LP_ENOMEM.
 */
LP_API LP_WARN_UNUSED int lp_server_new(lp_server **out, lp_ctx *ctx,
                                        const lp_server_opts *opts);

/**
 * Serve the package at path, under /ID/ where ID is its package id.  It is
 * opened now (and its catalog, if it has one: a package without one is
 * served as a list of its files); it is opened again by path whenever the
 * file is replaced.
 *
 * @return 0; LP_EEXIST if a package with the same id is already served,
 *         or if its id is one of the hub's own names ("teacher", "lp.css",
 *         "lp.js"); what lp_package_open() and lp_catalog_open() return.
 */
LP_API LP_WARN_UNUSED int lp_server_add_package(lp_server *srv,
                                                const char *path);

/**
 * Bind the listening socket and start the threads.  The caller may then
 * give up privileges (the socket stays bound) and call lp_server_run().
 *
 * @return 0; LP_EIO if the address cannot be bound (in use, not ours);
 *         LP_EINVAL if no package was added or the server was started.
 */
LP_API LP_WARN_UNUSED int lp_server_start(lp_server *srv);

/** The port the server listens on (after lp_server_start()), else 0. */
LP_API unsigned lp_server_port(const lp_server *srv);

/**
 * Serve until lp_server_stop() is called (starting first if needed), then
 * stop accepting, finish the requests in flight and return.
 *
 * @return 0, or what lp_server_start() returns.
 */
LP_API int lp_server_run(lp_server *srv);

/**
 * Make lp_server_run() return.  Safe from any thread and from a signal
 * handler (it only writes one byte to a pipe).
 */
LP_API void lp_server_stop(lp_server *srv);

/** Stop the server if it runs and free it.  NULL is accepted. */
LP_API void lp_server_free(lp_server *srv);

/* lp_diag (one diagnostic of a curriculum's sources) is below, under
 * Curriculum sources */
struct lp_diag;

/** Most diagnostics of one build lp_server_set_build() keeps (and shows);
 *  past it, only their number. */
#define LP_SERVER_MAX_DIAGS 500u

/**
 * Publish a build of a curriculum as its author writes it (`lpc preview`):
 * the package it made, or none, and its diagnostics.
 *
 * The first call, which must come before lp_server_start(), puts the
 * server in preview mode, for an author's own machine: it then serves
 * builds given here, not packages added with lp_server_add_package().
 * Called with fd -1 and no diagnostics before any build, it only does
 * that, so that the server can start (and its port be known to be free)
 * while the first build runs; its pages then wait for that build.
 * Every page (catalog, lessons, language picker) then opens with a bar
 * naming the build, its errors and warnings and listing them, each with
 * its file:line:column, severity, code, message and source line (the
 * character at the column marked), with a link to /_lp/diagnostics (all
 * of them, up to LP_SERVER_MAX_DIAGS) and a "reload" link; a small script
 * in the page asks /_lp/build (the number of the last build, as text) and
 * reloads the page when a new build is published.  Until a build has
 * given a package, every page is the diagnostics page; / leads to the
 * catalog of the package served.  Every text of a diagnostic is escaped
 * (control characters and bidirectional controls shown as U+FFFD).
 *
 * May be called while the server runs, from one thread at a time:
 * requests in flight finish on the package and diagnostics they started
 * with.
 *
 * @param srv     the server
 * @param fd      a descriptor open for reading on the new package (a
 *                regular file, such as a sealed memfd that
 *                lp_project_build_fd() wrote); the server reads it through
 *                its own duplicate, so the caller may close fd, but must
 *                not change the file.  -1: the build made no package (it
 *                had errors): the last package stays served.
 * @param diags   the build's diagnostics, copied (all pointers borrowed
 *                for the call only); NULL if ndiags is 0
 * @param ndiags  how many
 * @return 0; LP_EINVAL if packages were added with
 *         lp_server_add_package(), or if this first call comes after
 *         lp_server_start(); what lp_package_open_fd() and
 *         lp_catalog_open() return for fd (the last package then stays
 *         served, and the diagnostics are published all the same);
 *         LP_ENOMEM.
 */
LP_API LP_WARN_UNUSED int lp_server_set_build(lp_server *srv, int fd,
                                              const struct lp_diag *diags,
                                              size_t ndiags);

/* ---------------------------------------------------------------------- */
/* Update repositories                                                     */
/* ---------------------------------------------------------------------- */

/*
 * An update repository (lp-repo(5)) is a folder of static files that any
 * web server, CDN, LAN share or USB stick can hold: the full packages
 * and deltas between releases, named by the BLAKE2b-256 hash of their
 * bytes (files/HASH.lpk, files/HASH.lpd), and one index, the only file
 * that changes in place.  The index lists, for each package id, its
 * releases and the deltas between them, with sizes and hashes; it is
 * signed with the same minisign keys and checked against the same trust
 * files as packages, and carries a serial that only grows and an expiry,
 * so that a mirror can neither replay an old index nor freeze a hub on
 * one forever.
 */

/** Largest index file, in bytes, and most releases plus deltas in one */
#define LP_REPO_MAX_INDEX_BYTES (16u * 1024u * 1024u)
#define LP_REPO_MAX_ITEMS 65536u
/** Deltas publish makes to a new release unless told otherwise: from
 *  each of the three releases before it */
#define LP_REPO_DEFAULT_DELTAS 3u
/** How long an index is valid unless told otherwise: 90 days */
#define LP_REPO_DEFAULT_VALID_FOR (90 * 86400)

/** A parsed repository index. */
typedef struct lp_repo lp_repo;

/**
 * Parse an index file's bytes (lp-repo(5)) without checking its
 * signatures: for tools that show an index.  Hubs use lp_repo_check().
 *
 * @param what      names the index in messages (a file or URL)
 * @param[out] out  the index; free it with lp_repo_free()
 * @return 0; LP_EFORMAT (the message names the line); LP_EVERSION (a
 *         newer format); LP_ETOOBIG past LP_REPO_MAX_*; LP_ENOMEM.
 */
LP_API int lp_repo_parse(lp_repo **out, lp_ctx *ctx, const void *data,
                         size_t len, const char *what);

/** Options for lp_repo_check().  Initialise with LP_REPO_CHECK_OPTS_INIT. */
typedef struct lp_repo_check_opts {
    unsigned version;      /**< LP_REPO_CHECK_OPTS_VERSION */
    int64_t now;           /**< current time; -1 = the clock */
    lp_sig_report_fn report; /**< called once per signature, or NULL */
    void *user;
} lp_repo_check_opts;

#define LP_REPO_CHECK_OPTS_VERSION 1
#define LP_REPO_CHECK_OPTS_INIT { LP_REPO_CHECK_OPTS_VERSION, -1, NULL, NULL }

/**
 * Parse an index and check it before any number in it is trusted: its
 * signatures against the trust file (at least the threshold of trusted
 * keys, counted as for packages), its expiry (the clock never earlier
 * than a trusted signing time, nor than the state's), and, with a state,
 * that its serial is not below the last one accepted for id (an index of
 * the same serial must be the same index).  Nothing is recorded: call
 * lp_repo_record() once the index has been acted upon.
 *
 * @param id        the package id the hub follows (whose serial the
 *                  state keeps)
 * @param state     the verifier's state, or NULL
 * @param[out] out  the index; free it with lp_repo_free()
 * @return 0; LP_EUNTRUSTED with the reason (not signed, too few trusted
 *         signatures, expired, an older serial: a replay); LP_EFORMAT,
 *         LP_EVERSION or LP_ETOOBIG as lp_repo_parse(); LP_EIO; LP_ENOMEM.
 */
LP_API LP_WARN_UNUSED int lp_repo_check(lp_repo **out, lp_ctx *ctx,
                                        const void *data, size_t len,
                                        const char *what,
                                        const lp_trust *trust,
                                        const lp_state *state,
                                        const char *id,
                                        const lp_repo_check_opts *opts);

/**
 * Record in the state folder that the index was accepted for id: its
 * serial and hash (file STATE/ID.index, replaced atomically, only ever
 * raised).
 *
 * @return 0; LP_EUNTRUSTED if a higher serial was recorded since;
 *         LP_EIO; LP_ENOMEM.
 */
LP_API int lp_repo_record(const lp_repo *repo, const lp_state *state,
                          const char *id);

/** The index's serial (at least 1). */
LP_API uint64_t lp_repo_serial(const lp_repo *repo);

/** The index's expiry, seconds since the epoch. */
LP_API int64_t lp_repo_expires(const lp_repo *repo);

/** One release as the index lists it.  Strings are borrowed. */
typedef struct lp_repo_release {
    const char *id;
    uint64_t version;
    const char *label;
    uint64_t size;                             /**< bytes of the file */
    char file_hash[LP_HASH_HEX_BYTES + 1];     /**< BLAKE2b-256, hex */
    char manifest_hash[LP_HASH_HEX_BYTES + 1]; /**< of its manifest */
    int64_t expires;                           /**< -1: does not expire */
    char path[80];            /**< in the repository: files/HASH.lpk */
} lp_repo_release;

/** One delta as the index lists it. */
typedef struct lp_repo_delta {
    const char *id;
    uint64_t base, target;    /**< versions */
    uint64_t size;
    char file_hash[LP_HASH_HEX_BYTES + 1];
    char path[80];            /**< files/HASH.lpd */
} lp_repo_delta;

/**
 * Release number i (0-based, by version) of package id.
 *
 * @return 0; LP_ENOTFOUND if id is not listed or i is out of range.
 */
LP_API int lp_repo_release_get(const lp_repo *repo, const char *id,
                               size_t i, lp_repo_release *out);

/**
 * Delta number i (0-based, by target then base version) of package id.
 *
 * @return 0; LP_ENOTFOUND if id is not listed or i is out of range.
 */
LP_API int lp_repo_delta_get(const lp_repo *repo, const char *id,
                             size_t i, lp_repo_delta *out);

/** Free an index.  NULL is accepted. */
LP_API void lp_repo_free(lp_repo *repo);

/** Options for lp_repo_publish().  Use LP_PUBLISH_OPTS_INIT. */
typedef struct lp_publish_opts {
    unsigned version;     /**< LP_PUBLISH_OPTS_VERSION */
    /** deltas to a new newest release: from each of this many releases
     *  before it (0 = none); LP_REPO_DEFAULT_DELTAS by default */
    unsigned deltas;
    /** signing and creation time; -1 = SOURCE_DATE_EPOCH if set, else
     *  the clock */
    int64_t now;
    /** seconds the new index is valid for (1 hour to 10 years) */
    int64_t valid_for;
    /** 1: sign a new index (serial + 1, new expiry) even if no release
     *  was added, so hubs keep accepting it */
    int refresh;
    lp_delta_opts delta;  /**< how deltas are made */
    /** progress: LP_STAGE_PUBLISHING, then LP_STAGE_ENCODING for each
     *  delta made (unless delta.progress is set), or NULL */
    lp_progress_fn progress;
    void *progress_user;  /**< passed to progress */
} lp_publish_opts;

#define LP_PUBLISH_OPTS_VERSION 2
#define LP_PUBLISH_OPTS_INIT { LP_PUBLISH_OPTS_VERSION, \
    LP_REPO_DEFAULT_DELTAS, -1, LP_REPO_DEFAULT_VALID_FOR, 0, \
    LP_DELTA_OPTS_INIT, NULL, NULL }
/* Version 1 is the same struct without progress, and still accepted. */

/** What lp_repo_publish() did. */
typedef struct lp_publish_result {
    uint64_t serial;      /**< of the index now in the repository */
    unsigned releases;    /**< releases added */
    unsigned deltas;      /**< deltas made */
    uint64_t delta_bytes; /**< their total size */
    int changed;          /**< 1 if a new index was written */
} lp_publish_result;

/**
 * Add releases to the repository in folder dir (created if missing):
 * each package (checked whole, and signed by at least one of keys) is
 * copied to files/HASH.lpk; for each package id whose newest release is
 * new, deltas to it are made from the opts->deltas releases before it
 * (files/HASH.lpd); then the index is written (serial + 1, signed by
 * every key) to a temporary file and renamed.  Publishing is
 * deterministic and idempotent: the same packages again change nothing.
 * The existing index must be signed by one of keys.  One publisher at a
 * time (the folder is locked).
 *
 * @param keys   secret keys (lp_key_load_secret()), at least one
 * @param[out] result  what was done (may be NULL)
 * @return 0; LP_EEXIST if a release number is published already with
 *         other content; LP_EUNTRUSTED if a package, or the index in the
 *         folder, is not signed by any of keys; LP_EFORMAT, LP_EHASH for
 *         a damaged package or index; LP_EINVAL; LP_EIO; LP_ENOMEM.
 */
LP_API LP_WARN_UNUSED int lp_repo_publish(lp_ctx *ctx, const char *dir,
                                          const char *const *packages,
                                          size_t npackages,
                                          const lp_key *const *keys,
                                          size_t nkeys,
                                          const lp_publish_opts *opts,
                                          lp_publish_result *result);

/** Most steps (deltas in a chain) an update plan takes */
#define LP_UPDATE_MAX_STEPS 16

/** One file of an update plan: a delta, or the full package. */
typedef struct lp_update_step {
    int full;                 /**< 1: the full package of target */
    uint64_t base, target;    /**< versions (base 0 for a full package) */
    uint64_t size;            /**< bytes of the file */
    char path[80];            /**< in the repository: files/HASH.lpd|.lpk */
} lp_update_step;

/** What lp_update() found or did. */
typedef enum lp_update_outcome {
    LP_UPDATE_UP_TO_DATE = 0, /**< the hub has the newest release */
    LP_UPDATE_UPDATED = 1,    /**< the newest release is in place */
    LP_UPDATE_PLANNED = 2,    /**< dry run: the plan, nothing fetched */
    LP_UPDATE_INSTALLED = 3   /**< a new hub (no package at pkg_path): the
                                   newest release is in place */
} lp_update_outcome;

/** What lp_update() found or did, also when it fails (as far as it got). */
typedef struct lp_update_result {
    lp_update_outcome outcome;
    char id[LP_MAX_ID_BYTES + 1];  /**< the hub package's id */
    uint64_t from_version;    /**< the hub's release before (0: none, a
                                   new hub) */
    uint64_t to_version;      /**< the newest release the index lists */
    uint64_t serial;          /**< of the index accepted, 0 if none */
    size_t nsteps;            /**< files in the plan */
    lp_update_step steps[LP_UPDATE_MAX_STEPS];
    uint64_t plan_bytes;      /**< bytes of the plan's files: the fewest */
    uint64_t full_bytes;      /**< bytes of the newest full package */
    uint64_t fetched_bytes;   /**< bytes that came from the source now */
    uint64_t resumed_bytes;   /**< bytes kept from an earlier attempt */
    int unreachable;          /**< 1: the failure is the source's (not
                                   reachable, an HTTP error, a stall):
                                   try again later, nothing is lost */
} lp_update_result;

/** Options for lp_update() and lp_repo_mirror(): LP_UPDATE_OPTS_INIT. */
typedef struct lp_update_opts {
    unsigned version;     /**< LP_UPDATE_OPTS_VERSION */
    /** folder for downloads in progress (created if missing); NULL =
     *  STATE/spool.  Keep it on a disk that survives a reboot. */
    const char *spool;
    int dry_run;          /**< check the index, plan, and stop */
    uint64_t limit_rate;  /**< most bytes per second to fetch; 0 = any */
    unsigned timeout;     /**< seconds to connect, or of a stalled link,
                               before giving up on a request; 0 = 60 */
    int64_t now;          /**< current time; -1 = the clock */
    uint64_t max_window;  /**< as lp_apply_opts; 0 = default */
    /** progress, or NULL: LP_STAGE_FETCHING, then the stages of applying
     *  each delta (LP_STAGE_DECODING, LP_STAGE_WRITING) or of checking the
     *  full package (LP_STAGE_VERIFYING); a cancel stops at the next
     *  chunk, keeps what was fetched, and leaves the hub's package as it
     *  was (LP_ECANCELED) */
    lp_progress_fn progress;
    void *progress_user;  /**< passed to progress */
    /** (version 3) the package id a new hub (no package at pkg_path yet)
     *  takes; if pkg_path exists, it must be of this id.  NULL: the
     *  repository's only package (LP_ENOTFOUND if it lists several) */
    const char *id;
} lp_update_opts;

#define LP_UPDATE_OPTS_VERSION 3
#define LP_UPDATE_OPTS_INIT { LP_UPDATE_OPTS_VERSION, NULL, 0, 0, 0, -1, 0, \
    NULL, NULL, NULL }
/* Version 2 is the same struct without id, and still accepted.  Version 1
 * had a progress callback of another type: still accepted without one
 * (progress NULL), refused (LP_EINVAL) with one. */

/**
 * Bring the package at pkg_path to the newest release the repository at
 * source (http://, https:// or a folder, lp-repo(5)) lists for its id.
 * A new hub, with no file at pkg_path yet, takes the newest full package
 * of opts->id (or of the repository's only package), checked as any
 * update is, and result->outcome is LP_UPDATE_INSTALLED.
 *
 * The index is fetched and checked first (lp_repo_check(): signatures
 * against trust, expiry, serial); nothing in it is used before.  The plan
 * is the cheapest way from the hub's release to the newest, in bytes: a
 * chain of deltas or the full package.  Each file is fetched into the
 * spool with resume (every byte that reached the disk is kept across a
 * dropped link, a kill or a reboot; the next attempt asks for the rest
 * with an HTTP Range request or reads on in the folder), cut off past
 * the size the index gives and checked against its hash.  Then the
 * deltas are applied (or the package taken) and the new release must
 * pass lp_package_accept() (signatures, rollback, not older than the
 * hub's, not expired) before it replaces pkg_path atomically; it is then
 * recorded in state with the index's serial, and the spool is emptied.
 * On any failure pkg_path is untouched.  One update of a spool at a time
 * (it is locked).
 *
 * @param trust   the hub's trust file
 * @param state   the hub's state folder (lp_state_open())
 * @param opts    options, or NULL for the defaults
 * @param[out] result  what was found and done (may be NULL)
 * @return 0 (result->outcome says which); LP_EUNTRUSTED if the index or
 *         the new release is refused (the message says why); LP_EHASH if
 *         a file does not match the index (its partial download is
 *         dropped); LP_ENOTFOUND if the index does not list the package's
 *         id; LP_EIO if the source cannot be reached (result->unreachable)
 *         or the disk is full; LP_EFORMAT; LP_ENOMEM.
 */
LP_API LP_WARN_UNUSED int lp_update(lp_ctx *ctx, const char *pkg_path,
                                    const char *source,
                                    const lp_trust *trust, lp_state *state,
                                    const lp_update_opts *opts,
                                    lp_update_result *result);

/**
 * Copy the repository at source into the folder dir (created if
 * missing), checked: the index must pass lp_repo_check() against trust
 * (without a state), and every file is fetched with resume and checked
 * against its hash; the index is written last.  With for_pkg, only the
 * files the hub holding that package needs (its lp_update() plan), for a
 * teacher carrying updates on a USB stick to a school with no link.
 *
 * @param for_pkg  a hub's package, or NULL for every file
 * @param opts     limit_rate, timeout, now, progress (others ignored)
 * @param[out] result  steps and bytes, as lp_update() (may be NULL)
 * @return as lp_update().
 */
LP_API LP_WARN_UNUSED int lp_repo_mirror(lp_ctx *ctx, const char *source,
                                         const char *dir,
                                         const lp_trust *trust,
                                         const char *for_pkg,
                                         const lp_update_opts *opts,
                                         lp_update_result *result);

/* ---------------------------------------------------------------------- */
/* Curriculum sources                                                      */
/* ---------------------------------------------------------------------- */

/*
 * A curriculum project is a folder holding a curriculum file
 * (curriculum.yaml, curriculum.yml or curriculum.xml) and the lesson files
 * it names, in YAML or XML, freely mixed: the source format of
 * lp-curriculum(5).  Both syntaxes are loaded into one document model and
 * validated against one schema (schemas/curriculum.xsd, built into the
 * library), so they cannot drift apart.  Problems in the sources are not
 * errors of the call: they are diagnostics, each with a stable code, a
 * severity and the author's file, line and column.
 */

typedef struct lp_project lp_project;

/** How bad a diagnostic is. */
typedef enum lp_severity {
    LP_SEVERITY_NOTE = 0,    /**< more about the diagnostic before it */
    LP_SEVERITY_WARNING = 1, /**< suspicious, but the sources can be built */
    LP_SEVERITY_ERROR = 2    /**< the sources cannot be built */
} lp_severity;

/** One problem found in the sources.  All pointers are borrowed. */
typedef struct lp_diag {
    lp_severity severity;
    /** Stable code, e.g. "dup-id"; the list is in lp-curriculum(5). */
    const char *code;
    /** The file: the project folder as given joined with the file's
     *  relative path, e.g. "math/lessons/n1.yaml"; NULL if the problem is
     *  about no file in particular. */
    const char *file;
    /** 1-based line and column (in characters, a tab counting one);
     *  0 when unknown. */
    unsigned line, col;
    /** What is wrong, e.g. "lesson id 'n1' is used twice". */
    const char *message;
    /** The text of that line, without its line end, for showing the
     *  place; NULL when line is 0.  Not NUL-terminated: source_len bytes. */
    const char *source_line;
    size_t source_len;
} lp_diag;

/**
 * Called once per diagnostic, in file order, on the calling thread.  The
 * diagnostic is valid during the call only.
 */
typedef void (*lp_diag_fn)(const lp_diag *diag, void *user);

/**
 * How many terminal columns the first len bytes of a UTF-8 text take, for
 * lining a caret up under lp_diag::col in Khmer, Amharic, Arabic or CJK
 * text.  lp_diag::col counts characters (code points); a terminal shows
 * a grapheme cluster (a base and its combining marks, a Khmer consonant and
 * its vowel signs) in one cell, or in two for East Asian wide and
 * fullwidth characters.  Each extended grapheme cluster (ICU) counts 2 if
 * its first character is wide or fullwidth, 0 if it is only format or
 * enclosing/non-spacing marks (a lone zero-width joiner), else 1.  Invalid
 * UTF-8 counts one column per byte.  Tabs count 1: a caller that keeps
 * tabs in the padding handles them itself.
 *
 * @param utf8 the text (need not be NUL-terminated); NULL with len 0 is 0
 * @param len  its length in bytes
 * @return the number of columns
 */
LP_API size_t lp_text_columns(const char *utf8, size_t len);

/**
 * A lesson of the previous release of a curriculum, as its compiled
 * catalog records it (lp_catnode_id(), lp_catnode_source(),
 * lp_catnode_fingerprint()).  All pointers are borrowed.
 */
typedef struct lp_previous_lesson {
    const char *id;          /**< its id */
    const char *source;      /**< its source file, without extension;
                                  NULL if unknown */
    const char *fingerprint; /**< its content fingerprint; NULL if
                                  unknown */
} lp_previous_lesson;

/**
 * The previous release of a curriculum, to check that lesson ids stay
 * stable (lp-curriculum(5), STABLE IDS): a lesson of it whose id is gone,
 * and that no lesson names in renamed-from, while a lesson with a new id
 * comes from the same source file or has nearly the same text, is an
 * "id-changed" error; one with no such successor is a "removed-lesson"
 * warning.  Initialise with LP_PREVIOUS_INIT.  Everything is borrowed:
 * it must stay valid until the project is freed.
 */
typedef struct lp_previous {
    unsigned version;   /**< LP_PREVIOUS_VERSION */
    const char *name;   /**< how messages name it, e.g. "math-2.lpk" */
    const char *id;     /**< its curriculum id (lp_catalog_id()), or NULL
                             not to compare it */
    uint64_t release;   /**< its version (lp_catalog_version()); the
                             curriculum's must be greater */
    const lp_previous_lesson *lessons; /**< its lessons */
    size_t nlessons;
} lp_previous;

#define LP_PREVIOUS_VERSION 1
#define LP_PREVIOUS_INIT { LP_PREVIOUS_VERSION, "", NULL, 0, NULL, 0 }

/** Options for lp_project_open().  Initialise with LP_PROJECT_OPTS_INIT. */
typedef struct lp_project_opts {
    unsigned version; /**< LP_PROJECT_OPTS_VERSION */
    /** Largest media file, in bytes: a bigger one is an error (code
     *  "media-size"); 0 = no limit. */
    uint64_t max_media_bytes;
    /** (version 2) Threads loading lesson files, the calling one included:
     *  0 = one per online CPU; more than 8 count as 8.  The diagnostics
     *  are the same whatever the number. */
    unsigned threads;
    /** (version 3) The build cache folder (lpc(1), CACHE), or NULL for
     *  none.  lp_project_check() and lp_project_build() keep there what
     *  they worked out -- checked lessons with their diagnostics, compiled
     *  documents, media hashes, compressed objects -- keyed by a hash of
     *  everything that decides it, and reuse it when the same work comes
     *  again.  Results are the same with or without it: the diagnostics,
     *  and the package byte for byte.  Created (mode 0700) if missing;
     *  may be shared by builds running at the same time.  A damaged entry
     *  is ignored and rebuilt.  lp_cache_default_dir() gives the usual
     *  place. */
    const char *cache_dir;
    /** (version 3) Most bytes the cache folder may hold; the least
     *  recently used entries are removed past it.  0 =
     *  LP_CACHE_DEFAULT_MAX. */
    uint64_t cache_max_bytes;
    /** (version 4) The previous release, to compare lesson ids with
     *  (see lp_previous), or NULL.  Borrowed until lp_project_free(). */
    const lp_previous *previous;
    /** (version 4) The build profile (lp-curriculum(5), PROFILES) that
     *  lp_project_build() compiles the package for, or NULL for none:
     *  its languages only, without the media it leaves out, and an error
     *  ("budget") past its budget.  The check reports a name the
     *  curriculum does not declare ("profile", listing those it does).
     *  Copied. */
    const char *profile;
} lp_project_opts;

/* Versions 1 (without threads), 2 (without the cache) and 3 (without
 * previous) are the same struct cut short, and still accepted. */
#define LP_PROJECT_OPTS_VERSION 4
#define LP_PROJECT_OPTS_INIT { LP_PROJECT_OPTS_VERSION, 0, 0, NULL, 0, NULL, \
                               NULL }

/** The default size limit of a build cache folder: 2 GiB. */
#define LP_CACHE_DEFAULT_MAX (UINT64_C(2) << 30)

/**
 * The default build cache folder: $XDG_CACHE_HOME/lp if XDG_CACHE_HOME is
 * set to an absolute path, else $HOME/.cache/lp.
 *
 * @param[out] out  the folder, NUL-terminated
 * @param cap       size of out in bytes
 * @return 0; LP_ENOTFOUND if neither variable gives a folder; LP_ETOOBIG
 *         if out is too small; LP_EINVAL.
 */
LP_API int lp_cache_default_dir(char *out, size_t cap);

/**
 * Open the curriculum project in folder dir.  Nothing is read yet but the
 * folder itself: lp_project_check() reads and checks the sources.  Every
 * file of the project (the curriculum file, lessons, media, captions) is
 * then opened below dir with no symbolic link followed at any component:
 * a link on the way is a "bad-path" error naming it, so nothing outside
 * dir is ever read.  dir itself may be a link (the caller named it).
 *
 * @param[out] out  the project; free it with lp_project_free()
 * @param opts      options, or NULL for the defaults
 * @return 0; LP_EIO if dir is not a readable folder; LP_EINVAL; LP_ENOMEM.
 */
LP_API int lp_project_open(lp_project **out, lp_ctx *ctx, const char *dir,
                           const lp_project_opts *opts);

/**
 * Whether the folder dir is a curriculum project: whether it holds a
 * curriculum file (curriculum.yaml, curriculum.yml or curriculum.xml).
 * Nothing is read but the folder's entries: a tool that is given a folder
 * of projects (such as a repository's examples/) finds them with it.
 *
 * @param dir  the folder
 * @return 1 if it holds one; 0 if not, or if dir is not a readable folder.
 */
LP_API int lp_project_probe(const char *dir);

/**
 * Read every source of the project -- the curriculum file and each lesson
 * file it names -- and check it: encoding, syntax, the schema, then the
 * rules the schema cannot express (unique ids, references that resolve,
 * answer keys, translations, media).  Every problem is reported through
 * fn, not only the first.  Source files are treated as hostile: size,
 * nesting and count limits apply, YAML aliases and XML document types are
 * refused, nothing is fetched from the network.  Lesson files are loaded
 * on one thread per online CPU; fn is still called on the calling thread,
 * with the same diagnostics in the same order as one thread would give.
 *
 * @param fn    called for each diagnostic, or NULL
 * @return 0 if there was no error (warnings allowed); LP_ESOURCE if at
 *         least one error was reported; LP_EIO if a file exists but cannot
 *         be read; LP_ENOMEM; LP_EINTERNAL.
 */
LP_API LP_WARN_UNUSED int lp_project_check(lp_project *proj, lp_diag_fn fn,
                                           void *user);

/** Options for lp_project_build().  Initialise with LP_BUILD_OPTS_INIT. */
typedef struct lp_build_opts {
    unsigned version;  /**< LP_BUILD_OPTS_VERSION */
    int level;         /**< zstd level, as lp_writer_opts; 0 = default */
    /** Threads, for loading the lessons and for writing the package.
     *  0 = the project's lp_project_opts threads for loading, and one per
     *  online CPU for writing. */
    unsigned threads;
    /**
     * Creation time of the package (seconds since the epoch).  -1 =
     * SOURCE_DATE_EPOCH if set, else the newest modification time of the
     * sources and media (so the same sources give the same package).
     */
    int64_t created;
    /** (version 2) 1: warnings stop the build as errors do (nothing is
     *  written; LP_ESOURCE) */
    int werror;
    /** (version 3) called as the lessons are compiled
     *  (LP_STAGE_COMPILING) and the package written
     *  (LP_STAGE_COMPRESSING), or NULL */
    lp_progress_fn progress;
    void *progress_user; /**< (version 3) passed to progress */
    /** (version 4) how the package stores JPEGs, as lp_writer_opts.jpeg */
    int jpeg;
} lp_build_opts;

/* Versions 1 (without werror), 2 (without progress) and 3 (without jpeg)
 * are the same struct cut short, and still accepted. */
#define LP_BUILD_OPTS_VERSION 4
#define LP_BUILD_OPTS_INIT \
    { LP_BUILD_OPTS_VERSION, 0, 0, -1, 0, NULL, NULL, LP_JPEG_KEEP }

/**
 * Check the project (as lp_project_check()) and, if it has no errors,
 * compile it into a package at out_path: the catalog, one document per
 * lesson and language, the assignments and the media the lessons use, as
 * lpk(5) describes under COMPILED CURRICULA.  The package identity comes
 * from the curriculum (id, version, label, languages with the default
 * first).  The output depends only on the sources' content: the same
 * curriculum in YAML or XML gives the same bytes.  The package is written
 * atomically (lp_writer_commit()): on any failure nothing is left at
 * out_path and a file already there is unchanged.
 *
 * @param opts  options, or NULL for the defaults
 * @param fn    called for each diagnostic, or NULL
 * @return 0; LP_ESOURCE if the sources have errors (nothing is written);
 *         LP_EINVAL; LP_EIO; LP_ECHANGED if a media file changed while it
 *         was read; LP_EUNSAFE if a folder on a media file's path was
 *         replaced by a symbolic link after the check; LP_ETOOBIG (the
 *         message names the limit and the document); LP_ENOMEM;
 *         LP_EINTERNAL; LP_ECANCELED if opts->progress asked to stop
 *         (nothing is written).
 */
LP_API LP_WARN_UNUSED int lp_project_build(lp_project *proj,
                                           const char *out_path,
                                           const lp_build_opts *opts,
                                           lp_diag_fn fn, void *user);

/**
 * Build the project as lp_project_build() does, into an open file rather
 * than a named one: `lpc preview` builds into an anonymous memfd and
 * serves it (lp_server_set_build()), so nothing is written under a name.
 * The file is truncated and the package written from offset 0 (fd's
 * offset is neither used nor changed); it is not synced.  The writer's
 * spool files go to $TMPDIR (else /tmp), unlinked as soon as made.  If
 * the build fails, the file holds no valid package (truncated or partly
 * written).
 *
 * @param fd    a descriptor open for reading and writing on a regular file
 * @return as lp_project_build(); LP_EINVAL if fd is negative; LP_EIO if
 *         it is not a regular file or cannot be written.
 */
LP_API LP_WARN_UNUSED int lp_project_build_fd(lp_project *proj, int fd,
                                              const lp_build_opts *opts,
                                              lp_diag_fn fn, void *user);

/**
 * Translation coverage of one language, from the last lp_project_check()
 * or lp_project_build() of a project: of the localized texts (titles,
 * objectives, prompts, feedback, options, answers, tasks, in the
 * curriculum file and the lessons; a lesson's body counts as one text) and
 * of the lessons that passed the schema, how many are written in the
 * language itself, how many only through its fallback chain, and how many
 * in neither (each of those is a "missing-translation" error).  A lesson
 * counts as its own when its body and every one of its texts are in the
 * language, as missing when any of them is missing, else as covered by
 * fallback.  Initialise with LP_COVERAGE_INIT.
 */
typedef struct lp_coverage {
    unsigned version;        /**< LP_COVERAGE_VERSION */
    const char *language;    /**< the tag as declared; borrowed */
    size_t texts_own;        /**< texts in the language */
    size_t texts_fallback;   /**< texts only in a fallback */
    size_t texts_missing;    /**< texts in neither */
    size_t lessons_own;      /**< lessons wholly in the language */
    size_t lessons_fallback; /**< lessons complete through fallbacks */
    size_t lessons_missing;  /**< lessons with something missing */
} lp_coverage;

#define LP_COVERAGE_VERSION 1
#define LP_COVERAGE_INIT { LP_COVERAGE_VERSION, NULL, 0, 0, 0, 0, 0, 0 }

/**
 * How many languages lp_project_coverage() has figures for: the
 * curriculum's declared languages, in the order declared; 0 before a
 * check, or if the curriculum file itself did not pass the schema.
 */
LP_API size_t lp_project_coverage_count(const lp_project *proj);

/**
 * The coverage of language i (0-based, below lp_project_coverage_count()).
 *
 * @param[out] out  filled in; out->language is valid until the next check
 *                  or lp_project_free()
 * @return 0; LP_EINVAL if i is out of range or out->version unknown.
 */
LP_API int lp_project_coverage(const lp_project *proj, size_t i,
                               lp_coverage *out);

/** Free a project.  NULL is accepted. */
LP_API void lp_project_free(lp_project *proj);

#ifdef __cplusplus
}
#endif

#endif /* LP_H */
