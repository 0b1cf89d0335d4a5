#!/usr/bin/env bash
# The bash -c scripts take their arguments as $1.. on purpose; cleanup runs from a trap.
# shellcheck disable=SC2016,SC2317
# bench/delta.sh -- benchmark `lpack delta` / `lpack apply` against xdelta3,
# bsdiff, zstd --patch-from and zchunk on two releases of the same content:
# a generated curriculum pair (bench/gen-release-pair.py) and the real pair in
# ../shared/corpus/ when it is there (issue 5).
# See bench/README.md ("Delta updates") for what each number means.
#
# Exit status: 0 every goal passed; 1 a goal failed (or lpack delta/apply is
# missing or failed, or an output differs); 2 usage error; 3 setup error.

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROG=delta.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh" || { echo "delta.sh: cannot read $here/lib.sh" >&2; exit 3; }

usage() {
    cat <<'EOF'
usage: bench/delta.sh [options]

For each pair of releases (OLD, NEW) -- a generated curriculum pair made by
bench/gen-release-pair.py and the real pair in ../shared/corpus/ -- packs
each release as a package (lpack create) and as an uncompressed tar, then
measures, for lpack and every peer, the delta size, the time to make it, the
time and peak RSS to apply it, and checks that applying rebuilds NEW exactly:
  lpack delta OLD.lpk NEW.lpk -o D.lpd        lpack apply OLD.lpk D.lpd -o OUT
  xdelta3 -9 -S djw -e -s OLD.tar NEW.tar D   xdelta3 -d -s OLD.tar D OUT
  bsdiff OLD.tar NEW.tar D                    bspatch OLD.tar OUT D
  zstd --patch-from=OLD.tar --long=31 -19     zstd -d --patch-from=OLD.tar --long=31
  zck OLD.tar, zck NEW.tar (header + chunks   zckdl -s OLD.tar.zck URL (local HTTP
    of NEW not in OLD = the download)           server) + unzck
and prints a table per pair with PASS/FAIL for the goal: the lpack delta is
smaller than every peer's.

options:
  --pair P           generated, real or both (default: both when the corpus
                     is there, else generated)
  --quick            small generated pair (200 lessons, ~30 MiB)
  --lessons N        lessons of the generated OLD (default 2000; 200 --quick)
  --mb N             media of the generated OLD in MiB (default 300; 30 --quick)
  --seed N           gen-release-pair.py seed (default 1)
  --corpus DIR       the real pair: DIR/v1 and DIR/v2 (default:
                     ../shared/corpus/openstax-college-physics from the
                     repository, i.e. <repo>/../shared/corpus/...)
  --lpack PATH       lpack binary (default: $LPACK, else ./lpack/lpack or
                     ../lpack/lpack from the current (build) folder, else
                     ../lpack/lpack next to this script, else lpack in PATH)
  --create-args STR  extra arguments for every `lpack create` (word-split),
                     e.g. "--jpeg=jxl" (JPEGs as JPEG XL, lpk(5))
  --delta-args STR   extra arguments for `lpack delta` (word-split), e.g.
                     "--max-window 64M --level 19"
  --peers LIST       peers to run (default "xdelta3 bsdiff zstd zchunk")
  --runs N           apply runs per tool; the median time is used (default 3)
  --bsdiff-max-mb N  skip bsdiff when a tar is larger than N MiB (default 400;
                     bsdiff needs ~17x the file size in memory)
  --results FILE     also write the figures as key=value lines to FILE
  --workdir DIR      parent of the temporary folder (default /tmp)
  --keep             keep the temporary folder (trees, packages, deltas)
  -h, --help         show this help
EOF
}

# ------------------------------------------------------------------ options
PAIR=""; QUICK=0; LESSONS=""; MB=""; SEED=1; CORPUS=""; LPACK_ARG=""; DELTA_ARGS=""
CREATE_ARGS=""
PEERS="xdelta3 bsdiff zstd zchunk"; RUNS=3; BSDIFF_MAX_MB=400; RESULTS=""
WORKPARENT=/tmp; KEEP=0

while [[ $# -gt 0 ]]; do
    case $1 in
    --pair) need "$@"; PAIR=$2; shift ;;
    --quick) QUICK=1 ;;
    --lessons) need "$@"; isnum "$1" "$2"; LESSONS=$2; shift ;;
    --mb) need "$@"; isnum "$1" "$2"; MB=$2; shift ;;
    --seed) need "$@"; isnum "$1" "$2"; SEED=$2; shift ;;
    --corpus) need "$@"; CORPUS=$2; shift ;;
    --lpack) need "$@"; LPACK_ARG=$2; shift ;;
    --delta-args) need "$@"; DELTA_ARGS=$2; shift ;;
    --create-args) need "$@"; CREATE_ARGS=$2; shift ;;
    --peers) need "$@"; PEERS=${2//,/ }; shift ;;
    --runs) need "$@"; isnum "$1" "$2"; RUNS=$2; shift ;;
    --bsdiff-max-mb) need "$@"; isnum "$1" "$2"; BSDIFF_MAX_MB=$2; shift ;;
    --results) need "$@"; RESULTS=$2; shift ;;
    --workdir) need "$@"; WORKPARENT=$2; shift ;;
    --keep) KEEP=1 ;;
    -h | --help) usage; exit 0 ;;
    *) bad_usage "unknown option: $1" ;;
    esac
    shift
