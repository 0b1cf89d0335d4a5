#!/bin/sh
# lpack publish (lp-repo(5)): content-addressed files, deltas to the
# newest release, one signed index with a growing serial; deterministic
# and idempotent; refusals.  Stock minisign checks the index signature.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

SOURCE_DATE_EPOCH=1765000000
export SOURCE_DATE_EPOCH
py=${PYTHON:-python3}

mkdir -p "$tmp/src"
"$py" - "$tmp/src" <<'PYEOF'
import os, random, sys
rnd = random.Random(3)
for i in range(10):
    with open(os.path.join(sys.argv[1], "l%02d.txt" % i), "w") as f:
        f.write(" ".join(rnd.choice(["seed", "rain", "soil", "leaf"])
                         for _ in range(4000)) + "\n")
PYEOF
for k in a b rogue; do
    run "$LPACK" keygen -q -p "$tmp/$k.pub" -s "$tmp/$k.key" --no-passphrase
done
for v in 1 2 3 4; do
    rm -rf "$tmp/t$v"
    cp -R "$tmp/src" "$tmp/t$v"
    echo "release $v" >>"$tmp/t$v/l0$v.txt"
    SOURCE_DATE_EPOCH=$((1700000000 + v * 86400)) \
        run "$LPACK" create -q "$tmp/t$v" -o "$tmp/r$v.lpk" \
        --id org.example.pub --release $v --label "Term $v"
    run "$LPACK" sign -q "$tmp/r$v.lpk" -s "$tmp/a.key"
done
SOURCE_DATE_EPOCH=1700172800 run "$LPACK" create -q "$tmp/t2" -o "$tmp/unsigned.lpk" --id org.example.pub --release 5
SOURCE_DATE_EPOCH=1700172800 run "$LPACK" create -q "$tmp/t2" -o "$tmp/other2.lpk" --id org.example.pub --release 2 --label other
run "$LPACK" sign -q "$tmp/other2.lpk" -s "$tmp/a.key"

