"""Event source mapping delivery: DynamoDB stream records reach the mapped function (DESIGN
flow 1, invariant 3; wire reference §4.5, §7.1). The handler is fixtures/lambda/
python_stream_recorder: it appends each batch it receives to a file the test reads.

Covered: INSERT/MODIFY/REMOVE records in order, each GetRecords' record plus eventSourceARN;
TRIM_HORIZON and LATEST; FilterCriteria; disabled and re-enabled mappings; retries after a
function error (MaximumRetryAttempts) and giving up on a batch; a restart resuming at the
checkpoint."""

import io
import json
import zipfile

import pytest

from conftest import (LAMBDA_ROLE, REPO_ROOT, Server, make_boto3_client, poll_until,
                      table_spec, unique_name)

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
