#!/usr/bin/env python3
"""A same-origin front for the browser test of lpack serve.

usage: proxy.py ROOT UPSTREAM PORTFILE LOG

Listens on 127.0.0.1 (a free port, written to PORTFILE).  GET /t/NAME
serves the file ROOT/NAME (the test's harness and its cases); a POST to
/t/save/NAME stores its body as ROOT/NAME (what the harness makes, such as
a recorded video).  Every other request is passed to the host:port written
in the file UPSTREAM (the lpack serve under test, read at each request) as
it came: method, path, headers and body,
and its answer passed back as it came, status and headers included.  So
the harness and the hub's pages share one origin and the harness can read
the pages it opens.  One line per request passed on is appended to LOG:
"METHOD PATH STATUS RANGE".
"""
import http.client
import http.server
import os
import socketserver
import sys

ROOT, UPSTREAM, PORTFILE, LOG = sys.argv[1:5]
HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer",
       "transfer-encoding", "upgrade"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def local(self):
        name = self.path[3:].split("?")[0]
        if self.command == "POST" and name.startswith("save/"):
            name = os.path.basename(name[5:])
            n = int(self.headers.get("Content-Length", "0"))
            with open(os.path.join(ROOT, name), "wb") as f:
                f.write(self.rfile.read(n))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path = os.path.join(ROOT, os.path.basename(name))
        try:
            with open(path, "rb") as f:
                body = f.read()
        except OSError:
            self.send_error(404)
            return
        self.send_response(200)
        ctype = "text/html; charset=utf-8" if path.endswith(".html") \
            else "text/javascript; charset=utf-8"
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def relay(self):
        if self.path.startswith("/t/"):
            self.local()
            return
        n = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(n) if n else None
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in HOP}
        with open(UPSTREAM) as f:
            host, port = f.read().strip().rsplit(":", 1)
        up = http.client.HTTPConnection(host, int(port), timeout=60)
        try:
            up.request(self.command, self.path, body=body, headers=headers)
            resp = up.getresponse()
            data = resp.read()
        except OSError as e:
            with open(LOG, "a") as f:
                f.write("%s %s 502 %s\n" % (self.command, self.path, e))
            self.send_error(502, str(e))
            return
        finally:
            up.close()
        with open(LOG, "a") as f:
            f.write("%s %s %d %s\n" % (self.command, self.path, resp.status,
                                       self.headers.get("Range", "-")))
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in HOP and k.lower() != "content-length":
                self.send_header(k, v)
        if self.command != "HEAD":
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_HEAD = relay


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    tmp = PORTFILE + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, PORTFILE)
    srv.serve_forever()


if __name__ == "__main__":
    main()
