/* tests/unit/test_dynamodb_value.c — AttributeValue rules: numbers, key encoding, validation
 * messages, base64, item sizes and the 400 KB boundary (server/dynamodb_value.c).
 * Table-driven: a failing row prints its input beside the expected and actual results. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/dynamodb_err.h"
#include "server/dynamodb_value.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define INVALID "One or more parameter values were invalid: "
#define NOT_NUMERIC "The parameter cannot be converted to a numeric value: "
#define OVERFLOW                                                                        \
    "Number overflow. Attempting to store a number with magnitude larger than supported range"
#define UNDERFLOW                                                                       \
    "Number underflow. Attempting to store a number with magnitude smaller than supported range"
#define PRECISION "Attempting to store more than 38 significant digits in a Number"
#define EMPTY_AV                                                                         \
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
#define MULTI_AV                                                                                 \
    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the " \
    "supported datatypes"
#define NESTING                                                                              \
    "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels " \
    "beyond supported limit"
#define ITEM_TOO_BIG "Item size has exceeded the maximum allowed size"

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
    if (!v)
        fail_msg("bad test JSON %s: %s", text, jerr.text);
    return v;
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* "input -> result" for a normalisation: the canonical form or the error message. */
static void normalize_row(const char *in, char *row, size_t cap)
{
    char out[DDBVAL_NUMBER_MAX];
    struct awserr err = {0};
    if (ddbval_number_normalize(in, strlen(in), out, &err) == 0)
        snprintf(row, cap, "%s -> %s", in, out);
    else
        snprintf(row, cap, "%s -> %s: %s", in, err.kind == &DDB_VALIDATION ? "V" : "?",
                 err.message);
}

/* ---- numbers ---------------------------------------------------------------------------- */

static void test_number_normalize_valid(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } cases[] = {
        {"1", "1"}, {"-1.5", "-1.5"}, {"+3", "3"}, {".5", "0.5"}, {"5.", "5"}, {"+.5", "0.5"},
        {"-.5e1", "-5"}, {"1e5", "100000"}, {"1E-3", "0.001"}, {"1e+5", "100000"},
        {"1.50", "1.5"}, {"1E+2", "100"}, {"-0.0", "0"}, {"-0", "0"}, {"+0", "0"}, {"00", "0"},
        {"0.000123", "0.000123"}, {"00042.1200", "42.12"}, {"0001.23", "1.23"}, {"15E-1", "1.5"},
        {"100.0100", "100.01"}, {"123.456", "123.456"}, {"-7.1234", "-7.1234"},
        {"-17e5", "-1700000"}, {"1e0000000000000000000000005", "100000"}, {"0e125", "0"},
        {"0e-130", "0"}, {"0e1", "0"},
        {"12345678901234567890123456789012345678", "12345678901234567890123456789012345678"},
        {"3.1415926535897932384626433832795028841", "3.1415926535897932384626433832795028841"},
        {"31415926535897932384626433832795028841e30",
         "31415926535897932384626433832795028841000000000000000000000000000000"},
        {"1000000000000000000000000000000000000000000000",
         "1000000000000000000000000000000000000000000000"},
        {"0.00000000000000000000000000000000000000000000000000000000000001",
         "0.00000000000000000000000000000000000000000000000000000000000001"},
    };
    char want[1024], got[1024];
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        snprintf(want, sizeof want, "%s -> %s", cases[i].in, cases[i].out);
        normalize_row(cases[i].in, got, sizeof got);
        assert_string_equal(got, want);
    }
}

/* The extremes of the range, written out: 126 integer digits, and 1E-130's 132 characters. */
static void test_number_normalize_extremes(void **state)
{
    (void)state;
    char out[DDBVAL_NUMBER_MAX], want[DDBVAL_NUMBER_MAX];
    struct awserr err = {0};
    const char *max = "-9.9999999999999999999999999999999999999E+125";
    assert_int_equal(ddbval_number_normalize(max, strlen(max), out, &err), 0);
    snprintf(want, sizeof want, "-%s%0*d", "99999999999999999999999999999999999999", 88, 0);
    assert_string_equal(out, want);

    const char *one = "1e125";
    assert_int_equal(ddbval_number_normalize(one, strlen(one), out, &err), 0);
    assert_int_equal(strlen(out), 126);
    assert_true(out[0] == '1' && strspn(out + 1, "0") == 125);

    const char *longest = "-1.2345678901234567890123456789012345678E-130";
    assert_int_equal(ddbval_number_normalize(longest, strlen(longest), out, &err), 0);
    assert_int_equal(strlen(out), DDBVAL_NUMBER_MAX - 1); /* the buffer is exactly enough */
    assert_true(strncmp(out, "-0.", 3) == 0 && strspn(out + 3, "0") == 129);
    assert_string_equal(out + 3 + 129, "12345678901234567890123456789012345678");

    char *written = repeat('0', 127); /* 1E126 written out: 127 digits */
    written[0] = '1';
    assert_int_equal(ddbval_number_normalize(written, 127, out, &err), -1);
    assert_string_equal(err.message, OVERFLOW);
    awserr_clear(&err);
    written[126] = '\0'; /* 1E125 */
    assert_int_equal(ddbval_number_normalize(written, 126, out, &err), 0);
    assert_string_equal(out, written);
    free(written);

    const char *smallest = "0.1e-129";
    assert_int_equal(ddbval_number_normalize(smallest, strlen(smallest), out, &err), 0);
    snprintf(want, sizeof want, "0.%0*d1", 129, 0);
    assert_string_equal(out, want);
    assert_null(err.kind);
}

