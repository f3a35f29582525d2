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
#include "server/log.h"
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

/* When set, requests come as through the HTTP front door: they can be suspended, so writes
 * go through the write runner (server/writeq.h) and its group commit. A single-threaded test
 * is always the runner, so nothing is ever resumed. */
static bool front_door;

static void never_resumed(struct req *req)
{
    (void)req;
    fail_msg("a request was resumed in a single-threaded test");
}

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
    if (front_door)
        req._resume = never_resumed;
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

/* ---- faults: the Nth SQLite step fails; the request fails cleanly, nothing changes ---- */

static json_t *check_state(void)
{
    struct reply r = call("GET", "/_awsemu/check", NULL, NULL, false);
    assert_int_equal(r.status, 200);
    assert_true(json_is_true(json_object_get(r.body, "ok")));
    return r.body;
}

/* The table whose item "a" the fault tests watch. */
static const char *fault_table = "flt";

static char *item_text(void)
{
    char body[128];
    snprintf(body, sizeof body, "{\"TableName\":\"%s\",\"Key\":{\"pk\":{\"S\":\"a\"}}}",
             fault_table);
    struct reply r = call("POST", "/", DDB("GetItem"), body, false);
    assert_int_equal(r.status, 200);
    json_t *item = json_object_get(r.body, "Item");
    char *text = item ? json_dumps(item, JSON_COMPACT | JSON_SORT_KEYS) : strdup("(absent)");
    json_decref(r.body);
    return text;
}

/* A table keyed by pk (S), with a GSI on g and a NEW_AND_OLD_IMAGES stream. */
static void create_gsi_stream_table(const char *name)
{
    char body[700];
    snprintf(body, sizeof body,
             "{\"TableName\":\"%s\",\"BillingMode\":\"PAY_PER_REQUEST\","
             "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":"
             "\"S\"},{\"AttributeName\":\"g\",\"AttributeType\":\"S\"}],"
             "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
             "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"byg\",\"KeySchema\":["
             "{\"AttributeName\":\"g\",\"KeyType\":\"HASH\"}],\"Projection\":{"
             "\"ProjectionType\":\"ALL\"}}],\"StreamSpecification\":{"
             "\"StreamEnabled\":true,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}}",
             name);
    struct reply r = call("POST", "/", DDB("CreateTable"), body, false);
    assert_int_equal(r.status, 200);
    json_decref(r.body);
}

/* Injects a fault at every step of the write in turn, until the write needs fewer steps than
 * the countdown: each failed attempt must answer InternalServerError and leave the item, the
 * stream records and the storage invariants as they were. */
static void fault_every_step(const char *op, const char *body)
{
    /* Each injected fault is logged as an error where it happens; keep the test output quiet. */
    enum log_level saved = log_level_current;
    log_level_current = LOG_LEVEL_OFF;
    for (int nth = 1; nth < 500; nth++) {
        char *before = item_text();
        json_t *state = check_state();
        char target[64];
        snprintf(target, sizeof target, "DynamoDB_20120810.%s", op);
        db_fault_inject(nth);
        struct reply r = call("POST", "/", target, body, false);
        db_fault_inject(0);
        if (r.status == 200) { /* every step succeeded: the fault came too late */
            json_decref(r.body);
            json_decref(state);
            free(before);
            log_level_current = saved;
            return;
        }
        if (r.status != 500)
            fail_msg("%s with a fault at step %d answered %d", op, nth, r.status);
        assert_error(r, 500, "com.amazonaws.dynamodb.v20120810#InternalServerError");
        char *after = item_text();
        assert_string_equal(after, before);
        json_t *state_after = check_state();
        assert_true(json_equal(json_object_get(state, "stream_records"),
                               json_object_get(state_after, "stream_records")));
        json_decref(state_after);
        json_decref(state);
        free(after);
        free(before);
    }
    fail_msg("%s never succeeded", op);
}

static void test_faults_leave_no_trace(void **state)
{
    (void)state;
    create_gsi_stream_table("flt");
    fault_every_step("PutItem", "{\"TableName\":\"flt\",\"Item\":{\"pk\":{\"S\":\"a\"},"
                                "\"g\":{\"S\":\"x\"},\"v\":{\"N\":\"1\"}}}");
    fault_every_step("UpdateItem", "{\"TableName\":\"flt\",\"Key\":{\"pk\":{\"S\":\"a\"}},"
                                   "\"UpdateExpression\":\"ADD v :one SET g = :g\","
                                   "\"ConditionExpression\":\"attribute_exists(pk)\","
                                   "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"},"
                                   "\":g\":{\"S\":\"y\"}}}");
    fault_every_step("BatchWriteItem", "{\"RequestItems\":{\"flt\":[{\"PutRequest\":{\"Item\":"
                                       "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"9\"}}}},"
                                       "{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"b\"}}}}]}}");
    fault_every_step("DeleteItem", "{\"TableName\":\"flt\",\"Key\":{\"pk\":{\"S\":\"a\"}}}");
}

/* The same through the write runner: a fault may now hit the group's COMMIT, whose failure
 * must turn the reply into InternalServerError with nothing written. */
