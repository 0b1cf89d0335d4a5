#!/usr/bin/env python3
"""mkdelta.py - hostile deltas (lpd(5)) for tests/cli/delta-hostile.sh.

Takes a real delta made by 'lpack delta', takes it apart (text header,
meta block decoded against the old package's manifest with the zstd
program, segment frames) and writes variants that each break one rule,
with the BLAKE2b-256 trailer recomputed so that the damage reaches the
checks behind it.  Python's standard library and the zstd program only.

  mkdelta.py parse D.lpd OLD.lpk          print the layout (offsets)
  mkdelta.py fix D.lpd                    recompute the trailer in place
  mkdelta.py all OLD.lpk NEW.lpk D.lpd DIR
      write DIR/NAME.lpd for every scenario and print one line per
      scenario: NAME|EXIT|OPTIONS|TEXT (apply with OPTIONS, e.g.
      --max-window=8M, must exit EXIT and say TEXT on stderr)
  mkdelta.py cuts D.lpd OLD.lpk DIR STEP  truncations: every STEP bytes and
      at each structural boundary, as is (DIR/cut-N.lpd) and with the
      trailer recomputed (DIR/cutfix-N.lpd)
  mkdelta.py flips D.lpd OLD.lpk DIR      byte changes in the header, the
      meta frame and each segment frame, trailer recomputed (DIR/flip-*)
  mkdelta.py attack OLD.lpk KIND OUT.lpd  a small delta made from nothing
      but OLD.lpk that asks apply for memory through sizes it takes from
      the base (KIND dict-kept: the new manifest names OLD's largest
      object as its dictionary; level-22: the new release is OLD with its
      largest compressed object to be compressed again at zstd level 22)
"""
import hashlib
import os
import struct
import subprocess
import sys
import tempfile
import zipfile

TRAILER = 32


def blake(data):
    return hashlib.blake2b(data, digest_size=32).digest()


def seal(body):
    """body with its trailer"""
    return body + blake(body)


# ------------------------------------------------------------ zstd


def zstd(args, data):
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "in")
        with open(src, "wb") as f:
            f.write(data)
        return subprocess.run(["zstd", "-q", "-c"] + args + [src],
                              check=True, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL).stdout


def zstd_prefix(args, data, prefix):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "prefix")
        with open(p, "wb") as f:
            f.write(prefix)
        return zstd(args + ["--patch-from=" + p], data)


def raw_frame(content, fcs=-1, window_log=None, dict_id=None, blocks=None,
              checksum=False):
    """A zstd frame of raw blocks, with any header we like.  fcs: the
    declared content size (-1: len(content), None: not declared);
    window_log: None for a single-segment frame (window = content size)."""
    if fcs == -1:
        fcs = len(content)
    single = window_log is None and fcs is not None
    fhd = 0
    if fcs is not None:
        fhd |= 3 << 6          # 8-byte Frame_Content_Size
    if single:
        fhd |= 1 << 5
    if checksum:
        fhd |= 1 << 2
    if dict_id is not None:
        fhd |= 3               # 4-byte Dictionary_ID
    out = struct.pack("<I", 0xFD2FB528) + bytes([fhd])
    if not single:
        out += bytes([((window_log or 17) - 10) << 3])
    if dict_id is not None:
        out += struct.pack("<I", dict_id)
    if fcs is not None:
        out += struct.pack("<Q", fcs)
    if blocks is None:
        blocks = [content[i:i + 65536] for i in range(0, len(content), 65536)]
        blocks = blocks or [b""]
    for i, b in enumerate(blocks):
        last = 1 if i == len(blocks) - 1 else 0
        out += struct.pack("<I", last | (len(b) << 3))[:3] + b
    if checksum:
        out += b"\0\0\0\0"
    return out


# ------------------------------------------------------------ varints


