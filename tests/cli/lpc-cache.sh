#!/bin/sh
# lpc's build cache (lpc(1), CACHE): after each of many random edits of a
# curriculum (lessons and media edited, added, deleted, renamed; the
# curriculum file changed), lpc build and lpc check with the cache give
# what a clean --no-cache run gives: the same exit status, the same
# diagnostics, the same package byte for byte.  Then: damaged entries are
# ignored and rebuilt, two builds share one cache at the same time, and
# the size limit holds.  The edits come from a fixed seed (LP_CACHE_SEED
# to try another), printed first.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

LPC=${LPC:-$top_builddir/lpc/lpc}
[ -x "$LPC" ] || bail_out "LPC='$LPC' is not an executable program"
STEPS=${LP_CACHE_STEPS:-30}
SEED=${LP_CACHE_SEED:-20261207}
plan $((STEPS * 2 + 16))
if ! command -v python3 >/dev/null 2>&1; then
    for i in $(seq $((STEPS * 2 + 16))); do
        skip "build cache test $i" "no python3"
    done
    done_testing
fi
diag "seed $SEED, $STEPS steps (LP_CACHE_SEED, LP_CACHE_STEPS)"
edits=$top_srcdir/tests/cli/cache_edits.py
cache=$tmp/cache
proj=$tmp/proj
python3 "$top_srcdir/bench/gen-curriculum.py" "$tmp/orig" --lessons 100 \
    --mb 2 --seed 5 >/dev/null || bail_out "gen-curriculum.py failed"
cp -R "$tmp/orig" "$proj"

# same_check NAME: lpc check with and without the cache says the same
same_check() {
    "$LPC" check "$proj" --cache "$cache" --color=never >"$tmp/with.out" \
        2>"$tmp/with.err"
    _s1=$?
    "$LPC" check "$proj" --no-cache --color=never >"$tmp/clean.out" \
        2>"$tmp/clean.err"
    _s2=$?
    if [ "$_s1" -eq "$_s2" ] && cmp -s "$tmp/with.err" "$tmp/clean.err" &&
       cmp -s "$tmp/with.out" "$tmp/clean.out"; then
        ok "$1"
    else
        not_ok "$1" "exit $_s1 with the cache, $_s2 without"
        diff "$tmp/with.err" "$tmp/clean.err" | head -n 10 | sed 's/^/# /'
    fi
}

build_same() {
    "$LPC" build "$proj" -o "$tmp/with.lpk" --cache "$cache" -q \
        2>"$tmp/with.err" &&
    "$LPC" build "$proj" -o "$tmp/clean.lpk" --no-cache -q 2>/dev/null &&
    cmp -s "$tmp/with.lpk" "$tmp/clean.lpk"
}

# ------------------------------------------------------------ edits
for step in $(seq "$STEPS"); do
    what=$(python3 "$edits" "$proj" "$tmp/orig" "$SEED" "$step") ||
        bail_out "cache_edits.py failed at step $step"
    # build's -o is given by same_run
    rm -f "$tmp/with.lpk"
    "$LPC" build "$proj" -o "$tmp/with.lpk" --cache "$cache" \
        --color=never >"$tmp/with.out" 2>"$tmp/with.err"
    s1=$?
    "$LPC" build "$proj" -o "$tmp/clean.lpk" --no-cache --color=never \
        >"$tmp/clean.out" 2>"$tmp/clean.err"
    s2=$?
    if [ "$s1" -ne "$s2" ]; then
        not_ok "step $step ($what): build" "exit $s1 with the cache, $s2 without"
        diag "$(head -n 5 "$tmp/with.err")"
    elif ! cmp -s "$tmp/with.err" "$tmp/clean.err"; then
        not_ok "step $step ($what): build" "the diagnostics differ"
        diff "$tmp/with.err" "$tmp/clean.err" | head -n 10 | sed 's/^/# /'
    elif [ "$s1" -eq 0 ] && ! cmp -s "$tmp/with.lpk" "$tmp/clean.lpk"; then
        not_ok "step $step ($what): build" "the packages differ"
    else
        ok "step $step ($what): build, exit $s1"
    fi
    rm -f "$tmp/with.lpk" "$tmp/clean.lpk"
    same_check "step $step: check"
done

