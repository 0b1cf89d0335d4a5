#!/bin/sh
# Trust rotation (lp-trust(5), ROTATION): lpack trust sign / trust update.
# A new trust file replaces the current one only if the current one's
# threshold of keys signed it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

keyid() { sed -n '1s/.*public key //p' "$1" | tr 'A-F' 'a-f'; }
b64() { sed -n 2p "$1"; }

for k in min par bak rev out nmin; do
    run "$LPACK" keygen -q -p "$tmp/$k.pub" -s "$tmp/$k.key" --no-passphrase
done
cat >"$tmp/hub.trust" <<EOT
lp-trust 1
threshold 2
key $(b64 "$tmp/min.pub") - - Ministry of Education
key $(b64 "$tmp/par.pub") - - UNICEF partner
key $(b64 "$tmp/bak.pub") - - backup key
key $(b64 "$tmp/rev.pub") - - lost laptop
revoked $(keyid "$tmp/rev.pub") stolen
EOT
cp "$tmp/hub.trust" "$tmp/hub.orig"
# the new file: the ministry moves to a new key, the lost laptop goes
cat >"$tmp/new.trust" <<EOT
lp-trust 1
threshold 2
key $(b64 "$tmp/nmin.pub") - - Ministry of Education (2027 key)
key $(b64 "$tmp/par.pub") - - UNICEF partner
key $(b64 "$tmp/bak.pub") - - backup key
EOT

expect_exit 1 "$LPACK" trust update "$tmp/new.trust" --trust "$tmp/hub.trust"
check 'unsigned update refused' has "$err" "refused: '$tmp/new.trust' does not replace '$tmp/hub.trust': the new trust file is not signed"
check '  current file unchanged' cmp -s "$tmp/hub.trust" "$tmp/hub.orig"

expect_exit 0 "$LPACK" trust sign "$tmp/new.trust" --secret "$tmp/min.key" --comment 'rotation 2027'
check 'trust sign: says where' has "$out" "signed by key $(keyid "$tmp/min.pub") (in '$tmp/new.trust.minisig')"
check 'signature in NEW.minisig' test "$(grep -c '^trusted comment: lp-trust-signature v1 time=' "$tmp/new.trust.minisig")" -eq 1
check 'the comment is in the trusted comment' has "$tmp/new.trust.minisig" ' comment=rotation 2027'
run "$LPACK" trust sign -q "$tmp/new.trust" --secret "$tmp/min.key"
check 'signing twice replaces' test "$(grep -c '^trusted comment' "$tmp/new.trust.minisig")" -eq 1
for k in out rev; do
    run "$LPACK" trust sign -q "$tmp/new.trust" --secret "$tmp/$k.key"
done
expect_exit 1 "$LPACK" trust update "$tmp/new.trust" --trust "$tmp/hub.trust"
check 'below threshold: refused' has "$err" "does not replace '$tmp/hub.trust': 1 of the 2 trusted signatures needed"
check 'below threshold: the good signer' has "$out" "(Ministry of Education): good signature"
check 'untrusted signer reported' has "$err" "key $(keyid "$tmp/out.pub"): not counted: key is not in the trust file"
check 'revoked signer reported' has "$err" "(lost laptop): not counted: key is revoked"
check '  current file unchanged' cmp -s "$tmp/hub.trust" "$tmp/hub.orig"

# a stock minisign verifies each signature block
if command -v minisign >/dev/null 2>&1; then
    head -n 4 "$tmp/new.trust.minisig" >"$tmp/one.minisig"
    check 'minisign -V verifies a trust signature' \
        minisign -Vq -p "$tmp/min.pub" -m "$tmp/new.trust" -x "$tmp/one.minisig"
else
    skip 'minisign -V verifies a trust signature' 'minisign is not installed'
fi

