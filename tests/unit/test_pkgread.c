/*
 * test_pkgread.c - what a runtime needs from an open package: opening it
 * from a descriptor, handles for other threads (lp_package_share), where a
 * stored entry's bytes lie, checks made on an entry's first use, and every
 * allocation of those failing in turn.
 */
#include "unit.h"
#include "torture.h"

#include <fcntl.h>

typedef struct fixture {
    lp_ctx *ctx;
    char *dir;
    char *pkg;
} fixture;

static const char lesson[] = "Lisaun 1: Ita aprende konta husi ida to'o "
                             "sanulu, iha uma no iha eskola.\n";

/* A small package: text that compresses, a picture that does not */
static char *write_pkg(lp_ctx *ctx, const char *dir, const char *name)
{
    lp_writer_opts o = LP_WRITER_OPTS_INIT;
    lp_writer *w;
    char *out = unit_path(dir, name);
    unsigned char *jpg = unit_noise(70000, 3);
    char text[8192];
    size_t len = 0;
    int rc;

    while (len + sizeof(lesson) < sizeof(text)) {
        memcpy(text + len, lesson, sizeof(lesson) - 1);
        len += sizeof(lesson) - 1;
    }
    o.created = 1764338400;
    o.threads = 1;
    rc = lp_writer_new(&w, ctx, out, &o);
    if (rc == 0)
        rc = lp_writer_set_identity(w, "org.example.read", 1, "", "tet");
    if (rc == 0)
        rc = lp_writer_add_buffer(w, "lesson.txt", text, len, NULL);
    if (rc == 0)
        rc = lp_writer_add_buffer(w, "media/cat.jpg", jpg, 70000, NULL);
    if (rc == 0)
        rc = lp_writer_commit(w);
    lp_writer_free(w);
    free(jpg);
    if (rc < 0) {
        free(out);
        return NULL;
    }
    return out;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (!f || lp_ctx_new(&f->ctx, NULL) < 0)
        return -1;
    f->dir = unit_tmpdir();
    f->pkg = write_pkg(f->ctx, f->dir, "p.lpk");
    *state = f;
    return f->pkg ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    lp_ctx_free(f->ctx);
    unit_rmdir(f->dir);
    free(f->pkg);
    free(f);
    return 0;
}

/* Read entry i whole through a streaming reader; its length */
static size_t read_all(lp_package *p, size_t i, unsigned char *buf,
                       size_t cap)
{
    lp_entry *e;
    size_t len = 0, n;

    assert_int_equal(lp_entry_open(&e, p, i), 0);
    do {
        assert_int_equal(lp_entry_read(e, buf + len, cap - len, &n), 0);
        len += n;
    } while (n > 0 && len < cap);
    lp_entry_free(e);
    return len;
}

static size_t find(lp_package *p, const char *path)
{
    size_t i;
    assert_int_equal(lp_package_find(p, path, &i), 0);
    return i;
}

static void test_open_fd(void **state)
{
    fixture *f = *state;
    lp_package *p = NULL;
    unsigned char buf[100000];
    char *junk = unit_path(f->dir, "junk");
    int fd = open(f->pkg, O_RDONLY);

    assert_true(fd >= 0);
    assert_int_equal(lp_package_open_fd(&p, f->ctx, fd), 0);
    /* the package has its own descriptor */
    assert_int_equal(close(fd), 0);
    assert_int_equal(lp_package_entry_count(p), 2);
    assert_int_equal(read_all(p, find(p, "media/cat.jpg"), buf, sizeof(buf)),
                     70000);
    assert_int_equal(lp_package_verify(p, NULL), 0);
    lp_package_free(p);

    p = (lp_package *)f;
    assert_int_equal(lp_package_open_fd(&p, f->ctx, -1), LP_EINVAL);
    assert_null(p);
    fd = open(f->dir, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    assert_int_equal(lp_package_open_fd(&p, f->ctx, fd), LP_EIO);
    close(fd);
    unit_write(junk, "not a package", 13);
    fd = open(junk, O_RDONLY);
    assert_int_equal(lp_package_open_fd(&p, f->ctx, fd), LP_EFORMAT);
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "descriptor"));
    assert_null(p);
    close(fd);
    free(junk);
}

