/* server/lambda_esm.c — event source mappings with DynamoDB stream sources; see
 * lambda_esm.h.
 *
 * DESIGN: a mapping's settings (BatchSize ... FilterCriteria, StartingPosition) are one JSON
 * object, stored as text; its identity (UUID, function, stream) and state are columns.
 * Create and Update share one reader: the request's settings are validated into a patch (a
 * null member means "remove"), which is laid over the defaults (Create) or over the stored
 * object (Update). Errors come in Lambda's order: the model's constraints
 * (ValidationException) as each member is read, then the service's rules
 * (InvalidParameterValueException), then — inside the write transaction — the function, the
 * stream and the one-mapping-per-function-and-stream rule. */
#include "server/lambda_esm.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/esm.h"
#include "server/emuclock.h"
#include "server/events_pattern.h"
#include "server/ids.h"
#include "server/lambda_err.h"
#include "storage/functions.h"
#include "storage/mappings.h"
#include "storage/streams.h"

#define LOG_MODULE "lambda"
#include "server/log.h"

#define LIST_DEFAULT 100
#define LIST_MAX 10000
#define FILTERS_MAX 5
#define PATTERN_MAX 4096
#define DESTINATION_MAX 350
#define RECORD_AGE_MIN 60
#define ARN_MAX 1024

#define NOT_FOUND_MESSAGE "The resource you requested does not exist."
#define FIRST_RESULT "No records processed"
#define ARN_PATTERN                                                                            \
    "arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}(-gov)?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)"

/* Integer settings: the model's ranges and the defaults for a stream source. */
static const struct int_setting {
    const char *name;   /* request and response member */
    const char *member; /* as the model's validation messages name it */
    long long min, max, dflt;
} int_settings[] = {
    {"BatchSize", "batchSize", 1, 10000, 100},
    {"MaximumBatchingWindowInSeconds", "maximumBatchingWindowInSeconds", 0, 300, 0},
    {"ParallelizationFactor", "parallelizationFactor", 1, 10, 1},
    {"MaximumRetryAttempts", "maximumRetryAttempts", -1, 10000, -1},
    {"MaximumRecordAgeInSeconds", "maximumRecordAgeInSeconds", -1, 604800, -1},
    {"TumblingWindowInSeconds", "tumblingWindowInSeconds", 0, 900, 0},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- shapes ---- */

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool span_of(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || strchr(set, s[i])))
            return false;
    return true;
}

/* Whether arn has the model's ARN shape (ARN_PATTERN); *service gets its service part. */
static bool arn_shaped(const char *arn, const char **service, size_t *service_len)
{
    const char *part[5];
    size_t len[5];
    const char *p = arn;
    for (int i = 0; i < 5; i++) {
        const char *colon = strchr(p, ':');
        if (!colon)
            return false;
        part[i] = p, len[i] = (size_t)(colon - p);
        p = colon + 1;
    }
    bool ok = len[0] == 3 && memcmp(part[0], "arn", 3) == 0 && len[1] >= 3 &&
              memcmp(part[1], "aws", 3) == 0 && span_of(part[1], len[1], "-") && len[2] > 0 &&
              span_of(part[2], len[2], "-") && span_of(part[3], len[3], "-") &&
              (len[4] == 0 || (len[4] == 12 && digits(part[4], 12)));
    if (ok && service)
        *service = part[2], *service_len = len[2];
    return ok;
}

static int arn_check(const char *arn, const char *member, struct awserr *err)
{
    if (strlen(arn) > ARN_MAX || !arn_shaped(arn, NULL, NULL))
        return lambda__invalid(err, arn, member,
                               "satisfy regular expression pattern: " ARN_PATTERN);
    return 0;
}

/* ---- settings ---- */

static int out_of_range(struct awserr *err, const struct int_setting *s, long long v)
{
    char value[32], constraint[64];
    snprintf(value, sizeof value, "%lld", v);
    if (v < s->min)
        snprintf(constraint, sizeof constraint, "have value greater than or equal to %lld",
                 s->min);
    else
        snprintf(constraint, sizeof constraint, "have value less than or equal to %lld",
                 s->max);
    return lambda__invalid(err, value, s->member, constraint);
}

