/* server/req.c — request lifetime and its arena; see req.h. */
#include "server/req.h"

#include <assert.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct req_arena_chunk {
    struct req_arena_chunk *next;
    size_t used, cap;
    alignas(max_align_t) char data[];
};

#define ARENA_CHUNK 4096

void req_init(struct req *req, const struct config *cfg)
{
    memset(req, 0, sizeof *req);
    req->cfg = cfg;
    req->status = 200;
    req->region = cfg ? cfg->region : "us-east-1";
    req->account = cfg ? cfg->account : "000000000000";
    req->service = "";
    req->access_key = "";
}

void req_free(struct req *req)
{
    /* Released here, on the worker that allocated it, rather than where the write ran: glibc
     * frees another thread's memory under that thread's arena lock. */
    if (req->_then_free) {
        req->_then_free(req->_then_state);
        req->_then_free = NULL;
    }
    awserr_clear(&req->err);
    buf_free(&req->body);
    buf_free(&req->out);
    for (struct req_arena_chunk *c = req->_arena, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    req->_arena = NULL;
}

void *req_alloc(struct req *req, size_t n)
{
    size_t aligned = (n + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
    struct req_arena_chunk *c = req->_arena;
    if (!c || c->cap - c->used < aligned) {
        size_t cap = aligned > ARENA_CHUNK ? aligned : ARENA_CHUNK;
        c = xmalloc(sizeof *c + cap);
        c->cap = cap;
        c->used = 0;
        c->next = req->_arena;
        req->_arena = c;
    }
    void *p = c->data + c->used;
    c->used += aligned;
    return p;
}

char *req_strndup(struct req *req, const char *s, size_t n)
{
    char *p = req_alloc(req, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *req_strdup(struct req *req, const char *s)
{
    return req_strndup(req, s, strlen(s));
}

const char *req_header(const struct req *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++)
        if (strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    return NULL;
}

const char *req_query(const struct req *req, const char *name)
{
    for (size_t i = 0; i < req->n_query; i++)
        if (strcmp(req->query[i].name, name) == 0)
            return req->query[i].value ? req->query[i].value : "";
    return NULL;
}

void req_out_header(struct req *req, const char *name, const char *value)
{
    assert(req->n_out_headers < REQ_MAX_OUT_HEADERS);
    req->out_headers[req->n_out_headers].name = name;
    req->out_headers[req->n_out_headers].value = value;
    req->n_out_headers++;
}

void req_defer(struct req *req, struct engine_job *job)
{
    assert(!req->suspend);
    req->deferred = job;
    req->suspend = true;
}

void req_defer_then(struct req *req, void (*after_suspend)(struct req *req, void *arg),
                    void *arg)
{
    assert(!req->suspend);
    req->after_suspend = after_suspend;
    req->after_suspend_arg = arg;
    req->suspend = true;
}

void req_resume(struct req *req)
{
    assert(req->_resume);
    req->_resume(req);
}

void req_resume_then(struct req *req, void (*before_reply)(struct req *req, void *arg),
                     void *arg)
{
    req->before_reply = before_reply;
    req->before_reply_arg = arg;
    req_resume(req);
}
