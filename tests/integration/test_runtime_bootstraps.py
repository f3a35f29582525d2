"""The runtime bootstraps awsemu ships (handlers/runtimes/) and the custom-runtime fixture, run
against a mock Runtime API in this process: no awsemu server is needed.

The mock (`MockRuntimeAPI`) is a small HTTP/1.1 server on 127.0.0.1 with keep-alive: it hands
queued events to `GET /invocation/next` and records every POST (response, error, init error) in
a queue the tests read with a deadline. Each bootstrap runs as Lambda runs it: cwd and
LAMBDA_TASK_ROOT = a copy of the fixture directory, AWS_LAMBDA_RUNTIME_API = the mock.

Run directly for the warm round-trip figures: `python3 tests/integration/test_runtime_bootstraps.py
[EVENTS]` prints events/s and the bootstrap's CPU time per event for each runtime.
"""

import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
import types
import uuid
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "fixtures" / "lambda"
PY_BOOTSTRAP = REPO_ROOT / "handlers" / "runtimes" / "python" / "bootstrap.py"
NODE_BOOTSTRAP = REPO_ROOT / "handlers" / "runtimes" / "nodejs" / "bootstrap.mjs"
PYTHON = shutil.which("python3") or sys.executable  # the machine's python3, as awsemu runs it
NODE = shutil.which("node")
DEADLINE = 15.0  # seconds for anything a bootstrap must do
API = "/2018-06-01/runtime"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:fn"
TRACE_ID = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"

needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


# --------------------------------------------------------------------------------------------
# The mock Runtime API


class Post:
    """One POST a runtime made: kind is "response", "error" or "init_error"."""

    def __init__(self, kind, request_id, headers, body):
        self.kind, self.request_id, self.headers, self.body = kind, request_id, headers, body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "Post(%s, %s, %r)" % (self.kind, self.request_id, self.body[:300])


_CLOSE = object()


class MockRuntimeAPI:
    def __init__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.address = "127.0.0.1:%d" % self.listener.getsockname()[1]
        self.events = queue.Queue()
        self.posts = queue.Queue()
        self.polls = queue.Queue()  # one item per GET next received
        self.connections = 0
        self.lock = threading.Lock()
        self.socks = []
        self.gone = False
        threading.Thread(target=self._accept, daemon=True).start()

    # The test's side

    def push(self, event, request_id=None, headers=None, raw=None):
        """Queues an event (JSON-encoded unless raw bytes are given); returns its request id."""
        request_id = request_id or str(uuid.uuid4())
        hdrs = {"Lambda-Runtime-Aws-Request-Id": request_id,
                "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 60000),
                "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
                "Content-Type": "application/json"}
        hdrs.update(headers or {})
        hdrs = {k: v for k, v in hdrs.items() if v is not None}
        body = raw if raw is not None else json.dumps(event).encode()
        self.events.put((hdrs, body))
        return request_id

    def post(self, timeout=DEADLINE):
        """The next POST a runtime made, waiting at most `timeout` seconds."""
        try:
            return self.posts.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no POST from the runtime within %.0f s" % timeout) from None

    def wait_poll(self, timeout=DEADLINE):
        """Waits until a runtime has sent GET next (and is now blocked in it)."""
        try:
            self.polls.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("runtime never polled next within %.0f s" % timeout) from None

    def disappear(self):
        """The server goes away: listener closed, every connection dropped."""
        self.gone = True
        with self.lock:
            socks = list(self.socks)
        for s in [self.listener] + socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        for _ in socks:
            self.events.put(_CLOSE)

    # The server's side

    def _accept(self):
        while not self.gone:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.lock:
                self.connections += 1
                self.socks.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        rfile = conn.makefile("rb")
        try:
            while self._serve_one(conn, rfile):
                pass
        except OSError:
            pass
        finally:
            rfile.close()
            conn.close()

    def _serve_one(self, conn, rfile):
        line = rfile.readline(65536)
        if not line:
            return False
        method, target, _ = line.decode("latin-1").split(" ", 2)
        headers = {}
        while True:
            h = rfile.readline(65536)
            if h in (b"\r\n", b"\n", b""):
                break
            name, _, value = h.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = self._read_body(rfile, headers)
        if method == "GET" and target == API + "/invocation/next":
            self.polls.put(True)
            item = self.events.get()
            if item is _CLOSE:
                return False
            hdrs, payload = item
            self._reply(conn, 200, payload, hdrs)
            return True
        parts = target.split("/")
        if method == "POST" and target == API + "/init/error":
            self.posts.put(Post("init_error", None, headers, body))
        elif method == "POST" and target.startswith(API + "/invocation/") and len(parts) == 6 \
                and parts[5] in ("response", "error"):
            self.posts.put(Post(parts[5], parts[4], headers, body))
        else:
            self._reply(conn, 404, b'{"errorType":"NotFound"}', {})
            return True
        self._reply(conn, 202, b'{"status":"OK"}', {"Content-Type": "application/json"})
        return True

    @staticmethod
    def _read_body(rfile, headers):
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(rfile.readline().split(b";")[0], 16)
                if size == 0:
                    rfile.readline()
                    return b"".join(chunks)
                chunks.append(rfile.read(size))
                rfile.readline()
        n = int(headers.get("content-length", "0") or 0)
        return rfile.read(n) if n else b""

    @staticmethod
    def _reply(conn, status, body, headers):
        head = "HTTP/1.1 %d X\r\nContent-Length: %d\r\n" % (status, len(body))
        head += "".join("%s: %s\r\n" % kv for kv in headers.items())
        conn.sendall(head.encode("latin-1") + b"\r\n" + body)


