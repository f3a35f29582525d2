/* server/lambda_policy.c — policy, concurrency, event invoke config, tags and account
 * settings; see lambda_policy.h. */
#include "server/lambda_policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/emuclock.h"
#include "server/lambda_err.h"
#include "storage/functions.h"

#define POLICY_MAX 20480
#define ACCOUNT_CONCURRENCY 1000
#define UNRESERVED_MIN 100
#define TAGS_MAX 50

static int ref_of(struct req *req, const char *param, struct lambda_ref *ref,
                  struct awserr *err)
{
    return lambda__ref_parse(req, param, req_query(req, "Qualifier"), ref, err);
}

/* Reads a function (no transaction): for the Get operations. */
static int function_read(struct req *req, const struct lambda_ref *ref, struct st_function *f,
                         struct awserr *err)
{
    struct db *db;
    if (lambda__db(&db, err) < 0)
        return -1;
    return lambda__function_get(req, db, ref, f, err);
}

static bool id_chars_ok(const char *s, const char *extra)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || strchr(extra, *s)))
            return false;
    return true;
}

/* ---- resource policy ---- */

struct permission {
    const struct lambda_ref *ref;
    json_t *in;
    const char *sid;
    char *statement; /* AddPermission's answer, JSON text */
};

static json_t *principal_of(const char *p)
{
    if (strcmp(p, "*") == 0)
        return json_string("*");
    bool account = strlen(p) == 12 && strspn(p, "0123456789") == 12;
    if (account) {
        char arn[64];
        snprintf(arn, sizeof arn, "arn:aws:iam::%s:root", p);
        return json_pack("{s:s}", "AWS", arn);
    }
    if (strncmp(p, "arn:", 4) == 0)
        return json_pack("{s:s}", "AWS", p);
    return json_pack("{s:s}", "Service", p);
}

static void condition_add(json_t *statement, const char *op, const char *key, const char *value)
{
    if (!value)
        return;
    json_t *cond = json_object_get(statement, "Condition");
    if (!cond) {
        cond = json_object();
        json_object_set_new(statement, "Condition", cond);
    }
    json_t *group = json_object_get(cond, op);
    if (!group) {
        group = json_object();
        json_object_set_new(cond, op, group);
    }
    json_object_set_new(group, key, json_string(value));
}

static json_t *statement_build(struct req *req, const struct permission *p, const char *action,
                               const char *principal)
{
    const char *source_arn = NULL, *source_account = NULL, *org = NULL, *token = NULL,
               *url_auth = NULL;
    lambda__member_string(p->in, "SourceArn", &source_arn, &req->err);
    lambda__member_string(p->in, "SourceAccount", &source_account, &req->err);
    lambda__member_string(p->in, "PrincipalOrgID", &org, &req->err);
    lambda__member_string(p->in, "EventSourceToken", &token, &req->err);
    lambda__member_string(p->in, "FunctionUrlAuthType", &url_auth, &req->err);
    struct buf arn = BUF_INIT;
    lambda__function_arn(req, p->ref->name, p->ref->qualifier, &arn);
    json_t *st = json_pack("{s:s, s:s, s:o, s:s, s:s}", "Sid", p->sid, "Effect", "Allow",
                           "Principal", principal_of(principal), "Action", action, "Resource",
                           arn.data);
    buf_free(&arn);
    condition_add(st, "StringEquals", "AWS:SourceAccount", source_account);
    condition_add(st, "StringEquals", "aws:PrincipalOrgID", org);
    condition_add(st, "StringEquals", "lambda:EventSourceToken", token);
    condition_add(st, "StringEquals", "lambda:FunctionUrlAuthType", url_auth);
    condition_add(st, "ArnLike", "AWS:SourceArn", source_arn);
    return st;
}

static json_t *policy_parse(const struct st_function *f)
{
    json_t *policy = f->policy ? json_loads(f->policy, 0, NULL) : NULL;
    if (!json_is_object(policy) || !json_is_array(json_object_get(policy, "Statement"))) {
        json_decref(policy);
        policy = json_pack("{s:s, s:s, s:[]}", "Version", "2012-10-17", "Id", "default",
                           "Statement");
    }
    return policy;
}

