/* tests/fuzz/fuzz_lambda_request.c — libFuzzer harness for whole Lambda REST-JSON requests
 * through route_dispatch(): path parsing (names, partial and full ARNs, qualifiers), body
 * validation, zip packages (libzip, path and link checks), storage, event source mappings,
 * Invoke's checks, and reply encoding, on a real (temporary) SQLite database and state
 * directory. The engine runs (configuration changes post jobs to it) but no handler pool:
 * a synchronous Invoke that passes every check is answered ServiceException.
 *
 * Input: one byte choosing method and route, a path parameter up to the first newline, then
 * the request body. Nothing may crash, leak or trip a sanitizer; every reply has a status and
 * its body, when there is one, is a JSON document.
 * Build: `make build/fuzz/fuzz_lambda_request`; run: `make fuzz`. */
#include <ftw.h>
#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/config.h"
#include "server/engine.h"
#include "server/req.h"
#include "server/route.h"
#include "storage/db.h"
#include "storage/tables.h"

struct route {
    const char *method;
    const char *path; /* %s: the fuzzed path parameter */
};

static const struct route routes[] = {
    {"POST", "/2015-03-31/functions"},
    {"GET", "/2015-03-31/functions"},
    {"GET", "/2015-03-31/functions/%s"},
    {"GET", "/2015-03-31/functions/%s/configuration"},
    {"PUT", "/2015-03-31/functions/%s/configuration"},
    {"PUT", "/2015-03-31/functions/%s/code"},
    {"DELETE", "/2015-03-31/functions/%s"},
    {"POST", "/2015-03-31/functions/%s/invocations"},
    {"POST", "/2014-11-13/functions/%s/invoke-async"},
    {"POST", "/2015-03-31/functions/%s/policy"},
    {"GET", "/2015-03-31/functions/%s/policy"},
    {"DELETE", "/2015-03-31/functions/%s/policy/sid"},
    {"PUT", "/2017-10-31/functions/%s/concurrency"},
    {"GET", "/2019-09-30/functions/%s/concurrency"},
    {"PUT", "/2019-09-25/functions/%s/event-invoke-config"},
    {"POST", "/2019-09-25/functions/%s/event-invoke-config"},
    {"GET", "/2017-03-31/tags/%s"},
    {"POST", "/2017-03-31/tags/%s"},
    {"POST", "/2015-03-31/event-source-mappings"},
    {"GET", "/2015-03-31/event-source-mappings"},
    {"PUT", "/2015-03-31/event-source-mappings/%s"},
    {"GET", "/2016-08-19/account-settings"},
};

static struct config cfg;
static char dir[] = "/tmp/awsemu-fuzz-lambda-XXXXXX";

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t resumed_cond = PTHREAD_COND_INITIALIZER;
static bool resumed;

static void on_resume(struct req *req)
{
    (void)req;
    pthread_mutex_lock(&lock);
    resumed = true;
    pthread_cond_signal(&resumed_cond);
    pthread_mutex_unlock(&lock);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* Leaves nothing behind in /tmp when the fuzzer exits normally. */
static void remove_state(void)
{
    engine_stop();
    st_tables_cache_clear();
    db_close();
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    config_free(&cfg);
}

static void dispatch(const char *method, const char *path, const char *body, size_t len)
{
    struct req req;
    req_init(&req, &cfg);
    req._resume = on_resume;
    req.method = method;
    req.path = path;
    buf_add(&req.body, body, len);
    route_dispatch(&req);
    if (req.suspend) { /* a synchronous Invoke: the engine answers it */
        resumed = false;
        engine_job_post(req.deferred);
        pthread_mutex_lock(&lock);
        while (!resumed)
            pthread_cond_wait(&resumed_cond, &lock);
        pthread_mutex_unlock(&lock);
    }
    if (req.status < 200 || req.status > 599)
        abort();
    if (req.out.len) {
        json_t *reply = json_loadb(req.out.data, req.out.len, JSON_DECODE_ANY, NULL);
        if (!reply)
            abort(); /* every body is a JSON document */
        json_decref(reply);
    }
    req_free(&req);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char *args[] = {"awsemu", "--ephemeral", "--log-level", "error", NULL};
    if (config_parse(&cfg, 4, args, stdout, stderr) != CONFIG_OK || !mkdtemp(dir) ||
        db_open(dir, true) < 0 || engine_start() < 0)
        abort();
    atexit(remove_state);
    log_level_set(LOG_LEVEL_ERROR);
    /* A function the fuzzed requests can find: an empty zip is a valid package. */
    static const char create[] =
        "{\"FunctionName\":\"fz\",\"Runtime\":\"python3.12\",\"Handler\":\"h.h\","
        "\"Role\":\"arn:aws:iam::000000000000:role/r\",\"Code\":{\"ZipFile\":"
        "\"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==\"}}";
    dispatch("POST", "/2015-03-31/functions", create, sizeof create - 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const struct route *r = &routes[data[0] % (sizeof routes / sizeof routes[0])];
    const char *rest = (const char *)data + 1;
    size_t n = size - 1;
    const char *nl = memchr(rest, '\n', n);
    size_t param_len = nl ? (size_t)(nl - rest) : 0;
    if (param_len > 300 || memchr(rest, '\0', param_len))
        return 0; /* a path is a C string of bounded length by then */
    char param[301];
    memcpy(param, rest, param_len);
    param[param_len] = '\0';
    /* Keep the function the others work on: only fuzz deletes of other names. */
    if (strcmp(r->method, "DELETE") == 0 && strstr(param, "fz"))
        return 0;
    char path[400];
    snprintf(path, sizeof path, r->path, param[0] ? param : "fz");
    const char *body = nl ? nl + 1 : rest;
    size_t body_len = nl ? n - param_len - 1 : n;
    dispatch(r->method, path, body, body_len);
    return 0;
}
