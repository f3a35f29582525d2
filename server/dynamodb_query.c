/* server/dynamodb_query.c — Query and Scan.
 *
 * Both walk stored rows in key order (storage/items.c) and fill one page: a row counts as
 * scanned, then the filter decides whether it is returned, as DynamoDB applies Limit and its
 * 1 MB page size to what it reads, before filtering (Count vs ScannedCount). A page that
 * stops at Limit or at 1 MB carries LastEvaluatedKey: the key attributes of the last row read
 * (plus the index key when reading an index). Rows that need no filter or projection are
 * copied into the reply as stored text, without being parsed. Parallel scans assign each
 * partition key to one segment by a hash of its encoding, so segments are disjoint and cover
 * every item. */
#include "server/dynamodb_query.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "server/dynamodb.h"
#include "server/dynamodb_err.h"
#include "server/dynamodb_expr.h"
#include "server/dynamodb_value.h"
#include "storage/items.h"

#define PAGE_BYTES (1024 * 1024)

enum select { SELECT_DEFAULT, SELECT_ALL, SELECT_PROJECTED, SELECT_SPECIFIC, SELECT_COUNT };

/* What a Query or Scan request asks for. */
struct read_request {
    struct st_table t;
    struct ddb_indexes indexes;
    const struct ddb_index *ix; /* NULL when reading the table */
    struct db *db;
    struct ddbexpr_ctx ctx;
    bool ctx_open;
    struct ddbexpr *keycond, *filter, *projection;
    enum select select;
    long long limit;
    enum ddb_capacity capacity;
    bool consistent, forward;
    json_t *start; /* ExclusiveStartKey, borrowed */
    long long segment, total_segments;
};

/* One page being filled by the row callback. Items go straight into the reply body. */
struct page {
    const struct read_request *r;
    long long scanned, count;
    int64_t bytes;
    struct buf *out;  /* the reply body: `{"Items":[` then item texts separated by ',' */
    bool any_item;    /* an item has been written to out */
    struct buf last;  /* text of the row the page stopped at (when full) */
    bool full;        /* stopped at Limit or at the page size */
    struct awserr *err;
};

/* ---- reading the request ---- */

static int read_select(json_t *in, enum select *out, struct awserr *err)
{
    static const char *const names[] = {"ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES",
                                        "SPECIFIC_ATTRIBUTES", "COUNT"};
    const char *s;
    *out = SELECT_DEFAULT;
    if (ddb__member_string(in, "Select", &s, err) < 0 || !s)
        return awserr_is_set(err) ? -1 : 0;
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (enum select)(i + 1);
            return 0;
        }
    }
    return awserr_raise(err, DDB_VALIDATION,
                        "1 validation error detected: Value '%.100s' at 'select' failed to "
                        "satisfy constraint: Member must satisfy enum value set: "
                        "[SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]",
                        s);
}

