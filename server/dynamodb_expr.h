/* server/dynamodb_expr.h — DynamoDB's expression language: one parser and one evaluator for
 * ConditionExpression, FilterExpression, KeyConditionExpression, ProjectionExpression and
 * UpdateExpression, plus the legacy parameters (Expected, AttributeUpdates, KeyConditions,
 * QueryFilter, ScanFilter, AttributesToGet) translated into the same trees.
 *
 * Threads: any; a parsed expression belongs to the request that parsed it.
 * Ownership: ddbexpr_parse()/ddbexpr_legacy_*() return a tree the caller frees with
 *   ddbexpr_free(). The tree borrows from ctx->names/ctx->values (the request body), which
 *   must outlive it. Items passed in are borrowed; functions that build items return new
 *   references.
 * Items are DynamoDB JSON objects (attribute name → AttributeValue) that already passed
 *   ddbval_item_check (numbers canonical), or NULL for "no item".
 * Errors: every misuse DynamoDB rejects raises DDB_VALIDATION with DynamoDB's wording
 *   (shared/docs/aws-wire-reference.md §2.6), e.g.
 *   `Invalid UpdateExpression: Syntax error; token: "<tok>", near: "<ctx>"`,
 *   `Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: <w>`,
 *   `An expression attribute name used in the document path is not defined; attribute name: #x`,
 *   `Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}`. */
#ifndef AWSEMU_DYNAMODB_EXPR_H
#define AWSEMU_DYNAMODB_EXPR_H

#include <jansson.h>
#include <stdbool.h>

#include "server/awserr.h"

enum ddbexpr_kind {
    DDBEXPR_CONDITION,     /* ConditionExpression: "Invalid ConditionExpression: ..." */
    DDBEXPR_FILTER,        /* FilterExpression: same grammar, "Invalid FilterExpression: ..." */
    DDBEXPR_KEY_CONDITION, /* KeyConditionExpression */
    DDBEXPR_PROJECTION,    /* ProjectionExpression */
    DDBEXPR_UPDATE,        /* UpdateExpression */
};

/* What one request brings to all its expressions. Several expressions of one request share a
 * ctx, so that names and values used by none of them are reported (ddbexpr_ctx_finish). */
struct ddbexpr_ctx {
    json_t *names;  /* ExpressionAttributeNames, borrowed; NULL when absent */
    json_t *values; /* ExpressionAttributeValues, borrowed and already checked with
                       ddbval_value_check (numbers canonical); NULL when absent */
    void *_used;    /* internal bookkeeping; zero-initialise the struct */
};

struct ddbexpr;

/* Checks ExpressionAttributeNames/Values themselves (non-empty when present, values valid
 * AttributeValues: "ExpressionAttributeValues contains invalid value: <reason> for key :v",
 * names/values keys start with '#'/':') and fills ctx. Call before parsing. */
int ddbexpr_ctx_init(struct ddbexpr_ctx *ctx, json_t *names, json_t *values,
                     struct awserr *err);

/* After parsing every expression of the request: names or values that none used raise
 * "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}" (and
 * the same for values). Also frees ctx's bookkeeping; call it on every path (err may be
 * NULL to only free). */
int ddbexpr_ctx_finish(struct ddbexpr_ctx *ctx, struct awserr *err);

/* Parses text as an expression of the given kind. Empty text is an error ("Invalid
 * <Kind>Expression: The expression can not be empty;"). Limits: 4 KB of text, 300
 * operators in an update, 100 IN operands, 32 levels of nesting. */
int ddbexpr_parse(const char *text, enum ddbexpr_kind kind, struct ddbexpr_ctx *ctx,
                  struct ddbexpr **out, struct awserr *err);
void ddbexpr_free(struct ddbexpr *e);

/* Evaluates a CONDITION, FILTER (or KEY_CONDITION) tree against an item (NULL = no item).
 * Returns 1 true, 0 false. Comparisons of different types are false, functions on wrong
 * types are false; only DynamoDB's evaluation-time errors return -1 with *err raised. */
int ddbexpr_eval(const struct ddbexpr *e, const json_t *item, struct awserr *err);

/* PROJECTION: a new item holding only the projected paths that exist in item (nested maps
 * and lists keep only the projected parts; list elements keep their relative order). */
json_t *ddbexpr_project(const struct ddbexpr *e, const json_t *item);

