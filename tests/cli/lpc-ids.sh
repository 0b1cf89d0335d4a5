#!/bin/sh
# lpc --previous: lesson ids stay stable across releases.  A lesson id that
# changed (same file, or nearly the same text) is an error unless the
# lesson says renamed-from; removed lessons are warned about; the catalog
# records renamed-from, the source and the fingerprint; the build cache
# replays the same verdicts.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

LPC=${LPC:-$top_builddir/lpc/lpc}
LPACK=${LPACK:-$top_builddir/lpack/lpack}
[ -x "$LPC" ] || bail_out "LPC='$LPC' is not an executable program"
[ -x "$LPACK" ] || bail_out "LPACK='$LPACK' is not an executable program"
example=$top_srcdir/examples/tetum-math
SOURCE_DATE_EPOCH=1767225600
export SOURCE_DATE_EPOCH
XDG_CACHE_HOME=$tmp/xdg
export XDG_CACHE_HOME

# release 3, the example as shipped
expect_exit 0 "$LPC" build --no-cache "$example" -o "$tmp/v3.lpk"
expect_exit 0 "$LPACK" cat "$tmp/v3.lpk" curriculum/catalog.json
check 'catalog: the source, without extension' has "$out" \
    '"source":"lessons/numbers-02","fingerprint":"1:'
check 'catalog: no renamed_from without renamed-from' \
    test "$(grep -c renamed_from "$out")" -eq 0

# release 4: a copy with the version raised
next() {
    mkproj "$1"
    sed -i 's/^  version: 3$/  version: 4/' "$tmp/$1/curriculum.yaml"
}
checkp() { # checkp NAME [OPTIONS...]: lpc check NAME against release 3
    _n=$1
    shift
    run "$LPC" check --no-cache --color=never --previous="$tmp/v3.lpk" \
        "$@" "$tmp/$_n"
}

next same
checkp same
check 'unchanged: exit 0' test "$status" -eq 0
check 'unchanged: nothing said' is_empty "$err"

mkproj notraised
checkp notraised
check 'version not raised: exit 1' test "$status" -eq 1
check 'version not raised: said where' has "$err" \
    "$tmp/notraised/curriculum.yaml:6:3: error: version 3 is not above 3, the version of '$tmp/v3.lpk': raise it"

next otherid
sed -i 's/^  id: tl.moe.math-primary/  id: tl.moe.science/' \
    "$tmp/otherid/curriculum.yaml"
checkp otherid
check 'another curriculum: exit 1' test "$status" -eq 1
check 'another curriculum: said' has "$err" \
    "is a release of 'tl.moe.math-primary', not of this curriculum ('tl.moe.science'): give --previous the last release of this one [previous]"

# the same file, a new id: id-changed at the new id, in the YAML way
next renamed
sed -i 's/^  id: numbers-01$/  id: counting/' \
    "$tmp/renamed/lessons/numbers-01.yaml"
sed -i 's/numbers-01"/counting"/g' "$tmp/renamed/lessons/numbers-02.xml"
checkp renamed
check 'same file, new id: exit 1' test "$status" -eq 1
check 'same file, new id: id-changed at the id' has "$err" \
    "$tmp/renamed/lessons/numbers-01.yaml:2:3: error: lesson 'counting' replaces 'numbers-01' of '$tmp/v3.lpk' (version 3; the same file): progress recorded against 'numbers-01' would be lost; keep the id 'numbers-01', or add 'renamed-from: numbers-01' to the lesson [id-changed]"
check 'same file, new id: one error' \
    test "$(grep -c 'error:' "$err")" -eq 1
# without --previous nothing can tell
run "$LPC" check --no-cache "$tmp/renamed"
check 'without --previous: builds' test "$status" -eq 0
# JSON and GitHub forms carry the code
checkp renamed --diagnostics=json
check 'json: code id-changed' has "$out" '"code":"id-changed"'

# ... and with renamed-from it passes, and the catalog records it
sed -i 's/^  id: counting$/  id: counting\n  renamed-from: numbers-01/' \
    "$tmp/renamed/lessons/numbers-01.yaml"
checkp renamed
check 'renamed-from: exit 0' test "$status" -eq 0
check 'renamed-from: nothing said' is_empty "$err"
expect_exit 0 "$LPC" build --no-cache --previous="$tmp/v3.lpk" \
    "$tmp/renamed" -o "$tmp/v4.lpk"
expect_exit 0 "$LPACK" cat "$tmp/v4.lpk" curriculum/catalog.json
check 'catalog: renamed_from recorded' has "$out" \
    '"assignments":1,"renamed_from":["numbers-01"],"source":"lessons/numbers-01","fingerprint":"1:'

# another file with nearly the same text and a new id: id-changed, in
# the XML way; the share of the same text is said
next moved
mv "$tmp/moved/lessons/numbers-02.xml" "$tmp/moved/lessons/adding.xml"
sed -i 's|lessons/numbers-02.xml|lessons/adding.xml|' \
    "$tmp/moved/curriculum.yaml"
sed -i 's/id="numbers-02"/id="adding"/; s/Agora ita iha fatuk hira/Ita iha fatuk hira agora/' \
    "$tmp/moved/lessons/adding.xml"
sed -i 's/lesson:numbers-02/lesson:adding/' \
    "$tmp/moved/lessons/numbers-01.yaml"
checkp moved
check 'moved and edited: exit 1' test "$status" -eq 1
check 'moved and edited: id-changed, XML advice' has "$err" \
    "$tmp/moved/lessons/adding.xml:3:9: error: lesson 'adding' replaces 'numbers-02' of '$tmp/v3.lpk' (version 3; "
check 'moved and edited: how much is the same' grep -q \
    "version 3; [5-9][0-9]% the same text)" "$err"
