"""The front door: flags, health, routing, request limits, response headers, region and account
scoping, shutdown. Wire facts quoted from shared/docs/aws-wire-reference.md (§ numbers)."""

import json
import re
import signal
import subprocess
import time
import zlib

import pytest

from conftest import (JSON_10, MAX_BODY, Server, assert_raw_error, assert_storage_check_ok,
                      awsemu_bin, ddb_headers, ddb_post, expect_error, http_request,
                      list_all_tables, make_boto3_client, open_connection, poll_until,
                      post_large, server_env, sigv4_headers, table_arn, table_spec,
                      unique_name)

FLAGS = ("--host", "--port", "--data", "--ephemeral", "--account", "--region", "--log-level")


def raw_create(url, name, headers=None, query=""):
    """CreateTable over raw HTTP; returns the TableDescription."""
    resp = ddb_post(url, "CreateTable", table_spec(name), headers=headers, query=query)
    assert resp.status == 200, resp
    return resp.json()["TableDescription"]


# --------------------------------------------------------------------------------------------
# Health and the admin endpoints


def test_health_reports_ready(endpoint):
    resp = http_request(endpoint, "GET", "/_awsemu/health")
    assert resp.status == 200, resp
    body = resp.json()
    assert body["status"] == "ready"
    assert isinstance(body["version"], str) and body["version"]
    assert isinstance(body["services"], list)
    assert "dynamodb" in body["services"]


def test_check_reports_ok_on_a_fresh_server(endpoint):
    resp = http_request(endpoint, "GET", "/_awsemu/check")
    assert resp.status == 200, resp
    assert resp.json()["ok"] is True


# --------------------------------------------------------------------------------------------
# Routing and the checks every operation gets


def test_unknown_dynamodb_operation(endpoint):
    resp = ddb_post(endpoint, "NoSuchOperation", {})
    assert_raw_error(resp, "UnknownOperationException", 400)


@pytest.mark.parametrize("body", [
    b'{"Limit": ',                              # truncated
    b"not json at all",
    b'{"Limit": 5}}',                           # trailing garbage
    b"{'Limit': 5}",                            # not JSON quoting
    b'{"ExclusiveStartTableName": "\xff\xfe"}',  # invalid UTF-8
], ids=["truncated", "garbage", "trailing", "single-quotes", "bad-utf8"])
def test_malformed_json_is_serialization_exception(endpoint, body):
    resp = ddb_post(endpoint, "ListTables", body=body)
    assert_raw_error(resp, "SerializationException", 400)


@pytest.fixture(scope="module")
def table(ddb):
    """A table (pk S) that exists, so item requests get past the table lookup."""
    name = unique_name()
    ddb.create_table(**table_spec(name))
    yield name
    ddb.delete_table(TableName=name)


@pytest.mark.parametrize("operation,payload", [
    ("DescribeTable", {"TableName": 12345}),
    ("ListTables", {"Limit": "5"}),
    ("ListTables", {"ExclusiveStartTableName": ["abc"]}),
    ("CreateTable", {"TableName": "abc", "KeySchema": {"AttributeName": "pk"}}),
    ("PutItem", {"Item": [1, 2]}),
    ("PutItem", {"Item": {"pk": {"S": 5}}}),
    ("PutItem", {"Item": {"pk": {"S": "a"}, "b": {"BOOL": "true"}}}),
    ("PutItem", {"Item": {"pk": {"S": "a"}, "ss": {"SS": "a"}}}),
    ("GetItem", {"Key": {"pk": {"N": 5}}}),
], ids=["name-number", "limit-string", "start-list", "keyschema-object", "item-list",
        "S-number", "BOOL-string", "SS-string", "N-number"])
def test_wrong_json_type_is_serialization_exception(endpoint, table, operation, payload):
    # Issue: "wrong types → ValidationException (or SerializationException when the JSON type
    # of a member is wrong)".
    if operation in ("PutItem", "GetItem"):
        payload = dict(payload, TableName=table)
    resp = ddb_post(endpoint, operation, payload)
    assert_raw_error(resp, "SerializationException", 400)


@pytest.mark.parametrize("body", [b"[]", b"null", b'"ListTables"', b"42", b"[" * 100000],
                         ids=["array", "null", "string", "number", "deep-array"])