static int ints_read(const json_t *in, json_t *patch, struct awserr *err)
{
    for (size_t i = 0; i < COUNT(int_settings); i++) {
        const struct int_setting *s = &int_settings[i];
        bool present;
        long long v;
        if (lambda__member_int(in, s->name, &present, &v, err) < 0)
            return -1;
        if (!present)
            continue;
        if (v < s->min || v > s->max)
            return out_of_range(err, s, v);
        json_object_set_new(patch, s->name, json_integer(v));
    }
    return 0;
}

static int response_types_read(const json_t *in, json_t *patch, struct awserr *err)
{
    json_t *types = NULL, *t;
    size_t i;
    if (lambda__member_array(in, "FunctionResponseTypes", &types, err) < 0)
        return -1;
    if (!types)
        return 0;
    struct buf text = BUF_INIT; /* the list as the model's messages quote it: [a, b] */
    bool known = true;
    buf_addc(&text, '[');
    json_array_foreach(types, i, t) {
        if (!json_is_string(t)) {
            buf_free(&text);
            return awserr_raise(err, LAMBDA_INVALID_REQUEST_CONTENT,
                                "Could not parse request body into json: Cannot deserialize "
                                "value of type `java.lang.String` (member FunctionResponseTypes)");
        }
        buf_addf(&text, "%s%s", i ? ", " : "", json_string_value(t));
        known = known && strcmp(json_string_value(t), "ReportBatchItemFailures") == 0;
    }
    buf_addc(&text, ']');
    int rc = 0;
    if (json_array_size(types) > 1)
        rc = lambda__invalid(err, text.data, "functionResponseTypes",
                             "have length less than or equal to 1");
    else if (!known)
        rc = lambda__invalid(err, text.data, "functionResponseTypes",
                             "satisfy constraint: [Member must satisfy enum value set: "
                             "[ReportBatchItemFailures]]");
    else
        json_object_set_new(patch, "FunctionResponseTypes", json_deep_copy(types));
    buf_free(&text);
    return rc;
}

/* FilterCriteria: an absent or empty Filters list removes the criteria (patch member null). */
static int filters_read(const json_t *in, json_t *patch, struct awserr *err)
{
    json_t *criteria = NULL, *filters = NULL, *f;
    size_t i;
    if (lambda__member_object(in, "FilterCriteria", &criteria, err) < 0)
        return -1;
    if (!criteria)
        return 0;
    if (lambda__member_array(criteria, "Filters", &filters, err) < 0)
        return -1;
    if (!filters || json_array_size(filters) == 0) {
        json_object_set_new(patch, "FilterCriteria", json_null());
        return 0;
    }
    json_t *kept = json_array();
    json_array_foreach(filters, i, f) {
        const char *pattern = NULL;
        if (!json_is_object(f)) {
            json_decref(kept);
            return awserr_raise(err, LAMBDA_INVALID_REQUEST_CONTENT,
                                "Could not parse request body into json: Cannot deserialize "
                                "value of type `Filter` (member FilterCriteria.Filters)");
        }
        if (lambda__member_string(f, "Pattern", &pattern, err) < 0) {
            json_decref(kept);
            return -1;
        }
        if (pattern && strlen(pattern) > PATTERN_MAX) {
            char member[64];
            snprintf(member, sizeof member, "filterCriteria.filters.%zu.member.pattern", i + 1);
            json_decref(kept);
            return lambda__invalid(err, pattern, member,
                                   "have length less than or equal to 4096");
        }
        json_array_append_new(kept, pattern ? json_pack("{s:s}", "Pattern", pattern)
                                            : json_object());
    }
    json_object_set_new(patch, "FilterCriteria", json_pack("{s:o}", "Filters", kept));
    return 0;
}

