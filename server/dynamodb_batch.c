/* server/dynamodb_batch.c — BatchGetItem and BatchWriteItem.
 *
 * Every request of a batch is validated before anything is read or written (DynamoDB
 * rejects a batch with one bad request as a whole). A BatchWriteItem then runs in one write
 * transaction, so here it is all-or-nothing and UnprocessedItems is always empty. A
 * BatchGetItem stops adding items once the reply reaches 16 MB and returns the remaining
 * keys as UnprocessedKeys, as DynamoDB does. */
#include "server/dynamodb_batch.h"

#include <math.h>
#include <string.h>

#include "server/dynamodb.h"
#include "server/dynamodb_err.h"
#include "server/dynamodb_stream.h"
#include "server/dynamodb_expr.h"
#include "server/dynamodb_value.h"
#include "storage/items.h"

#define BATCH_GET_MAX_KEYS 100
#define BATCH_WRITE_MAX 25
#define BATCH_GET_MAX_BYTES (16 * 1024 * 1024)

static int request_items(json_t *in, json_t **items, struct awserr *err)
{
    if (ddb__member_object(in, "RequestItems", items, err) < 0)
        return -1;
    if (!*items)
        return awserr_raise(err, DDB_VALIDATION, "1 validation error detected: Value null at "
                                                 "'requestItems' failed to satisfy constraint: "
                                                 "Member must not be null");
    if (json_object_size(*items) == 0)
        return awserr_raise(err, DDB_VALIDATION,
                            "1 validation error detected: Value '{}' at 'requestItems' failed to "
                            "satisfy constraint: Member must have length greater than or equal "
                            "to 1");
    return 0;
}

/* What both batch operations read first: RequestItems, ReturnConsumedCapacity, storage. */
static int batch_open(json_t *in, json_t **items, enum ddb_capacity *capacity, struct db **db,
                      struct awserr *err)
{
    if (request_items(in, items, err) < 0 || ddb__return_capacity(in, capacity, err) < 0)
        return -1;
    return ddb__db(db, err);
}

/* Remembers encoded keys per table to refuse duplicates within one batch. */
static int note_key(json_t *seen, const struct ddb_key *k, struct awserr *err)
{
    struct buf id = BUF_INIT;
    buf_addf(&id, "%zu:", k->pk.len);
    /* base16 keeps arbitrary key bytes usable as a JSON object key */
    for (size_t i = 0; i < k->pk.len; i++)
        buf_addf(&id, "%02x", (unsigned char)k->pk.data[i]);
    buf_addc(&id, '/');
    for (size_t i = 0; i < k->sk.len; i++)
        buf_addf(&id, "%02x", (unsigned char)k->sk.data[i]);
    int dup = json_object_get(seen, id.data) != NULL;
    json_object_set_new(seen, id.data, json_true());
    buf_free(&id);
    return dup ? awserr_raise(err, DDB_VALIDATION,
                              "Provided list of item keys contains duplicates")
               : 0;
}

/* ---- BatchGetItem ---- */

struct get_table {
    const char *name;
    json_t *spec; /* the request's entry for this table, borrowed */
    struct st_table t;
    struct ddbexpr_ctx ctx;
    bool ctx_open;
    struct ddbexpr *projection;
    bool consistent;
    struct ddb_key *keys;
    size_t n_keys;
};

static const char *const get_exprs[] = {"ProjectionExpression", NULL};
static const char *const get_legacy[] = {"AttributesToGet", NULL};

