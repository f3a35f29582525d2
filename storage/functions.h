/* storage/functions.h — Lambda functions, scoped by account and region.
 * Threads: any thread, with its own connection from db_thread().
 * A row keeps the function's FunctionConfiguration as JSON text (`config`, owned by
 *   server/lambda*.c; this module never looks inside it except to sum CodeSize for
 *   GetAccountSettings), where its code lives (`code_dir`, and whether that directory is a
 *   hot-reload one the user owns), and the state other operations attach to a function:
 *   resource policy, reserved concurrency, event invoke config and tags (JSON texts).
 * Transactions: st_functions_create/_update/_delete run inside db_write_begin(); a caller
 *   that reads, checks (RevisionId) and writes does all three in one transaction.
 * Ownership: st_function_free() releases the strings st_functions_get() copied out; nothing
 *   points into SQLite memory.
 * Errors: -1 only when SQLite fails (logged); "not found" and "exists" are results. */
#ifndef AWSEMU_STORAGE_FUNCTIONS_H
#define AWSEMU_STORAGE_FUNCTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "storage/db.h"

struct st_function {
    int64_t id;
    char *name;
    char *config;       /* FunctionConfiguration JSON text */
    char *code_dir;     /* extracted package, or the hot-reload directory */
    bool hot_reload;    /* code_dir belongs to the user: never removed */
    char *policy;       /* resource policy JSON text, NULL when none */
    int64_t concurrency; /* reserved concurrency, -1 when none */
    char *event_invoke; /* event invoke config JSON text, NULL when none */
    char *tags;         /* tags JSON object text, NULL when none */
};

void st_function_free(struct st_function *f);

/* Looks a function up. Returns 1 found (out filled), 0 absent, -1 on failure. */
int st_functions_get(struct db *db, const char *account, const char *region, const char *name,
                     struct st_function *out);

/* Inserts f (name, config, code_dir, hot_reload, policy, concurrency, event_invoke, tags);
 * sets f->id. Returns 1 created, 0 when the name is taken, -1 on failure. */
int st_functions_create(struct db *db, const char *account, const char *region,
                        struct st_function *f);

/* Rewrites every mutable column of function f->id from f. 0 or -1. */
int st_functions_update(struct db *db, const struct st_function *f);

/* Deletes function id. 0 or -1. */
int st_functions_delete(struct db *db, int64_t id);

/* Calls fn for up to limit functions whose name sorts after `after` ("" for the start), in
 * name order; f is borrowed for the call. Returns the number visited, or -1 on failure. */
typedef void (*st_functions_cb)(const struct st_function *f, void *arg);
int st_functions_list(struct db *db, const char *account, const char *region, const char *after,
                      int limit, st_functions_cb fn, void *arg);

/* Number of functions and the sum of their CodeSize in one account and region. 0 or -1. */
int st_functions_count(struct db *db, const char *account, const char *region, int64_t *count,
                       int64_t *code_size);

#endif
