/* server/admin.c — /_awsemu/ endpoints; see admin.h. */
#include "server/admin.h"

#include <string.h>

#include "handlers/esm.h"
#include "handlers/invoke.h"
#include "handlers/ledger.h"
#include "handlers/pool.h"
#include "handlers/settle.h"
#include "server/awsjson.h"
#include "server/emuclock.h"
#include "server/streams.h"
#include "server/version.h"
#include "storage/db.h"
#include "storage/streams.h"
#include "storage/tables.h"

static const struct awserr_kind ADMIN_NOT_FOUND = {404, "NotFound", ""};
static const struct awserr_kind ADMIN_FORBIDDEN = {403, "Forbidden", ""};
static const struct awserr_kind ADMIN_INTERNAL = {500, "InternalFailure", ""};
static const struct awserr_kind ADMIN_BAD_REQUEST = {400, "ValidationException", ""};

#define ADMIN_CONTENT_TYPE "application/json"

static int health(struct req *req, json_t **out, struct awserr *err)
{
    (void)req;
    (void)err;
    *out = json_pack("{s:s, s:s, s:[s, s, s]}", "status", "ready", "version", AWSEMU_VERSION,
                     "services", "dynamodb", "dynamodbstreams", "lambda");
    return 0;
}

/* Verifies the storage invariants (STYLE §7); only under --ephemeral, as it reads every row. */
static int check(struct req *req, json_t **out, struct awserr *err)
{
    if (!req->cfg || !req->cfg->ephemeral)
        return awserr_raise(err, ADMIN_FORBIDDEN, "/_awsemu/check runs only with --ephemeral");
    struct db *db = db_thread();
    struct buf problems = BUF_INIT;
    int rc = db ? st_tables_check(db, &problems) : -1;
    int streams = rc >= 0 ? st_streams_check(db, &problems) : -1;
    int64_t records = 0;
    if (streams < 0 || st_streams_count(db, &records) < 0)
        rc = -1;
    else if (streams > 0)
        rc = 1;
    if (rc < 0) {
        buf_free(&problems);
        return awserr_raise(err, ADMIN_INTERNAL, "the invariant check could not run");
    }
    json_t *list = json_array();
    for (char *line = problems.data, *nl; line && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        json_array_append_new(list, json_stringn(line, (size_t)(nl - line)));
    }
    buf_free(&problems);
    *out = json_pack("{s:b, s:o, s:I}", "ok", rc == 0, "problems", list, "stream_records",
                     (json_int_t)records);
    return 0;
}

static json_t *clock_state(void)
{
    return json_pack("{s:f, s:f}", "offset_seconds", emuclock_offset(), "now", emuclock_now());
}

static int clock_get(struct req *req, json_t **out, struct awserr *err)
{
    (void)req, (void)err;
    *out = clock_state();
    return 0;
}

/* The test clock: {"advance_seconds": N} moves the emulator's now forward by N >= 0 seconds
 * (server-wide; streams, iterators, retention and shard rollover all read it). */
static int clock_advance(struct req *req, json_t **out, struct awserr *err)
{
    json_t *in = json_loadb(req->body.data ? req->body.data : "", req->body.len, 0, NULL);
    json_t *n = json_object_get(in, "advance_seconds");
    double seconds = json_is_number(n) ? json_number_value(n) : -1;
    json_decref(in);
    /* Bounded so that now stays a sane epoch time: ten years at most per call. */
    if (!(seconds >= 0 && seconds <= 10.0 * 365 * 86400))
        return awserr_raise(err, ADMIN_BAD_REQUEST,
                            "expected {\"advance_seconds\": N} with 0 <= N <= 315360000");
    emuclock_advance(seconds);
    ddbs_rollover_run();   /* shards the jump closed are closed when this answers */
    ddbs_retention_kick(); /* records the jump made old go now, not at the next tick */
    *out = clock_state();
    return 0;
}

/* Lambda handler instances now running (pid, state, Runtime API port). */
static int lambda_instances(struct req *req, json_t **out, struct awserr *err)
{
    (void)req, (void)err;
    *out = json_pack("{s:o}", "instances", pool_describe());
    return 0;
}

/* The latest invocations' logs: ?function=NAME and ?request_id=ID narrow them. */
static int lambda_logs(struct req *req, json_t **out, struct awserr *err)
{
    (void)err;
    *out = json_pack("{s:o}", "invocations",
                     pool_logs(req_query(req, "function"), req_query(req, "request_id")));
    return 0;
}