static int read_scalars(json_t *in, struct read_request *r, struct awserr *err)
{
    bool have_limit, have_consistent, have_forward, have_segment, have_total;
    r->forward = true;
    if (read_select(in, &r->select, err) < 0 ||
        ddb__member_int(in, "Limit", &have_limit, &r->limit, err) < 0 ||
        ddb__member_bool(in, "ConsistentRead", &have_consistent, &r->consistent, err) < 0 ||
        ddb__member_bool(in, "ScanIndexForward", &have_forward, &r->forward, err) < 0 ||
        ddb__member_int(in, "Segment", &have_segment, &r->segment, err) < 0 ||
        ddb__member_int(in, "TotalSegments", &have_total, &r->total_segments, err) < 0 ||
        ddb__member_object(in, "ExclusiveStartKey", &r->start, err) < 0 ||
        ddb__return_capacity(in, &r->capacity, err) < 0)
        return -1;
    struct ddb_violations v = {0, BUF_INIT};
    if (have_limit && r->limit < 1)
        ddb__violation_add(&v, "Value '%lld' at 'limit' failed to satisfy constraint: Member "
                               "must have value greater than or equal to 1", r->limit);
    if (have_segment && (r->segment < 0 || r->segment > 999999))
        ddb__violation_add(&v, "Value '%lld' at 'segment' failed to satisfy constraint: Member "
                               "must have value %s", r->segment,
                           r->segment < 0 ? "greater than or equal to 0"
                                          : "less than or equal to 999999");
    if (have_total && (r->total_segments < 1 || r->total_segments > 1000000))
        ddb__violation_add(&v, "Value '%lld' at 'totalSegments' failed to satisfy constraint: "
                               "Member must have value %s", r->total_segments,
                           r->total_segments < 1 ? "greater than or equal to 1"
                                                 : "less than or equal to 1000000");
    if (ddb__violations_raise(&v, err) < 0)
        return -1;
    if (!have_limit)
        r->limit = -1;
    if (have_segment && !have_total)
        return awserr_raise(err, DDB_VALIDATION,
                            "The TotalSegments parameter is required but was not present in the "
                            "request when Segment parameter is present");
    if (have_total && !have_segment)
        return awserr_raise(err, DDB_VALIDATION,
                            "The Segment parameter is required but was not present in the "
                            "request when parameter TotalSegments is present");
    if (have_total && r->segment >= r->total_segments)
        return awserr_raise(err, DDB_VALIDATION,
                            "The Segment parameter is zero-based and must be less than parameter "
                            "TotalSegments: Segment: %lld is not less than TotalSegments: %lld",
                            r->segment, r->total_segments);
    if (!have_total)
        r->total_segments = 1;
    return 0;
}

static const char *const query_exprs[] = {"KeyConditionExpression", "FilterExpression",
                                          "ProjectionExpression", NULL};
static const char *const query_legacy[] = {"KeyConditions", "QueryFilter", "AttributesToGet",
                                           NULL};
static const char *const scan_exprs[] = {"FilterExpression", "ProjectionExpression", NULL};
static const char *const scan_legacy[] = {"ScanFilter", "AttributesToGet", NULL};

/* Parses an expression member, or its legacy counterpart translated into the same kind. */
static int parse_either(json_t *in, const char *member, const char *legacy,
                        enum ddbexpr_kind kind, struct read_request *r, struct ddbexpr **out,
                        struct awserr *err)
{
    json_t *old;
    if (ddb__expr_parse_member(in, member, kind, &r->ctx, out, err) < 0)
        return -1;
    if (kind == DDBEXPR_PROJECTION) {
        if (ddb__member_array(in, legacy, &old, err) < 0)
            return -1;
        return old ? ddbexpr_legacy_attributes_to_get(old, out, err) : 0;
    }
    if (ddb__member_object(in, legacy, &old, err) < 0)
        return -1;
    const char *op = json_string_value(json_object_get(in, "ConditionalOperator"));
    return old ? ddbexpr_legacy_conditions(old, op, kind, out, err) : 0;
}

static int parse_expressions(json_t *in, bool query, struct read_request *r, struct awserr *err)
{
    if (ddb__expr_begin(in, query ? query_exprs : scan_exprs, query ? query_legacy : scan_legacy,
                        &r->ctx, err) < 0)
        return -1;
    r->ctx_open = true;
    if ((query && parse_either(in, "KeyConditionExpression", "KeyConditions",
                               DDBEXPR_KEY_CONDITION, r, &r->keycond, err) < 0) ||
        parse_either(in, "FilterExpression", query ? "QueryFilter" : "ScanFilter",
                     DDBEXPR_FILTER, r, &r->filter, err) < 0 ||
        parse_either(in, "ProjectionExpression", "AttributesToGet", DDBEXPR_PROJECTION, r,
                     &r->projection, err) < 0)
        return -1;
    r->ctx_open = false;
    return ddbexpr_ctx_finish(&r->ctx, err);
}

