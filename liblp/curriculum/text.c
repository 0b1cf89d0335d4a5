/*
 * text.c - the text rules of curriculum sources, through ICU: every text
 * NFC-normalized, stray bidirectional controls flagged, language tags
 * canonicalized and checked against what ICU knows, each language's
 * writing direction, and its collation (the order of sorted lists).  (BOMs, line ends and UTF-8 validity are handled
 * when a file is read: source.c.)
 */
#include "lpi_source.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <unicode/ubrk.h>
#include <unicode/ucol.h>
#include <unicode/uchar.h>
#include <unicode/uloc.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>

/* ------------------------------------------------------ languages */

int lpi_lang_canon(const char *tag, size_t len, char *out, size_t cap)
{
    char in[LP_MAX_LANGUAGE_BYTES + 1], loc[ULOC_FULLNAME_CAPACITY];
    char canon[ULOC_FULLNAME_CAPACITY], lang[ULOC_LANG_CAPACITY];
    UChar name[64];
    UErrorCode e = U_ZERO_ERROR;
    int32_t parsed = 0, n;

    if (len == 0 || len > LP_MAX_LANGUAGE_BYTES)
        return -1;
    memcpy(in, tag, len);
    in[len] = '\0';
    uloc_forLanguageTag(in, loc, (int32_t)sizeof(loc), &parsed, &e);
    if (U_FAILURE(e) || e == U_STRING_NOT_TERMINATED_WARNING ||
        (size_t)parsed != len)
        return -1;
    e = U_ZERO_ERROR;
    uloc_canonicalize(loc, canon, (int32_t)sizeof(canon), &e);
    if (U_FAILURE(e) || e == U_STRING_NOT_TERMINATED_WARNING)
        return -1;
    /* a language ICU has no name for is not one we can serve */
    e = U_ZERO_ERROR;
    n = uloc_getLanguage(canon, lang, (int32_t)sizeof(lang), &e);
    if (U_FAILURE(e) || n <= 0 || strcmp(lang, "und") == 0)
        return -1;
    e = U_ZERO_ERROR;
    uloc_getDisplayLanguage(lang, "en", name, 64, &e);
    if (U_FAILURE(e) || e == U_USING_DEFAULT_WARNING)
        return -1;
    e = U_ZERO_ERROR;
    n = uloc_toLanguageTag(canon, out, (int32_t)cap, 1, &e);
    if (U_FAILURE(e) || e == U_STRING_NOT_TERMINATED_WARNING || n <= 0 ||
        (size_t)n >= cap)
        return -1;
    return 0;
}

unsigned lpi_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned row[LPI_EDIT_MAX + 1];

    if (la > LPI_EDIT_MAX || lb > LPI_EDIT_MAX)
        return 9;
    for (size_t j = 0; j <= lb; j++)
        row[j] = (unsigned)j;
    for (size_t i = 1; i <= la; i++) {
        unsigned diag = row[0];

        row[0] = (unsigned)i;
        for (size_t j = 1; j <= lb; j++) {
            unsigned up = row[j];
            unsigned best = diag + (a[i - 1] != b[j - 1]);

            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb] > 9 ? 9 : row[lb];
}

static void ascii_lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

