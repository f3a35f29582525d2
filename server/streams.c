/* server/streams.c — the DynamoDB Streams API and stream retention; see streams.h.
 *
 * Reads never write: a shard iterator is a position (the next sequence number to read), and
 * GetRecords answers the records at or after it that retention still keeps. (Shards roll over
 * on the engine's tick, on a change, and when the test clock moves: ddbs_rollover_run().)
 * Sequence numbers
 * are dense within a shard (storage/streams.h), so a position below the oldest kept record
 * of a shard means records were trimmed away from under it: TrimmedDataAccessException. */
#include "server/streams.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "server/dynamodb.h"
#include "server/dynamodb_err.h"
#include "server/dynamodb_stream.h"
#include "server/emuclock.h"
#include "server/engine.h"
#include "storage/streams.h"

#define LOG_MODULE "streams"
#include "server/log.h"

#define ITERATOR_LIFETIME_MS (15 * 60 * 1000)
#define GET_RECORDS_MAX_BYTES (1024 * 1024)
#define RETENTION_BATCH 256
#define RETENTION_BATCHES_PER_PASS 64

const struct route_json_op ddbs_operations[] = {
    {"ListStreams", ddbs_list_streams},
    {"DescribeStream", ddbs_describe_stream},
    {"GetShardIterator", ddbs_get_shard_iterator},
    {"GetRecords", ddbs_get_records},
};
const size_t ddbs_operations_count = sizeof ddbs_operations / sizeof ddbs_operations[0];

/* ---- identifiers ---- */

void ddbs_seq_format(int64_t seq, char out[DDBS_SEQ_LEN + 1])
{
    snprintf(out, DDBS_SEQ_LEN + 1, "1%020lld", (long long)seq);
}

bool ddbs_seq_parse(const char *s, int64_t *seq)
{
    if (!s || strlen(s) != DDBS_SEQ_LEN || s[0] != '1')
        return false;
    int64_t v = 0;
    for (const char *p = s + 1; *p; p++) {
        if (*p < '0' || *p > '9' || v > (INT64_MAX - (*p - '0')) / 10)
            return false;
        v = v * 10 + (*p - '0');
    }
    *seq = v;
    return true;
}

static uint32_t iterator_crc(const char *s, size_t n)
{
    return (uint32_t)crc32(0L, (const Bytef *)s, (uInt)n);
}

