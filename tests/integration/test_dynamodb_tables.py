"""DynamoDB control plane: CreateTable, DescribeTable, ListTables, DeleteTable, UpdateTable
through boto3's client and resource APIs, waiters and paginators, and the validation of their
input (raw JSON where boto3 would refuse to send it). Quotes: shared/docs/aws-wire-reference.md."""

import datetime
import re
import string

import pytest

from conftest import (assert_raw_error, ddb_post, expect_error, sigv4_headers, table_arn,
                      table_spec, unique_name)

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
STREAM_LABEL_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}")


def not_found_message(name):
    # §2.7: "Describe/Delete/Update table: "Requested resource not found: Table: T not found""
    return f"Requested resource not found: Table: {name} not found"


def assert_recent(when, minutes=10):
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - when).total_seconds()) < minutes * 60, f"{when} is not close to {now}"


def instant_wait(client, waiter, name):
    """Run a waiter allowed a single poll: it passes only if the first poll already shows the
    final state (§2.2: "return ACTIVE on the first DescribeTable and the waiter never sleeps")."""
    client.get_waiter(waiter).wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 1})


# --------------------------------------------------------------------------------------------
# CreateTable and DescribeTable


def test_create_hash_only_provisioned_and_describe(ddb, new_table):
    name = new_table(billing="PROVISIONED", throughput=(5, 7))
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["TableName"] == name
    assert table["TableStatus"] == "ACTIVE"
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert_recent(table["CreationDateTime"])
    assert table["TableArn"] == table_arn(name)
    assert UUID_RE.fullmatch(table["TableId"]), table["TableId"]
    assert table["ItemCount"] == 0
    assert table["TableSizeBytes"] == 0
    assert table["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    throughput = table["ProvisionedThroughput"]
    assert throughput["ReadCapacityUnits"] == 5
    assert throughput["WriteCapacityUnits"] == 7
    assert throughput["NumberOfDecreasesToday"] == 0
    assert set(throughput) <= {"ReadCapacityUnits", "WriteCapacityUnits",
                               "NumberOfDecreasesToday", "LastIncreaseDateTime",
                               "LastDecreaseDateTime"}
    # §2.2: "`StreamSpecification`/`LatestStream*` appear only once a stream has been enabled."
    for absent in ("StreamSpecification", "LatestStreamArn", "LatestStreamLabel"):
        assert absent not in table


def test_create_composite_pay_per_request_and_describe(ddb, new_table):
    name = new_table(hash_key=("id", "N"), range_key=("ts", "B"))
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"},
                                  {"AttributeName": "ts", "KeyType": "RANGE"}]
    assert sorted(table["AttributeDefinitions"], key=lambda d: d["AttributeName"]) == [
        {"AttributeName": "id", "AttributeType": "N"},
        {"AttributeName": "ts", "AttributeType": "B"}]
    # §2.2: "PAY_PER_REQUEST tables report `"ProvisionedThroughput":{"NumberOfDecreasesToday":0,
    # "ReadCapacityUnits":0,"WriteCapacityUnits":0}` and `"BillingModeSummary":{"BillingMode":
    # "PAY_PER_REQUEST"}`"
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert {k: table["ProvisionedThroughput"][k] for k in
            ("NumberOfDecreasesToday", "ReadCapacityUnits", "WriteCapacityUnits")} == {
        "NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0, "WriteCapacityUnits": 0}
    assert table["TableStatus"] == "ACTIVE"


def test_create_response_describes_the_new_table(ddb):
    name = unique_name()
    desc = ddb.create_table(**table_spec(name, range_key=("sk", "S")))["TableDescription"]
    # §2.2: "CreateTable returns `CREATING`; DescribeTable later returns `ACTIVE`."
    assert desc["TableStatus"] in ("CREATING", "ACTIVE")
    assert desc["TableName"] == name
    assert desc["TableArn"] == table_arn(name)
    assert desc["KeySchema"][1] == {"AttributeName": "sk", "KeyType": "RANGE"}
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["TableId"] == desc["TableId"]
    assert table["CreationDateTime"] == desc["CreationDateTime"]
    ddb.delete_table(TableName=name)


@pytest.mark.parametrize("billing", ["PROVISIONED", "PAY_PER_REQUEST"])
def test_describe_table_wire_shape(endpoint, new_table, billing):
    # Checked on the raw JSON: boto3 1.26's model predates DeletionProtectionEnabled and would
    # drop it. §2.2: "`DeletionProtectionEnabled:false` is always present". §1.2: timestamps
    # are a "**JSON number, epoch seconds, fraction allowed** ... JS v3 rejects strings here."
    name = new_table(billing=billing)
    table = ddb_post(endpoint, "DescribeTable", {"TableName": name}).json()["Table"]
    assert table["DeletionProtectionEnabled"] is False
    assert isinstance(table["CreationDateTime"], (int, float))
    assert not isinstance(table["CreationDateTime"], bool)


@pytest.mark.parametrize("view_type", ["NEW_AND_OLD_IMAGES", "KEYS_ONLY"])
def test_stream_specification_is_stored_and_reported(ddb, new_table, view_type):
    name = new_table(StreamSpecification={"StreamEnabled": True, "StreamViewType": view_type})
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": view_type}
    # §2.2: "`LatestStreamLabel` = creation time `YYYY-MM-DDThh:mm:ss.sss` (UTC, no zone);
    # `LatestStreamArn` = `<TableArn>/stream/<label>`."
    label = table["LatestStreamLabel"]
    assert STREAM_LABEL_RE.fullmatch(label), label
    assert_recent(datetime.datetime.strptime(label, "%Y-%m-%dT%H:%M:%S.%f")
                  .replace(tzinfo=datetime.timezone.utc))
    assert table["LatestStreamArn"] == f"{table['TableArn']}/stream/{label}"


def test_table_ids_are_unique_and_renewed_on_recreate(ddb, new_table):
    first, second = new_table(), new_table()
    id1 = ddb.describe_table(TableName=first)["Table"]["TableId"]
    id2 = ddb.describe_table(TableName=second)["Table"]["TableId"]
    assert id1 != id2
    ddb.delete_table(TableName=first)
    new_table(name=first)
    assert ddb.describe_table(TableName=first)["Table"]["TableId"] not in (id1, id2)


def test_table_name_may_be_the_table_arn(ddb, new_table):
    # §2: "`TableName` inputs accept a name or a table ARN (model length [1..1024])".
    name = new_table()
    table = ddb.describe_table(TableName=table_arn(name))["Table"]
    assert table["TableName"] == name


# --------------------------------------------------------------------------------------------
# Waiters


def test_table_exists_waiter_returns_on_first_poll(ddb):
    name = unique_name()
    ddb.create_table(**table_spec(name))
    instant_wait(ddb, "table_exists", name)
    ddb.delete_table(TableName=name)
    # "`TableNotExists` succeeds on `ResourceNotFoundException`."
    instant_wait(ddb, "table_not_exists", name)


def test_resource_api_table_lifecycle(ddb_resource):
    name = unique_name()
    table = ddb_resource.create_table(
        **table_spec(name, range_key=("sk", "N"), billing="PROVISIONED", throughput=(3, 4)))
    table.wait_until_exists(WaiterConfig={"Delay": 1, "MaxAttempts": 1})
    table.reload()
    assert table.table_status == "ACTIVE"
    assert table.name == name
    assert table.table_arn == table_arn(name)
    assert [k["AttributeName"] for k in table.key_schema] == ["pk", "sk"]
    assert table.provisioned_throughput["ReadCapacityUnits"] == 3
    assert table.provisioned_throughput["WriteCapacityUnits"] == 4
    assert table.item_count == 0
    assert name in [t.name for t in ddb_resource.tables.all()]

    table.put_item(Item={"pk": "a", "sk": 1, "v": "x"})
    assert table.get_item(Key={"pk": "a", "sk": 1})["Item"] == {"pk": "a", "sk": 1, "v": "x"}

    table.delete()
    table.wait_until_not_exists(WaiterConfig={"Delay": 1, "MaxAttempts": 1})
    assert name not in [t.name for t in ddb_resource.tables.all()]


# --------------------------------------------------------------------------------------------
# ListTables


def test_list_tables_sorted_and_paginated(make_client):
    client = make_client(region="ca-central-1")  # a region no other test uses
    names = ["b-table", "A-table", "a.table", "a_table", "a-table", "Z9-", "zzz", "0-first"]
    for name in names:
        client.create_table(**table_spec(name))
    expected = sorted(names)  # byte order

    assert client.list_tables()["TableNames"] == expected
    assert "LastEvaluatedTableName" not in client.list_tables()

    seen, start = [], None
    while True:
        kwargs = {"Limit": 3}
        if start:
            kwargs["ExclusiveStartTableName"] = start
        page = client.list_tables(**kwargs)
        assert 1 <= len(page["TableNames"]) <= 3
        seen += page["TableNames"]
        start = page.get("LastEvaluatedTableName")
        if start is None:
            break
        assert start == page["TableNames"][-1]
    assert seen == expected

    # ExclusiveStartTableName need not be an existing table.
    page = client.list_tables(ExclusiveStartTableName="a-tablf")
    assert page["TableNames"] == [n for n in expected if n > "a-tablf"]

    pages = list(client.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 2}))
    assert all(len(p["TableNames"]) <= 2 for p in pages)
    assert [n for p in pages for n in p["TableNames"]] == expected

    for name in names:
        client.delete_table(TableName=name)
    assert client.list_tables()["TableNames"] == []