static int get_table_open(struct req *req, struct db *db, const char *name, json_t *spec,
                          struct get_table *g, struct awserr *err)
{
    json_t *keys, *legacy, *name_obj = json_pack("{s:s}", "TableName", name);
    bool have;
    g->name = name;
    g->spec = spec;
    int rc = ddb__table_load(req, name_obj, db, &g->t, false, "Requested resource not found",
                             err);
    json_decref(name_obj);
    if (rc < 0 || !json_is_object(spec))
        return rc < 0 ? -1 : awserr_raise(err, DDB_SERIALIZATION, "Unexpected field type");
    if (ddb__member_array(spec, "Keys", &keys, err) < 0 ||
        ddb__member_bool(spec, "ConsistentRead", &have, &g->consistent, err) < 0 ||
        ddb__member_array(spec, "AttributesToGet", &legacy, err) < 0)
        return -1;
    if (!keys || json_array_size(keys) == 0)
        return awserr_raise(err, DDB_VALIDATION,
                            "1 validation error detected: Value null at "
                            "'requestItems.%s.member.keys' failed to satisfy constraint: Member "
                            "must not be null", name);
    if (ddb__expr_begin(spec, get_exprs, get_legacy, &g->ctx, err) < 0)
        return -1;
    g->ctx_open = true;
    if (ddb__expr_parse_member(spec, "ProjectionExpression", DDBEXPR_PROJECTION, &g->ctx,
                               &g->projection, err) < 0 ||
        (legacy && ddbexpr_legacy_attributes_to_get(legacy, &g->projection, err) < 0))
        return -1;
    g->ctx_open = false;
    return ddbexpr_ctx_finish(&g->ctx, err);
}

static int get_table_keys(struct get_table *g, size_t *total, struct awserr *err)
{
    json_t *keys = json_object_get(g->spec, "Keys"), *seen = json_object(), *key;
    size_t i;
    int ret = 0;
    *total += json_array_size(keys);
    if (*total > BATCH_GET_MAX_KEYS) {
        json_decref(seen);
        return awserr_raise(err, DDB_VALIDATION,
                            "Too many items requested for the BatchGetItem call");
    }
    g->keys = xcalloc(json_array_size(keys), sizeof *g->keys);
    json_array_foreach(keys, i, key)
    {
        g->n_keys++;
        if (!json_is_object(key) || ddb__key_from_param(&g->t, key, &g->keys[i], err) < 0 ||
            note_key(seen, &g->keys[i], err) < 0) {
            if (!awserr_is_set(err))
                awserr_raise(err, DDB_SERIALIZATION, "Unexpected field type");
            ret = -1;
            break;
        }
    }
    json_decref(seen);
    return ret;
}

static void get_table_close(struct get_table *g)
{
    if (g->ctx_open)
        ddbexpr_ctx_finish(&g->ctx, NULL);
    ddbexpr_free(g->projection);
    for (size_t i = 0; i < g->n_keys; i++)
        ddb__key_free(&g->keys[i]);
    free(g->keys);
    st_table_free(&g->t);
}

/* Reads one table's keys into responses[name]; past the size budget, keys go unprocessed. */
static int get_table_read(struct db *db, struct get_table *g, json_t *responses,
                          json_t *unprocessed, size_t *bytes, double *units, struct awserr *err)
{
    json_t *found = json_array(), *left = json_array();
    json_t *keys = json_object_get(g->spec, "Keys");
    for (size_t i = 0; i < g->n_keys; i++) {
        json_t *item = NULL;
        if (*bytes >= BATCH_GET_MAX_BYTES) {
            json_array_append(left, json_array_get(keys, i));
            continue;
        }
        if (ddb__item_read(db, &g->t, &g->keys[i], &item, err) < 0) {
            json_decref(found), json_decref(left);
            return -1;
        }
        if (!item)
            continue;
        size_t size = ddbval_item_size(item);
        if (*bytes + size > BATCH_GET_MAX_BYTES) { /* this one and the rest wait */
            json_decref(item);
            json_array_append(left, json_array_get(keys, i));
            *bytes = BATCH_GET_MAX_BYTES;
            continue;
        }
        *bytes += size;
        *units += fmax(1.0, ceil((double)size / 4096.0)) * (g->consistent ? 1.0 : 0.5);
        json_array_append_new(found, g->projection ? ddbexpr_project(g->projection, item)
                                                   : json_incref(item));
        json_decref(item);
    }
    json_object_set_new(responses, g->name, found);
    if (json_array_size(left)) {
        json_t *rest = json_deep_copy(g->spec);
        json_object_set_new(rest, "Keys", left);
        json_object_set_new(unprocessed, g->name, rest);
    } else {
        json_decref(left);
    }
    return 0;
}

