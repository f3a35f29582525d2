"""Shared fixtures and helpers for awsemu's integration tests (STYLE §8).

Each test module gets its own server (`server` fixture): `<AWSEMU_BIN> --port 0 --ephemeral`,
started in an empty working directory with its own TMPDIR, its ready line read with a deadline.
At teardown the module asserts `GET /_awsemu/check` is ok, stops the server with SIGTERM and
asserts a clean exit: status 0, no sanitizer report on stderr, nothing on stdout after the ready
line, and no file left behind in the working directory or TMPDIR (ephemeral state is removed
on exit).

Helpers talk to the server either through boto3 (`make_client`, `ddb`, `ddb_resource`) or raw
HTTP with http.client (`http_request`, `ddb_post`) for inputs boto3 refuses to send. Only
127.0.0.1 is ever contacted.
"""

import base64
import contextlib
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import botocore.config
import botocore.exceptions
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

READY_TIMEOUT = 20.0  # seconds for the ready line; ASan start-up included
STOP_TIMEOUT = 20.0  # seconds from SIGTERM to exit; ASan leak check included
HTTP_TIMEOUT = 30.0
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")

DEFAULT_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"
DDB_TARGET_PREFIX = "DynamoDB_20120810."
JSON_10 = "application/x-amz-json-1.0"
MAX_BODY = 16 * 1024 * 1024  # "Body over 16 MB → 413-class error" (issue)
ACCESS_KEY, SECRET_KEY = "AKIDTEST", "secret"

CLIENT_CONFIG = botocore.config.Config(
    retries={"max_attempts": 1},  # errors surface at once, never hidden by a retry
    connect_timeout=5,
    read_timeout=HTTP_TIMEOUT,
)


# --------------------------------------------------------------------------------------------
# The server process


def awsemu_bin():
    """The binary under test: $AWSEMU_BIN (default build/awsemu), relative to the repo root."""
    path = Path(os.environ.get("AWSEMU_BIN", "build/awsemu"))
    return path if path.is_absolute() else REPO_ROOT / path


def server_env(extra=None, tmpdir=None):
    """The environment for a server: ours without AWSEMU_* (flags decide), sanitizer options."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWSEMU_")}
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1:abort_on_error=0")
    env.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
    if tmpdir:
        env["TMPDIR"] = str(tmpdir)
    env.update(extra or {})
    return env


class Server:
    """One awsemu process. `start()` returns once the ready line is read; `stop()` sends a
    signal and returns the exit status; `assert_clean_exit()` checks what the process left."""

    def __init__(self, *args, ephemeral=True, env=None, port="0"):
        self.workdir = Path(tempfile.mkdtemp(prefix="awsemu-it-"))
        self.cwd = self.workdir / "cwd"
        self.tmp = self.workdir / "tmp"
        self.cwd.mkdir()
        self.tmp.mkdir()
        self.ephemeral = ephemeral
        self.argv = [str(awsemu_bin())]
        if port is not None:
            self.argv += ["--port", port]
        if ephemeral:
            self.argv.append("--ephemeral")
        self.argv += list(args)
        self.env = server_env(env, self.tmp)
        self.proc = None
        self.url = None
        self.ready_line = None
        self._stdout_rest = b""
        self.returncode = None
        self.stopped = False
        self.stdout_after_ready = None

    # -- lifecycle

    def start(self):
        binary = Path(self.argv[0])
        if not binary.exists():
            pytest.fail(f"server binary {binary} does not exist (build it, or set AWSEMU_BIN)")
        self._stderr = open(self.workdir / "stderr.log", "w+b")
        self.proc = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        line = self._read_ready_line()
        self.ready_line = line
        match = re.search(r"http://[^\s/]+:\d+", line)
        if "ready" not in line or not match:
            self._abort(f"unexpected first stdout line {line!r}")
        self.url = match.group(0)
        return self

    def _read_ready_line(self):
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + READY_TIMEOUT
        buf = b""
        while b"\n" not in buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._abort(f"no ready line within {READY_TIMEOUT:.0f}s (stdout so far {buf!r})")
            readable, _, _ = select.select([fd], [], [], remaining)
            if not readable:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                self.proc.wait(STOP_TIMEOUT)
                self._abort(f"exited with status {self.proc.returncode} before its ready line "
                            f"(stdout {buf!r})")
            buf += chunk
        line, _, self._stdout_rest = buf.partition(b"\n")
        return line.decode("utf-8", "replace")

    def _abort(self, why):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        pytest.fail(f"awsemu {' '.join(self.argv[1:])}: {why}\nstderr:\n{self.stderr()[-4000:]}")

    def stop(self, sig=signal.SIGTERM):
        """Signal the server and wait for it; returns the exit status (None if it hung)."""
        if self.stopped:
            return self.returncode
        self.stopped = True
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.returncode = self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.returncode = None
        self.stdout_after_ready = self._stdout_rest + self.proc.stdout.read()
        self.proc.stdout.close()
        return self.returncode

    def stderr(self):
        self._stderr.flush()
        return (self.workdir / "stderr.log").read_text("utf-8", "replace")

    def assert_clean_exit(self):
        err = self.stderr()
        assert self.returncode is not None, f"no exit within {STOP_TIMEOUT:.0f}s of the signal"
        for marker in SANITIZER_MARKERS:
            assert marker not in err, f"sanitizer report on stderr:\n{err[-6000:]}"
        assert self.returncode == 0, f"exit status {self.returncode}\nstderr:\n{err[-4000:]}"
        # STYLE §6: "stdout carries only the ready line".
        assert self.stdout_after_ready == b"", f"stdout after ready: {self.stdout_after_ready!r}"
        if self.ephemeral:
            # DESIGN: "--ephemeral keeps everything in a temporary place removed on exit."
            left = sorted(str(p) for p in self.cwd.rglob("*")) + sorted(
                str(p) for p in self.tmp.rglob("*"))
            assert left == [], f"ephemeral server left files behind: {left}"

    def finish(self):
        """Teardown: storage invariants hold, then SIGTERM and a clean exit."""
        try:
            if self.ephemeral and self.proc.poll() is None:
                assert_storage_check_ok(self.url)
        finally:
            self.stop()
            self.assert_clean_exit()
            self._stderr.close()
            shutil.rmtree(self.workdir, ignore_errors=True)


def assert_storage_check_ok(url):
    """`GET /_awsemu/check` → 200 `{"ok": true, ...}` (STYLE §7: every test ends with it)."""
    resp = http_request(url, "GET", "/_awsemu/check")
    assert resp.status == 200, f"/_awsemu/check: {resp.status} {resp.body[:2000]!r}"
    assert resp.json().get("ok") is True, f"/_awsemu/check: {resp.body[:2000]!r}"


@pytest.fixture(scope="module")
def server():
    """The module's server: ephemeral, port 0; checked and stopped cleanly at teardown."""
    srv = Server().start()
    yield srv
    srv.finish()


