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
 *   db_write_rollback(). Meanwhile db_stmt()/db_conn() on that thread's db answer with the
 *   shared writer connection. Code that needs an open transaction asserts
 *   db_in_transaction().
 * Statements: each use binds, steps, copies columns out, then calls db_stmt_done() on every
 *   path (column pointers die there).
 * Errors: failures are logged in full here; callers get -1 and raise a generic internal
 *   error for the client. */
#ifndef AWSEMU_DB_H
#define AWSEMU_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

/* X(name, sql) — storage/streams.c's statements. */
#define DB_STREAM_COLUMNS                                                                      \
    "id, arn, account, region, table_name, table_id, label, view_type, key_schema, enabled,"   \
    " created, coalesce(disabled, 0)"
#define DB_SHARD_COLUMNS                                                                       \
    "id, stream_id, shard_id, coalesce(parent, ''), created, coalesce(closed, 0), start_seq,"  \
    " last_seq, coalesce(end_seq, 0)"
#define DB_STREAM_STATEMENTS(X)                                                                \
    X(DB_STREAMS_INSERT,                                                                       \
      "INSERT INTO ddb_streams (arn, account, region, table_name, table_id, label, view_type," \
      " key_schema, enabled, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9)")          \
    X(DB_STREAMS_SEQ_MAX,                                                                      \
      "SELECT max(coalesce(max(last_seq), 0), coalesce(max(end_seq), 0)) FROM"                 \
      " ddb_stream_shards")                                                                    \
    X(DB_SHARDS_INSERT,                                                                        \
      "INSERT INTO ddb_stream_shards (stream_id, shard_id, parent, created, start_seq,"        \
      " last_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?5 - 1)")                                         \
    X(DB_SHARDS_CLOSE_TABLE,                                                                   \
      "UPDATE ddb_stream_shards SET closed = ?2, end_seq = max(last_seq, start_seq)"          \
      " WHERE end_seq IS NULL"                                                                 \
      " AND stream_id IN (SELECT id FROM ddb_streams WHERE table_id = ?1 AND enabled = 1)")    \
    X(DB_STREAMS_DISABLE_TABLE,                                                                \
      "UPDATE ddb_streams SET enabled = 0, disabled = ?2 WHERE table_id = ?1 AND enabled = 1") \
    X(DB_STREAMS_ACTIVE,                                                                       \
      "SELECT s.view_type, sh.id, sh.stream_id, sh.shard_id, coalesce(sh.parent, ''),"         \
      " sh.created, 0, sh.start_seq, sh.last_seq, 0 FROM ddb_streams s JOIN ddb_stream_shards" \
      " sh ON sh.stream_id = s.id AND sh.end_seq IS NULL WHERE s.table_id = ?1"                \
      " AND s.enabled = 1")                                                                    \
    X(DB_SHARDS_CLOSE,                                                                         \
      "UPDATE ddb_stream_shards SET closed = ?2, end_seq = max(last_seq, start_seq)"          \
      " WHERE id = ?1")                                                                        \
    X(DB_SHARDS_DUE,                                                                           \
      "SELECT s.table_id FROM ddb_streams s JOIN ddb_stream_shards sh ON sh.stream_id = s.id"  \
      " AND sh.end_seq IS NULL WHERE s.enabled = 1 AND sh.created <= ?1 LIMIT ?2")             \
    X(DB_SHARDS_SEQ_SET, "UPDATE ddb_stream_shards SET last_seq = ?2 WHERE id = ?1")           \
    X(DB_RECORDS_INSERT,                                                                       \
      "INSERT INTO ddb_stream_records (shard, seq, event, created, keys, new_image,"           \
      " old_image, size) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")                              \
    X(DB_STREAMS_GET, "SELECT " DB_STREAM_COLUMNS " FROM ddb_streams WHERE arn = ?1")          \
    X(DB_STREAMS_LIST,                                                                         \
      "SELECT " DB_STREAM_COLUMNS " FROM ddb_streams WHERE account = ?1 AND region = ?2"       \
      " AND (?3 IS NULL OR table_name = ?3) AND id > ?4 ORDER BY id LIMIT ?5")                 \
    X(DB_SHARDS_LIST,                                                                          \
      "SELECT " DB_SHARD_COLUMNS " FROM ddb_stream_shards WHERE stream_id = ?1 ORDER BY id")   \
    X(DB_SHARDS_GET,                                                                           \
      "SELECT " DB_SHARD_COLUMNS " FROM ddb_stream_shards WHERE stream_id = ?1"                \
      " AND shard_id = ?2")                                                                    \
    X(DB_RECORDS_OLDEST,                                                                       \
      "SELECT seq FROM ddb_stream_records WHERE shard = ?1 AND created >= ?2 ORDER BY seq"     \
      " LIMIT 1")                                                                              \
    X(DB_RECORDS_READ,                                                                         \
      "SELECT seq, event, created, keys, new_image, old_image, size FROM ddb_stream_records"   \
      " WHERE shard = ?1 AND seq >= ?2 AND created >= ?3 ORDER BY seq LIMIT ?4")               \
    X(DB_RECORDS_TRIM,                                                                         \
      "DELETE FROM ddb_stream_records WHERE (shard, seq) IN (SELECT shard, seq FROM"           \
      " ddb_stream_records WHERE created < ?1 LIMIT ?2)")                                      \
    X(DB_RECORDS_COUNT, "SELECT count(*) FROM ddb_stream_records")                             \
    X(DB_CHECK_STREAMS,                                                                        \
      "SELECT 'record ' || r.seq || ' of shard ' || r.shard || ' is outside its shard''s'"     \
      " || ' sequence range' FROM ddb_stream_records r LEFT JOIN ddb_stream_shards sh"         \
      " ON sh.id = r.shard WHERE sh.id IS NULL OR r.seq < sh.start_seq"                        \
      " OR r.seq > sh.last_seq"                                                                \
      " UNION ALL SELECT 'record ' || seq || ' of shard ' || shard || ' is older than the'"     \
      " || ' record before it' FROM (SELECT shard, seq, created, lag(created) OVER (PARTITION" \
      " BY shard ORDER BY seq) AS before FROM ddb_stream_records) WHERE created < before"      \
      " UNION ALL SELECT 'stream ' || s.arn || ' has ' || count(sh.id) || ' open shards'"      \
      " FROM ddb_streams s LEFT JOIN ddb_stream_shards sh ON sh.stream_id = s.id"              \
      " AND sh.end_seq IS NULL GROUP BY s.id HAVING count(sh.id) != s.enabled"                 \
      " UNION ALL SELECT 'table ' || table_id || ' has ' || count(*) || ' enabled streams'"    \
      " FROM ddb_streams WHERE enabled = 1 GROUP BY table_id HAVING count(*) > 1"              \
      " UNION ALL SELECT 'shard ' || shard_id || ' ends before its last record'"               \
      " FROM ddb_stream_shards WHERE end_seq IS NOT NULL"                                      \
      " AND end_seq != max(last_seq, start_seq)"                                               \
      " UNION ALL SELECT 'shard ' || c.shard_id || ' does not continue its parent'"            \
      " FROM ddb_stream_shards c JOIN ddb_stream_shards p ON p.stream_id = c.stream_id"        \
      " AND p.shard_id = c.parent WHERE p.end_seq IS NULL OR c.start_seq != p.end_seq + 1")

