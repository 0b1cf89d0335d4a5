/*
 * sign.c - signing manifests, checking signatures, and adding signature
 * entries to a package without touching anything else in it.
 *
 * A signature is minisign's "ED" kind: Ed25519 over the BLAKE2b-512 hash
 * of the manifest, and a global Ed25519 signature over that signature and
 * the trusted comment.  The trusted comment (lpk(5), SIGNATURES) names the
 * package id, version and signing time, so a signature copied into another
 * package, or another release of the same one, is refused even before the
 * manifest hash is compared.
 */
#include "lpi_sign.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIGCOMMENT_MAGIC "lp-signature v1 "
#define IO_SCRATCH (256u * 1024u)

/* ------------------------------------------------------------ comment */

/* "lp-signature v1 id=ID version=N time=YYYY-MM-DDThh:mm:ssZ[ comment=T]" */
int lpi_sigcomment_parse(lpi_sigcomment *c, lp_ctx *ctx, const char *s)
{
    const size_t mlen = strlen(SIGCOMMENT_MAGIC);
    const char *p = s, *sp;
    size_t n;

    memset(c, 0, sizeof(*c));
    if (strncmp(p, SIGCOMMENT_MAGIC "id=", mlen + 3) != 0)
        return lpi_error(ctx, LP_EFORMAT, "trusted comment is not an lp "
                         "signature comment ('" SIGCOMMENT_MAGIC "id=...')");
    p += mlen + 3;
    sp = strchr(p, ' ');
    n = sp ? (size_t)(sp - p) : strlen(p);
    if (!sp || n > LP_MAX_ID_BYTES || lpi_check_id(ctx, p, n) < 0)
        return lpi_error(ctx, LP_EFORMAT, "trusted comment: bad package id");
    memcpy(c->id, p, n);
    c->id[n] = '\0';
    p = sp + 1;
    if (strncmp(p, "version=", 8) != 0 || p[8] < '1' || p[8] > '9')
        return lpi_error(ctx, LP_EFORMAT, "trusted comment: bad version");
    p += 8;
    for (n = 0; p[n] >= '0' && p[n] <= '9'; n++) {
        if (n >= 19 || c->version > (UINT64_C(9223372036854775807) -
                                     (uint64_t)(p[n] - '0')) / 10)
            return lpi_error(ctx, LP_EFORMAT, "trusted comment: bad "
                             "version");
        c->version = c->version * 10 + (uint64_t)(p[n] - '0');
    }
    p += n;
    if (strncmp(p, " time=", 6) != 0 || strlen(p + 6) < LPI_TIME_BYTES - 1 ||
        lpi_time_parse(p + 6, LPI_TIME_BYTES - 1, &c->time) < 0)
        return lpi_error(ctx, LP_EFORMAT, "trusted comment: bad time");
    p += 6 + LPI_TIME_BYTES - 1;
    if (*p == '\0')
        return 0;
    if (strncmp(p, " comment=", 9) != 0 || p[9] == '\0')
        return lpi_error(ctx, LP_EFORMAT, "trusted comment: unexpected "
                         "text after the time");
    c->comment = p + 9;
    return 0;
}

/* ------------------------------------------------------------ verify */

static void manifest_hash(unsigned char out[64], const unsigned char *m,
                          size_t len)
{
    crypto_generichash(out, 64, m, len, NULL, 0);
}

/* The checks every kind of signature shares: made by this key, and its
 * trusted comment signed by it (minisign's global signature) */
static int verify_signer(const lp_sig *s, const lp_key *k)
{
    lp_ctx *ctx = s->ctx;
    size_t tlen = strlen(s->trusted);
    unsigned char *msg;
    int rc;

    if (sodium_memcmp(s->id, k->id, LP_KEYID_BYTES) != 0)
        return lpi_error(ctx, LP_EBADSIG, "signature by key %s, not by key "
                         "%s", s->id_hex, k->id_hex);
    msg = lpi_malloc(ctx, 64 + tlen);
    if (!msg)
        return LP_ENOMEM;
    memcpy(msg, s->sig, 64);
    memcpy(msg + 64, s->trusted, tlen);
    rc = crypto_sign_verify_detached(s->global, msg, 64 + tlen, k->pk);
    lpi_free(ctx, msg);
    if (rc != 0)
        return lpi_error(ctx, LP_EBADSIG, "the trusted comment's signature "
                         "does not verify (comment or signature changed)");
    return 0;
}

