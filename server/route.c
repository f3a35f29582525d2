/* server/route.c — protocol families, services and the checks common to all operations;
 * see route.h and DESIGN "One port, many services". */
#include "server/route.h"

#include <string.h>

#include "server/admin.h"
#include "server/awsjson.h"
#include "server/dynamodb.h"
#include "server/dynamodb_err.h"
#include "server/lambda.h"
#include "server/lambda_err.h"
#include "server/sigv4.h"
#include "server/streams.h"
#include "server/writeq.h"

#define LOG_MODULE "route"
#include "server/log.h"

#define MB (1024 * 1024)

/* A JSON-RPC service: recognised by its X-Amz-Target prefix. */
struct json_service {
    const char *target_prefix;
    const char *api; /* for logs */
    const char *content_type;
    bool crc;
    size_t body_limit;
    const struct awserr_kind *serialization;
    const struct awserr_kind *too_large;
    const struct awserr_kind *internal;
    const struct route_json_op *ops;
    const size_t *n_ops;
};

static const struct json_service json_services[] = {
    {"DynamoDB_20120810", "DynamoDB", "application/x-amz-json-1.0", true, 16 * MB,
     &DDB_SERIALIZATION, &DDB_REQUEST_TOO_LARGE, &DDB_INTERNAL, ddb_operations,
     &ddb_operations_count},
    /* Streams is signed as `dynamodb` (§1.1): only the target tells the two apart. */
    {"DynamoDBStreams_20120810", "DynamoDBStreams", "application/x-amz-json-1.0", true, 16 * MB,
     &DDB_SERIALIZATION, &DDB_REQUEST_TOO_LARGE, &DDB_INTERNAL, ddbs_operations,
     &ddbs_operations_count},
};

#define DEFAULT_BODY_LIMIT (16 * MB)

static const struct json_service *json_service_find(const char *target, const char **op)
{
    const char *dot = target ? strchr(target, '.') : NULL;
    if (!dot)
        return NULL;
    size_t n = (size_t)(dot - target);
    for (size_t i = 0; i < sizeof json_services / sizeof json_services[0]; i++) {
        if (strlen(json_services[i].target_prefix) == n &&
            memcmp(json_services[i].target_prefix, target, n) == 0) {
            *op = dot + 1;
            return &json_services[i];
        }
    }
    return NULL;
}

size_t route_body_limit(const struct req *req)
{
    const char *op;
    const struct json_service *svc = json_service_find(req_header(req, "X-Amz-Target"), &op);
    if (!svc && req->path && lambda_path_is(req->path))
        return LAMBDA_BODY_LIMIT;
    return svc ? svc->body_limit : DEFAULT_BODY_LIMIT;
}

/* Sets req->region/access_key/service from the SigV4 header or presigned query. */
static int identify_caller(struct req *req, struct awserr *err)
{
    struct sigv4_scope scope;
    int found = sigv4_authorization_parse(req_header(req, "Authorization"), &scope, err);
    if (found < 0)
        return -1;
    if (!found) {
        const char *cred = req_query(req, "X-Amz-Credential");
        if (!cred)
            return 0;
        if (sigv4_credential_parse(cred, &scope, err) < 0)
            return -1;
    }
    req->access_key = req_strdup(req, scope.access_key);
    req->region = req_strdup(req, scope.region);
    req->service = req_strdup(req, scope.service);
    return 0;
}

static const struct route_json_op *json_op_find(const struct json_service *svc, const char *name)
{
    for (size_t i = 0; i < *svc->n_ops; i++)
        if (strcmp(svc->ops[i].name, name) == 0)
            return &svc->ops[i];
    return NULL;
}

/* Runs the checks every operation needs, then the operation: 0 with *out (a new reference, or
 * NULL) or -1 with req->err raised (possibly not: reply_json() then raises an internal error). */
