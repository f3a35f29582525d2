/* server/lambda_function.c — function operations; see lambda_function.h. */
#include "server/lambda_function.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handlers/package.h"
#include "handlers/pool.h"
#include "server/dynamodb_value.h"
#include "server/ids.h"
#include "server/lambda_err.h"
#include "storage/functions.h"
#include "storage/mappings.h"

#define LOG_MODULE "lambda"
#include "server/log.h"

#define ZIPPED_MAX 52428800u
#define HOT_RELOAD_BUCKET "hot-reload"
#define ENV_MAX 4096
#define LIST_DEFAULT 50

/* ---- runtimes ---- */

/* What awsemu can run (handlers/runtimes): the only runtimes a function may use here. */
static const char *const runnable[] = {
    "python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "nodejs18.x",
    "nodejs20.x", "nodejs22.x", "provided", "provided.al2", "provided.al2023", NULL};
/* Valid in AWS today, but not runnable here. */
static const char *const foreign[] = {
    "python3.14", "nodejs24.x", "java8.al2", "java11", "java17", "java21", "java25",
    "dotnet8", "dotnet10", "ruby3.2", "ruby3.3", "ruby3.4", NULL};
/* Deprecated: AWS refuses them on create and update. */
static const char *const deprecated[] = {
    "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x",
    "nodejs12.x", "nodejs14.x", "nodejs16.x", "python2.7", "python3.6", "python3.7",
    "python3.8", "java8", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1",
    "dotnet6", "dotnet7", "ruby2.5", "ruby2.7", "go1.x", NULL};

static bool listed(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

static void list_join(struct buf *b, const char *const *list, const char *sep)
{
    for (size_t i = 0; list[i]; i++)
        buf_addf(b, "%s%s", i ? sep : "", list[i]);
}

static int runtime_check(const char *runtime, struct awserr *err)
{
    if (listed(runnable, runtime))
        return 0;
    struct buf b = BUF_INIT;
    if (listed(deprecated, runtime)) {
        awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                     "The runtime parameter of %s is no longer supported for creating or "
                     "updating AWS Lambda functions. We recommend you use a supported runtime "
                     "while creating or updating functions.",
                     runtime);
    } else if (listed(foreign, runtime)) {
        list_join(&b, runnable, ", ");
        awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                     "The runtime parameter of %s is valid in AWS Lambda, but awsemu cannot "
                     "run it. Runtimes awsemu runs: %s.",
                     runtime, b.data);
    } else {
        buf_addc(&b, '[');
        list_join(&b, runnable, ", ");
        buf_adds(&b, ", ");
        list_join(&b, foreign, ", ");
        buf_addc(&b, ']');
        awserr_raise(err, LAMBDA_VALIDATION,
                     "1 validation error detected: Value '%.64s' at 'runtime' failed to satisfy "
                     "constraint: Member must satisfy enum value set: %s",
                     runtime, b.data);
    }
    buf_free(&b);
    return -1;
}

/* ---- configuration members ---- */

static bool role_ok(const char *role)
{
    /* arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+ */
    if (strncmp(role, "arn:aws", 7) != 0)
        return false;
    const char *p = role + 7;
    while (*p && *p != ':')
        p++;
    if (strncmp(p, ":iam::", 6) != 0)
        return false;
    p += 6;
    for (int i = 0; i < 12; i++, p++)
        if (*p < '0' || *p > '9')
            return false;
    if (strncmp(p, ":role/", 6) != 0 || !p[6])
        return false;
    for (p += 6; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("_+=,.@-/", *p)))
            return false;
    return true;
}

static bool no_space(const char *s)
{
    for (; *s; s++)
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == '\v')
            return false;
    return true;
}

static int string_member(json_t *in, json_t *config, const char *name, const char *wire,
                         size_t max, struct awserr *err)
{
    const char *s = NULL;
    if (lambda__member_string(in, name, &s, err) < 0)
        return -1;
    if (!s)
        return 0;
    if (strlen(s) > max) {
        char constraint[64];
        snprintf(constraint, sizeof constraint, "have length less than or equal to %zu", max);
        return lambda__invalid(err, s, wire, constraint);
    }
    json_object_set_new(config, name, json_string(s));
    return 0;
}

