#!/usr/bin/env python3
"""Generate a realistic curriculum project for benchmarking `lpc`.

Deterministic: the same --seed and options give byte-identical files (and
identical mtimes).

The project follows lp-curriculum(5): a curriculum.yaml naming N lessons
(default 2,000) in 5 subjects, grades, units of 10 lessons, in teaching
order; lesson files in YAML (3 in 4) and XML (1 in 4) with content in five
languages (tet, pt, en, fr, ar), each language a body with headings,
paragraphs with emphasis and links, lists, tables, images with alt text,
audio, video with WebVTT captions per language and an occasional PDF
attachment; objectives mapped to standard codes; multiple-choice,
true/false, numeric and short-answer activities; assignments.  The text is
real sentences recombined (the sentence lists of gen-tree.py), the media
are made by gen-tree.py's media functions (JPEG, PNG, MP4, MP3, WAV with
valid headers and realistic compressibility), every file is referenced
from a lesson, and some images are referenced by many lessons or copied
under two names (content dedupe).  `lpc check` passes on the result.

Python 3 standard library only.  See bench/README.md.

Usage: gen-curriculum.py OUTDIR [--lessons 2000] [--mb 300] [--seed 1]
"""

import argparse
import importlib.util
import json
import os
import sys
from xml.sax.saxutils import escape, quoteattr

here = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no bench/__pycache__ from importing gen-tree.py
_spec = importlib.util.spec_from_file_location("gentree", os.path.join(here, "gen-tree.py"))
gt = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gt)

MiB = gt.MiB
LANGS = ["tet", "pt", "en", "fr", "ar"]
NAMES = {"tet": "Tetun", "pt": "Português", "en": "English", "fr": "Français", "ar": "العربية"}
FALLBACK = {"tet": "pt", "pt": "en", "en": None, "fr": "en", "ar": "fr en"}
SUBJECTS = [
    ("math", {"tet": "Matemátika", "pt": "Matemática", "en": "Mathematics",
              "fr": "Mathématiques", "ar": "الرياضيات"}),
    ("science", {"tet": "Siénsia", "pt": "Ciências", "en": "Science",
                 "fr": "Sciences", "ar": "العلوم"}),
    ("health", {"tet": "Saúde", "pt": "Saúde e higiene", "en": "Health",
                "fr": "Santé", "ar": "الصحة"}),
    ("geography", {"tet": "Jeografia", "pt": "Geografia", "en": "Geography",
                   "fr": "Géographie", "ar": "الجغرافيا"}),
    ("reading", {"tet": "Lee no hakerek", "pt": "Leitura e escrita", "en": "Reading and writing",
                 "fr": "Lecture et écriture", "ar": "القراءة والكتابة"}),
]
GRADE = {"tet": "Tinan", "pt": "Ano", "en": "Grade", "fr": "Année", "ar": "السنة"}
UNIT = {"tet": "Unidade", "pt": "Unidade", "en": "Unit", "fr": "Unité", "ar": "الوحدة"}
TRUE_FALSE = {"tet": "Loos ka sala?", "pt": "Verdadeiro ou falso?", "en": "True or false?",
              "fr": "Vrai ou faux ?", "ar": "صحيح أم خطأ؟"}
FEEDBACK_OK = {"tet": "Di'ak loos!", "pt": "Muito bem!", "en": "Well done!", "fr": "Très bien !",
               "ar": "أحسنت!"}
FEEDBACK_NO = {"tet": "Koko fali.", "pt": "Tenta outra vez.", "en": "Try again.",
               "fr": "Essaie encore.", "ar": "حاول مرة أخرى."}
NEXT = {"tet": "Lisaun tuir mai", "pt": "Lição seguinte", "en": "Previous lesson",
        "fr": "Leçon précédente", "ar": "الدرس السابق"}
