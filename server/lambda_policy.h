/* server/lambda_policy.h — the Lambda operations that attach state to a function rather
 * than change its code or configuration: resource policy (AddPermission, GetPolicy,
 * RemovePermission), reserved concurrency (Put/Get/DeleteFunctionConcurrency), event invoke
 * config (Put/Update/Get/DeleteFunctionEventInvokeConfig), tags (ListTags, TagResource,
 * UntagResource), and GetAccountSettings. Each is a lambda_op_fn (lambda.h).
 * Policy changes move the function's RevisionId on (GetPolicy returns it); concurrency,
 * event invoke config and tags do not. Reserved concurrency changes call
 * pool_function_changed().
 * Threads: HTTP worker threads. */
#ifndef AWSEMU_LAMBDA_POLICY_H
#define AWSEMU_LAMBDA_POLICY_H

#include "server/lambda.h"

#define LAMBDA_POLICY_OP(name)                                                                 \
    int name(struct req *req, const char *const *params, json_t *in, json_t **out,            \
             struct awserr *err);
LAMBDA_POLICY_OP(lambda_add_permission)
LAMBDA_POLICY_OP(lambda_get_policy)
LAMBDA_POLICY_OP(lambda_remove_permission)
LAMBDA_POLICY_OP(lambda_put_function_concurrency)
LAMBDA_POLICY_OP(lambda_get_function_concurrency)
LAMBDA_POLICY_OP(lambda_delete_function_concurrency)
LAMBDA_POLICY_OP(lambda_put_function_event_invoke_config)
LAMBDA_POLICY_OP(lambda_update_function_event_invoke_config)
LAMBDA_POLICY_OP(lambda_get_function_event_invoke_config)
LAMBDA_POLICY_OP(lambda_delete_function_event_invoke_config)
LAMBDA_POLICY_OP(lambda_list_tags)
LAMBDA_POLICY_OP(lambda_tag_resource)
LAMBDA_POLICY_OP(lambda_untag_resource)
LAMBDA_POLICY_OP(lambda_get_account_settings)
#undef LAMBDA_POLICY_OP

#endif