/* X(name, sql) — storage/functions.c's statements (Lambda functions). */
#define DB_FUNCTION_COLUMNS                                                                    \
    "id, name, config, code_dir, hot_reload, policy, concurrency, event_invoke, tags"
#define DB_FUNCTION_STATEMENTS(X)                                                              \
    X(DB_FUNCTIONS_GET,                                                                        \
      "SELECT " DB_FUNCTION_COLUMNS " FROM lambda_functions WHERE account = ?1"                \
      " AND region = ?2 AND name = ?3")                                                        \
    X(DB_FUNCTIONS_INSERT,                                                                     \
      "INSERT INTO lambda_functions (account, region, name, config, code_dir, hot_reload,"     \
      " policy, concurrency, event_invoke, tags) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"  \
      " ?10) ON CONFLICT DO NOTHING")                                                          \
    X(DB_FUNCTIONS_UPDATE,                                                                     \
      "UPDATE lambda_functions SET config = ?2, code_dir = ?3, hot_reload = ?4, policy = ?5,"  \
      " concurrency = ?6, event_invoke = ?7, tags = ?8 WHERE id = ?1")                         \
    X(DB_FUNCTIONS_DELETE, "DELETE FROM lambda_functions WHERE id = ?1")                       \
    X(DB_FUNCTIONS_LIST,                                                                       \
      "SELECT " DB_FUNCTION_COLUMNS " FROM lambda_functions WHERE account = ?1"                \
      " AND region = ?2 AND name > ?3 ORDER BY name LIMIT ?4")                                 \
    X(DB_FUNCTIONS_COUNT,                                                                      \
      "SELECT count(*), coalesce(sum(json_extract(config, '$.CodeSize')), 0)"                  \
      " FROM lambda_functions WHERE account = ?1 AND region = ?2")

