/* tests/unit/test_dynamodb_expr.c — DynamoDB's expression language (server/dynamodb_expr*.c):
 * evaluation of conditions on a sample item, invalid expressions with DynamoDB's exact
 * messages, update semantics, projections, key-condition extraction and the legacy
 * parameters. Table-driven: a failing row prints its input beside the expected and actual
 * results, and every table runs to the end before the test fails.
 * Sources of the expected wording: shared/docs/aws-wire-reference.md §2.6, and AWS-recorded
 * suites (dynalite's tests, moto's test_dynamodb_update_expressions.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/buf.h"
#include "server/dynamodb_err.h"
#include "server/dynamodb_expr.h"
#include "server/dynamodb_expr_parse.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define BAD_PATH "The document path provided in the update expression is invalid for update"
#define BAD_OPERAND "An operand in the update expression has an incorrect data type"
#define NO_ATTR "The provided expression refers to an attribute that does not exist in the item"
#define COND DDBEXPR_CONDITION
#define FILTER DDBEXPR_FILTER
#define KEY DDBEXPR_KEY_CONDITION
#define PROJ DDBEXPR_PROJECTION
#define UPD DDBEXPR_UPDATE

/* ---- fixtures --------------------------------------------------------------------------- */

static const char *NAMES = "{\"#n\": \"title\", \"#dot\": \"a.b\", \"#m\": \"m\", \"#k\": \"k\","
                           " \"#c\": \"c\", \"#d\": \"[3]\"}";

static const char *VALUES =
    "{\":s\": {\"S\": \"hello\"}, \":hello\": {\"S\": \"hello world\"}, \":hw\": {\"S\": \"hel\"},"
    " \":lo\": {\"S\": \"lo w\"}, \":x\": {\"S\": \"x\"}, \":a\": {\"S\": \"a\"},"
    " \":dotted\": {\"S\": \"dotted\"}, \":v\": {\"S\": \"v\"}, \":empty\": {\"S\": \"\"},"
    " \":n4\": {\"N\": \"4\"}, \":n5\": {\"N\": \"5\"}, \":n10\": {\"N\": \"10\"},"
    " \":one\": {\"N\": \"1\"}, \":two\": {\"N\": \"2\"}, \":three\": {\"N\": \"3\"},"
    " \":six\": {\"N\": \"6\"}, \":seven\": {\"N\": \"7\"}, \":eleven\": {\"N\": \"11\"},"
    " \":f1\": {\"N\": \"5.3\"}, \":f2\": {\"N\": \"0.05\"},"
    " \":ty_s\": {\"S\": \"S\"}, \":ty_ss\": {\"S\": \"SS\"}, \":ty_m\": {\"S\": \"M\"},"
    " \":bhel\": {\"B\": \"aGVs\"}, \":b\": {\"B\": \"YQ==\"}, \":t\": {\"BOOL\": true},"
    " \":nul\": {\"NULL\": true}, \":map\": {\"M\": {\"k\": {\"S\": \"v\"}}},"
    " \":l\": {\"L\": [{\"N\": \"1\"}]}, \":lst\": {\"L\": [{\"S\": \"y\"}, {\"S\": \"z\"}]},"
    " \":ns\": {\"NS\": [\"2\", \"1\"]}, \":ssxy\": {\"SS\": [\"x\", \"y\"]},"
    " \":ssa\": {\"SS\": [\"a\"]}, \":ssab\": {\"SS\": [\"b\", \"a\"]},"
    " \":max\": {\"N\": \"9.9999999999999999999999999999999999999E+125\"}}";

static const char *ITEM =
    "{\"id\": {\"S\": \"abc\"}, \"title\": {\"S\": \"hello world\"}, \"n\": {\"N\": \"5\"},"
    " \"neg\": {\"N\": \"-3.5\"}, \"b\": {\"B\": \"aGVsbG8=\"}, \"ss\": {\"SS\": [\"a\", \"b\"]},"
    " \"ns\": {\"NS\": [\"1\", \"2\"]}, \"bs\": {\"BS\": [\"YQ==\"]},"
    " \"l\": {\"L\": [{\"S\": \"x\"}, {\"N\": \"1\"}, {\"M\": {\"k\": {\"S\": \"v\"}}}]},"
    " \"m\": {\"M\": {\"k\": {\"S\": \"v\"}, \"nest\": {\"M\": {\"deep\": {\"N\": \"7\"}}},"
    "         \"lst\": {\"L\": [{\"N\": \"1\"}]}}},"
    " \"t\": {\"BOOL\": true}, \"nul\": {\"NULL\": true}, \"a.b\": {\"S\": \"dotted\"},"
    " \"blank\": {\"S\": \"\"}, \"utf\": {\"S\": \"h\\u00e9llo\"}}";

static json_t *parse_json(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
    if (!v)
        fail_msg("bad test JSON %s: %s", text, jerr.text);
    return v;
}

/* A request's names, values and context. */
struct env {
    json_t *names, *values;
    struct ddbexpr_ctx ctx;
};

static void env_open(struct env *env, const char *names, const char *values)
{
    struct awserr err = {0};
    memset(env, 0, sizeof *env);
    env->names = names ? parse_json(names) : NULL;
    env->values = values ? parse_json(values) : NULL;
    if (ddbexpr_ctx_init(&env->ctx, env->names, env->values, &err) != 0)
        fail_msg("fixture rejected: %s", err.message);
}

static void env_close(struct env *env)
{
    ddbexpr_ctx_finish(&env->ctx, NULL);
    json_decref(env->names);
    json_decref(env->values);
}

static const char *KIND_NAME[] = {"condition", "filter", "key", "projection", "update"};

/* ---- evaluation ------------------------------------------------------------------------- */

struct eval_case {
    const char *expr;
    int want;
};

static const struct eval_case EVAL[] = {
    {"n = :n5", 1}, {"n = :n4", 0}, {"n <> :n4", 1}, {"n <> :n5", 0},
    {"absent <> :n4", 1}, /* `<>` on a absent attribute is true */
    {"absent = :n4", 0}, {"absent < :n4", 0},
    {"n > :n4", 1}, {"n >= :n5", 1}, {"n < :n10", 1}, {"n <= :n4", 0}, {"neg < :one", 1},
    {"n = :s", 0}, {"n < :s", 0}, {"n <> :s", 1}, /* different types: false, <> true */
    {"title > :s", 1}, {"title < :s", 0}, {":s < title", 1},
    {"n BETWEEN :n4 AND :n10", 1}, {"n BETWEEN :n5 AND :n5", 1}, {"n BETWEEN :one AND :n4", 0},
    {"title BETWEEN :n4 AND :n10", 0},
    {"n IN (:n4, :n5)", 1}, {"n IN (:n4)", 0}, {"n IN (:s, :n4, :n10)", 0},
    {"attribute_exists(m.nest.deep)", 1}, {"attribute_exists(m.nope)", 0},
    {"attribute_not_exists(zz)", 1}, {"attribute_exists(l[2].k)", 1},
    {"attribute_exists(l[3])", 0}, {"attribute_exists(n.x)", 0}, {"attribute_exists(n[0])", 0},
    {"attribute_type(ss, :ty_ss)", 1}, {"attribute_type(n, :ty_s)", 0},
    {"attribute_type(m, :ty_m)", 1}, {"attribute_type(zz, :ty_s)", 0},
    {"begins_with(title, :hw)", 1}, {"begins_with(title, :lo)", 0}, {"begins_with(b, :bhel)", 1},
    {"begins_with(n, :hw)", 0}, {"begins_with(title, :empty)", 1}, {"begins_with(title, :bhel)", 0},
    {"contains(title, :lo)", 1}, {"contains(title, :x)", 0}, {"contains(ss, :a)", 1},
    {"contains(ss, :x)", 0}, {"contains(ns, :one)", 1}, {"contains(ns, :a)", 0},
    {"contains(bs, :b)", 1}, {"contains(l, :x)", 1}, {"contains(l, :map)", 1},
    {"contains(l, :a)", 0}, {"contains(n, :n5)", 0},
    {"size(title) = :eleven", 1}, {"size(utf) = :six", 1}, /* bytes of UTF-8 */
    {"size(ss) = :two", 1}, {"size(m) = :three", 1}, {"size(l) = :three", 1},
    {"size(b) = :n5", 1}, {"size(n) = :one", 0}, {"size(zz) = :one", 0}, {"size(zz) <> :one", 1},
    {"size(title) > :n10", 1}, {"size(blank) < :one", 1},
    {"NOT n = :n4", 1}, {"n = :n4 OR n = :n5", 1}, {"n = :n5 AND title = :s", 0},
    {"n = :n4 OR n = :n5 AND title = :s", 0}, /* AND binds tighter than OR */
    {"n = :n5 OR n = :n4 AND title = :s", 1},
    {"(n = :n4 OR n = :n5) AND title = :hello", 1},
    {"NOT n = :n5 OR n = :n5", 1}, /* NOT binds tighter than OR */
    {"NOT (n = :n5 OR n = :n4)", 0}, {"NOT NOT n = :n5", 1},
    {"n = :n4 or n = :n5", 1}, {"n between :n4 and :n10", 1}, {"not n = :n4", 1},
    {"n in (:n5)", 1}, {"n = :n5 aNd n <> :n4", 1},
    {"#dot = :dotted", 1}, {"a.b = :dotted", 0}, {"m.nest.deep = :seven", 1},
    {"#m.#k = :v", 1}, {"l[0] = :x", 1}, {"l[1] = :one", 1}, {"l [ 1 ] = :one", 1},
    {"m.lst[0] = :one", 1}, {"t = :t", 1}, {"nul = :nul", 1}, {"m.k = :v", 1},
    {"ns = :ns", 1}, /* sets compare whatever their order */
    {"l[2] = :map", 1}, {"(n) = :n5", 1}, {"(n = :n5)", 1}, {"n = (:n5)", 1},
    {"a=:a OR n=:n5", 1}, {"n=:n5", 1},
    {"contains(#n, :lo) AND size(#n) >= :n10", 1},
};

