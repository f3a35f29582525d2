/* server/dynamodb_expr_parse.c — lexer, parser and parse-time checks for DynamoDB's expression
 * language; see dynamodb_expr_parse.h and dynamodb_expr.h.
 *
 * DESIGN. The text is split into tokens first (whitespace dropped, keywords kept as
 * identifiers and recognised case-insensitively by the grammar that needs them), then one
 * recursive-descent parser per kind builds the tree. A syntax error stops the parse at once
 * with DynamoDB's message: the offending token and, as `near`, the source text from the
 * previous token to the next one ("SET a = b c d" → token "c", near "b c d"), which is what
 * AWS-recorded suites show.
 *
 * Everything else DynamoDB checks needs the whole expression, and it reports only the most
 * important problem, in a fixed order that differs by kind (recorded suites: dynalite's
 * tests, moto's). The parser therefore notes the first problem of each `enum check` category
 * as it goes (and in walks over the finished tree) and raises the first category in the kind's
 * order (ORDER_* below). In conditions the undefined-name, operand-count, distinct-operand and
 * operand-type problems are judged per condition, the first condition with any of them winning.
 *
 * Recursion is bounded: parentheses, NOT and function calls count towards DDBEXPR__MAX_DEPTH;
 * AND/OR chains are built iteratively into n-ary nodes. */
#include "server/dynamodb_expr_parse.h"

#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "server/buf.h"
#include "server/dynamodb_err.h"
#include "server/dynamodb_expr_ast.h"
#include "server/dynamodb_value.h"

/* ---- reserved words --------------------------------------------------------------------- */

/* "Reserved words in DynamoDB", DynamoDB developer guide (573 words, sorted for bsearch). */
static const char *const RESERVED[] = {
    "ABORT", "ABSOLUTE", "ACTION", "ADD", "AFTER", "AGENT", "AGGREGATE", "ALL", "ALLOCATE",
    "ALTER", "ANALYZE", "AND", "ANY", "ARCHIVE", "ARE", "ARRAY", "AS", "ASC", "ASCII",
    "ASENSITIVE", "ASSERTION", "ASYMMETRIC", "AT", "ATOMIC", "ATTACH", "ATTRIBUTE", "AUTH",
    "AUTHORIZATION", "AUTHORIZE", "AUTO", "AVG", "BACK", "BACKUP", "BASE", "BATCH", "BEFORE",
    "BEGIN", "BETWEEN", "BIGINT", "BINARY", "BIT", "BLOB", "BLOCK", "BOOLEAN", "BOTH", "BREADTH",
    "BUCKET", "BULK", "BY", "BYTE", "CALL", "CALLED", "CALLING", "CAPACITY", "CASCADE", "CASCADED",
    "CASE", "CAST", "CATALOG", "CHAR", "CHARACTER", "CHECK", "CLASS", "CLOB", "CLOSE", "CLUSTER",
    "CLUSTERED", "CLUSTERING", "CLUSTERS", "COALESCE", "COLLATE", "COLLATION", "COLLECTION",
    "COLUMN", "COLUMNS", "COMBINE", "COMMENT", "COMMIT", "COMPACT", "COMPILE", "COMPRESS",
    "CONDITION", "CONFLICT", "CONNECT", "CONNECTION", "CONSISTENCY", "CONSISTENT", "CONSTRAINT",
    "CONSTRAINTS", "CONSTRUCTOR", "CONSUMED", "CONTINUE", "CONVERT", "COPY", "CORRESPONDING",
    "COUNT", "COUNTER", "CREATE", "CROSS", "CUBE", "CURRENT", "CURSOR", "CYCLE", "DATA",
    "DATABASE", "DATE", "DATETIME", "DAY", "DEALLOCATE", "DEC", "DECIMAL", "DECLARE", "DEFAULT",
    "DEFERRABLE", "DEFERRED", "DEFINE", "DEFINED", "DEFINITION", "DELETE", "DELIMITED", "DEPTH",
    "DEREF", "DESC", "DESCRIBE", "DESCRIPTOR", "DETACH", "DETERMINISTIC", "DIAGNOSTICS",
    "DIRECTORIES", "DISABLE", "DISCONNECT", "DISTINCT", "DISTRIBUTE", "DO", "DOMAIN", "DOUBLE",
    "DROP", "DUMP", "DURATION", "DYNAMIC", "EACH", "ELEMENT", "ELSE", "ELSEIF", "EMPTY", "ENABLE",
    "END", "EQUAL", "EQUALS", "ERROR", "ESCAPE", "ESCAPED", "EVAL", "EVALUATE", "EXCEEDED",
    "EXCEPT", "EXCEPTION", "EXCEPTIONS", "EXCLUSIVE", "EXEC", "EXECUTE", "EXISTS", "EXIT",
    "EXPLAIN", "EXPLODE", "EXPORT", "EXPRESSION", "EXTENDED", "EXTERNAL", "EXTRACT", "FAIL",
    "FALSE", "FAMILY", "FETCH", "FIELDS", "FILE", "FILTER", "FILTERING", "FINAL", "FINISH",
    "FIRST", "FIXED", "FLATTERN", "FLOAT", "FOR", "FORCE", "FOREIGN", "FORMAT", "FORWARD", "FOUND",
    "FREE", "FROM", "FULL", "FUNCTION", "FUNCTIONS", "GENERAL", "GENERATE", "GET", "GLOB",
    "GLOBAL", "GO", "GOTO", "GRANT", "GREATER", "GROUP", "GROUPING", "HANDLER", "HASH", "HAVE",
    "HAVING", "HEAP", "HIDDEN", "HOLD", "HOUR", "IDENTIFIED", "IDENTITY", "IF", "IGNORE",
    "IMMEDIATE", "IMPORT", "IN", "INCLUDING", "INCLUSIVE", "INCREMENT", "INCREMENTAL", "INDEX",
    "INDEXED", "INDEXES", "INDICATOR", "INFINITE", "INITIALLY", "INLINE", "INNER", "INNTER",
    "INOUT", "INPUT", "INSENSITIVE", "INSERT", "INSTEAD", "INT", "INTEGER", "INTERSECT",
    "INTERVAL", "INTO", "INVALIDATE", "IS", "ISOLATION", "ITEM", "ITEMS", "ITERATE", "JOIN", "KEY",
    "KEYS", "LAG", "LANGUAGE", "LARGE", "LAST", "LATERAL", "LEAD", "LEADING", "LEAVE", "LEFT",
    "LENGTH", "LESS", "LEVEL", "LIKE", "LIMIT", "LIMITED", "LINES", "LIST", "LOAD", "LOCAL",
    "LOCALTIME", "LOCALTIMESTAMP", "LOCATION", "LOCATOR", "LOCK", "LOCKS", "LOG", "LOGED", "LONG",
    "LOOP", "LOWER", "MAP", "MATCH", "MATERIALIZED", "MAX", "MAXLEN", "MEMBER", "MERGE", "METHOD",
    "METRICS", "MIN", "MINUS", "MINUTE", "MISSING", "MOD", "MODE", "MODIFIES", "MODIFY", "MODULE",
    "MONTH", "MULTI", "MULTISET", "NAME", "NAMES", "NATIONAL", "NATURAL", "NCHAR", "NCLOB", "NEW",
    "NEXT", "NO", "NONE", "NOT", "NULL", "NULLIF", "NUMBER", "NUMERIC", "OBJECT", "OF", "OFFLINE",
    "OFFSET", "OLD", "ON", "ONLINE", "ONLY", "OPAQUE", "OPEN", "OPERATOR", "OPTION", "OR", "ORDER",
    "ORDINALITY", "OTHER", "OTHERS", "OUT", "OUTER", "OUTPUT", "OVER", "OVERLAPS", "OVERRIDE",
    "OWNER", "PAD", "PARALLEL", "PARAMETER", "PARAMETERS", "PARTIAL", "PARTITION", "PARTITIONED",
    "PARTITIONS", "PATH", "PERCENT", "PERCENTILE", "PERMISSION", "PERMISSIONS", "PIPE",
    "PIPELINED", "PLAN", "POOL", "POSITION", "PRECISION", "PREPARE", "PRESERVE", "PRIMARY",
    "PRIOR", "PRIVATE", "PRIVILEGES", "PROCEDURE", "PROCESSED", "PROJECT", "PROJECTION",
    "PROPERTY", "PROVISIONING", "PUBLIC", "PUT", "QUERY", "QUIT", "QUORUM", "RAISE", "RANDOM",
    "RANGE", "RANK", "RAW", "READ", "READS", "REAL", "REBUILD", "RECORD", "RECURSIVE", "REDUCE",
    "REF", "REFERENCE", "REFERENCES", "REFERENCING", "REGEXP", "REGION", "REINDEX", "RELATIVE",
    "RELEASE", "REMAINDER", "RENAME", "REPEAT", "REPLACE", "REQUEST", "RESET", "RESIGNAL",
    "RESOURCE", "RESPONSE", "RESTORE", "RESTRICT", "RESULT", "RETURN", "RETURNING", "RETURNS",
    "REVERSE", "REVOKE", "RIGHT", "ROLE", "ROLES", "ROLLBACK", "ROLLUP", "ROUTINE", "ROW", "ROWS",
    "RULE", "RULES", "SAMPLE", "SATISFIES", "SAVE", "SAVEPOINT", "SCAN", "SCHEMA", "SCOPE",
    "SCROLL", "SEARCH", "SECOND", "SECTION", "SEGMENT", "SEGMENTS", "SELECT", "SELF", "SEMI",
    "SENSITIVE", "SEPARATE", "SEQUENCE", "SERIALIZABLE", "SESSION", "SET", "SETS", "SHARD",
    "SHARE", "SHARED", "SHORT", "SHOW", "SIGNAL", "SIMILAR", "SIZE", "SKEWED", "SMALLINT",
    "SNAPSHOT", "SOME", "SOURCE", "SPACE", "SPACES", "SPARSE", "SPECIFIC", "SPECIFICTYPE", "SPLIT",
    "SQL", "SQLCODE", "SQLERROR", "SQLEXCEPTION", "SQLSTATE", "SQLWARNING", "START", "STATE",
    "STATIC", "STATUS", "STORAGE", "STORE", "STORED", "STREAM", "STRING", "STRUCT", "STYLE", "SUB",
    "SUBMULTISET", "SUBPARTITION", "SUBSTRING", "SUBTYPE", "SUM", "SUPER", "SYMMETRIC", "SYNONYM",
    "SYSTEM", "TABLE", "TABLESAMPLE", "TEMP", "TEMPORARY", "TERMINATED", "TEXT", "THAN", "THEN",
    "THROUGHPUT", "TIME", "TIMESTAMP", "TIMEZONE", "TINYINT", "TO", "TOKEN", "TOTAL", "TOUCH",
    "TRAILING", "TRANSACTION", "TRANSFORM", "TRANSLATE", "TRANSLATION", "TREAT", "TRIGGER", "TRIM",
    "TRUE", "TRUNCATE", "TTL", "TUPLE", "TYPE", "UNDER", "UNDO", "UNION", "UNIQUE", "UNIT",
    "UNKNOWN", "UNLOGGED", "UNNEST", "UNPROCESSED", "UNSIGNED", "UNTIL", "UPDATE", "UPPER", "URL",
    "USAGE", "USE", "USER", "USERS", "USING", "UUID", "VACUUM", "VALUE", "VALUED", "VALUES",
    "VARCHAR", "VARIABLE", "VARIANCE", "VARINT", "VARYING", "VIEW", "VIEWS", "VIRTUAL", "VOID",
    "WAIT", "WHEN", "WHENEVER", "WHERE", "WHILE", "WINDOW", "WITH", "WITHIN", "WITHOUT", "WORK",
    "WRAPPED", "WRITE", "YEAR", "ZONE",
};

