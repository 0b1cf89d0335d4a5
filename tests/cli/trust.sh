#!/bin/sh
# lpack verify --trust: the trust policy of lp-trust(5) -- threshold, a key
# counts once, untrusted, revoked and expired keys, copied signatures,
# a changed manifest -- and strict parsing of trust files.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

keyid() { sed -n '1s/.*public key //p' "$1" | tr 'A-F' 'a-f'; }
b64() { sed -n 2p "$1"; }

mkdir -p "$tmp/src" "$tmp/src2"
echo 'Lesson 1' >"$tmp/src/a.txt"
echo 'Lesson 1, changed' >"$tmp/src2/a.txt"
run "$LPACK" create -q "$tmp/src" -o "$tmp/p.lpk" --id org.example.math --release 3
run "$LPACK" create -q "$tmp/src2" -o "$tmp/same-id.lpk" --id org.example.math --release 3
run "$LPACK" create -q "$tmp/src" -o "$tmp/other.lpk" --id org.example.other --release 3
for k in min par bak out old new rev; do
    run "$LPACK" keygen -q -p "$tmp/$k.pub" -s "$tmp/$k.key" --no-passphrase
done
cat >"$tmp/trust" <<EOT
# hub trust file: two of ministry, partner, backup
lp-trust 1
threshold 2
key $(b64 "$tmp/min.pub") - - Ministry of Education
key $(b64 "$tmp/par.pub") 2020-01-01T00:00:00Z 2099-12-31T23:59:59Z UNICEF partner
key $(b64 "$tmp/bak.pub") - - backup key
key $(b64 "$tmp/old.pub") 2000-01-01T00:00:00Z 2001-01-01T00:00:00Z expired key
key $(b64 "$tmp/new.pub") 2090-01-01T00:00:00Z - key not valid yet
key $(b64 "$tmp/rev.pub") - - lost laptop

revoked $(keyid "$tmp/rev.pub") stolen 2026-03-01
EOT

expect_exit 1 "$LPACK" verify "$tmp/p.lpk" --trust "$tmp/trust"
check 'unsigned package refused' has "$err" "refused: the package is not signed"
run "$LPACK" sign -q "$tmp/p.lpk" -s "$tmp/min.key"
expect_exit 1 "$LPACK" verify "$tmp/p.lpk" --trust "$tmp/trust"
check 'below threshold: says how many' has "$err" "refused: 1 of the 2 trusted signatures needed"
check 'names the good signer' has "$out" "(Ministry of Education): good signature"
run "$LPACK" sign -q "$tmp/p.lpk" -s "$tmp/min.key"
expect_exit 1 "$LPACK" verify "$tmp/p.lpk" --trust "$tmp/trust"
check 'a key counts once' has "$err" "1 of the 2 trusted"
for k in out old new rev; do
    run "$LPACK" sign -q "$tmp/p.lpk" -s "$tmp/$k.key"
done
expect_exit 1 "$LPACK" verify "$tmp/p.lpk" --trust "$tmp/trust"
check 'untrusted key reported' has "$err" "$(keyid "$tmp/out.pub"): not counted: key is not in the trust file"
check 'revoked key reported' has "$err" "(lost laptop): not counted: key is revoked"
check 'expired key reported' has "$err" "(expired key): not counted: signed at"
check 'expired key: says when' has "$err" "after the key's validity ended 2001-01-01T00:00:00Z"
check 'key not yet valid reported' has "$err" "before the key's validity starts 2090-01-01T00:00:00Z"
check 'still refused' has "$err" "refused: 1 of the 2"
run "$LPACK" sign -q "$tmp/p.lpk" -s "$tmp/par.key"
expect_exit 0 "$LPACK" verify "$tmp/p.lpk" --trust "$tmp/trust"
check 'accepted with 2 of 3' has "$out" "signed by 2 trusted keys"
expect_exit 0 "$LPACK" verify -q "$tmp/p.lpk" --trust "$tmp/trust"
check '-q: nothing on stdout' is_empty "$out"
expect_exit 0 "$LPACK" verify --json "$tmp/p.lpk" --trust "$tmp/trust"
python3 - "$out" <<'PY' && ok 'json lists the signatures' || not_ok 'json lists the signatures' "$(cat "$out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is True
s = d["signatures"]
assert len(s) == 6 and sum(x["counted"] for x in s) == 2, s
PY
expect_exit 0 "$LPACK" verify "$tmp/p.lpk"
check 'without --trust: objects only' has "$out" "OK (1 entries"

# signatures moved between packages, and a changed manifest
python3 - "$tmp" "$(keyid "$tmp/min.pub")" "$(keyid "$tmp/par.pub")" <<'PY'
import sys, zipfile, zlib, struct
t, kmin, kpar = sys.argv[1:4]
z = zipfile.ZipFile(t + "/p.lpk")
sigs = {n: z.read(n) for n in z.namelist() if n.startswith("signatures/")}
def add(src, dst, names):
    data = open(t + "/" + src, "rb").read()
    open(t + "/" + dst, "wb").write(data)
    with zipfile.ZipFile(t + "/" + dst, "a", zipfile.ZIP_STORED) as o:
        for n in names:
            o.writestr(zipfile.ZipInfo(n, (2026, 1, 1, 0, 0, 0)), sigs[n])
