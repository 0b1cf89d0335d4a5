#!/usr/bin/env bash
# bench/serve.sh -- lpack serve on a generated 2,000-lesson package: lesson
# page latency with 100 concurrent clients, media throughput side by side
# with nginx serving the same objects extracted to files, and the server's
# RSS.  See bench/README.md.
#
# Exit status: 0 every goal passed; 1 a goal failed (or a command failed);
# 2 usage error; 3 setup error (no lpack/lpc, wrk or nginx missing, ...).

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROG=serve.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh" || { echo "serve.sh: cannot read $here/lib.sh" >&2; exit 3; }

usage() {
    cat <<'EOF'
usage: bench/serve.sh [options]

Generates a curriculum with bench/gen-curriculum.py, builds it with lpc
build, then, with wrk (Debian: wrk) and nginx (Debian: nginx-light):
  1. lesson pages: wrk -c 100 over random lesson URLs of lpack serve;
     p50/p99 latency and requests/s, first cold (the server just started:
     every page rendered on its first request), then warm (every lesson
     page requested once before: the hub's page cache holds them, as on a
     hub that has served a morning of lessons) (goal: warm p99 < 20 ms)
  2. media: the largest media file, whole, with wrk -c 8, from lpack serve
     (every chunk checked against the manifest) and from nginx serving the
     extracted file (sendfile), one after the other; MiB/s and the ratio
     (goal: lpack >= 0.9 x nginx)
  3. the RSS of lpack serve at start, after the runs, and at start with a
     10-lesson package (goal: flat: < 64 MiB after the runs)
Everything runs on 127.0.0.1; tools/deps.sh --bench installs wrk and nginx.

options:
  --quick            200 lessons, 30 MiB of media, 5 s runs
  --lessons N        lessons (default 2000)
  --mb N             media in MiB (default 300)
  --seconds N        length of each wrk run (default 10)
  --threads N        lpack serve --threads and nginx workers (default: CPUs)
  --lpc PATH, --lpack PATH  the binaries (as bench/lpc.sh finds them)
  --results FILE     also write the figures as key=value lines
  --workdir DIR      parent of the temporary folder (default /tmp)
  --keep             keep the temporary folder
  -h, --help         show this help
EOF
}

QUICK=0; LESSONS=""; MB=""; SECS=""; THREADS=$(nproc); LPC_ARG=""; LPACK_ARG=""
RESULTS=""; WORKPARENT=/tmp; KEEP=0; FAILED=0
declare -A R
while [[ $# -gt 0 ]]; do
    case $1 in
    --quick) QUICK=1 ;;
    --lessons) need "$@"; isnum "$1" "$2"; LESSONS=$2; shift ;;
    --mb) need "$@"; isnum "$1" "$2"; MB=$2; shift ;;
    --seconds) need "$@"; isnum "$1" "$2"; SECS=$2; shift ;;
    --threads) need "$@"; isnum "$1" "$2"; THREADS=$2; shift ;;
    --lpc) need "$@"; LPC_ARG=$2; shift ;;
    --lpack) need "$@"; LPACK_ARG=$2; shift ;;
    --results) need "$@"; RESULTS=$2; shift ;;
    --workdir) need "$@"; WORKPARENT=$2; shift ;;
    --keep) KEEP=1 ;;
    -h | --help) usage; exit 0 ;;
    *) bad_usage "unknown option: $1" ;;
    esac
    shift
done
if [[ $QUICK = 1 ]]; then : "${LESSONS:=200}" "${MB:=30}" "${SECS:=5}"; fi
: "${LESSONS:=2000}" "${MB:=300}" "${SECS:=10}"

check_tools python3 wrk curl
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || die "nginx is needed: apt-get install nginx-light (tools/deps.sh --bench)"
LPC_BIN=$(find_bin lpc "$LPC_ARG" "${LPC:-}") || exit 3
LPACK_BIN=$(find_bin lpack "$LPACK_ARG" "${LPACK:-}") || exit 3
LPC_EXE=""; LPC_LIBDIR=""; LPACK_EXE=""; LPACK_LIBDIR=""
unwrap "$LPC_BIN" LPC_EXE LPC_LIBDIR
unwrap "$LPACK_BIN" LPACK_EXE LPACK_LIBDIR