static void test_eval(void **state)
{
    (void)state;
    struct env env;
    json_t *item = parse_json(ITEM);
    int failures = 0;
    env_open(&env, NAMES, VALUES);
    for (size_t i = 0; i < ARRAY_LEN(EVAL); i++) {
        struct ddbexpr *e = NULL;
        struct awserr err = {0};
        int got = -1;
        if (ddbexpr_parse(EVAL[i].expr, DDBEXPR_FILTER, &env.ctx, &e, &err) == 0)
            got = ddbexpr_eval(e, item, &err);
        if (got != EVAL[i].want) {
            print_error("eval %s: want %d, got %d %s\n", EVAL[i].expr, EVAL[i].want, got,
                        err.message);
            failures++;
        }
        ddbexpr_free(e);
    }
    env_close(&env);
    json_decref(item);
    assert_int_equal(failures, 0);
}

static void test_eval_no_item(void **state)
{
    (void)state;
    struct env env;
    struct ddbexpr *e = NULL;
    struct awserr err = {0};
    env_open(&env, NULL, VALUES);
    assert_int_equal(ddbexpr_parse("attribute_not_exists(id)", COND, &env.ctx, &e, &err), 0);
    assert_int_equal(ddbexpr_eval(e, NULL, &err), 1);
    ddbexpr_free(e);
    assert_int_equal(ddbexpr_parse("id = :s", COND, &env.ctx, &e, &err), 0);
    assert_int_equal(ddbexpr_eval(e, NULL, &err), 0);
    ddbexpr_free(e);
    env_close(&env);
}

/* ---- invalid expressions ---------------------------------------------------------------- */

struct invalid_case {
    enum ddbexpr_kind kind;
    const char *expr;
    const char *message;
};

#define IC "Invalid ConditionExpression: "
#define IF "Invalid FilterExpression: "
#define IU "Invalid UpdateExpression: "
#define IP "Invalid ProjectionExpression: "
#define IK "Invalid KeyConditionExpression: "
#define OVERLAP "Two document paths overlap with each other; must remove or rewrite one of " \
                "these paths; path one: "
#define CONFLICT "Two document paths conflict with each other; must remove or rewrite one of " \
                 "these paths; path one: "
#define OPTYPE "Incorrect operand type for operator or function; operator or function: "
#define KCI "Invalid condition in KeyConditionExpression: "