def test_list_tables_limit_100_and_exact_page(make_client):
    client = make_client(region="me-south-1")
    names = sorted(unique_name() for _ in range(4))
    for name in names:
        client.create_table(**table_spec(name))
    page = client.list_tables(Limit=100)
    assert page["TableNames"] == names
    page = client.list_tables(Limit=2)
    assert page["TableNames"] == names[:2]
    assert page["LastEvaluatedTableName"] == names[1]
    rest = client.list_tables(Limit=2, ExclusiveStartTableName=names[1])
    assert rest["TableNames"] == names[2:]
    for name in names:
        client.delete_table(TableName=name)


def test_list_tables_default_limit_is_100(make_client):
    # §2.1: ListTables "`Limit` [1..100] (default 100)"
    client = make_client(region="af-south-1")
    names = sorted(f"many-{i:03d}" for i in range(101))
    for name in names:
        client.create_table(**table_spec(name))
    page = client.list_tables()
    assert page["TableNames"] == names[:100]
    assert page["LastEvaluatedTableName"] == names[99]
    rest = client.list_tables(ExclusiveStartTableName=names[99])
    assert rest["TableNames"] == names[100:]
    assert "LastEvaluatedTableName" not in rest
    for name in names:
        client.delete_table(TableName=name)


@pytest.mark.parametrize("limit", [0, 101, -1])
def test_list_tables_limit_out_of_range(endpoint, limit):
    # §2.1: ListTables "`Limit` [1..100] (default 100)".
    resp = ddb_post(endpoint, "ListTables", {"Limit": limit})
    assert_raw_error(resp, "ValidationException", 400)


