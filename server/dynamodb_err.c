/* server/dynamodb_err.c — DynamoDB error kinds; see dynamodb_err.h. */
#include "server/dynamodb_err.h"

#define DDB_ERR_DEFINE(name, status, code, ns) const struct awserr_kind name = {status, code, ns};
DDB_ERRORS(DDB_ERR_DEFINE)
#undef DDB_ERR_DEFINE
