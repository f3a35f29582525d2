/* server/dynamodb_value.c — DynamoDB AttributeValue rules: validation, canonical numbers, item
 * sizes and the order-preserving key encoding; see dynamodb_value.h.
 *
 * DESIGN. Checking runs two walks over the JSON, in the order DynamoDB reports problems:
 *   1. the wire walk: every known member has the JSON type the service model gives it and B/BS
 *      hold valid base64. AWS's deserializer finds these before any validation runs, so they
 *      are SerializationException, and one anywhere in an item wins over any validation error.
 *   2. the rules walk: exactly one type member, NULL is true, sets are non-empty and unique,
 *      numbers are valid (and rewritten canonical), nesting stays within DDBVAL_MAX_DEPTH.
 * Unknown members are ignored and JSON null counts as an absent member, as AWS's deserializer
 * does. Messages are AWS's own where known (sources: shared/docs §2.3, AWS-recorded test
 * suites), quirks included; the "1 validation error detected: " envelope some operations add
 * is left to the caller.
 *
 * Numbers are parsed from their decimal text into struct num (sign, at most 38 significant
 * digits, decimal exponent) and never pass through a double. */
#include "server/dynamodb_value.h"

#include <assert.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "server/dynamodb_err.h"

#define MSG_INVALID "One or more parameter values were invalid: "
#define MSG_NESTING                                                                         \
    "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels " \
    "beyond supported limit"

#define NUM_MAX_DIGITS 38
#define NUM_MAX_EXP 125    /* 9.9999999999999999999999999999999999999E+125 */
#define NUM_MIN_EXP (-130) /* 1E-130 */
#define NAME_MAX_LEN 65535
#define WIRE_MAX_DEPTH 256 /* the wire walk stops here; the rules walk refuses depth 33 anyway */

_Static_assert(DDBVAL_NUMBER_MAX >= 3 + (-NUM_MIN_EXP - 1) + NUM_MAX_DIGITS + 1,
               "DDBVAL_NUMBER_MAX cannot hold -0.<129 zeros><38 digits>");

/* ---- numbers ---------------------------------------------------------------------------- */

/* value = (neg ? -1 : 1) × d1.d2…dn × 10^exp, with d1 and dn non-zero; zero has ndigits 0. */
struct num {
    bool neg;
    int exp;
    int ndigits;
    char digits[NUM_MAX_DIGITS]; /* ASCII '0'..'9' */
};

/* State while reading the digits of a number's mantissa. Positions count every digit seen,
 * so the decimal exponent follows from where the first non-zero digit stood. */
struct num_scan {
    struct num *n;
    int64_t seen;        /* digits read so far */
    int64_t int_digits;  /* digits before the point */
    int64_t frac_digits; /* digits after it */
    int64_t first;       /* position of the first non-zero digit, -1 while there is none */
    bool too_long;       /* more than 38 digits from the first non-zero to a later non-zero */
};

static void scan_digit(struct num_scan *sc, char c, bool after_point)
{
    int64_t at = sc->seen++;
    if (after_point)
        sc->frac_digits++;
    else
        sc->int_digits++;
    if (c == '0')
        return; /* zeros count only once a later non-zero digit makes them significant */
    if (sc->first < 0)
        sc->first = at;
    int64_t pos = at - sc->first;
    if (pos >= NUM_MAX_DIGITS) {
        sc->too_long = true;
        return;
    }
    struct num *n = sc->n;
    memset(n->digits + n->ndigits, '0', (size_t)(pos - n->ndigits));
    n->digits[pos] = c;
    n->ndigits = (int)pos + 1;
}

/* Reads digits with at most one '.' from s[i]; returns where they end. */
static size_t scan_mantissa(const char *s, size_t len, size_t i, struct num_scan *sc)
{
    bool point = false;
    for (; i < len; i++) {
        if (s[i] == '.' && !point)
            point = true;
        else if (s[i] >= '0' && s[i] <= '9')
            scan_digit(sc, s[i], point);
        else
            break;
    }
    return i;
}

/* Reads an optional exponent ("e", sign, digits) at *i. AWS range-checks any exponent that
 * fits a 64-bit integer and cannot convert a longer one; inside that, clamping to ±2^40 keeps
 * the arithmetic exact for every input a request can carry. Returns false if malformed. */
static bool scan_exponent(const char *s, size_t len, size_t *i, int64_t *exp)
{
    *exp = 0;
    if (*i == len || (s[*i] != 'e' && s[*i] != 'E'))
        return true;
    size_t j = *i + 1;
    bool neg = j < len && s[j] == '-';
    if (j < len && (s[j] == '-' || s[j] == '+'))
        j++;
    uint64_t mag = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    size_t start = j;
    for (; j < len && s[j] >= '0' && s[j] <= '9'; j++) {
        unsigned d = (unsigned)(s[j] - '0');
        if (mag > (limit - d) / 10)
            return false;
        mag = mag * 10 + d;
    }
    int64_t clamped = mag > ((uint64_t)1 << 40) ? (int64_t)1 << 40 : (int64_t)mag;
    *exp = neg ? -clamped : clamped;
    *i = j;
    return j > start;
}

