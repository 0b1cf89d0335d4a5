/*
 * explain.c - schema errors in words a curriculum author can act on.
 *
 * libxml2's validator speaks XSD: "[facet 'pattern'] The value 'Water' is
 * not accepted by the pattern '[a-z0-9][a-z0-9._\-]*'", "'forty' is not a
 * valid value of the atomic type 'Minutes'".  An author writing YAML never
 * saw the schema.  This file turns each kind of message libxml2 gives into
 * what is wrong and what is expected, with an example, using the schema's
 * own type names (schemas/curriculum.xsd) to say what a value must look
 * like.  A message it does not recognise is passed on as it is, only
 * decapitalised: nothing is ever lost.
 */
#include "lpi_source.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

/* What a value of each simple type of the schema looks like.  Patterns
 * are matched too: a pattern error names the pattern, not the type. */
static const struct {
    const char *type, *pattern, *what;
} kinds[] = {
    { "Id", "[a-z0-9][a-z0-9._\\-]*",
      "an id: lowercase letters, digits, '.', '_' and '-', starting with a "
      "letter or digit, such as 'water-cycle'" },
    { "IdList", NULL,
      "ids separated by spaces, such as 'count-10 read-numerals'" },
    { "PackageId", "[A-Za-z0-9][A-Za-z0-9._\\-]*",
      "letters, digits, '.', '_' and '-', such as 'tl.moe.math'" },
    { "LanguageTag", "[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*",
      "a language tag, such as 'pt', 'tet' or 'pt-BR'" },
    { "LanguageList", NULL,
      "language tags separated by spaces, such as 'tet pt'" },
    { "Country", "[A-Z]{2}",
      "a country code of two capital letters, such as 'TL'" },
    { "Line", "[^\\n\\r]*", "one line of text, with no line break" },
    { "Path", "[^/\\\\].*",
      "a path relative to the file, such as '../media/photo.jpg'" },
    { "Href", "(lesson:[a-z0-9][a-z0-9._\\-]*(#[a-z0-9][a-z0-9._\\-]*)?|"
      "#[a-z0-9][a-z0-9._\\-]*|https?://\\S+|mailto:\\S+)",
      "'lesson:' and a lesson id (then '#' and a block id, to point at a "
      "block of it), '#' and a block id of this lesson, an http:// or "
      "https:// address, or 'mailto:', such as 'lesson:numbers-02' or "
      "'lesson:numbers-02#table-1'" },
    { "Url", "https?://\\S+",
      "an http:// or https:// address, such as 'https://openstax.org/'" },
    { "License", "[A-Za-z0-9.+\\-]+( (AND|OR|WITH) [A-Za-z0-9.+\\-]+)*",
      "an SPDX license expression, such as 'CC-BY-4.0'" },
    { "Size", "[1-9][0-9]{0,11}( ?(B|KiB|MiB|GiB))?",
      "a size, such as '500 KiB', '2 MiB' or '1 GiB'" },
    { "Minutes", NULL, "a number of minutes, such as 40" },
    { "xs:positiveInteger", NULL, "a whole number above 0, such as 3" },
    { "Number",
      "[+\\-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+\\-]?[0-9]{1,4})?",
      "a number, such as 42, 2.5 or 3.48e-26 (with '.' for the decimal "
      "point, 'e' before a power of ten)" },
    { "Tolerance",
      "[+\\-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+\\-]?[0-9]{1,4})?%?",
      "a number, such as 0.05 or 1e-3, or a percentage of the answer, "
      "such as 1%" },
    { "Unit", "[^\\s0-9.,+\\-][^\\s]*( [^\\s]+)*",
      "a unit, such as 'm/s' or 'kg', not starting with a digit, a sign "
      "or a space" },
    { "xs:decimal", NULL,
      "a number, such as 42 or 2.5 (with '.' for the decimal point)" },
    { "xs:boolean", NULL, "true or false" },
};

static const char *kind_of_type(const char *type, size_t len)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++)
        if (strlen(kinds[i].type) == len &&
            strncmp(kinds[i].type, type, len) == 0)
            return kinds[i].what;
    return NULL;
}

