#!/bin/sh
# The passphrase asked on the terminal: a real pseudo-terminal (python3's
# pty) plays the user.  The prompt appears, what is typed is not echoed,
# the key is encrypted with it, and two different answers are refused.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
plan 15

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
    for t in $(seq 15); do
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

# many_answers.py TRANSCRIPT ANSWER... -- CMD...: as terminal_user.py, for
# any number of prompts
cat >"$tmp/many_answers.py" <<'PY'
import os, pty, sys, time
sep = sys.argv.index("--")
transcript, answers, cmd = sys.argv[1], sys.argv[2:sep], sys.argv[sep + 1:]
total = len(answers)
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
    while answers and seen.count(b"Passphrase: ") > total - len(answers):
        time.sleep(0.5)
        os.write(fd, answers.pop(0).encode() + b"\n")
if time.time() >= deadline:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
open(transcript, "wb").write(seen)
sys.exit(os.waitstatus_to_exitcode(status))
PY
run "$LPACK" manifest "$tmp/p.lpk" -o "$tmp/p.manifest"
# a wrong passphrase, then the right one: signed; what is signed shows
# before the first prompt
run python3 "$tmp/many_answers.py" "$tmp/t3" wrong "$pass" -- "$LPACK" sign-manifest \
    "$tmp/p.manifest" --secret "$tmp/k.key" -o "$tmp/p.minisig"
check 'sign-manifest: a second try on the terminal' test "$status" -eq 0
check '  says it was wrong, and how many tries remain' grep -q 'wrong passphrase for secret key.*try again (2 more)' "$tmp/t3"
check '  what is signed shows before the prompt' sh -c "sed -n '/^id: /,\$p' '$tmp/t3' | grep -q 'Passphrase: '"
check '  and the signature is written' test -s "$tmp/p.minisig"
# three wrong answers: exit 1, nothing written
run python3 "$tmp/many_answers.py" "$tmp/t4" no nope never -- "$LPACK" sign-manifest \
    "$tmp/p.manifest" --secret "$tmp/k.key" -o "$tmp/q.minisig"
check 'three wrong passphrases: exit 1' test "$status" -eq 1
check '  three prompts' test "$(grep -o 'Passphrase: ' "$tmp/t4" | wc -l)" -eq 3
check '  no fourth try' grep -q 'try again (1 more)' "$tmp/t4"
check '  nothing written' test ! -e "$tmp/q.minisig"
done_testing
