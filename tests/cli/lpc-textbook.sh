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

# lesson_doc NAME: build the project $tmp/NAME; its lesson l in English
# is then in $out
lesson_doc() {
    expect_exit 0 "$LPC" build "$tmp/$1" -o "$tmp/$1.lpk"
    expect_exit 0 "$LPACK" cat "$tmp/$1.lpk" curriculum/lessons/l/en.json
}

# ------------------------------------------------------------ the example

expect_exit 0 "$LPC" check "$example"
check 'example: clean' is_empty "$err"
expect_exit 0 "$LPC" build "$example" -o "$tmp/physics.lpk"
expect_exit 0 "$LPACK" cat "$tmp/physics.lpk" curriculum/lessons/displacement/en.json
cp "$out" "$tmp/displacement.json"
check 'a lesson with mathematics is lp-lesson 3' has "$tmp/displacement.json" '{"format":"lp-lesson 3",'
check 'note: kind, title, blocks' has "$tmp/displacement.json" \
    '{"type":"note","id":"displacement-def","kind":"tip","title":["Displacement"],"blocks":[{"type":"p","content":["Displacement is the ",{"type":"em","content":["change in position"]}'
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
lesson_doc yx
cp "$out" "$tmp/yx.json"
lesson_doc xy
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
diag_is note-in-p 1 "lessons/l.yaml:9:20: error: 'note' is not allowed here; expected one of 'em', 'strong', 'sub', 'sup', 'term', 'math' or 'a' [schema]"
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
# ------------------------------------------------------------ figures, ids

rm -rf "$tmp/fig" "$tmp/gif"
mkdir -p "$tmp/fig/lessons" "$tmp/fig/media"
cp "$tmp/yx/curriculum.yaml" "$tmp/fig/"
sed -i 's|      - lesson: {src: lessons/l.yaml}|&\n                      - lesson: {src: lessons/m.xml}|' "$tmp/fig/curriculum.yaml"
cp "$top_srcdir/examples/college-physics/media/free-body-sled.jpg" "$tmp/fig/media/a.jpg"
cp "$tmp/fig/media/a.jpg" "$tmp/fig/media/b.jpg"
cat >"$tmp/fig/lessons/l.yaml" <<'YAML'
lesson:
  id: l
  duration: 10
  title: {en: L}
  content:
    - body:
        lang: en
        _:
          - h1: {id: top, _: Orbits}
          - p: {id: p1, _: ["See ", {a: {href: "#fig-1", _: the figure}}, " and ", {a: {href: "lesson:m#sum", _: [the summary]}}, "."]}
          - figure:
              id: fig-1
              _:
                - image: {src: ../media/a.jpg, alt: "(a) an ellipse"}
                - image: {id: fig-1b, src: ../media/b.jpg, alt: "(b) an orbit"}
                - caption: ["(a) An ellipse. (b) An orbit of mass m", {sub: "1"}, "."]
                - credit: {spdx: CC-BY-2.0, source: "https://example.org/photo", _: [NASA/Ames]}
          - figure: [{image: {src: ../media/a.jpg, alt: bare}}]
          - dl: [{dt: {id: orbit, _: orbit}}, dd: a path]
YAML
cat >"$tmp/fig/lessons/m.xml" <<'XML'
<lesson id="m" duration="10">
  <title en="M"/>
  <content>
    <body lang="en">
      <p id="sum">Back to <a href="lesson:l#top">the top</a> and the
        <a href="lesson:l#orbit">glossary</a>.</p>
    </body>
  </content>
</lesson>
XML
expect_exit 0 "$LPC" check "$tmp/fig"
check 'figures and links to blocks: clean' is_empty "$err"
lesson_doc fig
cp "$out" "$tmp/fig.json"
check 'block ids' has "$tmp/fig.json" '{"type":"h1","id":"top","content":["Orbits"]}'
check 'a link to a block of this lesson' has "$tmp/fig.json" \
    '{"type":"link","lesson":"l","block":"fig-1","content":["the figure"]}'
check 'a link to a block of another lesson' has "$tmp/fig.json" \
    '{"type":"link","lesson":"m","block":"sum","content":["the summary"]}'
check 'a figure: pictures, caption, credit' has "$tmp/fig.json" \
    '{"type":"figure","id":"fig-1","blocks":[{"type":"image","src":"media/a.jpg","alt":"(a) an ellipse"},{"type":"image","id":"fig-1b","src":"media/b.jpg","alt":"(b) an orbit"}],"caption":["(a) An ellipse. (b) An orbit of mass m",{"type":"sub","content":["1"]},"."],"credit":{"spdx":"CC-BY-2.0","source":"https://example.org/photo","content":["NASA/Ames"]}}'
check 'a figure without caption or credit' has "$tmp/fig.json" \
    '{"type":"figure","blocks":[{"type":"image","src":"media/a.jpg","alt":"bare"}]}'