static int int_member(json_t *in, json_t *config, const char *name, const char *wire,
                      long long min, long long max, struct awserr *err)
{
    bool present;
    long long v;
    if (lambda__member_int(in, name, &present, &v, err) < 0)
        return -1;
    if (!present)
        return 0;
    if (v < min || v > max) {
        char value[32], constraint[64];
        snprintf(value, sizeof value, "%lld", v);
        snprintf(constraint, sizeof constraint, "have value %s than or equal to %lld",
                 v < min ? "greater" : "less", v < min ? min : max);
        return lambda__invalid(err, value, wire, constraint);
    }
    json_object_set_new(config, name, json_integer(v));
    return 0;
}

static const char *const reserved_keys[] = {
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR", NULL};

static bool env_key_ok(const char *k)
{
    /* [a-zA-Z]([a-zA-Z0-9_])+ in the model; one letter is accepted too, as single-letter
     * variables are common and refusing them here would break working templates. */
    if (!((k[0] >= 'a' && k[0] <= 'z') || (k[0] >= 'A' && k[0] <= 'Z')))
        return false;
    for (k++; *k; k++)
        if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') ||
              *k == '_'))
            return false;
    return true;
}

static int environment_member(json_t *in, json_t *config, struct awserr *err)
{
    json_t *env = NULL, *vars = NULL;
    if (lambda__member_object(in, "Environment", &env, err) < 0 ||
        (env && lambda__member_object(env, "Variables", &vars, err) < 0))
        return -1;
    if (!env)
        return 0;
    const char *key;
    json_t *value;
    struct buf reserved = BUF_INIT;
    json_object_foreach(vars, key, value) {
        if (!json_is_string(value))
            return awserr_raise(err, LAMBDA_INVALID_REQUEST_CONTENT,
                                "Could not parse request body into json: environment variable "
                                "'%.128s' is not a string", key);
        if (!env_key_ok(key)) {
            buf_free(&reserved);
            return awserr_raise(err, LAMBDA_VALIDATION,
                                "1 validation error detected: Value at 'environment.variables' "
                                "failed to satisfy constraint: Map keys must satisfy constraint: "
                                "[Member must satisfy regular expression pattern: "
                                "[a-zA-Z]([a-zA-Z0-9_])+] (key '%.128s')", key);
        }
        if (listed(reserved_keys, key))
            buf_addf(&reserved, "%s%s", reserved.len ? ", " : "", key);
    }
    if (reserved.len) {
        awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                     "Lambda was unable to configure your environment variables because the "
                     "environment variables you have provided contains reserved keys that are "
                     "currently not supported for modification. Reserved keys used in this "
                     "request: %.300s", reserved.data);
        buf_free(&reserved);
        return -1;
    }
    json_t *copy = vars ? json_deep_copy(vars) : json_object();
    char *text = json_dumps(copy, JSON_COMPACT);
    size_t size = strlen(text);
    if (size > ENV_MAX) {
        json_decref(copy);
        awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                     "Lambda was unable to configure your environment variables because the "
                     "environment variables you have provided exceeded the 4KB limit. String "
                     "measured: %.200s", text);
        free(text);
        return -1;
    }
    free(text);
    json_object_set_new(config, "Environment", json_pack("{s:o}", "Variables", copy));
    return 0;
}

/* A member that must be one of a fixed set of strings. */
static int enum_check(const char *value, const char *wire, const char *const *allowed,
                      struct awserr *err)
{
    if (listed(allowed, value))
        return 0;
    struct buf b = BUF_INIT;
    buf_adds(&b, "satisfy enum value set: [");
    list_join(&b, allowed, ", ");
    buf_addc(&b, ']');
    lambda__invalid(err, value, wire, b.data);
    buf_free(&b);
    return -1;
}

static int architectures_member(json_t *in, json_t *config, struct awserr *err)
{
    static const char *const archs[] = {"x86_64", "arm64", NULL};
    json_t *list = NULL;
    if (lambda__member_array(in, "Architectures", &list, err) < 0 || !list)
        return list ? -1 : 0;
    if (json_array_size(list) != 1)
        return lambda__invalid(err, "[...]", "architectures",
                               json_array_size(list) ? "have length less than or equal to 1"
                                                     : "have length greater than or equal to 1");
    const char *arch = json_string_value(json_array_get(list, 0));
    if (!arch || enum_check(arch, "architectures.1.member", archs, err) < 0)
        return awserr_is_set(err) ? -1 : lambda__invalid(err, NULL, "architectures.1.member",
                                                         "not be null");
    json_object_set_new(config, "Architectures", json_pack("[s]", arch));
    return 0;
}