static void test_share(void **state)
{
    fixture *f = *state;
    lp_ctx *c2;
    lp_package *p, *q, *r;
    lp_entry_info info;
    unsigned char buf[100000];
    size_t i;

    assert_int_equal(lp_ctx_new(&c2, NULL), 0);
    assert_int_equal(lp_package_open(&p, f->ctx, f->pkg), 0);
    assert_int_equal(lp_package_share(&q, p, c2), 0);
    assert_int_equal(lp_package_share(&r, q, c2), 0);
    /* errors go to the handle's own context */
    assert_int_equal(lp_package_find(q, "nope", &i), LP_ENOTFOUND);
    assert_int_equal(lp_ctx_errcode(c2), LP_ENOTFOUND);
    assert_int_equal(lp_ctx_errcode(f->ctx), 0);
    /* the first handle may go first, and its context with it */
    lp_package_free(p);
    assert_string_equal(lp_package_id(q), "org.example.read");
    i = find(q, "lesson.txt");
    assert_int_equal(lp_package_entry(q, i, &info), 0);
    assert_int_equal(read_all(q, i, buf, sizeof(buf)), info.size);
    lp_package_free(q);
    assert_int_equal(lp_package_verify(r, NULL), 0);
    lp_package_free(r);
    lp_ctx_free(c2);
}

static void test_data_offset(void **state)
{
    fixture *f = *state;
    lp_package *p;
    lp_entry_info info;
    uint64_t off = 0;
    unsigned char want[70000], got[70000];
    size_t jpg;
    int fd;

    assert_int_equal(lp_package_open(&p, f->ctx, f->pkg), 0);
    jpg = find(p, "media/cat.jpg");
    assert_int_equal(lp_package_entry(p, jpg, &info), 0);
    assert_int_equal(info.compressed, 0);
    assert_int_equal(lp_entry_data_offset(p, jpg, &off), 0);
    assert_int_equal(read_all(p, jpg, want, sizeof(want)), sizeof(want));
    fd = open(f->pkg, O_RDONLY);
    assert_int_equal(pread(fd, got, sizeof(got), (off_t)off), sizeof(got));
    close(fd);
    assert_memory_equal(want, got, sizeof(got));
    /* a compressed entry's bytes in the file are not its content */
    assert_int_equal(lp_entry_data_offset(p, find(p, "lesson.txt"), &off),
                     LP_EINVAL);
    assert_int_equal(lp_entry_data_offset(p, 99, &off), LP_ENOTFOUND);
    lp_package_free(p);
}

/* Damage one object's local header: the package still opens (the central
 * directory is sound), but that entry is refused on first use, every
 * time, and so is the whole package by verify; the other entry reads. */
static void test_checked_on_first_use(void **state)
{
    fixture *f = *state;
    lp_package *p;
    size_t len, jpg, txt;
    uint64_t off;
    unsigned char *data = unit_read(f->pkg, &len), buf[100000];
    char *bad = unit_path(f->dir, "bad.lpk");
    lp_entry *e = NULL;

    assert_int_equal(lp_package_open(&p, f->ctx, f->pkg), 0);
    jpg = find(p, "media/cat.jpg");
    assert_int_equal(lp_entry_data_offset(p, jpg, &off), 0);
    lp_package_free(p);
    /* the local header's CRC-32 field, 14 bytes into the header, which
     * is 30 + the name ("objects/" and 64 hex digits) before the data */
    data[off - 30 - 72 + 14] ^= 0x55;
    unit_write(bad, data, len);

    assert_int_equal(lp_package_open(&p, f->ctx, bad), 0);
    jpg = find(p, "media/cat.jpg");
    txt = find(p, "lesson.txt");
    for (int k = 0; k < 2; k++) {
        assert_int_equal(lp_entry_open(&e, p, jpg), LP_EFORMAT);
        assert_null(e);
        assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "local header"));
        assert_int_equal(lp_entry_data_offset(p, jpg, &off), LP_EFORMAT);
    }
    assert_true(read_all(p, txt, buf, sizeof(buf)) > 0);
    assert_int_equal(lp_package_verify(p, NULL), LP_EFORMAT);
    lp_package_free(p);
    free(bad);
    free(data);
}

#define MIB (1024u * 1024u)

/* Text that compresses, n bytes */
static char *text_of(size_t n)
{
    char *t = malloc(n);
    assert_non_null(t);
    for (size_t i = 0; i < n; i++)
        t[i] = lesson[i % (sizeof(lesson) - 1)];
    /* a line number now and then, so that chunks differ */
    for (size_t i = 0; i + 16 < n; i += 4096)
        snprintf(t + i, 16, "%015zu", i);
    return t;
}

/* Entries of every kind a range can be read from: large and stored with
 * chunk hashes (a picture; text over 8 MiB), compressed with chunk hashes
 * (3 MiB of text), small and compressed, small and stored, empty */
