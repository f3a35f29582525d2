"""Event source mapping delivery: DynamoDB stream records reach the mapped function (DESIGN
flow 1, invariant 3; wire reference §4.5, §7.1). The handler is fixtures/lambda/
python_stream_recorder: it appends each batch it receives to a file the test reads.

Covered: INSERT/MODIFY/REMOVE records in order, each GetRecords' record plus eventSourceARN;
TRIM_HORIZON and LATEST; FilterCriteria; disabled and re-enabled mappings; retries after a
function error (MaximumRetryAttempts) and giving up on a batch; a restart resuming at the
checkpoint; BisectBatchOnFunctionError; ReportBatchItemFailures; MaximumRecordAgeInSeconds;
given-up batches and their OnFailure record (GET /_awsemu/esm/failures); ParallelizationFactor
keeping per-key order; MaximumBatchingWindowInSeconds; tumbling windows; the delivery ledger
(GET /_awsemu/esm/ledger)."""

import io
import json
import re
import zipfile
from collections import defaultdict

import pytest

from conftest import (LAMBDA_ROLE, REPO_ROOT, Server, http_request, make_boto3_client,
                      poll_until, table_spec, unique_name)

FIXTURE = REPO_ROOT / "fixtures" / "lambda" / "python_stream_recorder"
DEADLINE = 10.0


@pytest.fixture(scope="module")
def code_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(FIXTURE.glob("*.py")):
            z.writestr(path.name, path.read_bytes())
    return buf.getvalue()


class Recorder:
    """A function running one stream_recorder handler, and what it received."""

    def __init__(self, lam, code_zip, path, handler="record"):
        self.path = path
        self.name = unique_name("esm-rec")
        lam.create_function(FunctionName=self.name, Runtime="python3.12", Role=LAMBDA_ROLE,
                            Handler=f"stream_recorder.{handler}", Code={"ZipFile": code_zip},
                            Environment={"Variables": {"RECORD_FILE": str(path)}})

    def batches(self):
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line]

    def records(self):
        return [r for b in self.batches() if not b["failed"] for r in b["records"]]

    def wait_records(self, n):
        assert poll_until(lambda: len(self.records()) >= n, timeout=DEADLINE), self.batches()
        return self.records()


@pytest.fixture
def recorder(lam, code_zip, tmp_path):
    def make(handler="record", tag="r"):
        return Recorder(lam, code_zip, tmp_path / f"{tag}.jsonl", handler)
    return make


def new_table(ddb):
    name = unique_name("esm-d")
    desc = ddb.create_table(**table_spec(name), StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})["TableDescription"]
    return name, desc["LatestStreamArn"]


def put(ddb, table, pk, **attrs):
    item = {"pk": {"S": pk}}
    item.update({k: {"S": v} for k, v in attrs.items()})
    ddb.put_item(TableName=table, Item=item)


def keys(records):
    return [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records]


def wait_result(lam, uuid, result):
    assert poll_until(lambda: lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"]
                      == result, timeout=DEADLINE), lam.get_event_source_mapping(UUID=uuid)


