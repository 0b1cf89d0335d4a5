#!/bin/sh
# manpages.sh - TAP test: the man pages are lint-clean, and man/lpack.1
# documents every long option that "lpack COMMAND --help" prints.
#
# Environment (set by "make check"; defaults for running it by hand):
#   top_srcdir  source tree (default: two folders up from this script)
#   LPACK       the lpack program (default: $top_srcdir/lpack/lpack)

LC_ALL=C
export LC_ALL

if [ -z "${top_srcdir:-}" ]; then
    top_srcdir=$(cd "$(dirname "$0")/../.." && pwd) || exit 99
fi
LPACK=${LPACK:-$top_srcdir/lpack/lpack}
commands="create info ls cat extract verify keygen sign manifest sign-manifest attach trust delta apply serve"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/manpages.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' 0
trap 'exit 99' HUP INT PIPE TERM

n=0
failed=0
ok() {
    n=$((n + 1))
    echo "ok $n - $1"
}
not_ok() {
    n=$((n + 1))
    failed=1
    echo "not ok $n - $1"
}
skip() {
    n=$((n + 1))
    echo "ok $n - $1 # SKIP $2"
}
# Print a file as TAP diagnostics.
diag() {
    sed 's/^/# /' "$1"
}

# ---------------------------------------------------------------- plan
npages=0
for page in "$top_srcdir"/man/*.[15]; do
    [ -f "$page" ] && npages=$((npages + 1))
done
if [ "$npages" -eq 0 ]; then
    ntests=1
else
    ntests=$npages
fi
# one test: one release date and version on every page
ntests=$((ntests + 1))
# one test for "lpack --help", one per command
for cmd in "" $commands; do
    ntests=$((ntests + 1))
done
echo "1..$ntests"

# ---------------------------------------------------------------- (a) lint
have_groff=no
if command -v groff >/dev/null 2>&1 &&
   printf '.TH T 1\n.SH NAME\nt \\- t\n' | groff -man -z >/dev/null 2>&1; then
    have_groff=yes
fi

if [ "$npages" -eq 0 ]; then
    not_ok "man pages exist in $top_srcdir/man"
fi
for page in "$top_srcdir"/man/*.[15]; do
    [ -f "$page" ] || continue
    name="man/${page##*/}"
    if [ "$have_groff" = no ]; then
        skip "groff -man -ww -z $name" "groff with the man macros is not installed"
        continue
    fi
    if groff -man -ww -z "$page" >"$tmp/lint" 2>&1 && [ ! -s "$tmp/lint" ]; then
        ok "groff -man -ww -z $name: no warnings"
    else
        not_ok "groff -man -ww -z $name: no warnings"
        diag "$tmp/lint"
    fi
done

# ---------------------------------------------------------------- (a2) dates
# Every page's title line, ".TH NAME SECTION DATE "lp VERSION" ...", names
# the same release: one date on all of them, and the version configure
# gives (PACKAGE_VERSION, in config.h; lpack --version prints it).
version=
if [ -x "$LPACK" ]; then
    version=$("$LPACK" --version | sed -n '1s/^lpack \([^ ]*\).*/\1/p')
fi
: >"$tmp/th"
for page in "$top_srcdir"/man/*.[15]; do
    [ -f "$page" ] || continue
    sed -n 's/^\.TH [^ ]* [0-9] \([^ ]*\) "\([^"]*\)".*/\1 \2/p' "$page" |
        head -n 1 | sed "s|^|${page##*/} |" >>"$tmp/th"
done
ndates=$(cut -d' ' -f2 "$tmp/th" | sort -u | wc -l)
nversions=$(cut -d' ' -f3- "$tmp/th" | sort -u | wc -l)
if [ "$(wc -l <"$tmp/th")" -eq "$npages" ] && [ "$ndates" -eq 1 ] &&
   [ "$nversions" -eq 1 ] &&
   { [ -z "$version" ] || grep -q " lp $version\$" "$tmp/th"; }; then
    ok "every man page carries one release: $(head -n 1 "$tmp/th" | cut -d' ' -f2-)"
else
    not_ok "every man page carries one release date and version (lp ${version:-?})"
    diag "$tmp/th"
fi

# ---------------------------------------------------------------- (b) options
# The page's source with roff escapes for dashes and fonts removed, so that
# "\fB\-\-level\fR" reads "--level".
man1="$top_srcdir/man/lpack.1"
if [ -f "$man1" ]; then
    sed -e 's/\\-/-/g' -e 's/\\&//g' -e 's/\\%//g' \
        -e 's/\\f[BIRPC]//g' -e 's/\\f([A-Z][A-Z]//g' -e 's/\\f\[[^]]*\]//g' \
        "$man1" >"$tmp/lpack.1.txt"
fi

for cmd in "" $commands; do
    what="lpack${cmd:+ $cmd} --help"
    if [ ! -f "$man1" ]; then
        not_ok "$what: options documented (man/lpack.1 is missing)"
        continue
    fi
    if [ ! -x "$LPACK" ]; then
        skip "$what: options documented in man/lpack.1" "$LPACK is not built"
        continue
    fi
    # $cmd is unquoted on purpose: empty for the top-level help.
    if ! "$LPACK" $cmd --help >"$tmp/help" 2>"$tmp/err" || [ ! -s "$tmp/help" ]; then
        not_ok "$what: exits 0 and prints help on stdout"
        diag "$tmp/err"
        continue
    fi
    # Every long option: split the help into words of [A-Za-z0-9-], keep
    # those that start with "--" and a letter or digit.
    tr -c 'A-Za-z0-9-' '\n' <"$tmp/help" | grep -e '^--[A-Za-z0-9]' |
        sort -u >"$tmp/opts"
    : >"$tmp/missing"
    while read -r opt; do
        if ! grep -E -e "${opt}([^A-Za-z0-9-]|\$)" "$tmp/lpack.1.txt" >/dev/null
        then
            echo "$opt" >>"$tmp/missing"
        fi
    done <"$tmp/opts"
    if [ -s "$tmp/missing" ]; then
        not_ok "$what: options documented in man/lpack.1"
        echo "# not in man/lpack.1:"
        diag "$tmp/missing"
    else
        ok "$what: options documented in man/lpack.1 ($(wc -l <"$tmp/opts" | tr -d ' ') found)"
    fi
done

exit $failed