SPID=""; NPID=""
cleanup() {
    [[ -n $SPID ]] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
    [[ -n $NPID ]] && kill "$NPID" 2>/dev/null && wait "$NPID" 2>/dev/null
    remove_work
}
make_workdir serve-bench cleanup
check_load
chmod 755 "$WORK"     # nginx's workers read the extracted files

echo "== generating $LESSONS lessons, ${MB} MiB of media" >&2
python3 "$here/gen-curriculum.py" "$WORK/src" --lessons "$LESSONS" --mb "$MB" \
    >/dev/null || die "gen-curriculum.py failed"
with_lib "$LPC_LIBDIR" "$LPC_EXE" build "$WORK/src" -o "$WORK/pkg.lpk" -q 2>"$ERRF" ||
    { note_fail "lpc build failed"; exit 1; }
python3 "$here/gen-curriculum.py" "$WORK/src10" --lessons 10 --mb 5 >/dev/null &&
with_lib "$LPC_LIBDIR" "$LPC_EXE" build "$WORK/src10" -o "$WORK/pkg10.lpk" -q 2>"$ERRF" ||
    { note_fail "lpc build (10 lessons) failed"; exit 1; }
lpack_run "$LPACK_EXE" extract "$WORK/pkg.lpk" -C "$WORK/files" 2>"$ERRF" ||
    { note_fail "lpack extract failed"; exit 1; }
ID=$(lpack_run "$LPACK_EXE" info "$WORK/pkg.lpk" | sed -n 's/^id: //p')
LANG1=$(lpack_run "$LPACK_EXE" info "$WORK/pkg.lpk" | sed -n 's/^languages: \([^ ]*\).*/\1/p')
PKG_MIB=$(mib "$(fsize "$WORK/pkg.lpk")")
echo "== package $ID: $PKG_MIB MiB, first language $LANG1" >&2

# the largest media file, and the lesson URLs
MEDIA=$(cd "$WORK/files" && find media -type f -printf '%s %p\n' | sort -n | tail -n 1 | cut -d' ' -f2-)
MEDIA_BYTES=$(fsize "$WORK/files/$MEDIA")
lpack_run "$LPACK_EXE" cat "$WORK/pkg.lpk" curriculum/catalog.json |
python3 -c '
import json, sys, urllib.parse
cat = json.load(sys.stdin)
ids = sorted(cat["lessons"])
print("paths = {")
for i in ids:
    print("  \"/%s/%s/%s\"," % (sys.argv[1], sys.argv[2], urllib.parse.quote(i)))
print("}")
print("request = function() return wrk.format(\"GET\", paths[math.random(#paths)]) end")
' "$ID" "$LANG1" >"$WORK/lessons.lua" || die "cannot list the lessons"
NLESSONS=$(grep -c '^  "' "$WORK/lessons.lua")
[[ $NLESSONS -gt 0 ]] || die "no lesson found in the catalog"

rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
# CPU seconds (user + system) the process has used so far
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
cpu_since() { awk -v a="$2" -v b="$(cpu_s "$1")" 'BEGIN { printf "%.2f", b - a }'; }
start_serve() {  # PKG: lpack serve on a free port; SPID, SPORT
    local i root=""
    [[ $(id -u) -eq 0 ]] && root=--allow-root
    # exec: SPID is the server itself (its RSS, its signal)
    ( [[ -n $LPACK_LIBDIR ]] &&
          export LD_LIBRARY_PATH="$LPACK_LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      exec "$LPACK_EXE" serve "$1" --listen 127.0.0.1:0 -q \
        --threads "$THREADS" --max-connections 1024 --max-per-ip 1024 $root \
        2>"$WORK/serve.log" ) &
    SPID=$!
    for i in $(seq 100); do
        SPORT=$(sed -n 's/.* on port \([0-9]*\)$/\1/p' "$WORK/serve.log")
        [[ -n $SPORT ]] && return 0
        sleep 0.1
    done
    die "lpack serve did not start: $(cat "$WORK/serve.log")"
}
stop_serve() { kill "$SPID"; wait "$SPID" 2>/dev/null; SPID=""; }
# wrk_run NAME ARGS...: wrk's report in $WORK/NAME.wrk
wrk_run() { local n=$1; shift; wrk -d "${SECS}s" --latency "$@" >"$WORK/$n.wrk" 2>&1; }
lat_ms() {  # FILE PCT: wrk's latency at PCT% in ms
    awk -v p="$2%" '$1 == p {
        v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
        if (u == "us") v /= 1000; else if (u == "s") v *= 1000
        printf "%.2f", v }' "$1"
}
rps() { awk '/^Requests\/sec/ { print $2 }' "$1"; }
mibps() {  # wrk's Transfer/sec in MiB/s
    awk '/^Transfer\/sec/ { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[A-Za-z]+$/, "", v)
        if (u == "KB") v /= 1024; else if (u == "GB") v *= 1024; else if (u == "B") v /= 1048576
        printf "%.1f", v }' "$1"
}

