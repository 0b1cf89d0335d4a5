/*
 * trust.c - trust files (lp-trust(5)) and the policy that applies one to
 * a package's signatures.
 *
 * The file is parsed strictly, line by line, with the line number in every
 * message: an operator edits it by hand and a hub must never guess what a
 * broken one meant.
 */
#include "lpi_sign.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TRUST_MAGIC "lp-trust 1"

typedef struct tkey {
    lp_key *key;
    char *holder;
    int64_t from, until;        /* INT64_MIN / INT64_MAX when open */
    bool revoked;
} tkey;

typedef struct trevoked {
    unsigned char id[LP_KEYID_BYTES];
    char hex[LP_KEYID_HEX_BYTES + 1];
} trevoked;

struct lp_trust {
    lp_ctx *ctx;
    unsigned threshold;
    tkey *keys;
    size_t nkeys, keys_cap;
    trevoked *revoked;
    size_t nrevoked, revoked_cap;
    bool reset_clock;       /* lp-trust(5), CLOCK */
};

unsigned lp_trust_threshold(const lp_trust *t) { return t->threshold; }

void lp_trust_free(lp_trust *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nkeys; i++) {
        lp_key_free(t->keys[i].key);
        lpi_free(t->ctx, t->keys[i].holder);
    }
    lpi_free(t->ctx, t->keys);
    lpi_free(t->ctx, t->revoked);
    lpi_free(t->ctx, t);
}

/* The next space-separated field of line[*at..len) */
static bool field(const char *line, size_t len, size_t *at, const char **f,
                  size_t *flen)
{
    const char *sp;

    if (*at >= len)
        return false;
    *f = line + *at;
    sp = memchr(*f, ' ', len - *at);
    *flen = sp ? (size_t)(sp - *f) : len - *at;
    *at += *flen + (sp ? 1 : 0);
    return *flen > 0;
}

static int parse_time_field(const char *f, size_t n, int64_t open,
                            int64_t *out)
{
    if (n == 1 && f[0] == '-') {
        *out = open;
        return 0;
    }
    return lpi_time_parse(f, n, out);
}

/* Where a message about a trust file points: "FILE:LINE:COLUMN" (the
 * column of field f, counted in bytes from 1) */
typedef struct tpos {
    lp_ctx *ctx;
    const char *what;
    unsigned line;
    const char *start;      /* the line's first byte */
} tpos;

static unsigned col(const tpos *p, const char *f)
{
    return (unsigned)(f - p->start) + 1;
}

#define TERR(p, code, f, fmt, ...) \
    lpi_error((p)->ctx, code, "%s:%u:%u: " fmt, (p)->what, (p)->line, \
              col(p, f), __VA_ARGS__)

static int parse_threshold(lp_trust *t, const tpos *p, const char *line,
                           size_t len, size_t at, bool *threshold_seen)
{
    const char *f = line + at;
    uint64_t v = 0;
    size_t n;
    bool ok;

    if (*threshold_seen)
        return TERR(p, LP_EFORMAT, line, "'threshold' given twice%s", "");
    ok = field(line, len, &at, &f, &n) && at == len && n <= 3 &&
         f[0] >= '1' && f[0] <= '9';
    for (size_t i = 0; ok && i < n; i++) {
        ok = f[i] >= '0' && f[i] <= '9';
        v = v * 10 + (uint64_t)(f[i] - '0');
    }
    if (!ok || v > LP_TRUST_MAX_KEYS)
        return TERR(p, LP_EFORMAT, f, "threshold must be a number from 1 "
                    "to %u", LP_TRUST_MAX_KEYS);
    t->threshold = (unsigned)v;
    *threshold_seen = true;
    return 0;
}

static int parse_key(lp_trust *t, const tpos *p, const char *line,
                     size_t len, size_t at)
{
    lp_ctx *ctx = t->ctx;
    tkey k = { NULL, NULL, INT64_MIN, INT64_MAX, false };
    const char *f = line + at, *from;
    size_t n;
    int rc;

    if (t->nkeys >= LP_TRUST_MAX_KEYS)
        return TERR(p, LP_ETOOBIG, line, "more than %u keys",
                    LP_TRUST_MAX_KEYS);
    if (!field(line, len, &at, &f, &n))
        return TERR(p, LP_EFORMAT, f, "'key' needs a public key, a start, "
                    "an end and a holder%s", "");
    rc = lpi_key_from_b64(&k.key, ctx, f, n, "public key");
    if (rc < 0)
        return lpi_error_prefix(ctx, "%s:%u:%u", p->what, p->line,
                                col(p, f));
    from = line + at;
    if (!field(line, len, &at, &f, &n) ||
        parse_time_field(f, n, INT64_MIN, &k.from) < 0)
        rc = TERR(p, LP_EFORMAT, f, "bad start of validity "
                  "(YYYY-MM-DDThh:mm:ssZ or '-')%s", "");
    else if (!field(line, len, &at, &f, &n) ||
             parse_time_field(f, n, INT64_MAX, &k.until) < 0)
        rc = TERR(p, LP_EFORMAT, f, "bad end of validity "
                  "(YYYY-MM-DDThh:mm:ssZ or '-')%s", "");
    else if (k.from >= k.until)
        rc = TERR(p, LP_EFORMAT, from, "validity ends before it starts%s",
                  "");
    else if (at >= len)
        rc = TERR(p, LP_EFORMAT, line + len, "the key's holder is "
                  "missing%s", "");
    else if (len - at > LP_TRUST_MAX_HOLDER_BYTES)
        rc = TERR(p, LP_ETOOBIG, line + at, "holder longer than %u bytes",
                  LP_TRUST_MAX_HOLDER_BYTES);
    for (size_t i = 0; rc == 0 && i < t->nkeys; i++)
        if (memcmp(t->keys[i].key->id, k.key->id, LP_KEYID_BYTES) == 0)
            rc = TERR(p, LP_EFORMAT, line + 4, "key %s is listed twice",
                      k.key->id_hex);
    if (rc == 0) {
        k.holder = lpi_malloc(ctx, len - at + 1);
        if (!k.holder)
            rc = LP_ENOMEM;
        else {
            memcpy(k.holder, line + at, len - at);
            k.holder[len - at] = '\0';
        }
    }
    if (rc == 0)
        rc = lpi_grow(ctx, (void **)&t->keys, &t->keys_cap, t->nkeys + 1,
                      sizeof(*t->keys));
    if (rc < 0) {
        lp_key_free(k.key);
        lpi_free(ctx, k.holder);
        return rc;
    }
    t->keys[t->nkeys++] = k;
    return 0;
}

