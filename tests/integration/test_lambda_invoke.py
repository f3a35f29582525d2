"""Running handlers through Invoke, as a user does it with boto3 (wire reference §5, §6):
RequestResponse for every runtime awsemu ships, Event and DryRun, function errors (exceptions,
init failures, exits, timeouts with their process group), LogType Tail, the handler's
environment, a handler calling DynamoDB back through AWS_ENDPOINT_URL, throttling (reserved and
global concurrency), payload limits and errors, asynchronous retries on the emulator clock with
destinations, queued events across a restart and a `kill -9`, and no handler process outliving
the server (DESIGN invariants 4 and 6).

Handlers are the fixtures under fixtures/lambda/ (python_recorder is this file's own). They run
under HANDLER_PYTHON, passed with --python: a python3 whose boto3 reads AWS_ENDPOINT_URL
(>= 1.28), since the ddb and recorder handlers name no endpoint."""

import base64
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import (DEFAULT_ACCOUNT, LAMBDA_ROLE, REPO_ROOT, Server, assert_raw_error,
                      expect_error, function_arn, http_request, make_boto3_client, poll_until,
                      unique_name)

FIXTURES = REPO_ROOT / "fixtures" / "lambda"
DEADLINE = 15.0  # seconds for anything asynchronous to become visible
SYNC_MAX = 6291456  # §5: "Request must be smaller than 6291456 bytes"
ASYNC_MAX = 1048576  # §5: "1 MB since Oct 2025"
RESPONSE_MAX = 6291556  # §5: "RIE: 6 MiB + 100 = 6291556 bytes"
LATEST = "$LATEST"


def _handler_python():
    """The first python3 (PATH's, then this one) whose boto3 honours AWS_ENDPOINT_URL."""
    for candidate in (shutil.which("python3"), sys.executable):
        if not candidate:
            continue
        try:
            out = subprocess.run(
                [candidate, "-c", "import sys, boto3; print(sys.executable); "
                                  "print(boto3.__version__)"],
                capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired):
            continue
        lines = out.stdout.split()
        if out.returncode == 0 and len(lines) == 2:
            version = tuple(int(x) for x in re.findall(r"\d+", lines[1])[:2])
            if version >= (1, 28):
                return lines[0]
    return "python3"


HANDLER_PYTHON = _handler_python()


@pytest.fixture(scope="module")
def server():
    """This module's server: conftest's, with the handler interpreter given explicitly."""
    srv = Server("--python", HANDLER_PYTHON).start()
    yield srv
    srv.finish()


# --------------------------------------------------------------------------------------------
# Helpers

_zips = {}


