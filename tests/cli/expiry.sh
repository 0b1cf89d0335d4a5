#!/bin/sh
# Expiry (lpk(5) "expires", lp-trust(5) EXPIRY): lpack create --expires,
# warnings after it, refusal with --strict-expiry, and a clock that is
# never taken as earlier than signing times already trusted.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

b64() { sed -n 2p "$1"; }

mkdir -p "$tmp/src"
echo 'Lesson 1' >"$tmp/src/a.txt"
run "$LPACK" keygen -q -p "$tmp/min.pub" -s "$tmp/min.key" --no-passphrase
cat >"$tmp/trust" <<EOT
lp-trust 1
threshold 1
key $(b64 "$tmp/min.pub") - - Ministry of Education
EOT

# ------------------------------------------------------------ writing
export SOURCE_DATE_EPOCH=946684800   # 2000-01-01
expect_exit 0 "$LPACK" create -q "$tmp/src" -o "$tmp/old.lpk" --id org.example.old --expires 2001-01-01
run "$LPACK" manifest "$tmp/old.lpk" -o "$tmp/old.manifest"
check 'expires in the manifest' grep -qx 'expires 2001-01-01T00:00:00Z' "$tmp/old.manifest"
check 'after created, before entries' test "$(grep -n '' "$tmp/old.manifest" | sed -n 's/^\([0-9]*\):\(created\|expires\|entries\) .*/\2/p' | tr '\n' ' ')" = 'created expires entries '
expect_exit 0 "$LPACK" create -q "$tmp/src" -o "$tmp/later.lpk" --id org.example.later --expires 2098-06-30T12:00:00Z
run "$LPACK" manifest "$tmp/later.lpk" -o "$tmp/later.manifest"
check 'full time kept' grep -qx 'expires 2098-06-30T12:00:00Z' "$tmp/later.manifest"
expect_exit 0 "$LPACK" info "$tmp/later.lpk"
check 'info shows the expiry' has "$out" "expires: 2098-06-30T12:00:00Z"
expect_exit 0 "$LPACK" info --json "$tmp/later.lpk"
check 'info --json shows the expiry' has "$out" '"expires":"2098-06-30T12:00:00Z"'
expect_exit 0 "$LPACK" create -q "$tmp/src" -o "$tmp/none.lpk" --id org.example.none
expect_exit 0 "$LPACK" info --json "$tmp/none.lpk"
check 'info --json: no expiry' has "$out" '"expires":null'
run "$LPACK" manifest "$tmp/none.lpk" -o "$tmp/none.manifest"
check 'no expires line by default' sh -c "! grep -q '^expires' '$tmp/none.manifest'"
for v in 2001-1-01 2001-02-30 '2001-01-01 00:00:00' 2001-01-01T00:00:00 1969-12-31 x ''; do
    expect_exit 2 "$LPACK" create -q "$tmp/src" -o "$tmp/bad.lpk" --expires "$v"
    check "  --expires '$v': says what is expected" has "$err" "expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ"
done
expect_exit 2 "$LPACK" create -q "$tmp/src" -o "$tmp/bad.lpk" --expires 1999-12-31
check 'expiry before creation refused' has "$err" "manifest expires 1999-12-31T00:00:00Z, not later than it was created (2000-01-01T00:00:00Z)"
check '  and nothing written' test ! -e "$tmp/bad.lpk"
unset SOURCE_DATE_EPOCH

# ------------------------------------------------------------ verifying
run "$LPACK" sign -q "$tmp/old.lpk" -s "$tmp/min.key"
run "$LPACK" sign -q "$tmp/later.lpk" -s "$tmp/min.key"
expect_exit 0 "$LPACK" verify "$tmp/old.lpk"
check 'expired: a warning' has "$err" "warning: package expired at 2001-01-01T00:00:00Z"
check 'expired: still OK without --strict-expiry' has "$out" "OK"
expect_exit 1 "$LPACK" verify "$tmp/old.lpk" --strict-expiry
check '--strict-expiry refuses' has "$err" "refused: package expired at 2001-01-01T00:00:00Z"
expect_exit 1 "$LPACK" verify "$tmp/old.lpk" --trust "$tmp/trust" --strict-expiry
check '--strict-expiry with --trust refuses' has "$err" "refused: package expired"
expect_exit 1 "$LPACK" verify --json "$tmp/old.lpk" --strict-expiry
check 'json: expired' has "$out" '"expires":"2001-01-01T00:00:00Z","expired":true'
expect_exit 0 "$LPACK" verify --json "$tmp/old.lpk"
check 'json: warning, not a problem' has "$out" '"ok":true'
check 'json: nothing on stderr' is_empty "$err"
expect_exit 0 "$LPACK" verify "$tmp/later.lpk" --trust "$tmp/trust" --strict-expiry
check 'not expired yet: no warning' is_empty "$err"
expect_exit 1 "$LPACK" verify "$tmp/later.lpk" --strict-expiry --now 2098-07-01
check '--now past the expiry' has "$err" "expired at 2098-06-30T12:00:00Z (it is 2098-07-01T00:00:00Z)"
expect_exit 0 "$LPACK" verify "$tmp/later.lpk" --strict-expiry --now 2098-06-30T12:00:00Z
check 'valid up to the second it expires' is_empty "$err"
expect_exit 0 "$LPACK" verify --json "$tmp/none.lpk"
check 'json: no expiry' has "$out" '"expires":null,"expired":false'