check 'an id on a glossary term' has "$tmp/fig.json" '{"type":"dt","id":"orbit","content":["orbit"]}'
expect_exit 0 "$LPACK" ls "$tmp/fig.lpk"
check 'the pictures of a figure are packed' sh -c "grep -q media/a.jpg '$out' && grep -q media/b.jpg '$out'"
# the same figure in XML
cp -R "$tmp/fig" "$tmp/gif"
rm "$tmp/gif/lessons/l.yaml"
sed -i 's|lessons/l.yaml|lessons/l.xml|' "$tmp/gif/curriculum.yaml"
cat >"$tmp/gif/lessons/l.xml" <<'XML'
<lesson id="l" duration="10">
  <title en="L"/>
  <content>
    <body lang="en">
      <h1 id="top">Orbits</h1>
      <p id="p1">See <a href="#fig-1">the figure</a> and <a href="lesson:m#sum">the summary</a>.</p>
      <figure id="fig-1">
        <image src="../media/a.jpg" alt="(a) an ellipse"/>
        <image id="fig-1b" src="../media/b.jpg" alt="(b) an orbit"/>
        <caption>(a) An ellipse. (b) An orbit of mass m<sub>1</sub>.</caption>
        <credit spdx="CC-BY-2.0" source="https://example.org/photo">NASA/Ames</credit>
      </figure>
      <figure><image src="../media/a.jpg" alt="bare"/></figure>
      <dl><dt id="orbit">orbit</dt><dd>a path</dd></dl>
    </body>
  </content>
</lesson>
XML
lesson_doc gif
check 'figures and ids: YAML and XML give the same document' cmp -s "$out" "$tmp/fig.json"

# misuses, each with its diagnostic
figcase() { # NAME SED: a copy of the XML project, the lesson edited
    rm -rf "${tmp:?}/$1"
    cp -R "$tmp/gif" "$tmp/$1"
    sed -i "$2" "$tmp/$1/lessons/l.xml"
}
figcase dup-block 's|<p id="p1">|<p id="top">|'
diag_is dup-block 1 "lessons/l.xml:6:10: error: block id 'top' is used twice in the 'en' body [dup-id]"
check 'dup block id: where it was first used' has "$err" "lessons/l.xml:5:11: note: first used here [dup-id]"
figcase no-block 's|href="#fig-1"|href="#fig-9"|'
diag_is no-block 1 "lessons/l.xml:6:25: error: lesson 'l' has no block with the id 'fig-9' [dangling-ref]"
figcase no-block2 's|href="lesson:m#sum"|href="lesson:m#top"|'
diag_is no-block2 1 "lessons/l.xml:6:61: error: lesson 'm' has no block with the id 'top' [dangling-ref]"
figcase no-lesson 's|href="lesson:m#sum"|href="lesson:n#sum"|'
diag_is no-lesson 1 "lessons/l.xml:6:61: error: no lesson has the id 'n' [dangling-ref]"
figcase bad-href 's|href="#fig-1"|href="#Fig 1"|'
diag_is bad-href 1 "lessons/l.xml:6:25: error: href is 'lesson:' and a lesson id (then '#' and a block id, to point at a block of it), '#' and a block id of this lesson, an http:// or https:// address, or 'mailto:', such as 'lesson:numbers-02' or 'lesson:numbers-02#table-1', not '#Fig 1' [schema]"
figcase fig-empty 's|<figure><image src="../media/a.jpg" alt="bare"/></figure>|<figure><caption>c</caption></figure>|'
diag_is fig-empty 1 "lessons/l.xml:13:15: error: a figure starts with its pictures: at least one 'image', 'video' or 'audio' before its 'caption' and 'credit' [schema]"
figcase fig-order 's|<caption>(a)|<credit>x</credit><caption>(a)|'
diag_is fig-order 1 "lessons/l.xml:10:27: error: in a figure, its pictures come first, then its 'caption', then its 'credit', each at most once [schema]"
figcase fig-p 's|<figure><image src="../media/a.jpg" alt="bare"/></figure>|<figure><image src="../media/a.jpg" alt="bare"/><p>x</p></figure>|'
diag_is fig-p 1 "lessons/l.xml:13:55: error: 'p' is not allowed here; expected one of 'caption' or 'credit' [schema]"
figcase credit-url 's|source="https://example.org/photo"|source="lesson:m"|'
diag_is credit-url 1 "lessons/l.xml:11:34: error: source is an http:// or https:// address, such as 'https://openstax.org/', not 'lesson:m' [schema]"
figcase credit-spdx 's|spdx="CC-BY-2.0"|spdx="CC BY 2.0"|'
diag_is credit-spdx 1 "lessons/l.xml:11:17: error: spdx is an SPDX license expression, such as 'CC-BY-4.0', not 'CC BY 2.0' [schema]"
figcase fig-media 's|../media/b.jpg|../media/c.jpg|'
diag_is fig-media 1 "lessons/l.xml:9:28: error: no such file: '../media/c.jpg' (media/c.jpg); did you mean '../media/b.jpg'? [missing-media]"