# --------------------------------------------------------------------------------------------
# Starting bootstraps


class Runtime:
    """A bootstrap process; stdout and stderr go to files (read them after it exits)."""

    def __init__(self, argv, code_dir, handler, api, env=None):
        self.dir = Path(code_dir)
        self.out_path = self.dir.parent / ("%s.stdout" % self.dir.name)
        self.err_path = self.dir.parent / ("%s.stderr" % self.dir.name)
        full_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(self.dir),
            "PYTHONDONTWRITEBYTECODE": "1",
            "AWS_LAMBDA_RUNTIME_API": api.address,
            "_HANDLER": handler,
            "LAMBDA_TASK_ROOT": str(self.dir),
            "AWS_LAMBDA_FUNCTION_NAME": "fn",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2024/01/31/[$LATEST]0123456789abcdef0123456789abcdef",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        full_env.update(env or {})
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen([str(a) for a in argv], cwd=self.dir, env=full_env,
                                         stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                         start_new_session=True)

    def wait(self, timeout=DEADLINE):
        return self.proc.wait(timeout=timeout)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 9)
            self.proc.wait(timeout=DEADLINE)
        return self.stdout(), self.stderr()

    def stdout(self):
        return self.out_path.read_text(errors="replace")

    def stderr(self):
        return self.err_path.read_text(errors="replace")


def code_copy(tmp_path, fixture, files=None):
    """A copy of fixtures/lambda/<fixture> (or an empty directory) plus `files` {name: text}."""
    dest = tmp_path / (fixture or "code")
    if fixture:
        shutil.copytree(FIXTURES / fixture, dest)
    else:
        dest.mkdir()
    for name, text in (files or {}).items():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).write_text(text)
    return dest


def argv_for(kind, code_dir):
    if kind == "python":
        return [PYTHON, PY_BOOTSTRAP]
    if kind == "node":
        return [NODE, NODE_BOOTSTRAP]
    return [Path(code_dir) / "bootstrap"]


@pytest.fixture
def api():
    mock = MockRuntimeAPI()
    yield mock
    if not mock.gone:
        mock.disappear()


@pytest.fixture
def start(tmp_path, api):
    """start(kind, fixture, handler, files=None, env=None) -> Runtime; killed at teardown."""
    started = []

    def _start(kind, fixture, handler, files=None, env=None):
        code = code_copy(tmp_path, fixture, files)
        rt = Runtime(argv_for(kind, code), code, handler, api, env)
        started.append(rt)
        return rt

    yield _start
    for rt in started:
        rt.stop()


def expect_init_error(api, rt, error_type):
    post = api.post()
    assert post.kind == "init_error", post
    assert post.headers.get("lambda-runtime-function-error-type") == error_type
    body = post.json()
    assert body["errorType"] == error_type
    assert rt.wait() == 1, "the runtime exits with status 1 after an init error"
    return body


# --------------------------------------------------------------------------------------------
# Echo through every runtime


