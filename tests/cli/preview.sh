#!/bin/sh
# lpc preview: a real server on 127.0.0.1 (a free port) over a copy of the
# example curriculum, driven with curl: the pages of lpack serve with the
# build's bar, an edit served without a restart, an error shown in the
# page with its place (escaped; the last good build still served), the
# recovery, a first build that fails, a lesson file linked from outside
# the project refused, polling instead of inotify, a port in use, and a
# clean exit on SIGTERM leaving nothing behind.  No timing is asserted:
# every wait is a poll with a generous limit.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
command -v curl >/dev/null || bail_out "curl is needed"
LPC=${LPC:-$top_builddir/lpc/lpc}

pids=
# every server started is killed, whatever happens (and lib.sh's own
# clean-up, which this trap replaces, is done too)
trap 'for p in $pids; do kill "$p" 2>/dev/null; done
      chmod -R u+rwx "$_tap_root" 2>/dev/null; rm -rf "$_tap_root"' EXIT

# start LOG ARGS...: lpc preview in the background; sets pid, port, base
start() {
    _log=$1
    shift
    TMPDIR=$tmp/spool "$LPC" preview --listen 127.0.0.1:0 --color=never \
        --cache "$tmp/cache" "$@" 2>"$_log" &
    pid=$!
    pids="$pids $pid"
    port=
    for _i in $(seq 300); do
        port=$(sed -n 's/.* on port \([0-9][0-9]*\)$/\1/p' "$_log")
        [ -n "$port" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$port" ] || { cat "$_log" >&2; bail_out "lpc preview did not start"; }
    base=http://127.0.0.1:$port
}
# stop: SIGTERM, and its exit status in $status
stop() {
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
    status=$?
}
# get URL: the body to $out, the status code printed
get() {
    curl -s -o "$out" -w '%{http_code}' --max-time 20 "$1"
}
# wait_for URL TEXT: poll URL until its body holds TEXT (up to 120 s)
wait_for() {
    for _i in $(seq 600); do
        get "$1" >/dev/null
        grep -qF -- "$2" "$out" && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.2
    done
    return 1
}

mkdir -p "$tmp/spool"
cp -R "$top_srcdir/examples/tetum-math" "$tmp/proj"
chmod -R u+w "$tmp/proj"
lesson=$tmp/proj/lessons/numbers-01.yaml
find "$tmp/proj" | sort >"$tmp/before"

# ---- usage
expect_exit 2 "$LPC" preview
expect_exit 2 "$LPC" preview "$tmp/proj" "$tmp/proj"
expect_exit 0 "$LPC" preview --help
check '--help names --listen' has "$out" '--listen ADDR:PORT'
expect_exit 1 "$LPC" preview "$tmp/spool"
check 'a folder without a curriculum is named' has "$err" 'not a curriculum project'

# ---- the first build, served as lpack serve serves it
start "$tmp/log" "$tmp/proj"
check 'the first build is served' wait_for "$base/_lp/build" 1
check 'it printed the build line' has "$tmp/log" 'build 1: 0 errors'
code=$(get "$base/")
check '/ leads to the catalog' test "$code" = 303
code=$(get "$base/tl.moe.math-primary/tet/")
check 'the catalog: 200' test "$code" = 200
check 'the catalog is the hub page' grep -q 'href="/tl.moe.math-primary/tet/numbers-01"' "$out"
check 'the catalog has the bar' has "$out" 'lpc preview: build 1, 0 errors'
check 'and the reload script' has "$out" "fetch('/_lp/build'"
check 'and a reload link without script' has "$out" '<a href="">reload</a>'
code=$(get "$base/tl.moe.math-primary/tet/numbers-01")
check 'a lesson: 200' test "$code" = 200
check 'the lesson text' has "$out" 'Ohin ita aprende'
code=$(get "$base/lp.css")
check 'the style sheet: 200' test "$code" = 200
code=$(get "$base/tl.moe.math-primary/package.lpk")
check 'the package: 200' test "$code" = 200
"$LPC" build "$tmp/proj" -o "$tmp/built.lpk" --cache "$tmp/cache" -q 2>/dev/null
check 'the package served is what lpc build makes' cmp -s "$out" "$tmp/built.lpk"

# ---- an edit is served
sed -i 's/Ohin ita aprende /Ohin ita aprende EDIT-ONE /' "$lesson"
check 'an edit is served' wait_for "$base/tl.moe.math-primary/tet/numbers-01" 'EDIT-ONE'
check 'by build 2' has "$out" 'lpc preview: build 2, 0 errors'

# ---- an error: shown in the page, escaped; the last good build served
sed -i 's/^  duration: 40$/  duration: <script>alert(1)<\/script>/' "$lesson"
check 'an error is shown' wait_for "$base/tl.moe.math-primary/tet/" '1 error'
check 'with its file:line:column' has "$out" "lessons/numbers-01.yaml:3:"
check 'and its code' grep -q '\[[a-z-]*\]' "$out"
check 'the source line, escaped' has "$out" '&lt;script&gt;alert(1)&lt;/script&gt;'
check 'nothing of the source as markup' sh -c "! grep -q '<script>alert' '$out'"
check 'the last good build is still served' has "$out" 'showing build 2'
code=$(get "$base/tl.moe.math-primary/tet/numbers-01")
check 'the lesson of build 2 is still served' has "$out" 'EDIT-ONE'
code=$(get "$base/_lp/diagnostics")
check 'the diagnostics page: 200' test "$code" = 200
check 'it lists the error' has "$out" 'numbers-01.yaml:3:'
check 'the terminal has it as lpc check prints it' grep -q 'numbers-01.yaml:3:[0-9]*: error: ' "$tmp/log"

# ---- fixed: back to a good build
sed -i 's/^  duration: <script>.*$/  duration: 40/' "$lesson"
check 'the fix is served' wait_for "$base/tl.moe.math-primary/tet/" '0 errors'
check 'no longer showing an older build' sh -c "! grep -q 'showing build' '$out'"

# ---- a lesson linked from outside the project is refused
cp "$lesson" "$tmp/outside.yaml"
rm "$lesson"
ln -s "$tmp/outside.yaml" "$lesson"
check 'a linked lesson file is refused' wait_for "$base/_lp/diagnostics" 'bad-path'
rm "$lesson"
cp "$tmp/outside.yaml" "$lesson"
check 'and served again once it is a file' wait_for "$base/tl.moe.math-primary/tet/" '0 errors'

# ---- a port in use
expect_exit 3 "$LPC" preview --listen "127.0.0.1:$port" --cache "$tmp/cache" "$tmp/proj"
check 'a port in use is said' has "$err" 'cannot listen on 127.0.0.1 port'

# ---- SIGTERM: exit 0, nothing left behind
stop
check 'SIGTERM: exit 0' test "$status" = 0
check 'the server is gone' sh -c "! curl -s --max-time 5 -o /dev/null '$base/'"
find "$tmp/proj" | sort >"$tmp/after"
check 'nothing was written into the project' cmp -s "$tmp/before" "$tmp/after"
check 'no spool file left in TMPDIR' sh -c "test -z \"\$(ls -A '$tmp/spool')\""

# ---- a first build that fails, then polling instead of inotify
sed -i 's/^  duration: 40$/  duration: -3/' "$lesson"
start "$tmp/log2" --poll "$tmp/proj"
check 'a failing first build: the diagnostics page' wait_for "$base/" 'numbers-01.yaml:3:'
check 'nothing served yet' has "$out" 'no build has made a package yet'
code=$(get "$base/tl.moe.math-primary/tet/")
check 'every page is the diagnostics page' has "$out" 'Diagnostics'
sed -i 's/^  duration: -3$/  duration: 40/' "$lesson"
check 'fixed (seen by polling): the catalog' wait_for "$base/tl.moe.math-primary/tet/" 'href="/tl.moe.math-primary/tet/numbers-01"'
sed -i 's/EDIT-ONE/EDIT-TWO/' "$lesson"
check 'an edit seen by polling' wait_for "$base/tl.moe.math-primary/tet/numbers-01" 'EDIT-TWO'
kill -INT "$pid" 2>/dev/null
wait "$pid"
check 'SIGINT: exit 0' test "$?" = 0

# ---- a profile: its languages only; a profile the curriculum lacks
cp -R "$top_srcdir/examples/amharic-english" "$tmp/am"
chmod -R u+w "$tmp/am"
start "$tmp/log3" --profile phone "$tmp/am"
check 'profile phone: the Amharic catalog' wait_for "$base/et.moe.health-primary/am/" 'lpc preview: build 1, 0 errors'
code=$(get "$base/et.moe.health-primary/en/")
check 'profile phone: no English catalog' test "$code" = 404
stop
check 'profile phone: exit 0' test "$status" = 0
start "$tmp/log4" --profile tablet "$tmp/am"
check 'an unknown profile: shown with its code' wait_for "$base/" '[profile]'
stop
done_testing
