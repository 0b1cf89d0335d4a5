/*
 * manifest.c - the manifest: parsing with every check lpk(5) asks of a
 * reader, and writing in the one canonical form.
 *
 * The manifest is what signatures cover, so it is parsed strictly: one
 * spelling per value (no leading zeros, lowercase hex, sorted paths), and
 * every error names its line.
 */
#include "lpi_package.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse a canonical decimal (no sign, no leading zeros) no larger than max */
int lpi_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned d;

        if (s[i] < '0' || s[i] > '9')
            return -1;
        d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
}

/* A profile name (lpk(5), "profile"): 1 to 64 bytes of a-z, 0-9, '.',
 * '_', '-', the first a letter or digit */
int lpi_check_profile(lp_ctx *ctx, const char *name, size_t len)
{
    if (len == 0 || len > LP_MAX_PROFILE_BYTES)
        return lpi_error(ctx, LP_EINVAL, "a profile name has 1 to %u "
                         "bytes", LP_MAX_PROFILE_BYTES);
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  (i > 0 && (c == '.' || c == '_' || c == '-'));
        if (!ok)
            return lpi_error(ctx, LP_EINVAL, "a profile name is made of "
                             "a-z, 0-9, '.', '_' and '-', the first a "
                             "letter or digit");
    }
    return 0;
}

int lpi_check_id(lp_ctx *ctx, const char *id, size_t len)
{
    if (len == 0 || len > LP_MAX_ID_BYTES)
        return lpi_error(ctx, len ? LP_ETOOBIG : LP_EINVAL,
                         "package id must be 1 to %u characters",
                         LP_MAX_ID_BYTES);
    if (!is_alnum(id[0]))
        return lpi_error(ctx, LP_EINVAL,
                         "package id must start with a letter or digit");
    for (size_t i = 0; i < len; i++)
        if (!is_alnum(id[i]) && id[i] != '.' && id[i] != '_' && id[i] != '-')
            return lpi_error(ctx, LP_EINVAL,
                             "package id may hold only letters, digits, "
                             "'.', '_' and '-'");
    return 0;
}

int lpi_check_label(lp_ctx *ctx, const char *label, size_t len)
{
    if (len > LP_MAX_LABEL_BYTES)
        return lpi_error(ctx, LP_ETOOBIG, "label longer than %u bytes",
                         LP_MAX_LABEL_BYTES);
    if (!lpi_utf8_valid(label, len))
        return lpi_error(ctx, LP_EINVAL, "label is not valid UTF-8");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)label[i];
        if (c < 0x20 || c == 0x7f)
            return lpi_error(ctx, LP_EINVAL,
                             "label has a control character (0x%02x)", c);
    }
    return 0;
}

int lpi_check_language(lp_ctx *ctx, const char *tag, size_t len)
{
    if (len == 0 || len > LP_MAX_LANGUAGE_BYTES)
        return lpi_error(ctx, len ? LP_ETOOBIG : LP_EINVAL,
                         "language tag must be 1 to %u characters",
                         LP_MAX_LANGUAGE_BYTES);
    for (size_t i = 0; i < len; i++)
        if (!is_alnum(tag[i]) && tag[i] != '-')
            return lpi_error(ctx, LP_EINVAL,
                             "language tag '%.*s' may hold only letters, "
                             "digits and '-'", (int)len, tag);
    return 0;
}

