#!/bin/sh
# lpack apply --trust/--state: the new release passes what lpack verify
# --trust --state --strict-expiry checks before it takes the hub's file;
# a refused one leaves every file as it was and says why.  Without
# --trust, apply warns that nothing of that was checked.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH
py=${PYTHON:-python3}

# release N: the same lessons, lesson N edited
mkdir -p "$tmp/src"
"$py" - "$tmp/src" <<'PYEOF'
import os, random, sys
rnd = random.Random(5)
for i in range(12):
    with open(os.path.join(sys.argv[1], "l%02d.txt" % i), "w") as f:
        f.write(" ".join(rnd.choice(["seed", "rain", "soil", "leaf", "sun"])
                         for _ in range(3000)) + "\n")
PYEOF
for k in min rogue; do
    run "$LPACK" keygen -q -p "$tmp/$k.pub" -s "$tmp/$k.key" --no-passphrase
done
cat >"$tmp/trust" <<EOT
lp-trust 1
threshold 1
key $(sed -n 2p "$tmp/min.pub") - - Ministry of Education
EOT
# make NAME VERSION KEY [create options]: a release signed by KEY (or
# "none")
make() {
    _n=$1 _v=$2 _k=$3
    shift 3
    rm -rf "$tmp/t$_n"
    cp -R "$tmp/src" "$tmp/t$_n"
    echo "release $_v ($_n)" >>"$tmp/t$_n/l0$((_v % 10)).txt"
    SOURCE_DATE_EPOCH=$((1700000000 + _v * 86400)) \
        run "$LPACK" create -q "$tmp/t$_n" -o "$tmp/$_n.lpk" \
        --id org.example.apply --release "$_v" "$@"
    [ "$_k" = none ] || run "$LPACK" sign -q "$tmp/$_n.lpk" -s "$tmp/$_k.key"
}
make v1 1 min
make v2 2 min
make v3 3 min
make unsigned 2 none
make rogue 2 rogue
make expired 2 min --expires 2023-11-20
make later 2 min --expires 2099-01-01
for t in v2 v3 unsigned rogue expired later; do
    run "$LPACK" delta -q "$tmp/v1.lpk" "$tmp/$t.lpk" -o "$tmp/1-$t.lpd"
done
run "$LPACK" delta -q "$tmp/v2.lpk" "$tmp/v1.lpk" -o "$tmp/2-1.lpd"
run "$LPACK" delta -q "$tmp/v2.lpk" "$tmp/v3.lpk" -o "$tmp/2-3.lpd"

