#!/bin/sh
# lpack update and lpack mirror, end to end: releases 1..4 published, hubs
# on 1, 2 and 3 update to 4 over HTTP from a server on 127.0.0.1 that cuts
# the connection every 64 KiB (tests/cli/httpd.py), byte-identical, with
# at most 1.05 times the plan's bytes on the wire; kill -9 mid-download,
# then a rerun finishes; every refusal with its own message and the hub's
# package untouched; from a folder; onto a USB stick.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

py=${PYTHON:-python3}
SOURCE_DATE_EPOCH=1765000000
export SOURCE_DATE_EPOCH

# --- releases 1..5 ----------------------------------------------------------
"$py" - "$tmp" <<'PYEOF'
import os, random, sys
root = sys.argv[1]
rnd = random.Random(11)
words = "water soil seed plant grow rain sun leaf root farm".split()
shared = rnd.randbytes(300000)
for v in range(1, 6):
    d = os.path.join(root, "t%d" % v)
    os.makedirs(d)
    r = random.Random(v)
    for i in range(12):
        with open(os.path.join(d, "l%02d.txt" % i), "w") as f:
            f.write(" ".join(random.Random(i).choice(words)
                             for _ in range(3000)))
            if i == v:
                f.write(" edited in release %d" % v)
    with open(os.path.join(d, "shared.jpg"), "wb") as f:
        f.write(shared)
    # what each release adds: incompressible, so deltas have weight
    with open(os.path.join(d, "new%d.jpg" % v), "wb") as f:
        f.write(r.randbytes(250000 + 10000 * v))
PYEOF
for k in a b c rogue; do
    run "$LPACK" keygen -q -p "$tmp/$k.pub" -s "$tmp/$k.key" --no-passphrase
done
trust_of() {
    _t=$1 _th=$2
    shift 2
    { echo "lp-trust 1"; echo "threshold $_th"
      for _k in "$@"; do echo "key $(sed -n 2p "$tmp/$_k.pub") - - $_k"; done
    } >"$tmp/$_t"
}
trust_of trust 1 a
trust_of trust2 2 a b
for v in 1 2 3 4 5; do
    SOURCE_DATE_EPOCH=$((1700000000 + v * 86400)) \
        run "$LPACK" create -q "$tmp/t$v" -o "$tmp/r$v.lpk" \
        --id org.example.hub --release $v --label "Term $v"
    run "$LPACK" sign -q "$tmp/r$v.lpk" -s "$tmp/a.key"
done
SOURCE_DATE_EPOCH=1700432000 run "$LPACK" create -q "$tmp/t5" -o "$tmp/expired5.lpk" \
    --id org.example.hub --release 5 --expires 2023-12-01
run "$LPACK" sign -q "$tmp/expired5.lpk" -s "$tmp/a.key"
SOURCE_DATE_EPOCH=1700432000 run "$LPACK" create -q "$tmp/t5" -o "$tmp/other5.lpk" \
    --id org.example.hub --release 5 --label "signed by c"
run "$LPACK" sign -q "$tmp/other5.lpk" -s "$tmp/c.key"

# signing times are the clock's (lpack sign), so the indexes are valid for
# long: a hub's clock is never taken as earlier than a time it trusted
valid=--valid-for=3650
expect_exit 0 "$LPACK" publish -q "$tmp/repo" "$tmp/r1.lpk" "$tmp/r2.lpk" -s "$tmp/a.key" $valid
cp "$tmp/repo/index" "$tmp/index.serial1"
expect_exit 0 "$LPACK" publish -q "$tmp/repo" "$tmp/r3.lpk" "$tmp/r4.lpk" -s "$tmp/a.key" $valid
full4=$(wc -c <"$tmp/r4.lpk")

