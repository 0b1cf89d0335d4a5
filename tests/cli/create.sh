#!/bin/sh
# lpack create: what goes in, identity options, determinism, atomic writes.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

src=$tmp/src
mkdir -p "$src/tet" "$src/media/img" "$src/pt"
printf 'Lisaun 1: Ita aprende konta husi ida to%ssanulu.\n' "'" > "$src/tet/lisaun 1.html"
printf 'Lição 1: Aprendemos a contar de um a dez.\n' > "$src/pt/lição-1.html"
head -c 50000 /dev/urandom > "$src/media/img/a.jpg"
cp "$src/media/img/a.jpg" "$src/media/img/same.jpg"
: > "$src/empty.txt"
i=0
while [ $i -lt 200 ]; do echo "Linha $i: o rato roeu a roupa do rei de Roma." ; i=$((i+1)); done > "$src/pt/long.txt"

expect_exit 0 "$LPACK" create "$src" -o "$tmp/a.lpk" --id tl.example --release 4 \
    --label "Term 1" --lang tet,pt
check 'summary on stderr' has "$err" "wrote '$tmp/a.lpk' (6 entries, 5 objects"
expect_exit 0 "$LPACK" info "$tmp/a.lpk"
check 'id' has "$out" "id: tl.example"
check 'version' has "$out" "version: 4"
check 'label' has "$out" "label: Term 1"
check 'languages' has "$out" "languages: tet pt"
check 'dedupe: 6 entries, 5 objects' has "$out" "objects: 5"

expect_exit 0 "$LPACK" ls -l "$tmp/a.lpk"
check 'JPEG stored as is' grep -q "^50000	image/jpeg	" "$out"
check 'name with space and UTF-8' has "$out" "pt/lição-1.html"

# compressed only when it pays: the long text is compressed
expect_exit 0 "$LPACK" ls --json "$tmp/a.lpk"
check 'long text compressed' grep -q '"path":"pt/long.txt"[^}]*"compressed":true' "$out"
check 'jpeg not compressed' grep -q '"path":"media/img/a.jpg"[^}]*"compressed":false' "$out"

# defaults: id from the folder name
mkdir -p "$tmp/My Lessons (2026)"
cp "$src/pt/long.txt" "$tmp/My Lessons (2026)/"
expect_exit 0 "$LPACK" create -q "$tmp/My Lessons (2026)/" -o "$tmp/d.lpk"
check 'quiet: nothing on stderr' is_empty "$err"
run "$LPACK" info "$tmp/d.lpk"
check 'default id from folder' has "$out" "id: My-Lessons--2026-"
check 'default language und' has "$out" "languages: und"
check 'default release 1' has "$out" "version: 1"

# determinism: same tree, same bytes, whatever the time zone or threads
SOURCE_DATE_EPOCH=1764338400 TZ=Asia/Dili run "$LPACK" create -q "$src" -o "$tmp/r1.lpk" --threads 1
SOURCE_DATE_EPOCH=1764338400 TZ=America/La_Paz run "$LPACK" create -q "$src" -o "$tmp/r2.lpk" --threads 2
check 'byte-identical across runs, time zones and thread counts' cmp -s "$tmp/r1.lpk" "$tmp/r2.lpk"
run "$LPACK" info "$tmp/r1.lpk"
check 'SOURCE_DATE_EPOCH is the creation time' has "$out" "created: 2025-11-28T14:00:00Z"
touch -d '2024-03-01 10:00:00 UTC' "$src/pt/long.txt"
find "$src" -exec touch -d '2024-01-01 00:00:00 UTC' {} + 2>/dev/null
touch -d '2024-03-01 10:00:00 UTC' "$src/pt/long.txt"
run env -u SOURCE_DATE_EPOCH "$LPACK" create -q "$src" -o "$tmp/m.lpk"
run "$LPACK" info "$tmp/m.lpk"
check 'without SOURCE_DATE_EPOCH: newest file time' has "$out" "created: 2024-03-01T10:00:00Z"
SOURCE_DATE_EPOCH=yesterday expect_exit 2 "$LPACK" create -q "$src" -o "$tmp/x.lpk"
check 'bad SOURCE_DATE_EPOCH named' has "$err" "SOURCE_DATE_EPOCH"

