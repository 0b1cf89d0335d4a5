#!/bin/sh
# delta-hostile.sh - deltas made to hurt 'lpack apply'.  A real delta
# between two small packages is taken apart by mkdelta.py and put together
# again with one rule broken (header fields, meta block, segment frames),
# its BLAKE2b-256 trailer recomputed so that the damage reaches the checks
# behind it; then truncations and byte flips, with and without the trailer
# fixed.  Every refusal must exit 1 with a message naming the problem, leave
# nothing in the output folder (no NEW under its final name, no temporary
# file) and leave the old package byte for byte as it was, even when -o
# names the old package itself.  Under ASan/UBSan a crash or a leak is an
# abort: exit >= 128.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

# as 'make check' sets them, for runs by hand against a sanitizer build
ASAN_OPTIONS=${ASAN_OPTIONS-detect_leaks=1:abort_on_error=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS

mkdelta=$top_srcdir/tests/cli/mkdelta.py
[ -f "$mkdelta" ] || bail_out "missing $mkdelta (is it in EXTRA_DIST?)"
for p in python3 zstd; do
    command -v "$p" >/dev/null 2>&1 || bail_out "$p is needed (tools/deps.sh)"
done
SOURCE_DATE_EPOCH=1790000000
export SOURCE_DATE_EPOCH

# ============================================================ the packages

# random_file FILE SEED BYTES: the same bytes on every machine
random_file() {
    python3 -c 'import random, sys
r = random.Random(int(sys.argv[2]))
open(sys.argv[1], "wb").write(bytes(r.getrandbits(8)
                                    for _ in range(int(sys.argv[3]))))' "$@"
}

mkdir "$tmp/old" "$tmp/new" "$tmp/other"
i=1
while [ $i -le 30 ]; do
    echo "Lisaun $i: numeru sira, lesson $i: numbers and more words" \
        >"$tmp/old/t$i.txt"
    i=$((i + 1))
done
random_file "$tmp/old/r.bin" 1 20000
cp "$tmp/old"/* "$tmp/new/"
cp "$tmp/old"/* "$tmp/other/"
echo "a line added in release 2" >>"$tmp/new/t3.txt"
rm "$tmp/new/t5.txt"
random_file "$tmp/new/r2.bin" 2 1500   # a small text-like new object
random_file "$tmp/new/pic.jpg" 3 800  # does not compress: a segment alone
echo "another release 1" >"$tmp/other/t1.txt"

mk() {
    "$LPACK" create -q "$1" -o "$2" --id "$3" --release "$4" \
        >"$out" 2>"$err" || bail_out "lpack create $2 failed: $(cat "$err")"
}
mk "$tmp/old" "$tmp/old.lpk" t.x 1
mk "$tmp/new" "$tmp/new.lpk" t.x 2
mk "$tmp/other" "$tmp/other.lpk" t.x 1
mk "$tmp/other" "$tmp/otherid.lpk" other.id 7
cp "$tmp/old.lpk" "$tmp/pristine.lpk"

expect_exit 0 "$LPACK" delta "$tmp/old.lpk" "$tmp/new.lpk" -o "$tmp/d.lpd"
[ -s "$tmp/d.lpd" ] || bail_out "no delta made: $(cat "$err")"
mkdir "$tmp/ok"
expect_exit 0 "$LPACK" apply -q "$tmp/old.lpk" "$tmp/d.lpd" \
    -o "$tmp/ok/new.lpk"
check '  the real delta gives the new package byte for byte' \
    cmp -s "$tmp/ok/new.lpk" "$tmp/new.lpk"
diag "delta: $(wc -c <"$tmp/d.lpd") bytes; layout:" \
    "$(python3 "$mkdelta" parse "$tmp/d.lpd" "$tmp/old.lpk" | tr '\n' ' ')"

# ============================================================ the runner

# apply_all DIR LIST: apply every DIR/NAME.lpd to old.lpk (two at a time),
# with the options of its line in LIST ("NAME|EXIT|OPTIONS|TEXT", or just
# NAME), output to DIR/NAME.out/new.lpk; status in DIR/NAME.status, stderr
# in DIR/NAME.err
cat >"$tmp/run1.sh" <<'EOF'
IFS='|' read -r name want opts text <<LINE
$3
LINE
mkdir "$2/$name.out" || exit 1
# shellcheck disable=SC2086
"$1" apply -q $opts "$4" "$2/$name.lpd" -o "$2/$name.out/new.lpk" \
    >/dev/null 2>"$2/$name.err"
echo $? >"$2/$name.status"
EOF
apply_all() {
    xargs -P 2 -I '{}' sh "$tmp/run1.sh" "$LPACK" "$1" '{}' \
        "$tmp/old.lpk" <"$2"
}

# sanitizer_free FILE: no ASan/UBSan/LSan report in it
sanitizer_free() {
    ! grep -E -q 'Sanitizer|runtime error' "$1"
}

# refused_cleanly DIR NAME TEXT: exit 1, TEXT on stderr, output folder empty
refused_cleanly() {
    _s=$(cat "$1/$2.status")
    _left=$(ls -A "$1/$2.out")
    if [ "$_s" != 1 ]; then
        diag "$2: exit $_s, expected 1" "$(head -n 12 "$1/$2.err")"
        return 1
    fi
    if ! has "$1/$2.err" "$3" || ! sanitizer_free "$1/$2.err"; then
        diag "$2: stderr does not say '$3':" "$(head -n 12 "$1/$2.err")"
        return 1
    fi
    [ -z "$_left" ] || { diag "$2: left behind: $_left"; return 1; }
}

# applied_exactly DIR NAME: exit 0 and the new package byte for byte
applied_exactly() {
    _s=$(cat "$1/$2.status")
    [ "$_s" = 0 ] || { diag "$2: exit $_s" "$(head -n 12 "$1/$2.err")"; \
        return 1; }
    [ "$(ls -A "$1/$2.out")" = new.lpk ] &&
        cmp -s "$1/$2.out/new.lpk" "$tmp/new.lpk"
}

# ============================================== one broken rule at a time

mkdir "$tmp/cases"
python3 "$mkdelta" all "$tmp/old.lpk" "$tmp/new.lpk" "$tmp/d.lpd" \
    "$tmp/cases" >"$tmp/cases.list" 2>"$err" ||
    bail_out "mkdelta.py all failed: $(cat "$err")"
apply_all "$tmp/cases" "$tmp/cases.list"
while IFS='|' read -r name want opts text <&3; do
    if [ "$want" = 0 ]; then
        check "$name${opts:+ ($opts)}: applies, the new package exactly" \
            applied_exactly "$tmp/cases" "$name"
    else
        check "$name${opts:+ ($opts)}: exit 1, says '$text', nothing left" \
            refused_cleanly "$tmp/cases" "$name" "$text"
    fi
done 3<"$tmp/cases.list"
check 'old.lpk unchanged by all of them' cmp -s "$tmp/old.lpk" \
    "$tmp/pristine.lpk"

# -o naming the old package itself: refused, and the old package unchanged
# (some refused on open, some on the meta block, some on a segment, some
# only once the rebuilt package is checked)
for name in hdr-window-huge meta-declares-huge meta-seg-object-twice \
    seg-window-bomb seg-wrong-content seg-patch-wrong-content \
    meta-sig-name-dotdot meta-frame-len-huge; do
    mkdir "$tmp/inplace-$name"
    cp "$tmp/pristine.lpk" "$tmp/inplace-$name/old.lpk"
    run "$LPACK" apply "$tmp/inplace-$name/old.lpk" "$tmp/cases/$name.lpd" \
        -o "$tmp/inplace-$name/old.lpk"
    check "-o OLD, $name: exit 1, OLD unchanged, nothing else there" \
        sh -c '[ "$1" = 1 ] && cmp -s "$2/old.lpk" "$3" &&
               [ "$(ls -A "$2")" = old.lpk ]' \
        sh "$status" "$tmp/inplace-$name" "$tmp/pristine.lpk"
done

# ====================================================== another base

mkdir "$tmp/base"
expect_exit 1 "$LPACK" apply "$tmp/other.lpk" "$tmp/d.lpd" \
    -o "$tmp/base/new.lpk"
om=$(unzip -p "$tmp/other.lpk" manifest | b2sum -l 256 | cut -c1-12)
bm=$(unzip -p "$tmp/old.lpk" manifest | b2sum -l 256 | cut -c1-12)
check "  names the expected and the actual base" has "$err" \
    "this delta updates 't.x' version 1 (manifest $bm); '$tmp/other.lpk' is 't.x' version 1 (manifest $om)"
expect_exit 1 "$LPACK" apply "$tmp/otherid.lpk" "$tmp/d.lpd" \
    -o "$tmp/base/new.lpk"
check "  names both: another id" has "$err" \
    "'$tmp/otherid.lpk' is 'other.id' version 7"
expect_exit 1 "$LPACK" apply "$tmp/new.lpk" "$tmp/d.lpd" \
    -o "$tmp/base/new.lpk"
check "  names both: the delta's own target" has "$err" \
    "'$tmp/new.lpk' is 't.x' version 2"
# a chain whose second link does not start where the first ends
expect_exit 1 "$LPACK" apply "$tmp/old.lpk" "$tmp/d.lpd" "$tmp/d.lpd" \
    -o "$tmp/base/new.lpk"
check "  chain: the second link, named as the user gave it" has "$err" \
    "'$tmp/d.lpd' updates t.x version 1, not the release the delta before it makes"
# a chain whose second link is damaged: the first link's result (an
# intermediate file) must go too
python3 -c 'import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[-40] ^= 1
open(sys.argv[2], "wb").write(d)' "$tmp/d.lpd" "$tmp/damaged.lpd"
expect_exit 1 "$LPACK" apply "$tmp/old.lpk" "$tmp/d.lpd" \
    "$tmp/damaged.lpd" -o "$tmp/base/new.lpk"
check "  chain: says the second is damaged" has "$err" 'delta is damaged'
check '  no output, no intermediate, no temporary file left' \
    test -z "$(ls -A "$tmp/base")"

# a damaged base: one byte of a kept object (r.bin, stored as is) changed
python3 - "$tmp/old.lpk" "$tmp/damaged-base.lpk" <<'EOF'
import sys, zipfile
data = bytearray(open(sys.argv[1], "rb").read())
z = zipfile.ZipFile(sys.argv[1])
for i in z.infolist():
    if i.file_size == 20000 and i.compress_size == 20000:
        # the local header: 30 bytes, the name, no extra field
        at = i.header_offset + 30 + len(i.filename) + 5000
        data[at] ^= 0x01
open(sys.argv[2], "wb").write(data)
EOF
expect_exit 1 "$LPACK" apply "$tmp/damaged-base.lpk" "$tmp/d.lpd" \
    -o "$tmp/base/new.lpk"
check '  damaged base: says the base package is damaged' has "$err" \
    "the base package '$tmp/damaged-base.lpk' is damaged"
check '  nothing left' test -z "$(ls -A "$tmp/base")"

# ============================================== memory the delta asks for

# The header says 5 MiB; --max-window 4M: refused before anything is
# written, in a dry run too
mkdir "$tmp/win"
python3 - "$tmp/d.lpd" "$tmp/win/w5m.lpd" <<'EOF'
import hashlib, re, sys
d = open(sys.argv[1], "rb").read()[:-32]
d = re.sub(rb"\nwindow \d+\n", b"\nwindow 5242880\n", d, count=1)
open(sys.argv[2], "wb").write(d + hashlib.blake2b(d, digest_size=32).digest())
EOF
expect_exit 1 "$LPACK" apply --max-window 4M "$tmp/old.lpk" \
    "$tmp/win/w5m.lpd" -o "$tmp/win/new.lpk"
check '  says how much it needs and how much is allowed' has "$err" \
    'this delta needs 5242880 bytes of memory to decode; at most 4194304 are allowed'
expect_exit 1 "$LPACK" apply -n --max-window 4M "$tmp/old.lpk" \
    "$tmp/win/w5m.lpd" -o "$tmp/win/new.lpk"
expect_exit 0 "$LPACK" apply -n --max-window 6M "$tmp/old.lpk" \
    "$tmp/win/w5m.lpd" -o "$tmp/win/new.lpk"
check '  nothing written' test "$(ls -A "$tmp/win")" = w5m.lpd

# deltas that declare huge sizes: refused from what they declare, in
# little memory (ASan's own overhead included)
for name in hdr-window-huge hdr-meta-huge meta-declares-huge seg-fcs-huge \
    seg-window-bomb meta-window-bomb meta-frame-len-huge meta-nobjs-huge \
    seg-patch-fcs-huge; do
    rm -rf "$tmp/win/o"
    mkdir "$tmp/win/o"
    rss_of "$tmp/rss" "$LPACK" apply --max-window 8M "$tmp/old.lpk" \
        "$tmp/cases/$name.lpd" -o "$tmp/win/o/new.lpk"
    check "$name: refused (exit 1)" test "$status" = 1
    check "  $name: under 64 MiB and 10 s" small_and_fast "$tmp/rss" "$name"
done
# Under a hard address-space limit (not with ASan, which reserves terabytes
# of address space up front)
# (the subshell waits, so that an ASan abort is not reported on stderr)
lim=$( (ulimit -v 400000; "$LPACK" --version >/dev/null 2>&1; echo $?) \
    2>/dev/null)
if [ "$lim" = 0 ]; then
    for name in hdr-window-huge meta-declares-huge seg-fcs-huge \
        seg-window-bomb meta-nobjs-huge; do
        rm -rf "$tmp/win/o"
        mkdir "$tmp/win/o"
        (ulimit -v 400000 && exec "$LPACK" apply "$tmp/old.lpk" \
            "$tmp/cases/$name.lpd" -o "$tmp/win/o/new.lpk") >"$out" 2>"$err"
        check "ulimit -v 400000, $name: exit 1 cleanly" test $? = 1
    done
else
    for name in hdr-window-huge meta-declares-huge seg-fcs-huge \
        seg-window-bomb meta-nobjs-huge; do
        skip "ulimit -v 400000, $name" 'lpack does not run under ulimit -v (ASan)'
    done
fi

# ============================================== sizes taken from the base

# A delta of a few hundred bytes, with no content of its own, can make
# apply take sizes from the base: the new manifest names the base's 64 MiB
# zero-filled file as its dictionary (lpk(5): 1 MiB at most), or asks for
# that file to be compressed again at zstd level 22 (some 700 MB of zstd
# workspace).  Each refused from what the checks know, before anything is
# written (a dry run too), in little memory, saying which limit and what
# to do.  Before: 140 MB and 4.5 s, a 64 MiB temporary file, refused at
# the end; 730 MB, applied.
# (zero.bin compressed: liblp stores content over 8 MiB as is, lpk(5), but
# another writer may compress it, and the attack needs a compressed object)
mkdir "$tmp/big"
python3 "$top_srcdir/tests/cli/mkpkg.py" zeros "$tmp/big/old.lpk" 67108864 \
    2>"$err" || bail_out "mkpkg.py zeros failed: $(cat "$err")"
cp "$tmp/big/old.lpk" "$tmp/big-pristine.lpk"
# strace, where it works here, shows that no file was created at all
traced=
if command -v strace >/dev/null 2>&1 &&
    strace -f -o /dev/null true >/dev/null 2>&1; then
    traced=1
fi
for kind in dict-kept level-22; do
    python3 "$mkdelta" attack "$tmp/big/old.lpk" $kind "$tmp/$kind.lpd" \
        2>"$err" || bail_out "mkdelta.py attack $kind failed: $(cat "$err")"
    if [ $kind = dict-kept ]; then
        text="names as its dictionary a base object of 67108864 bytes; lpk(5) allows at most 1048576"
    else
        text="compressing 'zero.bin' (67108864 bytes) again at zstd level 22, as the new release was made, takes"
    fi
    for dry in "" -n; do
        rm -rf "$tmp/big/o"
        mkdir "$tmp/big/o"
        what="$kind ($(wc -c <"$tmp/$kind.lpd") bytes)${dry:+, dry run}"
        rss_of "$tmp/rss" "$LPACK" apply $dry --max-window 4M \
            "$tmp/big/old.lpk" "$tmp/$kind.lpd" -o "$tmp/big/o/new.lpk"
        check "$what: refused (exit 1)" test "$status" = 1
        check "  says which limit" has "$err" "$text"
        check "  under 64 MiB and 10 s" small_and_fast "$tmp/rss" "$kind"
        check "  nothing in the output folder" test -z "$(ls -A "$tmp/big/o")"
    done
    if [ -n "$traced" ]; then
        strace -f -e trace=open,openat,creat -o "$tmp/trace" "$LPACK" apply \
            --max-window 4M "$tmp/big/old.lpk" "$tmp/$kind.lpd" \
            -o "$tmp/big/o/new.lpk" >"$out" 2>"$err"
        check "  $kind: no file created, not even a temporary one" sh -c \
            '! grep -E "O_CREAT|O_TMPFILE" "$1" | grep -q "$2"' sh \
            "$tmp/trace" "$tmp/big/o"
    else
        skip "  $kind: no file created, not even a temporary one" \
            'strace does not run here'
    fi
    # -o naming the old package itself
    rm -rf "$tmp/big/o"
    run "$LPACK" apply --max-window 4M "$tmp/big/old.lpk" "$tmp/$kind.lpd" \
        -o "$tmp/big/old.lpk"
    check "  -o OLD: exit 1, OLD unchanged, nothing else there" \
        sh -c '[ "$1" = 1 ] && cmp -s "$2/old.lpk" "$3" &&
               [ "$(ls -A "$2")" = old.lpk ]' \
        sh "$status" "$tmp/big" "$tmp/big-pristine.lpk"
done
mkdir "$tmp/big/o"
# the memory a dry run reports is what apply checks: level 22 counted
run "$LPACK" apply -n --max-window 2G "$tmp/big/old.lpk" "$tmp/level-22.lpd" \
    -o "$tmp/big/o/new.lpk"
check 'level-22, dry run with --max-window 2G: accepted' test "$status" = 0
mem=$(sed -n 's/.* and \([0-9]*\) bytes of memory$/\1/p' "$out")
check "  reports the compressor's memory (${mem:-none} bytes, over 600 MB)" \
    test "${mem:-0}" -gt 600000000
# the default window: refused too
run "$LPACK" apply -n "$tmp/big/old.lpk" "$tmp/level-22.lpd" \
    -o "$tmp/big/o/new.lpk"
check 'level-22, default --max-window: refused, says what to do' has "$err" \
    'allow more with --max-window if this machine has the memory'

# ============================================== cuts and flips

# summary DIR: "N runs: A exit 0, B exit 1, C other"
tally() {
    awk '{ n++; if ($1 == 0) a++; else if ($1 == 1) b++; else c++ }
         END { printf "%d runs: %d exit 0, %d exit 1, %d other\n",
               n, a, b, c }' "$1.all"
}
# gather DIR: "STATUS NAME" lines in DIR.all
gather() {
    for f in "$1"/*.status; do
        _n=${f##*/}
        echo "$(cat "$f") ${_n%.status}"
    done >"$1.all"
}
# each_refused DIR [TEXT]: every run exited 1, said why (TEXT if given), no
# sanitizer report, left nothing
each_refused() {
    _bad=$(while read -r _s _n; do
        if [ "$_s" != 1 ] || [ ! -s "$1/$_n.err" ] ||
            ! sanitizer_free "$1/$_n.err" ||
            { [ -n "${2:-}" ] && ! has "$1/$_n.err" "$2"; } ||
            [ -n "$(ls -A "$1/$_n.out")" ]; then
            echo "$_n: exit $_s: $(head -n 3 "$1/$_n.err")"
        fi
    done <"$1.all")
    [ -z "$_bad" ] || { diag "$(printf '%s\n' "$_bad" | head -n 12)"; return 1; }
}
# each_refused_or_exact DIR: exit 1 as each_refused, or exit 0 with the
# new package byte for byte (a flip in a field apply does not use)
each_refused_or_exact() {
    _bad=$(while read -r _s _n; do
        if [ "$_s" = 0 ]; then
            applied_exactly "$1" "$_n" >/dev/null || echo "$_n: exit 0, wrong"
        elif [ "$_s" != 1 ] || [ ! -s "$1/$_n.err" ] ||
            ! sanitizer_free "$1/$_n.err" ||
            [ -n "$(ls -A "$1/$_n.out")" ]; then
            echo "$_n: exit $_s: $(head -n 3 "$1/$_n.err")"
        fi
    done <"$1.all")
    [ -z "$_bad" ] || { diag "$(printf '%s\n' "$_bad" | head -n 12)"; return 1; }
}
list_of() {
    (cd "$1" && ls) | sed -n 's/\.lpd$//p' >"$1.list"
}

