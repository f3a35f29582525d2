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

#include <stdbool.h>
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

/* An item's entry in a secondary index: the index name and the encoded index key. */
struct st_index_entry {
    const char *index;
    const void *ipk;
    size_t ipk_len;
    const void *isk; /* empty when the index has no sort key */
    size_t isk_len;
};

/* Inserts or replaces an item; size is its DynamoDB size. If old is not NULL the replaced
 * item's text is copied into it and the result says whether one was replaced (1) or not
 * (0); without old the result is 0 either way. With indexed set, the item's previous index
 * entries are replaced by entries[0..n). -1 on failure. */
int st_items_put(struct db *db, int64_t table, const struct st_item_key *key, const char *item,
                 size_t item_len, size_t size, struct buf *old, bool indexed,
                 const struct st_index_entry *entries, size_t n);

/* Deletes an item (and, with indexed set, its index entries); if old is not NULL the deleted
 * item's text is copied into it; *old_size gets its DynamoDB size. Returns 1 if an item was
 * deleted, 0 if there was none, -1. */
int st_items_delete(struct db *db, int64_t table, const struct st_item_key *key,
                    struct buf *old, int64_t *old_size, bool indexed);

/* A half-open range [lo, hi) of encoded sort keys; hi NULL means unbounded. */
struct st_range {
    const void *lo;
    size_t lo_len;
    const void *hi;
    size_t hi_len;
};

/* One row of a query or scan, borrowed until the callback returns. Return 1 to go on, 0 to
 * stop, -1 to stop with an error (passed through as the walk's result). */
struct st_row {
    const void *pk, *sk;
    size_t pk_len, sk_len;
    const char *item;
    size_t item_len;
    int64_t size;
};
typedef int (*st_row_cb)(const struct st_row *row, void *arg);

/* Walks the items whose partition key is pk and sort key is in range, in sort-key order
 * (forward) or reverse. index NULL walks the table; otherwise the named index, where pk and
 * range are index keys, and after (may be NULL) is the position to resume after: encoded
 * (index sort key, table pk, table sk) of the last row returned. Returns 0 when done or
 * stopped, -1 on failure (logged) or when the callback returned -1. */
struct st_position {
    const void *isk, *pk, *sk;
    size_t isk_len, pk_len, sk_len;
};
int st_items_query(struct db *db, int64_t table, const char *index, const void *pk,
                   size_t pk_len, const struct st_range *range, bool forward,
                   const struct st_position *after, st_row_cb fn, void *arg);

/* Walks all items of a table (index NULL) or index in key order, resuming after the given
 * position (NULL from the start; for an index, ipk in `ipk`/`ipk_len`). Same results. */
int st_items_scan(struct db *db, int64_t table, const char *index, const void *ipk,
                  size_t ipk_len, const struct st_position *after, st_row_cb fn, void *arg);

/* Counts a table's items and adds up their DynamoDB sizes. 0 or -1. */
int st_items_stats(struct db *db, int64_t table, int64_t *count, int64_t *bytes);

#endif
