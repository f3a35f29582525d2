/* server/lambda_invoke.c — Invoke; see lambda_invoke.h. */
#include "server/lambda_invoke.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "handlers/invoke.h"
#include "handlers/pool.h"
#include "server/lambda.h"
#include "server/lambda_err.h"

#define LOG_MODULE "lambda"
#include "server/log.h"

#define CLIENT_CONTEXT_MAX 3583
#define LOG_TAIL_BYTES 4096

enum invocation_type { INVOKE_SYNC, INVOKE_EVENT, INVOKE_DRY_RUN };

struct sync_call {
    struct req *req;
    bool tail;
};

/* Base64 decoding of the client context; NULL when it is not valid base64. */
static char *base64_decode(struct req *req, const char *in)
{
    size_t n = strlen(in);
    if (n % 4 != 0)
        return NULL;
    unsigned char *out = req_alloc(req, n / 4 * 3 + 1);
    int len = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);
    if (len < 0)
        return NULL;
    for (size_t i = n; i > 0 && in[i - 1] == '='; i--)
        len--; /* EVP_DecodeBlock counts the padding as zero bytes */
    out[len] = '\0';
    return (char *)out;
}

static char *base64_encode(struct req *req, const char *in, size_t len)
{
    char *out = req_alloc(req, (len + 2) / 3 * 4 + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)in, (int)len);
    return out;
}

/* Runs on the engine thread: writes the invocation's outcome into the suspended request and
 * resumes it. */
static void sync_done(struct pool_invocation *inv)
{
    struct sync_call *call = inv->ctx;
    struct req *req = call->req;
    switch (inv->outcome) {
    case POOL_OK:
    case POOL_FUNCTION_ERROR:
        req->status = 200;
        req->content_type = "application/json";
        buf_free(&req->out);
        req->out = inv->result;
        inv->result = (struct buf)BUF_INIT;
        req_out_header(req, "X-Amz-Executed-Version", req_strdup(req, inv->fn->version));
        if (inv->outcome == POOL_FUNCTION_ERROR)
            req_out_header(req, "X-Amz-Function-Error", "Unhandled");
        if (call->tail && inv->log) {
            size_t len = strlen(inv->log);
            const char *tail = len > LOG_TAIL_BYTES ? inv->log + len - LOG_TAIL_BYTES : inv->log;
            req_out_header(req, "X-Amz-Log-Result", base64_encode(req, tail, strlen(tail)));
        }
        break;
    case POOL_THROTTLED:
        awserr_raise(&req->err, LAMBDA_TOO_MANY_REQUESTS, "Rate Exceeded.");
        awserr_detail_set_new(&req->err, "Reason", json_string(inv->throttle_reason));
        lambda_error_write(req);
        break;
    case POOL_FAILED:
        awserr_raise(&req->err, LAMBDA_SERVICE, "The function could not be run: %s",
                     inv->result.len ? "see the awsemu log" : "awsemu is shutting down");
        lambda_error_write(req);
        break;
    }
    pool_invocation_free(inv);
    req_resume(req);
}

static int invocation_type(struct req *req, bool legacy_async, enum invocation_type *type,
                           struct awserr *err)
{
    *type = legacy_async ? INVOKE_EVENT : INVOKE_SYNC;
    const char *h = req_header(req, "X-Amz-Invocation-Type");
    if (legacy_async || !h)
        return 0;
    if (strcmp(h, "RequestResponse") == 0)
        *type = INVOKE_SYNC;
    else if (strcmp(h, "Event") == 0)
        *type = INVOKE_EVENT;
    else if (strcmp(h, "DryRun") == 0)
        *type = INVOKE_DRY_RUN;
    else
        return lambda__invalid(err, h, "invocationType",
                               "satisfy enum value set: [Event, RequestResponse, DryRun]");
    return 0;
}

int lambda_invoke(struct req *req, const char *function_param, bool legacy_async,
                  struct awserr *err)
{
    enum invocation_type type;
    if (invocation_type(req, legacy_async, &type, err) < 0)
        return -1;
    const char *log_type = req_header(req, "X-Amz-Log-Type");
    if (log_type && strcmp(log_type, "None") != 0 && strcmp(log_type, "Tail") != 0)
        return lambda__invalid(err, log_type, "logType", "satisfy enum value set: [None, Tail]");
    bool tail = log_type && strcmp(log_type, "Tail") == 0 && type == INVOKE_SYNC;