static int permission_add(struct req *req, struct st_function *f, json_t *config, void *arg,
                          struct awserr *err)
{
    struct permission *p = arg;
    const char *action = json_string_value(json_object_get(p->in, "Action"));
    const char *principal = json_string_value(json_object_get(p->in, "Principal"));
    json_t *policy = policy_parse(f);
    json_t *list = json_object_get(policy, "Statement"), *st;
    size_t i;
    json_array_foreach(list, i, st) {
        const char *sid = json_string_value(json_object_get(st, "Sid"));
        if (sid && strcmp(sid, p->sid) == 0) {
            json_decref(policy);
            return awserr_raise(err, LAMBDA_RESOURCE_CONFLICT,
                                "The statement id (%s) provided already exists. Please provide a "
                                "new statement id, or remove the existing statement.", p->sid);
        }
    }
    json_t *statement = statement_build(req, p, action, principal);
    json_array_append(list, statement);
    char *text = json_dumps(policy, JSON_COMPACT);
    json_decref(policy);
    size_t size = strlen(text);
    if (size > POLICY_MAX) {
        free(text);
        json_decref(statement);
        return awserr_raise(err, LAMBDA_POLICY_TOO_LONG,
                            "The final policy size (%zu) is bigger than the limit (%d).", size,
                            POLICY_MAX);
    }
    free(f->policy);
    f->policy = text;
    p->statement = json_dumps(statement, JSON_COMPACT);
    json_decref(statement);
    lambda__revision_bump(config);
    return 1;
}

int lambda_add_permission(struct req *req, const char *const *params, json_t *in, json_t **out,
                          struct awserr *err)
{
    struct lambda_ref ref;
    const char *sid = NULL, *action = NULL, *principal = NULL, *revision = NULL, *s = NULL;
    if (ref_of(req, params[0], &ref, err) < 0 ||
        lambda__member_string(in, "StatementId", &sid, err) < 0 ||
        lambda__member_string(in, "Action", &action, err) < 0 ||
        lambda__member_string(in, "Principal", &principal, err) < 0 ||
        lambda__member_string(in, "RevisionId", &revision, err) < 0 ||
        lambda__member_string(in, "SourceArn", &s, err) < 0 ||
        lambda__member_string(in, "SourceAccount", &s, err) < 0 ||
        lambda__member_string(in, "PrincipalOrgID", &s, err) < 0 ||
        lambda__member_string(in, "EventSourceToken", &s, err) < 0 ||
        lambda__member_string(in, "FunctionUrlAuthType", &s, err) < 0)
        return -1;
    if (!sid)
        return lambda__invalid(err, NULL, "statementId", "not be null");
    if (!action)
        return lambda__invalid(err, NULL, "action", "not be null");
    if (!principal)
        return lambda__invalid(err, NULL, "principal", "not be null");
    if (strlen(sid) > 100 || !id_chars_ok(sid, "."))
        return lambda__invalid(err, sid, "statementId",
                               "satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)");
    bool action_ok = strcmp(action, "*") == 0 || strcmp(action, "lambda:*") == 0 ||
                     (strncmp(action, "lambda:", 7) == 0 && action[7] &&
                      strspn(action + 7, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") ==
                          strlen(action + 7));
    if (!action_ok)
        return lambda__invalid(err, action, "action",
                               "satisfy regular expression pattern: "
                               "(lambda:[*]|lambda:[a-zA-Z]+|[*])");
    if (!*principal || strpbrk(principal, " \t\r\n"))
        return lambda__invalid(err, principal, "principal",
                               "satisfy regular expression pattern: [^\\s]+");
    if (strcmp(ref.qualifier, "$LATEST") == 0)
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                            "We currently do not support adding policies for $LATEST.");
    struct permission p = {&ref, in, sid, NULL};
    if (lambda__function_mutate(req, &ref, revision, permission_add, &p, NULL, err) < 0)
        return -1;
    *out = json_pack("{s:s}", "Statement", p.statement);
    free(p.statement);
    return 0;
}

static int no_policy(struct awserr *err)
{
    return awserr_raise(err, LAMBDA_RESOURCE_NOT_FOUND,
                        "No policy is associated with the given resource.");
}

