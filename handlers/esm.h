/* handlers/esm.h — event source mapping delivery: DynamoDB stream records → synchronous
 * invocations of the mapping's function (DESIGN flow 1, invariant 3; wire reference §4.5,
 * §7.1, §7.4).
 *
 * Model: one worker per stored mapping, on the engine thread. A worker delivers one shard at
 *   a time, in creation order (a parent before its children: it moves to the next shard only
 *   when every record of the current one is done and no tumbling window is open), each from
 *   the record after its persisted checkpoint (storage/mappings.h); a shard without a
 *   checkpoint is read from its oldest kept record (TRIM_HORIZON; a LATEST mapping gets
 *   checkpoints at every shard's last record when it is created). Records are in GetRecords'
 *   wire form plus "eventSourceARN"; records no FilterCriteria pattern matches are dropped
 *   (the checkpoint moves past them).
 * Parallelization: the shard is read into ParallelizationFactor lanes (1–10), a record's
 *   lane chosen by a hash of its dynamodb.Keys, so one item's records always go through one
 *   lane, in sequence order; each lane has at most one batch in flight, so up to N are in
 *   flight per shard. The shard checkpoint stored is the highest sequence number below which
 *   every lane is done (a restart delivers again what was in flight: at least once).
 * Batches: up to BatchSize records and about 6 MB from one lane; with
 *   MaximumBatchingWindowInSeconds a batch waits until BatchSize or 6 MB is reached or the
 *   window since its first record was read has passed (a uv timer on the engine loop).
 * Outcomes: success (and, with FunctionResponseTypes ReportBatchItemFailures, an empty, null
 *   or absent batchItemFailures) moves the checkpoint past the batch and sets
 *   LastProcessingResult "OK". A reported failure keeps the records from the lowest failed
 *   SequenceNumber and retries them (the earlier ones are done); an itemIdentifier missing,
 *   empty or not in the batch fails the whole batch. A function error (or such an invalid
 *   response) with BisectBatchOnFunctionError splits a batch of two records or more in two,
 *   the first half delivered before the second; bisecting consumes no retry. Otherwise a
 *   failure counts against MaximumRetryAttempts (-1: for ever) and the batch is retried a
 *   second later, the same records. A batch is given up when its retries are exhausted
 *   ("RetryAttemptsExhausted") or, with MaximumRecordAgeInSeconds, when its oldest record
 *   (its creation time, on the emulator clock) is older than that at a retry
 *   ("RecordAgeExceeded"). A given-up batch is stored with the OnFailure record Lambda
 *   would send (requestContext, responseContext, version, timestamp, DDBStreamBatchInfo)
 *   and the OnFailure destination if any — awsemu has no SQS or SNS, so nothing is sent —
 *   in the same transaction that moves the checkpoint past it, and LastProcessingResult is
 *   "PROBLEM: Function call failed"; esm_failures_describe() lists them. Throttles and
 *   awsemu failures are retried without counting.
 * Tumbling windows (TumblingWindowInSeconds): records are grouped by creation time into
 *   windows aligned on multiples of the window length; a batch never spans two. Each event
 *   carries "window" {start, end}, "state" (the "state" the function returned last in this
 *   window, {} at first), "shardId", "eventSourceARN", "isFinalInvokeForWindow" and
 *   "isWindowTerminatedEarly" (always false). Once the window ended (plus 0.25 s) and the
 *   shard was read past it, the window's last invocation has isFinalInvokeForWindow true —
 *   the last batch of its records, or an invocation without records. State is kept per lane
 *   in memory only: a restart or a settings change loses it (the window starts again at {}).
 * Ledger: every batch, attempt (request id), result and checkpoint goes to handlers/ledger.h.
 * Wake-ups: esm_streams_changed() after a write transaction that appended stream records
 *   committed (costs one atomic load when no mapping is enabled); esm_mappings_changed()
 *   after a mapping was created, updated or deleted (changed settings apply once the
 *   mapping has nothing in flight; the shard is then read again from its checkpoint);
 *   esm_start(); esm_tick() every second; the worker timer (retries, windows).
 * Not done: OnFailure records are stored, not sent (no SQS/SNS); isWindowTerminatedEarly
 *   is never true (the 1 MB state limit is not enforced); with ParallelizationFactor > 1 and
 *   tumbling windows, state is per lane.
 * Threads: esm_streams_changed() and esm_mappings_changed() from any thread; esm_start() and
 *   esm_stop() from main; esm_failures_describe() from any thread; esm_tick() and everything
 *   else on the engine thread.
 * Ownership: hooks are borrowed for the life of the program; record_json returns a new
 *   reference; the loader a new pool_function (and a reference to drop);
 *   esm_failures_describe() a new reference. */
#ifndef AWSEMU_HANDLERS_ESM_H
#define AWSEMU_HANDLERS_ESM_H

#include <jansson.h>
#include <stdint.h>

#include "handlers/invoke.h"

struct st_stream;
struct st_stream_record;

/* What the worker needs from the services that own functions and streams (server/). */
struct esm_hooks {
    invoke_loader_cb loader;
    /* A stored record in GetRecords' wire form (server/streams.h ddbs_record_json). */
    json_t *(*record_json)(const struct st_stream *s, int64_t shard,
                           const struct st_stream_record *r);
    /* How long records are kept, in seconds: older ones are never delivered. */
    double (*retention)(void);
};

/* From main after pool_start(): workers for every stored mapping resume at their
 * checkpoints. */
void esm_start(const struct esm_hooks *hooks);
/* From main before pool_stop(): nothing new is invoked; batches in flight end unrecorded
 * (they are delivered again after a restart). */
void esm_stop(void);
/* Once a second on the engine thread. */
void esm_tick(void);

/* A write transaction that appended stream records committed. Any thread. */
void esm_streams_changed(void);
/* A mapping was created, updated or deleted (committed). Any thread. */
void esm_mappings_changed(void);

#define ESM_FAILURES_MAX 10000
/* {"failures":[{id, mapping, function, destination, condition, created, info}, ...]} oldest
 * first (at most ESM_FAILURES_MAX), only mapping_uuid's when it is not NULL; NULL (logged)
 * when storage fails. Any thread. */
json_t *esm_failures_describe(const char *mapping_uuid);

#endif
