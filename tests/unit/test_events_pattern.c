/* tests/unit/test_events_pattern.c — the event pattern language (server/events_pattern.c):
 * matching tables per operator (positive and negative, arrays in events, nested objects,
 * $or, numeric edge cases, DynamoDB stream records as Lambda filters them) and invalid
 * patterns with the reasons AWS's pattern compiler gives. Table-driven: a failing row prints
 * its pattern and event, and every table runs to the end before the test fails.
 * Sources: EventBridge user guide "Content filtering in Amazon EventBridge event patterns",
 * Lambda developer guide "Control which events Lambda sends to your function",
 * shared/docs/aws-wire-reference.md §9.3, and aws/event-ruler's compiler for the wording. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/events_pattern.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct awserr_kind INVALID = {400, "InvalidEventPatternException", ""};

static json_t *parse_json(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
    if (!v)
        fail_msg("bad test JSON %s: %s", text, jerr.text);
    return v;
}

struct match_case {
    const char *pattern;
    const char *event;
    bool want;
};

/* Runs a table; returns the number of failing rows (all printed). */
static int run_matches(const struct match_case *cases, size_t n)
{
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *pat = parse_json(cases[i].pattern), *ev = parse_json(cases[i].event);
        struct awserr err = {0};
        struct events_pattern *p =
            events_pattern_parse(pat, &INVALID, &EVENTS_PATTERN_EVENTBRIDGE, &err);
        if (!p) {
            print_message("row %zu: pattern %s refused: %s\n", i, cases[i].pattern, err.message);
            failures++;
        } else if (events_pattern_match(p, ev) != cases[i].want) {
            print_message("row %zu: pattern %s event %s: want %s\n", i, cases[i].pattern,
                          cases[i].event, cases[i].want ? "match" : "no match");
            failures++;
        }
        events_pattern_free(p);
        awserr_clear(&err);
        json_decref(pat);
        json_decref(ev);
    }
    return failures;
}

#define RUN(table) assert_int_equal(run_matches(table, ARRAY_LEN(table)), 0)

/* ---- exact values, structure, arrays ---------------------------------------------------- */

static const struct match_case EXACT[] = {
    {"{\"source\": [\"aws.ec2\"]}", "{\"source\": \"aws.ec2\"}", true},
    {"{\"source\": [\"aws.ec2\"]}", "{\"source\": \"aws.EC2\"}", false}, /* case-sensitive */
    {"{\"source\": [\"aws.ec2\"]}", "{\"source\": \"aws.ec2 \"}", false},
    {"{\"source\": [\"aws.ec2\"]}", "{\"other\": \"aws.ec2\"}", false}, /* missing field */
    {"{\"source\": [\"a\", \"b\"]}", "{\"source\": \"b\"}", true},       /* OR in the array */
    {"{\"source\": [\"a\", \"b\"]}", "{\"source\": \"c\"}", false},
    {"{\"a\": [\"x\"], \"b\": [\"y\"]}", "{\"a\": \"x\", \"b\": \"y\"}", true}, /* AND */
    {"{\"a\": [\"x\"], \"b\": [\"y\"]}", "{\"a\": \"x\", \"b\": \"z\"}", false},
    {"{\"a\": [\"x\"], \"b\": [\"y\"]}", "{\"a\": \"x\"}", false},
    {"{\"a\": [\"x\"]}", "{\"a\": \"x\", \"extra\": 1}", true}, /* other fields are ignored */
    {"{\"n\": [5]}", "{\"n\": 5}", true},
    {"{\"n\": [5]}", "{\"n\": 5.0}", true}, /* numbers compare numerically */
    {"{\"n\": [5.0]}", "{\"n\": 5}", true},
    {"{\"n\": [300]}", "{\"n\": 3.0e2}", true},
    {"{\"n\": [5]}", "{\"n\": 6}", false},
    {"{\"n\": [5]}", "{\"n\": \"5\"}", false}, /* a string is not a number */
    {"{\"n\": [\"5\"]}", "{\"n\": 5}", false},
    {"{\"n\": [0.1]}", "{\"n\": 0.1}", true},
    {"{\"n\": [-0.0]}", "{\"n\": 0}", true},
    {"{\"acct\": [123456789012]}", "{\"acct\": 123456789012}", true}, /* beyond 5e9: as written */
    {"{\"acct\": [123456789012]}", "{\"acct\": 123456789013}", false},
    {"{\"acct\": [123456789012]}", "{\"acct\": \"123456789012\"}", false},
    {"{\"ok\": [true]}", "{\"ok\": true}", true},
    {"{\"ok\": [true]}", "{\"ok\": false}", false},
    {"{\"ok\": [true]}", "{\"ok\": \"true\"}", false},
    {"{\"ok\": [false]}", "{\"ok\": false}", true},
    {"{\"x\": [null]}", "{\"x\": null}", true},
    {"{\"x\": [null]}", "{}", false},          /* null is not absence */
    {"{\"x\": [null]}", "{\"x\": \"\"}", false}, /* nor the empty string */
    {"{\"x\": [\"\"]}", "{\"x\": \"\"}", true},
    {"{\"x\": [\"\"]}", "{\"x\": null}", false},
    {"{\"x\": [\"null\"]}", "{\"x\": null}", false},
    {"{\"u\": [\"h\\u00e9llo\"]}", "{\"u\": \"h\\u00e9llo\"}", true},
    /* nested objects match by path */
    {"{\"detail\": {\"state\": [\"running\"]}}", "{\"detail\": {\"state\": \"running\"}}", true},
    {"{\"detail\": {\"state\": [\"running\"]}}", "{\"detail\": {\"state\": \"stopped\"}}", false},
    {"{\"detail\": {\"state\": [\"running\"]}}", "{\"state\": \"running\"}", false},
    {"{\"detail\": {\"state\": [\"running\"]}}", "{\"detail\": \"running\"}", false},
    {"{\"a\": {\"b\": {\"c\": [1]}}}", "{\"a\": {\"b\": {\"c\": 1}}}", true},
    {"{\"a\": {\"b\": {\"c\": [1]}}}", "{\"a\": {\"b\": {\"c\": {\"d\": 1}}}}", false},
    {"{\"a\": [\"x\"]}", "{\"a\": {\"b\": \"x\"}}", false}, /* an object is not a leaf value */
    /* arrays in the event: any element */
    {"{\"resources\": [\"r2\"]}", "{\"resources\": [\"r1\", \"r2\"]}", true},
    {"{\"resources\": [\"r3\", \"r1\"]}", "{\"resources\": [\"r1\", \"r2\"]}", true},
    {"{\"resources\": [\"r3\"]}", "{\"resources\": [\"r1\", \"r2\"]}", false},
    {"{\"resources\": [\"r3\"]}", "{\"resources\": []}", false},
    {"{\"n\": [2]}", "{\"n\": [[1], [2]]}", true}, /* nested arrays flatten */
    {"{\"a\": {\"b\": [2]}}", "{\"a\": [{\"b\": 1}, {\"b\": 2}]}", true},
    {"{\"a\": {\"b\": [3]}}", "{\"a\": [{\"b\": 1}, {\"b\": 2}]}", false},
    /* fields of one nested pattern come from the same array element */
    {"{\"a\": {\"b\": [1], \"c\": [2]}}", "{\"a\": [{\"b\": 1, \"c\": 2}, {\"b\": 3}]}", true},
    {"{\"a\": {\"b\": [1], \"c\": [4]}}", "{\"a\": [{\"b\": 1, \"c\": 2}, {\"b\": 3, \"c\": 4}]}",
     false},
    /* a dotted key reaches nested fields */
    {"{\"a.b\": [1]}", "{\"a\": {\"b\": 1}}", true},
    {"{\"a.b\": [1]}", "{\"a.b\": 1}", true},
    {"{\"a.b.c\": [1]}", "{\"a\": {\"b\": {\"c\": 1}}}", true},
    {"{\"a.b\": [1]}", "{\"a\": {\"b\": 2}}", false},
    /* the event itself may be any value */
    {"{\"a\": [1]}", "[{\"a\": 1}]", false},
    {"{\"a\": [{\"exists\": false}]}", "\"text\"", true},
    /* later duplicate keys win (jansson keeps the last) */
    {"{\"a\": [1], \"a\": [2]}", "{\"a\": 2}", true},
};