static int ephemeral_member(json_t *in, json_t *config, struct awserr *err)
{
    json_t *eph = NULL;
    if (lambda__member_object(in, "EphemeralStorage", &eph, err) < 0 || !eph)
        return eph ? -1 : 0;
    json_t *out = json_object();
    int rc = int_member(eph, out, "Size", "ephemeralStorage.size", 512, 10240, err);
    if (rc == 0 && !json_object_get(out, "Size"))
        rc = lambda__invalid(err, NULL, "ephemeralStorage.size", "not be null");
    if (rc == 0)
        json_object_set(config, "EphemeralStorage", out);
    json_decref(out);
    return rc;
}

static int logging_member(json_t *in, json_t *config, const char *name, struct awserr *err)
{
    static const char *const formats[] = {"Text", "JSON", NULL};
    static const char *const app_levels[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL",
                                             NULL};
    static const char *const sys_levels[] = {"DEBUG", "INFO", "WARN", NULL};
    json_t *lc = NULL;
    if (lambda__member_object(in, "LoggingConfig", &lc, err) < 0 || !lc)
        return lc ? -1 : 0;
    const char *format = NULL, *app = NULL, *sys = NULL, *group = NULL;
    if (lambda__member_string(lc, "LogFormat", &format, err) < 0 ||
        lambda__member_string(lc, "ApplicationLogLevel", &app, err) < 0 ||
        lambda__member_string(lc, "SystemLogLevel", &sys, err) < 0 ||
        lambda__member_string(lc, "LogGroup", &group, err) < 0)
        return -1;
    if ((format && enum_check(format, "loggingConfig.logFormat", formats, err) < 0) ||
        (app && enum_check(app, "loggingConfig.applicationLogLevel", app_levels, err) < 0) ||
        (sys && enum_check(sys, "loggingConfig.systemLogLevel", sys_levels, err) < 0))
        return -1;
    json_t *out = json_object_get(config, "LoggingConfig");
    if (!json_is_object(out)) {
        out = json_object();
        json_object_set_new(config, "LoggingConfig", out);
    }
    if (format)
        json_object_set_new(out, "LogFormat", json_string(format));
    if (!json_object_get(out, "LogFormat"))
        json_object_set_new(out, "LogFormat", json_string("Text"));
    if (app)
        json_object_set_new(out, "ApplicationLogLevel", json_string(app));
    if (sys)
        json_object_set_new(out, "SystemLogLevel", json_string(sys));
    if (group)
        json_object_set_new(out, "LogGroup", json_string(group));
    if (!json_object_get(out, "LogGroup")) {
        struct buf g = BUF_INIT;
        buf_addf(&g, "/aws/lambda/%s", name);
        json_object_set_new(out, "LogGroup", json_string(g.data));
        buf_free(&g);
    }
    return 0;
}

static int tracing_member(json_t *in, json_t *config, struct awserr *err)
{
    static const char *const modes[] = {"Active", "PassThrough", NULL};
    json_t *tc = NULL;
    const char *mode = NULL;
    if (lambda__member_object(in, "TracingConfig", &tc, err) < 0 ||
        (tc && lambda__member_string(tc, "Mode", &mode, err) < 0))
        return -1;
    if (mode && enum_check(mode, "tracingConfig.mode", modes, err) < 0)
        return -1;
    if (mode)
        json_object_set_new(config, "TracingConfig", json_pack("{s:s}", "Mode", mode));
    return 0;
}

/* Members that AWS echoes and awsemu only stores. */
static int echo_members(json_t *in, json_t *config, struct awserr *err)
{
    json_t *dlc = NULL;
    const char *kms = NULL;
    if (lambda__member_object(in, "DeadLetterConfig", &dlc, err) < 0 ||
        lambda__member_string(in, "KMSKeyArn", &kms, err) < 0)
        return -1;
    if (dlc && json_object_get(dlc, "TargetArn"))
        json_object_set(config, "DeadLetterConfig", dlc);
    if (kms && *kms)
        json_object_set_new(config, "KMSKeyArn", json_string(kms));
    return 0;
}

/* Validates the configuration members of a Create or UpdateFunctionConfiguration request and
 * applies them to config. */