bool lpi_lang_suggest(const char *tag, size_t len, char *out, size_t cap)
{
    const char *const *codes = uloc_getISOLanguages();
    char typed[LP_MAX_LANGUAGE_BYTES + 1], best[ULOC_LANG_CAPACITY] = "";
    unsigned best_rank = ~0u;

    if (len == 0 || len > LP_MAX_LANGUAGE_BYTES || cap == 0)
        return false;
    /* the language subtag only: "kh-KH" means the same mistake as "kh" */
    len = strcspn(tag, "-_") < len ? strcspn(tag, "-_") : len;
    memcpy(typed, tag, len);
    typed[len] = '\0';
    ascii_lower(typed);
    for (; codes && *codes; codes++) {
        char canon[LPI_LANG_CAP], name[128];
        UChar uname[64];
        UErrorCode e = U_ZERO_ERROR;
        unsigned d, rank;
        int32_t n;
        bool spells, begins;

        if (lpi_lang_canon(*codes, strlen(*codes), canon, sizeof(canon)) < 0)
            continue;
        n = uloc_getDisplayLanguage(*codes, "en", uname, 64, &e);
        if (U_FAILURE(e) || n <= 0 || n >= 64)
            continue;
        u_austrncpy(name, uname, (int32_t)sizeof(name) - 1);
        name[sizeof(name) - 1] = '\0';
        ascii_lower(name);
        d = lpi_edit_distance(typed, *codes);
        /* "khmer", or "tetun" for Tetum: the name, or one typo off it */
        spells = strcmp(name, typed) == 0 ||
                 (len >= 4 && lpi_edit_distance(name, typed) <= 1);
        begins = strncmp(name, typed, len) == 0;
        /* a bare typo of a code is a guess only for three letters and
         * more: every two-letter tag is one letter away from dozens */
        if (!spells && !(begins && d <= 2) && !(d <= 1 && len >= 3))
            continue;
        /* a name spelt out beats a name begun, which beats a mere typo
         * of the code; then the nearer code, then the two-letter one */
        rank = (spells ? 0u : begins ? 100u : 200u) + d * 10u +
               (strlen(*codes) == 2 ? 0u : 1u);
        if (rank < best_rank) {
            best_rank = rank;
            memcpy(best, *codes, strlen(*codes) + 1);
        }
    }
    if (!best[0])
        return false;
    {
        UChar en[64], own[64];
        char en8[192], own8[192];
        UErrorCode e = U_ZERO_ERROR;
        int32_t n;

        n = uloc_getDisplayLanguage(best, "en", en, 64, &e);
        if (U_FAILURE(e) || n >= 64)
            return false;
        u_strToUTF8(en8, (int32_t)sizeof(en8), NULL, en, n, &e);
        e = U_ZERO_ERROR;
        n = uloc_getDisplayLanguage(best, best, own, 64, &e);
        if (U_FAILURE(e) || e == U_USING_DEFAULT_WARNING || n >= 64)
            own8[0] = '\0';
        else
            u_strToUTF8(own8, (int32_t)sizeof(own8), NULL, own, n, &e);
        if (U_FAILURE(e))
            own8[0] = '\0';
        if (own8[0] && strcmp(own8, en8) != 0)
            snprintf(out, cap, "'%s' (%s, %s)", best, en8, own8);
        else
            snprintf(out, cap, "'%s' (%s)", best, en8);
    }
    return true;
}

int lpi_lang_canon_memo(lp_project *p, const char *tag, size_t len,
                        const char **canon)
{
    lpi_langmemo *m;

    *canon = NULL;
    if (len == 0 || len > LP_MAX_LANGUAGE_BYTES)
        return -1;
    for (size_t i = 0; i < p->nlangmemo; i++) {
        m = &p->langmemo[i];
        if (strlen(m->raw) == len && memcmp(m->raw, tag, len) == 0) {
            *canon = m->ok ? m->canon : NULL;
            return m->ok ? 0 : -1;
        }
    }
    /* full (hostile sources): the slot is reused, the answer still right */
    m = &p->langmemo[p->nlangmemo < LPI_LANG_MEMO ? p->nlangmemo++ :
                     LPI_LANG_MEMO - 1];
    memcpy(m->raw, tag, len);
    m->raw[len] = '\0';
    m->ok = lpi_lang_canon(tag, len, m->canon, sizeof(m->canon)) == 0;
    *canon = m->ok ? m->canon : NULL;
    return m->ok ? 0 : -1;
}

