/* storage/functions.c — Lambda functions; see functions.h. */
#include "storage/functions.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "server/buf.h"

static char *column_dup(sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    return s ? xstrdup((const char *)s) : NULL;
}

/* Copies a row of DB_FUNCTION_COLUMNS out of st. */
static void row_read(sqlite3_stmt *st, struct st_function *f)
{
    memset(f, 0, sizeof *f);
    f->id = sqlite3_column_int64(st, 0);
    f->name = column_dup(st, 1);
    f->config = column_dup(st, 2);
    f->code_dir = column_dup(st, 3);
    f->hot_reload = sqlite3_column_int(st, 4) != 0;
    f->policy = column_dup(st, 5);
    f->concurrency =
        sqlite3_column_type(st, 6) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 6);
    f->event_invoke = column_dup(st, 7);
    f->tags = column_dup(st, 8);
}

void st_function_free(struct st_function *f)
{
    if (!f)
        return;
    free(f->name);
    free(f->config);
    free(f->code_dir);
    free(f->policy);
    free(f->event_invoke);
    free(f->tags);
    memset(f, 0, sizeof *f);
    f->concurrency = -1;
}

int st_functions_get(struct db *db, const char *account, const char *region, const char *name,
                     struct st_function *out)
{
    sqlite3_stmt *st = db_stmt(db, DB_FUNCTIONS_GET);
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
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

static void bind_text_or_null(sqlite3_stmt *st, int col, const char *s)
{
    if (s)
        sqlite3_bind_text(st, col, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, col);
}

/* Binds the mutable columns at positions first..first+6 (config .. tags). */
static void bind_mutable(sqlite3_stmt *st, int first, const struct st_function *f)
{
    sqlite3_bind_text(st, first, f->config, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, first + 1, f->code_dir, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, first + 2, f->hot_reload);
    bind_text_or_null(st, first + 3, f->policy);
    if (f->concurrency >= 0)
        sqlite3_bind_int64(st, first + 4, f->concurrency);
    else
        sqlite3_bind_null(st, first + 4);
    bind_text_or_null(st, first + 5, f->event_invoke);
    bind_text_or_null(st, first + 6, f->tags);
}

int st_functions_create(struct db *db, const char *account, const char *region,
                        struct st_function *f)
{
    assert(db_in_transaction(db));
    sqlite3_stmt *st = db_stmt(db, DB_FUNCTIONS_INSERT);
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, f->name, -1, SQLITE_STATIC);
    bind_mutable(st, 4, f);
    int rc = db_step(st), ret;
    if (rc != SQLITE_DONE) {
        ret = db_fail(db, st, rc);
    } else if (sqlite3_changes(db_conn(db)) == 0) {
        ret = 0;
    } else {
        f->id = sqlite3_last_insert_rowid(db_conn(db));
        ret = 1;
    }
    db_stmt_done(st);
    return ret;
}

int st_functions_update(struct db *db, const struct st_function *f)
{
    assert(db_in_transaction(db));
    sqlite3_stmt *st = db_stmt(db, DB_FUNCTIONS_UPDATE);
    sqlite3_bind_int64(st, 1, f->id);
    bind_mutable(st, 2, f);
    return db_stmt_exec(db, st);
}

int st_functions_delete(struct db *db, int64_t id)
{
    assert(db_in_transaction(db));
    sqlite3_stmt *st = db_stmt(db, DB_FUNCTIONS_DELETE);
    sqlite3_bind_int64(st, 1, id);
    return db_stmt_exec(db, st);
}

int st_functions_list(struct db *db, const char *account, const char *region, const char *after,
                      int limit, st_functions_cb fn, void *arg)
{
    sqlite3_stmt *st = db_stmt(db, DB_FUNCTIONS_LIST);
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, after, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, limit);
    int n = 0, rc;
    while ((rc = db_step(st)) == SQLITE_ROW) {
        struct st_function f;
        row_read(st, &f);
        fn(&f, arg);
        st_function_free(&f);
        n++;
    }
    if (rc != SQLITE_DONE)
        n = db_fail(db, st, rc);
    db_stmt_done(st);
    return n;
}

int st_functions_count(struct db *db, const char *account, const char *region, int64_t *count,
                       int64_t *code_size)
{
    sqlite3_stmt *st = db_stmt(db, DB_FUNCTIONS_COUNT);
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
    int rc = db_step(st), ret = 0;
    if (rc == SQLITE_ROW) {
        *count = sqlite3_column_int64(st, 0);
        *code_size = sqlite3_column_int64(st, 1);
    } else {
        ret = db_fail(db, st, rc);
    }
    db_stmt_done(st);
    return ret;
}
