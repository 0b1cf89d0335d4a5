/*
 * test_sign.c - minisign key and signature files, trust files: the
 * parsers refuse what is malformed, truncated, badly encoded or too long,
 * and signing round-trips.
 */
#include "unit.h"

static const char MANIFEST[] =
    "lpk-manifest 1\n"
    "id org.example.math\n"
    "version 3\n"
    "label \n"
    "languages tet\n"
    "created 2026-11-28T14:00:00Z\n"
    "entries 0\n"
    "\n";

typedef struct fixture {
    lp_ctx *ctx;
    char *dir;
    lp_key *key;
    char pub[4200], sec[4200];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    assert_int_equal(lp_ctx_new(&f->ctx, NULL), 0);
    f->dir = unit_tmpdir();
    snprintf(f->pub, sizeof f->pub, "%s/k.pub", f->dir);
    snprintf(f->sec, sizeof f->sec, "%s/k.key", f->dir);
    assert_int_equal(lp_key_generate(&f->key, f->ctx), 0);
    assert_int_equal(lp_key_save(f->key, f->pub, f->sec, NULL, 0), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    lp_key_free(f->key);
    lp_ctx_free(f->ctx);
    unit_rmdir(f->dir);
    free(f);
    return 0;
}

/* tmpl with its first "%s" (or "%.Ns": the first N bytes) replaced by s */
static void fill(char *out, size_t cap, const char *tmpl, const char *s)
{
    const char *pc = strchr(tmpl, '%');
    size_t n = strlen(s), pre;

    if (!pc) {
        snprintf(out, cap, "%s", tmpl);
        return;
    }
    pre = (size_t)(pc - tmpl);
    if (pc[1] == '.')
        n = strtoul(pc + 2, NULL, 10);
    snprintf(out, cap, "%.*s%.*s%s", (int)pre, tmpl, (int)n, s,
             strchr(pc, 's') + 1);
}

static lp_sig *sign(fixture *f, const char *comment)
{
    lp_sig *s = NULL;
    assert_int_equal(lp_sig_sign_manifest(&s, f->ctx, f->key,
                                          (const unsigned char *)MANIFEST,
                                          strlen(MANIFEST), 1795874400,
                                          comment), 0);
    return s;
}

static void test_keys_roundtrip(void **state)
{
    fixture *f = *state;
    lp_key *pub = NULL, *sec = NULL;
    struct stat st;

    assert_int_equal(stat(f->sec, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(lp_key_load_public(&pub, f->ctx, f->pub), 0);
    assert_string_equal(lp_key_id(pub), lp_key_id(f->key));
    assert_string_equal(lp_key_base64(pub), lp_key_base64(f->key));
    assert_int_equal(strlen(lp_key_base64(pub)), LP_KEY_BASE64_BYTES);
    assert_int_equal(lp_key_secret_encrypted(f->ctx, f->sec), 0);
    assert_int_equal(lp_key_load_secret(&sec, f->ctx, f->sec, NULL), 0);
    assert_string_equal(lp_key_id(sec), lp_key_id(f->key));
    /* never overwrite without LP_KEY_REPLACE */
    assert_int_equal(lp_key_save(f->key, f->pub, f->sec, NULL, 0),
                     LP_EEXIST);
    assert_int_equal(lp_key_save(pub, f->pub, f->sec, NULL, LP_KEY_REPLACE),
                     LP_EINVAL);
    lp_key_free(pub);
    lp_key_free(sec);
}

static void test_key_files_malformed(void **state)
{
    fixture *f = *state;
    char path[4300], b64[LP_KEY_BASE64_BYTES + 1], text[512];
    lp_key *k = NULL;
    static const char *const bad[] = {
        "",                                              /* empty */
        "untrusted comment: x\n",                        /* truncated */
        "comment: x\n%s\n",                              /* no prefix */
        "untrusted comment: x\n%s\nmore\n",              /* extra line */
        "untrusted comment: x\n%.55s\n",                 /* short base64 */
        "untrusted comment: x\n%.54s!!\n",               /* bad base64 */
        "untrusted comment: \x01\n%s\n",                 /* control char */
    };

    strcpy(b64, lp_key_base64(f->key));
    snprintf(path, sizeof path, "%s/bad.pub", f->dir);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fill(text, sizeof text, bad[i], b64);
        unit_write(path, text, strlen(text));
        assert_int_equal(lp_key_load_public(&k, f->ctx, path), LP_EFORMAT);
        assert_null(k);
    }
    /* wrong algorithm: "Ed" -> "EE" */
    b64[1] = 'U';
    b64[2] = 'U';
    snprintf(text, sizeof text, "untrusted comment: x\n%s\n", b64);
    unit_write(path, text, strlen(text));
    assert_int_equal(lp_key_load_public(&k, f->ctx, path), LP_EFORMAT);
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "unsupported key"));
    /* an over-long untrusted comment */
    {
        char *big = malloc(1100 + 80);
        assert_non_null(big);
        memcpy(big, "untrusted comment: ", 19);
        memset(big + 19, 'x', 1004);
        snprintf(big + 1023, 80, "\n%s\n", lp_key_base64(f->key));
        unit_write(path, big, strlen(big));
        free(big);
        assert_int_equal(lp_key_load_public(&k, f->ctx, path), LP_EFORMAT);
        assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "longer than"));
    }
    /* a public key is not a secret key, and the reverse */
    assert_int_equal(lp_key_load_secret(&k, f->ctx, f->pub, NULL),
                     LP_EFORMAT);
    assert_int_equal(lp_key_load_public(&k, f->ctx, f->sec), LP_EFORMAT);
}

