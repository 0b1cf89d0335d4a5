/*
 * source.c - curriculum source files: reading them safely, positions and
 * diagnostics, path resolution, and the normalization both syntaxes share.
 */
#include "lpi_source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ reading */

/* Byte offset of the first invalid UTF-8 sequence (or disallowed control
 * character) in s, or len when there is none; *cp gets the bad byte or
 * code point, *ctl whether it was a control character. */
static size_t utf8_scan(const unsigned char *s, size_t len, unsigned *cp,
                        bool *ctl)
{
    size_t i = 0;

    *ctl = false;
    while (i < len) {
        unsigned c, n, min, v;

        /* eight bytes at a time while they are all ASCII from 0x20 up:
         * the bulk of every source (tabs and line ends take the slow way) */
        while (len - i >= 8) {
            uint64_t w;

            memcpy(&w, s + i, 8);
            if (((w | (w - 0x2020202020202020u)) &
                 0x8080808080808080u) != 0)
                break;
            i += 8;
        }
        if (i >= len)
            break;
        c = s[i];
        if (c < 0x80) {
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                *cp = c;
                *ctl = true;
                return i;
            }
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1; min = 0x80; v = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2; min = 0x800; v = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3; min = 0x10000; v = c & 0x07;
        } else {
            *cp = c;
            return i;
        }
        if (len - i <= n) {
            *cp = c;
            return i;
        }
        for (unsigned k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                *cp = c;
                return i;
            }
            v = (v << 6) | (s[i + k] & 0x3f);
        }
        if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
            *cp = c;
            return i;
        }
        i += n + 1;
    }
    return len;
}

static int index_lines(lp_project *p, lpi_srcfile *f)
{
    const char *d = f->data, *end = f->data + f->len, *nl;
    size_t n = 1;

    for (nl = d; (nl = memchr(nl, '\n', (size_t)(end - nl))) != NULL; nl++)
        n++;
    f->lines = lpi_malloc(p->ctx, n * sizeof(*f->lines));
    if (!f->lines)
        return LP_ENOMEM;
    f->nlines = 0;
    f->lines[f->nlines++] = 0;
    for (nl = d; (nl = memchr(nl, '\n', (size_t)(end - nl))) != NULL; nl++)
        f->lines[f->nlines++] = (size_t)(nl + 1 - d);
    return 0;
}

/* Read rel (below the project's folder, through no link) whole: 0, or
 * -errno (-ELOOP: *link is the length of the prefix of rel that is a
 * link), or LP_ENOMEM, or LPI_NOTREG with st->st_mode saying what it is */