static void test_exact(void **state)
{
    (void)state;
    RUN(EXACT);
}

/* ---- string operators -------------------------------------------------------------------- */

static const struct match_case STRINGS[] = {
    {"{\"time\": [{\"prefix\": \"2017-10-02\"}]}", "{\"time\": \"2017-10-02T18:43:48Z\"}", true},
    {"{\"time\": [{\"prefix\": \"2017-10-02\"}]}", "{\"time\": \"2017-10-03T18:43:48Z\"}", false},
    {"{\"time\": [{\"prefix\": \"2017-10-02\"}]}", "{\"time\": \"2017-10\"}", false},
    {"{\"time\": [{\"prefix\": \"2017\"}]}", "{\"time\": 2017}", false}, /* strings only */
    {"{\"t\": [{\"prefix\": \"\"}]}", "{\"t\": \"anything\"}", true},
    {"{\"t\": [{\"prefix\": \"\"}]}", "{\"t\": 1}", false},
    {"{\"t\": [{\"prefix\": \"ab\"}]}", "{\"t\": \"ab\"}", true},
    {"{\"s\": [{\"prefix\": {\"equals-ignore-case\": \"EventB\"}}]}", "{\"s\": \"eventbridge\"}",
     true},
    {"{\"s\": [{\"prefix\": {\"equals-ignore-case\": \"EventB\"}}]}", "{\"s\": \"EVENTBUS\"}",
     true},
    {"{\"s\": [{\"prefix\": {\"equals-ignore-case\": \"EventB\"}}]}", "{\"s\": \"event\"}", false},
    {"{\"s\": [{\"prefix\": {\"equals-ignore-case\": \"EventB\"}}]}", "{\"s\": \"xeventb\"}",
     false},
    {"{\"f\": [{\"suffix\": \".png\"}]}", "{\"f\": \"image.png\"}", true},
    {"{\"f\": [{\"suffix\": \".png\"}]}", "{\"f\": \"image.PNG\"}", false},
    {"{\"f\": [{\"suffix\": \".png\"}]}", "{\"f\": \"png\"}", false},
    {"{\"f\": [{\"suffix\": \".png\"}]}", "{\"f\": [\"a.jpg\", \"b.png\"]}", true},
    {"{\"f\": [{\"suffix\": {\"equals-ignore-case\": \".png\"}}]}", "{\"f\": \"IMAGE.PNG\"}", true},
    {"{\"f\": [{\"suffix\": {\"equals-ignore-case\": \".png\"}}]}", "{\"f\": \"IMAGE.GIF\"}",
     false},
    {"{\"n\": [{\"equals-ignore-case\": \"alice\"}]}", "{\"n\": \"ALICE\"}", true},
    {"{\"n\": [{\"equals-ignore-case\": \"alice\"}]}", "{\"n\": \"aLiCe\"}", true},
    {"{\"n\": [{\"equals-ignore-case\": \"alice\"}]}", "{\"n\": \"alice2\"}", false},
    {"{\"n\": [{\"equals-ignore-case\": \"ALICE\"}]}", "{\"n\": \"alice\"}", true},
    {"{\"n\": [{\"equals-ignore-case\": \"1\"}]}", "{\"n\": 1}", false},
    {"{\"n\": [\"bob\", {\"prefix\": \"al\"}]}", "{\"n\": \"alice\"}", true}, /* mixed list */
};

static void test_strings(void **state)
{
    (void)state;
    RUN(STRINGS);
}

static const struct match_case WILDCARDS[] = {
    {"{\"p\": [{\"wildcard\": \"dir/*/file.png\"}]}", "{\"p\": \"dir/a/file.png\"}", true},
    {"{\"p\": [{\"wildcard\": \"dir/*/file.png\"}]}", "{\"p\": \"dir/a/b/file.png\"}", true},
    {"{\"p\": [{\"wildcard\": \"dir/*/file.png\"}]}", "{\"p\": \"dir//file.png\"}", true},
    {"{\"p\": [{\"wildcard\": \"dir/*/file.png\"}]}", "{\"p\": \"dir/file.png\"}", false},
    {"{\"p\": [{\"wildcard\": \"dir/*/file.png\"}]}", "{\"p\": \"dir/a/file.jpg\"}", false},
    {"{\"p\": [{\"wildcard\": \"*.png\"}]}", "{\"p\": \"a.png\"}", true},
    {"{\"p\": [{\"wildcard\": \"*.png\"}]}", "{\"p\": \".png\"}", true},
    {"{\"p\": [{\"wildcard\": \"*.png\"}]}", "{\"p\": \"a.png.gz\"}", false},
    {"{\"p\": [{\"wildcard\": \"a*\"}]}", "{\"p\": \"abc\"}", true},
    {"{\"p\": [{\"wildcard\": \"a*\"}]}", "{\"p\": \"ba\"}", false},
    {"{\"p\": [{\"wildcard\": \"*\"}]}", "{\"p\": \"\"}", true},
    {"{\"p\": [{\"wildcard\": \"*\"}]}", "{\"p\": 5}", false}, /* strings only */
    {"{\"p\": [{\"wildcard\": \"*a*b*\"}]}", "{\"p\": \"xxaxxbxx\"}", true},
    {"{\"p\": [{\"wildcard\": \"*a*b*\"}]}", "{\"p\": \"xxbxxaxx\"}", false},
    {"{\"p\": [{\"wildcard\": \"a*a\"}]}", "{\"p\": \"a\"}", false}, /* runs may not overlap */
    {"{\"p\": [{\"wildcard\": \"a*a\"}]}", "{\"p\": \"aa\"}", true},
    {"{\"p\": [{\"wildcard\": \"ab*ab*ab\"}]}", "{\"p\": \"ababab\"}", true},
    {"{\"p\": [{\"wildcard\": \"ab*ab*ab\"}]}", "{\"p\": \"abab\"}", false},
    {"{\"p\": [{\"wildcard\": \"exact\"}]}", "{\"p\": \"exact\"}", true},
    {"{\"p\": [{\"wildcard\": \"exact\"}]}", "{\"p\": \"exactly\"}", false},
    {"{\"p\": [{\"wildcard\": \"\"}]}", "{\"p\": \"\"}", true},
    {"{\"p\": [{\"wildcard\": \"\"}]}", "{\"p\": \"x\"}", false},
    /* escapes: \* is a literal star, \\ a literal backslash */
    {"{\"p\": [{\"wildcard\": \"a\\\\*b\"}]}", "{\"p\": \"a*b\"}", true},
    {"{\"p\": [{\"wildcard\": \"a\\\\*b\"}]}", "{\"p\": \"axb\"}", false},
    {"{\"p\": [{\"wildcard\": \"a\\\\\\\\*\"}]}", "{\"p\": \"a\\\\xyz\"}", true},
    {"{\"p\": [{\"wildcard\": \"a\\\\\\\\*\"}]}", "{\"p\": \"axyz\"}", false},
    {"{\"p\": [{\"wildcard\": \"*\\\\*\"}]}", "{\"p\": \"abc*\"}", true},
    {"{\"p\": [{\"wildcard\": \"*\\\\*\"}]}", "{\"p\": \"abc\"}", false},
};