bool lpi_lang_eq(lp_project *p, const char *a, size_t alen, const char *b,
                 size_t blen)
{
    const char *ca, *cb;
    char keep[LPI_LANG_CAP];

    if (alen == blen && strncmp(a, b, alen) == 0)
        return true;
    if (lpi_lang_canon_memo(p, a, alen, &ca) < 0)
        return false;
    /* the second look-up may reuse the first one's slot */
    memcpy(keep, ca, strlen(ca) + 1);
    return lpi_lang_canon_memo(p, b, blen, &cb) == 0 &&
           strcmp(keep, cb) == 0;
}

bool lpi_lang_rtl(const char *canon)
{
    char loc[ULOC_FULLNAME_CAPACITY];
    UErrorCode e = U_ZERO_ERROR;
    int32_t parsed;
    int script = lpi_lang_script(canon);

    /* the script decides; the locale's layout if the script is unknown */
    if (script >= 0)
        return uscript_isRightToLeft((UScriptCode)script) != 0;
    uloc_forLanguageTag(canon, loc, (int32_t)sizeof(loc), &parsed, &e);
    if (U_FAILURE(e))
        return false;
    return uloc_getCharacterOrientation(loc, &e) == ULOC_LAYOUT_RTL &&
           U_SUCCESS(e);
}

/* ------------------------------------------------------------ text */

/* Decode one UTF-8 sequence (the file was validated when read) */
static unsigned next_cp(const unsigned char **s)
{
    const unsigned char *p = *s;
    unsigned c = *p++;

    if (c >= 0xf0) {
        c = (c & 0x07) << 18 | (unsigned)(p[0] & 0x3f) << 12 |
            (unsigned)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
        p += 3;
    } else if (c >= 0xe0) {
        c = (c & 0x0f) << 12 | (unsigned)(p[0] & 0x3f) << 6 | (p[1] & 0x3f);
        p += 2;
    } else if (c >= 0xc0) {
        c = (c & 0x1f) << 6 | (p[0] & 0x3f);
        p += 1;
    }
    *s = p;
    return c;
}

/* Bidirectional embeddings, overrides and isolates must be closed within
 * the text that opens them, and closers must match an opener: anything
 * else can make text display in an order other than the one stored (the
 * "Trojan Source" trick).  Returns the first stray one, or 0. */
static unsigned stray_bidi(const unsigned char *s)
{
    unsigned embed = 0, isolate = 0, first_open = 0;

    /* every one of them is U+202A-202E or U+2066-2069: three bytes that
     * start with 0xE2, and the text is valid UTF-8 */
    for (; *s; s++) {
        unsigned c;

        s = (const unsigned char *)strchr((const char *)s, 0xe2);
        if (!s)
            break;
        if (!s[1] || !s[2])
            break;
        c = 0x2000u | (unsigned)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
        s += 2;
        if (c >= 0x202a && c <= 0x202e && c != 0x202c) {
            if (embed + isolate == 0)
                first_open = c;
            embed++;
        } else if (c == 0x202c) {
            if (embed == 0)
                return c;
            embed--;
        } else if (c >= 0x2066 && c <= 0x2068) {
            if (embed + isolate == 0)
                first_open = c;
            isolate++;
        } else if (c == 0x2069) {
            if (isolate == 0)
                return c;
            isolate--;
        }
    }
    return embed + isolate > 0 ? first_open : 0;
}

/* NFC of s into a new xmlMalloc'd string, or NULL if s is NFC already
 * (*rc < 0 on failure) */