/* Check sig with key over manifest bytes whose id and version are known */
static int sig_verify(const lp_sig *s, const lp_key *k,
                      const unsigned char *manifest, size_t len,
                      const char *id, uint64_t version, lpi_sigcomment *out)
{
    lp_ctx *ctx = s->ctx;
    unsigned char hash[64];
    lpi_sigcomment c;
    bool manifest_ok;
    int rc;

    rc = verify_signer(s, k);
    if (rc < 0)
        return rc;
    rc = lpi_sigcomment_parse(&c, ctx, s->trusted);
    if (rc < 0)
        return rc;
    manifest_hash(hash, manifest, len);
    manifest_ok = crypto_sign_verify_detached(s->sig, hash, sizeof(hash),
                                              k->pk) == 0;
    if (strcmp(c.id, id) != 0 || c.version != version)
        return lpi_error(ctx, LP_EBADSIG, "signature is for package '%s' "
                         "version %llu, not '%s' version %llu (copied from "
                         "another package?)", c.id,
                         (unsigned long long)c.version, id,
                         (unsigned long long)version);
    if (!manifest_ok)
        return lpi_error(ctx, LP_EBADSIG, "signature does not match the "
                         "manifest (manifest or signature changed)");
    if (out)
        *out = c;
    return 0;
}

int lpi_sig_verify(const lp_sig *s, const lp_key *k,
                   const unsigned char *manifest, size_t len,
                   const char *id, uint64_t version, lpi_sigcomment *out)
{
    return sig_verify(s, k, manifest, len, id, version, out);
}

int lp_sig_verify(const lp_sig *s, const lp_key *k,
                  const unsigned char *manifest, size_t len)
{
    lpi_manifest m;
    int rc;

    LP_ASSERT_ARG(s && k && manifest);
    rc = lpi_manifest_parse(&m, s->ctx, manifest, len);
    if (rc < 0)
        return lpi_error_prefix(s->ctx, "manifest");
    rc = sig_verify(s, k, manifest, len, m.id, m.version, NULL);
    lpi_manifest_dispose(&m, s->ctx);
    return rc;
}

/* ------------------------------------------------------------ sign */

/* A signature of hash (the BLAKE2b-512 of the signed bytes) with the
 * trusted comment tc, parsed back from the text we would write */