# --- the server -------------------------------------------------------------
ctl=$tmp/control
cleanup_server() {
    [ -f "$tmp/httpd.pid" ] && kill "$(cat "$tmp/httpd.pid")" 2>/dev/null
}
trap 'cleanup_server' EXIT
serve() {
    cleanup_server
    rm -f "$tmp/port"
    "$py" "$top_srcdir/tests/cli/httpd.py" "$1" "$ctl" "$tmp/port" \
        "$tmp/wire.log" 2>"$tmp/httpd.err" &
    echo $! >"$tmp/httpd.pid"
    for _i in $(seq 100); do
        [ -s "$tmp/port" ] && break
        sleep 0.1
    done
    url=http://127.0.0.1:$(cat "$tmp/port")
}
fault() { echo "$1" >"$ctl"; }
wire() { awk -v p="$1" 'index($1, p) { n += $2 } END { print n + 0 }' "$tmp/wire.log"; }
json() { "$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$out" "$1"; }
serve "$tmp/repo"
check 'the test server runs' test -s "$tmp/port"

# --- hubs on 1, 2 and 3 take 4 through a link cut every 64 KiB ---------------
fault '{"cut_every": 65536, "paths": "files/"}'
for v in 1 2 3; do
    cp "$tmp/r$v.lpk" "$tmp/hub$v.lpk"
    : >"$tmp/wire.log"
    expect_exit 0 "$LPACK" update "$tmp/hub$v.lpk" --from "$url" \
        --trust "$tmp/trust" --state "$tmp/st$v" --json
    check "hub on $v: status updated" test "$(json status)" = updated
    check "hub on $v: byte-identical to release 4" cmp "$tmp/r4.lpk" "$tmp/hub$v.lpk"
    plan=$(json plan_bytes)
    sent=$(wire files/)
    check "hub on $v: a delta, smaller than the package ($plan of $full4 bytes)" \
        test "$plan" -lt "$full4"
    check "hub on $v: the plan is the cheapest: the one delta $v -> 4" \
        test "$(json steps | grep -c delta)" -eq 1
    check "hub on $v: in $(grep -c files/ "$tmp/wire.log") pieces, $sent bytes on the wire for a plan of $plan (at most 1.05x)" \
        test $((sent * 100)) -le $((plan * 105))
    check "hub on $v: the spool is empty after" test -z "$(ls -A "$tmp/st$v/spool")"
    check "hub on $v: release 4 recorded" grep -q '^version 4$' "$tmp/st$v/org.example.hub.state"
    check "hub on $v: the index serial recorded" grep -q '^serial 2$' "$tmp/st$v/org.example.hub.index"
done
expect_exit 0 "$LPACK" update "$tmp/hub1.lpk" --from "$url" --trust "$tmp/trust" --state "$tmp/st1"
check 'again: up to date' has "$out" "up to date (org.example.hub version 4; index serial 2)"

# --dry-run: the plan and its bytes, nothing else
cp "$tmp/r1.lpk" "$tmp/dry.lpk"
expect_exit 0 "$LPACK" update -n "$tmp/dry.lpk" --from "$url" --trust "$tmp/trust" --state "$tmp/st-dry"
check 'dry run: the plan' has "$out" "org.example.hub 1 -> 4:"
check 'dry run: the delta and its bytes' grep -q '^  delta 1 -> 4: files/[0-9a-f]*\.lpd, [0-9]* bytes$' "$out"
check 'dry run: the hub is untouched' cmp "$tmp/r1.lpk" "$tmp/dry.lpk"
check 'dry run: nothing spooled' test ! -e "$tmp/st-dry/spool"

# a chain: a repository with only one delta per release
for v in 1 2 3 4; do
    run "$LPACK" publish -q "$tmp/chain" "$tmp/r$v.lpk" -s "$tmp/a.key" --deltas 1 --valid-for 3650
done
# plan_of V: the fewest bytes from release V to 4 in $tmp/chain/index (the
# chain of deltas or the package) and the number of files
cat >"$tmp/plan_of.py" <<'PYEOF'
import sys
deltas, full = {}, 0
for line in open(sys.argv[1]):
    w = line.split()
    if w and w[0] == "delta":
        deltas[int(w[1])] = (int(w[2]), int(w[3]))
    if w and w[0] == "release" and w[1] == "4":
        full = int(w[2])
v, chain, n = int(sys.argv[2]), 0, 0
while v < 4:
    v, chain, n = deltas[v][0], chain + deltas[v][1], n + 1
