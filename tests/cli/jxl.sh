#!/bin/sh
# jxl.sh - JPEGs stored as JPEG XL (lpack create / lpc build --jpeg=jxl,
# lpk(5) JPEG XL OBJECTS): real JPEGs of every kind come back byte for
# byte (lpack cat, extract), unzip still lists and tests the package,
# libjxl's own djxl rebuilds the same JPEG from an object, what libjxl
# cannot keep is stored as before, the output does not depend on the
# thread count, deltas with such objects on either side apply to the very
# release, and damaged or out-of-format JPEG XL objects are refused.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

LPC=${LPC:-$top_builddir/lpc/lpc}
pics=$fixtures/jpeg/pictures
example=$top_srcdir/examples/tetum-math
SOURCE_DATE_EPOCH=1795874400
export SOURCE_DATE_EPOCH

if ! "$LPACK" create --help | grep -q -e '--jpeg'; then
    bail_out "lpack create has no --jpeg"
fi
# a liblp built without libjxl (configure --without-jxl): refuses the
# option and such packages by name, and that is all there is to test
run "$LPACK" create "$pics" -o "$tmp/x.lpk" --jpeg=jxl
if [ "$status" -eq 2 ] && has "$err" 'built without libjxl'; then
    ok 'without libjxl: --jpeg=jxl is refused by name'
    expect_exit 1 "$LPACK" info "$fixtures/jpeg/pictures-jxl.lpk"
    check 'without libjxl: a JPEG XL package is refused by name' \
        has "$err" 'this package stores pictures as JPEG XL; this liblp was built without libjxl'
    done_testing
fi

# ------------------------------------------------------ create and read
expect_exit 0 "$LPACK" create "$pics" -o "$tmp/p.lpk" --jpeg=jxl -q \
    --threads 1
expect_exit 0 "$LPACK" create "$pics" -o "$tmp/p2.lpk" --jpeg=jxl -q \
    --threads 4
check 'the same package whatever the thread count' cmp -s "$tmp/p.lpk" \
    "$tmp/p2.lpk"
expect_exit 0 "$LPACK" create "$pics" -o "$tmp/k.lpk" --jpeg=keep -q
check 'a package with JPEG XL objects is format 2' \
    test "$(unzip -p "$tmp/p.lpk" manifest | head -n 1)" = 'lpk-manifest 2'
check '--jpeg=keep: format 1' \
    test "$(unzip -p "$tmp/k.lpk" manifest | head -n 1)" = 'lpk-manifest 1'
check 'smaller than with --jpeg=keep' test "$(wc -c <"$tmp/p.lpk")" -lt \
    "$(wc -c <"$tmp/k.lpk")"
expect_exit 0 "$LPACK" verify "$tmp/p.lpk"
check '  verify: every object' has "$out" 'OK (8 entries, 8 objects verified)'

# unzip still reads the container: lists it, tests every CRC
expect_exit 0 unzip -tq "$tmp/p.lpk"
njxl=$(unzip -Z1 "$tmp/p.lpk" | grep -c '^objects/[0-9a-f]*\.jxl$')
check 'six of the eight pictures are JPEG XL objects' test "$njxl" -eq 6

# every picture comes back byte for byte, through cat and extract
bad=
for f in "$pics"/*.jpg; do
    n=${f##*/}
    "$LPACK" cat "$tmp/p.lpk" "$n" >"$tmp/got" 2>"$err" &&
        cmp -s "$tmp/got" "$f" || bad="$bad $n"
done
check 'lpack cat: each picture byte for byte' test -z "$bad"
[ -z "$bad" ] || diag "differ:$bad"
expect_exit 0 "$LPACK" extract "$tmp/p.lpk" -C "$tmp/out"
check 'lpack extract: the same files' diff -r "$pics" "$tmp/out"

# the ones libjxl cannot keep (arithmetic coding, CMYK) are stored as is
hash_of() {
    unzip -p "$tmp/p.lpk" manifest | awk -v p="$1" '$4 == p { print $1 }'
}
for n in arithmetic.jpg cmyk.jpg; do
    check "$n is stored as before" \
        unzip -Z1 "$tmp/p.lpk" "objects/$(hash_of "$n")"
done

