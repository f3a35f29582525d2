"""Scan: every item exactly once, FilterExpression, ProjectionExpression, Select COUNT, Limit
and ExclusiveStartKey pagination (by hand and through boto3's paginator), the 1 MB page
limit, Segment/TotalSegments parallel scans that together cover every item exactly once,
scans of secondary indexes, the legacy ScanFilter, and the errors.
Quotes: shared/docs/aws-wire-reference.md §2.1, §2.6, §2.7; other messages from dynalite's
tests (recorded against DynamoDB)."""

import collections
import concurrent.futures
import re

import pytest
from boto3.dynamodb.conditions import Attr

from conftest import (assert_raw_error, batch_put, ddb_post, expect_error, index_spec,
                      indexed_table_spec, key_of, page_items, read_pages, table_spec,
                      unique_name)

pytestmark = pytest.mark.dataplane

ITEMS = 500
TABLE_KEY = ("pk", "sk")


def make_item(i):
    """Item i of the big table: 50 partitions × 10 sort keys, `qty` 0..499, a colour on every
    third item, and the GSI key `grp` on even items only."""
    item = {"pk": {"S": f"p{i // 10:03d}"}, "sk": {"N": str(i % 10)}, "qty": {"N": str(i)}}
    if i % 3 == 0:
        item["color"] = {"S": ("red", "green", "blue")[i % 9 // 3]}
    if i % 2 == 0:
        item["grp"] = {"S": f"g{i % 4}"}
    return item


@pytest.fixture(scope="module")
def big(ddb, module_table):
    name = module_table(indexed_table_spec(
        unique_name("scan"), range_key=("sk", "N"), attributes=[("grp", "S")],
        gsis=[index_spec("by_grp", "grp", projection="KEYS_ONLY")]))
    items = [make_item(i) for i in range(ITEMS)]
    batch_put(ddb, name, items)
    return name, items


def ident(item):
    return (item["pk"]["S"], item["sk"]["N"])


def assert_each_once(found, expected):
    counts = collections.Counter(ident(item) for item in found)
    duplicates = [k for k, n in counts.items() if n > 1]
    assert not duplicates, f"returned more than once: {duplicates[:10]}"
    assert set(counts) == {ident(item) for item in expected}


def scan_pages(ddb, table, **kwargs):
    return read_pages(lambda **kw: ddb.scan(TableName=table, **kw), **kwargs)


# --------------------------------------------------------------------------------------------
# Whole-table scans


def test_scan_returns_every_item_once(ddb, big):
    table, items = big
    pages = scan_pages(ddb, table)
    found = page_items(pages)
    assert_each_once(found, items)
    by_key = {ident(item): item for item in items}
    assert all(item == by_key[ident(item)] for item in found)
    assert sum(p["Count"] for p in pages) == sum(p["ScannedCount"] for p in pages) == ITEMS


def test_scan_with_limit_pages(ddb, big):
    table, items = big
    pages = scan_pages(ddb, table, Limit=37)
    assert_each_once(page_items(pages), items)
    for page in pages[:-1]:
        assert page["Count"] == page["ScannedCount"] == len(page["Items"]) == 37
        assert page["LastEvaluatedKey"] == key_of(page["Items"][-1], TABLE_KEY)
    assert len(pages[-1]["Items"]) <= 37 and "LastEvaluatedKey" not in pages[-1]
    assert len(pages) in (ITEMS // 37 + 1, ITEMS // 37 + 2)


def test_scan_order_is_stable_across_pages(ddb, big):
    # paging with any Limit walks the same order as one big page
    table, _ = big
    whole = [ident(i) for i in page_items(scan_pages(ddb, table))]
    paged = [ident(i) for i in page_items(scan_pages(ddb, table, Limit=64))]
    assert paged == whole


def test_boto3_scan_paginator(ddb, big):
    table, items = big
    paginator = ddb.get_paginator("scan")
    pages = list(paginator.paginate(TableName=table, PaginationConfig={"PageSize": 100}))
    assert_each_once(page_items(pages), items)
    assert [len(p["Items"]) for p in pages[:5]] == [100] * 5
    result = paginator.paginate(TableName=table, PaginationConfig={
        "PageSize": 30, "MaxItems": 45}).build_full_result()
    assert len(result["Items"]) == 45 and "NextToken" in result


def test_scan_through_the_resource_api(ddb_resource, big):
    table, items = big
    resource_table = ddb_resource.Table(table)
    pages = read_pages(resource_table.scan, FilterExpression=Attr("qty").lt(20) &
                       Attr("color").exists(), Limit=100)
    found = sorted(int(item["qty"]) for item in page_items(pages))
    assert found == [i for i in range(20) if i % 3 == 0]
    assert sum(p["ScannedCount"] for p in pages) == ITEMS


# --------------------------------------------------------------------------------------------
# Filter, projection, select


def test_filter_expression(ddb, big):
    table, items = big
    pages = scan_pages(ddb, table, FilterExpression="qty >= :lo AND #c IN (:r, :b)",
                       ExpressionAttributeNames={"#c": "color"},
                       ExpressionAttributeValues={":lo": {"N": "400"}, ":r": {"S": "red"},
                                                  ":b": {"S": "blue"}})
    expected = [item for item in items if int(item["qty"]["N"]) >= 400
                and item.get("color", {}).get("S") in ("red", "blue")]
    assert_each_once(page_items(pages), expected)
    assert sum(p["ScannedCount"] for p in pages) == ITEMS
    assert sum(p["Count"] for p in pages) == len(expected)


def test_filter_applies_after_limit(ddb, big):
    table, items = big
    first = ddb.scan(TableName=table, Limit=50, FilterExpression="attribute_exists(grp)")
    assert first["ScannedCount"] == 50
    assert first["Count"] == len(first["Items"]) < 50
    assert all("grp" in item for item in first["Items"])
    assert "LastEvaluatedKey" in first


def test_projection_expression(ddb, big):
    table, items = big
    pages = scan_pages(ddb, table, ProjectionExpression="pk, sk, #c",
                       ExpressionAttributeNames={"#c": "color"})
    found = page_items(pages)
    assert_each_once(found, items)
    by_key = {ident(item): item for item in items}
    for item in found:
        assert item == {k: v for k, v in by_key[ident(item)].items()
                        if k in ("pk", "sk", "color")}


def test_select_count(ddb, big):
    table, items = big
    pages = scan_pages(ddb, table, Select="COUNT", FilterExpression="qty < :n",
                       ExpressionAttributeValues={":n": {"N": "123"}})
    assert all("Items" not in page for page in pages)
    assert sum(p["Count"] for p in pages) == 123
    assert sum(p["ScannedCount"] for p in pages) == ITEMS


def test_legacy_scan_filter_and_attributes_to_get(ddb, big):
    table, items = big
    pages = scan_pages(ddb, table, ScanFilter={
        "qty": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "10"},
                                                                         {"N": "19"}]},
        "color": {"ComparisonOperator": "NOT_NULL"},
    }, AttributesToGet=["qty", "color"])
    found = sorted(page_items(pages), key=lambda i: int(i["qty"]["N"]))
    assert found == [{"qty": {"N": str(i)}, "color": make_item(i)["color"]}
                     for i in range(10, 20) if i % 3 == 0]
    either = scan_pages(ddb, table, ConditionalOperator="OR", Select="COUNT", ScanFilter={
        "qty": {"ComparisonOperator": "LT", "AttributeValueList": [{"N": "5"}]},
        "color": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "blue"}]},
    })
    assert sum(p["Count"] for p in either) == len(
        [i for i in items if int(i["qty"]["N"]) < 5 or i.get("color") == {"S": "blue"}])