print(*min((chain, n), (full, 1)))
PYEOF
chains=0
for v in 1 2; do
    cp "$tmp/r$v.lpk" "$tmp/hubc.lpk"
    rm -rf "$tmp/stc"
    set -- $("$py" "$tmp/plan_of.py" "$tmp/chain/index" $v)
    expect_exit 0 "$LPACK" update "$tmp/hubc.lpk" --from "$tmp/chain" --trust "$tmp/trust" --state "$tmp/stc" --json
    check "from a folder, hub on $v: the plan is the fewest bytes ($1 in $2 files, deltas or the package)" \
        test "$(json plan_bytes)" -eq "$1"
    [ "$2" -gt 1 ] && chains=$((chains + 1))
    check "from a folder, hub on $v: byte-identical to release 4" cmp "$tmp/r4.lpk" "$tmp/hubc.lpk"
    check "from a folder, hub on $v: no step left in the spool" test -z "$(ls -A "$tmp/stc/spool")"
done
check 'a chain of several deltas was the cheapest for one of them' test "$chains" -ge 1
# the full package when no delta starts at the hub's release: a hub whose
# release 2 is not the one the index lists (another build)
SOURCE_DATE_EPOCH=1700172800 run "$LPACK" create -q "$tmp/t2" -o "$tmp/hubf.lpk" \
    --id org.example.hub --release 2 --label "another build"
run "$LPACK" sign -q "$tmp/hubf.lpk" -s "$tmp/a.key"
expect_exit 0 "$LPACK" update "$tmp/hubf.lpk" --from "$tmp/repo" --trust "$tmp/trust" --state "$tmp/stf" --json
check 'another build of a listed release: the full package' test "$(json steps | grep -c "'full'")" -eq 1
check 'full package: byte-identical to release 4' cmp "$tmp/r4.lpk" "$tmp/hubf.lpk"
# --- a new hub: no package yet; it takes the newest full package ----------
expect_exit 0 "$LPACK" update -n "$tmp/newhub.lpk" --from "$tmp/repo" --trust "$tmp/trust" --state "$tmp/stn"
check 'new hub, dry run: the full package of the newest release' has "$out" "new hub: org.example.hub 4: $full4 bytes to fetch"
check 'new hub, dry run: nothing written' test ! -e "$tmp/newhub.lpk"
expect_exit 0 "$LPACK" update "$tmp/newhub.lpk" --from "$url" --trust "$tmp/trust" --state "$tmp/stn" --json
check 'new hub: status installed' test "$(json status)" = installed
check 'new hub: from none' test "$(json from)" = 0
check 'new hub: byte-identical to release 4' cmp "$tmp/r4.lpk" "$tmp/newhub.lpk"
check 'new hub: release 4 recorded' grep -q '^version 4$' "$tmp/stn/org.example.hub.state"
check 'new hub: the spool is empty after' test -z "$(ls -A "$tmp/stn/spool")"
expect_exit 0 "$LPACK" update "$tmp/newhub.lpk" --from "$tmp/repo" --trust "$tmp/trust" --state "$tmp/stn"
check 'new hub, again: up to date' has "$out" "up to date (org.example.hub version 4"
SOURCE_DATE_EPOCH=1700000000 run "$LPACK" create -q "$tmp/t1" -o "$tmp/o1.lpk" --id org.example.other --release 1
run "$LPACK" sign -q "$tmp/o1.lpk" -s "$tmp/a.key"
run "$LPACK" publish -q "$tmp/two-repo" "$tmp/r1.lpk" "$tmp/r2.lpk" "$tmp/o1.lpk" -s "$tmp/a.key" $valid
expect_exit 1 "$LPACK" update "$tmp/newhub2.lpk" --from "$tmp/two-repo" --trust "$tmp/trust" --state "$tmp/stn2"
check 'new hub, two packages listed: name one' has "$err" "lists 2 packages: name the one to take (--id)"
check 'new hub, two packages listed: nothing written' test ! -e "$tmp/newhub2.lpk"
expect_exit 0 "$LPACK" update "$tmp/newhub2.lpk" --id org.example.other --from "$tmp/two-repo" --trust "$tmp/trust" --state "$tmp/stn2"
check 'new hub --id: installed that package' has "$out" "installed org.example.other 1"
check 'new hub --id: byte-identical' cmp "$tmp/o1.lpk" "$tmp/newhub2.lpk"
expect_exit 2 "$LPACK" update "$tmp/newhub2.lpk" --id org.example.hub --from "$tmp/two-repo" --trust "$tmp/trust" --state "$tmp/stn2"
check 'an existing hub of another id than --id: refused' has "$err" "is package 'org.example.other', not 'org.example.hub'"

