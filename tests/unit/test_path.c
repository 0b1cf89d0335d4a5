/*
 * test_path.c - logical path rules and media type guesses.
 */
#include "unit.h"

static void test_good_paths(void **state)
{
    lp_ctx *ctx = *state;
    const char *good[] = {
        "a", "lessons/1.json", "media/Figure 25_03_13a.jpg",
        "tet/lisaun-1/testu.html", "ar/\xd8\xaf\xd8\xb1\xd8\xb3.html",
        "a.b/..c/d..", ".hidden", "x/.y",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
        assert_int_equal(lp_path_check(ctx, good[i]), 0);
}

static void test_bad_paths(void **state)
{
    lp_ctx *ctx = *state;
    const struct { const char *path; int code; const char *why; } bad[] = {
        { "", LP_EUNSAFE, "empty" },
        { "/etc/passwd", LP_EUNSAFE, "absolute" },
        { "../x", LP_EUNSAFE, "'..'" },
        { "a/../../x", LP_EUNSAFE, "'..'" },
        { "a/./b", LP_EUNSAFE, "'.'" },
        { "a//b", LP_EUNSAFE, "empty component" },
        { "a/", LP_EUNSAFE, "empty component" },
        { "a\\b", LP_EUNSAFE, "backslash" },
        { "a\nb", LP_EUNSAFE, "control" },
        { "a\x7f", LP_EUNSAFE, "control" },
        { "\xff\xfe", LP_EUNSAFE, "UTF-8" },
        { "\xc0\xaf", LP_EUNSAFE, "UTF-8" },          /* overlong '/' */
        { "\xed\xa0\x80", LP_EUNSAFE, "UTF-8" },      /* surrogate */
        { "a\xe2\x82", LP_EUNSAFE, "UTF-8" },         /* truncated */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        assert_int_equal(lp_path_check(ctx, bad[i].path), bad[i].code);
        assert_non_null(strstr(lp_ctx_errmsg(ctx), bad[i].why));
    }
}

static void test_path_limits(void **state)
{
    lp_ctx *ctx = *state;
    char buf[LP_MAX_PATH_BYTES + 2];

    memset(buf, 'a', LP_MAX_NAME_BYTES);
    buf[LP_MAX_NAME_BYTES] = '\0';
    assert_int_equal(lp_path_check(ctx, buf), 0);
    buf[LP_MAX_NAME_BYTES] = 'a';
    buf[LP_MAX_NAME_BYTES + 1] = '\0';
    assert_int_equal(lp_path_check(ctx, buf), LP_ETOOBIG);

    memset(buf, 'a', sizeof(buf) - 1);
    buf[sizeof(buf) - 1] = '\0';
    for (size_t i = 1; i < sizeof(buf) - 1; i += 2)
        buf[i] = '/';
    assert_int_equal(lp_path_check(ctx, buf), LP_ETOOBIG);
    /* 64 components fit, 65 do not */
    buf[2 * LP_MAX_PATH_DEPTH - 1] = '\0';
    assert_int_equal(lp_path_check(ctx, buf), 0);
    buf[2 * LP_MAX_PATH_DEPTH - 1] = '/';
    buf[2 * LP_MAX_PATH_DEPTH + 1] = '\0';
    assert_int_equal(lp_path_check(ctx, buf), LP_ETOOBIG);
}

static void test_media_types(void **state)
{
    (void)state;
    assert_string_equal(lp_media_type_guess("a/b.JPG"), "image/jpeg");
    assert_string_equal(lp_media_type_guess("x.html"), "text/html");
    assert_string_equal(lp_media_type_guess("x.zst"), "application/zstd");
    assert_string_equal(lp_media_type_guess("x.aac"), "audio/aac");
    assert_string_equal(lp_media_type_guess("a.b/noext"),
                        "application/octet-stream");
    assert_string_equal(lp_media_type_guess("x."), "application/octet-stream");
    assert_string_equal(lp_media_type_guess("x.verylongext"),
                        "application/octet-stream");
    assert_string_equal(lp_media_type_guess(NULL), "application/octet-stream");
}

static int setup(void **state)
{
    lp_ctx *ctx;
    if (lp_ctx_new(&ctx, NULL) < 0)
        return -1;
    *state = ctx;
    return 0;
}

static int teardown(void **state)
{
    lp_ctx_free(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_paths),
        cmocka_unit_test(test_bad_paths),
        cmocka_unit_test(test_path_limits),
        cmocka_unit_test(test_media_types),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
