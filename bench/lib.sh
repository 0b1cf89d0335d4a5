# lib.sh - shared helpers for the benchmark scripts bench/pack.sh, bench/lpc.sh
# and bench/delta.sh.  It is sourced, not run: it only defines functions.
#
#     here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
#     PROG=pack.sh
#     # shellcheck source-path=SCRIPTDIR source=lib.sh
#     . "$here/lib.sh" || { echo "pack.sh: cannot read $here/lib.sh" >&2; exit 3; }
#
# The script sets `set -uo pipefail` itself (not -e: a failed run is reported,
# not fatal) and, before using these helpers:
#   here          the bench/ folder (find_bin looks for ../NAME/NAME there)
#   PROG          the script's name, the prefix of every message ("pack.sh: ...")
#   WORKPARENT    parent of the temporary folder;  KEEP  1: keep that folder
#   FAILED=0      note_fail sets it to 1
#   declare -A R  the results, key=value, for rset and write_results
#
# Set by these helpers:
#   WORK TIMEF ERRF OUTF     make_workdir: the temporary folder, GNU time's
#                            output, the stderr of timed commands and their
#                            stdout (/dev/null; the script may change OUTF)
#   T_SEC T_KIB T_CPU T_RC   timed: the last timed command's figures
#   LOAD0                    check_load: the 1-min load average at the start
#
# Messages and exit status: die (setup error, exit 3), bad_usage (exit 2), log
# (an indented progress line), note_fail (a failure; carries on).

# shellcheck shell=bash

# ------------------------------------------------------------------ messages
die() { echo "$PROG: $*" >&2; exit 3; }
bad_usage() { echo "$PROG: $*" >&2; echo "try 'bench/$PROG --help'" >&2; exit 2; }
log() { echo "  $*" >&2; }

# note_fail MSG: FAILED=1; MSG and the tail of the last command's stderr
# shellcheck disable=SC2034  # FAILED is the script's
note_fail() { FAILED=1; echo "$PROG: $*" >&2; [[ -s $ERRF ]] && sed 's/^/    | /' "$ERRF" | tail -n 20 >&2; }