def test_changes_arrive_in_order_as_get_records_returns_them(ddb, lam, make_client, recorder):
    table, arn = new_table(ddb)
    put(ddb, table, "before")  # TRIM_HORIZON: a record older than the mapping is delivered
    rec = recorder()
    uuid = lam.create_event_source_mapping(FunctionName=rec.name, EventSourceArn=arn,
                                           StartingPosition="TRIM_HORIZON",
                                           BatchSize=10)["UUID"]
    put(ddb, table, "a", v="1")
    ddb.update_item(TableName=table, Key={"pk": {"S": "a"}}, UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": {"S": "2"}})
    ddb.delete_item(TableName=table, Key={"pk": {"S": "a"}})
    got = rec.wait_records(4)
    assert keys(got) == [("INSERT", "before"), ("INSERT", "a"), ("MODIFY", "a"),
                         ("REMOVE", "a")]
    # §7.1: "= the GetRecords record plus eventSourceARN (note capital ARN)".
    streams = make_client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    wire = json.loads(json.dumps(streams.get_records(ShardIterator=it)["Records"],
                                 default=lambda d: int(d.timestamp())))
    assert all(r.pop("eventSourceARN") == arn for r in got)
    assert got == wire
    assert got[2]["dynamodb"]["OldImage"]["v"] == {"S": "1"}
    assert got[2]["dynamodb"]["NewImage"]["v"] == {"S": "2"}
    wait_result(lam, uuid, "OK")


def test_latest_skips_records_written_before_the_mapping(ddb, lam, recorder):
    table, arn = new_table(ddb)
    put(ddb, table, "old")
    rec = recorder()
    lam.create_event_source_mapping(FunctionName=rec.name, EventSourceArn=arn,
                                    StartingPosition="LATEST")
    put(ddb, table, "new")
    got = rec.wait_records(1)
    assert keys(got) == [("INSERT", "new")], got


def test_filter_criteria_drop_records_and_move_past_them(ddb, lam, recorder):
    table, arn = new_table(ddb)
    rec = recorder()
    # §4.5: "records not matching any filter are dropped and the checkpoint advances past them".
    lam.create_event_source_mapping(
        FunctionName=rec.name, EventSourceArn=arn, StartingPosition="TRIM_HORIZON",
        BatchSize=1, FilterCriteria={"Filters": [
            {"Pattern": json.dumps({"eventName": ["INSERT"]})},
            {"Pattern": json.dumps({"dynamodb": {"NewImage": {"v": {"S": ["keep"]}}}})}]})
    put(ddb, table, "x", v="a")
    put(ddb, table, "x", v="b")     # MODIFY, not "keep": dropped
    put(ddb, table, "x", v="keep")  # MODIFY matching the second filter
    ddb.delete_item(TableName=table, Key={"pk": {"S": "x"}})  # dropped
    put(ddb, table, "y")
    got = rec.wait_records(3)
    assert keys(got) == [("INSERT", "x"), ("MODIFY", "x"), ("INSERT", "y")], got
    assert got[1]["dynamodb"]["NewImage"]["v"] == {"S": "keep"}


def test_filter_criteria_with_anything_but_prefix_exists_and_or(ddb, lam, recorder):
    table, arn = new_table(ddb)
    rec = recorder()
    # One filter, the EventBridge pattern language on the record (§9.3): not a REMOVE, and
    # either a NewImage "v" that is anything but "skip" and starts with "k", or no "v" at all.
    pattern = {"eventName": [{"anything-but": ["REMOVE"]}],
               "$or": [{"dynamodb": {"NewImage": {"v": {"S": [
                   {"anything-but": ["skip"]}, {"prefix": "k"}]}}}},
                       # exists works on leaves (AWS): v.S, not v
                       {"dynamodb": {"NewImage": {"v": {"S": [{"exists": False}]}}}}]}
    lam.create_event_source_mapping(
        FunctionName=rec.name, EventSourceArn=arn, StartingPosition="TRIM_HORIZON",
        BatchSize=10, FilterCriteria={"Filters": [{"Pattern": json.dumps(pattern)}]})
    put(ddb, table, "a", v="keep")   # kept: prefix k (and anything but skip)
    put(ddb, table, "b", v="skip")   # dropped: neither anything-but "skip" nor prefix "k"
    put(ddb, table, "c")             # kept: no "v" at all
    put(ddb, table, "d", v="other")  # kept: anything but skip
    ddb.delete_item(TableName=table, Key={"pk": {"S": "a"}})  # dropped: REMOVE
    put(ddb, table, "e", v="kite")   # kept
    got = rec.wait_records(4)
    assert keys(got) == [("INSERT", "a"), ("INSERT", "c"), ("INSERT", "d"), ("INSERT", "e")]


def test_disabled_mapping_delivers_after_it_is_enabled(ddb, lam, recorder):
    table, arn = new_table(ddb)
    off, witness = recorder(tag="off"), recorder(tag="witness")
    uuid = lam.create_event_source_mapping(FunctionName=off.name, EventSourceArn=arn,
                                           StartingPosition="TRIM_HORIZON",
                                           Enabled=False)["UUID"]
    lam.create_event_source_mapping(FunctionName=witness.name, EventSourceArn=arn,
                                    StartingPosition="TRIM_HORIZON")
    put(ddb, table, "p")
    witness.wait_records(1)  # the enabled mapping on the same stream had its turn
    assert off.batches() == []
    assert lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"] == \
        "No records processed"
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    assert keys(off.wait_records(1)) == [("INSERT", "p")]
    put(ddb, table, "q")
    assert keys(off.wait_records(2)) == [("INSERT", "p"), ("INSERT", "q")]


def test_function_error_retries_the_same_batch(ddb, lam, recorder):
    table, arn = new_table(ddb)
    rec = recorder("fail_once")
    uuid = lam.create_event_source_mapping(FunctionName=rec.name, EventSourceArn=arn,
                                           StartingPosition="TRIM_HORIZON",
                                           MaximumRetryAttempts=2)["UUID"]
    put(ddb, table, "r")
    got = rec.wait_records(1)
    batches = rec.batches()
    assert [b["failed"] for b in batches] == [True, False], batches
    assert batches[0]["records"] == batches[1]["records"] == got
    wait_result(lam, uuid, "OK")


def test_retries_exhausted_skip_the_batch(ddb, lam, recorder):
    table, arn = new_table(ddb)
    rec = recorder("fail_always")
    uuid = lam.create_event_source_mapping(FunctionName=rec.name, EventSourceArn=arn,
                                           StartingPosition="TRIM_HORIZON",
                                           MaximumRetryAttempts=1)["UUID"]
    put(ddb, table, "s")
    # §4.5: "retry the same batch until success, until MaximumRetryAttempts ..."
    wait_result(lam, uuid, "PROBLEM: Function call failed")
    batches = rec.batches()
    assert len(batches) == 2 and all(b["failed"] for b in batches), batches
    put(ddb, table, "t")  # the checkpoint moved past "s": the next batch holds "t" alone
    assert poll_until(lambda: len(rec.batches()) >= 3, timeout=DEADLINE)
    assert keys(rec.batches()[2]["records"]) == [("INSERT", "t")]


def admin_get(endpoint, path):
    resp = http_request(endpoint, "GET", path)
    assert resp.status == 200, resp
    return resp.json()


def failures(endpoint, uuid):
    return admin_get(endpoint, f"/_awsemu/esm/failures?mapping={uuid}")["failures"]


def wait_failures(endpoint, uuid, n=1):
    assert poll_until(lambda: len(failures(endpoint, uuid)) >= n, timeout=DEADLINE), \
        failures(endpoint, uuid)
    return failures(endpoint, uuid)


def seq(record):
    return record["dynamodb"]["SequenceNumber"]


ISO_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ISO_MILLIS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_bisect_isolates_the_poison_record(ddb, lam, endpoint, recorder):
    table, arn = new_table(ddb)
    for pk in ("a", "b", "poison", "c"):  # written first: TRIM_HORIZON reads them as one batch
        put(ddb, table, pk)
    rec = recorder("fail_on_poison")
    # §4.5: "With BisectBatchOnFunctionError the batch is split in two on error (bisection
    # does not consume retries)."
    uuid = lam.create_event_source_mapping(FunctionName=rec.name, EventSourceArn=arn,
                                           StartingPosition="TRIM_HORIZON", BatchSize=10,
                                           BisectBatchOnFunctionError=True,
                                           MaximumRetryAttempts=0)["UUID"]
    [failed] = wait_failures(endpoint, uuid)
    assert poll_until(lambda: len(rec.records()) >= 3, timeout=DEADLINE), rec.batches()
    assert keys(rec.records()) == [("INSERT", "a"), ("INSERT", "b"), ("INSERT", "c")]
    sizes = [(len(b["records"]), b["failed"]) for b in rec.batches()]
    assert sizes == [(4, True), (2, False), (2, True), (1, True), (1, False)], sizes
    poison = rec.batches()[3]["records"][0]
    info = failed["info"]["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == seq(poison)
    assert failed["info"]["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failed["destination"] is None


def test_partial_batch_failure_retries_from_the_failed_record(ddb, lam, recorder):
    table, arn = new_table(ddb)
    for i in range(5):
        put(ddb, table, f"k{i}")
    rec = recorder("fail_third_once")
    # §7.4: "Lambda checkpoints at the lowest sequence number and retries from there".
    uuid = lam.create_event_source_mapping(FunctionName=rec.name, EventSourceArn=arn,
                                           StartingPosition="TRIM_HORIZON", BatchSize=10,
                                           FunctionResponseTypes=["ReportBatchItemFailures"]
                                           )["UUID"]
    assert poll_until(lambda: len(rec.batches()) >= 2, timeout=DEADLINE), rec.batches()
    first, second = rec.batches()[:2]
    assert first["failed"] == "partial" and len(first["records"]) == 5
    assert second["records"] == first["records"][2:]
    wait_result(lam, uuid, "OK")
    put(ddb, table, "k5")  # the checkpoint is past k4: k5 arrives alone
    assert poll_until(lambda: len(rec.batches()) >= 3, timeout=DEADLINE)
    assert keys(rec.batches()[2]["records"]) == [("INSERT", "k5")]


def test_item_identifier_not_in_the_batch_fails_the_whole_batch(ddb, lam, recorder):
    table, arn = new_table(ddb)
    put(ddb, table, "x")
    put(ddb, table, "y")
    rec = recorder("bad_identifier_once")
    # §7.4: "Treated as full failure (retry whole batch): an entry with empty or null
    # itemIdentifier, an entry with a wrong key name".
    lam.create_event_source_mapping(FunctionName=rec.name, EventSourceArn=arn,
                                    StartingPosition="TRIM_HORIZON", BatchSize=10,
                                    FunctionResponseTypes=["ReportBatchItemFailures"])
    assert poll_until(lambda: len(rec.batches()) >= 2, timeout=DEADLINE), rec.batches()
    first, second = rec.batches()[:2]
    assert first["failed"] and not second["failed"]
    assert second["records"] == first["records"] and len(first["records"]) == 2


def test_record_age_exceeded_gives_the_batch_up(ddb, lam, endpoint, recorder):
    table, arn = new_table(ddb)
    rec = recorder("fail_always")
    uuid = lam.create_event_source_mapping(FunctionName=rec.name, EventSourceArn=arn,
                                           StartingPosition="TRIM_HORIZON",
                                           MaximumRecordAgeInSeconds=60)["UUID"]
    put(ddb, table, "old")
    assert poll_until(lambda: len(rec.batches()) >= 1, timeout=DEADLINE)
    assert failures(endpoint, uuid) == []  # MaximumRetryAttempts -1: it keeps retrying
    resp = http_request(endpoint, "POST", "/_awsemu/clock", body=json.dumps(
        {"advance_seconds": 120}), headers={"Content-Type": "application/json"})
    assert resp.status == 200, resp
    [failed] = wait_failures(endpoint, uuid)
    assert failed["condition"] == "RecordAgeExceeded"
    info = failed["info"]
    assert info["requestContext"]["condition"] == "RecordAgeExceeded"
    assert info["requestContext"]["approximateInvokeCount"] >= 1
    batch = info["DDBStreamBatchInfo"]
    assert batch["batchSize"] == 1 and batch["streamArn"] == arn
    assert batch["startSequenceNumber"] == seq(rec.batches()[0]["records"][0])
    wait_result(lam, uuid, "PROBLEM: Function call failed")
    n = len(rec.batches())
    put(ddb, table, "new")  # the checkpoint moved past the given-up batch
    assert poll_until(lambda: len(rec.batches()) > n, timeout=DEADLINE)
    assert keys(rec.batches()[n]["records"]) == [("INSERT", "new")]


def test_on_failure_destination_gets_lambdas_record(ddb, lam, endpoint, make_client,
                                                   recorder):
    table, arn = new_table(ddb)
    rec = recorder("fail_always")
    dest = "arn:aws:sqs:us-east-1:000000000000:esm-dlq"
    uuid = lam.create_event_source_mapping(
        FunctionName=rec.name, EventSourceArn=arn, StartingPosition="TRIM_HORIZON",
        MaximumRetryAttempts=1, DestinationConfig={"OnFailure": {"Destination": dest}})["UUID"]
    put(ddb, table, "lost")
    [failed] = wait_failures(endpoint, uuid)
    # §4.5: "On discard: send to OnFailure destination a record like {requestContext, ...}".
    assert failed["destination"] == dest and failed["function"] == rec.name
    info = failed["info"]
    batches = rec.batches()
    assert len(batches) == 2
    fn_arn = lam.get_function(FunctionName=rec.name)["Configuration"]["FunctionArn"]
    assert info["requestContext"] == {"requestId": batches[1]["request_id"],
                                      "functionArn": fn_arn,
                                      "condition": "RetryAttemptsExhausted",
                                      "approximateInvokeCount": 2}
    assert info["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST",
                                       "functionError": "Unhandled"}
    assert info["version"] == "1.0" and ISO_MILLIS.match(info["timestamp"])
    shard = make_client("dynamodbstreams").describe_stream(
        StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    record = batches[0]["records"][0]
    batch = info["DDBStreamBatchInfo"]
    assert batch == {"shardId": shard, "startSequenceNumber": seq(record),
                     "endSequenceNumber": seq(record),
                     "approximateArrivalOfFirstRecord": batch["approximateArrivalOfFirstRecord"],
                     "approximateArrivalOfLastRecord": batch["approximateArrivalOfLastRecord"],
                     "batchSize": 1, "streamArn": arn}
    assert ISO_SECONDS.match(batch["approximateArrivalOfFirstRecord"])
    assert ISO_SECONDS.match(batch["approximateArrivalOfLastRecord"])
    assert len(admin_get(endpoint, "/_awsemu/esm/failures")["failures"]) >= 1
    wait_result(lam, uuid, "PROBLEM: Function call failed")


def test_parallelization_keeps_each_keys_order(ddb, lam, recorder):
    table, arn = new_table(ddb)
    rec = recorder()
    # §4.5: "with ParallelizationFactor N, concurrent batches are keyed by item key (order
    # kept per key)".
    lam.create_event_source_mapping(FunctionName=rec.name, EventSourceArn=arn,
                                    StartingPosition="TRIM_HORIZON", BatchSize=4,
                                    ParallelizationFactor=3)
    item_keys = [f"key{i}" for i in range(12)]
    for round_ in range(4):
        for k in item_keys:
            put(ddb, table, k, v=str(round_))
    got = rec.wait_records(48)
    assert len(got) == 48 and len({seq(r) for r in got}) == 48
    per_key = defaultdict(list)
    for r in got:
        per_key[r["dynamodb"]["Keys"]["pk"]["S"]].append(r)
    for k in item_keys:
        seqs = [int(seq(r)) for r in per_key[k]]
        assert seqs == sorted(seqs), (k, seqs)
        assert [r["dynamodb"]["NewImage"]["v"]["S"] for r in per_key[k]] == ["0", "1", "2", "3"]


def test_batching_window_collects_records_into_one_batch(ddb, lam, recorder):
    table, arn = new_table(ddb)
    rec, full = recorder(tag="window"), recorder(tag="full")
    lam.create_event_source_mapping(FunctionName=rec.name, EventSourceArn=arn,
                                    StartingPosition="TRIM_HORIZON", BatchSize=10,
                                    MaximumBatchingWindowInSeconds=2)
    # BatchSize reached: sent at once, not after the 60 s window.
    lam.create_event_source_mapping(FunctionName=full.name, EventSourceArn=arn,
                                    StartingPosition="TRIM_HORIZON", BatchSize=2,
                                    MaximumBatchingWindowInSeconds=60)
    for pk in ("w1", "w2", "w3"):
        put(ddb, table, pk)
    rec.wait_records(3)
    assert [len(b["records"]) for b in rec.batches()] == [3], rec.batches()
    full.wait_records(2)
    assert keys(full.batches()[0]["records"]) == [("INSERT", "w1"), ("INSERT", "w2")]


def test_tumbling_window_carries_state_and_ends_with_a_final_invoke(ddb, lam, endpoint,
                                                                    recorder):
    table, arn = new_table(ddb)
    rec = recorder("tumbling")
    lam.create_event_source_mapping(FunctionName=rec.name, EventSourceArn=arn,
                                    StartingPosition="TRIM_HORIZON", BatchSize=10,
                                    TumblingWindowInSeconds=60)
    put(ddb, table, "t1")
    put(ddb, table, "t2")
    assert poll_until(lambda: sum(len(b["records"]) for b in rec.batches()) >= 2,
                      timeout=DEADLINE), rec.batches()
    put(ddb, table, "t3")
    assert poll_until(lambda: sum(len(b["records"]) for b in rec.batches()) >= 3,
                      timeout=DEADLINE), rec.batches()
    assert not any(b["final"] for b in rec.batches())  # the window is still open
    http_request(endpoint, "POST", "/_awsemu/clock", body=json.dumps({"advance_seconds": 61}))
    assert poll_until(lambda: rec.batches() and rec.batches()[-1]["final"], timeout=DEADLINE)
    windows = defaultdict(list)
    for b in rec.batches():
        windows[b["window"]["start"]].append(b)
    total = 0
    for start, invocations in windows.items():
        # §4.5: "event gains window{start,end}, state, shardId, eventSourceARN,
        # isFinalInvokeForWindow, isWindowTerminatedEarly".
        count = 0
        for i, b in enumerate(invocations):
            assert ISO_SECONDS.match(b["window"]["start"]) and ISO_SECONDS.match(
                b["window"]["end"]), b["window"]
            assert b["state"] == ({} if i == 0 else {"count": count}), invocations
            assert b["final"] == (i == len(invocations) - 1), invocations
            assert b["early"] is False and b["source"] == arn and b["shard_id"]
            count += len(b["records"])
        total += count
    assert total == 3


def test_ledger_shows_batched_invoked_result_checkpoint(ddb, lam, endpoint, recorder):
    table, arn = new_table(ddb)
    rec = recorder()
    uuid = lam.create_event_source_mapping(FunctionName=rec.name, EventSourceArn=arn,
                                           StartingPosition="TRIM_HORIZON")["UUID"]
    put(ddb, table, "l1")
    [record] = rec.wait_records(1)

    def batches():
        return admin_get(endpoint, f"/_awsemu/esm/ledger?mapping={uuid}")["batches"]
    assert poll_until(lambda: batches() and "checkpoint" in batches()[-1], timeout=DEADLINE)
    [entry] = batches()
    assert entry["mapping"] == uuid and entry["records"] == 1 and entry["filtered"] == 0
    assert entry["first_sequence"] == entry["last_sequence"] == seq(record)
    assert [(a["attempt"], a["request_id"], a["result"]) for a in entry["invocations"]] == \
        [(1, rec.batches()[0]["request_id"], "OK")]
    assert entry["checkpoint"] == seq(record)
    by_seq = admin_get(endpoint, f"/_awsemu/esm/ledger?sequence={seq(record)}")["batches"]
    assert [b["batch"] for b in by_seq] == [entry["batch"]]


def test_restart_resumes_at_the_checkpoint(code_zip, tmp_path):
    # DESIGN invariant 3: "its checkpoint survives a restart".
    data = tmp_path / "data"
    srv = Server("--data", str(data), ephemeral=False).start()
    try:
        ddb, lam = make_boto3_client(srv.url), make_boto3_client(srv.url, "lambda")
        table, arn = new_table(ddb)
        rec = Recorder(lam, code_zip, tmp_path / "restart.jsonl")
        lam.create_event_source_mapping(FunctionName=rec.name, EventSourceArn=arn,
                                        StartingPosition="TRIM_HORIZON")
        put(ddb, table, "one")
        rec.wait_records(1)
    finally:
        srv.stop()
    srv.assert_clean_exit()
    srv = Server("--data", str(data), ephemeral=False).start()
    try:
        ddb = make_boto3_client(srv.url)
        put(ddb, table, "two")
        assert keys(rec.wait_records(2)) == [("INSERT", "one"), ("INSERT", "two")]
        assert len(rec.batches()) == 2, rec.batches()
    finally:
        srv.stop()
    srv.assert_clean_exit()
