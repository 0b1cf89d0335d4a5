/*
 * source_yaml.c - YAML sources onto the document model.
 *
 * The mapping (lp-curriculum(5), YAML MAPPING), the same for every element
 * so that no knowledge of the schema lives here:
 *
 *   - the document is a mapping with one key, the root element's name;
 *   - an element described by a mapping: a key with a scalar value is an
 *     attribute; a key with a mapping or sequence value is a child element
 *     of that name, described by the value; the key "_" holds the
 *     element's content (a scalar: text; a sequence: ordered children);
 *   - an element described by a sequence has ordered content: a scalar
 *     item is text, an item {name: value} is a child element;
 *   - an element described by a scalar holds that text.
 *
 * Anchors, aliases and tags are refused (no alias bombs), as are duplicate
 * keys, which libyaml itself lets through.  Every node records the line
 * and column of the key or scalar it came from.
 */
#include "lpi_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct ybuild {
    lp_project *p;
    lpi_srcfile *f;
    yaml_parser_t parser;
    yaml_event_t ev;
    bool have;       /* ev holds an event to delete */
    int rc;          /* <0: fatal (LP_ENOMEM) */
    bool failed;     /* a problem was reported; stop */
} ybuild;

static lpi_pos mark_pos(yaml_mark_t m)
{
    lpi_pos pos = { (unsigned)m.line + 1, (unsigned)m.column + 1 };
    return pos;
}

static void fail(ybuild *b, const char *code, yaml_mark_t m,
                 const char *fmt, ...) LPI_PRINTF(4, 5);

static void fail(ybuild *b, const char *code, yaml_mark_t m,
                 const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    if (b->failed)
        return;
    b->failed = true;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    lpi_diag(b->p, LP_SEVERITY_ERROR, code, b->f, NULL, mark_pos(m), "%s",
             msg);
}

/* libyaml's problems, in words an author can act on: what is likely
 * wrong on that line, and how to write it */
static const struct {
    const char *problem, *say;
} yaml_problems[] = {
    { "did not find expected key",
      "this line does not line up with the keys above it (check its "
      "indentation), or the line before lacks a ':'" },
    { "mapping values are not allowed in this context",
      "a ': ' inside a value: put the value in quotes (\"...\")" },
    { "did not find expected '-' indicator",
      "a list item must start with '- ' at the same indentation as the "
      "items above it" },
    { "could not find expected ':'",
      "a key lacks its ':', or a quoted text is not closed" },
    { "found unexpected end of stream",
      "the file ends inside a quoted text: a closing quote is missing" },
    { "did not find expected node content",
      "a value is missing after '- ' or ':'" },
    { "block sequence entries are not allowed in this context",
      "a '- ' list item where a value belongs: put the list on the lines "
      "below its key, indented" },
    { "found unknown escape character",
      "an unknown '\\' escape in a \"...\" text: write \\\\ for a "
      "backslash, or use '...' quotes" },
    { "found character that cannot start any token",
      "a value cannot start with this character (a tab, '@' or '`'): put "
      "the value in quotes, and indent with spaces" },
    { "found a tab character",
      "a tab where YAML needs spaces: indent with spaces" },
};

static void syntax_error(ybuild *b)
{
    const char *problem = b->parser.problem ? b->parser.problem
                                            : "invalid YAML";

    for (size_t i = 0; i < sizeof(yaml_problems) / sizeof(*yaml_problems);
         i++) {
        if (strncmp(problem, yaml_problems[i].problem,
                    strlen(yaml_problems[i].problem)) != 0)
            continue;
        /* where the block it breaks began, when that is another line */
        if (b->parser.context &&
            b->parser.context_mark.line != b->parser.problem_mark.line)
            fail(b, "syntax", b->parser.problem_mark, "%s; the block it "
                 "is in starts on line %zu", yaml_problems[i].say,
                 b->parser.context_mark.line + 1);
        else
            fail(b, "syntax", b->parser.problem_mark, "%s",
                 yaml_problems[i].say);
        return;
    }
    fail(b, "syntax", b->parser.problem_mark, "%s", problem);
}

