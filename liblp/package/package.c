/*
 * package.c - opening a package: lpk(5) "READING A PACKAGE" checks 1 to
 * 23, in its order, then getters.
 *
 * Everything here runs before any content is read, so it trusts only what
 * it has checked; content is checked as it is read (container.c).
 */
#include "lpi_package.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

static int cmp_hash(const void *a, const void *b)
{
    return memcmp(((const lpi_object *)a)->hash,
                  ((const lpi_object *)b)->hash, LP_HASH_BYTES);
}

/* Read a whole (small) entry and check its CRC-32 */
static int read_small(lp_package *p, size_t i, size_t max,
                      unsigned char **out)
{
    lp_ctx *ctx = p->ctx;
    const lpi_zentry *e = &p->zip.entries[i];
    unsigned char *buf;
    int rc;

    if (e->size > max)
        return lpi_error(ctx, LP_ETOOBIG, "'%s' is larger than %zu bytes",
                         e->name, max);
    buf = lpi_malloc(ctx, (size_t)e->size + 1);
    if (!buf)
        return LP_ENOMEM;
    rc = lpi_pread_full(ctx, p->fd, buf, (size_t)e->size, e->data);
    if (rc == 0 && lpi_crc32(0, buf, (size_t)e->size) != e->crc)
        rc = lpi_error(ctx, LP_EFORMAT, "'%s' fails its CRC-32 check",
                       e->name);
    if (rc < 0) {
        lpi_free(ctx, buf);
        return rc;
    }
    buf[e->size] = '\0';
    *out = buf;
    return 0;
}

/* Checks 4 to 6: the first two entries and the format version, which are
 * the same in every format version */
static int check_head(lp_package *p)
{
    lp_ctx *ctx = p->ctx;
    unsigned char *mt = NULL, head[32];
    const lpi_zentry *m = &p->zip.entries[1];
    size_t n;
    int rc;

    if (strcmp(p->zip.entries[0].name, LPI_MIMETYPE_NAME) != 0)
        return lpi_error(ctx, LP_EFORMAT, "first entry is '%s', not '"
                         LPI_MIMETYPE_NAME "': not an lp package",
                         p->zip.entries[0].name);
    if (strcmp(m->name, LPI_MANIFEST_NAME) != 0)
        return lpi_error(ctx, LP_EFORMAT, "second entry is '%s', not '"
                         LPI_MANIFEST_NAME "'", m->name);
    rc = lpi_zip_check_entry(&p->zip, ctx, 0);
    if (rc == 0)
        rc = lpi_zip_check_entry(&p->zip, ctx, 1);
    if (rc == 0 && p->zip.entries[0].offset != 0)
        rc = lpi_error(ctx, LP_EFORMAT, "data before the first entry");
    if (rc == 0)
        rc = read_small(p, 0, 64, &mt);
    if (rc == LP_ETOOBIG)
        rc = ctx->code = LP_EFORMAT;
    if (rc < 0)
        return rc;
    if (strcmp((char *)mt, LPI_MIMETYPE) != 0)
        rc = lpi_error(ctx, LP_EFORMAT, "mimetype is not '" LPI_MIMETYPE
                       "': not an lp package");
    lpi_free(ctx, mt);
    if (rc < 0)
        return rc;

    /* "lpk-manifest N\n" within the first 32 bytes */
    n = m->size < sizeof(head) ? (size_t)m->size : sizeof(head);
    rc = lpi_pread_full(ctx, p->fd, head, n, m->data);
    if (rc < 0)
        return rc;
    {
        size_t k = sizeof(LPI_MANIFEST_MAGIC), digits = 0;
        uint64_t v = 0;

        if (n <= k || memcmp(head, LPI_MANIFEST_MAGIC " ", k) != 0)
            return lpi_error(ctx, LP_EFORMAT, "manifest does not start with "
                             "'" LPI_MANIFEST_MAGIC " N'");
        while (k < n && head[k] >= '0' && head[k] <= '9' && digits < 10) {
            v = v * 10 + (uint64_t)(head[k++] - '0');
            digits++;
        }
        if (k < n && head[k] == '\n' && digits > 0 && digits <= 9 &&
            head[sizeof(LPI_MANIFEST_MAGIC)] != '0' && v > LP_FORMAT_VERSION)
            return lpi_error(ctx, LP_EVERSION, "package format %llu is newer "
                             "than this liblp supports (%d); upgrade liblp "
                             "to read it", (unsigned long long)v,
                             LP_FORMAT_VERSION);
    }
    return 0;
}

