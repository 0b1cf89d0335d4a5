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
} trevoked;

struct lp_trust {
    lp_ctx *ctx;
    unsigned threshold;
    tkey *keys;
    size_t nkeys, keys_cap;
    trevoked *revoked;
    size_t nrevoked, revoked_cap;
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

static int parse_line(lp_trust *t, const char *what, unsigned lineno,
                      const char *line, size_t len, bool *threshold_seen)
{
    lp_ctx *ctx = t->ctx;
    const char *f;
    size_t n, at = 0;

    if (!field(line, len, &at, &f, &n))
        return lpi_error(ctx, LP_EFORMAT, "%s:%u: empty field (fields are "
                         "separated by one space)", what, lineno);
    if (n == 9 && memcmp(f, "threshold", 9) == 0) {
        uint64_t v = 0;
        if (*threshold_seen)
            return lpi_error(ctx, LP_EFORMAT, "%s:%u: 'threshold' given "
                             "twice", what, lineno);
        if (!field(line, len, &at, &f, &n) || at != len || n > 3 ||
            f[0] < '1' || f[0] > '9')
            return lpi_error(ctx, LP_EFORMAT, "%s:%u: threshold must be a "
                             "number from 1 to %u", what, lineno,
                             LP_TRUST_MAX_KEYS);
        for (size_t i = 0; i < n; i++) {
            if (f[i] < '0' || f[i] > '9')
                return lpi_error(ctx, LP_EFORMAT, "%s:%u: threshold must "
                                 "be a number from 1 to %u", what, lineno,
                                 LP_TRUST_MAX_KEYS);
            v = v * 10 + (uint64_t)(f[i] - '0');
        }
        if (v > LP_TRUST_MAX_KEYS)
            return lpi_error(ctx, LP_EFORMAT, "%s:%u: threshold must be a "
                             "number from 1 to %u", what, lineno,
                             LP_TRUST_MAX_KEYS);
        t->threshold = (unsigned)v;
        *threshold_seen = true;
        return 0;
    }
    if (n == 3 && memcmp(f, "key", 3) == 0) {
        tkey k = { NULL, NULL, INT64_MIN, INT64_MAX, false };
        const char *holder;
        int rc;

        if (t->nkeys >= LP_TRUST_MAX_KEYS)
            return lpi_error(ctx, LP_ETOOBIG, "%s:%u: more than %u keys",
                             what, lineno, LP_TRUST_MAX_KEYS);
        if (!field(line, len, &at, &f, &n))
            return lpi_error(ctx, LP_EFORMAT, "%s:%u: 'key' needs a public "
                             "key, a start, an end and a holder", what,
                             lineno);
        {
            char w[64];
            snprintf(w, sizeof(w), "line %u", lineno);
            rc = lpi_key_from_b64(&k.key, ctx, f, n, w);
            if (rc < 0)
                return lpi_error_prefix(ctx, "%s", what);
        }
        rc = 0;
        if (!field(line, len, &at, &f, &n) ||
            parse_time_field(f, n, INT64_MIN, &k.from) < 0)
            rc = lpi_error(ctx, LP_EFORMAT, "%s:%u: bad start of validity "
                           "(YYYY-MM-DDThh:mm:ssZ or '-')", what, lineno);
        else if (!field(line, len, &at, &f, &n) ||
                 parse_time_field(f, n, INT64_MAX, &k.until) < 0)
            rc = lpi_error(ctx, LP_EFORMAT, "%s:%u: bad end of validity "
                           "(YYYY-MM-DDThh:mm:ssZ or '-')", what, lineno);
        else if (k.from >= k.until)
            rc = lpi_error(ctx, LP_EFORMAT, "%s:%u: validity ends before "
                           "it starts", what, lineno);
        else if (at >= len)
            rc = lpi_error(ctx, LP_EFORMAT, "%s:%u: the key's holder is "
                           "missing", what, lineno);
        else if (len - at > LP_TRUST_MAX_HOLDER_BYTES)
            rc = lpi_error(ctx, LP_ETOOBIG, "%s:%u: holder longer than %u "
                           "bytes", what, lineno, LP_TRUST_MAX_HOLDER_BYTES);
        for (size_t i = 0; rc == 0 && i < t->nkeys; i++)
            if (memcmp(t->keys[i].key->id, k.key->id, LP_KEYID_BYTES) == 0)
                rc = lpi_error(ctx, LP_EFORMAT, "%s:%u: key %s is listed "
                               "twice", what, lineno, k.key->id_hex);
        if (rc == 0) {
            holder = line + at;
            k.holder = lpi_malloc(ctx, len - at + 1);
            if (!k.holder)
                rc = LP_ENOMEM;
            else {
                memcpy(k.holder, holder, len - at);
                k.holder[len - at] = '\0';
            }
        }
        if (rc == 0)
            rc = lpi_grow(ctx, (void **)&t->keys, &t->keys_cap,
                          t->nkeys + 1, sizeof(*t->keys));
        if (rc < 0) {
            lp_key_free(k.key);
            lpi_free(ctx, k.holder);
            return rc;
        }
        t->keys[t->nkeys++] = k;
        return 0;
    }
    if (n == 7 && memcmp(f, "revoked", 7) == 0) {
        trevoked r;
        int rc;

        if (t->nrevoked >= LP_TRUST_MAX_REVOKED)
            return lpi_error(ctx, LP_ETOOBIG, "%s:%u: more than %u revoked "
                             "keys", what, lineno, LP_TRUST_MAX_REVOKED);
        if (!field(line, len, &at, &f, &n) ||
            lpi_keyid_unhex(r.id, f, n) < 0)
            return lpi_error(ctx, LP_EFORMAT, "%s:%u: 'revoked' needs a key "
                             "id of 16 hex digits", what, lineno);
        for (size_t i = 0; i < t->nrevoked; i++)
            if (memcmp(t->revoked[i].id, r.id, LP_KEYID_BYTES) == 0)
                return lpi_error(ctx, LP_EFORMAT, "%s:%u: key %.*s is "
                                 "revoked twice", what, lineno, (int)n, f);
        rc = lpi_grow(ctx, (void **)&t->revoked, &t->revoked_cap,
                      t->nrevoked + 1, sizeof(*t->revoked));
        if (rc < 0)
            return rc;
        t->revoked[t->nrevoked++] = r;
        return 0;
    }
    return lpi_error(ctx, LP_EFORMAT, "%s:%u: unknown directive '%.*s' "
                     "(expected 'threshold', 'key' or 'revoked')", what,
                     lineno, (int)(n > 32 ? 32 : n), f);
}

int lp_trust_parse(lp_trust **out, lp_ctx *ctx, const void *data,
                   size_t len, const char *what)
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
        if (llen > LP_TRUST_MAX_LINE_BYTES) {
            rc = lpi_error(ctx, LP_ETOOBIG, "%s:%u: line longer than %u "
                           "bytes", what, lineno, LP_TRUST_MAX_LINE_BYTES);
            break;
        }
        if (memchr(line, '\t', llen) || !lpi_comment_ok(line, llen)) {
            rc = lpi_error(ctx, LP_EFORMAT, "%s:%u: control character or "
                           "invalid UTF-8", what, lineno);
            break;
        }
        if (llen == 0 || line[0] == '#')
            continue;
        if (line[llen - 1] == ' ') {
            rc = lpi_error(ctx, LP_EFORMAT, "%s:%u: space at the end of the "
                           "line", what, lineno);
            break;
        }
        if (!magic) {
            if (llen != strlen(TRUST_MAGIC) ||
                memcmp(line, TRUST_MAGIC, llen) != 0) {
                rc = lpi_error(ctx, LP_EFORMAT, "%s:%u: not a trust file "
                               "(the first line must be '" TRUST_MAGIC "')",
                               what, lineno);
                break;
            }
            magic = true;
            continue;
        }
        rc = parse_line(t, what, lineno, line, llen, &threshold_seen);
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
    if (rc == 0 && usable < t->threshold)
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

int lp_trust_load(lp_trust **out, lp_ctx *ctx, const char *path)
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
        rc = lp_trust_parse(out, ctx, buf, len, what.data);
    lpi_buf_dispose(&what, ctx);
    sodium_free(buf);
    return rc;
}

