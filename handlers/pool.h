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

/* The function's configuration changed or it was deleted: idle instances are stopped now,
 * busy ones when their invocation ends. */
void pool_function_changed(const char *account, const char *region, const char *name);

#endif
