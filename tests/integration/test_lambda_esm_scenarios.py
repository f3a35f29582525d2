"""Event source mapping scenarios (DESIGN flow 1, invariant 3; wire reference §4.5, §7.1), each
with a fixture handler that records what it received:

- the exact event per stream view type (fixtures/lambda/python_stream_recorder: whole records);
- 10,000 BatchWriteItem writes delivered exactly once each, in sequence order, BatchSize 100;
- a disabled mapping resuming where it stopped; LATEST against TRIM_HORIZON on one stream;
- kill -9 of a persistent server while batches are delivered: after a restart on the same data
  directory every record arrives at least once, in order, and only the batch in flight at the
  kill may arrive twice.

The compact recorder is fixtures/lambda/python_stream_log (handler stream_log.batch: one line
per batch with sequence numbers and keys). Waits use POST /_awsemu/settle when the server has
it (it returns once every record committed before the call reached every enabled mapping and
the handler finished), else poll with a deadline."""

import io
import json
import os
import re
import shutil
import signal
import time
import zipfile

import pytest

from conftest import (DEFAULT_REGION, LAMBDA_ROLE, REPO_ROOT, Server, http_request,
                      make_boto3_client, open_connection, poll_until, table_spec,
                      unique_name)

RECORDER = REPO_ROOT / "fixtures" / "lambda" / "python_stream_recorder"
STREAM_LOG = REPO_ROOT / "fixtures" / "lambda" / "python_stream_log"
DEADLINE = 20.0  # seconds for any one wait on delivery
MANY = 10_000    # writes in the ordering scenario
MANY_DEADLINE = 40.0

EVENT_KEYS = {"eventID", "eventName", "eventVersion", "eventSource", "awsRegion", "dynamodb",
              "eventSourceARN"}


def zip_dir(path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for file in sorted(path.glob("*.py")):
            z.writestr(file.name, file.read_bytes())
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Waiting


def settle(url, timeout=DEADLINE):
    """POST /_awsemu/settle: True once settled, None when the server has no such endpoint."""
    resp = http_request(url, "POST", "/_awsemu/settle",
                        json.dumps({"timeout_seconds": timeout}).encode(),
                        {"Content-Type": "application/json"})
    if resp.status == 404:
        return None
    assert resp.status == 200, resp
    body = resp.json()
    assert body.get("settled") is True, f"not settled within {timeout}s: {body}"
    return True


def wait_for(url, predicate, timeout=DEADLINE):
    """Settle then check `predicate`; without settle, poll it until `timeout`."""
    if settle(url, timeout):
        return predicate()
    return poll_until(predicate, timeout=timeout, interval=0.05)


# --------------------------------------------------------------------------------------------
# Functions and what they recorded


class Log:
    """A function running fixtures/lambda/python_stream_log, and the batches it wrote."""

    def __init__(self, lam, path, handler="batch", sleep=0.0):
        self.path = path
        self.name = unique_name("esm-log")
        env = {"LOG_FILE": str(path)}
        if sleep:
            env["SLEEP_SECONDS"] = str(sleep)
        lam.create_function(FunctionName=self.name, Runtime="python3.12", Role=LAMBDA_ROLE,
                            Handler=f"stream_log.{handler}", Code={"ZipFile": zip_dir(STREAM_LOG)},
                            Environment={"Variables": env}, Timeout=30)

    def batches(self):
        if not self.path.exists():
            return []
        # a line being written is complete only with its newline
        text = self.path.read_text()
        return [json.loads(line) for line in text[:text.rfind("\n") + 1].splitlines()]

    def keys(self):
        return [k for b in self.batches() for k in b["keys"]]

    def seqs(self):
        return [s for b in self.batches() for s in b["seqs"]]


class Recorder:
    """A function running fixtures/lambda/python_stream_recorder: whole records."""

    def __init__(self, lam, path):
        self.path = path
        self.name = unique_name("esm-rec")
        lam.create_function(FunctionName=self.name, Runtime="python3.12", Role=LAMBDA_ROLE,
                            Handler="stream_recorder.record", Code={"ZipFile": zip_dir(RECORDER)},
                            Environment={"Variables": {"RECORD_FILE": str(path)}})

    def records(self):
        if not self.path.exists():
            return []
        return [r for line in self.path.read_text().splitlines() if line
                for r in json.loads(line)["records"]]


def new_table(ddb, view="NEW_AND_OLD_IMAGES"):
    name = unique_name("esm-s")
    desc = ddb.create_table(**table_spec(name), StreamSpecification={
        "StreamEnabled": True, "StreamViewType": view})["TableDescription"]
    return name, desc["LatestStreamArn"]


def put(ddb, table, pk, **attrs):
    item = {"pk": {"S": pk}}
    item.update({k: {"S": v} for k, v in attrs.items()})
    ddb.put_item(TableName=table, Item=item)


def map_stream(lam, fn, arn, position="TRIM_HORIZON", **kwargs):
    return lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=arn,
                                           StartingPosition=position, **kwargs)["UUID"]


