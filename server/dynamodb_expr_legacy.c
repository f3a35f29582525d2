/* server/dynamodb_expr_legacy.c — legacy conditional and update parameters translated into
 * expression trees; see dynamodb_expr_legacy.h.
 *
 * Mapping (DynamoDB developer guide, "Legacy conditional parameters"):
 *   Expected {Value}                 → a = :v
 *   Expected {Exists:false}          → attribute_not_exists(a)
 *   EQ NE LE LT GE GT                → a op :v
 *   NOT_NULL / NULL                  → attribute_exists(a) / attribute_not_exists(a)
 *   CONTAINS / NOT_CONTAINS          → contains(a, :v) / NOT contains(a, :v)
 *   BEGINS_WITH                      → begins_with(a, :v)
 *   IN / BETWEEN                     → a IN (:v1, ..) / a BETWEEN :v1 AND :v2
 *   ConditionalOperator AND|OR       → one n-ary AND|OR node over the conditions
 *   AttributeUpdates PUT / ADD / DELETE (with a value) / DELETE (without) → SET / ADD / DELETE /
 *   REMOVE; ADD also appends lists there, so the tree is marked legacy.
 * Messages are the legacy parameters' own (recorded suites: dynalite's tests). */
#include "server/dynamodb_expr_legacy.h"

#include <string.h>

#include "server/buf.h"
#include "server/dynamodb_err.h"
#include "server/dynamodb_expr_ast.h"
#include "server/dynamodb_value.h"

#define INVALID "One or more parameter values were invalid: "

enum arity { ARITY_NONE, ARITY_ONE, ARITY_TWO, ARITY_SOME };

/* Which value types an operator accepts: any, scalars (S N B), or strings and binaries. */
enum accepts { ACCEPT_ANY, ACCEPT_SCALAR, ACCEPT_S_B };

struct legacy_op {
    const char *name;
    enum arity arity;
    enum accepts accepts;
    enum ddbexpr__op op;   /* comparisons; DDBEXPR__CALL for functions */
    enum ddbexpr__fn fn;
    bool negate;           /* NOT_CONTAINS */
    enum ddbexpr_sk_op sk; /* as a key condition; DDBEXPR_SK_NONE if no index can serve it */
};

static const struct legacy_op OPS[] = {
    {"EQ", ARITY_ONE, ACCEPT_ANY, DDBEXPR__EQ, 0, false, DDBEXPR_SK_EQ},
    {"NE", ARITY_ONE, ACCEPT_ANY, DDBEXPR__NE, 0, false, DDBEXPR_SK_NONE},
    {"LE", ARITY_ONE, ACCEPT_SCALAR, DDBEXPR__LE, 0, false, DDBEXPR_SK_LE},
    {"LT", ARITY_ONE, ACCEPT_SCALAR, DDBEXPR__LT, 0, false, DDBEXPR_SK_LT},
    {"GE", ARITY_ONE, ACCEPT_SCALAR, DDBEXPR__GE, 0, false, DDBEXPR_SK_GE},
    {"GT", ARITY_ONE, ACCEPT_SCALAR, DDBEXPR__GT, 0, false, DDBEXPR_SK_GT},
    {"NOT_NULL", ARITY_NONE, ACCEPT_ANY, DDBEXPR__CALL, DDBEXPR__FN_ATTRIBUTE_EXISTS, false,
     DDBEXPR_SK_NONE},
    {"NULL", ARITY_NONE, ACCEPT_ANY, DDBEXPR__CALL, DDBEXPR__FN_ATTRIBUTE_NOT_EXISTS, false,
     DDBEXPR_SK_NONE},
    {"CONTAINS", ARITY_ONE, ACCEPT_SCALAR, DDBEXPR__CALL, DDBEXPR__FN_CONTAINS, false,
     DDBEXPR_SK_NONE},
    {"NOT_CONTAINS", ARITY_ONE, ACCEPT_SCALAR, DDBEXPR__CALL, DDBEXPR__FN_CONTAINS, true,
     DDBEXPR_SK_NONE},
    {"BEGINS_WITH", ARITY_ONE, ACCEPT_S_B, DDBEXPR__CALL, DDBEXPR__FN_BEGINS_WITH, false,
     DDBEXPR_SK_BEGINS_WITH},
    {"IN", ARITY_SOME, ACCEPT_SCALAR, DDBEXPR__IN, 0, false, DDBEXPR_SK_NONE},
    {"BETWEEN", ARITY_TWO, ACCEPT_SCALAR, DDBEXPR__BETWEEN, 0, false, DDBEXPR_SK_BETWEEN},
};