# site NAME: the static site of $tmp/NAME.lpk; its lesson l in English is
# then $page
site() {
    rm -rf "${tmp:?}/$1site"
    expect_exit 0 "$LPACK" html "$tmp/$1.lpk" -o "$tmp/$1site"
    page=$tmp/$1site/en/l.html
}

# the pages: anchors, links to them, the figure
site fig
check 'page: a block keeps its id, set apart from the page own' has "$page" '<h2 id="b-top">Orbits</h2>'
check 'page: a link to a block of this lesson' has "$page" '<a href="l.html#b-fig-1">the figure</a>'
check 'page: a link to a block of another lesson' has "$page" '<a href="m.html#b-sum">the summary</a>'
check 'page: a figure, its caption and credit' has "$page" \
    '<figcaption>(a) An ellipse. (b) An orbit of mass m<sub>1</sub>.</figcaption>
<p class="credit"><small><a rel="external noopener noreferrer" href="https://example.org/photo">NASA/Ames</a> (CC-BY-2.0)</small></p>
</figure>'
check 'page: a figure with an id' has "$page" '<figure class="figure" id="b-fig-1">'
check 'page: a glossary term with an id' has "$page" '<dt id="b-orbit"><dfn>orbit</dfn></dt>'
# ------------------------------------------------------------ mathematics

check 'example: an equation in a note, its id and alttext' has "$tmp/displacement.json" \
    '{"type":"math","id":"eq-displacement","attributes":{"alttext":"delta x equals x sub f minus x sub 0"},"content":[{"type":"mrow","content":[{"type":"mi","attributes":{"mathvariant":"normal"},"content":["Δ"]},{"type":"mi","content":["x"]},{"type":"mo","content":["="]},{"type":"msub","content":[{"type":"mi","content":["x"]},{"type":"mi","attributes":{"mathvariant":"normal"},"content":["f"]}]}'
check 'example: inline math with the m: prefix of the book' has "$tmp/displacement.json" \
    'Her initial position is ",{"type":"math","content":[{"type":"msub","content":[{"type":"mi","content":["x"]},{"type":"mn","content":["0"]}]},{"type":"mo","content":["="]},{"type":"mn","content":["1.5"]},{"type":"mspace","attributes":{"width":"0.25em"},"content":[]},{"type":"mi","attributes":{"mathvariant":"normal"},"content":["m"]}]}," and her'
expect_exit 0 "$LPACK" cat "$tmp/physics.lpk" curriculum/lessons/problem-solving/en.json
check 'example (YAML): a fraction with its TeX annotation' has "$out" \
    '{"type":"math","id":"eq-acceleration","content":[{"type":"semantics","content":[{"type":"mrow","content":[{"type":"mi","content":["a"]},{"type":"mo","content":["="]},{"type":"mfrac","content":[{"type":"msub","content":[{"type":"mi","content":["F"]},{"type":"mtext","content":["net"]}]},{"type":"mi","content":["m"]}]}]},{"type":"annotation","attributes":{"encoding":"application/x-tex"},"content":["a = \\frac{F_\\text{net}}{m}"]}]}]}'

# the same mathematics in YAML and in XML: one document
rm -rf "$tmp/mx" "$tmp/xm"
cp -R "$tmp/yx" "$tmp/mx"
cat >"$tmp/mx/lessons/l.yaml" <<'YAML'
lesson:
  id: l
  duration: 10
  title: {en: L}
  content:
    - body:
        lang: en
        _:
          - p: ["Energy ", {math: [mi: E, mo: "=", mi: m, msup: [mi: c, mn: "2"]]}, ", see ", {a: {href: "#eq-1", _: ["the root ", {math: [msqrt: [mi: x]]}]}}, "."]
          - math:
              id: eq-1
              _:
                - mi: x
                - mo: "="
                - mfrac:
                    - mrow: [mo: {form: prefix, stretchy: "false", _: "−"}, mi: b, mo: "±", msqrt: [msup: [mi: b, mn: "2"], mo: "−", mn: "4", mi: a, mi: c]]
                    - mrow: [mn: "2", mi: a]
          - ul:
              - li: ["a list: ", {math: [msubsup: [mo: {largeop: "true", _: "∫"}, mn: "0", mi: "∞"], mi: f]}]
          - table:
              - tr: [td: [{math: [mroot: [mi: x, mn: "3"]]}], th: [{math: {dir: rtl, _: [mtext: "e\u0301 < b & c"]}}]]
          - note:
              - title: ["Vector ", {math: [mover: {accent: "true", _: [mi: v, mo: "→"]}]}]
              - math: [semantics: [mi: v, annotation: {encoding: application/x-tex, _: "\\vec{v}"}]]
          - dl:
              - dt: [{math: {alttext: "x sub 0", _: [msub: [mi: x, mn: "0"]]}}]
              - dd: [{math: [mstyle: {displaystyle: "true", scriptlevel: "+1", _: [munderover: [mo: "∑", mrow: [mi: i, mo: "=", mn: "1"], mi: n], mi: i]}]}]
          - p: [{math: [mtable: {columnalign: left right, _: [mtr: [mtd: {columnspan: "2", _: [mtext: "  two   words  "]}]]}]}, {math: [mpadded: {width: "+2px", lspace: 10%, _: [mphantom: [mi: y]]}, mspace: {width: "0"}, mmultiscripts: [mi: C, mn: "1", none: "", mprescripts: "", mn: "6", mn: "14"]]}]