static int num_not_numeric(const char *s, size_t len, struct awserr *err)
{
    int shown = len > 400 ? 400 : (int)len; /* the message quotes the input, truncated */
    return awserr_raise(err, DDB_VALIDATION,
                        "The parameter cannot be converted to a numeric value: %.*s", shown, s);
}

/* Applies the range and precision limits. Zero is range-checked by the exponent it is written
 * with ("0e126" overflows), as AWS does: its exponent is what a decimal type would keep. */
static int num_finish(struct num *n, const struct num_scan *sc, int64_t exp, struct awserr *err)
{
    bool zero = sc->first < 0;
    int64_t e = zero ? exp - sc->frac_digits : sc->int_digits - 1 - sc->first + exp;
    if (e > NUM_MAX_EXP)
        return awserr_raise(err, DDB_VALIDATION, "Number overflow. Attempting to store a number "
                                                 "with magnitude larger than supported range");
    if (e < NUM_MIN_EXP)
        return awserr_raise(err, DDB_VALIDATION, "Number underflow. Attempting to store a number "
                                                 "with magnitude smaller than supported range");
    if (sc->too_long)
        return awserr_raise(err, DDB_VALIDATION,
                            "Attempting to store more than 38 significant digits in a Number");
    n->neg = n->neg && !zero; /* "-0" is 0 */
    n->exp = zero ? 0 : (int)e;
    return 0;
}

/* Parses [+-]digits[.digits][(e|E)[+-]digits]: at least one digit, no spaces, nothing else. */
static int num_parse(const char *s, size_t len, struct num *n, struct awserr *err)
{
    struct num_scan sc = {.n = n, .first = -1};
    size_t i = 0;
    int64_t exp;
    memset(n, 0, sizeof *n);
    if (i < len && (s[i] == '+' || s[i] == '-'))
        n->neg = s[i++] == '-';
    i = scan_mantissa(s, len, i, &sc);
    if (sc.seen == 0 || !scan_exponent(s, len, &i, &exp) || i != len)
        return num_not_numeric(s, len, err);
    return num_finish(n, &sc, exp, err);
}

/* Writes the canonical plain form ("-0.0015", "1500", "0") and returns its length. */
static size_t num_format(const struct num *n, char out[DDBVAL_NUMBER_MAX])
{
    char *p = out;
    if (n->ndigits == 0) {
        *p++ = '0';
    } else if (n->exp < 0) {
        p += sprintf(p, "%s0.", n->neg ? "-" : "");
        memset(p, '0', (size_t)(-n->exp - 1));
        p += -n->exp - 1;
        memcpy(p, n->digits, (size_t)n->ndigits);
        p += n->ndigits;
    } else {
        int whole = n->exp + 1, head = whole < n->ndigits ? whole : n->ndigits;
        if (n->neg)
            *p++ = '-';
        memcpy(p, n->digits, (size_t)head);
        p += head;
        memset(p, '0', (size_t)(whole - head));
        p += whole - head;
        if (n->ndigits > whole) {
            *p++ = '.';
            memcpy(p, n->digits + whole, (size_t)(n->ndigits - whole));
            p += n->ndigits - whole;
        }
    }
    *p = '\0';
    return (size_t)(p - out);
}

int ddbval_number_normalize(const char *s, size_t len, char out[DDBVAL_NUMBER_MAX],
                            struct awserr *err)
{
    struct num n;
    if (num_parse(s, len, &n, err) != 0)
        return -1;
    num_format(&n, out);
    return 0;
}

/* Bytes of a number by §2.4: ceil(significant digits / 2) + 1, zero counting as one digit.
 * Works on any exponent-free form, so on every checked (canonical) value. */
static size_t number_size(const char *s, size_t len)
{
    size_t digits = 0, first = 0, last = 0; /* 1-based positions of non-zero digits */
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            continue;
        digits++;
        if (s[i] != '0') {
            if (!first)
                first = digits;
            last = digits;
        }
    }
    size_t sig = first ? last - first + 1 : 1;
    return (sig + 1) / 2 + 1;
}

/* ---- base64 ----------------------------------------------------------------------------- */

enum b64_status { B64_OK, B64_BAD_LENGTH, B64_BAD_LAST, B64_BAD_CHAR };

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

static size_t b64_pads(const char *s, size_t len)
{
    size_t pads = 0;
    while (pads < len && s[len - 1 - pads] == '=')
        pads++;
    return pads;
}

/* Standard alphabet, padded to a multiple of 4, at most two '=' and only at the end, unused
 * bits of the last character zero: AWS's decoder refuses "+/+=", so each byte string has
 * exactly one accepted spelling and comparing texts compares bytes. */