# --------------------------------------------------------------------------------------------
# Parallel scan


def scan_segment(make_client, table, segment, total, **kwargs):
    client = make_client()
    return page_items(read_pages(lambda **kw: client.scan(TableName=table, **kw),
                                 Segment=segment, TotalSegments=total, **kwargs))


@pytest.mark.parametrize("total", [1, 4, 7])
def test_parallel_scan_covers_every_item_exactly_once(make_client, big, total):
    # §2.1: Scan "`Segment` [0..999999] + `TotalSegments` [1..1000000]"; the segments of one
    # scan together hold every item once (issue: "Segment/TotalSegments parallel scans that
    # together cover every item exactly once")
    table, items = big
    with concurrent.futures.ThreadPoolExecutor(max_workers=total) as pool:
        segments = list(pool.map(lambda seg: scan_segment(make_client, table, seg, total,
                                                          Limit=50), range(total)))
    assert_each_once([item for segment in segments for item in segment], items)
    if total > 1:
        assert sum(1 for segment in segments if segment) > 1, "everything in one segment"


def test_parallel_scan_with_a_filter(make_client, big):
    table, items = big
    segments = [scan_segment(make_client, table, seg, 3, FilterExpression="color = :g",
                             ExpressionAttributeValues={":g": {"S": "green"}})
                for seg in range(3)]
    assert_each_once([item for segment in segments for item in segment],
                     [i for i in items if i.get("color") == {"S": "green"}])


def test_more_segments_than_items(ddb, make_client, module_table):
    table = module_table(table_spec(unique_name("scan-few")))
    batch_put(ddb, table, [{"pk": {"S": f"k{i}"}} for i in range(3)])
    found = [item for seg in range(16) for item in scan_segment(make_client, table, seg, 16)]
    assert sorted(item["pk"]["S"] for item in found) == ["k0", "k1", "k2"]


