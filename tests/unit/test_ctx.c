/*
 * test_ctx.c - contexts, error strings, versions, the allocator hook.
 */
#include "unit.h"

static size_t allocs, frees;

static void *count_malloc(size_t n, void *user)
{
    (void)user;
    allocs++;
    return malloc(n);
}

static void count_free(void *p, void *user)
{
    (void)user;
    frees++;
    free(p);
}

static void test_version(void **state)
{
    (void)state;
    assert_int_equal(lp_version_number(), LP_VERSION_NUMBER);
    assert_string_equal(lp_version_string(), LP_VERSION_STRING);
}

static void test_strerror_every_code(void **state)
{
    (void)state;
    /* every code has its own message; unknown ones say so */
    for (int a = LP_OK; a >= LP_ELAST; a--) {
        assert_non_null(lp_strerror(a));
        assert_string_not_equal(lp_strerror(a), "unknown error");
        for (int b = a - 1; b >= LP_ELAST; b--)
            assert_string_not_equal(lp_strerror(a), lp_strerror(b));
    }
    assert_string_equal(lp_strerror(LP_ELAST - 1), "unknown error");
    assert_string_equal(lp_strerror(42), "unknown error");
}

static void test_ctx_lifecycle(void **state)
{
    lp_ctx *ctx = NULL;

    (void)state;
    assert_int_equal(lp_ctx_new(NULL, NULL), LP_EINVAL);
    assert_int_equal(lp_ctx_new(&ctx, NULL), 0);
    assert_non_null(ctx);
    assert_string_equal(lp_ctx_errmsg(ctx), "");
    assert_int_equal(lp_ctx_errcode(ctx), 0);
    lp_ctx_free(ctx);
    lp_ctx_free(NULL);
}

static void test_allocator_is_used(void **state)
{
    lp_allocator a = { count_malloc, NULL, count_free, NULL };
    lp_ctx *ctx;
    lp_package *p = NULL;

    (void)state;
    allocs = frees = 0;
    assert_int_equal(lp_ctx_new(&ctx, &a), 0);
    assert_int_equal(lp_package_open(&p, ctx, "/nonexistent/x.lpk"), LP_EIO);
    assert_null(p);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "/nonexistent/x.lpk"));
    lp_ctx_free(ctx);
    assert_true(allocs > 0);
    assert_int_equal(allocs, frees);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_strerror_every_code),
        cmocka_unit_test(test_ctx_lifecycle),
        cmocka_unit_test(test_allocator_is_used),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
