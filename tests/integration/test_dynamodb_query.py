"""Query: KeyConditionExpression on the hash key and each sort-key operator, DynamoDB's order
for S, N and B sort keys, ScanIndexForward, Limit and ExclusiveStartKey/LastEvaluatedKey
pagination (by hand and through boto3's paginator), the 1 MB page limit, Select, FilterExpression
applied after Limit, ProjectionExpression, legacy KeyConditions/QueryFilter, queries on global
and local secondary indexes, and the errors.
Quotes: shared/docs/aws-wire-reference.md §2.1, §2.6, §2.7; other messages from dynalite's tests
(recorded against DynamoDB)."""

import re
from decimal import Decimal

import pytest
from boto3.dynamodb.conditions import Attr, Key

from conftest import (assert_raw_error, batch_put, ddb_post, expect_error, expression_args,
                      index_spec, indexed_table_spec, key_of, page_items, read_pages, table_spec,
                      unique_name)

pytestmark = pytest.mark.dataplane

TABLE_KEY = ("pk", "sk")
PAGE_LIMIT = 1024 * 1024  # §2.1: "Query/Scan read ≤1 MB per page *before* filtering"


@pytest.fixture(scope="module")
def tables(module_table):
    return {
        "main": module_table(indexed_table_spec(
            unique_name("q"), range_key=("sk", "S"),
            attributes=[("gpk", "S"), ("gsk", "N"), ("lsk", "N")],
            gsis=[index_spec("gsi_all", "gpk", "gsk"),
                  index_spec("gsi_keys", "gpk", projection="KEYS_ONLY"),
                  index_spec("gsi_inc", "gpk", "gsk", "INCLUDE", ["color"])],
            lsis=[index_spec("lsi_all", "pk", "lsk"),
                  index_spec("lsi_keys", "pk", "lsk", "KEYS_ONLY")])),
        "numeric": module_table(table_spec(unique_name("q-n"), range_key=("sk", "N"))),
        "binary": module_table(table_spec(unique_name("q-b"), range_key=("sk", "B"))),
        "hash": module_table(table_spec(unique_name("q-h"))),
    }


def s(value):
    return {"S": value}


def fill(ddb, table, sort_values, sort_type="S", **attrs):
    """Writes one fresh partition with an item per sort key value; returns its pk and the
    items (AttributeValue form) in the order they were given."""
    pk = unique_name("part")
    items = [dict({"pk": s(pk), "sk": {sort_type: v}}, **attrs) for v in sort_values]
    batch_put(ddb, table, items)
    return pk, items


def query(ddb, table, pk, condition="", values=None, names=None, **kwargs):
    expression = "pk = :pk" + (f" AND {condition}" if condition else "")
    args = expression_args(expression, kwargs.get("FilterExpression", ""),
                           kwargs.get("ProjectionExpression", ""), names=names or {},
                           values=dict(values or {}, **{":pk": s(pk)}))
    return ddb.query(TableName=table, KeyConditionExpression=expression, **args, **kwargs)


def sort_values(items):
    return [next(iter(item["sk"].values())) for item in items]


# --------------------------------------------------------------------------------------------
# Key conditions


def test_query_on_the_hash_key(ddb, tables):
    pk, items = fill(ddb, tables["main"], ["c", "a", "b"])
    fill(ddb, tables["main"], ["a", "z"])  # another partition stays out
    resp = query(ddb, tables["main"], pk)
    assert resp["Items"] == sorted(items, key=lambda i: i["sk"]["S"])
    assert resp["Count"] == 3 and resp["ScannedCount"] == 3
    assert "LastEvaluatedKey" not in resp


def test_query_of_an_empty_partition(ddb, tables):
    resp = query(ddb, tables["main"], unique_name("nothing"))
    assert resp["Items"] == [] and resp["Count"] == 0 and resp["ScannedCount"] == 0
    assert "LastEvaluatedKey" not in resp


def test_query_on_a_hash_only_table(ddb, tables):
    ddb.put_item(TableName=tables["hash"], Item={"pk": s("only"), "v": s("x")})
    assert query(ddb, tables["hash"], "only")["Items"] == [{"pk": s("only"), "v": s("x")}]
    assert query(ddb, tables["hash"], "absent")["Items"] == []