int ddb_batch_get_item(struct req *req, json_t *in, json_t **out, struct awserr *err)
{
    json_t *items;
    struct db *db;
    enum ddb_capacity capacity;
    if (batch_open(in, &items, &capacity, &db, err) < 0)
        return -1;
    size_t n = json_object_size(items), i = 0, total = 0, bytes = 0;
    struct get_table *tables = xcalloc(n, sizeof *tables);
    json_t *responses = json_object(), *unprocessed = json_object(), *caps = json_array();
    const char *name;
    json_t *spec;
    int ret = 0;
    json_object_foreach(items, name, spec)
    {
        if (get_table_open(req, db, name, spec, &tables[i++], err) < 0 ||
            get_table_keys(&tables[i - 1], &total, err) < 0) {
            ret = -1;
            break;
        }
    }
    for (size_t t = 0; ret == 0 && t < n; t++) {
        double units = 0;
        ret = get_table_read(db, &tables[t], responses, unprocessed, &bytes, &units, err);
        json_array_append_new(caps, ddb__capacity(tables[t].name, units, capacity));
    }
    for (size_t t = 0; t < i; t++)
        get_table_close(&tables[t]);
    free(tables);
    if (ret == 0) {
        *out = json_pack("{s:o, s:o}", "Responses", responses, "UnprocessedKeys", unprocessed);
        if (capacity)
            json_object_set(*out, "ConsumedCapacity", caps);
    } else {
        json_decref(responses);
        json_decref(unprocessed);
    }
    json_decref(caps);
    return ret;
}

/* ---- BatchWriteItem ---- */

struct write_op {
    struct st_table *t; /* the table's entry in the tables array */
    struct ddb_indexes *ix;
    json_t *item; /* a put's checked item; NULL for a delete */
    struct ddb_key key;
};

struct write_table {
    struct st_table t;
    struct ddb_indexes ix;
    json_t *seen;
};

static int write_op_parse(json_t *request, struct write_table *wt, struct write_op *op,
                          struct awserr *err)
{
    json_t *put = json_object_get(request, "PutRequest");
    json_t *del = json_object_get(request, "DeleteRequest");
    op->t = &wt->t;
    op->ix = &wt->ix;
    if (!json_is_object(request) || (put && del) || (!put && !del))
        return awserr_raise(err, DDB_VALIDATION,
                            "Supplied AttributeValue has more than one datatypes set, must "
                            "contain exactly one of the supported datatypes");
    if (put) {
        json_t *item = json_object_get(put, "Item");
        if (!json_is_object(item))
            return awserr_raise(err, DDB_VALIDATION, "1 validation error detected: Value null "
                                                     "at 'item' failed to satisfy constraint: "
                                                     "Member must not be null");
        if (ddbval_item_check(item, err) < 0 || ddb__key_from_item(&wt->t, item, &op->key, err) < 0)
            return -1;
        op->item = item;
    } else {
        json_t *key = json_object_get(del, "Key");
        if (!json_is_object(key))
            return awserr_raise(err, DDB_VALIDATION, "1 validation error detected: Value null "
                                                     "at 'key' failed to satisfy constraint: "
                                                     "Member must not be null");
        if (ddb__key_from_param(&wt->t, key, &op->key, err) < 0)
            return -1;
    }
    return note_key(wt->seen, &op->key, err);
}

static size_t count_requests(json_t *items)
{
    size_t total = 0;
    const char *name;
    json_t *list;
    json_object_foreach(items, name, list) total += json_array_size(list);
    return total;
}

static int write_tables_open(struct req *req, struct db *db, json_t *items,
                             struct write_table *tables, struct write_op *ops, size_t *n_ops,
                             struct awserr *err)
{
    const char *name;
    json_t *list;
    size_t t = 0;
    json_object_foreach(items, name, list)
    {
        struct write_table *wt = &tables[t++];
        json_t *name_obj = json_pack("{s:s}", "TableName", name);
        int rc = ddb__table_load(req, name_obj, db, &wt->t, false, "Requested resource not found",
                                 err);
        json_decref(name_obj);
        wt->seen = json_object();
        if (rc < 0 || ddb__indexes_load(&wt->t, &wt->ix, err) < 0)
            return -1;
        if (!json_is_array(list) || json_array_size(list) == 0)
            return awserr_raise(err, DDB_VALIDATION,
                                "1 validation error detected: Value '[]' at 'requestItems' failed "
                                "to satisfy constraint: Map value must satisfy constraint: "
                                "[Member must have length less than or equal to 25, Member must "
                                "have length greater than or equal to 1]");
        size_t i;
        json_t *request;
        json_array_foreach(list, i, request)
        {
            if (write_op_parse(request, wt, &ops[(*n_ops)++], err) < 0)
                return -1;
        }
    }
    return 0;
}

