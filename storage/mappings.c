/* storage/mappings.c — Lambda event source mappings and their checkpoints; see mappings.h. */
#include "storage/mappings.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/buf.h"

static void column_copy(sqlite3_stmt *st, int col, char *out, size_t size)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    snprintf(out, size, "%s", s ? (const char *)s : "");
}

/* Copies a row of DB_MAPPING_COLUMNS out of st. */
static void row_read(sqlite3_stmt *st, struct st_mapping *m)
{
    memset(m, 0, sizeof *m);
    m->id = sqlite3_column_int64(st, 0);
    column_copy(st, 1, m->uuid, sizeof m->uuid);
    column_copy(st, 2, m->account, sizeof m->account);
    column_copy(st, 3, m->region, sizeof m->region);
    column_copy(st, 4, m->function, sizeof m->function);
    column_copy(st, 5, m->stream_arn, sizeof m->stream_arn);
    const unsigned char *config = sqlite3_column_text(st, 6);
    m->config = xstrdup(config ? (const char *)config : "{}");
    column_copy(st, 7, m->state, sizeof m->state);
    m->enabled = sqlite3_column_int(st, 8) != 0;
    m->created = sqlite3_column_double(st, 9);
    m->last_modified = sqlite3_column_double(st, 10);
    column_copy(st, 11, m->last_result, sizeof m->last_result);
}

void st_mapping_free(struct st_mapping *m)
{
    if (!m)
        return;
    free(m->config);
    m->config = NULL;
}

int st_mappings_create(struct db *db, struct st_mapping *m)
{
    assert(db_in_transaction(db));
    sqlite3_stmt *st = db_stmt(db, DB_MAPPINGS_INSERT);
    sqlite3_bind_text(st, 1, m->uuid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, m->account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, m->region, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, m->function, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, m->stream_arn, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, m->config, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, m->state, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 8, m->enabled);
    sqlite3_bind_double(st, 9, m->created);
    sqlite3_bind_double(st, 10, m->last_modified);
    sqlite3_bind_text(st, 11, m->last_result, -1, SQLITE_STATIC);
    int rc = db_step(st), ret;
    if (rc != SQLITE_DONE) {
        ret = db_fail(db, st, rc);
    } else if (sqlite3_changes(db_conn(db)) == 0) {
        ret = 0;
    } else {
        m->id = sqlite3_last_insert_rowid(db_conn(db));
        ret = 1;
    }
    db_stmt_done(st);
    return ret;
}

/* Steps a statement that returns at most one mapping. */
static int one_row(struct db *db, sqlite3_stmt *st, struct st_mapping *out)
{
    int rc = db_step(st), ret = 0;
    if (rc == SQLITE_ROW) {
        row_read(st, out);
        ret = 1;
    } else if (rc != SQLITE_DONE) {
        ret = db_fail(db, st, rc);
    }
    db_stmt_done(st);
    return ret;
}

int st_mappings_get(struct db *db, const char *account, const char *region, const char *uuid,
                    struct st_mapping *out)
{
    sqlite3_stmt *st = db_stmt(db, DB_MAPPINGS_GET);
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, uuid, -1, SQLITE_STATIC);
    return one_row(db, st, out);
}

int st_mappings_find(struct db *db, const char *account, const char *region,
                     const char *function, const char *stream_arn, struct st_mapping *out)
{
    sqlite3_stmt *st = db_stmt(db, DB_MAPPINGS_FIND);
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, function, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, stream_arn, -1, SQLITE_STATIC);
    return one_row(db, st, out);
}

int st_mappings_update(struct db *db, const struct st_mapping *m)
{
    assert(db_in_transaction(db));
    sqlite3_stmt *st = db_stmt(db, DB_MAPPINGS_UPDATE);
    sqlite3_bind_int64(st, 1, m->id);
    sqlite3_bind_text(st, 2, m->function, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, m->config, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, m->state, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, m->enabled);
    sqlite3_bind_double(st, 6, m->last_modified);
    return db_stmt_exec(db, st);
}

int st_mappings_delete(struct db *db, int64_t id)
{
    assert(db_in_transaction(db));
    sqlite3_stmt *st = db_stmt(db, DB_CHECKPOINTS_DELETE);
    sqlite3_bind_int64(st, 1, id);
    if (db_stmt_exec(db, st) < 0)
        return -1;
    st = db_stmt(db, DB_MAPPINGS_DELETE);
    sqlite3_bind_int64(st, 1, id);
    return db_stmt_exec(db, st);
}

int st_mappings_delete_function(struct db *db, const char *account, const char *region,
                                const char *function)
{
    assert(db_in_transaction(db));
    static const enum db_stmt_id order[] = {DB_CHECKPOINTS_DELETE_FUNCTION,
                                            DB_MAPPINGS_DELETE_FUNCTION};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        sqlite3_stmt *st = db_stmt(db, order[i]);
        sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, function, -1, SQLITE_STATIC);
        if (db_stmt_exec(db, st) < 0)
            return -1;
    }
    return 0;
}

