#!/bin/sh
# Replay the fuzz corpora and deterministic mutations of them through the
# fuzz targets (built as plain programs).  Under ASan/UBSan in CI, any
# memory error aborts the target and fails the test.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
plan 14
fuzz=$top_builddir/tests/fuzz
corpus=$top_srcdir/tests/fuzz/corpus
expect_exit 0 "$fuzz/fuzz_manifest" -m 2000 "$corpus/manifest"
diag "$(cat "$out")"
expect_exit 0 "$fuzz/fuzz_package" -m 300 "$corpus/package"
diag "$(cat "$out")"
expect_exit 0 "$fuzz/fuzz_sig" -m 3000 "$corpus/sig"
diag "$(cat "$out")"
expect_exit 0 "$fuzz/fuzz_key" -m 3000 "$corpus/key"
diag "$(cat "$out")"
expect_exit 0 "$fuzz/fuzz_trust" -m 3000 "$corpus/trust"
diag "$(cat "$out")"
expect_exit 0 "$fuzz/fuzz_source" -m 200 "$corpus/source"
diag "$(cat "$out")"
# the compiled catalog and lesson documents (hostile JSON: deep, huge,
# wrong types), through the public API
expect_exit 0 "$fuzz/fuzz_catalog" -m 2000 "$corpus/catalog"
diag "$(cat "$out")"
expect_exit 0 "$fuzz/fuzz_lesson" -m 1000 "$corpus/lesson"
diag "$(cat "$out")"
expect_exit 0 "$fuzz/fuzz_repo" -m 3000 "$corpus/repo"
diag "$(cat "$out")"
# the hub's header parsers
expect_exit 0 "$fuzz/fuzz_range" -m 3000 "$corpus/range"
diag "$(cat "$out")"
# JPEG XL objects: hostile streams rebuilt as JPEGs, hostile JPEGs kept
# (libjxl itself may print why it refuses a stream on stderr)
expect_exit 0 "$fuzz/fuzz_jxl" -m 150 "$corpus/jxl"
diag "$(tail -n 3 "$out")"
# lpc's build cache: whole entries and lesson payloads
expect_exit 0 "$fuzz/fuzz_cache" -m 300 "$corpus/cache"
diag "$(cat "$out")"
# deltas, applied to the base package the target makes; first without leak
# detection, so that any other error shows
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    expect_exit 0 "$fuzz/fuzz_delta" -m 100 "$corpus/delta"
diag "$(cat "$out")"
# and with leak detection (make check's ASAN_OPTIONS)
expect_exit 0 "$fuzz/fuzz_delta" -m 300 "$corpus/delta"
diag "$(cat "$out")"
done_testing
