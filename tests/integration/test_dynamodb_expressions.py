"""DynamoDB expressions, the part every operation shares: ConditionExpression on PutItem,
DeleteItem and UpdateItem (ConditionalCheckFailedException, ReturnValuesOnConditionCheckFailure),
every comparator and function, AND/OR/NOT precedence, nested paths, #name and :value
substitution, GetItem's ProjectionExpression, the legacy Expected and AttributesToGet, and the
ValidationExceptions common to all five kinds of expression.
Quotes: shared/docs/aws-wire-reference.md §2.5–§2.7; messages not in the reference are
DynamoDB's own, as recorded by dynalite's tests (run against DynamoDB) and DynamoDB Local's
DbValidationError list."""

import re

import pytest
from boto3.dynamodb.conditions import Attr

from conftest import (CONDITION_FAILED, assert_raw_error, canon_item, client_accepts, ddb_call,
                      ddb_post, expect_error, expression_args, path_clash, table_spec,
                      unique_name)

pytestmark = pytest.mark.dataplane

# The item every condition case is evaluated against (§2.3 types, nested documents, names
# that need placeholders).
PROBE = {
    "pk": {"S": "probe"},
    "s": {"S": "hello"},
    "n": {"N": "10"},
    "neg": {"N": "-2.5"},
    "b": {"B": b"\x01\x02"},
    "t": {"BOOL": True},
    "z": {"NULL": True},
    "blank": {"S": ""},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2", "3"]},
    "bs": {"BS": [b"x", b"y"]},
    "l": {"L": [{"S": "x"}, {"N": "2"}, {"M": {"deep": {"S": "y"}}}]},
    "m": {"M": {"k": {"S": "v"}, "child": {"M": {"n": {"N": "5"}}}}},
    "dotted.label": {"S": "top"},
    "dotted": {"M": {"label": {"S": "nested"}}},
    "status": {"S": "active"},
}
NAMES = {"#dn": "dotted.label", "#st": "status", "#s": "s", "#m": "m"}
VALUES = {
    **{f":{w}": {"S": w} for w in ("hello", "he", "lo", "ell", "i", "Z", "x", "y", "v", "a",
                                   "c", "top", "nested", "active")},
    **{f":{w}": {"N": str(n)} for n, w in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve"))},
    ":ten_s": {"S": "10"},
    ":b01": {"B": b"\x01"}, ":b03": {"B": b"\x03"}, ":bx": {"B": b"x"},
    ":true": {"BOOL": True},
    **{f":{t}": {"S": t} for t in ("S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M")},
}


@pytest.fixture(scope="module")
def tables(module_table):
    return {"hash": module_table(table_spec(unique_name("expr")))}


@pytest.fixture(scope="module")
def probe(ddb, tables):
    ddb.put_item(TableName=tables["hash"], Item=PROBE)
    return tables["hash"]


def get(ddb, table, key, **kwargs):
    return ddb.get_item(TableName=table, Key=key, ConsistentRead=True, **kwargs)


def args(*expressions):
    return expression_args(*expressions, names=NAMES, values=VALUES)


# --------------------------------------------------------------------------------------------
# Condition semantics: each case re-puts PROBE over itself under the condition, so a true
# condition succeeds and a false one fails with ConditionalCheckFailedException.

CONDITIONS = [
    # comparators; numbers compare by value, strings and binaries by bytes
    ("s = :hello", True), ("s <> :hello", False), ("s <> :x", True),
    ("n = :ten", True), ("n < :eleven", True), ("n < :ten", False), ("n <= :ten", True),
    ("n > :nine", True), ("n >= :eleven", False), ("neg < :zero", True),
    ("s < :i", True), ("s > :Z", True), ("b < :b03", True), ("b > :b01", True),
    ("t = :true", True), ("m.child.n < n", True),
    # §2.6: "Comparisons across different types evaluate to false rather than erroring, and
    # `<>` against a missing attribute evaluates to true"
    ("n = :ten_s", False), ("s < :ten", False), ("nope = :ten", False), ("nope <> :ten", True),
    # nested paths and placeholders
    ("m.k = :v", True), ("m.child.n = :five", True), ("#m.child.n = :five", True),
    ("l[0] = :x", True), ("l[1] > :one", True), ("l[2].deep = :y", True),
    ("#dn = :top", True), ("dotted.label = :nested", True), ("#st = :active", True),
    # BETWEEN (inclusive) and IN
    ("n BETWEEN :nine AND :eleven", True), ("n BETWEEN :ten AND :ten", True),
    ("n BETWEEN :eleven AND :twelve", False), ("s BETWEEN :he AND :i", True),
    ("s IN (:x, :hello)", True), ("n IN (:nine, :eleven)", False), ("n IN (:ten)", True),
    # attribute_exists / attribute_not_exists
    ("attribute_exists(s)", True), ("attribute_exists(nope)", False),
    ("attribute_not_exists(nope)", True), ("attribute_not_exists(s)", False),
    ("attribute_exists(z)", True), ("attribute_exists(m.child.n)", True),
    ("attribute_exists(m.child.nope)", False), ("attribute_exists(l[2].deep)", True),
    ("attribute_exists(l[3])", False), ("attribute_exists(#dn)", True),
    # attribute_type for each type, and mismatches
    *[(f"attribute_type({a}, :{t})", True) for a, t in (
        ("s", "S"), ("n", "N"), ("b", "B"), ("t", "BOOL"), ("z", "NULL"), ("ss", "SS"),
        ("ns", "NS"), ("bs", "BS"), ("l", "L"), ("m", "M"))],
    ("attribute_type(n, :S)", False), ("attribute_type(nope, :S)", False),
    # begins_with: S and B only
    ("begins_with(s, :he)", True), ("begins_with(s, :lo)", False),
    ("begins_with(b, :b01)", True), ("begins_with(n, :ten_s)", False),
    # contains: substring of S, member of a set, element of a list
    ("contains(s, :ell)", True), ("contains(s, :x)", False), ("contains(ss, :a)", True),
    ("contains(ss, :c)", False), ("contains(ns, :two)", True), ("contains(bs, :bx)", True),
    ("contains(l, :x)", True), ("contains(l, :two)", True), ("contains(l, :y)", False),
    # §2.6: "`size()` = chars of S / bytes of B / elements of set, L, M"
    ("size(s) = :five", True), ("size(b) = :two", True), ("size(ss) = :two", True),
    ("size(ns) = :three", True), ("size(l) = :three", True), ("size(m) = :two", True),
    ("size(m.child) = :one", True), ("size(blank) = :zero", True), ("size(s) > size(l)", True),
    # logic; §2.6 "precedence (high→low): comparators, IN, BETWEEN, functions, parentheses,
    # NOT, AND, OR"
    ("NOT s = :hello", False), ("NOT attribute_exists(nope)", True),
    ("s = :hello AND n = :ten", True), ("s = :hello AND n = :nine", False),
    ("s = :x OR n = :ten", True),
    ("s = :hello OR n = :nine AND s = :x", True),       # AND before OR
    ("s = :x AND n = :nine OR s = :hello", True),
    ("NOT s = :x AND n = :nine", False),                # NOT before AND
    ("NOT s = :hello OR n = :ten", True),               # NOT before OR
    ("(s = :hello OR n = :nine) AND s = :x", False),
    ("NOT (s = :hello AND n = :nine)", True),
    # keywords are case-insensitive
    ("s = :hello and n = :ten", True), ("not s = :x", True),
    ("n between :nine and :eleven", True), ("s in (:hello)", True),
]


@pytest.mark.parametrize("expression,expected", CONDITIONS, ids=[c for c, _ in CONDITIONS])
def test_condition_on_existing_item(ddb, probe, expression, expected):
    put = {"TableName": probe, "Item": PROBE, "ConditionExpression": expression,
           **args(expression)}
    if expected:
        old = ddb.put_item(ReturnValues="ALL_OLD", **put)["Attributes"]
        assert canon_item(old) == canon_item(PROBE)
    else:
        with expect_error("ConditionalCheckFailedException", 400, CONDITION_FAILED):
            ddb.put_item(**put)
    assert canon_item(get(ddb, probe, {"pk": PROBE["pk"]})["Item"]) == canon_item(PROBE)


@pytest.mark.parametrize("expression,expected", [
    ("attribute_not_exists(pk)", True), ("attribute_exists(pk)", False),
    ("s = :hello", False), ("s <> :hello", True), ("NOT s = :hello", True),
    ("size(s) = :zero", False),
])
def test_condition_on_absent_item(ddb, tables, expression, expected):
    key = {"pk": {"S": unique_name("absent")}}
    put = {"TableName": tables["hash"], "Item": dict(key, s={"S": "new"}),
           "ConditionExpression": expression, **args(expression)}
    if expected:
        ddb.put_item(**put)
        assert get(ddb, tables["hash"], key)["Item"]["s"] == {"S": "new"}
    else:
        with expect_error("ConditionalCheckFailedException", 400, CONDITION_FAILED):
            ddb.put_item(**put)
        assert "Item" not in get(ddb, tables["hash"], key)


def test_create_if_absent(ddb, tables):
    # The idiom for "insert, never overwrite": attribute_not_exists on the key.
    table, key = tables["hash"], {"pk": {"S": unique_name("once")}}
    ddb.put_item(TableName=table, Item=dict(key, v={"N": "1"}),
                 ConditionExpression="attribute_not_exists(pk)")
    with expect_error("ConditionalCheckFailedException", 400, CONDITION_FAILED):
        ddb.put_item(TableName=table, Item=dict(key, v={"N": "2"}),
                     ConditionExpression="attribute_not_exists(pk)")
    assert get(ddb, table, key)["Item"] == dict(key, v={"N": "1"})


def test_conditional_delete(ddb, tables):
    table, key = tables["hash"], {"pk": {"S": unique_name("del")}}
    item = dict(key, n={"N": "10"})
    ddb.put_item(TableName=table, Item=item)
    with expect_error("ConditionalCheckFailedException", 400, CONDITION_FAILED):
        ddb.delete_item(TableName=table, Key=key, ConditionExpression="n = :nine",
                        **args(":nine"))
    assert get(ddb, table, key)["Item"] == item
    old = ddb.delete_item(TableName=table, Key=key, ReturnValues="ALL_OLD",
                          ConditionExpression="attribute_exists(pk) AND n = :ten",
                          **args(":ten"))
    assert old["Attributes"] == item
    assert "Item" not in get(ddb, table, key)
    # the item is gone: a condition requiring it now fails
    with expect_error("ConditionalCheckFailedException", 400, CONDITION_FAILED):
        ddb.delete_item(TableName=table, Key=key, ConditionExpression="attribute_exists(pk)")


def test_conditional_update_optimistic_locking(ddb_resource, tables):
    table = ddb_resource.Table(tables["hash"])
    key = {"pk": unique_name("lock")}
    table.put_item(Item=dict(key, version=1, title="draft"))
    new = table.update_item(Key=key, UpdateExpression="SET title = :t, version = version + :one",
                            ConditionExpression=Attr("version").eq(1),
                            ExpressionAttributeValues={":t": "final", ":one": 1},
                            ReturnValues="ALL_NEW")["Attributes"]
    assert new == dict(key, version=2, title="final")
    with expect_error("ConditionalCheckFailedException", 400, CONDITION_FAILED):
        table.update_item(Key=key, UpdateExpression="SET title = :t",
                          ConditionExpression=Attr("version").eq(1),
                          ExpressionAttributeValues={":t": "stale"})
    assert table.get_item(Key=key, ConsistentRead=True)["Item"] == new
    # attribute_exists(pk) turns UpdateItem's upsert into update-only
    absent = {"pk": unique_name("lock-absent")}
    with expect_error("ConditionalCheckFailedException", 400, CONDITION_FAILED):
        table.update_item(Key=absent, UpdateExpression="SET title = :t",
                          ConditionExpression=Attr("pk").exists(),
                          ExpressionAttributeValues={":t": "x"})
    assert "Item" not in table.get_item(Key=absent, ConsistentRead=True)


def test_conditions_built_by_the_resource_api(ddb_resource, tables):
    # boto3's condition builder: placeholders for every name and value, nested parentheses
    table = ddb_resource.Table(tables["hash"])
    key = {"pk": unique_name("attr")}
    item = dict(key, version=2, title="Hello", tags={"a", "b"}, meta={"owner": "me"})
    table.put_item(Item=item)
    true_conditions = [
        Attr("version").between(1, 5) & Attr("title").begins_with("He"),
        Attr("tags").contains("a") & Attr("version").is_in([2, 3]),
        Attr("title").size().eq(5) & Attr("title").attribute_type("S"),
        Attr("gone").not_exists() | Attr("version").lt(0),
        ~Attr("version").gt(2) & Attr("meta.owner").eq("me"),
        Attr("version").ne(3) & Attr("version").lte(2) & Attr("version").gte(2),
    ]
    for condition in true_conditions:
        table.put_item(Item=item, ConditionExpression=condition)
    for condition in (Attr("version").gt(2), Attr("tags").contains("z") | Attr("gone").exists(),
                      ~(Attr("title").eq("Hello"))):
        with expect_error("ConditionalCheckFailedException", 400, CONDITION_FAILED):
            table.delete_item(Key=key, ConditionExpression=condition)
    assert table.get_item(Key=key, ConsistentRead=True)["Item"] == item


# --------------------------------------------------------------------------------------------
# ReturnValuesOnConditionCheckFailure


def failing_write(operation, table, key, **extra):
    """A raw write of `operation` on `key` whose condition is false for the stored item."""
    payload = {"TableName": table, "ConditionExpression": "attribute_not_exists(pk)", **extra}
    if operation == "PutItem":
        payload["Item"] = dict(key, v={"S": "new"})
    else:
        payload["Key"] = key
    if operation == "UpdateItem":
        payload.update(UpdateExpression="SET v = :v", ExpressionAttributeValues={
            ":v": {"S": "new"}})
    return payload


@pytest.mark.parametrize("operation", ["PutItem", "DeleteItem", "UpdateItem"])
def test_return_values_on_condition_check_failure(endpoint, ddb, tables, operation):
    # §2.5: "`ReturnValuesOnConditionCheckFailure: ALL_OLD` | existing item placed in the
    # error body as `"Item"` of `ConditionalCheckFailedException`"
    table, key = tables["hash"], {"pk": {"S": unique_name(f"rvoccf-{operation}")}}
    item = dict(key, v={"S": "old"}, ss={"SS": ["x", "y"]}, m={"M": {"n": {"N": "1"}}})
    ddb.put_item(TableName=table, Item=item)

    resp = ddb_post(endpoint, operation, failing_write(
        operation, table, key, ReturnValuesOnConditionCheckFailure="ALL_OLD"))
    assert_raw_error(resp, "ConditionalCheckFailedException", 400, CONDITION_FAILED)
    assert canon_item(resp.json()["Item"]) == canon_item(item)

    for extra in ({"ReturnValuesOnConditionCheckFailure": "NONE"}, {}):
        resp = ddb_post(endpoint, operation, failing_write(operation, table, key, **extra))
        assert_raw_error(resp, "ConditionalCheckFailedException", 400, CONDITION_FAILED)
        assert "Item" not in resp.json()
    assert canon_item(get(ddb, table, key)["Item"]) == canon_item(item)


def test_return_values_on_condition_check_failure_without_an_item(endpoint, tables):
    # Nothing stored: the failure has no old item to return.
    key = {"pk": {"S": unique_name("rvoccf-absent")}}
    resp = ddb_post(endpoint, "DeleteItem", {
        "TableName": tables["hash"], "Key": key, "ConditionExpression": "attribute_exists(pk)",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"})
    assert_raw_error(resp, "ConditionalCheckFailedException", 400, CONDITION_FAILED)
    assert "Item" not in resp.json()


def test_return_values_on_condition_check_failure_through_boto3(ddb, tables):
    if not client_accepts(ddb, "PutItem", "ReturnValuesOnConditionCheckFailure"):
        pytest.skip("this botocore predates ReturnValuesOnConditionCheckFailure")
    table, key = tables["hash"], {"pk": {"S": unique_name("rvoccf-boto3")}}
    item = dict(key, v={"N": "7"})
    ddb.put_item(TableName=table, Item=item)
    with expect_error("ConditionalCheckFailedException", 400, CONDITION_FAILED) as info:
        ddb.put_item(TableName=table, Item=key, ConditionExpression="attribute_not_exists(pk)",
                     ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert info.value.response["Item"] == item


def test_invalid_return_values_on_condition_check_failure(endpoint, tables):
    resp = ddb_post(endpoint, "PutItem", {
        "TableName": tables["hash"], "Item": {"pk": {"S": "x"}},
        "ConditionExpression": "attribute_not_exists(pk)",
        "ReturnValuesOnConditionCheckFailure": "ALL_NEW"})
    assert_raw_error(resp, "ValidationException", 400, re.compile(
        r"Value 'ALL_NEW' at 'returnValuesOnConditionCheckFailure' failed to satisfy "
        r"constraint: Member must satisfy enum value set"))


# --------------------------------------------------------------------------------------------
# Legacy Expected / ConditionalOperator


def eq(value):
    return {"ComparisonOperator": "EQ", "AttributeValueList": [value]}


@pytest.mark.parametrize("expected,operator,outcome", [
    ({"s": {"Value": {"S": "hello"}}}, None, True),
    ({"s": {"Value": {"S": "x"}}}, None, False),
    ({"s": {"Exists": True, "Value": {"S": "hello"}}}, None, True),
    ({"nope": {"Exists": False}}, None, True),
    ({"s": {"Exists": False}}, None, False),
    ({"n": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "9"}]}}, None, True),
    ({"n": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}, {"N": "5"}]}},
     None, False),
    ({"s": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "he"}]}}, None,
     True),
    ({"ss": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"S": "a"}]}}, None, True),
    ({"ss": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "a"}]}}, None,
     False),
    ({"nope": {"ComparisonOperator": "NULL"}}, None, True),
    ({"s": {"ComparisonOperator": "NOT_NULL"}}, None, True),
    ({"n": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "1"}, {"N": "10"}]}},
     None, True),
    ({"n": {"ComparisonOperator": "NE", "AttributeValueList": [{"N": "10"}]}}, None, False),
    ({"s": eq({"S": "hello"}), "n": eq({"N": "9"})}, None, False),
    ({"s": eq({"S": "hello"}), "n": eq({"N": "9"})}, "AND", False),
    ({"s": eq({"S": "hello"}), "n": eq({"N": "9"})}, "OR", True),
])
def test_legacy_expected(ddb, probe, expected, operator, outcome):
    put = {"TableName": probe, "Item": PROBE, "Expected": expected}
    if operator:
        put["ConditionalOperator"] = operator
    if outcome:
        ddb.put_item(**put)
    else:
        with expect_error("ConditionalCheckFailedException", 400, CONDITION_FAILED):
            ddb.put_item(**put)