    size_t len = req->body.len;
    if (req->body_too_large || (type != INVOKE_EVENT && len > LAMBDA_SYNC_PAYLOAD_MAX))
        return awserr_raise(err, LAMBDA_REQUEST_TOO_LARGE,
                            "Request must be smaller than %d bytes for the InvokeFunction "
                            "operation",
                            LAMBDA_SYNC_PAYLOAD_MAX);
    if (type == INVOKE_EVENT && len > LAMBDA_ASYNC_PAYLOAD_MAX)
        return awserr_raise(err, LAMBDA_REQUEST_TOO_LARGE,
                            "%zu byte payload is too large for the Event invocation type "
                            "(limit %d bytes)",
                            len, LAMBDA_ASYNC_PAYLOAD_MAX);

    const char *cc_header = req_header(req, "X-Amz-Client-Context");
    char *client_context = NULL;
    if (cc_header && *cc_header) {
        if (strlen(cc_header) > CLIENT_CONTEXT_MAX)
            return lambda__invalid(err, cc_header, "clientContext",
                                   "have length less than or equal to 3583");
        if (!(client_context = base64_decode(req, cc_header)))
            return awserr_raise(err, LAMBDA_INVALID_REQUEST_CONTENT,
                                "Client context must be a valid Base64-encoded JSON object.");
    }

    /* The payload must be JSON; an empty one is {} as Lambda delivers it. */
    const char *payload = len ? req->body.data : "{}";
    size_t payload_len = len ? len : 2;
    if (len) {
        json_error_t jerr;
        json_t *parsed = json_loadb(payload, payload_len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        if (!parsed)
            return awserr_raise(err, LAMBDA_INVALID_REQUEST_CONTENT,
                                "Could not parse request body into json: Could not parse "
                                "payload into json: %s: at line %d column %d",
                                jerr.text, jerr.line, jerr.column);
        json_decref(parsed);
    }

    struct pool_function *fn = NULL;
    json_t *invoke_config = NULL;
    if (lambda_function_load(req, function_param, req_query(req, "Qualifier"), &fn,
                             type == INVOKE_EVENT ? &invoke_config : NULL, err) < 0)
        return -1;

    if (type == INVOKE_DRY_RUN) {
        pool_function_free(fn);
        req->status = 204;
        return 0;
    }
    if (type == INVOKE_EVENT) {
        const char *q = req_query(req, "Qualifier");
        int rc = invoke_async_submit(fn, q ? q : "", payload, payload_len, req->id);
        pool_function_free(fn);
        json_decref(invoke_config);
        if (rc < 0)
            return awserr_raise(err, LAMBDA_SERVICE, "The event could not be queued.");
        req->status = 202;
        if (legacy_async) {
            req->content_type = "application/json";
            buf_adds(&req->out, "{\"Status\":202}");
        }
        return 0;
    }

    struct pool_invocation *inv = pool_invocation_new();
    memcpy(inv->request_id, req->id, sizeof inv->request_id);
    inv->fn = fn;
    inv->payload = xmalloc(payload_len + 1);
    memcpy(inv->payload, payload, payload_len);
    inv->payload[payload_len] = '\0';
    inv->payload_len = payload_len;
    inv->client_context = client_context ? xstrdup(client_context) : NULL;
    const char *q = req_query(req, "Qualifier");
    if (q && *q) {
        struct buf arn = BUF_INIT;
        buf_addf(&arn, "%s:%s", fn->arn, q);
        inv->invoked_arn = buf_take(&arn);
    }
    struct sync_call *call = req_alloc(req, sizeof *call);
    call->req = req;
    call->tail = tail;
    inv->done = sync_done;
    inv->ctx = call;
    req_defer(req, pool_invoke_job(inv));
    return 0;
}

struct pool_function *lambda_invoke_loader(const char *account, const char *region,
                                           const char *name, const char *qualifier,
                                           json_t **event_invoke_config)
{
    struct req req;
    req_init(&req, NULL);
    req.account = account;
    req.region = region;
    struct pool_function *fn = NULL;
    *event_invoke_config = NULL;
    if (lambda_function_load(&req, name, *qualifier ? qualifier : NULL, &fn,
                             event_invoke_config, &req.err) < 0)
        fn = NULL;
    req_free(&req);
    return fn;
}
