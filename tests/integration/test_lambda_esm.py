"""Lambda event source mappings with DynamoDB stream sources, through boto3 (wire reference
§4.1, §4.5): every operation, every validation error (code and HTTP status), pagination,
state transitions, the one-mapping-per-function-and-stream conflict, deletion (also through
DeleteFunction) and update semantics. Only the API is tested: awsemu stores and validates
mappings but does not deliver records yet."""

import datetime
import json

import boto3
import botocore.config
import pytest

from conftest import (ACCESS_KEY, CLIENT_CONFIG, DEFAULT_ACCOUNT, DEFAULT_REGION, LAMBDA_ROLE,
                      SECRET_KEY, expect_error, function_arn, http_request, make_zip,
                      table_spec, unique_name)

INVALID = "InvalidParameterValueException"
VALIDATION = "ValidationException"
NOT_FOUND = "ResourceNotFoundException"
CONFLICT = "ResourceConflictException"
# §4.5: Get/Update/Delete of an unknown UUID.
GONE = "The resource you requested does not exist."
INSERTS = json.dumps({"eventName": ["INSERT"]})


@pytest.fixture(scope="module")
def lam_raw(endpoint):
    """A Lambda client that sends what it is given: botocore's own range checks off, so the
    server's are the ones tested."""
    config = CLIENT_CONFIG.merge(botocore.config.Config(parameter_validation=False))
    return boto3.session.Session().client(
        "lambda", endpoint_url=endpoint, region_name=DEFAULT_REGION,
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, config=config)


def new_function(lam):
    name = unique_name("esm-fn")
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=LAMBDA_ROLE,
                        Handler="handler.handler", Code={"ZipFile": make_zip()})
    return name


def new_stream(ddb, enabled=True):
    """A table with a stream; returns its stream ARN."""
    name = unique_name("esm-t")
    desc = ddb.create_table(**table_spec(name), StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})["TableDescription"]
    if not enabled:
        ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    return desc["LatestStreamArn"]


@pytest.fixture
def fn(lam):
    return new_function(lam)


@pytest.fixture
def stream(ddb):
    return new_stream(ddb)


def create(lam, fn, stream, **kwargs):
    args = dict(FunctionName=fn, EventSourceArn=stream, StartingPosition="TRIM_HORIZON")
    args.update(kwargs)
    return lam.create_event_source_mapping(**args)


def status(resp):
    return resp["ResponseMetadata"]["HTTPStatusCode"]


def output_knows(client, member):
    """Whether this botocore parses `member` of EventSourceMappingConfiguration (an older one
    drops members newer than itself)."""
    shape = client.meta.service_model.operation_model("GetEventSourceMapping").output_shape
    return member in shape.members


def settings(m):
    """The members of a mapping that are settings (no identity, state or time)."""
    drop = {"ResponseMetadata", "State", "LastModified", "StateTransitionReason",
            "LastProcessingResult"}
    return {k: v for k, v in m.items() if k not in drop}


# ---- CreateEventSourceMapping, GetEventSourceMapping --------------------------------------

def test_create_answers_202_creating_with_the_defaults(lam, fn, stream):
    before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
    m = create(lam, fn, stream)
    assert status(m) == 202
    # §4.5: "Create/Update/Delete return 202 with the transitional state; Get/List should
    # show the settled state."
    assert m["State"] == "Creating"
    assert m["StateTransitionReason"] == "User action"
    assert m["LastProcessingResult"] == "No records processed"
    assert m["EventSourceArn"] == stream
    assert m["FunctionArn"] == function_arn(fn)
    if output_knows(lam, "EventSourceMappingArn"):  # botocore >= 1.35
        assert m["EventSourceMappingArn"] == (f"arn:aws:lambda:{DEFAULT_REGION}:"
                                              f"{DEFAULT_ACCOUNT}:event-source-mapping:{m['UUID']}")
    assert len(m["UUID"]) == 36
    # §4.5 request defaults for a stream source.
    assert (m["BatchSize"], m["MaximumBatchingWindowInSeconds"], m["ParallelizationFactor"]) \
        == (100, 0, 1)
    assert m["StartingPosition"] == "TRIM_HORIZON"
    assert (m["MaximumRecordAgeInSeconds"], m["MaximumRetryAttempts"]) == (-1, -1)
    assert m["BisectBatchOnFunctionError"] is False
    assert m["DestinationConfig"] == {"OnFailure": {}}
    assert m["FunctionResponseTypes"] == []
    assert m["TumblingWindowInSeconds"] == 0
    assert "FilterCriteria" not in m
    # "LastModified is an epoch-seconds number here" (botocore parses it to a datetime).
    assert isinstance(m["LastModified"], datetime.datetime)
    assert before <= m["LastModified"] <= before + datetime.timedelta(minutes=1)

    got = lam.get_event_source_mapping(UUID=m["UUID"])
    assert status(got) == 200
    assert got["State"] == "Enabled"
    assert settings(got) == settings(m)
    assert got["LastModified"] == m["LastModified"]