#define OP_ENUM "[IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, " \
                "GE, CONTAINS]"

static const struct legacy_op *op_lookup(const json_t *name)
{
    for (size_t i = 0; json_is_string(name) && i < sizeof OPS / sizeof OPS[0]; i++)
        if (strcmp(OPS[i].name, json_string_value(name)) == 0)
            return &OPS[i];
    return NULL;
}

/* One legacy condition on the way to a node. */
struct cond {
    const char *attr;
    size_t attr_len;
    json_t *spec;
    enum ddbexpr_kind kind;
    const struct legacy_op *op;
    json_t *values[2]; /* the single Value, or an AttributeValueList */
    json_t *list;
};

static bool arity_ok(enum arity a, size_t n)
{
    switch (a) {
    case ARITY_NONE:
        return n == 0;
    case ARITY_ONE:
        return n == 1;
    case ARITY_TWO:
        return n == 2;
    default:
        return n >= 1;
    }
}

static bool accepts(enum accepts a, const char *t)
{
    if (a == ACCEPT_ANY)
        return true;
    if (a == ACCEPT_S_B)
        return !strcmp(t, "S") || !strcmp(t, "B");
    return !strcmp(t, "S") || !strcmp(t, "N") || !strcmp(t, "B");
}

static size_t cond_nvalues(const struct cond *c)
{
    return c->list ? json_array_size(c->list) : c->values[0] ? 1 : 0;
}

static json_t *cond_value(const struct cond *c, size_t i)
{
    return c->list ? json_array_get(c->list, i) : c->values[0];
}

/* The values exist, are valid AttributeValues, their number and types suit the operator. */
static int check_values(struct cond *c, struct awserr *err)
{
    size_t n = cond_nvalues(c);
    if (c->list && !json_is_array(c->list))
        return awserr_raise(err, DDB_SERIALIZATION, "Unexpected field type");
    for (size_t i = 0; i < n; i++)
        if (ddbval_value_check(cond_value(c, i), 1, err) != 0)
            return -1;
    if (!arity_ok(c->op->arity, n))
        return c->kind == DDBEXPR_KEY_CONDITION
                   ? awserr_raise(err, DDB_VALIDATION, "The attempted filter operation is not "
                                                       "supported for the provided filter "
                                                       "argument count")
                   : awserr_raise(err, DDB_VALIDATION, INVALID "Invalid number of argument(s) "
                                                       "for the %s ComparisonOperator",
                                  c->op->name);
    for (size_t i = 0; i < n; i++) {
        const char *t = ddbexpr__av_type(cond_value(c, i), NULL);
        if (!accepts(c->op->accepts, t))
            return awserr_raise(err, DDB_VALIDATION, INVALID "ComparisonOperator %s is not valid "
                                                     "for %s AttributeValue type",
                                c->op->name, t);
    }
    return 0;
}

