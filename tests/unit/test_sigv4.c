/* tests/unit/test_sigv4.c — credential scope parsing: a table of headers and what they yield. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "server/sigv4.h"

struct header_case {
    const char *header;
    int result; /* 1 parsed, 0 not SigV4, -1 malformed */
    const char *access_key, *region, *service;
};

static const struct header_case header_cases[] = {
    {"AWS4-HMAC-SHA256 Credential=AKID/20240131/us-east-1/dynamodb/aws4_request, "
     "SignedHeaders=host;x-amz-date, Signature=abcd",
     1, "AKID", "us-east-1", "dynamodb"},
    {"AWS4-HMAC-SHA256 SignedHeaders=host, Credential=K/20240131/eu-west-2/lambda/aws4_request,"
     "Signature=00",
     1, "K", "eu-west-2", "lambda"},
    {"AWS4-HMAC-SHA256 Credential=K/20240131/ap-south-1/events/aws4_request", 1, "K",
     "ap-south-1", "events"},
    {NULL, 0, NULL, NULL, NULL},
    {"Bearer xyz", 0, NULL, NULL, NULL},
    {"AWS4-HMAC-SHA256X Credential=K/20240131/r/s/aws4_request", 0, NULL, NULL, NULL},
    {"AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00", -1, NULL, NULL, NULL},
    {"AWS4-HMAC-SHA256 Credential=K/2024013/us-east-1/dynamodb/aws4_request", -1, NULL, NULL,
     NULL},
    {"AWS4-HMAC-SHA256 Credential=K/20240131/us-east-1/dynamodb", -1, NULL, NULL, NULL},
    {"AWS4-HMAC-SHA256 Credential=K/20240131//dynamodb/aws4_request", -1, NULL, NULL, NULL},
    {"AWS4-HMAC-SHA256 Credential=K/20240131/us-east-1/dynamodb/aws4_request/x", -1, NULL,
     NULL, NULL},
    {"AWS4-HMAC-SHA256 Credential=/20240131/us-east-1/dynamodb/aws4_request", -1, NULL, NULL,
     NULL},
    {"AWS4-HMAC-SHA256 Credential=K/20240131/us-east-1/dynamodb/aws4_requesx", -1, NULL, NULL,
     NULL},
};

static void test_authorization_headers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof header_cases / sizeof header_cases[0]; i++) {
        const struct header_case *c = &header_cases[i];
        struct sigv4_scope scope;
        struct awserr err = {0};
        int rc = sigv4_authorization_parse(c->header, &scope, &err);
        if (rc != c->result)
            fail_msg("case %zu (%s): got %d, want %d", i, c->header ? c->header : "NULL", rc,
                     c->result);
        if (rc == 1) {
            assert_string_equal(scope.access_key, c->access_key);
            assert_string_equal(scope.region, c->region);
            assert_string_equal(scope.service, c->service);
            assert_string_equal(scope.date, "20240131");
        }
        if (rc < 0) {
            assert_non_null(err.kind);
            assert_string_equal(err.kind->code, "IncompleteSignatureException");
            assert_int_equal(err.kind->status, 400);
        } else {
            assert_null(err.kind);
        }
    }
}

static void test_presigned_credential(void **state)
{
    (void)state;
    struct sigv4_scope scope;
    struct awserr err = {0};
    assert_int_equal(sigv4_credential_parse("AKID/20240101/eu-west-2/dynamodb/aws4_request",
                                            &scope, &err), 0);
    assert_string_equal(scope.region, "eu-west-2");
    char long_key[300];
    memset(long_key, 'A', sizeof long_key);
    strcpy(long_key + 200, "/20240101/eu-west-2/dynamodb/aws4_request");
    assert_int_equal(sigv4_credential_parse(long_key, &scope, &err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_authorization_headers),
        cmocka_unit_test(test_presigned_credential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