static int config_apply(json_t *in, json_t *config, const char *name, struct awserr *err)
{
    const char *role = NULL, *runtime = NULL, *handler = NULL;
    if (lambda__member_string(in, "Role", &role, err) < 0 ||
        lambda__member_string(in, "Runtime", &runtime, err) < 0 ||
        lambda__member_string(in, "Handler", &handler, err) < 0)
        return -1;
    if (role && !role_ok(role))
        return lambda__invalid(err, role, "role",
                               "satisfy regular expression pattern: "
                               "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
    if (handler && (strlen(handler) > 128 || !no_space(handler)))
        return lambda__invalid(err, handler, "handler",
                               strlen(handler) > 128 ? "have length less than or equal to 128"
                                                     : "satisfy regular expression pattern: "
                                                       "[^\\s]+");
    if (runtime && runtime_check(runtime, err) < 0)
        return -1;
    if (role)
        json_object_set_new(config, "Role", json_string(role));
    if (runtime)
        json_object_set_new(config, "Runtime", json_string(runtime));
    if (handler)
        json_object_set_new(config, "Handler", json_string(handler));
    if (string_member(in, config, "Description", "description", 256, err) < 0 ||
        int_member(in, config, "Timeout", "timeout", 1, 900, err) < 0 ||
        int_member(in, config, "MemorySize", "memorySize", 128, 10240, err) < 0 ||
        environment_member(in, config, err) < 0 || ephemeral_member(in, config, err) < 0 ||
        logging_member(in, config, name, err) < 0 || tracing_member(in, config, err) < 0 ||
        echo_members(in, config, err) < 0)
        return -1;
    return 0;
}

/* ---- code ---- */

struct code {
    char *dir;    /* heap; NULL until prepared */
    bool hot_reload;
    long long size;
    char sha256[48]; /* base64 */
};

static void code_discard(struct code *c)
{
    if (c->dir && !c->hot_reload)
        package_remove(c->dir);
    free(c->dir);
    c->dir = NULL;
}

static void sha256_base64(const void *data, size_t len, char out[48])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL);
    EVP_EncodeBlock((unsigned char *)out, digest, (int)n);
}

static char *code_dir_new(const struct req *req, const char *name)
{
    char id[IDS_UUID_LEN + 1];
    ids_uuid(id);
    struct buf dir = BUF_INIT;
    buf_addf(&dir, "%s/lambda/%s/%s/%s/%s", db_dir(), req->account, req->region, name, id);
    return buf_take(&dir);
}

static int code_unpack(const struct req *req, const char *name, const struct buf *zip,
                       struct code *c, struct awserr *err)
{
    if (zip->len > ZIPPED_MAX)
        return awserr_raise(err, LAMBDA_REQUEST_TOO_LARGE,
                            "Zipped size must be smaller than %u bytes", ZIPPED_MAX);
    char *dir = code_dir_new(req, name);
    uint64_t unzipped;
    enum package_result res = package_unpack(zip->data, zip->len, dir, &unzipped);
    if (res != PACKAGE_OK) {
        free(dir);
        if (res == PACKAGE_TOO_LARGE)
            return awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                                "Unzipped size must be smaller than %llu bytes",
                                (unsigned long long)PACKAGE_UNZIPPED_MAX);
        if (res == PACKAGE_IO_ERROR)
            return awserr_raise(err, LAMBDA_SERVICE, "Internal server error");
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                            "Could not unzip uploaded file. Please check your file, then try to "
                            "upload again.");
    }
    c->dir = dir;
    c->size = (long long)zip->len;
    sha256_base64(zip->data, zip->len, c->sha256);
    return 0;
}

static int code_hot_reload(const char *key, struct code *c, struct awserr *err)
{
    struct stat st;
    if (!key || key[0] != '/' || stat(key, &st) < 0 || !S_ISDIR(st.st_mode))
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                            "Hot reload needs Code.S3Key to be an absolute path to an existing "
                            "directory, got '%.256s'", key ? key : "");
    c->dir = xstrdup(key);
    c->hot_reload = true;
    c->size = 0;
    sha256_base64(key, strlen(key), c->sha256);
    return 0;
}

/* Reads a code source (CreateFunction's Code object, or UpdateFunctionCode's body) and
 * prepares it on disk. */