static void test_encrypted_key(void **state)
{
    fixture *f = *state;
    char pub[4300], sec[4300];
    lp_key *k = NULL;

    snprintf(pub, sizeof pub, "%s/e.pub", f->dir);
    snprintf(sec, sizeof sec, "%s/e.key", f->dir);
    assert_int_equal(lp_key_save(f->key, pub, sec, "secret", 0), 0);
    assert_int_equal(lp_key_secret_encrypted(f->ctx, sec), 1);
    assert_int_equal(lp_key_load_secret(&k, f->ctx, sec, NULL),
                     LP_EPASSPHRASE);
    assert_int_equal(lp_key_load_secret(&k, f->ctx, sec, "Secret"),
                     LP_EPASSPHRASE);
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "wrong passphrase"));
    assert_null(k);
    assert_int_equal(lp_key_load_secret(&k, f->ctx, sec, "secret"), 0);
    assert_string_equal(lp_key_id(k), lp_key_id(f->key));
    lp_key_free(k);
}

static void test_sign_verify(void **state)
{
    fixture *f = *state;
    lp_sig *s = sign(f, "approved"), *t = NULL;
    const char *text;
    size_t len;
    lp_key *other = NULL;
    unsigned char m[sizeof MANIFEST];

    assert_string_equal(lp_sig_key_id(s), lp_key_id(f->key));
    assert_string_equal(lp_sig_trusted_comment(s),
                        "lp-signature v1 id=org.example.math version=3 "
                        "time=2026-11-28T14:00:00Z comment=approved");
    assert_int_equal(lp_sig_verify(s, f->key, (const unsigned char *)MANIFEST,
                                   strlen(MANIFEST)), 0);
    /* parse what it wrote: the same */
    text = lp_sig_text(s, &len);
    assert_int_equal(lp_sig_parse(&t, f->ctx, text, len, "t"), 0);
    assert_int_equal(lp_sig_verify(t, f->key, (const unsigned char *)MANIFEST,
                                   strlen(MANIFEST)), 0);
    lp_sig_free(t);
    /* CRLF line ends, as minisign accepts them: the same signature, kept
     * in the canonical LF form (no signed byte is a line end) */
    {
        char crlf[2 * LP_SIG_MAX_FILE_BYTES];
        size_t n = 0, clen;
        const char *canon;

        for (size_t i = 0; i < len; i++) {
            if (text[i] == '\n')
                crlf[n++] = '\r';
            crlf[n++] = text[i];
        }
        assert_int_equal(lp_sig_parse(&t, f->ctx, crlf, n, "crlf"), 0);
        assert_int_equal(lp_sig_verify(t, f->key,
                                       (const unsigned char *)MANIFEST,
                                       strlen(MANIFEST)), 0);
        canon = lp_sig_text(t, &clen);
        assert_int_equal(clen, len);
        assert_memory_equal(canon, text, len);
        lp_sig_free(t);
    }
    /* another manifest (a flipped byte in 'created') */
    memcpy(m, MANIFEST, sizeof m);
    strstr((char *)m, ":00Z")[1] = '2'; /* ":20Z" */
    assert_int_equal(lp_sig_verify(s, f->key, m, strlen(MANIFEST)),
                     LP_EBADSIG);
    /* another key */
    assert_int_equal(lp_key_generate(&other, f->ctx), 0);
    assert_int_equal(lp_sig_verify(s, other, (const unsigned char *)MANIFEST,
                                   strlen(MANIFEST)), LP_EBADSIG);
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "not by key"));
    lp_key_free(other);
    /* a comment with a control character, one too long */
    assert_int_equal(lp_sig_sign_manifest(&t, f->ctx, f->key,
                                          (const unsigned char *)MANIFEST,
                                          strlen(MANIFEST), 0, "a\nb"),
                     LP_EINVAL);
    {
        char *big = malloc(LP_SIG_MAX_TRUSTED_COMMENT + 1);
        assert_non_null(big);
        memset(big, 'x', LP_SIG_MAX_TRUSTED_COMMENT);
        big[LP_SIG_MAX_TRUSTED_COMMENT - 40] = '\0';
        assert_int_equal(lp_sig_sign_manifest(&t, f->ctx, f->key,
                                              (const unsigned char *)MANIFEST,
                                              strlen(MANIFEST), 0, big),
                         LP_EINVAL);
        free(big);
    }
    lp_sig_free(s);
}

