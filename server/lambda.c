/* server/lambda.c — Lambda's REST-JSON routing, function references and the helpers its
 * operation files share; see lambda.h.
 *
 * DESIGN: an operation is found by method plus path pattern (the model's requestUri), so
 * the table below reads like the wire reference's §4.1. Path parameters are whole segments;
 * a function parameter is one segment because names and ARNs contain no '/'. A trailing
 * slash is ignored: botocore sends ListFunctions as /2015-03-31/functions/ and
 * CreateFunction as /2015-03-31/functions. */
#include "server/lambda.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/awsjson.h"
#include "server/emuclock.h"
#include "server/ids.h"
#include "server/lambda_err.h"
#include "server/lambda_esm.h"
#include "server/lambda_function.h"
#include "server/lambda_invoke.h"
#include "server/lambda_policy.h"

#define LOG_MODULE "lambda"
#include "server/log.h"

static const char *const prefixes[] = {"/2015-03-31/", "/2017-10-31/", "/2019-09-30/",
                                       "/2019-09-25/", "/2014-11-13/", "/2017-03-31/",
                                       "/2016-08-19/"};

bool lambda_path_is(const char *path)
{
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(path, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return false;
}

static int invoke(struct req *req, const char *const *params, json_t *in, json_t **out,
                  struct awserr *err)
{
    (void)in, (void)out;
    return lambda_invoke(req, params[0], false, err);
}

static int invoke_async(struct req *req, const char *const *params, json_t *in, json_t **out,
                        struct awserr *err)
{
    (void)in, (void)out;
    return lambda_invoke(req, params[0], true, err);
}

/* How an operation's request and reply travel. */
enum op_kind {
    OP_JSON, /* JSON body in (may be empty), JSON reply with the table's status */
    OP_RAW,  /* the operation reads the body and writes the whole reply itself (Invoke) */
};

static const struct lambda_op {
    const char *method;
    const char *pattern; /* "{}" matches one path segment, a parameter */
    const char *name;
    lambda_op_fn fn;
    int status;
    enum op_kind kind;
} operations[] = {
    {"POST", "/2015-03-31/functions", "CreateFunction", lambda_create_function, 201, OP_JSON},
    {"GET", "/2015-03-31/functions", "ListFunctions", lambda_list_functions, 200, OP_JSON},
    {"GET", "/2015-03-31/functions/{}", "GetFunction", lambda_get_function, 200, OP_JSON},
    {"DELETE", "/2015-03-31/functions/{}", "DeleteFunction", lambda_delete_function, 204,
     OP_JSON},
    {"GET", "/2015-03-31/functions/{}/configuration", "GetFunctionConfiguration",
     lambda_get_function_configuration, 200, OP_JSON},
    {"PUT", "/2015-03-31/functions/{}/configuration", "UpdateFunctionConfiguration",
     lambda_update_function_configuration, 200, OP_JSON},
    {"PUT", "/2015-03-31/functions/{}/code", "UpdateFunctionCode", lambda_update_function_code,
     200, OP_JSON},
    {"POST", "/2015-03-31/functions/{}/invocations", "Invoke", invoke, 200, OP_RAW},
    {"POST", "/2014-11-13/functions/{}/invoke-async", "InvokeAsync", invoke_async, 202, OP_RAW},
    {"POST", "/2015-03-31/functions/{}/policy", "AddPermission", lambda_add_permission, 201,
     OP_JSON},
    {"GET", "/2015-03-31/functions/{}/policy", "GetPolicy", lambda_get_policy, 200, OP_JSON},
    {"DELETE", "/2015-03-31/functions/{}/policy/{}", "RemovePermission",
     lambda_remove_permission, 204, OP_JSON},
    {"PUT", "/2017-10-31/functions/{}/concurrency", "PutFunctionConcurrency",
     lambda_put_function_concurrency, 200, OP_JSON},
    {"GET", "/2019-09-30/functions/{}/concurrency", "GetFunctionConcurrency",
     lambda_get_function_concurrency, 200, OP_JSON},
    {"DELETE", "/2017-10-31/functions/{}/concurrency", "DeleteFunctionConcurrency",
     lambda_delete_function_concurrency, 204, OP_JSON},
    {"PUT", "/2019-09-25/functions/{}/event-invoke-config", "PutFunctionEventInvokeConfig",
     lambda_put_function_event_invoke_config, 200, OP_JSON},
    {"POST", "/2019-09-25/functions/{}/event-invoke-config", "UpdateFunctionEventInvokeConfig",
     lambda_update_function_event_invoke_config, 200, OP_JSON},
    {"GET", "/2019-09-25/functions/{}/event-invoke-config", "GetFunctionEventInvokeConfig",
     lambda_get_function_event_invoke_config, 200, OP_JSON},
    {"DELETE", "/2019-09-25/functions/{}/event-invoke-config",
     "DeleteFunctionEventInvokeConfig", lambda_delete_function_event_invoke_config, 204,
     OP_JSON},
    {"GET", "/2017-03-31/tags/{}", "ListTags", lambda_list_tags, 200, OP_JSON},
    {"POST", "/2017-03-31/tags/{}", "TagResource", lambda_tag_resource, 204, OP_JSON},
    {"DELETE", "/2017-03-31/tags/{}", "UntagResource", lambda_untag_resource, 204, OP_JSON},
    {"GET", "/2016-08-19/account-settings", "GetAccountSettings", lambda_get_account_settings,
     200, OP_JSON},
    {"POST", "/2015-03-31/event-source-mappings", "CreateEventSourceMapping",
     lambda_create_event_source_mapping, 202, OP_JSON},
    {"GET", "/2015-03-31/event-source-mappings", "ListEventSourceMappings",
     lambda_list_event_source_mappings, 200, OP_JSON},
    {"GET", "/2015-03-31/event-source-mappings/{}", "GetEventSourceMapping",
     lambda_get_event_source_mapping, 200, OP_JSON},
    {"PUT", "/2015-03-31/event-source-mappings/{}", "UpdateEventSourceMapping",
     lambda_update_event_source_mapping, 202, OP_JSON},
    {"DELETE", "/2015-03-31/event-source-mappings/{}", "DeleteEventSourceMapping",
     lambda_delete_event_source_mapping, 202, OP_JSON},
};

#define MAX_PARAMS 2

static int hex_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decodes a path segment into the arena. The front door hands us a decoded path
 * already; decoding again is harmless for every valid parameter (none contains '%') and
 * keeps us right for callers that pass the raw form. */
static char *segment_decode(struct req *req, const char *s, size_t n)
{
    char *out = req_alloc(req, n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hex_value(s[i + 1])) >= 0 &&
            (lo = hex_value(s[i + 2])) >= 0) {
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

/* Matches path against pattern, filling params; false when it does not match. */
static bool pattern_match(struct req *req, const char *pattern, const char *path,
                          const char *params[MAX_PARAMS])
{
    size_t len = strlen(path), n = 0;
    if (len > 1 && path[len - 1] == '/')
        len--; /* the trailing slash some models' requestUri carry */
    const char *p = pattern, *s = path, *end = path + len;
    while (*p && s < end) {
        if (p[0] == '{' && p[1] == '}') {
            size_t seg = strcspn(s, "/");
            if (s + seg > end)
                seg = (size_t)(end - s);
            if (seg == 0 || n == MAX_PARAMS)
                return false;
            params[n++] = segment_decode(req, s, seg);
            s += seg;
            p += 2;
        } else if (*p++ != *s++) {
            return false;
        }
    }
    return *p == '\0' && s == end;
}

static const struct lambda_op *op_find(struct req *req, const char *params[MAX_PARAMS])
{
    for (size_t i = 0; i < sizeof operations / sizeof operations[0]; i++) {
        const struct lambda_op *op = &operations[i];
        if (strcmp(op->method, req->method) == 0 &&
            pattern_match(req, op->pattern, req->path, params))
            return op;
    }
    return NULL;
}

static int run(struct req *req, const struct lambda_op *op, const char *const *params)
{
    struct awserr *err = &req->err;
    if (op->kind == OP_RAW) /* Invoke checks its own (smaller) payload limits */
        return op->fn(req, params, NULL, NULL, err);
    if (req->body_too_large)
        return awserr_raise(err, LAMBDA_REQUEST_TOO_LARGE,
                            "Request must be smaller than %u bytes for the %s operation",
                            LAMBDA_BODY_LIMIT, op->name);
    json_t *in = awsjson_parse(req->body.data, req->body.len, &LAMBDA_INVALID_REQUEST_CONTENT,
                               err);
    if (!in)
        return -1;
    json_t *out = NULL;
    int rc = op->fn(req, params, in, &out, err);
    json_decref(in);
    if (rc < 0) {
        json_decref(out);
        return -1;
    }
    buf_reset(&req->out);
    if (out)
        awsjson_body_write(req, out);
    json_decref(out);
    req->status = op->status;
    req->content_type = "application/json";
    return 0;
}

void lambda_dispatch(struct req *req)
{
    req->api = "Lambda";
    const char *params[MAX_PARAMS] = {NULL, NULL};
    const struct lambda_op *op = op_find(req, params);
    int rc;
    if (!op) {
        req->operation = "-";
        rc = awserr_raise(&req->err, LAMBDA_UNKNOWN_OPERATION, "Unknown operation: %s %.200s",
                          req->method, req->path);
    } else {
        req->operation = op->name;
        rc = run(req, op, params);
    }
    if (rc == 0)
        return;
    if (!awserr_is_set(&req->err))
        awserr_raise(&req->err, LAMBDA_SERVICE, "Internal server error");
    if (req->err.kind->status >= 500)
        LOG_ERROR("Lambda.%s failed at %s:%d: %s", req->operation, req->err.file,
                  req->err.line, req->err.message);
    lambda_error_write(req);
}

/* ---- function references ---- */

static bool chars_ok(const char *s, size_t n, const char *extra)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || (extra && c && strchr(extra, c))))
            return false;
    }
    return true;
}

