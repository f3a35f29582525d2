/* storage/streams.c — DynamoDB Streams storage; see streams.h.
 *
 * Three tables: ddb_streams (one row per enabling), ddb_stream_shards (lineage, with the last
 * sequence number used so numbers survive trimming and restarts) and ddb_stream_records,
 * keyed by (shard, seq) so a GetRecords page is one index range. Retention deletes through
 * the index on `created`, a bounded batch per call, so the write lock is held briefly. */
#include "storage/streams.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "server/buf.h"

static void copy_text(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    snprintf(dst, cap, "%s", s ? (const char *)s : "");
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* Reads a row in DB_STREAM_COLUMNS order. */
static void stream_from_row(sqlite3_stmt *st, struct st_stream *s)
{
    s->id = sqlite3_column_int64(st, 0);
    copy_text(s->arn, sizeof s->arn, st, 1);
    copy_text(s->account, sizeof s->account, st, 2);
    copy_text(s->region, sizeof s->region, st, 3);
    copy_text(s->table_name, sizeof s->table_name, st, 4);
    s->table_id = sqlite3_column_int64(st, 5);
    copy_text(s->label, sizeof s->label, st, 6);
    copy_text(s->view_type, sizeof s->view_type, st, 7);
    copy_text(s->key_schema, sizeof s->key_schema, st, 8);
    s->enabled = sqlite3_column_int(st, 9) != 0;
    s->created = sqlite3_column_double(st, 10);
    s->disabled = sqlite3_column_double(st, 11);
}

/* Reads a row in DB_SHARD_COLUMNS order, starting at column first. */
static void shard_from_row(sqlite3_stmt *st, int first, struct st_shard *s)
{
    s->id = sqlite3_column_int64(st, first);
    s->stream_id = sqlite3_column_int64(st, first + 1);
    copy_text(s->shard_id, sizeof s->shard_id, st, first + 2);
    copy_text(s->parent, sizeof s->parent, st, first + 3);
    s->created = sqlite3_column_double(st, first + 4);
    s->closed = sqlite3_column_double(st, first + 5);
    s->start_seq = sqlite3_column_int64(st, first + 6);
    s->last_seq = sqlite3_column_int64(st, first + 7);
    s->end_seq = sqlite3_column_int64(st, first + 8);
}

/* Steps a statement expected to return one integer. 0 or -1. */
static int scalar(struct db *db, sqlite3_stmt *st, int64_t *out)
{
    int rc = db_step(st), ret = 0;
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        ret = db_fail(db, st, rc);
    db_stmt_done(st);
    return ret;
}

static int shard_insert(struct db *db, int64_t stream_id, const char *shard_id,
                        const char *parent, double now, int64_t start, int64_t *id)
{
    sqlite3_stmt *st = db_stmt(db, DB_SHARDS_INSERT);
    sqlite3_bind_int64(st, 1, stream_id);
    bind_text(st, 2, shard_id);
    if (parent && *parent)
        bind_text(st, 3, parent);
    sqlite3_bind_double(st, 4, now);
    sqlite3_bind_int64(st, 5, start);
    if (db_stmt_exec(db, st) < 0)
        return -1;
    *id = sqlite3_last_insert_rowid(db_conn(db));
    return 0;
}

int st_streams_create(struct db *db, struct st_stream *s, const char *shard_id)
{
    assert(db_in_transaction(db));
    int64_t seq_max = 0, shard = 0;
    if (scalar(db, db_stmt(db, DB_STREAMS_SEQ_MAX), &seq_max) < 0)
        return -1;
    sqlite3_stmt *st = db_stmt(db, DB_STREAMS_INSERT);
    bind_text(st, 1, s->arn);
    bind_text(st, 2, s->account);
    bind_text(st, 3, s->region);
    bind_text(st, 4, s->table_name);
    sqlite3_bind_int64(st, 5, s->table_id);
    bind_text(st, 6, s->label);
    bind_text(st, 7, s->view_type);
    bind_text(st, 8, s->key_schema);
    sqlite3_bind_double(st, 9, s->created);
    if (db_stmt_exec(db, st) < 0)
        return -1;
    s->id = sqlite3_last_insert_rowid(db_conn(db));
    s->enabled = true;
    return shard_insert(db, s->id, shard_id, NULL, s->created, seq_max + 1, &shard);
}

int st_streams_disable_table(struct db *db, int64_t table_id, double now)
{
    assert(db_in_transaction(db));
    sqlite3_stmt *st = db_stmt(db, DB_SHARDS_CLOSE_TABLE);
    sqlite3_bind_int64(st, 1, table_id);
    sqlite3_bind_double(st, 2, now);
    if (db_stmt_exec(db, st) < 0)
        return -1;
    st = db_stmt(db, DB_STREAMS_DISABLE_TABLE);
    sqlite3_bind_int64(st, 1, table_id);
    sqlite3_bind_double(st, 2, now);
    return db_stmt_exec(db, st);
}

int st_streams_active(struct db *db, int64_t table_id, struct st_stream_active *a)
{
    sqlite3_stmt *st = db_stmt(db, DB_STREAMS_ACTIVE);
    sqlite3_bind_int64(st, 1, table_id);
    int rc = db_step(st), ret = 0;
    if (rc == SQLITE_ROW) {
        copy_text(a->view_type, sizeof a->view_type, st, 0);
        shard_from_row(st, 1, &a->shard);
        a->stream_id = a->shard.stream_id;
        ret = 1;
    } else if (rc != SQLITE_DONE) {
        ret = db_fail(db, st, rc);
    }
    db_stmt_done(st);
    return ret;
}

int st_streams_shard_roll(struct db *db, struct st_stream_active *a, double now,
                          const char *new_shard_id)
{
    assert(db_in_transaction(db));
    sqlite3_stmt *st = db_stmt(db, DB_SHARDS_CLOSE);
    sqlite3_bind_int64(st, 1, a->shard.id);
    sqlite3_bind_double(st, 2, now);
    if (db_stmt_exec(db, st) < 0)
        return -1;
    /* The closed shard ends at its last record; an empty one at its first number, which
     * it keeps unused, so that its range is not inverted and the child starts after it. */
    int64_t end = a->shard.last_seq < a->shard.start_seq ? a->shard.start_seq
                                                          : a->shard.last_seq;
    struct st_shard child = {.stream_id = a->stream_id, .created = now, .start_seq = end + 1};
    snprintf(child.shard_id, sizeof child.shard_id, "%s", new_shard_id);
    snprintf(child.parent, sizeof child.parent, "%s", a->shard.shard_id);
    child.last_seq = child.start_seq - 1;
    if (shard_insert(db, a->stream_id, child.shard_id, child.parent, now, child.start_seq,
                     &child.id) < 0)
        return -1;
    a->shard = child;
    return 0;
}

int st_streams_due(struct db *db, double created_before, int64_t *table_ids, int cap)
{
    sqlite3_stmt *st = db_stmt(db, DB_SHARDS_DUE);
    sqlite3_bind_double(st, 1, created_before);
    sqlite3_bind_int(st, 2, cap);
    int n = 0, rc;
    while ((rc = db_step(st)) == SQLITE_ROW && n < cap)
        table_ids[n++] = sqlite3_column_int64(st, 0);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        n = db_fail(db, st, rc);
    db_stmt_done(st);
    return n;
}

int st_streams_record_append(struct db *db, struct st_stream_active *a,
                             struct st_stream_record *r)
{
    assert(db_in_transaction(db));
    r->seq = a->shard.last_seq + 1;
    sqlite3_stmt *st = db_stmt(db, DB_RECORDS_INSERT);
    sqlite3_bind_int64(st, 1, a->shard.id);
    sqlite3_bind_int64(st, 2, r->seq);
    bind_text(st, 3, r->event);
    sqlite3_bind_double(st, 4, r->created);
    bind_text(st, 5, r->keys);
    if (r->new_image)
        bind_text(st, 6, r->new_image);
    if (r->old_image)
        bind_text(st, 7, r->old_image);
    sqlite3_bind_int64(st, 8, r->size);
    if (db_stmt_exec(db, st) < 0)
        return -1;
    st = db_stmt(db, DB_SHARDS_SEQ_SET);
    sqlite3_bind_int64(st, 1, a->shard.id);
    sqlite3_bind_int64(st, 2, r->seq);
    if (db_stmt_exec(db, st) < 0)
        return -1;
    a->shard.last_seq = r->seq;
    return 0;
}

int st_streams_get(struct db *db, const char *arn, struct st_stream *out)
{
    sqlite3_stmt *st = db_stmt(db, DB_STREAMS_GET);
    bind_text(st, 1, arn);
    int rc = db_step(st), ret = 0;
    if (rc == SQLITE_ROW) {
        stream_from_row(st, out);
        ret = 1;
    } else if (rc != SQLITE_DONE) {
        ret = db_fail(db, st, rc);
    }
    db_stmt_done(st);
    return ret;
}

int st_streams_list(struct db *db, const char *account, const char *region,
                    const char *table_name, int64_t after_id, int limit, st_stream_cb fn,
                    void *arg)
{
    sqlite3_stmt *st = db_stmt(db, DB_STREAMS_LIST);
    bind_text(st, 1, account);
    bind_text(st, 2, region);
    if (table_name)
        bind_text(st, 3, table_name);
    sqlite3_bind_int64(st, 4, after_id);
    sqlite3_bind_int(st, 5, limit);
    int n = 0, rc;
    struct st_stream s;
    while ((rc = db_step(st)) == SQLITE_ROW) {
        stream_from_row(st, &s);
        fn(&s, arg);
        n++;
    }
    if (rc != SQLITE_DONE)
        n = db_fail(db, st, rc);
    db_stmt_done(st);
    return n;
}

int st_streams_shards(struct db *db, int64_t stream_id, st_shard_cb fn, void *arg)
{
    sqlite3_stmt *st = db_stmt(db, DB_SHARDS_LIST);
    sqlite3_bind_int64(st, 1, stream_id);
    int n = 0, rc;
    struct st_shard s;
    while ((rc = db_step(st)) == SQLITE_ROW) {
        shard_from_row(st, 0, &s);
        fn(&s, arg);
        n++;
    }
    if (rc != SQLITE_DONE)
        n = db_fail(db, st, rc);
    db_stmt_done(st);
    return n;
}

int st_streams_shard_get(struct db *db, int64_t stream_id, const char *shard_id,
                         struct st_shard *out)
{
    sqlite3_stmt *st = db_stmt(db, DB_SHARDS_GET);
    sqlite3_bind_int64(st, 1, stream_id);
    bind_text(st, 2, shard_id);
    int rc = db_step(st), ret = 0;
    if (rc == SQLITE_ROW) {
        shard_from_row(st, 0, out);
        ret = 1;
    } else if (rc != SQLITE_DONE) {
        ret = db_fail(db, st, rc);
    }
    db_stmt_done(st);
    return ret;
}

int st_streams_oldest(struct db *db, int64_t shard, double cutoff, int64_t *seq)
{
    sqlite3_stmt *st = db_stmt(db, DB_RECORDS_OLDEST);
    sqlite3_bind_int64(st, 1, shard);
    sqlite3_bind_double(st, 2, cutoff);
    int rc = db_step(st), ret = 0;
    if (rc == SQLITE_ROW) {
        *seq = sqlite3_column_int64(st, 0);
        ret = 1;
    } else if (rc != SQLITE_DONE) {
        ret = db_fail(db, st, rc);
    }
    db_stmt_done(st);
    return ret;
}

static const char *column_or_null(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL ? NULL
                                                       : (const char *)sqlite3_column_text(st, col);
}

int st_streams_records(struct db *db, int64_t shard, int64_t from, double cutoff, int limit,
                       st_record_cb fn, void *arg)
{
    sqlite3_stmt *st = db_stmt(db, DB_RECORDS_READ);
    sqlite3_bind_int64(st, 1, shard);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_double(st, 3, cutoff);
    sqlite3_bind_int(st, 4, limit);
    int n = 0, rc;
    while ((rc = db_step(st)) == SQLITE_ROW) {
        struct st_stream_record r = {
            .seq = sqlite3_column_int64(st, 0),
            .event = (const char *)sqlite3_column_text(st, 1),
            .created = sqlite3_column_double(st, 2),
            .keys = (const char *)sqlite3_column_text(st, 3),
            .new_image = column_or_null(st, 4),
            .old_image = column_or_null(st, 5),
            .size = sqlite3_column_int64(st, 6),
        };
        n++;
        if (fn(&r, arg) == 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE)
        n = db_fail(db, st, rc);
    db_stmt_done(st);
    return n;
}

int st_streams_trim(struct db *db, double cutoff, int batch)
{
    assert(db_in_transaction(db));
    sqlite3_stmt *st = db_stmt(db, DB_RECORDS_TRIM);
    sqlite3_bind_double(st, 1, cutoff);
    sqlite3_bind_int(st, 2, batch);
    if (db_stmt_exec(db, st) < 0)
        return -1;
    return sqlite3_changes(db_conn(db));
}

int st_streams_count(struct db *db, int64_t *n)
{
    return scalar(db, db_stmt(db, DB_RECORDS_COUNT), n);
}

int st_streams_check(struct db *db, struct buf *problems)
{
    sqlite3_stmt *st = db_stmt(db, DB_CHECK_STREAMS);
    int rc, ret = 0, shown = 0;
    while ((rc = db_step(st)) == SQLITE_ROW) {
        if (shown++ < 20) /* enough to diagnose; the rest would only flood the reply */
            buf_addf(problems, "streams: %s\n", (const char *)sqlite3_column_text(st, 0));
        ret = 1;
    }
    if (rc != SQLITE_DONE)
        ret = db_fail(db, st, rc);
    db_stmt_done(st);
    return ret;
}