# --- a new repository -----------------------------------------------------
expect_exit 0 "$LPACK" publish "$tmp/repo" "$tmp/r1.lpk" "$tmp/r2.lpk" -s "$tmp/a.key"
check 'first publish: serial 1' has "$out" "index serial 1, signed by 1 key: 2 releases and 1 delta"
check 'index written' test -s "$tmp/repo/index"
check 'index: format line' test "$(head -n 1 "$tmp/repo/index")" = "lp-repo 1"
check 'index: the release lines' test "$(grep -c '^release ' "$tmp/repo/index")" -eq 2
check 'index: created from SOURCE_DATE_EPOCH' grep -q '^created 2025-12-06T05:46:40Z$' "$tmp/repo/index"
check 'index: expires 90 days later' grep -q '^expires 2026-03-06T05:46:40Z$' "$tmp/repo/index"
h1=$(b2sum -l 256 "$tmp/r1.lpk" | cut -c1-64)
check 'packages named by the hash of their bytes' cmp "$tmp/r1.lpk" "$tmp/repo/files/$h1.lpk"
check 'index names the file by its hash' grep -q "^release 1 $(wc -c <"$tmp/r1.lpk") $h1 " "$tmp/repo/index"
check 'one delta, named by its hash' test "$(ls "$tmp/repo/files" | grep -c '\.lpd$')" -eq 1
for f in "$tmp"/repo/files/*.lpd; do
    check 'delta file: its name is its hash' test "$(b2sum -l 256 "$f" | cut -c1-64).lpd" = "$(basename "$f")"
done
check 'no temporary file left' test -z "$(find "$tmp/repo" -name '*tmp*')"

# --- more releases: deltas to the newest from the 3 before it --------------
expect_exit 0 "$LPACK" publish "$tmp/repo" "$tmp/r3.lpk" "$tmp/r4.lpk" -s "$tmp/a.key"
check 'second publish: serial 2' has "$out" "index serial 2"
check 'deltas 1->4, 2->4, 3->4 and the earlier 1->2' \
    test "$(grep '^delta ' "$tmp/repo/index" | cut -d' ' -f2,3 | tr '\n' ,)" = "1 2,1 4,2 4,3 4,"
d34=$(sed -n 's/^delta 3 4 [0-9]* \([0-9a-f]*\)$/\1/p' "$tmp/repo/index")
expect_exit 0 "$LPACK" apply "$tmp/r3.lpk" "$tmp/repo/files/$d34.lpd" -o "$tmp/r4.new"
check 'a published delta rebuilds the release' cmp "$tmp/r4.lpk" "$tmp/r4.new"
cp "$tmp/repo/index" "$tmp/index.2"

# --- idempotent, deterministic --------------------------------------------
expect_exit 0 "$LPACK" publish "$tmp/repo" "$tmp/r1.lpk" "$tmp/r4.lpk" -s "$tmp/a.key"
check 'the same packages again: nothing new' has "$out" "nothing new; index serial 2 unchanged"
check 'the same packages again: index unchanged' cmp "$tmp/index.2" "$tmp/repo/index"
expect_exit 0 "$LPACK" publish -q "$tmp/repo2" "$tmp/r1.lpk" "$tmp/r2.lpk" -s "$tmp/a.key"
expect_exit 0 "$LPACK" publish -q "$tmp/repo2" "$tmp/r3.lpk" "$tmp/r4.lpk" -s "$tmp/a.key"
check 'deterministic: another repository, the same index' cmp "$tmp/repo/index" "$tmp/repo2/index"
check 'deterministic: the same files' test "$(ls "$tmp/repo/files")" = "$(ls "$tmp/repo2/files")"

# --- refresh, co-signers ----------------------------------------------------
SOURCE_DATE_EPOCH=1766000000 expect_exit 0 "$LPACK" publish "$tmp/repo" --refresh -s "$tmp/a.key" -s "$tmp/b.key" --valid-for 10
check 'refresh: serial 3, two keys' has "$out" "index serial 3, signed by 2 keys: 0 releases and 0 deltas"
check 'refresh: new expiry' grep -q '^expires 2025-12-27T19:33:20Z$' "$tmp/repo/index"
check 'two signature blocks' test "$(grep -c '^trusted comment: lp-index-signature v1 time=' "$tmp/repo/index")" -eq 2

# stock minisign checks each signature over the bytes up to 'signatures'
if command -v minisign >/dev/null 2>&1; then
    sed -n '1,/^signatures$/p' "$tmp/repo/index" >"$tmp/index.body"
    sed '1,/^signatures$/d' "$tmp/repo/index" | head -n 4 >"$tmp/index.body.minisig"
    check 'minisign -V checks the index signature' \
        minisign -Vm "$tmp/index.body" -p "$tmp/a.pub" -q
else
    skip 'minisign -V checks the index signature' 'minisign not installed'
fi

# --- refusals -----------------------------------------------------------------
cp "$tmp/repo/index" "$tmp/index.3"
expect_exit 1 "$LPACK" publish "$tmp/repo" "$tmp/unsigned.lpk" -s "$tmp/a.key"
check 'unsigned package refused' has "$err" "is not signed by any of the publishing keys"
expect_exit 3 "$LPACK" publish "$tmp/repo" "$tmp/other2.lpk" -s "$tmp/a.key"
check 'a release number with other content refused' has "$err" "release 2 of 'org.example.pub' is published already, with other content"
expect_exit 1 "$LPACK" publish "$tmp/repo" --refresh -s "$tmp/rogue.key"
check 'an index signed by other keys refused' has "$err" "is not signed by any of the publishing keys"
check 'refusals leave the index as it was' cmp "$tmp/index.3" "$tmp/repo/index"
mkdir -p "$tmp/bad/files"
printf 'lp-repo 1\nserial 0\n' >"$tmp/bad/index"
expect_exit 1 "$LPACK" publish "$tmp/bad" "$tmp/r1.lpk" -s "$tmp/a.key"
check 'a damaged index refused' has "$err" "index"

# --- usage --------------------------------------------------------------------
expect_exit 2 "$LPACK" publish "$tmp/repo" "$tmp/r1.lpk"
check 'no key: usage' has "$err" "missing option '--secret'"
expect_exit 2 "$LPACK" publish "$tmp/repo" -s "$tmp/a.key" -s "$tmp/a.key"
check 'the same key twice: usage' has "$err" "given twice"
expect_exit 2 "$LPACK" publish "$tmp/repo" -s "$tmp/a.key" --deltas 65
expect_exit 2 "$LPACK" publish "$tmp/repo" -s "$tmp/a.key" --valid-for 0
expect_exit 0 "$LPACK" publish --help
check 'help names the format' has "$out" "lp-repo(5)"
done_testing
