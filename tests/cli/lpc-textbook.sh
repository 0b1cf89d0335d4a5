#!/bin/sh
# What a textbook needs (lp-curriculum(5)), through the whole chain: the
# same source in YAML and XML compiles to the same lesson document; each
# new element has a source that misuses it and the exact diagnostic, in
# words an author can act on; lessons that use them are "lp-lesson 2",
# the others stay "lp-lesson 1"; the pages show them.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

LPC=${LPC:-$top_builddir/lpc/lpc}
LPACK=${LPACK:-$top_builddir/lpack/lpack}
[ -x "$LPC" ] || bail_out "LPC='$LPC' is not an executable program"
example=$top_srcdir/examples/college-physics
SOURCE_DATE_EPOCH=1767225600
export SOURCE_DATE_EPOCH

# ------------------------------------------------------------ the example

expect_exit 0 "$LPC" check "$example"
check 'example: clean' is_empty "$err"
expect_exit 0 "$LPC" build "$example" -o "$tmp/physics.lpk"
expect_exit 0 "$LPACK" cat "$tmp/physics.lpk" curriculum/lessons/displacement/en.json
cp "$out" "$tmp/displacement.json"
check 'a lesson with notes is lp-lesson 2' has "$tmp/displacement.json" '{"format":"lp-lesson 2",'
check 'note: kind, title, blocks' has "$tmp/displacement.json" \
    '{"type":"note","kind":"tip","title":["Displacement"],"blocks":[{"type":"p","content":["Displacement is the ",{"type":"em","content":["change in position"]}'
check 'subscript' has "$tmp/displacement.json" 'object: Δx = x",{"type":"sub","content":["f"]}," − x",{"type":"sub","content":["0"]}'
check 'superscript' has "$tmp/displacement.json" 'in m/s",{"type":"sup","content":["2"]}'
check 'term' has "$tmp/displacement.json" '{"type":"term","content":["position"]}'
check 'glossary: terms and definitions in order' has "$tmp/displacement.json" \
    '{"type":"dl","items":[{"type":"dt","content":["kinematics"]},{"type":"dd","content":["the study of motion without considering its causes"]},{"type":"dt"'
expect_exit 0 "$LPC" build "$top_srcdir/examples/tetum-math" -o "$tmp/math.lpk"
expect_exit 0 "$LPACK" cat "$tmp/math.lpk" curriculum/lessons/numbers-01/tet.json
check 'a lesson without them stays lp-lesson 1 (older runtimes read it)' \
    has "$out" '{"format":"lp-lesson 1",'

# ------------------------------------------------------------ both syntaxes

# the same lesson in YAML and in XML: byte for byte the same document
mkdir -p "$tmp/yx/lessons"
cat >"$tmp/yx/curriculum.yaml" <<'YAML'
curriculum:
  id: org.example.yx
  country: US
  version: 1
  title: {en: Both}
  languages:
    default: en
    _:
      - language: {tag: en, name: English}
  license: {spdx: CC-BY-4.0, attribution: Example}
  subjects:
    - subject:
        id: s
        title: {en: S}
        grades:
          - grade:
              id: g
              title: {en: G}
              units:
                - unit:
                    id: u
                    title: {en: U}
                    lessons:
                      - lesson: {src: lessons/l.yaml}
YAML
cat >"$tmp/yx/lessons/l.yaml" <<'YAML'
lesson:
  id: l
  duration: 10
  title: {en: L}
  content:
    - body:
        lang: en
        _:
          - p: ["H", {sub: "2"}, "O and E = mc", {sup: "2"}, "; a ", {term: [{em: vector}]}, "."]
          - note:
              kind: warning
              _:
                - title: ["Careful with x", {sub: "0"}]
                - p: Outer.
                - note:
                    - p: ["Inner, a ", {a: {href: "lesson:l", _: [link, {sup: "*"}]}}]
          - dl:
              - dt: speed
              - dt: velocity
              - dd: ["how fast, in m/s", {sup: "1"}]
              - dd: second meaning
              - dt: mass
              - dd: kg