/* Expected without a ComparisonOperator: Value and Exists. */
static int check_exists_form(struct cond *c, struct awserr *err)
{
    json_t *exists = json_object_get(c->spec, "Exists");
    bool want_exists = !json_is_false(exists);
    if (json_object_get(c->spec, "AttributeValueList"))
        return awserr_raise(err, DDB_VALIDATION, INVALID "AttributeValueList can only be used "
                                                 "with a ComparisonOperator for Attribute: %s",
                            c->attr);
    if (want_exists && !c->values[0])
        return awserr_raise(err, DDB_VALIDATION, INVALID "Value must be provided when Exists is "
                                                 "%s for Attribute: %s",
                            exists && !json_is_null(exists) ? "true" : "null", c->attr);
    if (!want_exists && c->values[0])
        return awserr_raise(err, DDB_VALIDATION, INVALID "Value cannot be used when Exists is "
                                                 "false for Attribute: %s", c->attr);
    c->op = want_exists ? &OPS[0] : &OPS[7]; /* EQ, NULL */
    return c->values[0] ? ddbval_value_check(c->values[0], 1, err) : 0;
}

static int cond_check(struct cond *c, struct awserr *err)
{
    json_t *op = json_object_get(c->spec, "ComparisonOperator");
    if (!json_is_object(c->spec))
        return awserr_raise(err, DDB_SERIALIZATION, "Unexpected field type");
    c->values[0] = c->kind == DDBEXPR_CONDITION ? json_object_get(c->spec, "Value") : NULL;
    c->list = json_object_get(c->spec, "AttributeValueList");
    if (json_is_null(c->values[0]))
        c->values[0] = NULL;
    if (json_is_null(c->list))
        c->list = NULL;
    if (!op || json_is_null(op)) {
        if (c->kind == DDBEXPR_CONDITION)
            return check_exists_form(c, err);
        return awserr_raise(err, DDB_VALIDATION, "1 validation error detected: Value null at "
                                                 "'comparisonOperator' failed to satisfy "
                                                 "constraint: Member must not be null");
    }
    if (c->kind == DDBEXPR_CONDITION && json_object_get(c->spec, "Exists"))
        return awserr_raise(err, DDB_VALIDATION, INVALID "Exists and ComparisonOperator cannot be "
                                                 "used together for Attribute: %s", c->attr);
    if (c->values[0] && c->list)
        return awserr_raise(err, DDB_VALIDATION, INVALID "Value and AttributeValueList cannot be "
                                                 "used together for Attribute: %s", c->attr);
    if (!(c->op = op_lookup(op)))
        return awserr_raise(err, DDB_VALIDATION, "1 validation error detected: Value '%s' at "
                                                 "'comparisonOperator' failed to satisfy "
                                                 "constraint: Member must satisfy enum value set: "
                                                 OP_ENUM, json_is_string(op) ? json_string_value(op)
                                                                            : "");
    return check_values(c, err);
}

static struct ddbexpr__node *attr_node(struct ddbexpr *e, const char *name, size_t len)
{
    struct ddbexpr__node *n = ddbexpr__node_new(e, DDBEXPR__PATH);
    n->path.steps = ddbexpr__alloc(e, sizeof *n->path.steps);
    n->path.steps[0].name = name;
    n->path.steps[0].len = len;
    n->path.n = 1;
    return n;
}

static struct ddbexpr__node *value_node(struct ddbexpr *e, const json_t *av)
{
    struct ddbexpr__node *n = ddbexpr__node_new(e, DDBEXPR__VALUE);
    n->value = av;
    return n;
}

static struct ddbexpr__node *cond_node(struct ddbexpr *e, const struct cond *c)
{
    size_t n = cond_nvalues(c);
    struct ddbexpr__node *node = ddbexpr__node_new(e, c->op->op);
    node->fn = c->op->fn;
    node->nargs = (int)n + 1;
    node->args = ddbexpr__alloc(e, (n + 1) * sizeof *node->args);
    node->args[0] = attr_node(e, c->attr, c->attr_len);
    for (size_t i = 0; i < n; i++)
        node->args[i + 1] = value_node(e, cond_value(c, i));
    if (!c->op->negate)
        return node;
    struct ddbexpr__node *not = ddbexpr__node_new(e, DDBEXPR__NOT);
    not->args = ddbexpr__alloc(e, sizeof *not->args);
    not->args[0] = node;
    not->nargs = 1;
    return not;
}