static void test_sig_malformed(void **state)
{
    fixture *f = *state;
    lp_sig *s = sign(f, NULL), *t = NULL;
    size_t len;
    const char *text = lp_sig_text(s, &len);
    char *buf = malloc(len + 20000);

    assert_non_null(buf);
    /* every truncation fails */
    for (size_t n = 0; n < len - 1; n++) {
        assert_int_not_equal(lp_sig_parse(&t, f->ctx, text, n, "t"), 0);
        assert_null(t);
    }
    /* each line damaged */
    {
        const char *l2 = strchr(text, '\n') + 1;
        const char *l3 = strchr(l2, '\n') + 1;
        const char *l4 = strchr(l3, '\n') + 1;
        size_t o2 = (size_t)(l2 - text), o4 = (size_t)(l4 - text);

        memcpy(buf, text, len);
        buf[o2 + 10] = '*';                          /* bad base64 */
        assert_int_equal(lp_sig_parse(&t, f->ctx, buf, len, "t"),
                         LP_EFORMAT);
        assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "bad base64"));
        memcpy(buf, text, len);
        buf[o4 + 5] = '#';
        assert_int_equal(lp_sig_parse(&t, f->ctx, buf, len, "t"),
                         LP_EFORMAT);
        memcpy(buf, text, len);
        buf[o2] = 'R';
        buf[o2 + 1] = 'W';                           /* "Ed": legacy */
        assert_int_equal(lp_sig_parse(&t, f->ctx, buf, len, "t"),
                         LP_EFORMAT);
        assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "legacy"));
        /* trusted comment over minisign's limit */
        memcpy(buf, text, (size_t)(l3 - text));
        {
            size_t at = (size_t)(l3 - text);
            memcpy(buf + at, "trusted comment: ", 17);
            at += 17;
            memset(buf + at, 'x', LP_SIG_MAX_TRUSTED_COMMENT + 1);
            at += LP_SIG_MAX_TRUSTED_COMMENT + 1;
            buf[at++] = '\n';
            memcpy(buf + at, l4, len - o4);
            at += len - o4;
            assert_int_equal(lp_sig_parse(&t, f->ctx, buf, at, "t"),
                             LP_EFORMAT);
        }
        /* extra text after the last line */
        memcpy(buf, text, len);
        memcpy(buf + len, "x\n", 2);
        assert_int_equal(lp_sig_parse(&t, f->ctx, buf, len + 2, "t"),
                         LP_EFORMAT);
        /* CR LF line ends are accepted, as minisign does */
        {
            size_t at = 0;
            for (size_t i = 0; i < len; i++) {
                if (text[i] == '\n')
                    buf[at++] = '\r';
                buf[at++] = text[i];
            }
            assert_int_equal(lp_sig_parse(&t, f->ctx, buf, at, "t"), 0);
            lp_sig_free(t);
            t = NULL;
        }
    }
    free(buf);
    lp_sig_free(s);
}