static int make_sig(lp_sig **out, lp_ctx *ctx, const lp_key *k,
                    const unsigned char hash[64], const char *tc,
                    size_t tclen, const char *untrusted)
{
    unsigned char raw[LPI_MS_SIG_BYTES], global[64];
    char b64sig[128], b64global[96];
    lpi_buf text, msg;
    int rc;

    lpi_buf_init(&text, LP_SIG_MAX_FILE_BYTES);
    lpi_buf_init(&msg, 64 + LP_SIG_MAX_TRUSTED_COMMENT);
    memcpy(raw, LPI_MS_ALG_HASHED, 2);
    memcpy(raw + 2, k->id, LP_KEYID_BYTES);
    crypto_sign_detached(raw + 2 + LP_KEYID_BYTES, NULL, hash, 64, k->sk);
    rc = lpi_buf_add(&msg, ctx, raw + 2 + LP_KEYID_BYTES, 64);
    if (rc == 0)
        rc = lpi_buf_add(&msg, ctx, tc, tclen);
    if (rc < 0)
        goto done;
    crypto_sign_detached(global, NULL, (unsigned char *)msg.data, msg.len,
                         k->sk);
    sodium_bin2base64(b64sig, sizeof(b64sig), raw, sizeof(raw),
                      sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(b64global, sizeof(b64global), global, sizeof(global),
                      sodium_base64_VARIANT_ORIGINAL);
    rc = lpi_buf_printf(&text, ctx, LPI_MS_UNTRUSTED "%s\n%s\n"
                        LPI_MS_TRUSTED "%s\n%s\n", untrusted, b64sig, tc,
                        b64global);
    if (rc == 0)
        rc = lp_sig_parse(out, ctx, text.data, text.len, "new signature");
    if (rc < 0 && rc != LP_ENOMEM) {
        lpi_error_prefix(ctx, "the new signature fails its own check");
        ctx->code = rc = LP_EINTERNAL;
    }
done:
    lpi_buf_dispose(&text, ctx);
    lpi_buf_dispose(&msg, ctx);
    return rc;
}

/* The trusted comment of a package signature (lpk(5), SIGNATURES) */
static int sigcomment_make(lpi_buf *tc, lp_ctx *ctx, const char *id,
                           uint64_t version, int64_t time,
                           const char *comment)
{
    char t[LPI_TIME_BYTES];
    int rc;

    if (comment && (comment[0] == '\0' ||
                    strlen(comment) > LP_SIG_MAX_TRUSTED_COMMENT ||
                    strchr(comment, '\t') ||
                    !lpi_comment_ok(comment, strlen(comment))))
        return lpi_error(ctx, LP_EINVAL, "comment must be 1 to %u bytes of "
                         "UTF-8 text without control characters",
                         LP_SIG_MAX_TRUSTED_COMMENT);
    if (lpi_time_format(t, time) < 0)
        return lpi_error(ctx, LP_EINVAL, "signing time out of range");
    rc = lpi_buf_printf(tc, ctx, SIGCOMMENT_MAGIC "id=%s version=%llu "
                        "time=%s", id, (unsigned long long)version, t);
    if (rc == 0 && comment)
        rc = lpi_buf_printf(tc, ctx, " comment=%s", comment);
    if (rc == LP_ETOOBIG)
        rc = lpi_error(ctx, LP_EINVAL, "comment too long: the trusted "
                       "comment may hold %u bytes",
                       LP_SIG_MAX_TRUSTED_COMMENT);
    return rc;
}

int lp_package_sig_comment(lp_package *p, int64_t time, const char *comment,
                           char *out, size_t cap)
{
    lpi_buf tc;
    int rc;

    LP_ASSERT_ARG(p && out && cap > 0);
    out[0] = '\0';
    lpi_buf_init(&tc, LP_SIG_MAX_TRUSTED_COMMENT);
    rc = sigcomment_make(&tc, p->ctx, p->m.id, p->m.version, time, comment);
    if (rc == 0 && tc.len >= cap)
        rc = lpi_error(p->ctx, LP_ETOOBIG, "the trusted comment needs %zu "
                       "bytes", tc.len + 1);
    if (rc == 0)
        memcpy(out, tc.data, tc.len + 1);
    lpi_buf_dispose(&tc, p->ctx);
    return rc;
}

int lp_sig_sign_manifest(lp_sig **out, lp_ctx *ctx, const lp_key *k,
                         const unsigned char *manifest, size_t len,
                         int64_t time, const char *comment)
{
    unsigned char hash[64];
    lpi_manifest m;
    lpi_buf tc, text;
    lp_sig *s = NULL;
    bool parsed = false;
    int rc;

    LP_ASSERT_ARG(out && ctx && k && manifest);
    *out = NULL;
    if (!k->sk)
        return lpi_error(ctx, LP_EINVAL, "key %s has no secret half",
                         k->id_hex);
    lpi_buf_init(&tc, LP_SIG_MAX_TRUSTED_COMMENT);
    lpi_buf_init(&text, LP_SIG_MAX_COMMENT);
    rc = lpi_manifest_parse(&m, ctx, manifest, len);
    if (rc < 0) {
        lpi_error_prefix(ctx, "manifest");
        goto done;
    }
    parsed = true;
    rc = sigcomment_make(&tc, ctx, m.id, m.version, time, comment);
    if (rc < 0)
        goto done;

    manifest_hash(hash, manifest, len);
    rc = lpi_buf_printf(&text, ctx, "lp signature of %s version %llu by "
                        "key %s", m.id, (unsigned long long)m.version,
                        k->id_hex);
    if (rc == 0)
        rc = make_sig(&s, ctx, k, hash, tc.data, tc.len, text.data);
    if (rc < 0)
        goto done;
    /* what we return is what a verifier will read: check it */
    rc = sig_verify(s, k, manifest, len, m.id, m.version, NULL);
    if (rc < 0) {
        lpi_error_prefix(ctx, "the new signature fails its own check");
        ctx->code = rc = LP_EINTERNAL;
        goto done;
    }
    *out = s;
    s = NULL;
done:
    lp_sig_free(s);
    if (parsed)
        lpi_manifest_dispose(&m, ctx);
    lpi_buf_dispose(&tc, ctx);
    lpi_buf_dispose(&text, ctx);
    return rc;
}

/* ------------------------------------------------------------ entries */

size_t lpi_first_signature(const lp_package *p)
{
    return 2 + p->nobjects;
}

int lpi_signature_name(lp_ctx *ctx, lpi_buf *name, const char *id_hex)
{
    name->len = 0;
    return lpi_buf_printf(name, ctx, LPI_SIGNATURES_DIR "%s"
                          LPI_SIG_SUFFIX, id_hex);
}

/* Copy the package with sig added (or replacing the same key's) to fd */
static int write_signed(lp_package *p, int fd, const lp_sig *sig,
                        const char *newname)
{
    lp_ctx *ctx = p->ctx;
    const size_t first = lpi_first_signature(p);
    size_t kept = 0;
    uint64_t prefix;
    unsigned char *buf;
    lpi_zipw z;
    int rc = 0;

    for (size_t i = first; i < p->zip.count; i++)
        if (strcmp(p->zip.entries[i].name, newname) != 0)
            kept++;
    if (kept + 1 > LP_MAX_SIGNATURES)
        return lpi_error(ctx, LP_ETOOBIG, "the package has %u signatures "
                         "already", LP_MAX_SIGNATURES);
    buf = lpi_malloc(ctx, IO_SCRATCH);
    if (!buf)
        return LP_ENOMEM;
    lpi_zipw_init(&z, fd, p->m.created);
    /* everything before the signatures, byte for byte, and their central
     * records as they were: their offsets do not change */
    prefix = first < p->zip.count ? p->zip.entries[first].offset
                                  : p->zip.cd_off;
    rc = lpi_zipw_copy(&z, ctx, p->fd, 0, prefix, buf);
    for (size_t i = 0; i < first && rc == 0; i++) {
        rc = lpi_zip_record(&p->zip, ctx, i, &z.cd);
        z.count++;
    }
    for (size_t i = first; i < p->zip.count && rc == 0; i++) {
        const lpi_zentry *e = &p->zip.entries[i];
        if (strcmp(e->name, newname) == 0)
            continue;
        rc = lpi_zipw_begin(&z, ctx, e->name, e->size, e->crc);
        if (rc == 0)
            rc = lpi_zipw_copy(&z, ctx, p->fd, e->data, e->size, buf);
    }
    if (rc == 0)
        rc = lpi_zipw_begin(&z, ctx, newname, sig->text_len,
                            lpi_crc32(0, sig->text, sig->text_len));
    if (rc == 0)
        rc = lpi_zipw_write(&z, ctx, sig->text, sig->text_len);
    if (rc == 0)
        rc = lpi_zipw_finish(&z, ctx);
    lpi_zipw_dispose(&z, ctx);
    lpi_free(ctx, buf);
    return rc;
}

int lp_package_add_signature(lp_package *p, const lp_sig *sig,
                             const lp_key *k)
{
    lp_ctx *ctx;
    lpi_buf name, tmp;
    struct stat st;
    int fd = -1, rc;

    LP_ASSERT_ARG(p && sig && k);
    ctx = p->ctx;
    rc = sig_verify(sig, k, p->manifest_bytes, p->manifest_len, p->m.id,
                    p->m.version, NULL);
    if (rc == 0) /* every entry is copied into the signed package */
        rc = lpi_package_check_all(p, ctx);
    if (rc < 0)
        return rc;
    lpi_buf_init(&name, 512);
    lpi_buf_init(&tmp, SIZE_MAX / 2);
    rc = lpi_signature_name(ctx, &name, sig->id_hex);
    if (rc == 0 && fstat(p->fd, &st) < 0)
        rc = lpi_error(ctx, LP_EIO, "cannot examine '%s': %s", p->path,
                       strerror(errno));
    if (rc == 0)
        rc = lpi_temp_create(ctx, p->path, 0600, &tmp, &fd);
    if (rc < 0)
        goto done;
    rc = write_signed(p, fd, sig, name.data);
    if (rc == 0 && fchmod(fd, st.st_mode & 0777) < 0)
        rc = lpi_error(ctx, LP_EIO, "cannot set the mode of '%s': %s",
                       tmp.data, strerror(errno));
    rc = lpi_atomic_finish(ctx, fd, tmp.data, rc);
    if (rc == 0) {
        /* never put in place what our own reader would refuse */
        lp_package *check = NULL;
        rc = lp_package_open(&check, ctx, tmp.data);
        lp_package_free(check);
        if (rc < 0) {
            lpi_error_prefix(ctx, "the signed package fails its check");
            ctx->code = rc = LP_EINTERNAL;
        }
    }
    rc = lpi_atomic_install(ctx, tmp.data, p->path, rc);
done:
    lpi_buf_dispose(&name, ctx);
    lpi_buf_dispose(&tmp, ctx);
    return rc;
}

/* ------------------------------------------------------------ detached */

/* "lp-PURPOSE-signature v1 time=YYYY-MM-DDThh:mm:ssZ[ comment=TEXT]": not
 * a package signature's comment, nor another purpose's, so no kind passes
 * for another */
int lpi_purpose_check(lp_ctx *ctx, const char *purpose)
{
    size_t n = purpose ? strlen(purpose) : 0;

    if (n == 0 || n > LP_SIG_MAX_PURPOSE_BYTES)
        return lpi_error(ctx, LP_EINVAL, "a signature's purpose must be 1 "
                         "to %u lowercase letters", LP_SIG_MAX_PURPOSE_BYTES);
    for (size_t i = 0; i < n; i++)
        if (purpose[i] < 'a' || purpose[i] > 'z')
            return lpi_error(ctx, LP_EINVAL, "a signature's purpose must "
                             "be 1 to %u lowercase letters",
                             LP_SIG_MAX_PURPOSE_BYTES);
    return 0;
}

static int detached_comment_parse(lp_ctx *ctx, const char *purpose,
                                  const char *s, int64_t *time)
{
    char magic[LP_SIG_MAX_PURPOSE_BYTES + 32];
    size_t mlen;
    const char *p;

    snprintf(magic, sizeof(magic), "lp-%s-signature v1 time=", purpose);
    mlen = strlen(magic);
    if (strncmp(s, magic, mlen) != 0)
        return lpi_error(ctx, LP_EFORMAT, "trusted comment is not an lp "
                         "%s signature comment ('%s...')", purpose, magic);
    p = s + mlen;
    if (strlen(p) < LPI_TIME_BYTES - 1 ||
        lpi_time_parse(p, LPI_TIME_BYTES - 1, time) < 0)
        return lpi_error(ctx, LP_EFORMAT, "trusted comment: bad time");
    p += LPI_TIME_BYTES - 1;
    if (*p != '\0' && (strncmp(p, " comment=", 9) != 0 || p[9] == '\0'))
        return lpi_error(ctx, LP_EFORMAT, "trusted comment: unexpected "
                         "text after the time");
    return 0;
}

int lpi_detached_verify(const lp_sig *s, const lp_key *k,
                        const char *purpose, const void *data, size_t len,
                        int64_t *time)
{
    lp_ctx *ctx = s->ctx;
    unsigned char hash[64];
    int rc;

    rc = verify_signer(s, k);
    if (rc < 0)
        return rc;
    rc = detached_comment_parse(ctx, purpose, s->trusted, time);
    if (rc < 0)
        return rc;
    crypto_generichash(hash, sizeof(hash), data, len, NULL, 0);
    if (crypto_sign_verify_detached(s->sig, hash, sizeof(hash), k->pk) != 0)
        return lpi_error(ctx, LP_EBADSIG, "signature does not match the "
                         "%s file (file or signature changed)", purpose);
    return 0;
}

int lp_sig_sign_detached(lp_sig **out, lp_ctx *ctx, const lp_key *k,
                         const char *purpose, const void *data, size_t len,
                         int64_t time, const char *comment)
{
    unsigned char hash[64];
    char t[LPI_TIME_BYTES];
    lpi_buf tc, untrusted;
    lp_sig *s = NULL;
    int64_t back;
    int rc;

    LP_ASSERT_ARG(out && ctx && k && (data || len == 0));
    *out = NULL;
    rc = lpi_purpose_check(ctx, purpose);
    if (rc < 0)
        return rc;
    if (!k->sk)
        return lpi_error(ctx, LP_EINVAL, "key %s has no secret half",
                         k->id_hex);
    if (comment && (comment[0] == '\0' || strchr(comment, '\t') ||
                    !lpi_comment_ok(comment, strlen(comment))))
        return lpi_error(ctx, LP_EINVAL, "comment must be 1 to %u bytes of "
                         "UTF-8 text without control characters",
                         LP_SIG_MAX_TRUSTED_COMMENT);
    if (lpi_time_format(t, time) < 0)
        return lpi_error(ctx, LP_EINVAL, "signing time out of range");
    lpi_buf_init(&tc, LP_SIG_MAX_TRUSTED_COMMENT);
    lpi_buf_init(&untrusted, LP_SIG_MAX_COMMENT);
    rc = lpi_buf_printf(&tc, ctx, "lp-%s-signature v1 time=%s", purpose, t);
    if (rc == 0 && comment)
        rc = lpi_buf_printf(&tc, ctx, " comment=%s", comment);
    if (rc == LP_ETOOBIG)
        rc = lpi_error(ctx, LP_EINVAL, "comment too long: the trusted "
                       "comment may hold %u bytes",
                       LP_SIG_MAX_TRUSTED_COMMENT);
    if (rc == 0)
        rc = lpi_buf_printf(&untrusted, ctx, "lp %s file signature by "
                            "key %s", purpose, k->id_hex);
    if (rc < 0)
        goto done;
    crypto_generichash(hash, sizeof(hash), data, len, NULL, 0);
    rc = make_sig(&s, ctx, k, hash, tc.data, tc.len, untrusted.data);
    if (rc == 0) {
        rc = lpi_detached_verify(s, k, purpose, data, len, &back);
        /* out of memory is not a bad signature */
        if (rc < 0 && rc != LP_ENOMEM) {
            lpi_error_prefix(ctx, "the new signature fails its own check");
            rc = ctx->code = LP_EINTERNAL;
        }
    }
    if (rc == 0) {
        *out = s;
        s = NULL;
    }
done:
    lp_sig_free(s);
    lpi_buf_dispose(&tc, ctx);
    lpi_buf_dispose(&untrusted, ctx);
    return rc;
}

/* ------------------------------------------------------------ what is signed */

struct lp_manifest {
    lp_ctx *ctx;
    lpi_manifest m;
    char *languages;
    lp_manifest_info info;
};

static int hash_cmp(const void *a, const void *b)
{
    return memcmp(a, b, LP_HASH_BYTES);
}

int lp_manifest_open(lp_manifest **out, lp_ctx *ctx, const void *data,
                     size_t len)
{
    unsigned char h[LP_HASH_BYTES], *hashes = NULL;
    lp_manifest *mf;
    lpi_buf langs;
    int rc;

    LP_ASSERT_ARG(out && ctx && (data || len == 0));
    *out = NULL;
    mf = lpi_calloc(ctx, 1, sizeof(*mf));
    if (!mf)
        return LP_ENOMEM;
    mf->ctx = ctx;
    rc = lpi_manifest_parse(&mf->m, ctx, data, len);
    if (rc < 0) {
        lpi_free(ctx, mf);
        return rc;
    }
    lpi_buf_init(&langs, 65536);
    for (size_t i = 0; rc == 0 && i < mf->m.nlanguages; i++)
        rc = lpi_buf_printf(&langs, ctx, "%s%s", i ? "," : "",
                            mf->m.languages[i]);
    if (rc == 0)
        rc = lpi_buf_add(&langs, ctx, "", 1);
    if (rc == 0 && mf->m.nentries > 0) {
        hashes = lpi_malloc(ctx, mf->m.nentries * LP_HASH_BYTES);
        if (!hashes)
            rc = LP_ENOMEM;
    }
    if (rc < 0) {
        lpi_buf_dispose(&langs, ctx);
        lp_manifest_free(mf);
        return rc;
    }
    mf->languages = langs.data;
    mf->info.id = mf->m.id;
    mf->info.version = mf->m.version;
    mf->info.label = mf->m.label;
    mf->info.languages = mf->languages;
    mf->info.created = mf->m.created;
    mf->info.expires = mf->m.has_expires ? mf->m.expires : -1;
    mf->info.entries = mf->m.nentries;
    for (size_t i = 0; i < mf->m.nentries; i++) {
        mf->info.content_bytes += mf->m.entries[i].size;
        memcpy(hashes + i * LP_HASH_BYTES, mf->m.entries[i].hash,
               LP_HASH_BYTES);
    }
    /* objects: the distinct contents */
    if (mf->m.nentries > 0)
        qsort(hashes, mf->m.nentries, LP_HASH_BYTES, hash_cmp);
    for (size_t i = 0; i < mf->m.nentries; i++)
        mf->info.objects += i == 0 || memcmp(hashes + i * LP_HASH_BYTES,
                                             hashes + (i - 1) *
                                             LP_HASH_BYTES,
                                             LP_HASH_BYTES) != 0;
    lpi_free(ctx, hashes);
    crypto_generichash(h, sizeof(h), data, len, NULL, 0);
    sodium_bin2hex(mf->info.hash, sizeof(mf->info.hash), h, sizeof(h));
    *out = mf;
    return 0;
}

const lp_manifest_info *lp_manifest_get_info(const lp_manifest *mf)
{
    return &mf->info;
}

void lp_manifest_free(lp_manifest *mf)
{
    if (!mf)
        return;
    lpi_manifest_dispose(&mf->m, mf->ctx);
    lpi_free(mf->ctx, mf->languages);
    lpi_free(mf->ctx, mf);
}

int lp_package_list_signatures(lp_package *p, lp_sig_entry_fn fn,
                               void *user)
{
    lp_ctx *ctx;
    int rc = 0;

    LP_ASSERT_ARG(p && fn);
    ctx = p->ctx;
    for (size_t i = lpi_first_signature(p); i < p->zip.count; i++) {
        const lpi_zentry *e = &p->zip.entries[i];
        lp_sig_entry se = { e->name, NULL, -1, NULL, 0, NULL };
        unsigned char *data = NULL;
        lp_sig *sig = NULL;
        lpi_sigcomment c;

        /* its local header is checked on first use (data is valid after) */
        rc = lpi_zip_entry_ready(&p->zip, ctx, i);
        if (rc == 0 && e->size > LP_SIG_MAX_FILE_BYTES)
            rc = lpi_error(ctx, LP_EFORMAT, "larger than %u bytes",
                           LP_SIG_MAX_FILE_BYTES);
        else if (rc == 0 && !(data = lpi_malloc(ctx, (size_t)e->size + 1)))
            return LP_ENOMEM;
        else if (rc == 0)
            rc = lpi_pread_full(ctx, p->fd, data, (size_t)e->size, e->data);
        if (rc == 0 && lpi_crc32(0, data, (size_t)e->size) != e->crc)
            rc = lpi_error(ctx, LP_EFORMAT, "fails its CRC-32 check");
        if (rc == 0)
            rc = lp_sig_parse(&sig, ctx, data, (size_t)e->size, e->name);
        lpi_free(ctx, data);
        if (rc == LP_ENOMEM || rc == LP_EIO) {
            lp_sig_free(sig);
            return rc;
        }
        if (rc == 0) {
            se.key_id = sig->id_hex;
            if (lpi_sigcomment_parse(&c, ctx, sig->trusted) == 0) {
                se.time = c.time;
                se.comment = c.comment;
            } else {
                se.code = ctx->code;
                se.message = ctx->msg;
            }
        } else {
            se.code = rc;
            se.message = ctx->msg;
        }
        fn(&se, user);
        lp_sig_free(sig);
        rc = 0;
    }
    return 0;
}
