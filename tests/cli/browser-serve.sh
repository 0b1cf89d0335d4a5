#!/bin/sh
# browser-serve.sh - TAP test: the pages of a real `lpack serve` in a real
# browser.
#
# A Khmer fixture (with a video), the Arabic and the Amharic examples are
# served by lpack serve on 127.0.0.1; tests/cli/proxy.py puts the harness
# (tests/cli/browser_serve.html) on the same origin, passing every other
# request to the hub untouched, and Debian's headless chromium runs it:
# each page has the right lang and dir and every image loads; activities
# are posted to the hub and come back marked right and wrong (no
# JavaScript needed); the video seeks (the hub answers its range
# requests, seen in the proxy's log); an upload gets a receipt and an
# oversize one is refused; display mode pages with the arrow keys.  The
# video is recorded by the browser itself (MediaRecorder) at the start.
# Two screenshots are kept in the build folder (tests/cli/browser-*.png,
# removed by make clean).  Skips when chromium or the Noto fonts
# (tools/deps.sh) are missing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

LPC=${LPC:-$top_builddir/lpc/lpc}
chrome=$(command -v chromium || command -v chromium-browser) || {
    echo "1..0 # SKIP chromium is not installed (tools/deps.sh installs it)"
    exit 0
}
command -v python3 >/dev/null 2>&1 || bail_out "python3 is needed"
command -v curl >/dev/null 2>&1 || bail_out "curl is needed"
if ! command -v fc-list >/dev/null 2>&1 ||
   ! fc-list | grep -q "Noto Sans Khmer"; then
    echo "1..0 # SKIP fonts-noto-core is not installed (tools/deps.sh)"
    exit 0
fi
rootopt=
[ "$(id -u)" -eq 0 ] && rootopt=--allow-root

www=$tmp/www
mkdir -p "$www" || bail_out "cannot make $www"
cp "$top_srcdir/tests/cli/browser_serve.html" "$www/harness.html" ||
    bail_out "no harness"

# the same-origin front, on a free port; lpack serve's address goes into
# $tmp/upstream once it listens
hub=
chromepid=
python3 "$top_srcdir/tests/cli/proxy.py" "$www" "$tmp/upstream" \
    "$tmp/proxyport" "$tmp/proxy.log" >"$tmp/proxy.out" 2>&1 &
proxy=$!
trap 'kill $proxy $hub $chromepid 2>/dev/null; chmod -R u+rwx "$_tap_root" 2>/dev/null; rm -rf "$_tap_root"' EXIT
for _ in $(seq 100); do
    [ -s "$tmp/proxyport" ] && break
    sleep 0.1
done
pport=$(cat "$tmp/proxyport" 2>/dev/null) || bail_out "the proxy did not start"
front=http://127.0.0.1:$pport

# run_chrome URL FILE: open URL in headless chromium until the page has
# posted FILE to the proxy (4 minutes at most, for a loaded machine)
run_chrome() {
    rm -f "$www/$2"
    "$chrome" --headless --no-sandbox --disable-gpu --no-first-run \
        --no-default-browser-check --disable-extensions \
        --disable-popup-blocking --autoplay-policy=no-user-gesture-required \
        --user-data-dir="$tmp/chrome" --lang=en-US --window-size=1280,800 \
        "$1" >/dev/null 2>>"$tmp/chrome.log" &
    chromepid=$!
    for _ in $(seq 1200); do
        [ -s "$www/$2" ] && break
        kill -0 "$chromepid" 2>/dev/null || break
        sleep 0.2
    done
    kill "$chromepid" 2>/dev/null
    wait "$chromepid" 2>/dev/null
    chromepid=
    test -s "$www/$2"
}

# ---- a video, recorded by the browser (Debian ships none small enough)
cat >"$www/record.html" <<'EOF'
<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>record</title></head>
<body><canvas id="c" width="320" height="240"></canvas><script>
var c = document.getElementById('c'), g = c.getContext('2d'), n = 0, parts = [];
function draw() {
  g.fillStyle = 'hsl(' + (n * 7 % 360) + ',70%,45%)'; g.fillRect(0, 0, 320, 240);
  g.fillStyle = '#fff'; g.font = '80px sans-serif'; g.fillText(String(n++), 100, 150);
}
var rec = new MediaRecorder(c.captureStream(25),
                            { mimeType: 'video/webm', videoBitsPerSecond: 2000000 });
