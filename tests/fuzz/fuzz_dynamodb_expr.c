/* tests/fuzz/fuzz_dynamodb_expr.c — libFuzzer harness for the expression engine
 * (server/dynamodb_expr*.c, server/dynamodb_number.c).
 *
 * Input: one kind byte, then the text. Kinds 0-4 are ConditionExpression, FilterExpression,
 * KeyConditionExpression, ProjectionExpression and UpdateExpression, parsed against fixed
 * ExpressionAttributeNames/Values; whatever parses is then evaluated, projected, applied to a
 * copy of a fixed item, and asked for its key condition and top-level names. Kinds 5-7 take
 * the text as JSON for the legacy parameters (Expected, KeyConditions, AttributeUpdates).
 * Nothing may crash, leak, or trip a sanitizer, whatever the input.
 *
 * Build and run (from the repository root):
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. \
 *     -o build/fuzz_dynamodb_expr tests/fuzz/fuzz_dynamodb_expr.c server/dynamodb_expr*.c \
 *     server/dynamodb_number.c server/dynamodb_value.c server/buf.c server/awserr.c \
 *     server/dynamodb_err.c -ljansson -lcrypto
 *   build/fuzz_dynamodb_expr -max_total_time=120 tests/fuzz/corpus/dynamodb_expr */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/dynamodb_expr.h"

static const char NAMES[] = "{\"#a\": \"a\", \"#b\": \"b\", \"#n\": \"n\", \"#l\": \"l\", "
                            "\"#m\": \"m\", \"#k\": \"k\", \"#dot\": \"a.b\", \"#pk\": \"pk\"}";

static const char VALUES[] =
    "{\":s\": {\"S\": \"hello\"}, \":e\": {\"S\": \"\"}, \":n\": {\"N\": \"5\"},"
    " \":f\": {\"N\": \"-0.05\"},"
    " \":max\": {\"N\": \"9.9999999999999999999999999999999999999E+125\"},"
    " \":min\": {\"N\": \"1E-130\"}, \":b\": {\"B\": \"aGVs\"}, \":t\": {\"BOOL\": true},"
    " \":z\": {\"NULL\": true}, \":ss\": {\"SS\": [\"a\", \"b\"]},"
    " \":ns\": {\"NS\": [\"1\", \"2\"]},"
    " \":bs\": {\"BS\": [\"YQ==\"]}, \":l\": {\"L\": [{\"S\": \"x\"}, {\"N\": \"1\"}]},"
    " \":m\": {\"M\": {\"k\": {\"S\": \"v\"}, \"l\": {\"L\": []}}}, \":ty\": {\"S\": \"SS\"}}";

static const char ITEM[] =
    "{\"pk\": {\"S\": \"abc\"}, \"sk\": {\"N\": \"7\"}, \"a\": {\"S\": \"hello world\"},"
    " \"b\": {\"B\": \"aGVsbG8=\"}, \"n\": {\"N\": \"5\"}, \"t\": {\"BOOL\": false},"
    " \"z\": {\"NULL\": true}, \"ss\": {\"SS\": [\"a\", \"b\"]}, \"ns\": {\"NS\": [\"1\", \"2\"]},"
    " \"l\": {\"L\": [{\"S\": \"x\"}, {\"N\": \"1\"},"
    "         {\"L\": [{\"M\": {\"k\": {\"N\": \"0\"}}}]}]},"
    " \"m\": {\"M\": {\"k\": {\"S\": \"v\"}, \"m\": {\"M\": {\"n\": {\"N\": \"-1\"}}},"
    "         \"l\": {\"L\": [{\"NS\": [\"3\"]}]}}}, \"a.b\": {\"S\": \"dotted\"}}";

static void ignore_name(const char *name, void *arg)
{
    (void)name;
    (void)arg;
}

static void exercise(struct ddbexpr *e, enum ddbexpr_kind kind, const json_t *item)
{
    struct awserr err = {0};
    struct ddbexpr_keycond kc;
    json_t *copy, *out;
    ddbexpr_top_names(e, ignore_name, NULL);
    switch (kind) {
    case DDBEXPR_KEY_CONDITION:
        ddbexpr_keycond_extract(e, "pk", "sk", &kc, &err);
        awserr_clear(&err);
        ddbexpr_keycond_extract(e, "a", NULL, &kc, &err);
        awserr_clear(&err);
        /* fall through */
    case DDBEXPR_CONDITION:
    case DDBEXPR_FILTER:
        ddbexpr_eval(e, item, &err);
        ddbexpr_eval(e, NULL, &err);
        break;
    case DDBEXPR_PROJECTION:
        json_decref(ddbexpr_project(e, item));
        json_decref(ddbexpr_project(e, NULL));
        break;
    case DDBEXPR_UPDATE:
        ddbexpr_update_check_keys(e, "pk", "sk", &err);
        awserr_clear(&err);
        json_decref(ddbexpr_update_project(e, item));
        copy = json_deep_copy(item);
        if (ddbexpr_update_apply(e, copy, &err) == 0) {
            out = ddbexpr_update_project(e, copy);
            json_decref(out);
        }
        json_decref(copy);
        copy = json_pack("{s{ss}}", "pk", "S", "new");
        ddbexpr_update_apply(e, copy, &err);
        json_decref(copy);
        break;
    }
}

static void run_expression(enum ddbexpr_kind kind, const char *text, const json_t *item)
{
    json_t *names = json_loads(NAMES, 0, NULL), *values = json_loads(VALUES, 0, NULL);
    struct ddbexpr_ctx ctx = {0};
    struct ddbexpr *e = NULL;
    struct awserr err = {0};
    if (ddbexpr_ctx_init(&ctx, names, values, &err) != 0)
        abort(); /* the fixture is valid */
    if (ddbexpr_parse(text, kind, &ctx, &e, &err) == 0) {
        if (!e)
            abort();
        exercise(e, kind, item);
    } else if (e || !err.kind || !err.message[0]) {
        abort(); /* a refusal always says why, and leaves nothing behind */
    }
    awserr_clear(&err);
    ddbexpr_ctx_finish(&ctx, &err);
    ddbexpr_free(e);
    json_decref(names);
    json_decref(values);
}

static void run_legacy(int which, const char *text, const json_t *item)
{
    json_t *doc = json_loads(text, 0, NULL);
    struct ddbexpr *e = NULL;
    struct awserr err = {0};
    int rc;
    if (!doc)
        return;
    if (which == 0)
        rc = ddbexpr_legacy_conditions(doc, NULL, DDBEXPR_CONDITION, &e, &err);
    else if (which == 1)
        rc = ddbexpr_legacy_conditions(doc, "OR", DDBEXPR_KEY_CONDITION, &e, &err);
    else
        rc = ddbexpr_legacy_attribute_updates(doc, &e, &err);
    if (rc == 0)
        exercise(e, which == 0 ? DDBEXPR_CONDITION
                    : which == 1 ? DDBEXPR_KEY_CONDITION : DDBEXPR_UPDATE, item);
    ddbexpr_free(e);
    json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_t *item;
    if (!item)
        item = json_loads(ITEM, 0, NULL);
    if (size < 1 || size > 8192)
        return 0;
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    unsigned kind = data[0] % 8;
    if (kind < 5)
        run_expression((enum ddbexpr_kind)kind, text, item);
    else
        run_legacy((int)kind - 5, text, item);
    free(text);
    return 0;
}
