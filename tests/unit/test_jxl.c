/*
 * test_jxl.c - JPEGs stored as JPEG XL (lp_writer_opts.jpeg = LP_JPEG_JXL,
 * lpk(5) JPEG XL OBJECTS): every kind of JPEG comes back byte for byte,
 * through whole reads, range reads and chunk hashes; what libjxl cannot
 * keep is stored as before; the package is format 2 and deterministic;
 * a damaged JPEG XL object is refused, never handed out; a liblp without
 * libjxl refuses such a package by name.
 */
#include "unit.h"

static const char *const pictures[] = {
    "arithmetic.jpg", "baseline.jpg", "cmyk.jpg", "exif.jpg", "gray.jpg",
    "progressive.jpg", "restart444.jpg", "tail.jpg",
};
#define NPICS (sizeof(pictures) / sizeof(*pictures))
/* What libjxl can keep: not arithmetic coding, not CMYK */
static int keepable(const char *name)
{
    return strcmp(name, "arithmetic.jpg") != 0 &&
           strcmp(name, "cmyk.jpg") != 0;
}

typedef struct fixture {
    lp_ctx *ctx;
    char *dir;
    unsigned char *pic[NPICS];
    size_t len[NPICS];
    unsigned char *big;      /* a JPEG of more than one chunk (1 MiB) */
    size_t big_len;
} fixture;

static char *fixture_path(const char *rel)
{
    const char *top = getenv("top_srcdir");
    char *p;
    size_t n;

    if (!top)
        top = ".";
    n = strlen(top) + strlen(rel) + 32;
    p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/tests/fixtures/jpeg/%s", top, rel);
    return p;
}

/* baseline.jpg with 24 comment segments of 60000 bytes after its SOI:
 * libjxl keeps them (compressed) in its reconstruction data */
static unsigned char *big_jpeg(const unsigned char *jpg, size_t len,
                               size_t *out_len)
{
    const size_t seg = 60000, nseg = 24;
    size_t n = len + nseg * (seg + 4), at = 2;
    unsigned char *b = malloc(n);

    assert_non_null(b);
    memcpy(b, jpg, 2);
    for (size_t k = 0; k < nseg; k++) {
        b[at] = 0xff;
        b[at + 1] = 0xfe;
        b[at + 2] = (unsigned char)((seg + 2) >> 8);
        b[at + 3] = (unsigned char)((seg + 2) & 0xff);
        for (size_t i = 0; i < seg; i++)
            b[at + 4 + i] = (unsigned char)("lesson picture notes "[i % 21]
                                            + (i / 4096 + k) % 3);
        at += seg + 4;
    }
    memcpy(b + at, jpg + 2, len - 2);
    *out_len = n;
    return b;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    assert_int_equal(lp_ctx_new(&f->ctx, NULL), 0);
    f->dir = unit_tmpdir();
    for (size_t i = 0; i < NPICS; i++) {
        char rel[64], *p;

        snprintf(rel, sizeof(rel), "pictures/%s", pictures[i]);
        p = fixture_path(rel);
        f->pic[i] = unit_read(p, &f->len[i]);
        free(p);
    }
    f->big = big_jpeg(f->pic[1], f->len[1], &f->big_len);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    for (size_t i = 0; i < NPICS; i++)
        free(f->pic[i]);
    free(f->big);
    unit_rmdir(f->dir);
    lp_ctx_free(f->ctx);
    free(f);
    return 0;
}

/* The pictures, the big one and a text, written with jpeg and threads */
static char *write_pictures(fixture *f, const char *name, int jpeg,
                            unsigned threads)
{
    lp_writer_opts o = LP_WRITER_OPTS_INIT;
    lp_writer *w;
    char *out = unit_path(f->dir, name);

    o.created = 1795874400;
    o.jpeg = jpeg;
    o.threads = threads;
    assert_int_equal(lp_writer_new(&w, f->ctx, out, &o), 0);
    for (size_t i = 0; i < NPICS; i++) {
        char path[64];

        snprintf(path, sizeof(path), "media/%s", pictures[i]);
        assert_int_equal(lp_writer_add_buffer(w, path, f->pic[i], f->len[i],
                                              NULL), 0);
    }
    assert_int_equal(lp_writer_add_buffer(w, "media/big.jpg", f->big,
                                          f->big_len, NULL), 0);
    assert_int_equal(lp_writer_add_buffer(w, "notes.txt", "a note\n", 7,
                                          NULL), 0);
    assert_int_equal(lp_writer_commit(w), 0);
    lp_writer_free(w);
    return out;
}

