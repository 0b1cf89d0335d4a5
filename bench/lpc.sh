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
folder under /tmp (or uses --tree DIR: a copy is made, as one lesson is
edited), then measures, alternating, with the median of N runs, the CPU
seconds and the peak RSS from /usr/bin/time:
  1. lpack create DIR -o out2.lpk
  2. lpc build DIR -o out.lpk --no-cache         (cold, no cache)
  3. lpc check DIR --no-cache                    (cold)
  4. lpc build DIR -o out.lpk --cache EMPTY      (cold, filling a cache)
  5. lpc build DIR -o out.lpk --cache C          (nothing changed)
  6. lpc check DIR --cache C                     (nothing changed)
  7. one lesson edited, then lpc check and lpc build with --cache C
  8. the package write alone: dd of out.lpk to a new file, fsynced
and prints the ratios and PASS/FAIL against the goals (issue 14):
  one lesson edited: lpc build <= 0.5 x lpack create, lpc check < 60 ms;
  nothing changed: lpc build < 50 ms + the package write (8);
  cold: lpc check <= 1.5 x the parse floor, lpc build <= 1.6 x lpack create;
  peak RSS of every lpc run < 256 MiB.
Every package built with the cache is compared byte for byte with a
--no-cache build of the same sources.
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
    echo "== using a copy of project $TREE (one lesson is edited)" >&2
    cp -R "$TREE" "$WORK/curriculum" || die "cannot copy $TREE"
    TREE="$WORK/curriculum"
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
with_lib "$LPC_LIBDIR" timed "$LPC_EXE" check "$TREE" -q --no-cache ||
    failed "lpc check $TREE failed (exit $T_RC)"

# ------------------------------------------------------------------ runs
CACHE="$WORK/cache"
COLD_CACHE="$WORK/cold-cache"
OUT_CLEAN="$WORK/clean.lpk"
WRITE_COPY="$WORK/write.lpk"
# the lesson edited in step 7: one in the middle of the curriculum
EDIT=$(sed -n 's/^ *src: "\(.*\)"$/\1/p; s/^ *- lesson: {src: \(.*\)}$/\1/p' \
       "$TREE/curriculum.yaml" 2>/dev/null | grep -E '\.(yaml|yml|xml)$' |
       awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}')