SORT_KEYS = ["a", "b", "ba", "bb", "c", "d"]
OPERATORS = {
    "=": ("sk = :x", {":x": "b"}, Key("sk").eq("b"), ["b"]),
    "<": ("sk < :x", {":x": "b"}, Key("sk").lt("b"), ["a"]),
    "<=": ("sk <= :x", {":x": "b"}, Key("sk").lte("b"), ["a", "b"]),
    ">": ("sk > :x", {":x": "bb"}, Key("sk").gt("bb"), ["c", "d"]),
    ">=": ("sk >= :x", {":x": "bb"}, Key("sk").gte("bb"), ["bb", "c", "d"]),
    "BETWEEN": ("sk BETWEEN :x AND :y", {":x": "b", ":y": "bb"}, Key("sk").between("b", "bb"),
                ["b", "ba", "bb"]),
    "begins_with": ("begins_with(sk, :x)", {":x": "b"}, Key("sk").begins_with("b"),
                    ["b", "ba", "bb"]),
}


@pytest.fixture(scope="module")
def operator_partition(ddb, tables):
    return fill(ddb, tables["main"], SORT_KEYS)[0]


@pytest.mark.parametrize("operator", OPERATORS)
def test_sort_key_operator(ddb, tables, operator_partition, operator):
    condition, values, _, expected = OPERATORS[operator]
    resp = query(ddb, tables["main"], operator_partition, condition,
                 {k: s(v) for k, v in values.items()})
    assert sort_values(resp["Items"]) == expected
    assert resp["Count"] == len(expected)
    backwards = query(ddb, tables["main"], operator_partition, condition,
                      {k: s(v) for k, v in values.items()}, ScanIndexForward=False)
    assert sort_values(backwards["Items"]) == expected[::-1]


@pytest.mark.parametrize("operator", OPERATORS)
def test_sort_key_operator_through_the_resource_api(ddb_resource, tables, operator_partition,
                                                    operator):
    _, _, condition, expected = OPERATORS[operator]
    table = ddb_resource.Table(tables["main"])
    resp = table.query(KeyConditionExpression=Key("pk").eq(operator_partition) & condition)
    assert [item["sk"] for item in resp["Items"]] == expected


def test_sort_key_condition_may_come_first(ddb, tables, operator_partition):
    # §2.6: "keycond ::= pk_eq | pk_eq 'AND' sk_cond | sk_cond 'AND' pk_eq"
    resp = ddb.query(TableName=tables["main"], KeyConditionExpression="sk = :x AND pk = :p",
                     ExpressionAttributeValues={":x": s("ba"), ":p": s(operator_partition)})
    assert sort_values(resp["Items"]) == ["ba"]


def test_key_condition_with_placeholders(ddb, tables, operator_partition):
    resp = ddb.query(TableName=tables["main"],
                     KeyConditionExpression="#p = :p AND begins_with(#s, :x)",
                     ExpressionAttributeNames={"#p": "pk", "#s": "sk"},
                     ExpressionAttributeValues={":p": s(operator_partition), ":x": s("b")})
    assert sort_values(resp["Items"]) == ["b", "ba", "bb"]


# --------------------------------------------------------------------------------------------
# Order of S, N and B sort keys


def test_numeric_sort_keys_order_by_value(ddb, tables):
    numbers = ["10", "-2", "1.5", "0", "-10", "2", "100", "-0.5", "1E+100", "-1E+100", "1E-100"]
    pk, _ = fill(ddb, tables["numeric"], numbers, "N")
    expected = sorted(numbers, key=Decimal)
    got = [Decimal(v) for v in sort_values(query(ddb, tables["numeric"], pk)["Items"])]
    assert got == [Decimal(v) for v in expected]
    backwards = query(ddb, tables["numeric"], pk, ScanIndexForward=False)["Items"]
    assert [Decimal(v) for v in sort_values(backwards)] == got[::-1]
    between = query(ddb, tables["numeric"], pk, "sk BETWEEN :lo AND :hi",
                    {":lo": {"N": "-2"}, ":hi": {"N": "2"}})["Items"]
    assert [Decimal(v) for v in sort_values(between)] == [
        Decimal(v) for v in ("-2", "-0.5", "0", "1E-100", "1.5", "2")]
    above = query(ddb, tables["numeric"], pk, "sk > :x", {":x": {"N": "9"}})["Items"]
    assert [Decimal(v) for v in sort_values(above)] == [Decimal(10), Decimal(100),
                                                        Decimal("1E+100")]