static void read_whole(lp_package *p, size_t i, unsigned char **data,
                       size_t *len)
{
    lp_entry_info info;
    lp_entry *e;
    size_t n;

    assert_int_equal(lp_package_entry(p, i, &info), 0);
    *data = malloc(info.size + 1);
    assert_non_null(*data);
    *len = 0;
    assert_int_equal(lp_entry_open(&e, p, i), 0);
    do {
        /* odd read sizes: the rebuilt picture is handed out in pieces */
        assert_int_equal(lp_entry_read(e, *data + *len,
                                       info.size + 1 - *len < 777
                                       ? info.size + 1 - *len : 777, &n), 0);
        *len += n;
    } while (n > 0 && *len <= info.size);
    lp_entry_free(e);
}

static const unsigned char *expected(const fixture *f, const char *path,
                                     size_t *len)
{
    if (strcmp(path, "media/big.jpg") == 0) {
        *len = f->big_len;
        return f->big;
    }
    for (size_t i = 0; i < NPICS; i++)
        if (strcmp(path + 6, pictures[i]) == 0) {
            *len = f->len[i];
            return f->pic[i];
        }
    fail_msg("unexpected entry %s", path);
    return NULL;
}

static void test_round_trip(void **state)
{
    fixture *f = *state;
    char *out;
    lp_package *p;
    size_t njxl = 0;

    if (!lp_have_jxl())
        skip();
    out = write_pictures(f, "pics.lpk", LP_JPEG_JXL, 0);
    assert_int_equal(lp_package_open(&p, f->ctx, out), 0);
    assert_int_equal(lp_package_format(p), 2);
    for (size_t i = 0; i < lp_package_entry_count(p); i++) {
        lp_entry_info info;
        const unsigned char *want;
        unsigned char *got;
        size_t len, wlen;
        uint64_t off;

        assert_int_equal(lp_package_entry(p, i, &info), 0);
        if (strcmp(info.path, "notes.txt") == 0)
            continue;
        want = expected(f, info.path, &wlen);
        read_whole(p, i, &got, &len);
        assert_int_equal(len, wlen);
        assert_memory_equal(got, want, wlen);
        free(got);
        if (!keepable(info.path + 6)) {
            /* libjxl cannot keep these: stored as before */
            assert_int_not_equal(info.compressed, 2);
            continue;
        }
        assert_int_equal(info.compressed, 2);
        assert_true(info.stored_size < info.size);
        njxl++;
        /* its bytes in the file are JPEG XL, not the picture: no offset
         * to hand out as the content (lpack serve's sendfile) */
        assert_int_equal(lp_entry_data_offset(p, i, &off), LP_EINVAL);
        assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "JPEG XL"));
    }
    assert_int_equal(njxl, NPICS - 2 + 1);
    assert_int_equal(lp_package_verify(p, NULL), 0);
    lp_package_free(p);
    free(out);
}

static void test_range_reads(void **state)
{
    fixture *f = *state;
    char *out;
    lp_package *p;
    size_t i, n;
    unsigned char buf[5000];
    static const uint64_t offs[] = { 0, 1, 65535, 1048575, 1048576,
                                     1200000 };

    if (!lp_have_jxl())
        skip();
    out = write_pictures(f, "range.lpk", LP_JPEG_JXL, 1);
    assert_int_equal(lp_package_open(&p, f->ctx, out), 0);
    assert_int_equal(lp_package_find(p, "media/big.jpg", &i), 0);
    {
        lp_entry_info info;
        assert_int_equal(lp_package_entry(p, i, &info), 0);
        assert_int_equal(info.compressed, 2);
        assert_true(info.size > 1048576); /* chunk hashes in the manifest */
    }
    for (size_t k = 0; k < sizeof(offs) / sizeof(*offs); k++) {
        size_t want = f->big_len - offs[k] < sizeof(buf)
                      ? f->big_len - offs[k] : sizeof(buf);
        assert_int_equal(lp_entry_read_at(p, i, offs[k], buf, sizeof(buf),
                                          &n), 0);
        assert_int_equal(n, want);
        assert_memory_equal(buf, f->big + offs[k], n);
    }
    /* and a small picture, from its middle */
    assert_int_equal(lp_package_find(p, "media/progressive.jpg", &i), 0);
    assert_int_equal(lp_entry_read_at(p, i, 1000, buf, 100, &n), 0);
    assert_int_equal(n, 100);
    assert_memory_equal(buf, f->pic[5] + 1000, 100);
    lp_package_free(p);
    free(out);
}

