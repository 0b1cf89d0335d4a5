#!/bin/sh
# Ctrl-C, SIGTERM and SIGHUP during long work (common/progress.c): the
# signal only sets a flag, the library stops at its next progress call and
# removes what it was writing, then the tool says so and dies of the same
# signal.  Nothing is left in the output folder, not even a temporary
# file.  With or without progress shown: the tests run in a pipe, where
# none is unless --progress.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

# stop_when_writing.py SIG DIR CMD...: runs CMD; once DIR holds a file (the
# work has begun writing), or with DIR "caught" once CMD catches SIG (the
# tool does right before its long library call), sends SIG; prints "signal N" or "exit N" as CMD ended,
# or "finished" if it ended before anything appeared in DIR
cat >"$tmp/stop_when_writing.py" <<'PY'
import os, signal, subprocess, sys, time
sig, watch, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
def caught(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("SigCgt:"):
                    return int(line.split()[1], 16) >> (sig - 1) & 1
    except OSError:
        pass
    return False
deadline = time.time() + 120
sent = False
while p.poll() is None and time.time() < deadline:
    if not sent and (caught(p.pid) if watch == "caught"
                     else os.listdir(watch)):
        p.send_signal(sig)
        sent = True
    time.sleep(0.002)
if p.poll() is None:
    p.kill()  # stuck: fail, never hang the test suite
rc = p.wait()
print("finished" if not sent else
      "signal %d" % -rc if rc < 0 else "exit %d" % rc)
PY

# Content: two releases with 48 MiB each that does not compress
python3 - "$tmp" <<'PY'
import os, random, sys
tmp = sys.argv[1]
for v in (1, 2):
    d = os.path.join(tmp, "v%d" % v)
    os.makedirs(d)
    rng = random.Random(v)
    for i in range(40):
        with open(os.path.join(d, "lesson-%02d.txt" % i), "w") as f:
            f.write("Lesson %d, release %d\n" % (i, v) * 200)
    for i in range(3):
        with open(os.path.join(d, "video-%d.mp4" % i), "wb") as f:
            f.write(rng.randbytes(16 << 20))
PY
expect_exit 0 "$LPACK" create -q "$tmp/v1" -o "$tmp/v1.lpk" --id t.int --release 1

# interrupted SIGNAL NAME WHAT WHEN CMD...: run CMD with its output in
# $tmp/o, stopped by SIGNAL when it writes there (WHEN "o") or when it
# catches SIGNAL (WHEN "caught", for work that writes nothing)
interrupted() {
    _sig=$1 _name=$2 _what=$3 _when=$4
    shift 4
    rm -rf "$tmp/o"
    mkdir "$tmp/o"
    [ "$_when" = o ] && _when=$tmp/o
    _got=$(python3 "$tmp/stop_when_writing.py" "$_sig" "$_when" "$@" 2>"$err")
    if [ "$_got" = finished ]; then
        skip "$_what: stopped by $_name" "it finished before the signal"
        return
    fi
    check "$_what: stopped by $_name ($_got)" test "$_got" = "signal $_sig"
    check "  says so" has "$err" "interrupted ($_name); nothing was left half-written"
    check "  nothing left in the output folder" test -z "$(ls -A "$tmp/o")"
}

interrupted 2 Ctrl-C 'lpack create' o \
    "$LPACK" create -q "$tmp/v2" -o "$tmp/o/v2.lpk" --id t.int --release 2
interrupted 15 SIGTERM 'lpack create --progress' o \
    "$LPACK" create --progress "$tmp/v2" -o "$tmp/o/v2.lpk" --id t.int --release 2
interrupted 1 SIGHUP 'lpack verify' caught \
    "$LPACK" verify -q "$tmp/v1.lpk"
done_testing