def test_string_sort_keys_order_by_utf8_bytes(ddb, tables):
    # DynamoDB compares strings by their UTF-8 bytes: U+FFFF (EF BF BF) sorts before U+1D11E
    # (F0 9D 84 9E), unlike UTF-16 order; code point order is the same as UTF-8 byte order.
    strings = ["a", "B", "é", "z", "\uffff", "𝄞", "ab", "A", "~", "\ue000", " ", "0"]
    pk, _ = fill(ddb, tables["main"], strings)
    expected = sorted(strings, key=lambda v: v.encode("utf-8"))
    assert sort_values(query(ddb, tables["main"], pk)["Items"]) == expected
    below = query(ddb, tables["main"], pk, "sk < :x", {":x": s("𝄞")})["Items"]
    assert sort_values(below) == expected[:expected.index("𝄞")]


def test_binary_sort_keys_order_by_unsigned_bytes(ddb, tables):
    blobs = [b"\x80", b"\x00", b"\xff", b"\x00\x00", b"\x7f", b"\x01", b"\xff\x00", b"a"]
    pk, _ = fill(ddb, tables["binary"], blobs, "B")
    assert sort_values(query(ddb, tables["binary"], pk)["Items"]) == sorted(blobs)
    prefixed = query(ddb, tables["binary"], pk, "begins_with(sk, :x)",
                     {":x": {"B": b"\xff"}})["Items"]
    assert sort_values(prefixed) == [b"\xff", b"\xff\x00"]
    below = query(ddb, tables["binary"], pk, "sk < :x", {":x": {"B": b"\x7f"}})["Items"]
    assert sort_values(below) == [b"\x00", b"\x00\x00", b"\x01", b"a"]


# --------------------------------------------------------------------------------------------
# Pagination


def assert_paged(pages, limit, expected, key_names=TABLE_KEY):
    """Pages of at most `limit` items that together give `expected` in order; every page but
    the last carries the key of its last item as LastEvaluatedKey. (DynamoDB may end with
    an empty page when the previous one stopped exactly at the end.)"""
    assert page_items(pages) == expected
    for page in pages[:-1]:
        assert page["Count"] == len(page["Items"]) <= limit
        assert page["Items"], "only the last page may be empty"
        assert page["LastEvaluatedKey"] == key_of(page["Items"][-1], key_names)
    assert "LastEvaluatedKey" not in pages[-1]
    full = [page for page in pages if len(page["Items"]) == limit]
    assert len(full) >= len(expected) // limit


@pytest.mark.parametrize("forward", [True, False])
def test_limit_and_exclusive_start_key(ddb, tables, forward):
    sks = [f"{i:02d}" for i in range(10)]
    pk, items = fill(ddb, tables["main"], sks)
    pages = read_pages(lambda **kw: query(ddb, tables["main"], pk, **kw), Limit=3,
                       ScanIndexForward=forward)
    assert_paged(pages, 3, items if forward else items[::-1])
    assert len(pages[0]["Items"]) == 3


def test_pagination_with_a_sort_key_condition(ddb, tables):
    sks = [f"{i:02d}" for i in range(12)]
    pk, items = fill(ddb, tables["main"], sks)
    pages = read_pages(lambda **kw: query(ddb, tables["main"], pk, "sk BETWEEN :lo AND :hi",
                                          {":lo": s("02"), ":hi": s("09")}, **kw), Limit=3)
    assert_paged(pages, 3, items[2:10])


def test_pagination_through_the_resource_api(ddb_resource, ddb, tables):
    pk, items = fill(ddb, tables["main"], [f"{i:02d}" for i in range(7)])
    table = ddb_resource.Table(tables["main"])
    pages = read_pages(table.query, KeyConditionExpression=Key("pk").eq(pk), Limit=2)
    assert [item["sk"] for item in page_items(pages)] == [f"{i:02d}" for i in range(7)]
    assert pages[0]["LastEvaluatedKey"] == {"pk": pk, "sk": "01"}


def test_boto3_paginator(ddb, tables):
    pk, items = fill(ddb, tables["main"], [f"{i:02d}" for i in range(11)])
    paginator = ddb.get_paginator("query")
    pages = list(paginator.paginate(TableName=tables["main"], KeyConditionExpression="pk = :p",
                                    ExpressionAttributeValues={":p": s(pk)},
                                    PaginationConfig={"PageSize": 4}))
    assert page_items(pages) == items
    assert [len(p["Items"]) for p in pages[:3]] == [4, 4, 3]
    limited = paginator.paginate(TableName=tables["main"], KeyConditionExpression="pk = :p",
                                 ExpressionAttributeValues={":p": s(pk)},
                                 PaginationConfig={"PageSize": 4, "MaxItems": 6})
    result = limited.build_full_result()
    assert result["Items"] == items[:6]
    assert "NextToken" in result


