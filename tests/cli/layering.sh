#!/bin/sh
# The layers of liblp, and the tools' use of it.  liblp/ has one folder per
# part; a part may use only the parts below it:
#
#   base <- package <- sign, delta, curriculum <- update, runtime, serve
#
# base uses no other part; the package format only base; sign, delta and
# curriculum the package format and base, never each other; update,
# runtime and serve what they need below them, never the curriculum
# compiler.  "Use" is checked twice: the internal headers a file includes
# (each part's lpi_*.h names its part), and the symbols its object file
# takes from other files of the library (what the linker sees, so a
# declaration copied by hand cannot hide a dependency).  The tools
# include only <lp.h> and common/.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
plan 10
cd "$top_srcdir" || bail_out "no source tree"

# part -> the parts it may use (itself included)
allowed() {
    case $1 in
    base) echo base ;;
    package) echo base package ;;
    sign|delta|curriculum) echo base package "$1" ;;
    update) echo base package sign delta update ;;
    runtime) echo base package sign runtime ;;
    serve) echo base package sign runtime update serve ;;
    *) return 1 ;;
    esac
}

bad=""
for dir in liblp/*/; do
    part=$(basename "$dir")
    allowed "$part" >/dev/null ||
        bad="$bad
liblp/$part/ is a part with no rule: add it to allowed() in tests/cli/layering.sh"
done
check 'every folder of liblp/ is a known part' test -z "$bad"
[ -n "$bad" ] && diag "$bad"

# which part an internal header belongs to: the folder that holds it
part_of_header() {
    for h in liblp/*/"$1"; do
        [ -f "$h" ] && { basename "$(dirname "$h")"; return; }
    done
    echo unknown
}
bad=""
for f in liblp/*/*.c liblp/*/*.h; do
    part=$(basename "$(dirname "$f")")
    ok_parts=$(allowed "$part") || continue
    for h in $(sed -n 's/^#include *"\(lpi[a-z_]*\.h\)".*/\1/p' "$f"); do
        hp=$(part_of_header "$h")
        case " $ok_parts " in
        *" $hp "*) ;;
        *) bad="$bad
$f includes $h of part '$hp'" ;;
        esac
    done
done
check 'each part includes only the internal headers of the parts below it' \
    test -z "$bad"
[ -n "$bad" ] && diag "$bad"

bad=$(grep -lE '#include +<(libxml|yaml\.h)' liblp/*/*.c liblp/*/*.h | \
      grep -v '^liblp/curriculum/')
check 'only the curriculum compiler uses libxml2 and libyaml' test -z "$bad"
[ -n "$bad" ] && diag "$bad"

# The symbols each object file takes from the others: no part uses a part
# it may not, and no two files use each other, however indirectly.
objs=$(ls "$top_builddir"/liblp/*/liblp_la-*.o 2>/dev/null ||
       ls "$top_builddir"/liblp/*/.libs/liblp_la-*.o 2>/dev/null)
if [ -n "$objs" ] && command -v nm >/dev/null 2>&1 &&
   command -v python3 >/dev/null 2>&1; then
    graph=$(for o in $objs; do
        part=${o%/liblp_la-*}; part=${part%/.libs}; part=${part##*/}
        file=$(basename "$o" .o); file=${file#liblp_la-}
        nm "$o" | awk -v f="$part/$file" '
            NF == 3 && $2 ~ /^[TDBR]$/ && $3 ~ /^lpi?_/ { print "D", f, $3 }
            NF == 2 && $1 == "U" && $2 ~ /^lpi?_/ { print "U", f, $2 }'
    done)
    rules=$(for p in base package sign delta curriculum update runtime serve; do
        echo "$p $(allowed "$p")"; done)
    report=$(printf '%s\n' "$graph" | RULES="$rules" python3 -c '
import os, sys
rules = {}
for line in os.environ["RULES"].splitlines():
    p = line.split()
    rules[p[0]] = set(p[1:])
owner, uses = {}, {}
for line in sys.stdin:
    kind, f, sym = line.split()
    if kind == "D":
        owner[sym] = f
    else:
        uses.setdefault(f, set()).add(sym)
edges = {}
for f, syms in uses.items():
    for s in syms:
        g = owner.get(s)
        if g and g != f:
            edges.setdefault(f, set()).add(g)
            fp, gp = f.split("/")[0], g.split("/")[0]
            if gp not in rules.get(fp, set()):
                print("layer: %s uses %s (%s)" % (f, g, s))
# file-level cycles (Tarjan)
index, low, stack, on, n = {}, {}, [], set(), [0]
def visit(v):
    index[v] = low[v] = n[0]; n[0] += 1
    stack.append(v); on.add(v)
    for w in edges.get(v, ()):
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            print("cycle: " + " <-> ".join(sorted(comp)))
sys.setrecursionlimit(100000)
for v in list(edges):
    if v not in index:
        visit(v)
')
    layer=$(printf '%s\n' "$report" | grep '^layer:')
    cycle=$(printf '%s\n' "$report" | grep '^cycle:')
    check 'no part links to a part above or beside it' test -z "$layer"
    [ -n "$layer" ] && diag "$layer"
    check 'no two files of liblp use each other, even through others' \
        test -z "$cycle"
    [ -n "$cycle" ] && diag "$cycle"
else
    skip 'no part links to a part above or beside it' 'no objects, nm or python3'
    skip 'no two files of liblp use each other' 'no objects, nm or python3'
fi

bad=$(grep -lE '#include +"(\.\./)*(liblp/)?[a-z/]*lpi[a-z_]*\.h"|#include +"\.\./liblp/' \
    lpack/*.c lpack/*.h lpc/*.c lpc/*.h common/*.c common/*.h 2>/dev/null)
check 'tools include only <lp.h> from the library' test -z "$bad"
bad=$(grep -lE '#include +"(\.\./)*(common|lpack|lpc)/' liblp/*/*.c liblp/*/*.h)
check 'liblp includes nothing from the tools' test -z "$bad"
bad=$(grep -nE '\b(printf|puts|exit|abort|perror)\(' liblp/*/*.c | \
      grep -v 'snprintf\|vsnprintf\|LP_ASSERT_ARG' )
check 'liblp never prints or exits' test -z "$bad"
[ -n "$bad" ] && diag "$bad"
# functions that invite overflows or ignore errors (curl's checksrc list)
bad=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atoll)\(' \
      liblp/*/*.c liblp/*/*.h common/*.c common/*.h lpack/*.c lpc/*.c \
      2>/dev/null)
check 'no strcpy, strcat, sprintf, gets or atoi in C sources' test -z "$bad"
[ -n "$bad" ] && diag "$bad"
# the public header is also a C++ header (extern "C", no C-only syntax):
# tests/unit/headertest and usage.sh compile it; here, as C++ too
if command -v g++ >/dev/null 2>&1; then
    g++ -std=c++11 -fsyntax-only -Wall -Wextra -pedantic -Werror \
        -x c++ liblp/lp.h 2>"$tmp/cxx" || { cat "$tmp/cxx" >&2; false; }
    status=$?
else
    status=1
fi
if [ $status = 0 ]; then
    ok 'lp.h compiles as C++ with -Wall -Wextra -pedantic -Werror'
else
    not_ok 'lp.h compiles as C++' 'g++ missing (tools/deps.sh installs it) or errors'
fi
done_testing
