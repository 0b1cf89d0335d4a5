/*
 * test_package.c - writing packages and reading them back through the
 * public API: identity, entries, streaming reads, dedupe, compression
 * choices, determinism, verification, extraction, atomic writes.
 */
#include "unit.h"

#include <zip.h>

typedef struct fixture {
    lp_ctx *ctx;
    char *dir;
} fixture;

static const char lesson_tet[] =
    "Lisaun 1: Númeru sira. Ita aprende konta husi ida to'o sanulu. "
    "Lisaun ida-ne'e hatudu oinsá atu konta sasán iha uma no iha eskola.\n";
static const char lesson_pt[] =
    "Lição 1: Os números. Aprendemos a contar de um a dez. "
    "Esta lição mostra como contar objetos em casa e na escola.\n";

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (!f || lp_ctx_new(&f->ctx, NULL) < 0)
        return -1;
    f->dir = unit_tmpdir();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    lp_ctx_free(f->ctx);
    unit_rmdir(f->dir);
    free(f);
    return 0;
}

/* Text that compresses, repeated n times */
static char *big_text(size_t n, size_t *len)
{
    size_t one = strlen(lesson_tet);
    char *t = malloc(one * n + 1);
    assert_non_null(t);
    for (size_t i = 0; i < n; i++)
        memcpy(t + i * one, lesson_tet, one);
    t[one * n] = '\0';
    *len = one * n;
    return t;
}

static char *write_sample(fixture *f, const char *name, int64_t created)
{
    lp_writer_opts o = LP_WRITER_OPTS_INIT;
    lp_writer *w;
    char *out = unit_path(f->dir, name);
    char *img = unit_path(f->dir, "img.jpg");
    unsigned char *jpg = unit_noise(100000, 7);
    size_t blen;
    char *big = big_text(2000, &blen);

    unit_write(img, jpg, 100000);
    o.created = created;
    assert_int_equal(lp_writer_new(&w, f->ctx, out, &o), 0);
    assert_int_equal(lp_writer_set_identity(w, "org.example.tl-math", 7,
                                            "2026 term 1", "tet pt"), 0);
    assert_int_equal(lp_writer_add_buffer(w, "tet/lisaun-1.txt", lesson_tet,
                                          strlen(lesson_tet), NULL), 0);
    assert_int_equal(lp_writer_add_buffer(w, "pt/licao-1.txt", lesson_pt,
                                          strlen(lesson_pt), NULL), 0);
    assert_int_equal(lp_writer_add_buffer(w, "big.txt", big, blen,
                                          "text/plain"), 0);
    assert_int_equal(lp_writer_add_file(w, "media/cat.jpg", img, NULL), 0);
    /* the same picture again under another name: stored once */
    assert_int_equal(lp_writer_add_file(w, "media/copy/cat.jpg", img, NULL),
                     0);
    assert_int_equal(lp_writer_add_buffer(w, "empty", "", 0, NULL), 0);
    assert_int_equal(lp_writer_commit(w), 0);
    lp_writer_free(w);
    free(img);
    free(jpg);
    free(big);
    return out;
}