static void test_trust_parse(void **state)
{
    fixture *f = *state;
    char text[2048];
    lp_trust *t = NULL;
    static const char *const bad[] = {
        "lp-trust 1\nthreshold 1\nkey %s - - a",       /* no final LF */
        "threshold 1\nkey %s - - a\n",                 /* no magic */
        "lp-trust 1\nkey %s - - a\n",                  /* no threshold */
        "lp-trust 1\nthreshold 1\nkey %s - - \n",      /* trailing space */
        "lp-trust 1\nthreshold 1\nkey %s  - - a\n",    /* empty field */
        "lp-trust 1\nthreshold 1\nkey %s -\n",         /* truncated */
        "lp-trust 1\nthreshold 01\nkey %s - - a\n",    /* leading zero */
        "lp-trust 1\nthreshold 1\nkey %s - - a\tb\n",  /* TAB */
        "lp-trust 1\r\nthreshold 1\nkey %s - - a\n",   /* CR */
        "lp-trust 1\nthreshold 1\nkey %s - - a\nrevoked zz\n",
    };

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fill(text, sizeof text, bad[i], lp_key_base64(f->key));
        assert_int_equal(lp_trust_parse(&t, f->ctx, text, strlen(text), "T"),
                         LP_EFORMAT);
        assert_null(t);
    }
    snprintf(text, sizeof text, "# c\n\nlp-trust 1\nthreshold 1\n"
             "key %s 2026-01-01T00:00:00Z - Ministry of Education\n"
             "revoked 0123456789ABCDEF lost\n", lp_key_base64(f->key));
    assert_int_equal(lp_trust_parse(&t, f->ctx, text, strlen(text), "T"), 0);
    assert_int_equal(lp_trust_threshold(t), 1);
    lp_trust_free(t);
    /* line numbers in messages */
    snprintf(text, sizeof text, "lp-trust 1\n# c\nthreshold 1\nfoo\n");
    assert_int_equal(lp_trust_parse(&t, f->ctx, text, strlen(text), "T"),
                     LP_EFORMAT);
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "T:4:1: unknown directive"));
    /* an over-long line */
    {
        char *big = malloc(LP_TRUST_MAX_LINE_BYTES + 64);
        size_t n = (size_t)snprintf(big, 64, "lp-trust 1\n# ");
        assert_non_null(big);
        memset(big + n, 'x', LP_TRUST_MAX_LINE_BYTES);
        big[n + LP_TRUST_MAX_LINE_BYTES] = '\n';
        assert_int_equal(lp_trust_parse(&t, f->ctx, big,
                                        n + LP_TRUST_MAX_LINE_BYTES + 1,
                                        "T"), LP_ETOOBIG);
        free(big);
    }
}

