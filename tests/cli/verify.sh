#!/bin/sh
# lpack verify: good packages pass; a damaged object is named; JSON report.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

src=$tmp/src
mkdir -p "$src/lessons"
i=0
while [ $i -lt 40 ]; do
    printf 'Lesson %d: plants need water, light and soil to grow.\n' $i > "$src/lessons/$i.txt"
    i=$((i + 1))
done
head -c 20000 /dev/urandom > "$src/photo.jpg"
run "$LPACK" create -q "$src" -o "$tmp/p.lpk"

expect_exit 0 "$LPACK" verify "$tmp/p.lpk"
check 'OK line with counts' has "$out" "p.lpk: OK (41 entries, 41 objects verified)"
expect_exit 0 "$LPACK" verify -q "$tmp/p.lpk"
check '-q prints nothing' is_empty "$out"
expect_exit 0 "$LPACK" verify --threads 1 "$tmp/p.lpk"
expect_exit 0 "$LPACK" verify --json "$tmp/p.lpk"
check 'json ok' grep -q '"ok":true' "$out"

# damage the stored photo in place: the same size, other bytes
python3 - "$tmp/p.lpk" "$src/photo.jpg" <<'PY'
import sys
pkg = open(sys.argv[1], "rb").read()
photo = open(sys.argv[2], "rb").read()
at = pkg.index(photo[:64]) + 5000
open(sys.argv[1], "r+b").write(pkg[:at] + bytes([pkg[at] ^ 0x20]) + pkg[at + 1:])
PY
expect_exit 1 "$LPACK" verify "$tmp/p.lpk"
check 'names the damaged entry' has "$err" "entry 'photo.jpg'"
check 'says what is wrong' has "$err" "hash does not match the manifest"
check 'no OK line' is_empty "$out"
expect_exit 1 "$LPACK" verify --json "$tmp/p.lpk"
python3 - "$out" <<'PY' && ok 'json lists the problem' || not_ok 'json lists the problem' "$(cat "$out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is False and len(d["problems"]) == 1
p = d["problems"][0]
assert p["path"] == "photo.jpg" and p["code"] == "LP_EHASH", p
assert "hash" in p["message"]
PY
expect_exit 1 "$LPACK" cat "$tmp/p.lpk" photo.jpg
check 'cat refuses damaged content' has "$err" "photo.jpg"
expect_exit 1 "$LPACK" extract "$tmp/p.lpk" -C "$tmp/x"
check 'extract leaves no damaged file under its name' test ! -e "$tmp/x/photo.jpg"
check 'extract leaves no temporary file' test -z "$(ls -A "$tmp/x" | grep '^\.lp-')"

# every problem is reported, not just the first
python3 - "$tmp/p.lpk" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
raw = bytearray(open(sys.argv[1], "rb").read())
for info in z.infolist()[2:6]:
    # local header: 30 bytes + name + extra, then data
    n = int.from_bytes(raw[info.header_offset + 26:info.header_offset + 28], "little")
    x = int.from_bytes(raw[info.header_offset + 28:info.header_offset + 30], "little")
    at = info.header_offset + 30 + n + x + info.compress_size // 2
    raw[at] ^= 0xff
open(sys.argv[1], "wb").write(raw)
PY
expect_exit 1 "$LPACK" verify "$tmp/p.lpk"
check 'several damaged objects: several messages' test "$(grep -c "lpack verify:" "$err")" -ge 4
expect_exit 3 "$LPACK" verify "$tmp/none.lpk"
expect_exit 3 "$LPACK" verify --json "$tmp/none.lpk"
check 'json even when the package cannot be opened' grep -q '"ok":false' "$out"
done_testing
