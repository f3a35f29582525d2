/* server/events_pattern.c — the event pattern language; see events_pattern.h.
 *
 * DESIGN. Parsing turns the pattern document into a tree with the document's shape: a node
 * holds the fields of one pattern object (each either a nested node or a leaf, the list of
 * matchers of its array) and its $or groups (each a list of alternative nodes applied to the
 * same event object). Everything a match needs is computed here, once: strings are copied,
 * the case-insensitive ones lower-cased, numbers quantised the way AWS's compiler does
 * (range ±5e9, six decimals: integers of micro-units, so ranges compare exactly), CIDR blocks
 * turned into address bounds, wildcards split into literal runs, anything-but value lists
 * sorted for binary search. The tree lives in one arena, so a refusal halfway through frees
 * everything in one place.
 *
 * Matching walks the tree against the event structurally. An event array stands for its
 * elements: a node matches an array when it matches one element (so the fields of one
 * $or branch or one nested object all come from the same element, as in AWS's array
 * consistency rule), a leaf when one scalar among the elements satisfies one matcher. A leaf
 * exists when the event holds at least one scalar at its path: objects and empty arrays are
 * not values, which is what {"exists": false} tests. Nothing is allocated while matching.
 *
 * Reference for the semantics and wording: AWS's pattern compiler (aws/event-ruler,
 * JsonRuleCompiler) and the EventBridge user guide, "Content filtering in Amazon EventBridge
 * event patterns"; shared/docs/aws-wire-reference.md §9.3. */
#include "server/events_pattern.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/buf.h"

const struct events_pattern_wording EVENTS_PATTERN_EVENTBRIDGE = {
    "Event pattern is not valid. Reason: ", NULL};
const struct events_pattern_wording EVENTS_PATTERN_LAMBDA = {NULL,
                                                             "Invalid filter pattern definition."};
const struct events_pattern_wording EVENTS_PATTERN_SNS = {"Invalid parameter: FilterPolicy: ",
                                                          NULL};

#define NUM_LIMIT 5e9     /* numeric matching covers -5e9..5e9 inclusive */
#define NUM_SCALE 1e6     /* to six decimals */
#define MATCH_DEPTH (2 * EVENTS_PATTERN_MAX_DEPTH + 2) /* pattern levels plus event arrays */
#define QUOTE_MAX 100     /* client text quoted in a message */

enum ep_op {
    EP_EXACT_STR,
    EP_EXACT_NUM,
    EP_EXACT_TRUE,
    EP_EXACT_FALSE,
    EP_EXACT_NULL,
    EP_PREFIX,
    EP_PREFIX_NOCASE,
    EP_SUFFIX,
    EP_SUFFIX_NOCASE,
    EP_NOCASE,
    EP_WILDCARD,
    EP_NUMERIC,
    EP_CIDR,
    EP_EXISTS,
    EP_NOT_EXISTS,
    EP_BUT_STRS,     /* anything-but "a" / ["a", "b"] */
    EP_BUT_NUMS,     /* anything-but 1 / [1, 2] */
    EP_BUT_PREFIX,   /* anything-but {"prefix": ...} */
    EP_BUT_SUFFIX,   /* anything-but {"suffix": ...} */
    EP_BUT_NOCASE,   /* anything-but {"equals-ignore-case": ...} */
    EP_BUT_WILDCARD, /* anything-but {"wildcard": ...} */
};

struct ep_str {
    const char *s;
    size_t len;
};

/* A wildcard: literal runs (unescaped, stored back to back) separated by single stars. */
struct ep_wild {
    const char *lit;
    const size_t *run; /* length of each run */
    size_t nrun;
    bool lead, trail; /* a star before the first run, after the last */
};

struct ep_matcher {
    enum ep_op op;
    union {
        struct ep_str str; /* EXACT_STR, PREFIX*, SUFFIX*, NOCASE (NOCASE ones lower-cased) */
        struct {
            json_type type; /* JSON_INTEGER or JSON_REAL: the "as written" comparison */
            json_int_t i;
            double d;
            bool in_range; /* numerically comparable: then q */
            int64_t q;
        } num;
        struct {
            int64_t lo, hi;
            bool lo_open, hi_open;
        } range;
        struct {
            int family;
            unsigned char lo[16], hi[16];
        } cidr;
        struct {
            const struct ep_str *v; /* BUT_STRS: sorted; BUT_NOCASE: lower-cased */
            size_t n;
        } strs;
        struct {
            const int64_t *v; /* sorted */
            size_t n;
        } nums;
        struct {
            const struct ep_wild *v;
            size_t n;
        } wilds;
        struct ep_wild wild;
    } u;
};

struct ep_node;

struct ep_field {
    const char *key;
    size_t key_len;
    const struct ep_node *child; /* a nested pattern object, or NULL for a leaf */
    const struct ep_matcher *m;  /* the leaf's alternatives */
    size_t nm;
    bool absent_ok; /* one alternative is {"exists": false} */
};

struct ep_or {
    const struct ep_node *alt;
    size_t n;
};

struct ep_node {
    const struct ep_field *fields;
    size_t nfields;
    const struct ep_or *ors;
    size_t nors;
};

struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    max_align_t data[];
};

struct events_pattern {
    struct arena_block *blocks;
    struct ep_node root;
};