done
[[ $RUNS -ge 1 ]] || bad_usage "--runs must be at least 1"
for p in $PEERS; do
    case $p in xdelta3 | bsdiff | zstd | zchunk) ;; *) bad_usage "--peers: unknown peer: $p" ;; esac
done
[[ -z $LESSONS ]] && { if [[ $QUICK = 1 ]]; then LESSONS=200; else LESSONS=2000; fi; }
[[ -z $MB ]] && { if [[ $QUICK = 1 ]]; then MB=30; else MB=300; fi; }
[[ $LESSONS -ge 10 ]] || bad_usage "--lessons must be at least 10"

[[ -z $CORPUS ]] && CORPUS="$here/../../shared/corpus/openstax-college-physics"
HAVE_CORPUS=0
[[ -d $CORPUS/v1 && -d $CORPUS/v2 ]] && HAVE_CORPUS=1 && CORPUS=$(cd "$CORPUS" && pwd)
case ${PAIR:-} in
"") if [[ $HAVE_CORPUS = 1 ]]; then PAIR=both; else PAIR=generated; fi ;;
generated | both) ;;
real) ;;
*) bad_usage "--pair must be generated, real or both" ;;
esac
if [[ $PAIR = real || $PAIR = both ]] && [[ $HAVE_CORPUS = 0 ]]; then
    if [[ $PAIR = real ]]; then die "--pair real: no $CORPUS/v1 and v2 (use --corpus DIR)"; fi
    echo "delta.sh: note: no real pair at $CORPUS; measuring the generated pair only" >&2
    PAIR=generated
fi

# ------------------------------------------------------------------ tools
check_tools tar cmp find awk python3 stat
need_tool() { command -v "$1" >/dev/null ||
    die "$1 is needed for the peer '$2' (tools/deps.sh --bench installs the peers; or leave it out with --peers)"; }
for p in $PEERS; do
    case $p in
    xdelta3) need_tool xdelta3 xdelta3 ;;
    bsdiff) need_tool bsdiff bsdiff; need_tool bspatch bsdiff ;;
    zstd) need_tool zstd zstd ;;
    zchunk) for t in zck unzck zckdl zck_read_header; do need_tool "$t" zchunk; done ;;
    esac
done
GEN="$here/gen-release-pair.py"
[[ -f $GEN ]] || die "missing $GEN"

LPACK_BIN=$(find_bin lpack "$LPACK_ARG" "${LPACK:-}" "use --lpack PATH or LPACK=...") || exit 3
"$LPACK_BIN" --version >/dev/null 2>&1 || die "$LPACK_BIN --version failed"

# In a build tree lpack/lpack is a libtool wrapper script: time the real
# binary behind it, with the wrapper's library folder (unwrap, lpack_run).
LPACK_EXE=""
LPACK_LIBDIR=""
unwrap "$LPACK_BIN" LPACK_EXE LPACK_LIBDIR
# lpack delta and lpack apply: both must exist (`lpack delta --help` exits 0)
HAVE_DELTA=0
if lpack_run "$LPACK_EXE" delta --help >/dev/null 2>&1 &&
    lpack_run "$LPACK_EXE" apply --help >/dev/null 2>&1; then
    HAVE_DELTA=1
fi

# ------------------------------------------------------------------ workdir
SRV_PID=""
cleanup() {
    [[ -n $SRV_PID ]] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
    remove_work
}
make_workdir lpack-delta cleanup
OUTF="$WORK/cmd.out"  # timed sends stdout there: zckdl's byte count

addf() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a + b }'; }

declare -A R  # results, key=value (rset)
FAILED=0

TAR_OPTS=(--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu)
EPOCH_OLD=1767225600  # 2026-01-01T00:00:00Z: SOURCE_DATE_EPOCH of the OLD package
EPOCH_NEW=1772323200  # 2026-03-01T00:00:00Z: and of the NEW one

