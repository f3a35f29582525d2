/* server/dynamodb_item.c — PutItem, GetItem, DeleteItem, UpdateItem, and what every write path
 * shares: keys, secondary-index entries and storing an item with them.
 *
 * Items are validated and normalised (dynamodb_value.c), then stored as compact DynamoDB JSON
 * text under their encoded key, with one entry per secondary index whose key the item has.
 * A conditional or updating write reads the current item inside its write transaction, so the
 * condition is checked against exactly what it replaces. Reads without a projection copy the
 * stored text straight into the reply: GetItem's body is `{"Item":` + stored text + `}`. */
#include "server/dynamodb_item.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "server/awsjson.h"
#include "server/dynamodb.h"
#include "server/dynamodb_err.h"
#include "server/dynamodb_expr.h"
#include "server/dynamodb_stream.h"
#include "server/dynamodb_value.h"
#include "storage/items.h"

#define HASH_KEY_MAX 2048
#define RANGE_KEY_MAX 1024

/* ---- keys ---- */

void ddb__key_free(struct ddb_key *k)
{
    buf_free(&k->pk);
    buf_free(&k->sk);
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

int ddb__key_from_item(const struct st_table *t, const json_t *item, struct ddb_key *k,
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
        if (value_type(av) != types[i])
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

int ddb__key_from_param(const struct st_table *t, json_t *key, struct ddb_key *k,
                        struct awserr *err)
{
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
    return ddb__key_from_item(t, key, k, err);
}

static void copy_attribute(json_t *dst, const json_t *item, const char *name)
{
    json_t *v = name ? json_object_get(item, name) : NULL;
    if (v)
        json_object_set(dst, name, v);
}

json_t *ddb__key_attributes(const struct st_table *t, const struct ddb_index *ix,
                            const json_t *item)
{
    json_t *key = json_object();
    copy_attribute(key, item, t->hash_name);
    copy_attribute(key, item, t->range_type ? t->range_name : NULL);
    if (ix) {
        copy_attribute(key, item, ix->hash);
        copy_attribute(key, item, ix->range);
    }
    return key;
}

/* ---- secondary indexes ---- */

static const char *json_str(const json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

int ddb__indexes_load(const struct st_table *t, struct ddb_indexes *ix, struct awserr *err)
{
    memset(ix, 0, sizeof *ix);
    if (!t->indexes)
        return 0;
    ix->doc = json_loads(t->indexes, 0, NULL);
    if (!json_is_array(ix->doc) || json_array_size(ix->doc) > 25) {
        ddb__indexes_free(ix);
        return awserr_raise(err, DDB_INTERNAL, "Internal server error");
    }
    size_t i;
    json_t *d;
    json_array_foreach(ix->doc, i, d)
    {
        struct ddb_index *x = &ix->list[i];
        const char *proj = json_str(d, "ProjectionType");
        x->name = json_str(d, "IndexName");
        x->local = json_is_true(json_object_get(d, "Local"));
        x->hash = json_str(d, "Hash");
        x->hash_type = json_str(d, "HashType")[0];
        x->range = json_str(d, "Range");
        x->range_type = x->range ? json_str(d, "RangeType")[0] : 0;
        x->projection = strcmp(proj, "ALL") == 0         ? DDB_PROJECT_ALL
                        : strcmp(proj, "KEYS_ONLY") == 0 ? DDB_PROJECT_KEYS_ONLY
                                                         : DDB_PROJECT_INCLUDE;
        x->non_key = json_object_get(d, "NonKeyAttributes");
    }
    ix->n = json_array_size(ix->doc);
    return 0;
}

void ddb__indexes_free(struct ddb_indexes *ix)
{
    json_decref(ix->doc);
    memset(ix, 0, sizeof *ix);
}

const struct ddb_index *ddb__index_find(const struct ddb_indexes *ix, const char *name)
{
    for (size_t i = 0; i < ix->n; i++)
        if (strcmp(ix->list[i].name, name) == 0)
            return &ix->list[i];
    return NULL;
}

static const char *defined_type(json_t *defs, const char *name)
{
    size_t i;
    json_t *d;
    json_array_foreach(defs, i, d)
    {
        if (strcmp(json_str(d, "AttributeName"), name) == 0)
            return json_str(d, "AttributeType");
    }
    return "S";
}

static void index_text_add(json_t *out, json_t *defs, json_t *def, bool local)
{
    json_t *ks = json_object_get(def, "KeySchema");
    json_t *proj = json_object_get(def, "Projection");
    const char *hash = json_str(json_array_get(ks, 0), "AttributeName");
    json_t *d = json_pack("{s:s, s:b, s:s, s:s, s:s}", "IndexName", json_str(def, "IndexName"),
                          "Local", local, "Hash", hash, "HashType", defined_type(defs, hash),
                          "ProjectionType",
                          json_str(proj, "ProjectionType") ? json_str(proj, "ProjectionType")
                                                           : "ALL");
    if (json_array_size(ks) == 2) {
        const char *range = json_str(json_array_get(ks, 1), "AttributeName");
        json_object_set_new(d, "Range", json_string(range));
        json_object_set_new(d, "RangeType", json_string(defined_type(defs, range)));
    }
    json_t *non_key = json_object_get(proj, "NonKeyAttributes");
    if (json_is_array(non_key))
        json_object_set(d, "NonKeyAttributes", non_key);
    json_array_append_new(out, d);
}

char *ddb__indexes_text(json_t *defs, json_t *gsi, json_t *lsi)
{
    if (!json_array_size(gsi) && !json_array_size(lsi))
        return NULL;
    json_t *out = json_array();
    size_t i;
    json_t *def;
    json_array_foreach(gsi, i, def) index_text_add(out, defs, def, false);
    json_array_foreach(lsi, i, def) index_text_add(out, defs, def, true);
    char *text = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    return text;
}

/* Encodes one index key attribute of item into out. 1 when present, 0 when the item lacks
 * it (the item is then not in the index), -1 when its type or value is refused. */
static int index_key_part(const struct ddb_index *x, const json_t *item, const char *name,
                          char type, struct buf *out, struct awserr *err)
{
    const json_t *av = json_object_get(item, name);
    if (!av)
        return 0;
    char actual = value_type(av);
    if (actual != type)
        return awserr_raise(err, DDB_VALIDATION,
                            "One or more parameter values were invalid: Type mismatch for Index "
                            "Key %s Expected: %c Actual: %s IndexName: %s", name, type,
                            json_object_iter_key(json_object_iter((json_t *)av)), x->name);
    if ((type == 'S' || type == 'B') &&
        json_string_length(json_object_get(av, type == 'S' ? "S" : "B")) == 0)
        return awserr_raise(err, DDB_VALIDATION,
                            "One or more parameter values are not valid. A value specified for "
                            "a secondary index key is not supported. The AttributeValue for a "
                            "key attribute cannot contain an empty %s value. IndexName: %s, "
                            "IndexKey: %s", type == 'S' ? "string" : "binary", x->name, name);
    return ddbval_key_encode(av, type, out, err) < 0 ? -1 : 1;
}

/* ---- stored items ---- */

int ddb__item_read(struct db *db, const struct st_table *t, const struct ddb_key *k,
                   json_t **item, struct awserr *err)
{
    struct buf text = BUF_INIT;
    int64_t size;
    struct st_item_key key = {k->pk.data, k->pk.len, k->sk.data, k->sk.len};
    *item = NULL;
    int found = st_items_get(db, t->id, &key, &text, &size);
    if (found > 0)
        *item = ddb__item_parse(text.data, text.len);
    buf_free(&text);
    if (found < 0 || (found > 0 && !*item))
        return awserr_raise(err, DDB_INTERNAL, "Internal server error");
    return 0;
}

int ddb__item_store(struct db *db, const struct st_table *t, const struct ddb_indexes *ix,
                    const struct ddb_key *k, const json_t *item, size_t size, struct buf *old,
                    struct awserr *err)
{
    struct buf text = BUF_INIT;
    struct buf parts[25][2];
    struct st_index_entry entries[25];
    struct ddb_stream_change change = {0};
    size_t n = 0;
    int ret = -1;
    memset(parts, 0, sizeof parts);
    for (size_t i = 0; i < ix->n; i++) {
        const struct ddb_index *x = &ix->list[i];
        int h = index_key_part(x, item, x->hash, x->hash_type, &parts[n][0], err);
        int r = x->range ? index_key_part(x, item, x->range, x->range_type, &parts[n][1], err)
                         : 1;
        if (h < 0 || r < 0)
            goto out;
        if (h && r) {
            entries[n] = (struct st_index_entry){x->name, parts[n][0].data, parts[n][0].len,
                                                 parts[n][1].data, parts[n][1].len};
            n++;
        } else {
            buf_free(&parts[n][0]);
            buf_free(&parts[n][1]);
        }
    }
    awsjson_write(&text, item, JSON_COMPACT);
    struct st_item_key key = {k->pk.data, k->pk.len, k->sk.data, k->sk.len};
    /* The stream record is written in this transaction, from the item this write replaces. */
    if (ddb__stream_change_open(db, t, old, &change, err) < 0)
        goto out;
    int existed = st_items_put(db, t->id, &key, text.data, text.len, size, change.old, ix->n > 0,
                               entries, n);
    if (existed < 0)
        awserr_raise(err, DDB_INTERNAL, "Internal server error");
    else
        ret = ddb__stream_change_put(db, t, &change, existed, &text, item, err);
out:
    ddb__stream_change_close(&change);
    for (size_t i = 0; i < 25; i++)
        buf_free(&parts[i][0]), buf_free(&parts[i][1]);
    buf_free(&text);
    return ret;
}

int ddb__item_remove(struct db *db, const struct st_table *t, const struct ddb_indexes *ix,
                     const struct ddb_key *k, struct awserr *err)
{
    struct st_item_key key = {k->pk.data, k->pk.len, k->sk.data, k->sk.len};
    int64_t old_size;
    struct ddb_stream_change change;
    if (ddb__stream_change_open(db, t, NULL, &change, err) < 0)
        return -1;
    int rc = st_items_delete(db, t->id, &key, change.old, &old_size, ix->n > 0);
    if (rc < 0)
        awserr_raise(err, DDB_INTERNAL, "Internal server error");
    else if (ddb__stream_change_remove(db, t, &change, rc, err) < 0)
        rc = -1;
    ddb__stream_change_close(&change);
    return rc;
}

/* ---- the operations ---- */

/* ReturnValues: which values the write may return; anything else is invalid for the op. */
enum return_values { RV_NONE, RV_ALL_OLD, RV_UPDATED_OLD, RV_ALL_NEW, RV_UPDATED_NEW };

static int read_return_values(json_t *in, bool update, enum return_values *rv,
                              struct awserr *err)
{
    static const char *const names[] = {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW",
                                        "UPDATED_NEW"};
    const char *s;
    *rv = RV_NONE;
    if (ddb__member_string(in, "ReturnValues", &s, err) < 0)
        return -1;
    if (!s)
        return 0;
    for (int i = 0; i < 5; i++) {
        if (strcmp(s, names[i]) == 0) {
            if (!update && i > RV_ALL_OLD)
                return awserr_raise(err, DDB_VALIDATION, "Return values set to invalid value");
            *rv = (enum return_values)i;
            return 0;
        }
    }
    return awserr_raise(err, DDB_VALIDATION,
                        "1 validation error detected: Value '%.100s' at 'returnValues' failed "
                        "to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, "
                        "UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]", s);
}

/* A member that is either absent, `off` ("NONE") or `on`: *on_set says which. wire is the
 * member's name in validation messages, listed the enum set as DynamoDB prints it. */
static int read_switch(json_t *in, const char *member, const char *wire, const char *on,
                       const char *listed, bool *on_set, struct awserr *err)
{
    const char *s;
    *on_set = false;
    if (ddb__member_string(in, member, &s, err) < 0)
        return -1;
    if (!s || strcmp(s, "NONE") == 0)
        return 0;
    if (strcmp(s, on) != 0)
        return awserr_raise(err, DDB_VALIDATION,
                            "1 validation error detected: Value '%.100s' at '%s' failed to "
                            "satisfy constraint: Member must satisfy enum value set: [%s]",
                            s, wire, listed);
    *on_set = true;
    return 0;
}

/* ReturnItemCollectionMetrics: NONE or SIZE. */
static int read_collection_metrics(json_t *in, bool *size, struct awserr *err)
{
    return read_switch(in, "ReturnItemCollectionMetrics", "returnItemCollectionMetrics", "SIZE",
                       "SIZE, NONE", size, err);
}

/* ReturnValuesOnConditionCheckFailure: NONE or ALL_OLD. */
static int read_return_on_failure(json_t *in, bool *all_old, struct awserr *err)
{
    return read_switch(in, "ReturnValuesOnConditionCheckFailure",
                       "returnValuesOnConditionCheckFailure", "ALL_OLD", "ALL_OLD, NONE",
                       all_old, err);
}

/* What a single-item write request brings besides its item or key. */
struct write_request {
    struct st_table t;
    struct ddb_indexes ix;
    struct db *db;
    struct ddbexpr_ctx ctx;
    bool ctx_open;
    struct ddbexpr *condition;
    enum ddb_capacity capacity;
    bool old_on_failure, collection_metrics;
    enum return_values rv;
};

static const char *const condition_members[] = {"ConditionExpression", NULL};
static const char *const condition_legacy[] = {"Expected", NULL};
static const char *const update_members[] = {"ConditionExpression", "UpdateExpression", NULL};
static const char *const update_legacy[] = {"Expected", "AttributeUpdates", NULL};

/* Parses the request parts every single-item write shares. */
static int write_request_open(struct req *req, json_t *in, bool update,
                              const char *const *expr_members, const char *const *legacy_members,
                              struct write_request *w, struct awserr *err)
{
    memset(w, 0, sizeof *w);
    if (read_return_values(in, update, &w->rv, err) < 0 ||
        ddb__return_capacity(in, &w->capacity, err) < 0 ||
        read_return_on_failure(in, &w->old_on_failure, err) < 0 ||
        read_collection_metrics(in, &w->collection_metrics, err) < 0)
        return -1;
    if (ddb__expr_begin(in, expr_members, legacy_members, &w->ctx, err) < 0)
        return -1;
    w->ctx_open = true;
    if (ddb__expr_parse_member(in, "ConditionExpression", DDBEXPR_CONDITION, &w->ctx,
                               &w->condition, err) < 0)
        return -1;
    json_t *expected;
    if (ddb__member_object(in, "Expected", &expected, err) < 0)
        return -1;
    if (expected && ddbexpr_legacy_conditions(expected, json_str(in, "ConditionalOperator"),
                                              DDBEXPR_CONDITION, &w->condition, err) < 0)
        return -1;
    if (ddb__db(&w->db, err) < 0 ||
        ddb__table_load(req, in, w->db, &w->t, false, "Requested resource not found", err) < 0)
        return -1;
    return ddb__indexes_load(&w->t, &w->ix, err);
}

/* Unused names/values are an error only once every expression has been parsed. */
static int write_request_parsed(struct write_request *w, struct awserr *err)
{
    w->ctx_open = false;
    return ddbexpr_ctx_finish(&w->ctx, err);
}

static void write_request_close(struct write_request *w)
{
    if (w->ctx_open)
        ddbexpr_ctx_finish(&w->ctx, NULL);
    ddbexpr_free(w->condition);
    ddb__indexes_free(&w->ix);
    st_table_free(&w->t);
}

/* Checks the request's condition against the current item (old may be NULL). */
static int condition_check(const struct write_request *w, const json_t *old, struct awserr *err)
{
    if (!w->condition)
        return 0;
    int ok = ddbexpr_eval(w->condition, old, err);
    if (ok < 0)
        return -1;
    if (ok)
        return 0;
    awserr_raise(err, DDB_CONDITIONAL_CHECK_FAILED, "The conditional request failed");
    if (w->old_on_failure && old)
        awserr_detail_set_new(err, "Item", json_deep_copy(old));
    return -1;
}

/* Item collections exist only in tables with a local secondary index. */
static bool has_local_index(const struct ddb_indexes *ix)
{
    for (size_t i = 0; i < ix->n; i++)
        if (ix->list[i].local)
            return true;
    return false;
}

/* Builds the reply: optional Attributes, ConsumedCapacity and ItemCollectionMetrics for the
 * item whose key attributes are in keyed. Takes attributes. */
static json_t *write_reply(const struct write_request *w, json_t *attributes, double units,
                           const json_t *keyed)
{
    json_t *out = json_object();
    if (attributes && json_object_size(attributes))
        json_object_set(out, "Attributes", attributes);
    json_decref(attributes);
    if (w->collection_metrics && has_local_index(&w->ix)) {
        json_t *key = json_object();
        json_t *hash = json_object_get(keyed, w->t.hash_name);
        if (hash)
            json_object_set(key, w->t.hash_name, hash);
        /* The estimate's granularity is a gigabyte: a local collection is in its first. */
        json_object_set_new(out, "ItemCollectionMetrics",
                            json_pack("{s:o, s:[f,f]}", "ItemCollectionKey", key,
                                      "SizeEstimateRangeGB", 0.0, 1.0));
    }
    if (w->capacity)
        json_object_set_new(out, "ConsumedCapacity", ddb__capacity(w->t.name, units, w->capacity));
    return out;
}

static double write_units(size_t size)
{
    return fmax(1.0, ceil((double)size / 1024.0));
}

/* A member the operation cannot do without (Item, Key): coral's "must not be null". */
static int required_object(json_t *in, const char *member, const char *wire, json_t **out,
                           struct awserr *err)
{
    if (ddb__member_object(in, member, out, err) < 0)
        return -1;
    if (!*out)
        return awserr_raise(err, DDB_VALIDATION, "1 validation error detected: Value null at "
                                                 "'%s' failed to satisfy constraint: Member must "
                                                 "not be null", wire);
    return 0;
}

/* Write transactions whose storage failures reach the client as an internal error. */
static int write_begin(struct db *db, struct awserr *err)
{
    return db_write_begin(db) < 0 ? awserr_raise(err, DDB_INTERNAL, "Internal server error") : 0;
}

static int write_commit(struct db *db, struct awserr *err)
{
    if (db_write_commit(db) < 0)
        return awserr_raise(err, DDB_INTERNAL, "Internal server error");
    return 0;
}

/* DESIGN: a single-item write parses and checks its request (expressions, item or key,
 * table) on the worker that received it, in parallel with the other workers; only the step
 * that reads the current item, checks the condition, writes and commits runs where the
 * writes run (route_json_then, server/writeq.h), so no worker sleeps waiting for the write
 * lock. The state is released with the req, on its own worker (req_free). */
struct item_write {
    json_t *in;      /* the request: the expression context and subject point into it */
    json_t *subject; /* Item (PutItem) or Key (DeleteItem, UpdateItem) */
    struct write_request w;
    struct ddb_key k;
    struct ddbexpr *update; /* UpdateItem */
    size_t size;            /* PutItem: the item's size */
};

static void item_write_free(void *state)
{
    struct item_write *u = state;
    ddbexpr_free(u->update);
    ddb__key_free(&u->k);
    write_request_close(&u->w);
    json_decref(u->in);
    free(u);
}

/* The write step runs on this thread's connection: maybe not the one that parsed. */
static int item_write_begin(struct item_write *u, struct awserr *err)
{
    return ddb__db(&u->w.db, err) < 0 ? -1 : write_begin(u->w.db, err);
}

static int put_item_write(struct req *req, void *state, json_t **out, struct awserr *err)
{
    (void)req;
    struct item_write *u = state;
    struct write_request *w = &u->w;
    json_t *old = NULL;
    struct buf old_text = BUF_INIT;
    int ret = -1;
    bool need_old = w->condition != NULL;
    if (item_write_begin(u, err) < 0)
        return -1;
    if ((need_old && ddb__item_read(w->db, &w->t, &u->k, &old, err) < 0) ||
        condition_check(w, old, err) < 0 ||
        ddb__item_store(w->db, &w->t, &w->ix, &u->k, u->subject, u->size,
                        w->rv == RV_ALL_OLD && !need_old ? &old_text : NULL, err) < 0) {
        db_write_rollback(w->db);
        goto out;
    }
    if (write_commit(w->db, err) < 0)
        goto out;
    json_t *attributes = NULL;
    if (w->rv == RV_ALL_OLD)
        attributes = need_old ? json_incref(old) : ddb__item_parse(old_text.data, old_text.len);
    *out = write_reply(w, attributes, write_units(u->size), u->subject);
    ret = 0;
out:
    json_decref(old);
    buf_free(&old_text);
    return ret;
}

/* The first phase of a single-item write: the request's member `member` (Item or Key) and
 * the parts every single-item write shares; the caller finishes with write_request_parsed()
 * (directly, or through parse_update). NULL with *err raised. */
static struct item_write *item_write_open(struct req *req, json_t *in, const char *member,
                                          const char *member_lower, bool update,
                                          struct awserr *err)
{
    json_t *subject;
    if (required_object(in, member, member_lower, &subject, err) < 0)
        return NULL;
    struct item_write *u = xcalloc(1, sizeof *u);
    u->in = json_incref(in);
    u->subject = subject;
    u->k = (struct ddb_key)DDB_KEY_INIT;
    if (write_request_open(req, in, update, update ? update_members : condition_members,
                           update ? update_legacy : condition_legacy, &u->w, err) < 0) {
        item_write_free(u);
        return NULL;
    }
    return u;
}

int ddb_put_item(struct req *req, json_t *in, json_t **out, struct awserr *err)
{
    (void)out;
    struct item_write *u = item_write_open(req, in, "Item", "item", false, err);
    if (!u)
        return -1;
    if (write_request_parsed(&u->w, err) < 0 || ddbval_item_check(u->subject, err) < 0 ||
        ddb__key_from_item(&u->w.t, u->subject, &u->k, err) < 0) {
        item_write_free(u);
        return -1;
    }
    u->size = ddbval_item_size(u->subject);
    route_json_then(req, put_item_write, u, item_write_free);
    return 0;
}

static int delete_item_write(struct req *req, void *state, json_t **out, struct awserr *err)
{
    (void)req;
    struct item_write *u = state;
    struct write_request *w = &u->w;
    json_t *old = NULL;
    if (item_write_begin(u, err) < 0)
        return -1;
    if (ddb__item_read(w->db, &w->t, &u->k, &old, err) < 0 || condition_check(w, old, err) < 0 ||
        (old && ddb__item_remove(w->db, &w->t, &w->ix, &u->k, err) < 0)) {
        db_write_rollback(w->db);
        json_decref(old);
        return -1;
    }
    if (write_commit(w->db, err) < 0) {
        json_decref(old);
        return -1;
    }
    size_t size = old ? ddbval_item_size(old) : 0;
    *out = write_reply(w, w->rv == RV_ALL_OLD && old ? json_incref(old) : NULL,
                       write_units(size), u->subject);
    json_decref(old);
    return 0;
}

int ddb_delete_item(struct req *req, json_t *in, json_t **out, struct awserr *err)
{
    (void)out;
    struct item_write *u = item_write_open(req, in, "Key", "key", false, err);
    if (!u)
        return -1;
    if (write_request_parsed(&u->w, err) < 0 ||
        ddb__key_from_param(&u->w.t, u->subject, &u->k, err) < 0) {
        item_write_free(u);
        return -1;
    }
    route_json_then(req, delete_item_write, u, item_write_free);
    return 0;
}

/* ---- UpdateItem ---- */

/* Parses UpdateExpression or AttributeUpdates, and refuses updates of key attributes. */
static int parse_update(json_t *in, struct write_request *w, struct ddbexpr **update,
                        struct awserr *err)
{
    json_t *legacy;
    if (ddb__expr_parse_member(in, "UpdateExpression", DDBEXPR_UPDATE, &w->ctx, update, err) < 0 ||
        ddb__member_object(in, "AttributeUpdates", &legacy, err) < 0)
        return -1;
    if (legacy && ddbexpr_legacy_attribute_updates(legacy, update, err) < 0)
        return -1;
    if (*update && (ddbexpr_update_check_keys(*update, w->t.hash_name,
                                              w->t.range_type ? w->t.range_name : NULL,
                                              err) < 0 ||
                    ddb__expr_check_key_paths(&w->t, &w->ix, *update, err) < 0))
        return -1;
    return write_request_parsed(w, err);
}

static json_t *update_attributes(enum return_values rv, const struct ddbexpr *update,
                                 const json_t *old, const json_t *new_item)
{
    switch (rv) {
    case RV_ALL_OLD: return old ? json_incref((json_t *)old) : NULL;
    case RV_ALL_NEW: return json_incref((json_t *)new_item);
    case RV_UPDATED_OLD: return old && update ? ddbexpr_update_project(update, old) : NULL;
    case RV_UPDATED_NEW: return update ? ddbexpr_update_project(update, new_item) : NULL;
    default: return NULL;
    }
}

/* The stored item an update starts from, and what the update makes of it. */
struct update_outcome {
    json_t *old, *new_item;
    size_t size;
};

static void outcome_free(struct update_outcome *o)
{
    json_decref(o->old);
    json_decref(o->new_item);
    memset(o, 0, sizeof *o);
}

/* Reads the current item (inside the write transaction), checks the condition and applies the
 * update. 0, or -1 with *err raised (the condition's or update's error, or storage's). */
static int outcome_compute(const struct write_request *w, const struct ddbexpr *update,
                           const json_t *key, const struct ddb_key *k, struct update_outcome *o,
                           struct awserr *err)
{
    if (ddb__item_read(w->db, &w->t, k, &o->old, err) < 0 || condition_check(w, o->old, err) < 0)
        return -1;
    /* The update starts from the current item, or just the key. It changes the current item
     * in place unless ReturnValues needs the old one (storage reads the old row itself for
     * the stream record). */
    json_t *item;
    if (!o->old)
        item = json_deep_copy(key);
    else if (w->rv == RV_ALL_OLD || w->rv == RV_UPDATED_OLD)
        item = json_deep_copy(o->old);
    else
        item = o->old, o->old = NULL;
    o->new_item = item;
    if (update && ddbexpr_update_apply(update, item, err) < 0)
        return -1;
    o->size = ddbval_item_size(item);
    if (o->size > DDBVAL_MAX_ITEM_SIZE)
        return awserr_raise(err, DDB_VALIDATION,
                            "Item size to update has exceeded the maximum allowed size");
    return 0;
}

static int update_item_write(struct req *req, void *state, json_t **out, struct awserr *err)
{
    (void)req;
    struct item_write *u = state;
    struct write_request *w = &u->w;
    struct update_outcome o = {0};
    int ret = -1;
    if (item_write_begin(u, err) < 0)
        return -1;
    if (outcome_compute(w, u->update, u->subject, &u->k, &o, err) < 0 ||
        ddb__item_store(w->db, &w->t, &w->ix, &u->k, o.new_item, o.size, NULL, err) < 0) {
        db_write_rollback(w->db);
        goto out;
    }
    if (write_commit(w->db, err) < 0)
        goto out;
    *out = write_reply(w, update_attributes(w->rv, u->update, o.old, o.new_item),
                       write_units(o.size), u->subject);
    ret = 0;
out:
    outcome_free(&o);
    return ret;
}

int ddb_update_item(struct req *req, json_t *in, json_t **out, struct awserr *err)
{
    (void)out;
    struct item_write *u = item_write_open(req, in, "Key", "key", true, err);
    if (!u)
        return -1;
    if (parse_update(in, &u->w, &u->update, err) < 0 ||
        ddb__key_from_param(&u->w.t, u->subject, &u->k, err) < 0) {
        item_write_free(u);
        return -1;
    }
    route_json_then(req, update_item_write, u, item_write_free);
    return 0;
}

/* ---- GetItem ---- */

static const char *const projection_members[] = {"ProjectionExpression", NULL};
static const char *const projection_legacy[] = {"AttributesToGet", NULL};

/* Writes `{"Item":<text>` (if any), ConsumedCapacity (if asked) and `}` into req->out. */
static void reply_raw_item(struct req *req, const struct buf *item, const char *table,
                           double units, enum ddb_capacity mode)
{
    struct buf *o = &req->out;
    buf_reset(o);
    buf_addc(o, '{');
    if (item->len) {
        buf_adds(o, "\"Item\":");
        buf_add(o, item->data, item->len);
    }
    if (units > 0) {
        json_t *cap = ddb__capacity(table, units, mode);
        char *text = json_dumps(cap, JSON_COMPACT);
        buf_addf(o, "%s\"ConsumedCapacity\":%s", item->len ? "," : "", text);
        free(text);
        json_decref(cap);
    }
    buf_addc(o, '}');
}

/* Parses ProjectionExpression or AttributesToGet into *projection (NULL when neither). */
static int parse_projection(json_t *in, struct ddbexpr_ctx *ctx, struct ddbexpr **projection,
                            struct awserr *err)
{
    json_t *legacy;
    if (ddb__expr_parse_member(in, "ProjectionExpression", DDBEXPR_PROJECTION, ctx, projection,
                               err) < 0 ||
        ddb__member_array(in, "AttributesToGet", &legacy, err) < 0)
        return -1;
    if (legacy && ddbexpr_legacy_attributes_to_get(legacy, projection, err) < 0)
        return -1;
    return 0;
}

int ddb_get_item(struct req *req, json_t *in, json_t **out, struct awserr *err)
{
    struct st_table t = {0};
    struct db *db;
    struct ddbexpr_ctx ctx = {0};
    struct ddbexpr *projection = NULL;
    enum ddb_capacity capacity;
    bool have_consistent, consistent = false, ctx_open = false;
    struct ddb_key k = DDB_KEY_INIT;
    struct buf item = BUF_INIT;
    json_t *key;
    int ret = -1;
    if (ddb__return_capacity(in, &capacity, err) < 0 ||
        ddb__member_bool(in, "ConsistentRead", &have_consistent, &consistent, err) < 0 ||
        required_object(in, "Key", "key", &key, err) < 0)
        goto out;
    if (ddb__expr_begin(in, projection_members, projection_legacy, &ctx, err) < 0)
        goto out;
    ctx_open = true;
    if (parse_projection(in, &ctx, &projection, err) < 0)
        goto out;
    ctx_open = false;
    if (ddbexpr_ctx_finish(&ctx, err) < 0 || ddb__db(&db, err) < 0 ||
        ddb__table_load(req, in, db, &t, false, "Requested resource not found", err) < 0 ||
        ddb__key_from_param(&t, key, &k, err) < 0 ||
        ddb__expr_check_key_paths(&t, NULL, projection, err) < 0)
        goto out;
    struct st_item_key sk = {k.pk.data, k.pk.len, k.sk.data, k.sk.len};
    int64_t size = 0;
    if (st_items_get(db, t.id, &sk, &item, &size) < 0) {
        awserr_raise(err, DDB_INTERNAL, "Internal server error");
        goto out;
    }
    /* Reads cost 4 KB units, halved for eventually consistent reads. */
    double units = capacity != DDB_CAPACITY_NONE ? fmax(1.0, ceil((double)size / 4096.0)) * (consistent ? 1.0 : 0.5)
                            : 0;
    if (projection && item.len) {
        json_t *full = ddb__item_parse(item.data, item.len);
        json_t *part = ddbexpr_project(projection, full);
        buf_reset(&item);
        awsjson_write(&item, part, JSON_COMPACT);
        json_decref(part);
        json_decref(full);
    }
    reply_raw_item(req, &item, t.name, units, capacity);
    ret = 0;
out:
    if (ctx_open)
        ddbexpr_ctx_finish(&ctx, NULL);
    ddbexpr_free(projection);
    st_table_free(&t);
    ddb__key_free(&k);
    buf_free(&item);
    (void)out;
    return ret;
}
