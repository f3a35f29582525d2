/* server/lambda.h — the Lambda API surface (REST-JSON, 2015-03-31 and its sibling date
 * prefixes): routing by method and path to the control-plane operations and to Invoke
 * (server/lambda_invoke.h), the function lookup Invoke builds on, and the helpers the
 * lambda*.c operation files share.
 *
 * Threads: any HTTP worker thread; lambda_function_load() from any thread with a req.
 * Errors: every helper that can fail on client input takes struct awserr *err last and raises
 *   a Lambda kind (lambda_err.h) with Lambda's wording; SQLite and disk failures are logged
 *   where they happen and reach the client as ServiceException.
 * Ownership: operation outputs are new json_t references; strings lent by the req (path
 *   parameters, query values) live until the request completes. */
#ifndef AWSEMU_LAMBDA_H
#define AWSEMU_LAMBDA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "handlers/pool.h"
#include "server/buf.h"
#include "server/req.h"
#include "storage/db.h"
#include "storage/functions.h"

/* CreateFunction's request limit (shared/docs §4.2): the body limit of every Lambda route.
 * Operations with smaller limits (Invoke: 6 MB) check their own. */
#define LAMBDA_BODY_LIMIT 70167211u

/* True when path belongs to Lambda (/2015-03-31/, /2017-10-31/, /2019-09-30/, /2019-09-25/,
 * /2014-11-13/, /2017-03-31/, /2016-08-19/). */
bool lambda_path_is(const char *path);

/* Runs the Lambda operation named by req's method and path and leaves a complete reply in
 * req (or, for Invoke, whatever lambda_invoke() left: a reply or a deferred one). The caller
 * has identified the caller (req->region, req->account). */
void lambda_dispatch(struct req *req);

/* Resolves a FunctionName path parameter (name, name:qualifier, partial ARN
 * `acct:function:name[:q]`, full ARN `arn:aws:lambda:region:acct:function:name[:q]`; an
 * ARN's region and account must be the request's) plus the Qualifier query value (NULL when
 * absent; "$LATEST" or absent name the function itself; another version or alias is
 * ResourceNotFoundException with the qualified ARN, since awsemu has no versions yet), and
 * loads the function. On success *out is a new heap pool_function (pool_function_free) with
 * every field filled (version "$LATEST", reserved_concurrency -1 when none, environment the
 * Environment.Variables object or NULL) and, when event_invoke_config is not NULL, it gets a
 * new reference to the stored event invoke config object, or NULL when there is none.
 * A missing function raises ResourceNotFoundException "Function not found: <arn>".
 * Returns 0, or -1 with *err raised and nothing allocated. */
int lambda_function_load(struct req *req, const char *function_param, const char *qualifier,
                         struct pool_function **out, json_t **event_invoke_config,
                         struct awserr *err);

/* ---- shared by lambda*.c ---- */

#define LAMBDA_NAME_MAX 64
#define LAMBDA_QUALIFIER_MAX 128

/* A function named by a request, in the request's account and region. */
struct lambda_ref {
    char name[LAMBDA_NAME_MAX + 1];
    char qualifier[LAMBDA_QUALIFIER_MAX + 1]; /* "" when none was given */
};

/* Parses a FunctionName path parameter and the Qualifier query value into ref (see
 * lambda_function_load). Only syntax, region and account are checked here. */
int lambda__ref_parse(const struct req *req, const char *param, const char *qualifier,
                      struct lambda_ref *ref, struct awserr *err);

/* Appends arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>] to out. */
void lambda__function_arn(const struct req *req, const char *name, const char *qualifier,
                          struct buf *out);

/* The calling thread's storage connection, or -1 with ServiceException raised. */
int lambda__db(struct db **db, struct awserr *err);

/* Loads ref's function (qualifier "" or "$LATEST" only). 0, or -1 with
 * ResourceNotFoundException / ServiceException raised. Works inside a write transaction. */
int lambda__function_get(const struct req *req, struct db *db, const struct lambda_ref *ref,
                         struct st_function *f, struct awserr *err);

/* Parses the stored configuration text (never fails on our own text: NULL is logged). */
json_t *lambda__config_parse(const struct st_function *f);

/* Sets config's RevisionId to a new uuid. */
void lambda__revision_bump(json_t *config);

/* A LastModified value: "2024-01-31T12:00:00.000+0000" at the emulator's now. */
json_t *lambda__last_modified(void);

/* A RevisionId precondition: revision_id (NULL: none given) must equal config's. 0, or -1
 * with PreconditionFailedException raised. */
int lambda__revision_check(const json_t *config, const char *revision_id, struct awserr *err);

/* Changes a function in one write transaction: loads it, checks revision_id, calls fn, then
 * (when fn returns 1) stores f with config re-serialised; fn returns 0 to leave the function
 * unchanged, -1 with err raised to abort. *config_out (if not NULL) gets the resulting
 * configuration (new reference). 0 or -1. */
typedef int (*lambda_mutate_fn)(struct req *req, struct st_function *f, json_t *config,
                                void *arg, struct awserr *err);
int lambda__function_mutate(struct req *req, const struct lambda_ref *ref,
                            const char *revision_id, lambda_mutate_fn fn, void *arg,
                            json_t **config_out, struct awserr *err);

/* Coral-style validation error for one member: raises ValidationException
 * "1 validation error detected: Value '<value>' at '<member>' failed to satisfy constraint:
 * Member must <constraint>". value NULL writes "Value null". */
int lambda__invalid(struct awserr *err, const char *value, const char *member,
                    const char *constraint);

/* Typed body member access: a member of the wrong JSON type raises
 * InvalidRequestContentException; a missing (or null) one leaves the default and returns 0. */
int lambda__member_string(const json_t *in, const char *name, const char **out,
                          struct awserr *err);
int lambda__member_int(const json_t *in, const char *name, bool *present, long long *out,
                       struct awserr *err);
int lambda__member_bool(const json_t *in, const char *name, bool *out, struct awserr *err);
int lambda__member_object(const json_t *in, const char *name, json_t **out,
                          struct awserr *err);
int lambda__member_array(const json_t *in, const char *name, json_t **out, struct awserr *err);

/* A Lambda operation: params are the decoded path parameters ({FunctionName}, ...), in the
 * borrowed request body (an object; {} for GET/DELETE). Returns 0 with *out a new reference
 * (NULL for an empty body), or -1 with err raised. */
typedef int (*lambda_op_fn)(struct req *req, const char *const *params, json_t *in,
                            json_t **out, struct awserr *err);

#endif