YAML
cp -R "$tmp/xy" "$tmp/xm"
cat >"$tmp/xm/lessons/l.xml" <<'XML'
<lesson id="l" duration="10" xmlns:m="http://www.w3.org/1998/Math/MathML">
  <title en="L"/>
  <content>
    <body lang="en">
      <p>Energy <math xmlns="http://www.w3.org/1998/Math/MathML"><mi>E</mi><mo>=</mo><mi>m</mi><msup><mi>c</mi><mn>2</mn></msup></math>,
        see <a href="#eq-1">the root <m:math><m:msqrt><m:mi>x</m:mi></m:msqrt></m:math></a>.</p>
      <m:math id="eq-1" display="block">
        <m:mi> x </m:mi>
        <m:mo>=</m:mo>
        <m:mfrac>
          <m:mrow><m:mo stretchy="false" form="prefix">−</m:mo><m:mi>b</m:mi><m:mo>±</m:mo>
            <m:msqrt><m:msup><m:mi>b</m:mi><m:mn>2</m:mn></m:msup><m:mo>−</m:mo><m:mn>4</m:mn><m:mi>a</m:mi><m:mi>c</m:mi></m:msqrt></m:mrow>
          <m:mrow><m:mn>2</m:mn><m:mi>a</m:mi></m:mrow>
        </m:mfrac>
      </m:math>
      <ul><li>a list: <math><msubsup><mo largeop="true">∫</mo><mn>0</mn><mi>∞</mi></msubsup><mi>f</mi></math></li></ul>
      <table><tr><td><math><mroot><mi>x</mi><mn>3</mn></mroot></math></td><th><math dir="rtl"><mtext>e&#x301; &lt; b &amp; c</mtext></math></th></tr></table>
      <note>
        <title>Vector <math><mover accent="true"><mi>v</mi><mo>→</mo></mover></math></title>
        <math><semantics><mi>v</mi><annotation encoding="application/x-tex">\vec{v}</annotation></semantics></math>
      </note>
      <dl>
        <dt><math alttext="x sub 0" display="inline"><msub><mi>x</mi><mn>0</mn></msub></math></dt>
        <dd><math><mstyle scriptlevel="+1" displaystyle="true"><munderover><mo>∑</mo><mrow><mi>i</mi><mo>=</mo><mn>1</mn></mrow><mi>n</mi></munderover><mi>i</mi></mstyle></math></dd>
      </dl>
      <p><math><mtable columnalign="left right"><mtr><mtd columnspan="2"><mtext>  two
        words  </mtext></mtd></mtr></mtable></math><math><mpadded lspace="10%" width="+2px"><mphantom><mi>y</mi></mphantom></mpadded><mspace width="0"/><mmultiscripts><mi>C</mi><mn>1</mn><none/><mprescripts/><mn>6</mn><mn>14</mn></mmultiscripts></math></p>
    </body>
  </content>
</lesson>
XML
expect_exit 0 "$LPC" check "$tmp/mx"
check 'mathematics (YAML): clean' is_empty "$err"
expect_exit 0 "$LPC" check "$tmp/xm"
check 'mathematics (XML): clean' is_empty "$err"
lesson_doc mx
cp "$out" "$tmp/mx.json"
lesson_doc xm
check 'mathematics: YAML and XML give the same document' cmp -s "$out" "$tmp/mx.json"
check 'math: lp-lesson 3' has "$tmp/mx.json" '{"format":"lp-lesson 3",'
check 'math: an inline run' has "$tmp/mx.json" \
    '["Energy ",{"type":"math","content":[{"type":"mi","content":["E"]},{"type":"mo","content":["="]},{"type":"mi","content":["m"]},{"type":"msup","content":[{"type":"mi","content":["c"]},{"type":"mn","content":["2"]}]}]},", see ",{"type":"link","lesson":"l","block":"eq-1","content":["the root ",{"type":"math","content":[{"type":"msqrt","content":[{"type":"mi","content":["x"]}]}]}]},"."]'
check 'math: a block, its id, attributes sorted, no display' has "$tmp/mx.json" \
    '{"type":"math","id":"eq-1","content":[{"type":"mi","content":["x"]},{"type":"mo","content":["="]},{"type":"mfrac","content":[{"type":"mrow","content":[{"type":"mo","attributes":{"form":"prefix","stretchy":"false"},"content":["−"]}'