/* UPDATE: refuses an update that touches a key attribute ("One or more parameter values
 * were invalid: Cannot update attribute pk. This attribute is part of the key"). range may
 * be NULL. */
int ddbexpr_update_check_keys(const struct ddbexpr *e, const char *hash, const char *range,
                              struct awserr *err);

/* UPDATE: applies SET/REMOVE/ADD/DELETE to item in place (item is the caller's own copy; for
 * an absent item pass an object holding just the key). Arithmetic is exact decimal; results
 * over 38 significant digits or out of range raise DynamoDB's number errors. Errors such as
 * "The provided expression refers to an attribute that does not exist in the item",
 * "The document path provided in the update expression is invalid for update",
 * "An operand in the update expression has an incorrect data type" raise DDB_VALIDATION and
 * leave item in an unspecified state (the caller discards it). */
int ddbexpr_update_apply(const struct ddbexpr *e, json_t *item, struct awserr *err);

/* UPDATE: the parts of item at the paths the update names (for UPDATED_OLD / UPDATED_NEW),
 * as a new item; REMOVEd paths are included when present in item. */
json_t *ddbexpr_update_project(const struct ddbexpr *e, const json_t *item);

/* KEY_CONDITION: what Query needs from a key condition on a table or index whose key is
 * (hash, range) (range NULL when there is none). Raises DynamoDB's messages for conditions
 * that are not a key condition: "Query condition missed key schema element: pk",
 * "Query key condition not supported", conditions on non-key attributes, begins_with on a
 * number, and so on. Values are borrowed from ctx->values. */
enum ddbexpr_sk_op {
    DDBEXPR_SK_NONE,
    DDBEXPR_SK_EQ,
    DDBEXPR_SK_LT,
    DDBEXPR_SK_LE,
    DDBEXPR_SK_GT,
    DDBEXPR_SK_GE,
    DDBEXPR_SK_BETWEEN,
    DDBEXPR_SK_BEGINS_WITH,
};
struct ddbexpr_keycond {
    const json_t *hash_value; /* AttributeValue */
    enum ddbexpr_sk_op sk_op;
    const json_t *sk_value1, *sk_value2; /* AttributeValues; value2 only for BETWEEN */
};
int ddbexpr_keycond_extract(const struct ddbexpr *e, const char *hash, const char *range,
                            struct ddbexpr_keycond *out, struct awserr *err);

/* Paths named at the top level of an expression: calls fn for each distinct top-level
 * attribute name it reads or writes (after #name substitution). Used to refuse filters on key
 * attributes in Query and to check index projections. */
typedef void (*ddbexpr_name_cb)(const char *name, void *arg);
void ddbexpr_top_names(const struct ddbexpr *e, ddbexpr_name_cb fn, void *arg);
/* The same for the attributes some path goes below (a.b, a[0]): DynamoDB refuses such paths
 * on key attributes. */
void ddbexpr_nested_names(const struct ddbexpr *e, ddbexpr_name_cb fn, void *arg);

/* Legacy parameters, translated into trees of the same kinds:
 * - Expected (+ ConditionalOperator AND/OR) → CONDITION,
 * - QueryFilter/ScanFilter (+ ConditionalOperator) → FILTER,
 * - KeyConditions → KEY_CONDITION,
 * - AttributesToGet → PROJECTION,
 * - AttributeUpdates ({name: {Action PUT|ADD|DELETE, Value}}) → UPDATE.
 * Each raises the legacy parameters' own validation messages (ComparisonOperator and
 * AttributeValueList arity/type rules). Mixing a legacy parameter with its expression
 * counterpart is the caller's check ("Can not use both expression and non-expression
 * parameters in the same request: Non-expression parameters: {Expected} Expression
 * parameters: {ConditionExpression}"). */
int ddbexpr_legacy_conditions(json_t *conditions, const char *conditional_operator,
                              enum ddbexpr_kind kind, struct ddbexpr **out, struct awserr *err);
int ddbexpr_legacy_attributes_to_get(json_t *names, struct ddbexpr **out, struct awserr *err);
int ddbexpr_legacy_attribute_updates(json_t *updates, struct ddbexpr **out, struct awserr *err);

/* Compares two AttributeValues of the same scalar type (S, N, B) in DynamoDB's order: S and
 * B by bytes (B decoded), N numerically. Returns <0, 0, >0; -2 when the types differ or are
 * not scalar. */
int ddbexpr_value_compare(const json_t *a, const json_t *b);

#endif
