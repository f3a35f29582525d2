/* server/http.h — the libmicrohttpd front door.
 * Threads: http_start()/http_stop() from main only. Requests are served on libmicrohttpd's
 *   worker-thread pool; each becomes a struct req handed to route_dispatch().
 * Ownership: cfg is borrowed and must outlive the server.
 * Errors: http_start() returns -1 with a logged reason (address in use, bad host...). */
#ifndef AWSEMU_HTTP_H
#define AWSEMU_HTTP_H

#include "server/config.h"

/* Starts listening; on success returns 0 and stores the bound port in *port. */
int http_start(const struct config *cfg, int *port);
/* Stops accepting, lets requests in flight finish (bounded wait), then stops the pool. */
void http_stop(void);

#endif
