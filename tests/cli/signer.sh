#!/bin/sh
# A signing officer sees what they sign: sign-manifest shows the package
# before the passphrase and says what it wrote; info reads a manifest
# file; info and verify list a package's signatures (key id, time,
# comment, holder with a trust file) and say when they were not checked.
# Passphrases: keygen checks both files before asking, a wrong passphrase
# exits 1.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

mkdir -p "$tmp/src"
echo 'Lesson 1' >"$tmp/src/a.txt"
echo 'Lesson 1' >"$tmp/src/b.txt"
echo 'Lisaun 2' >"$tmp/src/c.txt"
SOURCE_DATE_EPOCH=1796655000 run "$LPACK" create -q "$tmp/src" -o "$tmp/p.lpk" \
    --id tl.moe.math --release 3 --label "2026 term 1" --lang tet,pt --expires 2027-01-31
cp "$tmp/p.lpk" "$tmp/unsigned.lpk"
run "$LPACK" keygen -q -p "$tmp/k.pub" -s "$tmp/k.key" --no-passphrase
printf 'kanguru\n' >"$tmp/pass"
printf 'wrong horse\n' >"$tmp/badpass"
run "$LPACK" keygen -q -p "$tmp/e.pub" -s "$tmp/e.key" --passphrase-file "$tmp/pass"
run "$LPACK" manifest "$tmp/p.lpk" -o "$tmp/p.manifest"
# -o: written atomically, an existing file replaced whole, nothing left over
mkdir "$tmp/mf"
echo 'something else, longer than nothing at all' >"$tmp/mf/m"
expect_exit 0 "$LPACK" manifest "$tmp/p.lpk" -o "$tmp/mf/m"
check 'manifest -o: replaces an existing file' cmp -s "$tmp/mf/m" "$tmp/p.manifest"
check '  no temporary file left' test "$(ls -A "$tmp/mf")" = m
expect_exit 3 "$LPACK" manifest "$tmp/p.lpk" -o "$tmp/nosuch/m"
check '  an unwritable place: says which file' has "$err" "$tmp/nosuch/m"
hash=$(b2sum -l 256 "$tmp/p.manifest" | cut -d' ' -f1)

# ------------------------------------------------------------ sign-manifest
expect_exit 0 "$LPACK" sign-manifest "$tmp/p.manifest" --secret "$tmp/k.key" -o "$tmp/p.minisig" --comment "approved"
check 'shows what is signed: the file' has "$out" "signing '$tmp/p.manifest':"
check '  id' has "$out" "id: tl.moe.math"
check '  version' has "$out" "version: 3"
check '  label' has "$out" "label: 2026 term 1"
check '  languages' has "$out" "languages: tet pt"
check '  created' has "$out" "created: 2026-12-07T14:50:00Z"
check '  expires' has "$out" "expires: 2027-01-31T00:00:00Z"
check '  entries' has "$out" "entries: 3"
check '  objects (distinct contents)' has "$out" "objects: 2"
check '  size' has "$out" "content: 27 bytes"
check '  the manifest hash (b2sum -l 256 agrees)' has "$out" "manifest: blake2b-256 $hash"
check 'says what it wrote' has "$out" "wrote '$tmp/p.minisig': signature by key $(sed -n 1p "$tmp/k.pub" | sed 's/.* //' | tr 'A-F' 'a-f')"
check '  and what comes next' has "$out" "next: lpack attach PKG $tmp/p.minisig --public KEY.pub"
if command -v minisign >/dev/null 2>&1; then
    check 'stock minisign verifies it' minisign -Vq -p "$tmp/k.pub" -m "$tmp/p.manifest" -x "$tmp/p.minisig"
else
    skip 'stock minisign verifies it' 'minisign is not installed'
