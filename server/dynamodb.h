/* server/dynamodb.h — the DynamoDB API surface (DynamoDB_20120810.*): its operation table for
 * route.c, and the helpers its operation files share (dynamodb_table.c, dynamodb_item.c).
 * Threads: any HTTP worker thread.
 * Errors: every helper that can fail on client input takes struct awserr *err last and raises
 *   DynamoDB's own error (dynamodb_err.h) with DynamoDB's wording. */
#ifndef AWSEMU_DYNAMODB_H
#define AWSEMU_DYNAMODB_H

#include <jansson.h>
#include <stdbool.h>

#include "server/buf.h"
#include "server/dynamodb_expr.h"
#include "server/req.h"
#include "server/route.h"
#include "storage/db.h"
#include "storage/tables.h"

extern const struct route_json_op ddb_operations[];
extern const size_t ddb_operations_count;
/* A stored item's text as a json_t (new reference), through the fast request parser; NULL if
 * the text is not a JSON object, which storage never holds. */
json_t *ddb__item_parse(const char *text, size_t len);

/* Collects coral-style constraint violations so that several are reported together:
 * "2 validation errors detected: Value ... ; Value ...". */
struct ddb_violations {
    int count;
    struct buf text;
};

void ddb__violation_add(struct ddb_violations *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Raises the collected violations (if any) as one ValidationException; frees them. Returns 0
 * when there were none, -1 with *err raised otherwise. */
int ddb__violations_raise(struct ddb_violations *v, struct awserr *err);

/* Typed member access. A member of the wrong JSON type raises SerializationException; a
 * missing member leaves *out NULL (or the default) and returns 0. */
int ddb__member_string(const json_t *in, const char *name, const char **out, struct awserr *err);
int ddb__member_object(const json_t *in, const char *name, json_t **out, struct awserr *err);
int ddb__member_array(const json_t *in, const char *name, json_t **out, struct awserr *err);
int ddb__member_int(const json_t *in, const char *name, bool *present, long long *out,
                    struct awserr *err);
int ddb__member_bool(const json_t *in, const char *name, bool *present, bool *out,
                     struct awserr *err);

/* Reads and checks TableName (a name or a table ARN) into name (capacity ST_NAME_MAX).
 * wire is the member name used in messages ("tableName"). */
int ddb__table_name(const json_t *in, char name[ST_NAME_MAX], struct awserr *err);

/* The calling thread's storage connection, or -1 with an internal error raised. */
int ddb__db(struct db **db, struct awserr *err);

/* Loads the table named by the request's TableName in the caller's account and region, or
 * raises ResourceNotFoundException with `missing_message`. with_spec as in st_tables_get. */
int ddb__table_load(struct req *req, const json_t *in, struct db *db, struct st_table *t,
                    bool with_spec, const char *missing_message, struct awserr *err);

/* The table's ARN, built from the request's account and region. */
void ddb__table_arn(const struct req *req, const char *name, struct buf *out);

/* Current time in epoch seconds with milliseconds (wire timestamps). */
double ddb__now(void);

/* ---- keys, indexes and stored items (dynamodb_item.c) ---- */

/* The encoded primary key of an item. */
struct ddb_key {
    struct buf pk, sk;
};
#define DDB_KEY_INIT {BUF_INIT, BUF_INIT}
void ddb__key_free(struct ddb_key *k);

/* Key attributes of a whole item: present, of the declared type, non-empty, within size. */
int ddb__key_from_item(const struct st_table *t, const json_t *item, struct ddb_key *k,
                       struct awserr *err);
/* A Key parameter: exactly the key attributes, of the declared types ("The provided key
 * element does not match the schema"); values are checked with ddbval_value_check. */
int ddb__key_from_param(const struct st_table *t, json_t *key, struct ddb_key *k,
                        struct awserr *err);
/* The key attributes of item (table key, plus an index's key when ix is given), as a new
 * object: LastEvaluatedKey and BatchGet bookkeeping. */
struct ddb_index;
json_t *ddb__key_attributes(const struct st_table *t, const struct ddb_index *ix,
                            const json_t *item);

enum ddb_projection { DDB_PROJECT_ALL, DDB_PROJECT_KEYS_ONLY, DDB_PROJECT_INCLUDE };

struct ddb_index {
    const char *name;
    bool local;
    const char *hash, *range; /* range NULL when the index has no sort key */
    char hash_type, range_type;
    enum ddb_projection projection;
    json_t *non_key; /* INCLUDE's NonKeyAttributes (borrowed from the parsed document) */
};

struct ddb_indexes {
    json_t *doc; /* the parsed st_table.indexes text; owns everything the entries borrow */
    size_t n;
    struct ddb_index list[25];
};

/* Parses a table's index definitions (t->indexes may be NULL: no indexes). 0 or -1. */
int ddb__indexes_load(const struct st_table *t, struct ddb_indexes *ix, struct awserr *err);
void ddb__indexes_free(struct ddb_indexes *ix);
const struct ddb_index *ddb__index_find(const struct ddb_indexes *ix, const char *name);
/* Builds the stored index definitions (JSON text, or NULL when there are none) from
 * CreateTable's checked input. Caller frees. */
char *ddb__indexes_text(json_t *defs, json_t *gsi, json_t *lsi);

/* Reads the current item of key k, parsed; *item NULL when absent. 0 or -1. */
int ddb__item_read(struct db *db, const struct st_table *t, const struct ddb_key *k,
                   json_t **item, struct awserr *err);
/* Stores a checked item whose key is k, with its index entries (refusing index key values
 * of the wrong type). old as st_items_put. Runs inside a write transaction. 0 or -1. */
int ddb__item_store(struct db *db, const struct st_table *t, const struct ddb_indexes *ix,
                    const struct ddb_key *k, const json_t *item, size_t size, struct buf *old,
                    struct awserr *err);
/* Deletes the item of key k and its index entries. 1 deleted, 0 absent, -1. */
int ddb__item_remove(struct db *db, const struct st_table *t, const struct ddb_indexes *ix,
                     const struct ddb_key *k, struct awserr *err);

/* ---- expressions of a request (dynamodb.c) ---- */

/* Refuses legacy and expression parameters in one request, and names/values without any
 * expression; then prepares ctx from ExpressionAttributeNames/Values. Call
 * ddbexpr_ctx_finish(ctx, ...) on every path after. */
int ddb__expr_begin(json_t *in, const char *const *expression_members,
                    const char *const *legacy_members, struct ddbexpr_ctx *ctx,
                    struct awserr *err);
/* Parses in[member] as an expression of kind when present (*out NULL when absent). */
int ddb__expr_parse_member(json_t *in, const char *member, enum ddbexpr_kind kind,
                           struct ddbexpr_ctx *ctx, struct ddbexpr **out, struct awserr *err);
/* Refuses an expression (may be NULL) with a path below a key attribute of the table or of
 * one of its indexes (a.b, a[0]): "Key attributes must be scalars; list random access '[]' and
 * map lookup '.' are not allowed: Key: pk" ("IndexKey: g" for an index key). ix may be NULL:
 * the table's indexes are then loaded when needed. 0 or -1. */
int ddb__expr_check_key_paths(const struct st_table *t, const struct ddb_indexes *ix,
                              const struct ddbexpr *e, struct awserr *err);

/* ReturnConsumedCapacity: NONE/absent → DDB_CAPACITY_NONE (0, so it reads as false). */
enum ddb_capacity { DDB_CAPACITY_NONE, DDB_CAPACITY_TOTAL, DDB_CAPACITY_INDEXES };
int ddb__return_capacity(json_t *in, enum ddb_capacity *mode, struct awserr *err);
/* {"TableName": name, "CapacityUnits": units}, plus "Table": {"CapacityUnits": units} for
 * INDEXES. */
json_t *ddb__capacity(const char *table, double units, enum ddb_capacity mode);

#endif