# The zchunk client fetches the chunks it lacks with HTTP range requests;
# zckdl cannot read file:// URLs, so a local server (loopback) serves NEW.
RANGESRV="$WORK/rangesrv.py"
cat >"$RANGESRV" <<'EOF'
# HTTP/1.1 server for one folder with single and multiple byte ranges
# (multipart/byteranges), as zckdl needs.  Prints its port, then serves.
import http.server, os, socketserver, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def do_GET(self):
        try:
            f = open(os.path.join(ROOT, os.path.basename(self.path)), "rb")
        except OSError:
            self.send_error(404)
            return
        with f:
            size = os.fstat(f.fileno()).st_size
            rng = self.headers.get("Range")
            if not rng or not rng.startswith("bytes="):
                self.send_response(200)
                self.send_header("Content-Length", str(size))
                self.send_header("Accept-Ranges", "bytes")
                self.end_headers()
                self.wfile.write(f.read())
                return
            parts = []
            for s in rng[6:].split(","):
                a, b = s.strip().split("-")
                if a == "":
                    a, b = size - int(b), size - 1
                else:
                    a, b = int(a), (int(b) if b else size - 1)
                parts.append((a, min(b, size - 1)))
            if len(parts) == 1:
                a, b = parts[0]
                f.seek(a)
                d = f.read(b - a + 1)
                self.send_response(206)
                self.send_header("Content-Range", "bytes %d-%d/%d" % (a, b, size))
                self.send_header("Content-Length", str(len(d)))
                self.end_headers()
                self.wfile.write(d)
                return
            bnd = "lpbenchrange"
            body = bytearray()
            for a, b in parts:
                f.seek(a)
                body += ("--%s\r\nContent-Type: application/octet-stream\r\n"
                         "Content-Range: bytes %d-%d/%d\r\n\r\n" % (bnd, a, b, size)).encode()
                body += f.read(b - a + 1) + b"\r\n"
            body += ("--%s--\r\n" % bnd).encode()
            self.send_response(206)
            self.send_header("Content-Type", "multipart/byteranges; boundary=" + bnd)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
ROOT = sys.argv[1]
socketserver.ThreadingTCPServer.daemon_threads = True
srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), H)
print(srv.server_address[1], flush=True)
srv.serve_forever()
EOF

start_server() {  # DIR: serve DIR on a loopback port; sets SRV_PID, SRV_PORT
    local portf="$WORK/srv.port" i
    rm -f "$portf"
    python3 "$RANGESRV" "$1" >"$portf" 2>"$WORK/srv.err" &
    SRV_PID=$!
    for ((i = 0; i < 50; i++)); do
        [[ -s $portf ]] && break
        sleep 0.1
    done
    SRV_PORT=$(head -n 1 "$portf" 2>/dev/null)
    [[ $SRV_PORT =~ ^[0-9]+$ ]] || { stop_server; return 1; }
}
stop_server() {
    if [[ -n $SRV_PID ]]; then
        kill "$SRV_PID" 2>/dev/null
        wait "$SRV_PID" 2>/dev/null
        SRV_PID=""
    fi
}

