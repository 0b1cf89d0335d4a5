/*
 * test_serve.c - the hub's header parsers (liblp/serve/server_range.c):
 * Range, If-None-Match/If-Range, %-decoding of paths and form values, the
 * multipart boundary; good and hostile inputs.
 */
#include "unit.h"

#include "lpi_server.h"

static void test_range_single(void **state)
{
    lpi_range r[LPI_MAX_RANGES];
    size_t n;

    (void)state;
    assert_int_equal(lpi_range_parse("bytes=0-99", 1000, r, &n),
                     LPI_RANGE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(r[0].first, 0);
    assert_int_equal(r[0].last, 99);
    /* open-ended, clamped, case and white space */
    assert_int_equal(lpi_range_parse("Bytes = 990-", 1000, r, &n),
                     LPI_RANGE_OK);
    assert_int_equal(r[0].first, 990);
    assert_int_equal(r[0].last, 999);
    assert_int_equal(lpi_range_parse("bytes=500-5000", 1000, r, &n),
                     LPI_RANGE_OK);
    assert_int_equal(r[0].last, 999);
    /* suffix: the last N bytes, all of them if N >= size */
    assert_int_equal(lpi_range_parse("bytes=-10", 1000, r, &n),
                     LPI_RANGE_OK);
    assert_int_equal(r[0].first, 990);
    assert_int_equal(r[0].last, 999);
    assert_int_equal(lpi_range_parse("bytes=-5000", 1000, r, &n),
                     LPI_RANGE_OK);
    assert_int_equal(r[0].first, 0);
    assert_int_equal(lpi_range_parse("bytes=999-999", 1000, r, &n),
                     LPI_RANGE_OK);
    assert_int_equal(r[0].first, 999);
}

static void test_range_unsatisfiable(void **state)
{
    lpi_range r[LPI_MAX_RANGES];
    size_t n;

    (void)state;
    assert_int_equal(lpi_range_parse("bytes=1000-", 1000, r, &n),
                     LPI_RANGE_UNSAT);
    assert_int_equal(lpi_range_parse("bytes=2000-3000", 1000, r, &n),
                     LPI_RANGE_UNSAT);
    assert_int_equal(lpi_range_parse("bytes=-0", 1000, r, &n),
                     LPI_RANGE_UNSAT);
    assert_int_equal(lpi_range_parse("bytes=0-", 0, r, &n),
                     LPI_RANGE_UNSAT);
    assert_int_equal(lpi_range_parse("bytes=-1", 0, r, &n),
                     LPI_RANGE_UNSAT);
    /* one satisfiable among unsatisfiable ones is enough */
    assert_int_equal(lpi_range_parse("bytes=5000-,10-19", 1000, r, &n),
                     LPI_RANGE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(r[0].first, 10);
}

static void test_range_multiple(void **state)
{
    lpi_range r[LPI_MAX_RANGES];
    char many[512] = "bytes=0-0";
    size_t n;

    (void)state;
    assert_int_equal(lpi_range_parse("bytes=0-9, 20-29 ,-5,,", 1000, r, &n),
                     LPI_RANGE_OK);
    assert_int_equal(n, 3);
    assert_int_equal(r[1].first, 20);
    assert_int_equal(r[1].last, 29);
    assert_int_equal(r[2].first, 995);
    /* LPI_MAX_RANGES is fine, one more and the header is ignored */
    for (int i = 1; i < LPI_MAX_RANGES; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), ",%d-%d",
                 i * 2, i * 2);
    assert_int_equal(lpi_range_parse(many, 1000, r, &n), LPI_RANGE_OK);
    assert_int_equal(n, LPI_MAX_RANGES);
    strcat(many, ",100-100");
    assert_int_equal(lpi_range_parse(many, 1000, r, &n), LPI_RANGE_NONE);
}

static void test_range_bad(void **state)
{
    static const char *const bad[] = {
        "", "bytes", "bytes=", "bytes=,", "items=0-1", "bytes 0-1",
        "bytes=1", "bytes=a-b", "bytes=5-4", "bytes=--1", "bytes=-",
        "bytes=0-1;", "bytes=0-1 2", "bytes=18446744073709551616-",
        "bytes=0-18446744073709551616", "bytes=-18446744073709551616",
        "bytes=+1-2", "bytes=0x10-20", "bytes=1-2,x", "bytes= 1 - 2",
    };
    lpi_range r[LPI_MAX_RANGES];
    size_t n;

    (void)state;
    assert_int_equal(lpi_range_parse(NULL, 10, r, &n), LPI_RANGE_NONE);
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        assert_int_equal(lpi_range_parse(bad[i], 1000, r, &n),
                         LPI_RANGE_NONE);
        assert_int_equal(n, 0);
    }
    /* the largest numbers there are */
    assert_int_equal(lpi_range_parse("bytes=18446744073709551615-", 1000, r,
                                     &n), LPI_RANGE_UNSAT);
    assert_int_equal(lpi_range_parse("bytes=0-18446744073709551615",
                                     UINT64_MAX, r, &n), LPI_RANGE_OK);
    assert_true(r[0].last == UINT64_MAX - 1);
}