static xmlChar *nfc(const UNormalizer2 *n2, const char *s, int *rc)
{
    UChar stack[256], *u = stack, *v = NULL;
    int32_t ulen = 0, vlen, outlen = 0;
    UErrorCode e = U_ZERO_ERROR;
    xmlChar *out = NULL;
    size_t len = strlen(s);

    *rc = 0;
    /* Code points below U+0300 are all NFC_QC=Yes with combining class 0
     * (ICU's own quick-check shortcut): such a text is NFC.  In UTF-8 they
     * are the bytes below 0xCC. */
    for (const char *p = s;; p++) {
        if ((size_t)(p - s) + 8 <= len) {
            uint64_t w;

            memcpy(&w, p, 8);
            if ((w & 0x8080808080808080u) == 0) {
                p += 7; /* eight ASCII bytes */
                continue;
            }
        }
        if (*p == '\0')
            return NULL;
        if ((unsigned char)*p >= 0xcc)
            break;
    }
    if (len > (size_t)INT32_MAX / 2) {
        *rc = LP_ETOOBIG;
        return NULL;
    }
    u_strFromUTF8(u, 256, &ulen, s, (int32_t)len, &e);
    if (e == U_BUFFER_OVERFLOW_ERROR) {
        u = xmlMalloc(((size_t)ulen + 1) * sizeof(UChar));
        if (!u)
            goto nomem;
        e = U_ZERO_ERROR;
        u_strFromUTF8(u, ulen + 1, &ulen, s, (int32_t)len, &e);
    }
    if (U_FAILURE(e))
        goto fail;
    if (unorm2_isNormalized(n2, u, ulen, &e) && U_SUCCESS(e))
        goto done;
    e = U_ZERO_ERROR;
    /* NFC at most triples the length of a UTF-16 string */
    vlen = ulen * 3 + 1;
    v = xmlMalloc((size_t)vlen * sizeof(UChar));
    if (!v)
        goto nomem;
    vlen = unorm2_normalize(n2, u, ulen, v, vlen, &e);
    if (U_FAILURE(e))
        goto fail;
    u_strToUTF8(NULL, 0, &outlen, v, vlen, &e);
    if (e != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(e))
        goto fail;
    e = U_ZERO_ERROR;
    out = xmlMalloc((size_t)outlen + 1);
    if (!out)
        goto nomem;
    u_strToUTF8((char *)out, outlen + 1, NULL, v, vlen, &e);
    if (U_FAILURE(e)) {
        xmlFree(out);
        out = NULL;
        goto fail;
    }
    goto done;
nomem:
    *rc = LP_ENOMEM;
    goto done;
fail:
    *rc = LP_EINTERNAL;
done:
    if (u != stack)
        xmlFree(u);
    xmlFree(v);
    return out;
}

typedef struct textpass {
    lp_project *p;
    lpi_srcfile *f;
    const UNormalizer2 *n2;
    int rc;
} textpass;

/* HTML typed into a text ("Plants need <strong>sunlight</strong>") is
 * compiled as the literal characters: a learner sees the tag.  The tags
 * an author is likely to type, and how the format says the same. */
static const struct {
    const char *tag, *yaml, *xml;
} html_tags[] = {
    { "strong", "a run '- strong: ...'", "a <strong> element" },
    { "b", "a run '- strong: ...'", "a <strong> element" },
    { "em", "a run '- em: ...'", "an <em> element" },
    { "i", "a run '- em: ...'", "an <em> element" },
    { "a", "a run '- a: {href: ..., _: ...}'", "an <a href=\"...\"> element" },
    { "br", "a new paragraph ('- p: ...')", "a new <p> element" },
    { "p", "a new paragraph ('- p: ...')", "a new <p> element" },
    { "sub", "a run '- sub: ...'", "a <sub> element" },
    { "sup", "a run '- sup: ...'", "a <sup> element" },
    { "dfn", "a run '- term: ...'", "a <term> element" },
    { "aside", "a block '- note: ...'", "a <note> element" },
    { "span", "plain text", "plain text" },
    { "u", "a run '- em: ...'", "an <em> element" },
};