/* Check 9: entry names, kinds and order.  Objects go in the table. */
static int check_names(lp_package *p)
{
    lp_ctx *ctx = p->ctx;
    const size_t odir = strlen(LPI_OBJECTS_DIR);
    const size_t sdir = strlen(LPI_SIGNATURES_DIR);
    size_t nsig = 0;

    p->objects = lpi_calloc(ctx, p->zip.count, sizeof(*p->objects));
    if (!p->objects)
        return LP_ENOMEM;
    for (size_t i = 2; i < p->zip.count; i++) {
        const lpi_zentry *e = &p->zip.entries[i];
        const char *name = e->name;

        if (strncmp(name, LPI_OBJECTS_DIR, odir) == 0 && nsig == 0) {
            const char *hex = name + odir;
            size_t hlen = e->name_len - odir;
            bool zst = hlen == LP_HASH_HEX_BYTES + strlen(LPI_ZST_SUFFIX) &&
                       strcmp(hex + LP_HASH_HEX_BYTES, LPI_ZST_SUFFIX) == 0;
            lpi_object *o = &p->objects[p->nobjects];

            if ((hlen != LP_HASH_HEX_BYTES && !zst) ||
                lpi_hash_unhex(o->hash, hex) < 0)
                return lpi_error(ctx, LP_EFORMAT, "bad object name '%s'",
                                 name);
            o->compressed = zst;
            o->stored_size = e->size;
            o->offset = e->data;
            o->crc = e->crc;
            o->zip_index = i;
            o->first_entry = SIZE_MAX;
            p->nobjects++;
        } else if (strncmp(name, LPI_SIGNATURES_DIR, sdir) == 0) {
            /* reserved: names checked, content ignored in format 1 */
            const char *s = name + sdir;
            size_t len = e->name_len - sdir;
            bool ok = len >= 1 && len <= LP_MAX_NAME_BYTES && s[0] != '.';

            for (size_t k = 0; ok && k < len; k++)
                ok = (s[k] >= 'a' && s[k] <= 'z') ||
                     (s[k] >= 'A' && s[k] <= 'Z') ||
                     (s[k] >= '0' && s[k] <= '9') ||
                     s[k] == '.' || s[k] == '_' || s[k] == '-';
            if (!ok)
                return lpi_error(ctx, LP_EFORMAT, "bad signature entry name "
                                 "'%s'", name);
            if (++nsig > LP_MAX_SIGNATURES)
                return lpi_error(ctx, LP_ETOOBIG, "more than %u signatures",
                                 LP_MAX_SIGNATURES);
            for (size_t k = i - nsig + 1; k < i; k++)
                if (strcmp(p->zip.entries[k].name, name) == 0)
                    return lpi_error(ctx, LP_EFORMAT, "entry '%s' appears "
                                     "twice", name);
        } else if (strcmp(name, LPI_MIMETYPE_NAME) == 0 ||
                   strcmp(name, LPI_MANIFEST_NAME) == 0) {
            return lpi_error(ctx, LP_EFORMAT, "entry '%s' appears twice",
                             name);
        } else {
            return lpi_error(ctx, LP_EFORMAT, "unexpected entry '%s'%s", name,
                             nsig && strncmp(name, LPI_OBJECTS_DIR, odir) == 0
                             ? " after the signatures" : "");
        }
    }
    /* objects come in any order: sort them by hash for the lookups, and
     * the same content must not be stored twice (as HASH and HASH.zst,
     * or under one name twice) */
    lpi_sort(p->objects, p->nobjects, sizeof(*p->objects), cmp_hash);
    for (size_t i = 1; i < p->nobjects; i++)
        if (memcmp(p->objects[i - 1].hash, p->objects[i].hash,
                   LP_HASH_BYTES) == 0) {
            char hex[LP_HASH_HEX_BYTES + 1];
            lpi_hash_hex(hex, p->objects[i].hash);
            return lpi_error(ctx, LP_EFORMAT, "object '" LPI_OBJECTS_DIR
                             "%s' is stored twice", hex);
        }
    return 0;
}