struct word {
    const char *s;
    size_t len;
};

static int reserved_cmp(const void *key, const void *elem)
{
    const struct word *w = key;
    const char *r = *(const char *const *)elem;
    size_t rlen = strlen(r), n = w->len < rlen ? w->len : rlen;
    int c = strncasecmp(w->s, r, n);
    if (c != 0)
        return c;
    return w->len < rlen ? -1 : w->len > rlen ? 1 : 0;
}

bool ddbexpr__is_reserved(const char *word, size_t len)
{
    struct word w = {word, len};
    return bsearch(&w, RESERVED, sizeof RESERVED / sizeof RESERVED[0], sizeof RESERVED[0],
                   reserved_cmp) != NULL;
}

/* ---- ExpressionAttributeNames / ExpressionAttributeValues -------------------------------- */

/* ctx->_used: the keys some expression referred to, as two JSON objects used as sets. */
struct ctx_used {
    json_t *names;
    json_t *values;
};

/* '#' or ':' followed by one or more of [A-Za-z0-9_]. */
static bool placeholder_ok(const char *key, size_t len, char sigil)
{
    if (len < 2 || key[0] != sigil)
        return false;
    for (size_t i = 1; i < len; i++)
        if (!isalnum((unsigned char)key[i]) && key[i] != '_')
            return false;
    return true;
}

static int check_keys(json_t *map, const char *param, char sigil, struct awserr *err)
{
    const char *key;
    size_t len;
    json_t *v;
    json_object_keylen_foreach(map, key, len, v) {
        if (!placeholder_ok(key, len, sigil))
            return awserr_raise(err, DDB_VALIDATION,
                                "%s contains invalid key: Syntax error; key: \"%.*s\"", param,
                                (int)(len > 255 ? 255 : len), key);
    }
    return 0;
}

static int check_names(json_t *names, struct awserr *err)
{
    const char *key;
    json_t *v;
    if (!json_is_object(names))
        return awserr_raise(err, DDB_SERIALIZATION, "Unexpected field type");
    if (json_object_size(names) == 0)
        return awserr_raise(err, DDB_VALIDATION, "ExpressionAttributeNames must not be empty");
    if (check_keys(names, "ExpressionAttributeNames", '#', err) != 0)
        return -1;
    json_object_foreach(names, key, v) {
        if (!json_is_string(v) || json_string_length(v) == 0)
            return awserr_raise(err, DDB_VALIDATION,
                                "ExpressionAttributeNames contains invalid value: Empty "
                                "attribute name for key %s", key);
    }
    return 0;
}

static int check_values(json_t *values, struct awserr *err)
{
    const char *key;
    json_t *v;
    if (!json_is_object(values))
        return awserr_raise(err, DDB_SERIALIZATION, "Unexpected field type");
    if (json_object_size(values) == 0)
        return awserr_raise(err, DDB_VALIDATION, "ExpressionAttributeValues must not be empty");
    if (check_keys(values, "ExpressionAttributeValues", ':', err) != 0)
        return -1;
    json_object_foreach(values, key, v) {
        struct awserr inner = {0};
        if (ddbval_value_check(v, 1, &inner) == 0)
            continue;
        if (inner.kind != &DDB_VALIDATION) { /* a wire error is the deserializer's, as is */
            *err = inner;
            return -1;
        }
        return awserr_raise(err, DDB_VALIDATION,
                            "ExpressionAttributeValues contains invalid value: %s for key %s",
                            inner.message, key);
    }
    return 0;
}

int ddbexpr_ctx_init(struct ddbexpr_ctx *ctx, json_t *names, json_t *values, struct awserr *err)
{
    ctx->names = NULL;
    ctx->values = NULL;
    ctx->_used = NULL;
    if (names && check_names(names, err) != 0)
        return -1;
    if (values && check_values(values, err) != 0)
        return -1;
    struct ctx_used *used = xcalloc(1, sizeof *used);
    used->names = json_object();
    used->values = json_object();
    ctx->names = names;
    ctx->values = values;
    ctx->_used = used;
    return 0;
}

/* Lists the keys of map that are not in used ("{#a, #b}") into out; returns how many. */
static size_t unused_keys(json_t *map, json_t *used, struct buf *out)
{
    const char *key;
    size_t len, n = 0;
    json_t *v;
    if (!map)
        return 0;
    json_object_keylen_foreach(map, key, len, v) {
        if (json_object_getn(used, key, len))
            continue;
        buf_adds(out, n++ ? ", " : "{");
        buf_add(out, key, len);
    }
    if (n)
        buf_addc(out, '}');
    return n;
}

int ddbexpr_ctx_finish(struct ddbexpr_ctx *ctx, struct awserr *err)
{
    struct ctx_used *used = ctx->_used;
    int ret = 0;
    if (!used)
        return 0;
    if (err) {
        struct buf keys = BUF_INIT;
        const char *param = "ExpressionAttributeNames";
        if (!unused_keys(ctx->names, used->names, &keys)) {
            param = "ExpressionAttributeValues";
            unused_keys(ctx->values, used->values, &keys);
        }
        if (keys.len)
            ret = awserr_raise(err, DDB_VALIDATION,
                               "Value provided in %s unused in expressions: keys: %s", param,
                               keys.data);
        buf_free(&keys);
    }
    json_decref(used->names);
    json_decref(used->values);
    free(used);
    ctx->_used = NULL;
    return ret;
}

/* ---- lexer ------------------------------------------------------------------------------ */

enum tok {
    TK_EOF,
    TK_IDENT,  /* [A-Za-z_][A-Za-z0-9_]*, keywords included */
    TK_NAME,   /* #... */
    TK_VALUE,  /* :... */
    TK_NUMBER, /* [0-9]+ */
    TK_EQ,
    TK_NE,
    TK_LT,
    TK_LE,
    TK_GT,
    TK_GE,
    TK_LPAREN,
    TK_RPAREN,
    TK_LBRACKET,
    TK_RBRACKET,
    TK_COMMA,
    TK_DOT,
    TK_PLUS,
    TK_MINUS,
    TK_OTHER, /* any other character, as one (UTF-8) character */
};

struct token {
    enum tok kind;
    int start, len;
};

static bool is_word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

static int word_end(const char *s, int len, int i)
{
    while (i < len && is_word_char(s[i]))
        i++;
    return i;
}

