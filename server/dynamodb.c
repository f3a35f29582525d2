/* server/dynamodb.c — DynamoDB's operation table and the helpers its operations share. */
#include "server/dynamodb.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "server/awsjson.h"
#include "server/dynamodb_err.h"
#include "server/dynamodb_batch.h"
#include "server/dynamodb_item.h"
#include "server/dynamodb_query.h"
#include "server/dynamodb_table.h"
#include "server/emuclock.h"

const struct route_json_op ddb_operations[] = {
    {"CreateTable", ddb_create_table}, {"DescribeTable", ddb_describe_table},
    {"ListTables", ddb_list_tables},   {"DeleteTable", ddb_delete_table},
    {"UpdateTable", ddb_update_table}, {"PutItem", ddb_put_item},
    {"GetItem", ddb_get_item},         {"DeleteItem", ddb_delete_item},
    {"UpdateItem", ddb_update_item},   {"Query", ddb_query},
    {"Scan", ddb_scan},                {"BatchGetItem", ddb_batch_get_item},
    {"BatchWriteItem", ddb_batch_write_item},
};
const size_t ddb_operations_count = sizeof ddb_operations / sizeof ddb_operations[0];

json_t *ddb__item_parse(const char *text, size_t len)
{
    if (!len)
        return NULL;
    struct awserr err = {0};
    json_t *item = awsjson_parse(text, len, &DDB_INTERNAL, &err);
    awserr_clear(&err);
    return item;
}

void ddb__violation_add(struct ddb_violations *v, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (v->count++)
        buf_adds(&v->text, "; ");
    buf_adds(&v->text, msg);
}

int ddb__violations_raise(struct ddb_violations *v, struct awserr *err)
{
    if (v->count == 0)
        return 0;
    awserr_raise(err, DDB_VALIDATION, "%d validation error%s detected: %s", v->count,
                 v->count > 1 ? "s" : "", v->text.data);
    buf_free(&v->text);
    v->count = 0;
    return -1;
}

static const char *json_type_word(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "Start of structure or map";
    case JSON_ARRAY: return "Start of list";
    case JSON_STRING: return "STRING_VALUE";
    case JSON_INTEGER:
    case JSON_REAL: return "NUMBER_VALUE";
    case JSON_TRUE:
    case JSON_FALSE: return "BOOLEAN_VALUE";
    default: return "NULL_VALUE";
    }
}

static int wrong_type(const json_t *v, const char *expected, struct awserr *err)
{
    return awserr_raise(err, DDB_SERIALIZATION, "%s can not be converted to %s",
                        json_type_word(v), expected);
}

int ddb__member_string(const json_t *in, const char *name, const char **out, struct awserr *err)
{
    json_t *v = json_object_get(in, name);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return wrong_type(v, "String", err);
    *out = json_string_value(v);
    return 0;
}

int ddb__member_object(const json_t *in, const char *name, json_t **out, struct awserr *err)
{
    json_t *v = json_object_get(in, name);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_object(v))
        return awserr_raise(err, DDB_SERIALIZATION, "%s found where not expected",
                            json_type_word(v));
    *out = v;
    return 0;
}

int ddb__member_array(const json_t *in, const char *name, json_t **out, struct awserr *err)
{
    json_t *v = json_object_get(in, name);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return awserr_raise(err, DDB_SERIALIZATION, "%s found where not expected",
                            json_type_word(v));
    *out = v;
    return 0;
}

int ddb__member_int(const json_t *in, const char *name, bool *present, long long *out,
                    struct awserr *err)
{
    json_t *v = json_object_get(in, name);
    *present = false;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
    } else if (json_is_real(v) && json_real_value(v) == (double)(long long)json_real_value(v)) {
        *out = (long long)json_real_value(v);
    } else {
        return wrong_type(v, "Long", err);
    }
    *present = true;
    return 0;
}

int ddb__member_bool(const json_t *in, const char *name, bool *present, bool *out,
                     struct awserr *err)
{
    json_t *v = json_object_get(in, name);
    *present = false;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v))
        return wrong_type(v, "Boolean", err);
    *out = json_is_true(v);
    *present = true;
    return 0;
}