ECHO_CASES = [
    ("python", "python_echo", "handler.handler", lambda e: e),
    pytest.param("node", "node_cjs", "index.handler", lambda e: e, marks=needs_node),
    pytest.param("node", "node_esm", "index.handler", lambda e: dict(e, esm=True),
                 marks=needs_node),
    pytest.param("node", "node_typemodule", "index.handler", lambda e: dict(e, typemodule=True),
                 marks=needs_node),
    ("provided", "provided_sh", "unused", lambda e: {"provided": True, "echo": e}),
]


@pytest.mark.parametrize("kind,fixture,handler,expected", ECHO_CASES,
                         ids=["python", "node_cjs", "node_esm", "node_typemodule", "provided"])
def test_echo(api, start, kind, fixture, handler, expected):
    rt = start(kind, fixture, handler)
    events = [{"n": i, "text": "h\u00e9llo", "nested": {"list": [1, 2.5, None, True]}}
              for i in range(3)]
    ids = [api.push(e) for e in events]
    for event, request_id in zip(events, ids):
        post = api.post()
        assert (post.kind, post.request_id) == ("response", request_id), post
        assert post.json() == expected(event)
    if kind != "provided":  # urllib opens a connection per request
        assert api.connections == 1, "one keep-alive connection serves every call"
    assert rt.proc.poll() is None


def test_provided_bootstrap_is_executable():
    """The custom runtime contract: bootstrap "must be executable" (reference §6.2)."""
    assert os.access(FIXTURES / "provided_sh" / "bootstrap", os.X_OK)


# --------------------------------------------------------------------------------------------
# Python


def test_python_handler_exception(api, start):
    rt = start("python", "python_ops", "app.fail")
    for _ in range(2):  # the process survives a handler error
        request_id = api.push({})
        post = api.post()
        assert (post.kind, post.request_id) == ("error", request_id)
        assert post.headers.get("lambda-runtime-function-error-type") == "Exception"
        body = post.json()
        app = rt.dir / "app.py"
        line = next(i for i, t in enumerate(app.read_text().splitlines(), 1)
                    if 'raise Exception("Handler fails")' in t)
        assert body == {
            "errorMessage": "Handler fails", "errorType": "Exception", "requestId": request_id,
            "stackTrace": ['  File "%s", line %d, in fail\n    raise Exception("Handler fails")\n'
                           % (app, line)],
        }
    _, err = rt.stop()
    assert "[ERROR] Exception: Handler fails\nTraceback (most recent call last):\n" in err


def test_python_nested_traceback_and_custom_exception(api, start):
    code = ("class CustomError(Exception):\n    pass\n\n\ndef inner():\n"
            "    raise CustomError('deep')\n\n\ndef handler(event, context):\n    inner()\n")
    start("python", None, "sub/mod.handler", files={"sub/mod.py": code})
    api.push({})
    body = api.post().json()
    assert (body["errorType"], body["errorMessage"]) == ("CustomError", "deep")
    assert [f.split("\n")[0].rsplit(" ", 1)[1] for f in body["stackTrace"]] == ["handler", "inner"]


@pytest.mark.parametrize("fixture,handler,error_type,message", [
    ("python_echo", "handler", "Runtime.MalformedHandlerName",
     "Bad handler 'handler': not enough values to unpack (expected 2, got 1)"),
    ("python_echo", "nosuch.handler", "Runtime.ImportModuleError",
     "Unable to import module 'nosuch': No module named 'nosuch'"),
    ("python_echo", "handler.nothere", "Runtime.HandlerNotFound",
     "Handler 'nothere' missing on module 'handler'"),
    ("python_import_error", "handler.handler", "Runtime.ImportModuleError",
     "Unable to import module 'handler': No module named 'awsemu_missing_dependency'"),
    ("python_syntax_error", "handler.handler", "Runtime.UserCodeSyntaxError",
     "Syntax error in module 'handler': "),
    ("python_echo", "sys.handler", "Runtime.BuiltInModuleConflict",
     "Cannot use built-in module sys as a handler module"),
])
def test_python_init_errors(api, start, fixture, handler, error_type, message):
    rt = start("python", fixture, handler)
    body = expect_init_error(api, rt, error_type)
    assert body["errorMessage"].startswith(message)
    if not message.endswith(": "):
        assert body["errorMessage"] == message
    assert (body["requestId"], body["stackTrace"]) == ("", [])
    assert "[ERROR] %s: %s" % (error_type, message) in rt.stderr()