def test_page_stops_at_one_megabyte(ddb, tables):
    # §2.1: "Query/Scan read ≤1 MB per page *before* filtering (then `LastEvaluatedKey`)".
    # Items of ~300 KB: 3 fit under 1 MB, 4 do not, so a full page holds 3 items (or 4 when
    # the item that crosses the limit is included); a Limit beyond that changes nothing.
    pk = unique_name("big")
    items = [{"pk": s(pk), "sk": s(f"{i:02d}"), "blob_": s("x" * 300_000)} for i in range(10)]
    for item in items:
        ddb.put_item(TableName=tables["main"], Item=item)
    for limit in (None, 100):
        kwargs = {"Limit": limit} if limit else {}
        pages = read_pages(lambda **kw: query(ddb, tables["main"], pk, **kw), **kwargs)
        assert page_items(pages) == items
        assert len(pages) >= 3
        for page in pages[:-1]:
            assert len(page["Items"]) in (3, 4), [len(p["Items"]) for p in pages]
            assert page["LastEvaluatedKey"] == key_of(page["Items"][-1], TABLE_KEY)
            assert page["Count"] == page["ScannedCount"] == len(page["Items"])
    counted = read_pages(lambda **kw: query(ddb, tables["main"], pk, **kw), Select="COUNT")
    assert sum(page["Count"] for page in counted) == 10
    assert len(counted) >= 3  # COUNT reads the same megabyte per page


# --------------------------------------------------------------------------------------------
# Select, FilterExpression, ProjectionExpression


@pytest.fixture(scope="module")
def parity_partition(ddb, tables):
    """Ten items 00..09, `parity` even/odd, `color` on some."""
    pk = unique_name("parity")
    items = [{"pk": s(pk), "sk": s(f"{i:02d}"), "parity": s("even" if i % 2 == 0 else "odd"),
              "n": {"N": str(i)}, **({"color": s("red")} if i % 3 == 0 else {})}
             for i in range(10)]
    batch_put(ddb, tables["main"], items)
    return pk, items


def test_select_count(ddb, tables, parity_partition):
    pk, _ = parity_partition
    resp = query(ddb, tables["main"], pk, Select="COUNT")
    assert "Items" not in resp
    assert resp["Count"] == 10 and resp["ScannedCount"] == 10
    filtered = query(ddb, tables["main"], pk, Select="COUNT", FilterExpression="parity = :e",
                     values={":e": s("even")})
    assert "Items" not in filtered
    assert filtered["Count"] == 5 and filtered["ScannedCount"] == 10
    limited = query(ddb, tables["main"], pk, Select="COUNT", Limit=3)
    assert limited["Count"] == 3 and limited["LastEvaluatedKey"] == {"pk": s(pk), "sk": s("02")}


def test_filter_is_applied_after_limit(ddb, tables, parity_partition):
    # Limit bounds the items read; the filter then drops some of them: Count ≤ ScannedCount,
    # and LastEvaluatedKey is the last item read, kept or not.
    pk, items = parity_partition
    evens = [item for item in items if item["parity"] == s("even")]
    page = query(ddb, tables["main"], pk, FilterExpression="parity = :e",
                 values={":e": s("even")}, Limit=4)
    assert page["Items"] == evens[:2]
    assert page["Count"] == 2 and page["ScannedCount"] == 4
    assert page["LastEvaluatedKey"] == {"pk": s(pk), "sk": s("03")}
    pages = read_pages(lambda **kw: query(ddb, tables["main"], pk, FilterExpression="parity = :e",
                                          values={":e": s("even")}, **kw), Limit=4)
    assert page_items(pages) == evens
    assert sum(p["ScannedCount"] for p in pages) == 10
    assert sum(p["Count"] for p in pages) == 5
    # a page whose only item is filtered out is empty but still continues
    empty = query(ddb, tables["main"], pk, FilterExpression="parity = :e",
                  values={":e": s("even")}, Limit=1, ExclusiveStartKey=key_of(items[0],
                                                                              TABLE_KEY))
    assert empty["Items"] == [] and empty["Count"] == 0 and empty["ScannedCount"] == 1
    assert empty["LastEvaluatedKey"] == key_of(items[1], TABLE_KEY)


