/* handlers/runtime_api.c — the Runtime API protocol over an engine-loop listener; see
 * runtime_api.h and wire reference §6. */
#include "handlers/runtime_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/buf.h"
#include "server/engine.h"
#include "server/http.h"

#define LOG_MODULE "rtapi"
#include "server/log.h"

#define PREFIX "/2018-06-01/runtime/"

struct rtapi {
    struct http_listener *listener;
    const struct rtapi_ops *ops;
    void *owner;
    struct req *next_req; /* a `next` waiting for an event */
    /* the event not yet taken by a `next` */
    bool pending;
    struct buf payload;
    char request_id[64];
    char deadline[24];
    char *function_arn;
    char *trace_id;
    char *client_context;
};

static void reply_json(struct req *req, int status, const char *body)
{
    req->status = status;
    req->content_type = "application/json";
    buf_free(&req->out);
    buf_adds(&req->out, body);
}

static void reply_error(struct req *req, int status, const char *type, const char *message)
{
    req->status = status;
    req->content_type = "application/json";
    buf_free(&req->out);
    json_t *o = json_pack("{s:s, s:s}", "errorType", type, "errorMessage", message);
    char *text = json_dumps(o, JSON_COMPACT);
    buf_adds(&req->out, text);
    free(text);
    json_decref(o);
}

/* Writes the pending event as the answer to a `next`. */
static void reply_event(struct rtapi *api, struct req *req)
{
    req->status = 200;
    req->content_type = "application/json";
    buf_free(&req->out);
    req->out = api->payload;
    api->payload = (struct buf)BUF_INIT;
    req_out_header(req, "Lambda-Runtime-Aws-Request-Id", req_strdup(req, api->request_id));
    req_out_header(req, "Lambda-Runtime-Deadline-Ms", req_strdup(req, api->deadline));
    req_out_header(req, "Lambda-Runtime-Invoked-Function-Arn",
                   req_strdup(req, api->function_arn));
    req_out_header(req, "Lambda-Runtime-Trace-Id", req_strdup(req, api->trace_id));
    if (api->client_context)
        req_out_header(req, "Lambda-Runtime-Client-Context",
                       req_strdup(req, api->client_context));
    api->pending = false;
}

static void on_next(struct rtapi *api, struct req *req)
{
    if (api->next_req) { /* one environment runs one invocation at a time */
        reply_error(req, 403, "InvalidStateTransition",
                    "State transition from Ready to Ready failed for runtime. Error: a "
                    "request for the next event is already waiting");
        return;
    }
    if (!api->pending)
        api->ops->waiting(api->owner); /* may deliver at once: then pending is set */
    if (api->pending) {
        reply_event(api, req);
        return;
    }
    api->next_req = req;
    req_defer(req, NULL);
}

static void on_result(struct rtapi *api, struct req *req, enum rtapi_result_kind kind,
                      const char *request_id)
{
    const char *error_type = req_header(req, "Lambda-Runtime-Function-Error-Type");
    bool too_large = req->body_too_large;
    enum rtapi_verdict v = api->ops->result(api->owner, kind, request_id, error_type,
                                            too_large ? NULL : req->body.data ? req->body.data : "",
                                            too_large ? 0 : req->body.len, too_large);
    switch (v) {
    case RTAPI_ACCEPTED:
        if (too_large)
            reply_error(req, 413, "RequestEntityTooLarge",
                        "Exceeded maximum allowed payload size (6291556 bytes).");
        else
            reply_json(req, 202, "{\"status\":\"OK\"}");
        return;
    case RTAPI_INVALID_ID:
        reply_error(req, 400, "InvalidRequestID", "Invalid request ID");
        return;
    case RTAPI_INVALID_STATE:
        reply_error(req, 403, "InvalidStateTransition",
                    "State transition failed for runtime. Error: no invocation is running");
        return;
    }
}

static void on_request(struct req *req, void *ctx)
{
    struct rtapi *api = ctx;
    const char *path = req->path;
    bool get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
    if (strncmp(path, PREFIX, strlen(PREFIX)) != 0)
        goto not_found;
    path += strlen(PREFIX);
    if (get && strcmp(path, "invocation/next") == 0) {
        on_next(api, req);
        return;
    }
    if (post && strcmp(path, "init/error") == 0) {
        on_result(api, req, RTAPI_INIT_ERROR, NULL);
        return;
    }
    if (post && strncmp(path, "invocation/", 11) == 0) {
        const char *id = path + 11, *slash = strchr(id, '/');
        if (slash && slash > id) {
            char *request_id = req_strndup(req, id, (size_t)(slash - id));
            if (strcmp(slash, "/response") == 0) {
                on_result(api, req, RTAPI_RESPONSE, request_id);
                return;
            }
            if (strcmp(slash, "/error") == 0) {
                on_result(api, req, RTAPI_ERROR, request_id);
                return;
            }
        }
    }
not_found:
    reply_error(req, 404, "NotFound", "Unknown Runtime API path");
}

struct rtapi *rtapi_open(const struct rtapi_ops *ops, void *owner, int *port)
{
    struct rtapi *api = xcalloc(1, sizeof *api);
    api->ops = ops;
    api->owner = owner;
    api->listener = http_listener_open(engine_loop(), RTAPI_MAX_RESPONSE, on_request, api, port);
    if (!api->listener) {
        free(api);
        return NULL;
    }
    return api;
}

static void event_forget(struct rtapi *api)
{
    buf_free(&api->payload);
    free(api->function_arn);
    free(api->trace_id);
    free(api->client_context);
    api->function_arn = api->trace_id = api->client_context = NULL;
    api->pending = false;
}

void rtapi_deliver(struct rtapi *api, const struct rtapi_event *ev)
{
    event_forget(api);
    buf_add(&api->payload, ev->payload, ev->payload_len);
    snprintf(api->request_id, sizeof api->request_id, "%s", ev->request_id);
    snprintf(api->deadline, sizeof api->deadline, "%lld", ev->deadline_ms);
    api->function_arn = xstrdup(ev->function_arn);
    api->trace_id = xstrdup(ev->trace_id);
    api->client_context = ev->client_context ? xstrdup(ev->client_context) : NULL;
    api->pending = true;
    struct req *waiting = api->next_req;
    if (waiting) {
        api->next_req = NULL;
        reply_event(api, waiting);
        req_resume(waiting);
    }
}

void rtapi_close(struct rtapi *api)
{
    if (!api)
        return;
    api->next_req = NULL; /* the listener answers it while closing */
    http_listener_close(api->listener);
    event_forget(api);
    free(api);
}