# Dynalite's tests, recorded against DynamoDB:
# "Can not use both expression and non-expression parameters in the same request:
# Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"
def test_expected_and_condition_expression_together(endpoint, tables):
    resp = ddb_post(endpoint, "PutItem", {
        "TableName": tables["hash"], "Item": {"pk": {"S": "mixed"}},
        "Expected": {"pk": {"Exists": False}}, "ConditionExpression": "attribute_not_exists(pk)"})
    assert_raw_error(resp, "ValidationException", 400,
                     "Can not use both expression and non-expression parameters in the same "
                     "request: Non-expression parameters: {Expected} Expression parameters: "
                     "{ConditionExpression}")


def test_legacy_expected_validation(endpoint, tables):
    resp = ddb_post(endpoint, "PutItem", {"TableName": tables["hash"],
                                          "Item": {"pk": {"S": "bad-expected"}},
                                          "Expected": {"s": {}}})
    assert_raw_error(resp, "ValidationException", 400,
                     "One or more parameter values were invalid: Value must be provided when "
                     "Exists is null for Attribute: s")


# --------------------------------------------------------------------------------------------
# GetItem ProjectionExpression and AttributesToGet


@pytest.mark.parametrize("projection,expected", [
    ("s", {"s": PROBE["s"]}),
    ("pk, n", {"pk": PROBE["pk"], "n": PROBE["n"]}),
    ("s, nope, m.nope, l[7]", {"s": PROBE["s"]}),
    ("m.child.n", {"m": {"M": {"child": {"M": {"n": {"N": "5"}}}}}}),
    ("m.k, m.child", {"m": PROBE["m"]}),
    # list elements keep their order, without gaps
    ("l[0], l[2].deep", {"l": {"L": [{"S": "x"}, {"M": {"deep": {"S": "y"}}}]}}),
    ("l[1]", {"l": {"L": [{"N": "2"}]}}),
    ("#dn, dotted.label", {"dotted.label": {"S": "top"}, "dotted": PROBE["dotted"]}),
    ("#st, #s", {"status": PROBE["status"], "s": PROBE["s"]}),
    ("ss, ns, bs, z, t, b", {k: PROBE[k] for k in ("ss", "ns", "bs", "z", "t", "b")}),
], ids=lambda v: v if isinstance(v, str) else None)
def test_get_item_projection(ddb, probe, projection, expected):
    got = get(ddb, probe, {"pk": PROBE["pk"]}, ProjectionExpression=projection,
              **args(projection))["Item"]
    assert canon_item(got) == canon_item(expected)