TASK = {"tet": "Foti foto ida kona-ba servisu uma nian no haruka ba manorin.",
        "pt": "Tira uma fotografia do trabalho de casa e envia-a ao professor.",
        "en": "Take a photo of your homework and send it to your teacher.",
        "fr": "Prends une photo de ton devoir et envoie-la à ton enseignant.",
        "ar": "التقط صورة لواجبك المنزلي وأرسلها إلى معلمك."}
LISTEN = {"tet": "Rona no lee", "pt": "Ouve e lê", "en": "Listen and read", "fr": "Écoute et lis",
          "ar": "استمع واقرأ"}
WATCH = {"tet": "Haree vídeo", "pt": "Vê o vídeo", "en": "Watch the video", "fr": "Regarde la vidéo",
         "ar": "شاهد الفيديو"}
BOOK = {"tet": "Livru eskola", "pt": "Manual escolar", "en": "Textbook", "fr": "Manuel scolaire",
        "ar": "الكتاب المدرسي"}
TABLE = {"tet": ("Númeru", "Rezultadu"), "pt": ("Número", "Resultado"), "en": ("Number", "Result"),
         "fr": ("Nombre", "Résultat"), "ar": ("العدد", "النتيجة")}


# --------------------------------------------------------------------------
# One element tree, two syntaxes.  An element is (name, attrs, children);
# children are str (text) or elements.
# --------------------------------------------------------------------------

def E(name, attrs=None, *children):
    return (name, dict(attrs or {}), list(children))


def to_xml(el, ind=0, out=None):
    out = [] if out is None else out
    name, attrs, kids = el
    sp = "  " * ind
    a = "".join(" %s=%s" % (k, quoteattr(str(v))) for k, v in attrs.items())
    if not kids:
        out.append("%s<%s%s/>\n" % (sp, name, a))
    elif any(isinstance(k, str) for k in kids):  # mixed content: one line
        out.append("%s<%s%s>%s</%s>\n" % (sp, name, a, "".join(inline_xml(k) for k in kids), name))
    else:
        out.append("%s<%s%s>\n" % (sp, name, a))
        for k in kids:
            to_xml(k, ind + 1, out)
        out.append("%s</%s>\n" % (sp, name))
    return out


def inline_xml(k):
    if isinstance(k, str):
        return escape(k)
    name, attrs, kids = k
    a = "".join(" %s=%s" % (n, quoteattr(str(v))) for n, v in attrs.items())
    return "<%s%s>%s</%s>" % (name, a, "".join(inline_xml(c) for c in kids), name)


def yval(el):
    """The YAML value of an element (its name is the key)."""
    _, attrs, kids = el
    names = [k[0] for k in kids if not isinstance(k, str)]
    has_text = any(isinstance(k, str) for k in kids)
    if not attrs and len(kids) == 1 and has_text:
        return kids[0]
    if not attrs and not kids:
        return {}
    unique = not has_text and len(set(names)) == len(names)
    if not attrs and not unique:
        return [k if isinstance(k, str) else {k[0]: yval(k)} for k in kids]
    d = {k: str(v) for k, v in attrs.items()}
    if unique and kids and len(kids) > 1 or (unique and kids and attrs):
        for k in kids:
            d[k[0]] = yval(k)
    elif kids:
        if len(kids) == 1 and has_text:
            d["_"] = kids[0]
        else:
            d["_"] = [k if isinstance(k, str) else {k[0]: yval(k)} for k in kids]
    return d


def yscalar(s):
    return json.dumps(s, ensure_ascii=False)


def to_yaml(v, ind, out):
    sp = "  " * ind
    if isinstance(v, dict):
        for k, x in v.items():
            if isinstance(x, str):
                out.append("%s%s: %s\n" % (sp, k, yscalar(x)))
            elif not x:
                out.append("%s%s: {}\n" % (sp, k))
            else:
                out.append("%s%s:\n" % (sp, k))
                to_yaml(x, ind + 1, out)
    else:
        for x in v:
            if isinstance(x, str):
                out.append("%s- %s\n" % (sp, yscalar(x)))
            else:
                sub = []
                to_yaml(x, ind + 1, sub)
                first = sub[0]
                sub[0] = sp + "- " + first[len(sp) + 2:]
                out.extend(sub)
    return out


