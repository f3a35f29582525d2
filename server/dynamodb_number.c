/* server/dynamodb_number.c — exact decimal add/subtract/compare of DynamoDB numbers; see
 * dynamodb_number.h.
 *
 * DESIGN. A valid number has at most 38 significant digits between 10^125 and 10^-167 (the
 * last digit of a 38-digit number starting at 1E-130), so every input fits one fixed-point
 * array of decimal digits indexed by power of ten, with one spare position for a carry out of
 * 10^125. Sums and differences are done digit by digit in that array, exactly; the result is
 * written as a plain decimal string and handed to ddbval_number_normalize, which trims it and
 * applies DynamoDB's precision and range rules, so arithmetic fails with the same messages as
 * storing an out-of-range number does. */
#include "server/dynamodb_number.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define POW_LOW (-167) /* last digit of 38 digits starting at 1E-130 */
#define POW_HIGH 126   /* carry out of 9.9…E+125 */
#define NDIGITS (POW_HIGH - POW_LOW + 1)

/* value = (neg ? -1 : 1) × Σ d[i] × 10^(i + POW_LOW) */
struct dec {
    bool neg;
    uint8_t d[NDIGITS];
};

/* Fills x from a canonical plain string ("-12.5"). Returns false if s is not of that form
 * or does not fit, which a canonical number always does. */
static bool dec_from_plain(const char *s, struct dec *x)
{
    memset(x, 0, sizeof *x);
    x->neg = *s == '-';
    s += x->neg;
    size_t int_len = strspn(s, "0123456789");
    if (int_len == 0 || int_len > POW_HIGH)
        return false;
    for (size_t i = 0; i < int_len; i++)
        x->d[(int_len - 1 - i) - POW_LOW] = (uint8_t)(s[i] - '0');
    s += int_len;
    if (*s == '\0')
        return true;
    if (*s++ != '.')
        return false;
    size_t frac_len = strspn(s, "0123456789");
    if (frac_len == 0 || frac_len > (size_t)-POW_LOW || s[frac_len] != '\0')
        return false;
    for (size_t i = 0; i < frac_len; i++)
        x->d[-(int)(i + 1) - POW_LOW] = (uint8_t)(s[i] - '0');
    return true;
}

/* Parses any DynamoDB number into x by way of its canonical form. */
static int dec_parse(const char *s, struct dec *x, struct awserr *err)
{
    char canon[DDBVAL_NUMBER_MAX];
    if (ddbval_number_normalize(s, strlen(s), canon, err) != 0)
        return -1;
    if (!dec_from_plain(canon, x))
        return awserr_raise(err, AWSERR_INTERNAL, "internal error"); /* canonical always fits */
    return 0;
}

static int mag_compare(const struct dec *a, const struct dec *b)
{
    for (int i = NDIGITS - 1; i >= 0; i--)
        if (a->d[i] != b->d[i])
            return a->d[i] < b->d[i] ? -1 : 1;
    return 0;
}

static bool dec_is_zero(const struct dec *x)
{
    for (int i = 0; i < NDIGITS; i++)
        if (x->d[i])
            return false;
    return true;
}

/* r = |a| + |b|. The top position only ever receives a carry, so nothing is lost. */
static void mag_add(const struct dec *a, const struct dec *b, struct dec *r)
{
    int carry = 0;
    for (int i = 0; i < NDIGITS; i++) {
        int v = a->d[i] + b->d[i] + carry;
        r->d[i] = (uint8_t)(v % 10);
        carry = v / 10;
    }
}

/* r = |a| - |b|, with |a| >= |b|. */
static void mag_sub(const struct dec *a, const struct dec *b, struct dec *r)
{
    int borrow = 0;
    for (int i = 0; i < NDIGITS; i++) {
        int v = a->d[i] - b->d[i] - borrow;
        borrow = v < 0;
        r->d[i] = (uint8_t)(v + (borrow ? 10 : 0));
    }
}

/* Writes r as a plain decimal ("-123.45", "0") into out, which holds NDIGITS + 4 bytes. */
static size_t dec_write(const struct dec *r, char *out)
{
    int hi = NDIGITS - 1, lo = 0;
    while (hi > 0 && r->d[hi] == 0 && hi > -POW_LOW)
        hi--;
    while (lo < -POW_LOW && r->d[lo] == 0)
        lo++;
    char *p = out;
    if (r->neg && !dec_is_zero(r))
        *p++ = '-';
    for (int i = hi; i >= -POW_LOW; i--)
        *p++ = (char)('0' + r->d[i]);
    if (lo < -POW_LOW) {
        *p++ = '.';
        for (int i = -POW_LOW - 1; i >= lo; i--)
            *p++ = (char)('0' + r->d[i]);
    }
    *p = '\0';
    return (size_t)(p - out);
}

static int dec_sum(const char *a, const char *b, bool negate_b, char out[DDBVAL_NUMBER_MAX],
                   struct awserr *err)
{
    struct dec x, y, r;
    char plain[NDIGITS + 4];
    if (dec_parse(a, &x, err) != 0 || dec_parse(b, &y, err) != 0)
        return -1;
    y.neg = y.neg != negate_b;
    memset(&r, 0, sizeof r);
    if (x.neg == y.neg) {
        mag_add(&x, &y, &r);
        r.neg = x.neg;
    } else if (mag_compare(&x, &y) >= 0) {
        mag_sub(&x, &y, &r);
        r.neg = x.neg;
    } else {
        mag_sub(&y, &x, &r);
        r.neg = y.neg;
    }
    size_t len = dec_write(&r, plain);
    return ddbval_number_normalize(plain, len, out, err);
}

int ddbnum_add(const char *a, const char *b, char out[DDBVAL_NUMBER_MAX], struct awserr *err)
{
    return dec_sum(a, b, false, out, err);
}

int ddbnum_sub(const char *a, const char *b, char out[DDBVAL_NUMBER_MAX], struct awserr *err)
{
    return dec_sum(a, b, true, out, err);
}

int ddbnum_compare(const char *a, const char *b)
{
    struct dec x, y;
    struct awserr ignored = {0};
    if (dec_parse(a, &x, &ignored) != 0)
        memset(&x, 0, sizeof x);
    awserr_clear(&ignored);
    if (dec_parse(b, &y, &ignored) != 0)
        memset(&y, 0, sizeof y);
    bool xz = dec_is_zero(&x), yz = dec_is_zero(&y);
    int sx = xz ? 0 : x.neg ? -1 : 1, sy = yz ? 0 : y.neg ? -1 : 1;
    if (sx != sy)
        return sx < sy ? -1 : 1;
    if (sx == 0)
        return 0;
    int m = mag_compare(&x, &y);
    return sx < 0 ? -m : m;
}
