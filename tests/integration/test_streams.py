"""DynamoDB Streams through boto3's `dynamodbstreams` client and the AWS CLI: records written
with the data (DESIGN invariant 1), the Streams API, shard lineage, retention and the test
clock (invariant 2). References are to shared/docs/aws-wire-reference.md §3.

Tests that move the test clock (`POST /_awsemu/clock`) run on a server of their own: the
clock is server-wide."""

import json
import shutil
import tempfile
import zlib
from pathlib import Path

import pytest

from conftest import (Server, assert_raw_error, client_accepts, expect_error, http_request,
                      make_boto3_client, poll_until, table_spec, unique_name)
from test_cli import cli  # noqa: F401  (the fixture: each installed AWS CLI)

STREAMS_TARGET = "DynamoDBStreams_20120810."
VIEW_TYPES = ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]
HOUR = 3600


# --------------------------------------------------------------------------------------------
# helpers


@pytest.fixture(scope="module")
def streams(make_client):
    return make_client("dynamodbstreams")


def stream_table(ddb, view="NEW_AND_OLD_IMAGES", range_key=None):
    """Creates a table with an enabled stream; returns (name, stream ARN)."""
    name = unique_name("st")
    desc = ddb.create_table(**table_spec(name, range_key=range_key), StreamSpecification={
        "StreamEnabled": True, "StreamViewType": view})["TableDescription"]
    return name, desc["LatestStreamArn"]


def shards_of(streams, arn):
    shards, start = [], None
    while True:
        kwargs = {"StreamArn": arn}
        if start:
            kwargs["ExclusiveStartShardId"] = start
        desc = streams.describe_stream(**kwargs)["StreamDescription"]
        shards += desc["Shards"]
        start = desc.get("LastEvaluatedShardId")
        if not start:
            return shards


def iterator(streams, arn, shard_id, kind="TRIM_HORIZON", seq=None):
    kwargs = {"StreamArn": arn, "ShardId": shard_id, "ShardIteratorType": kind}
    if seq is not None:
        kwargs["SequenceNumber"] = seq
    return streams.get_shard_iterator(**kwargs)["ShardIterator"]


def drain(streams, it, limit=1000, max_calls=200):
    """Reads a shard from `it` until a call returns nothing (open shard) or no next iterator
    (closed shard, §3.2); returns (records, last next iterator or None)."""
    records = []
    for _ in range(max_calls):
        resp = streams.get_records(ShardIterator=it, Limit=limit)
        records += resp["Records"]
        it = resp.get("NextShardIterator")
        if it is None or not resp["Records"]:
            return records, it
    raise AssertionError("shard never drained")


def all_records(streams, arn):
    """Every record of every shard, parents first (shards come in creation order)."""
    out = []
    for shard in shards_of(streams, arn):
        out += drain(streams, iterator(streams, arn, shard["ShardId"]))[0]
    return out


def advance_clock(url, seconds):
    resp = http_request(url, "POST", "/_awsemu/clock", json.dumps({"advance_seconds": seconds}),
                        {"Content-Type": "application/json"})
    assert resp.status == 200, resp
    return resp.json()


def stored_records(url):
    resp = http_request(url, "GET", "/_awsemu/check")
    assert resp.status == 200, resp
    return resp.json()["stream_records"]


def streams_post(url, operation, payload):
    return http_request(url, "POST", "/", json.dumps(payload).encode(), {
        "X-Amz-Target": STREAMS_TARGET + operation,
        "Content-Type": "application/x-amz-json-1.0"})


@pytest.fixture
def own_server():
    """A server of the test's own (for the clock); flags as arguments."""
    started = []

    def start(*args):
        srv = Server(*args).start()
        started.append(srv)
        ddb = make_boto3_client(srv.url)
        return srv, ddb, make_boto3_client(srv.url, "dynamodbstreams")

    yield start
    for srv in started:
        srv.finish()


# --------------------------------------------------------------------------------------------
# records and view types (§3.3, §3.4)


