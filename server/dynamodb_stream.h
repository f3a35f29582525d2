/* server/dynamodb_stream.h — the DynamoDB side of DynamoDB Streams: recording item changes
 * and keeping a table's stream rows in step with its StreamSpecification.
 *
 * Every write path reaches storage through ddb__item_store()/ddb__item_remove()
 * (dynamodb_item.c), which wrap their storage call in a struct ddb_stream_change:
 *   _open   before the write: finds the table's enabled stream; when there is one, the write
 *           must copy the item it replaces or deletes into c->old;
 *   _put / _remove  after it: decides INSERT, MODIFY, REMOVE or nothing (an identical item,
 *           a missing item) and appends the record with the images the view type asks for;
 *   _close  on every path.
 * All of it runs inside the caller's write transaction, so a change and its record commit
 * together or not at all (DESIGN invariant 1).
 * Threads: any HTTP worker thread; ddb__stream_settings_set() from main before they start.
 * Errors: -1 with an internal error raised when storage fails. */
#ifndef AWSEMU_DYNAMODB_STREAM_H
#define AWSEMU_DYNAMODB_STREAM_H

#include <jansson.h>
#include <stdbool.h>

#include "server/awserr.h"
#include "server/buf.h"
#include "server/req.h"
#include "storage/streams.h"
#include "storage/tables.h"

#define DDB_STREAM_RETENTION_DEFAULT (24.0 * 3600.0)
#define DDB_STREAM_ROLLOVER_DEFAULT (4.0 * 3600.0)

/* Record retention and shard lifetime, in seconds (flags --stream-retention and
 * --shard-rollover). */
void ddb__stream_settings_set(double retention, double rollover);
double ddb__stream_retention(void);
double ddb__stream_rollover(void);

struct ddb_stream_change {
    bool active;             /* the table has an enabled stream */
    struct st_stream_active a;
    struct buf *old;         /* where the write copies the replaced item (NULL: not needed) */
    struct buf own_old;
};

/* caller_old is the buffer the caller itself wants the replaced item in (may be NULL). */
int ddb__stream_change_open(struct db *db, const struct st_table *t, struct buf *caller_old,
                            struct ddb_stream_change *c, struct awserr *err);
/* After the item was stored as new_text (item parsed); existed says whether one was
 * replaced (its text is in c->old). */
int ddb__stream_change_put(struct db *db, const struct st_table *t, struct ddb_stream_change *c,
                           int existed, const struct buf *new_text, const json_t *item,
                           struct awserr *err);
/* After a delete; existed says whether an item was deleted (its text is in c->old). */
int ddb__stream_change_remove(struct db *db, const struct st_table *t,
                              struct ddb_stream_change *c, int existed, struct awserr *err);
void ddb__stream_change_close(struct ddb_stream_change *c);

/* The storage commit hook (db_write_commit_hook_set, set by main): after a commit on this
 * thread that appended stream records, the event source mappings are woken (handlers/esm.h).
 * A rolled-back transaction's records only cost one spurious wake-up at the next commit. */
void ddb__stream_committed(void);

/* Makes the table's stream rows match spec (after CreateTable or UpdateTable stored it):
 * a new stream for a new LatestStreamLabel, the old one disabled. Inside the transaction. */
int ddb__stream_sync(struct db *db, const struct req *req, const char *name,
                     const struct st_table *t, const json_t *spec, struct awserr *err);
/* DeleteTable: the table's stream is disabled; its records stay readable until they expire. */
int ddb__stream_table_deleted(struct db *db, int64_t table_id);

/* Rolls a's open shard over for every rollover period that ended by now (inside the write
 * transaction): the open shard closes at created + rollover and each child is created on its
 * boundary; a then names the open child. 0 or -1 (storage failed). */
int ddb__stream_roll_due(struct db *db, struct st_stream_active *a, double now);

/* A new ShardId: "shardId-" + 20-digit milliseconds + "-" + 8 hex digits (37 characters). */
void ddb__stream_shard_id(double now, char out[ST_SHARD_ID_MAX]);

#endif
