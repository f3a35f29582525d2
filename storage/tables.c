/* storage/tables.c — DynamoDB table metadata; see tables.h. */
#include "storage/tables.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/buf.h"

static void copy_text(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    snprintf(dst, cap, "%s", s ? (const char *)s : "");
}

static char column_type(sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    return s ? (char)s[0] : 0;
}

int st_tables_get(struct db *db, const char *account, const char *region, const char *name,
                  struct st_table *out, bool with_spec)
{
    sqlite3_stmt *st = db_stmt(db, DB_TABLES_GET);
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int ret = 0;
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->id = sqlite3_column_int64(st, 0);
        snprintf(out->name, sizeof out->name, "%s", name);
        copy_text(out->uuid, sizeof out->uuid, st, 1);
        out->created = sqlite3_column_double(st, 2);
        copy_text(out->hash_name, sizeof out->hash_name, st, 3);
        out->hash_type = column_type(st, 4);
        copy_text(out->range_name, sizeof out->range_name, st, 5);
        out->range_type = column_type(st, 6);
        if (with_spec)
            out->spec = xstrdup((const char *)sqlite3_column_text(st, 7));
        if (sqlite3_column_type(st, 8) != SQLITE_NULL)
            out->indexes = xstrdup((const char *)sqlite3_column_text(st, 8));
        ret = 1;
    } else if (rc != SQLITE_DONE) {
        ret = db_fail(db, st, rc);
    }
    db_stmt_done(st);
    return ret;
}

void st_table_free(struct st_table *t)
{
    free(t->spec);
    free(t->indexes);
    t->spec = t->indexes = NULL;
}

int st_tables_create(struct db *db, const char *account, const char *region, const char *name,
                     struct st_table *t)
{
    assert(db_in_transaction(db));
    char hash_type[2] = {t->hash_type, 0}, range_type[2] = {t->range_type, 0};
    sqlite3_stmt *st = db_stmt(db, DB_TABLES_INSERT);
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, t->uuid, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 5, t->created);
    sqlite3_bind_text(st, 6, t->hash_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, hash_type, -1, SQLITE_STATIC);
    if (t->range_type) {
        sqlite3_bind_text(st, 8, t->range_name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, range_type, -1, SQLITE_STATIC);
    }
    sqlite3_bind_text(st, 10, t->spec, -1, SQLITE_STATIC);
    if (t->indexes)
        sqlite3_bind_text(st, 11, t->indexes, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int ret;
    if (rc != SQLITE_DONE) {
        ret = db_fail(db, st, rc);
    } else if (sqlite3_changes(db->conn) == 0) {
        ret = 0;
    } else {
        t->id = sqlite3_last_insert_rowid(db->conn);
        ret = 1;
    }
    db_stmt_done(st);
    return ret;
}

int st_tables_delete(struct db *db, int64_t id)
{
    assert(db_in_transaction(db));
    sqlite3_stmt *st = db_stmt(db, DB_INDEX_DELETE_TABLE);
    sqlite3_bind_int64(st, 1, id);
    if (db_stmt_exec(db, st) < 0)
        return -1;
    st = db_stmt(db, DB_ITEMS_DELETE_TABLE);
    sqlite3_bind_int64(st, 1, id);
    if (db_stmt_exec(db, st) < 0)
        return -1;
    st = db_stmt(db, DB_TABLES_DELETE);
    sqlite3_bind_int64(st, 1, id);
    return db_stmt_exec(db, st);
}

int st_tables_spec_set(struct db *db, int64_t id, const char *spec)
{
    assert(db_in_transaction(db));
    sqlite3_stmt *st = db_stmt(db, DB_TABLES_SPEC_SET);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, spec, -1, SQLITE_STATIC);
    return db_stmt_exec(db, st);
}

int st_tables_list(struct db *db, const char *account, const char *region, const char *after,
                   int limit, st_tables_name_cb fn, void *arg)
{
    sqlite3_stmt *st = db_stmt(db, DB_TABLES_LIST);
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, after, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, limit);
    int n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fn((const char *)sqlite3_column_text(st, 0), arg);
        n++;
    }
    if (rc != SQLITE_DONE)
        n = db_fail(db, st, rc);
    db_stmt_done(st);
    return n;
}

int st_tables_check(struct db *db, struct buf *problems)
{
    int ret = 0, rc;
    sqlite3_stmt *st = db_stmt(db, DB_CHECK_INTEGRITY);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *msg = (const char *)sqlite3_column_text(st, 0);
        if (msg && strcmp(msg, "ok") != 0) {
            buf_addf(problems, "sqlite: %s\n", msg);
            ret = 1;
        }
    }
    db_stmt_done(st);
    if (rc != SQLITE_DONE)
        return -1;
    st = db_stmt(db, DB_CHECK_ORPHAN_ITEMS);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0) {
        buf_addf(problems, "%lld items or index entries belong to nothing\n",
                 (long long)sqlite3_column_int64(st, 0));
        ret = 1;
    }
    db_stmt_done(st);
    return rc == SQLITE_ROW ? ret : -1;
}
