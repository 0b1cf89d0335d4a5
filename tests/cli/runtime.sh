#!/bin/sh
# The compiled curriculum as runtimes read it: every document lpc build
# writes for the shipped examples validates against the JSON Schemas in
# schemas/ (python3-jsonschema), hostile documents do not, and a Python
# ctypes consumer (tests/ctypes_consumer.py) lists a catalog and reads a
# lesson through the built liblp.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
plan 22
schemas=$top_srcdir/schemas
validate=$top_srcdir/tests/cli/validate_json.py
python3 -c 'import jsonschema' 2>/dev/null ||
    bail_out "python3-jsonschema is missing (tools/deps.sh installs it)"

for e in tetum-math arabic-science amharic-english college-physics; do
    expect_exit 0 "$LPC" build "$top_srcdir/examples/$e" -o "$tmp/$e.lpk"
    expect_exit 0 "$LPACK" extract "$tmp/$e.lpk" -C "$tmp/$e"
    docs=$(find "$tmp/$e/curriculum" -name '*.json' | sort)
    n=$(printf '%s\n' "$docs" | wc -l)
    # shellcheck disable=SC2086
    expect_exit 0 python3 "$validate" "$schemas" $docs
    check "$e: all $n compiled documents valid" has "$out" "$n of $n"
done
expect_exit 0 python3 "$validate" "$schemas" \
    "$top_srcdir"/tests/fixtures/runtime/*.json
expect_exit 0 python3 "$validate" --expect-invalid "$schemas" \
    "$top_srcdir/tests/fuzz/corpus/lesson/deep-inline.json" \
    "$top_srcdir/tests/fuzz/corpus/lesson/huge-number.json" \
    "$top_srcdir/tests/fuzz/corpus/catalog/wrong-types.json"

# the ctypes consumer, against the library just built (with the sanitizer
# runtimes first when the library was built with them)
lib=$top_builddir/liblp/.libs/liblp.so
preload=
if ldd "$lib" | grep -q libasan; then
    preload="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
fi
LD_PRELOAD=$preload ASAN_OPTIONS=detect_leaks=0 \
    expect_exit 0 python3 "$top_srcdir/tests/ctypes_consumer.py" "$lib" \
    "$tmp/tetum-math.lpk" "pt-BR,pt;q=0.9,en;q=0.5"
check 'ctypes: lessons listed in pt, teaching order' \
    grep -q '^numbers-01 Lição 1: Contar de um a dez pt$' "$out"
check 'ctypes: a lesson read, blocks and what it needs' \
    sh -c "grep -q '^h1 Contar de um a dez$' '$out' && grep -q '^needs [1-9][0-9]* bytes$' '$out'"
lines=$(wc -l <"$top_srcdir/tests/ctypes_consumer.py")
check "ctypes consumer is 30 lines or fewer ($lines)" test "$lines" -le 30
done_testing
