/* handlers/pool.c — the instance pool; see pool.h. */
#include "handlers/pool.h"

#include <stdlib.h>

void pool_function_free(struct pool_function *fn)
{
    if (!fn)
        return;
    free(fn->account);
    free(fn->region);
    free(fn->name);
    free(fn->arn);
    free(fn->version);
    free(fn->runtime);
    free(fn->handler);
    free(fn->code_dir);
    free(fn->revision);
    json_decref(fn->environment);
    free(fn);
}

void pool_function_changed(const char *account, const char *region, const char *name)
{
    (void)account, (void)region, (void)name; /* drained once instances exist */
}