int lambda_get_policy(struct req *req, const char *const *params, json_t *in, json_t **out,
                      struct awserr *err)
{
    (void)in;
    struct lambda_ref ref;
    struct st_function f = {.concurrency = -1};
    int rc = ref_of(req, params[0], &ref, err);
    if (rc == 0)
        rc = function_read(req, &ref, &f, err);
    json_t *config = rc == 0 ? lambda__config_parse(&f) : NULL;
    if (rc == 0 && !config)
        rc = awserr_raise(err, LAMBDA_SERVICE, "Internal server error");
    if (rc == 0 && !f.policy)
        rc = no_policy(err);
    if (rc == 0)
        *out = json_pack("{s:s, s:O}", "Policy", f.policy, "RevisionId",
                         json_object_get(config, "RevisionId"));
    json_decref(config);
    st_function_free(&f);
    return rc;
}

static int permission_remove(struct req *req, struct st_function *f, json_t *config, void *arg,
                             struct awserr *err)
{
    (void)req;
    const char *sid = arg;
    if (!f->policy)
        return no_policy(err);
    json_t *policy = policy_parse(f);
    json_t *list = json_object_get(policy, "Statement"), *st;
    size_t i, found = (size_t)-1;
    json_array_foreach(list, i, st) {
        const char *s = json_string_value(json_object_get(st, "Sid"));
        if (s && strcmp(s, sid) == 0)
            found = i;
    }
    if (found == (size_t)-1) {
        json_decref(policy);
        return awserr_raise(err, LAMBDA_RESOURCE_NOT_FOUND,
                            "Statement %.100s is not found in resource policy.", sid);
    }
    json_array_remove(list, found);
    free(f->policy);
    f->policy = json_array_size(list) ? json_dumps(policy, JSON_COMPACT) : NULL;
    json_decref(policy);
    lambda__revision_bump(config);
    return 1;
}

int lambda_remove_permission(struct req *req, const char *const *params, json_t *in,
                             json_t **out, struct awserr *err)
{
    (void)in, (void)out;
    struct lambda_ref ref;
    if (ref_of(req, params[0], &ref, err) < 0)
        return -1;
    if (strlen(params[1]) > 100 || !id_chars_ok(params[1], "."))
        return lambda__invalid(err, params[1], "statementId",
                               "satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)");
    return lambda__function_mutate(req, &ref, req_query(req, "RevisionId"), permission_remove,
                                   (void *)params[1], NULL, err);
}

/* ---- reserved concurrency ---- */

static int concurrency_set(struct req *req, struct st_function *f, json_t *config, void *arg,
                           struct awserr *err)
{
    (void)req, (void)config, (void)err;
    f->concurrency = *(const long long *)arg;
    return 1;
}

int lambda_put_function_concurrency(struct req *req, const char *const *params, json_t *in,
                                    json_t **out, struct awserr *err)
{
    struct lambda_ref ref;
    bool present;
    long long n = 0;
    if (lambda__ref_parse(req, params[0], NULL, &ref, err) < 0 ||
        lambda__member_int(in, "ReservedConcurrentExecutions", &present, &n, err) < 0)
        return -1;
    if (!present)
        return lambda__invalid(err, NULL, "reservedConcurrentExecutions", "not be null");
    if (n < 0) {
        char value[32];
        snprintf(value, sizeof value, "%lld", n);
        return lambda__invalid(err, value, "reservedConcurrentExecutions",
                               "have value greater than or equal to 0");
    }
    if (n > ACCOUNT_CONCURRENCY - UNRESERVED_MIN)
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                            "Specified ReservedConcurrentExecutions for function decreases "
                            "account's UnreservedConcurrentExecution below its minimum value of "
                            "[%d].", UNRESERVED_MIN);
    if (lambda__function_mutate(req, &ref, NULL, concurrency_set, &n, NULL, err) < 0)
        return -1;
    pool_function_changed(req->account, req->region, ref.name);
    *out = json_pack("{s:I}", "ReservedConcurrentExecutions", (json_int_t)n);
    return 0;
}

int lambda_get_function_concurrency(struct req *req, const char *const *params, json_t *in,
                                    json_t **out, struct awserr *err)
{
    (void)in;
    struct lambda_ref ref;
    struct st_function f = {.concurrency = -1};
    if (lambda__ref_parse(req, params[0], NULL, &ref, err) < 0 ||
        function_read(req, &ref, &f, err) < 0)
        return -1;
    *out = f.concurrency >= 0 ? json_pack("{s:I}", "ReservedConcurrentExecutions",
                                          (json_int_t)f.concurrency)
                              : json_object();
    st_function_free(&f);
    return 0;
}

