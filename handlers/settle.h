/* handlers/settle.h — the settle barrier behind POST /_awsemu/settle: a test writes, settles,
 * and asserts, with no sleeps or retry loops.
 *
 * Contract: settle_job() takes a snapshot, on the calling thread, of what must be finished:
 *   for every enabled event source mapping, each shard of its stream up to the last record
 *   committed so far; and every asynchronous invocation stored so far. The returned job, run
 *   on the engine, calls done once either everything in the snapshot is finished — each
 *   mapping's checkpoint has reached the snapshot (the handler finished, or the batch was
 *   given up; records FilterCriteria dropped count as done), a mapping disabled or deleted
 *   since no longer counts, and no snapshotted async invocation is still queued (retries
 *   waiting on the emulator clock included) — or timeout_s passed.
 * Result (given to done, a new reference it owns): {"settled": bool, "waited_ms": n,
 *   "pending": {"mappings": [{"uuid", "shard", "checkpoint", "target"}], "async": n}}.
 * Threads: settle_job() from any thread (it reads storage); done runs on the engine thread.
 * Errors: a storage failure while taking the snapshot returns NULL (logged). */
#ifndef AWSEMU_HANDLERS_SETTLE_H
#define AWSEMU_HANDLERS_SETTLE_H

#include <jansson.h>

struct engine_job;
typedef void (*settle_done_cb)(json_t *result, void *ctx);

struct engine_job *settle_job(double timeout_s, settle_done_cb done, void *ctx);

#endif
