#!/usr/bin/env python3
"""What of a CNXML textbook (the OpenStax College Physics corpus) lp's
source format cannot express yet (issue 14), counted over every module.

  bench/textbook-gaps.py [CORPUS_DIR]

CORPUS_DIR defaults to ../shared/corpus/openstax-college-physics/v2 next
to the worktree.  Mathematics is checked with the rules of lpc's MathML
Core subset (liblp/base/mathml.c, lp-curriculum(5) MATHEMATICS): each
<math> is expressible as it is, after a rewrite lpc's messages spell out
(mfenced as mo fences, fontstyle as mathvariant, a named space as a length,
an attribute MathML Core lacks dropped), or not at all (an element lp does
not carry, such as menclose).  Exercises are counted by what their problem
and solution hold: lp's activities have plain-text prompts and options, no
parts and no worked solutions yet."""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

MATHML = "http://www.w3.org/1998/Math/MathML"
CNXML = "http://cnx.rice.edu/cnxml"

ROW = {"math", "mrow", "mstyle", "mpadded", "mphantom", "msqrt", "mtd"}
TOKEN = {"mi", "mn", "mo", "ms", "mtext", "annotation"}
EMPTY = {"mspace", "mprescripts", "none"}
FIXED = {"mfrac": 2, "mroot": 2, "msub": 2, "msup": 2, "msubsup": 3,
         "munder": 2, "mover": 2, "munderover": 3}
OTHER = {"mtable", "mtr", "semantics", "mmultiscripts"}
ELEMENTS = ROW | TOKEN | EMPTY | set(FIXED) | OTHER
GLOBAL = {"dir", "displaystyle", "scriptlevel", "mathvariant", "mathsize"}
ATTRS = {
    "math": {"display", "alttext"},
    "mo": {"form", "stretchy", "fence", "separator", "lspace", "rspace",
           "largeop", "movablelimits", "symmetric", "minsize", "maxsize"},
    "mspace": {"width", "height", "depth"},
    "mpadded": {"width", "height", "depth", "lspace", "voffset"},
    "mfrac": {"linethickness"}, "mover": {"accent"},
    "munder": {"accentunder"}, "munderover": {"accent", "accentunder"},
    "mtable": {"columnalign"}, "mtr": {"columnalign"},
    "mtd": {"columnalign", "columnspan", "rowspan"},
    "annotation": {"encoding"},
}
LENGTH = re.compile(r"[+-]?(\d{1,6}(\.\d{0,6})?|\.\d{1,6})"
                    r"(em|ex|px|in|cm|mm|pt|pc|rem|%)$")
BOOL = {"true", "false"}
VALUES = {
    "dir": {"ltr", "rtl"}, "display": {"block", "inline"},
    "form": {"prefix", "infix", "postfix"},
    "mathvariant": {"normal", "bold", "italic", "bold-italic",
                    "double-struck", "bold-fraktur", "script",
                    "bold-script", "fraktur", "sans-serif",
                    "bold-sans-serif", "sans-serif-italic",
                    "sans-serif-bold-italic", "monospace", "initial",
                    "tailed", "looped", "stretched"},
}
for b in ("displaystyle", "stretchy", "fence", "separator", "largeop",
          "movablelimits", "symmetric", "accent", "accentunder"):
    VALUES[b] = BOOL
LENGTHS = {"mathsize", "lspace", "rspace", "minsize", "maxsize", "width",
           "height", "depth", "voffset", "linethickness"}
REWRITE_ELEMENTS = {"mfenced"}   # as mrow and mo fences


def local(tag):
    return tag.split("}", 1)[1] if "}" in tag else tag


def value_ok(name, v):
    if name in LENGTHS:
        return bool(LENGTH.match(v)) or re.fullmatch(r"[+-]?0*\.?0*", v)
    if name in VALUES:
        return v in VALUES[name]
    if name == "scriptlevel":
        return bool(re.fullmatch(r"[+-]?\d{1,2}", v))
    if name == "columnalign":
        return bool(re.fullmatch(r"(left|center|right)( (left|center|right))*",
                                 v))
    if name in ("columnspan", "rowspan"):
        return v.isdigit() and 1 <= int(v) <= 1000
    return len(v.encode()) <= 1024