static void html_in_text(textpass *t, const char *s, const void *at)
{
    for (const char *lt = strchr(s, '<'); lt; lt = strchr(lt + 1, '<')) {
        const char *name = lt + 1 + (lt[1] == '/');
        size_t n = 0;

        while (isalpha((unsigned char)name[n]))
            n++;
        if (n == 0 || !(name[n] == '>' || name[n] == ' ' || name[n] == '/'))
            continue;
        for (size_t i = 0; i < sizeof(html_tags) / sizeof(*html_tags); i++) {
            if (strlen(html_tags[i].tag) != n ||
                strncasecmp(html_tags[i].tag, name, n) != 0)
                continue;
            lpi_diag(t->p, LP_SEVERITY_WARNING, "html-in-text", t->f, at,
                     (lpi_pos){ 0, 0 }, "'<%.*s>' in a text is shown as it "
                     "is, not as formatting; write %s instead",
                     (int)n, name, t->f->syntax == LPI_YAML
                     ? html_tags[i].yaml : html_tags[i].xml);
            return;  /* one warning per text */
        }
    }
}

/* One text: a text node, or an attribute's value node */
static void one_text(textpass *t, xmlNodePtr text, const void *at)
{
    unsigned bad;
    xmlChar *norm;

    if (!text || !text->content || t->rc < 0)
        return;
    bad = stray_bidi(text->content);
    if (bad)
        lpi_diag(t->p, LP_SEVERITY_ERROR, "bidi-control", t->f, at,
                 (lpi_pos){ 0, 0 }, "stray bidirectional control character "
                 "U+%04X: embeddings, overrides and isolates must be "
                 "closed in the text that opens them", bad);
    html_in_text(t, (const char *)text->content, at);
    norm = nfc(t->n2, (const char *)text->content, &t->rc);
    if (norm) {
        xmlNodeSetContent(text, norm);
        xmlFree(norm);
    }
}

static void walk(textpass *t, xmlNodePtr el, unsigned depth)
{
    if (depth > LPI_MAX_SOURCE_DEPTH + 2)
        return;
    for (xmlAttrPtr a = el->properties; a; a = a->next)
        one_text(t, a->children, a);
    for (xmlNodePtr c = el->children; c && t->rc >= 0; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE)
            one_text(t, c, c);
        else if (c->type == XML_ELEMENT_NODE)
            walk(t, c, depth + 1);
    }
}

int lpi_text_pass(lp_project *p, lpi_srcfile *f)
{
    UErrorCode e = U_ZERO_ERROR;
    xmlNodePtr root = f->doc ? xmlDocGetRootElement(f->doc) : NULL;
    textpass t;

    if (!root)
        return 0;
    t.p = p;
    t.f = f;
    t.rc = 0;
    t.n2 = unorm2_getNFCInstance(&e);
    if (U_FAILURE(e))
        return lpi_error(p->ctx, LP_EINTERNAL, "ICU has no NFC data: %s",
                         u_errorName(e));
    walk(&t, root, 1);
    if (t.rc == LP_ENOMEM)
        return lpi_nomem(p->ctx);
    if (t.rc < 0)
        return lpi_error(p->ctx, t.rc, "cannot normalize the text of '%s'",
                         f->shown);
    return 0;
}

/* ------------------------------------------------------------ columns */

/* The columns of one grapheme cluster, from its characters */
static size_t cluster_columns(const UChar *u, int32_t len)
{
    int32_t i = 0;
    UChar32 c;

    U16_NEXT(u, i, len, c);
    switch (u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH)) {
    case U_EA_WIDE:
    case U_EA_FULLWIDTH:
        return 2;
    default:
        break;
    }
    for (i = 0; i < len;) {
        int8_t cat;

        U16_NEXT(u, i, len, c);
        cat = (int8_t)u_charType(c);
        if (cat != U_NON_SPACING_MARK && cat != U_ENCLOSING_MARK &&
            cat != U_FORMAT_CHAR)
            return 1;
    }
    return 0;
}

/* UTF-16 units never outnumber UTF-8 bytes: this many bytes always fit */
#define LPI_COLUMNS_BYTES 1024