int lambda_delete_function_concurrency(struct req *req, const char *const *params, json_t *in,
                                       json_t **out, struct awserr *err)
{
    (void)in, (void)out;
    struct lambda_ref ref;
    long long none = -1;
    if (lambda__ref_parse(req, params[0], NULL, &ref, err) < 0 ||
        lambda__function_mutate(req, &ref, NULL, concurrency_set, &none, NULL, err) < 0)
        return -1;
    pool_function_changed(req->account, req->region, ref.name);
    return 0;
}

/* ---- event invoke config ---- */

struct invoke_config {
    const struct lambda_ref *ref;
    json_t *in;
    bool merge;   /* Update: members not given keep their values */
    json_t *result;
};

static int destination_check(json_t *dc, const char *which, json_t *out, struct awserr *err)
{
    json_t *d = NULL;
    const char *arn = NULL;
    if (lambda__member_object(dc, which, &d, err) < 0 ||
        (d && lambda__member_string(d, "Destination", &arn, err) < 0))
        return -1;
    if (!d)
        return 0;
    static const char *const services[] = {":sqs:", ":sns:", ":lambda:", ":events:", ":s3:"};
    bool ok = false;
    for (size_t i = 0; arn && i < sizeof services / sizeof services[0]; i++)
        ok = ok || (strncmp(arn, "arn:aws", 7) == 0 && strstr(arn, services[i]));
    if (arn && !ok)
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                            "The destination ARN %.256s is invalid.", arn);
    json_object_set_new(out, which, arn ? json_pack("{s:s}", "Destination", arn)
                                        : json_object());
    return 0;
}

/* Validates the request members into a partial config (only what was given). */
static json_t *invoke_config_parse(json_t *in, struct awserr *err)
{
    json_t *out = json_object(), *dc = NULL;
    bool present;
    long long v;
    if (lambda__member_int(in, "MaximumRetryAttempts", &present, &v, err) < 0)
        goto fail;
    if (present && (v < 0 || v > 2)) {
        char value[32];
        snprintf(value, sizeof value, "%lld", v);
        lambda__invalid(err, value, "maximumRetryAttempts",
                        v < 0 ? "have value greater than or equal to 0"
                              : "have value less than or equal to 2");
        goto fail;
    }
    if (present)
        json_object_set_new(out, "MaximumRetryAttempts", json_integer(v));
    if (lambda__member_int(in, "MaximumEventAgeInSeconds", &present, &v, err) < 0)
        goto fail;
    if (present && (v < 60 || v > 21600)) {
        char value[32];
        snprintf(value, sizeof value, "%lld", v);
        lambda__invalid(err, value, "maximumEventAgeInSeconds",
                        v < 60 ? "have value greater than or equal to 60"
                               : "have value less than or equal to 21600");
        goto fail;
    }
    if (present)
        json_object_set_new(out, "MaximumEventAgeInSeconds", json_integer(v));
    if (lambda__member_object(in, "DestinationConfig", &dc, err) < 0)
        goto fail;
    if (dc) {
        json_t *dest = json_object();
        json_object_set_new(out, "DestinationConfig", dest);
        if (destination_check(dc, "OnSuccess", dest, err) < 0 ||
            destination_check(dc, "OnFailure", dest, err) < 0)
            goto fail;
    }
    if (json_object_size(out) == 0) {
        awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                     "You must specify at least one of error handling or destination setting.");
        goto fail;
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}

static void invoke_config_arn(struct req *req, const struct lambda_ref *ref, struct buf *arn)
{
    lambda__function_arn(req, ref->name, ref->qualifier[0] ? ref->qualifier : "$LATEST", arn);
}

static int no_invoke_config(struct req *req, const struct lambda_ref *ref, struct awserr *err)
{
    struct buf arn = BUF_INIT;
    invoke_config_arn(req, ref, &arn);
    awserr_raise(err, LAMBDA_RESOURCE_NOT_FOUND, "The function %s doesn't have an "
                 "EventInvokeConfig", arn.data);
    buf_free(&arn);
    return -1;
}