def yaml_doc(el, comment):
    return "# %s\n" % comment + "".join(to_yaml({el[0]: yval(el)}, 0, []))


def xml_doc(el, comment):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!-- %s -->\n' % comment
            + "".join(to_xml(el)))


# --------------------------------------------------------------------------
# Content
# --------------------------------------------------------------------------

def loc(d):
    return {l: d[l] for l in LANGS}


class Lesson:
    def __init__(self, lid, subject, gi, ui, li, prev, path):
        self.lid, self.subject, self.gi, self.ui, self.li = lid, subject, gi, ui, li
        self.prev = prev
        self.path = path  # relative to the project root
        self.images = []  # rel paths from the project root
        self.audio = []   # (rel, lang)
        self.video = []   # (rel, {lang: vtt rel})
        self.attach = []  # rel


def rel_from(lesson, target):
    return os.path.relpath(target, os.path.dirname(lesson.path)).replace(os.sep, "/")


def lesson_tree(wr, les):
    r = wr.r
    lid = les.lid
    title = {l: "%s %d: %s" % (gt.WORDS[l][0], les.li,
                               r.choice(gt.SENTENCES[l])[:48].rstrip(" ,.;:،")) for l in LANGS}
    attrs = {"id": lid, "duration": str(r.choice([30, 35, 40, 45, 50, 60]))}
    if les.prev:
        attrs["requires"] = les.prev
    objectives = E("objectives")
    for k in range(r.randint(1, 3)):
        o = {"id": "%s-o%d" % (lid, k + 1),
             "standards": "TL.%s.%d.%d" % (les.subject[:3].upper(), les.gi, les.ui * 10 + k)}
        o.update({l: wr.sentences(l, 1)[0] for l in LANGS})
        objectives[2].append(E("objective", o))
    content = E("content")
    for l in LANGS:
        body = E("body", {"lang": l})
        kids = body[2]
        kids.append(E("h1", None, title[l].split(": ", 1)[-1]))
        s = wr.sentences(l, r.randint(3, 6))
        w = s[0].split(" ")
        kids.append(E("p", None, " ".join(w[:2]) + " ", E("em", None, w[2] if len(w) > 2 else w[-1]),
                      " " + " ".join(w[3:]) + " " + " ".join(s[1:])))
        kids.append(E("h2", None, gt.WORDS[l][2]))
        for _ in range(r.randint(1, 3)):
            kids.append(E("p", None, wr.paragraph(l)))
        for img in les.images:
            kids.append(E("image", {"src": rel_from(les, img), "alt": wr.sentences(l, 1)[0][:80]}))
        for a, al in les.audio:
            if al == l:
                kids.append(E("audio", {"src": rel_from(les, a), "title": LISTEN[l]}))
        for v, caps in les.video:
            kids.append(E("video", {"src": rel_from(les, v), "captions": rel_from(les, caps[l]),
                                    "title": WATCH[l]}))
        for pdf in les.attach:
            kids.append(E("attachment", {"src": rel_from(les, pdf), "title": BOOK[l]}))
        kids.append(E("h2", None, gt.WORDS[l][3]))
        lst = E("ol" if r.random() < 0.5 else "ul")
        for _ in range(r.randint(2, 5)):
            lst[2].append(E("li", None, wr.exercise(l)))
        kids.append(lst)
        if r.random() < 0.3:
            t = E("table", None, E("tr", None, E("th", None, TABLE[l][0]), E("th", None, TABLE[l][1])))
            for _ in range(r.randint(2, 4)):
                a, b = r.randint(2, 30), r.randint(2, 30)
                t[2].append(E("tr", None, E("td", None, "%d × %d" % (a, b)), E("td", None, str(a * b))))
            kids.append(t)
        kids.append(E("p", None, E("strong", None, gt.WORDS[l][4]), " " + wr.paragraph(l, 1, 3)))
        if les.prev:
            kids.append(E("p", None, NEXT[l] + ": ",
                          E("a", {"href": "lesson:" + les.prev}, gt.WORDS[l][0]), "."))
        content[2].append(body)
    acts = E("activities")
    for k in range(r.randint(2, 5)):
        qid = "%s-q%d" % (lid, k + 1)
        kind = r.randrange(4)
        fb = E("feedback", None, E("correct", loc(FEEDBACK_OK)), E("incorrect", loc(FEEDBACK_NO)))
        if kind == 0:
            opts = E("options")
            sents = {l: wr.sentences(l, 3) for l in LANGS}
            for i, oid in enumerate("abc"):
                o = {"id": oid}
                o.update({l: sents[l][i] for l in LANGS})
                opts[2].append(E("option", o))
            acts[2].append(E("multiple-choice", {"id": qid, "answer": r.choice("abc")},
                             E("prompt", {l: wr.exercise(l) for l in LANGS}), opts, fb))
        elif kind == 1:
            p = {l: TRUE_FALSE[l] + " " + wr.sentences(l, 1)[0] for l in LANGS}
            acts[2].append(E("true-false", {"id": qid, "answer": r.choice(["true", "false"])},
                             E("prompt", p), fb))
        elif kind == 2:
            acts[2].append(E("numeric", {"id": qid, "answer": str(r.randint(2, 500))},
                             E("prompt", {l: wr.exercise(l) for l in LANGS}), fb))
        else:
            ans = {l: wr.sentences(l, 1)[0][:60].rstrip(" ,.;:!?") for l in LANGS}
            acts[2].append(E("short-answer", {"id": qid},
                             E("prompt", {l: wr.exercise(l) for l in LANGS}),
                             E("answers", None, E("answer", ans))))
    kids = [E("title", title), objectives, content, acts]
    if r.random() < 0.25:
        kids.append(E("assignments", None,
                      E("assignment", {"id": lid + "-hw", "kind": "photo", "max-size": "5 MiB"},
                        E("task", loc(TASK)))))
    return E("lesson", attrs, *kids)