mkdir "$tmp/cut"
python3 "$mkdelta" cuts "$tmp/d.lpd" "$tmp/old.lpk" "$tmp/cut" 97 ||
    bail_out "mkdelta.py cuts failed"
mkdir "$tmp/cutfix"
mv "$tmp/cut"/cutfix-* "$tmp/cutfix/"
list_of "$tmp/cut"
apply_all "$tmp/cut" "$tmp/cut.list"
gather "$tmp/cut"
check "cut every 97 bytes and at each boundary: $(tally "$tmp/cut" |
    cut -d: -f1), each refused, nothing left" each_refused "$tmp/cut"
list_of "$tmp/cutfix"
apply_all "$tmp/cutfix" "$tmp/cutfix.list"
gather "$tmp/cutfix"
check "the same cuts, trailer recomputed: $(tally "$tmp/cutfix" |
    cut -d: -f1), each refused, nothing left" each_refused "$tmp/cutfix"

# bytes changed, trailer as it was: the checksum refuses each
mkdir "$tmp/dmg"
python3 - "$tmp/d.lpd" "$tmp/dmg" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
for at in list(range(0, len(d), 211)) + [len(d) - 1]:
    b = bytearray(d)
    b[at] ^= 0x10
    open("%s/dmg-%05d.lpd" % (sys.argv[2], at), "wb").write(b)