static int invoke_config_store(struct req *req, struct st_function *f, json_t *config,
                               void *arg, struct awserr *err)
{
    (void)config;
    struct invoke_config *ic = arg;
    json_t *given = invoke_config_parse(ic->in, err);
    if (!given)
        return -1;
    json_t *result = NULL;
    if (ic->merge) {
        if (!f->event_invoke) {
            json_decref(given);
            return no_invoke_config(req, ic->ref, err);
        }
        result = json_loads(f->event_invoke, 0, NULL);
        if (!result)
            result = json_object();
        json_object_update(result, given);
        json_decref(given);
    } else {
        result = given;
    }
    struct buf arn = BUF_INIT;
    invoke_config_arn(req, ic->ref, &arn);
    json_object_set_new(result, "FunctionArn", json_string(arn.data));
    buf_free(&arn);
    json_object_set_new(result, "LastModified", json_real(emuclock_now()));
    if (!json_object_get(result, "DestinationConfig"))
        json_object_set_new(result, "DestinationConfig",
                            json_pack("{s:{}, s:{}}", "OnSuccess", "OnFailure"));
    free(f->event_invoke);
    f->event_invoke = json_dumps(result, JSON_COMPACT | JSON_REAL_PRECISION(15));
    ic->result = result;
    return 1;
}

static int invoke_config_write(struct req *req, const char *param, json_t *in, bool merge,
                               json_t **out, struct awserr *err)
{
    struct lambda_ref ref;
    if (ref_of(req, param, &ref, err) < 0)
        return -1;
    struct invoke_config ic = {&ref, in, merge, NULL};
    int rc = lambda__function_mutate(req, &ref, NULL, invoke_config_store, &ic, NULL, err);
    if (rc == 0)
        *out = ic.result;
    else
        json_decref(ic.result);
    return rc;
}

int lambda_put_function_event_invoke_config(struct req *req, const char *const *params,
                                            json_t *in, json_t **out, struct awserr *err)
{
    return invoke_config_write(req, params[0], in, false, out, err);
}

int lambda_update_function_event_invoke_config(struct req *req, const char *const *params,
                                               json_t *in, json_t **out, struct awserr *err)
{
    return invoke_config_write(req, params[0], in, true, out, err);
}

int lambda_get_function_event_invoke_config(struct req *req, const char *const *params,
                                            json_t *in, json_t **out, struct awserr *err)
{
    (void)in;
    struct lambda_ref ref;
    struct st_function f = {.concurrency = -1};
    int rc = ref_of(req, params[0], &ref, err);
    if (rc == 0)
        rc = function_read(req, &ref, &f, err);
    if (rc == 0 && !f.event_invoke)
        rc = no_invoke_config(req, &ref, err);
    if (rc == 0 && !(*out = json_loads(f.event_invoke, 0, NULL)))
        rc = awserr_raise(err, LAMBDA_SERVICE, "Internal server error");
    st_function_free(&f);
    return rc;
}

static int invoke_config_drop(struct req *req, struct st_function *f, json_t *config, void *arg,
                              struct awserr *err)
{
    (void)config;
    if (!f->event_invoke)
        return no_invoke_config(req, arg, err);
    free(f->event_invoke);
    f->event_invoke = NULL;
    return 1;
}

int lambda_delete_function_event_invoke_config(struct req *req, const char *const *params,
                                               json_t *in, json_t **out, struct awserr *err)
{
    (void)in, (void)out;
    struct lambda_ref ref;
    if (ref_of(req, params[0], &ref, err) < 0)
        return -1;
    return lambda__function_mutate(req, &ref, NULL, invoke_config_drop, &ref, NULL, err);
}

/* ---- tags ---- */

/* Tags name their function by ARN only (the model's resource pattern). */
static int tag_ref(struct req *req, const char *arn, struct lambda_ref *ref, struct awserr *err)
{
    if (strncmp(arn, "arn:", 4) != 0 || !strstr(arn, ":function:"))
        return lambda__invalid(err, arn, "resource",
                               "satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:"
                               "[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:"
                               "(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?)");
    return lambda__ref_parse(req, arn, NULL, ref, err);
}

static json_t *tags_parse(const struct st_function *f)
{
    json_t *tags = f->tags ? json_loads(f->tags, 0, NULL) : NULL;
    return json_is_object(tags) ? tags : (json_decref(tags), json_object());
}