def put_var(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def put_list(values, bias=0):
    out = put_var(len(values))
    prev = -1
    for x in values:
        x = (x + bias) & 0xFFFFFFFF
        d = x - prev
        out += put_var(((d << 1) ^ (d >> 63)) & 0xFFFFFFFFFFFFFFFF)
        prev = x
    return out


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def var(self):
        v, shift = 0, 0
        while True:
            b = self.data[self.pos]
            self.pos += 1
            v |= (b & 0x7F) << shift
            if not b & 0x80:
                return v
            shift += 7

    def take(self, n):
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def lst(self, bias=0):
        n, prev, out = self.var(), -1, []
        for _ in range(n):
            z = self.var()
            d = (z >> 1) ^ -(z & 1)
            prev += d
            out.append((prev - bias) & 0xFFFFFFFF)
        return out


# ------------------------------------------------------------ deltas


class Meta:
    """The decoded meta block, as lists we can change and encode again"""

    def __init__(self, raw):
        r = Reader(raw)
        self.manifest = r.take(r.var())
        self.sigs = []
        for _ in range(r.var()):
            name = r.take(r.var())
            self.sigs.append([name, r.take(r.var())])
        n = r.var()
        r.pos -= len(put_var(n))
        entries = r.lst(1)
        self.objs = [[e, r.take(1)[0]] for e in entries]
        self.segs = []
        for _ in range(r.var()):
            prefix = r.lst()
            content = r.lst()
            self.segs.append([prefix, content, r.var()])
        assert r.pos == len(raw), "meta block not fully parsed"
        assert self.encode() == raw, "meta block does not round-trip"

    def encode(self, nobjs=None, nsegs=None, nsigs=None):
        out = put_var(len(self.manifest)) + self.manifest
        out += put_var(len(self.sigs) if nsigs is None else nsigs)
        for name, data in self.sigs:
            out += put_var(len(name)) + name + put_var(len(data)) + data
        lst = put_list([e for e, _ in self.objs], 1)
        if nobjs is not None:
            lst = put_var(nobjs) + lst[len(put_var(len(self.objs))):]
        out += lst + bytes(f for _, f in self.objs)
        out += put_var(len(self.segs) if nsegs is None else nsegs)
        for prefix, content, flen in self.segs:
            out += put_list(prefix) + put_list(content) + put_var(flen)
        return out


class Delta:
    def __init__(self, data, old_manifest):
        self.old_manifest = old_manifest
        end = data.index(b"\n\n") + 2
        self.header = data[:end].decode()
        self.lines = self.header.split("\n")[:-2]
        self.meta_frame = data[end:end + int(self.field("meta"))]
        self.meta_raw = zstd_prefix(["-d"], self.meta_frame, old_manifest)
        self.meta = Meta(self.meta_raw)
        off = end + len(self.meta_frame)
        self.frames = []
        for _, _, flen in self.meta.segs:
            self.frames.append(data[off:off + flen])
            off += flen
        assert off == len(data) - TRAILER
        assert blake(data[:-TRAILER]) == data[-TRAILER:]

    def field(self, key):
        for line in self.lines:
            if line.startswith(key + " "):
                return line[len(key) + 1:]
        raise KeyError(key)

    def layout(self):
        """(name, offset) of each part"""
        parts = [("header", 0)]
        off = len(self.header)
        parts.append(("meta", off))
        off += len(self.meta_frame)
        for i, f in enumerate(self.frames):
            parts.append(("segment-%d" % i, off))
            off += len(f)
        parts.append(("trailer", off))
        parts.append(("end", off + TRAILER))
        return parts

    def build(self, header=None, meta_raw=None, meta_frame=None, frames=None,
              fix_sizes=True):
        """The delta's bytes with some parts replaced; meta_raw is encoded
        against the old manifest; with fix_sizes the header's meta size and
        the meta's frame lengths follow the parts."""
        frames = self.frames if frames is None else frames
        if meta_raw is None and meta_frame is None:
            if fix_sizes and frames is not self.frames:
                m = Meta(self.meta_raw)
                for s, f in zip(m.segs, frames):
                    s[2] = len(f)
                meta_raw = m.encode()
            else:
                meta_frame = self.meta_frame
        if meta_frame is None:
            meta_frame = zstd_prefix(["-19"], meta_raw, self.old_manifest)
        lines = list(self.lines) if header is None else list(header)
        if fix_sizes:
            lines = [("meta %d" % len(meta_frame)) if l.startswith("meta ")
                     else l for l in lines]
        head = ("\n".join(lines) + "\n\n").encode()
        return seal(head + meta_frame + b"".join(frames))

    def with_field(self, key, value):
        return [(key + " " + value) if l.startswith(key + " ") else l
                for l in self.lines]


def read_pkg(path):
    """(manifest bytes, {hash hex: content}) of a package"""
    z = zipfile.ZipFile(path)
    manifest = z.read("manifest")
    dict_hash = None
    for line in manifest.split(b"\n\n")[0].decode().split("\n"):
        if line.startswith("dictionary "):
            dict_hash = line.split()[1]
    dict_bytes = z.read("objects/" + dict_hash) if dict_hash else None
    objects = {}
    for name in z.namelist():
        if not name.startswith("objects/"):
            continue
        data = z.read(name)
        h = name[len("objects/"):]
        if h.endswith(".zst"):
            h = h[:-4]
            if dict_bytes:
                data = zstd_dict(data, dict_bytes)
            else:
                data = zstd(["-d"], data)
        objects[h] = data
    return manifest, objects, dict_hash


def zstd_dict(data, dict_bytes):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "dict")
        with open(p, "wb") as f:
            f.write(dict_bytes)
        return zstd(["-d", "-D", p], data)