static void keypart_add(struct ddbexpr *e, const struct cond *c)
{
    struct ddbexpr__keypart *kp = &e->keyparts[e->nkeyparts++];
    kp->name = c->attr;
    kp->len = c->attr_len;
    kp->op = c->op->sk;
    kp->v1 = cond_nvalues(c) > 0 ? cond_value(c, 0) : NULL;
    kp->v2 = cond_nvalues(c) > 1 ? cond_value(c, 1) : NULL;
}

static int conditional_operator(const char *s, enum ddbexpr__op *op, struct awserr *err)
{
    *op = DDBEXPR__AND;
    if (!s || strcmp(s, "AND") == 0)
        return 0;
    if (strcmp(s, "OR") == 0) {
        *op = DDBEXPR__OR;
        return 0;
    }
    return awserr_raise(err, DDB_VALIDATION, "1 validation error detected: Value '%s' at "
                                             "'conditionalOperator' failed to satisfy constraint: "
                                             "Member must satisfy enum value set: [OR, AND]", s);
}

/* Checks each condition and gathers their nodes into nodes (a buf of node pointers). */
static int conditions_translate(struct ddbexpr *e, json_t *conditions, struct buf *nodes,
                                struct awserr *err)
{
    const char *attr;
    size_t len;
    json_t *spec;
    json_object_keylen_foreach(conditions, attr, len, spec) {
        struct cond c = {.attr = attr, .attr_len = len, .spec = spec, .kind = e->kind};
        if (cond_check(&c, err) != 0)
            return -1;
        struct ddbexpr__node *n = cond_node(e, &c);
        buf_add(nodes, &n, sizeof n);
        if (e->kind == DDBEXPR_KEY_CONDITION)
            keypart_add(e, &c);
    }
    return 0;
}

int ddbexpr_legacy_conditions(json_t *conditions, const char *conditional_operator_s,
                              enum ddbexpr_kind kind, struct ddbexpr **out, struct awserr *err)
{
    enum ddbexpr__op join;
    struct buf nodes = BUF_INIT;
    *out = NULL;
    if (!json_is_object(conditions))
        return awserr_raise(err, DDB_SERIALIZATION, "Unexpected field type");
    if (conditional_operator(conditional_operator_s, &join, err) != 0)
        return -1;
    if (kind == DDBEXPR_KEY_CONDITION && json_object_size(conditions) > 2)
        return awserr_raise(err, DDB_VALIDATION, "Conditions can be of length 1 or 2 only");
    struct ddbexpr *e = ddbexpr__new(kind);
    e->legacy = true;
    if (conditions_translate(e, conditions, &nodes, err) != 0) {
        buf_free(&nodes);
        ddbexpr_free(e);
        return -1;
    }
    size_t n = nodes.len / sizeof(struct ddbexpr__node *);
    if (n == 1) {
        e->root = *(struct ddbexpr__node **)nodes.data;
    } else if (n > 1) {
        e->root = ddbexpr__node_new(e, kind == DDBEXPR_KEY_CONDITION ? DDBEXPR__AND : join);
        e->root->args = ddbexpr__dup(e, nodes.data, nodes.len);
        e->root->nargs = (int)n;
    }
    buf_free(&nodes);
    *out = e;
    return 0;
}