# round trip
expect_exit 0 "$LPACK" extract "$tmp/a.lpk" -C "$tmp/rt"
check 'extract gives the same tree (diff -r)' diff -r "$src" "$tmp/rt"

# level trades time for size
mkdir "$tmp/text"
i=0
while [ $i -lt 3000 ]; do
    echo "Kapítulu $i: Estudante sira lee testu, hakerek resposta no koko pergunta $((i * 7 % 13))."
    i=$((i+1))
done > "$tmp/text/book.txt"
expect_exit 0 "$LPACK" create -q "$tmp/text" -o "$tmp/l1.lpk" --level 1
expect_exit 0 "$LPACK" create -q "$tmp/text" -o "$tmp/l19.lpk" --level 19
check 'level 19 smaller than level 1' test "$(wc -c < "$tmp/l19.lpk")" -lt "$(wc -c < "$tmp/l1.lpk")"

# refused inputs, nothing written
ln -s /etc/passwd "$src/link"
expect_exit 1 "$LPACK" create "$src" -o "$tmp/s.lpk"
check 'symlink refused with its name' has "$err" "src/link': it is a symbolic link, not a regular file"
check 'no output left behind' test ! -e "$tmp/s.lpk"
rm "$src/link"
# a linked folder leaks nothing from outside the tree
mkdir -p "$tmp/outside"
echo secret >"$tmp/outside/secret.txt"
ln -s "$tmp/outside" "$src/ext"
expect_exit 1 "$LPACK" create "$src" -o "$tmp/s.lpk"
check 'linked folder refused with its name' has "$err" "src/ext': it is a symbolic link, not a regular file"
check 'linked folder: no output left behind' test ! -e "$tmp/s.lpk"
rm "$src/ext"
mkfifo "$src/fifo"
expect_exit 1 "$LPACK" create "$src" -o "$tmp/s.lpk"
check 'fifo refused' has "$err" "src/fifo': it is a FIFO, not a regular file"
rm "$src/fifo"
expect_exit 3 "$LPACK" create "$tmp/nonexistent" -o "$tmp/s.lpk"
check 'missing folder named' has "$err" "nonexistent"
expect_exit 2 "$LPACK" create "$src" -o "$tmp/s.lpk" --id "-bad"
check 'bad id explained' has "$err" "package id"
expect_exit 2 "$LPACK" create "$src" -o "$tmp/s.lpk" --lang "en_US"
check 'bad language explained' has "$err" "language"
check 'no output after refused options' test ! -e "$tmp/s.lpk"

# an existing package is replaced only on success
cp "$tmp/a.lpk" "$tmp/keep.lpk"
chmod 000 "$src/pt/long.txt"
if [ "$(id -u)" -ne 0 ]; then
    expect_exit 3 "$LPACK" create "$src" -o "$tmp/keep.lpk"
    check 'old package untouched after failure' cmp -s "$tmp/a.lpk" "$tmp/keep.lpk"
else
    skip 'unreadable input (root reads everything)' 'running as root'
    skip 'old package untouched after failure' 'running as root'
fi
chmod 644 "$src/pt/long.txt"
mkdir "$tmp/ro"
cp "$tmp/a.lpk" "$tmp/ro/keep.lpk"
chmod 555 "$tmp/ro"
if [ "$(id -u)" -ne 0 ]; then
    expect_exit 3 "$LPACK" create "$src" -o "$tmp/ro/keep.lpk"
    check 'old package untouched when its folder is read-only' cmp -s "$tmp/a.lpk" "$tmp/ro/keep.lpk"
else
    skip 'read-only output folder' 'running as root'
    skip 'old package untouched when its folder is read-only' 'running as root'
fi
chmod 755 "$tmp/ro"
check 'no temporary files left' test -z "$(ls -A "$tmp" | grep -E '\.(tmp|spool)-')"