/* Length of the UTF-8 character at s[i], at least 1 and never past len. */
static int utf8_len(const char *s, int len, int i)
{
    unsigned char c = (unsigned char)s[i];
    int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return i + n > len ? len - i : n;
}

struct punct {
    const char *text;
    enum tok kind;
};

/* Longest first, so "<=" wins over "<". */
static const struct punct PUNCT[] = {
    {"<=", TK_LE}, {"<>", TK_NE}, {">=", TK_GE}, {"=", TK_EQ},       {"<", TK_LT},
    {">", TK_GT},  {"(", TK_LPAREN}, {")", TK_RPAREN}, {"[", TK_LBRACKET}, {"]", TK_RBRACKET},
    {",", TK_COMMA}, {".", TK_DOT}, {"+", TK_PLUS},  {"-", TK_MINUS},
};

static struct token lex_one(const char *s, int len, int i)
{
    struct token t = {TK_OTHER, i, 0};
    char c = s[i];
    if (isalpha((unsigned char)c) || c == '_') {
        t.kind = TK_IDENT;
        t.len = word_end(s, len, i) - i;
    } else if (isdigit((unsigned char)c)) {
        t.kind = TK_NUMBER;
        t.len = word_end(s, len, i) - i; /* "1abc" is one bad token, not a number and a name */
        for (int j = i; j < i + t.len; j++)
            if (!isdigit((unsigned char)s[j]))
                t.kind = TK_OTHER;
    } else if (c == '#' || c == ':') {
        t.kind = c == '#' ? TK_NAME : TK_VALUE;
        t.len = word_end(s, len, i + 1) - i;
    } else {
        for (size_t k = 0; k < sizeof PUNCT / sizeof PUNCT[0]; k++) {
            size_t n = strlen(PUNCT[k].text);
            if ((size_t)(len - i) >= n && memcmp(s + i, PUNCT[k].text, n) == 0) {
                t.kind = PUNCT[k].kind;
                t.len = (int)n;
                return t;
            }
        }
        t.len = utf8_len(s, len, i);
    }
    return t;
}

/* Splits s into toks (room for len + 1), ending with TK_EOF at the end of the text. */
static void lex(const char *s, int len, struct token *toks)
{
    int i = 0, n = 0;
    for (;;) {
        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
            i++;
        if (i >= len)
            break;
        toks[n] = lex_one(s, len, i);
        i += toks[n++].len;
    }
    toks[n] = (struct token){TK_EOF, len, 0};
}

/* ---- parser state and reporting --------------------------------------------------------- */

/* What DynamoDB reports after a successful parse, one message per category. */
enum check {
    CHK_PARENS,     /* "The expression has redundant parentheses;" */
    CHK_UNKNOWN_FN, /* unknown function, or one not allowed in this kind */
    CHK_MISUSED_FN, /* a function used as an operand, or size() as a condition */
    CHK_RESERVED,   /* a bare reserved word as an attribute name */
    CHK_SECTION,    /* an update section twice */
    CHK_NAME,       /* undefined #name (updates, projections) */
    CHK_VALUE,      /* undefined :value (updates) */
    CHK_OVERLAP,    /* two document paths overlap */
    CHK_CONFLICT,   /* two document paths conflict */
    CHK_LEAF,       /* conditions: the first condition with a problem */
    CHK_OPERAND,    /* ADD/DELETE operand type */
    CHK_FUNCTION,   /* update functions and operators: operand count, path, types */
    CHK_LIMIT,      /* IN operands, operator count */
    CHK_KEY,        /* KeyConditionExpression shape */
    CHK_COUNT,
};

static const enum check ORDER_CONDITION[] = {CHK_PARENS, CHK_UNKNOWN_FN, CHK_MISUSED_FN,
                                             CHK_RESERVED, CHK_LEAF, CHK_LIMIT, CHK_KEY};
static const enum check ORDER_UPDATE[] = {CHK_RESERVED, CHK_UNKNOWN_FN, CHK_SECTION,
                                          CHK_NAME, CHK_VALUE, CHK_OVERLAP, CHK_CONFLICT,
                                          CHK_OPERAND, CHK_FUNCTION, CHK_LIMIT};
static const enum check ORDER_PROJECTION[] = {CHK_RESERVED, CHK_NAME, CHK_OVERLAP,
                                              CHK_CONFLICT};

static const char *const LABEL[] = {
    [DDBEXPR_CONDITION] = "ConditionExpression",
    [DDBEXPR_FILTER] = "FilterExpression",
    [DDBEXPR_KEY_CONDITION] = "KeyConditionExpression",
    [DDBEXPR_PROJECTION] = "ProjectionExpression",
    [DDBEXPR_UPDATE] = "UpdateExpression",
};

/* "The function is not allowed in <kind> expression" (DynamoDB lower-cases the kind). */
static const char *const ARTICLE_KIND[] = {
    [DDBEXPR_CONDITION] = "a condition",    [DDBEXPR_FILTER] = "a filter",
    [DDBEXPR_KEY_CONDITION] = "a keycondition", [DDBEXPR_PROJECTION] = "a projection",
    [DDBEXPR_UPDATE] = "an update",
};

struct parser {
    struct ddbexpr *e;
    struct ddbexpr_ctx *ctx;
    const char *s;
    int len;
    struct token *toks;
    int pos;
    int depth;
    int operators;
    struct awserr *err;
    bool noted[CHK_COUNT];
    char note[CHK_COUNT][sizeof ((struct awserr *)0)->message];
};

static const struct token *cur(const struct parser *p)
{
    return &p->toks[p->pos];
}

static bool at(const struct parser *p, enum tok kind)
{
    return cur(p)->kind == kind;
}

static bool at_keyword(const struct parser *p, const char *kw)
{
    const struct token *t = cur(p);
    return t->kind == TK_IDENT && (size_t)t->len == strlen(kw) &&
           strncasecmp(p->s + t->start, kw, (size_t)t->len) == 0;
}

/* Raises the syntax error at the current token; returns NULL for the callers' convenience. */
static void *syntax_error(struct parser *p)
{
    const struct token *t = cur(p);
    int from = p->pos > 0 ? p->toks[p->pos - 1].start : t->start;
    int to = t->kind == TK_EOF ? p->len : t[1].start + t[1].len;
    if (t->kind == TK_EOF)
        awserr_raise(p->err, DDB_VALIDATION,
                     "Invalid %s: Syntax error; token: \"<EOF>\", near: \"%.*s\"",
                     LABEL[p->e->kind], to - from, p->s + from);
    else
        awserr_raise(p->err, DDB_VALIDATION, "Invalid %s: Syntax error; token: \"%.*s\", "
                                             "near: \"%.*s\"", LABEL[p->e->kind], t->len,
                     p->s + t->start, to - from, p->s + from);
    return NULL;
}

static bool expect(struct parser *p, enum tok kind)
{
    if (!at(p, kind)) {
        syntax_error(p);
        return false;
    }
    p->pos++;
    return true;
}

/* Notes the first problem of a category; prefixed says whether DynamoDB puts
 * "Invalid <Kind>: " in front of it. */
static void note_v(struct parser *p, enum check chk, bool prefixed, const char *fmt, va_list ap)
{
    if (p->noted[chk])
        return;
    p->noted[chk] = true;
    char *m = p->note[chk];
    size_t cap = sizeof p->note[chk];
    int n = prefixed ? snprintf(m, cap, "Invalid %s: ", LABEL[p->e->kind]) : 0;
    vsnprintf(m + n, cap - (size_t)n, fmt, ap);
}