static const struct invalid_case INVALID[] = {
    /* empty, syntax */
    {COND, "", IC "The expression can not be empty;"},
    {UPD, "", IU "The expression can not be empty;"},
    {KEY, "", IK "The expression can not be empty;"},
    {PROJ, "", IP "The expression can not be empty;"},
    {FILTER, "", IF "The expression can not be empty;"},
    {COND, "foo", IC "Syntax error; token: \"<EOF>\", near: \"foo\""},
    {COND, "a = ", IC "Syntax error; token: \"<EOF>\", near: \"= \""},
    {COND, "s == :s", IC "Syntax error; token: \"=\", near: \"== :s\""},
    {COND, "pk = !!", IC "Syntax error; token: \"!\", near: \"= !!\""},
    {COND, "a = :s AND", IC "Syntax error; token: \"<EOF>\", near: \"AND\""},
    {COND, "a = :s b", IC "Syntax error; token: \"b\", near: \":s b\""},
    {COND, "a + :s = :n5", IC "Syntax error; token: \"+\", near: \"a + :s\""},
    {COND, "NOT a", IC "Syntax error; token: \"<EOF>\", near: \"a\""},
    {COND, "a IN :s", IC "Syntax error; token: \":s\", near: \"IN :s\""},
    {COND, "a BETWEEN :s :n5", IC "Syntax error; token: \":n5\", near: \":s :n5\""},
    {COND, "a AND b = :s", IC "Syntax error; token: \"AND\", near: \"a AND b\""},
    {COND, "(a) AND b = :s", IC "Syntax error; token: \"AND\", near: \") AND b\""},
    {COND, "a = (b = :s)", IC "Syntax error; token: \"=\", near: \"b = :s\""},
    {COND, "a = and", IC "Syntax error; token: \"and\", near: \"= and\""},
    {COND, "a.b.IN = :s", IC "Syntax error; token: \"IN\", near: \".IN =\""},
    {COND, "a[x] = :s", IC "Syntax error; token: \"x\", near: \"[x]\""},
    {COND, "a[-1] = :s", IC "Syntax error; token: \"-\", near: \"[-1\""},
    {COND, "_a = :s", IC "Syntax error; token: \"_a\", near: \"_a =\""},
    {COND, "a = :s )", IC "Syntax error; token: \")\", near: \":s )\""},
    {COND, "a = \xc3\xa9", IC "Syntax error; token: \"\xc3\xa9\", near: \"= \xc3\xa9\""},
    {COND, "f()", IC "Syntax error; token: \")\", near: \"()\""},
    {KEY, "a > 4", IK "Syntax error; token: \"4\", near: \"> 4\""},
    {KEY, "things are not gonna be ok", IK "Syntax error; token: \"are\", near: \"things are "
                                           "not\""},
    /* parse-time checks, in DynamoDB's order */
    {COND, "((a = :s))", IC "The expression has redundant parentheses;"},
    {COND, "((a)) = :s", IC "The expression has redundant parentheses;"},
    {COND, "((Absolute = :undefined))", IC "The expression has redundant parentheses;"},
    {COND, "foo(a)", IC "Invalid function name; function: foo"},
    {COND, "Contains(a, :s)", IC "Invalid function name; function: Contains"},
    {COND, "if_not_exists(a, :s) = :s",
     IC "The function is not allowed in a condition expression; function: if_not_exists"},
    {FILTER, "a = list_append(a, :l)",
     IF "The function is not allowed in a filter expression; function: list_append"},
    {COND, "foo(a) AND Absolute = :s", IC "Invalid function name; function: foo"},
    {COND, "size(a)", IC "The function is not allowed to be used this way in an expression; "
                         "function: size"},
    {COND, "contains(a, :s) = :s", IC "The function is not allowed to be used this way in an "
                                      "expression; function: contains"},
    {COND, "size(attribute_exists(a)) = :n5", IC "The function is not allowed to be used this "
                                                 "way in an expression; function: "
                                                 "attribute_exists"},
    {COND, "Absolute = :s", IC "Attribute name is a reserved keyword; reserved keyword: Absolute"},
    {COND, "a.status = :s", IC "Attribute name is a reserved keyword; reserved keyword: status"},
    {COND, "Absolute = :undefined",
     IC "Attribute name is a reserved keyword; reserved keyword: Absolute"},
    {COND, "#undefined = :s", IC "An expression attribute name used in the document path is not "
                                 "defined; attribute name: #undefined"},
    {COND, "a = :undefined", IC "An expression attribute value used in expression is not "
                                "defined; attribute value: :undefined"},
    {COND, "attribute_exists(a, b)", IC "Incorrect number of operands for operator or function; "
                                        "operator or function: attribute_exists, number of "
                                        "operands: 2"},
    {COND, "a = a", IC "The first operand must be distinct from the remaining operands for this "
                       "operator or function; operator: =, first operand: [a]"},
    {COND, "begins_with(a.b[1], a.b[1])",
     IC "The first operand must be distinct from the remaining operands for this operator or "
        "function; operator: begins_with, first operand: [a, b, [1]]"},
    {COND, "attribute_exists(:s)", IC "Operator or function requires a document path; operator "
                                      "or function: attribute_exists"},
    {COND, "begins_with(a, :n5)", IC OPTYPE "begins_with, operand type: N"},
    {COND, "attribute_type(a, :n5)", IC OPTYPE "attribute_type, operand type: N"},
    {COND, "attribute_type(a, :s)", IC "Invalid attribute type name found; type: hello, valid "
                                       "types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"},
    {COND, "size(:n5) = :n5", IC OPTYPE "size, operand type: N"},
    {COND, "a BETWEEN :n5 AND :s",
     IC "The BETWEEN operator requires same data type for lower and upper bounds; lower bound "
        "operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {S:hello}"},
    {COND, "a BETWEEN :n10 AND :n5",
     IC "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "
        "lower bound operand: AttributeValue: {N:10}, upper bound operand: AttributeValue: {N:5}"},
    {COND, "a = :s AND b = :undefined AND c = c",
     IC "An expression attribute value used in expression is not defined; attribute value: "
        ":undefined"},
    {COND, "a = a AND b = :undefined", IC "The first operand must be distinct from the remaining "
                                          "operands for this operator or function; operator: =, "
                                          "first operand: [a]"},
    /* updates: syntax */
    {UPD, "whatever", IU "Syntax error; token: \"whatever\", near: \"whatever\""},
    {UPD, "SET a", IU "Syntax error; token: \"<EOF>\", near: \"a\""},
    {UPD, "set a=set", IU "Syntax error; token: \"set\", near: \"=set\""},
    {UPD, "SET MyStr = myNum + 1", IU "Syntax error; token: \"1\", near: \"+ 1\""},
    {UPD, "SET MyStr = myNum Mystr2 myNum2",
     IU "Syntax error; token: \"Mystr2\", near: \"myNum Mystr2 myNum2\""},
    {UPD, "SET MyStr = my Num", IU "Syntax error; token: \"Num\", near: \"my Num\""},
    {UPD, "set a = b + c + d", IU "Syntax error; token: \"+\", near: \"c + d\""},
    {UPD, "set a = b / c", IU "Syntax error; token: \"/\", near: \"b / c\""},
    {UPD, "set :a = b", IU "Syntax error; token: \":a\", near: \"set :a =\""},
    {UPD, "remove a b", IU "Syntax error; token: \"b\", near: \"a b\""},
    {UPD, "delete a b", IU "Syntax error; token: \"b\", near: \"a b\""},
    {UPD, "add a", IU "Syntax error; token: \"<EOF>\", near: \"a\""},
    {UPD, "set a[1] = \"eight\"", IU "Syntax error; token: \"\"\", near: \"= \"eight\""},
    {UPD, "set (a = (b + c))", IU "Syntax error; token: \"(\", near: \"set (a\""},
    {UPD, "set a = (b + c) + d", IU "Syntax error; token: \"+\", near: \") + d\""},
    {UPD, "SET a = :s,", IU "Syntax error; token: \"<EOF>\", near: \",\""},
    /* updates: checks, in DynamoDB's order */
    {UPD, "set abOrt = :s", IU "Attribute name is a reserved keyword; reserved keyword: abOrt"},
    {UPD, " remove Absolute ", IU "Attribute name is a reserved keyword; reserved keyword: "
                                  "Absolute"},
    {UPD, "set a = if_not_exist(a, :s)", IU "Invalid function name; function: if_not_exist"},
    {UPD, "set a = size(b)",
     IU "The function is not allowed in an update expression; function: size"},
    {UPD, "SET a = :s REMOVE b SET c = :s",
     IU "The \"SET\" section can only be used once in an update expression;"},
    {UPD, "remove b set a = :s remove e",
     IU "The \"REMOVE\" section can only be used once in an update expression;"},
    {UPD, "SET #undefined = :s", IU "An expression attribute name used in the document path is "
                                    "not defined; attribute name: #undefined"},
    {UPD, "SET a = if_not_exists(:undefined)", IU "An expression attribute value used in "
                                                  "expression is not defined; attribute value: "
                                                  ":undefined"},
    {UPD, "SET #undefined = :undefined", IU "An expression attribute name used in the document "
                                            "path is not defined; attribute name: #undefined"},
    {UPD, "set d[1] = a, d.b = a, c[1].a = a, #c = if_not_exists(a)",
     IU OVERLAP "[c, [1], a], path two: [c]"},
    {UPD, "set c.b.#c = a, c = a, #d = a", IU OVERLAP "[c, b, c], path two: [c]"},
    {UPD, "set a = b remove a, #c, #d", IU OVERLAP "[a], path two: [a]"},
    {UPD, "set #c[3].#d = a, #c[3] = a", IU OVERLAP "[c, [3], [3]], path two: [c, [3]]"},
    {UPD, "remove c, #c.a, #d", IU OVERLAP "[c], path two: [c, a]"},
    {UPD, "remove a, #c, a, #d", IU OVERLAP "[a], path two: [a]"},
    {UPD, "set #c[3].#d = a, #c.#d[3] = if_not_exists(a, b)",
     IU CONFLICT "[c, [3], [3]], path two: [c, [3], [3]]"},
    {UPD, "remove a.#c set a[1] = #d", IU CONFLICT "[a, c], path two: [a, [1]]"},
    {UPD, "add a.b :s", IU "Incorrect operand type for operator or function; operator: ADD, "
                           "operand type: STRING"},
    {UPD, "delete a.b :s", IU "Incorrect operand type for operator or function; operator: "
                              "DELETE, operand type: STRING"},
    {UPD, "add a :nul", IU "Incorrect operand type for operator or function; operator: ADD, "
                           "operand type: NULL"},
    {UPD, "add a :t", IU "Incorrect operand type for operator or function; operator: ADD, operand "
                         "type: BOOLEAN"},
    {UPD, "add a :b", IU "Incorrect operand type for operator or function; operator: ADD, operand "
                         "type: BINARY"},
    {UPD, "add a :map", IU "Incorrect operand type for operator or function; operator: ADD, "
                           "operand type: MAP"},
    {UPD, "add a :l", IU "Incorrect operand type for operator or function; operator: ADD, operand "
                         "type: LIST"},
    {UPD, "delete a :n5", IU "Incorrect operand type for operator or function; operator: DELETE, "
                             "operand type: NUMBER"},
    {UPD, "set b = list_append(:s, a), c = if_not_exists(a) add a.b :s",
     IU "Incorrect operand type for operator or function; operator: ADD, operand type: STRING"},
    {UPD, "set a = if_not_exists(c)", IU "Incorrect number of operands for operator or function; "
                                         "operator or function: if_not_exists, number of "
                                         "operands: 1"},
    {UPD, "set a = list_append(c)", IU "Incorrect number of operands for operator or function; "
                                       "operator or function: list_append, number of operands: "
                                       "1"},
    {UPD, "set a = if_not_exists(:s, c)", IU "Operator or function requires a document path; "
                                             "operator or function: if_not_exists"},
    {UPD, "set a = list_append(:s, a)", IU OPTYPE "list_append, operand type: S"},
    {UPD, "set a = list_append(a, :n5)", IU OPTYPE "list_append, operand type: N"},
    {UPD, "set a = a + :s", IU OPTYPE "+, operand type: S"},
    {UPD, "set a = :s - a", IU OPTYPE "-, operand type: S"},
    {UPD, "set a = a - :map", IU OPTYPE "-, operand type: M"},
    /* projections */
    {PROJ, "a, a.b", IP OVERLAP "[a], path two: [a, b]"},
    {PROJ, "a.b, a", IP OVERLAP "[a, b], path two: [a]"},
    {PROJ, "a[0], a.b", IP CONFLICT "[a, [0]], path two: [a, b]"},
    {PROJ, "Absolute", IP "Attribute name is a reserved keyword; reserved keyword: Absolute"},
    {PROJ, "#undefined", IP "An expression attribute name used in the document path is not "
                            "defined; attribute name: #undefined"},
    {PROJ, "a,,b", IP "Syntax error; token: \",\", near: \",,b\""},
    {PROJ, "a b", IP "Syntax error; token: \"b\", near: \"a b\""},
    /* key conditions */
    {KEY, "a > b and size(b) > c or a > c", "Invalid operator used in KeyConditionExpression: OR"},
    {KEY, "a in (b, c)", "Invalid operator used in KeyConditionExpression: IN"},
    {KEY, "attribute_exists(a)", "Invalid operator used in KeyConditionExpression: "
                                 "attribute_exists"},
    {KEY, "attribute_type(a, :ty_s)", "Invalid operator used in KeyConditionExpression: "
                                      "attribute_type"},
    {KEY, "contains(a.d, b)", "Invalid operator used in KeyConditionExpression: contains"},
    {KEY, "not a > b", "Invalid operator used in KeyConditionExpression: NOT"},
    {KEY, "a <> b", "Invalid operator used in KeyConditionExpression: <>"},
    {KEY, ":s between size(b) and size(a) and b > :s",
     KCI "BETWEEN operator must have the key attribute as its first operand"},
    {KEY, "begins_with(:s, b) and a > :s",
     KCI "begins_with operator must have the key attribute as its first operand"},
    {KEY, "size(b) > a AND a.b > b AND b > c",
     "KeyConditionExpressions cannot contain nested operations"},
    {KEY, "a > size(b.d)", "KeyConditionExpressions cannot contain nested operations"},
    {KEY, "a between size(b) and size(a)",
     "KeyConditionExpressions cannot contain nested operations"},
    {KEY, "b > a.b", KCI "Multiple attribute names used in one condition"},
    {KEY, "b between c[1] and d", KCI "Multiple attribute names used in one condition"},
    {KEY, "a between b and size(a)", KCI "Multiple attribute names used in one condition"},
    {KEY, "begins_with(a, b)", KCI "Multiple attribute names used in one condition"},
    {KEY, "b.d > a AND c.d > e.f", "KeyConditionExpressions cannot have conditions on nested "
                                   "attributes"},
    {KEY, "a.d > c", "KeyConditionExpressions cannot have conditions on nested attributes"},
    {KEY, "b[0] > a", "KeyConditionExpressions cannot have conditions on nested attributes"},
    {KEY, ":n5 > :n4 AND a < :n5", KCI "No key attribute specified"},
    {KEY, ":n4 > b AND :n4 < :n5", KCI "No key attribute specified"},
    {KEY, "b > :n4 AND b < :n4 and c = :n4 and d = :n4",
     "KeyConditionExpressions must only contain one condition per key"},
    {KEY, "(a > :n4 and b > :n4) and (b > :n4 and c > :n4)",
     "KeyConditionExpressions must only contain one condition per key"},
    {KEY, "a = :s AND a = :s", "KeyConditionExpressions must only contain one condition per key"},
    {KEY, "a between :n10 and :n5",
     IK "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "
        "lower bound operand: AttributeValue: {N:10}, upper bound operand: AttributeValue: {N:5}"},
    {KEY, "begins_with(a, :n5)", IK OPTYPE "begins_with, operand type: N"},
    {KEY, "attribute_type(a, b)", IK OPTYPE "attribute_type, operand type: "
                                            "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}"},
};

static void test_invalid(void **state)
{
    (void)state;
    struct env env;
    int failures = 0;
    env_open(&env, NAMES, VALUES);
    for (size_t i = 0; i < ARRAY_LEN(INVALID); i++) {
        const struct invalid_case *c = &INVALID[i];
        struct ddbexpr *e = NULL;
        struct awserr err = {0};
        int rc = ddbexpr_parse(c->expr, c->kind, &env.ctx, &e, &err);
        if (rc == 0 || e || strcmp(err.message, c->message) != 0 ||
            err.kind != &DDB_VALIDATION) {
            print_error("%s \"%s\":\n  want %s\n  got  %s\n", KIND_NAME[c->kind], c->expr,
                        c->message, rc == 0 ? "(accepted)" : err.message);
            failures++;
        }
        ddbexpr_free(e);
    }
    env_close(&env);
    assert_int_equal(failures, 0);
}

