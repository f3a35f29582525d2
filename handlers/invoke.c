/* handlers/invoke.c — asynchronous invocations; see invoke.h.
 *
 * DESIGN: the queue lives in SQLite (storage/asyncq.h); the engine keeps only the ids of the
 * events running now, so a restart simply finds every stored event due and runs it again
 * (at-least-once, as Lambda). Finishing an event and enqueuing its destination's is one
 * transaction. */
#include "handlers/invoke.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/buf.h"
#include "server/emuclock.h"
#include "server/engine.h"
#include "server/ids.h"
#include "storage/asyncq.h"
#include "storage/db.h"

#define LOG_MODULE "lambda"
#include "server/log.h"

#define MAX_RUNNING 64
#define PAGE 32
#define DEFAULT_RETRIES 2
#define DEFAULT_MAX_AGE 21600

static struct {
    invoke_loader_cb loader;
    int64_t running[MAX_RUNNING];
    int n_running;
    atomic_bool started;
} aq;

struct async_call {
    struct st_async_event ev;
    json_t *config; /* event invoke config, or NULL */
};

static bool is_running(int64_t id)
{
    for (int i = 0; i < aq.n_running; i++)
        if (aq.running[i] == id)
            return true;
    return false;
}

static void running_remove(int64_t id)
{
    for (int i = 0; i < aq.n_running; i++)
        if (aq.running[i] == id) {
            aq.running[i] = aq.running[--aq.n_running];
            return;
        }
}