/* DestinationConfig: streams take OnFailure only; an empty Destination removes it. */
static int destination_read(const json_t *in, json_t *patch, struct awserr *err)
{
    json_t *config = NULL, *on_failure = NULL, *on_success = NULL;
    const char *dest = NULL;
    if (lambda__member_object(in, "DestinationConfig", &config, err) < 0)
        return -1;
    if (!config)
        return 0;
    if (lambda__member_object(config, "OnSuccess", &on_success, err) < 0 ||
        lambda__member_object(config, "OnFailure", &on_failure, err) < 0 ||
        (on_failure && lambda__member_string(on_failure, "Destination", &dest, err) < 0))
        return -1;
    if (dest && *dest &&
        (strlen(dest) > DESTINATION_MAX || !arn_shaped(dest, NULL, NULL)))
        return lambda__invalid(err, dest, "destinationConfig.onFailure.destination",
                               "satisfy regular expression pattern: $|" ARN_PATTERN);
    if (on_success)
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                            "Unsupported DestinationConfig parameter for given event source "
                            "mapping type.");
    json_t *failure = json_object();
    if (dest && *dest)
        json_object_set_new(failure, "Destination", json_string(dest));
    json_object_set_new(patch, "DestinationConfig", json_pack("{s:o}", "OnFailure", failure));
    return 0;
}

/* Reads every setting present in `in` into patch, checking the model's constraints. */
static int settings_read(const json_t *in, json_t *patch, struct awserr *err)
{
    json_t *bisect = json_object_get(in, "BisectBatchOnFunctionError");
    bool b = false;
    if (ints_read(in, patch, err) < 0 ||
        lambda__member_bool(in, "BisectBatchOnFunctionError", &b, err) < 0 ||
        response_types_read(in, patch, err) < 0 || filters_read(in, patch, err) < 0 ||
        destination_read(in, patch, err) < 0)
        return -1;
    if (bisect && !json_is_null(bisect))
        json_object_set_new(patch, "BisectBatchOnFunctionError", json_boolean(b));
    return 0;
}

/* A filter pattern is JSON text holding a pattern the event pattern language accepts
 * (server/events_pattern.h, which words every refusal as Lambda does). */
static int pattern_check(const char *pattern, struct awserr *err)
{
    json_t *parsed = pattern ? json_loads(pattern, JSON_DECODE_ANY, NULL) : NULL;
    if (!parsed)
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER, "Invalid filter pattern definition.");
    struct events_pattern *p =
        events_pattern_parse(parsed, &LAMBDA_INVALID_PARAMETER, &EVENTS_PATTERN_LAMBDA, err);
    json_decref(parsed);
    events_pattern_free(p);
    return p ? 0 : -1;
}

/* The service's rules on the settings a request gives (its patch). */
static int settings_rules(const json_t *patch, struct awserr *err)
{
    json_t *age = json_object_get(patch, "MaximumRecordAgeInSeconds");
    if (age && json_integer_value(age) >= 0 && json_integer_value(age) < RECORD_AGE_MIN)
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                            "MaximumRecordAgeInSeconds must be either -1 (forever) or between "
                            "60 and 604800 (inclusive)");
    json_t *filters = json_object_get(json_object_get(patch, "FilterCriteria"), "Filters"), *f;
    size_t i;
    if (json_array_size(filters) > FILTERS_MAX)
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                            "Too many filters: %zu given, the quota is %d filters per event "
                            "source mapping",
                            json_array_size(filters), FILTERS_MAX);
    json_array_foreach(filters, i, f) {
        if (pattern_check(json_string_value(json_object_get(f, "Pattern")), err) < 0)
            return -1;
    }
    return 0;
}

static void settings_merge(json_t *config, json_t *patch)
{
    const char *key;
    json_t *v;
    json_object_foreach(patch, key, v) {
        if (json_is_null(v))
            json_object_del(config, key);
        else
            json_object_set(config, key, v);
    }
}

static json_t *settings_default(const char *starting_position)
{
    json_t *c = json_object();
    for (size_t i = 0; i < COUNT(int_settings); i++)
        json_object_set_new(c, int_settings[i].name, json_integer(int_settings[i].dflt));
    json_object_set_new(c, "StartingPosition", json_string(starting_position));
    json_object_set_new(c, "BisectBatchOnFunctionError", json_false());
    json_object_set_new(c, "FunctionResponseTypes", json_array());
    json_object_set_new(c, "DestinationConfig", json_pack("{s:{}}", "OnFailure"));
    return c;
}

/* ---- lookups (inside the caller's transaction when it writes) ---- */

static int internal(struct awserr *err)
{
    return awserr_raise(err, LAMBDA_SERVICE, "Internal server error");
}