/* Expressions DynamoDB accepts, which a careless grammar would refuse. */
static void test_valid_shapes(void **state)
{
    (void)state;
    static const struct { enum ddbexpr_kind kind; const char *expr; } ok[] = {
        {UPD, "set a = (b + c)"}, {UPD, "SET a = if_not_exists(a, :n5) + :one"},
        {UPD, "SET a = list_append(if_not_exists(a, :l), :l)"},
        {UPD, "set a=:s,b=:s remove c add d :one delete e :ssa"},
        {UPD, "REMOVE a[1], a[2]"}, {UPD, "set #c = :s"}, {UPD, "SET a.b[2].c = :s"},
        {UPD, "sEt a = :s"}, {UPD, "SET a = b, b = a"}, {UPD, "set a = (:n5) - (b)"},
        {COND, "(a = :s)"}, {COND, "NOT (a = :s)"}, {COND, "size(a) > :n5"},
        {COND, "a IN (:s, :n5, b)"}, {COND, "a = :s and (b = :s or c = :s)"},
        {COND, "attribute_type(a, :ty_s)"}, {COND, "contains(a, b)"},
        {COND, "#dot = :dotted"}, {PROJ, "a, b.c, d[0], #n"}, {PROJ, "a[0], a[1]"},
        {KEY, "a = :s"}, {KEY, "a = :s AND begins_with(b, :hw)"},
        {KEY, "b BETWEEN :n4 AND :n5 AND a = :s"}, {KEY, ":s = a"},
    };
    struct env env;
    int failures = 0;
    env_open(&env, NAMES, VALUES);
    for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
        struct ddbexpr *e = NULL;
        struct awserr err = {0};
        if (ddbexpr_parse(ok[i].expr, ok[i].kind, &env.ctx, &e, &err) != 0) {
            print_error("%s \"%s\" refused: %s\n", KIND_NAME[ok[i].kind], ok[i].expr,
                        err.message);
            failures++;
        }
        ddbexpr_free(e);
    }
    env_close(&env);
    assert_int_equal(failures, 0);
}

/* Limits: 4 KB of text, 100 IN operands, 300 operators, 32 levels of nesting. */
static void test_limits(void **state)
{
    (void)state;
    struct env env;
    struct ddbexpr *e = NULL;
    struct awserr err = {0};
    struct buf b = BUF_INIT;
    env_open(&env, NAMES, VALUES);

    buf_adds(&b, "a = :s AND b IN (");
    for (int i = 0; i < 100; i++)
        buf_adds(&b, i ? ", :s" : ":s");
    buf_adds(&b, ")");
    assert_int_equal(ddbexpr_parse(b.data, COND, &env.ctx, &e, &err), 0);
    ddbexpr_free(e);
    buf_reset(&b);
    buf_adds(&b, "a IN (:s");
    for (int i = 0; i < 100; i++)
        buf_adds(&b, ", :s");
    buf_adds(&b, ")");
    assert_int_equal(ddbexpr_parse(b.data, COND, &env.ctx, &e, &err), -1);
    assert_string_equal(err.message, IC "The IN operator is provided with too many operands; "
                                        "number of operands: 101");

    awserr_clear(&err);
    buf_reset(&b);
    for (int i = 0; b.len < 4090; i++)
        buf_adds(&b, i ? " OR a=:s" : "a=:s");
    while (b.len < 4096)
        buf_addc(&b, ' ');
    assert_int_equal(ddbexpr_parse(b.data, COND, &env.ctx, &e, &err), -1); /* 4096 bytes */
    assert_string_equal(err.message, IC "The expression contains too many operators and "
                                        "functions; maximum: 300");
    awserr_clear(&err);
    buf_addc(&b, ' ');
    assert_int_equal(ddbexpr_parse(b.data, COND, &env.ctx, &e, &err), -1);
    assert_string_equal(err.message, IC "Expression size has exceeded the maximum allowed size; "
                                        "expression size: 4097");

    awserr_clear(&err);
    buf_reset(&b);
    for (int i = 0; i < 32; i++)
        buf_adds(&b, "NOT ");
    buf_adds(&b, "a = :s");
    assert_int_equal(ddbexpr_parse(b.data, COND, &env.ctx, &e, &err), 0);
    ddbexpr_free(e);
    buf_reset(&b);
    for (int i = 0; i < 33; i++)
        buf_adds(&b, "NOT ");
    buf_adds(&b, "a = :s");
    assert_int_equal(ddbexpr_parse(b.data, COND, &env.ctx, &e, &err), -1);
    assert_string_equal(err.message, IC "The expression has exceeded the maximum nesting depth "
                                        "of 32");
    buf_free(&b);
    env_close(&env);
}

/* Long chains and deep paths, which must neither recurse deeply nor misbehave. */
static void test_long_shapes(void **state)
{
    (void)state;
    struct env env;
    struct ddbexpr *e = NULL;
    struct awserr err = {0};
    struct buf b = BUF_INIT;
    json_t *item = parse_json(ITEM);
    env_open(&env, NAMES, VALUES);

    for (int i = 0; i < 150; i++) /* one n-ary AND: 299 operators */
        buf_adds(&b, i ? " AND n = :n5" : "n = :n5");
    assert_int_equal(ddbexpr_parse(b.data, FILTER, &env.ctx, &e, &err), 0);
    assert_int_equal(ddbexpr_eval(e, item, &err), 1);
    ddbexpr_free(e);

    buf_reset(&b);
    buf_adds(&b, "l");
    for (int i = 0; i < 1300; i++)
        buf_adds(&b, "[0]");
    assert_int_equal(ddbexpr_parse(b.data, PROJ, &env.ctx, &e, &err), 0);
    json_t *got = ddbexpr_project(e, item);
    assert_int_equal(json_object_size(got), 0);
    json_decref(got);
    ddbexpr_free(e);

    buf_reset(&b);
    buf_adds(&b, "SET m");
    for (int i = 0; i < 400; i++)
        buf_adds(&b, ".k");
    buf_adds(&b, " = :s");
    assert_int_equal(ddbexpr_parse(b.data, UPD, &env.ctx, &e, &err), 0);
    json_t *copy = json_deep_copy(item);
    assert_int_equal(ddbexpr_update_apply(e, copy, &err), -1);
    assert_string_equal(err.message, BAD_PATH);
    json_decref(copy);
    ddbexpr_free(e);

    buf_free(&b);
    json_decref(item);
    env_close(&env);
}

/* ---- ExpressionAttributeNames / Values -------------------------------------------------- */

static void test_ctx(void **state)
{
    (void)state;
    static const struct { const char *names, *values, *message; } bad[] = {
        {"{}", NULL, "ExpressionAttributeNames must not be empty"},
        {"{}", "{}", "ExpressionAttributeNames must not be empty"},
        {NULL, "{}", "ExpressionAttributeValues must not be empty"},
        {"{\"a\": \"a\"}", NULL, "ExpressionAttributeNames contains invalid key: Syntax error; "
                                 "key: \"a\""},
        {"{\"#\": \"a\"}", NULL, "ExpressionAttributeNames contains invalid key: Syntax error; "
                                 "key: \"#\""},
        {"{\"#a\": \"\"}", NULL, "ExpressionAttributeNames contains invalid value: Empty "
                                 "attribute name for key #a"},
        {NULL, "{\":b\": {\"a\": \"\"}, \"b\": {\"S\": \"a\"}}",
         "ExpressionAttributeValues contains invalid key: Syntax error; key: \"b\""},
        {NULL, "{\":b\": {}}", "ExpressionAttributeValues contains invalid value: Supplied "
                               "AttributeValue is empty, must contain exactly one of the "
                               "supported datatypes for key :b"},
        {NULL, "{\":b\": {\"S\": \"a\", \"N\": \"1\"}}",
         "ExpressionAttributeValues contains invalid value: Supplied AttributeValue has more "
         "than one datatypes set, must contain exactly one of the supported datatypes for key :b"},
        {NULL, "{\":b\": {\"SS\": []}}", "ExpressionAttributeValues contains invalid value: One "
                                         "or more parameter values were invalid: An string set  "
                                         "may not be empty for key :b"},
        {NULL, "{\":b\": {\"N\": \"b\"}}", "ExpressionAttributeValues contains invalid value: The "
                                           "parameter cannot be converted to a numeric value: b "
                                           "for key :b"},
    };
    int failures = 0;
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        json_t *names = bad[i].names ? parse_json(bad[i].names) : NULL;
        json_t *values = bad[i].values ? parse_json(bad[i].values) : NULL;
        struct ddbexpr_ctx ctx = {0};
        struct awserr err = {0};
        if (ddbexpr_ctx_init(&ctx, names, values, &err) == 0 ||
            strcmp(err.message, bad[i].message) != 0) {
            print_error("names %s values %s:\n  want %s\n  got  %s\n", bad[i].names,
                        bad[i].values, bad[i].message, err.message);
            failures++;
        }
        ddbexpr_ctx_finish(&ctx, NULL);
        json_decref(names);
        json_decref(values);
    }
    assert_int_equal(failures, 0);
}

/* Names and values no expression of the request used. */
static void test_ctx_unused(void **state)
{
    (void)state;
    struct env env;
    struct ddbexpr *e1 = NULL, *e2 = NULL;
    struct awserr err = {0};

    env_open(&env, "{\"#a\": \"a\", \"#b\": \"b\", \"#c\": \"c\"}",
             "{\":v\": {\"S\": \"x\"}, \":w\": {\"S\": \"y\"}}");
    assert_int_equal(ddbexpr_parse("#a = :v", COND, &env.ctx, &e1, &err), 0);
    assert_int_equal(ddbexpr_ctx_finish(&env.ctx, &err), -1);
    assert_string_equal(err.message, "Value provided in ExpressionAttributeNames unused in "
                                     "expressions: keys: {#b, #c}");
    ddbexpr_free(e1);
    env_close(&env);

    awserr_clear(&err);
    env_open(&env, "{\"#a\": \"a\"}", "{\":v\": {\"S\": \"x\"}, \":w\": {\"S\": \"y\"}}");
    assert_int_equal(ddbexpr_parse("SET #a = :v", UPD, &env.ctx, &e1, &err), 0);
    assert_int_equal(ddbexpr_ctx_finish(&env.ctx, &err), -1);
    assert_string_equal(err.message, "Value provided in ExpressionAttributeValues unused in "
                                     "expressions: keys: {:w}");
    ddbexpr_free(e1);
    env_close(&env);

    /* two expressions of one request share the bookkeeping */
    awserr_clear(&err);
    env_open(&env, "{\"#a\": \"a\"}", "{\":v\": {\"S\": \"x\"}, \":w\": {\"S\": \"y\"}}");
    assert_int_equal(ddbexpr_parse("SET #a = :v", UPD, &env.ctx, &e1, &err), 0);
    assert_int_equal(ddbexpr_parse("b = :w", COND, &env.ctx, &e2, &err), 0);
    assert_int_equal(ddbexpr_ctx_finish(&env.ctx, &err), 0);
    ddbexpr_free(e1);
    ddbexpr_free(e2);
    env_close(&env);
}

