#!/bin/sh
# lpc build: the compiled output (lpk(5), COMPILED CURRICULA) is verified
# by lpack, the same in YAML and XML, NFC, reproducible; failed builds leave
# nothing behind; the text checks (ICU) each have a failing source with
# its file:line:col.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

LPC=${LPC:-$top_builddir/lpc/lpc}
LPACK=${LPACK:-$top_builddir/lpack/lpack}
[ -x "$LPC" ] || bail_out "LPC='$LPC' is not an executable program"
[ -x "$LPACK" ] || bail_out "LPACK='$LPACK' is not an executable program"
example=$top_srcdir/examples/tetum-math
fixtures=$top_srcdir/tests/fixtures/lpc
SOURCE_DATE_EPOCH=1767225600
export SOURCE_DATE_EPOCH

# ------------------------------------------------------------ usage

expect_exit 0 "$LPC" build --help
check 'build --help on stdout' has "$out" "usage: lpc build DIR -o OUT.lpk"
check 'build --help names --output' has "$out" "--output"
expect_exit 2 "$LPC" build "$example"
check 'missing -o named' has "$err" "-o OUT.lpk"
expect_exit 2 "$LPC" build "$example" -o "$tmp/a.lpk" -o "$tmp/b.lpk"
expect_exit 2 "$LPC" check -o "$tmp/a.lpk" "$example"
expect_exit 0 "$LPC" --help
check 'lpc --help lists build' has "$out" "build "

# ------------------------------------------------------------ build

expect_exit 0 "$LPC" build "$example" -o "$tmp/yaml.lpk"
check 'build: quiet on success' is_empty "$err"
expect_exit 0 "$LPACK" verify "$tmp/yaml.lpk"
expect_exit 0 "$LPACK" ls "$tmp/yaml.lpk"
for e in curriculum/catalog.json curriculum/assignments.json \
         curriculum/lessons/numbers-01/tet.json \
         curriculum/lessons/numbers-01/pt.json \
         curriculum/lessons/numbers-02/pt.json \
         media/fatuk-sanulu.png media/numeros-pt.wav; do
    check "entry $e" grep -qx "$e" "$out"
done
expect_exit 0 "$LPACK" info "$tmp/yaml.lpk"
check 'identity: id' has "$out" "id: tl.moe.math-primary"
check 'identity: version' has "$out" "version: 3"
check 'identity: label' has "$out" "label: 2026 term 1"
check 'identity: languages, default first' has "$out" "languages: tet pt"

expect_exit 0 "$LPACK" cat "$tmp/yaml.lpk" curriculum/catalog.json
cp "$out" "$tmp/catalog.json"
check 'catalog: format' has "$tmp/catalog.json" '"format":"lp-catalog 1"'
check 'catalog: languages with direction and fallbacks' has \
    "$tmp/catalog.json" '{"tag":"tet","name":"Tetun","direction":"ltr","fallback":["pt"]}'
check 'catalog: lesson documents' has "$tmp/catalog.json" \
    '"documents":{"pt":"curriculum/lessons/numbers-01/pt.json","tet":"curriculum/lessons/numbers-01/tet.json"}'
check 'catalog: media licence from its asset' has "$tmp/catalog.json" \
    '{"path":"media/numeros-pt.wav","media_type":"audio/wav","spdx":"CC0-1.0"'
if command -v python3 >/dev/null 2>&1; then
    check 'catalog: valid JSON' python3 -m json.tool "$tmp/catalog.json"
else
    skip 'catalog: valid JSON' 'no python3'
fi
expect_exit 0 "$LPACK" cat "$tmp/yaml.lpk" curriculum/lessons/numbers-01/tet.json
check 'lesson: media resolved to package paths' has "$out" \
    '{"type":"image","src":"media/fatuk-sanulu.png","alt":"Fatuk sanulu iha liña ida"}'
check 'lesson: inline emphasis' has "$out" '{"type":"em","content":["konta"]}'
check 'lesson: link to a lesson' has "$out" '{"type":"link","lesson":"numbers-02"'
check 'lesson: answer key' has "$out" '"answer":["b"]'
check 'lesson: numeric answer, no floats' has "$out" '"answer":"10","tolerance":"0"'
expect_exit 0 "$LPACK" cat "$tmp/yaml.lpk" curriculum/assignments.json
check 'assignments for the hub' has "$out" \
    '{"lesson":"numbers-01","id":"count-at-home","kind":"photo","max_size":5242880'

