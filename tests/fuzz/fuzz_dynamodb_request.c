/* tests/fuzz/fuzz_dynamodb_request.c — libFuzzer harness for whole DynamoDB requests through
 * route_dispatch(): body parsing, validation, expressions, storage and reply encoding together,
 * on a real (temporary) SQLite database with tables that have a sort key and secondary indexes.
 *
 * Input: one byte choosing the operation, then the request body. Nothing may crash, leak or
 * trip a sanitizer, and every reply must be a complete JSON document with a status.
 * Build: `make build/fuzz/fuzz_dynamodb_request`; run: `make fuzz`. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/config.h"
#include "server/req.h"
#include "server/route.h"
#include "storage/db.h"
#include "storage/tables.h"

static const char *const operations[] = {
    "PutItem", "GetItem", "DeleteItem", "UpdateItem",  "Query",         "Scan",
    "BatchGetItem", "BatchWriteItem", "CreateTable", "DescribeTable", "UpdateTable",
    "ListTables", "DeleteTable",
};

static struct config cfg;
static char dir[] = "/tmp/awsemu-fuzz-XXXXXX";

/* Leaves no database behind in /tmp when the fuzzer exits normally. */
static void remove_state(void)
{
    static const char *const files[] = {"awsemu.db", "awsemu.db-wal", "awsemu.db-shm"};
    char path[sizeof dir + 32];
    st_tables_cache_clear();
    db_close();
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void dispatch(const char *op, const char *body, size_t len)
{
    char target[64];
    snprintf(target, sizeof target, "DynamoDB_20120810.%s", op);
    struct req_pair headers[1] = {{"X-Amz-Target", target}};
    struct req req;
    req_init(&req, &cfg);
    req.method = "POST";
    req.path = "/";
    req.headers = headers;
    req.n_headers = 1;
    buf_add(&req.body, body, len);
    route_dispatch(&req);
    if (req.status < 200 || req.status > 599 || !req.out.len)
        abort();
    json_t *reply = json_loadb(req.out.data, req.out.len, 0, NULL);
    if (!reply)
        abort(); /* every reply is a JSON document */
    json_decref(reply);
    req_free(&req);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char *args[] = {"awsemu", "--ephemeral", "--log-level", "error", NULL};
    if (config_parse(&cfg, 4, args, stdout, stderr) != CONFIG_OK || !mkdtemp(dir) ||
        db_open(dir, true) < 0)
        abort();
    atexit(remove_state);
    log_level_set(LOG_LEVEL_ERROR);
    static const char table[] =
        "{\"TableName\":\"fz\",\"BillingMode\":\"PAY_PER_REQUEST\",\"AttributeDefinitions\":["
        "{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},{\"AttributeName\":\"sk\","
        "\"AttributeType\":\"N\"},{\"AttributeName\":\"g\",\"AttributeType\":\"S\"},"
        "{\"AttributeName\":\"l\",\"AttributeType\":\"B\"}],\"KeySchema\":[{\"AttributeName\":"
        "\"pk\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],"
        "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"gsi\",\"KeySchema\":[{\"AttributeName\":"
        "\"g\",\"KeyType\":\"HASH\"}],\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"}}],"
        "\"LocalSecondaryIndexes\":[{\"IndexName\":\"lsi\",\"KeySchema\":[{\"AttributeName\":"
        "\"pk\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"l\",\"KeyType\":\"RANGE\"}],"
        "\"Projection\":{\"ProjectionType\":\"ALL\"}}]}";
    dispatch("CreateTable", table, sizeof table - 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = sizeof operations / sizeof operations[0];
    const char *op = operations[data[0] % n];
    /* Keep the table the others work on: only fuzz deletes of other names. */
    if (strcmp(op, "DeleteTable") == 0 && size > 1 && memmem(data + 1, size - 1, "fz", 2))
        return 0;
    dispatch(op, (const char *)data + 1, size - 1);
    return 0;
}
