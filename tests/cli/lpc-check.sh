#!/bin/sh
# lpc check: every diagnostic code from a source that triggers it, with its
# file:line:col; the output formats; exit statuses; hostile sources refused
# cleanly and quickly.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

LPC=${LPC:-$top_builddir/lpc/lpc}
[ -x "$LPC" ] || bail_out "LPC='$LPC' is not an executable program"
example=$top_srcdir/examples/tetum-math

# ------------------------------------------------------------ clean

expect_exit 0 "$LPC" check "$example"
check 'example: nothing on stderr' is_empty "$err"
check 'example: nothing on stdout' is_empty "$out"
expect_exit 0 "$LPC" --version
check 'version names lpc and liblp' has "$out" "(liblp "
expect_exit 0 "$LPC" check --help
check 'check --help on stdout' has "$out" "usage: lpc check DIR"

# ------------------------------------------------------------ usage

expect_exit 2 "$LPC" check
expect_exit 2 "$LPC" build "$example" "$example" -o "$tmp/two.lpk"
expect_exit 2 "$LPC" check --diagnostics=xml "$example"
check 'bad --diagnostics value named' has "$err" "'--diagnostics'"
expect_exit 2 "$LPC" check --werror --werror "$example"
expect_exit 2 "$LPC" check --threads=65 "$example"
check 'bad --threads: the range named' has "$err" "'--threads': expected a number from 0 to 64"
expect_exit 2 "$LPC" check --threads=two "$example"
expect_exit 0 "$LPC" check --threads=1 "$example"
expect_exit 2 "$LPC" frobnicate
expect_exit 3 "$LPC" check "$tmp/no-such-folder"
check 'missing folder named' has "$err" "no-such-folder"

# ------------------------------------------------------------ several projects

# several operands, and a folder of projects (examples/ holds several, and
# a folder of plain files that is no project, passed over)
expect_exit 0 "$LPC" check "$top_srcdir/examples" "$example"
check 'several: all clean, nothing on stderr in a pipe' is_empty "$err"
expect_exit 0 "$LPC" check --diagnostics=json "$top_srcdir/examples/"
check 'a folder of projects: one JSON object per project' test "$(grep -c '^{"project":' "$out")" -eq 4
check '  each named once, joined with one slash' sh -c "grep -q '\"project\":\"$top_srcdir/examples/tetum-math\"' '$out' && ! grep -q '//' '$out'"
check '  in name order' sh -c "sed -n 's/^{\"project\":\"\([^\"]*\)\".*/\1/p' '$out' | sort -c"
mkdir -p "$tmp/several/a" "$tmp/several/b" "$tmp/several/plain"
cp -R "$example/." "$tmp/several/a/"
cp -R "$example/." "$tmp/several/b/"
echo hello >"$tmp/several/plain/notes.txt"
sed -i 's/^  id: numbers-01$/  id: Numbers 01/' "$tmp/several/b/lessons/numbers-01.yaml"
expect_exit 1 "$LPC" check --color=never "$tmp/several"
check 'a bad project among good ones: its errors reported' has "$err" "$tmp/several/b/lessons/numbers-01.yaml:"
check '  and summed up for it' has "$err" " in '$tmp/several/b'"
check '  the good one reports nothing' sh -c "! grep -q '$tmp/several/a/' '$err'"
check '  the folder of plain files is passed over' sh -c "! grep -q plain '$err'"
expect_exit 3 "$LPC" check "$tmp/several/a" "$tmp/no-such-folder" "$tmp/several/b"
check 'exit status: the worst of all (3 over 1)' has "$err" "no-such-folder"
expect_exit 1 "$LPC" check "$tmp/several/a" "$tmp/several/plain"
check 'a folder that is neither project nor holds one: its error' has "$err" "has no curriculum file"
expect_exit 0 "$LPC" check --coverage "$tmp/several/a" "$example"
check 'several, --coverage: each project named' sh -c "grep -qx '$tmp/several/a:' '$out' && grep -qx '$example:' '$out'"