/* ---- arena --------------------------------------------------------------------------- */

#define ARENA_BLOCK 4096

/* Zeroed, aligned memory owned by the pattern. */
static void *arena_alloc(struct events_pattern *p, size_t n)
{
    size_t a = alignof(max_align_t);
    n = n ? (n + a - 1) / a * a : a;
    struct arena_block *b = p->blocks;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        b = xmalloc(sizeof *b + cap);
        b->used = 0;
        b->cap = cap;
        b->next = p->blocks;
        p->blocks = b;
    }
    unsigned char *mem = (unsigned char *)b->data + b->used;
    b->used += n;
    memset(mem, 0, n);
    return mem;
}

static void *arena_array(struct events_pattern *p, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / 2 / size)
        abort(); /* counts come from a document already in memory: cannot happen */
    return arena_alloc(p, count * size);
}

static char *arena_strndup(struct events_pattern *p, const char *s, size_t len)
{
    char *d = arena_alloc(p, len + 1);
    memcpy(d, s, len);
    return d;
}

void events_pattern_free(struct events_pattern *p)
{
    if (!p)
        return;
    for (struct arena_block *b = p->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(p);
}

/* ---- small helpers shared by parse and match ---------------------------------------- */

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* a (any case) equals lower (already lower-case), both n bytes. */
static bool nocase_eq(const char *a, const char *lower, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(a[i]) != lower[i])
            return false;
    return true;
}

/* Numbers AWS compares numerically: within ±5e9, to six decimals. */
static bool num_quantize(double d, int64_t *q)
{
    if (!(d >= -NUM_LIMIT && d <= NUM_LIMIT))
        return false;
    *q = llround(d * NUM_SCALE);
    return true;
}

static bool all_of(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (!s[i] || !strchr(set, s[i]))
            return false;
    return true;
}

/* AWS reads a string as an address only when it looks like one: dotted decimal, or hex
 * digits and colons with at least one colon. Returns AF_INET/AF_INET6 with the address in
 * out, 0 when it does not look like an address, -1 when it looks like one but is not. */
static int ip_parse(const char *s, size_t n, unsigned char out[16])
{
    char tmp[64];
    int family = 0;
    size_t dots = 0;
    if (n == 0 || n >= sizeof tmp)
        return 0;
    for (size_t i = 0; i < n; i++)
        dots += s[i] == '.';
    if (dots == 3 && all_of(s, n, "0123456789.") && s[0] != '.' && s[n - 1] != '.' &&
        !memmem(s, n, "..", 2))
        family = AF_INET;
    else if (memchr(s, ':', n) && all_of(s, n, "0123456789abcdefABCDEF:"))
        family = AF_INET6;
    else
        return 0;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    return inet_pton(family, tmp, out) == 1 ? family : -1;
}

/* ---- parsing ----------------------------------------------------------------------- */

struct pctx {
    struct events_pattern *p;
    const struct awserr_kind *invalid;
    const struct events_pattern_wording *wording;
    struct awserr *err;
};

static int refuse(struct pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(struct pctx *c, const char *fmt, ...)
{
    char reason[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (c->wording->fixed)
        return awserr_raise(c->err, *c->invalid, "%s", c->wording->fixed);
    return awserr_raise(c->err, *c->invalid, "%s%s",
                        c->wording->prefix ? c->wording->prefix : "", reason);
}

/* How AWS's JSON reader names the token where it expected something else. */
static const char *token_text(const json_t *v, char *buf, size_t size)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "{";
    case JSON_ARRAY:
        return "[";
    case JSON_STRING:
        snprintf(buf, size, "%.*s", QUOTE_MAX, json_string_value(v));
        return buf;
    case JSON_INTEGER:
        snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf;
    case JSON_REAL:
        snprintf(buf, size, "%.17g", json_real_value(v));
        return buf;
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    default:
        return "null";
    }
}

static int need_in_range(struct pctx *c, const json_t *v, int64_t *q)
{
    if (!num_quantize(json_number_value(v), q))
        return refuse(c, "Value must be between -5.0E9 and 5.0E9, inclusive");
    return 0;
}

static struct ep_str copy_str(struct pctx *c, const json_t *v, bool lower)
{
    size_t len = json_string_length(v);
    char *s = arena_strndup(c->p, json_string_value(v), len);
    if (lower)
        for (size_t i = 0; i < len; i++)
            s[i] = ascii_lower(s[i]);
    return (struct ep_str){s, len};
}

/* The first key of a match-expression object, or NULL when it has none. */
static const char *first_key(const json_t *obj, size_t *len, const json_t **value)
{
    void *it = json_object_iter((json_t *)obj);
    if (!it)
        return NULL;
    *len = json_object_iter_key_len(it);
    *value = json_object_iter_value(it);
    return json_object_iter_key(it);
}

static bool key_is(const char *key, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(key, want, len) == 0;
}