static enum b64_status b64_check(const char *s, size_t len)
{
    if (len % 4 != 0)
        return B64_BAD_LENGTH;
    size_t pads = b64_pads(s, len), data = len - pads;
    if (pads > 2)
        return B64_BAD_LAST;
    for (size_t i = 0; i < data; i++) {
        if (s[i] == '=')
            return B64_BAD_LAST;
        if (b64_value(s[i]) < 0)
            return B64_BAD_CHAR;
    }
    int unused_mask = pads == 2 ? 0xF : pads == 1 ? 0x3 : 0;
    if (pads && (b64_value(s[data - 1]) & unused_mask))
        return B64_BAD_LAST;
    return B64_OK;
}

static int b64_raise(enum b64_status st, size_t len, struct awserr *err)
{
    switch (st) {
    case B64_OK:
        return 0;
    case B64_BAD_LENGTH:
        return awserr_raise(err, DDB_SERIALIZATION, "Base64 encoded length is expected a "
                                                    "multiple of 4 bytes but found: %zu", len);
    case B64_BAD_LAST: /* AWS's spelling */
        return awserr_raise(err, DDB_SERIALIZATION,
                            "Invalid last non-pad Base64 character dectected");
    default:
        return awserr_raise(err, DDB_SERIALIZATION, "Invalid Base64 character");
    }
}

static size_t b64_decoded_len(const char *s, size_t len)
{
    return len / 4 * 3 - b64_pads(s, len);
}

int ddbval_base64_decode(const char *s, size_t len, struct buf *out)
{
    if (b64_check(s, len) != B64_OK || len > INT_MAX)
        return -1;
    size_t whole = len / 4 * 3; /* EVP_DecodeBlock also writes a zero byte per '=' */
    buf_reserve(out, whole);
    int got = EVP_DecodeBlock((unsigned char *)out->data + out->len, (const unsigned char *)s,
                              (int)len);
    if (got < 0 || (size_t)got != whole)
        return -1;
    out->len += b64_decoded_len(s, len);
    out->data[out->len] = '\0';
    return 0;
}

/* ---- the members of an AttributeValue --------------------------------------------------- */

/* What the service model says a JSON value must be. */
enum wire { WIRE_STRING, WIRE_BLOB, WIRE_BOOL, WIRE_STRING_LIST, WIRE_BLOB_LIST, WIRE_VALUE_LIST,
            WIRE_VALUE_MAP, WIRE_VALUE };

struct member;
typedef int member_check_fn(json_t *av, const struct member *m, json_t *v, int depth,
                            struct awserr *err);
typedef size_t member_size_fn(const json_t *v);

/* A set member as sent, and its position in the request. */
struct elem {
    const char *s;
    size_t len;
    size_t idx;
};

/* How a set reports being empty or holding a duplicate, and how its members compare. */
struct set_kind {
    const char *empty_msg;
    bool numbers; /* NS: members are normalised first, so equal numbers compare equal */
    int (*cmp)(const struct elem *, const struct elem *); /* byte order of the values */
    int (*qsort_cmp)(const void *, const void *);          /* the same, then by position */
    const char *dup_sep; /* between quoted members in the message; NULL lists none */
    const char *dup_tail;
};

struct member {
    const char *name;
    size_t name_len;
    enum wire wire;
    member_check_fn *check;
    member_size_fn *size;
    const struct set_kind *set;
};

static member_check_fn check_nothing, check_number, check_set, check_list, check_map, check_null;
static member_size_fn size_string, size_number, size_binary, size_one, size_ss, size_ns, size_bs,
    size_list, size_map;
static const struct set_kind SET_SS, SET_NS, SET_BS;

static const struct member MEMBERS[] = {
    {"S", 1, WIRE_STRING, check_nothing, size_string, NULL},
    {"N", 1, WIRE_STRING, check_number, size_number, NULL},
    {"B", 1, WIRE_BLOB, check_nothing, size_binary, NULL},
    {"SS", 2, WIRE_STRING_LIST, check_set, size_ss, &SET_SS},
    {"NS", 2, WIRE_STRING_LIST, check_set, size_ns, &SET_NS},
    {"BS", 2, WIRE_BLOB_LIST, check_set, size_bs, &SET_BS},
    {"M", 1, WIRE_VALUE_MAP, check_map, size_map, NULL},
    {"L", 1, WIRE_VALUE_LIST, check_list, size_list, NULL},
    {"NULL", 4, WIRE_BOOL, check_null, size_one, NULL},
    {"BOOL", 4, WIRE_BOOL, check_nothing, size_one, NULL},
};

static const struct member *member_find(const char *key, size_t key_len)
{
    for (size_t i = 0; i < sizeof MEMBERS / sizeof MEMBERS[0]; i++)
        if (MEMBERS[i].name_len == key_len && memcmp(MEMBERS[i].name, key, key_len) == 0)
            return &MEMBERS[i];
    return NULL;
}

/* Finds the type member of av: returns how many non-null known members it has (0, 1, or 2
 * meaning "more than one"), and the first in *m and *v. jansson's iterators take a non-const
 * object but do not change it. */
