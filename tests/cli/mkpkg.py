#!/usr/bin/env python3
"""mkpkg.py - build .lpk packages, good and hostile, without liblp.

    mkpkg.py SCENARIO OUT.lpk       write the package of SCENARIO to OUT.lpk
    mkpkg.py --list                 print the scenario names, one a line
    mkpkg.py --all DIR              write every scenario, as DIR/SCENARIO.lpk
    mkpkg.py flip-manifest IN OUTDIR [--fix-crc]
                                    one copy of IN per byte of its manifest
                                    entry, that byte XOR 0x01, as
                                    OUTDIR/m<offset>.lpk; --fix-crc also
                                    rewrites the ZIP CRC-32 of the manifest
                                    (local header and central directory) so
                                    the change reaches the manifest parser
    mkpkg.py flip-objects IN OUTDIR one copy of IN per non-empty objects/
                                    entry with its middle byte XOR 0x01, as
                                    OUTDIR/o<n>.lpk
    mkpkg.py zeros OUT.lpk SIZE     a good package whose zero.bin holds SIZE
                                    zero bytes, compressed (liblp stores
                                    content that large as is; other writers
                                    may not, and readers must cope)
    mkpkg.py truncate IN OUTDIR STEP
                                    IN cut at every STEPth offset (0, STEP,
                                    2*STEP, ... < size) as OUTDIR/t<offset>.lpk

Everything here follows the format's description, lpk(5) (man/lpk.5), and
nothing in liblp: the ZIP writer is written out by hand (PKWARE APPNOTE
4.3.7 and 4.3.12), hashes are hashlib's BLAKE2b with a 32-byte digest,
zstd frames come from the stock zstd program (their headers rewritten by
hand for some scenarios, RFC 8878 3.1.1.1).  So the scenarios named good*
being accepted by lpack show the format can be implemented from its
description alone, and every other scenario breaks one rule of it (see
SCENARIOS; most follow a check of lpk(5) READING A PACKAGE).

Python 3 standard library only, plus the zstd program on PATH.
"""

import atexit
import shutil
import functools
import hashlib
import os
import struct
import subprocess
import sys
import tempfile
import zlib

MIMETYPE = b"application/vnd.lp.package+zip"
CREATED = "2026-11-28T14:00:00Z"
# 2026-11-28 14:00:00 as a DOS date and time
DOS_DATE = ((2026 - 1980) << 9) | (11 << 5) | 28
DOS_TIME = (14 << 11) | (0 << 5) | 0
S_IFREG = 0o100000
S_IFLNK = 0o120000


def b2(data):
    """Lowercase hex BLAKE2b-256 (unkeyed, 32-byte digest)."""
    return hashlib.blake2b(data, digest_size=32).hexdigest()


@functools.lru_cache(maxsize=None)
def zstd(data, *options):
    """One zstd frame of data, from a file so the header records the size."""
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "in")
        with open(src, "wb") as f:
            f.write(data)
        return subprocess.run(["zstd", "-q", "--no-check", "-c", *options,
                               src], stdout=subprocess.PIPE,
                              check=True).stdout


def zstd_stream(data, *options):
    """One zstd frame of data read from stdin (size not known up front)."""
    return subprocess.run(["zstd", "-q", "--no-check", "-c", *options],
                          input=data, stdout=subprocess.PIPE,
                          check=True).stdout


def prng(seed, n):
    """n deterministic pseudo-random bytes (no os.urandom: reproducible)."""
    out = bytearray()
    counter = 0
    while len(out) < n:
        out += hashlib.blake2b(b"%s-%d" % (seed, counter)).digest()
        counter += 1
    return bytes(out[:n])


def fake_jpeg(seed=b"cat", n=3000):
    """Bytes that look like a JPEG: SOI, APP0/JFIF, noise, EOI."""
    return (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01"
            b"\x00\x00" + prng(seed, n) + b"\xff\xd9")


LESSON = ("Lisaun 1: numeru sira.  Lesson 1: numbers.  Lição 1: números.\n"
          * 80).encode()


# --------------------------------------------------------------------- ZIP

class ZEntry:
    """One ZIP entry: the name and the bytes as stored in the file.

    crc and size describe the uncompressed data; they default to the stored
    bytes' (method 0).  attr is the Unix mode put in the high 16 bits of the
    external attributes."""

    def __init__(self, name, stored, method=0, crc=None, size=None,
                 attr=S_IFREG | 0o644, extra=b"", flags=0):
        self.name = name.encode() if isinstance(name, str) else name
        self.local_name = self.name     # the name in the local header
        self.stored = stored
        self.method = method
        self.crc = zlib.crc32(stored) if crc is None else crc
        self.size = len(stored) if size is None else size
        self.attr = attr
        self.extra = extra
        self.flags = flags
        # the name of an earlier entry whose data holds this entry's local
        # header and data (overlapping entries); None: an entry of its own
        self.embedded_in = None

    def local_header(self):
        version = 20 if self.method == 8 else 10
        return struct.pack("<IHHHHHIIIHH", 0x04034b50, version, self.flags,
                           self.method, DOS_TIME, DOS_DATE, self.crc,
                           len(self.stored), self.size, len(self.local_name),
                           len(self.extra)) + self.local_name + self.extra


