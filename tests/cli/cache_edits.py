#!/usr/bin/env python3
"""cache_edits.py PROJECT ORIGINAL SEED STEP: one random edit of a
curriculum project (made by bench/gen-curriculum.py), for tests/cli/
lpc-cache.sh, which compares lpc build with its cache against a clean build
after each.  ORIGINAL is an untouched copy (edits may restore from it).
The same SEED and STEP make the same edit.  Prints what it did.

Edits: change a word in a lesson (sometimes a key or an id: errors must be
reported the same from the cache), restore a lesson, add a lesson (a copy
with a new id, listed in the curriculum file), delete one (file only, or
its listing too), rename one, change a media file's bytes keeping its size
and modification time, rename a media file (and its references), delete
one, touch a file, change the curriculum file (a language's name, its
fallback, the title).
"""
import os
import random
import re
import shutil
import sys


def files(root, exts):
    out = []
    for d, _, names in os.walk(root):
        for n in names:
            if n.endswith(exts):
                out.append(os.path.relpath(os.path.join(d, n), root))
    return sorted(out)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def lessons(root):
    return [f for f in files(root, (".yaml", ".xml"))
            if f != "curriculum.yaml"]


def media(root):
    return files(os.path.join(root, "media"), (".png", ".jpg", ".wav",
                                                 ".mp3", ".pdf", ".vtt",
                                                 ".mp4"))


def edit_word(rng, root):
    rel = rng.choice(lessons(root))
    text = read(os.path.join(root, rel))
    words = list(re.finditer(r"[A-Za-z]{5,}", text))
    if not words:
        return "nothing to edit in " + rel
    m = rng.choice(words)
    new = rng.choice(["Lisaun", "water", "numeru", "ciclo", "planta",
                      m.group(0).upper(), m.group(0)[::-1]])
    write(os.path.join(root, rel), text[:m.start()] + new + text[m.end():])
    return "edit %s: %r -> %r" % (rel, m.group(0), new)


def restore(rng, root, orig):
    rel = rng.choice(lessons(orig))
    shutil.copyfile(os.path.join(orig, rel), os.path.join(root, rel))
    return "restore " + rel


def curriculum(root):
    return os.path.join(root, "curriculum.yaml")


def add_lesson(rng, root, step):
    rel = rng.choice(lessons(root))
    base, ext = os.path.splitext(rel)
    new = "%s-copy%d%s" % (base, step, ext)
    text = read(os.path.join(root, rel))
    m = re.search(r'(id: "|id=")([^"]+)"', text)
    if not m:
        return "no id in " + rel
    newid = m.group(2) + "-c%d" % step
    text = text[:m.start(2)] + newid + text[m.end(2):]
    write(os.path.join(root, new), text)
    cur = read(curriculum(root))
    line = 'src: "%s"' % rel
    if line not in cur:
        return "added %s (not listed)" % new
    i = cur.index(line)
    lesson_at = cur.rindex("- lesson:", 0, i)
    indent = cur[cur.rindex("\n", 0, lesson_at) + 1:lesson_at]
    entry = '%s- lesson:\n%s    src: "%s"\n' % (indent, indent, new)
    end = cur.index("\n", i) + 1
    write(curriculum(root), cur[:end] + entry + cur[end:])
    return "add %s (id %s)" % (new, newid)


def delete_lesson(rng, root):
    rel = rng.choice(lessons(root))
    os.unlink(os.path.join(root, rel))
    if rng.random() < 0.5:
        return "delete %s (still listed)" % rel
    cur = read(curriculum(root))
    pat = re.compile(r'[ ]*- lesson:\n[ ]*src: "%s"\n' % re.escape(rel))
    write(curriculum(root), pat.sub("", cur, count=1))
    return "delete " + rel


def rename_lesson(rng, root, step):
    rel = rng.choice(lessons(root))
    base, ext = os.path.splitext(rel)
    new = "%s-r%d%s" % (base, step, ext)
    os.rename(os.path.join(root, rel), os.path.join(root, new))
    cur = read(curriculum(root))
    write(curriculum(root), cur.replace('"%s"' % rel, '"%s"' % new))
    return "rename %s -> %s" % (rel, new)


def edit_media(rng, root):
    ms = media(root)
    if not ms:
        return "no media"
    path = os.path.join(root, "media", rng.choice(ms))
    st = os.stat(path)
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        if len(data) > 64:
            i = rng.randrange(32, len(data))
            data[i] ^= 0x5a
            f.seek(0)
            f.write(data)
    # the same size and modification time: only ctime tells
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    return "change bytes of " + os.path.relpath(path, root)


def rename_media(rng, root, step):
    ms = media(root)
    if not ms:
        return "no media"
    rel = rng.choice(ms)
    base, ext = os.path.splitext(rel)
    new = "%s-m%d%s" % (base, step, ext)
    os.rename(os.path.join(root, "media", rel),
              os.path.join(root, "media", new))
    for f in lessons(root) + ["curriculum.yaml"]:
        p = os.path.join(root, f)
        t = read(p)
        # lessons name media relative to their folder: the file name part
        t2 = t.replace(os.path.basename(rel), os.path.basename(new))
        if t2 != t:
            write(p, t2)
    return "rename media %s -> %s" % (rel, new)


def delete_media(rng, root):
    ms = media(root)
    if not ms:
        return "no media"
    rel = rng.choice(ms)
    os.unlink(os.path.join(root, "media", rel))
    return "delete media " + rel


def touch(rng, root):
    rel = rng.choice(lessons(root) + ["media/" + m for m in media(root)])
    os.utime(os.path.join(root, rel))
    return "touch " + rel


def edit_curriculum(rng, root):
    cur = read(curriculum(root))
    what = rng.choice(["name", "fallback", "title"])
    if what == "name":
        cur2 = re.sub(r'name: "Français"', 'name: "Francais"', cur, count=1)
        if cur2 == cur:
            cur2 = cur.replace('name: "Francais"', 'name: "Français"', 1)
    elif what == "fallback":
        cur2 = cur.replace('fallback: "fr en"', 'fallback: "en fr"', 1)
        if cur2 == cur:
            cur2 = cur.replace('fallback: "en fr"', 'fallback: "fr en"', 1)
    else:
        cur2 = cur.replace("Benchmark curriculum", "Benchmark course", 1)
        if cur2 == cur:
            cur2 = cur.replace("Benchmark course", "Benchmark curriculum", 1)
    write(curriculum(root), cur2)
    return "curriculum: " + what


def main():
    root, orig, seed, step = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        int(sys.argv[4])
    rng = random.Random(seed * 100003 + step)
    kinds = [("word", 6), ("restore", 2), ("add", 2), ("delete", 1),
             ("rename", 2), ("media", 2), ("mrename", 1), ("mdelete", 1),
             ("touch", 1), ("curriculum", 2)]
    pick = rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
    if pick == "word":
        print(edit_word(rng, root))
    elif pick == "restore":
        print(restore(rng, root, orig))
    elif pick == "add":
        print(add_lesson(rng, root, step))
    elif pick == "delete":
        print(delete_lesson(rng, root))
    elif pick == "rename":
        print(rename_lesson(rng, root, step))
    elif pick == "media":
        print(edit_media(rng, root))
    elif pick == "mrename":
        print(rename_media(rng, root, step))
    elif pick == "mdelete":
        print(delete_media(rng, root))
    elif pick == "touch":
        print(touch(rng, root))
    else:
        print(edit_curriculum(rng, root))


if __name__ == "__main__":
    main()