size_t lp_text_columns(const char *utf8, size_t len)
{
    UChar u[LPI_COLUMNS_BYTES];
    int32_t ulen = 0, start, end;
    UErrorCode e = U_ZERO_ERROR;
    UBreakIterator *bi;
    size_t cols = 0, head = len;

    if (!utf8 || len == 0)
        return 0;
    /* a caret is never that far out; past it, one column a character */
    if (head > LPI_COLUMNS_BYTES) {
        head = LPI_COLUMNS_BYTES;
        while (head > 0 && ((unsigned char)utf8[head] & 0xc0) == 0x80)
            head--;
        for (size_t i = head; i < len; i++)
            cols += ((unsigned char)utf8[i] & 0xc0) != 0x80;
    }
    /* invalid bytes become U+FFFD: one column each, as a terminal shows */
    u_strFromUTF8WithSub(u, LPI_COLUMNS_BYTES, &ulen, utf8, (int32_t)head,
                         0xFFFD, NULL, &e);
    if (U_FAILURE(e))
        return cols + head;
    bi = ubrk_open(UBRK_CHARACTER, "", u, ulen, &e);
    if (U_FAILURE(e))
        return cols + head;
    start = ubrk_first(bi);
    for (end = ubrk_next(bi); end != UBRK_DONE; end = ubrk_next(bi)) {
        cols += cluster_columns(u + start, end - start);
        start = end;
    }
    ubrk_close(bi);
    return cols;
}

/* ------------------------------------------------------------ scripts */

/* Languages ICU knows by name but has no likely script for, and the
 * language whose script they share (the members of a macrolanguage) */
static const struct { const char *lang, *like; } script_like[] = {
    { "prs", "fa" },  /* Dari */
    { "pes", "fa" },  /* Iranian Persian */
    { "pbt", "ps" },  /* Southern Pashto */
    { "pbu", "ps" },  /* Northern Pashto */
    { "pst", "ps" },  /* Central Pashto */
    { "arb", "ar" },  /* Standard Arabic */
};

int lpi_lang_script(const char *canon)
{
    char loc[ULOC_FULLNAME_CAPACITY], full[ULOC_FULLNAME_CAPACITY];
    char script[ULOC_SCRIPT_CAPACITY], lang[ULOC_LANG_CAPACITY];
    UScriptCode code[1];
    UErrorCode e = U_ZERO_ERROR;
    int32_t parsed;

    /* the declared script (sr-Latn), else the language's likely one */
    uloc_forLanguageTag(canon, loc, (int32_t)sizeof(loc), &parsed, &e);
    if (U_FAILURE(e))
        return -1;
    uloc_addLikelySubtags(loc, full, (int32_t)sizeof(full), &e);
    if (U_FAILURE(e))
        return -1;
    if (uloc_getScript(full, script, (int32_t)sizeof(script), &e) <= 0 &&
        U_SUCCESS(e) &&
        uloc_getLanguage(loc, lang, (int32_t)sizeof(lang), &e) > 0) {
        for (size_t i = 0; i < sizeof(script_like) / sizeof(*script_like);
             i++)
            if (strcmp(lang, script_like[i].lang) == 0)
                return lpi_lang_script(script_like[i].like);
        return -1;
    }
    if (U_FAILURE(e) || script[0] == '\0')
        return -1;
    if (uscript_getCode(script, code, 1, &e) != 1 || U_FAILURE(e))
        return -1;
    return (int)code[0];
}

/* Is c written in script (a language's, which may be a combination)? */
static bool in_script(UChar32 c, UScriptCode script)
{
    UErrorCode e = U_ZERO_ERROR;
    UScriptCode s = uscript_getScript(c, &e);

    switch (script) {
    case USCRIPT_JAPANESE:
        return s == USCRIPT_HIRAGANA || s == USCRIPT_KATAKANA ||
               s == USCRIPT_HAN;
    case USCRIPT_KOREAN:
        return s == USCRIPT_HANGUL || s == USCRIPT_HAN;
    case USCRIPT_SIMPLIFIED_HAN:
    case USCRIPT_TRADITIONAL_HAN:
        return s == USCRIPT_HAN;
    default:
        return s == script || uscript_hasScript(c, script);
    }
}