static int parse_revoked(lp_trust *t, const tpos *p, const char *line,
                         size_t len, size_t at)
{
    const char *f = line + at;
    trevoked r;
    size_t n;
    int rc;

    if (t->nrevoked >= LP_TRUST_MAX_REVOKED)
        return TERR(p, LP_ETOOBIG, line, "more than %u revoked keys",
                    LP_TRUST_MAX_REVOKED);
    if (!field(line, len, &at, &f, &n) || lpi_keyid_unhex(r.id, f, n) < 0)
        return TERR(p, LP_EFORMAT, f, "'revoked' needs a key id of 16 hex "
                    "digits%s", "");
    for (size_t i = 0; i < t->nrevoked; i++)
        if (memcmp(t->revoked[i].id, r.id, LP_KEYID_BYTES) == 0)
            return TERR(p, LP_EFORMAT, f, "key %.*s is revoked twice",
                        (int)n, f);
    rc = lpi_grow(t->ctx, (void **)&t->revoked, &t->revoked_cap,
                  t->nrevoked + 1, sizeof(*t->revoked));
    if (rc < 0)
        return rc;
    lpi_keyid_hex(r.hex, r.id);
    t->revoked[t->nrevoked++] = r;
    return 0;
}

static int parse_line(lp_trust *t, const tpos *p, const char *line,
                      size_t len, bool *threshold_seen)
{
    const char *f = line;
    size_t n, at = 0;

    if (!field(line, len, &at, &f, &n))
        return TERR(p, LP_EFORMAT, line, "empty field (fields are "
                    "separated by one space)%s", "");
    if (n == 9 && memcmp(f, "threshold", 9) == 0)
        return parse_threshold(t, p, line, len, at, threshold_seen);
    if (n == 3 && memcmp(f, "key", 3) == 0)
        return parse_key(t, p, line, len, at);
    if (n == 7 && memcmp(f, "revoked", 7) == 0)
        return parse_revoked(t, p, line, len, at);
    if (n == 11 && memcmp(f, "reset-clock", 11) == 0) {
        if (at != len)
            return TERR(p, LP_EFORMAT, line + at, "'reset-clock' takes "
                        "nothing after it%s", "");
        if (t->reset_clock)
            return TERR(p, LP_EFORMAT, line, "'reset-clock' given "
                        "twice%s", "");
        t->reset_clock = true;
        return 0;
    }
    return TERR(p, LP_EFORMAT, line, "unknown directive '%.*s' (expected "
                "'threshold', 'key', 'revoked' or 'reset-clock')",
                (int)(n > 32 ? 32 : n), f);
}

/* Offset of the first byte of line that is a control character (TAB
 * included) or starts invalid UTF-8; len if none */
static size_t first_bad_char(const char *line, size_t len)
{
    size_t i = 0;

    while (i < len) {
        unsigned char b = (unsigned char)line[i];
        size_t n = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;

        if (n > len - i || b == '\t' || !lpi_comment_ok(line + i, n))
            return i;
        i += n;
    }
    return i;
}

