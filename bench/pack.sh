#!/usr/bin/env bash
# The bash -c scripts take their arguments as $1.. on purpose.
# shellcheck disable=SC2016
# bench/pack.sh -- benchmark `lpack create` / `lpack verify` against
# `tar | zstd` and `b2sum` on a realistic lesson tree (bench/gen-tree.py).
# See bench/README.md for what each number means and the goals.
#
# Exit status: 0 every goal checked passed; 1 some goal failed (or an lpack
# command failed); 2 usage error; 3 setup error (no lpack, no python3, ...).

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROG=pack.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh" || { echo "pack.sh: cannot read $here/lib.sh" >&2; exit 3; }

usage() {
    cat <<'EOF'
usage: bench/pack.sh [options]

Builds a lesson tree with bench/gen-tree.py in a temporary folder under /tmp
(or uses --tree DIR), then measures side by side:
  1. tar -c DIR | zstd -3 -T0 > out.tar.zst       time, size, peak RSS
  2. lpack create DIR -o out.lpk                   time, size, peak RSS
  3. b2sum over every file (512 and -l 256)  vs  lpack verify out.lpk
  4. (--big) lpack create on a tree with a 1 GiB file: peak RSS
  5. level sweep 1,3,9,19: lpack create --level N vs tar | zstd -N
and prints ratios and PASS/FAIL against the goals.

options:
  --quick            small tree (~30 MiB) for smoke runs
  --mb N             tree size in MiB (default 300; 30 with --quick)
  --seed N           gen-tree.py seed (default 1)
  --tree DIR         use this tree instead of generating one (not deleted)
  --lpack PATH       lpack binary (default: $LPACK, else ./lpack/lpack or
                     ../lpack/lpack from the current (build) folder, else
                     ../lpack/lpack next to this script, else lpack in PATH)
  --runs N           runs per timed command; the median time is used (default 3)
  --big              also run the big-file memory test
  --big-mb N         size of the big file in MiB (default 1024)
  --no-sweep         skip the level sweep
  --levels "L ..."   levels for the sweep (default "1 3 9 19")
  --sweep-runs N     runs per sweep point (default 1)
  --threads N        pass --threads N to lpack (default: lpack's own default)
  --create-args STR  extra arguments for every `lpack create` (word-split)
  --baseline-fsync   make the tar|zstd baseline fsync its output, as lpack does
  --baseline-only    no lpack: measure only the tar|zstd and b2sum half
  --results FILE     also write the figures as key=value lines to FILE
  --workdir DIR      parent of the temporary folder (default /tmp)
  --keep             keep the temporary folder (tree and outputs)
  -h, --help         show this help
EOF
}

# ------------------------------------------------------------------ options
QUICK=0; MB=""; SEED=1; TREE=""; LPACK_ARG=""; RUNS=3; BIG=0; BIG_MB=1024
SWEEP=1; LEVELS="1 3 9 19"; SWEEP_RUNS=1; THREADS=""; CREATE_ARGS=""
BASELINE_FSYNC=0; BASELINE_ONLY=0; RESULTS=""; WORKPARENT=/tmp; KEEP=0

while [[ $# -gt 0 ]]; do
    case $1 in
    --quick) QUICK=1 ;;
    --mb) need "$@"; isnum "$1" "$2"; MB=$2; shift ;;
    --seed) need "$@"; isnum "$1" "$2"; SEED=$2; shift ;;
    --tree) need "$@"; TREE=$2; shift ;;
    --lpack) need "$@"; LPACK_ARG=$2; shift ;;
    --runs) need "$@"; isnum "$1" "$2"; RUNS=$2; shift ;;
    --big) BIG=1 ;;
    --big-mb) need "$@"; isnum "$1" "$2"; BIG_MB=$2; BIG=1; shift ;;
    --no-sweep) SWEEP=0 ;;
    --levels | --level) need "$@"; LEVELS=${2//,/ }; shift ;;
    --sweep-runs) need "$@"; isnum "$1" "$2"; SWEEP_RUNS=$2; shift ;;
    --threads) need "$@"; isnum "$1" "$2"; THREADS=$2; shift ;;
    --create-args) need "$@"; CREATE_ARGS=$2; shift ;;
    --baseline-fsync) BASELINE_FSYNC=1 ;;
    --baseline-only) BASELINE_ONLY=1 ;;
    --results) need "$@"; RESULTS=$2; shift ;;
    --workdir) need "$@"; WORKPARENT=$2; shift ;;
    --keep) KEEP=1 ;;
    -h | --help) usage; exit 0 ;;
    *) bad_usage "unknown option: $1" ;;
    esac
    shift