static int code_prepare(const struct req *req, const char *name, json_t *src, struct code *c,
                        struct awserr *err)
{
    const char *zip64 = NULL, *bucket = NULL, *key = NULL, *image = NULL;
    if (lambda__member_string(src, "ZipFile", &zip64, err) < 0 ||
        lambda__member_string(src, "S3Bucket", &bucket, err) < 0 ||
        lambda__member_string(src, "S3Key", &key, err) < 0 ||
        lambda__member_string(src, "ImageUri", &image, err) < 0)
        return -1;
    if (image)
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                            "awsemu runs Zip packages only; container images (ImageUri, "
                            "PackageType Image) are not supported");
    if (zip64 && (bucket || key))
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                            "Please do not provide other FunctionCode parameters when providing "
                            "a ZipFile.");
    if (bucket && strcmp(bucket, HOT_RELOAD_BUCKET) == 0)
        return code_hot_reload(key, c, err);
    if (bucket || key)
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                            "awsemu has no S3: Code takes a ZipFile, or S3Bucket \"hot-reload\" "
                            "with S3Key the absolute path of a directory to run the function "
                            "from");
    if (!zip64)
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                            "Please provide a source for function code.");
    struct buf zip = BUF_INIT;
    int rc = ddbval_base64_decode(zip64, strlen(zip64), &zip);
    if (rc < 0)
        rc = awserr_raise(err, LAMBDA_INVALID_REQUEST_CONTENT,
                          "Could not parse request body into json: ZipFile is not valid "
                          "base64");
    else
        rc = code_unpack(req, name, &zip, c, err);
    buf_free(&zip);
    return rc;
}

static void code_set(json_t *config, const struct code *c)
{
    json_object_set_new(config, "CodeSize", json_integer(c->size));
    json_object_set_new(config, "CodeSha256", json_string(c->sha256));
}

/* ---- outputs ---- */

json_t *lambda__config_output(const json_t *config)
{
    json_t *out = json_deep_copy(config);
    json_object_set_new(out, "State", json_string("Active"));
    json_object_set_new(out, "LastUpdateStatus", json_string("Successful"));
    return out;
}

static void function_removed_dirs(const char *code_dir)
{
    package_remove(code_dir);
    /* The function's directory goes too when nothing else is in it. */
    char *parent = xstrdup(code_dir);
    char *slash = strrchr(parent, '/');
    if (slash) {
        *slash = '\0';
        rmdir(parent);
    }
    free(parent);
}

/* ---- CreateFunction ---- */

static json_t *config_defaults(const struct req *req, const char *name)
{
    struct buf arn = BUF_INIT;
    lambda__function_arn(req, name, NULL, &arn);
    char hash[48];
    sha256_base64(name, strlen(name), hash);
    json_t *config = json_pack(
        "{s:s, s:s, s:s, s:i, s:i, s:s, s:{s:s}, s:s, s:[s], s:{s:i},"
        " s:{s:s, s:s}}",
        "FunctionName", name, "FunctionArn", arn.data, "Description", "", "Timeout", 3,
        "MemorySize", 128, "Version", "$LATEST", "TracingConfig", "Mode", "PassThrough",
        "PackageType", "Zip", "Architectures", "x86_64", "EphemeralStorage", "Size", 512,
        "SnapStart", "ApplyOn", "None", "OptimizationStatus", "Off");
    buf_free(&arn);
    struct buf group = BUF_INIT;
    buf_addf(&group, "/aws/lambda/%s", name);
    json_object_set_new(config, "LoggingConfig",
                        json_pack("{s:s, s:s}", "LogFormat", "Text", "LogGroup", group.data));
    buf_free(&group);
    return config;
}

static void runtime_version_set(const struct req *req, json_t *config)
{
    const char *runtime = json_string_value(json_object_get(config, "Runtime"));
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(runtime ? runtime : "", runtime ? strlen(runtime) : 0, digest, &n, EVP_sha256(),
               NULL);
    struct buf arn = BUF_INIT;
    buf_addf(&arn, "arn:aws:lambda:%s::runtime:", req->region);
    for (unsigned i = 0; i < n; i++)
        buf_addf(&arn, "%02x", digest[i]);
    json_object_set_new(config, "RuntimeVersionConfig",
                        json_pack("{s:s}", "RuntimeVersionArn", arn.data));
    buf_free(&arn);
}