static void test_deterministic(void **state)
{
    fixture *f = *state;
    char *a, *b, *c;

    if (!lp_have_jxl())
        skip();
    a = write_pictures(f, "one.lpk", LP_JPEG_JXL, 1);
    b = write_pictures(f, "four.lpk", LP_JPEG_JXL, 4);
    c = write_pictures(f, "keep.lpk", LP_JPEG_KEEP, 0);
    assert_true(unit_same_file(a, b));
    assert_false(unit_same_file(a, c));
    {
        lp_package *p;
        assert_int_equal(lp_package_open(&p, f->ctx, c), 0);
        /* no JPEG XL object: the lowest format that holds it */
        assert_int_equal(lp_package_format(p), 1);
        lp_package_free(p);
    }
    free(a);
    free(b);
    free(c);
}

/* The offset of the first ZIP entry whose name ends with suffix */
static size_t find_zip_data(const unsigned char *z, size_t len,
                            const char *suffix, size_t *size)
{
    size_t sl = strlen(suffix);

    for (size_t at = 0; at + 30 < len; at++) {
        size_t nlen, xlen;

        if (memcmp(z + at, "PK\3\4", 4) != 0)
            continue;
        nlen = z[at + 26] | (size_t)z[at + 27] << 8;
        xlen = z[at + 28] | (size_t)z[at + 29] << 8;
        if (nlen >= sl && at + 30 + nlen <= len &&
            memcmp(z + at + 30 + nlen - sl, suffix, sl) == 0) {
            *size = z[at + 18] | (size_t)z[at + 19] << 8 |
                    (size_t)z[at + 20] << 16 | (size_t)z[at + 21] << 24;
            return at + 30 + nlen + xlen;
        }
    }
    fail_msg("no entry *%s", suffix);
    return 0;
}

static void test_damaged(void **state)
{
    fixture *f = *state;
    char *out, *bad;
    unsigned char *z;
    size_t zlen, at, size = 0;
    lp_package *p;
    int rc;

    if (!lp_have_jxl())
        skip();
    out = write_pictures(f, "good.lpk", LP_JPEG_JXL, 0);
    z = unit_read(out, &zlen);
    at = find_zip_data(z, zlen, ".jxl", &size);
    bad = unit_path(f->dir, "bad.lpk");
    for (int k = 0; k < 4; k++) {
        unsigned char *d = malloc(zlen);
        assert_non_null(d);
        memcpy(d, z, zlen);
        /* flip bytes at the start, in the middle and at the end of the
         * stream, and wipe its last half */
        if (k == 0)
            d[at + 3] ^= 0x40;
        else if (k == 1)
            d[at + size / 2] ^= 0x01;
        else if (k == 2)
            d[at + size - 1] ^= 0x80;
        else
            memset(d + at + size / 2, 0, size - size / 2);
        unit_write(bad, d, zlen);
        free(d);
        assert_int_equal(lp_package_open(&p, f->ctx, bad), 0);
        rc = lp_package_verify(p, NULL);
        /* malformed or a content mismatch; or, where the damage hit bits
         * the decoder never uses (the stream's last byte holds padding),
         * the very picture, its hash checked */
        if (rc != LP_EFORMAT && rc != LP_EHASH && rc != 0)
            fail_msg("damage %d: %d %s", k, rc, lp_ctx_errmsg(f->ctx));
        if (k != 2)
            assert_int_not_equal(rc, 0);
        lp_package_free(p);
    }
    free(z);
    free(bad);
    free(out);
}

/* A package a liblp with libjxl wrote (tests/fixtures/jpeg): read by this
 * one, or refused by name by one built without libjxl */
static void test_fixture_package(void **state)
{
    fixture *f = *state;
    char *path = fixture_path("pictures-jxl.lpk");
    lp_package *p;
    int rc = lp_package_open(&p, f->ctx, path);

    if (!lp_have_jxl()) {
        assert_int_equal(rc, LP_EVERSION);
        assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "this package stores "
                               "pictures as JPEG XL; this liblp was built "
                               "without libjxl"));
        free(path);
        return;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(lp_package_format(p), 2);
    assert_int_equal(lp_package_entry_count(p), NPICS);
    for (size_t i = 0; i < NPICS; i++) {
        unsigned char *got;
        size_t len;

        read_whole(p, i, &got, &len);
        assert_int_equal(len, f->len[i]);
        assert_memory_equal(got, f->pic[i], len);
        free(got);
    }
    lp_package_free(p);
    free(path);
}

/* A second release: one picture edited (a comment added), one new, one
 * gone, the text changed */