# the Arabic (right to left) and French example
arabic=$top_srcdir/examples/arabic-science
expect_exit 0 "$LPC" check --werror "$arabic"
expect_exit 0 "$LPC" build "$arabic" -o "$tmp/arabic.lpk"
expect_exit 0 "$LPACK" verify "$tmp/arabic.lpk"
expect_exit 0 "$LPACK" cat "$tmp/arabic.lpk" curriculum/catalog.json
check 'arabic: rtl recorded' has "$out" '{"tag":"ar","name":"العربية","direction":"rtl","fallback":["fr"]}'
check 'arabic: French ltr' has "$out" '{"tag":"fr","name":"Français","direction":"ltr","fallback":["ar"]}'
expect_exit 0 "$LPACK" cat "$tmp/arabic.lpk" curriculum/lessons/water-cycle/ar.json
check 'arabic: lesson direction' has "$out" '"language":"ar","direction":"rtl","body_language":"ar","body_direction":"rtl"'

# the Amharic (Ethiopic script) and English example
amharic=$top_srcdir/examples/amharic-english
expect_exit 0 "$LPC" check --werror "$amharic"
check 'amharic: check quiet' is_empty "$err"
expect_exit 0 "$LPC" build "$amharic" -o "$tmp/amharic.lpk"
expect_exit 0 "$LPACK" verify "$tmp/amharic.lpk"
expect_exit 0 "$LPACK" cat "$tmp/amharic.lpk" curriculum/catalog.json
check 'amharic: languages' has "$out" '{"tag":"am","name":"አማርኛ","direction":"ltr","fallback":["en"]}'
check 'amharic: index' has "$out" '"index":{"am":["washing-hands","clean-water"],"en":["washing-hands","clean-water"]}'
expect_exit 0 "$LPACK" cat "$tmp/amharic.lpk" curriculum/lessons/washing-hands/am.json
check 'amharic: alt text in Amharic' has "$out" '{"type":"image","src":"media/soap-and-water.png","alt":"ሳሙና እና የውሃ ጠብታ"}'
# script (warning): Amharic in Latin letters
rm -rf "${tmp:?}/amharic-latn"
cp -R "$amharic" "$tmp/amharic-latn"
sed -i 's/    am: ጤና ለአንደኛ ደረጃ ትምህርት ቤት/    am: Tena le andegna dereja timhirt bet/' \
    "$tmp/amharic-latn/curriculum.yaml"
diag_is amharic-latn 0 "curriculum.yaml:11:5: warning: the text in 'am' is mostly not in the Ethiopic script, which 'am' is written in [script]"

# the index: lesson ids by title in each language's collation, not in
# code point order ("Água" after "abelha", "ñ" after "n" in Spanish,
# digits as numbers)
rm -rf "${tmp:?}/collate"
mkdir -p "$tmp/collate/lessons"
mklesson() {
    printf 'lesson:\n  id: %s\n  duration: 10\n  title: {pt: "%s", es: "%s"}\n  content:\n    - body:\n        lang: pt\n        _:\n          - p: "%s."\n    - body:\n        lang: es\n        _:\n          - p: "%s."\n' \
        "$1" "$2" "$3" "$2" "$3" > "$tmp/collate/lessons/$1.yaml"
}
mklesson l1 'Água' 'ñu'
mklesson l2 'Árvore' 'oso'
mklesson l3 'abelha' 'nube'
mklesson l4 'zebra' 'nada'
mklesson l5 'Lição 10' 'Lección 10'
mklesson l6 'Lição 2' 'Lección 2'
cat > "$tmp/collate/curriculum.yaml" <<'EOF'
curriculum:
  id: test.collation
  country: PT
  version: 1
  title: {pt: Ordem, es: Orden}
  languages:
    default: pt
    _:
      - language: {tag: pt, name: Português, fallback: es}
      - language: {tag: es, name: Español, fallback: pt}
  license: {spdx: CC0-1.0, attribution: lp}
  subjects:
    - subject:
        id: s
        title: {pt: Tudo, es: Todo}
        grades:
          - grade:
              id: g
              title: {pt: Ano, es: Año}
              units:
                - unit:
                    id: u
                    title: {pt: Unidade, es: Unidad}
                    lessons:
                      - lesson: {src: lessons/l1.yaml}
                      - lesson: {src: lessons/l2.yaml}
                      - lesson: {src: lessons/l3.yaml}
                      - lesson: {src: lessons/l4.yaml}
                      - lesson: {src: lessons/l5.yaml}
                      - lesson: {src: lessons/l6.yaml}