/* ---- updates ---------------------------------------------------------------------------- */

struct update_case {
    const char *item;
    const char *expr;
    const char *want; /* the item after the update (JSON), or the error message */
};


static const struct update_case UPDATES[] = {
    {"{\"n\": {\"N\": \"5\"}}", "SET n = n + :one", "{\"n\": {\"N\": \"6\"}}"},
    {"{\"n\": {\"N\": \"5\"}}", "SET n = n - :n10", "{\"n\": {\"N\": \"-5\"}}"},
    {"{}", "SET f = :f1 + :f2", "{\"f\": {\"N\": \"5.35\"}}"},
    {"{\"n\": {\"N\": \"5\"}, \"s\": {\"S\": \"x\"}}", "SET n = n + s", BAD_OPERAND},
    {"{\"s\": {\"S\": \"x\"}}", "SET s = s + s", BAD_OPERAND},
    {"{}", "SET x = absent + :one", NO_ATTR},
    {"{}", "SET x = absent", NO_ATTR},
    {"{\"big\": {\"N\": \"9E+125\"}}", "SET big = big + :max",
     "Number overflow. Attempting to store a number with magnitude larger than supported range"},
    {"{}", "SET x = if_not_exists(absent, :n5)", "{\"x\": {\"N\": \"5\"}}"},
    {"{\"n\": {\"N\": \"5\"}}", "SET n = if_not_exists(n, :n10)", "{\"n\": {\"N\": \"5\"}}"},
    {"{}", "SET c = if_not_exists(c, :n5) + :one", "{\"c\": {\"N\": \"6\"}}"},
    {"{\"l\": {\"L\": [{\"S\": \"x\"}]}}", "SET l = list_append(l, :lst)",
     "{\"l\": {\"L\": [{\"S\": \"x\"}, {\"S\": \"y\"}, {\"S\": \"z\"}]}}"},
    {"{\"l\": {\"L\": [{\"S\": \"x\"}]}}", "SET l = list_append(:lst, l)",
     "{\"l\": {\"L\": [{\"S\": \"y\"}, {\"S\": \"z\"}, {\"S\": \"x\"}]}}"},
    {"{}", "SET l = list_append(if_not_exists(l, :lst), :l)",
     "{\"l\": {\"L\": [{\"S\": \"y\"}, {\"S\": \"z\"}, {\"N\": \"1\"}]}}"},
    {"{\"l\": {\"S\": \"x\"}}", "SET l = list_append(l, :lst)", BAD_OPERAND},
    {"{\"l\": {\"L\": [{\"S\": \"x\"}]}}", "SET l[10] = :v",
     "{\"l\": {\"L\": [{\"S\": \"x\"}, {\"S\": \"v\"}]}}"},
    {"{\"l\": {\"L\": [{\"S\": \"x\"}, {\"S\": \"y\"}]}}", "SET l[0] = :n5",
     "{\"l\": {\"L\": [{\"N\": \"5\"}, {\"S\": \"y\"}]}}"},
    {"{\"l\": {\"L\": [{\"N\": \"0\"}, {\"N\": \"1\"}, {\"N\": \"2\"}, {\"N\": \"3\"}]}}",
     "REMOVE l[0], l[2]", "{\"l\": {\"L\": [{\"N\": \"1\"}, {\"N\": \"3\"}]}}"},
    {"{\"l\": {\"L\": [{\"N\": \"0\"}, {\"N\": \"1\"}, {\"N\": \"2\"}]}}", "REMOVE l[0]",
     "{\"l\": {\"L\": [{\"N\": \"1\"}, {\"N\": \"2\"}]}}"},
    {"{\"l\": {\"L\": [{\"N\": \"0\"}]}}", "REMOVE l[5]", "{\"l\": {\"L\": [{\"N\": \"0\"}]}}"},
    {"{\"l\": {\"L\": [{\"M\": {\"a\": {\"N\": \"0\"}, \"b\": {\"N\": \"1\"}}}, {\"N\": \"1\"}]}}",
     "REMOVE l[0].a, l[1]", "{\"l\": {\"L\": [{\"M\": {\"b\": {\"N\": \"1\"}}}]}}"},
    {"{\"n\": {\"N\": \"5\"}, \"k\": {\"S\": \"x\"}}", "REMOVE n, absent",
     "{\"k\": {\"S\": \"x\"}}"},
    {"{\"n\": {\"N\": \"5\"}}", "REMOVE n.x", BAD_PATH},
    {"{}", "REMOVE a.b", BAD_PATH},
    {"{\"n\": {\"N\": \"5\"}}", "ADD n :one", "{\"n\": {\"N\": \"6\"}}"},
    {"{\"n\": {\"N\": \"5\"}}", "ADD n :f2", "{\"n\": {\"N\": \"5.05\"}}"},
    {"{}", "ADD newnum :n5", "{\"newnum\": {\"N\": \"5\"}}"},
    {"{\"ss\": {\"SS\": [\"a\", \"b\"]}}", "ADD ss :ssxy",
     "{\"ss\": {\"SS\": [\"a\", \"b\", \"x\", \"y\"]}}"},
    {"{\"ss\": {\"SS\": [\"a\", \"b\"]}}", "ADD ss :ssa", "{\"ss\": {\"SS\": [\"a\", \"b\"]}}"},
    {"{}", "ADD newset :ssxy", "{\"newset\": {\"SS\": [\"x\", \"y\"]}}"},
    {"{\"ss\": {\"SS\": [\"a\"]}}", "ADD ss :ns", BAD_OPERAND},
    {"{\"n\": {\"N\": \"1\"}}", "ADD n :ssa", BAD_OPERAND},
    {"{\"m\": {\"M\": {}}}", "ADD m.c :one", "{\"m\": {\"M\": {\"c\": {\"N\": \"1\"}}}}"},
    {"{\"ss\": {\"SS\": [\"a\", \"b\"]}}", "DELETE ss :ssab", "{}"},
    {"{\"ss\": {\"SS\": [\"a\", \"b\"]}}", "DELETE ss :ssa", "{\"ss\": {\"SS\": [\"b\"]}}"},
    {"{\"ss\": {\"SS\": [\"a\", \"b\"]}}", "DELETE ss :ssxy",
     "{\"ss\": {\"SS\": [\"a\", \"b\"]}}"},
    {"{}", "DELETE absent :ssa", "{}"},
    {"{\"ns\": {\"NS\": [\"1\"]}}", "DELETE ns :ssa", BAD_OPERAND},
    {"{\"m\": {\"M\": {\"nest\": {\"M\": {\"deep\": {\"N\": \"7\"}}}}}}",
     "SET m.nest.deep = :n5, m.k = :v",
     "{\"m\": {\"M\": {\"nest\": {\"M\": {\"deep\": {\"N\": \"5\"}}}, \"k\": {\"S\": \"v\"}}}}"},
    {"{}", "SET nomap.x = :s", BAD_PATH},
    {"{\"n\": {\"N\": \"5\"}}", "SET n.x = :s", BAD_PATH},
    {"{\"l\": {\"L\": [{\"S\": \"x\"}]}}", "SET l[0].x = :s", BAD_PATH},
    {"{\"m\": {\"M\": {}}}", "SET m[0] = :s", BAD_PATH},
    {"{\"a\": {\"N\": \"1\"}, \"b\": {\"N\": \"2\"}}", "SET a = b, b = a",
     "{\"a\": {\"N\": \"2\"}, \"b\": {\"N\": \"1\"}}"}, /* right-hand sides see the old item */
    {"{\"a\": {\"N\": \"1\"}}", "SET b = a REMOVE a", "{\"b\": {\"N\": \"1\"}}"},
    {"{\"m\": {\"M\": {\"nest\": {\"M\": {\"deep\": {\"N\": \"7\"}}}}}}", "REMOVE m.nest.deep",
     "{\"m\": {\"M\": {\"nest\": {\"M\": {}}}}}"},
    {"{}", "SET #dot = :s", "{\"a.b\": {\"S\": \"hello\"}}"},
    {"{}", "SET a = :map, b = :t", "{\"a\": {\"M\": {\"k\": {\"S\": \"v\"}}}, "
                                   "\"b\": {\"BOOL\": true}}"},
};

static void test_update_apply(void **state)
{
    (void)state;
    struct env env;
    int failures = 0;
    env_open(&env, NAMES, VALUES);
    for (size_t i = 0; i < ARRAY_LEN(UPDATES); i++) {
        const struct update_case *c = &UPDATES[i];
        struct ddbexpr *e = NULL;
        struct awserr err = {0};
        json_t *item = parse_json(c->item), *want = NULL;
        bool ok = false;
        char *got = NULL;
        if (ddbexpr_parse(c->expr, UPD, &env.ctx, &e, &err) != 0) {
            got = strdup(err.message);
        } else if (ddbexpr_update_apply(e, item, &err) != 0) {
            ok = strcmp(err.message, c->want) == 0 && err.kind == &DDB_VALIDATION;
            got = strdup(err.message);
        } else {
            want = c->want[0] == '{' ? parse_json(c->want) : NULL;
            ok = want && json_equal(want, item);
            got = json_dumps(item, JSON_COMPACT | JSON_SORT_KEYS);
        }
        if (!ok) {
            print_error("%s on %s:\n  want %s\n  got  %s\n", c->expr, c->item, c->want, got);
            failures++;
        }
        free(got);
        json_decref(want);
        json_decref(item);
        ddbexpr_free(e);
    }
    env_close(&env);
    assert_int_equal(failures, 0);
}

