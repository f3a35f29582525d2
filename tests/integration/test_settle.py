"""POST /_awsemu/settle: the barrier a test calls between writing and asserting (issue:
"Deterministic testing"). It returns once every stream record committed before the call has
reached every enabled mapping's function (or its batch was given up) and every asynchronous
invocation stored before the call has finished; else, at its timeout, {"settled": false} with
what is still pending.

No test here waits by polling: each one writes, settles once, and asserts."""

import io
import json
import zipfile

import pytest

from conftest import (LAMBDA_ROLE, REPO_ROOT, http_request, table_spec, unique_name)

RECORDER = REPO_ROOT / "fixtures" / "lambda" / "python_stream_recorder"


def settle(url, timeout=None):
    body = None if timeout is None else json.dumps({"timeout_seconds": timeout}).encode()
    resp = http_request(url, "POST", "/_awsemu/settle", body=body)
    assert resp.status == 200, resp
    return resp.json()


def recorder_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for path in sorted(RECORDER.glob("*.py")):
            z.writestr(path.name, path.read_bytes())
    return buf.getvalue()


def lines(path):
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture
def stream_table(ddb):
    name = unique_name("settle")
    desc = ddb.create_table(**table_spec(name), StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})["TableDescription"]
    return name, desc["LatestStreamArn"]


def make_function(lam, path, handler="record", timeout=3):
    name = unique_name("settle-fn")
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=LAMBDA_ROLE,
                        Handler=f"stream_recorder.{handler}", Timeout=timeout,
                        Code={"ZipFile": recorder_zip()},
                        Environment={"Variables": {"RECORD_FILE": str(path)}})
    return name


def test_settle_with_nothing_to_wait_for_answers_at_once(endpoint):
    out = settle(endpoint)
    assert out["settled"] is True
    assert out["pending"] == {"mappings": [], "async": 0}


def test_settle_returns_after_every_record_reached_the_handler(endpoint, ddb, lam,
                                                                stream_table, tmp_path):
    table, stream = stream_table
    path = tmp_path / "got.jsonl"
    fn = make_function(lam, path)
    lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=stream,
                                    StartingPosition="TRIM_HORIZON", BatchSize=7)
    for i in range(25):
        ddb.put_item(TableName=table, Item={"pk": {"S": f"k{i:02d}"}})
    out = settle(endpoint, timeout=20)
    assert out["settled"] is True, out
    got = [r["dynamodb"]["Keys"]["pk"]["S"] for b in lines(path) for r in b["records"]]
    assert got == [f"k{i:02d}" for i in range(25)]


def test_settle_times_out_with_what_is_pending_while_a_handler_keeps_failing(
        endpoint, ddb, lam, stream_table, tmp_path):
    table, stream = stream_table
    fn = make_function(lam, tmp_path / "f.jsonl", handler="fail_always")
    uuid = lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=stream,
                                           StartingPosition="TRIM_HORIZON")["UUID"]
    ddb.put_item(TableName=table, Item={"pk": {"S": "poison"}})
    out = settle(endpoint, timeout=0.5)
    assert out["settled"] is False
    assert [m["uuid"] for m in out["pending"]["mappings"]] == [uuid]
    assert out["waited_ms"] >= 500
    # Disabling the mapping takes it out of the barrier.
    lam.update_event_source_mapping(UUID=uuid, Enabled=False)
    assert settle(endpoint, timeout=5)["settled"] is True


def test_settle_waits_for_async_invocations(endpoint, lam, tmp_path):
    path = tmp_path / "async.jsonl"
    fn = make_function(lam, path)
    for i in range(3):
        r = lam.invoke(FunctionName=fn, InvocationType="Event",
                       Payload=json.dumps({"Records": [{"n": i}]}).encode())
        assert r["StatusCode"] == 202
    assert settle(endpoint, timeout=20)["settled"] is True
    assert sorted(r["n"] for b in lines(path) for r in b["records"]) == [0, 1, 2]


@pytest.mark.parametrize("body", [b"[]", b'{"timeout_seconds": "x"}', b'{"timeout_seconds": -1}',
                                  b"not json"])
def test_settle_rejects_a_bad_body(endpoint, body):
    resp = http_request(endpoint, "POST", "/_awsemu/settle", body=body)
    assert resp.status == 400, resp