/* Select against projection and index, as DynamoDB checks them. */
static int check_select(struct read_request *r, const char *op, struct awserr *err)
{
    if (r->select == SELECT_DEFAULT)
        r->select = r->projection ? SELECT_SPECIFIC : r->ix ? SELECT_PROJECTED : SELECT_ALL;
    if (r->select == SELECT_SPECIFIC && !r->projection)
        return awserr_raise(err, DDB_VALIDATION, "Must specify the AttributesToGet or "
                                                 "ProjectionExpression when choosing to get "
                                                 "SPECIFIC_ATTRIBUTES");
    if (r->projection && r->select != SELECT_SPECIFIC)
        return awserr_raise(err, DDB_VALIDATION,
                            "Cannot specify the AttributesToGet or ProjectionExpression when "
                            "choosing to get %s",
                            r->select == SELECT_COUNT       ? "COUNT"
                            : r->select == SELECT_PROJECTED ? "ALL_PROJECTED_ATTRIBUTES"
                                                            : "ALL_ATTRIBUTES");
    if (r->select == SELECT_PROJECTED && !r->ix)
        return awserr_raise(err, DDB_VALIDATION, "ALL_PROJECTED_ATTRIBUTES can be used only "
                                                 "when %s using an IndexName", op);
    if (r->select == SELECT_ALL && r->ix && !r->ix->local &&
        r->ix->projection != DDB_PROJECT_ALL)
        return awserr_raise(err, DDB_VALIDATION,
                            "One or more parameter values were invalid: Select type "
                            "ALL_ATTRIBUTES is not supported for global secondary index %s "
                            "because its projection type is not ALL", r->ix->name);
    return 0;
}

static int open_table(struct req *req, json_t *in, struct read_request *r, struct awserr *err)
{
    const char *index;
    if (ddb__member_string(in, "IndexName", &index, err) < 0 || ddb__db(&r->db, err) < 0 ||
        ddb__table_load(req, in, r->db, &r->t, false, "Requested resource not found", err) < 0 ||
        ddb__indexes_load(&r->t, &r->indexes, err) < 0)
        return -1;
    if (index && !(r->ix = ddb__index_find(&r->indexes, index)))
        return awserr_raise(err, DDB_VALIDATION,
                            "The table does not have the specified index: %.255s", index);
    if (r->ix && !r->ix->local && r->consistent)
        return awserr_raise(err, DDB_VALIDATION,
                            "Consistent reads are not supported on global secondary indexes");
    return 0;
}

static int read_request_open(struct req *req, json_t *in, bool query, struct read_request *r,
                             struct awserr *err)
{
    memset(r, 0, sizeof *r);
    if (read_scalars(in, r, err) < 0 || parse_expressions(in, query, r, err) < 0 ||
        open_table(req, in, r, err) < 0 ||
        ddb__expr_check_key_paths(&r->t, &r->indexes, r->projection, err) < 0 ||
        (!query && ddb__expr_check_key_paths(&r->t, &r->indexes, r->filter, err) < 0))
        return -1;
    return check_select(r, query ? "Querying" : "Scanning", err);
}

static void read_request_close(struct read_request *r)
{
    if (r->ctx_open)
        ddbexpr_ctx_finish(&r->ctx, NULL);
    ddbexpr_free(r->keycond);
    ddbexpr_free(r->filter);
    ddbexpr_free(r->projection);
    ddb__indexes_free(&r->indexes);
    st_table_free(&r->t);
}

/* ---- filling a page ---- */

static uint32_t segment_hash(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 16777619u;
    return h;
}

static int dump_to_buf(const char *chunk, size_t size, void *data)
{
    buf_add(data, chunk, size);
    return 0;
}

/* The attributes an index row carries: its projection applied to the table item. */
static json_t *index_projection(const struct read_request *r, json_t *item)
{
    const struct ddb_index *ix = r->ix;
    if (!ix || ix->projection == DDB_PROJECT_ALL || r->select == SELECT_ALL)
        return json_incref(item);
    json_t *out = ddb__key_attributes(&r->t, ix, item);
    size_t i;
    json_t *name;
    json_array_foreach(ix->non_key, i, name)
    {
        json_t *v = json_object_get(item, json_string_value(name));
        if (v)
            json_object_set(out, json_string_value(name), v);
    }
    return out;
}

static bool needs_parsing(const struct read_request *r)
{
    return r->filter || r->projection ||
           (r->ix && r->ix->projection != DDB_PROJECT_ALL && r->select != SELECT_ALL);
}

