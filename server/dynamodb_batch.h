/* server/dynamodb_batch.h — BatchGetItem and BatchWriteItem.
 * Threads: any HTTP worker thread. Contract: route.h's route_json_op. */
#ifndef AWSEMU_DYNAMODB_BATCH_H
#define AWSEMU_DYNAMODB_BATCH_H

#include "server/route.h"

int ddb_batch_get_item(struct req *req, json_t *in, json_t **out, struct awserr *err);
int ddb_batch_write_item(struct req *req, json_t *in, json_t **out, struct awserr *err);

#endif
