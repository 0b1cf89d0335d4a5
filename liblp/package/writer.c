/*
 * writer.c - building a package.
 *
 * Two passes, so memory never grows with media size:
 *  1. in parallel, each input is read once, streaming: hashed, and if its
 *     type may compress, zstd-compressed into the worker's own spool file
 *     (kept only when it saves space);
 *  2. the container is written (zipwrite.c), each object copied in the
 *     kernel from the spool or, for content stored as is, from the input
 *     file again (checked to be unchanged), into a temporary file that is
 *     synced and renamed.  CRCs were computed in pass 1.
 * Identical content is stored once: objects are keyed by hash.
 */
#include "lpi_package.h"
#include "lpi_cache.h"
#include "lpi_progress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
/* ZDICT_trainFromBuffer_fastCover: "experimental" in zdict.h, exported by
 * every libzstd since 1.3.6 */
#define ZDICT_STATIC_LINKING_ONLY
#include <zdict.h>
#include <zstd.h>

#define IO_CHUNK LPI_IO_CHUNK
#define PROBE_BYTES LPI_PROBE_BYTES
/* Media that is compressed already (JPEG, PNG, MP3...) is compressed too
 * where that pays: a sample from its middle is compressed first, and only
 * if it shrank by at least 1/SAMPLE_SAVED is the whole object (real
 * textbook JPEGs carry metadata and unoptimised Huffman tables: zstd -3
 * makes them about 0.81x; a re-encoded PNG or MP3 gains nothing).  Kept
 * only if the frame saves at least 1/SAVED_MIN of the content. */
#define SAMPLE_BYTES (64u * 1024u)
#define SAMPLE_SAVED 32u
#define SAVED_MIN 50u
/* Earliest time a ZIP (DOS) timestamp can hold: 1980-01-01T00:00:00Z */
#define DOS_EPOCH 315532800
/* Small compressible objects share a trained zstd dictionary when there
 * are enough of them: per-object frames of a few KiB compress about 3x on
 * their own and about 10x with one (lesson text is very alike). */
#define DICT_MAX_OBJECT LPI_DICT_MAX_OBJECT /* objects it is trained on */
/* Larger compressible objects use it too, up to this size, though it is
 * not trained on them: a long module shares its markup with the short
 * ones (OpenStax physics, 72 modules over 64 KiB: the package 0.35%
 * smaller, with the JPEG XL pictures 0.9061x tar|zstd -3 instead of
 * 0.9093x) */
#define DICT_MAX_USER (1024u * 1024u)
#define DICT_MIN_OBJECTS 64u              /* train only with this many */
#define DICT_MIN_TOTAL (1024u * 1024u)    /* ... and this much text */
#define DICT_SAMPLES LPI_DICT_SAMPLES     /* sample bytes trained on */
#define DICT_BYTES (64u * 1024u)

typedef struct input {
    char *path;              /* logical path */
    char *media_type;
    char *file;              /* file to read (as messages name it), or
                              * NULL for data */
    int root;                /* a folder's descriptor: the file is rel
                              * below it, reached through no link; or -1 */
    char *rel;
    unsigned char *data;
    size_t len;
    struct stat st;          /* the file as added: must not change */
    /* pass 1 results */
    unsigned char hash[LP_HASH_BYTES];
    uint64_t size;
    uint32_t crc;            /* CRC-32 of the stored bytes */
    uint32_t content_crc;    /* CRC-32 of the content */
    bool compressed;
    bool jxl;                /* a JPEG recompressed as JPEG XL (in spool) */
    bool dict_user;          /* compressed with the package dictionary */
    unsigned char *chunks;   /* chunk hashes, if larger than one chunk */
    size_t nchunks;
    int spool;               /* spool fd holding the frame, if compressed */
    uint64_t spool_off, spool_len;
    int rc;
    char *err;
    bool done;               /* pass 1 finished with it (under job lock) */
} input;

struct lp_writer {
    lp_ctx *ctx;
    lp_writer_opts opts;
    char *dest;
    int out_fd;              /* lpi_writer_set_out_fd(), or -1 */
    char *id, *label, *languages;
    uint64_t version;
    input *inputs;
    size_t ninputs, cap;
    int *roots;              /* folders lp_writer_add_tree() opened */
    size_t nroots, caproots;
    bool committed;
    bool has_expires;        /* lp_writer_set_expiry() */
    int64_t expires;
    char *profile;           /* lp_writer_set_profile(), or NULL */
    uint64_t budget;         /* lp_writer_set_budget(); 0: none */
    uint64_t over;           /* the size past it, of the last commit */
    lpi_cache *cache;        /* lpi_writer_set_cache(), or NULL */
    time_t started;          /* of the commit, for the cache */
};

void lpi_writer_set_cache(lp_writer *w, lpi_cache *cache)
{
    w->cache = cache;
}

void lpi_writer_set_out_fd(lp_writer *w, int fd)
{
    w->out_fd = fd;
}

static const char *const stored_types[] = {
    /* compressed already: not texts (no dictionary, no text segments in
     * deltas); compressed only where a sample says it pays */
    "image/jpeg", "image/png", "image/gif", "image/webp", "image/avif",
    "audio/mpeg", "audio/mp4", "audio/aac", "audio/ogg", "audio/opus",
    "audio/flac", "application/zip", "application/gzip", "application/zstd",
    "application/epub+zip", "font/woff", "font/woff2",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

bool lpi_may_compress(const char *type)
{
    if (strncmp(type, "video/", 6) == 0)
        return false;
    for (size_t i = 0; i < sizeof(stored_types) / sizeof(*stored_types); i++)
        if (strcmp(type, stored_types[i]) == 0)
            return false;
    return true;
}

int lp_writer_new(lp_writer **out, lp_ctx *ctx, const char *path,
                  const lp_writer_opts *opts)
{
    lp_writer *w;

    LP_ASSERT_ARG(out && ctx && path);
    *out = NULL;
    if (opts && (opts->version < 1 || opts->version > LP_WRITER_OPTS_VERSION))
        return lpi_error(ctx, LP_EINVAL, "unknown lp_writer_opts version");
    if (opts && (opts->level < 0 || opts->level > 19))
        return lpi_error(ctx, LP_EINVAL, "compression level %d is not "
                         "between 1 and 19", opts->level);
    if (opts && opts->version >= 3 && opts->jpeg != LP_JPEG_KEEP &&
        opts->jpeg != LP_JPEG_JXL)
        return lpi_error(ctx, LP_EINVAL, "unknown JPEG storage %d",
                         opts->jpeg);
    if (opts && opts->version >= 3 && opts->jpeg == LP_JPEG_JXL &&
        !lpi_jxl_available())
        return lpi_error(ctx, LP_EINVAL, "cannot store JPEGs as JPEG XL: "
                         "this liblp was built without libjxl");
    w = lpi_calloc(ctx, 1, sizeof(*w));
    if (!w)
        return LP_ENOMEM;
    w->ctx = ctx;
    w->opts = (lp_writer_opts)LP_WRITER_OPTS_INIT;
    if (opts) {
        /* version 1 ends before progress */
        w->opts.level = opts->level;
        w->opts.threads = opts->threads;
        w->opts.created = opts->created;
        if (opts->version >= 2) {
            w->opts.progress = opts->progress;
            w->opts.progress_user = opts->progress_user;
        }
        if (opts->version >= 3)
            w->opts.jpeg = opts->jpeg;
    }
    if (w->opts.level == 0)
        w->opts.level = LP_DEFAULT_LEVEL;
    w->dest = lpi_strdup(ctx, path);
    w->out_fd = -1;
    w->id = lpi_strdup(ctx, "package");
    w->label = lpi_strdup(ctx, "");
    w->languages = lpi_strdup(ctx, "und");
    w->version = 1;
    if (!w->dest || !w->id || !w->label || !w->languages) {
        lp_writer_free(w);
        return LP_ENOMEM;
    }
    *out = w;
    return 0;
}

static void input_dispose(lp_ctx *ctx, input *in)
{
    lpi_free(ctx, in->path);
    lpi_free(ctx, in->media_type);
    lpi_free(ctx, in->file);
    lpi_free(ctx, in->rel);
    lpi_free(ctx, in->data);
    lpi_free(ctx, in->err);
    lpi_free(ctx, in->chunks);
}

void lp_writer_free(lp_writer *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->ninputs; i++)
        input_dispose(w->ctx, &w->inputs[i]);
    lpi_free(w->ctx, w->inputs);
    for (size_t i = 0; i < w->nroots; i++)
        close(w->roots[i]);
    lpi_free(w->ctx, w->roots);
    lpi_free(w->ctx, w->dest);
    lpi_free(w->ctx, w->id);
    lpi_free(w->ctx, w->label);
    lpi_free(w->ctx, w->profile);
    lpi_free(w->ctx, w->languages);
    lpi_free(w->ctx, w);
}

