#!/bin/sh
# lpc build --profile: one curriculum, several packages.  A profile keeps
# its languages only, leaves out the media it excludes (the block's words
# stay as a paragraph, no dangling reference), refuses a package over its
# budget naming the biggest contributors, and is recorded in the manifest
# (lpack info); deltas between profiles are warned about; the build cache
# never mixes profiles.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

LPC=${LPC:-$top_builddir/lpc/lpc}
LPACK=${LPACK:-$top_builddir/lpack/lpack}
[ -x "$LPC" ] || bail_out "LPC='$LPC' is not an executable program"
[ -x "$LPACK" ] || bail_out "LPACK='$LPACK' is not an executable program"
example=$top_srcdir/examples/tetum-math
fixtures=$top_srcdir/tests/fixtures/lpc
SOURCE_DATE_EPOCH=1767225600
export SOURCE_DATE_EPOCH
XDG_CACHE_HOME=$tmp/xdg
export XDG_CACHE_HOME

mkproj p
cat >>"$tmp/p/curriculum.yaml" <<'EOF'
  profiles:
    - profile: {name: phone, languages: pt, exclude-media: audio, budget: 64 KiB}
    - profile: {name: hub}
    - profile: {name: small, max-media-size: 1 KiB}
    - profile: {name: tight, budget: 100 KiB}
EOF

# the same profiles in XML: the same package
mkproj x
rm "$tmp/x/curriculum.yaml"
sed 's|</media>|</media>\
  <profiles>\
    <profile name="phone" languages="pt" exclude-media="audio" budget="64 KiB"/>\
    <profile name="hub"/>\
  </profiles>|' "$fixtures/curriculum.xml" >"$tmp/x/curriculum.xml"

expect_exit 0 "$LPC" build --no-cache "$tmp/p" -o "$tmp/full.lpk"
expect_exit 0 "$LPC" build --no-cache --profile=phone "$tmp/p" \
    -o "$tmp/phone.lpk"
check 'phone: quiet' is_empty "$err"
expect_exit 0 "$LPC" build --no-cache --profile=phone "$tmp/x" \
    -o "$tmp/phone-xml.lpk"
check 'phone: YAML and XML, the same package' \
    cmp "$tmp/phone.lpk" "$tmp/phone-xml.lpk"
expect_exit 0 "$LPACK" verify "$tmp/phone.lpk"
expect_exit 0 "$LPACK" info "$tmp/phone.lpk"
check 'info: profile' has "$out" "profile: phone"
check 'info: the profile languages only' has "$out" "languages: pt"
expect_exit 0 "$LPACK" info --json "$tmp/phone.lpk"
check 'info --json: profile' has "$out" '"profile":"phone"'
expect_exit 0 "$LPACK" info "$tmp/full.lpk"
check 'info: no profile line without one' test "$(grep -c profile "$out")" -eq 0
expect_exit 0 "$LPACK" info --json "$tmp/full.lpk"
check 'info --json: profile null' has "$out" '"profile":null'
expect_exit 0 "$LPACK" ls "$tmp/phone.lpk"
check 'phone: no Tetum documents' \
    test "$(grep -c '/tet.json' "$out")" -eq 0
check 'phone: Portuguese documents' grep -qx \
    curriculum/lessons/numbers-01/pt.json "$out"
check 'phone: no audio' test "$(grep -c 'numeros-pt.wav' "$out")" -eq 0
check 'phone: images kept' grep -qx media/fatuk-sanulu.png "$out"
expect_exit 0 "$LPACK" cat "$tmp/phone.lpk" curriculum/catalog.json
check 'catalog: default language of the profile' has "$out" \
    '"default_language":"pt","languages":[{"tag":"pt","name":"Português","direction":"ltr","fallback":[]}]'
check 'catalog: texts in pt only' has "$out" \
    '"title":{"pt":"Matemática para o ensino primário"}'
check 'catalog: the audio is no media of it' \
    test "$(grep -c 'numeros-pt.wav' "$out")" -eq 0
expect_exit 0 "$LPACK" cat "$tmp/phone.lpk" \
    curriculum/lessons/numbers-01/pt.json
check 'lesson: the audio block is its title, as a paragraph' has "$out" \
    '{"type":"p","content":["Ouve e conta"]}'
check 'lesson: no audio block' test "$(grep -c '"type":"audio"' "$out")" -eq 0
# every reference resolves: the runtime opens and renders every lesson
expect_exit 0 "$LPACK" html "$tmp/phone.lpk" -o "$tmp/site"

# a profile that names no languages or media keeps everything
expect_exit 0 "$LPC" build --no-cache --profile=hub "$tmp/p" -o "$tmp/hub.lpk"
expect_exit 0 "$LPACK" ls "$tmp/hub.lpk"
cp "$out" "$tmp/hub.ls"
expect_exit 0 "$LPACK" ls "$tmp/full.lpk"
check 'hub: the same entries as without a profile' cmp "$out" "$tmp/hub.ls"

# max-media-size: the 320 KiB recording goes, the 397-byte picture stays
expect_exit 0 "$LPC" build --no-cache --profile=small "$tmp/p" \
    -o "$tmp/small.lpk"
expect_exit 0 "$LPACK" ls "$tmp/small.lpk"
check 'small: no big media' test "$(grep -c 'numeros-pt.wav' "$out")" -eq 0
check 'small: small media kept' grep -qx media/fatuk-sanulu.png "$out"
check 'small: both languages' grep -qx curriculum/lessons/numbers-01/tet.json \
    "$out"

