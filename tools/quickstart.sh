#!/bin/sh
# Quick start: install what is missing, build, install lpack, lpc, liblp
# and the man pages under /usr/local (so that a new shell has them on the
# PATH and "man lpack" works), then compile the shipped example curriculum
# (Tetum and Portuguese) into a package, verify it and show what it holds.
# Run as root.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tools/deps.sh
[ -x configure ] || ./autogen.sh >/dev/null 2>&1
mkdir -p _build
cd _build
[ -f Makefile ] || ../configure -q
make -j2 >/dev/null
make install >/dev/null
ldconfig
# the installed tools, as a new shell finds them
PATH=/usr/local/bin:$PATH
for tool in lpack lpc; do
    if [ "$(command -v $tool)" != "/usr/local/bin/$tool" ]; then
        echo "lp: $tool was not installed in /usr/local/bin" >&2
        exit 1
    fi
done
echo "lp: installed lpack and lpc in /usr/local/bin (man lpack, man lpc)" >&2
mkdir -p ../out
lpc build ../examples/tetum-math -o ../out/tetum-math.lpk
lpack verify ../out/tetum-math.lpk
lpack info ../out/tetum-math.lpk
lpack ls -l ../out/tetum-math.lpk