/* The next event, with anchors, aliases and tags refused */
static bool next(ybuild *b)
{
    const yaml_char_t *anchor = NULL, *tag = NULL;

    if (b->have) {
        yaml_event_delete(&b->ev);
        b->have = false;
    }
    if (b->failed)
        return false;
    if (!yaml_parser_parse(&b->parser, &b->ev)) {
        if (b->parser.error == YAML_MEMORY_ERROR) {
            b->rc = lpi_nomem(b->p->ctx);
            b->failed = true;
            return false;
        }
        syntax_error(b);
        return false;
    }
    b->have = true;
    switch (b->ev.type) {
    case YAML_ALIAS_EVENT:
        fail(b, "unsafe", b->ev.start_mark,
             "YAML aliases are not allowed (*%s)",
             (const char *)b->ev.data.alias.anchor);
        return false;
    case YAML_SCALAR_EVENT:
        anchor = b->ev.data.scalar.anchor;
        tag = b->ev.data.scalar.tag;
        break;
    case YAML_SEQUENCE_START_EVENT:
        anchor = b->ev.data.sequence_start.anchor;
        tag = b->ev.data.sequence_start.tag;
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = b->ev.data.mapping_start.anchor;
        tag = b->ev.data.mapping_start.tag;
        break;
    default:
        break;
    }
    if (anchor) {
        fail(b, "unsafe", b->ev.start_mark,
             "YAML anchors are not allowed (&%s)", (const char *)anchor);
        return false;
    }
    if (tag) {
        fail(b, "unsafe", b->ev.start_mark,
             "YAML tags are not allowed (%s)", (const char *)tag);
        return false;
    }
    return true;
}

static bool setpos(ybuild *b, void *node, yaml_mark_t m)
{
    int rc = lpi_src_setpos(b->p, b->f, node, (unsigned)m.line + 1,
                            (unsigned)m.column + 1);
    if (rc < 0) {
        b->rc = rc;
        b->failed = true;
        return false;
    }
    return true;
}

static bool nomem(ybuild *b)
{
    b->rc = lpi_nomem(b->p->ctx);
    b->failed = true;
    return false;
}

/* A text node holding the current scalar.  libyaml allocates scalars
 * with malloc(): when libxml2 frees with free() too (its default), the
 * node takes the scalar as its content instead of a copy of it.  (Text up
 * to an embedded NUL, from a "\0" escape, either way.) */
static xmlNodePtr scalar_node(ybuild *b)
{
    xmlNodePtr t;

    if (b->ev.data.scalar.length > INT32_MAX)
        return NULL;
    if (xmlFree != (xmlFreeFunc)free || xmlMalloc != (xmlMallocFunc)malloc)
        return xmlNewDocTextLen(b->f->doc, b->ev.data.scalar.value,
                                (int)b->ev.data.scalar.length);
    t = xmlNewDocTextLen(b->f->doc, NULL, 0);
    if (t) {
        t->content = b->ev.data.scalar.value;
        b->ev.data.scalar.value = NULL;
    }
    return t;
}

static bool add_text(ybuild *b, xmlNodePtr el)
{
    xmlNodePtr t;

    if (b->ev.data.scalar.length == 0)
        return true;
    t = scalar_node(b);
    if (!t)
        return nomem(b);
    if (!setpos(b, t, b->ev.start_mark)) {
        xmlFreeNode(t);
        return false;
    }
    /* adjacent text merges into the previous node (t is freed then) */
    if (!xmlAddChild(el, t)) {
        xmlFreeNode(t);
        return nomem(b);
    }
    return true;
}

static bool valid_name(ybuild *b, const yaml_char_t *name, yaml_mark_t m)
{
    if (xmlValidateNCName(name, 0) != 0) {
        fail(b, "yaml-shape", m, "'%s' is not an element or attribute name",
             (const char *)name);
        return false;
    }
    return true;
}