static void test_faults_through_the_write_runner(void **state)
{
    (void)state;
    create_gsi_stream_table("fltq");
    fault_table = "fltq";
    front_door = true;
    fault_every_step("PutItem", "{\"TableName\":\"fltq\",\"Item\":{\"pk\":{\"S\":\"a\"},"
                                "\"g\":{\"S\":\"x\"},\"v\":{\"N\":\"1\"}}}");
    fault_every_step("UpdateItem", "{\"TableName\":\"fltq\",\"Key\":{\"pk\":{\"S\":\"a\"}},"
                                   "\"UpdateExpression\":\"ADD v :one SET g = :g\","
                                   "\"ConditionExpression\":\"attribute_exists(pk)\","
                                   "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"},"
                                   "\":g\":{\"S\":\"y\"}}}");
    fault_every_step("BatchWriteItem", "{\"RequestItems\":{\"fltq\":[{\"PutRequest\":{\"Item\":"
                                       "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"9\"}}}},"
                                       "{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"b\"}}}}]}}");
    fault_every_step("DeleteItem", "{\"TableName\":\"fltq\",\"Key\":{\"pk\":{\"S\":\"a\"}}}");
    front_door = false;
    fault_table = "flt";
}

/* ---- group commit (storage/db.h): writes inside a group share one commit ---- */

static struct reply grp_call(const char *op, const char *body)
{
    char target[64];
    snprintf(target, sizeof target, "DynamoDB_20120810.%s", op);
    return call("POST", "/", target, body, false);
}

static bool grp_item_exists(const char *key)
{
    char body[128];
    snprintf(body, sizeof body, "{\"TableName\":\"grp\",\"Key\":{\"pk\":{\"S\":\"%s\"}}}", key);
    struct reply r = grp_call("GetItem", body);
    assert_int_equal(r.status, 200);
    bool found = json_object_get(r.body, "Item") != NULL;
    json_decref(r.body);
    return found;
}

static void grp_put(const char *key, int expect_status)
{
    char body[160];
    snprintf(body, sizeof body,
             "{\"TableName\":\"grp\",\"Item\":{\"pk\":{\"S\":\"%s\"},\"g\":{\"S\":\"x\"}}}",
             key);
    struct reply r = grp_call("PutItem", body);
    assert_int_equal(r.status, expect_status);
    json_decref(r.body);
}

static void test_group_commit(void **state)
{
    (void)state;
    create_gsi_stream_table("grp");
    grp_put("a", 200);
    enum log_level saved = log_level_current;
    log_level_current = LOG_LEVEL_OFF;

    /* A fault at any step of a write inside a group undoes that write alone: the group's
     * other write commits, and the storage invariants hold. */
    for (int nth = 1;; nth++) {
        assert_true(nth < 500);
        char keep[32];
        snprintf(keep, sizeof keep, "keep-%d", nth);
        json_t *before = check_state();
        db_write_group_begin();
        grp_put(keep, 200);
        db_fault_inject(nth);
        struct reply u = grp_call("UpdateItem",
                                  "{\"TableName\":\"grp\",\"Key\":{\"pk\":{\"S\":\"a\"}},"
                                  "\"UpdateExpression\":\"SET g = :g ADD n :one\","
                                  "\"ConditionExpression\":\"attribute_exists(pk)\","
                                  "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"},"
                                  "\":g\":{\"S\":\"y\"}}}");
        db_fault_inject(0);
        assert_int_equal(db_write_group_end(), 0);
        assert_true(grp_item_exists(keep));
        json_t *after = check_state();
        json_int_t records = json_integer_value(json_object_get(after, "stream_records")) -
                             json_integer_value(json_object_get(before, "stream_records"));
        json_decref(before);
        json_decref(after);
        if (u.status == 200) { /* every step succeeded: both writes left their record */
            json_decref(u.body);
            assert_int_equal(records, 2);
            break;
        }
        assert_error(u, 500, "com.amazonaws.dynamodb.v20120810#InternalServerError");
        assert_int_equal(records, 1);
    }

    /* A group whose commit fails loses every one of its writes. */
    json_t *before = check_state();
    db_write_group_begin();
    grp_put("lost-1", 200);
    grp_put("lost-2", 200);
    db_fault_inject(1); /* the COMMIT */
    assert_int_equal(db_write_group_end(), -1);
    db_fault_inject(0);
    assert_false(grp_item_exists("lost-1"));
    assert_false(grp_item_exists("lost-2"));
    json_t *after = check_state();
    assert_true(json_equal(json_object_get(before, "stream_records"),
                           json_object_get(after, "stream_records")));
    json_decref(before);
    json_decref(after);

    /* An empty group commits nothing and answers 0; the next group works. */
    db_write_group_begin();
    assert_int_equal(db_write_group_end(), 0);
    db_write_group_begin();
    grp_put("after", 200);
    assert_int_equal(db_write_group_end(), 0);
    assert_true(grp_item_exists("after"));
    log_level_current = saved;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_operation), cmocka_unit_test(test_malformed_bodies),
        cmocka_unit_test(test_body_too_large),    cmocka_unit_test(test_health),
        cmocka_unit_test(test_item_round_trip),
        cmocka_unit_test(test_faults_leave_no_trace),
        cmocka_unit_test(test_faults_through_the_write_runner),
        cmocka_unit_test(test_group_commit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