static int type_member(const json_t *av, const struct member **m, json_t **v)
{
    const char *key;
    size_t key_len;
    json_t *val;
    int found = 0;
    if (!json_is_object(av))
        return 0;
    json_object_keylen_foreach((json_t *)av, key, key_len, val) {
        const struct member *k = member_find(key, key_len);
        if (!k || json_is_null(val))
            continue;
        if (found++)
            return 2;
        *m = k;
        *v = val;
    }
    return found;
}

/* ---- the wire walk (SerializationException) --------------------------------------------- */

/* AWS's deserializer messages for a JSON value of the wrong type, by expected type. */
struct wire_desc {
    enum wire elem;          /* lists and maps: what their elements must be */
    const char *array_msg;   /* an array given */
    const char *string_msg;  /* a string given, if that has its own message */
    const char *convert_to;  /* another scalar given: "<TOKEN> cannot be converted to X" ... */
    const char *scalar_msg;  /* ... or, when NULL, this */
};

#define UNRECOGNIZED "Unrecognized collection type "
#define AV_CLASS "com.amazonaws.dynamodb.v20120810.AttributeValue"

static const struct wire_desc WIRE[] = {
    [WIRE_STRING] = {WIRE_STRING, UNRECOGNIZED "class java.lang.String", NULL, "String", NULL},
    [WIRE_BLOB] = {WIRE_BLOB, UNRECOGNIZED "class java.nio.ByteBuffer", NULL, NULL,
                   "only base-64-encoded strings are convertible to bytes"},
    [WIRE_BOOL] = {WIRE_BOOL, UNRECOGNIZED "class java.lang.Boolean",
                   "Unexpected token received from parser", "Boolean", NULL},
    [WIRE_STRING_LIST] = {WIRE_STRING, NULL, NULL, NULL, "Unexpected field type"},
    [WIRE_BLOB_LIST] = {WIRE_BLOB, NULL, NULL, NULL, "Unexpected field type"},
    [WIRE_VALUE_LIST] = {WIRE_VALUE, NULL, NULL, NULL, "Unexpected field type"},
    [WIRE_VALUE_MAP] = {WIRE_VALUE, UNRECOGNIZED "java.util.Map<java.lang.String, " AV_CLASS ">",
                        NULL, NULL, "Unexpected field type"},
    [WIRE_VALUE] = {WIRE_VALUE, UNRECOGNIZED "class " AV_CLASS, NULL, NULL,
                    "Unexpected value type in payload"},
};

static bool wire_type_ok(const json_t *v, enum wire w)
{
    switch (w) {
    case WIRE_STRING:
    case WIRE_BLOB:
        return json_is_string(v);
    case WIRE_BOOL:
        return json_is_boolean(v);
    case WIRE_STRING_LIST:
    case WIRE_BLOB_LIST:
    case WIRE_VALUE_LIST:
        return json_is_array(v);
    default:
        return json_is_object(v);
    }
}

static const char *wire_token(const json_t *v)
{
    if (json_is_string(v))
        return "STRING_VALUE";
    if (json_is_integer(v))
        return "NUMBER_VALUE";
    if (json_is_real(v))
        return "DECIMAL_VALUE";
    return json_is_true(v) ? "TRUE_VALUE" : "FALSE_VALUE";
}

static int wire_mismatch(const json_t *v, enum wire w, struct awserr *err)
{
    const struct wire_desc *d = &WIRE[w];
    const char *msg = d->scalar_msg;
    if (json_is_object(v))
        msg = "Start of structure or map found where not expected";
    else if (json_is_array(v))
        msg = d->array_msg;
    else if (json_is_string(v) && d->string_msg)
        msg = d->string_msg;
    else if (d->convert_to)
        return awserr_raise(err, DDB_SERIALIZATION, "%s cannot be converted to %s",
                            wire_token(v), d->convert_to);
    return awserr_raise(err, DDB_SERIALIZATION, "%s", msg);
}

static int wire_check(json_t *v, enum wire w, int depth, struct awserr *err);

static int wire_check_members(json_t *av, int depth, struct awserr *err)
{
    const char *key;
    size_t key_len;
    json_t *v;
    if (depth > WIRE_MAX_DEPTH)
        return 0;
    json_object_keylen_foreach(av, key, key_len, v) {
        const struct member *m = member_find(key, key_len);
        if (m && wire_check(v, m->wire, depth, err) != 0)
            return -1;
    }
    return 0;
}

static int wire_check_children(json_t *v, enum wire elem, int depth, struct awserr *err)
{
    size_t i;
    const char *key;
    json_t *child;
    if (json_is_array(v)) {
        json_array_foreach(v, i, child)
            if (wire_check(child, elem, depth + 1, err) != 0)
                return -1;
    } else {
        json_object_foreach(v, key, child)
            if (wire_check(child, elem, depth + 1, err) != 0)
                return -1;
    }
    return 0;
}