static int function_check(const struct req *req, struct db *db, const struct lambda_ref *ref,
                          struct awserr *err)
{
    /* awsemu keeps $LATEST only: any other version or alias does not exist. */
    if (ref->qualifier[0] && strcmp(ref->qualifier, "$LATEST") != 0)
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER, "Function does not exist");
    struct st_function f = {.concurrency = -1};
    int found = st_functions_get(db, req->account, req->region, ref->name, &f);
    st_function_free(&f);
    if (found < 0)
        return internal(err);
    return found ? 0 : awserr_raise(err, LAMBDA_INVALID_PARAMETER, "Function does not exist");
}

/* The source must be an enabled stream of the request's account and region. */
static int stream_check(const struct req *req, struct db *db, const char *arn,
                        struct awserr *err)
{
    struct st_stream *s = xmalloc(sizeof *s); /* ~2.5 KB: off the stack */
    int found = st_streams_get(db, arn, s), rc = 0;
    if (found < 0)
        rc = internal(err);
    else if (!found || strcmp(s->account, req->account) != 0 ||
             strcmp(s->region, req->region) != 0 || !s->enabled)
        rc = awserr_raise(err, LAMBDA_INVALID_PARAMETER, "Stream not found: %.400s", arn);
    free(s);
    return rc;
}

/* One mapping per function and stream: another one (not self_uuid) is a conflict. */
static int conflict_check(const struct req *req, struct db *db, const char *function,
                          const char *stream_arn, const char *self_uuid, struct awserr *err)
{
    struct st_mapping *other = xcalloc(1, sizeof *other);
    int found = st_mappings_find(db, req->account, req->region, function, stream_arn, other);
    int rc = 0;
    if (found < 0)
        rc = internal(err);
    else if (found && (!self_uuid || strcmp(other->uuid, self_uuid) != 0))
        rc = awserr_raise(err, LAMBDA_RESOURCE_CONFLICT,
                          "The event source arn (\" %.300s \") and function (\" %s \") provided "
                          "mapping already exists. Please update or delete the existing mapping "
                          "with UUID %s",
                          stream_arn, function, other->uuid);
    st_mapping_free(other);
    free(other);
    return rc;
}

/* Ends a write transaction; a committed change wakes the delivery workers. */
static int finish(struct db *db, int rc, struct awserr *err)
{
    if (rc == 0 && db_write_commit(db) < 0)
        return internal(err);
    if (rc < 0)
        db_write_rollback(db);
    else
        esm_mappings_changed();
    return rc;
}

/* ---- replies ---- */

static double now_ms(void)
{
    return round(emuclock_now() * 1000.0) / 1000.0;
}

/* EventSourceMappingConfiguration of m, with the State to report. New reference. */
static json_t *mapping_output(const struct st_mapping *m, const char *state)
{
    json_t *out = json_loads(m->config, 0, NULL);
    if (!json_is_object(out)) { /* we wrote it: only a corrupted database gets here */
        LOG_ERROR("event source mapping '%s' has an unreadable configuration", m->uuid);
        json_decref(out);
        out = json_object();
    }
    struct buf arn = BUF_INIT;
    json_object_set_new(out, "UUID", json_string(m->uuid));
    json_object_set_new(out, "EventSourceArn", json_string(m->stream_arn));
    buf_addf(&arn, "arn:aws:lambda:%s:%s:function:%s", m->region, m->account, m->function);
    json_object_set_new(out, "FunctionArn", json_string(arn.data));
    json_object_set_new(out, "LastModified", json_real(m->last_modified));
    json_object_set_new(out, "LastProcessingResult", json_string(m->last_result));
    json_object_set_new(out, "State", json_string(state));
    json_object_set_new(out, "StateTransitionReason", json_string("User action"));
    buf_reset(&arn);
    buf_addf(&arn, "arn:aws:lambda:%s:%s:event-source-mapping:%s", m->region, m->account,
             m->uuid);
    json_object_set_new(out, "EventSourceMappingArn", json_string(arn.data));
    buf_free(&arn);
    return out;
}

static void state_settle(struct st_mapping *m, bool enabled)
{
    m->enabled = enabled;
    snprintf(m->state, sizeof m->state, "%s", enabled ? "Enabled" : "Disabled");
}

