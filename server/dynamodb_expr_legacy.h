/* server/dynamodb_expr_legacy.h — the legacy half of dynamodb_expr.h:
 * ddbexpr_legacy_conditions(), ddbexpr_legacy_attributes_to_get() and
 * ddbexpr_legacy_attribute_updates() are defined in dynamodb_expr_legacy.c, which validates
 * Expected, QueryFilter/ScanFilter, KeyConditions, AttributesToGet and AttributeUpdates with the
 * legacy parameters' own messages and translates them into the trees the expression parser
 * builds, so one evaluator serves both.
 *
 * Threads: any. Ownership: the trees borrow attribute names (object keys) and values from the
 *   request's JSON, which must outlive them; AttributeValues are checked and normalised in
 *   place with ddbval_value_check. Errors: DDB_VALIDATION (or the value checker's own kind). */
#ifndef AWSEMU_DYNAMODB_EXPR_LEGACY_H
#define AWSEMU_DYNAMODB_EXPR_LEGACY_H

#include "server/dynamodb_expr.h"

#endif