static void note(struct parser *p, enum check chk, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(struct parser *p, enum check chk, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    note_v(p, chk, true, fmt, ap);
    va_end(ap);
}

static void note_raw(struct parser *p, enum check chk, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note_raw(struct parser *p, enum check chk, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    note_v(p, chk, false, fmt, ap);
    va_end(ap);
}

static int raise_noted(struct parser *p, const enum check *order, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p->noted[order[i]])
            return awserr_raise(p->err, DDB_VALIDATION, "%s", p->note[order[i]]);
    return 0;
}

/* Entering parentheses, NOT or a function call. */
static bool descend(struct parser *p)
{
    if (++p->depth <= DDBEXPR__MAX_DEPTH)
        return true;
    awserr_raise(p->err, DDB_VALIDATION, "Invalid %s: The expression has exceeded the maximum "
                                         "nesting depth of %d", LABEL[p->e->kind],
                 DDBEXPR__MAX_DEPTH);
    return false;
}

static void count_operator(struct parser *p)
{
    if (++p->operators > DDBEXPR__MAX_OPERATORS)
        note(p, CHK_LIMIT, "The expression contains too many operators and functions; "
                           "maximum: %d", DDBEXPR__MAX_OPERATORS);
}

/* Copies n pointers (or structs) gathered in a buf into the tree's arena. */
static void *arena_copy(struct ddbexpr *e, const struct buf *b)
{
    return b->len ? ddbexpr__dup(e, b->data, b->len) : NULL;
}

/* ---- names, values and paths ------------------------------------------------------------ */

static void mark_used(json_t *set, const char *key, size_t len)
{
    json_object_setn_new(set, key, len, json_true());
}

static void resolve_name(struct parser *p, const struct token *t, struct ddbexpr__step *st)
{
    const char *key = p->s + t->start;
    json_t *v = p->ctx->names ? json_object_getn(p->ctx->names, key, (size_t)t->len) : NULL;
    if (v && json_is_string(v)) {
        st->name = json_string_value(v);
        st->len = json_string_length(v);
        mark_used(((struct ctx_used *)p->ctx->_used)->names, key, (size_t)t->len);
        return;
    }
    st->name = key;
    st->len = (size_t)t->len;
    st->undefined = true;
    note(p, CHK_NAME, "An expression attribute name used in the document path is not defined; "
                      "attribute name: %.*s", t->len, key);
}

/* Keywords of a kind's grammar cannot be bare attribute names. */
static bool is_grammar_keyword(const struct parser *p)
{
    static const char *const COND[] = {"AND", "OR", "NOT", "BETWEEN", "IN"};
    static const char *const UPDATE[] = {"SET", "REMOVE", "ADD", "DELETE"};
    bool update = p->e->kind == DDBEXPR_UPDATE;
    const char *const *kws = update ? UPDATE : COND;
    size_t n = update ? 4 : 5;
    if (p->e->kind == DDBEXPR_PROJECTION)
        return false;
    for (size_t i = 0; i < n; i++)
        if (at_keyword(p, kws[i]))
            return true;
    return false;
}

/* name ::= identifier | #name */
static bool parse_name(struct parser *p, struct ddbexpr__step *st)
{
    const struct token *t = cur(p);
    if (t->kind == TK_NAME && t->len > 1) {
        resolve_name(p, t, st);
    } else if (t->kind == TK_IDENT && isalpha((unsigned char)p->s[t->start]) &&
               !is_grammar_keyword(p)) {
        st->name = p->s + t->start;
        st->len = (size_t)t->len;
        if (ddbexpr__is_reserved(st->name, st->len))
            note(p, CHK_RESERVED, "Attribute name is a reserved keyword; reserved keyword: %.*s",
                 t->len, st->name);
    } else {
        syntax_error(p);
        return false;
    }
    p->pos++;
    return true;
}

/* '[' digits ']' */
static bool parse_index(struct parser *p, struct ddbexpr__step *st)
{
    p->pos++;
    const struct token *t = cur(p);
    if (t->kind != TK_NUMBER || t->len > 10)
        return syntax_error(p), false;
    unsigned long long v = strtoull(p->s + t->start, NULL, 10);
    if (v > 0x7fffffffULL)
        return syntax_error(p), false;
    st->is_index = true;
    st->index = (uint32_t)v;
    p->pos++;
    return expect(p, TK_RBRACKET);
}

/* path ::= name ( '.' name | '[' digits ']' )* */
static bool parse_path(struct parser *p, struct ddbexpr__path *out)
{
    struct buf steps = BUF_INIT;
    struct ddbexpr__step st = {0};
    bool ok = parse_name(p, &st);
    if (ok)
        buf_add(&steps, &st, sizeof st);
    while (ok && (at(p, TK_DOT) || at(p, TK_LBRACKET))) {
        memset(&st, 0, sizeof st);
        if (at(p, TK_DOT)) {
            p->pos++;
            ok = parse_name(p, &st);
        } else {
            ok = parse_index(p, &st);
        }
        if (ok)
            buf_add(&steps, &st, sizeof st);
    }
    if (ok) {
        out->steps = arena_copy(p->e, &steps);
        out->n = (int)(steps.len / sizeof st);
    }
    buf_free(&steps);
    return ok;
}

static struct ddbexpr__node *parse_path_node(struct parser *p)
{
    struct ddbexpr__node *n = ddbexpr__node_new(p->e, DDBEXPR__PATH);
    return parse_path(p, &n->path) ? n : NULL;
}

static struct ddbexpr__node *parse_value(struct parser *p)
{
    const struct token *t = cur(p);
    if (t->kind != TK_VALUE || t->len < 2)
        return syntax_error(p);
    struct ddbexpr__node *n = ddbexpr__node_new(p->e, DDBEXPR__VALUE);
    n->text = p->s + t->start;
    n->text_len = (size_t)t->len;
    json_t *v = p->ctx->values ? json_object_getn(p->ctx->values, n->text, n->text_len) : NULL;
    if (v) {
        n->value = v;
        mark_used(((struct ctx_used *)p->ctx->_used)->values, n->text, n->text_len);
    } else {
        note(p, CHK_VALUE, "An expression attribute value used in expression is not defined; "
                           "attribute value: %.*s", t->len, n->text);
    }
    p->pos++;
    return n;
}

/* Writes "[a, b, [1]]" into out. */
static void path_write(const struct ddbexpr__path *path, struct buf *out)
{
    buf_addc(out, '[');
    for (int i = 0; i < path->n; i++) {
        const struct ddbexpr__step *st = &path->steps[i];
        if (i)
            buf_adds(out, ", ");
        if (st->is_index)
            buf_addf(out, "[%u]", st->index);
        else
            buf_add(out, st->name, st->len);
    }
    buf_addc(out, ']');
}

static bool step_equal(const struct ddbexpr__step *a, const struct ddbexpr__step *b)
{
    if (a->is_index)
        return a->index == b->index;
    return a->len == b->len && memcmp(a->name, b->name, a->len) == 0;
}

static bool path_equal(const struct ddbexpr__path *a, const struct ddbexpr__path *b)
{
    if (a->n != b->n)
        return false;
    for (int i = 0; i < a->n; i++)
        if (a->steps[i].is_index != b->steps[i].is_index || !step_equal(&a->steps[i],
                                                                        &b->steps[i]))
            return false;
    return true;
}

enum relation { REL_NONE, REL_OVERLAP, REL_CONFLICT };

/* Two paths overlap when one is a prefix of the other; they conflict when, where they first
 * part, one goes by list index and the other by name. */
static enum relation path_relation(const struct ddbexpr__path *a, const struct ddbexpr__path *b)
{
    for (int i = 0; i < a->n && i < b->n; i++) {
        if (a->steps[i].is_index != b->steps[i].is_index)
            return REL_CONFLICT;
        if (!step_equal(&a->steps[i], &b->steps[i]))
            return REL_NONE;
    }
    return REL_OVERLAP;
}

static void note_relation(struct parser *p, enum relation rel, const struct ddbexpr__path *one,
                          const struct ddbexpr__path *two)
{
    struct buf a = BUF_INIT, b = BUF_INIT;
    path_write(one, &a);
    path_write(two, &b);
    note(p, rel == REL_OVERLAP ? CHK_OVERLAP : CHK_CONFLICT,
         "Two document paths %s with each other; must remove or rewrite one of these paths; "
         "path one: %s, path two: %s", rel == REL_OVERLAP ? "overlap" : "conflict", a.data,
         b.data);
    buf_free(&a);
    buf_free(&b);
}

/* Each path against every earlier one, in the order written; the first overlap ends it. */
static void check_paths(struct parser *p, const struct ddbexpr__path *const *paths, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = 0; j < i; j++) {
            enum relation rel = path_relation(paths[j], paths[i]);
            if (rel != REL_NONE)
                note_relation(p, rel, paths[j], paths[i]);
            if (rel == REL_OVERLAP)
                return;
        }
}

/* ---- functions -------------------------------------------------------------------------- */

struct fn_desc {
    const char *name;
    enum ddbexpr__fn fn;
    int nargs;
    bool update; /* an update function; the others are condition functions */
};

static const struct fn_desc FUNCTIONS[] = {
    {"attribute_exists", DDBEXPR__FN_ATTRIBUTE_EXISTS, 1, false},
    {"attribute_not_exists", DDBEXPR__FN_ATTRIBUTE_NOT_EXISTS, 1, false},
    {"attribute_type", DDBEXPR__FN_ATTRIBUTE_TYPE, 2, false},
    {"begins_with", DDBEXPR__FN_BEGINS_WITH, 2, false},
    {"contains", DDBEXPR__FN_CONTAINS, 2, false},
    {"size", DDBEXPR__FN_SIZE, 1, false},
    {"if_not_exists", DDBEXPR__FN_IF_NOT_EXISTS, 2, true},
    {"list_append", DDBEXPR__FN_LIST_APPEND, 2, true},
};

/* Function names are case-sensitive. */
static const struct fn_desc *fn_lookup(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof FUNCTIONS / sizeof FUNCTIONS[0]; i++)
        if (strlen(FUNCTIONS[i].name) == len && memcmp(FUNCTIONS[i].name, name, len) == 0)
            return &FUNCTIONS[i];
    return NULL;
}

static const struct fn_desc *fn_desc_of(const struct ddbexpr__node *n)
{
    return fn_lookup(n->text, n->text_len);
}

