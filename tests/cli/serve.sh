#!/bin/sh
# lpack serve: a real server on 127.0.0.1 (a free port), driven with curl:
# pages and the language picker, Range requests (one, suffix, past the end,
# several), ETag and 304, immutable objects, traversal attempts, oversized
# headers, 1,000 idle connections and slow clients, lesson and package
# downloads, the activity check without JavaScript, uploads (receipt,
# oversize, quota), the teacher page, and a package replaced while served.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
command -v curl >/dev/null || bail_out "curl is needed"
command -v python3 >/dev/null || bail_out "python3 is needed"
idle=$top_srcdir/tests/cli/idle.py

rootopt=
[ "$(id -u)" -eq 0 ] && rootopt=--allow-root

# start LOG ARGS...: lpack serve in the background; sets pid and port
start() {
    _log=$1
    shift
    # shellcheck disable=SC2086
    "$LPACK" serve --listen 127.0.0.1:0 $rootopt "$@" 2>"$_log" &
    pid=$!
    port=
    for _i in $(seq 100); do
        port=$(sed -n 's/.* on port \([0-9][0-9]*\)$/\1/p' "$_log")
        [ -n "$port" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$port" ] || { cat "$_log" >&2; bail_out "lpack serve did not start"; }
    base=http://127.0.0.1:$port
}
stop() {
    kill "$pid" 2>/dev/null
    wait "$pid"
    status=$?
}
trap 'kill "$pid" 2>/dev/null' EXIT
# code URL [CURL ARGS...]: the status code alone, body to $out
code() {
    _u=$1
    shift
    curl -s -o "$out" -w '%{http_code}' --max-time 20 "$@" "$_u"
}
# is_code WANT URL [ARGS...]: a test
is_code() {
    _want=$1
    shift
    _got=$(code "$@")
    if [ "$_got" = "$_want" ]; then
        ok "$_want: $*"
    else
        not_ok "$_want: $*" "got $_got"
    fi
}

# the packages: the example curriculum, and files with one large entry
# (over 1 MiB: chunk hashes) to read by ranges
expect_exit 0 "$LPC" build "$top_srcdir/examples/tetum-math" -o "$tmp/math.lpk"
expect_exit 0 "$LPC" build "$top_srcdir/examples/arabic-science" -o "$tmp/ar.lpk"
mkdir -p "$tmp/files/docs" "$tmp/files2/docs"
head -c 3000000 /dev/urandom >"$tmp/files/big.bin"
head -c 3000000 /dev/urandom >"$tmp/files2/big.bin"
echo '<script>alert(1)</script>' >"$tmp/files/docs/page.html"
cp "$tmp/files/docs/page.html" "$tmp/files2/docs/page.html"
expect_exit 0 "$LPACK" create "$tmp/files" -o "$tmp/big1.lpk" --id t.big \
    --release 1 --label one --lang en
expect_exit 0 "$LPACK" create "$tmp/files2" -o "$tmp/big2.lpk" --id t.big \
    --release 2 --label two --lang en
cp "$tmp/big1.lpk" "$tmp/big.lpk"
printf 'a teacher secret 42\n' >"$tmp/token"

# refusals before serving
if [ "$(id -u)" -eq 0 ]; then
    expect_exit 2 "$LPACK" serve "$tmp/math.lpk"
    check 'root is refused without --user or --allow-root' has "$err" \
        "refusing to serve as root"
else
    skip 'root is refused without --user or --allow-root' 'not root'
    skip 'root refusal message' 'not root'
fi
expect_exit 2 "$LPACK" serve --listen nowhere "$tmp/math.lpk" $rootopt
expect_exit 1 "$LPACK" serve "$tmp/token" $rootopt
expect_exit 2 "$LPACK" serve --teacher-token-file "$tmp/token" \
    "$tmp/math.lpk" $rootopt

# a package cannot take a name of the hub's own pages
mkdir "$tmp/t"
echo x >"$tmp/t/x.txt"
expect_exit 0 "$LPACK" create "$tmp/t" -o "$tmp/teacher.lpk" --id teacher --release 1
expect_exit 1 "$LPACK" serve --listen 127.0.0.1:0 "$tmp/teacher.lpk" $rootopt
check "the hub's own names are refused" has "$err" "a name the hub uses"

start "$tmp/log" "$tmp/math.lpk" "$tmp/ar.lpk" "$tmp/big.lpk" --data "$tmp/data" \
    --quota 900K --upload-rate 200K --teacher-token-file "$tmp/token" \
    --timeout 3

# ---- pages and the language picker
is_code 200 "$base/"
check 'home lists both packages' sh -c \
    "grep -q 'href=\"/tl.moe.math-primary/\"' '$out' && grep -q 'href=\"/t.big/\"' '$out'"
is_code 303 "$base/tl.moe.math-primary/" -H 'Accept-Language: pt-BR,pt;q=0.9'
curl -s -D "$tmp/h" -o /dev/null -H 'Accept-Language: pt-BR,pt;q=0.9' \
    "$base/tl.moe.math-primary/"
check 'pt-BR picks pt (ICU matching)' grep -qi '^Location: /tl.moe.math-primary/pt/' "$tmp/h"
check 'the redirect varies by Accept-Language' grep -qi '^Vary: Accept-Language' "$tmp/h"
curl -s -D "$tmp/h" -o /dev/null -H 'Accept-Language: fr, en;q=0.5' \
    "$base/tl.moe.math-primary/"
check 'no match: the default language (tet)' grep -qi '^Location: /tl.moe.math-primary/tet/' "$tmp/h"
is_code 200 "$base/tl.moe.math-primary/pt/"
check 'catalog page in pt: lang and dir' grep -q '^<html lang="pt" dir="ltr">' "$out"
check 'catalog page: its title' grep -q '<title>Matemática para o ensino primário</title>' "$out"
check 'catalog links its lessons' grep -q 'href="/tl.moe.math-primary/pt/numbers-01">Lição 1: Contar de um a dez<' "$out"
check 'catalog links the other language, marked tet' \
    grep -q '<a lang="tet" dir="ltr" hreflang="tet" href="/tl.moe.math-primary/tet/">Tetun</a>' "$out"
check 'catalog: the style sheet and script of the hub' sh -c \
    "grep -q 'href=\"/lp.css\"' '$out' && grep -q 'src=\"/lp.js\"' '$out'"
cp "$out" "$tmp/catalog.html"
is_code 200 "$base/tl.moe.math-primary/languages"
check 'the language picker links each catalog' sh -c \
    "grep -q 'href=\"/tl.moe.math-primary/tet/\"' '$out' && grep -q 'href=\"/tl.moe.math-primary/pt/\"' '$out'"
is_code 200 "$base/tl.moe.math-primary/tet/numbers-01"
check 'lesson page in tet: lang and dir' grep -q '^<html lang="tet" dir="ltr">' "$out"
check 'lesson page: the title in tet' grep -q '<h1>Lisaun 1: Konta husi ida to&#39;o sanulu</h1>' "$out"
check "lesson page: a package's text escaped" grep -q 'Di&#39;ak loos!' "$out"
check "lesson page: the interface's words in Tetun" sh -c \
    "grep -q '<button type=\"submit\">Verifika</button>' '$out' &&
     grep -q '<h2>Objetivu sira</h2>' '$out' && ! grep -q 'lang=\"en\"' '$out'"
check 'lesson page: answers post to the hub, back at the form' \
    grep -q 'action="/tl.moe.math-primary/tet/numbers-01/check#act-how-many-stones" method="post"' "$out"
check 'lesson page: no answer key in the page (the hub marks)' sh -c "! grep -q 'data-key=' '$out'"
check 'lesson page: media by content hash' grep -q 'src="/tl.moe.math-primary/o/[0-9a-f]\{64\}"' "$out"
cp "$out" "$tmp/lesson.html"
# every link of the catalog and the lesson page resolves (forms aside)
links=$(cat "$tmp/catalog.html" "$tmp/lesson.html" |
        grep -o ' \(href\|src\)="/[^"]*"' | sed 's/^ [a-z]*="//; s/"$//' | sort -u)
bad=
for l in $links; do
    got=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$base$l")
    [ "$got" = 200 ] || bad="$bad $l:$got"
done
check "every link of the pages resolves ($(echo "$links" | wc -l) links)" test -z "$bad"
[ -z "$bad" ] || diag "broken:$bad"
is_code 200 "$base/lp.css" -D "$tmp/h"
check 'lp.css: text/css' grep -qi '^Content-Type: text/css' "$tmp/h"
etag=$(sed -n 's/^[Ee][Tt][Aa][Gg]: *\("[^"]*"\).*/\1/p' "$tmp/h")
check 'lp.css: an ETag' test -n "$etag"
is_code 304 "$base/lp.css" -H "If-None-Match: $etag"
is_code 200 "$base/lp.js" -D "$tmp/h"
check 'lp.js: JavaScript' grep -qi '^Content-Type: text/javascript' "$tmp/h"
is_code 405 "$base/lp.js" -d x=1
is_code 404 "$base/tl.moe.math-primary/xx/"
is_code 404 "$base/tl.moe.math-primary/tet/no-such-lesson"
is_code 404 "$base/no.such.package/"
is_code 200 "$base/tl.moe.math-primary/tet/numbers-01/display"
check 'display mode: the display class' grep -q '^<html lang="tet" dir="ltr" class="display">' "$out"
is_code 405 "$base/tl.moe.math-primary/tet/" -X PUT
is_code 200 "$base/ma.men.sciences-primaire/ar/water-cycle"
check 'an Arabic lesson: right to left' grep -q '^<html lang="ar" dir="rtl">' "$out"
is_code 200 "$base/ma.men.sciences-primaire/fr/water-cycle"
check 'its French page: left to right' grep -q '^<html lang="fr" dir="ltr">' "$out"
check "the French page's own words: Arabic, its fallback, marked so" \
    grep -q '<button lang="ar" dir="rtl" type="submit">تحقق</button>' "$out"
is_code 200 "$base/tl.moe.math-primary/pt/numbers-01"
check "the Portuguese page's own words" sh -c \
    "grep -q '<button type=\"submit\">Verificar</button>' '$out' &&
     grep -q 'class=\"meta\">40 min<' '$out'"
# pages are kept: the same bytes again, and a replaced package's pages
# are not served for the new one (below, "a package replaced")
is_code 200 "$base/tl.moe.math-primary/pt/numbers-01"
cp "$out" "$tmp/again.html"
is_code 200 "$base/tl.moe.math-primary/pt/numbers-01"
check 'a kept page is the page' cmp -s "$out" "$tmp/again.html"
# keep-alive: two pages on one connection
curl -s -o /dev/null -o /dev/null -w '%{num_connects}\n' \
    "$base/tl.moe.math-primary/pt/" "$base/tl.moe.math-primary/pt/numbers-01" \
    >"$tmp/conns"
check 'pages keep the connection alive (one connect for two pages)' \
    test "$(sed -n 2p "$tmp/conns")" = 0

# ---- media: ETag, 304, ranges
"$LPACK" cat "$tmp/math.lpk" media/numeros-pt.wav >"$tmp/wav"
wavhash=$("$LPACK" ls -l "$tmp/math.lpk" | awk '$4 == "media/numeros-pt.wav" { print $3 }')
size=$(wc -c <"$tmp/wav")
is_code 200 "$base/tl.moe.math-primary/f/media/numeros-pt.wav" -D "$tmp/h"
check 'whole entry, byte for byte' cmp -s "$out" "$tmp/wav"
check 'ETag is the content hash' grep -qi "^ETag: \"$wavhash\"" "$tmp/h"
check 'Content-Type from the manifest' grep -qi '^Content-Type: audio/wav' "$tmp/h"
check 'Accept-Ranges: bytes' grep -qi '^Accept-Ranges: bytes' "$tmp/h"
is_code 304 "$base/tl.moe.math-primary/f/media/numeros-pt.wav" \
    -H "If-None-Match: \"x\", \"$wavhash\""
is_code 200 "$base/tl.moe.math-primary/o/$wavhash" -D "$tmp/h"
check 'objects by hash are immutable' grep -qi '^Cache-Control: public, max-age=31536000, immutable' "$tmp/h"
is_code 404 "$base/tl.moe.math-primary/o/$(echo "$wavhash" | tr 0-9a-f 1-9a-f0)"
is_code 206 "$base/tl.moe.math-primary/o/$wavhash" -H 'Range: bytes=0-99' -D "$tmp/h"
check 'first range: 100 bytes' sh -c "head -c 100 '$tmp/wav' | cmp -s - '$out'"
check 'first range: Content-Range' grep -qi "^Content-Range: bytes 0-99/$size" "$tmp/h"
is_code 206 "$base/tl.moe.math-primary/o/$wavhash" -H 'Range: bytes=-1000'
check 'suffix range: the last 1000 bytes' sh -c "tail -c 1000 '$tmp/wav' | cmp -s - '$out'"
is_code 416 "$base/tl.moe.math-primary/o/$wavhash" -H "Range: bytes=$size-" -D "$tmp/h"
check '416 names the size' grep -qi "^Content-Range: bytes \*/$size" "$tmp/h"
is_code 200 "$base/tl.moe.math-primary/o/$wavhash" -H 'Range: bytes=9-3'
check 'a malformed Range is ignored: all of it' cmp -s "$out" "$tmp/wav"
is_code 206 "$base/tl.moe.math-primary/o/$wavhash" -H 'Range: bytes=0-9,100-109' -D "$tmp/h"
check 'several ranges: multipart/byteranges' grep -qi '^Content-Type: multipart/byteranges; boundary=' "$tmp/h"
check 'several ranges: both parts' sh -c \
    "grep -qa 'Content-Range: bytes 0-9/$size' '$out' && grep -qa 'Content-Range: bytes 100-109/$size' '$out'"
is_code 200 "$base/tl.moe.math-primary/o/$wavhash" -H 'Range: bytes=0-9' \
    -H 'If-Range: "other"'
check 'If-Range with another tag: all of it' cmp -s "$out" "$tmp/wav"

# a large entry (chunk hashes), across a chunk boundary and at its end
is_code 206 "$base/t.big/f/big.bin" -H 'Range: bytes=1048000-1049999'
check 'range across a chunk boundary' sh -c \
    "dd if='$tmp/files/big.bin' bs=1 skip=1048000 count=2000 2>/dev/null | cmp -s - '$out'"
is_code 206 "$base/t.big/f/big.bin" -H 'Range: bytes=-5'
check 'last 5 bytes of the large entry' sh -c "tail -c 5 '$tmp/files/big.bin' | cmp -s - '$out'"
is_code 200 "$base/t.big/f/big.bin"
check 'the large entry whole' cmp -s "$out" "$tmp/files/big.bin"
is_code 200 "$base/t.big/f/docs/page.html" -D "$tmp/h"
check "a package's HTML is sandboxed" grep -qi '^Content-Security-Policy: .*sandbox' "$tmp/h"

# ---- traversal and hostile paths: refused, nothing leaked
for p in '/t.big/f/../../../../etc/passwd' '/t.big/f/%2e%2e/%2e%2e/etc/passwd' \
         '/t.big/f/docs%2fpage.html' '/t.big/f/big.bin%00.png' \
         '/t.big/%2e%2e/%2e%2e/etc/passwd' '/%2e%2e/etc/passwd' \
         '/t.big/f/docs/..%5cpage.html' '/t.big//f/big.bin' \
         '/t.big/f/%ff%fe'; do
    is_code 400 "$base$p" --path-as-is
    if grep -q 'root:' "$out"; then not_ok "nothing leaked: $p"; else ok "nothing leaked: $p"; fi
done

# ---- downloads
is_code 200 "$base/tl.moe.math-primary/tet/numbers-01/download.tar"
mkdir "$tmp/x"
check 'lesson download is a tar of its entries' tar -xf "$out" -C "$tmp/x"
check 'the tar holds the lesson document and its media' sh -c \
    "test -f '$tmp/x/curriculum/lessons/numbers-01/tet.json' && cmp -s '$tmp/x/media/numeros-pt.wav' '$tmp/wav'"
is_code 200 "$base/tl.moe.math-primary/package.lpk"
check 'package download, byte for byte' cmp -s "$out" "$tmp/math.lpk"
is_code 206 "$base/tl.moe.math-primary/package.lpk" -H 'Range: bytes=-22'
check 'package by range (its end record)' sh -c "tail -c 22 '$tmp/math.lpk' | cmp -s - '$out'"

# ---- the activity check, no JavaScript: the lesson again, marked
chk="$base/tl.moe.math-primary/tet/numbers-01/check"
is_code 200 "$chk" -d activity=how-many-stones -d answer=b
check 'right answer marked right' grep -q 'class="mark right">' "$out"
check 'right answer: the feedback shown' grep -q '<p class="fb right">Di&#39;ak loos!</p>' "$out"
check 'right answer: the choice kept' grep -q 'value="b" checked>' "$out"
check 'right answer: only one mark shown' test "$(grep -c 'class="mark [a-z]*">' "$out")" -eq 1
is_code 200 "$chk" -d activity=how-many-stones -d answer=a
check 'wrong answer marked wrong' grep -q 'class="mark wrong">' "$out"
check 'wrong answer: the right mark hidden' grep -q 'class="mark right" hidden>' "$out"
is_code 200 "$chk" -d activity=word-for-ten --data-urlencode 'answer=  SANULU '
check 'short answer folded and trimmed' grep -q 'class="mark right">' "$out"
check 'short answer: the answer given kept' grep -q 'value="  SANULU "' "$out"
is_code 200 "$chk" -d activity=word-for-ten --data-urlencode 'answer=<b>x</b>'
check 'an answer is escaped in the page' grep -q 'value="&lt;b&gt;x&lt;/b&gt;"' "$out"
is_code 404 "$chk" -d activity=nope -d answer=a
is_code 400 "$chk" -d activity=word-for-ten --data-urlencode "answer=$(printf 'a\377')"

# ---- uploads
head -c 100000 /dev/urandom >"$tmp/photo.jpg"
up="$base/tl.moe.math-primary/tet/numbers-01/assignment/count-at-home"
is_code 201 "$up" -F name=Ana -F "file=@$tmp/photo.jpg;filename=../../evil.jpg"
h=$(b2sum -l 256 "$tmp/photo.jpg" | cut -d' ' -f1)
check 'the receipt is the content hash' grep -q "$h" "$out"
check 'stored by hash, byte for byte' cmp -s "$tmp/data/objects/$h" "$tmp/photo.jpg"
check 'never under a name the client chose' sh -c "! find '$tmp' -name evil.jpg | grep -q ."
check 'no temporary file left' sh -c "! ls '$tmp/data/objects' | grep -q tmp"
head -c 6000000 /dev/zero >"$tmp/huge.jpg"
is_code 413 "$up" -F "file=@$tmp/huge.jpg"
head -c 700000 /dev/urandom >"$tmp/photo3.jpg"
t0=$(date +%s.%N)
is_code 201 "$up" -F "file=@$tmp/photo3.jpg"
t1=$(date +%s.%N)
check 'an upload is held to --upload-rate (700 KB at 200K/s, 256 KiB free)' \
    awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a > 1.5) }'