# tampering: the new file changed after signing; a package signature
cp "$tmp/new.trust" "$tmp/new.keep"
cp "$tmp/new.trust.minisig" "$tmp/sigs.keep"
run "$LPACK" trust sign -q "$tmp/new.trust" --secret "$tmp/par.key"
sed -i 's/backup key/backup key (safe)/' "$tmp/new.trust"
expect_exit 1 "$LPACK" trust update "$tmp/new.trust" --trust "$tmp/hub.trust"
check 'changed file: signature does not match' has "$err" "not counted: signature does not match the trust file"
check '  refused' has "$err" "refused: '$tmp/new.trust' does not replace"
cp "$tmp/new.keep" "$tmp/new.trust"
mkdir -p "$tmp/src"
echo x >"$tmp/src/a.txt"
run "$LPACK" create -q "$tmp/src" -o "$tmp/p.lpk" --id org.example.math
run "$LPACK" manifest "$tmp/p.lpk" -o "$tmp/p.manifest"
run "$LPACK" sign-manifest "$tmp/p.manifest" --secret "$tmp/par.key" -o "$tmp/pkg.minisig"
cat "$tmp/sigs.keep" "$tmp/pkg.minisig" >"$tmp/new.trust.minisig"
expect_exit 1 "$LPACK" trust update "$tmp/new.trust" --trust "$tmp/hub.trust"
check 'a package signature does not sign a trust file' has "$err" "not counted: trusted comment is not an lp trust signature comment"
# malformed signature blocks are reported, each
printf 'untrusted comment: x\nnot base64!\ntrusted comment: y\nAAAA\n' >>"$tmp/new.trust.minisig"
printf 'untrusted comment: truncated\n' >>"$tmp/new.trust.minisig"
expect_exit 1 "$LPACK" trust update "$tmp/new.trust" --trust "$tmp/hub.trust"
check 'bad base64 reported' has "$err" "signature 5: key ?: not counted: signature: line 2: not a signature (bad base64"
check 'truncated block reported' has "$err" "signature 6: key ?: not counted: signature: truncated"

# enough signers: replaced, byte for byte
cp "$tmp/sigs.keep" "$tmp/new.trust.minisig"
run "$LPACK" trust sign -q "$tmp/new.trust" --secret "$tmp/par.key"
chmod 640 "$tmp/hub.trust"
expect_exit 0 "$LPACK" trust update "$tmp/new.trust" --trust "$tmp/hub.trust"
check 'the current file keeps its mode' test "$(stat -c %a "$tmp/hub.trust")" = 640
check 'accepted: says by how many' has "$out" "replaced by '$tmp/new.trust' (signed by 2 trusted keys)"
check 'current file is now the new one' cmp -s "$tmp/hub.trust" "$tmp/new.trust"
check 'no temporary file left' test "$(ls "$tmp" | grep -c 'tmp-')" -eq 0
# the next rotation needs the new keys: the old ministry key no longer counts
cp "$tmp/hub.orig" "$tmp/back.trust"
run "$LPACK" trust sign -q "$tmp/back.trust" --secret "$tmp/min.key"
run "$LPACK" trust sign -q "$tmp/back.trust" --secret "$tmp/bak.key"
expect_exit 1 "$LPACK" trust update "$tmp/back.trust" --trust "$tmp/hub.trust"
check 'rotated-out key no longer counts' has "$err" "key $(keyid "$tmp/min.pub"): not counted: key is not in the trust file"
run "$LPACK" trust sign -q "$tmp/back.trust" --secret "$tmp/nmin.key"
expect_exit 0 "$LPACK" trust update -q "$tmp/back.trust" --trust "$tmp/hub.trust"
check '-q: nothing on stdout' is_empty "$out"

# an expired current key does not count, even with the clock at 1970 once
# the state has seen a later signing time
cat >"$tmp/exp.trust" <<EOT
lp-trust 1
threshold 1
key $(b64 "$tmp/min.pub") - 2030-01-01T00:00:00Z ministry until 2030
EOT
cp "$tmp/new.keep" "$tmp/n2.trust"
run "$LPACK" trust sign -q "$tmp/n2.trust" --secret "$tmp/min.key"
expect_exit 1 "$LPACK" trust update "$tmp/n2.trust" --trust "$tmp/exp.trust" --now 2031-01-01
check 'expired current key: not counted' has "$err" "not counted: key expired at 2030-01-01T00:00:00Z"
mkdir -p "$tmp/st"
printf 'lp-state 1\nid org.example.x\nversion 1\nsigned 2031-06-01T00:00:00Z\n' >"$tmp/st/org.example.x.state"
expect_exit 1 "$LPACK" trust update "$tmp/n2.trust" --trust "$tmp/exp.trust" --state "$tmp/st" --now 1970-01-01
check 'clock at 1970: the state bounds it' has "$err" "not counted: key expired at 2030-01-01T00:00:00Z"
expect_exit 0 "$LPACK" trust update -q "$tmp/n2.trust" --trust "$tmp/exp.trust" --now 2029-01-01