static void test_number_normalize_errors(void **state)
{
    (void)state;
    static const struct { const char *in, *msg; } cases[] = {
        {"", NOT_NUMERIC}, {" 1", NOT_NUMERIC " 1"}, {"1 ", NOT_NUMERIC "1 "},
        {"abc", NOT_NUMERIC "abc"}, {"1.2.3", NOT_NUMERIC "1.2.3"}, {"0x10", NOT_NUMERIC "0x10"},
        {"1e", NOT_NUMERIC "1e"}, {"1e+", NOT_NUMERIC "1e+"}, {"e5", NOT_NUMERIC "e5"},
        {".", NOT_NUMERIC "."}, {"+", NOT_NUMERIC "+"}, {"-", NOT_NUMERIC "-"},
        {"--1", NOT_NUMERIC "--1"}, {"1,5", NOT_NUMERIC "1,5"}, {"NaN", NOT_NUMERIC "NaN"},
        {"Infinity", NOT_NUMERIC "Infinity"}, {"-Infinity", NOT_NUMERIC "-Infinity"},
        {"1e1.5", NOT_NUMERIC "1e1.5"}, {".e5", NOT_NUMERIC ".e5"},
        {"1e9223372036854775808", NOT_NUMERIC "1e9223372036854775808"},
        {"1e-9223372036854775809", NOT_NUMERIC "1e-9223372036854775809"},
        {"1e126", OVERFLOW}, {"11e125", OVERFLOW}, {"-1e126", OVERFLOW},
        {"1e99999999999", OVERFLOW}, {"-1e99999999999", OVERFLOW}, {"1e2147483648", OVERFLOW},
        {"1e2147483647", OVERFLOW}, {"1e9223372036854775807", OVERFLOW}, {"0e126", OVERFLOW},
        {"1e-131", UNDERFLOW}, {"0.9e-130", UNDERFLOW}, {"-1e-131", UNDERFLOW},
        {"1e-99999999999", UNDERFLOW}, {"1e-9223372036854775808", UNDERFLOW},
        {"0e-131", UNDERFLOW},
        {"1234567890123456789012345678901234567890", PRECISION},
        {"3.14159265358979323846264338327950288419", PRECISION},
        {"314159265358979323846264338327950288419e30", PRECISION},
        {"0.000100000000000000000000000000000000000001", PRECISION},
    };
    char want[1024], got[1024];
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        snprintf(want, sizeof want, "%s -> V: %s", cases[i].in, cases[i].msg);
        normalize_row(cases[i].in, got, sizeof got);
        assert_string_equal(got, want);
    }
}

/* An embedded NUL is part of the value, not its end. */
static void test_number_embedded_nul(void **state)
{
    (void)state;
    char out[DDBVAL_NUMBER_MAX];
    struct awserr err = {0};
    assert_int_equal(ddbval_number_normalize("1\0" "2", 3, out, &err), -1);
    assert_ptr_equal(err.kind, &DDB_VALIDATION);
}

/* ---- key encoding ----------------------------------------------------------------------- */

static void encode_number(const char *text, struct buf *out)
{
    char av[256];
    struct awserr err = {0};
    snprintf(av, sizeof av, "{\"N\":\"%s\"}", text);
    json_t *v = parse(av);
    assert_int_equal(ddbval_value_check(v, 1, &err), 0);
    assert_int_equal(ddbval_key_encode(v, 'N', out, &err), 0);
    json_decref(v);
}