# the last line, on a terminal: how much was checked and the verdict; in
# a pipe (above) or with -q, nothing
cat >"$tmp/on_tty.py" <<'PY'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
seen = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
open(sys.argv[1], "wb").write(seen.replace(b"\r\n", b"\n"))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
PY
if python3 -c 'import os; m, s = os.openpty()' 2>/dev/null; then
    run python3 "$tmp/on_tty.py" "$tmp/tty.out" "$LPC" check "$example"
    check 'terminal: exit 0' test "$status" -eq 0
    check 'terminal: the last line sums up' sh -c "tail -n 1 '$tmp/tty.out' | grep -qx 'checked 2 lessons in 2 languages: 0 errors, 0 warnings'"
    run python3 "$tmp/on_tty.py" "$tmp/tty.out" "$LPC" check -q "$example"
    check 'terminal, -q: nothing at all' sh -c "test $status -eq 0 && test ! -s '$tmp/tty.out'"
    run python3 "$tmp/on_tty.py" "$tmp/tty.out" "$LPC" check --color=never "$top_srcdir/examples" "$tmp/several"
    check 'terminal, several: one line for all' sh -c "test $status -eq 1 && tail -n 1 '$tmp/tty.out' | grep -qx 'checked 6 projects, [0-9]* lessons in 6 languages: 1 error, 0 warnings'"
else
    for t in 1 2 3 4; do
        skip "lpc check on a terminal, test $t" "no pseudo-terminal can be opened here"
    done
fi

# ------------------------------------------------------------ codes

# project: no curriculum file, or two
mkdir "$tmp/empty"
expect_exit 1 "$LPC" check "$tmp/empty"
check 'project: no curriculum file' has "$err" "has no curriculum file"
check 'project: code' has "$err" "[project]"
mkproj two
cp "$top_srcdir/tests/fixtures/lpc/curriculum.xml" "$tmp/two/"
expect_exit 1 "$LPC" check "$tmp/two"
check 'project: two curriculum files' has "$err" "has both 'curriculum.yaml' and 'curriculum.xml'"

# schema (YAML): points at the attribute
mkproj schema-yaml
sed -i 's/duration: 40/duration: forty/' "$tmp/schema-yaml/lessons/numbers-01.yaml"
diag_is schema-yaml 1 "lessons/numbers-01.yaml:3:3: error: duration is a number of minutes, such as 40, not 'forty' [schema]"
check 'schema: no XSD jargon' sh -c "! grep -q 'atomic type\|facet\|element .lesson.,' '$err'"
check 'schema: source line and caret' grep -q '^ *\^$' "$err"

# schema (XML): unknown element
mkproj schema-xml
sed -i 's|<h1>Aumenta númeru</h1>|<h4>Aumenta númeru</h4>|' "$tmp/schema-xml/lessons/numbers-02.xml"
diag_is schema-xml 1 "lessons/numbers-02.xml:12:7: error: 'h4' is not allowed here; expected one of 'image', 'audio', 'video', 'h1', 'h2', 'h3', 'p', 'ul', 'ol' or 'table' [schema]"

# one error must not hide the next: after an unexpected block, the rest of
# the body is still checked (here, an image without its alt text)
mkproj hidenext
sed -i "s|          - h1: Konta husi ida to'o sanulu|&\\n          - h4: Sub\\n          - image: {src: ../media/fatuk-sanulu.png}|" "$tmp/hidenext/lessons/numbers-01.yaml"
diag_is hidenext 1 "lessons/numbers-01.yaml:23:13: error: 'h4' is not allowed in 'body' [schema]"
check 'hidden no more: the image after the h4 is checked' \
    has "$err" "lessons/numbers-01.yaml:24:13: error: 'image' needs 'alt' [schema]"
# ... and a tree that passes once the h4 is out gets the semantic checks
mkproj hidenext2
sed -i "s|          - h1: Konta husi ida to'o sanulu|&\\n          - h4: Sub\\n          - image: {src: ../media/fatuk-sanlu.png, alt: x}|" "$tmp/hidenext2/lessons/numbers-01.yaml"
diag_is hidenext2 1 "lessons/numbers-01.yaml:23:13: error: 'h4' is not allowed in 'body' [schema]"
check 'semantic checks run past an unexpected block' \
    has "$err" "[missing-media]"
check 'one unexpected block, two errors in all' \
    test "$(grep -c ': error: ' "$err")" -eq 2

# plain words for schema errors: what is wrong and what is expected
mkproj words
sed -i 's/        id: count-10/        id: Count 10/' "$tmp/words/lessons/numbers-01.yaml"
diag_is words 1 "lessons/numbers-01.yaml:9:9: error: id is an id: lowercase letters, digits, '.', '_' and '-', starting with a letter or digit, such as 'water-cycle', not 'Count 10' [schema]"
mkproj answer
mc=$(grep -n 'multiple-choice' "$tmp/answer/lessons/numbers-01.yaml" | head -1 | cut -d: -f1)
sed -i "$((mc + 2))s/answer: .*/answer: sia/" "$tmp/answer/lessons/numbers-01.yaml"
run "$LPC" check --color=never "$tmp/answer"
check "multiple-choice answer given as an option's text" \
    has "$err" "error: answer must be the id of one of the options (a, b, c); 'sia' is an option's text [bad-key]"
