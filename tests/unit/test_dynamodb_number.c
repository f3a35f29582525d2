/* tests/unit/test_dynamodb_number.c — exact decimal arithmetic (server/dynamodb_number.c):
 * sums and differences at the 38-digit and range boundaries, and numeric ordering.
 * Table-driven: a failing row prints its operands beside the expected and actual results. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "server/dynamodb_err.h"
#include "server/dynamodb_number.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define OVERFLOW                                                                        \
    "Number overflow. Attempting to store a number with magnitude larger than supported range"
#define UNDERFLOW                                                                       \
    "Number underflow. Attempting to store a number with magnitude smaller than supported range"
#define PRECISION "Attempting to store more than 38 significant digits in a Number"
#define N38 "99999999999999999999999999999999999999"
#define MAX "9.9999999999999999999999999999999999999E+125"

struct arith_case {
    const char *a;
    char op;
    const char *b;
    const char *want; /* canonical result, or the error message */
};

static const struct arith_case ARITH[] = {
    {"1", '+', "2", "3"},
    {"5.3", '+', "0.05", "5.35"},
    {"5", '+', "1.2", "6.2"},
    {"0.1", '+', "0.2", "0.3"}, /* no binary floating point anywhere */
    {"1", '-', "1", "0"},
    {"-1", '+', "1", "0"},
    {"-0.5", '-', "0.5", "-1"},
    {"10", '-', "0.001", "9.999"},
    {"0.001", '-', "10", "-9.999"},
    {"-7", '-', "-10", "3"},
    {"123456789", '+', "-123456789", "0"},
    {"1E+2", '+', "1e-2", "100.01"},
    {"99", '+', "1", "100"},
    {N38, '-', N38, "0"},
    {N38, '+', "1", "100000000000000000000000000000000000000"}, /* 39 digits, 38 zeros trimmed */
    {N38, '+', "0.1", PRECISION},
    {"1E+30", '+', "1E-10", PRECISION},
    {"12345678901234567890123456789012345678", '+', "0.5", PRECISION},
    {MAX, '+', MAX, OVERFLOW},
    {MAX, '-', "-1E+125", OVERFLOW},
    {MAX, '+', "0", "999999999999999999999999999999999999990000000000000000000000000000000000"
                    "000000000000000000000000000000000000000000000000000000"},
    {"1E-130", '-', "1E-130", "0"},
    {"1.5E-130", '-', "1E-130", UNDERFLOW},
    {"0", '-', "0", "0"},
    {"-0", '+', "0", "0"},
};

static void test_arith(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < ARRAY_LEN(ARITH); i++) {
        const struct arith_case *c = &ARITH[i];
        char out[DDBVAL_NUMBER_MAX];
        struct awserr err = {0};
        int rc = c->op == '+' ? ddbnum_add(c->a, c->b, out, &err)
                              : ddbnum_sub(c->a, c->b, out, &err);
        const char *got = rc == 0 ? out : err.message;
        if (strcmp(got, c->want) != 0 || (rc != 0 && err.kind != &DDB_VALIDATION)) {
            print_error("%s %c %s: want %s, got %s\n", c->a, c->op, c->b, c->want, got);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

/* 2E-130 - 1E-130 is exactly the smallest positive number. */
static void test_smallest_difference(void **state)
{
    (void)state;
    char out[DDBVAL_NUMBER_MAX], want[DDBVAL_NUMBER_MAX];
    struct awserr err = {0};
    memset(want, '0', sizeof want);
    want[1] = '.';
    want[2 + 129] = '1';
    want[2 + 130] = '\0';
    assert_int_equal(ddbnum_sub("2E-130", "1E-130", out, &err), 0);
    assert_string_equal(out, want);
}

static void test_bad_operand(void **state)
{
    (void)state;
    char out[DDBVAL_NUMBER_MAX];
    struct awserr err = {0};
    assert_int_equal(ddbnum_add("abc", "1", out, &err), -1);
    assert_string_equal(err.message, "The parameter cannot be converted to a numeric value: abc");
}

static void test_compare(void **state)
{
    (void)state;
    static const char *ordered[] = {"-1E+125", "-10", "-2", "-1.5", "-0.001", "0", "1E-130",
                                    "0.001", "1", "1.5", "2", "10", N38, MAX};
    for (size_t i = 0; i < ARRAY_LEN(ordered); i++)
        for (size_t j = 0; j < ARRAY_LEN(ordered); j++) {
            int want = i < j ? -1 : i > j ? 1 : 0, got = ddbnum_compare(ordered[i], ordered[j]);
            if ((got > 0) - (got < 0) != want)
                fail_msg("compare(%s, %s) = %d", ordered[i], ordered[j], got);
        }
    assert_int_equal(ddbnum_compare("1.50", "1.5"), 0);
    assert_int_equal(ddbnum_compare("15E-1", "1.5"), 0);
    assert_int_equal(ddbnum_compare("-0", "0"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arith),
        cmocka_unit_test(test_smallest_difference),
        cmocka_unit_test(test_bad_operand),
        cmocka_unit_test(test_compare),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