static int cmp_encoded(const struct buf *a, const struct buf *b)
{
    int c = memcmp(a->data, b->data, a->len < b->len ? a->len : b->len);
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

static int cmp_encoded_qsort(const void *a, const void *b)
{
    return cmp_encoded(a, b);
}

static const char *const ascending[] = {
    "-9.9999999999999999999999999999999999999E+125", "-1E+125", "-1E+100", "-1000", "-10.5",
    "-10", "-2", "-1.52", "-1.5", "-1.05", "-1", "-0.5", "-0.001", "-1.5E-130", "-1E-130", "0",
    "1E-130", "1.5E-130", "0.001", "0.5", "1", "1.05", "1.5", "1.52", "2", "10", "10.5", "99",
    "100", "1000", "12345678901234567890123456789012345678", "1E+100", "1E+125",
    "9.9999999999999999999999999999999999999E+125",
};

/* Sorting the encodings with memcmp gives the numbers in numeric order. */
static void test_key_order(void **state)
{
    (void)state;
    size_t n = ARRAY_LEN(ascending);
    struct buf enc[ARRAY_LEN(ascending)];
    size_t order[ARRAY_LEN(ascending)];
    unsigned seed = 42;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = n - 1; i > 0; i--) { /* encode in a shuffled order */
        size_t j = (size_t)rand_r(&seed) % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (size_t i = 0; i < n; i++) {
        enc[i] = (struct buf)BUF_INIT;
        encode_number(ascending[order[i]], &enc[i]);
    }
    qsort(enc, n, sizeof enc[0], cmp_encoded_qsort);
    for (size_t i = 0; i < n; i++) {
        struct buf want = BUF_INIT;
        encode_number(ascending[i], &want);
        if (cmp_encoded(&enc[i], &want) != 0)
            fail_msg("position %zu: expected %s", i, ascending[i]);
        buf_free(&want);
        buf_free(&enc[i]);
    }
}

static void test_key_equal_numbers_encode_identically(void **state)
{
    (void)state;
    static const char *const same[][3] = {
        {"1.50", "1.5", "15E-1"}, {"100", "1E+2", "0.1e3"}, {"-0.0", "0", "0e-5"},
        {"-2.50", "-25e-1", "-.25E1"},
    };
    for (size_t i = 0; i < ARRAY_LEN(same); i++) {
        struct buf a = BUF_INIT, b = BUF_INIT, c = BUF_INIT;
        encode_number(same[i][0], &a);
        encode_number(same[i][1], &b);
        encode_number(same[i][2], &c);
        assert_int_equal(cmp_encoded(&a, &b), 0);
        assert_int_equal(cmp_encoded(&a, &c), 0);
        buf_free(&a), buf_free(&b), buf_free(&c);
    }
}

static void assert_round_trip(const char *text)
{
    char canon[DDBVAL_NUMBER_MAX], row_want[400], row_got[400];
    struct awserr err = {0};
    struct buf enc = BUF_INIT, dec = BUF_INIT;
    assert_int_equal(ddbval_number_normalize(text, strlen(text), canon, &err), 0);
    encode_number(text, &enc);
    assert_int_equal(ddbval_key_decode_number((const unsigned char *)enc.data, enc.len, &dec), 0);
    snprintf(row_want, sizeof row_want, "%s -> %s", text, canon);
    snprintf(row_got, sizeof row_got, "%s -> %s", text, dec.data);
    assert_string_equal(row_got, row_want);
    buf_free(&enc);
    buf_free(&dec);
}

static void test_key_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(ascending); i++)
        assert_round_trip(ascending[i]);
    assert_round_trip("-1.2345678901234567890123456789012345678E-130");
    assert_round_trip("0.1");
    assert_round_trip("-123456789.123456789");
}

static void test_key_decode_rejects(void **state)
{
    (void)state;
    static const struct { unsigned char b[24]; size_t len; } bad[] = {
        {{0}, 0},                          /* empty */
        {{0x02, 0x00}, 2},                 /* zero with trailing bytes */
        {{0x03}, 1},                       /* no exponent */
        {{0x03, 0x82}, 2},                 /* no digits */
        {{0x03, 0x82, 0x00}, 3},           /* digit nibble 0 */
        {{0x03, 0x82, 0x10}, 3},           /* leading zero digit */
        {{0x03, 0x82, 0x21}, 3},           /* trailing zero digit */
        {{0x03, 0x82, 0x20, 0x20}, 4},     /* pad nibble before the end */
        {{0x03, 0x82, 0xB0}, 3},           /* nibble 11 */
        {{0x01, 0x7D, 0xDF}, 3},           /* negative without terminator */
        {{0x04, 0x82, 0x20}, 3},           /* unknown class */
        {{0x03, 0x82, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
          0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22}, 22}, /* 40 digits */
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        struct buf out = BUF_INIT;
        if (ddbval_key_decode_number(bad[i].b, bad[i].len, &out) != -1)
            fail_msg("bad encoding %zu decoded as %s", i, out.data);
        buf_free(&out);
    }
    struct buf out = BUF_INIT; /* and the smallest valid ones do decode */
    assert_int_equal(ddbval_key_decode_number((const unsigned char *)"\x02", 1, &out), 0);
    assert_int_equal(ddbval_key_decode_number((const unsigned char *)"\x03\x82\x20", 3, &out), 0);
    assert_string_equal(out.data, "01");
    buf_free(&out);
}