static int wild_compile(struct pctx *c, const char *s, size_t n, struct ep_wild *w)
{
    char *lit = arena_alloc(c->p, n + 1);
    size_t *run = arena_array(c->p, n / 2 + 1, sizeof *run);
    size_t nlit = 0, nrun = 0, cur = 0;
    /* Positions count from 1: AWS's compiler sees the value with its opening quote. */
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '*') {
            if (i + 1 < n && s[i + 1] == '*')
                return refuse(c, "Consecutive wildcard characters at pos %zu", i + 1);
            w->lead |= i == 0;
            w->trail |= i + 1 == n;
            if (cur > 0)
                run[nrun++] = cur;
            cur = 0;
            continue;
        }
        if (s[i] == '\\') {
            if (i + 1 >= n || (s[i + 1] != '*' && s[i + 1] != '\\'))
                return refuse(c, "Invalid escape character at pos %zu", i + 1);
            i++;
        }
        lit[nlit++] = s[i];
        cur++;
    }
    if (cur > 0)
        run[nrun++] = cur;
    w->lit = lit;
    w->run = run;
    w->nrun = nrun;
    return 0;
}

/* {"prefix": {"equals-ignore-case": "x"}} and the same for suffix. */
static int parse_affix_nocase(struct pctx *c, const json_t *v, const char *what,
                              const char *What, struct ep_matcher *m, enum ep_op op)
{
    size_t klen;
    const json_t *inner;
    const char *key = first_key(v, &klen, &inner);
    if (!key)
        return refuse(c, "%s expression name not found", What);
    if (!key_is(key, klen, "equals-ignore-case"))
        return refuse(c, "Unsupported %s pattern: %.*s", what, QUOTE_MAX, key);
    if (!json_is_string(inner))
        return refuse(c, "equals-ignore-case match pattern must be a string");
    if (json_object_size(v) > 1)
        return refuse(c, "Only one key allowed in match expression");
    m->op = op;
    m->u.str = copy_str(c, inner, true);
    return 0;
}

static int parse_prefix(struct pctx *c, const json_t *v, struct ep_matcher *m)
{
    if (json_is_object(v))
        return parse_affix_nocase(c, v, "prefix", "Prefix", m, EP_PREFIX_NOCASE);
    if (!json_is_string(v))
        return refuse(c, "prefix match pattern must be a string");
    m->op = EP_PREFIX;
    m->u.str = copy_str(c, v, false);
    return 0;
}

static int parse_suffix(struct pctx *c, const json_t *v, struct ep_matcher *m)
{
    if (json_is_object(v))
        return parse_affix_nocase(c, v, "suffix", "Suffix", m, EP_SUFFIX_NOCASE);
    if (!json_is_string(v))
        return refuse(c, "suffix match pattern must be a string");
    m->op = EP_SUFFIX;
    m->u.str = copy_str(c, v, false);
    return 0;
}

static int parse_nocase(struct pctx *c, const json_t *v, struct ep_matcher *m)
{
    if (!json_is_string(v))
        return refuse(c, "equals-ignore-case match pattern must be a string");
    m->op = EP_NOCASE;
    m->u.str = copy_str(c, v, true);
    return 0;
}

static int parse_wildcard(struct pctx *c, const json_t *v, struct ep_matcher *m)
{
    if (!json_is_string(v))
        return refuse(c, "wildcard match pattern must be a string");
    m->op = EP_WILDCARD;
    return wild_compile(c, json_string_value(v), json_string_length(v), &m->u.wild);
}

static int parse_exists(struct pctx *c, const json_t *v, struct ep_matcher *m)
{
    if (!json_is_boolean(v))
        return refuse(c, "exists match pattern must be either true or false.");
    m->op = json_is_true(v) ? EP_EXISTS : EP_NOT_EXISTS;
    return 0;
}

/* The numeric operand at a[i] for operator op ("=" is named "equals" in the message). */
static int numeric_operand(struct pctx *c, const json_t *a, size_t i, const char *op,
                           int64_t *q)
{
    const json_t *v = json_array_get(a, i);
    if (!json_is_number(v))
        return refuse(c, "Value of %s must be numeric", strcmp(op, "=") == 0 ? "equals" : op);
    return need_in_range(c, v, q);
}

static int parse_numeric(struct pctx *c, const json_t *a, struct ep_matcher *m)
{
    char buf[128];
    size_t n = json_array_size(a);
    const json_t *op = json_array_get(a, 0);
    if (!json_is_string(op))
        return refuse(c, "Invalid member in numeric match: %s",
                      op ? token_text(op, buf, sizeof buf) : "]");
    const char *o = json_string_value(op);
    bool lower = strcmp(o, ">") == 0 || strcmp(o, ">=") == 0;
    if (!lower && strcmp(o, "=") != 0 && strcmp(o, "<") != 0 && strcmp(o, "<=") != 0)
        return refuse(c, "Unrecognized numeric range operator: %.*s", QUOTE_MAX, o);
    int64_t q;
    if (numeric_operand(c, a, 1, o, &q) != 0)
        return -1;
    m->op = EP_NUMERIC;
    m->u.range.lo = (int64_t)(-NUM_LIMIT * NUM_SCALE);
    m->u.range.hi = (int64_t)(NUM_LIMIT * NUM_SCALE);
    if (!lower) {
        if (n > 2)
            return refuse(c, "Too many elements in numeric expression");
        if (o[0] == '=')
            m->u.range.lo = q;
        m->u.range.hi = q;
        m->u.range.hi_open = strcmp(o, "<") == 0;
        return 0;
    }
    m->u.range.lo = q;
    m->u.range.lo_open = strcmp(o, ">") == 0;
    if (n == 2)
        return 0;
    const json_t *op2 = json_array_get(a, 2);
    if (!json_is_string(op2))
        return refuse(c, "Bad value in numeric range: %s", token_text(op2, buf, sizeof buf));
    const char *o2 = json_string_value(op2);
    if (strcmp(o2, "<") != 0 && strcmp(o2, "<=") != 0)
        return refuse(c, "Bad numeric range operator: %.*s", QUOTE_MAX, o2);
    if (numeric_operand(c, a, 3, o2, &q) != 0)
        return -1;
    if (n > 4)
        return refuse(c, "Too many terms in numeric range expression");
    if (m->u.range.lo >= q)
        return refuse(c, "Bottom must be less than top");
    m->u.range.hi = q;
    m->u.range.hi_open = strcmp(o2, "<") == 0;
    return 0;
}

