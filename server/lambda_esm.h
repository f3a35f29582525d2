/* server/lambda_esm.h — Lambda's event source mapping operations for DynamoDB stream
 * sources: CreateEventSourceMapping, ListEventSourceMappings, GetEventSourceMapping,
 * UpdateEventSourceMapping, DeleteEventSourceMapping (shared/docs §4.5). Each is a
 * lambda_op_fn (lambda.h).
 *
 * Scope: the API. Mappings are validated as Lambda validates them and stored
 *   (storage/mappings.h); the delivery worker (handlers/esm.h) reads the same rows and keeps
 *   its per-shard checkpoints there. Every committed change wakes it (esm_mappings_changed);
 *   a LATEST mapping is created with a checkpoint at each shard's last record.
 * States: awsemu has no asynchronous set-up, so a mapping is stored in its settled state
 *   ("Enabled" or "Disabled"); the write operations answer with the transitional state
 *   Lambda reports at that moment (Creating, Updating, Enabling, Disabling, Deleting), and
 *   Get/List show the settled one.
 * Functions: a mapping names its function by name ($LATEST). DeleteFunction deletes the
 *   function's mappings in its own transaction (storage: st_mappings_delete_function).
 * Threads: HTTP worker threads. */
#ifndef AWSEMU_LAMBDA_ESM_H
#define AWSEMU_LAMBDA_ESM_H

#include "server/lambda.h"

#define LAMBDA_ESM_OP(name)                                                                    \
    int name(struct req *req, const char *const *params, json_t *in, json_t **out,            \
             struct awserr *err);
LAMBDA_ESM_OP(lambda_create_event_source_mapping)
LAMBDA_ESM_OP(lambda_list_event_source_mappings)
LAMBDA_ESM_OP(lambda_get_event_source_mapping)
LAMBDA_ESM_OP(lambda_update_event_source_mapping)
LAMBDA_ESM_OP(lambda_delete_event_source_mapping)
#undef LAMBDA_ESM_OP

#endif
