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
check 'a lesson with notes is lp-lesson 2' has "$tmp/displacement.json" '{"format":"lp-lesson 2",'
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

# the pages: anchors, links to them, the figure
rm -rf "$tmp/figsite"
expect_exit 0 "$LPACK" html "$tmp/fig.lpk" -o "$tmp/figsite"
page=$tmp/figsite/en/l.html
check 'page: a block keeps its id, set apart from the page own' has "$page" '<h2 id="b-top">Orbits</h2>'
check 'page: a link to a block of this lesson' has "$page" '<a href="l.html#b-fig-1">the figure</a>'
check 'page: a link to a block of another lesson' has "$page" '<a href="m.html#b-sum">the summary</a>'
check 'page: a figure, its caption and credit' has "$page" \
    '<figcaption>(a) An ellipse. (b) An orbit of mass m<sub>1</sub>.</figcaption>
<p class="credit"><small><a rel="external noopener noreferrer" href="https://example.org/photo">NASA/Ames</a> (CC-BY-2.0)</small></p>
</figure>'
check 'page: a figure with an id' has "$page" '<figure class="figure" id="b-fig-1">'
check 'page: a glossary term with an id' has "$page" '<dt id="b-orbit"><dfn>orbit</dfn></dt>'
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
rm -rf "$tmp/numsite"
expect_exit 0 "$LPACK" html "$tmp/num.lpk" -o "$tmp/numsite"
check 'page: the unit after the answer field' has "$tmp/numsite/en/l.html" ' <span class="unit">kg</span>'
check 'page: the keys the script marks with' has "$tmp/numsite/en/l.html" \
    'data-kind="numeric" data-key="3.48e-26" data-tolerance="1%" data-unit="kg"'
done_testing