/* Checks FunctionName, PackageType and Tags of CreateFunction. */
static int create_members(json_t *in, const char **name, json_t **tags, struct awserr *err)
{
    static const char *const packages[] = {"Zip", "Image", NULL};
    const char *package = NULL;
    json_t *code = NULL;
    if (lambda__member_string(in, "FunctionName", name, err) < 0 ||
        lambda__member_string(in, "PackageType", &package, err) < 0 ||
        lambda__member_object(in, "Tags", tags, err) < 0 ||
        lambda__member_object(in, "Code", &code, err) < 0)
        return -1;
    if (!*name)
        return lambda__invalid(err, NULL, "functionName", "not be null");
    if (!json_object_get(in, "Role"))
        return lambda__invalid(err, NULL, "role", "not be null");
    if (!code)
        return lambda__invalid(err, NULL, "code", "not be null");
    if (package && enum_check(package, "packageType", packages, err) < 0)
        return -1;
    if (package && strcmp(package, "Image") == 0)
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                            "awsemu runs Zip packages only; container images (ImageUri, "
                            "PackageType Image) are not supported");
    if (!json_object_get(in, "Runtime") || !json_object_get(in, "Handler"))
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                            "Runtime and Handler are mandatory parameters for functions created "
                            "with deployment packages.");
    const char *key;
    json_t *value;
    json_object_foreach(*tags, key, value) {
        if (!json_is_string(value))
            return awserr_raise(err, LAMBDA_INVALID_REQUEST_CONTENT,
                                "Could not parse request body into json: tag '%.128s' is not a "
                                "string", key);
    }
    return 0;
}

/* Stores a new function; 409 when its name is taken. */
static int function_insert(const struct req *req, struct st_function *f, struct awserr *err)
{
    struct db *db;
    if (lambda__db(&db, err) < 0)
        return -1;
    if (db_write_begin(db) < 0)
        return awserr_raise(err, LAMBDA_SERVICE, "Internal server error");
    int created = st_functions_create(db, req->account, req->region, f);
    if (created < 0 || (created == 1 && db_write_commit(db) < 0)) {
        if (created < 0)
            db_write_rollback(db);
        return awserr_raise(err, LAMBDA_SERVICE, "Internal server error");
    }
    if (created == 0) {
        db_write_rollback(db);
        return awserr_raise(err, LAMBDA_RESOURCE_CONFLICT, "Function already exist: %s",
                            f->name);
    }
    return 0;
}

int lambda_create_function(struct req *req, const char *const *params, json_t *in,
                           json_t **out, struct awserr *err)
{
    (void)params;
    const char *name = NULL;
    json_t *tags = NULL;
    struct lambda_ref ref;
    if (create_members(in, &name, &tags, err) < 0 ||
        lambda__ref_parse(req, name, NULL, &ref, err) < 0)
        return -1;
    if (ref.qualifier[0])
        return lambda__invalid(err, name, "functionName",
                               "satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:"
                               "lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?"
                               "(function:)?([a-zA-Z0-9-_]+)");
    json_t *config = config_defaults(req, ref.name);
    struct code c = {0};
    struct st_function f = {.concurrency = -1};
    int rc = config_apply(in, config, ref.name, err);
    if (rc == 0)
        rc = architectures_member(in, config, err);
    if (rc == 0) {
        /* Refuse a taken name before spending time on the zip; the insert decides races. */
        struct db *db;
        struct st_function existing = {.concurrency = -1};
        rc = lambda__db(&db, err);
        int found = rc == 0 ? st_functions_get(db, req->account, req->region, ref.name,
                                               &existing) : 0;
        st_function_free(&existing);
        if (found < 0)
            rc = awserr_raise(err, LAMBDA_SERVICE, "Internal server error");
        else if (found)
            rc = awserr_raise(err, LAMBDA_RESOURCE_CONFLICT, "Function already exist: %s",
                              ref.name);
    }
    if (rc == 0)
        rc = code_prepare(req, ref.name, json_object_get(in, "Code"), &c, err);
    if (rc == 0) {
        code_set(config, &c);
        runtime_version_set(req, config);
        json_object_set_new(config, "LastModified", lambda__last_modified());
        lambda__revision_bump(config);
        f.name = ref.name;
        f.config = json_dumps(config, JSON_COMPACT);
        f.code_dir = c.dir;
        f.hot_reload = c.hot_reload;
        f.tags = tags && json_object_size(tags) ? json_dumps(tags, JSON_COMPACT) : NULL;
        rc = function_insert(req, &f, err);
        free(f.config);
        free(f.tags);
    }
    if (rc == 0) {
        free(c.dir); /* the function owns the directory now */
        *out = lambda__config_output(config);
    } else {
        code_discard(&c);
    }
    json_decref(config);
    return rc;
}

/* ---- GetFunction, GetFunctionConfiguration ---- */

static int function_read(struct req *req, const char *param, struct st_function *f,
                         json_t **config, struct awserr *err)
{
    struct lambda_ref ref;
    struct db *db;
    if (lambda__ref_parse(req, param, req_query(req, "Qualifier"), &ref, err) < 0 ||
        lambda__db(&db, err) < 0 || lambda__function_get(req, db, &ref, f, err) < 0)
        return -1;
    *config = lambda__config_parse(f);
    return *config ? 0 : awserr_raise(err, LAMBDA_SERVICE, "Internal server error");
}

