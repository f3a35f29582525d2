/* server/dynamodb_expr.c — evaluation side of DynamoDB's expression language: conditions and
 * filters on an item, projections, update application, key-condition extraction; see
 * dynamodb_expr.h. Parsing lives in dynamodb_expr_parse.c, legacy parameters in
 * dynamodb_expr_legacy.c; the tree they share is described in dynamodb_expr_ast.h.
 *
 * DESIGN. Conditions are evaluated by a walk over the tree that never fails: an operand that
 * does not resolve (missing attribute, wrong type, size() of a number) is "absent", and every
 * comparison involving an absent or mismatched operand is false, except `<>`, which is true.
 *
 * Updates follow DynamoDB's atomic semantics: every SET right-hand side is computed from the
 * item as it was before the update, then the actions are applied in place: SETs, ADDs and
 * DELETEs in the order written (their paths cannot overlap), then REMOVEs, sorted so that list
 * elements go from the highest index down and every index still means what it meant in the
 * original item ("REMOVE a[1], a[2]" removes the two original elements). */
#include "server/dynamodb_expr.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/buf.h"
#include "server/dynamodb_err.h"
#include "server/dynamodb_expr_ast.h"
#include "server/dynamodb_number.h"
#include "server/dynamodb_value.h"

#define MSG_INVALID_PATH                                                                     \
    "The document path provided in the update expression is invalid for update"
#define MSG_NO_ATTRIBUTE                                                                     \
    "The provided expression refers to an attribute that does not exist in the item"
#define MSG_BAD_OPERAND "An operand in the update expression has an incorrect data type"

/* ---- arena ------------------------------------------------------------------------------ */

/* Nodes are bump-allocated from blocks of ARENA_BLOCK bytes (a larger request gets a block of
 * its own, kept behind the current one): an expression costs a few allocations, not one per
 * node. */
struct ddbexpr__blk {
    struct ddbexpr__blk *next;
    size_t used, cap;
    max_align_t data[];
};

#define ARENA_BLOCK 2048

struct ddbexpr *ddbexpr__new(enum ddbexpr_kind kind)
{
    struct ddbexpr *e = xcalloc(1, sizeof *e);
    e->kind = kind;
    return e;
}