mkproj answer2
sed -i "$((mc + 2))s/answer: .*/answer: With nine/" "$tmp/answer2/lessons/numbers-01.yaml"
sed -i "s/option: {id: a, tet: sia, pt: nove}/option: {id: a, tet: sia, pt: With nine}/" "$tmp/answer2/lessons/numbers-01.yaml"
run "$LPC" check --color=never "$tmp/answer2"
check "an option's text that is no id: said in the schema's error" \
    has "$err" "error: answer must be the id of one of the options (a, b, c); 'With nine' is an option's text [schema]"
check 'a text that is no id: one error, not one per word' \
    test "$(grep -c ': error: ' "$err")" -eq 1
check 'an option text as answer: one error' \
    test "$(grep -c ': error: ' "$err")" -eq 1

# did you mean, for a misspelt element (and no echo of the missing one)
mkproj titel
sed -i 's|  <title tet=|  <titel tet=|' "$tmp/titel/lessons/numbers-02.xml"
diag_is titel 1 "lessons/numbers-02.xml:4:3: error: 'titel' is not allowed here; did you mean 'title'? [schema]"
check 'a misspelt element: one error' test "$(grep -c ': error: ' "$err")" -eq 1

# did you mean, for a misspelt attribute (and no echo of the required one)
mkproj atl
sed -i '0,/              alt: Fatuk sanulu/s//              atl: Fatuk sanulu/' "$tmp/atl/lessons/numbers-01.yaml"
sed -i 's/^  duration: 40/  duraton: 40/' "$tmp/atl/lessons/numbers-01.yaml"
diag_is atl 1 "lessons/numbers-01.yaml:41:15: error: 'image' has no 'atl'; did you mean 'alt'? [schema]"
check "a misspelt attribute: did you mean" \
    has "$err" "lessons/numbers-01.yaml:3:3: error: 'lesson' has no 'duraton'; did you mean 'duration'? [schema]"
check 'two misspelt attributes: two errors' \
    test "$(grep -c ': error: ' "$err")" -eq 2

# HTML typed into a text: a warning that says how to write it
mkproj html
sed -i 's|              - " husi ida to.o sanulu. Haree ba imajen no konta fatuk|              - " husi <strong>ida</strong> to'"'"'o sanulu. Haree ba imajen no konta fatuk|' "$tmp/html/lessons/numbers-01.yaml"
diag_is html 0 "lessons/numbers-01.yaml:26:17: warning: '<strong>' in a text is shown as it is, not as formatting; write a run '- strong: ...' instead [html-in-text]"
mkproj htmlxml
sed -i 's|<h1>Aumenta númeru</h1>|<h1>Aumenta \&lt;b\&gt;númeru\&lt;/b\&gt;</h1>|' "$tmp/htmlxml/lessons/numbers-02.xml"
diag_is htmlxml 0 "lessons/numbers-02.xml:12:7: warning: '<b>' in a text is shown as it is, not as formatting; write a <strong> element instead [html-in-text]"
mkproj nohtml
sed -i 's|<h1>Aumenta númeru</h1>|<h1>Aumenta: 2 \&lt; 3 \&gt; 1</h1>|' "$tmp/nohtml/lessons/numbers-02.xml"
expect_exit 0 "$LPC" check --werror "$tmp/nohtml"

# the caret under the right character: columns count characters, the
# padding counts what a terminal shows (CJK two cells, a combining mark none)
rm -rf "$tmp/caret"; cp -R "$top_srcdir/examples/amharic-english" "$tmp/caret"
sed -i '0,/correct: {am: ጎበዝ!, en: Well done!}/s//correct: {am: 中文ጎበዝ!, xx: Well done!}/' \
    "$tmp/caret/lessons/washing-hands.yaml"
run "$LPC" check --color=never "$tmp/caret"
check 'caret: col counts characters' has "$err" "washing-hands.yaml:77:33: error: 'xx'"
caret=$(sed -n '/washing-hands.yaml:77:33/{n;n;p;}' "$err")
check 'caret: padded by display width (CJK wide)' \
    test "$caret" = "$(printf ' %34s^' '')"