EOF
expect_exit 0 "$LPC" check --werror "$tmp/collate"
expect_exit 0 "$LPC" build "$tmp/collate" -o "$tmp/collate.lpk"
expect_exit 0 "$LPACK" cat "$tmp/collate.lpk" curriculum/catalog.json
check 'index: pt collation (abelha Água Árvore Lição 2 Lição 10 zebra)' has "$out" \
    '"pt":["l3","l1","l2","l6","l5","l4"]'
check 'index: es collation (Lección 2 Lección 10 nada nube ñu oso)' has "$out" \
    '"index":{"es":["l6","l5","l4","l3","l1","l2"],'
# the same titles in the other lesson order: the same index
sed -i 's|lessons/l1.yaml|lessons/lX.yaml|; s|lessons/l6.yaml|lessons/l1.yaml|; s|lessons/lX.yaml|lessons/l6.yaml|' \
    "$tmp/collate/curriculum.yaml"
expect_exit 0 "$LPC" build "$tmp/collate" -o "$tmp/collate2.lpk"
expect_exit 0 "$LPACK" cat "$tmp/collate2.lpk" curriculum/catalog.json
check 'index: independent of teaching order' has "$out" \
    '"index":{"es":["l6","l5","l4","l3","l1","l2"],"pt":["l3","l1","l2","l6","l5","l4"]}'

# a lesson with no Tetum body: the Tetum document has the Portuguese one
# (Tetum falls back to Portuguese), titles still in Tetum
mkproj fallback
sed -i '/<body lang="tet">/,/<\/body>/d' "$tmp/fallback/lessons/numbers-02.xml"
expect_exit 0 "$LPC" build "$tmp/fallback" -o "$tmp/fallback.lpk"
expect_exit 0 "$LPACK" cat "$tmp/fallback.lpk" curriculum/lessons/numbers-02/tet.json
check 'fallback: body from Portuguese' has "$out" '"language":"tet","direction":"ltr","body_language":"pt"'
check 'fallback: Tetum title' has "$out" '"title":"Lisaun 2: Aumenta númeru"'
check 'fallback: Portuguese blocks' has "$out" '"content":["Somar números"]'

# reproducible: twice, byte for byte
expect_exit 0 "$LPC" build "$example" -o "$tmp/again.lpk"
check 'built twice: identical' cmp "$tmp/yaml.lpk" "$tmp/again.lpk"
for t in 1 3; do
    expect_exit 0 "$LPC" build "$example" -o "$tmp/threads$t.lpk" --threads=$t
    check "--threads=$t: identical" cmp "$tmp/yaml.lpk" "$tmp/threads$t.lpk"
done
expect_exit 2 "$LPC" build "$example" -o "$tmp/threads.lpk" --threads=-1
check 'bad --threads named' has "$err" "'--threads'"
check 'bad --threads: nothing written' test ! -e "$tmp/threads.lpk"

# the same curriculum in XML compiles to the same package
mkproj xml
rm "$tmp/xml/curriculum.yaml" "$tmp/xml/lessons/numbers-01.yaml"
sed 's|lessons/numbers-01.yaml|lessons/numbers-01.xml|' \
    "$fixtures/curriculum.xml" > "$tmp/xml/curriculum.xml"
cp "$fixtures/numbers-01.xml" "$tmp/xml/lessons/"
expect_exit 0 "$LPC" build "$tmp/xml" -o "$tmp/xml.lpk"
check 'YAML and XML: identical packages' cmp "$tmp/yaml.lpk" "$tmp/xml.lpk"

