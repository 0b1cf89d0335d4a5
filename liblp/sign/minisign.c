/*
 * minisign.c - minisign's key and signature files, read strictly.
 *
 * The layouts are minisign's (src/minisign.h): a public key is "Ed", an
 * 8-byte key id and the Ed25519 key; a secret key is "Ed", a KDF tag ("Sc"
 * or two zero bytes), "B2", the scrypt salt and limits, then key id, secret
 * key and BLAKE2b-256 checksum, XORed with the scrypt stream when
 * encrypted; a signature is "ED", the key id and the signature.  Each is
 * one base64 line after an "untrusted comment: " line.  We accept exactly
 * that: no extra lines, canonical base64, comments within minisign's own
 * line limits, no control characters.
 *
 * Secrets (decoded secret keys, their base64, the scrypt stream) only ever
 * live in sodium_malloc'd memory and are wiped before it is freed.
 */
#include "lpi_sign.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define B64_PK_LEN LP_KEY_BASE64_BYTES                 /* 42 bytes */
#define B64_SK_LEN 212                                 /* 158 bytes */
#define B64_SIG_LEN 100                                /* 74 bytes */
#define B64_GLOBAL_LEN 88                              /* 64 bytes */

/* ------------------------------------------------------------ helpers */

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

void lpi_keyid_hex(char out[LP_KEYID_HEX_BYTES + 1],
                   const unsigned char id[LP_KEYID_BYTES])
{
    snprintf(out, LP_KEYID_HEX_BYTES + 1, "%016" PRIx64, le64(id));
}

int lpi_keyid_unhex(unsigned char id[LP_KEYID_BYTES], const char *hex,
                    size_t len)
{
    uint64_t v = 0;

    if (len != LP_KEYID_HEX_BYTES)
        return -1;
    for (size_t i = 0; i < len; i++) {
        char c = hex[i];
        unsigned d;

        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return -1;
        v = v << 4 | d;
    }
    put_le64(id, v);
    return 0;
}

int lpi_b64_decode(unsigned char *out, size_t n, const char *s, size_t len)
{
    char again[B64_SK_LEN + 8];
    const char *end = NULL;
    size_t got = 0;

    if (len != sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL)
               - 1 || len >= sizeof(again))
        return -1;
    if (sodium_base642bin(out, n, s, len, NULL, &got, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != n || end != s + len)
        return -1;
    /* canonical: unused bits of the last character must be zero */
    sodium_bin2base64(again, sizeof(again), out, n,
                      sodium_base64_VARIANT_ORIGINAL);
    if (memcmp(again, s, len) != 0) {
        sodium_memzero(again, sizeof(again));
        return -1;
    }
    sodium_memzero(again, sizeof(again));
    return 0;
}

bool lpi_comment_ok(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return lpi_utf8_valid(s, len);
}

/* The next line of data from *at: without its LF (or CR LF).  The last
 * line may lack the LF.  -1 at the end of data. */
static int next_line(const char *data, size_t len, size_t *at,
                     const char **line, size_t *llen)
{
    const char *p, *nl;

    if (*at >= len)
        return -1;
    p = data + *at;
    nl = memchr(p, '\n', len - *at);
    *line = p;
    *llen = nl ? (size_t)(nl - p) : len - *at;
    *at += *llen + (nl ? 1 : 0);
    if (*llen > 0 && p[*llen - 1] == '\r')
        (*llen)--;
    return 0;
}

/* Line 1 of every file: "untrusted comment: TEXT" */
static int untrusted_line(lp_ctx *ctx, const char *line, size_t llen,
                          const char *what)
{
    const size_t plen = strlen(LPI_MS_UNTRUSTED);

    if (llen < plen || memcmp(line, LPI_MS_UNTRUSTED, plen) != 0)
        return lpi_error(ctx, LP_EFORMAT, "%s: line 1 does not start with "
                         "'" LPI_MS_UNTRUSTED "'", what);
    if (llen - plen > LP_SIG_MAX_COMMENT)
        return lpi_error(ctx, LP_EFORMAT, "%s: line 1: untrusted comment "
                         "longer than %u bytes", what, LP_SIG_MAX_COMMENT);
    if (!lpi_comment_ok(line + plen, llen - plen))
        return lpi_error(ctx, LP_EFORMAT, "%s: line 1: control character "
                         "or invalid UTF-8 in the untrusted comment", what);
    return 0;
}

