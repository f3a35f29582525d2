/* server/awsjson.c — AWS JSON 1.0/1.1 codec; see awsjson.h and shared/docs §1.5-1.6. */
#include "server/awsjson.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <libdeflate.h>

static size_t utf8_seq(const unsigned char *s, size_t n);

/* ---- the fast parser ----
 * Request bodies are parsed on every request, and jansson's reader spends most of its time
 * reading one character at a time through its stream layer. This parser takes the common
 * shapes (objects, arrays, strings, literals; numbers through jansson itself) and gives up
 * on anything else, errors included, by returning NULL: awsjson_parse() then hands the body
 * to json_loadb(), so whatever it accepts it builds exactly as jansson would, and what it
 * refuses gets jansson's verdict and message. */
struct fast {
    const unsigned char *p, *end;
    char *scratch; /* unescaped string text */
    size_t scratch_cap;
};

#define FAST_MAX_DEPTH 512 /* deeper bodies go to jansson (its limit is 2048) */

static void fast_ws(struct fast *f)
{
    while (f->p < f->end && (*f->p == ' ' || *f->p == '\n' || *f->p == '\r' || *f->p == '\t'))
        f->p++;
}

static int hex4(const unsigned char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (c | 0x20) - 'a' + 10;
        else
            return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

/* Reads the string at f->p (on its opening quote). Its text is either in the input
 * (*text points there) or, when it had escapes, in f->scratch. -1: give up. */
static int fast_string(struct fast *f, const char **text, size_t *len)
{
    const unsigned char *p = ++f->p, *end = f->end;
    while (p < end && *p != '"' && *p != '\\' && *p >= 0x20 && *p < 0x80)
        p++;
    if (p < end && *p == '"') { /* plain ASCII: the common case */
        *text = (const char *)f->p;
        *len = (size_t)(p - f->p);
        f->p = p + 1;
        return 0;
    }
    /* Escapes or UTF-8: decode into scratch (never longer than the input). */
    size_t max = (size_t)(end - f->p);
    if (max + 1 > f->scratch_cap) {
        f->scratch_cap = max + 1;
        f->scratch = xrealloc(f->scratch, f->scratch_cap);
    }
    char *o = f->scratch;
    p = f->p;
    for (;;) {
        if (p >= end)
            return -1;
        unsigned c = *p;
        if (c == '"')
            break;
        if (c < 0x20)
            return -1;
        if (c >= 0x80) {
            size_t n = utf8_seq(p, (size_t)(end - p));
            if (!n)
                return -1;
            memcpy(o, p, n);
            o += n, p += n;
            continue;
        }
        if (c != '\\') {
            *o++ = (char)c, p++;
            continue;
        }
        if (end - p < 2)
            return -1;
        switch (p[1]) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (end - p < 6 || hex4(p + 2, &cp) < 0 || cp == 0)
                return -1;
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return -1;
            if (cp >= 0xD800 && cp <= 0xDBFF) { /* a pair: \uD8xx\uDCxx */
                if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || hex4(p + 8, &lo) < 0 ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return -1;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            if (cp < 0x80) {
                *o++ = (char)cp;
            } else if (cp < 0x800) {
                *o++ = (char)(0xC0 | cp >> 6);
                *o++ = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                *o++ = (char)(0xE0 | cp >> 12);
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                *o++ = (char)(0x80 | (cp & 0x3F));
            } else {
                *o++ = (char)(0xF0 | cp >> 18);
                *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                *o++ = (char)(0x80 | (cp & 0x3F));
            }
            p += 6;
            continue;
        }
        default:
            return -1;
        }
        p += 2;
    }
    *text = f->scratch;
    *len = (size_t)(o - f->scratch);
    f->p = p + 1;
    return 0;
}

static json_t *fast_value(struct fast *f, int depth);

static json_t *fast_object(struct fast *f, int depth)
{
    json_t *obj = json_object();
    f->p++; /* '{' */
    fast_ws(f);
    if (f->p < f->end && *f->p == '}') {
        f->p++;
        return obj;
    }
    for (;;) {
        const char *key;
        size_t key_len;
        if (f->p >= f->end || *f->p != '"' || fast_string(f, &key, &key_len) < 0)
            goto fail;
        /* A duplicate (refused) or a key in scratch that the value's strings would
         * overwrite: keys with escapes are rare, so jansson takes those bodies too. */
        if (key == f->scratch || json_object_getn(obj, key, key_len))
            goto fail;
        fast_ws(f);
        if (f->p >= f->end || *f->p != ':')
            goto fail;
        f->p++;
        fast_ws(f);
        json_t *v = fast_value(f, depth + 1);
        if (!v || json_object_setn_new_nocheck(obj, key, key_len, v) < 0)
            goto fail;
        fast_ws(f);
        if (f->p >= f->end)
            goto fail;
        if (*f->p == '}') {
            f->p++;
            return obj;
        }
        if (*f->p != ',')
            goto fail;
        f->p++;
        fast_ws(f);
    }
fail:
    json_decref(obj);
    return NULL;
}

