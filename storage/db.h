/* storage/db.h — SQLite: opening, schema migrations, per-thread connections, prepared
 * statements and write transactions. Nothing outside storage/ issues SQL.
 *
 * Threads: db_open()/db_close() from main only, before any other thread uses storage and
 *   after they all stopped. db_thread() from any thread: it returns that thread's own
 *   connection, opened on first use with every statement prepared once; main closes them all
 *   in db_close().
 * Transactions: writes are serialised by a process-wide lock taken in db_write_begin() (WAL
 *   has one writer; waiting on our own lock beats SQLite's sleeping busy handler), and every
 *   write that must be atomic happens between db_write_begin() and db_write_commit() or
 *   db_write_rollback(). Code that needs an open transaction asserts db_in_transaction().
 * Statements: each use binds, steps, copies columns out, then calls db_stmt_done() on every
 *   path (column pointers die there).
 * Errors: failures are logged in full here; callers get -1 and raise a generic internal
 *   error for the client. */
#ifndef AWSEMU_DB_H
#define AWSEMU_DB_H

#include <sqlite3.h>
#include <stdbool.h>

/* X(name, sql) — every statement in the program, prepared per connection. */
#define DB_STATEMENTS(X)                                                                       \
    X(DB_BEGIN_IMMEDIATE, "BEGIN IMMEDIATE")                                                   \
    X(DB_COMMIT, "COMMIT")                                                                     \
    X(DB_ROLLBACK, "ROLLBACK")                                                                 \
    X(DB_TABLES_GET,                                                                           \
      "SELECT id, table_uuid, created, hash_name, hash_type, range_name, range_type,"          \
      " spec, indexes FROM ddb_tables"                                                         \
      " WHERE account = ?1 AND region = ?2 AND name = ?3")                                     \
    X(DB_TABLES_INSERT,                                                                        \
      "INSERT INTO ddb_tables (account, region, name, table_uuid, created, hash_name,"         \
      " hash_type, range_name, range_type, spec, indexes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7," \
      " ?8, ?9, ?10, ?11) ON CONFLICT DO NOTHING")                                             \
    X(DB_TABLES_DELETE, "DELETE FROM ddb_tables WHERE id = ?1")                                \
    X(DB_TABLES_SPEC_SET, "UPDATE ddb_tables SET spec = ?2 WHERE id = ?1")                     \
    X(DB_TABLES_LIST,                                                                          \
      "SELECT name FROM ddb_tables WHERE account = ?1 AND region = ?2 AND name > ?3"           \
      " ORDER BY name LIMIT ?4")                                                               \
    X(DB_ITEMS_GET,                                                                            \
      "SELECT size, item FROM ddb_items WHERE table_id = ?1 AND pk = ?2 AND sk = ?3")          \
    X(DB_ITEMS_SIZE_GET,                                                                       \
      "SELECT size FROM ddb_items WHERE table_id = ?1 AND pk = ?2 AND sk = ?3")                \
    X(DB_ITEMS_OLD_GET,                                                                        \
      "SELECT size, item FROM ddb_items WHERE table_id = ?1 AND pk = ?2 AND sk = ?3")          \
    X(DB_ITEMS_UPSERT,                                                                         \
      "INSERT INTO ddb_items (table_id, pk, sk, size, item) VALUES (?1, ?2, ?3, ?4, ?5)"       \
      " ON CONFLICT (table_id, pk, sk) DO UPDATE SET size = excluded.size,"                    \
      " item = excluded.item")                                                                 \
    X(DB_ITEMS_DELETE, "DELETE FROM ddb_items WHERE table_id = ?1 AND pk = ?2 AND sk = ?3")    \
    X(DB_ITEMS_DELETE_TABLE, "DELETE FROM ddb_items WHERE table_id = ?1")                      \
    X(DB_INDEX_DELETE_TABLE, "DELETE FROM ddb_index_items WHERE table_id = ?1")                \
    X(DB_INDEX_DELETE_ITEM,                                                                    \
      "DELETE FROM ddb_index_items WHERE table_id = ?1 AND pk = ?2 AND sk = ?3")               \
    X(DB_INDEX_INSERT,                                                                         \
      "INSERT OR REPLACE INTO ddb_index_items (table_id, pk, sk, index_name, ipk, isk)"        \
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6)")                                                      \
    X(DB_ITEMS_QUERY_ASC,                                                                      \
      "SELECT pk, sk, item, size FROM ddb_items WHERE table_id = ?1 AND pk = ?2"               \
      " AND sk >= ?3 AND sk < ?4 ORDER BY sk ASC")                                             \
    X(DB_ITEMS_QUERY_DESC,                                                                     \
      "SELECT pk, sk, item, size FROM ddb_items WHERE table_id = ?1 AND pk = ?2"               \
      " AND sk >= ?3 AND sk < ?4 ORDER BY sk DESC")                                            \
    X(DB_INDEX_QUERY_ASC,                                                                      \
      "SELECT x.pk, x.sk, i.item, i.size FROM ddb_index_items x JOIN ddb_items i"              \
      " ON i.table_id = x.table_id AND i.pk = x.pk AND i.sk = x.sk"                            \
      " WHERE x.table_id = ?1 AND x.index_name = ?5 AND x.ipk = ?2 AND x.isk >= ?3"            \
      " AND x.isk < ?4 AND (x.isk, x.pk, x.sk) > (?6, ?7, ?8)"                                 \
      " ORDER BY x.isk ASC, x.pk ASC, x.sk ASC")                                               \
    X(DB_INDEX_QUERY_DESC,                                                                     \
      "SELECT x.pk, x.sk, i.item, i.size FROM ddb_index_items x JOIN ddb_items i"              \
      " ON i.table_id = x.table_id AND i.pk = x.pk AND i.sk = x.sk"                            \
      " WHERE x.table_id = ?1 AND x.index_name = ?5 AND x.ipk = ?2 AND x.isk >= ?3"            \
      " AND x.isk < ?4 AND (x.isk, x.pk, x.sk) < (?6, ?7, ?8)"                                 \
      " ORDER BY x.isk DESC, x.pk DESC, x.sk DESC")                                            \
    X(DB_ITEMS_SCAN,                                                                           \
      "SELECT pk, sk, item, size FROM ddb_items WHERE table_id = ?1 AND (pk, sk) > (?2, ?3)"   \
      " ORDER BY pk, sk")                                                                      \
    X(DB_INDEX_SCAN,                                                                           \
      "SELECT x.pk, x.sk, i.item, i.size FROM ddb_index_items x JOIN ddb_items i"              \
      " ON i.table_id = x.table_id AND i.pk = x.pk AND i.sk = x.sk"                            \
      " WHERE x.table_id = ?1 AND x.index_name = ?2 AND (x.ipk, x.isk, x.pk, x.sk) >"          \
      " (?3, ?4, ?5, ?6) ORDER BY x.ipk, x.isk, x.pk, x.sk")                                   \
    X(DB_ITEMS_STATS,                                                                          \
      "SELECT count(*), coalesce(sum(size), 0) FROM ddb_items WHERE table_id = ?1")            \
    X(DB_CHECK_ORPHAN_ITEMS,                                                                   \
      "SELECT (SELECT count(*) FROM ddb_items WHERE table_id NOT IN (SELECT id FROM"           \
      " ddb_tables)) + (SELECT count(*) FROM ddb_index_items x WHERE NOT EXISTS (SELECT 1"     \
      " FROM ddb_items i WHERE i.table_id = x.table_id AND i.pk = x.pk AND i.sk = x.sk))")     \
    X(DB_CHECK_INTEGRITY, "PRAGMA quick_check")

