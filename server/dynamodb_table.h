/* server/dynamodb_table.h — DynamoDB control-plane operations on tables.
 * Threads: any HTTP worker thread. Contract: route.h's struct route_json_op. */
#ifndef AWSEMU_DYNAMODB_TABLE_H
#define AWSEMU_DYNAMODB_TABLE_H

#include "server/route.h"

int ddb_create_table(struct req *req, json_t *in, json_t **out, struct awserr *err);
int ddb_describe_table(struct req *req, json_t *in, json_t **out, struct awserr *err);
int ddb_list_tables(struct req *req, json_t *in, json_t **out, struct awserr *err);
int ddb_delete_table(struct req *req, json_t *in, json_t **out, struct awserr *err);
int ddb_update_table(struct req *req, json_t *in, json_t **out, struct awserr *err);

#endif