static int parse_numeric_expr(struct pctx *c, const json_t *v, struct ep_matcher *m)
{
    if (!json_is_array(v))
        return refuse(c, "Value of numeric must be an array.");
    return parse_numeric(c, v, m);
}

/* Java's Integer.parseInt: optional sign, digits, fits 32 bits. */
static bool parse_java_int(const char *s, size_t n, long *out)
{
    size_t i = s[0] == '+' || s[0] == '-';
    long v = 0;
    if (i == n)
        return false;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
        if (v > 2147483648L)
            return false;
    }
    *out = s[0] == '-' ? -v : v;
    return *out <= 2147483647L;
}

static int parse_cidr(struct pctx *c, const json_t *v, struct ep_matcher *m)
{
    if (!json_is_string(v))
        return refuse(c, "prefix match pattern must be a string"); /* sic, AWS's wording */
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    while (n > 0 && s[n - 1] == '/') /* Java's split drops trailing empty parts */
        n--;
    const char *slash = memchr(s, '/', n);
    if (!slash || memchr(slash + 1, '/', n - (size_t)(slash - s) - 1))
        return refuse(c, "Malformed CIDR, one '/' required");
    long bits;
    if (!parse_java_int(slash + 1, n - (size_t)(slash - s) - 1, &bits))
        return refuse(c, "Malformed CIDR, mask bits must be an integer");
    if (bits < 0)
        return refuse(c, "Malformed CIDR, mask bits must not be negative");
    size_t iplen = (size_t)(slash - s);
    int family = ip_parse(s, iplen, m->u.cidr.lo);
    int quoted = (int)(iplen < QUOTE_MAX ? iplen : QUOTE_MAX);
    if (family == 0)
        return refuse(c, "Nonstandard IP address: %.*s", quoted, s);
    if (family < 0)
        return refuse(c, "Invalid IP address: %.*s", quoted, s);
    if (family == AF_INET && bits > 31)
        return refuse(c, "IPv4 mask bits must be < 32");
    if (family == AF_INET6 && bits > 127)
        return refuse(c, "IPv6 mask bits must be < 128");
    /* As AWS does: from the address as written up to it with every host bit set. */
    size_t len = family == AF_INET ? 4 : 16;
    m->op = EP_CIDR;
    m->u.cidr.family = family;
    for (size_t i = 0; i < len; i++) {
        long host = (long)(8 * i + 8) - bits; /* host bits in byte i */
        unsigned char mask = host >= 8 ? 0xff : host <= 0 ? 0 : (unsigned char)((1u << host) - 1);
        m->u.cidr.hi[i] = m->u.cidr.lo[i] | mask;
    }
    return 0;
}

static int str_cmp(const void *a, const void *b)
{
    const struct ep_str *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return memcmp(x->s, y->s, x->len);
}

static int int64_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* {"anything-but": "a" | 1 | ["a", "b"] | [1, 2]} */
static int parse_but_values(struct pctx *c, const json_t *v, struct ep_matcher *m)
{
    size_t n = json_is_array(v) ? json_array_size(v) : 1, strings = 0, numbers = 0;
    struct ep_str *strs = arena_array(c->p, n, sizeof *strs);
    int64_t *nums = arena_array(c->p, n, sizeof *nums);
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
        if (json_is_string(e)) {
            strs[strings++] = copy_str(c, e, false);
        } else if (json_is_number(e)) {
            if (need_in_range(c, e, &nums[numbers++]) != 0)
                return -1;
        } else if (json_is_array(v)) {
            return refuse(c, "Inside anything but list, start|null|boolean is not supported.");
        } else {
            return refuse(c, "Value of anything-but must be an array or single string/number "
                             "value.");
        }
    }
    if ((strings > 0) == (numbers > 0))
        return refuse(c, "Inside anything but list, either all values are number or string, "
                         "mixed type is not supported");
    if (strings) {
        qsort(strs, strings, sizeof *strs, str_cmp);
        m->op = EP_BUT_STRS;
        m->u.strs.v = strs;
        m->u.strs.n = strings;
    } else {
        qsort(nums, numbers, sizeof *nums, int64_cmp);
        m->op = EP_BUT_NUMS;
        m->u.nums.v = nums;
        m->u.nums.n = numbers;
    }
    return 0;
}

static const char *but_type_message(enum ep_op op)
{
    switch (op) {
    case EP_BUT_NOCASE:
        return "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not "
               "supported.";
    case EP_BUT_WILDCARD:
        return "wildcard match pattern must be a string";
    default:
        return "prefix/suffix match pattern must be a string";
    }
}