enum db_stmt_id {
#define DB_STMT_ENUM(name, sql) name,
    DB_STATEMENTS(DB_STMT_ENUM)
#undef DB_STMT_ENUM
        DB_STMT_COUNT
};

struct db {
    sqlite3 *conn;
    sqlite3_stmt *stmts[DB_STMT_COUNT];
    bool in_write; /* holds the process-wide write lock */
    struct db *_next;
};

/* Opens (creating if needed) the database in dir and migrates its schema. synchronous is
 * "NORMAL" for persistent state, "OFF" for ephemeral state. Returns 0 or -1 (logged). */
int db_open(const char *dir, bool ephemeral);
/* Closes every connection; the threads that used them must have stopped. */
void db_close(void);

/* The calling thread's connection, opened on first use; NULL (logged) if it cannot open. */
struct db *db_thread(void);

sqlite3_stmt *db_stmt(struct db *db, enum db_stmt_id id);
void db_stmt_done(sqlite3_stmt *stmt);
/* Steps a statement that returns no rows (or ignores them); 0 or -1 (logged). */
int db_stmt_exec(struct db *db, sqlite3_stmt *stmt);
/* Logs a failed step on stmt with SQLite's message; returns -1. */
int db_fail(struct db *db, sqlite3_stmt *stmt, int rc);

int db_write_begin(struct db *db);
int db_write_commit(struct db *db);
void db_write_rollback(struct db *db);
bool db_in_transaction(const struct db *db);

#endif
