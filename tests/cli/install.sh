#!/bin/sh
# install.sh - TAP test: what "make install" installs (tools/quickstart.sh
# runs it, to /usr/local): the tools, the library, its header and
# pkg-config file, the schema and the man pages, where a new shell and
# man(1) find them; and the installed tools run.  Installed here under
# DESTDIR, never on the system.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

dest=$tmp/dest
# the build's own make, its flags not inherited from make check
run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" install DESTDIR="$dest"
if [ "$status" -ne 0 ]; then
    not_ok "make install DESTDIR=..." "$(tail -n 20 "$err")"
    done_testing
fi
ok "make install DESTDIR=..."
prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
root=$dest$prefix
(cd "$root" && find . -type f -o -type l | sed 's|^\./||' | sort) >"$tmp/files"
diag "installed under $prefix: $(tr '\n' ' ' <"$tmp/files")"
for f in bin/lpack bin/lpc include/lp.h lib/liblp.so lib/liblp.a \
         lib/pkgconfig/liblp.pc share/lp/schemas/curriculum.xsd \
         share/man/man1/lpack.1 share/man/man1/lpc.1 share/man/man5/lpk.5 \
         share/man/man5/lpd.5 share/man/man5/lp-trust.5 \
         share/man/man5/lp-curriculum.5; do
    check "installs $f" grep -qx "$f" "$tmp/files"
done
check 'every man page of man/ is installed' sh -c "
    for p in '$top_srcdir'/man/*.[1-8]; do
        n=\${p##*/}; grep -qx \"share/man/man\${n##*.}/\$n\" '$tmp/files' || exit 1
    done"

# the installed tools run, with the installed library
LD_LIBRARY_PATH=$root/lib
export LD_LIBRARY_PATH
expect_exit 0 "$root/bin/lpack" --version
check 'installed lpack runs' has "$out" "lpack "
expect_exit 0 "$root/bin/lpc" check "$top_srcdir/examples/tetum-math"
if command -v man >/dev/null 2>&1; then
    run env MANPATH="$root/share/man" MANPAGER=cat PAGER=cat man lpack
    check 'man lpack finds the installed page' sh -c "test $status -eq 0 && grep -q 'lpack' '$out'"
else
    skip 'man lpack finds the installed page' 'man-db is not installed (tools/deps.sh)'
fi
done_testing
