#!/usr/bin/env bash
# bench/lpc.sh -- benchmark `lpc build` and `lpc check` against `lpack create`
# on the same generated curriculum (bench/gen-curriculum.py).
# See bench/README.md for what each number means and the goals.
#
# Exit status: 0 every goal passed; 1 some goal failed (or a command
# failed); 2 usage error; 3 setup error (no lpc/lpack, no python3, ...).

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROG=lpc.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh" || { echo "lpc.sh: cannot read $here/lib.sh" >&2; exit 3; }

usage() {
    cat <<'EOF'
usage: bench/lpc.sh [options]

Generates a curriculum project with bench/gen-curriculum.py in a temporary
folder under /tmp (or uses --tree DIR), then measures, alternating, with the
median of N runs and the peak RSS from /usr/bin/time:
  1. lpack create DIR -o out2.lpk
  2. lpc build DIR -o out.lpk
  3. lpc check DIR
and prints the ratios and PASS/FAIL against the goals:
  lpc build <= 1.3 x lpack create;  lpc check <= 0.25 x lpc build;
  peak RSS of lpc build < 256 MiB.
When cc and the libyaml and libxml2 -dev packages are there it also builds
bench/lpc-floor.c and times it the same way: the parse floor, what libyaml
alone takes to produce the events of the YAML lessons and libxml2 to parse
and validate the XML ones, on as many threads as CPUs.  No check can be
faster than that with the same libraries.

options:
  --quick            small project (200 lessons, ~30 MiB of media)
  --lessons N        lessons (default 2000; 200 with --quick)
  --mb N             media in MiB (default 300; 30 with --quick)
  --seed N           gen-curriculum.py seed (default 1)
  --tree DIR         use this project instead of generating one (not deleted)
  --lpc PATH         lpc binary (default: $LPC, else ./lpc/lpc or ../lpc/lpc
                     from the current (build) folder, else ../lpc/lpc next
                     to this script, else lpc in PATH)
  --lpack PATH       lpack binary (same search, with LPACK and lpack/lpack)
  --runs N           runs per timed command; the median is used (default 3)
  --results FILE     also write the figures as key=value lines to FILE
  --workdir DIR      parent of the temporary folder (default /tmp)
  --keep             keep the temporary folder (project and packages)
  -h, --help         show this help
EOF
}

QUICK=0; LESSONS=""; MB=""; SEED=1; TREE=""; LPC_ARG=""; LPACK_ARG=""; RUNS=3
RESULTS=""; WORKPARENT=/tmp; KEEP=0

while [[ $# -gt 0 ]]; do
    case $1 in
    --quick) QUICK=1 ;;
    --lessons) need "$@"; isnum "$1" "$2"; LESSONS=$2; shift ;;
    --mb) need "$@"; isnum "$1" "$2"; MB=$2; shift ;;
    --seed) need "$@"; isnum "$1" "$2"; SEED=$2; shift ;;
    --tree) need "$@"; TREE=$2; shift ;;
    --lpc) need "$@"; LPC_ARG=$2; shift ;;
    --lpack) need "$@"; LPACK_ARG=$2; shift ;;
    --runs) need "$@"; isnum "$1" "$2"; RUNS=$2; shift ;;
    --results) need "$@"; RESULTS=$2; shift ;;
    --workdir) need "$@"; WORKPARENT=$2; shift ;;
    --keep) KEEP=1 ;;
    -h | --help) usage; exit 0 ;;
    *) bad_usage "unknown option: $1" ;;
    esac
    shift
done
[[ $RUNS -ge 1 ]] || bad_usage "--runs must be at least 1"
[[ -z $LESSONS ]] && { if [[ $QUICK = 1 ]]; then LESSONS=200; else LESSONS=2000; fi; }
[[ -z $MB ]] && { if [[ $QUICK = 1 ]]; then MB=30; else MB=300; fi; }
[[ $LESSONS -ge 1 ]] || bad_usage "--lessons must be at least 1"

# ------------------------------------------------------------------ tools
check_tools find xargs awk python3
GEN="$here/gen-curriculum.py"
[[ -f $GEN ]] || die "missing $GEN"

LPC_BIN=$(find_bin lpc "$LPC_ARG" "${LPC:-}") || exit 3
LPACK_BIN=$(find_bin lpack "$LPACK_ARG" "${LPACK:-}") || exit 3

# In a build tree lpc/lpc and lpack/lpack are libtool wrapper scripts: time
# the real binaries behind them, with the wrappers' library folders (unwrap,
# with_lib).
LPC_EXE=""; LPC_LIBDIR=""; LPACK_EXE=""; LPACK_LIBDIR=""
unwrap "$LPC_BIN" LPC_EXE LPC_LIBDIR
unwrap "$LPACK_BIN" LPACK_EXE LPACK_LIBDIR
with_lib "$LPC_LIBDIR" "$LPC_EXE" --version >/dev/null 2>&1 || die "$LPC_BIN --version failed"
with_lib "$LPACK_LIBDIR" "$LPACK_EXE" --version >/dev/null 2>&1 || die "$LPACK_BIN --version failed"

