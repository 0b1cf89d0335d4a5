#!/usr/bin/env python3
"""A static file server for the update tests, with faults on demand.

usage: httpd.py ROOT CONTROL PORTFILE LOG

Serves ROOT on 127.0.0.1 (a free port, written to PORTFILE), honouring
"Range: bytes=N-" and "bytes=N-M".  Before each request it reads the JSON
file CONTROL (missing = no faults):

  cut_every     close the connection after this many body bytes
  stall_after   after this many body bytes, send nothing more (for
                stall_secs seconds, then close)
  endless       after the file, keep sending bytes (without a length)
  corrupt       flip one byte of every body
  ignore_range  answer 200 with the whole file even to a Range request
  bad_length    announce this many more bytes than are sent, then close
  status        answer every request with this HTTP status
  paths         apply the faults only to paths holding this text (e.g.
                "files/": the index is served as it is)

Every body byte sent is added to LOG (one line "PATH BYTES" per response),
so a test can count what went over the wire.
"""
import http.server
import json
import os
import re
import socketserver
import sys
import time

ROOT, CONTROL, PORTFILE, LOG = sys.argv[1:5]


def control():
    try:
        with open(CONTROL) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):
        pass

    def send_body(self, data, c):
        sent = 0
        limit = c.get("cut_every") or c.get("stall_after")
        chunk = 8192
        try:
            while sent < len(data):
                n = min(chunk, len(data) - sent)
                if limit is not None:
                    n = min(n, limit - sent)
                if n <= 0:
                    break
                piece = bytearray(data[sent:sent + n])
                if c.get("corrupt") and sent == 0 and piece:
                    piece[0] ^= 0xFF
                self.wfile.write(piece)
                sent += n
            if c.get("stall_after") is not None and sent < len(data):
                self.wfile.flush()
                time.sleep(c.get("stall_secs", 30))
            elif c.get("endless") and sent == len(data):
                junk = b"\0" * 65536
                for _ in range(16384):      # 1 GiB, unless cut off first
                    self.wfile.write(junk)
                    sent += len(junk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with open(LOG, "a") as f:
                f.write("%s %d\n" % (self.path, sent))

    def do_GET(self):
        c = control()
        if c.get("paths") and c["paths"] not in self.path:
            c = {}
        if c.get("status"):
            self.send_response(c["status"])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path = os.path.normpath(self.path.lstrip("/"))
        if path.startswith("..") or os.path.isabs(path):
            self.send_error(403)
            return
        full = os.path.join(ROOT, path)
        if not os.path.isfile(full):
            self.send_error(404)
            return
        with open(full, "rb") as f:
            data = f.read()
        start, end = 0, len(data)
        m = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if m and not c.get("ignore_range"):
            start = int(m.group(1))
            if m.group(2):
                end = min(end, int(m.group(2)) + 1)
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(data))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" %
                             (start, end - 1, len(data)))
        else:
            self.send_response(200)
        body = data[start:end]
        if not c.get("endless"):
            self.send_header("Content-Length",
                             str(len(body) + c.get("bad_length", 0)))
        self.end_headers()
        self.send_body(body, c)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
