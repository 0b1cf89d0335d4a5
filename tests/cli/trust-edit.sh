#!/bin/sh
# Trust files written by command (lp-trust(5)): lpack trust init, add,
# revoke and check; no base64 copied by hand.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

run "$LPACK" keygen -q -p "$tmp/min.pub" -s "$tmp/min.key" --no-passphrase
run "$LPACK" keygen -q -p "$tmp/par.pub" -s "$tmp/par.key" --no-passphrase
run "$LPACK" keygen -q -p "$tmp/old.pub" -s "$tmp/old.key" --no-passphrase
id() { sed -n 1p "$1" | sed 's/.* //' | tr 'A-F' 'a-f' | awk '{ printf "%016s\n", $0 }' | tr ' ' 0; }
T=$tmp/hub.trust

# init
expect_exit 0 "$LPACK" trust init "$T" --threshold 2
check 'init: says what is next' has "$out" "hub.trust: new trust file, threshold 2 (add keys with 'lpack trust add')"
check '  the file' test "$(cat "$T")" = "$(printf 'lp-trust 1\nthreshold 2')"
expect_exit 3 "$LPACK" trust init "$T" --threshold 1
check 'init: an existing file is kept' has "$err" "exists (use --force to replace it)"
expect_exit 0 "$LPACK" trust init -q "$T" --threshold 2 --force
check '  --force replaces, -q is quiet' is_empty "$out"
expect_exit 2 "$LPACK" trust init "$T"
check 'init needs --threshold' has "$err" "missing option '--threshold'"
expect_exit 2 "$LPACK" trust init "$T" --threshold 0
check '  from 1' has "$err" "invalid value '0' for '--threshold'"
expect_exit 2 "$LPACK" trust init "$T" --threshold 257
check '  to 256' has "$err" "invalid value '257' for '--threshold'"

# check: a draft says what is missing
expect_exit 1 "$LPACK" trust check "$T"
check 'check: a draft is not valid' has "$err" "threshold 2 cannot be met: 0 keys are not revoked"
check '  and what it holds' has "$out" "hub.trust: not valid, threshold 2, 0 keys"

# add
expect_exit 0 "$LPACK" trust add "$T" "$tmp/min.pub" --holder "Ministry of Education"
check 'add: says which key' has "$out" "hub.trust: added key $(id "$tmp/min.pub") (Ministry of Education)"
check '  the line' grep -qx "key $(sed -n 2p "$tmp/min.pub") - - Ministry of Education" "$T"
expect_exit 0 "$LPACK" trust add -q "$T" "$tmp/par.pub" --holder "UNICEF partner" --from 2026-01-01 --until 2028-12-31T23:59:59Z
check '  dates: YYYY-MM-DD or a full time' grep -qx "key $(sed -n 2p "$tmp/par.pub") 2026-01-01T00:00:00Z 2028-12-31T23:59:59Z UNICEF partner" "$T"
expect_exit 0 "$LPACK" trust add -q "$T" "$tmp/old.pub" --holder "old laptop" --until 2026-06-01
expect_exit 1 "$LPACK" trust add "$T" "$tmp/min.pub" --holder again
check 'add: a key once' has "$err" "key $(id "$tmp/min.pub") is listed already (Ministry of Education)"
expect_exit 2 "$LPACK" trust add "$T" "$tmp/min.pub"
check 'add needs --holder' has "$err" "missing option '--holder'"
expect_exit 2 "$LPACK" trust add "$T" "$tmp/min.pub" --holder x --until 2026-13-01
check 'add: a bad date' has "$err" "invalid value '2026-13-01' for '--until': expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ"
expect_exit 2 "$LPACK" trust add "$T" "$tmp/min.pub" --holder x --threshold 2
check 'options of another verb refused' has "$err" "option '--threshold' is for 'trust init'"
cp "$T" "$tmp/before"
expect_exit 2 "$LPACK" trust add "$T" "$tmp/min.pub" --holder "$(printf 'a\tb')"
check 'add: a holder without control characters' has "$err" "the holder must be 1 to 256 bytes of UTF-8 text without control characters"
expect_exit 1 "$LPACK" trust add "$T" "$tmp/par.key" --holder "bad holder "
check 'add: a secret key is not a public key' has "$err" "par.key"
expect_exit 2 "$LPACK" trust add "$T" "$tmp/old.pub" --holder "x" --from 2027-01-01 --until 2026-01-01
check 'add: validity in order' has "$err" "validity ends (2026-01-01T00:00:00Z) before it starts (2027-01-01T00:00:00Z)"
check '  nothing changed' cmp -s "$T" "$tmp/before"