/* A small per-thread memo of (script, code point) -> 0 neither, 1 in the
 * script, 2 in another: texts repeat their letters, and asking ICU costs
 * two property look-ups a letter */
#define SCRIPT_MEMO 512u
static _Thread_local struct {
    uint32_t key;             /* code point << 9 | script + 1; 0 empty */
    unsigned char cls;
} script_memo[SCRIPT_MEMO];

static unsigned script_class(UChar32 c, int script)
{
    uint32_t key = (uint32_t)c << 9 | (uint32_t)(script + 1);
    unsigned slot = ((uint32_t)c * 2654435761u ^ (uint32_t)script) %
                    SCRIPT_MEMO;
    UErrorCode e = U_ZERO_ERROR;
    UScriptCode sc;
    unsigned cls;

    if (script < 511 && script_memo[slot].key == key)
        return script_memo[slot].cls;
    sc = uscript_getScript(c, &e);
    if (U_FAILURE(e) || sc == USCRIPT_COMMON || sc == USCRIPT_INHERITED ||
        sc == USCRIPT_UNKNOWN)
        cls = 0;
    else
        cls = in_script(c, (UScriptCode)script) ? 1 : 2;
    if (script < 511) {
        script_memo[slot].key = key;
        script_memo[slot].cls = (unsigned char)cls;
    }
    return cls;
}

/* ASCII letters among eight ASCII bytes */
static unsigned ascii_letters(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    uint64_t x = w | 0x20 * ones;        /* lowercase; each byte < 0x80 */
    uint64_t ge_a = (x + 0x1f * ones) & high;  /* byte >= 'a' */
    uint64_t past_z = (x + 0x05 * ones) & high; /* byte > 'z' */
    uint64_t m = (ge_a & ~past_z) >> 7;

    /* one bit per letter, at the bottom of its byte: sum the bytes */
    return (unsigned)((m * ones) >> 56);
}

void lpi_script_count(int script, const char *text, lpi_script_tally *t)
{
    const unsigned char *s = (const unsigned char *)text, *end;

    if (script < 0 || !s)
        return;
    end = s + strlen(text);
    while (*s) {
        unsigned cls;

        if (end - s >= 8) {
            uint64_t w;

            memcpy(&w, s, 8);
            if ((w & 0x8080808080808080u) == 0) {
                unsigned n = ascii_letters(w);

                if (script == USCRIPT_LATIN)
                    t->match += n;
                else
                    t->other += n;
                s += 8;
                continue;
            }
        }

        /* ASCII without ICU: letters are Latin (and only Latin, in their
         * script extensions too), the rest Common */
        if (*s < 0x80) {
            unsigned a = *s++ | 0x20u;

            if (a >= 'a' && a <= 'z') {
                if (script == USCRIPT_LATIN)
                    t->match++;
                else
                    t->other++;
            }
            continue;
        }
        cls = script_class((UChar32)next_cp(&s), script);
        if (cls == 1)
            t->match++;
        else if (cls == 2)
            t->other++;
    }
}

bool lpi_script_mismatch(const lpi_script_tally *t)
{
    /* a few foreign letters (a name, an abbreviation) are fine */
    return t->other >= 4 && t->other > t->match;
}

const char *lpi_script_name(int script)
{
    const char *n = script < 0 ? NULL :
                    uscript_getName((UScriptCode)script);
    return n ? n : "unknown";
}

/* ------------------------------------------------------------ collation */

typedef struct collkey {
    char *key;                /* ICU sort key, NUL-terminated */
    const char *text;
    size_t idx;
} collkey;

