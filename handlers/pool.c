/* handlers/pool.c — the instance pool; see pool.h.
 *
 * DESIGN: everything here runs on the engine thread, so instances need no locks (only the
 * lists pool_describe() reads from other threads are guarded). An instance is one handler
 * process (its own process group, so a timeout kills grandchildren too) with its own Runtime
 * API listener, its stdout/stderr on pipes, and one timer that means, by state: init deadline
 * (STARTING), invocation timeout (BUSY), or idle expiry (IDLE).
 *
 * An invocation takes an idle instance of the same function revision, else starts a new one
 * while the function's reserved concurrency and the global limit allow, else is throttled
 * (Lambda scales out instead of queueing). Instances of an older revision are drained: idle
 * ones stopped at once, busy ones when their invocation ends. An instance is freed only when
 * its process has exited and every libuv handle it owns has closed. */
#include "handlers/pool.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "handlers/runtime_api.h"
#include "server/config.h"
#include "server/engine.h"
#include "server/ids.h"

#define LOG_MODULE "lambda"
#include "server/log.h"

#define INIT_DEADLINE_MS 10000 /* Lambda's init phase limit */
#define LOG_TAIL 4096

enum instance_state { INST_STARTING, INST_IDLE, INST_BUSY, INST_STOPPING };

struct instance {
    struct instance *next;
    struct pool_function *fn;
    enum instance_state state;
    bool draining;    /* stop when the current invocation ends */
    bool delivered;   /* the current invocation's event went to the runtime */
    bool exited;
    int handles_open; /* process, pipes, timer */
    uv_process_t proc;
    uv_pipe_t out, err;
    uv_timer_t timer;
    int pid;
    struct rtapi *api;
    int port;
    struct pool_invocation *inv;
    double spawned_at;      /* monotonic ms */
    double init_ms;         /* reported once, on the first invocation */
    bool reported_init;
    double started_at;      /* when the current event was delivered */
    struct buf line_out, line_err; /* partial lines */
    char log_stream[80];
    unsigned invocations;
};

struct pool_invocation_job {
    struct engine_job job;
    struct pool_invocation *inv;
};

/* The logs of the latest invocations, for /_awsemu/lambda/logs. */
#define LOG_RING 128
struct kept_log {
    char function[80];
    char region[32];
    char request_id[40];
    char *log;
};

static struct {
    const struct config *cfg;
    struct kept_log ring[LOG_RING]; /* guarded by lock */
    unsigned ring_next;
    char *runtimes_dir;
    char *endpoint_url;
    char *launcher; /* awsemu-launch next to the binary, or NULL (then no death signal) */
    char *python; /* resolved interpreter paths, found on first use */
    pthread_t python_resolver; /* resolving a wrapper script's interpreter at start-up */
    bool python_resolving;
    char *node;
    struct instance *instances;
    int count; /* instances not yet freed */
    bool stopping;
    pthread_mutex_t lock; /* guards the list for pool_describe() */
    pthread_mutex_t stop_lock;
    pthread_cond_t stop_cond;
    bool stopped;
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER,
          .stop_lock = PTHREAD_MUTEX_INITIALIZER,
          .stop_cond = PTHREAD_COND_INITIALIZER};

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long long epoch_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------------------------------ */
/* Functions and invocations */

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void pool_function_free(struct pool_function *fn)
{
    if (!fn)
        return;
    free(fn->account);
    free(fn->region);
    free(fn->name);
    free(fn->arn);
    free(fn->version);
    free(fn->runtime);
    free(fn->handler);
    free(fn->code_dir);
    free(fn->revision);
    json_decref(fn->environment);
    free(fn);
}

struct pool_function *pool_function_dup(const struct pool_function *fn)
{
    struct pool_function *c = xcalloc(1, sizeof *c);
    c->account = dup_or_null(fn->account);
    c->region = dup_or_null(fn->region);
    c->name = dup_or_null(fn->name);
    c->arn = dup_or_null(fn->arn);
    c->version = dup_or_null(fn->version);
    c->runtime = dup_or_null(fn->runtime);
    c->handler = dup_or_null(fn->handler);
    c->code_dir = dup_or_null(fn->code_dir);
    c->revision = dup_or_null(fn->revision);
    c->environment = fn->environment ? json_deep_copy(fn->environment) : NULL;
    c->timeout_s = fn->timeout_s;
    c->memory_mb = fn->memory_mb;
    c->reserved_concurrency = fn->reserved_concurrency;
    return c;
}

struct pool_invocation *pool_invocation_new(void)
{
    _Static_assert(sizeof(struct pool_invocation_job) <= sizeof(((struct pool_invocation *)0)->_job),
                   "the job must fit in the invocation");
    struct pool_invocation *inv = xcalloc(1, sizeof *inv);
    ids_uuid(inv->request_id);
    return inv;
}

void pool_invocation_free(struct pool_invocation *inv)
{
    if (!inv)
        return;
    pool_function_free(inv->fn);
    free(inv->payload);
    free(inv->client_context);
    free(inv->invoked_arn);
    buf_free(&inv->result);
    free(inv->log);
    free(inv);
}

