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
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

/* The first 8 bytes of a hash as a number that sorts like the bytes */
static uint64_t hash_key(const unsigned char *h)
{
    uint64_t k = 0;

    for (int i = 0; i < 8; i++)
        k = k << 8 | h[i];
    return k;
}

typedef struct okey {
    uint64_t key;
    unsigned char hash[LP_HASH_BYTES];
    size_t zip_index;
    bool compressed;
    bool jxl;
} okey;

static int cmp_okey(const void *a, const void *b)
{
    const okey *x = a, *y = b;

    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return memcmp(x->hash, y->hash, LP_HASH_BYTES);
}

/* A hash's sort key and whose it is, for radix_sort() */
typedef struct rkey {
    uint64_t key;
    size_t index;
} rkey;

/* One stable counting pass on the 16 bits of the keys at shift */
static void radix_pass(rkey *a, rkey *tmp, size_t *count, size_t n,
                       unsigned shift)
{
    size_t sum = 0;

    memset(count, 0, 65536 * sizeof(*count));
    for (size_t i = 0; i < n; i++)
        count[(a[i].key >> shift) & 0xffff]++;
    for (size_t d = 0; d < 65536; d++) {
        size_t c = count[d];
        count[d] = sum;
        sum += c;
    }
    for (size_t i = 0; i < n; i++)
        tmp[count[(a[i].key >> shift) & 0xffff]++] = a[i];
    memcpy(a, tmp, n * sizeof(*a));
}

/* Finish a sort by the whole key with insertion, which is stable; false
 * if that would take more than budget moves (then a is a permutation in
 * some other order) */
static bool insertion_finish(rkey *a, size_t n, size_t budget)
{
    for (size_t i = 1; i < n; i++) {
        rkey t = a[i];
        size_t k = i;

        while (k > 0 && a[k - 1].key > t.key) {
            if (budget-- == 0) {
                a[k] = t;
                return false;
            }
            a[k] = a[k - 1];
            k--;
        }
        a[k] = t;
    }
    return true;
}

/* Sort by key, keeping the order of equal keys.  Opening sorts 100,000s
 * of hashes, which are uniform: two passes of 16 bits on the top half
 * leave only keys sharing 32 bits (about one pair in 100,000) out of
 * order, and insertion finishes.  Many keys sharing 32 bits (hostile
 * names) would make insertion quadratic: past a budget of moves, the two
 * low passes and two high ones sort fully, so the cost stays linear. */
static int radix_sort(lp_ctx *ctx, rkey *a, size_t n)
{
    rkey *tmp = lpi_malloc(ctx, (n ? n : 1) * sizeof(*tmp));
    size_t *count = lpi_malloc(ctx, 65536 * sizeof(*count));

    if (!tmp || !count) {
        lpi_free(ctx, tmp);
        lpi_free(ctx, count);
        return LP_ENOMEM;
    }
    radix_pass(a, tmp, count, n, 32);
    radix_pass(a, tmp, count, n, 48);
    if (!insertion_finish(a, n, 4 * n + 64))
        for (unsigned shift = 0; shift < 64; shift += 16)
            radix_pass(a, tmp, count, n, shift);
    lpi_free(ctx, tmp);
    lpi_free(ctx, count);
    return 0;
}

/* The object table, sorted by hash, from the objects' names (keys): small
 * keys are sorted, then the table made in that order; p->okeys keeps each
 * object's key for find_object() */