# libjxl's own tools read the objects: djxl rebuilds the JPEG
if command -v djxl >/dev/null 2>&1; then
    for n in progressive.jpg exif.jpg tail.jpg; do
        h=$(hash_of "$n")
        unzip -p "$tmp/p.lpk" "objects/$h.jxl" >"$tmp/o.jxl"
        djxl "$tmp/o.jxl" "$tmp/o.jpg" >/dev/null 2>&1
        check "djxl rebuilds $n from its object" cmp -s "$tmp/o.jpg" \
            "$pics/$n"
    done
else
    skip 'djxl rebuilds the pictures' 'djxl not installed (libjxl-tools)'
    skip 'djxl rebuilds the pictures' 'djxl not installed (libjxl-tools)'
    skip 'djxl rebuilds the pictures' 'djxl not installed (libjxl-tools)'
fi

# signing copies the objects as they are
expect_exit 0 "$LPACK" keygen -q --no-passphrase --public "$tmp/k.pub" \
    --secret "$tmp/k.key"
expect_exit 0 "$LPACK" sign -q "$tmp/p.lpk" --secret "$tmp/k.key"
expect_exit 0 "$LPACK" verify "$tmp/p.lpk"
check '  signed: every object still verifies' has "$out" \
    'OK (8 entries, 8 objects verified)'
