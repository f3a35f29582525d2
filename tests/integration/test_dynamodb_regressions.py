"""Regressions found by differential testing against dynalite (whose tests were recorded
against DynamoDB) and moto: each test names the behaviour DynamoDB has and awsemu lacked.
Messages are dynalite's, recorded against DynamoDB."""

import pytest

from conftest import expect_error, index_spec, indexed_table_spec, unique_name

pytestmark = pytest.mark.dataplane

KEY_PATH = ("Key attributes must be scalars; list random access '[]' and map lookup '.' are "
            "not allowed: ")


@pytest.fixture(scope="module")
def table(module_table, ddb):
    name = module_table(indexed_table_spec(
        unique_name("reg"), range_key=("sk", "N"), attributes=[("g", "S"), ("l", "S")],
        gsis=[index_spec("gix", "g", "sk")], lsis=[index_spec("lix", "pk", "l")]))
    for p in ("a", "b"):
        for i in range(5):
            ddb.put_item(TableName=name, Item={"pk": {"S": p}, "sk": {"N": str(i)},
                                               "g": {"S": "G" + p}, "m": {"M": {}}})
    return name


KEY = {"pk": {"S": "a"}, "sk": {"N": "1"}}


@pytest.mark.parametrize("op, args, which", [
    ("get_item", {"Key": KEY, "ProjectionExpression": "pk.x"}, "Key: pk"),
    ("get_item", {"Key": KEY, "ProjectionExpression": "m, g[0]"}, "IndexKey: g"),
    ("scan", {"FilterExpression": "attribute_exists(sk.x)"}, "Key: sk"),
    ("scan", {"FilterExpression": "attribute_exists(#l[1])",
              "ExpressionAttributeNames": {"#l": "l"}}, "IndexKey: l"),
    ("scan", {"ProjectionExpression": "g.x"}, "IndexKey: g"),
    ("query", {"KeyConditionExpression": "pk = :p", "FilterExpression": "size(g.a) > :n",
               "ExpressionAttributeValues": {":p": {"S": "a"}, ":n": {"N": "0"}}},
     "IndexKey: g"),
    ("update_item", {"Key": KEY, "UpdateExpression": "SET g.a = :v",
                     "ExpressionAttributeValues": {":v": {"N": "1"}}}, "IndexKey: g"),
    ("update_item", {"Key": KEY, "UpdateExpression": "SET x = l[0]"}, "IndexKey: l"),
])
def test_nested_path_on_key_attribute_is_refused(ddb, table, op, args, which):
    with expect_error("ValidationException", message=KEY_PATH + which):
        getattr(ddb, op)(TableName=table, **args)


def test_nested_paths_elsewhere_and_key_names_as_scalars_still_work(ddb, table):
    item = ddb.get_item(TableName=table, Key=KEY, ProjectionExpression="g, m.x, #d",
                        ExpressionAttributeNames={"#d": "g.x"})["Item"]
    assert item == {"g": {"S": "Ga"}}
    # A condition may dereference a key attribute: it is just false.
    with expect_error("ConditionalCheckFailedException"):
        ddb.update_item(TableName=table, Key=KEY, UpdateExpression="SET x = :v",
                        ConditionExpression="g[0] = :v",
                        ExpressionAttributeValues={":v": {"N": "1"}})


def start(p, sk, **extra):
    return dict({"pk": {"S": p}, "sk": {"N": str(sk)}}, **extra)


def query_from(ddb, table, condition, esk, values=None):
    vals = {":p": {"S": "a"}}
    vals.update({k: {"N": str(v)} for k, v in (values or {}).items()})
    return ddb.query(TableName=table, KeyConditionExpression="pk = :p" + condition,
                     ExpressionAttributeValues=vals, ExclusiveStartKey=esk)


@pytest.mark.parametrize("condition, esk, values, message", [
    ("", start("b", 1), {},
     "The provided starting key is outside query boundaries based on provided conditions"),
    (" AND sk > :s", start("a", 1), {":s": 2},
     "The provided starting key does not match the range key predicate"),
    (" AND sk BETWEEN :s AND :t", start("a", 4), {":s": 1, ":t": 3},
     "The provided starting key does not match the range key predicate"),
    (" AND sk < :s", start("a", 2), {":s": 2},
     "The provided starting key does not match the range key predicate"),
    (" AND sk > :s", start("b", 3), {":s": 2},
     "The query can return at most one row and cannot be restarted"),
])
def test_query_start_key_outside_the_key_condition_is_refused(ddb, table, condition, esk,
                                                               values, message):
    with expect_error("ValidationException", message=message):
        query_from(ddb, table, condition, esk, values)


def test_query_start_key_inside_the_key_condition_resumes(ddb, table):
    sks = lambda r: [it["sk"]["N"] for it in r["Items"]]  # noqa: E731
    assert sks(query_from(ddb, table, "", start("a", 1))) == ["2", "3", "4"]
    assert sks(query_from(ddb, table, " AND sk > :s", start("a", 3), {":s": 2})) == ["4"]
    assert sks(query_from(ddb, table, " AND sk <= :s", start("a", 2), {":s": 2})) == []
    # On an index the partition is the index's: a start key from another one is refused.
    index_query = dict(TableName=table, IndexName="gix", KeyConditionExpression="g = :g",
                       ExpressionAttributeValues={":g": {"S": "Gb"}})
    assert sks(ddb.query(**index_query, ExclusiveStartKey=start("b", 2, g={"S": "Gb"}))) == [
        "3", "4"]
    with expect_error("ValidationException", message="The provided starting key is outside "
                      "query boundaries based on provided conditions"):
        ddb.query(**index_query, ExclusiveStartKey=start("a", 1, g={"S": "Ga"}))