done
[[ $RUNS -ge 1 ]] || bad_usage "--runs must be at least 1"
[[ $SWEEP_RUNS -ge 1 ]] || bad_usage "--sweep-runs must be at least 1"
for l in $LEVELS; do
    [[ $l =~ ^[0-9]+$ && $l -ge 1 && $l -le 19 ]] || bad_usage "--levels: $l is not a level 1..19"
done
[[ -z $MB ]] && { if [[ $QUICK = 1 ]]; then MB=30; else MB=300; fi; }

# ------------------------------------------------------------------ tools
check_tools tar zstd b2sum find xargs awk python3
GEN="$here/gen-tree.py"
[[ -f $GEN ]] || die "missing $GEN"

LPACK_BIN=""
if [[ $BASELINE_ONLY = 0 ]]; then
    LPACK_BIN=$(find_bin lpack "$LPACK_ARG" "${LPACK:-}" \
        "use --lpack PATH or LPACK=..., or --baseline-only") || exit 3
    "$LPACK_BIN" --version >/dev/null 2>&1 || die "$LPACK_BIN --version failed"
fi

# In a build tree lpack/lpack is a libtool wrapper script: time the real
# binary behind it, with the wrapper's library folder (unwrap, lpack_run).
LPACK_EXE=""
LPACK_LIBDIR=""
[[ -n $LPACK_BIN ]] && unwrap "$LPACK_BIN" LPACK_EXE LPACK_LIBDIR

# ------------------------------------------------------------------ workdir
make_workdir lpack-bench

declare -A R  # results, key=value (rset)
FAILED=0

# tar_zstd DIR LEVEL OUT: the baseline, as one timed command
tar_cmd() {
    local dir=$1 level=$2 out=$3
    local parent base
    parent=$(dirname "$dir"); base=$(basename "$dir")
    if [[ $BASELINE_FSYNC = 1 ]]; then
        timed bash -c 'set -o pipefail; tar -C "$1" -cf - "$2" | zstd -q -"$3" -T0 > "$4" && sync "$4"' \
            _ "$parent" "$base" "$level" "$out"
    else
        timed bash -c 'set -o pipefail; tar -C "$1" -cf - "$2" | zstd -q -"$3" -T0 > "$4"' \
            _ "$parent" "$base" "$level" "$out"
    fi
}

lpack_create() {  # DIR OUT [LEVEL]
    local dir=$1 out=$2 level=${3:-}
    local -a args=(create "$dir" -o "$out" -q)
    [[ -n $level ]] && args+=(--level "$level")
    [[ -n $THREADS ]] && args+=(--threads "$THREADS")
    # shellcheck disable=SC2206
    [[ -n $CREATE_ARGS ]] && args+=($CREATE_ARGS)
    rm -f "$out"
    lpack_run timed "$LPACK_EXE" "${args[@]}"
}

lpack_verify() {  # PKG
    local -a args=(verify "$1" -q)
    [[ -n $THREADS ]] && args+=(--threads "$THREADS")
    lpack_run timed "$LPACK_EXE" "${args[@]}"
}

# pkg_objects PKG: "N M B" from the ZIP's central directory: N objects, M of
# them .zst, B bytes of object data
pkg_objects() {
    python3 - "$1" <<'EOF'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
objs = [i for i in z.infolist() if i.filename.startswith("objects/")]
zst = [i for i in objs if i.filename.endswith(".zst")]
print(len(objs), len(zst), sum(i.compress_size for i in objs))
EOF
}

# ------------------------------------------------------------------ the tree
if [[ -n $TREE ]]; then
    [[ -d $TREE ]] || die "--tree $TREE: not a folder"
    TREE=$(cd "$TREE" && pwd)
    echo "== using tree $TREE" >&2
else
    TREE="$WORK/lessons"
    echo "== generating a ${MB} MiB tree (seed $SEED) in $TREE" >&2
    python3 "$GEN" "$TREE" --mb "$MB" --seed "$SEED" | sed 's/^/  /' >&2 ||
        die "gen-tree.py failed"