static void test_update_keys_and_project(void **state)
{
    (void)state;
    struct env env;
    struct ddbexpr *e = NULL;
    struct awserr err = {0};
    json_t *item = parse_json(ITEM);
    env_open(&env, NAMES, VALUES);

    assert_int_equal(ddbexpr_parse("SET x = :s, id = :s", UPD, &env.ctx, &e, &err), 0);
    assert_int_equal(ddbexpr_update_check_keys(e, "pk", "id", &err), -1);
    assert_string_equal(err.message, "One or more parameter values were invalid: Cannot update "
                                     "attribute id. This attribute is part of the key");
    assert_int_equal(ddbexpr_update_check_keys(e, "pk", NULL, &err), 0);
    ddbexpr_free(e);

    assert_int_equal(ddbexpr_parse("SET n = :one, m.nest.deep = :one REMOVE title, zz "
                                   "ADD l[0] :one",
                                   UPD, &env.ctx, &e, &err), 0);
    json_t *got = ddbexpr_update_project(e, item);
    json_t *want = parse_json("{\"n\": {\"N\": \"5\"}, \"title\": {\"S\": \"hello world\"},"
                              " \"m\": {\"M\": {\"nest\": {\"M\": {\"deep\": {\"N\": \"7\"}}}}},"
                              " \"l\": {\"L\": [{\"S\": \"x\"}]}}");
    assert_true(json_equal(got, want));
    json_decref(got);
    json_decref(want);
    ddbexpr_free(e);

    json_decref(item);
    env_close(&env);
}

/* ---- projections ------------------------------------------------------------------------ */

static void test_projection(void **state)
{
    (void)state;
    static const struct { const char *expr, *want; } cases[] = {
        {"title, n", "{\"title\": {\"S\": \"hello world\"}, \"n\": {\"N\": \"5\"}}"},
        {"m.nest.deep", "{\"m\": {\"M\": {\"nest\": {\"M\": {\"deep\": {\"N\": \"7\"}}}}}}"},
        {"l[2].k, l[0]", "{\"l\": {\"L\": [{\"S\": \"x\"}, {\"M\": {\"k\": {\"S\": \"v\"}}}]}}"},
        {"l[2], l[0], l[7]",
         "{\"l\": {\"L\": [{\"S\": \"x\"}, {\"M\": {\"k\": {\"S\": \"v\"}}}]}}"},
        {"nope, m.nope, n.x, l[9]", "{}"},
        {"#dot", "{\"a.b\": {\"S\": \"dotted\"}}"},
        {"m.k, m.lst[0]", "{\"m\": {\"M\": {\"k\": {\"S\": \"v\"}, \"lst\": {\"L\": [{\"N\": "
                          "\"1\"}]}}}}"},
        {"#m", "{\"m\": {\"M\": {\"k\": {\"S\": \"v\"}, \"nest\": {\"M\": {\"deep\": {\"N\": "
               "\"7\"}}}, \"lst\": {\"L\": [{\"N\": \"1\"}]}}}}"},
    };
    struct env env;
    json_t *item = parse_json(ITEM);
    int failures = 0;
    env_open(&env, NAMES, VALUES);
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct ddbexpr *e = NULL;
        struct awserr err = {0};
        json_t *want = parse_json(cases[i].want), *got = NULL;
        if (ddbexpr_parse(cases[i].expr, PROJ, &env.ctx, &e, &err) == 0)
            got = ddbexpr_project(e, item);
        if (!got || !json_equal(got, want)) {
            char *s = got ? json_dumps(got, JSON_COMPACT) : strdup(err.message);
            print_error("project %s: want %s, got %s\n", cases[i].expr, cases[i].want, s);
            free(s);
            failures++;
        }
        json_decref(got);
        json_decref(want);
        ddbexpr_free(e);
    }
    env_close(&env);
    json_decref(item);
    assert_int_equal(failures, 0);
}

/* ---- key conditions --------------------------------------------------------------------- */

struct keycond_case {
    const char *expr;
    const char *hash, *range;
    enum ddbexpr_sk_op op;
    const char *v1, *v2; /* value names expected (":s"), or NULL */
    const char *error;
};

static const struct keycond_case KEYCONDS[] = {
    {"pk = :s", "pk", NULL, DDBEXPR_SK_NONE, NULL, NULL, NULL},
    {"pk = :s", "pk", "sk", DDBEXPR_SK_NONE, NULL, NULL, NULL},
    {"pk = :s AND sk = :n5", "pk", "sk", DDBEXPR_SK_EQ, ":n5", NULL, NULL},
    {"pk = :s AND sk < :n5", "pk", "sk", DDBEXPR_SK_LT, ":n5", NULL, NULL},
    {"pk = :s AND sk <= :n5", "pk", "sk", DDBEXPR_SK_LE, ":n5", NULL, NULL},
    {"pk = :s AND sk > :n5", "pk", "sk", DDBEXPR_SK_GT, ":n5", NULL, NULL},
    {"pk = :s AND sk >= :n5", "pk", "sk", DDBEXPR_SK_GE, ":n5", NULL, NULL},
    {"pk = :s AND sk BETWEEN :n4 AND :n5", "pk", "sk", DDBEXPR_SK_BETWEEN, ":n4", ":n5", NULL},
    {"pk = :s AND begins_with(sk, :hw)", "pk", "sk", DDBEXPR_SK_BEGINS_WITH, ":hw", NULL, NULL},
    {"sk < :n5 AND pk = :s", "pk", "sk", DDBEXPR_SK_LT, ":n5", NULL, NULL}, /* reversed */
    {"pk = :s AND :n5 < sk", "pk", "sk", DDBEXPR_SK_GT, ":n5", NULL, NULL}, /* value first */
    {":s = pk", "pk", NULL, DDBEXPR_SK_NONE, NULL, NULL, NULL},
    {"#k = :s", "k", NULL, DDBEXPR_SK_NONE, NULL, NULL, NULL},
    {"sk = :n5", "pk", "sk", 0, NULL, NULL, "Query condition missed key schema element: pk"},
    {"pk < :s", "pk", NULL, 0, NULL, NULL, "Query key condition not supported"},
    {"pk = :s AND extra = :n5", "pk", "sk", 0, NULL, NULL,
     "Query condition missed key schema element: sk"},
    {"pk = :s AND extra = :n5", "pk", NULL, 0, NULL, NULL, "Query key condition not supported"},
    {"pk > :s AND sk = :n5", "pk", "sk", 0, NULL, NULL, "Query key condition not supported"},
};

static void test_keycond(void **state)
{
    (void)state;
    struct env env;
    int failures = 0;
    env_open(&env, NAMES, VALUES);
    for (size_t i = 0; i < ARRAY_LEN(KEYCONDS); i++) {
        const struct keycond_case *c = &KEYCONDS[i];
        struct ddbexpr *e = NULL;
        struct awserr err = {0};
        struct ddbexpr_keycond kc;
        bool ok;
        int rc = ddbexpr_parse(c->expr, KEY, &env.ctx, &e, &err);
        if (rc == 0)
            rc = ddbexpr_keycond_extract(e, c->hash, c->range, &kc, &err);
        if (c->error) {
            ok = rc != 0 && strcmp(err.message, c->error) == 0;
        } else {
            json_t *s = json_object_get(env.values, ":s");
            ok = rc == 0 && kc.hash_value == s && kc.sk_op == c->op &&
                 kc.sk_value1 == (c->v1 ? json_object_get(env.values, c->v1) : NULL) &&
                 kc.sk_value2 == (c->v2 ? json_object_get(env.values, c->v2) : NULL);
        }
        if (!ok) {
            print_error("keycond %s (%s, %s): rc %d %s\n", c->expr, c->hash, c->range, rc,
                        err.message);
            failures++;
        }
        ddbexpr_free(e);
    }
    env_close(&env);
    assert_int_equal(failures, 0);
}

/* ---- top-level names -------------------------------------------------------------------- */

static void collect_name(const char *name, void *arg)
{
    struct buf *b = arg;
    buf_addf(b, "%s;", name);
}

static void test_top_names(void **state)
{
    (void)state;
    struct env env;
    struct ddbexpr *e = NULL;
    struct awserr err = {0};
    struct buf names = BUF_INIT;
    env_open(&env, NAMES, VALUES);
    assert_int_equal(ddbexpr_parse("a.b = :s AND (size(#n) > :n5 OR contains(l[0], :s)) AND "
                                   "a = :s",
                                   FILTER, &env.ctx, &e, &err), 0);
    ddbexpr_top_names(e, collect_name, &names);
    assert_string_equal(names.data, "a;title;l;");
    ddbexpr_free(e);
    buf_reset(&names);
    assert_int_equal(ddbexpr_parse("SET x = if_not_exists(y, :s) REMOVE #m.k", UPD, &env.ctx,
                                   &e, &err), 0);
    ddbexpr_top_names(e, collect_name, &names);
    assert_string_equal(names.data, "x;y;m;");
    ddbexpr_free(e);
    buf_free(&names);
    env_close(&env);
}

/* ---- value order ------------------------------------------------------------------------ */

static void test_value_compare(void **state)
{
    (void)state;
    static const struct { const char *a, *b; int want; } cases[] = {
        {"{\"N\": \"10\"}", "{\"N\": \"9\"}", 1},        {"{\"N\": \"-1\"}", "{\"N\": \"0\"}", -1},
        {"{\"N\": \"1.50\"}", "{\"N\": \"1.5\"}", 0},    {"{\"S\": \"a\"}", "{\"S\": \"b\"}", -1},
        {"{\"S\": \"ab\"}", "{\"S\": \"a\"}", 1},        {"{\"S\": \"Z\"}", "{\"S\": \"a\"}", -1},
        {"{\"S\": \"\\u00e9\"}", "{\"S\": \"z\"}", 1}, /* UTF-8 bytes */
        {"{\"B\": \"/w==\"}", "{\"B\": \"AA==\"}", 1}, /* bytes, not base64 text */
        {"{\"B\": \"AA==\"}", "{\"B\": \"AAA=\"}", -1},  {"{\"S\": \"1\"}", "{\"N\": \"1\"}", -2},
        {"{\"SS\": [\"a\"]}", "{\"SS\": [\"a\"]}", -2},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        json_t *a = parse_json(cases[i].a), *b = parse_json(cases[i].b);
        int got = ddbexpr_value_compare(a, b);
        if (got != cases[i].want)
            fail_msg("compare %s %s: want %d got %d", cases[i].a, cases[i].b, cases[i].want, got);
        json_decref(a);
        json_decref(b);
    }
}

/* ---- reserved words --------------------------------------------------------------------- */

