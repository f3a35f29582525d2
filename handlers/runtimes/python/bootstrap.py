"""awsemu's Python runtime: a Lambda Runtime API client (stdlib only, Python 3.9+).

Launched by awsemu as `python3 handlers/runtimes/python/bootstrap.py`, cwd = the task root, with
AWS_LAMBDA_RUNTIME_API=host:port, _HANDLER=<module path>.<function> and LAMBDA_TASK_ROOT set
(plus the other Lambda variables, which only the context reads).

Sequence (docs/aws-wire-reference.md §6): import the handler once; on failure POST
/runtime/init/error and exit 1. Then loop: GET /runtime/invocation/next (long poll, no client
timeout), call handler(event, context), POST .../response or .../error. One keep-alive HTTP
connection serves every call; if the Runtime API cannot be reached the process exits with
status 1 at once (the server is gone: never retry in a loop).
"""

import decimal
import http.client
import importlib
import json
import logging
import os
import socket
import sys
import time
import traceback

API_PREFIX = "/2018-06-01/runtime"
THIS_FILE = os.path.abspath(__file__)
IMPORTLIB_DIR = os.path.dirname(importlib.__file__) + os.sep

# The request being handled, for log lines ("" between invocations, as Lambda's loggers show).
current_request_id = ""


# --------------------------------------------------------------------------------------------
# Runtime API connection


class RuntimeAPI:
    """One persistent HTTP/1.1 connection to the Runtime API.

    A connection that was already used may have been closed by the server while idle: the call
    is retried once on a new connection. A connection that cannot be opened, or fails again,
    means the server is gone: the process exits with status 1."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            fatal("AWS_LAMBDA_RUNTIME_API is not host:port: %r" % address)
        self.host = host.strip("[]")
        self.port = int(port)
        self.conn = None
        self.reused = False

    def _open(self):
        try:
            conn = http.client.HTTPConnection(self.host, self.port)  # no timeout: next long-polls
            conn.connect()
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as e:
            fatal("cannot connect to the Runtime API at %s:%d: %s" % (self.host, self.port, e))
        self.conn = conn
        self.reused = False

    def call(self, method, path, body=None, headers=None):
        """Sends one request; returns (status, response headers, response body)."""
        while True:
            if self.conn is None:
                self._open()
            try:
                self.conn.request(method, API_PREFIX + path, body, headers or {})
                resp = self.conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException) as e:
                self.conn.close()
                self.conn = None
                if self.reused:
                    continue  # a stale keep-alive connection: one more try on a new one
                reason = str(e) or type(e).__name__
                fatal("Runtime API call %s %s failed: %s" % (method, path, reason))
            self.reused = True
            if resp.will_close:
                self.conn.close()
                self.conn = None
            return resp.status, resp.headers, data

    def post(self, path, body, headers):
        status, _, data = self.call("POST", path, body, headers)
        if status >= 500:
            fatal("Runtime API answered %d to POST %s: %r" % (status, path, data[:200]))
        if status >= 300:
            sys.stderr.write("[WARNING] Runtime API answered %d to POST %s: %s\n"
                             % (status, path, data[:200].decode("utf-8", "replace")))


def fatal(message):
    sys.stderr.write("[ERROR] awsemu runtime: %s\n" % message)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(1)


# --------------------------------------------------------------------------------------------
# Errors


class Fault(Exception):
    """An error of the runtime itself (Runtime.*), reported with an empty stack trace."""

    def __init__(self, error_type, message):
        super().__init__(message)
        self.error_type = error_type
        self.message = message


def user_frames(tb):
    """The traceback's frames formatted as Lambda shows them, the bootstrap's own left out."""
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) == THIS_FILE:
        tb = tb.tb_next
    frames = []
    for fs in traceback.extract_tb(tb):
        if fs.filename.startswith(("<frozen importlib", IMPORTLIB_DIR)):
            continue  # the import machinery between the runtime and a module's top level
        text = '  File "%s", line %d, in %s\n' % (fs.filename, fs.lineno, fs.name)
        if fs.line:
            text += "    %s\n" % fs.line.strip()
        frames.append(text)
    return frames


def error_body(error_type, message, frames, request_id):
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id,
            "stackTrace": frames}


def log_error(error_type, message, frames):
    """The error's log line, as Lambda prints it: "[ERROR] Type: message" and the traceback."""
    text = "[ERROR] %s: %s\nTraceback (most recent call last):\n%s" % (
        error_type, message, "".join(frames))
    sys.stderr.write(text if text.endswith("\n") else text + "\n")