check 'math: text NFC, escaped as JSON needs' has "$tmp/mx.json" '{"type":"mtext","content":["é < b & c"]}'
check 'math: token text trimmed and collapsed' has "$tmp/mx.json" '{"type":"mtext","content":["two words"]}'
check 'math: empty elements' has "$tmp/mx.json" \
    '{"type":"mmultiscripts","content":[{"type":"mi","content":["C"]},{"type":"mn","content":["1"]},{"type":"none","content":[]},{"type":"mprescripts","content":[]},'
expect_exit 0 "$LPC" build "$tmp/mx" -o "$tmp/mx.lpk"
# the JSON Schema takes it, and not a math node MathML Core lacks
if python3 -c 'import jsonschema' 2>/dev/null; then
    expect_exit 0 python3 "$top_srcdir/tests/cli/validate_json.py" \
        "$top_srcdir/schemas" "$tmp/mx.json"
    sed 's/"type":"mroot"/"type":"mfenced"/' "$tmp/mx.json" >"$tmp/bad1.json"
    sed 's/{"dir":"rtl"}/{"onclick":"alert(1)"}/' "$tmp/mx.json" >"$tmp/bad2.json"
    sed 's/"stretchy":"false"/"stretchy":"no"/' "$tmp/mx.json" >"$tmp/bad3.json"
    expect_exit 0 python3 "$top_srcdir/tests/cli/validate_json.py" \
        --expect-invalid "$top_srcdir/schemas" "$tmp/bad1.json" \
        "$tmp/bad2.json" "$tmp/bad3.json"
fi