static int write_ops_apply(struct db *db, struct write_op *ops, size_t n, struct awserr *err)
{
    if (db_write_begin(db) < 0)
        return awserr_raise(err, DDB_INTERNAL, "Internal server error");
    for (size_t i = 0; i < n; i++) {
        struct write_op *op = &ops[i];
        int rc = op->item ? ddb__item_store(db, op->t, op->ix, &op->key, op->item,
                                            ddbval_item_size(op->item), NULL, err)
                          : ddb__item_remove(db, op->t, op->ix, &op->key, err);
        if (rc < 0) {
            db_write_rollback(db);
            return -1;
        }
    }
    if (db_write_commit(db) < 0)
        return awserr_raise(err, DDB_INTERNAL, "Internal server error");
    return 0;
}

/* A BatchWriteItem between its two phases (route_json_then): parsed and checked on the worker
 * that received it, written where the writes run. */
struct batch_write {
    json_t *in; /* the request: the ops' items point into it */
    enum ddb_capacity capacity;
    struct write_table *tables;
    size_t n_tables;
    struct write_op *ops;
    size_t n_ops;
};

static void batch_write_free(void *state)
{
    struct batch_write *b = state;
    for (size_t i = 0; i < b->n_ops; i++)
        ddb__key_free(&b->ops[i].key);
    for (size_t t = 0; t < b->n_tables; t++) {
        json_decref(b->tables[t].seen);
        ddb__indexes_free(&b->tables[t].ix);
        st_table_free(&b->tables[t].t);
    }
    free(b->ops);
    free(b->tables);
    json_decref(b->in);
    free(b);
}

static int batch_write_apply(struct req *req, void *state, json_t **out, struct awserr *err)
{
    (void)req;
    struct batch_write *b = state;
    struct db *db;
    /* This thread's connection: maybe not the worker that parsed. */
    if (ddb__db(&db, err) < 0 || write_ops_apply(db, b->ops, b->n_ops, err) < 0)
        return -1;
    *out = json_pack("{s:{}}", "UnprocessedItems");
    if (b->capacity) {
        json_t *caps = json_array();
        for (size_t t = 0; t < b->n_tables; t++) {
            double units = 0;
            for (size_t i = 0; i < b->n_ops; i++)
                if (b->ops[i].t == &b->tables[t].t)
                    units += b->ops[i].item
                                 ? fmax(1.0, ceil(ddbval_item_size(b->ops[i].item) / 1024.0))
                                 : 1.0;
            json_array_append_new(caps, ddb__capacity(b->tables[t].t.name, units, b->capacity));
        }
        json_object_set_new(*out, "ConsumedCapacity", caps);
    }
    return 0;
}

int ddb_batch_write_item(struct req *req, json_t *in, json_t **out, struct awserr *err)
{
    (void)out;
    json_t *items;
    struct db *db;
    enum ddb_capacity capacity;
    if (batch_open(in, &items, &capacity, &db, err) < 0)
        return -1;
    size_t total = count_requests(items);
    if (total > BATCH_WRITE_MAX)
        return awserr_raise(err, DDB_VALIDATION,
                            "Too many items requested for the BatchWriteItem call");
    struct batch_write *b = xcalloc(1, sizeof *b);
    b->in = json_incref(in);
    b->capacity = capacity;
    b->n_tables = json_object_size(items);
    b->tables = xcalloc(b->n_tables, sizeof *b->tables);
    b->ops = xcalloc(total ? total : 1, sizeof *b->ops);
    if (write_tables_open(req, db, items, b->tables, b->ops, &b->n_ops, err) < 0) {
        batch_write_free(b);
        return -1;
    }
    route_json_then(req, batch_write_apply, b, batch_write_free);
    return 0;
}
