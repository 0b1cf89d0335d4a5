/*
 * mathml.c - the MathML Core subset lp carries (lp-curriculum(5),
 * MATHEMATICS; lpk(5)): its elements, their attributes and the values
 * these may take, and what each element may hold.
 *
 * One table for both ends: lpc checks a source's <math> against it, and a
 * runtime checks a compiled lesson's math nodes against it again before
 * anything is shown (a lesson document is hostile input: an attribute
 * the table lacks, such as an event handler, must never reach a page).
 * Names handed out are the table's own static strings, never the input's.
 */
#include "lpi.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum vkind {
    V_BOOL,         /* true | false */
    V_ENUM,         /* one word of a list */
    V_WORDS,        /* one or more words of a list, space-separated */
    V_LENGTH,       /* a CSS length-percentage: 0.5em, -2px, 10%, 0 */
    V_INT,          /* an integer, signed: a script level */
    V_COUNT,        /* a positive integer of at most 1000: a span */
    V_TEXT          /* any text of at most 1024 bytes */
};

typedef struct mattr {
    const char *name;
    enum vkind kind;
    const char *const *words;   /* V_ENUM, V_WORDS */
    const char *hint;           /* what is expected, for a message */
} mattr;

static const char *const w_dir[] = { "ltr", "rtl", NULL };
static const char *const w_display[] = { "block", "inline", NULL };
static const char *const w_variant[] = {
    "normal", "bold", "italic", "bold-italic", "double-struck",
    "bold-fraktur", "script", "bold-script", "fraktur", "sans-serif",
    "bold-sans-serif", "sans-serif-italic", "sans-serif-bold-italic",
    "monospace", "initial", "tailed", "looped", "stretched", NULL
};
static const char *const w_form[] = { "prefix", "infix", "postfix", NULL };
static const char *const w_align[] = { "left", "center", "right", NULL };

#define BOOL_HINT "true or false"
#define LEN_HINT "a length such as 0.5em, 2px or 10% (or 0)"

/* The attributes, by index: an element's mask has bit i for number i */
static const mattr attrs[] = {
    { "dir", V_ENUM, w_dir, "ltr or rtl" },
    { "displaystyle", V_BOOL, NULL, BOOL_HINT },
    { "scriptlevel", V_INT, NULL, "an integer such as 1, +1 or -1" },
    { "mathvariant", V_ENUM, w_variant,
      "normal, bold, italic, bold-italic, double-struck, script, fraktur, "
      "sans-serif, monospace, ..." },
    { "mathsize", V_LENGTH, NULL, LEN_HINT },
    { "display", V_ENUM, w_display, "block or inline" },
    { "alttext", V_TEXT, NULL, "a text of at most 1024 bytes" },
    { "form", V_ENUM, w_form, "prefix, infix or postfix" },
    { "stretchy", V_BOOL, NULL, BOOL_HINT },
    { "fence", V_BOOL, NULL, BOOL_HINT },
    { "separator", V_BOOL, NULL, BOOL_HINT },
    { "lspace", V_LENGTH, NULL, LEN_HINT },
    { "rspace", V_LENGTH, NULL, LEN_HINT },
    { "largeop", V_BOOL, NULL, BOOL_HINT },
    { "movablelimits", V_BOOL, NULL, BOOL_HINT },
    { "symmetric", V_BOOL, NULL, BOOL_HINT },
    { "minsize", V_LENGTH, NULL, LEN_HINT },
    { "maxsize", V_LENGTH, NULL, LEN_HINT },
    { "width", V_LENGTH, NULL, LEN_HINT },
    { "height", V_LENGTH, NULL, LEN_HINT },
    { "depth", V_LENGTH, NULL, LEN_HINT },
    { "voffset", V_LENGTH, NULL, LEN_HINT },
    { "linethickness", V_LENGTH, NULL, LEN_HINT },
    { "accent", V_BOOL, NULL, BOOL_HINT },
    { "accentunder", V_BOOL, NULL, BOOL_HINT },
    { "columnalign", V_WORDS, w_align,
      "left, center or right (one per column on a table or row)" },
    { "columnspan", V_COUNT, NULL, "a whole number from 1 to 1000" },
    { "rowspan", V_COUNT, NULL, "a whole number from 1 to 1000" },
    { "encoding", V_TEXT, NULL, "a text of at most 1024 bytes, such as "
      "application/x-tex" }
};
#define NATTRS (sizeof(attrs) / sizeof(*attrs))

#define A(i) (1u << (i))
/* every element: dir, displaystyle, scriptlevel, mathvariant, mathsize */
#define A_GLOBAL (A(0) | A(1) | A(2) | A(3) | A(4))
#define A_MO (A(7) | A(8) | A(9) | A(10) | A(11) | A(12) | A(13) | A(14) | \
              A(15) | A(16) | A(17))
#define A_BOX (A(18) | A(19) | A(20))