def error_request(body):
    """(bytes, headers) for an /error POST."""
    data = json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")
    error_type = str(body["errorType"]).replace("\r", " ").replace("\n", " ")
    return data, {"Content-Type": "application/json",
                  "Lambda-Runtime-Function-Error-Type": error_type}


# --------------------------------------------------------------------------------------------
# Handler resolution (reference §6.3)


def load_handler(spec):
    """The handler function named by `spec`; raises Fault or the module's own exception."""
    try:
        module_path, function_name = spec.rsplit(".", 1)
    except ValueError as e:
        raise Fault("Runtime.MalformedHandlerName", "Bad handler '%s': %s" % (spec, e))
    module_name = module_path.replace("/", ".")
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise Fault("Runtime.BuiltInModuleConflict",
                    "Cannot use built-in module %s as a handler module" % module_path)
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise Fault("Runtime.ImportModuleError",
                    "Unable to import module '%s': %s" % (module_path, e))
    except SyntaxError as e:
        raise Fault("Runtime.UserCodeSyntaxError",
                    "Syntax error in module '%s': %s" % (module_path, e))
    function = getattr(module, function_name, None)
    if function is None:
        raise Fault("Runtime.HandlerNotFound",
                    "Handler '%s' missing on module '%s'" % (function_name, module_path))
    return function


def init_failed(api, error_type, message, frames):
    """Reports an init failure through /runtime/init/error, then exits with status 1."""
    log_error(error_type, message, frames)
    data, headers = error_request(error_body(error_type, message, frames, ""))
    api.post("/init/error", data, headers)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1)


# --------------------------------------------------------------------------------------------
# The context object


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, obj):
        obj = obj if isinstance(obj, dict) else {}
        self.cognito_identity_id = obj.get("cognitoIdentityId")
        self.cognito_identity_pool_id = obj.get("cognitoIdentityPoolId")

    def __repr__(self):
        return "CognitoIdentity(%r, %r)" % (self.cognito_identity_id,
                                            self.cognito_identity_pool_id)


class Client:
    __slots__ = ("installation_id", "app_title", "app_version_name", "app_version_code",
                 "app_package_name")

    def __init__(self, obj):
        self.installation_id = obj.get("installation_id")
        self.app_title = obj.get("app_title")
        self.app_version_name = obj.get("app_version_name")
        self.app_version_code = obj.get("app_version_code")
        self.app_package_name = obj.get("app_package_name")


class ClientContext:
    __slots__ = ("client", "custom", "env")

    def __init__(self, obj):
        client = obj.get("client")
        self.client = Client(client) if isinstance(client, dict) else None
        self.custom = obj.get("custom")
        self.env = obj.get("env")


def parse_json_header(value):
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


class LambdaContext:
    """What the handler gets as `context`; same members as Lambda's Python runtime."""

    # Constant for the life of the process.
    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
    memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
    log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
    log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")

    def __init__(self, request_id, deadline_ms, function_arn, identity, client_context, tenant):
        self.aws_request_id = request_id
        self.invoked_function_arn = function_arn
        self.identity = CognitoIdentity(parse_json_header(identity))
        cc = parse_json_header(client_context)
        self.client_context = ClientContext(cc) if isinstance(cc, dict) else None
        self.tenant_id = tenant
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def __repr__(self):
        return ("LambdaContext([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,"
                "function_name=%s,memory_limit_in_mb=%s,function_version=%s,"
                "invoked_function_arn=%s,client_context=%s,identity=%s])" % (
                    self.aws_request_id, self.log_group_name, self.log_stream_name,
                    self.function_name, self.memory_limit_in_mb, self.function_version,
                    self.invoked_function_arn, self.client_context, self.identity))