/* ------------------------------------------------------------ policy */

typedef struct checker {
    lp_ctx *ctx;
    const lp_trust *t;
    const lp_trust_opts *o;
    int64_t now;
    bool *counted;          /* per trust key */
    unsigned signers;
    int64_t newest;
    lpi_buf msg;
    /* the first failure that says nothing about a signature (out of
     * memory, a read error): the verdict is that, not a refusal */
    int fatal;
    char fatal_msg[sizeof(((lp_ctx *)0)->msg)];
    /* what the signatures sign: a package's manifest, or a trust file */
    lp_package *p;
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
        if (rc == 0)
            when = sc.time;
    } else {
        rc = lpi_trustsig_verify(sig, k->key, c->data, c->len, &when);
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
    if (when > c->newest)
        c->newest = when;
    lpi_buf_printf(&c->msg, ctx, "good signature, made %s", t1);
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
        rc = lpi_trustsig_make(&sig, ctx, key, data, len, time, comment);
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
    size_t len = 0, slen = 0, at = 0, blen;
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
        /* the clock is never earlier than a signing time in the state */
        if (lp_state_newest(state) > c.now)
            c.now = lp_state_newest(state);
    }
    if (rc == 0) {
        c.data = data;
        c.len = len;
    }
    while (rc == 0 && next_block(sigs, slen, &at, &blen)) {
        lp_sig *sig = NULL;
        char what[64];

        snprintf(what, sizeof(what), "signature %u", ++n);
        if (n > LP_TRUST_MAX_KEYS) {
            report(&c, what, NULL, NULL, LP_ETOOBIG, -1, "more signatures "
                   "than a trust file has keys: ignored");
            break;
        }
        if (lp_sig_parse(&sig, ctx, sigs + at, blen, "signature") < 0)
            report_ctx(&c, what, NULL, NULL, ctx->code);
        else
            judge(&c, what, sig);
        lp_sig_free(sig);
        at += blen;
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
