#!/bin/sh
# interop.sh - a package made by 'lpack create' is an ordinary ZIP that
# stock tools read (unzip, python's zipfile, zstd, b2sum) and that a reader
# written from lpk(5) (man/lpk.5) alone accepts; and a package written from
# the spec alone (mkpkg.py 'good') is one lpack accepts.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

mkpkg=$top_srcdir/tests/cli/mkpkg.py
[ -f "$mkpkg" ] || bail_out "missing $mkpkg (is it in EXTRA_DIST?)"
for p in python3 zstd unzip b2sum; do
    command -v "$p" >/dev/null 2>&1 || bail_out "$p is needed (tools/deps.sh)"
done

mimetype=application/vnd.lp.package+zip

# ------------------------------------------------------------ the package

src=$tmp/src
mkdir -p "$src/media" "$src/lições" "$src/notes"
i=0
while [ $i -lt 60 ]; do
    echo "Lisaun $i: numeru sira.  Lesson $i: numbers.  Lição $i: números."
    i=$((i + 1))
done >"$src/lesson.txt"
cp "$src/lesson.txt" "$src/notes/copy of lesson.txt"
# a JPEG-looking file: SOI, APP0 JFIF, 4 KiB of noise, EOI
python3 -c '
import hashlib, sys
noise = b"".join(hashlib.blake2b(b"%d" % i).digest() for i in range(64))
sys.stdout.buffer.write(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00"
                        b"\x01\x00\x01\x00\x00" + noise + b"\xff\xd9")' \
    >"$src/media/cat photo.jpg"
: >"$src/empty.txt"
printf 'Matemátika ba ema hotu\n' >"$src/lições/matemática 1.txt"
printf 'hi\n' >"$src/notes/short.txt"

pkg=$tmp/p.lpk
# an odd second: the ZIP (DOS) times have a 2-second step
SOURCE_DATE_EPOCH=1790000001
export SOURCE_DATE_EPOCH
expect_exit 0 "$LPACK" create -q "$src" -o "$pkg" --id org.example.interop \
    --release 7 --label 'Term 1' --lang tet,pt
unset SOURCE_DATE_EPOCH
[ -f "$pkg" ] || bail_out "lpack create wrote no package: $(cat "$err")"

# ---------------------------------------------------------- unzip, zipfile

expect_exit 0 unzip -t "$pkg"
check '  unzip -t: no errors' has "$out" 'No errors detected'

unzip -Z1 "$pkg" >"$tmp/unzip-names" 2>"$err"
python3 -c '
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for n in z.namelist():
        print(n)
    bad = z.testzip()
    if bad is not None:
        sys.exit("testzip: first bad entry %s" % bad)
' "$pkg" >"$tmp/py-names" 2>"$err"
check 'python zipfile: testzip() is None' test $? -eq 0
check '  zipfile and unzip -Z1 list the same entries' \
    cmp -s "$tmp/py-names" "$tmp/unzip-names"
nobj=$(grep -c '^objects/' "$tmp/py-names")
check "  mimetype, manifest and $nobj objects, nothing else" \
    test "$(wc -l <"$tmp/py-names")" -eq $((nobj + 2))
check "  6 files, 5 distinct contents: 5 objects (2 paths share one)" \
    test "$nobj" -eq 5

check 'first entry is mimetype' test "$(head -n 1 "$tmp/py-names")" = mimetype
python3 -c '
import sys, zipfile
i = zipfile.ZipFile(sys.argv[1]).infolist()[0]
sys.exit(not (i.compress_type == zipfile.ZIP_STORED and i.extra == b""))
' "$pkg"
check '  stored, no extra field' test $? -eq 0
check "  bytes 30..37 of the file are 'mimetype'" \
    test "$(dd if="$pkg" bs=1 skip=30 count=8 2>/dev/null)" = mimetype
check "  bytes from 38 are '$mimetype'" \
    test "$(dd if="$pkg" bs=1 skip=38 count=30 2>/dev/null)" = "$mimetype"
