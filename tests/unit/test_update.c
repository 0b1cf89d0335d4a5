/*
 * test_update.c - update repositories through the public API (lp-repo(5),
 * issue 11): an index's text survives parse and publish unchanged but for
 * its serial and times; hostile indexes (another key, below threshold,
 * expired, an older serial, tampered, oversized, malformed numbers and
 * hashes) are refused, each with its own code and message; lp_update's
 * plan is the fewest bytes (a chain, one delta, the full package; ties go
 * to fewer files; no path from the hub's build means the full package);
 * lp_package_accept() refuses an unsigned, older or expired target and
 * an update to one leaves the hub's package as it was; and every
 * allocation failing in turn in a publish / check / update cycle gives a
 * clean LP_ENOMEM, no leak, the hub's package untouched.
 */
#include "unit.h"
#include "torture.h"

#include <inttypes.h>
#include <stdbool.h>

#include <sodium.h>

#define T0 1765000000          /* signing time of everything here */
#define ID "org.example.upd"

typedef struct fixture {
    char *dir, *repo, *trust_a, *trust_ab;
    char *rel[5];              /* releases 1..4, signed by a */
    char *unsigned5, *expired5, *rogue5;
    lp_ctx *kctx;              /* the keys' */
    lp_key *a, *b, *rogue;
} fixture;

static fixture fx;

/* ------------------------------------------------------------ helpers */

static char *hex(const unsigned char *h, char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
    return out;
}

static void sign_pkg(const char *path, const lp_key *key)
{
    lp_ctx *ctx;
    lp_package *p;
    lp_sig *sig;
    const unsigned char *m;
    size_t mlen;

    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_package_open(&p, ctx, path), 0);
    m = lp_package_manifest(p, &mlen);
    assert_int_equal(lp_sig_sign_manifest(&sig, ctx, key, m, mlen, T0,
                                          NULL), 0);
    assert_int_equal(lp_package_add_signature(p, sig, key), 0);
    lp_sig_free(sig);
    lp_package_free(p);
    lp_ctx_free(ctx);
}

/* A small release: texts that change a little, one new picture each */
static void make_release(const char *path, uint64_t version, int64_t expires,
                         const lp_key *key)
{
    lp_writer_opts o = LP_WRITER_OPTS_INIT;
    lp_ctx *ctx;
    lp_writer *w;
    char name[64], text[8000];
    unsigned char pic[3000];

    o.created = 1700000000 + (int64_t)version * 86400;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_writer_new(&w, ctx, path, &o), 0);
    assert_int_equal(lp_writer_set_identity(w, ID, version, "Term", "en"),
                     0);
    if (expires >= 0)
        assert_int_equal(lp_writer_set_expiry(w, expires), 0);
    for (int i = 0; i < 6; i++) {
        size_t n = 0;
        snprintf(name, sizeof(name), "lessons/%02d.txt", i);
        for (int k = 0; k < 150; k++)
            n += (size_t)snprintf(text + n, sizeof(text) - n,
                                  "Lesson %d line %d: %s.\n", i, k,
                                  (uint64_t)i == version ? "edited"
                                                         : "as before");
        assert_int_equal(lp_writer_add_buffer(w, name, text, n, NULL), 0);
    }
    for (size_t k = 0; k < sizeof(pic); k++)
        pic[k] = (unsigned char)((k * 2654435761u + version * 7919u) >> 11);
    snprintf(name, sizeof(name), "media/%" PRIu64 ".jpg", version);
    assert_int_equal(lp_writer_add_buffer(w, name, pic, sizeof(pic),
                                          "image/jpeg"), 0);
    assert_int_equal(lp_writer_commit(w), 0);
    lp_writer_free(w);
    lp_ctx_free(ctx);
    if (key)
        sign_pkg(path, key);
}

static void write_trust(const char *path, unsigned threshold,
                        const lp_key *k1, const lp_key *k2)
{
    char t[1024];
    int n = snprintf(t, sizeof(t), "lp-trust 1\nthreshold %u\n"
                     "key %s - - first\n", threshold, lp_key_base64(k1));
    if (k2)
        n += snprintf(t + n, sizeof(t) - (size_t)n, "key %s - - second\n",
                      lp_key_base64(k2));
    unit_write(path, t, (size_t)n);
}

static lp_trust *trust_of(lp_ctx *ctx, const char *path)
{
    lp_trust *t;

    assert_int_equal(lp_trust_load(&t, ctx, path), 0);
    return t;
}

