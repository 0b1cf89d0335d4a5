# lib.sh - shared helpers for the TAP test scripts tests/cli/*.sh
#
# A test script is a POSIX sh script that sources this file, gives its plan
# and reports one TAP line per test:
#
#     #!/bin/sh
#     . "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
#     plan 3
#     expect_exit 0 "$LPACK" --version            # 1: runs it, checks status
#     check 'version on stdout' has "$out" lpack  # 2: any command as a test
#     check 'nothing on stderr' is_empty "$err"   # 3
#     done_testing
#
# Do not use 'set -e': a failing check must report 'not ok' and go on.
# Scripts exit 0 when they ran to the end; failures are the 'not ok' lines.
#
# Environment (set by 'make check', see AM_TESTS_ENVIRONMENT in Makefile.am):
#   LPACK         the lpack program under test
#   top_srcdir    the source tree;  top_builddir  the build tree
#
# Set by this file:
#   tmp           a fresh empty folder, removed when the script exits
#   out, err      files with stdout and stderr of the last run/expect_exit
#   status        exit status of the last run/expect_exit
#   fixtures      $top_srcdir/tests/fixtures
#
# Reporting:
#   plan N               print the plan "1..N"; call it before any test.  Or
#                        skip it, and done_testing prints the plan at the end
#   ok DESC              report a passing test
#   not_ok DESC [DIAG]   report a failing test, with an optional diagnostic
#   skip DESC REASON     report a test that cannot run here
#   diag TEXT...         print a TAP comment (shown in the .log file)
#   bail_out TEXT        abort the whole script ("Bail out!")
#   done_testing         finish: print the plan if none was given; exit 0
# Tests:
#   check DESC CMD...    run CMD; ok if it exits 0
#   expect_exit CODE CMD...
#                        run CMD with stdout to $out, stderr to $err; ok if
#                        it exits with CODE.  The description is made from
#                        the command ("exit 2: lpack info a b").  Returns 0
#                        or 1, so a script can skip follow-up checks.
# Helpers (plain shell functions, not tests; use them with check):
#   run CMD...           like expect_exit but reports nothing
#   has FILE TEXT        FILE contains the fixed string TEXT
#   is_empty FILE        FILE is empty

LC_ALL=C
export LC_ALL

if [ -z "${top_srcdir:-}" ]; then
    top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
fi
top_builddir=${top_builddir:-.}
LPACK=${LPACK:-$top_builddir/lpack/lpack}
fixtures=$top_srcdir/tests/fixtures

_tap_count=0
_tap_failed=0
_tap_planned=

plan() {
    _tap_planned=$1
    echo "1..$1"
}

ok() {
    _tap_count=$((_tap_count + 1))
    echo "ok $_tap_count - $1"
}

not_ok() {
    _tap_count=$((_tap_count + 1))
    _tap_failed=$((_tap_failed + 1))
    echo "not ok $_tap_count - $1"
    if [ -n "${2:-}" ]; then
        diag "$2"
    fi
}

skip() {
    _tap_count=$((_tap_count + 1))
    echo "ok $_tap_count - $1 # SKIP $2"
}

# Every line of the arguments as a TAP comment.
diag() {
    printf '%s\n' "$*" | sed 's/^/# /'
}

bail_out() {
    echo "Bail out! $*"
    exit 1
}

done_testing() {
    if [ -z "$_tap_planned" ]; then
        echo "1..$_tap_count"
    elif [ "$_tap_planned" -ne "$_tap_count" ]; then
        diag "planned $_tap_planned tests but ran $_tap_count"
    fi
    if [ "$_tap_failed" -gt 0 ]; then
        diag "$_tap_failed of $_tap_count tests failed"
    fi
    exit 0
}

check() {
    _desc=$1
    shift
    if "$@"; then
        ok "$_desc"
    else
        not_ok "$_desc" "failed: $*"
    fi
}

run() {
    "$@" >"$out" 2>"$err"
    status=$?
}