def test_python_module_level_exception_is_an_init_error(api, start):
    rt = start("python", None, "boom.handler", files={"boom.py": "raise ValueError('at import')\n"})
    body = expect_init_error(api, rt, "ValueError")
    assert body["errorMessage"] == "at import"
    assert body["stackTrace"] and "boom.py" in body["stackTrace"][0]


def test_python_handler_in_subdirectory(api, start):
    start("python", None, "src/pkg/app.handler",
          files={"src/pkg/app.py": "def handler(e, c):\n    return {'sub': e}\n"})
    api.push([1])
    assert api.post().json() == {"sub": [1]}


def test_python_context_and_trace_id(api, start):
    start("python", "python_ops", "app.env")
    deadline = int(time.time() * 1000) + 5000
    cc = {"custom": {"k": "v"}, "env": {"platform": "test"}, "client": {"app_title": "t"}}
    identity = {"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}
    request_id = api.push({"keys": ["AWS_LAMBDA_FUNCTION_NAME"]}, headers={
        "Lambda-Runtime-Deadline-Ms": str(deadline),
        "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN + ":live",
        "Lambda-Runtime-Trace-Id": TRACE_ID,
        "Lambda-Runtime-Client-Context": json.dumps(cc),
        "Lambda-Runtime-Cognito-Identity": json.dumps(identity)})
    out = api.post().json()
    ctx = out["context"]
    assert 0 < ctx.pop("remaining_time_in_millis") <= 5000
    assert ctx == {
        "function_name": "fn", "function_version": "$LATEST",
        "invoked_function_arn": FUNCTION_ARN + ":live", "memory_limit_in_mb": "128",
        "aws_request_id": request_id, "log_group_name": "/aws/lambda/fn",
        "log_stream_name": "2024/01/31/[$LATEST]0123456789abcdef0123456789abcdef",
        "identity": {"cognito_identity_id": "id-1", "cognito_identity_pool_id": "pool-1"},
        "client_context": {"custom": {"k": "v"}, "env": {"platform": "test"}},
    }
    assert out["env"]["_X_AMZN_TRACE_ID"] == TRACE_ID
    assert out["env"]["_HANDLER"] == "app.env"
    assert out["cwd"] == out["env"]["LAMBDA_TASK_ROOT"]
    # The next invocation has no trace header, no deadline: the variable is gone, time is 0.
    api.push({}, headers={"Lambda-Runtime-Deadline-Ms": None})
    out = api.post().json()
    assert "_X_AMZN_TRACE_ID" not in out["env"]
    assert out["context"]["remaining_time_in_millis"] == 0
    assert out["context"]["identity"] == {"cognito_identity_id": None,
                                          "cognito_identity_pool_id": None}
    assert out["context"]["client_context"] is None


def test_python_marshal_and_unmarshal_errors(api, start):
    code = ("import decimal\n\ndef handler(e, c):\n"
            "    return {1, 2} if e == 'set' else decimal.Decimal('1.5')\n")
    start("python", None, "h.handler", files={"h.py": code})
    request_id = api.push("set")
    post = api.post()
    assert post.kind == "error"
    assert post.json() == {"errorType": "Runtime.MarshalError", "requestId": request_id,
                           "errorMessage": "Unable to marshal response: Object of type set is "
                                           "not JSON serializable", "stackTrace": []}
    api.push(None, raw=b"{not json")
    post = api.post()
    assert post.headers.get("lambda-runtime-function-error-type") == "Runtime.UnmarshalError"
    assert post.json()["errorMessage"].startswith("Unable to unmarshal input: Expecting")
    api.push("decimal")
    assert api.post().body == b"1.5"


def test_python_logs(api, start):
    code = ("import logging\n\ndef handler(e, c):\n    print('printed')\n"
            "    logging.getLogger().warning('warned %s', 1)\n"
            "    logging.getLogger().info('hidden')\n"
            "    return None\n")
    rt = start("python", None, "h.handler", files={"h.py": code})
    request_id = api.push({})
    assert api.post().body == b"null"
    out, _ = rt.stop()
    lines = out.splitlines()
    assert lines[0] == "printed"
    level, stamp, rid, msg = lines[1].split("\t")
    assert (level, rid, msg) == ("[WARNING]", request_id, "warned 1")
    time.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ")  # e.g. 2024-01-31T12:00:00.123Z
    assert len(stamp) == 24
    assert "hidden" not in out


def test_python_ops_log(api, start):
    rt = start("python", "python_ops", "app.log")
    api.push({"lines": 3})
    assert api.post().json() == 3
    out, err = rt.stop()
    assert out.splitlines() == ["stdout line %d" % i for i in range(3)]
    assert err.splitlines() == ["stderr line %d" % i for i in range(3)]


def test_python_big_response(api, start):
    start("python", "python_ops", "app.big")
    api.push({"bytes": 1 << 20})
    assert api.post().json() == "x" * (1 << 20)


def test_python_exit_handler(api, start):
    rt = start("python", "python_ops", "app.exit")
    api.push({"code": 7})
    assert rt.wait() == 7
    assert api.posts.empty()


def test_python_child_logs_grandchild(api, start):
    rt = start("python", "python_ops", "app.child")
    api.push({"seconds": 0})
    pid = api.post().json()["grandchild"]
    try:
        assert "grandchild %d" % pid in rt.stdout()
        assert os.getpgid(pid) == rt.proc.pid, "the grandchild stays in the runtime's group"
    finally:
        rt.stop()  # kills the group, grandchild included


# --------------------------------------------------------------------------------------------
# Node.js


@needs_node
def test_node_callback_handler(api, start):
    start("node", "node_cjs", "index.callback")
    api.push({"a": 1})
    assert api.post().json() == {"callback": True, "echo": {"a": 1}}


@needs_node
@pytest.mark.parametrize("fixture", ["node_cjs", "node_esm"])
def test_node_handler_error(api, start, fixture):
    rt = start("node", fixture, "index.fail")
    for _ in range(2):
        request_id = api.push({})
        post = api.post()
        assert (post.kind, post.request_id) == ("error", request_id)
        assert post.headers.get("lambda-runtime-function-error-type") == "Error"
        body = post.json()
        assert set(body) == {"errorType", "errorMessage", "trace"}
        assert (body["errorType"], body["errorMessage"]) == ("Error", "boom")
        assert body["trace"][0] == "Error: boom"
        assert "index." in body["trace"][1] and body["trace"][1].startswith("    at ")
    _, err = rt.stop()
    assert "\tERROR\tInvoke Error \t" in err


@needs_node
@pytest.mark.parametrize("fixture,handler,files,error_type,message", [
    ("node_cjs", "index", None, "Runtime.MalformedHandlerName", "Bad handler"),
    ("node_cjs", "../node_cjs/index.handler", None, "Runtime.MalformedHandlerName",
     "'../node_cjs/index.handler' is not a valid handler name. Use absolute paths when "
     "specifying root directories in handler names."),
    ("node_cjs", "nosuch.handler", None, "Runtime.ImportModuleError",
     "Error: Cannot find module 'nosuch'"),
    ("node_cjs", "index.nothere", None, "Runtime.HandlerNotFound",
     "index.nothere is undefined or not exported"),
    ("node_esm", "index.nothere", None, "Runtime.HandlerNotFound",
     "index.nothere is undefined or not exported"),
    (None, "bad.handler", {"bad.js": "exports.handler = async (e) => {\n"},
     "Runtime.UserCodeSyntaxError", "SyntaxError: "),
    (None, "bad.handler", {"bad.mjs": "export const handler = ;\n"},
     "Runtime.UserCodeSyntaxError", "SyntaxError: "),
    (None, "dep.handler", {"dep.js": "require('awsemu-missing-package');\n"},
     "Runtime.ImportModuleError", "Error: Cannot find module 'awsemu-missing-package'"),
    (None, "cfg.handler", {"cfg.js": "exports.handler = 42;\n"},
     "Runtime.HandlerNotFound", "cfg.handler is not a function"),
])
def test_node_init_errors(api, start, fixture, handler, files, error_type, message):
    rt = start("node", fixture, handler, files=files)
    body = expect_init_error(api, rt, error_type)
    assert body["errorMessage"].startswith(message)
    assert isinstance(body["trace"], list)
    assert "\tERROR\tUncaught Exception \t" in rt.stderr()


@needs_node
@pytest.mark.parametrize("handler,expected", [
    ("lib/index.handlers.main", "js"),
    ("lib/other.handlers.main", "mjs"),
    ("lib/plain.handlers.main", "extensionless"),
    ("lib/only.handlers.main", "cjs"),
])
def test_node_lookup_order(api, start, handler, expected):
    """Extension-less file, then .js, then .mjs, then .cjs (reference §6.3)."""
    files = {
        "lib/index.js": "exports.handlers = { main: async () => 'js' };\n",
        "lib/index.mjs": "export const handlers = { main: async () => 'mjs' };\n",
        "lib/other.mjs": "export const handlers = { main: async () => 'mjs' };\n",
        "lib/other.cjs": "exports.handlers = { main: async () => 'cjs' };\n",
        "lib/plain": "exports.handlers = { main: async () => 'extensionless' };\n",
        "lib/plain.js": "exports.handlers = { main: async () => 'js' };\n",
        "lib/only.cjs": "exports.handlers = { main: async () => 'cjs' };\n",
    }
    start("node", None, handler, files=files)
    api.push({})
    assert api.post().json() == expected


@needs_node
def test_node_context_and_trace_id(api, start):
    start("node", "node_cjs", "index.env")
    deadline = int(time.time() * 1000) + 5000
    cc = {"custom": {"k": "v"}, "env": {}, "client": {}}
    identity = {"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}
    request_id = api.push({}, headers={
        "Lambda-Runtime-Deadline-Ms": str(deadline), "Lambda-Runtime-Trace-Id": TRACE_ID,
        "Lambda-Runtime-Client-Context": json.dumps(cc),
        "Lambda-Runtime-Cognito-Identity": json.dumps(identity)})
    out = api.post().json()
    ctx = out["context"]
    assert 0 < ctx.pop("remainingTimeInMillis") <= 5000
    assert ctx == {
        "functionName": "fn", "functionVersion": "$LATEST", "invokedFunctionArn": FUNCTION_ARN,
        "memoryLimitInMB": "128", "awsRequestId": request_id, "logGroupName": "/aws/lambda/fn",
        "logStreamName": "2024/01/31/[$LATEST]0123456789abcdef0123456789abcdef",
        "callbackWaitsForEmptyEventLoop": True, "clientContext": cc, "identity": identity,
    }
    assert out["env"]["_X_AMZN_TRACE_ID"] == TRACE_ID
    assert out["cwd"] == out["env"]["LAMBDA_TASK_ROOT"]
    api.push({}, headers={"Lambda-Runtime-Deadline-Ms": None})
    out = api.post().json()
    assert "_X_AMZN_TRACE_ID" not in out["env"]
    assert out["context"]["remainingTimeInMillis"] == 0


@needs_node
def test_node_sync_return_is_ignored(api, start):
    """A non-async handler's return value is ignored: Lambda answers null once the event loop is
    empty."""
    start("node", None, "h.sync", files={"h.js": "exports.sync = (e) => ({ ignored: true });\n"})
    api.push({})
    assert api.post().body == b"null"


@needs_node
@pytest.mark.parametrize("nowait", [False, True])
def test_node_callback_waits_for_empty_loop(api, start, nowait):
    """The callback's result is sent once the event loop is empty, or at once when
    context.callbackWaitsForEmptyEventLoop is false."""
    code = (
        "exports.h = (event, context, callback) => {\n"
        "  if (event.nowait) context.callbackWaitsForEmptyEventLoop = false;\n"
        "  setTimeout(() => console.log('timer done'), 1000);\n"
        "  callback(null, Date.now());\n"
        "};\n")
    rt = start("node", None, "h.h", files={"h.js": code})
    api.push({"nowait": nowait})
    called = api.post().json()
    waited = time.time() * 1000 - called
    if nowait:
        assert waited < 1000
    else:
        assert waited >= 990 and "timer done" in rt.stdout()


@needs_node
def test_node_console_format(api, start):
    code = ("exports.h = async (e) => {\n"
            "  console.log('hello %s', 'x');\n  console.error('bad');\n  return 1;\n};\n")
    rt = start("node", None, "h.h", files={"h.js": code})
    request_id = api.push({})
    assert api.post().json() == 1
    out, _ = rt.stop()
    lines = [line.split("\t") for line in out.splitlines()]
    assert [(rid, level, msg) for _, rid, level, msg in lines] == [
        (request_id, "INFO", "hello x"), (request_id, "ERROR", "bad")]
    assert lines[0][0].endswith("Z") and len(lines[0][0]) == 24


@needs_node
def test_node_unhandled_rejection_reports_then_exits(api, start):
    code = ("exports.h = (event, context, callback) => {\n"
            "  Promise.reject(new TypeError('lost'));\n"
            "  setTimeout(() => callback(null, 'late'), 2000);\n"
            "};\n")
    rt = start("node", None, "h.h", files={"h.js": code})
    request_id = api.push({})
    post = api.post()
    assert (post.kind, post.request_id) == ("error", request_id)
    body = post.json()
    assert body["errorType"] == "Runtime.UnhandledPromiseRejection"
    assert body["errorMessage"] == "TypeError: lost"
    assert rt.wait() != 0


@needs_node
def test_node_uncaught_exception_reports_then_exits(api, start):
    code = ("exports.h = async () => {\n"
            "  setTimeout(() => { throw new RangeError('late'); }, 1);\n"
            "  return new Promise(() => {});\n};\n")
    rt = start("node", None, "h.h", files={"h.js": code})
    api.push({})
    body = api.post().json()
    assert (body["errorType"], body["errorMessage"]) == ("RangeError", "late")
    assert rt.wait() != 0


# --------------------------------------------------------------------------------------------
# The server going away


SERVER_GONE_IDS = ["python", "node", "provided"]
SERVER_GONE_CASES = [
    ("python", "python_echo", "handler.handler"),
    pytest.param("node", "node_cjs", "index.handler", marks=needs_node),
    ("provided", "provided_sh", "unused"),
]


@pytest.mark.parametrize("kind,fixture,handler", SERVER_GONE_CASES, ids=SERVER_GONE_IDS)
@pytest.mark.parametrize("after_invoke", [False, True], ids=["first-poll", "warm"])
def test_exit_when_server_disappears(api, start, kind, fixture, handler, after_invoke):
    rt = start(kind, fixture, handler)
    if after_invoke:
        api.push({})
        assert api.post().kind == "response"
    api.wait_poll()
    api.disappear()
    assert rt.wait() != 0


@pytest.mark.parametrize("kind,fixture,handler", SERVER_GONE_CASES, ids=SERVER_GONE_IDS)
def test_exit_when_no_server(tmp_path, kind, fixture, handler):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        address = "127.0.0.1:%d" % s.getsockname()[1]

    code = code_copy(tmp_path, fixture)
    rt = Runtime(argv_for(kind, code), code, handler, types.SimpleNamespace(address=address))
    try:
        assert rt.wait() != 0
    finally:
        rt.stop()


# --------------------------------------------------------------------------------------------
# Warm round trips


def measure(kind, fixture, handler, events, tmp_path):
    """(events/s, bootstrap CPU µs per event) over `events` warm invocations."""
    api = MockRuntimeAPI()
    code = code_copy(tmp_path, fixture)
    rt = Runtime(argv_for(kind, code), code, handler, api)
    try:
        api.push({"warm": True})  # the cold start is not measured
        api.post()
        with open("/proc/%d/stat" % rt.proc.pid) as f:
            cpu0 = sum(int(x) for x in f.read().rsplit(")", 1)[1].split()[11:13])
        t0 = time.perf_counter()
        for i in range(events):
            api.push({"i": i})
            api.post()
        elapsed = time.perf_counter() - t0
        with open("/proc/%d/stat" % rt.proc.pid) as f:
            cpu1 = sum(int(x) for x in f.read().rsplit(")", 1)[1].split()[11:13])
        cpu_us = (cpu1 - cpu0) * 1e6 / os.sysconf("SC_CLK_TCK") / events
        return events / elapsed, cpu_us
    finally:
        api.disappear()
        rt.stop()


@pytest.mark.parametrize("kind,fixture,handler", [
    ("python", "python_echo", "handler.handler"),
    pytest.param("node", "node_cjs", "index.handler", marks=needs_node),
], ids=["python", "node"])
def test_warm_round_trips_are_fast(tmp_path, kind, fixture, handler):
    rate, _ = measure(kind, fixture, handler, 300, tmp_path)
    assert rate > 200, "%.0f events/s" % rate


if __name__ == "__main__":
    import tempfile

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    for kind, fixture, handler in [("python", "python_echo", "handler.handler"),
                                   ("node", "node_cjs", "index.handler"),
                                   ("provided", "provided_sh", "unused")]:
        with tempfile.TemporaryDirectory() as d:
            rate, cpu = measure(kind, fixture, handler, n, Path(d))
            print("%-8s %6d events: %7.0f events/s, %6.0f us/event round trip, bootstrap CPU "
                  "%5.0f us/event" % (kind, n, rate, 1e6 / rate, cpu))