/* {"anything-but": {"prefix" | "suffix" | "equals-ignore-case" | "wildcard": s | [s...]}} */
static int parse_but_set(struct pctx *c, const json_t *obj, struct ep_matcher *m)
{
    static const struct {
        const char *name;
        enum ep_op op;
    } kinds[] = {{"equals-ignore-case", EP_BUT_NOCASE}, {"prefix", EP_BUT_PREFIX},
                 {"suffix", EP_BUT_SUFFIX}, {"wildcard", EP_BUT_WILDCARD}};
    size_t klen;
    const json_t *v;
    const char *key = first_key(obj, &klen, &v);
    if (!key)
        return refuse(c, "Anything-But expression name not found");
    m->op = EP_BUT_STRS;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (key_is(key, klen, kinds[i].name))
            m->op = kinds[i].op;
    if (m->op == EP_BUT_STRS)
        return refuse(c, "Unsupported anything-but pattern: %.*s", QUOTE_MAX, key);
    if (!json_is_array(v) && !json_is_string(v) && !json_is_number(v))
        return refuse(c, "Value of anything-but must be an array or single string/number value.");
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    struct ep_str *strs = arena_array(c->p, n, sizeof *strs);
    struct ep_wild *wilds = arena_array(c->p, n, sizeof *wilds);
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
        if (!json_is_string(e))
            return refuse(c, "%s", but_type_message(m->op));
        if (json_string_length(e) == 0 && (m->op == EP_BUT_PREFIX || m->op == EP_BUT_SUFFIX))
            return refuse(c, "Null prefix/suffix not allowed");
        strs[i] = copy_str(c, e, m->op == EP_BUT_NOCASE);
        if (m->op == EP_BUT_WILDCARD &&
            wild_compile(c, json_string_value(e), json_string_length(e), &wilds[i]) != 0)
            return -1;
    }
    if (json_object_size(obj) > 1)
        return refuse(c, "Too many elements in numeric expression"); /* sic */
    if (m->op == EP_BUT_WILDCARD) {
        m->u.wilds.v = wilds;
        m->u.wilds.n = n;
    } else {
        m->u.strs.v = strs;
        m->u.strs.n = n;
    }
    return 0;
}

static int parse_anything_but(struct pctx *c, const json_t *v, struct ep_matcher *m)
{
    if (json_is_object(v))
        return parse_but_set(c, v, m);
    if (!json_is_array(v) && !json_is_string(v) && !json_is_number(v))
        return refuse(c, "Value of anything-but must be an array or single string/number value.");
    return parse_but_values(c, v, m);
}

typedef int (*parse_fn)(struct pctx *c, const json_t *v, struct ep_matcher *m);

/* The match expressions, with what AWS says when one has a second key. */
static const struct {
    const char *name;
    parse_fn parse;
    const char *extra_key;
} EXPRESSIONS[] = {
    {"prefix", parse_prefix, "Only one key allowed in match expression"},
    {"suffix", parse_suffix, "Only one key allowed in match expression"},
    {"equals-ignore-case", parse_nocase, "Only one key allowed in match expression"},
    {"wildcard", parse_wildcard, "Only one key allowed in match expression"},
    {"anything-but", parse_anything_but, "Too many elements in numeric expression"},
    {"numeric", parse_numeric_expr, "Too many elements in numeric expression"},
    {"exists", parse_exists, "Only one key allowed in match expression"},
    {"cidr", parse_cidr, "Only one key allowed in match expression"},
};

static int parse_expression(struct pctx *c, const json_t *obj, struct ep_matcher *m)
{
    size_t klen;
    const json_t *v;
    const char *key = first_key(obj, &klen, &v);
    if (!key)
        return refuse(c, "Match expression name not found");
    for (size_t i = 0; i < sizeof EXPRESSIONS / sizeof EXPRESSIONS[0]; i++) {
        if (!key_is(key, klen, EXPRESSIONS[i].name))
            continue;
        if (EXPRESSIONS[i].parse(c, v, m) != 0)
            return -1;
        if (json_object_size(obj) > 1)
            return refuse(c, "%s", EXPRESSIONS[i].extra_key);
        return 0;
    }
    return refuse(c, "Unrecognized match type %.*s", QUOTE_MAX, key);
}

static int parse_value(struct pctx *c, const json_t *v, struct ep_matcher *m)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return parse_expression(c, v, m);
    case JSON_STRING:
        m->op = EP_EXACT_STR;
        m->u.str = copy_str(c, v, false);
        return 0;
    case JSON_INTEGER:
    case JSON_REAL:
        m->op = EP_EXACT_NUM;
        m->u.num.type = json_typeof(v);
        m->u.num.i = json_is_integer(v) ? json_integer_value(v) : 0;
        m->u.num.d = json_number_value(v);
        m->u.num.in_range = num_quantize(m->u.num.d, &m->u.num.q);
        return 0;
    case JSON_TRUE:
        m->op = EP_EXACT_TRUE;
        return 0;
    case JSON_FALSE:
        m->op = EP_EXACT_FALSE;
        return 0;
    case JSON_NULL:
        m->op = EP_EXACT_NULL;
        return 0;
    default:
        return refuse(c, "Match value must be String, number, true, false, or null");
    }
}