rec.ondataavailable = function (e) { if (e.data.size) parts.push(e.data); };
rec.onstop = function () {
  fetch('/t/save/clip.webm', { method: 'POST', body: new Blob(parts) });
};
var timer = setInterval(draw, 40);
draw();
rec.start(250);
setTimeout(function () { rec.stop(); clearInterval(timer); }, 4000);
</script></body></html>
EOF
run_chrome "$front/t/record.html" clip.webm ||
    bail_out "chromium recorded no video: $(tail -3 "$tmp/chrome.log")"
kmsrc=$tmp/khmer
cp -R "$fixtures/khmer-math" "$kmsrc" || bail_out "cannot copy the fixture"
python3 "$top_srcdir/tests/cli/webm_duration.py" "$www/clip.webm" \
    "$kmsrc/media/clip.webm" >"$tmp/webm.out" 2>&1 ||
    bail_out "cannot fix the video: $(cat "$tmp/webm.out")"
diag "video: $(wc -c <"$kmsrc/media/clip.webm") bytes, $(cat "$tmp/webm.out")"
# the video after the picture, in the Khmer body; listed with the media
sed -i 's|^\(          - image:\)$|          - video: {src: ../media/clip.webm, title: វីដេអូ}\n\1|' \
    "$kmsrc/lessons/counting.yaml"
cat >>"$kmsrc/curriculum.yaml" <<'EOF'
    - asset:
        src: media/clip.webm
        spdx: CC0-1.0
        attribution: Recorded by tests/cli/browser-serve.sh
EOF
check 'the Khmer lesson has a video' grep -q 'clip.webm' "$kmsrc/lessons/counting.yaml"

for site in km:"$kmsrc" ar:"$top_srcdir/examples/arabic-science" \
            am:"$top_srcdir/examples/amharic-english"; do
    name=${site%%:*}
    "$LPC" build -q "${site#*:}" -o "$tmp/$name.lpk" >"$err" 2>&1 ||
        bail_out "lpc build ${site#*:}: $(cat "$err")"
done

# ---- the hub
"$LPACK" serve --listen 127.0.0.1:0 $rootopt --data "$tmp/data" \
    --upload-rate 100M "$tmp/km.lpk" "$tmp/ar.lpk" "$tmp/am.lpk" \
    2>"$tmp/hub.log" &
hub=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's/.* on port \([0-9][0-9]*\)$/\1/p' "$tmp/hub.log")
    [ -n "$port" ] && break
    kill -0 "$hub" 2>/dev/null || break
    sleep 0.1
done
[ -n "$port" ] || bail_out "lpack serve did not start: $(cat "$tmp/hub.log")"
echo "127.0.0.1:$port" >"$tmp/upstream"
km=/kh.test.math
ar=/ma.men.sciences-primaire
am=/et.moe.health-primary