static char *write_release2(fixture *f, const char *name, int jpeg)
{
    lp_writer_opts o = LP_WRITER_OPTS_INIT;
    lp_writer *w;
    char *out = unit_path(f->dir, name);
    unsigned char *edited = malloc(f->len[5] + 12);

    assert_non_null(edited);
    memcpy(edited, f->pic[5], 2);
    static const unsigned char com[12] = { 0xff, 0xfe, 0x00, 0x0a, 'e',
                                           'd', 'i', 't', 'e', 'd', '!',
                                           '!' };

    memcpy(edited + 2, com, sizeof(com));
    memcpy(edited + 14, f->pic[5] + 2, f->len[5] - 2);
    o.created = 1795874500;
    o.jpeg = jpeg;
    assert_int_equal(lp_writer_new(&w, f->ctx, out, &o), 0);
    assert_int_equal(lp_writer_set_identity(w, "package", 2, "", "und"), 0);
    for (size_t i = 0; i < NPICS; i++) {
        char path[64];

        if (i == 4)
            continue; /* gray.jpg is gone */
        snprintf(path, sizeof(path), "media/%s", pictures[i]);
        assert_int_equal(lp_writer_add_buffer(w, path, i == 5 ? edited
                                              : f->pic[i], i == 5
                                              ? f->len[5] + 12 : f->len[i],
                                              NULL), 0);
    }
    assert_int_equal(lp_writer_add_buffer(w, "media/big.jpg", f->big,
                                          f->big_len, NULL), 0);
    assert_int_equal(lp_writer_add_buffer(w, "media/new.jpg", f->pic[4],
                                          f->len[4], NULL), 0);
    assert_int_equal(lp_writer_add_buffer(w, "notes.txt", "a new note\n", 11,
                                          NULL), 0);
    assert_int_equal(lp_writer_commit(w), 0);
    lp_writer_free(w);
    free(edited);
    return out;
}

/* Deltas with JPEG XL objects on either side: applying one gives the very
 * package it was made from (lpd(5) format 2) */
static void test_delta(void **state)
{
    fixture *f = *state;
    char *b[2], *t[2], *d = NULL, *out = NULL;

    if (!lp_have_jxl())
        skip();
    b[0] = write_pictures(f, "b-keep.lpk", LP_JPEG_KEEP, 0);
    b[1] = write_pictures(f, "b-jxl.lpk", LP_JPEG_JXL, 0);
    t[0] = write_release2(f, "t-keep.lpk", LP_JPEG_KEEP);
    t[1] = write_release2(f, "t-jxl.lpk", LP_JPEG_JXL);
    d = unit_path(f->dir, "d.lpd");
    out = unit_path(f->dir, "out.lpk");
    for (int x = 0; x < 2; x++)
        for (int y = 0; y < 2; y++) {
            lp_package *base, *target;
            lp_delta *delta;

            assert_int_equal(lp_package_open(&base, f->ctx, b[x]), 0);
            assert_int_equal(lp_package_open(&target, f->ctx, t[y]), 0);
            assert_int_equal(lp_delta_create(base, target, d, NULL, NULL),
                             0);
            assert_int_equal(lp_delta_open(&delta, f->ctx, d), 0);
            if (lp_delta_apply(delta, base, out, NULL, NULL) != 0)
                fail_msg("delta %d -> %d: %s", x, y,
                         lp_ctx_errmsg(f->ctx));
            assert_true(unit_same_file(out, t[y]));
            lp_delta_free(delta);
            lp_package_free(target);
            lp_package_free(base);
            unlink(out);
        }
    for (int i = 0; i < 2; i++) {
        free(b[i]);
        free(t[i]);
    }
    free(d);
    free(out);
}

static void test_writer_options(void **state)
{
    fixture *f = *state;
    lp_writer_opts o = LP_WRITER_OPTS_INIT;
    lp_writer *w = NULL;
    char *out = unit_path(f->dir, "x.lpk");

    o.jpeg = 7;
    assert_int_equal(lp_writer_new(&w, f->ctx, out, &o), LP_EINVAL);
    o.jpeg = LP_JPEG_JXL;
    if (lp_have_jxl()) {
        assert_int_equal(lp_writer_new(&w, f->ctx, out, &o), 0);
        lp_writer_free(w);
    } else {
        assert_int_equal(lp_writer_new(&w, f->ctx, out, &o), LP_EINVAL);
        assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "without libjxl"));
    }
    /* version 2 of the struct has no jpeg: JPEGs are kept */
    o.version = 2;
    assert_int_equal(lp_writer_new(&w, f->ctx, out, &o), 0);
    lp_writer_free(w);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_range_reads),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_fixture_package),
        cmocka_unit_test(test_delta),
        cmocka_unit_test(test_writer_options),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
