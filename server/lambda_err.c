/* server/lambda_err.c — Lambda error kinds and the REST-JSON error writer; see lambda_err.h. */
#include "server/lambda_err.h"

#include <string.h>

#include "server/awsjson.h"

#define LAMBDA_ERR_DEFINE(name, status, code) const struct awserr_kind name = {status, code, ""};
LAMBDA_ERRORS(LAMBDA_ERR_DEFINE)
#undef LAMBDA_ERR_DEFINE

void lambda_error_write(struct req *req)
{
    const struct awserr_kind *kind = req->err.kind;
    json_t *body = json_object();
    /* Modelled errors say who is at fault; the coral framework's do not (§1.5). */
    if (kind != &LAMBDA_VALIDATION && kind != &LAMBDA_UNKNOWN_OPERATION)
        json_object_set_new(body, "Type", json_string(kind->status >= 500 ? "Service" : "User"));
    /* The model spells the member `message` for some errors and `Message` for others; SDKs
     * read either, so both are sent. */
    json_object_set_new(body, "message", json_string(req->err.message));
    json_object_set_new(body, "Message", json_string(req->err.message));
    if (req->err.detail)
        json_object_update(body, req->err.detail);
    awsjson_body_write(req, body);
    json_decref(body);
    req->status = kind->status;
    req->content_type = "application/json";
    req_out_header(req, "x-amzn-ErrorType", kind->code);
}
