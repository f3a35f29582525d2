/* storage/db.c — SQLite connections, schema and transactions; see db.h.
 *
 * DESIGN: one database file (awsemu.db) in WAL mode. Every thread that touches storage gets
 * its own connection the first time it asks (db_thread), with all statements prepared once
 * (SQLITE_PREPARE_PERSISTENT). Connections are registered in a list so main can finalize and
 * close them after the threads stopped. Writers serialise on write_lock before BEGIN
 * IMMEDIATE, so SQLite never has to make one of our threads sleep in its busy handler, and
 * every write transaction runs on one shared writer connection: with a connection per
 * writing thread, each commit by one thread invalidated the other connections' page caches
 * and the next write re-read its pages (8 pread() per PutItem at two threads, strace). */
#include "storage/db.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_MODULE "db"
#include "server/buf.h"
#include "server/log.h"

/* unix-excl holds the database file's lock for as long as awsemu runs and keeps the WAL index
 * in this process's memory: connections of one process share both, so every transaction
 * skips the fcntl() calls the default VFS makes (8 per PutItem, measured with strace), and a
 * second awsemu on the same --data directory is refused instead of competing for it. */
#define DB_VFS "unix-excl"

static const char *const statement_sql[DB_STMT_COUNT] = {
#define DB_STMT_SQL(name, sql) [name] = sql,
    DB_STATEMENTS(DB_STMT_SQL)
#undef DB_STMT_SQL
};

