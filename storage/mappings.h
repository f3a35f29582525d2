/* storage/mappings.h — Lambda event source mappings (DynamoDB stream → function) and the
 * per-shard checkpoints their delivery worker keeps.
 *
 * Model: a mapping belongs to an account and region, names its function by name (the
 *   function is $LATEST: awsemu has no versions) and its source by stream ARN; at most one
 *   mapping per (account, region, function, stream). Its settings (BatchSize, FilterCriteria,
 *   DestinationConfig, ...) are one JSON text owned by server/lambda_esm.c; this module never
 *   looks inside it. `state` is the settled state ("Enabled" or "Disabled"), `enabled` the
 *   flag the worker obeys, `last_result` the LastProcessingResult the worker reports.
 *   A checkpoint is (mapping, ShardId) → the sequence number of the last record delivered
 *   (or skipped) in that shard; no row means nothing delivered yet, and the worker starts
 *   where StartingPosition says. Deleting a mapping deletes its checkpoints.
 * Threads: any thread, with its own connection from db_thread().
 * Transactions: the functions that write (_create, _update, _delete, _delete_function,
 *   _result_set, _checkpoint_set) run inside db_write_begin(); a caller that checks (the
 *   function exists, no duplicate) and then writes does both in one transaction.
 * Ownership: st_mapping_free() releases the config text _get()/_find() copied out; list
 *   callbacks borrow the row for the call. Nothing points into SQLite memory.
 * Errors: -1 only when SQLite fails (logged); "not found" and "exists" are results. */
#ifndef AWSEMU_STORAGE_MAPPINGS_H
#define AWSEMU_STORAGE_MAPPINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "storage/db.h"
#include "storage/streams.h"

#define ST_MAPPING_UUID_LEN 36
#define ST_MAPPING_FUNCTION_MAX 64
#define ST_MAPPING_STATE_MAX 16
#define ST_MAPPING_RESULT_MAX 128

struct st_mapping {
    int64_t id; /* storage id: creation order, the List marker */
    char uuid[ST_MAPPING_UUID_LEN + 1];
    char account[16];
    char region[40];
    char function[ST_MAPPING_FUNCTION_MAX + 1];
    char stream_arn[ST_STREAM_ARN_MAX];
    char *config; /* settings, JSON text (server/lambda_esm.c's) */
    char state[ST_MAPPING_STATE_MAX]; /* "Enabled" or "Disabled" */
    bool enabled;
    double created, last_modified; /* epoch seconds */
    char last_result[ST_MAPPING_RESULT_MAX]; /* LastProcessingResult */
};

void st_mapping_free(struct st_mapping *m);

/* Inserts m (every field but id, which is set). Returns 1 created, 0 when the uuid or the
 * (account, region, function, stream) pair is taken, -1 on failure. */
int st_mappings_create(struct db *db, struct st_mapping *m);

/* Looks a mapping up by UUID in account/region: 1 found (out filled), 0 absent, -1. */
int st_mappings_get(struct db *db, const char *account, const char *region, const char *uuid,
                    struct st_mapping *out);

/* The mapping of function to stream_arn in account/region: 1 found, 0 absent, -1. */
int st_mappings_find(struct db *db, const char *account, const char *region,
                     const char *function, const char *stream_arn, struct st_mapping *out);

/* Rewrites m->id's function, config, state, enabled and last_modified. 0 or -1. */
int st_mappings_update(struct db *db, const struct st_mapping *m);

/* Deletes mapping id and its checkpoints. 0 or -1. */
int st_mappings_delete(struct db *db, int64_t id);

/* Deletes every mapping of a function (and their checkpoints): DeleteFunction. 0 or -1. */
int st_mappings_delete_function(struct db *db, const char *account, const char *region,
                                const char *function);

/* Calls fn for up to limit mappings of account/region with id > after_id, in creation
 * order, keeping those of function and of stream_arn when these are not NULL; m is borrowed
 * for the call. Returns the number visited, or -1. */
typedef void (*st_mapping_cb)(const struct st_mapping *m, void *arg);
int st_mappings_list(struct db *db, const char *account, const char *region,
                     const char *function, const char *stream_arn, int64_t after_id, int limit,
                     st_mapping_cb fn, void *arg);

/* Like st_mappings_list() over every account and region: the delivery worker. */
int st_mappings_all(struct db *db, int64_t after_id, int limit, st_mapping_cb fn, void *arg);

/* Sets mapping id's LastProcessingResult (the delivery worker). 0 or -1. */
int st_mappings_result_set(struct db *db, int64_t id, const char *result);

/* The last sequence number delivered in a shard: 1 found (*seq set), 0 none yet, -1. */
int st_mappings_checkpoint_get(struct db *db, int64_t id, const char *shard_id, int64_t *seq);

/* Records seq as the last sequence number delivered in a shard, at now. 0 or -1. */
int st_mappings_checkpoint_set(struct db *db, int64_t id, const char *shard_id, int64_t seq,
                               double now);

/* A batch a mapping gave up on (retries exhausted, records too old): kept here whether or not
 * the mapping has an OnFailure destination (awsemu has no SQS/SNS to send it to), with the
 * metadata Lambda would send there (info, JSON text). Rows outlive their mapping. */
struct st_esm_failure {
    int64_t id;              /* set by _failure_add; the listing marker */
    const char *mapping_uuid;
    const char *function;
    const char *destination; /* OnFailure destination ARN, or NULL */
    const char *condition;   /* "RetryAttemptsExhausted", "RecordAgeExceeded" */
    double created;          /* epoch seconds */
    const char *info;        /* the OnFailure record, JSON text */
};

/* Stores f (inside db_write_begin(); f->id set). 0 or -1. */
int st_mappings_failure_add(struct db *db, struct st_esm_failure *f);

/* Calls fn for up to limit failures with id > after_id, oldest first, only mapping_uuid's
 * when it is not NULL; f and its strings are borrowed for the call. Returns the count, -1. */
typedef void (*st_esm_failure_cb)(const struct st_esm_failure *f, void *arg);
int st_mappings_failures(struct db *db, const char *mapping_uuid, int64_t after_id, int limit,
                         st_esm_failure_cb fn, void *arg);

#endif
