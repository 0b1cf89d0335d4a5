/*
 * test_manifest.c - the manifest parser and writer (internal API: this
 * test is built from the library's sources, see Makefile.am).
 */
#include "unit.h"
#include "lpi_package.h"

#define H1 "0000000000000000000000000000000000000000000000000000000000000001"
#define H2 "00000000000000000000000000000000000000000000000000000000000000ff"
#define HEAD(n) "lpk-manifest 1\nid org.example.math\nversion 3\n" \
    "label 2026 term 1\nlanguages tet pt\ncreated 2025-11-28T14:00:00Z\n" \
    "entries " #n "\n\n"

static int parse(lp_ctx *ctx, const char *text, lpi_manifest *m)
{
    return lpi_manifest_parse(m, ctx, (const unsigned char *)text,
                              strlen(text));
}

static void test_good(void **state)
{
    lp_ctx *ctx = *state;
    lpi_manifest m;
    const char *text = HEAD(2)
        H1 " 5 text/plain a/b.txt\n"
        H2 " 0 image/jpeg media/Figure 1.jpg\n";
    lpi_buf out;

    assert_int_equal(parse(ctx, text, &m), 0);
    assert_int_equal(m.format, 1);
    assert_string_equal(m.id, "org.example.math");
    assert_int_equal(m.version, 3);
    assert_string_equal(m.label, "2026 term 1");
    assert_int_equal(m.nlanguages, 2);
    assert_string_equal(m.languages[1], "pt");
    assert_int_equal(m.created, 1764338400);
    assert_int_equal(m.nentries, 2);
    assert_string_equal(m.entries[1].path, "media/Figure 1.jpg");
    assert_int_equal(m.entries[0].size, 5);
    assert_int_equal(m.entries[1].hash[31], 0xff);
    /* writing it back gives the same bytes: one canonical form */
    lpi_buf_init(&out, LP_MAX_MANIFEST_BYTES);
    assert_int_equal(lpi_manifest_serialize(&m, ctx, &out), 0);
    assert_string_equal(out.data, text);
    lpi_buf_dispose(&out, ctx);
    lpi_manifest_dispose(&m, ctx);
}

/* "profile": optional, checked, written back after "expires" */
static void test_profile(void **state)
{
    lp_ctx *ctx = *state;
    lpi_manifest m;
    const char *text = "lpk-manifest 1\nid org.example.math\nversion 3\n"
        "label 2026 term 1\nlanguages tet pt\ncreated 2025-11-28T14:00:00Z\n"
        "expires 2027-01-01T00:00:00Z\nprofile phone-2g\nentries 0\n\n";
    lpi_buf out;

    assert_int_equal(parse(ctx, text, &m), 0);
    assert_string_equal(m.profile, "phone-2g");
    lpi_buf_init(&out, LP_MAX_MANIFEST_BYTES);
    assert_int_equal(lpi_manifest_serialize(&m, ctx, &out), 0);
    assert_string_equal(out.data, text);
    lpi_buf_dispose(&out, ctx);
    lpi_manifest_dispose(&m, ctx);
    assert_int_equal(parse(ctx, HEAD(0), &m), 0);
    assert_null(m.profile);
    lpi_manifest_dispose(&m, ctx);
}

static void test_unknown_header_key_ignored(void **state)
{
    lp_ctx *ctx = *state;
    lpi_manifest m;

    assert_int_equal(parse(ctx, "lpk-manifest 1\nx-future something\n"
                           "id a\nversion 1\nlabel \nlanguages und\n"
                           "created 1980-01-01T00:00:00Z\nentries 0\n\n", &m),
                     0);
    assert_string_equal(m.label, "");
    lpi_manifest_dispose(&m, ctx);
}

static void test_newer_format_refused(void **state)
{
    lp_ctx *ctx = *state;
    lpi_manifest m;

    assert_int_equal(parse(ctx, "lpk-manifest 3\nwhatever\n", &m),
                     LP_EVERSION);
    assert_non_null(strstr(lp_ctx_errmsg(ctx), "format 3 is newer"));
}