def deflated(name, data):
    """A DEFLATE (method 8) entry of data."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = c.compress(data) + c.flush()
    return ZEntry(name, raw, method=8, crc=zlib.crc32(data), size=len(data))


def zip_bytes(entries, prefix=b"", comment=b"", comment_len=None):
    """A ZIP file of the entries, in order: prefix, local headers and data,
    the central directory, the end of central directory record (and an
    archive comment, which packages never have; comment_len: the comment
    length the end record gives, if not the real one)."""
    body = bytearray(prefix)
    central = bytearray()
    data_at = {}
    for e in entries:
        version = 20 if e.method == 8 else 10
        if e.embedded_in is None:
            offset = len(body)
            body += e.local_header()
            data_at[e.name] = len(body)
            body += e.stored
        else:
            offset = data_at[e.embedded_in]
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50,
                               (3 << 8) | 63, version, e.flags, e.method,
                               DOS_TIME, DOS_DATE, e.crc, len(e.stored),
                               e.size, len(e.name), len(e.extra), 0, 0, 0,
                               e.attr << 16, offset)
        central += e.name + e.extra
    eocd = struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, len(entries),
                       len(entries), len(central), len(body),
                       len(comment) if comment_len is None else comment_len)
    return bytes(body + central + eocd + comment)


# ------------------------------------------------------------ zstd frames

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def frame_header(frame):
    """The fields of a zstd frame header (RFC 8878 3.1.1.1), and its
    length."""
    assert frame[:4] == ZSTD_MAGIC
    fhd = frame[4]
    h = {"checksum": fhd >> 2 & 1, "single": fhd >> 5 & 1}
    pos = 5
    if not h["single"]:
        wd = frame[pos]
        pos += 1
        base = 1 << (10 + (wd >> 3))
        h["window"] = base + (base >> 3) * (wd & 7)
    dlen = (0, 1, 2, 4)[fhd & 3]
    pos += dlen
    flen = (1 if h["single"] else 0, 2, 4, 8)[fhd >> 6]
    fcs = int.from_bytes(frame[pos:pos + flen], "little") if flen else None
    if flen == 2:
        fcs += 256
    pos += flen
    h["fcs"] = fcs
    if h["single"]:
        h["window"] = fcs
    return h, pos


def reframe(frame, fcs=None, window_log=None, dict_id=None, reserved=False):
    """frame with its header rewritten: not single-segment, an 8-byte
    Frame_Content_Size (fcs, default: the frame's own), a window of
    2^window_log (default: the frame's own, rounded up to a power of 2),
    a 4-byte Dictionary_ID field unless dict_id is None (0 means no
    dictionary), the reserved bit when reserved.
    The blocks are kept, so the frame decodes as before if the window is
    large enough and fcs is right."""
    h, hlen = frame_header(frame)
    if fcs is None:
        fcs = h["fcs"]
    if window_log is None:
        window_log = max(10, (h["window"] - 1).bit_length())
    fhd = 3 << 6 | h["checksum"] << 2 | (0 if dict_id is None else 3) | \
        (0x08 if reserved else 0)
    return (ZSTD_MAGIC + bytes([fhd, (window_log - 10) << 3]) +
            (b"" if dict_id is None else dict_id.to_bytes(4, "little")) +
            fcs.to_bytes(8, "little") + frame[hlen:])


# ----------------------------------------------------------------- package

class Pkg:
    """A package being put together; render() makes the bytes.

    Files are (path, content, media type, compress) with compress True,
    False, or None for the writer's rule (compress text that shrinks)."""

    def __init__(self, files):
        self.magic = "lpk-manifest 1"
        self.header = [("id", "org.example.mkpkg"), ("version", "3"),
                       ("label", "2026 term 1"), ("languages", "tet pt en"),
                       ("created", CREATED)]
        self.nentries = None            # None: the real count
        self.lines = []                 # [hash, size, media type, path]
        self.objects = {}               # ZIP name -> stored bytes
        self.sort = True
        for f in files:
            self.add(*f)

    def add(self, path, content, media_type, compress=None):
        h = b2(content)
        if compress is None:
            compress = media_type.startswith("text/") and len(content) > 0
        if compress:
            frame = zstd(content)
            if len(frame) >= len(content):
                compress = False
        name = "objects/" + h + (".zst" if compress else "")
        if name not in self.objects:
            self.objects[name] = frame if compress else content
        path = path.encode() if isinstance(path, str) else path
        self.lines.append([h, str(len(content)), media_type, path])
        return name

    def object_name(self, path):
        """The ZIP name of the object of path."""
        path = path.encode() if isinstance(path, str) else path
        for h, _, _, p in self.lines:
            if p == path:
                for n in self.objects:
                    if n in ("objects/" + h, "objects/" + h + ".zst"):
                        return n
        raise KeyError(path)

    def line(self, path):
        path = path.encode() if isinstance(path, str) else path
        return next(l for l in self.lines if l[3] == path)

    def manifest(self):
        lines = sorted(self.lines, key=lambda l: l[3]) if self.sort \
            else self.lines
        count = len(lines) if self.nentries is None else self.nentries
        text = (self.magic + "\n").encode()
        for k, v in self.header:
            text += ("%s %s\n" % (k, v)).encode()
        text += ("entries %s\n\n" % count).encode()
        for h, size, mt, path in lines:
            text += ("%s %s %s " % (h, size, mt)).encode() + path + b"\n"
        return text

    def zip_entries(self, manifest=None):
        return ([ZEntry("mimetype", MIMETYPE),
                 ZEntry("manifest", self.manifest() if manifest is None
                        else manifest)] +
                [ZEntry(n, self.objects[n]) for n in sorted(self.objects)])

    def render(self, manifest=None):
        return zip_bytes(self.zip_entries(manifest))


def small():
    """A small package: one compressed text, one stored text, one JPEG."""
    return Pkg([("lesson.txt", LESSON, "text/plain;charset=utf-8"),
                ("notes.txt", b"short\n", "text/plain"),
                ("media/cat.jpg", fake_jpeg(n=500), "image/jpeg")])


# --------------------------------------------------------------- scenarios

def s_good():
    p = Pkg([
        ("lessons/01 numbers.txt", LESSON, "text/plain;charset=utf-8"),
        ("lessons/02 copy.txt", LESSON, "text/plain;charset=utf-8"),
        ("media/cat one.jpg", fake_jpeg(), "image/jpeg"),
        ("empty.txt", b"", "text/plain"),
        ("lições/matemática.txt", "Matemátika ba ema hotu\n".encode(),
         "text/plain;charset=utf-8"),
        ("README", b"Made by mkpkg.py from the spec alone.\n", "text/plain",
         False),
    ])
    # the shared object is stored once, compressed; the jpeg is stored
    assert sum(n.endswith(".zst") for n in p.objects) >= 1
    assert len(p.objects) == 5
    return p.render()


def s_good_signatures():
    """Entries under signatures/ are reserved: a v1 reader ignores them."""
    p = small()
    return zip_bytes(p.zip_entries() +
                     [ZEntry("signatures/example.sig", b"not checked\n")])


def s_good_unknown_header():
    """Header keys a reader does not know are ignored (minor additions)."""
    p = small()
    p.header.insert(2, ("x-future-key", "some value"))
    return p.render()


CHUNK = 65536


def chunked(mutate=None):
    """A stored picture of three chunks of 64 KiB and a compressed text of
    two, each with its 'chunks' line (lpk(5) CHUNK HASHES); mutate(lines)
    may spoil the lines [object hash, chunk size, [chunk hashes]]."""
    jpg = fake_jpeg(b"video", 2 * CHUNK + 1000)
    text = (LESSON * 30)[:CHUNK + 5000]
    p = Pkg([("media/video.jpg", jpg, "image/jpeg"),
             ("book.txt", text, "text/plain")])
    lines = []
    for data in (jpg, text):
        lines.append([b2(data), str(CHUNK),
                      [b2(data[i:i + CHUNK])
                       for i in range(0, len(data), CHUNK)]])
    if mutate:
        mutate(lines)
    for h, size, hashes in lines:
        p.header.append(("chunks", "%s %s %s" % (h, size, "".join(hashes))))
    return p.render()


def s_good_chunks():
    return chunked()


def s_chunks_mismatch():
    """The second chunk's hash is another chunk's."""
    def spoil(lines):
        lines[0][2][1] = lines[0][2][0]
    return chunked(spoil)


def s_chunks_count():
    """One chunk hash too few for the object's size."""
    def spoil(lines):
        del lines[0][2][-1]
    return chunked(spoil)


def s_chunks_no_object():
    """Chunk hashes for content the package does not hold."""
    def spoil(lines):
        lines[1][0] = b2(b"nothing")
    return chunked(spoil)


def s_chunks_size():
    """A chunk size that is not a power of two."""
    def spoil(lines):
        lines[0][1] = str(CHUNK + 1)
    return chunked(spoil)


def manifest_path(path):
    """The small package with one more entry under a hostile path."""
    p = small()
    p.add(path, b"evil\n", "text/plain", False)
    return p.render()


def s_path_dotdot():
    return manifest_path("../evil.txt")


def s_path_dotdot_inner():
    return manifest_path("media/../../evil.txt")


def s_path_absolute():
    return manifest_path("/etc/evil")


def s_path_backslash():
    return manifest_path("..\\evil.txt")


def s_path_invalid_utf8():
    return manifest_path(b"caf\xe9.txt")


def s_path_overlong_utf8():
    # '/' as the overlong two-byte form C0 AF: a classic filter bypass
    return manifest_path(b"media\xc0\xaf..\xc0\xafevil.txt")


def s_path_control():
    return manifest_path(b"bell\x07.txt")


def s_path_empty_component():
    return manifest_path("media//evil.txt")


def s_zip_entry_dotdot():
    """A ZIP entry outside objects/: an unzip-style tool would write it."""
    p = small()
    return zip_bytes(p.zip_entries() + [ZEntry("../evil.txt", b"evil\n")])


def s_zip_entry_unexpected():
    p = small()
    return zip_bytes(p.zip_entries() + [ZEntry("extra.txt", b"extra\n")])


def s_zip_duplicate_name():
    """Two ZIP entries named 'manifest' with different content: a reader
    taking the first and a signer taking the second would disagree."""
    p = small()
    other = small()
    other.header[0] = ("id", "org.example.other")
    e = p.zip_entries()
    return zip_bytes(e[:2] + [ZEntry("manifest", other.manifest())] + e[2:])


def s_zip_local_name():
    """The local header of an object names '../evil.txt', the central
    directory the object: tools reading local headers would disagree."""
    p = small()
    e = p.zip_entries()
    e[-1].local_name = b"../evil.txt"
    return zip_bytes(e)


def s_zip_duplicate_object():
    p = small()
    e = p.zip_entries()
    return zip_bytes(e + [e[-1]])


def s_object_twice():
    """One hash stored twice: as objects/<hex> and as objects/<hex>.zst."""
    p = small()
    name = p.object_name("lesson.txt")
    return zip_bytes(p.zip_entries() +
                     [ZEntry(name[:-len(".zst")], LESSON)])


def s_object_twice_shared_prefix():
    """3,000 object names sharing their first 32 bits, in no order, one of
    them twice far apart: the reader's sort must still put the two side
    by side (its fallback for keys a quick sort cannot separate)."""
    p = small()
    e = p.zip_entries()
    names = ["objects/00000000" + prng(b"prefix-%d" % i, 28).hex()
             for i in range(3000)]
    extra = [ZEntry(n, b"x") for n in names]
    twice = ZEntry(names[17], b"x")
    return zip_bytes(e + extra[:2000] + [twice] + extra[2000:])


def s_object_bad_name():
    p = small()
    name = p.object_name("notes.txt")
    data = p.objects.pop(name)
    p.objects[name.upper().replace("OBJECTS/", "objects/")] = data
    return p.render()


def s_duplicate_path():
    p = small()
    p.add("notes.txt", b"other\n", "text/plain", False)
    return p.render()


def s_unsorted():
    p = small()
    p.sort = False
    p.lines.sort(key=lambda l: l[3], reverse=True)
    return p.render()


def s_file_folder_clash():
    p = small()
    p.add("media", b"a file\n", "text/plain", False)
    return p.render()


def s_deflate():
    """One object DEFLATE-compressed by ZIP (lp stores every entry)."""
    p = small()
    e = p.zip_entries()
    i = next(k for k, z in enumerate(e) if z.name ==
             p.object_name("notes.txt").encode())
    e[i] = deflated(e[i].name, p.objects[p.object_name("notes.txt")])
    return zip_bytes(e)


def s_deflate_manifest():
    p = small()
    e = p.zip_entries()
    e[1] = deflated("manifest", p.manifest())
    return zip_bytes(e)


def s_mimetype_not_first():
    p = small()
    e = p.zip_entries()
    return zip_bytes([e[1], e[0]] + e[2:])


def s_mimetype_missing():
    p = small()
    return zip_bytes(p.zip_entries()[1:])


def s_mimetype_wrong():
    p = small()
    e = p.zip_entries()
    e[0] = ZEntry("mimetype", b"application/epub+zip")
    return zip_bytes(e)


def s_mimetype_newline():
    p = small()
    e = p.zip_entries()
    e[0] = ZEntry("mimetype", MIMETYPE + b"\n")
    return zip_bytes(e)


def s_manifest_missing():
    p = small()
    e = p.zip_entries()
    return zip_bytes(e[:1] + e[2:])


def s_manifest_crc():
    """The manifest's bytes do not match its ZIP CRC-32."""
    p = small()
    e = p.zip_entries()
    e[1].crc ^= 1
    return zip_bytes(e)


def s_object_missing():
    p = small()
    del p.objects[p.object_name("notes.txt")]
    return p.render()


def s_object_unlisted():
    p = small()
    p.objects["objects/" + b2(b"stowaway\n")] = b"stowaway\n"
    return p.render()


def s_size_small_stored():
    """Manifest size smaller than the stored object (content longer)."""
    p = small()
    p.line("notes.txt")[1] = "3"
    return p.render()


def s_size_large_stored():
    p = small()
    p.line("notes.txt")[1] = "60"
    return p.render()


def s_size_small_zst():
    """Manifest size smaller than what the zstd frame holds."""
    p = small()
    p.line("lesson.txt")[1] = "1000"
    return p.render()


def s_size_large_zst():
    p = small()
    p.line("lesson.txt")[1] = str(len(LESSON) + 1000)
    return p.render()


def s_hash_stored():
    """Right size, wrong bytes, stored object."""
    p = small()
    name = p.object_name("media/cat.jpg")
    data = bytearray(p.objects[name])
    data[len(data) // 2] ^= 0xff
    p.objects[name] = bytes(data)
    return p.render()


def s_hash_zst():
    """A valid zstd frame of other bytes of the same size."""
    p = small()
    name = p.object_name("lesson.txt")
    p.objects[name] = zstd(LESSON.replace(b"Lesson 1", b"Lesson 9", 1))
    return p.render()


def bomb(manifest_size):
    """A frame of 50 MB of zeros where the manifest says manifest_size."""
    p = small()
    content = bytes(50 * 1000 * 1000)
    h = b2(content[:manifest_size])
    name = "objects/" + h + ".zst"
    p.objects[name] = zstd(content, "-19")
    p.lines.append([h, str(manifest_size), "text/plain", b"zeros.txt"])
    return p.render()


def s_zstd_bomb():
    """Refused before any decompression: the frame is larger than zstd's
    compress bound of 1000 bytes."""
    return bomb(1000)


def s_zstd_bomb_stream():
    """Small enough a frame for 100000 bytes, so it is only found out while
    decompressing; the reader must stop at the manifest's size."""
    return bomb(100000)


def s_zstd_truncated():
    p = small()
    name = p.object_name("lesson.txt")
    p.objects[name] = p.objects[name][:len(p.objects[name]) // 2]
    return p.render()


def s_zstd_corrupt():
    """Bytes of the first block overwritten (the header left alone)."""
    p = small()
    name = p.object_name("lesson.txt")
    data = bytearray(p.objects[name])
    for i in range(9, len(data)):
        data[i] = 0xff
    p.objects[name] = bytes(data)
    return p.render()


def s_zstd_not_a_frame():
    p = small()
    name = p.object_name("lesson.txt")
    p.objects[name] = b"this is not a zstd frame at all" * 4
    return p.render()


def s_zstd_trailing():
    p = small()
    name = p.object_name("lesson.txt")
    p.objects[name] += b"TRAILING"
    return p.render()


def s_zstd_two_frames():
    """A second, valid frame after the first."""
    p = small()
    name = p.object_name("lesson.txt")
    p.objects[name] += zstd(b"more\n")
    return p.render()


def s_version_3():
    p = small()
    p.magic = "lpk-manifest 3"
    return p.render()


def s_version_0():
    p = small()
    p.magic = "lpk-manifest 0"
    return p.render()


def s_entries_limit():
    p = small()
    p.nentries = 999999
    return p.render()


def s_entries_mismatch():
    p = small()
    p.nentries = len(p.lines) + 1
    return p.render()


def s_entries_huge():
    p = small()
    p.nentries = 18446744073709551616  # 2^64: must not wrap to 0
    return p.render()


def s_header_missing():
    p = small()
    p.header = [kv for kv in p.header if kv[0] != "created"]
    return p.render()


def s_header_twice():
    p = small()
    p.header.insert(1, ("id", "org.example.second"))
    return p.render()


def s_size_leading_zero():
    p = small()
    p.line("notes.txt")[1] = "06"
    return p.render()


def s_hash_uppercase():
    """The manifest spells a hash in uppercase (its object is lowercase)."""
    p = small()
    line = p.line("notes.txt")
    line[0] = line[0].upper()
    return p.render()


def s_manifest_cr():
    p = small()
    return p.render(p.manifest().replace(b"\n", b"\r\n"))


def s_manifest_nul():
    p = small()
    m = p.manifest()
    return p.render(m.replace(b"label 2026", b"label 20\x0026"))


def s_manifest_bom():
    p = small()
    return p.render(b"\xef\xbb\xbf" + p.manifest())


def s_manifest_no_final_lf():
    p = small()
    return p.render(p.manifest()[:-1])


def s_manifest_trailing_line():
    p = small()
    return p.render(p.manifest() + b"\n")


def s_symlink_entry():
    """The object of 'link' says S_IFLNK in its ZIP external attributes;
    its content is a link target.  (unzip would make a symlink.)"""
    p = small()
    target = b"/etc/passwd"
    name = p.add("link", target, "text/plain", False)
    e = p.zip_entries()
    for z in e:
        if z.name == name.encode():
            z.attr = S_IFLNK | 0o777
    return zip_bytes(e)


def s_empty_file():
    return b""


def s_garbage():
    return prng(b"garbage", 4096)


def s_truncated():
    """The good package cut in the middle of its central directory."""
    data = s_good()
    cd_size, cd_offset = struct.unpack("<II", data[-10:-2])
    return data[:cd_offset + cd_size // 2]


def s_zip_only_eocd():
    return struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 0, 0, 0, 0, 0)


# ------------------------------------------- more of lpk(5)'s reader checks

def s_good_empty():
    """A package of no entries: mimetype and manifest only."""
    return Pkg([]).render()


def s_good_zstd_checksum():
    """A frame with a correct content checksum: allowed (writers should
    not add one; readers may check it)."""
    p = small()
    frame = zstd(LESSON, "--check")
    assert frame_header(frame)[0]["checksum"]
    p.objects[p.object_name("lesson.txt")] = frame
    return p.render()


def s_good_frame_header():
    """The frame header spelled otherwise: an 8-byte Frame_Content_Size and
    a Window_Descriptor of exactly 2^27, the largest window allowed."""
    p = small()
    name = p.object_name("lesson.txt")
    p.objects[name] = reframe(p.objects[name], window_log=27)
    return p.render()


def s_good_frame_header_max():
    """The longest frame header there is, 18 bytes: window descriptor, a
    4-byte Dictionary_ID of 0 (no dictionary) and an 8-byte content size."""
    p = small()
    name = p.object_name("lesson.txt")
    p.objects[name] = reframe(p.objects[name], dict_id=0)
    assert frame_header(p.objects[name])[1] == 18
    return p.render()


def s_zstd_no_fcs():
    """A frame that does not record the content size (zstd from a pipe)."""
    p = small()
    p.objects[p.object_name("lesson.txt")] = zstd_stream(LESSON)
    return p.render()


def s_zstd_window():
    """A frame asking for a 2^28-byte window (the format allows 2^27)."""
    p = small()
    name = p.object_name("lesson.txt")
    p.objects[name] = reframe(p.objects[name], window_log=28)
    return p.render()


def s_zstd_dictionary():
    p = small()
    name = p.object_name("lesson.txt")
    p.objects[name] = reframe(p.objects[name], dict_id=7)
    return p.render()


@functools.lru_cache(maxsize=None)
def trained_dictionary():
    """A real zstd dictionary (bytes, and a file holding it) trained on
    lesson-like lines; the file stays until the process ends."""
    d = tempfile.mkdtemp(prefix="mkpkg-dict-")
    atexit.register(shutil.rmtree, d, True)
    samples = []
    for i in range(400):
        path = os.path.join(d, "s%03d" % i)
        with open(path, "wb") as f:
            f.write(("Lisaun %d: Ita aprende konta fatuk %d ho kolega. "
                     "Lição %d: contamos %d pedras.\n" % (i, i * 7, i, i * 3))
                    .encode() * 3)
        samples.append(path)
    out = os.path.join(d, "dict")
    subprocess.run(["zstd", "-q", "--train", "--maxdict=2048", "-o", out] +
                   samples, check=True)
    with open(out, "rb") as f:
        return f.read(), out


def dictionary_pkg():
    """Lessons compressed with a package dictionary, named in the header."""
    data, path = trained_dictionary()
    p = Pkg([("notes.txt", b"short\n", "text/plain"),
             ("media/cat.jpg", fake_jpeg(n=500), "image/jpeg")])
    for i in range(3):
        text = ("Lisaun %d: Ita aprende konta fatuk ho kolega. Lição %d: "
                "contamos pedras.\n" % (i, i)).encode() * 2
        name = "objects/" + b2(text) + ".zst"
        p.objects[name] = zstd(text, "-D", path)
        p.lines.append([b2(text), str(len(text)), "text/plain",
                        ("lesson-%d.txt" % i).encode()])
    p.header.append(("dictionary", b2(data)))
    p.objects["objects/" + b2(data)] = data
    return p, data


def s_good_dictionary():
    return dictionary_pkg()[0].render()


def s_dict_missing():
    p, data = dictionary_pkg()
    del p.objects["objects/" + b2(data)]
    return p.render()


def s_dict_compressed():
    p, data = dictionary_pkg()
    del p.objects["objects/" + b2(data)]
    p.objects["objects/" + b2(data) + ".zst"] = zstd(data)
    return p.render()


def s_dict_not_a_dictionary():
    p, data = dictionary_pkg()
    junk = prng(b"not a dictionary", 2000)
    del p.objects["objects/" + b2(data)]
    p.objects["objects/" + b2(junk)] = junk
    p.header[-1] = ("dictionary", b2(junk))
    return p.render()


def s_dict_other_id():
    """A frame naming another dictionary than the package's."""
    p, data = dictionary_pkg()
    name = next(n for n in sorted(p.objects) if n.endswith(".zst"))
    p.objects[name] = reframe(p.objects[name], dict_id=7)
    return p.render()


def s_zstd_reserved_bit():
    p = small()
    name = p.object_name("lesson.txt")
    p.objects[name] = reframe(p.objects[name], reserved=True)
    return p.render()


def s_zstd_skippable():
    """A skippable frame before the frame (zstd -d would skip it)."""
    p = small()
    name = p.object_name("lesson.txt")
    p.objects[name] = (struct.pack("<II", 0x184D2A50, 4) + b"skip" +
                       p.objects[name])
    return p.render()


def s_zstd_fcs_lies_long():
    """Frame header and manifest both say 1000 bytes; the blocks hold the
    whole 5200-byte lesson."""
    p = small()
    name = p.object_name("lesson.txt")
    frame = reframe(p.objects[name], fcs=1000)
    del p.objects[name]
    line = p.line("lesson.txt")
    line[0], line[1] = b2(LESSON[:1000]), "1000"
    p.objects["objects/" + line[0] + ".zst"] = frame
    return p.render()


def s_zstd_fcs_lies_short():
    """Frame header and manifest both say 800 bytes more than the blocks
    hold."""
    p = small()
    name = p.object_name("lesson.txt")
    more = LESSON + b" " * 800
    frame = reframe(p.objects[name], fcs=len(more))
    del p.objects[name]
    line = p.line("lesson.txt")
    line[0], line[1] = b2(more), str(len(more))
    p.objects["objects/" + line[0] + ".zst"] = frame
    return p.render()


def s_zstd_bomb_lying():
    """50 MB of zeros in a frame whose header, like the manifest, says
    100000 bytes: only found out while decompressing; the reader must stop
    at the manifest's size."""
    p = small()
    content = bytes(50 * 1000 * 1000)
    frame = reframe(zstd(content, "-19"), fcs=100000)
    h = b2(content[:100000])
    p.objects["objects/" + h + ".zst"] = frame
    p.lines.append([h, "100000", "text/plain", b"zeros.txt"])
    return p.render()


# a ZIP "extended timestamp" extra field (0x5455): mtime only
TIMESTAMP_EXTRA = struct.pack("<HHBI", 0x5455, 5, 1, 1795874400)


def s_mimetype_extra_field():
    """mimetype with an extra field: the bytes at 30 are then not
    'mimetype' followed by the media type."""
    p = small()
    e = p.zip_entries()
    e[0].extra = TIMESTAMP_EXTRA
    return zip_bytes(e)


def s_extra_field():
    p = small()
    e = p.zip_entries()
    e[-1].extra = TIMESTAMP_EXTRA
    return zip_bytes(e)


def s_flag_data_descriptor():
    p = small()
    e = p.zip_entries()
    e[-1].flags = 0x08
    return zip_bytes(e)


def s_flag_encrypted():
    p = small()
    e = p.zip_entries()
    e[-1].flags = 0x01
    return zip_bytes(e)


def s_archive_comment():
    return zip_bytes(small().zip_entries(), comment=b"a comment")


def s_eocd_comment_length():
    """The end record says a 9-byte archive comment follows; none does (it
    is still the last 22 bytes of the file)."""
    return zip_bytes(small().zip_entries(), comment_len=9)


def s_data_before_first_entry():
    """A stub before the first local header (self-extracting archives)."""
    return zip_bytes(small().zip_entries(), prefix=b"#!/bin/sh\nexit 0\n")


def s_zip_overlap():
    """Two entries whose data overlap (the trick of non-recursive zip
    bombs): the data of an object holds the local header and data of the
    next object, and the central directory points into it."""
    p = small()
    inner = p.object_name("notes.txt")
    inner_e = ZEntry(inner, p.objects[inner])
    # an object sorting before notes.txt's, whose content is notes.txt's
    # local header and data (plus a nonce to get the order right)
    nonce = 0
    while True:
        outer = inner_e.local_header() + inner_e.stored + b"%d" % nonce
        h = b2(outer)
        if "objects/" + h < inner:
            break
        nonce += 1
    p.add("overlap.bin", outer, "application/octet-stream", False)
    e = p.zip_entries()
    for z in e:
        if z.name == inner.encode():
            z.embedded_in = ("objects/" + h).encode()
    return zip_bytes(e)


def s_zip_directory_entry():
    p = small()
    return zip_bytes(p.zip_entries() + [ZEntry("objects/sub/", b"")])


def s_signature_bad_name():
    p = small()
    return zip_bytes(p.zip_entries() + [ZEntry("signatures/.hidden", b"x")])


def s_signature_dotdot():
    p = small()
    return zip_bytes(p.zip_entries() +
                     [ZEntry("signatures/../evil.txt", b"x")])


def header_value(key, value):
    p = small()
    p.header = [(k, value if k == key else v) for k, v in p.header]
    return p.render()


def s_label_control():
    return header_value("label", "term\t1")


def s_created_invalid():
    return header_value("created", "2027-02-29T00:00:00Z")


def s_id_invalid():
    return header_value("id", ".hidden")


def s_languages_too_many():
    return header_value("languages", " ".join(["tet"] * 65))


def s_header_no_space():
    p = small()
    p.header.insert(1, ("x-flag", None))
    m = p.manifest().replace(b"x-flag None\n", b"x-flag\n")
    return p.render(m)


LONGEST_PATH = "/".join(["d" * 200] * 5) + "/e" * 10


def s_good_path_1024():
    """A path of 1024 bytes, the longest allowed."""
    assert len(LONGEST_PATH) == 1024
    return manifest_path(LONGEST_PATH)


def s_path_too_long():
    return manifest_path(LONGEST_PATH + "e")


def s_path_component_too_long():
    return manifest_path("x" * 256)


def s_path_too_deep():
    return manifest_path("/".join(["d"] * 65))


def s_media_type_no_slash():
    p = small()
    p.line("notes.txt")[2] = "text"
    return p.render()


def s_hash_size_conflict():
    """Two entries with one hash and two sizes."""
    p = small()
    h, size, _, _ = p.line("notes.txt")
    p.lines.append([h, str(int(size) + 1), "text/plain", b"notes2.txt"])
    return p.render()


SCENARIOS = {
    # valid packages
    "good": s_good,
    "good-signatures": s_good_signatures,
    "good-unknown-header": s_good_unknown_header,
    "good-chunks": s_good_chunks,
    "chunks-mismatch": s_chunks_mismatch,
    "chunks-count": s_chunks_count,
    "chunks-no-object": s_chunks_no_object,
    "chunks-size": s_chunks_size,
    # manifest paths
    "path-dotdot": s_path_dotdot,
    "path-dotdot-inner": s_path_dotdot_inner,
    "path-absolute": s_path_absolute,
    "path-backslash": s_path_backslash,
    "path-invalid-utf8": s_path_invalid_utf8,
    "path-overlong-utf8": s_path_overlong_utf8,
    "path-control": s_path_control,
    "path-empty-component": s_path_empty_component,
    "duplicate-path": s_duplicate_path,
    "unsorted": s_unsorted,
    "file-folder-clash": s_file_folder_clash,
    # ZIP container
    "zip-entry-dotdot": s_zip_entry_dotdot,
    "zip-entry-unexpected": s_zip_entry_unexpected,
    "zip-duplicate-name": s_zip_duplicate_name,
    "zip-duplicate-object": s_zip_duplicate_object,
    "zip-local-name": s_zip_local_name,
    "object-twice": s_object_twice,
    "object-twice-shared-prefix": s_object_twice_shared_prefix,
    "object-bad-name": s_object_bad_name,
    "deflate": s_deflate,
    "deflate-manifest": s_deflate_manifest,
    "mimetype-not-first": s_mimetype_not_first,
    "mimetype-missing": s_mimetype_missing,
    "mimetype-wrong": s_mimetype_wrong,
    "mimetype-newline": s_mimetype_newline,
    "manifest-missing": s_manifest_missing,
    "manifest-crc": s_manifest_crc,
    "symlink-entry": s_symlink_entry,
    # objects against the manifest
    "object-missing": s_object_missing,
    "object-unlisted": s_object_unlisted,
    "size-small-stored": s_size_small_stored,
    "size-large-stored": s_size_large_stored,
    "size-small-zst": s_size_small_zst,
    "size-large-zst": s_size_large_zst,
    "hash-stored": s_hash_stored,
    "hash-zst": s_hash_zst,
    # zstd frames
    "zstd-bomb": s_zstd_bomb,
    "zstd-bomb-stream": s_zstd_bomb_stream,
    "zstd-window": s_zstd_window,
    "zstd-truncated": s_zstd_truncated,
    "zstd-corrupt": s_zstd_corrupt,
    "zstd-not-a-frame": s_zstd_not_a_frame,
    "zstd-trailing": s_zstd_trailing,
    "zstd-two-frames": s_zstd_two_frames,
    # manifest text
    "version-3": s_version_3,
    "version-0": s_version_0,
    "entries-limit": s_entries_limit,
    "entries-mismatch": s_entries_mismatch,
    "entries-huge": s_entries_huge,
    "header-missing": s_header_missing,
    "header-twice": s_header_twice,
    "size-leading-zero": s_size_leading_zero,
    "hash-uppercase": s_hash_uppercase,
    "manifest-cr": s_manifest_cr,
    "manifest-nul": s_manifest_nul,
    "manifest-bom": s_manifest_bom,
    "manifest-no-final-lf": s_manifest_no_final_lf,
    "manifest-trailing-line": s_manifest_trailing_line,
    # not a package at all
    "empty-file": s_empty_file,
    "garbage": s_garbage,
    "truncated": s_truncated,
    "zip-only-eocd": s_zip_only_eocd,
    # more of lpk(5)'s reader checks
    "good-empty": s_good_empty,
    "good-zstd-checksum": s_good_zstd_checksum,
    "good-frame-header": s_good_frame_header,
    "good-frame-header-max": s_good_frame_header_max,
    "zstd-no-fcs": s_zstd_no_fcs,
    "zstd-dictionary": s_zstd_dictionary,
    "good-dictionary": s_good_dictionary,
    "dict-missing": s_dict_missing,
    "dict-compressed": s_dict_compressed,
    "dict-not-a-dictionary": s_dict_not_a_dictionary,
    "dict-other-id": s_dict_other_id,
    "zstd-reserved-bit": s_zstd_reserved_bit,
    "zstd-skippable": s_zstd_skippable,
    "zstd-fcs-lies-long": s_zstd_fcs_lies_long,
    "zstd-fcs-lies-short": s_zstd_fcs_lies_short,
    "zstd-bomb-lying": s_zstd_bomb_lying,
    "mimetype-extra-field": s_mimetype_extra_field,
    "extra-field": s_extra_field,
    "flag-data-descriptor": s_flag_data_descriptor,
    "flag-encrypted": s_flag_encrypted,
    "archive-comment": s_archive_comment,
    "eocd-comment-length": s_eocd_comment_length,
    "data-before-first-entry": s_data_before_first_entry,
    "zip-overlap": s_zip_overlap,
    "zip-directory-entry": s_zip_directory_entry,
    "signature-bad-name": s_signature_bad_name,
    "signature-dotdot": s_signature_dotdot,
    "label-control": s_label_control,
    "created-invalid": s_created_invalid,
    "id-invalid": s_id_invalid,
    "languages-too-many": s_languages_too_many,
    "header-no-space": s_header_no_space,
    "good-path-1024": s_good_path_1024,
    "path-too-long": s_path_too_long,
    "path-component-too-long": s_path_component_too_long,
    "path-too-deep": s_path_too_deep,
    "media-type-no-slash": s_media_type_no_slash,
    "hash-size-conflict": s_hash_size_conflict,
}


# ---------------------------------------------------------------- mutators

def zip_layout(data):
    """[(name, local header offset, central header offset, data offset,
    stored size)] of a ZIP without a comment, zip64 or multi-disk."""
    if data[-22:-18] != b"PK\x05\x06":
        sys.exit("mkpkg.py: no end of central directory record at the end")
    n, cd_size, cd_off = struct.unpack("<HII", data[-12:-2])
    out = []
    pos = cd_off
    for _ in range(n):
        (sig, csize, nlen, elen, clen, loff) = struct.unpack(
            "<I16xI4xHHH8xI", data[pos:pos + 46])
        if sig != 0x02014b50:
            sys.exit("mkpkg.py: bad central directory")
        name = data[pos + 46:pos + 46 + nlen].decode()
        lnlen, lelen = struct.unpack("<HH", data[loff + 26:loff + 30])
        out.append((name, loff, pos, loff + 30 + lnlen + lelen, csize))
        pos += 46 + nlen + elen + clen
    return out


def read(path):
    with open(path, "rb") as f:
        return f.read()


def flip_manifest(src, outdir, fix_crc):
    data = read(src)
    name, loff, coff, doff, size = next(e for e in zip_layout(data)
                                        if e[0] == "manifest")
    for i in range(size):
        m = bytearray(data)
        m[doff + i] ^= 0x01
        if fix_crc:
            crc = struct.pack("<I", zlib.crc32(m[doff:doff + size]))
            m[loff + 14:loff + 18] = crc
            m[coff + 16:coff + 20] = crc
        with open(os.path.join(outdir, "m%d.lpk" % i), "wb") as f:
            f.write(m)


def flip_objects(src, outdir):
    data = read(src)
    k = 0
    for name, _, _, doff, size in zip_layout(data):
        if not name.startswith("objects/") or size == 0:
            continue
        m = bytearray(data)
        m[doff + size // 2] ^= 0x01
        with open(os.path.join(outdir, "o%d.lpk" % k), "wb") as f:
            f.write(m)
        k += 1


def truncate(src, outdir, step):
    data = read(src)
    for off in range(0, len(data), step):
        with open(os.path.join(outdir, "t%d.lpk" % off), "wb") as f:
            f.write(data[:off])


def main(argv):
    if len(argv) >= 3 and argv[0] in ("flip-manifest", "flip-objects",
                                      "truncate"):
        os.makedirs(argv[2], exist_ok=True)
    if len(argv) == 2 and argv[0] == "--all":
        os.makedirs(argv[1], exist_ok=True)
    usage = ("usage: mkpkg.py SCENARIO OUT.lpk | --list | --all DIR | "
             "flip-manifest IN OUTDIR [--fix-crc] | flip-objects IN OUTDIR | "
             "truncate IN OUTDIR STEP | zeros OUT.lpk SIZE")
    if argv == ["--list"]:
        print("\n".join(SCENARIOS))
        return 0
    if len(argv) == 2 and argv[0] == "--all":
        for name, make in SCENARIOS.items():
            with open(os.path.join(argv[1], name + ".lpk"), "wb") as f:
                f.write(make())
        return 0
    if len(argv) in (3, 4) and argv[0] == "flip-manifest" and \
            argv[3:] in ([], ["--fix-crc"]):
        flip_manifest(argv[1], argv[2], len(argv) == 4)
        return 0
    if len(argv) == 3 and argv[0] == "flip-objects":
        flip_objects(argv[1], argv[2])
        return 0
    if len(argv) == 4 and argv[0] == "truncate":
        truncate(argv[1], argv[2], int(argv[3]))
        return 0
    if len(argv) == 3 and argv[0] == "zeros":
        p = Pkg([("t1.txt", LESSON, "text/plain;charset=utf-8"),
                 ("zero.bin", bytes(int(argv[2])), "application/octet-stream",
                  True)])
        with open(argv[1], "wb") as f:
            f.write(p.render())
        return 0
    if len(argv) != 2:
        print(usage, file=sys.stderr)
        return 2
    if argv[0] not in SCENARIOS:
        print("mkpkg.py: unknown scenario '%s'" % argv[0], file=sys.stderr)
        print(usage, file=sys.stderr)
        return 2
    data = SCENARIOS[argv[0]]()
    with open(argv[1], "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
