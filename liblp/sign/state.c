/*
 * state.c - what a verifier remembers between runs (rollback protection)
 * and the clock it trusts (expiry).
 *
 * The state is a folder with one small text file per package id,
 * ID.state, holding the highest version and the newest signing time
 * accepted for that id (lp-trust(5), STATE).  Files are replaced
 * atomically and only ever raised.  A state file we cannot read is an
 * error, never a reset: a reset would let an old release back in.
 */
#include "lpi_sign.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STATE_MAGIC "lp-state 1"
#define STATE_SUFFIX ".state"
/* the last trust update accepted: not a package id (ids start with a
 * letter or digit), so never another package's state */
#define TRUST_STATE_NAME "_trust.state"
#define TRUST_STATE_MAGIC "lp-trust-state 1"

typedef struct srec {
    char id[LP_MAX_ID_BYTES + 1];
    uint64_t version;
    int64_t signed_at;      /* -1 if none */
} srec;

struct lp_state {
    lp_ctx *ctx;
    char *dir;
    srec *recs;
    size_t n, cap;
    int64_t newest;         /* over every record, -1 if none */
    int64_t trust_time;     /* newest signing time of the trust file */
};

/* Canonical decimal 1..INT64_MAX */
static int parse_version(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;

    if (len == 0 || len > 19 || s[0] < '1' || s[0] > '9')
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > INT64_MAX)
        return -1;
    *out = v;
    return 0;
}

/* The next line of data[*at..len), which must end with '\n' */
static bool take_line(const char *data, size_t len, size_t *at,
                      const char **line, size_t *llen)
{
    const char *nl;

    if (*at >= len)
        return false;
    nl = memchr(data + *at, '\n', len - *at);
    if (!nl)
        return false;
    *line = data + *at;
    *llen = (size_t)(nl - *line);
    *at += *llen + 1;
    return true;
}

int lpi_state_parse(lp_ctx *ctx, const char *data, size_t len,
                    const char *what, char id[LP_MAX_ID_BYTES + 1],
                    uint64_t *version, int64_t *signed_at)
{
    static const char *const keys[] = { "id ", "version ", "signed " };
    const char *line;
    size_t at = 0, llen, klen;

    if (len > LPI_STATE_MAX_BYTES)
        return lpi_error(ctx, LP_EFORMAT, "%s: larger than %u bytes", what,
                         LPI_STATE_MAX_BYTES);
    if (!take_line(data, len, &at, &line, &llen) ||
        llen != strlen(STATE_MAGIC) || memcmp(line, STATE_MAGIC, llen) != 0)
        return lpi_error(ctx, LP_EFORMAT, "%s:1: not a state file (the "
                         "first line must be '" STATE_MAGIC "')", what);
    for (unsigned k = 0; k < 3; k++) {
        klen = strlen(keys[k]);
        if (!take_line(data, len, &at, &line, &llen) || llen < klen ||
            memcmp(line, keys[k], klen) != 0)
            return lpi_error(ctx, LP_EFORMAT, "%s:%u: expected '%.*s'",
                             what, k + 2, (int)(klen - 1), keys[k]);
        line += klen;
        llen -= klen;
        if (k == 0 && (llen > LP_MAX_ID_BYTES ||
                       lpi_check_id(ctx, line, llen) < 0))
            return lpi_error(ctx, LP_EFORMAT, "%s:2: bad package id", what);
        if (k == 0) {
            memcpy(id, line, llen);
            id[llen] = '\0';
        }
        if (k == 1 && parse_version(line, llen, version) < 0)
            return lpi_error(ctx, LP_EFORMAT, "%s:3: bad version (a whole "
                             "number from 1, no leading zero)", what);
        if (k == 2 && llen == 1 && line[0] == '-')
            *signed_at = -1;
        else if (k == 2 && lpi_time_parse(line, llen, signed_at) < 0)
            return lpi_error(ctx, LP_EFORMAT, "%s:4: bad signing time "
                             "(YYYY-MM-DDThh:mm:ssZ or '-')", what);
    }
    if (at != len)
        return lpi_error(ctx, LP_EFORMAT, "%s:5: text after the 'signed' "
                         "line", what);
    return 0;
}