void *ddbexpr__alloc(struct ddbexpr *e, size_t size)
{
    const size_t align = sizeof(max_align_t);
    size = (size ? size + align - 1 : align) / align * align;
    struct ddbexpr__blk *b = e->arena;
    if (!b || b->cap - b->used < size) {
        size_t cap = size > ARENA_BLOCK / 2 ? size : ARENA_BLOCK;
        struct ddbexpr__blk *nb = xmalloc(sizeof *nb + cap);
        nb->used = 0;
        nb->cap = cap;
        if (b && cap == size) { /* a large one: the current block stays the one to fill */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            e->arena = nb;
        }
        b = nb;
    }
    void *p = (char *)b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

void *ddbexpr__dup(struct ddbexpr *e, const void *src, size_t size)
{
    void *p = ddbexpr__alloc(e, size);
    memcpy(p, src, size);
    return p;
}

struct ddbexpr__node *ddbexpr__node_new(struct ddbexpr *e, enum ddbexpr__op op)
{
    struct ddbexpr__node *n = ddbexpr__alloc(e, sizeof *n);
    n->op = op;
    return n;
}

void ddbexpr_free(struct ddbexpr *e)
{
    if (!e)
        return;
    for (struct ddbexpr__blk *b = e->arena, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(e->text);
    free(e);
}

/* ---- AttributeValues -------------------------------------------------------------------- */

static const char *const TYPES[] = {"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"};

const char *ddbexpr__av_type(const json_t *av, json_t **member)
{
    for (size_t i = 0; json_is_object(av) && i < sizeof TYPES / sizeof TYPES[0]; i++) {
        json_t *m = json_object_get(av, TYPES[i]);
        if (m && !json_is_null(m)) {
            if (member)
                *member = m;
            return TYPES[i];
        }
    }
    if (member)
        *member = NULL;
    return NULL;
}

static bool type_is(const char *t, const char *want)
{
    return t && strcmp(t, want) == 0;
}

static bool is_set_type(const char *t)
{
    return type_is(t, "SS") || type_is(t, "NS") || type_is(t, "BS");
}

static json_t *av_new(const char *type, json_t *member)
{
    json_t *av = json_object();
    json_object_set_new(av, type, member);
    return av;
}

/* Decoded bytes of a B value (checked base64, so decoding cannot fail). */
static void binary_bytes(const json_t *s, struct buf *out)
{
    if (ddbval_base64_decode(json_string_value(s), json_string_length(s), out) != 0)
        buf_reset(out);
}

static int bytes_compare(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : alen < blen ? -1 : alen > blen ? 1 : 0;
}

int ddbexpr_value_compare(const json_t *a, const json_t *b)
{
    json_t *ma, *mb;
    const char *ta = ddbexpr__av_type(a, &ma), *tb = ddbexpr__av_type(b, &mb);
    if (!ta || !tb || strcmp(ta, tb) != 0 || strlen(ta) != 1 || !json_is_string(ma) ||
        !json_is_string(mb))
        return -2;
    if (ta[0] == 'N') {
        int c = ddbnum_compare(json_string_value(ma), json_string_value(mb));
        return (c > 0) - (c < 0);
    }
    if (ta[0] == 'S') {
        int c = bytes_compare(json_string_value(ma), json_string_length(ma),
                              json_string_value(mb), json_string_length(mb));
        return (c > 0) - (c < 0);
    }
    struct buf x = BUF_INIT, y = BUF_INIT;
    binary_bytes(ma, &x);
    binary_bytes(mb, &y);
    int c = bytes_compare(x.data ? x.data : "", x.len, y.data ? y.data : "", y.len);
    buf_free(&x);
    buf_free(&y);
    return (c > 0) - (c < 0);
}

static bool set_has(const json_t *set, const json_t *elem)
{
    size_t i;
    json_t *v;
    json_array_foreach(set, i, v)
        if (json_equal(v, (json_t *)elem))
            return true;
    return false;
}

/* ---- paths ------------------------------------------------------------------------------ */

/* One step down from an AttributeValue; NULL when it is not there. */
static json_t *step_get(const json_t *av, const struct ddbexpr__step *st)
{
    json_t *m;
    const char *t = ddbexpr__av_type(av, &m);
    if (st->is_index)
        return type_is(t, "L") ? json_array_get(m, st->index) : NULL;
    return type_is(t, "M") && json_is_object(m) ? json_object_getn(m, st->name, st->len) : NULL;
}

/* The AttributeValue at path in item, or NULL. */
static json_t *path_get(const json_t *item, const struct ddbexpr__path *path)
{
    const struct ddbexpr__step *st = &path->steps[0];
    if (!item || st->is_index || st->undefined)
        return NULL;
    json_t *av = json_object_getn(item, st->name, st->len);
    for (int i = 1; av && i < path->n; i++)
        av = step_get(av, &path->steps[i]);
    return av;
}

/* ---- condition evaluation --------------------------------------------------------------- */

/* An operand's value: borrowed from the item or the request, or computed (size()). */
struct operand {
    const json_t *av; /* NULL: absent */
    json_t *owned;
};

static void operand_release(struct operand *o)
{
    json_decref(o->owned);
}

/* DynamoDB's size(): bytes of S (UTF-8) and B, members of sets, L and M; absent otherwise. */
static json_t *size_of(const json_t *av)
{
    json_t *m;
    const char *t = ddbexpr__av_type(av, &m);
    size_t n;
    if (type_is(t, "S"))
        n = json_string_length(m);
    else if (type_is(t, "B")) {
        struct buf bytes = BUF_INIT;
        binary_bytes(m, &bytes);
        n = bytes.len;
        buf_free(&bytes);
    } else if (is_set_type(t) || type_is(t, "L"))
        n = json_array_size(m);
    else if (type_is(t, "M"))
        n = json_object_size(m);
    else
        return NULL;
    char num[32];
    snprintf(num, sizeof num, "%zu", n);
    return av_new("N", json_string(num));
}

static struct operand operand_eval(const struct ddbexpr__node *n, const json_t *item)
{
    struct operand o = {NULL, NULL};
    if (n->op == DDBEXPR__PATH)
        o.av = path_get(item, &n->path);
    else if (n->op == DDBEXPR__VALUE)
        o.av = n->value;
    else if (n->op == DDBEXPR__CALL && n->fn == DDBEXPR__FN_SIZE && n->nargs == 1) {
        struct operand arg = operand_eval(n->args[0], item);
        o.owned = arg.av ? size_of(arg.av) : NULL;
        o.av = o.owned;
        operand_release(&arg);
    }
    return o;
}

static bool compare_holds(enum ddbexpr__op op, const json_t *a, const json_t *b)
{
    if (op == DDBEXPR__EQ)
        return a && b && ddbval_value_equal(a, b);
    if (op == DDBEXPR__NE)
        return !(a && b && ddbval_value_equal(a, b));
    int c = a && b ? ddbexpr_value_compare(a, b) : -2;
    if (c == -2)
        return false;
    switch (op) {
    case DDBEXPR__LT:
        return c < 0;
    case DDBEXPR__LE:
        return c <= 0;
    case DDBEXPR__GT:
        return c > 0;
    default:
        return c >= 0;
    }
}

static bool between_holds(const json_t *x, const json_t *lo, const json_t *hi)
{
    if (!x || !lo || !hi)
        return false;
    int a = ddbexpr_value_compare(lo, x), b = ddbexpr_value_compare(x, hi);
    return a != -2 && b != -2 && a <= 0 && b <= 0;
}

/* Prefix (begins_with) or substring (contains) of S, or of the bytes of B. */
static bool bytes_match(const json_t *hay, const json_t *needle, bool prefix_only)
{
    json_t *mh, *mn;
    const char *th = ddbexpr__av_type(hay, &mh), *tn = ddbexpr__av_type(needle, &mn);
    if (!th || !tn || strcmp(th, tn) != 0 || (!type_is(th, "S") && !type_is(th, "B")))
        return false;
    struct buf h = BUF_INIT, n = BUF_INIT;
    if (th[0] == 'S') {
        buf_add(&h, json_string_value(mh), json_string_length(mh));
        buf_add(&n, json_string_value(mn), json_string_length(mn));
    } else {
        binary_bytes(mh, &h);
        binary_bytes(mn, &n);
    }
    bool found;
    if (n.len == 0)
        found = true;
    else if (prefix_only)
        found = h.len >= n.len && memcmp(h.data, n.data, n.len) == 0;
    else
        found = h.len >= n.len && memmem(h.data, h.len, n.data, n.len) != NULL;
    buf_free(&h);
    buf_free(&n);
    return found;
}

/* contains(): substring of S or B, member of a set of the operand's type, element of L. */
static bool contains_holds(const json_t *hay, const json_t *needle)
{
    json_t *mh, *mn;
    const char *th = ddbexpr__av_type(hay, &mh), *tn = ddbexpr__av_type(needle, &mn);
    if (!th || !tn)
        return false;
    if (is_set_type(th))
        return strlen(tn) == 1 && th[0] == tn[0] && set_has(mh, mn);
    if (type_is(th, "L")) {
        for (size_t i = 0; i < json_array_size(mh); i++)
            if (ddbval_value_equal(json_array_get(mh, i), needle))
                return true;
        return false;
    }
    return bytes_match(hay, needle, false);
}

static bool call_holds(const struct ddbexpr__node *n, const json_t *item)
{
    struct operand a = operand_eval(n->args[0], item);
    struct operand b = n->nargs > 1 ? operand_eval(n->args[1], item) : (struct operand){0};
    bool r = false;
    json_t *want;
    switch (n->fn) {
    case DDBEXPR__FN_ATTRIBUTE_EXISTS:
        r = a.av != NULL;
        break;
    case DDBEXPR__FN_ATTRIBUTE_NOT_EXISTS:
        r = a.av == NULL;
        break;
    case DDBEXPR__FN_ATTRIBUTE_TYPE:
        r = a.av && b.av && type_is(ddbexpr__av_type(b.av, &want), "S") &&
            type_is(ddbexpr__av_type(a.av, NULL), json_string_value(want));
        break;
    case DDBEXPR__FN_BEGINS_WITH:
        r = a.av && b.av && bytes_match(a.av, b.av, true);
        break;
    case DDBEXPR__FN_CONTAINS:
        r = a.av && b.av && contains_holds(a.av, b.av);
        break;
    default:
        break;
    }
    operand_release(&a);
    operand_release(&b);
    return r;
}

static bool in_holds(const struct ddbexpr__node *n, const json_t *item)
{
    struct operand x = operand_eval(n->args[0], item);
    bool r = false;
    for (int i = 1; x.av && !r && i < n->nargs; i++) {
        struct operand v = operand_eval(n->args[i], item);
        r = v.av && ddbval_value_equal(x.av, v.av);
        operand_release(&v);
    }
    operand_release(&x);
    return r;
}

static bool holds(const struct ddbexpr__node *n, const json_t *item)
{
    switch (n->op) {
    case DDBEXPR__AND:
        for (int i = 0; i < n->nargs; i++)
            if (!holds(n->args[i], item))
                return false;
        return true;
    case DDBEXPR__OR:
        for (int i = 0; i < n->nargs; i++)
            if (holds(n->args[i], item))
                return true;
        return false;
    case DDBEXPR__NOT:
        return !holds(n->args[0], item);
    case DDBEXPR__CALL:
        return call_holds(n, item);
    case DDBEXPR__IN:
        return in_holds(n, item);
    default:
        break;
    }
    struct operand o[3] = {{0}};
    for (int i = 0; i < n->nargs && i < 3; i++)
        o[i] = operand_eval(n->args[i], item);
    bool r = n->op == DDBEXPR__BETWEEN ? between_holds(o[0].av, o[1].av, o[2].av)
                                       : compare_holds(n->op, o[0].av, o[1].av);
    for (int i = 0; i < 3; i++)
        operand_release(&o[i]);
    return r;
}

int ddbexpr_eval(const struct ddbexpr *e, const json_t *item, struct awserr *err)
{
    (void)err; /* DynamoDB raises nothing while evaluating a parsed condition */
    return !e->root || holds(e->root, item) ? 1 : 0;
}

/* ---- projection ------------------------------------------------------------------------- */

/* The projected paths merged into a tree: a node is wanted whole, or by some of its
 * children (by name for maps, by index for lists). */
struct mask {
    bool whole;
    struct mask *children;
    struct mask *next; /* sibling */
    struct ddbexpr__step step;
};

static struct mask *mask_child(struct mask *m, const struct ddbexpr__step *st)
{
    struct mask **link = &m->children;
    for (; *link; link = &(*link)->next) {
        const struct ddbexpr__step *s = &(*link)->step;
        if (s->is_index == st->is_index &&
            (st->is_index ? s->index == st->index
                          : s->len == st->len && memcmp(s->name, st->name, st->len) == 0))
            return *link;
        /* lists keep their elements' order: children by index stay sorted */
        if (st->is_index && s->is_index && s->index > st->index)
            break;
    }
    struct mask *c = xcalloc(1, sizeof *c);
    c->step = *st;
    c->next = *link;
    *link = c;
    return c;
}

static void mask_add(struct mask *root, const struct ddbexpr__path *path)
{
    struct mask *m = root;
    for (int i = 0; i < path->n && !path->steps[i].undefined; i++)
        m = mask_child(m, &path->steps[i]);
    m->whole = true;
}

static void mask_free(struct mask *m)
{
    while (m) {
        struct mask *next = m->next;
        mask_free(m->children);
        free(m);
        m = next;
    }
}

/* The parts of av the mask wants, or NULL when none of them exist. */
static json_t *project_av(const json_t *av, const struct mask *m)
{
    if (m->whole)
        return json_deep_copy(av);
    json_t *member;
    const char *t = ddbexpr__av_type(av, &member);
    bool list = type_is(t, "L"), map = type_is(t, "M");
    if (!list && !map)
        return NULL;
    json_t *out = list ? json_array() : json_object();
    for (const struct mask *c = m->children; c; c = c->next) {
        json_t *child = step_get(av, &c->step), *part;
        if (!child || !(part = project_av(child, c)))
            continue;
        if (list)
            json_array_append_new(out, part);
        else
            json_object_setn_new(out, c->step.name, c->step.len, part);
    }
    if ((list ? json_array_size(out) : json_object_size(out)) == 0) {
        json_decref(out);
        return NULL;
    }
    return av_new(list ? "L" : "M", out);
}

static json_t *project_paths(const json_t *item, const struct ddbexpr__path *const *paths, int n)
{
    struct mask root = {0};
    json_t *out = json_object();
    for (int i = 0; i < n; i++) /* deeper paths cannot exist in an item: keep recursion short */
        if (paths[i]->n > 0 && paths[i]->n <= DDBVAL_MAX_DEPTH + 1 && !paths[i]->steps[0].is_index)
            mask_add(&root, paths[i]);
    for (const struct mask *c = root.children; item && c; c = c->next) {
        json_t *av = json_object_getn(item, c->step.name, c->step.len), *part;
        if (av && (part = project_av(av, c)))
            json_object_setn_new(out, c->step.name, c->step.len, part);
    }
    mask_free(root.children);
    return out;
}

json_t *ddbexpr_project(const struct ddbexpr *e, const json_t *item)
{
    const struct ddbexpr__path **paths = xcalloc((size_t)e->npaths + 1, sizeof *paths);
    for (int i = 0; i < e->npaths; i++)
        paths[i] = &e->paths[i];
    json_t *out = project_paths(item, paths, e->npaths);
    free(paths);
    return out;
}

json_t *ddbexpr_update_project(const struct ddbexpr *e, const json_t *item)
{
    const struct ddbexpr__path **paths = xcalloc((size_t)e->nactions + 1, sizeof *paths);
    for (int i = 0; i < e->nactions; i++)
        paths[i] = &e->actions[i].path;
    json_t *out = project_paths(item, paths, e->nactions);
    free(paths);
    return out;
}

/* ---- updates: values -------------------------------------------------------------------- */

static json_t *set_value_eval(const struct ddbexpr__node *n, const json_t *item,
                              struct awserr *err);

static json_t *arith_eval(const struct ddbexpr__node *n, const json_t *item, struct awserr *err)
{
    json_t *a = set_value_eval(n->args[0], item, err), *b = NULL, *ma, *mb, *out = NULL;
    char sum[DDBVAL_NUMBER_MAX];
    if (!a || !(b = set_value_eval(n->args[1], item, err)))
        goto done;
    if (!type_is(ddbexpr__av_type(a, &ma), "N") || !type_is(ddbexpr__av_type(b, &mb), "N")) {
        awserr_raise(err, DDB_VALIDATION, MSG_BAD_OPERAND);
        goto done;
    }
    int rc = n->op == DDBEXPR__PLUS
                 ? ddbnum_add(json_string_value(ma), json_string_value(mb), sum, err)
                 : ddbnum_sub(json_string_value(ma), json_string_value(mb), sum, err);
    if (rc == 0)
        out = av_new("N", json_string(sum));
done:
    json_decref(a);
    json_decref(b);
    return out;
}

static json_t *list_append_eval(const struct ddbexpr__node *n, const json_t *item,
                                struct awserr *err)
{
    json_t *a = set_value_eval(n->args[0], item, err), *b = NULL, *ma, *mb, *out = NULL;
    if (!a || !(b = set_value_eval(n->args[1], item, err)))
        goto done;
    if (!type_is(ddbexpr__av_type(a, &ma), "L") || !type_is(ddbexpr__av_type(b, &mb), "L")) {
        awserr_raise(err, DDB_VALIDATION, MSG_BAD_OPERAND);
        goto done;
    }
    json_t *list = json_deep_copy(ma);
    json_array_extend(list, mb);
    out = av_new("L", list);
done:
    json_decref(a);
    json_decref(b);
    return out;
}

/* A SET right-hand side computed from the original item: a new reference, or NULL with *err. */
static json_t *set_value_eval(const struct ddbexpr__node *n, const json_t *item,
                              struct awserr *err)
{
    switch (n->op) {
    case DDBEXPR__VALUE:
        return json_deep_copy(n->value);
    case DDBEXPR__PATH: {
        json_t *av = path_get(item, &n->path);
        if (!av)
            awserr_raise(err, DDB_VALIDATION, MSG_NO_ATTRIBUTE);
        return av ? json_deep_copy(av) : NULL;
    }
    case DDBEXPR__PLUS:
    case DDBEXPR__MINUS:
        return arith_eval(n, item, err);
    default:
        break;
    }
    if (n->fn == DDBEXPR__FN_IF_NOT_EXISTS) {
        json_t *av = path_get(item, &n->args[0]->path);
        return av ? json_deep_copy(av) : set_value_eval(n->args[1], item, err);
    }
    return list_append_eval(n, item, err);
}

/* ---- updates: applying ------------------------------------------------------------------ */

/* The container the last step of path lives in (an item, a map's M or a list's L), or NULL
 * when the path's parent is missing or of the wrong kind. */
static json_t *parent_container(json_t *item, const struct ddbexpr__path *path)
{
    if (path->n == 1)
        return item;
    json_t *av = json_object_getn(item, path->steps[0].name, path->steps[0].len), *m;
    for (int i = 1; av && i < path->n - 1; i++)
        av = step_get(av, &path->steps[i]);
    const char *t = ddbexpr__av_type(av, &m);
    const struct ddbexpr__step *last = &path->steps[path->n - 1];
    if (last->is_index ? !type_is(t, "L") : !type_is(t, "M"))
        return NULL;
    return m;
}

/* Puts value (reference taken) at path; a list index past the end appends. */
static int path_set(json_t *item, const struct ddbexpr__path *path, json_t *value,
                    struct awserr *err)
{
    json_t *c = parent_container(item, path);
    const struct ddbexpr__step *last = &path->steps[path->n - 1];
    if (!c) {
        json_decref(value);
        return awserr_raise(err, DDB_VALIDATION, MSG_INVALID_PATH);
    }
    if (!last->is_index)
        json_object_setn_new(c, last->name, last->len, value);
    else if (last->index < json_array_size(c))
        json_array_set_new(c, last->index, value);
    else
        json_array_append_new(c, value);
    return 0;
}

static int path_remove(json_t *item, const struct ddbexpr__path *path, struct awserr *err)
{
    json_t *c = parent_container(item, path);
    const struct ddbexpr__step *last = &path->steps[path->n - 1];
    if (!c)
        return awserr_raise(err, DDB_VALIDATION, MSG_INVALID_PATH);
    if (!last->is_index)
        json_object_deln(c, last->name, last->len);
    else if (last->index < json_array_size(c))
        json_array_remove(c, last->index);
    return 0;
}

/* Union (add) or difference (!add) of two sets of the same type, as a new member array. */
static json_t *set_combine(const json_t *have, const json_t *with, bool add)
{
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(have, i, v)
        if (add || !set_has(with, v))
            json_array_append(out, v);
    json_array_foreach(with, i, v)
        if (add && !set_has(have, v))
            json_array_append(out, v);
    return out;
}

/* ADD: numbers add, sets unite, a missing attribute starts as the value; legacy ADD also
 * appends lists (AttributeUpdates' documented behaviour). */
static int apply_add(json_t *item, const struct ddbexpr__action *a, bool legacy,
                     struct awserr *err)
{
    json_t *have = path_get(item, &a->path), *mh, *mv;
    const char *tv = ddbexpr__av_type(a->value->value, &mv), *th = ddbexpr__av_type(have, &mh);
    char sum[DDBVAL_NUMBER_MAX];
    if (!have)
        return path_set(item, &a->path, json_deep_copy(a->value->value), err);
    if (!th || strcmp(th, tv) != 0)
        return awserr_raise(err, DDB_VALIDATION,
                            legacy ? "Type mismatch for attribute to update" : MSG_BAD_OPERAND);
    if (type_is(tv, "N")) {
        if (ddbnum_add(json_string_value(mh), json_string_value(mv), sum, err) != 0)
            return -1;
        return path_set(item, &a->path, av_new("N", json_string(sum)), err);
    }
    if (type_is(tv, "L"))
        return json_array_extend(mh, mv) == 0 ? 0 : -1;
    return path_set(item, &a->path, av_new(tv, set_combine(mh, mv, true)), err);
}

/* DELETE: set difference; a set left empty removes the attribute. */
static int apply_delete(json_t *item, const struct ddbexpr__action *a, bool legacy,
                        struct awserr *err)
{
    json_t *have = path_get(item, &a->path), *mh, *mv;
    const char *tv = ddbexpr__av_type(a->value->value, &mv), *th = ddbexpr__av_type(have, &mh);
    if (!have)
        return 0;
    if (!th || strcmp(th, tv) != 0)
        return awserr_raise(err, DDB_VALIDATION,
                            legacy ? "Type mismatch for attribute to update" : MSG_BAD_OPERAND);
    json_t *left = set_combine(mh, mv, false);
    if (json_array_size(left) == 0) {
        json_decref(left);
        return path_remove(item, &a->path, err);
    }
    return path_set(item, &a->path, av_new(tv, left), err);
}

/* REMOVE order: later list elements first, deeper paths before their ancestors. */
static int remove_order(const void *x, const void *y)
{
    const struct ddbexpr__path *a = *(const struct ddbexpr__path *const *)x;
    const struct ddbexpr__path *b = *(const struct ddbexpr__path *const *)y;
    for (int i = 0; i < a->n && i < b->n; i++) {
        const struct ddbexpr__step *s = &a->steps[i], *t = &b->steps[i];
        if (s->is_index && t->is_index && s->index != t->index)
            return s->index > t->index ? -1 : 1;
        if (!s->is_index && !t->is_index) {
            int c = bytes_compare(s->name, s->len, t->name, t->len);
            if (c)
                return c;
        }
    }
    return b->n - a->n;
}

static int apply_removes(json_t *item, const struct ddbexpr *e, struct awserr *err)
{
    const struct ddbexpr__path **paths = xcalloc((size_t)e->nactions + 1, sizeof *paths);
    int n = 0, ret = 0;
    for (int i = 0; i < e->nactions; i++)
        if (e->actions[i].kind == DDBEXPR__REMOVE)
            paths[n++] = &e->actions[i].path;
    qsort(paths, (size_t)n, sizeof *paths, remove_order);
    for (int i = 0; ret == 0 && i < n; i++)
        ret = path_remove(item, paths[i], err);
    free(paths);
    return ret;
}

/* Every SET value, computed before anything changes. */
static json_t **set_values_eval(const struct ddbexpr *e, const json_t *item, struct awserr *err)
{
    json_t **values = xcalloc((size_t)e->nactions + 1, sizeof *values);
    for (int i = 0; i < e->nactions; i++) {
        if (e->actions[i].kind != DDBEXPR__SET)
            continue;
        if (!(values[i] = set_value_eval(e->actions[i].value, item, err))) {
            for (int j = 0; j < i; j++)
                json_decref(values[j]);
            free(values);
            return NULL;
        }
    }
    return values;
}

int ddbexpr_update_apply(const struct ddbexpr *e, json_t *item, struct awserr *err)
{
    json_t **values = set_values_eval(e, item, err);
    int ret = values ? 0 : -1;
    for (int i = 0; values && i < e->nactions; i++) {
        const struct ddbexpr__action *a = &e->actions[i];
        json_t *v = values[i];
        values[i] = NULL;
        if (ret != 0 || a->kind == DDBEXPR__REMOVE) {
            json_decref(v);
            continue;
        }
        if (a->kind == DDBEXPR__SET)
            ret = path_set(item, &a->path, v, err);
        else if (a->kind == DDBEXPR__ADD)
            ret = apply_add(item, a, e->legacy, err);
        else
            ret = apply_delete(item, a, e->legacy, err);
    }
    free(values);
    return ret == 0 ? apply_removes(item, e, err) : -1;
}

int ddbexpr_update_check_keys(const struct ddbexpr *e, const char *hash, const char *range,
                              struct awserr *err)
{
    for (int i = 0; i < e->nactions; i++) {
        const struct ddbexpr__step *st = &e->actions[i].path.steps[0];
        const char *keys[2] = {hash, range};
        for (int k = 0; k < 2; k++)
            if (keys[k] && strlen(keys[k]) == st->len && memcmp(keys[k], st->name, st->len) == 0)
                return awserr_raise(err, DDB_VALIDATION, "One or more parameter values were "
                                                         "invalid: Cannot update attribute %s. "
                                                         "This attribute is part of the key",
                                    keys[k]);
    }
    return 0;
}

/* ---- key conditions --------------------------------------------------------------------- */

static bool keypart_is(const struct ddbexpr__keypart *kp, const char *name)
{
    return name && strlen(name) == kp->len && memcmp(name, kp->name, kp->len) == 0;
}

#define MISSED_KEY "Query condition missed key schema element: %s"

int ddbexpr_keycond_extract(const struct ddbexpr *e, const char *hash, const char *range,
                            struct ddbexpr_keycond *out, struct awserr *err)
{
    const struct ddbexpr__keypart *hp = NULL, *rp = NULL;
    memset(out, 0, sizeof *out);
    for (int i = 0; i < e->nkeyparts; i++) {
        const struct ddbexpr__keypart *kp = &e->keyparts[i];
        if (keypart_is(kp, hash))
            hp = kp;
        else if (keypart_is(kp, range))
            rp = kp;
    }
    if (!hp)
        return awserr_raise(err, DDB_VALIDATION, MISSED_KEY, hash);
    if (e->nkeyparts > (rp ? 2 : 1)) /* a condition on an attribute outside the key */
        return range ? awserr_raise(err, DDB_VALIDATION, MISSED_KEY, range)
                     : awserr_raise(err, DDB_VALIDATION, "Query key condition not supported");
    if (hp->op == DDBEXPR_SK_NONE || (rp && rp->op == DDBEXPR_SK_NONE))
        return awserr_raise(err, DDB_VALIDATION,
                            "Attempted conditional constraint is not an indexable operation");
    if (hp->op != DDBEXPR_SK_EQ)
        return awserr_raise(err, DDB_VALIDATION, "Query key condition not supported");
    out->hash_value = hp->v1;
    if (rp) {
        out->sk_op = rp->op;
        out->sk_value1 = rp->v1;
        out->sk_value2 = rp->v2;
    }
    return 0;
}

/* ---- top-level names -------------------------------------------------------------------- */

struct names_seen {
    struct buf list; /* const struct ddbexpr__step * already reported */
    ddbexpr_name_cb fn;
    void *arg;
    bool nested_only; /* report only paths that go below their attribute (a.b, a[0]) */
};

static void name_report(struct names_seen *ns, const struct ddbexpr__path *path)
{
    const struct ddbexpr__step *st = &path->steps[0], *const *seen = (const void *)ns->list.data;
    if (path->n == 0 || st->is_index || st->undefined || (ns->nested_only && path->n < 2))
        return;
    for (size_t i = 0; i < ns->list.len / sizeof st; i++)
        if (seen[i]->len == st->len && memcmp(seen[i]->name, st->name, st->len) == 0)
            return;
    buf_add(&ns->list, &st, sizeof st);
    char *name = xstrndup(st->name, st->len);
    ns->fn(name, ns->arg);
    free(name);
}

static void names_walk(struct names_seen *ns, const struct ddbexpr__node *n)
{
    if (!n)
        return;
    if (n->op == DDBEXPR__PATH)
        name_report(ns, &n->path);
    for (int i = 0; i < n->nargs; i++)
        names_walk(ns, n->args[i]);
}

static void names_all(const struct ddbexpr *e, bool nested_only, ddbexpr_name_cb fn, void *arg)
{
    struct names_seen ns = {BUF_INIT, fn, arg, nested_only};
    names_walk(&ns, e->root);
    for (int i = 0; i < e->npaths; i++)
        name_report(&ns, &e->paths[i]);
    for (int i = 0; i < e->nactions; i++) {
        name_report(&ns, &e->actions[i].path);
        names_walk(&ns, e->actions[i].value);
    }
    buf_free(&ns.list);
}

void ddbexpr_top_names(const struct ddbexpr *e, ddbexpr_name_cb fn, void *arg)
{
    names_all(e, false, fn, arg);
}

void ddbexpr_nested_names(const struct ddbexpr *e, ddbexpr_name_cb fn, void *arg)
{
    names_all(e, true, fn, arg);
}