# ---- 1. lesson pages
start_serve "$WORK/pkg10.lpk"
sleep 0.3
R[rss_start_10_kib]=$(rss_kib "$SPID")
stop_serve
start_serve "$WORK/pkg.lpk"
sleep 0.3
R[rss_start_kib]=$(rss_kib "$SPID")
curl -sf -o /dev/null "http://127.0.0.1:$SPORT/$ID/$LANG1/" || die "the catalog page fails"
echo "== lesson pages, cold: wrk -c 100 -t 2 over $NLESSONS lessons, ${SECS}s" >&2
c0=$(cpu_s "$SPID")
wrk_run pages-cold -t 2 -c 100 -s "$WORK/lessons.lua" "http://127.0.0.1:$SPORT"
R[page_cold_cpu_s]=$(cpu_since "$SPID" "$c0")
R[page_cold_p50_ms]=$(lat_ms "$WORK/pages-cold.wrk" 50)
R[page_cold_p99_ms]=$(lat_ms "$WORK/pages-cold.wrk" 99)
R[page_cold_rps]=$(rps "$WORK/pages-cold.wrk")
# every lesson page once, in order, over a few kept-alive connections
sed -n 's/^  "\(.*\)",$/url = "http:\/\/127.0.0.1:'"$SPORT"'\1"\noutput = "\/dev\/null"/p' \
    "$WORK/lessons.lua" >"$WORK/warm.curl"
echo "== warming: every lesson page once (curl)" >&2
c0=$(cpu_s "$SPID")
t0=$EPOCHREALTIME
curl -s --parallel --parallel-max 4 -K "$WORK/warm.curl" ||
    die "the warm-up requests failed"
R[warm_s]=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
R[warm_cpu_s]=$(cpu_since "$SPID" "$c0")
echo "== lesson pages, warm: wrk -c 100 -t 2 over $NLESSONS lessons, ${SECS}s" >&2
c0=$(cpu_s "$SPID")
wrk_run pages -t 2 -c 100 -s "$WORK/lessons.lua" "http://127.0.0.1:$SPORT"
R[page_cpu_s]=$(cpu_since "$SPID" "$c0")
R[page_p50_ms]=$(lat_ms "$WORK/pages.wrk" 50)
R[page_p99_ms]=$(lat_ms "$WORK/pages.wrk" 99)
R[page_rps]=$(rps "$WORK/pages.wrk")
R[rss_pages_kib]=$(rss_kib "$SPID")