def test_non_object_body_is_a_client_error(endpoint, body):
    # DESIGN invariant 5: no input crashes the server; each gets a client error.
    resp = ddb_post(endpoint, "ListTables", body=body)
    assert_raw_error(resp, "SerializationException", 400)
    assert http_request(endpoint, "GET", "/_awsemu/health").status == 200


def test_json_content_type_is_accepted(endpoint):
    # §1.2: "Accept `application/json` as well for JSON RPC bodies (some hand-written clients)."
    resp = http_request(endpoint, "POST", "/", b"{}",
                        ddb_headers("ListTables", {"Content-Type": "application/json"}))
    assert resp.status == 200, resp
    assert isinstance(resp.json()["TableNames"], list)


def test_chunked_body_and_keep_alive(endpoint):
    conn = open_connection(endpoint)
    try:
        conn.request("POST", "/", body=iter([b'{"Li', b'mit": 1', b"0}"]),
                     headers=ddb_headers("ListTables"), encode_chunked=True)
        first = conn.getresponse()
        assert first.status == 200
        assert "TableNames" in json.loads(first.read())
        second = ddb_post(endpoint, "ListTables", {"Limit": 1}, conn=conn)  # same connection
        assert second.status == 200, second
    finally:
        conn.close()


def test_body_at_the_limit_is_read(endpoint):
    body = b"{}" + b" " * (MAX_BODY - 2)  # exactly 16 MiB of valid JSON
    resp = post_large(endpoint, "/", ddb_headers("ListTables"), body)
    assert resp.status == 200, resp
    assert isinstance(resp.json()["TableNames"], list)


def test_body_over_the_limit_is_413(endpoint):
    # Issue: "Body over 16 MB → 413-class error".
    body = b"{}" + b" " * (MAX_BODY - 1)  # 16 MiB + 1 byte
    resp = post_large(endpoint, "/", ddb_headers("ListTables"), body)
    assert resp.status == 413, resp
    assert resp.headers.get("x-amzn-requestid"), resp
    assert http_request(endpoint, "GET", "/_awsemu/health").status == 200


# --------------------------------------------------------------------------------------------
# Response headers


REQUESTS = {
    "health": ("GET", "/_awsemu/health", None, {}),
    "ddb-ok": ("POST", "/", b"{}", ddb_headers("ListTables")),
    "ddb-unknown-op": ("POST", "/", b"{}", ddb_headers("Nope")),
    "ddb-malformed": ("POST", "/", b"{", ddb_headers("ListTables")),
    "ddb-not-found": ("POST", "/", b'{"TableName":"no-such-table"}',
                      ddb_headers("DescribeTable")),
    "unknown-path": ("GET", "/no/such/path", None, {}),
    "no-target": ("POST", "/", b"{}", {"Content-Type": JSON_10}),
    "unknown-target": ("POST", "/", b"{}", {"X-Amz-Target": "NoSuchService_2020.Op",
                                            "Content-Type": JSON_10}),
}


@pytest.mark.parametrize("name", REQUESTS)
def test_every_response_has_a_request_id(endpoint, name):
    # Issue: "Every response carries x-amzn-RequestId".
    method, path, body, headers = REQUESTS[name]
    first = http_request(endpoint, method, path, body, headers)
    second = http_request(endpoint, method, path, body, headers)
    assert first.headers.get("x-amzn-requestid"), first
    assert second.headers.get("x-amzn-requestid"), second
    assert first.headers["x-amzn-requestid"] != second.headers["x-amzn-requestid"]
    if name.startswith("ddb"):
        assert first.headers.get("content-type", "").startswith(JSON_10), first


@pytest.mark.parametrize("name", [n for n in REQUESTS if n.startswith("ddb")])
def test_dynamodb_responses_carry_a_correct_crc32(endpoint, name):
    # §1.6: "DynamoDB puts `x-amz-crc32: <decimal uint32>` on every response (success and
    # error): CRC-32 (IEEE, zlib/`crc32()` polynomial) of the exact body bytes sent."
    method, path, body, headers = REQUESTS[name]
    resp = http_request(endpoint, method, path, body, headers)
    assert "x-amz-crc32" in resp.headers, resp
    assert re.fullmatch(r"\d+", resp.headers["x-amz-crc32"]), resp.headers["x-amz-crc32"]
    assert int(resp.headers["x-amz-crc32"]) == zlib.crc32(resp.body)
    assert resp.headers.get("content-encoding", "identity") == "identity"


