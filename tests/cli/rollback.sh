#!/bin/sh
# lpack verify --state: rollback protection (lp-trust(5), STATE).  The
# highest version accepted per package id is recorded and a lower one is
# refused; the same one again is accepted; state files are strict.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

b64() { sed -n 2p "$1"; }

mkdir -p "$tmp/src"
echo 'Lesson 1' >"$tmp/src/a.txt"
for k in min par; do
    run "$LPACK" keygen -q -p "$tmp/$k.pub" -s "$tmp/$k.key" --no-passphrase
done
cat >"$tmp/trust" <<EOT
lp-trust 1
threshold 1
key $(b64 "$tmp/min.pub") - - Ministry of Education
EOT
for v in 2 3 4; do
    run "$LPACK" create -q "$tmp/src" -o "$tmp/v$v.lpk" --id org.example.math --release $v
    run "$LPACK" sign -q "$tmp/v$v.lpk" -s "$tmp/min.key"
done
run "$LPACK" create -q "$tmp/src" -o "$tmp/other.lpk" --id org.example.other --release 1
run "$LPACK" sign -q "$tmp/other.lpk" -s "$tmp/min.key"
run "$LPACK" create -q "$tmp/src" -o "$tmp/unsigned.lpk" --id org.example.math --release 9

st=$tmp/state
expect_exit 2 "$LPACK" verify "$tmp/v3.lpk" --state "$st"
check '--state needs --trust' has "$err" "'--state' needs '--trust'"
check 'no state written without --trust' test ! -e "$st"

expect_exit 0 "$LPACK" verify "$tmp/v3.lpk" --trust "$tmp/trust" --state "$st"
check 'state folder created' test -d "$st"
check 'state file per id' test -f "$st/org.example.math.state"
check 'state file: human-readable' has "$st/org.example.math.state" "version 3"
check 'state file: signing time' grep -q '^signed 20[0-9][0-9]-' "$st/org.example.math.state"
check 'no temporary file left' test "$(ls "$st" | wc -l)" -eq 1
expect_exit 0 "$LPACK" verify "$tmp/v3.lpk" --trust "$tmp/trust" --state "$st"
check 'same version again: accepted' has "$out" "OK"
expect_exit 1 "$LPACK" verify "$tmp/v2.lpk" --trust "$tmp/trust" --state "$st"
check 'rollback refused' has "$err" "refused: rollback: version 2 of 'org.example.math' is older than version 3, accepted before"
check 'rollback: says how to ship one' has "$err" "a rollback ships as a new, higher version"
check 'state unchanged by a refusal' has "$st/org.example.math.state" "version 3"
expect_exit 1 "$LPACK" verify --json "$tmp/v2.lpk" --trust "$tmp/trust" --state "$st"
check 'rollback in json' has "$out" '"ok":false'
check 'rollback in json: the message' has "$out" 'rollback: version 2'
expect_exit 0 "$LPACK" verify "$tmp/v4.lpk" --trust "$tmp/trust" --state "$st"
check 'newer version recorded' has "$st/org.example.math.state" "version 4"
expect_exit 1 "$LPACK" verify "$tmp/v3.lpk" --trust "$tmp/trust" --state "$st"
check 'the previous version is now a rollback' has "$err" "version 3 of 'org.example.math' is older than version 4"
expect_exit 0 "$LPACK" verify "$tmp/v2.lpk" --trust "$tmp/trust"
check 'without --state: no rollback check' has "$out" "OK"
expect_exit 0 "$LPACK" verify "$tmp/other.lpk" --trust "$tmp/trust" --state "$st"
check 'ids are separate' test -f "$st/org.example.other.state"
expect_exit 1 "$LPACK" verify "$tmp/unsigned.lpk" --trust "$tmp/trust" --state "$st"
check 'a refused package is not recorded' has "$st/org.example.math.state" "version 4"