static int replace_str(lp_ctx *ctx, char **slot, const char *s)
{
    char *copy = lpi_strdup(ctx, s);

    if (!copy)
        return LP_ENOMEM;
    lpi_free(ctx, *slot);
    *slot = copy;
    return 0;
}

int lp_writer_set_identity(lp_writer *w, const char *id, uint64_t version,
                           const char *label, const char *languages)
{
    lp_ctx *ctx;
    const char *t;
    int rc;

    LP_ASSERT_ARG(w && id && label && languages);
    ctx = w->ctx;
    /* any bad value here is the caller's, whatever its class in a package */
    if (lpi_check_id(ctx, id, strlen(id)) < 0)
        return ctx->code = LP_EINVAL;
    if (version == 0 || version > INT64_MAX)
        return lpi_error(ctx, LP_EINVAL, "version must be from 1 to %lld",
                         (long long)INT64_MAX);
    if (lpi_check_label(ctx, label, strlen(label)) < 0)
        return ctx->code = LP_EINVAL;
    /* languages: tags separated by single spaces, at least one */
    t = languages;
    for (size_t count = 1; ; count++) {
        const char *sp = strchr(t, ' ');
        size_t n = sp ? (size_t)(sp - t) : strlen(t);

        if (count > LP_MAX_LANGUAGES)
            return lpi_error(ctx, LP_EINVAL, "more than %u languages",
                             LP_MAX_LANGUAGES);
        if (lpi_check_language(ctx, t, n) < 0)
            return ctx->code = LP_EINVAL;
        if (!sp)
            break;
        t = sp + 1;
    }
    rc = replace_str(ctx, &w->id, id);
    if (rc == 0)
        rc = replace_str(ctx, &w->label, label);
    if (rc == 0)
        rc = replace_str(ctx, &w->languages, languages);
    w->version = version;
    return rc;
}

int lp_writer_set_expiry(lp_writer *w, int64_t expires)
{
    LP_ASSERT_ARG(w && expires >= -1);
    if (expires > 253402300799) /* 9999-12-31T23:59:59Z */
        return lpi_error(w->ctx, LP_EINVAL, "expiry date after 9999");
    w->has_expires = expires >= 0;
    w->expires = expires;
    return 0;
}

int lp_writer_set_profile(lp_writer *w, const char *profile)
{
    LP_ASSERT_ARG(w);
    if (!profile) {
        lpi_free(w->ctx, w->profile);
        w->profile = NULL;
        return 0;
    }
    if (lpi_check_profile(w->ctx, profile, strlen(profile)) < 0)
        return LP_EINVAL;
    return replace_str(w->ctx, &w->profile, profile);
}

int lp_writer_set_budget(lp_writer *w, uint64_t max_bytes)
{
    LP_ASSERT_ARG(w);
    w->budget = max_bytes;
    return 0;
}

static int add_input(lp_writer *w, const char *path, const char *media_type,
                     input **out)
{
    lp_ctx *ctx = w->ctx;
    input *in;
    int rc;

    rc = lpi_path_check(ctx, path, strlen(path));
    if (rc == 0) {
        if (!media_type)
            media_type = lp_media_type_guess(path);
        rc = lpi_check_media_type(ctx, media_type, strlen(media_type));
    }
    if (rc < 0) {
        lpi_error_prefix(ctx, "cannot add '%s'", path);
        return ctx->code = LP_EINVAL;
    }
    if (w->ninputs >= LP_MAX_ENTRIES)
        return lpi_error(ctx, LP_ETOOBIG, "more than %u entries",
                         LP_MAX_ENTRIES);
    rc = lpi_grow(ctx, (void **)&w->inputs, &w->cap, w->ninputs + 1,
                  sizeof(*w->inputs));
    if (rc < 0)
        return rc;
    in = &w->inputs[w->ninputs];
    memset(in, 0, sizeof(*in));
    in->spool = -1;
    in->root = -1;
    in->path = lpi_strdup(ctx, path);
    in->media_type = lpi_strdup(ctx, media_type);
    if (!in->path || !in->media_type) {
        input_dispose(ctx, in);
        return LP_ENOMEM;
    }
    w->ninputs++;
    *out = in;
    return 0;
}

/* An input read from file (as messages name it), or rel below the folder
 * root with no link followed (root >= 0); st: the file as it is now */
static int add_file(lp_writer *w, const char *logical_path, const char *file,
                    int root, const char *rel, const struct stat *st,
                    const char *media_type)
{
    input *in;
    int rc;

    if (!S_ISREG(st->st_mode))
        return lpi_error(w->ctx, LP_EUNSAFE, "cannot add '%s': it is %s, "
                         "not a regular file (links and special files are "
                         "refused)", file, lpi_file_type(st->st_mode));
    if ((uint64_t)st->st_size > LP_MAX_ENTRY_BYTES)
        return lpi_error(w->ctx, LP_ETOOBIG, "cannot add '%s': larger than "
                         "%llu bytes", file,
                         (unsigned long long)LP_MAX_ENTRY_BYTES);
    rc = add_input(w, logical_path, media_type, &in);
    if (rc < 0)
        return rc;
    in->file = lpi_strdup(w->ctx, file);
    in->rel = rel ? lpi_strdup(w->ctx, rel) : NULL;
    if (!in->file || (rel && !in->rel)) {
        input_dispose(w->ctx, in);
        w->ninputs--;
        return LP_ENOMEM;
    }
    in->root = root;
    in->st = *st;
    return 0;
}

int lp_writer_add_file(lp_writer *w, const char *logical_path,
                       const char *file, const char *media_type)
{
    struct stat st;

    LP_ASSERT_ARG(w && logical_path && file);
    if (lstat(file, &st) < 0)
        return lpi_error(w->ctx, LP_EIO, "cannot add '%s': %s", file,
                         strerror(errno));
    return add_file(w, logical_path, file, -1, NULL, &st, media_type);
}

int lpi_writer_add_at(lp_writer *w, const char *logical_path, int dirfd,
                      const char *rel, const char *shown)
{
    struct stat st;
    int fd;

    LP_ASSERT_ARG(w && logical_path && dirfd >= 0 && rel && shown);
    fd = lpi_open_input(w->ctx, dirfd, rel, shown, LPI_OPEN_BENEATH, &st);
    if (fd < 0)
        return fd;
    close(fd);
    return add_file(w, logical_path, shown, dirfd, rel, &st, NULL);
}

int lp_writer_add_buffer(lp_writer *w, const char *logical_path,
                         const void *data, size_t len, const char *media_type)
{
    input *in;
    int rc;

    LP_ASSERT_ARG(w && logical_path && (data || len == 0));
    rc = add_input(w, logical_path, media_type, &in);
    if (rc < 0)
        return rc;
    in->data = lpi_malloc(w->ctx, len);
    if (!in->data) {
        input_dispose(w->ctx, in);
        w->ninputs--;
        return LP_ENOMEM;
    }
    if (len)
        memcpy(in->data, data, len);
    in->len = len;
    return 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Add the folder dfd (named shown; rel below root, "" for root itself)
 * and everything below it, in sorted order: nothing is reached through a
 * link, and a link or a special file is refused */
static int add_tree(lp_writer *w, int root, int dfd, const char *shown,
                    const char *rel, unsigned depth)
{
    lp_ctx *ctx = w->ctx;
    DIR *d;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0, fd;

    if (depth > LP_MAX_PATH_DEPTH)
        return lpi_error(ctx, LP_ETOOBIG, "'%s' is nested deeper than %u "
                         "folders", shown, LP_MAX_PATH_DEPTH);
    fd = dup(dfd);
    d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        rc = lpi_error(ctx, LP_EIO, "cannot read folder '%s': %s", shown,
                       strerror(errno));
        if (fd >= 0)
            close(fd);
        return rc;
    }
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        rc = lpi_grow(ctx, (void **)&names, &cap, n + 1, sizeof(*names));
        if (rc == 0 && !(names[n] = lpi_strdup(ctx, de->d_name)))
            rc = LP_ENOMEM;
        if (rc < 0)
            break;
        n++;
    }
    closedir(d);
    if (rc == 0)
        lpi_sort(names, n, sizeof(*names), cmp_name);
    for (size_t i = 0; i < n && rc == 0; i++) {
        lpi_buf fs, lp;
        struct stat st;

        lpi_buf_init(&fs, SIZE_MAX / 2);
        lpi_buf_init(&lp, SIZE_MAX / 2);
        rc = lpi_buf_printf(&fs, ctx, "%s%s%s", shown,
                            shown[0] && shown[strlen(shown) - 1] == '/' ? "" :
                            "/", names[i]);
        if (rc == 0)
            rc = lpi_buf_printf(&lp, ctx, "%s%s%s", rel, *rel ? "/" : "",
                                names[i]);
        if (rc == 0 && fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
            rc = lpi_error(ctx, LP_EIO, "cannot read '%s': %s", fs.data,
                           strerror(errno));
        if (rc == 0 && S_ISDIR(st.st_mode)) {
            /* O_NOFOLLOW: a folder swapped for a link since is refused */
            int sub = openat(dfd, names[i], O_RDONLY | O_DIRECTORY |
                             O_NOFOLLOW | O_CLOEXEC);

            if (sub < 0) {
                rc = lpi_error(ctx, errno == ELOOP || errno == ENOTDIR ?
                               LP_EUNSAFE : LP_EIO, "cannot read folder "
                               "'%s': %s", fs.data, strerror(errno));
            } else {
                rc = add_tree(w, root, sub, fs.data, lp.data, depth + 1);
                close(sub);
            }
        } else if (rc == 0) {
            rc = add_file(w, lp.data, fs.data, root, lp.data, &st, NULL);
        }
        lpi_buf_dispose(&fs, ctx);
        lpi_buf_dispose(&lp, ctx);
    }
    for (size_t i = 0; i < n; i++)
        lpi_free(ctx, names[i]);
    lpi_free(ctx, names);
    return rc;
}