static int make_objects(lp_package *p, okey *keys, size_t n)
{
    lp_ctx *ctx = p->ctx;
    rkey *order = lpi_malloc(ctx, (n ? n : 1) * sizeof(*order));
    int rc;

    if (!order)
        return LP_ENOMEM;
    for (size_t i = 0; i < n; i++)
        order[i] = (rkey){ keys[i].key, i };
    rc = radix_sort(ctx, order, n);
    /* equal keys (8 equal bytes: rare) are put in full hash order */
    for (size_t i = 1; rc == 0 && i < n; i++)
        for (size_t k = i; k > 0 && order[k - 1].key == order[k].key &&
             cmp_okey(&keys[order[k - 1].index], &keys[order[k].index]) > 0;
             k--) {
            rkey t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    if (rc == 0) {
        p->objects = lpi_calloc(ctx, n ? n : 1, sizeof(*p->objects));
        p->okeys = lpi_malloc(ctx, (n ? n : 1) * sizeof(*p->okeys));
        if (!p->objects || !p->okeys)
            rc = LP_ENOMEM;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const okey *k = &keys[order[i].index];
        lpi_object *o = &p->objects[i];

        /* stored_size and crc are filled by tie_zip_entry(), in ZIP
         * order: here, in hash order, every read of the ZIP entry would
         * miss the cache */
        memcpy(o->hash, k->hash, LP_HASH_BYTES);
        o->compressed = k->compressed;
        o->jxl = k->jxl;
        o->zip_index = k->zip_index;
        o->first_entry = SIZE_MAX;
        p->okeys[i] = k->key;
    }
    lpi_free(ctx, order);
    if (rc == 0)
        p->nobjects = n;
    return rc;
}

/* The manifest's entries in the order of their hashes' first 8 bytes,
 * for match_entries(); made where the manifest is loaded (on its thread
 * for a large package) */
static int sort_entries(lp_package *p, lp_ctx *ctx, rkey **out)
{
    size_t n = p->m.nentries;
    rkey *order = lpi_malloc(ctx, (n ? n : 1) * sizeof(*order));
    int rc;

    *out = NULL;
    if (!order)
        return LP_ENOMEM;
    for (size_t i = 0; i < n; i++)
        order[i] = (rkey){ hash_key(p->m.entries[i].hash), i };
    rc = radix_sort(ctx, order, n);
    if (rc < 0) {
        lpi_free(ctx, order);
        return rc;
    }
    *out = order;
    return 0;
}

/* Each manifest entry's object (e->object), SIZE_MAX if it has none: the
 * entries sorted by hash (order) and the objects walked side by side,
 * which reads the object table in order instead of searching it 100,000s
 * of times at random */
static void match_entries(lp_package *p, const rkey *order)
{
    size_t o = 0;

    for (size_t i = 0; i < p->m.nentries; i++) {
        lpi_mentry *e = &p->m.entries[order[i].index];
        size_t k;

        while (o < p->nobjects && p->okeys[o] < order[i].key)
            o++;
        e->object = SIZE_MAX;
        for (k = o; k < p->nobjects && p->okeys[k] == order[i].key; k++)
            if (memcmp(p->objects[k].hash, e->hash, LP_HASH_BYTES) == 0) {
                e->object = k;
                break;
            }
    }
}

/* Read a whole (small) entry and check its CRC-32 */
static int read_small(lp_package *p, lp_ctx *ctx, size_t i, size_t max,
                      unsigned char **out)
{
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
        rc = read_small(p, ctx, 0, 64, &mt);
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
        /* which object names check 9 allows; the manifest parser makes
         * the full check of this line */
        p->head_format = (unsigned)v;
    }
    return 0;
}

