"""DynamoDB items: PutItem, GetItem, DeleteItem with every AttributeValue type, number
normalisation, ReturnValues, and the validation of items and keys (raw JSON where boto3 would
refuse or alter the input). Quotes: shared/docs/aws-wire-reference.md §2.3–§2.5, §2.7."""

import concurrent.futures
import decimal
import re

import pytest
from boto3.dynamodb.types import Binary

from conftest import (assert_raw_error, b64, canon_item, ddb_post, expect_error, table_spec,
                      unique_name)

MAX_ITEM = 400 * 1024  # 409600 bytes: §2.4 size = name bytes + value bytes
BINARY = bytes(range(256))


@pytest.fixture(scope="module")
def tables(ddb):
    """One table per key shape, created once for the module and deleted at its end."""
    shapes = {
        "hash": {},                                              # pk S
        "composite": {"range_key": ("sk", "S")},                 # pk S, sk S
        "number": {"hash_key": ("pk", "N"), "range_key": ("sk", "N")},
        "binary": {"hash_key": ("pk", "B"), "range_key": ("sk", "B")},
    }
    names = {shape: unique_name(shape) for shape in shapes}
    for shape, kwargs in shapes.items():
        ddb.create_table(**table_spec(names[shape], **kwargs))
    yield names
    for name in names.values():
        ddb.delete_table(TableName=name)


def get(ddb, table, key):
    return ddb.get_item(TableName=table, Key=key, ConsistentRead=True)


def put_raw(endpoint, table, item, **extra):
    return ddb_post(endpoint, "PutItem", dict(extra, TableName=table, Item=item))


# --------------------------------------------------------------------------------------------
# Round trips


TYPED_VALUES = {
    "S": {"S": "héllo wörld ✓ 𝄞"},
    "S-empty": {"S": ""},
    "N": {"N": "-12.5"},
    "B": {"B": BINARY},
    "B-empty": {"B": b""},
    "BOOL-true": {"BOOL": True},
    "BOOL-false": {"BOOL": False},
    "NULL": {"NULL": True},
    "SS": {"SS": ["a", "b", "ünï", ""]},
    "NS": {"NS": ["1", "2.5", "-3", "100"]},
    "BS": {"BS": [b"\x00", b"\xff\x01", BINARY]},
    "M": {"M": {"s": {"S": "x"}, "n": {"N": "1"}, "empty": {"M": {}}, "null": {"NULL": True}}},
    "L": {"L": [{"S": "a"}, {"N": "1"}, {"B": b"\x01"}, {"BOOL": False}, {"NULL": True},
                {"SS": ["x"]}, {"NS": ["7"]}, {"BS": [b"y"]}, {"L": []}, {"M": {}}]},
    "M-L-nested": {"M": {"level1": {"L": [{"M": {"level3": {"L": [{"M": {"leaf": {
        "SS": ["deep"]}}}]}}}]}}},
}


@pytest.mark.parametrize("kind", TYPED_VALUES)
def test_round_trip_each_type(ddb, tables, kind):
    item = {"pk": {"S": f"type-{kind}"}, "value": TYPED_VALUES[kind]}
    ddb.put_item(TableName=tables["hash"], Item=item)
    got = get(ddb, tables["hash"], {"pk": item["pk"]})["Item"]
    assert canon_item(got) == canon_item(item)


def test_round_trip_item_with_every_type(ddb, tables):
    item = {"pk": {"S": "every"}, "sk": {"S": "type"},
            "attr name with spaces.and#marks": {"S": "ok"}}
    item.update({f"v_{kind}": value for kind, value in TYPED_VALUES.items()})
    ddb.put_item(TableName=tables["composite"], Item=item)
    got = get(ddb, tables["composite"], {"pk": item["pk"], "sk": item["sk"]})["Item"]
    assert canon_item(got) == canon_item(item)