int lp_writer_add_tree(lp_writer *w, const char *dir)
{
    int root, rc;

    LP_ASSERT_ARG(w && dir);
    rc = lpi_grow(w->ctx, (void **)&w->roots, &w->caproots, w->nroots + 1,
                  sizeof(*w->roots));
    if (rc < 0)
        return rc;
    /* the folder itself may be a link: the caller named it */
    root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
    if (root < 0 && errno == ENOTDIR)
        return lpi_error(w->ctx, LP_EIO, "'%s' is not a folder", dir);
    if (root < 0)
        return lpi_error(w->ctx, LP_EIO, "cannot read folder '%s': %s", dir,
                         strerror(errno));
    /* kept open until the writer is freed: the inputs are read below it */
    w->roots[w->nroots++] = root;
    return add_tree(w, root, root, dir, "", 0);
}

/* ------------------------------------------------------------ pass 1 */

/* Pass 1's work: inputs in two lists; those of the second are compressed
 * with the dictionary, which one worker trains while the others start on
 * the first list (mostly large media: hashing it hides the training). */
typedef struct pass1 {
    lp_writer *w;
    size_t *lists[2];
    size_t counts[2];
    atomic_size_t next[2];
    bool train;
    pthread_mutex_t lock;
    pthread_cond_t trained;
    pthread_cond_t progress; /* an input is done, or a worker stopped */
    unsigned active;         /* workers still running */
    bool dict_ready;         /* training finished (dict may still be NULL) */
    unsigned char *dict;     /* the dictionary, if training produced one */
    size_t dict_len;
    ZSTD_CDict *cdict;
    unsigned char dict_hash[LP_HASH_BYTES]; /* of dict, once trained */
    struct worker *workers;
    unsigned nworkers;
    lpi_progress prog;       /* LP_STAGE_COMPRESSING: inputs, their bytes */
} pass1;

static uint64_t input_size(const input *in)
{
    return in->file ? (uint64_t)in->st.st_size : in->len;
}

bool lpi_dict_candidate(uint64_t size, const char *media_type)
{
    return size > 0 && size <= DICT_MAX_OBJECT && lpi_may_compress(media_type);
}

static bool dict_candidate(const input *in)
{
    return lpi_dict_candidate(input_size(in), in->media_type);
}

/* Compressed with the dictionary, when there is one */
static bool dict_user(const input *in)
{
    uint64_t size = input_size(in);

    return size > 0 && size <= DICT_MAX_USER &&
           lpi_may_compress(in->media_type);
}

typedef struct worker {
    struct pass1 *job;
    pthread_t tid;
    bool started;
    int spool;               /* this worker's spool file (unlinked) */
    uint64_t spool_end;
    ZSTD_CCtx *cctx;
    ZSTD_CCtx *probe;        /* for media samples (made when needed) */
    const ZSTD_CDict *cdict;  /* for list 1, once trained (or NULL) */
    unsigned char *in, *out;
    size_t out_cap;
    lp_ctx *ctx;
    bool trainer;            /* trains the dictionary first */
} worker;

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
           a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec
           && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Open an input file and check it is the one that was added */
static int open_input(lp_ctx *ctx, const input *in, int *out)
{
    struct stat st;
    int fd = in->root >= 0 ?
             lpi_open_input(ctx, in->root, in->rel, in->file,
                            LPI_OPEN_BENEATH, &st) :
             lpi_open_input(ctx, AT_FDCWD, in->file, NULL, LPI_OPEN_NOFOLLOW,
                            &st);

    if (fd < 0)
        return fd;
    if (!same_file(&st, &in->st)) {
        close(fd);
        return lpi_error(ctx, LP_ECHANGED, "'%s' changed while the package "
                         "was being written", in->file);
    }
    *out = fd;
    return 0;
}

/* Next chunk of an input; *n is 0 at its end */
static int read_chunk(lp_ctx *ctx, const input *in, int fd, uint64_t off,
                      unsigned char *buf, size_t *n)
{
    uint64_t left = (in->file ? (uint64_t)in->st.st_size : in->len) - off;
    size_t want = left < IO_CHUNK ? (size_t)left : IO_CHUNK;
    ssize_t got;

    if (!in->file) {
        memcpy(buf, in->data + off, want);
        *n = want;
        return 0;
    }
    *n = 0;
    while (want > 0) {
        got = read(fd, buf + *n, want);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return lpi_error(ctx, LP_EIO, "cannot read '%s': %s", in->file,
                             strerror(errno));
        if (got == 0)
            return lpi_error(ctx, LP_ECHANGED, "'%s' shrank while being read",
                             in->file);
        *n += (size_t)got;
        want -= (size_t)got;
    }
    return 0;
}

typedef struct spool_sink {
    lp_ctx *ctx;
    int fd;
    uint32_t crc;            /* of the frame so far */
} spool_sink;

static int to_spool(void *arg, const void *data, size_t len)
{
    spool_sink *s = arg;

    s->crc = lpi_crc32(s->crc, data, len);
    if (lpi_write_full(s->fd, data, len) < 0)
        return lpi_error(s->ctx, LP_EIO, "cannot write a temporary file: %s",
                         strerror(errno));
    return 0;
}

/* Does compressing a sample of this media pay (SAMPLE_BYTES)?  Objects
 * of up to two samples are tried whole. */
static int sample_pays(worker *wk, const input *in, int fd, uint64_t size,
                       bool *pays)
{
    lp_ctx *ctx = wk->ctx;
    size_t n = 0, len;
    int rc;

    *pays = true;
    if (size <= 2 * SAMPLE_BYTES)
        return 0;
    n = SAMPLE_BYTES;
    if (in->file) {
        /* pread: process() reads the file from its start afterwards */
        rc = lpi_pread_full(ctx, fd, wk->in, n, (size - n) / 2);
        if (rc < 0)
            return rc;
    } else {
        memcpy(wk->in, in->data + (size - n) / 2, n);
    }
    if (!wk->probe && !(wk->probe = ZSTD_createCCtx()))
        return lpi_nomem(ctx);
    len = ZSTD_compressCCtx(wk->probe, wk->out, wk->out_cap, wk->in, n,
                            wk->job->w->opts.level < 3
                            ? wk->job->w->opts.level : 3);
    /* an error (out buffer too small: it grew) is "does not pay" */
    *pays = !ZSTD_isError(len) && len <= n - n / SAMPLE_SAVED;
    return 0;
}

/* Content larger than one chunk: the hash of each chunk (lpk(5) CHUNK
 * HASHES), the n bytes at off being the next ones */
static void chunk_hashes(input *in, lpi_hasher *ch, uint64_t off,
                         const unsigned char *p, size_t n, uint64_t size)
{
    while (n > 0) {
        uint64_t end = (off / LPI_CHUNK_BYTES + 1) * LPI_CHUNK_BYTES;
        size_t take;

        if (end > size)
            end = size;
        take = end - off < n ? (size_t)(end - off) : n;
        lpi_hash_update(ch, p, take);
        off += take;
        p += take;
        n -= take;
        if (off == end) {
            lpi_hash_final(ch, in->chunks + (off - 1) / LPI_CHUNK_BYTES *
                                            LP_HASH_BYTES);
            lpi_hash_init(ch);
        }
    }
}

