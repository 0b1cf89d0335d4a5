#!/bin/sh
# Every reader of lpack and lpc refuses a FIFO (or any file that is not a
# regular file) at once, naming it, instead of waiting forever for a writer
# that never comes (SECURITY.md).  Each run is under timeout: a reader that
# blocks fails here (status 124) instead of hanging the suite.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
LPC=${LPC:-$top_builddir/lpc/lpc}
example=$top_srcdir/examples/tetum-math

# refused NAME STATUS CMD...: CMD exits STATUS, promptly, naming the FIFO
refused() {
    _name=$1 _want=$2
    shift 2
    run timeout 10 "$@"
    if [ "$status" -eq "$_want" ] && has "$err" "is a FIFO"; then
        ok "$_name: refused, status $_want"
    else
        not_ok "$_name: refused, status $_want" "status $status; stderr:"
        diag "$(head -n 5 "$err")"
    fi
}

mkfifo "$tmp/fifo" || bail_out "cannot make a FIFO"
mkdir -p "$tmp/src"
echo 'Lesson 1' >"$tmp/src/a.txt"
run "$LPACK" keygen -q -p "$tmp/k.pub" -s "$tmp/k.key" --no-passphrase
run "$LPACK" create -q "$tmp/src" -o "$tmp/v1.lpk" --id org.example.math --release 1
run "$LPACK" sign -q "$tmp/v1.lpk" -s "$tmp/k.key"
echo 'Lesson 1, again' >"$tmp/src/a.txt"
run "$LPACK" create -q "$tmp/src" -o "$tmp/v2.lpk" --id org.example.math --release 2
run "$LPACK" delta "$tmp/v1.lpk" "$tmp/v2.lpk" -o "$tmp/d.lpd"
cat >"$tmp/trust" <<EOT
lp-trust 1
threshold 1
key $(sed -n 2p "$tmp/k.pub") - - Ministry
EOT

# packages
for cmd in info ls verify; do
    refused "lpack $cmd" 3 "$LPACK" "$cmd" "$tmp/fifo"
done
refused 'lpack cat' 3 "$LPACK" cat "$tmp/fifo" a.txt
refused 'lpack extract' 3 "$LPACK" extract "$tmp/fifo" -C "$tmp/x"
refused 'lpack manifest' 3 "$LPACK" manifest "$tmp/fifo" -o "$tmp/m"
refused 'lpack sign' 3 "$LPACK" sign "$tmp/fifo" -s "$tmp/k.key"
refused 'lpack delta: old' 3 "$LPACK" delta "$tmp/fifo" "$tmp/v2.lpk" -o "$tmp/d2.lpd"
refused 'lpack delta: new' 3 "$LPACK" delta "$tmp/v1.lpk" "$tmp/fifo" -o "$tmp/d2.lpd"
refused 'lpack apply: base' 3 "$LPACK" apply "$tmp/fifo" "$tmp/d.lpd" -o "$tmp/n.lpk"
check 'apply left nothing behind' test ! -e "$tmp/n.lpk"
# deltas
refused 'lpack apply: delta' 3 "$LPACK" apply "$tmp/v1.lpk" "$tmp/fifo" -o "$tmp/n.lpk"
# keys, signatures, trust files
refused 'lpack sign: secret key' 3 "$LPACK" sign "$tmp/v2.lpk" -s "$tmp/fifo"
run "$LPACK" manifest "$tmp/v2.lpk" -o "$tmp/v2.manifest"
run "$LPACK" sign-manifest "$tmp/v2.manifest" -s "$tmp/k.key" -o "$tmp/v2.sig"
refused 'lpack attach: public key' 3 "$LPACK" attach "$tmp/v2.lpk" "$tmp/v2.sig" --public "$tmp/fifo"
refused 'lpack attach: signature' 3 "$LPACK" attach "$tmp/v2.lpk" "$tmp/fifo" --public "$tmp/k.pub"
refused 'lpack sign-manifest: manifest' 3 "$LPACK" sign-manifest "$tmp/fifo" -s "$tmp/k.key" -o "$tmp/s.sig"
refused 'lpack verify --trust' 3 "$LPACK" verify "$tmp/v1.lpk" --trust "$tmp/fifo"
refused 'lpack trust sign' 3 "$LPACK" trust sign "$tmp/fifo" -s "$tmp/k.key"
refused 'lpack trust update: new' 3 "$LPACK" trust update "$tmp/fifo" --trust "$tmp/trust"
refused 'lpack trust update: current' 3 "$LPACK" trust update "$tmp/trust" --trust "$tmp/fifo"
# a state folder: every file in it
mkdir -p "$tmp/state"
mkfifo "$tmp/state/org.example.math.state"
refused 'lpack verify --state: state file' 3 "$LPACK" verify "$tmp/v1.lpk" --trust "$tmp/trust" --state "$tmp/state"
rm "$tmp/state/org.example.math.state"
mkfifo "$tmp/state/_trust.state"
refused 'lpack verify --state: trust state' 3 "$LPACK" verify "$tmp/v1.lpk" --trust "$tmp/trust" --state "$tmp/state"
# lpack create: a FIFO in the tree
mkfifo "$tmp/src/b.txt"
run timeout 10 "$LPACK" create -q "$tmp/src" -o "$tmp/c.lpk"
check 'lpack create: FIFO in the tree refused' test "$status" -eq 1
check 'lpack create: no package' test ! -e "$tmp/c.lpk"
rm "$tmp/src/b.txt"

# curriculum sources: the curriculum file, a lesson, a media file
mkproj cur
rm "$tmp/cur/curriculum.yaml"
mkfifo "$tmp/cur/curriculum.yaml"
refused 'lpc check: curriculum file' 1 "$LPC" check "$tmp/cur"
refused 'lpc build: curriculum file' 1 "$LPC" build "$tmp/cur" -o "$tmp/cur.lpk"
mkproj les
rm "$tmp/les/lessons/numbers-01.yaml"
mkfifo "$tmp/les/lessons/numbers-01.yaml"
refused 'lpc check: lesson' 1 "$LPC" check "$tmp/les"
refused 'lpc build: lesson' 1 "$LPC" build "$tmp/les" -o "$tmp/les.lpk"
check 'lpc build: no package' test ! -e "$tmp/les.lpk"
mkproj med
rm "$tmp/med/media/fatuk-sanulu.png"
mkfifo "$tmp/med/media/fatuk-sanulu.png"
run timeout 10 "$LPC" check "$tmp/med"
check 'lpc check: media FIFO refused' test "$status" -eq 1
check 'lpc check: media FIFO named' has "$err" "'../media/fatuk-sanulu.png' is a FIFO, not a regular file"
run timeout 10 "$LPC" build "$tmp/med" -o "$tmp/med.lpk"
check 'lpc build: media FIFO refused' test "$status" -eq 1
done_testing