static void test_bad(void **state)
{
    lp_ctx *ctx = *state;
    const struct { const char *text; int code; const char *msg; } bad[] = {
        { "", LP_EFORMAT, "empty" },
        { "lpk-manifest 1", LP_EFORMAT, "newline" },
        { "lpk-manifest 1\r\n", LP_EFORMAT, "control character (0x0d) at byte 14" },
        { "lpk-manifest 1\nlabel a\tb\n\n", LP_EFORMAT, "control character (0x09)" },
        { "lpk-manifest 1\nx-k \xff\n\n", LP_EFORMAT, "not valid UTF-8" },
        { "lpk-manifest 1\nlabel \xc2\x9b\n\n", LP_EFORMAT, "no 'id'" },
        { "PK zip\n", LP_EFORMAT, "does not start" },
        { "lpk-manifest 01\n", LP_EFORMAT, "not a version" },
        { "lpk-manifest 0\n", LP_EFORMAT, "not a version" },
        { "lpk-manifest 1\nid a\n", LP_EFORMAT, "ends inside the header" },
        { "lpk-manifest 1\nid a\n\n", LP_EFORMAT, "no 'version'" },
        { "lpk-manifest 1\nid a\nid b\n\n", LP_EFORMAT, "line 3: 'id' given twice" },
        { "lpk-manifest 1\nid -a\n\n", LP_EFORMAT, "line 2: package id must start" },
        { "lpk-manifest 1\nversion 0\n\n", LP_EFORMAT, "version must be" },
        { "lpk-manifest 1\nversion 007\n\n", LP_EFORMAT, "version must be" },
        { "lpk-manifest 1\nversion 99999999999999999999\n\n", LP_EFORMAT,
          "version must be" },
        { "lpk-manifest 1\ncreated 2026-02-30T00:00:00Z\n\n", LP_EFORMAT,
          "created must be" },
        { "lpk-manifest 1\nlanguages en  fr\n\n", LP_EFORMAT, "language tag" },
        { "lpk-manifest 1\nentries 262145\n\n", LP_ETOOBIG, "more than" },
        { "lpk-manifest 1\nprofile \n\n", LP_EFORMAT, "line 2: a profile "
          "name has 1 to 64 bytes" },
        { "lpk-manifest 1\nprofile Phone\n\n", LP_EFORMAT, "a profile name "
          "is made of a-z" },
        { "lpk-manifest 1\nprofile -x\n\n", LP_EFORMAT, "the first a letter" },
        { "lpk-manifest 1\nprofile a\nprofile a\n\n", LP_EFORMAT,
          "'profile' given twice" },
        { "lpk-manifest 1\nprofile "
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n\n",
          LP_EFORMAT, "1 to 64 bytes" },
        { "lpk-manifest 1\nBad key\n\n", LP_EFORMAT, "bad header key" },
        { HEAD(1), LP_EFORMAT, "lists 0 entries, header says 1" },
        { HEAD(0) H1 " 1 a/b x\n", LP_EFORMAT, "more lines" },
        { HEAD(1) "00 1 text/plain x\n", LP_EFORMAT, "line 9: entry must start" },
        { HEAD(1) H1 " 01 text/plain x\n", LP_EFORMAT, "entry size" },
        { HEAD(1) H1 " 68719476737 text/plain x\n", LP_EFORMAT, "entry size" },
        { HEAD(1) H1 " 1 textplain x\n", LP_EFORMAT, "no '/'" },
        { HEAD(1) H1 " 1 text/plain\n", LP_EFORMAT, "no path" },
        { HEAD(1) H1 " 1 text/plain ../x\n", LP_EFORMAT, "'..'" },
        { HEAD(1) H1 " 1 text/plain /x\n", LP_EFORMAT, "absolute" },
        { HEAD(2) H1 " 1 text/plain b\n" H1 " 1 text/plain a\n", LP_EFORMAT,
          "line 10: entry 'a' is out of order" },
        { HEAD(2) H1 " 1 text/plain a\n" H1 " 1 text/plain a\n", LP_EFORMAT,
          "listed twice" },
        { HEAD(2) H1 " 1 text/plain a\n" H1 " 1 text/plain a/b\n", LP_EFORMAT,
          "inside entry 'a'" },
        { HEAD(3) H1 " 1 text/plain a\n" H1 " 1 text/plain a-b\n"
          H1 " 1 text/plain a/b\n", LP_EFORMAT, "inside entry 'a'" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        lpi_manifest m;
        int rc = parse(ctx, bad[i].text, &m);
        if (rc != bad[i].code || !strstr(lp_ctx_errmsg(ctx), bad[i].msg))
            fail_msg("case %zu: got %d '%s', want %d '%s'", i, rc,
                     lp_ctx_errmsg(ctx), bad[i].code, bad[i].msg);
    }
}

#define CHEAD(chunks) "lpk-manifest 1\nid org.example.math\nversion 3\n" \
    "label 2026 term 1\nlanguages tet pt\ncreated 2025-11-28T14:00:00Z\n" \
    chunks "entries 1\n\n" H2 " 5 text/plain a/b.txt\n"

/* "chunks" lines: any number, each checked; written back as they were */
static void test_chunks(void **state)
{
    lp_ctx *ctx = *state;
    lpi_manifest m;
    const char *text = CHEAD("chunks " H2 " 65536 " H1 H2 "\n"
                             "chunks " H2 " 65536 " H1 H2 "\n");
    lpi_buf out;

    assert_int_equal(parse(ctx, text, &m), 0);
    assert_int_equal(m.nchunks, 2);
    assert_int_equal(m.chunks[0].chunk_size, 65536);
    assert_int_equal(m.chunks[1].count, 2);
    assert_int_equal(m.chunks[0].hash[31], 0xff);
    assert_memory_equal(m.chunks[0].hex + 64, H2, 64);
    lpi_buf_init(&out, LP_MAX_MANIFEST_BYTES);
    assert_int_equal(lpi_manifest_serialize(&m, ctx, &out), 0);
    assert_string_equal(out.data, text);
    lpi_buf_dispose(&out, ctx);
    lpi_manifest_dispose(&m, ctx);

    const struct { const char *text; const char *msg; } bad[] = {
        { CHEAD("chunks " H2 "\n"), "must be 'HASH SIZE HASHES'" },
        { CHEAD("chunks " H2 " 65536\n"), "must be 'HASH SIZE HASHES'" },
        { CHEAD("chunks x" H2 " 65536 " H1 "\n"), "HASH SIZE HASHES" },
        { CHEAD("chunks " H2 " 65537 " H1 "\n"), "power of two" },
        { CHEAD("chunks " H2 " 32768 " H1 "\n"), "power of two" },
        { CHEAD("chunks " H2 " 33554432 " H1 "\n"), "power of two" },
        { CHEAD("chunks " H2 " 065536 " H1 "\n"), "power of two" },
        { CHEAD("chunks " H2 " 65536 " H1 "0\n"), "64 hex digits each" },
        { CHEAD("chunks " H2 " 65536 \n"), "64 hex digits each" },
        { CHEAD("chunks " H2 " 65536 " H1 "000000000000000000000000000000"
                "000000000000000000000000000000000F\n"), "chunk hash 1" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        int rc = parse(ctx, bad[i].text, &m);
        if (rc != LP_EFORMAT || !strstr(lp_ctx_errmsg(ctx), bad[i].msg))
            fail_msg("case %zu: got %d '%s', want '%s'", i, rc,
                     lp_ctx_errmsg(ctx), bad[i].msg);
    }
}

static void test_embedded_nul(void **state)
{
    lp_ctx *ctx = *state;
    lpi_manifest m;
    static const unsigned char text[] = "lpk-manifest 1\n\0id a\n";

    assert_int_equal(lpi_manifest_parse(&m, ctx, text, sizeof(text) - 1),
                     LP_EFORMAT);
}

static void test_time(void **state)
{
    char buf[LPI_TIME_BYTES];
    int64_t t;

    (void)state;
    assert_int_equal(lpi_time_format(buf, 0), 0);
    assert_string_equal(buf, "1970-01-01T00:00:00Z");
    assert_int_equal(lpi_time_format(buf, 951782400), 0);
    assert_string_equal(buf, "2000-02-29T00:00:00Z");
    assert_int_equal(lpi_time_parse(buf, 20, &t), 0);
    assert_int_equal(t, 951782400);
    assert_int_equal(lpi_time_parse("1900-02-29T00:00:00Z", 20, &t), -1);
    assert_int_equal(lpi_time_parse("2023-02-29T00:00:00Z", 20, &t), -1);
    assert_int_equal(lpi_time_parse("2024-02-29T24:00:00Z", 20, &t), -1);
    assert_int_equal(lpi_time_parse("2024-02-29 00:00:00Z", 20, &t), -1);
    assert_int_equal(lpi_time_format(buf, -1), -1);
    for (int64_t s = 0; s < 4102444800; s += 86400 * 37 + 3671) {
        assert_int_equal(lpi_time_format(buf, s), 0);
        assert_int_equal(lpi_time_parse(buf, 20, &t), 0);
        assert_int_equal(t, s);
    }
}

/* Every byte value at every place of a hash: the word-at-a-time decoder
 * must agree with the one-digit-at-a-time rule (0-9 and a-f only) */
static void test_unhex_every_byte(void **state)
{
    static const char digits[] = "0123456789abcdef";
    char hex[LP_HASH_HEX_BYTES + 1];
    unsigned char got[LP_HASH_BYTES], want[LP_HASH_BYTES];

    (void)state;
    for (size_t i = 0; i < LP_HASH_HEX_BYTES; i++)
        hex[i] = digits[(i * 7 + 3) % 16];
    hex[LP_HASH_HEX_BYTES] = '\0';
    for (size_t i = 0; i < LP_HASH_BYTES; i++)
        want[i] = (unsigned char)(((i * 14 + 3) % 16) << 4 |
                                  ((i * 14 + 10) % 16));
    assert_int_equal(lpi_hash_unhex(got, hex), 0);
    assert_memory_equal(got, want, LP_HASH_BYTES);
    for (size_t at = 0; at < LP_HASH_HEX_BYTES; at++) {
        char keep = hex[at];
        for (int c = 0; c < 256; c++) {
            const char *d = c ? strchr(digits, c) : NULL;
            unsigned v = d ? (unsigned)(d - digits) : 0;
            unsigned char b = want[at / 2];

            hex[at] = (char)c;
            if (!d) {
                assert_int_equal(lpi_hash_unhex(got, hex), -1);
                continue;
            }
            assert_int_equal(lpi_hash_unhex(got, hex), 0);
            b = at % 2 ? (unsigned char)((b & 0xf0) | v)
                       : (unsigned char)((b & 0x0f) | v << 4);
            assert_int_equal(got[at / 2], b);
        }
        hex[at] = keep;
    }
}

/* A control character is found wherever it falls in a word of eight */
static void test_control_anywhere(void **state)
{
    lp_ctx *ctx = *state;
    const char *good = HEAD(1) H1 " 5 text/plain a/abcdefghijklmnopq.txt\n";
    size_t len = strlen(good);
    char *text = malloc(len + 1);
    lpi_manifest m;

    assert_non_null(text);
    for (size_t at = len - 30; at < len - 1; at++)
        for (int k = 0; k < 3; k++) {
            const unsigned char bad[] = { 0x01, 0x7f, 0x1f };
            char want[80];

            memcpy(text, good, len + 1);
            text[at] = (char)bad[k];
            assert_int_equal(lpi_manifest_parse(&m, ctx,
                                                (unsigned char *)text, len),
                             LP_EFORMAT);
            snprintf(want, sizeof(want), "manifest has a control character "
                     "(0x%02x) at byte %zu", bad[k], at);
            assert_string_equal(lp_ctx_errmsg(ctx), want);
        }
    free(text);
}

static int setup(void **state)
{
    lp_ctx *ctx;
    if (lp_ctx_new(&ctx, NULL) < 0)
        return -1;
    *state = ctx;
    return 0;
}

static int teardown(void **state)
{
    lp_ctx_free(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_unknown_header_key_ignored),
        cmocka_unit_test(test_profile),
        cmocka_unit_test(test_newer_format_refused),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_chunks),
        cmocka_unit_test(test_embedded_nul),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_unhex_every_byte),
        cmocka_unit_test(test_control_anywhere),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