# misuses, each with its diagnostic
lesson_with m-typo '          - p: [{math: [mfarc: [mi: a, mi: b]]}]'
diag_is m-typo 1 "lessons/l.yaml:9:25: error: 'mfarc' is not a MathML element lp carries; did you mean 'mfrac'? [schema]"
lesson_with m-unknown '          - p: [{math: [blink: x]}]'
diag_is m-unknown 1 "lessons/l.yaml:9:25: error: 'blink' is not a MathML element lp carries (math holds MathML Core: mi, mn, mo, mtext, mrow, mfrac, msub, msup, msqrt, mtable, ...) [schema]"
lesson_with m-fenced '          - math: [mfenced: [mi: x]]'
diag_is m-fenced 1 "lessons/l.yaml:9:20: error: mfenced is not MathML Core: write the fences as operators, <mrow><mo>(</mo>...<mo>)</mo></mrow> [schema]"
lesson_with m-enclose '          - math: [menclose: [mi: x]]'
diag_is m-enclose 1 "lessons/l.yaml:9:20: error: menclose is not MathML Core and lp cannot show it: draw the enclosure in an image, or say it in words [schema]"
lesson_with m-nested '          - math: [mrow: [math: [mi: x]]]'
diag_is m-nested 1 "lessons/l.yaml:9:27: error: math inside math: group with mrow [schema]"
lesson_with m-sub '          - math: [mi: x, sub: "2"]'
diag_is m-sub 1 "lessons/l.yaml:9:27: error: 'sub' inside math: write msub (a base and its subscript) [schema]"
lesson_with m-axml '          - math: [semantics: [mi: x, annotation-xml: y]]'
diag_is m-axml 1 "lessons/l.yaml:9:39: error: annotation-xml is not carried: keep a text annotation (annotation), such as the TeX source [schema]"
lesson_with m-attr '          - math: [mo: {strechy: "true", _: x}]'
diag_is m-attr 1 "lessons/l.yaml:9:25: error: 'strechy' is not an attribute of mo; did you mean 'stretchy'? [schema]"
lesson_with m-attr-el '          - math: [mi: {width: 1em, _: x}]'
diag_is m-attr-el 1 "lessons/l.yaml:9:25: error: 'width' is not an attribute of mi [schema]"
lesson_with m-style '          - math: [mi: {style: "color: red", _: x}]'
diag_is m-style 1 "lessons/l.yaml:9:25: error: 'style' is not an attribute of mi; lp carries no styles [schema]"
lesson_with m-font '          - math: [mi: {fontstyle: italic, _: x}]'
diag_is m-font 1 "lessons/l.yaml:9:25: error: 'fontstyle' is not an attribute of mi; write mathvariant, such as mathvariant=\"bold\" [schema]"
lesson_with m-color '          - math: [mi: {mathcolor: red, _: x}]'
diag_is m-color 1 "lessons/l.yaml:9:25: error: 'mathcolor' is not an attribute of mi; lp carries no colours [schema]"
lesson_with m-onclick '          - math: [mi: {onclick: "alert(1)", _: x}]'
diag_is m-onclick 1 "lessons/l.yaml:9:25: error: 'onclick' is not an attribute of mi; math holds no links or scripts [schema]"
lesson_with m-innerid '          - math: [mi: {id: x1, _: x}]'
diag_is m-innerid 1 "lessons/l.yaml:9:25: error: 'id' is not an attribute of mi; only a math block (an equation on its own line) has an id [schema]"
lesson_with m-bool '          - math: [mo: {stretchy: "yes", _: x}]'
diag_is m-bool 1 "lessons/l.yaml:9:25: error: stretchy=\"yes\" on mo: it takes true or false [schema]"
lesson_with m-variant '          - math: [mi: {mathvariant: bolder, _: x}]'
diag_is m-variant 1 "lessons/l.yaml:9:25: error: mathvariant=\"bolder\" on mi: it takes normal, bold, italic, bold-italic, double-struck, script, fraktur, sans-serif, monospace, ... [schema]"
lesson_with m-length '          - math: [mspace: {width: 2}]'
diag_is m-length 1 "lessons/l.yaml:9:29: error: width=\"2\" on mspace: it takes a length such as 0.5em, 2px or 10% (or 0) [schema]"
lesson_with m-named '          - math: [mspace: {width: thickmathspace}]'
diag_is m-named 1 "lessons/l.yaml:9:29: error: width=\"thickmathspace\" on mspace: named spaces are not MathML Core; write 0.2778em [schema]"
lesson_with m-span '          - math: [mtable: [mtr: [mtd: {rowspan: "0", _: [mi: x]}]]]'
diag_is m-span 1 "lessons/l.yaml:9:41: error: rowspan=\"0\" on mtd: it takes a whole number from 1 to 1000 [schema]"
lesson_with m-align '          - math: [mtable: {columnalign: "left middle", _: [mtr: [mtd: [mi: x]]]}]'
diag_is m-align 1 "lessons/l.yaml:9:29: error: columnalign=\"left middle\" on mtable: it takes left, center or right (one per column on a table or row) [schema]"
lesson_with m-frac '          - math: [mfrac: [mi: a, mi: b, mi: c]]'
diag_is m-frac 1 "lessons/l.yaml:9:20: error: mfrac holds 3 elements; it holds 2: a numerator and a denominator [schema]"
lesson_with m-sup '          - math: [msup: [mi: a]]'
diag_is m-sup 1 "lessons/l.yaml:9:20: error: msup holds 1 element; it holds 2: a base and a superscript [schema]"
lesson_with m-text '          - math: ["x + 1"]'
diag_is m-text 1 "lessons/l.yaml:9:20: error: math holds text: text goes inside mi (a name), mn (a number), mo (an operator) or mtext [schema]"
lesson_with m-token '          - math: [mi: [mn: "1"]]'
diag_is m-token 1 "lessons/l.yaml:9:25: error: mi holds an element (mn): it holds text only [schema]"
lesson_with m-empty-el '          - math: [mspace: [mi: x]]'
diag_is m-empty-el 1 "lessons/l.yaml:9:29: error: mspace must be empty [schema]"
lesson_with m-mtd '          - math: [mtd: [mi: x]]'
diag_is m-mtd 1 "lessons/l.yaml:9:20: error: math holds mtd, which belongs in mtr only [schema]"
lesson_with m-table '          - math: [mtable: [mi: x]]'
diag_is m-table 1 "lessons/l.yaml:9:29: error: mtable holds mi: a table holds rows (mtr) [schema]"
lesson_with m-row '          - math: [mtable: [mtr: [mi: x]]]'
diag_is m-row 1 "lessons/l.yaml:9:35: error: mtr holds mi: a row holds cells (mtd) [schema]"
lesson_with m-sem '          - math: [semantics: [annotation: x, mi: y]]'
diag_is m-sem 1 "lessons/l.yaml:9:32: error: semantics holds one expression first, then annotations [schema]"
lesson_with m-multi '          - math: [mmultiscripts: [mi: C, mn: "1"]]'
diag_is m-multi 1 "lessons/l.yaml:9:20: error: mmultiscripts holds a base, then pairs of a subscript and a superscript (none for a missing one), then an mprescripts and pairs again [schema]"
lesson_with m-prescr '          - math: [mi: x, mprescripts: ""]'
diag_is m-prescr 1 "lessons/l.yaml:9:27: error: math holds mprescripts, which belongs in mmultiscripts only [schema]"
lesson_with m-empty '          - math: []'
diag_is m-empty 1 "lessons/l.yaml:9:13: error: an empty math: write the expression in it [schema]"
lesson_with m-disp-in '          - p: [{math: {display: block, _: [mi: x]}}]'
diag_is m-disp-in 1 "lessons/l.yaml:9:25: error: display=\"block\" in running text: an equation on its own line is a math block, between paragraphs [schema]"
lesson_with m-disp-bl '          - math: {display: inline, _: [mi: x]}'
diag_is m-disp-bl 1 "lessons/l.yaml:9:20: error: display=\"inline\" on a math block: math between blocks is an equation on its own line; to run it in the text, put it in a paragraph [schema]"
lesson_with m-disp-bad '          - math: {display: wide, _: [mi: x]}'
diag_is m-disp-bad 1 "lessons/l.yaml:9:20: error: display=\"wide\" on math: it takes block or inline [schema]"
lesson_with m-id-inline '          - p: [{math: {id: e1, _: [mi: x]}}]'
diag_is m-id-inline 1 "lessons/l.yaml:9:25: error: an inline math has no id: give the id to its paragraph, or make the equation a block [schema]"
lesson_with m-id-bad '          - math: {id: "Eq 1", _: [mi: x]}'
diag_is m-id-bad 1 "lessons/l.yaml:9:20: error: id 'Eq 1' must be lowercase letters, digits, '.', '_' and '-', at most 64, such as 'eq-2' [schema]"
lesson_with m-id-dup '          - p: {id: e1, _: x}' '          - math: {id: e1, _: [mi: x]}'
diag_is m-id-dup 1 "lessons/l.yaml:10:20: error: block id 'e1' is used twice in the 'en' body [dup-id]"
lesson_with m-ul '          - ul: [math: [mi: x]]'
diag_is m-ul 1 "lessons/l.yaml:9:18: error: 'math' is not allowed here; expected 'li' [schema]"
lesson_with m-link '          - p: [{a: {href: "#eq-9", _: x}}]' '          - math: {id: eq-1, _: [mi: x]}'
diag_is m-link 1 "lessons/l.yaml:9:22: error: lesson 'l' has no block with the id 'eq-9' [dangling-ref]"
# limits: a long text, too many children, too many elements
long=$(head -c 1100 /dev/zero | tr '\0' x)
lesson_with m-long "          - math: [mtext: $long]"
diag_is m-long 1 "lessons/l.yaml:9:27: error: a text of more than 1024 bytes in mtext [limit]"
kids=$(i=0; while [ $i -lt 257 ]; do printf 'mi: x, '; i=$((i + 1)); done)
lesson_with m-kids "          - math: [mrow: [${kids}mi: y]]"
diag_is m-kids 1 "lessons/l.yaml:9:1819: error: mrow holds more than 256 elements and texts: group them with mrow [limit]"
rows=$(i=0; while [ $i -lt 20 ]; do printf 'mrow: [%smi: y], ' "$(j=0; while [ $j -lt 210 ]; do printf 'mi: x, '; j=$((j + 1)); done)"; i=$((i + 1)); done)
lesson_with m-nodes "          - math: [${rows}mi: z]"
diag_is m-nodes 1 "lessons/l.yaml:9:14397: error: more than 4096 elements and texts in one math: split the equation [limit]"
# XML: where the elements are, in either namespace form; another namespace
mathcase() { # NAME LINE: the XML project, its body this line
    rm -rf "${tmp:?}/$1"
    cp -R "$tmp/xy" "$tmp/$1"
    printf '<lesson id="l" duration="10"><title en="L"/><content><body lang="en">\n%s\n</body></content></lesson>\n' "$2" >"$tmp/$1/lessons/l.xml"
}
mathcase mx-typo '<p>x <math xmlns="http://www.w3.org/1998/Math/MathML"><mi>a</mi><msupp><mi>b</mi><mn>2</mn></msupp></math></p>'
diag_is mx-typo 1 "lessons/l.xml:2:65: error: 'msupp' is not a MathML element lp carries; did you mean 'msup'? [schema]"
mathcase mx-svg '<math xmlns:s="http://www.w3.org/2000/svg"><s:mi>a</s:mi></math>'
diag_is mx-svg 1 "lessons/l.xml:2:44: error: 'mi' is in the namespace 'http://www.w3.org/2000/svg': math holds MathML elements, in the MathML namespace or in none [schema]"
mathcase mx-xlink '<math xmlns:x="http://www.w3.org/1999/xlink"><mi x:href="https://example.org">a</mi></math>'
diag_is mx-xlink 1 "lessons/l.xml:2:46: error: 'href' is in the namespace 'http://www.w3.org/1999/xlink': MathML attributes are in none [schema]"
mathcase mx-attr '<m:math xmlns:m="http://www.w3.org/1998/Math/MathML"><m:mo lspace="thinmathspace">+</m:mo></m:math>'
diag_is mx-attr 1 "lessons/l.xml:2:60: error: lspace=\"thinmathspace\" on mo: named spaces are not MathML Core; write 0.1667em [schema]"

