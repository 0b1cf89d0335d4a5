#!/bin/sh
# Install the Debian packages lp needs to build, test and benchmark, if any
# are missing.  Run as root (or it prints the apt-get line to run).
set -eu
pkgs="gcc g++ make autoconf automake libtool pkg-config
libzip-dev libzstd-dev libsodium-dev libxml2-dev libyaml-dev libicu-dev
libjson-c-dev libjxl-dev libjxl-tools python3-jsonschema libcmocka-dev libcurl4-openssl-dev libmicrohttpd-dev zlib1g-dev zstd unzip python3 libxml2-utils minisign groff-base time
man-db jq
chromium fonts-noto-core"
# (chromium and fonts-noto-core: the pages in a real browser,
# tests/cli/browser.sh, which skips without them)
# --bench: also the peers bench/delta.sh measures lpack delta against, and
# wrk and nginx for bench/serve.sh (only for those benchmarks: building,
# testing and CI do not need them)
case "${1:-}" in
"") ;;
--bench) pkgs="$pkgs xdelta3 bsdiff zchunk wrk nginx-light" ;;
*) echo "usage: tools/deps.sh [--bench]" >&2; exit 2 ;;
esac
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "lp: missing packages:$missing" >&2
    echo "lp: run as root: apt-get install -y$missing" >&2
    exit 1
fi
echo "lp: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
