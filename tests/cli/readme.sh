#!/bin/sh
# readme.sh - TAP test: the documentation's commands run as written.
#
# Every ```sh block of README.md and of examples/*/README.md, and every
# example of the man pages (.EX blocks under EXAMPLES in man/*.1, man/*.5),
# is run, in order, as a reader would type it: one shell per document, in
# a fresh scratch folder holding a copy of examples/ (as a clone of the
# repository has), with the built lpack and lpc first on PATH and HOME in
# the scratch folder.  Any failing command fails its block, named with the
# document and line; the document's later blocks are then not run.
# tests/cli/docblocks.py turns a document into the script; it documents
# which blocks run and how a block that cannot is marked (with a reason):
#     <!-- not run: REASON -->      the line before a ```sh block
#     .\" not run: REASON           the line before a man page's .EX
# One TAP line per block: ok, not ok (with the failing line, its status
# and the last lines of output), or SKIP with the marked reason.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

LPC=${LPC:-$top_builddir/lpc/lpc}
bindir=$tmp/bin
mkdir "$bindir" &&
    ln -s "$(cd "$(dirname "$LPACK")" && pwd)/$(basename "$LPACK")" "$bindir/lpack" &&
    ln -s "$(cd "$(dirname "$LPC")" && pwd)/$(basename "$LPC")" "$bindir/lpc" ||
    bail_out "cannot make $bindir"

for tool in python3 bash timeout; do
    command -v $tool >/dev/null 2>&1 || bail_out "$tool is needed (tools/deps.sh)"
done

# run_doc DOC: one TAP line per block of DOC
run_doc() {
    _doc=$1
    _name=${_doc#"$top_srcdir"/}
    case $_name in ../*) _name=${_name#../} ;; esac
    _scratch=$tmp/run/$(echo "$_name" | tr '/' '_')
    _script=$tmp/$(echo "$_name" | tr '/' '_').sh
    if ! python3 "$top_srcdir/tests/cli/docblocks.py" "$_doc" "$_script" "$_name" \
            2>"$err"; then
        not_ok "$_name: its blocks can be read" "$(cat "$err")"
        return
    fi
    mkdir -p "$_scratch/home" && cp -R "$top_srcdir/examples" "$_scratch/" ||
        bail_out "cannot make $_scratch"
    chmod -R u+w "$_scratch/examples"
    (
        cd "$_scratch" &&
        HOME=$_scratch/home PATH=$bindir:$PATH LC_ALL=C.UTF-8 \
            exec timeout 600 bash --noprofile --norc "$_script" \
            9>"$_script.events" >"$_script.log" 2>&1 </dev/null
    )
    _status=$?
    _failed=
    while read -r _what _where _rest; do
        case $_what in
        done) ok "$_where: runs" ;;
        skip) skip "$_where: not run" "$_rest" ;;
        fail)
            _src=$(sed -n "${_where}p" "$_script.map")
            _line=$(sed -n "${_where}p" "$_script")
            not_ok "${_src:-$_name}: exit $_rest: $_line" \
                "last lines of its output:
$(tail -n 15 "$_script.log")"
            _failed=yes
            ;;
        esac
    done <"$_script.events"
    if [ -z "$_failed" ] && [ "$_status" -ne 0 ]; then
        not_ok "$_name: its script exits $_status (a syntax error, or killed)" \
            "$(tail -n 15 "$_script.log")"
        _failed=yes
    fi
    # the blocks after a failure did not run: say which
    if [ -n "$_failed" ]; then
        python3 - "$_doc" "$_script.events" >"$_script.notrun" <<'EOF'
import sys
events = [l.split() for l in open(sys.argv[2])]
ran = {e[1] for e in events if e[0] != 'fail'}
fail = min([int(e[1]) for e in events if e[0] == 'fail'] or [0])
script = open(sys.argv[2].rsplit('.events', 1)[0]).read().splitlines()
failed_block_seen = False
for n, line in enumerate(script, 1):
    if line.startswith("echo 'done ") or line.startswith("echo 'skip "):
        where = line.split()[2].rstrip("'")
        if where in ran or n < fail:
            continue
        if failed_block_seen or not fail:
            print(where)
        failed_block_seen = True  # the failed block itself: reported
EOF
        while read -r _where; do
            not_ok "$_where: not run: an earlier block of $_name failed"
        done <"$_script.notrun"
    fi
}

# The extractor itself: a failure is caught where set -e alone would let
# it pass, and named by its line; marked and other blocks are not run.
cat >"$tmp/self.md" <<'EOF'
# a document
```text
not a command
```
<!-- not run: the test of the marker -->
```sh
exit 3
```
```sh
echo one >one.txt
false && echo never
echo two >two.txt
```
EOF
python3 "$top_srcdir/tests/cli/docblocks.py" "$tmp/self.md" "$tmp/self.sh" self.md &&
    (cd "$tmp" && bash "$tmp/self.sh" 9>"$tmp/self.events" >/dev/null 2>&1)
self_status=$?
check 'the extractor: "false && echo" fails its block (set -e alone would not)' \
    test "$self_status" -ne 0 -a -f "$tmp/one.txt" -a ! -f "$tmp/two.txt"
check '  at its line, self.md:11' sh -c "grep '^fail ' '$tmp/self.events' |
    cut -d' ' -f2 | xargs -I@ sed -n '@p' '$tmp/self.sh.map' | grep -qx self.md:11"
check '  a marked block is reported, not run' grep -qx 'skip self.md:7 the test of the marker' "$tmp/self.events"

run_doc "$top_srcdir/README.md"
for doc in "$top_srcdir"/examples/*/README.md "$top_srcdir"/man/*.[1-8]; do
    [ -f "$doc" ] && run_doc "$doc"
done
done_testing