# --------------------------------------------------------------------------------------------
# DeleteTable and errors on missing or existing tables


def test_delete_table_then_describe_is_not_found(ddb):
    name = unique_name()
    ddb.create_table(**table_spec(name))
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    desc = ddb.delete_table(TableName=name)["TableDescription"]
    assert desc["TableName"] == name
    assert desc["TableArn"] == table_arn(name)
    # §2.1: DeleteTable → `{"TableDescription":{…,"TableStatus":"DELETING"}}`; afterwards
    # Describe → ResourceNotFound
    assert desc["TableStatus"] == "DELETING"
    with expect_error("ResourceNotFoundException", 400, not_found_message(name)):
        ddb.describe_table(TableName=name)
    with expect_error("ResourceNotFoundException", 400, not_found_message(name)):
        ddb.delete_table(TableName=name)
    assert name not in ddb.list_tables(ExclusiveStartTableName=name[:-1])["TableNames"]

    # A table created again under the name starts empty.
    ddb.create_table(**table_spec(name))
    assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "a"}})
    ddb.delete_table(TableName=name)


def test_describe_missing_table(ddb):
    name = unique_name("missing")
    with expect_error("ResourceNotFoundException", 400, not_found_message(name)):
        ddb.describe_table(TableName=name)


def test_duplicate_create_table_is_resource_in_use(ddb, new_table):
    name = new_table()
    with expect_error("ResourceInUseException", 400, f"Table already exists: {name}"):
        ddb.create_table(**table_spec(name, billing="PROVISIONED"))
    assert ddb.describe_table(TableName=name)["Table"]["BillingModeSummary"]["BillingMode"] \
        == "PAY_PER_REQUEST"


