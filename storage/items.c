/* storage/items.c — DynamoDB items; see items.h. */
#include "storage/items.h"

#include <assert.h>


static void bind_key(sqlite3_stmt *st, int64_t table, const struct st_item_key *key)
{
    sqlite3_bind_int64(st, 1, table);
    sqlite3_bind_blob(st, 2, key->pk, (int)key->pk_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, key->sk ? key->sk : "", (int)key->sk_len, SQLITE_STATIC);
}

static void copy_blob(sqlite3_stmt *st, int col, struct buf *out)
{
    const void *p = sqlite3_column_blob(st, col);
    buf_add(out, p ? p : "", (size_t)sqlite3_column_bytes(st, col));
}

int st_items_get(struct db *db, int64_t table, const struct st_item_key *key, struct buf *out,
                 int64_t *size)
{
    sqlite3_stmt *st = db_stmt(db, DB_ITEMS_GET);
    bind_key(st, table, key);
    int rc = sqlite3_step(st), ret = 0;
    if (rc == SQLITE_ROW) {
        *size = sqlite3_column_int64(st, 0);
        copy_blob(st, 1, out);
        ret = 1;
    } else if (rc != SQLITE_DONE) {
        ret = db_fail(db, st, rc);
    }
    db_stmt_done(st);
    return ret;
}

/* Reads the current item's size (and text into old, when asked). 1 found, 0 absent, -1. */
static int read_old(struct db *db, int64_t table, const struct st_item_key *key,
                    int64_t *size, struct buf *old)
{
    sqlite3_stmt *st = db_stmt(db, old ? DB_ITEMS_OLD_GET : DB_ITEMS_SIZE_GET);
    bind_key(st, table, key);
    int rc = sqlite3_step(st), ret = 0;
    if (rc == SQLITE_ROW) {
        *size = sqlite3_column_int64(st, 0);
        if (old)
            copy_blob(st, 1, old);
        ret = 1;
    } else if (rc != SQLITE_DONE) {
        ret = db_fail(db, st, rc);
    }
    db_stmt_done(st);
    return ret;
}

int st_items_stats(struct db *db, int64_t table, int64_t *count, int64_t *bytes)
{
    sqlite3_stmt *st = db_stmt(db, DB_ITEMS_STATS);
    sqlite3_bind_int64(st, 1, table);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *count = sqlite3_column_int64(st, 0);
        *bytes = sqlite3_column_int64(st, 1);
    }
    int ret = rc == SQLITE_ROW ? 0 : db_fail(db, st, rc);
    db_stmt_done(st);
    return ret;
}

int st_items_put(struct db *db, int64_t table, const struct st_item_key *key, const char *item,
                 size_t item_len, size_t size, struct buf *old)
{
    assert(db_in_transaction(db));
    int64_t old_size = 0;
    int existed = old ? read_old(db, table, key, &old_size, old) : 0;
    if (existed < 0)
        return -1;
    sqlite3_stmt *st = db_stmt(db, DB_ITEMS_UPSERT);
    bind_key(st, table, key);
    sqlite3_bind_int64(st, 4, (int64_t)size);
    sqlite3_bind_blob(st, 5, item, (int)item_len, SQLITE_STATIC);
    if (db_stmt_exec(db, st) < 0)
        return -1;
    return existed;
}

int st_items_delete(struct db *db, int64_t table, const struct st_item_key *key,
                    struct buf *old, int64_t *old_size)
{
    assert(db_in_transaction(db));
    *old_size = 0;
    int existed = read_old(db, table, key, old_size, old);
    if (existed <= 0)
        return existed;
    sqlite3_stmt *st = db_stmt(db, DB_ITEMS_DELETE);
    bind_key(st, table, key);
    if (db_stmt_exec(db, st) < 0)
        return -1;
    return 1;
}
