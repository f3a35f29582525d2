"""DynamoDB Streams across a crash: `kill -9` in the middle of a stream of writes, then a
restart on the same data directory (DESIGN invariant 1: "A committed change to an item of a
stream-enabled table has exactly one stream record, committed in the same transaction"; the
issue: "A crash can never leave a change without its record or a record without its change").

/_awsemu/check runs only under --ephemeral, and a crash needs a data directory that outlives
the process, so after the final clean stop the same invariants are checked offline with
Python's sqlite3 on the directory the server left."""

import os
import shutil
import signal
import sqlite3
import tempfile
import threading
from pathlib import Path

import botocore.exceptions

from conftest import Server, make_boto3_client, poll_until
from test_streams import all_records, stream_table

WRITERS = 3
PER_WRITER = 2000  # bounded: the server is killed long before the writers could finish
KILL_AFTER = 300   # acknowledged writes before the kill


def start(data):
    srv = Server("--data", str(data), ephemeral=False).start()
    return srv, make_boto3_client(srv.url), make_boto3_client(srv.url, "dynamodbstreams")


def writer(url, name, w, acked, lock, stop):
    ddb = make_boto3_client(url)
    try:
        for i in range(0, PER_WRITER, 5):
            if stop.is_set():
                return
            keys = [f"w{w}-{i + j:05d}" for j in range(5)]
            if i % 10 == 0:  # a PutItem per key, one transaction each
                for key in keys:
                    ddb.put_item(TableName=name, Item={"pk": {"S": key}, "v": {"N": str(i)},
                                                       "w": {"SS": [f"w{w}", "x"]}})
                    with lock:
                        acked.add(key)
            else:  # a BatchWriteItem: five items in one transaction
                out = ddb.batch_write_item(RequestItems={name: [
                    {"PutRequest": {"Item": {"pk": {"S": key}, "v": {"N": str(i)},
                                             "w": {"SS": [f"w{w}", "x"]}}}} for key in keys]})
                assert out["UnprocessedItems"] == {}
                with lock:
                    acked.update(keys)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
        return  # the server went away under us


def scan_all(ddb, name):
    items, start = {}, None
    while True:
        kwargs = {"TableName": name, "ConsistentRead": True}
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = ddb.scan(**kwargs)
        for item in page["Items"]:
            items[item["pk"]["S"]] = item
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def check_offline(db_path):
    """The storage invariants of /_awsemu/check, on the directory the server left."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        outside = conn.execute(
            "SELECT count(*) FROM ddb_stream_records r LEFT JOIN ddb_stream_shards sh"
            " ON sh.id = r.shard WHERE sh.id IS NULL OR r.seq < sh.start_seq"
            " OR r.seq > sh.last_seq").fetchone()[0]
        assert outside == 0, "records outside their shard's range"
        gaps = conn.execute(
            "SELECT count(*) FROM ddb_stream_shards sh WHERE sh.last_seq >= sh.start_seq AND"
            " (SELECT count(*) FROM ddb_stream_records r WHERE r.shard = sh.id)"
            " != sh.last_seq - sh.start_seq + 1").fetchone()[0]
        assert gaps == 0, "a shard's numbers are not dense (a record without its change?)"
        open_shards = conn.execute(
            "SELECT s.enabled, count(sh.id) FROM ddb_streams s LEFT JOIN ddb_stream_shards sh"
            " ON sh.stream_id = s.id AND sh.end_seq IS NULL GROUP BY s.id").fetchall()
        assert all(enabled == n for enabled, n in open_shards)
    finally:
        conn.close()


def test_kill_9_mid_writes_leaves_every_change_with_its_record():
    data = Path(tempfile.mkdtemp(prefix="awsemu-streams-crash-"))
    try:
        srv, ddb, streams = start(data)
        name, arn = stream_table(ddb, "NEW_IMAGE")
        acked, lock, stop = set(), threading.Lock(), threading.Event()
        threads = [threading.Thread(target=writer, args=(srv.url, name, w, acked, lock, stop))
                   for w in range(WRITERS)]
        for t in threads:
            t.start()
        try:
            assert poll_until(lambda: len(acked) >= KILL_AFTER, timeout=60)
            os.kill(srv.proc.pid, signal.SIGKILL)  # mid-way: writers are still sending
            srv.proc.wait()
        finally:
            stop.set()
            for t in threads:
                t.join(60)
        assert srv.stop() == -signal.SIGKILL
        srv._stderr.close()
        shutil.rmtree(srv.workdir, ignore_errors=True)

        srv, ddb, streams = start(data)
        try:
            items = scan_all(ddb, name)
            records = all_records(streams, arn)
            # Every acknowledged write survived; nothing half-written did.
            assert acked <= set(items)
            assert len(items) < WRITERS * PER_WRITER
            # Only distinct puts were made: one INSERT per item present, none for anything else.
            assert [r["eventName"] for r in records] == ["INSERT"] * len(records)
            assert len(records) == len(items)
            by_key = {r["dynamodb"]["Keys"]["pk"]["S"]: r["dynamodb"]["NewImage"] for r in records}
            assert len(by_key) == len(records)
            assert by_key == items  # each record's image is the committed item
            seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
            assert all(a < b for a, b in zip(seqs, seqs[1:]))
            # The sequence continues after the crash.
            ddb.put_item(TableName=name, Item={"pk": {"S": "after-crash"}})
            [last] = [r for r in all_records(streams, arn)
                      if r["dynamodb"]["Keys"]["pk"]["S"] == "after-crash"]
            assert int(last["dynamodb"]["SequenceNumber"]) > seqs[-1]
        finally:
            assert srv.stop() == 0
            srv.assert_clean_exit()
            srv._stderr.close()
            shutil.rmtree(srv.workdir, ignore_errors=True)
        check_offline(data / "awsemu.db")
    finally:
        shutil.rmtree(data, ignore_errors=True)
