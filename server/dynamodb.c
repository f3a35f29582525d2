/* server/dynamodb.c — DynamoDB's operation table and the helpers its operations share. */
#include "server/dynamodb.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "server/dynamodb_err.h"
#include "server/dynamodb_item.h"
#include "server/dynamodb_table.h"

const struct route_json_op ddb_operations[] = {
    {"CreateTable", ddb_create_table}, {"DescribeTable", ddb_describe_table},
    {"ListTables", ddb_list_tables},   {"DeleteTable", ddb_delete_table},
    {"UpdateTable", ddb_update_table}, {"PutItem", ddb_put_item},
    {"GetItem", ddb_get_item},         {"DeleteItem", ddb_delete_item},
};
const size_t ddb_operations_count = sizeof ddb_operations / sizeof ddb_operations[0];

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
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1e3;
}