def test_create_disabled_settles_disabled(lam, fn, stream):
    m = create(lam, fn, stream, Enabled=False, StartingPosition="LATEST")
    assert m["State"] == "Creating" and m["StartingPosition"] == "LATEST"
    assert lam.get_event_source_mapping(UUID=m["UUID"])["State"] == "Disabled"


def test_create_with_every_option(lam, fn, stream):
    pattern = json.dumps({"eventName": ["INSERT"],
                          "dynamodb": {"NewImage": {"status": {"S": ["open"]}}}})
    dest = f"arn:aws:sqs:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:failures"
    m = create(lam, fn, stream, BatchSize=10000, MaximumBatchingWindowInSeconds=300,
               ParallelizationFactor=10, MaximumRetryAttempts=10000,
               MaximumRecordAgeInSeconds=604800, BisectBatchOnFunctionError=True,
               TumblingWindowInSeconds=900, FunctionResponseTypes=["ReportBatchItemFailures"],
               FilterCriteria={"Filters": [{"Pattern": pattern}, {"Pattern": INSERTS}]},
               DestinationConfig={"OnFailure": {"Destination": dest}}, Enabled=True)
    expected = {"BatchSize": 10000, "MaximumBatchingWindowInSeconds": 300,
                "ParallelizationFactor": 10, "MaximumRetryAttempts": 10000,
                "MaximumRecordAgeInSeconds": 604800, "BisectBatchOnFunctionError": True,
                "TumblingWindowInSeconds": 900,
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
                "FilterCriteria": {"Filters": [{"Pattern": pattern}, {"Pattern": INSERTS}]},
                "DestinationConfig": {"OnFailure": {"Destination": dest}}}
    for key, value in expected.items():
        assert m[key] == value, key
    got = lam.get_event_source_mapping(UUID=m["UUID"])
    assert settings(got) == settings(m)


def test_lower_bounds_are_accepted(lam, fn, stream):
    m = create(lam, fn, stream, BatchSize=1, MaximumRetryAttempts=0,
               MaximumRecordAgeInSeconds=60, ParallelizationFactor=1, FunctionResponseTypes=[])
    assert (m["BatchSize"], m["MaximumRetryAttempts"], m["MaximumRecordAgeInSeconds"]) == \
        (1, 0, 60)


@pytest.mark.parametrize("form", ["arn", "partial", "latest"])
def test_function_name_forms(lam, ddb, form):
    fn = new_function(lam)
    name = {"arn": function_arn(fn), "partial": f"{DEFAULT_ACCOUNT}:function:{fn}",
            "latest": function_arn(fn, qualifier="$LATEST")}[form]
    m = create(lam, name, new_stream(ddb))
    assert m["FunctionArn"] == function_arn(fn)


def test_second_mapping_of_a_function_and_stream_conflicts(lam, fn, stream, ddb):
    first = create(lam, fn, stream)
    # §4.5: "same stream+function twice → 409 ResourceConflictException".
    message = (f'The event source arn (" {stream} ") and function (" {fn} ") provided mapping '
               f"already exists. Please update or delete the existing mapping with UUID "
               f"{first['UUID']}")
    with expect_error(CONFLICT, 409, message):
        create(lam, fn, stream, BatchSize=5)
    with expect_error(CONFLICT, 409, message):
        create(lam, function_arn(fn), stream, StartingPosition="LATEST")
    # Another function on the same stream, and the same function on another stream, are fine.
    create(lam, new_function(lam), stream)
    create(lam, fn, new_stream(ddb))