#define LPI_NOTREG (-10000)
static int read_all(lp_project *p, const char *rel, char **out, size_t *len,
                    bool *toobig, struct stat *stp, size_t *link)
{
    struct stat st;
    char *buf = NULL;
    size_t n = 0;
    int fd, rc = 0;

    *out = NULL;
    *toobig = false;
    fd = lpi_open_regular(p->dirfd, rel, LPI_OPEN_BENEATH, &st, link);
    if (fd == LPI_OPEN_NOTREG) {
        *stp = st;
        return LPI_NOTREG;
    }
    if (fd < 0)
        return -errno;
    if ((uint64_t)st.st_size > LPI_MAX_SOURCE_BYTES) {
        close(fd);
        *toobig = true;
        return 0;
    }
    buf = lpi_malloc(p->ctx, (size_t)st.st_size + 2);
    if (!buf) {
        close(fd);
        return LP_ENOMEM;
    }
    /* the size may change under us: read to the end, within the cap */
    for (;;) {
        ssize_t r;

        if (n == (size_t)st.st_size + 1) {
            *toobig = n > LPI_MAX_SOURCE_BYTES;
            if (*toobig)
                break;
            rc = -EAGAIN;
            break;
        }
        r = read(fd, buf + n, (size_t)st.st_size + 1 - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (rc < 0 || *toobig) {
        lpi_free(p->ctx, buf);
        return rc == -EAGAIN ? -EIO : rc;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

static lpi_srcfile *file_new(lp_project *p, const char *rel,
                             lpi_syntax syntax)
{
    lpi_srcfile *f = lpi_calloc(p->ctx, 1, sizeof(*f));
    size_t n;

    if (!f)
        return NULL;
    f->syntax = syntax;
    f->rel = lpi_strdup(p->ctx, rel);
    n = strlen(p->dir) + strlen(rel) + 2;
    f->shown = lpi_malloc(p->ctx, n);
    if (!f->rel || !f->shown) {
        lpi_src_free(p, f);
        return NULL;
    }
    if (strcmp(p->dir, ".") == 0)
        snprintf(f->shown, n, "%s", rel);
    else if (p->dir[strlen(p->dir) - 1] == '/')
        snprintf(f->shown, n, "%s%s", p->dir, rel);
    else
        snprintf(f->shown, n, "%s/%s", p->dir, rel);
    return f;
}

int lpi_src_read(lp_project *p, const char *rel, lpi_syntax syntax,
                 lpi_srcfile *where, const void *at, lpi_srcfile **out)
{
    static const lpi_pos nopos = { 0, 0 };
    lpi_srcfile *f;
    unsigned char *d;
    size_t bad, w;
    unsigned cp = 0;
    bool ctl, toobig;
    struct stat st = { 0 };
    size_t link = 0;
    int rc;

    *out = NULL;
    f = file_new(p, rel, syntax);
    if (!f)
        return LP_ENOMEM;
    rc = read_all(p, f->rel, &f->data, &f->len, &toobig, &st, &link);
    if (rc == LP_ENOMEM)
        goto fail;
    if (rc == -ELOOP || rc == -EXDEV) {
        /* a link anywhere on the way could lead out of the project; the
         * link is named as the file is (shown ends with rel) */
        size_t pre = strlen(f->shown) - strlen(f->rel);

        if (link == strlen(f->rel))
            lpi_diag(p, LP_SEVERITY_ERROR, "bad-path", where, at, nopos,
                     "'%s' is a symbolic link", f->shown);
        else if (link > 0)
            lpi_diag(p, LP_SEVERITY_ERROR, "bad-path", where, at, nopos,
                     "'%s' goes through the symbolic link '%.*s'", f->shown,
                     (int)(pre + link), f->shown);
        else
            lpi_diag(p, LP_SEVERITY_ERROR, "bad-path", where, at, nopos,
                     "'%s' leaves the project folder", f->shown);
        rc = 0;
        goto fail;
    }
    if (rc == LPI_NOTREG) {
        lpi_diag(p, LP_SEVERITY_ERROR, "missing-file", where, at, nopos,
                 "'%s' is %s, not a regular file", f->shown,
                 lpi_file_type(st.st_mode));
        rc = 0;
        goto fail;
    }
    if (rc == -ENOENT || rc == -ENOTDIR) {
        lpi_diag(p, LP_SEVERITY_ERROR, "missing-file", where, at, nopos,
                 "no such file: '%s'", f->shown);
        rc = 0;
        goto fail;
    }
    if (rc < 0) {
        rc = lpi_error(p->ctx, LP_EIO, "cannot read '%s': %s", f->shown,
                       strerror(-rc));
        goto fail;
    }
    if (toobig) {
        lpi_diag(p, LP_SEVERITY_ERROR, "limit", f, NULL, nopos,
                 "file is larger than %u bytes", LPI_MAX_SOURCE_BYTES);
        rc = 0;
        goto fail;
    }
    d = (unsigned char *)f->data;
    /* a UTF-8 byte order mark is dropped; other encodings are refused */
    if (f->len >= 3 && d[0] == 0xef && d[1] == 0xbb && d[2] == 0xbf) {
        memmove(d, d + 3, f->len - 3 + 1);
        f->len -= 3;
    } else if (f->len >= 2 && ((d[0] == 0xfe && d[1] == 0xff) ||
                               (d[0] == 0xff && d[1] == 0xfe))) {
        lpi_diag(p, LP_SEVERITY_ERROR, "encoding", f, NULL, nopos,
                 "file is UTF-16 or UTF-32; sources must be UTF-8");
        rc = 0;
        goto fail;
    }
    bad = utf8_scan(d, f->len, &cp, &ctl);
    /* CRLF and lone CR become LF, so both parsers and the line index agree
     * on lines; done before reporting so the position is right */
    w = memchr(d, '\r', f->len) ? 0 : f->len; /* no CR: nothing to do */
    for (size_t i = w; i < f->len; i++) {
        if (d[i] == '\r') {
            if (i < bad)
                bad -= (i + 1 < f->len && d[i + 1] == '\n');
            d[w++] = '\n';
            if (i + 1 < f->len && d[i + 1] == '\n')
                i++;
        } else {
            d[w++] = d[i];
        }
    }
    if (bad > w)
        bad = w;
    f->len = w;
    d[w] = '\0';
    rc = index_lines(p, f);
    if (rc < 0)
        goto fail;
    if (bad < f->len) {
        if (ctl)
            lpi_diag(p, LP_SEVERITY_ERROR, "encoding", f, NULL,
                     lpi_src_offset_pos(f, bad),
                     "control character U+%04X is not allowed", cp);
        else
            lpi_diag(p, LP_SEVERITY_ERROR, "encoding", f, NULL,
                     lpi_src_offset_pos(f, bad),
                     "invalid UTF-8 (byte 0x%02x at offset %zu)", cp, bad);
        rc = 0;
        goto fail;
    }
    *out = f;
    return 0;
fail:
    /* on a loader thread, what was reported may point into f */
    if (p->log && !p->log->keep)
        p->log->keep = f;
    else
        lpi_src_free(p, f);
    return rc;
}

void lpi_src_free(lp_project *p, lpi_srcfile *f)
{
    if (!f)
        return;
    if (f->doc)
        xmlFreeDoc(f->doc);
    lpi_free(p->ctx, f->rel);
    lpi_free(p->ctx, f->shown);
    lpi_free(p->ctx, f->data);
    lpi_free(p->ctx, f->lines);
    lpi_free(p->ctx, f->pos);
    lpi_lcache_free(p, f->lc);
    lpi_free(p->ctx, f);
}

/* ---------------------------------------------------------- positions */

int lpi_src_setpos(lp_project *p, lpi_srcfile *f, void *node,
                   unsigned line, unsigned col)
{
    int rc = lpi_grow(p->ctx, (void **)&f->pos, &f->cappos, f->npos + 1,
                      sizeof(*f->pos));

    if (rc < 0)
        return rc;
    f->pos[f->npos].line = line;
    f->pos[f->npos].col = col;
    f->npos++;
    ((xmlNodePtr)node)->_private = (void *)(uintptr_t)f->npos;
    return 0;
}

lpi_pos lpi_src_pos(const lpi_srcfile *f, const void *node)
{
    const xmlNode *n = node;
    lpi_pos none = { 0, 0 };

    while (n && n->type != XML_DOCUMENT_NODE) {
        uintptr_t i = (uintptr_t)n->_private;

        if (i > 0 && i <= f->npos)
            return f->pos[i - 1];
        if (n->type == XML_ATTRIBUTE_NODE)
            n = ((const xmlAttr *)node)->parent;
        else
            n = n->parent;
    }
    return none;
}

lpi_pos lpi_src_offset_pos(const lpi_srcfile *f, size_t off)
{
    lpi_pos pos = { 1, 1 };
    size_t lo = 0, hi = f->nlines;

    if (f->nlines == 0)
        return pos;
    /* last line starting at or before off */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->lines[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    pos.line = (unsigned)lo + 1;
    for (size_t i = f->lines[lo]; i < off && i < f->len; i++)
        if (((unsigned char)f->data[i] & 0xc0) != 0x80)
            pos.col++;
    return pos;
}

lpi_pos lpi_src_cursor_pos(const lpi_srcfile *f, size_t off,
                           lpi_poscursor *cur)
{
    size_t i = cur->off;
    lpi_pos pos = cur->pos;

    if (off > f->len)
        off = f->len;
    if (pos.line == 0 || off < i) {
        pos = lpi_src_offset_pos(f, off);
    } else {
        const char *nl;

        while (i < off && (nl = memchr(f->data + i, '\n', off - i))) {
            pos.line++;
            pos.col = 1;
            i = (size_t)(nl - f->data) + 1;
        }
        for (; i < off; i++)
            if (((unsigned char)f->data[i] & 0xc0) != 0x80)
                pos.col++;
    }
    cur->off = off;
    cur->pos = pos;
    return pos;
}

/* -------------------------------------------------------- diagnostics */

/* Keep a copy of d in the project's log (a loader thread) */
static void record(lp_project *p, const lp_diag *d, const lpi_srcfile *f)
{
    lpi_diaglog *log = p->log;
    lpi_logged *it;
    char *msg;

    if (log->rc < 0)
        return;
    log->rc = lpi_grow(p->ctx, (void **)&log->items, &log->cap, log->n + 1,
                       sizeof(*log->items));
    msg = log->rc < 0 ? NULL : lpi_strdup(p->ctx, d->message);
    if (!msg) {
        log->rc = LP_ENOMEM;
        return;
    }
    it = &log->items[log->n++];
    it->d = *d;
    it->d.message = msg;
    it->msg = msg;
    it->acct = !f ? 0 : f == log->where ? 2 : 1;
}

void lpi_diag(lp_project *p, lp_severity sev, const char *code,
              lpi_srcfile *f, const void *node, lpi_pos pos,
              const char *fmt, ...)
{
    /* past the file's limit, or nobody listening: only counted */
    bool over = f && sev != LP_SEVERITY_NOTE &&
                f->nerrors >= LPI_MAX_FILE_ERRORS;
    char msg[1024];
    lp_diag d;
    va_list ap;

    memset(&d, 0, sizeof(d));
    d.severity = sev;
    d.code = code;
    if (p->rec && !p->rec_mute) {
        /* for the cache: every call, as it will be made again */
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        lpi_lcache_note_diag(p, f, sev, code, pos.line == 0 && f && node ?
                             lpi_src_pos(f, node) : pos, msg);
    }
    if (!over && (p->fn || p->log)) {
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (pos.line == 0 && f && node)
            pos = lpi_src_pos(f, node);
        d.file = f ? f->shown : NULL;
        d.message = msg;
        if (f && pos.line > 0 && pos.line <= f->nlines) {
            size_t start = f->lines[pos.line - 1], end = start;

            while (end < f->len && f->data[end] != '\n')
                end++;
            d.line = pos.line;
            d.col = pos.col;
            d.source_line = f->data + start;
            d.source_len = end - start;
        }
    }
    if (p->log) {
        /* counted here too: the loading code looks at the counts */
        p->nerrors += sev == LP_SEVERITY_ERROR;
        p->nwarnings += sev == LP_SEVERITY_WARNING;
        if (f && sev != LP_SEVERITY_NOTE)
            f->nerrors++;
        if (over) {
            p->log->over_errors += sev == LP_SEVERITY_ERROR;
            p->log->over_warnings += sev == LP_SEVERITY_WARNING;
        } else {
            record(p, &d, f);
        }
        return;
    }
    lpi_diag_emit(p, &d, f);
}

void lpi_diag_emit(lp_project *p, const lp_diag *d, lpi_srcfile *f)
{
    lp_diag note;

    if (d->severity == LP_SEVERITY_ERROR)
        p->nerrors++;
    else if (d->severity == LP_SEVERITY_WARNING)
        p->nwarnings++;
    if (f && d->severity != LP_SEVERITY_NOTE) {
        f->nerrors++;
        if (f->nerrors > LPI_MAX_FILE_ERRORS)
            return;
    }
    if (!p->fn)
        return;
    p->fn(d, p->user);
    if (f && f->nerrors == LPI_MAX_FILE_ERRORS &&
        d->severity != LP_SEVERITY_NOTE) {
        memset(&note, 0, sizeof(note));
        note.severity = LP_SEVERITY_NOTE;
        note.code = d->code;
        note.file = f->shown;
        note.message = "too many problems in this file; "
                       "the rest are not shown";
        p->fn(&note, p->user);
    }
}

/* -------------------------------------------------------------- paths */

char *lpi_src_resolve(lp_project *p, const lpi_srcfile *f, const char *src,
                      const char **why)
{
    size_t dirlen = 0, n;
    char *out, *w;
    const char *s;

    *why = NULL;
    if (src[0] == '/' || strchr(src, '\\') || strchr(src, ':')) {
        *why = "must be a relative path with '/' separators";
        return NULL;
    }
    if (f) {
        const char *slash = strrchr(f->rel, '/');
        dirlen = slash ? (size_t)(slash - f->rel) : 0;
    }
    n = dirlen + strlen(src) + 2;
    out = lpi_malloc(p->ctx, n);
    if (!out)
        return NULL;
    memcpy(out, f ? f->rel : "", dirlen);
    out[dirlen] = '\0';
    w = out + dirlen;
    /* append components, resolving "." and ".." against what we have */
    for (s = src; *s;) {
        const char *e = strchr(s, '/');
        size_t len = e ? (size_t)(e - s) : strlen(s);

        if (len == 0 || (len == 1 && s[0] == '.')) {
            /* nothing */
        } else if (len == 2 && s[0] == '.' && s[1] == '.') {
            if (w == out) {
                lpi_free(p->ctx, out);
                *why = "leaves the project folder";
                return NULL;
            }
            while (w > out && w[-1] != '/')
                w--;
            if (w > out)
                w--;
            *w = '\0';
        } else {
            if (w > out)
                *w++ = '/';
            memcpy(w, s, len);
            w += len;
            *w = '\0';
        }
        s += len;
        if (*s == '/')
            s++;
    }
    if (w == out) {
        lpi_free(p->ctx, out);
        *why = "names no file";
        return NULL;
    }
    return out;
}

/* ------------------------------------------------------ normalization */

/* p, h1, h2, h3, li, td, th, dt, dd, em, strong, sub, sup, term, a, a
 * note's title, a figure's caption and credit, and MathML's tokens (mi,
 * mn, mo, ms, mtext, annotation: their text is trimmed, as MathML trims
 * it) (every element is looked at: no string compares for most others) */
static bool is_mixed(const xmlChar *n)
{
    switch (n[0]) {
    case 'p':
        return n[1] == '\0';
    case 'a':
        return n[1] == '\0' ||
               strcmp((const char *)n, "annotation") == 0;
    case 'm':
        return ((n[1] == 'i' || n[1] == 'n' || n[1] == 'o' ||
                 n[1] == 's') && n[2] == '\0') ||
               strcmp((const char *)n, "mtext") == 0;
    case 'h':
        return n[1] >= '1' && n[1] <= '3' && n[2] == '\0';
    case 'l':
        return n[1] == 'i' && n[2] == '\0';
    case 'd':
        return (n[1] == 't' || n[1] == 'd') && n[2] == '\0';
    case 't':
        return ((n[1] == 'd' || n[1] == 'h') && n[2] == '\0') ||
               strcmp((const char *)n, "term") == 0 ||
               strcmp((const char *)n, "title") == 0;
    case 'e':
        return n[1] == 'm' && n[2] == '\0';
    case 'c':
        return strcmp((const char *)n, "caption") == 0 ||
               strcmp((const char *)n, "credit") == 0;
    case 's':
        return strcmp((const char *)n, "strong") == 0 ||
               strcmp((const char *)n, "sub") == 0 ||
               strcmp((const char *)n, "sup") == 0;
    default:
        return false;
    }
}

static bool is_inline(const xmlChar *name)
{
    static const char *const names[] = { "em", "strong", "sub", "sup",
                                         "term", "a" };

    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
        if (strcmp((const char *)name, names[i]) == 0)
            return true;
    return false;
}

static bool is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool all_space(const xmlChar *s)
{
    for (; s && *s; s++)
        if (!is_space(*s))
            return false;
    return true;
}

/* Set c's text to its content with whitespace runs collapsed to one space
 * and, if asked, the leading / trailing space dropped.  Text content may
 * live in the parser's dictionary: never change it in place. */
static void collapse(xmlNodePtr c, bool trim_start, bool trim_end)
{
    const xmlChar *s = c->content;
    xmlChar *buf, *w;
    bool sp = trim_start;

    if (!s)
        return;
    /* most texts have nothing to collapse: look (with the C library's
     * fast searches) before copying */
    if (!strpbrk((const char *)s, "\t\n\r") &&
        !strstr((const char *)s, "  ") && !(trim_start && s[0] == ' ')) {
        size_t n = strlen((const char *)s);

        if (!(trim_end && n > 0 && s[n - 1] == ' '))
            return;
    }
    buf = xmlMalloc(xmlStrlen(s) + 1);
    if (!buf)
        return;
    for (w = buf; *s; s++) {
        if (is_space(*s)) {
            if (!sp)
                *w++ = ' ';
            sp = true;
        } else {
            *w++ = *s;
            sp = false;
        }
    }
    if (trim_end && w > buf && w[-1] == ' ')
        w--;
    *w = '\0';
    if (xmlStrEqual(buf, c->content) == 0)
        xmlNodeSetContent(c, buf);
    xmlFree(buf);
}

static void normalize(xmlNodePtr el, unsigned depth)
{
    bool mixed = is_mixed(el->name), block = mixed && !is_inline(el->name);
    xmlNodePtr c, next;

    if (depth > LPI_MAX_SOURCE_DEPTH + 2)
        return; /* refused by the loaders already */
    for (c = el->children; c; c = next) {
        next = c->next;
        if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        } else if (c->type == XML_TEXT_NODE && !mixed) {
            if (all_space(c->content)) {
                xmlUnlinkNode(c);
                xmlFreeNode(c);
            }
        } else if (c->type == XML_ELEMENT_NODE) {
            normalize(c, depth + 1);
        }
    }
    if (!mixed)
        return;
    /* inline text: whitespace runs are one space; a block's text starts
     * and ends with none */
    for (c = el->children; c; c = next) {
        next = c->next;
        if (c->type != XML_TEXT_NODE)
            continue;
        collapse(c, block && c == el->children, block && c == el->last);
        if (!c->content || !c->content[0]) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
    }
}

void lpi_doc_normalize(xmlDocPtr doc)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr c, next;

    for (c = doc->children; c; c = next) {
        next = c->next;
        if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
    }
    if (root)
        normalize(root, 1);
}