static char *write_big(lp_ctx *ctx, const char *dir, const char *name)
{
    lp_writer_opts o = LP_WRITER_OPTS_INIT;
    lp_writer *w;
    char *out = unit_path(dir, name);
    unsigned char *jpg = unit_noise(3 * MIB + 12345, 9);
    char *t3 = text_of(3 * MIB + 7), *t9 = text_of(9 * MIB + 1);

    o.created = 1764338400;
    assert_int_equal(lp_writer_new(&w, ctx, out, &o), 0);
    assert_int_equal(lp_writer_set_identity(w, "org.example.big", 1, "",
                                            "tet"), 0);
    assert_int_equal(lp_writer_add_buffer(w, "video.jpg", jpg,
                                          3 * MIB + 12345, NULL), 0);
    /* the same content twice: two chunks lines, one object */
    assert_int_equal(lp_writer_add_buffer(w, "video-copy.jpg", jpg,
                                          3 * MIB + 12345, NULL), 0);
    assert_int_equal(lp_writer_add_buffer(w, "book.txt", t3, 3 * MIB + 7,
                                          NULL), 0);
    assert_int_equal(lp_writer_add_buffer(w, "audio.wav", t9, 9 * MIB + 1,
                                          "audio/wav"), 0);
    assert_int_equal(lp_writer_add_buffer(w, "small.txt", t3, 5000, NULL),
                     0);
    assert_int_equal(lp_writer_add_buffer(w, "small.jpg", jpg, 5000, NULL),
                     0);
    assert_int_equal(lp_writer_add_buffer(w, "empty", "", 0, NULL), 0);
    assert_int_equal(lp_writer_commit(w), 0);
    lp_writer_free(w);
    free(jpg);
    free(t3);
    free(t9);
    return out;
}

static void test_read_at(void **state)
{
    fixture *f = *state;
    char *path = write_big(f->ctx, f->dir, "big.lpk");
    lp_package *p;
    size_t man_len;
    const char *man;
    const char *names[] = { "video.jpg", "book.txt", "audio.wav",
                            "small.txt", "small.jpg", "empty" };
    const int compressed[] = { 0, 1, 0, 1, 0, 0 };

    assert_int_equal(lp_package_open(&p, f->ctx, path), 0);
    /* chunk lines for the four large entries, in the signed manifest */
    man = (const char *)lp_package_manifest(p, &man_len);
    {
        size_t n = 0;
        for (const char *s = man; (s = strstr(s, "\nchunks ")); s++)
            n++;
        assert_int_equal(n, 4);
    }
    for (size_t k = 0; k < sizeof(names) / sizeof(*names); k++) {
        size_t i = find(p, names[k]), size, n;
        lp_entry_info info;
        unsigned char *whole, *buf;
        const uint64_t offs[] = { 0, 1, MIB - 1, MIB, 2 * MIB - 3,
                                  3 * MIB, 3 * MIB + 12344, 9 * MIB };
        const size_t lens[] = { 1, 100, MIB, MIB + 2, 3 * MIB };

        assert_int_equal(lp_package_entry(p, i, &info), 0);
        assert_int_equal(info.compressed, compressed[k]);
        size = (size_t)info.size;
        whole = malloc(size + 1);
        buf = malloc(3 * MIB);
        assert_non_null(whole);
        assert_non_null(buf);
        assert_int_equal(read_all(p, i, whole, size + 1), size);
        for (size_t a = 0; a < sizeof(offs) / sizeof(*offs); a++)
            for (size_t b = 0; b < sizeof(lens) / sizeof(*lens); b++) {
                size_t want = offs[a] >= size ? 0 :
                              size - offs[a] < lens[b] ? size - offs[a]
                                                       : lens[b];
                n = 77;
                assert_int_equal(lp_entry_read_at(p, i, offs[a], buf,
                                                  lens[b], &n), 0);
                assert_int_equal(n, want);
                if (want)
                    assert_memory_equal(buf, whole + offs[a], want);
            }
        /* the last byte, and past the end */
        if (size) {
            assert_int_equal(lp_entry_read_at(p, i, size - 1, buf, 10, &n),
                             0);
            assert_int_equal(n, 1);
            assert_int_equal(buf[0], whole[size - 1]);
        }
        assert_int_equal(lp_entry_read_at(p, i, size + 5, buf, 10, &n), 0);
        assert_int_equal(n, 0);
        free(whole);
        free(buf);
    }
    assert_int_equal(lp_entry_read_at(p, 99, 0, NULL, 0, &man_len),
                     LP_ENOTFOUND);
    assert_int_equal(lp_package_verify(p, NULL), 0);
    lp_package_free(p);
    free(path);
}

