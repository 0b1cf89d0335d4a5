#!/bin/sh
# usage.sh - lpack's command line: help, version, and every kind of usage
# error (exit 2, a message naming the problem on stderr, nothing on stdout).
# None of these touch a package: usage is checked before any file is read.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

commands='create info ls cat extract verify'

plan 202

# ------------------------------------------------------------------ help

expect_exit 0 "$LPACK" --help
check 'lpack --help prints usage on stdout' has "$out" 'usage: lpack'
check 'lpack --help prints nothing on stderr' is_empty "$err"
lists_all() {
    for c in $commands; do
        grep -q "^  $c " "$out" || return 1
    done
}
check 'lpack --help lists every command' lists_all
cp "$out" "$tmp/help"
expect_exit 0 "$LPACK" -h
check 'lpack -h is lpack --help' cmp -s "$out" "$tmp/help"
expect_exit 0 "$LPACK" help
check 'lpack help is lpack --help' cmp -s "$out" "$tmp/help"

for c in $commands; do
    expect_exit 0 "$LPACK" "$c" --help
    check "lpack $c --help prints usage on stdout" \
        has "$out" "usage: lpack $c "
    check "lpack $c --help prints nothing on stderr" is_empty "$err"
    cp "$out" "$tmp/help-$c"
    expect_exit 0 "$LPACK" "$c" -h
    check "lpack $c -h is lpack $c --help" cmp -s "$out" "$tmp/help-$c"
    expect_exit 0 "$LPACK" help "$c"
    check "lpack help $c is lpack $c --help" cmp -s "$out" "$tmp/help-$c"
done

# --------------------------------------------------------------- version

expect_exit 0 "$LPACK" --version
version=$(sed -n 's/^AC_INIT(\[lp\], \[\([^]]*\)\].*/\1/p' \
    "$top_srcdir/configure.ac")
libversion=$(sed -n 's/^#define LP_VERSION_STRING "\(.*\)"$/\1/p' \
    "$top_srcdir/liblp/lp.h")
printf 'lpack %s (liblp %s)\n' "$version" "$libversion" >"$tmp/version"
check "lpack --version prints 'lpack $version (liblp $libversion)'" \
    cmp -s "$out" "$tmp/version"
check 'lpack --version prints nothing on stderr' is_empty "$err"

# --------------------------------------------------------- usage errors

# usage_error TEXT CMD...: CMD exits 2, says TEXT on stderr, prints no
# usage on stdout (3 tests).
usage_error() {
    _text=$1
    shift
    expect_exit 2 "$@"
    check "  stderr says \"$_text\"" has "$err" "$_text"
    check '  stdout is empty' is_empty "$out"
}

pkg=$tmp/none.lpk   # never created: usage errors come before any I/O
dir=$tmp/src
mkdir "$dir"
echo hello >"$dir/a.txt"

# commands
usage_error 'lpack: missing command' "$LPACK"
usage_error "lpack: unknown command 'frobnicate'" "$LPACK" frobnicate
check '  with a hint' has "$err" "try 'lpack --help'"
usage_error "lpack: unknown option '--frob'" "$LPACK" --frob
usage_error "lpack: unknown command 'nosuch'" "$LPACK" help nosuch
usage_error "lpack: extra operand 'ls'" "$LPACK" help verify ls
usage_error "lpack: extra operand 'x'" "$LPACK" --version x

# options
usage_error "lpack info: unknown option '--frob'" "$LPACK" info --frob "$pkg"
usage_error "lpack ls: unknown option '-Z'" "$LPACK" ls -Z "$pkg"
usage_error "lpack info: option '--json' does not take a value" \
    "$LPACK" info --json=yes "$pkg"
usage_error "lpack extract: option '-C' requires a value" \
    "$LPACK" extract "$pkg" -C
usage_error "lpack create: option '--output' requires a value" \
    "$LPACK" create "$dir" --output
usage_error "lpack create: option '--l' is ambiguous" \
    "$LPACK" create "$dir" -o "$tmp/out.lpk" --l 3
usage_error "lpack ls: options '--long' and '--json' cannot be combined" \
    "$LPACK" ls -l --json "$pkg"

# operands
usage_error 'lpack create: missing folder operand' \
    "$LPACK" create -o "$tmp/out.lpk"
usage_error "lpack create: missing option '-o OUT.lpk'" "$LPACK" create "$dir"
usage_error 'lpack info: missing package operand' "$LPACK" info
usage_error 'lpack ls: missing package operand' "$LPACK" ls -l
usage_error 'lpack cat: missing package operand' "$LPACK" cat
usage_error 'lpack cat: missing path operand' "$LPACK" cat "$pkg"
usage_error 'lpack extract: missing package operand' "$LPACK" extract -C x
usage_error 'lpack verify: missing package operand' "$LPACK" verify -q
usage_error "lpack create: extra operand 'more'" \
    "$LPACK" create "$dir" more -o "$tmp/out.lpk"
usage_error "lpack info: extra operand 'more'" "$LPACK" info "$pkg" more
usage_error "lpack ls: extra operand 'more'" "$LPACK" ls "$pkg" more
usage_error "lpack cat: extra operand 'more'" "$LPACK" cat "$pkg" a.txt more
usage_error "lpack extract: extra operand 'more'" \
    "$LPACK" extract "$pkg" more
usage_error "lpack verify: extra operand 'more'" "$LPACK" verify "$pkg" more

# repeated options
usage_error "lpack create: option '--level' given twice" \
    "$LPACK" create "$dir" -o "$tmp/out.lpk" --level 3 --level 4
usage_error "lpack create: option '--output' given twice" \
    "$LPACK" create "$dir" -o "$tmp/a.lpk" --output "$tmp/b.lpk"
usage_error "lpack create: option '-o' given twice" \
    "$LPACK" create "$dir" -o "$tmp/a.lpk" -o "$tmp/b.lpk"
usage_error "lpack create: option '-q' given twice" \
    "$LPACK" create "$dir" -o "$tmp/out.lpk" -qq
usage_error "lpack ls: option '--long' given twice" \
    "$LPACK" ls -l --long "$pkg"
usage_error "lpack extract: option '-C' given twice" \
    "$LPACK" extract -C a "$pkg" -C b
usage_error "lpack extract: option '--directory' given twice" \
    "$LPACK" extract -C a "$pkg" --directory=b
usage_error "lpack verify: option '--json' given twice" \
    "$LPACK" verify --json "$pkg" --json

# numbers
bad_number() {
    usage_error "invalid value '$2' for '$1'" \
        "$LPACK" create "$dir" -o "$tmp/out.lpk" "$1" "$2"
}
bad_number --level 0
bad_number --level 20
bad_number --level x
bad_number --level ''
bad_number --level 3x
bad_number --level +3
bad_number --level ' 3'
bad_number --level 18446744073709551619
bad_number --threads -1
bad_number --threads 65
bad_number --release 0
bad_number --release 9223372036854775808
usage_error "lpack create: invalid value 'x' for '--level'" \
    "$LPACK" create "$dir" -o "$tmp/out.lpk" --level=x
usage_error "lpack verify: invalid value '-1' for '--threads'" \
    "$LPACK" verify --threads -1 "$pkg"
check 'a usage error writes no package' test ! -e "$tmp/out.lpk"

done_testing
