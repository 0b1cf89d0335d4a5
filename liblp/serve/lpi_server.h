/*
 * lpi_server.h - the hub's HTTP server (liblp/serve/server*.c), internal.
 *
 * Files, each using only those above it (tests/cli/layering.sh checks that
 * no two files use each other):
 *   server_range.c   Range, If-None-Match and form parsing: pure functions
 *                    of strings, fuzzed (tests/fuzz/fuzz_range.c)
 *   server_http.c    responses, HTML escaping, URL decoding, the log line
 *   server_pkg.c     served packages: versions, reference counts, and
 *                    the reload of a file replaced on disk
 *   server_cache.c   rendered pages kept for the next request (an LRU
 *                    bounded in bytes, keyed by release)
 *   server_media.c   entries, the package file and lesson downloads as
 *                    bodies: ranges, ETags, multipart/byteranges, tar
 *   server_upload.c  assignment uploads, the quota, the teacher page
 *   server_preview.c preview mode (lp_server_set_build(), lpc preview):
 *                    builds swapped in, their diagnostics on every page
 *   server_pages.c   catalog and lesson pages, the language picker, the
 *                    activity check without JavaScript
 *   server.c         lp_server_*: the daemon, limits, routing
 */
#ifndef LPI_SERVER_H
#define LPI_SERVER_H

#include "lpi.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include <microhttpd.h>

/* ------------------------------------------------------ server_range.c */

/* One byte range, first..last inclusive */
typedef struct lpi_range {
    uint64_t first, last;
} lpi_range;

/* Most ranges one request may ask for; more and the header is ignored */
#define LPI_MAX_RANGES 16

/* What lpi_range_parse() found */
enum {
    LPI_RANGE_NONE = 0,     /* no header, a unit other than bytes, bad
                               syntax or too many ranges: send it all (200) */
    LPI_RANGE_OK = 1,       /* *n satisfiable ranges (206) */
    LPI_RANGE_UNSAT = 2     /* valid, but none satisfiable (416) */
};

/*
 * Parse a Range header (RFC 9110, 14.2) for content of size bytes: the
 * satisfiable ranges, in the order given, suffix ranges resolved, last
 * positions clamped to size - 1; unsatisfiable ones dropped.  hdr may be
 * NULL.  Never allocates.
 */
int lpi_range_parse(const char *hdr, uint64_t size, lpi_range *out,
                    size_t *n);

/*
 * Whether an If-None-Match (or If-Range, strong = 1) header matches the
 * entity tag etag (with its quotes): "*" or a list of tags, weak ones
 * (W/) compared weakly unless strong.  Malformed lists do not match.
 */
bool lpi_etag_match(const char *hdr, const char *etag, bool strong);

/*
 * Decode a %-encoded URL component of len bytes into out (cap bytes, NUL
 * added): '+' is kept as is when plus is false (paths), a space when true
 * (form values).  Refused (-1): a bad escape, an encoded or raw NUL, and
 * with slash false an encoded '/' or '\'.  Returns the decoded length.
 */
long lpi_url_decode(const char *s, size_t len, char *out, size_t cap,
                    bool plus, bool slash);

/*
 * The boundary of a multipart/form-data Content-Type, for the post
 * processor: 1 to 70 characters of RFC 2046's set, quoted or not.
 * Returns 0 and the boundary (borrowed from ct, *len bytes) or -1.
 */
int lpi_multipart_boundary(const char *ct, const char **b, size_t *len);

/* ------------------------------------------------------ server_pkg.c */

/* The unit of chunk hashes (lpk(5) CHUNK HASHES): entry content is read
 * and checked a chunk at a time */
#define LPI_CHUNK (1024u * 1024u)

/* One opened release of a served package; requests hold references */
typedef struct lpi_srvver {
    atomic_uint refs;
    uint64_t serial;    /* unique in the server's life: names its pages */
    lp_ctx *ctx;        /* the context it was opened with (its own) */
    lp_package *pkg;    /* read by every thread, each through its ctx or
                           its own handle (lp_package_share) */
    lp_catalog *cat;    /* NULL for a package without a catalog */
    int fd;             /* the package file, for downloads */
    dev_t dev;
    ino_t ino;
    struct timespec mtime;
    off_t size;
    char manifest[LP_HASH_HEX_BYTES + 1];
    struct lpi_byhash *by_hash;     /* entries sorted by content hash */
    size_t nby_hash;
    /* Which chunks of each entry were read, checked against the manifest
     * and found right (server_media.c): chunk k of entry i is
     * checked[first_chunk[i] + k].  An entry stored as is whose chunks
     * are all checked is sent from the file by sendfile(2), at
     * data_off[i] - 1 in it (0: not known yet). */
    size_t *first_chunk;
    atomic_uchar *checked;
    atomic_ullong *data_off;
} lpi_srvver;

typedef struct lpi_srvpkg {
    lp_server *srv;
    char *path;             /* NULL for lpc preview's builds: never
                               reloaded from disk */
    char *id;
    pthread_mutex_t lock;
    lpi_srvver *cur;        /* under lock */
    atomic_llong checked;   /* CLOCK_MONOTONIC second of the last stat */
} lpi_srvpkg;