/* Filters and projects one parsed row into the page. */
static void add_parsed(struct page *p, json_t *item)
{
    const struct read_request *r = p->r;
    json_t *visible = index_projection(r, item);
    if (r->filter && ddbexpr_eval(r->filter, visible, p->err) <= 0) {
        json_decref(visible);
        return;
    }
    p->count++;
    if (r->select != SELECT_COUNT) {
        json_t *shown = r->projection ? ddbexpr_project(r->projection, visible)
                                      : json_incref(visible);
        if (p->any_item)
            buf_addc(p->out, ',');
        p->any_item = true;
        json_dump_callback(shown, dump_to_buf, p->out, JSON_COMPACT);
        json_decref(shown);
    }
    json_decref(visible);
}

static int collect_row(const struct st_row *row, void *arg)
{
    struct page *p = arg;
    const struct read_request *r = p->r;
    if (r->total_segments > 1 &&
        segment_hash(row->pk, row->pk_len) % (uint32_t)r->total_segments != (uint32_t)r->segment)
        return 1;
    p->scanned++;
    p->bytes += row->size;
    if (needs_parsing(r)) {
        json_t *item = ddb__item_parse(row->item, row->item_len);
        if (!item)
            return awserr_raise(p->err, DDB_INTERNAL, "Internal server error");
        add_parsed(p, item);
        json_decref(item);
    } else {
        p->count++;
        if (r->select != SELECT_COUNT) {
            if (p->any_item)
                buf_addc(p->out, ',');
            p->any_item = true;
            buf_add(p->out, row->item, row->item_len);
        }
    }
    if ((r->limit > 0 && p->scanned >= r->limit) || p->bytes >= PAGE_BYTES) {
        p->full = true; /* LastEvaluatedKey comes from this row */
        buf_add(&p->last, row->item, row->item_len);
        return 0;
    }
    return 1;
}

/* Starts the reply body that collect_row() appends items to. */
static void page_begin(struct page *p)
{
    buf_reset(p->out);
    buf_adds(p->out, p->r->select != SELECT_COUNT ? "{\"Items\":[" : "{");
}

/* Ends the reply: Count, ScannedCount, LastEvaluatedKey, capacity after the Items. */
static void page_reply(struct req *req, struct page *p)
{
    const struct read_request *r = p->r;
    struct buf *o = &req->out;
    if (r->select != SELECT_COUNT)
        buf_adds(o, "],");
    buf_addf(o, "\"Count\":%lld,\"ScannedCount\":%lld", p->count, p->scanned);
    json_t *last = p->full && p->last.len ? ddb__item_parse(p->last.data, p->last.len) : NULL;
    if (last) {
        json_t *key = ddb__key_attributes(&r->t, r->ix, last);
        buf_adds(o, ",\"LastEvaluatedKey\":");
        json_dump_callback(key, dump_to_buf, o, JSON_COMPACT);
        json_decref(key);
        json_decref(last);
    }
    if (r->capacity) {
        double units = fmax(0.5, ceil((double)p->bytes / 4096.0) * (r->consistent ? 1.0 : 0.5));
        json_t *cap = ddb__capacity(r->t.name, units, r->capacity);
        buf_adds(o, ",\"ConsumedCapacity\":");
        json_dump_callback(cap, dump_to_buf, o, JSON_COMPACT);
        json_decref(cap);
    }
    buf_addc(o, '}');
}

/* ---- ExclusiveStartKey ---- */

/* The encoded position of ExclusiveStartKey: table key, plus index key when reading one. */
struct start_position {
    struct ddb_key table;
    struct buf ipk, isk;
};

static int bad_start(struct awserr *err)
{
    return awserr_raise(err, DDB_VALIDATION, "The provided starting key is invalid: The provided "
                                             "key element does not match the schema");
}

static int encode_start_part(json_t *start, const char *name, char type, struct buf *out,
                             struct awserr *err)
{
    json_t *av = json_object_get(start, name);
    if (!av || !json_object_get(av, type == 'S' ? "S" : type == 'N' ? "N" : "B"))
        return bad_start(err);
    return ddbval_key_encode(av, type, out, err);
}

