#!/bin/sh
# Quick start: install what is missing, build, and package the shipped
# example, then verify the package and show what it holds.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tools/deps.sh
[ -x configure ] || ./autogen.sh >/dev/null 2>&1
mkdir -p _build
cd _build
[ -f Makefile ] || ../configure -q
make -j2 >/dev/null
mkdir -p ../out
lpack/lpack create ../examples/tetum-numbers --id tl.moe.numbers \
    --release 1 --label "Example: numbers (Tetum, Portuguese)" \
    --lang "tet pt" -o ../out/tetum-numbers.lpk
lpack/lpack verify ../out/tetum-numbers.lpk
lpack/lpack info ../out/tetum-numbers.lpk
lpack/lpack ls -l ../out/tetum-numbers.lpk