# a clock reading 1970 never brings an expired package back: the package's
# own trusted signing time (today) is later than its expiry (2001)
expect_exit 1 "$LPACK" verify "$tmp/old.lpk" --trust "$tmp/trust" --strict-expiry --now 1970-01-01
check 'clock at 1970: the signing time bounds it' has "$err" "refused: package expired at 2001-01-01T00:00:00Z"
expect_exit 2 "$LPACK" verify "$tmp/old.lpk" --now 2001-13-01
check 'bad --now' has "$err" "invalid value '2001-13-01' for '--now'"

# ... nor does the state: a signing time accepted earlier (2098, made with
# stock minisign, on a hub whose clock said 2098-06-01) bounds the clock
# for every package; a signing time ahead of the clock moves it 30 days at
# most (lp-trust(5), CLOCK; tests/cli/clock.sh has the attacks)
if command -v minisign >/dev/null 2>&1; then
    minisign -G -W -p "$tmp/fut.pub" -s "$tmp/fut.key" >/dev/null 2>&1
    cat >>"$tmp/trust" <<EOT
key $(b64 "$tmp/fut.pub") - - future signer
EOT
    run "$LPACK" create -q "$tmp/src" -o "$tmp/fut.lpk" --id org.example.fut --release 7
    run "$LPACK" manifest "$tmp/fut.lpk" -o "$tmp/fut.manifest"
    minisign -S -s "$tmp/fut.key" -m "$tmp/fut.manifest" -x "$tmp/fut.minisig" \
        -t 'lp-signature v1 id=org.example.fut version=7 time=2099-01-01T00:00:00Z' >/dev/null 2>&1
    run "$LPACK" attach "$tmp/fut.lpk" "$tmp/fut.minisig" --public "$tmp/fut.pub"
    expect_exit 0 "$LPACK" verify "$tmp/fut.lpk" --trust "$tmp/trust" --state "$tmp/st" --now 2098-06-01
    check 'state records the clock plus 30 days, not 2099' has "$tmp/st/org.example.fut.state" "signed 2098-07-01T00:00:00Z"
    expect_exit 0 "$LPACK" verify "$tmp/later.lpk" --trust "$tmp/trust" --strict-expiry --now 1970-01-01
    expect_exit 1 "$LPACK" verify "$tmp/later.lpk" --trust "$tmp/trust" --state "$tmp/st" --strict-expiry --now 1970-01-01
    check 'clock at 1970: the state bounds it' has "$err" "expired at 2098-06-30T12:00:00Z (it is 2098-07-01T00:00:00Z)"
    expect_exit 0 "$LPACK" verify "$tmp/later.lpk" --trust "$tmp/trust" --state "$tmp/st"
    check 'without --strict-expiry: a warning' has "$err" "warning: package expired"
else
    skip 'clock bounded by the state' 'minisign is not installed'
fi

# a damaged expires, or one before created, is refused
python3 - "$tmp" <<'PY'
import sys, zipfile, zlib, struct
t = sys.argv[1]
raw = bytearray(open(t + "/later.lpk", "rb").read())
z = zipfile.ZipFile(t + "/later.lpk")
info = z.getinfo("manifest")
m = z.read("manifest")
def put(name, new):
    assert len(new) == len(m)
    r = bytearray(raw)
    hdr = info.header_offset
    n, x = struct.unpack("<HH", r[hdr + 26:hdr + 30])
    r[hdr + 30 + n + x:hdr + 30 + n + x + len(new)] = new
    crc = struct.pack("<I", zlib.crc32(new))
    r[hdr + 14:hdr + 18] = crc
    pos = 0
    while True:
        pos = r.index(b"PK\x01\x02", pos)
        if r[pos + 46:pos + 54] == b"manifest":
            r[pos + 16:pos + 20] = crc
            break
        pos += 4
    open(t + "/" + name, "wb").write(r)
put("bad-expires.lpk", m.replace(b"expires 2098-06-30T12:00:00Z", b"expires 2098-06-31T12:00:00Z"))
put("early-expires.lpk", m.replace(b"expires 2098-06-30T12:00:00Z", b"expires 1999-06-30T12:00:00Z"))
PY
expect_exit 1 "$LPACK" verify "$tmp/bad-expires.lpk"
check 'malformed expires refused' has "$err" "expires must be a UTC time"
expect_exit 1 "$LPACK" verify "$tmp/early-expires.lpk"
check 'expires before created refused' has "$err" "manifest expires 1999-06-30T12:00:00Z, not later than it was created"
done_testing