static int config_int(const json_t *config, const char *name, int dflt)
{
    json_t *v = json_object_get(config, name);
    return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

static const char *destination(const json_t *config, const char *which)
{
    json_t *d = json_object_get(json_object_get(json_object_get(config, "DestinationConfig"),
                                                which),
                                "Destination");
    return json_is_string(d) && json_string_length(d) ? json_string_value(d) : NULL;
}

static void iso_now(char out[32])
{
    double now = emuclock_now();
    time_t secs = (time_t)now;
    struct tm tm;
    gmtime_r(&secs, &tm);
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%s.%03dZ", base, (int)((now - (double)secs) * 1000));
}

/* Parses arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>] into its parts
 * (copied into the given buffers). 0, or -1 when it is not a function ARN. */
static int function_arn_parse(const char *arn, char region[32], char account[16],
                              char name[80], char qualifier[136])
{
    char copy[512];
    snprintf(copy, sizeof copy, "%s", arn);
    char *parts[8] = {0};
    int n = 0;
    for (char *p = copy, *tok; n < 8 && (tok = strsep(&p, ":"));)
        parts[n++] = tok;
    if (n < 7 || strcmp(parts[0], "arn") != 0 || strcmp(parts[2], "lambda") != 0 ||
        strcmp(parts[5], "function") != 0 || !*parts[6])
        return -1;
    snprintf(region, 32, "%s", parts[3]);
    snprintf(account, 16, "%s", parts[4]);
    snprintf(name, 80, "%s", parts[6]);
    snprintf(qualifier, 136, "%s", n > 7 && strcmp(parts[7], "$LATEST") != 0 ? parts[7] : "");
    return 0;
}

/* Adds the invocation record for a finished event to its destination's queue, inside the
 * caller's transaction. Only Lambda destinations exist in awsemu so far. */
static int destination_enqueue(struct db *db, const struct async_call *call, const char *dest,
                               const char *condition, const char *function_arn,
                               const struct pool_invocation *inv)
{
    char region[32], account[16], name[80], qualifier[136];
    if (function_arn_parse(dest, region, account, name, qualifier) < 0) {
        LOG_WARN("destination '%s' of function '%s' is not a Lambda function; skipped", dest,
                 call->ev.function);
        return 0;
    }
    char stamp[32];
    iso_now(stamp);
    json_t *payload = json_loadb(call->ev.payload, call->ev.payload_len,
                                 JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    json_t *response = NULL;
    if (inv && inv->result.len)
        response = json_loadb(inv->result.data, inv->result.len, JSON_DECODE_ANY | JSON_ALLOW_NUL,
                              NULL);
    json_t *response_context = json_pack("{s:i, s:s}", "statusCode", 200, "executedVersion",
                                         "$LATEST");
    if (inv && inv->outcome == POOL_FUNCTION_ERROR)
        json_object_set_new(response_context, "functionError", json_string("Unhandled"));
    char arn[600];
    snprintf(arn, sizeof arn, "%s:$LATEST", function_arn);
    json_t *record = json_pack(
        "{s:s, s:s, s:{s:s, s:s, s:s, s:i}, s:o, s:o}", "version", "1.0", "timestamp", stamp,
        "requestContext", "requestId", call->ev.request_id, "functionArn", arn, "condition",
        condition, "approximateInvokeCount", call->ev.attempts, "requestPayload",
        payload ? payload : json_null(), "responseContext", response_context);
    if (inv)
        json_object_set_new(record, "responsePayload", response ? response : json_null());
    else
        json_decref(response);
    char *text = json_dumps(record, JSON_COMPACT);
    json_decref(record);
    struct st_async_event next = {0};
    ids_uuid(next.request_id);
    next.account = account;
    next.region = region;
    next.function = name;
    next.qualifier = qualifier;
    next.payload = text;
    next.payload_len = strlen(text);
    next.created = next.due = emuclock_now();
    int rc = st_asyncq_add(db, &next);
    free(text);
    return rc;
}

static void pump(void);

/* Ends an event: removed from the queue, its destination (if any) enqueued, one
 * transaction. */
static void event_finish(struct async_call *call, const char *dest, const char *condition,
                         const char *function_arn, const struct pool_invocation *inv)
{
    struct db *db = db_thread();
    if (!db || db_write_begin(db) < 0)
        return;
    if (st_asyncq_delete(db, call->ev.id) < 0 ||
        (dest && destination_enqueue(db, call, dest, condition, function_arn, inv) < 0)) {
        db_write_rollback(db);
        return;
    }
    db_write_commit(db);
}

static void event_retry(struct async_call *call, int attempts, double delay)
{
    struct db *db = db_thread();
    if (!db || db_write_begin(db) < 0)
        return;
    if (st_asyncq_retry(db, call->ev.id, attempts, emuclock_now() + delay) < 0) {
        db_write_rollback(db);
        return;
    }
    db_write_commit(db);
}

static void call_free(struct async_call *call)
{
    st_async_event_clear(&call->ev);
    json_decref(call->config);
    free(call);
}

static void on_done(struct pool_invocation *inv)
{
    struct async_call *call = inv->ctx;
    running_remove(call->ev.id);
    const char *arn = inv->fn->arn;
    switch (inv->outcome) {
    case POOL_OK:
        call->ev.attempts++;
        event_finish(call, destination(call->config, "OnSuccess"), "Success", arn, inv);
        break;
    case POOL_FUNCTION_ERROR: {
        int attempts = call->ev.attempts + 1;
        int retries = config_int(call->config, "MaximumRetryAttempts", DEFAULT_RETRIES);
        if (attempts > retries) {
            call->ev.attempts = attempts;
            LOG_INFO("function '%s': event %s failed %d times; giving up", call->ev.function,
                     call->ev.request_id, attempts);
            event_finish(call, destination(call->config, "OnFailure"), "RetriesExhausted", arn,
                         inv);
        } else {
            event_retry(call, attempts, attempts == 1 ? 60.0 : 120.0);
        }
        break;
    }
    case POOL_THROTTLED:
    case POOL_FAILED:
        if (!inv->result.len && inv->outcome == POOL_FAILED)
            break; /* shutting down: the event stays queued as it is */
        event_retry(call, call->ev.attempts, 1.0);
        break;
    }
    call_free(call);
    pool_invocation_free(inv);
    pump();
}

static void dispatch(struct st_async_event *ev)
{
    struct async_call *call = xcalloc(1, sizeof *call);
    call->ev = *ev;
    memset(ev, 0, sizeof *ev);
    struct pool_function *fn = aq.loader(call->ev.account, call->ev.region, call->ev.function,
                                         call->ev.qualifier, &call->config);
    if (!fn) {
        LOG_WARN("function '%s' no longer exists: its queued event %s is dropped",
                 call->ev.function, call->ev.request_id);
        event_finish(call, NULL, NULL, NULL, NULL);
        call_free(call);
        return;
    }
    int max_age = config_int(call->config, "MaximumEventAgeInSeconds", DEFAULT_MAX_AGE);
    if (emuclock_now() - call->ev.created > max_age) {
        LOG_INFO("function '%s': event %s is older than %d s; giving up", call->ev.function,
                 call->ev.request_id, max_age);
        event_finish(call, destination(call->config, "OnFailure"), "EventAgeExceeded", fn->arn,
                     NULL);
        pool_function_free(fn);
        call_free(call);
        return;
    }
    struct pool_invocation *inv = pool_invocation_new();
    snprintf(inv->request_id, sizeof inv->request_id, "%s", call->ev.request_id);
    inv->fn = fn;
    inv->payload = xmalloc(call->ev.payload_len + 1);
    memcpy(inv->payload, call->ev.payload, call->ev.payload_len + 1);
    inv->payload_len = call->ev.payload_len;
    inv->done = on_done;
    inv->ctx = call;
    aq.running[aq.n_running++] = call->ev.id;
    pool_invoke(inv);
}

/* Starts every due event that is not already running, up to MAX_RUNNING at once. */
static void pump(void)
{
    if (!aq.started)
        return;
    struct db *db = db_thread();
    if (!db)
        return;
    int64_t after = 0;
    double now = emuclock_now();
    while (aq.n_running < MAX_RUNNING) {
        struct st_async_event page[PAGE];
        int n = 0;
        if (st_asyncq_due(db, now, after, page, PAGE, &n) < 0)
            return;
        for (int i = 0; i < n; i++) {
            after = page[i].id;
            if (aq.n_running < MAX_RUNNING && !is_running(page[i].id))
                dispatch(&page[i]);
            st_async_event_clear(&page[i]);
        }
        if (n < PAGE)
            break;
    }
}

static void run_pump(struct engine_job *job)
{
    bool stopping = job->shutting_down;
    free(job);
    if (!stopping)
        pump();
}

static void wake(void)
{
    struct engine_job *job = xcalloc(1, sizeof *job);
    job->run = run_pump;
    engine_job_post(job);
}

void invoke_async_start(invoke_loader_cb loader)
{
    aq.loader = loader;
    aq.started = true;
    wake();
}

void invoke_async_stop(void)
{
    aq.started = false;
}

void invoke_async_tick(void)
{
    pump();
}

int invoke_async_submit(const struct pool_function *fn, const char *qualifier,
                        const char *payload, size_t len, const char *request_id)
{
    struct db *db = db_thread();
    if (!db || db_write_begin(db) < 0)
        return -1;
    struct st_async_event ev = {0};
    snprintf(ev.request_id, sizeof ev.request_id, "%s", request_id);
    ev.account = fn->account;
    ev.region = fn->region;
    ev.function = fn->name;
    ev.qualifier = (char *)(qualifier && strcmp(qualifier, "$LATEST") != 0 ? qualifier : "");
    ev.payload = (char *)payload;
    ev.payload_len = len;
    ev.created = ev.due = emuclock_now();
    if (st_asyncq_add(db, &ev) < 0 || db_write_commit(db) < 0) {
        if (db_in_transaction(db))
            db_write_rollback(db);
        return -1;
    }
    wake();
    return 0;
}

json_t *invoke_async_describe(void)
{
    struct db *db = db_thread();
    json_t *queued = db ? st_asyncq_list(db) : NULL;
    return json_pack("{s:o}", "queued", queued ? queued : json_array());
}