# over budget: an error at the budget, the biggest contributors, nothing
# written and an existing file untouched
printf 'old' >"$tmp/tight.lpk"
expect_exit 1 "$LPC" build --no-cache --color=never --profile=tight \
    "$tmp/p" -o "$tmp/tight.lpk"
check 'budget: the error, at the budget' grep -q \
    "$tmp/p/curriculum.yaml:.*: error: profile 'tight': the package would be .* KiB (.* bytes), over its budget of 100.0 KiB: leave more out (exclude-media, max-media-size, languages) or raise the budget; the biggest contributors follow \[budget\]" \
    "$err"
check 'budget: the biggest media file first' has "$err" \
    "$tmp/p/lessons/numbers-01.yaml:42:21: note: media file 'media/numeros-pt.wav': 318.8 KiB [budget]"
check 'budget: the heaviest lesson, with its media' has "$err" \
    "$tmp/p/lessons/numbers-01.yaml: note: lesson 'numbers-01': 322.6 KiB with the media it brings in [budget]"
check 'budget: the existing file untouched' test "$(cat "$tmp/tight.lpk")" = old
check 'budget: no temporary file left' \
    test "$(find "$tmp" -maxdepth 1 -name '*.tmp*' | wc -l)" -eq 0

# unknown profile: the declared ones are listed
expect_exit 1 "$LPC" build --no-cache --profile=tablet "$tmp/p" \
    -o "$tmp/t.lpk"
check 'unknown profile: the declared ones listed' has "$err" \
    "error: no profile 'tablet': the curriculum declares phone, hub, small, tight [profile]"
check 'unknown profile: nothing written' test ! -e "$tmp/t.lpk"
expect_exit 1 "$LPC" check --profile=tablet "$tmp/p"
expect_exit 1 "$LPC" build --no-cache --profile=phone "$example" \
    -o "$tmp/t.lpk"
check 'no profiles at all: said' has "$err" \
    "no profile 'phone': the curriculum declares no profiles"
expect_exit 2 "$LPC" build --profile= "$tmp/p" -o "$tmp/t.lpk"

# a profile's own mistakes
mkproj bad
cat >>"$tmp/bad/curriculum.yaml" <<'EOF'
  profiles:
    - profile: {name: phone, languages: pt fr}
    - profile: {name: phone}
EOF
expect_exit 1 "$LPC" check --no-cache --color=never "$tmp/bad"
check 'undeclared language in a profile' has "$err" \
    "error: profile 'phone': 'fr' is not a language of this curriculum [unknown-language]"
check 'profile declared twice' has "$err" \
    "error: profile 'phone' is declared twice [dup-id]"
mkproj kind
cat >>"$tmp/kind/curriculum.yaml" <<'EOF'
  profiles:
    - profile: {name: phone, exclude-media: films}
EOF
expect_exit 1 "$LPC" check --no-cache --color=never "$tmp/kind"
check 'unknown media kind: [schema]' has "$err" "[schema]"

# the build cache keeps profiles apart: warm builds, of either, are the
# same bytes as cold ones
for pass in 1 2; do
    expect_exit 0 "$LPC" build --cache="$tmp/cache" --profile=phone "$tmp/p" \
        -o "$tmp/phone-c$pass.lpk"
    check "cache pass $pass: phone as without cache" \
        cmp "$tmp/phone.lpk" "$tmp/phone-c$pass.lpk"
    expect_exit 0 "$LPC" build --cache="$tmp/cache" "$tmp/p" \
        -o "$tmp/full-c$pass.lpk"
    check "cache pass $pass: no profile as without cache" \
        cmp "$tmp/full.lpk" "$tmp/full-c$pass.lpk"
    expect_exit 0 "$LPC" build --cache="$tmp/cache" --profile=small "$tmp/p" \
        -o "$tmp/small-c$pass.lpk"
    check "cache pass $pass: small as without cache" \
        cmp "$tmp/small.lpk" "$tmp/small-c$pass.lpk"
done

# deltas: between releases of one profile as ever; across profiles, said
mkproj p4
cp "$tmp/p/curriculum.yaml" "$tmp/p4/curriculum.yaml"
sed -i 's/^  version: 3$/  version: 4/' "$tmp/p4/curriculum.yaml"
sed -i 's/Konta husi ida/Konta hotu husi ida/; s/Contar de um a dez/Contar até dez/' \
    "$tmp/p4/lessons/numbers-01.yaml"
expect_exit 0 "$LPC" build --no-cache --profile=phone "$tmp/p4" \
    -o "$tmp/phone4.lpk"
expect_exit 0 "$LPACK" delta "$tmp/phone.lpk" "$tmp/phone4.lpk" \
    -o "$tmp/phone-3-4.lpd"
check 'delta, one profile: no warning' is_empty "$err"
expect_exit 0 "$LPACK" apply "$tmp/phone.lpk" "$tmp/phone-3-4.lpd" \
    -o "$tmp/phone4-applied.lpk"
check 'delta, one profile: applied byte for byte' \
    cmp "$tmp/phone4.lpk" "$tmp/phone4-applied.lpk"
expect_exit 0 "$LPACK" delta "$tmp/full.lpk" "$tmp/phone4.lpk" \
    -o "$tmp/cross.lpd"
check 'delta across profiles: warned' has "$err" \
    "warning: '$tmp/full.lpk' is built for no profile and '$tmp/phone4.lpk' for profile 'phone': a hub that applies this delta changes profile"
expect_exit 0 "$LPACK" delta -q "$tmp/hub.lpk" "$tmp/phone4.lpk" \
    -o "$tmp/cross2.lpd"
check 'delta across profiles, -q: quiet' is_empty "$err"

expect_exit 0 "$LPC" build --help
check 'build --help: --profile' has "$out" "--profile=NAME"

done_testing