# ---- validation -----------------------------------------------------------------------------

def coral(value, member, constraint):
    shown = "null" if value is None else f"'{value}'"
    return (f"1 validation error detected: Value {shown} at '{member}' failed to satisfy "
            f"constraint: Member must {constraint}")


RANGES = [
    ("BatchSize", "batchSize", 0, "have value greater than or equal to 1"),
    ("BatchSize", "batchSize", 10001, "have value less than or equal to 10000"),
    ("MaximumBatchingWindowInSeconds", "maximumBatchingWindowInSeconds", -1,
     "have value greater than or equal to 0"),
    ("MaximumBatchingWindowInSeconds", "maximumBatchingWindowInSeconds", 301,
     "have value less than or equal to 300"),
    ("ParallelizationFactor", "parallelizationFactor", 0, "have value greater than or equal to 1"),
    ("ParallelizationFactor", "parallelizationFactor", 11, "have value less than or equal to 10"),
    ("MaximumRetryAttempts", "maximumRetryAttempts", -2, "have value greater than or equal to -1"),
    ("MaximumRetryAttempts", "maximumRetryAttempts", 10001,
     "have value less than or equal to 10000"),
    ("MaximumRecordAgeInSeconds", "maximumRecordAgeInSeconds", -2,
     "have value greater than or equal to -1"),
    ("MaximumRecordAgeInSeconds", "maximumRecordAgeInSeconds", 604801,
     "have value less than or equal to 604800"),
    ("TumblingWindowInSeconds", "tumblingWindowInSeconds", -1,
     "have value greater than or equal to 0"),
    ("TumblingWindowInSeconds", "tumblingWindowInSeconds", 901,
     "have value less than or equal to 900"),
]


@pytest.mark.parametrize("name,member,value,constraint", RANGES)
def test_out_of_range_settings(lam, lam_raw, fn, stream, name, member, value, constraint):
    message = coral(value, member, constraint)
    with expect_error(VALIDATION, 400, message):
        create(lam_raw, fn, stream, **{name: value})
    m = create(lam, fn, stream)
    with expect_error(VALIDATION, 400, message):
        lam_raw.update_event_source_mapping(UUID=m["UUID"], **{name: value})


@pytest.mark.parametrize("age", [0, 1, 59])
def test_record_age_below_60_is_refused(lam, lam_raw, fn, stream, age):
    message = ("MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 "
               "(inclusive)")
    with expect_error(INVALID, 400, message):
        create(lam_raw, fn, stream, MaximumRecordAgeInSeconds=age)
    m = create(lam, fn, stream)
    with expect_error(INVALID, 400, message):
        lam_raw.update_event_source_mapping(UUID=m["UUID"], MaximumRecordAgeInSeconds=age)


def test_starting_position_rules(lam, lam_raw, fn, stream):
    with expect_error(INVALID, 400, coral(None, "startingPosition", "not be null") + "."):
        lam_raw.create_event_source_mapping(FunctionName=fn, EventSourceArn=stream)
    with expect_error(VALIDATION, 400, coral("FIRST", "startingPosition",
                                             "satisfy enum value set: [LATEST, AT_TIMESTAMP, "
                                             "TRIM_HORIZON]")):
        create(lam_raw, fn, stream, StartingPosition="FIRST")
    # §4.5: AT_TIMESTAMP is for Kinesis/Kafka/DocumentDB only.
    with expect_error(INVALID, 400, f"Unsupported starting position for arn type: {stream}"):
        create(lam, fn, stream, StartingPosition="AT_TIMESTAMP",
               StartingPositionTimestamp=datetime.datetime(2024, 1, 1))


def test_function_response_types(lam_raw, fn, stream):
    enum = "satisfy constraint: [Member must satisfy enum value set: [ReportBatchItemFailures]]"
    with expect_error(VALIDATION, 400, coral("[Everything]", "functionResponseTypes", enum)):
        create(lam_raw, fn, stream, FunctionResponseTypes=["Everything"])
    with expect_error(VALIDATION, 400, coral(
            "[ReportBatchItemFailures, ReportBatchItemFailures]", "functionResponseTypes",
            "have length less than or equal to 1")):
        create(lam_raw, fn, stream, FunctionResponseTypes=["ReportBatchItemFailures"] * 2)