static int cmp_collkey(const void *x, const void *y)
{
    const collkey *a = x, *b = y;
    int c = strcmp(a->key, b->key);

    /* equal for the collator: byte order, then the caller's order */
    if (c == 0)
        c = strcmp(a->text, b->text);
    if (c == 0)
        c = (a->idx > b->idx) - (a->idx < b->idx);
    return c;
}

/* The collator of a language (a canonical tag), or the root one */
static UCollator *collator(const char *canon)
{
    char loc[ULOC_FULLNAME_CAPACITY];
    UErrorCode e = U_ZERO_ERROR;
    UCollator *c = NULL;
    int32_t parsed;

    uloc_forLanguageTag(canon, loc, (int32_t)sizeof(loc), &parsed, &e);
    if (U_SUCCESS(e) && e != U_STRING_NOT_TERMINATED_WARNING) {
        c = ucol_open(loc, &e);
        if (U_FAILURE(e)) {
            ucol_close(c);
            c = NULL;
        }
    }
    if (!c) {
        e = U_ZERO_ERROR;
        c = ucol_open("", &e);
        if (U_FAILURE(e)) {
            ucol_close(c);
            return NULL;
        }
    }
    /* digits as numbers: "Lesson 2" before "Lesson 10" */
    e = U_ZERO_ERROR;
    ucol_setAttribute(c, UCOL_NUMERIC_COLLATION, UCOL_ON, &e);
    return c;
}

/* The sort key of a text into a new string */
static char *sort_key(lp_ctx *ctx, const UCollator *c, const char *s,
                      UChar **u, size_t *ucap)
{
    UErrorCode e = U_ZERO_ERROR;
    size_t len = strlen(s);
    int32_t ulen = 0, klen;
    uint8_t *key;

    if (len >= (size_t)INT32_MAX / 4)
        return NULL;
    /* UTF-16 is never longer, in units, than UTF-8 in bytes */
    if (lpi_grow(ctx, (void **)u, ucap, len + 1, sizeof(UChar)) < 0)
        return NULL;
    u_strFromUTF8(*u, (int32_t)*ucap, &ulen, s, (int32_t)len, &e);
    if (U_FAILURE(e))
        return NULL;
    klen = ucol_getSortKey(c, *u, ulen, NULL, 0);
    if (klen <= 0)
        return NULL;
    key = lpi_malloc(ctx, (size_t)klen);
    if (!key)
        return NULL;
    if (ucol_getSortKey(c, *u, ulen, key, klen) != klen) {
        lpi_free(ctx, key);
        return NULL;
    }
    return (char *)key;
}

int lpi_collate_order(lp_ctx *ctx, const char *canon,
                      const char *const *texts, size_t n, size_t *order)
{
    UCollator *c;
    collkey *keys;
    UChar *u = NULL;
    size_t ucap = 0, done = 0;
    int rc = 0;

    if (n == 0)
        return 0;
    c = collator(canon);
    if (!c)
        return lpi_error(ctx, LP_EINTERNAL, "ICU has no collation data");
    keys = lpi_calloc(ctx, n, sizeof(*keys));
    if (!keys) {
        ucol_close(c);
        return lpi_nomem(ctx);
    }
    for (; done < n; done++) {
        keys[done].text = texts[done] ? texts[done] : "";
        keys[done].idx = done;
        keys[done].key = sort_key(ctx, c, keys[done].text, &u, &ucap);
        if (!keys[done].key) {
            rc = lpi_error(ctx, LP_ENOMEM, "cannot collate a text in '%s'",
                           canon);
            break;
        }
    }
    if (rc == 0) {
        lpi_sort(keys, n, sizeof(*keys), cmp_collkey);
        for (size_t i = 0; i < n; i++)
            order[i] = keys[i].idx;
    }
    for (size_t i = 0; i < done; i++)
        lpi_free(ctx, keys[i].key);
    lpi_free(ctx, keys);
    lpi_free(ctx, u);
    ucol_close(c);
    return rc;
}
