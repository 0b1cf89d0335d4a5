#!/bin/sh
# runtime-lib.sh - liblp-runtime, the library phones carry (README, "A
# runtime library"), holds reading, verifying, signatures, trust and deltas,
# and links none of what only the curriculum compiler needs: no libxml2, no
# libyaml, no ICU i18n.  (tests/unit/test_pkgread is linked against it, so
# it also works.)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
so=$top_builddir/liblp/.libs/liblp-runtime.so
if [ ! -f "$so" ]; then
    plan 1
    skip "liblp-runtime.so" "no shared library in this build (--disable-shared)"
    exit 0
fi
command -v readelf >/dev/null 2>&1 || bail_out "readelf is needed (binutils)"
plan 4
readelf -d "$so" >"$out" 2>"$err"
if grep -E 'NEEDED.*(libxml2|libyaml|libicui18n|libicuio)' "$out" >"$tmp/bad"
then
    not_ok "links no compiler-only library"
    sed 's/^/# /' "$tmp/bad"
else
    ok "links no compiler-only library"
fi
readelf --dyn-syms -W "$so" | awk '$5 == "GLOBAL" && $7 != "UND" { print $8 }' |
    sed 's/@.*//' | sort >"$tmp/syms"
missing=""
for s in lp_package_open lp_package_open_fd lp_package_share lp_entry_read_at \
         lp_entry_data_offset lp_package_verify lp_package_check_trust \
         lp_delta_open lp_delta_apply lp_writer_new lp_render_lesson \
         lp_render_site; do
    grep -qx "$s" "$tmp/syms" || missing="$missing $s"
done
check "exports the reading, verifying, trust, delta and page API" [ -z "$missing" ]
[ -z "$missing" ] || diag "missing:$missing"
check "exports no compiler function" sh -c "! grep -q '^lp_project_' '$tmp/syms'"
check "exports only lp_ symbols" sh -c "! grep -qv '^lp_' '$tmp/syms'"