def test_filter_expressions(ddb, tables, parity_partition):
    pk, items = parity_partition
    cases = [
        ("attribute_exists(color) AND n > :three", {":three": {"N": "3"}},
         lambda i: "color" in i and int(i["n"]["N"]) > 3),
        ("n BETWEEN :two AND :five OR parity = :odd", {":two": {"N": "2"}, ":five": {"N": "5"},
                                                        ":odd": s("odd")},
         lambda i: 2 <= int(i["n"]["N"]) <= 5 or i["parity"] == s("odd")),
        ("NOT contains(parity, :ve)", {":ve": s("ve")}, lambda i: i["parity"] == s("odd")),
        ("n IN (:two, :five, :seven)", {":two": {"N": "2"}, ":five": {"N": "5"},
                                        ":seven": {"N": "7"}},
         lambda i: i["n"]["N"] in ("2", "5", "7")),
    ]
    for expression, values, keep in cases:
        resp = query(ddb, tables["main"], pk, FilterExpression=expression, values=values)
        assert resp["Items"] == [i for i in items if keep(i)], expression
        assert resp["ScannedCount"] == 10


def test_projection_and_select(ddb, tables, parity_partition):
    pk, items = parity_partition
    resp = query(ddb, tables["main"], pk, ProjectionExpression="sk, #c", names={"#c": "color"})
    assert resp["Items"] == [{k: i[k] for k in ("sk", "color") if k in i} for i in items]
    specific = query(ddb, tables["main"], pk, Select="SPECIFIC_ATTRIBUTES",
                     ProjectionExpression="n")
    assert specific["Items"] == [{"n": i["n"]} for i in items]
    everything = query(ddb, tables["main"], pk, Select="ALL_ATTRIBUTES")
    assert everything["Items"] == items


def test_resource_api_with_conditions(ddb_resource, tables, parity_partition):
    pk, _ = parity_partition
    table = ddb_resource.Table(tables["main"])
    resp = table.query(KeyConditionExpression=Key("pk").eq(pk) & Key("sk").between("02", "08"),
                       FilterExpression=Attr("parity").eq("even") & Attr("color").exists(),
                       ScanIndexForward=False)
    assert [(i["sk"], i["n"]) for i in resp["Items"]] == [("06", 6)]
    assert resp["ScannedCount"] == 7


def test_return_consumed_capacity(ddb, tables, parity_partition):
    # §2.4: "strongly consistent read = ceil(size/4 KB) RCU, eventual = half ... Query/Scan
    # round the summed size of items read"; dynalite's tests: small query → 0.5
    pk, _ = parity_partition
    eventual = query(ddb, tables["main"], pk, ReturnConsumedCapacity="TOTAL")
    assert eventual["ConsumedCapacity"]["TableName"] == tables["main"]
    assert eventual["ConsumedCapacity"]["CapacityUnits"] == 0.5
    strong = query(ddb, tables["main"], pk, ReturnConsumedCapacity="TOTAL", ConsistentRead=True)
    assert strong["ConsumedCapacity"]["CapacityUnits"] == 1.0


# --------------------------------------------------------------------------------------------
# Legacy parameters


def test_legacy_key_conditions_query_filter_attributes_to_get(ddb, tables, parity_partition):
    pk, items = parity_partition
    resp = ddb.query(TableName=tables["main"], KeyConditions={
        "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [s(pk)]},
        "sk": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [s("01"), s("06")]},
    }, QueryFilter={"parity": {"ComparisonOperator": "EQ", "AttributeValueList": [s("odd")]}},
        AttributesToGet=["sk", "n"])
    assert resp["Items"] == [{"sk": i["sk"], "n": i["n"]} for i in items[1:7]
                             if i["parity"] == s("odd")]
    assert resp["ScannedCount"] == 6
    begins = ddb.query(TableName=tables["main"], KeyConditions={
        "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [s(pk)]},
        "sk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [s("0")]},
    }, Select="COUNT")
    assert begins["Count"] == 10


# --------------------------------------------------------------------------------------------
# Secondary indexes