/* A reference order straight from the definition: sign, then exponent, then digits. */
struct ref_num {
    int neg;
    int exp;
    char digits[39]; /* 38 digits, zero-padded */
};

static int ref_cmp(const struct ref_num *a, const struct ref_num *b)
{
    int mag;
    if (a->neg != b->neg)
        return a->neg ? -1 : 1;
    if (a->exp != b->exp)
        mag = a->exp > b->exp ? 1 : -1;
    else
        mag = strcmp(a->digits, b->digits);
    mag = (mag > 0) - (mag < 0);
    return a->neg ? -mag : mag;
}

/* Random numbers over the whole range, written in scientific notation with stray zeros. */
static void random_number(unsigned *seed, struct ref_num *r, char *text)
{
    int nd = 1 + rand_r(seed) % 38;
    memset(r->digits, '0', 38);
    r->digits[38] = '\0';
    for (int i = 0; i < nd; i++) {
        int edge = i == 0 || i == nd - 1; /* first and last digits are non-zero */
        r->digits[i] = (char)('0' + (edge ? 1 + rand_r(seed) % 9 : rand_r(seed) % 10));
    }
    r->neg = rand_r(seed) % 2;
    r->exp = -130 + rand_r(seed) % 256;
    sprintf(text, "%s00%c.%.*s000e%d", r->neg ? "-" : "", r->digits[0], nd - 1, r->digits + 1,
            r->exp);
}

static void test_key_order_random(void **state)
{
    (void)state;
    unsigned seed = 12345;
    for (int i = 0; i < 3000; i++) {
        struct ref_num a, b;
        char ta[128], tb[128];
        struct buf ea = BUF_INIT, eb = BUF_INIT;
        random_number(&seed, &a, ta);
        if (i % 3 == 0) { /* often share sign and exponent, so digits decide */
            b = a;
            b.digits[rand_r(&seed) % 38] = (char)('0' + rand_r(&seed) % 10);
            if (b.digits[0] == '0')
                b.digits[0] = '1';
            int nd = 38;
            while (b.digits[nd - 1] == '0')
                nd--;
            sprintf(tb, "%s%c.%.*se%d", b.neg ? "-" : "", b.digits[0], nd - 1, b.digits + 1, b.exp);
        } else {
            random_number(&seed, &b, tb);
        }
        encode_number(ta, &ea);
        encode_number(tb, &eb);
        int want = ref_cmp(&a, &b), got = cmp_encoded(&ea, &eb);
        if (((got > 0) - (got < 0)) != want)
            fail_msg("%s vs %s: encoded order %d, numeric order %d", ta, tb, got, want);
        if (i % 10 == 0)
            assert_round_trip(ta);
        buf_free(&ea);
        buf_free(&eb);
    }
}

static void test_key_encode_strings_and_binary(void **state)
{
    (void)state;
    struct awserr err = {0};
    struct buf out = BUF_INIT;
    json_t *s = parse("{\"S\":\"h\\u00e9\"}"), *b = parse("{\"B\":\"AP8=\"}");
    assert_int_equal(ddbval_key_encode(s, 'S', &out, &err), 0);
    assert_int_equal(out.len, 3);
    assert_memory_equal(out.data, "h\xc3\xa9", 3);
    buf_reset(&out);
    assert_int_equal(ddbval_key_encode(b, 'B', &out, &err), 0);
    assert_int_equal(out.len, 2);
    assert_memory_equal(out.data, "\x00\xff", 2);
    assert_int_equal(ddbval_key_encode(s, 'N', &out, &err), -1);
    assert_ptr_equal(err.kind, &DDB_VALIDATION);
    assert_string_equal(err.message, INVALID "Type mismatch for key expected: N actual: S");
    buf_free(&out);
    json_decref(s);
    json_decref(b);
}

/* ---- base64 ----------------------------------------------------------------------------- */

