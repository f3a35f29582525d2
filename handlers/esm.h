/* handlers/esm.h — event source mapping delivery: DynamoDB stream records → synchronous
 * invocations of the mapping's function (DESIGN flow 1, invariant 3; wire reference §4.5,
 * §7.1).
 *
 * Model: one worker per stored mapping, on the engine thread. A worker reads its stream's
 *   shards in creation order (so a parent before its children), each from the record after
 *   its persisted checkpoint (storage/mappings.h); a shard without a checkpoint is read from
 *   its oldest kept record (TRIM_HORIZON; a LATEST mapping gets checkpoints at every shard's
 *   last record when it is created, in the same transaction, so only later records reach it).
 *   A batch is up to BatchSize records and about 6 MB, each in GetRecords' wire form plus
 *   "eventSourceARN"; records no FilterCriteria pattern matches are dropped from it (the
 *   checkpoint still moves past them). The function gets {"Records":[...]} through the pool;
 *   one batch is in flight per mapping, so records arrive in shard order.
 * Outcomes: success moves the checkpoint to the batch's last record and sets
 *   LastProcessingResult "OK"; the next batch starts at once. A function error retries the
 *   same batch (same payload) a second later on the engine tick, for ever when
 *   MaximumRetryAttempts is -1, else until that many retries failed: then the checkpoint moves
 *   past the batch and LastProcessingResult is "PROBLEM: Function call failed". Throttles and
 *   awsemu failures are retried without counting. Delivery is at least once: a crash between
 *   the invocation and the checkpoint write delivers the batch again.
 * Wake-ups: esm_streams_changed() after a write transaction that appended stream records
 *   committed (costs one atomic load when no mapping is enabled); esm_mappings_changed()
 *   after a mapping was created, updated or deleted; esm_start(); esm_tick() every second
 *   (retries, and mappings deleted with their function).
 * Not done yet (this slice delivers the basic flow only): BisectBatchOnFunctionError,
 *   FunctionResponseTypes ReportBatchItemFailures, ParallelizationFactor above 1 (batches are
 *   sequential per mapping), MaximumBatchingWindowInSeconds (a batch goes as soon as records
 *   are there), MaximumRecordAgeInSeconds, tumbling windows, OnFailure destinations, and a
 *   settle endpoint for tests. These settings are stored and echoed by the API but ignored.
 * Threads: esm_streams_changed() and esm_mappings_changed() from any thread; esm_start() and
 *   esm_stop() from main; esm_tick() and everything else on the engine thread.
 * Ownership: hooks are borrowed for the life of the program; record_json returns a new
 *   reference; the loader a new pool_function (and a reference to drop). */
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

#endif
