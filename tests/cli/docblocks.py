#!/usr/bin/env python3
"""docblocks.py - the shell commands a document shows, as a script to run.

Usage: docblocks.py DOC SCRIPT [NAME]

Reads DOC (Markdown, or a man page: *.1 ... *.8) and writes SCRIPT, a bash
script that runs its commands in order, in one shell, as a reader would
type them; and SCRIPT.map, one line per line of SCRIPT: the DOC:LINE it
came from (empty for lines this script adds).  tests/cli/readme.sh runs it.

Which blocks are commands:
  Markdown   every fenced block whose info string is "sh" (```sh).  Other
             blocks (```text, ```console, ```yaml...) are shown, not run.
  man page   every .EX/.EE block in the EXAMPLES section, roff escapes
             (\\-, \\e, \\(aq, ...) read as man(1) shows them.  A block that
             shows output or a file, not commands, is marked (see below).
A block that must not run is marked by the line just before it, a comment
that says why:
  Markdown   <!-- not run: REASON -->
  man page   .\\" not run: REASON
Keep these few: a command that needs the network, root or a real hub's
folders is better rewritten to run as written (hub/, trust/, relative
paths, the shipped examples/).

How they run: "set -e -o pipefail", so a failing command stops the
document; and each top-level command's status is checked too, so that the
first command of "a && b" failing is caught (set -e alone lets it pass):
write a condition as "if a; then b; fi", not "a && b".
A failure is reported on the fd 9 as "fail SCRIPTLINE STATUS"; each block
that ran to its end as "done DOC:LINE"; each marked block as
"skip DOC:LINE REASON".
"""
import re
import subprocess
import sys

# roff escapes that man pages use inside .EX blocks, as man(1) shows them
ROFF = {
    '\\-': '-', '\\e': '\\', '\\\\': '\\', '\\&': '', '\\%': '',
    '\\(aq': "'", '\\(dq': '"', '\\(ha': '^', '\\(ti': '~', '\\(rs': '\\',
    '\\(lq': '"', '\\(rq': '"', '\\(oq': "'", '\\(cq': "'", '\\(ga': '`',
    '\\(em': '--', '\\(en': '-', '\\ ': ' ', '\\~': ' ', '\\|': '', '\\^': '',
    '\\fB': '', '\\fI': '', '\\fR': '', '\\fP': '', '\\fC': '',
}
ROFF_RE = re.compile(r'\\(?:\([a-z][a-z]|f[BIRPC]|.)')


class DocError(Exception):
    pass


def unroff(line, where):
    def sub(m):
        s = m.group(0)
        if s not in ROFF:
            raise DocError('%s: roff escape %s in an example: add it to '
                           'ROFF in %s' % (where, s, sys.argv[0]))
        return ROFF[s]
    return ROFF_RE.sub(sub, line)


def markdown_blocks(doc, lines):
    """(start line of the first command, [lines], skip reason or None)"""
    blocks = []
    i = 0
    while i < len(lines):
        m = re.match(r'^(\s*)(```+|~~~+)\s*(\S*)', lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = m.group(1), m.group(2), m.group(3)
        start = i
        body = []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent)
                        else lines[i])
            i += 1
        if i == len(lines):
            raise DocError('%s:%d: the code block is not closed'
                           % (doc, start + 1))
        i += 1
        if lang != 'sh':
            continue
        blocks.append((start + 2, body, skip_reason(
            lines, start, r'^<!--\s*not run:\s*(.*?)\s*-->\s*$')))
    return blocks


def skip_reason(lines, at, pattern):
    if at == 0:
        return None
    m = re.match(pattern, lines[at - 1])
    if not m:
        return None
    if not m.group(1):
        raise DocError('line %d: "not run:" without a reason' % at)
    return m.group(1)


def man_blocks(doc, lines):
    blocks = []
    section = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith('.SH '):
            section = line[4:].strip().strip('"')
        if section != 'EXAMPLES' or not line.startswith('.EX'):
            i += 1
            continue
        start = i
        body = []
        i += 1
        while i < len(lines) and not lines[i].startswith('.EE'):
            where = '%s:%d' % (doc, i + 1)
            if lines[i].startswith('.sp') or lines[i].startswith('.br'):
                body.append('')
            elif lines[i].startswith('.\\"'):
                body.append('')
            elif lines[i].startswith('.') or lines[i].startswith("'"):
                raise DocError('%s: roff request in an example: %s'
                               % (where, lines[i]))
            else:
                body.append(unroff(lines[i], where))
            i += 1
        if i == len(lines):
            raise DocError('%s:%d: .EX without .EE' % (doc, start + 1))
        i += 1
        blocks.append((start + 2, body, skip_reason(
            lines, start, r'^\.\\"\s*not run:\s*(.*?)\s*$')))
    return blocks


def complete(text):
    """Whether text is whole shell commands (bash -n parses it)"""
    if re.search(r'\\\s*$', text):
        return False
    r = subprocess.run(['bash', '-n'], input=text.encode(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # an open here-document is only a warning to bash -n
    return r.returncode == 0 and not r.stderr


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit('usage: docblocks.py DOC SCRIPT [NAME]')
    doc, script = sys.argv[1], sys.argv[2]
    name = sys.argv[3] if len(sys.argv) == 4 else doc  # in messages
    with open(doc, encoding='utf-8') as f:
        lines = f.read().split('\n')
    try:
        if re.search(r'\.[1-8]$', doc):
            blocks = man_blocks(name, lines)
        else:
            blocks = markdown_blocks(name, lines)
    except DocError as e:
        msg = str(e)
        sys.exit('docblocks.py: ' + (msg if msg.startswith(name)
                                      else '%s:%s' % (name, msg[5:])))
    out = ['# generated from %s by tests/cli/docblocks.py: do not edit' % name,
           'set -e -o pipefail',
           "trap 'echo \"fail $LINENO $?\" >&9' ERR"]
    src = ['', '', '']
    for first, body, reason in blocks:
        where = '%s:%d' % (name, first)
        if reason is not None:
            out.append('echo %s >&9' % shq('skip %s %s' % (where, reason)))
            src.append('')
            continue
        # one top-level command at a time, its status checked after it
        chunk, chunk_src = [], []
        for n, text in enumerate(body):
            chunk.append(text)
            chunk_src.append('%s:%d' % (name, first + n))
            if not complete('\n'.join(chunk) + '\n'):
                continue
            if any(t.strip() and not t.strip().startswith('#')
                   for t in chunk):
                at = len(out) + 1
                out.extend(chunk)
                src.extend(chunk_src)
                out.append('_lp_st=$?; [ "$_lp_st" -eq 0 ] || '
                           '{ echo "fail %d $_lp_st" >&9; exit "$_lp_st"; }'
                           % at)
                src.append('')
            else:
                out.extend(chunk)
                src.extend(chunk_src)
            chunk, chunk_src = [], []
        if chunk:
            sys.exit('docblocks.py: %s: the block ends inside a command '
                     '(bash -n: syntax error)' % where)
        out.append('echo %s >&9' % shq('done ' + where))
        src.append('')
    with open(script, 'w', encoding='utf-8') as f:
        f.write('\n'.join(out) + '\n')
    with open(script + '.map', 'w', encoding='utf-8') as f:
        f.write('\n'.join(src) + '\n')


def shq(s):
    return "'" + s.replace("'", "'\\''") + "'"


if __name__ == '__main__':
    main()