def test_get_item_projection_through_the_resource_api(ddb_resource, probe):
    table = ddb_resource.Table(probe)
    got = table.get_item(Key={"pk": "probe"}, ProjectionExpression="#st, m.child, l[2]",
                         ExpressionAttributeNames={"#st": "status"})["Item"]
    assert got == {"status": "active", "m": {"child": {"n": 5}}, "l": [{"deep": "y"}]}
    # a projection on an absent item still finds nothing
    assert "Item" not in table.get_item(Key={"pk": "absent"}, ProjectionExpression="s")


def test_get_item_attributes_to_get(ddb, probe):
    got = get(ddb, probe, {"pk": PROBE["pk"]}, AttributesToGet=["s", "n", "nope"])["Item"]
    assert got == {"s": PROBE["s"], "n": PROBE["n"]}


@pytest.mark.parametrize("projection,message", [
    # §2.6: "Projection paths may not overlap."
    ("m, m.child", path_clash("ProjectionExpression", "overlap", "[m, child]", "[m]")),
    ("s, s", path_clash("ProjectionExpression", "overlap", "[s]", "[s]")),
    ("l[0], l.x", path_clash("ProjectionExpression", "conflict", "[l, x]", "[l, [0]]")),
    ("s,", re.compile(r'^Invalid ProjectionExpression: Syntax error; token: "<EOF>", near: "')),
    # the Developer Guide's own example: "would fail because COMMENT is a reserved word"
    ("Comment", "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved "
                "keyword: Comment"),
])
def test_get_item_projection_errors(endpoint, probe, projection, message):
    resp = ddb_post(endpoint, "GetItem", {"TableName": probe, "Key": {"pk": PROBE["pk"]},
                                          "ProjectionExpression": projection})
    assert_raw_error(resp, "ValidationException", 400, message)


