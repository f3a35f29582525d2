/* server/req.h — one HTTP request as every module but http.c sees it.
 *
 * The front door (http.c), or a unit test, fills the input half; route_dispatch() fills the
 * output half. No libmicrohttpd type appears here, so tests drive route_dispatch() directly.
 *
 * Threads: a req belongs to the HTTP worker thread serving it (later, to a job it is lent to).
 * Ownership: the req owns its body, its arena and its output; req_free() releases all of it.
 *   Strings from req_strdup()/req_alloc() live in the arena until req_free() and are never
 *   freed one by one. Header and query strings are borrowed from the front door and valid
 *   until the request completes. */
#ifndef AWSEMU_REQ_H
#define AWSEMU_REQ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "server/awserr.h"
#include "server/buf.h"
#include "server/config.h"

struct engine_job;

#define REQ_MAX_OUT_HEADERS 8

struct req_pair {
    const char *name;
    const char *value;
};

struct req_arena_chunk;

struct req {
    /* input */
    const struct config *cfg;
    const char *method;
    const char *path; /* decoded path, without the query string */
    struct req_pair *headers;
    size_t n_headers;
    struct req_pair *query; /* decoded query parameters */
    size_t n_query;
    struct buf body;
    char id[40]; /* request id: x-amzn-RequestId */

    /* who is calling, from SigV4 (route.c) */
    const char *access_key;
    const char *region;     /* credential-scope region, else cfg->region */
    const char *service;    /* credential-scope service, "" when unsigned */
    const char *account;    /* cfg->account for now */

    /* output */
    int status;
    const char *content_type;
    struct req_pair out_headers[REQ_MAX_OUT_HEADERS];
    size_t n_out_headers;
    struct buf out;
    struct awserr err;
    const char *api;       /* service name for the access log, e.g. "DynamoDB" */
    const char *operation; /* operation name for the access log */
    bool body_too_large;   /* the front door discarded a body over the route's limit */

    /* A reply that must wait (a synchronous Invoke waits for its handler). See req_defer(). */
    struct engine_job *deferred;
    bool suspend; /* req_defer() or req_defer_then() was called (deferred may be NULL) */
    void (*after_suspend)(struct req *req, void *arg); /* see req_defer_then() */
    void *after_suspend_arg;
    void (*before_reply)(struct req *req, void *arg); /* see req_resume_then() */
    void *before_reply_arg;
    void (*_resume)(struct req *req); /* set by the front door */
    void *_front;                     /* the front door's connection state */

    /* route.c's continuation of a write operation (route_json_then); req_free() releases
     * its state */
    int (*_then)(struct req *req, void *state, json_t **out, struct awserr *err);
    void *_then_state;
    void (*_then_free)(void *state);

    struct req_arena_chunk *_arena;
};

/* Prepares a zeroed req; cfg is borrowed and must outlive it. */
void req_init(struct req *req, const struct config *cfg);
/* Releases everything the req owns (not the struct itself). */
void req_free(struct req *req);

void *req_alloc(struct req *req, size_t n);
char *req_strdup(struct req *req, const char *s);
char *req_strndup(struct req *req, const char *s, size_t n);

/* Case-insensitive header lookup; NULL when absent. */
const char *req_header(const struct req *req, const char *name);
/* Query parameter lookup (case-sensitive, as AWS's are); NULL when absent. */
const char *req_query(const struct req *req, const char *name);

/* Defers the reply: the operation returns without writing one, and the front door suspends
 * the connection and then posts job to the engine (never before, so the job cannot finish
 * first); job may be NULL when the caller keeps req itself (Runtime API listeners, whose
 * handlers already run on the engine thread). While suspended nothing else touches req: whoever completes the work, on any
 * thread, fills the output half (status, body, headers, or err plus its codec's error body)
 * and calls req_resume(req) exactly once; the front door then sends the reply. */
void req_defer(struct req *req, struct engine_job *job);
/* The same, with a call instead of a job: the front door calls after_suspend(req, arg) on the
 * worker thread once the connection is suspended; from then on the rules above apply (it, or
 * whoever it hands req to, calls req_resume() exactly once, possibly before it returns). */
void req_defer_then(struct req *req, void (*after_suspend)(struct req *req, void *arg),
                    void *arg);
void req_resume(struct req *req);
/* Resumes a deferred req whose reply is not made yet: the front door calls
 * before_reply(req, arg) on the req's own worker thread, which fills the reply, before it
 * sends it; if the client went away meanwhile, it still calls it, when the request ends. */
void req_resume_then(struct req *req, void (*before_reply)(struct req *req, void *arg),
                     void *arg);

/* Adds a response header; name and value must outlive the request (literals or arena). */
void req_out_header(struct req *req, const char *name, const char *value);

#endif
