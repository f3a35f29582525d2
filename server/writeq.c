/* server/writeq.c — write operations handed to the one worker running them; see writeq.h.
 *
 * DESIGN: a turn of the runner starts with one request (the runner's own, or the one handed
 * to it), then runs, in order, every request queued at that moment, all inside one write
 * group (storage/db.h: one commit for the turn). Only after the group's commit are the queued
 * requests resumed and their replies sent; if the commit fails, every reply of the turn is
 * replaced by the operation's internal error. The turn then either gives up the role (in the
 * critical section that finds the queue empty) or hands it to the worker of the oldest queued
 * request: that request is resumed before it has run, and its own worker runs it and takes
 * the next turn (take_turn). Bounded turns keep the runner's own connections served while the
 * other worker keeps queueing writes. */
#include "server/writeq.h"

#include <pthread.h>
#include <stdbool.h>

#include "storage/db.h"

#define LOG_MODULE "writeq"
#include "server/log.h"

struct writeq_entry {
    struct req *req;
    writeq_fn fn, fail;
    const void *arg;
    struct writeq_entry *next;
};

static struct {
    /* Held for a few pointer moves only; adaptive, as a waiter never waits long. */
    pthread_mutex_t lock;
    bool running; /* some thread is the runner */
    struct writeq_entry *head, **tail;
} q = {.lock = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP, .tail = &q.head};

static void run_one(struct req *req, writeq_fn fn, const void *arg)
{
    log_request_id_set(req->id);
    fn(req, arg);
    log_request_id_set(NULL);
}

static void take_turn(struct req *req, void *arg);

/* A turn: first (whose req is resumed here only if first_suspended), then the queued
 * requests, in one write group; then the role is given up or handed on. */
static void runner_turn(struct writeq_entry *first, bool first_suspended)
{
    db_write_group_begin();
    run_one(first->req, first->fn, first->arg);
    pthread_mutex_lock(&q.lock);
    struct writeq_entry *batch = q.head;
    q.head = NULL;
    q.tail = &q.head;
    pthread_mutex_unlock(&q.lock);
    for (struct writeq_entry *e = batch; e; e = e->next)
        run_one(e->req, e->fn, e->arg);
    if (db_write_group_end() < 0) {
        LOG_ERROR("a group of writes failed to commit: every reply of the group says so");
        run_one(first->req, first->fail, first->arg);
        for (struct writeq_entry *e = batch; e; e = e->next)
            run_one(e->req, e->fail, e->arg);
    }
    if (first_suspended)
        req_resume(first->req);
    while (batch) {
        struct writeq_entry *next = batch->next; /* batch is in the arena of a req resumed now */
        req_resume(batch->req);
        batch = next;
    }
    pthread_mutex_lock(&q.lock);
    struct writeq_entry *heir = q.head;
    if (heir) {
        q.head = heir->next;
        if (!q.head)
            q.tail = &q.head;
    } else {
        q.running = false;
    }
    pthread_mutex_unlock(&q.lock);
    if (heir)
        req_resume_then(heir->req, take_turn, heir);
}

/* The front door calls this on the heir's worker thread, before sending its reply. */
static void take_turn(struct req *req, void *arg)
{
    (void)req;
    runner_turn(arg, false);
}

/* Takes the runner's role if it is free. */
static bool runner_claim(void)
{
    pthread_mutex_lock(&q.lock);
    bool claimed = !q.running;
    q.running = true;
    pthread_mutex_unlock(&q.lock);
    return claimed;
}

/* Called by the front door once req's connection is suspended, so the runner cannot resume it
 * before it is. The runner may have finished since writeq_run() looked: then this thread
 * becomes the runner. */
static void queue_after_suspend(struct req *req, void *arg)
{
    (void)req;
    struct writeq_entry *e = arg;
    pthread_mutex_lock(&q.lock);
    bool queued = q.running;
    if (queued) {
        *q.tail = e;
        q.tail = &e->next;
    } else {
        q.running = true;
    }
    pthread_mutex_unlock(&q.lock);
    if (!queued)
        runner_turn(e, true);
}

void writeq_run(struct req *req, writeq_fn fn, writeq_fn fail, const void *arg)
{
    if (!req->_resume) {
        fn(req, arg);
        return;
    }
    struct writeq_entry *e = req_alloc(req, sizeof *e);
    *e = (struct writeq_entry){req, fn, fail, arg, NULL};
    if (runner_claim())
        runner_turn(e, false);
    else
        req_defer_then(req, queue_after_suspend, e);
}