@pytest.mark.parametrize("view", VIEW_TYPES)
def test_each_view_type_records_insert_modify_remove(ddb, streams, view):
    name, arn = stream_table(ddb, view)
    key = {"pk": {"S": "k1"}}
    v1 = dict(key, n={"N": "1"}, s={"S": "one"})
    v2 = dict(key, n={"N": "2"}, b={"B": b"\x00\x01"})
    ddb.put_item(TableName=name, Item=v1)
    ddb.put_item(TableName=name, Item=v2)
    ddb.delete_item(TableName=name, Key=key)
    records = all_records(streams, arn)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    want_new = view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES")
    want_old = view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES")
    images = [(v1, None), (v2, v1), (None, v2)]
    for record, (new, old) in zip(records, images):
        assert record["eventSource"] == "aws:dynamodb"
        assert record["eventVersion"] == "1.1"
        assert record["awsRegion"] == "us-east-1"
        assert len(record["eventID"]) == 32
        d = record["dynamodb"]
        assert d["Keys"] == key  # "Keys is always present" (§3.4)
        assert d["StreamViewType"] == view
        assert d["SizeBytes"] >= 1
        assert len(d["SequenceNumber"]) >= 21 and d["SequenceNumber"].isdigit()
        assert ("NewImage" in d) == (want_new and new is not None)
        assert ("OldImage" in d) == (want_old and old is not None)
        if "NewImage" in d:
            assert d["NewImage"] == new
        if "OldImage" in d:
            assert d["OldImage"] == old
    seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3


def test_table_description_reports_the_stream(ddb):
    name, arn = stream_table(ddb, "KEYS_ONLY")
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    assert table["LatestStreamArn"] == arn
    assert arn == f"{table['TableArn']}/stream/{table['LatestStreamLabel']}"


def test_a_write_that_changes_nothing_writes_no_record(ddb, streams):
    # §3.3: "A PutItem/UpdateItem that leaves the item byte-for-byte identical writes no
    # record. Deleting a non-existent item writes none either." Failed conditions neither.
    name, arn = stream_table(ddb)
    item = {"pk": {"S": "a"}, "x": {"N": "1"}, "y": {"S": "y"}}
    ddb.put_item(TableName=name, Item=item)
    ddb.put_item(TableName=name, Item=item)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "y": {"S": "y"}, "x": {"N": "1.0"}})
    ddb.update_item(TableName=name, Key={"pk": {"S": "a"}}, UpdateExpression="SET x = :v",
                    ExpressionAttributeValues={":v": {"N": "1"}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "missing"}})
    with expect_error("ConditionalCheckFailedException"):
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}},
                     ConditionExpression="attribute_not_exists(pk)")
    records = all_records(streams, arn)
    assert [r["eventName"] for r in records] == ["INSERT"]


def test_rewrite_with_sets_in_another_order_writes_no_record(ddb, streams):
    # §3.3: a rewrite that leaves the item identical writes no record. Sets are sets (NS
    # compared as numbers), maps have no key order; lists do keep theirs.
    name, arn = stream_table(ddb)
    item = {"pk": {"S": "a"}, "ss": {"SS": ["a", "b", "c"]}, "ns": {"NS": ["1", "2", "10"]},
            "bs": {"BS": [b"\x01", b"\x02"]},
            "m": {"M": {"x": {"S": "1"}, "y": {"SS": ["p", "q"]}}}, "l": {"L": [{"S": "1"}]}}
    same = {"pk": {"S": "a"}, "ns": {"NS": ["10", "2.0", "1E0"]}, "ss": {"SS": ["c", "a", "b"]},
            "bs": {"BS": [b"\x02", b"\x01"]},
            "m": {"M": {"y": {"SS": ["q", "p"]}, "x": {"S": "1"}}}, "l": {"L": [{"S": "1"}]}}
    ddb.put_item(TableName=name, Item=item)
    ddb.put_item(TableName=name, Item=same)
    ddb.update_item(TableName=name, Key={"pk": {"S": "a"}}, UpdateExpression="ADD ss :s",
                    ExpressionAttributeValues={":s": {"SS": ["b"]}})
    ddb.update_item(TableName=name, Key={"pk": {"S": "a"}}, UpdateExpression="DELETE ns :n",
                    ExpressionAttributeValues={":n": {"NS": ["99"]}})
    ddb.put_item(TableName=name, Item=dict(same, l={"L": [{"S": "1"}, {"S": "2"}]}))
    records = all_records(streams, arn)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY"]
    assert records[1]["dynamodb"]["NewImage"]["l"] == {"L": [{"S": "1"}, {"S": "2"}]}