static json_t *fast_array(struct fast *f, int depth)
{
    json_t *arr = json_array();
    f->p++; /* '[' */
    fast_ws(f);
    if (f->p < f->end && *f->p == ']') {
        f->p++;
        return arr;
    }
    for (;;) {
        json_t *v = fast_value(f, depth + 1);
        if (!v || json_array_append_new(arr, v) < 0)
            goto fail;
        fast_ws(f);
        if (f->p >= f->end)
            goto fail;
        if (*f->p == ']') {
            f->p++;
            return arr;
        }
        if (*f->p != ',')
            goto fail;
        f->p++;
        fast_ws(f);
    }
fail:
    json_decref(arr);
    return NULL;
}

static bool fast_word(struct fast *f, const char *w, size_t n)
{
    if ((size_t)(f->end - f->p) < n || memcmp(f->p, w, n) != 0)
        return false;
    f->p += n;
    return true;
}

static json_t *fast_value(struct fast *f, int depth)
{
    if (f->p >= f->end || depth > FAST_MAX_DEPTH)
        return NULL;
    switch (*f->p) {
    case '{': return fast_object(f, depth);
    case '[': return fast_array(f, depth);
    case '"': {
        const char *text;
        size_t len;
        return fast_string(f, &text, &len) < 0 ? NULL : json_stringn_nocheck(text, len);
    }
    case 't': return fast_word(f, "true", 4) ? json_true() : NULL;
    case 'f': return fast_word(f, "false", 5) ? json_false() : NULL;
    case 'n': return fast_word(f, "null", 4) ? json_null() : NULL;
    default: {
        /* A number: jansson reads its characters, so its range checks and rounding hold. */
        const unsigned char *start = f->p;
        while (f->p < f->end && ((*f->p >= '0' && *f->p <= '9') || *f->p == '-' ||
                                 *f->p == '+' || *f->p == '.' || *f->p == 'e' || *f->p == 'E'))
            f->p++;
        if (f->p == start)
            return NULL;
        return json_loadb((const char *)start, (size_t)(f->p - start), JSON_DECODE_ANY, NULL);
    }
    }
}

/* The body's object, or NULL: let jansson parse it (see above). */
static json_t *fast_parse(const char *body, size_t len)
{
    struct fast f = {(const unsigned char *)body, (const unsigned char *)body + len, NULL, 0};
    fast_ws(&f);
    json_t *v = f.p < f.end && *f.p == '{' ? fast_object(&f, 1) : NULL;
    fast_ws(&f);
    if (v && f.p != f.end) {
        json_decref(v);
        v = NULL;
    }
    free(f.scratch);
    return v;
}

json_t *awsjson_parse(const char *body, size_t len, const struct awserr_kind *serialization,
                      struct awserr *err)
{
    if (len == 0)
        return json_object();
    json_t *fast = fast_parse(body, len);
    if (fast)
        return fast;
    json_error_t jerr;
    json_t *in = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!in) {
        awserr__raise(err, serialization, __FILE__, __LINE__, "%s", jerr.text);
        return NULL;
    }
    if (!json_is_object(in)) {
        json_decref(in);
        awserr__raise(err, serialization, __FILE__, __LINE__,
                      "Start of list found where not expected");
        return NULL;
    }
    return in;
}

