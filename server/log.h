/* server/log.h — leveled logging to stderr, one event per line.
 * Threads: any; each line is written with one write() so lines never interleave.
 * Each .c defines LOG_MODULE before including this header. The level is tested before the
 * arguments are evaluated, so a disabled DEBUG line costs one comparison.
 * Lines: `<time> <LEVEL> <module> [<request id>] <message>`; stdout carries only `ready`. */
#ifndef AWSEMU_LOG_H
#define AWSEMU_LOG_H

/* LOG_LEVEL_OFF logs nothing (tests that provoke errors on purpose); not a flag value. */
enum log_level {
    LOG_LEVEL_OFF = -1,
    LOG_LEVEL_ERROR,
    LOG_LEVEL_WARN,
    LOG_LEVEL_INFO,
    LOG_LEVEL_DEBUG
};

extern enum log_level log_level_current;

/* Parses "error", "warn", "info" or "debug"; returns 0, or -1 for anything else. */
int log_level_parse(const char *s, enum log_level *out);
void log_level_set(enum log_level level);

/* The request id shown on lines logged by this thread ("-" when none). */
void log_request_id_set(const char *id);

void log__write(enum log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define LOG__AT(level, ...)                                                                      \
    do {                                                                                         \
        if ((level) <= log_level_current)                                                        \
            log__write((level), LOG_MODULE, __VA_ARGS__);                                        \
    } while (0)
#define LOG_ERROR(...) LOG__AT(LOG_LEVEL_ERROR, __VA_ARGS__)
#define LOG_WARN(...) LOG__AT(LOG_LEVEL_WARN, __VA_ARGS__)
#define LOG_INFO(...) LOG__AT(LOG_LEVEL_INFO, __VA_ARGS__)
#define LOG_DEBUG(...) LOG__AT(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