/* ---- CreateEventSourceMapping ---- */

struct create_args {
    const struct lambda_ref *ref;
    const char *source;
    json_t *config;
    bool enabled;
};

/* The model's constraints on Create's identifying members. */
static int create_members(struct req *req, const json_t *in, struct lambda_ref *ref,
                          struct create_args *a, const char **position, struct awserr *err)
{
    const char *function = NULL;
    if (lambda__member_string(in, "FunctionName", &function, err) < 0 ||
        lambda__member_string(in, "EventSourceArn", &a->source, err) < 0 ||
        lambda__member_string(in, "StartingPosition", position, err) < 0 ||
        lambda__member_bool(in, "Enabled", &a->enabled, err) < 0)
        return -1;
    if (!function)
        return lambda__invalid(err, NULL, "functionName", "not be null");
    if (lambda__ref_parse(req, function, NULL, ref, err) < 0 ||
        (a->source && arn_check(a->source, "eventSourceArn", err) < 0))
        return -1;
    if (*position && strcmp(*position, "TRIM_HORIZON") != 0 && strcmp(*position, "LATEST") != 0 &&
        strcmp(*position, "AT_TIMESTAMP") != 0)
        return lambda__invalid(err, *position, "startingPosition",
                               "satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]");
    return 0;
}

/* The service's rules on Create's source and starting position. */
static int create_rules(const char *source, const char *position, struct awserr *err)
{
    const char *service;
    size_t service_len;
    if (!source)
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER, "Unrecognized event source.");
    arn_shaped(source, &service, &service_len);
    if (service_len != 8 || memcmp(service, "dynamodb", 8) != 0)
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                            "Unsupported event source: awsemu maps DynamoDB streams only, not "
                            "%.300s",
                            source);
    if (!position)
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                            "1 validation error detected: Value null at 'startingPosition' "
                            "failed to satisfy constraint: Member must not be null.");
    if (strcmp(position, "AT_TIMESTAMP") == 0)
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                            "Unsupported starting position for arn type: %.400s", source);
    return 0;
}

struct shard_marks {
    struct st_shard *v;
    size_t n, cap;
};

static void shard_mark(const struct st_shard *s, void *arg)
{
    struct shard_marks *l = arg;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 4;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = *s;
}

/* StartingPosition LATEST: every shard's checkpoint is its last record now, in the creating
 * transaction, so exactly the records committed after the mapping are delivered
 * (handlers/esm.h). 0 or -1. */
static int latest_checkpoints(struct db *db, const struct st_mapping *m)
{
    struct st_stream *s = xmalloc(sizeof *s);
    struct shard_marks l = {0};
    int rc = st_streams_get(db, m->stream_arn, s) == 1 &&
                     st_streams_shards(db, s->id, shard_mark, &l) >= 0
                 ? 0
                 : -1;
    for (size_t i = 0; rc == 0 && i < l.n; i++)
        rc = st_mappings_checkpoint_set(db, m->id, l.v[i].shard_id, l.v[i].last_seq,
                                        m->created);
    free(l.v);
    free(s);
    return rc;
}

static int create_store(struct req *req, const struct create_args *a, struct st_mapping *m,
                        struct awserr *err)
{
    struct db *db;
    if (lambda__db(&db, err) < 0)
        return -1;
    if (db_write_begin(db) < 0)
        return internal(err);
    int rc = function_check(req, db, a->ref, err);
    if (rc == 0)
        rc = stream_check(req, db, a->source, err);
    if (rc == 0)
        rc = conflict_check(req, db, a->ref->name, a->source, NULL, err);
    if (rc == 0) {
        ids_uuid(m->uuid);
        snprintf(m->account, sizeof m->account, "%s", req->account);
        snprintf(m->region, sizeof m->region, "%s", req->region);
        snprintf(m->function, sizeof m->function, "%s", a->ref->name);
        snprintf(m->stream_arn, sizeof m->stream_arn, "%s", a->source);
        m->config = json_dumps(a->config, JSON_COMPACT);
        state_settle(m, a->enabled);
        m->created = m->last_modified = now_ms();
        snprintf(m->last_result, sizeof m->last_result, "%s", FIRST_RESULT);
        if (st_mappings_create(db, m) != 1) /* the checks above rule out 0 */
            rc = internal(err);
        const char *position =
            json_string_value(json_object_get(a->config, "StartingPosition"));
        if (rc == 0 && position && strcmp(position, "LATEST") == 0 &&
            latest_checkpoints(db, m) < 0)
            rc = internal(err);
    }
    return finish(db, rc, err);
}