/* ------------------------------------------------------------ cache */

/* The key of what a file's metadata says it holds: its hash and CRC.  A
 * file whose content changes gets a new ctime, which no one can set back
 * (touch sets mtime only); racy_clean() keeps out files changed too
 * recently for their times to tell. */
static void media_key(const input *in, unsigned char key[LP_HASH_BYTES])
{
    lpi_hasher h;

    lpi_ckey_begin(&h, LPI_CACHE_MEDIA);
    lpi_ckey_str(&h, in->file);
    lpi_ckey_u64(&h, (uint64_t)in->st.st_dev);
    lpi_ckey_u64(&h, (uint64_t)in->st.st_ino);
    lpi_ckey_u64(&h, (uint64_t)in->st.st_size);
    lpi_ckey_u64(&h, (uint64_t)in->st.st_mtim.tv_sec);
    lpi_ckey_u64(&h, (uint64_t)in->st.st_mtim.tv_nsec);
    lpi_ckey_u64(&h, (uint64_t)in->st.st_ctim.tv_sec);
    lpi_ckey_u64(&h, (uint64_t)in->st.st_ctim.tv_nsec);
    lpi_ckey_u64(&h, (uint64_t)in->st.st_mode);
    lpi_ckey_end(&h, key);
}

/* Were the file's times set long enough before it was read that a change
 * made since would show in them?  (Times have the file system's
 * granularity: a change in the same tick as the read would not.) */
static bool racy_clean(const lp_writer *w, const input *in)
{
    return in->st.st_mtime < w->started - 1 &&
           in->st.st_ctime < w->started - 1;
}

/* The key of a content's compressed form: the content, the level, the
 * dictionary (for list 1), and zstd's version */
static void object_key(const input *in, const unsigned char *dict,
                       int level, unsigned char key[LP_HASH_BYTES])
{
    lpi_hasher h;

    lpi_ckey_begin(&h, LPI_CACHE_OBJECT);
    lpi_ckey_bytes(&h, in->hash, LP_HASH_BYTES);
    lpi_ckey_u64(&h, in->size);
    lpi_ckey_u64(&h, (uint64_t)level);
    lpi_ckey_u64(&h, ZSTD_versionNumber());
    lpi_ckey_bytes(&h, dict ? dict : (const unsigned char *)"",
                   dict ? LP_HASH_BYTES : 0);
    lpi_ckey_end(&h, key);
}

/* Does process() try to compress content of size bytes?  It must say what
 * process() does, or a warm build stores as is what a cold one compressed:
 * every type is tried (media by a sample first), but large content stays
 * as is, so that any range of it can be served */
static bool tried(uint64_t size)
{
    return size > 0 && size <= LPI_STORE_RANGED;
}

/* The chunk hashes a content of size bytes has (lpk(5) CHUNK HASHES) */
static size_t chunk_count(uint64_t size)
{
    return size > LPI_CHUNK_BYTES ?
           (size_t)((size - 1) / LPI_CHUNK_BYTES + 1) : 0;
}

/* An input done from the cache: 1 (in->hash, crc, chunk hashes, the frame
 * in the spool); 0 if the cache does not have it all; <0 for a failure */
static int from_cache(worker *wk, input *in, const unsigned char *dict,
                      bool *memo_hit)
{
    lp_writer *w = wk->job->w;
    lp_ctx *ctx = wk->ctx;
    uint64_t size = input_size(in);
    unsigned char key[LP_HASH_BYTES], *data = NULL;
    size_t len = 0;
    lpi_rd r;
    int rc;

    *memo_hit = false;
    if (in->file) {
        size_t nchunks = chunk_count(size);
        const void *chunks;

        media_key(in, key);
        rc = lpi_cache_get(w->cache, ctx, LPI_CACHE_MEDIA, key,
                           LP_HASH_BYTES * (1 + nchunks) + 4, &data, &len);
        if (rc <= 0)
            return rc;
        lpi_rd_init(&r, data, len);
        if (lpi_rd_bytes(&r, LP_HASH_BYTES))
            memcpy(in->hash, data, LP_HASH_BYTES);
        in->content_crc = lpi_rd_u32(&r);
        chunks = lpi_rd_bytes(&r, nchunks * LP_HASH_BYTES);
        if (r.bad || r.p != r.end) {
            lpi_free(ctx, data);
            return 0;
        }
        if (nchunks > 0) {
            lpi_free(ctx, in->chunks);
            in->chunks = lpi_malloc(ctx, nchunks * LP_HASH_BYTES);
            if (!in->chunks) {
                lpi_free(ctx, data);
                return LP_ENOMEM;
            }
            memcpy(in->chunks, chunks, nchunks * LP_HASH_BYTES);
            in->nchunks = nchunks;
        }
        lpi_free(ctx, data);
        *memo_hit = true;
    } else if (chunk_count(size) > 0) {
        return 0; /* data is small: never worth it */
    } else {
        lpi_hasher h;

        lpi_hash_init(&h);
        lpi_hash_update(&h, in->data, in->len);
        lpi_hash_final(&h, in->hash);
        in->content_crc = lpi_crc32(0, in->data, in->len);
    }
    in->size = size;
    in->crc = in->content_crc;
    if (tried(size)) {
        const unsigned char *frame;
        uint64_t flen;
        uint32_t fcrc;
        int flag;

        object_key(in, dict, w->opts.level, key);
        rc = lpi_cache_get(w->cache, ctx, LPI_CACHE_OBJECT, key,
                           LPI_CACHE_MAX_PAYLOAD, &data, &len);
        if (rc <= 0)
            return rc;
        lpi_rd_init(&r, data, len);
        flag = (int)lpi_rd_u32(&r);
        fcrc = lpi_rd_u32(&r);
        flen = lpi_rd_u64(&r);
        frame = lpi_rd_bytes(&r, (size_t)(flen < len ? flen : len));
        /* a frame is kept only when it is smaller than the content */
        if (r.bad || r.p != r.end || flag > 1 || (flag == 1 &&
            (flen == 0 || flen >= size)) || (flag == 0 && flen != 0)) {
            lpi_free(ctx, data);
            return 0;
        }
        if (flag == 1) {
            if (lseek(wk->spool, (off_t)wk->spool_end, SEEK_SET) < 0 ||
                lpi_write_full(wk->spool, frame, (size_t)flen) < 0) {
                lpi_free(ctx, data);
                return lpi_error(ctx, LP_EIO, "cannot write a temporary "
                                 "file: %s", strerror(errno));
            }
            in->compressed = true;
            in->crc = fcrc;
            in->spool = wk->spool;
            in->spool_off = wk->spool_end;
            in->spool_len = flen;
            wk->spool_end += flen;
        }
        lpi_free(ctx, data);
    }
    rc = lpi_progress_add(&wk->job->prog, ctx, 0, size);
    return rc < 0 ? rc : 1;
}

/* Keep what process() worked out for in: its hash by metadata, and its
 * compressed form.  Failures only cost the next build time. */
static int to_cache(worker *wk, const input *in, const unsigned char *dict,
                    bool memo_hit)
{
    lp_writer *w = wk->job->w;
    lp_ctx *ctx = wk->ctx;
    unsigned char key[LP_HASH_BYTES], hdr[16], *frame = NULL;
    int rc = 0;

    if (in->file && !memo_hit && racy_clean(w, in) &&
        in->nchunks == chunk_count(in->size)) {
        unsigned char crc[4];
        lpi_iov iov[3] = { { in->hash, LP_HASH_BYTES }, { crc, 4 },
                           { in->chunks, in->nchunks * LP_HASH_BYTES } };

        for (int i = 0; i < 4; i++)
            crc[i] = (unsigned char)(in->content_crc >> (8 * i));
        media_key(in, key);
        rc = lpi_cache_put(w->cache, ctx, LPI_CACHE_MEDIA, key, iov, 3);
    }
    if (rc == 0 && tried(in->size) &&
        (!in->compressed || in->spool_len <= LPI_CACHE_MAX_PAYLOAD - 16)) {
        uint64_t flen = in->compressed ? in->spool_len : 0;
        lpi_iov iov[2] = { { hdr, 16 }, { NULL, 0 } };
        uint32_t v[2] = { in->compressed, in->crc };

        for (int i = 0; i < 8; i++) {
            hdr[i] = (unsigned char)(v[i / 4] >> (8 * (i % 4)));
            hdr[8 + i] = (unsigned char)(flen >> (8 * i));
        }
        if (flen > 0) {
            frame = lpi_malloc(ctx, (size_t)flen);
            if (!frame)
                return LP_ENOMEM;
            if (lpi_pread_full(ctx, in->spool, frame, (size_t)flen,
                               in->spool_off) < 0) {
                lpi_free(ctx, frame);
                return 0; /* not kept, that is all */
            }
            iov[1].data = frame;
            iov[1].len = (size_t)flen;
        }
        object_key(in, dict, w->opts.level, key);
        rc = lpi_cache_put(w->cache, ctx, LPI_CACHE_OBJECT, key, iov, 2);
        lpi_free(ctx, frame);
    }
    return rc;
}

