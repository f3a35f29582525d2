/* server/config.c — flags and environment into struct config; see config.h. */
#include "server/config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "server/buf.h"
#include "server/version.h"

static const char usage_text[] =
    "usage: awsemu [options]\n"
    "\n"
    "A local AWS emulator: DynamoDB (and more to come) on one port, state in SQLite.\n"
    "\n"
    "options (each also read from the environment variable shown):\n"
    "  --host ADDR        address to listen on (AWSEMU_HOST, default 127.0.0.1)\n"
    "  --port N           port to listen on; 0 picks a free one (AWSEMU_PORT, default 4566)\n"
    "  --data DIR         state directory (AWSEMU_DATA, default ./.awsemu)\n"
    "  --ephemeral        keep state in a temporary directory removed on exit\n"
    "                     (AWSEMU_EPHEMERAL=1)\n"
    "  --account ID       12-digit account id used in ARNs (AWSEMU_ACCOUNT, default "
    "000000000000)\n"
    "  --region NAME      region for requests that carry none (AWSEMU_REGION, default "
    "us-east-1)\n"
    "  --log-level LEVEL  error, warn, info or debug (AWSEMU_LOG_LEVEL, default info)\n"
    "  --threads N        HTTP worker threads, 0 = one per core (AWSEMU_THREADS, default 0)\n"
    "  --stream-retention SECONDS\n"
    "                     how long DynamoDB stream records are kept\n"
    "                     (AWSEMU_STREAM_RETENTION, default 86400)\n"
    "  --shard-rollover SECONDS\n"
    "                     age at which a stream shard is closed and a child shard opened\n"
    "                     (AWSEMU_SHARD_ROLLOVER, default 14400)\n"
    "  --lambda-concurrency N\n"
    "                     Lambda handler instances that may run at once, all functions\n"
    "                     together (AWSEMU_LAMBDA_CONCURRENCY, default 100)\n"
    "  --lambda-idle SECONDS\n"
    "                     an idle handler instance is stopped after this long\n"
    "                     (AWSEMU_LAMBDA_IDLE, default 600)\n"
    "  --runtimes DIR     the runtime bootstraps (AWSEMU_RUNTIMES, default: handlers/runtimes\n"
    "                     next to the build directory, else /usr/share/awsemu/runtimes)\n"
    "  --python PATH      interpreter for python3.x functions (AWSEMU_PYTHON, default python3)\n"
    "  --node PATH        interpreter for nodejs functions (AWSEMU_NODE, default node)\n"
    "  --help             print this help and exit\n"
    "  --version          print the version and exit\n";

static void set_str(char **slot, const char *value)
{
    free(*slot);
    *slot = xstrdup(value);
}

