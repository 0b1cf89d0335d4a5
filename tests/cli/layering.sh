#!/bin/sh
# The tools use the library only through its public header: nothing outside
# liblp/ includes liblp's internals, and liblp includes nothing of the tools.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
plan 5
cd "$top_srcdir" || bail_out "no source tree"
bad=$(grep -lE '#include +"(\.\./)*(liblp/)?lpi\.h"|#include +"\.\./liblp/' \
    lpack/*.c lpack/*.h common/*.c common/*.h 2>/dev/null)
check 'tools include only <lp.h> from the library' test -z "$bad"
bad=$(grep -lE '#include +"(\.\./)*(common|lpack|lpc)/' liblp/*.c liblp/*.h)
check 'liblp includes nothing from the tools' test -z "$bad"
bad=$(grep -nE '\b(printf|puts|exit|abort|perror)\(' liblp/*.c | \
      grep -v 'snprintf\|vsnprintf\|LP_ASSERT_ARG' )
check 'liblp never prints or exits' test -z "$bad"
[ -n "$bad" ] && diag "$bad"
# functions that invite overflows or ignore errors (curl's checksrc list)
bad=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atoll)\(' \
      liblp/*.c liblp/*.h common/*.c common/*.h lpack/*.c lpc/*.c 2>/dev/null)
check 'no strcpy, strcat, sprintf, gets or atoi in C sources' test -z "$bad"
[ -n "$bad" ] && diag "$bad"
# the public header is also a C++ header (extern "C", no C-only syntax)
if command -v g++ >/dev/null 2>&1; then
    check 'lp.h compiles as C++ with -Wall -Wextra -pedantic -Werror' \
        g++ -std=c++11 -fsyntax-only -Wall -Wextra -pedantic -Werror \
        -x c++ liblp/lp.h
else
    not_ok 'lp.h compiles as C++' 'g++ is missing (tools/deps.sh installs it)'
fi
done_testing