/* Open the release at path (its id must be id, if id is not NULL) */
int lpi_srvver_open(lp_ctx *ctx, const char *path, const char *id,
                    lpi_srvver **out);
/* Open the release in fd (the caller's: duplicated) */
int lpi_srvver_open_fd(lp_ctx *ctx, int fd, lpi_srvver **out);
/* The entry whose content has this hash (one of them) */
int lpi_srvver_find_hash(const lpi_srvver *v,
                         const unsigned char hash[LP_HASH_BYTES], size_t *i);
/* Take and drop a reference; the last one closes the release */
lpi_srvver *lpi_srvver_ref(lpi_srvver *v);
void lpi_srvver_unref(lpi_srvver *v);
/* The release to answer a request with (a reference): the current one,
 * after a stat of the file at most once a second and a reload if it was
 * replaced (a failed reload is logged and the old release kept) */
lpi_srvver *lpi_srvpkg_get(lpi_srvpkg *sp);
void lpi_srvpkg_free(lp_ctx *ctx, lpi_srvpkg *sp);

/* ------------------------------------------------------ server_cache.c */

typedef struct lpi_pagecache lpi_pagecache;

/* A cache of at most max bytes (0: nothing is kept) */
int lpi_pagecache_new(lp_ctx *ctx, size_t max, lpi_pagecache **out);
void lpi_pagecache_free(lp_ctx *ctx, lpi_pagecache *pc);
/* A response holding a copy of the page kept under key (klen bytes), and
 * its length in *len; NULL if none (or out of memory) */
struct MHD_Response *lpi_pagecache_get(lpi_pagecache *pc, const void *key,
                                       size_t klen, size_t *len);
/* Keep a copy of page under key, dropping the pages used least recently
 * past the bound; a page too big (an eighth of it) is not kept */
void lpi_pagecache_put(lpi_pagecache *pc, const void *key, size_t klen,
                       const void *page, size_t len);

/* ------------------------------------------------------ server.c state */

struct lp_server {
    lp_ctx *ctx;
    lp_allocator alloc;         /* for the contexts of requests */
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char *data_dir;             /* NULL: no uploads */
    int data_fd;                /* data_dir, open */
    bool has_token;
    unsigned char token_hash[LP_HASH_BYTES];
    unsigned max_connections, max_per_ip, timeout, threads;
    size_t max_header_bytes;
    uint64_t quota, upload_rate;
    pthread_mutex_t quota_lock;
    uint64_t used;              /* bytes of stored submissions, under
                                   quota_lock (reserved while uploading) */
    int quiet;
    lp_server_log_fn log;
    void *log_user;
    lpi_srvpkg **pkgs;
    size_t npkgs, cappkgs;
    atomic_ullong serials;      /* the last release serial given */
    lpi_pagecache *pages;       /* rendered pages (server_pages.c) */
    struct lpi_preview *preview;    /* lp_server_set_build(), or NULL */
    struct MHD_Daemon *daemon;
    bool quiesced;
    MHD_socket lsock;           /* the listening socket, once quiesced */
    unsigned port;
    int wake[2];                /* lp_server_stop() writes to wake[1] */
    /* uploads over their rate, suspended until their time (server.c) */
    pthread_mutex_t pace_lock;
    pthread_cond_t pace_cond;
    pthread_t pace_thread;
    bool pace_running, pace_stop;
    struct lpi_paced *paced;    /* a list, under pace_lock */
};

/* A request: made on its first callback, freed when it completes */
typedef struct lpi_req {
    lp_server *srv;
    lp_ctx *ctx;                /* the request's own context */
    struct timespec start;
    const char *method;
    char path[LP_MAX_PATH_BYTES + 256]; /* the raw path, for the log */
    unsigned status;
    uint64_t bytes;
    lpi_srvver *ver;            /* a reference, or NULL */
    /* a POST being received (server_upload.c and server_pages.c) */
    struct MHD_PostProcessor *pp;
    enum MHD_Result (*finish)(struct lpi_req *r, struct MHD_Connection *c);
    void (*dispose)(struct lpi_req *r);
    void *post;                 /* the handler's state */
    bool post_error;
    uint64_t received;          /* bytes of the body so far */
} lpi_req;

/* ------------------------------------------------------ server_http.c */

/* Log a formatted line through the server's callback (if any) */
void lpi_srv_log(lp_server *srv, const char *fmt, ...) LPI_PRINTF(2, 3);
/* s into b with HTML's five special characters escaped, and control
 * characters (but tab and newline) and invalid UTF-8 as U+FFFD */
int lpi_html_esc(lpi_buf *b, lp_ctx *ctx, const char *s);
/* s into b %-encoded for a URL path segment (unreserved characters kept) */
int lpi_url_esc(lpi_buf *b, lp_ctx *ctx, const char *s);
/* The start of every page: doctype, <html lang dir>, head with title (escaped) */
int lpi_page_begin(lpi_buf *b, lp_ctx *ctx, const char *lang, int rtl,
                   const char *title);