# an object that fails its hash: refused, and not recorded
cp "$tmp/v4.lpk" "$tmp/v5.lpk"
run "$LPACK" create -q "$tmp/src" -o "$tmp/v5.lpk" --id org.example.math --release 5
run "$LPACK" sign -q "$tmp/v5.lpk" -s "$tmp/min.key"
python3 - "$tmp/v5.lpk" <<'PY'
import sys
p = sys.argv[1]
d = bytearray(open(p, "rb").read())
i = d.index(b"Lesson 1")
d[i] ^= 1
open(p, "wb").write(d)
PY
expect_exit 1 "$LPACK" verify "$tmp/v5.lpk" --trust "$tmp/trust" --state "$st"
check 'a damaged package is not recorded' has "$st/org.example.math.state" "version 4"

# damaged state files: refused, never a fresh start
bad() {
    bad_name=$1 bad_want=$2
    shift 2
    mkdir -p "$tmp/bad-$bad_name"
    printf '%s\n' "$@" >"$tmp/bad-$bad_name/org.example.math.state"
    expect_exit 1 "$LPACK" verify "$tmp/v4.lpk" --trust "$tmp/trust" --state "$tmp/bad-$bad_name"
    check "state file $bad_name: $bad_want" has "$err" "$bad_want"
}
bad magic "org.example.math.state:1: not a state file" 'lp-state 2' 'id org.example.math' 'version 1' 'signed -'
bad key "org.example.math.state:3: expected 'version'" 'lp-state 1' 'id org.example.math' 'release 1' 'signed -'
bad zero "org.example.math.state:3: bad version" 'lp-state 1' 'id org.example.math' 'version 03' 'signed -'
bad huge "org.example.math.state:3: bad version" 'lp-state 1' 'id org.example.math' 'version 99999999999999999999' 'signed -'
bad time "org.example.math.state:4: bad signing time" 'lp-state 1' 'id org.example.math' 'version 1' 'signed 2026-02-30T00:00:00Z'
bad extra "org.example.math.state:5: text after" 'lp-state 1' 'id org.example.math' 'version 1' 'signed -' 'more'
bad id "org.example.math.state:2: id 'org.example.other' in the file of 'org.example.math'" 'lp-state 1' 'id org.example.other' 'version 1' 'signed -'
bad badid "org.example.math.state:2: bad package id" 'lp-state 1' 'id ../../etc' 'version 1' 'signed -'
mkdir -p "$tmp/bad-trunc"
printf 'lp-state 1\nid org.example.math\nversion 1' >"$tmp/bad-trunc/org.example.math.state"
expect_exit 1 "$LPACK" verify "$tmp/v4.lpk" --trust "$tmp/trust" --state "$tmp/bad-trunc"
check 'truncated state file refused' has "$err" "expected 'version'"
mkdir -p "$tmp/bad-big"
head -c 4096 /dev/zero | tr '\0' x >"$tmp/bad-big/org.example.math.state"
expect_exit 1 "$LPACK" verify "$tmp/v4.lpk" --trust "$tmp/trust" --state "$tmp/bad-big"
check 'oversized state file refused' has "$err" "larger than 512 bytes"
mkdir -p "$tmp/bad-link"
ln -s "$st/org.example.math.state" "$tmp/bad-link/org.example.math.state"
expect_exit 3 "$LPACK" verify "$tmp/v4.lpk" --trust "$tmp/trust" --state "$tmp/bad-link"
check 'a state file that is a symbolic link is refused' has "$err" "cannot open"
# files that are not state files are ignored
mkdir -p "$tmp/other-files"
echo hello >"$tmp/other-files/README"
echo x >"$tmp/other-files/.hidden.state"
echo x >"$tmp/other-files/org.example.math.state.tmp-0123456789ab"
expect_exit 0 "$LPACK" verify "$tmp/v4.lpk" --trust "$tmp/trust" --state "$tmp/other-files"
expect_exit 3 "$LPACK" verify "$tmp/v4.lpk" --trust "$tmp/trust" --state "$tmp/no/such/dir"
check 'state folder whose parent is missing' has "$err" "cannot create the state folder"
done_testing
