#!/bin/sh
# lpack html: a static site that is complete, deterministic, never partial
# or written through a link, with valid markup in every page.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

LPC=${LPC:-$top_builddir/lpc/lpc}
command -v python3 >/dev/null 2>&1 || bail_out "python3 is needed"
for ex in tetum-math arabic-science college-physics; do
    "$LPC" build -q "$top_srcdir/examples/$ex" -o "$tmp/$ex.lpk" \
        >"$err" 2>&1 || bail_out "lpc build $ex: $(cat "$err")"
done

expect_exit 0 "$LPACK" html "$tmp/tetum-math.lpk" -o "$tmp/site"
check 'nothing on stderr' is_empty "$err"
check 'the language picker' test -s "$tmp/site/index.html"
check 'a catalog per language' test -s "$tmp/site/tet/index.html" -a \
    -s "$tmp/site/pt/index.html"
check 'a lesson page and its display mode' test -s \
    "$tmp/site/tet/numbers-01.html" -a -s "$tmp/site/tet/numbers-01.display.html"
check 'the style sheet and the script' test -s "$tmp/site/lp.css" -a \
    -s "$tmp/site/lp.js"
# media by content hash, the same bytes as in the package
png=$(ls "$tmp/site/media/"*.png 2>/dev/null | head -1)
"$LPACK" cat "$tmp/tetum-math.lpk" media/fatuk-sanulu.png >"$tmp/png" 2>/dev/null
check 'media named by content hash' test "$(basename "$png")" = \
    "$(b2sum -l 256 "$tmp/png" | cut -d' ' -f1).png"
check 'media content as in the package' cmp -s "$png" "$tmp/png"
check 'no temporary folder left' test -z "$(ls -d "$tmp"/site.tmp-* 2>/dev/null)"
mode=$(stat -c %a "$tmp/site")
check "the site's folder is readable by a web server ($mode)" test "$mode" = 755

# deterministic: the same package gives the same files
expect_exit 0 "$LPACK" html "$tmp/tetum-math.lpk" -o "$tmp/site2"
check 'the same site twice, byte for byte' diff -r "$tmp/site" "$tmp/site2"

# every page is well-formed HTML of our tags, every lang with its dir, and
# links lead to files of the site
cat >"$tmp/pages.py" <<'EOF'
import html.parser, os, sys, urllib.parse
root = sys.argv[1]
VOID = {"meta", "link", "img", "input", "source", "track", "br"}
bad = []
class P(html.parser.HTMLParser):
    def __init__(self, path):
        super().__init__(convert_charrefs=True)
        self.path, self.stack = path, []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "lang" in a and a["lang"] and "dir" not in a:
            bad.append(f"{self.path}: <{tag}> has lang and no dir")
        for k in ("href", "src"):
            u = a.get(k)
            if u and not u.startswith(("https:", "http:", "mailto:")):
                # a link to a block: its page must have that id
                u, _, frag = u.partition("#")
                target = os.path.normpath(os.path.join(
                    os.path.dirname(self.path), urllib.parse.unquote(u)))
                if not os.path.isfile(target):
                    bad.append(f"{self.path}: {k}={u} is not a file of the site")
                elif frag and f' id="{frag}"' not in open(target, encoding="utf-8").read():
                    bad.append(f"{self.path}: {k}={u}#{frag}: no such id there")
        if tag not in VOID:
            self.stack.append(tag)
    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            bad.append(f"{self.path}: </{tag}> does not close its element")
n = 0
for d, _, files in os.walk(root):
    for f in files:
        if f.endswith(".html"):
            p = P(os.path.join(d, f))
            p.feed(open(os.path.join(d, f), encoding="utf-8").read())
            if p.stack:
                bad.append(f"{p.path}: unclosed {p.stack}")
            n += 1
print("\n".join(bad) or f"{n} pages")
sys.exit(1 if bad or n == 0 else 0)
EOF
for site in site; do
    run python3 "$tmp/pages.py" "$tmp/$site"
    check "every page is well formed; links lead to files ($(cat "$out"))" \
        test "$status" -eq 0
done
expect_exit 0 "$LPACK" html "$tmp/arabic-science.lpk" -o "$tmp/ar"
run python3 "$tmp/pages.py" "$tmp/ar"
check "the same in Arabic ($(cat "$out"))" test "$status" -eq 0
check 'an Arabic page is rtl' has "$tmp/ar/ar/water-cycle.html" \
    '<html lang="ar" dir="rtl">'
expect_exit 0 "$LPACK" html "$tmp/college-physics.lpk" -o "$tmp/en"
run python3 "$tmp/pages.py" "$tmp/en"
check "a textbook's notes and glossaries too ($(cat "$out"))" test "$status" -eq 0

# never over or through anything
expect_exit 3 "$LPACK" html "$tmp/tetum-math.lpk" -o "$tmp/site"
check 'an existing folder is refused, and named' has "$err" "exists already"
mkdir "$tmp/elsewhere"
ln -s "$tmp/elsewhere" "$tmp/link"
expect_exit 3 "$LPACK" html "$tmp/tetum-math.lpk" -o "$tmp/link"
check 'nothing written through a link' test -z "$(ls -A "$tmp/elsewhere")"
expect_exit 3 "$LPACK" html "$tmp/tetum-math.lpk" -o "$tmp/no/such/dir"

# a package that is no curriculum, and one whose media are damaged: no site
mkdir -p "$tmp/plain"
echo hello >"$tmp/plain/a.txt"
run "$LPACK" create -q "$tmp/plain" -o "$tmp/plain.lpk"
expect_exit 1 "$LPACK" html "$tmp/plain.lpk" -o "$tmp/plain-site"
check 'says there is no catalog' has "$err" "curriculum/catalog.json"
check 'and leaves nothing' test -z "$(ls -d "$tmp"/plain-site* 2>/dev/null)"
python3 - "$tmp/tetum-math.lpk" "$tmp/bad.lpk" <<'EOF'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
at = data.find(b"IHDR")       # inside the stored PNG
data[at + 8] ^= 0xff
open(sys.argv[2], "wb").write(data)
EOF
expect_exit 1 "$LPACK" html "$tmp/bad.lpk" -o "$tmp/bad-site"
check 'a damaged media file is found' has "$err" "hash"
check 'and no site is left, under its name or another' \
    test -z "$(ls -d "$tmp"/bad-site* 2>/dev/null)"

# usage
expect_exit 2 "$LPACK" html "$tmp/tetum-math.lpk"
check 'says -o is missing' has "$err" "--output"
expect_exit 2 "$LPACK" html "$tmp/tetum-math.lpk" -o "$tmp/x" -o "$tmp/y"
expect_exit 2 "$LPACK" html -o "$tmp/x"
done_testing