# --------------------------------------------------------------------------------------------
# UpdateTable


def test_update_provisioned_to_pay_per_request_and_back(ddb, new_table):
    name = new_table(billing="PROVISIONED", throughput=(5, 5))
    ddb.put_item(TableName=name, Item={"pk": {"S": "kept"}})

    desc = ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")["TableDescription"]
    assert desc["TableName"] == name
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 0

    ddb.update_table(TableName=name, BillingMode="PROVISIONED",
                     ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4})
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 3
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 4
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "kept"}})["Item"] == {
        "pk": {"S": "kept"}}
    instant_wait(ddb, "table_exists", name)


def test_update_throughput(ddb, new_table):
    name = new_table(billing="PROVISIONED", throughput=(5, 5))
    ddb.update_table(TableName=name,
                     ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 20})
    throughput = ddb.describe_table(TableName=name)["Table"]["ProvisionedThroughput"]
    assert (throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]) == (10, 20)
    assert ddb.describe_table(TableName=name)["Table"]["BillingModeSummary"]["BillingMode"] \
        == "PROVISIONED"


def test_update_missing_table(ddb):
    name = unique_name("missing")
    with expect_error("ResourceNotFoundException", 400, not_found_message(name)):
        ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")


@pytest.mark.parametrize("billing,update", [
    ("PAY_PER_REQUEST", {"BillingMode": "PROVISIONED"}),  # no throughput given
    ("PROVISIONED", {"BillingMode": "PAY_PER_REQUEST",
                     "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}),
    ("PAY_PER_REQUEST", {"ProvisionedThroughput": {"ReadCapacityUnits": 1,
                                                   "WriteCapacityUnits": 1}}),
    ("PROVISIONED", {"ProvisionedThroughput": {"ReadCapacityUnits": 0,
                                               "WriteCapacityUnits": 1}}),
    ("PROVISIONED", {"BillingMode": "FREE"}),
    ("PROVISIONED", {}),  # nothing to update
], ids=["to-provisioned-without-throughput", "to-ppr-with-throughput", "throughput-on-ppr",
        "zero-read", "bad-mode", "empty"])
def test_update_table_validation(endpoint, ddb, new_table, billing, update):
    name = new_table(billing=billing)
    before = ddb.describe_table(TableName=name)["Table"]
    resp = ddb_post(endpoint, "UpdateTable", dict(update, TableName=name))
    assert_raw_error(resp, "ValidationException", 400)
    after = ddb.describe_table(TableName=name)["Table"]
    assert after["BillingModeSummary"] == before["BillingModeSummary"]
    assert after["ProvisionedThroughput"] == before["ProvisionedThroughput"]


# --------------------------------------------------------------------------------------------
# CreateTable validation


def _three_keys(spec):
    spec["AttributeDefinitions"] = [{"AttributeName": n, "AttributeType": "S"}
                                    for n in ("pk", "sk", "xk")]
    spec["KeySchema"] = [{"AttributeName": "pk", "KeyType": "HASH"},
                         {"AttributeName": "sk", "KeyType": "RANGE"},
                         {"AttributeName": "xk", "KeyType": "RANGE"}]


def _two_keys(first, second):
    def change(spec):
        spec["AttributeDefinitions"] = [{"AttributeName": n, "AttributeType": "S"}
                                        for n in ("pk", "sk")]
        spec["KeySchema"] = [{"AttributeName": "pk", "KeyType": first},
                             {"AttributeName": "sk", "KeyType": second}]
    return change


def _set(**members):
    def change(spec):
        for key, value in members.items():
            if value is None:
                spec.pop(key, None)
            else:
                spec[key] = value
    return change


PROVISIONED_1 = {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
INVALID_CREATES = {
    "name-too-short": _set(TableName="ab"),
    "name-empty": _set(TableName=""),
    "name-bad-characters": _set(TableName="bad name!"),
    "name-non-ascii": _set(TableName="tablé"),
    "name-too-long": _set(TableName="a" * 256),
    "keyschema-empty": _set(KeySchema=[]),
    "keyschema-three": _three_keys,
    "range-first": _two_keys("RANGE", "HASH"),
    "range-only": _set(KeySchema=[{"AttributeName": "pk", "KeyType": "RANGE"}]),
    "two-hash": _two_keys("HASH", "HASH"),
    "bad-key-type": _set(KeySchema=[{"AttributeName": "pk", "KeyType": "PRIMARY"}]),
    "key-not-defined": _set(AttributeDefinitions=[{"AttributeName": "other",
                                                   "AttributeType": "S"}]),
    "unused-definition": _set(AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                    {"AttributeName": "x", "AttributeType": "N"}]),
    "attribute-type-BOOL": _set(AttributeDefinitions=[{"AttributeName": "pk",
                                                       "AttributeType": "BOOL"}]),
    "attribute-type-SS": _set(AttributeDefinitions=[{"AttributeName": "pk",
                                                     "AttributeType": "SS"}]),
    "billing-mode-unknown": _set(BillingMode="FREE"),
    "provisioned-without-throughput": _set(BillingMode="PROVISIONED",
                                           ProvisionedThroughput=None),
    "default-billing-without-throughput": _set(BillingMode=None, ProvisionedThroughput=None),
    "pay-per-request-with-throughput": _set(BillingMode="PAY_PER_REQUEST",
                                            ProvisionedThroughput=PROVISIONED_1),
    "zero-read-capacity": _set(BillingMode="PROVISIONED",
                               ProvisionedThroughput={"ReadCapacityUnits": 0,
                                                      "WriteCapacityUnits": 1}),
    "zero-write-capacity": _set(BillingMode="PROVISIONED",
                                ProvisionedThroughput={"ReadCapacityUnits": 1,
                                                       "WriteCapacityUnits": 0}),
    "stream-without-view-type": _set(StreamSpecification={"StreamEnabled": True}),
    "stream-bad-view-type": _set(StreamSpecification={"StreamEnabled": True,
                                                      "StreamViewType": "EVERYTHING"}),
}
VALIDATION_REGION = "us-west-1"  # no table is ever created there


@pytest.mark.parametrize("case", INVALID_CREATES)
def test_create_table_validation(endpoint, case):
    spec = table_spec(unique_name(), billing="PAY_PER_REQUEST")
    INVALID_CREATES[case](spec)
    resp = ddb_post(endpoint, "CreateTable", spec, headers=sigv4_headers(VALIDATION_REGION))
    assert_raw_error(resp, "ValidationException", 400)
    listed = ddb_post(endpoint, "ListTables", {}, headers=sigv4_headers(VALIDATION_REGION))
    assert spec.get("TableName") not in listed.json()["TableNames"]


def test_create_table_without_name(endpoint):
    # §1.5: "`Value null at 'tableName' … Member must not be null`"
    spec = table_spec("unused")
    del spec["TableName"]
    resp = ddb_post(endpoint, "CreateTable", spec)
    assert_raw_error(resp, "ValidationException", 400,
                     re.compile(r"Value null at 'tableName' failed to satisfy constraint: "
                                r"Member must not be null"))


@pytest.mark.parametrize("operation,name", [
    ("DescribeTable", "ab"), ("DescribeTable", "bad name!"), ("DeleteTable", "x" * 256),
    ("UpdateTable", "ab"),
])
def test_invalid_name_is_validation_not_not_found(endpoint, operation, name):
    payload = {"TableName": name}
    if operation == "UpdateTable":
        payload["BillingMode"] = "PAY_PER_REQUEST"
    assert_raw_error(ddb_post(endpoint, operation, payload), "ValidationException", 400)


def test_name_length_and_character_boundaries(ddb):
    # §2: "real names are `[a-zA-Z0-9_.-]{3,255}`".
    suffix = unique_name("")[1:]
    shortest = suffix[:3]
    longest = ("L" * 255)[:255 - len(suffix)] + suffix
    every_char = string.ascii_letters + string.digits + "_.-"
    for name in (shortest, longest, every_char):
        desc = ddb.create_table(**table_spec(name))["TableDescription"]
        assert desc["TableName"] == name
        assert ddb.describe_table(TableName=name)["Table"]["TableArn"] == table_arn(name)
        ddb.delete_table(TableName=name)