def fixture_zip(fixture):
    """The fixture directory as a zip, mode bits kept (a bootstrap must stay executable)."""
    if fixture not in _zips:
        root = FIXTURES / fixture
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(root.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    info = zipfile.ZipInfo(str(path.relative_to(root)))
                    info.external_attr = (path.stat().st_mode & 0xFFFF) << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    z.writestr(info, path.read_bytes())
        _zips[fixture] = buf.getvalue()
    return _zips[fixture]


def create_fn(lam, fixture, handler, runtime="python3.12", name=None, env=None, **kwargs):
    name = name or unique_name(fixture.replace("_", "-"))
    if env is not None:
        kwargs["Environment"] = {"Variables": env}
    resp = lam.create_function(FunctionName=name, Runtime=runtime, Role=LAMBDA_ROLE,
                               Handler=handler, Code={"ZipFile": fixture_zip(fixture)}, **kwargs)
    assert resp["State"] == "Active", resp
    return name


class Invoked:
    """A sync Invoke's outcome as boto3 returns it."""

    def __init__(self, resp):
        self.resp = resp
        self.status = resp["StatusCode"]
        self.headers = resp["ResponseMetadata"]["HTTPHeaders"]
        self.request_id = resp["ResponseMetadata"]["RequestId"]
        self.payload = resp["Payload"].read()
        self.function_error = resp.get("FunctionError")
        self.executed_version = resp.get("ExecutedVersion")
        self.log = base64.b64decode(resp["LogResult"]).decode() if "LogResult" in resp else None

    def json(self):
        return json.loads(self.payload)

    def __repr__(self):
        return f"<{self.status} {self.function_error} {self.payload[:1000]!r}>"


def invoke(lam, name, event=None, *, payload=None, **kwargs):
    if payload is None:
        payload = json.dumps({} if event is None else event).encode()
    return Invoked(lam.invoke(FunctionName=name, Payload=payload, **kwargs))


def assert_ok(out, expected=None):
    assert out.status == 200, out
    assert out.function_error is None, out
    assert "x-amz-function-error" not in out.headers, out.headers
    assert out.executed_version == LATEST, out.headers
    if expected is not None:
        assert out.json() == expected, out
    return out.json()


def assert_function_error(out, error_type, message=None):
    """§5: 200, X-Amz-Function-Error: Unhandled, the error object in the body."""
    assert out.status == 200, out
    assert out.function_error == "Unhandled", out
    assert out.headers.get("x-amz-function-error") == "Unhandled", out.headers
    body = out.json()
    assert body.get("errorType") == error_type, body
    if isinstance(message, re.Pattern):
        assert message.search(body.get("errorMessage", "")), body
    elif message is not None:
        assert body.get("errorMessage") == message, body
    return body


def invocations_path(name, query=""):
    return f"/2015-03-31/functions/{quote(name, safe='')}/invocations{query}"


def raw_invoke(url, name, body=b"{}", headers=None, query=""):
    return http_request(url, "POST", invocations_path(name, query), body, headers or {})


def admin(url, method, path, payload=None):
    body = None if payload is None else json.dumps(payload).encode()
    resp = http_request(url, method, path, body,
                        {"Content-Type": "application/json"} if body else {})
    assert resp.status == 200, f"{method} {path}: {resp!r}"
    return resp.json()


def instances(url, fn=None):
    found = admin(url, "GET", "/_awsemu/lambda/instances")["instances"]
    return [i for i in found if fn is None or i["function"] == fn]


def queued(url, request_id=None):
    found = admin(url, "GET", "/_awsemu/lambda/async")["queued"]
    return [e for e in found if request_id is None or e["request_id"] == request_id]


def clock_now(url):
    return admin(url, "GET", "/_awsemu/clock")["now"]


def advance_clock(url, seconds):
    admin(url, "POST", "/_awsemu/clock", {"advance_seconds": seconds})


def wait_busy(url, fn, timeout=DEADLINE):
    """The busy instance of `fn` once there is one (a sync invoke has reached its handler)."""
    found = poll_until(lambda: [i for i in instances(url, fn) if i["state"] == "busy"],
                       timeout=timeout)
    assert found, f"no busy instance of {fn} within {timeout:.0f}s: {instances(url)}"
    return found[0]


def wait_idle(url, fn, timeout=DEADLINE):
    """Every instance of `fn` idle (its runtime waiting in `next`)."""
    ok = poll_until(lambda: all(i["state"] == "idle" for i in instances(url, fn)),
                    timeout=timeout)
    assert ok, f"instances of {fn} not idle within {timeout:.0f}s: {instances(url, fn)}"


def pid_gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def assert_pids_gone(pids, timeout=DEADLINE, what="process"):
    alive = poll_until(lambda: [p for p in pids if not pid_gone(p)] == [], timeout=timeout)
    assert alive, f"{what} still running {timeout:.0f}s later: " \
                  f"{[p for p in pids if not pid_gone(p)]}"


def event_invoke(lam, name, event):
    resp = lam.invoke(FunctionName=name, InvocationType="Event",
                      Payload=json.dumps(event).encode())
    assert resp["StatusCode"] == 202, resp
    assert resp["Payload"].read() == b""
    assert "FunctionError" not in resp
    return resp["ResponseMetadata"]["RequestId"]


class InvokeThread(threading.Thread):
    """A sync invoke on its own client and thread; `result` is an Invoked or the exception."""

    def __init__(self, url, name, event, region="us-east-1"):
        super().__init__(daemon=True)
        self.client = make_boto3_client(url, "lambda", region)
        self.name, self.event, self.result = name, event, None

    def run(self):
        try:
            self.result = invoke(self.client, self.name, self.event)
        except Exception as e:  # noqa: BLE001 (handed to the test)
            self.result = e

    def outcome(self, timeout=DEADLINE * 2):
        self.join(timeout)
        assert not self.is_alive(), f"invoke of {self.name} still running after {timeout}s"
        return self.result


def throttle_reason(exc):
    """Reason from a botocore TooManyRequestsException (modeled member, merged at the top of
    the parsed response)."""
    return exc.response.get("Reason") or exc.response["Error"].get("Reason")


@pytest.fixture(scope="module")
def record_table(ddb):
    """A table the ddb and recorder handlers write to (pk: S)."""
    name = unique_name("records")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    return name


def get_item(ddb, table, pk):
    return ddb.get_item(TableName=table, Key={"pk": {"S": pk}}, ConsistentRead=True).get("Item")


def wait_item(ddb, table, pk, timeout=DEADLINE):
    item = poll_until(lambda: get_item(ddb, table, pk), timeout=timeout, interval=0.1)
    assert item, f"item {pk!r} never appeared in {table} within {timeout:.0f}s"
    return item


def attempts_of(ddb, table, event_id):
    """The attempts the recorder handlers stored for event `event_id`, oldest first."""
    items, start = [], None
    while True:
        kwargs = dict(TableName=table, ConsistentRead=True,
                      FilterExpression="begins_with(pk, :p)",
                      ExpressionAttributeValues={":p": {"S": f"{event_id}#attempt#"}})
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = ddb.scan(**kwargs)
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return sorted((json.loads(i["body"]["S"]) | {"at": float(i["at"]["N"])}
                           for i in items), key=lambda a: a["at"])


def wait_attempts(ddb, table, event_id, n, timeout=DEADLINE):
    got = poll_until(lambda: len(attempts_of(ddb, table, event_id)) >= n, timeout=timeout,
                     interval=0.1)
    found = attempts_of(ddb, table, event_id)
    assert got and len(found) == n, f"expected {n} attempts of {event_id}, saw {len(found)}"
    return found


def wait_record(ddb, table, request_id, timeout=DEADLINE):
    item = wait_item(ddb, table, f"record#{request_id}", timeout)
    return json.loads(item["body"]["S"])


def queue_entry(url, request_id, attempts, timeout=DEADLINE):
    """The queued event `request_id` once its attempt count reaches `attempts`."""
    found = poll_until(lambda: [e for e in queued(url, request_id) if e["attempts"] == attempts],
                       timeout=timeout)
    assert found, f"event {request_id} never queued with {attempts} attempts: {queued(url)}"
    return found[0]


# --------------------------------------------------------------------------------------------
# RequestResponse, Event, DryRun

ECHO_CASES = [
    # (fixture, runtime, handler, event, expected reply)
    ("python_echo", "python3.12", "handler.handler", {"a": [1, "x", None]}, {"a": [1, "x", None]}),
    ("node_cjs", "nodejs20.x", "index.handler", {"a": 1}, {"a": 1}),
    ("node_cjs", "nodejs20.x", "index.callback", {"a": 1}, {"callback": True, "echo": {"a": 1}}),
    ("node_esm", "nodejs20.x", "index.handler", {"a": 1}, {"a": 1, "esm": True}),
    ("node_typemodule", "nodejs20.x", "index.handler", {"a": 1}, {"a": 1, "typemodule": True}),
    ("provided_sh", "provided.al2023", "bootstrap", {"a": 1}, {"provided": True, "echo": {"a": 1}}),
]


@pytest.mark.parametrize("fixture,runtime,handler,event,expected", ECHO_CASES,
                         ids=[f"{c[0]}-{c[2]}" for c in ECHO_CASES])
def test_request_response_echo(lam, endpoint, fixture, runtime, handler, event, expected):
    name = create_fn(lam, fixture, handler, runtime)
    first = invoke(lam, name, event)
    assert_ok(first, expected)
    assert first.headers.get("x-amz-executed-version") == LATEST
    assert "x-amz-log-result" not in first.headers  # LogType None (default)
    # The second invoke reuses the warm instance.
    assert_ok(invoke(lam, name, event), expected)
    # One instance, idle again once its runtime asks for the next event.
    wait_idle(endpoint, name)
    [inst] = instances(endpoint, name)
    assert inst["invocations"] == 2, inst


def test_empty_payload_reaches_the_handler_as_empty_object(lam):
    # §5: "Empty payload → function receives {}".
    name = create_fn(lam, "python_echo", "handler.handler")
    out = Invoked(lam.invoke(FunctionName=name))
    assert_ok(out, {})


def test_event_invoke_runs_the_handler_later(lam, ddb, endpoint, record_table):
    name = create_fn(lam, "python_ops", "app.ddb")
    pk = unique_name("event")
    request_id = event_invoke(lam, name, {"table": record_table,
                                          "item": {"pk": {"S": pk}, "v": {"N": "7"}}})
    item = wait_item(ddb, record_table, pk)
    assert item["v"] == {"N": "7"}
    assert poll_until(lambda: queued(endpoint, request_id) == [], timeout=DEADLINE), \
        queued(endpoint)


def test_dry_run_only_checks(lam, endpoint):
    name = create_fn(lam, "python_echo", "handler.handler")
    resp = lam.invoke(FunctionName=name, InvocationType="DryRun", Payload=b'{"a": 1}')
    assert resp["StatusCode"] == 204, resp
    assert resp["Payload"].read() == b""
    assert "FunctionError" not in resp
    assert instances(endpoint, name) == []  # nothing ran
    with expect_error("ResourceNotFoundException", 404):
        lam.invoke(FunctionName=unique_name("missing"), InvocationType="DryRun")


def test_legacy_invoke_async(lam, ddb, endpoint, record_table):
    if not hasattr(lam, "invoke_async"):
        pytest.skip("this botocore has no InvokeAsync")
    name = create_fn(lam, "python_ops", "app.ddb")
    pk = unique_name("legacy")
    resp = lam.invoke_async(FunctionName=name, InvokeArgs=json.dumps(
        {"table": record_table, "item": {"pk": {"S": pk}}}).encode())
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 202, resp
    assert resp["Status"] == 202, resp
    wait_item(ddb, record_table, pk)


# --------------------------------------------------------------------------------------------
# Function errors

def test_python_handler_exception(lam):
    name = create_fn(lam, "python_ops", "app.fail")
    out = invoke(lam, name, {"x": 1})
    body = assert_function_error(out, "Exception", "Handler fails")
    trace = body.get("stackTrace")
    assert isinstance(trace, list) and trace and all(isinstance(t, str) for t in trace), body
    assert any('raise Exception("Handler fails")' in t for t in trace), trace
    # The instance survives a handled exception: the next invoke is warm.
    assert_function_error(invoke(lam, name, {}), "Exception", "Handler fails")


INIT_ERRORS = [
    # (fixture, runtime, handler, errorType, errorMessage)
    ("python_import_error", "python3.12", "handler.handler", "Runtime.ImportModuleError",
     "Unable to import module 'handler': No module named 'awsemu_missing_dependency'"),
    ("python_echo", "python3.12", "handler.nope", "Runtime.HandlerNotFound",
     "Handler 'nope' missing on module 'handler'"),
    ("python_echo", "python3.12", "missing.handler", "Runtime.ImportModuleError",
     "Unable to import module 'missing': No module named 'missing'"),
    ("python_syntax_error", "python3.12", "handler.handler", "Runtime.UserCodeSyntaxError",
     re.compile(r"^Syntax error in module 'handler'")),
    ("python_echo", "python3.12", "nodot", "Runtime.MalformedHandlerName",
     re.compile(r"^Bad handler 'nodot'")),
    ("node_cjs", "nodejs20.x", "index.nope", "Runtime.HandlerNotFound",
     "index.nope is undefined or not exported"),
]


@pytest.mark.parametrize("fixture,runtime,handler,error_type,message", INIT_ERRORS,
                         ids=[f"{c[0]}-{c[2]}" for c in INIT_ERRORS])
def test_init_errors(lam, endpoint, fixture, runtime, handler, error_type, message):
    name = create_fn(lam, fixture, handler, runtime)
    out = invoke(lam, name, {})
    assert_function_error(out, error_type, message)
    # §6: "the environment is then torn down and the pending invoke fails" — and the next
    # invoke tries again with the same outcome.
    assert poll_until(lambda: instances(endpoint, name) == [], timeout=DEADLINE), \
        instances(endpoint, name)
    assert_function_error(invoke(lam, name, {}), error_type, message)


@pytest.mark.parametrize("fixture", ["node_cjs", "node_esm"])
def test_node_handler_error(lam, fixture):
    name = create_fn(lam, fixture, "index.fail", "nodejs20.x")
    body = assert_function_error(invoke(lam, name, {}), "Error", "boom")
    # §5: "Node RIC uses "trace", not "stackTrace"".
    trace = body.get("trace")
    assert isinstance(trace, list) and trace and trace[0] == "Error: boom", body
    assert any("index." in line for line in trace[1:]), trace


def test_exit_is_runtime_exit_error(lam, endpoint):
    name = create_fn(lam, "python_ops", "app.exit")
    out = invoke(lam, name, {"code": 3})
    assert_function_error(out, "Runtime.ExitError", re.compile(
        r"^RequestId: \S+ Error: Runtime exited with error: exit status 3$"))
    assert out.json()["errorMessage"] == \
        f"RequestId: {out.request_id} Error: Runtime exited with error: exit status 3"
    assert poll_until(lambda: instances(endpoint, name) == [], timeout=DEADLINE)


def test_timeout(lam, endpoint):
    name = create_fn(lam, "python_ops", "app.sleep", Timeout=1)
    started = time.monotonic()
    out = invoke(lam, name, {"seconds": 20})
    took = time.monotonic() - started
    # §5: "{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: <id> Error: Task timed
    # out after 3.00 seconds"}" — "The timeout figure is the configured timeout with two
    # decimals."
    assert_function_error(out, "Sandbox.Timedout",
                          f"RequestId: {out.request_id} Error: Task timed out after 1.00 seconds")
    assert 0.9 <= took < 10, took
    # §6: "Timeout: platform kills the process ..., next invoke cold-starts."
    assert poll_until(lambda: instances(endpoint, name) == [], timeout=DEADLINE)
    assert_ok(invoke(lam, name, {"seconds": 0}), {"slept": 0})


def test_timeout_kills_the_process_group(lam, endpoint):
    name = create_fn(lam, "python_ops", "app.child", Timeout=1)
    call = InvokeThread(endpoint, name, {"seconds": 30})
    call.start()
    handler_pid = wait_busy(endpoint, name)["pid"]
    out = call.outcome()
    assert isinstance(out, Invoked), out
    assert_function_error(out, "Sandbox.Timedout",
                          f"RequestId: {out.request_id} Error: Task timed out after 1.00 seconds")
    # The grandchild's pid, from a second invoke with Tail (the first went through a thread).
    out = invoke(lam, name, {"seconds": 30}, LogType="Tail")
    assert_function_error(out, "Sandbox.Timedout")
    assert out.log is not None
    match = re.search(r"^grandchild (\d+)$", out.log, re.M)
    assert match, out.log
    assert "Task timed out after 1.00 seconds" in out.log, out.log
    # DESIGN invariant 6: "Handler processes never outlive ... their timeout".
    assert_pids_gone([handler_pid, int(match.group(1))], what="handler or its grandchild")


# --------------------------------------------------------------------------------------------
# LogType Tail

def test_log_tail(lam):
    name = create_fn(lam, "python_ops", "app.log")
    out = invoke(lam, name, {"lines": 3}, LogType="Tail")
    assert_ok(out, 3)
    assert out.log is not None, out.headers
    lines = out.log.splitlines()
    rid = out.request_id
    assert lines[0] == f"START RequestId: {rid} Version: $LATEST", lines
    assert f"END RequestId: {rid}" in lines, lines
    report = lines[-1]
    assert lines[-2] == f"END RequestId: {rid}", lines
    # §5: "REPORT RequestId: …\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128
    # MB\tMax Memory Used: 35 MB\tInit Duration: 120.56 ms\t" (Init Duration on cold starts).
    assert re.match(rf"^REPORT RequestId: {rid}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms"
                    r"\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: "
                    r"\d+\.\d\d ms\t$", report), repr(report)
    for i in range(3):
        assert f"stdout line {i}" in lines and f"stderr line {i}" in lines, lines
    # Warm: no Init Duration.
    warm = invoke(lam, name, {"lines": 1}, LogType="Tail")
    assert "Init Duration" not in warm.log.splitlines()[-1], warm.log
    assert "stdout line 0" in warm.log and "stdout line 2" not in warm.log, warm.log


def test_log_tail_is_the_last_4_kb(lam):
    name = create_fn(lam, "python_ops", "app.log")
    out = invoke(lam, name, {"lines": 400}, LogType="Tail")
    assert_ok(out, 400)
    raw = base64.b64decode(out.resp["LogResult"])
    # §5: "base64 of the last 4 KB of the invocation's log output".
    assert 3000 < len(raw) <= 4096, len(raw)
    assert not out.log.startswith("START"), out.log[:200]
    assert out.log.splitlines()[-1].startswith(f"REPORT RequestId: {out.request_id}\t")
    assert "stdout line 399" in out.log and "stdout line 0\n" not in out.log


def test_no_log_result_without_tail_or_for_event(lam):
    name = create_fn(lam, "python_echo", "handler.handler")
    out = invoke(lam, name, {}, LogType="None")
    assert_ok(out, {})
    assert out.log is None and "x-amz-log-result" not in out.headers
    resp = lam.invoke(FunctionName=name, InvocationType="Event", LogType="Tail", Payload=b"{}")
    assert resp["StatusCode"] == 202 and "LogResult" not in resp, resp


# --------------------------------------------------------------------------------------------
# Environment

def test_environment_of_a_python_handler(lam, endpoint):
    name = create_fn(lam, "python_ops", "app.env", env={"GREETING": "hello"}, Timeout=7)
    out = invoke(lam, name, {"keys": ["GREETING"]})
    got = assert_ok(out)
    env, ctx = got["env"], got["context"]
    [inst] = instances(endpoint, name)
    # §6.1, reserved variables.
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert env["_HANDLER"] == "app.env"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == LATEST
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == f"/aws/lambda/{name}"
    assert re.match(r"^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$",
                    env["AWS_LAMBDA_LOG_STREAM_NAME"]), env
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["AWS_LAMBDA_RUNTIME_API"] == f"127.0.0.1:{inst['runtime_api_port']}", (env, inst)
    assert env["LAMBDA_TASK_ROOT"] == got["cwd"] and Path(got["cwd"]).is_dir(), got
    assert (Path(got["cwd"]) / "app.py").is_file()
    assert env["AWS_ENDPOINT_URL"] == endpoint  # DESIGN: "pointing back at awsemu"
    assert env["GREETING"] == "hello"
    assert ctx["function_name"] == name and ctx["function_version"] == LATEST
    assert ctx["invoked_function_arn"] == function_arn(name)
    assert ctx["memory_limit_in_mb"] == "128"
    assert ctx["aws_request_id"] == out.request_id
    assert 0 < ctx["remaining_time_in_millis"] <= 7000, ctx

    # UpdateFunctionConfiguration takes effect on the next invoke; the old instance is drained.
    old_pid = inst["pid"]
    lam.update_function_configuration(FunctionName=name,
                                      Environment={"Variables": {"GREETING": "bye"}})
    assert poll_until(lambda: lam.get_function_configuration(FunctionName=name)
                      ["LastUpdateStatus"] == "Successful", timeout=DEADLINE)
    got = assert_ok(invoke(lam, name, {"keys": ["GREETING"]}))
    assert got["env"]["GREETING"] == "bye", got["env"]
    assert_pids_gone([old_pid], what="the instance of the old configuration")
    assert [i["pid"] for i in instances(endpoint, name)] != [old_pid]


def test_environment_in_another_region_and_qualified_arn(make_client):
    lam = make_client("lambda", region="eu-west-1")
    name = create_fn(lam, "python_ops", "app.env")
    got = assert_ok(invoke(lam, name, {}, Qualifier=LATEST))
    assert got["env"]["AWS_REGION"] == "eu-west-1"
    assert got["context"]["invoked_function_arn"] == \
        function_arn(name, region="eu-west-1", qualifier=LATEST)


def test_environment_of_a_node_handler(lam, endpoint):
    name = create_fn(lam, "node_cjs", "index.env", "nodejs20.x", env={"GREETING": "hi"})
    got = assert_ok(invoke(lam, name, {}))
    env = got["env"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name and env["_HANDLER"] == "index.env"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_nodejs20.x"
    assert env["AWS_ENDPOINT_URL"] == endpoint
    assert re.match(r"^127\.0\.0\.1:\d+$", env["AWS_LAMBDA_RUNTIME_API"]), env
    assert env["LAMBDA_TASK_ROOT"] == got["cwd"]
    assert got["context"]["functionName"] == name
    assert got["context"]["invokedFunctionArn"] == function_arn(name)


def test_client_context(lam, endpoint):
    name = create_fn(lam, "python_ops", "app.env")
    cc = {"custom": {"k": "v"}, "env": {"e": "1"}, "client": {}}
    got = assert_ok(invoke(lam, name, {}, ClientContext=base64.b64encode(
        json.dumps(cc).encode()).decode()))
    assert got["context"]["client_context"] == {"custom": {"k": "v"}, "env": {"e": "1"}}, got
    resp = raw_invoke(endpoint, name, headers={"X-Amz-Client-Context": "not base64!"})
    assert_raw_error(resp, "InvalidRequestContentException", 400)


# --------------------------------------------------------------------------------------------
# A handler calling DynamoDB back

def test_handler_calls_dynamodb_through_endpoint_url(lam, ddb, record_table):
    name = create_fn(lam, "python_ops", "app.ddb")
    pk = unique_name("sync")
    item = {"pk": {"S": pk}, "n": {"N": "42"}, "l": {"L": [{"S": "a"}, {"BOOL": True}]}}
    got = assert_ok(invoke(lam, name, {"table": record_table, "item": item}))
    assert got == item  # the handler read it back through awsemu
    assert get_item(ddb, record_table, pk) == item


# --------------------------------------------------------------------------------------------
# Concurrency

def test_reserved_concurrency_zero_throttles(lam, endpoint):
    name = create_fn(lam, "python_echo", "handler.handler")
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with expect_error("TooManyRequestsException", 429, "Rate Exceeded.") as info:
        lam.invoke(FunctionName=name, Payload=b"{}")
    assert throttle_reason(info.value) == "ReservedFunctionConcurrentInvocationLimitExceeded", \
        info.value.response
    resp = raw_invoke(endpoint, name)
    assert_raw_error(resp, "TooManyRequestsException", 429, "Rate Exceeded.")
    body = resp.json()
    assert body.get("Type") == "User" and \
        body.get("Reason") == "ReservedFunctionConcurrentInvocationLimitExceeded", body
    assert instances(endpoint, name) == []
    lam.delete_function_concurrency(FunctionName=name)
    assert_ok(invoke(lam, name, {"a": 1}), {"a": 1})


def test_reserved_concurrency_one_admits_one_at_a_time(lam, endpoint):
    name = create_fn(lam, "python_ops", "app.sleep", Timeout=30)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    slow = InvokeThread(endpoint, name, {"seconds": 2})
    slow.start()
    wait_busy(endpoint, name)
    with expect_error("TooManyRequestsException", 429, "Rate Exceeded.") as info:
        lam.invoke(FunctionName=name, Payload=b'{"seconds": 0}')
    assert throttle_reason(info.value) == "ReservedFunctionConcurrentInvocationLimitExceeded"
    out = slow.outcome()
    assert isinstance(out, Invoked), out
    assert_ok(out, {"slept": 2})
    # Once the slow one is done (its runtime back in `next`) the slot is free again.
    wait_idle(endpoint, name)
    assert_ok(invoke(lam, name, {"seconds": 0}), {"slept": 0})


def test_global_concurrency_limit(spawn_server):
    srv = spawn_server("--lambda-concurrency", "1", "--python", HANDLER_PYTHON)
    lam = make_boto3_client(srv.url, "lambda")
    slow_fn = create_fn(lam, "python_ops", "app.sleep", Timeout=30)
    other = create_fn(lam, "python_echo", "handler.handler")
    # An idle instance is not a concurrent execution: it must not block another function.
    assert_ok(invoke(lam, other, {"warm": 1}), {"warm": 1})
    slow = InvokeThread(srv.url, slow_fn, {"seconds": 2})
    slow.start()
    wait_busy(srv.url, slow_fn)
    with expect_error("TooManyRequestsException", 429, "Rate Exceeded.") as info:
        lam.invoke(FunctionName=other, Payload=b"{}")
    assert throttle_reason(info.value) == "ConcurrentInvocationLimitExceeded", \
        info.value.response
    out = slow.outcome()
    assert isinstance(out, Invoked), out
    assert_ok(out, {"slept": 2})
    wait_idle(srv.url, slow_fn)
    assert_ok(invoke(lam, other, {"after": 1}), {"after": 1})


# --------------------------------------------------------------------------------------------
# Request errors and function names

def test_invalid_json_payload(lam, endpoint):
    name = create_fn(lam, "python_echo", "handler.handler")
    # §5: "400 InvalidRequestContentException "Could not parse request body into json: Could
    # not parse payload into json: <parser message>""
    msg = re.compile(r"^Could not parse request body into json: Could not parse payload into "
                     r"json: ")
    with expect_error("InvalidRequestContentException", 400, msg):
        lam.invoke(FunctionName=name, Payload=b'{"a": ')
    for bad in (b"not json", b"\xff\xfe{}", b"{'single': 1}"):
        assert_raw_error(raw_invoke(endpoint, name, bad), "InvalidRequestContentException", 400,
                         msg)
    assert_raw_error(raw_invoke(endpoint, name, b"{", {"X-Amz-Invocation-Type": "Event"}),
                     "InvalidRequestContentException", 400, msg)
    assert instances(endpoint, name) == []


def test_sync_payload_limit(lam):
    name = create_fn(lam, "python_echo", "handler.handler")
    at_limit = b'"' + b"x" * (SYNC_MAX - 2) + b'"'
    out = invoke(lam, name, payload=at_limit)
    assert_ok(out)
    assert out.payload == at_limit  # echoed intact
    with expect_error("RequestEntityTooLargeException", 413,
                      "Request must be smaller than 6291456 bytes for the InvokeFunction "
                      "operation"):
        lam.invoke(FunctionName=name, Payload=b'"' + b"x" * (SYNC_MAX - 1) + b'"')


def test_event_payload_limit(lam, endpoint):
    name = create_fn(lam, "python_echo", "handler.handler")
    over = b'"' + b"x" * (ASYNC_MAX - 1) + b'"'
    with expect_error("RequestEntityTooLargeException", 413,
                      f"{ASYNC_MAX + 1} byte payload is too large for the Event invocation type "
                      f"(limit {ASYNC_MAX} bytes)"):
        lam.invoke(FunctionName=name, InvocationType="Event", Payload=over)
    request_id = event_invoke(lam, name, "x" * (ASYNC_MAX - 2))  # exactly at the limit
    assert poll_until(lambda: queued(endpoint, request_id) == [], timeout=DEADLINE)


def test_response_too_large(lam):
    name = create_fn(lam, "python_ops", "app.big")
    # big returns a JSON string: its bytes plus two quotes.
    out = invoke(lam, name, {"bytes": RESPONSE_MAX - 1})
    assert_function_error(out, "Function.ResponseSizeTooLarge",
                          "Response payload size exceeded maximum allowed payload size "
                          "(6291556 bytes).")
    ok = invoke(lam, name, {"bytes": 1000})
    assert_ok(ok, "x" * 1000)


def test_unknown_function_and_qualifier(lam):
    missing = unique_name("missing")
    with expect_error("ResourceNotFoundException", 404,
                      f"Function not found: {function_arn(missing)}"):
        lam.invoke(FunctionName=missing, Payload=b"{}")
    with expect_error("ResourceNotFoundException", 404):
        lam.invoke(FunctionName=missing, InvocationType="Event", Payload=b"{}")
    name = create_fn(lam, "python_echo", "handler.handler")
    with expect_error("ResourceNotFoundException", 404, re.compile(r"Function not found: ")):
        lam.invoke(FunctionName=name, Qualifier="42", Payload=b"{}")


def test_function_name_forms_and_latest_qualifier(lam):
    name = create_fn(lam, "python_echo", "handler.handler")
    forms = [name, function_arn(name), f"{DEFAULT_ACCOUNT}:function:{name}",
             function_arn(name, qualifier=LATEST)]
    for i, form in enumerate(forms):
        assert_ok(invoke(lam, form, {"form": i}), {"form": i})
    assert_ok(invoke(lam, name, {"q": 1}, Qualifier=LATEST), {"q": 1})


def test_invalid_invocation_and_log_types(lam, endpoint):
    name = create_fn(lam, "python_echo", "handler.handler")
    resp = raw_invoke(endpoint, name, headers={"X-Amz-Invocation-Type": "Sometimes"})
    assert_raw_error(resp, "ValidationException", 400, re.compile(r"invocationType"))
    resp = raw_invoke(endpoint, name, headers={"X-Amz-Log-Type": "Everything"})
    assert_raw_error(resp, "ValidationException", 400, re.compile(r"logType"))
    assert instances(endpoint, name) == []


# --------------------------------------------------------------------------------------------
# Asynchronous invocation: retries and destinations

def recorder_fn(lam, handler, table, **kwargs):
    return create_fn(lam, "python_recorder", f"recorder.{handler}", env={"RECORD_TABLE": table},
                     **kwargs)


def assert_record(record, fn, request_id, condition, count, payload):
    # §5: "Invocation record sent to destinations".
    assert record["version"] == "1.0", record
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", record["timestamp"]), record
    assert record["requestContext"] == {"requestId": request_id,
                                        "functionArn": function_arn(fn, qualifier=LATEST),
                                        "condition": condition,
                                        "approximateInvokeCount": count}, record
    assert record["requestPayload"] == payload, record


def test_async_retries_on_the_clock_then_on_failure_destination(lam, ddb, endpoint,
                                                                 record_table):
    dest = recorder_fn(lam, "destination", record_table)
    name = recorder_fn(lam, "attempt_fail", record_table)
    lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnFailure": {"Destination": function_arn(dest)}})
    event_id = unique_name("retry")
    request_id = event_invoke(lam, name, {"id": event_id})

    # §5: "On function error ... Lambda retries 2 more times: ~1 min after the first failure,
    # ~2 min after the second."
    [first] = wait_attempts(ddb, record_table, event_id, 1)
    assert first["request_id"] == request_id
    entry = queue_entry(endpoint, request_id, 1)
    assert 59 <= entry["due"] - clock_now(endpoint) <= 60.5, entry

    advance_clock(endpoint, 61)
    wait_attempts(ddb, record_table, event_id, 2)
    entry = queue_entry(endpoint, request_id, 2)
    assert 118 <= entry["due"] - clock_now(endpoint) <= 120.5, entry

    advance_clock(endpoint, 121)
    attempts = wait_attempts(ddb, record_table, event_id, 3)
    assert {a["request_id"] for a in attempts} == {request_id}  # the same event each time
    record = wait_record(ddb, record_table, request_id)
    assert_record(record, name, request_id, "RetriesExhausted", 3, {"id": event_id})
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": LATEST,
                                         "functionError": "Unhandled"}, record
    assert record["responsePayload"]["errorType"] == "Exception", record
    assert record["responsePayload"]["errorMessage"] == f"recorded failure {event_id}", record
    # Given up: nothing left to retry.
    assert poll_until(lambda: queued(endpoint, request_id) == [], timeout=DEADLINE), \
        queued(endpoint)
    assert len(attempts_of(ddb, record_table, event_id)) == 3


def test_no_retries_on_failure_destination(lam, ddb, endpoint, record_table):
    dest = recorder_fn(lam, "destination", record_table)
    name = recorder_fn(lam, "attempt_fail", record_table)
    lam.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": function_arn(dest)}})
    event_id = unique_name("once")
    request_id = event_invoke(lam, name, {"id": event_id, "n": [1, 2]})
    record = wait_record(ddb, record_table, request_id)
    assert_record(record, name, request_id, "RetriesExhausted", 1, {"id": event_id, "n": [1, 2]})
    assert record["responseContext"]["functionError"] == "Unhandled", record
    assert record["responsePayload"]["errorMessage"] == f"recorded failure {event_id}"
    assert len(attempts_of(ddb, record_table, event_id)) == 1
    assert poll_until(lambda: queued(endpoint, request_id) == [], timeout=DEADLINE)


def test_on_success_destination(lam, ddb, endpoint, record_table):
    dest = recorder_fn(lam, "destination", record_table)
    name = recorder_fn(lam, "attempt_ok", record_table)
    lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": function_arn(dest)}})
    event_id = unique_name("ok")
    request_id = event_invoke(lam, name, {"id": event_id})
    record = wait_record(ddb, record_table, request_id)
    assert_record(record, name, request_id, "Success", 1, {"id": event_id})
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": LATEST}, record
    assert record["responsePayload"] == {"ok": event_id}, record
    assert len(attempts_of(ddb, record_table, event_id)) == 1


# --------------------------------------------------------------------------------------------
# Restarts and stops

def start_persistent(data):
    return Server("--data", str(data), "--python", HANDLER_PYTHON, ephemeral=False).start()


def discard(srv):
    srv._stderr.close()
    shutil.rmtree(srv.workdir, ignore_errors=True)


def test_default_relative_data_dir_runs_handlers(spawn_server):
    # `make run` starts awsemu with the default `--data ./.awsemu`, a relative path: the
    # handler process runs in its own directory and must still find its package.
    srv = spawn_server("--python", HANDLER_PYTHON, ephemeral=False)
    lam = make_boto3_client(srv.url, "lambda")
    name = create_fn(lam, "python_echo", "handler.handler")
    assert_ok(invoke(lam, name, {"relative": True}), {"relative": True})
    assert (srv.cwd / ".awsemu" / "awsemu.db").is_file()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_queued_event_survives_a_restart(sig):
    # DESIGN invariant 4: "An async invocation answered 202 is already persisted: a restart
    # runs it."
    data = Path(tempfile.mkdtemp(prefix="awsemu-invoke-restart-"))
    try:
        srv = start_persistent(data)
        try:
            lam = make_boto3_client(srv.url, "lambda")
            ddb = make_boto3_client(srv.url)
            table = unique_name("restart")
            ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                             AttributeDefinitions=[{"AttributeName": "pk",
                                                    "AttributeType": "S"}],
                             KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
            name = create_fn(lam, "python_ops", "app.ddb")
            lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
            request_id = event_invoke(lam, name, {"table": table,
                                                  "item": {"pk": {"S": "after-restart"}}})
            # Throttled: it stays queued and is tried again every second (§5: "Throttles ...
            # are retried with exponential backoff (1 s up to 5 min)").
            entry = poll_until(lambda: [e for e in queued(srv.url, request_id)
                                        if e["due"] > e["created"]], timeout=DEADLINE)
            assert entry, queued(srv.url)
            assert instances(srv.url, name) == []
        finally:
            status = srv.stop(sig)
            discard(srv)
        assert status == (0 if sig == signal.SIGTERM else -signal.SIGKILL), status

        srv = start_persistent(data)
        try:
            lam = make_boto3_client(srv.url, "lambda")
            ddb = make_boto3_client(srv.url)
            assert [e["request_id"] for e in queued(srv.url)] == [request_id]
            assert get_item(ddb, table, "after-restart") is None
            lam.delete_function_concurrency(FunctionName=name)
            wait_item(ddb, table, "after-restart")
            assert poll_until(lambda: queued(srv.url) == [], timeout=DEADLINE), queued(srv.url)
        finally:
            status = srv.stop()
            srv.assert_clean_exit()
            discard(srv)
        assert status == 0
    finally:
        shutil.rmtree(data, ignore_errors=True)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_no_handler_outlives_the_server(sig):
    # DESIGN invariant 6: "a stopped server leaves no child behind".
    srv = Server("--python", HANDLER_PYTHON).start()
    clean = False
    try:
        lam = make_boto3_client(srv.url, "lambda")
        sleeper = create_fn(lam, "python_ops", "app.sleep", Timeout=60)
        node = create_fn(lam, "node_cjs", "index.handler", "nodejs20.x")
        provided = create_fn(lam, "provided_sh", "bootstrap", "provided.al2023")
        busy = InvokeThread(srv.url, sleeper, {"seconds": 20})
        busy.start()
        wait_busy(srv.url, sleeper)
        assert_ok(invoke(lam, sleeper, {"seconds": 0}), {"slept": 0})  # a second, idle one
        assert_ok(invoke(lam, node, {"n": 1}), {"n": 1})
        assert_ok(invoke(lam, provided, {"p": 1}), {"provided": True, "echo": {"p": 1}})
        settled = poll_until(lambda: sorted(i["state"] for i in instances(srv.url)) ==
                             ["busy", "idle", "idle", "idle"], timeout=DEADLINE)
        found = instances(srv.url)
        assert settled, found
        pids = [i["pid"] for i in found]
        assert len(pids) == 4 and all(not pid_gone(p) for p in pids), found

        status = srv.stop(sig)
        assert status == (0 if sig == signal.SIGTERM else -signal.SIGKILL), \
            (status, srv.stderr()[-3000:])
        # Stopping them takes no time: a few seconds is generous.
        assert_pids_gone(pids, timeout=5.0,
                         what=f"handler processes after the server stopped (of {found})")
        out = busy.outcome()
        assert not isinstance(out, Invoked) or out.status != 200 or out.function_error, out
        if sig == signal.SIGTERM:
            srv.assert_clean_exit()
        clean = True
    finally:
        if not clean:
            srv.stop(signal.SIGKILL)
        discard(srv)
