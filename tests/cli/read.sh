#!/bin/sh
# lpack info, ls and cat: human and JSON output, errors.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

src=$tmp/src
mkdir -p "$src/ar" "$src/media"
printf 'الدرس الأول: الأعداد من واحد إلى عشرة\n' > "$src/ar/درس-1.txt"
printf 'Leçon 1 : les nombres de un à dix\n' > "$src/fr.txt"
head -c 3000 /dev/urandom > "$src/media/v.mp4"
SOURCE_DATE_EPOCH=1764338400 run "$LPACK" create -q "$src" -o "$tmp/p.lpk" \
    --id org.example.ar-fr --release 12 --label 'Sana 2026 "A"' --lang "ar fr"
check 'package made' test "$status" -eq 0

expect_exit 0 "$LPACK" info --json "$tmp/p.lpk"
python3 - "$out" <<'PY' && ok 'info --json is valid JSON with every field' || not_ok 'info --json is valid JSON with every field' "$(cat "$out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["id"] == "org.example.ar-fr" and d["version"] == 12
assert d["label"] == 'Sana 2026 "A"' and d["languages"] == ["ar", "fr"]
assert d["created"] == "2025-11-28T14:00:00Z" and d["created_unix"] == 1764338400
assert d["format"] == 1 and d["entries"] == 3 and d["objects"] == 3
assert d["content_bytes"] > 3000 and d["file_bytes"] > 3000
assert len(d["manifest"]) == 64 and int(d["manifest"], 16) >= 0
PY
expect_exit 0 "$LPACK" ls "$tmp/p.lpk"
check 'ls lists sorted paths' test "$(cat "$out")" = "$(printf 'ar/درس-1.txt\nfr.txt\nmedia/v.mp4')"
expect_exit 0 "$LPACK" ls --json "$tmp/p.lpk"
python3 - "$out" "$src" <<'PY' && ok 'ls --json entries match the files' || not_ok 'ls --json entries match the files' "$(cat "$out")"
import json, sys, hashlib, os
for e in json.load(open(sys.argv[1])):
    data = open(os.path.join(sys.argv[2], e["path"]), "rb").read()
    assert e["size"] == len(data)
    assert e["hash"] == hashlib.blake2b(data, digest_size=32).hexdigest()
    assert isinstance(e["compressed"], bool) and e["stored_size"] > 0
    assert "/" in e["media_type"]
PY
expect_exit 0 "$LPACK" cat "$tmp/p.lpk" "ar/درس-1.txt"
check 'cat gives the content' cmp -s "$out" "$src/ar/درس-1.txt"
expect_exit 0 "$LPACK" cat "$tmp/p.lpk" media/v.mp4
check 'cat of binary content' cmp -s "$out" "$src/media/v.mp4"
expect_exit 1 "$LPACK" cat "$tmp/p.lpk" nope.txt
check 'missing entry named' has "$err" "'nope.txt' is not in"
expect_exit 3 "$LPACK" info "$tmp/absent.lpk"
check 'missing package named' has "$err" "absent.lpk"
printf 'not a package' > "$tmp/junk.lpk"
expect_exit 1 "$LPACK" info "$tmp/junk.lpk"
check 'junk is not a valid package' has "$err" "not a valid package"
expect_exit 1 "$LPACK" ls "$tmp/junk.lpk"
# a closed pipe is not a crash
"$LPACK" cat "$tmp/p.lpk" media/v.mp4 | head -c 1 > /dev/null
check 'cat into a closed pipe does not crash' true
done_testing