int lpi_check_media_type(lp_ctx *ctx, const char *type, size_t len)
{
    bool slash = false;

    if (len == 0 || len > LP_MAX_MEDIA_TYPE_BYTES)
        return lpi_error(ctx, len ? LP_ETOOBIG : LP_EINVAL,
                         "media type must be 1 to %u characters",
                         LP_MAX_MEDIA_TYPE_BYTES);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)type[i];
        if (c <= 0x20 || c >= 0x7f)
            return lpi_error(ctx, LP_EINVAL,
                             "media type may hold only printable ASCII "
                             "without spaces");
        slash |= c == '/';
    }
    if (!slash)
        return lpi_error(ctx, LP_EINVAL, "media type has no '/'");
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant) */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int lpi_time_format(char out[LPI_TIME_BYTES], int64_t t)
{
    int64_t days, z, era, y;
    unsigned doe, yoe, doy, mp, d, m, secs;

    if (t < 0 || t > 253402300799) /* 9999-12-31T23:59:59Z */
        return -1;
    days = t / 86400;
    secs = (unsigned)(t % 86400);
    z = days + 719468;
    era = z / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = (int64_t)yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    {
        char tmp[64]; /* roomier than needed: the compiler cannot see y<10000 */
        snprintf(tmp, sizeof(tmp), "%04d-%02u-%02uT%02u:%02u:%02uZ",
                 (int)y, m, d, secs / 3600, secs / 60 % 60, secs % 60);
        memcpy(out, tmp, LPI_TIME_BYTES - 1);
        out[LPI_TIME_BYTES - 1] = '\0';
    }
    return 0;
}

int lpi_time_parse(const char *s, size_t len, int64_t *out)
{
    static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30,
                                      31, 31, 30, 31, 30, 31 };
    uint64_t y, mo, d, h, mi, se;

    if (len != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
        s[13] != ':' || s[16] != ':' || s[19] != 'Z')
        return -1;
    /* fixed-width fields may have leading zeros, unlike other numbers */
    {
        const char *p[] = { s, s + 5, s + 8, s + 11, s + 14, s + 17 };
        const size_t w[] = { 4, 2, 2, 2, 2, 2 };
        uint64_t *v[] = { &y, &mo, &d, &h, &mi, &se };
        for (int i = 0; i < 6; i++) {
            *v[i] = 0;
            for (size_t k = 0; k < w[i]; k++) {
                if (p[i][k] < '0' || p[i][k] > '9')
                    return -1;
                *v[i] = *v[i] * 10 + (uint64_t)(p[i][k] - '0');
            }
        }
    }
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
        h > 23 || mi > 59 || se > 59)
        return -1;
    if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        return -1;
    *out = days_from_civil((int64_t)y, (unsigned)mo, (unsigned)d) * 86400 +
           (int64_t)(h * 3600 + mi * 60 + se);
    return 0;
}

/* Is any path a directory prefix of another ("a" and "a/b")?  Paths are
 * sorted, so "a/b" has all its prefixes somewhere before it: look each up. */
static int check_prefixes(lp_ctx *ctx, const lpi_manifest *m)
{
    for (size_t i = 0; i < m->nentries; i++) {
        const char *p = m->entries[i].path;
        const char *prev = i ? m->entries[i - 1].path : "";
        size_t common = 0;

        /* a leading part shared with the previous path, up to a '/', was
         * looked up for it already */
        while (p[common] && p[common] == prev[common])
            common++;
        for (const char *s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
            size_t n = (size_t)(s - p), lo = 0, hi = i;

            if (n < common)
                continue;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                const char *q = m->entries[mid].path;
                int cmp = strncmp(q, p, n);
                if (cmp == 0)
                    cmp = q[n] == '\0' ? 0 : 1;
                if (cmp == 0)
                    return lpi_error(ctx, LP_EFORMAT,
                                     "entry '%s' is inside entry '%s', "
                                     "which is a file", p, q);
                if (cmp < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
        }
    }
    return 0;
}

/* Where the first control character other than '\n' is (len if none).
 * Eight bytes at a time: a word with no byte below 0x20 and none 0x7f
 * is skipped whole (about 15 words in 16 of a manifest); the others,
 * holding a line end or worse, are looked at byte by byte. */
static size_t find_control(const unsigned char *data, size_t len)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    size_t i = 0;

    for (; len - i >= 8; i += 8) {
        uint64_t w, del;
        memcpy(&w, data + i, 8);
        del = w ^ (0x7f * ones);
        if ((((w - 0x20 * ones) & ~w) | ((del - ones) & ~del)) & highs)
            for (size_t k = i; k < i + 8; k++)
                if ((data[k] < 0x20 && data[k] != '\n') || data[k] == 0x7f)
                    return k;
    }
    for (; i < len; i++)
        if ((data[i] < 0x20 && data[i] != '\n') || data[i] == 0x7f)
            return i;
    return len;
}