static lpi_object *find_object(lp_package *p, const unsigned char *hash)
{
    lpi_object key;

    memcpy(key.hash, hash, LP_HASH_BYTES);
    return p->nobjects ? bsearch(&key, p->objects, p->nobjects,
                                 sizeof(key), cmp_hash) : NULL;
}

/* The manifest's dictionary: a stored object, read whole and checked now,
 * so that every compressed object that needs it can share it */
static int load_dictionary(lp_package *p)
{
    lp_ctx *ctx = p->ctx;
    lpi_object *o = find_object(p, p->m.dictionary);
    unsigned char *buf, h[LP_HASH_BYTES];
    int rc;

    if (!o)
        return lpi_error(ctx, LP_EFORMAT, "the dictionary object is missing");
    if (o->compressed)
        return lpi_error(ctx, LP_EFORMAT, "the dictionary object is "
                         "compressed; it must be stored as is");
    if (o->stored_size > LP_MAX_DICTIONARY_BYTES)
        return lpi_error(ctx, LP_ETOOBIG, "the dictionary is larger than %u "
                         "bytes", LP_MAX_DICTIONARY_BYTES);
    buf = lpi_malloc(ctx, (size_t)o->stored_size);
    if (!buf)
        return LP_ENOMEM;
    rc = lpi_pread_full(ctx, p->fd, buf, (size_t)o->stored_size, o->offset);
    if (rc == 0) {
        lpi_hasher hs;
        lpi_hash_init(&hs);
        lpi_hash_update(&hs, buf, (size_t)o->stored_size);
        lpi_hash_final(&hs, h);
        if (sodium_memcmp(h, o->hash, LP_HASH_BYTES) != 0)
            rc = lpi_error(ctx, LP_EHASH, "the dictionary's hash does not "
                           "match the manifest");
    }
    if (rc == 0) {
        p->dict_id = ZSTD_getDictID_fromDict(buf, (size_t)o->stored_size);
        if (p->dict_id == 0)
            rc = lpi_error(ctx, LP_EFORMAT, "the dictionary object is not a "
                           "Zstandard dictionary");
    }
    if (rc == 0) {
        p->ddict = ZSTD_createDDict(buf, (size_t)o->stored_size);
        if (!p->ddict)
            rc = lpi_error(ctx, LP_EFORMAT, "the dictionary object is not a "
                           "usable Zstandard dictionary");
    }
    lpi_free(ctx, buf);
    if (rc == 0) {
        o->size = o->stored_size;
        o->first_entry = LPI_DICT_ENTRY;
    }
    return rc;
}