static int parse_int(const char *s, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

static bool is_account_id(const char *s)
{
    size_t n = strlen(s);
    if (n != 12)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static bool is_region_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-')
            return false;
    return true;
}

static bool is_truthy(const char *s)
{
    return strcmp(s, "1") == 0 || strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0;
}

/* Applies one setting; name is the long flag name. Returns 0 or -1 with a message. */
static int apply(struct config *cfg, const char *name, const char *value, FILE *errout,
                 const char *origin)
{
    if (strcmp(name, "host") == 0) {
        set_str(&cfg->host, value);
    } else if (strcmp(name, "port") == 0) {
        if (parse_int(value, 0, 65535, &cfg->port) < 0)
            goto bad;
    } else if (strcmp(name, "data") == 0) {
        if (!*value)
            goto bad;
        set_str(&cfg->data_dir, value);
    } else if (strcmp(name, "ephemeral") == 0) {
        cfg->ephemeral = value ? is_truthy(value) : true;
    } else if (strcmp(name, "account") == 0) {
        if (!is_account_id(value))
            goto bad;
        set_str(&cfg->account, value);
    } else if (strcmp(name, "region") == 0) {
        if (!is_region_name(value))
            goto bad;
        set_str(&cfg->region, value);
    } else if (strcmp(name, "log-level") == 0) {
        if (log_level_parse(value, &cfg->log_level) < 0)
            goto bad;
    } else if (strcmp(name, "threads") == 0) {
        if (parse_int(value, 0, 64, &cfg->threads) < 0)
            goto bad;
    } else if (strcmp(name, "stream-retention") == 0) {
        if (parse_int(value, 1, 10 * 365 * 86400, &cfg->stream_retention) < 0)
            goto bad;
    } else if (strcmp(name, "shard-rollover") == 0) {
        if (parse_int(value, 1, 10 * 365 * 86400, &cfg->shard_rollover) < 0)
            goto bad;
    } else if (strcmp(name, "lambda-concurrency") == 0) {
        if (parse_int(value, 1, 10000, &cfg->lambda_concurrency) < 0)
            goto bad;
    } else if (strcmp(name, "lambda-idle") == 0) {
        if (parse_int(value, 1, 7 * 86400, &cfg->lambda_idle) < 0)
            goto bad;
    } else if (strcmp(name, "runtimes") == 0) {
        if (!*value)
            goto bad;
        set_str(&cfg->runtimes_dir, value);
    } else if (strcmp(name, "python") == 0) {
        if (!*value)
            goto bad;
        set_str(&cfg->python, value);
    } else if (strcmp(name, "node") == 0) {
        if (!*value)
            goto bad;
        set_str(&cfg->node, value);
    }
    return 0;
bad:
    fprintf(errout, "awsemu: invalid value '%s' for %s%s\n", value, origin, name);
    return -1;
}

static const char *const env_names[][2] = {
    {"host", "AWSEMU_HOST"},       {"port", "AWSEMU_PORT"},
    {"data", "AWSEMU_DATA"},       {"ephemeral", "AWSEMU_EPHEMERAL"},
    {"account", "AWSEMU_ACCOUNT"}, {"region", "AWSEMU_REGION"},
    {"log-level", "AWSEMU_LOG_LEVEL"}, {"threads", "AWSEMU_THREADS"},
    {"stream-retention", "AWSEMU_STREAM_RETENTION"}, {"shard-rollover", "AWSEMU_SHARD_ROLLOVER"},
    {"lambda-concurrency", "AWSEMU_LAMBDA_CONCURRENCY"}, {"lambda-idle", "AWSEMU_LAMBDA_IDLE"},
    {"runtimes", "AWSEMU_RUNTIMES"}, {"python", "AWSEMU_PYTHON"}, {"node", "AWSEMU_NODE"},
};

static int apply_environment(struct config *cfg, FILE *errout)
{
    for (size_t i = 0; i < sizeof env_names / sizeof env_names[0]; i++) {
        const char *v = getenv(env_names[i][1]);
        char origin[64];
        snprintf(origin, sizeof origin, "%s (from the environment) --", env_names[i][1]);
        if (v && apply(cfg, env_names[i][0], v, errout, origin) < 0)
            return -1;
    }
    return 0;
}

enum config_result config_parse(struct config *cfg, int argc, char **argv, FILE *out,
                                FILE *errout)
{
    static const struct option options[] = {
        {"host", required_argument, 0, 0},    {"port", required_argument, 0, 0},
        {"data", required_argument, 0, 0},    {"ephemeral", no_argument, 0, 0},
        {"account", required_argument, 0, 0}, {"region", required_argument, 0, 0},
        {"log-level", required_argument, 0, 0}, {"threads", required_argument, 0, 0},
        {"stream-retention", required_argument, 0, 0},
        {"shard-rollover", required_argument, 0, 0},
        {"lambda-concurrency", required_argument, 0, 0},
        {"lambda-idle", required_argument, 0, 0}, {"runtimes", required_argument, 0, 0},
        {"python", required_argument, 0, 0},  {"node", required_argument, 0, 0},
        {"help", no_argument, 0, 'h'},        {"version", no_argument, 0, 'V'},
        {0, 0, 0, 0},
    };
    memset(cfg, 0, sizeof *cfg);
    cfg->host = xstrdup("127.0.0.1");
    cfg->port = 4566;
    cfg->data_dir = xstrdup("./.awsemu");
    cfg->account = xstrdup("000000000000");
    cfg->region = xstrdup("us-east-1");
    cfg->log_level = LOG_LEVEL_INFO;
    cfg->stream_retention = 24 * 3600;
    cfg->shard_rollover = 4 * 3600;
    cfg->lambda_concurrency = 100;
    cfg->lambda_idle = 600;
    cfg->python = xstrdup("python3");
    cfg->node = xstrdup("node");
    if (apply_environment(cfg, errout) < 0)
        return CONFIG_EXIT_USAGE;

    opterr = 0;
    optind = 1;
    for (;;) {
        int index = -1;
        int c = getopt_long(argc, argv, "hV", options, &index);
        if (c == -1)
            break;
        if (c == 'h') {
            fputs(usage_text, out);
            return CONFIG_EXIT_OK;
        }
        if (c == 'V') {
            fprintf(out, "awsemu %s\n", AWSEMU_VERSION);
            return CONFIG_EXIT_OK;
        }
        if (c != 0) {
            fprintf(errout, "awsemu: unknown or incomplete option '%s'\n", argv[optind - 1]);
            fputs("Try 'awsemu --help' for more information.\n", errout);
            return CONFIG_EXIT_USAGE;
        }
        if (apply(cfg, options[index].name, optarg, errout, "--") < 0)
            return CONFIG_EXIT_USAGE;
    }
    if (optind < argc) {
        fprintf(errout, "awsemu: unexpected argument '%s'\n", argv[optind]);
        fputs("Try 'awsemu --help' for more information.\n", errout);
        return CONFIG_EXIT_USAGE;
    }
    return CONFIG_OK;
}

void config_free(struct config *cfg)
{
    free(cfg->host);
    free(cfg->data_dir);
    free(cfg->account);
    free(cfg->region);
    free(cfg->runtimes_dir);
    free(cfg->python);
    free(cfg->node);
    memset(cfg, 0, sizeof *cfg);
}