def entries(manifest):
    """[(hash hex, size, path)] of a manifest"""
    body = manifest.split(b"\n\n", 1)[1].decode()
    out = []
    for line in body.split("\n"):
        if line:
            h, size, _, path = line.split(" ", 3)
            out.append((h, int(size), path))
    return out


# ------------------------------------------------------------ scenarios


def scenarios(old_path, new_path, delta_path):
    """yield (name, exit, options, text, bytes)"""
    old_manifest, _, _ = read_pkg(old_path)
    new_manifest, new_objects, dict_hash = read_pkg(new_path)
    with open(delta_path, "rb") as f:
        data = f.read()
    d = Delta(data, old_manifest)
    m = d.meta
    ents = entries(new_manifest)
    base_objs = len(read_pkg(old_path)[1])

    def content_of(obj):
        e = m.objs[obj][0]
        if e == 0xFFFFFFFF:
            return new_objects[dict_hash]
        return new_objects[ents[e][0]]

    def seg_content(i):
        return b"".join(content_of(o) for o in m.segs[i][1])

    def new_meta():
        return Meta(d.meta_raw)

    # segments: one with a prefix (a patched object), one without (added)
    plain = [i for i, s in enumerate(m.segs) if not s[0]]
    patched = [i for i, s in enumerate(m.segs) if s[0]]
    assert plain and patched, "the test delta needs both kinds of segment"
    sp, spp = plain[0], patched[0]
    kept = [i for i in range(len(m.objs))
            if all(i not in s[1] for s in m.segs)]
    assert kept

    def frames_with(i, frame):
        f = list(d.frames)
        f[i] = frame
        return f

    # ---- the header, trailer recomputed
    yield ("hdr-meta-huge", 1, "", "cut short",
           d.build(header=d.with_field("meta", str(2 ** 62)),
                   fix_sizes=False))
    yield ("hdr-meta-2p63", 1, "", "not a canonical number in range",
           d.build(header=d.with_field("meta", str(2 ** 63)),
                   fix_sizes=False))
    yield ("hdr-meta-short", 1, "", "delta meta block",
           d.build(header=d.with_field("meta", str(len(d.meta_frame) - 1)),
                   fix_sizes=False))
    yield ("hdr-window-huge", 1, "", "needs %d bytes of memory" % 2 ** 60,
           d.build(header=d.with_field("window", str(2 ** 60))))
    yield ("hdr-window-2p63", 1, "", "not a canonical number in range",
           d.build(header=d.with_field("window", str(2 ** 63))))
    yield ("hdr-segments-huge", 1, "", "disagree on the number of segments",
           d.build(header=d.with_field("segments", "262145")))
    yield ("hdr-segments-2p40", 1, "", "not a canonical number in range",
           d.build(header=d.with_field("segments", str(2 ** 40))))
    yield ("hdr-keep-huge", 1, "", "not a canonical number in range",
           d.build(header=d.with_field("keep", "%d 5" % 2 ** 40)))
    yield ("hdr-leading-zero", 1, "", "not a canonical number in range",
           d.build(header=d.with_field("segments", "0" + d.field("segments"))))
    yield ("hdr-version-3", 1, "", "delta format 3 is newer",
           d.build(header=["lpk-delta 3"] + d.lines[1:]))
    yield ("hdr-level-23", 1, "", "zstd level must be 1 to 22",
           d.build(header=d.with_field("level", "23 exact")))
    yield ("hdr-no-blank-line", 1, "", "delta header",
           seal(d.header[:-1].encode() + d.meta_frame + b"".join(d.frames)))
    yield ("hdr-control", 1, "", "control character",
           d.build(header=d.with_field("label", "a\tb")))
    yield ("hdr-missing-line", 1, "", "expected 'temp'",
           d.build(header=[l for l in d.lines if not l.startswith("temp ")]))
    yield ("hdr-long", 1, "", "longer than 4096 bytes",
           d.build(header=d.with_field("label", "x" * 4100)))
    tm = d.field("target").split()
    yield ("hdr-target-manifest", 1, "", "new manifest does not match its "
           "header", d.build(header=d.with_field(
               "target", "%s %s %s" % (tm[0], tm[1], "0" * 64))))
    yield ("hdr-target-id", 1, "", "is not the release its header names",
           d.build(header=d.with_field(
               "target", "%s %s %s" % ("other.id", tm[1], tm[2]))))
    bm = d.field("base").split()
    yield ("hdr-base-manifest", 1, "", "this delta updates '%s' version %s "
           "(manifest 000000000000)" % (bm[0], bm[1]),
           d.build(header=d.with_field(
               "base", "%s %s %s" % (bm[0], bm[1], "0" * 64))))

    # ---- the meta frame itself
    yield ("meta-not-zstd", 1, "", "not a Zstandard frame that declares",
           d.build(meta_frame=b"\x00" * len(d.meta_frame)))
    yield ("meta-no-size", 1, "", "not a Zstandard frame that declares",
           d.build(meta_frame=raw_frame(d.meta_raw, fcs=None)))
    yield ("meta-declares-huge", 1, "", "more than lpd(5) allows",
           d.build(meta_frame=raw_frame(d.meta_raw, fcs=2 ** 40)))
    yield ("meta-declares-short", 1, "", "delta meta block",
           d.build(meta_frame=raw_frame(d.meta_raw,
                                        fcs=len(d.meta_raw) - 1)))
    yield ("meta-window-bomb", 1, "--max-window=8M", "delta meta block",
           d.build(meta_frame=raw_frame(d.meta_raw + b"\0" * 64,
                                        fcs=len(d.meta_raw),
                                        window_log=31)))
    yield ("meta-raw-plain", 0, "", "",
           d.build(meta_frame=raw_frame(d.meta_raw)))

    # ---- the meta block, re-encoded
    mm = new_meta()
    mm.objs[0][0] = len(ents) + 5
    yield ("meta-entry-past-end", 1, "", "names an entry past the end",
           d.build(meta_raw=mm.encode()))
    mm = new_meta()
    mm.objs[0][0] = 0x7FFFFFFF
    yield ("meta-entry-huge", 1, "", "names an entry past the end",
           d.build(meta_raw=mm.encode()))
    mm = new_meta()
    mm.objs[1][0] = mm.objs[0][0]
    yield ("meta-object-twice", 1, "", "delta lists one object twice",
           d.build(meta_raw=mm.encode()))
    mm = new_meta()
    victim = kept[0]
    del mm.objs[victim]
    for s in mm.segs:
        s[1] = [c - (c > victim) for c in s[1]]
    yield ("meta-object-missing", 1, "", "delta does not place the content",
           d.build(meta_raw=mm.encode()))
    mm = new_meta()
    mm.objs[0][1] = 3
    yield ("meta-form-unknown", 1, "", "has unknown form 3",
           d.build(meta_raw=mm.encode()))
    mm = new_meta()
    mm.objs[kept[0]][0] = 0xFFFFFFFF
    yield ("meta-dictionary-absent", 1, "", "dictionary the manifest does "
           "not have", d.build(meta_raw=mm.encode()))
    mm = new_meta()
    mm.segs[sp][1] = mm.segs[sp][1] + [len(mm.objs) + 3]
    yield ("meta-seg-object-past-end", 1, "", "names an object that does "
           "not exist", d.build(meta_raw=mm.encode()))
    mm = new_meta()
    mm.segs[spp][0] = mm.segs[spp][0] + [base_objs + 7]
    yield ("meta-seg-base-past-end", 1, "", "names a base object that does "
           "not exist", d.build(meta_raw=mm.encode()))
    mm = new_meta()
    mm.segs[sp][1] = mm.segs[sp][1] + mm.segs[sp][1][:1]
    yield ("meta-seg-object-twice", 1, "", "carries an object twice",
           d.build(meta_raw=mm.encode()))
    mm = new_meta()
    mm.segs[sp][1] = mm.segs[sp][1] + [kept[0]]
    yield ("meta-seg-kept-object", 1, "", "carries an object twice or one "
           "the base has", d.build(meta_raw=mm.encode()))
    mm = new_meta()
    mm.segs[sp][1] = []
    yield ("meta-seg-empty", 1, "", "is empty", d.build(meta_raw=mm.encode()))
    mm = new_meta()
    mm.segs[sp][1] = []
    mm.segs[spp][1] = mm.segs[spp][1] + m.segs[sp][1]
    yield ("meta-seg-object-moved", 1, "", "delta segment",
           d.build(meta_raw=mm.encode()))
    mm = new_meta()
    mm.segs[sp][2] += 1
    yield ("meta-frame-len-long", 1, "", "delta segment",
           d.build(meta_raw=mm.encode()))
    mm = new_meta()
    mm.segs[-1][2] -= 1
    yield ("meta-frame-len-short", 1, "", "no segment accounts for",
           d.build(meta_raw=mm.encode()))
    mm = new_meta()
    mm.segs[sp][2] = 2 ** 62
    yield ("meta-frame-len-huge", 1, "", "runs past the end of the delta",
           d.build(meta_raw=mm.encode()))
    mm = new_meta()
    mm.segs = mm.segs[:-1]
    yield ("meta-segs-fewer", 1, "", "disagree on the number of segments",
           d.build(meta_raw=mm.encode()))
    mm = new_meta()
    yield ("meta-nobjs-huge", 1, "", "delta meta block",
           d.build(meta_raw=mm.encode(nobjs=262145)))
    yield ("meta-nobjs-past-limit", 1, "", "out of range",
           d.build(meta_raw=mm.encode(nobjs=2 ** 40)))
    yield ("meta-nsegs-huge", 1, "", "delta meta block",
           d.build(meta_raw=mm.encode(nsegs=262145)))
    yield ("meta-nsigs-huge", 1, "", "delta meta block",
           d.build(meta_raw=mm.encode(nsigs=1024)))
    raw = mm.encode()
    yield ("meta-trailing-bytes", 1, "", "bytes after its end",
           d.build(meta_raw=raw + b"\0\0\0"))
    yield ("meta-cut-short", 1, "", "delta meta block is cut short",
           d.build(meta_raw=raw[:-2]))
    yield ("meta-varint-too-long", 1, "", "delta meta block: a number is too",
           d.build(meta_raw=b"\x80" * 11 + raw))
    yield ("meta-manifest-len-huge", 1, "", "out of range",
           d.build(meta_raw=put_var(2 ** 40) + raw))
    mani = bytearray(m.manifest)
    mani[-2] ^= 1
    mm = new_meta()
    mm.manifest = bytes(mani)
    yield ("meta-manifest-changed", 1, "", "new manifest does not match its "
           "header", d.build(meta_raw=mm.encode()))
    mm = new_meta()
    mm.segs[sp][1] = [0xFFFFFFFF]
    yield ("meta-index-range", 1, "", "an index is out of range", d.build(
        meta_raw=mm.encode()))
    # a list whose count is larger than the bytes there
    mm = new_meta()
    enc = mm.encode()
    tail = put_list(mm.segs[-1][0]) + put_list(mm.segs[-1][1]) + \
        put_var(mm.segs[-1][2])
    assert enc.endswith(tail)
    yield ("meta-list-count-huge", 1, "", "delta meta block", d.build(
        meta_raw=enc[:-len(tail)] + put_var(262145) + tail[1:]))
    # signatures: names the package reader refuses
    for tag, name in (("dotdot", b"signatures/../evil.txt"),
                      ("manifest", b"manifest"),
                      ("nul", b"signatures/a\0b.minisig"),
                      ("empty", b""),
                      ("object", ("objects/" + ents[0][0]).encode())):
        mm = new_meta()
        mm.sigs.append([name, b"untrusted comment: x\n"])
        yield ("meta-sig-name-" + tag, 1, "", "", d.build(
            meta_raw=mm.encode()))
    mm = new_meta()
    mm.sigs.append([b"signatures/a.minisig", b"\0" * 10241])
    yield ("meta-sig-too-big", 1, "", "out of range", d.build(
        meta_raw=mm.encode()))

    # ---- segment frames, rebuilt as raw-block frames
    c = seg_content(sp)
    yield ("seg-raw-plain", 0, "", "", d.build(frames=frames_with(
        sp, raw_frame(c))))
    yield ("seg-window-bomb", 1, "--max-window=8M",
           "needs a 2147483648-byte window", d.build(frames=frames_with(
               sp, raw_frame(c, window_log=31))))
    yield ("seg-window-bomb-default", 1, "",
           "needs a 2147483648-byte window", d.build(frames=frames_with(
               sp, raw_frame(c, window_log=31))))
    yield ("seg-fcs-larger", 1, "", "declares %d bytes; its objects hold %d"
           % (len(c) + 1, len(c)), d.build(frames=frames_with(
               sp, raw_frame(c, fcs=len(c) + 1))))
    yield ("seg-fcs-huge", 1, "", "its objects hold", d.build(
        frames=frames_with(sp, raw_frame(c, fcs=2 ** 62))))
    yield ("seg-no-fcs", 1, "", "does not declare its size",
           d.build(frames=frames_with(sp, raw_frame(c, fcs=None))))
    yield ("seg-dict-id", 1, "", "not a Zstandard frame without dictionary",
           d.build(frames=frames_with(sp, raw_frame(c, dict_id=7))))
    yield ("seg-skippable", 1, "", "not a Zstandard frame", d.build(
        frames=frames_with(sp, struct.pack("<II", 0x184D2A50, len(c)) + c)))
    yield ("seg-not-zstd", 1, "", "not a Zstandard frame", d.build(
        frames=frames_with(sp, b"\0" * 32)))
    yield ("seg-empty-frame", 1, "", "not a Zstandard frame", d.build(
        frames=frames_with(sp, b"")))
    bad = bytearray(c)
    bad[len(bad) // 2] ^= 0x20
    # a new object's hash is left to apply (a hole): the manifest it
    # completes is then not the release's
    yield ("seg-wrong-content", 1, "", "does not match its header",
           d.build(frames=frames_with(sp, raw_frame(bytes(bad)))))
    yield ("seg-more-than-declared", 1, "", "delta segment", d.build(
        frames=frames_with(sp, raw_frame(c, fcs=len(c),
                                          blocks=[c, b"xyz"]))))
    yield ("seg-less-than-declared", 1, "", "delta segment", d.build(
        frames=frames_with(sp, raw_frame(c, fcs=len(c),
                                          blocks=[c[:-3]]))))
    yield ("seg-bytes-after-frame", 1, "", "has bytes after its frame",
           d.build(frames=frames_with(sp, raw_frame(c) + b"\0\0")))
    yield ("seg-two-frames", 1, "", "bytes after its frame", d.build(
        frames=frames_with(sp, raw_frame(c) + raw_frame(b""))))
    yield ("seg-checksum-wrong", 1, "", "delta segment", d.build(
        frames=frames_with(sp, raw_frame(c, checksum=True))))
    cp = seg_content(spp)
    yield ("seg-patch-raw", 0, "", "", d.build(frames=frames_with(
        spp, raw_frame(cp))))
    bad = bytearray(cp)
    bad[0] ^= 1
    yield ("seg-patch-wrong-content", 1, "", "does not match its header",
           d.build(frames=frames_with(spp, raw_frame(bytes(bad)))))
    yield ("seg-patch-fcs-huge", 1, "", "its objects hold", d.build(
        frames=frames_with(spp, raw_frame(cp, fcs=2 ** 40))))
    yield ("seg-patch-window-bomb", 1, "--max-window=4M", "delta segment",
           d.build(frames=frames_with(spp, raw_frame(
               cp + b"\0" * 100, fcs=len(cp), window_log=31))))
    # the segments swapped: each frame where the other is expected
    if len(d.frames) > 1:
        f = list(d.frames)
        f[sp], f[spp] = f[spp], f[sp]
        yield ("seg-swapped", 1, "", "delta segment", d.build(frames=f))


# ------------------------------------------------------------ attacks


def attack(old_path, kind):
    """A delta from OLD to a release that shares all its content"""
    z = zipfile.ZipFile(old_path)
    old = z.read("manifest")
    head, body = old.split(b"\n\n", 1)
    lines = head.decode().split("\n")
    ents = [l.split(" ", 3) for l in body.decode().split("\n") if l]
    ents = [(h, int(n), t, p) for h, n, t, p in ents]
    forms = {}
    for info in z.infolist():
        if not info.filename.startswith("objects/"):
            continue
        h = info.filename[len("objects/"):]
        if h.endswith(".zst"):
            with z.open(info) as f:
                fhd = f.read(5)[4]
            forms[h[:-4]] = 2 if fhd & 3 else 1
        else:
            forms[h] = 0
    big = max((e for e in ents if forms[e[0]] or kind == "dict-kept"),
              key=lambda e: e[1])
    keep = ents
    if kind == "dict-kept":
        keep = [e for e in ents if e[0] != big[0]]
        lines = [l for l in lines if not l.startswith("dictionary ")]
        at = [i for i, l in enumerate(lines) if l.startswith("entries ")][0]
        lines.insert(at, "dictionary " + big[0])
    version = 0
    for i, l in enumerate(lines):
        if l.startswith("version "):
            version = int(l.split()[1]) + 1
            lines[i] = "version %d" % version
        elif l.startswith("entries "):
            lines[i] = "entries %d" % len(keep)
    new = ("\n".join(lines) + "\n\n").encode()
    new += b"".join(("%s %d %s %s\n" % (h, n, t, p)).encode()
                    for h, n, t, p in keep)
    objs, seen = [], set()
    if kind == "dict-kept":
        objs.append([0xFFFFFFFF, 0])
    for i, (h, _, _, _) in enumerate(keep):
        if h not in seen:
            seen.add(h)
            form = forms[h]
            if kind == "level-22" and h == big[0]:
                form |= 0x80
            objs.append([i, form])
    meta = put_var(len(new)) + new + put_var(0)
    meta += put_list([e for e, _ in objs], 1) + bytes(f for _, f in objs)
    meta += put_var(0)
    frame = zstd_prefix(["-19"], meta, old)
    field = dict(l.split(" ", 1) for l in lines if " " in l)
    hdr = ["lpk-delta 1",
           "base %s %d %s" % (field["id"], version - 1,
                              blake(old).hex()),
           "target %s %d %s" % (field["id"], version, blake(new).hex()),
           "label " + field["label"],
           "target-file 1 " + "0" * 64,
           "level %d exact" % (22 if kind == "level-22" else 3),
           "window %d" % (len(old) + len(meta)),
           "temp 0",
           "keep %d %d" % (len(objs), sum(e[1] for e in keep)),
           "patch 0 0", "add 0 0", "remove 0 0", "renamed 0", "segments 0",
           "meta %d" % len(frame)]
    return seal(("\n".join(hdr) + "\n\n").encode() + frame)


def main(argv):
    cmd = argv[1]
    if cmd == "fix":
        with open(argv[2], "rb") as f:
            data = f.read()
        with open(argv[2], "wb") as f:
            f.write(seal(data[:-TRAILER]))
    elif cmd == "attack":
        with open(argv[4], "wb") as f:
            f.write(attack(argv[2], argv[3]))
    elif cmd == "parse":
        with open(argv[2], "rb") as f:
            data = f.read()
        d = Delta(data, zipfile.ZipFile(argv[3]).read("manifest"))
        for name, off in d.layout():
            print(name, off)
    elif cmd == "all":
        names = set()
        for name, code, opts, text, data in scenarios(argv[2], argv[3],
                                                      argv[4]):
            assert name not in names, name
            names.add(name)
            with open(os.path.join(argv[5], name + ".lpd"), "wb") as f:
                f.write(data)
            print("%s|%d|%s|%s" % (name, code, opts, text))
    elif cmd == "cuts":
        with open(argv[2], "rb") as f:
            data = f.read()
        d = Delta(data, zipfile.ZipFile(argv[3]).read("manifest"))
        step = int(argv[5])
        points = set(range(0, len(data), step))
        for _, off in d.layout():
            points.update((off - 1, off, off + 1))
        points.update((1, 10, len(d.header) - 2))
        for n in sorted(p for p in points if 0 <= p < len(data)):
            with open(os.path.join(argv[4], "cut-%05d.lpd" % n), "wb") as f:
                f.write(data[:n])
            if n > TRAILER:
                with open(os.path.join(argv[4], "cutfix-%05d.lpd" % n),
                          "wb") as f:
                    f.write(seal(data[:n - TRAILER]))
    elif cmd == "flips":
        with open(argv[2], "rb") as f:
            data = f.read()
        d = Delta(data, zipfile.ZipFile(argv[3]).read("manifest"))
        parts = d.layout()
        k = 0
        for (name, start), (_, end) in zip(parts, parts[1:]):
            if name == "trailer":
                continue
            # about 8 places in each part, first and last bytes included
            step = max(1, (end - start) // 8)
            at = sorted(set(list(range(start, end, step)) + [end - 1]))
            for pos in at:
                for how in ("bit", "byte"):
                    b = bytearray(data[:-TRAILER])
                    if how == "bit":
                        b[pos] ^= 1 << (k % 8)
                    else:
                        b[pos] = (b[pos] + 0x55) & 0xFF
                    k += 1
                    with open(os.path.join(argv[4], "flip-%s-%05d-%s.lpd" %
                                           (name, pos, how)), "wb") as f:
                        f.write(seal(bytes(b)))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
