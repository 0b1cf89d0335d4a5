#!/bin/sh
# The whole test suite from a fresh clone: install what is missing, build in
# _build/ (configure flags from CONFIGURE_FLAGS), run `make check`, and end
# with one line "N passed, N failed".  DISTCHECK=1 also runs make distcheck.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tools/deps.sh
[ -x configure ] || ./autogen.sh >/dev/null 2>&1
mkdir -p _build
cd _build
# shellcheck disable=SC2086
[ -f Makefile ] && [ "${RECONFIGURE:-0}" = 0 ] ||
    ../configure -q ${CONFIGURE_FLAGS:-}
make -j2 >/dev/null
status=0
make -j2 check >check.out 2>&1 || status=$?
if [ "${DISTCHECK:-0}" = 1 ] && [ $status = 0 ]; then
    make -j2 distcheck >distcheck.out 2>&1 || {
        status=$?; echo "make distcheck failed:"; tail -40 distcheck.out; }
fi
# the automake summary counts every TAP result of every test
pass=$(sed -n 's/^# PASS: *//p' check.out | tail -1)
xfail=$(sed -n 's/^# XFAIL: *//p' check.out | tail -1)
fail=$(sed -n 's/^# FAIL: *//p' check.out | tail -1)
xpass=$(sed -n 's/^# XPASS: *//p' check.out | tail -1)
error=$(sed -n 's/^# ERROR: *//p' check.out | tail -1)
passed=$(( ${pass:-0} + ${xfail:-0} ))
failed=$(( ${fail:-0} + ${xpass:-0} + ${error:-0} ))
if [ $status -ne 0 ] || [ $failed -ne 0 ]; then
    grep -E '^(FAIL|ERROR|XPASS)' check.out || tail -30 check.out
    for log in $(find . -name '*.log' ! -name test-suite.log ! -name config.log); do
        grep -qE '^(not ok|Bail out)' "$log" 2>/dev/null || continue
        echo "--- $log"; grep -E -B2 -A8 '^(not ok|Bail out)|^#' "$log" | head -60
    done
    [ $failed -eq 0 ] && failed=1
fi
echo "$passed passed, $failed failed"
[ $status -eq 0 ] && [ $failed -eq 0 ]