@pytest.mark.parametrize("pattern", [
    "", "not json", "[1, 2]", '"text"', '{"a": [1]', "5",
    # §9.3: leaves are arrays; operators are known and well typed.
    '{"eventName": "INSERT"}', '{"eventName": []}', '{"n": [{"numeric": [">", "x"]}]}',
    '{"n": [{"prefix": 5}]}'])
def test_invalid_filter_patterns(lam, fn, stream, pattern):
    # §9.3: "Lambda FilterCriteria with an invalid pattern → 400 InvalidParameterValueException
    # 'Invalid filter pattern definition.'"
    with expect_error(INVALID, 400, "Invalid filter pattern definition."):
        create(lam, fn, stream, FilterCriteria={"Filters": [{"Pattern": pattern}]})
    m = create(lam, fn, stream)
    with expect_error(INVALID, 400, "Invalid filter pattern definition."):
        lam.update_event_source_mapping(UUID=m["UUID"],
                                        FilterCriteria={"Filters": [{"Pattern": pattern}]})
    assert "FilterCriteria" not in lam.get_event_source_mapping(UUID=m["UUID"])


def test_filter_limits(lam, lam_raw, fn, stream):
    ok = json.dumps({"eventName": ["INSERT"]})
    assert len(create(lam, fn, stream, FilterCriteria={"Filters": [{"Pattern": ok}] * 5})
               ["FilterCriteria"]["Filters"]) == 5
    # §4.5: "≤5 filters".
    with expect_error(INVALID, 400):
        create(lam, new_function(lam), stream, FilterCriteria={"Filters": [{"Pattern": ok}] * 6})
    # §4.5: "each pattern ≤4096 chars".
    at_limit = json.dumps({"k": ["x" * (4096 - 11)]})
    assert len(at_limit) == 4096
    create(lam, new_function(lam), stream, FilterCriteria={"Filters": [{"Pattern": at_limit}]})
    over = json.dumps({"k": ["x" * (4096 - 10)]})
    with expect_error(VALIDATION, 400):
        create(lam_raw, new_function(lam), stream, FilterCriteria={"Filters": [{"Pattern": over}]})


def test_destination_rules(lam, lam_raw, fn, stream):
    dest = f"arn:aws:sns:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:t"
    # Streams take OnFailure only (§4.5).
    with expect_error(INVALID, 400, "Unsupported DestinationConfig parameter for given event "
                                    "source mapping type."):
        create(lam, fn, stream, DestinationConfig={"OnSuccess": {"Destination": dest}})
    with expect_error(VALIDATION, 400):
        create(lam_raw, fn, stream, DestinationConfig={"OnFailure": {"Destination": "queue"}})
    m = create(lam, fn, stream, DestinationConfig={"OnFailure": {"Destination": ""}})
    assert m["DestinationConfig"] == {"OnFailure": {}}


def test_event_source_rules(lam, lam_raw, fn, stream, ddb, make_client):
    # §4.5: "no/unknown source ARN → 400 'Unrecognized event source.'"
    with expect_error(INVALID, 400, "Unrecognized event source."):
        lam_raw.create_event_source_mapping(FunctionName=fn, StartingPosition="LATEST")
    with expect_error(VALIDATION, 400):
        create(lam_raw, fn, "not-an-arn")
    with expect_error(INVALID, 400):
        create(lam, fn, f"arn:aws:sqs:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:queue")
    # §4.5: "unknown stream → 400 InvalidParameterValueException 'Stream not found: <arn>'".
    missing = stream.rsplit("/", 1)[0] + "/2020-01-01T00:00:00.000"
    table = stream.split("/stream/")[0]
    other_region = make_client("dynamodb", region="eu-west-1").create_table(
        **table_spec(unique_name("esm-eu")),
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
    )["TableDescription"]["LatestStreamArn"]
    disabled = new_stream(ddb, enabled=False)
    for arn in (missing, table, other_region, disabled):
        with expect_error(INVALID, 400, f"Stream not found: {arn}"):
            create(lam, fn, arn)