static bool same_function(const struct pool_function *a, const struct pool_function *b)
{
    return strcmp(a->name, b->name) == 0 && strcmp(a->region, b->region) == 0 &&
           strcmp(a->account, b->account) == 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Logs: every line goes to the server log and to the running invocation's own log */

static void inv_log_add(struct pool_invocation *inv, const char *line, size_t len)
{
    size_t have = inv->log ? strlen(inv->log) : 0;
    if (len + 1 > POOL_LOG_KEEP)
        line += len + 1 - POOL_LOG_KEEP, len = POOL_LOG_KEEP - 1;
    if (have + len + 1 >= POOL_LOG_KEEP) { /* keep the newest bytes */
        size_t drop = have + len + 2 - POOL_LOG_KEEP;
        if (drop > have)
            drop = have;
        memmove(inv->log, inv->log + drop, have - drop + 1);
        have -= drop;
    }
    inv->log = realloc(inv->log, have + len + 2);
    if (!inv->log)
        abort();
    memcpy(inv->log + have, line, len);
    inv->log[have + len] = '\n';
    inv->log[have + len + 1] = '\0';
}

static void inv_log_addf(struct pool_invocation *inv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void inv_log_addf(struct pool_invocation *inv, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    inv_log_add(inv, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void log_line(struct instance *in, const char *line, size_t len)
{
    const char *id = in->inv && in->delivered ? in->inv->request_id : "-";
    LOG_INFO("[%s %s] %.*s", in->fn->name, id, (int)len, line);
    if (in->inv)
        inv_log_add(in->inv, line, len);
}

/* Splits what a pipe delivered into lines; a partial line waits in pending. */
static void log_bytes(struct instance *in, struct buf *pending, const char *data, size_t len)
{
    buf_add(pending, data, len);
    size_t start = 0;
    for (size_t i = 0; i < pending->len; i++) {
        if (pending->data[i] != '\n')
            continue;
        size_t end = i > start && pending->data[i - 1] == '\r' ? i - 1 : i;
        log_line(in, pending->data + start, end - start);
        start = i + 1;
    }
    if (start) {
        memmove(pending->data, pending->data + start, pending->len - start);
        pending->len -= start;
    }
    if (pending->len > 16 * 1024) { /* a runaway line: flush it as it is */
        log_line(in, pending->data, pending->len);
        pending->len = 0;
    }
}

static void log_flush(struct instance *in, struct buf *pending)
{
    if (pending->len) {
        log_line(in, pending->data, pending->len);
        pending->len = 0;
    }
}

/* Reads what is already in a pipe, so output written before a result is posted is
 * attributed to that invocation even when the socket was served first. */
static void pipe_drain(struct instance *in, uv_pipe_t *pipe, struct buf *pending)
{
    uv_os_fd_t fd;
    if (uv_is_closing((uv_handle_t *)pipe) || uv_fileno((uv_handle_t *)pipe, &fd) != 0)
        return;
    char chunk[4096];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n <= 0)
            break;
        log_bytes(in, pending, chunk, (size_t)n);
    }
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *b)
{
    (void)handle;
    b->base = xmalloc(suggested);
    b->len = suggested;
}

static void on_handle_closed(uv_handle_t *handle);

static void on_pipe_read(uv_stream_t *stream, ssize_t n, const uv_buf_t *b)
{
    struct instance *in = stream->data;
    bool is_out = stream == (uv_stream_t *)&in->out;
    struct buf *pending = is_out ? &in->line_out : &in->line_err;
    if (n > 0)
        log_bytes(in, pending, b->base, (size_t)n);
    free(b->base);
    if (n < 0) {
        log_flush(in, pending);
        if (!uv_is_closing((uv_handle_t *)stream))
            uv_close((uv_handle_t *)stream, on_handle_closed);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Instance lifecycle */

static void instance_free(struct instance *in)
{
    pthread_mutex_lock(&pool.lock);
    for (struct instance **p = &pool.instances; *p; p = &(*p)->next)
        if (*p == in) {
            *p = in->next;
            break;
        }
    pool.count--;
    bool last = pool.stopping && pool.count == 0;
    pthread_mutex_unlock(&pool.lock);
    pool_function_free(in->fn);
    buf_free(&in->line_out);
    buf_free(&in->line_err);
    free(in);
    if (last) {
        pthread_mutex_lock(&pool.stop_lock);
        pool.stopped = true;
        pthread_cond_signal(&pool.stop_cond);
        pthread_mutex_unlock(&pool.stop_lock);
    }
}

static void on_handle_closed(uv_handle_t *handle)
{
    struct instance *in = handle->data;
    if (--in->handles_open == 0)
        instance_free(in);
}

static void close_if_open(struct instance *in, uv_handle_t *h)
{
    (void)in;
    if (!uv_is_closing(h))
        uv_close(h, on_handle_closed);
}

static void instance_kill(struct instance *in)
{
    if (in->pid > 0 && !in->exited)
        kill(-in->pid, SIGKILL); /* the whole group: grandchildren too */
}

/* Finishes the current invocation and hands it to its done callback. */
static void invocation_finish(struct instance *in, enum pool_outcome outcome)
{
    struct pool_invocation *inv = in->inv;
    if (!inv)
        return;
    pipe_drain(in, &in->out, &in->line_out);
    pipe_drain(in, &in->err, &in->line_err);
    in->inv = NULL;
    inv->outcome = outcome;
    if (in->delivered) {
        double ms = mono_ms() - in->started_at;
        inv->duration_ms = ms;
        long rss_mb = 0;
        char path[64], line[256];
        snprintf(path, sizeof path, "/proc/%d/status", in->pid);
        FILE *f = fopen(path, "r");
        if (f) {
            while (fgets(line, sizeof line, f))
                if (strncmp(line, "VmHWM:", 6) == 0) {
                    rss_mb = (strtol(line + 6, NULL, 10) + 1023) / 1024;
                    break;
                }
            fclose(f);
        }
        inv_log_addf(inv, "END RequestId: %s", inv->request_id);
        char init[64] = "";
        if (!in->reported_init) {
            snprintf(init, sizeof init, "Init Duration: %.2f ms\t", in->init_ms);
            in->reported_init = true;
        }
        inv_log_addf(inv,
                     "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %.0f ms\t"
                     "Memory Size: %d MB\tMax Memory Used: %ld MB\t%s",
                     inv->request_id, ms, ms < 1 ? 1.0 : (double)(long long)(ms + 0.999999),
                     in->fn->memory_mb, rss_mb, init);
    }
    in->delivered = false;
    if (inv->log) {
        pthread_mutex_lock(&pool.lock);
        struct kept_log *k = &pool.ring[pool.ring_next++ % LOG_RING];
        free(k->log);
        snprintf(k->function, sizeof k->function, "%s", in->fn->name);
        snprintf(k->region, sizeof k->region, "%s", in->fn->region);
        snprintf(k->request_id, sizeof k->request_id, "%s", inv->request_id);
        k->log = xstrdup(inv->log);
        pthread_mutex_unlock(&pool.lock);
    }
    inv->done(inv);
}

static void function_error(struct pool_invocation *inv, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void function_error(struct pool_invocation *inv, const char *type, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *o = json_pack("{s:s, s:s}", "errorType", type, "errorMessage", msg);
    char *text = json_dumps(o, JSON_COMPACT);
    buf_free(&inv->result);
    buf_adds(&inv->result, text);
    free(text);
    json_decref(o);
}

/* Stops the instance: kills its process group; the Runtime API listener closes when the
 * process has exited (never here: this may run inside that listener's own request handler),
 * and the memory goes once everything has closed. */
static void instance_stop(struct instance *in)
{
    if (in->state == INST_STOPPING)
        return;
    in->state = INST_STOPPING;
    uv_timer_stop(&in->timer);
    instance_kill(in);
}

static void on_timer(uv_timer_t *timer);

static void instance_idle(struct instance *in)
{
    in->state = INST_IDLE;
    uv_timer_start(&in->timer, on_timer, (uint64_t)pool.cfg->lambda_idle * 1000, 0);
}

/* Delivers the current invocation's event to the runtime and starts its timeout. */
static void instance_deliver(struct instance *in)
{
    struct pool_invocation *inv = in->inv;
    in->state = INST_BUSY;
    in->delivered = true;
    in->started_at = mono_ms();
    long long timeout_ms = (long long)in->fn->timeout_s * 1000;
    char trace[128];
    unsigned char r[12];
    for (size_t i = 0; i < sizeof r; i++)
        r[i] = (unsigned char)inv->request_id[i * 3 % 36];
    snprintf(trace, sizeof trace, "Root=1-%08llx-%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x;"
                                  "Parent=%.16s;Sampled=0",
             (unsigned long long)(epoch_ms() / 1000), r[0], r[1], r[2], r[3], r[4], r[5], r[6],
             r[7], r[8], r[9], r[10], r[11], inv->request_id + 20);
    struct rtapi_event ev = {
        .request_id = inv->request_id,
        .payload = inv->payload,
        .payload_len = inv->payload_len,
        .deadline_ms = epoch_ms() + timeout_ms,
        .function_arn = inv->invoked_arn ? inv->invoked_arn : in->fn->arn,
        .trace_id = trace,
        .client_context = inv->client_context,
    };
    inv_log_addf(inv, "START RequestId: %s Version: %s", inv->request_id, in->fn->version);
    in->invocations++;
    uv_timer_start(&in->timer, on_timer, (uint64_t)timeout_ms, 0);
    rtapi_deliver(in->api, &ev);
}

static void instance_assign(struct instance *in, struct pool_invocation *inv)
{
    assert(!in->inv);
    in->inv = inv;
    in->state = INST_BUSY;
    uv_timer_stop(&in->timer);
    instance_deliver(in);
}

static void on_timer(uv_timer_t *timer)
{
    struct instance *in = timer->data;
    switch (in->state) {
    case INST_STARTING:
        LOG_WARN("function '%s': instance %d did not ask for an event within %d ms; stopping it",
                 in->fn->name, in->pid, INIT_DEADLINE_MS);
        if (in->inv)
            function_error(in->inv, "Runtime.InitTimeout",
                           "RequestId: %s Error: Init phase timed out after %.2f seconds",
                           in->inv->request_id, INIT_DEADLINE_MS / 1000.0);
        in->delivered = false;
        invocation_finish(in, POOL_FUNCTION_ERROR);
        instance_stop(in);
        break;
    case INST_BUSY: {
        struct pool_invocation *inv = in->inv;
        char stamp[40];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
        LOG_INFO("[%s %s] Task timed out after %d.00 seconds", in->fn->name, inv->request_id,
                 in->fn->timeout_s);
        inv_log_addf(inv, "%s.%03dZ %s Task timed out after %d.00 seconds", stamp,
                     (int)(epoch_ms() % 1000), inv->request_id, in->fn->timeout_s);
        function_error(inv, "Sandbox.Timedout",
                       "RequestId: %s Error: Task timed out after %d.00 seconds",
                       inv->request_id, in->fn->timeout_s);
        instance_kill(in); /* before the result: the caller may check the process is gone */
        invocation_finish(in, POOL_FUNCTION_ERROR);
        instance_stop(in);
        break;
    }
    case INST_IDLE:
        LOG_DEBUG("function '%s': stopping idle instance %d", in->fn->name, in->pid);
        instance_stop(in);
        break;
    case INST_STOPPING:
        break;
    }
}

static void on_exit_cb(uv_process_t *proc, int64_t status, int signal)
{
    struct instance *in = proc->data;
    in->exited = true;
    kill(-in->pid, SIGKILL); /* grandchildren left in the group die with it */
    if (in->inv) {
        pipe_drain(in, &in->out, &in->line_out);
        pipe_drain(in, &in->err, &in->line_err);
        if (signal)
            function_error(in->inv, "Runtime.ExitError",
                           "RequestId: %s Error: Runtime exited with error: signal: %s",
                           in->inv->request_id, signal == SIGKILL ? "killed" : strsignal(signal));
        else if (status)
            function_error(in->inv, "Runtime.ExitError",
                           "RequestId: %s Error: Runtime exited with error: exit status %d",
                           in->inv->request_id, (int)status);
        else
            function_error(in->inv, "Runtime.ExitError",
                           "RequestId: %s Error: Runtime exited without providing a reason",
                           in->inv->request_id);
        invocation_finish(in, POOL_FUNCTION_ERROR);
    }
    if (in->state != INST_STOPPING)
        LOG_INFO("function '%s': instance %d exited (status %d, signal %d)", in->fn->name,
                 in->pid, (int)status, signal);
    instance_stop(in);
    rtapi_close(in->api);
    in->api = NULL;
    close_if_open(in, (uv_handle_t *)&in->proc);
    close_if_open(in, (uv_handle_t *)&in->timer);
    /* The pipes close when they reach end of file: output still buffered is logged first. */
}

/* --- Runtime API callbacks --- */

static void on_rtapi_waiting(void *owner)
{
    struct instance *in = owner;
    if (in->state == INST_STARTING) {
        in->init_ms = mono_ms() - in->spawned_at;
        if (in->inv) {
            instance_deliver(in);
            return;
        }
        instance_idle(in);
    }
}

static enum rtapi_verdict on_rtapi_result(void *owner, enum rtapi_result_kind kind,
                                          const char *request_id, const char *error_type,
                                          const char *body, size_t len, int too_large)
{
    struct instance *in = owner;
    struct pool_invocation *inv = in->inv;
    if (kind == RTAPI_INIT_ERROR) {
        if (in->state != INST_STARTING)
            return RTAPI_INVALID_STATE;
        if (inv) {
            buf_free(&inv->result);
            json_t *o = body ? json_loadb(body, len, 0, NULL) : NULL;
            if (json_is_object(o)) {
                buf_add(&inv->result, body, len);
            } else {
                function_error(inv, error_type ? error_type : "Runtime.Unknown",
                               "RequestId: %s Error: the runtime failed to initialize",
                               inv->request_id);
            }
            json_decref(o);
            /* Lambda logs the init failure in the invocation's log. */
            inv_log_addf(inv, "START RequestId: %s Version: %s", inv->request_id,
                         in->fn->version);
            in->delivered = false;
            inv_log_addf(inv, "END RequestId: %s", inv->request_id);
            inv_log_addf(inv, "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %.0f ms"
                              "\tMemory Size: %d MB\tMax Memory Used: 0 MB\tStatus: error"
                              "\tError Type: %s",
                         inv->request_id, mono_ms() - in->spawned_at,
                         mono_ms() - in->spawned_at + 1, in->fn->memory_mb,
                         error_type ? error_type : "Runtime.Unknown");
            invocation_finish(in, POOL_FUNCTION_ERROR);
        }
        instance_stop(in); /* Lambda tears the environment down */
        return RTAPI_ACCEPTED;
    }
    if (!inv || !in->delivered || !request_id || strcmp(request_id, inv->request_id) != 0)
        return RTAPI_INVALID_ID;
    buf_free(&inv->result);
    enum pool_outcome outcome = POOL_OK;
    if (too_large) {
        function_error(inv, "Function.ResponseSizeTooLarge",
                       "Response payload size exceeded maximum allowed payload size (%d bytes).",
                       RTAPI_MAX_RESPONSE);
        outcome = POOL_FUNCTION_ERROR;
    } else if (kind == RTAPI_RESPONSE) {
        buf_add(&inv->result, body, len);
    } else {
        outcome = POOL_FUNCTION_ERROR;
        json_t *o = json_loadb(body, len, 0, NULL);
        if (json_is_object(o))
            buf_add(&inv->result, body, len);
        else
            function_error(inv, error_type ? error_type : "Runtime.Unknown", "%.*s",
                           (int)(len > 400 ? 400 : len), body);
        json_decref(o);
    }
    uv_timer_stop(&in->timer);
    /* Idle before the caller hears back, so that whoever it tells (a test reading
     * /_awsemu/lambda/instances) never sees the instance still busy. */
    bool reuse = !in->draining && !pool.stopping;
    if (reuse)
        instance_idle(in);
    invocation_finish(in, outcome);
    if (!reuse)
        instance_stop(in);
    return RTAPI_ACCEPTED;
}

static const struct rtapi_ops rtapi_ops = {on_rtapi_waiting, on_rtapi_result};

/* --- spawning --- */

/* Finds an interpreter's real path once (a pyenv shim costs ~40 ms per start otherwise). */
static char *interpreter(const char *configured, const char *probe)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>/dev/null", configured, probe);
    FILE *p = popen(cmd, "r");
    char line[4096] = "";
    if (p) {
        if (!fgets(line, sizeof line, p))
            line[0] = '\0';
        pclose(p);
    }
    line[strcspn(line, "\n")] = '\0';
    return xstrdup(line[0] == '/' ? line : configured);
}

static void env_add(char ***envp, size_t *n, size_t *cap, const char *name, const char *value)
{
    if (*n + 2 > *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *envp = realloc(*envp, *cap * sizeof **envp);
        if (!*envp)
            abort();
    }
    size_t len = strlen(name) + strlen(value) + 2;
    char *kv = xmalloc(len);
    snprintf(kv, len, "%s=%s", name, value);
    (*envp)[(*n)++] = kv;
    (*envp)[*n] = NULL;
}

static bool is_reserved_user_key(const char *k)
{
    static const char *const reserved[] = {
        "_HANDLER", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
        "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_REGION", "AWS_DEFAULT_REGION",
        "AWS_EXECUTION_ENV", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_INITIALIZATION_TYPE"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcmp(k, reserved[i]) == 0)
            return true;
    return false;
}

static char **build_env(struct instance *in)
{
    const struct pool_function *fn = in->fn;
    char **envp = NULL;
    size_t n = 0, cap = 0;
    char buf[4096];
    const char *path = getenv("PATH");
    snprintf(buf, sizeof buf, "%s%s/usr/local/bin:/usr/bin:/bin", path ? path : "",
             path ? ":" : "");
    env_add(&envp, &n, &cap, "PATH", buf);
    const char *home = getenv("HOME");
    if (home)
        env_add(&envp, &n, &cap, "HOME", home);
    env_add(&envp, &n, &cap, "LANG", "en_US.UTF-8");
    env_add(&envp, &n, &cap, "TZ", ":UTC");
    env_add(&envp, &n, &cap, "PYTHONUNBUFFERED", "1");
    env_add(&envp, &n, &cap, "PYTHONDONTWRITEBYTECODE", "1");
    snprintf(buf, sizeof buf, "%s/nodejs/node_modules", pool.runtimes_dir);
    env_add(&envp, &n, &cap, "NODE_PATH", buf);
    env_add(&envp, &n, &cap, "AWS_ENDPOINT_URL", pool.endpoint_url);
    if (fn->environment) {
        const char *k;
        json_t *v;
        json_object_foreach(fn->environment, k, v) {
            if (json_is_string(v) && !is_reserved_user_key(k))
                env_add(&envp, &n, &cap, k, json_string_value(v));
        }
    }
    env_add(&envp, &n, &cap, "_HANDLER", fn->handler ? fn->handler : "");
    snprintf(buf, sizeof buf, "127.0.0.1:%d", in->port);
    env_add(&envp, &n, &cap, "AWS_LAMBDA_RUNTIME_API", buf);
    env_add(&envp, &n, &cap, "LAMBDA_TASK_ROOT", fn->code_dir);
    env_add(&envp, &n, &cap, "LAMBDA_RUNTIME_DIR", pool.runtimes_dir);
    env_add(&envp, &n, &cap, "AWS_LAMBDA_FUNCTION_NAME", fn->name);
    env_add(&envp, &n, &cap, "AWS_LAMBDA_FUNCTION_VERSION", fn->version);
    snprintf(buf, sizeof buf, "%d", fn->memory_mb);
    env_add(&envp, &n, &cap, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", buf);
    snprintf(buf, sizeof buf, "/aws/lambda/%s", fn->name);
    env_add(&envp, &n, &cap, "AWS_LAMBDA_LOG_GROUP_NAME", buf);
    env_add(&envp, &n, &cap, "AWS_LAMBDA_LOG_STREAM_NAME", in->log_stream);
    env_add(&envp, &n, &cap, "AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
    env_add(&envp, &n, &cap, "AWS_REGION", fn->region);
    env_add(&envp, &n, &cap, "AWS_DEFAULT_REGION", fn->region);
    if (strncmp(fn->runtime, "provided", 8) != 0) {
        snprintf(buf, sizeof buf, "AWS_Lambda_%s", fn->runtime);
        env_add(&envp, &n, &cap, "AWS_EXECUTION_ENV", buf);
    }
    env_add(&envp, &n, &cap, "AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE");
    env_add(&envp, &n, &cap, "AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    env_add(&envp, &n, &cap, "AWS_SESSION_TOKEN", "awsemu-session-token");
    env_add(&envp, &n, &cap, "AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR");
    return envp;
}

static void env_free(char **envp)
{
    for (size_t i = 0; envp && envp[i]; i++)
        free(envp[i]);
    free(envp);
}

/* The argv for the function's runtime; NULL with inv's error set when it cannot run. */
static int runtime_argv(struct instance *in, char *argv[4], char path[4096])
{
    const char *rt = in->fn->runtime;
    if (strncmp(rt, "python", 6) == 0) {
        if (!pool.python && pool.python_resolving) {
            pthread_join(pool.python_resolver, NULL); /* sets pool.python */
            pool.python_resolving = false;
        }
        if (!pool.python)
            pool.python = interpreter(pool.cfg->python,
                                      "-c 'import sys; print(sys.executable)'");
        snprintf(path, 4096, "%s/python/bootstrap.py", pool.runtimes_dir);
        argv[0] = pool.python;
        argv[1] = path;
        argv[2] = NULL;
        return 0;
    }
    if (strncmp(rt, "nodejs", 6) == 0) {
        if (!pool.node)
            pool.node = interpreter(pool.cfg->node, "-e 'console.log(process.execPath)'");
        snprintf(path, 4096, "%s/nodejs/bootstrap.mjs", pool.runtimes_dir);
        argv[0] = pool.node;
        argv[1] = path;
        argv[2] = NULL;
        return 0;
    }
    snprintf(path, 4096, "%s/bootstrap", in->fn->code_dir);
    if (access(path, X_OK) != 0) {
        if (in->inv)
            function_error(in->inv, "Runtime.InvalidEntrypoint",
                           "RequestId: %s Error: Couldn't find valid bootstrap(s): "
                           "[%s/bootstrap]",
                           in->inv->request_id, in->fn->code_dir);
        return -1;
    }
    argv[0] = path;
    argv[1] = NULL;
    return 0;
}

static void log_stream_name(char out[80])
{
    char id[IDS_UUID_LEN + 1], hex[33];
    ids_uuid(id);
    size_t k = 0;
    for (size_t i = 0; id[i] && k < 32; i++)
        if (id[i] != '-')
            hex[k++] = id[i];
    hex[k] = '\0';
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    snprintf(out, 80, "%04d/%02d/%02d/[$LATEST]%s", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             hex);
}

/* Starts an instance for inv's function with inv assigned; on failure finishes inv. */
static void instance_spawn(struct pool_invocation *inv)
{
    uv_loop_t *loop = engine_loop();
    struct instance *in = xcalloc(1, sizeof *in);
    in->fn = pool_function_dup(inv->fn);
    in->inv = inv;
    in->state = INST_STARTING;
    in->spawned_at = mono_ms();
    log_stream_name(in->log_stream);
    pthread_mutex_lock(&pool.lock);
    in->next = pool.instances;
    pool.instances = in;
    pool.count++;
    pthread_mutex_unlock(&pool.lock);

    uv_timer_init(loop, &in->timer);
    in->timer.data = in;
    in->handles_open = 1;
    char *runtime[4], *argv[6], path[4096], parent[24];
    char **envp = NULL;
    int rc = 0;
    enum pool_outcome failure = POOL_FUNCTION_ERROR;
    if (runtime_argv(in, runtime, path) < 0)
        goto fail;
    size_t k = 0;
    if (pool.launcher) { /* awsemu-launch <our pid> <runtime argv>: dies with us */
        snprintf(parent, sizeof parent, "%d", (int)getpid());
        argv[k++] = pool.launcher;
        argv[k++] = parent;
    }
    for (size_t i = 0; runtime[i]; i++)
        argv[k++] = runtime[i];
    argv[k] = NULL;
    failure = POOL_FAILED;
    if (!(in->api = rtapi_open(&rtapi_ops, in, &in->port)))
        goto fail;
    uv_pipe_init(loop, &in->out, 0);
    uv_pipe_init(loop, &in->err, 0);
    in->out.data = in->err.data = in->proc.data = in;
    in->handles_open += 2;
    envp = build_env(in);
    uv_stdio_container_t stdio[3] = {
        {.flags = UV_IGNORE},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&in->out},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&in->err},
    };
    uv_process_options_t opts = {
        .exit_cb = on_exit_cb,
        .file = argv[0],
        .args = argv,
        .env = envp,
        .cwd = in->fn->code_dir,
        .flags = UV_PROCESS_DETACHED, /* setsid: its own process group, killed as one */
        .stdio_count = 3,
        .stdio = stdio,
    };
    rc = uv_spawn(loop, &in->proc, &opts);
    env_free(envp);
    if (rc < 0) {
        LOG_ERROR("cannot start '%s' for function '%s': %s", argv[0], in->fn->name,
                  uv_strerror(rc));
        if (inv)
            function_error(inv, "Runtime.InvalidEntrypoint",
                           "RequestId: %s Error: cannot start the runtime '%s': %s",
                           inv->request_id, argv[0], uv_strerror(rc));
        failure = POOL_FUNCTION_ERROR;
        /* uv_spawn initialised the process handle even on failure: it must be closed too */
        in->handles_open++;
        close_if_open(in, (uv_handle_t *)&in->proc);
        goto fail_pipes;
    }
    in->handles_open++;
    in->pid = in->proc.pid;
    uv_read_start((uv_stream_t *)&in->out, on_alloc, on_pipe_read);
    uv_read_start((uv_stream_t *)&in->err, on_alloc, on_pipe_read);
    uv_timer_start(&in->timer, on_timer, INIT_DEADLINE_MS, 0);
    LOG_DEBUG("function '%s': started instance %d on Runtime API port %d", in->fn->name,
              in->pid, in->port);
    return;
fail_pipes:
    close_if_open(in, (uv_handle_t *)&in->out);
    close_if_open(in, (uv_handle_t *)&in->err);
fail:
    in->state = INST_STOPPING;
    rtapi_close(in->api);
    in->api = NULL;
    in->inv = NULL;
    close_if_open(in, (uv_handle_t *)&in->timer);
    inv->outcome = failure;
    inv->done(inv);
}

/* ------------------------------------------------------------------------------------------ */
/* Scheduling */

static void throttle(struct pool_invocation *inv, const char *reason)
{
    inv->outcome = POOL_THROTTLED;
    inv->throttle_reason = reason;
    inv->done(inv);
}

static void schedule(struct pool_invocation *inv)
{
    const struct pool_function *fn = inv->fn;
    struct instance *idle = NULL, *idle_other = NULL;
    int active = 0, total = 0;
    for (struct instance *in = pool.instances; in; in = in->next) {
        if (in->state == INST_STOPPING)
            continue;
        if (same_function(in->fn, fn)) {
            if (strcmp(in->fn->revision, fn->revision) != 0) { /* an older revision */
                if (in->state == INST_IDLE) {
                    instance_stop(in);
                    continue;
                }
                in->draining = true;
            } else if (in->state == INST_IDLE && !idle) {
                idle = in;
            }
            active++;
        } else if (in->state == INST_IDLE) {
            idle_other = in;
        }
        total++;
    }
    if (fn->reserved_concurrency == 0)
        return throttle(inv, "ReservedFunctionConcurrentInvocationLimitExceeded");
    if (idle)
        return instance_assign(idle, inv);
    if (fn->reserved_concurrency > 0 && active >= fn->reserved_concurrency)
        return throttle(inv, "ReservedFunctionConcurrentInvocationLimitExceeded");
    if (total >= pool.cfg->lambda_concurrency) {
        if (!idle_other)
            return throttle(inv, "ConcurrentInvocationLimitExceeded");
        instance_stop(idle_other); /* make room: an idle instance of another function */
    }
    instance_spawn(inv);
}

static void run_invocation(struct engine_job *job)
{
    struct pool_invocation_job *j = (struct pool_invocation_job *)job;
    struct pool_invocation *inv = j->inv;
    if (job->shutting_down || pool.stopping || !pool.cfg) {
        inv->outcome = POOL_FAILED;
        inv->done(inv);
        return;
    }
    schedule(inv);
}

struct engine_job *pool_invoke_job(struct pool_invocation *inv)
{
    struct pool_invocation_job *j = (struct pool_invocation_job *)inv->_job;
    j->job.run = run_invocation;
    j->inv = inv;
    return &j->job;
}

void pool_invoke(struct pool_invocation *inv)
{
    engine_job_post(pool_invoke_job(inv));
}

/* --- function changes --- */

struct changed_job {
    struct engine_job job;
    char *account, *region, *name;
};

static void run_changed(struct engine_job *job)
{
    struct changed_job *c = (struct changed_job *)job;
    if (!job->shutting_down) {
        for (struct instance *in = pool.instances; in; in = in->next) {
            if (in->state == INST_STOPPING || strcmp(in->fn->name, c->name) != 0 ||
                strcmp(in->fn->region, c->region) != 0 ||
                strcmp(in->fn->account, c->account) != 0)
                continue;
            if (in->state == INST_IDLE)
                instance_stop(in);
            else
                in->draining = true;
        }
    }
    free(c->account);
    free(c->region);
    free(c->name);
    free(c);
}

void pool_function_changed(const char *account, const char *region, const char *name)
{
    struct changed_job *c = xcalloc(1, sizeof *c);
    c->job.run = run_changed;
    c->account = xstrdup(account);
    c->region = xstrdup(region);
    c->name = xstrdup(name);
    engine_job_post(&c->job);
}

/* ------------------------------------------------------------------------------------------ */
/* Start, stop, introspection */

/* awsemu-launch beside our own binary (build/, build/asan/, or the install directory). */
static char *launcher_find(void)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    char path[4200];
    snprintf(path, sizeof path, "%s/awsemu-launch", exe);
    return access(path, X_OK) == 0 ? xstrdup(path) : NULL;
}

static char *runtimes_find(const struct config *cfg)
{
    if (cfg->runtimes_dir)
        return xstrdup(cfg->runtimes_dir);
    /* build/awsemu → <repo>/handlers/runtimes; an installed binary → /usr/share/awsemu */
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        for (int up = 0; up < 3; up++) {
            char *slash = strrchr(exe, '/');
            if (!slash)
                break;
            *slash = '\0';
            char probe[4200];
            snprintf(probe, sizeof probe, "%s/handlers/runtimes/python/bootstrap.py", exe);
            if (access(probe, R_OK) == 0) {
                snprintf(probe, sizeof probe, "%s/handlers/runtimes", exe);
                return xstrdup(probe);
            }
        }
    }
    return xstrdup("/usr/share/awsemu/runtimes");
}

/* True when name (a path, or a command looked up on PATH) is a script ("#!"), such as a
 * pyenv or asdf shim: running one costs a shell and a version lookup, 100-200 ms. */
static bool is_wrapper_script(const char *name)
{
    char path[4096];
    if (strchr(name, '/')) {
        snprintf(path, sizeof path, "%s", name);
    } else {
        const char *dirs = getenv("PATH");
        bool found = false;
        for (const char *d = dirs; d && *d && !found;) {
            size_t n = strcspn(d, ":");
            snprintf(path, sizeof path, "%.*s/%s", (int)n, d, name);
            found = access(path, X_OK) == 0;
            d += n + (d[n] == ':');
        }
        if (!found)
            return false;
    }
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char magic[2] = {0};
    size_t n = fread(magic, 1, 2, f);
    fclose(f);
    return n == 2 && magic[0] == '#' && magic[1] == '!';
}

static void *resolve_python(void *arg)
{
    (void)arg;
    pool.python = interpreter(pool.cfg->python, "-c 'import sys; print(sys.executable)'");
    return NULL;
}

int pool_start(const struct config *cfg, int endpoint_port)
{
    pool.cfg = cfg;
    pool.stopping = false;
    pool.stopped = false;
    pool.runtimes_dir = runtimes_find(cfg);
    /* A wrapper script would cost the first Python cold start its run time: find the real
     * interpreter now, beside start-up, so that the first invocation need not wait. */
    pool.python_resolving =
        is_wrapper_script(cfg->python) &&
        pthread_create(&pool.python_resolver, NULL, resolve_python, NULL) == 0;
    pool.launcher = launcher_find();
    if (!pool.launcher)
        LOG_WARN("awsemu-launch is not next to the awsemu binary: handler processes will not "
                 "be killed if awsemu itself is killed with SIGKILL");
    const char *host = cfg->host;
    bool any = strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0 || !*host;
    bool v6 = !any && strchr(host, ':');
    char url[300];
    snprintf(url, sizeof url, "http://%s%s%s:%d", v6 ? "[" : "", any ? "127.0.0.1" : host,
             v6 ? "]" : "", endpoint_port);
    pool.endpoint_url = xstrdup(url);
    LOG_DEBUG("runtimes in '%s'; handlers reach awsemu at %s", pool.runtimes_dir, url);
    return 0;
}

static void run_stop(struct engine_job *job)
{
    free(job);
    pool.stopping = true;
    struct instance *next;
    for (struct instance *in = pool.instances; in; in = next) {
        next = in->next;
        if (in->inv) {
            uv_timer_stop(&in->timer);
            function_error(in->inv, "Runtime.ExitError",
                           "RequestId: %s Error: awsemu is shutting down", in->inv->request_id);
            invocation_finish(in, POOL_FAILED);
        }
        instance_stop(in);
    }
    pthread_mutex_lock(&pool.stop_lock);
    if (pool.count == 0)
        pool.stopped = true;
    pthread_cond_signal(&pool.stop_cond);
    pthread_mutex_unlock(&pool.stop_lock);
}

void pool_stop(void)
{
    if (!pool.cfg)
        return;
    struct engine_job *job = xcalloc(1, sizeof *job);
    job->run = run_stop;
    engine_job_post(job);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    pthread_mutex_lock(&pool.stop_lock);
    while (!pool.stopped)
        if (pthread_cond_timedwait(&pool.stop_cond, &pool.stop_lock, &deadline) == ETIMEDOUT)
            break;
    if (!pool.stopped)
        LOG_WARN("%d handler instances still closing at shutdown", pool.count);
    pthread_mutex_unlock(&pool.stop_lock);
    for (size_t i = 0; i < LOG_RING; i++) {
        free(pool.ring[i].log);
        pool.ring[i].log = NULL;
    }
    free(pool.runtimes_dir);
    free(pool.endpoint_url);
    if (pool.python_resolving) {
        pthread_join(pool.python_resolver, NULL);
        pool.python_resolving = false;
    }
    free(pool.python);
    free(pool.node);
    free(pool.launcher);
    pool.runtimes_dir = pool.endpoint_url = pool.python = pool.node = pool.launcher = NULL;
    pool.cfg = NULL;
}

json_t *pool_describe(void)
{
    static const char *const states[] = {"starting", "idle", "busy", "stopping"};
    json_t *list = json_array();
    pthread_mutex_lock(&pool.lock);
    for (struct instance *in = pool.instances; in; in = in->next)
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s, s:i, s:i, s:s, s:i}", "function", in->fn->name,
                            "region", in->fn->region, "revision", in->fn->revision, "pid",
                            in->pid, "runtime_api_port", in->port, "state", states[in->state],
                            "invocations", (int)in->invocations));
    pthread_mutex_unlock(&pool.lock);
    return list;
}

json_t *pool_logs(const char *function, const char *request_id)
{
    json_t *list = json_array();
    pthread_mutex_lock(&pool.lock);
    for (unsigned i = 0; i < LOG_RING; i++) {
        const struct kept_log *k = &pool.ring[(pool.ring_next + i) % LOG_RING];
        if (!k->log || (function && strcmp(function, k->function) != 0) ||
            (request_id && strcmp(request_id, k->request_id) != 0))
            continue;
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s}", "function", k->function,
                                              "region", k->region, "request_id", k->request_id,
                                              "log", k->log));
    }
    pthread_mutex_unlock(&pool.lock);
    return list;
}