static void test_etag(void **state)
{
    const char *e = "\"abc\"";

    (void)state;
    assert_true(lpi_etag_match("\"abc\"", e, false));
    assert_true(lpi_etag_match(" \"x\", \"abc\" ", e, false));
    assert_true(lpi_etag_match("W/\"abc\"", e, false));
    assert_false(lpi_etag_match("W/\"abc\"", e, true));    /* If-Range */
    assert_true(lpi_etag_match("*", e, false));
    assert_false(lpi_etag_match("* , \"x\"", e, false));
    assert_false(lpi_etag_match(NULL, e, false));
    assert_false(lpi_etag_match("", e, false));
    assert_false(lpi_etag_match("abc", e, false));
    assert_false(lpi_etag_match("\"abc", e, false));
    assert_false(lpi_etag_match("\"ab\"", e, false));
    assert_false(lpi_etag_match("\"abc\"x", e, false));
    assert_false(lpi_etag_match("\"a c\"", "\"a c\"", false));
}

static void test_url_decode(void **state)
{
    char out[64];

    (void)state;
    assert_int_equal(lpi_url_decode("a%20b", 5, out, sizeof(out), false,
                                    false), 3);
    assert_string_equal(out, "a b");
    assert_int_equal(lpi_url_decode("a+b", 3, out, sizeof(out), false,
                                    false), 3);
    assert_string_equal(out, "a+b");
    assert_int_equal(lpi_url_decode("a+b", 3, out, sizeof(out), true,
                                    false), 3);
    assert_string_equal(out, "a b");
    assert_int_equal(lpi_url_decode("%e1%9e%80", 9, out, sizeof(out), false,
                                    false), 3);
    /* refused: NUL raw or encoded, encoded slashes, bad escapes */
    assert_int_equal(lpi_url_decode("a%00b", 5, out, sizeof(out), false,
                                    true), -1);
    assert_int_equal(lpi_url_decode("a\0b", 3, out, sizeof(out), false,
                                    true), -1);
    assert_int_equal(lpi_url_decode("..%2fetc", 8, out, sizeof(out), false,
                                    false), -1);
    assert_int_equal(lpi_url_decode("..%2Fetc", 8, out, sizeof(out), false,
                                    false), -1);
    assert_int_equal(lpi_url_decode("..%5cetc", 8, out, sizeof(out), false,
                                    false), -1);
    assert_int_equal(lpi_url_decode("a%2fb", 5, out, sizeof(out), false,
                                    true), 3);
    assert_int_equal(lpi_url_decode("%", 1, out, sizeof(out), false, false),
                     -1);
    assert_int_equal(lpi_url_decode("%4", 2, out, sizeof(out), false, false),
                     -1);
    assert_int_equal(lpi_url_decode("%zz", 3, out, sizeof(out), false,
                                    false), -1);
    assert_int_equal(lpi_url_decode("%2e%2e", 6, out, sizeof(out), false,
                                    false), 2);
    assert_string_equal(out, "..");  /* the router refuses ".." segments */
    /* too long for out */
    assert_int_equal(lpi_url_decode("abcd", 4, out, 4, false, false), -1);
    assert_int_equal(lpi_url_decode("abc", 3, out, 4, false, false), 3);
}

static void test_boundary(void **state)
{
    const char *b;
    size_t len;
    char longb[128];

    (void)state;
    assert_int_equal(lpi_multipart_boundary(
        "multipart/form-data; boundary=----x1", &b, &len), 0);
    assert_int_equal(len, 6);
    assert_memory_equal(b, "----x1", 6);
    assert_int_equal(lpi_multipart_boundary(
        "Multipart/Form-Data;charset=utf-8; boundary=\"a b'c\"", &b, &len),
        0);
    assert_int_equal(len, 5);
    assert_memory_equal(b, "a b'c", 5);
    assert_int_equal(lpi_multipart_boundary(
        "multipart/form-data; x=\"q;\\\"\"; boundary=z", &b, &len), 0);
    assert_int_equal(len, 1);
    /* refused */
    assert_int_equal(lpi_multipart_boundary(NULL, &b, &len), -1);
    assert_int_equal(lpi_multipart_boundary(
        "application/x-www-form-urlencoded", &b, &len), -1);
    assert_int_equal(lpi_multipart_boundary("multipart/form-data", &b, &len),
                     -1);
    assert_int_equal(lpi_multipart_boundary(
        "multipart/form-data; boundary=", &b, &len), -1);
    assert_int_equal(lpi_multipart_boundary(
        "multipart/form-data; boundary=\"\"", &b, &len), -1);
    assert_int_equal(lpi_multipart_boundary(
        "multipart/form-data; boundary=\"abc", &b, &len), -1);
    assert_int_equal(lpi_multipart_boundary(
        "multipart/form-data; boundary=a\x01", &b, &len), -1);
    assert_int_equal(lpi_multipart_boundary(
        "multipart/form-data; boundary=\"ends in space \"", &b, &len), -1);
    assert_int_equal(lpi_multipart_boundary(
        "multipart/form-data; x=\"unterminated", &b, &len), -1);
    memset(longb, 'a', 71);
    snprintf(longb + 71, sizeof(longb) - 71, "%s", "");
    {
        char ct[200];
        snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s", longb);
        assert_int_equal(lpi_multipart_boundary(ct, &b, &len), -1);
        longb[70] = '\0';
        snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s", longb);
        assert_int_equal(lpi_multipart_boundary(ct, &b, &len), 0);
        assert_int_equal(len, 70);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range_single),
        cmocka_unit_test(test_range_unsatisfiable),
        cmocka_unit_test(test_range_multiple),
        cmocka_unit_test(test_range_bad),
        cmocka_unit_test(test_etag),
        cmocka_unit_test(test_url_decode),
        cmocka_unit_test(test_boundary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