static const char *kind_of_pattern(const char *pat, size_t len)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++)
        if (kinds[i].pattern && strlen(kinds[i].pattern) == len &&
            strncmp(kinds[i].pattern, pat, len) == 0)
            return kinds[i].what;
    return NULL;
}

/* The text between the quotes after key in s: its start and length */
static bool quoted_after(const char *s, const char *key, const char **q,
                         size_t *len)
{
    const char *k = strstr(s, key);
    const char *end;

    if (!k)
        return false;
    k += strlen(key);
    end = strchr(k, '\'');
    /* a pattern may hold a quote: its closing one is the message's last */
    if (strcmp(key, "pattern '") == 0)
        end = strrchr(k, '\'');
    if (!end)
        return false;
    *q = k;
    *len = (size_t)(end - k);
    return true;
}

/* "( a, b, c )" after "Expected is" -> "a, b or c"; near: the item
 * nearest to the name given, if one is a typo away (titel -> title) */
static void expected_list(const char *rest, const char *given, char *out,
                          size_t cap, char *near, size_t near_cap)
{
    unsigned best = 3;
    bool tie = false;

    const char *open = strstr(rest, "Expected is");
    const char *a, *b;
    size_t n = 0, items = 0;

    out[0] = '\0';
    near[0] = '\0';
    if (!open || !(a = strchr(open, '(')) || !(b = strchr(a, ')')))
        return;
    for (const char *s = a + 1; s < b && n + 1 < cap;) {
        size_t len;

        s += strspn(s, " ,");
        len = strcspn(s, ",)");
        while (len > 0 && s[len - 1] == ' ')
            len--;
        if (len == 0)
            break;
        /* libxml2 marks a namespace-less name with "##other" etc.; skip */
        if (s[0] != '#') {
            const char *next = s + len + strspn(s + len, " ");
            bool last = next >= b || *next == ')';
            int w = snprintf(out + n, cap - n, "%s'%.*s'",
                             items == 0 ? "" : last ? " or " : ", ",
                             (int)len, s);
            char item[LPI_EDIT_MAX + 1];
            unsigned d;

            if (w < 0 || (size_t)w >= cap - n)
                break;
            n += (size_t)w;
            items++;
            if (len <= LPI_EDIT_MAX) {
                memcpy(item, s, len);
                item[len] = '\0';
                d = lpi_edit_distance(given, item);
                if (d < best && d < strlen(given)) {
                    best = d;
                    tie = false;
                    snprintf(near, near_cap, "%s", item);
                } else if (d == best) {
                    tie = true;  /* h4: h1, h2 or h3?  no guess */
                }
            }
        }
        s += len;
    }
    if (tie)
        near[0] = '\0';
}

int lpi_answer_hint(const void *activity, const char *value, size_t vlen,
                    char *out, size_t cap)
{
    const xmlNode *el = activity;
    const xmlNode *opts = NULL;
    char ids[160];
    size_t n = 0;
    const char *text_of = NULL;

    for (const xmlNode *c = el ? el->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE &&
            strcmp((const char *)c->name, "options") == 0)
            opts = c;
    if (!opts)
        return 0;
    ids[0] = '\0';
    for (const xmlNode *o = opts->children; o; o = o->next) {
        if (o->type != XML_ELEMENT_NODE)
            continue;
        for (const xmlAttr *a = o->properties; a; a = a->next) {
            const char *v = a->children && a->children->content
                            ? (const char *)a->children->content : "";

            if (strcmp((const char *)a->name, "id") == 0) {
                int w = snprintf(ids + n, sizeof(ids) - n, "%s%s",
                                 n ? ", " : "", v);
                if (w > 0 && (size_t)w < sizeof(ids) - n)
                    n += (size_t)w;
            } else if (strlen(v) == vlen && strncmp(v, value, vlen) == 0) {
                text_of = "an option's text";
            }
        }
    }
    if (!ids[0])
        return 0;
    snprintf(out, cap, "answer must be the id of one of the options (%s)%s"
             "%.*s%s%s", ids, text_of ? "; '" : "", text_of ? (int)vlen : 0,
             text_of ? value : "", text_of ? "' is " : "",
             text_of ? text_of : "");
    return text_of ? 2 : 1;
}

