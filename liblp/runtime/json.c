/*
 * json.c - the runtime's JSON: json-c, bounded (size before reading, depth
 * while parsing, strict RFC 8259 and UTF-8), and checked member by member
 * with messages that say where, so a hostile document is refused with a
 * clear error before any accessor relies on it.
 */
#include "lpi_runtime.h"

#include <stdio.h>
#include <string.h>

static const char *type_name(json_type t)
{
    switch (t) {
    case json_type_null: return "null";
    case json_type_boolean: return "a boolean";
    case json_type_double: return "a number with a fraction";
    case json_type_int: return "an integer";
    case json_type_object: return "an object";
    case json_type_array: return "an array";
    case json_type_string: return "a string";
    }
    return "unknown";
}

int lpi_jfail(lpi_jcheck *c, int code, const char *what)
{
    if (c->rc < 0)
        return c->rc;
    c->rc = code;
    if (c->len)
        return lpi_error(c->ctx, code, "%s: %s: %s", c->doc, c->path, what);
    return lpi_error(c->ctx, code, "%s: %s", c->doc, what);
}

size_t lpi_jpush(lpi_jcheck *c, const char *key)
{
    size_t was = c->len;
    int n = snprintf(c->path + c->len, sizeof(c->path) - c->len, "%s%s",
                     c->len ? "." : "", key);

    /* a long path is cut short in messages, nothing else */
    if (n > 0)
        c->len += (size_t)n < sizeof(c->path) - c->len ?
                  (size_t)n : sizeof(c->path) - c->len - 1;
    return was;
}

size_t lpi_jpush_index(lpi_jcheck *c, size_t i)
{
    char k[32];

    snprintf(k, sizeof(k), "%zu", i);
    return lpi_jpush(c, k);
}

void lpi_jpop(lpi_jcheck *c, size_t len)
{
    c->len = len;
    c->path[len] = '\0';
}

json_object *lpi_jget(lpi_jcheck *c, json_object *o, const char *key,
                      json_type t, bool optional)
{
    json_object *v = NULL;
    char what[96];
    size_t was;

    if (c->rc < 0 || !o)
        return NULL;
    if (!json_object_object_get_ex(o, key, &v)) {
        if (!optional) {
            snprintf(what, sizeof(what), "member '%s' is missing", key);
            lpi_jfail(c, LP_EFORMAT, what);
        }
        return NULL;
    }
    if (json_object_get_type(v) != t) {
        was = lpi_jpush(c, key);
        snprintf(what, sizeof(what), "is %s, not %s",
                 type_name(json_object_get_type(v)), type_name(t));
        lpi_jfail(c, LP_EFORMAT, what);
        lpi_jpop(c, was);
        return NULL;
    }
    return v;
}

const char *lpi_jstring_of(lpi_jcheck *c, json_object *v)
{
    const char *s;

    if (c->rc < 0)
        return NULL;
    if (json_object_get_type(v) != json_type_string) {
        char what[64];
        snprintf(what, sizeof(what), "is %s, not a string",
                 type_name(json_object_get_type(v)));
        lpi_jfail(c, LP_EFORMAT, what);
        return NULL;
    }
    s = json_object_get_string(v);
    if (strlen(s) != (size_t)json_object_get_string_len(v)) {
        lpi_jfail(c, LP_EFORMAT, "a string holds a NUL character (\\u0000)");
        return NULL;
    }
    return s;
}

const char *lpi_jstr(lpi_jcheck *c, json_object *o, const char *key,
                     bool optional)
{
    json_object *v = lpi_jget(c, o, key, json_type_string, optional);
    const char *s;
    size_t was;

    if (!v)
        return NULL;
    was = lpi_jpush(c, key);
    s = lpi_jstring_of(c, v);
    lpi_jpop(c, was);
    return s;
}

uint64_t lpi_juint(lpi_jcheck *c, json_object *o, const char *key)
{
    json_object *v = lpi_jget(c, o, key, json_type_int, false);
    size_t was;

    if (!v)
        return 0;
    if (json_object_get_int64(v) < 0) {
        was = lpi_jpush(c, key);
        lpi_jfail(c, LP_EFORMAT, "is negative");
        lpi_jpop(c, was);
        return 0;
    }
    return json_object_get_uint64(v);
}

json_object *lpi_jstrings(lpi_jcheck *c, json_object *o, const char *key)
{
    json_object *a = lpi_jget(c, o, key, json_type_array, false);
    size_t was;

    if (!a)
        return NULL;
    was = lpi_jpush(c, key);
    for (size_t i = 0; i < lpi_jlen(a) && c->rc >= 0; i++) {
        size_t w2 = lpi_jpush_index(c, i);
        (void)lpi_jstring_of(c, json_object_array_get_idx(a, i));
        lpi_jpop(c, w2);
    }
    lpi_jpop(c, was);
    return c->rc < 0 ? NULL : a;
}

