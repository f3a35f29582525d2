/* server/lambda_invoke.h — the Invoke operation (POST /2015-03-31/functions/{name}/invocations
 * and the deprecated POST /2014-11-13/functions/{name}/invoke-async), wire reference §5.
 *
 * Threads: HTTP worker threads. A synchronous invocation defers the reply (req_defer): the
 *   engine thread fills it when the handler answers and resumes the request.
 * Contract: returns 0 when the reply is written or deferred, or -1 with err raised (a Lambda
 *   kind; the router writes it). Event invocations are stored before the 202 (asyncq). */
#ifndef AWSEMU_LAMBDA_INVOKE_H
#define AWSEMU_LAMBDA_INVOKE_H

#include <jansson.h>
#include <stdbool.h>

#include "server/awserr.h"
#include "server/req.h"

/* The largest payloads Lambda accepts: 6 MB synchronous, 1 MB asynchronous (since 2025). */
#define LAMBDA_SYNC_PAYLOAD_MAX 6291456
#define LAMBDA_ASYNC_PAYLOAD_MAX 1048576

int lambda_invoke(struct req *req, const char *function_param, bool legacy_async,
                  struct awserr *err);

/* The function loader the async dispatcher uses (handlers/invoke.h invoke_loader_cb). */
struct pool_function;
struct pool_function *lambda_invoke_loader(const char *account, const char *region,
                                           const char *name, const char *qualifier,
                                           json_t **event_invoke_config);

#endif
