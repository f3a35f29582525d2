/* server/dynamodb_expr_parse.h — the parsing half of dynamodb_expr.h: ddbexpr_ctx_init(),
 * ddbexpr_ctx_finish() and ddbexpr_parse() are defined in dynamodb_expr_parse.c, which owns the
 * lexer, the recursive-descent parser for the five expression kinds, the checks DynamoDB runs
 * on a parsed expression (and the order it reports them in), and the reserved words.
 *
 * Threads: any; nothing here has state beyond the request's ctx and the tree being built.
 * Errors: DDB_VALIDATION with DynamoDB's wording; a syntax error always wins over the checks
 *   that need a complete tree, and the checks report in DynamoDB's order (see the comment
 *   above `enum check` in the .c). */
#ifndef AWSEMU_DYNAMODB_EXPR_PARSE_H
#define AWSEMU_DYNAMODB_EXPR_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* True if word (any case) is one of DynamoDB's 573 reserved words. */
bool ddbexpr__is_reserved(const char *word, size_t len);

#endif