static void test_reserved(void **state)
{
    (void)state;
    static const char *yes[] = {"ABORT", "abort", "zone", "ZoNe", "Status", "name", "size",
                                "DATA", "ttl", "value", "key", "year", "INNTER", "FLATTERN"};
    static const char *no[] = {"abortx", "abor", "zones", "id", "pk", "sk", "ab", "", "a"};
    for (size_t i = 0; i < ARRAY_LEN(yes); i++)
        if (!ddbexpr__is_reserved(yes[i], strlen(yes[i])))
            fail_msg("%s should be reserved", yes[i]);
    for (size_t i = 0; i < ARRAY_LEN(no); i++)
        if (ddbexpr__is_reserved(no[i], strlen(no[i])))
            fail_msg("%s should not be reserved", no[i]);
}

/* ---- legacy parameters ------------------------------------------------------------------ */

struct legacy_case {
    enum ddbexpr_kind kind;
    const char *conditions;
    const char *op; /* ConditionalOperator */
    int want;       /* evaluation on ITEM, or -1 when error is expected */
    const char *error;
};

#define INV "One or more parameter values were invalid: "

static const struct legacy_case LEGACY[] = {
    {COND, "{\"n\": {\"Value\": {\"N\": \"5\"}}}", NULL, 1, NULL},
    {COND, "{\"n\": {\"Value\": {\"N\": \"5.0\"}, \"Exists\": true}}", NULL, 1, NULL},
    {COND, "{\"n\": {\"Value\": {\"N\": \"4\"}}}", NULL, 0, NULL},
    {COND, "{\"zz\": {\"Exists\": false}}", NULL, 1, NULL},
    {COND, "{\"n\": {\"Exists\": false}}", NULL, 0, NULL},
    {COND, "{}", NULL, 1, NULL},
    {COND, "{\"n\": {\"ComparisonOperator\": \"EQ\", \"AttributeValueList\": [{\"N\": \"5\"}]}}",
     NULL, 1, NULL},
    {COND, "{\"n\": {\"ComparisonOperator\": \"EQ\", \"Value\": {\"N\": \"5\"}}}", NULL, 1, NULL},
    {COND, "{\"n\": {\"ComparisonOperator\": \"NE\", \"AttributeValueList\": [{\"N\": \"5\"}]}}",
     NULL, 0, NULL},
    {COND, "{\"zz\": {\"ComparisonOperator\": \"NE\", \"AttributeValueList\": [{\"N\": \"5\"}]}}",
     NULL, 1, NULL},
    {COND, "{\"n\": {\"ComparisonOperator\": \"LE\", \"AttributeValueList\": [{\"N\": \"5\"}]}}",
     NULL, 1, NULL},
    {COND, "{\"n\": {\"ComparisonOperator\": \"LT\", \"AttributeValueList\": [{\"N\": \"5\"}]}}",
     NULL, 0, NULL},
    {COND, "{\"n\": {\"ComparisonOperator\": \"GE\", \"AttributeValueList\": [{\"N\": \"5\"}]}}",
     NULL, 1, NULL},
    {COND, "{\"n\": {\"ComparisonOperator\": \"GT\", \"AttributeValueList\": [{\"N\": \"4\"}]}}",
     NULL, 1, NULL},
    {COND, "{\"n\": {\"ComparisonOperator\": \"NOT_NULL\"}}", NULL, 1, NULL},
    {COND, "{\"n\": {\"ComparisonOperator\": \"NULL\"}}", NULL, 0, NULL},
    {COND, "{\"zz\": {\"ComparisonOperator\": \"NULL\"}}", NULL, 1, NULL},
    {COND, "{\"ss\": {\"ComparisonOperator\": \"CONTAINS\", \"AttributeValueList\": "
           "[{\"S\": \"a\"}]}}", NULL, 1, NULL},
    {COND, "{\"title\": {\"ComparisonOperator\": \"CONTAINS\", \"AttributeValueList\": "
           "[{\"S\": \"lo w\"}]}}", NULL, 1, NULL},
    {COND, "{\"ss\": {\"ComparisonOperator\": \"NOT_CONTAINS\", \"AttributeValueList\": "
           "[{\"S\": \"a\"}]}}", NULL, 0, NULL},
    {COND, "{\"ss\": {\"ComparisonOperator\": \"NOT_CONTAINS\", \"AttributeValueList\": "
           "[{\"S\": \"q\"}]}}", NULL, 1, NULL},
    {COND, "{\"title\": {\"ComparisonOperator\": \"BEGINS_WITH\", \"AttributeValueList\": "
           "[{\"S\": \"hel\"}]}}", NULL, 1, NULL},
    {COND, "{\"n\": {\"ComparisonOperator\": \"IN\", \"AttributeValueList\": "
           "[{\"N\": \"1\"}, {\"N\": \"5\"}]}}", NULL, 1, NULL},
    {COND, "{\"n\": {\"ComparisonOperator\": \"BETWEEN\", \"AttributeValueList\": "
           "[{\"N\": \"1\"}, {\"N\": \"5\"}]}}", NULL, 1, NULL},
    {COND, "{\"n\": {\"ComparisonOperator\": \"BETWEEN\", \"AttributeValueList\": "
           "[{\"N\": \"6\"}, {\"N\": \"9\"}]}}", NULL, 0, NULL},
    {COND, "{\"n\": {\"Value\": {\"N\": \"4\"}}, \"id\": {\"Value\": {\"S\": \"abc\"}}}", "OR", 1,
     NULL},
    {COND, "{\"n\": {\"Value\": {\"N\": \"4\"}}, \"id\": {\"Value\": {\"S\": \"abc\"}}}", "AND", 0,
     NULL},
    {COND, "{\"n\": {\"Value\": {\"N\": \"4\"}}, \"id\": {\"Value\": {\"S\": \"abc\"}}}", NULL, 0,
     NULL},
    {FILTER, "{\"n\": {\"ComparisonOperator\": \"GT\", \"AttributeValueList\": [{\"N\": \"1\"}]}, "
             "\"zz\": {\"ComparisonOperator\": \"NULL\"}}", NULL, 1, NULL},
    /* errors */
    {COND, "{\"a\": {}}", NULL, -1, INV "Value must be provided when Exists is null for "
                                        "Attribute: a"},
    {COND, "{\"a\": {\"Exists\": true}}", NULL, -1, INV "Value must be provided when Exists is "
                                                        "true for Attribute: a"},
    {COND, "{\"a\": {\"Exists\": false, \"Value\": {\"S\": \"a\"}}}", NULL, -1,
     INV "Value cannot be used when Exists is false for Attribute: a"},
    {COND, "{\"a\": {\"ComparisonOperator\": \"EQ\", \"Exists\": true, \"AttributeValueList\": "
           "[{\"S\": \"a\"}]}}", NULL, -1,
     INV "Exists and ComparisonOperator cannot be used together for Attribute: a"},
    {COND, "{\"a\": {\"ComparisonOperator\": \"EQ\", \"Value\": {\"S\": \"a\"}, "
           "\"AttributeValueList\": [{\"S\": \"a\"}]}}", NULL, -1,
     INV "Value and AttributeValueList cannot be used together for Attribute: a"},
    {COND, "{\"a\": {\"AttributeValueList\": [{\"S\": \"a\"}]}}", NULL, -1,
     INV "AttributeValueList can only be used with a ComparisonOperator for Attribute: a"},
    {COND, "{\"a\": {\"ComparisonOperator\": \"EQ\"}}", NULL, -1,
     INV "Invalid number of argument(s) for the EQ ComparisonOperator"},
    {FILTER, "{\"a\": {\"ComparisonOperator\": \"NULL\", \"AttributeValueList\": "
             "[{\"S\": \"a\"}]}}", NULL, -1,
     INV "Invalid number of argument(s) for the NULL ComparisonOperator"},
    {FILTER, "{\"a\": {\"ComparisonOperator\": \"BETWEEN\", \"AttributeValueList\": "
             "[{\"S\": \"a\"}]}}", NULL, -1,
     INV "Invalid number of argument(s) for the BETWEEN ComparisonOperator"},
    {FILTER, "{\"a\": {\"ComparisonOperator\": \"IN\", \"AttributeValueList\": []}}", NULL, -1,
     INV "Invalid number of argument(s) for the IN ComparisonOperator"},
    {FILTER, "{\"a\": {\"ComparisonOperator\": \"LE\", \"AttributeValueList\": "
             "[{\"SS\": [\"a\"]}]}}", NULL, -1,
     INV "ComparisonOperator LE is not valid for SS AttributeValue type"},
    {FILTER, "{\"a\": {\"ComparisonOperator\": \"CONTAINS\", \"AttributeValueList\": "
             "[{\"NS\": [\"1\"]}]}}", NULL, -1,
     INV "ComparisonOperator CONTAINS is not valid for NS AttributeValue type"},
    {FILTER, "{\"a\": {\"ComparisonOperator\": \"BEGINS_WITH\", \"AttributeValueList\": "
             "[{\"N\": \"1\"}]}}", NULL, -1,
     INV "ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"},
    {FILTER, "{\"a\": {\"ComparisonOperator\": \"EQ\", \"AttributeValueList\": [{}]}}", NULL, -1,
     "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
    {FILTER, "{\"a\": {\"ComparisonOperator\": \"EQ\", \"AttributeValueList\": "
             "[{\"N\": \"b\"}]}}", NULL, -1,
     "The parameter cannot be converted to a numeric value: b"},
    {FILTER, "{\"a\": {\"ComparisonOperator\": \"XX\"}}", NULL, -1,
     "1 validation error detected: Value 'XX' at 'comparisonOperator' failed to satisfy "
     "constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, "
     "GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"},
    {COND, "{\"a\": {\"Exists\": false}}", "XOR", -1,
     "1 validation error detected: Value 'XOR' at 'conditionalOperator' failed to satisfy "
     "constraint: Member must satisfy enum value set: [OR, AND]"},
    {KEY, "{\"a\": {\"ComparisonOperator\": \"LE\"}}", NULL, -1,
     "The attempted filter operation is not supported for the provided filter argument count"},
    {KEY, "{\"a\": {\"ComparisonOperator\": \"NULL\"}, \"b\": {\"ComparisonOperator\": \"NULL\"}, "
          "\"c\": {\"ComparisonOperator\": \"NULL\"}}", NULL, -1,
     "Conditions can be of length 1 or 2 only"},
};

static void test_legacy_conditions(void **state)
{
    (void)state;
    json_t *item = parse_json(ITEM);
    int failures = 0;
    for (size_t i = 0; i < ARRAY_LEN(LEGACY); i++) {
        const struct legacy_case *c = &LEGACY[i];
        json_t *conds = parse_json(c->conditions);
        struct ddbexpr *e = NULL;
        struct awserr err = {0};
        int got = -1;
        if (ddbexpr_legacy_conditions(conds, c->op, c->kind, &e, &err) == 0)
            got = ddbexpr_eval(e, item, &err);
        bool ok = got == c->want && (c->want != -1 || strcmp(err.message, c->error) == 0);
        if (!ok) {
            print_error("legacy %s %s:\n  want %d %s\n  got  %d %s\n", c->conditions, c->op,
                        c->want, c->error ? c->error : "", got, err.message);
            failures++;
        }
        ddbexpr_free(e);
        json_decref(conds);
    }
    json_decref(item);
    assert_int_equal(failures, 0);
}

static void test_legacy_key_conditions(void **state)
{
    (void)state;
    static const struct {
        const char *conds, *hash, *range, *error;
        enum ddbexpr_sk_op op;
    } cases[] = {
        {"{\"pk\": {\"ComparisonOperator\": \"EQ\", \"AttributeValueList\": [{\"S\": \"a\"}]}, "
         "\"sk\": {\"ComparisonOperator\": \"BEGINS_WITH\", \"AttributeValueList\": "
         "[{\"S\": \"x\"}]}}", "pk", "sk", NULL, DDBEXPR_SK_BEGINS_WITH},
        {"{\"pk\": {\"ComparisonOperator\": \"EQ\", \"AttributeValueList\": [{\"S\": \"a\"}]}, "
         "\"sk\": {\"ComparisonOperator\": \"BETWEEN\", \"AttributeValueList\": "
         "[{\"N\": \"1\"}, {\"N\": \"2\"}]}}", "pk", "sk", NULL, DDBEXPR_SK_BETWEEN},
        {"{\"pk\": {\"ComparisonOperator\": \"EQ\", \"AttributeValueList\": [{\"S\": \"a\"}]}}",
         "pk", NULL, NULL, DDBEXPR_SK_NONE},
        {"{\"pk\": {\"ComparisonOperator\": \"NULL\"}}", "pk", NULL,
         "Attempted conditional constraint is not an indexable operation", 0},
        {"{\"pk\": {\"ComparisonOperator\": \"EQ\", \"AttributeValueList\": [{\"S\": \"a\"}]}, "
         "\"sk\": {\"ComparisonOperator\": \"CONTAINS\", \"AttributeValueList\": "
         "[{\"S\": \"a\"}]}}", "pk", "sk",
         "Attempted conditional constraint is not an indexable operation", 0},
        {"{\"pk\": {\"ComparisonOperator\": \"LE\", \"AttributeValueList\": [{\"S\": \"a\"}]}}",
         "pk", NULL, "Query key condition not supported", 0},
        {"{\"c\": {\"ComparisonOperator\": \"NULL\"}}", "pk", "sk",
         "Query condition missed key schema element: pk", 0},
        {"{\"pk\": {\"ComparisonOperator\": \"EQ\", \"AttributeValueList\": [{\"S\": \"a\"}]}, "
         "\"c\": {\"ComparisonOperator\": \"NULL\"}}", "pk", "sk",
         "Query condition missed key schema element: sk", 0},
        {"{\"pk\": {\"ComparisonOperator\": \"EQ\", \"AttributeValueList\": [{\"S\": \"a\"}]}, "
         "\"c\": {\"ComparisonOperator\": \"EQ\", \"AttributeValueList\": [{\"S\": \"a\"}]}}",
         "pk", NULL, "Query key condition not supported", 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        json_t *conds = parse_json(cases[i].conds);
        struct ddbexpr *e = NULL;
        struct awserr err = {0};
        struct ddbexpr_keycond kc;
        assert_int_equal(ddbexpr_legacy_conditions(conds, NULL, KEY, &e, &err), 0);
        int rc = ddbexpr_keycond_extract(e, cases[i].hash, cases[i].range, &kc, &err);
        if (cases[i].error) {
            if (rc == 0 || strcmp(err.message, cases[i].error) != 0)
                fail_msg("%s: want %s, got %s", cases[i].conds, cases[i].error, err.message);
        } else {
            if (rc != 0 || kc.sk_op != cases[i].op || !kc.hash_value)
                fail_msg("%s: rc %d op %d %s", cases[i].conds, rc, kc.sk_op, err.message);
        }
        ddbexpr_free(e);
        json_decref(conds);
    }
}

static void test_legacy_attributes_to_get(void **state)
{
    (void)state;
    json_t *item = parse_json(ITEM), *names = parse_json("[\"n\", \"a.b\", \"zz\"]");
    json_t *want = parse_json("{\"n\": {\"N\": \"5\"}, \"a.b\": {\"S\": \"dotted\"}}");
    struct ddbexpr *e = NULL;
    struct awserr err = {0};
    assert_int_equal(ddbexpr_legacy_attributes_to_get(names, &e, &err), 0);
    json_t *got = ddbexpr_project(e, item);
    assert_true(json_equal(got, want));
    json_decref(got);
    ddbexpr_free(e);
    json_decref(names);

    names = parse_json("[\"a\", \"b\", \"a\"]");
    assert_int_equal(ddbexpr_legacy_attributes_to_get(names, &e, &err), -1);
    assert_string_equal(err.message, INV "Duplicate value in attribute name: a");
    json_decref(names);
    json_decref(want);
    json_decref(item);
}

static void test_legacy_attribute_updates(void **state)
{
    (void)state;
    static const struct { const char *updates, *item, *want; } cases[] = {
        {"{\"n\": {\"Action\": \"ADD\", \"Value\": {\"N\": \"1\"}}, \"t\": {\"Action\": "
         "\"DELETE\"}, \"new\": {\"Value\": {\"S\": \"v\"}}, \"ss\": {\"Action\": \"DELETE\", "
         "\"Value\": {\"SS\": [\"a\"]}}, \"l\": {\"Action\": \"ADD\", \"Value\": {\"L\": "
         "[{\"S\": \"z\"}]}}, \"c\": {\"Action\": \"ADD\", \"Value\": {\"N\": \"3\"}}}",
         "{\"n\": {\"N\": \"5\"}, \"t\": {\"S\": \"x\"}, \"ss\": {\"SS\": [\"a\", \"b\"]}, "
         "\"l\": {\"L\": [{\"S\": \"y\"}]}}",
         "{\"n\": {\"N\": \"6\"}, \"new\": {\"S\": \"v\"}, \"ss\": {\"SS\": [\"b\"]}, "
         "\"l\": {\"L\": [{\"S\": \"y\"}, {\"S\": \"z\"}]}, \"c\": {\"N\": \"3\"}}"},
        {"{\"a\": {\"Action\": \"PUT\", \"Value\": {\"M\": {}}}}", "{\"a\": {\"N\": \"1\"}}",
         "{\"a\": {\"M\": {}}}"},
        {"{\"a\": {\"Action\": \"ADD\", \"Value\": {\"S\": \"x\"}}}", "{}",
         INV "ADD action is not supported for the type S"},
        {"{\"a\": {\"Action\": \"ADD\", \"Value\": {\"BOOL\": true}}}", "{}",
         INV "ADD action is not supported for the type BOOL"},
        {"{\"a\": {\"Action\": \"DELETE\", \"Value\": {\"S\": \"x\"}}}", "{}",
         INV "DELETE action with value is not supported for the type S"},
        {"{\"a\": {\"Action\": \"DELETE\", \"Value\": {\"L\": []}}}", "{}",
         INV "DELETE action with value is not supported for the type L"},
        {"{\"a\": {}}", "{}", INV "Only DELETE action is allowed when no attribute value is "
                                  "specified"},
        {"{\"a\": {\"Action\": \"ADD\"}}", "{}", INV "Only DELETE action is allowed when no "
                                                     "attribute value is specified"},
        {"{\"a\": {\"Action\": \"ADD\", \"Value\": {\"N\": \"1\"}}}", "{\"a\": {\"S\": \"x\"}}",
         "Type mismatch for attribute to update"},
    };
    int failures = 0;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        json_t *updates = parse_json(cases[i].updates), *item = parse_json(cases[i].item);
        json_t *want = cases[i].want[0] == '{' ? parse_json(cases[i].want) : NULL;
        struct ddbexpr *e = NULL;
        struct awserr err = {0};
        bool ok;
        if (ddbexpr_legacy_attribute_updates(updates, &e, &err) == 0 &&
            ddbexpr_update_apply(e, item, &err) == 0)
            ok = want && json_equal(want, item);
        else
            ok = !want && strcmp(err.message, cases[i].want) == 0;
        if (!ok) {
            char *got = json_dumps(item, JSON_COMPACT);
            print_error("%s on %s:\n  want %s\n  got  %s %s\n", cases[i].updates, cases[i].item,
                        cases[i].want, got, err.message);
            free(got);
            failures++;
        }
        ddbexpr_free(e);
        json_decref(want);
        json_decref(item);
        json_decref(updates);
    }
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eval),
        cmocka_unit_test(test_eval_no_item),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_valid_shapes),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_long_shapes),
        cmocka_unit_test(test_ctx),
        cmocka_unit_test(test_ctx_unused),
        cmocka_unit_test(test_update_apply),
        cmocka_unit_test(test_update_keys_and_project),
        cmocka_unit_test(test_projection),
        cmocka_unit_test(test_keycond),
        cmocka_unit_test(test_top_names),
        cmocka_unit_test(test_value_compare),
        cmocka_unit_test(test_reserved),
        cmocka_unit_test(test_legacy_conditions),
        cmocka_unit_test(test_legacy_key_conditions),
        cmocka_unit_test(test_legacy_attributes_to_get),
        cmocka_unit_test(test_legacy_attribute_updates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