/* Run a shell command made with printf-like arguments */
static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void run(const char *fmt, ...)
{
    char cmd[8400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    assert_int_equal(system(cmd), 0);
}

/* An index for the signed text, signed by each key given */
static char *signed_index(const char *text, const lp_key *k1,
                          const lp_key *k2, size_t *len)
{
    lp_ctx *ctx;
    size_t n = strlen(text), cap = n + 4096;
    char *out = malloc(cap);
    const lp_key *keys[2] = { k1, k2 };

    assert_non_null(out);
    memcpy(out, text, n);
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    for (int i = 0; i < 2 && keys[i]; i++) {
        lp_sig *s;
        const char *st;
        size_t sl;
        assert_int_equal(lp_sig_sign_detached(&s, ctx, keys[i], "index",
                                              text, strlen(text), T0, NULL),
                         0);
        st = lp_sig_text(s, &sl);
        assert_true(n + sl <= cap);
        memcpy(out + n, st, sl);
        n += sl;
        lp_sig_free(s);
    }
    lp_ctx_free(ctx);
    *len = n;
    return out;
}

/* The text of the signed part of an index file (up to "signatures") */
static char *signed_part(const char *path)
{
    size_t n;
    char *t = (char *)unit_read(path, &n), *end;

    t[n] = '\0';
    end = strstr(t, "\nsignatures\n");
    assert_non_null(end);
    end[strlen("\nsignatures\n")] = '\0';
    return t;
}

/* ------------------------------------------------------------ fixture */

static int setup(void **state)
{
    char name[32];

    (void)state;
    setenv("SOURCE_DATE_EPOCH", "1765000000", 1);
    fx.dir = unit_tmpdir();
    fx.repo = unit_path(fx.dir, "repo");
    fx.trust_a = unit_path(fx.dir, "trust-a");
    fx.trust_ab = unit_path(fx.dir, "trust-ab");
    assert_int_equal(lp_ctx_new(&fx.kctx, NULL), 0);
    assert_int_equal(lp_key_generate(&fx.a, fx.kctx), 0);
    assert_int_equal(lp_key_generate(&fx.b, fx.kctx), 0);
    assert_int_equal(lp_key_generate(&fx.rogue, fx.kctx), 0);
    write_trust(fx.trust_a, 1, fx.a, NULL);
    write_trust(fx.trust_ab, 2, fx.a, fx.b);
    for (int v = 1; v <= 4; v++) {
        snprintf(name, sizeof(name), "r%d.lpk", v);
        fx.rel[v] = unit_path(fx.dir, name);
        make_release(fx.rel[v], (uint64_t)v, -1, fx.a);
    }
    fx.unsigned5 = unit_path(fx.dir, "unsigned5.lpk");
    make_release(fx.unsigned5, 5, -1, NULL);
    fx.expired5 = unit_path(fx.dir, "expired5.lpk");
    make_release(fx.expired5, 5, T0 - 86400, fx.a);
    fx.rogue5 = unit_path(fx.dir, "rogue5.lpk");
    make_release(fx.rogue5, 5, -1, fx.rogue);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unit_rmdir(fx.dir);
    free(fx.repo);
    free(fx.trust_a);
    free(fx.trust_ab);
    for (int v = 1; v <= 4; v++)
        free(fx.rel[v]);
    free(fx.unsigned5);
    free(fx.expired5);
    free(fx.rogue5);
    lp_key_free(fx.a);
    lp_key_free(fx.b);
    lp_key_free(fx.rogue);
    lp_ctx_free(fx.kctx);
    return 0;
}

/* Publish paths into dir with key a (and b), at time now */
static int publish(lp_ctx *ctx, const char *dir, const char *const *pkgs,
                   size_t n, unsigned deltas, int refresh, int64_t now,
                   bool cosign, lp_publish_result *res)
{
    lp_publish_opts o = LP_PUBLISH_OPTS_INIT;
    const lp_key *keys[2] = { fx.a, fx.b };

    o.deltas = deltas;
    o.refresh = refresh;
    o.now = now;
    o.valid_for = 30 * 86400;
    o.delta.threads = 1;
    o.delta.level = 1;
    return lp_repo_publish(ctx, dir, pkgs, n, keys, cosign ? 2 : 1, &o, res);
}

/* ------------------------------------------------------------ the index */

/* What publish writes, parse reads back exactly: every release and delta,
 * with the sizes and hashes of the files in the folder */
static void test_publish_parse(void **state)
{
    lp_ctx *ctx;
    lp_publish_result res;
    lp_repo *r;
    lp_repo_release rel;
    lp_repo_delta d;
    char *path, *file, h[65];
    const char *pkgs[4] = { fx.rel[1], fx.rel[2], fx.rel[3], fx.rel[4] };
    unsigned char *data, fh[32];
    size_t len, flen;

    (void)state;
    run("rm -rf '%s'", fx.repo);
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(publish(ctx, fx.repo, pkgs, 4, 2, 0, T0, false, &res),
                     0);
    assert_int_equal(res.serial, 1);
    assert_int_equal(res.releases, 4);
    assert_int_equal(res.deltas, 2);      /* 2 -> 4 and 3 -> 4 */
    assert_int_equal(res.changed, 1);
    path = unit_path(fx.repo, "index");
    data = unit_read(path, &len);
    assert_int_equal(lp_repo_parse(&r, ctx, data, len, path), 0);
    assert_int_equal(lp_repo_serial(r), 1);
    assert_int_equal(lp_repo_expires(r), T0 + 30 * 86400);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(lp_repo_release_get(r, ID, i, &rel), 0);
        assert_string_equal(rel.id, ID);
        assert_int_equal(rel.version, i + 1);
        assert_string_equal(rel.label, "Term");
        assert_int_equal(rel.expires, -1);
        file = unit_path(fx.repo, rel.path);
        {
            unsigned char *f = unit_read(file, &flen);
            assert_int_equal(flen, rel.size);
            crypto_generichash(fh, 32, f, flen, NULL, 0);
            assert_string_equal(hex(fh, h), rel.file_hash);
            free(f);
        }
        /* the file is the release, byte for byte */
        assert_true(unit_same_file(file, fx.rel[i + 1]));
        free(file);
    }
    assert_int_equal(lp_repo_release_get(r, ID, 4, &rel), LP_ENOTFOUND);
    assert_int_equal(lp_repo_release_get(r, "org.example.none", 0, &rel),
                     LP_ENOTFOUND);
    assert_int_equal(lp_repo_delta_get(r, ID, 0, &d), 0);
    assert_int_equal(d.base, 2);
    assert_int_equal(d.target, 4);
    assert_int_equal(lp_repo_delta_get(r, ID, 1, &d), 0);
    assert_int_equal(d.base, 3);
    assert_int_equal(lp_repo_delta_get(r, ID, 2, &d), LP_ENOTFOUND);
    lp_repo_free(r);
    free(data);

    /* the same packages again: nothing new, the same bytes */
    data = unit_read(path, &len);
    assert_int_equal(publish(ctx, fx.repo, pkgs, 4, 2, 0, T0 + 50, false,
                             &res), 0);
    assert_int_equal(res.changed, 0);
    assert_int_equal(res.serial, 1);
    {
        size_t len2;
        unsigned char *again = unit_read(path, &len2);
        assert_int_equal(len, len2);
        assert_memory_equal(data, again, len);
        free(again);
    }
    free(data);
    free(path);
    lp_ctx_free(ctx);
}

/* An index written by hand in the canonical form comes out of parse and
 * format (a refresh by publish) the same, but for serial and times */