static bool digits12(const char *s, size_t n)
{
    if (n != 12)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

#define FUNCTION_NAME_PATTERN                                                                  \
    "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?" \
    "([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"

int lambda__invalid(struct awserr *err, const char *value, const char *member,
                    const char *constraint)
{
    if (!value)
        return awserr_raise(err, LAMBDA_VALIDATION,
                            "1 validation error detected: Value null at '%s' failed to satisfy "
                            "constraint: Member must %s", member, constraint);
    return awserr_raise(err, LAMBDA_VALIDATION,
                        "1 validation error detected: Value '%.256s' at '%s' failed to satisfy "
                        "constraint: Member must %s", value, member, constraint);
}

/* Splits s on ':' into at most 8 parts; returns the count, or 9 when there are more. */
static int split_colons(const char *s, const char *part[8], size_t len[8])
{
    int n = 0;
    for (const char *p = s;; p++) {
        size_t k = strcspn(p, ":");
        if (n == 8)
            return 9;
        part[n] = p;
        len[n++] = k;
        p += k;
        if (!*p)
            return n;
    }
}

static bool part_is(const char *part, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(part, word, len) == 0;
}

int lambda__ref_parse(const struct req *req, const char *param, const char *qualifier,
                      struct lambda_ref *ref, struct awserr *err)
{
    memset(ref, 0, sizeof *ref);
    const char *part[8];
    size_t len[8];
    int n = split_colons(param, part, len);
    int name_at = -1;
    const char *region = NULL, *account = NULL;
    size_t region_len = 0;
    if (n >= 7 && n <= 8 && part_is(part[0], len[0], "arn") && len[1] >= 3 &&
        memcmp(part[1], "aws", 3) == 0 && part_is(part[2], len[2], "lambda") &&
        digits12(part[4], len[4]) && part_is(part[5], len[5], "function") && len[3] > 0) {
        region = part[3], region_len = len[3], account = part[4], name_at = 6;
    } else if (n >= 3 && n <= 4 && digits12(part[0], len[0]) &&
               part_is(part[1], len[1], "function")) {
        account = part[0], name_at = 2;
    } else if (n <= 2) {
        name_at = 0;
    }
    bool has_q = name_at >= 0 && n == name_at + 2;
    if (name_at < 0 || strlen(param) > 170 || len[name_at] == 0 ||
        !chars_ok(part[name_at], len[name_at], ".") ||
        (has_q && (len[n - 1] == 0 || !chars_ok(part[n - 1], len[n - 1], "$"))))
        return lambda__invalid(err, param, "functionName",
                               "satisfy regular expression pattern: " FUNCTION_NAME_PATTERN);
    if (len[name_at] > LAMBDA_NAME_MAX || memchr(part[name_at], '.', len[name_at]))
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                            "1 validation error detected: Value '%.170s' at 'functionName' "
                            "failed to satisfy constraint: Member must have length less than "
                            "or equal to 64",
                            param);
    if (region && (strlen(req->region) != region_len ||
                   memcmp(region, req->region, region_len) != 0))
        return awserr_raise(err, LAMBDA_RESOURCE_NOT_FOUND,
                            "Functions from '%.*s' are not reachable in this region ('%s')",
                            (int)region_len, region, req->region);
    if (account && memcmp(account, req->account, 12) != 0)
        return awserr_raise(err, LAMBDA_ACCESS_DENIED,
                            "User is not authorized to access functions of account %.12s",
                            account);
    memcpy(ref->name, part[name_at], len[name_at]);
    if (has_q) {
        if (len[n - 1] > LAMBDA_QUALIFIER_MAX)
            return lambda__invalid(err, param, "functionName",
                                   "have length less than or equal to 140");
        memcpy(ref->qualifier, part[n - 1], len[n - 1]);
    }
    if (qualifier) {
        size_t qn = strlen(qualifier);
        if (qn == 0 || qn > LAMBDA_QUALIFIER_MAX || !chars_ok(qualifier, qn, "$"))
            return lambda__invalid(err, qualifier, "qualifier",
                                   "satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)");
        if (has_q && strcmp(qualifier, ref->qualifier) != 0)
            return awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                                "The derived qualifier from the function name does not match "
                                "the specified qualifier.");
        memcpy(ref->qualifier, qualifier, qn + 1);
    }
    return 0;
}