YAML
cp -R "$tmp/yx" "$tmp/xy"
rm "$tmp/xy/lessons/l.yaml"
sed -i 's|lessons/l.yaml|lessons/l.xml|' "$tmp/xy/curriculum.yaml"
cat >"$tmp/xy/lessons/l.xml" <<'XML'
<lesson id="l" duration="10">
  <title en="L"/>
  <content>
    <body lang="en">
      <p>H<sub>2</sub>O and E = mc<sup>2</sup>; a <term><em>vector</em></term>.</p>
      <note kind="warning">
        <title>Careful with x<sub>0</sub></title>
        <p>Outer.</p>
        <note><p>Inner, a <a href="lesson:l">link<sup>*</sup></a></p></note>
      </note>
      <dl>
        <dt>speed</dt>
        <dt>velocity</dt>
        <dd>how fast, in m/s<sup>1</sup></dd>
        <dd>second meaning</dd>
        <dt>mass</dt>
        <dd>kg</dd>
      </dl>
    </body>
  </content>
</lesson>
XML
expect_exit 0 "$LPC" build "$tmp/yx" -o "$tmp/yx.lpk"
expect_exit 0 "$LPACK" cat "$tmp/yx.lpk" curriculum/lessons/l/en.json
cp "$out" "$tmp/yx.json"
expect_exit 0 "$LPC" build "$tmp/xy" -o "$tmp/xy.lpk"
expect_exit 0 "$LPACK" cat "$tmp/xy.lpk" curriculum/lessons/l/en.json
check 'YAML and XML: the same lesson document' cmp -s "$out" "$tmp/yx.json"
check 'nested notes; a note without kind is a "note"' has "$tmp/yx.json" \
    '{"type":"note","kind":"note","blocks":[{"type":"p","content":["Inner, a ",{"type":"link","lesson":"l","content":["link",{"type":"sup","content":["*"]}]}]}]}'
check 'inline runs in a note title' has "$tmp/yx.json" \
    '"title":["Careful with x",{"type":"sub","content":["0"]}]'

# ------------------------------------------------------------ diagnostics