int ddbexpr_legacy_attributes_to_get(json_t *names, struct ddbexpr **out, struct awserr *err)
{
    size_t i, n = json_array_size(names);
    json_t *name;
    *out = NULL;
    if (!json_is_array(names))
        return awserr_raise(err, DDB_SERIALIZATION, "Unexpected field type");
    if (n == 0)
        return awserr_raise(err, DDB_VALIDATION, "1 validation error detected: Value '[]' at "
                                                 "'attributesToGet' failed to satisfy constraint: "
                                                 "Member must have length greater than or equal "
                                                 "to 1");
    json_array_foreach(names, i, name) {
        if (!json_is_string(name))
            return awserr_raise(err, DDB_SERIALIZATION, "Unexpected field type");
        for (size_t j = 0; j < i; j++)
            if (json_equal(name, json_array_get(names, j)))
                return awserr_raise(err, DDB_VALIDATION, INVALID "Duplicate value in attribute "
                                                         "name: %s", json_string_value(name));
    }
    struct ddbexpr *e = ddbexpr__new(DDBEXPR_PROJECTION);
    e->legacy = true;
    e->npaths = (int)n;
    e->paths = ddbexpr__alloc(e, n * sizeof *e->paths);
    json_array_foreach(names, i, name) {
        struct ddbexpr__node *path = attr_node(e, json_string_value(name),
                                               json_string_length(name));
        e->paths[i] = path->path;
    }
    *out = e;
    return 0;
}

/* One AttributeUpdates entry checked and turned into an action. */
static int update_translate(struct ddbexpr *e, const char *attr, size_t len, json_t *spec,
                            struct ddbexpr__action *a, struct awserr *err)
{
    json_t *action = json_object_get(spec, "Action"), *value = json_object_get(spec, "Value");
    const char *act = json_is_string(action) ? json_string_value(action) : "PUT";
    if (!json_is_object(spec))
        return awserr_raise(err, DDB_SERIALIZATION, "Unexpected field type");
    if (strcmp(act, "PUT") && strcmp(act, "ADD") && strcmp(act, "DELETE"))
        return awserr_raise(err, DDB_VALIDATION, "1 validation error detected: Value '%s' at "
                                                 "'attributeUpdates.%s.member.action' failed to "
                                                 "satisfy constraint: Member must satisfy enum "
                                                 "value set: [ADD, PUT, DELETE]", act, attr);
    if (json_is_null(value))
        value = NULL;
    if (value && ddbval_value_check(value, 1, err) != 0)
        return -1;
    const char *t = value ? ddbexpr__av_type(value, NULL) : NULL;
    bool set = t && t[0] && t[1] == 'S';
    if (!value && strcmp(act, "DELETE") != 0)
        return awserr_raise(err, DDB_VALIDATION, INVALID "Only DELETE action is allowed when no "
                                                 "attribute value is specified");
    if (!strcmp(act, "ADD") && !set && strcmp(t, "N") != 0 && strcmp(t, "L") != 0)
        return awserr_raise(err, DDB_VALIDATION, INVALID "ADD action is not supported for the "
                                                 "type %s", t);
    if (!strcmp(act, "DELETE") && value && !set)
        return awserr_raise(err, DDB_VALIDATION, INVALID "DELETE action with value is not "
                                                 "supported for the type %s", t);
    a->path = attr_node(e, attr, len)->path;
    a->kind = !strcmp(act, "PUT")   ? DDBEXPR__SET
              : !strcmp(act, "ADD") ? DDBEXPR__ADD
              : value               ? DDBEXPR__DELETE
                                    : DDBEXPR__REMOVE;
    a->value = value ? value_node(e, value) : NULL;
    return 0;
}

int ddbexpr_legacy_attribute_updates(json_t *updates, struct ddbexpr **out, struct awserr *err)
{
    const char *attr;
    size_t len, i = 0;
    json_t *spec;
    *out = NULL;
    if (!json_is_object(updates))
        return awserr_raise(err, DDB_SERIALIZATION, "Unexpected field type");
    struct ddbexpr *e = ddbexpr__new(DDBEXPR_UPDATE);
    e->legacy = true;
    e->actions = ddbexpr__alloc(e, (json_object_size(updates) + 1) * sizeof *e->actions);
    json_object_keylen_foreach(updates, attr, len, spec) {
        if (update_translate(e, attr, len, spec, &e->actions[i++], err) != 0) {
            ddbexpr_free(e);
            return -1;
        }
    }
    e->nactions = (int)i;
    *out = e;
    return 0;
}