void lambda__function_arn(const struct req *req, const char *name, const char *qualifier,
                          struct buf *out)
{
    buf_addf(out, "arn:aws:lambda:%s:%s:function:%s", req->region, req->account, name);
    if (qualifier && *qualifier)
        buf_addf(out, ":%s", qualifier);
}

int lambda__db(struct db **db, struct awserr *err)
{
    *db = db_thread();
    return *db ? 0 : awserr_raise(err, LAMBDA_SERVICE, "Internal server error");
}

static int not_found(const struct req *req, const struct lambda_ref *ref, struct awserr *err)
{
    struct buf arn = BUF_INIT;
    lambda__function_arn(req, ref->name, ref->qualifier, &arn);
    awserr_raise(err, LAMBDA_RESOURCE_NOT_FOUND, "Function not found: %s", arn.data);
    buf_free(&arn);
    return -1;
}

int lambda__function_get(const struct req *req, struct db *db, const struct lambda_ref *ref,
                         struct st_function *f, struct awserr *err)
{
    /* awsemu keeps $LATEST only: any other version or alias does not exist. */
    if (ref->qualifier[0] && strcmp(ref->qualifier, "$LATEST") != 0)
        return not_found(req, ref, err);
    int found = st_functions_get(db, req->account, req->region, ref->name, f);
    if (found < 0)
        return awserr_raise(err, LAMBDA_SERVICE, "Internal server error");
    return found ? 0 : not_found(req, ref, err);
}