/* The attributes each element may have, read once from the embedded
 * schema, for "did you mean" when an attribute is not allowed ('atl' on
 * an image: 'alt').  Immutable once built, so loader threads share it. */
#define LPI_ATTR_PAIRS 512
#define LPI_ATTR_NAME 32
static struct {
    char el[LPI_ATTR_NAME], attr[LPI_ATTR_NAME];
} attr_pairs[LPI_ATTR_PAIRS];
static size_t nattr_pairs;
static pthread_once_t attr_once = PTHREAD_ONCE_INIT;

static bool is_xs(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE &&
           strcmp((const char *)n->name, name) == 0;
}

static void add_pair(const char *el, const xmlChar *attr)
{
    if (!attr || nattr_pairs == LPI_ATTR_PAIRS ||
        strlen(el) >= LPI_ATTR_NAME ||
        strlen((const char *)attr) >= LPI_ATTR_NAME)
        return;
    snprintf(attr_pairs[nattr_pairs].el, LPI_ATTR_NAME, "%s", el);
    snprintf(attr_pairs[nattr_pairs].attr, LPI_ATTR_NAME, "%s",
             (const char *)attr);
    nattr_pairs++;
}

/* The xs:attribute names under n, not looking into nested xs:elements;
 * a named type (type="T", base="T") is looked up in the schema */
static void collect_attrs(const xmlNode *schema, const xmlNode *n,
                          const char *el, unsigned depth)
{
    if (depth > 32)
        return;
    for (const xmlNode *c = n->children; c; c = c->next) {
        xmlChar *base;

        if (is_xs(c, "element"))
            continue;
        if (is_xs(c, "attribute")) {
            xmlChar *name = xmlGetProp(c, (const xmlChar *)"name");
            add_pair(el, name);
            xmlFree(name);
            continue;
        }
        base = xmlGetProp(c, (const xmlChar *)"base");
        if (base) {
            for (const xmlNode *t = schema->children; t; t = t->next) {
                xmlChar *tn;

                if (!is_xs(t, "complexType"))
                    continue;
                tn = xmlGetProp(t, (const xmlChar *)"name");
                if (tn && xmlStrEqual(tn, base))
                    collect_attrs(schema, t, el, depth + 1);
                xmlFree(tn);
            }
            xmlFree(base);
        }
        collect_attrs(schema, c, el, depth + 1);
    }
}

static void element_attrs(const xmlNode *schema, const xmlNode *n,
                          unsigned depth)
{
    if (depth > 64)
        return;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (is_xs(c, "element")) {
            xmlChar *name = xmlGetProp(c, (const xmlChar *)"name");
            xmlChar *type = xmlGetProp(c, (const xmlChar *)"type");

            if (name) {
                collect_attrs(schema, c, (const char *)name, 0);
                for (const xmlNode *t = schema->children; type && t;
                     t = t->next) {
                    xmlChar *tn;

                    if (!is_xs(t, "complexType"))
                        continue;
                    tn = xmlGetProp(t, (const xmlChar *)"name");
                    if (tn && xmlStrEqual(tn, type))
                        collect_attrs(schema, t, (const char *)name, 0);
                    xmlFree(tn);
                }
            }
            xmlFree(name);
            xmlFree(type);
        }
        element_attrs(schema, c, depth + 1);
    }
}

static void build_attr_pairs(void)
{
    size_t len;
    const unsigned char *xsd = lpi_schema_text(&len);
    xmlDocPtr doc = xmlReadMemory((const char *)xsd, (int)len,
                                  "curriculum.xsd", NULL, XML_PARSE_NONET);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;

    if (root)
        element_attrs(root, root, 0);
    xmlFreeDoc(doc);
}

bool lpi_schema_near_attr(const char *el, const char *attr, char *out,
                          size_t cap)
{
    unsigned best = 3;
    bool tie = false;

    pthread_once(&attr_once, build_attr_pairs);
    out[0] = '\0';
    for (size_t i = 0; i < nattr_pairs; i++) {
        unsigned d;

        if (strcmp(attr_pairs[i].el, el) != 0)
            continue;
        d = lpi_edit_distance(attr, attr_pairs[i].attr);
        if (d < best && d < strlen(attr)) {
            best = d;
            tie = false;
            snprintf(out, cap, "%s", attr_pairs[i].attr);
        } else if (d == best && strcmp(out, attr_pairs[i].attr) != 0) {
            tie = true;
        }
    }
    if (tie)
        out[0] = '\0';
    return out[0] != '\0';
}

