#!/usr/bin/env bash
# bench/preview.sh -- how long an author waits with `lpc preview`: from the
# save of a lesson to the new build served, on a generated curriculum
# (bench/gen-curriculum.py) or the example one.  See bench/README.md.
#
# Exit status: 0 done; 1 a build was not served within the limit;
# 2 usage error; 3 setup error.

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROG=preview.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh" || { echo "preview.sh: cannot read $here/lib.sh" >&2; exit 3; }

usage() {
    cat <<'EOF'
usage: bench/preview.sh [options]

Starts lpc preview (with a build cache of its own, warm after the first
build) on a copy of a curriculum project in a temporary folder under /tmp,
then, N times, appends a comment line to one lesson file (a save: the
lesson is checked and compiled again, the package written again) and
measures the wall time from the save to the moment /_lp/build names the
new build and its catalog page has been fetched: what an author waits for
the page to reload.  Prints each time, the median and the maximum, and
the first (cold) build's time.

options:
  --example          the example curriculum (examples/tetum-math: 2 lessons)
  --lessons N        a generated project of N lessons (default 200)
  --mb N             of N MiB of media (default 30)
  --tree DIR         this project instead (a copy is made)
  --edits N          saves measured (default 5)
  --poll             lpc preview --poll (no inotify)
  --lpc PATH         lpc binary (default: $LPC, else ./lpc/lpc or ../lpc/lpc
                     from the current (build) folder, else lpc in PATH)
  --workdir DIR      parent of the temporary folder (default /tmp)
  --keep             keep the temporary folder
  -h, --help         show this help
EOF
}

LESSONS=200 MB=30 TREE="" EXAMPLE=0 EDITS=5 POLL="" LPC_ARG=""
WORKPARENT=/tmp KEEP=0
while [[ $# -gt 0 ]]; do
    case $1 in
    --example) EXAMPLE=1 ;;
    --lessons) need "$@"; isnum "$1" "$2"; LESSONS=$2; shift ;;
    --mb) need "$@"; isnum "$1" "$2"; MB=$2; shift ;;
    --tree) need "$@"; TREE=$2; shift ;;
    --edits) need "$@"; isnum "$1" "$2"; EDITS=$2; shift ;;
    --poll) POLL=--poll ;;
    --lpc) need "$@"; LPC_ARG=$2; shift ;;
    --workdir) need "$@"; WORKPARENT=$2; shift ;;
    --keep) KEEP=1 ;;
    -h|--help) usage; exit 0 ;;
    *) bad_usage "unknown option: $1" ;;
    esac
    shift
done
command -v curl >/dev/null || die "curl is needed"
command -v python3 >/dev/null || die "python3 is needed"
LPC=$(find_bin lpc "$LPC_ARG" "${LPC:-}") || exit 3

PID=""
cleanup() {
    [[ -n $PID ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    remove_work
}
make_workdir lp-preview-bench cleanup

if [[ $EXAMPLE = 1 ]]; then
    cp -R "$here/../examples/tetum-math" "$WORK/proj" || die "no examples/"
elif [[ -n $TREE ]]; then
    cp -R "$TREE" "$WORK/proj" || die "cannot copy $TREE"
else
    log "generating $LESSONS lessons, $MB MiB of media"
    python3 "$here/gen-curriculum.py" "$WORK/proj" --lessons "$LESSONS" \
        --mb "$MB" >/dev/null || die "gen-curriculum.py failed"
fi
chmod -R u+w "$WORK/proj"
lesson=$(find "$WORK/proj" -name '*.yaml' ! -name 'curriculum.yaml' | sort | head -n 1)
[[ -n $lesson ]] || die "no YAML lesson file in the project"

# ms since the epoch
ms() { local t=$EPOCHREALTIME; echo $(( ${t/./} / 1000 )); }
build_no() { curl -s --max-time 10 "$base/_lp/build" 2>/dev/null | tr -d '\n'; }

t0=$(ms)
"$LPC" preview --listen 127.0.0.1:0 --color=never -q $POLL \
    --cache "$WORK/cache" "$WORK/proj" 2>"$WORK/log" &
PID=$!
port=""
for _ in $(seq 600); do
    port=$(sed -n 's/.* on port \([0-9][0-9]*\)$/\1/p' "$WORK/log")
    [[ -n $port ]] && break
    sleep 0.05
done
[[ -n $port ]] || { cat "$WORK/log" >&2; die "lpc preview did not start"; }
base=http://127.0.0.1:$port
# wait_build N: until build N is served (60 s at most)
wait_build() {
    local i
    for i in $(seq 6000); do
        [[ $(build_no) -ge $1 ]] 2>/dev/null && return 0
        sleep 0.01
    done
    return 1
}
wait_build 1 || die "the first build was not served"
t1=$(ms)
cold=$((t1 - t0))
catalog=$(curl -s -o /dev/null -w '%{redirect_url}' "$base/")

times=()
for i in $(seq "$EDITS"); do
    sleep 0.5          # apart from the last build, as saves are
    t0=$(ms)
    printf '# edit %s\n' "$i" >>"$lesson"
    if ! wait_build $((i + 1)); then
        echo "$PROG: build $((i + 1)) was not served" >&2
        exit 1
    fi
    curl -s -o /dev/null "$catalog"
    t1=$(ms)
    times+=($((t1 - t0)))
    log "save $i: $((t1 - t0)) ms"
done
load=$(cut -d' ' -f1 /proc/loadavg)
echo "project: $(find "$WORK/proj" -type f | wc -l) files," \
     "$(du -sm "$WORK/proj" | cut -f1) MiB; ${POLL:-inotify}; load $load"
echo "first build (cold cache), served: $cold ms"
echo "save to new page, $EDITS saves: median $(median "${times[@]}") ms," \
     "max $(maxof "${times[@]}") ms"