rm -rf "$tmp/caret2"; cp -R "$top_srcdir/examples/amharic-english" "$tmp/caret2"
sed -i "0,/correct: {am: ጎበዝ!, en: Well done!}/s//correct: {am: e$(printf '\314\201')e$(printf '\314\201')ጎበዝ!, xx: Well done!}/" \
    "$tmp/caret2/lessons/washing-hands.yaml"
run "$LPC" check --color=never "$tmp/caret2"
caret=$(sed -n '/washing-hands.yaml:77:35/{n;n;p;}' "$err")
check 'caret: a combining mark takes no column' \
    test "$caret" = "$(printf ' %32s^' '')"

# a YAML file named .xml, and the reverse
mkproj yamlxml
mv "$tmp/yamlxml/lessons/numbers-01.yaml" "$tmp/yamlxml/lessons/numbers-01.xml"
sed -i 's/numbers-01.yaml/numbers-01.xml/' "$tmp/yamlxml/curriculum.yaml"
diag_is yamlxml 1 "lessons/numbers-01.xml:1:1: error: this file holds YAML, not XML: rename it to 'numbers-01.yaml' (and where the curriculum file names it) [syntax]"
mkproj xmlyaml
mv "$tmp/xmlyaml/lessons/numbers-02.xml" "$tmp/xmlyaml/lessons/numbers-02.yaml"
sed -i 's/numbers-02.xml/numbers-02.yaml/' "$tmp/xmlyaml/curriculum.yaml"
diag_is xmlyaml 1 "lessons/numbers-02.yaml:1:1: error: this file holds XML, not YAML: rename it to 'numbers-02.xml' (and where the curriculum file names it) [syntax]"

# libyaml's problems in plain words
mkproj yamlindent
sed -i '3s/^  duration: 40/ duration: 40/' "$tmp/yamlindent/lessons/numbers-01.yaml"
diag_is yamlindent 1 "lessons/numbers-01.yaml:3:2: error: this line does not line up with the keys above it (check its indentation), or the line before lacks a ':'; the block it is in starts on line 1 [syntax]"
mkproj yamlcolon
sed -i "s|^    pt: \"Lição 1: Contar de um a dez\"|    pt: Lição 1: Contar de um a dez|" "$tmp/yamlcolon/lessons/numbers-01.yaml"
run "$LPC" check --color=never "$tmp/yamlcolon"
check "a ': ' inside a value: quote it" \
    has "$err" "error: a ': ' inside a value: put the value in quotes"

# syntax: YAML and XML
mkproj syntax-yaml
printf 'curriculum:\n  id: [unclosed\n' > "$tmp/syntax-yaml/curriculum.yaml"
diag_is syntax-yaml 1 "curriculum.yaml:3:1: error: did not find expected ',' or ']' [syntax]"
mkproj syntax-xml
sed -i 's|</lesson>|</lessn>|' "$tmp/syntax-xml/lessons/numbers-02.xml"
diag_is syntax-xml 1 "lessons/numbers-02.xml:53:9: error: opening and ending tag mismatch: lesson line 3 and lessn [syntax]"
check 'syntax: XML code' has "$err" "[syntax]"

# yaml-shape: a list item with two keys; a duplicate key
mkproj shape
sed -i 's/      - li: rua/      - {li: rua, em: tolu}/' "$tmp/shape/lessons/numbers-01.yaml"
diag_is shape 1 "lessons/numbers-01.yaml:30:27: error: a list item describes one element; start another item with '-' [yaml-shape]"
mkproj dupkey
sed -i 's/^  duration: 40/  duration: 40\n  duration: 41/' "$tmp/dupkey/lessons/numbers-01.yaml"
diag_is dupkey 1 "lessons/numbers-01.yaml:4:3: error: duplicate key 'duration' [yaml-shape]"

# dup-id: a lesson id used twice, with a note at the first
mkproj dup
sed -i 's/id="numbers-02"/id="numbers-01"/' "$tmp/dup/lessons/numbers-02.xml"
diag_is dup 1 "lessons/numbers-02.xml:3:9: error: lesson id 'numbers-01' is used twice [dup-id]"
check 'dup-id: note at the first use' has "$err" "lessons/numbers-01.yaml:2:3: note: first used here [dup-id]"
mkproj dupopt
sed -i 's/option: {id: c,/option: {id: a,/' "$tmp/dupopt/lessons/numbers-01.yaml"
diag_is dupopt 1 "lessons/numbers-01.yaml:89:22: error: option id 'a' is used twice [dup-id]"