/* An element where the schema does not want it, when the rule it breaks
 * is one of order or of kind that the schema's list would not make
 * plain: a glossary's order, a note's title, inline text among blocks */
static bool explain_order(const char *el, xmlNodePtr xn, char *out,
                          size_t cap)
{
    static const char *const inl[] = { "em", "strong", "sub", "sup",
                                       "term", "a" };
    const char *parent = xn && xn->parent &&
                         xn->parent->type == XML_ELEMENT_NODE
                         ? (const char *)xn->parent->name : "";

    if (strcmp(el, "dd") == 0 && strcmp(parent, "dl") == 0) {
        snprintf(out, cap, "'dd' (a definition) must come after the 'dt' "
                 "(the term) it defines");
        return true;
    }
    if (strcmp(el, "term") == 0 && strcmp(parent, "a") == 0) {
        snprintf(out, cap, "a link ('a') cannot hold a 'term': put the "
                 "link inside the term instead");
        return true;
    }
    if ((strcmp(el, "caption") == 0 || strcmp(el, "credit") == 0) &&
        strcmp(parent, "figure") == 0) {
        bool media = false;

        for (xmlNodePtr s = xn->prev; s; s = s->prev)
            media |= s->type == XML_ELEMENT_NODE &&
                     (xmlStrEqual(s->name, (const xmlChar *)"image") ||
                      xmlStrEqual(s->name, (const xmlChar *)"video") ||
                      xmlStrEqual(s->name, (const xmlChar *)"audio"));
        snprintf(out, cap, "%s", media
                 ? "in a figure, its pictures come first, then its "
                   "'caption', then its 'credit', each at most once"
                 : "a figure starts with its pictures: at least one "
                   "'image', 'video' or 'audio' before its 'caption' and "
                   "'credit'");
        return true;
    }
    if (strcmp(el, "title") == 0 && strcmp(parent, "note") == 0) {
        snprintf(out, cap, "a note's 'title' comes first, before its "
                 "blocks, and only once");
        return true;
    }
    if (strcmp(parent, "body") == 0 || strcmp(parent, "note") == 0)
        for (size_t i = 0; i < sizeof(inl) / sizeof(*inl); i++)
            if (strcmp(el, inl[i]) == 0) {
                snprintf(out, cap, "'%s' is inline text: put it inside a "
                         "paragraph ('p') or another block", el);
                return true;
            }
    return false;
}

