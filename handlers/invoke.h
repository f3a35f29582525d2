/* handlers/invoke.h — asynchronous (Event) invocations: stored before the 202, dispatched by
 * the engine through the pool, retried as Lambda does, and finished into on-success /
 * on-failure destinations (other functions).
 *
 * Retry policy (wire reference §5): a function error (handler error, timeout, exit) is retried
 * MaximumRetryAttempts times (default 2), about 1 minute after the first failure and 2 after
 * the second, on the emulator clock (so POST /_awsemu/clock makes them due at once); throttles
 * and awsemu failures are retried every second without counting; an event older than
 * MaximumEventAgeInSeconds (default 6 h) is given up. A given-up event goes to the OnFailure
 * destination, a successful one to OnSuccess, as Lambda's invocation record; other
 * destination types are logged and skipped.
 *
 * Threads: invoke_async_submit() and invoke_async_describe() from any thread; the rest runs
 *   on the engine thread. The loader is called on the engine thread.
 * Ownership: the loader returns a new pool_function and a new reference to the event invoke
 *   config (or NULL). */
#ifndef AWSEMU_HANDLERS_INVOKE_H
#define AWSEMU_HANDLERS_INVOKE_H

#include <jansson.h>
#include <stddef.h>

#include "handlers/pool.h"

/* Finds a function by account, region, name and qualifier ("" for $LATEST); NULL when it no
 * longer exists. Supplied by the Lambda service (server/), which owns configuration. */
typedef struct pool_function *(*invoke_loader_cb)(const char *account, const char *region,
                                                  const char *name, const char *qualifier,
                                                  json_t **event_invoke_config);

/* From main after pool_start(): events stored before a restart start running. */
void invoke_async_start(invoke_loader_cb loader);
/* From main before pool_stop(): nothing new is dispatched (events stay queued). */
void invoke_async_stop(void);
/* Once a second on the engine thread: dispatches events whose retry time has come. */
void invoke_async_tick(void);

/* Stores an Event invocation of fn (qualifier "" or a version/alias) and wakes the
 * dispatcher. 0, or -1 when it could not be stored (logged): the caller must not answer 202. */
int invoke_async_submit(const struct pool_function *fn, const char *qualifier,
                        const char *payload, size_t len, const char *request_id);

/* The queue as JSON (new reference): queued events and how many are running. */
json_t *invoke_async_describe(void);

#endif
