/* server/config.h — flags and AWSEMU_* environment variables, gathered into one struct config.
 * Threads: filled by main before any other thread starts; read-only afterwards, so every
 *   thread may read it without locking.
 * Precedence: a command-line flag beats its environment variable, which beats the default.
 * Ownership: strings in struct config are heap copies owned by it; config_free() releases them. */
#ifndef AWSEMU_CONFIG_H
#define AWSEMU_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "server/log.h"

struct config {
    char *host;        /* --host, AWSEMU_HOST: address to listen on */
    int port;          /* --port, AWSEMU_PORT: 0 picks a free port */
    char *data_dir;    /* --data, AWSEMU_DATA: state directory (unused when ephemeral) */
    bool ephemeral;    /* --ephemeral, AWSEMU_EPHEMERAL: temporary state removed on exit */
    char *account;     /* --account, AWSEMU_ACCOUNT: 12-digit account id in ARNs */
    char *region;      /* --region, AWSEMU_REGION: region when a request carries none */
    enum log_level log_level; /* --log-level, AWSEMU_LOG_LEVEL */
    int threads;       /* --threads, AWSEMU_THREADS: HTTP worker threads (0 = one per core) */
    int stream_retention; /* --stream-retention, AWSEMU_STREAM_RETENTION: seconds a stream
                             record is kept (24 h) */
    int shard_rollover;   /* --shard-rollover, AWSEMU_SHARD_ROLLOVER: seconds before a stream
                             shard is closed and a child opened (4 h) */
    int lambda_concurrency; /* --lambda-concurrency: handler instances at once, all functions */
    int lambda_idle;        /* --lambda-idle: seconds before an idle instance is stopped */
    char *runtimes_dir;     /* --runtimes: bootstraps directory; NULL = found at start-up */
    char *python;           /* --python: interpreter for python3.x functions */
    char *node;             /* --node: interpreter for nodejs functions */
};

enum config_result { CONFIG_OK, CONFIG_EXIT_OK, CONFIG_EXIT_USAGE };

/* Fills cfg from defaults, the environment and argv. CONFIG_EXIT_OK means --help or
 * --version was printed to out; CONFIG_EXIT_USAGE means a message went to errout and the
 * program should exit with status 2. */
enum config_result config_parse(struct config *cfg, int argc, char **argv, FILE *out,
                                FILE *errout);
void config_free(struct config *cfg);

#endif