fi
TREE_FILES=$(dir_files "$TREE")
TREE_BYTES=$(dir_bytes "$TREE")
rset tree.files "$TREE_FILES"; rset tree.bytes "$TREE_BYTES"
NCPU=$(nproc)
rset cpus "$NCPU"
check_load

echo "== warm-up read of the tree" >&2
warm "$TREE"

OUT_TZ="$WORK/out.tar.zst"
OUT_LPK="$WORK/out.lpk"

# ------------------------------------------------------------------ 1+2. create
# The baseline and lpack runs alternate (tar, lpack, tar, lpack, ...) so that
# load from other processes and page-cache/writeback drift hit both alike.
LP_TIME=""; LP_SIZE=""; LP_RSS=""; LP_CPU=""; LP_OK=0
[[ $BASELINE_ONLY = 0 ]] && LP_OK=1
echo "== (1) tar | zstd -3 -T0 and (2) lpack create, $RUNS runs each, alternating" >&2
tz_t=(); tz_m=(); tz_c=(); lp_t=(); lp_m=(); lp_c=()
for ((i = 1; i <= RUNS; i++)); do
    rm -f "$OUT_TZ"
    tar_cmd "$TREE" 3 "$OUT_TZ" || { note_fail "tar | zstd failed"; exit 3; }
    tz_t+=("$T_SEC"); tz_m+=("$T_KIB"); tz_c+=("$T_CPU")
    TZ_SIZE=$(fsize "$OUT_TZ")
    rm -f "$OUT_TZ"
    log "run $i: tar | zstd   ${T_SEC}s (cpu ${T_CPU}s), max RSS $(mib $((T_KIB * 1024))) MiB"
    if [[ $LP_OK = 1 ]]; then
        if lpack_create "$TREE" "$OUT_LPK"; then
            lp_t+=("$T_SEC"); lp_m+=("$T_KIB"); lp_c+=("$T_CPU")
            log "run $i: lpack create ${T_SEC}s (cpu ${T_CPU}s), peak RSS $(mib $((T_KIB * 1024))) MiB"
        else
            note_fail "lpack create failed (exit $T_RC)"; LP_OK=0
        fi
    fi
done
TZ_TIME=$(median "${tz_t[@]}"); TZ_RSS=$(maxof "${tz_m[@]}"); TZ_CPU=$(median "${tz_c[@]}")
rset tarzstd.cpu "$TZ_CPU"; rset tarzstd.time "$TZ_TIME"; rset tarzstd.size "$TZ_SIZE"; rset tarzstd.rss_kib "$TZ_RSS"
if [[ $LP_OK = 1 ]]; then
    LP_TIME=$(median "${lp_t[@]}"); LP_RSS=$(maxof "${lp_m[@]}"); LP_SIZE=$(fsize "$OUT_LPK")
    LP_CPU=$(median "${lp_c[@]}"); rset lpack.cpu "$LP_CPU"
    read -r OBJ_N OBJ_ZST OBJ_BYTES < <(pkg_objects "$OUT_LPK" 2>/dev/null || echo "? ? 0")
    rset lpack.time "$LP_TIME"; rset lpack.size "$LP_SIZE"; rset lpack.rss_kib "$LP_RSS"
    rset lpack.objects "$OBJ_N"; rset lpack.objects_zst "$OBJ_ZST"
fi

# ------------------------------------------------------------------ 3. verify
echo "== (3) b2sum over every file vs lpack verify, $RUNS runs each, alternating" >&2
[[ $LP_OK = 1 ]] && cat "$OUT_LPK" >/dev/null  # the package in the page cache, like the tree
b5_t=(); b2_t=(); b2_c=(); lv_t=(); lv_m=(); lv_c=(); LV_OK=$LP_OK
for ((i = 1; i <= RUNS; i++)); do
    timed bash -c 'find "$1" -type f -print0 | xargs -0 b2sum > /dev/null' _ "$TREE" ||
        { note_fail "b2sum failed"; exit 3; }
    b5_t+=("$T_SEC")
    timed bash -c 'find "$1" -type f -print0 | xargs -0 b2sum -l 256 > /dev/null' _ "$TREE" ||
        { note_fail "b2sum -l 256 failed"; exit 3; }
    b2_t+=("$T_SEC"); b2_c+=("$T_CPU")
    msg="run $i: b2sum ${b5_t[-1]}s, b2sum -l 256 ${b2_t[-1]}s"
    if [[ $LV_OK = 1 ]]; then
        if lpack_verify "$OUT_LPK"; then
            lv_t+=("$T_SEC"); lv_m+=("$T_KIB"); lv_c+=("$T_CPU")
            msg+=", lpack verify ${T_SEC}s (peak RSS $(mib $((T_KIB * 1024))) MiB)"
        else
            note_fail "lpack verify failed (exit $T_RC)"; LV_OK=0
        fi
    fi
    log "$msg"
