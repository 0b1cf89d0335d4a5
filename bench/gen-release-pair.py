#!/usr/bin/env python3
"""Generate two releases of a curriculum project for benchmarking delta updates.

OUTDIR/OLD is a curriculum project made by gen-curriculum.py; OUTDIR/NEW is
OLD with the changes of a realistic next release (issue 5):

  * text edits in 5% of the lesson files: a sentence or two replaced, exercise
    numbers changed, a paragraph added (one to three such edits per file);
  * 3% new lessons: new lesson files (YAML or XML like their neighbours) with
    text of the same kind, listed in curriculum.yaml after a sibling lesson;
  * 1% of the lessons removed (the lesson that required one now requires its
    predecessor, as an editor would fix it);
  * 2% of the images replaced: new bytes of about the same size and the same
    dimensions, as a re-saved JPEG or PNG would be;
  * one large video re-encoded: the largest MP4 gets different bytes of about
    the same size;
  * 1% of the files moved or renamed with unchanged content: media moved to
    another subject folder or renamed in place, lessons moved to another lesson
    folder; the lessons and curriculum.yaml that name them are updated.

Every changed file is a small edit of a file that every lesson tool reads;
`lpc check` still passes on NEW.  Deterministic: the same --seed and options
give byte-identical trees and mtimes (files of OLD keep their mtimes in NEW;
new and changed files get 2026-03-01 onwards).

Python 3 standard library only.  See bench/README.md ("Delta updates").

Usage: gen-release-pair.py OUTDIR [--quick] [--lessons 2000] [--mb 300] [--seed 1]
"""

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from xml.sax.saxutils import escape

here = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no bench/__pycache__
_spec = importlib.util.spec_from_file_location("gentree", os.path.join(here, "gen-tree.py"))
gt = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gt)

MiB = gt.MiB
NEW_MTIME = 1772323200  # 2026-03-01T00:00:00Z
LANGS = ["tet", "pt", "en", "fr", "ar"]  # gen-curriculum.py's languages

# Sentences that can be found and replaced as they are in both syntaxes:
# nothing that YAML (json.dumps) or XML would escape.
SAFE = {l: [s for s in gt.SENTENCES[l] if not any(c in s for c in '&<>"\\')] for l in LANGS}
LANG_OF = {s: l for l in LANGS for s in SAFE[l]}
SENT_RE = re.compile("|".join(re.escape(s) for s in sorted(LANG_OF, key=len, reverse=True)))
# exercise numbers: 1-3 digits between spaces/punctuation in list items
NUM_RE = re.compile(r"(?<=[ \u00a0])\d{1,3}(?=[ .,?]|$)")
MEDIA_RE = re.compile(r'"(?:\.\./)+(media/[^"]+)"')
PARA_RE = re.compile(r'^(\s*)(- p: "(.*)"|<p>(.*)</p>)$')