static int parse_leaf(struct pctx *c, const json_t *a, struct ep_field *f)
{
    size_t n = json_array_size(a);
    if (n == 0)
        return refuse(c, "Empty arrays are not allowed");
    struct ep_matcher *m = arena_array(c->p, n, sizeof *m);
    for (size_t i = 0; i < n; i++) {
        if (parse_value(c, json_array_get(a, i), &m[i]) != 0)
            return -1;
        f->absent_ok |= m[i].op == EP_NOT_EXISTS;
    }
    f->m = m;
    f->nm = n;
    return 0;
}

/* Field names AWS keeps for operators, refused inside $or. */
static bool reserved_in_or(const char *key, size_t len)
{
    static const char *const names[] = {
        "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists",
        "wildcard", "numeric", "cidr", "=", "<", "<=", ">", ">=", "regex", "not-wildcard",
        "not-equals-ignore-case", "date-after", "date-on-or-after", "date-before",
        "date-on-or-before", "in-date-range", "ip-address-in-range", "ip-address-not-in-range",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (key_is(key, len, names[i]))
            return true;
    return false;
}

static size_t combos_add(size_t a, size_t b)
{
    return a + b > EVENTS_PATTERN_MAX_COMBINATIONS ? EVENTS_PATTERN_MAX_COMBINATIONS + 1 : a + b;
}

static size_t combos_mul(size_t a, size_t b)
{
    if (a == 0 || b == 0)
        return 0;
    return a > (EVENTS_PATTERN_MAX_COMBINATIONS + 1) / b ? EVENTS_PATTERN_MAX_COMBINATIONS + 1
                                                         : a * b;
}

static int parse_object(struct pctx *c, const json_t *obj, struct ep_node *n, int depth,
                        bool in_or, size_t *combos);

static int parse_or(struct pctx *c, const json_t *a, struct ep_or *or, int depth, size_t *combos)
{
    if (!json_is_array(a))
        return refuse(c, "It must be an Array followed with $or.");
    size_t n = json_array_size(a);
    struct ep_node *alt = arena_array(c->p, n, sizeof *alt);
    *combos = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(a, i);
        size_t k;
        if (!json_is_object(e))
            return refuse(c, "Only JSON object is allowed in array of $or relationship.");
        if (parse_object(c, e, &alt[i], depth + 1, true, &k) != 0)
            return -1;
        *combos = combos_add(*combos, k);
    }
    if (n < 2)
        return refuse(c, "There must have at least 2 Objects in $or relationship.");
    or->alt = alt;
    or->n = n;
    return 0;
}

static int parse_field(struct pctx *c, const char *key, size_t klen, const json_t *v,
                       struct ep_field *f, int depth, bool in_or, size_t *combos)
{
    f->key = arena_strndup(c->p, key, klen);
    f->key_len = klen;
    *combos = 1;
    if (json_is_array(v))
        return parse_leaf(c, v, f);
    if (!json_is_object(v))
        return refuse(c, "\"%.*s\" must be an object or an array",
                      (int)(klen < QUOTE_MAX ? klen : QUOTE_MAX), key);
    struct ep_node *child = arena_alloc(c->p, sizeof *child);
    f->child = child;
    return parse_object(c, v, child, depth + 1, in_or, combos);
}

static int parse_object(struct pctx *c, const json_t *obj, struct ep_node *n, int depth,
                        bool in_or, size_t *combos)
{
    const char *key;
    size_t klen, nf = 0, no = 0;
    json_t *v;
    if (depth > EVENTS_PATTERN_MAX_DEPTH)
        return refuse(c, "Event pattern is nested more than %d levels deep",
                      EVENTS_PATTERN_MAX_DEPTH);
    if (json_object_size(obj) == 0)
        return refuse(c, "Empty objects are not allowed");
    bool has_or = json_object_getn(obj, "$or", 3) != NULL;
    struct ep_field *fields = arena_array(c->p, json_object_size(obj), sizeof *fields);
    struct ep_or *ors = arena_array(c->p, has_or, sizeof *ors);
    *combos = 1;
    json_object_keylen_foreach((json_t *)obj, key, klen, v)
    {
        size_t k;
        int rc;
        if (key_is(key, klen, "$or")) {
            rc = parse_or(c, v, &ors[no++], depth, &k);
        } else if (in_or && reserved_in_or(key, klen)) {
            return refuse(c, "%.*s is Ruler reserved fieldName which cannot be used inside $or.",
                          QUOTE_MAX, key);
        } else {
            rc = parse_field(c, key, klen, v, &fields[nf++], depth, in_or, &k);
        }
        if (rc != 0)
            return -1;
        *combos = combos_mul(*combos, k);
    }
    n->fields = fields;
    n->nfields = nf;
    n->ors = ors;
    n->nors = no;
    return 0;
}

struct events_pattern *events_pattern_parse(const json_t *pattern,
                                            const struct awserr_kind *invalid,
                                            const struct events_pattern_wording *wording,
                                            struct awserr *err)
{
    struct events_pattern *p = xcalloc(1, sizeof *p);
    struct pctx c = {p, invalid, wording, err};
    size_t combos;
    if (!json_is_object(pattern)) {
        refuse(&c, "Filter is not an object");
        goto fail;
    }
    if (parse_object(&c, pattern, &p->root, 1, false, &combos) != 0)
        goto fail;
    if (combos > EVENTS_PATTERN_MAX_COMBINATIONS) {
        refuse(&c, "Event pattern has more than %d combinations of $or alternatives",
               EVENTS_PATTERN_MAX_COMBINATIONS);
        goto fail;
    }
    return p;
fail:
    events_pattern_free(p);
    return NULL;
}