static bool table_name_chars_ok(const char *s)
{
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

int ddb__table_name(const json_t *in, char name[ST_NAME_MAX], struct awserr *err)
{
    const char *s;
    if (ddb__member_string(in, "TableName", &s, err) < 0)
        return -1;
    struct ddb_violations v = {0, BUF_INIT};
    if (!s) {
        ddb__violation_add(&v, "Value null at 'tableName' failed to satisfy constraint: "
                               "Member must not be null");
        return ddb__violations_raise(&v, err);
    }
    /* A table ARN names the table after "table/"; DynamoDB accepts either form. */
    const char *slash = strncmp(s, "arn:", 4) == 0 ? strstr(s, ":table/") : NULL;
    const char *base = slash ? slash + 7 : s;
    size_t n = strlen(base);
    if (n < 3)
        ddb__violation_add(&v, "Value '%.255s' at 'tableName' failed to satisfy constraint: "
                               "Member must have length greater than or equal to 3", base);
    if (n > 255)
        ddb__violation_add(&v, "Value '%.255s' at 'tableName' failed to satisfy constraint: "
                               "Member must have length less than or equal to 255", base);
    if (!table_name_chars_ok(base))
        ddb__violation_add(&v, "Value '%.255s' at 'tableName' failed to satisfy constraint: "
                               "Member must satisfy regular expression pattern: "
                               "[a-zA-Z0-9_.-]+", base);
    if (ddb__violations_raise(&v, err) < 0)
        return -1;
    memcpy(name, base, n + 1);
    return 0;
}

int ddb__db(struct db **db, struct awserr *err)
{
    *db = db_thread();
    return *db ? 0 : awserr_raise(err, DDB_INTERNAL, "Internal server error");
}

int ddb__table_load(struct req *req, const json_t *in, struct db *db, struct st_table *t,
                    bool with_spec, const char *missing_message, struct awserr *err)
{
    char name[ST_NAME_MAX];
    if (ddb__table_name(in, name, err) < 0)
        return -1;
    int found = st_tables_get(db, req->account, req->region, name, t, with_spec);
    if (found < 0)
        return awserr_raise(err, DDB_INTERNAL, "Internal server error");
    if (!found)
        return awserr_raise(err, DDB_RESOURCE_NOT_FOUND, missing_message, name);
    return 0;
}

void ddb__table_arn(const struct req *req, const char *name, struct buf *out)
{
    buf_addf(out, "arn:aws:dynamodb:%s:%s:table/%s", req->region, req->account, name);
}

double ddb__now(void)
{
    /* The emulator's clock (the test clock may have moved it), truncated to milliseconds. */
    double now = emuclock_now();
    return floor(now * 1e3) / 1e3;
}

static bool any_member(const json_t *in, const char *const *names, struct buf *listed)
{
    bool any = false;
    for (; names && *names; names++) {
        if (json_object_get(in, *names)) {
            buf_addf(listed, "%s%s", any ? ", " : "", *names);
            any = true;
        }
    }
    return any;
}

/* "ExpressionAttributeValues can only be specified when using expressions: X and Y are null",
 * naming the request's expression members as DynamoDB does (dynalite's recorded wording). */
static int refuse_maps_without_expressions(bool names, const char *const *members,
                                           struct awserr *err)
{
    struct buf list = BUF_INIT;
    size_t n = 0;
    while (members && members[n])
        n++;
    for (size_t i = 0; i < n; i++)
        buf_addf(&list, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", members[i]);
    if (names) /* DynamoDB names the null expressions only for values */
        awserr_raise(err, DDB_VALIDATION,
                     "ExpressionAttributeNames can only be specified when using expressions");
    else
        awserr_raise(err, DDB_VALIDATION,
                     "ExpressionAttributeValues can only be specified when using expressions: "
                     "%s %s null", list.data ? list.data : "", n > 1 ? "are" : "is");
    buf_free(&list);
    return -1;
}

int ddb__expr_begin(json_t *in, const char *const *expression_members,
                    const char *const *legacy_members, struct ddbexpr_ctx *ctx,
                    struct awserr *err)
{
    struct buf exprs = BUF_INIT, legacy = BUF_INIT;
    bool has_expr = any_member(in, expression_members, &exprs);
    bool has_legacy = any_member(in, legacy_members, &legacy);
    int ret = 0;
    json_t *names = json_object_get(in, "ExpressionAttributeNames");
    json_t *values = json_object_get(in, "ExpressionAttributeValues");
    if (has_expr && has_legacy)
        ret = awserr_raise(err, DDB_VALIDATION,
                           "Can not use both expression and non-expression parameters in the "
                           "same request: Non-expression parameters: {%s} Expression "
                           "parameters: {%s}", legacy.data, exprs.data);
    else if (!has_expr && ((names && !json_is_null(names)) || (values && !json_is_null(values))))
        ret = refuse_maps_without_expressions(names && !json_is_null(names), expression_members,
                                              err);
    buf_free(&exprs);
    buf_free(&legacy);
    if (ret < 0)
        return -1;
    if (names && !json_is_null(names) && !json_is_object(names))
        return awserr_raise(err, DDB_SERIALIZATION, "Unexpected field type");
    if (values && !json_is_null(values) && !json_is_object(values))
        return awserr_raise(err, DDB_SERIALIZATION, "Unexpected field type");
    return ddbexpr_ctx_init(ctx, json_is_object(names) ? names : NULL,
                            json_is_object(values) ? values : NULL, err);
}

int ddb__expr_parse_member(json_t *in, const char *member, enum ddbexpr_kind kind,
                           struct ddbexpr_ctx *ctx, struct ddbexpr **out, struct awserr *err)
{
    const char *text;
    *out = NULL;
    if (ddb__member_string(in, member, &text, err) < 0)
        return -1;
    if (!text)
        return 0;
    return ddbexpr_parse(text, kind, ctx, out, err);
}

/* The nested names an expression uses, collected for ddb__expr_check_key_paths. */
struct nested_names {
    struct buf list; /* NUL-separated */
};

static void nested_note(const char *name, void *arg)
{
    struct nested_names *n = arg;
    buf_add(&n->list, name, strlen(name) + 1);
}

static bool nested_has(const struct nested_names *n, const char *name)
{
    for (size_t i = 0; i < n->list.len; i += strlen(n->list.data + i) + 1)
        if (strcmp(n->list.data + i, name) == 0)
            return true;
    return false;
}

int ddb__expr_check_key_paths(const struct st_table *t, const struct ddb_indexes *ix,
                              const struct ddbexpr *e, struct awserr *err)
{
    static const char msg[] = "Key attributes must be scalars; list random access '[]' and map "
                              "lookup '.' are not allowed: %s: %s";
    struct nested_names n = {BUF_INIT};
    struct ddb_indexes own = {0};
    int ret = 0;
    if (!e)
        return 0;
    ddbexpr_nested_names(e, nested_note, &n);
    if (!n.list.len)
        return 0;
    if (nested_has(&n, t->hash_name) || (t->range_type && nested_has(&n, t->range_name))) {
        ret = awserr_raise(err, DDB_VALIDATION, msg, "Key",
                           nested_has(&n, t->hash_name) ? t->hash_name : t->range_name);
        goto out;
    }
    if (!ix) {
        if (ddb__indexes_load(t, &own, err) < 0) {
            ret = -1;
            goto out;
        }
        ix = &own;
    }
    /* DynamoDB names global indexes' keys before local ones'. */
    for (int pass = 0; pass < 2 && ret == 0; pass++) {
        for (size_t i = 0; i < ix->n && ret == 0; i++) {
            const struct ddb_index *x = &ix->list[i];
            if (x->local != (pass == 1))
                continue;
            if (nested_has(&n, x->hash))
                ret = awserr_raise(err, DDB_VALIDATION, msg, "IndexKey", x->hash);
            else if (x->range && nested_has(&n, x->range))
                ret = awserr_raise(err, DDB_VALIDATION, msg, "IndexKey", x->range);
        }
    }
    if (ix == &own)
        ddb__indexes_free(&own);
out:
    buf_free(&n.list);
    return ret;
}

int ddb__return_capacity(json_t *in, enum ddb_capacity *mode, struct awserr *err)
{
    const char *rc;
    *mode = DDB_CAPACITY_NONE;
    if (ddb__member_string(in, "ReturnConsumedCapacity", &rc, err) < 0)
        return -1;
    if (!rc || strcmp(rc, "NONE") == 0)
        return 0;
    if (strcmp(rc, "TOTAL") != 0 && strcmp(rc, "INDEXES") != 0)
        return awserr_raise(err, DDB_VALIDATION,
                            "1 validation error detected: Value '%.100s' at "
                            "'returnConsumedCapacity' failed to satisfy constraint: Member must "
                            "satisfy enum value set: [INDEXES, TOTAL, NONE]", rc);
    *mode = strcmp(rc, "TOTAL") == 0 ? DDB_CAPACITY_TOTAL : DDB_CAPACITY_INDEXES;
    return 0;
}

json_t *ddb__capacity(const char *table, double units, enum ddb_capacity mode)
{
    json_t *c = json_pack("{s:s, s:f}", "TableName", table, "CapacityUnits", units);
    if (mode == DDB_CAPACITY_INDEXES)
        json_object_set_new(c, "Table", json_pack("{s:f}", "CapacityUnits", units));
    return c;
}