typedef struct cursor {
    const char *p, *end;
    size_t line;
} cursor;

/* Next line and its length, without its '\n'; NULL at the end of the
 * text.  The text is only read: what the manifest keeps is copied by
 * keep(), which touches a few bytes per entry instead of the whole text. */
static const char *next_line(cursor *c, size_t *len)
{
    const char *start = c->p, *nl;

    if (c->p >= c->end)
        return NULL;
    nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    /* the caller checked the text ends with '\n' */
    *len = (size_t)(nl - start);
    c->p = nl + 1;
    c->line++;
    return start;
}

/* A NUL-terminated copy of s in m->text.  m->text has room for the whole
 * manifest and every kept string is followed in the manifest by a byte
 * not kept (a space or a line end), so it never overflows. */
static const char *keep(lpi_manifest *m, const char *s, size_t n)
{
    char *out = m->text + m->text_used;

    memcpy(out, s, n);
    out[n] = '\0';
    m->text_used += n + 1;
    return out;
}

/* in the order writers emit them; all but "expires" and "dictionary" are
 * required */
enum { H_ID, H_VERSION, H_LABEL, H_LANGUAGES, H_CREATED, H_EXPIRES,
       H_PROFILE, H_DICTIONARY, H_ENTRIES, H_N };
static const char *const header_keys[H_N] = {
    "id", "version", "label", "languages", "created", "expires",
    "profile", "dictionary", "entries"
};

static int parse_header_value(lpi_manifest *m, lp_ctx *ctx, int key,
                              const char *v, size_t vlen, uint64_t *nentries)
{
    int rc = 0;

    switch (key) {
    case H_ID:
        rc = lpi_check_id(ctx, v, vlen);
        m->id = keep(m, v, vlen);
        break;
    case H_VERSION:
        if (lpi_parse_u64(v, vlen, INT64_MAX, &m->version) < 0 || m->version == 0)
            return lpi_error(ctx, LP_EFORMAT,
                             "version must be a whole number from 1");
        break;
    case H_LABEL:
        rc = lpi_check_label(ctx, v, vlen);
        m->label = keep(m, v, vlen);
        break;
    case H_LANGUAGES: {
        size_t n = 1;
        for (size_t i = 0; i < vlen; i++)
            n += v[i] == ' ';
        if (n > LP_MAX_LANGUAGES)
            return lpi_error(ctx, LP_ETOOBIG, "more than %u languages",
                             LP_MAX_LANGUAGES);
        m->languages = lpi_calloc(ctx, n, sizeof(*m->languages));
        if (!m->languages)
            return LP_ENOMEM;
        for (const char *t = v, *end = v + vlen; ; ) {
            const char *sp = memchr(t, ' ', (size_t)(end - t));
            size_t tl = sp ? (size_t)(sp - t) : (size_t)(end - t);
            rc = lpi_check_language(ctx, t, tl);
            if (rc < 0)
                break;
            m->languages[m->nlanguages++] = keep(m, t, tl);
            if (!sp)
                break;
            t = sp + 1;
        }
        break;
    }
    case H_CREATED:
        if (lpi_time_parse(v, vlen, &m->created) < 0)
            return lpi_error(ctx, LP_EFORMAT,
                             "created must be a UTC time like "
                             "2026-01-31T12:00:00Z");
        break;
    case H_EXPIRES:
        if (lpi_time_parse(v, vlen, &m->expires) < 0)
            return lpi_error(ctx, LP_EFORMAT,
                             "expires must be a UTC time like "
                             "2026-01-31T12:00:00Z");
        m->has_expires = true;
        break;
    case H_PROFILE:
        rc = lpi_check_profile(ctx, v, vlen);
        m->profile = keep(m, v, vlen);
        break;
    case H_DICTIONARY:
        if (vlen != LP_HASH_HEX_BYTES ||
            lpi_hash_unhex(m->dictionary, v) < 0)
            return lpi_error(ctx, LP_EFORMAT, "dictionary must be a 64-digit "
                             "lowercase hex hash");
        m->has_dictionary = true;
        break;
    case H_ENTRIES:
        if (lpi_parse_u64(v, vlen, UINT64_MAX, nentries) < 0)
            return lpi_error(ctx, LP_EFORMAT, "entries must be a number");
        if (*nentries > LP_MAX_ENTRIES)
            return lpi_error(ctx, LP_ETOOBIG, "more than %u entries",
                             LP_MAX_ENTRIES);
        break;
    }
    if (rc == LP_EINVAL)
        rc = ctx->code = LP_EFORMAT; /* a bad field in a package is malformed */
    return rc;
}

