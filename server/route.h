/* server/route.h — from a request to an operation: protocol family → service → operation,
 * plus the checks every operation needs (body limit, signature scope, malformed body, unknown
 * operation), as Redis's processCommand does before any command runs.
 * Threads: any HTTP worker thread (and unit tests).
 * Contract: route_dispatch() always leaves a complete reply in req (status, content type,
 *   body, headers); operations never write a status or an error body themselves.
 * Operations (struct route_json_op): fn borrows req and in, returns 0 with *out set to a new
 *   reference (or NULL when it wrote req->out itself), or -1 with *err raised. */
#ifndef AWSEMU_ROUTE_H
#define AWSEMU_ROUTE_H

#include <jansson.h>
#include <stddef.h>

#include "server/req.h"

typedef int (*route_json_fn)(struct req *req, json_t *in, json_t **out, struct awserr *err);

struct route_json_op {
    const char *name; /* AWS operation name, e.g. "PutItem" */
    route_json_fn fn;
};

/* A write operation whose last step (read, change, commit) must run where writes run
 * (server/writeq.h), while the parsing before it runs on the caller's worker in parallel: the
 * operation does its first part, calls route_json_then() and returns 0 with *out NULL. The
 * route then runs then(req, state, out, err) on the write runner (it has the contract of a
 * route_json_fn) and writes its reply; req_free() releases state with state_free(state), on
 * the req's own worker. */
typedef int (*route_json_then_fn)(struct req *req, void *state, json_t **out,
                                  struct awserr *err);
void route_json_then(struct req *req, route_json_then_fn then, void *state,
                     void (*state_free)(void *state));

/* The largest body the route of this request accepts; the front door discards (and flags)
 * anything longer before it is buffered. */
size_t route_body_limit(const struct req *req);

void route_dispatch(struct req *req);

#endif