done
B512_TIME=$(median "${b5_t[@]}"); B256_TIME=$(median "${b2_t[@]}")
B256_CPU=$(median "${b2_c[@]}")
rset b2sum.time "$B512_TIME"; rset b2sum256.time "$B256_TIME"; rset b2sum256.cpu "$B256_CPU"
LV_TIME=""; LV_RSS=""; LV_CPU=""
if [[ $LV_OK = 1 ]]; then
    LV_TIME=$(median "${lv_t[@]}"); LV_RSS=$(maxof "${lv_m[@]}"); LV_CPU=$(median "${lv_c[@]}")
    rset verify.cpu "$LV_CPU"
    rset verify.time "$LV_TIME"; rset verify.rss_kib "$LV_RSS"
fi

# ------------------------------------------------------------------ 4. big file
BIG_RSS=""; BIG_TIME=""; BIG_SIZE=""; BIG_TZ_TIME=""; BIGV_RSS=""; BIGV_TIME=""
if [[ $BIG = 1 && $LP_OK = 1 ]]; then
    rm -f "$OUT_LPK"
    BIG_TREE="$WORK/big"
    echo "== (4) big-file tree: ${BIG_MB} MiB file + small lesson tree" >&2
    python3 "$GEN" "$BIG_TREE" --mb 4 --text-files 100 --seed "$SEED" --big-file-mb "$BIG_MB" -q ||
        die "gen-tree.py --big-file-mb failed"
    warm "$BIG_TREE"
    tar_cmd "$BIG_TREE" 3 "$OUT_TZ" && BIG_TZ_TIME=$T_SEC
    log "tar | zstd -3: ${BIG_TZ_TIME}s, max RSS $(mib $((T_KIB * 1024))) MiB"
    rm -f "$OUT_TZ"
    if lpack_create "$BIG_TREE" "$OUT_LPK"; then
        BIG_TIME=$T_SEC; BIG_RSS=$T_KIB; BIG_SIZE=$(fsize "$OUT_LPK")
        log "lpack create: ${BIG_TIME}s, peak RSS $(mib $((BIG_RSS * 1024))) MiB"
        rset big.time "$BIG_TIME"; rset big.rss_kib "$BIG_RSS"; rset big.size "$BIG_SIZE"
        if lpack_verify "$OUT_LPK"; then
            BIGV_TIME=$T_SEC; BIGV_RSS=$T_KIB
            log "lpack verify: ${BIGV_TIME}s, peak RSS $(mib $((BIGV_RSS * 1024))) MiB"
            rset big.verify_time "$BIGV_TIME"; rset big.verify_rss_kib "$BIGV_RSS"
        else
            note_fail "lpack verify of the big package failed (exit $T_RC)"
        fi
    else
        note_fail "lpack create of the big tree failed (exit $T_RC)"
        BIG_RSS=$T_KIB
    fi
    rm -rf "$BIG_TREE" "$OUT_LPK"
fi