static void read_entry(lp_package *p, size_t i, unsigned char **data,
                       size_t *len)
{
    lp_entry *e;
    size_t cap = 0, n;
    unsigned char *buf = NULL;

    *len = 0;
    assert_int_equal(lp_entry_open(&e, p, i), 0);
    do {
        if (*len + 4096 > cap) {
            cap = (*len + 4096) * 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        assert_int_equal(lp_entry_read(e, buf + *len, 4096, &n), 0);
        *len += n;
    } while (n > 0);
    lp_entry_free(e);
    *data = buf;
}

static void test_round_trip(void **state)
{
    fixture *f = *state;
    char *path = write_sample(f, "a.lpk", 1764338400);
    lp_package *p;
    lp_entry_info info;
    size_t i, len;
    unsigned char *data;

    assert_int_equal(lp_package_open(&p, f->ctx, path), 0);
    assert_int_equal(lp_package_format(p), 1);
    assert_string_equal(lp_package_id(p), "org.example.tl-math");
    assert_int_equal(lp_package_version(p), 7);
    assert_string_equal(lp_package_label(p), "2026 term 1");
    assert_int_equal(lp_package_language_count(p), 2);
    assert_string_equal(lp_package_language(p, 0), "tet");
    assert_null(lp_package_language(p, 2));
    assert_int_equal(lp_package_created(p), 1764338400);
    assert_int_equal(lp_package_entry_count(p), 6);
    assert_int_equal(lp_package_object_count(p), 5); /* one picture twice */

    assert_int_equal(lp_package_find(p, "tet/lisaun-1.txt", &i), 0);
    assert_int_equal(lp_package_entry(p, i, &info), 0);
    assert_string_equal(info.media_type, "text/plain");
    read_entry(p, i, &data, &len);
    assert_int_equal(len, strlen(lesson_tet));
    assert_memory_equal(data, lesson_tet, len);
    free(data);

    /* big text is compressed; the JPEG is stored as is */
    assert_int_equal(lp_package_find(p, "big.txt", &i), 0);
    assert_int_equal(lp_package_entry(p, i, &info), 0);
    assert_true(info.compressed);
    assert_true(info.stored_size < info.size / 10);
    assert_int_equal(lp_package_find(p, "media/cat.jpg", &i), 0);
    assert_int_equal(lp_package_entry(p, i, &info), 0);
    assert_false(info.compressed);
    assert_int_equal(info.stored_size, 100000);
    assert_string_equal(info.media_type, "image/jpeg");

    assert_int_equal(lp_package_find(p, "empty", &i), 0);
    read_entry(p, i, &data, &len);
    assert_int_equal(len, 0);
    free(data);

    assert_int_equal(lp_package_find(p, "nope", &i), LP_ENOTFOUND);
    assert_int_equal(lp_package_entry(p, 99, &info), LP_ENOTFOUND);
    assert_int_equal(lp_package_verify(p, NULL), 0);
    lp_package_free(p);
    free(path);
}

static void test_entries_sorted(void **state)
{
    fixture *f = *state;
    char *path = write_sample(f, "s.lpk", 1764338400);
    lp_package *p;
    lp_entry_info a, b;

    assert_int_equal(lp_package_open(&p, f->ctx, path), 0);
    for (size_t i = 1; i < lp_package_entry_count(p); i++) {
        assert_int_equal(lp_package_entry(p, i - 1, &a), 0);
        assert_int_equal(lp_package_entry(p, i, &b), 0);
        assert_true(strcmp(a.path, b.path) < 0);
    }
    lp_package_free(p);
    free(path);
}

static void test_deterministic(void **state)
{
    fixture *f = *state;
    char *a = write_sample(f, "d1.lpk", 1764338400);
    char *b = write_sample(f, "d2.lpk", 1764338400);
    size_t la, lb;
    unsigned char *da = unit_read(a, &la), *db = unit_read(b, &lb);

    assert_int_equal(la, lb);
    assert_memory_equal(da, db, la);
    free(da);
    free(db);
    free(a);
    free(b);
}

static void test_source_date_epoch(void **state)
{
    fixture *f = *state;
    char *path;
    lp_package *p;

    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    path = write_sample(f, "sde.lpk", -1);
    unsetenv("SOURCE_DATE_EPOCH");
    assert_int_equal(lp_package_open(&p, f->ctx, path), 0);
    assert_int_equal(lp_package_created(p), 1700000000);
    lp_package_free(p);
    free(path);
}

static void test_extract(void **state)
{
    fixture *f = *state;
    char *path = write_sample(f, "x.lpk", 1764338400);
    char *to = unit_path(f->dir, "out");
    char *file = unit_path(to, "pt/licao-1.txt");
    lp_package *p;
    size_t len;
    unsigned char *data;

    assert_int_equal(lp_package_open(&p, f->ctx, path), 0);
    assert_int_equal(lp_package_extract(p, to), 0);
    data = unit_read(file, &len);
    assert_int_equal(len, strlen(lesson_pt));
    assert_memory_equal(data, lesson_pt, len);
    free(data);
    /* never overwrites */
    assert_int_equal(lp_package_extract(p, to), LP_EEXIST);
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "exists"));
    lp_package_free(p);
    free(file);
    free(to);
    free(path);
}

