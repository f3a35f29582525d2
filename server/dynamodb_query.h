/* server/dynamodb_query.h — DynamoDB's multi-item reads: Query and Scan, on tables and on
 * secondary indexes. Threads: any HTTP worker thread. Contract: route.h's route_json_op. */
#ifndef AWSEMU_DYNAMODB_QUERY_H
#define AWSEMU_DYNAMODB_QUERY_H

#include "server/route.h"

int ddb_query(struct req *req, json_t *in, json_t **out, struct awserr *err);
int ddb_scan(struct req *req, json_t *in, json_t **out, struct awserr *err);

#endif