/* Is in a JPEG that process_jxl() tries? */
static bool jxl_candidate(const lp_writer *w, const input *in)
{
    uint64_t size = input_size(in);

    return w->opts.jpeg == LP_JPEG_JXL && size > 0 &&
           size <= LPI_JXL_MAX_BYTES &&
           strcmp(in->media_type, "image/jpeg") == 0;
}

/* A JPEG, read whole (it is at most LPI_JXL_MAX_BYTES), recompressed as
 * JPEG XL and rebuilt from that to check that it comes back byte for byte:
 * *done if it did and saves at least 1/SAVED_MIN (the JPEG XL stream is
 * then in the spool); else process() stores it as before */
static int process_jxl(worker *wk, input *in, bool *done)
{
    lp_ctx *ctx = wk->ctx;
    const size_t size = (size_t)input_size(in);
    unsigned char *pic = lpi_malloc(ctx, size + 1), *back = NULL;
    unsigned char *jxl = NULL;
    size_t off = 0, jlen = 0;
    spool_sink sink = { ctx, wk->spool, 0 };
    lpi_hasher h, ch;
    int fd = -1, rc = 0;

    *done = false;
    if (!pic)
        return LP_ENOMEM;
    if (in->file)
        rc = open_input(ctx, in, &fd);
    while (rc == 0 && off < size) {
        size_t n;

        rc = read_chunk(ctx, in, fd, off, pic + off, &n);
        off += n;
    }
    if (fd >= 0)
        close(fd);
    if (rc == 0)
        rc = lpi_jxl_encode(ctx, pic, size, &jxl, &jlen);
    if (rc == 0 && jlen <= size - size / SAVED_MIN) {
        back = lpi_malloc(ctx, size + 1);
        rc = back ? lpi_jxl_decode(ctx, jxl, jlen, back, size) : LP_ENOMEM;
        /* anything short of the same bytes: kept as a JPEG */
        if (rc == 0 && memcmp(back, pic, size) != 0)
            rc = 1;
        else if (rc < 0 && rc != LP_ENOMEM)
            rc = 1;
    } else if (rc == 0) {
        rc = 1;
    }
    if (rc == 0 && size > LPI_CHUNK_BYTES) {
        in->nchunks = chunk_count(size);
        lpi_free(ctx, in->chunks);
        in->chunks = lpi_malloc(ctx, in->nchunks * LP_HASH_BYTES);
        if (!in->chunks)
            rc = LP_ENOMEM;
        lpi_hash_init(&ch);
        if (rc == 0)
            chunk_hashes(in, &ch, 0, pic, size, size);
    }
    if (rc == 0) {
        lpi_hash_init(&h);
        lpi_hash_update(&h, pic, size);
        lpi_hash_final(&h, in->hash);
        in->size = size;
        in->content_crc = lpi_crc32(0, pic, size);
        rc = to_spool(&sink, jxl, jlen);
    }
    if (rc == 0)
        rc = lpi_progress_add(&wk->job->prog, ctx, 0, size);
    if (rc == 0) {
        in->jxl = true;
        in->crc = sink.crc;
        in->spool = wk->spool;
        in->spool_off = wk->spool_end;
        in->spool_len = jlen;
        wk->spool_end += jlen;
        *done = true;
    }
    lpi_free(ctx, pic);
    lpi_free(ctx, back);
    lpi_free(ctx, jxl);
    return rc < 0 ? rc : 0;
}

/* Hash (and maybe compress) one input */
static int process(worker *wk, input *in)
{
    lp_ctx *ctx = wk->ctx;
    uint64_t size = in->file ? (uint64_t)in->st.st_size : in->len;
    uint64_t off = 0;
    uint32_t crc = 0;
    bool text = lpi_may_compress(in->media_type);
    /* large content stays as is, so that any range of it can be served */
    bool compress = tried(size), began;
    spool_sink sink = { ctx, wk->spool, 0 };
    lpi_objenc enc;
    lpi_hasher h, ch;
    int fd = -1, rc = 0;

    if (size > LPI_CHUNK_BYTES) {
        in->nchunks = (size_t)((size - 1) / LPI_CHUNK_BYTES + 1);
        lpi_free(ctx, in->chunks);
        in->chunks = lpi_malloc(ctx, in->nchunks * LP_HASH_BYTES);
        if (!in->chunks)
            return LP_ENOMEM;
        lpi_hash_init(&ch);
    }
    if (in->file) {
        rc = open_input(ctx, in, &fd);
        if (rc < 0)
            return rc;
    }
    lpi_hash_init(&h);
    if (compress && !text)
        rc = sample_pays(wk, in, fd, size, &compress);
    began = compress;
    if (rc == 0 && compress)
        rc = lpi_objenc_begin(&enc, ctx, wk->cctx, wk->cdict, size);
    for (; rc == 0;) {
        size_t n;

        rc = read_chunk(ctx, in, fd, off, wk->in, &n);
        if (rc < 0 || n == 0)
            break;
        lpi_hash_update(&h, wk->in, n);
        if (in->chunks)
            chunk_hashes(in, &ch, off, wk->in, n, size);
        crc = lpi_crc32(crc, wk->in, n);
        off += n;
        rc = lpi_progress_add(&wk->job->prog, ctx, 0, n);
        if (rc < 0)
            break;
        if (compress) {
            rc = lpi_objenc_feed(&enc, ctx, wk->in, n, wk->out, wk->out_cap,
                                 to_spool, &sink);
            if (rc < 0)
                break;
            /* incompressible after all: stop compressing, keep hashing */
            if ((off >= PROBE_BYTES && off - n < PROBE_BYTES && off < size &&
                 enc.frame > off - off / 50) || enc.frame >= size)
                compress = false;
        }
        if (off == size)
            break;
    }
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        return rc;
    lpi_hash_final(&h, in->hash);
    in->size = size;
    in->crc = in->content_crc = crc;
    if (compress && (text ? enc.frame < size
                          : enc.frame <= size - size / SAVED_MIN)) {
        in->compressed = true;
        in->crc = sink.crc;
        in->spool = wk->spool;
        in->spool_off = wk->spool_end;
        in->spool_len = enc.frame;
        wk->spool_end += enc.frame;
    } else if (began) {
        /* drop the abandoned frame from the spool */
        if (lseek(wk->spool, (off_t)wk->spool_end, SEEK_SET) < 0 ||
            ftruncate(wk->spool, (off_t)wk->spool_end) < 0)
            return lpi_error(ctx, LP_EIO, "cannot rewind a temporary file: %s",
                             strerror(errno));
    }
    return 0;
}

/* Train the package dictionary on the first DICT_SAMPLES bytes of the
 * candidates, in path order (deterministic: no thread count, no clock);
 * lpack delta picks the same objects (lpi_dict_candidate) */
