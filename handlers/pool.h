/* handlers/pool.h — running Lambda handlers: the instance pool (spawn, reuse, drain, kill),
 * each instance's Runtime API listener, and invocations through them.
 *
 * Threads: every function here may be called from any thread; the work is handed to the
 *   engine thread (engine_job_post), which alone owns instances, child processes and Runtime
 *   API listeners. A done callback runs on the engine thread.
 * Lifetime: pool_start() after engine_start(); pool_stop() before engine_stop(): it fails the
 *   invocations still waiting and kills every handler process group. */
#ifndef AWSEMU_HANDLERS_POOL_H
#define AWSEMU_HANDLERS_POOL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "server/buf.h"

/* What an instance is started from: a snapshot of the function's configuration taken when the
 * invocation was accepted. Strings are owned by the struct (pool_function_free). */
struct pool_function {
    char *account;
    char *region;
    char *name;
    char *arn;        /* unqualified function ARN */
    char *version;    /* "$LATEST" or a version number */
    char *runtime;    /* e.g. "python3.12", "nodejs20.x", "provided.al2023" */
    char *handler;    /* the Handler string, "" for none */
    char *code_dir;   /* extracted package, or the hot-reload directory */
    char *revision;   /* RevisionId: instances started from another revision are drained */
    json_t *environment; /* Environment.Variables object (owned reference), or NULL */
    int timeout_s;
    int memory_mb;
    int reserved_concurrency; /* -1 when none is set */
};

void pool_function_free(struct pool_function *fn);
struct pool_function *pool_function_dup(const struct pool_function *fn);

enum pool_outcome {
    POOL_OK,             /* the handler answered; result is its payload */
    POOL_FUNCTION_ERROR, /* handler, init, timeout or exit error; result is the error object */
    POOL_THROTTLED,      /* concurrency exhausted; throttle_reason says which limit */
    POOL_FAILED,         /* awsemu could not run it (shutting down, spawn failure logged) */
};

struct pool_invocation;
typedef void (*pool_invocation_cb)(struct pool_invocation *inv);

/* One invocation. The submitter fills the input half and hands it over with pool_invoke() or
 * pool_invoke_job(); done() runs once, on the engine thread, with the output half filled, and
 * owns the invocation from then on (pool_invocation_free). */
struct pool_invocation {
    /* input */
    struct pool_function *fn; /* owned */
    char request_id[40];
    char *payload; /* owned JSON text */
    size_t payload_len;
    char *client_context; /* owned decoded JSON text, or NULL */
    char *invoked_arn;    /* owned ARN as invoked, or NULL for fn->arn */
    pool_invocation_cb done;
    void *ctx;
    /* output */
    enum pool_outcome outcome;
    struct buf result;
    const char *throttle_reason; /* POOL_THROTTLED: Lambda's Reason */
    char *log;                   /* POOL_OK/POOL_FUNCTION_ERROR: the invocation's log, START to
                                    REPORT, its last POOL_LOG_KEEP bytes; owned */
    double duration_ms;
    char _job[48]; /* the engine job carrying it (opaque) */
};

#define POOL_LOG_KEEP (64 * 1024)

struct pool_invocation *pool_invocation_new(void);
void pool_invocation_free(struct pool_invocation *inv);

/* Hands inv to the engine thread to run. */
void pool_invoke(struct pool_invocation *inv);
/* The engine job that runs inv, for req_defer(): posting it is pool_invoke(). */
struct engine_job *pool_invoke_job(struct pool_invocation *inv);

struct config;
/* Starts the pool; endpoint_port is awsemu's own port, handed to handlers as
 * AWS_ENDPOINT_URL. Returns 0, or -1 (logged) when the runtimes cannot be found. */
int pool_start(const struct config *cfg, int endpoint_port);
/* Fails the invocations still waiting, kills every handler process group and waits for
 * them (bounded). From main, after http_quiesce() and before engine_stop(). */
void pool_stop(void);

/* Introspection for /_awsemu/: every instance, as JSON (new reference). Any thread. */
json_t *pool_describe(void);
/* The logs (START to REPORT, handler output between) of the latest 128 invocations, oldest
 * first, optionally only one function's or one request's: a new JSON array. Any thread. */
json_t *pool_logs(const char *function, const char *request_id);

/* The function's configuration changed or it was deleted: idle instances are stopped now,
 * busy ones when their invocation ends. */
void pool_function_changed(const char *account, const char *region, const char *name);

#endif