/* ---- matching ---------------------------------------------------------------------- */

/* One scalar of the event, with what matchers need computed at most once. */
struct scalar {
    const json_t *v;
    bool in_range; /* a number numeric matching covers, as q */
    int64_t q;
    int ip_family; /* 0 until asked; then AF_INET/AF_INET6, or -1 for "not an address" */
    unsigned char ip[16];
};

static bool wild_match(const struct ep_wild *w, const char *s, size_t n)
{
    size_t first = 0, last = w->nrun, pos = 0, end = n;
    const char *lit = w->lit;
    if (w->nrun == 0)
        return w->lead || w->trail || n == 0;
    if (!w->lead) { /* the first run is a prefix */
        if (n < w->run[0] || memcmp(s, lit, w->run[0]) != 0)
            return false;
        if (w->nrun == 1 && !w->trail)
            return n == w->run[0];
        pos = w->run[0];
        lit += w->run[0];
        first = 1;
    }
    if (!w->trail && last > first) { /* the last run is a suffix */
        size_t len = w->run[last - 1];
        size_t off = 0;
        for (size_t i = first; i + 1 < last; i++)
            off += w->run[i];
        if (end - pos < len || memcmp(s + end - len, lit + off, len) != 0)
            return false;
        end -= len;
        last--;
    }
    for (size_t i = first; i < last; i++) { /* the middle runs, leftmost first */
        const char *at = memmem(s + pos, end - pos, lit, w->run[i]);
        if (!at)
            return false;
        pos = (size_t)(at - s) + w->run[i];
        lit += w->run[i];
    }
    return true;
}

static bool str_in_set(const struct ep_str *set, size_t n, const char *s, size_t len)
{
    struct ep_str key = {s, len};
    return bsearch(&key, set, n, sizeof *set, str_cmp) != NULL;
}

static bool nocase_in_set(const struct ep_str *set, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (set[i].len == len && nocase_eq(s, set[i].s, len))
            return true;
    return false;
}

static bool prefix_in_set(const struct ep_str *set, size_t n, const char *s, size_t len,
                          bool suffix)
{
    for (size_t i = 0; i < n; i++)
        if (set[i].len <= len &&
            memcmp(suffix ? s + len - set[i].len : s, set[i].s, set[i].len) == 0)
            return true;
    return false;
}

static bool wild_in_set(const struct ep_wild *set, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (wild_match(&set[i], s, len))
            return true;
    return false;
}

/* Numbers "as written": AWS also compares the text of numbers, which jansson keeps only as
 * a value; equal values of the same JSON type stand in for equal text. */
static bool num_exact(const struct ep_matcher *m, const struct scalar *sc)
{
    if (m->u.num.in_range && sc->in_range && m->u.num.q == sc->q)
        return true;
    if (json_typeof(sc->v) != m->u.num.type)
        return false;
    return m->u.num.type == JSON_INTEGER ? json_integer_value(sc->v) == m->u.num.i
                                         : json_real_value(sc->v) == m->u.num.d;
}

static bool in_range(const struct ep_matcher *m, int64_t q)
{
    if (q < m->u.range.lo || (m->u.range.lo_open && q == m->u.range.lo))
        return false;
    return q < m->u.range.hi || (!m->u.range.hi_open && q == m->u.range.hi);
}

static bool cidr_match(const struct ep_matcher *m, struct scalar *sc)
{
    if (sc->ip_family == 0)
        sc->ip_family = ip_parse(json_string_value(sc->v), json_string_length(sc->v), sc->ip);
    if (sc->ip_family != m->u.cidr.family)
        return false;
    size_t len = m->u.cidr.family == AF_INET ? 4 : 16;
    return memcmp(sc->ip, m->u.cidr.lo, len) >= 0 && memcmp(sc->ip, m->u.cidr.hi, len) <= 0;
}

/* Matchers that apply to strings only; false for every other scalar. */
static bool string_match(const struct ep_matcher *m, struct scalar *sc)
{
    const char *s = json_string_value(sc->v);
    size_t n = json_string_length(sc->v);
    const struct ep_str *p = &m->u.str;
    switch (m->op) {
    case EP_EXACT_STR:
        return n == p->len && memcmp(s, p->s, n) == 0;
    case EP_PREFIX:
        return n >= p->len && memcmp(s, p->s, p->len) == 0;
    case EP_PREFIX_NOCASE:
        return n >= p->len && nocase_eq(s, p->s, p->len);
    case EP_SUFFIX:
        return n >= p->len && memcmp(s + n - p->len, p->s, p->len) == 0;
    case EP_SUFFIX_NOCASE:
        return n >= p->len && nocase_eq(s + n - p->len, p->s, p->len);
    case EP_NOCASE:
        return n == p->len && nocase_eq(s, p->s, n);
    case EP_WILDCARD:
        return wild_match(&m->u.wild, s, n);
    case EP_CIDR:
        return cidr_match(m, sc);
    default:
        return false;
    }
}