static void test_base64(void **state)
{
    (void)state;
    static const struct { const char *in; const char *out; size_t len; } good[] = {
        {"", "", 0}, {"QQ==", "A", 1}, {"QUI=", "AB", 2}, {"QUJD", "ABC", 3},
        {"AA==", "\0", 1}, {"/w==", "\xff", 1}, {"+/8=", "\xfb\xff", 2},
        {"QUJDRA==", "ABCD", 4},
    };
    static const char *const bad[] = {
        "Q", "QQ=", "QQ", "Q===", "====", "QR==", "QUJ=", "+/+=", "=+/=", "QQ==QQ==", " QQ=",
        "QQ==\n", "QU!D", "QUJD====",
    };
    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        struct buf out = BUF_INIT;
        buf_adds(&out, "x"); /* decoding appends */
        assert_int_equal(ddbval_base64_decode(good[i].in, strlen(good[i].in), &out), 0);
        assert_int_equal(out.len, 1 + good[i].len);
        assert_memory_equal(out.data + 1, good[i].out, good[i].len);
        assert_int_equal(out.data[out.len], '\0');
        buf_free(&out);
    }
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        struct buf out = BUF_INIT;
        if (ddbval_base64_decode(bad[i], strlen(bad[i]), &out) != -1)
            fail_msg("accepted invalid base64 '%s'", bad[i]);
        buf_free(&out);
    }
}

/* ---- validation ------------------------------------------------------------------------- */

/* "json -> result" for one value check: OK, or the error's kind and message. */
static void check_row(const char *text, int depth, char *row, size_t cap)
{
    struct awserr err = {0};
    json_t *v = parse(text);
    if (ddbval_value_check(v, depth, &err) == 0)
        snprintf(row, cap, "%s -> OK", text);
    else
        snprintf(row, cap, "%s -> %s: %s", text, err.kind ? err.kind->code : "(none)",
                 err.message);
    json_decref(v);
}

#define V "ValidationException"
#define SER "SerializationException"