# The command as a short description: "$LPACK" shows as "lpack" and paths
# under $tmp as "TMP/...".
_describe() {
    _d=
    for _a in "$@"; do
        case $_a in
        "$LPACK") _a=lpack ;;
        "$tmp"/*) _a="TMP/${_a#"$tmp"/}" ;;
        esac
        case $_a in
        '' | *[!A-Za-z0-9._/=:,+-]*) _a="'$_a'" ;;
        esac
        _d="$_d${_d:+ }$_a"
    done
    printf '%s' "$_d" | tr '\n#' ' _'
}

expect_exit() {
    _want=$1
    shift
    run "$@"
    _desc="exit $_want: $(_describe "$@")"
    if [ "$status" -eq "$_want" ]; then
        ok "$_desc"
        return 0
    fi
    not_ok "$_desc" "exit status was $status, expected $_want"
    if [ -s "$err" ]; then
        diag "stderr:"
        head -n 20 "$err" | sed 's/^/#   /'
    fi
    return 1
}

has() {
    grep -F -q -e "$2" "$1"
}

is_empty() {
    [ ! -s "$1" ]
}

# rss_of FILE CMD...: run CMD (status in $status), its max RSS in KiB and
# elapsed seconds into FILE ("KIB SECONDS")
rss_of() {
    _rf=$1
    shift
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f '%M %e' -o "$_rf" "$@" >"$out" 2>"$err"
        status=$?
    else
        python3 -c '
import resource, subprocess, sys, time
t = time.time()
with open(sys.argv[2], "wb") as o, open(sys.argv[3], "wb") as e:
    rc = subprocess.call(sys.argv[4:], stdout=o, stderr=e)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%d %.2f\n" % (r.ru_maxrss, time.time() - t))
sys.exit(rc)' "$_rf" "$out" "$err" "$@"
        status=$?
    fi
}

# small_and_fast FILE [WHAT]: rss_of's FILE says under 64 MiB and 10 s
small_and_fast() {
    # GNU time puts "Command exited with non-zero status 1" first
    read -r _kib _secs <<EOF || return 1
$(tail -n 1 "$1")
EOF
    diag "${2:+$2: }max RSS ${_kib} KiB, ${_secs} s"
    [ "$_kib" -lt 65536 ] && awk -v s="$_secs" 'BEGIN { exit !(s < 10) }'
}

# lpc tests: mkproj NAME, a fresh copy of the project $example in $tmp/NAME
mkproj() {
    rm -rf "${tmp:?}/$1"
    cp -R "$example" "$tmp/$1"
}

# diag_is NAME STATUS TEXT: lpc check on $tmp/NAME must exit STATUS and
# report TEXT (a fixed string) on stderr, e.g.
# "lessons/numbers-01.yaml:3:3: error: ... [schema]"
diag_is() {
    _p=$1 _want=$2 _text=$3
    run timeout 20 "$LPC" check --color=never "$tmp/$_p"
    if [ "$status" -ne "$_want" ]; then
        not_ok "$_p: exit $_want" "exit status was $status"
        diag "$(head -n 20 "$err")"
        return
    fi
    if has "$err" "$tmp/$_p/$_text"; then
        ok "$_p: $_text"
    else
        not_ok "$_p: $_text" "stderr was:"
        diag "$(head -n 20 "$err")"
    fi
}

# A private folder holding $out, $err and the empty $tmp.  chmod first: a
# test may leave a read-only folder behind, which rm -rf could not empty.
_tap_root=$(mktemp -d "${TMPDIR:-/tmp}/lp-cli.XXXXXX") ||
    bail_out "cannot create a temporary folder"
trap 'chmod -R u+rwx "$_tap_root" 2>/dev/null; rm -rf "$_tap_root"' EXIT
tmp=$_tap_root/tmp
out=$_tap_root/stdout
err=$_tap_root/stderr
status=0
mkdir "$tmp" || bail_out "cannot create '$tmp'"
# lpc's build cache (lpc(1), CACHE): one of the test's own, not the
# user's; LP_TEST_CACHE shares one between runs (to test warm caches)
XDG_CACHE_HOME=${LP_TEST_CACHE:-$_tap_root/cache}
export XDG_CACHE_HOME
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

if [ ! -x "$LPACK" ]; then
    bail_out "LPACK='$LPACK' is not an executable program"
fi