# ------------------------------------------------------------------ workdir
make_workdir lpc-bench

failed() { echo "lpc.sh: $*" >&2; sed 's/^/    | /' "$ERRF" | tail -n 20 >&2; exit 1; }

# ------------------------------------------------------------------ project
if [[ -n $TREE ]]; then
    [[ -d $TREE ]] || die "--tree $TREE: not a folder"
    TREE=$(cd "$TREE" && pwd)
    echo "== using project $TREE" >&2
else
    TREE="$WORK/curriculum"
    echo "== generating $LESSONS lessons with ${MB} MiB of media (seed $SEED) in $TREE" >&2
    python3 "$GEN" "$TREE" --lessons "$LESSONS" --mb "$MB" --seed "$SEED" | sed 's/^/  /' >&2 ||
        die "gen-curriculum.py failed"
fi
TREE_FILES=$(dir_files "$TREE")
TREE_BYTES=$(dir_bytes "$TREE")
echo "== project: $TREE_FILES files, $(mib "$TREE_BYTES") MiB; $(nproc) CPUs" >&2
check_load
echo "== warm-up read of the project" >&2
warm "$TREE"

OUT_LPC="$WORK/out.lpk"
OUT_LPACK="$WORK/out2.lpk"

# the parse floor (bench/lpc-floor.c), when it can be built
FLOOR=""
FLOOR_XSD="$here/../schemas/curriculum.xsd"
FLOOR_LIST="$WORK/lessons.txt"
# shellcheck disable=SC2046  # pkg-config prints several words
if command -v "${CC:-cc}" >/dev/null && [[ -f $FLOOR_XSD ]] &&
    pkg-config --exists yaml-0.1 libxml-2.0 2>/dev/null &&
    "${CC:-cc}" -O2 -std=c11 -o "$WORK/lpc-floor" "$here/lpc-floor.c" \
        $(pkg-config --cflags --libs yaml-0.1 libxml-2.0) -pthread 2>"$ERRF"; then
    find "$TREE" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.xml' \) \
        ! -path "$TREE/curriculum.*" | LC_ALL=C sort >"$FLOOR_LIST"
    FLOOR="$WORK/lpc-floor"
else
    echo "lpc.sh: note: no parse floor (needs cc, pkg-config, libyaml-dev, libxml2-dev)" >&2
fi

# the sources must be clean: a check that fails makes every number moot
with_lib "$LPC_LIBDIR" timed "$LPC_EXE" check "$TREE" -q ||
    failed "lpc check $TREE failed (exit $T_RC)"

# ------------------------------------------------------------------ runs
echo "== lpack create, lpc build, lpc check: $RUNS runs each, alternating" >&2
pk_t=(); pk_m=(); pk_c=(); b_t=(); b_m=(); b_c=(); c_t=(); c_m=(); c_c=()
f_t=(); f_c=()
for ((i = 1; i <= RUNS; i++)); do
    rm -f "$OUT_LPACK"
    with_lib "$LPACK_LIBDIR" timed "$LPACK_EXE" create "$TREE" -o "$OUT_LPACK" -q ||
        failed "lpack create failed (exit $T_RC)"
    pk_t+=("$T_SEC"); pk_m+=("$T_KIB"); pk_c+=("$T_CPU")
    log "run $i: lpack create ${T_SEC}s (cpu ${T_CPU}s), peak RSS $(mib $((T_KIB * 1024))) MiB"
    rm -f "$OUT_LPC"
    with_lib "$LPC_LIBDIR" timed "$LPC_EXE" build "$TREE" -o "$OUT_LPC" -q ||
        failed "lpc build failed (exit $T_RC)"
    b_t+=("$T_SEC"); b_m+=("$T_KIB"); b_c+=("$T_CPU")
    log "run $i: lpc build    ${T_SEC}s (cpu ${T_CPU}s), peak RSS $(mib $((T_KIB * 1024))) MiB"
    with_lib "$LPC_LIBDIR" timed "$LPC_EXE" check "$TREE" -q ||
        failed "lpc check failed (exit $T_RC)"
    c_t+=("$T_SEC"); c_m+=("$T_KIB"); c_c+=("$T_CPU")
    log "run $i: lpc check    ${T_SEC}s (cpu ${T_CPU}s), peak RSS $(mib $((T_KIB * 1024))) MiB"
    if [[ -n $FLOOR ]]; then
        timed "$FLOOR" "$FLOOR_XSD" "$(nproc)" <"$FLOOR_LIST" ||
            failed "lpc-floor failed (exit $T_RC)"
        f_t+=("$T_SEC"); f_c+=("$T_CPU")
        log "run $i: parse floor  ${T_SEC}s (cpu ${T_CPU}s)"
    fi