# --------------------------------------------------------------------------------------------
# Indexes


def test_scan_of_a_gsi(ddb, big):
    table, items = big
    pages = scan_pages(ddb, table, IndexName="by_grp", Limit=60)
    found = page_items(pages)
    expected = [item for item in items if "grp" in item]
    assert_each_once(found, expected)
    # KEYS_ONLY: table key and index key
    assert all(set(item) == {"pk", "sk", "grp"} for item in found)
    for page in pages[:-1]:
        assert set(page["LastEvaluatedKey"]) == {"pk", "sk", "grp"}


def test_parallel_scan_of_a_gsi(make_client, big):
    table, items = big
    found = [item for seg in range(3)
             for item in scan_segment(make_client, table, seg, 3, IndexName="by_grp")]
    assert_each_once(found, [item for item in items if "grp" in item])


# --------------------------------------------------------------------------------------------
# 1 MB pages


def test_scan_page_stops_at_one_megabyte(ddb, module_table):
    # §2.1: "Query/Scan read ≤1 MB per page *before* filtering (then `LastEvaluatedKey`)"
    table = module_table(table_spec(unique_name("scan-big")))
    items = [{"pk": {"S": f"big{i}"}, "blob_": {"S": "x" * 300_000}} for i in range(8)]
    for item in items:
        ddb.put_item(TableName=table, Item=item)
    pages = scan_pages(ddb, table, ProjectionExpression="pk")
    assert sorted(i["pk"]["S"] for i in page_items(pages)) == sorted(f"big{i}" for i in range(8))
    assert len(pages) >= 2
    for page in pages[:-1]:
        # 3 items of ~300 KB fit under 1 MB, 4 do not: the projection does not change what
        # is read
        assert page["ScannedCount"] in (3, 4), [p["ScannedCount"] for p in pages]
        assert page["LastEvaluatedKey"] == {"pk": page["Items"][-1]["pk"]}


# --------------------------------------------------------------------------------------------
# Errors


def raw_scan(endpoint, table, **payload):
    return ddb_post(endpoint, "Scan", dict(payload, TableName=table))


@pytest.mark.parametrize("payload,message", [
    ({"Segment": 1}, "The TotalSegments parameter is required but was not present in the "
                     "request when Segment parameter is present"),
    ({"TotalSegments": 4}, "The Segment parameter is required but was not present in the "
                           "request when parameter TotalSegments is present"),
    ({"Segment": 4, "TotalSegments": 4}, "The Segment parameter is zero-based and must be "
                                         "less than parameter TotalSegments: Segment: 4 is not "
                                         "less than TotalSegments: 4"),
    ({"Segment": 0, "TotalSegments": 0}, re.compile(
        r"Value '0' at 'totalSegments' failed to satisfy constraint: Member must have value "
        r"greater than or equal to 1")),
    ({"Segment": 0, "TotalSegments": 1000001}, re.compile(
        r"Value '1000001' at 'totalSegments' failed to satisfy constraint: Member must have "
        r"value less than or equal to 1000000")),
    ({"Segment": -1, "TotalSegments": 2}, re.compile(
        r"Value '-1' at 'segment' failed to satisfy constraint: Member must have value "
        r"greater than or equal to 0")),
    ({"Limit": 0}, "1 validation error detected: Value '0' at 'limit' failed to satisfy "
                   "constraint: Member must have value greater than or equal to 1"),
    ({"ExclusiveStartKey": {"pk": {"S": "p000"}}}, re.compile(
        r"^The provided starting key is invalid")),
    ({"FilterExpression": "data = :v", "ExpressionAttributeValues": {":v": {"N": "1"}}},
     "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: data"),
    ({"ScanFilter": {"qty": {"ComparisonOperator": "NOT_NULL"}},
      "FilterExpression": "attribute_exists(qty)"},
     "Can not use both expression and non-expression parameters in the same request: "
     "Non-expression parameters: {ScanFilter} Expression parameters: {FilterExpression}"),
    ({"IndexName": "nope"}, "The table does not have the specified index: nope"),
    ({"IndexName": "by_grp", "ConsistentRead": True},
     "Consistent reads are not supported on global secondary indexes"),
], ids=["segment-alone", "total-alone", "segment-too-big", "total-zero", "total-too-big",
        "segment-negative", "limit-zero", "start-key", "reserved", "mixed", "no-index",
        "gsi-consistent"])
def test_scan_errors(endpoint, big, payload, message):
    table, _ = big
    assert_raw_error(raw_scan(endpoint, table, **payload), "ValidationException", 400, message)


def test_scan_of_a_missing_table(ddb):
    with expect_error("ResourceNotFoundException", 400, "Requested resource not found"):
        ddb.scan(TableName=unique_name("missing"))