static void train(worker *wk, pass1 *job)
{
    lp_ctx *ctx = wk->ctx;
    unsigned char *samples = lpi_malloc(ctx, DICT_SAMPLES);
    size_t *sizes = lpi_calloc(ctx, job->counts[1], sizeof(*sizes));
    unsigned char *dict = lpi_malloc(ctx, DICT_BYTES);
    unsigned char key[LP_HASH_BYTES];
    size_t used = 0, n = 0, len;
    lpi_hasher h;

    for (size_t k = 0; samples && sizes && dict && k < job->counts[1]; k++) {
        const input *in = &job->w->inputs[job->lists[1][k]];
        size_t size = in->file ? (size_t)in->st.st_size : in->len;
        uint64_t off = 0;
        int fd = -1;

        if (!dict_candidate(in))
            continue; /* a larger one, compressed with it only */
        if (size > DICT_SAMPLES - used)
            break;
        if (in->file && open_input(ctx, in, &fd) < 0)
            continue; /* pass 1 reports it */
        while (off < size) {
            size_t got;
            if (read_chunk(ctx, in, fd, off, samples + used + off, &got) < 0
                || got == 0)
                break;
            off += got;
        }
        if (fd >= 0)
            close(fd);
        if (off != size)
            continue;
        sizes[n++] = size;
        used += size;
    }
    len = 0;
    if (samples && sizes && dict && job->w->cache) {
        unsigned char *got = NULL;
        size_t glen = 0;

        /* the same samples train the same dictionary */
        lpi_ckey_begin(&h, LPI_CACHE_DICT);
        lpi_ckey_u64(&h, (uint64_t)job->w->opts.level);
        lpi_ckey_u64(&h, ZSTD_versionNumber());
        lpi_ckey_u64(&h, n);
        for (size_t k = 0; k < n; k++)
            lpi_ckey_u64(&h, sizes[k]);
        lpi_ckey_bytes(&h, samples, used);
        lpi_ckey_end(&h, key);
        if (lpi_cache_get(job->w->cache, ctx, LPI_CACHE_DICT, key, DICT_BYTES,
                          &got, &glen) > 0) {
            if (glen > 0) {
                memcpy(dict, got, glen);
                len = glen;
            }
            lpi_free(ctx, got);
        }
    }
    if (len > 0) {
        /* from the cache */
    } else if (samples && sizes && dict) {
        /* fastCover with fixed parameters (what zstd --train settles on
         * for lesson text): one pass, about 3x faster than the searching
         * ZDICT_trainFromBuffer, with the same results here */
        ZDICT_fastCover_params_t fp;

        memset(&fp, 0, sizeof(fp));
        fp.k = 200;
        fp.d = 8;
        fp.f = 20;
        fp.accel = 1;
        fp.zParams.compressionLevel = job->w->opts.level;
        len = ZDICT_trainFromBuffer_fastCover(dict, DICT_BYTES, samples,
                                              sizes, (unsigned)n, fp);
        if (job->w->cache && len > 0 && !ZDICT_isError(len)) {
            lpi_iov iov = { dict, len };

            (void)lpi_cache_put(job->w->cache, ctx, LPI_CACHE_DICT, key,
                                &iov, 1);
        }
    }
    pthread_mutex_lock(&job->lock);
    if (len > 0 && !ZDICT_isError(len)) {
        job->cdict = ZSTD_createCDict(dict, len, job->w->opts.level);
        if (job->cdict) {
            lpi_hash_init(&h);
            lpi_hash_update(&h, dict, len);
            lpi_hash_final(&h, job->dict_hash);
            job->dict = dict;
            job->dict_len = len;
            dict = NULL;
        }
    }
    job->dict_ready = true;
    pthread_cond_broadcast(&job->trained);
    pthread_mutex_unlock(&job->lock);
    lpi_free(ctx, dict);
    lpi_free(ctx, samples);
    lpi_free(ctx, sizes);
}

/* process(), through the cache when there is one (dict: the hash of the
 * dictionary the input is compressed with, or NULL) */
static int cached_process(worker *wk, input *in, const unsigned char *dict)
{
    bool memo_hit = false, done = false;
    int rc;

    /* JPEG XL: not cached (yet): the cache knows zstd frames only */
    if (jxl_candidate(wk->job->w, in)) {
        rc = process_jxl(wk, in, &done);
        if (rc < 0 || done)
            return rc;
        return process(wk, in);
    }
    if (!wk->job->w->cache)
        return process(wk, in);
    rc = from_cache(wk, in, dict, &memo_hit);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    rc = process(wk, in);
    return rc < 0 ? rc : to_cache(wk, in, dict, memo_hit);
}

static void *worker_main(void *arg)
{
    worker *wk = arg;
    pass1 *job = wk->job;
    lp_writer *w = job->w;

    if (wk->trainer)
        train(wk, job);
    for (int l = 0; l < 2; l++) {
        if (l == 1) {
            pthread_mutex_lock(&job->lock);
            while (!job->dict_ready)
                pthread_cond_wait(&job->trained, &job->lock);
            pthread_mutex_unlock(&job->lock);
            wk->cdict = job->cdict;
        }
        for (;;) {
            size_t k = atomic_fetch_add(&job->next[l], 1);
            input *in;

            if (k >= job->counts[l])
                break;
            in = &w->inputs[job->lists[l][k]];
            in->rc = cached_process(wk, in, l == 1 && job->cdict ?
                                    job->dict_hash : NULL);
            if (in->rc == 0)
                in->rc = lpi_progress_add(&job->prog, wk->ctx, 1, 0);
            if (in->rc < 0)
                in->err = lpi_strdup(wk->ctx, lp_ctx_errmsg(wk->ctx));
            in->dict_user = l == 1 && job->cdict && in->compressed;
            pthread_mutex_lock(&job->lock);
            in->done = true;
            pthread_cond_broadcast(&job->progress);
            pthread_mutex_unlock(&job->lock);
            if (in->rc < 0)
                goto out;
        }
    }
out:
    pthread_mutex_lock(&job->lock);
    job->active--;
    pthread_cond_broadcast(&job->progress);
    pthread_mutex_unlock(&job->lock);
    return NULL;
}

static void worker_dispose(worker *wk)
{
    if (wk->spool >= 0)
        close(wk->spool);
    ZSTD_freeCCtx(wk->cctx);
    ZSTD_freeCCtx(wk->probe);
    if (wk->ctx) {
        lpi_free(wk->ctx, wk->in);
        lpi_free(wk->ctx, wk->out);
        lp_ctx_free(wk->ctx);
    }
}

static int worker_init(lp_writer *w, worker *wk, pass1 *job)
{
    int rc;

    memset(wk, 0, sizeof(*wk));
    wk->spool = -1;
    wk->job = job;
    rc = lp_ctx_new(&wk->ctx, &w->ctx->alloc);
    if (rc < 0)
        return lpi_error(w->ctx, rc, "cannot create a worker context");
    rc = lpi_spool_open(w->ctx, w->dest, &wk->spool);
    if (rc < 0)
        return rc;
    wk->cctx = ZSTD_createCCtx();
    wk->out_cap = ZSTD_CStreamOutSize();
    wk->in = lpi_malloc(w->ctx, IO_CHUNK);
    wk->out = lpi_malloc(w->ctx, wk->out_cap);
    if (!wk->cctx || !wk->in || !wk->out)
        return lpi_nomem(w->ctx);
    lpi_objenc_params(wk->cctx, w->opts.level);
    return 0;
}

/* ------------------------------------------------------------ pass 2 */

static int cmp_input_path(const void *a, const void *b)
{
    return strcmp(((const input *)a)->path, ((const input *)b)->path);
}

/* The creation time: explicit, SOURCE_DATE_EPOCH, or newest input mtime */
static int creation_time(lp_writer *w, int64_t *out)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    int64_t t = DOS_EPOCH;

    if (w->opts.created >= 0) {
        t = w->opts.created;
    } else if (sde && *sde) {
        char *end;
        long long v;
        errno = 0;
        v = strtoll(sde, &end, 10);
        if (errno || *end || v < 0)
            return lpi_error(w->ctx, LP_EINVAL, "SOURCE_DATE_EPOCH '%s' is "
                             "not a number of seconds", sde);
        t = v;
    } else {
        for (size_t i = 0; i < w->ninputs; i++)
            if (w->inputs[i].file && w->inputs[i].st.st_mtime > t)
                t = w->inputs[i].st.st_mtime;
    }
    if (t < DOS_EPOCH)
        t = DOS_EPOCH; /* ZIP timestamps start in 1980 */
    if (t > 4102444799) /* 2099-12-31: the last DOS year */
        return lpi_error(w->ctx, LP_EINVAL, "creation time is after 2099");
    *out = t;
    return 0;
}

/* The manifest.  With predict, before pass 1 has hashed anything: all
 * zero hashes, which give the final manifest's exact length, so the objects
 * can be written behind it as they come (hashes have a fixed width). */