EOF
list_of "$tmp/dmg"
apply_all "$tmp/dmg" "$tmp/dmg.list"
gather "$tmp/dmg"
# a flip in the header may make it unreadable before the checksum is read
check "bytes changed, trailer kept: $(tally "$tmp/dmg" | cut -d: -f1), each refused" \
    each_refused "$tmp/dmg"
check '  past the header, each says damaged' sh -c '
    for f in "$1"/dmg-*.err; do
        n=${f##*/dmg-}; n=${n%.err}
        [ "$n" -lt "$2" ] || grep -q "delta is damaged" "$f" ||
            { echo "# $f: $(head -n 2 "$f")"; exit 1; }
    done' sh "$tmp/dmg" "$(python3 "$mkdelta" parse "$tmp/d.lpd" \
        "$tmp/old.lpk" | awk '$1 == "meta" { print $2 }')"

# bytes changed in the header, the meta frame and each segment frame,
# trailer recomputed: refused, or (a field apply only reports) exact
mkdir "$tmp/flip"
python3 "$mkdelta" flips "$tmp/d.lpd" "$tmp/old.lpk" "$tmp/flip" ||
    bail_out "mkdelta.py flips failed"
list_of "$tmp/flip"
apply_all "$tmp/flip" "$tmp/flip.list"
gather "$tmp/flip"
check "bytes changed, trailer recomputed: $(tally "$tmp/flip"), refused or exact" \
    each_refused_or_exact "$tmp/flip"
check '  every flip in a segment frame refused' sh -c '
    ! grep "^0 flip-segment" "$1"' sh "$tmp/flip.all"

check 'old.lpk still unchanged' cmp -s "$tmp/old.lpk" "$tmp/pristine.lpk"
done_testing
