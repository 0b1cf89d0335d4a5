#!/usr/bin/env python3
"""Give a WebM recorded by a browser's MediaRecorder its duration.

usage: webm_duration.py IN OUT

MediaRecorder writes a live stream: a Segment of unknown size whose Info
has no Duration, so a player cannot tell how long it is, nor seek in it.
This adds Duration (the last block's time) to Info; nothing else moves (a
recorded stream has no SeekHead or Cues that hold offsets).  The browser
test makes its video this way: Debian has no small video to ship.
"""
import struct
import sys

CLUSTER, SEGMENT, INFO = 0x1F43B675, 0x18538067, 0x1549A966
TIMECODE, SIMPLEBLOCK, BLOCKGROUP, BLOCK = 0xE7, 0xA3, 0xA0, 0xA1
UNKNOWN = object()


def element_id(b, i):
    n = 1
    while n <= 4 and not b[i] & (0x80 >> (n - 1)):
        n += 1
    if n > 4:
        raise ValueError("bad element id at %d" % i)
    return int.from_bytes(b[i:i + n], "big"), n


def size(b, i):
    n = 1
    while n <= 8 and not b[i] & (0x80 >> (n - 1)):
        n += 1
    if n > 8:
        raise ValueError("bad size at %d" % i)
    v = b[i] & (0xFF >> n)
    for k in range(1, n):
        v = (v << 8) | b[i + k]
    return (UNKNOWN if v == (1 << (7 * n)) - 1 else v), n


def block_time(b, i):
    """The relative time of a (Simple)Block's frame: after the track"""
    _, n = size(b, i)
    return struct.unpack(">h", b[i + n:i + n + 2])[0]


def main():
    src, dst = sys.argv[1:3]
    b = open(src, "rb").read()
    i, info, cluster_tc, last = 0, None, 0, 0
    while i < len(b):
        e, n = element_id(b, i)
        s, m = size(b, i + n)
        body = i + n + m
        if e in (SEGMENT, CLUSTER, BLOCKGROUP):
            i = body            # go in: children follow
            continue
        if s is UNKNOWN:
            raise ValueError("unknown size at %d" % i)
        if e == INFO:
            info = (i, n + m, s)
        elif e == TIMECODE:
            cluster_tc = int.from_bytes(b[body:body + s], "big")
        elif e in (SIMPLEBLOCK, BLOCK):
            last = max(last, cluster_tc + block_time(b, body))
        i = body + s
    if info is None:
        raise ValueError("no Info element")
    at, head, s = info
    content = b[at + head:at + head + s]
    if b"\x44\x89" in content:
        raise ValueError("it has a Duration already")
    content += b"\x44\x89\x88" + struct.pack(">d", float(last + 40))
    if len(content) > 126:
        raise ValueError("Info too long")
    out = b[:at] + b"\x15\x49\xA9\x66" + bytes([0x80 | len(content)]) + \
        content + b[at + head + s:]
    with open(dst, "wb") as f:
        f.write(out)
    print("duration %d ms" % (last + 40))


if __name__ == "__main__":
    main()
