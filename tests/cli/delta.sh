#!/bin/sh
# lpack delta / apply / info on deltas (lpd(5)): apply rebuilds the new
# release byte for byte, signatures included; what the new release shares
# with the old is never shipped; a delta binds to its base; chains; the
# dry runs; --max-window.  Hostile deltas: delta-hostile.sh; kill -9:
# delta-kill.sh.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH
py=${PYTHON:-python3}

# A release: lesson texts in three languages (enough for a package
# dictionary), pictures (incompressible), a larger text, an empty file.
mkdir -p "$tmp/v1"
"$py" - "$tmp/v1" <<'EOF'
import os, random, sys
root = sys.argv[1]
rnd = random.Random(7)
words = ("water soil seed plant grow rain sun leaf root farm village school "
         "teacher student lesson number count add take away more less").split()
def text(n):
    return " ".join(rnd.choice(words) for _ in range(n)) + "\n"
for lang in ("tet", "pt", "en"):
    for i in range(40):
        d = os.path.join(root, "lessons", "%03d" % i)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, lang + ".json"), "w") as f:
            f.write('{"id":"lesson-%03d","lang":"%s","title":"%s",'
                    '"body":"%s"}\n' % (i, lang, text(6).strip(), text(1500).strip()))
os.makedirs(os.path.join(root, "media"), exist_ok=True)
for i in range(6):
    with open(os.path.join(root, "media", "pic%d.jpg" % i), "wb") as f:
        f.write(b"\xff\xd8\xff\xe0" + rnd.randbytes(30000 + 1000 * i))
with open(os.path.join(root, "book.txt"), "w") as f:
    for k in range(3000):
        f.write("%d. %s" % (k, text(20)))
open(os.path.join(root, "empty.txt"), "w").close()
EOF
# v2: five lessons edited, one added, one removed, one picture replaced,
# two moved, the book edited in the middle
cp -R "$tmp/v1" "$tmp/v2"
for i in 003 010 017 024 031; do
    sed -i 's/water/fresh water/' "$tmp/v2/lessons/$i/pt.json"
done
mkdir -p "$tmp/v2/lessons/040"
sed 's/lesson-000/lesson-040/' "$tmp/v1/lessons/000/en.json" >"$tmp/v2/lessons/040/en.json"
rm -r "$tmp/v2/lessons/039"
"$py" -c 'import random,sys; sys.stdout.buffer.write(b"\xff\xd8\xff\xe0" + random.Random(9).randbytes(31000))' >"$tmp/v2/media/pic1.jpg"
mkdir -p "$tmp/v2/pictures"
mv "$tmp/v2/media/pic4.jpg" "$tmp/v2/media/pic5.jpg" "$tmp/v2/pictures/"
sed -i '1500s/.*/1500. a new line in the middle of the book/' "$tmp/v2/book.txt"
printf '<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>\n' >"$tmp/v2/media/diagram.svg"
# v3: one more lesson edited
cp -R "$tmp/v2" "$tmp/v3"
sed -i 's/rain/heavy rain/' "$tmp/v3/lessons/005/tet.json"

for k in min; do
    run "$LPACK" keygen -q -p "$tmp/$k.pub" -s "$tmp/$k.key" --no-passphrase
done
cat >"$tmp/trust" <<EOT
lp-trust 1
threshold 1
key $(sed -n 2p "$tmp/min.pub") - - Ministry of Education
EOT
for v in 1 2 3; do
    SOURCE_DATE_EPOCH=$((1700000000 + v * 86400)) \
        run "$LPACK" create -q "$tmp/v$v" -o "$tmp/v$v.lpk" --id org.example.science --release $v --label "Term $v"
    run "$LPACK" sign -q "$tmp/v$v.lpk" -s "$tmp/min.key"
done
cp "$tmp/v1.lpk" "$tmp/v1.orig"

