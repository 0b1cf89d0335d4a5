/*
 * package.c - opening a package: the container checks and the manifest,
 * tied together into an object table; getters.
 *
 * Everything here runs before any content is read, so it only trusts what
 * it has checked: entry names, stored-only entries, sizes that agree.
 */
#include "lpi.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>
#include <zstd.h>

static int cmp_hash(const void *a, const void *b)
{
    return memcmp(((const lpi_object *)a)->hash,
                  ((const lpi_object *)b)->hash, LP_HASH_BYTES);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Read a whole (small) ZIP entry, at most max bytes */
static int read_small(lp_package *p, zip_uint64_t index, const char *name,
                      uint64_t size, size_t max, unsigned char **out)
{
    lp_ctx *ctx = p->ctx;
    zip_file_t *zf;
    unsigned char *buf;
    zip_int64_t n;

    if (size > max)
        return lpi_error(ctx, LP_ETOOBIG, "'%s' is larger than %zu bytes",
                         name, max);
    buf = lpi_malloc(ctx, (size_t)size + 1);
    if (!buf)
        return LP_ENOMEM;
    zf = zip_fopen_index(p->zip, index, 0); /* CRC checked here: small */
    if (!zf) {
        lpi_free(ctx, buf);
        return lpi_error(ctx, LP_EFORMAT, "cannot read '%s': %s", name,
                         zip_strerror(p->zip));
    }
    n = size ? zip_fread(zf, buf, size) : 0;
    if (n < 0 || (uint64_t)n != size) {
        lpi_error(ctx, LP_EFORMAT, "cannot read '%s': %s", name,
                  n < 0 ? zip_error_strerror(zip_file_get_error(zf))
                        : "short read");
        zip_fclose(zf);
        lpi_free(ctx, buf);
        return LP_EFORMAT;
    }
    zip_fclose(zf);
    buf[size] = '\0';
    *out = buf;
    return 0;
}

/* Classify one ZIP entry name; objects are appended to the table */
static int scan_entry(lp_package *p, zip_uint64_t i, const zip_stat_t *st,
                      size_t *cap, int64_t *manifest_index)
{
    lp_ctx *ctx = p->ctx;
    const char *name = st->name;
    size_t len = strlen(name);

    if (i == 0) {
        if (strcmp(name, LPI_MIMETYPE_NAME) != 0)
            return lpi_error(ctx, LP_EFORMAT,
                             "first entry is '%s', not '" LPI_MIMETYPE_NAME
                             "': not an lp package", name);
        return 0;
    }
    if (strcmp(name, LPI_MANIFEST_NAME) == 0) {
        *manifest_index = (int64_t)i;
        return 0;
    }
    if (strncmp(name, LPI_SIGNATURES_DIR, strlen(LPI_SIGNATURES_DIR)) == 0) {
        /* reserved for signatures; only their names are checked here */
        if (lpi_path_check(ctx, name, len) < 0) {
            lpi_error_prefix(ctx, "entry '%s'", name);
            return ctx->code = LP_EFORMAT;
        }
        return 0;
    }
    if (strncmp(name, LPI_OBJECTS_DIR, strlen(LPI_OBJECTS_DIR)) == 0) {
        const char *hex = name + strlen(LPI_OBJECTS_DIR);
        size_t hlen = len - strlen(LPI_OBJECTS_DIR);
        lpi_object *o;
        bool zst = hlen == LP_HASH_HEX_BYTES + strlen(LPI_ZST_SUFFIX) &&
                   strcmp(hex + LP_HASH_HEX_BYTES, LPI_ZST_SUFFIX) == 0;

        if (hlen != LP_HASH_HEX_BYTES && !zst)
            return lpi_error(ctx, LP_EFORMAT, "bad object name '%s'", name);
        if (lpi_grow(ctx, (void **)&p->objects, cap, p->nobjects + 1,
                     sizeof(*p->objects)) < 0)
            return LP_ENOMEM;
        o = &p->objects[p->nobjects];
        memset(o, 0, sizeof(*o));
        if (lpi_hash_unhex(o->hash, hex) < 0)
            return lpi_error(ctx, LP_EFORMAT, "bad object name '%s'", name);
        o->compressed = zst;
        o->stored_size = st->size;
        o->zip_index = i;
        o->first_entry = SIZE_MAX;
        p->nobjects++;
        return 0;
    }
    return lpi_error(ctx, LP_EFORMAT, "unexpected entry '%s'", name);
}

static int check_container(lp_package *p, int64_t *manifest_index)
{
    lp_ctx *ctx = p->ctx;
    zip_int64_t n = zip_get_num_entries(p->zip, 0);
    const char **names = NULL;
    size_t cap = 0;
    int rc = 0;

    if (n < 2)
        return lpi_error(ctx, LP_EFORMAT,
                         "not an lp package: fewer than two entries");
    if ((uint64_t)n > LPI_MAX_ZIP_ENTRIES)
        return lpi_error(ctx, LP_ETOOBIG, "more than %u ZIP entries",
                         LPI_MAX_ZIP_ENTRIES);
    names = lpi_calloc(ctx, (size_t)n, sizeof(*names));
    if (!names)
        return LP_ENOMEM;
    for (zip_int64_t i = 0; i < n && rc == 0; i++) {
        zip_stat_t st;

        if (zip_stat_index(p->zip, (zip_uint64_t)i, ZIP_FL_ENC_RAW, &st) < 0
            || !(st.valid & ZIP_STAT_NAME) || !(st.valid & ZIP_STAT_SIZE)) {
            rc = lpi_error(ctx, LP_EFORMAT, "entry %lld is unreadable: %s",
                           (long long)i, zip_strerror(p->zip));
            break;
        }
        names[i] = st.name;
        if (st.comp_method != ZIP_CM_STORE ||
            st.encryption_method != ZIP_EM_NONE || st.comp_size != st.size) {
            /* stored-only is what makes ZIP-level bombs impossible */
            rc = lpi_error(ctx, LP_EFORMAT, "entry '%s' is compressed or "
                           "encrypted by ZIP; lp packages store every entry",
                           st.name);
            break;
        }
        if (st.size > LP_MAX_ENTRY_BYTES + 1024 * 1024) {
            rc = lpi_error(ctx, LP_ETOOBIG, "entry '%s' is too large",
                           st.name);
            break;
        }
        rc = scan_entry(p, (zip_uint64_t)i, &st, &cap, manifest_index);
    }
    if (rc == 0) {
        lpi_sort(names, (size_t)n, sizeof(*names), cmp_str);
        for (zip_int64_t i = 1; i < n; i++)
            if (strcmp(names[i - 1], names[i]) == 0) {
                rc = lpi_error(ctx, LP_EFORMAT,
                               "entry '%s' appears twice", names[i]);
                break;
            }
    }
    lpi_free(ctx, (void *)names);
    if (rc == 0 && *manifest_index < 0)
        rc = lpi_error(ctx, LP_EFORMAT, "package has no manifest");
    return rc;
}

static int check_mimetype(lp_package *p)
{
    unsigned char *data = NULL;
    zip_stat_t st;
    int rc;

    if (zip_stat_index(p->zip, 0, ZIP_FL_ENC_RAW, &st) < 0)
        return lpi_error(p->ctx, LP_EFORMAT, "cannot read mimetype");
    rc = read_small(p, 0, LPI_MIMETYPE_NAME, st.size, 256, &data);
    if (rc == LP_ETOOBIG)
        rc = p->ctx->code = LP_EFORMAT;
    if (rc < 0)
        return rc;
    if (strcmp((char *)data, LPI_MIMETYPE) != 0)
        rc = lpi_error(p->ctx, LP_EFORMAT,
                       "mimetype is not '" LPI_MIMETYPE "'");
    lpi_free(p->ctx, data);
    return rc;
}

/* Tie every manifest entry to its object, and check sizes agree */
static int link_objects(lp_package *p)
{
    lp_ctx *ctx = p->ctx;

    lpi_sort(p->objects, p->nobjects, sizeof(*p->objects), cmp_hash);
    for (size_t i = 1; i < p->nobjects; i++)
        if (memcmp(p->objects[i - 1].hash, p->objects[i].hash,
                   LP_HASH_BYTES) == 0) {
            char hex[LP_HASH_HEX_BYTES + 1];
            lpi_hash_hex(hex, p->objects[i].hash);
            return lpi_error(ctx, LP_EFORMAT, "object %s is stored twice",
                             hex);
        }
    for (size_t i = 0; i < p->m.nentries; i++) {
        lpi_mentry *e = &p->m.entries[i];
        lpi_object key, *o;

        memcpy(key.hash, e->hash, LP_HASH_BYTES);
        o = p->nobjects ? bsearch(&key, p->objects, p->nobjects, sizeof(*o),
                                  cmp_hash) : NULL;
        if (!o) {
            char hex[LP_HASH_HEX_BYTES + 1];
            lpi_hash_hex(hex, e->hash);
            return lpi_error(ctx, LP_EFORMAT,
                             "entry '%s': object %s is missing", e->path, hex);
        }
        e->object = (size_t)(o - p->objects);
        if (o->first_entry == SIZE_MAX) {
            o->first_entry = i;
            o->size = e->size;
            if (!o->compressed ? o->stored_size != e->size
                : o->stored_size > ZSTD_compressBound((size_t)e->size))
                return lpi_error(ctx, LP_EFORMAT,
                                 "entry '%s': object holds %llu bytes, "
                                 "the manifest says %llu", e->path,
                                 (unsigned long long)o->stored_size,
                                 (unsigned long long)e->size);
        } else if (o->size != e->size) {
            return lpi_error(ctx, LP_EFORMAT,
                             "entries '%s' and '%s' share an object but "
                             "not a size", p->m.entries[o->first_entry].path,
                             e->path);
        }
    }
    for (size_t i = 0; i < p->nobjects; i++)
        if (p->objects[i].first_entry == SIZE_MAX) {
            char hex[LP_HASH_HEX_BYTES + 1];
            lpi_hash_hex(hex, p->objects[i].hash);
            return lpi_error(ctx, LP_EFORMAT,
                             "object %s is not in the manifest", hex);
        }
    return 0;
}

int lp_package_open(lp_package **out, lp_ctx *ctx, const char *path)
{
    lp_package *p;
    int64_t manifest_index = -1;
    zip_stat_t st;
    struct stat fst;
    int rc;

    LP_ASSERT_ARG(out && ctx && path);
    *out = NULL;
    p = lpi_calloc(ctx, 1, sizeof(*p));
    if (!p)
        return LP_ENOMEM;
    p->ctx = ctx;
    p->path = lpi_strdup(ctx, path);
    if (!p->path) {
        rc = LP_ENOMEM;
        goto fail;
    }
    if (stat(path, &fst) == 0 && S_ISDIR(fst.st_mode)) {
        rc = lpi_error(ctx, LP_EIO, "cannot open '%s': it is a folder",
                       path);
        goto fail;
    }
    rc = lpi_zip_open(&p->zip, ctx, path, true);
    if (rc < 0)
        goto fail;
    p->file_size = stat(path, &fst) == 0 ? (uint64_t)fst.st_size : 0;
    rc = check_container(p, &manifest_index);
    if (rc == 0)
        rc = check_mimetype(p);
    if (rc < 0)
        goto fail_named;
    if (zip_stat_index(p->zip, (zip_uint64_t)manifest_index, ZIP_FL_ENC_RAW,
                       &st) < 0) {
        rc = lpi_error(ctx, LP_EFORMAT, "cannot read the manifest");
        goto fail_named;
    }
    rc = read_small(p, (zip_uint64_t)manifest_index, LPI_MANIFEST_NAME,
                    st.size, LP_MAX_MANIFEST_BYTES, &p->manifest_bytes);
    if (rc < 0)
        goto fail_named;
    p->manifest_len = (size_t)st.size;
    rc = lpi_manifest_parse(&p->m, ctx, p->manifest_bytes, p->manifest_len);
    if (rc == 0)
        rc = link_objects(p);
    if (rc < 0)
        goto fail_named;
    *out = p;
    return 0;

fail_named:
    lpi_error_prefix(ctx, "'%s'", path);
fail:
    lp_package_free(p);
    return rc;
}

void lp_package_free(lp_package *p)
{
    if (!p)
        return;
    if (p->zip)
        zip_discard(p->zip);
    lpi_manifest_dispose(&p->m, p->ctx);
    lpi_free(p->ctx, p->manifest_bytes);
    lpi_free(p->ctx, p->objects);
    lpi_free(p->ctx, p->path);
    lpi_free(p->ctx, p);
}

unsigned lp_package_format(const lp_package *p) { return p->m.format; }
const char *lp_package_id(const lp_package *p) { return p->m.id; }
uint64_t lp_package_version(const lp_package *p) { return p->m.version; }
const char *lp_package_label(const lp_package *p) { return p->m.label; }
int64_t lp_package_created(const lp_package *p) { return p->m.created; }
uint64_t lp_package_file_size(const lp_package *p) { return p->file_size; }
size_t lp_package_entry_count(const lp_package *p) { return p->m.nentries; }
size_t lp_package_object_count(const lp_package *p) { return p->nobjects; }

size_t lp_package_language_count(const lp_package *p)
{
    return p->m.nlanguages;
}

const char *lp_package_language(const lp_package *p, size_t i)
{
    return i < p->m.nlanguages ? p->m.languages[i] : NULL;
}

const unsigned char *lp_package_manifest(const lp_package *p, size_t *len)
{
    if (len)
        *len = p->manifest_len;
    return p->manifest_bytes;
}

int lp_package_entry(const lp_package *p, size_t i, lp_entry_info *info)
{
    const lpi_mentry *e;
    const lpi_object *o;

    LP_ASSERT_ARG(p && info);
    if (i >= p->m.nentries)
        return lpi_error(p->ctx, LP_ENOTFOUND, "no entry number %zu", i);
    e = &p->m.entries[i];
    o = &p->objects[e->object];
    info->path = e->path;
    info->media_type = e->media_type;
    info->size = e->size;
    info->stored_size = o->stored_size;
    info->compressed = o->compressed;
    memcpy(info->hash, e->hash, LP_HASH_BYTES);
    lpi_hash_hex(info->hash_hex, e->hash);
    return 0;
}

int lp_package_find(const lp_package *p, const char *path, size_t *index)
{
    size_t lo = 0, hi;

    LP_ASSERT_ARG(p && path && index);
    hi = p->m.nentries;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcmp(path, p->m.entries[mid].path);

        if (cmp == 0) {
            *index = mid;
            return 0;
        }
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lpi_error(p->ctx, LP_ENOTFOUND, "'%s' is not in the package",
                     path);
}
