/* server/engine.h — the engine thread: one libuv loop that owns every libuv handle.
 *
 * Threads: engine_start()/engine_stop() from main only; engine_job_post() from any thread;
 *   a job's run() is called on the engine thread. engine_on_loop_thread() says which thread
 *   the caller is on, for asserts.
 * Ownership: posting hands the job over; the poster never touches it again. run() owns it
 *   from then on (usually frees it). Jobs still queued at engine_stop() are run with
 *   job->shutting_down set, so each job runs exactly once.
 * Errors: engine_start() returns a negative libuv error code; the rest cannot fail. */
#ifndef AWSEMU_ENGINE_H
#define AWSEMU_ENGINE_H

#include <stdbool.h>

struct engine_job;
typedef void (*engine_job_cb)(struct engine_job *job);

struct engine_job {
    engine_job_cb run;
    bool shutting_down; /* set when run() is called during engine_stop() */
    struct engine_job *_next;
};

/* A periodic callback run on the engine thread every period_ms (stream retention). Set it
 * from main before engine_start(); fn NULL (the default) runs nothing. */
typedef void (*engine_tick_cb)(void);
void engine_tick_set(engine_tick_cb fn, unsigned period_ms);

int engine_start(void);
/* Stops the loop: runs the jobs still queued, closes every handle, joins the thread. */
void engine_stop(void);
void engine_job_post(struct engine_job *job);
bool engine_on_loop_thread(void);

/* The engine's libuv loop, for modules that own handles on it (handlers/). Use it only on
 * the engine thread (inside a job or a handle callback). */
struct uv_loop_s;
struct uv_loop_s *engine_loop(void);

#endif