static void test_text_roundtrip(void **state)
{
    static const char *const fmt =
        "lp-repo 1\nserial %u\ncreated %s\nexpires %s\n"
        "package org.example.a\n"
        "release 1 100 %s %s - First term\n"
        "release 7 2000 %s %s 2030-01-01T00:00:00Z Term  7, with spaces\n"
        "delta 1 7 50 %s\n"
        "package org.example.b\n"
        "release 18446744073709 5 %s %s -\n"
        "signatures\n";
    char h1[65], h2[65], h3[65], text[4096], want[4096];
    char *path, *got;
    size_t len;
    lp_ctx *ctx;
    lp_publish_result res;
    lp_repo *r;
    lp_repo_release rel;

    (void)state;
    memset(h1, '1', 64);
    memset(h2, 'a', 64);
    memset(h3, 'f', 64);
    h1[64] = h2[64] = h3[64] = '\0';
    snprintf(text, sizeof(text), fmt, 41u, "2025-01-01T00:00:00Z",
             "2025-02-01T00:00:00Z", h1, h2, h2, h3, h3, h1, h2);
    run("rm -rf '%s' && mkdir '%s'", fx.repo, fx.repo);
    path = unit_path(fx.repo, "index");
    {
        char *file = signed_index(text, fx.a, NULL, &len);
        unit_write(path, file, len);
        assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
        assert_int_equal(lp_repo_parse(&r, ctx, file, len, path), 0);
        free(file);
    }
    assert_int_equal(lp_repo_release_get(r, "org.example.a", 1, &rel), 0);
    assert_string_equal(rel.label, "Term  7, with spaces");
    assert_int_equal(rel.expires, 1893456000);
    assert_int_equal(rel.size, 2000);
    assert_string_equal(rel.manifest_hash, h3);
    assert_int_equal(lp_repo_release_get(r, "org.example.b", 0, &rel), 0);
    assert_int_equal(rel.version, 18446744073709u);
    assert_string_equal(rel.label, "");
    lp_repo_free(r);

    /* parsed and formatted again: only the serial and times change */
    assert_int_equal(publish(ctx, fx.repo, NULL, 0, 0, 1, T0, false, &res),
                     0);
    assert_int_equal(res.serial, 42);
    snprintf(want, sizeof(want), fmt, 42u, "2025-12-06T05:46:40Z",
             "2026-01-05T05:46:40Z", h1, h2, h2, h3, h3, h1, h2);
    got = signed_part(path);
    assert_string_equal(got, want);
    free(got);
    free(path);
    lp_ctx_free(ctx);
}

/* check_bytes: lp_repo_check() of an index file's bytes at time now */
static int check_bytes(lp_ctx *ctx, const void *data, size_t len,
                       const char *trust_path, const lp_state *st,
                       int64_t now)
{
    lp_repo_check_opts co = LP_REPO_CHECK_OPTS_INIT;
    lp_trust *t = trust_of(ctx, trust_path);
    lp_repo *r = NULL;
    int rc;

    co.now = now;
    rc = lp_repo_check(&r, ctx, data, len, "index", t, st, ID, &co);
    if (rc == 0)
        assert_non_null(r);
    else
        assert_null(r);
    lp_repo_free(r);
    lp_trust_free(t);
    return rc;
}

#define HEAD "lp-repo 1\nserial 3\ncreated 2025-12-01T00:00:00Z\n" \
             "expires 2026-01-01T00:00:00Z\npackage " ID "\n"
#define HA "1111111111111111111111111111111111111111111111111111111111111111"
#define HU "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB"
#define HB "abababababababababababababababababababababababababababababababab"

static void expect_refused(lp_ctx *ctx, const char *text, int code,
                           const char *msg)
{
    size_t len;
    char *file = signed_index(text, fx.a, NULL, &len);
    int rc = check_bytes(ctx, file, len, fx.trust_a, NULL, T0);

    if (rc != code || !strstr(lp_ctx_errmsg(ctx), msg))
        fail_msg("'%s...': got %d '%s', expected %d '%s'", text + 70, rc,
                 lp_ctx_errmsg(ctx), code, msg);
    free(file);
}

