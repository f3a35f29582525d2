/* server/dynamodb_table.c — CreateTable, DescribeTable, ListTables, DeleteTable, UpdateTable.
 *
 * A table's description lives in two parts: the columns storage/tables.c keeps for the data
 * plane (key names and types) and a JSON `spec` owned by this file with everything
 * else the TableDescription reports. Tables become ACTIVE at once: the CreateTable reply says
 * CREATING as DynamoDB's does, and the first DescribeTable already says ACTIVE, so SDK waiters
 * finish on their first poll (shared/docs §2.2). */
#include "server/dynamodb_table.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "server/dynamodb.h"
#include "server/dynamodb_err.h"
#include "server/dynamodb_stream.h"
#include "server/ids.h"
#include "storage/items.h"

/* ---- validation of the pieces of a table definition ---- */

static bool in_set(const char *s, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(s, *set) == 0)
            return true;
    return false;
}

static const char *const attribute_types[] = {"S", "N", "B", NULL};
static const char *const key_types[] = {"HASH", "RANGE", NULL};
static const char *const billing_modes[] = {"PROVISIONED", "PAY_PER_REQUEST", NULL};
static const char *const view_types[] = {"NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES",
                                         "KEYS_ONLY", NULL};
static const char *const projection_types[] = {"ALL", "KEYS_ONLY", "INCLUDE", NULL};

static void check_length(struct ddb_violations *v, const char *value, const char *path,
                         size_t lo, size_t hi)
{
    size_t n = strlen(value);
    if (n < lo)
        ddb__violation_add(v, "Value '%.255s' at '%s' failed to satisfy constraint: Member must "
                              "have length greater than or equal to %zu", value, path, lo);
    if (n > hi)
        ddb__violation_add(v, "Value '%.255s' at '%s' failed to satisfy constraint: Member must "
                              "have length less than or equal to %zu", value, path, hi);
}

static void check_enum(struct ddb_violations *v, const char *value, const char *path,
                       const char *const *set, const char *listed)
{
    if (!in_set(value, set))
        ddb__violation_add(v, "Value '%.255s' at '%s' failed to satisfy constraint: Member must "
                              "satisfy enum value set: [%s]", value, path, listed);
}

static void check_not_null(struct ddb_violations *v, const void *value, const char *path)
{
    if (!value)
        ddb__violation_add(v, "Value null at '%s' failed to satisfy constraint: Member must not "
                              "be null", path);
}

/* A string member of an element of a list; wrong types are serialization errors. */
static int element_string(json_t *elem, const char *name, const char **out, struct awserr *err)
{
    if (!json_is_object(elem))
        return awserr_raise(err, DDB_SERIALIZATION, "Unexpected list element");
    return ddb__member_string(elem, name, out, err);
}

/* Checks the shape of a KeySchema list (path is its wire name, e.g. "keySchema"). */
static int check_key_schema_shape(json_t *ks, const char *path, struct ddb_violations *v,
                                  struct awserr *err)
{
    check_not_null(v, ks, path);
    if (!ks)
        return 0;
    size_t n = json_array_size(ks);
    if (n < 1 || n > 2)
        ddb__violation_add(v, "Value '[]' at '%s' failed to satisfy constraint: Member must have "
                              "length %s", path, n < 1 ? "greater than or equal to 1"
                                                       : "less than or equal to 2");
    for (size_t i = 0; i < n; i++) {
        const char *name, *type;
        char p[128];
        if (element_string(json_array_get(ks, i), "AttributeName", &name, err) < 0 ||
            element_string(json_array_get(ks, i), "KeyType", &type, err) < 0)
            return -1;
        snprintf(p, sizeof p, "%s.%zu.member.attributeName", path, i + 1);
        check_not_null(v, name, p);
        if (name)
            check_length(v, name, p, 1, 255);
        snprintf(p, sizeof p, "%s.%zu.member.keyType", path, i + 1);
        check_not_null(v, type, p);
        if (type)
            check_enum(v, type, p, key_types, "HASH, RANGE");
    }
    return 0;
}