class Release:
    def __init__(self, root, rng, rnd):
        self.root = root
        self.r = rng
        self.rnd = rnd
        self.text = {}       # rel -> text of lessons and curriculum.yaml (loaded)
        self.dirty = set()   # rel of texts to write
        self.touched = set()  # rel of files written (mtime to set)
        self.log = {}

    def path(self, rel):
        return os.path.join(self.root, rel)

    def load(self, rel):
        if rel not in self.text:
            with open(self.path(rel), encoding="utf-8") as f:
                self.text[rel] = f.read()
        return self.text[rel]

    def put(self, rel, text):
        self.text[rel] = text
        self.dirty.add(rel)

    def flush(self):
        for rel in sorted(self.dirty):
            p = self.path(rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w", encoding="utf-8") as f:
                f.write(self.text[rel])
            self.touched.add(rel)
        self.dirty.clear()


def files_under(root):
    out = []
    for d, dirs, fs in os.walk(root):
        dirs.sort()
        for f in sorted(fs):
            out.append(os.path.relpath(os.path.join(d, f), root).replace(os.sep, "/"))
    return out


def lesson_id(rel):
    return os.path.splitext(os.path.basename(rel))[0]


# ------------------------------------------------------------------ text edits

def other_sentence(r, s):
    pool = SAFE[LANG_OF[s]]
    t = s
    while t == s:
        t = r.choice(pool)
    return t


def edit_sentences(r, text, n):
    """Replace n sentences found in the text by other ones of the same language."""
    found = list(SENT_RE.finditer(text))
    if not found:
        return text, 0
    picks = sorted(r.sample(found, min(n, len(found))), key=lambda m: m.start(), reverse=True)
    for m in picks:
        text = text[:m.start()] + other_sentence(r, m.group(0)) + text[m.end():]
    return text, len(picks)


def edit_numbers(r, text):
    """Change the numbers of one to three exercise items (list items)."""
    lines = text.split("\n")
    items = [i for i, ln in enumerate(lines)
             if ("li:" in ln or "<li>" in ln) and NUM_RE.search(ln)]
    if not items:
        return text, 0
    n = 0
    for i in r.sample(items, min(len(items), r.randint(1, 3))):
        lines[i] = NUM_RE.sub(lambda m: str(r.randint(2, 99)) if r.random() < 0.7 else m.group(0),
                              lines[i])
        n += 1
    return "\n".join(lines), n


def new_paragraph(r, lang):
    return " ".join(r.sample(SAFE[lang], r.randint(2, 5)))


def add_paragraph(r, text):
    """Insert a new paragraph after a paragraph, in that paragraph's language."""
    lines = text.split("\n")
    cands = []
    for i, ln in enumerate(lines):
        m = PARA_RE.match(ln)
        if m:
            s = SENT_RE.search(ln)
            if s:
                cands.append((i, m, LANG_OF[s.group(0)]))
    if not cands:
        return text, 0
    i, m, lang = r.choice(cands)
    par = new_paragraph(r, lang)
    if m.group(3) is not None:
        line = '%s- p: %s' % (m.group(1), json.dumps(par, ensure_ascii=False))
    else:
        line = '%s<p>%s</p>' % (m.group(1), escape(par))
    lines.insert(i + 1, line)
    return "\n".join(lines), 1


def edit_lesson(r, text):
    """One to three small edits, the way an errata release changes a lesson."""
    ops = {"sentences": 0, "numbers": 0, "paragraphs": 0}
    for _ in range(r.randint(1, 3)):
        kind = r.choice(["sentences", "sentences", "numbers", "paragraphs"])
        if kind == "sentences":
            text, n = edit_sentences(r, text, r.randint(1, 2))
        elif kind == "numbers":
            text, n = edit_numbers(r, text)
        else:
            text, n = add_paragraph(r, text)
        ops[kind] += n
    return text, ops


# ------------------------------------------------------------------ curriculum.yaml

def cur_remove(cur, rel):
    lines = cur.split("\n")
    for i, ln in enumerate(lines):
        if ln.strip() == 'src: "%s"' % rel and i > 0 and lines[i - 1].strip() == "- lesson:":
            del lines[i - 1:i + 1]
            return "\n".join(lines)
    raise SystemExit("gen-release-pair.py: %s not found in curriculum.yaml" % rel)


def cur_insert_after(cur, after_rel, rel):
    lines = cur.split("\n")
    for i, ln in enumerate(lines):
        if ln.strip() == 'src: "%s"' % after_rel:
            lines[i + 1:i + 1] = [lines[i - 1], ln.replace(after_rel, rel)]
            return "\n".join(lines)
    raise SystemExit("gen-release-pair.py: %s not found in curriculum.yaml" % after_rel)


def cur_rename(cur, old, new):
    return cur.replace('src: "%s"' % old, 'src: "%s"' % new)


# ------------------------------------------------------------------ media

def image_dims(data):
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    i = data.find(b"\xff\xc0")
    if i >= 0:
        return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big")
    return 800, 600


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\nUsage:")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir", help="folder to create OLD/ and NEW/ in (OLD and NEW must not exist)")
    ap.add_argument("--quick", action="store_true", help="200 lessons, ~30 MiB of media")
    ap.add_argument("--lessons", type=int, default=None, help="lessons in OLD (default 2000)")
    ap.add_argument("--mb", type=float, default=None, help="media in MiB (default 300)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--edit-pct", type=float, default=5.0, help="percent of lessons edited (5)")
    ap.add_argument("--new-pct", type=float, default=3.0, help="percent of lessons added (3)")
    ap.add_argument("--remove-pct", type=float, default=1.0, help="percent of lessons removed (1)")
    ap.add_argument("--image-pct", type=float, default=2.0, help="percent of images replaced (2)")
    ap.add_argument("--move-pct", type=float, default=1.0, help="percent of files moved/renamed (1)")
    ap.add_argument("--quiet", "-q", action="store_true", help="print nothing")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    a = ap.parse_args()
    lessons_n = a.lessons if a.lessons is not None else (200 if a.quick else 2000)
    mb = a.mb if a.mb is not None else (30 if a.quick else 300)

    old = os.path.join(a.outdir, "OLD")
    new = os.path.join(a.outdir, "NEW")
    for d in (old, new):
        if os.path.exists(d):
            ap.error("%s exists" % d)
    os.makedirs(a.outdir, exist_ok=True)

    # ---- OLD: the curriculum generator, unchanged
    subprocess.run([sys.executable, os.path.join(here, "gen-curriculum.py"), old,
                    "--lessons", str(lessons_n), "--mb", str(mb), "--seed", str(a.seed), "-q"],
                   check=True)
    # ---- NEW: a copy (mtimes kept), then the changes
    shutil.copytree(old, new, copy_function=shutil.copy2)
    os.utime(new, (os.stat(old).st_mtime,) * 2)

    rnd = gt.Rand(a.seed * 7919 + 5)  # bytes (images, video)
    r = rnd.r                         # every choice
    rel = Release(new, r, rnd)
    all_files = files_under(new)
    lessons = [f for f in all_files if f.startswith("lessons/") and f.endswith((".yaml", ".xml"))]
    images = [f for f in all_files if f.startswith("media/") and f.endswith((".jpg", ".png"))
              and f != "media/logo.png"]
    videos = [f for f in all_files if f.endswith(".mp4")]
    old_files = len(all_files)
    old_bytes = sum(os.path.getsize(rel.path(f)) for f in all_files)
    for f in lessons:
        rel.load(f)
    cur = rel.load("curriculum.yaml")

    def pct(p, n):
        return max(1, int(round(n * p / 100.0))) if p > 0 and n else 0

    summary = {"old": old, "new": new, "seed": a.seed}

    # ---- 1. removed lessons: the next lesson now requires the previous one
    req = {}
    for f in lessons:
        m = re.search(r'requires(?:: |=)"([^"]+)"', rel.text[f])
        if m:
            req[lesson_id(f)] = m.group(1)
    cands = [f for f in lessons if lesson_id(f) in req]
    removed = sorted(r.sample(cands, pct(a.remove_pct, len(lessons))))
    repl = {}
    for f in removed:
        repl[lesson_id(f)] = req[lesson_id(f)]
    for k in repl:  # chains of removed lessons
        while repl[k] in repl:
            repl[k] = repl[repl[k]]
    id_re = re.compile('"(?:lesson:)?(%s)"' % "|".join(re.escape(k) for k in repl)) if repl else None
    removed_bytes = 0
    removed_refs = set()
    for f in removed:
        removed_refs.update(MEDIA_RE.findall(rel.text[f]))
        removed_bytes += len(rel.text[f].encode("utf-8"))
        del rel.text[f]
        os.unlink(rel.path(f))
        cur = cur_remove(cur, f)
    lessons = [f for f in lessons if f not in set(removed)]
    # media that only the removed lessons used go too
    used = set()
    for f in lessons:
        used.update(MEDIA_RE.findall(rel.text[f]))
    gone_media = sorted(set(m for m in removed_refs if m not in used
                            and os.path.exists(rel.path(m))))
    for m in gone_media:
        removed_bytes += os.path.getsize(rel.path(m))
        os.unlink(rel.path(m))
    images = [f for f in images if f not in set(gone_media)]
    videos = [f for f in videos if f not in set(gone_media)]
    all_files = [f for f in all_files if f not in set(gone_media)]
    fixed = 0
    if id_re:
        for f in lessons:
            t = rel.text[f]
            t2 = id_re.sub(lambda m: m.group(0).replace(m.group(1), repl[m.group(1)]), t)
            if t2 != t:
                rel.put(f, t2)
                fixed += 1
    summary["removed_lessons"] = {"files": len(removed), "media_files": len(gone_media),
                                  "bytes": removed_bytes, "lessons_relinked": fixed}

    # ---- 2. moves and renames, unchanged content
    n_moves = pct(a.move_pct, len(all_files))
    lesson_dirs = sorted({os.path.dirname(f) for f in lessons})
    media_dirs = sorted({os.path.dirname(f) for f in all_files
                         if f.startswith("media/") and f.count("/") == 2})
    movable_media = [f for f in all_files if f.startswith("media/") and f.count("/") == 2
                     and not f.endswith((".mp4", ".vtt")) and os.path.exists(rel.path(f))]
    n_lesson_moves = max(1, n_moves // 4) if len(lesson_dirs) > 1 and n_moves >= 2 else 0
    moves = []  # (old rel, new rel, kind)
    for f in r.sample(lessons, min(n_lesson_moves, len(lessons))):
        d = r.choice([x for x in lesson_dirs if x != os.path.dirname(f)])
        moves.append((f, "%s/%s" % (d, os.path.basename(f)), "lesson moved"))
    for f in r.sample(movable_media, min(n_moves - len(moves), len(movable_media))):
        base, ext = os.path.splitext(os.path.basename(f))
        others = [x for x in media_dirs if x != os.path.dirname(f)]
        if others and r.random() < 0.5:
            moves.append((f, "%s/%s%s" % (r.choice(others), base, ext), "media moved"))
        else:
            moves.append((f, "%s/%s-v2%s" % (os.path.dirname(f), base, ext), "media renamed"))
    moved_bytes = 0
    refs_fixed = set()
    for src, dst, kind in moves:
        if os.path.exists(rel.path(dst)):
            continue
        os.makedirs(os.path.dirname(rel.path(dst)), exist_ok=True)
        os.rename(rel.path(src), rel.path(dst))  # content and mtime unchanged
        moved_bytes += os.path.getsize(rel.path(dst))
        if kind == "lesson moved":
            # same depth, so its relative media links stay right
            rel.text[dst] = rel.text.pop(src)
            if src in rel.dirty:
                rel.dirty.discard(src)
                rel.dirty.add(dst)
            lessons[lessons.index(src)] = dst
            cur = cur_rename(cur, src, dst)
        else:
            needle = "/" + src + '"'
            for f in lessons:
                if needle in rel.text[f]:
                    rel.put(f, rel.text[f].replace(needle, "/" + dst + '"'))
                    refs_fixed.add(f)
            if src in images:
                images[images.index(src)] = dst
    kinds = {}
    for _, _, k in moves:
        kinds[k] = kinds.get(k, 0) + 1
    summary["moved_files"] = {"files": len(moves), "bytes": moved_bytes, "kinds": kinds,
                              "lessons_with_updated_links": len(refs_fixed)}

    # ---- 3. text edits
    edited = sorted(r.sample(lessons, pct(a.edit_pct, len(lessons))))
    ops_total = {"sentences": 0, "numbers": 0, "paragraphs": 0}
    delta_chars = 0
    for f in edited:
        t, ops = edit_lesson(r, rel.text[f])
        delta_chars += len(t) - len(rel.text[f])
        rel.put(f, t)
        for k, v in ops.items():
            ops_total[k] += v
    summary["edited_lessons"] = {"files": len(edited), "edits": ops_total,
                                 "chars_added": delta_chars}

    # ---- 4. new lessons, after a sibling, with text of the same kind
    n_new = pct(a.new_pct, len(lessons))
    taken = set(lesson_id(f) for f in lessons) | set(lesson_id(f) for f in removed)
    added = []
    added_bytes = 0
    for tmpl in r.sample(lessons, n_new):
        tid = lesson_id(tmpl)
        unit = tid.rsplit("-l", 1)[0]
        k = 11
        while "%s-l%02d" % (unit, k) in taken:
            k += 1
        nid = "%s-l%02d" % (unit, k)
        taken.add(nid)
        nrel = "%s/%s%s" % (os.path.dirname(tmpl), nid, os.path.splitext(tmpl)[1])
        t = rel.text[tmpl].replace(tid, nid)
        t = SENT_RE.sub(lambda m: r.choice(SAFE[LANG_OF[m.group(0)]]), t)
        t, _ = edit_numbers(r, t)
        t, _ = add_paragraph(r, t)
        rel.put(nrel, t)
        cur = cur_insert_after(cur, tmpl, nrel)
        added.append(nrel)
        added_bytes += len(t.encode("utf-8"))
    lessons += added
    summary["new_lessons"] = {"files": len(added), "bytes": added_bytes}

    rel.put("curriculum.yaml", cur)
    rel.flush()

    # ---- 5. images replaced: same dimensions, new bytes, similar size
    repl_imgs = sorted(r.sample(images, pct(a.image_pct, len(images))))
    img_old = img_new = 0
    for f in repl_imgs:
        p = rel.path(f)
        with open(p, "rb") as fh:
            data = fh.read()
        w, h = image_dims(data)
        size = max(1024, int(len(data) * r.uniform(0.92, 1.08)))
        out = gt.png(rnd, size, w, h) if f.endswith(".png") else gt.jpeg(rnd, size, w, h)
        with open(p, "wb") as fh:
            fh.write(out)
        rel.touched.add(f)
        img_old += len(data)
        img_new += len(out)
    summary["replaced_images"] = {"files": len(repl_imgs), "old_bytes": img_old,
                                  "new_bytes": img_new}

    # ---- 6. the largest video re-encoded
    if videos:
        v = max(videos, key=lambda f: (os.path.getsize(rel.path(f)), f))
        vold = os.path.getsize(rel.path(v))
        vnew = int(vold * r.uniform(0.95, 1.05))
        gt.write_mp4(rel.path(v), rnd, vnew)
        rel.touched.add(v)
        summary["reencoded_video"] = {"file": v, "old_bytes": vold, "new_bytes": vnew}

    # ---- mtimes: changed and new files from 2026-03-01, folders too
    for i, f in enumerate(sorted(rel.touched)):
        if os.path.exists(rel.path(f)):
            os.utime(rel.path(f), (NEW_MTIME + i, NEW_MTIME + i))
    for d, _, _ in os.walk(new, topdown=False):
        os.utime(d, (NEW_MTIME, NEW_MTIME))

    new_files = files_under(new)
    summary["OLD"] = {"files": old_files, "bytes": old_bytes}
    summary["NEW"] = {"files": len(new_files),
                      "bytes": sum(os.path.getsize(rel.path(f)) for f in new_files)}
    summary["changed_files"] = len(rel.touched)
    if a.json:
        print(json.dumps(summary, indent=1, ensure_ascii=False))
    elif not a.quiet:
        s = summary
        print("OLD %s: %d files, %.1f MiB" % (old, s["OLD"]["files"], s["OLD"]["bytes"] / MiB))
        print("NEW %s: %d files, %.1f MiB (seed %d)" % (new, s["NEW"]["files"], s["NEW"]["bytes"] / MiB, a.seed))
        e = s["edited_lessons"]
        print("  edited lessons   %5d  (%d sentences replaced, %d exercise items renumbered,"
              " %d paragraphs added; %+d chars)" % (e["files"], e["edits"]["sentences"],
                                                    e["edits"]["numbers"], e["edits"]["paragraphs"],
                                                    e["chars_added"]))
        print("  new lessons      %5d  (%.1f KiB)" % (len(added), added_bytes / 1024))
        x = s["removed_lessons"]
        print("  removed lessons  %5d  (and %d media files only they used: %.2f MiB; %d lessons"
              " relinked to the previous one)" % (x["files"], x["media_files"], x["bytes"] / MiB,
                                                  x["lessons_relinked"]))
        x = s["replaced_images"]
        print("  replaced images  %5d  (%.2f MiB -> %.2f MiB)" % (x["files"], x["old_bytes"] / MiB,
                                                                  x["new_bytes"] / MiB))
        if "reencoded_video" in s:
            x = s["reencoded_video"]
            print("  re-encoded video %5d  (%s, %.2f MiB -> %.2f MiB)" % (1, x["file"], x["old_bytes"] / MiB,
                                                                         x["new_bytes"] / MiB))
        x = s["moved_files"]
        print("  moved/renamed    %5d  (%.2f MiB, content unchanged: %s; %d lessons with updated links)"
              % (x["files"], x["bytes"] / MiB,
                 ", ".join("%d %s" % (v, k) for k, v in sorted(x["kinds"].items())) or "none",
                 x["lessons_with_updated_links"]))
        print("  curriculum.yaml  edited (lessons added, removed, moved)")
        print("  files written in NEW: %d" % s["changed_files"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