static int read_fd_limited(lp_ctx *ctx, int fd, char *buf, size_t max,
                           size_t *len, const char *path)
{
    size_t n = 0;

    for (;;) {
        ssize_t k = read(fd, buf + n, max + 1 - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return lpi_error(ctx, LP_EIO, "cannot read '%s': %s", path,
                             strerror(errno));
        if (k == 0)
            break;
        n += (size_t)k;
        if (n > max)
            return lpi_error(ctx, LP_ETOOBIG, "'%s' is larger than %zu "
                             "bytes", path, max);
    }
    buf[n] = '\0';
    *len = n;
    return 0;
}

int lpi_read_secret_file(lp_ctx *ctx, const char *path, size_t max,
                         char **out, size_t *len)
{
    char *buf;
    int fd, rc;

    fd = lpi_open_input(ctx, AT_FDCWD, path, NULL, LPI_OPEN_FOLLOW, NULL);
    if (fd < 0)
        return fd;
    buf = sodium_malloc(max + 2);
    if (!buf) {
        close(fd);
        return lpi_nomem(ctx);
    }
    rc = read_fd_limited(ctx, fd, buf, max, len, path);
    close(fd);
    if (rc < 0) {
        sodium_memzero(buf, max + 2);
        sodium_free(buf);
        return rc;
    }
    *out = buf;
    return 0;
}

static void free_secret_file(char *buf, size_t max)
{
    if (buf) {
        sodium_memzero(buf, max + 2);
        sodium_free(buf);
    }
}

/* ------------------------------------------------------------ keys */

static lp_key *key_new(lp_ctx *ctx)
{
    lp_key *k = lpi_calloc(ctx, 1, sizeof(*k));
    if (k)
        k->ctx = ctx;
    return k;
}

/* id_hex and b64 from id and pk */
static void key_finish(lp_key *k)
{
    unsigned char raw[LPI_MS_PK_BYTES];

    memcpy(raw, LPI_MS_ALG, 2);
    memcpy(raw + 2, k->id, LP_KEYID_BYTES);
    memcpy(raw + 2 + LP_KEYID_BYTES, k->pk, 32);
    sodium_bin2base64(k->b64, sizeof(k->b64), raw, sizeof(raw),
                      sodium_base64_VARIANT_ORIGINAL);
    lpi_keyid_hex(k->id_hex, k->id);
}

int lpi_key_from_b64(lp_key **out, lp_ctx *ctx, const char *s, size_t len,
                     const char *what)
{
    unsigned char raw[LPI_MS_PK_BYTES];
    lp_key *k;

    *out = NULL;
    if (lpi_b64_decode(raw, sizeof(raw), s, len) < 0)
        return lpi_error(ctx, LP_EFORMAT, "%s: not a public key (bad "
                         "base64 or wrong length)", what);
    if (memcmp(raw, LPI_MS_ALG, 2) != 0)
        return lpi_error(ctx, LP_EFORMAT, "%s: unsupported key algorithm "
                         "(not Ed25519)", what);
    k = key_new(ctx);
    if (!k)
        return LP_ENOMEM;
    memcpy(k->id, raw + 2, LP_KEYID_BYTES);
    memcpy(k->pk, raw + 2 + LP_KEYID_BYTES, 32);
    key_finish(k);
    *out = k;
    return 0;
}

/* A key file's framing: an untrusted comment, then the key's base64 on
 * line 2, and nothing else; *line is line 2 */
static int key_line(lp_ctx *ctx, const char *data, size_t len,
                    const char *what, const char **line, size_t *llen)
{
    size_t at = 0;
    int rc;

    if (next_line(data, len, &at, line, llen) < 0)
        return lpi_error(ctx, LP_EFORMAT, "%s: empty file", what);
    rc = untrusted_line(ctx, *line, *llen, what);
    if (rc < 0)
        return rc;
    if (next_line(data, len, &at, line, llen) < 0)
        return lpi_error(ctx, LP_EFORMAT, "%s: truncated: no key on "
                         "line 2", what);
    if (at != len)
        return lpi_error(ctx, LP_EFORMAT, "%s: unexpected text after "
                         "line 2", what);
    return 0;
}

int lpi_pubkey_parse(lp_key **out, lp_ctx *ctx, const char *data,
                     size_t len, const char *what)
{
    const char *line;
    size_t llen;
    int rc;

    *out = NULL;
    rc = key_line(ctx, data, len, what, &line, &llen);
    if (rc < 0)
        return rc;
    return lpi_key_from_b64(out, ctx, line, llen, what);
}

int lp_key_load_public(lp_key **out, lp_ctx *ctx, const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    int rc;

    LP_ASSERT_ARG(out && ctx && path);
    *out = NULL;
    rc = lpi_read_secret_file(ctx, path, LPI_MS_KEY_FILE_MAX, &buf, &len);
    if (rc == LP_ETOOBIG)
        rc = lpi_error(ctx, LP_EFORMAT, "'%s' is not a public key: larger "
                       "than %u bytes", path, LPI_MS_KEY_FILE_MAX);
    if (rc == 0) {
        lpi_buf what;
        lpi_buf_init(&what, 4096 + LP_MAX_PATH_BYTES);
        rc = lpi_buf_printf(&what, ctx, "public key '%s'", path);
        if (rc == 0)
            rc = lpi_pubkey_parse(out, ctx, buf, len, what.data);
        lpi_buf_dispose(&what, ctx);
    }
    free_secret_file(buf, LPI_MS_KEY_FILE_MAX);
    return rc;
}

/* BLAKE2b-256 over algorithm, key id and secret key, as minisign does */
static void seckey_chk(unsigned char chk[32], const unsigned char *raw)
{
    crypto_generichash_state h;

    crypto_generichash_init(&h, NULL, 0, 32);
    crypto_generichash_update(&h, raw, 2);
    crypto_generichash_update(&h, raw + LPI_MS_KEYNUM_OFF, LP_KEYID_BYTES);
    crypto_generichash_update(&h, raw + LPI_MS_KEYNUM_OFF + LP_KEYID_BYTES,
                              64);
    crypto_generichash_final(&h, chk, 32);
}

static int seckey_decode(lp_ctx *ctx, const char *data, size_t len,
                         unsigned char *raw, const char *what)
{
    const char *line;
    size_t llen;
    int rc;

    rc = key_line(ctx, data, len, what, &line, &llen);
    if (rc < 0)
        return rc;
    if (lpi_b64_decode(raw, LPI_MS_SK_BYTES, line, llen) < 0)
        return lpi_error(ctx, LP_EFORMAT, "%s: not a secret key (bad "
                         "base64 or wrong length)", what);
    if (memcmp(raw, LPI_MS_ALG, 2) != 0)
        return lpi_error(ctx, LP_EFORMAT, "%s: unsupported key algorithm "
                         "(not Ed25519)", what);
    if (memcmp(raw + 4, LPI_MS_CHK, 2) != 0)
        return lpi_error(ctx, LP_EFORMAT, "%s: unsupported checksum "
                         "algorithm", what);
    if (memcmp(raw + 2, LPI_MS_KDF, 2) != 0 && (raw[2] | raw[3]) != 0)
        return lpi_error(ctx, LP_EFORMAT, "%s: unsupported key derivation "
                         "function", what);
    return 0;
}

/* XOR the key id, secret key and checksum with the scrypt stream of the
 * passphrase (the same operation encrypts and decrypts) */
static int seckey_xor(lp_ctx *ctx, unsigned char *raw, const char *pass,
                      uint64_t ops, uint64_t mem)
{
    unsigned char *stream = sodium_malloc(LPI_MS_KEYNUM_SK_BYTES);

    if (!stream)
        return lpi_nomem(ctx);
    if (crypto_pwhash_scryptsalsa208sha256(
            stream, LPI_MS_KEYNUM_SK_BYTES, pass, strlen(pass),
            raw + LPI_MS_SALT_OFF, (unsigned long long)ops,
            (size_t)mem) != 0) {
        sodium_free(stream);
        return lpi_error(ctx, LP_ENOMEM, "not enough memory to derive the "
                         "key from the passphrase (scrypt needs %llu MiB)",
                         (unsigned long long)(mem >> 20));
    }
    for (size_t i = 0; i < LPI_MS_KEYNUM_SK_BYTES; i++)
        raw[LPI_MS_KEYNUM_OFF + i] ^= stream[i];
    sodium_memzero(stream, LPI_MS_KEYNUM_SK_BYTES);
    sodium_free(stream);
    return 0;
}

int lpi_seckey_parse(lp_key **out, lp_ctx *ctx, const char *data,
                     size_t len, const char *passphrase, const char *what)
{
    unsigned char *raw, chk[32], pk[32], *sk = NULL;
    const unsigned char *keynum;
    bool encrypted;
    lp_key *k = NULL;
    int rc;

    *out = NULL;
    raw = sodium_malloc(LPI_MS_SK_BYTES);
    if (!raw)
        return lpi_nomem(ctx);
    rc = seckey_decode(ctx, data, len, raw, what);
    if (rc < 0)
        goto done;
    encrypted = memcmp(raw + 2, LPI_MS_KDF, 2) == 0;
    keynum = raw + LPI_MS_KEYNUM_OFF;
    if (encrypted) {
        uint64_t ops = le64(raw + LPI_MS_OPS_OFF);
        uint64_t mem = le64(raw + LPI_MS_MEM_OFF);

        if (!passphrase) {
            rc = lpi_error(ctx, LP_EPASSPHRASE, "%s is encrypted: a "
                           "passphrase is needed", what);
            goto done;
        }
        /* minisign writes at most its "sensitive" limits; more would let
         * a key file make us spend any amount of time and memory */
        if (ops < crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_MIN ||
            ops > crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE ||
            mem < crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_MIN ||
            mem > crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE) {
            rc = lpi_error(ctx, LP_EFORMAT, "%s: scrypt limits out of "
                           "range", what);
            goto done;
        }
        rc = seckey_xor(ctx, raw, passphrase, ops, mem);
        if (rc < 0)
            goto done;
        seckey_chk(chk, raw);
        if (sodium_memcmp(chk, keynum + LP_KEYID_BYTES + 64, 32) != 0) {
            rc = lpi_error(ctx, LP_EPASSPHRASE, "wrong passphrase for %s",
                           what);
            goto done;
        }
    } else {
        static const unsigned char zero[32];
        /* minisign -W leaves the checksum zero; ours is filled in */
        seckey_chk(chk, raw);
        if (sodium_memcmp(keynum + LP_KEYID_BYTES + 64, zero, 32) != 0 &&
            sodium_memcmp(chk, keynum + LP_KEYID_BYTES + 64, 32) != 0) {
            rc = lpi_error(ctx, LP_EFORMAT, "%s: damaged (checksum does "
                           "not match)", what);
            goto done;
        }
    }
    /* the secret key's second half is its public key: check it is */
    if (crypto_sign_ed25519_sk_to_pk(pk, keynum + LP_KEYID_BYTES) != 0) {
        rc = lpi_error(ctx, LP_EINTERNAL, "libsodium failed");
        goto done;
    }
    sk = sodium_malloc(64);
    if (!sk) {
        rc = lpi_nomem(ctx);
        goto done;
    }
    {
        unsigned char pk2[32];
        crypto_sign_seed_keypair(pk2, sk, keynum + LP_KEYID_BYTES);
        if (sodium_memcmp(pk2, pk, 32) != 0 ||
            sodium_memcmp(sk, keynum + LP_KEYID_BYTES, 64) != 0) {
            rc = lpi_error(ctx, LP_EFORMAT, "%s: damaged (its halves do "
                           "not match)", what);
            goto done;
        }
    }
    k = key_new(ctx);
    if (!k) {
        rc = LP_ENOMEM;
        goto done;
    }
    memcpy(k->id, keynum, LP_KEYID_BYTES);
    memcpy(k->pk, pk, 32);
    k->sk = sk;
    sk = NULL;
    key_finish(k);
    *out = k;
done:
    sodium_memzero(chk, sizeof(chk));
    if (sk) {
        sodium_memzero(sk, 64);
        sodium_free(sk);
    }
    sodium_memzero(raw, LPI_MS_SK_BYTES);
    sodium_free(raw);
    return rc;
}

static int load_secret(lp_key **out, lp_ctx *ctx, const char *path,
                       const char *passphrase, int *encrypted)
{
    char *buf = NULL;
    size_t len = 0;
    lpi_buf what;
    int rc;

    lpi_buf_init(&what, 4096 + LP_MAX_PATH_BYTES);
    rc = lpi_read_secret_file(ctx, path, LPI_MS_KEY_FILE_MAX, &buf, &len);
    if (rc == LP_ETOOBIG)
        rc = lpi_error(ctx, LP_EFORMAT, "'%s' is not a secret key: larger "
                       "than %u bytes", path, LPI_MS_KEY_FILE_MAX);
    if (rc == 0)
        rc = lpi_buf_printf(&what, ctx, "secret key '%s'", path);
    if (rc == 0 && encrypted) {
        unsigned char *raw = sodium_malloc(LPI_MS_SK_BYTES);
        rc = raw ? seckey_decode(ctx, buf, len, raw, what.data)
                 : lpi_nomem(ctx);
        if (rc == 0)
            *encrypted = memcmp(raw + 2, LPI_MS_KDF, 2) == 0;
        if (raw) {
            sodium_memzero(raw, LPI_MS_SK_BYTES);
            sodium_free(raw);
        }
    } else if (rc == 0) {
        rc = lpi_seckey_parse(out, ctx, buf, len, passphrase, what.data);
    }
    lpi_buf_dispose(&what, ctx);
    free_secret_file(buf, LPI_MS_KEY_FILE_MAX);
    return rc;
}

int lp_key_load_secret(lp_key **out, lp_ctx *ctx, const char *path,
                       const char *passphrase)
{
    LP_ASSERT_ARG(out && ctx && path);
    *out = NULL;
    return load_secret(out, ctx, path, passphrase, NULL);
}

int lp_key_secret_encrypted(lp_ctx *ctx, const char *path)
{
    int encrypted = 0, rc;

    LP_ASSERT_ARG(ctx && path);
    rc = load_secret(NULL, ctx, path, NULL, &encrypted);
    return rc < 0 ? rc : encrypted;
}

int lp_key_generate(lp_key **out, lp_ctx *ctx)
{
    lp_key *k;

    LP_ASSERT_ARG(out && ctx);
    *out = NULL;
    k = key_new(ctx);
    if (!k)
        return LP_ENOMEM;
    k->sk = sodium_malloc(64);
    if (!k->sk) {
        lpi_free(ctx, k);
        return lpi_nomem(ctx);
    }
    randombytes_buf(k->id, sizeof(k->id));
    crypto_sign_keypair(k->pk, k->sk);
    key_finish(k);
    *out = k;
    return 0;
}

/* The secret key file's text, in sodium_malloc'd memory */
static int seckey_text(const lp_key *k, const char *passphrase, char **out,
                       size_t *len)
{
    lp_ctx *ctx = k->ctx;
    const size_t cap = 128 + B64_SK_LEN + 2;
    unsigned char *raw;
    char *text;
    int rc = 0, n;

    raw = sodium_malloc(LPI_MS_SK_BYTES);
    text = sodium_malloc(cap);
    if (!raw || !text) {
        rc = lpi_nomem(ctx);
        goto done;
    }
    memset(raw, 0, LPI_MS_SK_BYTES);
    memcpy(raw, LPI_MS_ALG, 2);
    memcpy(raw + 4, LPI_MS_CHK, 2);
    memcpy(raw + LPI_MS_KEYNUM_OFF, k->id, LP_KEYID_BYTES);
    memcpy(raw + LPI_MS_KEYNUM_OFF + LP_KEYID_BYTES, k->sk, 64);
    seckey_chk(raw + LPI_MS_KEYNUM_OFF + LP_KEYID_BYTES + 64, raw);
    if (passphrase) {
        /* minisign's limits, halved while memory is short, as it does */
        uint64_t ops = crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE;
        uint64_t mem = crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE;

        memcpy(raw + 2, LPI_MS_KDF, 2);
        randombytes_buf(raw + LPI_MS_SALT_OFF, 32);
        for (;;) {
            put_le64(raw + LPI_MS_OPS_OFF, ops);
            put_le64(raw + LPI_MS_MEM_OFF, mem);
            rc = seckey_xor(ctx, raw, passphrase, ops, mem);
            if (rc != LP_ENOMEM)
                break;
            ops /= 2;
            mem /= 2;
            if (ops < crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_MIN ||
                mem < crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_MIN)
                break;
        }
        if (rc < 0)
            goto done;
    }
    n = snprintf(text, cap, LPI_MS_UNTRUSTED "minisign %s secret key\n",
                 passphrase ? "encrypted" : "unencrypted");
    sodium_bin2base64(text + n, cap - (size_t)n, raw, LPI_MS_SK_BYTES,
                      sodium_base64_VARIANT_ORIGINAL);
    n += B64_SK_LEN;
    text[n++] = '\n';
    text[n] = '\0';
    *out = text;
    *len = (size_t)n;
    text = NULL;
done:
    if (raw) {
        sodium_memzero(raw, LPI_MS_SK_BYTES);
        sodium_free(raw);
    }
    if (text) {
        sodium_memzero(text, cap);
        sodium_free(text);
    }
    return rc;
}

/* Can a key file be written at path?  Its folder must be writable, and
 * the file absent unless replace */
static int check_writable(lp_ctx *ctx, const char *path, bool replace)
{
    struct stat sb;
    const char *slash = strrchr(path, '/');
    lpi_buf dir;
    int rc = 0;

    if (lstat(path, &sb) == 0) {
        if (!replace)
            return lpi_error(ctx, LP_EEXIST, "'%s' exists", path);
        if (S_ISDIR(sb.st_mode))
            return lpi_error(ctx, LP_EIO, "'%s' is a folder", path);
    }
    lpi_buf_init(&dir, 4096 + LP_MAX_PATH_BYTES);
    if (!slash)
        rc = lpi_buf_printf(&dir, ctx, ".");
    else if (slash == path)
        rc = lpi_buf_printf(&dir, ctx, "/");
    else
        rc = lpi_buf_printf(&dir, ctx, "%.*s", (int)(slash - path), path);
    if (rc == 0 && access(dir.data, W_OK | X_OK) < 0)
        rc = lpi_error(ctx, LP_EIO, "cannot write '%s' (in '%s'): %s", path,
                       dir.data, strerror(errno));
    lpi_buf_dispose(&dir, ctx);
    return rc;
}

int lp_key_save_check(lp_ctx *ctx, const char *public_path,
                      const char *secret_path, unsigned flags)
{
    bool replace = (flags & LP_KEY_REPLACE) != 0;
    int rc;

    LP_ASSERT_ARG(ctx && public_path && secret_path);
    if (strcmp(public_path, secret_path) == 0)
        return lpi_error(ctx, LP_EINVAL, "the public and the secret key "
                         "cannot both be '%s'", public_path);
    rc = check_writable(ctx, secret_path, replace);
    if (rc == 0)
        rc = check_writable(ctx, public_path, replace);
    return rc;
}

int lp_key_save(const lp_key *k, const char *public_path,
                const char *secret_path, const char *passphrase,
                unsigned flags)
{
    bool replace = (flags & LP_KEY_REPLACE) != 0;
    char pub[256], *sec = NULL;
    size_t seclen = 0;
    int rc;

    LP_ASSERT_ARG(k && public_path && secret_path);
    if (!k->sk)
        return lpi_error(k->ctx, LP_EINVAL, "key %s has no secret half",
                         k->id_hex);
    if (passphrase && strlen(passphrase) > LP_MAX_PASSPHRASE_BYTES)
        return lpi_error(k->ctx, LP_EINVAL, "passphrase longer than %u "
                         "bytes", LP_MAX_PASSPHRASE_BYTES);
    /* refuse before the slow key derivation, and again when writing */
    rc = lp_key_save_check(k->ctx, public_path, secret_path, flags);
    if (rc < 0)
        return rc;
    rc = seckey_text(k, passphrase, &sec, &seclen);
    if (rc < 0)
        return rc;
    rc = lpi_write_file_atomic(k->ctx, secret_path, sec, seclen, 0600,
                               replace);
    sodium_memzero(sec, seclen);
    sodium_free(sec);
    if (rc < 0)
        return rc;
    snprintf(pub, sizeof(pub),
             LPI_MS_UNTRUSTED "minisign public key %016" PRIX64 "\n%s\n",
             le64(k->id), k->b64);
    return lpi_write_file_atomic(k->ctx, public_path, pub, strlen(pub),
                                 0666, replace);
}

const char *lp_key_id(const lp_key *k) { return k->id_hex; }
const char *lp_key_base64(const lp_key *k) { return k->b64; }

void lp_key_free(lp_key *k)
{
    if (!k)
        return;
    if (k->sk) {
        sodium_memzero(k->sk, 64);
        sodium_free(k->sk);
    }
    lpi_free(k->ctx, k);
}

/* ------------------------------------------------------------ signatures */

int lp_sig_parse(lp_sig **out, lp_ctx *ctx, const void *data, size_t len,
                 const char *what)
{
    const char *text = data, *line[4];
    size_t llen[4], at = 0;
    const size_t tlen = strlen(LPI_MS_TRUSTED);
    const size_t ulen = strlen(LPI_MS_UNTRUSTED);
    unsigned char raw[LPI_MS_SIG_BYTES];
    lp_sig *s = NULL;
    lpi_buf canon;
    int rc;

    LP_ASSERT_ARG(out && ctx && (data || len == 0) && what);
    *out = NULL;
    if (len > LP_SIG_MAX_FILE_BYTES)
        return lpi_error(ctx, LP_EFORMAT, "%s: larger than %u bytes", what,
                         LP_SIG_MAX_FILE_BYTES);
    if (memchr(text, '\0', len))
        return lpi_error(ctx, LP_EFORMAT, "%s: not a text file", what);
    for (int i = 0; i < 4; i++)
        if (next_line(text, len, &at, &line[i], &llen[i]) < 0)
            return lpi_error(ctx, LP_EFORMAT, "%s: truncated: %d of 4 "
                             "lines", what, i);
    if (at != len)
        return lpi_error(ctx, LP_EFORMAT, "%s: unexpected text after line 4",
                         what);
    rc = untrusted_line(ctx, line[0], llen[0], what);
    if (rc < 0)
        return rc;
    if (lpi_b64_decode(raw, sizeof(raw), line[1], llen[1]) < 0)
        return lpi_error(ctx, LP_EFORMAT, "%s: line 2: not a signature (bad "
                         "base64 or wrong length)", what);
    if (memcmp(raw, LPI_MS_ALG, 2) == 0)
        return lpi_error(ctx, LP_EFORMAT, "%s: a legacy minisign signature "
                         "(not prehashed); sign with 'minisign -S' 0.8 or "
                         "later, without -l", what);
    if (memcmp(raw, LPI_MS_ALG_HASHED, 2) != 0)
        return lpi_error(ctx, LP_EFORMAT, "%s: unsupported signature "
                         "algorithm", what);
    if (llen[2] < tlen || memcmp(line[2], LPI_MS_TRUSTED, tlen) != 0)
        return lpi_error(ctx, LP_EFORMAT, "%s: line 3 does not start with "
                         "'" LPI_MS_TRUSTED "'", what);
    if (llen[2] - tlen > LP_SIG_MAX_TRUSTED_COMMENT)
        return lpi_error(ctx, LP_EFORMAT, "%s: line 3: trusted comment "
                         "longer than %u bytes", what,
                         LP_SIG_MAX_TRUSTED_COMMENT);
    if (!lpi_comment_ok(line[2] + tlen, llen[2] - tlen))
        return lpi_error(ctx, LP_EFORMAT, "%s: line 3: control character "
                         "or invalid UTF-8 in the trusted comment", what);
    s = lpi_calloc(ctx, 1, sizeof(*s));
    if (!s)
        return LP_ENOMEM;
    s->ctx = ctx;
    if (lpi_b64_decode(s->global, sizeof(s->global), line[3],
                       llen[3]) < 0) {
        rc = lpi_error(ctx, LP_EFORMAT, "%s: line 4: not a signature (bad "
                       "base64 or wrong length)", what);
        goto fail;
    }
    s->prehashed = true;
    memcpy(s->id, raw + 2, LP_KEYID_BYTES);
    memcpy(s->sig, raw + 2 + LP_KEYID_BYTES, 64);
    lpi_keyid_hex(s->id_hex, s->id);
    s->untrusted = lpi_malloc(ctx, llen[0] - ulen + 1);
    s->trusted = lpi_malloc(ctx, llen[2] - tlen + 1);
    if (!s->untrusted || !s->trusted) {
        rc = LP_ENOMEM;
        goto fail;
    }
    memcpy(s->untrusted, line[0] + ulen, llen[0] - ulen);
    s->untrusted[llen[0] - ulen] = '\0';
    memcpy(s->trusted, line[2] + tlen, llen[2] - tlen);
    s->trusted[llen[2] - tlen] = '\0';
    /* keep the canonical form (LF endings), what we store and write */
    lpi_buf_init(&canon, LP_SIG_MAX_FILE_BYTES + 8);
    rc = 0;
    for (int i = 0; i < 4 && rc == 0; i++) {
        rc = lpi_buf_add(&canon, ctx, line[i], llen[i]);
        if (rc == 0)
            rc = lpi_buf_add(&canon, ctx, "\n", 1);
    }
    if (rc < 0) {
        lpi_buf_dispose(&canon, ctx);
        goto fail;
    }
    s->text = canon.data;
    s->text_len = canon.len;
    *out = s;
    return 0;
fail:
    lp_sig_free(s);
    return rc;
}

int lp_sig_load(lp_sig **out, lp_ctx *ctx, const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    lpi_buf what;
    int rc;

    LP_ASSERT_ARG(out && ctx && path);
    *out = NULL;
    rc = lpi_read_secret_file(ctx, path, LP_SIG_MAX_FILE_BYTES, &buf, &len);
    if (rc == LP_ETOOBIG)
        rc = lpi_error(ctx, LP_EFORMAT, "'%s' is not a signature: larger "
                       "than %u bytes", path, LP_SIG_MAX_FILE_BYTES);
    if (rc < 0)
        return rc;
    lpi_buf_init(&what, 4096 + LP_MAX_PATH_BYTES);
    rc = lpi_buf_printf(&what, ctx, "signature '%s'", path);
    if (rc == 0)
        rc = lp_sig_parse(out, ctx, buf, len, what.data);
    lpi_buf_dispose(&what, ctx);
    free_secret_file(buf, LP_SIG_MAX_FILE_BYTES);
    return rc;
}

const char *lp_sig_key_id(const lp_sig *s) { return s->id_hex; }
const char *lp_sig_trusted_comment(const lp_sig *s) { return s->trusted; }

const char *lp_sig_text(const lp_sig *s, size_t *len)
{
    if (len)
        *len = s->text_len;
    return s->text;
}

int lp_sig_save(const lp_sig *s, const char *path)
{
    LP_ASSERT_ARG(s && path);
    return lpi_write_file_atomic(s->ctx, path, s->text, s->text_len, 0666,
                                 true);
}

void lp_sig_free(lp_sig *s)
{
    if (!s)
        return;
    lpi_free(s->ctx, s->untrusted);
    lpi_free(s->ctx, s->trusted);
    lpi_free(s->ctx, s->text);
    lpi_free(s->ctx, s);
}
