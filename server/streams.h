/* server/streams.h — the DynamoDB Streams API surface (DynamoDBStreams_20120810.*): ListStreams,
 * DescribeStream, GetShardIterator, GetRecords; and stream retention and shard rollover, run
 * on the engine.
 *
 * Identifiers on the wire (shared/docs §3.1): sequence numbers are 21 decimal digits, "1"
 * followed by the stored number zero-padded to 20, so string order is numeric order and the
 * model's minimum length holds. Shard iterators are `<StreamArn>|1|<hex>`: the hex names the
 * shard, the next sequence number to read and the issue time, followed by a CRC-32 of the
 * whole, so a damaged iterator is a ValidationException and not a wrong read. They carry no
 * server state, so they stay valid across a restart (for their 15 minutes).
 * Threads: operations on HTTP worker threads; ddbs_tick() on the engine thread;
 *   ddbs_retention_kick() and ddbs_rollover_run() from any thread.
 * Errors: DynamoDB's kinds (dynamodb_err.h), with Streams' own DDBS_ ones. */
#ifndef AWSEMU_STREAMS_H
#define AWSEMU_STREAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/route.h"

extern const struct route_json_op ddbs_operations[];
extern const size_t ddbs_operations_count;

int ddbs_list_streams(struct req *req, json_t *in, json_t **out, struct awserr *err);
int ddbs_describe_stream(struct req *req, json_t *in, json_t **out, struct awserr *err);
int ddbs_get_shard_iterator(struct req *req, json_t *in, json_t **out, struct awserr *err);
int ddbs_get_records(struct req *req, json_t *in, json_t **out, struct awserr *err);

#define DDBS_SEQ_LEN 21

/* Writes stored sequence number seq (0 <= seq < 10^20) in wire form into out. */
void ddbs_seq_format(int64_t seq, char out[DDBS_SEQ_LEN + 1]);
/* Parses a wire sequence number; false when s is not one this server issues. */
bool ddbs_seq_parse(const char *s, int64_t *seq);

/* Record r of stream s, in shard storage id `shard`, in GetRecords' wire form (a new
 * reference). The event source mapping worker delivers the same shape (handlers/esm.h). */
struct st_stream;
struct st_stream_record;
json_t *ddbs_record_json(const struct st_stream *s, int64_t shard,
                         const struct st_stream_record *r);

/* A decoded shard iterator. */
struct ddbs_iterator {
    char arn[1100];
    char shard_id[72];
    int64_t pos;       /* the next sequence number to read */
    int64_t issued_ms; /* emulator clock, milliseconds */
};
/* Encodes it into out (capacity cap); returns false if it does not fit. */
bool ddbs_iterator_write(const struct ddbs_iterator *it, char *out, size_t cap);
/* Decodes s; false when s is malformed or damaged. */
bool ddbs_iterator_parse(const char *s, struct ddbs_iterator *it);

/* Deletes records older than the retention period, in small transactions, until none is
 * left or a pass's budget is spent. Engine thread (the periodic tick) or tests. */
void ddbs_retention_run(void);
/* Rolls over every open shard whose rollover period has ended (dynamodb_stream.h), one
 * small transaction per table. Engine thread (the tick), or the thread that moved the test
 * clock, so that lineage is current when POST /_awsemu/clock answers. */
void ddbs_rollover_run(void);
/* The engine's periodic callback: ddbs_rollover_run(), then ddbs_retention_run(). */
void ddbs_tick(void);
/* Asks the engine to run retention now (after the test clock moved). */
void ddbs_retention_kick(void);

#endif
