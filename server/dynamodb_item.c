/* server/dynamodb_item.c — PutItem, GetItem, DeleteItem.
 *
 * Items are validated and normalised (dynamodb_value.c), then stored as compact DynamoDB JSON
 * text under their encoded key. Reads copy that text straight into the reply, without parsing
 * it again: GetItem's body is `{"Item":` + stored text + `}`. */
#include "server/dynamodb_item.h"

#include <math.h>
#include <string.h>

#include "server/dynamodb.h"
#include "server/dynamodb_err.h"
#include "server/dynamodb_value.h"
#include "storage/items.h"

#define HASH_KEY_MAX 2048
#define RANGE_KEY_MAX 1024

/* The encoded key of an item or a Key parameter. */
struct item_key {
    struct buf pk, sk;
};

static void item_key_free(struct item_key *k)
{
    buf_free(&k->pk);
    buf_free(&k->sk);
}

static struct st_item_key item_key_view(const struct item_key *k)
{
    return (struct st_item_key){k->pk.data, k->pk.len, k->sk.data, k->sk.len};
}

static char value_type(const json_t *av)
{
    const char *type = json_object_iter_key(json_object_iter((json_t *)av));
    return type && type[1] == '\0' ? type[0] : 0;
}

/* Size of a key value for DynamoDB's key length limits: bytes of S or B, digits of N. */
static size_t key_value_size(const json_t *av, char type)
{
    if (type == 'N')
        return ddbval_value_size(av);
    const json_t *v = json_object_get(av, type == 'S' ? "S" : "B");
    size_t n = json_string_length(v);
    if (type == 'S')
        return n;
    /* Checked base64: 3 bytes per 4 characters, less one per '=' of padding. */
    const char *s = json_string_value(v);
    size_t pad = (n >= 1 && s[n - 1] == '=') + (n >= 2 && s[n - 2] == '=');
    return n / 4 * 3 - pad;
}

static int key_part_encode(const json_t *av, const char *name, char type, size_t max,
                           struct buf *out, struct awserr *err)
{
    if (type == 'S' || type == 'B') {
        const json_t *v = json_object_get(av, type == 'S' ? "S" : "B");
        if (json_string_length(v) == 0)
            return awserr_raise(err, DDB_VALIDATION,
                                "One or more parameter values are not valid. The AttributeValue "
                                "for a key attribute cannot contain an empty %s value. Key: %s",
                                type == 'S' ? "string" : "binary", name);
    }
    if (key_value_size(av, type) > max)
        return max == HASH_KEY_MAX
                   ? awserr_raise(err, DDB_VALIDATION,
                                  "One or more parameter values were invalid: Size of hashkey has "
                                  "exceeded the maximum size limit of2048 bytes")
                   : awserr_raise(err, DDB_VALIDATION,
                                  "One or more parameter values were invalid: Aggregated size of "
                                  "all range keys has exceeded the size limit of 1024 bytes");
    return ddbval_key_encode(av, type, out, err);
}

/* Key attributes of a whole item (PutItem): present, of the declared type, non-empty. */
static int key_from_item(const struct st_table *t, const json_t *item, struct item_key *k,
                         struct awserr *err)
{
    const char *names[2] = {t->hash_name, t->range_name};
    const char types[2] = {t->hash_type, t->range_type};
    for (int i = 0; i < (t->range_type ? 2 : 1); i++) {
        const json_t *av = json_object_get(item, names[i]);
        if (!av)
            return awserr_raise(err, DDB_VALIDATION,
                                "One or more parameter values were invalid: Missing the key %s "
                                "in the item", names[i]);
        char actual = value_type(av);
        if (actual != types[i])
            return awserr_raise(err, DDB_VALIDATION,
                                "One or more parameter values were invalid: Type mismatch for key "
                                "%s expected: %c actual: %s", names[i], types[i],
                                json_object_iter_key(json_object_iter((json_t *)av)));
        if (key_part_encode(av, names[i], types[i], i ? RANGE_KEY_MAX : HASH_KEY_MAX,
                            i ? &k->sk : &k->pk, err) < 0)
            return -1;
    }
    return 0;
}

