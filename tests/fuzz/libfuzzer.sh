#!/bin/sh
# Build the fuzz targets with clang's libFuzzer, ASan and UBSan, and run one:
#   tests/fuzz/libfuzzer.sh package [SECONDS]
#   tests/fuzz/libfuzzer.sh manifest [SECONDS]
#   tests/fuzz/libfuzzer.sh sig|key|trust [SECONDS]
#   tests/fuzz/libfuzzer.sh source [SECONDS]    (curriculum sources)
#   tests/fuzz/libfuzzer.sh delta [SECONDS]     (deltas, lpd(5))
# Needs clang and libclang-rt-14-dev (Debian).  Findings go to
# _fuzz/crash-*; add a fixed crash to tests/fuzz/corpus/<target>/.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
target=${1:?usage: libfuzzer.sh package|manifest|sig|key|trust|source|delta [SECONDS]}
secs=${2:-60}
out=$top/_fuzz
mkdir -p "$out/corpus-$target"
build=${BUILD_DIR:-$top/_build}
[ -f "$build/config.h" ] || { echo "configure once (tools/check.sh) or set BUILD_DIR" >&2; exit 2; }
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
incs="-I$build -I$top -I$top/liblp"
for part in "$top"/liblp/*/; do incs="$incs -I$part"; done
# shellcheck disable=SC2086
clang $flags -std=c11 -D_GNU_SOURCE $incs \
    "$top/tests/fuzz/fuzz_$target.c" "$top"/liblp/*/*.c \
    $(pkg-config --cflags --libs zlib libzstd libsodium libxml-2.0 yaml-0.1 icu-uc icu-i18n) \
    -lpthread \
    -o "$out/fuzz_$target"
cp -n "$top/tests/fuzz/corpus/$target"/* "$out/corpus-$target/" 2>/dev/null || true
cd "$out"
"./fuzz_$target" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=512 \
    "corpus-$target"