# ------------------------------------------------- back to the start
rm -rf "$proj"
cp -R "$tmp/orig" "$proj"
check 'the original again: build with the cache is the clean build' \
    build_same
# from here on, a cache holding only what this project uses; files copied
# under 2 s ago get no media entry (their times cannot yet tell a change,
# racy_clean() in writer.c), so wait for the copy to age
rm -rf "$cache"
sleep 2
build_same
check 'and once more, all from the cache' build_same

# ------------------------------------------------------- damaged entries
find "$cache/lp-cache-1" -type f ! -name lock | LC_ALL=C sort \
    >"$tmp/entries"
n=$(wc -l <"$tmp/entries")
kinds=0
for k in l c m z d; do
    grep -q "/$k[0-9a-f]*\$" "$tmp/entries" && kinds=$((kinds + 1))
done
check "the cache has entries of every kind ($n entries)" test "$kinds" = 5
# one entry of each kind, damaged a different way each
victims=$(for k in l c m z; do
    grep "/$k[0-9a-f]*\$" "$tmp/entries" | sed -n 3p
done)
for v in $victims; do cp "$v" "$v.good"; done
set -- $victims
python3 - "$1" "$2" "$3" "$4" <<'EOF'
import sys
# a flipped byte in the payload, a cut, garbage of the same size, nothing
a, b, c, d = sys.argv[1:]
data = bytearray(open(a, "rb").read()); data[-1] ^= 1
open(a, "wb").write(data)
data = open(b, "rb").read(); open(b, "wb").write(data[: len(data) // 2])
data = open(c, "rb").read(); open(c, "wb").write(b"\xff" * len(data))
open(d, "wb").close()
EOF
check 'damaged entries: the build is still the clean one' build_same
ok_rebuilt=1
for v in $victims; do
    cmp -s "$v" "$v.good" || ok_rebuilt=0
    rm -f "$v.good"
done
check 'damaged entries: each rebuilt as it was' test "$ok_rebuilt" = 1
# an entry that is a FIFO or a link is no entry either (never opened)
v=$1
rm -f "$v"
mkfifo "$v"
check 'a FIFO in place of an entry: ignored' build_same
rm -f "$v"
ln -s /etc/passwd "$v"
check 'a link in place of an entry: ignored' build_same
check 'the link was replaced by an entry' test ! -L "$v"
# an entry moved under another key: the header names its key
set -- $(grep '/l[0-9a-f]*$' "$tmp/entries" | sed -n '1p;2p')
cp "$1" "$2"
check 'an entry under the wrong name: ignored' build_same

# ------------------------------------------------------ concurrent builds
rm -rf "$cache"
( "$LPC" build "$proj" -o "$tmp/c1.lpk" --cache "$cache" -q ) &
p1=$!
( "$LPC" build "$proj" -o "$tmp/c2.lpk" --cache "$cache" -q ) &
p2=$!
( "$LPC" check "$proj" --cache "$cache" -q ) &
p3=$!
wait $p1; s1=$?
wait $p2; s2=$?
wait $p3; s3=$?
check 'concurrent builds sharing a cache: all succeed' \
    test "$s1$s2$s3" = 000
"$LPC" build "$proj" -o "$tmp/clean.lpk" --no-cache -q
check 'concurrent builds: the first is the clean build' \
    cmp -s "$tmp/c1.lpk" "$tmp/clean.lpk"
check 'concurrent builds: the second too' \
    cmp -s "$tmp/c2.lpk" "$tmp/clean.lpk"
check 'no temporary file left in the cache' \
    test -z "$(find "$cache" -name '.tmp-*')"
check 'after them, a warm build is the clean one' build_same

# ------------------------------------------------------------ the limit
rm -rf "$cache"
"$LPC" build "$proj" -o "$tmp/small.lpk" --cache "$cache" \
    --cache-size=256KiB -q
check 'a small cache: the build is the clean one' \
    cmp -s "$tmp/small.lpk" "$tmp/clean.lpk"
bytes=$(find "$cache/lp-cache-1" -type f ! -name lock -printf '%s\n' |
        awk '{ n += $1 } END { print n + 0 }')
diag "cache with --cache-size=256KiB: $bytes bytes in entries"
check 'a small cache stays under its limit' test "$bytes" -le 262144
done_testing