done
PK_TIME=$(median "${pk_t[@]}"); PK_RSS=$(maxof "${pk_m[@]}"); PK_CPU=$(median "${pk_c[@]}")
B_TIME=$(median "${b_t[@]}"); B_RSS=$(maxof "${b_m[@]}"); B_CPU=$(median "${b_c[@]}")
C_TIME=$(median "${c_t[@]}"); C_RSS=$(maxof "${c_m[@]}"); C_CPU=$(median "${c_c[@]}")
F_TIME=""; F_CPU=""
if [[ -n $FLOOR ]]; then F_TIME=$(median "${f_t[@]}"); F_CPU=$(median "${f_c[@]}"); fi
PK_SIZE=$(stat -c %s "$OUT_LPACK"); B_SIZE=$(stat -c %s "$OUT_LPC")

R_BUILD=$(ratio "$B_TIME" "$PK_TIME")
R_CHECK=$(ratio "$C_TIME" "$B_TIME")
B_RSS_MIB=$(mib $((B_RSS * 1024)))
V_BUILD=$(verdict "$R_BUILD" "<=" 1.3)
V_CHECK=$(verdict "$R_CHECK" "<=" 0.25)
V_RSS=$(verdict "$B_RSS_MIB" "<" 256)

echo
echo "lpc benchmark: $LESSONS lessons, $TREE_FILES files, $(mib "$TREE_BYTES") MiB, $(nproc) CPUs, median of $RUNS runs"
printf '  %-14s %9s %9s %12s %12s\n' command "wall s" "cpu s" "peak RSS MiB" "output MiB"
printf '  %-14s %9s %9s %12s %12s\n' "lpack create" "$PK_TIME" "$PK_CPU" "$(mib $((PK_RSS * 1024)))" "$(mib "$PK_SIZE")"
printf '  %-14s %9s %9s %12s %12s\n' "lpc build" "$B_TIME" "$B_CPU" "$B_RSS_MIB" "$(mib "$B_SIZE")"
printf '  %-14s %9s %9s %12s %12s\n' "lpc check" "$C_TIME" "$C_CPU" "$(mib $((C_RSS * 1024)))" "-"
[[ -n $FLOOR ]] && printf '  %-14s %9s %9s %12s %12s\n' "parse floor" "$F_TIME" "$F_CPU" "-" "-"
echo
printf '  %-44s %8s  %s\n' "lpc build / lpack create  (goal <= 1.3)" "$R_BUILD" "$V_BUILD"
printf '  %-44s %8s  %s\n' "lpc check / lpc build     (goal <= 0.25)" "$R_CHECK" "$V_CHECK"
printf '  %-44s %8s  %s\n' "lpc build peak RSS MiB    (goal < 256)" "$B_RSS_MIB" "$V_RSS"
if [[ -n $FLOOR ]]; then
    printf '  %-44s %8s\n' "parse floor / lpc build" "$(ratio "$F_TIME" "$B_TIME")"
    printf '  %-44s %8s\n' "parse floor / lpack create" "$(ratio "$F_TIME" "$PK_TIME")"
    printf '  %-44s %8s\n' "lpc check / parse floor" "$(ratio "$C_TIME" "$F_TIME")"
fi

if [[ -n $RESULTS ]]; then
    {
        echo "lessons=$LESSONS"; echo "tree.files=$TREE_FILES"; echo "tree.bytes=$TREE_BYTES"
        echo "cpus=$(nproc)"; echo "runs=$RUNS"
        echo "lpack.time=$PK_TIME"; echo "lpack.cpu=$PK_CPU"; echo "lpack.rss_kib=$PK_RSS"; echo "lpack.size=$PK_SIZE"
        echo "build.time=$B_TIME"; echo "build.cpu=$B_CPU"; echo "build.rss_kib=$B_RSS"; echo "build.size=$B_SIZE"
        echo "check.time=$C_TIME"; echo "check.cpu=$C_CPU"; echo "check.rss_kib=$C_RSS"
        [[ -n $FLOOR ]] && { echo "floor.time=$F_TIME"; echo "floor.cpu=$F_CPU"; }
        echo "ratio.build_lpack=$R_BUILD"; echo "ratio.check_build=$R_CHECK"
        echo "goal.build=$V_BUILD"; echo "goal.check=$V_CHECK"; echo "goal.rss=$V_RSS"
    } >"$RESULTS"
fi

[[ $V_BUILD = PASS && $V_CHECK = PASS && $V_RSS = PASS ]] || exit 1
exit 0