/* After the shape is valid: HASH first, RANGE second, distinct names. */
static int check_key_schema_roles(json_t *ks, struct awserr *err)
{
    const char *first = json_string_value(json_object_get(json_array_get(ks, 0), "KeyType"));
    if (strcmp(first, "HASH") != 0)
        return awserr_raise(err, DDB_VALIDATION,
                            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
    if (json_array_size(ks) == 2) {
        json_t *second = json_array_get(ks, 1);
        if (strcmp(json_string_value(json_object_get(second, "KeyType")), "RANGE") != 0)
            return awserr_raise(err, DDB_VALIDATION, "Invalid KeySchema: The second "
                                                     "KeySchemaElement is not a RANGE key type");
        if (json_equal(json_object_get(second, "AttributeName"),
                       json_object_get(json_array_get(ks, 0), "AttributeName")))
            return awserr_raise(err, DDB_VALIDATION,
                                "Both the Hash Key and the Range Key element in the KeySchema "
                                "have the same name");
    }
    return 0;
}

static int check_attribute_definitions(json_t *defs, struct ddb_violations *v,
                                       struct awserr *err)
{
    check_not_null(v, defs, "attributeDefinitions");
    for (size_t i = 0; defs && i < json_array_size(defs); i++) {
        const char *name, *type;
        char p[128];
        if (element_string(json_array_get(defs, i), "AttributeName", &name, err) < 0 ||
            element_string(json_array_get(defs, i), "AttributeType", &type, err) < 0)
            return -1;
        snprintf(p, sizeof p, "attributeDefinitions.%zu.member.attributeName", i + 1);
        check_not_null(v, name, p);
        if (name)
            check_length(v, name, p, 1, 255);
        snprintf(p, sizeof p, "attributeDefinitions.%zu.member.attributeType", i + 1);
        check_not_null(v, type, p);
        if (type)
            check_enum(v, type, p, attribute_types, "B, N, S");
    }
    return 0;
}

static const char *defined_type(json_t *defs, const char *name)
{
    size_t i;
    json_t *d;
    json_array_foreach(defs, i, d)
    {
        if (strcmp(json_string_value(json_object_get(d, "AttributeName")), name) == 0)
            return json_string_value(json_object_get(d, "AttributeType"));
    }
    return NULL;
}

/* Every key attribute (table and indexes) must be defined, and every definition used. */
static int check_keys_defined(json_t *defs, json_t *const *schemas, size_t n_schemas,
                              struct awserr *err)
{
    struct buf missing = BUF_INIT, all = BUF_INIT;
    json_t *used = json_object();
    for (size_t s = 0; s < n_schemas; s++) {
        size_t i;
        json_t *k;
        json_array_foreach(schemas[s], i, k)
        {
            const char *name = json_string_value(json_object_get(k, "AttributeName"));
            json_object_set_new(used, name, json_true());
            if (!defined_type(defs, name))
                buf_addf(&missing, "%s%s", missing.len ? ", " : "", name);
        }
    }
    size_t i;
    json_t *d;
    json_array_foreach(defs, i, d)
    {
        buf_addf(&all, "%s%s", i ? ", " : "", json_string_value(json_object_get(d, "AttributeName")));
    }
    int ret = 0;
    if (missing.len)
        ret = awserr_raise(err, DDB_VALIDATION,
                           "One or more parameter values were invalid: Some index key attributes "
                           "are not defined in AttributeDefinitions. Keys: [%.150s], "
                           "AttributeDefinitions: [%.150s]", missing.data, all.data ? all.data : "");
    else if (json_object_size(used) != json_array_size(defs))
        ret = awserr_raise(err, DDB_VALIDATION,
                           "One or more parameter values were invalid: Number of attributes in "
                           "KeySchema does not exactly match number of attributes defined in "
                           "AttributeDefinitions");
    buf_free(&missing);
    buf_free(&all);
    json_decref(used);
    return ret;
}

/* Reads ProvisionedThroughput {ReadCapacityUnits, WriteCapacityUnits}; *given says whether
 * the member was there. path is the wire prefix ("provisionedThroughput"). */
static int read_throughput(json_t *in, const char *path, bool *given, long long *rcu,
                           long long *wcu, struct ddb_violations *v, struct awserr *err)
{
    json_t *pt;
    if (ddb__member_object(in, "ProvisionedThroughput", &pt, err) < 0)
        return -1;
    *given = pt != NULL;
    if (!pt)
        return 0;
    bool have_r, have_w;
    if (ddb__member_int(pt, "ReadCapacityUnits", &have_r, rcu, err) < 0 ||
        ddb__member_int(pt, "WriteCapacityUnits", &have_w, wcu, err) < 0)
        return -1;
    char p[128];
    snprintf(p, sizeof p, "%s.readCapacityUnits", path);
    check_not_null(v, have_r ? "" : NULL, p);
    if (have_r && *rcu < 1)
        ddb__violation_add(v, "Value '%lld' at '%s' failed to satisfy constraint: Member must "
                              "have value greater than or equal to 1", *rcu, p);
    snprintf(p, sizeof p, "%s.writeCapacityUnits", path);
    check_not_null(v, have_w ? "" : NULL, p);
    if (have_w && *wcu < 1)
        ddb__violation_add(v, "Value '%lld' at '%s' failed to satisfy constraint: Member must "
                              "have value greater than or equal to 1", *wcu, p);
    return 0;
}

static int check_billing(const char *mode, bool throughput_given, struct awserr *err)
{
    if (strcmp(mode, "PROVISIONED") == 0 && !throughput_given)
        return awserr_raise(err, DDB_VALIDATION,
                            "One or more parameter values were invalid: ReadCapacityUnits and "
                            "WriteCapacityUnits must both be specified when BillingMode is "
                            "PROVISIONED");
    if (strcmp(mode, "PAY_PER_REQUEST") == 0 && throughput_given)
        return awserr_raise(err, DDB_VALIDATION,
                            "One or more parameter values were invalid: Neither "
                            "ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                            "BillingMode is PAY_PER_REQUEST");
    return 0;
}

/* Reads StreamSpecification into spec (as stored), raising DynamoDB's errors. */
static int read_stream_spec(json_t *in, json_t **out, struct awserr *err)
{
    json_t *ss;
    *out = NULL;
    if (ddb__member_object(in, "StreamSpecification", &ss, err) < 0 || !ss)
        return ss ? 0 : (awserr_is_set(err) ? -1 : 0);
    bool have_enabled, enabled = false;
    const char *view;
    if (ddb__member_bool(ss, "StreamEnabled", &have_enabled, &enabled, err) < 0 ||
        ddb__member_string(ss, "StreamViewType", &view, err) < 0)
        return -1;
    struct ddb_violations v = {0, BUF_INIT};
    check_not_null(&v, have_enabled ? "" : NULL, "streamSpecification.streamEnabled");
    if (view)
        check_enum(&v, view, "streamSpecification.streamViewType", view_types,
                   "NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY");
    if (ddb__violations_raise(&v, err) < 0)
        return -1;
    if (enabled && !view)
        return awserr_raise(err, DDB_VALIDATION,
                            "One or more parameter values were invalid: You must specify a "
                            "StreamViewType when enabling a stream");
    if (!enabled && view)
        return awserr_raise(err, DDB_VALIDATION,
                            "One or more parameter values were invalid: You cannot specify a "
                            "StreamViewType when disabling a stream");
    *out = enabled ? json_pack("{s:b, s:s}", "StreamEnabled", 1, "StreamViewType", view)
                   : json_pack("{s:b}", "StreamEnabled", 0);
    return 0;
}

/* The stream label DynamoDB derives from the enabling time: YYYY-MM-DDThh:mm:ss.sss (UTC). */
static void stream_label(double now, char out[64])
{
    time_t secs = (time_t)now;
    struct tm tm;
    gmtime_r(&secs, &tm);
    int ms = (int)((now - (double)secs) * 1000.0 + 0.5) % 1000;
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

static void apply_stream_spec(json_t *spec, json_t *stream, double now)
{
    if (json_is_true(json_object_get(stream, "StreamEnabled"))) {
        char label[64];
        stream_label(now, label);
        json_object_set_new(spec, "LatestStreamLabel", json_string(label));
    }
    json_object_set_new(spec, "StreamSpecification", stream);
}

/* Indexes (GSI/LSI) are accepted, checked for shape and stored so they are described;
 * querying them is DynamoDB data-plane work built on top of this. */
static int check_indexes(json_t *list, const char *path, bool provisioned, bool local,
                         json_t *table_ks, struct ddb_violations *v, struct awserr *err)
{
    size_t i;
    json_t *ix;
    json_array_foreach(list, i, ix)
    {
        const char *name;
        json_t *ks, *proj;
        char p[160];
        if (element_string(ix, "IndexName", &name, err) < 0 ||
            ddb__member_array(ix, "KeySchema", &ks, err) < 0 ||
            ddb__member_object(ix, "Projection", &proj, err) < 0)
            return -1;
        snprintf(p, sizeof p, "%s.%zu.member.indexName", path, i + 1);
        check_not_null(v, name, p);
        if (name)
            check_length(v, name, p, 3, 255);
        snprintf(p, sizeof p, "%s.%zu.member.keySchema", path, i + 1);
        if (check_key_schema_shape(ks, p, v, err) < 0)
            return -1;
        snprintf(p, sizeof p, "%s.%zu.member.projection", path, i + 1);
        check_not_null(v, proj, p);
        const char *ptype = NULL;
        if (proj && ddb__member_string(proj, "ProjectionType", &ptype, err) < 0)
            return -1;
        if (ptype)
            check_enum(v, ptype, p, projection_types, "ALL, KEYS_ONLY, INCLUDE");
        if (!local) {
            bool given;
            long long r = 0, w = 0;
            snprintf(p, sizeof p, "%s.%zu.member.provisionedThroughput", path, i + 1);
            if (read_throughput(ix, p, &given, &r, &w, v, err) < 0)
                return -1;
            if (provisioned && !given)
                return awserr_raise(err, DDB_VALIDATION,
                                    "One or more parameter values were invalid: "
                                    "ProvisionedThroughput must be specified for index: %s",
                                    name ? name : "");
            if (!provisioned && given)
                return awserr_raise(err, DDB_VALIDATION,
                                    "One or more parameter values were invalid: "
                                    "ProvisionedThroughput should not be specified for index: "
                                    "%s when BillingMode is PAY_PER_REQUEST", name ? name : "");
        } else if (ks && json_array_size(ks) == 2 &&
                   !json_equal(json_object_get(json_array_get(ks, 0), "AttributeName"),
                               json_object_get(json_array_get(table_ks, 0), "AttributeName"))) {
            return awserr_raise(err, DDB_VALIDATION,
                                "One or more parameter values were invalid: Index KeySchema does "
                                "not have the same leading hash key as table KeySchema for index:"
                                " %s. index hash key: %s, table hash key: %s", name ? name : "",
                                json_string_value(json_object_get(json_array_get(ks, 0),
                                                                  "AttributeName")),
                                json_string_value(json_object_get(json_array_get(table_ks, 0),
                                                                  "AttributeName")));
        }
    }
    return 0;
}

/* ---- the description ---- */

static json_t *describe_indexes(const struct req *req, const char *table, json_t *list,
                                bool local, const char *status)
{
    json_t *out = json_array();
    size_t i;
    json_t *ix;
    json_array_foreach(list, i, ix)
    {
        json_t *d = json_deep_copy(ix);
        const char *name = json_string_value(json_object_get(ix, "IndexName"));
        struct buf arn = BUF_INIT;
        ddb__table_arn(req, table, &arn);
        buf_addf(&arn, "/index/%s", name);
        if (!local) {
            json_object_set_new(d, "IndexStatus", json_string(status));
            json_t *pt = json_object_get(d, "ProvisionedThroughput");
            if (!pt)
                json_object_set_new(d, "ProvisionedThroughput",
                                    pt = json_pack("{s:i, s:i}", "ReadCapacityUnits", 0,
                                                   "WriteCapacityUnits", 0));
            json_object_set_new(pt, "NumberOfDecreasesToday", json_integer(0));
        }
        json_object_set_new(d, "IndexSizeBytes", json_integer(0));
        json_object_set_new(d, "ItemCount", json_integer(0));
        json_object_set_new(d, "IndexArn", json_string(arn.data));
        buf_free(&arn);
        json_array_append_new(out, d);
    }
    return out;
}

static void copy_member(json_t *dst, const char *dst_name, json_t *src, const char *src_name)
{
    json_t *v = json_object_get(src, src_name);
    if (v)
        json_object_set(dst, dst_name, v);
}

/* Builds a TableDescription from the stored table; status is the TableStatus to report.
 * db, when given, supplies ItemCount and TableSizeBytes (a new table has none). */
static json_t *table_describe(const struct req *req, struct db *db, const char *name,
                              const struct st_table *t, json_t *spec, const char *status)
{
    int64_t count = 0, bytes = 0;
    if (db)
        st_items_stats(db, t->id, &count, &bytes); /* on failure (logged) report zeros */
    struct buf arn = BUF_INIT;
    ddb__table_arn(req, name, &arn);
    json_t *pt = json_pack("{s:I, s:I, s:I}", "NumberOfDecreasesToday",
                           json_integer_value(json_object_get(spec, "NumberOfDecreasesToday")),
                           "ReadCapacityUnits",
                           json_integer_value(json_object_get(spec, "ReadCapacityUnits")),
                           "WriteCapacityUnits",
                           json_integer_value(json_object_get(spec, "WriteCapacityUnits")));
    copy_member(pt, "LastIncreaseDateTime", spec, "LastIncreaseDateTime");
    copy_member(pt, "LastDecreaseDateTime", spec, "LastDecreaseDateTime");
    json_t *billing = json_pack("{s:O}", "BillingMode", json_object_get(spec, "BillingMode"));
    copy_member(billing, "LastUpdateToPayPerRequestDateTime", spec,
                "LastUpdateToPayPerRequestDateTime");
    json_t *d = json_pack("{s:O, s:s, s:O, s:s, s:f, s:o, s:I, s:I, s:s, s:s, s:o, s:O}",
                          "AttributeDefinitions", json_object_get(spec, "AttributeDefinitions"),
                          "TableName", name, "KeySchema", json_object_get(spec, "KeySchema"),
                          "TableStatus", status, "CreationDateTime", t->created,
                          "ProvisionedThroughput", pt, "TableSizeBytes",
                          (json_int_t)bytes, "ItemCount", (json_int_t)count,
                          "TableArn", arn.data, "TableId", t->uuid, "BillingModeSummary",
                          billing, "DeletionProtectionEnabled",
                          json_object_get(spec, "DeletionProtectionEnabled"));
    json_t *gsi = json_object_get(spec, "GlobalSecondaryIndexes");
    if (gsi)
        json_object_set_new(d, "GlobalSecondaryIndexes",
                            describe_indexes(req, name, gsi, false, "ACTIVE"));
    json_t *lsi = json_object_get(spec, "LocalSecondaryIndexes");
    if (lsi)
        json_object_set_new(d, "LocalSecondaryIndexes",
                            describe_indexes(req, name, lsi, true, "ACTIVE"));
    copy_member(d, "StreamSpecification", spec, "StreamSpecification");
    const char *label = json_string_value(json_object_get(spec, "LatestStreamLabel"));
    if (label) {
        json_object_set_new(d, "LatestStreamLabel", json_string(label));
        buf_addf(&arn, "/stream/%s", label);
        json_object_set_new(d, "LatestStreamArn", json_string(arn.data));
    }
    json_t *cls = json_object_get(spec, "TableClass");
    if (cls)
        json_object_set_new(d, "TableClassSummary", json_pack("{s:O}", "TableClass", cls));
    buf_free(&arn);
    return d;
}

/* ---- CreateTable ---- */

struct table_input {
    json_t *defs, *ks, *gsi, *lsi, *stream;
    const char *billing, *table_class;
    bool throughput_given, deletion_protection;
    long long rcu, wcu;
};

static int read_create_input(json_t *in, struct table_input *ti, struct awserr *err)
{
    struct ddb_violations v = {0, BUF_INIT};
    bool have_dp;
    if (ddb__member_array(in, "AttributeDefinitions", &ti->defs, err) < 0 ||
        ddb__member_array(in, "KeySchema", &ti->ks, err) < 0 ||
        ddb__member_array(in, "GlobalSecondaryIndexes", &ti->gsi, err) < 0 ||
        ddb__member_array(in, "LocalSecondaryIndexes", &ti->lsi, err) < 0 ||
        ddb__member_string(in, "BillingMode", &ti->billing, err) < 0 ||
        ddb__member_string(in, "TableClass", &ti->table_class, err) < 0 ||
        ddb__member_bool(in, "DeletionProtectionEnabled", &have_dp, &ti->deletion_protection,
                         err) < 0)
        goto fail;
    if (check_attribute_definitions(ti->defs, &v, err) < 0 ||
        check_key_schema_shape(ti->ks, "keySchema", &v, err) < 0)
        goto fail;
    if (ti->billing)
        check_enum(&v, ti->billing, "billingMode", billing_modes, "PROVISIONED, PAY_PER_REQUEST");
    if (read_throughput(in, "provisionedThroughput", &ti->throughput_given, &ti->rcu, &ti->wcu,
                        &v, err) < 0)
        goto fail;
    bool provisioned = !ti->billing || strcmp(ti->billing, "PROVISIONED") == 0;
    if (ddb__violations_raise(&v, err) < 0 ||
        check_indexes(ti->gsi, "globalSecondaryIndexes", provisioned, false, ti->ks, &v, err) < 0 ||
        check_indexes(ti->lsi, "localSecondaryIndexes", provisioned, true, ti->ks, &v, err) < 0 ||
        ddb__violations_raise(&v, err) < 0)
        goto fail;
    if (!ti->billing)
        ti->billing = "PROVISIONED";
    if (check_key_schema_roles(ti->ks, err) < 0 ||
        check_billing(ti->billing, ti->throughput_given, err) < 0)
        return -1;
    json_t *schemas[42];
    size_t n = 0;
    schemas[n++] = ti->ks;
    json_t *ix;
    size_t i;
    if (json_array_size(ti->gsi) > 20 || json_array_size(ti->lsi) > 5)
        return awserr_raise(err, DDB_VALIDATION, "One or more parameter values were invalid: "
                                                 "too many secondary indexes");
    json_array_foreach(ti->gsi, i, ix) schemas[n++] = json_object_get(ix, "KeySchema");
    json_array_foreach(ti->lsi, i, ix) schemas[n++] = json_object_get(ix, "KeySchema");
    if (check_keys_defined(ti->defs, schemas, n, err) < 0)
        return -1;
    return read_stream_spec(in, &ti->stream, err);
fail:
    buf_free(&v.text);
    return -1;
}

static json_t *spec_from_input(const struct table_input *ti, double now)
{
    bool ppr = strcmp(ti->billing, "PAY_PER_REQUEST") == 0;
    json_t *spec = json_pack("{s:O, s:O, s:s, s:I, s:I, s:i, s:b}", "AttributeDefinitions",
                             ti->defs, "KeySchema", ti->ks, "BillingMode", ti->billing,
                             "ReadCapacityUnits", (json_int_t)(ppr ? 0 : ti->rcu),
                             "WriteCapacityUnits", (json_int_t)(ppr ? 0 : ti->wcu),
                             "NumberOfDecreasesToday", 0, "DeletionProtectionEnabled",
                             ti->deletion_protection);
    if (ppr)
        json_object_set_new(spec, "LastUpdateToPayPerRequestDateTime", json_real(now));
    if (ti->gsi && json_array_size(ti->gsi))
        json_object_set(spec, "GlobalSecondaryIndexes", ti->gsi);
    if (ti->lsi && json_array_size(ti->lsi))
        json_object_set(spec, "LocalSecondaryIndexes", ti->lsi);
    if (ti->table_class)
        json_object_set_new(spec, "TableClass", json_string(ti->table_class));
    if (ti->stream && json_is_true(json_object_get(ti->stream, "StreamEnabled")))
        apply_stream_spec(spec, json_incref(ti->stream), now);
    return spec;
}

static void key_columns(const struct table_input *ti, struct st_table *t)
{
    for (size_t i = 0; i < json_array_size(ti->ks); i++) {
        json_t *k = json_array_get(ti->ks, i);
        const char *name = json_string_value(json_object_get(k, "AttributeName"));
        char type = defined_type(ti->defs, name)[0];
        if (i == 0) {
            snprintf(t->hash_name, sizeof t->hash_name, "%s", name);
            t->hash_type = type;
        } else {
            snprintf(t->range_name, sizeof t->range_name, "%s", name);
            t->range_type = type;
        }
    }
}

int ddb_create_table(struct req *req, json_t *in, json_t **out, struct awserr *err)
{
    char name[ST_NAME_MAX];
    struct table_input ti = {0};
    struct db *db;
    if (ddb__table_name(in, name, err) < 0 || read_create_input(in, &ti, err) < 0 ||
        ddb__db(&db, err) < 0) {
        json_decref(ti.stream);
        return -1;
    }
    struct st_table t = {0};
    double now = ddb__now();
    ids_uuid(t.uuid);
    t.created = now;
    key_columns(&ti, &t);
    json_t *spec = spec_from_input(&ti, now);
    json_decref(ti.stream);
    t.spec = json_dumps(spec, JSON_COMPACT);
    t.indexes = ddb__indexes_text(ti.defs, ti.gsi, ti.lsi);
    int rc = -1;
    if (db_write_begin(db) == 0) {
        rc = st_tables_create(db, req->account, req->region, name, &t);
        if (rc == 1 && ddb__stream_sync(db, req, name, &t, spec, err) < 0)
            rc = -2; /* err raised */
        if (rc == 1 && db_write_commit(db) < 0)
            rc = -1;
        else if (rc != 1)
            db_write_rollback(db);
    }
    if (rc == 1)
        *out = json_pack("{s:o}", "TableDescription",
                         table_describe(req, NULL, name, &t, spec, "CREATING"));
    else if (rc == 0)
        awserr_raise(err, DDB_RESOURCE_IN_USE, "Table already exists: %s", name);
    else if (rc == -1)
        awserr_raise(err, DDB_INTERNAL, "Internal server error");
    json_decref(spec);
    st_table_free(&t);
    return rc == 1 ? 0 : -1;
}

/* ---- DescribeTable, ListTables, DeleteTable ---- */

static int load_with_spec(struct req *req, json_t *in, struct db *db, struct st_table *t,
                          json_t **spec, struct awserr *err)
{
    if (ddb__table_load(req, in, db, t, true, "Requested resource not found: Table: %s not found",
                        err) < 0)
        return -1;
    *spec = json_loads(t->spec, 0, NULL);
    if (!*spec) {
        st_table_free(t);
        return awserr_raise(err, DDB_INTERNAL, "Internal server error");
    }
    return 0;
}

int ddb_describe_table(struct req *req, json_t *in, json_t **out, struct awserr *err)
{
    struct db *db;
    struct st_table t;
    json_t *spec;
    char name[ST_NAME_MAX];
    if (ddb__table_name(in, name, err) < 0 || ddb__db(&db, err) < 0 ||
        load_with_spec(req, in, db, &t, &spec, err) < 0)
        return -1;
    *out = json_pack("{s:o}", "Table", table_describe(req, db, name, &t, spec, "ACTIVE"));
    json_decref(spec);
    st_table_free(&t);
    return 0;
}

static void append_name(const char *name, void *arg)
{
    json_array_append_new(arg, json_string(name));
}

int ddb_list_tables(struct req *req, json_t *in, json_t **out, struct awserr *err)
{
    bool have_limit;
    long long limit = 100;
    const char *start;
    struct db *db;
    if (ddb__member_int(in, "Limit", &have_limit, &limit, err) < 0 ||
        ddb__member_string(in, "ExclusiveStartTableName", &start, err) < 0)
        return -1;
    struct ddb_violations v = {0, BUF_INIT};
    if (have_limit && (limit < 1 || limit > 100))
        ddb__violation_add(&v, "Value '%lld' at 'limit' failed to satisfy constraint: Member "
                               "must have value %s", limit,
                           limit < 1 ? "greater than or equal to 1" : "less than or equal to 100");
    if (start)
        check_length(&v, start, "exclusiveStartTableName", 3, 255);
    if (ddb__violations_raise(&v, err) < 0 || ddb__db(&db, err) < 0)
        return -1;
    json_t *names = json_array();
    /* One more than asked tells whether a next page exists. */
    if (st_tables_list(db, req->account, req->region, start ? start : "", (int)limit + 1,
                       append_name, names) < 0) {
        json_decref(names);
        return awserr_raise(err, DDB_INTERNAL, "Internal server error");
    }
    json_t *last = NULL;
    if (json_array_size(names) > (size_t)limit) {
        json_array_remove(names, (size_t)limit);
        last = json_incref(json_array_get(names, (size_t)limit - 1));
    }
    *out = json_pack("{s:o}", "TableNames", names);
    if (last)
        json_object_set_new(*out, "LastEvaluatedTableName", last);
    return 0;
}

int ddb_delete_table(struct req *req, json_t *in, json_t **out, struct awserr *err)
{
    struct db *db;
    struct st_table t;
    json_t *spec;
    char name[ST_NAME_MAX];
    if (ddb__table_name(in, name, err) < 0 || ddb__db(&db, err) < 0 ||
        load_with_spec(req, in, db, &t, &spec, err) < 0)
        return -1;
    int rc = -1;
    /* Described before the items go, as DynamoDB's reply reports the table being deleted. */
    json_t *desc = table_describe(req, db, name, &t, spec, "DELETING");
    if (json_is_true(json_object_get(spec, "DeletionProtectionEnabled"))) {
        awserr_raise(err, DDB_VALIDATION, "Resource cannot be deleted as it is currently "
                                          "protected against deletion. Disable deletion "
                                          "protection first.");
    } else if (db_write_begin(db) == 0) {
        if (st_tables_delete(db, t.id) == 0 && ddb__stream_table_deleted(db, t.id) == 0 &&
            db_write_commit(db) == 0)
            rc = 0;
        else if (db->in_write)
            db_write_rollback(db);
    }
    if (rc == 0)
        *out = json_pack("{s:O}", "TableDescription", desc);
    else
        awserr_raise(err, DDB_INTERNAL, "Internal server error");
    json_decref(desc);
    json_decref(spec);
    st_table_free(&t);
    return rc;
}

/* ---- UpdateTable ---- */

static int update_throughput(json_t *in, json_t *spec, const char *billing, double now,
                             bool *changed, struct awserr *err)
{
    struct ddb_violations v = {0, BUF_INIT};
    bool given;
    long long rcu = 0, wcu = 0;
    if (read_throughput(in, "provisionedThroughput", &given, &rcu, &wcu, &v, err) < 0 ||
        ddb__violations_raise(&v, err) < 0)
        return -1;
    const char *old_mode = json_string_value(json_object_get(spec, "BillingMode"));
    const char *mode = billing ? billing : old_mode;
    bool switching = billing && strcmp(billing, old_mode) != 0;
    if (strcmp(mode, "PAY_PER_REQUEST") == 0 && given)
        return check_billing(mode, true, err);
    if (switching && strcmp(mode, "PROVISIONED") == 0 && !given)
        return check_billing(mode, false, err);
    if (switching) {
        json_object_set_new(spec, "BillingMode", json_string(mode));
        if (strcmp(mode, "PAY_PER_REQUEST") == 0) {
            json_object_set_new(spec, "ReadCapacityUnits", json_integer(0));
            json_object_set_new(spec, "WriteCapacityUnits", json_integer(0));
            json_object_set_new(spec, "LastUpdateToPayPerRequestDateTime", json_real(now));
        }
        *changed = true;
    }
    if (!given)
        return 0;
    long long old_r = json_integer_value(json_object_get(spec, "ReadCapacityUnits"));
    long long old_w = json_integer_value(json_object_get(spec, "WriteCapacityUnits"));
    if (!switching && old_r == rcu && old_w == wcu)
        return awserr_raise(err, DDB_VALIDATION,
                            "The provisioned throughput for the table will not change. The "
                            "requested value equals the current value. Current "
                            "ReadCapacityUnitsForTable: %lld. Requested ReadCapacityUnitsForTable"
                            ": %lld. Current WriteCapacityUnitsForTable: %lld. Requested "
                            "WriteCapacityUnitsForTable: %lld. Refer to the Amazon DynamoDB "
                            "Developer Guide for current limits and how to request higher limits.",
                            old_r, rcu, old_w, wcu);
    if (rcu > old_r || wcu > old_w)
        json_object_set_new(spec, "LastIncreaseDateTime", json_real(now));
    if (rcu < old_r || wcu < old_w) {
        json_object_set_new(spec, "LastDecreaseDateTime", json_real(now));
        json_object_set_new(spec, "NumberOfDecreasesToday",
                            json_integer(json_integer_value(json_object_get(
                                             spec, "NumberOfDecreasesToday")) + 1));
    }
    json_object_set_new(spec, "ReadCapacityUnits", json_integer(rcu));
    json_object_set_new(spec, "WriteCapacityUnits", json_integer(wcu));
    *changed = true;
    return 0;
}

static int update_stream(json_t *in, json_t *spec, const char *name, double now, bool *changed,
                         struct awserr *err)
{
    json_t *stream;
    if (read_stream_spec(in, &stream, err) < 0)
        return -1;
    if (!stream)
        return 0;
    bool enable = json_is_true(json_object_get(stream, "StreamEnabled"));
    bool enabled = json_is_true(
        json_object_get(json_object_get(spec, "StreamSpecification"), "StreamEnabled"));
    if (enable && enabled) {
        bool same_view = json_equal(json_object_get(stream, "StreamViewType"),
                                    json_object_get(json_object_get(spec, "StreamSpecification"),
                                                    "StreamViewType"));
        json_decref(stream);
        if (!same_view) /* a stream's view type is fixed: disable it, then enable anew */
            return awserr_raise(err, DDB_VALIDATION,
                                "One or more parameter values were invalid: Table already has an "
                                "enabled stream; disable it before changing its "
                                "StreamViewType: %s", name);
        return awserr_raise(err, DDB_RESOURCE_IN_USE, "Table already has an enabled stream: %s",
                            name);
    }
    if (!enable && !enabled) {
        json_decref(stream);
        return awserr_raise(err, DDB_VALIDATION, "Table already has no stream enabled: %s", name);
    }
    apply_stream_spec(spec, stream, now);
    *changed = true;
    return 0;
}

static int apply_update(json_t *in, json_t *spec, const char *name, bool *changed,
                        struct awserr *err)
{
    const char *billing;
    bool have_dp, dp;
    double now = ddb__now();
    if (ddb__member_string(in, "BillingMode", &billing, err) < 0 ||
        ddb__member_bool(in, "DeletionProtectionEnabled", &have_dp, &dp, err) < 0)
        return -1;
    struct ddb_violations v = {0, BUF_INIT};
    if (billing)
        check_enum(&v, billing, "billingMode", billing_modes, "PROVISIONED, PAY_PER_REQUEST");
    if (ddb__violations_raise(&v, err) < 0 ||
        update_throughput(in, spec, billing, now, changed, err) < 0 ||
        update_stream(in, spec, name, now, changed, err) < 0)
        return -1;
    if (have_dp) {
        json_object_set_new(spec, "DeletionProtectionEnabled", json_boolean(dp));
        *changed = true;
    }
    return 0;
}

int ddb_update_table(struct req *req, json_t *in, json_t **out, struct awserr *err)
{
    struct db *db;
    struct st_table t;
    json_t *spec;
    char name[ST_NAME_MAX];
    bool changed = false;
    if (ddb__table_name(in, name, err) < 0 || ddb__db(&db, err) < 0 ||
        load_with_spec(req, in, db, &t, &spec, err) < 0)
        return -1;
    int rc = apply_update(in, spec, name, &changed, err);
    if (rc == 0 && !changed)
        rc = awserr_raise(err, DDB_VALIDATION,
                          "At least one of ProvisionedThroughput, BillingMode, "
                          "UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification "
                          "or ReplicaUpdates is required");
    if (rc == 0) {
        char *text = json_dumps(spec, JSON_COMPACT);
        rc = -1;
        if (db_write_begin(db) == 0) {
            if (st_tables_spec_set(db, t.id, text) == 0 &&
                ddb__stream_sync(db, req, name, &t, spec, err) == 0 && db_write_commit(db) == 0)
                rc = 0;
            else if (db->in_write)
                db_write_rollback(db);
        }
        free(text);
        if (rc < 0)
            awserr_raise(err, DDB_INTERNAL, "Internal server error");
    }
    if (rc == 0)
        *out = json_pack("{s:o}", "TableDescription",
                         table_describe(req, db, name, &t, spec, "UPDATING"));
    json_decref(spec);
    st_table_free(&t);
    return rc;
}