# --------------------------------------------------------------------------------------------
# Marshalling


def encode_extra(obj):
    if isinstance(obj, decimal.Decimal):
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    raise TypeError("Object of type %s is not JSON serializable" % type(obj).__name__)


def marshal(result):
    """(bytes, content type) for a handler's result; raises Fault on failure."""
    if isinstance(result, (bytes, bytearray)):
        return bytes(result), "application/unknown"
    try:
        return (json.dumps(result, ensure_ascii=False, default=encode_extra).encode("utf-8"),
                "application/json")
    except (TypeError, ValueError, OverflowError, RecursionError) as e:
        raise Fault("Runtime.MarshalError", "Unable to marshal response: %s" % e)


def unmarshal(body, content_type):
    if content_type and not content_type.startswith("application/json"):
        return body
    try:
        return json.loads(body)
    except ValueError as e:
        raise Fault("Runtime.UnmarshalError", "Unable to unmarshal input: %s" % e)


# --------------------------------------------------------------------------------------------
# Logging: the root logger as Lambda configures it


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = current_request_id
        return True


def configure_logging():
    handler = logging.StreamHandler(sys.stdout)
    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
        "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if level in ("DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL", "FATAL"):
        root.setLevel("WARNING" if level == "WARN" else "CRITICAL" if level == "FATAL" else level)


# --------------------------------------------------------------------------------------------
# The loop


def handle_one(api, handler):
    global current_request_id
    status, headers, body = api.call("GET", "/invocation/next")
    if status != 200:
        fatal("Runtime API answered %d to GET /invocation/next: %r" % (status, body[:200]))
    request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
    if not request_id:
        fatal("Runtime API sent an invocation without Lambda-Runtime-Aws-Request-Id")
    current_request_id = request_id
    trace_id = headers.get("Lambda-Runtime-Trace-Id")
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    elif "_X_AMZN_TRACE_ID" in os.environ:
        del os.environ["_X_AMZN_TRACE_ID"]
    try:
        deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)
    except ValueError:
        deadline_ms = 0
    context = LambdaContext(request_id, deadline_ms,
                            headers.get("Lambda-Runtime-Invoked-Function-Arn"),
                            headers.get("Lambda-Runtime-Cognito-Identity"),
                            headers.get("Lambda-Runtime-Client-Context"),
                            headers.get("Lambda-Runtime-Aws-Tenant-Id"))
    path = "/invocation/" + request_id
    try:
        event = unmarshal(body, headers.get("Content-Type"))
        data, content_type = marshal(handler(event, context))
    except Fault as f:
        log_error(f.error_type, f.message, [])
        data, err_headers = error_request(error_body(f.error_type, f.message, [], request_id))
        api.post(path + "/error", data, err_headers)
    except Exception as e:
        error_type, message = type(e).__name__, str(e)
        frames = user_frames(e.__traceback__)
        log_error(error_type, message, frames)
        data, err_headers = error_request(error_body(error_type, message, frames, request_id))
        api.post(path + "/error", data, err_headers)
    else:
        api.post(path + "/response", data, {"Content-Type": content_type})
    current_request_id = ""


def main():
    sys.stdout.reconfigure(line_buffering=True)  # a pipe: flush each line, logs arrive promptly
    sys.stderr.reconfigure(line_buffering=True)
    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        fatal("AWS_LAMBDA_RUNTIME_API is not set")
    api = RuntimeAPI(address)
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    # The task root replaces this script's directory at the head of sys.path.
    if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(THIS_FILE):
        sys.path[0] = task_root
    else:
        sys.path.insert(0, task_root)
    # The task root is read-only in Lambda; here it may be a hot-reload source directory, which
    # must not fill with __pycache__ (existing .pyc files are still used).
    sys.dont_write_bytecode = True
    configure_logging()

    try:
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except Fault as f:
        init_failed(api, f.error_type, f.message, [])
    except Exception as e:
        init_failed(api, type(e).__name__, str(e), user_frames(e.__traceback__))

    while True:
        handle_one(api, handler)


if __name__ == "__main__":
    main()