static void test_wildcard(void **state)
{
    (void)state;
    RUN(WILDCARDS);
}

/* ---- anything-but ------------------------------------------------------------------------ */

static const struct match_case ANYTHING_BUT[] = {
    {"{\"s\": [{\"anything-but\": \"initializing\"}]}", "{\"s\": \"running\"}", true},
    {"{\"s\": [{\"anything-but\": \"initializing\"}]}", "{\"s\": \"initializing\"}", false},
    {"{\"s\": [{\"anything-but\": \"initializing\"}]}", "{}", false}, /* absent: no match */
    {"{\"s\": [{\"anything-but\": \"initializing\"}]}", "{\"s\": null}", true},
    {"{\"s\": [{\"anything-but\": \"initializing\"}]}", "{\"s\": 5}", true},
    {"{\"s\": [{\"anything-but\": [\"stopped\", \"overloaded\"]}]}", "{\"s\": \"running\"}", true},
    {"{\"s\": [{\"anything-but\": [\"stopped\", \"overloaded\"]}]}", "{\"s\": \"stopped\"}", false},
    {"{\"s\": [{\"anything-but\": [\"stopped\", \"overloaded\"]}]}", "{\"s\": \"overloaded\"}",
     false},
    /* an event array matches when one element is not excluded */
    {"{\"s\": [{\"anything-but\": [\"a\"]}]}", "{\"s\": [\"a\", \"b\"]}", true},
    {"{\"s\": [{\"anything-but\": [\"a\", \"b\"]}]}", "{\"s\": [\"a\", \"b\"]}", false},
    {"{\"s\": [{\"anything-but\": [\"a\"]}]}", "{\"s\": []}", false},
    {"{\"x\": [{\"anything-but\": 123}]}", "{\"x\": 124}", true},
    {"{\"x\": [{\"anything-but\": 123}]}", "{\"x\": 123}", false},
    {"{\"x\": [{\"anything-but\": 123}]}", "{\"x\": 123.0}", false},
    {"{\"x\": [{\"anything-but\": 123}]}", "{\"x\": \"123\"}", true},
    {"{\"x\": [{\"anything-but\": [100, 200, 300]}]}", "{\"x\": 200}", false},
    {"{\"x\": [{\"anything-but\": [100, 200, 300]}]}", "{\"x\": 250}", true},
    {"{\"r\": [{\"anything-but\": {\"prefix\": \"us-\"}}]}", "{\"r\": \"eu-west-1\"}", true},
    {"{\"r\": [{\"anything-but\": {\"prefix\": \"us-\"}}]}", "{\"r\": \"us-east-1\"}", false},
    {"{\"r\": [{\"anything-but\": {\"prefix\": \"us-\"}}]}", "{}", false},
    {"{\"r\": [{\"anything-but\": {\"prefix\": [\"us-\", \"eu-\"]}}]}", "{\"r\": \"eu-west-1\"}",
     false},
    {"{\"r\": [{\"anything-but\": {\"prefix\": [\"us-\", \"eu-\"]}}]}", "{\"r\": \"ap-south-1\"}",
     true},
    {"{\"f\": [{\"anything-but\": {\"suffix\": \".png\"}}]}", "{\"f\": \"a.jpg\"}", true},
    {"{\"f\": [{\"anything-but\": {\"suffix\": \".png\"}}]}", "{\"f\": \"a.png\"}", false},
    {"{\"s\": [{\"anything-but\": {\"equals-ignore-case\": \"initializing\"}}]}",
     "{\"s\": \"INITIALIZING\"}", false},
    {"{\"s\": [{\"anything-but\": {\"equals-ignore-case\": \"initializing\"}}]}",
     "{\"s\": \"running\"}", true},
    {"{\"s\": [{\"anything-but\": {\"equals-ignore-case\": [\"A\", \"b\"]}}]}", "{\"s\": \"B\"}",
     false},
    {"{\"s\": [{\"anything-but\": {\"equals-ignore-case\": [\"A\", \"b\"]}}]}", "{\"s\": \"c\"}",
     true},
    {"{\"p\": [{\"anything-but\": {\"wildcard\": \"*/lib/*\"}}]}", "{\"p\": \"/usr/lib/x\"}",
     false},
    {"{\"p\": [{\"anything-but\": {\"wildcard\": \"*/lib/*\"}}]}", "{\"p\": \"/usr/bin/x\"}", true},
    {"{\"p\": [{\"anything-but\": {\"wildcard\": [\"*.a\", \"*.b\"]}}]}", "{\"p\": \"x.b\"}",
     false},
};

static void test_anything_but(void **state)
{
    (void)state;
    RUN(ANYTHING_BUT);
}

/* ---- numeric ----------------------------------------------------------------------------- */