static void bind_text_or_null(sqlite3_stmt *st, int col, const char *s)
{
    if (s)
        sqlite3_bind_text(st, col, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, col);
}

/* Steps a statement of DB_MAPPING_COLUMNS rows, calling fn for each. */
static int rows_visit(struct db *db, sqlite3_stmt *st, st_mapping_cb fn, void *arg)
{
    int n = 0, rc;
    struct st_mapping *m = xmalloc(sizeof *m); /* ~1.3 KB: off the HTTP thread's stack */
    while ((rc = db_step(st)) == SQLITE_ROW) {
        row_read(st, m);
        fn(m, arg);
        st_mapping_free(m);
        n++;
    }
    if (rc != SQLITE_DONE)
        n = db_fail(db, st, rc);
    db_stmt_done(st);
    free(m);
    return n;
}

int st_mappings_list(struct db *db, const char *account, const char *region,
                     const char *function, const char *stream_arn, int64_t after_id, int limit,
                     st_mapping_cb fn, void *arg)
{
    sqlite3_stmt *st = db_stmt(db, DB_MAPPINGS_LIST);
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
    bind_text_or_null(st, 3, function);
    bind_text_or_null(st, 4, stream_arn);
    sqlite3_bind_int64(st, 5, after_id);
    sqlite3_bind_int(st, 6, limit);
    return rows_visit(db, st, fn, arg);
}

int st_mappings_all(struct db *db, int64_t after_id, int limit, st_mapping_cb fn, void *arg)
{
    sqlite3_stmt *st = db_stmt(db, DB_MAPPINGS_ALL);
    sqlite3_bind_int64(st, 1, after_id);
    sqlite3_bind_int(st, 2, limit);
    return rows_visit(db, st, fn, arg);
}

int st_mappings_result_set(struct db *db, int64_t id, const char *result)
{
    assert(db_in_transaction(db));
    sqlite3_stmt *st = db_stmt(db, DB_MAPPINGS_RESULT_SET);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, result, -1, SQLITE_STATIC);
    return db_stmt_exec(db, st);
}

int st_mappings_checkpoint_get(struct db *db, int64_t id, const char *shard_id, int64_t *seq)
{
    sqlite3_stmt *st = db_stmt(db, DB_CHECKPOINTS_GET);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, shard_id, -1, SQLITE_STATIC);
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

int st_mappings_checkpoint_set(struct db *db, int64_t id, const char *shard_id, int64_t seq,
                               double now)
{
    assert(db_in_transaction(db));
    sqlite3_stmt *st = db_stmt(db, DB_CHECKPOINTS_SET);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, shard_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, seq);
    sqlite3_bind_double(st, 4, now);
    return db_stmt_exec(db, st);
}

int st_mappings_failure_add(struct db *db, struct st_esm_failure *f)
{
    assert(db_in_transaction(db));
    sqlite3_stmt *st = db_stmt(db, DB_ESM_FAILURES_INSERT);
    sqlite3_bind_text(st, 1, f->mapping_uuid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, f->function, -1, SQLITE_STATIC);
    bind_text_or_null(st, 3, f->destination);
    sqlite3_bind_text(st, 4, f->condition, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 5, f->created);
    sqlite3_bind_text(st, 6, f->info, -1, SQLITE_STATIC);
    if (db_stmt_exec(db, st) < 0)
        return -1;
    f->id = sqlite3_last_insert_rowid(db_conn(db));
    return 0;
}

int st_mappings_failures(struct db *db, const char *mapping_uuid, int64_t after_id, int limit,
                         st_esm_failure_cb fn, void *arg)
{
    sqlite3_stmt *st = db_stmt(db, DB_ESM_FAILURES_LIST);
    bind_text_or_null(st, 1, mapping_uuid);
    sqlite3_bind_int64(st, 2, after_id);
    sqlite3_bind_int(st, 3, limit);
    int n = 0, rc;
    while ((rc = db_step(st)) == SQLITE_ROW) {
        struct st_esm_failure f = {
            .id = sqlite3_column_int64(st, 0),
            .mapping_uuid = (const char *)sqlite3_column_text(st, 1),
            .function = (const char *)sqlite3_column_text(st, 2),
            .destination = (const char *)sqlite3_column_text(st, 3),
            .condition = (const char *)sqlite3_column_text(st, 4),
            .created = sqlite3_column_double(st, 5),
            .info = (const char *)sqlite3_column_text(st, 6),
        };
        fn(&f, arg);
        n++;
    }
    if (rc != SQLITE_DONE)
        n = db_fail(db, st, rc);
    db_stmt_done(st);
    return n;
}