int lambda_list_tags(struct req *req, const char *const *params, json_t *in, json_t **out,
                     struct awserr *err)
{
    (void)in;
    struct lambda_ref ref;
    struct st_function f = {.concurrency = -1};
    if (tag_ref(req, params[0], &ref, err) < 0 || function_read(req, &ref, &f, err) < 0)
        return -1;
    *out = json_pack("{s:o}", "Tags", tags_parse(&f));
    st_function_free(&f);
    return 0;
}

static int tags_store(struct st_function *f, json_t *tags, struct awserr *err)
{
    if (json_object_size(tags) > TAGS_MAX) {
        json_decref(tags);
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                            "Number of tags exceeds resource tag limit.");
    }
    free(f->tags);
    f->tags = json_object_size(tags) ? json_dumps(tags, JSON_COMPACT) : NULL;
    json_decref(tags);
    return 1;
}

static int tags_add(struct req *req, struct st_function *f, json_t *config, void *arg,
                    struct awserr *err)
{
    (void)req, (void)config;
    json_t *tags = tags_parse(f);
    json_object_update(tags, arg);
    return tags_store(f, tags, err);
}

int lambda_tag_resource(struct req *req, const char *const *params, json_t *in, json_t **out,
                        struct awserr *err)
{
    (void)out;
    struct lambda_ref ref;
    json_t *tags = NULL;
    if (tag_ref(req, params[0], &ref, err) < 0 ||
        lambda__member_object(in, "Tags", &tags, err) < 0)
        return -1;
    if (!tags)
        return lambda__invalid(err, NULL, "tags", "not be null");
    const char *key;
    json_t *value;
    json_object_foreach(tags, key, value) {
        if (!json_is_string(value))
            return awserr_raise(err, LAMBDA_INVALID_REQUEST_CONTENT,
                                "Could not parse request body into json: tag '%.128s' is not a "
                                "string", key);
        if (!*key || strlen(key) > 128)
            return lambda__invalid(err, key, "tags.key",
                                   "have length between 1 and 128");
        if (json_string_length(value) > 256)
            return lambda__invalid(err, json_string_value(value), "tags.value",
                                   "have length less than or equal to 256");
    }
    return lambda__function_mutate(req, &ref, NULL, tags_add, tags, NULL, err);
}

static int tags_remove(struct req *req, struct st_function *f, json_t *config, void *arg,
                       struct awserr *err)
{
    (void)config, (void)arg;
    json_t *tags = tags_parse(f);
    for (size_t i = 0; i < req->n_query; i++)
        if (strcmp(req->query[i].name, "tagKeys") == 0 && req->query[i].value)
            json_object_del(tags, req->query[i].value);
    return tags_store(f, tags, err);
}

int lambda_untag_resource(struct req *req, const char *const *params, json_t *in, json_t **out,
                          struct awserr *err)
{
    (void)in, (void)out;
    struct lambda_ref ref;
    if (tag_ref(req, params[0], &ref, err) < 0)
        return -1;
    if (!req_query(req, "tagKeys"))
        return lambda__invalid(err, NULL, "tagKeys", "not be null");
    return lambda__function_mutate(req, &ref, NULL, tags_remove, NULL, NULL, err);
}

/* ---- GetAccountSettings ---- */

int lambda_get_account_settings(struct req *req, const char *const *params, json_t *in,
                                json_t **out, struct awserr *err)
{
    (void)params, (void)in;
    struct db *db;
    int64_t count = 0, code_size = 0;
    if (lambda__db(&db, err) < 0)
        return -1;
    if (st_functions_count(db, req->account, req->region, &count, &code_size) < 0)
        return awserr_raise(err, LAMBDA_SERVICE, "Internal server error");
    *out = json_pack("{s:{s:I, s:I, s:I, s:i, s:i}, s:{s:I, s:I}}", "AccountLimit",
                     "TotalCodeSize", (json_int_t)80530636800LL, "CodeSizeUnzipped",
                     (json_int_t)262144000, "CodeSizeZipped", (json_int_t)52428800,
                     "ConcurrentExecutions", ACCOUNT_CONCURRENCY,
                     "UnreservedConcurrentExecutions", ACCOUNT_CONCURRENCY, "AccountUsage",
                     "TotalCodeSize", (json_int_t)code_size, "FunctionCount",
                     (json_int_t)count);
    return 0;
}