/* One byte changed in the third chunk of a stored object: reads of other
 * chunks still succeed (and cost only those chunks), any read touching it
 * fails, and so do the streaming reader and verify */
static void test_read_at_damaged_chunk(void **state)
{
    fixture *f = *state;
    char *path = write_big(f->ctx, f->dir, "big.lpk");
    char *bad = unit_path(f->dir, "bad.lpk");
    size_t len, i, n;
    unsigned char *data = unit_read(path, &len);
    unsigned char *buf = malloc(MIB);
    uint64_t off;
    lp_package *p;
    lp_entry *e;

    assert_non_null(buf);
    assert_int_equal(lp_package_open(&p, f->ctx, path), 0);
    assert_int_equal(lp_entry_data_offset(p, find(p, "video.jpg"), &off), 0);
    lp_package_free(p);
    data[off + 2 * MIB + 100] ^= 1;
    unit_write(bad, data, len);

    assert_int_equal(lp_package_open(&p, f->ctx, bad), 0);
    i = find(p, "video.jpg");
    assert_int_equal(lp_entry_read_at(p, i, 0, buf, MIB, &n), 0);
    assert_int_equal(lp_entry_read_at(p, i, 3 * MIB, buf, MIB, &n), 0);
    assert_int_equal(n, 12345);
    assert_int_equal(lp_entry_read_at(p, i, 2 * MIB + 100, buf, 1, &n),
                     LP_EHASH);
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "chunk 2 "));
    assert_int_equal(lp_entry_read_at(p, i, MIB, buf, MIB + 1, &n),
                     LP_EHASH);
    /* the streaming reader fails at that chunk, before the end */
    assert_int_equal(lp_entry_open(&e, p, i), 0);
    {
        size_t total = 0;
        int rc;
        while ((rc = lp_entry_read(e, buf, MIB, &n)) == 0 && n > 0)
            total += n;
        assert_int_equal(rc, LP_EHASH);
        assert_true(total <= 2 * MIB);
    }
    lp_entry_free(e);
    assert_int_equal(lp_package_verify(p, NULL), LP_EHASH);
    lp_package_free(p);
    free(buf);
    free(data);
    free(bad);
    free(path);
}

/* Every allocation of open_fd, share, data_offset and read_at failing in
 * turn */
static int cycle(const char *pkg)
{
    lp_ctx *ctx, *c2 = NULL;
    lp_package *p = NULL, *q = NULL;
    uint64_t off;
    size_t i;
    int fd, rc;

    rc = lp_ctx_new(&ctx, &torture);
    if (rc < 0)
        return rc;
    fd = open(pkg, O_RDONLY);
    rc = lp_package_open_fd(&p, ctx, fd);
    close(fd);
    if (rc == 0)
        rc = lp_ctx_new(&c2, &torture);
    if (rc == 0)
        rc = lp_package_share(&q, p, c2);
    lp_package_free(p);
    if (rc == 0)
        rc = lp_package_find(q, "media/cat.jpg", &i);
    if (rc == 0)
        rc = lp_entry_data_offset(q, i, &off);
    if (rc == 0) {
        unsigned char buf[200];
        size_t n;
        rc = lp_entry_read_at(q, i, 1000, buf, sizeof(buf), &n);
        if (rc == 0)
            rc = lp_package_find(q, "lesson.txt", &i);
        if (rc == 0)
            rc = lp_entry_read_at(q, i, 1000, buf, sizeof(buf), &n);
    }
    if (rc == 0)
        rc = lp_package_verify(q, NULL);
    lp_package_free(q);
    lp_ctx_free(c2);
    lp_ctx_free(ctx);
    return rc;
}

static void test_allocation_failures(void **state)
{
    fixture *f = *state;
    long total;

    fail_at = -1;
    nallocs = live = 0;
    assert_int_equal(cycle(f->pkg), 0);
    assert_int_equal(live, 0);
    total = nallocs;
    for (fail_at = 0; fail_at < total; fail_at++) {
        int rc;

        nallocs = live = 0;
        rc = cycle(f->pkg);
        if (rc != 0 && rc != LP_ENOMEM && rc != LP_EINTERNAL)
            fail_msg("allocation %ld failing gave %d (%s)", fail_at, rc,
                     lp_strerror(rc));
        if (live != 0)
            fail_msg("allocation %ld failing leaked %ld blocks", fail_at,
                     live);
    }
    fail_at = -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_fd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_share, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_offset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checked_on_first_use, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_read_at, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_at_damaged_chunk, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_allocation_failures, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