check 'moved and edited: renamed-from="..." in XML' has "$err" \
    "or add renamed-from=\"numbers-02\" to the lesson element [id-changed]"
# the build cache gives the same verdict, cold and warm
for pass in cold warm; do
    run "$LPC" check --color=never --cache="$tmp/cache" \
        --previous="$tmp/v3.lpk" "$tmp/moved"
    cp "$err" "$tmp/moved-$pass.err"
    check "cache $pass: exit 1" test "$status" -eq 1
done
check 'cache: the same diagnostics cold and warm' \
    cmp "$tmp/moved-cold.err" "$tmp/moved-warm.err"
checkp moved
check 'cache: the same diagnostics as without' cmp "$tmp/moved-cold.err" "$err"
sed -i 's/<lesson id="adding"/<lesson id="adding" renamed-from="numbers-02"/' \
    "$tmp/moved/lessons/adding.xml"
checkp moved
check 'moved, renamed-from in XML: exit 0' test "$status" -eq 0

# a lesson replaced by another one: removed-lesson, a warning
next replaced
cat >"$tmp/replaced/lessons/numbers-02.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<lesson id="shapes" duration="30">
  <title tet="Forma sira" pt="Formas"/>
  <content>
    <body lang="tet"><p>Kuadradu iha sorin haat. Triángulu iha sorin
      tolu. Buka forma sira iha sala laran no hakerek naran.</p></body>
    <body lang="pt"><p>O quadrado tem quatro lados. O triângulo tem três
      lados. Procura formas na sala e escreve os nomes.</p></body>
  </content>
</lesson>
EOF
sed -i 's|lessons/numbers-02.xml|lessons/shapes.xml|' \
    "$tmp/replaced/curriculum.yaml"
mv "$tmp/replaced/lessons/numbers-02.xml" "$tmp/replaced/lessons/shapes.xml"
sed -i 's/lesson:numbers-02/lesson:shapes/' \
    "$tmp/replaced/lessons/numbers-01.yaml"
checkp replaced
check 'removed: exit 0 (a warning)' test "$status" -eq 0
check 'removed: named, with its file' has "$err" \
    "$tmp/replaced/curriculum.yaml: warning: lesson 'numbers-02' (file 'lessons/numbers-02') of '$tmp/v3.lpk' (version 3) is no longer in the curriculum: progress recorded against it is dropped [removed-lesson]"
checkp replaced --werror
check 'removed, --werror: exit 1' test "$status" -eq 1

# two lessons merged into one: renamed-from names the one that went
next merged
sed -i 's|                      - lesson: {src: lessons/numbers-02.xml}||' \
    "$tmp/merged/curriculum.yaml"
rm "$tmp/merged/lessons/numbers-02.xml"
sed -i 's/^  id: numbers-01$/  id: numbers-01\n  renamed-from: numbers-02/; s/lesson:numbers-02/lesson:numbers-01/' \
    "$tmp/merged/lessons/numbers-01.yaml"
checkp merged
check 'merged: exit 0' test "$status" -eq 0
check 'merged: nothing said' is_empty "$err"

# renamed-from naming a lesson that is still there, or itself
next twice
sed -i 's/^  id: numbers-01$/  id: numbers-01\n  renamed-from: numbers-02 old-one/' \
    "$tmp/twice/lessons/numbers-01.yaml"
sed -i 's/<lesson id="numbers-02"/<lesson id="numbers-02" renamed-from="numbers-02"/' \
    "$tmp/twice/lessons/numbers-02.xml"
run "$LPC" check --no-cache --color=never "$tmp/twice"
check 'renamed-from another lesson: exit 1' test "$status" -eq 1
check 'renamed-from another lesson: said' has "$err" \
    "$tmp/twice/lessons/numbers-01.yaml:3:3: error: renamed-from names 'numbers-02', the id of another lesson of this release: the progress of a lesson can move to one lesson only; take 'numbers-02' out of renamed-from [renamed-from]"
check 'renamed-from itself: said' has "$err" \
    "renamed-from names 'numbers-02', this lesson's own id"
next badrename
sed -i 's/^  id: numbers-01$/  id: numbers-01\n  renamed-from: Old_One/' \
    "$tmp/badrename/lessons/numbers-01.yaml"
run "$LPC" check --no-cache --color=never "$tmp/badrename"
check 'renamed-from: not an id' test "$status" -eq 1
check 'renamed-from: not an id, [schema]' has "$err" "[schema]"

# what --previous accepts
expect_exit 0 "$LPACK" create "$top_srcdir/examples/tetum-numbers" \
    -o "$tmp/plain.lpk" --id tl.moe.numbers --release 1 --lang tet,pt
expect_exit 1 "$LPC" check --previous="$tmp/plain.lpk" "$tmp/same"
check 'no catalog: said' has "$err" \
    "has no compiled catalog: --previous takes a package that lpc build wrote"
expect_exit 3 "$LPC" check --previous="$tmp/none.lpk" "$tmp/same"
check 'missing package: named' has "$err" "$tmp/none.lpk"
printf 'not a package' >"$tmp/junk.lpk"
expect_exit 1 "$LPC" check --previous="$tmp/junk.lpk" "$tmp/same"
expect_exit 2 "$LPC" check --previous= "$tmp/same"
expect_exit 2 "$LPC" check --previous="$tmp/v3.lpk" "$tmp/same" "$tmp/moved"
check 'two folders: said' has "$err" "give one folder"
expect_exit 0 "$LPC" check --help
check 'check --help: --previous' has "$out" "--previous=OLD.lpk"
expect_exit 0 "$LPC" build --help
check 'build --help: --previous' has "$out" "--previous=OLD.lpk"

done_testing
