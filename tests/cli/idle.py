#!/usr/bin/env python3
"""Open N idle connections to HOST:PORT and hold them (tests/cli/serve.sh).

    idle.py HOST PORT N SECONDS [--partial]

Prints "opened K" once the K connections that the server accepted are up
(connections it refuses or closes do not count), holds them for SECONDS,
then prints "still-open K": how many the server had not closed by then, or
by up to 20 seconds later on a busy machine (a server that never closes
them still shows them all).  Connections whose handshake has not finished
when the hold ends are dropped first: the server's listen queue was full,
so they never reached it (on a loaded machine the client's SYN retries,
backing off up to 16 s, would otherwise outlast any wait).
With --partial each connection first sends the start of a request line and
never finishes it (a slowloris client).
"""
import resource
import select
import socket
import sys
import time

host, port, n, hold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
partial = "--partial" in sys.argv[5:]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = min(hard, n + 64)
if soft < want:
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
socks = []
for _ in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect((host, port))
    except BlockingIOError:
        pass
    except OSError:
        s.close()
        continue
    socks.append(s)
time.sleep(0.5)


def connected(s):
    """True once the handshake finished (or failed): the socket is writable"""
    try:
        _, w, _ = select.select([], [s], [], 0)
        return bool(w)
    except OSError:
        return True


def alive(s):
    """False once the peer closed or reset the connection, or refused it"""
    try:
        if connected(s) and s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
            return False
        r, _, _ = select.select([s], [], [], 0)
        if r:
            return s.recv(1, socket.MSG_PEEK) != b""
        return True
    except OSError:
        return False


if partial:
    for s in socks:
        try:
            s.send(b"GET / HTTP/1.1\r\nHost: x")
        except OSError:
            pass
print("opened %d" % sum(1 for s in socks if connected(s) and alive(s)),
      flush=True)
time.sleep(hold)
for s in [s for s in socks if not connected(s)]:
    s.close()
    socks.remove(s)
# a loaded machine (sanitizers, parallel tests) runs the server's timer
# late: wait a while longer for the stragglers, never forever
deadline = time.time() + 20
while time.time() < deadline and any(alive(s) for s in socks):
    time.sleep(0.25)
print("still-open %d" % sum(1 for s in socks if alive(s)), flush=True)
for s in socks:
    s.close()