# with a state folder: an old update, signed by keys still trusted, is not
# taken back after a later one (signatures made with stock minisign to
# date them)
cat >"$tmp/s.trust" <<EOT
lp-trust 1
threshold 1
key $(b64 "$tmp/min.pub") - - ministry
EOT
cp "$tmp/s.trust" "$tmp/old.trust"
echo '# old' >>"$tmp/old.trust"
cp "$tmp/s.trust" "$tmp/later.trust"
echo '# later, a revocation say' >>"$tmp/later.trust"
if command -v minisign >/dev/null 2>&1; then
    minisign -S -s "$tmp/min.key" -m "$tmp/old.trust" -x "$tmp/old.trust.minisig" \
        -t 'lp-trust-signature v1 time=2026-01-01T00:00:00Z' </dev/null >/dev/null 2>&1
    minisign -S -s "$tmp/min.key" -m "$tmp/later.trust" -x "$tmp/later.trust.minisig" \
        -t 'lp-trust-signature v1 time=2026-02-01T00:00:00Z' </dev/null >/dev/null 2>&1
    expect_exit 0 "$LPACK" trust update -q "$tmp/later.trust" --trust "$tmp/s.trust" --state "$tmp/ts"
    check 'the update is recorded' has "$tmp/ts/_trust.state" "signed 2026-02-01T00:00:00Z"
    expect_exit 1 "$LPACK" trust update "$tmp/old.trust" --trust "$tmp/s.trust" --state "$tmp/ts"
    check 'an older update replayed is refused' has "$err" "signed at 2026-01-01T00:00:00Z, before the trust file accepted last (signed at 2026-02-01T00:00:00Z): an old update replayed?"
    check '  current file unchanged' cmp -s "$tmp/s.trust" "$tmp/later.trust"
    expect_exit 0 "$LPACK" trust update -q "$tmp/later.trust" --trust "$tmp/s.trust" --state "$tmp/ts"
else
    skip 'replayed trust updates' 'minisign is not installed'
fi
mkdir -p "$tmp/ts-bad"
printf 'lp-trust-state 1\nsigned yesterday\n' >"$tmp/ts-bad/_trust.state"
expect_exit 1 "$LPACK" trust update "$tmp/later.trust" --trust "$tmp/s.trust" --state "$tmp/ts-bad"
check 'a damaged trust state refuses' has "$err" "_trust.state:2: expected 'signed YYYY-MM-DDThh:mm:ssZ'"

# invalid files
printf 'lp-trust 1\nthreshold 1\n' >"$tmp/invalid.trust"
expect_exit 1 "$LPACK" trust sign "$tmp/invalid.trust" --secret "$tmp/min.key"
check 'trust sign refuses an invalid trust file' has "$err" "threshold 1 cannot be met"
check '  and writes no signature' test ! -e "$tmp/invalid.trust.minisig"
cp "$tmp/sigs.keep" "$tmp/invalid.trust.minisig"
expect_exit 1 "$LPACK" trust update "$tmp/invalid.trust" --trust "$tmp/hub.trust"
check 'trust update refuses an invalid new file' has "$err" "invalid.trust: threshold 1 cannot be met"
expect_exit 3 "$LPACK" trust update "$tmp/nosuch.trust" --trust "$tmp/hub.trust"
expect_exit 3 "$LPACK" trust update "$tmp/new.trust" --trust "$tmp/nosuch.trust"
printf 'garbage\n' >"$tmp/g.trust.minisig"
cp "$tmp/new.keep" "$tmp/g.trust"
expect_exit 1 "$LPACK" trust sign "$tmp/g.trust" --secret "$tmp/min.key"
check 'trust sign: a damaged signatures file is not overwritten' has "$err" "g.trust.minisig: signature at byte 0: truncated"

# usage
expect_exit 2 "$LPACK" trust
check 'missing subcommand' has "$err" "missing 'init', 'add', 'revoke', 'check', 'sign' or 'update'"
expect_exit 2 "$LPACK" trust frob
check 'unknown subcommand' has "$err" "unknown 'trust' command 'frob'"
expect_exit 2 "$LPACK" trust update "$tmp/new.trust"
check 'update needs --trust' has "$err" "missing option '--trust'"
expect_exit 2 "$LPACK" trust sign "$tmp/new.trust"
check 'sign needs --secret' has "$err" "missing option '--secret'"
expect_exit 2 "$LPACK" trust update "$tmp/new.trust" --trust "$tmp/hub.trust" --now soon
expect_exit 0 "$LPACK" trust --help
check 'help lists both' has "$out" "lpack trust update NEW"
done_testing
