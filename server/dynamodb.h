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
#include "server/req.h"
#include "server/route.h"
#include "storage/db.h"
#include "storage/tables.h"

extern const struct route_json_op ddb_operations[];
extern const size_t ddb_operations_count;

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

#endif