# zck_bytes OLD.zck NEW.zck: bytes a client with OLD downloads to get NEW: the
# header of NEW plus its chunks whose checksum OLD lacks.  zck_delta_size
# prints exactly that ("Would download N of M bytes", N including the header);
# without it, the same sum from zck_read_header -c.
zck_bytes() {
    local n=""
    if command -v zck_delta_size >/dev/null; then
        n=$(zck_delta_size "$1" "$2" 2>/dev/null | sed -n 's/^Would download \([0-9]*\) of.*/\1/p')
    fi
    if [[ -z $n ]]; then
        n=$(zck_read_header -c "$1" | awk '$1 ~ /^[0-9]+$/ && NF == 5 {print $2}' | sort -u |
            awk -v H="$(zck_read_header "$2" | awk '/^Header size:/ {print $3}')" '
                NR == FNR { o[$1] = 1; next }
                $1 ~ /^[0-9]+$/ && NF == 5 && !($2 in o) { d += $4 }
                END { print H + d }' - <(zck_read_header -c "$2"))
    fi
    echo "$n"
}

# ------------------------------------------------------------------ one pair
# Per pair and tool (keys T): BYTES[T] CREATE[T] APPLY[T] RSS[T] CHECK[T] NOTE[T]
declare -A BYTES CREATE CCPU CRSS APPLY ACPU RSS CHECK NOTE
WINDOW=""
TOOLS=(lpack)
for p in $PEERS; do TOOLS+=("$p"); done
declare -A LABEL=([lpack]="lpack delta (.lpk)" [xdelta3]="xdelta3 -9 -S djw (tar)"
    [bsdiff]="bsdiff (tar)" [zstd]="zstd -19 --long=31 --patch-from (tar)"
    [zchunk]="zchunk (.tar.zck download)")
REPORT="$WORK/report.txt"
: >"$REPORT"

# apply_runs KEY OUT EXPECTED CMD...: run CMD --runs times (OUT removed
# before each), median time, max RSS, cmp OUT EXPECTED
apply_runs() {
    local key=$1 out=$2 expect=$3 i
    shift 3
    local -a t=() m=() c=()
    for ((i = 1; i <= RUNS; i++)); do
        rm -f "$out"
        if ! timed "$@"; then
            note_fail "$key: apply failed (exit $T_RC)"
            CHECK[$key]="FAILED"
            return 1
        fi
        t+=("$T_SEC"); m+=("$T_KIB"); c+=("$T_CPU")
    done
    APPLY[$key]=$(median "${t[@]}"); RSS[$key]=$(maxof "${m[@]}"); ACPU[$key]=$(median "${c[@]}")
    if cmp -s "$out" "$expect"; then CHECK[$key]=identical; else CHECK[$key]=DIFFERENT; FAILED=1; fi
    log "$key: apply ${APPLY[$key]}s (median of $RUNS), peak RSS $(mib $((RSS[$key] * 1024))) MiB, output ${CHECK[$key]}"
    rm -f "$out"
}

# goal NAME TEXT VALUE OP LIMIT: a goal line for the report (GOALS), FAILED=1
# on a FAIL, and NAME.goal.KEY=VERDICT in the results
GOALS=""
goal() {
    local v
    v=$(verdict "$3" "$4" "$5")
    [[ $v = FAIL ]] && FAILED=1
    GOALS+=$(printf '%-58s %10s %s %-6s %s' "$2" "${3:--}" "$4" "$5" "$v")$'\n'
    rset "$1" "$v"
}

# create_compare NAME DIR ID PAIRDIR: NEW packed by `lpack create` and by
# `tar -c | zstd -3 -T0`, --runs times each, alternating (so load from other
# processes hits both alike): median wall and CPU seconds, largest RSS, bytes
CREATE_LINES=""
create_compare() {
    local name=$1 dir=$2 id=$3 d=$4 i
    local -a lt=() lc=() lm=() zt=() zc=() zm=()
    echo "== [$name] create: lpack create vs tar -c | zstd -3 -T0 ($RUNS runs each)" >&2
    warm "$dir"
    for ((i = 1; i <= RUNS; i++)); do
        rm -f "$d/c.tar.zst" "$d/c.lpk"
        timed bash -c 'tar -C "$1" -cf - . | zstd -3 -T0 -q -o "$2"' _ "$dir" "$d/c.tar.zst" ||
            die "tar | zstd of $dir failed"
        zt+=("$T_SEC"); zc+=("$T_CPU"); zm+=("$T_KIB")
        # shellcheck disable=SC2086  # word-split on purpose
        SOURCE_DATE_EPOCH=$EPOCH_NEW lpack_run timed "$LPACK_EXE" create "$dir" -o "$d/c.lpk" \
            --id "$id" --release 2 -q $CREATE_ARGS || { note_fail "[$name] lpack create failed (exit $T_RC)"; return 1; }
        lt+=("$T_SEC"); lc+=("$T_CPU"); lm+=("$T_KIB")
    done
    local zs ls zsec lsec zcpu lcpu zrss lrss
    zs=$(fsize "$d/c.tar.zst"); ls=$(fsize "$d/c.lpk")
    zsec=$(median "${zt[@]}"); lsec=$(median "${lt[@]}")
    zcpu=$(median "${zc[@]}"); lcpu=$(median "${lc[@]}")
    zrss=$(maxof "${zm[@]}"); lrss=$(maxof "${lm[@]}")
    rm -f "$d/c.tar.zst" "$d/c.lpk"
    rset "$name.create.tarzst.bytes" "$zs"; rset "$name.create.lpack.bytes" "$ls"
    rset "$name.create.tarzst.s" "$zsec"; rset "$name.create.lpack.s" "$lsec"
    rset "$name.create.tarzst.cpu" "$zcpu"; rset "$name.create.lpack.cpu" "$lcpu"
    rset "$name.create.tarzst.rss_kib" "$zrss"; rset "$name.create.lpack.rss_kib" "$lrss"
    log "create: tar|zstd $zs bytes ${zsec}s ${zcpu} CPU-s; lpack $ls bytes ${lsec}s ${lcpu} CPU-s"
    CREATE_LINES=$(printf '%-40s %12s %9s %9s %9s\n' "create NEW (median of $RUNS)" "bytes" "wall s" "CPU s" "RSS MiB"
        printf '%-40s %12s %9s %9s %9s\n' "tar -c | zstd -3 -T0" "$zs" "$zsec" "$zcpu" "$(mib $((zrss * 1024)))"
        printf '%-40s %12s %9s %9s %9s\n' "lpack create" "$ls" "$lsec" "$lcpu" "$(mib $((lrss * 1024)))")
    goal "$name.goal.create_size" "create: package bytes / tar|zstd bytes" "$(ratio "$ls" "$zs")" "<=" 1.0
    goal "$name.goal.create_time" "create: lpack wall / tar|zstd wall" "$(ratio "$lsec" "$zsec")" "<=" 1.0
}

run_pair() {  # NAME OLD_DIR NEW_DIR ID
    local name=$1 old=$2 new=$3 id=$4
    local d="$WORK/$name"
    mkdir -p "$d"
    GOALS=""; CREATE_LINES=""
    BYTES=(); CREATE=(); CCPU=(); CRSS=(); APPLY=(); ACPU=(); RSS=(); CHECK=(); NOTE=()
    WINDOW=""
    echo "== [$name] packing OLD and NEW: lpack create and tar" >&2
    tar -C "$old" "${TAR_OPTS[@]}" -cf "$d/old.tar" . || die "tar of $old failed"
    tar -C "$new" "${TAR_OPTS[@]}" -cf "$d/new.tar" . || die "tar of $new failed"
    # shellcheck disable=SC2086  # word-split on purpose
    SOURCE_DATE_EPOCH=$EPOCH_OLD lpack_run "$LPACK_EXE" create "$old" -o "$d/old.lpk" \
        --id "$id" --release 1 -q $CREATE_ARGS 2>"$ERRF" || { note_fail "lpack create $old failed"; exit 3; }
    # shellcheck disable=SC2086
    SOURCE_DATE_EPOCH=$EPOCH_NEW lpack_run "$LPACK_EXE" create "$new" -o "$d/new.lpk" \
        --id "$id" --release 2 -q $CREATE_ARGS 2>"$ERRF" || { note_fail "lpack create $new failed"; exit 3; }
    cat "$d/old.tar" "$d/new.tar" "$d/old.lpk" "$d/new.lpk" >/dev/null  # page cache
    local of nf ob nb
    of=$(dir_files "$old"); nf=$(dir_files "$new")
    ob=$(dir_bytes "$old"); nb=$(dir_bytes "$new")
    rset "$name.old.files" "$of"; rset "$name.new.files" "$nf"
    rset "$name.old.bytes" "$ob"; rset "$name.new.bytes" "$nb"
    rset "$name.old.tar" "$(fsize "$d/old.tar")"; rset "$name.new.tar" "$(fsize "$d/new.tar")"
    rset "$name.old.lpk" "$(fsize "$d/old.lpk")"; rset "$name.new.lpk" "$(fsize "$d/new.lpk")"

    # ---- create: NEW as a package and as tar | zstd -3 -T0, alternating
    create_compare "$name" "$new" "$id" "$d"

    # ---- lpack
    if [[ $HAVE_DELTA = 1 ]]; then
        echo "== [$name] lpack delta / lpack apply" >&2
        local -a dargs=()
        # shellcheck disable=SC2206
        [[ -n $DELTA_ARGS ]] && dargs=($DELTA_ARGS)
        if lpack_run timed "$LPACK_EXE" delta "$d/old.lpk" "$d/new.lpk" -o "$d/d.lpd" "${dargs[@]}"; then
            CREATE[lpack]=$T_SEC; CCPU[lpack]=$T_CPU; CRSS[lpack]=$T_KIB
            BYTES[lpack]=$(fsize "$d/d.lpd")
            log "lpack: delta $(fsize "$d/d.lpd") bytes in ${T_SEC}s, ${T_CPU} CPU-s (peak RSS $(mib $((T_KIB * 1024))) MiB)"
            rset "$name.lpack.create_rss_kib" "$T_KIB"
            # the header's window: apply's RSS goal is 64 MiB plus it
            WINDOW=$(lpack_run "$LPACK_EXE" info --json "$d/d.lpd" 2>/dev/null |
                sed -n 's/.*"window_bytes":\([0-9]*\).*/\1/p')
            [[ -n $WINDOW ]] && rset "$name.lpack.window_bytes" "$WINDOW"
            lpack_run apply_runs lpack "$d/out.lpk" "$d/new.lpk" \
                "$LPACK_EXE" apply "$d/old.lpk" "$d/d.lpd" -o "$d/out.lpk"
        else
            note_fail "[$name] lpack delta failed (exit $T_RC)"
            CHECK[lpack]="FAILED"
        fi
        rm -f "$d/d.lpd"
    else
        echo "lpack: delta not available ($LPACK_EXE has no 'delta'/'apply' command); measuring the peers" >&2
        CHECK[lpack]="not available"
        FAILED=1
    fi

    local p
    for p in $PEERS; do
        echo "== [$name] $p" >&2
        case $p in
        xdelta3)
            if timed xdelta3 -9 -S djw -e -f -s "$d/old.tar" "$d/new.tar" "$d/d.xd3"; then
                CREATE[xdelta3]=$T_SEC; CCPU[xdelta3]=$T_CPU; CRSS[xdelta3]=$T_KIB
                BYTES[xdelta3]=$(fsize "$d/d.xd3")
                log "xdelta3: delta ${BYTES[xdelta3]} bytes in ${T_SEC}s"
                apply_runs xdelta3 "$d/out.tar" "$d/new.tar" \
                    xdelta3 -d -f -s "$d/old.tar" "$d/d.xd3" "$d/out.tar"
            else
                note_fail "[$name] xdelta3 -e failed (exit $T_RC)"; CHECK[xdelta3]=FAILED
            fi
            rm -f "$d/d.xd3"
            ;;
        bsdiff)
            local big
            big=$(maxof "$(fsize "$d/old.tar")" "$(fsize "$d/new.tar")")
            if ((big > BSDIFF_MAX_MB * 1048576)); then
                NOTE[bsdiff]="skipped: tar is $(mib "$big") MiB > --bsdiff-max-mb $BSDIFF_MAX_MB"
                CHECK[bsdiff]=skipped
                log "bsdiff: ${NOTE[bsdiff]}"
                continue
            fi
            if timed bsdiff "$d/old.tar" "$d/new.tar" "$d/d.bsdiff"; then
                CREATE[bsdiff]=$T_SEC; CCPU[bsdiff]=$T_CPU; CRSS[bsdiff]=$T_KIB
                BYTES[bsdiff]=$(fsize "$d/d.bsdiff")
                log "bsdiff: delta ${BYTES[bsdiff]} bytes in ${T_SEC}s (peak RSS $(mib $((T_KIB * 1024))) MiB)"
                rset "$name.bsdiff.create_rss_kib" "$T_KIB"
                apply_runs bsdiff "$d/out.tar" "$d/new.tar" \
                    bspatch "$d/old.tar" "$d/out.tar" "$d/d.bsdiff"
            else
                note_fail "[$name] bsdiff failed (exit $T_RC)"; CHECK[bsdiff]=FAILED
            fi
            rm -f "$d/d.bsdiff"
            ;;
        zstd)
            # --long=31 on both sides: the window must cover OLD.tar (zstd
            # sizes it from the file with --patch-from); on apply --long=31
            # lifts the decoder's default 128 MiB window limit, so no
            # --memory= is needed.
            if timed zstd -q -f --patch-from="$d/old.tar" --long=31 -19 "$d/new.tar" -o "$d/d.zst"; then
                CREATE[zstd]=$T_SEC; CCPU[zstd]=$T_CPU; CRSS[zstd]=$T_KIB
                BYTES[zstd]=$(fsize "$d/d.zst")
                log "zstd: delta ${BYTES[zstd]} bytes in ${T_SEC}s (peak RSS $(mib $((T_KIB * 1024))) MiB)"
                rset "$name.zstd.create_rss_kib" "$T_KIB"
                apply_runs zstd "$d/out.tar" "$d/new.tar" \
                    zstd -q -f -d --patch-from="$d/old.tar" --long=31 "$d/d.zst" -o "$d/out.tar"
            else
                note_fail "[$name] zstd --patch-from failed (exit $T_RC)"; CHECK[zstd]=FAILED
            fi
            rm -f "$d/d.zst"
            ;;
        zchunk)
            # the client keeps OLD.tar.zck from the last update: made untimed
            zck -o "$d/old.tar.zck" "$d/old.tar" >/dev/null 2>"$ERRF" ||
                { note_fail "[$name] zck of OLD failed"; CHECK[zchunk]=FAILED; continue; }
            mkdir -p "$d/srv" "$d/client"
            if ! timed zck -o "$d/srv/new.tar.zck" "$d/new.tar"; then
                note_fail "[$name] zck of NEW failed (exit $T_RC)"; CHECK[zchunk]=FAILED; continue
            fi
            CREATE[zchunk]=$T_SEC; CCPU[zchunk]=$T_CPU; CRSS[zchunk]=$T_KIB
            BYTES[zchunk]=$(zck_bytes "$d/old.tar.zck" "$d/srv/new.tar.zck")
            log "zchunk: NEW.tar.zck in ${T_SEC}s; a client with OLD.tar.zck downloads ${BYTES[zchunk]} bytes"
            rset "$name.zchunk.new_zck_bytes" "$(fsize "$d/srv/new.tar.zck")"
            if start_server "$d/srv"; then
                local -a t=() m=()
                local i ok=1 dl=""
                for ((i = 1; i <= RUNS; i++)); do
                    rm -f "$d/client/new.tar.zck" "$d/client/new.tar"
                    if ! timed env -C "$d/client" zckdl -s "$d/old.tar.zck" \
                        "http://127.0.0.1:$SRV_PORT/new.tar.zck"; then
                        note_fail "[$name] zckdl failed (exit $T_RC)"; ok=0; break
                    fi
                    local t1=$T_SEC m1=$T_KIB
                    dl=$(sed -n 's/^Downloaded \([0-9]*\) bytes.*/\1/p' "$OUTF" | tail -n 1)
                    if ! timed env -C "$d/client" unzck new.tar.zck; then
                        note_fail "[$name] unzck failed (exit $T_RC)"; ok=0; break
                    fi
                    t+=("$(addf "$t1" "$T_SEC")"); m+=("$(maxof "$m1" "$T_KIB")")
                done
                stop_server
                if [[ $ok = 1 ]]; then
                    APPLY[zchunk]=$(median "${t[@]}"); RSS[zchunk]=$(maxof "${m[@]}")
                    if cmp -s "$d/client/new.tar" "$d/new.tar"; then CHECK[zchunk]=identical
                    else CHECK[zchunk]=DIFFERENT; FAILED=1; fi
                    NOTE[zchunk]="zckdl reported ${dl:-?} bytes downloaded"
                    [[ -n $dl ]] && rset "$name.zchunk.zckdl_downloaded" "$dl"
                    log "zchunk: apply (zckdl + unzck) ${APPLY[zchunk]}s, peak RSS $(mib $((RSS[zchunk] * 1024))) MiB, output ${CHECK[zchunk]}; ${NOTE[zchunk]}"
                else
                    CHECK[zchunk]=FAILED
                fi
            else
                # no loopback server: time unzck of NEW.tar.zck alone
                local -a t=() m=()
                local i
                for ((i = 1; i <= RUNS; i++)); do
                    rm -f "$d/srv/new.tar"
                    timed env -C "$d/srv" unzck new.tar.zck || { note_fail "[$name] unzck failed"; break; }
                    t+=("$T_SEC"); m+=("$T_KIB")
                done
                APPLY[zchunk]=$(median "${t[@]}"); RSS[zchunk]=$(maxof "${m[@]}")
                if cmp -s "$d/srv/new.tar" "$d/new.tar"; then CHECK[zchunk]=identical
                else CHECK[zchunk]=DIFFERENT; FAILED=1; fi
                NOTE[zchunk]="no local HTTP server: apply = unzck only, without the chunk download"
            fi
            rm -rf "$d/srv" "$d/client" "$d/old.tar.zck"
            ;;
        esac
    done

    # ---- verdict: lpack smaller than every peer measured
    local best="" bestp="" verdict skipped=""
    for p in $PEERS; do
        if [[ -n ${BYTES[$p]:-} ]]; then
            if [[ -z $best ]] || ((BYTES[$p] < best)); then best=${BYTES[$p]}; bestp=$p; fi
        else
            skipped+=" $p"
        fi
    done
    if [[ -z ${BYTES[lpack]:-} ]]; then
        verdict="FAIL (lpack delta ${CHECK[lpack]:-missing})"
    elif [[ ${CHECK[lpack]:-} != identical ]]; then
        verdict="FAIL (lpack apply output ${CHECK[lpack]:-missing})"
    elif [[ -z $best ]]; then
        verdict="n/a (no peer measured)"
    elif ((BYTES[lpack] < best)); then
        verdict="PASS"
    else
        verdict="FAIL (larger than $bestp)"
    fi
    [[ $verdict = PASS || $verdict == n/a* ]] || FAILED=1
    # the issue 15 goals: size against the best peer, time and memory
    # against xdelta3 (the fastest peer that is a real diff)
    if [[ -n ${BYTES[lpack]:-} && -n $best ]]; then
        goal "$name.goal.delta_size" "delta: lpack bytes / best peer ($bestp)" \
            "$(ratio "${BYTES[lpack]}" "$best")" "<=" 0.9
    fi
    if [[ -n ${CREATE[lpack]:-} && -n ${CREATE[xdelta3]:-} ]]; then
        goal "$name.goal.delta_time" "delta: lpack wall / xdelta3 -9 -S djw wall" \
            "$(ratio "${CREATE[lpack]}" "${CREATE[xdelta3]}")" "<=" 3.0
    fi
    if [[ -n ${CRSS[lpack]:-} ]]; then
        goal "$name.goal.delta_rss" "delta: lpack peak RSS MiB" "$(mib $((CRSS[lpack] * 1024)))" "<" 1024
    fi
    if [[ -n ${APPLY[lpack]:-} && -n ${APPLY[xdelta3]:-} ]]; then
        goal "$name.goal.apply_time" "apply: lpack wall / xdelta3 -d wall" \
            "$(ratio "${APPLY[lpack]}" "${APPLY[xdelta3]}")" "<=" 1.0
    fi
    if [[ -n ${RSS[lpack]:-} && -n $WINDOW ]]; then
        goal "$name.goal.apply_rss" "apply: lpack RSS MiB <= 64 + window $(mib "$WINDOW")" \
            "$(mib $((RSS[lpack] * 1024)))" "<=" "$(awk -v w="$WINDOW" 'BEGIN { printf "%.1f", 64 + w / 1048576 }')"
    fi
    [[ -n $skipped && $verdict = PASS ]] && verdict="PASS (not measured:$skipped)"

    for p in "${TOOLS[@]}"; do
        [[ -n ${BYTES[$p]:-} ]] && rset "$name.$p.bytes" "${BYTES[$p]}"
        [[ -n ${CREATE[$p]:-} ]] && rset "$name.$p.create_s" "${CREATE[$p]}"
        [[ -n ${CCPU[$p]:-} ]] && rset "$name.$p.create_cpu" "${CCPU[$p]}"
        [[ -n ${CRSS[$p]:-} ]] && rset "$name.$p.create_rss_kib" "${CRSS[$p]}"
        [[ -n ${ACPU[$p]:-} ]] && rset "$name.$p.apply_cpu" "${ACPU[$p]}"
        [[ -n ${APPLY[$p]:-} ]] && rset "$name.$p.apply_s" "${APPLY[$p]}"
        [[ -n ${RSS[$p]:-} ]] && rset "$name.$p.apply_rss_kib" "${RSS[$p]}"
        [[ -n ${CHECK[$p]:-} ]] && rset "$name.$p.check" "${CHECK[$p]// /_}"
        if [[ $p != lpack && -n ${BYTES[lpack]:-} && -n ${BYTES[$p]:-} ]]; then
            rset "$name.ratio.$p" "$(ratio "${BYTES[lpack]}" "${BYTES[$p]}")"
        fi
    done
    rset "$name.goal" "${verdict%% *}"

    local tarinfo
    tarinfo="tar $(mib "$(fsize "$d/old.tar")") -> $(mib "$(fsize "$d/new.tar")") MiB, .lpk $(mib "$(fsize "$d/old.lpk")") -> $(mib "$(fsize "$d/new.lpk")") MiB"
    {
        echo
        echo "pair: $name  OLD $old ($of files, $(mib "$ob") MiB)"
        echo "      NEW $new ($nf files, $(mib "$nb") MiB)"
        echo "      $tarinfo (NEW.lpk $(fsize "$d/new.lpk") bytes)"
        [[ -n $CREATE_LINES ]] && echo "$CREATE_LINES"
        printf '%-40s %12s %10s %8s %8s %8s %8s %8s %8s  %s\n' "tool" "delta bytes" "lpack/peer" "delta s" \
            "cpu s" "RSS MiB" "apply s" "cpu s" "RSS MiB" "apply output"
        for p in "${TOOLS[@]}"; do
            local r="" b=${BYTES[$p]:-} rss="" crss=""
            if [[ $p != lpack && -n ${BYTES[lpack]:-} && -n $b ]]; then r=$(ratio "${BYTES[lpack]}" "$b"); fi
            [[ -n ${RSS[$p]:-} ]] && rss=$(mib $((RSS[$p] * 1024)))
            [[ -n ${CRSS[$p]:-} ]] && crss=$(mib $((CRSS[$p] * 1024)))
            printf '%-40s %12s %10s %8s %8s %8s %8s %8s %8s  %s\n' "${LABEL[$p]}" "${b:--}" "${r:--}" \
                "${CREATE[$p]:--}" "${CCPU[$p]:--}" "${crss:--}" "${APPLY[$p]:--}" "${ACPU[$p]:--}" \
                "${rss:--}" "${CHECK[$p]:--}"
        done
        for p in "${TOOLS[@]}"; do
            [[ -n ${NOTE[$p]:-} ]] && echo "  note: $p: ${NOTE[$p]}"
        done
        echo "goal: lpack delta smaller than every peer: $verdict"
        printf '%s' "$GOALS"
    } >>"$REPORT"
    rm -f "$d/out.tar" "$d/out.lpk"
}