def test_update_item_and_batch_write_record_changes(ddb, streams):
    name, arn = stream_table(ddb)
    ddb.update_item(TableName=name, Key={"pk": {"S": "u"}}, UpdateExpression="SET c = :one",
                    ExpressionAttributeValues={":one": {"N": "1"}})
    ddb.update_item(TableName=name, Key={"pk": {"S": "u"}}, UpdateExpression="ADD c :one",
                    ExpressionAttributeValues={":one": {"N": "1"}})
    ddb.batch_write_item(RequestItems={name: [
        {"PutRequest": {"Item": {"pk": {"S": "b"}}}},
        {"DeleteRequest": {"Key": {"pk": {"S": "u"}}}}]})
    records = all_records(streams, arn)
    assert [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records] == [
        ("INSERT", "u"), ("MODIFY", "u"), ("INSERT", "b"), ("REMOVE", "u")]
    assert records[1]["dynamodb"]["NewImage"]["c"] == {"N": "2"}


def test_strict_order_across_ten_thousand_writes(ddb, streams):
    name, arn = stream_table(ddb, "KEYS_ONLY", range_key=("sk", "N"))
    total = 10_000
    for start in range(0, total, 25):
        requests = [{"PutRequest": {"Item": {"pk": {"S": "p"}, "sk": {"N": str(i)}}}}
                    for i in range(start, start + 25)]
        assert ddb.batch_write_item(RequestItems={name: requests})["UnprocessedItems"] == {}
    records = all_records(streams, arn)
    assert len(records) == total
    assert [int(r["dynamodb"]["Keys"]["sk"]["N"]) for r in records] == list(range(total))
    seqs = [r["dynamodb"]["SequenceNumber"] for r in records]
    assert all(len(s) == len(seqs[0]) for s in seqs)  # fixed width: string order == numeric
    assert all(int(a) < int(b) for a, b in zip(seqs, seqs[1:]))


# --------------------------------------------------------------------------------------------
# the Streams API (§3.2)


def test_list_streams_by_table_and_pages(ddb, streams):
    names = [stream_table(ddb)[0] for _ in range(3)]
    listed = streams.list_streams(TableName=names[1])["Streams"]
    assert [s["TableName"] for s in listed] == [names[1]]
    assert listed[0]["StreamLabel"] in listed[0]["StreamArn"]
    seen, start = [], None
    while True:
        kwargs = {"Limit": 2}
        if start:
            kwargs["ExclusiveStartStreamArn"] = start
        page = streams.list_streams(**kwargs)
        assert len(page["Streams"]) <= 2
        seen += [s["TableName"] for s in page["Streams"]]
        start = page.get("LastEvaluatedStreamArn")
        if not start:
            break
    assert set(names) <= set(seen) and len(seen) == len(set(seen))


def test_describe_stream(ddb, streams):
    name, arn = stream_table(ddb, "NEW_IMAGE", range_key=("sk", "S"))
    desc = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert desc["StreamArn"] == arn
    assert desc["StreamStatus"] == "ENABLED"
    assert desc["StreamViewType"] == "NEW_IMAGE"
    assert desc["TableName"] == name
    assert desc["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"},
                                 {"AttributeName": "sk", "KeyType": "RANGE"}]
    [shard] = desc["Shards"]
    assert shard["ShardId"].startswith("shardId-") and len(shard["ShardId"]) >= 28
    assert "ParentShardId" not in shard
    # "An open shard has only StartingSequenceNumber" (§3.2).
    assert list(shard["SequenceNumberRange"]) == ["StartingSequenceNumber"]