static void test_extract_refuses_symlinked_folder(void **state)
{
    fixture *f = *state;
    char *path = write_sample(f, "l.lpk", 1764338400);
    char *to = unit_path(f->dir, "out2");
    char *link = unit_path(to, "media");
    char *victim = unit_path(f->dir, "victim");
    lp_package *p;

    assert_int_equal(mkdir(to, 0755), 0);
    assert_int_equal(mkdir(victim, 0755), 0);
    assert_int_equal(symlink(victim, link), 0);
    assert_int_equal(lp_package_open(&p, f->ctx, path), 0);
    assert_int_equal(lp_package_extract(p, to), LP_EUNSAFE);
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "link"));
    lp_package_free(p);
    free(link);
    free(victim);
    free(to);
    free(path);
}

static void test_writer_rejects(void **state)
{
    fixture *f = *state;
    char *out = unit_path(f->dir, "r.lpk");
    lp_writer *w;

    assert_int_equal(lp_writer_new(&w, f->ctx, out, NULL), 0);
    assert_int_equal(lp_writer_set_identity(w, "-bad", 1, "", "en"),
                     LP_EINVAL);
    assert_int_equal(lp_writer_set_identity(w, "ok", 0, "", "en"), LP_EINVAL);
    assert_int_equal(lp_writer_set_identity(w, "ok", 1, "a\tb", "en"),
                     LP_EINVAL);
    assert_int_equal(lp_writer_set_identity(w, "ok", 1, "", ""), LP_EINVAL);
    assert_int_equal(lp_writer_set_identity(w, "ok", 1, "", "en  fr"),
                     LP_EINVAL);
    assert_int_equal(lp_writer_add_buffer(w, "../x", "a", 1, NULL),
                     LP_EINVAL);
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "'..'"));
    assert_int_equal(lp_writer_add_buffer(w, "x", "a", 1, "bad type"),
                     LP_EINVAL);
    assert_int_equal(lp_writer_add_file(w, "y", "/nonexistent", NULL),
                     LP_EIO);
    assert_int_equal(lp_writer_add_buffer(w, "a", "a", 1, NULL), 0);
    assert_int_equal(lp_writer_add_buffer(w, "a", "b", 1, NULL), 0);
    assert_int_equal(lp_writer_commit(w), LP_EEXIST);
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "added twice"));
    lp_writer_free(w);
    assert_int_equal(access(out, F_OK), -1);

    /* "a" and "a/b" cannot both be files */
    assert_int_equal(lp_writer_new(&w, f->ctx, out, NULL), 0);
    assert_int_equal(lp_writer_add_buffer(w, "a", "a", 1, NULL), 0);
    assert_int_equal(lp_writer_add_buffer(w, "a/b", "b", 1, NULL), 0);
    assert_int_equal(lp_writer_commit(w), LP_EINVAL);
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "inside entry 'a'"));
    lp_writer_free(w);
    assert_int_equal(access(out, F_OK), -1);
    free(out);
}