def test_function_rules(lam, lam_raw, stream):
    # §4.5: "unknown function → 400 InvalidParameterValueException 'Function does not exist'".
    with expect_error(INVALID, 400, "Function does not exist"):
        create(lam, unique_name("esm-missing"), stream)
    fn = new_function(lam)
    with expect_error(INVALID, 400, "Function does not exist"):
        create(lam, function_arn(fn, qualifier="live"), stream)
    with expect_error(VALIDATION, 400, coral(None, "functionName", "not be null")):
        lam_raw.create_event_source_mapping(EventSourceArn=stream, StartingPosition="LATEST")
    with expect_error(VALIDATION, 400):
        create(lam_raw, "bad name!", stream)
    # A function ARN of another region is not reachable from this one.
    with expect_error(NOT_FOUND, 404):
        create(lam, function_arn(fn, region="eu-west-1"), stream)


def test_wrong_member_types(endpoint, fn, stream):
    for body in ({"FunctionName": fn, "EventSourceArn": stream, "StartingPosition": "LATEST",
                  "BatchSize": "ten"},
                 {"FunctionName": fn, "EventSourceArn": stream, "StartingPosition": "LATEST",
                  "FilterCriteria": {"Filters": "all"}},
                 {"FunctionName": 5, "EventSourceArn": stream, "StartingPosition": "LATEST"}):
        resp = http_request(endpoint, "POST", "/2015-03-31/event-source-mappings",
                            json.dumps(body).encode(), {"Content-Type": "application/json"})
        assert resp.status == 400, resp
        assert resp.headers["x-amzn-errortype"] == "InvalidRequestContentException", resp


# ---- unknown UUIDs ---------------------------------------------------------------------------

def test_unknown_uuid_is_not_found(lam, endpoint):
    uuid = "00000000-0000-4000-8000-000000000000"
    with expect_error(NOT_FOUND, 404, GONE):
        lam.get_event_source_mapping(UUID=uuid)
    with expect_error(NOT_FOUND, 404, GONE):
        lam.update_event_source_mapping(UUID=uuid, BatchSize=5)
    with expect_error(NOT_FOUND, 404, GONE):
        lam.delete_event_source_mapping(UUID=uuid)
    # §1.5: REST-JSON error shape.
    resp = http_request(endpoint, "GET", f"/2015-03-31/event-source-mappings/{uuid}")
    assert resp.status == 404
    assert resp.headers["x-amzn-errortype"] == NOT_FOUND
    assert resp.json()["Type"] == "User" and resp.json()["Message"] == GONE


def test_mappings_are_scoped_by_region(lam, make_client, fn, stream):
    m = create(lam, fn, stream)
    other = make_client("lambda", region="eu-west-1")
    with expect_error(NOT_FOUND, 404, GONE):
        other.get_event_source_mapping(UUID=m["UUID"])
    assert all(x["UUID"] != m["UUID"]
               for x in other.list_event_source_mappings()["EventSourceMappings"])


# ---- UpdateEventSourceMapping ----------------------------------------------------------------

def test_update_changes_only_what_it_names(lam, fn, stream):
    pattern = json.dumps({"eventName": ["MODIFY"]})
    m = create(lam, fn, stream, BatchSize=7, MaximumRetryAttempts=3,
               FilterCriteria={"Filters": [{"Pattern": pattern}]},
               FunctionResponseTypes=["ReportBatchItemFailures"])
    u = lam.update_event_source_mapping(UUID=m["UUID"], BatchSize=50)
    assert status(u) == 202
    assert u["State"] == "Updating"
    assert u["BatchSize"] == 50
    unchanged = settings(m)
    unchanged["BatchSize"] = 50
    assert settings(u) == unchanged
    assert u["LastModified"] >= m["LastModified"]
    got = lam.get_event_source_mapping(UUID=m["UUID"])
    assert got["State"] == "Enabled" and settings(got) == unchanged


