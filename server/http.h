/* server/http.h — the libmicrohttpd front door.
 * Threads: http_start()/http_stop() from main only. Requests are served on libmicrohttpd's
 *   worker-thread pool; each becomes a struct req handed to route_dispatch().
 * Ownership: cfg is borrowed and must outlive the server.
 * Errors: http_start() returns -1 with a logged reason (address in use, bad host...). */
#ifndef AWSEMU_HTTP_H
#define AWSEMU_HTTP_H

#include <stdbool.h>

#include "server/config.h"
#include "server/req.h"

/* Starts listening; on success returns 0 and stores the bound port in *port. */
int http_start(const struct config *cfg, int *port);
/* Stops accepting new connections; those open keep being served. */
void http_quiesce(void);
/* Waits until no request is in flight (suspended ones included) or timeout_ms passed;
 * true when none is left. */
bool http_drain(unsigned timeout_ms);
/* Stops accepting, lets requests in flight finish (bounded wait), then stops the pool. */
void http_stop(void);

/* Runtime API listeners: an HTTP server on 127.0.0.1 and a free port, driven by the engine's
 * libuv loop, so its handler runs on the engine thread.
 * Threads: open, close and every handler call on the engine thread only.
 * Handler: gets each complete request (body over body_limit: req->body_too_large set, body
 *   dropped); it fills the reply, or calls req_defer(req, NULL) and later req_resume(req)
 *   (on the engine thread) once the reply is filled.
 * Closing: requests still deferred are answered 503 and their connections closed; the owner
 *   must have forgotten them first. The memory goes once libuv has closed the handles. */
struct http_listener;
struct uv_loop_s;
typedef void (*http_listener_cb)(struct req *req, void *ctx);

struct http_listener *http_listener_open(struct uv_loop_s *loop, size_t body_limit,
                                         http_listener_cb handler, void *ctx, int *port);
void http_listener_close(struct http_listener *l);

#endif