def test_projection_and_attributes_to_get_together(endpoint, probe):
    resp = ddb_post(endpoint, "GetItem", {"TableName": probe, "Key": {"pk": PROBE["pk"]},
                                          "ProjectionExpression": "s",
                                          "AttributesToGet": ["s"]})
    assert_raw_error(resp, "ValidationException", 400,
                     "Can not use both expression and non-expression parameters in the same "
                     "request: Non-expression parameters: {AttributesToGet} Expression "
                     "parameters: {ProjectionExpression}")


# --------------------------------------------------------------------------------------------
# Misuse shared by every kind of expression (§2.6 "Expression-related ValidationException
# messages"). Each kind is exercised through one operation with `{path}`/`{value}` slots.

KINDS = {
    "ConditionExpression": ("PutItem", "NOT {path} = {value}", "attr"),
    "UpdateExpression": ("UpdateItem", "SET {path} = {value}", "attr"),
    "KeyConditionExpression": ("Query", "{path} = {value}", "pk"),
    "FilterExpression": ("Scan", "{path} = {value}", "attr"),
    "ProjectionExpression": ("GetItem", "{path}", "attr"),
}
KEY = {"pk": {"S": "matrix"}}


def matrix_request(kind, table, path=None, value=":v", names=None, values=None, text=None):
    operation, template, default_path = KINDS[kind]
    payload = {"TableName": table}
    if operation == "PutItem":
        payload["Item"] = KEY
    elif operation in ("UpdateItem", "GetItem"):
        payload["Key"] = KEY
    if text is None:
        text = template.format(path=path or default_path, value=value)
    payload[kind] = text
    if values is None and "{value}" in template and value == ":v":
        values = {":v": {"S": "matrix"}}
    if names is not None:
        payload["ExpressionAttributeNames"] = names
    if values is not None:
        payload["ExpressionAttributeValues"] = values
    return operation, payload