enum ekind {
    E_ROW,          /* any number of presentation children */
    E_TOKEN,        /* text only */
    E_EMPTY,        /* nothing */
    E_FIXED,        /* exactly min presentation children */
    E_TABLE,        /* mtr children only */
    E_TR,           /* mtd children only */
    E_SEMANTICS,    /* one presentation child, then annotations */
    E_MULTI         /* a base, then pairs, an mprescripts, then pairs */
};

typedef struct melem {
    const char *name;
    enum ekind kind;
    unsigned n;                 /* E_FIXED: how many children */
    uint32_t attrs;             /* beyond A_GLOBAL */
    const char *parent;         /* the only element it may stand in */
    const char *holds;          /* what it holds, for a message */
} melem;

static const melem elems[] = {
    { "math", E_ROW, 0, A(5) | A(6), NULL, "" },
    { "mrow", E_ROW, 0, 0, NULL, "" },
    { "mi", E_TOKEN, 0, 0, NULL, "" },
    { "mn", E_TOKEN, 0, 0, NULL, "" },
    { "mo", E_TOKEN, 0, A_MO, NULL, "" },
    { "ms", E_TOKEN, 0, 0, NULL, "" },
    { "mtext", E_TOKEN, 0, 0, NULL, "" },
    { "mspace", E_EMPTY, 0, A_BOX, NULL, "" },
    { "mfrac", E_FIXED, 2, A(22), NULL,
      "a numerator and a denominator" },
    { "msqrt", E_ROW, 0, 0, NULL, "" },
    { "mroot", E_FIXED, 2, 0, NULL, "a base and an index" },
    { "msub", E_FIXED, 2, 0, NULL, "a base and a subscript" },
    { "msup", E_FIXED, 2, 0, NULL, "a base and a superscript" },
    { "msubsup", E_FIXED, 3, 0, NULL,
      "a base, a subscript and a superscript" },
    { "munder", E_FIXED, 2, A(24), NULL, "a base and an underscript" },
    { "mover", E_FIXED, 2, A(23), NULL, "a base and an overscript" },
    { "munderover", E_FIXED, 3, A(23) | A(24), NULL,
      "a base, an underscript and an overscript" },
    { "mmultiscripts", E_MULTI, 0, 0, NULL, "" },
    { "mprescripts", E_EMPTY, 0, 0, "mmultiscripts", "" },
    { "none", E_EMPTY, 0, 0, "mmultiscripts", "" },
    { "mtable", E_TABLE, 0, A(25), NULL, "" },
    { "mtr", E_TR, 0, A(25), "mtable", "" },
    { "mtd", E_ROW, 0, A(25) | A(26) | A(27), "mtr", "" },
    { "mstyle", E_ROW, 0, 0, NULL, "" },
    { "mpadded", E_ROW, 0, A_BOX | A(11) | A(21), NULL, "" },
    { "mphantom", E_ROW, 0, 0, NULL, "" },
    { "semantics", E_SEMANTICS, 0, 0, NULL, "" },
    { "annotation", E_TOKEN, 0, A(28), "semantics", "" }
};
#define NELEMS (sizeof(elems) / sizeof(*elems))

int lpi_mathml_element(const char *name)
{
    for (size_t i = 0; name && i < NELEMS; i++)
        if (strcmp(elems[i].name, name) == 0)
            return (int)i;
    return -1;
}

const char *lpi_mathml_name(int el)
{
    return el >= 0 && (size_t)el < NELEMS ? elems[el].name : NULL;
}

bool lpi_mathml_is_token(int el)
{
    return el >= 0 && (size_t)el < NELEMS && elems[el].kind == E_TOKEN;
}

int lpi_mathml_attr(const char *name)
{
    for (size_t i = 0; name && i < NATTRS; i++)
        if (strcmp(attrs[i].name, name) == 0)
            return (int)i;
    return -1;
}

const char *lpi_mathml_attr_name(int attr)
{
    return attr >= 0 && (size_t)attr < NATTRS ? attrs[attr].name : NULL;
}

bool lpi_mathml_attr_on(int el, int attr)
{
    if (el < 0 || (size_t)el >= NELEMS || attr < 0 ||
        (size_t)attr >= NATTRS)
        return false;
    return ((A_GLOBAL | elems[el].attrs) & A(attr)) != 0;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* [+-]?digits, at most max digits; the value in *out */
static bool integer(const char *s, bool sign, unsigned max, unsigned *out)
{
    unsigned v = 0, n = 0;

    if (sign && (*s == '+' || *s == '-'))
        s++;
    for (; is_digit(*s); s++, n++)
        v = v * 10 + (unsigned)(*s - '0');
    if (out)
        *out = v;
    return n > 0 && n <= max && *s == '\0';
}

/* A CSS <length-percentage> as MathML Core takes it: a number and a unit,
 * a percentage, or a bare 0 */
static bool length(const char *s)
{
    static const char *const units[] = { "em", "ex", "px", "in", "cm",
                                         "mm", "pt", "pc", "rem", "%" };
    size_t digits = 0, frac = 0;
    bool nonzero = false;

    if (*s == '-' || *s == '+')
        s++;
    for (; is_digit(*s); s++, digits++)
        nonzero |= *s != '0';
    if (*s == '.')
        for (s++; is_digit(*s); s++, frac++)
            nonzero |= *s != '0';
    if (digits + frac == 0 || digits > 6 || frac > 6)
        return false;
    if (*s == '\0')
        return !nonzero;
    for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++)
        if (strcmp(s, units[i]) == 0)
            return true;
    return false;
}