@pytest.fixture(scope="module")
def endpoint(server):
    return server.url


@pytest.fixture
def spawn_server():
    """Factory for extra servers a test needs (other flags); each is finished at teardown
    unless the test stopped it itself and checked the outcome."""
    started = []

    def spawn(*args, **kwargs):
        srv = Server(*args, **kwargs).start()
        started.append(srv)
        return srv

    yield spawn
    for srv in started:
        srv.finish()


# --------------------------------------------------------------------------------------------
# Raw HTTP


class RawResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name → value
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.status} {self.headers} {self.body[:500]!r}>"


def _host_port(url):
    parts = urlsplit(url)
    assert parts.hostname == "127.0.0.1", f"tests only talk to 127.0.0.1, not {url}"
    return parts.hostname, parts.port


def open_connection(url):
    """A keep-alive http.client connection to the server."""
    return http.client.HTTPConnection(*_host_port(url), timeout=HTTP_TIMEOUT)


def http_request(url, method, path, body=None, headers=None, conn=None):
    """One request over http.client; pass `conn` to reuse a keep-alive connection."""
    own = conn is None
    if own:
        conn = open_connection(url)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return RawResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        if own:
            conn.close()


def ddb_headers(operation, extra=None, target_prefix=DDB_TARGET_PREFIX):
    headers = {"X-Amz-Target": target_prefix + operation, "Content-Type": JSON_10}
    headers.update(extra or {})
    return headers


def ddb_post(url, operation, payload=None, *, body=None, headers=None, query="", conn=None):
    """POST a DynamoDB JSON 1.0 call: `payload` is JSON-encoded, or `body` is sent as is.
    Without `headers` carrying Authorization the request is unsigned."""
    if body is None:
        body = json.dumps({} if payload is None else payload).encode()
    path = "/" + (("?" + query) if query else "")
    return http_request(url, "POST", path, body, ddb_headers(operation, headers), conn=conn)