/* A package of id org.example.state at version v, in f->dir */
static lp_package *state_pkg(fixture *f, uint64_t v, int64_t expires)
{
    char path[4300];
    lp_writer *w;
    lp_package *p;

    snprintf(path, sizeof path, "%s/v%llu.lpk", f->dir,
             (unsigned long long)v);
    assert_int_equal(lp_writer_new(&w, f->ctx, path, NULL), 0);
    assert_int_equal(lp_writer_set_identity(w, "org.example.state", v, "",
                                            "en"), 0);
    assert_int_equal(lp_writer_set_expiry(w, expires), 0);
    assert_int_equal(lp_writer_add_buffer(w, "a", "a", 1, NULL), 0);
    assert_int_equal(lp_writer_commit(w), 0);
    lp_writer_free(w);
    assert_int_equal(lp_package_open(&p, f->ctx, path), 0);
    return p;
}

static void test_state(void **state)
{
    fixture *f = *state;
    char dir[4300];
    lp_state *a, *b;
    lp_package *v3 = state_pkg(f, 3, -1), *v4 = state_pkg(f, 4, -1);
    uint64_t version;
    int64_t t;

    snprintf(dir, sizeof dir, "%s/state", f->dir);
    assert_int_equal(lp_state_open(&a, f->ctx, dir), 0);
    assert_int_equal(lp_state_open(&b, f->ctx, dir), 0);
    assert_int_equal(lp_state_newest(a), -1);
    assert_int_equal(lp_state_get(a, "org.example.state", &version, &t),
                     LP_ENOTFOUND);
    assert_true(version == 0 && t == -1);
    assert_int_equal(lp_state_check(a, v3), 0);
    assert_int_equal(lp_state_record(a, v4, 1795874400), 0);
    assert_int_equal(lp_state_get(a, "org.example.state", &version, &t), 0);
    assert_true(version == 4 && t == 1795874400);
    assert_int_equal(lp_state_newest(a), 1795874400);
    assert_int_equal(lp_state_check(a, v3), LP_EUNTRUSTED);
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "rollback: version 3"));
    /* b was opened before a recorded v4: recording v3 reads it again */
    assert_int_equal(lp_state_check(b, v3), 0);
    assert_int_equal(lp_state_record(b, v3, 1795874500), LP_EUNTRUSTED);
    assert_int_equal(lp_state_get(b, "org.example.state", &version, NULL),
                     0);
    assert_true(version == 4);
    /* the signing time only ever rises */
    assert_int_equal(lp_state_record(b, v4, 1000), 0);
    assert_int_equal(lp_state_get(b, "org.example.state", NULL, &t), 0);
    assert_true(t == 1795874400);
    lp_state_free(a);
    lp_state_free(b);
    lp_state_free(NULL);
    lp_package_free(v3);
    lp_package_free(v4);
}

static void test_expiry(void **state)
{
    fixture *f = *state;
    lp_package *p = state_pkg(f, 1, 1795874400), *q = state_pkg(f, 2, -1);
    int64_t t;

    assert_int_equal(lp_package_expires(p), 1795874400);
    assert_int_equal(lp_package_expires(q), -1);
    assert_int_equal(lp_package_check_expiry(q, 4102444799, -1), 0);
    assert_int_equal(lp_package_check_expiry(p, 1795874400, -1), 0);
    assert_int_equal(lp_package_check_expiry(p, 1795874401, -1),
                     LP_EUNTRUSTED);
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx),
                           "expired at 2026-11-28T14:00:00Z"));
    /* a clock at 1970 is raised to the floor */
    assert_int_equal(lp_package_check_expiry(p, 0, 1795874401),
                     LP_EUNTRUSTED);
    assert_int_equal(lp_package_check_expiry(p, 0, -1), 0);
    assert_int_equal(lp_time_parse("2026-11-28", &t), 0);
    assert_true(t == 1795824000);
    assert_int_equal(lp_time_parse("2026-11-28T14:00:00Z", &t), 0);
    assert_true(t == 1795874400);
    assert_int_equal(lp_time_parse("2026-11-28T14:00:00", &t), LP_EINVAL);
    assert_int_equal(lp_time_parse("2026-02-29", &t), LP_EINVAL);
    assert_int_equal(lp_time_parse("2026-11-28 ", &t), LP_EINVAL);
    assert_int_equal(lp_time_parse("", &t), LP_EINVAL);
    lp_package_free(p);
    lp_package_free(q);
}

