#!/bin/sh
# Quick start: install what is missing, build, compile the shipped example
# curriculum (Tetum and Portuguese) into a package, verify it and show what
# it holds.
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
lpc/lpc build ../examples/tetum-math -o ../out/tetum-math.lpk
lpack/lpack verify ../out/tetum-math.lpk
lpack/lpack info ../out/tetum-math.lpk
lpack/lpack ls -l ../out/tetum-math.lpk
