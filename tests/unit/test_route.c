/* tests/unit/test_route.c — requests through route_dispatch() with no sockets: the common
 * checks, the JSON codec (error shapes, x-amz-crc32) and a DynamoDB round trip on a real,
 * temporary SQLite database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "server/config.h"
#include "server/req.h"
#include "server/route.h"
#include "storage/db.h"
#include "storage/tables.h"

static struct config cfg;
static char dir[] = "/tmp/awsemu-unit-XXXXXX";

struct reply {
    int status;
    json_t *body;
    const char *crc;
    char crc_copy[16];
};

/* Sends one request; headers is a NULL-terminated list of name, value pairs. */
static struct reply call(const char *method, const char *path, const char *target,
                         const char *body, bool too_large)
{
    struct req req;
    req_init(&req, &cfg);
    struct req_pair headers[2] = {{"X-Amz-Target", target}, {"Content-Type", "x"}};
    req.method = method;
    req.path = path;
    req.headers = headers;
    req.n_headers = target ? 2 : 0;
    strcpy(req.id, "test-request");
    if (body)
        buf_adds(&req.body, body);
    req.body_too_large = too_large;
    route_dispatch(&req);
    struct reply r = {.status = req.status};
    r.body = json_loadb(req.out.data ? req.out.data : "", req.out.len, 0, NULL);
    for (size_t i = 0; i < req.n_out_headers; i++) {
        if (strcmp(req.out_headers[i].name, "x-amz-crc32") == 0) {
            snprintf(r.crc_copy, sizeof r.crc_copy, "%s", req.out_headers[i].value);
            r.crc = r.crc_copy;
            char expect[16];
            snprintf(expect, sizeof expect, "%lu",
                     (unsigned long)crc32(0, (const Bytef *)req.out.data, (uInt)req.out.len));
            assert_string_equal(r.crc, expect);
        }
    }
    req_free(&req);
    return r;
}

static void assert_error(struct reply r, int status, const char *type)
{
    assert_int_equal(r.status, status);
    assert_non_null(r.body);
    assert_string_equal(json_string_value(json_object_get(r.body, "__type")), type);
    assert_non_null(r.crc);
    json_decref(r.body);
}

static int setup(void **state)
{
    (void)state;
    char *argv[] = {"awsemu", "--ephemeral", NULL};
    if (config_parse(&cfg, 2, argv, stdout, stderr) != CONFIG_OK || !mkdtemp(dir))
        return -1;
    return db_open(dir, true);
}

static int teardown(void **state)
{
    (void)state;
    st_tables_cache_clear();
    db_close();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    int rc = system(cmd);
    config_free(&cfg);
    return rc == 0 ? 0 : -1;
}

#define DDB(op) "DynamoDB_20120810." op

static void test_unknown_operation(void **state)
{
    (void)state;
    assert_error(call("POST", "/", DDB("Frobnicate"), "{}", false), 400,
                 "com.amazon.coral.service#UnknownOperationException");
}

static void test_malformed_bodies(void **state)
{
    (void)state;
    static const char *const bodies[] = {"{", "[]", "\"x\"", "{\"a\":1,\"a\":2}", "nul", "{}}"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
        assert_error(call("POST", "/", DDB("ListTables"), bodies[i], false), 400,
                     "com.amazon.coral.service#SerializationException");
}

static void test_body_too_large(void **state)
{
    (void)state;
    assert_error(call("POST", "/", DDB("PutItem"), NULL, true), 413,
                 "com.amazon.coral.service#RequestEntityTooLarge");
}

static void test_health(void **state)
{
    (void)state;
    struct reply r = call("GET", "/_awsemu/health", NULL, NULL, false);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "status")), "ready");
    json_decref(r.body);
}

static void test_item_round_trip(void **state)
{
    (void)state;
    struct reply r = call("POST", "/", DDB("CreateTable"),
                          "{\"TableName\":\"tbl\",\"AttributeDefinitions\":[{\"AttributeName\":"
                          "\"pk\",\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":"
                          "\"pk\",\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}",
                          false);
    assert_int_equal(r.status, 200);
    json_decref(r.body);
    r = call("POST", "/", DDB("PutItem"),
             "{\"TableName\":\"tbl\",\"Item\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1.50\"}}}",
             false);
    assert_int_equal(r.status, 200);
    json_decref(r.body);
    r = call("POST", "/", DDB("GetItem"), "{\"TableName\":\"tbl\",\"Key\":{\"pk\":{\"S\":\"a\"}}}",
             false);
    assert_int_equal(r.status, 200);
    json_t *n = json_object_get(json_object_get(json_object_get(r.body, "Item"), "n"), "N");
    assert_string_equal(json_string_value(n), "1.5");
    json_decref(r.body);
    r = call("POST", "/", DDB("GetItem"), "{\"TableName\":\"tbl\",\"Key\":{\"pk\":{\"N\":\"1\"}}}",
             false);
    assert_error(r, 400, "com.amazon.coral.validate#ValidationException");
    r = call("POST", "/", DDB("GetItem"), "{\"TableName\":\"nope\",\"Key\":{}}", false);
    assert_error(r, 400, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_operation), cmocka_unit_test(test_malformed_bodies),
        cmocka_unit_test(test_body_too_large),    cmocka_unit_test(test_health),
        cmocka_unit_test(test_item_round_trip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