static int run_json(struct req *req, const struct json_service *svc, const char *opname,
                    json_t **out)
{
    struct awserr *err = &req->err;
    if (req->body_too_large)
        return awserr__raise(err, svc->too_large, __FILE__, __LINE__,
                             "Request size exceeds %zu bytes", svc->body_limit);
    if (identify_caller(req, err) < 0)
        return -1;
    const struct route_json_op *op = json_op_find(svc, opname);
    if (!op || strcmp(req->method, "POST") != 0)
        return awserr_raise(err, AWSERR_UNKNOWN_OPERATION, "%s", "");
    req->operation = op->name;
    json_t *in = awsjson_parse(req->body.data, req->body.len, svc->serialization, err);
    if (!in)
        return -1;
    int rc = op->fn(req, in, out, err);
    json_decref(in);
    if (rc < 0) /* an operation that failed after route_json_then(): its state is released
                 * with the req */
        req->_then = NULL;
    return rc;
}

/* Writes the reply of an operation that returned rc with out (a new reference, or NULL). */
static void reply_json(struct req *req, const struct json_service *svc, int rc, json_t *out)
{
    struct awserr *err = &req->err;
    if (rc == 0) {
        if (out)
            awsjson_body_write(req, out);
        json_decref(out);
        awsjson_reply_write(req, svc->content_type, svc->crc);
        return;
    }
    json_decref(out);
    if (!awserr_is_set(err))
        awserr__raise(err, svc->internal, __FILE__, __LINE__, "Internal server error");
    if (req->err.kind->status >= 500)
        LOG_ERROR("%s.%s failed at %s:%d: %s", svc->api, req->operation, req->err.file,
                  req->err.line, req->err.message);
    awsjson_error_write(req, svc->content_type, svc->crc);
}

void route_json_then(struct req *req, route_json_then_fn then, void *state,
                     void (*state_free)(void *state))
{
    req->_then = then;
    req->_then_state = state;
    req->_then_free = state_free;
}

/* The reply of a write whose group failed to commit: the service's internal error. */
static void fail_json(struct req *req, const void *svc_arg)
{
    const struct json_service *svc = svc_arg;
    buf_reset(&req->out);
    req->n_out_headers = 0;
    awserr_clear(&req->err);
    awserr__raise(&req->err, svc->internal, __FILE__, __LINE__, "Internal server error");
    awsjson_error_write(req, svc->content_type, svc->crc);
}

/* The continuation of a write operation, on the write runner. */
static void run_json_then(struct req *req, const void *svc)
{
    json_t *out = NULL;
    int rc = req->_then(req, req->_then_state, &out, &req->err);
    req->_then = NULL; /* the state is released by req_free(), on the req's own worker */
    reply_json(req, svc, rc, out);
}

static void dispatch_json(struct req *req, const struct json_service *svc, const char *opname)
{
    req->api = svc->api;
    req->operation = opname;
    json_t *out = NULL;
    int rc = run_json(req, svc, opname, &out);
    if (rc == 0 && req->_then) {
        writeq_run(req, run_json_then, fail_json, svc);
        return;
    }
    reply_json(req, svc, rc, out);
}

void route_dispatch(struct req *req)
{
    if (strncmp(req->path, "/_awsemu/", 9) == 0) {
        req->api = "awsemu";
        admin_dispatch(req);
        return;
    }
    const char *op;
    const struct json_service *svc = json_service_find(req_header(req, "X-Amz-Target"), &op);
    if (svc) {
        dispatch_json(req, svc, op);
        return;
    }
    /* REST-JSON: Lambda is recognised by its path (DESIGN "One port, many services"). */
    if (lambda_path_is(req->path)) {
        req->api = "Lambda";
        if (identify_caller(req, &req->err) < 0)
            lambda_error_write(req);
        else
            lambda_dispatch(req);
        return;
    }
    /* Nothing recognised this request: answer in JSON, the family most clients here speak. */
    req->api = "unknown";
    awserr_raise(&req->err, AWSERR_UNKNOWN_OPERATION, "%s", "");
    awsjson_error_write(req, "application/x-amz-json-1.0", false);
}