static xmlNodePtr new_child(ybuild *b, xmlNodePtr parent,
                            const yaml_char_t *name, yaml_mark_t m)
{
    xmlNodePtr el = xmlNewDocNode(b->f->doc, NULL, name, NULL);

    if (!el) {
        nomem(b);
        return NULL;
    }
    if (!setpos(b, el, m)) {
        xmlFreeNode(el);
        return NULL;
    }
    if (parent)
        xmlAddChild(parent, el);
    else
        xmlDocSetRootElement(b->f->doc, el);
    return el;
}

static bool describe(ybuild *b, xmlNodePtr el, unsigned depth);

/* Ordered content: the current event is SEQUENCE_START */
static bool sequence(ybuild *b, xmlNodePtr el, unsigned depth)
{
    for (;;) {
        yaml_mark_t m;
        xmlNodePtr child;

        if (!next(b))
            return false;
        if (b->ev.type == YAML_SEQUENCE_END_EVENT)
            return true;
        if (b->ev.type == YAML_SCALAR_EVENT) {
            if (!add_text(b, el))
                return false;
            continue;
        }
        if (b->ev.type != YAML_MAPPING_START_EVENT) {
            fail(b, "yaml-shape", b->ev.start_mark, "a list item is text "
                 "or one element, as in '- p: text'");
            return false;
        }
        if (!next(b))
            return false;
        if (b->ev.type != YAML_SCALAR_EVENT) {
            fail(b, "yaml-shape", b->ev.start_mark, "a list item is text "
                 "or one element, as in '- p: text'");
            return false;
        }
        m = b->ev.start_mark;
        if (!valid_name(b, b->ev.data.scalar.value, m))
            return false;
        /* the name is copied (into the document's dictionary) before the
         * next event replaces this one */
        child = new_child(b, el, b->ev.data.scalar.value, m);
        if (!child || !next(b) || !describe(b, child, depth + 1))
            return false;
        if (!next(b))
            return false;
        if (b->ev.type != YAML_MAPPING_END_EVENT) {
            fail(b, "yaml-shape", b->ev.start_mark, "a list item describes "
                 "one element; start another item with '-'");
            return false;
        }
    }
}

/* Attributes and children: the current event is MAPPING_START */
static bool mapping(ybuild *b, xmlNodePtr el, unsigned depth)
{
    /* interned in the document's dictionary: equal keys are one pointer,
     * and they outlive the events they came from */
    const xmlChar *keys[LPI_MAX_MAP_KEYS];
    size_t nkeys = 0;

    for (;;) {
        yaml_mark_t m;
        const xmlChar *key;

        if (!next(b))
            return false;
        if (b->ev.type == YAML_MAPPING_END_EVENT)
            break;
        if (b->ev.type != YAML_SCALAR_EVENT) {
            fail(b, "yaml-shape", b->ev.start_mark,
                 "keys must be names");
            return false;
        }
        m = b->ev.start_mark;
        key = b->ev.data.scalar.value;
        if (strcmp((const char *)key, "_") != 0 && !valid_name(b, key, m))
            return false;
        key = xmlDictLookup(b->f->doc->dict, key, -1);
        if (!key)
            return nomem(b);
        for (size_t i = 0; i < nkeys; i++) {
            if (keys[i] == key) {
                fail(b, "yaml-shape", m, "duplicate key '%s'",
                     (const char *)key);
                return false;
            }
        }
        if (nkeys == LPI_MAX_MAP_KEYS) {
            fail(b, "limit", m, "more than %u keys in one mapping",
                 LPI_MAX_MAP_KEYS);
            return false;
        }
        keys[nkeys++] = key;
        if (!next(b))
            return false;
        if (key[0] == '_' && key[1] == '\0') {
            if (b->ev.type == YAML_MAPPING_START_EVENT) {
                fail(b, "yaml-shape", b->ev.start_mark, "'_' holds text or "
                     "a list of content, not a mapping");
                return false;
            }
            if (!describe(b, el, depth))
                return false;
        } else if (b->ev.type == YAML_SCALAR_EVENT) {
            xmlAttrPtr a = xmlNewProp(el, key, NULL);
            xmlNodePtr t = a ? scalar_node(b) : NULL;

            if (!t) {
                if (a) {
                    xmlUnlinkNode((xmlNodePtr)a);
                    xmlFreeProp(a);
                }
                return nomem(b);
            }
            /* as xmlNewProp(el, key, value) links its text */
            t->parent = (xmlNodePtr)a;
            a->children = a->last = t;
            if (!setpos(b, a, m))
                return false;
        } else {
            xmlNodePtr child = new_child(b, el, key, m);
            if (!child || !describe(b, child, depth + 1))
                return false;
        }
    }
    return true;
}

