/* tests/fuzz/fuzz_events_pattern.c — libFuzzer harness for the event pattern language
 * (server/events_pattern.c).
 *
 * Input: a pattern document, a newline, then an event document (any JSON; an input without a
 * newline is a pattern alone). The pattern is parsed with EventBridge's and Lambda's wording;
 * a refusal must say why and leave nothing behind. A pattern that parses is matched against
 * the event, against itself, against an empty object and against no event at all. Nothing
 * may crash, leak, recurse without bound, or trip a sanitizer, whatever the input.
 *
 * Build and run (from the repository root): `make build/fuzz/fuzz_events_pattern`, then
 *   build/fuzz/fuzz_events_pattern -max_total_time=60 tests/fuzz/corpus/events_pattern */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/events_pattern.h"

static const struct awserr_kind INVALID = {400, "InvalidEventPatternException", ""};

static void exercise(const json_t *pattern, const json_t *event,
                     const struct events_pattern_wording *wording)
{
    struct awserr err = {0};
    struct events_pattern *p = events_pattern_parse(pattern, &INVALID, wording, &err);
    if (!p) {
        if (err.kind != &INVALID || !err.message[0])
            abort(); /* a refusal always says why */
        awserr_clear(&err);
        return;
    }
    if (err.kind)
        abort(); /* success raises nothing */
    json_t *empty = json_object();
    bool a = events_pattern_match(p, event);
    if (a != events_pattern_match(p, event))
        abort(); /* matching is a pure function of pattern and event */
    events_pattern_match(p, pattern);
    events_pattern_match(p, empty);
    events_pattern_match(p, NULL);
    json_decref(empty);
    events_pattern_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    const uint8_t *nl = memchr(data, '\n', size);
    size_t plen = nl ? (size_t)(nl - data) : size;
    json_t *pattern = json_loadb((const char *)data, plen, JSON_DECODE_ANY, NULL);
    json_t *event = nl ? json_loadb((const char *)nl + 1, size - plen - 1,
                                    JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL)
                       : NULL;
    if (pattern) {
        exercise(pattern, event, &EVENTS_PATTERN_EVENTBRIDGE);
        exercise(pattern, event, &EVENTS_PATTERN_LAMBDA);
    }
    json_decref(pattern);
    json_decref(event);
    return 0;
}
