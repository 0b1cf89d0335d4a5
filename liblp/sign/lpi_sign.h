/*
 * lpi_sign.h - liblp internals for signatures and trust: minisign's file
 * formats (minisign.c), signing packages (sign.c), trust files and the
 * verification policy (trust.c).  Not installed.
 */
#ifndef LPI_SIGN_H
#define LPI_SIGN_H

#include "lpi_package.h"

/* minisign's algorithm tags and line prefixes (minisign(1) file formats) */
#define LPI_MS_ALG "Ed"            /* key algorithm; legacy signatures */
#define LPI_MS_ALG_HASHED "ED"     /* signature over BLAKE2b-512 */
#define LPI_MS_KDF "Sc"            /* scrypt-encrypted secret key */
#define LPI_MS_CHK "B2"            /* BLAKE2b-256 key checksum */
#define LPI_MS_UNTRUSTED "untrusted comment: "
#define LPI_MS_TRUSTED "trusted comment: "

/* Binary layouts, in bytes */
#define LPI_MS_PK_BYTES (2 + LP_KEYID_BYTES + 32)          /* 42 */
#define LPI_MS_SIG_BYTES (2 + LP_KEYID_BYTES + 64)         /* 74 */
#define LPI_MS_KEYNUM_SK_BYTES (LP_KEYID_BYTES + 64 + 32)  /* 104 */
#define LPI_MS_SK_BYTES (6 + 32 + 8 + 8 + LPI_MS_KEYNUM_SK_BYTES) /* 158 */
#define LPI_MS_SALT_OFF 6
#define LPI_MS_OPS_OFF 38
#define LPI_MS_MEM_OFF 46
#define LPI_MS_KEYNUM_OFF 54

/* Largest key file we read: a comment line and one base64 line */
#define LPI_MS_KEY_FILE_MAX 2048u

struct lp_key {
    lp_ctx *ctx;
    unsigned char id[LP_KEYID_BYTES];   /* as stored (little-endian) */
    unsigned char pk[32];
    unsigned char *sk;                  /* sodium_malloc'd 64 bytes or NULL */
    char id_hex[LP_KEYID_HEX_BYTES + 1];
    char b64[LP_KEY_BASE64_BYTES + 1];
};

struct lp_sig {
    lp_ctx *ctx;
    unsigned char id[LP_KEYID_BYTES];
    unsigned char sig[64];
    unsigned char global[64];
    bool prehashed;
    char id_hex[LP_KEYID_HEX_BYTES + 1];
    char *untrusted;                    /* without prefix */
    char *trusted;                      /* without prefix */
    char *text;                         /* the file's bytes, canonical */
    size_t text_len;
};

/* key id bytes -> the 16 lowercase hex digits minisign prints (as a
 * little-endian 64-bit number) */
void lpi_keyid_hex(char out[LP_KEYID_HEX_BYTES + 1],
                   const unsigned char id[LP_KEYID_BYTES]);
/* and back; -1 unless exactly 16 hex digits (either case) */
int lpi_keyid_unhex(unsigned char id[LP_KEYID_BYTES], const char *hex,
                    size_t len);

/* Strict base64 (original alphabet, padded, canonical) of exactly n bytes */
int lpi_b64_decode(unsigned char *out, size_t n, const char *s, size_t len);

/* Parse a public key from its base64 form (what the second line holds) */
int lpi_key_from_b64(lp_key **out, lp_ctx *ctx, const char *s, size_t len,
                     const char *what);

/* Parse the bytes of a public or secret key file.  what names it in
 * messages.  passphrase may be NULL for an unencrypted secret key. */
int lpi_pubkey_parse(lp_key **out, lp_ctx *ctx, const char *data,
                     size_t len, const char *what);
int lpi_seckey_parse(lp_key **out, lp_ctx *ctx, const char *data,
                     size_t len, const char *passphrase, const char *what);

/* A comment line's text: no control character but TAB, valid UTF-8 */
bool lpi_comment_ok(const char *s, size_t len);

/* Read a small file whole into sodium_malloc'd memory (NUL-terminated);
 * free with sodium_free.  LP_ETOOBIG past max. */
int lpi_read_secret_file(lp_ctx *ctx, const char *path, size_t max,
                         char **out, size_t *len);

#define LPI_SIG_SUFFIX ".minisig"

struct lpi_sigcomment;

/* lp_sig_verify() when the manifest's id and version are known; *out
 * (may be NULL) receives the parsed trusted comment */
int lpi_sig_verify(const lp_sig *s, const lp_key *k,
                   const unsigned char *manifest, size_t len,
                   const char *id, uint64_t version,
                   struct lpi_sigcomment *out);
/* Index of the first signature entry of an open package */
size_t lpi_first_signature(const lp_package *p);
/* "signatures/ID.minisig" into name */
int lpi_signature_name(lp_ctx *ctx, lpi_buf *name, const char *id_hex);

/* The parsed trusted comment of an lp signature (sign.c) */
struct lpi_sigcomment {
    char id[LP_MAX_ID_BYTES + 1];
    uint64_t version;
    int64_t time;
    const char *comment;   /* into the parsed string, or NULL */
};
typedef struct lpi_sigcomment lpi_sigcomment;

int lpi_sigcomment_parse(lpi_sigcomment *c, lp_ctx *ctx, const char *s);

/* Detached signatures (sign.c; of trust files, lp-trust(5) ROTATION, or
 * any file for a purpose): made over the file's exact bytes, with the
 * trusted comment "lp-PURPOSE-signature v1 time=T[ comment=C]"; *time
 * gets T.  lpi_purpose_check: LP_EINVAL unless 1 to
 * LP_SIG_MAX_PURPOSE_BYTES lowercase letters. */
int lpi_purpose_check(lp_ctx *ctx, const char *purpose);
int lpi_detached_verify(const lp_sig *s, const lp_key *k,
                        const char *purpose, const void *data, size_t len,
                        int64_t *time);

/* A verifier's state file (state.c, lp-trust(5) STATE): largest one we
 * read, and its parser (what names it in messages) */
#define LPI_STATE_MAX_BYTES 512u
int lpi_state_parse(lp_ctx *ctx, const char *data, size_t len,
                    const char *what, char id[LP_MAX_ID_BYTES + 1],
                    uint64_t *version, int64_t *signed_at);
/* The state's record of trust updates (DIR/_trust.state): the newest
 * signing time of an accepted trust file, -1 if none; raised only */
int lpi_trust_state_parse(lp_ctx *ctx, const char *data, size_t len,
                          const char *what, int64_t *signed_at);
int64_t lpi_state_trust_time(const lp_state *st);
/* The state's folder (other parts keep their own files in it) */
const char *lpi_state_dir(const lp_state *st);
int lpi_state_record_trust(lp_state *st, int64_t signed_at);
/* A trust update with 'reset-clock' (lp-trust(5), CLOCK) was accepted:
 * lower every signing time in the state above signed_at to it, and
 * record the update (versions are kept) */
int lpi_state_reset_clock(lp_state *st, int64_t signed_at);

#endif /* LPI_SIGN_H */