static const struct match_case NUMERIC[] = {
    {"{\"c\": [{\"numeric\": [\">\", 0, \"<=\", 5]}]}", "{\"c\": 5}", true},
    {"{\"c\": [{\"numeric\": [\">\", 0, \"<=\", 5]}]}", "{\"c\": 0}", false},
    {"{\"c\": [{\"numeric\": [\">\", 0, \"<=\", 5]}]}", "{\"c\": 0.000001}", true},
    {"{\"c\": [{\"numeric\": [\">\", 0, \"<=\", 5]}]}", "{\"c\": 5.000001}", false},
    {"{\"c\": [{\"numeric\": [\">\", 0, \"<=\", 5]}]}", "{\"c\": -1}", false},
    {"{\"c\": [{\"numeric\": [\">\", 0, \"<=\", 5]}]}", "{\"c\": \"3\"}", false}, /* numbers only */
    {"{\"c\": [{\"numeric\": [\">\", 0, \"<=\", 5]}]}", "{}", false},
    {"{\"c\": [{\"numeric\": [\">=\", 0, \"<\", 5]}]}", "{\"c\": 0}", true},
    {"{\"c\": [{\"numeric\": [\">=\", 0, \"<\", 5]}]}", "{\"c\": 5}", false},
    {"{\"c\": [{\"numeric\": [\">=\", 0, \"<\", 5]}]}", "{\"c\": 4.999999}", true},
    {"{\"c\": [{\"numeric\": [\"<\", 10]}]}", "{\"c\": 9}", true},
    {"{\"c\": [{\"numeric\": [\"<\", 10]}]}", "{\"c\": 10}", false},
    {"{\"c\": [{\"numeric\": [\"<\", 10]}]}", "{\"c\": -5000000000}", true},
    {"{\"c\": [{\"numeric\": [\"<\", 10]}]}", "{\"c\": -5000000001}", false}, /* outside ±5e9 */
    {"{\"c\": [{\"numeric\": [\"<=\", 10]}]}", "{\"c\": 10.0}", true},
    {"{\"c\": [{\"numeric\": [\">\", 10]}]}", "{\"c\": 10}", false},
    {"{\"c\": [{\"numeric\": [\">\", 10]}]}", "{\"c\": 5000000000}", true},
    {"{\"c\": [{\"numeric\": [\">\", 10]}]}", "{\"c\": 5e9}", true},
    {"{\"c\": [{\"numeric\": [\">\", 10]}]}", "{\"c\": 5000000000.5}", false},
    {"{\"c\": [{\"numeric\": [\">=\", 10]}]}", "{\"c\": 10}", true},
    {"{\"x\": [{\"numeric\": [\"=\", 3.018e2]}]}", "{\"x\": 301.8}", true},
    {"{\"x\": [{\"numeric\": [\"=\", 300]}]}", "{\"x\": 300.0}", true},
    {"{\"x\": [{\"numeric\": [\"=\", 300]}]}", "{\"x\": 3e2}", true},
    {"{\"x\": [{\"numeric\": [\"=\", 300]}]}", "{\"x\": 300.000001}", false},
    {"{\"x\": [{\"numeric\": [\"=\", 0.1]}]}", "{\"x\": 0.1}", true},
    {"{\"x\": [{\"numeric\": [\"=\", 0.3]}]}", "{\"x\": 0.30000000000000004}", true}, /* 6 dp */
    {"{\"x\": [{\"numeric\": [\"=\", -1.5]}]}", "{\"x\": -1.5}", true},
    {"{\"x\": [{\"numeric\": [\">\", -1.5, \"<\", -1]}]}", "{\"x\": -1.25}", true},
    {"{\"x\": [{\"numeric\": [\">\", -1.5, \"<\", -1]}]}", "{\"x\": -1}", false},
    {"{\"x\": [{\"numeric\": [\">\", 0]}]}", "{\"x\": [-1, 1]}", true}, /* any element */
    {"{\"x\": [{\"numeric\": [\">\", 0]}]}", "{\"x\": [-1, -2]}", false},
    {"{\"x\": [{\"numeric\": [\"<\", 0]}, {\"numeric\": [\">\", 10]}]}", "{\"x\": 11}", true},
    {"{\"x\": [{\"numeric\": [\"<\", 0]}, {\"numeric\": [\">\", 10]}]}", "{\"x\": 5}", false},
    {"{\"x\": [{\"numeric\": [\">\", 0]}]}", "{\"x\": true}", false},
};

static void test_numeric(void **state)
{
    (void)state;
    RUN(NUMERIC);
}

/* ---- exists, cidr ------------------------------------------------------------------------ */

static const struct match_case EXISTS_CIDR[] = {
    {"{\"d\": {\"c\": [{\"exists\": true}]}}", "{\"d\": {\"c\": 1}}", true},
    {"{\"d\": {\"c\": [{\"exists\": true}]}}", "{\"d\": {\"c\": null}}", true},
    {"{\"d\": {\"c\": [{\"exists\": true}]}}", "{\"d\": {\"c\": \"\"}}", true},
    {"{\"d\": {\"c\": [{\"exists\": true}]}}", "{\"d\": {\"x\": 1}}", false},
    {"{\"d\": {\"c\": [{\"exists\": true}]}}", "{}", false},
    {"{\"d\": {\"c\": [{\"exists\": true}]}}", "{\"d\": {\"c\": {\"e\": 1}}}", false}, /* leaves */
    {"{\"d\": {\"c\": [{\"exists\": true}]}}", "{\"d\": {\"c\": []}}", false},
    {"{\"d\": {\"c\": [{\"exists\": false}]}}", "{\"d\": {\"x\": 1}}", true},
    {"{\"d\": {\"c\": [{\"exists\": false}]}}", "{}", true},
    {"{\"d\": {\"c\": [{\"exists\": false}]}}", "{\"d\": {\"c\": 1}}", false},
    {"{\"d\": {\"c\": [{\"exists\": false}]}}", "{\"d\": {\"c\": null}}", false},
    {"{\"d\": {\"c\": [{\"exists\": false}]}}", "{\"d\": {\"c\": {\"e\": 1}}}", true},
    {"{\"d\": {\"c\": [{\"exists\": false}]}}", "{\"d\": {\"c\": []}}", true},
    {"{\"d\": {\"c\": [{\"exists\": false}]}}", "{\"d\": [{\"x\": 1}, {\"c\": 1}]}", true},
    {"{\"d\": {\"c\": [{\"exists\": false}, \"v\"]}}", "{\"d\": {\"c\": \"v\"}}", true},
    {"{\"d\": {\"c\": [{\"exists\": false}, \"v\"]}}", "{\"d\": {\"c\": \"w\"}}", false},
    {"{\"ip\": [{\"cidr\": \"10.0.0.0/24\"}]}", "{\"ip\": \"10.0.0.255\"}", true},
    {"{\"ip\": [{\"cidr\": \"10.0.0.0/24\"}]}", "{\"ip\": \"10.0.0.0\"}", true},
    {"{\"ip\": [{\"cidr\": \"10.0.0.0/24\"}]}", "{\"ip\": \"10.0.1.0\"}", false},
    {"{\"ip\": [{\"cidr\": \"10.0.0.0/24\"}]}", "{\"ip\": \"9.255.255.255\"}", false},
    {"{\"ip\": [{\"cidr\": \"10.0.0.0/24\"}]}", "{\"ip\": \"not an ip\"}", false},
    {"{\"ip\": [{\"cidr\": \"10.0.0.0/24\"}]}", "{\"ip\": \"::1\"}", false},
    {"{\"ip\": [{\"cidr\": \"10.0.0.0/24\"}]}", "{\"ip\": 10}", false},
    {"{\"ip\": [{\"cidr\": \"10.0.0.0/8\"}]}", "{\"ip\": \"10.200.3.4\"}", true},
    {"{\"ip\": [{\"cidr\": \"10.0.0.0/0\"}]}", "{\"ip\": \"255.1.2.3\"}", true},
    /* the range starts at the address as written, not at the network address */
    {"{\"ip\": [{\"cidr\": \"10.0.0.0/0\"}]}", "{\"ip\": \"9.1.2.3\"}", false},
    {"{\"ip\": [{\"cidr\": \"10.0.0.5/24\"}]}", "{\"ip\": \"10.0.0.4\"}", false},
    {"{\"ip\": [{\"cidr\": \"10.0.0.5/24\"}]}", "{\"ip\": \"10.0.0.5\"}", true},
    {"{\"ip\": [{\"cidr\": \"192.168.1.0/31\"}]}", "{\"ip\": \"192.168.1.1\"}", true},
    {"{\"ip\": [{\"cidr\": \"192.168.1.0/31\"}]}", "{\"ip\": \"192.168.1.2\"}", false},
    {"{\"ip\": [{\"cidr\": \"192.168.1.0/20\"}]}", "{\"ip\": \"192.168.15.255\"}", true},
    {"{\"ip\": [{\"cidr\": \"2001:db8::/32\"}]}", "{\"ip\": \"2001:db8:ffff::1\"}", true},
    {"{\"ip\": [{\"cidr\": \"2001:db8::/32\"}]}", "{\"ip\": \"2001:0db8:0:0:0:0:0:1\"}", true},
    {"{\"ip\": [{\"cidr\": \"2001:db8::/32\"}]}", "{\"ip\": \"2001:db9::1\"}", false},
    {"{\"ip\": [{\"cidr\": \"2001:db8::/32\"}]}", "{\"ip\": \"10.0.0.1\"}", false},
};