/* Checks v against wire type w; depth is the nesting level of the AttributeValue v is in. */
static int wire_check(json_t *v, enum wire w, int depth, struct awserr *err)
{
    if (json_is_null(v))
        return 0; /* null is an absent member; the rules walk decides if that matters */
    if (!wire_type_ok(v, w))
        return wire_mismatch(v, w, err);
    switch (w) {
    case WIRE_BLOB:
        return b64_raise(b64_check(json_string_value(v), json_string_length(v)),
                         json_string_length(v), err);
    case WIRE_VALUE:
        return wire_check_members(v, depth, err);
    case WIRE_STRING_LIST:
    case WIRE_BLOB_LIST:
    case WIRE_VALUE_LIST:
    case WIRE_VALUE_MAP:
        return wire_check_children(v, WIRE[w].elem, depth, err);
    default:
        return 0;
    }
}

/* ---- the rules walk (ValidationException) ----------------------------------------------- */

static json_t *string_new(const char *s, size_t len)
{
    json_t *v = json_stringn_nocheck(s, len);
    if (!v) { /* allocation failed: the same policy as xmalloc */
        fprintf(stderr, "awsemu: out of memory allocating a %zu-byte string\n", len);
        abort();
    }
    return v;
}

/* Sets *canon to a new canonical string for number v, or NULL when v already is canonical
 * (the common case, which then allocates nothing). */
static int number_canonical(const json_t *v, json_t **canon, struct awserr *err)
{
    char out[DDBVAL_NUMBER_MAX];
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    *canon = NULL;
    if (ddbval_number_normalize(s, len, out, err) != 0)
        return -1;
    size_t n = strlen(out);
    if (n != len || memcmp(out, s, n) != 0)
        *canon = string_new(out, n);
    return 0;
}

static int rules_check(json_t *av, int depth, struct awserr *err)
{
    const struct member *m = NULL;
    json_t *v = NULL;
    if (depth > DDBVAL_MAX_DEPTH)
        return awserr_raise(err, DDB_VALIDATION, MSG_NESTING);
    switch (type_member(av, &m, &v)) {
    case 0:
        return awserr_raise(err, DDB_VALIDATION, "Supplied AttributeValue is empty, must contain "
                                                 "exactly one of the supported datatypes");
    case 1:
        return m->check(av, m, v, depth, err);
    default:
        return awserr_raise(err, DDB_VALIDATION,
                            "Supplied AttributeValue has more than one datatypes set, must "
                            "contain exactly one of the supported datatypes");
    }
}

static int check_nothing(json_t *av, const struct member *m, json_t *v, int depth,
                         struct awserr *err)
{
    (void)av, (void)m, (void)v, (void)depth, (void)err;
    return 0;
}

static int check_number(json_t *av, const struct member *m, json_t *v, int depth,
                        struct awserr *err)
{
    json_t *canon;
    (void)depth;
    if (number_canonical(v, &canon, err) != 0)
        return -1;
    if (canon)
        json_object_set_new(av, m->name, canon); /* frees v */
    return 0;
}

static int check_null(json_t *av, const struct member *m, json_t *v, int depth,
                      struct awserr *err)
{
    (void)av, (void)m, (void)depth;
    if (json_is_true(v))
        return 0;
    return awserr_raise(err, DDB_VALIDATION,
                        MSG_INVALID "Null attribute value types must have the value of true");
}

static int check_list(json_t *av, const struct member *m, json_t *list, int depth,
                      struct awserr *err)
{
    size_t i;
    json_t *elem;
    (void)av, (void)m;
    json_array_foreach(list, i, elem)
        if (rules_check(elem, depth + 1, err) != 0)
            return -1;
    return 0;
}

static int check_map(json_t *av, const struct member *m, json_t *map, int depth,
                     struct awserr *err)
{
    const char *key;
    json_t *val;
    (void)av, (void)m;
    json_object_foreach(map, key, val)
        if (rules_check(val, depth + 1, err) != 0)
            return -1;
    return 0;
}

/* ---- sets ------------------------------------------------------------------------------- */

