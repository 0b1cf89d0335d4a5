#!/bin/sh
# Names that could pass on screen for others: bidirectional controls
# (U+202E RIGHT-TO-LEFT OVERRIDE, U+2066..U+2069), zero-width and other
# invisible characters in package paths, labels and trust-file holders are
# escaped as \u{XXXX} in every human-readable output of lpack; JSON keeps
# the exact strings.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

rlo=$(printf '\342\200\256')     # U+202E
zwsp=$(printf '\342\200\213')    # U+200B
lri=$(printf '\342\201\246')     # U+2066
mkdir -p "$tmp/src"
echo 'not a program' >"$tmp/src/report${rlo}fdp.exe"
echo 'hello' >"$tmp/src/a${zwsp}b.txt"
run "$LPACK" keygen -q -p "$tmp/k.pub" -s "$tmp/k.key" --no-passphrase
expect_exit 0 "$LPACK" create -q "$tmp/src" -o "$tmp/p.lpk" --id org.example.spoof \
    --label "term ${lri}1" --release 1
run "$LPACK" sign -q "$tmp/p.lpk" -s "$tmp/k.key"

expect_exit 0 "$LPACK" ls "$tmp/p.lpk"
check 'ls: U+202E escaped' has "$out" 'report\u{202E}fdp.exe'
check 'ls: U+200B escaped' has "$out" 'a\u{200B}b.txt'
check 'ls: no raw control on screen' test "$(grep -c "$rlo" "$out")" -eq 0
expect_exit 0 "$LPACK" ls -l "$tmp/p.lpk"
check 'ls -l: escaped' has "$out" 'report\u{202E}fdp.exe'
expect_exit 0 "$LPACK" ls --json "$tmp/p.lpk"
check 'ls --json: the exact string' has "$out" "report${rlo}fdp.exe"
expect_exit 0 "$LPACK" info "$tmp/p.lpk"
check 'info: label escaped' has "$out" 'label: term \u{2066}1'
expect_exit 0 "$LPACK" info --json "$tmp/p.lpk"
check 'info --json: exact label' has "$out" "\"term ${lri}1\""
expect_exit 1 "$LPACK" cat "$tmp/p.lpk" "nothing${rlo}here"
check 'cat: the error escapes the name' has "$err" 'nothing\u{202E}here'
check 'cat: no raw control in the error' test "$(grep -c "$rlo" "$err")" -eq 0

# a trust file whose holder hides its end
cat >"$tmp/trust" <<EOT
lp-trust 1
threshold 1
key $(sed -n 2p "$tmp/k.pub") - - Ministry${rlo}yrtsiniM
EOT
expect_exit 0 "$LPACK" verify "$tmp/p.lpk" --trust "$tmp/trust"
check 'verify: holder escaped' has "$out" 'Ministry\u{202E}yrtsiniM'
check 'verify: no raw control' test "$(grep -c "$rlo" "$out")" -eq 0
expect_exit 0 "$LPACK" verify --json "$tmp/p.lpk" --trust "$tmp/trust"
check 'verify --json: exact holder' has "$out" "Ministry${rlo}yrtsiniM"
# a backslash is doubled, so an escape cannot be faked
echo x >"$tmp/src/fake"
mv "$tmp/src/fake" "$tmp/src/"'fake\u{202E}'
run "$LPACK" create -q "$tmp/src" -o "$tmp/q.lpk"
check 'a backslash in a path is refused or shown doubled' \
    sh -c "test $status -ne 0 || \"$LPACK\" ls \"$tmp/q.lpk\" | grep -F -q 'fake\\\\u{202E}'"
done_testing