# ------------------------------------------------------------------ 5. level sweep
declare -A SW
if [[ $SWEEP = 1 ]]; then
    echo "== (5) level sweep: $LEVELS ($SWEEP_RUNS run(s) each)" >&2
    for l in $LEVELS; do
        t=()
        for ((i = 1; i <= SWEEP_RUNS; i++)); do
            rm -f "$OUT_TZ"
            tar_cmd "$TREE" "$l" "$OUT_TZ" || { note_fail "tar | zstd -$l failed"; break; }
            t+=("$T_SEC")
        done
        SW[tz.$l.time]=$(median "${t[@]}"); SW[tz.$l.size]=$(fsize "$OUT_TZ" 2>/dev/null || echo 0)
        rm -f "$OUT_TZ"
        log "tar | zstd -$l: ${SW[tz.$l.time]}s, $(mib "${SW[tz.$l.size]}") MiB"
        rset "sweep.tarzstd.$l.time" "${SW[tz.$l.time]}"; rset "sweep.tarzstd.$l.size" "${SW[tz.$l.size]}"
        if [[ $LP_OK = 1 ]]; then
            t=(); ok=1
            for ((i = 1; i <= SWEEP_RUNS; i++)); do
                lpack_create "$TREE" "$OUT_LPK" "$l" || { note_fail "lpack create --level $l failed"; ok=0; break; }
                t+=("$T_SEC")
            done
            if [[ $ok = 1 ]]; then
                SW[lp.$l.time]=$(median "${t[@]}"); SW[lp.$l.size]=$(fsize "$OUT_LPK")
                log "lpack --level $l: ${SW[lp.$l.time]}s, $(mib "${SW[lp.$l.size]}") MiB"
                rset "sweep.lpack.$l.time" "${SW[lp.$l.time]}"; rset "sweep.lpack.$l.size" "${SW[lp.$l.size]}"
            fi
            rm -f "$OUT_LPK"
        fi
    done
fi

# ------------------------------------------------------------------ report
T_RATIO=""; S_RATIO=""; V_RATIO=""; V_RATIO512=""
[[ -n $LP_TIME ]] && T_RATIO=$(ratio "$LP_TIME" "$TZ_TIME") && S_RATIO=$(ratio "$LP_SIZE" "$TZ_SIZE")
[[ -n $LV_TIME ]] && V_RATIO=$(ratio "$LV_TIME" "$B256_TIME") && V_RATIO512=$(ratio "$LV_TIME" "$B512_TIME")
LIMIT_KIB=65536
V1=$(verdict "$T_RATIO" "<=" 1.0)
V2=$(verdict "$S_RATIO" "<=" 1.0)
V3=$(verdict "$LP_RSS" "<" $LIMIT_KIB)
V4=$(verdict "$V_RATIO" "<=" 1.5)
V5=$(verdict "$BIG_RSS" "<" $LIMIT_KIB)
[[ $BIG = 1 ]] || V5="skipped (--big)"
for v in "$V1" "$V2" "$V3" "$V4" "$V5"; do [[ $v = FAIL ]] && FAILED=1; done
rset ratio.time "$T_RATIO"; rset ratio.size "$S_RATIO"; rset ratio.verify "$V_RATIO"

or_na() { if [[ -n $1 ]]; then echo "$1"; else echo "n/a"; fi; }
mib_or_na() { if [[ -n $1 && $1 != 0 ]]; then mib "$1"; else echo "n/a"; fi; }
kib_mib() { if [[ -n $1 ]]; then mib $(($1 * 1024)); else echo "n/a"; fi; }