# refused NAME HUB DELTA MESSAGE [options]: apply in place is refused
# with MESSAGE; the hub, the state and the folder are as they were
refused() {
    _name=$1 _hub=$2 _d=$3 _msg=$4
    shift 4
    cp "$tmp/$_hub.lpk" "$tmp/hub.lpk"
    _before=$(ls "$tmp")
    _sbefore=$(cat "$tmp"/state/*.state 2>/dev/null)
    expect_exit 1 "$LPACK" apply "$tmp/hub.lpk" "$tmp/$_d.lpd" \
        -o "$tmp/hub.lpk" --trust "$tmp/trust" "$@"
    check "$_name: refused: $_msg" has "$err" "$_msg"
    check "$_name: says it refused and what is kept" \
        has "$err" "refused '$tmp/$_d.lpd'"
    check "$_name: the hub's package is untouched" \
        cmp "$tmp/$_hub.lpk" "$tmp/hub.lpk"
    check "$_name: no other file left or removed" \
        test "$_before" = "$(ls "$tmp")"
    check "$_name: the state is unchanged" \
        test "$_sbefore" = "$(cat "$tmp"/state/*.state 2>/dev/null)"
}

refused unsigned v1 1-unsigned "the package is not signed"
refused 'untrusted key' v1 1-rogue "0 of the 1 trusted signatures needed"
check 'untrusted key: names the key that did not count' \
    has "$err" "key is not in the trust file"
refused expired v1 1-expired "package expired at 2023-11-20T00:00:00Z"
refused older v2 2-1 "version 1 of 'org.example.apply' is older than version 2, which it would replace"

# --- accepted, with a state folder ----------------------------------------
cp "$tmp/v1.lpk" "$tmp/hub.lpk"
expect_exit 0 "$LPACK" apply "$tmp/hub.lpk" "$tmp/1-v2.lpd" -o "$tmp/hub.lpk" \
    --trust "$tmp/trust" --state "$tmp/state"
check 'accepted: the hub has release 2' cmp "$tmp/v2.lpk" "$tmp/hub.lpk"
check 'accepted: says the trust file accepted it' \
    has "$out" "accepted by the trust file"
check 'accepted: no warning' is_empty "$err"
check 'accepted: release 2 recorded in the state' \
    grep -q '^version 2$' "$tmp/state/org.example.apply.state"
# the state now refuses release 1, even through a hub file that is older
run "$LPACK" verify "$tmp/v3.lpk" --trust "$tmp/trust" --state "$tmp/state"
refused rollback v1 1-v2 "rollback: version 2 of 'org.example.apply' is older than version 3" --state "$tmp/state"

# a chain: the policy is the last release's
cp "$tmp/v1.lpk" "$tmp/hub.lpk"
expect_exit 0 "$LPACK" apply "$tmp/hub.lpk" "$tmp/1-v2.lpd" "$tmp/2-3.lpd" \
    -o "$tmp/hub.lpk" --trust "$tmp/trust" --state "$tmp/state"
check 'chain: the hub has release 3' cmp "$tmp/v3.lpk" "$tmp/hub.lpk"
check 'chain: no intermediate left' test "$(ls "$tmp" | grep -c 'chain')" -eq 0

# --now: a release that expires in 2099 is refused from then on (the
# clock is never taken as earlier than its signing time, so --now cannot
# let an expired one in)
cp "$tmp/v1.lpk" "$tmp/hub.lpk"
refused 'expires later, --now past it' v1 1-later "package expired at 2099-01-01T00:00:00Z" --now 2099-02-01
refused 'clock at 1970' v1 1-expired "package expired" --now 1970-01-01
expect_exit 0 "$LPACK" apply -q "$tmp/hub.lpk" "$tmp/1-later.lpd" \
    -o "$tmp/hub.lpk" --trust "$tmp/trust"
check 'not expired yet: accepted' cmp "$tmp/later.lpk" "$tmp/hub.lpk"

# --- without --trust ------------------------------------------------------
cp "$tmp/v1.lpk" "$tmp/hub.lpk"
expect_exit 0 "$LPACK" apply -q "$tmp/hub.lpk" "$tmp/1-unsigned.lpd" -o "$tmp/hub.lpk"
check 'without --trust: applied' cmp "$tmp/unsigned.lpk" "$tmp/hub.lpk"
check 'without --trust: says nothing was checked' \
    has "$err" "was not checked against a trust file"
expect_exit 0 "$LPACK" apply -n "$tmp/v1.lpk" "$tmp/1-v2.lpd" -o "$tmp/x.lpk"
check 'dry run: no warning' is_empty "$err"

# --- usage ----------------------------------------------------------------
expect_exit 2 "$LPACK" apply "$tmp/v1.lpk" "$tmp/1-v2.lpd" -o "$tmp/x.lpk" --state "$tmp/state"
check '--state needs --trust' has "$err" "'--state' needs '--trust'"
expect_exit 3 "$LPACK" apply "$tmp/v1.lpk" "$tmp/1-v2.lpd" -o "$tmp/x.lpk" --trust "$tmp/nope"
check 'missing trust file: nothing written' test ! -e "$tmp/x.lpk"
expect_exit 2 "$LPACK" apply "$tmp/v1.lpk" "$tmp/1-v2.lpd" -o "$tmp/x.lpk" --trust "$tmp/trust" --now yesterday
done_testing
