/* server/engine.c — the libuv engine thread and its job queue; see engine.h.
 *
 * DESIGN: other threads append jobs to a FIFO under a mutex and wake the loop with
 * uv_async_send(). libuv merges wakeups, so one callback may stand for many posts: it takes
 * the whole list under the lock and runs it after unlocking (libuv's uv__work_done does the
 * same). Stopping posts nothing new: it flags the loop, wakes it, and the loop closes every
 * handle it owns with uv_walk before uv_loop_close(). */
#include "server/engine.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <uv.h>

#define LOG_MODULE "engine"
#include "server/log.h"

static struct {
    uv_loop_t loop;
    uv_async_t wakeup;
    uv_timer_t tick;
    engine_tick_cb tick_fn;
    unsigned tick_ms;
    uv_thread_t thread;
    pthread_mutex_t lock;
    struct engine_job *head, *tail;
    atomic_bool stopping;
    bool started;
} eng = {.lock = PTHREAD_MUTEX_INITIALIZER};

static _Thread_local bool on_loop_thread;

bool engine_on_loop_thread(void)
{
    return on_loop_thread;
}

struct uv_loop_s *engine_loop(void)
{
    assert(on_loop_thread);
    return &eng.loop;
}

static struct engine_job *take_all_jobs(void)
{
    pthread_mutex_lock(&eng.lock);
    struct engine_job *batch = eng.head;
    eng.head = eng.tail = NULL;
    pthread_mutex_unlock(&eng.lock);
    return batch;
}

static void run_jobs(struct engine_job *batch, bool shutting_down)
{
    for (struct engine_job *job; (job = batch) != NULL;) {
        batch = job->_next;
        job->shutting_down = shutting_down;
        job->run(job); /* FIFO; the job now belongs to run() */
    }
}

static void close_handle(uv_handle_t *handle, void *arg)
{
    (void)arg;
    if (!uv_is_closing(handle))
        uv_close(handle, NULL);
}

static void on_wakeup(uv_async_t *async)
{
    (void)async;
    bool stopping = atomic_load(&eng.stopping);
    run_jobs(take_all_jobs(), stopping);
    if (stopping)
        uv_walk(&eng.loop, close_handle, NULL);
}

static void on_tick(uv_timer_t *timer)
{
    (void)timer;
    if (!atomic_load(&eng.stopping))
        eng.tick_fn();
}

void engine_tick_set(engine_tick_cb fn, unsigned period_ms)
{
    assert(!eng.started);
    eng.tick_fn = fn;
    eng.tick_ms = period_ms;
}

/* Starts the periodic timer; before the loop thread exists, so main may touch the loop. */
static int tick_start(void)
{
    if (!eng.tick_fn)
        return 0;
    int rc = uv_timer_init(&eng.loop, &eng.tick);
    if (rc < 0)
        return rc;
    rc = uv_timer_start(&eng.tick, on_tick, eng.tick_ms, eng.tick_ms);
    if (rc < 0)
        uv_close((uv_handle_t *)&eng.tick, NULL);
    return rc;
}

static void loop_main(void *arg)
{
    (void)arg;
    on_loop_thread = true;
    uv_run(&eng.loop, UV_RUN_DEFAULT);
    /* Jobs posted between the last wakeup and the close still run exactly once. */
    run_jobs(take_all_jobs(), true);
    int rc = uv_loop_close(&eng.loop);
    if (rc != 0)
        LOG_ERROR("cannot close the engine loop: %s", uv_strerror(rc));
    on_loop_thread = false;
}

int engine_start(void)
{
    assert(!eng.started);
    int rc = uv_loop_init(&eng.loop);
    if (rc < 0)
        return rc;
    if ((rc = uv_async_init(&eng.loop, &eng.wakeup, on_wakeup)) < 0) {
        uv_loop_close(&eng.loop);
        return rc;
    }
    atomic_store(&eng.stopping, false);
    if ((rc = tick_start()) < 0 || (rc = uv_thread_create(&eng.thread, loop_main, NULL)) < 0) {
        uv_walk(&eng.loop, close_handle, NULL);
        uv_run(&eng.loop, UV_RUN_DEFAULT);
        uv_loop_close(&eng.loop);
        return rc;
    }
    eng.started = true;
    return 0;
}

void engine_stop(void)
{
    if (!eng.started)
        return;
    atomic_store(&eng.stopping, true);
    uv_async_send(&eng.wakeup);
    uv_thread_join(&eng.thread);
    eng.started = false;
}

void engine_job_post(struct engine_job *job)
{
    job->_next = NULL;
    pthread_mutex_lock(&eng.lock);
    if (eng.tail)
        eng.tail->_next = job;
    else
        eng.head = job;
    eng.tail = job;
    pthread_mutex_unlock(&eng.lock);
    uv_async_send(&eng.wakeup);
}