/* anything-but: any present scalar that is not one of the excluded values. */
static bool but_match(const struct ep_matcher *m, const struct scalar *sc)
{
    if (m->op == EP_BUT_NUMS)
        return !(sc->in_range && bsearch(&sc->q, m->u.nums.v, m->u.nums.n, sizeof(int64_t),
                                         int64_cmp));
    if (!json_is_string(sc->v))
        return true;
    const char *s = json_string_value(sc->v);
    size_t n = json_string_length(sc->v);
    switch (m->op) {
    case EP_BUT_STRS:
        return !str_in_set(m->u.strs.v, m->u.strs.n, s, n);
    case EP_BUT_NOCASE:
        return !nocase_in_set(m->u.strs.v, m->u.strs.n, s, n);
    case EP_BUT_PREFIX:
        return !prefix_in_set(m->u.strs.v, m->u.strs.n, s, n, false);
    case EP_BUT_SUFFIX:
        return !prefix_in_set(m->u.strs.v, m->u.strs.n, s, n, true);
    default:
        return !wild_in_set(m->u.wilds.v, m->u.wilds.n, s, n);
    }
}

static bool matcher_match(const struct ep_matcher *m, struct scalar *sc)
{
    switch (m->op) {
    case EP_EXACT_NUM:
        return json_is_number(sc->v) && num_exact(m, sc);
    case EP_EXACT_TRUE:
        return json_is_true(sc->v);
    case EP_EXACT_FALSE:
        return json_is_false(sc->v);
    case EP_EXACT_NULL:
        return json_is_null(sc->v);
    case EP_NUMERIC:
        return sc->in_range && in_range(m, sc->q);
    case EP_EXISTS:
        return true;
    case EP_NOT_EXISTS:
        return false;
    case EP_BUT_STRS:
    case EP_BUT_NUMS:
    case EP_BUT_PREFIX:
    case EP_BUT_SUFFIX:
    case EP_BUT_NOCASE:
    case EP_BUT_WILDCARD:
        return but_match(m, sc);
    default:
        return json_is_string(sc->v) && string_match(m, sc);
    }
}

/* Whether one scalar at v (v itself, or inside nested arrays) satisfies one of f's matchers;
 * *seen records that a scalar was there at all. */
static bool leaf_any(const struct ep_field *f, const json_t *v, bool *seen, int depth)
{
    if (!v || json_is_object(v) || depth > MATCH_DEPTH)
        return false;
    if (json_is_array(v)) {
        for (size_t i = 0, n = json_array_size(v); i < n; i++)
            if (leaf_any(f, json_array_get(v, i), seen, depth + 1))
                return true;
        return false;
    }
    struct scalar sc = {.v = v};
    *seen = true;
    if (json_is_number(v))
        sc.in_range = num_quantize(json_number_value(v), &sc.q);
    for (size_t i = 0; i < f->nm; i++)
        if (matcher_match(&f->m[i], &sc))
            return true;
    return false;
}

static bool leaf_match(const struct ep_field *f, const json_t *v, int depth)
{
    bool seen = false;
    if (leaf_any(f, v, &seen, depth))
        return true;
    return !seen && f->absent_ok;
}

/* The event's value for a pattern key; a dotted key ("a.b") also finds a nested field. */
static const json_t *field_get(const json_t *obj, const char *key, size_t len)
{
    for (;;) {
        const json_t *v = json_object_getn(obj, key, len), *head = NULL;
        size_t dot = 1;
        if (v)
            return v;
        for (; dot + 1 < len; dot++) /* the shortest head that is an object */
            if (key[dot] == '.' && json_is_object(head = json_object_getn(obj, key, dot)))
                break;
        if (dot + 1 >= len)
            return NULL;
        obj = head;
        key += dot + 1;
        len -= dot + 1;
    }
}

static bool node_match(const struct ep_node *n, const json_t *ev, int depth);

/* The node's fields and $or groups against one event object (NULL: nothing there). */
static bool fields_match(const struct ep_node *n, const json_t *obj, int depth)
{
    for (size_t i = 0; i < n->nfields; i++) {
        const struct ep_field *f = &n->fields[i];
        const json_t *v = obj ? field_get(obj, f->key, f->key_len) : NULL;
        if (!(f->child ? node_match(f->child, v, depth + 1) : leaf_match(f, v, depth + 1)))
            return false;
    }
    for (size_t i = 0; i < n->nors; i++) {
        const struct ep_or *or = &n->ors[i];
        size_t j = 0;
        while (j < or->n && !fields_match(&or->alt[j], obj, depth + 1))
            j++;
        if (j == or->n)
            return false;
    }
    return true;
}

static bool node_match(const struct ep_node *n, const json_t *ev, int depth)
{
    if (depth > MATCH_DEPTH)
        return false;
    if (json_is_array(ev) && json_array_size(ev) > 0) {
        for (size_t i = 0, len = json_array_size(ev); i < len; i++)
            if (node_match(n, json_array_get(ev, i), depth + 1))
                return true;
        return false;
    }
    return fields_match(n, json_is_object(ev) ? ev : NULL, depth);
}

bool events_pattern_match(const struct events_pattern *p, const json_t *event)
{
    return fields_match(&p->root, json_is_object(event) ? event : NULL, 0);
}