# NFD in, NFC out: "Númeru" with U+0301 COMBINING ACUTE ACCENT
mkproj nfd
nfd=$(printf 'Nu\314\201meru')
sed -i "s/tet: Númeru husi ida to'o sanulu/tet: ${nfd} husi ida to'o sanulu/" \
    "$tmp/nfd/curriculum.yaml"
check 'nfd: the source is NFD' grep -q "$nfd" "$tmp/nfd/curriculum.yaml"
expect_exit 0 "$LPC" build "$tmp/nfd" -o "$tmp/nfd.lpk"
expect_exit 0 "$LPACK" cat "$tmp/nfd.lpk" curriculum/catalog.json
check 'nfd: output is NFC' has "$out" "\"tet\":\"Númeru husi ida to'o sanulu\""
check 'nfd: no combining accent left' test "$(grep -c "$nfd" "$out")" -eq 0
check 'nfd: same package as the NFC source' cmp "$tmp/yaml.lpk" "$tmp/nfd.lpk"

# a failed build leaves no package, and an existing one untouched
mkproj broken
sed -i 's/duration: 40/duration: forty/' "$tmp/broken/lessons/numbers-01.yaml"
expect_exit 1 "$LPC" build "$tmp/broken" -o "$tmp/new.lpk"
check 'failed build: no package' test ! -e "$tmp/new.lpk"
cp "$tmp/yaml.lpk" "$tmp/old.lpk"
expect_exit 1 "$LPC" build "$tmp/broken" -o "$tmp/old.lpk"
check 'failed build: existing package untouched' cmp "$tmp/yaml.lpk" "$tmp/old.lpk"
# --werror: warnings stop the build
mkproj warn
sed -i 's/pt: Quantos dedos tens nas mãos?/pt: "Ita-nia liman iha liman-fuan hira?"/' \
    "$tmp/warn/lessons/numbers-01.yaml"
expect_exit 0 "$LPC" build "$tmp/warn" -o "$tmp/warn.lpk"
check 'warnings: built' test -f "$tmp/warn.lpk"
nwarn=$(grep -c 'warning:' "$err")
expect_exit 1 "$LPC" build --werror "$tmp/warn" -o "$tmp/werror.lpk"
check '--werror: no package' test ! -e "$tmp/werror.lpk"
# one pass: each warning reported once (the sources were checked twice)
check "--werror: the same $nwarn warning(s), once each" test "$(grep -c 'warning:' "$err")" -eq "$nwarn" -a "$nwarn" -gt 0
# I/O: the output folder does not exist; the output is a folder (the
# rename fails after everything was written): nothing left behind
expect_exit 3 "$LPC" build "$example" -o "$tmp/no/such/dir/x.lpk"
mkdir -p "$tmp/out/x.lpk"
expect_exit 3 "$LPC" build "$example" -o "$tmp/out/x.lpk"
check 'failed rename: no temporary file left' test "$(ls -A "$tmp/out")" = x.lpk
check 'failed rename: the folder untouched' test -z "$(ls -A "$tmp/out/x.lpk")"

# JSON escaping: quotes, backslashes, U+2028 in a text
mkproj escape
sed -i 's|pt: Quantos dedos tens nas mãos?|pt: "Quantos \\"dedos\\" \\\\ tens\\u2028nas mãos?"|' \
    "$tmp/escape/lessons/numbers-01.yaml"
expect_exit 0 "$LPC" build "$tmp/escape" -o "$tmp/escape.lpk"
expect_exit 0 "$LPACK" cat "$tmp/escape.lpk" curriculum/lessons/numbers-01/pt.json
check 'escape: quotes, backslash, U+2028' has "$out" \
    '"prompt":"Quantos \"dedos\" \\ tens\u2028nas mãos?"'
if command -v python3 >/dev/null 2>&1; then
    check 'escape: valid JSON' python3 -m json.tool "$out"
fi

# ------------------------------------------------------------ text codes

# bad-language: a tag ICU knows no language for
mkproj badlang
sed -i 's/tag: pt, name/tag: xx, name/; s/fallback: pt}/fallback: xx}/' \
    "$tmp/badlang/curriculum.yaml"