static bool word_of(const char *s, size_t n, const char *const *words)
{
    for (; *words; words++)
        if (strlen(*words) == n && memcmp(*words, s, n) == 0)
            return true;
    return false;
}

bool lpi_mathml_value_ok(int attr, const char *v)
{
    const mattr *a;
    unsigned n;

    if (attr < 0 || (size_t)attr >= NATTRS || !v)
        return false;
    a = &attrs[attr];
    switch (a->kind) {
    case V_BOOL:
        return strcmp(v, "true") == 0 || strcmp(v, "false") == 0;
    case V_ENUM:
        return word_of(v, strlen(v), a->words);
    case V_WORDS: {
        size_t words = 0;

        while (*v) {
            size_t len = strcspn(v, " ");

            if (len == 0 || !word_of(v, len, a->words) || ++words > 64)
                return false;
            v += len;
            if (*v == ' ' && *++v == '\0')
                return false;
        }
        return words > 0;
    }
    case V_LENGTH:
        return length(v);
    case V_INT:
        return integer(v, true, 2, NULL);
    case V_COUNT:
        return integer(v, false, 4, &n) && n >= 1 && n <= 1000;
    case V_TEXT:
        return strlen(v) <= LPI_MATHML_MAX_TEXT;
    }
    return false;
}

const char *lpi_mathml_value_hint(int attr)
{
    return attr >= 0 && (size_t)attr < NATTRS ? attrs[attr].hint : "";
}

/* A message into msg; false */
static bool say(char *msg, size_t cap, const char *fmt, ...)
    LPI_PRINTF(3, 4);

static bool say(char *msg, size_t cap, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
    return false;
}

bool lpi_mathml_children(int el, const int *kids, size_t n, size_t *bad,
                         char *msg, size_t cap)
{
    const melem *e;
    size_t pre = 0, post = 0;
    bool seen_pre = false;

    *bad = n;
    if (el < 0 || (size_t)el >= NELEMS)
        return say(msg, cap, "is not a MathML element lp knows");
    e = &elems[el];
    for (size_t i = 0; i < n; i++) {
        const melem *k;

        *bad = i;
        if (kids[i] == LPI_MATHML_ANY)
            continue;
        if (kids[i] < 0) {
            if (e->kind == E_TOKEN)
                continue;
            return say(msg, cap, "holds text: text goes inside mi (a "
                       "name), mn (a number), mo (an operator) or mtext");
        }
        if ((size_t)kids[i] >= NELEMS)
            return say(msg, cap, "holds an element lp does not know");
        k = &elems[kids[i]];
        if (e->kind == E_TOKEN)
            return say(msg, cap, "holds an element (%s): it holds text "
                       "only", k->name);
        if (e->kind == E_EMPTY)
            return say(msg, cap, "must be empty");
        if (e->kind == E_TABLE && strcmp(k->name, "mtr") != 0)
            return say(msg, cap, "holds %s: a table holds rows (mtr)",
                       k->name);
        if (e->kind == E_TR && strcmp(k->name, "mtd") != 0)
            return say(msg, cap, "holds %s: a row holds cells (mtd)",
                       k->name);
        if (k->parent && strcmp(k->parent, e->name) != 0)
            return say(msg, cap, "holds %s, which belongs in %s only",
                       k->name, k->parent);
        if (e->kind == E_SEMANTICS &&
            (i == 0) == (strcmp(k->name, "annotation") == 0))
            return say(msg, cap, "holds one expression first, then "
                       "annotations");
        if (e->kind == E_MULTI) {
            if (strcmp(k->name, "mprescripts") == 0) {
                if (seen_pre || i == 0)
                    return say(msg, cap, "holds one mprescripts, after "
                               "its base");
                seen_pre = true;
            } else if (i == 0 && strcmp(k->name, "none") == 0) {
                return say(msg, cap, "has none for its base");
            } else if (i > 0) {
                if (seen_pre)
                    pre++;
                else
                    post++;
            }
        }
    }
    *bad = n;
    if (e->kind == E_FIXED && n != e->n)
        return say(msg, cap, "holds %zu element%s; it holds %u: %s", n,
                   n == 1 ? "" : "s", e->n, e->holds);
    if (e->kind == E_SEMANTICS && n == 0)
        return say(msg, cap, "is empty; it holds an expression, then "
                   "annotations");
    if (e->kind == E_MULTI && (n == 0 || post % 2 || pre % 2))
        return say(msg, cap, "holds a base, then pairs of a subscript and "
                   "a superscript (none for a missing one), then an "
                   "mprescripts and pairs again");
    return true;
}

const char *lpi_mathml_parent(int el)
{
    return el >= 0 && (size_t)el < NELEMS ? elems[el].parent : NULL;
}