static void test_failed_commit_keeps_old_file(void **state)
{
    fixture *f = *state;
    char *out = unit_path(f->dir, "keep.lpk");
    char *gone = unit_path(f->dir, "gone.txt");
    lp_writer *w;
    size_t len;
    unsigned char *data;

    unit_write(out, "old", 3);
    unit_write(gone, "soon gone", 9);
    assert_int_equal(lp_writer_new(&w, f->ctx, out, NULL), 0);
    assert_int_equal(lp_writer_add_file(w, "gone.txt", gone, NULL), 0);
    assert_int_equal(unlink(gone), 0);
    assert_int_not_equal(lp_writer_commit(w), 0);
    lp_writer_free(w);
    data = unit_read(out, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(data, "old", 3);
    free(data);
    free(out);
    free(gone);
}

/* A profile in the manifest; a budget: a package larger is not installed
 * (an existing file stays), one within it is */
static void test_profile_budget(void **state)
{
    fixture *f = *state;
    char *out = unit_path(f->dir, "budget.lpk");
    lp_writer *w;
    lp_package *p;
    size_t len;
    unsigned char *noise = unit_noise(20000, 3), *data;

    unit_write(out, "old", 3);
    assert_int_equal(lp_writer_new(&w, f->ctx, out, NULL), 0);
    assert_int_equal(lp_writer_set_identity(w, "org.example.b", 2, "",
                                            "tet"), 0);
    assert_int_equal(lp_writer_set_profile(w, "Phone"), LP_EINVAL);
    assert_int_equal(lp_writer_set_profile(w, ""), LP_EINVAL);
    assert_int_equal(lp_writer_set_profile(w, "phone"), 0);
    assert_int_equal(lp_writer_set_budget(w, 10000), 0);
    assert_int_equal(lp_writer_add_buffer(w, "noise.bin", noise, 20000,
                                          NULL), 0);
    assert_int_equal(lp_writer_commit(w), LP_ETOOBIG);
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "over its budget of "
                           "10000 bytes"));
    lp_writer_free(w);
    data = unit_read(out, &len);
    assert_int_equal(len, 3);
    free(data);

    assert_int_equal(lp_writer_new(&w, f->ctx, out, NULL), 0);
    assert_int_equal(lp_writer_set_identity(w, "org.example.b", 2, "",
                                            "tet"), 0);
    assert_int_equal(lp_writer_set_profile(w, "phone"), 0);
    assert_int_equal(lp_writer_set_profile(w, NULL), 0);
    assert_int_equal(lp_writer_set_profile(w, "hub.v2"), 0);
    assert_int_equal(lp_writer_set_budget(w, 30000), 0);
    assert_int_equal(lp_writer_add_buffer(w, "noise.bin", noise, 20000,
                                          NULL), 0);
    assert_int_equal(lp_writer_commit(w), 0);
    lp_writer_free(w);
    assert_int_equal(lp_package_open(&p, f->ctx, out), 0);
    assert_string_equal(lp_package_profile(p), "hub.v2");
    lp_package_free(p);
    free(noise);
    free(out);
}

static void test_changed_input_detected(void **state)
{
    fixture *f = *state;
    char *out = unit_path(f->dir, "chg.lpk");
    char *in = unit_path(f->dir, "chg.txt");
    lp_writer *w;

    unit_write(in, "first", 5);
    assert_int_equal(lp_writer_new(&w, f->ctx, out, NULL), 0);
    assert_int_equal(lp_writer_add_file(w, "chg.txt", in, NULL), 0);
    unit_write(in, "second version", 14);
    assert_int_equal(lp_writer_commit(w), LP_ECHANGED);
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "changed"));
    lp_writer_free(w);
    assert_int_equal(access(out, F_OK), -1);
    free(out);
    free(in);
}

static void test_open_errors(void **state)
{
    fixture *f = *state;
    char *junk = unit_path(f->dir, "junk.lpk");
    lp_package *p = NULL;

    assert_int_equal(lp_package_open(&p, f->ctx, "/nonexistent.lpk"), LP_EIO);
    assert_int_equal(lp_package_open(&p, f->ctx, f->dir), LP_EIO);
    unit_write(junk, "this is not a zip file at all", 29);
    assert_int_equal(lp_package_open(&p, f->ctx, junk), LP_EFORMAT);
    assert_non_null(strstr(lp_ctx_errmsg(f->ctx), "junk.lpk"));
    assert_null(p);
    free(junk);
}

/* Cut a package at many points: every prefix is refused, none crashes */
static void test_truncation(void **state)
{
    fixture *f = *state;
    char *path = write_sample(f, "t.lpk", 1764338400);
    char *cut = unit_path(f->dir, "cut.lpk");
    size_t len;
    unsigned char *data = unit_read(path, &len);

    for (size_t n = 0; n < len; n += 1 + n / 8) {
        lp_package *p = NULL;
        int rc;

        unit_write(cut, data, n);
        rc = lp_package_open(&p, f->ctx, cut);
        if (rc == 0) {
            rc = lp_package_verify(p, NULL);
            lp_package_free(p);
        }
        if (rc >= 0)
            fail_msg("package cut at %zu of %zu bytes was accepted", n, len);
    }
    free(data);
    free(cut);
    free(path);
}