bool ddbs_iterator_write(const struct ddbs_iterator *it, char *out, size_t cap)
{
    char inner[160];
    int n = snprintf(inner, sizeof inner, "%s|%lld|%lld", it->shard_id, (long long)it->pos,
                     (long long)it->issued_ms);
    if (n < 0 || (size_t)n >= sizeof inner)
        return false;
    size_t len = (size_t)snprintf(out, cap, "%s|1|", it->arn);
    if (len + 2 * (size_t)n + 9 > cap)
        return false;
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(out + len, cap - len, "%02x", (unsigned char)inner[i]);
    snprintf(out + len, cap - len, "%08x", iterator_crc(out, len));
    return true;
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool ddbs_iterator_parse(const char *s, struct ddbs_iterator *it)
{
    const char *bar = strstr(s, "|1|");
    size_t len = strlen(s);
    if (!bar || len < 8 || (size_t)(bar - s) >= sizeof it->arn)
        return false;
    char crc[9];
    snprintf(crc, sizeof crc, "%08x", iterator_crc(s, len - 8));
    if (strcmp(crc, s + len - 8) != 0)
        return false;
    const char *hex = bar + 3;
    size_t hex_len = (size_t)(s + len - 8 - hex);
    char inner[160];
    if (hex_len % 2 || hex_len / 2 >= sizeof inner)
        return false;
    for (size_t i = 0; i < hex_len / 2; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        inner[i] = (char)(hi << 4 | lo);
    }
    inner[hex_len / 2] = '\0';
    memcpy(it->arn, s, (size_t)(bar - s));
    it->arn[bar - s] = '\0';
    long long pos, issued;
    int consumed = 0;
    if (sscanf(inner, "%71[^|]|%lld|%lld%n", it->shard_id, &pos, &issued, &consumed) != 3 ||
        inner[consumed] != '\0')
        return false;
    it->pos = pos;
    it->issued_ms = issued;
    return true;
}

/* A record's eventID: 32 hex digits derived from where it lives, so it needs no storage and
 * is the same on every read. */
static void event_id(int64_t shard, int64_t seq, char out[33])
{
    uint64_t a = (uint64_t)shard * 0x9E3779B97F4A7C15ULL ^ (uint64_t)seq;
    uint64_t b = (uint64_t)seq * 0xBF58476D1CE4E5B9ULL ^ (uint64_t)shard;
    a ^= a >> 31, a *= 0x94D049BB133111EBULL, a ^= a >> 29;
    b ^= b >> 30, b *= 0xBF58476D1CE4E5B9ULL, b ^= b >> 27;
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
}

/* ---- shared request pieces ---- */

static double retained_since(double now)
{
    return now - ddb__stream_retention();
}

static int violation_length(struct ddb_violations *v, const char *value, const char *path,
                            size_t lo, size_t hi)
{
    size_t n = strlen(value);
    if (n < lo || n > hi)
        ddb__violation_add(v, "Value '%.200s' at '%s' failed to satisfy constraint: Member must "
                              "have length %s %zu", value, path,
                           n < lo ? "greater than or equal to" : "less than or equal to",
                           n < lo ? lo : hi);
    return 0;
}

static void violation_null(struct ddb_violations *v, const void *value, const char *path)
{
    if (!value)
        ddb__violation_add(v, "Value null at '%s' failed to satisfy constraint: Member must not "
                              "be null", path);
}

static int read_limit(json_t *in, long long max, long long *limit, struct ddb_violations *v,
                      struct awserr *err)
{
    bool have;
    if (ddb__member_int(in, "Limit", &have, limit, err) < 0)
        return -1;
    if (!have)
        *limit = max;
    else if (*limit < 1 || *limit > max)
        ddb__violation_add(v, "Value '%lld' at 'limit' failed to satisfy constraint: Member "
                              "must have value %s %lld", *limit,
                           *limit < 1 ? "greater than or equal to" : "less than or equal to",
                           *limit < 1 ? 1LL : max);
    return 0;
}

static int load_stream(struct db *db, const char *arn, struct st_stream *s, struct awserr *err)
{
    int found = st_streams_get(db, arn, s);
    if (found < 0)
        return awserr_raise(err, DDB_INTERNAL, "Internal server error");
    if (!found)
        return awserr_raise(err, DDB_RESOURCE_NOT_FOUND,
                            "Requested resource not found: Stream: %.1024s not found", arn);
    return 0;
}

static int load_shard(struct db *db, const struct st_stream *s, const char *shard_id,
                      struct st_shard *shard, struct awserr *err)
{
    int found = st_streams_shard_get(db, s->id, shard_id, shard);
    if (found < 0)
        return awserr_raise(err, DDB_INTERNAL, "Internal server error");
    if (!found)
        return awserr_raise(err, DDB_RESOURCE_NOT_FOUND,
                            "Requested resource not found: Shard: %.72s in Stream: %.1024s not "
                            "found", shard_id, s->arn);
    return 0;
}

/* The first sequence number retention still keeps in the shard (last_seq + 1 if none). */
static int first_kept(struct db *db, const struct st_shard *shard, double now, int64_t *seq,
                      struct awserr *err)
{
    int found = st_streams_oldest(db, shard->id, retained_since(now), seq);
    if (found < 0)
        return awserr_raise(err, DDB_INTERNAL, "Internal server error");
    if (!found)
        *seq = shard->last_seq + 1;
    return 0;
}

static bool stream_visible(const struct st_stream *s, double now)
{
    return s->enabled || s->disabled >= retained_since(now);
}

/* ---- ListStreams ---- */

struct list_ctx {
    json_t *streams;
    double now;
    int64_t last_id;
    int kept;
};

static void list_one(const struct st_stream *s, void *arg)
{
    struct list_ctx *c = arg;
    c->last_id = s->id;
    if (!stream_visible(s, c->now))
        return;
    json_array_append_new(c->streams, json_pack("{s:s, s:s, s:s}", "StreamArn", s->arn,
                                                "TableName", s->table_name, "StreamLabel",
                                                s->label));
}

int ddbs_list_streams(struct req *req, json_t *in, json_t **out, struct awserr *err)
{
    struct ddb_violations v = {0, BUF_INIT};
    long long limit;
    const char *start, *table;
    char name[ST_NAME_MAX];
    struct db *db;
    if (read_limit(in, 100, &limit, &v, err) < 0 ||
        ddb__member_string(in, "ExclusiveStartStreamArn", &start, err) < 0 ||
        ddb__member_string(in, "TableName", &table, err) < 0)
        return -1;
    if (start)
        violation_length(&v, start, "exclusiveStartStreamArn", 37, 1024);
    if (ddb__violations_raise(&v, err) < 0 || (table && ddb__table_name(in, name, err) < 0) ||
        ddb__db(&db, err) < 0)
        return -1;
    struct st_stream after = {0};
    if (start && load_stream(db, start, &after, err) < 0)
        return -1;
    struct list_ctx c = {json_array(), ddb__now(), after.id, 0};
    /* Page through storage until the page is full: hidden (expired) streams take no room. */
    for (int n; json_array_size(c.streams) <= (size_t)limit;) {
        n = st_streams_list(db, req->account, req->region, table ? name : NULL, c.last_id,
                            (int)limit + 1, list_one, &c);
        if (n < 0) {
            json_decref(c.streams);
            return awserr_raise(err, DDB_INTERNAL, "Internal server error");
        }
        if (n < (int)limit + 1)
            break;
    }
    json_t *last = NULL;
    if (json_array_size(c.streams) > (size_t)limit) {
        while (json_array_size(c.streams) > (size_t)limit)
            json_array_remove(c.streams, json_array_size(c.streams) - 1);
        last = json_object_get(json_array_get(c.streams, (size_t)limit - 1), "StreamArn");
    }
    *out = json_pack("{s:o}", "Streams", c.streams);
    if (last)
        json_object_set(*out, "LastEvaluatedStreamArn", last);
    return 0;
}

/* ---- DescribeStream ---- */

struct describe_ctx {
    json_t *shards;
    const char *start;   /* ExclusiveStartShardId: skip up to and including it */
    const char *parent;  /* ShardFilter CHILD_SHARDS: only this shard's children */
    bool started;
    double now;
    size_t limit;
    bool more;
};

static json_t *shard_json(const struct st_shard *s)
{
    char start[DDBS_SEQ_LEN + 1], end[DDBS_SEQ_LEN + 1];
    ddbs_seq_format(s->start_seq, start);
    json_t *range = json_pack("{s:s}", "StartingSequenceNumber", start);
    if (s->closed > 0) {
        /* An empty closed shard ends at its StartingSequenceNumber, a number no record has:
         * the range is not inverted and its child starts after it (storage/streams.h). */
        ddbs_seq_format(s->end_seq < s->start_seq ? s->start_seq : s->end_seq, end);
        json_object_set_new(range, "EndingSequenceNumber", json_string(end));
    }
    json_t *out = json_pack("{s:s, s:o}", "ShardId", s->shard_id, "SequenceNumberRange", range);
    if (*s->parent)
        json_object_set_new(out, "ParentShardId", json_string(s->parent));
    return out;
}

static void describe_one(const struct st_shard *s, void *arg)
{
    struct describe_ctx *c = arg;
    if (!c->started) {
        c->started = strcmp(s->shard_id, c->start) == 0;
        return;
    }
    /* A shard closed before the retention window holds nothing readable: AWS drops it. */
    if (s->closed > 0 && s->closed < retained_since(c->now))
        return;
    if (c->parent && strcmp(s->parent, c->parent) != 0)
        return;
    if (json_array_size(c->shards) == c->limit) {
        c->more = true;
        return;
    }
    json_array_append_new(c->shards, shard_json(s));
}

static int read_shard_filter(json_t *in, const char **parent, struct awserr *err)
{
    json_t *filter;
    const char *type;
    *parent = NULL;
    if (ddb__member_object(in, "ShardFilter", &filter, err) < 0 || !filter)
        return awserr_is_set(err) ? -1 : 0;
    if (ddb__member_string(filter, "Type", &type, err) < 0 ||
        ddb__member_string(filter, "ShardId", parent, err) < 0)
        return -1;
    if (!type || strcmp(type, "CHILD_SHARDS") != 0 || !*parent)
        return awserr_raise(err, DDB_VALIDATION, "1 validation error detected: Value '%.50s' at "
                                                 "'shardFilter.type' failed to satisfy "
                                                 "constraint: Member must satisfy enum value "
                                                 "set: [CHILD_SHARDS]", type ? type : "null");
    return 0;
}

static json_t *stream_description(const struct st_stream *s, json_t *shards)
{
    json_t *ks = json_loads(s->key_schema, 0, NULL);
    return json_pack("{s:s, s:s, s:s, s:s, s:f, s:s, s:o, s:o}", "StreamArn", s->arn,
                     "StreamLabel", s->label, "StreamStatus", s->enabled ? "ENABLED" : "DISABLED",
                     "StreamViewType", s->view_type, "CreationRequestDateTime", s->created,
                     "TableName", s->table_name, "KeySchema", ks ? ks : json_array(), "Shards",
                     shards);
}

int ddbs_describe_stream(struct req *req, json_t *in, json_t **out, struct awserr *err)
{
    (void)req;
    struct ddb_violations v = {0, BUF_INIT};
    long long limit;
    const char *arn, *start;
    struct db *db;
    struct st_stream s;
    struct describe_ctx c = {.now = ddb__now()};
    if (ddb__member_string(in, "StreamArn", &arn, err) < 0 || read_limit(in, 100, &limit, &v, err) < 0 ||
        ddb__member_string(in, "ExclusiveStartShardId", &start, err) < 0 ||
        read_shard_filter(in, &c.parent, err) < 0)
        return -1;
    violation_null(&v, arn, "streamArn");
    if (arn)
        violation_length(&v, arn, "streamArn", 37, 1024);
    if (start)
        violation_length(&v, start, "exclusiveStartShardId", 28, 65);
    if (ddb__violations_raise(&v, err) < 0 || ddb__db(&db, err) < 0 ||
        load_stream(db, arn, &s, err) < 0)
        return -1;
    c.shards = json_array();
    c.start = start;
    c.started = !start;
    c.limit = (size_t)limit;
    if (st_streams_shards(db, s.id, describe_one, &c) < 0) {
        json_decref(c.shards);
        return awserr_raise(err, DDB_INTERNAL, "Internal server error");
    }
    json_t *desc = stream_description(&s, c.shards);
    if (c.more)
        json_object_set(desc, "LastEvaluatedShardId",
                        json_object_get(json_array_get(c.shards, c.limit - 1), "ShardId"));
    *out = json_pack("{s:o}", "StreamDescription", desc);
    return 0;
}

/* ---- GetShardIterator ---- */

enum iterator_type { IT_TRIM_HORIZON, IT_LATEST, IT_AT, IT_AFTER };

static int read_iterator_type(const char *s, enum iterator_type *t, struct ddb_violations *v)
{
    static const char *const names[] = {"TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER",
                                        "AFTER_SEQUENCE_NUMBER"};
    for (int i = 0; s && i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *t = (enum iterator_type)i;
            return 0;
        }
    }
    if (s)
        ddb__violation_add(v, "Value '%.100s' at 'shardIteratorType' failed to satisfy "
                              "constraint: Member must satisfy enum value set: [TRIM_HORIZON, "
                              "LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER]", s);
    return -1;
}

