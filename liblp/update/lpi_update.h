/*
 * lpi_update.h - liblp internals for update repositories (lp-repo(5)):
 * the signed index (index.c), publishing (publish.c), fetching from a
 * folder or over HTTP with resume (fetch.c) and a hub's update
 * (update.c).  Not installed.
 */
#ifndef LPI_UPDATE_H
#define LPI_UPDATE_H

#include "lpi.h"
#include "lpi_sign.h"
#include "lpi_delta.h"

#define LPI_REPO_MAGIC "lp-repo 1"
#define LPI_REPO_INDEX "index"
#define LPI_REPO_FILES "files"
/* the line between the signed text and its signature blocks */
#define LPI_REPO_SIGS_LINE "signatures"
/* what its signatures are made for: "lp-index-signature v1 time=..." */
#define LPI_REPO_PURPOSE "index"

typedef struct lpi_rrel {
    uint64_t version, size;
    unsigned char file[LP_HASH_BYTES], manifest[LP_HASH_BYTES];
    int64_t expires;              /* -1: none */
    const char *label;            /* into the text, or owned by publish */
} lpi_rrel;

typedef struct lpi_rdelta {
    uint64_t base, target, size;
    unsigned char file[LP_HASH_BYTES];
} lpi_rdelta;

typedef struct lpi_rpkg {
    const char *id;
    lpi_rrel *rels;               /* by version, ascending */
    size_t nrels, caprels;
    lpi_rdelta *deltas;           /* by (target, base), ascending */
    size_t ndeltas, capdeltas;
} lpi_rpkg;

struct lp_repo {
    lp_ctx *ctx;
    uint64_t serial;
    int64_t created, expires;
    lpi_rpkg *pkgs;               /* by id, bytewise */
    size_t npkgs, cappkgs;
    char *text;                   /* NUL-split copy the strings point into */
    unsigned char hash[LP_HASH_BYTES]; /* of the signed text, as parsed */
    char **owned;                 /* strings publish added */
    size_t nowned, capowned;
};

/* A copy of s that the index owns (ids and labels publish adds) */
const char *lpi_repo_own(lp_repo *r, const char *s);

/* An empty index (publish starts from it) */
int lpi_repo_new(lp_repo **out, lp_ctx *ctx);
/* Split a whole index file into the signed text and the signature
 * blocks; LP_EFORMAT if the separator line is missing */
int lpi_repo_split(lp_ctx *ctx, const char *data, size_t len,
                   size_t *signed_len, const char **sigs, size_t *slen,
                   const char *what);
/* The canonical text of the index, up to and including the separator
 * line, appended to out */
int lpi_repo_format(const lp_repo *r, lpi_buf *out);
/* The package id's entry, or NULL; with create, added (id copied) */
lpi_rpkg *lpi_repo_pkg(lp_repo *r, const char *id, bool create);
const lpi_rrel *lpi_repo_rel(const lpi_rpkg *p, uint64_t version);
/* Insert, keeping the order; LP_ETOOBIG past the limits */
int lpi_repo_add_rel(lp_repo *r, lpi_rpkg *p, const lpi_rrel *rel);
int lpi_repo_add_delta(lp_repo *r, lpi_rpkg *p, const lpi_rdelta *d);
bool lpi_repo_has_delta(const lpi_rpkg *p, uint64_t base, uint64_t target);
/* "files/HEX.lpk" or "files/HEX.lpd" */
#define LPI_REPO_NAME_BYTES (sizeof(LPI_REPO_FILES) + LP_HASH_HEX_BYTES + 5)
void lpi_repo_file_name(char out[LPI_REPO_NAME_BYTES],
                        const unsigned char hash[LP_HASH_BYTES], bool delta);

/* ------------------------------------------------------------ fetch.c */

/* Where a repository's files come from: a folder, or http(s):// */
typedef struct lpi_fetch {
    lp_ctx *ctx;
    bool http;
    char *base;                   /* without a trailing '/' */
    void *curl;                   /* CURL *, for HTTP */
    uint64_t limit_rate;          /* bytes/s, 0: no limit */
    unsigned timeout;             /* seconds */
    unsigned char *buf;           /* folder copies */
    uint64_t fetched;             /* bytes that came, in all */
    uint64_t resumed;             /* bytes found in .part files */
    bool source_failed;           /* the last failure was the source's */
    void (*progress)(void *user, uint64_t more);
    void *progress_user;
} lpi_fetch;

bool lpi_source_is_url(const char *source);
int lpi_fetch_open(lpi_fetch *f, lp_ctx *ctx, const char *source,
                   uint64_t limit_rate, unsigned timeout);
void lpi_fetch_close(lpi_fetch *f);
/* A small file (the index) whole into out, at most max bytes */
int lpi_fetch_small(lpi_fetch *f, const char *name, size_t max,
                    lpi_buf *out);
/* The repository file name (size bytes, that hash) to dest, through
 * dest.part, resumed; dest is left only if its hash matches.  A file at
 * dest already, whole and good, is kept. */
int lpi_fetch_file(lpi_fetch *f, const char *name, const char *dest,
                   uint64_t size, const unsigned char hash[LP_HASH_BYTES]);

#endif /* LPI_UPDATE_H */