diag_is badlang 1 "curriculum.yaml:18:20: error: 'xx' is not a known language"
check 'bad-language: code' has "$err" "[bad-language]"
# tags are canonicalized: "PT" is "pt", and matches the "pt" texts
mkproj canon
sed -i 's/tag: pt, name/tag: PT, name/' "$tmp/canon/curriculum.yaml"
expect_exit 0 "$LPC" build "$tmp/canon" -o "$tmp/canon.lpk"
expect_exit 0 "$LPACK" info "$tmp/canon.lpk"
check 'canonical tags in the identity' has "$out" "languages: tet pt"

# bidi-control: an override never closed (YAML), an isolate (XML)
mkproj bidi
sed -i 's/      - li: rua/      - li: "ru\xe2\x80\xaea"/' \
    "$tmp/bidi/lessons/numbers-01.yaml"
diag_is bidi 1 "lessons/numbers-01.yaml:30:21: error: stray bidirectional control character U+202E"
check 'bidi-control: code' has "$err" "[bidi-control]"
check 'bidi-control: not echoed raw' test "$(grep -c "$(printf '\342\200\256')" "$err")" -eq 0
mkproj bidi-xml
sed -i 's/tet="Loos! Sanulu."/tet="Loos! \xe2\x81\xa7Sanulu."/' \
    "$tmp/bidi-xml/lessons/numbers-02.xml"
diag_is bidi-xml 1 "lessons/numbers-02.xml:40:18: error: stray bidirectional control character U+2067"
# closed within its text: fine
mkproj bidi-ok
sed -i 's/      - li: rua/      - li: "\xe2\x81\xa7rua\xe2\x81\xa9"/' \
    "$tmp/bidi-ok/lessons/numbers-01.yaml"
expect_exit 0 "$LPC" check "$tmp/bidi-ok"

# untranslated (warning): the same text as the default language
diag_is warn 0 "lessons/numbers-01.yaml:106:11: warning: the 'pt' text is the same as the 'tet' one: not translated yet? [untranslated]"

# script (warning): Portuguese text in Cyrillic
mkproj script
sed -i 's/      pt: Números de um a dez/      pt: Числа от одного до десяти/' \
    "$tmp/script/curriculum.yaml"
diag_is script 0 "curriculum.yaml:35:23: warning: the text in 'pt' is mostly not in the Latin script, which 'pt' is written in [script]"
# a body mostly in another script than its language's
mkproj script-body
sed -i 's|<body lang="pt">|<body lang="pt"><p>Возьми пять камней в школьном саду и положи их рядом с другими пятью камнями, потом посчитай все камни вместе с другом по классу и запиши ответ в тетрадь, а затем покажи учителю</p><p>Сколько камней у тебя теперь? Посчитай ещё раз медленно, один за другим, и проверь свой ответ вместе с соседом по парте и учителем в классе сегодня</p>|' \
    "$tmp/script-body/lessons/numbers-02.xml"
diag_is script-body 0 "lessons/numbers-02.xml:23:5: warning: the body in 'pt' is mostly not in the Latin script"

# untranslated (warning): a body the same as the default language's
mkproj untranslated-body
awk '
/<body lang="tet">/ { intet = 1 }
intet { buf = buf $0 "\n" }
intet && /<\/body>/ { intet = 0 }
/<body lang="pt">/ { inpt = 1; sub(/lang="tet"/, "lang=\"pt\"", buf); printf "%s", buf; next }
inpt { if (/<\/body>/) inpt = 0; next }
{ print }' "$example/lessons/numbers-02.xml" \
    > "$tmp/untranslated-body/lessons/numbers-02.xml"
diag_is untranslated-body 0 "lessons/numbers-02.xml:23:5: warning: the 'pt' body is the same as the 'tet' one: not translated yet? [untranslated]"

# media-type: bytes that do not match the extension
mkproj sniff
mv "$tmp/sniff/media/fatuk-sanulu.png" "$tmp/sniff/media/fatuk-sanulu.jpg"
sed -i 's|fatuk-sanulu.png|fatuk-sanulu.jpg|' \
    "$tmp/sniff/lessons/numbers-01.yaml" "$tmp/sniff/lessons/numbers-02.xml"
diag_is sniff 1 "lessons/numbers-01.yaml:40:15: error: '../media/fatuk-sanulu.jpg' is named as JPEG but its bytes are PNG [media-type]"
mkproj sniff2
printf 'not a sound\n' > "$tmp/sniff2/media/numeros-pt.wav"
diag_is sniff2 1 "lessons/numbers-01.yaml:42:21: error: '../media/numeros-pt.wav' is named as WAVE but its bytes are not [media-type]"