/* Check 9: entry names, kinds and order.  Objects go in the table. */
static int check_names(lp_package *p)
{
    lp_ctx *ctx = p->ctx;
    const size_t odir = strlen(LPI_OBJECTS_DIR);
    const size_t sdir = strlen(LPI_SIGNATURES_DIR);
    size_t nsig = 0, n = 0;
    okey *keys = lpi_malloc(ctx, p->zip.count * sizeof(*keys));
    int rc = 0;

    if (!keys)
        return LP_ENOMEM;
    for (size_t i = 2; rc == 0 && i < p->zip.count; i++) {
        const lpi_zentry *e = &p->zip.entries[i];
        const char *name = e->name;

        if (strncmp(name, LPI_OBJECTS_DIR, odir) == 0 && nsig == 0) {
            const char *hex = name + odir;
            size_t hlen = e->name_len - odir;
            bool zst = hlen == LP_HASH_HEX_BYTES + strlen(LPI_ZST_SUFFIX) &&
                       strcmp(hex + LP_HASH_HEX_BYTES, LPI_ZST_SUFFIX) == 0;
            /* JPEG XL objects came with format 2 */
            bool jxl = hlen == LP_HASH_HEX_BYTES + strlen(LPI_JXL_SUFFIX) &&
                       strcmp(hex + LP_HASH_HEX_BYTES, LPI_JXL_SUFFIX) == 0
                       && p->head_format >= 2;
            okey *k = &keys[n++];

            if ((hlen != LP_HASH_HEX_BYTES && !zst && !jxl) ||
                lpi_hash_unhex(k->hash, hex) < 0)
                rc = lpi_error(ctx, LP_EFORMAT, "bad object name '%s'",
                               name);
            else if (jxl && !lpi_jxl_available())
                rc = lpi_error(ctx, LP_EVERSION, LPI_JXL_MISSING);
            k->key = hash_key(k->hash);
            k->compressed = zst;
            k->jxl = jxl;
            k->zip_index = i;
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
                rc = lpi_error(ctx, LP_EFORMAT, "bad signature entry name "
                               "'%s'", name);
            else if (++nsig > LP_MAX_SIGNATURES)
                rc = lpi_error(ctx, LP_ETOOBIG, "more than %u signatures",
                               LP_MAX_SIGNATURES);
            for (size_t k = i - nsig + 1; rc == 0 && k < i; k++)
                if (strcmp(p->zip.entries[k].name, name) == 0)
                    rc = lpi_error(ctx, LP_EFORMAT, "entry '%s' appears "
                                   "twice", name);
        } else if (strcmp(name, LPI_MIMETYPE_NAME) == 0 ||
                   strcmp(name, LPI_MANIFEST_NAME) == 0) {
            rc = lpi_error(ctx, LP_EFORMAT, "entry '%s' appears twice",
                           name);
        } else {
            rc = lpi_error(ctx, LP_EFORMAT, "unexpected entry '%s'%s", name,
                           nsig && strncmp(name, LPI_OBJECTS_DIR, odir) == 0
                           ? " after the signatures" : "");
        }
    }
    /* objects come in any order: sort them by hash for the lookups, and
     * the same content must not be stored twice (as HASH and HASH.zst,
     * or under one name twice) */
    if (rc == 0)
        rc = make_objects(p, keys, n);
    lpi_free(ctx, keys);
    if (rc < 0)
        return rc;
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
    uint64_t key = hash_key(hash);
    size_t n = p->nobjects, lo = 0, hi = n, guess, step = 1;

    /* the first object whose key is not below key, in the small keys.
     * Hashes are uniform, so where a key lies is known within a few
     * hundred places: search outwards from there, then halve (a hostile
     * manifest's made-up hashes only cost the usual halving) */
    guess = n ? (size_t)(((key >> 32) * (uint64_t)n) >> 32) : 0;
    if (guess < n && p->okeys[guess] < key) {
        lo = guess + 1;
        while (lo + step < n && p->okeys[lo + step] < key) {
            lo += step + 1;
            step *= 2;
        }
        hi = lo + step < n ? lo + step + 1 : n;
    } else if (guess < n) {
        hi = guess;
        while (hi > step && p->okeys[hi - step] >= key) {
            hi -= step;
            step *= 2;
        }
        lo = hi > step ? hi - step : 0;
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (p->okeys[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < p->nobjects && p->okeys[lo] == key; lo++)
        if (memcmp(p->objects[lo].hash, hash, LP_HASH_BYTES) == 0)
            return &p->objects[lo];
    return NULL;
}

/* An object's size and CRC as its ZIP entry has them */
static void tie_zip_entry(lp_package *p, lpi_object *o)
{
    const lpi_zentry *z = &p->zip.entries[o->zip_index];

    o->stored_size = z->size;
    o->crc = z->crc;
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
    tie_zip_entry(p, o);
    if (o->compressed || o->jxl)
        return lpi_error(ctx, LP_EFORMAT, "the dictionary object is "
                         "compressed; it must be stored as is");
    if (o->stored_size > LP_MAX_DICTIONARY_BYTES)
        return lpi_error(ctx, LP_ETOOBIG, "the dictionary is larger than %u "
                         "bytes", LP_MAX_DICTIONARY_BYTES);
    rc = lpi_zip_entry_ready(&p->zip, ctx, o->zip_index);
    if (rc < 0)
        return rc;
    o->offset = p->zip.entries[o->zip_index].data;
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
        atomic_store_explicit(&o->ready, 1, memory_order_release);
    }
    return rc;
}

/* Checks 19 to 22: every manifest entry tied to its object, sizes agree */
static int link_objects(lp_package *p, const rkey *order)
{
    lp_ctx *ctx = p->ctx;
    int rc = p->m.has_dictionary ? load_dictionary(p) : 0;

    if (rc < 0)
        return rc;
    match_entries(p, order);
    for (size_t i = 0; i < p->m.nentries; i++) {
        lpi_mentry *e = &p->m.entries[i];
        lpi_object *o = e->object == SIZE_MAX ? NULL
                                               : &p->objects[e->object];

        if (!o) {
            char hex[LP_HASH_HEX_BYTES + 1];
            lpi_hash_hex(hex, e->hash);
            return lpi_error(ctx, LP_EFORMAT,
                             "entry '%s': object %s is missing", e->path, hex);
        }
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
        tie_zip_entry(p, o);   /* entries come in about the ZIP's order */
        if (!o->compressed && !o->jxl && o->stored_size != e->size)
            return lpi_error(ctx, LP_EHASH, "entry '%s': object holds %llu "
                             "bytes, the manifest says %llu", e->path,
                             (unsigned long long)o->stored_size,
                             (unsigned long long)e->size);
        /* a picture is rebuilt whole in memory: both sizes bounded */
        if (o->jxl && e->size > LPI_JXL_MAX_BYTES)
            return lpi_error(ctx, LP_ETOOBIG, "entry '%s': a JPEG XL object "
                             "of more than %u bytes", e->path,
                             LPI_JXL_MAX_BYTES);
        if (o->jxl && o->stored_size >= e->size)
            return lpi_error(ctx, LP_EFORMAT, "entry '%s': its JPEG XL "
                             "object is not smaller than its content",
                             e->path);
        /* the frame header (check 22) is read on first use */
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

/* The manifest's chunk hash lines, each tied to its object */
static int link_chunks(lp_package *p)
{
    lp_ctx *ctx = p->ctx;

    for (size_t i = 0; i < p->m.nchunks; i++) {
        const lpi_mchunks *c = &p->m.chunks[i];
        lpi_object *o = find_object(p, c->hash);
        char hex[LP_HASH_HEX_BYTES + 1];
        uint64_t n;

        lpi_hash_hex(hex, c->hash);
        if (!o || o->first_entry == LPI_DICT_ENTRY)
            return lpi_error(ctx, LP_EFORMAT, "chunk hashes for %s, which "
                             "no entry has", hex);
        n = o->size / c->chunk_size + (o->size % c->chunk_size != 0);
        if (n != c->count)
            return lpi_error(ctx, LP_EFORMAT, "object %s has %llu chunks of "
                             "%u bytes, its chunks line %zu", hex,
                             (unsigned long long)n, c->chunk_size, c->count);
        if (o->chunk_hex &&
            (o->chunk_size != c->chunk_size ||
             memcmp(o->chunk_hex, c->hex, c->count * LP_HASH_HEX_BYTES)))
            return lpi_error(ctx, LP_EFORMAT, "chunks lines for object %s "
                             "disagree", hex);
        o->chunk_hex = c->hex;
        o->chunk_size = c->chunk_size;
    }
    return 0;
}

/* Check 10 on: the manifest read whole (its CRC-32 checked) and parsed,
 * and its entries sorted for match_entries() into *order */
static int load_manifest(lp_package *p, lp_ctx *ctx, rkey **order)
{
    int rc = read_small(p, ctx, 1, LP_MAX_MANIFEST_BYTES, &p->manifest_bytes);

    if (rc < 0)
        return rc;
    p->manifest_len = (size_t)p->zip.entries[1].size;
    rc = lpi_manifest_parse(&p->m, ctx, p->manifest_bytes, p->manifest_len);
    return rc < 0 ? rc : sort_entries(p, ctx, order);
}

/* From this size of manifest on (about 8,000 entries), the manifest is
 * loaded on a second thread while the first checks the ZIP directory and
 * the object names: the two halves share nothing until the entries are
 * matched to their objects, and the manifest's is about a third of the
 * work (100,000 entries: a 12 MB read, its CRC-32, the parse, the sort) */
#define PARALLEL_MANIFEST_BYTES (1u << 20)

typedef struct manifest_job {
    lp_package *p;
    lp_ctx *ctx;        /* the thread's own, for its errors */
    rkey *order;        /* the entries sorted, when rc is 0 */
    pthread_t tid;
    int rc;
} manifest_job;

static void *manifest_main(void *arg)
{
    manifest_job *j = arg;

    j->rc = load_manifest(j->p, j->ctx, &j->order);
    return NULL;
}

/* Start the manifest's half on a thread; false (nothing started) where
 * not worth it or not possible: the caller loads it itself */
static bool start_manifest_job(lp_package *p, manifest_job *j)
{
    if (p->zip.entries[1].size < PARALLEL_MANIFEST_BYTES)
        return false;
    j->p = p;
    j->rc = 0;
    j->order = NULL;
    if (lp_ctx_new(&j->ctx, &p->ctx->alloc) < 0)
        return false;
    if (pthread_create(&j->tid, NULL, manifest_main, j) != 0) {
        lp_ctx_free(j->ctx);
        return false;
    }
    return true;
}

static int open_checked(lp_package *p)
{
    lp_ctx *ctx = p->ctx;
    manifest_job job;
    rkey *order = NULL;
    bool parallel;
    int rc;

    rc = lpi_zip_open(&p->zip, ctx, p->fd, p->file_size);
    p->zip.lock = &p->sh->lock;
    if (rc == 0)
        rc = check_head(p);
    if (rc < 0)
        return rc;
    /* the same checks in the same order either way: a failure of the
     * first thread's checks is reported before any of the manifest's */
    parallel = start_manifest_job(p, &job);
    rc = lpi_zip_check_all_central(&p->zip, ctx);
    if (rc == 0)
        rc = check_names(p);
    if (parallel) {
        pthread_join(job.tid, NULL);
        order = job.order;
        if (rc == 0 && job.rc < 0)
            rc = lpi_error(ctx, job.rc, "%s", lp_ctx_errmsg(job.ctx));
        lp_ctx_free(job.ctx);
    } else if (rc == 0) {
        rc = load_manifest(p, ctx, &order);
    }
    if (rc == 0)
        rc = link_objects(p, order);
    if (rc == 0)
        rc = link_chunks(p);
    lpi_free(ctx, order);
    return rc;
}

/* A handle with nothing open yet; its shared part counts one handle */
static int package_new(lp_package **out, lp_ctx *ctx)
{
    lp_package *p = lpi_calloc(ctx, 1, sizeof(*p));

    *out = NULL;
    if (!p)
        return LP_ENOMEM;
    p->ctx = ctx;
    p->fd = -1;
    p->zip.fd = -1;
    p->sh = lpi_calloc(ctx, 1, sizeof(*p->sh));
    if (!p->sh) {
        lpi_free(ctx, p);
        return LP_ENOMEM;
    }
    if (pthread_mutex_init(&p->sh->lock, NULL) != 0) {
        lpi_free(ctx, p->sh);
        lpi_free(ctx, p);
        return lpi_error(ctx, LP_EINTERNAL, "cannot create a mutex");
    }
    atomic_init(&p->sh->refs, 1);
    p->sh->actx.alloc = ctx->alloc;
    *out = p;
    return 0;
}

/* Open the package on p->fd (owned), named name in messages */
static int open_on_fd(lp_package *p, const char *name)
{
    lp_ctx *ctx = p->ctx;
    struct stat st;
    int rc;

    if (fstat(p->fd, &st) < 0 || !S_ISREG(st.st_mode))
        return lpi_error(ctx, LP_EIO, "cannot open '%s': %s", name,
                         S_ISDIR(st.st_mode) ? "it is a folder"
                                             : "not a regular file");
    p->file_size = (uint64_t)st.st_size;
    p->path = lpi_strdup(ctx, name);
    if (!p->path)
        return LP_ENOMEM;
    rc = open_checked(p);
    if (rc < 0)
        lpi_error_prefix(ctx, "'%s'", name);
    return rc;
}

int lp_package_open(lp_package **out, lp_ctx *ctx, const char *path)
{
    lp_package *p;
    struct stat st;
    int rc;

    LP_ASSERT_ARG(out && ctx && path);
    *out = NULL;
    rc = package_new(&p, ctx);
    if (rc < 0)
        return rc;
    /* a regular file, never blocking on a FIFO or a device */
    p->fd = lpi_open_input(ctx, AT_FDCWD, path, NULL, LPI_OPEN_FOLLOW, &st);
    if (p->fd < 0) {
        rc = p->fd;
        p->fd = -1;
    } else {
        rc = open_on_fd(p, path);
    }
    if (rc < 0) {
        lp_package_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int lp_package_open_fd(lp_package **out, lp_ctx *ctx, int fd)
{
    char name[32];
    lp_package *p;
    int rc;

    LP_ASSERT_ARG(out && ctx);
    *out = NULL;
    if (fd < 0)
        return lpi_error(ctx, LP_EINVAL, "not a file descriptor: %d", fd);
    rc = package_new(&p, ctx);
    if (rc < 0)
        return rc;
    snprintf(name, sizeof(name), "descriptor %d", fd);
    /* our own descriptor: the caller may close theirs at any time */
    p->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (p->fd < 0)
        rc = lpi_error(ctx, LP_EIO, "cannot open '%s': %s", name,
                       strerror(errno));
    else
        rc = open_on_fd(p, name);
    if (rc < 0) {
        lp_package_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int lp_package_share(lp_package **out, lp_package *pkg, lp_ctx *ctx)
{
    lp_package *p;

    LP_ASSERT_ARG(out && pkg && ctx);
    *out = NULL;
    p = lpi_malloc(ctx, sizeof(*p));
    if (!p)
        return LP_ENOMEM;
    *p = *pkg;
    p->ctx = ctx;
    atomic_fetch_add_explicit(&pkg->sh->refs, 1, memory_order_relaxed);
    *out = p;
    return 0;
}

void lp_package_free(lp_package *p)
{
    lp_ctx *actx;

    if (!p)
        return;
    if (atomic_fetch_sub_explicit(&p->sh->refs, 1, memory_order_acq_rel) > 1) {
        lpi_free(p->ctx, p);
        return;
    }
    /* the last handle: the shared parts go with the allocator they were
     * made with */
    actx = &p->sh->actx;
    lpi_zip_dispose(&p->zip, actx);
    ZSTD_freeDDict(p->ddict);
    if (p->fd >= 0)
        close(p->fd);
    lpi_manifest_dispose(&p->m, actx);
    lpi_free(actx, p->manifest_bytes);
    lpi_free(actx, p->objects);
    lpi_free(actx, p->okeys);
    lpi_free(actx, p->path);
    pthread_mutex_destroy(&p->sh->lock);
    lpi_free(actx, p->sh);
    lpi_free(p->ctx, p);
}

unsigned lp_package_format(const lp_package *p) { return p->m.format; }
const char *lp_package_id(const lp_package *p) { return p->m.id; }
uint64_t lp_package_version(const lp_package *p) { return p->m.version; }
const char *lp_package_label(const lp_package *p) { return p->m.label; }
const char *lp_package_profile(const lp_package *p) { return p->m.profile; }
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

int lp_package_manifest_save(lp_package *p, const char *path)
{
    LP_ASSERT_ARG(p && path);
    return lpi_write_file_atomic(p->ctx, path, p->manifest_bytes,
                                 p->manifest_len, 0666, true);
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
    info->compressed = o->jxl ? 2 : o->compressed;
    memcpy(info->hash, e->hash, LP_HASH_BYTES);
    lpi_hash_hex(info->hash_hex, e->hash);
    return 0;
}

int lpi_package_lookup(const lp_package *p, const char *path, size_t *index)
{
    size_t lo = 0, hi = p->m.nentries;

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
    return LP_ENOTFOUND;
}

int lp_package_find(const lp_package *p, const char *path, size_t *index)
{
    LP_ASSERT_ARG(p && path && index);
    if (lpi_package_lookup(p, path, index) == 0)
        return 0;
    return lpi_error(p->ctx, LP_ENOTFOUND, "'%s' is not in the package",
                     path);
}