# dangling-ref: prerequisite and link
mkproj dangling
sed -i 's/requires="numbers-01"/requires="numbers-00"/' "$tmp/dangling/lessons/numbers-02.xml"
diag_is dangling 1 "lessons/numbers-02.xml:3:39: error: no lesson has the id 'numbers-00' [dangling-ref]"
sed -i 's/requires="numbers-00"/requires="numbers-01"/; s/lesson:numbers-01">lição/lesson:numbers-9">lição/' "$tmp/dangling/lessons/numbers-02.xml"
diag_is dangling 1 "lessons/numbers-02.xml:33:20: error: no lesson has the id 'numbers-9' [dangling-ref]"

# missing-file: a lesson file that is not there
mkproj nofile
sed -i 's|lessons/numbers-02.xml|lessons/numbers-03.xml|' "$tmp/nofile/curriculum.yaml"
diag_is nofile 1 "curriculum.yaml:38:34: error: no such file:"
check 'missing-file: code' has "$err" "[missing-file]"

# missing-media, bad-path
mkproj nomedia
sed -i 's|src: ../media/fatuk-sanulu.png|src: ../media/fatuk-sanulu.jpg|' "$tmp/nomedia/lessons/numbers-01.yaml"
diag_is nomedia 1 "lessons/numbers-01.yaml:40:15: error: no such file: '../media/fatuk-sanulu.jpg' (media/fatuk-sanulu.jpg); did you mean '../media/fatuk-sanulu.png'? [missing-media]"
check 'missing-media: the file suggested is not also reported unused' \
    sh -c "! grep -q 'unused-media' '$err'"
mkproj nomedia2
sed -i 's|src: ../media/fatuk-sanulu.png|src: ../media/Fatuk-Sanulu.PNG|' "$tmp/nomedia2/lessons/numbers-01.yaml"
diag_is nomedia2 1 "lessons/numbers-01.yaml:40:15: error: no such file: '../media/Fatuk-Sanulu.PNG' (media/Fatuk-Sanulu.PNG); did you mean '../media/fatuk-sanulu.png'? [missing-media]"
mkproj nomedia3
sed -i 's|src: ../media/fatuk-sanulu.png|src: ../media/zebra.png|' "$tmp/nomedia3/lessons/numbers-01.yaml"
diag_is nomedia3 1 "lessons/numbers-01.yaml:40:15: error: no such file: '../media/zebra.png' (media/zebra.png) [missing-media]"
mkproj escape
sed -i 's|src: ../media/fatuk-sanulu.png|src: ../../../etc/passwd|' "$tmp/escape/lessons/numbers-01.yaml"
diag_is escape 1 "lessons/numbers-01.yaml:40:15: error: '../../../etc/passwd' leaves the project folder [bad-path]"
mkproj link
ln -s /etc/passwd "$tmp/link/media/passwd.png"
sed -i 's|src: ../media/fatuk-sanulu.png|src: ../media/passwd.png|' "$tmp/link/lessons/numbers-01.yaml"
diag_is link 1 "lessons/numbers-01.yaml:40:15: error: '../media/passwd.png' is a symbolic link [bad-path]"

# bad-key: an answer that is no option
mkproj badkey
sed -i 's/answer: b/answer: d/' "$tmp/badkey/lessons/numbers-01.yaml"
diag_is badkey 1 "lessons/numbers-01.yaml:82:9: error: answer 'd' of 'how-many-stones' is not one of its options [bad-key]"

# missing-translation: with and without a fallback
mkproj tr
sed -i 's| pt="Lição 2: Somar números"||' "$tmp/tr/lessons/numbers-02.xml"
diag_is tr 1 "lessons/numbers-02.xml:4:3: error: <title> has no 'pt' text (and 'pt' has no fallback) [missing-translation]"
mkproj trfb
sed -i 's|tet="Lisaun 2: Aumenta númeru" ||' "$tmp/trfb/lessons/numbers-02.xml"
expect_exit 0 "$LPC" check "$tmp/trfb"
check 'missing tet text is covered by its fallback pt' is_empty "$err"
mkproj trbody
sed -i '/<body lang="pt">/,/<\/body>/d' "$tmp/trbody/lessons/numbers-02.xml"
diag_is trbody 1 "lessons/numbers-02.xml:10:3: error: lesson 'numbers-02' has no 'pt' text (and 'pt' has no fallback) [missing-translation]"