/* Unknown functions, and functions of the other family, are refused by name. */
static void check_function_name(struct parser *p, const struct ddbexpr__node *call)
{
    const struct fn_desc *d = fn_desc_of(call);
    bool update = p->e->kind == DDBEXPR_UPDATE;
    if (!d)
        note(p, CHK_UNKNOWN_FN, "Invalid function name; function: %.*s", (int)call->text_len,
             call->text);
    else if (d->update != update)
        note(p, CHK_UNKNOWN_FN, "The function is not allowed in %s expression; function: %s",
             ARTICLE_KIND[p->e->kind], d->name);
}

typedef struct ddbexpr__node *arg_parser(struct parser *p);

/* identifier '(' arg (',' arg)* ')' — the identifier is at the current token. */
static struct ddbexpr__node *parse_call(struct parser *p, arg_parser *parse_arg)
{
    struct ddbexpr__node *n = ddbexpr__node_new(p->e, DDBEXPR__CALL), *arg;
    struct buf args = BUF_INIT;
    n->text = p->s + cur(p)->start;
    n->text_len = (size_t)cur(p)->len;
    const struct fn_desc *d = fn_desc_of(n);
    n->fn = d ? d->fn : DDBEXPR__FN_UNKNOWN;
    p->pos += 2; /* name and '(' */
    if (!descend(p))
        return NULL;
    do {
        if (n->nargs && !expect(p, TK_COMMA))
            goto fail;
        if (!(arg = parse_arg(p)))
            goto fail;
        buf_add(&args, &arg, sizeof arg);
        n->nargs++;
    } while (!at(p, TK_RPAREN));
    p->pos++;
    p->depth--;
    n->args = arena_copy(p->e, &args);
    buf_free(&args);
    check_function_name(p, n);
    count_operator(p);
    return n;
fail:
    buf_free(&args);
    return NULL;
}

static bool at_call(const struct parser *p)
{
    return at(p, TK_IDENT) && p->toks[p->pos + 1].kind == TK_LPAREN;
}

/* ---- conditions ------------------------------------------------------------------------- */

static struct ddbexpr__node *parse_or(struct parser *p);

static bool is_plain_operand(const struct ddbexpr__node *n)
{
    return n->op == DDBEXPR__PATH || n->op == DDBEXPR__VALUE;
}

static bool is_operand(const struct ddbexpr__node *n)
{
    return is_plain_operand(n) || n->op == DDBEXPR__CALL;
}

static struct ddbexpr__node *parse_operand_p(struct parser *p);

/* operand ::= function | :value | path */
static struct ddbexpr__node *parse_operand(struct parser *p)
{
    if (at_call(p))
        return parse_call(p, parse_operand_p);
    if (at(p, TK_VALUE))
        return parse_value(p);
    return parse_path_node(p);
}

/* Marks n as parenthesised, noting doubled parentheses. */
static struct ddbexpr__node *parenthesised(struct parser *p, struct ddbexpr__node *n)
{
    if (n->parens)
        note(p, CHK_PARENS, "The expression has redundant parentheses;");
    n->parens = true;
    return n;
}

/* operand_p ::= '(' operand_p ')' | operand */
static struct ddbexpr__node *parse_operand_p(struct parser *p)
{
    if (!at(p, TK_LPAREN))
        return parse_operand(p);
    p->pos++;
    if (!descend(p))
        return NULL;
    struct ddbexpr__node *n = parse_operand_p(p);
    if (!n || !expect(p, TK_RPAREN))
        return NULL;
    p->depth--;
    return parenthesised(p, n);
}

/* primary ::= '(' condition ')' | operand — a parenthesised plain operand comes back as one */
static struct ddbexpr__node *parse_primary(struct parser *p)
{
    if (!at(p, TK_LPAREN))
        return parse_operand(p);
    p->pos++;
    if (!descend(p))
        return NULL;
    struct ddbexpr__node *n = parse_or(p);
    if (!n || !expect(p, TK_RPAREN))
        return NULL;
    p->depth--;
    return parenthesised(p, n);
}

static struct ddbexpr__node *node_n(struct parser *p, enum ddbexpr__op op, int nargs)
{
    struct ddbexpr__node *n = ddbexpr__node_new(p->e, op);
    n->args = ddbexpr__alloc(p->e, (size_t)nargs * sizeof *n->args);
    n->nargs = nargs;
    count_operator(p);
    return n;
}

static struct ddbexpr__node *node2(struct parser *p, enum ddbexpr__op op, struct ddbexpr__node *a,
                                   struct ddbexpr__node *b)
{
    struct ddbexpr__node *n = node_n(p, op, 2);
    n->args[0] = a;
    n->args[1] = b;
    return n;
}

static const struct {
    enum tok tok;
    enum ddbexpr__op op;
} COMPARATORS[] = {
    {TK_EQ, DDBEXPR__EQ}, {TK_NE, DDBEXPR__NE}, {TK_LT, DDBEXPR__LT},
    {TK_LE, DDBEXPR__LE}, {TK_GT, DDBEXPR__GT}, {TK_GE, DDBEXPR__GE},
};

static struct ddbexpr__node *parse_between(struct parser *p, struct ddbexpr__node *x)
{
    struct ddbexpr__node *lo, *hi, *n;
    p->pos++;
    if (!(lo = parse_operand_p(p)))
        return NULL;
    if (!at_keyword(p, "AND"))
        return syntax_error(p);
    p->pos++;
    if (!(hi = parse_operand_p(p)))
        return NULL;
    n = node_n(p, DDBEXPR__BETWEEN, 3);
    n->args[0] = x;
    n->args[1] = lo;
    n->args[2] = hi;
    return n;
}

static struct ddbexpr__node *parse_in(struct parser *p, struct ddbexpr__node *x)
{
    struct ddbexpr__node *n = ddbexpr__node_new(p->e, DDBEXPR__IN), *v;
    struct buf args = BUF_INIT;
    buf_add(&args, &x, sizeof x);
    p->pos++;
    if (!expect(p, TK_LPAREN))
        goto fail;
    do {
        if (args.len > sizeof x && !expect(p, TK_COMMA))
            goto fail;
        if (!(v = parse_operand_p(p)))
            goto fail;
        buf_add(&args, &v, sizeof v);
    } while (!at(p, TK_RPAREN));
    p->pos++;
    n->nargs = (int)(args.len / sizeof x);
    n->args = arena_copy(p->e, &args);
    buf_free(&args);
    if (n->nargs - 1 > DDBEXPR__MAX_IN)
        /* DynamoDB Local's message list has this wording. */
        note(p, CHK_LIMIT, "The IN operator is provided with too many operands; number of "
                           "operands: %d", n->nargs - 1);
    count_operator(p);
    return n;
fail:
    buf_free(&args);
    return NULL;
}

/* comparison ::= primary [ comparator operand_p | BETWEEN .. AND .. | IN ( .. ) ] */
static struct ddbexpr__node *parse_comparison(struct parser *p)
{
    struct ddbexpr__node *x = parse_primary(p), *y;
    if (!x)
        return NULL;
    for (size_t i = 0; i < sizeof COMPARATORS / sizeof COMPARATORS[0]; i++) {
        if (!at(p, COMPARATORS[i].tok))
            continue;
        if (!is_operand(x))
            return syntax_error(p);
        p->pos++;
        return (y = parse_operand_p(p)) ? node2(p, COMPARATORS[i].op, x, y) : NULL;
    }
    if (at_keyword(p, "BETWEEN") || at_keyword(p, "IN")) {
        if (!is_operand(x))
            return syntax_error(p);
        return at_keyword(p, "IN") ? parse_in(p, x) : parse_between(p, x);
    }
    return x;
}

/* not ::= NOT not | comparison */
static struct ddbexpr__node *parse_not(struct parser *p)
{
    if (!at_keyword(p, "NOT"))
        return parse_comparison(p);
    p->pos++;
    if (!descend(p))
        return NULL;
    struct ddbexpr__node *inner = parse_not(p);
    if (!inner)
        return NULL;
    if (is_plain_operand(inner))
        return syntax_error(p);
    p->depth--;
    struct ddbexpr__node *n = node_n(p, DDBEXPR__NOT, 1);
    n->args[0] = inner;
    return n;
}

typedef struct ddbexpr__node *cond_parser(struct parser *p);

/* One level of `a OP b OP c`, built into one n-ary node. */
static struct ddbexpr__node *parse_chain(struct parser *p, const char *kw, enum ddbexpr__op op,
                                         cond_parser *next)
{
    struct ddbexpr__node *first = next(p), *n, *item = first;
    struct buf args = BUF_INIT;
    if (!first || !at_keyword(p, kw))
        return first;
    buf_add(&args, &first, sizeof first);
    while (at_keyword(p, kw)) {
        if (is_plain_operand(item))
            goto fail;
        p->pos++;
        if (!(item = next(p)))
            goto out;
        buf_add(&args, &item, sizeof item);
        count_operator(p);
    }
    if (is_plain_operand(item))
        goto fail;
    n = ddbexpr__node_new(p->e, op);
    n->nargs = (int)(args.len / sizeof first);
    n->args = arena_copy(p->e, &args);
    buf_free(&args);
    return n;
fail:
    syntax_error(p);
out:
    buf_free(&args);
    return NULL;
}