# --- progress: lp_progress_fn stages, as the other commands show them -------
cr=$(printf '\r')
cp "$tmp/r1.lpk" "$tmp/hubp.lpk"
expect_exit 0 "$LPACK" update --progress -q "$tmp/hubp.lpk" --from "$tmp/repo" --trust "$tmp/trust" --state "$tmp/stp"
check 'update --progress in a pipe: the fetching, as a plain line' \
    grep -q '^lpack update: fetching 1/1 files  .* of .*  100%.* done in ' "$err"
check 'update --progress in a pipe: then the applying' \
    sh -c "grep -q '^lpack update: decoding ' '$err' && grep -q '^lpack update: writing ' '$err'"
check 'update --progress in a pipe: no carriage return' sh -c "! grep -q '$cr' '$err'"
check 'update --progress: updated' cmp "$tmp/r4.lpk" "$tmp/hubp.lpk"
cp "$tmp/r1.lpk" "$tmp/hubp.lpk"
expect_exit 0 "$LPACK" update "$tmp/hubp.lpk" --from "$tmp/repo" --trust "$tmp/trust" --state "$tmp/stp2"
check 'update in a pipe: no progress' sh -c "! grep -q 'fetching\|decoding' '$err'"
expect_exit 2 "$LPACK" update --progress --no-progress "$tmp/hubp.lpk" --from "$tmp/repo" --trust "$tmp/trust" --state "$tmp/stp2"
check 'update: --progress and --no-progress cannot be combined' has "$err" "'--progress' and '--no-progress' cannot be combined"
expect_exit 0 "$LPACK" mirror --progress -q "$tmp/repo" "$tmp/stickp" --trust "$tmp/trust"
nfiles=$(ls "$tmp/repo/files" | wc -l)
check "mirror --progress: fetching $nfiles/$nfiles files" grep -q "^lpack mirror: fetching $nfiles/$nfiles files  .*100%" "$err"
expect_exit 0 "$LPACK" publish --progress -q "$tmp/repop" "$tmp/r1.lpk" "$tmp/r2.lpk" -s "$tmp/a.key" $valid
check 'publish --progress: the packages' grep -q '^lpack publish: publishing 2/2 packages' "$err"
check 'publish --progress: the delta' grep -q '^lpack publish: encoding ' "$err"
expect_exit 0 "$LPACK" publish --no-progress "$tmp/repop" --refresh -s "$tmp/a.key" $valid
check 'publish --no-progress: none' sh -c "! grep -q 'publishing' '$err'"

expect_exit 4 "$LPACK" update "$tmp/hub1.lpk" --from "$tmp/nowhere" --trust "$tmp/trust" --state "$tmp/st1"
check 'a folder that is not there: nothing reachable' has "$err" "nothing reachable"

