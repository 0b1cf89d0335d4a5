#!/bin/sh
# progress.sh - progress of long work on stderr: on a terminal (a real
# pseudo-terminal this test makes with python3's pty) each command shows
# its stages and erases the line at the end; in a pipe it shows nothing;
# with --progress in a pipe, plain lines without carriage returns; -q and
# --no-progress silence it.  Skips visibly only where no pty can be had.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
plan 47

# on_tty.py RAW SCREEN CMD...: runs CMD with stdin, stdout and stderr on a
# new terminal; writes every byte the terminal got to RAW and the screen
# they leave (carriage returns, line feeds, backspaces and escape sequences
# played, trailing blanks dropped) to SCREEN; exits with CMD's status, or
# 77 if no pseudo-terminal can be made
cat >"$tmp/on_tty.py" <<'PY'
import os, pty, re, sys, time
raw_path, screen_path, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
try:
    pid, fd = pty.fork()
except OSError:
    sys.exit(77)
if pid == 0:
    os.execv(cmd[0], cmd)
raw = b""
deadline = time.time() + 120
while time.time() < deadline:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    raw += chunk
if time.time() >= deadline:
    os.kill(pid, 9)  # stuck: fail, never hang the test suite
_, status = os.waitpid(pid, 0)
open(raw_path, "wb").write(raw)
lines, row, col = [[]], 0, 0
text = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", raw).decode("utf-8", "replace")
for ch in text:
    if ch == "\r":
        col = 0
    elif ch == "\n":
        row += 1
        col = 0
        if row == len(lines):
            lines.append([])
    elif ch == "\b":
        col = max(col - 1, 0)
    else:
        line = lines[row]
        line.extend(" " * (col + 1 - len(line)))
        line[col] = ch
        col += 1
with open(screen_path, "w") as f:
    for line in lines:
        f.write("".join(line).rstrip() + "\n")
sys.exit(os.waitstatus_to_exitcode(status))
PY

# Content: two releases of a package, a few MiB
mkdir "$tmp/v1" "$tmp/v2"
python3 - "$tmp" <<'PY'
import os, random, sys
tmp = sys.argv[1]
for v in (1, 2):
    rng = random.Random(7)
    d = os.path.join(tmp, "v%d" % v)
    for i in range(30):
        with open(os.path.join(d, "lesson-%02d.txt" % i), "w") as f:
            for k in range(300):
                f.write("Lesson %d line %d: %s\n" % (i, k,
                        "edited" if v == 2 and i == 4 else "text"))
    with open(os.path.join(d, "picture.jpg"), "wb") as f:
        f.write(rng.randbytes(3 << 20))
PY

tty_ok=yes
run python3 "$tmp/on_tty.py" "$tmp/raw" "$tmp/screen" /bin/true
[ "$status" -eq 77 ] && tty_ok=no

# on_tty DESC CMD...: CMD on a terminal exits 0 (1 test)
on_tty() {
    _desc=$1
    shift
    if [ "$tty_ok" = no ]; then
        skip "$_desc" 'no pseudo-terminal can be made here'
        return 1
    fi
    run python3 "$tmp/on_tty.py" "$tmp/raw" "$tmp/screen" "$@"
    if [ "$status" -eq 0 ]; then
        ok "$_desc"
    else
        not_ok "$_desc" "exit status $status; the terminal showed:"
        diag "$(cat "$tmp/screen")"
    fi
}

# shown WORD...: each word was on the terminal, drawn in place (\r)
shown() {
    for _w in "$@"; do
        grep -q "$_w" "$tmp/raw" || return 1
    done
    tr -d '\n' <"$tmp/raw" | grep -q "$(printf '\r')[a-z]"
}
# erased WORD...: none of the words, and no figures of a progress line,
# are left on the screen
erased() {
    for _w in "$@"; do
        ! grep -q "$_w" "$tmp/screen" || return 1
    done
    ! grep -Eq '[0-9]+/[0-9]+ (entries|objects|segments|lessons)' \
        "$tmp/screen"
}
# tty_checks CMDNAME STAGE...: the stages showed, then were erased
# (2 tests, skipped without a terminal)
tty_checks() {
    _cmd=$1
    shift
    if [ "$tty_ok" = no ]; then
        skip "$_cmd: progress on the terminal" 'no pseudo-terminal'
        skip "$_cmd: erased at the end" 'no pseudo-terminal'
        return
    fi
    check "$_cmd: progress on the terminal ($*)" shown "$@"
    check "$_cmd: erased at the end: no progress left on the screen" \
        erased "$@"
}

# ------------------------------------------------------------ terminal

on_tty 'lpack create on a terminal' "$LPACK" create "$tmp/v1" \
    -o "$tmp/v1.lpk" --id org.example.p --release 1
tty_checks 'lpack create' compressing
check '  and its summary is on the screen' grep -q "wrote '$tmp/v1.lpk'" \
    "$tmp/screen"