[[ -n $EDIT && -f $TREE/$EDIT ]] || die "cannot find a lesson to edit in $TREE/curriculum.yaml"
cp "$TREE/$EDIT" "$WORK/edit.orig"
lpc_timed() { with_lib "$LPC_LIBDIR" timed "$LPC_EXE" "$@"; }
# edit_lesson N: a word of a text of the lesson changed, a different one
# each run (a title, a paragraph: never a key, an id or a reference)
edit_lesson() {
    awk -v n="$1" '
    !done && (/^ *- "/ || /^ *(tet|pt|en|fr|h1|h2|h3): "/ || /<p>[^<]*[A-Za-z]/) {
        i = index($0, "\""); if (i == 0) i = index($0, "<p>") + 2
        head = substr($0, 1, i); tail = substr($0, i + 1)
        if (match(tail, /[A-Za-z][A-Za-z][A-Za-z][A-Za-z][A-Za-z][A-Za-z]+/)) {
            $0 = head substr(tail, 1, RSTART - 1) "Edited" n substr(tail, RSTART + RLENGTH)
            done = 1
        }
    }
    { print }
    END { if (!done) exit 1 }' "$WORK/edit.orig" >"$TREE/$EDIT" ||
        die "cannot edit $EDIT"
}
same_as_clean() {  # PACKAGE WHAT: compare with a --no-cache build of the tree now
    with_lib "$LPC_LIBDIR" "$LPC_EXE" build "$TREE" -o "$OUT_CLEAN" -q --no-cache \
        2>"$ERRF" || failed "lpc build --no-cache failed"
    cmp -s "$1" "$OUT_CLEAN" || { echo "lpc.sh: $2: the package differs from a --no-cache build" >&2; exit 1; }
}
declare -A T C M
add() {  # KEY: record T_SEC, T_CPU, T_KIB under KEY
    T[$1]="${T[$1]:-} $T_SEC"; C[$1]="${C[$1]:-} $T_CPU"; M[$1]="${M[$1]:-} $T_KIB"
}
echo "== $RUNS runs, alternating: lpack create; cold lpc build, check (no cache);" >&2
echo "   lpc build filling an empty cache; nothing changed: build, check;" >&2
echo "   one lesson edited: check, build; the package write alone" >&2
for ((i = 1; i <= RUNS; i++)); do
    cp "$WORK/edit.orig" "$TREE/$EDIT"
    rm -f "$OUT_LPACK"
    with_lib "$LPACK_LIBDIR" timed "$LPACK_EXE" create "$TREE" -o "$OUT_LPACK" -q ||
        failed "lpack create failed (exit $T_RC)"
    add create; log "run $i: lpack create          ${T_SEC}s (cpu ${T_CPU}s)"
    rm -f "$OUT_LPC"
    lpc_timed build "$TREE" -o "$OUT_LPC" -q --no-cache || failed "lpc build failed (exit $T_RC)"
    add build; log "run $i: lpc build, no cache   ${T_SEC}s (cpu ${T_CPU}s)"
    cp "$OUT_LPC" "$OUT_CLEAN"
    lpc_timed check "$TREE" -q --no-cache || failed "lpc check failed (exit $T_RC)"
    add check; log "run $i: lpc check, no cache   ${T_SEC}s (cpu ${T_CPU}s)"
    if [[ -n $FLOOR ]]; then
        timed "$FLOOR" "$FLOOR_XSD" "$(nproc)" <"$FLOOR_LIST" ||
            failed "lpc-floor failed (exit $T_RC)"
        add floor; log "run $i: parse floor           ${T_SEC}s (cpu ${T_CPU}s)"
    fi
    rm -rf "$COLD_CACHE" "$OUT_LPC"
    lpc_timed build "$TREE" -o "$OUT_LPC" -q --cache "$COLD_CACHE" ||
        failed "lpc build --cache failed (exit $T_RC)"
    add fill; log "run $i: lpc build, empty cache ${T_SEC}s (cpu ${T_CPU}s)"
    cmp -s "$OUT_LPC" "$OUT_CLEAN" || { echo "lpc.sh: the package built into an empty cache differs" >&2; exit 1; }
    # the warm cache: filled once, before the first run's warm steps
    if ((i == 1)); then
        rm -rf "$CACHE"
        with_lib "$LPC_LIBDIR" "$LPC_EXE" build "$TREE" -o "$OUT_LPC" -q --cache "$CACHE" 2>"$ERRF" ||
            failed "lpc build --cache failed"
    fi
    rm -f "$OUT_LPC"
    lpc_timed build "$TREE" -o "$OUT_LPC" -q --cache "$CACHE" || failed "lpc build failed (exit $T_RC)"
    add same; log "run $i: lpc build, unchanged ${T_SEC}s (cpu ${T_CPU}s)"
    cmp -s "$OUT_LPC" "$OUT_CLEAN" || { echo "lpc.sh: the package built from the cache differs" >&2; exit 1; }
    lpc_timed check "$TREE" -q --cache "$CACHE" || failed "lpc check failed (exit $T_RC)"
    add wcheck; log "run $i: lpc check, unchanged ${T_SEC}s (cpu ${T_CPU}s)"
    edit_lesson "$i"
    lpc_timed check "$TREE" -q --cache "$CACHE" || failed "lpc check failed (exit $T_RC)"
    add echeck; log "run $i: lpc check, 1 edited  ${T_SEC}s (cpu ${T_CPU}s)"
    rm -f "$OUT_LPC"
    lpc_timed build "$TREE" -o "$OUT_LPC" -q --cache "$CACHE" || failed "lpc build failed (exit $T_RC)"
    add ebuild; log "run $i: lpc build, 1 edited  ${T_SEC}s (cpu ${T_CPU}s)"
    ((i == 1)) && same_as_clean "$OUT_LPC" "one lesson edited"
    rm -f "$WRITE_COPY"
    timed dd if="$OUT_LPC" of="$WRITE_COPY" bs=1M conv=fsync status=none ||
        failed "dd failed"
    add write; log "run $i: package write (dd)    ${T_SEC}s"
done
cp "$WORK/edit.orig" "$TREE/$EDIT"
med() { median ${T[$1]}; }
cpu() { median ${C[$1]}; }
rss() { maxof ${M[$1]}; }
PK_SIZE=$(stat -c %s "$OUT_LPACK"); B_SIZE=$(stat -c %s "$OUT_CLEAN")
LPC_RSS=0
for k in build check fill same wcheck echeck ebuild; do
    r=$(rss $k); ((r > LPC_RSS)) && LPC_RSS=$r
done
LPC_RSS_MIB=$(mib $((LPC_RSS * 1024)))
R_EDIT=$(ratio "$(med ebuild)" "$(med create)")
ECHECK_MS=$(awk -v t="$(med echeck)" 'BEGIN { printf "%.0f", t * 1000 }')
WCHECK_MS=$(awk -v t="$(med wcheck)" 'BEGIN { printf "%.0f", t * 1000 }')
SAME_MS=$(awk -v t="$(med same)" -v w="$(med write)" 'BEGIN { printf "%.0f", (t - w) * 1000 }')
R_COLD_BUILD=$(ratio "$(med build)" "$(med create)")
R_COLD_CHECK=""; [[ -n $FLOOR ]] && R_COLD_CHECK=$(ratio "$(med check)" "$(med floor)")
V_EDIT=$(verdict "$R_EDIT" "<=" 0.5)
V_ECHECK=$(verdict "$ECHECK_MS" "<" 60)
V_WCHECK=$(verdict "$WCHECK_MS" "<" 60)
V_SAME=$(verdict "$SAME_MS" "<" 50)
V_COLD_CHECK=$(verdict "$R_COLD_CHECK" "<=" 1.5)
V_COLD_BUILD=$(verdict "$R_COLD_BUILD" "<=" 1.6)
V_RSS=$(verdict "$LPC_RSS_MIB" "<" 256)

