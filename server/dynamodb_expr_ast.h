/* server/dynamodb_expr_ast.h — the parsed form of DynamoDB expressions, shared by the parser
 * (dynamodb_expr_parse.c), the legacy translations (dynamodb_expr_legacy.c) and the evaluator
 * (dynamodb_expr.c). Private to those three files.
 *
 * Ownership: every node, path and array of a tree lives in the tree's arena and dies with
 *   ddbexpr_free(). Names point into the tree's copy of the text, into ExpressionAttributeNames
 *   or into legacy parameter keys; values point into ExpressionAttributeValues or legacy
 *   AttributeValueLists. Those JSON documents belong to the request and outlive the tree.
 * Shape: AND/OR nodes are n-ary, so a long chain of conditions is one node and walking a tree
 *   recurses only as deep as its parentheses, NOTs and nested functions (DDBEXPR__MAX_DEPTH). */
#ifndef AWSEMU_DYNAMODB_EXPR_AST_H
#define AWSEMU_DYNAMODB_EXPR_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/dynamodb_expr.h"

#define DDBEXPR__MAX_TEXT 4096
#define DDBEXPR__MAX_DEPTH 32
#define DDBEXPR__MAX_IN 100
#define DDBEXPR__MAX_OPERATORS 300

/* One step of a document path: an attribute or map key, or a list index. */
struct ddbexpr__step {
    const char *name; /* NULL for an index */
    size_t len;
    uint32_t index;
    bool is_index;
    bool undefined; /* a #name ExpressionAttributeNames lacks: name is the "#x" as written */
};

struct ddbexpr__path {
    struct ddbexpr__step *steps;
    int n;
};

enum ddbexpr__op {
    DDBEXPR__PATH,
    DDBEXPR__VALUE,
    DDBEXPR__CALL,
    DDBEXPR__EQ,
    DDBEXPR__NE,
    DDBEXPR__LT,
    DDBEXPR__LE,
    DDBEXPR__GT,
    DDBEXPR__GE,
    DDBEXPR__BETWEEN,
    DDBEXPR__IN,
    DDBEXPR__AND,
    DDBEXPR__OR,
    DDBEXPR__NOT,
    DDBEXPR__PLUS,
    DDBEXPR__MINUS,
};

enum ddbexpr__fn {
    DDBEXPR__FN_UNKNOWN,
    DDBEXPR__FN_ATTRIBUTE_EXISTS,
    DDBEXPR__FN_ATTRIBUTE_NOT_EXISTS,
    DDBEXPR__FN_ATTRIBUTE_TYPE,
    DDBEXPR__FN_BEGINS_WITH,
    DDBEXPR__FN_CONTAINS,
    DDBEXPR__FN_SIZE,
    DDBEXPR__FN_IF_NOT_EXISTS,
    DDBEXPR__FN_LIST_APPEND,
};

struct ddbexpr__node {
    enum ddbexpr__op op;
    enum ddbexpr__fn fn;         /* CALL */
    const char *text;            /* CALL: the function name; VALUE: ":v"; as written */
    size_t text_len;
    struct ddbexpr__path path;   /* PATH */
    const json_t *value;         /* VALUE: NULL when ":v" is not defined (already reported) */
    struct ddbexpr__node **args; /* operands, in order */
    int nargs;
    bool parens;                 /* written inside its own parentheses */
};

enum ddbexpr__action_kind { DDBEXPR__SET, DDBEXPR__REMOVE, DDBEXPR__ADD, DDBEXPR__DELETE };

struct ddbexpr__action {
    enum ddbexpr__action_kind kind;
    struct ddbexpr__path path;
    struct ddbexpr__node *value; /* SET: the value tree; ADD/DELETE: a VALUE node; REMOVE: NULL */
};

/* One condition of a key condition, as Query needs it: `name op v1 [AND v2]`. */
struct ddbexpr__keypart {
    const char *name;
    size_t len;
    enum ddbexpr_sk_op op; /* DDBEXPR_SK_NONE: a legacy operator no index can serve */
    const json_t *v1, *v2;
};

struct ddbexpr__blk; /* arena block */

struct ddbexpr {
    enum ddbexpr_kind kind;
    bool legacy;                   /* built from legacy parameters: their semantics and wording */
    struct ddbexpr__blk *arena;
    char *text;                    /* the expression text, NUL-terminated, owned */
    struct ddbexpr__node *root;    /* CONDITION, FILTER, KEY_CONDITION; NULL = always true */
    struct ddbexpr__path *paths;   /* PROJECTION */
    int npaths;
    struct ddbexpr__action *actions; /* UPDATE, in the order written */
    int nactions;
    struct ddbexpr__keypart keyparts[2]; /* KEY_CONDITION */
    int nkeyparts;
};

/* Arena (dynamodb_expr.c): zeroed memory that lives as long as e. */
struct ddbexpr *ddbexpr__new(enum ddbexpr_kind kind);
void *ddbexpr__alloc(struct ddbexpr *e, size_t size);
void *ddbexpr__dup(struct ddbexpr *e, const void *src, size_t size);
struct ddbexpr__node *ddbexpr__node_new(struct ddbexpr *e, enum ddbexpr__op op);

/* The type member of an AttributeValue ("S", "NS", "M", ...) and its value, or NULL. */
const char *ddbexpr__av_type(const json_t *av, json_t **member);

#endif
