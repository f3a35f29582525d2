/* server/admin.c — /_awsemu/ endpoints; see admin.h. */
#include "server/admin.h"

#include <string.h>

#include "server/awsjson.h"
#include "server/version.h"
#include "storage/db.h"
#include "storage/tables.h"

static const struct awserr_kind ADMIN_NOT_FOUND = {404, "NotFound", ""};
static const struct awserr_kind ADMIN_FORBIDDEN = {403, "Forbidden", ""};
static const struct awserr_kind ADMIN_INTERNAL = {500, "InternalFailure", ""};

#define ADMIN_CONTENT_TYPE "application/json"

static int health(struct req *req, json_t **out, struct awserr *err)
{
    (void)req;
    (void)err;
    *out = json_pack("{s:s, s:s, s:[s]}", "status", "ready", "version", AWSEMU_VERSION,
                     "services", "dynamodb");
    return 0;
}

/* Verifies the storage invariants (STYLE §7); only under --ephemeral, as it reads every row. */
static int check(struct req *req, json_t **out, struct awserr *err)
{
    if (!req->cfg || !req->cfg->ephemeral)
        return awserr_raise(err, ADMIN_FORBIDDEN, "/_awsemu/check runs only with --ephemeral");
    struct db *db = db_thread();
    struct buf problems = BUF_INIT;
    int rc = db ? st_tables_check(db, &problems) : -1;
    if (rc < 0) {
        buf_free(&problems);
        return awserr_raise(err, ADMIN_INTERNAL, "the invariant check could not run");
    }
    json_t *list = json_array();
    for (char *line = problems.data, *nl; line && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        json_array_append_new(list, json_stringn(line, (size_t)(nl - line)));
    }
    buf_free(&problems);
    *out = json_pack("{s:b, s:o}", "ok", rc == 0, "problems", list);
    return 0;
}

static const struct {
    const char *method;
    const char *path;
    int (*fn)(struct req *req, json_t **out, struct awserr *err);
    const char *name;
} admin_routes[] = {
    {"GET", "/_awsemu/health", health, "Health"},
    {"GET", "/_awsemu/check", check, "Check"},
};

void admin_dispatch(struct req *req)
{
    json_t *out = NULL;
    int rc = -1;
    for (size_t i = 0; i < sizeof admin_routes / sizeof admin_routes[0]; i++) {
        if (strcmp(req->path, admin_routes[i].path) == 0 &&
            strcmp(req->method, admin_routes[i].method) == 0) {
            req->operation = admin_routes[i].name;
            rc = admin_routes[i].fn(req, &out, &req->err);
            break;
        }
    }
    if (rc < 0 && !awserr_is_set(&req->err))
        awserr_raise(&req->err, ADMIN_NOT_FOUND, "no such awsemu endpoint: %.200s", req->path);
    if (rc < 0) {
        awsjson_error_write(req, ADMIN_CONTENT_TYPE, false);
        return;
    }
    awsjson_body_write(req, out);
    json_decref(out);
    awsjson_reply_write(req, ADMIN_CONTENT_TYPE, false);
}
