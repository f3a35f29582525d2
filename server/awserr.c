/* server/awserr.c — the one AWS error type; see awserr.h. */
#include "server/awserr.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const struct awserr_kind AWSERR_INTERNAL = {500, "InternalFailure", "com.amazon.coral.service"};
const struct awserr_kind AWSERR_UNKNOWN_OPERATION = {400, "UnknownOperationException",
                                                     "com.amazon.coral.service"};
const struct awserr_kind AWSERR_SERIALIZATION = {400, "SerializationException",
                                                 "com.amazon.coral.service"};
const struct awserr_kind AWSERR_REQUEST_TOO_LARGE = {413, "RequestEntityTooLarge",
                                                     "com.amazon.coral.service"};
const struct awserr_kind AWSERR_NOT_FOUND = {404, "UnknownOperationException",
                                             "com.amazon.coral.service"};
const struct awserr_kind AWSERR_INCOMPLETE_SIGNATURE = {400, "IncompleteSignatureException",
                                                        "com.amazon.coral.service"};

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when s does not start one. */
static size_t utf8_sequence(const unsigned char *s)
{
    size_t want = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
                : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (want == 0 || (want == 2 && s[0] < 0xC2) || (want == 4 && s[0] > 0xF4))
        return 0;
    for (size_t i = 1; i < want; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((want == 3 && s[0] == 0xE0 && s[1] < 0xA0) || (want == 3 && s[0] == 0xED && s[1] > 0x9F) ||
        (want == 4 && s[0] == 0xF0 && s[1] < 0x90) || (want == 4 && s[0] == 0xF4 && s[1] > 0x8F))
        return 0; /* overlong forms and surrogates */
    return want;
}

/* Messages quote client input and may be cut anywhere: JSON and XML writers need valid UTF-8,
 * so every byte that does not belong to a valid sequence becomes '?'. */
static void make_valid_utf8(char *msg)
{
    unsigned char *s = (unsigned char *)msg;
    while (*s) {
        size_t n = utf8_sequence(s);
        if (n == 0) {
            *s++ = '?';
            continue;
        }
        s += n;
    }
}

int awserr__raise(struct awserr *err, const struct awserr_kind *kind, const char *file, int line,
                  const char *fmt, ...)
{
    if (err->kind) /* the first raise wins: it is where the error was detected */
        return -1;
    err->kind = kind;
    err->file = file;
    err->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    make_valid_utf8(err->message);
    return -1;
}

void awserr_clear(struct awserr *err)
{
    json_decref(err->detail);
    memset(err, 0, sizeof *err);
}

void awserr_detail_set_new(struct awserr *err, const char *name, json_t *value)
{
    if (!err->detail)
        err->detail = json_object();
    json_object_set_new(err->detail, name, value);
}
