/* server/main.c — awsemu's entry: configuration, start-up, signals and shutdown order.
 *
 * Start-up: flags → state directory (a fresh temporary one under --ephemeral) → SQLite →
 * engine thread → HTTP pool → one `ready` line on stdout. Signals are blocked in every thread
 * and taken by main with sigwait(), so no handler runs inside library code. Shutdown: stop
 * accepting and let requests in flight finish (http_stop), stop the engine (its children and
 * handles die with it), close SQLite, remove ephemeral state. Lambda handler processes are
 * killed (pool_stop) after the HTTP drain and before the engine stops. */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/buf.h"
#include "server/config.h"
#include "server/dynamodb_stream.h"
#include "server/engine.h"
#include "handlers/esm.h"
#include "handlers/invoke.h"
#include "handlers/ledger.h"
#include "handlers/pool.h"
#include "server/http.h"
#include "server/lambda_invoke.h"
#include "server/streams.h"
#include "storage/db.h"
#include "storage/tables.h"

#define LOG_MODULE "main"
#include "server/log.h"

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    if (remove(path) < 0)
        LOG_WARN("cannot remove '%s': %s", path, strerror(errno));
    return 0;
}

static void remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* path made absolute against the working directory: handler processes get paths under the
 * state directory (LAMBDA_TASK_ROOT) and run elsewhere. NULL if the directory is unknown. */
static char *absolute_path(const char *path)
{
    if (path[0] == '/')
        return xstrdup(path);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) {
        LOG_ERROR("cannot resolve '%s': the working directory is unknown: %s", path,
                  strerror(errno));
        return NULL;
    }
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    struct buf abs = BUF_INIT;
    buf_addf(&abs, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, path);
    return buf_take(&abs);
}

/* Chooses the state directory, as an absolute path: cfg->data_dir, or a new temporary one
 * (returned for removal). */
static char *state_dir(const struct config *cfg, char **ephemeral_dir)
{
    *ephemeral_dir = NULL;
    if (!cfg->ephemeral)
        return absolute_path(cfg->data_dir);
    const char *tmp = getenv("TMPDIR");
    struct buf path = BUF_INIT;
    buf_addf(&path, "%s/awsemu-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(path.data)) {
        LOG_ERROR("cannot create a temporary directory in '%s': %s", tmp ? tmp : "/tmp",
                  strerror(errno));
        buf_free(&path);
        return NULL;
    }
    char *dir = absolute_path(path.data);
    if (!dir) {
        rmdir(path.data);
        buf_free(&path);
        return NULL;
    }
    *ephemeral_dir = xstrdup(dir);
    buf_free(&path);
    return dir;
}

static void print_ready(const struct config *cfg, int port)
{
    const char *host = cfg->host;
    bool v6 = strchr(host, ':') != NULL;
    printf("awsemu ready on http://%s%s%s:%d\n", v6 ? "[" : "", host, v6 ? "]" : "", port);
    fflush(stdout);
}

/* Once a second on the engine thread: stream upkeep, async invocations coming due, and
 * event source mapping retries. */
static void engine_tick(void)
{
    ddbs_tick();
    invoke_async_tick();
    esm_tick();
}

static const struct esm_hooks esm_hooks = {lambda_invoke_loader, ddbs_record_json,
                                           ddb__stream_retention};

static int wait_for_stop_signal(const sigset_t *set)
{
    int sig = 0;
    while (sigwait(set, &sig) != 0 || sig == SIGPIPE)
        ;
    return sig;
}

int main(int argc, char **argv)
{
    struct config cfg;
    switch (config_parse(&cfg, argc, argv, stdout, stderr)) {
    case CONFIG_EXIT_OK:
        config_free(&cfg);
        return 0;
    case CONFIG_EXIT_USAGE:
        config_free(&cfg);
        return 2;
    case CONFIG_OK:
        break;
    }
    log_level_set(cfg.log_level);

    /* Block the stop signals everywhere; threads inherit the mask. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

    int status = 1, port = 0;
    char *ephemeral_dir = NULL;
    char *dir = state_dir(&cfg, &ephemeral_dir);
    if (!dir || db_open(dir, cfg.ephemeral) < 0)
        goto out;
    ddb__stream_settings_set(cfg.stream_retention, cfg.shard_rollover);
    db_write_commit_hook_set(ddb__stream_committed);
    engine_tick_set(engine_tick, 1000);
    int rc = engine_start();
    if (rc < 0) {
        LOG_ERROR("cannot start the engine thread: %s", strerror(-rc));
        goto close_db;
    }
    if (http_start(&cfg, &port) < 0)
        goto stop_engine;
    pool_start(&cfg, port);
    invoke_async_start(lambda_invoke_loader);
    esm_start(&esm_hooks);
    print_ready(&cfg, port);
    int sig = wait_for_stop_signal(&stop_signals);
    LOG_INFO("received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    status = 0;
    /* Requests in flight, synchronous invocations included, get a moment to finish; then the
     * handlers still running are killed and their callers answered. */
    http_quiesce();
    http_drain(2000);
    esm_stop();
    invoke_async_stop();
    pool_stop();
    http_stop();
stop_engine:
    engine_stop();
close_db:
    ledger_clear();
    st_tables_cache_clear();
    db_close();
out:
    if (ephemeral_dir)
        remove_tree(ephemeral_dir);
    free(ephemeral_dir);
    free(dir);
    config_free(&cfg);
    return status;
}
