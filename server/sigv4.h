/* server/sigv4.h — reading who signed a request: the SigV4 credential scope.
 * Threads: any; pure functions.
 * Signatures are not verified here (DESIGN: accepted unchecked by default); this module only
 * extracts access key, date, region and service from an `Authorization: AWS4-HMAC-SHA256 ...`
 * header or from a presigned request's `X-Amz-Credential` query parameter.
 * Errors: a header that claims SigV4 but is malformed raises AWSERR_INCOMPLETE_SIGNATURE. */
#ifndef AWSEMU_SIGV4_H
#define AWSEMU_SIGV4_H

#include "server/awserr.h"

struct sigv4_scope {
    char access_key[129];
    char date[9]; /* yyyymmdd */
    char region[65];
    char service[65];
};

/* Parses a credential string `AKID/yyyymmdd/region/service/aws4_request`.
 * Returns 0, or -1 with *err raised. */
int sigv4_credential_parse(const char *credential, struct sigv4_scope *out, struct awserr *err);

/* Parses an Authorization header value. Returns 1 with *out filled, 0 when the header is not
 * SigV4 (e.g. absent: pass NULL), or -1 with *err raised when it is SigV4 but malformed. */
int sigv4_authorization_parse(const char *header, struct sigv4_scope *out, struct awserr *err);

#endif
