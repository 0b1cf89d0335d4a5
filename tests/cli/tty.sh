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

# Without a pseudo-terminal (no /dev/ptmx, or no devpts mounted, as in
# some chroots) none of this can be tested: say so, test by test.
if ! python3 -c 'import os; m, s = os.openpty(); os.close(m); os.close(s)' \
        >"$out" 2>"$err"; then
    reason="no pseudo-terminal can be opened here: $(tail -n 1 "$err")"
    for t in 1 2 3 4 5 6 7; do
        skip "passphrase on a terminal, test $t" "$reason"
    done
    done_testing
fi

pass='kanguru-lafaek-2026'
run python3 "$tmp/terminal_user.py" "$tmp/t1" "$pass" "$pass" "$LPACK" keygen \
    --public "$tmp/k.pub" --secret "$tmp/k.key"
check 'keygen with the passphrase typed twice on the terminal' test "$status" -eq 0
check 'it asked for it' grep -q 'Passphrase: ' "$tmp/t1"
check 'and again, to confirm' grep -q 'Passphrase (again): ' "$tmp/t1"
# (the transcript holds both prompts, so the terminal was read: an empty
# or missing transcript fails here, it does not pass)
check 'what was typed was not echoed' sh -c "grep -q 'Passphrase (again): ' '$tmp/t1' && ! grep -q '$pass' '$tmp/t1'"
printf '%s\n' "$pass" >"$tmp/pass"
mkdir "$tmp/src" && echo lesson >"$tmp/src/a.txt"
run "$LPACK" create -q "$tmp/src" -o "$tmp/p.lpk"
expect_exit 0 "$LPACK" sign "$tmp/p.lpk" --secret "$tmp/k.key" --passphrase-file "$tmp/pass"
run python3 "$tmp/terminal_user.py" "$tmp/t2" "$pass" "other" "$LPACK" keygen \
    --public "$tmp/k2.pub" --secret "$tmp/k2.key"
check 'two different answers are refused' sh -c "test $status -ne 0 && grep -q 'Passphrase (again): ' '$tmp/t2' && grep -q 'the passphrases do not match' '$tmp/t2'"
check '  and no key is written' sh -c "grep -q 'Passphrase (again): ' '$tmp/t2' && test ! -e '$tmp/k2.key' && test ! -e '$tmp/k2.pub'"
done_testing