static void test_hostile_index(void **state)
{
    lp_ctx *ctx;
    lp_state *st;
    char *sd = unit_path(fx.dir, "state-hostile");
    const char *good = HEAD "release 1 10 " HA " " HB " -\n"
                       "release 2 10 " HA " " HB " -\n"
                       "delta 1 2 5 " HA "\nsignatures\n";
    char *file, *big;
    lp_repo *r;
    size_t len;

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    /* the good one passes */
    file = signed_index(good, fx.a, NULL, &len);
    assert_int_equal(check_bytes(ctx, file, len, fx.trust_a, NULL, T0), 0);
    /* another key */
    free(file);
    file = signed_index(good, fx.rogue, NULL, &len);
    assert_int_equal(check_bytes(ctx, file, len, fx.trust_a, NULL, T0),
                     LP_EUNTRUSTED);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "index: 0 of the 1 trusted "
                           "signatures needed"));
    /* below the threshold, then at it */
    free(file);
    file = signed_index(good, fx.a, NULL, &len);
    assert_int_equal(check_bytes(ctx, file, len, fx.trust_ab, NULL, T0),
                     LP_EUNTRUSTED);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "index: 1 of the 2 trusted "
                           "signatures needed"));
    free(file);
    file = signed_index(good, fx.a, fx.b, &len);
    assert_int_equal(check_bytes(ctx, file, len, fx.trust_ab, NULL, T0), 0);
    /* one byte of the signed text changed after signing */
    file[strlen(HEAD) + 10] = '2';      /* release 1's size: 20 */
    assert_int_equal(check_bytes(ctx, file, len, fx.trust_ab, NULL, T0),
                     LP_EUNTRUSTED);
    free(file);
    /* expired: the clock is past it */
    file = signed_index(good, fx.a, NULL, &len);
    assert_int_equal(check_bytes(ctx, file, len, fx.trust_a, NULL,
                                 1767225601), LP_EUNTRUSTED);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "the index expired at "
                           "2026-01-01T00:00:00Z"));

    /* the serial: recorded 3; 3 again passes, 2 is a replay, 3 with other
     * content is two indexes under one serial */
    assert_int_equal(lp_state_open(&st, ctx, sd), 0);
    {
        lp_trust *t = trust_of(ctx, fx.trust_a);
        lp_repo_check_opts co = LP_REPO_CHECK_OPTS_INIT;
        co.now = T0;
        assert_int_equal(lp_repo_check(&r, ctx, file, len, "index", t, st,
                                       ID, &co), 0);
        assert_int_equal(lp_repo_record(r, st, ID), 0);
        /* recording the same again is no change */
        assert_int_equal(lp_repo_record(r, st, ID), 0);
        lp_repo_free(r);
        lp_trust_free(t);
    }
    assert_int_equal(check_bytes(ctx, file, len, fx.trust_a, st, T0), 0);
    free(file);
    {
        char text[1024];
        snprintf(text, sizeof(text), "%s", good);
        text[strlen("lp-repo 1\nserial ")] = '2';
        file = signed_index(text, fx.a, NULL, &len);
        assert_int_equal(check_bytes(ctx, file, len, fx.trust_a, st, T0),
                         LP_EUNTRUSTED);
        assert_non_null(strstr(lp_ctx_errmsg(ctx), "index serial 2 is lower "
                               "than serial 3, seen before"));
        free(file);
        snprintf(text, sizeof(text), "%s", good);
        text[strlen(HEAD) + 10] = '9';   /* release 1's size: 90 */
        file = signed_index(text, fx.a, NULL, &len);
        assert_int_equal(check_bytes(ctx, file, len, fx.trust_a, st, T0),
                         LP_EUNTRUSTED);
        assert_non_null(strstr(lp_ctx_errmsg(ctx), "index serial 3 was seen "
                               "before with other content"));
        free(file);
        /* another id's serial is its own */
        file = signed_index(good, fx.a, NULL, &len);
        {
            lp_trust *t = trust_of(ctx, fx.trust_a);
            lp_repo_check_opts co = LP_REPO_CHECK_OPTS_INIT;
            co.now = T0;
            assert_int_equal(lp_repo_check(&r, ctx, file, len, "index", t,
                                           st, "org.example.other", &co),
                             0);
            lp_repo_free(r);
            lp_trust_free(t);
        }
        free(file);
    }
    lp_state_free(st);

    /* larger than the limit: refused before anything is read */
    big = calloc(1, LP_REPO_MAX_INDEX_BYTES + 1);
    assert_non_null(big);
    assert_int_equal(check_bytes(ctx, big, LP_REPO_MAX_INDEX_BYTES + 1,
                                 fx.trust_a, NULL, T0), LP_ETOOBIG);
    assert_int_equal(lp_repo_parse(&r, ctx, big, LP_REPO_MAX_INDEX_BYTES + 1,
                                   NULL), LP_ETOOBIG);
    free(big);

    /* malformed, though signed: refused by the parser, the line named */
    expect_refused(ctx, HEAD "release 1 10 " HA " " HU " -\n"
                   "signatures\n", LP_EFORMAT, "index:6: manifest hash is "
                   "not 64 lowercase hex digits");
    expect_refused(ctx, HEAD "release 1 10 " HA "0 " HB " -\nsignatures\n",
                   LP_EFORMAT, "index:6: file hash is not 64 lowercase hex");
    expect_refused(ctx, HEAD "release 1 10 " HA " " HB " -\n"
                   "delta 1 1 5 " HA "\nsignatures\n", LP_EFORMAT,
                   "index:7: a delta must go to a higher version");
    expect_refused(ctx, HEAD "release 1 10 " HA " " HB " -\n"
                   "delta 1 2 5 " HA "\nsignatures\n", LP_EFORMAT,
                   "index:7: a delta between releases the index does not "
                   "list");
    expect_refused(ctx, HEAD "release 1 010 " HA " " HB " -\nsignatures\n",
                   LP_EFORMAT, "index:6: size is not a number");
    expect_refused(ctx, HEAD "release 0 10 " HA " " HB " -\nsignatures\n",
                   LP_EFORMAT, "index:6: version 0");
    expect_refused(ctx, HEAD "release 2 10 " HA " " HB " -\n"
                   "release 1 10 " HA " " HB " -\nsignatures\n", LP_EFORMAT,
                   "index:7: releases must be listed once each");
    expect_refused(ctx, HEAD "release 1  10 " HA " " HB " -\nsignatures\n",
                   LP_EFORMAT, "index:6: empty word");
    expect_refused(ctx, HEAD "release 1 99999999999999999999999 " HA " " HB
                   " -\nsignatures\n", LP_EFORMAT, "index:6: size is not a "
                   "number");
    expect_refused(ctx, "lp-repo 2\nserial 1\nsignatures\n", LP_EVERSION,
                   "index format 2 is newer");
    expect_refused(ctx, HEAD "signatures\n", LP_EFORMAT, "package '" ID
                   "' lists no release");
    expect_refused(ctx, "lp-repo 1\nserial 0\ncreated 2025-12-01T00:00:00Z"
                   "\nexpires 2026-01-01T00:00:00Z\nsignatures\n",
                   LP_EFORMAT, "index:2: serial 0");
    expect_refused(ctx, "lp-repo 1\nserial 1\ncreated 2025-12-01T00:00:00Z"
                   "\nexpires 2024-01-01T00:00:00Z\nsignatures\n",
                   LP_EFORMAT, "index:4: expires before it was created");
    /* no signature line at all */
    assert_int_equal(lp_repo_parse(&r, ctx, HEAD, strlen(HEAD), NULL),
                     LP_EFORMAT);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "no 'signatures' line"));
    lp_ctx_free(ctx);
    free(sd);
}

/* ------------------------------------------------------------ the plan */

/* A signed index listing release 1 as the hub's (its real manifest hash)
 * and made-up releases and deltas after it: the plan is decided by the
 * numbers alone, before anything is fetched */