/* Each entry migrates the schema from version i to i+1. Never edit a shipped entry. */
static const char *const migrations[] = {
    "CREATE TABLE ddb_tables ("
    "  id INTEGER PRIMARY KEY,"
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  table_uuid TEXT NOT NULL,"
    "  created REAL NOT NULL,"
    "  hash_name TEXT NOT NULL,"
    "  hash_type TEXT NOT NULL,"
    "  range_name TEXT,"
    "  range_type TEXT,"
    "  spec TEXT NOT NULL,"
    "  indexes TEXT,"
    "  UNIQUE (account, region, name));"
    "CREATE TABLE ddb_items ("
    "  table_id INTEGER NOT NULL,"
    "  pk BLOB NOT NULL,"
    "  sk BLOB NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  item BLOB NOT NULL,"
    "  PRIMARY KEY (table_id, pk, sk)) WITHOUT ROWID;"
    "CREATE TABLE ddb_index_items ("
    "  table_id INTEGER NOT NULL,"
    "  index_name TEXT NOT NULL,"
    "  ipk BLOB NOT NULL,"
    "  isk BLOB NOT NULL,"
    "  pk BLOB NOT NULL,"
    "  sk BLOB NOT NULL,"
    "  PRIMARY KEY (table_id, index_name, ipk, isk, pk, sk)) WITHOUT ROWID;"
    "CREATE INDEX ddb_index_items_by_item ON ddb_index_items (table_id, pk, sk);",
    /* 2: DynamoDB Streams (storage/streams.h). */
    "CREATE TABLE ddb_streams ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  arn TEXT NOT NULL UNIQUE,"
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  table_name TEXT NOT NULL,"
    "  table_id INTEGER NOT NULL,"
    "  label TEXT NOT NULL,"
    "  view_type TEXT NOT NULL,"
    "  key_schema TEXT NOT NULL,"
    "  enabled INTEGER NOT NULL,"
    "  created REAL NOT NULL,"
    "  disabled REAL);"
    "CREATE INDEX ddb_streams_by_table ON ddb_streams (table_id, enabled);"
    "CREATE INDEX ddb_streams_by_owner ON ddb_streams (account, region, table_name);"
    "CREATE TABLE ddb_stream_shards ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  stream_id INTEGER NOT NULL,"
    "  shard_id TEXT NOT NULL,"
    "  parent TEXT,"
    "  created REAL NOT NULL,"
    "  closed REAL,"
    "  start_seq INTEGER NOT NULL,"
    "  last_seq INTEGER NOT NULL,"
    "  end_seq INTEGER,"
    "  UNIQUE (stream_id, shard_id));"
    "CREATE TABLE ddb_stream_records ("
    "  shard INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  event TEXT NOT NULL,"
    "  created REAL NOT NULL,"
    "  keys TEXT NOT NULL,"
    "  new_image TEXT,"
    "  old_image TEXT,"
    "  size INTEGER NOT NULL,"
    "  PRIMARY KEY (shard, seq)) WITHOUT ROWID;"
    "CREATE INDEX ddb_stream_records_by_time ON ddb_stream_records (created);",
    /* 3: Lambda functions (storage/functions.h). */
    "CREATE TABLE lambda_functions ("
    "  id INTEGER PRIMARY KEY,"
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  config TEXT NOT NULL,"
    "  code_dir TEXT NOT NULL,"
    "  hot_reload INTEGER NOT NULL,"
    "  policy TEXT,"
    "  concurrency INTEGER,"
    "  event_invoke TEXT,"
    "  tags TEXT,"
    "  UNIQUE (account, region, name));",
    /* 4: Lambda's asynchronous invocation queue (storage/asyncq.h). */
    "CREATE TABLE lambda_async_events ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  request_id TEXT NOT NULL,"
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  function TEXT NOT NULL,"
    "  qualifier TEXT NOT NULL,"
    "  payload BLOB NOT NULL,"
    "  created REAL NOT NULL,"
    "  due REAL NOT NULL,"
    "  attempts INTEGER NOT NULL);",
    /* 5: Lambda event source mappings and their per-shard checkpoints (storage/mappings.h). */
    "CREATE TABLE lambda_esm ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  uuid TEXT NOT NULL UNIQUE,"
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  function TEXT NOT NULL,"
    "  stream_arn TEXT NOT NULL,"
    "  config TEXT NOT NULL,"
    "  state TEXT NOT NULL,"
    "  enabled INTEGER NOT NULL,"
    "  created REAL NOT NULL,"
    "  last_modified REAL NOT NULL,"
    "  last_result TEXT NOT NULL,"
    "  UNIQUE (account, region, function, stream_arn));"
    "CREATE INDEX lambda_esm_by_stream ON lambda_esm (stream_arn);"
    "CREATE TABLE lambda_esm_checkpoints ("
    "  mapping INTEGER NOT NULL,"
    "  shard_id TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  updated REAL NOT NULL,"
    "  PRIMARY KEY (mapping, shard_id)) WITHOUT ROWID;",
    /* 6: batches event source mappings gave up on, with their OnFailure metadata
     * (storage/mappings.h). */
    "CREATE TABLE lambda_esm_failures ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  mapping_uuid TEXT NOT NULL,"
    "  function TEXT NOT NULL,"
    "  destination TEXT,"
    "  condition TEXT NOT NULL,"
    "  created REAL NOT NULL,"
    "  info TEXT NOT NULL);"
    "CREATE INDEX lambda_esm_failures_by_mapping ON lambda_esm_failures (mapping_uuid, id);",
};

static struct {
    char *dir;
    char *path;
    bool ephemeral;
    pthread_mutex_t list_lock;
    pthread_mutex_t write_lock;
    struct db *all;
    struct db *writer; /* the connection every write transaction runs on */
    sqlite3 *keeper;
} g = {.list_lock = PTHREAD_MUTEX_INITIALIZER,
       /* Adaptive: a write holds the lock for microseconds, so a waiter spins briefly before
        * sleeping, which saves the context switches a plain mutex costs under concurrent
        * writers. */
       .write_lock = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP};

static _Thread_local struct db *thread_db;