# deltas between releases with JPEG XL objects on either side (lpd(5)
# format 2): applying one gives the very package it was made from
mkdir "$tmp/r2"
cp "$pics"/*.jpg "$tmp/r2/"
rm "$tmp/r2/gray.jpg"
cp "$pics/gray.jpg" "$tmp/r2/new gray.jpg"
printf 'a note\n' >"$tmp/r2/notes.txt"
expect_exit 0 "$LPACK" create "$tmp/r2" -o "$tmp/r2j.lpk" --jpeg=jxl -q \
    --release 2
expect_exit 0 "$LPACK" create "$tmp/r2" -o "$tmp/r2k.lpk" -q --release 2
for pair in "p r2j" "k r2j" "p r2k"; do
    set -- $pair
    expect_exit 0 "$LPACK" delta "$tmp/$1.lpk" "$tmp/$2.lpk" \
        -o "$tmp/$1-$2.lpd" -q
    expect_exit 0 "$LPACK" apply "$tmp/$1.lpk" "$tmp/$1-$2.lpd" \
        -o "$tmp/$1-$2.lpk" -q
    check "  $1 -> $2: the very release" cmp -s "$tmp/$1-$2.lpk" "$tmp/$2.lpk"
done
check 'a delta to JPEG XL objects is format 2' \
    test "$(head -n 1 "$tmp/p-r2j.lpd")" = 'lpk-delta 2'
check 'to a package without: format 1' \
    test "$(head -n 1 "$tmp/p-r2k.lpd")" = 'lpk-delta 1'

# ------------------------------------------------------ hostile objects
# rewrite_object PKG NAME.jxl BYTES OUT [MAGIC]: the package with that
# entry's data replaced (same length) and its CRC fixed, and the manifest's
# first line set to MAGIC
rewrite() {
    python3 - "$@" <<'EOF'
import struct, sys, zlib
src, name, data, dst = sys.argv[1:5]
magic = sys.argv[5].encode() if len(sys.argv) > 5 else None
z = bytearray(open(src, "rb").read())
new = open(data, "rb").read()
def entries(z):
    at = z.rfind(b"PK\x05\x06")
    cnt, cdsize, cdoff = struct.unpack("<HII", z[at + 10:at + 20])
    p = cdoff
    for _ in range(cnt):
        nlen, xlen, clen = struct.unpack("<HHH", z[p + 28:p + 34])
        off = struct.unpack("<I", z[p + 42:p + 46])[0]
        yield p, z[p + 46:p + 46 + nlen].decode(), off
        p += 46 + nlen + xlen + clen
for cd, n, off in list(entries(z)):
    body = None
    if n == name:
        body = new
    elif n == "manifest" and magic:
        size = struct.unpack("<I", z[off + 18:off + 22])[0]
        nl = struct.unpack("<H", z[off + 26:off + 28])[0]
        d = off + 30 + nl
        old = bytes(z[d:d + size])
        body = magic + old[old.index(b"\n"):]
    if body is None:
        continue
    nl, xl = struct.unpack("<HH", z[off + 26:off + 30])
    d = off + 30 + nl + xl
    size = struct.unpack("<I", z[off + 18:off + 22])[0]
    assert len(body) == size, (n, len(body), size)
    z[d:d + size] = body
    crc = struct.pack("<I", zlib.crc32(body))
    z[off + 14:off + 18] = crc
    z[cd + 16:cd + 20] = crc
open(dst, "wb").write(z)
EOF
}
h=$(hash_of progressive.jpg)
unzip -p "$tmp/p.lpk" "objects/$h.jxl" >"$tmp/o.jxl"
size=$(wc -c <"$tmp/o.jxl")
# the stream cut in the middle, the rest zeros
head -c $((size / 2)) "$tmp/o.jxl" >"$tmp/cut.jxl"
head -c $((size - size / 2)) /dev/zero >>"$tmp/cut.jxl"
rewrite "$tmp/p.lpk" "objects/$h.jxl" "$tmp/cut.jxl" "$tmp/cut.lpk"
expect_exit 1 "$LPACK" cat "$tmp/cut.lpk" progressive.jpg
check '  a cut stream: refused, nothing on stdout' is_empty "$out"
check '  ... saying why' has "$err" "entry 'progressive.jpg'"
# another picture's stream under this hash: a content mismatch
h2=$(hash_of exif.jpg)
unzip -p "$tmp/p.lpk" "objects/$h2.jxl" >"$tmp/other.jxl"
head -c "$size" "$tmp/other.jxl" >"$tmp/o2.jxl"
head -c $((size - $(wc -c <"$tmp/o2.jxl"))) /dev/zero >>"$tmp/o2.jxl"
rewrite "$tmp/p.lpk" "objects/$h.jxl" "$tmp/o2.jxl" "$tmp/swap.lpk"
expect_exit 1 "$LPACK" verify "$tmp/swap.lpk"
check '  another stream: refused' has "$err" "progressive.jpg"
# a .jxl object in a format 1 package is not a name format 1 has
cp "$tmp/o.jxl" "$tmp/same.jxl"
rewrite "$tmp/p.lpk" "objects/$h.jxl" "$tmp/same.jxl" "$tmp/v1.lpk" \
    'lpk-manifest 1'
expect_exit 1 "$LPACK" verify "$tmp/v1.lpk"
check '  a .jxl object in format 1: a bad object name' grep -q \
    "bad object name 'objects/[0-9a-f]*\\.jxl'" "$err"
# the reader of format 1 (lp before JPEG XL) refuses format 2 as newer;
# this one, format 3
rewrite "$tmp/p.lpk" "objects/$h.jxl" "$tmp/same.jxl" "$tmp/v3.lpk" \
    'lpk-manifest 3'
expect_exit 1 "$LPACK" verify "$tmp/v3.lpk"
check '  format 3: newer than this reader' has "$err" \
    'package format 3 is newer than this liblp supports (2)'

# lp_entry_data_offset() never hands out a JPEG XL object as the picture
# (lpack serve sends stored objects with sendfile): see test_jxl.c

# ------------------------------------------------------ lpc build
mkproj proj
for f in "$tmp"/proj/lessons/numbers-01.yaml "$tmp"/proj/lessons/numbers-02.xml
do
    sed 's/fatuk-sanulu\.png/fatuk-sanulu.jpg/' "$f" >"$f.new" &&
        mv "$f.new" "$f"
done
rm "$tmp/proj/media/fatuk-sanulu.png"
cp "$pics/progressive.jpg" "$tmp/proj/media/fatuk-sanulu.jpg"
expect_exit 0 "$LPC" build "$tmp/proj" -o "$tmp/c.lpk" --jpeg=jxl -q \
    --no-cache
run "$LPACK" ls "$tmp/c.lpk"
mpath=$(grep 'fatuk-sanulu.jpg' "$out")
check 'lpc build --jpeg=jxl: the picture is in the package' test -n "$mpath"
"$LPACK" cat "$tmp/c.lpk" "$mpath" >"$tmp/c.jpg" 2>"$err"
check '  and comes back byte for byte' cmp -s "$tmp/c.jpg" "$pics/progressive.jpg"
check '  as a JPEG XL object' test "$(unzip -Z1 "$tmp/c.lpk" | grep -c '\.jxl$')" -eq 1
expect_exit 2 "$LPC" build "$tmp/proj" -o "$tmp/c.lpk" --jpeg=png
check '  --jpeg=png: says what it expects' has "$err" 'expected keep or jxl'
expect_exit 2 "$LPC" check "$tmp/proj" --jpeg=jxl

done_testing
