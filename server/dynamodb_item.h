/* server/dynamodb_item.h — DynamoDB single-item operations: PutItem, GetItem, DeleteItem,
 * UpdateItem. (The helpers they share with other write paths are declared in dynamodb.h.)
 * Threads: any HTTP worker thread. Contract: route.h's struct route_json_op. */
#ifndef AWSEMU_DYNAMODB_ITEM_H
#define AWSEMU_DYNAMODB_ITEM_H

#include "server/route.h"

int ddb_put_item(struct req *req, json_t *in, json_t **out, struct awserr *err);
int ddb_get_item(struct req *req, json_t *in, json_t **out, struct awserr *err);
int ddb_delete_item(struct req *req, json_t *in, json_t **out, struct awserr *err);
int ddb_update_item(struct req *req, json_t *in, json_t **out, struct awserr *err);

#endif