def with_values(kinds):
    return [k for k in kinds if "{value}" in KINDS[k][1]]


@pytest.mark.parametrize("kind", KINDS)
def test_valid_matrix_request(endpoint, tables, kind):
    # the baseline every misuse below departs from is accepted
    ddb_call(endpoint, *matrix_request(kind, tables["hash"]))


@pytest.mark.parametrize("kind", KINDS)
def test_undefined_name(endpoint, tables, kind):
    resp = ddb_post(endpoint, *matrix_request(kind, tables["hash"], path="#nope"))
    assert_raw_error(resp, "ValidationException", 400,
                     f"Invalid {kind}: An expression attribute name used in the document path "
                     f"is not defined; attribute name: #nope")


@pytest.mark.parametrize("kind", with_values(KINDS))
def test_undefined_value(endpoint, tables, kind):
    resp = ddb_post(endpoint, *matrix_request(kind, tables["hash"], value=":nope"))
    assert_raw_error(resp, "ValidationException", 400,
                     f"Invalid {kind}: An expression attribute value used in expression is not "
                     f"defined; attribute value: :nope")


@pytest.mark.parametrize("word", ["data", "Status", "name", "timestamp"])
@pytest.mark.parametrize("kind", KINDS)
def test_reserved_word_used_bare(endpoint, tables, kind, word):
    # §2.6: "(≈573 reserved words, list in the DynamoDB developer guide "Reserved words";
    # matching is case-insensitive)"; the message repeats the word as written.
    resp = ddb_post(endpoint, *matrix_request(kind, tables["hash"], path=word))
    assert_raw_error(resp, "ValidationException", 400,
                     f"Invalid {kind}: Attribute name is a reserved keyword; reserved keyword: "
                     f"{word}")