static int build_manifest(lp_writer *w, int64_t created, const input *dict,
                          bool predict, lpi_buf *out)
{
    lp_ctx *ctx = w->ctx;
    lpi_manifest m, check;
    const char *langs[LP_MAX_LANGUAGES];
    char *lcopy;
    size_t nchunks = 0;
    int rc;

    memset(&m, 0, sizeof(m));
    /* the lowest format that holds the package: JPEG XL objects need 2
     * (the line's length is the same either way, as predict needs) */
    m.format = 1;
    for (size_t i = 0; !predict && i < w->ninputs; i++)
        if (w->inputs[i].jxl)
            m.format = 2;
    m.id = w->id;
    m.version = w->version;
    m.label = w->label;
    m.created = created;
    m.has_expires = w->has_expires;
    m.expires = w->expires;
    m.profile = w->profile;
    if (dict) {
        m.has_dictionary = true;
        memcpy(m.dictionary, dict->hash, LP_HASH_BYTES);
    }
    lcopy = lpi_strdup(ctx, w->languages);
    if (!lcopy)
        return LP_ENOMEM;
    for (char *t = lcopy, *sp; t; t = sp) {
        sp = strchr(t, ' ');
        if (sp)
            *sp++ = '\0';
        langs[m.nlanguages++] = t;
    }
    m.languages = langs;
    m.nentries = w->ninputs;
    m.entries = lpi_calloc(ctx, w->ninputs ? w->ninputs : 1,
                           sizeof(*m.entries));
    if (!m.entries) {
        lpi_free(ctx, lcopy);
        return LP_ENOMEM;
    }
    for (size_t i = 0; i < w->ninputs; i++)
        nchunks += input_size(&w->inputs[i]) > LPI_CHUNK_BYTES;
    m.chunks = lpi_calloc(ctx, nchunks ? nchunks : 1, sizeof(*m.chunks));
    if (!m.chunks) {
        lpi_free(ctx, m.entries);
        lpi_free(ctx, lcopy);
        return LP_ENOMEM;
    }
    for (size_t i = 0; i < w->ninputs; i++) {
        const input *in = &w->inputs[i];
        uint64_t size = predict ? input_size(in) : in->size;

        m.entries[i].path = in->path;
        m.entries[i].media_type = in->media_type;
        m.entries[i].size = size;
        if (!predict)
            memcpy(m.entries[i].hash, in->hash, LP_HASH_BYTES);
        if (size > LPI_CHUNK_BYTES) {
            /* one line per such entry, in path order: entries that share
             * content repeat it, so the length is known before hashing */
            lpi_mchunks *c = &m.chunks[m.nchunks++];
            memcpy(c->hash, m.entries[i].hash, LP_HASH_BYTES);
            c->chunk_size = LPI_CHUNK_BYTES;
            c->count = (size_t)((size - 1) / LPI_CHUNK_BYTES + 1);
            c->bin = predict ? NULL : in->chunks;
        }
    }
    rc = lpi_manifest_serialize(&m, ctx, out);
    if (rc == LP_ETOOBIG)
        rc = lpi_error(ctx, rc, "the manifest of %zu entries would be "
                       "larger than %u bytes (LP_MAX_MANIFEST_BYTES, "
                       "lpk(5) LIMITS): put fewer files in one package, or "
                       "give them shorter paths", w->ninputs,
                       LP_MAX_MANIFEST_BYTES);
    lpi_free(ctx, m.entries);
    lpi_free(ctx, m.chunks);
    lpi_free(ctx, lcopy);
    /* never write what our own reader would refuse */
    if (rc == 0) {
        rc = lpi_manifest_parse(&check, ctx, (unsigned char *)out->data,
                                out->len);
        if (rc == 0)
            lpi_manifest_dispose(&check, ctx);
        else if (rc != LP_ENOMEM)
            rc = ctx->code = LP_EINVAL; /* the caller's inputs clash */
    }
    return rc;
}

static void stop_pass1(pass1 *job);
static int wait_done(lp_writer *w, pass1 *job, const input *in);

/* Copy one object into the package */
static int write_object(lpi_zipw *z, lp_ctx *ctx, const input *in,
                        unsigned char *buf)
{
    char name[sizeof(LPI_OBJECTS_DIR) + LP_HASH_HEX_BYTES + 8];
    char hex[LP_HASH_HEX_BYTES + 1];
    struct stat st;
    int fd, rc;

    lpi_hash_hex(hex, in->hash);
    snprintf(name, sizeof(name), LPI_OBJECTS_DIR "%s%s", hex,
             in->compressed ? LPI_ZST_SUFFIX : in->jxl ? LPI_JXL_SUFFIX : "");
    rc = lpi_zipw_begin(z, ctx, name, in->compressed || in->jxl
                                      ? in->spool_len : in->size, in->crc);
    if (rc < 0)
        return rc;
    if (in->compressed || in->jxl)
        return lpi_zipw_copy(z, ctx, in->spool, in->spool_off, in->spool_len,
                             buf);
    if (!in->file)
        return lpi_zipw_write(z, ctx, in->data, in->len);
    rc = open_input(ctx, in, &fd);
    if (rc < 0)
        return rc;
    rc = lpi_zipw_copy(z, ctx, fd, 0, in->size, buf);
    /* the hash was taken in pass 1: the file must not have changed since */
    if (rc == 0 && (fstat(fd, &st) < 0 || !same_file(&st, &in->st)))
        rc = lpi_error(ctx, LP_ECHANGED, "'%s' changed while the package "
                       "was being written", in->file);
    close(fd);
    return rc;
}

/* The hashes of the objects written so far (open addressing): identical
 * content is stored once */
typedef struct hashset {
    const unsigned char **slots;
    size_t mask;
} hashset;

static int hashset_init(lp_ctx *ctx, hashset *s, size_t n)
{
    size_t cap = 16;

    while (cap < 2 * n + 2)
        cap *= 2;
    s->slots = lpi_calloc(ctx, cap, sizeof(*s->slots));
    s->mask = cap - 1;
    return s->slots ? 0 : LP_ENOMEM;
}

/* Add hash; false if it was there already */
static bool hashset_add(hashset *s, const unsigned char *hash)
{
    size_t i;

    memcpy(&i, hash, sizeof(i)); /* the hash is uniformly distributed */
    for (i &= s->mask; s->slots[i]; i = (i + 1) & s->mask)
        if (memcmp(s->slots[i], hash, LP_HASH_BYTES) == 0)
            return false;
    s->slots[i] = hash;
    return true;
}

/* The dictionary as an object of its own, first in the package */
static void dictionary_input(pass1 *job, input *dict)
{
    static char no_path[] = "";
    lpi_hasher h;

    memset(dict, 0, sizeof(*dict));
    dict->path = no_path;
    dict->data = job->dict;
    dict->len = dict->size = job->dict_len;
    dict->crc = dict->content_crc = lpi_crc32(0, job->dict, job->dict_len);
    lpi_hash_init(&h);
    lpi_hash_update(&h, job->dict, job->dict_len);
    lpi_hash_final(&h, dict->hash);
}

/* Write the package while pass 1 runs: the objects in a fixed order (the
 * dictionary, then pass 1's lists in path order, each distinct content
 * once), each as soon as pass 1 is done with it, behind room left for the
 * mimetype and manifest entries, which are written last */
static int write_package(lp_writer *w, pass1 *job, int fd, int64_t created,
                         lpi_buf *manifest)
{
    lp_ctx *ctx = w->ctx;
    const uint64_t manifest_at = 30 + strlen(LPI_MIMETYPE_NAME) +
                                 strlen(LPI_MIMETYPE);
    uint64_t objects_at;
    unsigned char *buf;
    input dict;
    hashset seen = { NULL, 0 };
    lpi_zipw z;
    size_t predicted;
    int rc;

    pthread_mutex_lock(&job->lock);
    while (!job->dict_ready)
        pthread_cond_wait(&job->trained, &job->lock);
    pthread_mutex_unlock(&job->lock);
    if (job->dict)
        dictionary_input(job, &dict);
    rc = build_manifest(w, created, job->dict ? &dict : NULL, true, manifest);
    if (rc < 0)
        return rc;
    predicted = manifest->len;
    objects_at = manifest_at + 30 + strlen(LPI_MANIFEST_NAME) + predicted;

    buf = lpi_malloc(ctx, IO_CHUNK);
    rc = buf ? hashset_init(ctx, &seen, w->ninputs + 1) : LP_ENOMEM;
    lpi_zipw_init(&z, fd, created);
    lpi_zipw_seek(&z, objects_at);
    if (rc == 0 && job->dict && hashset_add(&seen, dict.hash))
        rc = write_object(&z, ctx, &dict, buf);
    for (int l = 0; l < 2 && rc == 0; l++)
        for (size_t k = 0; k < job->counts[l] && rc == 0; k++) {
            const input *in = &w->inputs[job->lists[l][k]];

            rc = wait_done(w, job, in);
            if (rc == 0 && hashset_add(&seen, in->hash))
                rc = write_object(&z, ctx, in, buf);
        }
    stop_pass1(job);

    if (rc == 0) {
        manifest->len = 0;
        rc = build_manifest(w, created, job->dict ? &dict : NULL, false,
                            manifest);
    }
    if (rc == 0 && manifest->len != predicted)
        rc = lpi_error(ctx, LP_EINTERNAL, "the manifest came out %zu bytes "
                       "long, not %zu", manifest->len, predicted);
    if (rc == 0)
        rc = lpi_zipw_head(&z, ctx, LPI_MIMETYPE_NAME, LPI_MIMETYPE,
                           strlen(LPI_MIMETYPE), 0);
    if (rc == 0)
        rc = lpi_zipw_head(&z, ctx, LPI_MANIFEST_NAME, manifest->data,
                           manifest->len, manifest_at);
    if (rc == 0)
        rc = lpi_zipw_finish(&z, ctx);
    lpi_zipw_dispose(&z, ctx);
    lpi_free(ctx, (void *)seen.slots);
    lpi_free(ctx, buf);
    return rc;
}