fi
expect_exit 2 "$LPACK" sign-manifest "$tmp/p.lpk" --secret "$tmp/k.key" -o "$tmp/x.minisig"
check 'a package: says what to do' has "$err" "'$tmp/p.lpk' is a package, not a manifest; run 'lpack manifest $tmp/p.lpk -o FILE' first, or 'lpack sign $tmp/p.lpk'"
check '  nothing written' test ! -e "$tmp/x.minisig"
printf 'lpk-manifest 1\nid x\n' >"$tmp/bad.manifest"
expect_exit 1 "$LPACK" sign-manifest "$tmp/bad.manifest" --secret "$tmp/e.key" -o "$tmp/x.minisig"
check 'a broken manifest: refused before the passphrase' sh -c "! grep -q 'terminal' '$err'"
expect_exit 1 "$LPACK" sign-manifest "$tmp/p.manifest" --secret "$tmp/e.key" -o "$tmp/x.minisig" --passphrase-file "$tmp/badpass"
check 'wrong passphrase: exit 1, says so' has "$err" "wrong passphrase for secret key"
check '  but showed what it would sign' has "$out" "id: tl.moe.math"
run "$LPACK" attach "$tmp/p.lpk" "$tmp/p.minisig" --public "$tmp/k.pub"

# ------------------------------------------------------------ info
expect_exit 0 "$LPACK" info "$tmp/p.manifest"
check 'info reads a manifest file' has "$out" "manifest: blake2b-256 $hash"
check '  its identity' has "$out" "id: tl.moe.math"
expect_exit 0 "$LPACK" info --json "$tmp/p.manifest"
check '  json' has "$out" "\"id\":\"tl.moe.math\",\"version\":3,\"label\":\"2026 term 1\",\"languages\":\"tet,pt\""
expect_exit 1 "$LPACK" info "$tmp/bad.manifest"
expect_exit 0 "$LPACK" info "$tmp/p.lpk"
kid=$(sed -n 1p "$tmp/k.pub" | sed 's/.* //' | tr 'A-F' 'a-f')
check 'info: the same manifest hash as sign-manifest showed' has "$out" "manifest: blake2b-256 $hash"
check '  lists the signature' has "$out" "signature: key $kid, signed "
check '  with its comment' has "$out" ", comment: approved"
check '  not checked' has "$out" "signatures: 1 (not checked: lpack verify --trust checks them)"
"$LPACK" trust init -q "$tmp/t" --threshold 1
"$LPACK" trust add -q "$tmp/t" "$tmp/k.pub" --holder "Ministry of Education"
expect_exit 0 "$LPACK" info "$tmp/p.lpk" --trust "$tmp/t"
check '  --trust: the holder' has "$out" "signature: key $kid (Ministry of Education), signed "
expect_exit 0 "$LPACK" info --json "$tmp/p.lpk" --trust "$tmp/t"
check '  json' has "$out" "\"key\":\"$kid\","
check '  json: holder' has "$out" '"comment":"approved","holder":"Ministry of Education","error":null}],"signatures_checked":false}'
expect_exit 1 "$LPACK" info "$tmp/p.lpk" --trust "$tmp/bad.manifest"

# ------------------------------------------------------------ verify
expect_exit 0 "$LPACK" verify "$tmp/p.lpk"
check 'verify without --trust lists the signature' has "$out" "signature: key $kid, signed "
check '  and says it was not checked' has "$out" "p.lpk: 1 signature not checked: give --trust TRUST to check it"
expect_exit 0 "$LPACK" verify "$tmp/unsigned.lpk"
check 'an unsigned package: says so' has "$out" "unsigned.lpk: not signed"
expect_exit 0 "$LPACK" verify --json "$tmp/p.lpk"
check '  json' has "$out" '"signatures_checked":false'
check '  json lists it' has "$out" "\"key\":\"$kid\""
expect_exit 0 "$LPACK" verify "$tmp/p.lpk" --trust "$tmp/t"
check 'verify --trust: holder, time, comment' has "$out" "key $kid (Ministry of Education): good signature, made "
check '  comment' has "$out" ", comment: approved"
expect_exit 0 "$LPACK" verify --json "$tmp/p.lpk" --trust "$tmp/t"
check '  json: checked' has "$out" '"signatures_checked":true'

