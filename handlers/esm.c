/* handlers/esm.c — event source mapping delivery; see esm.h.
 *
 * DESIGN: SQLite holds everything that must survive (mappings, checkpoints); the engine keeps
 * a worker per mapping with its parsed settings and the batch it is delivering. A worker is
 * re-read from storage on every esm_mappings_changed() and tick (a handful of rows), so a
 * change made any way (API, DeleteFunction) is seen within a second. A batch is kept in the
 * worker until it is done, so a retry sends exactly the same records. */
#include "handlers/esm.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

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
#define PAYLOAD_MAX 6291456       /* Lambda's synchronous payload limit */
#define RECORD_OVERHEAD 400       /* wire members around a record's keys and images */
#define RETRY_DELAY_MS 1000
#define SYNC_PAGE 64
#define RESULT_OK "OK"
#define RESULT_PROBLEM "PROBLEM: Function call failed"

/* The kind a stored pattern would be refused with; they were checked when stored. */
static const struct awserr_kind esm_invalid_pattern = {400, "InvalidParameterValueException",
                                                       NULL};

struct batch {
    char shard_id[ST_SHARD_ID_MAX];
    int64_t last_seq; /* the last record read, delivered or filtered out */
    char *payload;    /* {"Records":[...]} */
    size_t len;
    int errors;       /* function errors so far */
};

struct worker {
    struct st_mapping m; /* as last read from storage; m.config owned */
    int batch_size, max_retries;
    struct events_pattern *filters[FILTERS_MAX];
    int n_filters;
    struct batch *batch;  /* being delivered, or waiting for its retry */
    bool in_flight;       /* batch is with the pool */
    bool gone;            /* deleted while in flight: freed when it comes back */
    bool seen;            /* found by the current sync */
    uint64_t retry_at;    /* uv_now() milliseconds */
    struct worker *next;
};

static struct {
    struct esm_hooks hooks;
    struct worker *workers;
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

static void settings_load(struct worker *w)
{
    json_t *config = json_loads(w->m.config, 0, NULL);
    w->batch_size = config_int(config, "BatchSize", 100);
    w->max_retries = config_int(config, "MaximumRetryAttempts", -1);
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

/* ---- workers ---- */

static void batch_free(struct batch *b)
{
    if (b)
        free(b->payload);
    free(b);
}

static void worker_free(struct worker *w)
{
    filters_clear(w);
    batch_free(w->batch);
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
    } else if (strcmp(w->m.config, m->config) == 0 && w->m.enabled == m->enabled &&
               strcmp(w->m.function, m->function) == 0) {
        snprintf(w->m.last_result, sizeof w->m.last_result, "%s", m->last_result);
        w->seen = true;
        return;
    } else if (!w->in_flight) { /* changed settings: a waiting batch is read again */
        batch_free(w->batch);
        w->batch = NULL;
        w->retry_at = 0;
    }
    st_mapping_free(&w->m);
    w->m = *m;
    w->m.config = xstrdup(m->config);
    w->seen = true;
    settings_load(w);
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
        if (w->in_flight)
            w->gone = true;
        else
            worker_free(w);
    }
    atomic_store(&esm.enabled, enabled);
}

/* ---- reading a batch ---- */

struct collect {
    struct worker *w;
    const struct st_stream *stream;
    int64_t shard;
    json_t *records;
    size_t bytes;
    int visited;
    int64_t last_seq;
};

