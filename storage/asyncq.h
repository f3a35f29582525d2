/* storage/asyncq.h — Lambda's asynchronous invocation queue: events accepted with a 202 and
 * not yet finished (DESIGN invariant 4: a 202 means the event is already stored).
 *
 * Threads: any thread, with its own connection from db_thread().
 * Transactions: st_asyncq_add/_retry/_delete write; callers wrap them in
 *   db_write_begin()/db_write_commit() (one transaction may finish an event and enqueue its
 *   destination's).
 * Ownership: an st_async_event owns its strings and payload (st_async_event_clear).
 * Errors: -1 when SQLite fails (logged in db.c). */
#ifndef AWSEMU_STORAGE_ASYNCQ_H
#define AWSEMU_STORAGE_ASYNCQ_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/db.h"

struct st_async_event {
    int64_t id;
    char request_id[40];
    char *account;
    char *region;
    char *function;  /* function name */
    char *qualifier; /* "" for $LATEST */
    char *payload;
    size_t payload_len;
    double created; /* emulator epoch seconds */
    double due;     /* next attempt */
    int attempts;   /* attempts made so far */
};

void st_async_event_clear(struct st_async_event *e);

int st_asyncq_add(struct db *db, const struct st_async_event *e);
/* Up to max events due at now with id > after, oldest due first; *n gets how many. */
int st_asyncq_due(struct db *db, double now, int64_t after, struct st_async_event *out,
                  int max, int *n);
int st_asyncq_retry(struct db *db, int64_t id, int attempts, double due);
int st_asyncq_delete(struct db *db, int64_t id);
/* The highest event id stored so far (0 when none ever was). 0 or -1. */
int st_asyncq_max_id(struct db *db, int64_t *id);
/* How many stored events have id <= max_id. 0 or -1. */
int st_asyncq_count_upto(struct db *db, int64_t max_id, int64_t *n);
/* Every queued event's metadata (not payloads), for introspection: a new JSON array. */
json_t *st_asyncq_list(struct db *db);

#endif