/* X(name, sql) — storage/asyncq.c's statements (Lambda's asynchronous invocation queue). */
#define DB_ASYNCQ_STATEMENTS(X)                                                                \
    X(DB_ASYNCQ_INSERT,                                                                        \
      "INSERT INTO lambda_async_events (request_id, account, region, function, qualifier,"     \
      " payload, created, due, attempts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")          \
    X(DB_ASYNCQ_DUE,                                                                           \
      "SELECT id, request_id, account, region, function, qualifier, payload, created, due,"    \
      " attempts FROM lambda_async_events WHERE due <= ?1 AND id > ?2 ORDER BY id LIMIT ?3")   \
    X(DB_ASYNCQ_RETRY, "UPDATE lambda_async_events SET attempts = ?2, due = ?3 WHERE id = ?1") \
    X(DB_ASYNCQ_DELETE, "DELETE FROM lambda_async_events WHERE id = ?1")                       \
    X(DB_ASYNCQ_LIST,                                                                          \
      "SELECT id, request_id, region, function, qualifier, created, due, attempts"             \
      " FROM lambda_async_events ORDER BY id")                                                 \
    X(DB_ASYNCQ_MAX_ID,                                                                        \
      "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'lambda_async_events'),"  \
      " 0)")                                                                                   \
    X(DB_ASYNCQ_COUNT_UPTO, "SELECT count(*) FROM lambda_async_events WHERE id <= ?1")

/* X(name, sql) — storage/mappings.c's statements (Lambda event source mappings). */
#define DB_MAPPING_COLUMNS                                                                     \
    "id, uuid, account, region, function, stream_arn, config, state, enabled, created,"       \
    " last_modified, last_result"
#define DB_MAPPING_STATEMENTS(X)                                                               \
    X(DB_MAPPINGS_INSERT,                                                                      \
      "INSERT INTO lambda_esm (uuid, account, region, function, stream_arn, config, state,"   \
      " enabled, created, last_modified, last_result) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8," \
      " ?9, ?10, ?11) ON CONFLICT DO NOTHING")                                                 \
    X(DB_MAPPINGS_GET,                                                                         \
      "SELECT " DB_MAPPING_COLUMNS " FROM lambda_esm WHERE account = ?1 AND region = ?2"       \
      " AND uuid = ?3")                                                                        \
    X(DB_MAPPINGS_FIND,                                                                        \
      "SELECT " DB_MAPPING_COLUMNS " FROM lambda_esm WHERE account = ?1 AND region = ?2"       \
      " AND function = ?3 AND stream_arn = ?4")                                                \
    X(DB_MAPPINGS_UPDATE,                                                                      \
      "UPDATE lambda_esm SET function = ?2, config = ?3, state = ?4, enabled = ?5,"            \
      " last_modified = ?6 WHERE id = ?1")                                                     \
    X(DB_MAPPINGS_DELETE, "DELETE FROM lambda_esm WHERE id = ?1")                              \
    X(DB_MAPPINGS_DELETE_FUNCTION,                                                             \
      "DELETE FROM lambda_esm WHERE account = ?1 AND region = ?2 AND function = ?3")           \
    X(DB_MAPPINGS_LIST,                                                                        \
      "SELECT " DB_MAPPING_COLUMNS " FROM lambda_esm WHERE account = ?1 AND region = ?2"       \
      " AND (?3 IS NULL OR function = ?3) AND (?4 IS NULL OR stream_arn = ?4) AND id > ?5"     \
      " ORDER BY id LIMIT ?6")                                                                 \
    X(DB_MAPPINGS_ALL,                                                                         \
      "SELECT " DB_MAPPING_COLUMNS " FROM lambda_esm WHERE id > ?1 ORDER BY id LIMIT ?2")      \
    X(DB_MAPPINGS_RESULT_SET, "UPDATE lambda_esm SET last_result = ?2 WHERE id = ?1")          \
    X(DB_CHECKPOINTS_GET,                                                                      \
      "SELECT seq FROM lambda_esm_checkpoints WHERE mapping = ?1 AND shard_id = ?2")           \
    X(DB_CHECKPOINTS_SET,                                                                      \
      "INSERT INTO lambda_esm_checkpoints (mapping, shard_id, seq, updated)"                   \
      " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (mapping, shard_id) DO UPDATE SET"                 \
      " seq = excluded.seq, updated = excluded.updated")                                       \
    X(DB_CHECKPOINTS_DELETE, "DELETE FROM lambda_esm_checkpoints WHERE mapping = ?1")          \
    X(DB_CHECKPOINTS_DELETE_FUNCTION,                                                          \
      "DELETE FROM lambda_esm_checkpoints WHERE mapping IN (SELECT id FROM lambda_esm"         \
      " WHERE account = ?1 AND region = ?2 AND function = ?3)")                             \
    X(DB_ESM_FAILURES_INSERT,                                                                  \
      "INSERT INTO lambda_esm_failures (mapping_uuid, function, destination, condition,"       \
      " created, info) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")                                        \
    X(DB_ESM_FAILURES_LIST,                                                                    \
      "SELECT id, mapping_uuid, function, destination, condition, created, info"               \
      " FROM lambda_esm_failures WHERE (?1 IS NULL OR mapping_uuid = ?1) AND id > ?2"          \
      " ORDER BY id LIMIT ?3")