static int trust_parse(lp_trust **out, lp_ctx *ctx, const void *data,
                       size_t len, const char *what, bool draft)
{
    const char *text = data;
    lp_trust *t;
    bool magic = false, threshold_seen = false;
    unsigned lineno = 0;
    size_t at = 0, usable = 0;
    int rc = 0;

    LP_ASSERT_ARG(out && ctx && (data || len == 0) && what);
    *out = NULL;
    if (len > LP_TRUST_MAX_BYTES)
        return lpi_error(ctx, LP_ETOOBIG, "%s: larger than %u bytes", what,
                         LP_TRUST_MAX_BYTES);
    if (len == 0 || text[len - 1] != '\n')
        return lpi_error(ctx, LP_EFORMAT, "%s: empty, or the last line "
                         "does not end with a newline", what);
    t = lpi_calloc(ctx, 1, sizeof(*t));
    if (!t)
        return LP_ENOMEM;
    t->ctx = ctx;
    while (at < len && rc == 0) {
        const char *line = text + at;
        const char *nl = memchr(line, '\n', len - at);
        size_t llen = (size_t)(nl - line);

        at += llen + 1;
        lineno++;
        tpos pos = { ctx, what, lineno, line };
        size_t bad;

        if (llen > LP_TRUST_MAX_LINE_BYTES) {
            rc = TERR(&pos, LP_ETOOBIG, line + LP_TRUST_MAX_LINE_BYTES,
                      "line longer than %u bytes", LP_TRUST_MAX_LINE_BYTES);
            break;
        }
        bad = first_bad_char(line, llen);
        if (bad < llen) {
            rc = TERR(&pos, LP_EFORMAT, line + bad, "control character or "
                      "invalid UTF-8%s", "");
            break;
        }
        if (llen == 0 || line[0] == '#')
            continue;
        if (line[llen - 1] == ' ') {
            rc = TERR(&pos, LP_EFORMAT, line + llen - 1, "space at the end "
                      "of the line%s", "");
            break;
        }
        if (!magic) {
            if (llen != strlen(TRUST_MAGIC) ||
                memcmp(line, TRUST_MAGIC, llen) != 0) {
                rc = TERR(&pos, LP_EFORMAT, line, "not a trust file (the "
                          "first line must be '" TRUST_MAGIC "')%s", "");
                break;
            }
            magic = true;
            continue;
        }
        rc = parse_line(t, &pos, line, llen, &threshold_seen);
    }
    if (rc == 0 && !magic)
        rc = lpi_error(ctx, LP_EFORMAT, "%s: not a trust file (no '"
                       TRUST_MAGIC "' line)", what);
    if (rc == 0 && !threshold_seen)
        rc = lpi_error(ctx, LP_EFORMAT, "%s: no 'threshold' line", what);
    for (size_t i = 0; rc == 0 && i < t->nkeys; i++) {
        for (size_t r = 0; r < t->nrevoked; r++)
            if (memcmp(t->keys[i].key->id, t->revoked[r].id,
                       LP_KEYID_BYTES) == 0)
                t->keys[i].revoked = true;
        usable += !t->keys[i].revoked;
    }
    if (rc == 0 && !draft && usable < t->threshold)
        rc = lpi_error(ctx, LP_EFORMAT, "%s: threshold %u cannot be met: "
                       "%zu key%s not revoked", what, t->threshold, usable,
                       usable == 1 ? " is" : "s are");
    if (rc < 0) {
        lp_trust_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int lp_trust_parse(lp_trust **out, lp_ctx *ctx, const void *data,
                   size_t len, const char *what)
{
    return trust_parse(out, ctx, data, len, what, false);
}

static int trust_load(lp_trust **out, lp_ctx *ctx, const char *path,
                      bool draft)
{
    char *buf = NULL;
    size_t len = 0;
    lpi_buf what;
    int rc;

    LP_ASSERT_ARG(out && ctx && path);
    *out = NULL;
    rc = lpi_read_secret_file(ctx, path, LP_TRUST_MAX_BYTES, &buf, &len);
    if (rc < 0)
        return rc;
    lpi_buf_init(&what, 4096 + LP_MAX_PATH_BYTES);
    rc = lpi_buf_printf(&what, ctx, "%s", path);
    if (rc == 0)
        rc = trust_parse(out, ctx, buf, len, what.data, draft);
    lpi_buf_dispose(&what, ctx);
    sodium_free(buf);
    return rc;
}

int lp_trust_load(lp_trust **out, lp_ctx *ctx, const char *path)
{
    return trust_load(out, ctx, path, false);
}

int lp_trust_load_draft(lp_trust **out, lp_ctx *ctx, const char *path)
{
    return trust_load(out, ctx, path, true);
}

/* ------------------------------------------------------------ reading */

size_t lp_trust_key_count(const lp_trust *t) { return t->nkeys; }

int lp_trust_key(const lp_trust *t, size_t i, lp_trust_key_info *out)
{
    const tkey *k;

    LP_ASSERT_ARG(t && out);
    if (i >= t->nkeys)
        return LP_ENOTFOUND;
    k = &t->keys[i];
    out->key_id = k->key->id_hex;
    out->base64 = k->key->b64;
    out->holder = k->holder;
    out->from = k->from == INT64_MIN ? -1 : k->from;
    out->until = k->until == INT64_MAX ? -1 : k->until;
    out->revoked = k->revoked;
    return 0;
}

const char *lp_trust_holder(const lp_trust *t, const char *key_id)
{
    unsigned char id[LP_KEYID_BYTES];

    if (!t || !key_id || lpi_keyid_unhex(id, key_id, strlen(key_id)) < 0)
        return NULL;
    for (size_t i = 0; i < t->nkeys; i++)
        if (memcmp(t->keys[i].key->id, id, LP_KEYID_BYTES) == 0)
            return t->keys[i].holder;
    return NULL;
}

size_t lp_trust_revoked_count(const lp_trust *t) { return t->nrevoked; }

const char *lp_trust_revoked_id(const lp_trust *t, size_t i)
{
    return t && i < t->nrevoked ? t->revoked[i].hex : NULL;
}

int lp_trust_resets_clock(const lp_trust *t) { return t->reset_clock; }

/* ------------------------------------------------------------ writing */

int lp_trust_file_init(lp_ctx *ctx, const char *path, unsigned threshold,
                       unsigned flags)
{
    char text[64];
    int n;

    LP_ASSERT_ARG(ctx && path);
    if (threshold < 1 || threshold > LP_TRUST_MAX_KEYS)
        return lpi_error(ctx, LP_EINVAL, "threshold must be a number from 1 "
                         "to %u", LP_TRUST_MAX_KEYS);
    n = snprintf(text, sizeof(text), TRUST_MAGIC "\nthreshold %u\n",
                 threshold);
    return lpi_write_file_atomic(ctx, path, text, (size_t)n, 0644,
                                 (flags & LP_KEY_REPLACE) != 0);
}

/* The file at path, read as a draft trust file, with line (text and a
 * newline) added; written back atomically and read again */
static int trust_append(lp_ctx *ctx, const char *path, const char *line)
{
    lp_trust *t = NULL;
    char *buf = NULL;
    size_t len = 0;
    lpi_buf text;
    struct stat sb;
    int rc;

    lpi_buf_init(&text, LP_TRUST_MAX_BYTES);
    rc = lpi_read_secret_file(ctx, path, LP_TRUST_MAX_BYTES, &buf, &len);
    if (rc == 0)
        rc = trust_parse(&t, ctx, buf, len, path, true);
    if (rc == 0)
        rc = lpi_buf_add(&text, ctx, buf, len);
    if (rc == 0)
        rc = lpi_buf_printf(&text, ctx, "%s\n", line);
    if (rc == LP_ETOOBIG)
        rc = lpi_error(ctx, LP_ETOOBIG, "'%s' would be larger than %u "
                       "bytes", path, LP_TRUST_MAX_BYTES);
    lp_trust_free(t);
    t = NULL;
    /* what is written must read back */
    if (rc == 0)
        rc = trust_parse(&t, ctx, text.data, text.len, path, true);
    if (rc == 0) {
        unsigned mode = stat(path, &sb) == 0 ? sb.st_mode & 0777 : 0644;
        rc = lpi_write_file_atomic(ctx, path, text.data, text.len, mode,
                                   true);
    }
    lp_trust_free(t);
    if (buf)
        sodium_free(buf);
    lpi_buf_dispose(&text, ctx);
    return rc;
}

/* Free text for a trust file line: 1 to max bytes of UTF-8, no control
 * character, no space at either end */
static int text_ok(lp_ctx *ctx, const char *s, unsigned max,
                   const char *what)
{
    size_t n = strlen(s);

    if (n == 0 || n > max || s[0] == ' ' || s[n - 1] == ' ' ||
        first_bad_char(s, n) < n)
        return lpi_error(ctx, LP_EINVAL, "%s must be 1 to %u bytes of "
                         "UTF-8 text without control characters, not "
                         "starting or ending with a space", what, max);
    return 0;
}

int lp_trust_file_add_key(lp_ctx *ctx, const char *path, const lp_key *key,
                          const char *holder, int64_t from, int64_t until)
{
    char f[LPI_TIME_BYTES] = "-", u[LPI_TIME_BYTES] = "-";
    lp_trust *t = NULL;
    lpi_buf line;
    int rc;

    LP_ASSERT_ARG(ctx && path && key && holder);
    rc = text_ok(ctx, holder, LP_TRUST_MAX_HOLDER_BYTES, "the holder");
    if (rc < 0)
        return rc;
    if ((from >= 0 && lpi_time_format(f, from) < 0) ||
        (until >= 0 && lpi_time_format(u, until) < 0))
        return lpi_error(ctx, LP_EINVAL, "validity out of range");
    if (from >= 0 && until >= 0 && until <= from)
        return lpi_error(ctx, LP_EINVAL, "validity ends (%s) before it "
                         "starts (%s)", u, f);
    rc = trust_load(&t, ctx, path, true);
    if (rc == 0 && lp_trust_holder(t, key->id_hex))
        rc = lpi_error(ctx, LP_EEXIST, "%s: key %s is listed already (%s)",
                       path, key->id_hex, lp_trust_holder(t, key->id_hex));
    lp_trust_free(t);
    if (rc < 0)
        return rc;
    lpi_buf_init(&line, LP_TRUST_MAX_LINE_BYTES);
    rc = lpi_buf_printf(&line, ctx, "key %s %s %s %s", key->b64, f, u,
                        holder);
    if (rc == 0)
        rc = trust_append(ctx, path, line.data);
    lpi_buf_dispose(&line, ctx);
    return rc;
}

int lp_trust_file_revoke(lp_ctx *ctx, const char *path, const char *key_id,
                         const char *reason)
{
    unsigned char id[LP_KEYID_BYTES];
    char hex[LP_KEYID_HEX_BYTES + 1];
    lp_trust *t = NULL;
    lpi_buf line;
    int rc;

    LP_ASSERT_ARG(ctx && path && key_id);
    if (lpi_keyid_unhex(id, key_id, strlen(key_id)) < 0)
        return lpi_error(ctx, LP_EINVAL, "'%s' is not a key id (16 hex "
                         "digits, as lpack keygen prints)", key_id);
    if (reason) {
        rc = text_ok(ctx, reason, LP_TRUST_MAX_HOLDER_BYTES, "the reason");
        if (rc < 0)
            return rc;
    }
    lpi_keyid_hex(hex, id);
    rc = trust_load(&t, ctx, path, true);
    for (size_t i = 0; rc == 0 && i < t->nrevoked; i++)
        if (strcmp(t->revoked[i].hex, hex) == 0)
            rc = lpi_error(ctx, LP_EEXIST, "%s: key %s is revoked already",
                           path, hex);
    lp_trust_free(t);
    if (rc < 0)
        return rc;
    lpi_buf_init(&line, LP_TRUST_MAX_LINE_BYTES);
    rc = lpi_buf_printf(&line, ctx, "revoked %s%s%s", hex,
                        reason ? " " : "", reason ? reason : "");
    if (rc == 0)
        rc = trust_append(ctx, path, line.data);
    lpi_buf_dispose(&line, ctx);
    return rc;
}

/* ------------------------------------------------------------ policy */

typedef struct checker {
    lp_ctx *ctx;
    const lp_trust *t;
    const lp_trust_opts *o;
    int64_t now;
    /* latest time a signature may advance the clock to (lp-trust(5),
     * CLOCK): a signing time past it counts only up to it */
    int64_t horizon;
    bool *counted;          /* per trust key */
    unsigned signers;
    int64_t newest;
    lpi_buf msg;
    /* the first failure that says nothing about a signature (out of
     * memory, a read error): the verdict is that, not a refusal */
    int fatal;
    char fatal_msg[sizeof(((lp_ctx *)0)->msg)];
    /* what the signatures sign: a package's manifest, or a file (a trust
     * file, an index) signed for a purpose */
    lp_package *p;
    const char *purpose;
    const void *data;
    size_t len;
} checker;

static void report(checker *c, const char *entry, const char *key_id,
                   const char *holder, int code, int64_t time,
                   const char *message)
{
    lp_sig_report r;

    if ((code == LP_ENOMEM || code == LP_EIO) && !c->fatal) {
        c->fatal = code;
        snprintf(c->fatal_msg, sizeof(c->fatal_msg), "%s", message);
    }
    if (!c->o->report)
        return;
    r.entry = entry;
    r.key_id = key_id;
    r.holder = holder;
    r.code = code;
    r.message = message;
    r.time = time;
    c->o->report(&r, c->o->user);
}

/* The failure in the context, as a report */
static void report_ctx(checker *c, const char *entry, const char *key_id,
                       const char *holder, int code)
{
    report(c, entry, key_id, holder, code, -1, c->ctx->msg);
}

/* One parsed signature: is its key trusted, does it verify, does it
 * count?  Reports the answer. */
static void judge(checker *c, const char *entry, const lp_sig *sig)
{
    lp_ctx *ctx = c->ctx;
    const tkey *k = NULL;
    size_t ki = 0;
    int64_t when = -1;
    const char *comment = NULL;     /* into sig->trusted */
    char t1[LPI_TIME_BYTES], t2[LPI_TIME_BYTES];
    int rc;

    for (ki = 0; ki < c->t->nkeys; ki++)
        if (memcmp(c->t->keys[ki].key->id, sig->id, LP_KEYID_BYTES) == 0) {
            k = &c->t->keys[ki];
            break;
        }
    if (!k) {
        bool revoked = false;
        for (size_t r = 0; r < c->t->nrevoked; r++)
            revoked |= memcmp(c->t->revoked[r].id, sig->id,
                              LP_KEYID_BYTES) == 0;
        report(c, entry, sig->id_hex, NULL, LP_EUNTRUSTED, -1, revoked
               ? "key is revoked" : "key is not in the trust file");
        return;
    }
    if (k->revoked) {
        report(c, entry, sig->id_hex, k->holder, LP_EUNTRUSTED, -1,
               "key is revoked");
        return;
    }
    if (c->p) {
        lpi_sigcomment sc;
        rc = lpi_sig_verify(sig, k->key, c->p->manifest_bytes,
                            c->p->manifest_len, c->p->m.id, c->p->m.version,
                            &sc);
        if (rc == 0) {
            when = sc.time;
            comment = sc.comment;
        }
    } else {
        rc = lpi_detached_verify(sig, k->key, c->purpose, c->data, c->len,
                                 &when);
    }
    if (rc < 0) {
        report_ctx(c, entry, sig->id_hex, k->holder, rc);
        return;
    }
    lpi_time_format(t1, when);
    c->msg.len = 0;
    if (when < k->from || when > k->until) {
        lpi_time_format(t2, when < k->from ? k->from : k->until);
        lpi_buf_printf(&c->msg, ctx, "signed at %s, %s the key's validity "
                       "%s %s", t1, when < k->from ? "before" : "after",
                       when < k->from ? "starts" : "ended", t2);
        report(c, entry, sig->id_hex, k->holder, LP_EUNTRUSTED, when,
               c->msg.data ? c->msg.data : "outside the key's validity");
        return;
    }
    if (c->now > k->until) {
        lpi_time_format(t2, k->until);
        lpi_buf_printf(&c->msg, ctx, "key expired at %s", t2);
        report(c, entry, sig->id_hex, k->holder, LP_EUNTRUSTED, when,
               c->msg.data ? c->msg.data : "key expired");
        return;
    }
    if (c->counted[ki]) {
        report(c, entry, sig->id_hex, k->holder, LP_EUNTRUSTED, when,
               "this key was counted already");
        return;
    }
    c->counted[ki] = true;
    c->signers++;
    if (when > c->horizon) {
        /* a signer's clock ran ahead, or minisign -t said 2062: the
         * signature stands, its time must not brick the verifier */
        lpi_time_format(t2, c->horizon);
        lpi_buf_printf(&c->msg, ctx, "good signature, made %s: ahead of "
                       "the clock, taken as %s for the clock", t1, t2);
        if (c->horizon > c->newest)
            c->newest = c->horizon;
        report(c, entry, sig->id_hex, k->holder, 0, when,
               c->msg.data ? c->msg.data : "good signature");
        return;
    }
    if (when > c->newest)
        c->newest = when;
    lpi_buf_printf(&c->msg, ctx, "good signature, made %s%s%s", t1,
                   comment ? ", comment: " : "", comment ? comment : "");
    report(c, entry, sig->id_hex, k->holder, 0, when,
           c->msg.data ? c->msg.data : "good signature");
}

static void check_one(checker *c, size_t i)
{
    lp_package *p = c->p;
    lp_ctx *ctx = p->ctx;
    const lpi_zentry *e = &p->zip.entries[i];
    const char *base = e->name + strlen(LPI_SIGNATURES_DIR);
    size_t blen = e->name_len - strlen(LPI_SIGNATURES_DIR);
    const size_t slen = strlen(LPI_SIG_SUFFIX);
    unsigned char id[LP_KEYID_BYTES], *data = NULL;
    lp_sig *sig = NULL;
    int rc;

    if (blen != LP_KEYID_HEX_BYTES + slen ||
        strcmp(base + LP_KEYID_HEX_BYTES, LPI_SIG_SUFFIX) != 0 ||
        lpi_keyid_unhex(id, base, LP_KEYID_HEX_BYTES) < 0) {
        report(c, e->name, NULL, NULL, LP_EFORMAT, -1, "not named "
               "signatures/KEYID.minisig: ignored");
        return;
    }
    if (e->size > LP_SIG_MAX_FILE_BYTES) {
        lpi_error(ctx, LP_EFORMAT, "larger than %u bytes",
                  LP_SIG_MAX_FILE_BYTES);
        report_ctx(c, e->name, NULL, NULL, LP_EFORMAT);
        return;
    }
    data = lpi_malloc(ctx, (size_t)e->size + 1);
    if (!data) {
        report_ctx(c, e->name, NULL, NULL, LP_ENOMEM);
        return;
    }
    rc = lpi_zip_entry_ready(&p->zip, ctx, i);
    if (rc == 0)
        rc = lpi_pread_full(ctx, p->fd, data, (size_t)e->size, e->data);
    if (rc == 0 && lpi_crc32(0, data, (size_t)e->size) != e->crc)
        rc = lpi_error(ctx, LP_EFORMAT, "fails its CRC-32 check");
    if (rc == 0)
        rc = lp_sig_parse(&sig, ctx, data, (size_t)e->size, "signature");
    lpi_free(ctx, data);
    if (rc < 0) {
        report_ctx(c, e->name, NULL, NULL, rc);
        return;
    }
    if (memcmp(id, sig->id, LP_KEYID_BYTES) != 0)
        report(c, e->name, sig->id_hex, NULL, LP_EBADSIG, -1, "entry name "
               "and the signature's key id differ");
    else
        judge(c, e->name, sig);
    lp_sig_free(sig);
}

/* The current time is now: signing times advance the clock to at most
 * LP_CLOCK_MAX_STEP past it (or past LP_CLOCK_MIN, for a clock at 1970) */
static void checker_set_now(checker *c, int64_t now)
{
    c->now = now;
    c->horizon = (now > LP_CLOCK_MIN ? now : LP_CLOCK_MIN) +
                 LP_CLOCK_MAX_STEP;
}

static int checker_init(checker *c, lp_ctx *ctx, const lp_trust *t,
                        const lp_trust_opts *opts)
{
    static const lp_trust_opts defaults = LP_TRUST_OPTS_INIT;

    memset(c, 0, sizeof(*c));
    c->ctx = ctx;
    c->t = t;
    c->o = opts ? opts : &defaults;
    if (c->o->version != LP_TRUST_OPTS_VERSION)
        return lpi_error(ctx, LP_EINVAL, "unknown lp_trust_opts version");
    c->now = c->o->now >= 0 ? c->o->now : (int64_t)time(NULL);
    /* a hub's clock may read 1970: never earlier than what we accepted */
    if (c->o->newest_accepted > c->now)
        c->now = c->o->newest_accepted;
    checker_set_now(c, c->now);
    c->newest = -1;
    lpi_buf_init(&c->msg, 1024);
    c->counted = lpi_calloc(ctx, t->nkeys ? t->nkeys : 1, sizeof(bool));
    return c->counted ? 0 : LP_ENOMEM;
}

static int checker_verdict(checker *c, bool any, const char *what,
                           unsigned *signers, int64_t *newest)
{
    int rc;

    if (signers)
        *signers = c->signers;
    if (newest)
        *newest = c->newest;
    if (c->fatal)
        rc = lpi_error(c->ctx, c->fatal, "%s", c->fatal_msg);
    else if (!any)
        rc = lpi_error(c->ctx, LP_EUNTRUSTED, "the %s is not signed", what);
    else if (c->signers < c->t->threshold)
        rc = lpi_error(c->ctx, LP_EUNTRUSTED, "%u of the %u trusted "
                       "signatures needed", c->signers, c->t->threshold);
    else
        rc = 0;
    lpi_free(c->ctx, c->counted);
    lpi_buf_dispose(&c->msg, c->ctx);
    return rc;
}

int lp_package_check_trust(lp_package *p, const lp_trust *t,
                           const lp_trust_opts *opts, unsigned *signers,
                           int64_t *newest)
{
    checker c;
    size_t first;
    int rc;

    LP_ASSERT_ARG(p && t);
    rc = checker_init(&c, p->ctx, t, opts);
    if (rc < 0) {
        lpi_free(p->ctx, c.counted);
        return rc;
    }
    c.p = p;
    first = lpi_first_signature(p);
    for (size_t i = first; i < p->zip.count; i++)
        check_one(&c, i);
    return checker_verdict(&c, first < p->zip.count, "package", signers,
                           newest);
}

/* ------------------------------------------------------------ rotation */

/* The signature blocks of a .minisig file: four lines each */
static bool next_block(const char *data, size_t len, size_t *at,
                       size_t *blen)
{
    size_t i = *at;
    int lines = 0;

    if (i >= len)
        return false;
    while (i < len && lines < 4)
        if (data[i++] == '\n')
            lines++;
    *blen = i - *at;
    return true;
}

/* Judge each signature block of sigs (a .minisig file's text, blocks one
 * after the other) over c->data; the number of blocks */
static unsigned check_blocks(checker *c, const char *sigs, size_t slen)
{
    size_t at = 0, blen;
    unsigned n = 0;

    while (next_block(sigs, slen, &at, &blen)) {
        lp_sig *sig = NULL;
        char what[64];

        snprintf(what, sizeof(what), "signature %u", ++n);
        if (n > LP_TRUST_MAX_KEYS) {
            report(c, what, NULL, NULL, LP_ETOOBIG, -1, "more signatures "
                   "than a trust file has keys: ignored");
            break;
        }
        if (lp_sig_parse(&sig, c->ctx, sigs + at, blen, "signature") < 0)
            report_ctx(c, what, NULL, NULL, c->ctx->code);
        else
            judge(c, what, sig);
        lp_sig_free(sig);
        at += blen;
    }
    return n;
}

int lp_trust_check_detached(lp_ctx *ctx, const lp_trust *t,
                            const char *purpose, const void *data,
                            size_t len, const void *sigs, size_t sigs_len,
                            const lp_trust_opts *opts, unsigned *signers,
                            int64_t *newest)
{
    checker c;
    unsigned n;
    int rc;

    LP_ASSERT_ARG(ctx && t && (data || len == 0) && (sigs || !sigs_len));
    rc = lpi_purpose_check(ctx, purpose);
    if (rc < 0)
        return rc;
    if (sigs_len > LP_TRUST_MAX_SIGS_BYTES)
        return lpi_error(ctx, LP_ETOOBIG, "signatures larger than %u bytes",
                         LP_TRUST_MAX_SIGS_BYTES);
    rc = checker_init(&c, ctx, t, opts);
    if (rc < 0) {
        lpi_free(ctx, c.counted);
        return rc;
    }
    c.purpose = purpose;
    c.data = data;
    c.len = len;
    n = check_blocks(&c, sigs, sigs_len);
    return checker_verdict(&c, n > 0, purpose, signers, newest);
}

/* "PATH.minisig" */
static int sigs_path(lp_ctx *ctx, lpi_buf *b, const char *trust_path)
{
    lpi_buf_init(b, 4096 + LP_MAX_PATH_BYTES);
    return lpi_buf_printf(b, ctx, "%s" LPI_SIG_SUFFIX, trust_path);
}

/* Read a file (plain memory) of at most max bytes; *out NUL-terminated.
 * missing_ok: a missing file gives *out NULL and 0. */
static int read_small(lp_ctx *ctx, const char *path, size_t max,
                      char **out, size_t *len, bool missing_ok)
{
    char *buf = NULL;
    int rc;

    *out = NULL;
    *len = 0;
    if (missing_ok && access(path, F_OK) < 0 && errno == ENOENT)
        return 0;
    rc = lpi_read_secret_file(ctx, path, max, &buf, len);
    if (rc < 0)
        return rc;
    *out = lpi_malloc(ctx, *len + 1);
    if (*out)
        memcpy(*out, buf, *len + 1);
    sodium_free(buf);
    return *out ? 0 : LP_ENOMEM;
}

int lp_trust_sign(lp_ctx *ctx, const char *trust_path, const lp_key *key,
                  int64_t time, const char *comment)
{
    char *data = NULL, *old = NULL;
    size_t len = 0, olen = 0, at = 0, blen;
    lp_trust *t = NULL;
    lp_sig *sig = NULL;
    lpi_buf spath, out;
    int rc;

    LP_ASSERT_ARG(ctx && trust_path && key);
    lpi_buf_init(&out, LP_TRUST_MAX_SIGS_BYTES);
    rc = sigs_path(ctx, &spath, trust_path);
    if (rc == 0)
        rc = read_small(ctx, trust_path, LP_TRUST_MAX_BYTES, &data, &len,
                        false);
    /* never vouch for a file a verifier would refuse */
    if (rc == 0)
        rc = lp_trust_parse(&t, ctx, data, len, trust_path);
    if (rc == 0)
        rc = lp_sig_sign_detached(&sig, ctx, key, "trust", data, len, time,
                                  comment);
    if (rc == 0)
        rc = read_small(ctx, spath.data, LP_TRUST_MAX_SIGS_BYTES, &old,
                        &olen, true);
    /* keep the other signers' blocks; this key's is replaced */
    while (rc == 0 && next_block(old, olen, &at, &blen)) {
        lp_sig *o = NULL;
        char what[64];

        snprintf(what, sizeof(what), "signature at byte %zu", at);
        rc = lp_sig_parse(&o, ctx, old + at, blen, what);
        if (rc < 0) {
            lpi_error_prefix(ctx, "%s", spath.data);
            break;
        }
        if (memcmp(o->id, sig->id, LP_KEYID_BYTES) != 0)
            rc = lpi_buf_add(&out, ctx, o->text, o->text_len);
        lp_sig_free(o);
        at += blen;
    }
    if (rc == 0)
        rc = lpi_buf_add(&out, ctx, sig->text, sig->text_len);
    if (rc == LP_ETOOBIG)
        rc = lpi_error(ctx, LP_ETOOBIG, "'%s' would be larger than %u "
                       "bytes", spath.data, LP_TRUST_MAX_SIGS_BYTES);
    if (rc == 0)
        rc = lpi_write_file_atomic(ctx, spath.data, out.data, out.len, 0644,
                                   true);
    lp_sig_free(sig);
    lp_trust_free(t);
    lpi_free(ctx, data);
    lpi_free(ctx, old);
    lpi_buf_dispose(&spath, ctx);
    lpi_buf_dispose(&out, ctx);
    return rc;
}

int lp_trust_update(lp_ctx *ctx, const char *current_path,
                    const char *new_path, lp_state *state,
                    const lp_trust_opts *opts, unsigned *signers,
                    int64_t *newest)
{
    int64_t when = -1;
    char *data = NULL, *sigs = NULL;
    size_t len = 0, slen = 0;
    unsigned n = 0;
    lp_trust *cur = NULL, *next = NULL;
    lpi_buf spath;
    checker c;
    bool checking = false;
    int rc;

    LP_ASSERT_ARG(ctx && current_path && new_path);
    memset(&c, 0, sizeof(c));
    rc = sigs_path(ctx, &spath, new_path);
    if (rc == 0)
        rc = lp_trust_load(&cur, ctx, current_path);
    if (rc == 0)
        rc = read_small(ctx, new_path, LP_TRUST_MAX_BYTES, &data, &len,
                        false);
    if (rc == 0)
        rc = lp_trust_parse(&next, ctx, data, len, new_path);
    if (rc == 0)
        rc = read_small(ctx, spath.data, LP_TRUST_MAX_SIGS_BYTES, &sigs,
                        &slen, true);
    if (rc == 0) {
        rc = checker_init(&c, ctx, cur, opts);
        checking = true;
        /* the clock is never earlier than a signing time in the state,
         * but for an update that resets those */
        if (!next->reset_clock && lp_state_newest(state) > c.now)
            checker_set_now(&c, lp_state_newest(state));
    }
    if (rc == 0) {
        c.purpose = "trust";
        c.data = data;
        c.len = len;
        n = check_blocks(&c, sigs, slen);
    }
    if (checking) {
        int v = checker_verdict(&c, n > 0, "new trust file", signers,
                                &when);
        if (rc == 0)
            rc = v;
    }
    if (newest)
        *newest = when;
    /* signatures of an older trust file, made by keys still trusted, must
     * not undo a later rotation (a revocation, say) */
    if (rc == 0 && when < lpi_state_trust_time(state)) {
        char t1[LPI_TIME_BYTES] = "?", t2[LPI_TIME_BYTES] = "?";
        lpi_time_format(t1, when);
        lpi_time_format(t2, lpi_state_trust_time(state));
        rc = lpi_error(ctx, LP_EUNTRUSTED, "signed at %s, before the trust "
                       "file accepted last (signed at %s): an old update "
                       "replayed?", t1, t2);
    }
    /* signed by the current keys, and newer than the last update: it may
     * take back signing times a wrong clock put in the state (once) */
    if (rc == 0 && state && next->reset_clock &&
        when > lpi_state_trust_time(state))
        rc = lpi_state_reset_clock(state, when);
    if (rc == 0) {
        struct stat sb;
        /* keep the current file's permissions */
        unsigned mode = stat(current_path, &sb) == 0 ? sb.st_mode & 0777
                                                      : 0644;
        rc = lpi_write_file_atomic(ctx, current_path, data, len, mode,
                                   true);
    }
    if (rc == 0 && state)
        rc = lpi_state_record_trust(state, when);
    lp_trust_free(cur);
    lp_trust_free(next);
    lpi_free(ctx, data);
    lpi_free(ctx, sigs);
    lpi_buf_dispose(&spath, ctx);
    return rc;
}
/* ------------------------------------------------------------ accept */

int lp_package_accept(lp_package *p, const lp_trust *t, const lp_state *st,
                      const lp_accept_opts *opts, lp_accept_result *res)
{
    static const lp_accept_opts defaults = LP_ACCEPT_OPTS_INIT;
    lp_trust_opts to = LP_TRUST_OPTS_INIT;
    lp_accept_result dummy;
    int64_t floor_time;
    int rc;

    LP_ASSERT_ARG(p && t);
    if (!opts)
        opts = &defaults;
    if (!res)
        res = &dummy;
    memset(res, 0, sizeof(*res));
    res->newest = -1;
    if (opts->version != LP_ACCEPT_OPTS_VERSION)
        return lpi_error(p->ctx, LP_EINVAL, "unknown lp_accept_opts "
                         "version %u", opts->version);
    to.now = opts->now;
    to.newest_accepted = lp_state_newest(st);
    to.report = opts->report;
    to.user = opts->user;
    /* the order lpack verify reports in: signatures, rollback, expiry */
    rc = lp_package_check_trust(p, t, &to, &res->signers, &res->newest);
    if (rc == 0 && st)
        rc = lp_state_check(st, p);
    if (rc == 0 && p->m.version < opts->min_version)
        rc = lpi_error(p->ctx, LP_EUNTRUSTED, "version %llu of '%s' is "
                       "older than version %llu, which it would replace",
                       (unsigned long long)p->m.version, p->m.id,
                       (unsigned long long)opts->min_version);
    if (rc < 0)
        return rc;
    /* the clock is never earlier than a signing time we trust */
    floor_time = lp_state_newest(st) > res->newest ? lp_state_newest(st)
                                                   : res->newest;
    rc = lp_package_check_expiry(p, opts->now, floor_time);
    if (rc < 0) {
        res->expired = 1;
        if (opts->allow_expired)
            rc = 0;     /* the message stays in the context, for a warning */
    }
    return rc;
}
