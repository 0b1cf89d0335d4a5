#!/usr/bin/env bash
# bench/update.sh -- the update path of issue 11, measured: lpack publish
# against lpack delta alone, and lpack update over HTTP with the link cut
# every 64 KiB (tests/cli/httpd.py on 127.0.0.1), on a generated release
# pair (bench/gen-release-pair.py) and on the real pair in ../shared/corpus.
#
# Goals (PASS/FAIL per pair):
#   plan     the plan's bytes equal the smallest way: min(delta, package)
#   wire     bytes sent under the cuts <= 1.05 x the plan's bytes
#   rss      update's peak RSS <= 64 MiB + the delta's apply window
#   publish  lpack publish (copy, check, index, signing, one delta) <= 2 x
#            lpack delta alone on the same pair
#
# Exit status: 0 every goal passed; 1 a goal failed; 2 usage; 3 setup.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
quick=0 pairs="" corpus="$top/../shared/corpus/openstax-college-physics"
lpack=${LPACK:-} workdir=/tmp keep=0 mb=300 lessons=2000

usage() {
    cat <<'EOF'
usage: bench/update.sh [--quick] [--pair generated|real|both] [--corpus DIR]
                       [--lpack PATH] [--workdir DIR] [--keep]

  --quick          a small generated pair (200 lessons, 30 MiB of media)
  --pair P         which pairs (default: both when the corpus is there)
  --corpus DIR     the real pair: DIR/v1 and DIR/v2
  --lpack PATH     the lpack binary (default: $LPACK, ./lpack/lpack, _build)
EOF
}
while [[ $# -gt 0 ]]; do
    case $1 in
    --quick) quick=1; mb=30; lessons=200 ;;
    --pair) pairs=$2; shift ;;
    --corpus) corpus=$2; shift ;;
    --lpack) lpack=$2; shift ;;
    --workdir) workdir=$2; shift ;;
    --keep) keep=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
    shift
done
for c in "$lpack" ./lpack/lpack "$top/_build/lpack/lpack"; do
    [[ -n $c && -x $c ]] && { lpack=$(cd "$(dirname "$c")" && pwd)/$(basename "$c"); break; }
done
[[ -x $lpack ]] || { echo "update.sh: no lpack binary (--lpack)" >&2; exit 3; }
[[ -x /usr/bin/time ]] || { echo "update.sh: needs /usr/bin/time (Debian: time)" >&2; exit 3; }
# a worktree (../wt/NAME) has the shared folder two levels up
[[ -d $corpus ]] || [[ ! -d $top/../../shared/corpus/openstax-college-physics ]] ||
    corpus=$(cd "$top/../../shared/corpus/openstax-college-physics" && pwd)
if [[ -z $pairs ]]; then
    [[ -d $corpus/v1 ]] && pairs=both || pairs=generated