static void test_value_check_errors(void **state)
{
    (void)state;
    static const struct { const char *json, *kind, *msg; } cases[] = {
        /* one type member */
        {"{}", V, EMPTY_AV}, {"{\"X\":\"1\"}", V, EMPTY_AV}, {"{\"S\":null}", V, EMPTY_AV},
        {"{\"s\":\"x\"}", V, EMPTY_AV}, {"null", V, EMPTY_AV},
        {"{\"S\":\"a\",\"N\":\"1\"}", V, MULTI_AV}, {"{\"NULL\":false,\"S\":\"a\"}", V, MULTI_AV},
        {"{\"L\":[null]}", V, EMPTY_AV}, {"{\"M\":{\"a\":{}}}", V, EMPTY_AV},
        /* NULL, numbers */
        {"{\"NULL\":false}", V, INVALID "Null attribute value types must have the value of true"},
        {"{\"N\":\"abc\"}", V, NOT_NUMERIC "abc"}, {"{\"N\":\"\"}", V, NOT_NUMERIC},
        {"{\"N\":\"1e126\"}", V, OVERFLOW}, {"{\"NS\":[\"1\",\"x\"]}", V, NOT_NUMERIC "x"},
        {"{\"M\":{\"x\":{\"L\":[{\"N\":\"1e-131\"}]}}}", V, UNDERFLOW},
        /* sets */
        {"{\"SS\":[]}", V, INVALID "An string set  may not be empty"},
        {"{\"NS\":[]}", V, INVALID "An number set  may not be empty"},
        {"{\"BS\":[]}", V, INVALID "Binary sets should not be empty"},
        {"{\"SS\":[\"a\",\"a\"]}", V,
         INVALID "Input collection [a, a] contains duplicates."},
        {"{\"SS\":[\"b\",\"a\",\"b\"]}", V,
         INVALID "Input collection [a, b, b] contains duplicates."},
        {"{\"SS\":[\"c\",\"b\",\"a\",\"b\",\"z\",\"a\"]}", V,
         INVALID "Input collection [a, b, c, b, z, a] contains duplicates."},
        {"{\"SS\":[\"\",\"\"]}", V, INVALID "Input collection [, ] contains duplicates."},
        {"{\"NS\":[\"2\",\"1\",\"2\"]}", V, "Input collection contains duplicates"},
        {"{\"NS\":[\"1\",\"1.0\"]}", V, "Input collection contains duplicates"},
        {"{\"NS\":[\"-0\",\"0e5\"]}", V, "Input collection contains duplicates"},
        {"{\"BS\":[\"/w==\",\"AA==\",\"AA==\"]}", V,
         INVALID "Input collection [AA==, /w==, AA==]of type BS contains duplicates."},
        {"{\"BS\":[\"\",\"\"]}", V,
         INVALID "Input collection [, ]of type BS contains duplicates."},
        {"{\"SS\":[\"a\",null]}", V, INVALID "A set may not contain null"},
        /* wire types */
        {"{\"S\":5}", SER, "NUMBER_VALUE cannot be converted to String"},
        {"{\"S\":1.5}", SER, "DECIMAL_VALUE cannot be converted to String"},
        {"{\"S\":true}", SER, "TRUE_VALUE cannot be converted to String"},
        {"{\"N\":false}", SER, "FALSE_VALUE cannot be converted to String"},
        {"{\"S\":{}}", SER, "Start of structure or map found where not expected"},
        {"{\"S\":[]}", SER, "Unrecognized collection type class java.lang.String"},
        {"{\"BOOL\":\"x\"}", SER, "Unexpected token received from parser"},
        {"{\"BOOL\":1}", SER, "NUMBER_VALUE cannot be converted to Boolean"},
        {"{\"NULL\":[]}", SER, "Unrecognized collection type class java.lang.Boolean"},
        {"{\"M\":[]}", SER,
         "Unrecognized collection type java.util.Map<java.lang.String, "
         "com.amazonaws.dynamodb.v20120810.AttributeValue>"},
        {"{\"M\":\"x\"}", SER, "Unexpected field type"},
        {"{\"L\":{}}", SER, "Start of structure or map found where not expected"},
        {"{\"SS\":\"x\"}", SER, "Unexpected field type"},
        {"{\"SS\":[1]}", SER, "NUMBER_VALUE cannot be converted to String"},
        {"{\"L\":[\"x\"]}", SER, "Unexpected value type in payload"},
        {"{\"L\":[[]]}", SER,
         "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue"},
        {"\"x\"", SER, "Unexpected value type in payload"},
        {"{\"B\":5}", SER, "only base-64-encoded strings are convertible to bytes"},
        {"{\"B\":\"23456\"}", SER,
         "Base64 encoded length is expected a multiple of 4 bytes but found: 5"},
        {"{\"B\":\"=+/=\"}", SER, "Invalid last non-pad Base64 character dectected"},
        {"{\"B\":\"+/+=\"}", SER, "Invalid last non-pad Base64 character dectected"},
        {"{\"BS\":[\"QQ==\",\" QQ=\"]}", SER, "Invalid Base64 character"},
        /* wire errors come first, wherever they are */
        {"{\"S\":\"x\",\"N\":5}", SER, "NUMBER_VALUE cannot be converted to String"},
        {"{\"L\":[{\"NULL\":false},{\"S\":5}]}", SER, "NUMBER_VALUE cannot be converted to String"},
        {"{\"X\":5}", V, EMPTY_AV}, /* unknown members are not read at all */
    };
    char want[1024], got[1024];
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        snprintf(want, sizeof want, "%s -> %s: %s", cases[i].json, cases[i].kind, cases[i].msg);
        check_row(cases[i].json, 1, got, sizeof got);
        assert_string_equal(got, want);
    }
}

static void test_value_check_valid(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "{\"S\":\"\"}", "{\"B\":\"\"}", "{\"NULL\":true}", "{\"BOOL\":false}", "{\"L\":[]}",
        "{\"M\":{}}", "{\"SS\":[\"\",\"a\"]}", "{\"BS\":[\"\",\"AA==\"]}",
        "{\"S\":\"x\",\"Y\":[1]}", "{\"N\":\"1\",\"S\":null}",
        "{\"L\":[{\"M\":{\"a\":{\"NS\":[\"1\",\"2\"]}}},{\"BOOL\":true}]}",
    };
    char want[1024], got[1024];
    for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
        snprintf(want, sizeof want, "%s -> OK", ok[i]);
        check_row(ok[i], 1, got, sizeof got);
        assert_string_equal(got, want);
    }
}

static void test_value_check_normalizes_in_place(void **state)
{
    (void)state;
    struct awserr err = {0};
    json_t *v = parse("{\"M\":{\"n\":{\"N\":\"1.50\"},\"ns\":{\"NS\":[\"1E2\",\"0.50\",\"7\"]},"
                      "\"l\":{\"L\":[{\"N\":\"007\"}]}}}");
    json_t *seven = json_array_get(json_object_get(json_object_get(json_object_get(v, "M"), "ns"),
                                                   "NS"), 2);
    assert_int_equal(ddbval_value_check(v, 1, &err), 0);
    char *text = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(text, "{\"M\":{\"l\":{\"L\":[{\"N\":\"7\"}]},\"n\":{\"N\":\"1.5\"},"
                              "\"ns\":{\"NS\":[\"100\",\"0.5\",\"7\"]}}}");
    /* a canonical member is kept, not reallocated */
    assert_ptr_equal(json_array_get(json_object_get(json_object_get(json_object_get(v, "M"),
                                                                    "ns"), "NS"), 2), seven);
    free(text);
    json_decref(v);
}

