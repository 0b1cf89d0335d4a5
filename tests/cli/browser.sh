#!/bin/sh
# browser.sh - TAP test: the pages of `lpack html` in a real browser.
#
# Three static sites (a Khmer fixture, the Arabic and the Amharic
# examples) are served from 127.0.0.1 by tests/cli/httpd.py and opened in
# Debian's headless chromium, which runs tests/cli/browser_harness.html:
# each page has the right lang and dir, every image loads, activities are
# marked right and wrong by lp.js (with Khmer and Arabic-Indic digits),
# and the display mode pages with the arrow keys (the other way round in
# Arabic); a fourth (the physics example) has mathematics, which chromium
# lays out natively.  A few screenshots are kept in the build folder
# (tests/cli/browser-*.png) to look at.  Skips when chromium or the Noto
# fonts (tools/deps.sh) are missing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

LPC=${LPC:-$top_builddir/lpc/lpc}
chrome=$(command -v chromium || command -v chromium-browser) || {
    echo "1..0 # SKIP chromium is not installed (tools/deps.sh installs it)"
    exit 0
}
command -v python3 >/dev/null 2>&1 || bail_out "python3 is needed"
if ! command -v fc-list >/dev/null 2>&1 ||
   ! fc-list | grep -q "Noto Sans Khmer"; then
    echo "1..0 # SKIP fonts-noto-core is not installed (tools/deps.sh)"
    exit 0
fi

www=$tmp/www
mkdir -p "$www" || bail_out "cannot make $www"
for site in km:"$fixtures/khmer-math" ar:"$top_srcdir/examples/arabic-science" \
            am:"$top_srcdir/examples/amharic-english" \
            ph:"$top_srcdir/examples/college-physics"; do
    name=${site%%:*}
    "$LPC" build -q "${site#*:}" -o "$tmp/$name.lpk" >"$err" 2>&1 ||
        bail_out "lpc build ${site#*:}: $(cat "$err")"
    expect_exit 0 "$LPACK" html "$tmp/$name.lpk" -o "$www/$name"
done
cp "$top_srcdir/tests/cli/browser_harness.html" "$www/harness.html" ||
    bail_out "no harness"

# What the harness checks: pages, activities (a wrong answer, then a right
# one), display mode (a key, and the screen it must show)
cat >"$www/cases.js" <<'EOF'
window.CASES = [
  { kind: 'page', url: 'km/index.html', lang: 'km', dir: 'ltr', text: 'ខ្មែរ' },
  { kind: 'page', url: 'km/km/index.html', lang: 'km', dir: 'ltr', text: 'មេរៀនទី ១' },
  { kind: 'page', url: 'km/km/counting.html', lang: 'km', dir: 'ltr', images: 1, body: 'km' },
  { kind: 'page', url: 'km/en/counting.html', lang: 'en', dir: 'ltr', images: 1, body: 'en' },
  { kind: 'page', url: 'ar/ar/index.html', lang: 'ar', dir: 'rtl' },
  { kind: 'page', url: 'ar/ar/water-cycle.html', lang: 'ar', dir: 'rtl', images: 1, body: 'ar' },
  { kind: 'page', url: 'ar/fr/water-cycle.html', lang: 'fr', dir: 'ltr', images: 1 },
  { kind: 'page', url: 'am/am/index.html', lang: 'am', dir: 'ltr' },
  { kind: 'page', url: 'am/am/washing-hands.html', lang: 'am', dir: 'ltr', images: 1, body: 'am' },
  { kind: 'page', url: 'am/en/clean-water.html', lang: 'en', dir: 'ltr' },
  { kind: 'activity', url: 'km/km/counting.html', index: 0, wrong: 'a', right: 'b' },
  { kind: 'activity', url: 'km/km/counting.html', index: 1, wrong: '\u17e4', right: '\u17e5' },
  { kind: 'activity', url: 'ar/ar/water-cycle.html', index: 0, wrong: 'a', right: 'b' },
  { kind: 'activity', url: 'ar/ar/water-cycle.html', index: 1, wrong: 'false', right: 'true' },
  { kind: 'activity', url: 'ar/ar/water-cycle.html', index: 2, wrong: '\u0664', right: ' \u0663 ' },
  { kind: 'activity', url: 'ar/ar/water-cycle.html', index: 3, wrong: 'المطر', right: '  الغيوم ' },
  { kind: 'activity', url: 'am/am/washing-hands.html', index: 0, wrong: 'b', right: 'a' },
  { kind: 'activity', url: 'am/am/washing-hands.html', index: 2, wrong: '6', right: '5,0' },
  { kind: 'display', url: 'am/am/washing-hands.display.html',
    keys: [['ArrowRight', 's2'], ['ArrowRight', 's3'], ['ArrowLeft', 's2'], ['PageDown', 's3']] },
  { kind: 'display', url: 'ar/ar/water-cycle.display.html',
    keys: [['ArrowLeft', 's2'], ['ArrowLeft', 's3'], ['ArrowRight', 's2'], ['ArrowDown', 's3']] },
  { kind: 'math', url: 'ph/en/problem-solving.html', min: 4 }
];
EOF

# the server: a free port on 127.0.0.1, stopped (by its pid) at the end
python3 "$top_srcdir/tests/cli/httpd.py" "$www" "$tmp/control" "$tmp/port" \
    "$tmp/httpd.log" >"$tmp/httpd.out" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; chmod -R u+rwx "$_tap_root" 2>/dev/null; rm -rf "$_tap_root"' EXIT
for _ in $(seq 100); do
    [ -s "$tmp/port" ] && break
    sleep 0.1
done
port=$(cat "$tmp/port" 2>/dev/null) || bail_out "the server did not start"
base=http://127.0.0.1:$port

browse() {
    timeout 120 "$chrome" --headless --no-sandbox --disable-gpu \
        --no-first-run --no-default-browser-check --disable-extensions \
        --user-data-dir="$tmp/chrome" --lang=en-US "$@" 2>>"$tmp/chrome.log"
}

browse --window-size=1300,800 --virtual-time-budget=60000 --dump-dom \
    "$base/harness.html" >"$tmp/dom.html"
# the harness's lines, as TAP
sed -n '/<pre id="out">/,/END/p' "$tmp/dom.html" |
    sed -e 's/^.*<pre id="out">//' -e 's/&quot;/"/g' -e 's/&lt;/</g' \
        -e 's/&gt;/>/g' -e 's/&amp;/\&/g' >"$tmp/results"
while IFS= read -r line; do
    case $line in
    "ok "*) ok "${line#ok }" ;;
    "not ok "*) not_ok "${line#not ok }" ;;
    END*) ;;
    *) [ -n "$line" ] && diag "$line" ;;
    esac
done <"$tmp/results"
if ! grep -q '^END' "$tmp/results"; then
    not_ok "the harness ran to its end" "$(tail -5 "$tmp/chrome.log")"
fi

# Screenshots to look at: a phone in Khmer and in Arabic, the TV in Amharic
shots=$top_builddir/tests/cli
for shot in km-phone:390,844:km/km/counting.html \
            ar-phone:390,844:ar/ar/water-cycle.html \
            am-display:1280,720:am/am/washing-hands.display.html \
            ar-catalog:390,700:ar/ar/index.html; do
    name=${shot%%:*}
    rest=${shot#*:}
    rm -f "$shots/browser-$name.png"
    browse --window-size="${rest%%:*}" --hide-scrollbars \
        --screenshot="$shots/browser-$name.png" "$base/${rest#*:}" \
        >/dev/null 2>&1
    check "screenshot browser-$name.png" test -s "$shots/browser-$name.png"
done
done_testing