def test_round_trip_through_the_resource_api(ddb_resource, tables):
    table = ddb_resource.Table(tables["composite"])
    item = {"pk": "resource", "sk": "all", "s": "x", "n": decimal.Decimal("1.25"),
            "int": 42, "b": Binary(BINARY), "t": True, "f": False, "none": None,
            "ss": {"a", "b"}, "ns": {decimal.Decimal("1"), decimal.Decimal("2.5")},
            "bs": {Binary(b"x"), Binary(b"y")},
            "m": {"l": [1, "two", None, {"deep": {b"raw"}}]}, "l": [[], {}, "", b""]}
    table.put_item(Item=item)
    got = table.get_item(Key={"pk": "resource", "sk": "all"}, ConsistentRead=True)["Item"]
    expected = dict(item, l=[[], {}, "", Binary(b"")],
                    m={"l": [1, "two", None, {"deep": {Binary(b"raw")}}]})
    assert got == expected

    old = table.delete_item(Key={"pk": "resource", "sk": "all"},
                            ReturnValues="ALL_OLD")["Attributes"]
    assert old == expected
    assert "Item" not in table.get_item(Key={"pk": "resource", "sk": "all"})


def test_binary_keys_round_trip(ddb, tables):
    key = {"pk": {"B": BINARY}, "sk": {"B": b"\x00"}}
    item = dict(key, data={"B": BINARY[::-1]})
    ddb.put_item(TableName=tables["binary"], Item=item)
    assert get(ddb, tables["binary"], key)["Item"] == item
    other = {"pk": {"B": BINARY}, "sk": {"B": b"\x00\x00"}}
    assert "Item" not in get(ddb, tables["binary"], other)


def test_hash_only_and_composite_keys_address_distinct_items(ddb, tables):
    table = tables["composite"]
    for sk in ("a", "b", "ab"):
        ddb.put_item(TableName=table, Item={"pk": {"S": "multi"}, "sk": {"S": sk},
                                            "v": {"S": sk.upper()}})
    for sk in ("a", "b", "ab"):
        item = get(ddb, table, {"pk": {"S": "multi"}, "sk": {"S": sk}})["Item"]
        assert item["v"] == {"S": sk.upper()}
    ddb.put_item(TableName=tables["hash"], Item={"pk": {"S": "multi"}, "v": {"S": "hash"}})
    assert get(ddb, tables["hash"], {"pk": {"S": "multi"}})["Item"]["v"] == {"S": "hash"}


# --------------------------------------------------------------------------------------------
# Numbers


