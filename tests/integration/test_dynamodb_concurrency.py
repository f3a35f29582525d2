"""Concurrent writers through real clients: the HTTP workers hand their item writes to the one
worker running writes, which commits each turn's writes together (server/writeq.h). Every
acknowledged write must be there, in the stream too, and nothing else; conditions still hold
one write at a time."""

import json
import socket
import struct
import threading
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from conftest import ddb_headers, make_boto3_client

THREADS = 8
OPS = 120  # per thread


def run_threads(endpoint, work):
    """Runs work(client, thread_index) on THREADS threads, each with its own client; re-raises
    the first exception."""
    errors = []

    def body(i):
        try:
            work(make_boto3_client(endpoint), i)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
        assert not t.is_alive(), "a writer thread hung"
    if errors:
        raise errors[0]


def stream_records(ddb, table):
    streams = make_boto3_client(ddb.meta.endpoint_url, "dynamodbstreams")
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    out = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while it:
            resp = streams.get_records(ShardIterator=it, Limit=1000)
            out += resp["Records"]
            if not resp["Records"]:
                break
            it = resp.get("NextShardIterator")
    return out


def test_concurrent_puts_updates_and_deletes_all_land(endpoint, ddb, new_table):
    table = new_table(StreamSpecification={"StreamEnabled": True,
                                           "StreamViewType": "NEW_AND_OLD_IMAGES"})
    ddb.put_item(TableName=table, Item={"pk": {"S": "counter"}, "n": {"N": "0"}})

    def work(client, i):
        for k in range(OPS):
            client.put_item(TableName=table,
                            Item={"pk": {"S": f"t{i}-{k}"}, "v": {"N": str(k)}})
            client.update_item(TableName=table, Key={"pk": {"S": "counter"}},
                               UpdateExpression="ADD n :one",
                               ExpressionAttributeValues={":one": {"N": "1"}})
            if k % 2:
                client.delete_item(TableName=table, Key={"pk": {"S": f"t{i}-{k - 1}"}})

    run_threads(endpoint, work)
    counter = ddb.get_item(TableName=table, Key={"pk": {"S": "counter"}},
                           ConsistentRead=True)["Item"]
    assert counter["n"] == {"N": str(THREADS * OPS)}, counter
    keys = set()
    for page in ddb.get_paginator("scan").paginate(TableName=table):
        keys |= {item["pk"]["S"] for item in page["Items"]}
    expected = {f"t{i}-{k}" for i in range(THREADS) for k in range(1, OPS, 2)} | {"counter"}
    assert keys == expected
    # One record per acknowledged change: puts, updates, deletes (and the first counter put).
    events = [r["eventName"] for r in stream_records(ddb, table)]
    assert events.count("INSERT") == THREADS * OPS + 1
    assert events.count("MODIFY") == THREADS * OPS
    assert events.count("REMOVE") == THREADS * OPS // 2


def test_concurrent_conditional_creates_admit_exactly_one(endpoint, ddb, new_table):
    table = new_table()
    won = []

    def work(client, i):
        for k in range(OPS // 4):
            try:
                client.put_item(TableName=table, Item={"pk": {"S": f"slot-{k}"},
                                                       "owner": {"N": str(i)}},
                                ConditionExpression="attribute_not_exists(pk)")
                won.append((k, i))
            except ClientError as exc:
                assert exc.response["Error"]["Code"] == "ConditionalCheckFailedException"
                assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    run_threads(endpoint, work)
    assert sorted(k for k, _ in won) == list(range(OPS // 4))
    for k, i in won:
        item = ddb.get_item(TableName=table, Key={"pk": {"S": f"slot-{k}"}})["Item"]
        assert item["owner"] == {"N": str(i)}


@pytest.mark.parametrize("rv", ["ALL_OLD", "UPDATED_NEW"])
def test_concurrent_updates_return_distinct_values(endpoint, ddb, new_table, rv):
    table = new_table()
    ddb.put_item(TableName=table, Item={"pk": {"S": "seq"}, "n": {"N": "0"}})
    seen = []

    def work(client, i):
        for _ in range(OPS // 4):
            resp = client.update_item(TableName=table, Key={"pk": {"S": "seq"}},
                                      UpdateExpression="ADD n :one",
                                      ExpressionAttributeValues={":one": {"N": "1"}},
                                      ReturnValues=rv)
            seen.append(int(resp["Attributes"]["n"]["N"]))

    run_threads(endpoint, work)
    total = THREADS * (OPS // 4)
    first = 0 if rv == "ALL_OLD" else 1
    assert sorted(seen) == list(range(first, first + total))


def hang_up_after_sending(endpoint, table, key):
    """Sends a whole PutItem and closes the connection at once (RST), without the reply."""
    url = urlsplit(endpoint)
    body = json.dumps({"TableName": table, "Item": {"pk": {"S": key}}}).encode()
    head = "".join(f"{k}: {v}\r\n" for k, v in ddb_headers("PutItem").items())
    request = (f"POST / HTTP/1.1\r\nHost: {url.netloc}\r\n{head}"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.sendall(request)


def test_clients_hanging_up_mid_write_do_not_stall_the_others(endpoint, ddb, new_table):
    # Writes whose clients are gone by the time they run (or are handed the runner's next
    # turn) must neither stall nor lose the writes of the clients still there.
    table = new_table()

    def work(client, i):
        for k in range(OPS // 2):
            if i % 2:
                hang_up_after_sending(endpoint, table, f"gone-{i}-{k}")
            else:
                client.put_item(TableName=table, Item={"pk": {"S": f"kept-{i}-{k}"}})

    run_threads(endpoint, work)
    # The server still takes writes, and every acknowledged one is there.
    ddb.put_item(TableName=table, Item={"pk": {"S": "last"}})
    keys = set()
    for page in ddb.get_paginator("scan").paginate(TableName=table):
        keys |= {item["pk"]["S"] for item in page["Items"]}
    kept = {f"kept-{i}-{k}" for i in range(0, THREADS, 2) for k in range(OPS // 2)}
    assert kept | {"last"} <= keys
    assert all(k.startswith("gone-") for k in keys - kept - {"last"})