/* Asynchronous invocations stored and not yet finished (with attempts and next due time). */
static int lambda_async(struct req *req, json_t **out, struct awserr *err)
{
    (void)req, (void)err;
    *out = invoke_async_describe();
    return 0;
}

/* Runs on the engine thread once the barrier is reached or timed out: answers the request. */
static void settle_done(json_t *result, void *ctx)
{
    struct req *req = ctx;
    awsjson_body_write(req, result);
    json_decref(result);
    awsjson_reply_write(req, ADMIN_CONTENT_TYPE, false);
    req_resume(req);
}

/* The settle barrier (handlers/settle.h): {"timeout_seconds": N} (default 30, at most 600). */
static int settle(struct req *req, json_t **out, struct awserr *err)
{
    double timeout = 30;
    if (req->body.len) {
        json_t *in = json_loadb(req->body.data, req->body.len, 0, NULL);
        json_t *t = json_object_get(in, "timeout_seconds");
        bool ok = json_is_object(in) && (!t || json_is_number(t));
        if (t && ok)
            timeout = json_number_value(t);
        json_decref(in);
        if (!ok || !(timeout >= 0 && timeout <= 600))
            return awserr_raise(err, ADMIN_BAD_REQUEST,
                                "expected {\"timeout_seconds\": N} with 0 <= N <= 600");
    }
    struct engine_job *job = settle_job(timeout, settle_done, req);
    if (!job)
        return awserr_raise(err, AWSERR_INTERNAL, "cannot read the delivery state");
    req_defer(req, job);
    *out = NULL;
    return 0;
}

/* The delivery ledger: ?mapping=UUID and ?sequence=N narrow it. */
static int esm_ledger(struct req *req, json_t **out, struct awserr *err)
{
    (void)err;
    *out = ledger_describe(req_query(req, "mapping"), req_query(req, "sequence"));
    return 0;
}

/* Batches event source mappings gave up on, with their OnFailure records: ?mapping=UUID. */
static int esm_failures(struct req *req, json_t **out, struct awserr *err)
{
    if (!(*out = esm_failures_describe(req_query(req, "mapping"))))
        return awserr_raise(err, ADMIN_INTERNAL, "cannot read the failed batches");
    return 0;
}

static const struct {
    const char *method;
    const char *path;
    int (*fn)(struct req *req, json_t **out, struct awserr *err);
    const char *name;
} admin_routes[] = {
    {"GET", "/_awsemu/health", health, "Health"},
    {"GET", "/_awsemu/check", check, "Check"},
    {"GET", "/_awsemu/clock", clock_get, "Clock"},
    {"POST", "/_awsemu/clock", clock_advance, "ClockAdvance"},
    {"GET", "/_awsemu/lambda/instances", lambda_instances, "LambdaInstances"},
    {"GET", "/_awsemu/lambda/async", lambda_async, "LambdaAsync"},
    {"GET", "/_awsemu/lambda/logs", lambda_logs, "LambdaLogs"},
    {"POST", "/_awsemu/settle", settle, "Settle"},
    {"GET", "/_awsemu/esm/ledger", esm_ledger, "EsmLedger"},
    {"GET", "/_awsemu/esm/failures", esm_failures, "EsmFailures"},
};

void admin_dispatch(struct req *req)
{
    json_t *out = NULL;
    int rc = -1;
    for (size_t i = 0; i < sizeof admin_routes / sizeof admin_routes[0]; i++) {
        if (strcmp(req->path, admin_routes[i].path) == 0 &&
            strcmp(req->method, admin_routes[i].method) == 0) {
            req->operation = admin_routes[i].name;
            rc = admin_routes[i].fn(req, &out, &req->err);
            break;
        }
    }
    if (rc < 0 && !awserr_is_set(&req->err))
        awserr_raise(&req->err, ADMIN_NOT_FOUND, "no such awsemu endpoint: %.200s", req->path);
    if (rc < 0) {
        awsjson_error_write(req, ADMIN_CONTENT_TYPE, false);
        return;
    }
    if (req->suspend) /* answered later (settle) */
        return;
    awsjson_body_write(req, out);
    json_decref(out);
    awsjson_reply_write(req, ADMIN_CONTENT_TYPE, false);
}