/* Many small lessons: the writer trains a package dictionary, the same
 * whatever the thread count, and the reader uses it */
static char *write_lessons(fixture *f, const char *name, unsigned threads)
{
    lp_writer_opts o = LP_WRITER_OPTS_INIT;
    lp_writer *w;
    char *out = unit_path(f->dir, name);

    o.created = 1764338400;
    o.threads = threads;
    assert_int_equal(lp_writer_new(&w, f->ctx, out, &o), 0);
    for (int i = 0; i < 120; i++) {
        char path[64], text[16384];
        size_t len = 0;

        snprintf(path, sizeof(path), "lessons/%03d.html", i);
        for (int k = 0; k < 80; k++)
            len += (size_t)snprintf(text + len, sizeof(text) - len,
                                    "<p>%s %d</p>\n", k % 2 ? lesson_tet
                                    : lesson_pt, i * 80 + k);
        assert_int_equal(lp_writer_add_buffer(w, path, text, len, NULL), 0);
    }
    assert_int_equal(lp_writer_commit(w), 0);
    lp_writer_free(w);
    return out;
}

static void test_dictionary(void **state)
{
    fixture *f = *state;
    char *a = write_lessons(f, "d1.lpk", 1), *b = write_lessons(f, "d2.lpk", 2);
    size_t la, lb, mlen, len;
    unsigned char *da = unit_read(a, &la), *db = unit_read(b, &lb), *data;
    const unsigned char *m;
    lp_package *p;
    lp_entry_info info;

    assert_int_equal(la, lb);
    assert_memory_equal(da, db, la);
    assert_int_equal(lp_package_open(&p, f->ctx, a), 0);
    m = lp_package_manifest(p, &mlen);
    assert_non_null(strstr((const char *)m, "\ndictionary "));
    /* 120 lessons and the dictionary */
    assert_int_equal(lp_package_object_count(p), 121);
    read_entry(p, 7, &data, &len);
    assert_int_equal(lp_package_entry(p, 7, &info), 0);
    assert_true(info.compressed);
    assert_true(info.stored_size * 8 < info.size);
    assert_int_equal(len, info.size);
    assert_memory_equal(data, "<p>", 3);
    free(data);
    assert_int_equal(lp_package_verify(p, NULL), 0);
    lp_package_free(p);
    free(da);
    free(db);
    free(a);
    free(b);
}

/* libzip, an independent ZIP implementation, opens every package with its
 * consistency checks, and reads every entry with its CRC checked */
static void test_libzip_reads_it(void **state)
{
    fixture *f = *state;
    char *path = write_sample(f, "z.lpk", 1764338400);
    int err = 0;
    zip_t *za = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &err);
    zip_int64_t n;
    char buf[8192];

    assert_non_null(za);
    n = zip_get_num_entries(za, 0);
    assert_int_equal(n, 2 + 5); /* mimetype, manifest, 5 objects */
    assert_string_equal(zip_get_name(za, 0, 0), "mimetype");
    assert_string_equal(zip_get_name(za, 1, 0), "manifest");
    for (zip_int64_t i = 0; i < n; i++) {
        zip_stat_t st;
        zip_file_t *zf;
        zip_int64_t got, total = 0;

        assert_int_equal(zip_stat_index(za, (zip_uint64_t)i, 0, &st), 0);
        assert_int_equal(st.comp_method, ZIP_CM_STORE);
        zf = zip_fopen_index(za, (zip_uint64_t)i, 0);
        assert_non_null(zf);
        while ((got = zip_fread(zf, buf, sizeof(buf))) > 0)
            total += got;
        assert_int_equal(got, 0); /* a CRC mismatch would be -1 */
        assert_int_equal((zip_uint64_t)total, st.size);
        zip_fclose(zf);
    }
    zip_discard(za);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entries_sorted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_date_epoch, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_extract, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extract_refuses_symlinked_folder,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_rejects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_commit_keeps_old_file,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_input_detected, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_libzip_reads_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dictionary, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
