#!/usr/bin/env bash
# runtime.sh - what a runtime (hub, phone, display) pays to read a package:
#   1. opening a package of 100,000 entries        (goal: under 100 ms)
#   2. a 1 MiB range at the end of a 300 MB entry,
#      checked against the signed manifest          (goal: under 5 ms)
#      and the same bytes read the way a reader without ranges must
#   3. the size of everything a phone carries for the runtime library
# Figures are medians of several runs, wall and CPU time.  The open is
# judged by its wall time, what a hub waits: a large package's open uses
# two threads, so its CPU time (both threads) is more than its wall time
# on an idle machine; on a busy one the wall time suffers, so read the
# load printed beside it.  The range read is judged by its CPU time, what
# the library costs.  Not part of make check.
#
#   bench/runtime.sh [--lpack PATH] [--entries N] [--mb N] [--runs N] [--keep]
#
# Run it from a build folder (configured without --enable-sanitizers or
# --enable-debug); it compiles bench/pkgread.c against that build's liblp.
# Needs: bash, python3, a C compiler (cc), strace (optional: counts the
# reads of one open).  Everything it writes goes into one folder under /tmp.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROG=runtime.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh" || { echo "runtime.sh: cannot read $here/lib.sh" >&2; exit 3; }

WORKPARENT=${TMPDIR:-/tmp}
KEEP=0 FAILED=0
LPACK_ARG="" ENTRIES=100000 MB=300 RUNS=9
usage() {
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
}
while [[ $# -gt 0 ]]; do
    case $1 in
    --lpack) need "$@"; LPACK_ARG=$2; shift 2 ;;
    --entries) need "$@"; isnum "$1" "$2"; ENTRIES=$2; shift 2 ;;
    --mb) need "$@"; isnum "$1" "$2"; MB=$2; shift 2 ;;
    --runs) need "$@"; isnum "$1" "$2"; RUNS=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) bad_usage "unknown option $1" ;;
    esac
done
command -v python3 >/dev/null || die "python3 is needed"
command -v cc >/dev/null || die "a C compiler (cc) is needed"
LPACK=$(find_bin lpack "$LPACK_ARG" "${LPACK:-}") || exit 3
unwrap "$LPACK" LPACK_EXE LPACK_LIBDIR
[[ -n $LPACK_LIBDIR ]] || LPACK_LIBDIR=$(dirname "$LPACK")/../liblp/.libs
[[ -d $LPACK_LIBDIR ]] || die "no liblp build next to $LPACK"
LPACK_LIBDIR=$(cd "$LPACK_LIBDIR" && pwd)
make_workdir lp-runtime

log "compiling pkgread.c against $LPACK_LIBDIR"
cc -O2 -I"$here/../liblp" "$here/pkgread.c" -o "$WORK/pkgread" \
    -L"$LPACK_LIBDIR" -llp 2>"$ERRF" || { note_fail "cannot compile pkgread.c"; exit 3; }
pkgread() { LD_LIBRARY_PATH=$LPACK_LIBDIR "$WORK/pkgread" "$@"; }
export SOURCE_DATE_EPOCH=1764338400