/* Describe el by the current event's node */
static bool describe(ybuild *b, xmlNodePtr el, unsigned depth)
{
    if (depth > LPI_MAX_SOURCE_DEPTH) {
        fail(b, "limit", b->ev.start_mark,
             "nested more than %u levels deep", LPI_MAX_SOURCE_DEPTH);
        return false;
    }
    switch (b->ev.type) {
    case YAML_SCALAR_EVENT:
        return add_text(b, el);
    case YAML_SEQUENCE_START_EVENT:
        return sequence(b, el, depth);
    case YAML_MAPPING_START_EVENT:
        return mapping(b, el, depth);
    default:
        fail(b, "yaml-shape", b->ev.start_mark, "unexpected YAML");
        return false;
    }
}

static void build(ybuild *b)
{
    xmlNodePtr root;
    yaml_mark_t m;

    if (!next(b) || b->ev.type != YAML_STREAM_START_EVENT || !next(b))
        return;
    if (b->ev.type == YAML_STREAM_END_EVENT) {
        fail(b, "yaml-shape", b->ev.start_mark, "the file is empty");
        return;
    }
    if (!next(b))
        return;
    if (b->ev.type != YAML_MAPPING_START_EVENT) {
        fail(b, "yaml-shape", b->ev.start_mark, "the file must be a mapping "
             "with one key, 'curriculum' or 'lesson'");
        return;
    }
    if (!next(b))
        return;
    if (b->ev.type != YAML_SCALAR_EVENT) {
        fail(b, "yaml-shape", b->ev.start_mark, "the file must be a mapping "
             "with one key, 'curriculum' or 'lesson'");
        return;
    }
    m = b->ev.start_mark;
    if (!valid_name(b, b->ev.data.scalar.value, m))
        return;
    root = new_child(b, NULL, b->ev.data.scalar.value, m);
    if (!root || !next(b) || !describe(b, root, 1) || !next(b))
        return;
    if (b->ev.type != YAML_MAPPING_END_EVENT) {
        fail(b, "yaml-shape", b->ev.start_mark, "the file must be a mapping "
             "with one key, 'curriculum' or 'lesson'");
        return;
    }
    if (!next(b))
        return;
    if (!next(b))
        return;
    if (b->ev.type != YAML_STREAM_END_EVENT)
        fail(b, "yaml-shape", b->ev.start_mark,
             "only one YAML document per file");
}

int lpi_yaml_load(lp_project *p, lpi_srcfile *f)
{
    ybuild b;

    memset(&b, 0, sizeof(b));
    b.p = p;
    b.f = f;
    if (!yaml_parser_initialize(&b.parser))
        return lpi_nomem(p->ctx);
    yaml_parser_set_input_string(&b.parser, (const unsigned char *)f->data,
                                 f->len);
    yaml_parser_set_encoding(&b.parser, YAML_UTF8_ENCODING);
    f->doc = xmlNewDoc((const xmlChar *)"1.0");
    /* names from a dictionary, as the XML parser does: one allocation per
     * distinct name instead of one per element and attribute */
    if (f->doc)
        f->doc->dict = xmlDictCreate();
    if (!f->doc || !f->doc->dict) {
        xmlFreeDoc(f->doc);
        f->doc = NULL;
        yaml_parser_delete(&b.parser);
        return lpi_nomem(p->ctx);
    }
    build(&b);
    if (b.have)
        yaml_event_delete(&b.ev);
    yaml_parser_delete(&b.parser);
    if (b.failed) {
        xmlFreeDoc(f->doc);
        f->doc = NULL;
    }
    return b.rc;
}
