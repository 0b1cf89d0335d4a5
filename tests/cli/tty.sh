#!/bin/sh
# The passphrase asked on the terminal: a real pseudo-terminal (python3's
# pty) plays the user.  The prompt appears, what is typed is not echoed,
# the key is encrypted with it, and two different answers are refused.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
plan 7

# terminal_user.py TRANSCRIPT ANSWER1 ANSWER2 CMD...: runs CMD on a new terminal,
# answers each prompt, writes what the terminal showed to TRANSCRIPT and
# exits with CMD's status
cat >"$tmp/terminal_user.py" <<'PY'
import os, pty, sys, time
transcript, answers, cmd = sys.argv[1], sys.argv[2:4], sys.argv[4:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(cmd[0], cmd)
seen = b""
deadline = time.time() + 60
while time.time() < deadline:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    # answer each prompt once, when it shows
    while answers and seen.count(b"Passphrase") > 2 - len(answers):
        time.sleep(0.5)  # the program turns echo off right after the prompt
        os.write(fd, answers.pop(0).encode() + b"\n")
if time.time() >= deadline:
    os.kill(pid, 9)  # stuck: fail, never hang the test suite
_, status = os.waitpid(pid, 0)
open(transcript, "wb").write(seen)
sys.exit(os.waitstatus_to_exitcode(status))
PY

pass='kanguru-lafaek-2026'
run python3 "$tmp/terminal_user.py" "$tmp/t1" "$pass" "$pass" "$LPACK" keygen \
    --public "$tmp/k.pub" --secret "$tmp/k.key"
check 'keygen with the passphrase typed twice on the terminal' test "$status" -eq 0
check 'it asked for it' grep -q 'Passphrase: ' "$tmp/t1"
check 'and again, to confirm' grep -q 'Passphrase (again): ' "$tmp/t1"
check 'what was typed was not echoed' sh -c "! grep -q '$pass' '$tmp/t1'"
printf '%s\n' "$pass" >"$tmp/pass"
mkdir "$tmp/src" && echo lesson >"$tmp/src/a.txt"
run "$LPACK" create -q "$tmp/src" -o "$tmp/p.lpk"
expect_exit 0 "$LPACK" sign "$tmp/p.lpk" --secret "$tmp/k.key" --passphrase-file "$tmp/pass"
run python3 "$tmp/terminal_user.py" "$tmp/t2" "$pass" "other" "$LPACK" keygen \
    --public "$tmp/k2.pub" --secret "$tmp/k2.key"
check 'two different answers are refused' test "$status" -ne 0
check '  and no key is written' test ! -e "$tmp/k2.key"
done_testing