def test_every_iterator_type(ddb, streams):
    name, arn = stream_table(ddb, "KEYS_ONLY")
    for i in range(3):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}})
    shard = shards_of(streams, arn)[0]["ShardId"]
    trim = drain(streams, iterator(streams, arn, shard, "TRIM_HORIZON"))[0]
    seqs = [r["dynamodb"]["SequenceNumber"] for r in trim]
    assert len(seqs) == 3
    at = streams.get_records(ShardIterator=iterator(streams, arn, shard, "AT_SEQUENCE_NUMBER",
                                                    seqs[1]))["Records"]
    assert [r["dynamodb"]["SequenceNumber"] for r in at] == seqs[1:]
    after = streams.get_records(ShardIterator=iterator(
        streams, arn, shard, "AFTER_SEQUENCE_NUMBER", seqs[1]))["Records"]
    assert [r["dynamodb"]["SequenceNumber"] for r in after] == seqs[2:]
    # LATEST = "just after the newest record (records written later are returned)".
    latest = iterator(streams, arn, shard, "LATEST")
    resp = streams.get_records(ShardIterator=latest)
    assert resp["Records"] == [] and resp["NextShardIterator"]  # open shard: keep polling
    ddb.put_item(TableName=name, Item={"pk": {"S": "later"}})
    resp = streams.get_records(ShardIterator=resp["NextShardIterator"])
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in resp["Records"]] == ["later"]
    limited = streams.get_records(ShardIterator=iterator(streams, arn, shard), Limit=2)
    assert len(limited["Records"]) == 2


def test_streams_errors(ddb, streams, endpoint):
    name, arn = stream_table(ddb)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    shard = shards_of(streams, arn)[0]["ShardId"]
    missing = arn.rsplit("/", 1)[0] + "/2000-01-01T00:00:00.000"
    with expect_error("ResourceNotFoundException", 400,
                      f"Requested resource not found: Stream: {missing} not found"):
        streams.describe_stream(StreamArn=missing)
    with expect_error("ResourceNotFoundException", 400):
        iterator(streams, missing, shard)
    with expect_error("ResourceNotFoundException", 400):
        iterator(streams, arn, "shardId-00000000000000000000-00000000")
    with expect_error("ValidationException", 400):
        iterator(streams, arn, shard, "AT_SEQUENCE_NUMBER", "9" * 21)
    with expect_error("ValidationException", 400):
        iterator(streams, arn, shard, "AFTER_SEQUENCE_NUMBER")  # no SequenceNumber
    with expect_error("ValidationException", 400):
        streams.get_records(ShardIterator="not-an-iterator")
    good = iterator(streams, arn, shard)
    with expect_error("ValidationException", 400):
        streams.get_records(ShardIterator=good[:-1] + ("0" if good[-1] != "0" else "1"))
    with expect_error("ValidationException", 400):
        streams.get_records(ShardIterator=good, Limit=1001)
    resp = streams_post(endpoint, "GetShardIterator", {"StreamArn": arn, "ShardId": shard,
                                                       "ShardIteratorType": "SIDEWAYS"})
    assert_raw_error(resp, "ValidationException", 400)
    resp = streams_post(endpoint, "Frobnicate", {})
    assert_raw_error(resp, "UnknownOperationException", 400)


def test_streams_replies_carry_crc32(ddb, endpoint):
    _, arn = stream_table(ddb)
    resp = streams_post(endpoint, "DescribeStream", {"StreamArn": arn})
    assert resp.status == 200
    assert resp.headers["content-type"] == "application/x-amz-json-1.0"
    assert int(resp.headers["x-amz-crc32"]) == zlib.crc32(resp.body)


# --------------------------------------------------------------------------------------------
# enabling, disabling, deleting (§2.7, §3.2)


