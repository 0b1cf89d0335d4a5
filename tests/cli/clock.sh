#!/bin/sh
# Attacks on a verifier's clock (lp-trust(5), CLOCK): a signature dated in
# the future (a signer's clock running fast, minisign -t "2062") must not
# make a hub's other keys look expired; a state a wrong clock poisoned
# (as lpack before this rule wrote it) is reset by a trust update signed
# by the current keys, once.  Signatures are dated with stock minisign.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

if ! command -v minisign >/dev/null 2>&1; then
    skip 'clock attacks' 'minisign is not installed'
    done_testing
fi

b64() { sed -n 2p "$1"; }
# sign FILE KEY COMMENT: a minisign signature FILE.minisig, dated by COMMENT
msign() {
    minisign -S -s "$2" -m "$1" -x "$1.minisig" -t "$3" </dev/null >/dev/null 2>&1
}

mkdir -p "$tmp/src"
echo 'Lesson 1' >"$tmp/src/a.txt"
run "$LPACK" keygen -q -p "$tmp/a.pub" -s "$tmp/a.key" --no-passphrase
run "$LPACK" keygen -q -p "$tmp/b.pub" -s "$tmp/b.key" --no-passphrase
run "$LPACK" keygen -q -p "$tmp/x.pub" -s "$tmp/x.key" --no-passphrase
cat >"$tmp/hub.trust" <<EOT
lp-trust 1
threshold 1
key $(b64 "$tmp/a.pub") - - Ministry, open-ended key
key $(b64 "$tmp/b.pub") - 2030-01-01T00:00:00Z Ministry, key until 2030
EOT
cp "$tmp/hub.trust" "$tmp/hub.keep"

# pkg NAME KEY TIME: package org.example.NAME version 1 signed by KEY at TIME
pkg() {
    run "$LPACK" create -q "$tmp/src" -o "$tmp/$1.lpk" --id "org.example.$1"
    run "$LPACK" manifest "$tmp/$1.lpk" -o "$tmp/$1.manifest"
    msign "$tmp/$1.manifest" "$2" "lp-signature v1 id=org.example.$1 version=1 time=$3"
    run "$LPACK" attach "$tmp/$1.lpk" "$tmp/$1.manifest.minisig" --public "${2%.key}.pub"
}
pkg future "$tmp/a.key" 2062-01-01T00:00:00Z
pkg today "$tmp/b.key" 2027-01-20T00:00:00Z

# a sane clock: the 2062 signature counts, but moves the clock 30 days at
# most; the key valid until 2030 still counts afterwards
expect_exit 0 "$LPACK" verify "$tmp/future.lpk" --trust "$tmp/hub.trust" --state "$tmp/st" --now 2027-02-01
check 'future signature: counted, says so' has "$out" "good signature, made 2062-01-01T00:00:00Z: ahead of the clock, taken as 2027-03-03T00:00:00Z for the clock"
check '  the state does not record 2062' has "$tmp/st/org.example.future.state" "signed 2027-03-03T00:00:00Z"
expect_exit 0 "$LPACK" verify "$tmp/today.lpk" --trust "$tmp/hub.trust" --state "$tmp/st" --now 2027-02-01
check '  a key valid until 2030 still counts' has "$out" "good signature, made 2027-01-20T00:00:00Z"
expect_exit 0 "$LPACK" verify --json "$tmp/future.lpk" --trust "$tmp/hub.trust" --state "$tmp/st" --now 2027-02-01
check '  json: the signature counted' has "$out" '"counted":true'

# a clock at 1970 (a hub after a power cut) with an empty state: the
# signature counts, the clock moves to 30 days past 2026-01-01 at most
expect_exit 0 "$LPACK" verify "$tmp/future.lpk" --trust "$tmp/hub.trust" --state "$tmp/st70" --now 1970-01-01
check 'clock at 1970: 2062 not recorded' has "$tmp/st70/org.example.future.state" "signed 2026-01-31T00:00:00Z"
# without a clock, each accepted signature moves the hub's time 30 days
# at most, however it is dated
expect_exit 0 "$LPACK" verify "$tmp/today.lpk" --trust "$tmp/hub.trust" --state "$tmp/st70" --now 1970-01-01
check '  then 30 days more' has "$tmp/st70/org.example.today.state" "signed 2026-03-02T00:00:00Z"
expect_exit 0 "$LPACK" verify "$tmp/future.lpk" --trust "$tmp/hub.trust" --state "$tmp/st70" --now 1970-01-01
check '  and 30 more' has "$tmp/st70/org.example.future.state" "signed 2026-04-01T00:00:00Z"