json_t *lambda__config_parse(const struct st_function *f)
{
    json_t *config = json_loads(f->config, 0, NULL);
    if (!config) /* we wrote it: only a corrupted database gets here */
        LOG_ERROR("function '%s' has an unreadable configuration", f->name);
    return config;
}

void lambda__revision_bump(json_t *config)
{
    char id[IDS_UUID_LEN + 1];
    ids_uuid(id);
    json_object_set_new(config, "RevisionId", json_string(id));
}

json_t *lambda__last_modified(void)
{
    double now = emuclock_now();
    time_t secs = (time_t)floor(now);
    int ms = (int)((now - floor(now)) * 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char text[96];
    snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    return json_string(text);
}

int lambda__revision_check(const json_t *config, const char *revision_id, struct awserr *err)
{
    const char *current = json_string_value(json_object_get(config, "RevisionId"));
    if (!revision_id || (current && strcmp(current, revision_id) == 0))
        return 0;
    return awserr_raise(err, LAMBDA_PRECONDITION_FAILED,
                        "The Revision Id provided does not match the latest Revision Id. Call "
                        "the GetFunction/GetAlias API to retrieve the latest Revision Id");
}

int lambda__function_mutate(struct req *req, const struct lambda_ref *ref,
                            const char *revision_id, lambda_mutate_fn fn, void *arg,
                            json_t **config_out, struct awserr *err)
{
    struct db *db;
    if (lambda__db(&db, err) < 0)
        return -1;
    if (db_write_begin(db) < 0)
        return awserr_raise(err, LAMBDA_SERVICE, "Internal server error");
    struct st_function f = {.concurrency = -1};
    json_t *config = NULL;
    int rc = lambda__function_get(req, db, ref, &f, err);
    if (rc == 0 && !(config = lambda__config_parse(&f)))
        rc = awserr_raise(err, LAMBDA_SERVICE, "Internal server error");
    if (rc == 0)
        rc = lambda__revision_check(config, revision_id, err);
    if (rc == 0)
        rc = fn(req, &f, config, arg, err);
    if (rc == 1) {
        char *text = json_dumps(config, JSON_COMPACT);
        free(f.config);
        f.config = text;
        rc = st_functions_update(db, &f);
        if (rc < 0)
            awserr_raise(err, LAMBDA_SERVICE, "Internal server error");
    }
    if (rc >= 0 && db_write_commit(db) < 0)
        rc = awserr_raise(err, LAMBDA_SERVICE, "Internal server error");
    else if (rc < 0)
        db_write_rollback(db);
    st_function_free(&f);
    if (rc >= 0 && config_out)
        *config_out = json_incref(config);
    json_decref(config);
    return rc < 0 ? -1 : 0;
}

/* ---- Invoke's view of a function ---- */

static struct pool_function *pool_function_build(const struct req *req,
                                                 const struct st_function *f,
                                                 const json_t *config)
{
    struct pool_function *pf = xcalloc(1, sizeof *pf);
    struct buf arn = BUF_INIT;
    lambda__function_arn(req, f->name, NULL, &arn);
    pf->account = xstrdup(req->account);
    pf->region = xstrdup(req->region);
    pf->name = xstrdup(f->name);
    pf->arn = buf_take(&arn);
    pf->version = xstrdup("$LATEST");
    const char *runtime = json_string_value(json_object_get(config, "Runtime"));
    const char *handler = json_string_value(json_object_get(config, "Handler"));
    const char *revision = json_string_value(json_object_get(config, "RevisionId"));
    pf->runtime = xstrdup(runtime ? runtime : "");
    pf->handler = xstrdup(handler ? handler : "");
    pf->code_dir = xstrdup(f->code_dir);
    pf->revision = xstrdup(revision ? revision : "");
    json_t *vars = json_object_get(json_object_get(config, "Environment"), "Variables");
    pf->environment = json_is_object(vars) ? json_deep_copy(vars) : NULL;
    pf->timeout_s = (int)json_integer_value(json_object_get(config, "Timeout"));
    pf->memory_mb = (int)json_integer_value(json_object_get(config, "MemorySize"));
    pf->reserved_concurrency = f->concurrency >= 0 ? (int)f->concurrency : -1;
    return pf;
}

int lambda_function_load(struct req *req, const char *function_param, const char *qualifier,
                         struct pool_function **out, json_t **event_invoke_config,
                         struct awserr *err)
{
    *out = NULL;
    if (event_invoke_config)
        *event_invoke_config = NULL;
    struct lambda_ref ref;
    struct db *db;
    struct st_function f = {.concurrency = -1};
    if (lambda__ref_parse(req, function_param, qualifier, &ref, err) < 0 ||
        lambda__db(&db, err) < 0 || lambda__function_get(req, db, &ref, &f, err) < 0)
        return -1;
    json_t *config = lambda__config_parse(&f);
    int rc = 0;
    if (!config) {
        rc = awserr_raise(err, LAMBDA_SERVICE, "Internal server error");
    } else {
        *out = pool_function_build(req, &f, config);
        if (event_invoke_config && f.event_invoke)
            *event_invoke_config = json_loads(f.event_invoke, 0, NULL);
    }
    json_decref(config);
    st_function_free(&f);
    return rc;
}

/* ---- body members ---- */

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "START_OBJECT";
    case JSON_ARRAY: return "START_ARRAY";
    case JSON_STRING: return "VALUE_STRING";
    case JSON_INTEGER: return "VALUE_NUMBER_INT";
    case JSON_REAL: return "VALUE_NUMBER_FLOAT";
    case JSON_TRUE: return "VALUE_TRUE";
    case JSON_FALSE: return "VALUE_FALSE";
    default: return "VALUE_NULL";
    }
}

