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
    int rc = db_step(st), ret = 0;
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
    int rc = db_step(st), ret = 0;
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
    int rc = db_step(st);
    if (rc == SQLITE_ROW) {
        *count = sqlite3_column_int64(st, 0);
        *bytes = sqlite3_column_int64(st, 1);
    }
    int ret = rc == SQLITE_ROW ? 0 : db_fail(db, st, rc);
    db_stmt_done(st);
    return ret;
}

static int index_entries_delete(struct db *db, int64_t table, const struct st_item_key *key)
{
    sqlite3_stmt *st = db_stmt(db, DB_INDEX_DELETE_ITEM);
    bind_key(st, table, key);
    return db_stmt_exec(db, st);
}

static int index_entries_insert(struct db *db, int64_t table, const struct st_item_key *key,
                                const struct st_index_entry *entries, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = db_stmt(db, DB_INDEX_INSERT);
        bind_key(st, table, key);
        sqlite3_bind_text(st, 4, entries[i].index, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 5, entries[i].ipk, (int)entries[i].ipk_len, SQLITE_STATIC);
        sqlite3_bind_blob(st, 6, entries[i].isk ? entries[i].isk : "", (int)entries[i].isk_len,
                          SQLITE_STATIC);
        if (db_stmt_exec(db, st) < 0)
            return -1;
    }
    return 0;
}

int st_items_put(struct db *db, int64_t table, const struct st_item_key *key, const char *item,
                 size_t item_len, size_t size, struct buf *old, bool indexed,
                 const struct st_index_entry *entries, size_t n)
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
    if (indexed && (index_entries_delete(db, table, key) < 0 ||
                    index_entries_insert(db, table, key, entries, n) < 0))
        return -1;
    return existed;
}

int st_items_delete(struct db *db, int64_t table, const struct st_item_key *key,
                    struct buf *old, int64_t *old_size, bool indexed)
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
    if (indexed && index_entries_delete(db, table, key) < 0)
        return -1;
    return 1;
}

/* Steps st, handing each row to fn; always resets st. */
static int walk(struct db *db, sqlite3_stmt *st, st_row_cb fn, void *arg)
{
    int rc, ret = 0;
    while ((rc = db_step(st)) == SQLITE_ROW) {
        struct st_row row = {
            .pk = sqlite3_column_blob(st, 0),
            .pk_len = (size_t)sqlite3_column_bytes(st, 0),
            .sk = sqlite3_column_blob(st, 1),
            .sk_len = (size_t)sqlite3_column_bytes(st, 1),
            .item = sqlite3_column_blob(st, 2),
            .item_len = (size_t)sqlite3_column_bytes(st, 2),
            .size = sqlite3_column_int64(st, 3),
        };
        int more = fn(&row, arg);
        if (more <= 0) {
            ret = more;
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE)
        ret = db_fail(db, st, rc);
    db_stmt_done(st);
    return ret;
}

/* Larger than any encoded key (keys are at most 2048 bytes): the open upper bound. */
static const unsigned char key_ceiling[2100] = {[0 ... 2099] = 0xFF};

static void bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n)
{
    sqlite3_bind_blob(st, i, p ? p : "", (int)n, SQLITE_STATIC);
}

int st_items_query(struct db *db, int64_t table, const char *index, const void *pk,
                   size_t pk_len, const struct st_range *range, bool forward,
                   const struct st_position *after, st_row_cb fn, void *arg)
{
    enum db_stmt_id id = index ? (forward ? DB_INDEX_QUERY_ASC : DB_INDEX_QUERY_DESC)
                               : (forward ? DB_ITEMS_QUERY_ASC : DB_ITEMS_QUERY_DESC);
    sqlite3_stmt *st = db_stmt(db, id);
    sqlite3_bind_int64(st, 1, table);
    bind_blob(st, 2, pk, pk_len);
    bind_blob(st, 3, range->lo, range->lo_len);
    if (range->hi)
        bind_blob(st, 4, range->hi, range->hi_len);
    else
        bind_blob(st, 4, key_ceiling, sizeof key_ceiling);
    if (index) {
        sqlite3_bind_text(st, 5, index, -1, SQLITE_STATIC);
        if (after) {
            bind_blob(st, 6, after->isk, after->isk_len);
            bind_blob(st, 7, after->pk, after->pk_len);
            bind_blob(st, 8, after->sk, after->sk_len);
        } else if (forward) {
            bind_blob(st, 6, "", 0), bind_blob(st, 7, "", 0), bind_blob(st, 8, "", 0);
        } else {
            bind_blob(st, 6, key_ceiling, sizeof key_ceiling);
            bind_blob(st, 7, "", 0), bind_blob(st, 8, "", 0);
        }
    }
    return walk(db, st, fn, arg);
}

int st_items_scan(struct db *db, int64_t table, const char *index, const void *ipk,
                  size_t ipk_len, const struct st_position *after, st_row_cb fn, void *arg)
{
    sqlite3_stmt *st = db_stmt(db, index ? DB_INDEX_SCAN : DB_ITEMS_SCAN);
    sqlite3_bind_int64(st, 1, table);
    int at = 2;
    if (index) {
        sqlite3_bind_text(st, at++, index, -1, SQLITE_STATIC);
        bind_blob(st, at++, after ? ipk : "", after ? ipk_len : 0);
        bind_blob(st, at++, after ? after->isk : "", after ? after->isk_len : 0);
    }
    bind_blob(st, at++, after ? after->pk : "", after ? after->pk_len : 0);
    bind_blob(st, at, after ? after->sk : "", after ? after->sk_len : 0);
    return walk(db, st, fn, arg);
}