int lambda_get_function(struct req *req, const char *const *params, json_t *in, json_t **out,
                        struct awserr *err)
{
    (void)in;
    struct st_function f = {.concurrency = -1};
    json_t *config = NULL;
    if (function_read(req, params[0], &f, &config, err) < 0) {
        st_function_free(&f);
        return -1;
    }
    struct buf location = BUF_INIT;
    buf_addf(&location, "file://%s", f.code_dir);
    json_t *result = json_pack("{s:o, s:{s:s, s:s}}", "Configuration",
                               lambda__config_output(config), "Code", "RepositoryType",
                               f.hot_reload ? "hot-reload" : "S3", "Location", location.data);
    buf_free(&location);
    if (f.tags)
        json_object_set_new(result, "Tags", json_loads(f.tags, 0, NULL));
    if (f.concurrency >= 0)
        json_object_set_new(result, "Concurrency",
                            json_pack("{s:I}", "ReservedConcurrentExecutions",
                                      (json_int_t)f.concurrency));
    *out = result;
    json_decref(config);
    st_function_free(&f);
    return 0;
}

int lambda_get_function_configuration(struct req *req, const char *const *params, json_t *in,
                                      json_t **out, struct awserr *err)
{
    (void)in;
    struct st_function f = {.concurrency = -1};
    json_t *config = NULL;
    int rc = function_read(req, params[0], &f, &config, err);
    if (rc == 0)
        *out = lambda__config_output(config);
    json_decref(config);
    st_function_free(&f);
    return rc;
}

/* ---- ListFunctions ---- */

struct list_state {
    json_t *functions;
    int wanted;
    char last[LAMBDA_NAME_MAX + 1];
    bool more;
};

static void list_one(const struct st_function *f, void *arg)
{
    struct list_state *ls = arg;
    if ((int)json_array_size(ls->functions) == ls->wanted) {
        ls->more = true; /* the extra row we asked for: there is a next page */
        return;
    }
    json_t *config = lambda__config_parse(f);
    if (config)
        json_array_append_new(ls->functions, config);
    snprintf(ls->last, sizeof ls->last, "%s", f->name);
}

int lambda_list_functions(struct req *req, const char *const *params, json_t *in, json_t **out,
                          struct awserr *err)
{
    (void)params, (void)in;
    const char *marker = req_query(req, "Marker"), *max = req_query(req, "MaxItems");
    const char *version = req_query(req, "FunctionVersion");
    long wanted = LIST_DEFAULT;
    if (max) {
        char *end;
        errno = 0;
        wanted = strtol(max, &end, 10);
        if (!*max || *end || errno || wanted < 1 || wanted > 10000)
            return lambda__invalid(err, max, "maxItems",
                                   "have value between 1 and 10000 (an integer)");
    }
    if (version && strcmp(version, "ALL") != 0)
        return lambda__invalid(err, version, "functionVersion",
                               "satisfy enum value set: [ALL]");
    struct db *db;
    if (lambda__db(&db, err) < 0)
        return -1;
    struct list_state ls = {json_array(), (int)wanted, "", false};
    if (st_functions_list(db, req->account, req->region, marker ? marker : "", (int)wanted + 1,
                          list_one, &ls) < 0) {
        json_decref(ls.functions);
        return awserr_raise(err, LAMBDA_SERVICE, "Internal server error");
    }
    *out = json_pack("{s:o}", "Functions", ls.functions);
    if (ls.more)
        json_object_set_new(*out, "NextMarker", json_string(ls.last));
    return 0;
}

/* ---- UpdateFunctionCode ---- */

struct code_update {
    struct code *code;
    json_t *in;
    char *old_dir; /* replaced directory to remove after the commit */
    bool old_hot;
};

static int code_replace(struct req *req, struct st_function *f, json_t *config, void *arg,
                        struct awserr *err)
{
    struct code_update *u = arg;
    if (architectures_member(u->in, config, err) < 0)
        return -1;
    u->old_dir = f->code_dir;
    u->old_hot = f->hot_reload;
    f->code_dir = xstrdup(u->code->dir);
    f->hot_reload = u->code->hot_reload;
    code_set(config, u->code);
    runtime_version_set(req, config);
    json_object_set_new(config, "LastModified", lambda__last_modified());
    lambda__revision_bump(config);
    return 1;
}

