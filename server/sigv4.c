/* server/sigv4.c — SigV4 credential scope parsing; see sigv4.h and shared/docs §1.3. */
#include "server/sigv4.h"

#include <stdbool.h>
#include <string.h>

static const char SIGV4_ALGORITHM[] = "AWS4-HMAC-SHA256";

/* Copies [s, s+n) into dst (capacity cap) if it fits and is non-empty. */
static bool copy_part(char *dst, size_t cap, const char *s, size_t n)
{
    if (n == 0 || n >= cap)
        return false;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return true;
}

static bool is_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

int sigv4_credential_parse(const char *credential, struct sigv4_scope *out, struct awserr *err)
{
    const char *parts[5];
    size_t lens[5];
    const char *p = credential;
    for (int i = 0; i < 5; i++) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if ((i < 4 && !slash) || (i == 4 && slash))
            goto bad;
        parts[i] = p;
        lens[i] = n;
        p += n + 1;
    }
    if (!copy_part(out->access_key, sizeof out->access_key, parts[0], lens[0]) ||
        lens[1] != 8 || !is_digits(parts[1], 8) ||
        !copy_part(out->date, sizeof out->date, parts[1], lens[1]) ||
        !copy_part(out->region, sizeof out->region, parts[2], lens[2]) ||
        !copy_part(out->service, sizeof out->service, parts[3], lens[3]) ||
        lens[4] != strlen("aws4_request") || memcmp(parts[4], "aws4_request", lens[4]) != 0)
        goto bad;
    return 0;
bad:
    return awserr_raise(err, AWSERR_INCOMPLETE_SIGNATURE,
                        "Credential should be scoped to a valid region, and to a service, "
                        "and end with 'aws4_request'.");
}

/* Finds `Credential=` among the comma-separated components and returns its value's extent. */
static const char *find_credential(const char *params, size_t *len)
{
    const char *p = params;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n > 0 && p[n - 1] == ' ')
            n--;
        if (n > 11 && strncmp(p, "Credential=", 11) == 0) {
            *len = n - 11;
            return p + 11;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return NULL;
}

int sigv4_authorization_parse(const char *header, struct sigv4_scope *out, struct awserr *err)
{
    size_t alg = sizeof SIGV4_ALGORITHM - 1;
    if (!header || strncmp(header, SIGV4_ALGORITHM, alg) != 0 || header[alg] != ' ')
        return 0;
    size_t len;
    const char *cred = find_credential(header + alg + 1, &len);
    char buf[512];
    if (!cred)
        return awserr_raise(err, AWSERR_INCOMPLETE_SIGNATURE,
                            "Authorization header requires 'Credential' parameter. "
                            "Authorization=%.200s",
                            header);
    if (len >= sizeof buf)
        return awserr_raise(err, AWSERR_INCOMPLETE_SIGNATURE, "Credential is too long");
    memcpy(buf, cred, len);
    buf[len] = '\0';
    return sigv4_credential_parse(buf, out, err) < 0 ? -1 : 1;
}