static struct ddbexpr__node *parse_and(struct parser *p)
{
    return parse_chain(p, "AND", DDBEXPR__AND, parse_not);
}

static struct ddbexpr__node *parse_or(struct parser *p)
{
    return parse_chain(p, "OR", DDBEXPR__OR, parse_and);
}

/* ---- condition checks ------------------------------------------------------------------- */

/* Functions in their places: a condition function is a condition, size() an operand. */
static void check_function_use(struct parser *p, const struct ddbexpr__node *n, bool condition)
{
    if (n->op == DDBEXPR__CALL) {
        const struct fn_desc *d = fn_desc_of(n);
        if (d && !d->update && (d->fn == DDBEXPR__FN_SIZE) == condition)
            note(p, CHK_MISUSED_FN, "The function is not allowed to be used this way in an "
                                    "expression; function: %s", d->name);
        for (int i = 0; i < n->nargs; i++)
            check_function_use(p, n->args[i], false);
        return;
    }
    bool logical = n->op == DDBEXPR__AND || n->op == DDBEXPR__OR || n->op == DDBEXPR__NOT;
    for (int i = 0; i < n->nargs; i++)
        check_function_use(p, n->args[i], logical);
}

/* A leaf's first problem, by DynamoDB's order within a condition. */
struct leaf_check {
    char undefined[300], count[300], distinct[300], type[400];
};