int lambda_update_function_code(struct req *req, const char *const *params, json_t *in,
                                json_t **out, struct awserr *err)
{
    struct lambda_ref ref;
    const char *revision = NULL;
    bool dry_run = false, publish = false;
    if (lambda__ref_parse(req, params[0], NULL, &ref, err) < 0 ||
        lambda__member_string(in, "RevisionId", &revision, err) < 0 ||
        lambda__member_bool(in, "DryRun", &dry_run, err) < 0 ||
        lambda__member_bool(in, "Publish", &publish, err) < 0)
        return -1;
    /* The function must exist before its zip is worth extracting. */
    struct db *db;
    struct st_function f = {.concurrency = -1};
    int rc = lambda__db(&db, err) < 0 ? -1 : lambda__function_get(req, db, &ref, &f, err);
    st_function_free(&f);
    struct code c = {0};
    if (rc == 0)
        rc = code_prepare(req, ref.name, in, &c, err);
    struct code_update u = {&c, in, NULL, false};
    json_t *config = NULL;
    if (rc == 0 && dry_run) {
        rc = function_read(req, params[0], &f, &config, err);
        if (rc == 0)
            code_set(config, &c);
        st_function_free(&f);
        code_discard(&c);
    } else if (rc == 0) {
        rc = lambda__function_mutate(req, &ref, revision, code_replace, &u, &config, err);
        if (rc < 0)
            code_discard(&c);
        free(c.dir);
    }
    if (rc == 0 && !dry_run) {
        if (u.old_dir && !u.old_hot) /* never a hot-reload directory: the user's */
            package_remove(u.old_dir);
        pool_function_changed(req->account, req->region, ref.name);
    }
    free(u.old_dir);
    if (rc == 0)
        *out = lambda__config_output(config);
    json_decref(config);
    return rc;
}

/* ---- UpdateFunctionConfiguration ---- */

static int config_update(struct req *req, struct st_function *f, json_t *config, void *arg,
                         struct awserr *err)
{
    (void)req;
    if (config_apply(arg, config, f->name, err) < 0)
        return -1;
    json_object_set_new(config, "LastModified", lambda__last_modified());
    lambda__revision_bump(config);
    return 1;
}

int lambda_update_function_configuration(struct req *req, const char *const *params,
                                         json_t *in, json_t **out, struct awserr *err)
{
    struct lambda_ref ref;
    const char *revision = NULL;
    json_t *config = NULL;
    if (lambda__ref_parse(req, params[0], NULL, &ref, err) < 0 ||
        lambda__member_string(in, "RevisionId", &revision, err) < 0 ||
        lambda__function_mutate(req, &ref, revision, config_update, in, &config, err) < 0)
        return -1;
    pool_function_changed(req->account, req->region, ref.name);
    *out = lambda__config_output(config);
    json_decref(config);
    return 0;
}

/* ---- DeleteFunction ---- */

int lambda_delete_function(struct req *req, const char *const *params, json_t *in,
                           json_t **out, struct awserr *err)
{
    (void)in, (void)out;
    struct lambda_ref ref;
    struct db *db;
    if (lambda__ref_parse(req, params[0], req_query(req, "Qualifier"), &ref, err) < 0 ||
        lambda__db(&db, err) < 0)
        return -1;
    if (strcmp(ref.qualifier, "$LATEST") == 0)
        return awserr_raise(err, LAMBDA_INVALID_PARAMETER,
                            "$LATEST version cannot be deleted without deleting the function.");
    if (db_write_begin(db) < 0)
        return awserr_raise(err, LAMBDA_SERVICE, "Internal server error");
    struct st_function f = {.concurrency = -1};
    int rc = lambda__function_get(req, db, &ref, &f, err);
    if (rc == 0 && (st_functions_delete(db, f.id) < 0 ||
                    st_mappings_delete_function(db, req->account, req->region, f.name) < 0))
        rc = awserr_raise(err, LAMBDA_SERVICE, "Internal server error");
    if (rc == 0 && db_write_commit(db) < 0)
        rc = awserr_raise(err, LAMBDA_SERVICE, "Internal server error");
    else if (rc < 0)
        db_write_rollback(db);
    if (rc == 0) {
        if (!f.hot_reload)
            function_removed_dirs(f.code_dir);
        pool_function_changed(req->account, req->region, ref.name);
    }
    st_function_free(&f);
    return rc;
}
