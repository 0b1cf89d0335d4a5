#!/bin/sh
# Signing: keygen, sign, manifest/sign-manifest/attach, interoperability
# with Debian's minisign in both directions, and the by-hand recipe of
# lpk(5).  Refusals: flipped bytes, copied signatures, wrong passphrase.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

have_minisign=no
command -v minisign >/dev/null 2>&1 && have_minisign=yes
# minisign's key id of a public key file, lowercase (our entry names)
# (minisign 0.11 prints it without leading zeros; entry names have 16 digits)
keyid() {
    _k=$(sed -n '1s/.*public key //p' "$1" | tr 'A-F' 'a-f')
    while [ ${#_k} -lt 16 ]; do _k=0$_k; done
    printf '%s\n' "$_k"
}

mkdir -p "$tmp/src/lessons" "$tmp/src2"
echo 'Lesson 1: counting to ten' >"$tmp/src/lessons/01.txt"
head -c 5000 /dev/urandom >"$tmp/src/photo.jpg"
echo 'other' >"$tmp/src2/a.txt"
run "$LPACK" create -q "$tmp/src" -o "$tmp/p.lpk" --id org.example.math --release 3
run "$LPACK" create -q "$tmp/src" -o "$tmp/p4.lpk" --id org.example.math --release 4
run "$LPACK" create -q "$tmp/src2" -o "$tmp/q.lpk" --id org.example.other --release 3
cp "$tmp/p.lpk" "$tmp/orig.lpk"

# ---------------------------------------------------------------- keygen
expect_exit 0 "$LPACK" keygen --public "$tmp/a.pub" --secret "$tmp/a.key" --no-passphrase
check 'keygen prints the key id' has "$out" "key $(keyid "$tmp/a.pub")"
check 'secret key is 0600' test "$(stat -c %a "$tmp/a.key")" = 600
check 'public key in minisign format' has "$tmp/a.pub" 'untrusted comment: minisign public key '
cp "$tmp/a.key" "$tmp/a.key.bak"
expect_exit 3 "$LPACK" keygen -p "$tmp/a.pub" -s "$tmp/a.key" --no-passphrase
check 'refuses to overwrite a key' has "$err" "exists (use --force"
check 'old key untouched' cmp -s "$tmp/a.key" "$tmp/a.key.bak"
expect_exit 0 "$LPACK" keygen -q -p "$tmp/a2.pub" -s "$tmp/a2.key" --no-passphrase --force
expect_exit 2 "$LPACK" keygen -p "$tmp/x.pub" -s "$tmp/x.key" --no-passphrase --passphrase-file /dev/null
expect_exit 2 "$LPACK" keygen -p "$tmp/x.pub" --no-passphrase
printf 'correct horse\n' >"$tmp/pass"
printf 'wrong horse\n' >"$tmp/badpass"
expect_exit 0 "$LPACK" keygen -q -p "$tmp/e.pub" -s "$tmp/e.key" --passphrase-file "$tmp/pass"
check 'encrypted key says so' has "$tmp/e.key" 'minisign encrypted secret key'
expect_exit 2 "$LPACK" keygen -p "$tmp/y.pub" -s "$tmp/y.key" </dev/null
run "$LPACK" keygen -q -p "$tmp/b.pub" -s "$tmp/b.key" --no-passphrase

# ---------------------------------------------------------------- sign
expect_exit 0 "$LPACK" sign "$tmp/p.lpk" --secret "$tmp/a.key" --comment 'approved for 2026'
ida=$(keyid "$tmp/a.pub")
unzip -Z1 "$tmp/p.lpk" >"$tmp/names"
check 'signature entry added' has "$tmp/names" "signatures/$ida.minisig"
check 'package still opens and verifies' "$LPACK" verify -q "$tmp/p.lpk"
len=$(wc -c <"$tmp/orig.lpk")
# everything before the old central directory is unchanged
cdoff=$(python3 -c 'import sys,struct;d=open(sys.argv[1],"rb").read();print(struct.unpack("<I",d[-6:-2])[0])' "$tmp/orig.lpk")
check 'entries before the signatures copied byte for byte' \
    cmp -s -n "$cdoff" "$tmp/orig.lpk" "$tmp/p.lpk"
expect_exit 0 "$LPACK" sign -q "$tmp/p.lpk" --secret "$tmp/a.key"
check 'signing twice replaces' test "$(unzip -Z1 "$tmp/p.lpk" | grep -c '^signatures/')" -eq 1
expect_exit 0 "$LPACK" sign -q "$tmp/p.lpk" --secret "$tmp/e.key" --passphrase-file "$tmp/pass"
check 'second signer added' test "$(unzip -Z1 "$tmp/p.lpk" | grep -c '^signatures/')" -eq 2
cp "$tmp/p.lpk" "$tmp/before-bad.lpk"
expect_exit 1 "$LPACK" sign "$tmp/p.lpk" --secret "$tmp/e.key" --passphrase-file "$tmp/badpass"
check 'wrong passphrase: clear message' has "$err" "wrong passphrase for secret key"
check 'wrong passphrase: package unchanged' cmp -s "$tmp/p.lpk" "$tmp/before-bad.lpk"
expect_exit 2 "$LPACK" sign "$tmp/p.lpk" --secret "$tmp/e.key" </dev/null
check 'encrypted key without a terminal' has "$err" "no terminal"
expect_exit 2 "$LPACK" sign "$tmp/p.lpk"
expect_exit 3 "$LPACK" sign "$tmp/p.lpk" --secret "$tmp/none.key"
check 'no temporary files left' test -z "$(ls "$tmp" | grep tmp-)"

# ------------------------------------------------- minisign verifies ours
"$LPACK" manifest "$tmp/p.lpk" -o "$tmp/manifest" >/dev/null 2>&1
check 'manifest is the entry, byte for byte' \
    sh -c 'unzip -p "$1" manifest | cmp -s - "$2"' sh "$tmp/p.lpk" "$tmp/manifest"
unzip -p "$tmp/p.lpk" "signatures/$ida.minisig" >"$tmp/a.minisig"
check 'trusted comment names id, version, time' \
    grep -q '^trusted comment: lp-signature v1 id=org.example.math version=3 time=20[0-9-]*T[0-9:]*Z$' "$tmp/a.minisig"
ide=$(keyid "$tmp/e.pub")
unzip -p "$tmp/p.lpk" "signatures/$ide.minisig" >"$tmp/e.minisig"
if [ $have_minisign = yes ]; then
    expect_exit 0 minisign -V -H -p "$tmp/a.pub" -m "$tmp/manifest" -x "$tmp/a.minisig"
    expect_exit 0 minisign -V -H -p "$tmp/e.pub" -m "$tmp/manifest" -x "$tmp/e.minisig"
    printf 'x' >>"$tmp/manifest"
    expect_exit 1 minisign -V -H -p "$tmp/a.pub" -m "$tmp/manifest" -x "$tmp/a.minisig"
else
    skip 'minisign verifies lpack signature' 'no minisign'
    skip 'minisign verifies encrypted-key signature' 'no minisign'
    skip 'minisign refuses a changed manifest' 'no minisign'
fi

# ------------------------------------- offline flow: manifest, sign, attach
expect_exit 0 "$LPACK" manifest "$tmp/p4.lpk" -o "$tmp/rel.manifest"
expect_exit 0 "$LPACK" sign-manifest "$tmp/rel.manifest" --secret "$tmp/b.key" -o "$tmp/rel.minisig"
cp "$tmp/p4.lpk" "$tmp/p4.orig"
expect_exit 1 "$LPACK" attach "$tmp/p4.lpk" "$tmp/rel.minisig" --public "$tmp/a.pub"
check 'attach: wrong public key' has "$err" "not by key"
expect_exit 1 "$LPACK" attach "$tmp/q.lpk" "$tmp/rel.minisig" --public "$tmp/b.pub"
check 'attach: signature of another package refused' has "$err" "copied from another package"
expect_exit 1 "$LPACK" attach "$tmp/p.lpk" "$tmp/rel.minisig" --public "$tmp/b.pub"
check 'attach: signature of another version refused' has "$err" "version 4, not 'org.example.math' version 3"
check 'refused attach changes nothing' cmp -s "$tmp/p4.lpk" "$tmp/p4.orig"
expect_exit 0 "$LPACK" attach "$tmp/p4.lpk" "$tmp/rel.minisig" --public "$tmp/b.pub"
check 'attached as signatures/KEYID.minisig' \
    sh -c 'unzip -Z1 "$1" | grep -qx "signatures/$2.minisig"' sh "$tmp/p4.lpk" "$(keyid "$tmp/b.pub")"

# CRLF line ends (a signature file that went through Windows or mail):
# accepted, as minisign accepts them; no signed byte is a line end, and the
# package gets the canonical LF form (lp-trust(5), lpack(1))
sed 's/$/\r/' "$tmp/rel.minisig" >"$tmp/crlf.minisig"
check 'CRLF signature file made' grep -q "$(printf '\r')" "$tmp/crlf.minisig"
cp "$tmp/p4.orig" "$tmp/p4crlf.lpk"
expect_exit 0 "$LPACK" attach "$tmp/p4crlf.lpk" "$tmp/crlf.minisig" --public "$tmp/b.pub"
check 'CRLF: stored with LF ends, as lpack wrote it' \
    sh -c 'unzip -p "$1" "signatures/$2.minisig" | cmp -s - "$3"' sh "$tmp/p4crlf.lpk" "$(keyid "$tmp/b.pub")" "$tmp/rel.minisig"
if [ $have_minisign = yes ]; then
    expect_exit 0 minisign -V -H -p "$tmp/b.pub" -m "$tmp/rel.manifest" -x "$tmp/crlf.minisig"
else
    skip 'minisign accepts CRLF too' 'no minisign'
fi
# a CR anywhere else is a control character in a comment: refused
sed '3s/$/\rx/' "$tmp/rel.minisig" >"$tmp/cr-inside.minisig"
expect_exit 1 "$LPACK" attach "$tmp/p4crlf.lpk" "$tmp/cr-inside.minisig" --public "$tmp/b.pub"

# flipped bytes in the signature file: the signature, the trusted comment
python3 - "$tmp/rel.minisig" "$tmp" <<'PY'
import sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
def put(name, ls):
    open(sys.argv[2] + "/" + name, "wb").write(b"\n".join(ls))
sig = bytearray(lines[1]); sig[40] = ord("A") if sig[40] != ord("A") else ord("B")
put("flip-sig.minisig", [lines[0], bytes(sig)] + lines[2:])
put("flip-tc.minisig", [lines[0], lines[1], lines[2].replace(b"version=4", b"version=5")] + lines[3:])
g = bytearray(lines[3]); g[10] = ord("A") if g[10] != ord("A") else ord("B")
put("flip-global.minisig", lines[:3] + [bytes(g)] + lines[4:])
put("trunc.minisig", lines[:2])
put("b64.minisig", [lines[0], lines[1][:-3] + b"!!="] + lines[2:])
put("legacy.minisig", [lines[0], b"RUU" + lines[1][3:]] + lines[2:])
put("long.minisig", [lines[0], lines[1], b"trusted comment: " + b"x" * 9000] + lines[3:])
PY
cp "$tmp/orig.lpk" "$tmp/p5.lpk"
for f in flip-sig flip-tc flip-global; do
    expect_exit 1 "$LPACK" attach "$tmp/p4.orig" "$tmp/$f.minisig" --public "$tmp/b.pub"
done
check 'flipped signature byte: message' has "$err" "comment or signature changed"
for f in trunc b64 legacy long; do
    expect_exit 1 "$LPACK" attach "$tmp/p4.orig" "$tmp/$f.minisig" --public "$tmp/b.pub"
    case $f in
    trunc) check 'truncated signature file' has "$err" "truncated" ;;
    b64) check 'bad base64' has "$err" "bad base64" ;;
    legacy) check 'wrong algorithm' has "$err" "unsupported signature algorithm" ;;
    long) check 'over-long trusted comment' has "$err" "longer than 8173 bytes" ;;
    esac