# --- one delta, applied ---------------------------------------------------
expect_exit 0 "$LPACK" delta "$tmp/v1.lpk" "$tmp/v2.lpk" -o "$tmp/d12.lpd"
check 'delta: says what it wrote' has "$out" "wrote $tmp/d12.lpd: org.example.science 1 -> 2"
check 'delta: counts' has "$out" "paths renamed"
check 'delta file exists' test -s "$tmp/d12.lpd"
check 'delta starts with its magic line' test "$(head -n 1 "$tmp/d12.lpd")" = "lpk-delta 1"
size12=$(wc -c <"$tmp/d12.lpd")
newsize=$(wc -c <"$tmp/v2.lpk")
check "delta is small ($size12 of $newsize bytes)" test "$size12" -lt $((newsize / 10))
check 'delta: no temporary file left' test "$(ls "$tmp" | grep -c 'tmp-\|spool')" -eq 0
expect_exit 0 "$LPACK" apply "$tmp/v1.lpk" "$tmp/d12.lpd" -o "$tmp/v2.new"
check 'apply: reports byte for byte' has "$out" "byte for byte the release the delta was made from"
check 'apply: byte-identical to the new release' cmp "$tmp/v2.lpk" "$tmp/v2.new"
check 'apply: the old package is untouched' cmp "$tmp/v1.orig" "$tmp/v1.lpk"
expect_exit 0 "$LPACK" verify "$tmp/v2.new" --trust "$tmp/trust"
check 'apply: result passes verify --trust' has "$out" "OK"
check 'apply: no temporary file left' test "$(ls "$tmp" | grep -c 'tmp-\|spool\|chain')" -eq 0
expect_exit 0 "$LPACK" apply -q "$tmp/v1.lpk" "$tmp/d12.lpd" -o "$tmp/v2.q"
check 'apply -q: quiet' is_empty "$out"

# --- info -----------------------------------------------------------------
expect_exit 0 "$LPACK" info "$tmp/d12.lpd"
check 'info: base' has "$out" "base: org.example.science version 1"
check 'info: target' has "$out" "target: org.example.science version 2"
check 'info: target label' has "$out" "target label: Term 2"
check 'info: delta size' has "$out" "delta: $size12 bytes"
check 'info: target size' has "$out" "target file: $newsize bytes"
check 'info: apply disk' has "$out" "apply disk: up to"
check 'info: apply memory' has "$out" "apply memory:"
check 'info: keep' grep -q '^keep: [1-9][0-9]* objects' "$out"
check 'info: patch' grep -q '^patch: [1-9][0-9]* objects' "$out"
check 'info: add' grep -q '^add: [1-9][0-9]* objects' "$out"
check 'info: remove' grep -q '^remove: [1-9][0-9]* objects' "$out"
check 'info: two paths renamed' has "$out" "renamed paths: 2"
check 'info: exact' has "$out" "rebuilds byte for byte: yes"
expect_exit 0 "$LPACK" info --json "$tmp/d12.lpd"
check 'info --json: valid JSON' "$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["target"]["version"] == 2 and d["base"]["version"] == 1 and d["delta_bytes"] == int(sys.argv[2]) and d["renamed_paths"] == 2' "$out" "$size12"

# --- renamed content costs nothing -----------------------------------------
cp -R "$tmp/v1" "$tmp/moved"
mv "$tmp/moved/lessons" "$tmp/moved/units"
mv "$tmp/moved/media" "$tmp/moved/pictures"
run "$LPACK" create -q "$tmp/moved" -o "$tmp/moved.lpk" --id org.example.science --release 2
expect_exit 0 "$LPACK" delta --json "$tmp/v1.lpk" "$tmp/moved.lpk" -o "$tmp/moved.lpd"
check 'everything moved: nothing patched or added' "$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["patch"]["objects"] == 0 and d["add"]["objects"] == 0 and d["renamed_paths"] == 126, d' "$out"
msize=$(wc -c <"$tmp/moved.lpd")
check "everything moved: delta is the new manifest only ($msize bytes)" test "$msize" -lt 4000
expect_exit 0 "$LPACK" apply "$tmp/v1.lpk" "$tmp/moved.lpd" -o "$tmp/moved.new"
check 'everything moved: identical' cmp "$tmp/moved.lpk" "$tmp/moved.new"