static int start_parse(const struct read_request *r, struct start_position *sp,
                       struct awserr *err)
{
    const char *name;
    json_t *av;
    json_object_foreach(r->start, name, av)
    {
        if (ddbval_value_check(av, 1, err) < 0)
            return -1;
    }
    size_t want = r->t.range_type ? 2 : 1;
    if (r->ix)
        want += 1 + (r->ix->range != NULL);
    if (json_object_size(r->start) > want)
        return bad_start(err);
    if (encode_start_part(r->start, r->t.hash_name, r->t.hash_type, &sp->table.pk, err) < 0 ||
        (r->t.range_type &&
         encode_start_part(r->start, r->t.range_name, r->t.range_type, &sp->table.sk, err) < 0))
        return -1;
    if (r->ix && (encode_start_part(r->start, r->ix->hash, r->ix->hash_type, &sp->ipk, err) < 0 ||
                  (r->ix->range && encode_start_part(r->start, r->ix->range, r->ix->range_type,
                                                     &sp->isk, err) < 0)))
        return -1;
    return 0;
}

static void start_free(struct start_position *sp)
{
    ddb__key_free(&sp->table);
    buf_free(&sp->ipk);
    buf_free(&sp->isk);
}

/* ---- Query ---- */

/* The key the query reads by: the index's or the table's. */
struct key_names {
    const char *hash, *range;
    char hash_type, range_type;
};

static struct key_names query_key(const struct read_request *r)
{
    if (r->ix)
        return (struct key_names){r->ix->hash, r->ix->range, r->ix->hash_type,
                                  r->ix->range_type};
    return (struct key_names){r->t.hash_name, r->t.range_type ? r->t.range_name : NULL,
                              r->t.hash_type, r->t.range_type};
}

struct filter_key_check {
    struct key_names k;
    char offender[256]; /* names passed to the callback die when it returns: copy */
};

static void note_key_name(const char *name, void *arg)
{
    struct filter_key_check *c = arg;
    if (!c->offender[0] &&
        (strcmp(name, c->k.hash) == 0 || (c->k.range && strcmp(name, c->k.range) == 0)))
        snprintf(c->offender, sizeof c->offender, "%s", name);
}

static int value_of_type(const json_t *av, char type)
{
    return av && json_object_get(av, type == 'S' ? "S" : type == 'N' ? "N" : "B") &&
           json_object_size(av) == 1;
}

static int blob_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

/* Successor of a byte string in memcmp order among strings with this prefix: the prefix
 * with its last non-0xFF byte incremented; no successor (unbounded) if all bytes are 0xFF. */
static bool prefix_successor(struct buf *b)
{
    while (b->len && (unsigned char)b->data[b->len - 1] == 0xFF)
        b->len--;
    if (!b->len)
        return false;
    b->data[b->len - 1] = (char)((unsigned char)b->data[b->len - 1] + 1);
    return true;
}

/* Turns the sort-key condition into a half-open range [lo, hi) of encodings. Inclusive
 * upper bounds and exclusive lower bounds use v||0x00, the immediate successor of v. */
static int sort_range(const struct ddbexpr_keycond *kc, char type, struct buf *lo,
                      struct buf *hi, bool *bounded, struct awserr *err)
{
    *bounded = true;
    struct buf v = BUF_INIT;
    int ret = 0;
    if (kc->sk_op != DDBEXPR_SK_NONE && kc->sk_op != DDBEXPR_SK_BEGINS_WITH)
        ret = ddbval_key_encode(kc->sk_value1, type, &v, err);
    if (ret < 0)
        goto out;
    switch (kc->sk_op) {
    case DDBEXPR_SK_NONE: *bounded = false; break;
    case DDBEXPR_SK_EQ: buf_add(lo, v.data, v.len), buf_add(hi, v.data, v.len), buf_addc(hi, 0); break;
    case DDBEXPR_SK_LT: buf_add(hi, v.data, v.len); break;
    case DDBEXPR_SK_LE: buf_add(hi, v.data, v.len), buf_addc(hi, 0); break;
    case DDBEXPR_SK_GT: buf_add(lo, v.data, v.len), buf_addc(lo, 0), *bounded = false; break;
    case DDBEXPR_SK_GE: buf_add(lo, v.data, v.len), *bounded = false; break;
    case DDBEXPR_SK_BETWEEN:
        buf_add(lo, v.data, v.len);
        ret = ddbval_key_encode(kc->sk_value2, type, hi, err);
        buf_addc(hi, 0);
        if (ret == 0 && blob_cmp(lo->data, lo->len, hi->data, hi->len) > 0)
            ret = awserr_raise(err, DDB_VALIDATION,
                               "Invalid KeyConditionExpression: The BETWEEN operator requires "
                               "upper bound to be greater than or equal to lower bound");
        break;
    case DDBEXPR_SK_BEGINS_WITH:
        ret = ddbval_key_encode(kc->sk_value1, type, lo, err);
        buf_add(hi, lo->data, lo->len);
        *bounded = prefix_successor(hi);
        break;
    }
out:
    buf_free(&v);
    return ret;
}