@pytest.mark.parametrize("kind", KINDS)
def test_name_placeholder(endpoint, tables, kind):
    # a reserved word (or the key) through ExpressionAttributeNames is fine
    name = "pk" if kind == "KeyConditionExpression" else "status"
    ddb_call(endpoint, *matrix_request(kind, tables["hash"], path="#n", names={"#n": name}))


@pytest.mark.parametrize("kind", KINDS)
def test_syntax_error_names_the_token(endpoint, tables, kind):
    # §2.6: "`Invalid UpdateExpression: Syntax error; token: "<tok>", near: "<ctx>"`
    # (likewise ...)"; an unquoted '-' cannot be part of a name.
    resp = ddb_post(endpoint, *matrix_request(kind, tables["hash"], path="a-b"))
    assert_raw_error(resp, "ValidationException", 400, re.compile(
        rf'^Invalid {kind}: Syntax error; token: "-", near: "[^"]*-[^"]*"$'))


@pytest.mark.parametrize("kind", KINDS)
def test_empty_expression(endpoint, tables, kind):
    operation, payload = matrix_request(kind, tables["hash"], text="")
    payload.pop("ExpressionAttributeValues", None)
    resp = ddb_post(endpoint, operation, payload)
    assert_raw_error(resp, "ValidationException", 400,
                     f"Invalid {kind}: The expression can not be empty;")