static void plan_case(const char *rest, uint64_t hub_size, int want_full,
                      uint64_t want_bytes, const uint64_t *want_chain,
                      size_t nchain)
{
    lp_ctx *ctx;
    lp_package *p;
    lp_trust *t;
    lp_state *st;
    lp_update_opts o = LP_UPDATE_OPTS_INIT;
    lp_update_result res;
    char text[4096], mh[65], *file, *path, *sd;
    unsigned char h[32];
    size_t mlen, len;
    const unsigned char *m;

    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_package_open(&p, ctx, fx.rel[1]), 0);
    m = lp_package_manifest(p, &mlen);
    crypto_generichash(h, 32, m, mlen, NULL, 0);
    hex(h, mh);
    lp_package_free(p);
    snprintf(text, sizeof(text), HEAD "release 1 %" PRIu64 " " HA " %s -\n"
             "%ssignatures\n", hub_size, mh, rest);
    file = signed_index(text, fx.a, NULL, &len);
    run("rm -rf '%s' && mkdir '%s'", fx.repo, fx.repo);
    path = unit_path(fx.repo, "index");
    unit_write(path, file, len);
    sd = unit_path(fx.dir, "state-plan");
    run("rm -rf '%s'", sd);
    t = trust_of(ctx, fx.trust_a);
    assert_int_equal(lp_state_open(&st, ctx, sd), 0);
    o.dry_run = 1;
    o.now = T0;
    assert_int_equal(lp_update(ctx, fx.rel[1], fx.repo, t, st, &o, &res), 0);
    assert_int_equal(res.outcome, LP_UPDATE_PLANNED);
    assert_int_equal(res.from_version, 1);
    assert_int_equal(res.serial, 3);
    assert_int_equal(res.plan_bytes, want_bytes);
    if (want_full) {
        assert_int_equal(res.nsteps, 1);
        assert_int_equal(res.steps[0].full, 1);
        assert_int_equal(res.steps[0].size, want_bytes);
        assert_int_equal(res.steps[0].target, res.to_version);
        assert_non_null(strstr(res.steps[0].path, ".lpk"));
    } else {
        uint64_t sum = 0;
        assert_int_equal(res.nsteps, nchain);
        for (size_t i = 0; i < nchain; i++) {
            assert_int_equal(res.steps[i].full, 0);
            assert_int_equal(res.steps[i].base, i ? want_chain[i - 1] : 1);
            assert_int_equal(res.steps[i].target, want_chain[i]);
            assert_non_null(strstr(res.steps[i].path, ".lpd"));
            sum += res.steps[i].size;
        }
        assert_int_equal(sum, want_bytes);
        assert_int_equal(res.steps[nchain - 1].target, res.to_version);
    }
    /* a dry run fetches the index only, and records nothing */
    assert_int_equal(res.fetched_bytes, len);
    {
        struct stat sb;
        char *idx = unit_path(sd, ID ".index");
        assert_int_not_equal(stat(idx, &sb), 0);
        free(idx);
    }
    lp_state_free(st);
    lp_trust_free(t);
    lp_ctx_free(ctx);
    free(file);
    free(path);
    free(sd);
}

#define REL(v, size) "release " #v " " #size " " HB " " HA " -\n"
#define DELTA(b, t, size) "delta " #b " " #t " " #size " " HB "\n"

static void test_plan(void **state)
{
    (void)state;
    /* a chain of three beats the one delta and the package */
    plan_case(REL(2, 1000) REL(3, 1000) REL(4, 95)
              DELTA(1, 2, 30) DELTA(2, 3, 30) DELTA(1, 4, 100)
              DELTA(3, 4, 30), 1000, 0, 90,
              (const uint64_t[]){ 2, 3, 4 }, 3);
    /* the one delta beats the chain */
    plan_case(REL(2, 1000) REL(3, 1000) REL(4, 1000)
              DELTA(1, 2, 30) DELTA(2, 3, 30) DELTA(1, 4, 80)
              DELTA(3, 4, 30), 1000, 0, 80,
              (const uint64_t[]){ 4 }, 1);
    /* the package beats every chain */
    plan_case(REL(2, 1000) REL(3, 1000) REL(4, 70)
              DELTA(1, 2, 30) DELTA(2, 3, 30) DELTA(3, 4, 30), 1000, 1, 70,
              NULL, 0);
    /* ties: a chain as dear as one delta: the one delta (fewer files) */
    plan_case(REL(2, 1000) REL(4, 1000)
              DELTA(1, 2, 50) DELTA(1, 4, 100) DELTA(2, 4, 50), 1000, 0,
              100, (const uint64_t[]){ 4 }, 1);
    /* ties: a delta as dear as the package: the package (nothing to
     * apply) */
    plan_case(REL(2, 64) DELTA(1, 2, 64), 1000, 1, 64, NULL, 0);
    /* no path: no delta starts at the hub's release */
    plan_case(REL(2, 500) REL(3, 600) DELTA(2, 3, 10), 1000, 1, 600, NULL,
              0);
    /* a delta, but not to the newest, and none from there */
    plan_case(REL(2, 500) REL(3, 600) DELTA(1, 2, 10), 1000, 1, 600, NULL,
              0);
}

/* The hub's release number is listed, but with another manifest (another
 * build): no delta applies to it; and an id the index does not list */