/* "chunks HASH SIZE HEX": an object's chunk hashes.  Which object, and
 * whether the count fits its size, is checked once objects are known. */
static int parse_chunks(lpi_manifest *m, lp_ctx *ctx, size_t *cap,
                        const char *v, size_t vlen)
{
    const char *sp = vlen > LP_HASH_HEX_BYTES + 1 ?
                     memchr(v + LP_HASH_HEX_BYTES + 1, ' ',
                            vlen - LP_HASH_HEX_BYTES - 1) : NULL;
    unsigned char h[LP_HASH_BYTES];
    lpi_mchunks *c;
    uint64_t cs;
    size_t hexlen;
    int rc;

    if (!sp || v[LP_HASH_HEX_BYTES] != ' ' || lpi_hash_unhex(h, v) < 0)
        return lpi_error(ctx, LP_EFORMAT, "chunks must be 'HASH SIZE "
                         "HASHES'");
    if (lpi_parse_u64(v + LP_HASH_HEX_BYTES + 1,
                      (size_t)(sp - v) - LP_HASH_HEX_BYTES - 1,
                      LPI_CHUNK_MAX, &cs) < 0 || cs < LPI_CHUNK_MIN ||
        (cs & (cs - 1)) != 0)
        return lpi_error(ctx, LP_EFORMAT, "chunk size must be a power of two "
                         "from %u to %u", LPI_CHUNK_MIN, LPI_CHUNK_MAX);
    hexlen = vlen - (size_t)(sp + 1 - v);
    if (hexlen == 0 || hexlen % LP_HASH_HEX_BYTES != 0)
        return lpi_error(ctx, LP_EFORMAT, "chunk hashes must be 64 hex "
                         "digits each");
    for (size_t k = 0; k < hexlen; k += LP_HASH_HEX_BYTES) {
        unsigned char x[LP_HASH_BYTES];
        if (lpi_hash_unhex(x, sp + 1 + k) < 0)
            return lpi_error(ctx, LP_EFORMAT, "chunk hash %zu is not 64 "
                             "lowercase hex digits", k / LP_HASH_HEX_BYTES);
    }
    rc = lpi_grow(ctx, (void **)&m->chunks, cap, m->nchunks + 1,
                  sizeof(*m->chunks));
    if (rc < 0)
        return rc;
    c = &m->chunks[m->nchunks++];
    memset(c, 0, sizeof(*c));
    memcpy(c->hash, h, LP_HASH_BYTES);
    c->chunk_size = (uint32_t)cs;
    c->count = hexlen / LP_HASH_HEX_BYTES;
    c->hex = keep(m, sp + 1, hexlen);
    return 0;
}