static void pass1_dispose(lp_writer *w, pass1 *job)
{
    stop_pass1(job); /* joins whatever still runs, after any failure */
    pthread_cond_destroy(&job->progress);
    lpi_progress_dispose(&job->prog);
    for (unsigned t = 0; t < job->nworkers; t++)
        worker_dispose(&job->workers[t]);
    lpi_free(w->ctx, job->workers);
    lpi_free(w->ctx, job->lists[0]);
    lpi_free(w->ctx, job->lists[1]);
    ZSTD_freeCDict(job->cdict);
    lpi_free(w->ctx, job->dict);
    pthread_mutex_destroy(&job->lock);
    pthread_cond_destroy(&job->trained);
}

/* Start pass 1 on all workers; the caller writes what they finish */
static int start_pass1(lp_writer *w, pass1 *job)
{
    lp_ctx *ctx = w->ctx;
    unsigned nthreads = w->opts.threads ? w->opts.threads : lpi_cpu_count();
    size_t ncand = 0;
    uint64_t cand_bytes = 0, total = 0;
    int rc = 0;

    memset(job, 0, sizeof(*job));
    job->w = w;
    pthread_mutex_init(&job->lock, NULL);
    pthread_cond_init(&job->trained, NULL);
    pthread_cond_init(&job->progress, NULL);
    lpi_progress_init(&job->prog, w->opts.progress, w->opts.progress_user);
    for (size_t i = 0; i < w->ninputs; i++)
        total += input_size(&w->inputs[i]);
    rc = lpi_progress_begin(&job->prog, ctx, LP_STAGE_COMPRESSING,
                            w->ninputs, total);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < w->ninputs; i++)
        if (dict_candidate(&w->inputs[i])) {
            ncand++;
            cand_bytes += w->inputs[i].file ?
                          (uint64_t)w->inputs[i].st.st_size : w->inputs[i].len;
        }
    job->train = ncand >= DICT_MIN_OBJECTS && cand_bytes >= DICT_MIN_TOTAL;
    job->dict_ready = !job->train;
    job->lists[0] = lpi_calloc(ctx, w->ninputs + 1, sizeof(size_t));
    job->lists[1] = lpi_calloc(ctx, w->ninputs + 1, sizeof(size_t));
    if (!job->lists[0] || !job->lists[1])
        return LP_ENOMEM;
    for (size_t i = 0; i < w->ninputs; i++) {
        int l = job->train && dict_user(&w->inputs[i]);
        job->lists[l][job->counts[l]++] = i;
    }
    atomic_init(&job->next[0], 0);
    atomic_init(&job->next[1], 0);

    if (nthreads > 64)
        nthreads = 64;
    if (nthreads > w->ninputs)
        nthreads = w->ninputs ? (unsigned)w->ninputs : 1;
    job->workers = lpi_calloc(ctx, nthreads, sizeof(*job->workers));
    if (!job->workers)
        return LP_ENOMEM;
    job->nworkers = nthreads;
    for (unsigned t = 0; t < nthreads && rc == 0; t++) {
        worker *wk = &job->workers[t];

        rc = worker_init(w, wk, job);
        wk->trainer = t == 0 && job->train;
        if (rc == 0) {
            pthread_mutex_lock(&job->lock);
            wk->started = pthread_create(&wk->tid, NULL, worker_main,
                                         wk) == 0;
            job->active += wk->started;
            pthread_mutex_unlock(&job->lock);
            if (!wk->started)
                rc = lpi_error(ctx, LP_EINTERNAL, "cannot start a thread");
        }
    }
    return rc;
}

/* Stop pass 1 early (after a failure) and wait for the workers */
static void stop_pass1(pass1 *job)
{
    pthread_mutex_lock(&job->lock);
    atomic_store(&job->next[0], job->counts[0]);
    atomic_store(&job->next[1], job->counts[1]);
    /* nobody may wait for a trainer that never ran */
    job->dict_ready = true;
    pthread_cond_broadcast(&job->trained);
    pthread_mutex_unlock(&job->lock);
    for (unsigned t = 0; job->workers && t < job->nworkers; t++)
        if (job->workers[t].started) {
            pthread_join(job->workers[t].tid, NULL);
            job->workers[t].started = false;
        }
}

/* Wait until input in is done; LP_EINTERNAL-free: if every worker stopped
 * without doing it, the first failure in path order is the reason */
static int wait_done(lp_writer *w, pass1 *job, const input *in)
{
    bool done;

    pthread_mutex_lock(&job->lock);
    while (!in->done && job->active > 0)
        pthread_cond_wait(&job->progress, &job->lock);
    done = in->done;
    pthread_mutex_unlock(&job->lock);
    if (done && in->rc == 0)
        return 0;
    for (size_t i = 0; i < w->ninputs; i++)
        if (w->inputs[i].rc < 0)
            return lpi_error(w->ctx, w->inputs[i].rc, "%s",
                             w->inputs[i].err ? w->inputs[i].err
                             : lp_strerror(w->inputs[i].rc));
    return lpi_error(w->ctx, LP_EINTERNAL, "pass 1 stopped early");
}

bool lpi_writer_over_budget(const lp_writer *w, uint64_t *size)
{
    *size = w->over;
    return w->over > 0;
}

/* The package as written (fd, before it is installed) fits the budget */
static int within_budget(lp_writer *w, int fd)
{
    struct stat st;

    if (fstat(fd, &st) < 0)
        return lpi_error(w->ctx, LP_EIO, "'%s': %s", w->dest,
                         strerror(errno));
    if ((uint64_t)st.st_size <= w->budget)
        return 0;
    w->over = (uint64_t)st.st_size;
    return lpi_error(w->ctx, LP_ETOOBIG, "the package would be %llu bytes, "
                     "over its budget of %llu bytes",
                     (unsigned long long)st.st_size,
                     (unsigned long long)w->budget);
}

int lp_writer_commit(lp_writer *w)
{
    lp_ctx *ctx;
    pass1 job;
    lpi_buf manifest, tmp;
    int64_t created = 0;
    int fd = -1, rc = 0;

    LP_ASSERT_ARG(w);
    ctx = w->ctx;
    if (w->committed)
        return lpi_error(ctx, LP_EINVAL, "package already written");
    lpi_buf_init(&manifest, LP_MAX_MANIFEST_BYTES);
    lpi_buf_init(&tmp, SIZE_MAX / 2);

    w->started = time(NULL);
    w->over = 0;
    lpi_sort(w->inputs, w->ninputs, sizeof(*w->inputs), cmp_input_path);
    for (size_t i = 1; i < w->ninputs; i++)
        if (strcmp(w->inputs[i - 1].path, w->inputs[i].path) == 0)
            return lpi_error(ctx, LP_EEXIST, "'%s' was added twice",
                             w->inputs[i].path);
    rc = creation_time(w, &created);
    if (rc < 0)
        return rc;

    /* pass 1 on the workers; this thread writes what they finish */
    rc = start_pass1(w, &job);
    if (rc == 0 && w->out_fd >= 0) {
        /* the caller's descriptor (lpc preview's memfd): no name to put
         * in place, nothing to sync */
        fd = w->out_fd;
        if (ftruncate(fd, 0) < 0)
            rc = lpi_error(ctx, LP_EIO, "cannot truncate the output: %s",
                           strerror(errno));
    } else if (rc == 0) {
        rc = lpi_temp_create(ctx, w->dest, 0666, &tmp, &fd);
    }
    if (rc == 0) {
        rc = write_package(w, &job, fd, created, &manifest);
        if (rc == 0 && w->budget > 0)
            rc = within_budget(w, fd);
        if (rc == 0)
            rc = lpi_progress_end(&job.prog, ctx);
        if (w->out_fd < 0) {
            rc = lpi_atomic_finish(ctx, fd, tmp.data, rc);
            rc = lpi_atomic_install(ctx, tmp.data, w->dest, rc);
        }
    }
    if (rc == 0)
        w->committed = true;
    pass1_dispose(w, &job);
    lpi_buf_dispose(&manifest, ctx);
    lpi_buf_dispose(&tmp, ctx);
    return rc;
}