# the pages: MathML as the browser lays it out, every text escaped
site mx
check 'page: inline math' has "$page" \
    '<p>Energy <math><mi>E</mi><mo>=</mo><mi>m</mi><msup><mi>c</mi><mn>2</mn></msup></math>, see <a href="l.html#b-eq-1">the root <math><msqrt><mi>x</mi></msqrt></math></a>.</p>'
check 'page: a math block, its id, attributes' has "$page" \
    '<div class="math" id="b-eq-1"><math display="block"><mi>x</mi><mo>=</mo><mfrac><mrow><mo form="prefix" stretchy="false">−</mo>'
check 'page: text escaped' has "$page" '<math dir="rtl"><mtext>é &lt; b &amp; c</mtext></math>'
check 'page: alttext' has "$page" '<math alttext="x sub 0"><msub><mi>x</mi><mn>0</mn></msub></math>'
check 'page: an annotation kept (the browser shows the expression only)' has "$page" \
    '<semantics><mi>v</mi><annotation encoding="application/x-tex">\vec{v}</annotation></semantics>'

# ------------------------------------------------------------ numbers

rm -rf "$tmp/num"
cp -R "$tmp/yx" "$tmp/num"
cat >"$tmp/num/lessons/l.yaml" <<'YAML'
lesson:
  id: l
  duration: 10
  title: {en: L}
  content:
    - body:
        lang: en
        _:
          - p: Numbers.
  activities:
    - numeric:
        id: mass
        answer: 3.48e-26
        tolerance: 1%
        unit: kg
        prompt: {en: "The mass of a molecule?"}
    - numeric:
        id: avogadro
        answer: "6.02E+23"
        tolerance: 1e21
        prompt: {en: "Avogadro's number?"}
    - numeric:
        id: plain
        answer: "2.5"
        prompt: {en: "Plain?"}