static int wrong_type(const json_t *v, const char *name, const char *expected,
                      struct awserr *err)
{
    return awserr_raise(err, LAMBDA_INVALID_REQUEST_CONTENT,
                        "Could not parse request body into json: Could not parse payload into "
                        "json: Cannot deserialize value of type `%s` from %s (member %s)",
                        expected, json_type_name(v), name);
}

static json_t *member(const json_t *in, const char *name)
{
    json_t *v = json_object_get(in, name);
    return v && !json_is_null(v) ? v : NULL;
}

int lambda__member_string(const json_t *in, const char *name, const char **out,
                          struct awserr *err)
{
    json_t *v = member(in, name);
    if (!v)
        return 0;
    if (!json_is_string(v))
        return wrong_type(v, name, "java.lang.String", err);
    *out = json_string_value(v);
    return 0;
}

int lambda__member_int(const json_t *in, const char *name, bool *present, long long *out,
                       struct awserr *err)
{
    json_t *v = member(in, name);
    *present = false;
    if (!v)
        return 0;
    if (!json_is_integer(v))
        return wrong_type(v, name, "java.lang.Integer", err);
    *out = json_integer_value(v);
    *present = true;
    return 0;
}

int lambda__member_bool(const json_t *in, const char *name, bool *out, struct awserr *err)
{
    json_t *v = member(in, name);
    if (!v)
        return 0;
    if (!json_is_boolean(v))
        return wrong_type(v, name, "java.lang.Boolean", err);
    *out = json_is_true(v);
    return 0;
}

int lambda__member_object(const json_t *in, const char *name, json_t **out, struct awserr *err)
{
    json_t *v = member(in, name);
    if (!v)
        return 0;
    if (!json_is_object(v))
        return wrong_type(v, name, "java.util.Map", err);
    *out = v;
    return 0;
}

int lambda__member_array(const json_t *in, const char *name, json_t **out, struct awserr *err)
{
    json_t *v = member(in, name);
    if (!v)
        return 0;
    if (!json_is_array(v))
        return wrong_type(v, name, "java.util.List", err);
    *out = v;
    return 0;
}
