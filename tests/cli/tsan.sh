#!/bin/sh
# tsan.sh - one package, then one catalog, used by 16 threads at once
# (tests/unit/test_threads.c) with the library's package and runtime code
# built under ThreadSanitizer: any data race fails.  configure builds
# test_threads_tsan when the compiler can build and run with
# -fsanitize=thread and ASan is not on (the two do not mix); when it
# cannot, this test says why and is skipped.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
plan 1
bin=$top_builddir/tests/unit/test_threads_tsan
if [ "${LP_TSAN:-}" != yes ] || [ ! -x "$bin" ]; then
    skip "16 threads reading and verifying under ThreadSanitizer" \
        "${LP_TSAN:-not configured}"
    exit 0
fi
# halt_on_error: the first race ends the run with TSan's exit code (66)
# tsan.supp: ICU, which is not instrumented (see there)
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$top_srcdir/tests/cli/tsan.supp" \
    CMOCKA_MESSAGE_OUTPUT=STDOUT "$bin" >"$out" 2>"$err"
rc=$?
if [ "$rc" -eq 0 ]; then
    ok "16 threads reading and verifying under ThreadSanitizer"
else
    not_ok "16 threads reading and verifying under ThreadSanitizer (exit $rc)"
    sed 's/^/# /' "$err" | head -n 60
    sed 's/^/# /' "$out" | tail -n 20
fi