static void test_plan_other_build(void **state)
{
    lp_ctx *ctx;
    lp_trust *t;
    lp_state *st;
    lp_update_opts o = LP_UPDATE_OPTS_INIT;
    lp_update_result res;
    char *file, *path, *sd = unit_path(fx.dir, "state-other");
    size_t len;

    (void)state;
    file = signed_index(HEAD REL(1, 1000) REL(2, 700) DELTA(1, 2, 10)
                        "signatures\n", fx.a, NULL, &len);
    run("rm -rf '%s' && mkdir '%s'", fx.repo, fx.repo);
    path = unit_path(fx.repo, "index");
    unit_write(path, file, len);
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    t = trust_of(ctx, fx.trust_a);
    assert_int_equal(lp_state_open(&st, ctx, sd), 0);
    o.dry_run = 1;
    o.now = T0;
    assert_int_equal(lp_update(ctx, fx.rel[1], fx.repo, t, st, &o, &res), 0);
    assert_int_equal(res.nsteps, 1);
    assert_int_equal(res.steps[0].full, 1);
    assert_int_equal(res.plan_bytes, 700);
    assert_int_equal(res.full_bytes, 700);
    /* the hub is on the newest: up to date, nothing planned */
    assert_int_equal(lp_update(ctx, fx.rel[2], fx.repo, t, st, &o, &res), 0);
    assert_int_equal(res.outcome, LP_UPDATE_UP_TO_DATE);
    assert_int_equal(res.nsteps, 0);
    free(file);
    file = signed_index("lp-repo 1\nserial 3\ncreated 2025-12-01T00:00:00Z\n"
                        "expires 2026-01-01T00:00:00Z\npackage org.example.x"
                        "\n" REL(1, 10) "signatures\n", fx.a, NULL, &len);
    unit_write(path, file, len);
    assert_int_equal(lp_update(ctx, fx.rel[1], fx.repo, t, st, &o, &res),
                     LP_ENOTFOUND);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "the index lists no package '"
                           ID "'"));
    lp_state_free(st);
    lp_trust_free(t);
    lp_ctx_free(ctx);
    free(file);
    free(path);
    free(sd);
}

/* ------------------------------------------------------------ accept */

static int accept_file(lp_ctx *ctx, const char *pkg, const lp_state *st,
                       uint64_t min_version, int allow_expired,
                       lp_accept_result *res)
{
    lp_package *p;
    lp_trust *t = trust_of(ctx, fx.trust_a);
    lp_accept_opts o = LP_ACCEPT_OPTS_INIT;
    int rc;

    o.now = T0;
    o.min_version = min_version;
    o.allow_expired = allow_expired;
    assert_int_equal(lp_package_open(&p, ctx, pkg), 0);
    rc = lp_package_accept(p, t, st, &o, res);
    lp_package_free(p);
    lp_trust_free(t);
    return rc;
}

static void test_accept(void **state)
{
    lp_ctx *ctx;
    lp_state *st;
    lp_accept_result res;
    char *sd = unit_path(fx.dir, "state-accept");

    (void)state;
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(lp_state_open(&st, ctx, sd), 0);
    assert_int_equal(accept_file(ctx, fx.rel[3], st, 2, 0, &res), 0);
    assert_int_equal(res.signers, 1);
    assert_int_equal(res.newest, T0);
    assert_int_equal(res.expired, 0);
    /* unsigned, and signed by a key the trust file does not name */
    assert_int_equal(accept_file(ctx, fx.unsigned5, st, 4, 0, &res),
                     LP_EUNTRUSTED);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "the package is not "
                           "signed"));
    assert_int_equal(accept_file(ctx, fx.rogue5, st, 4, 0, &res),
                     LP_EUNTRUSTED);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "0 of the 1 trusted "
                           "signatures needed"));
    /* older than the release it is to replace */
    assert_int_equal(accept_file(ctx, fx.rel[2], st, 3, 0, &res),
                     LP_EUNTRUSTED);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "version 2 of '" ID "' is "));
    /* older than what the state accepted: a rollback */
    {
        lp_package *p;
        assert_int_equal(lp_package_open(&p, ctx, fx.rel[3]), 0);
        assert_int_equal(lp_state_record(st, p, T0), 0);
        lp_package_free(p);
    }
    assert_int_equal(accept_file(ctx, fx.rel[2], st, 0, 0, &res),
                     LP_EUNTRUSTED);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "rollback: version 2 of '" ID
                           "' is older than version 3"));
    /* expired: refused, unless allowed (then said) */
    assert_int_equal(accept_file(ctx, fx.expired5, st, 4, 0, &res),
                     LP_EUNTRUSTED);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "expired"));
    assert_int_equal(res.expired, 1);
    assert_int_equal(accept_file(ctx, fx.expired5, st, 4, 1, &res), 0);
    assert_int_equal(res.expired, 1);
    lp_state_free(st);
    lp_ctx_free(ctx);
    free(sd);
}

/* An update whose newest release is refused leaves the hub's package as
 * it was, and takes nothing into the state */
static void refused_update(const char *target, const lp_key *cosigner,
                           const char *msg)
{
    lp_ctx *ctx;
    lp_trust *t;
    lp_state *st;
    lp_update_opts o = LP_UPDATE_OPTS_INIT;
    lp_update_result res;
    lp_publish_opts po = LP_PUBLISH_OPTS_INIT;
    const lp_key *keys[2] = { fx.a, cosigner };
    const char *pkgs[2] = { fx.rel[4], target };
    char *hub = unit_path(fx.dir, "hub.lpk");
    char *sd = unit_path(fx.dir, "state-refused");
    uint64_t v;

    run("rm -rf '%s' '%s'", fx.repo, sd);
    run("cp '%s' '%s'", fx.rel[4], hub);
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    po.now = T0;
    po.delta.threads = 1;
    assert_int_equal(lp_repo_publish(ctx, fx.repo, pkgs, 2, keys,
                                     cosigner ? 2 : 1, &po, NULL), 0);
    t = trust_of(ctx, fx.trust_a);
    assert_int_equal(lp_state_open(&st, ctx, sd), 0);
    o.now = T0;
    assert_int_equal(lp_update(ctx, hub, fx.repo, t, st, &o, &res),
                     LP_EUNTRUSTED);
    if (!strstr(lp_ctx_errmsg(ctx), msg))
        fail_msg("'%s' does not say '%s'", lp_ctx_errmsg(ctx), msg);
    assert_int_equal(res.to_version, 5);
    assert_true(unit_same_file(hub, fx.rel[4]));
    assert_int_equal(lp_state_get(st, ID, &v, NULL),
                     LP_ENOTFOUND);
    lp_state_free(st);
    lp_trust_free(t);
    lp_ctx_free(ctx);
    free(hub);
    free(sd);
}

static void test_refused_targets(void **state)
{
    (void)state;
    refused_update(fx.rogue5, fx.rogue, "0 of the 1 trusted signatures "
                   "needed");
    refused_update(fx.expired5, NULL, "package expired at 2025-12-05");
}

