#!/bin/sh
# lpc reads nothing outside the project through a symbolic link, at any
# component of a path: a linked media folder, a linked lesson folder, a
# linked curriculum file are refused by check and build alike, the
# diagnostic (bad-path) naming the link (lp-curriculum(5), SECURITY.md).
# Both ways of opening are run: openat2() where the kernel has it, and the
# walk one component at a time (LP_TEST_NO_OPENAT2).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
LPC=${LPC:-$top_builddir/lpc/lpc}
example=$top_srcdir/examples/tetum-math

# refused NAME TEXT: check and build of $tmp/NAME both fail, reporting TEXT
# (after "$tmp/NAME/"), and no package is written
refused() {
    _p=$1 _text=$2
    for _cmd in check build; do
        if [ $_cmd = build ]; then
            run timeout 20 "$LPC" build --color=never "$tmp/$_p" -o "$tmp/$_p.lpk"
        else
            run timeout 20 "$LPC" check --color=never "$tmp/$_p"
        fi
        if [ "$status" -eq 1 ] && has "$err" "$tmp/$_p/$_text"; then
            ok "$mode: $_p: $_cmd refuses: $_text"
        else
            not_ok "$mode: $_p: $_cmd refuses: $_text" "status $status; stderr:"
            diag "$(head -n 10 "$err")"
        fi
    done
    check "$mode: $_p: no package" test ! -e "$tmp/$_p.lpk"
}

mkdir -p "$tmp/outside/media" "$tmp/outside/lessons"
echo 'root:x:0:0:secret' >"$tmp/outside/passwd"
cp "$example/lessons/numbers-02.xml" "$tmp/outside/lessons/"
cp "$example/media/fatuk-sanulu.png" "$tmp/outside/media/secret.png"

for mode in openat2 walk; do
    if [ $mode = walk ]; then
        LP_TEST_NO_OPENAT2=1
        export LP_TEST_NO_OPENAT2
    fi

    # a media file through a linked folder (the issue's /etc/passwd)
    mkproj sys
    ln -s "$tmp/outside" "$tmp/sys/media/sys"
    sed -i 's|src: ../media/fatuk-sanulu.png|src: ../media/sys/passwd|' "$tmp/sys/lessons/numbers-01.yaml"
    refused sys "lessons/numbers-01.yaml:40:15: error: '../media/sys/passwd' goes through the symbolic link 'media/sys' [bad-path]"

    # the link written with "..": resolved in the text, then opened safely
    mkproj dots
    ln -s "$tmp/outside" "$tmp/dots/media/sys"
    sed -i 's|src: ../media/fatuk-sanulu.png|src: ../media/./sys/../sys/passwd|' "$tmp/dots/lessons/numbers-01.yaml"
    refused dots "lessons/numbers-01.yaml:40:15: error: '../media/./sys/../sys/passwd' goes through the symbolic link 'media/sys' [bad-path]"

    # a lesson file through a linked folder
    mkproj ext
    ln -s ../outside/lessons "$tmp/ext/ext"
    sed -i 's|src: lessons/numbers-02.xml|src: ext/numbers-02.xml|' "$tmp/ext/curriculum.yaml"
    refused ext "curriculum.yaml:38:34: error: '$tmp/ext/ext/numbers-02.xml' goes through the symbolic link '$tmp/ext/ext' [bad-path]"

    # the whole media folder is a link: every reference names it, and the
    # files it leads to are not listed as unused
    mkproj med
    rm -r "$tmp/med/media"
    ln -s "$tmp/outside/media" "$tmp/med/media"
    refused med "lessons/numbers-01.yaml:40:15: error: '../media/fatuk-sanulu.png' goes through the symbolic link 'media' [bad-path]"
    check "$mode: med: outside files not listed" test "$(grep -c secret.png "$err")" -eq 0

    # the curriculum file itself
    mkproj cur
    mv "$tmp/cur/curriculum.yaml" "$tmp/outside/curriculum.yaml"
    ln -s "$tmp/outside/curriculum.yaml" "$tmp/cur/curriculum.yaml"
    refused cur "curriculum.yaml' is a symbolic link [bad-path]"

    # a lesson file that is itself a link
    mkproj les
    mv "$tmp/les/lessons/numbers-02.xml" "$tmp/les/l2.xml"
    ln -s ../l2.xml "$tmp/les/lessons/numbers-02.xml"
    refused les "curriculum.yaml:38:34: error: '$tmp/les/lessons/numbers-02.xml' is a symbolic link [bad-path]"

    # links inside the project that stay inside are refused all the same:
    # where a link leads is not looked at
    mkproj inside
    ln -s . "$tmp/inside/media/again"
    sed -i 's|src: ../media/fatuk-sanulu.png|src: ../media/again/fatuk-sanulu.png|' "$tmp/inside/lessons/numbers-01.yaml"
    refused inside "lessons/numbers-01.yaml:40:15: error: '../media/again/fatuk-sanulu.png' goes through the symbolic link 'media/again' [bad-path]"
done

# the project folder itself may be a link: the user named it
mkproj real
ln -s real "$tmp/alias"
expect_exit 0 "$LPC" build "$tmp/alias" -o "$tmp/alias.lpk"
done_testing