# --- from nothing: every object new, no base to prefix with, so texts go
# in streamed segments, many objects per decoded buffer (a bug: the
# compressor's output buffer was the decoder's, and later objects of the
# same buffer came out wrong); and back to nothing
mkdir "$tmp/none"
run "$LPACK" create -q "$tmp/none" -o "$tmp/none.lpk" --id org.example.science --release 1
expect_exit 0 "$LPACK" delta "$tmp/none.lpk" "$tmp/v2.lpk" -o "$tmp/from-none.lpd"
expect_exit 0 "$LPACK" apply "$tmp/none.lpk" "$tmp/from-none.lpd" -o "$tmp/from-none.lpk"
check 'from an empty package: identical' cmp "$tmp/v2.lpk" "$tmp/from-none.lpk"
expect_exit 0 "$LPACK" delta "$tmp/v2.lpk" "$tmp/none.lpk" -o "$tmp/to-none.lpd"
expect_exit 0 "$LPACK" apply "$tmp/v2.lpk" "$tmp/to-none.lpd" -o "$tmp/to-none.lpk"
check 'to an empty package: identical' cmp "$tmp/none.lpk" "$tmp/to-none.lpk"

# --- dry runs ---------------------------------------------------------------
expect_exit 0 "$LPACK" delta -n "$tmp/v1.lpk" "$tmp/v2.lpk"
check 'delta --dry-run: the size it would write' has "$out" "would write: org.example.science 1 -> 2: $size12 bytes"
check 'delta --dry-run: what apply needs' has "$out" "apply needs up to"
check 'delta --dry-run: writes nothing' test "$(ls "$tmp" | grep -c 'tmp-\|spool')" -eq 0
expect_exit 0 "$LPACK" apply -n "$tmp/v1.lpk" "$tmp/d12.lpd" -o "$tmp/dry.lpk"
check 'apply --dry-run: applies' has "$out" "applies to '$tmp/v1.lpk'"
check 'apply --dry-run: free disk' has "$out" "of free disk"
check 'apply --dry-run: writes nothing' test ! -e "$tmp/dry.lpk"
expect_exit 1 "$LPACK" apply -n "$tmp/v2.lpk" "$tmp/d12.lpd" -o "$tmp/dry.lpk"
check 'apply --dry-run: wrong base found' has "$err" "this delta updates 'org.example.science' version 1"