static void test_exists_cidr(void **state)
{
    (void)state;
    RUN(EXISTS_CIDR);
}

/* ---- $or --------------------------------------------------------------------------------- */

static const struct match_case OR[] = {
    {"{\"$or\": [{\"a\": [1]}, {\"b\": [2]}]}", "{\"a\": 1}", true},
    {"{\"$or\": [{\"a\": [1]}, {\"b\": [2]}]}", "{\"b\": 2}", true},
    {"{\"$or\": [{\"a\": [1]}, {\"b\": [2]}]}", "{\"a\": 2, \"b\": 1}", false},
    {"{\"$or\": [{\"a\": [1]}, {\"b\": [2]}]}", "{}", false},
    {"{\"s\": [\"x\"], \"$or\": [{\"a\": [1]}, {\"b\": [2]}]}", "{\"s\": \"x\", \"b\": 2}", true},
    {"{\"s\": [\"x\"], \"$or\": [{\"a\": [1]}, {\"b\": [2]}]}", "{\"s\": \"y\", \"b\": 2}", false},
    /* nested inside an object: the branches apply to that object */
    {"{\"detail\": {\"$or\": [{\"c\": [{\"numeric\": [\">\", 0, \"<=\", 5]}]},"
     " {\"d\": [{\"numeric\": [\"<\", 10]}]}, {\"x\": [{\"numeric\": [\"=\", 3.018e2]}]}]}}",
     "{\"detail\": {\"x\": 301.8}}", true},
    {"{\"detail\": {\"$or\": [{\"c\": [{\"numeric\": [\">\", 0, \"<=\", 5]}]},"
     " {\"d\": [{\"numeric\": [\"<\", 10]}]}, {\"x\": [{\"numeric\": [\"=\", 3.018e2]}]}]}}",
     "{\"detail\": {\"c\": 6, \"d\": 10, \"x\": 1}}", false},
    {"{\"detail\": {\"$or\": [{\"c\": [1]}, {\"d\": [2]}]}}", "{\"c\": 1}", false},
    /* $or inside $or */
    {"{\"$or\": [{\"a\": [1]}, {\"$or\": [{\"b\": [2]}, {\"c\": [3]}]}]}", "{\"c\": 3}", true},
    {"{\"$or\": [{\"a\": [1]}, {\"$or\": [{\"b\": [2]}, {\"c\": [3]}]}]}", "{\"d\": 3}", false},
    /* a branch may nest, and may test absence */
    {"{\"$or\": [{\"m\": {\"k\": [\"v\"]}}, {\"m\": {\"k\": [{\"exists\": false}]}}]}",
     "{\"m\": {\"j\": 1}}", true},
    {"{\"$or\": [{\"m\": {\"k\": [\"v\"]}}, {\"m\": {\"k\": [{\"exists\": false}]}}]}",
     "{\"m\": {\"k\": \"w\"}}", false},
    /* on an event array, one element satisfies the whole branch */
    {"{\"a\": {\"$or\": [{\"b\": [1], \"c\": [2]}, {\"d\": [3]}]}}",
     "{\"a\": [{\"b\": 1}, {\"c\": 2}]}", false},
    {"{\"a\": {\"$or\": [{\"b\": [1], \"c\": [2]}, {\"d\": [3]}]}}",
     "{\"a\": [{\"b\": 1}, {\"b\": 1, \"c\": 2}]}", true},
    /* two $or groups at different levels both apply */
    {"{\"$or\": [{\"a\": [1]}, {\"a\": [2]}], \"n\": {\"$or\": [{\"b\": [1]}, {\"c\": [1]}]}}",
     "{\"a\": 2, \"n\": {\"c\": 1}}", true},
    {"{\"$or\": [{\"a\": [1]}, {\"a\": [2]}], \"n\": {\"$or\": [{\"b\": [1]}, {\"c\": [1]}]}}",
     "{\"a\": 2, \"n\": {\"d\": 1}}", false},
};

static void test_or(void **state)
{
    (void)state;
    RUN(OR);
}

/* ---- Lambda FilterCriteria on a DynamoDB stream record ----------------------------------- */