int lpi_page_end(lpi_buf *b, lp_ctx *ctx);
/* Queue a response; each records the status in r and returns MHD's result */
enum MHD_Result lpi_send(lpi_req *r, struct MHD_Connection *c,
                         unsigned status, struct MHD_Response *resp);
enum MHD_Result lpi_send_html(lpi_req *r, struct MHD_Connection *c,
                              unsigned status, const lpi_buf *page);
/* The same for a response already holding a page of len bytes */
enum MHD_Result lpi_send_html_resp(lpi_req *r, struct MHD_Connection *c,
                                   unsigned status,
                                   struct MHD_Response *resp, size_t len);
/* A short page "STATUS TITLE" with an escaped message (may be NULL) */
enum MHD_Result lpi_send_error(lpi_req *r, struct MHD_Connection *c,
                               unsigned status, const char *msg);
enum MHD_Result lpi_send_redirect(lpi_req *r, struct MHD_Connection *c,
                                  const char *location, bool vary_lang);
/* Headers every response carries (nosniff, referrer policy) */
void lpi_common_headers(struct MHD_Response *resp);

/* ------------------------------------------------------ server_media.c */

/* Send entry i of v's package: ETag, If-None-Match (304), Range (206,
 * 416, multipart/byteranges), immutable caching when by hash */
enum MHD_Result lpi_send_entry(lpi_req *r, struct MHD_Connection *c,
                               lpi_srvver *v, size_t i, bool immutable);
/* Send the package file itself, with ranges */
enum MHD_Result lpi_send_package(lpi_req *r, struct MHD_Connection *c,
                                 lpi_srvver *v);
/* Send the entries a lesson needs in lang as a tar file, streamed */
enum MHD_Result lpi_send_lesson_tar(lpi_req *r, struct MHD_Connection *c,
                                    lpi_srvver *v, const char *lesson,
                                    const char *lang);

/* ------------------------------------------------------ server_upload.c */

/* Scan data_dir: make its folders, count what submissions take */
int lpi_upload_init(lp_server *srv);
/* Start receiving a POST of an assignment (the catalog names it) */
enum MHD_Result lpi_upload_begin(lpi_req *r, struct MHD_Connection *c,
                                 lpi_srvver *v, const char *lesson,
                                 const char *assignment, const char *lang);
/* The teacher page (and one submission's content) */
enum MHD_Result lpi_teacher(lpi_req *r, struct MHD_Connection *c,
                            const char *rest);

/* ------------------------------------------------------ server_preview.c */

/* The served build's package if its id is id, else NULL */
lpi_srvpkg *lpi_preview_find(lp_server *srv, const char *id);
/* Preview mode's routes: /_lp/build (the last build's number), / (to the
 * catalog), /_lp/diagnostics, and that page for every page until a build
 * made a package.  The first segments of the path (or ""), how many; true
 * if it answered (*ret), false to route the request as usual. */
bool lpi_preview_route(lpi_req *r, struct MHD_Connection *c,
                       const char *seg0, const char *seg1, size_t nsegs,
                       bool post, enum MHD_Result *ret);
/* Send a page of ours: in preview mode, with the build's bar after its
 * <body> (lpi_send_html() otherwise) */
enum MHD_Result lpi_preview_send(lpi_req *r, struct MHD_Connection *c,
                                 unsigned status, const lpi_buf *page);
void lpi_preview_free(lp_server *srv);

/* ------------------------------------------------------ server_pages.c */

/* / : the packages */
enum MHD_Result lpi_page_home(lpi_req *r, struct MHD_Connection *c);
/* /ID/ : a redirect to the catalog in the browser's language (or, for a
 * package without a catalog, its files) */
enum MHD_Result lpi_page_pick(lpi_req *r, struct MHD_Connection *c,
                              lpi_srvver *v);
/* /ID/languages : the language picker (lp_render_home()) */
enum MHD_Result lpi_page_languages(lpi_req *r, struct MHD_Connection *c,
                                   lpi_srvver *v);
/* /ID/LANG/ : the catalog (lp_render_catalog()) */
enum MHD_Result lpi_page_catalog(lpi_req *r, struct MHD_Connection *c,
                                 lpi_srvver *v, const char *lang);
/* /ID/LANG/LESSON[/display] : a lesson page (lp_render_lesson()) */
enum MHD_Result lpi_page_lesson(lpi_req *r, struct MHD_Connection *c,
                                lpi_srvver *v, const char *lang,
                                const char *lesson, bool display);
/* /lp.css and /lp.js, with an ETag (304 when it matches) */
enum MHD_Result lpi_send_asset(lpi_req *r, struct MHD_Connection *c,
                               bool script);
/* Start receiving an answer form POSTed to a lesson */
enum MHD_Result lpi_check_begin(lpi_req *r, struct MHD_Connection *c,
                                lpi_srvver *v, const char *lang,
                                const char *lesson);

#endif /* LPI_SERVER_H */
