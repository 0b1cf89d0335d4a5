/*
 * mathcheck.c - the <math> trees of a lesson checked against the MathML
 * Core subset lp carries (liblp/base/mathml.c; lp-curriculum(5),
 * MATHEMATICS), once the schema (which takes any tree there) has passed.
 *
 * Every problem is said where it is, in words that say what to write
 * instead: an element MathML Core dropped (mfenced) gets its rewrite, a
 * typo its nearest name.  An unknown element is not descended into, and
 * passes for whatever its parent wants there, so that one mistake makes
 * one error.
 */
#include "lpi_source.h"

#include <stdio.h>
#include <string.h>

typedef struct mcheck {
    lp_project *p;
    lpi_srcfile *f;
    size_t nodes;           /* elements and texts of the current <math> */
    bool over;              /* ... too many: said once */
} mcheck;

static const lpi_pos nopos = { 0, 0 };

#define MERR(m, code, node, ...) \
    lpi_diag((m)->p, LP_SEVERITY_ERROR, code, (m)->f, node, nopos, \
             __VA_ARGS__)

/* Elements MathML (or lp's own inline text) has, and what to write in
 * their place */
static const struct {
    const char *name, *say;
} instead[] = {
    { "mfenced", "mfenced is not MathML Core: write the fences as "
      "operators, <mrow><mo>(</mo>...<mo>)</mo></mrow>" },
    { "menclose", "menclose is not MathML Core and lp cannot show it: "
      "draw the enclosure in an image, or say it in words" },
    { "maction", "maction is not MathML Core: write the one expression "
      "it shows" },
    { "mlabeledtr", "mlabeledtr is not MathML Core: put the label in a "
      "cell (mtd) of an ordinary row (mtr)" },
    { "mglyph", "mglyph is not MathML Core: write a Unicode character, "
      "or put an image beside the math" },
    { "merror", "merror is not MathML Core: write the expression itself" },
    { "annotation-xml", "annotation-xml is not carried: keep a text "
      "annotation (annotation), such as the TeX source" },
    { "math", "math inside math: group with mrow" },
    { "sub", "'sub' inside math: write msub (a base and its subscript)" },
    { "sup", "'sup' inside math: write msup (a base and its "
      "superscript)" },
};

/* MathML 3's named spaces, which MathML Core dropped, in em */
static const struct {
    const char *name, *em;
} named_spaces[] = {
    { "veryverythinmathspace", "0.0556em" },
    { "verythinmathspace", "0.1111em" },
    { "thinmathspace", "0.1667em" },
    { "mediummathspace", "0.2222em" },
    { "thickmathspace", "0.2778em" },
    { "verythickmathspace", "0.3333em" },
    { "veryverythickmathspace", "0.3889em" },
};

static void unknown_element(mcheck *m, xmlNodePtr el)
{
    const char *name = (const char *)el->name, *best = NULL;
    unsigned bestd = 3;

    if (el->ns && el->ns->href) {
        MERR(m, "schema", el, "'%s' is in the namespace '%.200s': math "
             "holds MathML elements, in the MathML namespace or in none",
             name, (const char *)el->ns->href);
        return;
    }
    for (size_t i = 0; i < sizeof(instead) / sizeof(*instead); i++)
        if (strcmp(name, instead[i].name) == 0) {
            MERR(m, "schema", el, "%s", instead[i].say);
            return;
        }
    for (int i = 1; lpi_mathml_name(i); i++) {
        unsigned d = lpi_edit_distance(name, lpi_mathml_name(i));

        if (d < bestd) {
            bestd = d;
            best = lpi_mathml_name(i);
        }
    }
    if (best && bestd <= (strlen(name) > 3 ? 2u : 1u))
        MERR(m, "schema", el, "'%s' is not a MathML element lp carries; "
             "did you mean '%s'?", name, best);
    else
        MERR(m, "schema", el, "'%s' is not a MathML element lp carries "
             "(math holds MathML Core: mi, mn, mo, mtext, mrow, mfrac, "
             "msub, msup, msqrt, mtable, ...)", name);
}

