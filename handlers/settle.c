/* handlers/settle.c — the settle barrier; see settle.h.
 *
 * DESIGN: the snapshot is plain data (mapping id, shard, target sequence number; the highest
 * async event id). Waiters sit in a list on the engine thread and are re-checked every few
 * milliseconds by one timer that runs only while someone waits: a check is a handful of
 * indexed reads, and polling keeps the delivery code free of settle hooks. */
#include "handlers/settle.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "server/buf.h"
#include "server/engine.h"
#include "storage/asyncq.h"
#include "storage/db.h"
#include "storage/mappings.h"
#include "storage/streams.h"

#define LOG_MODULE "settle"
#include "server/log.h"

#define CHECK_EVERY_MS 2
#define PAGE 64

struct target {
    int64_t mapping;
    char uuid[ST_MAPPING_UUID_LEN + 1];
    char shard_id[ST_SHARD_ID_MAX];
    int64_t seq;
};

struct waiter {
    struct engine_job job; /* first: the job is the waiter */
    struct waiter *next;
    struct target *targets;
    size_t n_targets, cap;
    int64_t async_max; /* async events with id <= this must be gone */
    double started, deadline; /* monotonic ms */
    settle_done_cb done;
    void *ctx;
};

static struct {
    struct waiter *waiting;
    uv_timer_t timer;
    bool timer_ready;
} sw;

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void waiter_free(struct waiter *w)
{
    free(w->targets);
    free(w);
}

/* --- the snapshot --- */

struct snap {
    struct db *db;
    struct waiter *w;
    const struct st_mapping *m;
    int64_t last_id;
    int n;
    bool failed;
};

static void snap_shard(const struct st_shard *s, void *arg)
{
    struct snap *sn = arg;
    if (s->last_seq < s->start_seq) /* a shard without records has nothing to wait for */
        return;
    struct waiter *w = sn->w;
    if (w->n_targets == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 16;
        w->targets = realloc(w->targets, w->cap * sizeof *w->targets);
        if (!w->targets)
            abort();
    }
    struct target *t = &w->targets[w->n_targets++];
    t->mapping = sn->m->id;
    memcpy(t->uuid, sn->m->uuid, sizeof t->uuid);
    memcpy(t->shard_id, s->shard_id, sizeof t->shard_id);
    t->seq = s->last_seq;
}

static void snap_mapping(const struct st_mapping *m, void *arg)
{
    struct snap *sn = arg;
    sn->last_id = m->id;
    sn->n++;
    if (!m->enabled || sn->failed)
        return;
    struct st_stream s;
    int found = st_streams_get(sn->db, m->stream_arn, &s);
    if (found < 0)
        sn->failed = true;
    if (found <= 0)
        return;
    sn->m = m;
    if (st_streams_shards(sn->db, s.id, snap_shard, sn) < 0)
        sn->failed = true;
}

/* --- checking --- */

struct enabled {
    int64_t *ids;
    size_t n, cap;
    int64_t last_id;
    int page_n;
};

static void enabled_add(const struct st_mapping *m, void *arg)
{
    struct enabled *e = arg;
    e->last_id = m->id;
    e->page_n++;
    if (!m->enabled)
        return;
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 16;
        e->ids = realloc(e->ids, e->cap * sizeof *e->ids);
        if (!e->ids)
            abort();
    }
    e->ids[e->n++] = m->id;
}

static bool is_enabled(const struct enabled *e, int64_t id)
{
    for (size_t i = 0; i < e->n; i++)
        if (e->ids[i] == id)
            return true;
    return false;
}

/* Fills result's "pending" and returns true when nothing is left to wait for. */
static bool waiter_check(struct db *db, struct waiter *w, const struct enabled *en,
                         json_t *pending_mappings, int64_t *async_left)
{
    bool settled = true;
    for (size_t i = 0; i < w->n_targets; i++) {
        const struct target *t = &w->targets[i];
        if (!is_enabled(en, t->mapping))
            continue;
        int64_t at = -1;
        int found = st_mappings_checkpoint_get(db, t->mapping, t->shard_id, &at);
        if (found == 1 && at >= t->seq)
            continue;
        settled = false;
        if (pending_mappings)
            json_array_append_new(pending_mappings,
                                  json_pack("{s:s, s:s, s:I, s:I}", "uuid", t->uuid, "shard",
                                            t->shard_id, "checkpoint", (json_int_t)at, "target",
                                            (json_int_t)t->seq));
    }
    *async_left = 0;
    if (w->async_max > 0 && st_asyncq_count_upto(db, w->async_max, async_left) == 0 &&
        *async_left > 0)
        settled = false;
    return settled;
}

static void on_check(uv_timer_t *timer);

static void check_all(void)
{
    struct db *db = db_thread();
    struct enabled en = {0};
    if (db) {
        for (;;) {
            en.page_n = 0;
            if (st_mappings_all(db, en.last_id, PAGE, enabled_add, &en) < 0 || en.page_n < PAGE)
                break;
        }
    }
    double now = mono_ms();
    struct waiter **p = &sw.waiting;
    while (*p) {
        struct waiter *w = *p;
        int64_t async_left = 0;
        bool timed_out = now >= w->deadline;
        bool settled = db && waiter_check(db, w, &en, NULL, &async_left);
        if (!settled && !timed_out) {
            p = &w->next;
            continue;
        }
        *p = w->next;
        json_t *pending = json_array();
        if (!settled && db)
            waiter_check(db, w, &en, pending, &async_left);
        json_t *result = json_pack("{s:b, s:f, s:{s:o, s:I}}", "settled", settled, "waited_ms",
                                   now - w->started, "pending", "mappings", pending, "async",
                                   (json_int_t)async_left);
        w->done(result, w->ctx);
        waiter_free(w);
    }
    free(en.ids);
    if (sw.waiting)
        uv_timer_start(&sw.timer, on_check, CHECK_EVERY_MS, 0);
}

static void on_check(uv_timer_t *timer)
{
    (void)timer;
    check_all();
}

static void run_waiter(struct engine_job *job)
{
    struct waiter *w = (struct waiter *)job;
    if (job->shutting_down) {
        w->done(json_pack("{s:b, s:s}", "settled", false, "reason", "awsemu is shutting down"),
                w->ctx);
        waiter_free(w);
        return;
    }
    if (!sw.timer_ready) {
        uv_timer_init(engine_loop(), &sw.timer);
        sw.timer_ready = true;
    }
    w->next = sw.waiting;
    sw.waiting = w;
    check_all(); /* often already settled: answer at once */
}

struct engine_job *settle_job(double timeout_s, settle_done_cb done, void *ctx)
{
    struct db *db = db_thread();
    if (!db)
        return NULL;
    struct waiter *w = xcalloc(1, sizeof *w);
    w->job.run = run_waiter;
    w->done = done;
    w->ctx = ctx;
    struct snap sn = {.db = db, .w = w};
    for (;;) {
        sn.n = 0;
        if (st_mappings_all(db, sn.last_id, PAGE, snap_mapping, &sn) < 0 || sn.failed)
            goto fail;
        if (sn.n < PAGE)
            break;
    }
    if (st_asyncq_max_id(db, &w->async_max) < 0)
        goto fail;
    w->started = mono_ms();
    w->deadline = w->started + timeout_s * 1000.0;
    return &w->job;
fail:
    LOG_ERROR("cannot take the settle snapshot");
    waiter_free(w);
    return NULL;
}