def test_update_clears_filters_destination_and_response_types(lam, fn, stream):
    dest = f"arn:aws:sqs:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:q"
    m = create(lam, fn, stream, FilterCriteria={"Filters": [{"Pattern": INSERTS}]},
               DestinationConfig={"OnFailure": {"Destination": dest}},
               FunctionResponseTypes=["ReportBatchItemFailures"], BisectBatchOnFunctionError=True)
    u = lam.update_event_source_mapping(UUID=m["UUID"], FilterCriteria={},
                                        DestinationConfig={"OnFailure": {}},
                                        FunctionResponseTypes=[],
                                        BisectBatchOnFunctionError=False)
    assert "FilterCriteria" not in u
    assert u["DestinationConfig"] == {"OnFailure": {}}
    assert u["FunctionResponseTypes"] == [] and u["BisectBatchOnFunctionError"] is False
    u = lam.update_event_source_mapping(UUID=m["UUID"],
                                        FilterCriteria={"Filters": [{"Pattern": INSERTS}]})
    assert u["FilterCriteria"] == {"Filters": [{"Pattern": INSERTS}]}
    u = lam.update_event_source_mapping(UUID=m["UUID"], FilterCriteria={"Filters": []})
    assert "FilterCriteria" not in lam.get_event_source_mapping(UUID=m["UUID"])
    with expect_error(INVALID, 400, "Unsupported DestinationConfig parameter for given event "
                                    "source mapping type."):
        lam.update_event_source_mapping(UUID=m["UUID"],
                                        DestinationConfig={"OnSuccess": {"Destination": dest}})


def test_enable_and_disable_transitions(lam, fn, stream):
    m = create(lam, fn, stream)
    uuid = m["UUID"]
    # §4.5: "Enabled=false → Disabling→Disabled; Enabled=true → Enabling→Enabled".
    assert lam.update_event_source_mapping(UUID=uuid, Enabled=False)["State"] == "Disabling"
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled"
    assert lam.update_event_source_mapping(UUID=uuid, BatchSize=3)["State"] == "Updating"
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled"
    assert lam.update_event_source_mapping(UUID=uuid, Enabled=True)["State"] == "Enabling"
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled"
    assert lam.update_event_source_mapping(UUID=uuid, Enabled=True)["State"] == "Updating"
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled"


def test_update_function_name(lam, fn, stream):
    m = create(lam, fn, stream)
    other = new_function(lam)
    u = lam.update_event_source_mapping(UUID=m["UUID"], FunctionName=function_arn(other))
    assert u["FunctionArn"] == function_arn(other)
    assert lam.get_event_source_mapping(UUID=m["UUID"])["FunctionArn"] == function_arn(other)
    # Naming its own function again is no conflict; taking another mapping's pair is.
    lam.update_event_source_mapping(UUID=m["UUID"], FunctionName=other)
    second = create(lam, fn, stream)
    with expect_error(CONFLICT, 409):
        lam.update_event_source_mapping(UUID=second["UUID"], FunctionName=other)
    with expect_error(INVALID, 400, "Function does not exist"):
        lam.update_event_source_mapping(UUID=m["UUID"], FunctionName=unique_name("gone"))
    assert lam.get_event_source_mapping(UUID=m["UUID"])["FunctionArn"] == function_arn(other)


# ---- DeleteEventSourceMapping ----------------------------------------------------------------

def test_delete_answers_deleting_then_it_is_gone(lam, fn, stream):
    m = create(lam, fn, stream, BatchSize=9)
    d = lam.delete_event_source_mapping(UUID=m["UUID"])
    assert status(d) == 202
    assert d["State"] == "Deleting" and d["UUID"] == m["UUID"] and d["BatchSize"] == 9
    # §4.5: "Delete → Deleting→gone (then 404 'The resource you requested does not exist.')".
    with expect_error(NOT_FOUND, 404, GONE):
        lam.get_event_source_mapping(UUID=m["UUID"])
    with expect_error(NOT_FOUND, 404, GONE):
        lam.delete_event_source_mapping(UUID=m["UUID"])
    listed = lam.list_event_source_mappings(EventSourceArn=stream)["EventSourceMappings"]
    assert all(x["UUID"] != m["UUID"] for x in listed)
    # The pair is free again.
    create(lam, fn, stream)


def test_delete_function_deletes_its_mappings(lam, ddb, fn, stream):
    a = create(lam, fn, stream)
    b = create(lam, fn, new_stream(ddb))
    keep = create(lam, new_function(lam), stream)
    lam.delete_function(FunctionName=fn)
    for m in (a, b):
        with expect_error(NOT_FOUND, 404, GONE):
            lam.get_event_source_mapping(UUID=m["UUID"])
    assert lam.get_event_source_mapping(UUID=keep["UUID"])["State"] == "Enabled"
    # A new function of the same name starts without mappings.
    lam.create_function(FunctionName=fn, Runtime="python3.12", Role=LAMBDA_ROLE,
                        Handler="handler.handler", Code={"ZipFile": make_zip()})
    assert lam.list_event_source_mappings(FunctionName=fn)["EventSourceMappings"] == []
    create(lam, fn, stream)