static const char *DDB_RECORD =
    "{\"eventID\": \"1\", \"eventName\": \"INSERT\", \"eventVersion\": \"1.1\","
    " \"eventSource\": \"aws:dynamodb\", \"awsRegion\": \"us-east-1\","
    " \"dynamodb\": {\"ApproximateCreationDateTime\": 1678831218,"
    "  \"Keys\": {\"CustomerName\": {\"S\": \"AnyCompany Industries\"}},"
    "  \"NewImage\": {\"CustomerName\": {\"S\": \"AnyCompany Industries\"},"
    "   \"AccountManager\": {\"S\": \"Pat Candella\"}, \"PaymentTerms\": {\"S\": \"60 days\"},"
    "   \"Balance\": {\"N\": \"150.5\"}, \"Active\": {\"BOOL\": true},"
    "   \"Tags\": {\"SS\": [\"gold\", \"east\"]},"
    "   \"Address\": {\"M\": {\"City\": {\"S\": \"Seattle\"}}}},"
    "  \"SequenceNumber\": \"111\", \"SizeBytes\": 26, \"StreamViewType\": \"NEW_IMAGE\"},"
    " \"eventSourceARN\": \"arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/x\"}";

static const struct match_case DDB[] = {
    {"{\"dynamodb\": {\"Keys\": {\"CustomerName\": {\"S\": [\"AnyCompany Industries\"]}}}}", "",
     true},
    {"{\"eventName\": [\"INSERT\"], \"dynamodb\": {\"NewImage\": {\"AccountManager\":"
     " {\"S\": [{\"prefix\": \"Pat\"}]}}}}", "", true},
    {"{\"eventName\": [\"MODIFY\"]}", "", false},
    {"{\"dynamodb\": {\"NewImage\": {\"Active\": {\"BOOL\": [true]}}}}", "", true},
    {"{\"dynamodb\": {\"NewImage\": {\"Tags\": {\"SS\": [\"east\"]}}}}", "", true},
    {"{\"dynamodb\": {\"NewImage\": {\"Address\": {\"M\": {\"City\": {\"S\": [\"Seattle\"]}}}}}}",
     "", true},
    {"{\"dynamodb\": {\"NewImage\": {\"PaymentTerms\": {\"S\": [{\"anything-but\":"
     " [\"30 days\"]}]}}}}", "", true},
    {"{\"dynamodb\": {\"NewImage\": {\"Deleted\": {\"BOOL\": [{\"exists\": false}]}}}}", "",
     true},
    {"{\"dynamodb\": {\"NewImage\": {\"Balance\": {\"N\": [\"150.5\"]}}}}", "", true},
    /* DynamoDB numbers arrive as strings: numeric matching does not apply to them */
    {"{\"dynamodb\": {\"NewImage\": {\"Balance\": {\"N\": [{\"numeric\": [\">\", 100]}]}}}}", "",
     false},
    {"{\"dynamodb\": {\"OldImage\": {\"CustomerName\": {\"S\": [{\"exists\": true}]}}}}", "",
     false},
};

static void test_dynamodb_record(void **state)
{
    (void)state;
    struct match_case rows[ARRAY_LEN(DDB)];
    for (size_t i = 0; i < ARRAY_LEN(DDB); i++) {
        rows[i] = DDB[i];
        rows[i].event = DDB_RECORD;
    }
    RUN(rows);
}

/* ---- invalid patterns -------------------------------------------------------------------- */

struct bad_case {
    const char *pattern;
    const char *reason; /* after "Event pattern is not valid. Reason: " */
};