@pytest.fixture
def indexed(ddb, tables):
    """Five items of one partition, some without the index keys."""
    pk, g = unique_name("ix"), unique_name("g")
    rows = {
        "1": {"gpk": s(g), "gsk": {"N": "3"}, "lsk": {"N": "30"}, "color": s("red"),
              "extra": s("x")},
        "2": {"gpk": s(g), "gsk": {"N": "1"}, "lsk": {"N": "10"}, "color": s("blue"),
              "extra": s("y")},
        "3": {"gpk": s(g), "lsk": {"N": "20"}, "color": s("green")},     # no gsk
        "4": {"gsk": {"N": "2"}, "color": s("pink")},                     # no gpk, no lsk
        "5": {"gpk": s(unique_name("h")), "gsk": {"N": "5"}, "lsk": {"N": "50"}},
    }
    items = {sk: dict({"pk": s(pk), "sk": s(sk)}, **attrs) for sk, attrs in rows.items()}
    batch_put(ddb, tables["main"], list(items.values()))
    return pk, g, items


def index_query(ddb, table, index, expression, values, **kwargs):
    return ddb.query(TableName=table, IndexName=index, KeyConditionExpression=expression,
                     ExpressionAttributeValues=values, **kwargs)


def only(item, *names):
    return {k: v for k, v in item.items() if k in names}


def test_gsi_with_all_projection(ddb, tables, indexed):
    _, g, items = indexed
    resp = index_query(ddb, tables["main"], "gsi_all", "gpk = :g", {":g": s(g)})
    # items without both index key attributes are not in the index; order is by gsk
    assert resp["Items"] == [items["2"], items["1"]]
    ranged = index_query(ddb, tables["main"], "gsi_all", "gpk = :g AND gsk > :one",
                         {":g": s(g), ":one": {"N": "1"}})
    assert ranged["Items"] == [items["1"]]


def test_gsi_with_keys_only_projection(ddb, tables, indexed):
    _, g, items = indexed
    resp = index_query(ddb, tables["main"], "gsi_keys", "gpk = :g", {":g": s(g)})
    expected = [only(items[k], "pk", "sk", "gpk") for k in ("1", "2", "3")]
    assert sorted(resp["Items"], key=lambda i: i["sk"]["S"]) == expected


def test_gsi_with_include_projection(ddb, tables, indexed):
    _, g, items = indexed
    resp = index_query(ddb, tables["main"], "gsi_inc", "gpk = :g", {":g": s(g)})
    assert resp["Items"] == [only(items[k], "pk", "sk", "gpk", "gsk", "color")
                             for k in ("2", "1")]


def test_lsi_queries(ddb, tables, indexed):
    pk, _, items = indexed
    resp = index_query(ddb, tables["main"], "lsi_all", "pk = :p", {":p": s(pk)},
                       ConsistentRead=True)
    # item 4 has no lsk: it is not in the index
    assert resp["Items"] == [items[k] for k in ("2", "3", "1", "5")]
    keys = index_query(ddb, tables["main"], "lsi_keys", "pk = :p AND lsk BETWEEN :x AND :y",
                       {":p": s(pk), ":x": {"N": "20"}, ":y": {"N": "30"}})
    assert keys["Items"] == [only(items[k], "pk", "sk", "lsk") for k in ("3", "1")]
    # an LSI can fetch the attributes it does not project from the table
    full = index_query(ddb, tables["main"], "lsi_keys", "pk = :p", {":p": s(pk)},
                       Select="ALL_ATTRIBUTES")
    assert full["Items"] == [items[k] for k in ("2", "3", "1", "5")]


def test_last_evaluated_key_on_indexes(ddb, tables, indexed):
    # §2.1: "`LastEvaluatedKey` holds the table key (plus index key attributes when querying
    # an index)"
    pk, g, items = indexed
    first = index_query(ddb, tables["main"], "gsi_all", "gpk = :g", {":g": s(g)}, Limit=1)
    assert first["Items"] == [items["2"]]
    assert first["LastEvaluatedKey"] == only(items["2"], "pk", "sk", "gpk", "gsk")
    rest = index_query(ddb, tables["main"], "gsi_all", "gpk = :g", {":g": s(g)},
                       ExclusiveStartKey=first["LastEvaluatedKey"])
    assert rest["Items"] == [items["1"]]
    local = index_query(ddb, tables["main"], "lsi_all", "pk = :p", {":p": s(pk)}, Limit=2)
    assert local["LastEvaluatedKey"] == only(items["3"], "pk", "sk", "lsk")
    after = index_query(ddb, tables["main"], "lsi_all", "pk = :p", {":p": s(pk)},
                        ExclusiveStartKey=local["LastEvaluatedKey"])
    assert after["Items"] == [items["1"], items["5"]]


