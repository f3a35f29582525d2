/* server/events_pattern.h — the event pattern language shared by EventBridge rules, SNS filter
 * policies and Lambda event source mapping FilterCriteria (shared/docs/aws-wire-reference.md
 * §9.3): a pattern is parsed and checked once, then matched against many events.
 *
 * Threads: any. A parsed pattern is immutable: several threads may match with it at once.
 * Ownership: events_pattern_parse() copies what it needs out of the pattern document, so the
 *   json_t may be released right after; the caller owns the result and frees it with
 *   events_pattern_free() (which accepts NULL). Events passed to events_pattern_match() are
 *   borrowed for the call only.
 * Matching: allocates nothing; recursion is bounded by EVENTS_PATTERN_MAX_DEPTH on both the
 *   pattern and the event side, so hostile input cannot exhaust the stack.
 * Errors: a pattern AWS refuses raises the caller's kind (EventBridge's
 *   InvalidEventPatternException, Lambda's InvalidParameterValueException, SNS's
 *   InvalidParameter) with the caller's wording around the reason AWS's pattern compiler gives,
 *   e.g. "Event pattern is not valid. Reason: Unrecognized match type NUMERIC". */
#ifndef AWSEMU_EVENTS_PATTERN_H
#define AWSEMU_EVENTS_PATTERN_H

#include <jansson.h>
#include <stdbool.h>

#include "server/awserr.h"

/* Deepest nesting of objects and $or in a pattern (deeper: refused), and of objects and
 * arrays followed in an event (deeper parts never match). A DynamoDB image nested to its
 * 32-level limit needs about 70. */
#define EVENTS_PATTERN_MAX_DEPTH 100

/* Most alternatives a pattern's $or lists may multiply out to (AWS: 1000). */
#define EVENTS_PATTERN_MAX_COMBINATIONS 1000

/* How a refusal reads: `prefix` followed by the reason, or `fixed` alone when it is set. */
struct events_pattern_wording {
    const char *prefix;
    const char *fixed;
};

/* "Event pattern is not valid. Reason: <reason>" */
extern const struct events_pattern_wording EVENTS_PATTERN_EVENTBRIDGE;
/* "Invalid filter pattern definition." whatever the reason */
extern const struct events_pattern_wording EVENTS_PATTERN_LAMBDA;
/* "Invalid parameter: FilterPolicy: <reason>" */
extern const struct events_pattern_wording EVENTS_PATTERN_SNS;

struct events_pattern;

/* Checks and compiles a pattern document. Returns NULL with *err raised as `invalid`, worded
 * by `wording`, when AWS would refuse it: not an object ("Filter is not an object"), a field
 * that is neither an object nor an array, empty objects or arrays, unknown or mistyped
 * operators, numeric ranges out of order or outside ±5e9, malformed CIDRs or wildcards, $or
 * with fewer than two objects, nesting past EVENTS_PATTERN_MAX_DEPTH, more than
 * EVENTS_PATTERN_MAX_COMBINATIONS combinations. */
struct events_pattern *events_pattern_parse(const json_t *pattern,
                                            const struct awserr_kind *invalid,
                                            const struct events_pattern_wording *wording,
                                            struct awserr *err);

/* True when event (any JSON value; NULL is an empty event) matches: every field of the pattern
 * matches (AND), one alternative of each leaf array and of each $or does (OR); an event array
 * matches when one of its elements does. */
bool events_pattern_match(const struct events_pattern *p, const json_t *event);

void events_pattern_free(struct events_pattern *p);

#endif