@pytest.mark.parametrize("kind", KINDS)
def test_unused_name(endpoint, tables, kind):
    resp = ddb_post(endpoint, *matrix_request(kind, tables["hash"],
                                              names={"#unused": "x"}))
    assert_raw_error(resp, "ValidationException", 400,
                     "Value provided in ExpressionAttributeNames unused in expressions: keys: "
                     "{#unused}")


@pytest.mark.parametrize("kind", with_values(KINDS))
def test_unused_value(endpoint, tables, kind):
    resp = ddb_post(endpoint, *matrix_request(
        kind, tables["hash"], values={":v": {"S": "matrix"}, ":unused": {"N": "1"}}))
    assert_raw_error(resp, "ValidationException", 400,
                     "Value provided in ExpressionAttributeValues unused in expressions: keys: "
                     "{:unused}")


@pytest.mark.parametrize("kind", KINDS)
def test_empty_names(endpoint, tables, kind):
    resp = ddb_post(endpoint, *matrix_request(kind, tables["hash"], names={}))
    assert_raw_error(resp, "ValidationException", 400,
                     "ExpressionAttributeNames must not be empty")


@pytest.mark.parametrize("kind", with_values(KINDS))
def test_empty_values(endpoint, tables, kind):
    resp = ddb_post(endpoint, *matrix_request(kind, tables["hash"], path="attr",
                                              value="attr2", values={}))
    assert_raw_error(resp, "ValidationException", 400,
                     "ExpressionAttributeValues must not be empty")