static int collect_one(const struct st_stream_record *r, void *arg)
{
    struct collect *c = arg;
    size_t bytes = strlen(r->keys) + (r->new_image ? strlen(r->new_image) : 0) +
                   (r->old_image ? strlen(r->old_image) : 0) + strlen(c->stream->arn) +
                   RECORD_OVERHEAD;
    if (c->visited && c->bytes + bytes > PAYLOAD_MAX) /* the first record always goes */
        return 0;
    c->bytes += bytes;
    c->visited++;
    c->last_seq = r->seq;
    json_t *rec = esm.hooks.record_json(c->stream, c->shard, r);
    json_object_set_new(rec, "eventSourceARN", json_string(c->stream->arn));
    if (filters_pass(c->w, rec))
        json_array_append_new(c->records, rec);
    else
        json_decref(rec);
    return 1;
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

/* Reads the first shard (in creation order) with records past its checkpoint, into c.
 * Returns 1 when records were read (c->visited > 0), 0 when none wait, -1 (logged). */
static int shard_read(struct db *db, struct collect *c, char shard_id[ST_SHARD_ID_MAX])
{
    struct shard_list l = {0};
    int ret = 0;
    if (st_streams_shards(db, c->stream->id, shard_add, &l) < 0)
        ret = -1;
    double cutoff = emuclock_now() - esm.hooks.retention();
    for (size_t i = 0; ret == 0 && i < l.n; i++) {
        const struct st_shard *s = &l.v[i];
        int64_t cp;
        int found = st_mappings_checkpoint_get(db, c->w->m.id, s->shard_id, &cp);
        if (found < 0) {
            ret = -1;
            break;
        }
        int64_t from = found ? cp + 1 : s->start_seq;
        if (from > s->last_seq)
            continue;
        c->shard = s->id;
        if (st_streams_records(db, s->id, from, cutoff, c->w->batch_size, collect_one, c) < 0)
            ret = -1;
        else if (c->visited)
            ret = 1;
        snprintf(shard_id, ST_SHARD_ID_MAX, "%s", s->shard_id);
    }
    free(l.v);
    return ret;
}

/* Moves the checkpoint of shard_id to seq and sets the result, one transaction; nothing
 * when the mapping was deleted meanwhile. 0 or -1 (logged by storage). */
static int checkpoint_write(struct worker *w, const char *shard_id, int64_t seq,
                            const char *result)
{
    struct db *db = db_thread();
    if (!db || db_write_begin(db) < 0)
        return -1;
    struct st_mapping *now = xcalloc(1, sizeof *now);
    int found = st_mappings_get(db, w->m.account, w->m.region, w->m.uuid, now);
    int rc = found < 0 ? -1 : 0;
    if (found == 1 && st_mappings_checkpoint_set(db, w->m.id, shard_id, seq, emuclock_now()) < 0)
        rc = -1;
    if (rc == 0 && found == 1 && result && strcmp(now->last_result, result) != 0 &&
        st_mappings_result_set(db, w->m.id, result) < 0)
        rc = -1;
    st_mapping_free(now);
    free(now);
    if (rc < 0 || db_write_commit(db) < 0) {
        if (db_in_transaction(db))
            db_write_rollback(db);
        return -1;
    }
    if (result)
        snprintf(w->m.last_result, sizeof w->m.last_result, "%s", result);
    return 0;
}

/* Builds w's next batch. Returns 1 built (w->batch), 2 when every record read was filtered
 * out (checkpoint moved past them), 0 when nothing waits, -1 (logged). */
static int batch_build(struct worker *w)
{
    struct db *db = db_thread();
    if (!db)
        return -1;
    struct st_stream *s = xcalloc(1, sizeof *s); /* ~2.5 KB */
    struct collect c = {.w = w, .stream = s, .records = json_array()};
    char shard_id[ST_SHARD_ID_MAX] = "";
    int found = st_streams_get(db, w->m.stream_arn, s);
    int rc = found == 1 ? shard_read(db, &c, shard_id) : found;
    if (rc == 1 && json_array_size(c.records) == 0) {
        rc = checkpoint_write(w, shard_id, c.last_seq, NULL) < 0 ? -1 : 2;
    } else if (rc == 1) {
        struct batch *b = xcalloc(1, sizeof *b);
        snprintf(b->shard_id, sizeof b->shard_id, "%s", shard_id);
        b->last_seq = c.last_seq;
        json_t *event = json_pack("{s:O}", "Records", c.records);
        b->payload = json_dumps(event, JSON_COMPACT);
        b->len = strlen(b->payload);
        json_decref(event);
        w->batch = b;
    }
    json_decref(c.records);
    free(s);
    return rc;
}

/* ---- invoking ---- */

static void worker_run(struct worker *w);

static void retry_later(struct worker *w)
{
    w->retry_at = uv_now(engine_loop()) + RETRY_DELAY_MS;
}

/* The batch is done (delivered, or given up): the checkpoint moves past it. */
static void batch_done(struct worker *w, const char *result)
{
    if (checkpoint_write(w, w->batch->shard_id, w->batch->last_seq, result) < 0) {
        retry_later(w); /* delivered again later: at least once */
        return;
    }
    batch_free(w->batch);
    w->batch = NULL;
}

static void on_done(struct pool_invocation *inv)
{
    struct worker *w = inv->ctx;
    w->in_flight = false;
    if (w->gone || !esm.started) {
        if (w->gone)
            worker_free(w);
        pool_invocation_free(inv);
        return;
    }
    switch (inv->outcome) {
    case POOL_OK:
        batch_done(w, RESULT_OK);
        break;
    case POOL_FUNCTION_ERROR:
        w->batch->errors++;
        if (w->max_retries >= 0 && w->batch->errors > w->max_retries) {
            LOG_INFO("event source mapping '%s': batch ending at %lld of %s failed %d times; "
                     "skipped", w->m.uuid, (long long)w->batch->last_seq, w->batch->shard_id,
                     w->batch->errors);
            batch_done(w, RESULT_PROBLEM);
        } else {
            retry_later(w);
        }
        break;
    case POOL_THROTTLED:
    case POOL_FAILED:
        retry_later(w);
        break;
    }
    pool_invocation_free(inv);
    worker_run(w);
}

static void batch_invoke(struct worker *w)
{
    json_t *config = NULL;
    struct pool_function *fn =
        esm.hooks.loader(w->m.account, w->m.region, w->m.function, "", &config);
    json_decref(config);
    if (!fn) { /* deleted with its function: the next sync drops the worker */
        retry_later(w);
        return;
    }
    struct pool_invocation *inv = pool_invocation_new();
    ids_uuid(inv->request_id);
    inv->fn = fn;
    inv->payload = xmalloc(w->batch->len + 1);
    memcpy(inv->payload, w->batch->payload, w->batch->len + 1);
    inv->payload_len = w->batch->len;
    inv->done = on_done;
    inv->ctx = w;
    w->in_flight = true;
    w->retry_at = 0;
    pool_invoke(inv);
}

/* Sends w's next batch if it may: enabled, nothing in flight, its retry due. */
static void worker_run(struct worker *w)
{
    while (esm.started && w->m.enabled && !w->in_flight) {
        if (w->retry_at && uv_now(engine_loop()) < w->retry_at)
            return;
        if (w->batch) {
            batch_invoke(w);
            return;
        }
        int rc = batch_build(w);
        if (rc <= 0) {
            if (rc < 0)
                retry_later(w);
            return;
        }
        if (rc == 1) {
            batch_invoke(w);
            return;
        }
    }
}

static void workers_run(void)
{
    for (struct worker *w = esm.workers; w; w = w->next)
        worker_run(w);
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