def sigv4_headers(region, access_key=ACCESS_KEY, service="dynamodb", signature="0" * 64):
    """An Authorization header whose credential scope names `region` (signatures are accepted
    unchecked by default, DESIGN)."""
    return {
        "Authorization": f"AWS4-HMAC-SHA256 Credential={access_key}/20240101/{region}/{service}"
                         f"/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
                         f"Signature={signature}",
        "X-Amz-Date": "20240101T000000Z",
    }


def post_large(url, path, headers, body, chunk=256 * 1024):
    """POST a big body over a raw socket, stopping early if the server answers before it has
    read everything (a 413 may come back as soon as Content-Length is seen)."""
    sock = socket.create_connection(_host_port(url), timeout=HTTP_TIMEOUT)
    try:
        head = [f"POST {path} HTTP/1.1", f"Host: {':'.join(map(str, _host_port(url)))}",
                f"Content-Length: {len(body)}", "Connection: close"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        view, sent = memoryview(body), 0
        while sent < len(body):
            readable, writable, _ = select.select([sock], [sock], [], HTTP_TIMEOUT)
            if readable:
                break  # the server has answered already
            if not writable:
                raise TimeoutError("server neither reads the body nor answers")
            try:
                sent += sock.send(view[sent:sent + chunk])
            except (BrokenPipeError, ConnectionResetError):
                break
        resp = http.client.HTTPResponse(sock)
        resp.begin()
        data = resp.read()
        return RawResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        sock.close()


# --------------------------------------------------------------------------------------------
# Errors


def error_code(type_field):
    """Code as SDKs extract it (wire reference §1.5): cut at ':', keep what follows '#'."""
    return type_field.split(":")[0].rsplit("#", 1)[-1]


def _assert_message(actual, expected):
    if expected is None:
        return
    if isinstance(expected, re.Pattern):
        assert actual is not None and expected.search(actual), \
            f"message {actual!r} does not match {expected.pattern!r}"
    else:
        assert actual == expected, f"message {actual!r}, expected {expected!r}"


def assert_raw_error(resp, code, status=400, message=None):
    """A JSON-protocol error: HTTP status, code from x-amzn-ErrorType or `__type`, and the
    message (exact string, or a compiled regex searched in it)."""
    assert resp.status == status, f"expected {status} {code}, got {resp!r}"
    body = resp.json()
    type_field = resp.headers.get("x-amzn-errortype") or body.get("__type")
    assert type_field, f"no error type in {resp!r}"
    assert error_code(type_field) == code, f"expected {code}, got {type_field!r}: {resp!r}"
    _assert_message(body.get("message", body.get("Message")), message)


def assert_client_error(exc, code, status=400, message=None):
    """Same for a botocore ClientError."""
    assert isinstance(exc, botocore.exceptions.ClientError), repr(exc)
    err, meta = exc.response["Error"], exc.response["ResponseMetadata"]
    assert err["Code"] == code, f"expected {code}, got {err['Code']}: {err.get('Message')!r}"
    assert meta["HTTPStatusCode"] == status, f"{code}: status {meta['HTTPStatusCode']}"
    _assert_message(err.get("Message"), message)


@contextlib.contextmanager
def expect_error(code, status=400, message=None):
    """`with expect_error("ResourceNotFoundException"): client.describe_table(...)`"""
    with pytest.raises(botocore.exceptions.ClientError) as info:
        yield info
    assert_client_error(info.value, code, status, message)


# --------------------------------------------------------------------------------------------
# boto3


def make_boto3_client(endpoint, service="dynamodb", region=DEFAULT_REGION):
    return boto3.session.Session().client(
        service, endpoint_url=endpoint, region_name=region, aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY, config=CLIENT_CONFIG)


@pytest.fixture(scope="module")
def make_client(endpoint):
    """`make_client(region="eu-west-1")` → a boto3 DynamoDB client for the module's server."""
    def make(service="dynamodb", region=DEFAULT_REGION):
        return make_boto3_client(endpoint, service, region)
    return make


@pytest.fixture(scope="module")
def make_resource(endpoint):
    def make(region=DEFAULT_REGION):
        return boto3.session.Session().resource(
            "dynamodb", endpoint_url=endpoint, region_name=region, aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY, config=CLIENT_CONFIG)
    return make


@pytest.fixture(scope="module")
def ddb(make_client):
    return make_client()


@pytest.fixture(scope="module")
def ddb_resource(make_resource):
    return make_resource()


# --------------------------------------------------------------------------------------------
# Tables and items


def table_arn(name, region=DEFAULT_REGION, account=DEFAULT_ACCOUNT):
    return f"arn:aws:dynamodb:{region}:{account}:table/{name}"


def poll_until(predicate, timeout=10.0, interval=0.05):
    """Evaluate `predicate` until it is true or `timeout` seconds pass; returns its last value.
    For state with no event to wait on (e.g. a line reaching a log file)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def unique_name(prefix="t"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def table_spec(name, hash_key=("pk", "S"), range_key=None, billing="PAY_PER_REQUEST",
               throughput=(5, 5), **extra):
    """CreateTable arguments (usable as boto3 kwargs and as the raw JSON body)."""
    keys = [(hash_key, "HASH")] + ([(range_key, "RANGE")] if range_key else [])
    spec = {
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for (n, t), _ in keys],
        "KeySchema": [{"AttributeName": n, "KeyType": kt} for (n, _), kt in keys],
    }
    if billing is not None:
        spec["BillingMode"] = billing
    if billing != "PAY_PER_REQUEST" and throughput is not None:
        spec["ProvisionedThroughput"] = {"ReadCapacityUnits": throughput[0],
                                         "WriteCapacityUnits": throughput[1]}
    spec.update(extra)
    return spec


@pytest.fixture
def new_table(ddb):
    """`new_table(**table_spec kwargs)` creates a uniquely named table through `ddb` (or the
    `client=` given) and returns its name; tables still present are deleted at teardown."""
    created = []

    def create(client=None, name=None, **kwargs):
        client = client or ddb
        name = name or unique_name()
        client.create_table(**table_spec(name, **kwargs))
        created.append((client, name))
        return name

    yield create
    for client, name in created:
        with contextlib.suppress(client.exceptions.ResourceNotFoundException):
            client.delete_table(TableName=name)


def list_all_tables(client):
    return [n for page in client.get_paginator("list_tables").paginate()
            for n in page["TableNames"]]


def canon_value(value):
    """An AttributeValue with set members turned into frozensets (sets have no order)."""
    (kind, inner), = value.items()
    if kind in ("SS", "NS", "BS"):
        return {kind: frozenset(inner)}
    if kind == "M":
        return {"M": canon_item(inner)}
    if kind == "L":
        return {"L": [canon_value(v) for v in inner]}
    return value


def canon_item(item):
    return {name: canon_value(value) for name, value in item.items()}


def b64(data):
    return base64.b64encode(data).decode()


# --------------------------------------------------------------------------------------------
# The DynamoDB data plane (expressions, UpdateItem, Query, Scan, batch operations)
#
# Tests of the data plane carry `@pytest.mark.dataplane` (usually as a module-level
# `pytestmark`) and are skipped unless AWSEMU_DATAPLANE=1, so that CI stays green while the
# server catches up. Flip DATAPLANE_DEFAULT to "1" once the server implements it.

DATAPLANE_ENV = "AWSEMU_DATAPLANE"
DATAPLANE_DEFAULT = "1"

# §2.7: ConditionalCheckFailedException, "The conditional request failed".
CONDITION_FAILED = "The conditional request failed"
MAX_PAGES = 200  # bound on any pagination loop in the tests


def dataplane_enabled():
    return os.environ.get(DATAPLANE_ENV, DATAPLANE_DEFAULT) == "1"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "dataplane: needs the DynamoDB data plane (expressions, UpdateItem, Query, "
                   f"Scan, batch operations); skipped unless {DATAPLANE_ENV}=1")


def pytest_collection_modifyitems(config, items):
    if dataplane_enabled():
        return
    skip = pytest.mark.skip(reason=f"DynamoDB data plane not enabled (set {DATAPLANE_ENV}=1)")
    for item in items:
        if item.get_closest_marker("dataplane"):
            item.add_marker(skip)


@pytest.fixture(scope="module")
def module_table(ddb):
    """`module_table(spec)` creates the table described by a CreateTable `spec` (see
    `table_spec`, `indexed_table_spec`) for the whole module and returns its name; the
    tables are deleted when the module ends."""
    created = []

    def create(spec):
        ddb.create_table(**spec)
        created.append(spec["TableName"])
        return spec["TableName"]

    yield create
    for name in created:
        with contextlib.suppress(ddb.exceptions.ResourceNotFoundException):
            ddb.delete_table(TableName=name)


def index_spec(name, hash_key, range_key=None, projection="ALL", non_key=None):
    """A GlobalSecondaryIndexes or LocalSecondaryIndexes entry (PAY_PER_REQUEST: no
    throughput); keys are attribute names."""
    keys = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        keys.append({"AttributeName": range_key, "KeyType": "RANGE"})
    proj = {"ProjectionType": projection}
    if non_key:
        proj["NonKeyAttributes"] = list(non_key)
    return {"IndexName": name, "KeySchema": keys, "Projection": proj}


def indexed_table_spec(name, hash_key=("pk", "S"), range_key=None, attributes=(), gsis=(),
                       lsis=()):
    """`table_spec` plus secondary indexes: `attributes` are the (name, type) pairs of index
    keys that are not table keys; `gsis`/`lsis` come from `index_spec()` (an LSI shares the table's
    hash key)."""
    spec = table_spec(name, hash_key, range_key)
    spec["AttributeDefinitions"] += [{"AttributeName": n, "AttributeType": t}
                                     for n, t in attributes]
    if gsis:
        spec["GlobalSecondaryIndexes"] = list(gsis)
    if lsis:
        spec["LocalSecondaryIndexes"] = list(lsis)
    return spec


def batch_put(client, table, items, chunk=25):
    """Writes AttributeValue `items` with BatchWriteItem, 25 at a time; every batch must be
    processed whole (§2.1: UnprocessedItems `{}` when none)."""
    for start in range(0, len(items), chunk):
        requests = [{"PutRequest": {"Item": item}} for item in items[start:start + chunk]]
        resp = client.batch_write_item(RequestItems={table: requests})
        assert resp["UnprocessedItems"] == {}, resp["UnprocessedItems"]


def read_pages(call, **kwargs):
    """Calls a Query or Scan (`client.query`, `Table.scan`, ...) page after page, following
    LastEvaluatedKey, and returns the list of responses (bounded by MAX_PAGES)."""
    pages = []
    while True:
        page = call(**kwargs)
        pages.append(page)
        last = page.get("LastEvaluatedKey")
        if not last:
            return pages
        assert len(pages) < MAX_PAGES, f"more than {MAX_PAGES} pages"
        kwargs = dict(kwargs, ExclusiveStartKey=last)


def page_items(pages):
    """The items of `read_pages` results, in order."""
    return [item for page in pages for item in page.get("Items", [])]


def key_of(item, names):
    """The key attributes `names` of an item (either representation)."""
    return {name: item[name] for name in names}


def ddb_call(url, operation, payload):
    """A raw DynamoDB call that must succeed: asserts 200 and returns the decoded body."""
    resp = ddb_post(url, operation, payload)
    assert resp.status == 200, f"{operation}: {resp!r}"
    return resp.json()


def client_accepts(client, operation, member):
    """Whether this botocore's model knows `member` in `operation`'s input (older botocore
    refuses parameters newer than itself before sending anything)."""
    shape = client.meta.service_model.operation_model(operation).input_shape
    return member in shape.members


def expression_args(*expressions, names=None, values=None):
    """ExpressionAttributeNames/Values kwargs holding exactly the #names and :values that the
    expressions use, picked from the `names`/`values` pools (§2.6: names or values a request
    does not use are an error)."""
    text = " ".join(expressions)
    args = {}
    used_names = sorted(set(re.findall(r"#\w+", text)))
    used_values = sorted(set(re.findall(r":\w+", text)))
    if used_names:
        args["ExpressionAttributeNames"] = {n: names[n] for n in used_names}
    if used_values:
        args["ExpressionAttributeValues"] = {v: values[v] for v in used_values}
    return args


def path_clash(kind, clash, one, two):
    """A regex for DynamoDB's message about two document paths of a `kind` expression that
    "overlap" or "conflict" (§2.6), naming the paths `one` and `two` in either order."""
    a, b = re.escape(one), re.escape(two)
    return re.compile(rf"^Invalid {kind}: Two document paths {clash} with each other; must "
                      rf"remove or rewrite one of these paths; path one: "
                      rf"({a}, path two: {b}|{b}, path two: {a})$")


# --------------------------------------------------------------------------------------------
# Lambda (control plane)

LAMBDA_ROLE = f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/lambda-role"


def function_arn(name, region=DEFAULT_REGION, account=DEFAULT_ACCOUNT, qualifier=None):
    arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def make_zip(files=None, *, entries=None):
    """A zip in memory: `files` maps names to text/bytes (mode 0644); `entries` is a list of
    (zipfile.ZipInfo or name, data) written as given, for hostile or executable entries."""
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (files or {"handler.py": "def handler(event, context):\n"
                                                   "    return event\n"}).items():
            z.writestr(name, data)
        for info, data in entries or []:
            z.writestr(info, data)
    return buf.getvalue()


@pytest.fixture(scope="module")
def lam(make_client):
    """A boto3 Lambda client for the module's server."""
    return make_client("lambda")