# §2.3: "stored and returned normalised (leading/trailing zeros trimmed, no exponent:
# `"1.50"`→`"1.5"`, `"1E+2"`→`"100"`)"; "≤38 significant digits".
EXACT_NUMBERS = [
    ("12345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
    ("-12345678901234567890123456789012345678", "-12345678901234567890123456789012345678"),
    ("0.12345678901234567890123456789012345678", "0.12345678901234567890123456789012345678"),
    ("1234567890123456789012345678901234567800", "1234567890123456789012345678901234567800"),
    ("1.50", "1.5"),
    ("1E+2", "100"),
    ("1e2", "100"),
    ("-0", "0"),
    ("0.000", "0"),
    ("007", "7"),
    ("-00.10", "-0.1"),
    ("123.4500", "123.45"),
    ("1.5E1", "15"),
]
# Extremes of the range: accepted, equal in value (the exact spelling is not documented).
EQUAL_NUMBERS = ["9.9999999999999999999999999999999999999E+125",
                 "-9.9999999999999999999999999999999999999E+125", "1E-130", "-1E-130",
                 "1E+125", "-1E-3"]


@pytest.mark.parametrize("sent,expected", EXACT_NUMBERS)
def test_number_normalisation(ddb, tables, sent, expected):
    item = {"pk": {"S": f"num-{sent}"}, "n": {"N": sent}, "l": {"L": [{"N": sent}]}}
    ddb.put_item(TableName=tables["hash"], Item=item)
    got = get(ddb, tables["hash"], {"pk": item["pk"]})["Item"]
    assert got["n"] == {"N": expected}
    assert got["l"] == {"L": [{"N": expected}]}


@pytest.mark.parametrize("sent", EQUAL_NUMBERS)
def test_number_range_extremes(ddb, tables, sent):
    item = {"pk": {"S": f"num-{sent}"}, "n": {"N": sent}}
    ddb.put_item(TableName=tables["hash"], Item=item)
    got = get(ddb, tables["hash"], {"pk": item["pk"]})["Item"]["n"]["N"]
    assert decimal.Decimal(got) == decimal.Decimal(sent)


def test_number_set_members_are_normalised(ddb, tables):
    item = {"pk": {"S": "ns-normalised"}, "ns": {"NS": ["1.50", "1E+2", "-0.0", "7"]}}
    ddb.put_item(TableName=tables["hash"], Item=item)
    got = get(ddb, tables["hash"], {"pk": item["pk"]})["Item"]["ns"]["NS"]
    assert sorted(got) == sorted(["1.5", "100", "0", "7"])


@pytest.mark.parametrize("written,read", [("1.50", "1.5"), ("1E+2", "100"), ("-0", "0"),
                                          ("100", "1.00E2")])
def test_number_keys_compare_by_value(ddb, tables, written, read):
    table = tables["number"]
    ddb.put_item(TableName=table, Item={"pk": {"N": written}, "sk": {"N": written},
                                        "v": {"S": written}})
    got = get(ddb, table, {"pk": {"N": read}, "sk": {"N": read}})["Item"]
    assert got["v"] == {"S": written}
    assert decimal.Decimal(got["pk"]["N"]) == decimal.Decimal(written)
    ddb.delete_item(TableName=table, Key={"pk": {"N": read}, "sk": {"N": read}})
    assert "Item" not in get(ddb, table, {"pk": {"N": written}, "sk": {"N": written}})


# --------------------------------------------------------------------------------------------
# GetItem, PutItem, DeleteItem semantics and ReturnValues


def test_get_missing_item_has_no_item_key(endpoint, ddb, tables):
    # §2.1: GetItem "`{"Item"?, "ConsumedCapacity"?}` — no `Item` key when absent"
    resp = get(ddb, tables["hash"], {"pk": {"S": "never-written"}})
    assert "Item" not in resp
    raw = ddb_post(endpoint, "GetItem", {"TableName": tables["hash"],
                                         "Key": {"pk": {"S": "never-written"}}})
    assert raw.status == 200 and raw.json() == {}


def test_put_without_return_values_answers_empty_object(endpoint, tables):
    # §2: "Successful writes without requested return data answer `{}`."
    resp = put_raw(endpoint, tables["hash"], {"pk": {"S": "empty-answer"}})
    assert resp.status == 200 and resp.json() == {}
    resp = put_raw(endpoint, tables["hash"], {"pk": {"S": "empty-answer"}}, ReturnValues="NONE")
    assert resp.status == 200 and resp.json() == {}


def test_put_return_values_all_old(ddb, tables):
    # §2.5: PutItem NONE, ALL_OLD → "old item only if one was replaced"
    table, key = tables["composite"], {"pk": {"S": "rv"}, "sk": {"S": "put"}}
    first = dict(key, v={"N": "1"}, ss={"SS": ["a", "b"]})
    second = dict(key, v={"N": "2"}, other={"BOOL": True})
    assert "Attributes" not in ddb.put_item(TableName=table, Item=first, ReturnValues="ALL_OLD")
    replaced = ddb.put_item(TableName=table, Item=second, ReturnValues="ALL_OLD")
    assert canon_item(replaced["Attributes"]) == canon_item(first)
    # the replacement is whole: attributes of the old item do not survive
    assert get(ddb, table, key)["Item"] == second
    assert "Attributes" not in ddb.put_item(TableName=table, Item=first, ReturnValues="NONE")


def test_delete_return_values_all_old(ddb, tables):
    table, key = tables["composite"], {"pk": {"S": "rv"}, "sk": {"S": "delete"}}
    item = dict(key, m={"M": {"x": {"L": [{"S": "y"}]}}})
    ddb.put_item(TableName=table, Item=item)
    deleted = ddb.delete_item(TableName=table, Key=key, ReturnValues="ALL_OLD")
    assert deleted["Attributes"] == item
    assert "Item" not in get(ddb, table, key)
    # §2.1: DeleteItem "deleting a missing item succeeds silently"
    again = ddb.delete_item(TableName=table, Key=key, ReturnValues="ALL_OLD")
    assert "Attributes" not in again
    assert "Attributes" not in ddb.delete_item(TableName=table, Key=key)


# §2.5: "Invalid value for the op → ValidationException "Return values set to invalid value"
# (moto text)"; dynalite's tests, recorded against DynamoDB, have "ReturnValues can only be
# ALL_OLD or NONE" for PutItem: either wording is accepted.
WRONG_FOR_OP = re.compile(r"^(Return values set to invalid value|"
                          r"ReturnValues can only be ALL_OLD or NONE)$")
# §1.5: "`1 validation error detected: Value '<v>' at '<lowerCamelPath>' failed to satisfy
# constraint: Member must …`"
NOT_IN_ENUM = re.compile(r"Value '(all_old|BOGUS)' at 'returnValues' failed to satisfy "
                         r"constraint: Member must satisfy enum value set")


@pytest.mark.parametrize("operation,value,message", [
    ("put_item", "ALL_NEW", WRONG_FOR_OP), ("put_item", "UPDATED_OLD", WRONG_FOR_OP),
    ("put_item", "UPDATED_NEW", WRONG_FOR_OP), ("delete_item", "ALL_NEW", WRONG_FOR_OP),
    ("delete_item", "UPDATED_NEW", WRONG_FOR_OP),
    ("put_item", "all_old", NOT_IN_ENUM), ("put_item", "BOGUS", NOT_IN_ENUM),
    ("delete_item", "BOGUS", NOT_IN_ENUM),
])
def test_invalid_return_values(ddb, tables, operation, value, message):
    table, key = tables["hash"], {"pk": {"S": f"rv-invalid-{operation}-{value}"}}
    ddb.put_item(TableName=table, Item=dict(key, v={"S": "before"}))
    args = {"Item": dict(key, v={"S": "after"})} if operation == "put_item" else {"Key": key}
    with expect_error("ValidationException", 400, message):
        getattr(ddb, operation)(TableName=table, ReturnValues=value, **args)
    assert get(ddb, table, key)["Item"]["v"] == {"S": "before"}


def test_operations_on_a_missing_table(ddb):
    # §2.7: ResourceNotFoundException, data plane: "Requested resource not found"
    name, key = unique_name("missing"), {"pk": {"S": "a"}}
    message = "Requested resource not found"
    with expect_error("ResourceNotFoundException", 400, message):
        ddb.put_item(TableName=name, Item=key)
    with expect_error("ResourceNotFoundException", 400, message):
        ddb.get_item(TableName=name, Key=key)
    with expect_error("ResourceNotFoundException", 400, message):
        ddb.delete_item(TableName=name, Key=key)


def test_items_are_addressed_by_table_arn(ddb, tables):
    # §2: "`TableName` inputs accept a name or a table ARN".
    arn = ddb.describe_table(TableName=tables["hash"])["Table"]["TableArn"]
    ddb.put_item(TableName=arn, Item={"pk": {"S": "by-arn"}})
    assert get(ddb, tables["hash"], {"pk": {"S": "by-arn"}})["Item"] == {"pk": {"S": "by-arn"}}
    assert "Item" in get(ddb, arn, {"pk": {"S": "by-arn"}})


def test_concurrent_writers_and_readers(make_client, tables):
    table = tables["composite"]

    def worker(n):
        client = make_client()
        for i in range(20):
            key = {"pk": {"S": f"worker-{n}"}, "sk": {"S": f"{i:03d}"}}
            client.put_item(TableName=table, Item=dict(key, v={"N": str(n * 1000 + i)}))
            assert get(client, table, key)["Item"]["v"] == {"N": str(n * 1000 + i)}
        return n

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        assert sorted(pool.map(worker, range(8))) == list(range(8))
    client = make_client()
    for n in range(8):
        item = get(client, table, {"pk": {"S": f"worker-{n}"}, "sk": {"S": "019"}})["Item"]
        assert item["v"] == {"N": str(n * 1000 + 19)}


# --------------------------------------------------------------------------------------------
# Validation of items


INVALID = "One or more parameter values were invalid: "
NOT_NUMERIC = re.compile(r"^The parameter cannot be converted to a numeric value")
ITEM_CASES = {
    # §2.3 key attributes: "must be present, type must match AttributeDefinitions ... non-empty"
    "missing-key": ({"x": {"S": "1"}}, INVALID + "Missing the key pk in the item"),
    "key-type-N": ({"pk": {"N": "1"}}, INVALID + "Type mismatch for key pk expected: S actual: N"),
    "key-type-SS": ({"pk": {"SS": ["a"]}},
                    INVALID + "Type mismatch for key pk expected: S actual: SS"),
    "key-type-BOOL": ({"pk": {"BOOL": True}},
                      INVALID + "Type mismatch for key pk expected: S actual: BOOL"),
    "key-empty-string": ({"pk": {"S": ""}},
                         "One or more parameter values are not valid. The AttributeValue for a "
                         "key attribute cannot contain an empty string value. Key: pk"),
    # "empty set (`SS`/`NS`/`BS` = `[]`)": "An string set  may not be empty" (double space);
    # for BS, dynalite's tests recorded against DynamoDB: "Binary sets should not be empty"
    "empty-SS": ({"a": {"SS": []}}, INVALID + "An string set  may not be empty"),
    "empty-NS": ({"a": {"NS": []}}, INVALID + "An number set  may not be empty"),
    "empty-BS": ({"a": {"BS": []}}, INVALID + "Binary sets should not be empty"),
    # "duplicate set members (NS compares numerically)"; wording from dynalite's tests
    "duplicate-SS": ({"a": {"SS": ["a", "a"]}},
                     INVALID + "Input collection [a, a] contains duplicates."),
    "duplicate-NS": ({"a": {"NS": ["1", "1"]}}, "Input collection contains duplicates"),
    "duplicate-NS-by-value": ({"a": {"NS": ["1", "1.0"]}}, re.compile("contains duplicates")),
    "duplicate-BS": ({"a": {"BS": ["Yg==", "Yg=="]}},
                     INVALID + "Input collection [Yg==, Yg==]of type BS contains duplicates."),
    "NULL-false": ({"a": {"NULL": False}},
                   INVALID + "Null attribute value types must have the value of true"),
    # "≤38 significant digits; magnitude 1E-130 … 9.9999999999999999999999999999999999999E+125"
    "39-digits": ({"a": {"N": "123456789012345678901234567890123456789"}},
                  "Attempting to store more than 38 significant digits in a Number"),
    "39-digits-fraction": ({"a": {"N": "1.23456789012345678901234567890123456789"}},
                           "Attempting to store more than 38 significant digits in a Number"),
    "overflow": ({"a": {"N": "1E+126"}}, "Number overflow. Attempting to store a number with "
                                         "magnitude larger than supported range"),
    "overflow-negative": ({"a": {"N": "-1E+126"}}, "Number overflow. Attempting to store a "
                          "number with magnitude larger than supported range"),
    "underflow": ({"a": {"N": "1E-131"}}, "Number underflow. Attempting to store a number with "
                                          "magnitude smaller than supported range"),
    "number-in-set-overflow": ({"a": {"NS": ["1", "1E+126"]}}, re.compile("^Number overflow")),
    "not-a-number": ({"a": {"N": "abc"}}, "The parameter cannot be converted to a numeric "
                                          "value: abc"),
    "two-dots": ({"a": {"N": "1.2.3"}}, NOT_NUMERIC),
    "empty-number": ({"a": {"N": ""}}, NOT_NUMERIC),
    "hex": ({"a": {"N": "0x10"}}, NOT_NUMERIC),
    "NaN": ({"a": {"N": "NaN"}}, NOT_NUMERIC),
    "Infinity": ({"a": {"N": "Infinity"}}, NOT_NUMERIC),
    "dangling-exponent": ({"a": {"N": "1e"}}, NOT_NUMERIC),
    "double-sign": ({"a": {"N": "--1"}}, NOT_NUMERIC),
    "inner-space": ({"a": {"N": "1 2"}}, NOT_NUMERIC),
    "bad-number-in-NS": ({"a": {"NS": ["1", "x"]}}, NOT_NUMERIC),
    # "zero or several type members"
    "two-types": ({"a": {"S": "x", "N": "1"}}, "Supplied AttributeValue has more than one "
                  "datatypes set, must contain exactly one of the supported datatypes"),
    "no-type": ({"a": {}}, "Supplied AttributeValue is empty, must contain exactly one of the "
                "supported datatypes"),
    "nested-two-types": ({"a": {"L": [{"S": "x", "BOOL": True}]}}, "Supplied AttributeValue has "
                         "more than one datatypes set, must contain exactly one of the supported "
                         "datatypes"),
    "nested-no-type": ({"a": {"M": {"b": {}}}}, "Supplied AttributeValue is empty, must contain "
                       "exactly one of the supported datatypes"),
    "nested-NULL-false": ({"a": {"M": {"b": {"L": [{"NULL": False}]}}}},
                          INVALID + "Null attribute value types must have the value of true"),
    "nested-empty-set": ({"a": {"L": [{"NS": []}]}}, INVALID + "An number set  may not be empty"),
    "nested-bad-number": ({"a": {"M": {"n": {"N": "12abc"}}}}, NOT_NUMERIC),
    "empty-attribute-name": ({"": {"S": "x"}}, None),
    # "partition-key value 1..2048 bytes"
    "hash-key-2049-bytes": ({"pk": {"S": "k" * 2049}}, INVALID + "Size of hashkey has exceeded "
                            "the maximum size limit of2048 bytes"),
    "hash-key-2049-utf8-bytes": ({"pk": {"S": "€" * 683}}, INVALID + "Size of hashkey has "
                                 "exceeded the maximum size limit of2048 bytes"),
}


@pytest.mark.parametrize("case", ITEM_CASES)
def test_put_item_validation(endpoint, ddb, tables, case):
    attrs, message = ITEM_CASES[case]
    item = dict({"pk": {"S": f"invalid-{case}"}}, **attrs)
    if case == "missing-key":
        del item["pk"]
    resp = put_raw(endpoint, tables["hash"], item)
    assert_raw_error(resp, "ValidationException", 400, message)
    if "pk" in item and isinstance(item["pk"].get("S"), str) and 0 < len(item["pk"]["S"]) <= 64:
        assert "Item" not in get(ddb, tables["hash"], {"pk": item["pk"]})


@pytest.mark.parametrize("item,message", [
    ({"pk": {"S": "a"}}, INVALID + "Missing the key sk in the item"),
    ({"pk": {"S": "a"}, "sk": {"N": "1"}}, INVALID + "Type mismatch for key sk expected: S "
                                                     "actual: N"),
    ({"pk": {"S": "a"}, "sk": {"S": ""}}, "One or more parameter values are not valid. The "
     "AttributeValue for a key attribute cannot contain an empty string value. Key: sk"),
    ({"pk": {"S": "a"}, "sk": {"S": "r" * 1025}}, INVALID + "Aggregated size of all range keys "
                                                            "has exceeded the size limit of 1024 "
                                                            "bytes"),
], ids=["missing-range", "range-type", "range-empty", "range-1025-bytes"])
def test_put_item_range_key_validation(endpoint, tables, item, message):
    assert_raw_error(put_raw(endpoint, tables["composite"], item), "ValidationException", 400,
                     message)


@pytest.mark.parametrize("item,message", [
    ({"pk": {"N": "abc"}, "sk": {"N": "1"}}, NOT_NUMERIC),
    ({"pk": {"N": "1"}, "sk": {"S": "1"}}, INVALID + "Type mismatch for key sk expected: N "
                                                     "actual: S"),
    ({"pk": {"N": "1E+126"}, "sk": {"N": "1"}}, re.compile("^Number overflow")),
], ids=["bad-number", "range-type", "overflow"])
def test_put_item_number_key_validation(endpoint, tables, item, message):
    assert_raw_error(put_raw(endpoint, tables["number"], item), "ValidationException", 400,
                     message)


@pytest.mark.parametrize("item,message", [
    ({"pk": {"B": b64(bytes(2049))}, "sk": {"B": b64(b"x")}},
     INVALID + "Size of hashkey has exceeded the maximum size limit of2048 bytes"),
    ({"pk": {"B": b64(b"x")}, "sk": {"B": b64(bytes(1025))}},
     INVALID + "Aggregated size of all range keys has exceeded the size limit of 1024 bytes"),
    ({"pk": {"B": ""}, "sk": {"B": b64(b"x")}}, None),
], ids=["hash-2049-bytes", "range-1025-bytes", "hash-empty"])
def test_put_item_binary_key_validation(endpoint, tables, item, message):
    assert_raw_error(put_raw(endpoint, tables["binary"], item), "ValidationException", 400,
                     message)


@pytest.mark.parametrize("shape,key", [
    ("hash", {"pk": {"S": "k" * 2048}}),
    ("hash", {"pk": {"S": "é" * 1024}}),
    ("composite", {"pk": {"S": "k" * 2048}, "sk": {"S": "s" * 1024}}),
    ("composite", {"pk": {"S": "k"}, "sk": {"S": "€" * 341 + "x"}}),
    ("binary", {"pk": {"B": bytes(2048)}, "sk": {"B": b"\x01"}}),
    ("binary", {"pk": {"B": b"\x01"}, "sk": {"B": b"\x02" * 1024}}),
    ("binary", {"pk": {"B": b"\x03" * 2047}, "sk": {"B": b"\x04" * 1022}}),
], ids=["S-hash-2048", "S-hash-2048-utf8", "S-range-1024", "S-range-1024-utf8",
        "B-hash-2048", "B-range-1024", "B-2047-1022"])
def test_key_size_boundaries_are_accepted(ddb, tables, shape, key):
    # §2.1: "partition-key value 1..2048 bytes, sort-key value 1..1024 bytes" (bytes, not
    # characters; for B the decoded bytes)
    ddb.put_item(TableName=tables[shape], Item=key)
    assert get(ddb, tables[shape], key)["Item"] == key


def test_empty_strings_and_binaries_outside_keys(ddb, tables):
    # §2.3: "Empty `S`/`B` values are allowed for non-key attributes and inside
    # sets/lists/maps."
    item = {"pk": {"S": "empties"}, "s": {"S": ""}, "b": {"B": b""},
            "m": {"M": {"s": {"S": ""}}}, "l": {"L": [{"S": ""}, {"B": b""}]}}
    ddb.put_item(TableName=tables["hash"], Item=item)
    assert get(ddb, tables["hash"], {"pk": item["pk"]})["Item"] == item


@pytest.mark.parametrize("operation", ["GetItem", "DeleteItem"])
@pytest.mark.parametrize("key", [
    {"pk": {"S": "a"}},                                           # range part missing
    {"pk": {"S": "a"}, "sk": {"S": "b"}, "x": {"S": "c"}},        # extra attribute
    {"pk": {"S": "a"}, "other": {"S": "b"}},                      # wrong name
    {},
], ids=["missing", "extra", "wrong-name", "empty"])
def test_key_not_matching_the_schema(endpoint, tables, operation, key):
    # §2.3: "GetItem/DeleteItem/UpdateItem `Key` with extra/missing attributes → "The provided
    # key element does not match the schema""
    resp = ddb_post(endpoint, operation, {"TableName": tables["composite"], "Key": key})
    assert_raw_error(resp, "ValidationException", 400,
                     "The provided key element does not match the schema")


@pytest.mark.parametrize("operation", ["GetItem", "DeleteItem"])
@pytest.mark.parametrize("key,message", [
    # dynalite's tests, recorded against DynamoDB: a key of the wrong type "does not match"
    ({"pk": {"N": "1"}, "sk": {"S": "b"}}, "The provided key element does not match the schema"),
    ({"pk": {"S": "a"}, "sk": {"SS": ["b"]}},
     "The provided key element does not match the schema"),
    ({"pk": {"S": ""}, "sk": {"S": "b"}}, None),
    ({"pk": {"S": "a"}, "sk": {"S": "b", "N": "1"}}, "Supplied AttributeValue has more than one "
     "datatypes set, must contain exactly one of the supported datatypes"),
    ({"pk": {"S": "k" * 2049}, "sk": {"S": "b"}}, INVALID + "Size of hashkey has exceeded the "
     "maximum size limit of2048 bytes"),
], ids=["type-mismatch", "set-type", "empty-string", "two-types", "hash-too-long"])
def test_invalid_key_values(endpoint, tables, operation, key, message):
    resp = ddb_post(endpoint, operation, {"TableName": tables["composite"], "Key": key})
    assert_raw_error(resp, "ValidationException", 400, message)


# --------------------------------------------------------------------------------------------
# Item size


def sized_items(total):
    """Items of exactly `total` bytes by §2.4: "Size = Σ over attributes of `len_utf8(name)` +
    value size, where (docs): `S` = UTF-8 bytes; `B` = raw bytes (decoded); ... `BOOL`/`NULL` =
    1; `L`/`M` = 3 bytes overhead + Σ element sizes + 1 byte per element (map keys count as
    names)"."""
    base = len("pk") + len("big")  # key "pk" = "big"
    rest = total - base
    return {
        "S": {"pk": {"S": "big"}, "d": {"S": "x" * (rest - 1)}},
        "B": {"pk": {"S": "big"}, "bin": {"B": bytes(rest - 3)}},
        "utf8": {"pk": {"S": "big"}, "données": {"S": "é" * ((rest - 8) // 2)
                                                 + "x" * ((rest - 8) % 2)}},
        # BOOL and NULL: 1 byte each beside their names
        "BOOL-NULL": {"pk": {"S": "big"}, "t": {"BOOL": True}, "z": {"NULL": True},
                      "d": {"S": "x" * (rest - 2 - 2 - 1)}},
        # "m" + (3 + ("k" + value) + 1)
        "M": {"pk": {"S": "big"}, "m": {"M": {"k": {"S": "x" * (rest - 1 - 3 - 1 - 1)}}}},
        # "l" + (3 + value + 1)
        "L": {"pk": {"S": "big"}, "l": {"L": [{"S": "x" * (rest - 1 - 3 - 1)}]}},
    }


@pytest.mark.parametrize("kind", ["S", "B", "utf8", "BOOL-NULL", "M", "L"])
def test_item_of_exactly_400kb_is_accepted_one_byte_more_is_not(ddb, tables, kind):
    # §2.3: "item > 400 KB" → "Item size has exceeded the maximum allowed size"
    table = tables["hash"]
    exact, over = sized_items(MAX_ITEM)[kind], sized_items(MAX_ITEM + 1)[kind]
    key = {"pk": exact["pk"]}
    ddb.put_item(TableName=table, Item=exact)
    assert get(ddb, table, key)["Item"] == exact
    with expect_error("ValidationException", 400,
                      "Item size has exceeded the maximum allowed size"):
        ddb.put_item(TableName=table, Item=over)
    assert get(ddb, table, key)["Item"] == exact  # the rejected write changed nothing
    ddb.delete_item(TableName=table, Key=key)


def test_nesting_depth(endpoint, tables):
    # §2.1: "nesting ≤32 levels"; deeper documents are refused, and a very deep one must not
    # crash the server (DESIGN invariant 5).
    def nested(depth):
        value = {"S": "leaf"}
        for _ in range(depth):
            value = {"L": [value]}
        return {"pk": {"S": f"deep-{depth}"}, "d": value}

    assert put_raw(endpoint, tables["hash"], nested(30)).status == 200
    assert_raw_error(put_raw(endpoint, tables["hash"], nested(40)), "ValidationException", 400)
    body = ('{"TableName":"%s","Item":{"pk":{"S":"x"},"d":%s{"S":"x"}%s}}'
            % (tables["hash"], '{"L":[' * 5000, "]}" * 5000)).encode()
    resp = ddb_post(endpoint, "PutItem", body=body)
    assert resp.status == 400, resp
    assert resp.json()["__type"].rsplit("#", 1)[-1] in ("ValidationException",
                                                        "SerializationException")