/* Where an AT/AFTER iterator starts, checked against the shard and retention. */
static int position_at(struct db *db, const struct st_shard *shard, const char *seq_text,
                       bool after, double now, int64_t *pos, struct awserr *err)
{
    int64_t seq, kept;
    if (!seq_text)
        return awserr_raise(err, DDB_VALIDATION, "A SequenceNumber must be provided for "
                                                 "ShardIteratorType %s",
                            after ? "AFTER_SEQUENCE_NUMBER" : "AT_SEQUENCE_NUMBER");
    /* A closed shard's range ends at end_seq (for an empty one, its unused first number). */
    int64_t end = shard->closed > 0 ? shard->end_seq : shard->last_seq;
    if (!ddbs_seq_parse(seq_text, &seq) || seq < shard->start_seq || seq > end)
        return awserr_raise(err, DDB_VALIDATION, "Invalid SequenceNumber %.64s for shard %s",
                            seq_text, shard->shard_id);
    if (first_kept(db, shard, now, &kept, err) < 0)
        return -1;
    if (seq < kept && seq <= shard->last_seq)
        return awserr_raise(err, DDBS_TRIMMED_DATA,
                            "The data you are trying to access has been trimmed.");
    *pos = after ? seq + 1 : seq;
    return 0;
}

int ddbs_get_shard_iterator(struct req *req, json_t *in, json_t **out, struct awserr *err)
{
    (void)req;
    struct ddb_violations v = {0, BUF_INIT};
    const char *arn, *shard_id, *type_text, *seq_text;
    enum iterator_type type = IT_LATEST;
    struct db *db;
    struct st_stream s;
    struct st_shard shard;
    if (ddb__member_string(in, "StreamArn", &arn, err) < 0 ||
        ddb__member_string(in, "ShardId", &shard_id, err) < 0 ||
        ddb__member_string(in, "ShardIteratorType", &type_text, err) < 0 ||
        ddb__member_string(in, "SequenceNumber", &seq_text, err) < 0)
        return -1;
    violation_null(&v, arn, "streamArn");
    violation_null(&v, shard_id, "shardId");
    violation_null(&v, type_text, "shardIteratorType");
    if (arn)
        violation_length(&v, arn, "streamArn", 37, 1024);
    if (shard_id)
        violation_length(&v, shard_id, "shardId", 28, 65);
    read_iterator_type(type_text, &type, &v);
    if (ddb__violations_raise(&v, err) < 0 || ddb__db(&db, err) < 0 ||
        load_stream(db, arn, &s, err) < 0 || load_shard(db, &s, shard_id, &shard, err) < 0)
        return -1;
    double now = ddb__now();
    struct ddbs_iterator it = {.issued_ms = (int64_t)llround(now * 1e3)};
    if (type == IT_TRIM_HORIZON && first_kept(db, &shard, now, &it.pos, err) < 0)
        return -1;
    if (type == IT_LATEST)
        it.pos = shard.last_seq + 1;
    if ((type == IT_AT || type == IT_AFTER) &&
        position_at(db, &shard, seq_text, type == IT_AFTER, now, &it.pos, err) < 0)
        return -1;
    snprintf(it.arn, sizeof it.arn, "%s", s.arn);
    snprintf(it.shard_id, sizeof it.shard_id, "%s", shard.shard_id);
    char text[2048];
    if (!ddbs_iterator_write(&it, text, sizeof text))
        return awserr_raise(err, DDB_INTERNAL, "Internal server error");
    *out = json_pack("{s:s}", "ShardIterator", text);
    return 0;
}