# --- kill -9 mid-download, at several points; the rerun finishes ------------
d14=$(sed -n 's/^delta 1 4 \([0-9]*\) .*/\1/p' "$tmp/repo/index")
for at in 30000 70000 120000; do
    rm -rf "$tmp/stk"
    cp "$tmp/r1.lpk" "$tmp/hubk.lpk"
    : >"$tmp/wire.log"
    fault "{\"stall_after\": $at, \"stall_secs\": 60, \"paths\": \"files/\"}"
    "$LPACK" update -q "$tmp/hubk.lpk" --from "$url" --trust "$tmp/trust" \
        --state "$tmp/stk" --timeout 60 >/dev/null 2>&1 &
    pid=$!
    have=0
    for _i in $(seq 200); do
        have=$(cat "$tmp"/stk/spool/*.part 2>/dev/null | wc -c)
        [ "$have" -ge "$at" ] && break
        sleep 0.05
    done
    kill -9 $pid
    wait $pid 2>/dev/null
    check "killed at $at bytes: $have bytes kept in the spool" test "$have" -eq "$at"
    check "killed at $at bytes: the hub is untouched" cmp "$tmp/r1.lpk" "$tmp/hubk.lpk"
    fault '{"cut_every": 65536, "paths": "files/"}'
    expect_exit 0 "$LPACK" update "$tmp/hubk.lpk" --from "$url" --trust "$tmp/trust" --state "$tmp/stk" --json
    check "killed at $at bytes: the rerun resumed from there" test "$(json resumed_bytes)" -eq "$at"
    check "killed at $at bytes: the rerun ends on release 4" cmp "$tmp/r4.lpk" "$tmp/hubk.lpk"
    sent=$(($(wire files/) + at))
    check "killed at $at bytes: $at before the kill and the rest after: $sent bytes on the wire for a plan of $d14" \
        test $((sent * 100)) -le $((d14 * 105))
done

# --- the faults a server can have ---------------------------------------------
# refused NAME MESSAGE [update options]: hub on 1 refused with MESSAGE,
# its package untouched
refused() {
    _n=$1 _m=$2
    shift 2
    cp "$tmp/r1.lpk" "$tmp/hubr.lpk"
    expect_exit 1 "$LPACK" update "$tmp/hubr.lpk" --trust "${rtrust:-$tmp/trust}" --state "$tmp/str" "$@"
    check "$_n: $_m" has "$err" "$_m"
    check "$_n: says refused" has "$err" "refused: "
    check "$_n: the hub's package is untouched" cmp "$tmp/r1.lpk" "$tmp/hubr.lpk"
}
fault '{"corrupt": true, "paths": "files/"}'
refused 'wrong bytes' "its bytes do not match the hash the index gives" --from "$url"
check 'wrong bytes: the bad download is not kept' test -z "$(find "$tmp/str/spool" -name '*.part' -size +0)"
fault '{"endless": true, "paths": "files/"}'
refused 'an endless body' "the server sent more than the $d14 bytes the index announces: cut off" --from "$url"
fault '{"endless": true}'
refused 'an endless index' "larger than 16777216 bytes: cut off" --from "$url"
fault '{"ignore_range": true, "cut_every": 65536, "paths": "files/"}'
cp "$tmp/r1.lpk" "$tmp/hubi.lpk"
expect_exit 4 "$LPACK" update "$tmp/hubi.lpk" --from "$url" --trust "$tmp/trust" --state "$tmp/sti" --timeout 2
check 'a server that ignores Range and cuts: gives up, later' has "$err" "nothing reachable (try again later"
fault '{"bad_length": 5000, "paths": "files/"}'
expect_exit 0 "$LPACK" update "$tmp/hubi.lpk" --from "$url" --trust "$tmp/trust" --state "$tmp/sti"
check 'a wrong Content-Length: the file is still checked, and right' cmp "$tmp/r4.lpk" "$tmp/hubi.lpk"
fault '{"stall_after": 0, "stall_secs": 30, "paths": "files/"}'
cp "$tmp/r1.lpk" "$tmp/hubs.lpk"
expect_exit 4 "$LPACK" update "$tmp/hubs.lpk" --from "$url" --trust "$tmp/trust" --state "$tmp/sts" --timeout 1 --json
check 'a stalled server: unreachable, in JSON' test "$(json status)" = unreachable
check 'a stalled server: the hub is untouched' cmp "$tmp/r1.lpk" "$tmp/hubs.lpk"
fault '{"status": 503}'
expect_exit 4 "$LPACK" update "$tmp/hubs.lpk" --from "$url" --trust "$tmp/trust" --state "$tmp/sts"
check 'HTTP 503: nothing reachable' has "$err" "the server answers HTTP 503"
fault '{}'

# --- refused indexes ------------------------------------------------------------
for v in 1 2 3 4; do
    cp "$tmp/r$v.lpk" "$tmp/rr$v.lpk"
    run "$LPACK" sign -q "$tmp/rr$v.lpk" -s "$tmp/rogue.key"
done
run "$LPACK" publish -q "$tmp/rogue-repo" "$tmp"/rr1.lpk "$tmp"/rr4.lpk -s "$tmp/rogue.key" $valid
refused 'index signed by an untrusted key' "index: 0 of the 1 trusted signatures needed" --from "$tmp/rogue-repo"
rtrust=$tmp/trust2
refused 'index below threshold' "index: 1 of the 2 trusted signatures needed" --from "$tmp/repo"
rtrust=
SOURCE_DATE_EPOCH=1700000000 run "$LPACK" publish -q "$tmp/old-repo" "$tmp/r1.lpk" "$tmp/r2.lpk" -s "$tmp/a.key" --valid-for 1
refused 'expired index' "the index expired at 2023-11-15T22:13:20Z" --from "$tmp/old-repo"
mkdir -p "$tmp/replay/files"
cp "$tmp/index.serial1" "$tmp/replay/index"
cp "$tmp"/repo/files/* "$tmp/replay/files/"
cp "$tmp/r1.lpk" "$tmp/hubr.lpk"
run "$LPACK" update "$tmp/hubr.lpk" --from "$tmp/repo" --trust "$tmp/trust" --state "$tmp/str"
refused 'a lower serial: an old index replayed' "index serial 1 is lower than serial 2, seen before" --from "$tmp/replay"

# --- refused targets ------------------------------------------------------------
cp -R "$tmp/repo" "$tmp/repo-c"
run "$LPACK" publish -q "$tmp/repo-c" "$tmp/other5.lpk" -s "$tmp/a.key" -s "$tmp/c.key" $valid
refused 'a target no trusted key signed' "0 of the 1 trusted signatures needed" --from "$tmp/repo-c"
cp -R "$tmp/repo" "$tmp/repo-e"
run "$LPACK" publish -q "$tmp/repo-e" "$tmp/expired5.lpk" -s "$tmp/a.key" $valid
refused 'an expired target' "package expired at 2023-12-01T00:00:00Z" --from "$tmp/repo-e"
expect_exit 1 "$LPACK" update "$tmp/newhub-e.lpk" --from "$tmp/repo-e" --trust "$tmp/trust" --state "$tmp/stne"
check 'a new hub, its newest release expired: refused' has "$err" "package expired at 2023-12-01T00:00:00Z"
check 'a new hub refused: no package written' test ! -e "$tmp/newhub-e.lpk"
check 'a new hub refused: nothing beside it' test -z "$(ls -A "$tmp" | grep '^newhub-e')"
# a hub whose state accepted 4 but whose file went back to 2: release 3 is
# a rollback
mkdir -p "$tmp/repo3"
run "$LPACK" publish -q "$tmp/repo3" "$tmp/r1.lpk" "$tmp/r2.lpk" "$tmp/r3.lpk" -s "$tmp/a.key" $valid
# (serial 3: above the serial 2 that hub saw, so the index passes)
run "$LPACK" publish -q "$tmp/repo3" --refresh -s "$tmp/a.key" $valid
run "$LPACK" publish -q "$tmp/repo3" --refresh -s "$tmp/a.key" $valid
cp "$tmp/r2.lpk" "$tmp/hubo.lpk"
expect_exit 1 "$LPACK" update "$tmp/hubo.lpk" --from "$tmp/repo3" --trust "$tmp/trust" --state "$tmp/st2"
check 'an older target than the state accepted: refused as a rollback' has "$err" "rollback: version 3 of 'org.example.hub' is older than version 4"
check 'rollback: the hub is untouched' cmp "$tmp/r2.lpk" "$tmp/hubo.lpk"

# --- a full disk -----------------------------------------------------------
# Small tmpfs folders: mounted here as root, else in a user and mount
# namespace (unshare -rm) that runs the whole case; else skipped, saying
# why.  1: the spool too small for the download (refused before a byte is
# fetched); 2: the hub's folder too small for the new release (apply
# refuses before writing); 3: the same for the full package, which meets
# the full disk while copying (ENOSPC) and must leave nothing behind.
run "$LPACK" publish -q "$tmp/full-repo" "$tmp/r1.lpk" "$tmp/r4.lpk" -s "$tmp/a.key" --deltas 0 $valid
small=$(( $(wc -c <"$tmp/r1.lpk") + 65536 ))
cat >"$tmp/fulldisk.sh" <<'EOF'
t=$1 L=$2 size=$3
m() { mkdir -p "$t/small" && mount -t tmpfs -o "size=$1" tmpfs "$t/small"; }
try() {   # NAME HUB SPOOL-OPTION... : runs update, notes status and state
    _n=$1 _h=$2
    shift 2
    "$L" update "$_h" --trust "$t/trust" "$@" 2>"$t/fd-$_n.err" >/dev/null
    echo $? >"$t/fd-$_n.rc"
    cmp -s "$t/r1.lpk" "$_h"; echo $? >"$t/fd-$_n.cmp"
    ls -A "$(dirname "$_h")" >"$t/fd-$_n.ls"
}
m 64k || exit 77
cp "$t/r1.lpk" "$t/hubd.lpk"
try spool "$t/hubd.lpk" --from "$t/repo" --state "$t/std1" --spool "$t/small/spool"
umount "$t/small"
m "$size" || exit 77
cp "$t/r1.lpk" "$t/small/hub.lpk"
try delta "$t/small/hub.lpk" --from "$t/repo" --state "$t/std2"
umount "$t/small"
m "$size" || exit 77
cp "$t/r1.lpk" "$t/small/hub.lpk"
try full "$t/small/hub.lpk" --from "$t/full-repo" --state "$t/std3"
umount "$t/small"
EOF
if sh "$tmp/fulldisk.sh" "$tmp" "$LPACK" "$small" 2>"$tmp/fd.err"; then
    how='a tmpfs'
elif unshare -rm sh "$tmp/fulldisk.sh" "$tmp" "$LPACK" "$small" 2>>"$tmp/fd.err"; then
    how='a tmpfs in a user namespace'
else
    how=
fi
for c in 'spool:not enough free disk for the download' \
         'delta:not enough free space in' \
         'full:No space left on device'; do
    n=${c%%:*} m=${c#*:}
    if [ -n "$how" ]; then
        check "full disk ($n, on $how): exit 3" test "$(cat "$tmp/fd-$n.rc")" = 3
        check "full disk ($n): says so: $m" has "$tmp/fd-$n.err" "$m"
        check "full disk ($n): the hub is untouched" test "$(cat "$tmp/fd-$n.cmp")" = 0
    else
        skip "full disk ($n): exit 3" "no tmpfs can be mounted here (not root, no user namespaces): $(tail -n 1 "$tmp/fd.err")"
        skip "full disk ($n): says so" 'no tmpfs'
        skip "full disk ($n): the hub is untouched" 'no tmpfs'
    fi
done
[ -n "$how" ] && check 'full disk (delta, full): nothing left beside the hub' \
    test "$(cat "$tmp/fd-delta.ls" "$tmp/fd-full.ls" | tr '\n' ' ')" = 'hub.lpk hub.lpk '

# --- kill -9 after the download: while applying, before the rename ----------
# the progress lines of --progress (in a pipe: one as each stage ends) say
# where the update is; it is killed there, then a rerun finishes
mkfifo "$tmp/pfifo"
for at in 'fetching' 'decoding' 'writing'; do
    rm -rf "$tmp/stk"
    cp "$tmp/r1.lpk" "$tmp/hubk.lpk"
    "$LPACK" update --progress -q "$tmp/hubk.lpk" --from "$tmp/repo" --trust "$tmp/trust" \
        --state "$tmp/stk" 2>"$tmp/pfifo" >/dev/null &
    pid=$!
    seen=
    while read -r line; do
        case $line in
        *": $at "*" done in "*) kill -9 $pid; seen=yes; break ;;
        esac
    done <"$tmp/pfifo"
    wait $pid 2>/dev/null
    check "killed when $at ended: it got there" test "$seen" = yes
    check "killed when $at ended: the hub is release 1 or 4, whole" \
        sh -c "cmp -s '$tmp/r1.lpk' '$tmp/hubk.lpk' || cmp -s '$tmp/r4.lpk' '$tmp/hubk.lpk'"
    expect_exit 0 "$LPACK" update "$tmp/hubk.lpk" --from "$tmp/repo" --trust "$tmp/trust" --state "$tmp/stk"
    check "killed when $at ended: the rerun ends on release 4" cmp "$tmp/r4.lpk" "$tmp/hubk.lpk"
    check "killed when $at ended: nothing left beside the hub" \
        test -z "$(ls -A "$tmp" | grep '^hubk\.lpk.')"
    check "killed when $at ended: the spool is empty" test -z "$(ls -A "$tmp/stk/spool")"
done

# what a kill leaves between creating a temporary file and renaming or
# unlinking it is removed by the next run, which is up to date here; a
# file that only looks alike is not touched
for f in hubk.lpk.tmp-0123456789ab hubk.lpk.spool-Ab1Zz9 hubk.lpk.spool-toolong \
         hubk.lpk.tmp-0123456789AB; do
    echo left >"$tmp/$f"
done
expect_exit 0 "$LPACK" update "$tmp/hubk.lpk" --from "$tmp/repo" --trust "$tmp/trust" --state "$tmp/stk"
check 'a leftover temporary package is removed' test ! -e "$tmp/hubk.lpk.tmp-0123456789ab"
check 'a leftover spool file is removed' test ! -e "$tmp/hubk.lpk.spool-Ab1Zz9"
check 'files that only look alike are kept' \
    test -e "$tmp/hubk.lpk.spool-toolong" -a -e "$tmp/hubk.lpk.tmp-0123456789AB"
rm -f "$tmp/hubk.lpk.spool-toolong" "$tmp/hubk.lpk.tmp-0123456789AB"

# --- a USB stick: lpack mirror ------------------------------------------------
fault '{"cut_every": 65536, "paths": "files/"}'
cp "$tmp/r2.lpk" "$tmp/hubm.lpk"
expect_exit 0 "$LPACK" mirror "$url" "$tmp/stick" --trust "$tmp/trust" --for "$tmp/hubm.lpk"
check 'mirror --for: the index' cmp "$tmp/repo/index" "$tmp/stick/index"
check 'mirror --for: only the one file that hub needs' test "$(ls "$tmp/stick/files" | wc -l)" -eq 1
expect_exit 0 "$LPACK" update "$tmp/hubm.lpk" --from "$tmp/stick" --trust "$tmp/trust" --state "$tmp/stm"
check 'the hub updates from the stick' cmp "$tmp/r4.lpk" "$tmp/hubm.lpk"
expect_exit 0 "$LPACK" mirror "$url" "$tmp/stick2" --trust "$tmp/trust"
check 'mirror: every file' test "$(ls "$tmp/stick2/files" | sort)" = "$(ls "$tmp/repo/files" | sort)"
fault '{"corrupt": true, "paths": "files/"}'
expect_exit 1 "$LPACK" mirror "$url" "$tmp/stick3" --trust "$tmp/trust"
check 'mirror of a damaged file: refused' has "$err" "do not match the hash"
check 'mirror refused: no index written' test ! -e "$tmp/stick3/index"
expect_exit 1 "$LPACK" mirror "$tmp/rogue-repo" "$tmp/stick4" --trust "$tmp/trust"
check 'mirror of an untrusted index: refused' has "$err" "0 of the 1 trusted signatures needed"

# --- usage ----------------------------------------------------------------------
expect_exit 2 "$LPACK" update "$tmp/hub1.lpk" --from "$url" --trust "$tmp/trust"
check 'update without --state: usage' has "$err" "missing option '--state'"
expect_exit 2 "$LPACK" update "$tmp/hub1.lpk" --from "$url" --trust "$tmp/trust" --state "$tmp/x" --timeout 0
expect_exit 2 "$LPACK" mirror "$url" "$tmp/x"
check 'mirror without --trust: usage' has "$err" "missing option '--trust'"
done_testing
