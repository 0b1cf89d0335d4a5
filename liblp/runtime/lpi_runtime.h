/*
 * lpi_runtime.h - internals of the runtime part (catalog.c, lesson.c,
 * answer.c, language.c, json.c): reading the documents lpc compiles into a
 * package (lpk(5), COMPILED CURRICULA).  It uses the package part and base
 * only, and of ICU only its common library (libicuuc): a phone carries it
 * without the curriculum compiler, libxml2, libyaml or libicui18n.
 */
#ifndef LPI_RUNTIME_H
#define LPI_RUNTIME_H

#include "lpi.h"
#include "lpi_package.h"

#include <json.h>

#define LPI_CATALOG_PATH "curriculum/catalog.json"
#define LPI_ASSIGNMENTS_PATH "curriculum/assignments.json"

/* Checking a parsed document: what is being checked, for messages such as
 * "curriculum/catalog.json: lessons.n1.title: not an object".  The first
 * failure is kept in rc (and the context); later ones are ignored, so the
 * checks can run on without testing every call. */
typedef struct lpi_jcheck {
    lp_ctx *ctx;
    const char *doc;       /* its name: a logical path, or "catalog" */
    int rc;
    size_t len;            /* of path */
    char path[192];        /* where in the document, e.g. "lessons.n1" */
} lpi_jcheck;

/* Parse len bytes of JSON (at most LP_MAX_DOCUMENT_BYTES, nested at most
 * LP_MAX_DOCUMENT_DEPTH) into an object whose "format" is "KIND N" with N
 * at most version; *out is freed with json_object_put() */
int lpi_json_parse(lp_ctx *ctx, const char *doc, const void *data,
                   size_t len, const char *kind, unsigned version,
                   json_object **out);

/* Descend into a member or an element (for messages); returns the length
 * to give lpi_jpop() to come back */
size_t lpi_jpush(lpi_jcheck *c, const char *key);
size_t lpi_jpush_index(lpi_jcheck *c, size_t i);
void lpi_jpop(lpi_jcheck *c, size_t len);
/* Record a failure at the current place (the first one only) */
int lpi_jfail(lpi_jcheck *c, int code, const char *what);

/* Member key of o with type t; NULL (and a failure unless optional) when
 * it is missing or of another type */
json_object *lpi_jget(lpi_jcheck *c, json_object *o, const char *key,
                      json_type t, bool optional);
/* A string member without NUL; NULL on failure (or missing and optional) */
const char *lpi_jstr(lpi_jcheck *c, json_object *o, const char *key,
                     bool optional);
/* A non-negative integer member */
uint64_t lpi_juint(lpi_jcheck *c, json_object *o, const char *key);
/* An array member whose elements are all strings without NUL */
json_object *lpi_jstrings(lpi_jcheck *c, json_object *o, const char *key);
/* v itself is a string without NUL (the element of an array, say) */
const char *lpi_jstring_of(lpi_jcheck *c, json_object *v);
/* One of the words in list (NULL-terminated): its index, or -1 */
int lpi_jenum(lpi_jcheck *c, json_object *o, const char *key,
              const char *const *list);

/* Elements of an array, 0 for NULL (json-c asserts on that) */
static inline size_t lpi_jlen(json_object *a)
{
    return a ? json_object_array_length(a) : 0;
}

/* Element i of an array, NULL if out of range; string element i of a
 * checked array of strings; string member key of object element i of a
 * checked array of objects (both NULL if out of range) */
json_object *lpi_jat(json_object *a, size_t i);
const char *lpi_jat_str(json_object *a, size_t i);
const char *lpi_jat_member(json_object *a, size_t i, const char *key);

/* Check every element of the array member key of o: each must be an
 * object, then fn checks it; returns the array (NULL on failure) */
typedef void lpi_jeach_fn(lpi_jcheck *c, json_object *item, void *arg);
json_object *lpi_jeach(lpi_jcheck *c, json_object *o, const char *key,
                       lpi_jeach_fn *fn, void *arg);

/* A parsed and checked document's bytes, read whole from a package with
 * its hash checked (ctx receives the errors), NUL-terminated */
int lpi_read_document(lp_ctx *ctx, lp_package *pkg, const char *path,
                      char **out, size_t *len);

/* Compare language tags the way the catalog does: ASCII case-insensitive */
bool lpi_tag_eq(const char *a, const char *b);

/* Answer checking (answer.c): numbers are base's lpi_number_valid() */

#endif /* LPI_RUNTIME_H */