/* ---- GetRecords ---- */

struct records_ctx {
    const struct st_stream *stream;
    int64_t shard;
    json_t *records;
    size_t bytes;
    int64_t next;
};

static void image_set(json_t *dst, const char *name, const char *text)
{
    json_t *v = text ? json_loads(text, 0, NULL) : NULL;
    if (v)
        json_object_set_new(dst, name, v);
}

json_t *ddbs_record_json(const struct st_stream *s, int64_t shard,
                         const struct st_stream_record *r)
{
    char seq[DDBS_SEQ_LEN + 1], id[33];
    ddbs_seq_format(r->seq, seq);
    event_id(shard, r->seq, id);
    json_t *ddb = json_pack("{s:I, s:s, s:I, s:s}", "ApproximateCreationDateTime",
                            (json_int_t)floor(r->created), "SequenceNumber", seq, "SizeBytes",
                            (json_int_t)r->size, "StreamViewType", s->view_type);
    image_set(ddb, "Keys", r->keys);
    image_set(ddb, "NewImage", r->new_image);
    image_set(ddb, "OldImage", r->old_image);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "eventID", id, "eventName", r->event,
                     "eventVersion", "1.1", "eventSource", "aws:dynamodb", "awsRegion",
                     s->region, "dynamodb", ddb);
}