static int parse_entry(lpi_manifest *m, lpi_mentry *e, lp_ctx *ctx,
                       const char *line, size_t len)
{
    const char *sp1, *sp2, *sp3, *type;
    size_t tlen;

    if (len < LP_HASH_HEX_BYTES + 6 || line[LP_HASH_HEX_BYTES] != ' ' ||
        lpi_hash_unhex(e->hash, line) < 0)
        return lpi_error(ctx, LP_EFORMAT,
                         "entry must start with a 64-digit lowercase hex hash");
    sp1 = line + LP_HASH_HEX_BYTES;
    sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - line));
    if (!sp2 || lpi_parse_u64(sp1 + 1, (size_t)(sp2 - sp1 - 1),
                          LP_MAX_ENTRY_BYTES, &e->size) < 0)
        return lpi_error(ctx, LP_EFORMAT,
                         "entry size must be a number up to %llu",
                         (unsigned long long)LP_MAX_ENTRY_BYTES);
    sp3 = memchr(sp2 + 1, ' ', len - (size_t)(sp2 + 1 - line));
    if (!sp3)
        return lpi_error(ctx, LP_EFORMAT, "entry has no path");
    type = sp2 + 1;
    tlen = (size_t)(sp3 - type);
    /* a package has a few media types: an entry whose type is the one
     * before it shares its copy */
    if (m->last_type && strncmp(m->last_type, type, tlen) == 0 &&
        m->last_type[tlen] == '\0') {
        e->media_type = m->last_type;
    } else {
        if (lpi_check_media_type(ctx, type, tlen) < 0)
            return ctx->code == LP_EINVAL ? (ctx->code = LP_EFORMAT)
                                          : ctx->code;
        e->media_type = m->last_type = keep(m, type, tlen);
    }
    /* an unsafe path is malformed; one over a limit stays LP_ETOOBIG */
    if (lpi_path_check(ctx, sp3 + 1, len - (size_t)(sp3 + 1 - line)) < 0)
        return ctx->code == LP_EUNSAFE ? (ctx->code = LP_EFORMAT) : ctx->code;
    e->path = keep(m, sp3 + 1, len - (size_t)(sp3 + 1 - line));
    return 0;
}