# --- one free-disk figure: info (text and JSON), delta, apply --dry-run ------
run "$LPACK" info --json "$tmp/d12.lpd"
disk=$("$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["exact"]; assert d["disk_bytes"] == d["target"]["file_bytes"] + d["temp_bytes"], d; print(d["disk_bytes"])' "$out")
check "info --json: disk_bytes is the new package plus temp ($disk)" test -n "$disk"
run "$LPACK" info "$tmp/d12.lpd"
check 'info: the same figure in text' has "$out" "apply disk: up to $disk bytes ("
human=$(sed -n 's/^apply disk: up to [0-9]* bytes (\(.*\))$/\1/p' "$out")
run "$LPACK" apply -n "$tmp/v1.lpk" "$tmp/d12.lpd" -o "$tmp/dry.lpk"
check "apply --dry-run: the same figure ($human)" has "$out" "needs $human of free disk"
run "$LPACK" delta -n "$tmp/v1.lpk" "$tmp/v2.lpk"
check "delta --dry-run: the same figure ($human)" has "$out" "apply needs up to $human of free disk"

# --- a package's manifest hash: what b2sum gives, and what a delta names -----
run "$LPACK" info --json "$tmp/v1.lpk"
mh=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifest"])' "$out")
run sh -c "\"\$0\" manifest \"\$1\" -o - | b2sum -l 256" "$LPACK" "$tmp/v1.lpk"
check "info --json: manifest is BLAKE2b-256 of the manifest ($mh)" test "$(cut -d' ' -f1 "$out")" = "$mh"
run "$LPACK" info "$tmp/v1.lpk"
check 'info: the same hash in text' grep -qx "manifest: blake2b-256 $mh" "$out"
run "$LPACK" info "$tmp/d12.lpd"
check "  and the delta's base names it" grep -qx "base manifest: $mh" "$out"

# --- bound to its base ------------------------------------------------------
expect_exit 1 "$LPACK" apply "$tmp/v2.lpk" "$tmp/d12.lpd" -o "$tmp/bad.lpk"
check 'wrong base: names the expected base' has "$err" "this delta updates 'org.example.science' version 1 (manifest "
check 'wrong base: names the actual base' has "$err" "'$tmp/v2.lpk' is 'org.example.science' version 2 (manifest "
check 'wrong base: nothing written' test ! -e "$tmp/bad.lpk"
run "$LPACK" create -q "$tmp/v1" -o "$tmp/other.lpk" --id org.example.other --release 1
expect_exit 1 "$LPACK" apply "$tmp/other.lpk" "$tmp/d12.lpd" -o "$tmp/bad.lpk"
check 'another package: refused' has "$err" "is 'org.example.other' version 1"
# the same release repackaged with another label is another base
run "$LPACK" create -q "$tmp/v1" -o "$tmp/relabel.lpk" --id org.example.science --release 1 --label other
expect_exit 1 "$LPACK" apply "$tmp/relabel.lpk" "$tmp/d12.lpd" -o "$tmp/bad.lpk"
check 'same id and version, other manifest: refused' has "$err" "this delta updates"

# --- damaged in transfer ---------------------------------------------------
cp "$tmp/d12.lpd" "$tmp/flip.lpd"
printf 'X' | dd of="$tmp/flip.lpd" bs=1 seek=$((size12 / 2)) conv=notrunc 2>/dev/null
expect_exit 1 "$LPACK" apply "$tmp/v1.lpk" "$tmp/flip.lpd" -o "$tmp/bad.lpk"
check 'damaged: refused as damaged' has "$err" "delta is damaged: its checksum does not match (get it again)"
check 'damaged: nothing written' test ! -e "$tmp/bad.lpk"
head -c $((size12 - 1)) "$tmp/d12.lpd" >"$tmp/cut.lpd"
expect_exit 1 "$LPACK" apply "$tmp/v1.lpk" "$tmp/cut.lpd" -o "$tmp/bad.lpk"
check 'truncated: refused' has "$err" "delta is damaged"
expect_exit 1 "$LPACK" info "$tmp/cut.lpd"
check 'info on a damaged delta: refused' has "$err" "damaged"
printf 'lpk-delta 3\n' >"$tmp/future.lpd"
expect_exit 1 "$LPACK" info "$tmp/future.lpd"
check 'newer format: says so' has "$err" "delta format 3 is newer than this library reads (2): update lp"
expect_exit 1 "$LPACK" apply "$tmp/v1.lpk" "$tmp/v2.lpk" -o "$tmp/bad.lpk"
check 'a package is not a delta' has "$err" "not a delta"

# --- chains -------------------------------------------------------------------
run "$LPACK" delta "$tmp/v2.lpk" "$tmp/v3.lpk" -o "$tmp/d23.lpd"
expect_exit 0 "$LPACK" apply "$tmp/v1.lpk" "$tmp/d12.lpd" "$tmp/d23.lpd" -o "$tmp/v3.new"
check 'chain: two deltas in turn, identical' cmp "$tmp/v3.lpk" "$tmp/v3.new"
check 'chain: no intermediate left' test "$(ls "$tmp" | grep -c 'chain\|tmp-')" -eq 0
expect_exit 0 "$LPACK" apply -n "$tmp/v1.lpk" "$tmp/d12.lpd" "$tmp/d23.lpd" -o "$tmp/v3.dry"
check 'chain --dry-run: each link' has "$out" "org.example.science 2 -> 3"
check 'chain --dry-run: writes nothing' test ! -e "$tmp/v3.dry"
expect_exit 1 "$LPACK" apply "$tmp/v1.lpk" "$tmp/d23.lpd" "$tmp/d12.lpd" -o "$tmp/bad.lpk"
check 'chain out of order: refused' has "$err" "this delta updates 'org.example.science' version 2"
check 'chain out of order: nothing written' test "$(ls "$tmp" | grep -c 'bad.lpk\|chain\|tmp-')" -eq 0
expect_exit 1 "$LPACK" apply "$tmp/v1.lpk" "$tmp/d12.lpd" "$tmp/d12.lpd" -o "$tmp/bad.lpk"
check 'chain: a second link that does not follow, named as given' has "$err" "'$tmp/d12.lpd' updates org.example.science version 1, not the release the delta before it makes"
check 'chain: a second link that does not follow: nothing left' test "$(ls "$tmp" | grep -c 'bad.lpk\|chain\|tmp-')" -eq 0
expect_exit 1 "$LPACK" apply -n "$tmp/v1.lpk" "$tmp/d12.lpd" "$tmp/d12.lpd" -o "$tmp/bad.lpk"
check 'chain --dry-run: a link that does not follow' has "$err" "not the release the delta before it makes"

# --- several old releases in one call ---------------------------------------------
mkdir "$tmp/out"
expect_exit 0 "$LPACK" delta "$tmp/v1.lpk" "$tmp/v2.lpk" "$tmp/v3.lpk" -o "$tmp/out"
check 'several olds: one delta from each' test -s "$tmp/out/org.example.science_1-3.lpd" -a -s "$tmp/out/org.example.science_2-3.lpd"
expect_exit 0 "$LPACK" apply "$tmp/v1.lpk" "$tmp/out/org.example.science_1-3.lpd" -o "$tmp/v3.from1"
check 'several olds: from 1, identical' cmp "$tmp/v3.lpk" "$tmp/v3.from1"
expect_exit 0 "$LPACK" apply "$tmp/v2.lpk" "$tmp/out/org.example.science_2-3.lpd" -o "$tmp/v3.from2"
check 'several olds: from 2, identical' cmp "$tmp/v3.lpk" "$tmp/v3.from2"
expect_exit 3 "$LPACK" delta "$tmp/v1.lpk" "$tmp/v2.lpk" "$tmp/v3.lpk" -o "$tmp/nofolder"
check 'several olds: -o must be a folder' has "$err" "OUT is a folder: '$tmp/nofolder' is not one"
check '  and nothing is made' test ! -e "$tmp/nofolder"

# --- -o names a folder: it exists, or ends in '/' (made); names joined cleanly -----
expect_exit 0 "$LPACK" delta "$tmp/v2.lpk" "$tmp/v3.lpk" -o "$tmp/made/"
check 'one old, -o DIR/: the delta goes into the new folder' test -s "$tmp/made/org.example.science_2-3.lpd"
check '  and its name is printed without a double slash' has "$out" "wrote $tmp/made/org.example.science_2-3.lpd:"
expect_exit 0 "$LPACK" delta "$tmp/v1.lpk" "$tmp/v3.lpk" -o "$tmp/made"
check 'one old, -o an existing folder (no slash): into it' test -s "$tmp/made/org.example.science_1-3.lpd"
mkdir "$tmp/slashes"
expect_exit 0 "$LPACK" delta "$tmp/v1.lpk" "$tmp/v2.lpk" "$tmp/v3.lpk" -o "$tmp/slashes//"
check 'several olds, -o DIR//: names joined with one slash' sh -c "grep -c '^wrote $tmp/slashes/org' '$out' | grep -qx 2 && ! grep -q '//' '$out'"
expect_exit 3 "$LPACK" delta "$tmp/v1.lpk" "$tmp/v3.lpk" -o "$tmp/no/such/"
check '-o DIR/ whose parent is missing: a clear error' has "$err" "cannot make the folder '$tmp/no/such/'"

# --- in place: -o names the old package -------------------------------------------
cp "$tmp/v1.lpk" "$tmp/hub.lpk"
expect_exit 0 "$LPACK" apply "$tmp/hub.lpk" "$tmp/d12.lpd" -o "$tmp/hub.lpk"
check 'in place: the hub now has the new release' cmp "$tmp/v2.lpk" "$tmp/hub.lpk"
expect_exit 1 "$LPACK" apply "$tmp/hub.lpk" "$tmp/d12.lpd" -o "$tmp/hub.lpk"
check 'in place again: refused (already updated)' has "$err" "this delta updates"
check 'in place again: package intact' cmp "$tmp/v2.lpk" "$tmp/hub.lpk"

# --- the zstd level of the new release is found, and kept -----------------------------
run "$LPACK" create -q "$tmp/v2" -o "$tmp/v2l9.lpk" --id org.example.science --release 2 --level 9
expect_exit 0 "$LPACK" delta "$tmp/v1.lpk" "$tmp/v2l9.lpk" -o "$tmp/d9.lpd"
check 'level 9 found' grep -q '^level 9 exact$' "$tmp/d9.lpd"
expect_exit 0 "$LPACK" apply "$tmp/v1.lpk" "$tmp/d9.lpd" -o "$tmp/v2l9.new"
check 'level 9: identical' cmp "$tmp/v2l9.lpk" "$tmp/v2l9.new"

# --- a target another writer made: rebuilt and checked, not byte for byte --
# (here: "version made by" in its central directory, which readers ignore)
"$py" - "$tmp/v2.lpk" "$tmp/foreign.lpk" <<'EOF'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
cd = struct.unpack_from("<I", data, len(data) - 22 + 16)[0]
assert data[cd:cd + 4] == b"PK\x01\x02"
data[cd + 4] = 20          # version made by: MS-DOS 2.0, not Unix 6.3
open(sys.argv[2], "wb").write(data)
EOF
expect_exit 0 "$LPACK" verify "$tmp/foreign.lpk"
expect_exit 0 "$LPACK" delta "$tmp/v1.lpk" "$tmp/foreign.lpk" -o "$tmp/foreign.lpd"
expect_exit 0 "$LPACK" apply "$tmp/v1.lpk" "$tmp/foreign.lpd" -o "$tmp/foreign.new"
check 'another writer: reported as not byte for byte' has "$out" "checked, but not byte for byte the original"
check 'another writer: the result differs only there' "$py" -c 'import sys; a=open(sys.argv[1],"rb").read(); b=open(sys.argv[2],"rb").read(); assert len(a)==len(b) and sum(x!=y for x,y in zip(a,b))==1' "$tmp/foreign.lpk" "$tmp/foreign.new"
expect_exit 0 "$LPACK" verify "$tmp/foreign.new" --trust "$tmp/trust"

# --- memory: --max-window ----------------------------------------------------------
mkdir -p "$tmp/w1"
"$py" -c 'import random,sys; r=random.Random(3); sys.stdout.write("".join("%08d %s\n" % (i, r.random()) for i in range(120000)))' >"$tmp/w1/big.txt"
cp -R "$tmp/w1" "$tmp/w2"
sed -i '80000s/.*/changed/' "$tmp/w2/big.txt"
run "$LPACK" create -q "$tmp/w1" -o "$tmp/w1.lpk" --id org.example.w --release 1
run "$LPACK" create -q "$tmp/w2" -o "$tmp/w2.lpk" --id org.example.w --release 2
run "$LPACK" delta -l 9 "$tmp/w1.lpk" "$tmp/w2.lpk" -o "$tmp/w.lpd"
wsize=$(wc -c <"$tmp/w.lpd")
check "a big text edited: patched, small ($wsize bytes)" test "$wsize" -lt 3000
expect_exit 1 "$LPACK" apply --max-window 4M "$tmp/w1.lpk" "$tmp/w.lpd" -o "$tmp/w.new"
check '--max-window: refused before decoding' has "$err" "this delta needs"
check '--max-window: says what to do' has "$err" "ask for a delta made with --max-window"
check '--max-window: nothing written' test ! -e "$tmp/w.new"
expect_exit 0 "$LPACK" delta -l 9 --max-window 4M "$tmp/w1.lpk" "$tmp/w2.lpk" -o "$tmp/w4.lpd"
expect_exit 0 "$LPACK" apply --max-window 4M "$tmp/w1.lpk" "$tmp/w4.lpd" -o "$tmp/w.new"
check 'a delta made for a small hub applies there' cmp "$tmp/w2.lpk" "$tmp/w.new"
# lpd(5): apply needs at most 64 MiB plus the window (not under ASan, whose
# shadow memory counts in the RSS; it does not run under ulimit -v)
if [ -x /usr/bin/time ] && (ulimit -v 400000; "$LPACK" --version) >/dev/null 2>&1; then
    /usr/bin/time -f %M -o "$tmp/rss" "$LPACK" apply -q --max-window 4M \
        "$tmp/w1.lpk" "$tmp/w4.lpd" -o "$tmp/w.rss"
    rss=$(tail -n 1 "$tmp/rss")
    check "apply --max-window 4M: peak RSS $rss KiB, at most 64 MiB + 4 MiB" test "$rss" -le $(((64 + 4) * 1024))
else
    skip 'apply --max-window 4M: peak RSS' 'sanitizer build (or no /usr/bin/time)'
fi
expect_exit 2 "$LPACK" delta --max-window 1M "$tmp/w1.lpk" "$tmp/w2.lpk" -o "$tmp/x.lpd"
check '--max-window below 4M: usage error' has "$err" "invalid value '1M' for '--max-window'"
expect_exit 2 "$LPACK" apply --max-window lots "$tmp/w1.lpk" "$tmp/w.lpd" -o "$tmp/x.lpk"
check '--max-window not a size: usage error' has "$err" "expected a size"

# --- usage ---------------------------------------------------------------------
expect_exit 2 "$LPACK" delta "$tmp/v1.lpk" "$tmp/v2.lpk"
check 'delta without -o: usage' has "$err" "missing -o OUT (or --dry-run)"
expect_exit 2 "$LPACK" delta -n "$tmp/v1.lpk" "$tmp/v2.lpk" -o "$tmp/x.lpd"
check 'delta -o and -n: usage' has "$err" "do not go together"
expect_exit 2 "$LPACK" delta "$tmp/v1.lpk" -o "$tmp/x.lpd"
check 'delta with one package: usage' has "$err" "expected OLD.lpk and NEW.lpk"
expect_exit 2 "$LPACK" apply "$tmp/v1.lpk" -o "$tmp/x.lpk"
check 'apply without a delta: usage' has "$err" "expected OLD.lpk and at least one delta"
expect_exit 2 "$LPACK" apply "$tmp/v1.lpk" "$tmp/d12.lpd"
check 'apply without -o: usage' has "$err" "missing -o NEW.lpk"
expect_exit 3 "$LPACK" delta "$tmp/nope.lpk" "$tmp/v2.lpk" -o "$tmp/x.lpd"
check 'delta: missing old package' has "$err" "nope.lpk"
expect_exit 3 "$LPACK" apply "$tmp/v1.lpk" "$tmp/nope.lpd" -o "$tmp/x.lpk"
check 'apply: missing delta' has "$err" "nope.lpd"
expect_exit 0 "$LPACK" delta --help
check 'delta --help' has "$out" "usage: lpack delta"
expect_exit 0 "$LPACK" apply --help
check 'apply --help' has "$out" "usage: lpack apply"
done_testing
