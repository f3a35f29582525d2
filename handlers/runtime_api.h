/* handlers/runtime_api.h — one instance's Lambda Runtime API (2018-06-01): the HTTP listener
 * its handler process polls for events (`next`) and posts results to.
 *
 * Threads: engine thread only (the listener is driven by the engine's libuv loop).
 * Protocol: GET /2018-06-01/runtime/invocation/next waits until rtapi_deliver() hands an
 *   event over (or answers at once when one is pending); POST .../invocation/{id}/response,
 *   .../invocation/{id}/error and .../init/error are passed to the owner's result callback,
 *   which accepts or refuses them (400 InvalidRequestID, 403 InvalidStateTransition).
 * Ownership: rtapi_deliver() copies the event; bodies passed to callbacks are borrowed for
 *   the call. rtapi_close() drops a waiting `next` and frees the listener (asynchronously). */
#ifndef AWSEMU_HANDLERS_RUNTIME_API_H
#define AWSEMU_HANDLERS_RUNTIME_API_H

#include <stddef.h>

struct rtapi;

struct rtapi_event {
    const char *request_id;
    const char *payload;
    size_t payload_len;
    long long deadline_ms;      /* epoch milliseconds */
    const char *function_arn;   /* as invoked */
    const char *trace_id;
    const char *client_context; /* decoded JSON text, or NULL */
};

enum rtapi_result_kind { RTAPI_RESPONSE, RTAPI_ERROR, RTAPI_INIT_ERROR };

/* What the owner answers to a posted result. */
enum rtapi_verdict { RTAPI_ACCEPTED, RTAPI_INVALID_ID, RTAPI_INVALID_STATE };

struct rtapi_ops {
    /* The runtime asked for its next event while none was pending. */
    void (*waiting)(void *owner);
    /* A result arrived; request_id is NULL for init errors, error_type NULL when the header
     * is absent. A body over the payload limit arrives with body NULL and too_large set. */
    enum rtapi_verdict (*result)(void *owner, enum rtapi_result_kind kind, const char *request_id,
                                 const char *error_type, const char *body, size_t len,
                                 int too_large);
};

/* The largest response a runtime may post: 6 MB + 100 bytes, as Lambda accepts. */
#define RTAPI_MAX_RESPONSE (6 * 1024 * 1024 + 100)

/* Opens a listener on 127.0.0.1 and a free port (*port). NULL on failure (logged). */
struct rtapi *rtapi_open(const struct rtapi_ops *ops, void *owner, int *port);
/* Hands an event to the runtime: answers its waiting `next`, or the next one it makes. */
void rtapi_deliver(struct rtapi *api, const struct rtapi_event *ev);
void rtapi_close(struct rtapi *api);

#endif
