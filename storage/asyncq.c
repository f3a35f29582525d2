/* storage/asyncq.c — the asynchronous invocation queue; see asyncq.h. One row per event,
 * found by (due, id) so the dispatcher's scan is an index range. */
#include "storage/asyncq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/buf.h"

static char *column_dup(sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    return xstrdup(s ? (const char *)s : "");
}

void st_async_event_clear(struct st_async_event *e)
{
    free(e->account);
    free(e->region);
    free(e->function);
    free(e->qualifier);
    free(e->payload);
    memset(e, 0, sizeof *e);
}

int st_asyncq_add(struct db *db, const struct st_async_event *e)
{
    sqlite3_stmt *st = db_stmt(db, DB_ASYNCQ_INSERT);
    sqlite3_bind_text(st, 1, e->request_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, e->account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, e->region, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, e->function, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, e->qualifier ? e->qualifier : "", -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 6, e->payload, (int)e->payload_len, SQLITE_STATIC);
    sqlite3_bind_double(st, 7, e->created);
    sqlite3_bind_double(st, 8, e->due);
    sqlite3_bind_int(st, 9, e->attempts);
    return db_stmt_exec(db, st);
}

int st_asyncq_due(struct db *db, double now, int64_t after, struct st_async_event *out,
                  int max, int *n)
{
    *n = 0;
    sqlite3_stmt *st = db_stmt(db, DB_ASYNCQ_DUE);
    sqlite3_bind_double(st, 1, now);
    sqlite3_bind_int64(st, 2, after);
    sqlite3_bind_int(st, 3, max);
    int rc;
    while ((rc = db_step(st)) == SQLITE_ROW) {
        struct st_async_event *e = &out[(*n)++];
        memset(e, 0, sizeof *e);
        e->id = sqlite3_column_int64(st, 0);
        const unsigned char *rid = sqlite3_column_text(st, 1);
        snprintf(e->request_id, sizeof e->request_id, "%s", rid ? (const char *)rid : "");
        e->account = column_dup(st, 2);
        e->region = column_dup(st, 3);
        e->function = column_dup(st, 4);
        e->qualifier = column_dup(st, 5);
        int len = sqlite3_column_bytes(st, 6);
        e->payload = xmalloc((size_t)len + 1);
        if (len)
            memcpy(e->payload, sqlite3_column_blob(st, 6), (size_t)len);
        e->payload[len] = '\0';
        e->payload_len = (size_t)len;
        e->created = sqlite3_column_double(st, 7);
        e->due = sqlite3_column_double(st, 8);
        e->attempts = sqlite3_column_int(st, 9);
    }
    int ret = rc == SQLITE_DONE ? 0 : db_fail(db, st, rc);
    db_stmt_done(st);
    if (ret < 0) {
        for (int i = 0; i < *n; i++)
            st_async_event_clear(&out[i]);
        *n = 0;
    }
    return ret;
}

int st_asyncq_retry(struct db *db, int64_t id, int attempts, double due)
{
    sqlite3_stmt *st = db_stmt(db, DB_ASYNCQ_RETRY);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, attempts);
    sqlite3_bind_double(st, 3, due);
    return db_stmt_exec(db, st);
}

int st_asyncq_delete(struct db *db, int64_t id)
{
    sqlite3_stmt *st = db_stmt(db, DB_ASYNCQ_DELETE);
    sqlite3_bind_int64(st, 1, id);
    return db_stmt_exec(db, st);
}

json_t *st_asyncq_list(struct db *db)
{
    json_t *list = json_array();
    sqlite3_stmt *st = db_stmt(db, DB_ASYNCQ_LIST);
    int rc;
    while ((rc = db_step(st)) == SQLITE_ROW)
        json_array_append_new(
            list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:f, s:f, s:i}", "id",
                            (json_int_t)sqlite3_column_int64(st, 0), "request_id",
                            (const char *)sqlite3_column_text(st, 1), "region",
                            (const char *)sqlite3_column_text(st, 2), "function",
                            (const char *)sqlite3_column_text(st, 3), "qualifier",
                            (const char *)sqlite3_column_text(st, 4), "created",
                            sqlite3_column_double(st, 5), "due", sqlite3_column_double(st, 6),
                            "attempts", sqlite3_column_int(st, 7)));
    if (rc != SQLITE_DONE) {
        db_fail(db, st, rc);
        json_decref(list);
        list = NULL;
    }
    db_stmt_done(st);
    return list;
}

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

int st_asyncq_max_id(struct db *db, int64_t *id)
{
    return scalar(db, db_stmt(db, DB_ASYNCQ_MAX_ID), id);
}

int st_asyncq_count_upto(struct db *db, int64_t max_id, int64_t *n)
{
    sqlite3_stmt *st = db_stmt(db, DB_ASYNCQ_COUNT_UPTO);
    sqlite3_bind_int64(st, 1, max_id);
    return scalar(db, st, n);
}