# Condition-specific misuse, through PutItem. Messages from dynalite's tests (recorded against
# DynamoDB) and DynamoDB Local's DbValidationError texts.
IN_101 = "s IN (" + ", ".join([":hello"] * 101) + ")"
CONDITION_ERRORS = {
    "function-name-case": ("ATTRIBUTE_EXISTS(s)", "Invalid ConditionExpression: Invalid "
                           "function name; function: ATTRIBUTE_EXISTS"),
    "unknown-function": ("exists(s)", "Invalid ConditionExpression: Invalid function name; "
                         "function: exists"),
    "operand-count": ("attribute_exists(s, n)", "Invalid ConditionExpression: Incorrect number "
                      "of operands for operator or function; operator or function: "
                      "attribute_exists, number of operands: 2"),
    "begins-with-number": ("begins_with(s, :one)", "Invalid ConditionExpression: Incorrect "
                           "operand type for operator or function; operator or function: "
                           "begins_with, operand type: N"),
    "path-required": ("attribute_exists(:one)", "Invalid ConditionExpression: Operator or "
                      "function requires a document path; operator or function: "
                      "attribute_exists"),
    "attribute-type-name": ("attribute_type(s, :bad)", re.compile(
        r"^Invalid ConditionExpression: Invalid attribute type name found; type: STRING, "
        r"valid types: \{[A-Z,]+\}$")),
    "between-bounds": ("n BETWEEN :ten AND :one", re.compile(
        r"^Invalid ConditionExpression: The BETWEEN operator requires upper bound to be "
        r"greater than or equal to lower bound; ")),
    "between-types": ("n BETWEEN :one AND :hello", re.compile(
        r"^Invalid ConditionExpression: The BETWEEN operator requires same data type for "
        r"lower and upper bounds; ")),
    # §2.1: "`IN` ≤100 operands"
    "in-101": (IN_101, re.compile(r"^Invalid ConditionExpression: The IN operator is provided "
                                  r"with too many operands; number of operands: 101$")),
    "size-alone": ("size(s)", "Invalid ConditionExpression: The function is not allowed to be "
                   "used this way in an expression; function: size"),
    "same-operands": ("n = n", re.compile(
        r"^Invalid ConditionExpression: The first operand must be distinct from the remaining "
        r"operands for this operator or function; operator: =, first operand: \[n\]$")),
    "redundant-parentheses": ("((s = :hello))", "Invalid ConditionExpression: The expression "
                              "has redundant parentheses;"),
    "dangling-and": ("s = :hello AND", re.compile(
        r'^Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "')),
    "double-comparator": ("s = = :hello", re.compile(
        r'^Invalid ConditionExpression: Syntax error; token: "=", near: "')),
    # §2.1: "expression strings ≤4 KB"
    "over-4kb": ("s = :hello" + " OR s = :hello" * 300, re.compile(
        r"^Invalid ConditionExpression: Expression size has exceeded the maximum allowed "
        r"size")),
}


@pytest.mark.parametrize("case", CONDITION_ERRORS)
def test_condition_expression_errors(ddb, probe, case):
    expression, message = CONDITION_ERRORS[case]
    values = dict(VALUES, **{":bad": {"S": "STRING"}})
    with expect_error("ValidationException", 400, message):
        ddb.put_item(TableName=probe, Item=PROBE, ConditionExpression=expression,
                     **expression_args(expression, names=NAMES, values=values))


@pytest.mark.parametrize("extra,message", [
    ({"ExpressionAttributeNames": {"bad": "s"}, "ConditionExpression": "attribute_exists(s)"},
     'ExpressionAttributeNames contains invalid key: Syntax error; key: "bad"'),
    ({"ExpressionAttributeValues": {"bad": {"S": "x"}}, "ConditionExpression":
      "attribute_exists(s)"},
     'ExpressionAttributeValues contains invalid key: Syntax error; key: "bad"'),
    ({"ExpressionAttributeValues": {":v": {"N": "abc"}}, "ConditionExpression": "s = :v"},
     "ExpressionAttributeValues contains invalid value: The parameter cannot be converted to a "
     "numeric value: abc for key :v"),
    ({"ExpressionAttributeValues": {":v": {}}, "ConditionExpression": "s = :v"},
     "ExpressionAttributeValues contains invalid value: Supplied AttributeValue is empty, must "
     "contain exactly one of the supported datatypes for key :v"),
    ({"ExpressionAttributeNames": {"#s": "s"}},
     "ExpressionAttributeNames can only be specified when using expressions"),
    ({"ExpressionAttributeValues": {":v": {"S": "x"}}},
     "ExpressionAttributeValues can only be specified when using expressions: "
     "ConditionExpression is null"),
], ids=["name-key", "value-key", "bad-number", "empty-value", "names-alone", "values-alone"])
def test_expression_attribute_maps_validation(endpoint, tables, extra, message):
    key = {"pk": {"S": unique_name("maps")}}
    resp = ddb_post(endpoint, "PutItem", {"TableName": tables["hash"], "Item": key, **extra})
    assert_raw_error(resp, "ValidationException", 400, message)
    assert "Item" not in ddb_call(endpoint, "GetItem", {"TableName": tables["hash"], "Key": key})