static int record_one(const struct st_stream_record *r, void *arg)
{
    struct records_ctx *c = arg;
    size_t bytes = strlen(r->keys) + (r->new_image ? strlen(r->new_image) : 0) +
                   (r->old_image ? strlen(r->old_image) : 0) + 300;
    /* The 1 MB cap: the first record always goes, so a reader never stalls. */
    if (json_array_size(c->records) && c->bytes + bytes > GET_RECORDS_MAX_BYTES)
        return 0;
    c->bytes += bytes;
    json_array_append_new(c->records, ddbs_record_json(c->stream, c->shard, r));
    c->next = r->seq + 1;
    return 1;
}

/* Decodes and checks an iterator: format, age, stream and shard, trimmed position. */
static int iterator_open(struct db *db, const char *text, double now, struct ddbs_iterator *it,
                         struct st_stream *s, struct st_shard *shard, struct awserr *err)
{
    if (!ddbs_iterator_parse(text, it))
        return awserr_raise(err, DDB_VALIDATION, "Invalid ShardIterator");
    if ((int64_t)llround(now * 1e3) - it->issued_ms > ITERATOR_LIFETIME_MS)
        return awserr_raise(err, DDBS_EXPIRED_ITERATOR,
                            "The provided iterator exceeds the maximum age allowed.");
    if (load_stream(db, it->arn, s, err) < 0 || load_shard(db, s, it->shard_id, shard, err) < 0)
        return -1;
    int64_t kept;
    if (first_kept(db, shard, now, &kept, err) < 0)
        return -1;
    if (it->pos < kept && it->pos <= shard->last_seq)
        return awserr_raise(err, DDBS_TRIMMED_DATA,
                            "The data you are trying to access has been trimmed.");
    return 0;
}