static int cmp_bytes(const struct elem *a, const struct elem *b)
{
    int c = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* Orders base64 texts as their decoded bytes: comparing 6-bit values in turn, shorter first,
 * is byte order because the unused trailing bits are zero (b64_check). */
static int cmp_b64(const struct elem *a, const struct elem *b)
{
    size_t an = a->len - b64_pads(a->s, a->len), bn = b->len - b64_pads(b->s, b->len);
    for (size_t i = 0; i < an && i < bn; i++) {
        int d = b64_value(a->s[i]) - b64_value(b->s[i]);
        if (d)
            return d;
    }
    return (an > bn) - (an < bn);
}

static int by_position(int c, const struct elem *a, const struct elem *b)
{
    return c ? c : (a->idx > b->idx) - (a->idx < b->idx);
}

static int qsort_bytes(const void *a, const void *b)
{
    return by_position(cmp_bytes(a, b), a, b);
}

static int qsort_b64(const void *a, const void *b)
{
    return by_position(cmp_b64(a, b), a, b);
}

static const struct set_kind SET_SS = {MSG_INVALID "An string set  may not be empty", false,
                                       cmp_bytes, qsort_bytes, ", ", " contains duplicates."};
static const struct set_kind SET_NS = {MSG_INVALID "An number set  may not be empty", true,
                                       cmp_bytes, qsort_bytes, NULL, " contains duplicates"};
static const struct set_kind SET_BS = {MSG_INVALID "Binary sets should not be empty", false,
                                       cmp_b64, qsort_b64, ", ", "of type BS contains duplicates."};

/* Position in the request of the first member equal to an earlier one; n if none. e is sorted
 * by value, then position, so each repeat follows its first occurrence. */
static size_t first_repeat(const struct elem *e, size_t n, const struct set_kind *k)
{
    size_t dup = n;
    for (size_t i = 1; i < n; i++)
        if (k->cmp(&e[i - 1], &e[i]) == 0 && e[i].idx < dup)
            dup = e[i].idx;
    return dup;
}

static void list_member(struct buf *b, const char *s, size_t len, const char *sep, size_t *count)
{
    if (b->len > sizeof(struct awserr){0}.message)
        return; /* the message is cut there anyway */
    if ((*count)++)
        buf_adds(b, sep);
    buf_add(b, s, len);
}

/* AWS lists the members it took in before the repeat in byte order, then the repeat, then the
 * rest as sent: [a, b, b] for SS [b, a, b]. Number sets name no members, and their message
 * has neither the "One or more parameter values were invalid" prefix nor a final period
 * (wording as recorded against DynamoDB in dynalite's test suite). */
static int raise_duplicates(const json_t *set, const struct elem *sorted, size_t dup,
                            const struct set_kind *k, struct awserr *err)
{
    struct buf b = BUF_INIT;
    size_t n = json_array_size(set), count = 0;
    buf_adds(&b, k->dup_sep ? MSG_INVALID "Input collection" : "Input collection");
    if (k->dup_sep) {
        buf_adds(&b, " [");
        for (size_t i = 0; i < n; i++)
            if (sorted[i].idx < dup)
                list_member(&b, sorted[i].s, sorted[i].len, k->dup_sep, &count);
        for (size_t i = dup; i < n; i++) {
            const json_t *v = json_array_get(set, i);
            list_member(&b, json_string_value(v), json_string_length(v), k->dup_sep, &count);
        }
        buf_addc(&b, ']');
    }
    buf_adds(&b, k->dup_tail);
    awserr_raise(err, DDB_VALIDATION, "%s", b.data);
    buf_free(&b);
    return -1;
}

static int set_check_unique(const json_t *set, const struct set_kind *k, struct awserr *err)
{
    size_t n = json_array_size(set);
    struct elem small[16], *e = n <= 16 ? small : xmalloc(n * sizeof *e);
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(set, i);
        e[i] = (struct elem){json_string_value(v), json_string_length(v), i};
    }
    qsort(e, n, sizeof *e, k->qsort_cmp);
    size_t dup = first_repeat(e, n, k);
    int ret = dup == n ? 0 : raise_duplicates(set, e, dup, k, err);
    if (e != small)
        free(e);
    return ret;
}

static int check_set(json_t *av, const struct member *m, json_t *set, int depth,
                     struct awserr *err)
{
    size_t i;
    json_t *elem, *canon;
    (void)av, (void)depth;
    if (json_array_size(set) == 0)
        return awserr_raise(err, DDB_VALIDATION, "%s", m->set->empty_msg);
    json_array_foreach(set, i, elem) {
        if (json_is_null(elem)) /* wording not known from AWS */
            return awserr_raise(err, DDB_VALIDATION, MSG_INVALID "A set may not contain null");
        if (!m->set->numbers)
            continue;
        if (number_canonical(elem, &canon, err) != 0)
            return -1;
        if (canon)
            json_array_set_new(set, i, canon);
    }
    return set_check_unique(set, m->set, err);
}

/* ---- checks: the public entry points ---------------------------------------------------- */

int ddbval_value_check(json_t *av, int depth, struct awserr *err)
{
    if (wire_check(av, WIRE_VALUE, depth, err) != 0)
        return -1;
    return rules_check(av, depth, err);
}

static int check_name(size_t len, struct awserr *err)
{
    /* AWS's wording for these two is not known; these follow its "may not be empty" style. */
    if (len == 0)
        return awserr_raise(err, DDB_VALIDATION, MSG_INVALID "An attribute name may not be empty");
    if (len > NAME_MAX_LEN)
        return awserr_raise(err, DDB_VALIDATION,
                            MSG_INVALID "An attribute name may not be longer than 65535 bytes");
    return 0;
}

int ddbval_item_check(json_t *item, struct awserr *err)
{
    const char *name;
    size_t name_len;
    json_t *av;
    if (wire_check(item, WIRE_VALUE_MAP, 0, err) != 0) /* its values are at level 1 */
        return -1;
    json_object_keylen_foreach(item, name, name_len, av) {
        if (check_name(name_len, err) != 0 || rules_check(av, 1, err) != 0)
            return -1;
    }
    if (ddbval_item_size(item) > DDBVAL_MAX_ITEM_SIZE)
        return awserr_raise(err, DDB_VALIDATION, "Item size has exceeded the maximum allowed size");
    return 0;
}

