/* server/dynamodb_stream.c — recording item changes in the table's stream, and stream rows
 * that follow StreamSpecification; see dynamodb_stream.h.
 *
 * A record is decided from the item before and after the write: none before → INSERT; none
 * after → REMOVE; both and equal → no record (shared/docs §3.3: a rewrite that leaves the
 * item identical writes none); else MODIFY. Items are stored as compact JSON of normalised
 * values, so equal texts mean equal items; different texts are compared as values: attributes
 * and map keys in any order, sets as sets (members are canonical: numbers normalised, so
 * text equality is value equality), lists in order.
 *
 * Shard rollover follows the clock, not the writes: the open shard's lifetime ends at
 * created + rollover, and its child is created at that very instant (then the next child one
 * period later, and so on), whoever notices first — a change (in its own transaction), the
 * engine's one-second tick, or the test clock as it moves. So lineage under the test clock
 * is the same whatever order these run in. */
#include "server/dynamodb_stream.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/esm.h"
#include "server/dynamodb.h"
#include "server/dynamodb_err.h"
#include "server/dynamodb_value.h"
#include "server/ids.h"

static struct {
    double retention, rollover;
} settings = {DDB_STREAM_RETENTION_DEFAULT, DDB_STREAM_ROLLOVER_DEFAULT};

void ddb__stream_settings_set(double retention, double rollover)
{
    settings.retention = retention;
    settings.rollover = rollover;
}

double ddb__stream_retention(void)
{
    return settings.retention;
}

double ddb__stream_rollover(void)
{
    return settings.rollover;
}

void ddb__stream_shard_id(double now, char out[ST_SHARD_ID_MAX])
{
    char uuid[IDS_UUID_LEN + 1];
    ids_uuid(uuid);
    snprintf(out, ST_SHARD_ID_MAX, "shardId-%020lld-%.8s", (long long)floor(now * 1e3), uuid);
}

/* Shards created on boundaries past this many are skipped (they would be empty), so one
 * large jump of the clock with a short rollover period creates a bounded number of shards. */
#define ROLL_MAX_PER_CALL 64

static int roll_to(struct db *db, struct st_stream_active *a, double at)
{
    char shard_id[ST_SHARD_ID_MAX];
    ddb__stream_shard_id(at, shard_id);
    return st_streams_shard_roll(db, a, at, shard_id);
}

int ddb__stream_roll_due(struct db *db, struct st_stream_active *a, double now)
{
    double period = settings.rollover, created = a->shard.created;
    if (!(period > 0) || now < created + period)
        return 0;
    /* Boundary j (1..due) is created + j * period; the first closes the open shard. */
    double due = floor((now - created) / period);
    if (roll_to(db, a, created + period) < 0)
        return -1;
    /* A shard opened on boundary j closes on j + 1: skip those closed before the retention
     * window (empty, never listed), and all but the last ROLL_MAX_PER_CALL. */
    double visible = ceil((now - settings.retention - created) / period) - 1;
    double j = fmax(fmax(2, visible), due - ROLL_MAX_PER_CALL + 1);
    for (; j <= due; j++)
        if (roll_to(db, a, created + j * period) < 0)
            return -1;
    return 0;
}

static int internal(struct awserr *err)
{
    return awserr_raise(err, DDB_INTERNAL, "Internal server error");
}

int ddb__stream_change_open(struct db *db, const struct st_table *t, struct buf *caller_old,
                            struct ddb_stream_change *c, struct awserr *err)
{
    memset(c, 0, sizeof *c);
    c->old = caller_old;
    int found = st_streams_active(db, t->id, &c->a);
    if (found < 0)
        return internal(err);
    c->active = found == 1;
    if (c->active && !c->old)
        c->old = &c->own_old;
    return 0;
}

void ddb__stream_change_close(struct ddb_stream_change *c)
{
    buf_free(&c->own_old);
}

static bool view_has(const struct ddb_stream_change *c, const char *image)
{
    return strcmp(c->a.view_type, "NEW_AND_OLD_IMAGES") == 0 ||
           strcmp(c->a.view_type, image) == 0;
}

static char *dump(const json_t *v)
{
    return v ? json_dumps(v, JSON_COMPACT) : NULL;
}

/* Appends one record; new_item/old_item are NULL where the change has no such image. */
/* This thread's open write transaction appended stream records. */
static _Thread_local bool records_pending;

void ddb__stream_committed(void)
{
    if (records_pending) {
        records_pending = false;
        esm_streams_changed();
    }
}