def test_indexes_follow_writes(ddb, tables, indexed):
    pk, g, items = indexed
    table = tables["main"]
    ddb.update_item(TableName=table, Key=key_of(items["2"], TABLE_KEY),
                    UpdateExpression="REMOVE gsk")
    ddb.update_item(TableName=table, Key=key_of(items["4"], TABLE_KEY),
                    UpdateExpression="SET gpk = :g", ExpressionAttributeValues={":g": s(g)})
    ddb.delete_item(TableName=table, Key=key_of(items["1"], TABLE_KEY))
    resp = index_query(ddb, table, "gsi_all", "gpk = :g", {":g": s(g)})
    assert resp["Items"] == [dict(items["4"], gpk=s(g))]
    ddb.put_item(TableName=table, Item=dict(items["3"], gsk={"N": "0"}))
    resp = index_query(ddb, table, "gsi_all", "gpk = :g", {":g": s(g)})
    assert [i["sk"] for i in resp["Items"]] == [s("3"), s("4")]


def test_gsi_projection_expression(ddb, tables, indexed):
    _, g, items = indexed
    resp = index_query(ddb, tables["main"], "gsi_all", "gpk = :g", {":g": s(g)},
                       ProjectionExpression="color, sk")
    assert resp["Items"] == [only(items[k], "color", "sk") for k in ("2", "1")]


def test_index_key_type_is_checked_on_write(ddb, tables):
    # §2.3: "GSI key attribute with wrong type in an item" → "One or more parameter values
    # were invalid: Type mismatch for Index Key X Expected: S Actual: N IndexName: gsi"
    item = {"pk": s(unique_name("typed")), "sk": s("1"), "gpk": {"N": "1"}}
    with expect_error("ValidationException", 400, re.compile(
            r"^One or more parameter values were invalid: Type mismatch for Index Key gpk "
            r"Expected: S Actual: N IndexName: gsi_(all|keys|inc)$")):
        ddb.put_item(TableName=tables["main"], Item=item)


# --------------------------------------------------------------------------------------------
# Errors


def raw_query(endpoint, table, **payload):
    return ddb_post(endpoint, "Query", dict(payload, TableName=table))


@pytest.mark.parametrize("expression,values,message", [
    # §2.6: "`Query condition missed key schema element: <pk>`"
    ("sk = :s", {":s": s("a")}, "Query condition missed key schema element: pk"),
    ("pk = :p AND color = :s", {":p": s("a"), ":s": s("a")},
     "Query condition missed key schema element: sk"),
    ("pk > :p", {":p": s("a")}, "Query key condition not supported"),
    ("pk = :p OR sk = :s", {":p": s("a"), ":s": s("a")},
     "Invalid operator used in KeyConditionExpression: OR"),
    ("pk = :p AND sk > :s AND sk < :s", {":p": s("a"), ":s": s("a")},
     "KeyConditionExpressions must only contain one condition per key"),
    ("pk = :p AND NOT sk = :s", {":p": s("a"), ":s": s("a")},
     "Invalid operator used in KeyConditionExpression: NOT"),
    ("pk = :p AND sk IN (:s)", {":p": s("a"), ":s": s("a")},
     "Invalid operator used in KeyConditionExpression: IN"),
    ("pk = :p AND sk <> :s", {":p": s("a"), ":s": s("a")},
     "Invalid operator used in KeyConditionExpression: <>"),
    ("pk = :p AND attribute_exists(sk)", {":p": s("a")},
     "Invalid operator used in KeyConditionExpression: attribute_exists"),
    ("pk = :n", {":n": {"N": "1"}},
     "One or more parameter values were invalid: Condition parameter type does not match "
     "schema type"),
], ids=["no-hash", "non-key", "hash-range", "or", "two-sort", "not", "in", "ne", "function",
        "type"])
def test_key_condition_errors(endpoint, tables, expression, values, message):
    resp = raw_query(endpoint, tables["main"], KeyConditionExpression=expression,
                     ExpressionAttributeValues=values)
    assert_raw_error(resp, "ValidationException", 400, message)