check '  figures: entries, bytes of the total, a percentage' \
    grep -q 'compressing [0-9]*/31 entries .* of 3\.[0-9] MiB .*%' "$tmp/raw"
run "$LPACK" create -q "$tmp/v2" -o "$tmp/v2.lpk" --id org.example.p \
    --release 2

on_tty 'lpack verify on a terminal' "$LPACK" verify "$tmp/v1.lpk"
tty_checks 'lpack verify' verifying
check '  the verdict is on the screen' grep -q ': OK (31 entries' \
    "$tmp/screen"

on_tty 'lpack delta on a terminal' "$LPACK" delta "$tmp/v1.lpk" \
    "$tmp/v2.lpk" -o "$tmp/d.lpd"
tty_checks 'lpack delta' encoding

on_tty 'lpack apply on a terminal' "$LPACK" apply "$tmp/v1.lpk" \
    "$tmp/d.lpd" -o "$tmp/v2b.lpk"
tty_checks 'lpack apply' decoding writing
check '  and rebuilt the release' cmp -s "$tmp/v2.lpk" "$tmp/v2b.lpk"

on_tty 'lpc build on a terminal' "$LPC" build \
    "$top_srcdir/examples/tetum-math" -o "$tmp/tm.lpk"
tty_checks 'lpc build' compiling compressing

# -q and --no-progress: nothing
on_tty 'lpack verify -q on a terminal' "$LPACK" verify -q "$tmp/v1.lpk"
check '  shows no progress' sh -c "! grep -q verifying '$tmp/raw'"
on_tty 'lpack verify --no-progress on a terminal' "$LPACK" verify \
    --no-progress "$tmp/v1.lpk"
check '  shows no progress' sh -c "! grep -q verifying '$tmp/raw'"
on_tty 'lpc build -q on a terminal' "$LPC" build -q \
    "$top_srcdir/examples/tetum-math" -o "$tmp/tm.lpk"
check '  shows no progress' sh -c "! grep -Eq 'compiling|compressing' \
    '$tmp/raw'"

# ---------------------------------------------------------------- pipe

expect_exit 0 "$LPACK" verify "$tmp/v1.lpk"
check 'lpack verify in a pipe: no progress' sh -c "! grep -q verifying '$err'"
expect_exit 0 "$LPACK" apply "$tmp/v1.lpk" "$tmp/d.lpd" -o "$tmp/v2c.lpk"
check 'lpack apply in a pipe: no progress' sh -c "! grep -q 'decoding\|writing' '$err'"

cr=$(printf '\r')
# --progress in a pipe: the end of each stage on a line of its own, for a
# CI log
expect_exit 0 "$LPACK" verify --progress "$tmp/v1.lpk"
check 'lpack verify --progress in a pipe: a plain line' grep -q \
    '^lpack verify: verifying 31/31 objects  3\.[0-9] MiB of 3\.[0-9] MiB  100%.* done in ' \
    "$err"
check '  no carriage return' sh -c "! grep -q '$cr' '$err'"
check '  the verdict still on stdout' grep -q ': OK (31 entries' "$out"
expect_exit 0 "$LPACK" verify --progress -q "$tmp/v1.lpk"
check 'lpack verify --progress -q: --progress wins' grep -q verifying "$err"
expect_exit 0 "$LPACK" create --progress -q "$tmp/v1" -o "$tmp/v1b.lpk" \
    --id org.example.p --release 1
check 'lpack create --progress in a pipe' grep -q \
    '^lpack create: compressing 31/31 entries' "$err"
expect_exit 0 "$LPACK" delta --progress -q "$tmp/v1.lpk" "$tmp/v2.lpk" \
    -o "$tmp/d2.lpd"
check 'lpack delta --progress in a pipe' grep -q '^lpack delta: encoding ' \
    "$err"
expect_exit 0 "$LPACK" apply --progress -q "$tmp/v1.lpk" "$tmp/d.lpd" \
    -o "$tmp/v2d.lpk"
check 'lpack apply --progress in a pipe: both stages' sh -c "grep -q \
    '^lpack apply: decoding ' '$err' && grep -q '^lpack apply: writing ' \
    '$err' && ! grep -q '$cr' '$err'"
expect_exit 0 "$LPC" build --progress -q "$top_srcdir/examples/tetum-math" \
    -o "$tmp/tm2.lpk"
check 'lpc build --progress in a pipe: both stages' sh -c "grep -q \
    '^lpc build: compiling [0-9]*/[0-9]* lessons' '$err' && \
    grep -q '^lpc build: compressing ' '$err' && ! grep -q '$cr' '$err'"

# ---------------------------------------------------------------- usage
expect_exit 2 "$LPACK" verify --progress --no-progress "$tmp/v1.lpk"
check '  --progress and --no-progress cannot be combined' has "$err" \
    "'--progress' and '--no-progress' cannot be combined"
expect_exit 2 "$LPC" check --progress "$top_srcdir/examples/tetum-math"
check '  lpc check has no --progress' has "$err" "unknown option '--progress'"

done_testing
