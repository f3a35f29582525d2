/* handlers/esm.c — event source mapping delivery; see esm.h.
 *
 * DESIGN: SQLite holds everything that must survive (mappings, checkpoints, failed batches);
 * the engine keeps a worker per mapping with its parsed settings and the shard it is
 * delivering. A worker is re-read from storage on every esm_mappings_changed() and tick (a
 * handful of rows), so a change made any way (API, DeleteFunction) is seen within a second;
 * changed settings take effect once nothing is in flight (the shard is then read again from
 * its checkpoint).
 *
 * The current shard is read in sequence order into ParallelizationFactor lanes, a record's
 * lane chosen by a hash of its item key, so one key's records stay in one lane, in order.
 * A lane is a queue of records read but not done, plus at most one batch being delivered
 * (in flight or waiting for its retry) and, after a bisection, the halves waiting their
 * turn. A record is done when its batch succeeded or was given up. The shard's checkpoint
 * is the highest sequence number below which every record is done: the lowest pending
 * record over all lanes minus one, or the last record read when nothing is pending. Only
 * that is persisted, so a restart never skips a record. Batches keep their records, so a
 * retry sends exactly the same ones. One uv timer serves every worker: retries, batching
 * windows and tumbling windows ending. */
#include "handlers/esm.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#include "handlers/ledger.h"
#include "server/awserr.h"
#include "server/buf.h"
#include "server/emuclock.h"
#include "server/engine.h"
#include "server/events_pattern.h"
#include "server/ids.h"
#include "storage/db.h"
#include "storage/mappings.h"
#include "storage/streams.h"

#define LOG_MODULE "esm"
#include "server/log.h"

#define FILTERS_MAX 5
#define LANES_MAX 10
#define PAYLOAD_MAX 6291456       /* Lambda's synchronous payload limit */
#define RECORD_OVERHEAD 400       /* wire members around a record's keys and images */
#define RETRY_DELAY_MS 1000
#define BUFFER_RECORDS_MAX 20000  /* records read ahead per shard, all lanes together */
#define WINDOW_GRACE 0.25         /* seconds after a tumbling window's end before it closes */
#define SYNC_PAGE 64
#define RESULT_OK "OK"
#define RESULT_PROBLEM "PROBLEM: Function call failed"
#define DESTINATION_MAX 1024

/* The kind a stored pattern would be refused with; they were checked when stored. */
static const struct awserr_kind esm_invalid_pattern = {400, "InvalidParameterValueException",
                                                       NULL};

/* A record read and not yet done. */
struct rec {
    struct rec *next;
    int64_t seq;
    double created;     /* emulator epoch seconds (ApproximateCreationDateTime) */
    size_t bytes;       /* estimated size in the payload */
    uint64_t queued_ms; /* uv_now() when it was read */
    json_t *json;       /* the record as delivered */
};

/* One invocation's worth of records; a tumbling window's final one may have none. */
struct batch {
    struct batch *next; /* bisected halves waiting their turn */
    struct rec *recs;   /* owned, in sequence order */
    int n;
    size_t bytes;
    bool final;         /* tumbling: isFinalInvokeForWindow */
    char *payload;      /* built before the first attempt, rebuilt after a partial failure */
    size_t len;
    int errors;         /* failures counted against MaximumRetryAttempts */
    int attempts;       /* invocations so far */
    bool function_error; /* the last failure was a function error */
    uint64_t ledger;
    char request_id[40]; /* the last invocation's */
};

/* Tumbling window state of a lane (memory only). */
struct window {
    bool open;
    double start;
    json_t *state; /* what the function returned last in this window */
};

struct worker;

struct lane {
    struct worker *w;
    struct rec *head, *tail; /* read, not yet in a batch */
    int queued;
    size_t queued_bytes;
    struct batch *batch;   /* being delivered, or waiting for its retry */
    struct batch *halves;  /* bisected halves to deliver after it, in order */
    bool in_flight;
    uint64_t retry_at;     /* uv_now() milliseconds; 0 when not waiting */
    struct window win;
};

struct shard {
    bool valid;
    int64_t id; /* storage id */
    char shard_id[ST_SHARD_ID_MAX];
    int64_t read_pos;     /* the last record read (delivered, pending or filtered out) */
    int64_t persisted;    /* the checkpoint stored */
    double caught_up_at;  /* emulator time a read last reached the shard's end */
    int filtered;         /* filtered-out records not yet told to the ledger */
    struct lane lanes[LANES_MAX];
};

struct worker {
    struct st_mapping m; /* as last read from storage; m.config owned */
    int batch_size, max_retries, max_age, lanes;
    int window_ms;  /* MaximumBatchingWindowInSeconds */
    int tumbling;   /* TumblingWindowInSeconds */
    bool bisect, report_failures;
    char destination[DESTINATION_MAX]; /* OnFailure, "" for none */
    char function_arn[512];            /* as the loader last gave it */
    struct events_pattern *filters[FILTERS_MAX];
    int n_filters;
    struct shard shard;
    int in_flight;  /* lanes with an invocation at the pool */
    bool dirty;     /* settings changed: applied once nothing is in flight */
    bool gone;      /* deleted while in flight: freed when the last comes back */
    bool seen;      /* found by the current sync */
    struct worker *next;
};