# ------------------------------------------------------------------ run
check_load
if [[ $PAIR = generated || $PAIR = both ]]; then
    echo "== generating a release pair: $LESSONS lessons, ${MB} MiB of media (seed $SEED)" >&2
    python3 "$GEN" "$WORK/gen" --lessons "$LESSONS" --mb "$MB" --seed "$SEED" | sed 's/^/  /' >&2 ||
        die "gen-release-pair.py failed"
    [[ -d $WORK/gen/NEW ]] || die "gen-release-pair.py made no NEW"
    run_pair generated "$WORK/gen/OLD" "$WORK/gen/NEW" bench.delta.generated
    [[ $KEEP = 1 ]] || rm -rf "$WORK/gen"
    [[ $KEEP = 1 ]] || rm -f "$WORK"/generated/*.tar "$WORK"/generated/*.lpk
fi
if [[ $PAIR = real || $PAIR = both ]]; then
    run_pair real "$CORPUS/v1" "$CORPUS/v2" org.openstax.college-physics
fi

{
    echo
    echo "==================================================================================="
    echo "lpack delta benchmark  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host:   $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null)"
    echo "lpack:  $LPACK_EXE ($("$LPACK_BIN" --version 2>/dev/null | head -n 1))$([[ $HAVE_DELTA = 1 ]] || echo ' -- no delta/apply commands')"
    [[ -n $DELTA_ARGS ]] && echo "        lpack delta $DELTA_ARGS"
    [[ -n $CREATE_ARGS ]] && echo "        lpack create $CREATE_ARGS"
    echo "peers:  $(for p in $PEERS; do case $p in
        xdelta3) xdelta3 -V 2>&1 | head -n 1 | awk '{sub(/,$/, "", $3); printf "xdelta3 %s, ", $3}' ;;
        zstd) zstd --version | sed 's/.* v\([0-9.]*\),.*/zstd \1, /' | tr -d '\n' ;;
        bsdiff) printf 'bsdiff %s, ' "$(dpkg-query -W -f '${Version}' bsdiff 2>/dev/null || echo '?')" ;;
        zchunk) printf 'zchunk %s, ' "$(zck -V 2>/dev/null | head -n 1 | awk '{print $NF}')" ;;
        esac; done | sed 's/, $//')"
    echo "runs:   delta made once per tool; apply $RUNS times, median time; RSS = max over the apply runs"
    load_line
    [[ $HAVE_DELTA = 1 ]] || echo "lpack: delta not available"
    cat "$REPORT"
    echo "==================================================================================="
}

if [[ -n $RESULTS ]]; then
    write_results "$RESULTS"
fi

[[ $FAILED = 1 ]] && exit 1
exit 0