{
echo
echo "==================================================================================="
echo "lpack benchmark  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "tree:   $TREE ($TREE_FILES files, $(mib "$TREE_BYTES") MiB)"
echo "host:   $NCPU CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null)"
echo "tools:  $(zstd --version 2>/dev/null | sed 's/^\*\*\* //; s/ \*\*\*$//'), $(b2sum --version | head -n 1)"
if [[ $BASELINE_ONLY = 0 ]]; then
    echo "lpack:  $LPACK_EXE ($("$LPACK_BIN" --version 2>/dev/null | head -n 1))"
    [[ $LPACK_EXE != "$LPACK_BIN" ]] && echo "        (the binary behind the libtool wrapper $LPACK_BIN)"
else
    echo "lpack:  not run (--baseline-only)"
fi
echo "runs:   $RUNS per command (baseline and lpack alternating), median time; peak RSS = max over runs"
load_line
[[ $BASELINE_FSYNC = 1 ]] && echo "note:   tar|zstd baseline includes an fsync of its output"
echo
printf '%-30s %10s %12s %14s %9s\n' "create" "time (s)" "size (MiB)" "peak RSS (MiB)" "cpu (s)"
printf '%-30s %10s %12s %14s %9s\n' "tar | zstd -3 -T0" "$TZ_TIME" "$(mib "$TZ_SIZE")" "$(kib_mib "$TZ_RSS")" "$TZ_CPU"
printf '%-30s %10s %12s %14s %9s\n' "lpack create" "$(or_na "$LP_TIME")" "$(mib_or_na "$LP_SIZE")" "$(kib_mib "$LP_RSS")" "$(or_na "$LP_CPU")"
printf '%-30s %10s %12s %14s %9s\n' "ratio lpack / tar+zstd" "$(or_na "$T_RATIO")" "$(or_na "$S_RATIO")" "" \
    "$(if [[ -n $LP_CPU ]]; then ratio "$LP_CPU" "$TZ_CPU"; else echo n/a; fi)"
[[ -n $LP_SIZE ]] && echo "  (package: ${OBJ_N:-?} objects for $TREE_FILES files, ${OBJ_ZST:-?} of them zstd-compressed, objects $(mib "${OBJ_BYTES:-0}") MiB)"
echo
printf '%-30s %10s %14s %9s\n' "verify" "time (s)" "peak RSS (MiB)" "cpu (s)"
printf '%-30s %10s\n' "b2sum (BLAKE2b-512), 1 thread" "$B512_TIME"
printf '%-30s %10s %14s %9s\n' "b2sum -l 256, 1 thread" "$B256_TIME" "" "$B256_CPU"
printf '%-30s %10s %14s %9s\n' "lpack verify" "$(or_na "$LV_TIME")" "$(kib_mib "$LV_RSS")" "$(or_na "$LV_CPU")"
printf '%-30s %10s   (vs b2sum: %s)\n' "ratio lpack / b2sum -l 256" "$(or_na "$V_RATIO")" "$(or_na "$V_RATIO512")"
if [[ $BIG = 1 ]]; then
    echo
    printf '%-30s %10s %12s %14s\n' "big file (${BIG_MB} MiB)" "time (s)" "size (MiB)" "peak RSS (MiB)"
    printf '%-30s %10s\n' "tar | zstd -3 -T0" "$(or_na "$BIG_TZ_TIME")"
    printf '%-30s %10s %12s %14s\n' "lpack create" "$(or_na "$BIG_TIME")" "$(mib_or_na "$BIG_SIZE")" "$(kib_mib "$BIG_RSS")"
    printf '%-30s %10s %12s %14s\n' "lpack verify" "$(or_na "$BIGV_TIME")" "" "$(kib_mib "$BIGV_RSS")"
fi
if [[ $SWEEP = 1 ]]; then
    echo
    printf '%-8s %12s %12s %14s %14s %8s\n' "level" "lpack (s)" "lpack (MiB)" "tar+zstd (s)" "tar+zstd (MiB)" "size r."
    for l in $LEVELS; do
        lt=${SW[lp.$l.time]:-}; ls=${SW[lp.$l.size]:-}
        printf '%-8s %12s %12s %14s %14s %8s\n' "$l" "$(or_na "$lt")" "$(mib_or_na "$ls")" \
            "${SW[tz.$l.time]}" "$(mib "${SW[tz.$l.size]}")" \
            "$(if [[ -n $ls ]]; then ratio "$ls" "${SW[tz.$l.size]}"; else echo n/a; fi)"
    done
fi
echo
printf '%-34s %14s   %s\n' "goal" "measured" "result"
printf '%-34s %14s   %s\n' "create time ratio <= 1.0" "$(or_na "$T_RATIO")" "$V1"
printf '%-34s %14s   %s\n' "create size ratio <= 1.0" "$(or_na "$S_RATIO")" "$V2"
printf '%-34s %14s   %s\n' "create peak RSS < 64 MiB" "$(kib_mib "$LP_RSS") MiB" "$V3"
printf '%-34s %14s   %s\n' "verify time ratio <= 1.5" "$(or_na "$V_RATIO")" "$V4"
printf '%-34s %14s   %s\n' "big-file create peak RSS < 64 MiB" \
    "$([[ $BIG = 1 ]] && echo "$(kib_mib "$BIG_RSS") MiB" || echo "-")" "$V5"
echo "==================================================================================="
}

if [[ -n $RESULTS ]]; then
    write_results "$RESULTS"
fi

[[ $FAILED = 1 ]] && exit 1
exit 0