both = ["signatures/%s.minisig" % kmin, "signatures/%s.minisig" % kpar]
add("other.lpk", "copied.lpk", both)
add("same-id.lpk", "changed.lpk", both)
# flip one byte of the manifest (a digit of 'created'), CRCs made right
raw = bytearray(open(t + "/p.lpk", "rb").read())
z = zipfile.ZipFile(t + "/p.lpk")
info = z.getinfo("manifest")
m = bytearray(z.read("manifest"))
i = m.index(b"Z\nentries") - 1
m[i] = ord("1") if m[i] != ord("1") else ord("2")
hdr = info.header_offset
n, x = struct.unpack("<HH", raw[hdr + 26:hdr + 30])
raw[hdr + 30 + n + x:hdr + 30 + n + x + len(m)] = m
crc = struct.pack("<I", zlib.crc32(bytes(m)))
raw[hdr + 14:hdr + 18] = crc
pos = 0
while True:
    pos = raw.index(b"PK\x01\x02", pos)
    if raw[pos + 46:pos + 54] == b"manifest":
        raw[pos + 16:pos + 20] = crc
        break
    pos += 4
open(t + "/flipped.lpk", "wb").write(raw)
PY
expect_exit 1 "$LPACK" verify "$tmp/copied.lpk" --trust "$tmp/trust"
check 'copied signature: names the other package' has "$err" "signature is for package 'org.example.math' version 3, not 'org.example.other' version 3"
expect_exit 1 "$LPACK" verify "$tmp/changed.lpk" --trust "$tmp/trust"
check 'signature of another manifest' has "$err" "signature does not match the manifest"
expect_exit 1 "$LPACK" verify "$tmp/flipped.lpk" --trust "$tmp/trust"
check 'flipped manifest byte' has "$err" "signature does not match the manifest"
check 'flipped manifest byte: refused' has "$err" "refused: 0 of the 2"

# malformed trust files: each refused, with the line
bad() {
    bad_name=$1 bad_want=$2
    shift 2
    printf '%s\n' "$@" >"$tmp/bad-$bad_name"
    expect_exit 1 "$LPACK" verify "$tmp/p.lpk" --trust "$tmp/bad-$bad_name"
    check "trust file $bad_name: $bad_want" has "$err" "$bad_want"
}
K=$(b64 "$tmp/min.pub")
bad magic "bad-magic:1:1: not a trust file" 'lp-trust 2' 'threshold 1'
bad nothreshold "no 'threshold' line" 'lp-trust 1' "key $K - - a"
bad twice "bad-twice:3:1: 'threshold' given twice" 'lp-trust 1' 'threshold 1' 'threshold 1' "key $K - - a"
bad zero "bad-zero:2:11: threshold must be a number" 'lp-trust 1' 'threshold 0'
bad unmet "threshold 2 cannot be met: 1 key is not revoked" 'lp-trust 1' 'threshold 2' "key $K - - a"
bad b64 "bad-b64:3:5: public key: not a public key (bad base64" 'lp-trust 1' 'threshold 1' "key ${K%?}! - - a"
bad trunc "bad-trunc:3:5: public key: not a public key" 'lp-trust 1' 'threshold 1' "key ${K%????} - - a"
bad alg "unsupported key algorithm" 'lp-trust 1' 'threshold 1' "key RU${K#??} - - a"
bad dup "bad-dup:4:5: key $(keyid "$tmp/min.pub") is listed twice" 'lp-trust 1' 'threshold 1' "key $K - - a" "key $K - - b"
bad holder "bad-holder:3:65: the key's holder is missing" 'lp-trust 1' 'threshold 1' "key $K - -"
bad long "bad-long:3:66: holder longer than 256 bytes" 'lp-trust 1' 'threshold 1' "key $K - - $(printf '%0300d' 0)"
bad time "bad-time:3:62: bad start of validity" 'lp-trust 1' 'threshold 1' "key $K 2026-13-01T00:00:00Z - a"
bad order "bad-order:3:62: validity ends before it starts" 'lp-trust 1' 'threshold 1' "key $K 2027-01-01T00:00:00Z 2026-01-01T00:00:00Z a"
bad directive "bad-directive:3:1: unknown directive 'trust'" 'lp-trust 1' 'threshold 1' 'trust everyone'
bad revoked "bad-revoked:3:9: 'revoked' needs a key id" 'lp-trust 1' 'threshold 1' 'revoked 12345' "key $K - - a"
bad space "bad-space:2:12: space at the end" 'lp-trust 1' 'threshold 1 ' "key $K - - a"
bad ctl "bad-ctl:4:6: control character or invalid UTF-8" 'lp-trust 1' 'threshold 1' "key $K - - a" "# caf$(printf '\351') x"
bad ctl2 "bad-ctl2:3:67: control character or invalid UTF-8" 'lp-trust 1' 'threshold 1' "key $K - - a$(printf '\t')b"
bad until "bad-until:3:64: bad end of validity" 'lp-trust 1' 'threshold 1' "key $K - 2026-12-01 a"
bad reset "bad-reset:3:13: 'reset-clock' takes nothing after it" 'lp-trust 1' 'threshold 1' 'reset-clock now' "key $K - - a"
bad reset2 "bad-reset2:4:1: 'reset-clock' given twice" 'lp-trust 1' 'threshold 1' 'reset-clock' 'reset-clock' "key $K - - a"
printf 'lp-trust 1\nthreshold 1\nkey %s - - a' "$K" >"$tmp/bad-noeol"
expect_exit 1 "$LPACK" verify "$tmp/p.lpk" --trust "$tmp/bad-noeol"
check 'trust file without final newline' has "$err" "does not end with a newline"
expect_exit 3 "$LPACK" verify "$tmp/p.lpk" --trust "$tmp/none"
done_testing
