/* storage/streams.h — DynamoDB Streams: streams, their shards and their records.
 *
 * Model: a stream belongs to one enabling of a table's stream (a new stream, with a new ARN,
 *   per enable); it stays readable after it is disabled or its table deleted, until its
 *   records expire. A stream has shards in a lineage: one open shard at a time (end_seq 0),
 *   each child starting right after its parent's EndingSequenceNumber: its last record's
 *   number, or for a shard closed without records its StartingSequenceNumber, which then
 *   stays unused (the range is never inverted). Sequence numbers are
 *   dense within a shard (start_seq, start_seq + 1, ..., last_seq) and kept in the shard row,
 *   so they keep growing after retention removed every record and after a restart.
 * Threads: any thread, with its own connection from db_thread().
 * Transactions: the functions that write (st_streams_create, _disable_table, _shard_roll,
 *   _record_append, _trim) run inside db_write_begin(); st_streams_record_append() is called
 *   in the transaction that changes the item (DESIGN invariant 1).
 * Time: every "now" and "cutoff" is passed in (epoch seconds) — the caller's clock, which
 *   the test clock may have moved; this module never reads the time itself.
 * Ownership: structs are filled by copy; callbacks borrow row strings until they return.
 * Errors: -1 only when SQLite fails (logged); "not found" is a result, not an error. */
#ifndef AWSEMU_STORAGE_STREAMS_H
#define AWSEMU_STORAGE_STREAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/db.h"

#define ST_STREAM_ARN_MAX 1100
#define ST_SHARD_ID_MAX 72

struct st_stream {
    int64_t id;
    char arn[ST_STREAM_ARN_MAX];
    char account[16];
    char region[40];
    char table_name[256];
    int64_t table_id; /* the table's storage id while it exists; ids may be reused later */
    char label[40];
    char view_type[24];
    char key_schema[1200]; /* the table's KeySchema, JSON text */
    bool enabled;
    double created;
    double disabled; /* 0 while enabled */
};

struct st_shard {
    int64_t id; /* storage id */
    int64_t stream_id;
    char shard_id[ST_SHARD_ID_MAX];
    char parent[ST_SHARD_ID_MAX]; /* "" for a stream's first shard */
    double created;
    double closed;     /* 0 while open */
    int64_t start_seq;
    int64_t last_seq;  /* start_seq - 1 while the shard has no record */
    int64_t end_seq;   /* 0 while open; once closed last_seq, or start_seq if it had none */
};

/* Where a change of a table with an enabled stream is recorded. */
struct st_stream_active {
    int64_t stream_id;
    char view_type[24];
    struct st_shard shard; /* the open shard */
};

/* One record as written (the images are JSON texts; NULL when the view type omits them). */
struct st_stream_record {
    int64_t seq; /* set by st_streams_record_append; read back by the record walk */
    const char *event; /* "INSERT", "MODIFY" or "REMOVE" */
    double created;
    const char *keys, *new_image, *old_image;
    int64_t size;
};

/* Creates stream s (s->id set) and its first, open shard shard_id at time s->created. Its
 * sequence numbers start after every number used so far, so they never repeat. 0 or -1. */
int st_streams_create(struct db *db, struct st_stream *s, const char *shard_id);

/* Disables the table's enabled stream, if any, closing its open shard at now. 0 or -1. */
int st_streams_disable_table(struct db *db, int64_t table_id, double now);

/* The table's enabled stream and open shard: 1 found, 0 none, -1. */
int st_streams_active(struct db *db, int64_t table_id, struct st_stream_active *a);

/* Closes a's open shard at now and opens its child new_shard_id, created at now; a then
 * names the child. */
int st_streams_shard_roll(struct db *db, struct st_stream_active *a, double now,
                          const char *new_shard_id);

/* Fills table_ids with up to cap tables whose enabled stream's open shard was created at or
 * before created_before (due to roll over). Returns the count, or -1. */
int st_streams_due(struct db *db, double created_before, int64_t *table_ids, int cap);

/* Appends r to a's open shard with the next sequence number (r->seq, a->shard.last_seq
 * updated). 0 or -1. */
int st_streams_record_append(struct db *db, struct st_stream_active *a,
                             struct st_stream_record *r);

/* Looks a stream up by ARN: 1 found, 0 absent, -1. */
int st_streams_get(struct db *db, const char *arn, struct st_stream *out);

/* Calls fn for up to limit streams of account/region (of one table when table_name is not
 * NULL) whose id is greater than after_id, in creation order. Returns the count, or -1. */
typedef void (*st_stream_cb)(const struct st_stream *s, void *arg);
int st_streams_list(struct db *db, const char *account, const char *region,
                    const char *table_name, int64_t after_id, int limit, st_stream_cb fn,
                    void *arg);

/* Calls fn for every shard of a stream in creation order. Returns the count, or -1. */
typedef void (*st_shard_cb)(const struct st_shard *s, void *arg);
int st_streams_shards(struct db *db, int64_t stream_id, st_shard_cb fn, void *arg);

/* Looks a shard of a stream up by its ShardId: 1 found, 0 absent, -1. */
int st_streams_shard_get(struct db *db, int64_t stream_id, const char *shard_id,
                         struct st_shard *out);

/* The sequence number of the shard's oldest record created at or after cutoff: 1 found
 * (*seq set), 0 when there is none, -1. */
int st_streams_oldest(struct db *db, int64_t shard, double cutoff, int64_t *seq);

/* Calls fn for up to limit records of a shard with seq >= from and created >= cutoff, in
 * sequence order, while it returns 1 (0 stops). Returns the count visited, or -1. */
typedef int (*st_record_cb)(const struct st_stream_record *r, void *arg);
int st_streams_records(struct db *db, int64_t shard, int64_t from, double cutoff, int limit,
                       st_record_cb fn, void *arg);

/* Deletes up to batch records created before cutoff. Returns how many, or -1. */
int st_streams_trim(struct db *db, double cutoff, int batch);

/* Counts every stored record (tests and introspection). 0 or -1. */
int st_streams_count(struct db *db, int64_t *n);

/* Verifies invariant 2's storage side: each record lies within its shard's sequence range
 * and in creation-time order; one open shard per enabled stream, none per disabled one; at
 * most one enabled stream per table. Appends one line per violation; 0 ok, 1 violated, -1. */
struct buf;
int st_streams_check(struct db *db, struct buf *problems);

#endif