int lambda_create_event_source_mapping(struct req *req, const char *const *params, json_t *in,
                                       json_t **out, struct awserr *err)
{
    (void)params;
    struct lambda_ref ref;
    struct create_args a = {&ref, NULL, NULL, true};
    const char *position = NULL;
    json_t *patch = json_object();
    struct st_mapping *m = xcalloc(1, sizeof *m);
    int rc = -1;
    if (create_members(req, in, &ref, &a, &position, err) < 0 ||
        settings_read(in, patch, err) < 0 || create_rules(a.source, position, err) < 0 ||
        settings_rules(patch, err) < 0)
        goto out;
    a.config = settings_default(position);
    settings_merge(a.config, patch);
    rc = create_store(req, &a, m, err);
    if (rc == 0)
        *out = mapping_output(m, "Creating");
out:
    json_decref(a.config);
    json_decref(patch);
    st_mapping_free(m);
    free(m);
    return rc;
}

/* ---- GetEventSourceMapping ---- */

/* Loads the mapping params[0] names: 0, or -1 with ResourceNotFoundException raised. */
static int mapping_load(const struct req *req, struct db *db, const char *uuid,
                        struct st_mapping *m, struct awserr *err)
{
    int found = st_mappings_get(db, req->account, req->region, uuid, m);
    if (found < 0)
        return internal(err);
    return found ? 0 : awserr_raise(err, LAMBDA_RESOURCE_NOT_FOUND, NOT_FOUND_MESSAGE);
}

int lambda_get_event_source_mapping(struct req *req, const char *const *params, json_t *in,
                                    json_t **out, struct awserr *err)
{
    (void)in;
    struct db *db;
    struct st_mapping *m = xcalloc(1, sizeof *m);
    int rc = lambda__db(&db, err) < 0 ? -1 : mapping_load(req, db, params[0], m, err);
    if (rc == 0)
        *out = mapping_output(m, m->state);
    st_mapping_free(m);
    free(m);
    return rc;
}

/* ---- UpdateEventSourceMapping ---- */

struct update_args {
    const struct lambda_ref *ref; /* NULL: the function stays */
    json_t *patch;
    int enabled; /* -1 not given, else 0/1 */
    const char *reported; /* the transitional state to answer with */
};

static int update_store(struct req *req, const char *uuid, struct update_args *a,
                        struct st_mapping *m, struct awserr *err)
{
    struct db *db;
    if (lambda__db(&db, err) < 0)
        return -1;
    if (db_write_begin(db) < 0)
        return internal(err);
    int rc = mapping_load(req, db, uuid, m, err);
    if (rc == 0 && a->ref) {
        rc = function_check(req, db, a->ref, err);
        if (rc == 0)
            rc = conflict_check(req, db, a->ref->name, m->stream_arn, m->uuid, err);
        if (rc == 0)
            snprintf(m->function, sizeof m->function, "%s", a->ref->name);
    }
    json_t *config = rc == 0 ? json_loads(m->config, 0, NULL) : NULL;
    if (rc == 0 && !json_is_object(config))
        rc = internal(err);
    if (rc == 0) {
        settings_merge(config, a->patch);
        free(m->config);
        m->config = json_dumps(config, JSON_COMPACT);
        a->reported = "Updating";
        if (a->enabled >= 0 && (a->enabled != 0) != m->enabled)
            a->reported = a->enabled ? "Enabling" : "Disabling";
        if (a->enabled >= 0)
            state_settle(m, a->enabled != 0);
        m->last_modified = now_ms();
        if (st_mappings_update(db, m) < 0)
            rc = internal(err);
    }
    json_decref(config);
    return finish(db, rc, err);
}