def test_update_table_stream_errors(ddb):
    name, _ = stream_table(ddb, "KEYS_ONLY")
    with expect_error("ResourceInUseException", 400):
        ddb.update_table(TableName=name, StreamSpecification={
            "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    with expect_error("ValidationException", 400):
        ddb.update_table(TableName=name, StreamSpecification={
            "StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    with expect_error("ValidationException", 400):
        ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})


def test_disable_then_enable_makes_a_new_stream(ddb, streams):
    name, first = stream_table(ddb, "KEYS_ONLY")
    ddb.put_item(TableName=name, Item={"pk": {"S": "before"}})
    ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    ddb.put_item(TableName=name, Item={"pk": {"S": "while-disabled"}})
    old = streams.describe_stream(StreamArn=first)["StreamDescription"]
    assert old["StreamStatus"] == "DISABLED"
    [shard] = old["Shards"]
    assert "EndingSequenceNumber" in shard["SequenceNumberRange"]  # disabling closes shards
    records, nxt = drain(streams, iterator(streams, first, shard["ShardId"]))
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["before"]
    assert nxt is None  # a closed shard read to its end has no NextShardIterator
    desc = ddb.update_table(TableName=name, StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})["TableDescription"]
    second = desc["LatestStreamArn"]
    assert second != first
    ddb.put_item(TableName=name, Item={"pk": {"S": "after"}})
    records = all_records(streams, second)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["after"]
    assert int(records[0]["dynamodb"]["SequenceNumber"]) > int(
        shard["SequenceNumberRange"]["EndingSequenceNumber"])
    arns = [s["StreamArn"] for s in streams.list_streams(TableName=name)["Streams"]]
    assert arns == [first, second]


def test_deleted_table_stream_stays_readable(ddb, streams):
    name, arn = stream_table(ddb, "KEYS_ONLY")
    ddb.put_item(TableName=name, Item={"pk": {"S": "x"}})
    ddb.delete_table(TableName=name)
    desc = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert desc["StreamStatus"] == "DISABLED"
    assert [r["eventName"] for r in all_records(streams, arn)] == ["INSERT"]


# --------------------------------------------------------------------------------------------
# the test clock: iterator expiry, shard rollover, retention


def test_iterator_expires_after_fifteen_minutes(own_server):
    srv, ddb, streams = own_server()
    name, arn = stream_table(ddb)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    it = iterator(streams, arn, shards_of(streams, arn)[0]["ShardId"])
    advance_clock(srv.url, 14 * 60)
    assert len(streams.get_records(ShardIterator=it)["Records"]) == 1
    advance_clock(srv.url, 2 * 60)
    with expect_error("ExpiredIteratorException", 400,
                      "The provided iterator exceeds the maximum age allowed."):
        streams.get_records(ShardIterator=it)


def test_shard_rollover_and_lineage(own_server):
    srv, ddb, streams = own_server()
    name, arn = stream_table(ddb, "KEYS_ONLY")
    ddb.put_item(TableName=name, Item={"pk": {"S": "first"}})
    advance_clock(srv.url, 4 * HOUR + 1)  # default rollover: 4 hours
    ddb.put_item(TableName=name, Item={"pk": {"S": "second"}})
    parent, child = shards_of(streams, arn)
    assert child["ParentShardId"] == parent["ShardId"]
    end = parent["SequenceNumberRange"]["EndingSequenceNumber"]
    assert int(child["SequenceNumberRange"]["StartingSequenceNumber"]) > int(end)
    assert "EndingSequenceNumber" not in child["SequenceNumberRange"]
    records, nxt = drain(streams, iterator(streams, arn, parent["ShardId"]))
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["first"] and nxt is None
    records, nxt = drain(streams, iterator(streams, arn, child["ShardId"]))
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["second"] and nxt
    if client_accepts(streams, "DescribeStream", "ShardFilter"):  # newer botocore only
        children = streams.describe_stream(StreamArn=arn, ShardFilter={
            "Type": "CHILD_SHARDS", "ShardId": parent["ShardId"]})["StreamDescription"]
        assert [s["ShardId"] for s in children["Shards"]] == [child["ShardId"]]


def test_configured_shard_rollover(own_server):
    srv, ddb, streams = own_server("--shard-rollover", "60")
    name, arn = stream_table(ddb, "KEYS_ONLY")
    for i in range(3):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}})
        advance_clock(srv.url, 61)
    # Each period ends on time, so the last advance closed k2's shard too: 3 closed + 1 open.
    shards = shards_of(streams, arn)
    assert len(shards) == 4
    assert [s.get("ParentShardId") for s in shards] == [None] + [s["ShardId"] for s in shards[:-1]]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in all_records(streams, arn)] == [
        "k0", "k1", "k2"]


