/* server/lambda_err.h — the AWS error kinds of Lambda (control plane and Invoke), declared
 * once, and the REST-JSON error writer every Lambda reply goes through.
 * Statuses are the model's (error.httpStatusCode, shared/docs §1.5, §4); they differ from
 * DynamoDB's (ResourceNotFoundException is 404 here).
 * Threads: lambda_error_write() may run on any thread that owns the req at that moment (an
 *   HTTP worker, or the engine finishing a deferred Invoke). */
#ifndef AWSEMU_LAMBDA_ERR_H
#define AWSEMU_LAMBDA_ERR_H

#include "server/awserr.h"
#include "server/req.h"

/* X(constant, status, code) */
#define LAMBDA_ERRORS(X)                                                                   \
    X(LAMBDA_VALIDATION, 400, "ValidationException")                                       \
    X(LAMBDA_INVALID_PARAMETER, 400, "InvalidParameterValueException")                     \
    X(LAMBDA_INVALID_REQUEST_CONTENT, 400, "InvalidRequestContentException")               \
    X(LAMBDA_POLICY_TOO_LONG, 400, "PolicyLengthExceededException")                        \
    X(LAMBDA_ACCESS_DENIED, 403, "AccessDeniedException")                                  \
    X(LAMBDA_RESOURCE_NOT_FOUND, 404, "ResourceNotFoundException")                         \
    X(LAMBDA_UNKNOWN_OPERATION, 404, "UnknownOperationException")                          \
    X(LAMBDA_RESOURCE_CONFLICT, 409, "ResourceConflictException")                          \
    X(LAMBDA_PRECONDITION_FAILED, 412, "PreconditionFailedException")                      \
    X(LAMBDA_REQUEST_TOO_LARGE, 413, "RequestEntityTooLargeException")                     \
    X(LAMBDA_PAYLOAD_TOO_LARGE, 413, "RequestTooLargeException")                           \
    X(LAMBDA_UNSUPPORTED_MEDIA_TYPE, 415, "UnsupportedMediaTypeException")                 \
    X(LAMBDA_TOO_MANY_REQUESTS, 429, "TooManyRequestsException")                           \
    X(LAMBDA_SERVICE, 500, "ServiceException")                                             \
    X(LAMBDA_INVALID_RUNTIME, 502, "InvalidRuntimeException")                              \
    X(LAMBDA_INVALID_ZIP, 502, "InvalidZipFileException")                                  \
    X(LAMBDA_RESOURCE_NOT_READY, 502, "ResourceNotReadyException")                         \
    X(LAMBDA_UNRESPONSIVE, 502, "EC2UnexpectedException")

#define LAMBDA_ERR_DECLARE(name, status, code) extern const struct awserr_kind name;
LAMBDA_ERRORS(LAMBDA_ERR_DECLARE)
#undef LAMBDA_ERR_DECLARE

/* Writes req->err (raised) as Lambda's REST-JSON error reply: the kind's status, header
 * `x-amzn-ErrorType: <code>`, Content-Type application/json and the body
 * {"Type": "User"|"Service", "message": m, "Message": m} plus the error's detail members
 * (e.g. TooManyRequestsException's "Reason", set with awserr_detail_set_new). Framework
 * errors (ValidationException, UnknownOperationException) carry no "Type", as AWS's don't.
 * Replaces whatever body req->out held. */
void lambda_error_write(struct req *req);

#endif