# check: who is in it, whether the threshold can be met now
expect_exit 0 "$LPACK" trust check "$T" --now 2026-12-01
check 'check: valid' has "$out" "hub.trust: valid, threshold 2, 3 keys"
check '  lists the holders' has "$out" "key $(id "$tmp/par.pub")  UNICEF partner  (from 2026-01-01T00:00:00Z until 2028-12-31T23:59:59Z)"
check '  open validity' has "$out" "Ministry of Education  (valid at any time)"
check '  an expired key' has "$out" "old laptop  (until 2026-06-01T00:00:00Z): expired"
check '  can the threshold be met' has "$out" "the threshold can be met at 2026-12-01T00:00:00Z: 2 keys usable, 2 needed"
expect_exit 1 "$LPACK" trust check "$T" --now 2029-06-01
check 'check: not when keys expired' has "$err" "the threshold cannot be met at 2029-06-01T00:00:00Z: 1 key usable, 2 needed"
expect_exit 0 "$LPACK" trust check -q "$T" --now 2026-12-01
check '  -q: quiet' is_empty "$out"

# revoke, by id or by public key file
expect_exit 0 "$LPACK" trust revoke "$T" "$(id "$tmp/old.pub")" --reason "laptop stolen 2026-03-01"
check 'revoke: says which' has "$out" "hub.trust: revoked key $(id "$tmp/old.pub")"
check '  the line' grep -qx "revoked $(id "$tmp/old.pub") laptop stolen 2026-03-01" "$T"
expect_exit 1 "$LPACK" trust revoke "$T" "$tmp/old.pub"
check 'revoke: once' has "$err" "is revoked already"
expect_exit 3 "$LPACK" trust revoke "$T" nothex
check 'revoke: neither id nor key file' has "$err" "'nothex' is neither a key id (16 hex digits) nor a public key file"
expect_exit 0 "$LPACK" trust check "$T" --now 2026-12-01
check 'check: a revoked key' has "$out" "old laptop  (until 2026-06-01T00:00:00Z): revoked"
expect_exit 0 "$LPACK" trust revoke -q "$T" "$tmp/par.pub"
expect_exit 1 "$LPACK" trust check "$T" --now 2026-12-01
check 'revoking below the threshold: check says so' has "$err" "threshold 2 cannot be met: 1 key is not revoked"

# what the commands wrote, a verifier reads
run "$LPACK" create -q "$tmp" -o "$tmp/p.lpk" --id org.example.p 2>/dev/null
mkdir -p "$tmp/src" && echo hi >"$tmp/src/a.txt"
run "$LPACK" create -q "$tmp/src" -o "$tmp/p.lpk" --id org.example.p
run "$LPACK" sign -q "$tmp/p.lpk" --secret "$tmp/min.key"
"$LPACK" trust init -q "$tmp/one.trust" --threshold 1
"$LPACK" trust add -q "$tmp/one.trust" "$tmp/min.pub" --holder "Ministry of Education"
expect_exit 0 "$LPACK" verify "$tmp/p.lpk" --trust "$tmp/one.trust"
check 'verify reads it' has "$out" "(Ministry of Education): good signature"

# a holder that would reorder text on screen is shown escaped
"$LPACK" trust init -q "$tmp/bidi.trust" --threshold 1
expect_exit 0 "$LPACK" trust add "$tmp/bidi.trust" "$tmp/par.pub" --holder "$(printf 'Ministry \342\200\256evil')"
check 'add: a bidi control escaped' has "$out" 'Ministry \u{202E}evil'
expect_exit 0 "$LPACK" trust check "$tmp/bidi.trust"
check 'check: escaped' has "$out" 'Ministry \u{202E}evil'

# errors
expect_exit 3 "$LPACK" trust check "$tmp/none.trust"
printf 'lp-trust 1\nthreshold 1\nkey abc - - x\n' >"$tmp/bad.trust"
expect_exit 1 "$LPACK" trust check "$tmp/bad.trust"
check 'check: line and column' has "$err" "bad.trust:3:5: public key: not a public key"
expect_exit 1 "$LPACK" trust add "$tmp/bad.trust" "$tmp/min.pub" --holder x
check 'add: refuses a broken file' has "$err" "bad.trust:3:5:"
expect_exit 2 "$LPACK" trust check
check 'check needs a file' has "$err" "missing trust file operand"
done_testing