# What the harness checks
cat >"$www/cases.js" <<EOF
window.CASES = [
  { kind: 'page', url: '$km/km/', lang: 'km', dir: 'ltr', text: 'មេរៀនទី ១' },
  { kind: 'page', url: '$km/km/counting', lang: 'km', dir: 'ltr', images: 1, body: 'km' },
  { kind: 'page', url: '$km/en/counting', lang: 'en', dir: 'ltr', images: 1, body: 'en' },
  { kind: 'page', url: '$ar/ar/', lang: 'ar', dir: 'rtl' },
  { kind: 'page', url: '$ar/ar/water-cycle', lang: 'ar', dir: 'rtl', images: 1, body: 'ar' },
  { kind: 'page', url: '$ar/fr/water-cycle', lang: 'fr', dir: 'ltr', images: 1 },
  { kind: 'page', url: '$am/am/', lang: 'am', dir: 'ltr' },
  { kind: 'page', url: '$am/am/washing-hands', lang: 'am', dir: 'ltr', images: 1, body: 'am' },
  { kind: 'answer', url: '$km/km/counting', index: 0, value: 'a', mark: 'wrong' },
  { kind: 'answer', url: '$km/km/counting', index: 0, value: 'b', mark: 'right' },
  { kind: 'answer', url: '$km/km/counting', index: 1, value: '\u17e5', mark: 'right' },
  { kind: 'answer', url: '$ar/ar/water-cycle', index: 0, value: 'a', mark: 'wrong' },
  { kind: 'answer', url: '$ar/ar/water-cycle', index: 2, value: ' \u0663 ', mark: 'right' },
  { kind: 'answer', url: '$ar/ar/water-cycle', index: 3, value: '  الغيوم ', mark: 'right' },
  { kind: 'answer', url: '$am/am/washing-hands', index: 0, value: 'a', mark: 'right' },
  { kind: 'answer', url: '$am/am/washing-hands', index: 2, value: '6', mark: 'wrong' },
  { kind: 'video', url: '$km/km/counting', seek: 2.5 },
  { kind: 'upload', url: '$am/am/washing-hands', size: 20000, stored: true },
  { kind: 'upload', url: '$am/am/washing-hands', size: 5 * 1024 * 1024 + 1, stored: false },
  { kind: 'display', url: '$am/am/washing-hands/display',
    keys: [['ArrowRight', 's2'], ['ArrowRight', 's3'], ['ArrowLeft', 's2']] },
  { kind: 'display', url: '$ar/ar/water-cycle/display',
    keys: [['ArrowLeft', 's2'], ['ArrowLeft', 's3'], ['ArrowRight', 's2']] }
];
EOF

run_chrome "$front/t/harness.html" results.txt ||
    not_ok "the harness ran to its end" "$(tail -5 "$tmp/chrome.log")"
while IFS= read -r line; do
    case $line in
    "ok "*) ok "${line#ok }" ;;
    "not ok "*) not_ok "${line#not ok }" ;;
    END*) ;;
    *) [ -n "$line" ] && diag "$line" ;;
    esac
done <"$www/results.txt"
[ -s "$www/results.txt" ] && ! grep -q '^END' "$www/results.txt" &&
    not_ok "the harness ran to its end"

# what went over the wire, as the hub answered it
check 'the video was fetched by ranges, answered 206 by the hub' \
    grep -q '^GET /kh.test.math/o/[0-9a-f]* 206 bytes=' "$tmp/proxy.log"
check 'the answers were posted to the hub' \
    grep -q '^POST /kh.test.math/km/counting/check 200' "$tmp/proxy.log"
check 'the hub logged the upload and the refusal' sh -c \
    "grep -q '\"POST $am/am/washing-hands/assignment/draw-washing-hands\" 201' '$tmp/hub.log' &&
     grep -q '\"POST $am/am/washing-hands/assignment/draw-washing-hands\" 413' '$tmp/hub.log'"
check 'one submission stored' test "$(ls "$tmp/data/objects" | wc -l)" -eq 1

# Screenshots to look at: a Khmer lesson on a phone, an Arabic one marked
shots=$top_builddir/tests/cli
mkdir -p "$shots"
for shot in serve-km-phone:390,844:"$km/km/counting" \
            serve-ar-phone:390,844:"$ar/ar/water-cycle"; do
    name=${shot%%:*}
    rest=${shot#*:}
    rm -f "$shots/browser-$name.png"
    timeout 120 "$chrome" --headless --no-sandbox --disable-gpu \
        --no-first-run --user-data-dir="$tmp/chrome" --hide-scrollbars \
        --window-size="${rest%%:*}" --screenshot="$shots/browser-$name.png" \
        "$front${rest#*:}" >/dev/null 2>>"$tmp/chrome.log"
    check "screenshot browser-$name.png" test -s "$shots/browser-$name.png"
done
kill "$hub"
wait "$hub"
check 'the hub stops cleanly' test $? -eq 0
hub=
done_testing