int lpi_manifest_parse(lpi_manifest *m, lp_ctx *ctx,
                       const unsigned char *data, size_t len)
{
    bool seen[H_N] = { false };
    size_t chunks_cap = 0;
    uint64_t nentries = 0;
    cursor c;
    const char *line;
    size_t n = 0;
    int rc = 0;

    memset(m, 0, sizeof(*m));
    if (len > LP_MAX_MANIFEST_BYTES)
        return lpi_error(ctx, LP_ETOOBIG, "manifest larger than %u bytes",
                         LP_MAX_MANIFEST_BYTES);
    if (len == 0 || data[len - 1] != '\n')
        return lpi_error(ctx, LP_EFORMAT,
                         "manifest is empty or does not end with a newline");
    {
        size_t bad = find_control(data, len);
        if (bad < len)
            return lpi_error(ctx, LP_EFORMAT, "manifest has a control "
                             "character (0x%02x) at byte %zu", data[bad],
                             bad);
    }
    if (!lpi_utf8_valid((const char *)data, len))
        return lpi_error(ctx, LP_EFORMAT, "manifest is not valid UTF-8");
    /* room for every kept string; only the pages written are touched */
    m->text = lpi_malloc(ctx, len + 1);
    if (!m->text)
        return LP_ENOMEM;
    c.p = (const char *)data;
    c.end = (const char *)data + len;
    c.line = 0;

    line = next_line(&c, &n);
    if (n < sizeof(LPI_MANIFEST_MAGIC) ||
        memcmp(line, LPI_MANIFEST_MAGIC " ", sizeof(LPI_MANIFEST_MAGIC)) != 0) {
        rc = lpi_error(ctx, LP_EFORMAT,
                       "manifest does not start with '" LPI_MANIFEST_MAGIC
                       " N'");
        goto fail;
    }
    {
        uint64_t v;
        const char *num = line + sizeof(LPI_MANIFEST_MAGIC);
        if (lpi_parse_u64(num, n - sizeof(LPI_MANIFEST_MAGIC), UINT32_MAX, &v) < 0
            || v == 0) {
            size_t shown = n - sizeof(LPI_MANIFEST_MAGIC);
            rc = lpi_error(ctx, LP_EFORMAT, "manifest format '%.*s' is not "
                           "a version number", (int)(shown < 20 ? shown : 20),
                           num);
            goto fail;
        }
        if (v > LP_FORMAT_VERSION) {
            rc = lpi_error(ctx, LP_EVERSION,
                           "package format %llu is newer than this liblp "
                           "supports (%d); upgrade liblp to read it",
                           (unsigned long long)v, LP_FORMAT_VERSION);
            goto fail;
        }
        m->format = (unsigned)v;
    }

    /* header: "key value" lines up to an empty one */
    for (;;) {
        const char *sp;
        size_t klen;
        int key = -1;

        line = next_line(&c, &n);
        if (!line) {
            rc = lpi_error(ctx, LP_EFORMAT, "manifest ends inside the header");
            goto fail;
        }
        if (n == 0)
            break;
        sp = memchr(line, ' ', n);
        if (!sp || sp == line) {
            rc = lpi_error(ctx, LP_EFORMAT, "header line is not 'key value'");
            goto fail_line;
        }
        for (const char *k = line; k < sp; k++)
            if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') ||
                  *k == '-')) {
                rc = lpi_error(ctx, LP_EFORMAT, "bad header key");
                goto fail_line;
            }
        klen = (size_t)(sp - line);
        if (klen == 6 && memcmp(line, "chunks", 6) == 0) {
            /* any number of them, one per object or per entry */
            rc = parse_chunks(m, ctx, &chunks_cap, sp + 1,
                              n - (size_t)(sp + 1 - line));
            if (rc < 0)
                goto fail_line;
            continue;
        }
        for (int k = 0; k < H_N; k++)
            if (strlen(header_keys[k]) == klen &&
                memcmp(line, header_keys[k], klen) == 0)
                key = k;
        if (key < 0)
            continue; /* unknown keys are for newer minor additions */
        if (seen[key]) {
            rc = lpi_error(ctx, LP_EFORMAT, "'%s' given twice",
                           header_keys[key]);
            goto fail_line;
        }
        seen[key] = true;
        rc = parse_header_value(m, ctx, key, sp + 1,
                                n - (size_t)(sp + 1 - line), &nentries);
        if (rc < 0)
            goto fail_line;
    }
    for (int k = 0; k < H_N; k++)
        if (!seen[k] && k != H_DICTIONARY && k != H_EXPIRES &&
            k != H_PROFILE) {
            rc = lpi_error(ctx, LP_EFORMAT, "manifest header has no '%s'",
                           header_keys[k]);
            goto fail;
        }
    if (m->has_expires && m->expires <= m->created) {
        char te[LPI_TIME_BYTES], tc[LPI_TIME_BYTES];
        lpi_time_format(te, m->expires);
        lpi_time_format(tc, m->created);
        rc = lpi_error(ctx, LP_EFORMAT, "manifest expires %s, not later "
                       "than it was created (%s)", te, tc);
        goto fail;
    }

    m->entries = lpi_calloc(ctx, (size_t)nentries, sizeof(*m->entries));
    if (!m->entries) {
        rc = LP_ENOMEM;
        goto fail;
    }
    for (size_t i = 0; i < nentries; i++) {
        line = next_line(&c, &n);
        if (!line) {
            rc = lpi_error(ctx, LP_EFORMAT, "manifest lists %zu entries, "
                           "header says %llu", i,
                           (unsigned long long)nentries);
            goto fail;
        }
        rc = parse_entry(m, &m->entries[i], ctx, line, n);
        if (rc < 0)
            goto fail_line;
        if (i > 0 && strcmp(m->entries[i - 1].path, m->entries[i].path) >= 0) {
            rc = lpi_error(ctx, LP_EFORMAT, "entry '%s' is %s", 
                           m->entries[i].path,
                           strcmp(m->entries[i - 1].path,
                                  m->entries[i].path) == 0 ?
                           "listed twice" : "out of order");
            goto fail_line;
        }
        m->nentries = i + 1;
    }
    if (c.p != c.end) {
        rc = lpi_error(ctx, LP_EFORMAT, "manifest has more lines than its "
                       "%llu entries", (unsigned long long)nentries);
        goto fail;
    }
    rc = check_prefixes(ctx, m);
    if (rc < 0)
        goto fail;
    return 0;