int lambda_update_event_source_mapping(struct req *req, const char *const *params, json_t *in,
                                       json_t **out, struct awserr *err)
{
    struct lambda_ref ref;
    const char *function = NULL;
    bool enabled = false;
    struct update_args a = {NULL, json_object(), -1, NULL};
    struct st_mapping *m = xcalloc(1, sizeof *m);
    json_t *e = json_object_get(in, "Enabled");
    int rc = -1;
    if (lambda__member_string(in, "FunctionName", &function, err) < 0 ||
        lambda__member_bool(in, "Enabled", &enabled, err) < 0 ||
        (function && lambda__ref_parse(req, function, NULL, &ref, err) < 0) ||
        settings_read(in, a.patch, err) < 0 || settings_rules(a.patch, err) < 0)
        goto out;
    if (function)
        a.ref = &ref;
    if (e && !json_is_null(e))
        a.enabled = enabled;
    rc = update_store(req, params[0], &a, m, err);
    if (rc == 0)
        *out = mapping_output(m, a.reported);
out:
    json_decref(a.patch);
    st_mapping_free(m);
    free(m);
    return rc;
}

/* ---- DeleteEventSourceMapping ---- */

int lambda_delete_event_source_mapping(struct req *req, const char *const *params, json_t *in,
                                       json_t **out, struct awserr *err)
{
    (void)in;
    struct db *db;
    if (lambda__db(&db, err) < 0)
        return -1;
    if (db_write_begin(db) < 0)
        return internal(err);
    struct st_mapping *m = xcalloc(1, sizeof *m);
    int rc = mapping_load(req, db, params[0], m, err);
    if (rc == 0 && st_mappings_delete(db, m->id) < 0)
        rc = internal(err);
    rc = finish(db, rc, err);
    if (rc == 0)
        *out = mapping_output(m, "Deleting");
    st_mapping_free(m);
    free(m);
    return rc;
}

/* ---- ListEventSourceMappings ---- */

struct list_state {
    const struct req *req;
    json_t *mappings;
    int wanted;
    int64_t last;
    bool more;
};

static void list_one(const struct st_mapping *m, void *arg)
{
    struct list_state *ls = arg;
    if ((int)json_array_size(ls->mappings) == ls->wanted) {
        ls->more = true; /* the extra row we asked for: there is a next page */
        return;
    }
    json_array_append_new(ls->mappings, mapping_output(m, m->state));
    ls->last = m->id;
}

/* A positive decimal, or -1. */
static long long decimal(const char *s, long long max)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    return (!*s || *end || errno || v < 0 || v > max || *s == '+' || *s == '-') ? -1 : v;
}

int lambda_list_event_source_mappings(struct req *req, const char *const *params, json_t *in,
                                      json_t **out, struct awserr *err)
{
    (void)params, (void)in;
    const char *marker = req_query(req, "Marker"), *max = req_query(req, "MaxItems");
    const char *source = req_query(req, "EventSourceArn");
    const char *function = req_query(req, "FunctionName");
    long long wanted = LIST_DEFAULT, after = 0;
    struct lambda_ref ref;
    if (max && ((wanted = decimal(max, LIST_MAX)) < 1))
        return lambda__invalid(err, max, "maxItems",
                               "have value between 1 and 10000 (an integer)");
    if (marker && (after = decimal(marker, INT64_MAX)) < 0)
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER, "Invalid marker: %.100s", marker);
    if ((source && arn_check(source, "eventSourceArn", err) < 0) ||
        (function && lambda__ref_parse(req, function, NULL, &ref, err) < 0))
        return -1;
    struct db *db;
    if (lambda__db(&db, err) < 0)
        return -1;
    struct list_state ls = {req, json_array(), (int)wanted, 0, false};
    /* awsemu keeps $LATEST only: a mapping of another version or alias cannot exist. */
    bool none = function && ref.qualifier[0] && strcmp(ref.qualifier, "$LATEST") != 0;
    if (!none && st_mappings_list(db, req->account, req->region, function ? ref.name : NULL,
                                  source, after, (int)wanted + 1, list_one, &ls) < 0) {
        json_decref(ls.mappings);
        return internal(err);
    }
    *out = json_pack("{s:o}", "EventSourceMappings", ls.mappings);
    if (ls.more) {
        char next[32];
        snprintf(next, sizeof next, "%lld", (long long)ls.last);
        json_object_set_new(*out, "NextMarker", json_string(next));
    }
    return 0;
}