head -c 250000 /dev/urandom >"$tmp/photo2.jpg"
is_code 507 "$up" -F "file=@$tmp/photo2.jpg"
check 'over the quota: nothing stored' sh -c "test \$(ls '$tmp/data/objects' | wc -l) -eq 2"
is_code 404 "$base/tl.moe.math-primary/tet/numbers-01/assignment/nope" -F "file=@$tmp/photo.jpg"
is_code 415 "$up" -d file=x

# ---- the teacher page
is_code 401 "$base/teacher"
is_code 401 "$base/teacher" -u 'x:wrong token here'
is_code 200 "$base/teacher" -u 'x:a teacher secret 42'
check 'teacher page lists the submission' sh -c "grep -q '$h' '$out' && grep -q Ana '$out'"
is_code 200 "$base/teacher/s/$h" -u 'x:a teacher secret 42'
check 'the teacher downloads the work' cmp -s "$out" "$tmp/photo.jpg"
is_code 401 "$base/teacher/s/$h"
check 'the token is never logged' sh -c "! grep -q 'secret' '$tmp/log'"

# ---- bounded: headers, idle connections, slow clients
big=$(head -c 20000 /dev/zero | tr '\0' a)
is_code 431 "$base/" -H "X-Big: $big"
huge=$(head -c 100000 /dev/zero | tr '\0' a)
got=$(code "$base/" -H "X-Big: $huge")
case $got in 413|414|431|000) ok "a 100 KB header is refused ($got)" ;;
*) not_ok "a 100 KB header is refused" "got $got" ;; esac
python3 "$idle" 127.0.0.1 "$port" 1000 4 >"$tmp/idle.out" &
ipid=$!
sleep 1.5
is_code 200 "$base/tl.moe.math-primary/pt/" --interface 127.0.0.2
check '1,000 idle connections: a normal request still served' grep -q 'lang="pt"' "$out"
wait "$ipid"
diag "$(cat "$tmp/idle.out")"
check 'idle connections were closed (per-address limit, timeout)' \
    grep -q '^still-open 0$' "$tmp/idle.out"