/* A new hub: no package at the path yet; it takes the newest full package
 * of the repository's only id, checked as any update; a path that exists
 * must be of the id asked for */
static void test_new_hub(void **state)
{
    lp_ctx *ctx;
    lp_trust *t;
    lp_state *st;
    lp_update_opts o = LP_UPDATE_OPTS_INIT;
    lp_update_result res;
    const char *pkgs[2] = { fx.rel[1], fx.rel[2] };
    char *hub = unit_path(fx.dir, "new-hub.lpk");
    char *sd = unit_path(fx.dir, "state-new");
    uint64_t v;

    (void)state;
    run("rm -rf '%s' '%s' '%s'", fx.repo, sd, hub);
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_int_equal(publish(ctx, fx.repo, pkgs, 2, 1, 0, T0, false, NULL),
                     0);
    t = trust_of(ctx, fx.trust_a);
    assert_int_equal(lp_state_open(&st, ctx, sd), 0);
    o.now = T0;
    o.dry_run = 1;
    assert_int_equal(lp_update(ctx, hub, fx.repo, t, st, &o, &res), 0);
    assert_int_equal(res.outcome, LP_UPDATE_PLANNED);
    assert_int_equal(res.from_version, 0);
    assert_int_equal(res.nsteps, 1);
    assert_int_equal(res.steps[0].full, 1);
    assert_int_equal(res.steps[0].target, 2);
    assert_string_equal(res.id, ID);
    o.dry_run = 0;
    o.id = "org.example.none";
    assert_int_equal(lp_update(ctx, hub, fx.repo, t, st, &o, &res),
                     LP_ENOTFOUND);
    o.id = NULL;
    assert_int_equal(lp_update(ctx, hub, fx.repo, t, st, &o, &res), 0);
    assert_int_equal(res.outcome, LP_UPDATE_INSTALLED);
    assert_true(unit_same_file(hub, fx.rel[2]));
    assert_int_equal(lp_state_get(st, ID, &v, NULL), 0);
    assert_int_equal(v, 2);
    /* there now: of that id, or refused */
    o.id = "org.example.other";
    assert_int_equal(lp_update(ctx, hub, fx.repo, t, st, &o, &res),
                     LP_EINVAL);
    o.id = ID;
    assert_int_equal(lp_update(ctx, hub, fx.repo, t, st, &o, &res), 0);
    assert_int_equal(res.outcome, LP_UPDATE_UP_TO_DATE);
    lp_state_free(st);
    lp_trust_free(t);
    lp_ctx_free(ctx);
    free(hub);
    free(sd);
}

/* ------------------------------------------------------------ progress */

#define MAX_CALLS 4096

typedef struct record {
    lp_progress calls[MAX_CALLS];
    size_t n;
    int cancel_after;     /* cancel at this call; -1 never */
} record;

static int on_progress(const lp_progress *p, void *user)
{
    record *r = user;

    if (r->n < MAX_CALLS)
        r->calls[r->n] = *p;
    r->n++;
    return r->cancel_after >= 0 && r->n > (size_t)r->cancel_after;
}

/* Each stage of the record: starts at 0, never goes back, never passes
 * its totals, ends on them; returns the stages in order in out */
static size_t stages_of(const record *r, lp_stage *out, size_t max)
{
    size_t n = 0;

    assert_true(r->n < MAX_CALLS);
    for (size_t i = 0; i < r->n; i++) {
        const lp_progress *c = &r->calls[i];
        bool first = i == 0 || r->calls[i - 1].stage != c->stage ||
                     (c->items_done == 0 && c->bytes_done == 0);
        assert_non_null(c->stage_name);
        assert_true(c->items_done <= c->items_total);
        assert_true(c->bytes_done <= c->bytes_total);
        if (first) {
            assert_int_equal(c->items_done, 0);
            assert_int_equal(c->bytes_done, 0);
            assert_true(n < max);
            out[n++] = c->stage;
        } else {
            assert_true(c->items_done >= r->calls[i - 1].items_done);
            assert_true(c->bytes_done >= r->calls[i - 1].bytes_done);
        }
        /* the last call of a stage reports it done */
        if (i + 1 == r->n || r->calls[i + 1].stage != c->stage ||
            (r->calls[i + 1].items_done == 0 &&
             r->calls[i + 1].bytes_done == 0)) {
            assert_int_equal(c->items_done, c->items_total);
            assert_int_equal(c->bytes_done, c->bytes_total);
        }
    }
    return n;
}