# ---------------------------------------------------------- 1. open
log "making $ENTRIES small lesson files"
python3 - "$WORK/tree" "$ENTRIES" <<'EOF' || die "cannot make the tree"
import os, sys
base, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(base, "unit-%03d" % (i // 500))
    if i % 500 == 0:
        os.makedirs(d)
    with open(os.path.join(d, "lesson-%06d.html" % i), "w") as f:
        f.write("<h1>Lisaun %d</h1><p>%s</p>\n" % (i, "ita aprende " * (i % 20)))
EOF
lpack_run "$LPACK_EXE" create "$WORK/tree" -o "$WORK/many.lpk" --id bench.many \
    --release 1 --lang tet -q 2>"$ERRF" || { note_fail "lpack create failed"; exit 1; }
rm -rf "$WORK/tree"
# the package and the video were just written: flush them first, so that
# the kernel's writeback does not compete with the open for the cores
sync
load_start=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
eval "$(pkgread open "$WORK/many.lpk" "$RUNS")" || die "pkgread open failed"
preads=""
if command -v strace >/dev/null; then
    preads=$(LD_LIBRARY_PATH=$LPACK_LIBDIR strace -f -c -e trace=pread64 \
        "$WORK/pkgread" open "$WORK/many.lpk" 1 2>&1 >/dev/null |
        awk '$NF == "pread64" { print $4 }')
fi
eval "$(pkgread share "$WORK/many.lpk" "$RUNS")" || die "pkgread share failed"

# ---------------------------------------------------------- 2. ranges
log "making a $MB MB video"
mkdir -p "$WORK/media"
head -c "$((MB * 1000 * 1000))" /dev/urandom >"$WORK/media/video.mp4" ||
    die "cannot write $WORK/media/video.mp4"
lpack_run "$LPACK_EXE" create "$WORK/media" -o "$WORK/video.lpk" --id bench.video \
    --release 1 --lang tet -q 2>"$ERRF" || { note_fail "lpack create failed"; exit 1; }
rm -rf "$WORK/media"
eval "$(pkgread range "$WORK/video.lpk" video.mp4 1048576 "$RUNS")" ||
    die "pkgread range failed"
eval "$(pkgread stream "$WORK/video.lpk" video.mp4 1048576)" ||
    die "pkgread stream failed"

# ---------------------------------------------------------- 3. sizes
libsize() {  # the size of the real file behind a library name
    local f
    f=$(readlink -f "$1") && stat -c %s "$f"
}
runtime_so=""
for c in "$LPACK_LIBDIR/liblp-runtime.so" "$LPACK_LIBDIR/../runtime/.libs/liblp-runtime.so"; do
    [[ -e $c ]] && { runtime_so=$c; break; }
done

# ---------------------------------------------------------- report
verdict() {  # VALUE GOAL: PASS if VALUE < GOAL
    if awk -v v="$1" -v g="$2" 'BEGIN { exit !(v < g) }'; then
        echo PASS
    else
        FAILED=1
        echo FAIL
    fi
}
echo
printf '%-48s %10s %10s %8s\n' "" "wall ms" "CPU ms" "goal"
printf '%-48s %10s %10s %8s\n' "open, $ENTRIES entries" "$open_wall_ms" "$open_cpu_ms" \
    "<100 $(verdict "$open_wall_ms" 100)"
printf '%-48s %10s %10s\n' "another handle on it (lp_package_share)" "$share_wall_ms" "$share_cpu_ms"
printf '%-48s %10s %10s %8s\n' "1 MiB at the end of $MB MB, lp_entry_read_at" \
    "$range_wall_ms" "$range_cpu_ms" "<5 $(verdict "$range_cpu_ms" 5)"
printf '%-48s %10s %10s\n' "the same, streamed from the start (lp_entry_read)" \
    "$stream_wall_ms" "$stream_cpu_ms"
[[ -n $preads ]] && echo "pread calls in one open: $preads"
echo "package of $ENTRIES entries: $(stat -c %s "$WORK/many.lpk") bytes"
if [[ -n $runtime_so ]]; then
    echo
    echo "runtime library and what it links (bytes, stripped files as installed):"
    total=0
    while read -r name path; do
        s=$(libsize "$path") || continue
        printf '  %-36s %10s\n' "$name" "$s"
        total=$((total + s))
    done < <(echo "liblp-runtime.so $runtime_so"
             LD_LIBRARY_PATH=$LPACK_LIBDIR ldd "$runtime_so" |
             awk '$3 ~ /^\// && $1 !~ /^lib(c|m|pthread|dl|rt)\.so/ &&
                  $1 !~ /^ld-linux/ { print $1, $3 }')
    printf '  %-36s %10s\n' "total" "$total"
fi
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
echo "load average: $load_start at the start, $load at the end" \
     "(wall times suffer on a busy machine)"
exit "$FAILED"