def classify(m, why):
    """'ok', 'rewrite' or 'no' for one <math>; why counts the reasons"""
    verdict = "ok"

    def worse(v, reason):
        nonlocal verdict
        why[reason] = why.get(reason, 0) + 1
        if v == "no" or verdict == "ok":
            verdict = v

    def walk(el, top):
        name = local(el.tag)
        if not top and name == "math":
            worse("rewrite", "math inside math (as mrow)")
        elif name in REWRITE_ELEMENTS:
            worse("rewrite", "element " + name)
        elif name not in ELEMENTS:
            worse("no", "element " + name)
            return
        for a, v in el.attrib.items():
            a = local(a)
            if a in ("id", "class", "xmlns") or a.startswith("font") or \
               a in ("open", "close", "separators"):
                if a not in ("id", "xmlns"):
                    worse("rewrite", "attribute " + a)
                continue
            if a not in GLOBAL and a not in ATTRS.get(name, ()):
                worse("rewrite", "attribute %s on %s" % (a, name))
            elif not value_ok(a, v):
                worse("rewrite", "value of " + a)
        kids = list(el)
        text = (el.text or "").strip() or any((k.tail or "").strip()
                                              for k in kids)
        if name in TOKEN:
            if kids:
                worse("rewrite", "element in a token")
        elif text:
            worse("rewrite", "text outside a token")
        if name in FIXED and len(kids) != FIXED[name]:
            worse("rewrite", "%s with %d children" % (name, len(kids)))
        if len(kids) > 256:
            worse("rewrite", "more than 256 children")
        for k in kids:
            walk(k, False)

    walk(m, True)
    if sum(1 for _ in m.iter()) > 4096:
        worse("rewrite", "more than 4096 nodes")
    return verdict


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "..", "..", "shared", "corpus",
        "openstax-college-physics", "v2")
    files = sorted(glob.glob(os.path.join(corpus, "modules", "*",
                                          "index.cnxml")))
    if not files:
        sys.exit("no modules below %s" % corpus)
    maths = {"ok": 0, "rewrite": 0, "no": 0}
    why = {}
    inline = display = 0
    eq = eq_math_only = 0
    ex = ex_plain = ex_rich = ex_solution = ex_parts = 0
    for path in files:
        root = ET.parse(path).getroot()
        parent = {c: p for p in root.iter() for c in p}
        for m in root.iter("{%s}math" % MATHML):
            if local(parent[m].tag) == "math":
                continue
            maths[classify(m, why)] += 1
            if local(parent[m].tag) == "equation":
                display += 1
            else:
                inline += 1
        for e in root.iter("{%s}equation" % CNXML):
            eq += 1
            if not (e.text or "").strip() and all(
                    local(k.tag) == "math" and not (k.tail or "").strip()
                    for k in e):
                eq_math_only += 1
        for x in root.iter("{%s}exercise" % CNXML):
            ex += 1
            prob = x.find("{%s}problem" % CNXML)
            sol = x.find("{%s}solution" % CNXML)
            rich = prob is not None and any(
                local(k.tag) in ("math", "media", "figure", "image",
                                 "emphasis", "sub", "sup", "table", "list",
                                 "equation", "link", "term")
                for k in prob.iter() if k is not prob)
            parts = prob is not None and (
                len(prob.findall(".//{%s}list" % CNXML)) > 0 or
                len(re.findall(r"\([a-d]\)", "".join(prob.itertext()))) > 1)
            ex_rich += rich
            ex_parts += parts
            ex_solution += sol is not None
            ex_plain += not rich and not parts and sol is None
    total = sum(maths.values())
    print("modules: %d" % len(files))
    print("math elements: %d (%d inline, %d in equations)" %
          (total, inline, display))
    print("  expressible as they are:        %d" % maths["ok"])
    print("  after a rewrite lpc spells out: %d" % maths["rewrite"])
    print("  not expressible:                %d" % maths["no"])
    for reason, n in sorted(why.items(), key=lambda kv: (-kv[1], kv[0])):
        print("    %6d  %s" % (n, reason))
    print("equation blocks: %d (%d hold one math and nothing else: a math "
          "block with the equation's id)" % (eq, eq_math_only))
    print("exercises: %d" % ex)
    print("  with a worked solution (lp has none yet):           %d" %
          ex_solution)
    print("  whose problem holds math, media, emphasis, lists... %d" %
          ex_rich)
    print("  in several parts ((a), (b), ... or a list):          %d" %
          ex_parts)
    print("  plain text, no parts, no solution (expressible):    %d" %
          ex_plain)


main()