def test_idle_shard_rolls_over_on_time(own_server):
    # §3.2: "real streams close a shard and open a child after roughly 4 hours" — whether or
    # not anything was written; the test clock's POST answers once lineage is current.
    srv, ddb, streams = own_server()
    name, arn = stream_table(ddb, "KEYS_ONLY")
    [first] = shards_of(streams, arn)
    advance_clock(srv.url, 4 * HOUR - 1)
    assert len(shards_of(streams, arn)) == 1
    advance_clock(srv.url, 2)
    parent, child = shards_of(streams, arn)
    assert parent["ShardId"] == first["ShardId"] and child["ParentShardId"] == first["ShardId"]
    # An empty closed shard ends at its StartingSequenceNumber (a number no record has); its
    # child starts after it.
    prange, crange = parent["SequenceNumberRange"], child["SequenceNumberRange"]
    assert prange["EndingSequenceNumber"] == prange["StartingSequenceNumber"]
    assert int(crange["StartingSequenceNumber"]) == int(prange["EndingSequenceNumber"]) + 1
    assert "EndingSequenceNumber" not in crange
    for kind, seq in (("TRIM_HORIZON", None), ("LATEST", None),
                      ("AT_SEQUENCE_NUMBER", prange["EndingSequenceNumber"]),
                      ("AFTER_SEQUENCE_NUMBER", prange["EndingSequenceNumber"])):
        resp = streams.get_records(ShardIterator=iterator(streams, arn, parent["ShardId"],
                                                          kind, seq))
        assert resp["Records"] == [] and "NextShardIterator" not in resp, kind
    # Eight idle hours later: two more boundaries, each child created on its own.
    ddb.put_item(TableName=name, Item={"pk": {"S": "x"}})
    advance_clock(srv.url, 8 * HOUR)
    shards = shards_of(streams, arn)
    assert len(shards) == 4
    assert [s.get("ParentShardId") for s in shards] == [None] + [s["ShardId"] for s in shards[:-1]]
    assert all("EndingSequenceNumber" in s["SequenceNumberRange"] for s in shards[:-1])
    starts = [int(s["SequenceNumberRange"]["StartingSequenceNumber"]) for s in shards]
    ends = [int(s["SequenceNumberRange"]["EndingSequenceNumber"]) for s in shards[:-1]]
    assert all(start == end + 1 for start, end in zip(starts[1:], ends))
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in all_records(streams, arn)] == ["x"]
    ms = [int(s["ShardId"].split("-")[1]) for s in shards]  # creation times, on the boundaries
    assert [b - a for a, b in zip(ms[1:], ms[2:])] == [4 * HOUR * 1000] * 2


def test_retention_via_the_test_clock(own_server):
    srv, ddb, streams = own_server()
    name, arn = stream_table(ddb, "KEYS_ONLY")
    ddb.put_item(TableName=name, Item={"pk": {"S": "old"}})
    shard = shards_of(streams, arn)[0]["ShardId"]
    old_seq = all_records(streams, arn)[0]["dynamodb"]["SequenceNumber"]
    early = iterator(streams, arn, shard)
    advance_clock(srv.url, 23 * HOUR)
    assert len(all_records(streams, arn)) == 1  # still within 24 hours
    ddb.put_item(TableName=name, Item={"pk": {"S": "new"}})
    advance_clock(srv.url, HOUR + 1)
    # "records older than 24 hours are never returned" (invariant 2) ...
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in all_records(streams, arn)] == ["new"]
    with expect_error("TrimmedDataAccessException", 400,
                      "The data you are trying to access has been trimmed."):
        iterator(streams, arn, shard, "AT_SEQUENCE_NUMBER", old_seq)
    with expect_error("ExpiredIteratorException", 400):
        streams.get_records(ShardIterator=early)
    # ... "and are removed by retention" (the engine, in small batches).
    assert poll_until(lambda: stored_records(srv.url) == 1)