/* depth-1 maps around a leaf: the attribute is level 1, so the leaf sits at level `levels`. */
static json_t *nested(int levels)
{
    json_t *v = json_pack("{s:s}", "S", "leaf");
    for (int i = 1; i < levels; i++)
        v = json_pack("{s:{s:o}}", "M", "n", v);
    return v;
}

static void test_nesting_limit(void **state)
{
    (void)state;
    struct awserr err = {0};
    json_t *item = json_object();
    json_object_set_new(item, "data", nested(32)); /* 31 maps, leaf at level 32 */
    assert_int_equal(ddbval_item_check(item, &err), 0);
    json_object_set_new(item, "data", nested(33));
    assert_int_equal(ddbval_item_check(item, &err), -1);
    assert_ptr_equal(err.kind, &DDB_VALIDATION);
    assert_string_equal(err.message, NESTING);
    json_decref(item);

    char row[1024];
    check_row("{\"S\":\"x\"}", 32, row, sizeof row);
    assert_string_equal(row, "{\"S\":\"x\"} -> OK");
    check_row("{\"S\":\"x\"}", 33, row, sizeof row);
    assert_string_equal(row, "{\"S\":\"x\"} -> " V ": " NESTING);
}

/* ---- items and sizes -------------------------------------------------------------------- */

static size_t checked_size(const char *text)
{
    struct awserr err = {0};
    json_t *item = parse(text);
    if (ddbval_item_check(item, &err) != 0)
        fail_msg("%s: %s", text, err.message);
    size_t n = ddbval_item_size(item);
    json_decref(item);
    return n;
}