/* A Key parameter (GetItem, DeleteItem): exactly the key attributes, of the declared types. */
static int key_from_param(const struct st_table *t, json_t *in, struct item_key *k,
                          struct awserr *err)
{
    json_t *key;
    if (ddb__member_object(in, "Key", &key, err) < 0)
        return -1;
    if (!key)
        return awserr_raise(err, DDB_VALIDATION, "1 validation error detected: Value null at "
                                                 "'key' failed to satisfy constraint: Member "
                                                 "must not be null");
    const char *name;
    json_t *av;
    json_object_foreach(key, name, av)
    {
        if (ddbval_value_check(av, 1, err) < 0)
            return -1;
    }
    size_t want = t->range_type ? 2 : 1;
    const json_t *h = json_object_get(key, t->hash_name);
    const json_t *r = t->range_type ? json_object_get(key, t->range_name) : NULL;
    if (json_object_size(key) != want || !h || value_type(h) != t->hash_type ||
        (t->range_type && (!r || value_type(r) != t->range_type)))
        return awserr_raise(err, DDB_VALIDATION, "The provided key element does not match the "
                                                 "schema");
    return key_from_item(t, key, k, err);
}

/* ReturnValues: absent or NONE → 0, ALL_OLD → 1; anything else is invalid for these ops. */
static int read_return_values(json_t *in, bool *all_old, struct awserr *err)
{
    static const char *const known[] = {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW",
                                        "UPDATED_NEW", NULL};
    const char *rv;
    *all_old = false;
    if (ddb__member_string(in, "ReturnValues", &rv, err) < 0)
        return -1;
    if (!rv || strcmp(rv, "NONE") == 0)
        return 0;
    if (strcmp(rv, "ALL_OLD") == 0) {
        *all_old = true;
        return 0;
    }
    for (const char *const *k = known; *k; k++)
        if (strcmp(rv, *k) == 0)
            return awserr_raise(err, DDB_VALIDATION, "Return values set to invalid value");
    return awserr_raise(err, DDB_VALIDATION,
                        "1 validation error detected: Value '%.100s' at 'returnValues' failed "
                        "to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, "
                        "UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]", rv);
}

/* ReturnConsumedCapacity: NONE/absent → 0, TOTAL or INDEXES → 1. */
static int read_return_capacity(json_t *in, bool *wanted, struct awserr *err)
{
    const char *rc;
    *wanted = false;
    if (ddb__member_string(in, "ReturnConsumedCapacity", &rc, err) < 0)
        return -1;
    if (!rc || strcmp(rc, "NONE") == 0)
        return 0;
    if (strcmp(rc, "TOTAL") != 0 && strcmp(rc, "INDEXES") != 0)
        return awserr_raise(err, DDB_VALIDATION,
                            "1 validation error detected: Value '%.100s' at "
                            "'returnConsumedCapacity' failed to satisfy constraint: Member must "
                            "satisfy enum value set: [INDEXES, TOTAL, NONE]", rc);
    *wanted = true;
    return 0;
}

/* Parameters that belong to the expression engine, which this build does not have yet: refuse
 * them rather than ignore a condition the caller relies on. */
static int refuse_unsupported(json_t *in, struct awserr *err)
{
    static const char *const names[] = {"ConditionExpression", "Expected", "ProjectionExpression",
                                        "AttributesToGet", NULL};
    for (const char *const *n = names; *n; n++)
        if (json_object_get(in, *n))
            return awserr_raise(err, DDB_VALIDATION, "%s is not supported by this awsemu build",
                                *n);
    return 0;
}

/* Writes `{"<member>":<item>` and optionally ConsumedCapacity, then `}` into req->out. */
static void reply_with_item(struct req *req, const char *member, const struct buf *item,
                            const char *table, double capacity)
{
    struct buf *o = &req->out;
    buf_reset(o);
    buf_addc(o, '{');
    if (item && item->len) {
        buf_addf(o, "\"%s\":", member);
        buf_add(o, item->data, item->len);
    }
    if (capacity > 0) {
        json_t *name = json_string(table);
        char *quoted = json_dumps(name, JSON_ENCODE_ANY);
        buf_addf(o, "%s\"ConsumedCapacity\":{\"TableName\":%s,\"CapacityUnits\":%g}",
                 o->len > 1 ? "," : "", quoted, capacity);
        free(quoted);
        json_decref(name);
    }
    buf_addc(o, '}');
}

static int dump_item(const char *chunk, size_t size, void *data)
{
    buf_add(data, chunk, size);
    return 0;
}