static int exec_sql(sqlite3 *conn, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(conn, sql, NULL, NULL, &msg) != SQLITE_OK) {
        LOG_ERROR("cannot run '%.60s' on '%s': %s", sql, g.path, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int configure(sqlite3 *conn)
{
    sqlite3_busy_timeout(conn, 10000);
    if (exec_sql(conn, "PRAGMA journal_mode = WAL") < 0)
        return -1;
    return exec_sql(conn, g.ephemeral ? "PRAGMA synchronous = OFF"
                                      : "PRAGMA synchronous = NORMAL");
}

static int migrate(sqlite3 *conn)
{
    sqlite3_stmt *st = NULL;
    int version = 0;
    if (sqlite3_prepare_v2(conn, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    int latest = (int)(sizeof migrations / sizeof migrations[0]);
    if (version > latest) {
        LOG_ERROR("database '%s' has schema version %d, newer than this awsemu (%d)", g.path,
                  version, latest);
        return -1;
    }
    for (int v = version; v < latest; v++) {
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d", v + 1);
        if (exec_sql(conn, "BEGIN IMMEDIATE") < 0)
            return -1;
        if (exec_sql(conn, migrations[v]) < 0 || exec_sql(conn, bump) < 0) {
            exec_sql(conn, "ROLLBACK");
            return -1;
        }
        if (exec_sql(conn, "COMMIT") < 0)
            return -1;
    }
    return 0;
}

static void connection_free(struct db *db)
{
    if (!db)
        return;
    for (int i = 0; i < DB_STMT_COUNT; i++)
        sqlite3_finalize(db->stmts[i]);
    if (db->conn && sqlite3_close(db->conn) != SQLITE_OK)
        LOG_ERROR("cannot close database '%s': a statement was leaked", g.path);
    free(db);
}

static struct db *connection_open(void)
{
    struct db *db = xcalloc(1, sizeof *db);
    int rc = sqlite3_open_v2(g.path, &db->conn,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             DB_VFS);
    if (rc != SQLITE_OK) {
        LOG_ERROR("cannot open database '%s': %s", g.path, sqlite3_errstr(rc));
        goto fail;
    }
    if (configure(db->conn) < 0)
        goto fail;
    for (int i = 0; i < DB_STMT_COUNT; i++) {
        rc = sqlite3_prepare_v3(db->conn, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                &db->stmts[i], NULL);
        if (rc != SQLITE_OK) {
            LOG_ERROR("cannot prepare '%.60s': %s", statement_sql[i], sqlite3_errmsg(db->conn));
            goto fail;
        }
    }
    return db;
fail:
    connection_free(db);
    return NULL;
}

int db_open(const char *dir, bool ephemeral)
{
    if (mkdir(dir, 0700) < 0 && access(dir, W_OK) < 0) {
        LOG_ERROR("cannot create data directory '%s'", dir);
        return -1;
    }
    struct buf path = BUF_INIT;
    buf_addf(&path, "%s/awsemu.db", dir);
    g.path = buf_take(&path);
    g.dir = xstrdup(dir);
    g.ephemeral = ephemeral;
    sqlite3 *conn = NULL;
    int rc = sqlite3_open_v2(g.path, &conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, DB_VFS);
    if (rc != SQLITE_OK) {
        LOG_ERROR("cannot open database '%s': %s", g.path, sqlite3_errstr(rc));
        sqlite3_close(conn);
        return -1;
    }
    /* Under unix-excl another awsemu on the same directory holds the lock for good: fail at
     * once instead of waiting out the busy timeout. */
    sqlite3_busy_timeout(conn, 0);
    /* 8 KB pages hold items of up to ~2 KB inside the b-tree (WITHOUT ROWID tables keep at
     * most about a quarter page locally): with 4 KB pages every 1 KB item spilled onto an
     * overflow page, and a 100-item Query read ~130 pages instead of ~15. Only a new
     * database takes the setting; it must come before WAL is enabled. */
    int ret = exec_sql(conn, "PRAGMA page_size = 8192");
    if (ret == 0)
        ret = exec_sql(conn, "PRAGMA journal_mode = WAL");
    if (ret == 0 && sqlite3_get_autocommit(conn) && exec_sql(conn, "BEGIN IMMEDIATE") == 0)
        ret = exec_sql(conn, "COMMIT");
    else
        ret = -1;
    if (ret < 0)
        LOG_ERROR("cannot lock database '%s': is another awsemu using this --data directory?",
                  g.path);
    if (ret == 0)
        ret = configure(conn) == 0 && migrate(conn) == 0 ? 0 : -1;
    if (ret < 0) {
        sqlite3_close(conn);
        return -1;
    }
    g.keeper = conn; /* kept open so the lock is ours until db_close() */
    return 0;
}

void db_close(void)
{
    pthread_mutex_lock(&g.list_lock);
    struct db *all = g.all;
    g.all = NULL;
    pthread_mutex_unlock(&g.list_lock);
    for (struct db *db = all, *next; db; db = next) {
        next = db->_next;
        connection_free(db);
    }
    thread_db = NULL;
    g.writer = NULL;
    sqlite3_close(g.keeper);
    g.keeper = NULL;
    free(g.path);
    g.path = NULL;
    free(g.dir);
    g.dir = NULL;
}

const char *db_dir(void)
{
    return g.dir;
}

struct db *db_thread(void)
{
    if (thread_db)
        return thread_db;
    struct db *db = connection_open();
    if (!db)
        return NULL;
    pthread_mutex_lock(&g.list_lock);
    db->_next = g.all;
    g.all = db;
    pthread_mutex_unlock(&g.list_lock);
    thread_db = db;
    return db;
}

/* Inside a write transaction every statement runs on the one writer connection (see
 * db_write_begin), so its page cache stays warm and the transaction sees its own changes. */
static struct db *effective(struct db *db)
{
    return db->in_write ? g.writer : db;
}

sqlite3 *db_conn(struct db *db)
{
    return effective(db)->conn;
}

sqlite3_stmt *db_stmt(struct db *db, enum db_stmt_id id)
{
    assert(id >= 0 && id < DB_STMT_COUNT);
    return effective(db)->stmts[id];
}

void db_stmt_done(sqlite3_stmt *stmt)
{
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
}

int db_fail(struct db *db, sqlite3_stmt *stmt, int rc)
{
    LOG_ERROR("statement '%.60s' failed: %s (%s)", sqlite3_sql(stmt), sqlite3_errstr(rc),
              sqlite3_errmsg(db_conn(db)));
    return -1;
}

#ifdef AWSEMU_DEBUG
/* Fault injection for tests (STYLE §8): the Nth step from now fails as an I/O error would. */
static _Atomic int fault_countdown;

void db_fault_inject(int nth)
{
    fault_countdown = nth;
}
#endif

int db_step(sqlite3_stmt *stmt)
{
#ifdef AWSEMU_DEBUG
    if (fault_countdown > 0 && --fault_countdown == 0)
        return SQLITE_IOERR;
#endif
    return sqlite3_step(stmt);
}

int db_stmt_exec(struct db *db, sqlite3_stmt *stmt)
{
    int rc = db_step(stmt);
    int ret = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? 0 : db_fail(db, stmt, rc);
    db_stmt_done(stmt);
    return ret;
}

static _Atomic uint64_t tables_generation = 1;

void db_write_note_tables(struct db *db)
{
    assert(db->in_write);
    db->tables_changed = true;
}

uint64_t db_tables_generation(void)
{
    return tables_generation;
}

/* Ends the write: a metadata change moves the generation on only after its commit (or
 * rollback), so a cache filled from the old rows during the transaction is dropped too. */
static void write_end(struct db *db)
{
    db->in_write = false;
    if (db->tables_changed)
        tables_generation++;
    db->tables_changed = false;
    pthread_mutex_unlock(&g.write_lock);
}

/* The writer connection is opened by the first write, under the write lock. */
static int writer_open(void)
{
    if (g.writer)
        return 0;
    struct db *w = connection_open();
    if (!w)
        return -1;
    pthread_mutex_lock(&g.list_lock);
    w->_next = g.all;
    g.all = w;
    pthread_mutex_unlock(&g.list_lock);
    g.writer = w;
    return 0;
}

/* This thread's write group (see db_write_group_begin). */
static _Thread_local struct {
    bool active;         /* between db_write_group_begin() and db_write_group_end() */
    bool open;           /* its transaction is open: the write lock is held */
    bool broken;         /* SQLite ended the transaction on an error: nothing will commit */
    bool tables_changed; /* a write of the group changed table metadata */
} group;

static void (*after_commit_hook)(void);

void db_write_commit_hook_set(void (*after_commit)(void))
{
    after_commit_hook = after_commit;
}

static void after_commit(void)
{
    if (after_commit_hook)
        after_commit_hook();
}

void db_write_group_begin(void)
{
    assert(!group.active);
    group.active = true;
}

int db_write_group_end(void)
{
    assert(group.active);
    group.active = false;
    if (!group.open)
        return 0;
    group.open = false;
    struct db *w = g.writer;
    int ret = group.broken ? -1 : 0;
    if (!group.broken && db_stmt_exec(w, w->stmts[DB_COMMIT]) < 0)
        ret = -1;
    if (!sqlite3_get_autocommit(w->conn))
        db_stmt_exec(w, w->stmts[DB_ROLLBACK]);
    group.broken = false;
    if (group.tables_changed)
        tables_generation++;
    group.tables_changed = false;
    pthread_mutex_unlock(&g.write_lock);
    if (ret == 0)
        after_commit();
    return ret;
}

/* A write inside the group: opens the group's transaction if needed, then a savepoint. */
static int group_write_begin(struct db *db)
{
    if (!group.open) {
        pthread_mutex_lock(&g.write_lock);
        if (writer_open() < 0 || db_stmt_exec(g.writer, g.writer->stmts[DB_BEGIN_IMMEDIATE]) < 0) {
            pthread_mutex_unlock(&g.write_lock);
            return -1;
        }
        group.open = true;
    }
    if (group.broken)
        return -1;
    db->in_write = true;
    if (db_stmt_exec(db, db_stmt(db, DB_SAVEPOINT)) < 0) {
        db->in_write = false;
        group.broken = sqlite3_get_autocommit(g.writer->conn);
        return -1;
    }
    return 0;
}

/* Ends a write of the group: kept (RELEASE) or undone alone (ROLLBACK TO). If SQLite ended
 * the whole transaction on an error, the group is broken and nothing of it will commit. */
static int group_write_end(struct db *db, bool keep)
{
    int ret = 0;
    if (keep && db_stmt_exec(db, db_stmt(db, DB_RELEASE)) < 0) {
        ret = -1;
        keep = false;
    }
    if (!keep && !sqlite3_get_autocommit(g.writer->conn) &&
        db_stmt_exec(db, db_stmt(db, DB_ROLLBACK_TO)) == 0)
        db_stmt_exec(db, db_stmt(db, DB_RELEASE));
    if (sqlite3_get_autocommit(g.writer->conn))
        group.broken = true;
    db->in_write = false;
    if (db->tables_changed)
        group.tables_changed = true;
    db->tables_changed = false;
    return ret;
}

int db_write_begin(struct db *db)
{
    assert(!db->in_write);
    if (group.active)
        return group_write_begin(db);
    pthread_mutex_lock(&g.write_lock);
    if (writer_open() < 0) {
        pthread_mutex_unlock(&g.write_lock);
        return -1;
    }
    db->in_write = true;
    if (db_stmt_exec(db, db_stmt(db, DB_BEGIN_IMMEDIATE)) < 0) {
        db->in_write = false;
        pthread_mutex_unlock(&g.write_lock);
        return -1;
    }
    return 0;
}

int db_write_commit(struct db *db)
{
    assert(db->in_write);
    if (group.active)
        return group_write_end(db, true);
    int ret = db_stmt_exec(db, db_stmt(db, DB_COMMIT));
    if (ret < 0 && !sqlite3_get_autocommit(db_conn(db)))
        db_stmt_exec(db, db_stmt(db, DB_ROLLBACK));
    write_end(db);
    if (ret == 0)
        after_commit();
    return ret;
}

void db_write_rollback(struct db *db)
{
    assert(db->in_write);
    if (group.active) {
        group_write_end(db, false);
        return;
    }
    if (!sqlite3_get_autocommit(db_conn(db)))
        db_stmt_exec(db, db_stmt(db, DB_ROLLBACK));
    write_end(db);
}

bool db_in_transaction(const struct db *db)
{
    return db->in_write && !sqlite3_get_autocommit(g.writer->conn);
}
