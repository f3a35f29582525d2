/* server/awsjson.h — the AWS JSON 1.0/1.1 codec: request bodies to json_t, replies and errors
 * to bytes. It knows no service: the route tells it the content type and whether the body
 * gets an x-amz-crc32 header (DynamoDB and Streams).
 * Threads: any.
 * Ownership: awsjson_parse() returns a new reference (caller decrefs); the write functions
 *   fill req->out, req->status, req->content_type and headers (values in req's arena). */
#ifndef AWSEMU_AWSJSON_H
#define AWSEMU_AWSJSON_H

#include <jansson.h>
#include <stdbool.h>

#include "server/req.h"

/* Parses a request body that must be a JSON object; an empty body counts as {}.
 * NULL with *err raised (kind `serialization`) for anything else. */
json_t *awsjson_parse(const char *body, size_t len, const struct awserr_kind *serialization,
                      struct awserr *err);

/* Appends v (borrowed) to out as compact JSON, byte for byte what json_dump_callback() with
 * JSON_COMPACT and flags (only JSON_REAL_PRECISION may be added) writes, without jansson's
 * per-object loop check and its allocations: the hot paths' serialiser. */
void awsjson_write(struct buf *out, const json_t *v, size_t flags);
/* Serialises out (borrowed) into req->out. */
void awsjson_body_write(struct req *req, const json_t *out);

/* Finishes a successful reply whose body is already in req->out. */
void awsjson_reply_write(struct req *req, const char *content_type, bool crc);

/* Writes req->err as the family's error body: {"__type": "<ns>#<code>", "message": ...}. */
void awsjson_error_write(struct req *req, const char *content_type, bool crc);

#endif