static const struct bad_case BAD[] = {
    {"[]", "Filter is not an object"},
    {"\"x\"", "Filter is not an object"},
    {"{}", "Empty objects are not allowed"},
    {"{\"a\": {}}", "Empty objects are not allowed"},
    {"{\"string\": \"x\"}", "\"string\" must be an object or an array"},
    {"{\"a\": 5}", "\"a\" must be an object or an array"},
    {"{\"a\": null}", "\"a\" must be an object or an array"},
    {"{\"a\": []}", "Empty arrays are not allowed"},
    {"{\"a\": [[1]]}", "Match value must be String, number, true, false, or null"},
    {"{\"a\": [{}]}", "Match expression name not found"},
    {"{\"a\": [{\"NUMERIC\": [\">\", 1]}]}", "Unrecognized match type NUMERIC"},
    {"{\"a\": [{\"contains\": \"x\"}]}", "Unrecognized match type contains"},
    {"{\"a\": [{\"prefix\": 5}]}", "prefix match pattern must be a string"},
    {"{\"a\": [{\"prefix\": null}]}", "prefix match pattern must be a string"},
    {"{\"a\": [{\"prefix\": \"x\", \"suffix\": \"y\"}]}",
     "Only one key allowed in match expression"},
    {"{\"a\": [{\"prefix\": {}}]}", "Prefix expression name not found"},
    {"{\"a\": [{\"prefix\": {\"x\": \"y\"}}]}", "Unsupported prefix pattern: x"},
    {"{\"a\": [{\"prefix\": {\"equals-ignore-case\": 1}}]}",
     "equals-ignore-case match pattern must be a string"},
    {"{\"a\": [{\"suffix\": []}]}", "suffix match pattern must be a string"},
    {"{\"a\": [{\"suffix\": {\"wildcard\": \"x\"}}]}", "Unsupported suffix pattern: wildcard"},
    {"{\"a\": [{\"equals-ignore-case\": 1}]}", "equals-ignore-case match pattern must be a string"},
    {"{\"a\": [{\"wildcard\": 1}]}", "wildcard match pattern must be a string"},
    {"{\"a\": [{\"wildcard\": \"a**b\"}]}", "Consecutive wildcard characters at pos 2"},
    {"{\"a\": [{\"wildcard\": \"**\"}]}", "Consecutive wildcard characters at pos 1"},
    {"{\"a\": [{\"wildcard\": \"a\\\\b\"}]}", "Invalid escape character at pos 2"},
    {"{\"a\": [{\"wildcard\": \"ab\\\\\"}]}", "Invalid escape character at pos 3"},
    {"{\"a\": [{\"exists\": \"true\"}]}", "exists match pattern must be either true or false."},
    {"{\"a\": [{\"exists\": true, \"prefix\": \"x\"}]}",
     "Only one key allowed in match expression"},
    {"{\"a\": [{\"numeric\": \">\"}]}", "Value of numeric must be an array."},
    {"{\"a\": [{\"numeric\": []}]}", "Invalid member in numeric match: ]"},
    {"{\"a\": [{\"numeric\": [5]}]}", "Invalid member in numeric match: 5"},
    {"{\"a\": [{\"numeric\": [\"!=\", 5]}]}", "Unrecognized numeric range operator: !="},
    {"{\"a\": [{\"numeric\": [\"<\", \"5\"]}]}", "Value of < must be numeric"},
    {"{\"a\": [{\"numeric\": [\"=\", \"5\"]}]}", "Value of equals must be numeric"},
    {"{\"a\": [{\"numeric\": [\">\"]}]}", "Value of > must be numeric"},
    {"{\"a\": [{\"numeric\": [\"<\", 5, \">\", 0]}]}", "Too many elements in numeric expression"},
    {"{\"a\": [{\"numeric\": [\"=\", 5, \"<\", 6]}]}", "Too many elements in numeric expression"},
    {"{\"a\": [{\"numeric\": [\">\", 0, 5]}]}", "Bad value in numeric range: 5"},
    {"{\"a\": [{\"numeric\": [\">\", 0, \">\", 5]}]}", "Bad numeric range operator: >"},
    {"{\"a\": [{\"numeric\": [\">\", 0, \"<\", true]}]}", "Value of < must be numeric"},
    {"{\"a\": [{\"numeric\": [\">\", 0, \"<\", 5, 6]}]}",
     "Too many terms in numeric range expression"},
    {"{\"a\": [{\"numeric\": [\">\", 5, \"<\", 5]}]}", "Bottom must be less than top"},
    {"{\"a\": [{\"numeric\": [\">=\", 5, \"<=\", 5]}]}", "Bottom must be less than top"},
    {"{\"a\": [{\"numeric\": [\">\", 6, \"<\", 5]}]}", "Bottom must be less than top"},
    {"{\"a\": [{\"numeric\": [\">\", 5000000001]}]}",
     "Value must be between -5.0E9 and 5.0E9, inclusive"},
    {"{\"a\": [{\"numeric\": [\"<\", -5e9, \"x\", 1]}]}",
     "Too many elements in numeric expression"},
    {"{\"a\": [{\"numeric\": [\">\", 1], \"exists\": true}]}",
     "Too many elements in numeric expression"},
    {"{\"a\": [{\"anything-but\": null}]}",
     "Value of anything-but must be an array or single string/number value."},
    {"{\"a\": [{\"anything-but\": true}]}",
     "Value of anything-but must be an array or single string/number value."},
    {"{\"a\": [{\"anything-but\": [\"a\", null]}]}",
     "Inside anything but list, start|null|boolean is not supported."},
    {"{\"a\": [{\"anything-but\": [\"a\", 1]}]}",
     "Inside anything but list, either all values are number or string, mixed type is not "
     "supported"},
    {"{\"a\": [{\"anything-but\": []}]}",
     "Inside anything but list, either all values are number or string, mixed type is not "
     "supported"},
    {"{\"a\": [{\"anything-but\": 6e9}]}", "Value must be between -5.0E9 and 5.0E9, inclusive"},
    {"{\"a\": [{\"anything-but\": {}}]}", "Anything-But expression name not found"},
    {"{\"a\": [{\"anything-but\": {\"numeric\": [\">\", 1]}}]}",
     "Unsupported anything-but pattern: numeric"},
    {"{\"a\": [{\"anything-but\": {\"prefix\": \"\"}}]}", "Null prefix/suffix not allowed"},
    {"{\"a\": [{\"anything-but\": {\"suffix\": [\"x\", \"\"]}}]}",
     "Null prefix/suffix not allowed"},
    {"{\"a\": [{\"anything-but\": {\"prefix\": 1}}]}",
     "prefix/suffix match pattern must be a string"},
    {"{\"a\": [{\"anything-but\": {\"prefix\": null}}]}",
     "Value of anything-but must be an array or single string/number value."},
    {"{\"a\": [{\"anything-but\": {\"equals-ignore-case\": [1]}}]}",
     "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."},
    {"{\"a\": [{\"anything-but\": {\"wildcard\": \"a**\"}}]}",
     "Consecutive wildcard characters at pos 2"},
    {"{\"a\": [{\"anything-but\": {\"wildcard\": 2}}]}", "wildcard match pattern must be a string"},
    {"{\"a\": [{\"anything-but\": {\"prefix\": \"a\", \"suffix\": \"b\"}}]}",
     "Too many elements in numeric expression"},
    {"{\"a\": [{\"anything-but\": \"x\", \"prefix\": \"y\"}]}",
     "Too many elements in numeric expression"},
    {"{\"a\": [{\"cidr\": 5}]}", "prefix match pattern must be a string"},
    {"{\"a\": [{\"cidr\": \"10.0.0.0\"}]}", "Malformed CIDR, one '/' required"},
    {"{\"a\": [{\"cidr\": \"10.0.0.0/8/8\"}]}", "Malformed CIDR, one '/' required"},
    {"{\"a\": [{\"cidr\": \"10.0.0.0/x\"}]}", "Malformed CIDR, mask bits must be an integer"},
    {"{\"a\": [{\"cidr\": \"10.0.0.0/-1\"}]}", "Malformed CIDR, mask bits must not be negative"},
    {"{\"a\": [{\"cidr\": \"10.0.0.0/32\"}]}", "IPv4 mask bits must be < 32"},
    {"{\"a\": [{\"cidr\": \"::/128\"}]}", "IPv6 mask bits must be < 128"},
    {"{\"a\": [{\"cidr\": \"host.example/8\"}]}", "Nonstandard IP address: host.example"},
    {"{\"a\": [{\"cidr\": \"300.0.0.0/8\"}]}", "Invalid IP address: 300.0.0.0"},
    {"{\"a\": [{\"cidr\": \"1:2:3/8\"}]}", "Invalid IP address: 1:2:3"},
    {"{\"$or\": {\"a\": [1]}}", "It must be an Array followed with $or."},
    {"{\"$or\": [{\"a\": [1]}]}", "There must have at least 2 Objects in $or relationship."},
    {"{\"$or\": []}", "There must have at least 2 Objects in $or relationship."},
    {"{\"$or\": [{\"a\": [1]}, [2]]}", "Only JSON object is allowed in array of $or relationship."},
    {"{\"$or\": [{\"a\": [1]}, {}]}", "Empty objects are not allowed"},
    {"{\"$or\": [{\"a\": [1]}, {\"numeric\": [1]}]}",
     "numeric is Ruler reserved fieldName which cannot be used inside $or."},
    {"{\"$or\": [{\"a\": [1]}, {\"b\": {\"prefix\": [\"x\"]}}]}",
     "prefix is Ruler reserved fieldName which cannot be used inside $or."},
};

static void test_invalid(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < ARRAY_LEN(BAD); i++) {
        char want[600];
        json_t *pat = parse_json(BAD[i].pattern);
        struct awserr err = {0};
        struct events_pattern *p =
            events_pattern_parse(pat, &INVALID, &EVENTS_PATTERN_EVENTBRIDGE, &err);
        snprintf(want, sizeof want, "Event pattern is not valid. Reason: %s", BAD[i].reason);
        if (p || err.kind != &INVALID || strcmp(err.message, want) != 0) {
            print_message("row %zu: pattern %s\n  want: %s\n  got:  %s\n", i, BAD[i].pattern,
                          want, p ? "(accepted)" : err.message);
            failures++;
        }
        events_pattern_free(p);
        awserr_clear(&err);
        json_decref(pat);
    }
    assert_int_equal(failures, 0);
}