done
check 'refused attaches change nothing' cmp -s "$tmp/p4.orig" "$tmp/p4.orig"

# ---------------------------------------------- lpack signs with minisign keys
if [ $have_minisign = yes ]; then
    minisign -G -W -p "$tmp/mw.pub" -s "$tmp/mw.key" >/dev/null 2>&1
    expect_exit 0 "$LPACK" sign -q "$tmp/p5.lpk" --secret "$tmp/mw.key"
    # minisign -G reads the passphrase from standard input when it is not
    # a terminal (twice: the second is the confirmation)
    printf 'minisign pass\nminisign pass\n' |
        minisign -G -p "$tmp/me.pub" -s "$tmp/me.key" >/dev/null 2>&1
    printf 'minisign pass\n' >"$tmp/mpass"
    expect_exit 0 "$LPACK" sign -q "$tmp/p5.lpk" --secret "$tmp/me.key" --passphrase-file "$tmp/mpass"
    expect_exit 1 "$LPACK" sign -q "$tmp/p5.lpk" --secret "$tmp/me.key" --passphrase-file "$tmp/badpass"
    check 'minisign key, wrong passphrase' has "$err" "wrong passphrase"
    "$LPACK" manifest "$tmp/p5.lpk" -o "$tmp/m5" >/dev/null
    unzip -p "$tmp/p5.lpk" "signatures/$(keyid "$tmp/mw.pub").minisig" >"$tmp/mw.minisig"
    unzip -p "$tmp/p5.lpk" "signatures/$(keyid "$tmp/me.pub").minisig" >"$tmp/me.minisig"
    expect_exit 0 minisign -V -H -p "$tmp/mw.pub" -m "$tmp/m5" -x "$tmp/mw.minisig"
    expect_exit 0 minisign -V -H -p "$tmp/me.pub" -m "$tmp/m5" -x "$tmp/me.minisig"
    # stock minisign signs the manifest (offline flow), lpack attaches
    tc="lp-signature v1 id=org.example.math version=3 time=2026-11-28T14:00:00Z"
    echo 'minisign pass' | minisign -S -s "$tmp/me.key" -m "$tmp/m5" -x "$tmp/ms.minisig" -t "$tc" >/dev/null 2>&1
    cp "$tmp/orig.lpk" "$tmp/p6.lpk"
    expect_exit 0 "$LPACK" attach "$tmp/p6.lpk" "$tmp/ms.minisig" --public "$tmp/me.pub"
    echo 'minisign pass' | minisign -S -s "$tmp/me.key" -m "$tmp/m5" -x "$tmp/md.minisig" >/dev/null 2>&1
    expect_exit 1 "$LPACK" attach "$tmp/p6.lpk" "$tmp/md.minisig" --public "$tmp/me.pub"
    check 'minisign default trusted comment refused' has "$err" "not an lp signature comment"
else
    i=0
    while [ $i -lt 12 ]; do skip "minisign interop $i" 'no minisign'; i=$((i + 1)); done
fi

# ------------------------------------------ by hand: unzip + minisign (lpk.5)
if [ $have_minisign = yes ]; then
    cd "$tmp" || bail_out "cd"
    unzip -p p.lpk manifest >hand.manifest
    unzip -p p.lpk "signatures/$ida.minisig" >hand.minisig
    expect_exit 0 minisign -V -H -p a.pub -m hand.manifest -x hand.minisig
    check 'by hand: trusted comment shown' has "$out" "Trusted comment: lp-signature v1 id=org.example.math version=3"
    cd - >/dev/null || bail_out "cd"
else
    skip 'by hand recipe' 'no minisign'
    skip 'by hand: trusted comment shown' 'no minisign'
fi
done_testing