check '  its content is exactly that (no newline)' \
    test "$(unzip -p "$pkg" mimetype | od -An -c | tr -d ' \n')" = \
    "$(printf '%s' "$mimetype" | od -An -c | tr -d ' \n')"

# ------------------------------------------------- objects with stock tools

# every object, taken out with unzip -p (and zstd -d for .zst), hashes to
# its name with b2sum -l 256
while read -r name; do
    case $name in
    objects/*.zst)
        hex=${name#objects/}
        hex=${hex%.zst}
        got=$(unzip -p "$pkg" "$name" | zstd -d -q -c | b2sum -l 256)
        ;;
    objects/*)
        hex=${name#objects/}
        got=$(unzip -p "$pkg" "$name" | b2sum -l 256)
        ;;
    *) continue ;;
    esac
    check "$name: b2sum -l 256 of its content is its name" \
        test "${got%% *}" = "$hex"
done <"$tmp/py-names"

# ------------------------------------------- lpack cat gives back each file

"$LPACK" ls "$pkg" >"$tmp/paths" 2>"$err"
(cd "$src" && find . -type f | sed 's|^\./||' | sort) >"$tmp/src-paths"
check 'lpack ls lists every file of the tree, sorted' \
    cmp -s "$tmp/paths" "$tmp/src-paths"
while IFS= read -r path; do
    "$LPACK" cat "$pkg" "$path" >"$tmp/cat.out" 2>"$err"
    check "lpack cat '$path' is the original file" \
        cmp -s "$tmp/cat.out" "$src/$path"
done <"$tmp/paths"

# ------------------------------------------- a reader written from the spec

# reader.py PKG: reads PKG following lpk(5), with zipfile and the
# zstd program; prints "ok|WHAT" or "not ok|WHAT|WHY" for each property.
cat >"$tmp/reader.py" <<'EOF'
import hashlib, re, subprocess, sys, zipfile

MIMETYPE = b"application/vnd.lp.package+zip"
KEYS = ["id", "version", "label", "languages", "created", "entries"]
results = []


def check(what, cond, why=""):
    results.append(("ok|%s" % what) if cond else ("not ok|%s|%s" % (what, why)))
    return cond


def canonical_decimal(s):
    return re.fullmatch(r"0|[1-9][0-9]*", s) is not None


def path_ok(p):
    try:
        t = p.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if not 0 < len(p) <= 1024 or "\\" in t or \
            any(ord(c) < 0x20 or ord(c) == 0x7f for c in t):
        return False
    comps = t.split("/")
    return len(comps) <= 64 and all(
        c not in ("", ".", "..") and len(c.encode()) <= 255 for c in comps)


def zstd_frame(data):
    """(content size or None, checksum flag, window size, frame length,
    dictionary id)"""
    if data[:4] != b"\x28\xb5\x2f\xfd":
        raise ValueError("no zstd magic")
    fhd = data[4]
    fcs_flag, single, checksum, dict_flag = fhd >> 6, fhd >> 5 & 1, \
        fhd >> 2 & 1, fhd & 3
    pos = 5
    window = None
    if not single:
        wd = data[pos]
        pos += 1
        base = 1 << (10 + (wd >> 3))
        window = base + (base >> 3) * (wd & 7)
    did = int.from_bytes(data[pos:pos + (0, 1, 2, 4)[dict_flag]], "little")
    pos += (0, 1, 2, 4)[dict_flag]
    fcs_len = (1 if single else 0, 2, 4, 8)[fcs_flag]
    fcs = None
    if fcs_len:
        fcs = int.from_bytes(data[pos:pos + fcs_len], "little")
        if fcs_len == 2:
            fcs += 256
        pos += fcs_len
    if single:
        window = fcs
    while True:                       # walk the blocks to the frame's end
        h = int.from_bytes(data[pos:pos + 3], "little")
        last, btype, bsize = h & 1, h >> 1 & 3, h >> 3
        pos += 3 + (1 if btype == 1 else bsize)
        if btype == 3:
            raise ValueError("reserved block type")
        if last:
            break
    pos += 4 if checksum else 0
    return fcs, checksum, window, pos, did


z = zipfile.ZipFile(sys.argv[1])
infos = z.infolist()
names = [i.filename for i in infos]
check("ZIP: entries are mimetype, manifest, then objects",
      names[:2] == ["mimetype", "manifest"] and
      all(n.startswith("objects/") for n in names[2:]), repr(names[:8]))
check("ZIP: no name twice", len(set(names)) == len(names))
check("ZIP: every entry stored (method 0), unencrypted, no extra field",
      all(i.compress_type == 0 and not i.flag_bits & 1 and i.extra == b""
          for i in infos))
check("ZIP: ASCII names", all(n.isascii() for n in names))
with open(sys.argv[1], "rb") as f:
    raw = f.read()
end = 0
gaps = []
for i in infos:
    if i.header_offset != end:
        gaps.append((i.filename, i.header_offset, end))
    nlen, elen = int.from_bytes(raw[i.header_offset + 26:i.header_offset + 28],
                                "little"), \
        int.from_bytes(raw[i.header_offset + 28:i.header_offset + 30], "little")
    end = i.header_offset + 30 + nlen + elen + i.compress_size
cd_offset = int.from_bytes(raw[-6:-2], "little")
check("ZIP layout: entries from offset 0, no gap, then the central "
      "directory, no comment, EOCD the last 22 bytes",
      not gaps and cd_offset == end and z.comment == b"" and
      raw[-22:-18] == b"PK\x05\x06", repr((gaps, cd_offset, end)))
check("ZIP: fixed attributes (made by Unix 6.3, needs 1.0, 0100644, "
      "flags 0)",
      all(i.create_system == 3 and i.create_version == 63 and
          i.extract_version == 10 and i.external_attr == 0o100644 << 16 and
          i.flag_bits == 0 and i.comment == b"" for i in infos),
      repr(sorted({(i.create_system, i.create_version, i.extract_version,
                    oct(i.external_attr >> 16), i.flag_bits)
                   for i in infos})))
check("mimetype content", z.read("mimetype") == MIMETYPE)

m = z.read("manifest")
def utf8(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


check("manifest: UTF-8, no BOM, no CR, ends with LF",
      m.endswith(b"\n") and b"\r" not in m and
      not m.startswith(b"\xef\xbb\xbf") and utf8(m))
lines = m[:-1].split(b"\n")
check("manifest: line 1 is 'lpk-manifest 1'", lines[0] == b"lpk-manifest 1",
      repr(lines[0]))
blank = lines.index(b"")
header = [l.decode().split(" ", 1) for l in lines[1:blank]]
keys = [k for k, _ in header]
check("manifest: header keys id version label languages created "
      "[dictionary] entries",
      keys == KEYS or keys == KEYS[:5] + ["dictionary"] + KEYS[5:],
      repr(header))
h = dict(header)
dict_hex = h.get("dictionary")
dict_path = None
if dict_hex is not None:
    check("manifest: the dictionary is a hash", re.fullmatch(
        r"[0-9a-f]{64}", dict_hex) is not None, repr(dict_hex))
check("manifest: id, version, languages, created well formed",
      re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}", h["id"]) is not None
      and canonical_decimal(h["version"]) and h["version"] != "0"
      and all(re.fullmatch(r"[A-Za-z0-9-]{1,35}", t)
              for t in h["languages"].split(" "))
      and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", h["created"])
      is not None, repr(h))
entries = lines[blank + 1:]
check("manifest: 'entries' is the number of entry lines",
      canonical_decimal(h["entries"]) and int(h["entries"]) == len(entries),
      "%s vs %d" % (h["entries"], len(entries)))
parsed = []
for k, l in enumerate(entries):
    mm = re.fullmatch(rb"([0-9a-f]{64}) (0|[1-9][0-9]*) ([!-~]{1,127}) (.+)",
                      l, re.S)
    if not check("entry %d: hash, size, media type, path well formed (%s)"
                 % (k + 1, l.split(b" ", 3)[-1].decode(errors="replace")),
                 mm is not None and b"/" in mm.group(3) and
                 path_ok(mm.group(4)), repr(l)):
        continue
    parsed.append((mm.group(1).decode(), int(mm.group(2)), mm.group(4)))
paths = [p for _, _, p in parsed]
check("manifest: paths sorted bytewise, unique",
      all(a < b for a, b in zip(paths, paths[1:])), repr(paths))
pset = set(paths)
check("manifest: no path is a folder of another",
      not any(p[:i] in pset for p in paths
              for i in range(len(p)) if p[i:i + 1] == b"/"))

objects = {}
for n in names[2:]:
    hx = n[len("objects/"):]
    zst = hx.endswith(".zst")
    hx = hx[:-4] if zst else hx
    objects[hx] = (n, zst)
check("objects are named objects/<64 lowercase hex>[.zst]",
      all(re.fullmatch(r"[0-9a-f]{64}", hx) for hx in objects),
      repr(names[2:]))
hashes = {hx: size for hx, size, _ in parsed}
named = set(hashes) | ({dict_hex} if dict_hex else set())
check("one object per hash the manifest names, no other",
      set(objects) == named and len(objects) == len(names) - 2)
dict_id = 0
if dict_hex in objects:
    n, zst = objects[dict_hex]
    d = z.read(n)
    check("the dictionary: stored, a zstd dictionary, its hash",
          not zst and d[:4] == b"\x37\xa4\x30\xec" and
          hashlib.blake2b(d, digest_size=32).hexdigest() == dict_hex)
    dict_id = int.from_bytes(d[4:8], "little")
    dict_path = sys.argv[1] + ".dict"
    with open(dict_path, "wb") as f:
        f.write(d)
check("paths sharing a hash share a size",
      all(size == hashes[hx] for hx, size, _ in parsed))

for hx, (n, zst) in sorted(objects.items()):
    if hx not in hashes:
        continue  # the dictionary, checked above
    stored = z.read(n)
    if zst:
        try:
            fcs, checksum, window, flen, did = zstd_frame(stored)
        except (ValueError, IndexError) as e:
            check("%s: a zstd frame" % n, False, str(e))
            continue
        check("%s: one frame, nothing after it" % n, flen == len(stored),
              "%d of %d" % (flen, len(stored)))
        check("%s: header records the content size" % n,
              fcs == hashes[hx], repr(fcs))
        check("%s: no zstd checksum, window <= 2^27" % n,
              not checksum and window <= 1 << 27, "%r %r" % (checksum, window))
        check("%s: smaller than its content" % n, len(stored) < hashes[hx])
        check("%s: no dictionary, or the package's" % n,
              did in (0, dict_id), repr((did, dict_id)))
        r = subprocess.run(["zstd", "-d", "-q", "-c"] +
                           (["-D", dict_path] if did else []),
                           input=stored[:flen], stdout=subprocess.PIPE)
        if not check("%s: zstd -d decompresses it" % n, r.returncode == 0):
            continue
        content = r.stdout
    else:
        content = stored
    check("%s: size and BLAKE2b-256 match the manifest" % n,
          len(content) == hashes[hx] and
          hashlib.blake2b(content, digest_size=32).hexdigest() == hx)
for hx, size, p in parsed:
    if p.endswith((b".jpg", b".jpeg", b".png")) and hx in objects:
        check("%s: media stored, not compressed" % p.decode(),
              not objects[hx][1])

created = h["created"]
y, mo, d, hh, mi, s = (int(created[a:b]) for a, b in
                       ((0, 4), (5, 7), (8, 10), (11, 13), (14, 16), (17, 19)))
want = (y, mo, d, hh, mi, s - s % 2) if y >= 1980 else (1980, 1, 1, 0, 0, 0)
check("ZIP times are the creation time (%s)" % created,
      all(i.date_time == want for i in infos),
      repr(sorted({i.date_time for i in infos})))
for p in paths:
    print("path|" + p.decode())
print("\n".join(results))
EOF

# reader PKG TAG: the reader's verdicts as TAP lines; its paths in $tmp/TAG
reader() {
    python3 "$tmp/reader.py" "$1" >"$tmp/reader.out" 2>"$err" ||
        not_ok "$2: reader.py ran" "$(cat "$err")"
    sed -n 's/^path|//p' "$tmp/reader.out" >"$tmp/$2"
    while IFS='|' read -r verdict what why; do
        case $verdict in
        ok) ok "$2: $what" ;;
        'not ok') not_ok "$2: $what" "$why" ;;
        esac
    done <"$tmp/reader.out"
}
# the reader must be able to say no, or its yes means nothing
python3 "$mkpkg" --all "$tmp" >"$err" 2>&1 ||
    bail_out "mkpkg.py --all failed: $(cat "$err")"
reader_says_no() {
    python3 "$tmp/reader.py" "$tmp/$1.lpk" >"$tmp/reader.out" 2>&1
    grep -q "^not ok|$2" "$tmp/reader.out"
}
check 'reader.py refuses mkpkg.py unsorted' \
    reader_says_no unsorted 'manifest: paths sorted'
check 'reader.py refuses mkpkg.py hash-stored' \
    reader_says_no hash-stored 'objects/0cb9883e.*BLAKE2b'
check 'reader.py refuses mkpkg.py zstd-trailing' \
    reader_says_no zstd-trailing '.*one frame, nothing after it'
check 'reader.py refuses mkpkg.py path-dotdot' \
    reader_says_no path-dotdot 'entry 1: .*(../evil.txt)'

reader "$pkg" lpack-created
check 'lpack-created: the reader finds the paths lpack ls lists' \
    cmp -s "$tmp/lpack-created" "$tmp/paths"

# --------------------- many small lessons: a package with a zstd dictionary

dsrc=$tmp/dsrc
mkdir -p "$dsrc/tet" "$dsrc/pt" "$dsrc/media"
python3 - "$dsrc" <<'PY'
import os, sys
tet = ["Ohin ita aprende konta husi ida to'o sanulu.",
       "Estudante sira lee testu no hakerek resposta iha kaderno.",
       "Haree ba imajen no konta fatuk sira ho ita-nia kolega.",
       "Manorin husu: ita iha fatuk hira agora?"]
pt = ["Hoje aprendemos a contar de um a dez.",
      "Os alunos leem o texto e escrevem as respostas no caderno.",
      "Olha para a imagem e conta as pedras com o teu colega.",
      "A professora pergunta: quantas pedras tens agora?"]
for i in range(240):
    for lang, lines in (("tet", tet), ("pt", pt)):
        body = "".join("<p>%s %d</p>\n" % (lines[(i + k) % 4], i * 7 + k)
                       for k in range(50))
        with open(os.path.join(sys.argv[1], lang, "lisaun-%03d.html" % i),
                  "w") as f:
            f.write("<h1>%s %d</h1>\n%s" % (lang, i, body))
PY
head -c 30000 /dev/urandom >"$dsrc/media/foto.jpg"
dpkg=$tmp/d.lpk
SOURCE_DATE_EPOCH=1790000000 run "$LPACK" create -q "$dsrc" -o "$dpkg" --threads 1
check 'dictionary package made' test "$status" -eq 0
SOURCE_DATE_EPOCH=1790000000 run "$LPACK" create -q "$dsrc" -o "$tmp/d2.lpk" --threads 2
check '  byte-identical with 1 and 2 threads' cmp -s "$dpkg" "$tmp/d2.lpk"
unzip -p "$dpkg" manifest >"$tmp/dmanifest"
check '  the manifest names a dictionary' grep -q '^dictionary [0-9a-f]\{64\}$' "$tmp/dmanifest"
expect_exit 0 "$LPACK" verify "$dpkg"
expect_exit 0 unzip -t "$dpkg"
reader "$dpkg" dictionary
expect_exit 0 "$LPACK" extract "$dpkg" -C "$tmp/dx"
check '  round trip (diff -r)' diff -r "$dsrc" "$tmp/dx"
dict_pays() {
    # the same tree with too few lessons to train on: objects compress alone
    _small=$(unzip -Zl "$dpkg" | awk '/objects\/.*\.zst/ { s += $4 } END { print s }')
    _raw=$(du -cb "$dsrc"/tet/* "$dsrc"/pt/* | tail -1 | cut -f1)
    diag "compressed lessons: $_small bytes of $_raw"
    [ "$_small" -lt $((_raw / 8)) ]
}
check '  the lessons compress more than 8x with it' dict_pays

# ------------------------- lpk(5)'s check by hand, run as the page prints it

groff -man -Tascii -P-cbou -rLL=200n "$top_srcdir/man/lpk.5" 2>"$err" |
    sed 's/^       //' >"$tmp/lpk5.txt"
{
    sed -n '/^dict=\$(unzip/,/^done; rm -f entry.tmp/p' "$tmp/lpk5.txt"
    sed -n "/^unzip -Z1 pkg.lpk 'objects\/\*'/,/^comm -3/p" "$tmp/lpk5.txt"
} >"$tmp/recipe.sh"
check "lpk(5)'s by-hand check found in the page" test "$(wc -l <"$tmp/recipe.sh")" -ge 15
by_hand() {
    rm -rf "$tmp/hand" && mkdir "$tmp/hand" && cp "$1" "$tmp/hand/pkg.lpk" &&
        (cd "$tmp/hand" && sh "$tmp/recipe.sh") >"$tmp/hand.out" 2>&1
    grep -q '^ok ' "$tmp/hand.out" && ! grep -qv '^ok ' "$tmp/hand.out"
}
check '  by hand: every entry of the package checks out' by_hand "$pkg"
check '  by hand: and of the package with a dictionary' by_hand "$dpkg"
[ -s "$tmp/hand.out" ] && diag "$(head -3 "$tmp/hand.out")"
python3 - "$dpkg" "$tmp/bad.lpk" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
# a byte in the middle of the last object (before the central directory)
cd = int.from_bytes(data[-6:-2], "little")
data[cd - 40] ^= 0x01
open(sys.argv[2], "wb").write(data)
PY
bad_found() {
    by_hand "$tmp/bad.lpk"
    grep -q '^BAD ' "$tmp/hand.out"
}
check '  by hand: a damaged object shows as BAD' bad_found

# ------------------------------------------- a package written from the spec

good=$tmp/good.lpk
expect_exit 0 unzip -t "$good"
reader "$good" mkpkg-good
expect_exit 0 "$LPACK" verify "$good"
check '  OK (6 entries, 5 objects verified)' has "$out" \
    'OK (6 entries, 5 objects verified)'
expect_exit 0 "$LPACK" ls "$good"
check '  lpack ls lists what the reader does' \
    cmp -s "$out" "$tmp/mkpkg-good"
expect_exit 0 "$LPACK" info "$good"
check '  info: the id' has "$out" 'org.example.mkpkg'
check '  info: the label' has "$out" '2026 term 1'
check '  info: the creation time' has "$out" '2026-11-28T14:00:00Z'
expect_exit 0 "$LPACK" cat "$good" 'lições/matemática.txt'
printf 'Matemátika ba ema hotu\n' >"$tmp/mat"
check '  cat of the UTF-8 path' cmp -s "$out" "$tmp/mat"
expect_exit 0 "$LPACK" extract "$good" -C "$tmp/good"
check '  extract: the two paths sharing an object are equal' \
    cmp -s "$tmp/good/lessons/01 numbers.txt" "$tmp/good/lessons/02 copy.txt"
check '  extract: the empty file is empty' is_empty "$tmp/good/empty.txt"
jpeg_in_manifest() {
    _h=$(b2sum -l 256 <"$tmp/good/media/cat one.jpg")
    unzip -p "$good" manifest |
        grep -q "^${_h%% *} [0-9]* image/jpeg media/cat one.jpg\$"
}
check '  extract: the JPEG hashes to its manifest hash' jpeg_in_manifest

done_testing
