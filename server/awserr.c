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

/* Truncation may cut a multi-byte UTF-8 sequence in two; JSON and XML writers need valid
 * UTF-8, so drop the incomplete tail. */
static void trim_partial_utf8(char *s)
{
    size_t n = strlen(s), start = n;
    while (start > 0 && ((unsigned char)s[start - 1] & 0xC0) == 0x80)
        start--;
    if (start == 0)
        return;
    unsigned char lead = (unsigned char)s[start - 1];
    size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (n - (start - 1) < want)
        s[start - 1] = '\0';
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
    int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof err->message)
        trim_partial_utf8(err->message);
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