# ------------------------------------------------------------ attach
# stock minisign signs what lpack attaches, given the trusted comment
# lpack manifest --trusted-comment prints
expect_exit 0 "$LPACK" manifest "$tmp/p.lpk" --trusted-comment
check 'the trusted comment for minisign -t' grep -Eqx 'lp-signature v1 id=tl\.moe\.math version=3 time=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z' "$out"
expect_exit 0 "$LPACK" manifest "$tmp/p.lpk" --trusted-comment --comment "term 1 release"
check '  with a comment' grep -Eq ' comment=term 1 release$' "$out"
expect_exit 2 "$LPACK" manifest "$tmp/p.lpk" --trusted-comment -o "$tmp/x"
check '  not with --output' has "$err" "options '--output' and '--trusted-comment' conflict"
expect_exit 2 "$LPACK" manifest "$tmp/p.lpk" --comment x -o "$tmp/x"
check '  --comment needs it' has "$err" "option '--comment' needs '--trusted-comment'"
expect_exit 2 "$LPACK" manifest "$tmp/p.lpk" --trusted-comment --comment "$(printf 'a\tb')"
check '  a bad comment refused' has "$err" "comment must be 1 to"
if command -v minisign >/dev/null 2>&1; then
    run "$LPACK" keygen -q -p "$tmp/m.pub" -s "$tmp/m.key" --no-passphrase
    minisign -S -s "$tmp/m.key" -m "$tmp/p.manifest" -x "$tmp/m.minisig" \
        -t "$("$LPACK" manifest "$tmp/p.lpk" --trusted-comment --comment 'stock')" </dev/null >/dev/null 2>&1
    expect_exit 0 "$LPACK" attach "$tmp/p.lpk" "$tmp/m.minisig" --public "$tmp/m.pub"
    "$LPACK" trust add -q "$tmp/t" "$tmp/m.pub" --holder "minisign user"
    expect_exit 0 "$LPACK" verify "$tmp/p.lpk" --trust "$tmp/t"
    check 'a stock minisign signature counts' has "$out" "(minisign user): good signature, made "
    check '  with its comment' has "$out" ", comment: stock"
    unzip -p "$tmp/p.lpk" "signatures/$(sed -n 1p "$tmp/m.pub" | sed 's/.* //' | tr 'A-F' 'a-f').minisig" >"$tmp/back.minisig"
    check '  and minisign -V still verifies it' minisign -Vq -p "$tmp/m.pub" -m "$tmp/p.manifest" -x "$tmp/back.minisig"
else
    skip 'stock minisign signature attached' 'minisign is not installed'
fi

# ------------------------------------------------------------ keygen
expect_exit 3 "$LPACK" keygen -p "$tmp/nosuch/k.pub" -s "$tmp/n.key" </dev/null
check 'keygen: an unwritable public key checked before the passphrase' has "$err" "cannot write '$tmp/nosuch/k.pub' (in '$tmp/nosuch'): No such file or directory"
check '  no secret key written' test ! -e "$tmp/n.key"
expect_exit 3 "$LPACK" keygen -p "$tmp/n.pub" -s "$tmp/k.pub/k.key" </dev/null
check '  an unwritable secret key too' has "$err" "cannot write '$tmp/k.pub/k.key'"
expect_exit 3 "$LPACK" keygen -p "$tmp/n.pub" -s "$tmp/k.key" </dev/null
check '  an existing key' has "$err" "'$tmp/k.key' exists (use --force to replace it)"
expect_exit 2 "$LPACK" keygen -p "$tmp/n.key" -s "$tmp/n.key" --no-passphrase
check '  one file for both' has "$err" "the public and the secret key cannot both be"
expect_exit 1 "$LPACK" sign "$tmp/p.lpk" --secret "$tmp/e.key" --passphrase-file "$tmp/badpass"
check 'sign: a wrong passphrase exits 1' has "$err" "wrong passphrase"
done_testing