def test_retention_flag(own_server):
    srv, ddb, streams = own_server("--stream-retention", "60")
    name, arn = stream_table(ddb, "KEYS_ONLY")
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    shard = shards_of(streams, arn)[0]["ShardId"]
    it = iterator(streams, arn, shard)
    advance_clock(srv.url, 61)
    with expect_error("TrimmedDataAccessException", 400):
        streams.get_records(ShardIterator=it)
    assert drain(streams, iterator(streams, arn, shard))[0] == []
    assert poll_until(lambda: stored_records(srv.url) == 0)


def test_clock_endpoint_refuses_bad_input(own_server):
    srv, _, _ = own_server()
    for body in ('{"advance_seconds": -1}', '{"advance_seconds": "x"}', "{}", "nope"):
        resp = http_request(srv.url, "POST", "/_awsemu/clock", body)
        assert resp.status == 400, (body, resp)
    assert http_request(srv.url, "GET", "/_awsemu/clock").json()["offset_seconds"] == 0


# --------------------------------------------------------------------------------------------
# persistence


def test_sequence_shards_and_iterators_survive_a_restart():
    data = Path(tempfile.mkdtemp(prefix="awsemu-streams-data-"))
    try:
        srv = Server("--data", str(data), ephemeral=False).start()
        try:
            ddb = make_boto3_client(srv.url)
            streams = make_boto3_client(srv.url, "dynamodbstreams")
            name, arn = stream_table(ddb, "KEYS_ONLY")
            ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
            shard = shards_of(streams, arn)[0]["ShardId"]
            before, checkpoint = drain(streams, iterator(streams, arn, shard))
        finally:
            assert srv.stop() == 0
            srv.assert_clean_exit()
        srv = Server("--data", str(data), ephemeral=False).start()
        try:
            ddb = make_boto3_client(srv.url)
            streams = make_boto3_client(srv.url, "dynamodbstreams")
            ddb.put_item(TableName=name, Item={"pk": {"S": "b"}})
            assert shards_of(streams, arn)[0]["ShardId"] == shard
            # The iterator taken before the restart goes on where it stopped.
            after = streams.get_records(ShardIterator=checkpoint)["Records"]
            assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in after] == ["b"]
            assert int(after[0]["dynamodb"]["SequenceNumber"]) > int(
                before[0]["dynamodb"]["SequenceNumber"])
            at = iterator(streams, arn, shard, "AT_SEQUENCE_NUMBER",
                          before[0]["dynamodb"]["SequenceNumber"])
            assert len(streams.get_records(ShardIterator=at)["Records"]) == 2
        finally:
            assert srv.stop() == 0
            srv.assert_clean_exit()
    finally:
        shutil.rmtree(data, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# the AWS CLI


def test_cli_reads_a_stream(cli, ddb, endpoint):
    name, arn = stream_table(ddb, "NEW_IMAGE")
    ddb.put_item(TableName=name, Item={"pk": {"S": "cli"}})
    listed = cli.json(endpoint, "dynamodbstreams", "list-streams", "--table-name", name)
    assert [s["StreamArn"] for s in listed["Streams"]] == [arn]
    desc = cli.json(endpoint, "dynamodbstreams", "describe-stream", "--stream-arn", arn)
    shard = desc["StreamDescription"]["Shards"][0]["ShardId"]
    it = cli.json(endpoint, "dynamodbstreams", "get-shard-iterator", "--stream-arn", arn,
                  "--shard-id", shard, "--shard-iterator-type", "TRIM_HORIZON")["ShardIterator"]
    got = cli.json(endpoint, "dynamodbstreams", "get-records", "--shard-iterator", it)
    assert [r["dynamodb"]["NewImage"] for r in got["Records"]] == [{"pk": {"S": "cli"}}]
    proc = cli.run(endpoint, "dynamodbstreams", "get-records", "--shard-iterator", "bogus",
                   expect_ok=False)
    assert proc.returncode == cli.error_exit and "ValidationException" in proc.stderr
