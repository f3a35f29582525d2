/* storage/tables.h — DynamoDB table metadata, scoped by account and region.
 * Threads: any thread, with its own connection from db_thread().
 * A table row keeps what the data plane needs on every request in columns (internal id, key
 *   names and types) and the rest of its description as a JSON text `spec` owned by
 *   server/dynamodb_table.c; this module never looks inside spec.
 * Ownership: st_table_free() releases what st_tables_get() copied into a struct st_table.
 * Errors: -1 only when SQLite fails (logged); "not found" and "exists" are results, not
 *   errors. */
#ifndef AWSEMU_STORAGE_TABLES_H
#define AWSEMU_STORAGE_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/db.h"

#define ST_NAME_MAX 256

struct st_table {
    int64_t id;
    char name[ST_NAME_MAX];
    char uuid[40];
    double created;           /* epoch seconds */
    char hash_name[ST_NAME_MAX];
    char hash_type;           /* 'S', 'N' or 'B' */
    char range_name[ST_NAME_MAX]; /* "" when the table has no sort key */
    char range_type;          /* 0 when the table has no sort key */
    char *spec;               /* JSON text; NULL unless asked for */
    char *indexes;            /* JSON text describing secondary indexes (owned by the server
                                 layer, opaque here); NULL when the table has none */
};

/* Looks a table up. Returns 1 found, 0 absent, -1 on failure. with_spec copies spec too. */
int st_tables_get(struct db *db, const char *account, const char *region, const char *name,
                  struct st_table *out, bool with_spec);
void st_table_free(struct st_table *t);
/* Frees the calling thread's cache of table rows. Threads that end free theirs by
 * themselves; the main thread calls this before exiting. */
void st_tables_cache_clear(void);

/* Creates a table from t's key fields, uuid, created and spec; sets t->id. Returns 1 created,
 * 0 when the name is taken, -1 on failure. Runs inside a write transaction. */
int st_tables_create(struct db *db, const char *account, const char *region, const char *name,
                     struct st_table *t);

/* Deletes a table and all its items. Runs inside a write transaction. 0 or -1. */
int st_tables_delete(struct db *db, int64_t id);

/* Replaces a table's spec. Runs inside a write transaction. 0 or -1. */
int st_tables_spec_set(struct db *db, int64_t id, const char *spec);

/* Calls fn for up to limit table names after `after` ("" for the start), in order. Returns
 * the number of names visited, or -1 on failure. */
typedef void (*st_tables_name_cb)(const char *name, void *arg);
int st_tables_list(struct db *db, const char *account, const char *region, const char *after,
                   int limit, st_tables_name_cb fn, void *arg);

/* Verifies DESIGN invariants over all tables: SQLite's own check, no orphan items.
 * Appends a description of each violation to problems (one per line); 0 ok, 1 violated,
 * -1 failure. */
struct buf;
int st_tables_check(struct db *db, struct buf *problems);

#endif