python3 "$idle" 127.0.0.1 "$port" 10 5 --partial >"$tmp/idle.out"
diag "$(cat "$tmp/idle.out")"
check 'slow clients dropped after the timeout' grep -q '^still-open 0$' "$tmp/idle.out"

# ---- a package replaced while served
curl -s --limit-rate 1000K -o "$tmp/slow.bin" "$base/t.big/f/big.bin" &
cpid=$!
sleep 0.5
cp "$tmp/big2.lpk" "$tmp/big.new" && mv "$tmp/big.new" "$tmp/big.lpk"
wait "$cpid"
check 'a download in flight finishes on the old release' cmp -s "$tmp/slow.bin" "$tmp/files/big.bin"
sleep 1.1
is_code 200 "$base/t.big/f/big.bin"
check 'new requests get the new release' cmp -s "$out" "$tmp/files2/big.bin"
check 'the reload is logged' grep -q "reloaded .*release 2 (was 1)" "$tmp/log"
echo garbage >"$tmp/big.new" && mv "$tmp/big.new" "$tmp/big.lpk"
sleep 1.1
is_code 200 "$base/t.big/f/big.bin"
check 'a bad replacement is refused, the last good one served' cmp -s "$out" "$tmp/files2/big.bin"
# a curriculum replaced: its kept pages are not served for the new release
is_code 200 "$base/tl.moe.math-primary/tet/numbers-01"
check 'the lesson as it was' grep -q '<h1>Lisaun 1: Konta husi ida' "$out"
cp -R "$top_srcdir/examples/tetum-math" "$tmp/math2"
sed -i 's/Lisaun 1: Konta husi ida/Lisaun 1: Konta foun husi ida/' \
    "$tmp/math2/lessons/numbers-01.yaml"
sed -i 's/^  version: .*/  version: 99/' "$tmp/math2/curriculum.yaml"
"$LPC" build -q "$tmp/math2" -o "$tmp/math.new" >"$err" 2>&1 &&
    mv "$tmp/math.new" "$tmp/math.lpk"
sleep 1.1
is_code 200 "$base/tl.moe.math-primary/tet/numbers-01"
check 'the new release, its own page' grep -q '<h1>Lisaun 1: Konta foun husi ida' "$out"

# ---- the log
check 'one line per request' grep -q '"GET /tl.moe.math-primary/pt/" 200' "$tmp/log"
curl -s -o /dev/null --path-as-is "$base/a%1b%0d%0aX"
sleep 0.2
check 'control characters are escaped in the log' sh -c \
    "grep -q 'GET /a%1b%0d%0aX' '$tmp/log' && ! grep -q \"\$(printf '\\033')\" '$tmp/log'"
stop
check 'stops cleanly on SIGTERM' test "$status" -eq 0
done_testing