int ddbs_get_records(struct req *req, json_t *in, json_t **out, struct awserr *err)
{
    (void)req;
    struct ddb_violations v = {0, BUF_INIT};
    const char *text;
    long long limit;
    struct db *db;
    struct ddbs_iterator it;
    struct st_stream s;
    struct st_shard shard;
    if (ddb__member_string(in, "ShardIterator", &text, err) < 0 ||
        read_limit(in, 1000, &limit, &v, err) < 0)
        return -1;
    violation_null(&v, text, "shardIterator");
    if (text)
        violation_length(&v, text, "shardIterator", 1, 2048);
    double now = ddb__now();
    if (ddb__violations_raise(&v, err) < 0 || ddb__db(&db, err) < 0 ||
        iterator_open(db, text, now, &it, &s, &shard, err) < 0)
        return -1;
    struct records_ctx c = {&s, shard.id, json_array(), 0, it.pos};
    if (st_streams_records(db, shard.id, it.pos, retained_since(now), (int)limit, record_one,
                           &c) < 0) {
        json_decref(c.records);
        return awserr_raise(err, DDB_INTERNAL, "Internal server error");
    }
    *out = json_pack("{s:o}", "Records", c.records);
    /* A closed shard read to its end has no next iterator: consumers move to its children. */
    if (shard.closed > 0 && c.next > shard.last_seq)
        return 0;
    it.pos = c.next;
    it.issued_ms = (int64_t)llround(now * 1e3);
    char next[2048];
    if (!ddbs_iterator_write(&it, next, sizeof next))
        return awserr_raise(err, DDB_INTERNAL, "Internal server error");
    json_object_set_new(*out, "NextShardIterator", json_string(next));
    return 0;
}

/* ---- retention ---- */

void ddbs_retention_run(void)
{
    struct db *db = db_thread();
    if (!db)
        return;
    double cutoff = retained_since(ddb__now());
    /* Small transactions: each holds the write lock for one bounded DELETE only, so item
     * writes waiting behind it never notice. */
    for (int i = 0; i < RETENTION_BATCHES_PER_PASS; i++) {
        if (db_write_begin(db) < 0)
            return;
        int n = st_streams_trim(db, cutoff, RETENTION_BATCH);
        if (n < 0 || db_write_commit(db) < 0) {
            if (db->in_write)
                db_write_rollback(db);
            return;
        }
        if (n < RETENTION_BATCH)
            return;
    }
}

/* ---- shard rollover ---- */

#define ROLLOVER_BATCH 64

/* Rolls over one table's open shard if it is due; a transaction of its own. */
static int rollover_table(struct db *db, int64_t table_id, double now)
{
    struct st_stream_active a;
    if (db_write_begin(db) < 0)
        return -1;
    int found = st_streams_active(db, table_id, &a); /* again, under the write lock */
    if (found < 0 || (found && ddb__stream_roll_due(db, &a, now) < 0) ||
        db_write_commit(db) < 0) {
        if (db->in_write)
            db_write_rollback(db);
        return -1;
    }
    return 0;
}

void ddbs_rollover_run(void)
{
    struct db *db = db_thread();
    if (!db)
        return;
    double now = ddb__now();
    int64_t tables[ROLLOVER_BATCH];
    /* Rolled tables are due no more, so each query finds the next ones; a failure stops the
     * pass (logged by storage) rather than retrying the same table forever. */
    for (int n = ROLLOVER_BATCH; n == ROLLOVER_BATCH;) {
        n = st_streams_due(db, now - ddb__stream_rollover(), tables, ROLLOVER_BATCH);
        for (int i = 0; i < n; i++)
            if (rollover_table(db, tables[i], now) < 0)
                return;
    }
}

void ddbs_tick(void)
{
    ddbs_rollover_run();
    ddbs_retention_run();
}

static void retention_job(struct engine_job *job)
{
    if (!job->shutting_down)
        ddbs_retention_run();
    free(job);
}

void ddbs_retention_kick(void)
{
    struct engine_job *job = xcalloc(1, sizeof *job);
    job->run = retention_job;
    engine_job_post(job);
}