def test_crc32_of_a_large_table_description(endpoint):
    name = unique_name("crc-" + "x" * 200)
    desc = raw_create(endpoint, name)
    resp = ddb_post(endpoint, "DescribeTable", {"TableName": name})
    assert resp.status == 200
    assert int(resp.headers["x-amz-crc32"]) == zlib.crc32(resp.body)
    assert resp.json()["Table"]["TableArn"] == desc["TableArn"]


# --------------------------------------------------------------------------------------------
# Region scoping


def test_tables_are_scoped_by_the_client_region(make_client):
    us, eu = make_client(region="us-east-1"), make_client(region="eu-west-1")
    name = unique_name()
    desc = eu.create_table(**table_spec(name))["TableDescription"]
    assert desc["TableArn"] == table_arn(name, "eu-west-1")
    assert name in list_all_tables(eu)
    assert name not in list_all_tables(us)
    with expect_error("ResourceNotFoundException", 400):
        us.describe_table(TableName=name)
    with expect_error("ResourceNotFoundException", 400):
        us.get_item(TableName=name, Key={"pk": {"S": "a"}})

    # The same name is free in another region and the two tables are independent.
    us.create_table(**table_spec(name, hash_key=("id", "N")))
    eu.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"S": "eu"}})
    assert us.describe_table(TableName=name)["Table"]["TableArn"] == table_arn(name, "us-east-1")
    assert us.describe_table(TableName=name)["Table"]["KeySchema"][0]["AttributeName"] == "id"
    assert "Item" not in us.get_item(TableName=name, Key={"id": {"N": "1"}})
    eu.delete_table(TableName=name)
    assert us.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"
    us.delete_table(TableName=name)


def test_signed_request_is_scoped_to_its_credential_region(endpoint, make_client):
    # §1.3: Credential = `<AccessKeyId>/<yyyymmdd>/<region>/<service>/aws4_request` ...
    # "Use `<region>` to scope resources".
    name = unique_name()
    desc = raw_create(endpoint, name, headers=sigv4_headers("ap-south-1"))
    assert desc["TableArn"] == table_arn(name, "ap-south-1")
    assert name in list_all_tables(make_client(region="ap-south-1"))
    assert name not in list_all_tables(make_client(region="us-east-1"))


def test_unsigned_request_uses_the_default_region(endpoint, make_client):
    name = unique_name()
    desc = raw_create(endpoint, name)  # no Authorization header
    assert desc["TableArn"] == table_arn(name, "us-east-1")
    assert make_client(region="us-east-1").describe_table(TableName=name)["Table"]["TableName"] \
        == name


def test_presigned_query_parameters_set_the_region(endpoint, make_client):
    # §1.3: "Presigned form (rare here): same values in query params `X-Amz-Algorithm`,
    # `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`, `X-Amz-Signature`."
    name = unique_name()
    query = ("X-Amz-Algorithm=AWS4-HMAC-SHA256"
             "&X-Amz-Credential=AKID%2F20240101%2Feu-west-2%2Fdynamodb%2Faws4_request"
             "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host"
             "&X-Amz-Signature=" + "0" * 64)
    desc = raw_create(endpoint, name, query=query)
    assert desc["TableArn"] == table_arn(name, "eu-west-2")
    assert name in list_all_tables(make_client(region="eu-west-2"))


@pytest.fixture(scope="module")
def alt_server():
    """A second server with a non-default account and default region."""
    srv = Server("--account", "123456789012", "--region", "eu-central-1",
                 "--host", "127.0.0.1").start()
    yield srv
    srv.finish()


def test_account_flag_shows_in_arns(alt_server):
    assert alt_server.url.startswith("http://127.0.0.1:")
    client = make_boto3_client(alt_server.url, region="ap-southeast-1")
    name = unique_name()
    desc = client.create_table(**table_spec(name))["TableDescription"]
    assert desc["TableArn"] == table_arn(name, "ap-southeast-1", "123456789012")
    assert client.describe_table(TableName=name)["Table"]["TableArn"] == desc["TableArn"]


def test_region_flag_is_the_default_for_unsigned_requests(alt_server):
    name = unique_name()
    desc = raw_create(alt_server.url, name)
    assert desc["TableArn"] == table_arn(name, "eu-central-1", "123456789012")
    client = make_boto3_client(alt_server.url, region="eu-central-1")
    assert name in list_all_tables(client)