# a trust file signature from the future is capped the same way
cp "$tmp/hub.keep" "$tmp/next.trust"
echo '# next' >>"$tmp/next.trust"
msign "$tmp/next.trust" "$tmp/a.key" 'lp-trust-signature v1 time=2062-01-01T00:00:00Z'
cp "$tmp/hub.keep" "$tmp/cur.trust"
expect_exit 0 "$LPACK" trust update "$tmp/next.trust" --trust "$tmp/cur.trust" --state "$tmp/stt" --now 2027-02-01
check 'future trust signature: capped' has "$tmp/stt/_trust.state" "signed 2027-03-03T00:00:00Z"

# a state poisoned before this rule (2062): the key until 2030 looks expired
mkdir -p "$tmp/bad"
printf 'lp-state 1\nid org.example.future\nversion 1\nsigned 2062-01-01T00:00:00Z\n' >"$tmp/bad/org.example.future.state"
expect_exit 1 "$LPACK" verify "$tmp/today.lpk" --trust "$tmp/hub.trust" --state "$tmp/bad" --now 2027-02-01
check 'poisoned state: the key looks expired' has "$err" "not counted: key expired at 2030-01-01T00:00:00Z"

# a reset signed by a key the hub does not trust changes nothing
cp "$tmp/hub.keep" "$tmp/reset.trust"
echo 'reset-clock' >>"$tmp/reset.trust"
msign "$tmp/reset.trust" "$tmp/x.key" 'lp-trust-signature v1 time=2027-01-25T00:00:00Z'
expect_exit 1 "$LPACK" trust update "$tmp/reset.trust" --trust "$tmp/hub.trust" --state "$tmp/bad" --now 2027-02-01
check 'reset by an untrusted key: refused' has "$err" "key is not in the trust file"
check '  the state is unchanged' has "$tmp/bad/org.example.future.state" "signed 2062-01-01T00:00:00Z"

# signed by the current keys: the state's times above the update's come
# down to it; versions stay
msign "$tmp/reset.trust" "$tmp/a.key" 'lp-trust-signature v1 time=2027-01-25T00:00:00Z'
expect_exit 0 "$LPACK" trust update "$tmp/reset.trust" --trust "$tmp/hub.trust" --state "$tmp/bad" --now 2027-02-01
check 'reset: signing times lowered' has "$tmp/bad/org.example.future.state" "signed 2027-01-25T00:00:00Z"
check '  the version kept' has "$tmp/bad/org.example.future.state" "version 1"
check '  the update recorded' has "$tmp/bad/_trust.state" "signed 2027-01-25T00:00:00Z"
check '  the trust file replaced' cmp -s "$tmp/hub.trust" "$tmp/reset.trust"
expect_exit 0 "$LPACK" verify "$tmp/today.lpk" --trust "$tmp/hub.trust" --state "$tmp/bad" --now 2027-02-01
check '  the key until 2030 counts again' has "$out" "signed by 1 trusted key"

# the same update again resets nothing: signing times accepted since stay
printf 'lp-state 1\nid org.example.future\nversion 1\nsigned 2027-06-01T00:00:00Z\n' >"$tmp/bad/org.example.future.state"
expect_exit 0 "$LPACK" trust update -q "$tmp/reset.trust" --trust "$tmp/hub.trust" --state "$tmp/bad" --now 2027-02-01
check 'a reset applies once' has "$tmp/bad/org.example.future.state" "signed 2027-06-01T00:00:00Z"

# trust check names the directive
expect_exit 0 "$LPACK" trust check "$tmp/hub.trust" --now 2027-02-01
check 'trust check lists reset-clock' has "$out" "reset-clock"
done_testing
