/* server/admin.h — awsemu's own endpoints under /_awsemu/: health, invariant checks (and,
 * later, introspection, the test clock and the settle barrier).
 * Threads: any HTTP worker thread.
 * Contract: admin_dispatch() leaves a complete JSON reply (or error) in req. */
#ifndef AWSEMU_ADMIN_H
#define AWSEMU_ADMIN_H

#include "server/req.h"

void admin_dispatch(struct req *req);

#endif