def test_env_equivalents_of_flags(spawn_server):
    # Issue: "Flags (each with an AWSEMU_* env equivalent)".
    srv = spawn_server(port=None, env={"AWSEMU_PORT": "0", "AWSEMU_ACCOUNT": "111122223333",
                                       "AWSEMU_REGION": "sa-east-1"})
    assert not srv.url.endswith(":4566"), srv.ready_line  # port 0 came from AWSEMU_PORT
    name = unique_name()
    assert raw_create(srv.url, name)["TableArn"] == table_arn(name, "sa-east-1", "111122223333")


# --------------------------------------------------------------------------------------------
# Flags, logging, persistence, shutdown


def test_help_documents_every_flag():
    proc = subprocess.run([str(awsemu_bin()), "--help"], capture_output=True, text=True,
                          timeout=20, env=server_env(), stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    for flag in FLAGS:
        assert flag in proc.stdout, f"--help does not mention {flag}:\n{proc.stdout}"
    assert "ready" not in proc.stdout


@pytest.mark.parametrize("argv,subject", [
    (["--no-such-flag"], "no-such-flag"),
    (["--port", "not-a-port"], "port"),
    (["--port", "70000"], "port"),
    (["--port"], "port"),
    (["--log-level", "loudest"], "log-level"),
    (["--account", "12345"], "account"),
    (["--region", "Not A Region"], "region"),
], ids=["unknown", "port-text", "port-range", "port-missing", "log-level", "account", "region"])
def test_bad_flag_exits_2_with_a_message(argv, subject, tmp_path):
    try:
        proc = subprocess.run([str(awsemu_bin()), "--ephemeral"] + argv, capture_output=True,
                              text=True, timeout=20, env=server_env(), cwd=tmp_path,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"awsemu {' '.join(argv)} kept running instead of refusing the flag")
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "ready" not in proc.stdout
    assert subject in proc.stderr, f"stderr does not name {subject!r}: {proc.stderr!r}"


def test_sigterm_exits_0_with_an_idle_keep_alive_connection(spawn_server):
    srv = spawn_server()
    conn = open_connection(srv.url)
    try:
        assert ddb_post(srv.url, "ListTables", {}, conn=conn).status == 200
        assert_storage_check_ok(srv.url)
        started = time.monotonic()
        assert srv.stop(signal.SIGTERM) == 0, srv.stderr()[-4000:]
        assert time.monotonic() - started < 10, "SIGTERM took more than 10 s"
        srv.assert_clean_exit()
    finally:
        conn.close()


def test_log_level_debug_logs_requests_but_not_signatures(spawn_server):
    # STYLE §6: "One INFO line per request (service, operation, status, error code,
    # duration)" ... "never `Authorization`, secrets or whole payloads".
    srv = spawn_server("--log-level", "debug")
    signature = "5ec7e75e" * 8
    resp = ddb_post(srv.url, "ListTables", {},
                    headers=sigv4_headers("us-east-1", signature=signature))
    assert resp.status == 200
    assert poll_until(lambda: "ListTables" in srv.stderr()), \
        f"no request line in the log:\n{srv.stderr()[-3000:]}"
    log = srv.stderr()
    assert signature not in log
    assert "AWS4-HMAC-SHA256" not in log


def test_data_dir_persists_across_restarts(spawn_server, tmp_path):
    data = tmp_path / "data"
    name = unique_name()
    first = spawn_server("--data", str(data), ephemeral=False)
    client = make_boto3_client(first.url)
    client.create_table(**table_spec(name, range_key=("sk", "N")))
    item = {"pk": {"S": "a"}, "sk": {"N": "1.5"}, "ss": {"SS": ["x", "y"]}}
    client.put_item(TableName=name, Item=item)
    assert first.stop() == 0, first.stderr()[-4000:]
    first.assert_clean_exit()
    # DESIGN: "`--data DIR` (default `./.awsemu`) holds `awsemu.db`".
    assert (data / "awsemu.db").exists(), sorted(p.name for p in data.iterdir())

    second = spawn_server("--data", str(data), ephemeral=False)
    client = make_boto3_client(second.url)
    assert client.describe_table(TableName=name)["Table"]["KeySchema"][1]["AttributeName"] == "sk"
    got = client.get_item(TableName=name, Key={"pk": {"S": "a"}, "sk": {"N": "1.5"}})["Item"]
    assert got["ss"]["SS"] and set(got["ss"]["SS"]) == {"x", "y"}
    assert got["pk"] == item["pk"] and got["sk"] == item["sk"]