static void test_progress(void **state)
{
    static record rec;
    lp_ctx *ctx;
    lp_trust *t;
    lp_state *st;
    lp_publish_opts po = LP_PUBLISH_OPTS_INIT;
    lp_update_opts o = LP_UPDATE_OPTS_INIT;
    lp_update_result res;
    const lp_key *keys[1] = { fx.a };
    const char *pkgs[2] = { fx.rel[1], fx.rel[3] };
    char *hub = unit_path(fx.dir, "hub.lpk");
    char *sd = unit_path(fx.dir, "state-progress");
    lp_stage got[16];
    size_t n;

    (void)state;
    run("rm -rf '%s' '%s'", fx.repo, sd);
    run("cp '%s' '%s'", fx.rel[1], hub);
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    /* publish: the packages, then the delta 1 -> 3 */
    memset(&rec, 0, sizeof(rec));
    rec.cancel_after = -1;
    po.now = T0;
    po.delta.threads = 1;
    po.progress = on_progress;
    po.progress_user = &rec;
    assert_int_equal(lp_repo_publish(ctx, fx.repo, pkgs, 2, keys, 1, &po,
                                     NULL), 0);
    n = stages_of(&rec, got, 16);
    assert_int_equal(n, 2);
    assert_int_equal(got[0], LP_STAGE_PUBLISHING);
    assert_string_equal(rec.calls[0].stage_name, "publishing");
    assert_int_equal(rec.calls[0].items_total, 2);
    assert_int_equal(got[1], LP_STAGE_ENCODING);

    /* update: canceled while fetching: LP_ECANCELED, the hub as it was,
     * what came kept */
    t = trust_of(ctx, fx.trust_a);
    assert_int_equal(lp_state_open(&st, ctx, sd), 0);
    memset(&rec, 0, sizeof(rec));
    rec.cancel_after = 1;
    o.now = T0;
    o.progress = on_progress;
    o.progress_user = &rec;
    assert_int_equal(lp_update(ctx, hub, fx.repo, t, st, &o, &res),
                     LP_ECANCELED);
    assert_true(unit_same_file(hub, fx.rel[1]));
    assert_int_equal(rec.calls[0].stage, LP_STAGE_FETCHING);
    assert_string_equal(rec.calls[0].stage_name, "fetching");
    /* again to the end: fetching (the plan's files and bytes), then
     * applying the delta */
    memset(&rec, 0, sizeof(rec));
    rec.cancel_after = -1;
    assert_int_equal(lp_update(ctx, hub, fx.repo, t, st, &o, &res), 0);
    assert_true(unit_same_file(hub, fx.rel[3]));
    n = stages_of(&rec, got, 16);
    assert_int_equal(n, 3);
    assert_int_equal(got[0], LP_STAGE_FETCHING);
    assert_int_equal(rec.calls[0].items_total, res.nsteps);
    assert_int_equal(rec.calls[0].bytes_total, res.plan_bytes);
    assert_int_equal(got[1], LP_STAGE_DECODING);
    assert_int_equal(got[2], LP_STAGE_WRITING);

    /* a version 1 options struct: no progress of the old type */
    o.version = 1;
    assert_int_equal(lp_update(ctx, hub, fx.repo, t, st, &o, &res),
                     LP_EINVAL);
    o.progress = NULL;
    assert_int_equal(lp_update(ctx, hub, fx.repo, t, st, &o, &res), 0);
    assert_int_equal(res.outcome, LP_UPDATE_UP_TO_DATE);
    lp_state_free(st);
    lp_trust_free(t);
    lp_ctx_free(ctx);
    free(hub);
    free(sd);
}

/* ------------------------------------------------------------ torture */

static char *tdir;
static char last_msg[600];   /* of the last cycle, for the failure */

/* Publish 1 and 2, check the index, update a hub on 1 from the folder:
 * all with the torture allocator */
static int cycle(void)
{
    lp_ctx *ctx;
    lp_trust *t = NULL;
    lp_state *st = NULL;
    lp_repo *r = NULL;
    lp_update_opts o = LP_UPDATE_OPTS_INIT;
    lp_update_result res;
    const char *pkgs[2] = { fx.rel[1], fx.rel[2] };
    char *repo = unit_path(tdir, "repo"), *sd = unit_path(tdir, "state");
    char *hub = unit_path(tdir, "hub.lpk"), *idx = unit_path(repo, "index");
    int rc;

    run("rm -rf '%s' '%s'", repo, sd);
    run("cp '%s' '%s'", fx.rel[1], hub);
    rc = lp_ctx_new(&ctx, &torture);
    if (rc < 0)
        goto out;
    rc = publish(ctx, repo, pkgs, 2, 1, 0, T0, false, NULL);
    if (rc == 0)
        rc = lp_trust_load(&t, ctx, fx.trust_a);
    if (rc == 0)
        rc = lp_state_open(&st, ctx, sd);
    if (rc == 0) {
        size_t len;
        unsigned char *data = unit_read(idx, &len);
        lp_repo_check_opts co = LP_REPO_CHECK_OPTS_INIT;
        co.now = T0;
        rc = lp_repo_check(&r, ctx, data, len, idx, t, st, ID, &co);
        free(data);
    }
    o.now = T0;
    if (rc == 0)
        rc = lp_update(ctx, hub, repo, t, st, &o, &res);
    if (rc == 0 && res.outcome != LP_UPDATE_UPDATED)
        rc = LP_EINTERNAL;
    snprintf(last_msg, sizeof(last_msg), "%s", lp_ctx_errmsg(ctx));
    lp_repo_free(r);
    lp_state_free(st);
    lp_trust_free(t);
    lp_ctx_free(ctx);
out:
    free(repo);
    free(sd);
    free(idx);
    free(hub);
    return rc;
}

static void test_every_allocation_failure(void **state)
{
    static char *hub;   /* static: a failed check longjmps */
    long total, failures = 0;
    int rc;

    (void)state;
    tdir = unit_path(fx.dir, "torture");
    hub = unit_path(tdir, "hub.lpk");
    run("mkdir -p '%s'", tdir);
    fail_at = -1;
    nallocs = live = 0;
    assert_int_equal(cycle(), 0);
    assert_int_equal(live, 0);
    assert_true(unit_same_file(hub, fx.rel[2]));
    total = nallocs;
    assert_true(total > 50);
    for (fail_at = 0; fail_at < total; fail_at++) {
        nallocs = live = 0;
        rc = cycle();
        if (rc != 0 && rc != LP_ENOMEM)
            fail_msg("allocation %ld of %ld failing gave %d (%s), not "
                     "LP_ENOMEM: %s", fail_at, total, rc, lp_strerror(rc),
                     last_msg);
        if (live != 0)
            fail_msg("allocation %ld failing leaked %ld blocks", fail_at,
                     (long)live);
        /* the hub is release 1 as it was, or release 2: nothing between
         * (release 2 also on a failure after the rename, in recording
         * it: the next run finds it up to date and records the index) */
        if (!unit_same_file(hub, fx.rel[2]) &&
            (rc == 0 || !unit_same_file(hub, fx.rel[1])))
            fail_msg("allocation %ld failing: the hub's package is neither "
                     "release", fail_at);
        failures += rc != 0;
    }
    fail_at = -1;
    assert_true(failures > total * 9 / 10);
    free(hub);
    hub = NULL;
    free(tdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_publish_parse),
        cmocka_unit_test(test_text_roundtrip),
        cmocka_unit_test(test_hostile_index),
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_plan_other_build),
        cmocka_unit_test(test_accept),
        cmocka_unit_test(test_refused_targets),
        cmocka_unit_test(test_new_hub),
        cmocka_unit_test(test_progress),
        cmocka_unit_test(test_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