def vtt(wr, lang, seconds):
    out = ["WEBVTT\n\n"]
    t = 0
    n = 1
    while t < seconds:
        d = wr.r.randint(3, 8)
        out.append("%d\n00:%02d:%02d.000 --> 00:%02d:%02d.000\n%s\n\n"
                   % (n, t // 60, t % 60, (t + d) // 60, (t + d) % 60, wr.sentences(lang, 1)[0]))
        t += d
        n += 1
    return "".join(out)


def pdf(wr, size):
    text = " ".join(wr.sentences("pt", 6))
    body = ("%%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n%% %s\n" % text).encode("utf-8")
    pad = wr.rnd.bytes(max(0, size - len(body) - 20))
    return body + b"stream\n" + pad + b"\nendstream\n%%EOF\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\nUsage:")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir", help="folder to create (must not exist, or be empty)")
    ap.add_argument("--lessons", type=int, default=2000, help="number of lessons (default 2000)")
    ap.add_argument("--mb", type=float, default=300, help="approximate media size in MiB (default 300)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--xml-every", type=int, default=4, help="every Nth lesson is XML (default 4)")
    ap.add_argument("--quiet", "-q", action="store_true", help="print nothing")
    a = ap.parse_args()
    if a.lessons < 1:
        ap.error("--lessons must be at least 1")
    if os.path.exists(a.outdir) and os.listdir(a.outdir):
        ap.error("%s exists and is not empty" % a.outdir)
    os.makedirs(a.outdir, exist_ok=True)

    rnd = gt.Rand(a.seed)
    r = rnd.r
    wr = gt.Writer(rnd, [((l,), 1) for l in LANGS])
    synth = gt.WavSynth(rnd)
    tree = gt.Tree(a.outdir, 1767225600)

    # ---- structure: subjects > grades > units of 10 lessons, round robin
    per_unit, units_per_grade = 10, 10
    per_subject = -(-a.lessons // len(SUBJECTS))
    lessons = []
    structure = []  # (subject, titles, [(grade, [(unit, [lesson])])])
    n = 0
    for sid, stitle in SUBJECTS:
        grades = []
        count = min(per_subject, a.lessons - n)
        prev = None
        for k in range(count):
            gi, rest = divmod(k, per_unit * units_per_grade)
            ui, li = divmod(rest, per_unit)
            if rest == 0:
                grades.append((gi + 1, []))
            if li == 0:
                grades[-1][1].append((ui + 1, []))
            lid = "%s-g%d-u%02d-l%02d" % (sid, gi + 1, ui + 1, li + 1)
            ext = "xml" if (n + 1) % a.xml_every == 0 else "yaml"
            les = Lesson(lid, sid, gi + 1, ui + 1, li + 1, prev,
                         "lessons/%s/grade-%d/%s.%s" % (sid, gi + 1, lid, ext))
            grades[-1][1][-1][1].append(les)
            lessons.append(les)
            prev = lid
            n += 1
        if grades:
            structure.append((sid, stitle, grades))

    # ---- media: gen-tree.py's shares and size distributions
    total = int(a.mb * MiB)
    dup = int(total * 0.05)
    rest = total - dup
    shares = {"jpeg": 0.33, "png": 0.11, "mp4": 0.24, "mp3": 0.14, "wav": 0.18}
    budget = {k: int(rest * v) for k, v in shares.items()}
    counter = [0]

    def name(les, kind, ext):
        counter[0] += 1
        return "media/%s/%s-%05d.%s" % (les.subject, kind, counter[0], ext)

    def fill(kind, median, lo, hi, sigma, make):
        left = budget[kind]
        while left >= lo:
            size = min(rnd.size(median, lo, hi, sigma), left)
            make(r.choice(lessons), size)
            left -= size

    def mk_jpeg(les, size):
        w, h = r.choice([(640, 480), (800, 600), (1024, 768), (1600, 1200), (1920, 1080)])
        rel = name(les, "foto", "jpg")
        tree.write(rel, gt.jpeg(rnd, size, w, h), "jpeg")
        les.images.append(rel)

    def mk_png(les, size):
        w, h = r.choice([(320, 240), (512, 512), (800, 600), (1024, 1024)])
        rel = name(les, "diagrama", "png")
        tree.write(rel, gt.png(rnd, size, w, h), "png")
        les.images.append(rel)

    def mk_mp4(les, size):
        rel = name(les, "video", "mp4")
        tree.write_stream(rel, lambda p: gt.write_mp4(p, rnd, size), size, "mp4")
        caps = {}
        for l in LANGS:
            c = rel[:-4] + "." + l + ".vtt"
            tree.write(c, vtt(wr, l, r.randint(30, 120)), "vtt")
            caps[l] = c
        les.video.append((rel, caps))

    def mk_mp3(les, size):
        rel = name(les, "audio", "mp3")
        lang = r.choice(LANGS)
        tree.write(rel, gt.mp3(rnd, size, wr.sentences("tet", 1)[0]), "mp3")
        les.audio.append((rel, lang))

    def mk_wav(les, size):
        rel = name(les, "lian", "wav")
        tree.write(rel, gt.wav(synth, size), "wav")
        les.audio.append((rel, r.choice(LANGS)))

    fill("jpeg", 300 * 1024, 40 * 1024, 4 * MiB, 0.8, mk_jpeg)
    fill("png", 100 * 1024, 8 * 1024, 2 * MiB, 0.9, mk_png)
    fill("mp4", 12 * MiB, 2 * MiB, 30 * MiB, 0.5, mk_mp4)
    fill("mp3", 1024 * 1024, 100 * 1024, 6 * MiB, 0.6, mk_mp3)
    fill("wav", 700 * 1024, 60 * 1024, 6 * MiB, 0.8, mk_wav)

    # ---- shared and duplicated media: one logo used by every 4th lesson
    # (one path, many references); images copied under a second name
    # (same bytes, two paths: deduped by content hash); a few textbooks
    logo = gt.png(rnd, 18 * 1024, 256, 256)
    tree.write("media/logo.png", logo, "shared")
    for i, les in enumerate(lessons):
        if i % 4 == 0:
            les.images.append("media/logo.png")
    left = dup - len(logo)
    imgs = [(les, img) for les in lessons for img in les.images if img != "media/logo.png"]
    for k in range(max(1, len(lessons) // 200)):
        les = r.choice(lessons)
        rel = "media/%s/manual-%02d.pdf" % (les.subject, k + 1)
        data = pdf(wr, r.randint(200, 900) * 1024)
        tree.write(rel, data, "pdf")
        les.attach.append(rel)
        left -= len(data)
    while left > 0 and imgs:
        src_les, src = r.choice(imgs)
        les = r.choice(lessons)
        rel = "media/%s/copy-%s" % (les.subject, os.path.basename(src))
        if rel in tree.written:
            continue
        with open(os.path.join(a.outdir, src), "rb") as f:
            data = f.read()
        tree.write(rel, data, "dup")
        les.images.append(rel)
        left -= len(data)

    # ---- lessons
    for les in lessons:
        el = lesson_tree(wr, les)
        comment = "Lesson %s, generated by bench/gen-curriculum.py (seed %d)" % (les.lid, a.seed)
        if les.path.endswith(".xml"):
            tree.write(les.path, xml_doc(el, comment), "xml")
        else:
            tree.write(les.path, yaml_doc(el, comment), "yaml")

    # ---- curriculum
    langs = E("languages", {"default": LANGS[0]})
    for l in LANGS:
        la = {"tag": l, "name": NAMES[l]}
        if FALLBACK[l]:
            la["fallback"] = FALLBACK[l]
        langs[2].append(E("language", la))
    subjects = E("subjects")
    for sid, stitle, grades in structure:
        gel = E("grades")
        for gi, units in grades:
            uel = E("units")
            for ui, ls in units:
                lel = E("lessons")
                for les in ls:
                    lel[2].append(E("lesson", {"src": les.path}))
                uel[2].append(E("unit", {"id": "%s-g%d-u%02d" % (sid, gi, ui)},
                                E("title", {l: "%s %d: %s" % (UNIT[l], ui, stitle[l]) for l in LANGS}),
                                lel))
            gel[2].append(E("grade", {"id": "%s-g%d" % (sid, gi)},
                            E("title", {l: "%s %d" % (GRADE[l], gi) for l in LANGS}), uel))
        subjects[2].append(E("subject", {"id": sid}, E("title", stitle), gel))
    media = E("media", None,
              E("asset", {"src": "media/logo.png", "spdx": "CC0-1.0",
                          "attribution": "lp bench (generated)"}))
    cur = E("curriculum", {"id": "tl.moe.bench-%d" % a.lessons, "country": "TL", "version": "1",
                           "label": "bench seed %d" % a.seed},
            E("title", {"tet": "Kurríkulu ba teste", "pt": "Currículo de teste",
                        "en": "Benchmark curriculum", "fr": "Programme de test",
                        "ar": "منهج للاختبار"}),
            langs, E("license", {"spdx": "CC-BY-4.0", "attribution": "Ministériu Edukasaun (bench)"}),
            subjects, media)
    tree.write("curriculum.yaml",
               yaml_doc(cur, "Generated by bench/gen-curriculum.py (seed %d): %d lessons"
                        % (a.seed, a.lessons)), "yaml")

    for d, _, _ in os.walk(a.outdir, topdown=False):
        os.utime(d, (tree.mtime, tree.mtime))
    if not a.quiet:
        print("%s: %d lessons, %d files, %.1f MiB (seed %d)"
              % (a.outdir, len(lessons), tree.files, tree.bytes / MiB, a.seed))
        for k, v in sorted(tree.cat.items()):
            print("  %-6s %6d files %9.1f MiB" % (k, v[0], v[1] / MiB))


if __name__ == "__main__":
    sys.exit(main())