YAML
expect_exit 0 "$LPC" check "$tmp/num"
check 'scientific notation, relative tolerance, units: clean' is_empty "$err"
lesson_doc num
cp "$out" "$tmp/num.json"
check 'a lesson with them is lp-lesson 2' has "$tmp/num.json" '{"format":"lp-lesson 2",'
check 'answer, relative tolerance, unit' has "$tmp/num.json" \
    '"answer":"3.48e-26","tolerance":"1%","unit":"kg"'
check 'an exponent as written' has "$tmp/num.json" '"answer":"6.02E+23","tolerance":"1e21"}'
check 'no tolerance: 0' has "$tmp/num.json" '"answer":"2.5","tolerance":"0"}'
# the same in XML
rm -rf "$tmp/mun"
cp -R "$tmp/xy" "$tmp/mun"
cat >"$tmp/mun/lessons/l.xml" <<'XML'
<lesson id="l" duration="10">
  <title en="L"/>
  <content><body lang="en"><p>Numbers.</p></body></content>
  <activities>
    <numeric id="mass" answer="3.48e-26" tolerance="1%" unit="kg"><prompt en="The mass of a molecule?"/></numeric>
    <numeric id="avogadro" answer=" 6.02E+23 " tolerance="1e21"><prompt en="Avogadro's number?"/></numeric>
    <numeric id="plain" answer="2.5"><prompt en="Plain?"/></numeric>
  </activities>
</lesson>
XML
lesson_doc mun
check 'numbers: YAML and XML give the same document' cmp -s "$out" "$tmp/num.json"

numcase() { # NAME SED
    rm -rf "${tmp:?}/$1"
    cp -R "$tmp/num" "$tmp/$1"
    sed -i "$2" "$tmp/$1/lessons/l.yaml"
}
numcase num-syntax 's/answer: 3.48e-26/answer: 3.48x10^-26/'
diag_is num-syntax 1 "lessons/l.yaml:13:9: error: answer is a number, such as 42, 2.5 or 3.48e-26 (with '.' for the decimal point, 'e' before a power of ten), not '3.48x10^-26' [schema]"
numcase num-long 's/answer: 3.48e-26/answer: 123456789012345678901234567890.5/'
expect_exit 0 "$LPC" check "$tmp/num-long"
check 'thirty digits: no longer refused (libxml2 took no more than 24)' is_empty "$err"
numcase num-41 's/answer: 3.48e-26/answer: 12345678901234567890123456789012345678901/'
diag_is num-41 1 "lessons/l.yaml:13:9: error: answer '12345678901234567890123456789012345678901' has more than 40 digits before or after its decimal point [limit]"
numcase num-range 's/answer: 3.48e-26/answer: 3.48e-126/'
diag_is num-range 1 "lessons/l.yaml:13:9: error: answer '3.48e-126' is out of the range answers are marked in: below 1e100, and exact to 100 places after the decimal point (1e-100) [limit]"
numcase tol-pct 's/tolerance: 1%/tolerance: 150%/'
diag_is tol-pct 1 "lessons/l.yaml:14:9: error: a relative tolerance is at most 100%, not '150%' [limit]"
numcase tol-bad 's/tolerance: 1%/tolerance: 1 %/'
diag_is tol-bad 1 "lessons/l.yaml:14:9: error: tolerance is a number, such as 0.05 or 1e-3, or a percentage of the answer, such as 1%, not '1 %' [schema]"
numcase unit-bad 's/unit: kg/unit: 5kg/'
diag_is unit-bad 1 "lessons/l.yaml:15:9: error: unit is a unit, such as 'm/s' or 'kg', not starting with a digit, a sign or a space, not '5kg' [schema]"

# the static page: the unit after the field, and the keys for the script
site num
check 'page: the unit after the answer field' has "$page" ' <span class="unit">kg</span>'
check 'page: the keys the script marks with' has "$page" \
    'data-kind="numeric" data-key="3.48e-26" data-tolerance="1%" data-unit="kg"'
done_testing