int ddb_put_item(struct req *req, json_t *in, json_t **out, struct awserr *err)
{
    (void)out;
    struct st_table t;
    struct db *db;
    json_t *item;
    bool all_old, capacity;
    struct item_key k = {BUF_INIT, BUF_INIT};
    struct buf text = BUF_INIT, old = BUF_INIT;
    int ret = -1;
    if (ddb__member_object(in, "Item", &item, err) < 0 || read_return_values(in, &all_old, err) < 0 ||
        read_return_capacity(in, &capacity, err) < 0 || refuse_unsupported(in, err) < 0)
        goto out;
    if (!item) {
        awserr_raise(err, DDB_VALIDATION, "1 validation error detected: Value null at 'item' "
                                          "failed to satisfy constraint: Member must not be null");
        goto out;
    }
    if (ddb__db(&db, err) < 0 ||
        ddb__table_load(req, in, db, &t, false, "Requested resource not found", err) < 0 ||
        ddbval_item_check(item, err) < 0 || key_from_item(&t, item, &k, err) < 0)
        goto out;
    size_t size = ddbval_item_size(item);
    json_dump_callback(item, dump_item, &text, JSON_COMPACT);
    struct st_item_key key = item_key_view(&k);
    if (db_write_begin(db) < 0)
        goto internal;
    if (st_items_put(db, t.id, &key, text.data, text.len, size, all_old ? &old : NULL) < 0) {
        db_write_rollback(db);
        goto internal;
    }
    if (db_write_commit(db) < 0)
        goto internal;
    /* Writes cost 1 KB units. */
    reply_with_item(req, "Attributes", &old, t.name,
                    capacity ? fmax(1.0, ceil((double)size / 1024.0)) : 0);
    ret = 0;
    goto out;
internal:
    awserr_raise(err, DDB_INTERNAL, "Internal server error");
out:
    item_key_free(&k);
    buf_free(&text);
    buf_free(&old);
    return ret;
}

int ddb_get_item(struct req *req, json_t *in, json_t **out, struct awserr *err)
{
    (void)out;
    struct st_table t;
    struct db *db;
    bool capacity, have_consistent, consistent = false;
    struct item_key k = {BUF_INIT, BUF_INIT};
    struct buf item = BUF_INIT;
    int ret = -1;
    if (read_return_capacity(in, &capacity, err) < 0 || refuse_unsupported(in, err) < 0 ||
        ddb__member_bool(in, "ConsistentRead", &have_consistent, &consistent, err) < 0 ||
        ddb__db(&db, err) < 0 ||
        ddb__table_load(req, in, db, &t, false, "Requested resource not found", err) < 0 ||
        key_from_param(&t, in, &k, err) < 0)
        goto out;
    struct st_item_key key = item_key_view(&k);
    int64_t size = 0;
    int found = st_items_get(db, t.id, &key, &item, &size);
    if (found < 0) {
        awserr_raise(err, DDB_INTERNAL, "Internal server error");
        goto out;
    }
    /* Reads cost 4 KB units, halved for eventually consistent reads. */
    double units = capacity ? fmax(1.0, ceil((double)size / 4096.0)) * (consistent ? 1.0 : 0.5)
                            : 0;
    reply_with_item(req, "Item", &item, t.name, units);
    ret = 0;
out:
    item_key_free(&k);
    buf_free(&item);
    return ret;
}

int ddb_delete_item(struct req *req, json_t *in, json_t **out, struct awserr *err)
{
    (void)out;
    struct st_table t;
    struct db *db;
    bool all_old, capacity;
    struct item_key k = {BUF_INIT, BUF_INIT};
    struct buf old = BUF_INIT;
    int ret = -1;
    if (read_return_values(in, &all_old, err) < 0 || read_return_capacity(in, &capacity, err) < 0 ||
        refuse_unsupported(in, err) < 0 || ddb__db(&db, err) < 0 ||
        ddb__table_load(req, in, db, &t, false, "Requested resource not found", err) < 0 ||
        key_from_param(&t, in, &k, err) < 0)
        goto out;
    struct st_item_key key = item_key_view(&k);
    if (db_write_begin(db) < 0)
        goto internal;
    int64_t old_size = 0;
    if (st_items_delete(db, t.id, &key, &old, &old_size) < 0) {
        db_write_rollback(db);
        goto internal;
    }
    if (db_write_commit(db) < 0)
        goto internal;
    reply_with_item(req, "Attributes", all_old ? &old : NULL, t.name,
                    capacity ? fmax(1.0, ceil((double)old_size / 1024.0)) : 0);
    ret = 0;
    goto out;
internal:
    awserr_raise(err, DDB_INTERNAL, "Internal server error");
out:
    item_key_free(&k);
    buf_free(&old);
    return ret;
}