# Every object that may use the package dictionary does, whichever worker
# compresses it (a bug: a worker whose last object before them was an
# incompressible text given up on at the 1 MiB probe kept going without
# the dictionary, so packages depended on thread timing).  One thread makes
# that order certain; several threads must give the same bytes.
mkdir "$tmp/dict"
python3 - "$tmp/dict" <<'EOP'
import os, random, sys
r = random.Random(5)
d = sys.argv[1]
with open(os.path.join(d, "zz-noise.bin"), "wb") as f:  # incompressible
    f.write(r.randbytes(2 << 20))
words = "agua rai ai-horis kuda eskola lisaun matematika numeru".split()
for i in range(100):
    with open(os.path.join(d, "l%03d.txt" % i), "w") as f:
        f.write(" ".join(r.choice(words) for _ in range(2500)) + "\n")
EOP
SOURCE_DATE_EPOCH=1700000000 run "$LPACK" create -q "$tmp/dict" -o "$tmp/d1.lpk" --threads 1
check 'dictionary: every candidate object uses it, one thread' python3 - "$tmp/d1.lpk" <<'EOP'
import struct, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
zst = [i for i in z.infolist() if i.filename.endswith(".zst")]
small = [i for i in zst if i.file_size < 65536]
assert len(small) == 100, len(small)
for i in small:
    fhd = z.read(i)[4]
    assert fhd & 3, "%s: no Dictionary_ID" % i.filename
EOP
for t in 2 3; do
    SOURCE_DATE_EPOCH=1700000000 run "$LPACK" create -q "$tmp/dict" -o "$tmp/d$t.lpk" --threads $t
    check "dictionary: $t threads give the same package as one" cmp "$tmp/d1.lpk" "$tmp/d$t.lpk"
done

# Media that is compressed already is compressed where a sample says it
# pays (issue 15: real JPEGs shrink to about 0.81x), stored where not;
# the whole object is tried when it is at most two samples (128 KiB)
mkdir "$tmp/media"
python3 - "$tmp/media" <<'EOP'
import os, random, sys
r = random.Random(7)
d = sys.argv[1]
def save(name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
# JPEG-like: a header, then a body of few distinct bytes (compresses)
save("shrinks.jpg", b"\xff\xd8\xff\xe0" + bytes(r.choice(b"abcd") for _ in range(600000)))
save("random.jpg", b"\xff\xd8\xff\xe0" + r.randbytes(600000))
save("small.png", b"\x89PNG\r\n\x1a\n" + bytes(40000))
save("small-random.png", b"\x89PNG\r\n\x1a\n" + r.randbytes(40000))
EOP
SOURCE_DATE_EPOCH=1700000000 run "$LPACK" create -q "$tmp/media" -o "$tmp/m1.lpk" --threads 1
check 'media: compressed where it pays, stored where not' python3 - "$tmp/m1.lpk" "$tmp/media" <<'EOP'
import hashlib, os, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = set(i.filename for i in z.infolist())
for f, zst in (("shrinks.jpg", True), ("random.jpg", False),
               ("small.png", True), ("small-random.png", False)):
    h = hashlib.blake2b(open(os.path.join(sys.argv[2], f), "rb").read(),
                        digest_size=32).hexdigest()
    want = "objects/%s%s" % (h, ".zst" if zst else "")
    assert want in names, (f, want)
EOP
expect_exit 0 "$LPACK" verify -q "$tmp/m1.lpk"
SOURCE_DATE_EPOCH=1700000000 run "$LPACK" create -q "$tmp/media" -o "$tmp/m2.lpk" --threads 2
check 'media: 2 threads give the same package as one' cmp "$tmp/m1.lpk" "$tmp/m2.lpk"

# an empty folder makes a valid, empty package
mkdir "$tmp/empty"
expect_exit 0 "$LPACK" create -q "$tmp/empty" -o "$tmp/e.lpk"
expect_exit 0 "$LPACK" verify "$tmp/e.lpk"
done_testing