# ------------------------------------------------------------------ options
# need "$@": the option $1 has a non-empty value $2;  isnum OPT VALUE
need() { [[ $# -ge 2 && -n $2 ]] || bad_usage "option $1 needs a value"; }
isnum() { [[ $2 =~ ^[0-9]+$ ]] || bad_usage "$1: not a number: $2"; }

# ------------------------------------------------------------------ tools
# check_tools CMD...: GNU time at /usr/bin/time and every CMD, or die
check_tools() {
    local t
    [[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is needed: apt-get install time"
    for t in "$@"; do
        command -v "$t" >/dev/null || die "$t is needed"
    done
}

# find_bin NAME ARG ENVVALUE [HINT]: print the absolute path of the NAME
# binary: ARG (the --NAME option), else ENVVALUE (e.g. $LPACK), else
# ./NAME/NAME or ../NAME/NAME from the current (build) folder, else
# ../NAME/NAME next to this script, else NAME in PATH.  None: die with
# "no NAME binary found (HINT)", HINT "use --NAME PATH" by default.  Run it
# as VAR=$(find_bin ...) || exit 3.
# shellcheck disable=SC2154  # here is set by the script
find_bin() {
    local name=$1 arg=$2 env=$3 hint=${4:-"use --$1 PATH"} bin="" c
    if [[ -n $arg ]]; then
        bin=$arg
    elif [[ -n $env ]]; then
        bin=$env
    else
        for c in "./$name/$name" "../$name/$name" "$here/../$name/$name"; do
            if [[ -x $c && -f $c ]]; then bin=$c; break; fi
        done
        [[ -z $bin ]] && bin=$(command -v "$name" || true)
    fi
    [[ -n $bin && -x $bin ]] || die "no $name binary found ($hint)"
    echo "$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
}

# unwrap BIN EXE_VAR LIBDIR_VAR: in a build tree lpack/lpack and lpc/lpc are
# libtool wrapper scripts that set LD_LIBRARY_PATH and exec .libs/NAME: ~10 ms
# of shell per call, and the shell's RSS.  Time the real binary instead, with
# the wrapper's library folder: set EXE_VAR to the binary behind BIN and
# LIBDIR_VAR to that folder, or, when BIN is no wrapper (or the binary behind
# it does not run), to BIN and "".
unwrap() {
    local bin=$1 real libdir
    printf -v "$2" '%s' "$bin"
    printf -v "$3" '%s' ""
    if head -n 5 "$bin" 2>/dev/null | grep -q 'temporary wrapper script'; then
        real="$(dirname "$bin")/.libs/$(basename "$bin")"
        libdir=$(sed -n 's/^ *LD_LIBRARY_PATH="\([^:"]*\):.*/\1/p' "$bin" | head -n 1)
        if [[ -x $real && -d $libdir ]] &&
            LD_LIBRARY_PATH=$libdir "$real" --version >/dev/null 2>&1; then
            printf -v "$2" '%s' "$real"
            printf -v "$3" '%s' "$libdir"
        fi
    fi
}

with_lib() {  # LIBDIR CMD...: run CMD with LIBDIR first in LD_LIBRARY_PATH
    local lib=$1; shift
    if [[ -n $lib ]]; then
        LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$@"
    else
        "$@"
    fi
}
lpack_run() { with_lib "$LPACK_LIBDIR" "$@"; }  # CMD... with lpack's library folder

# ------------------------------------------------------------------ workdir
# make_workdir NAME [ON_EXIT]: WORK=$WORKPARENT/NAME.XXXXXX, TIMEF, ERRF and
# OUTF (see above); on exit run the function ON_EXIT (default remove_work)
make_workdir() {
    local on_exit=${2:-remove_work}
    mkdir -p "$WORKPARENT" || die "cannot create $WORKPARENT"
    WORK=$(mktemp -d "$WORKPARENT/$1.XXXXXX") || die "mktemp failed"
    # shellcheck disable=SC2064  # the name of the function, now
    trap "$on_exit" EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    TIMEF="$WORK/time.out"
    ERRF="$WORK/cmd.err"
    OUTF=/dev/null
}
remove_work() {  # remove $WORK; with KEEP=1 say where it is instead
    if [[ $KEEP = 1 ]]; then
        echo "$PROG: kept $WORK" >&2
    else
        rm -rf -- "$WORK"
    fi
}

# ------------------------------------------------------------------ timing
# timed CMD...: run CMD under GNU time (-f '%e %M %U %S': elapsed, max RSS KiB,
# user and system CPU seconds); sets T_SEC (wall seconds, 3 decimals), T_KIB
# (max RSS), T_CPU (user+sys) and T_RC.  CMD's stdout goes to $OUTF, its stderr
# to $ERRF.  T_SEC is taken from bash's EPOCHREALTIME around the same call,
# because %e has only 10 ms resolution, too coarse for --quick trees.
# shellcheck disable=SC2034  # the T_ variables are for the script
timed() {
    local t0=$EPOCHREALTIME t1 u s
    /usr/bin/time -f '%e %M %U %S' -o "$TIMEF" "$@" >"$OUTF" 2>"$ERRF"
    T_RC=$?
    t1=$EPOCHREALTIME
    T_SEC=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    # on failure GNU time writes "Command exited with non-zero status N" first
    read -r _ T_KIB u s < <(tail -n 1 "$TIMEF")
    [[ $T_KIB =~ ^[0-9]+$ ]] || T_KIB=0
    T_CPU=$(awk -v u="${u:-0}" -v s="${s:-0}" 'BEGIN { printf "%.2f", u + s }')
    return "$T_RC"
}

# check_load: LOAD0 = the 1-min load average; warn when other processes run
check_load() {
    LOAD0=$(cut -d' ' -f1 /proc/loadavg)
    if awk -v l="$LOAD0" 'BEGIN { exit !(l > 0.5) }'; then
        echo "$PROG: warning: load average is $LOAD0 before the benchmark; other processes will skew the times" >&2
    fi
}
load_line() {  # the "load:" line of the report
    echo "load:   1-min load average $LOAD0 at start, $(cut -d' ' -f1 /proc/loadavg) at end$(awk -v l="$LOAD0" 'BEGIN { if (l > 0.5) printf " -- other processes were running: times are noisy" }')"
}

# ------------------------------------------------------------------ files
warm() {  # read every file so the page cache holds the tree for every command
    find "$1" -type f -print0 | xargs -0 cat >/dev/null
}
dir_files() { find "$1" -type f | wc -l; }
dir_bytes() { find "$1" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }
fsize() { stat -c %s "$1"; }

# ------------------------------------------------------------------ figures
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {
    if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2 }'; }
maxof() { printf '%s\n' "$@" | sort -g | tail -n 1; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "nan"; else printf "%.3f", a / b }'; }
# verdict VALUE OP LIMIT -> PASS / FAIL / n/a
verdict() {
    awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
        if (v == "" || v == "nan" || v == "n/a") { print "n/a"; exit }
        ok = (op == "<=") ? (v + 0 <= l + 0) : (v + 0 < l + 0)
        print ok ? "PASS" : "FAIL" }'
}

# ------------------------------------------------------------------ results
rset() { R[$1]=$2; }
write_results() {  # FILE: the results R as sorted key=value lines
    local k
    for k in "${!R[@]}"; do echo "$k=${R[$k]}"; done | sort >"$1"
}