/* The caller's wording: Lambda hides the reason, SNS prefixes its parameter. */
static void test_wording(void **state)
{
    (void)state;
    static const struct awserr_kind LAMBDA_KIND = {400, "InvalidParameterValueException", ""};
    json_t *pat = parse_json("{\"a\": 1}");
    struct awserr err = {0};
    assert_null(events_pattern_parse(pat, &LAMBDA_KIND, &EVENTS_PATTERN_LAMBDA, &err));
    assert_ptr_equal(err.kind, &LAMBDA_KIND);
    assert_string_equal(err.message, "Invalid filter pattern definition.");
    awserr_clear(&err);
    assert_null(events_pattern_parse(pat, &INVALID, &EVENTS_PATTERN_SNS, &err));
    assert_string_equal(err.message,
                        "Invalid parameter: FilterPolicy: \"a\" must be an object or an array");
    awserr_clear(&err);
    json_decref(pat);
}

/* Nesting is bounded: at the limit it parses and matches, one level deeper it is refused. */
static void test_depth(void **state)
{
    (void)state;
    char pat[8192] = "", ev[8192] = "";
    struct awserr err = {0};
    for (int levels = EVENTS_PATTERN_MAX_DEPTH; levels <= EVENTS_PATTERN_MAX_DEPTH + 1;
         levels++) {
        size_t pn = 0, en = 0;
        for (int i = 1; i < levels; i++) {
            pn += (size_t)snprintf(pat + pn, sizeof pat - pn, "{\"k\": ");
            en += (size_t)snprintf(ev + en, sizeof ev - en, "{\"k\": ");
        }
        pn += (size_t)snprintf(pat + pn, sizeof pat - pn, "{\"leaf\": [1]}");
        en += (size_t)snprintf(ev + en, sizeof ev - en, "{\"leaf\": [[1]]}");
        for (int i = 1; i < levels; i++) {
            pn += (size_t)snprintf(pat + pn, sizeof pat - pn, "}");
            en += (size_t)snprintf(ev + en, sizeof ev - en, "}");
        }
        json_t *pj = parse_json(pat), *ej = parse_json(ev);
        struct events_pattern *p =
            events_pattern_parse(pj, &INVALID, &EVENTS_PATTERN_EVENTBRIDGE, &err);
        if (levels == EVENTS_PATTERN_MAX_DEPTH) {
            assert_non_null(p);
            assert_true(events_pattern_match(p, ej));
        } else {
            assert_null(p);
            assert_non_null(strstr(err.message, "nested more than"));
        }
        events_pattern_free(p);
        awserr_clear(&err);
        json_decref(pj);
        json_decref(ej);
    }
    /* a hostile pattern nested far deeper than the limit is refused without recursing */
    size_t n = 0;
    static char deep[6 * 1500 + 16];
    for (int i = 0; i < 1500; i++)
        n += (size_t)snprintf(deep + n, sizeof deep - n, "{\"a\":");
    n += (size_t)snprintf(deep + n, sizeof deep - n, "[1]");
    for (int i = 0; i < 1500; i++)
        deep[n++] = '}';
    deep[n] = '\0';
    json_t *pj = parse_json(deep);
    assert_null(events_pattern_parse(pj, &INVALID, &EVENTS_PATTERN_EVENTBRIDGE, &err));
    awserr_clear(&err);
    json_decref(pj);
}

/* $or alternatives multiply out to at most 1000 combinations. */
static void test_combinations(void **state)
{
    (void)state;
    /* 10 × 10 × 10 = 1000 is allowed; × 2 more is not */
    char pat[4096];
    size_t n = (size_t)snprintf(pat, sizeof pat, "{");
    for (int g = 0; g < 4; g++) {
        n += (size_t)snprintf(pat + n, sizeof pat - n, "%s\"g%d\": {\"$or\": [", g ? ", " : "",
                              g);
        int alts = g < 3 ? 10 : 2;
        for (int a = 0; a < alts; a++)
            n += (size_t)snprintf(pat + n, sizeof pat - n, "%s{\"f%d\": [%d]}", a ? ", " : "", a,
                                  a);
        n += (size_t)snprintf(pat + n, sizeof pat - n, "]}");
    }
    snprintf(pat + n, sizeof pat - n, "}");
    struct awserr err = {0};
    json_t *pj = parse_json(pat);
    assert_null(events_pattern_parse(pj, &INVALID, &EVENTS_PATTERN_EVENTBRIDGE, &err));
    assert_non_null(strstr(err.message, "combinations"));
    awserr_clear(&err);
    json_object_del(pj, "g3");
    struct events_pattern *p =
        events_pattern_parse(pj, &INVALID, &EVENTS_PATTERN_EVENTBRIDGE, &err);
    assert_non_null(p);
    json_t *ev = parse_json("{\"g0\": {\"f9\": 9}, \"g1\": {\"f0\": 0}, \"g2\": {\"f5\": 5}}");
    assert_true(events_pattern_match(p, ev));
    json_object_set_new(json_object_get(ev, "g2"), "f5", json_integer(6));
    assert_false(events_pattern_match(p, ev));
    events_pattern_free(p);
    json_decref(ev);
    json_decref(pj);
}

/* A pattern outlives its document, and one pattern serves many events. */
static void test_reuse(void **state)
{
    (void)state;
    struct awserr err = {0};
    json_t *pj = parse_json("{\"source\": [{\"prefix\": \"aws.\"}], \"n\": [{\"numeric\":"
                            " [\">=\", 10]}], \"s\": [{\"anything-but\": [\"b\", \"a\"]}]}");
    struct events_pattern *p =
        events_pattern_parse(pj, &INVALID, &EVENTS_PATTERN_EVENTBRIDGE, &err);
    json_decref(pj);
    assert_non_null(p);
    for (int i = 0; i < 1000; i++) {
        json_t *ev = json_pack("{s:s, s:i, s:s}", "source", i % 2 ? "aws.ec2" : "custom", "n", i,
                               "s", i % 3 ? "c" : "a");
        assert_int_equal(events_pattern_match(p, ev), i % 2 && i >= 10 && i % 3 != 0);
        json_decref(ev);
    }
    assert_false(events_pattern_match(p, NULL));
    events_pattern_free(p);
    events_pattern_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact),         cmocka_unit_test(test_strings),
        cmocka_unit_test(test_wildcard),      cmocka_unit_test(test_anything_but),
        cmocka_unit_test(test_numeric),       cmocka_unit_test(test_exists_cidr),
        cmocka_unit_test(test_or),            cmocka_unit_test(test_dynamodb_record),
        cmocka_unit_test(test_invalid),       cmocka_unit_test(test_wording),
        cmocka_unit_test(test_depth),         cmocka_unit_test(test_combinations),
        cmocka_unit_test(test_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