static void leaf_set(char *slot, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void leaf_set(char *slot, size_t cap, const char *fmt, ...)
{
    if (slot[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(slot, cap, fmt, ap);
    va_end(ap);
}

#define LEAF_SET(lc, field, ...) leaf_set((lc)->field, sizeof (lc)->field, __VA_ARGS__)

static void leaf_undefined(struct leaf_check *lc, const struct ddbexpr__node *n)
{
    if (n->op == DDBEXPR__VALUE && !n->value)
        LEAF_SET(lc, undefined, "An expression attribute value used in expression is not "
                                "defined; attribute value: %.*s", (int)n->text_len, n->text);
    for (int i = 0; n->op == DDBEXPR__PATH && i < n->path.n; i++)
        if (n->path.steps[i].undefined)
            LEAF_SET(lc, undefined, "An expression attribute name used in the document path is "
                                    "not defined; attribute name: %.*s",
                     (int)n->path.steps[i].len, n->path.steps[i].name);
    for (int i = 0; n->op != DDBEXPR__PATH && i < n->nargs; i++)
        leaf_undefined(lc, n->args[i]);
}

/* The type an operand is known to have before evaluation: a value's, or N for size(). */
static const char *known_type(const struct ddbexpr__node *n)
{
    if (n->op == DDBEXPR__VALUE)
        return n->value ? ddbexpr__av_type(n->value, NULL) : NULL;
    if (n->op == DDBEXPR__CALL && n->fn == DDBEXPR__FN_SIZE)
        return "N";
    return NULL;
}

static void leaf_distinct(struct leaf_check *lc, const char *op, const struct ddbexpr__node *n)
{
    if (n->nargs != 2 || n->args[0]->op != DDBEXPR__PATH || n->args[1]->op != DDBEXPR__PATH ||
        !path_equal(&n->args[0]->path, &n->args[1]->path))
        return;
    struct buf s = BUF_INIT;
    path_write(&n->args[0]->path, &s);
    LEAF_SET(lc, distinct, "The first operand must be distinct from the remaining operands for "
                           "this operator or function; operator: %s, first operand: %s", op,
             s.data);
    buf_free(&s);
}

#define OPERAND_TYPE "Incorrect operand type for operator or function; operator or function: %s, " \
                     "operand type: %s"
#define ATTR_TYPES "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}"

static void leaf_attribute_type(struct leaf_check *lc, const struct ddbexpr__node *n)
{
    const char *t = known_type(n->args[1]);
    json_t *member;
    if (!t || strcmp(t, "S") != 0) {
        LEAF_SET(lc, type, OPERAND_TYPE, "attribute_type", t ? t : ATTR_TYPES);
        return;
    }
    ddbexpr__av_type(n->args[1]->value, &member);
    const char *name = json_string_value(member);
    static const char *const TYPES[] = {"S", "N", "B", "NULL", "SS", "BOOL", "L", "BS", "NS", "M"};
    for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
        if (strcmp(name, TYPES[i]) == 0 && strlen(TYPES[i]) == json_string_length(member))
            return;
    LEAF_SET(lc, type, "Invalid attribute type name found; type: %s, valid types: "
                       "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}", name);
}

/* Operand count, path and type rules of one condition function (arguments first). */
static void leaf_call(struct leaf_check *lc, const struct ddbexpr__node *n)
{
    const struct fn_desc *d = fn_desc_of(n);
    for (int i = 0; i < n->nargs; i++)
        if (n->args[i]->op == DDBEXPR__CALL)
            leaf_call(lc, n->args[i]);
    if (!d)
        return;
    if (n->nargs != d->nargs) {
        LEAF_SET(lc, count, "Incorrect number of operands for operator or function; operator or "
                            "function: %s, number of operands: %d", d->name, n->nargs);
        return;
    }
    leaf_distinct(lc, d->name, n);
    const char *t0 = known_type(n->args[0]), *t1 = n->nargs > 1 ? known_type(n->args[1]) : NULL;
    switch (d->fn) {
    case DDBEXPR__FN_ATTRIBUTE_EXISTS:
    case DDBEXPR__FN_ATTRIBUTE_NOT_EXISTS:
    case DDBEXPR__FN_ATTRIBUTE_TYPE:
        if (n->args[0]->op != DDBEXPR__PATH)
            LEAF_SET(lc, type, "Operator or function requires a document path; operator or "
                               "function: %s", d->name);
        else if (d->fn == DDBEXPR__FN_ATTRIBUTE_TYPE)
            leaf_attribute_type(lc, n);
        break;
    case DDBEXPR__FN_BEGINS_WITH:
        if (t0 && strcmp(t0, "S") != 0 && strcmp(t0, "B") != 0)
            LEAF_SET(lc, type, OPERAND_TYPE, d->name, t0);
        if (t1 && strcmp(t1, "S") != 0 && strcmp(t1, "B") != 0)
            LEAF_SET(lc, type, OPERAND_TYPE, d->name, t1);
        break;
    case DDBEXPR__FN_SIZE:
        if (t0 && (!strcmp(t0, "N") || !strcmp(t0, "BOOL") || !strcmp(t0, "NULL")))
            LEAF_SET(lc, type, OPERAND_TYPE, d->name, t0);
        break;
    default:
        break;
    }
}

/* "{N:1}", "{S:a}" as DynamoDB prints a bound in BETWEEN messages. */
static void av_write(const json_t *av, struct buf *out)
{
    json_t *m;
    const char *t = ddbexpr__av_type(av, &m);
    buf_addf(out, "{%s:", t ? t : "");
    if (json_is_string(m)) {
        buf_add(out, json_string_value(m), json_string_length(m));
    } else if (json_is_array(m) && t && (t[1] == 'S')) {
        for (size_t i = 0; i < json_array_size(m); i++)
            buf_addf(out, "%s%s", i ? "," : "", json_string_value(json_array_get(m, i)));
    } else if (m) {
        char *dump = json_dumps(m, JSON_COMPACT | JSON_ENCODE_ANY);
        buf_adds(out, dump ? dump : "");
        free(dump);
    }
    buf_addc(out, '}');
}

static void leaf_between(struct leaf_check *lc, const struct ddbexpr__node *n)
{
    const json_t *lo = n->args[1]->op == DDBEXPR__VALUE ? n->args[1]->value : NULL;
    const json_t *hi = n->args[2]->op == DDBEXPR__VALUE ? n->args[2]->value : NULL;
    if (!lo || !hi)
        return;
    const char *tlo = ddbexpr__av_type(lo, NULL), *thi = ddbexpr__av_type(hi, NULL);
    const char *what;
    if (strcmp(tlo, thi) != 0)
        what = "same data type for lower and upper bounds";
    else if (ddbexpr_value_compare(lo, hi) > 0)
        what = "upper bound to be greater than or equal to lower bound";
    else
        return;
    struct buf a = BUF_INIT, b = BUF_INIT;
    av_write(lo, &a);
    av_write(hi, &b);
    LEAF_SET(lc, type, "The BETWEEN operator requires %s; lower bound operand: AttributeValue: "
                       "%s, upper bound operand: AttributeValue: %s", what, a.data, b.data);
    buf_free(&a);
    buf_free(&b);
}

static const char *op_symbol(enum ddbexpr__op op)
{
    static const char *const SYM[] = {[DDBEXPR__EQ] = "=",  [DDBEXPR__NE] = "<>",
                                      [DDBEXPR__LT] = "<",  [DDBEXPR__LE] = "<=",
                                      [DDBEXPR__GT] = ">",  [DDBEXPR__GE] = ">=",
                                      [DDBEXPR__BETWEEN] = "BETWEEN", [DDBEXPR__IN] = "IN",
                                      [DDBEXPR__AND] = "AND", [DDBEXPR__OR] = "OR",
                                      [DDBEXPR__NOT] = "NOT", [DDBEXPR__PLUS] = "+",
                                      [DDBEXPR__MINUS] = "-"};
    return op < sizeof SYM / sizeof SYM[0] && SYM[op] ? SYM[op] : "";
}

/* Checks one condition (a comparison, BETWEEN, IN or function) and notes its first problem. */
static void check_leaf(struct parser *p, const struct ddbexpr__node *n)
{
    struct leaf_check lc;
    memset(&lc, 0, sizeof lc);
    leaf_undefined(&lc, n);
    if (n->op == DDBEXPR__CALL) {
        leaf_call(&lc, n);
    } else {
        for (int i = 0; i < n->nargs; i++)
            if (n->args[i]->op == DDBEXPR__CALL)
                leaf_call(&lc, n->args[i]);
        if (n->op != DDBEXPR__BETWEEN && n->op != DDBEXPR__IN)
            leaf_distinct(&lc, op_symbol(n->op), n);
        if (n->op == DDBEXPR__BETWEEN)
            leaf_between(&lc, n);
    }
    const char *first = lc.undefined[0] ? lc.undefined : lc.count[0] ? lc.count
                        : lc.distinct[0] ? lc.distinct : lc.type;
    if (first[0])
        note(p, CHK_LEAF, "%s", first);
}

static void check_leaves(struct parser *p, const struct ddbexpr__node *n)
{
    if (n->op == DDBEXPR__AND || n->op == DDBEXPR__OR || n->op == DDBEXPR__NOT) {
        for (int i = 0; i < n->nargs; i++)
            check_leaves(p, n->args[i]);
        return;
    }
    check_leaf(p, n);
}

/* ---- key conditions --------------------------------------------------------------------- */

/* Only AND, comparisons other than <>, BETWEEN and begins_with may appear. */
static bool key_operators(struct parser *p, const struct ddbexpr__node *n)
{
    switch (n->op) {
    case DDBEXPR__AND:
        for (int i = 0; i < n->nargs; i++)
            if (!key_operators(p, n->args[i]))
                return false;
        return true;
    case DDBEXPR__OR:
    case DDBEXPR__NOT:
    case DDBEXPR__IN:
    case DDBEXPR__NE:
        note_raw(p, CHK_KEY, "Invalid operator used in KeyConditionExpression: %s",
                 op_symbol(n->op));
        return false;
    case DDBEXPR__CALL:
        if (n->fn == DDBEXPR__FN_BEGINS_WITH)
            return true;
        note_raw(p, CHK_KEY, "Invalid operator used in KeyConditionExpression: %.*s",
                 (int)n->text_len, n->text);
        return false;
    default:
        return true;
    }
}

#define KEY_CONDITION_IN "Invalid condition in KeyConditionExpression: "

/* One operand of a key condition: at most one attribute, top-level, and no functions. */
static bool key_operand(struct parser *p, const struct ddbexpr__node *a,
                        const struct ddbexpr__node **key)
{
    if (a->op == DDBEXPR__CALL)
        note_raw(p, CHK_KEY, "KeyConditionExpressions cannot contain nested operations");
    else if (a->op == DDBEXPR__PATH && *key)
        note_raw(p, CHK_KEY, KEY_CONDITION_IN "Multiple attribute names used in one condition");
    else if (a->op == DDBEXPR__PATH && a->path.n > 1)
        note_raw(p, CHK_KEY, "KeyConditionExpressions cannot have conditions on nested "
                             "attributes");
    else if (a->op == DDBEXPR__PATH)
        *key = a;
    return !p->noted[CHK_KEY];
}

/* `:v < k` is `k > :v`. */
static enum ddbexpr_sk_op key_op(enum ddbexpr__op op, bool flipped)
{
    switch (op) {
    case DDBEXPR__EQ:
        return DDBEXPR_SK_EQ;
    case DDBEXPR__LT:
        return flipped ? DDBEXPR_SK_GT : DDBEXPR_SK_LT;
    case DDBEXPR__LE:
        return flipped ? DDBEXPR_SK_GE : DDBEXPR_SK_LE;
    case DDBEXPR__GT:
        return flipped ? DDBEXPR_SK_LT : DDBEXPR_SK_GT;
    case DDBEXPR__GE:
        return flipped ? DDBEXPR_SK_LE : DDBEXPR_SK_GE;
    case DDBEXPR__BETWEEN:
        return DDBEXPR_SK_BETWEEN;
    default:
        return DDBEXPR_SK_BEGINS_WITH;
    }
}

static bool key_leaf(struct parser *p, const struct ddbexpr__node *n, struct ddbexpr__keypart *kp)
{
    const struct ddbexpr__node *key = NULL;
    bool key_first = n->op == DDBEXPR__BETWEEN || n->op == DDBEXPR__CALL;
    if (key_first && n->args[0]->op == DDBEXPR__VALUE) {
        note_raw(p, CHK_KEY, KEY_CONDITION_IN "%s operator must have the key attribute as its "
                             "first operand", n->op == DDBEXPR__CALL ? "begins_with" : "BETWEEN");
        return false;
    }
    for (int i = 0; i < n->nargs; i++)
        if (!key_operand(p, n->args[i], &key))
            return false;
    if (!key) {
        note_raw(p, CHK_KEY, KEY_CONDITION_IN "No key attribute specified");
        return false;
    }
    bool flipped = key == n->args[1];
    kp->name = key->path.steps[0].name;
    kp->len = key->path.steps[0].len;
    kp->op = key_op(n->op, flipped);
    kp->v1 = n->args[flipped ? 0 : 1]->value;
    kp->v2 = n->op == DDBEXPR__BETWEEN ? n->args[2]->value : NULL;
    return true;
}

static void check_key_condition(struct parser *p)
{
    struct ddbexpr *e = p->e;
    const struct ddbexpr__node *root = e->root;
    if (!key_operators(p, root))
        return;
    struct ddbexpr__node *const *leaves = root->op == DDBEXPR__AND ? root->args : &e->root;
    int n = root->op == DDBEXPR__AND ? root->nargs : 1;
    bool nested_and = false;
    for (int i = 0; i < n; i++) {
        struct ddbexpr__keypart kp;
        if (leaves[i]->op == DDBEXPR__AND) { /* "(a AND b) AND c": more than two conditions */
            nested_and = true;
            continue;
        }
        if (!key_leaf(p, leaves[i], &kp))
            return;
        if (e->nkeyparts < 2)
            e->keyparts[e->nkeyparts] = kp;
        e->nkeyparts++;
    }
    bool same = e->nkeyparts == 2 && e->keyparts[0].len == e->keyparts[1].len &&
                memcmp(e->keyparts[0].name, e->keyparts[1].name, e->keyparts[0].len) == 0;
    if (nested_and || e->nkeyparts > 2 || same)
        note_raw(p, CHK_KEY, "KeyConditionExpressions must only contain one condition per key");
}

/* ---- updates ---------------------------------------------------------------------------- */

static struct ddbexpr__node *parse_set_value(struct parser *p);

static bool is_sum(const struct ddbexpr__node *n)
{
    return n->op == DDBEXPR__PLUS || n->op == DDBEXPR__MINUS;
}

static const char *immediate_type(const struct ddbexpr__node *n)
{
    return n->op == DDBEXPR__VALUE && n->value ? ddbexpr__av_type(n->value, NULL) : NULL;
}

/* Operand rules of if_not_exists, list_append, + and - that the text alone decides. */
static void check_update_function(struct parser *p, const struct ddbexpr__node *n)
{
    const char *name = n->op == DDBEXPR__CALL ? NULL : op_symbol(n->op), *want = "N";
    if (n->op == DDBEXPR__CALL) {
        const struct fn_desc *d = fn_desc_of(n);
        if (!d || !d->update)
            return; /* already refused by name */
        if (n->nargs != d->nargs) {
            note(p, CHK_FUNCTION, "Incorrect number of operands for operator or function; "
                                  "operator or function: %s, number of operands: %d", d->name,
                 n->nargs);
            return;
        }
        if (d->fn == DDBEXPR__FN_IF_NOT_EXISTS) {
            if (n->args[0]->op != DDBEXPR__PATH)
                note(p, CHK_FUNCTION, "Operator or function requires a document path; operator "
                                      "or function: %s", d->name);
            return;
        }
        name = d->name;
        want = "L";
    }
    for (int i = 0; i < n->nargs; i++) {
        const char *t = immediate_type(n->args[i]);
        if (t && strcmp(t, want) != 0) {
            note(p, CHK_FUNCTION, OPERAND_TYPE, name, t);
            return;
        }
    }
}

/* Function arguments are single operands: a parenthesised sum is refused. */
static struct ddbexpr__node *parse_update_term(struct parser *p);

static struct ddbexpr__node *parse_update_arg(struct parser *p)
{
    int start = p->pos;
    struct ddbexpr__node *n = parse_update_term(p);
    if (n && is_sum(n)) {
        p->pos = start;
        return syntax_error(p);
    }
    return n;
}

static struct ddbexpr__node *parse_update_operand(struct parser *p)
{
    if (at_call(p)) {
        struct ddbexpr__node *n = parse_call(p, parse_update_arg);
        if (n)
            check_update_function(p, n);
        return n;
    }
    if (at(p, TK_VALUE))
        return parse_value(p);
    return parse_path_node(p);
}

/* term ::= '(' set_value ')' | operand */
static struct ddbexpr__node *parse_update_term(struct parser *p)
{
    if (!at(p, TK_LPAREN))
        return parse_update_operand(p);
    p->pos++;
    if (!descend(p))
        return NULL;
    struct ddbexpr__node *n = parse_set_value(p);
    if (!n || !expect(p, TK_RPAREN))
        return NULL;
    p->depth--;
    n->parens = true;
    return n;
}

/* set_value ::= term [ ('+' | '-') term ] — one operator at most */
static struct ddbexpr__node *parse_set_value(struct parser *p)
{
    struct ddbexpr__node *x = parse_update_term(p), *y, *n;
    if (!x || (!at(p, TK_PLUS) && !at(p, TK_MINUS)))
        return x;
    if (is_sum(x))
        return syntax_error(p);
    enum ddbexpr__op op = at(p, TK_PLUS) ? DDBEXPR__PLUS : DDBEXPR__MINUS;
    p->pos++;
    int start = p->pos;
    if (!(y = parse_update_term(p)))
        return NULL;
    if (is_sum(y)) {
        p->pos = start;
        return syntax_error(p);
    }
    n = node2(p, op, x, y);
    check_update_function(p, n);
    return n;
}

static const char *const SECTIONS[] = {
    [DDBEXPR__SET] = "SET", [DDBEXPR__REMOVE] = "REMOVE", [DDBEXPR__ADD] = "ADD",
    [DDBEXPR__DELETE] = "DELETE"};

static int section_at(const struct parser *p)
{
    for (int k = 0; k < 4; k++)
        if (at_keyword(p, SECTIONS[k]))
            return k;
    return -1;
}

/* ADD takes numbers and sets, DELETE only sets; named as DynamoDB spells the types here. */
static void check_add_delete_operand(struct parser *p, enum ddbexpr__action_kind k,
                                     const struct ddbexpr__node *v)
{
    static const char *const WORDS[][2] = {{"S", "STRING"}, {"N", "NUMBER"}, {"B", "BINARY"},
                                           {"NULL", "NULL"}, {"BOOL", "BOOLEAN"},
                                           {"L", "LIST"},  {"M", "MAP"}};
    const char *t = immediate_type(v);
    if (!t || (k == DDBEXPR__ADD && strcmp(t, "N") == 0))
        return;
    for (size_t i = 0; i < sizeof WORDS / sizeof WORDS[0]; i++)
        if (strcmp(t, WORDS[i][0]) == 0)
            note(p, CHK_OPERAND, "Incorrect operand type for operator or function; operator: %s, "
                                 "operand type: %s", SECTIONS[k], WORDS[i][1]);
}

static bool parse_action(struct parser *p, enum ddbexpr__action_kind k, struct buf *actions)
{
    struct ddbexpr__action a = {.kind = k};
    if (!parse_path(p, &a.path))
        return false;
    if (k == DDBEXPR__SET) {
        if (!expect(p, TK_EQ) || !(a.value = parse_set_value(p)))
            return false;
    } else if (k != DDBEXPR__REMOVE) {
        if (!(a.value = parse_value(p)))
            return false;
        check_add_delete_operand(p, k, a.value);
    }
    buf_add(actions, &a, sizeof a);
    return true;
}

/* Paths of the actions or projections, in order, for the overlap checks. */
static void check_path_list(struct parser *p, const struct ddbexpr__path *first, size_t stride,
                            int n)
{
    const struct ddbexpr__path **paths = xcalloc((size_t)n + 1, sizeof *paths);
    for (int i = 0; i < n; i++)
        paths[i] = (const struct ddbexpr__path *)((const char *)first + (size_t)i * stride);
    check_paths(p, paths, n);
    free(paths);
}

/* update ::= ( SET .. | REMOVE .. | ADD .. | DELETE .. )+ */
static bool parse_update(struct parser *p)
{
    struct buf actions = BUF_INIT;
    bool seen[4] = {false};
    int k;
    while ((k = section_at(p)) >= 0) {
        if (seen[k])
            note(p, CHK_SECTION, "The \"%s\" section can only be used once in an update "
                                 "expression;", SECTIONS[k]);
        seen[k] = true;
        p->pos++;
        for (;;) {
            if (!parse_action(p, (enum ddbexpr__action_kind)k, &actions))
                goto fail;
            if (!at(p, TK_COMMA))
                break;
            p->pos++;
        }
    }
    if (!at(p, TK_EOF) || actions.len == 0) {
        syntax_error(p);
        goto fail;
    }
    p->e->nactions = (int)(actions.len / sizeof(struct ddbexpr__action));
    p->e->actions = arena_copy(p->e, &actions);
    buf_free(&actions);
    check_path_list(p, &p->e->actions[0].path, sizeof(struct ddbexpr__action), p->e->nactions);
    return true;
fail:
    buf_free(&actions);
    return false;
}

/* ---- projections ------------------------------------------------------------------------ */

/* projection ::= path (',' path)* */
static bool parse_projection(struct parser *p)
{
    struct buf paths = BUF_INIT;
    for (;;) {
        struct ddbexpr__path path;
        if (!parse_path(p, &path))
            goto fail;
        buf_add(&paths, &path, sizeof path);
        if (!at(p, TK_COMMA))
            break;
        p->pos++;
    }
    if (!at(p, TK_EOF)) {
        syntax_error(p);
        goto fail;
    }
    p->e->npaths = (int)(paths.len / sizeof(struct ddbexpr__path));
    p->e->paths = arena_copy(p->e, &paths);
    buf_free(&paths);
    check_path_list(p, p->e->paths, sizeof(struct ddbexpr__path), p->e->npaths);
    return true;
fail:
    buf_free(&paths);
    return false;
}

/* ---- entry ------------------------------------------------------------------------------ */

static bool parse_condition(struct parser *p)
{
    struct ddbexpr__node *root = parse_or(p);
    if (!root)
        return false;
    if (is_plain_operand(root) || !at(p, TK_EOF)) {
        syntax_error(p);
        return false;
    }
    p->e->root = root;
    check_function_use(p, root, true);
    check_leaves(p, root);
    return true;
}

static int parse_kind(struct parser *p)
{
    switch (p->e->kind) {
    case DDBEXPR_UPDATE:
        if (!parse_update(p))
            return -1;
        return raise_noted(p, ORDER_UPDATE, sizeof ORDER_UPDATE / sizeof ORDER_UPDATE[0]);
    case DDBEXPR_PROJECTION:
        if (!parse_projection(p))
            return -1;
        return raise_noted(p, ORDER_PROJECTION,
                           sizeof ORDER_PROJECTION / sizeof ORDER_PROJECTION[0]);
    default:
        if (!parse_condition(p))
            return -1;
        if (raise_noted(p, ORDER_CONDITION, sizeof ORDER_CONDITION / sizeof ORDER_CONDITION[0]))
            return -1;
        if (p->e->kind == DDBEXPR_KEY_CONDITION)
            check_key_condition(p);
        return raise_noted(p, ORDER_CONDITION, sizeof ORDER_CONDITION / sizeof ORDER_CONDITION[0]);
    }
}

int ddbexpr_parse(const char *text, enum ddbexpr_kind kind, struct ddbexpr_ctx *ctx,
                  struct ddbexpr **out, struct awserr *err)
{
    size_t len = strlen(text);
    *out = NULL;
    assert(ctx->_used); /* ddbexpr_ctx_init() first */
    if (len == 0)
        return awserr_raise(err, DDB_VALIDATION, "Invalid %s: The expression can not be empty;",
                            LABEL[kind]);
    if (len > DDBEXPR__MAX_TEXT)
        return awserr_raise(err, DDB_VALIDATION, "Invalid %s: Expression size has exceeded the "
                                                 "maximum allowed size; expression size: %zu",
                            LABEL[kind], len);
    /* The notes are read only once noted: zeroing them (CHK_COUNT messages) for every
     * expression parsed would cost more than the parse. */
    struct parser *p = xmalloc(sizeof *p);
    memset(p, 0, offsetof(struct parser, note));
    p->e = ddbexpr__new(kind);
    p->e->text = xstrndup(text, len);
    p->ctx = ctx;
    p->s = p->e->text;
    p->len = (int)len;
    p->toks = xcalloc(len + 2, sizeof *p->toks);
    p->err = err;
    lex(p->s, p->len, p->toks);
    int ret = parse_kind(p);
    if (ret == 0)
        *out = p->e;
    else
        ddbexpr_free(p->e);
    free(p->toks);
    free(p);
    return ret;
}