typedef struct seen {
    int n, counted;
    int64_t time;
    char msg[512];
} seen;

static void on_report(const lp_sig_report *r, void *user)
{
    seen *s = user;
    s->n++;
    s->counted += r->code == 0;
    s->time = r->time;
    snprintf(s->msg, sizeof s->msg, "%s", r->message);
}

/* Detached signatures for a purpose, checked against a trust with a
 * threshold; a signing time ahead of the clock is capped (CLOCK) */
static void test_detached(void **state)
{
    fixture *f = *state;
    static const char data[] = "lp-index 1\nsome index\n";
    char text[1024];
    lp_trust *t = NULL;
    lp_trust_opts o = LP_TRUST_OPTS_INIT;
    lp_sig *sig = NULL;
    const char *st;
    size_t slen;
    unsigned signers = 0;
    int64_t newest = 0;
    seen sn = { 0, 0, 0, "" };

    snprintf(text, sizeof text, "lp-trust 1\nthreshold 1\nkey %s - - M\n",
             lp_key_base64(f->key));
    assert_int_equal(lp_trust_parse(&t, f->ctx, text, strlen(text), "T"), 0);
    assert_string_equal(lp_trust_holder(t, lp_key_id(f->key)), "M");
    assert_null(lp_trust_holder(t, "0123456789abcdef"));
    assert_int_equal(lp_sig_sign_detached(&sig, f->ctx, f->key, "index",
                                          data, strlen(data), 1800000000,
                                          "r1"), 0);
    assert_string_equal(lp_sig_trusted_comment(sig), "lp-index-signature "
                        "v1 time=2027-01-15T08:00:00Z comment=r1");
    st = lp_sig_text(sig, &slen);
    o.now = 1800000000;
    o.report = on_report;
    o.user = &sn;
    assert_int_equal(lp_trust_check_detached(f->ctx, t, "index", data,
                                             strlen(data), st, slen, &o,
                                             &signers, &newest), 0);
    assert_true(signers == 1 && newest == 1800000000 && sn.counted == 1);
    /* another purpose, other bytes: no */
    assert_int_equal(lp_trust_check_detached(f->ctx, t, "trust", data,
                                             strlen(data), st, slen, &o,
                                             NULL, NULL), LP_EUNTRUSTED);
    assert_non_null(strstr(sn.msg, "not an lp trust signature comment"));
    assert_int_equal(lp_trust_check_detached(f->ctx, t, "index", "x", 1, st,
                                             slen, &o, NULL, NULL),
                     LP_EUNTRUSTED);
    assert_int_equal(lp_trust_check_detached(f->ctx, t, "index", data,
                                             strlen(data), "", 0, &o, NULL,
                                             NULL), LP_EUNTRUSTED);
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "the index is not "
                           "signed"));
    assert_int_equal(lp_trust_check_detached(f->ctx, t, "Index", data,
                                             strlen(data), st, slen, &o,
                                             NULL, NULL), LP_EINVAL);
    lp_sig_free(sig);
    assert_int_equal(lp_sig_sign_detached(&sig, f->ctx, f->key, "", data, 1,
                                          0, NULL), LP_EINVAL);
    assert_null(sig);
    /* dated 2062: counts, but gives the clock 30 days at most */
    assert_int_equal(lp_sig_sign_detached(&sig, f->ctx, f->key, "index",
                                          data, strlen(data), 2840140800,
                                          NULL), 0);
    st = lp_sig_text(sig, &slen);
    assert_int_equal(lp_trust_check_detached(f->ctx, t, "index", data,
                                             strlen(data), st, slen, &o,
                                             &signers, &newest), 0);
    assert_true(newest == 1800000000 + LP_CLOCK_MAX_STEP);
    assert_true(sn.time == 2840140800);
    assert_non_null(strstr(sn.msg, "ahead of the clock"));
    /* a clock at 1970: from LP_CLOCK_MIN */
    o.now = 0;
    assert_int_equal(lp_trust_check_detached(f->ctx, t, "index", data,
                                             strlen(data), st, slen, &o,
                                             NULL, &newest), 0);
    assert_true(newest == LP_CLOCK_MIN + LP_CLOCK_MAX_STEP);
    lp_sig_free(sig);
    lp_trust_free(t);
}

