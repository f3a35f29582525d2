/* tests/fuzz/fuzz_awsjson.c — differential libFuzzer harness for the JSON codec's fast paths
 * (server/awsjson.c): every request body goes through awsjson_parse(), whose own parser takes
 * the common shapes and hands everything else to jansson, and every reply and stored item
 * through awsjson_write(). Both promise jansson's exact results, so this checks them against
 * jansson itself: the same accept/reject verdict, the same error message, an equal value;
 * and, for every value parsed, the same bytes as json_dumps() at both number precisions.
 * Any difference aborts. Build: `make build/fuzz/fuzz_awsjson`; run: `make fuzz`. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/awsjson.h"
#include "server/buf.h"

static const struct awserr_kind serialization = {400, "SerializationException", ""};

static void same_bytes(const json_t *v, size_t flags)
{
    struct buf ours = BUF_INIT;
    awsjson_write(&ours, v, flags);
    char *theirs = json_dumps(v, flags | JSON_ENCODE_ANY);
    if (!theirs || strlen(theirs) != ours.len || memcmp(theirs, ours.data, ours.len) != 0)
        abort();
    free(theirs);
    buf_free(&ours);
}

static bool ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0; /* an empty body is {} by contract, not jansson's */
    struct awserr err = {0};
    json_t *ours = awsjson_parse((const char *)data, size, &serialization, &err);
    json_error_t jerr;
    json_t *theirs = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (theirs && !json_is_object(theirs)) {
        json_decref(theirs);
        theirs = NULL;
        snprintf(jerr.text, sizeof jerr.text, "%s", "Start of list found where not expected");
    }
    if (!ours != !theirs)
        abort(); /* a different verdict */
    if (!ours && ascii(jerr.text) && strcmp(err.message, jerr.text) != 0)
        abort(); /* a different message (awserr makes non-ASCII ones valid UTF-8 first) */
    if (ours && !json_equal(ours, theirs))
        abort(); /* a different value */
    if (ours) {
        same_bytes(ours, JSON_COMPACT);
        same_bytes(ours, JSON_COMPACT | JSON_REAL_PRECISION(17));
    }
    awserr_clear(&err);
    json_decref(ours);
    json_decref(theirs);
    return 0;
}