void lpi_schema_explain(const char *raw, const void *node, char *out,
                        size_t cap)
{
    char el[96] = "", attr[96] = "", list[400], near[LPI_EDIT_MAX + 1];
    const char *rest = raw, *q, *v;
    size_t qlen, vlen;
    xmlNodePtr xn = (xmlNodePtr)(uintptr_t)node;

    /* "Element 'x'" [", attribute 'y'"] ": " rest */
    if (sscanf(raw, "Element '%95[^']', attribute '%95[^']': ", el,
               attr) == 2 ||
        sscanf(raw, "Element '%95[^']': ", el) == 1) {
        const char *colon = strstr(raw, "': ");
        rest = colon ? colon + 3 : raw;
    }
    if (!el[0])
        goto plain;

    if (strstr(rest, "This element is not expected")) {
        if (explain_order(el, xn, out, cap))
            return;
        expected_list(rest, el, list, sizeof(list), near, sizeof(near));
        if (near[0])
            snprintf(out, cap, "'%s' is not allowed here; did you mean "
                     "'%s'?", el, near);
        else if (list[0])
            snprintf(out, cap, "'%s' is not allowed here; expected %s%s",
                     el, strchr(list, ',') || strstr(list, " or ")
                     ? "one of " : "", list);
        else if (xn && xn->parent && xn->parent->type == XML_ELEMENT_NODE)
            snprintf(out, cap, "'%s' is not allowed in '%s'", el,
                     (const char *)xn->parent->name);
        else
            snprintf(out, cap, "'%s' is not allowed here", el);
        return;
    }
    if (strstr(rest, "Missing child element")) {
        if (strcmp(el, "note") == 0) {
            snprintf(out, cap, "'note' holds no block: give it a "
                     "paragraph ('p') or another block%s",
                     xn && xmlFirstElementChild(xn) ? " after its title"
                                                    : "");
            return;
        }
        if (strcmp(el, "dl") == 0) {
            snprintf(out, cap, "%s", xn && xmlFirstElementChild(xn)
                     ? "the last term ('dt') of 'dl' has no definition "
                       "('dd') after it"
                     : "'dl' is empty: give it terms ('dt'), each "
                       "followed by its definition ('dd')");
            return;
        }
        expected_list(rest, "", list, sizeof(list), near, sizeof(near));
        snprintf(out, cap, "'%s' is missing %s%s", el,
                 strstr(list, " or ") ? "one of " : "",
                 list[0] ? list : "a part it needs");
        return;
    }
    if (quoted_after(rest, "The attribute '", &q, &qlen) &&
        strstr(rest, "is required but missing")) {
        snprintf(out, cap, "'%s' needs '%.*s'", el, (int)qlen, q);
        return;
    }
    if (attr[0] && strstr(rest, "is not allowed")) {
        if (lpi_schema_near_attr(el, attr, near, sizeof(near)))
            snprintf(out, cap, "'%s' has no '%s'; did you mean '%s'?", el,
                     attr, near);
        else
            snprintf(out, cap, "'%s' has no '%s'", el, attr);
        return;
    }
    if (strstr(rest, "Character content other than whitespace")) {
        snprintf(out, cap, "'%s' cannot hold text itself; put the text in "
                 "the parts it holds", el);
        return;
    }
    if (strstr(rest, "Element content is not allowed")) {
        snprintf(out, cap, "'%s' holds a value, not other elements", el);
        return;
    }
    {
        /* a value: pattern, type, enumeration or range */
        const char *name = attr[0] ? attr : el;
        const char *what = NULL;

        if (!quoted_after(rest, "The value '", &v, &vlen) &&
            !quoted_after(rest, "'", &v, &vlen))
            goto plain;
        if (strcmp(name, "answer") == 0 && xn &&
            xn->type == XML_ELEMENT_NODE) {
            /* the whole value: a list type reports each bad item, then
             * the list; both must come out as one message */
            xmlChar *whole = xmlGetProp(xn, (const xmlChar *)"answer");
            bool said = whole && lpi_answer_hint(xn, (const char *)whole,
                                                 strlen((const char *)whole),
                                                 out, cap) > 0;

            xmlFree(whole);
            if (said)
                return;
        }
        if (quoted_after(rest, "pattern '", &q, &qlen))
            what = kind_of_pattern(q, qlen);
        else if (quoted_after(rest, "atomic type '", &q, &qlen) ||
                 quoted_after(rest, "list type '", &q, &qlen))
            what = kind_of_type(q, qlen);
        if (what) {
            snprintf(out, cap, "%s is %s, not '%.*s'", name, what,
                     (int)vlen, v);
            return;
        }
        if (strstr(rest, "[facet 'enumeration']")) {
            const char *set = strchr(rest, '{');
            const char *end = set ? strchr(set, '}') : NULL;

            if (set && end) {
                snprintf(out, cap, "%s is one of %.*s, not '%.*s'", name,
                         (int)(end - set - 1), set + 1, (int)vlen, v);
                return;
            }
        }
        if (strstr(rest, "[facet 'maxInclusive']") &&
            quoted_after(rest, "allowed ('", &q, &qlen)) {
            snprintf(out, cap, "%s is at most %.*s, not %.*s", name,
                     (int)qlen, q, (int)vlen, v);
            return;
        }
        if (strstr(rest, "[facet 'maxLength']") ||
            strstr(rest, "[facet 'minLength']")) {
            snprintf(out, cap, "%s is too %s", name,
                     strstr(rest, "maxLength") ? "long" : "short");
            return;
        }
    }
plain:
    snprintf(out, cap, "%s", raw);
    if (out[0] >= 'A' && out[0] <= 'Z' && (out[1] < 'A' || out[1] > 'Z'))
        out[0] = (char)(out[0] - 'A' + 'a');
}