# unknown-language
mkproj lang
sed -i 's/option: {id: a, tet: sia, pt: nove}/option: {id: a, tet: sia, pt: nove, fr: neuf}/' "$tmp/lang/lessons/numbers-01.yaml"
diag_is lang 1 "lessons/numbers-01.yaml:87:49: error: 'fr' is not a language of this curriculum [unknown-language]"
mkproj deflang
sed -i 's/default: tet/default: en/' "$tmp/deflang/curriculum.yaml"
diag_is deflang 1 "curriculum.yaml:15:5: error: default language 'en' is not one of the languages [unknown-language]"

# bad-language: did you mean, by code and by name; one mistake, one error
mkproj badlang
sed -i 's/tag: tet, name: Tetun/tag: kh, name: Tetun/' "$tmp/badlang/curriculum.yaml"
diag_is badlang 1 "curriculum.yaml:17:20: error: 'kh' is not a known language; did you mean 'km' (Khmer, ខ្មែរ)? [bad-language]"
check 'bad-language: the texts in tet are not each an error' \
    test "$(grep -c ': error: ' "$err")" -eq 1
check 'bad-language: a note says what is held back' \
    has "$err" "note: texts in languages that are not declared are not reported until the languages are fixed"
for typo in tetun:tet:Tetum prt:pt:Portuguese amharik:am:Amharic; do
    mkproj badlang2
    sed -i "s/tag: pt, name/tag: ${typo%%:*}, name/" "$tmp/badlang2/curriculum.yaml"
    want=${typo#*:}
    run "$LPC" check --color=never "$tmp/badlang2"
    check "bad-language: '${typo%%:*}' suggests '${want%%:*}'" \
        has "$err" "did you mean '${want%%:*}' (${want#*:}"
done
mkproj badlang3
sed -i 's/tag: pt, name/tag: xx, name/' "$tmp/badlang3/curriculum.yaml"
run "$LPC" check --color=never "$tmp/badlang3"
check "bad-language: no wild guess for a two-letter tag near nothing" \
    has "$err" "'xx' is not a known language (a BCP 47 tag whose language ICU knows"

# unused-media: a warning; --werror makes it an error
mkproj unused
cp "$example/media/fatuk-sanulu.png" "$tmp/unused/media/spare.png"
diag_is unused 0 "media/spare.png: warning: no lesson uses this file [unused-media]"
expect_exit 1 "$LPC" check --werror "$tmp/unused"
expect_exit 0 "$LPC" check -q "$tmp/unused"
check '-q: warnings not shown' is_empty "$err"

# encoding: invalid UTF-8 with its position; a UTF-8 BOM is fine; UTF-16
mkproj utf8
printf 'lesson:\n  id: numbers-01\n  duration: \303\251\377\n' > "$tmp/utf8/lessons/numbers-01.yaml"
diag_is utf8 1 "lessons/numbers-01.yaml:3:14: error: invalid UTF-8 (byte 0xff at offset 39) [encoding]"
mkproj bom
{ printf '\357\273\277'; cat "$example/curriculum.yaml"; } > "$tmp/bom/curriculum.yaml"
expect_exit 0 "$LPC" check "$tmp/bom"
mkproj utf16
printf '\377\376c\000u\000' > "$tmp/utf16/lessons/numbers-02.xml"
diag_is utf16 1 "lessons/numbers-02.xml: error: file is UTF-16 or UTF-32; sources must be UTF-8 [encoding]"
# another encoding declared on UTF-8 bytes: reported where it is declared,
# and libxml2 never converts (nor prints conversion errors on stderr)
mkproj utf7
sed -i '1s/.*/<?xml version="1.0" encoding="UTF-7"?>/' "$tmp/utf7/lessons/numbers-02.xml"
diag_is utf7 1 "lessons/numbers-02.xml:1:31: error: the file declares encoding 'UTF-7'; sources must be UTF-8 [encoding]"
check 'utf7: nothing from libxml2 on stderr' sh -c "! grep -q 'encoding error\|I/O error' '$err'"
mkproj latin1
sed -i "1s/.*/<?xml version='1.0' encoding = 'ISO-8859-1' ?>/" "$tmp/latin1/lessons/numbers-02.xml"
diag_is latin1 1 "lessons/numbers-02.xml:1:33: error: the file declares encoding 'ISO-8859-1'; sources must be UTF-8 [encoding]"

# ------------------------------------------------------------ formats

run "$LPC" check --diagnostics=json "$tmp/badkey"
check 'json: exit 1' test "$status" -eq 1
check 'json: nothing on stderr' is_empty "$err"
check 'json: the diagnostic' has "$out" '"severity":"error","code":"bad-key","file":"'"$tmp"'/badkey/lessons/numbers-01.yaml","line":82,"column":9,'
check 'json: verdict' has "$out" '"errors":1,"warnings":0,"ok":false}'
if command -v python3 >/dev/null 2>&1; then
    check 'json: parses' python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$out"
fi
run "$LPC" check --diagnostics=github "$tmp/badkey"
check 'github: annotation' has "$out" "::error file=$tmp/badkey/lessons/numbers-01.yaml,line=82,col=9,title=lpc bad-key::answer 'd'"
run "$LPC" check --color=always "$tmp/badkey"
check 'color=always: escapes' grep -q "$(printf '\033')\\[" "$err"
run "$LPC" check "$tmp/badkey"
check 'not a terminal: no escapes' test "$(grep -c "$(printf '\033')" "$err")" -eq 0

# ------------------------------------------------------------ coverage

# the example: every text in tet and pt; then pt texts removed, a tet one
# (covered by its fallback pt), a lesson body in pt
run "$LPC" check --coverage "$example"
check 'coverage: exit 0' test "$status" -eq 0
check 'coverage: header' has "$out" "language           own  fallback   missing       own  fallback   missing"
ntexts=$(awk '$1 == "tet" { print $2 }' "$out")
check 'coverage: tet all own' grep -Eq "^tet +$ntexts +0 +0 +2 +0 +0\$" "$out"
check 'coverage: pt all own' grep -Eq "^pt +$ntexts +0 +0 +2 +0 +0\$" "$out"
check 'coverage: one line per language' test "$(wc -l < "$out")" -eq 4
mkproj cov
sed -i 's|tet="Lisaun 2: Aumenta númeru" ||' "$tmp/cov/lessons/numbers-02.xml"
sed -i '/<body lang="pt">/,/<\/body>/d' "$tmp/cov/lessons/numbers-02.xml"
run "$LPC" check --coverage "$tmp/cov"
check 'coverage: exit 1 (a body missing)' test "$status" -eq 1
check 'coverage: tet title by fallback' grep -Eq "^tet +$((ntexts - 1)) +1 +0 +1 +1 +0\$" "$out"
check 'coverage: pt lesson missing' grep -Eq "^pt +$((ntexts - 1)) +0 +1 +1 +0 +1\$" "$out"
check 'coverage: the error too' has "$err" "lesson 'numbers-02' has no 'pt' text"
run "$LPC" check --coverage --diagnostics=json "$tmp/cov"
check 'coverage json: member' has "$out" '"coverage":[{"language":"tet","texts":{"own":'"$((ntexts - 1))"',"fallback":1,"missing":0},"lessons":{"own":1,"fallback":1,"missing":0}},{"language":"pt"'
if command -v python3 >/dev/null 2>&1; then
    check 'coverage json: parses' python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$out"
fi
run "$LPC" check --coverage --diagnostics=github "$tmp/cov"
check 'coverage github: notice' has "$out" "::notice title=lpc coverage::tet: texts $((ntexts - 1)) own, 1 by fallback, 0 missing; lessons 1 own, 1 by fallback, 0 missing"
run "$LPC" check "$tmp/cov"
check 'no --coverage: no report' is_empty "$out"
expect_exit 2 "$LPC" build --coverage "$example" -o "$tmp/cov.lpk"
expect_exit 2 "$LPC" check --coverage --coverage "$example"

# ------------------------------------------------------------ hostile

# YAML alias bomb: refused at the first anchor
mkproj bomb
cat > "$tmp/bomb/lessons/numbers-01.yaml" <<'EOF'
lesson:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
EOF
diag_is bomb 1 "lessons/numbers-01.yaml:2:6: error: YAML anchors are not allowed (&a) [unsafe]"

# XML billion laughs and external entities: no DOCTYPE at all
mkproj laughs
cat > "$tmp/laughs/lessons/numbers-02.xml" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE lesson [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lesson id="x" duration="5"><title tet="&lol9;"/></lesson>
EOF
diag_is laughs 1 "lessons/numbers-02.xml:2:1: error: document types (<!DOCTYPE>) are not allowed"
mkproj xxe
cat > "$tmp/xxe/lessons/numbers-02.xml" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE lesson [<!ENTITY x SYSTEM "file:///etc/passwd">
 <!ENTITY y SYSTEM "http://127.0.0.1:9/x">]>
<lesson id="x" duration="5"><title tet="&x;&y;"/></lesson>
EOF
diag_is xxe 1 "lessons/numbers-02.xml:2:1: error: document types (<!DOCTYPE>) are not allowed"
check 'xxe: no file content leaked' test "$(grep -c 'root:' "$err")" -eq 0
mkproj xxe2
printf '<?xml version="1.0"?>\n<!DOCTYPE lesson SYSTEM "file:///etc/passwd">\n<lesson/>\n' > "$tmp/xxe2/lessons/numbers-02.xml"
diag_is xxe2 1 "lessons/numbers-02.xml:2:1: error: document types (<!DOCTYPE>) are not allowed"

# deep nesting, both syntaxes
mkproj deep
awk 'BEGIN { printf "lesson:\n  x: "; for (i = 0; i < 20000; i++) printf "{a: "; for (i = 0; i < 20000; i++) printf "}"; print "" }' > "$tmp/deep/lessons/numbers-01.yaml"
diag_is deep 1 "lessons/numbers-01.yaml:2:"
check 'deep YAML: limit' has "$err" "[limit]"
awk 'BEGIN { printf "<lesson>"; for (i = 0; i < 20000; i++) printf "<p>"; for (i = 0; i < 20000; i++) printf "</p>"; print "</lesson>" }' > "$tmp/deep/lessons/numbers-02.xml"
run timeout 20 "$LPC" check "$tmp/deep"
check 'deep XML: refused' has "$err" "lessons/numbers-02.xml:1:"
# past libxml2's own limit (256) too: lpc's message, at the first element
# past lpc's limit (48 deep: the lesson and 47 p), not libxml2's
check 'deep XML: our limit' has "$err" "lessons/numbers-02.xml:1:150: error: nested more than 48 levels deep [limit]"
check 'deep XML: not libxml2 words' sh -c "! grep -q 'excessive depth\|XML_PARSE_HUGE' '$err'"
awk 'BEGIN { printf "<lesson>"; for (i = 0; i < 100; i++) printf "<p>"; for (i = 0; i < 100; i++) printf "</p>"; print "</lesson>" }' > "$tmp/deep/lessons/numbers-02.xml"
run timeout 20 "$LPC" check "$tmp/deep"
check 'deep XML under 256: the same limit' has "$err" "lessons/numbers-02.xml:1:150: error: nested more than 48 levels deep [limit]"

# a huge line (within the size limit) and a file over it
mkproj huge
awk 'BEGIN { printf "lesson:\n  id: numbers-01\n  title: {tet: \""; for (i = 0; i < 700000; i++) printf "kontakonta"; print "\"}" }' > "$tmp/huge/lessons/numbers-01.yaml"
diag_is huge 1 "lessons/numbers-01.yaml:1:1: error: 'lesson' needs 'duration' [schema]"
awk 'BEGIN { for (i = 0; i < 900000; i++) printf "# kontakonta\n" }' > "$tmp/huge/lessons/numbers-01.yaml"
diag_is huge 1 "lessons/numbers-01.yaml: error: file is larger than 8388608 bytes [limit]"

# binary junk
mkproj junk
head -c 65536 /dev/urandom > "$tmp/junk/lessons/numbers-01.yaml"
head -c 65536 /dev/urandom > "$tmp/junk/lessons/numbers-02.xml"
run timeout 20 "$LPC" check "$tmp/junk"
check 'junk: exit 1' test "$status" -eq 1
check 'junk: both files reported' test "$(grep -c 'error: .*\[encoding\]\|error: .*\[syntax\]' "$err")" -eq 2
# the same diagnostics, in the same order, whatever the threads
cp "$err" "$tmp/junk.err"
for t in 1 2 8; do
    run timeout 20 "$LPC" check --color=never --threads=$t "$tmp/junk"
    check "junk, --threads=$t: the same diagnostics" cmp "$tmp/junk.err" "$err"
done

# NUL byte / control character
mkproj ctl
printf 'lesson:\n  id: a\001b\n' > "$tmp/ctl/lessons/numbers-01.yaml"
diag_is ctl 1 "lessons/numbers-01.yaml:2:8: error: control character U+0001 is not allowed [encoding]"

done_testing