/* Why an attribute is not carried, when we know */
static const char *attr_reason(const char *name)
{
    if (strcmp(name, "style") == 0 || strcmp(name, "class") == 0)
        return "; lp carries no styles";
    if (strncmp(name, "font", 4) == 0)
        return "; write mathvariant, such as mathvariant=\"bold\"";
    if (strcmp(name, "mathcolor") == 0 ||
        strcmp(name, "mathbackground") == 0 || strcmp(name, "color") == 0)
        return "; lp carries no colours";
    if (strcmp(name, "href") == 0 || strncmp(name, "on", 2) == 0)
        return "; math holds no links or scripts";
    if (strcmp(name, "id") == 0)
        return "; only a math block (an equation on its own line) has an "
               "id";
    return NULL;
}

static void bad_attr(mcheck *m, xmlNodePtr el, int e, xmlAttrPtr a)
{
    const char *name = (const char *)a->name, *why = attr_reason(name);
    const char *best = NULL;
    unsigned bestd = 3;

    if (a->ns && a->ns->href) {
        MERR(m, "schema", a, "'%s' is in the namespace '%.200s': MathML "
             "attributes are in none", name, (const char *)a->ns->href);
        return;
    }
    if (why) {
        MERR(m, "schema", a, "'%s' is not an attribute of %s%s", name,
             el->name, why);
        return;
    }
    for (int i = 0; lpi_mathml_attr_name(i); i++) {
        unsigned d;

        if (!lpi_mathml_attr_on(e, i))
            continue;
        d = lpi_edit_distance(name, lpi_mathml_attr_name(i));
        if (d < bestd) {
            bestd = d;
            best = lpi_mathml_attr_name(i);
        }
    }
    if (best && bestd <= (strlen(name) > 4 ? 2u : 1u))
        MERR(m, "schema", a, "'%s' is not an attribute of %s; did you "
             "mean '%s'?", name, el->name, best);
    else
        MERR(m, "schema", a, "'%s' is not an attribute of %s", name,
             el->name);
}

static void bad_value(mcheck *m, xmlNodePtr el, int at, xmlAttrPtr a,
                      const char *v)
{
    for (size_t i = 0; i < sizeof(named_spaces) / sizeof(*named_spaces);
         i++)
        if (strcmp(v, named_spaces[i].name) == 0) {
            MERR(m, "schema", a, "%s=\"%s\" on %s: named spaces are not "
                 "MathML Core; write %s", a->name, v, el->name,
                 named_spaces[i].em);
            return;
        }
    MERR(m, "schema", a, "%s=\"%.80s\" on %s: it takes %s", a->name, v,
         el->name, lpi_mathml_value_hint(at));
}

/* el's attributes; the top element's display and id are the caller's */
static void check_attrs(mcheck *m, xmlNodePtr el, int e, bool top)
{
    for (xmlAttrPtr a = el->properties; a; a = a->next) {
        const char *v = a->children && a->children->content
                        ? (const char *)a->children->content : "";
        int at = lpi_mathml_attr((const char *)a->name);

        if (top && (strcmp((const char *)a->name, "id") == 0 ||
                    strcmp((const char *)a->name, "display") == 0))
            continue;
        if (at < 0 || !lpi_mathml_attr_on(e, at) || a->ns)
            bad_attr(m, el, e, a);
        else if (!lpi_mathml_value_ok(at, v))
            bad_value(m, el, at, a, v);
    }
}

