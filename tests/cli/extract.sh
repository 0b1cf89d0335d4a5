#!/bin/sh
# lpack extract: round trip, never overwrites, never follows links.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

src=$tmp/src
mkdir -p "$src/a/b/c" "$src/km"
printf 'មេរៀនទី១៖ លេខពីមួយដល់ដប់\n' > "$src/km/មេរៀន.txt"
printf 'deep\n' > "$src/a/b/c/d.txt"
head -c 70000 /dev/urandom > "$src/a/pic.png"
: > "$src/empty"
run "$LPACK" create -q "$src" -o "$tmp/p.lpk"

expect_exit 0 "$LPACK" extract "$tmp/p.lpk" -C "$tmp/out"
check 'round trip: diff -r' diff -r "$src" "$tmp/out"
expect_exit 3 "$LPACK" extract "$tmp/p.lpk" -C "$tmp/out"
check 'refuses to overwrite, names the file' has "$err" "exists already"
(cd "$tmp" && mkdir here && cd here && "$LPACK" extract ../p.lpk) >/dev/null 2>&1
check 'default folder is the current one' cmp -s "$src/a/b/c/d.txt" "$tmp/here/a/b/c/d.txt"

mkdir -p "$tmp/trap" "$tmp/elsewhere"
ln -s "$tmp/elsewhere" "$tmp/trap/a"
expect_exit 1 "$LPACK" extract "$tmp/p.lpk" -C "$tmp/trap"
check 'a linked folder on the way is refused' has "$err" "is a link or not a folder"
check 'nothing written through the link' test -z "$(ls -A "$tmp/elsewhere")"
mkdir -p "$tmp/trap2"
ln -s "$tmp/elsewhere/x" "$tmp/trap2/empty"
expect_exit 3 "$LPACK" extract "$tmp/p.lpk" -C "$tmp/trap2"
check 'a dangling link at a file name is not followed' test ! -e "$tmp/elsewhere/x"
done_testing