static int check_keycond(const struct read_request *r, const struct key_names *k,
                         const struct ddbexpr_keycond *kc, struct awserr *err)
{
    if (!value_of_type(kc->hash_value, k->hash_type) ||
        (kc->sk_op != DDBEXPR_SK_NONE && !value_of_type(kc->sk_value1, k->range_type)) ||
        (kc->sk_op == DDBEXPR_SK_BETWEEN && !value_of_type(kc->sk_value2, k->range_type)))
        return awserr_raise(err, DDB_VALIDATION, "One or more parameter values were invalid: "
                                                 "Condition parameter type does not match "
                                                 "schema type");
    if (kc->sk_op == DDBEXPR_SK_BEGINS_WITH && k->range_type == 'N')
        return awserr_raise(err, DDB_VALIDATION,
                            "Invalid KeyConditionExpression: Incorrect operand type for operator "
                            "or function; operator or function: begins_with, operand type: N");
    if (r->filter) {
        struct filter_key_check c = {*k, ""};
        ddbexpr_top_names(r->filter, note_key_name, &c);
        if (c.offender[0])
            return awserr_raise(err, DDB_VALIDATION,
                                "Filter Expression can only contain non-primary key attributes: "
                                "Primary key attribute: %s", c.offender);
    }
    /* Query checks the filter's key paths only after its key attributes (Scan at once). */
    return ddb__expr_check_key_paths(&r->t, &r->indexes, r->filter, err);
}

/* An ExclusiveStartKey must lie within what the key condition selects, as DynamoDB checks:
 * the same partition and, when there is a sort-key condition, a sort key that satisfies it
 * (lo, hi, bounded: that condition's range, from sort_range). */
static int check_start_bounds(const struct read_request *r, const struct start_position *sp,
                              const struct ddbexpr_keycond *kc, const struct buf *pk,
                              const struct buf *lo, const struct buf *hi, bool bounded,
                              struct awserr *err)
{
    const struct buf *spk = r->ix ? &sp->ipk : &sp->table.pk;
    const struct buf *ssk = r->ix ? &sp->isk : &sp->table.sk;
    bool same_partition = blob_cmp(spk->data ? spk->data : "", spk->len,
                                   pk->data ? pk->data : "", pk->len) == 0;
    if (kc->sk_op == DDBEXPR_SK_NONE) {
        if (!same_partition)
            return awserr_raise(err, DDB_VALIDATION, "The provided starting key is outside query "
                                                     "boundaries based on provided conditions");
        return 0;
    }
    const char *sk = ssk->data ? ssk->data : "";
    if (blob_cmp(sk, ssk->len, lo->data ? lo->data : "", lo->len) < 0 ||
        (bounded && blob_cmp(sk, ssk->len, hi->data ? hi->data : "", hi->len) >= 0))
        return awserr_raise(err, DDB_VALIDATION,
                            "The provided starting key does not match the range key predicate");
    if (!same_partition)
        return awserr_raise(err, DDB_VALIDATION, "The query can return at most one row and "
                                                 "cannot be restarted");
    return 0;
}

