/* server/dynamodb_err.h — the AWS error kinds of DynamoDB and DynamoDB Streams, declared once.
 * Statuses and namespaces are the ones DynamoDB puts on the wire (shared/docs §1.5, §2.7):
 * validation errors come from the coral framework, modelled errors from the service model. */
#ifndef AWSEMU_DYNAMODB_ERR_H
#define AWSEMU_DYNAMODB_ERR_H

#include "server/awserr.h"

#define DDB_NS_MODEL "com.amazonaws.dynamodb.v20120810"
#define DDB_NS_VALIDATE "com.amazon.coral.validate"
#define DDB_NS_SERVICE "com.amazon.coral.service"

/* X(constant, status, code, namespace) */
#define DDB_ERRORS(X)                                                                      \
    X(DDB_VALIDATION, 400, "ValidationException", DDB_NS_VALIDATE)                         \
    X(DDB_SERIALIZATION, 400, "SerializationException", DDB_NS_SERVICE)                    \
    X(DDB_RESOURCE_NOT_FOUND, 400, "ResourceNotFoundException", DDB_NS_MODEL)              \
    X(DDB_RESOURCE_IN_USE, 400, "ResourceInUseException", DDB_NS_MODEL)                    \
    X(DDB_CONDITIONAL_CHECK_FAILED, 400, "ConditionalCheckFailedException", DDB_NS_MODEL)  \
    X(DDB_LIMIT_EXCEEDED, 400, "LimitExceededException", DDB_NS_MODEL)                     \
    X(DDB_REQUEST_TOO_LARGE, 413, "RequestEntityTooLarge", DDB_NS_SERVICE)                 \
    X(DDB_INTERNAL, 500, "InternalServerError", DDB_NS_MODEL)                              \
    X(DDBS_EXPIRED_ITERATOR, 400, "ExpiredIteratorException", DDB_NS_MODEL)                \
    X(DDBS_TRIMMED_DATA, 400, "TrimmedDataAccessException", DDB_NS_MODEL)

#define DDB_ERR_DECLARE(name, status, code, ns) extern const struct awserr_kind name;
DDB_ERRORS(DDB_ERR_DECLARE)
#undef DDB_ERR_DECLARE

#endif