fail_line:
    lpi_error_prefix(ctx, "manifest line %zu", c.line);
fail:
    lpi_manifest_dispose(m, ctx);
    return rc;
}

void lpi_manifest_dispose(lpi_manifest *m, lp_ctx *ctx)
{
    lpi_free(ctx, m->chunks);
    lpi_free(ctx, m->entries);
    lpi_free(ctx, (void *)m->languages);
    lpi_free(ctx, m->text);
    memset(m, 0, sizeof(*m));
}

int lpi_manifest_serialize(const lpi_manifest *m, lp_ctx *ctx, lpi_buf *out)
{
    char created[LPI_TIME_BYTES];
    int rc;

    if (lpi_time_format(created, m->created) < 0)
        return lpi_error(ctx, LP_EINVAL, "creation time out of range");
    rc = lpi_buf_printf(out, ctx,
                        LPI_MANIFEST_MAGIC " %u\nid %s\nversion %llu\n"
                        "label %s\nlanguages ", m->format, m->id,
                        (unsigned long long)m->version, m->label);
    for (size_t i = 0; rc == 0 && i < m->nlanguages; i++)
        rc = lpi_buf_printf(out, ctx, "%s%s", i ? " " : "", m->languages[i]);
    if (rc == 0)
        rc = lpi_buf_printf(out, ctx, "\ncreated %s\n", created);
    if (rc == 0 && m->has_expires) {
        char expires[LPI_TIME_BYTES];
        if (lpi_time_format(expires, m->expires) < 0)
            return lpi_error(ctx, LP_EINVAL, "expiry time out of range");
        rc = lpi_buf_printf(out, ctx, "expires %s\n", expires);
    }
    if (rc == 0 && m->profile)
        rc = lpi_buf_printf(out, ctx, "profile %s\n", m->profile);
    if (rc == 0 && m->has_dictionary) {
        char hex[LP_HASH_HEX_BYTES + 1];
        lpi_hash_hex(hex, m->dictionary);
        rc = lpi_buf_printf(out, ctx, "dictionary %s\n", hex);
    }
    for (size_t i = 0; rc == 0 && i < m->nchunks; i++) {
        const lpi_mchunks *c = &m->chunks[i];
        char hex[LP_HASH_HEX_BYTES + 1];

        lpi_hash_hex(hex, c->hash);
        rc = lpi_buf_printf(out, ctx, "chunks %s %u ", hex, c->chunk_size);
        for (size_t k = 0; rc == 0 && k < c->count; k++) {
            static const unsigned char zero[LP_HASH_BYTES];
            if (c->hex) { /* parsed: as it was */
                rc = lpi_buf_add(out, ctx, c->hex + k * LP_HASH_HEX_BYTES,
                                 LP_HASH_HEX_BYTES);
                continue;
            }
            /* no hashes yet: a line of the final length */
            lpi_hash_hex(hex, c->bin ? c->bin + k * LP_HASH_BYTES : zero);
            rc = lpi_buf_add(out, ctx, hex, LP_HASH_HEX_BYTES);
        }
        if (rc == 0)
            rc = lpi_buf_add(out, ctx, "\n", 1);
    }
    if (rc == 0)
        rc = lpi_buf_printf(out, ctx, "entries %zu\n\n", m->nentries);
    for (size_t i = 0; rc == 0 && i < m->nentries; i++) {
        char hex[LP_HASH_HEX_BYTES + 1];
        const lpi_mentry *e = &m->entries[i];

        lpi_hash_hex(hex, e->hash);
        rc = lpi_buf_printf(out, ctx, "%s %llu %s %s\n", hex,
                            (unsigned long long)e->size, e->media_type,
                            e->path);
    }
    if (rc == LP_ETOOBIG)
        lpi_error(ctx, rc, "manifest larger than %u bytes",
                  LP_MAX_MANIFEST_BYTES);
    return rc;
}