# ---- 2. media, side by side
NPORT=$((SPORT + 1))
cat >"$WORK/nginx.conf" <<EOF
worker_processes $THREADS;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err;
$( [[ $(id -u) -eq 0 ]] && echo "user root;" )
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    types { application/octet-stream bin; }
    default_type application/octet-stream;
    server { listen 127.0.0.1:$NPORT; root $WORK/files; etag on; }
}
EOF
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK" &
NPID=$!
sleep 0.5
MURL="/$ID/f/$MEDIA"
curl -sf -o "$WORK/m1" "http://127.0.0.1:$SPORT$MURL" || die "lpack serve: $MURL fails"
curl -sf -o "$WORK/m2" "http://127.0.0.1:$NPORT/$MEDIA" || die "nginx: /$MEDIA fails"
cmp -s "$WORK/m1" "$WORK/m2" || die "lpack serve and nginx send different bytes"
echo "== media: $MEDIA ($(mib "$MEDIA_BYTES") MiB), wrk -c 8 -t 2, ${SECS}s each" >&2
c0=$(cpu_s "$SPID")
wrk_run media-lpack -t 2 -c 8 "http://127.0.0.1:$SPORT$MURL"
R[media_lpack_cpu_s]=$(cpu_since "$SPID" "$c0")
c0=$(cpu_s "$NPID")
wrk_run media-nginx -t 2 -c 8 "http://127.0.0.1:$NPORT/$MEDIA"
R[media_nginx_master_cpu_s]=$(cpu_since "$NPID" "$c0")
R[media_lpack_mibps]=$(mibps "$WORK/media-lpack.wrk")
R[media_nginx_mibps]=$(mibps "$WORK/media-nginx.wrk")
R[media_ratio]=$(ratio "${R[media_lpack_mibps]}" "${R[media_nginx_mibps]}")
# a 1 MiB range at the end of the file, the way a video seeks
off=$((MEDIA_BYTES > 1048576 ? MEDIA_BYTES - 1048576 : 0))
cat >"$WORK/range.lua" <<EOF
wrk.headers["Range"] = "bytes=$off-"
EOF
wrk_run range-lpack -t 2 -c 8 -s "$WORK/range.lua" "http://127.0.0.1:$SPORT$MURL"
wrk_run range-nginx -t 2 -c 8 -s "$WORK/range.lua" "http://127.0.0.1:$NPORT/$MEDIA"
R[range_lpack_rps]=$(rps "$WORK/range-lpack.wrk")
R[range_nginx_rps]=$(rps "$WORK/range-nginx.wrk")
R[range_lpack_p99_ms]=$(lat_ms "$WORK/range-lpack.wrk" 99)
R[rss_after_kib]=$(rss_kib "$SPID")
R[rss_nginx_master_kib]=$(rss_kib "$NPID")
kill "$NPID"; wait "$NPID" 2>/dev/null; NPID=""
stop_serve

# ---- report
cat <<EOF
lpack serve, $LESSONS lessons ($PKG_MIB MiB package), $(nproc) CPUs, $THREADS threads; $(load_line)
lesson pages, cold (wrk -c 100):  p50 ${R[page_cold_p50_ms]} ms  p99 ${R[page_cold_p99_ms]} ms  ${R[page_cold_rps]} req/s  (server CPU ${R[page_cold_cpu_s]} s)
warm-up, every lesson once (curl):  ${R[warm_s]} s  (server CPU ${R[warm_cpu_s]} s)
lesson pages, warm (wrk -c 100):  p50 ${R[page_p50_ms]} ms  p99 ${R[page_p99_ms]} ms  ${R[page_rps]} req/s  (server CPU ${R[page_cpu_s]} s)
media $(mib "$MEDIA_BYTES") MiB whole (wrk -c 8):  lpack ${R[media_lpack_mibps]} MiB/s (server CPU ${R[media_lpack_cpu_s]} s)  nginx ${R[media_nginx_mibps]} MiB/s  ratio ${R[media_ratio]}
1 MiB range at the end (wrk -c 8):  lpack ${R[range_lpack_rps]} req/s (p99 ${R[range_lpack_p99_ms]} ms)  nginx ${R[range_nginx_rps]} req/s
RSS of lpack serve:  start ${R[rss_start_kib]} KiB (10 lessons: ${R[rss_start_10_kib]} KiB)  after the page runs ${R[rss_pages_kib]} KiB  after all runs ${R[rss_after_kib]} KiB
EOF
# goal LINE VERDICT: print, and FAILED=1 on FAIL
goal() { echo "$2  $1"; [[ $2 = FAIL ]] && FAILED=1; return 0; }
inv=$(awk -v r="${R[media_ratio]}" 'BEGIN { if (r + 0 > 0) printf "%.3f", 1 / r; else print "nan" }')
goal "lesson page p99 < 20 ms (warm)" "$(verdict "${R[page_p99_ms]}" "<" 20)"
goal "media >= 0.9 x nginx" "$(verdict "$inv" "<=" 1.111)"
goal "RSS after the runs < 64 MiB" "$(verdict "${R[rss_after_kib]}" "<" 65536)"
[[ -n $RESULTS ]] && write_results "$RESULTS"
exit "$FAILED"