# ------------------------------------------------------------ hostile

# a YAML alias bomb: refused, nothing written
mkproj bomb
cat > "$tmp/bomb/lessons/numbers-01.yaml" <<'EOF'
lesson:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
EOF
run timeout 20 "$LPC" build --color=never "$tmp/bomb" -o "$tmp/bomb.lpk"
check 'bomb: exit 1' test "$status" -eq 1
check 'bomb: [unsafe]' has "$err" "[unsafe]"
check 'bomb: no package' test ! -e "$tmp/bomb.lpk"

# a 1.4 MB line of combining sequences: normalized, quickly
mkproj hugenfd
awk 'BEGIN { printf "          - p: \""
             for (i = 0; i < 350000; i++) printf "e\314\201 "
             print "\"" }' > "$tmp/hugenfd.line"
awk -v f="$tmp/hugenfd.line" '{ print }
    /^          - h1: Konta husi ida/ { while ((getline l < f) > 0) print l }' \
    "$example/lessons/numbers-01.yaml" > "$tmp/hugenfd/lessons/numbers-01.yaml"
run timeout 60 "$LPC" build "$tmp/hugenfd" -o "$tmp/hugenfd.lpk"
check 'huge NFD line: built' test "$status" -eq 0
expect_exit 0 "$LPACK" cat "$tmp/hugenfd.lpk" curriculum/lessons/numbers-01/tet.json
check 'huge NFD line: NFC out' test "$(grep -c "$(printf 'e\314\201')" "$out")" -eq 0
check 'huge NFD line: all there' has "$out" "é é é é"

# media-size: a media budget
mkproj budget
run "$LPC" check --color=never --max-media-size=100KiB "$tmp/budget"
check 'media-size: exit 1' test "$status" -eq 1
check 'media-size: at the reference' has "$err" \
    "$tmp/budget/lessons/numbers-01.yaml:42:21: error: '../media/numeros-pt.wav' is 326448 bytes, more than the 102400 allowed [media-size]"
expect_exit 0 "$LPC" check --max-media-size="1 MiB" "$tmp/budget"
expect_exit 2 "$LPC" check --max-media-size=5x "$tmp/budget"
expect_exit 2 "$LPC" check --max-media-size=0 "$tmp/budget"
expect_exit 1 "$LPC" build --max-media-size=1000 "$tmp/budget" -o "$tmp/budget.lpk"
check 'media-size: no package' test ! -e "$tmp/budget.lpk"

# ------------------------------------------------------------ build codes

# bad-path: media in the folder lpc writes to
mkproj reserved
mkdir "$tmp/reserved/curriculum"
mv "$tmp/reserved/media/fatuk-sanulu.png" "$tmp/reserved/curriculum/"
sed -i 's|../media/fatuk-sanulu.png|../curriculum/fatuk-sanulu.png|' \
    "$tmp/reserved/lessons/numbers-01.yaml" "$tmp/reserved/lessons/numbers-02.xml"
run "$LPC" build --color=never "$tmp/reserved" -o "$tmp/reserved.lpk"
check 'reserved: exit 1' test "$status" -eq 1
check 'reserved: bad-path at the reference' has "$err" \
    "$tmp/reserved/lessons/numbers-01.yaml:40:15: error: 'curriculum/fatuk-sanulu.png': the folder 'curriculum/' is reserved"
check 'reserved: no package' test ! -e "$tmp/reserved.lpk"

# limit: a version or a size the package cannot hold
mkproj bigver
sed -i 's/^  version: 3/  version: 99999999999999999999999/' "$tmp/bigver/curriculum.yaml"
run "$LPC" build --color=never "$tmp/bigver" -o "$tmp/bigver.lpk"
check 'limit: version' has "$err" "$tmp/bigver/curriculum.yaml:6:3: error: version must be at most 18446744073709551615 [limit]"
mkproj bigsize
sed -i 's/max-size: 5 MiB/max-size: 999999999999 GiB/' "$tmp/bigsize/lessons/numbers-01.yaml"
run "$LPC" build --color=never "$tmp/bigsize" -o "$tmp/bigsize.lpk"
check 'limit: max-size' has "$err" "$tmp/bigsize/lessons/numbers-01.yaml:118:9: error: max-size '999999999999 GiB' is too large [limit]"

