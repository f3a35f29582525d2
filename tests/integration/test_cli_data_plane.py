"""The AWS CLI (v2, and v1 when installed) on the DynamoDB data plane: conditional writes,
update-item, query and scan with the CLI's own pagination, batch-write-item and
batch-get-item. The CLI runners and the `cli` fixture come from test_cli.py."""

import json

import pytest

import test_cli
from conftest import CONDITION_FAILED

pytestmark = pytest.mark.dataplane
cli = test_cli.cli  # the fixture: one run per installed AWS CLI


@pytest.fixture
def table(new_table):
    return new_table(range_key=("sk", "S"))


def values(**kwargs):
    return json.dumps({f":{k}": v for k, v in kwargs.items()})


def test_conditional_put_and_update(cli, endpoint, table):
    item = json.dumps({"pk": {"S": "cli"}, "sk": {"S": "one"}})
    cli.run(endpoint, "dynamodb", "put-item", "--table-name", table, "--item", item,
            "--condition-expression", "attribute_not_exists(pk)")
    proc = cli.run(endpoint, "dynamodb", "put-item", "--table-name", table, "--item", item,
                   "--condition-expression", "attribute_not_exists(pk)", expect_ok=False)
    assert proc.returncode == cli.error_exit, (proc.returncode, proc.stderr)
    assert "ConditionalCheckFailedException" in proc.stderr
    assert CONDITION_FAILED in proc.stderr

    key = json.dumps({"pk": {"S": "cli"}, "sk": {"S": "one"}})
    for expected in ("1", "2"):
        out = cli.json(endpoint, "dynamodb", "update-item", "--table-name", table, "--key", key,
                       "--update-expression", "SET cnt = if_not_exists(cnt, :zero) + :one, "
                                              "#t = list_append(if_not_exists(#t, :none), :tag)",
                       "--expression-attribute-names", json.dumps({"#t": "tags"}),
                       "--expression-attribute-values",
                       values(zero={"N": "0"}, one={"N": "1"}, none={"L": []},
                              tag={"L": [{"S": expected}]}),
                       "--return-values", "UPDATED_NEW")
        assert out["Attributes"]["cnt"] == {"N": expected}
    assert out["Attributes"]["tags"] == {"L": [{"S": "1"}, {"S": "2"}]}


def test_query_and_scan_paginate(cli, endpoint, ddb, table):
    requests = [{"PutRequest": {"Item": {"pk": {"S": "p"}, "sk": {"S": f"item-{i:02d}"},
                                         "n": {"N": str(i)}}}} for i in range(12)]
    requests.append({"PutRequest": {"Item": {"pk": {"S": "other"}, "sk": {"S": "item-00"}}}})
    written = cli.json(endpoint, "dynamodb", "batch-write-item", "--request-items",
                       json.dumps({table: requests}))
    assert written["UnprocessedItems"] == {}

    # --page-size makes the CLI follow LastEvaluatedKey itself and merge the pages
    out = cli.json(endpoint, "dynamodb", "query", "--table-name", table,
                   "--key-condition-expression", "pk = :p AND begins_with(sk, :pre)",
                   "--expression-attribute-values", values(p={"S": "p"}, pre={"S": "item-"}),
                   "--page-size", "5")
    assert [i["sk"]["S"] for i in out["Items"]] == [f"item-{i:02d}" for i in range(12)]
    assert out["Count"] == 12
    first = cli.json(endpoint, "dynamodb", "query", "--table-name", table,
                     "--key-condition-expression", "pk = :p",
                     "--expression-attribute-values", values(p={"S": "p"}),
                     "--no-scan-index-forward", "--max-items", "3")
    assert [i["sk"]["S"] for i in first["Items"]] == ["item-11", "item-10", "item-09"]
    assert first["NextToken"]

    counted = cli.json(endpoint, "dynamodb", "scan", "--table-name", table, "--select", "COUNT",
                       "--filter-expression", "n >= :six",
                       "--expression-attribute-values", values(six={"N": "6"}),
                       "--page-size", "4")
    assert counted["Count"] == 6 and counted["ScannedCount"] == 13


def test_batch_get_item(cli, endpoint, ddb, table):
    for i in range(3):
        ddb.put_item(TableName=table, Item={"pk": {"S": "b"}, "sk": {"S": str(i)},
                                            "v": {"S": f"v{i}"}})
    keys = [{"pk": {"S": "b"}, "sk": {"S": s}} for s in ("0", "2", "9")]
    out = cli.json(endpoint, "dynamodb", "batch-get-item", "--request-items", json.dumps({
        table: {"Keys": keys, "ProjectionExpression": "sk, v"}}))
    assert sorted(out["Responses"][table], key=lambda i: i["sk"]["S"]) == [
        {"sk": {"S": "0"}, "v": {"S": "v0"}}, {"sk": {"S": "2"}, "v": {"S": "v2"}}]
    assert out["UnprocessedKeys"] == {}


def test_validation_error_from_an_expression(cli, endpoint, table):
    proc = cli.run(endpoint, "dynamodb", "update-item", "--table-name", table, "--key",
                   json.dumps({"pk": {"S": "x"}, "sk": {"S": "y"}}),
                   "--update-expression", "SET status = :v",
                   "--expression-attribute-values", values(v={"S": "on"}), expect_ok=False)
    assert proc.returncode == cli.error_exit, (proc.returncode, proc.stderr)
    assert "ValidationException" in proc.stderr
    assert "reserved keyword: status" in proc.stderr