static int state_text(lpi_buf *b, lp_ctx *ctx, const srec *r)
{
    char t[LPI_TIME_BYTES] = "-";

    if (r->signed_at >= 0 && lpi_time_format(t, r->signed_at) < 0)
        return lpi_error(ctx, LP_EINVAL, "signing time out of range");
    return lpi_buf_printf(b, ctx, STATE_MAGIC "\nid %s\nversion %llu\n"
                          "signed %s\n", r->id,
                          (unsigned long long)r->version, t);
}

/* "DIR/ID.state" */
static int state_path(lp_state *st, lpi_buf *b, const char *id)
{
    b->len = 0;
    return lpi_buf_printf(b, st->ctx, "%s/%s" STATE_SUFFIX, st->dir, id);
}

/* Read a state file (at most LPI_STATE_MAX_BYTES + 1 bytes, so the parser
 * sees one too many) into buf; what gets "DIR/NAME" */
static int read_state_file(lp_state *st, int dfd, const char *name,
                           lpi_buf *what, char *buf, size_t *len)
{
    lp_ctx *ctx = st->ctx;
    size_t n = 0;
    struct stat sb;
    int fd, rc = 0;

    rc = lpi_buf_printf(what, ctx, "%s/%s", st->dir, name);
    if (rc < 0)
        return rc;
    fd = lpi_open_input(ctx, dfd, name, what->data, LPI_OPEN_NOFOLLOW, &sb);
    if (fd < 0)
        rc = fd;
    while (rc == 0) {
        ssize_t k = read(fd, buf + n, LPI_STATE_MAX_BYTES + 1 - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            rc = lpi_error(ctx, LP_EIO, "cannot read '%s': %s", what->data,
                           strerror(errno));
        if (k <= 0)
            break;
        n += (size_t)k;
        if (n == LPI_STATE_MAX_BYTES + 1)
            break;  /* one byte too many: the parser says so */
    }
    if (fd >= 0)
        close(fd);
    *len = n;
    return rc;
}

/* Read and parse one state file; the id inside must be the file's */
static int read_one(lp_state *st, int dfd, const char *name, const char *id,
                    srec *r)
{
    lp_ctx *ctx = st->ctx;
    char buf[LPI_STATE_MAX_BYTES + 1];
    lpi_buf what;
    size_t n = 0;
    int rc;

    lpi_buf_init(&what, 8192);
    rc = read_state_file(st, dfd, name, &what, buf, &n);
    if (rc == 0)
        rc = lpi_state_parse(ctx, buf, n, what.data, r->id, &r->version,
                             &r->signed_at);
    if (rc == 0 && strcmp(r->id, id) != 0)
        rc = lpi_error(ctx, LP_EFORMAT, "%s:2: id '%s' in the file of "
                       "'%s'", what.data, r->id, id);
    lpi_buf_dispose(&what, ctx);
    return rc;
}

int lpi_trust_state_parse(lp_ctx *ctx, const char *data, size_t len,
                          const char *what, int64_t *signed_at)
{
    const char *line;
    size_t at = 0, llen;

    if (len > LPI_STATE_MAX_BYTES)
        return lpi_error(ctx, LP_EFORMAT, "%s: larger than %u bytes", what,
                         LPI_STATE_MAX_BYTES);
    if (!take_line(data, len, &at, &line, &llen) ||
        llen != strlen(TRUST_STATE_MAGIC) ||
        memcmp(line, TRUST_STATE_MAGIC, llen) != 0)
        return lpi_error(ctx, LP_EFORMAT, "%s:1: not a trust state file "
                         "(the first line must be '" TRUST_STATE_MAGIC "')",
                         what);
    if (!take_line(data, len, &at, &line, &llen) || llen < 7 ||
        memcmp(line, "signed ", 7) != 0 ||
        lpi_time_parse(line + 7, llen - 7, signed_at) < 0)
        return lpi_error(ctx, LP_EFORMAT, "%s:2: expected 'signed "
                         "YYYY-MM-DDThh:mm:ssZ'", what);
    if (at != len)
        return lpi_error(ctx, LP_EFORMAT, "%s:3: text after the 'signed' "
                         "line", what);
    return 0;
}

static int read_trust_state(lp_state *st, int dfd)
{
    char buf[LPI_STATE_MAX_BYTES + 1];
    lpi_buf what;
    size_t n = 0;
    int rc;

    lpi_buf_init(&what, 8192);
    rc = read_state_file(st, dfd, TRUST_STATE_NAME, &what, buf, &n);
    if (rc == 0)
        rc = lpi_trust_state_parse(st->ctx, buf, n, what.data,
                                   &st->trust_time);
    if (rc == 0 && st->trust_time > st->newest)
        st->newest = st->trust_time;
    lpi_buf_dispose(&what, st->ctx);
    return rc;
}

int64_t lpi_state_trust_time(const lp_state *st)
{
    return st ? st->trust_time : -1;
}

/* Write DIR/_trust.state with signed_at, whatever it held */
static int write_trust_state(lp_state *st, int64_t signed_at)
{
    char t[LPI_TIME_BYTES];
    lpi_buf path, text;
    int rc;

    if (lpi_time_format(t, signed_at) < 0)
        return lpi_error(st->ctx, LP_EINVAL, "signing time out of range");
    lpi_buf_init(&path, 8192);
    lpi_buf_init(&text, LPI_STATE_MAX_BYTES);
    rc = lpi_buf_printf(&path, st->ctx, "%s/" TRUST_STATE_NAME, st->dir);
    if (rc == 0)
        rc = lpi_buf_printf(&text, st->ctx, TRUST_STATE_MAGIC "\nsigned "
                            "%s\n", t);
    if (rc == 0)
        rc = lpi_write_file_atomic(st->ctx, path.data, text.data, text.len,
                                   0644, true);
    if (rc == 0) {
        st->trust_time = signed_at;
        if (signed_at > st->newest)
            st->newest = signed_at;
    }
    lpi_buf_dispose(&path, st->ctx);
    lpi_buf_dispose(&text, st->ctx);
    return rc;
}

int lpi_state_record_trust(lp_state *st, int64_t signed_at)
{
    if (signed_at <= st->trust_time)
        return 0;   /* only ever raised */
    return write_trust_state(st, signed_at);
}

static srec *find(const lp_state *st, const char *id)
{
    for (size_t i = 0; i < st->n; i++)
        if (strcmp(st->recs[i].id, id) == 0)
            return &st->recs[i];
    return NULL;
}

/* The id a directory entry is the state of, or NULL if it is none */
static bool state_name(lp_ctx *ctx, const char *name, char *id)
{
    size_t len = strlen(name), slen = strlen(STATE_SUFFIX);
    bool ok;

    if (len <= slen || strcmp(name + len - slen, STATE_SUFFIX) != 0 ||
        len - slen > LP_MAX_ID_BYTES)
        return false;
    /* ids are safe file names ([A-Za-z0-9._-], no leading '.'): check */
    ok = lpi_check_id(ctx, name, len - slen) == 0;
    ctx->code = 0;
    ctx->msg[0] = '\0';
    if (ok) {
        memcpy(id, name, len - slen);
        id[len - slen] = '\0';
    }
    return ok;
}

int lp_state_open(lp_state **out, lp_ctx *ctx, const char *dir)
{
    lp_state *st;
    DIR *d = NULL;
    struct dirent *de;
    int rc = 0;

    LP_ASSERT_ARG(out && ctx && dir && dir[0]);
    *out = NULL;
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return lpi_error(ctx, LP_EIO, "cannot create the state folder "
                         "'%s': %s", dir, strerror(errno));
    st = lpi_calloc(ctx, 1, sizeof(*st));
    if (!st)
        return LP_ENOMEM;
    st->ctx = ctx;
    st->newest = -1;
    st->trust_time = -1;
    st->dir = lpi_strdup(ctx, dir);
    if (!st->dir) {
        rc = LP_ENOMEM;
        goto done;
    }
    d = opendir(dir);
    if (!d) {
        rc = lpi_error(ctx, LP_EIO, "cannot read the state folder '%s': %s",
                       dir, strerror(errno));
        goto done;
    }
    while (rc == 0) {
        char id[LP_MAX_ID_BYTES + 1];
        srec r;

        errno = 0;
        de = readdir(d);
        if (!de) {
            if (errno)
                rc = lpi_error(ctx, LP_EIO, "cannot read the state folder "
                               "'%s': %s", dir, strerror(errno));
            break;
        }
        if (strcmp(de->d_name, TRUST_STATE_NAME) == 0) {
            rc = read_trust_state(st, dirfd(d));
            continue;
        }
        if (!state_name(ctx, de->d_name, id))
            continue;   /* temporary files, anything else */
        if (st->n >= LP_STATE_MAX_IDS) {
            rc = lpi_error(ctx, LP_ETOOBIG, "state folder '%s': more than "
                           "%u package ids", dir, LP_STATE_MAX_IDS);
            break;
        }
        rc = read_one(st, dirfd(d), de->d_name, id, &r);
        if (rc == 0)
            rc = lpi_grow(ctx, (void **)&st->recs, &st->cap, st->n + 1,
                          sizeof(*st->recs));
        if (rc == 0) {
            st->recs[st->n++] = r;
            if (r.signed_at > st->newest)
                st->newest = r.signed_at;
        }
    }
done:
    if (d)
        closedir(d);
    if (rc < 0) {
        lp_state_free(st);
        return rc;
    }
    *out = st;
    return 0;
}

void lp_state_free(lp_state *st)
{
    if (!st)
        return;
    lpi_free(st->ctx, st->recs);
    lpi_free(st->ctx, st->dir);
    lpi_free(st->ctx, st);
}

const char *lpi_state_dir(const lp_state *st)
{
    return st->dir;
}

int64_t lp_state_newest(const lp_state *st)
{
    return st ? st->newest : -1;
}

int lp_state_get(const lp_state *st, const char *id, uint64_t *version,
                 int64_t *signed_at)
{
    const srec *r;

    LP_ASSERT_ARG(st && id);
    r = find(st, id);
    if (version)
        *version = r ? r->version : 0;
    if (signed_at)
        *signed_at = r ? r->signed_at : -1;
    return r ? 0 : LP_ENOTFOUND;
}

int lp_state_check(const lp_state *st, const lp_package *pkg)
{
    const srec *r;

    LP_ASSERT_ARG(st && pkg);
    r = find(st, pkg->m.id);
    if (r && pkg->m.version < r->version)
        return lpi_error(pkg->ctx, LP_EUNTRUSTED, "rollback: version %llu "
                         "of '%s' is older than version %llu, accepted "
                         "before (a rollback ships as a new, higher "
                         "version)", (unsigned long long)pkg->m.version,
                         pkg->m.id, (unsigned long long)r->version);
    return 0;
}

/* Another verifier may have recorded this id since lp_state_open():
 * read its file again, under the folder's lock */
static int refresh(lp_state *st, int dfd, const char *id)
{
    char name[LP_MAX_ID_BYTES + sizeof(STATE_SUFFIX)];
    srec r, *old;
    int rc;

    snprintf(name, sizeof(name), "%s" STATE_SUFFIX, id);
    if (faccessat(dfd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
        return 0;
    rc = read_one(st, dfd, name, id, &r);
    if (rc < 0)
        return rc;
    old = find(st, id);
    if (!old) {
        rc = lpi_grow(st->ctx, (void **)&st->recs, &st->cap, st->n + 1,
                      sizeof(*st->recs));
        if (rc < 0)
            return rc;
        old = &st->recs[st->n++];
    }
    *old = r;
    if (r.signed_at > st->newest)
        st->newest = r.signed_at;
    return 0;
}

static int record_locked(lp_state *st, const lp_package *pkg,
                         int64_t signed_at)
{
    lp_ctx *ctx = st->ctx;
    srec r, *old;
    lpi_buf path, text;
    int rc;

    rc = lp_state_check(st, pkg);
    if (rc < 0)
        return rc;
    old = find(st, pkg->m.id);
    memset(&r, 0, sizeof(r));
    memcpy(r.id, pkg->m.id, strlen(pkg->m.id) + 1);
    r.version = pkg->m.version;
    r.signed_at = signed_at;
    if (old && old->signed_at > r.signed_at)
        r.signed_at = old->signed_at;   /* only ever raised */
    if (old && old->version == r.version && old->signed_at == r.signed_at)
        return 0;
    if (!old && st->n >= LP_STATE_MAX_IDS)
        return lpi_error(ctx, LP_ETOOBIG, "state folder '%s': more than %u "
                         "package ids", st->dir, LP_STATE_MAX_IDS);
    lpi_buf_init(&path, 8192);
    lpi_buf_init(&text, LPI_STATE_MAX_BYTES);
    rc = state_path(st, &path, r.id);
    if (rc == 0)
        rc = state_text(&text, ctx, &r);
    if (rc == 0 && !old)
        rc = lpi_grow(ctx, (void **)&st->recs, &st->cap, st->n + 1,
                      sizeof(*st->recs));
    if (rc == 0)
        rc = lpi_write_file_atomic(ctx, path.data, text.data, text.len,
                                   0644, true);
    if (rc == 0) {
        if (old)
            *old = r;
        else
            st->recs[st->n++] = r;
        if (r.signed_at > st->newest)
            st->newest = r.signed_at;
    }
    lpi_buf_dispose(&path, ctx);
    lpi_buf_dispose(&text, ctx);
    return rc;
}

/* Lock the state folder (one writer at a time, so two verifiers never
 * lower a record); *dfd gets the folder, closed to unlock */
static int lock_dir(lp_state *st, int *dfd)
{
    int rc;

    *dfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*dfd >= 0 && flock(*dfd, LOCK_EX) == 0)
        return 0;
    rc = lpi_error(st->ctx, LP_EIO, "cannot lock the state folder '%s': %s",
                   st->dir, strerror(errno));
    if (*dfd >= 0)
        close(*dfd);
    *dfd = -1;
    return rc;
}

int lp_state_record(lp_state *st, const lp_package *pkg, int64_t signed_at)
{
    int dfd, rc;

    LP_ASSERT_ARG(st && pkg && signed_at >= -1);
    rc = lock_dir(st, &dfd);
    if (rc < 0)
        return rc;
    rc = refresh(st, dfd, pkg->m.id);
    if (rc == 0)
        rc = record_locked(st, pkg, signed_at);
    close(dfd);     /* and unlock */
    return rc;
}

int lpi_state_reset_clock(lp_state *st, int64_t signed_at)
{
    lp_ctx *ctx = st->ctx;
    lpi_buf path, text;
    int dfd, rc;

    rc = lock_dir(st, &dfd);
    if (rc < 0)
        return rc;
    lpi_buf_init(&path, 8192);
    lpi_buf_init(&text, LPI_STATE_MAX_BYTES);
    for (size_t i = 0; rc == 0 && i < st->n; i++) {
        char id[LP_MAX_ID_BYTES + 1];
        srec *r;

        memcpy(id, st->recs[i].id, sizeof(id));
        rc = refresh(st, dfd, id);
        r = find(st, id);
        if (rc < 0 || !r || r->signed_at <= signed_at)
            continue;
        r->signed_at = signed_at;   /* the version stays: no rollback */
        text.len = 0;
        rc = state_path(st, &path, id);
        if (rc == 0)
            rc = state_text(&text, ctx, r);
        if (rc == 0)
            rc = lpi_write_file_atomic(ctx, path.data, text.data, text.len,
                                       0644, true);
    }
    if (rc == 0)
        rc = write_trust_state(st, signed_at);
    if (rc == 0) {
        st->newest = st->trust_time;
        for (size_t i = 0; i < st->n; i++)
            if (st->recs[i].signed_at > st->newest)
                st->newest = st->recs[i].signed_at;
    }
    lpi_buf_dispose(&path, ctx);
    lpi_buf_dispose(&text, ctx);
    close(dfd);     /* and unlock */
    return rc;
}

/* ------------------------------------------------------------ expiry */

int64_t lp_package_expires(const lp_package *pkg)
{
    return pkg->m.has_expires ? pkg->m.expires : -1;
}

int lp_package_check_expiry(lp_package *pkg, int64_t now, int64_t floor_time)
{
    char t1[LPI_TIME_BYTES] = "?", t2[LPI_TIME_BYTES] = "?";

    LP_ASSERT_ARG(pkg);
    if (!pkg->m.has_expires)
        return 0;
    if (now < 0)
        now = (int64_t)time(NULL);
    /* a hub's clock may read 1970: never earlier than what we trust */
    if (floor_time > now)
        now = floor_time;
    if (now <= pkg->m.expires)
        return 0;
    /* either stays "?" if out of range */
    lpi_time_format(t1, pkg->m.expires);
    lpi_time_format(t2, now);
    return lpi_error(pkg->ctx, LP_EUNTRUSTED, "package expired at %s (it "
                     "is %s)", t1, t2);
}

int lp_time_parse(const char *s, int64_t *out)
{
    char full[LPI_TIME_BYTES];
    size_t len;

    LP_ASSERT_ARG(s && out);
    len = strlen(s);
    if (len == 10) {
        memcpy(full, s, 10);
        memcpy(full + 10, "T00:00:00Z", 11);
        s = full;
        len = LPI_TIME_BYTES - 1;
    }
    return lpi_time_parse(s, len, out) < 0 ? LP_EINVAL : 0;
}
