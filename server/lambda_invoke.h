/* server/lambda_invoke.h — the Invoke operation (POST /2015-03-31/functions/{name}/invocations
 * and the deprecated /2014-11-13/functions/{name}/invoke-async).
 * Threads: HTTP worker threads. */
#ifndef AWSEMU_LAMBDA_INVOKE_H
#define AWSEMU_LAMBDA_INVOKE_H

#endif
