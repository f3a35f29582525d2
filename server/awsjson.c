/* server/awsjson.c — AWS JSON 1.0/1.1 codec; see awsjson.h and shared/docs §1.5-1.6. */
#include "server/awsjson.h"

#include <stdio.h>
#include <string.h>
#include <libdeflate.h>

json_t *awsjson_parse(const char *body, size_t len, const struct awserr_kind *serialization,
                      struct awserr *err)
{
    if (len == 0)
        return json_object();
    json_error_t jerr;
    json_t *in = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!in) {
        awserr__raise(err, serialization, __FILE__, __LINE__, "%s", jerr.text);
        return NULL;
    }
    if (!json_is_object(in)) {
        json_decref(in);
        awserr__raise(err, serialization, __FILE__, __LINE__,
                      "Start of list found where not expected");
        return NULL;
    }
    return in;
}

static int dump_to_buf(const char *chunk, size_t size, void *data)
{
    buf_add(data, chunk, size);
    return 0;
}

void awsjson_body_write(struct req *req, const json_t *out)
{
    buf_reset(&req->out);
    json_dump_callback(out, dump_to_buf, &req->out, JSON_COMPACT | JSON_REAL_PRECISION(15));
}

static void finish(struct req *req, const char *content_type, bool crc)
{
    req->content_type = content_type;
    if (crc) {
        /* libdeflate's CRC-32 uses carry-less multiplication where the CPU has it: a 100-item
         * Query reply is ~100 KB, and zlib's table-driven crc32 was a third of its CPU time. */
        uint32_t sum = libdeflate_crc32(0, req->out.data ? req->out.data : "", req->out.len);
        char digits[16];
        snprintf(digits, sizeof digits, "%lu", (unsigned long)sum);
        req_out_header(req, "x-amz-crc32", req_strdup(req, digits));
    }
}

void awsjson_reply_write(struct req *req, const char *content_type, bool crc)
{
    req->status = 200;
    finish(req, content_type, crc);
}

void awsjson_error_write(struct req *req, const char *content_type, bool crc)
{
    const struct awserr_kind *kind = req->err.kind;
    char type[256];
    if (kind->ns && *kind->ns)
        snprintf(type, sizeof type, "%s#%s", kind->ns, kind->code);
    else
        snprintf(type, sizeof type, "%s", kind->code);
    json_t *body = json_pack("{s:s, s:s}", "__type", type, "message", req->err.message);
    if (req->err.detail)
        json_object_update(body, req->err.detail);
    awsjson_body_write(req, body);
    json_decref(body);
    req->status = kind->status;
    finish(req, content_type, crc);
}