/* Checks 19 to 22: every manifest entry tied to its object, sizes agree */
static int link_objects(lp_package *p)
{
    lp_ctx *ctx = p->ctx;

    if (p->m.has_dictionary) {
        int rc = load_dictionary(p);
        if (rc < 0)
            return rc;
    }

    for (size_t i = 0; i < p->m.nentries; i++) {
        lpi_mentry *e = &p->m.entries[i];
        lpi_object *o = find_object(p, e->hash);

        if (!o) {
            char hex[LP_HASH_HEX_BYTES + 1];
            lpi_hash_hex(hex, e->hash);
            return lpi_error(ctx, LP_EFORMAT,
                             "entry '%s': object %s is missing", e->path, hex);
        }
        e->object = (size_t)(o - p->objects);
        if (o->first_entry == LPI_DICT_ENTRY) {
            /* content that happens to be the dictionary: shared as is */
            if (o->size != e->size)
                return lpi_error(ctx, LP_EHASH, "entry '%s': object holds "
                                 "%llu bytes, the manifest says %llu",
                                 e->path, (unsigned long long)o->size,
                                 (unsigned long long)e->size);
            continue;
        }
        if (o->first_entry != SIZE_MAX) {
            if (o->size != e->size)
                return lpi_error(ctx, LP_EFORMAT, "entries '%s' and '%s' "
                                 "share an object but not a size",
                                 p->m.entries[o->first_entry].path, e->path);
            continue;
        }
        o->first_entry = i;
        o->size = e->size;
        if (!o->compressed && o->stored_size != e->size)
            return lpi_error(ctx, LP_EHASH, "entry '%s': object holds %llu "
                             "bytes, the manifest says %llu", e->path,
                             (unsigned long long)o->stored_size,
                             (unsigned long long)e->size);
        if (o->compressed) {
            bool needs_dict = false;
            int rc = lpi_frame_check(ctx, p->fd, o, e->path, p->dict_id,
                                     &needs_dict, &o->window);
            if (rc < 0)
                return rc;
            o->ddict = needs_dict ? p->ddict : NULL;
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

static int open_checked(lp_package *p)
{
    lp_ctx *ctx = p->ctx;
    int rc;

    rc = lpi_zip_open(&p->zip, ctx, p->fd, p->file_size);
    if (rc == 0)
        rc = check_head(p);
    for (size_t i = 2; rc == 0 && i < p->zip.count; i++)
        rc = lpi_zip_check_entry(&p->zip, ctx, i);
    if (rc == 0)
        rc = lpi_zip_check_layout(&p->zip, ctx);
    if (rc == 0)
        rc = check_names(p);
    if (rc == 0)
        rc = read_small(p, 1, LP_MAX_MANIFEST_BYTES, &p->manifest_bytes);
    if (rc < 0)
        return rc;
    p->manifest_len = (size_t)p->zip.entries[1].size;
    rc = lpi_manifest_parse(&p->m, ctx, p->manifest_bytes, p->manifest_len);
    if (rc == 0)
        rc = link_objects(p);
    return rc;
}

int lp_package_open(lp_package **out, lp_ctx *ctx, const char *path)
{
    lp_package *p;
    struct stat st;
    int rc;

    LP_ASSERT_ARG(out && ctx && path);
    *out = NULL;
    p = lpi_calloc(ctx, 1, sizeof(*p));
    if (!p)
        return LP_ENOMEM;
    p->ctx = ctx;
    p->zip.fd = -1;
    p->fd = lpi_open_input(ctx, AT_FDCWD, path, NULL, LPI_OPEN_FOLLOW, &st);
    if (p->fd < 0) {
        rc = p->fd;
        goto fail;
    }
    p->file_size = (uint64_t)st.st_size;
    p->path = lpi_strdup(ctx, path);
    if (!p->path) {
        rc = LP_ENOMEM;
        goto fail;
    }
    rc = open_checked(p);
    if (rc < 0) {
        lpi_error_prefix(ctx, "'%s'", path);
        goto fail;
    }
    *out = p;
    return 0;

fail:
    lp_package_free(p);
    return rc;
}

void lp_package_free(lp_package *p)
{
    if (!p)
        return;
    lpi_zip_dispose(&p->zip, p->ctx);
    ZSTD_freeDDict(p->ddict);
    if (p->fd >= 0)
        close(p->fd);
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

void lpi_manifest_hash(const lp_package *p, unsigned char out[LP_HASH_BYTES])
{
    lpi_hasher h;

    lpi_hash_init(&h);
    lpi_hash_update(&h, p->manifest_bytes, p->manifest_len);
    lpi_hash_final(&h, out);
}

void lp_package_manifest_hash(const lp_package *p,
                              char hex[LP_HASH_HEX_BYTES + 1])
{
    unsigned char h[LP_HASH_BYTES];

    lpi_manifest_hash(p, h);
    lpi_hash_hex(hex, h);
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