fi
work=$(mktemp -d "$workdir/lp-bench-update.XXXXXX") || exit 3
srv=""
cleanup() {
    [[ -n $srv ]] && kill "$srv" 2>/dev/null
    if [[ $keep = 1 ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
failed=0

secs() { /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/out" 2>"$work/err"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b ? a / b : 0 }'; }
verdict() { if awk "BEGIN { exit !($1) }"; then echo PASS; else echo FAIL; failed=1; fi; }

echo "lpack: $lpack ($("$lpack" --version 2>/dev/null | head -n 1)); $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$lpack" keygen -q -p "$work/k.pub" -s "$work/k.key" --no-passphrase || exit 3
printf 'lp-trust 1\nthreshold 1\nkey %s - - bench\n' "$(sed -n 2p "$work/k.pub")" >"$work/trust"

bench_pair() {   # NAME OLD-TREE NEW-TREE
    local name=$1 old=$2 new=$3 d="$work/$1"
    mkdir -p "$d"
    echo "== $name: $(du -sh "$old" | cut -f1) -> $(du -sh "$new" | cut -f1)" >&2
    SOURCE_DATE_EPOCH=1700000000 "$lpack" create -q "$old" -o "$d/r1.lpk" --id bench.$name --release 1 || exit 3
    SOURCE_DATE_EPOCH=1700086400 "$lpack" create -q "$new" -o "$d/r2.lpk" --id bench.$name --release 2 || exit 3
    "$lpack" sign -q "$d/r1.lpk" -s "$work/k.key" && "$lpack" sign -q "$d/r2.lpk" -s "$work/k.key" || exit 3
    cat "$d"/r*.lpk >/dev/null
    secs "$lpack" delta "$d/r1.lpk" "$d/r2.lpk" -o "$d/alone.lpd" || { cat "$work/err" >&2; exit 3; }
    read -r t_delta _ <"$work/time"
    "$lpack" publish -q "$d/repo" "$d/r1.lpk" -s "$work/k.key" --valid-for 3650 || exit 3
    secs "$lpack" publish -q "$d/repo" "$d/r2.lpk" -s "$work/k.key" --deltas 1 --valid-for 3650 || { cat "$work/err" >&2; exit 3; }
    read -r t_pub _ <"$work/time"
    local dsize full window
    dsize=$(awk '$1 == "delta" { print $4 }' "$d/repo/index")
    full=$(stat -c %s "$d/r2.lpk")
    # the memory apply needs to decode this delta (lpack info --json:
    # window_bytes); no figure is no goal: stop rather than compare with 0
    window=$("$lpack" info --json "$d/alone.lpd" | python3 -c 'import json,sys; print(json.load(sys.stdin)["window_bytes"])') ||
        { echo "update.sh: no window_bytes in lpack info --json" >&2; exit 3; }
    # the server, cutting every 64 KiB
    rm -f "$d/port"
    echo '{"cut_every": 65536, "paths": "files/"}' >"$d/control"
    python3 "$top/tests/cli/httpd.py" "$d/repo" "$d/control" "$d/port" "$d/wire.log" 2>/dev/null &
    srv=$!
    for _ in $(seq 100); do [[ -s $d/port ]] && break; sleep 0.1; done
    cp "$d/r1.lpk" "$d/hub.lpk"
    secs "$lpack" update "$d/hub.lpk" --from "http://127.0.0.1:$(cat "$d/port")" \
        --trust "$work/trust" --state "$d/state" --json || { cat "$work/err" "$work/out" >&2; failed=1; }
    read -r t_upd rss <"$work/time"
    kill "$srv"; wait "$srv" 2>/dev/null; srv=""
    cmp -s "$d/hub.lpk" "$d/r2.lpk" || { echo "update.sh: $name: the hub is not release 2" >&2; failed=1; }
    local plan wire pieces smallest
    plan=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["plan_bytes"])' "$work/out")
    wire=$(awk '/files\// { n += $2 } END { print n + 0 }' "$d/wire.log")
    pieces=$(grep -c files/ "$d/wire.log")
    smallest=$(( dsize < full ? dsize : full ))
    printf '%s\n' \
        "  delta alone:   $t_delta s ($dsize bytes; package $full bytes)" \
        "  publish:       $t_pub s = $(ratio "$t_pub" "$t_delta") x delta    goal <= 2      $(verdict "$t_pub <= 2 * $t_delta")" \
        "  plan:          $plan bytes; smallest way $smallest                $(verdict "$plan == $smallest")" \
        "  on the wire:   $wire bytes in $pieces pieces = $(ratio "$wire" "$plan") x plan  goal <= 1.05   $(verdict "$wire <= 1.05 * $plan")" \
        "  update:        $t_upd s, peak RSS $((rss / 1024)) MiB; goal <= 64 MiB + window $((window / 1048576)) MiB ($window bytes)  $(verdict "$rss * 1024 <= 67108864 + $window")" \
        "  load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
}

if [[ $pairs = generated || $pairs = both ]]; then
    args=(--lessons "$lessons" --mb "$mb")
    python3 "$here/gen-release-pair.py" "$work/gen" "${args[@]}" >/dev/null || exit 3
    bench_pair generated "$work/gen/OLD" "$work/gen/NEW"
fi
if [[ $pairs = real || $pairs = both ]]; then
    [[ -d $corpus/v1 && -d $corpus/v2 ]] || { echo "update.sh: no corpus in $corpus" >&2; exit 3; }
    bench_pair real "$corpus/v1" "$corpus/v2"
fi
exit $failed