int lpi_jenum(lpi_jcheck *c, json_object *o, const char *key,
              const char *const *list)
{
    const char *s = lpi_jstr(c, o, key, false);
    char what[128];
    size_t was;

    if (!s)
        return -1;
    for (int i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return i;
    was = lpi_jpush(c, key);
    snprintf(what, sizeof(what), "'%.60s' is not a value lpk(5) defines", s);
    lpi_jfail(c, LP_EFORMAT, what);
    lpi_jpop(c, was);
    return -1;
}

json_object *lpi_jat(json_object *a, size_t i)
{
    return i < lpi_jlen(a) ? json_object_array_get_idx(a, i) : NULL;
}

const char *lpi_jat_str(json_object *a, size_t i)
{
    json_object *v = lpi_jat(a, i);

    return v ? json_object_get_string(v) : NULL;
}

const char *lpi_jat_member(json_object *a, size_t i, const char *key)
{
    json_object *v = lpi_jat(a, i);

    return v ? json_object_get_string(json_object_object_get(v, key)) : NULL;
}

json_object *lpi_jeach(lpi_jcheck *c, json_object *o, const char *key,
                       lpi_jeach_fn *fn, void *arg)
{
    json_object *a = lpi_jget(c, o, key, json_type_array, false);
    size_t was = lpi_jpush(c, key);

    for (size_t i = 0; i < lpi_jlen(a) && c->rc >= 0; i++) {
        json_object *v = json_object_array_get_idx(a, i);
        size_t w2 = lpi_jpush_index(c, i);

        if (json_object_get_type(v) != json_type_object)
            lpi_jfail(c, LP_EFORMAT, "is not an object");
        else
            fn(c, v, arg);
        lpi_jpop(c, w2);
    }
    lpi_jpop(c, was);
    return c->rc < 0 ? NULL : a;
}

bool lpi_tag_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

/* "KIND N": N must be a version this library reads */
static int check_format(lpi_jcheck *c, json_object *root, const char *kind,
                        unsigned version)
{
    const char *f = lpi_jstr(c, root, "format", false);
    size_t k = strlen(kind);
    uint64_t n;

    if (!f)
        return c->rc;
    if (strncmp(f, kind, k) != 0 || f[k] != ' ' ||
        lpi_parse_u64(f + k + 1, strlen(f + k + 1), UINT32_MAX, &n) < 0 ||
        n == 0) {
        c->rc = lpi_error(c->ctx, LP_EFORMAT,
                          "%s: format '%.60s' is not '%s N': not a document "
                          "of this kind", c->doc, f, kind);
        return c->rc;
    }
    if (n > version) {
        c->rc = lpi_error(c->ctx, LP_EVERSION,
                          "%s: format '%.60s' is newer than this library "
                          "reads ('%s %u'): upgrade lp", c->doc, f, kind,
                          version);
        return c->rc;
    }
    return 0;
}

int lpi_json_parse(lp_ctx *ctx, const char *doc, const void *data,
                   size_t len, const char *kind, unsigned version,
                   json_object **out)
{
    lpi_jcheck c = { ctx, doc, 0, 0, "" };
    json_tokener *tok;
    json_object *root;
    enum json_tokener_error err;
    size_t end;

    *out = NULL;
    if (len > LP_MAX_DOCUMENT_BYTES)
        return lpi_error(ctx, LP_ETOOBIG, "%s: %zu bytes, more than the "
                         "%u a document may have", doc, len,
                         LP_MAX_DOCUMENT_BYTES);
    tok = json_tokener_new_ex((int)LP_MAX_DOCUMENT_DEPTH);
    if (!tok)
        return lpi_nomem(ctx);
    /* strict: RFC 8259 only, nothing but white space after the value */
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
                           JSON_TOKENER_VALIDATE_UTF8);
    root = json_tokener_parse_ex(tok, data, (int)len);
    err = json_tokener_get_error(tok);
    end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (err == json_tokener_continue) {
        json_object_put(root);
        return lpi_error(ctx, LP_EFORMAT, "%s: the JSON ends early (%zu "
                         "bytes)", doc, len);
    }
    if (err == json_tokener_error_depth) {
        json_object_put(root);
        return lpi_error(ctx, LP_ETOOBIG, "%s: JSON nested more than %u "
                         "levels deep, at byte %zu", doc,
                         LP_MAX_DOCUMENT_DEPTH, end);
    }
    if (err == json_tokener_error_size) {
        json_object_put(root);
        return lpi_error(ctx, LP_ETOOBIG, "%s: a JSON string, array or "
                         "object too large for json-c, at byte %zu", doc,
                         end);
    }
    if (err != json_tokener_success || !root) {
        json_object_put(root);
        return lpi_error(ctx, LP_EFORMAT, "%s: not JSON (RFC 8259) in "
                         "UTF-8: %s, at byte %zu", doc,
                         json_tokener_error_desc(err), end);
    }
    if (json_object_get_type(root) != json_type_object) {
        json_object_put(root);
        return lpi_error(ctx, LP_EFORMAT, "%s: the document is not a JSON "
                         "object", doc);
    }
    if (check_format(&c, root, kind, version) < 0) {
        json_object_put(root);
        return c.rc;
    }
    *out = root;
    return 0;
}

int lpi_read_document(lp_ctx *ctx, lp_package *pkg, const char *path,
                      char **out, size_t *len)
{
    size_t i;
    const lpi_mentry *e;
    const lpi_object *obj;
    char *buf;
    int rc;

    *out = NULL;
    *len = 0;
    if (lpi_package_lookup(pkg, path, &i) < 0)
        return lpi_error(ctx, LP_ENOTFOUND, "'%s' is not in the package",
                         path);
    e = &pkg->m.entries[i];
    obj = &pkg->objects[e->object];
    /* the manifest's size, checked before anything is allocated */
    if (e->size > LP_MAX_DOCUMENT_BYTES)
        return lpi_error(ctx, LP_ETOOBIG, "%s: %llu bytes, more than the "
                         "%u a document may have", path,
                         (unsigned long long)e->size, LP_MAX_DOCUMENT_BYTES);
    buf = lpi_malloc(ctx, (size_t)e->size + 1);
    if (!buf)
        return lpi_nomem(ctx);
    rc = lpi_object_read_all(ctx, pkg, obj, (unsigned char *)buf);
    if (rc < 0) {
        lpi_free(ctx, buf);
        return lpi_error_prefix(ctx, "%s", path);
    }
    buf[e->size] = '\0';
    *out = buf;
    *len = (size_t)e->size;
    return 0;
}