static int dump_to_buf(const char *chunk, size_t size, void *data)
{
    buf_add(data, chunk, size);
    return 0;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when it is not one:
 * the sequences jansson's utf8_iterate accepts (no overlongs, surrogates or > U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0], cp;
    size_t len;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* A JSON string as jansson's dump_string writes it without flags: \\ \" \b \f \n \r \t,
 * other control characters as \u00XX, everything else (UTF-8 included) as is. -1 when s
 * is not valid UTF-8 (jansson then fails the whole dump). */
static int string_write(struct buf *b, const char *str, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *s = (const unsigned char *)str;
    buf_reserve(b, len + 2);
    size_t i = 0;
    while (i < len && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
        i++;
    b->data[b->len] = '"'; /* the common case: nothing to escape, one copy */
    memcpy(b->data + b->len + 1, s, i);
    b->len += i + 1;
    while (i < len) {
        size_t run = i;
        while (run < len && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' && s[run] != '\\')
            run++;
        if (run > i) {
            buf_add(b, s + i, run - i);
            i = run;
            continue;
        }
        unsigned c = s[i];
        if (c >= 0x80) {
            size_t n = utf8_seq(s + i, len - i);
            if (!n)
                return -1;
            buf_add(b, s + i, n);
            i += n;
            continue;
        }
        char esc[6] = {'\\', 0};
        size_t n = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u', esc[2] = '0', esc[3] = '0', esc[4] = hex[c >> 4], esc[5] = hex[c & 15];
            n = 6;
        }
        buf_add(b, esc, n);
        i++;
    }
    buf_reserve(b, 1);
    b->data[b->len++] = '"';
    b->data[b->len] = '\0';
    return 0;
}

static int value_write(struct buf *b, const json_t *v, size_t flags, int depth)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        if (depth > 2048)
            return -1;
        buf_addc(b, '{');
        bool first = true;
        for (void *it = json_object_iter((json_t *)v); it;
             it = json_object_iter_next((json_t *)v, it)) {
            if (!first)
                buf_addc(b, ',');
            first = false;
            if (string_write(b, json_object_iter_key(it), json_object_iter_key_len(it)) < 0)
                return -1;
            buf_addc(b, ':');
            if (value_write(b, json_object_iter_value(it), flags, depth + 1) < 0)
                return -1;
        }
        buf_addc(b, '}');
        return 0;
    }
    case JSON_ARRAY: {
        if (depth > 2048)
            return -1;
        buf_addc(b, '[');
        for (size_t i = 0, n = json_array_size(v); i < n; i++) {
            if (i)
                buf_addc(b, ',');
            if (value_write(b, json_array_get(v, i), flags, depth + 1) < 0)
                return -1;
        }
        buf_addc(b, ']');
        return 0;
    }
    case JSON_STRING:
        return string_write(b, json_string_value(v), json_string_length(v));
    case JSON_TRUE:
        buf_add(b, "true", 4);
        return 0;
    case JSON_FALSE:
        buf_add(b, "false", 5);
        return 0;
    case JSON_NULL:
        buf_add(b, "null", 4);
        return 0;
    default: /* numbers: jansson's own formatting, so the bytes are exactly its */
        return json_dump_callback(v, dump_to_buf, b, flags | JSON_ENCODE_ANY);
    }
}

void awsjson_write(struct buf *out, const json_t *v, size_t flags)
{
    assert(flags == (flags & (JSON_COMPACT | JSON_REAL_PRECISION(31))));
    size_t start = out->len;
    if (value_write(out, v, flags | JSON_COMPACT, 0) == 0)
        return;
    /* Not valid UTF-8 or nested absurdly deep: whatever jansson makes of it. */
    out->len = start;
    if (out->data)
        out->data[start] = '\0';
    json_dump_callback(v, dump_to_buf, out, flags | JSON_COMPACT);
}

void awsjson_body_write(struct req *req, const json_t *out)
{
    buf_reset(&req->out);
    awsjson_write(&req->out, out, JSON_COMPACT | JSON_REAL_PRECISION(15));
}

static void finish(struct req *req, const char *content_type, bool crc)
{
    req->content_type = content_type;
    if (crc) {
        /* libdeflate's CRC-32 uses carry-less multiplication where the CPU has it: a 100-item
         * Query reply is ~100 KB, and zlib's table-driven crc32 was a third of its CPU time. */
        uint32_t sum = libdeflate_crc32(0, req->out.data ? req->out.data : "", req->out.len);
        char digits[16], *d = digits + sizeof digits;
        *--d = '\0';
        do
            *--d = (char)('0' + sum % 10);
        while (sum /= 10);
        req_out_header(req, "x-amz-crc32", req_strdup(req, d));
    }
}

void awsjson_reply_write(struct req *req, const char *content_type, bool crc)
{
    req->status = 200;
    finish(req, content_type, crc);
}

void awsjson_error_write(struct req *req, const char *content_type, bool crc)
{
    const struct awserr_kind *kind = req->err.kind;
    char type[256];
    if (kind->ns && *kind->ns)
        snprintf(type, sizeof type, "%s#%s", kind->ns, kind->code);
    else
        snprintf(type, sizeof type, "%s", kind->code);
    json_t *body = json_pack("{s:s, s:s}", "__type", type, "message", req->err.message);
    if (req->err.detail)
        json_object_update(body, req->err.detail);
    awsjson_body_write(req, body);
    json_decref(body);
    req->status = kind->status;
    finish(req, content_type, crc);
}
