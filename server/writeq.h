/* server/writeq.h — one HTTP worker at a time runs the DynamoDB write operations; the others
 * hand theirs over instead of waiting for the write lock.
 *
 * Every write transaction runs on the one writer connection under the write lock (storage/db.h),
 * so two workers writing at once serialise anyway. A worker that blocked on the lock slept and
 * was woken for each write (two futex calls and two context switches, about a fifth of a
 * PutItem's CPU with two workers). Instead, the worker that finds another one running writes
 * suspends the request, queues it and goes on serving its other connections; the running
 * worker (the runner) executes every queued request after its own, resumes each, and stops
 * being the runner only when the queue is empty. The write lock still guards the transactions
 * (the engine thread writes too): this module only chooses which thread runs a request.
 *
 * Group commit: the writes of one turn of the runner share one transaction and one commit.
 *
 * Threads: HTTP worker threads. Liveness: a request is queued only while a runner exists, and
 *   a runner gives up its role only after finding the queue empty under the queue's lock.
 * Ownership: a queued req belongs to the runner from the moment it is queued until its
 *   req_resume(); the entry lives in the req's arena. */
#ifndef AWSEMU_WRITEQ_H
#define AWSEMU_WRITEQ_H

#include "server/req.h"

/* Fills req's reply; it may not defer the reply itself. */
typedef void (*writeq_fn)(struct req *req, const void *arg);

/* Runs fn(req, arg) on this thread when no other thread is running writes, then every request
 * queued meanwhile, in one write group (storage/db.h); otherwise defers req (req_defer_then)
 * and queues it for the runner. Replies go out only after the group's commit; if it fails,
 * fail(req, arg) replaces each reply of the group with the operation's internal error. A req
 * without a front door that can suspend it (unit tests, fuzzing) runs here and now, with no
 * group. */
void writeq_run(struct req *req, writeq_fn fn, writeq_fn fail, const void *arg);

#endif