/* ---- sizes (§2.4) ----------------------------------------------------------------------- */

static size_t size_string(const json_t *v)
{
    return json_string_length(v);
}

static size_t size_number(const json_t *v)
{
    return number_size(json_string_value(v), json_string_length(v));
}

static size_t size_binary(const json_t *v)
{
    return b64_decoded_len(json_string_value(v), json_string_length(v));
}

static size_t size_one(const json_t *v)
{
    (void)v;
    return 1;
}

static size_t sum_sizes(const json_t *set, member_size_fn *size)
{
    size_t total = 0;
    for (size_t i = 0; i < json_array_size(set); i++)
        total += size(json_array_get(set, i));
    return total;
}

static size_t size_ss(const json_t *v)
{
    return sum_sizes(v, size_string);
}

static size_t size_ns(const json_t *v)
{
    return sum_sizes(v, size_number);
}

static size_t size_bs(const json_t *v)
{
    return sum_sizes(v, size_binary);
}

static size_t size_list(const json_t *v)
{
    size_t total = 3;
    for (size_t i = 0; i < json_array_size(v); i++)
        total += 1 + ddbval_value_size(json_array_get(v, i));
    return total;
}

static size_t size_map(const json_t *v)
{
    const char *key;
    size_t key_len, total = 3;
    json_t *val;
    json_object_keylen_foreach((json_t *)v, key, key_len, val)
        total += 1 + key_len + ddbval_value_size(val);
    return total;
}

size_t ddbval_value_size(const json_t *av)
{
    const struct member *m;
    json_t *v;
    return type_member(av, &m, &v) == 1 ? m->size(v) : 0;
}

size_t ddbval_item_size(const json_t *item)
{
    const char *name;
    size_t name_len, total = 0;
    json_t *av;
    json_object_keylen_foreach((json_t *)item, name, name_len, av)
        total += name_len + ddbval_value_size(av);
    return total;
}

/* ---- the key encoding ------------------------------------------------------------------- */

/* Layout of an N key, so that memcmp order is numeric order:
 *   zero:      0x02
 *   positive:  0x03, exp+130 (0..255: the exponent of the first digit), digits
 *   negative:  0x01, ~(exp+130), ~digits, 0xFF
 * digits: the significant digits packed two to a byte as nibbles d+1 (1..10), an odd count
 * padded with a 0 nibble. A larger exponent is a larger magnitude because the first digit is
 * non-zero; at equal exponents the digits compare lexicographically, and the 0 pad nibble and
 * the shorter length both sort a prefix first (1.5 < 1.52). Negatives complement exponent and
 * digits to reverse that order; their 0xFF terminator, above any complemented digit byte
 * (0x55..0xEF), makes a complemented prefix sort last (-1.52 < -1.5). Canonical digits make
 * equal numbers encode identically. */
enum { KEY_NEG = 0x01, KEY_ZERO = 0x02, KEY_POS = 0x03, KEY_NEG_END = 0xFF };

static void num_encode(const struct num *n, struct buf *out)
{
    unsigned char b[2 + (NUM_MAX_DIGITS + 1) / 2 + 1], flip = n->neg ? 0xFF : 0x00;
    size_t k = 0;
    if (n->ndigits == 0) {
        buf_addc(out, KEY_ZERO);
        return;
    }
    b[k++] = n->neg ? KEY_NEG : KEY_POS;
    b[k++] = (unsigned char)(n->exp - NUM_MIN_EXP) ^ flip;
    for (int i = 0; i < n->ndigits; i += 2) {
        unsigned hi = (unsigned)(n->digits[i] - '0') + 1;
        unsigned lo = i + 1 < n->ndigits ? (unsigned)(n->digits[i + 1] - '0') + 1 : 0;
        b[k++] = (unsigned char)(hi << 4 | lo) ^ flip;
    }
    if (n->neg)
        b[k++] = KEY_NEG_END;
    buf_add(out, b, k);
}

/* Unpacks digit bytes, refusing anything num_encode would not write. */
static int unpack_digits(const unsigned char *p, size_t len, unsigned char flip, struct num *n)
{
    if (len == 0 || len > (NUM_MAX_DIGITS + 1) / 2)
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned b = p[i] ^ flip, hi = b >> 4, lo = b & 0xF;
        if (hi < 1 || hi > 10 || lo > 10 || (lo == 0 && i + 1 != len))
            return -1;
        n->digits[n->ndigits++] = (char)('0' + hi - 1);
        if (lo)
            n->digits[n->ndigits++] = (char)('0' + lo - 1);
    }
    return n->digits[0] == '0' || n->digits[n->ndigits - 1] == '0' ? -1 : 0;
}