/* Trust files written by the library: a draft until the threshold can be
 * met, keys once, revocations once */
static void test_trust_edit(void **state)
{
    fixture *f = *state;
    char path[4300];
    lp_trust *t = NULL;
    lp_trust_key_info k;

    snprintf(path, sizeof path, "%s/e.trust", f->dir);
    assert_int_equal(lp_trust_file_init(f->ctx, path, 0, 0), LP_EINVAL);
    assert_int_equal(lp_trust_file_init(f->ctx, path, 1, 0), 0);
    assert_int_equal(lp_trust_file_init(f->ctx, path, 1, 0), LP_EEXIST);
    assert_int_equal(lp_trust_load(&t, f->ctx, path), LP_EFORMAT);
    assert_int_equal(lp_trust_load_draft(&t, f->ctx, path), 0);
    assert_int_equal(lp_trust_key_count(t), 0);
    lp_trust_free(t);
    assert_int_equal(lp_trust_file_add_key(f->ctx, path, f->key, "a\tb", -1,
                                           -1), LP_EINVAL);
    assert_int_equal(lp_trust_file_add_key(f->ctx, path, f->key, "M ", -1,
                                           -1), LP_EINVAL);
    assert_int_equal(lp_trust_file_add_key(f->ctx, path, f->key, "M", 20,
                                           10), LP_EINVAL);
    assert_int_equal(lp_trust_file_add_key(f->ctx, path, f->key, "M", -1,
                                           1800000000), 0);
    assert_int_equal(lp_trust_file_add_key(f->ctx, path, f->key, "M", -1,
                                           -1), LP_EEXIST);
    assert_int_equal(lp_trust_load(&t, f->ctx, path), 0);
    assert_int_equal(lp_trust_key(t, 0, &k), 0);
    assert_string_equal(k.key_id, lp_key_id(f->key));
    assert_string_equal(k.base64, lp_key_base64(f->key));
    assert_true(k.from == -1 && k.until == 1800000000 && !k.revoked);
    assert_int_equal(lp_trust_key(t, 1, &k), LP_ENOTFOUND);
    assert_int_equal(lp_trust_resets_clock(t), 0);
    lp_trust_free(t);
    assert_int_equal(lp_trust_file_revoke(f->ctx, path, "xyz", NULL),
                     LP_EINVAL);
    assert_int_equal(lp_trust_file_revoke(f->ctx, path, lp_key_id(f->key),
                                          "lost"), 0);
    assert_int_equal(lp_trust_file_revoke(f->ctx, path, lp_key_id(f->key),
                                          NULL), LP_EEXIST);
    assert_int_equal(lp_trust_load(&t, f->ctx, path), LP_EFORMAT);
    assert_int_equal(lp_trust_load_draft(&t, f->ctx, path), 0);
    assert_int_equal(lp_trust_revoked_count(t), 1);
    assert_string_equal(lp_trust_revoked_id(t, 0), lp_key_id(f->key));
    assert_null(lp_trust_revoked_id(t, 1));
    assert_int_equal(lp_trust_key(t, 0, &k), 0);
    assert_true(k.revoked);
    lp_trust_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keys_roundtrip, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_key_files_malformed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_encrypted_key, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sign_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sig_malformed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_trust_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detached, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trust_edit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
