/* storage/tables.c — DynamoDB table metadata; see tables.h. */
#include "storage/tables.h"

#include <assert.h>
#include <pthread.h>
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

/* A per-thread cache of table rows without spec: every data-plane request looks its table
 * up, and answering from memory spares the thread's connection a re-read of ddb_tables'
 * pages after each commit elsewhere. Entries are valid while db_tables_generation() has not
 * moved since they were read. */
#define TABLE_CACHE_SIZE 16

struct cached_table {
    uint64_t generation; /* 0: empty */
    char account[16], region[65];
    struct st_table t; /* spec always NULL; indexes owned by the cache */
};

static _Thread_local struct {
    struct cached_table slot[TABLE_CACHE_SIZE];
    unsigned next;
} cache;

static struct cached_table *cache_find(const char *account, const char *region, const char *name)
{
    uint64_t now = db_tables_generation();
    for (int i = 0; i < TABLE_CACHE_SIZE; i++) {
        struct cached_table *c = &cache.slot[i];
        if (c->generation == now && strcmp(c->t.name, name) == 0 &&
            strcmp(c->region, region) == 0 && strcmp(c->account, account) == 0)
            return c;
    }
    return NULL;
}

static pthread_key_t cache_key;
static pthread_once_t cache_key_once = PTHREAD_ONCE_INIT;

static void cache_thread_exit(void *unused)
{
    (void)unused;
    st_tables_cache_clear();
}

static void cache_key_create(void)
{
    pthread_key_create(&cache_key, cache_thread_exit);
}

static void cache_store(uint64_t generation, const char *account, const char *region,
                        const struct st_table *t)
{
    /* A thread that caches gets its cache freed when it ends (the key's destructor). */
    pthread_once(&cache_key_once, cache_key_create);
    pthread_setspecific(cache_key, &cache);
    if (strlen(account) >= sizeof cache.slot[0].account ||
        strlen(region) >= sizeof cache.slot[0].region)
        return;
    struct cached_table *c = &cache.slot[cache.next++ % TABLE_CACHE_SIZE];
    free(c->t.indexes);
    c->t = *t;
    c->t.spec = NULL;
    c->t.indexes = t->indexes ? xstrdup(t->indexes) : NULL;
    snprintf(c->account, sizeof c->account, "%s", account);
    snprintf(c->region, sizeof c->region, "%s", region);
    c->generation = generation;
}

void st_tables_cache_clear(void)
{
    for (int i = 0; i < TABLE_CACHE_SIZE; i++) {
        free(cache.slot[i].t.indexes);
        memset(&cache.slot[i], 0, sizeof cache.slot[i]);
    }
}

static int tables_get_row(struct db *db, const char *account, const char *region,
                          const char *name, struct st_table *out, bool with_spec);

int st_tables_get(struct db *db, const char *account, const char *region, const char *name,
                  struct st_table *out, bool with_spec)
{
    if (with_spec || db->in_write)
        return tables_get_row(db, account, region, name, out, with_spec);
    const struct cached_table *c = cache_find(account, region, name);
    if (c) {
        *out = c->t;
        out->indexes = c->t.indexes ? xstrdup(c->t.indexes) : NULL;
        return 1;
    }
    uint64_t generation = db_tables_generation(); /* read before the row: see the cache note */
    int found = tables_get_row(db, account, region, name, out, false);
    if (found == 1)
        cache_store(generation, account, region, out);
    return found;
}

static int tables_get_row(struct db *db, const char *account, const char *region,
                          const char *name, struct st_table *out, bool with_spec)
{
    sqlite3_stmt *st = db_stmt(db, DB_TABLES_GET);
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    int rc = db_step(st);
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
    db_write_note_tables(db);
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
    int rc = db_step(st);
    int ret;
    if (rc != SQLITE_DONE) {
        ret = db_fail(db, st, rc);
    } else if (sqlite3_changes(db_conn(db)) == 0) {
        ret = 0;
    } else {
        t->id = sqlite3_last_insert_rowid(db_conn(db));
        ret = 1;
    }
    db_stmt_done(st);
    return ret;
}

int st_tables_delete(struct db *db, int64_t id)
{
    assert(db_in_transaction(db));
    db_write_note_tables(db);
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
    db_write_note_tables(db);
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
    while ((rc = db_step(st)) == SQLITE_ROW) {
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
    while ((rc = db_step(st)) == SQLITE_ROW) {
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
    if ((rc = db_step(st)) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0) {
        buf_addf(problems, "%lld items or index entries belong to nothing\n",
                 (long long)sqlite3_column_int64(st, 0));
        ret = 1;
    }
    db_stmt_done(st);
    return rc == SQLITE_ROW ? ret : -1;
}