static void check_el(mcheck *m, xmlNodePtr el, int e, unsigned depth)
{
    int kinds[LPI_MATHML_MAX_CHILDREN]; /* 1 KiB a level, 48 at most */
    size_t n = 0, bad;
    char msg[256];
    xmlNodePtr at = el;

    check_attrs(m, el, e, depth == 0);
    for (xmlNodePtr c = el->children; c; c = c->next) {
        int k = -1;

        if (c->type != XML_ELEMENT_NODE && c->type != XML_TEXT_NODE)
            continue;
        if (++m->nodes > LPI_MATHML_MAX_NODES) {
            if (!m->over)
                MERR(m, "limit", c, "more than %u elements and texts in "
                     "one math: split the equation",
                     LPI_MATHML_MAX_NODES);
            m->over = true;
            return;
        }
        if (n == LPI_MATHML_MAX_CHILDREN) {
            MERR(m, "limit", c, "%s holds more than %u elements and "
                 "texts: group them with mrow", el->name,
                 LPI_MATHML_MAX_CHILDREN);
            return;
        }
        if (c->type == XML_TEXT_NODE) {
            if (c->content && strlen((const char *)c->content) >
                              LPI_MATHML_MAX_TEXT)
                MERR(m, "limit", c, "a text of more than %u bytes in %s",
                     LPI_MATHML_MAX_TEXT, el->name);
        } else {
            k = lpi_mathml_element((const char *)c->name);
            if (k <= 0 || c->ns) {
                unknown_element(m, c);
                k = LPI_MATHML_ANY;
            } else {
                check_el(m, c, k, depth + 1);
                if (m->over)
                    return;
            }
        }
        kinds[n++] = k;
    }
    if (lpi_mathml_children(e, kinds, n, &bad, msg, sizeof(msg)))
        return;
    /* point at the child at fault, if it is one */
    for (xmlNodePtr c = el->children; c && bad < n; c = c->next) {
        if (c->type != XML_ELEMENT_NODE && c->type != XML_TEXT_NODE)
            continue;
        if (bad-- == 0) {
            at = c;
            break;
        }
    }
    MERR(m, "schema", at, "%s %s", el->name, msg);
}

static bool is_id(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 64 || !((*s >= 'a' && *s <= 'z') ||
                              (*s >= '0' && *s <= '9')))
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* One <math>: a block when it stands among blocks (in a body or a note),
 * else inline */
static void check_math(mcheck *m, xmlNodePtr el)
{
    bool block = el->parent && (lpi_is(el->parent, "body") ||
                                lpi_is(el->parent, "note"));
    const char *display = lpi_attr(el, "display"), *id = lpi_attr(el, "id");

    if (display && block && strcmp(display, "inline") == 0)
        MERR(m, "schema", xmlHasProp(el, (const xmlChar *)"display"),
             "display=\"inline\" on a math block: math between blocks is "
             "an equation on its own line; to run it in the text, put it "
             "in a paragraph");
    else if (display && !block && strcmp(display, "block") == 0)
        MERR(m, "schema", xmlHasProp(el, (const xmlChar *)"display"),
             "display=\"block\" in running text: an equation on its own "
             "line is a math block, between paragraphs");
    else if (display && strcmp(display, "block") != 0 &&
             strcmp(display, "inline") != 0)
        MERR(m, "schema", xmlHasProp(el, (const xmlChar *)"display"),
             "display=\"%.80s\" on math: it takes block or inline",
             display);
    if (id && !block)
        MERR(m, "schema", xmlHasProp(el, (const xmlChar *)"id"),
             "an inline math has no id: give the id to its paragraph, or "
             "make the equation a block");
    else if (id && !is_id(id))
        MERR(m, "schema", xmlHasProp(el, (const xmlChar *)"id"),
             "id '%.80s' must be lowercase letters, digits, '.', '_' and "
             "'-', at most 64, such as 'eq-2'", id);
    m->nodes = 1;
    m->over = false;
    check_el(m, el, lpi_mathml_element("math"), 0);
    if (!el->children)
        MERR(m, "schema", el, "an empty math: write the expression in it");
}

static void walk(mcheck *m, xmlNodePtr el, unsigned depth)
{
    for (xmlNodePtr c = el->children; c && depth <= LPI_MAX_SOURCE_DEPTH;
         c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (lpi_is(c, "math"))
            check_math(m, c);
        else
            walk(m, c, depth + 1);
    }
}

void lpi_math_check(lp_project *p, lpi_srcfile *f)
{
    xmlNodePtr root = f->doc ? xmlDocGetRootElement(f->doc) : NULL;
    mcheck m = { p, f, 0, false };

    if (root && lpi_is(root, "lesson"))
        walk(&m, lpi_child(root, "content"), 1);
}