/* X(name, sql) — every statement in the program, prepared per connection. */
#define DB_STATEMENTS(X)                                                                       \
    X(DB_BEGIN_IMMEDIATE, "BEGIN IMMEDIATE")                                                   \
    X(DB_COMMIT, "COMMIT")                                                                     \
    X(DB_ROLLBACK, "ROLLBACK")                                                                 \
    X(DB_SAVEPOINT, "SAVEPOINT grouped")                                                       \
    X(DB_RELEASE, "RELEASE grouped")                                                           \
    X(DB_ROLLBACK_TO, "ROLLBACK TO grouped")                                                   \
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
    X(DB_CHECK_INTEGRITY, "PRAGMA quick_check")                                                \
    DB_STREAM_STATEMENTS(X)                                                                    \
    DB_FUNCTION_STATEMENTS(X)                                                                  \
    DB_ASYNCQ_STATEMENTS(X)                                                                    \
    DB_MAPPING_STATEMENTS(X)

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
    bool tables_changed; /* the open write transaction changed table metadata */
    struct db *_next;
};

/* Opens (creating if needed) the database in dir and migrates its schema. synchronous is
 * "NORMAL" for persistent state, "OFF" for ephemeral state. Returns 0 or -1 (logged). */
int db_open(const char *dir, bool ephemeral);
/* Closes every connection; the threads that used them must have stopped. */
void db_close(void);
/* The state directory db_open() was given (function code lives beside awsemu.db); valid from
 * db_open() until db_close(). */
const char *db_dir(void);

/* The calling thread's connection, opened on first use; NULL (logged) if it cannot open. */
struct db *db_thread(void);

/* The statement, on the writer connection while db is inside a write transaction. */
sqlite3_stmt *db_stmt(struct db *db, enum db_stmt_id id);
/* The SQLite connection statements of db run on now (for sqlite3_changes and the like). */
sqlite3 *db_conn(struct db *db);
void db_stmt_done(sqlite3_stmt *stmt);
/* sqlite3_step(), through which every step in storage/ goes so tests can inject faults. */
int db_step(sqlite3_stmt *stmt);
#ifdef AWSEMU_DEBUG
/* Debug builds: makes the nth db_step() from now fail with SQLITE_IOERR (0 disarms). */
void db_fault_inject(int nth);
#endif
/* Steps a statement that returns no rows (or ignores them); 0 or -1 (logged). */
int db_stmt_exec(struct db *db, sqlite3_stmt *stmt);
/* Logs a failed step on stmt with SQLite's message; returns -1. */
int db_fail(struct db *db, sqlite3_stmt *stmt, int rc);

/* Marks the open write transaction as one that changes table metadata: when it ends
 * (commit or rollback), db_tables_generation() moves on, so caches of table metadata taken
 * before then stop being used. */
void db_write_note_tables(struct db *db);
uint64_t db_tables_generation(void);

int db_write_begin(struct db *db);
int db_write_commit(struct db *db);
void db_write_rollback(struct db *db);
bool db_in_transaction(const struct db *db);

/* after_commit() runs on the committing thread after every commit that succeeded: a plain
 * db_write_commit(), or a group's db_write_group_end() (set once, at start). */
void db_write_commit_hook_set(void (*after_commit)(void));

/* Group commit. Between db_write_group_begin() and db_write_group_end() on one thread, each
 * db_write_begin()..db_write_commit() is a savepoint inside one transaction (rolled back alone
 * by db_write_rollback()), opened by the first write and committed by db_write_group_end():
 * several writes pay for one commit. Their effects are durable, and may be acknowledged, only
 * once db_write_group_end() returned 0; -1 means none of them was committed. The write lock
 * is held from the group's first write to its end, so a group must stay short. */
void db_write_group_begin(void);
int db_write_group_end(void);

#endif