def stream_seqs(streams, arn):
    """Every record of the stream through GetRecords: [(SequenceNumber, pk)] in shard order,
    parents before children (bounded: 100 pages a shard)."""
    out = []
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    for shard in shards:
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        for _ in range(100):
            page = streams.get_records(ShardIterator=it, Limit=1000)
            out += [(r["dynamodb"]["SequenceNumber"], r["dynamodb"]["Keys"]["pk"]["S"])
                    for r in page["Records"]]
            it = page.get("NextShardIterator")
            if not it or not page["Records"]:
                break
    return out


def batch_write(url, table, keys, conn=None):
    """BatchWriteItem of `keys` (25 a request) over one keep-alive connection, raw JSON."""
    own = conn is None
    conn = conn or open_connection(url)
    headers = {"X-Amz-Target": "DynamoDB_20120810.BatchWriteItem",
               "Content-Type": "application/x-amz-json-1.0"}
    try:
        for start in range(0, len(keys), 25):
            body = json.dumps({"RequestItems": {table: [
                {"PutRequest": {"Item": {"pk": {"S": k}, "n": {"N": str(start + i)}}}}
                for i, k in enumerate(keys[start:start + 25])]}})
            conn.request("POST", "/", body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            assert resp.status == 200, (resp.status, data[:500])
            assert json.loads(data)["UnprocessedItems"] == {}, data[:500]
    finally:
        if own:
            conn.close()


# --------------------------------------------------------------------------------------------
# The event, per view type


@pytest.mark.parametrize("view,region", [("KEYS_ONLY", DEFAULT_REGION),
                                         ("NEW_IMAGE", DEFAULT_REGION),
                                         ("OLD_IMAGE", DEFAULT_REGION),
                                         ("NEW_AND_OLD_IMAGES", DEFAULT_REGION),
                                         ("NEW_AND_OLD_IMAGES", "eu-west-1")])
def test_event_shape_per_view_type(endpoint, make_client, tmp_path, view, region):
    ddb, lam = make_client(region=region), make_client("lambda", region=region)
    table, arn = new_table(ddb, view)
    rec = Recorder(lam, tmp_path / "shape.jsonl")
    map_stream(lam, rec.name, arn, BatchSize=10)
    t0 = int(time.time())
    item = {"pk": {"S": "k1"}, "s": {"S": "text"}, "n": {"N": "1.5"}, "b": {"B": b"\x00\xff"},
            "t": {"BOOL": True}, "z": {"NULL": True}, "l": {"L": [{"S": "x"}, {"N": "2"}]},
            "m": {"M": {"in": {"SS": ["a"]}}}}
    ddb.put_item(TableName=table, Item=item)
    ddb.update_item(TableName=table, Key={"pk": {"S": "k1"}}, UpdateExpression="SET s = :v",
                    ExpressionAttributeValues={":v": {"S": "changed"}})
    ddb.delete_item(TableName=table, Key={"pk": {"S": "k1"}})
    got = wait_for(endpoint, lambda: len(rec.records()) >= 3 and rec.records())
    t1 = int(time.time())
    assert got and [r["eventName"] for r in got] == ["INSERT", "MODIFY", "REMOVE"], got

    new_wire = dict(item, b={"B": "AP8="})  # §7.1: "Binary values stay base64"
    modified = dict(new_wire, s={"S": "changed"})
    new_images = {"INSERT": new_wire, "MODIFY": modified}
    old_images = {"MODIFY": new_wire, "REMOVE": modified}
    with_new = view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES")
    with_old = view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES")
    seqs = []
    for r in got:
        name = r["eventName"]
        # §7.1: "= the GetRecords record plus eventSourceARN (note capital ARN)".
        assert set(r) == EVENT_KEYS, r
        assert re.fullmatch(r"[0-9a-f]{32}", r["eventID"]), r  # §3.1: "32 hex chars"
        assert r["eventVersion"] == "1.1" and r["eventSource"] == "aws:dynamodb", r
        assert r["awsRegion"] == region and r["eventSourceARN"] == arn, r
        d = r["dynamodb"]
        want = {"ApproximateCreationDateTime", "Keys", "SequenceNumber", "SizeBytes",
                "StreamViewType"}
        if with_new and name in new_images:
            want.add("NewImage")
        if with_old and name in old_images:
            want.add("OldImage")
        assert set(d) == want, (view, name, d)
        assert d["Keys"] == {"pk": {"S": "k1"}}, d
        assert d["StreamViewType"] == view, d
        # §3.4: "epoch seconds, JSON number, rounded down to the second"
        assert isinstance(d["ApproximateCreationDateTime"], (int, float)), d
        assert d["ApproximateCreationDateTime"] == int(d["ApproximateCreationDateTime"]), d
        assert t0 <= d["ApproximateCreationDateTime"] <= t1, (t0, t1, d)
        assert isinstance(d["SizeBytes"], int) and d["SizeBytes"] >= 1, d
        assert re.fullmatch(r"[1-9][0-9]{20,39}", d["SequenceNumber"]), d
        if "NewImage" in want:
            assert canon(d["NewImage"]) == canon(new_images[name]), (name, d)
        if "OldImage" in want:
            assert canon(d["OldImage"]) == canon(old_images[name]), (name, d)
        seqs.append(int(d["SequenceNumber"]))
    assert seqs == sorted(seqs) and len(set(seqs)) == 3, seqs
    assert len({r["eventID"] for r in got}) == 3


def canon(image):
    """Images compare with numbers as Decimal strings normalised (DynamoDB strips zeros)."""
    return json.loads(json.dumps(image))


# --------------------------------------------------------------------------------------------
# Ordering at volume


def test_ten_thousand_writes_arrive_once_each_in_sequence_order(endpoint, ddb, lam,
                                                                make_client, tmp_path):
    table, arn = new_table(ddb, "KEYS_ONLY")
    log = Log(lam, tmp_path / "many.jsonl")
    uuid = map_stream(lam, log.name, arn, BatchSize=100)
    keys = [f"k{i:05d}" for i in range(MANY)]
    t0 = time.monotonic()
    batch_write(endpoint, table, keys)  # delivery runs while the writes go on
    write_s = time.monotonic() - t0
    got = wait_for(endpoint, lambda: len(log.seqs()) >= MANY, timeout=MANY_DEADLINE)
    assert got, f"{len(log.seqs())} of {MANY} records after {MANY_DEADLINE}s"
    deliver_s = time.monotonic() - t0
    batches = log.batches()
    wire = stream_seqs(make_client("dynamodbstreams"), arn)
    assert [k for _, k in wire] == keys  # one writer: the stream holds the writes in order
    # Invariant 3 with one shard: every record, in sequence order, exactly once here (no
    # failure happened, so nothing had to be delivered twice).
    assert log.seqs() == [s for s, _ in wire], "delivered sequence differs from the stream's"
    assert log.keys() == keys
    assert all(1 <= len(b["seqs"]) <= 100 for b in batches), [len(b["seqs"]) for b in batches]
    assert all(n == ["INSERT"] * len(b["seqs"]) for b in batches for n in [b["names"]])
    assert len({b["rid"] for b in batches}) == len(batches)  # one invocation per batch
    assert lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"] == "OK"
    print(f"{MANY} writes in {write_s:.2f}s, all delivered after {deliver_s:.2f}s "
          f"in {len(batches)} batches")


# --------------------------------------------------------------------------------------------
# Disabled mappings, starting positions


def test_disabled_mapping_resumes_where_it_stopped(endpoint, ddb, lam, tmp_path):
    table, arn = new_table(ddb)
    log, witness = Log(lam, tmp_path / "off.jsonl"), Log(lam, tmp_path / "witness.jsonl")
    uuid = map_stream(lam, log.name, arn)
    map_stream(lam, witness.name, arn)
    for k in ("a", "b"):
        put(ddb, table, k)
    assert wait_for(endpoint, lambda: log.keys() == ["a", "b"]), log.batches()

    lam.update_event_source_mapping(UUID=uuid, Enabled=False)
    assert poll_until(lambda: lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled")
    for k in ("c", "d"):
        put(ddb, table, k)
    ddb.delete_item(TableName=table, Key={"pk": {"S": "a"}})
    # the enabled mapping on the same stream had its turn; the disabled one got nothing
    assert wait_for(endpoint, lambda: witness.keys() == ["a", "b", "c", "d", "a"]), \
        witness.batches()
    assert log.keys() == ["a", "b"], log.batches()

    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    put(ddb, table, "e")
    # resumes after "b": nothing before the checkpoint again, nothing skipped
    assert wait_for(endpoint, lambda: len(log.keys()) >= 6), log.batches()
    assert log.keys() == ["a", "b", "c", "d", "a", "e"], log.batches()
    assert [n for b in log.batches() for n in b["names"]] == \
        ["INSERT"] * 4 + ["REMOVE", "INSERT"]
    assert log.seqs() == witness.seqs()[:5] + [log.seqs()[-1]]
    assert lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"] == "OK"


def test_latest_and_trim_horizon_on_one_stream(endpoint, ddb, lam, tmp_path):
    table, arn = new_table(ddb)
    for k in ("old1", "old2"):
        put(ddb, table, k)
    # §3.2: "TRIM_HORIZON = oldest untrimmed record; LATEST = just after the newest record
    # (records written later are returned)".
    horizon, latest = Log(lam, tmp_path / "th.jsonl"), Log(lam, tmp_path / "latest.jsonl")
    map_stream(lam, horizon.name, arn, "TRIM_HORIZON")
    map_stream(lam, latest.name, arn, "LATEST")
    put(ddb, table, "new1")
    put(ddb, table, "old1", v="x")
    assert wait_for(endpoint, lambda: len(horizon.keys()) >= 4 and len(latest.keys()) >= 2), \
        (horizon.batches(), latest.batches())
    assert horizon.keys() == ["old1", "old2", "new1", "old1"]
    assert latest.keys() == ["new1", "old1"]
    assert latest.seqs() == horizon.seqs()[2:]
    assert [n for b in latest.batches() for n in b["names"]] == ["INSERT", "MODIFY"]

    # A LATEST mapping on a stream with no record yet gets the first one.
    table2, arn2 = new_table(ddb)
    first = Log(lam, tmp_path / "first.jsonl")
    map_stream(lam, first.name, arn2, "LATEST")
    put(ddb, table2, "only")
    assert wait_for(endpoint, lambda: first.keys() == ["only"]), first.batches()


# --------------------------------------------------------------------------------------------
# kill -9 while batches are delivered


def tree_pids(pids):
    """The processes and all their descendants (awsemu-launch, then the runtime under it)."""
    out = []
    for pid in pids:
        out.append(pid)
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    out += tree_pids(int(c) for c in f.read().split())
            except OSError:
                pass
    return out


def live_pids(pids):
    out = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.append(pid)
    return out


def test_kill_9_during_delivery_redelivers_only_the_batch_in_flight(tmp_path):
    # DESIGN invariant 3: "An event source mapping delivers every record at least once, in
    # order per shard ...; its checkpoint survives a restart and a `kill -9`."
    data = tmp_path / "data"
    logfile = tmp_path / "kill.jsonl"
    total, size = 200, 10
    keys = [f"r{i:03d}" for i in range(total)]
    srv = Server("--data", str(data), ephemeral=False).start()
    try:
        ddb, lam = make_boto3_client(srv.url), make_boto3_client(srv.url, "lambda")
        table, arn = new_table(ddb, "KEYS_ONLY")
        batch_write(srv.url, table, keys)  # all written first: every batch is a full one
        log = Log(lam, logfile, sleep=0.1)
        map_stream(lam, log.name, arn, BatchSize=size)
        assert poll_until(lambda: len(log.batches()) >= 4, timeout=DEADLINE), log.batches()
        instances = http_request(srv.url, "GET", "/_awsemu/lambda/instances").json()
        pids = tree_pids([i["pid"] for i in instances["instances"]])
        assert pids, instances
        srv.stop(signal.SIGKILL)
        assert srv.returncode == -signal.SIGKILL, srv.returncode
        # DESIGN invariant 6: no handler outlives the server, SIGKILL included
        assert poll_until(lambda: not live_pids(pids), timeout=10), live_pids(pids)
    finally:
        if srv.proc.poll() is None:
            srv.stop(signal.SIGKILL)
        srv._stderr.close()
        shutil.rmtree(srv.workdir, ignore_errors=True)
    before = log.batches()
    assert 4 <= len(before) < total // size, f"{len(before)} batches before the kill"

    srv = Server("--data", str(data), ephemeral=False).start()
    try:
        streams = make_boto3_client(srv.url, "dynamodbstreams")
        wire = stream_seqs(streams, arn)
        assert [k for _, k in wire] == keys
        seqs = [s for s, _ in wire]
        assert wait_for(srv.url, lambda: set(log.seqs()) >= set(seqs), timeout=30), \
            f"{len(set(log.seqs()))} of {total} records after the restart"
    finally:
        srv.stop()
    srv.assert_clean_exit()
    shutil.rmtree(srv.workdir, ignore_errors=True)

    after = log.batches()[len(before):]
    pre = [s for b in before for s in b["seqs"]]
    post = [s for b in after for s in b["seqs"]]
    assert pre == seqs[:len(pre)], "before the kill: not the stream's order"
    assert all(len(b["seqs"]) == size for b in before + after), \
        [len(b["seqs"]) for b in before + after]
    # After the restart delivery resumes at the checkpoint: right after the last batch
    # recorded, or at its start when the kill came before its checkpoint was written.
    last = before[-1]["seqs"]
    again = post[:len(last)] == last
    rest = post[len(last):] if again else post
    assert rest == seqs[len(pre):], (f"after the restart: {len(post)} records starting at "
                                     f"{post[:1]}; expected {seqs[len(pre):len(pre) + 1]}"
                                     f"{' or the last batch again' if not again else ''}")
    assert len(after) in ((total - len(pre)) // size, (total - len(pre)) // size + 1)
    print(f"{len(before)} batches before the kill; the last one "
          f"{'delivered again' if again else 'not delivered again'} after the restart")