static int num_decode(const unsigned char *enc, size_t len, struct num *n)
{
    memset(n, 0, sizeof *n);
    if (len == 1 && enc[0] == KEY_ZERO)
        return 0;
    if (len < 3 || (enc[0] != KEY_POS && enc[0] != KEY_NEG))
        return -1;
    n->neg = enc[0] == KEY_NEG;
    unsigned char flip = n->neg ? 0xFF : 0x00;
    if (n->neg && (len < 4 || enc[--len] != KEY_NEG_END))
        return -1;
    n->exp = (enc[1] ^ flip) + NUM_MIN_EXP;
    if (n->exp > NUM_MAX_EXP)
        return -1;
    return unpack_digits(enc + 2, len - 2, flip, n);
}

int ddbval_key_decode_number(const unsigned char *enc, size_t len, struct buf *out)
{
    struct num n;
    char text[DDBVAL_NUMBER_MAX];
    if (num_decode(enc, len, &n) != 0)
        return -1;
    buf_add(out, text, num_format(&n, text));
    return 0;
}

int ddbval_key_encode(const json_t *av, char type, struct buf *out, struct awserr *err)
{
    const struct member *m = NULL;
    json_t *v = NULL;
    struct num n;
    assert(type == 'S' || type == 'N' || type == 'B');
    if (type_member(av, &m, &v) != 1 || m->name[0] != type || m->name[1] != '\0' ||
        !json_is_string(v))
        return awserr_raise(err, DDB_VALIDATION,
                            MSG_INVALID "Type mismatch for key expected: %c actual: %s", type,
                            m ? m->name : "NULL");
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (type == 'S') {
        buf_add(out, s, len);
    } else if (type == 'B') {
        if (ddbval_base64_decode(s, len, out) != 0)
            return b64_raise(b64_check(s, len), len, err);
    } else {
        if (num_parse(s, len, &n, err) != 0)
            return -1;
        num_encode(&n, out);
    }
    return 0;
}

/* ---- equality of values ---- */


/* Orders strings by their bytes, NULs included (attribute values may hold them). */
static int string_cmp(const void *x, const void *y)
{
    const json_t *a = *(const json_t *const *)x, *b = *(const json_t *const *)y;
    size_t la = json_string_length(a), lb = json_string_length(b);
    int c = memcmp(json_string_value(a), json_string_value(b), la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

/* The members of a set, sorted; NULL when one is not a string. */
static const json_t **set_sorted(const json_t *set)
{
    size_t n = json_array_size(set), i;
    const json_t **out = xmalloc((n ? n : 1) * sizeof *out);
    json_t *v;
    json_array_foreach(set, i, v) {
        if (!json_is_string(v)) {
            free(out);
            return NULL;
        }
        out[i] = v;
    }
    qsort(out, n, sizeof *out, string_cmp);
    return out;
}

static bool set_equal(const json_t *a, const json_t *b)
{
    size_t n = json_array_size(a);
    if (n != json_array_size(b))
        return false;
    const json_t **x = set_sorted(a), **y = set_sorted(b);
    bool same = x && y;
    for (size_t i = 0; same && i < n; i++)
        same = string_cmp(&x[i], &y[i]) == 0;
    free(x);
    free(y);
    return same;
}

static bool list_equal(const json_t *a, const json_t *b)
{
    if (json_array_size(a) != json_array_size(b))
        return false;
    for (size_t i = 0; i < json_array_size(a); i++)
        if (!ddbval_value_equal(json_array_get(a, i), json_array_get(b, i)))
            return false;
    return true;
}

bool ddbval_value_equal(const json_t *a, const json_t *b)
{
    if (json_object_size(a) != 1 || json_object_size(b) != 1)
        return json_equal(a, b);
    void *ia = json_object_iter((json_t *)a), *ib = json_object_iter((json_t *)b);
    const char *ta = json_object_iter_key(ia), *tb = json_object_iter_key(ib);
    json_t *va = json_object_iter_value(ia), *vb = json_object_iter_value(ib);
    if (strcmp(ta, tb) != 0)
        return false;
    if (strcmp(ta, "SS") == 0 || strcmp(ta, "NS") == 0 || strcmp(ta, "BS") == 0)
        return json_is_array(va) && json_is_array(vb) && set_equal(va, vb);
    if (strcmp(ta, "L") == 0)
        return json_is_array(va) && json_is_array(vb) && list_equal(va, vb);
    if (strcmp(ta, "M") == 0)
        return ddbval_item_equal(va, vb);
    return json_equal(va, vb);
}

bool ddbval_item_equal(const json_t *a, const json_t *b)
{
    const char *name;
    size_t len;
    json_t *v;
    if (!json_is_object(a) || !json_is_object(b) || json_object_size(a) != json_object_size(b))
        return false;
    json_object_keylen_foreach((json_t *)a, name, len, v) {
        json_t *w = json_object_getn(b, name, len);
        if (!w || !ddbval_value_equal(v, w))
            return false;
    }
    return true;
}