static struct {
    struct esm_hooks hooks;
    struct worker *workers;
    uv_timer_t timer;
    bool timer_ready;
    atomic_bool started;
    atomic_int enabled;      /* enabled mappings seen by the last sync */
    atomic_bool run_posted;  /* a run job is queued */
} esm;

/* ---- settings ---- */

static int config_int(const json_t *config, const char *name, int dflt)
{
    json_t *v = json_object_get(config, name);
    return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

static void filters_clear(struct worker *w)
{
    for (int i = 0; i < w->n_filters; i++)
        events_pattern_free(w->filters[i]);
    w->n_filters = 0;
}

static void filters_load(struct worker *w, const json_t *config)
{
    json_t *filters = json_object_get(json_object_get(config, "FilterCriteria"), "Filters");
    json_t *f;
    size_t i;
    json_array_foreach(filters, i, f) {
        const char *text = json_string_value(json_object_get(f, "Pattern"));
        json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
        struct awserr err = {0};
        struct events_pattern *p =
            doc ? events_pattern_parse(doc, &esm_invalid_pattern, &EVENTS_PATTERN_LAMBDA, &err)
                : NULL;
        json_decref(doc);
        if (!p) /* a filter that cannot be read matches nothing, as it cannot match */
            LOG_WARN("event source mapping '%s': filter %zu is unreadable; it matches nothing",
                     w->m.uuid, i + 1);
        if (w->n_filters < FILTERS_MAX)
            w->filters[w->n_filters++] = p;
        else
            events_pattern_free(p);
    }
}

static bool response_types_has(const json_t *config, const char *type)
{
    json_t *v;
    size_t i;
    json_array_foreach(json_object_get(config, "FunctionResponseTypes"), i, v)
        if (json_is_string(v) && strcmp(json_string_value(v), type) == 0)
            return true;
    return false;
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void settings_load(struct worker *w)
{
    json_t *config = json_loads(w->m.config, 0, NULL);
    w->batch_size = clamp(config_int(config, "BatchSize", 100), 1, 10000);
    w->max_retries = config_int(config, "MaximumRetryAttempts", -1);
    w->max_age = config_int(config, "MaximumRecordAgeInSeconds", -1);
    w->lanes = clamp(config_int(config, "ParallelizationFactor", 1), 1, LANES_MAX);
    w->window_ms = 1000 * clamp(config_int(config, "MaximumBatchingWindowInSeconds", 0), 0, 300);
    w->tumbling = clamp(config_int(config, "TumblingWindowInSeconds", 0), 0, 900);
    w->bisect = json_is_true(json_object_get(config, "BisectBatchOnFunctionError"));
    w->report_failures = response_types_has(config, "ReportBatchItemFailures");
    const char *dest = json_string_value(json_object_get(
        json_object_get(json_object_get(config, "DestinationConfig"), "OnFailure"),
        "Destination"));
    snprintf(w->destination, sizeof w->destination, "%s", dest ? dest : "");
    filters_clear(w);
    filters_load(w, config);
    json_decref(config);
}

static bool filters_pass(const struct worker *w, const json_t *record)
{
    if (!w->n_filters)
        return true;
    for (int i = 0; i < w->n_filters; i++)
        if (w->filters[i] && events_pattern_match(w->filters[i], record))
            return true;
    return false;
}

/* ---- records, batches, lanes ---- */

static void recs_free(struct rec *r)
{
    for (struct rec *next; r; r = next) {
        next = r->next;
        json_decref(r->json);
        free(r);
    }
}

static void batch_free(struct batch *b)
{
    if (!b)
        return;
    recs_free(b->recs);
    free(b->payload);
    free(b);
}

static void lane_clear(struct lane *l)
{
    recs_free(l->head);
    batch_free(l->batch);
    for (struct batch *b = l->halves, *next; b; b = next) {
        next = b->next;
        batch_free(b);
    }
    json_decref(l->win.state);
    struct worker *w = l->w;
    memset(l, 0, sizeof *l);
    l->w = w;
}

/* Forgets the shard being delivered; it is read again from its stored checkpoint. */
static void shard_reset(struct worker *w)
{
    for (int i = 0; i < LANES_MAX; i++) {
        w->shard.lanes[i].w = w;
        lane_clear(&w->shard.lanes[i]);
    }
    w->shard.valid = false;
}

static bool lane_busy(const struct lane *l)
{
    return l->head || l->batch || l->halves || l->win.open;
}

static bool shard_idle(const struct shard *sh, int lanes)
{
    for (int i = 0; i < lanes; i++)
        if (lane_busy(&sh->lanes[i]))
            return false;
    return true;
}

/* The lane's lowest record not done, or INT64_MAX. */
static int64_t lane_first_pending(const struct lane *l)
{
    if (l->batch && l->batch->recs)
        return l->batch->recs->seq;
    for (const struct batch *b = l->halves; b; b = b->next)
        if (b->recs)
            return b->recs->seq;
    return l->head ? l->head->seq : INT64_MAX;
}

/* The highest sequence number below which every record of the shard is done. */
static int64_t shard_checkpoint(const struct worker *w)
{
    int64_t cp = w->shard.read_pos;
    for (int i = 0; i < w->lanes; i++) {
        int64_t first = lane_first_pending(&w->shard.lanes[i]);
        if (first != INT64_MAX && first - 1 < cp)
            cp = first - 1;
    }
    return cp;
}

/* ---- workers ---- */

static void worker_free(struct worker *w)
{
    filters_clear(w);
    shard_reset(w);
    st_mapping_free(&w->m);
    free(w);
}

static struct worker *worker_find(int64_t id)
{
    for (struct worker *w = esm.workers; w; w = w->next)
        if (w->m.id == id)
            return w;
    return NULL;
}

/* Takes a stored row into its worker (new or existing). Called while the listing statement
 * steps: no SQL here. */
static void sync_one(const struct st_mapping *m, void *arg)
{
    (void)arg;
    struct worker *w = worker_find(m->id);
    if (!w) {
        w = xcalloc(1, sizeof *w);
        w->next = esm.workers;
        esm.workers = w;
        w->dirty = true;
    } else if (strcmp(w->m.config, m->config) == 0 && w->m.enabled == m->enabled &&
               strcmp(w->m.function, m->function) == 0) {
        snprintf(w->m.last_result, sizeof w->m.last_result, "%s", m->last_result);
        w->seen = true;
        return;
    } else {
        w->dirty = true; /* applied by worker_run once nothing is in flight */
    }
    st_mapping_free(&w->m);
    w->m = *m;
    w->m.config = xstrdup(m->config);
    w->seen = true;
}

/* Re-reads every mapping: new ones get a worker, deleted ones lose theirs. */
static void workers_sync(void)
{
    struct db *db = db_thread();
    if (!db)
        return;
    for (struct worker *w = esm.workers; w; w = w->next)
        w->seen = false;
    int64_t after = 0;
    for (int n = SYNC_PAGE; n == SYNC_PAGE;) {
        n = st_mappings_all(db, after, SYNC_PAGE, sync_one, NULL);
        if (n < 0)
            return; /* logged; the workers stay as they were */
        for (struct worker *w = esm.workers; w; w = w->next)
            if (w->seen && w->m.id > after)
                after = w->m.id;
    }
    int enabled = 0;
    for (struct worker **p = &esm.workers, *w; (w = *p) != NULL;) {
        if (w->seen) {
            enabled += w->m.enabled;
            p = &w->next;
            continue;
        }
        *p = w->next;
        ledger_forget(w->m.uuid);
        if (w->in_flight)
            w->gone = true;
        else
            worker_free(w);
    }
    atomic_store(&esm.enabled, enabled);
}

/* ---- time ---- */

static void iso_time(double t, bool millis, char out[32])
{
    time_t s = (time_t)t;
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    if (millis)
        snprintf(out + n, 32 - n, ".%03dZ", (int)((t - (double)s) * 1000) % 1000);
    else
        snprintf(out + n, 32 - n, "Z");
}

static double window_of(const struct worker *w, double created)
{
    return (double)((int64_t)(created / w->tumbling) * w->tumbling);
}

/* ---- reading the shard ---- */

struct collect {
    struct worker *w;
    const struct st_stream *stream;
    size_t bytes; /* queued bytes, all lanes */
    uint64_t now_ms;
    int visited;
    bool full;    /* stopped by the byte budget */
};

static uint32_t key_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void lane_push(struct lane *l, struct rec *r)
{
    if (l->tail)
        l->tail->next = r;
    else
        l->head = r;
    l->tail = r;
    l->queued++;
    l->queued_bytes += r->bytes;
}

static int collect_one(const struct st_stream_record *r, void *arg)
{
    struct collect *c = arg;
    struct worker *w = c->w;
    size_t bytes = strlen(r->keys) + (r->new_image ? strlen(r->new_image) : 0) +
                   (r->old_image ? strlen(r->old_image) : 0) + strlen(c->stream->arn) +
                   RECORD_OVERHEAD;
    if (c->bytes && c->bytes + bytes > (size_t)PAYLOAD_MAX * (size_t)(w->lanes + 1)) {
        c->full = true;
        return 0;
    }
    c->visited++;
    w->shard.read_pos = r->seq;
    json_t *rec = esm.hooks.record_json(c->stream, w->shard.id, r);
    json_object_set_new(rec, "eventSourceARN", json_string(c->stream->arn));
    if (!filters_pass(w, rec)) {
        json_decref(rec);
        w->shard.filtered++;
        return 1;
    }
    struct rec *q = xcalloc(1, sizeof *q);
    q->seq = r->seq;
    q->created = r->created;
    q->bytes = bytes;
    q->queued_ms = c->now_ms;
    q->json = rec;
    c->bytes += bytes;
    lane_push(&w->shard.lanes[key_hash(r->keys) % (uint32_t)w->lanes], q);
    return 1;
}

/* Reads what fits into the lanes. Returns the records visited, or -1 (logged). */
static int shard_read(struct db *db, struct worker *w, const struct st_stream *s)
{
    int cap = w->batch_size * w->lanes;
    cap = cap > BUFFER_RECORDS_MAX ? BUFFER_RECORDS_MAX : cap;
    cap = cap < w->batch_size ? w->batch_size : cap;
    struct collect c = {.w = w, .stream = s, .now_ms = uv_now(engine_loop())};
    for (int i = 0; i < w->lanes; i++) {
        cap -= w->shard.lanes[i].queued;
        c.bytes += w->shard.lanes[i].queued_bytes;
    }
    if (cap <= 0)
        return 0;
    double now = emuclock_now();
    int n = st_streams_records(db, w->shard.id, w->shard.read_pos + 1,
                               now - esm.hooks.retention(), cap, collect_one, &c);
    if (n < 0)
        return -1;
    if (c.visited < cap && !c.full)
        w->shard.caught_up_at = now;
    return c.visited;
}

struct shard_list {
    struct st_shard *v;
    size_t n, cap;
};

static void shard_add(const struct st_shard *s, void *arg)
{
    struct shard_list *l = arg;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 4;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = *s;
}

/* Makes the first shard (in creation order, so parents first) with records past its
 * checkpoint the current one, and reads it. Returns the records visited, or -1. */
static int shard_pick(struct db *db, struct worker *w, const struct st_stream *s)
{
    struct shard_list l = {0};
    int ret = st_streams_shards(db, s->id, shard_add, &l) < 0 ? -1 : 0;
    for (size_t i = 0; ret == 0 && i < l.n; i++) {
        const struct st_shard *sh = &l.v[i];
        int64_t cp;
        int found = st_mappings_checkpoint_get(db, w->m.id, sh->shard_id, &cp);
        if (found < 0) {
            ret = -1;
            break;
        }
        int64_t from = found ? cp + 1 : sh->start_seq;
        if (from > sh->last_seq)
            continue;
        shard_reset(w);
        w->shard.valid = true;
        w->shard.id = sh->id;
        snprintf(w->shard.shard_id, sizeof w->shard.shard_id, "%s", sh->shard_id);
        w->shard.read_pos = w->shard.persisted = from - 1;
        w->shard.filtered = 0;
        ret = shard_read(db, w, s); /* 0 when its records expired: try the next one */
    }
    free(l.v);
    return ret;
}

/* ---- checkpoints ---- */

/* Stores the shard's checkpoint when it moved, the result when it changed, and a given-up
 * batch, in one transaction; nothing when the mapping was deleted meanwhile. Returns the
 * checkpoint, or -1 (logged by storage). */
static int64_t shard_commit(struct worker *w, const char *result, struct st_esm_failure *f)
{
    int64_t cp = shard_checkpoint(w);
    bool move = cp > w->shard.persisted;
    bool note = result && strcmp(w->m.last_result, result) != 0;
    if (!move && !note && !f)
        return cp;
    struct db *db = db_thread();
    if (!db || db_write_begin(db) < 0)
        return -1;
    struct st_mapping *now = xcalloc(1, sizeof *now);
    int found = st_mappings_get(db, w->m.account, w->m.region, w->m.uuid, now);
    int rc = found < 0 ? -1 : 0;
    if (rc == 0 && found == 1 && move &&
        st_mappings_checkpoint_set(db, w->m.id, w->shard.shard_id, cp, emuclock_now()) < 0)
        rc = -1;
    if (rc == 0 && found == 1 && note && st_mappings_result_set(db, w->m.id, result) < 0)
        rc = -1;
    if (rc == 0 && f && st_mappings_failure_add(db, f) < 0)
        rc = -1;
    st_mapping_free(now);
    free(now);
    if (rc < 0 || db_write_commit(db) < 0) {
        if (db_in_transaction(db))
            db_write_rollback(db);
        return -1;
    }
    if (move)
        w->shard.persisted = cp;
    if (note)
        snprintf(w->m.last_result, sizeof w->m.last_result, "%s", result);
    return cp;
}

/* Filtered-out records with nothing pending around them: the checkpoint moves past them and
 * the ledger gets an entry without records. */
static void filtered_commit(struct worker *w)
{
    struct shard *sh = &w->shard;
    if (!sh->filtered || !shard_idle(sh, w->lanes))
        return;
    int64_t first = sh->persisted + 1;
    int64_t cp = shard_commit(w, NULL, NULL);
    if (cp < 0)
        return;
    uint64_t id = ledger_batch_new(w->m.uuid, w->m.function, sh->shard_id, first, sh->read_pos,
                                   0, sh->filtered);
    ledger_checkpoint(id, cp);
    sh->filtered = 0;
}

/* ---- forming batches ---- */

static void batch_payload(struct worker *w, struct lane *l, struct batch *b)
{
    json_t *records = json_array();
    for (struct rec *r = b->recs; r; r = r->next)
        json_array_append(records, r->json);
    json_t *event = json_pack("{s:o}", "Records", records);
    if (w->tumbling) {
        char start[32], end[32];
        iso_time(l->win.start, false, start);
        iso_time(l->win.start + w->tumbling, false, end);
        json_object_set_new(event, "window", json_pack("{s:s, s:s}", "start", start, "end", end));
        json_object_set_new(event, "state",
                            l->win.state ? json_incref(l->win.state) : json_object());
        json_object_set_new(event, "shardId", json_string(w->shard.shard_id));
        json_object_set_new(event, "eventSourceARN", json_string(w->m.stream_arn));
        json_object_set_new(event, "isFinalInvokeForWindow", json_boolean(b->final));
        json_object_set_new(event, "isWindowTerminatedEarly", json_false());
    }
    free(b->payload);
    b->payload = json_dumps(event, JSON_COMPACT);
    b->len = strlen(b->payload);
    json_decref(event);
}

static const char *rec_seq(const struct rec *r)
{
    return json_string_value(json_object_get(json_object_get(r->json, "dynamodb"),
                                             "SequenceNumber"));
}

static void batch_ledger(struct worker *w, struct batch *b)
{
    int64_t first = b->recs ? b->recs->seq : w->shard.read_pos, last = first;
    for (struct rec *r = b->recs; r; r = r->next)
        last = r->seq;
    b->ledger = ledger_batch_new(w->m.uuid, w->m.function, w->shard.shard_id, first, last, b->n,
                                 w->shard.filtered);
    w->shard.filtered = 0;
}

/* Moves up to the lane's first n queued records into a new batch. */
static struct batch *batch_take(struct lane *l, int n, bool final)
{
    struct batch *b = xcalloc(1, sizeof *b);
    struct rec **tail = &b->recs;
    while (n-- > 0 && l->head) {
        struct rec *r = l->head;
        l->head = r->next;
        if (!l->head)
            l->tail = NULL;
        l->queued--;
        l->queued_bytes -= r->bytes;
        r->next = NULL;
        *tail = r;
        tail = &r->next;
        b->n++;
        b->bytes += r->bytes;
    }
    b->final = final;
    return b;
}

/* The tumbling window of the lane's head record: never before the window already open. */
static double head_window(const struct worker *w, const struct lane *l)
{
    double win = window_of(w, l->head->created);
    return l->win.open && win < l->win.start ? l->win.start : win;
}

/* Whether every record of the lane's open window has been read: the window ended, and the
 * shard was read to its end after that. */
static bool window_complete(const struct worker *w, const struct lane *l)
{
    double end = l->win.start + w->tumbling;
    return emuclock_now() >= end + WINDOW_GRACE && w->shard.caught_up_at >= end + WINDOW_GRACE;
}

/* Forms the lane's next batch when one is due (BatchSize or 6 MB reached, the batching window
 * over, a tumbling window ending). NULL when none is. */
static struct batch *batch_form(struct worker *w, struct lane *l, uint64_t now_ms)
{
    if (w->tumbling && l->win.open && (!l->head || head_window(w, l) > l->win.start)) {
        if (!window_complete(w, l))
            return NULL;
        return batch_take(l, 0, true); /* the window's final invocation, without records */
    }
    if (!l->head)
        return NULL;
    double win = w->tumbling ? head_window(w, l) : 0;
    int n = 0;
    size_t bytes = 0;
    struct rec *next = l->head; /* the first record left out */
    for (; next; next = next->next) {
        if (n == w->batch_size || (n && bytes + next->bytes > PAYLOAD_MAX) ||
            (w->tumbling && window_of(w, next->created) > win))
            break;
        n++;
        bytes += next->bytes;
    }
    bool due = next || n == w->batch_size || w->window_ms == 0 ||
               now_ms >= l->head->queued_ms + (uint64_t)w->window_ms;
    if (!due)
        return NULL;
    if (w->tumbling && !l->win.open) {
        l->win.open = true;
        l->win.start = win;
        l->win.state = json_object();
    }
    bool last_of_window = w->tumbling && window_complete(w, l) &&
                          (!next || window_of(w, next->created) > win);
    return batch_take(l, n, last_of_window);
}

/* ---- invoking ---- */

static void esm_arm(void);
static void worker_run(struct worker *w);

static void retry_later(struct lane *l)
{
    l->retry_at = uv_now(engine_loop()) + RETRY_DELAY_MS;
}

static void on_done(struct pool_invocation *inv);

static void batch_invoke(struct worker *w, struct lane *l)
{
    json_t *config = NULL;
    struct pool_function *fn =
        esm.hooks.loader(w->m.account, w->m.region, w->m.function, "", &config);
    json_decref(config);
    if (!fn) { /* deleted with its function: the next sync drops the worker */
        retry_later(l);
        return;
    }
    struct batch *b = l->batch;
    if (!b->payload)
        batch_payload(w, l, b);
    snprintf(w->function_arn, sizeof w->function_arn, "%s", fn->arn);
    struct pool_invocation *inv = pool_invocation_new();
    ids_uuid(inv->request_id);
    snprintf(b->request_id, sizeof b->request_id, "%s", inv->request_id);
    inv->fn = fn;
    inv->payload = xmalloc(b->len + 1);
    memcpy(inv->payload, b->payload, b->len + 1);
    inv->payload_len = b->len;
    inv->done = on_done;
    inv->ctx = l;
    b->attempts++;
    ledger_invoked(b->ledger, b->attempts, inv->request_id);
    l->in_flight = true;
    l->retry_at = 0;
    w->in_flight++;
    pool_invoke(inv);
}

/* The batch is done (delivered, or given up with f stored): the checkpoint moves past what
 * no lane still holds. Returns 0, or -1 when storing failed (the batch stays). */
static int batch_finish(struct worker *w, struct lane *l, const char *result,
                        struct st_esm_failure *f)
{
    struct batch *b = l->batch;
    l->batch = NULL;
    int64_t cp = shard_commit(w, result, f);
    if (cp < 0 && f) { /* a given-up batch is never dropped unrecorded: try again later */
        l->batch = b;
        retry_later(l);
        return -1;
    }
    if (cp >= 0)
        ledger_checkpoint(b->ledger, cp);
    if (b->final) {
        json_decref(l->win.state);
        memset(&l->win, 0, sizeof l->win);
    }
    batch_free(b);
    return 0;
}

/* The OnFailure record Lambda sends for a discarded batch (wire reference §4.5). */
static json_t *failure_info(const struct worker *w, const struct batch *b, const char *condition)
{
    json_t *response = json_pack("{s:i, s:s}", "statusCode", 200, "executedVersion", "$LATEST");
    if (b->function_error)
        json_object_set_new(response, "functionError", json_string("Unhandled"));
    char now[32], first[32] = "", last[32] = "";
    iso_time(emuclock_now(), true, now);
    const struct rec *tail = b->recs;
    while (tail && tail->next)
        tail = tail->next;
    if (b->recs) {
        iso_time(b->recs->created, false, first);
        iso_time(tail->created, false, last);
    }
    json_t *info = json_pack(
        "{s:s, s:s, s:s, s:i, s:s}", "shardId", w->shard.shard_id, "approximateArrivalOfFirstRecord",
        first, "approximateArrivalOfLastRecord", last, "batchSize", b->n, "streamArn",
        w->m.stream_arn);
    json_object_set_new(info, "startSequenceNumber",
                        b->recs ? json_string(rec_seq(b->recs)) : json_null());
    json_object_set_new(info, "endSequenceNumber", tail ? json_string(rec_seq(tail)) : json_null());
    return json_pack("{s:{s:s, s:s, s:s, s:i}, s:o, s:s, s:s, s:o}", "requestContext",
                     "requestId", b->request_id, "functionArn", w->function_arn, "condition",
                     condition, "approximateInvokeCount", b->attempts, "responseContext",
                     response, "version", "1.0", "timestamp", now, "DDBStreamBatchInfo", info);
}

/* Discards the lane's batch: stored with its metadata (and destination), checkpoint past it. */
static void batch_give_up(struct worker *w, struct lane *l, bool too_old)
{
    struct batch *b = l->batch;
    const char *condition = too_old ? "RecordAgeExceeded" : "RetryAttemptsExhausted";
    ledger_result(b->ledger, too_old ? "GivenUp: RecordAgeExceeded"
                                     : "GivenUp: RetriesExhausted");
    json_t *info = failure_info(w, b, condition);
    char *text = json_dumps(info, JSON_COMPACT);
    json_decref(info);
    struct st_esm_failure f = {.mapping_uuid = w->m.uuid, .function = w->m.function,
                               .destination = *w->destination ? w->destination : NULL,
                               .condition = condition, .created = emuclock_now(), .info = text};
    LOG_INFO("event source mapping '%s': gave up on %d records of %s (%s)", w->m.uuid, b->n,
             w->shard.shard_id, condition);
    uint64_t ledger = b->ledger;
    if (batch_finish(w, l, RESULT_PROBLEM, &f) == 0) {
        char note[DESTINATION_MAX + 32];
        if (*w->destination)
            snprintf(note, sizeof note, "SentToOnFailure: %s", w->destination);
        else
            snprintf(note, sizeof note, "KeptAsFailed");
        ledger_result(ledger, note);
    }
    free(text);
}

static bool batch_too_old(const struct worker *w, const struct batch *b)
{
    return w->max_age >= 0 && b->recs && emuclock_now() - b->recs->created > w->max_age;
}

/* Splits the lane's batch in two: the first half goes next, the second after it. */
static void batch_bisect(struct worker *w, struct lane *l)
{
    struct batch *b = l->batch;
    ledger_result(b->ledger, "Bisected");
    struct batch *first = xcalloc(1, sizeof *first), *second = xcalloc(1, sizeof *second);
    int half = b->n / 2;
    struct rec **tail = &first->recs, *r = b->recs;
    for (int i = 0; i < b->n; i++, r = r->next) {
        struct batch *to = i < half ? first : second;
        if (i == half) {
            *tail = NULL; /* the first half ends here */
            tail = &second->recs;
        }
        *tail = r;
        tail = &r->next;
        to->n++;
        to->bytes += r->bytes;
    }
    *tail = NULL;
    first->errors = second->errors = b->errors; /* bisecting consumes no retry */
    b->recs = NULL;
    batch_free(b);
    second->next = l->halves;
    l->halves = second;
    l->batch = first;
    batch_ledger(w, first);
}

/* A failed attempt (function error, invalid or partial response): bisect, retry or give up. */
static void batch_failed(struct worker *w, struct lane *l, bool function_error)
{
    struct batch *b = l->batch;
    b->function_error = function_error;
    if (function_error && w->bisect && b->n > 1) {
        batch_bisect(w, l);
        return;
    }
    b->errors++;
    if (batch_too_old(w, b))
        batch_give_up(w, l, true);
    else if (w->max_retries >= 0 && b->errors > w->max_retries)
        batch_give_up(w, l, false);
    else
        retry_later(l);
}

/* Reads a ReportBatchItemFailures response: 0 success, 1 partial (*from: the index of the
 * lowest failed record), -1 the whole batch failed (wire reference §7.4). */
static int item_failures_parse(const struct batch *b, const json_t *resp, int *from)
{
    json_t *list = json_is_object(resp) ? json_object_get(resp, "batchItemFailures") : NULL;
    if (!list || json_is_null(list))
        return 0;
    if (!json_is_array(list))
        return -1;
    *from = b->n;
    json_t *item;
    size_t i;
    json_array_foreach(list, i, item) {
        const char *id = json_string_value(json_object_get(item, "itemIdentifier"));
        if (!id || !*id)
            return -1;
        int k = 0;
        const struct rec *r = b->recs;
        for (; r && strcmp(rec_seq(r) ? rec_seq(r) : "", id) != 0; r = r->next)
            k++;
        if (!r)
            return -1;
        if (k < *from)
            *from = k;
    }
    return json_array_size(list) ? 1 : 0;
}

/* Drops the batch's first n records (done) before its retry. */
static void batch_drop_front(struct batch *b, int n)
{
    for (; n > 0 && b->recs; n--) {
        struct rec *r = b->recs;
        b->recs = r->next;
        b->n--;
        b->bytes -= r->bytes;
        r->next = NULL;
        recs_free(r);
    }
    free(b->payload);
    b->payload = NULL;
}

static void handler_answered(struct worker *w, struct lane *l, const struct buf *result)
{
    struct batch *b = l->batch;
    json_t *resp = result->len ? json_loadb(result->data, result->len, JSON_DECODE_ANY, NULL)
                               : json_null();
    int from = 0, rc = 0;
    if (!resp)
        rc = w->report_failures ? -1 : 0;
    else if (w->report_failures)
        rc = item_failures_parse(b, resp, &from);
    if (rc == 0 && w->tumbling && l->win.open) {
        json_t *state = json_object_get(resp, "state");
        if (json_is_object(state)) {
            json_decref(l->win.state);
            l->win.state = json_incref(state);
        }
    }
    json_decref(resp);
    if (rc == 0) {
        ledger_result(b->ledger, RESULT_OK);
        batch_finish(w, l, RESULT_OK, NULL);
    } else if (rc < 0) {
        ledger_result(b->ledger, "FunctionError: invalid batchItemFailures");
        batch_failed(w, l, true);
    } else {
        const struct rec *failed = b->recs;
        for (int i = 0; i < from; i++)
            failed = failed->next;
        char note[64];
        snprintf(note, sizeof note, "PartialFailure: from %s", rec_seq(failed));
        ledger_result(b->ledger, note);
        batch_drop_front(b, from);
        shard_commit(w, NULL, NULL); /* the records before it are done */
        batch_failed(w, l, false);
    }
}

static void on_done(struct pool_invocation *inv)
{
    struct lane *l = inv->ctx;
    struct worker *w = l->w;
    l->in_flight = false;
    w->in_flight--;
    if (w->gone || !esm.started) {
        if (w->gone && w->in_flight == 0)
            worker_free(w);
        pool_invocation_free(inv);
        return;
    }
    struct batch *b = l->batch;
    char note[160];
    switch (inv->outcome) {
    case POOL_OK:
        handler_answered(w, l, &inv->result);
        break;
    case POOL_FUNCTION_ERROR: {
        json_t *e = json_loadb(inv->result.data ? inv->result.data : "", inv->result.len, 0,
                               NULL);
        const char *type = json_string_value(json_object_get(e, "errorType"));
        snprintf(note, sizeof note, "FunctionError: %s", type ? type : "Unhandled");
        json_decref(e);
        ledger_result(b->ledger, note);
        batch_failed(w, l, true);
        break;
    }
    case POOL_THROTTLED:
        ledger_result(b->ledger, "Throttled");
        retry_later(l);
        break;
    case POOL_FAILED:
        ledger_result(b->ledger, "Failed: awsemu could not run the function");
        retry_later(l);
        break;
    }
    pool_invocation_free(inv);
    worker_run(w);
    esm_arm();
}

/* Starts the lane's next invocation if one is due. */
static void lane_run(struct worker *w, struct lane *l, uint64_t now_ms)
{
    if (l->in_flight)
        return;
    if (l->batch) {
        if (l->retry_at && now_ms < l->retry_at)
            return;
        if (batch_too_old(w, l->batch) && l->batch->attempts) {
            batch_give_up(w, l, true);
            if (l->batch)
                return;
        } else {
            batch_invoke(w, l);
            return;
        }
    }
    if (l->halves) {
        l->batch = l->halves;
        l->halves = l->batch->next;
        l->batch->next = NULL;
        batch_ledger(w, l->batch);
        batch_invoke(w, l);
        return;
    }
    struct batch *b = batch_form(w, l, now_ms);
    if (!b)
        return;
    l->batch = b;
    batch_ledger(w, b);
    batch_invoke(w, l);
}

/* Reads records into the lanes: from the current shard, or when it is idle and exhausted,
 * from the first shard with records past its checkpoint. */
static void worker_fill(struct worker *w)
{
    struct db *db = db_thread();
    if (!db)
        return;
    struct st_stream *s = xcalloc(1, sizeof *s); /* ~2.5 KB */
    int found = st_streams_get(db, w->m.stream_arn, s);
    int n = found == 1 && w->shard.valid ? shard_read(db, w, s) : 0;
    if (found == 1 && n == 0 && (!w->shard.valid || shard_idle(&w->shard, w->lanes))) {
        filtered_commit(w);
        if (!w->shard.valid || w->shard.persisted == w->shard.read_pos)
            shard_pick(db, w, s);
    }
    filtered_commit(w);
    free(s);
}

/* Sends w's next batches as far as it may: enabled, settings current, lanes free. */
static void worker_run(struct worker *w)
{
    if (!esm.started || w->gone)
        return;
    if (w->dirty && w->in_flight == 0) {
        shard_reset(w);
        settings_load(w);
        w->dirty = false;
    }
    if (!w->m.enabled || w->dirty)
        return;
    worker_fill(w);
    if (!w->shard.valid)
        return;
    uint64_t now_ms = uv_now(engine_loop());
    for (int i = 0; i < w->lanes; i++)
        lane_run(w, &w->shard.lanes[i], now_ms);
}

/* ---- the timer ---- */

static void on_timer(uv_timer_t *t)
{
    (void)t;
    if (!esm.started)
        return;
    for (struct worker *w = esm.workers; w; w = w->next)
        worker_run(w);
    esm_arm();
}

/* When the lane next needs the worker to run, in uv_now() milliseconds (0: nothing). */
static uint64_t lane_due(const struct worker *w, const struct lane *l, uint64_t now_ms)
{
    if (l->in_flight)
        return 0;
    if (l->batch)
        return l->retry_at ? l->retry_at : now_ms;
    if (l->halves)
        return now_ms;
    uint64_t due = 0;
    if (l->head && w->window_ms)
        due = l->head->queued_ms + (uint64_t)w->window_ms;
    if (w->tumbling && l->win.open) {
        double left = l->win.start + w->tumbling + WINDOW_GRACE - emuclock_now();
        uint64_t end = now_ms + (left > 0 ? (uint64_t)(left * 1000) + 1 : 0);
        if (!due || end < due)
            due = end;
    }
    return due;
}

/* Arms the shared timer for the earliest thing due. */
static void esm_arm(void)
{
    if (!esm.started)
        return;
    if (!esm.timer_ready) {
        if (uv_timer_init(engine_loop(), &esm.timer) < 0)
            return; /* the 1 s tick still runs everything */
        esm.timer_ready = true;
    }
    uint64_t now_ms = uv_now(engine_loop()), next = 0;
    for (struct worker *w = esm.workers; w; w = w->next) {
        if (!w->m.enabled || !w->shard.valid || w->gone || w->dirty)
            continue;
        for (int i = 0; i < w->lanes; i++) {
            uint64_t due = lane_due(w, &w->shard.lanes[i], now_ms);
            if (due && (!next || due < next))
                next = due;
        }
    }
    if (!next) {
        uv_timer_stop(&esm.timer);
        return;
    }
    /* Something already due waits a little: whatever the lanes wait on (a read, a load) then
     * cannot spin the loop. */
    uv_timer_start(&esm.timer, on_timer, next > now_ms ? next - now_ms : 20, 0);
}

static void workers_run(void)
{
    for (struct worker *w = esm.workers; w; w = w->next)
        worker_run(w);
    esm_arm();
}

/* ---- failed batches ---- */

static void failure_json(const struct st_esm_failure *f, void *arg)
{
    json_t *info = json_loads(f->info ? f->info : "{}", 0, NULL);
    json_array_append_new(
        arg, json_pack("{s:I, s:s, s:s, s:s?, s:s, s:f, s:o}", "id", (json_int_t)f->id,
                       "mapping", f->mapping_uuid ? f->mapping_uuid : "", "function",
                       f->function ? f->function : "", "destination", f->destination,
                       "condition", f->condition ? f->condition : "", "created", f->created,
                       "info", info ? info : json_object()));
}

json_t *esm_failures_describe(const char *mapping_uuid)
{
    struct db *db = db_thread();
    if (!db)
        return NULL;
    json_t *list = json_array();
    for (int64_t after = 0;;) {
        size_t before = json_array_size(list);
        int n = st_mappings_failures(db, mapping_uuid, after, 256, failure_json, list);
        if (n < 0) {
            json_decref(list);
            return NULL;
        }
        if (json_array_size(list) == before || json_array_size(list) >= ESM_FAILURES_MAX)
            break;
        after = json_integer_value(json_object_get(json_array_get(list, json_array_size(list) - 1),
                                                   "id"));
    }
    return json_pack("{s:o}", "failures", list);
}

/* ---- wake-ups ---- */

static void run_job(struct engine_job *job)
{
    bool stopping = job->shutting_down;
    free(job);
    atomic_store(&esm.run_posted, false);
    if (!stopping && esm.started)
        workers_run();
}

static void sync_job(struct engine_job *job)
{
    bool stopping = job->shutting_down;
    free(job);
    if (stopping || !esm.started)
        return;
    workers_sync();
    workers_run();
}

static void post(engine_job_cb run)
{
    struct engine_job *job = xcalloc(1, sizeof *job);
    job->run = run;
    engine_job_post(job);
}

void esm_streams_changed(void)
{
    if (atomic_load(&esm.enabled) == 0 || !esm.started)
        return;
    if (!atomic_exchange(&esm.run_posted, true))
        post(run_job);
}

void esm_mappings_changed(void)
{
    if (esm.started)
        post(sync_job);
}

void esm_tick(void)
{
    if (!esm.started)
        return;
    workers_sync();
    workers_run();
}

void esm_start(const struct esm_hooks *hooks)
{
    esm.hooks = *hooks;
    esm.started = true;
    post(sync_job);
}

/* Frees the workers with nothing in flight; the others are freed when their invocation
 * comes back (the pool fails it as it stops). */
static void stop_job(struct engine_job *job)
{
    free(job);
    if (esm.timer_ready && !uv_is_closing((uv_handle_t *)&esm.timer))
        uv_close((uv_handle_t *)&esm.timer, NULL);
    for (struct worker **p = &esm.workers, *w; (w = *p) != NULL;) {
        *p = w->next;
        if (w->in_flight)
            w->gone = true;
        else
            worker_free(w);
    }
    atomic_store(&esm.enabled, 0);
}

void esm_stop(void)
{
    esm.started = false;
    post(stop_job);
}
