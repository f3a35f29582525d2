/* server/awserr.h — the one AWS error type, carried from where an error is detected to the
 * codec that writes it.
 * Threads: any; a struct awserr belongs to the request (or job) that raised it.
 * Contract: awserr_raise() fills *err and returns -1, so a caller writes
 *   `return awserr_raise(err, DDB_VALIDATION, "...")`. Raise once, where detected; callers pass
 *   the error up and never overwrite a raised one (awserr__raise keeps the first).
 * Kinds: each service declares its kinds once (see dynamodb.h); a kind carries the HTTP status,
 *   the code SDKs match on, and the namespace JSON protocols prefix to it ("" for none). */
#ifndef AWSEMU_AWSERR_H
#define AWSEMU_AWSERR_H

#include <jansson.h>
#include <stdbool.h>

struct awserr_kind {
    int status;
    const char *code; /* e.g. "ResourceNotFoundException" */
    const char *ns;   /* JSON __type namespace, e.g. "com.amazonaws.dynamodb.v20120810" */
};

struct awserr {
    const struct awserr_kind *kind; /* NULL until raised */
    char message[512];              /* AWS's wording; client input quoted and truncated */
    const char *file;               /* where it was raised: logged, never sent */
    int line;
    json_t *detail; /* extra members for the error body (e.g. DynamoDB's "Item" of a failed
                       condition), owned; released by awserr_clear() */
};

#define awserr_raise(err, kind, ...) awserr__raise((err), &(kind), __FILE__, __LINE__, __VA_ARGS__)

int awserr__raise(struct awserr *err, const struct awserr_kind *kind, const char *file, int line,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static inline bool awserr_is_set(const struct awserr *err)
{
    return err->kind != 0;
}

/* Releases the detail and forgets the error. */
void awserr_clear(struct awserr *err);

/* Attaches a member to the raised error's body (takes the reference, as json_object_set_new). */
void awserr_detail_set_new(struct awserr *err, const char *name, json_t *value);

/* Kinds shared by every service (framework errors). */
extern const struct awserr_kind AWSERR_INTERNAL;           /* 500 InternalFailure */
extern const struct awserr_kind AWSERR_UNKNOWN_OPERATION;  /* 400 UnknownOperationException */
extern const struct awserr_kind AWSERR_SERIALIZATION;      /* 400 SerializationException */
extern const struct awserr_kind AWSERR_REQUEST_TOO_LARGE;  /* 413 RequestEntityTooLarge */
extern const struct awserr_kind AWSERR_NOT_FOUND;          /* 404 for unknown paths */
extern const struct awserr_kind AWSERR_INCOMPLETE_SIGNATURE; /* 400 IncompleteSignatureException */

#endif