/* Narrows the table-query range to rows after (or, backwards, before) the start key. */
static void range_after_start(bool forward, const struct buf *sk, struct buf *lo, struct buf *hi,
                              bool *bounded)
{
    if (forward) {
        struct buf next = BUF_INIT;
        buf_add(&next, sk->data, sk->len);
        buf_addc(&next, 0);
        if (blob_cmp(next.data, next.len, lo->data ? lo->data : "", lo->len) > 0) {
            buf_reset(lo);
            buf_add(lo, next.data, next.len);
        }
        buf_free(&next);
    } else if (!*bounded || blob_cmp(sk->data ? sk->data : "", sk->len, hi->data, hi->len) < 0) {
        buf_reset(hi);
        buf_add(hi, sk->data ? sk->data : "", sk->len);
        *bounded = true;
    }
}

static int run_query(struct read_request *r, struct page *p, struct awserr *err)
{
    struct key_names k = query_key(r);
    struct ddbexpr_keycond kc;
    struct buf lo = BUF_INIT, hi = BUF_INIT, pk = BUF_INIT;
    struct start_position sp = {DDB_KEY_INIT, BUF_INIT, BUF_INIT};
    bool bounded;
    int ret = -1;
    if (!r->keycond) {
        awserr_raise(err, DDB_VALIDATION, "Either the KeyConditions or KeyConditionExpression "
                                          "parameter must be specified in the request.");
        goto out;
    }
    if (ddbexpr_keycond_extract(r->keycond, k.hash, k.range, &kc, err) < 0 ||
        check_keycond(r, &k, &kc, err) < 0 ||
        ddbval_key_encode(kc.hash_value, k.hash_type, &pk, err) < 0 ||
        sort_range(&kc, k.range_type, &lo, &hi, &bounded, err) < 0 ||
        (r->start && (start_parse(r, &sp, err) < 0 ||
                      check_start_bounds(r, &sp, &kc, &pk, &lo, &hi, bounded, err) < 0)))
        goto out;
    struct st_position after = {sp.isk.data, sp.table.pk.data, sp.table.sk.data,
                                sp.isk.len, sp.table.pk.len, sp.table.sk.len};
    if (r->start && !r->ix)
        range_after_start(r->forward, &sp.table.sk, &lo, &hi, &bounded);
    struct st_range range = {lo.data, lo.len, bounded ? (hi.data ? hi.data : "") : NULL, hi.len};
    if (st_items_query(r->db, r->t.id, r->ix ? r->ix->name : NULL, pk.data, pk.len, &range,
                       r->forward, r->start && r->ix ? &after : NULL, collect_row, p) < 0) {
        if (!awserr_is_set(err))
            awserr_raise(err, DDB_INTERNAL, "Internal server error");
        goto out;
    }
    ret = awserr_is_set(err) ? -1 : 0;
out:
    buf_free(&lo);
    buf_free(&hi);
    buf_free(&pk);
    start_free(&sp);
    return ret;
}

static int read_page(struct req *req, json_t *in, bool query, struct awserr *err)
{
    struct read_request r;
    struct page p = {.r = &r, .out = &req->out, .last = BUF_INIT, .err = err};
    int ret = -1;
    if (read_request_open(req, in, query, &r, err) < 0)
        goto out;
    page_begin(&p);
    if (query) {
        ret = run_query(&r, &p, err);
    } else {
        struct start_position sp = {DDB_KEY_INIT, BUF_INIT, BUF_INIT};
        if (!r.start || start_parse(&r, &sp, err) == 0) {
            struct st_position after = {sp.isk.data, sp.table.pk.data, sp.table.sk.data,
                                        sp.isk.len, sp.table.pk.len, sp.table.sk.len};
            ret = st_items_scan(r.db, r.t.id, r.ix ? r.ix->name : NULL, sp.ipk.data, sp.ipk.len,
                                r.start ? &after : NULL, collect_row, &p);
            if (ret < 0 && !awserr_is_set(err))
                awserr_raise(err, DDB_INTERNAL, "Internal server error");
            if (awserr_is_set(err))
                ret = -1;
        }
        start_free(&sp);
    }
    if (ret == 0)
        page_reply(req, &p);
out:
    buf_free(&p.last);
    read_request_close(&r);
    return ret;
}

int ddb_query(struct req *req, json_t *in, json_t **out, struct awserr *err)
{
    (void)out;
    return read_page(req, in, true, err);
}

int ddb_scan(struct req *req, json_t *in, json_t **out, struct awserr *err)
{
    (void)out;
    return read_page(req, in, false, err);
}
