/* storage/items.h — DynamoDB items, stored under the order-preserving key encoding
 * (server/dynamodb_value.h), so SQLite's index order is DynamoDB's key order.
 * Threads: any thread, using its own connection from db_thread().
 * Transactions: st_items_put()/st_items_delete() run inside db_write_begin() (later with the
 *   stream record in the same transaction, DESIGN invariant 1). Item count and size are
 *   computed when asked (st_items_stats) rather than kept per write: a counter row would add
 *   a second page to every write's WAL commit, and DescribeTable is rare next to writes.
 * Ownership: item images are copied into the caller's buf; nothing points into SQLite memory.
 * Errors: -1 only when SQLite fails (logged); a missing item is 0, not an error. */
#ifndef AWSEMU_STORAGE_ITEMS_H
#define AWSEMU_STORAGE_ITEMS_H

#include <stddef.h>
#include <stdint.h>

#include "server/buf.h"
#include "storage/db.h"

struct st_item_key {
    const void *pk;
    size_t pk_len;
    const void *sk; /* empty for tables without a sort key */
    size_t sk_len;
};

/* Copies the stored item (DynamoDB JSON text) into out and its DynamoDB size into *size.
 * 1 found, 0 absent, -1 failure. */
int st_items_get(struct db *db, int64_t table, const struct st_item_key *key, struct buf *out,
                 int64_t *size);

/* Inserts or replaces an item; size is its DynamoDB size. If old is not NULL the replaced
 * item's text is copied into it and the result says whether one was replaced (1) or not
 * (0); without old the result is 0 either way. -1 on failure. */
int st_items_put(struct db *db, int64_t table, const struct st_item_key *key, const char *item,
                 size_t item_len, size_t size, struct buf *old);

/* Deletes an item; if old is not NULL the deleted item's text is copied into it; *old_size
 * gets its DynamoDB size. Returns 1 if an item was deleted, 0 if there was none, -1. */
int st_items_delete(struct db *db, int64_t table, const struct st_item_key *key,
                    struct buf *old, int64_t *old_size);

/* Counts a table's items and adds up their DynamoDB sizes. 0 or -1. */
int st_items_stats(struct db *db, int64_t table, int64_t *count, int64_t *bytes);

#endif
