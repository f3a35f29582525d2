/* server/buf.h — growable byte buffers and allocation that cannot fail.
 * Threads: any; a buf belongs to one thread at a time.
 * Ownership: a struct buf owns its data; buf_free() releases it; buf_take() hands the bytes
 *   (NUL-terminated) to the caller, who frees them with free().
 * Errors: xmalloc and friends abort on exhaustion (sizes clients control are bounded before
 *   anything is allocated for them, see STYLE §3). */
#ifndef AWSEMU_BUF_H
#define AWSEMU_BUF_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

struct buf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
};

#define BUF_INIT {NULL, 0, 0}

void buf_reserve(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_addc(struct buf *b, char c);
void buf_adds(struct buf *b, const char *s);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);
char *buf_take(struct buf *b);
void buf_free(struct buf *b);

#endif