def test_begins_with_on_a_number_sort_key(endpoint, tables):
    # §2.6: "`begins_with` only for S/B sort keys"
    resp = raw_query(endpoint, tables["numeric"],
                     KeyConditionExpression="pk = :p AND begins_with(sk, :n)",
                     ExpressionAttributeValues={":p": s("a"), ":n": {"N": "1"}})
    assert_raw_error(resp, "ValidationException", 400,
                     "Invalid KeyConditionExpression: Incorrect operand type for operator or "
                     "function; operator or function: begins_with, operand type: N")


@pytest.mark.parametrize("key_attribute", ["sk", "pk"])
def test_filter_on_a_key_attribute(endpoint, tables, key_attribute):
    # §2.6: "A FilterExpression in Query cannot reference key attributes"
    resp = raw_query(endpoint, tables["main"], KeyConditionExpression="pk = :p",
                     FilterExpression=f"{key_attribute} > :x",
                     ExpressionAttributeValues={":p": s("a"), ":x": s("b")})
    assert_raw_error(resp, "ValidationException", 400,
                     f"Filter Expression can only contain non-primary key attributes: Primary "
                     f"key attribute: {key_attribute}")


def test_limit_zero(endpoint, tables):
    # §2.1: Query "`Limit` ≥1"; §1.5 validation message shape
    resp = raw_query(endpoint, tables["main"], KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": s("a")}, Limit=0)
    assert_raw_error(resp, "ValidationException", 400,
                     "1 validation error detected: Value '0' at 'limit' failed to satisfy "
                     "constraint: Member must have value greater than or equal to 1")


@pytest.mark.parametrize("start", [
    {"pk": s("a")},                                   # sort key missing
    {"pk": s("a"), "sk": {"N": "1"}},                 # wrong type
    {"pk": s("a"), "sk": s("b"), "other": s("c")},    # extra attribute
    {},
], ids=["missing", "type", "extra", "empty"])
def test_invalid_exclusive_start_key(endpoint, tables, start):
    resp = raw_query(endpoint, tables["main"], KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": s("a")}, ExclusiveStartKey=start)
    assert_raw_error(resp, "ValidationException", 400,
                     re.compile(r"^The provided starting key is invalid"))


def test_query_without_key_condition(endpoint, tables):
    resp = raw_query(endpoint, tables["main"])
    assert_raw_error(resp, "ValidationException", 400,
                     "Either the KeyConditions or KeyConditionExpression parameter must be "
                     "specified in the request.")


def test_key_conditions_and_expression_together(endpoint, tables):
    resp = raw_query(endpoint, tables["main"], KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": s("a")},
                     KeyConditions={"pk": {"ComparisonOperator": "EQ",
                                           "AttributeValueList": [s("a")]}})
    assert_raw_error(resp, "ValidationException", 400,
                     "Can not use both expression and non-expression parameters in the same "
                     "request: Non-expression parameters: {KeyConditions} Expression "
                     "parameters: {KeyConditionExpression}")


def test_index_errors(endpoint, tables):
    gsi_query = {"KeyConditionExpression": "gpk = :g", "ExpressionAttributeValues": {
        ":g": s("g")}}
    resp = raw_query(endpoint, tables["main"], IndexName="nope", **gsi_query)
    assert_raw_error(resp, "ValidationException", 400,
                     "The table does not have the specified index: nope")
    # §2.1: "`ConsistentRead` (not on GSI)"
    resp = raw_query(endpoint, tables["main"], IndexName="gsi_all", ConsistentRead=True,
                     **gsi_query)
    assert_raw_error(resp, "ValidationException", 400,
                     "Consistent reads are not supported on global secondary indexes")
    resp = raw_query(endpoint, tables["main"], IndexName="gsi_keys", Select="ALL_ATTRIBUTES",
                     **gsi_query)
    assert_raw_error(resp, "ValidationException", 400,
                     "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is "
                     "not supported for global secondary index gsi_keys because its projection "
                     "type is not ALL")
    resp = raw_query(endpoint, tables["main"], IndexName="gsi_all",
                     KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": s("a")})
    assert_raw_error(resp, "ValidationException", 400,
                     "Query condition missed key schema element: gpk")


def test_query_of_a_missing_table(ddb):
    with expect_error("ResourceNotFoundException", 400, "Requested resource not found"):
        ddb.query(TableName=unique_name("missing"), KeyConditionExpression="pk = :p",
                  ExpressionAttributeValues={":p": s("a")})
