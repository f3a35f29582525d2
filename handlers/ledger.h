/* handlers/ledger.h — the delivery ledger: what happened to stream records on their way to
 * each event source mapping's function (issue: "written → batched → invoked (attempt,
 * request id) → result → checkpoint"), so a user can see why a handler did or did not run.
 *
 * Model: one entry per batch a mapping formed: its shard, the sequence range and record count
 *   (and how many records FilterCriteria dropped), every invocation attempt with its request
 *   id, each attempt's result, and the checkpoint written when the batch was done. Entries
 *   live in memory; the latest LEDGER_KEEP per mapping are kept (older ones are dropped
 *   first), and a mapping's entries go when the mapping is deleted.
 * Sequence numbers are the stream's internal integers (the wire form is "1" + 20 digits,
 *   server/streams.h ddbs_seq_format); ledger_describe() prints the wire form.
 * Threads: the writers on the engine thread (the ESM workers); ledger_describe() from any
 *   thread. One mutex guards everything.
 * Ownership: strings are copied; ledger_describe() returns a new reference. */
#ifndef AWSEMU_HANDLERS_LEDGER_H
#define AWSEMU_HANDLERS_LEDGER_H

#include <jansson.h>
#include <stdint.h>

#define LEDGER_KEEP 1000

/* A batch was formed; returns its id (never 0). filtered: records dropped by FilterCriteria
 * (already counted out of records). */
uint64_t ledger_batch_new(const char *mapping_uuid, const char *function, const char *shard_id,
                          int64_t first_seq, int64_t last_seq, int records, int filtered);
/* An invocation of the batch started (attempt counts from 1). */
void ledger_invoked(uint64_t batch, int attempt, const char *request_id);
/* That invocation ended: result is e.g. "OK", "FunctionError: Runtime.ExitError",
 * "Throttled", "PartialFailure: from <seq>", "Bisected", "GivenUp: RetriesExhausted",
 * "GivenUp: RecordAgeExceeded", "SentToOnFailure: <arn>", "KeptAsFailed". */
void ledger_result(uint64_t batch, const char *result);
/* The batch is done and the shard's checkpoint is now seq. */
void ledger_checkpoint(uint64_t batch, int64_t seq);
/* The mapping was deleted. */
void ledger_forget(const char *mapping_uuid);

/* {"batches":[...]} oldest first; mapping_uuid NULL for all; sequence (wire form, or NULL)
 * keeps only the batches whose range holds that record. */
json_t *ledger_describe(const char *mapping_uuid, const char *sequence);

/* Releases everything (main, at shutdown). */
void ledger_clear(void);

#endif