echo
echo "lpc benchmark: $LESSONS lessons, $TREE_FILES files, $(mib "$TREE_BYTES") MiB, $(nproc) CPUs, median of $RUNS runs"
echo "  load average: $LOAD0 at start, $(cut -d' ' -f1 /proc/loadavg) at end (above 0.5: times are noisy; cpu s hold up better)"
printf '  %-34s %9s %9s %12s\n' command "wall s" "cpu s" "peak RSS MiB"
row() { printf '  %-34s %9s %9s %12s\n' "$1" "$(med "$2")" "$(cpu "$2")" "$3"; }
row "lpack create" create "$(mib $(($(rss create) * 1024)))"
row "lpc build, no cache (cold)" build "$(mib $(($(rss build) * 1024)))"
row "lpc check, no cache (cold)" check "$(mib $(($(rss check) * 1024)))"
[[ -n $FLOOR ]] && row "parse floor" floor "-"
row "lpc build, empty cache" fill "$(mib $(($(rss fill) * 1024)))"
row "lpc build, nothing changed" same "$(mib $(($(rss same) * 1024)))"
row "lpc check, nothing changed" wcheck "$(mib $(($(rss wcheck) * 1024)))"
row "lpc check, one lesson edited" echeck "$(mib $(($(rss echeck) * 1024)))"
row "lpc build, one lesson edited" ebuild "$(mib $(($(rss ebuild) * 1024)))"
row "package write (dd, fsync)" write "-"
echo "  package: $(mib "$B_SIZE") MiB (lpack create: $(mib "$PK_SIZE") MiB); cached builds byte-identical to --no-cache"
echo
printf '  %-56s %8s  %s\n' "one lesson edited: build / lpack create   (goal <= 0.5)" "$R_EDIT" "$V_EDIT"
printf '  %-56s %8s  %s\n' "one lesson edited: lpc check, ms          (goal < 60)" "$ECHECK_MS" "$V_ECHECK"
printf '  %-56s %8s  %s\n' "nothing changed: lpc check, ms            (goal < 60)" "$WCHECK_MS" "$V_WCHECK"
printf '  %-56s %8s  %s\n' "nothing changed: build - package write, ms (goal < 50)" "$SAME_MS" "$V_SAME"
printf '  %-56s %8s  %s\n' "cold: lpc check / parse floor             (goal <= 1.5)" "${R_COLD_CHECK:-n/a}" "$V_COLD_CHECK"
printf '  %-56s %8s  %s\n' "cold: lpc build / lpack create            (goal <= 1.6)" "$R_COLD_BUILD" "$V_COLD_BUILD"
printf '  %-56s %8s  %s\n' "peak RSS of any lpc run, MiB              (goal < 256)" "$LPC_RSS_MIB" "$V_RSS"
printf '  %-56s %8s\n' "empty cache: build / lpack create" "$(ratio "$(med fill)" "$(med create)")"
printf '  %-56s %8s\n' "cold: lpc check / lpc build (issue 3)" "$(ratio "$(med check)" "$(med build)")"
if [[ -n $FLOOR ]]; then
    printf '  %-56s %8s\n' "parse floor / lpack create" "$(ratio "$(med floor)" "$(med create)")"
fi

if [[ -n $RESULTS ]]; then
    {
        echo "lessons=$LESSONS"; echo "tree.files=$TREE_FILES"; echo "tree.bytes=$TREE_BYTES"
        echo "cpus=$(nproc)"; echo "runs=$RUNS"; echo "load.start=$LOAD0"
        echo "load.end=$(cut -d' ' -f1 /proc/loadavg)"
        for k in create build check floor fill same wcheck echeck ebuild write; do
            [[ -n ${T[$k]:-} ]] || continue
            echo "$k.time=$(med $k)"; echo "$k.cpu=$(cpu $k)"; echo "$k.rss_kib=$(rss $k)"
        done
        echo "lpack.size=$PK_SIZE"; echo "build.size=$B_SIZE"
        echo "ratio.edit_build_lpack=$R_EDIT"; echo "edit_check.ms=$ECHECK_MS"
        echo "same_check.ms=$WCHECK_MS"; echo "same_build_minus_write.ms=$SAME_MS"
        echo "ratio.cold_check_floor=${R_COLD_CHECK:-n/a}"; echo "ratio.cold_build_lpack=$R_COLD_BUILD"
        echo "goal.edit_build=$V_EDIT"; echo "goal.edit_check=$V_ECHECK"; echo "goal.same_check=$V_WCHECK"
        echo "goal.same_build=$V_SAME"; echo "goal.cold_check=$V_COLD_CHECK"
        echo "goal.cold_build=$V_COLD_BUILD"; echo "goal.rss=$V_RSS"
    } >"$RESULTS"
fi

for v in "$V_EDIT" "$V_ECHECK" "$V_WCHECK" "$V_SAME" "$V_COLD_CHECK" "$V_COLD_BUILD" "$V_RSS"; do
    [[ $v = FAIL ]] && exit 1
done
exit 0
