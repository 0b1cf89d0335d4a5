#!/bin/sh
# delta-kill.sh - 'lpack apply' and 'lpack delta' killed with SIGKILL at
# points spread over their run: the old package stays byte for byte as it
# was, and the output is either absent or complete (byte for byte the real
# new package or delta), never partial under its final name; with -o naming
# the old package itself, it is the old or the new package, nothing else.
# Temporary files (NAME.tmp-XXXX) may stay after a kill: they are counted.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

ASAN_OPTIONS=${ASAN_OPTIONS-detect_leaks=1:abort_on_error=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS
command -v python3 >/dev/null 2>&1 || bail_out "python3 is needed"
SOURCE_DATE_EPOCH=1790000000
export SOURCE_DATE_EPOCH
points=10

# ~25 MB of mixed files, the same on every machine: random media, texts
# with much in common; release 2 edits texts, replaces and adds media
python3 - "$tmp" <<'EOF' || bail_out "cannot make the test trees"
import os, random, sys
top = sys.argv[1]
r = random.Random(7)
words = ("lisaun numeru sira aprende matematika eskola profesór alunu "
         "livru pájina ezersísiu lian tetun portugés sala aula").split()
def text(n):
    return "\n".join(" ".join(r.choice(words) for _ in range(12))
                     for _ in range(n)).encode() + b"\n"
for rel in ("old", "new"):
    os.makedirs(os.path.join(top, rel, "media"))
    os.makedirs(os.path.join(top, rel, "text"))
files = {}
for i in range(8):
    files["media/clip%d.bin" % i] = r.randbytes(2 * 1024 * 1024)
for i in range(150):
    files["text/lesson%03d.txt" % i] = text(400)
old = dict(files)
new = dict(files)
for i in range(0, 150, 7):
    new["text/lesson%03d.txt" % i] = files["text/lesson%03d.txt" % i] + \
        text(20)
new["media/clip3.bin"] = r.randbytes(2 * 1024 * 1024)
new["media/clip8.bin"] = r.randbytes(3 * 1024 * 1024)
del new["text/lesson010.txt"]
for rel, tree in (("old", old), ("new", new)):
    for path, data in tree.items():
        with open(os.path.join(top, rel, path), "wb") as f:
            f.write(data)
EOF
for v in old:1 new:2; do
    "$LPACK" create -q "$tmp/${v%:*}" -o "$tmp/${v%:*}.lpk" --id t.kill \
        --release "${v#*:}" >"$out" 2>"$err" ||
        bail_out "lpack create failed: $(cat "$err")"
done
cp "$tmp/old.lpk" "$tmp/pristine.lpk"
diag "old.lpk $(wc -c <"$tmp/old.lpk") bytes, new.lpk" \
    "$(wc -c <"$tmp/new.lpk") bytes"

# timed CMD...: run CMD (status in $status), its wall time in seconds (3
# decimals) in $secs
timed() {
    _t0=$(date +%s.%N)
    "$@" >"$out" 2>"$err"
    status=$?
    _t1=$(date +%s.%N)
    secs=$(awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.3f\n", b - a }')
}

# the reference delta and result, and how long each takes
# (level 3: level 19 takes seconds; how the delta is made is not the point)
timed "$LPACK" delta -l 3 "$tmp/old.lpk" "$tmp/new.lpk" -o "$tmp/ref.lpd"
t_delta=$secs
check "lpack delta: exit 0 (${t_delta} s)" test "$status" = 0
mkdir "$tmp/ref"
timed "$LPACK" apply -q "$tmp/old.lpk" "$tmp/ref.lpd" -o "$tmp/ref/new.lpk"
t_apply=$secs
check "lpack apply: exit 0 (${t_apply} s)" test "$status" = 0
check '  the new package byte for byte' cmp -s "$tmp/ref/new.lpk" \
    "$tmp/new.lpk"
diag "delta $(wc -c <"$tmp/ref.lpd") bytes; delta ${t_delta} s," \
    "apply ${t_apply} s"

# --max-window below what this delta needs: refused before writing
mkdir "$tmp/win"
need=$(sed -n 's/^window //p' "$tmp/ref.lpd" | head -n 1)
if [ "${need:-0}" -gt 4194304 ]; then
    expect_exit 1 "$LPACK" apply --max-window 4M "$tmp/old.lpk" \
        "$tmp/ref.lpd" -o "$tmp/win/new.lpk"
    check "  says it needs $need bytes, 4194304 allowed; nothing written" \
        sh -c 'grep -q "needs $1 bytes of memory" "$2" &&
               [ -z "$(ls -A "$3")" ]' sh "$need" "$err" "$tmp/win"
else
    skip '--max-window 4M refused' "the delta needs only $need bytes"
    skip '  nothing written' "the delta needs only $need bytes"
fi

# kill_at SECONDS CMD...: start CMD, SIGKILL it after SECONDS (if still
# running); $status: its exit status (137 when killed)
kill_at() {
    _d=$1
    shift
    "$@" >"$out" 2>"$err" &
    _pid=$!
    sleep "$_d"
    kill -9 "$_pid" 2>/dev/null
    # (braces: the shell's "Killed" report goes to /dev/null too)
    { wait "$_pid"; } 2>/dev/null
    status=$?
}

# temp_files DIR NAME: temporary files of NAME left in DIR, removed (so
# each kill starts clean); their number on stdout
temp_files() {
    _n=$(find "$1" -name "$2.*" | wc -l)
    find "$1" -name "$2.*" -exec rm -f {} +
    echo $((_n + 0))
}

# delay K TOTAL: the K-th of $points points spread over TOTAL seconds
delay() {
    awk -v k="$1" -v t="$2" -v n="$points" \
        'BEGIN { printf "%.3f\n", t * k / (n + 1) }'
}

# ---------------------------------------------------------- apply to NEW
mkdir "$tmp/k"
killed=0 left=0 complete=0
k=1
while [ $k -le $points ]; do
    d=$(delay $k "$t_apply")
    rm -f "$tmp/k/new.lpk"
    kill_at "$d" "$LPACK" apply -q "$tmp/old.lpk" "$tmp/ref.lpd" \
        -o "$tmp/k/new.lpk"
    [ "$status" = 137 ] && killed=$((killed + 1))
    [ -e "$tmp/k/new.lpk" ] && complete=$((complete + 1))
    check "apply killed after ${d} s (exit $status): OLD unchanged, NEW absent or complete" \
        sh -c '
        cmp -s "$1/old.lpk" "$1/pristine.lpk" &&
        { [ ! -e "$1/k/new.lpk" ] || cmp -s "$1/k/new.lpk" "$1/new.lpk"; }' \
        sh "$tmp"
    left=$((left + $(temp_files "$tmp/k" new.lpk)))
    k=$((k + 1))
done
diag "apply: $killed of $points runs killed, $complete had finished," \
    "$left temporary files left behind"

# ---------------------------------------------------------- -o OLD itself
mkdir "$tmp/ip"
cp "$tmp/pristine.lpk" "$tmp/ip/old.lpk"
killed=0 left=0 replaced=0
k=1
while [ $k -le $points ]; do
    d=$(delay $k "$t_apply")
    kill_at "$d" "$LPACK" apply -q "$tmp/ip/old.lpk" "$tmp/ref.lpd" \
        -o "$tmp/ip/old.lpk"
    [ "$status" = 137 ] && killed=$((killed + 1))
    check "apply -o OLD killed after ${d} s (exit $status): OLD is the old or the new package" \
        sh -c '
        cmp -s "$1/ip/old.lpk" "$1/pristine.lpk" ||
        cmp -s "$1/ip/old.lpk" "$1/new.lpk"' sh "$tmp"
    if cmp -s "$tmp/ip/old.lpk" "$tmp/new.lpk"; then
        replaced=$((replaced + 1))
        cp "$tmp/pristine.lpk" "$tmp/ip/old.lpk"
    fi
    left=$((left + $(temp_files "$tmp/ip" old.lpk)))
    k=$((k + 1))
done
check '  nothing else in its folder' test "$(ls -A "$tmp/ip")" = old.lpk
diag "apply -o OLD: $killed of $points runs killed, $replaced had replaced" \
    "it, $left temporary files left behind"

# ---------------------------------------------------------- a chain
# two links: OLD -> NEW -> NEW again is not possible, so the same delta
# chained after a reverse one: NEW -> OLD -> NEW
timed "$LPACK" delta -l 3 "$tmp/new.lpk" "$tmp/old.lpk" -o "$tmp/rev.lpd"
t_rev=$secs
check "reverse delta made (${t_rev} s)" test "$status" = 0
mkdir "$tmp/ch"
timed "$LPACK" apply -q "$tmp/new.lpk" "$tmp/rev.lpd" "$tmp/ref.lpd" \
    -o "$tmp/ch/new.lpk"
t_chain=$secs
check "chain NEW -> OLD -> NEW applies (${t_chain} s)" sh -c '
    [ "$1" = 0 ] && cmp -s "$2/ch/new.lpk" "$2/new.lpk"' sh "$status" "$tmp"
rm -f "$tmp/ch/new.lpk"
left=0
for k in 2 5 8; do
    d=$(delay $k "$t_chain")
    kill_at "$d" "$LPACK" apply -q "$tmp/new.lpk" "$tmp/rev.lpd" \
        "$tmp/ref.lpd" -o "$tmp/ch/new.lpk"
    check "chain killed after ${d} s (exit $status): NEW absent or complete" \
        sh -c '[ ! -e "$1/ch/new.lpk" ] || cmp -s "$1/ch/new.lpk" "$1/new.lpk"' \
        sh "$tmp"
    rm -f "$tmp/ch/new.lpk"
    left=$((left + $(temp_files "$tmp/ch" new.lpk)))
done
diag "chain: $left temporary or intermediate files left behind"

# ---------------------------------------------------------- lpack delta
mkdir "$tmp/kd"
killed=0 left=0
for k in 1 3 5 7 9 10; do
    d=$(delay $k "$t_delta")
    rm -f "$tmp/kd/d.lpd"
    kill_at "$d" "$LPACK" delta -l 3 "$tmp/old.lpk" "$tmp/new.lpk" \
        -o "$tmp/kd/d.lpd"
    [ "$status" = 137 ] && killed=$((killed + 1))
    check "delta killed after ${d} s (exit $status): no partial delta" \
        sh -c '[ ! -e "$1/kd/d.lpd" ] || cmp -s "$1/kd/d.lpd" "$1/ref.lpd"' \
        sh "$tmp"
    left=$((left + $(temp_files "$tmp/kd" d.lpd)))
done
diag "delta: $killed of 6 runs killed, $left temporary files left behind"
check 'old.lpk and new.lpk unchanged by all of it' sh -c '
    cmp -s "$1/old.lpk" "$1/pristine.lpk"' sh "$tmp"
done_testing