static void test_item_size(void **state)
{
    (void)state;
    static const struct { const char *item; size_t size; } cases[] = {
        {"{\"shirt-color\":{\"S\":\"R\"},\"shirt-size\":{\"S\":\"M\"}}", 23},
        {"{\"id\":{\"S\":\"abc\"},\"n\":{\"N\":\"12345\"},\"flag\":{\"BOOL\":true},"
         "\"l\":{\"L\":[{\"S\":\"xy\"}]}}", 22},
        {"{\"m\":{\"M\":{\"ab\":{\"S\":\"c\"}}}}", 8}, {"{\"b\":{\"B\":\"QUJD\"}}", 4},
        {"{\"b\":{\"B\":\"QQ==\"}}", 2}, {"{\"ss\":{\"SS\":[\"a\",\"bc\"]}}", 5},
        {"{\"ns\":{\"NS\":[\"1\",\"22\",\"333\"]}}", 9},
        {"{\"bs\":{\"BS\":[\"QQ==\",\"QUI=\"]}}", 5},
        {"{\"z\":{\"N\":\"0\"}}", 3}, {"{\"z\":{\"N\":\"-0.00100\"}}", 3},
        {"{\"z\":{\"N\":\"1E125\"}}", 3}, {"{\"z\":{\"N\":\"100.01\"}}", 5},
        {"{\"nul\":{\"NULL\":true}}", 4}, {"{\"e\":{\"L\":[]}}", 4}, {"{\"e\":{\"M\":{}}}", 4},
        {"{\"s\":{\"S\":\"h\\u00e9\"}}", 4}, {"{\"h\\u00e9\":{\"S\":\"\"}}", 3}, {"{}", 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        size_t got = checked_size(cases[i].item);
        if (got != cases[i].size)
            fail_msg("%s: size %zu, expected %zu", cases[i].item, got, cases[i].size);
    }
}

/* An item of {"k":{"S":"k"}, "p":{"S":padding}, extra} measuring `total` bytes. */
static json_t *item_of_size(size_t total, json_t *extra_value, size_t extra_size)
{
    json_t *item = json_object();
    json_object_set_new(item, "k", json_pack("{s:s}", "S", "k"));
    if (extra_value)
        json_object_set_new(item, "x", extra_value);
    size_t pad = total - 2 - 1 - (extra_value ? 1 + extra_size : 0);
    char *p = repeat('p', pad);
    json_object_set_new(item, "p", json_pack("{s:s}", "S", p));
    free(p);
    return item;
}

static void test_item_400kb_boundary(void **state)
{
    (void)state;
    for (int with_number = 0; with_number <= 1; with_number++) {
        struct awserr err = {0};
        /* 1E125 is stored as 126 digits but costs 2 bytes: size is not the stored text */
        json_t *at = item_of_size(DDBVAL_MAX_ITEM_SIZE,
                                  with_number ? json_pack("{s:s}", "N", "1E125") : NULL, 2);
        json_t *over = item_of_size(DDBVAL_MAX_ITEM_SIZE + 1,
                                    with_number ? json_pack("{s:s}", "N", "1E125") : NULL, 2);
        assert_int_equal(ddbval_item_check(at, &err), 0);
        assert_null(err.kind);
        assert_int_equal(ddbval_item_size(at), DDBVAL_MAX_ITEM_SIZE);
        assert_int_equal(ddbval_item_check(over, &err), -1);
        assert_ptr_equal(err.kind, &DDB_VALIDATION);
        assert_string_equal(err.message, ITEM_TOO_BIG);
        assert_int_equal(ddbval_item_size(over), DDBVAL_MAX_ITEM_SIZE + 1);
        json_decref(at);
        json_decref(over);
    }
}

static void test_item_names_and_wire(void **state)
{
    (void)state;
    struct awserr err = {0};
    json_t *item = parse("{\"\":{\"S\":\"x\"}}");
    assert_int_equal(ddbval_item_check(item, &err), -1);
    assert_string_equal(err.message, INVALID "An attribute name may not be empty");
    json_decref(item);

    char *name = repeat('n', 65536);
    item = json_pack("{s:{s:s}}", name, "S", "x");
    awserr_clear(&err);
    assert_int_equal(ddbval_item_check(item, &err), -1);
    assert_string_equal(err.message,
                        INVALID "An attribute name may not be longer than 65535 bytes");
    json_decref(item);
    name[65535] = '\0';
    item = json_pack("{s:{s:s}}", name, "S", "x");
    awserr_clear(&err);
    assert_int_equal(ddbval_item_check(item, &err), 0);
    json_decref(item);
    free(name);

    /* a wire error in a later attribute wins over a validation error in an earlier one */
    item = parse("{\"a\":{\"NULL\":false},\"b\":{\"L\":[{\"S\":{}}]}}");
    awserr_clear(&err);
    assert_int_equal(ddbval_item_check(item, &err), -1);
    assert_ptr_equal(err.kind, &DDB_SERIALIZATION);
    assert_string_equal(err.message, "Start of structure or map found where not expected");
    json_decref(item);

    static const struct { const char *item, *msg; } not_maps[] = {
        {"[]", "Unrecognized collection type java.util.Map<java.lang.String, "
               "com.amazonaws.dynamodb.v20120810.AttributeValue>"},
        {"5", "Unexpected field type"},
        {"{\"a\":\"x\"}", "Unexpected value type in payload"},
    };
    for (size_t i = 0; i < ARRAY_LEN(not_maps); i++) {
        item = parse(not_maps[i].item);
        awserr_clear(&err);
        assert_int_equal(ddbval_item_check(item, &err), -1);
        assert_ptr_equal(err.kind, &DDB_SERIALIZATION);
        assert_string_equal(err.message, not_maps[i].msg);
        json_decref(item);
    }
}

/* A large set is checked through the heap path and still finds a late duplicate. */
static void test_large_set(void **state)
{
    (void)state;
    struct awserr err = {0};
    json_t *ns = json_array();
    for (int i = 0; i < 1000; i++)
        json_array_append_new(ns, json_sprintf("%d.0", 999 - i));
    json_t *av = json_pack("{s:o}", "NS", ns);
    assert_int_equal(ddbval_value_check(av, 1, &err), 0);
    assert_string_equal(json_string_value(json_array_get(ns, 0)), "999");
    json_array_append_new(ns, json_string("5e2"));
    assert_int_equal(ddbval_value_check(av, 1, &err), -1);
    assert_string_equal(err.message, "Input collection contains duplicates");
    json_decref(av);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_normalize_valid),
        cmocka_unit_test(test_number_normalize_extremes),
        cmocka_unit_test(test_number_normalize_errors),
        cmocka_unit_test(test_number_embedded_nul),
        cmocka_unit_test(test_key_order),
        cmocka_unit_test(test_key_equal_numbers_encode_identically),
        cmocka_unit_test(test_key_round_trip),
        cmocka_unit_test(test_key_decode_rejects),
        cmocka_unit_test(test_key_order_random),
        cmocka_unit_test(test_key_encode_strings_and_binary),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_value_check_errors),
        cmocka_unit_test(test_value_check_valid),
        cmocka_unit_test(test_value_check_normalizes_in_place),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_item_size),
        cmocka_unit_test(test_item_400kb_boundary),
        cmocka_unit_test(test_item_names_and_wire),
        cmocka_unit_test(test_large_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