# check and build agree past 64 MiB of text gathered in one document: ten
# lessons with titles of 3.5 MiB per language make a catalog of about
# 70 MiB (issue 17: build failed with "more than 67108864 bytes")
mkproj bigtext
python3 - "$tmp/bigtext" <<'EOP'
import sys
d = sys.argv[1]
tet, pt = "ida rua " * 458752, "um dois " * 458752
src = open(d + "/lessons/numbers-01.yaml").read()
lines = src.split("\n")
refs = []
for i in range(10):
    out = src.replace("id: numbers-01", "id: big-%02d" % i, 1)
    out = out.replace("Lisaun 1: Konta husi ida to'o sanulu", "%d %s" % (i, tet), 1)
    out = out.replace("Lição 1: Contar de um a dez", "%d %s" % (i, pt), 1)
    open("%s/lessons/big-%02d.yaml" % (d, i), "w").write(out)
    refs.append("                      - lesson: {src: lessons/big-%02d.yaml}" % i)
cur = open(d + "/curriculum.yaml").read()
cur = cur.replace("                      - lesson: {src: lessons/numbers-01.yaml}",
                  "\n".join(refs), 1)
cur = cur.replace('requires="numbers-01"', "")
open(d + "/curriculum.yaml", "w").write(cur)
x = open(d + "/lessons/numbers-02.xml").read()
x = x.replace('requires="numbers-01"', "").replace("lesson:numbers-01", "lesson:big-00")
open(d + "/lessons/numbers-02.xml", "w").write(x)
EOP
run "$LPC" check --color=never "$tmp/bigtext"
check 'bigtext: check passes' test "$status" -eq 0
run "$LPC" build --color=never --threads=1 "$tmp/bigtext" -o "$tmp/bigtext.lpk"
check 'bigtext: build passes too' test "$status" -eq 0

check 'bigtext: the catalog is over 64 MiB' test "$("$LPACK" ls -l "$tmp/bigtext.lpk" | awk '$NF == "curriculum/catalog.json" { print ($1 > 67108864) }')" = 1
rm -rf "$tmp/bigtext" "$tmp/bigtext.lpk"

# check refuses what build could not pack: 4097 lessons in 64 languages
# are more documents than the 262144 entries a package may hold
mkproj many
python3 - "$tmp/many" <<'EOP'
import sys
d = sys.argv[1]
tags = ("en fr de es it nl sv da fi nb pl cs sk sl hr sr bs mk bg ro hu el "
        "tr ru uk be lt lv et ga cy is mt sq hy ka az kk ky uz tg mn zh ja "
        "ko vi th lo km my id ms ar fa ur hi bn pa gu ta te kn ml si ne am "
        "sw").split()[:62]
src = open(d + "/lessons/numbers-01.yaml").read()
refs = []
for i in range(4096):
    open("%s/lessons/m%04d.yaml" % (d, i), "w").write(
        src.replace("id: numbers-01", "id: m%04d" % i, 1))
    refs.append("                      - lesson: {src: lessons/m%04d.yaml}" % i)
cur = open(d + "/curriculum.yaml").read()
cur = cur.replace("                      - lesson: {src: lessons/numbers-01.yaml}",
                  "                      - lesson: {src: lessons/numbers-01.yaml}\n" +
                  "\n".join(refs), 1)
cur = cur.replace("      - language: {tag: pt, name: Português}",
                  "      - language: {tag: pt, name: Português}\n" +
                  "\n".join("      - language: {tag: %s, fallback: pt}" % t
                            for t in tags), 1)
open(d + "/curriculum.yaml", "w").write(cur)
EOP
run "$LPC" check --color=never "$tmp/many"
check 'many: check refuses' test "$status" -eq 1
check 'many: the limit, where and what to do' has "$err" \
    "$tmp/many/curriculum.yaml: error: 4098 lessons in 64 languages and 2 media files make 262276 package entries, more than the 262144 a package may hold (lpk(5), LIMITS): split the curriculum into several packages [limit]"
rm -rf "$tmp/many"

done_testing