# ---- ListEventSourceMappings -----------------------------------------------------------------

def test_list_filters(lam, ddb):
    s1, s2 = new_stream(ddb), new_stream(ddb)
    f1, f2 = new_function(lam), new_function(lam)
    made = {(f, s): create(lam, f, s)["UUID"] for f in (f1, f2) for s in (s1, s2)}

    def uuids(**kwargs):
        resp = lam.list_event_source_mappings(**kwargs)
        assert status(resp) == 200 and "NextMarker" not in resp
        return {m["UUID"] for m in resp["EventSourceMappings"]}

    assert uuids(EventSourceArn=s1) == {made[(f1, s1)], made[(f2, s1)]}
    assert uuids(FunctionName=f1) == {made[(f1, s1)], made[(f1, s2)]}
    assert uuids(FunctionName=function_arn(f1)) == {made[(f1, s1)], made[(f1, s2)]}
    assert uuids(FunctionName=f"{DEFAULT_ACCOUNT}:function:{f2}") == \
        {made[(f2, s1)], made[(f2, s2)]}
    assert uuids(FunctionName=f2, EventSourceArn=s2) == {made[(f2, s2)]}
    assert uuids(FunctionName=unique_name("nobody")) == set()
    assert set(made.values()) <= uuids()
    listed = lam.list_event_source_mappings(FunctionName=f1, EventSourceArn=s1)
    (m,) = listed["EventSourceMappings"]
    assert m["State"] == "Enabled" and m["FunctionArn"] == function_arn(f1)


def test_list_pages(lam, lam_raw, ddb):
    stream = new_stream(ddb)
    made = [create(lam, new_function(lam), stream)["UUID"] for _ in range(5)]
    first = lam.list_event_source_mappings(EventSourceArn=stream, MaxItems=2)
    assert [m["UUID"] for m in first["EventSourceMappings"]] == made[:2]
    assert first["NextMarker"]
    second = lam.list_event_source_mappings(EventSourceArn=stream, MaxItems=2,
                                            Marker=first["NextMarker"])
    assert [m["UUID"] for m in second["EventSourceMappings"]] == made[2:4]
    third = lam.list_event_source_mappings(EventSourceArn=stream, MaxItems=2,
                                           Marker=second["NextMarker"])
    assert [m["UUID"] for m in third["EventSourceMappings"]] == made[4:]
    assert "NextMarker" not in third
    pages = lam.get_paginator("list_event_source_mappings").paginate(
        EventSourceArn=stream, PaginationConfig={"PageSize": 2})
    paged = [m["UUID"] for page in pages for m in page["EventSourceMappings"]]
    assert paged == made
    with expect_error(VALIDATION, 400):
        lam_raw.list_event_source_mappings(MaxItems=0)
    with expect_error(VALIDATION, 400):
        lam_raw.list_event_source_mappings(MaxItems=10001)
    with expect_error(INVALID, 400):
        lam.list_event_source_mappings(Marker="not-a-marker")
    with expect_error(VALIDATION, 400):
        lam.list_event_source_mappings(EventSourceArn="stream")


def test_list_default_page_is_100(lam, ddb):
    stream = new_stream(ddb)
    fn = new_function(lam)
    streams = [stream] + [new_stream(ddb) for _ in range(100)]
    for s in streams:
        create(lam, fn, s)
    page = lam.list_event_source_mappings(FunctionName=fn)
    assert len(page["EventSourceMappings"]) == 100 and page["NextMarker"]
    rest = lam.list_event_source_mappings(FunctionName=fn, Marker=page["NextMarker"])
    assert len(rest["EventSourceMappings"]) == 1 and "NextMarker" not in rest
    everything = page["EventSourceMappings"] + rest["EventSourceMappings"]
    assert sorted(m["EventSourceArn"] for m in everything) == sorted(streams)