example=$tmp/yx
mkproj_l() { # NAME: a copy of the YAML project, its lesson from stdin
    rm -rf "${tmp:?}/$1"
    cp -R "$tmp/yx" "$tmp/$1"
    cat >"$tmp/$1/lessons/l.yaml"
}
lesson_with() { # NAME BLOCKS...: the lesson with these lines as its body
    _n=$1
    shift
    {
        printf 'lesson:\n  id: l\n  duration: 10\n  title: {en: L}\n'
        printf '  content:\n    - body:\n        lang: en\n        _:\n'
        for _l in "$@"; do printf '%s\n' "$_l"; done
    } | mkproj_l "$_n"
}
lesson_with kind '          - note: {kind: danger, _: [p: x]}'
diag_is kind 1 "lessons/l.yaml:9:20: error: kind is one of 'note', 'tip', 'warning', 'example', not 'danger' [schema]"
lesson_with empty-note '          - note: {kind: tip}'
diag_is empty-note 1 "lessons/l.yaml:9:13: error: 'note' holds no block: give it a paragraph ('p') or another block [schema]"
lesson_with title-only '          - note: [title: T]'
diag_is title-only 1 "lessons/l.yaml:9:13: error: 'note' holds no block: give it a paragraph ('p') or another block after its title [schema]"
lesson_with title-late '          - note: [p: x, title: T]'
diag_is title-late 1 "lessons/l.yaml:9:26: error: a note's 'title' comes first, before its blocks, and only once [schema]"
lesson_with dd-first '          - dl: [dd: x, dt: y, dd: z]'
diag_is dd-first 1 "lessons/l.yaml:9:18: error: 'dd' (a definition) must come after the 'dt' (the term) it defines [schema]"
lesson_with dt-last '          - dl: [dt: x, dd: y, dt: z]'
diag_is dt-last 1 "lessons/l.yaml:9:13: error: the last term ('dt') of 'dl' has no definition ('dd') after it [schema]"
lesson_with dl-empty '          - dl: []'
diag_is dl-empty 1 "lessons/l.yaml:9:13: error: 'dl' is empty: give it terms ('dt'), each followed by its definition ('dd') [schema]"
lesson_with dl-li '          - dl: [dt: x, li: y]'
diag_is dl-li 1 "lessons/l.yaml:9:25: error: 'li' is not allowed here; expected one of 'dt' or 'dd' [schema]"
lesson_with sub-block '          - sub: "2"'
diag_is sub-block 1 "lessons/l.yaml:9:13: error: 'sub' is inline text: put it inside a paragraph ('p') or another block [schema]"
lesson_with term-note '          - note: [term: x]'
diag_is term-note 1 "lessons/l.yaml:9:20: error: 'term' is inline text: put it inside a paragraph ('p') or another block [schema]"
lesson_with note-in-p '          - p: [x, note: [p: y]]'
diag_is note-in-p 1 "lessons/l.yaml:9:20: error: 'note' is not allowed here; expected one of 'em', 'strong', 'sub', 'sup', 'term' or 'a' [schema]"
lesson_with term-in-a '          - p: [a: {href: "lesson:l", _: [term: y]}]'
diag_is term-in-a 1 "lessons/l.yaml:9:43: error: a link ('a') cannot hold a 'term': put the link inside the term instead [schema]"
lesson_with sub-attr '          - p: [sub: {em: x}]'
diag_is sub-attr 1 "lessons/l.yaml:9:23: error: 'sub' has no 'em' [schema]"
# the checks reach into notes: media, links, and HTML typed as text
lesson_with note-media '          - note: [p: x, image: {src: ../media/none.png, alt: y}]'
diag_is note-media 1 "lessons/l.yaml:9:34: error: no such file: '../media/none.png' (media/none.png) [missing-media]"
lesson_with note-link '          - note: [note: [p: [a: {href: "lesson:nowhere", _: x}]]]'
diag_is note-link 1 "lessons/l.yaml:9:35: error: no lesson has the id 'nowhere' [dangling-ref]"
lesson_with html-sub '          - p: "H<sub>2</sub>O"'
diag_is html-sub 0 "lessons/l.yaml:9:16: warning: '<sub>' in a text is shown as it is, not as formatting; write a run '- sub: ...' instead [html-in-text]"

# an image in a note is packed with the lesson
mkdir -p "$tmp/note-img/media"
cp "$top_srcdir/examples/college-physics/media/free-body-sled.jpg" "$tmp/note-img/media/f.jpg"
lesson_with note-img '          - note: [note: [image: {src: ../media/f.jpg, alt: y}]]'
mkdir -p "$tmp/note-img/media"
cp "$top_srcdir/examples/college-physics/media/free-body-sled.jpg" "$tmp/note-img/media/f.jpg"
expect_exit 0 "$LPC" build "$tmp/note-img" -o "$tmp/note-img.lpk"
expect_exit 0 "$LPACK" ls "$tmp/note-img.lpk"
check 'an image in a nested note: packed' has "$out" "media/f.jpg"

# ------------------------------------------------------------ pages

expect_exit 0 "$LPACK" html "$tmp/yx.lpk" -o "$tmp/site"
page=$tmp/site/en/l.html
check 'page: sub and sup' has "$page" '<p>H<sub>2</sub>O and E = mc<sup>2</sup>; a <dfn><em>vector</em></dfn>.</p>'
check 'page: a note is an aside, its title first' has "$page" \
    '<aside class="note warning"><p class="note-title">Careful with x<sub>0</sub></p>'
check 'page: a note without a title says what it is, in the interface language' \
    has "$page" '<aside class="note"><p class="note-title">Note</p>'
check 'page: a glossary' has "$page" \
    '<dl><dt><dfn>speed</dfn></dt><dt><dfn>velocity</dfn></dt><dd>how fast, in m/s<sup>1</sup></dd>'
done_testing
