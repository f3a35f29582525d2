/* server/lambda_function.h — Lambda's function operations: CreateFunction, GetFunction,
 * GetFunctionConfiguration, ListFunctions, UpdateFunctionCode, UpdateFunctionConfiguration,
 * DeleteFunction (shared/docs §4.1-4.2). Each is a lambda_op_fn (lambda.h).
 *
 * Code: a ZipFile is extracted (handlers/package.h) to
 *   <data dir>/lambda/<account>/<region>/<function>/<uuid>/ before the row is written; the
 *   directory it replaces (or the function's, on delete) is removed after the commit. A
 *   hot-reload function (Code.S3Bucket "hot-reload", S3Key an absolute directory) runs from
 *   the user's directory, which awsemu never removes; its CodeSha256 is the SHA-256 of the
 *   path string and its CodeSize 0.
 * State: a function is usable as soon as the call returns, so every configuration says
 *   State Active and LastUpdateStatus Successful, and the botocore waiters end at once.
 * Threads: HTTP worker threads. */
#ifndef AWSEMU_LAMBDA_FUNCTION_H
#define AWSEMU_LAMBDA_FUNCTION_H

#include "server/lambda.h"

int lambda_create_function(struct req *req, const char *const *params, json_t *in,
                           json_t **out, struct awserr *err);
int lambda_get_function(struct req *req, const char *const *params, json_t *in, json_t **out,
                        struct awserr *err);
int lambda_get_function_configuration(struct req *req, const char *const *params, json_t *in,
                                      json_t **out, struct awserr *err);
int lambda_list_functions(struct req *req, const char *const *params, json_t *in, json_t **out,
                          struct awserr *err);
int lambda_update_function_code(struct req *req, const char *const *params, json_t *in,
                                json_t **out, struct awserr *err);
int lambda_update_function_configuration(struct req *req, const char *const *params,
                                         json_t *in, json_t **out, struct awserr *err);
int lambda_delete_function(struct req *req, const char *const *params, json_t *in,
                           json_t **out, struct awserr *err);

/* The configuration as GetFunctionConfiguration returns it (State etc. added): new ref. */
json_t *lambda__config_output(const json_t *config);

#endif