static int record_append(struct db *db, const struct st_table *t, struct ddb_stream_change *c,
                         const char *event, const json_t *new_item, const json_t *old_item,
                         struct awserr *err)
{
    double now = ddb__now();
    if (ddb__stream_roll_due(db, &c->a, now) < 0)
        return internal(err);
    json_t *keys = ddb__key_attributes(t, NULL, new_item ? new_item : old_item);
    const json_t *new_image = view_has(c, "NEW_IMAGE") ? new_item : NULL;
    const json_t *old_image = view_has(c, "OLD_IMAGE") ? old_item : NULL;
    size_t size = ddbval_item_size(keys) + (new_image ? ddbval_item_size(new_image) : 0) +
                  (old_image ? ddbval_item_size(old_image) : 0);
    struct st_stream_record r = {.event = event, .created = now, .keys = dump(keys),
                                 .new_image = dump(new_image), .old_image = dump(old_image),
                                 .size = (int64_t)size};
    int rc = st_streams_record_append(db, &c->a, &r);
    records_pending = records_pending || rc == 0;
    free((char *)r.keys);
    free((char *)r.new_image);
    free((char *)r.old_image);
    json_decref(keys);
    return rc < 0 ? internal(err) : 0;
}

static json_t *parse_old(const struct ddb_stream_change *c)
{
    return ddb__item_parse(c->old->data, c->old->len);
}

int ddb__stream_change_put(struct db *db, const struct st_table *t, struct ddb_stream_change *c,
                           int existed, const struct buf *new_text, const json_t *item,
                           struct awserr *err)
{
    if (!c->active)
        return 0;
    if (!existed)
        return record_append(db, t, c, "INSERT", item, NULL, err);
    if (c->old->len == new_text->len && memcmp(c->old->data, new_text->data, new_text->len) == 0)
        return 0;
    json_t *old = parse_old(c);
    if (!old)
        return internal(err);
    int rc = ddbval_item_equal(old, item) ? 0
                                                : record_append(db, t, c, "MODIFY", item, old, err);
    json_decref(old);
    return rc;
}

int ddb__stream_change_remove(struct db *db, const struct st_table *t,
                              struct ddb_stream_change *c, int existed, struct awserr *err)
{
    if (!c->active || !existed)
        return 0;
    json_t *old = parse_old(c);
    if (!old)
        return internal(err);
    int rc = record_append(db, t, c, "REMOVE", NULL, old, err);
    json_decref(old);
    return rc;
}

/* ---- stream rows that follow the table's StreamSpecification ---- */

static int stream_create(struct db *db, const struct req *req, const char *name,
                         const struct st_table *t, const json_t *spec, const char *arn)
{
    struct st_stream s = {.table_id = t->id, .created = ddb__now()};
    const json_t *ss = json_object_get(spec, "StreamSpecification");
    char *ks = dump(json_object_get(spec, "KeySchema"));
    snprintf(s.arn, sizeof s.arn, "%s", arn);
    snprintf(s.account, sizeof s.account, "%s", req->account);
    snprintf(s.region, sizeof s.region, "%s", req->region);
    snprintf(s.table_name, sizeof s.table_name, "%s", name);
    snprintf(s.label, sizeof s.label, "%s",
             json_string_value(json_object_get(spec, "LatestStreamLabel")));
    snprintf(s.view_type, sizeof s.view_type, "%s",
             json_string_value(json_object_get(ss, "StreamViewType")));
    snprintf(s.key_schema, sizeof s.key_schema, "%s", ks ? ks : "[]");
    free(ks);
    char shard_id[ST_SHARD_ID_MAX];
    ddb__stream_shard_id(s.created, shard_id);
    return st_streams_create(db, &s, shard_id);
}

int ddb__stream_sync(struct db *db, const struct req *req, const char *name,
                     const struct st_table *t, const json_t *spec, struct awserr *err)
{
    const json_t *ss = json_object_get(spec, "StreamSpecification");
    const char *label = json_string_value(json_object_get(spec, "LatestStreamLabel"));
    if (!json_is_true(json_object_get(ss, "StreamEnabled")) || !label)
        return st_streams_disable_table(db, t->id, ddb__now()) < 0 ? internal(err) : 0;
    struct buf arn = BUF_INIT;
    struct st_stream current;
    ddb__table_arn(req, name, &arn);
    buf_addf(&arn, "/stream/%s", label);
    int ret = 0, found = st_streams_get(db, arn.data, &current);
    if (found < 0)
        ret = internal(err);
    else if (found && !current.enabled)
        /* Disabled and enabled again within one millisecond: the label, hence the ARN, would
         * repeat. The client may simply retry. */
        ret = awserr_raise(err, DDB_RESOURCE_IN_USE, "Attempt to change a resource which is "
                                                     "still in use: Table: %s", name);
    else if (!found && (st_streams_disable_table(db, t->id, ddb__now()) < 0 ||
                        stream_create(db, req, name, t, spec, arn.data) < 0))
        ret = internal(err);
    buf_free(&arn);
    return ret;
}

int ddb__stream_table_deleted(struct db *db, int64_t table_id)
{
    return st_streams_disable_table(db, table_id, ddb__now());
}
