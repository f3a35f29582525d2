"""UpdateItem: SET (arithmetic on exact decimals, if_not_exists, list_append, nested paths,
list indexes), REMOVE, ADD and DELETE, upserts, ReturnValues in all five forms,
ReturnConsumedCapacity and ReturnItemCollectionMetrics, the legacy AttributeUpdates, and every
misuse DynamoDB rejects.
Quotes: shared/docs/aws-wire-reference.md §2.3–§2.7; messages not in the reference come from
dynalite's tests (recorded against DynamoDB) and DynamoDB Local's DbValidationError list."""

import decimal
import re

import pytest

from conftest import (CONDITION_FAILED, assert_raw_error, canon_item, ddb_post, expect_error,
                      expression_args, index_spec, indexed_table_spec, path_clash, table_spec,
                      unique_name)

pytestmark = pytest.mark.dataplane

INVALID = "One or more parameter values were invalid: "
WRONG_TYPE = "An operand in the update expression has an incorrect data type"
NO_SUCH_ATTRIBUTE = "The provided expression refers to an attribute that does not exist in the item"
BAD_PATH = "The document path provided in the update expression is invalid for update"


@pytest.fixture(scope="module")
def tables(module_table):
    return {
        "hash": module_table(table_spec(unique_name("upd"))),
        "composite": module_table(table_spec(unique_name("upd-c"), range_key=("sk", "N"))),
        # §2.4: "`ItemCollectionMetrics` (SIZE, only for tables with LSIs)"; and a GSI whose
        # key type UpdateItem must respect
        "indexed": module_table(indexed_table_spec(
            unique_name("upd-i"), range_key=("sk", "S"), attributes=[("lsk", "N"), ("gpk", "S")],
            lsis=[index_spec("by_lsk", "pk", "lsk")], gsis=[index_spec("by_gpk", "gpk")])),
    }


def to_av(value):
    """Plain Python → AttributeValue for the few shapes these tests write."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if value is None:
        return {"NULL": True}
    if isinstance(value, (int, float, decimal.Decimal)):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list):
        return {"L": [to_av(v) for v in value]}
    if isinstance(value, dict):
        return {"M": {k: to_av(v) for k, v in value.items()}}
    if isinstance(value, set):
        kind = "NS" if all(isinstance(v, (int, float)) for v in value) else "SS"
        return {kind: sorted(str(v) for v in value)}
    raise TypeError(value)


class Item:
    """One item of the hash table, written fresh by each test, updated through the client."""

    def __init__(self, ddb, table, **attrs):
        self.ddb, self.table = ddb, table
        self.key = {"pk": {"S": unique_name("item")}}
        if attrs:
            ddb.put_item(TableName=table, Item=dict(self.key, **{
                k: to_av(v) for k, v in attrs.items()}))

    def update(self, expression=None, values=None, names=None, **kwargs):
        args = {"TableName": self.table, "Key": self.key, **kwargs}
        if expression is not None:
            args["UpdateExpression"] = expression
        if values:
            args["ExpressionAttributeValues"] = {k: to_av(v) for k, v in values.items()}
        if names:
            args["ExpressionAttributeNames"] = names
        return self.ddb.update_item(**args)

    def get(self):
        resp = self.ddb.get_item(TableName=self.table, Key=self.key, ConsistentRead=True)
        return canon_item(resp["Item"]) if "Item" in resp else None

    def expect(self, **attrs):
        assert self.get() == canon_item(dict(self.key, **{k: to_av(v) for k, v in attrs.items()}))


@pytest.fixture
def item(ddb, tables):
    return lambda **attrs: Item(ddb, tables["hash"], **attrs)


# Values for the error cases: each request sends the ones its expression uses.
POOL = {":v": {"S": "x"}, ":n": {"N": "1"}, ":set": {"SS": ["x"]}}


def update_raw(ddb, table, key, expression):
    return ddb.update_item(TableName=table, Key=key, UpdateExpression=expression,
                           **expression_args(expression, values=POOL))


# --------------------------------------------------------------------------------------------
# Upsert


def test_update_creates_the_item_when_absent(item):
    # §2.1: UpdateItem "creates the item if absent (upsert)"
    it = item()
    resp = it.update("SET a = :a, b = :b", {":a": "x", ":b": 1}, ReturnValues="ALL_OLD")
    assert "Attributes" not in resp
    it.expect(a="x", b=1)


def test_update_without_expression_creates_a_key_only_item(item):
    # dynalite's tests, against DynamoDB: "should just add item with key if no action"
    it = item()
    it.update()
    it.expect()


def test_add_and_remove_on_an_absent_item(item):
    it = item()
    resp = it.update("ADD cnt :one, tags :t REMOVE gone", {":one": 1, ":t": {"a"}},
                     ReturnValues="ALL_NEW")
    assert canon_item(resp["Attributes"]) == canon_item(dict(it.key, cnt={"N": "1"},
                                                             tags={"SS": ["a"]}))


# --------------------------------------------------------------------------------------------
# SET


def test_set_replaces_and_adds_attributes(item):
    it = item(a="old", keep=1)
    it.update("SET a = :a, fresh = :f", {":a": {"x": [1, "two"]}, ":f": True})
    it.expect(a={"x": [1, "two"]}, keep=1, fresh=True)


def test_set_arithmetic(item):
    it = item(n=10, m=3)
    it.update("SET n = n + :five", {":five": 5})
    it.expect(n=15, m=3)
    it.update("SET n = n - :twenty", {":twenty": 20})
    it.expect(n=-5, m=3)
    it.update("SET total_ = n + m, diff = :a - :b", {":a": 7, ":b": 9})
    it.expect(n=-5, m=3, total_=-2, diff=-2)
    it.update("SET m = m - m")
    it.expect(n=-5, m=0, total_=-2, diff=-2)


# §2.3: numbers have "≤38 significant digits"; arithmetic is decimal, not binary floating
# point (0.1 + 0.2 is exactly 0.3).
@pytest.mark.parametrize("start,operand,op,result", [
    ("0.1", "0.2", "+", "0.3"),
    ("0.3", "0.1", "-", "0.2"),
    ("12345678901234567890123456789012345678", "1", "+",
     "12345678901234567890123456789012345679"),
    ("99999999999999999999999999999999999999", "1", "+",
     "100000000000000000000000000000000000000"),
    ("1", "0.0000000000000000000000000000000000001", "-",
     "0.9999999999999999999999999999999999999"),
    ("-0.5", "0.5", "+", "0"),
    ("1E+2", "1E-2", "+", "100.01"),
    ("1.50", "1.5", "-", "0"),
    ("9.9999999999999999999999999999999999999E+125", "0", "+", "9" * 38 + "0" * 88),
    ("-7", "-3", "-", "-4"),
])
def test_exact_decimal_arithmetic(item, start, operand, op, result):
    it = item(n=decimal.Decimal(start))
    resp = it.update(f"SET n = n {op} :d", {":d": decimal.Decimal(operand)},
                     ReturnValues="UPDATED_NEW")
    assert resp["Attributes"] == {"n": {"N": result}}
    assert it.get()["n"] == {"N": result}


def test_add_is_exact_too(item):
    it = item()
    for step in ("0.1", "0.2"):
        it.update("ADD n :d", {":d": decimal.Decimal(step)})
    assert it.get()["n"] == {"N": "0.3"}


def test_arithmetic_overflow(item):
    # §2.3: "beyond → "Number overflow. Attempting to store a number with magnitude larger
    # than supported range""
    it = item(n=decimal.Decimal("9.9999999999999999999999999999999999999E+125"))
    with expect_error("ValidationException", 400, re.compile(r"^Number overflow")):
        it.update("SET n = n + n")
    assert it.get()["n"] == {"N": "9" * 38 + "0" * 88}  # unchanged, in its stored form


def test_if_not_exists(item):
    it = item()
    for expected in (1, 2, 3):
        resp = it.update("SET cnt = if_not_exists(cnt, :zero) + :one, created = "
                         "if_not_exists(created, :now)", {":zero": 0, ":one": 1,
                                                           ":now": f"t{expected}"},
                         ReturnValues="ALL_NEW")
        assert resp["Attributes"]["cnt"] == {"N": str(expected)}
        assert resp["Attributes"]["created"] == {"S": "t1"}  # only the first write sets it
    # the default may come from another attribute
    it.update("SET dup = if_not_exists(nope, created)")
    assert it.get()["dup"] == {"S": "t1"}


def test_list_append(item):
    it = item(l=[1, 2])
    it.update("SET l = list_append(l, :more)", {":more": [3, 4]})
    it.expect(l=[1, 2, 3, 4])
    it.update("SET l = list_append(:front, l)", {":front": ["zero"]})
    it.expect(l=["zero", 1, 2, 3, 4])
    it.update("SET fresh = list_append(if_not_exists(fresh, :empty), :more)",
              {":empty": [], ":more": [{"a": 1}]})
    it.expect(l=["zero", 1, 2, 3, 4], fresh=[{"a": 1}])


def test_nested_map_paths(item):
    it = item(m={"a": {"b": {"c": 1, "sibling": "keep"}}})
    it.update("SET m.a.b.c = :v", {":v": 2})
    it.expect(m={"a": {"b": {"c": 2, "sibling": "keep"}}})
    it.update("SET m.a.fresh = :v, m.#dots = :w", {":v": "new", ":w": "dotted"},
              {"#dots": "x.y"})
    it.expect(m={"a": {"b": {"c": 2, "sibling": "keep"}, "fresh": "new"}, "x.y": "dotted"})
    it.update("SET m.a.b.c = m.a.b.c + :one", {":one": 1})
    assert it.get()["m"]["M"]["a"]["M"]["b"]["M"]["c"] == {"N": "3"}


def test_list_index_paths(item):
    it = item(l=["a", "b", "c"], docs=[{"n": 1}, {"n": 2}])
    it.update("SET l[1] = :v", {":v": "B"})
    it.expect(l=["a", "B", "c"], docs=[{"n": 1}, {"n": 2}])
    # §2.6: "`SET list[i]` beyond the end appends"
    it.update("SET l[10] = :v", {":v": "end"})
    it.expect(l=["a", "B", "c", "end"], docs=[{"n": 1}, {"n": 2}])
    it.update("SET docs[1].n = docs[0].n + :ten", {":ten": 10})
    it.expect(l=["a", "B", "c", "end"], docs=[{"n": 1}, {"n": 11}])


def test_top_level_names_with_special_characters(item):
    it = item()
    it.update("SET #dot = :a, #dash = :b, #sp = :c", {":a": 1, ":b": 2, ":c": 3},
              {"#dot": "a.b", "#dash": "x-y", "#sp": "with space"})
    it.expect(**{"a.b": 1, "x-y": 2, "with space": 3})


@pytest.mark.parametrize("expression", [
    "SET nope.x = :v",          # parent absent
    "SET s.x = :v",             # parent is a string
    "SET m[0] = :v",            # index into a map
    "SET l.x = :v",             # name into a list
    "SET nope[0] = :v",
])
def test_set_on_an_invalid_document_path(item, expression):
    # §2.6: "`The document path provided in the update expression is invalid for update`
    # (e.g. SET a.b where a is absent/not a map)"
    it = item(s="str", m={"k": 1}, l=[1])
    with expect_error("ValidationException", 400, BAD_PATH):
        it.update(expression, {":v": 1})
    it.expect(s="str", m={"k": 1}, l=[1])


# --------------------------------------------------------------------------------------------
# REMOVE


def test_remove_attributes_and_nested_members(item):
    it = item(a=1, b=2, m={"x": 1, "y": {"z": 2}}, l=[0, 1, 2, 3])
    it.update("REMOVE a, m.y.z, nope")  # removing what is absent is no error
    it.expect(b=2, m={"x": 1, "y": {}}, l=[0, 1, 2, 3])


def test_remove_list_elements_shifts_the_rest(item):
    # §2.6: "`REMOVE list[i]` shifts later elements"
    it = item(l=["a", "b", "c", "d", "e"])
    it.update("REMOVE l[0]")
    it.expect(l=["b", "c", "d", "e"])
    # several indexes in one expression name elements of the list as it was
    it.update("REMOVE l[1], l[3]")
    it.expect(l=["b", "d"])


# --------------------------------------------------------------------------------------------
# ADD and DELETE


def test_add_numbers(item):
    # §2.6: "`ADD` only Number (adds; creates with the value if missing) or set (union)"
    it = item(n=5)
    it.update("ADD n :three, fresh :three", {":three": 3})
    it.expect(n=8, fresh=3)
    it.update("ADD n :minus", {":minus": -10})
    it.expect(n=-2, fresh=3)


def test_add_to_sets(item):
    it = item(ss={"a", "b"}, ns={1, 2})
    it.update("ADD ss :s, ns :n, fresh :s", {":s": {"b", "c"}, ":n": {2, 3}})
    it.expect(ss={"a", "b", "c"}, ns={1, 2, 3}, fresh={"b", "c"})
    resp = it.ddb.update_item(TableName=it.table, Key=it.key, UpdateExpression="ADD bs :b",
                              ExpressionAttributeValues={":b": {"BS": [b"\x01", b"\x02"]}},
                              ReturnValues="UPDATED_NEW")
    assert canon_item(resp["Attributes"]) == canon_item({"bs": {"BS": [b"\x01", b"\x02"]}})


def test_delete_from_sets(item):
    # §2.6: "`DELETE` only sets (difference; empties the set ⇒ attribute removed)"
    it = item(ss={"a", "b", "c"}, ns={1, 2, 3})
    it.update("DELETE ss :s, ns :n", {":s": {"a", "zzz"}, ":n": {1}})
    it.expect(ss={"b", "c"}, ns={2, 3})
    it.update("DELETE ss :s", {":s": {"b", "c"}})
    it.expect(ns={2, 3})
    it.update("DELETE nope :s", {":s": {"x"}})  # nothing to delete from: no error
    it.expect(ns={2, 3})


@pytest.mark.parametrize("expression,values", [
    ("ADD s :one", {":one": 1}),              # number into a string
    ("ADD ss :one", {":one": 1}),             # number into a string set
    ("ADD n :s", {":s": {"x"}}),              # set into a number
    ("ADD ss :n", {":n": {1}}),               # number set into a string set
    ("DELETE ss :n", {":n": {1}}),
    ("DELETE s :s", {":s": {"x"}}),
    ("SET s = s + :one", {":one": 1}),
    ("SET n = n - s", None),
    ("SET l = list_append(s, :l)", {":l": [1]}),
], ids=lambda v: v if isinstance(v, str) else None)
def test_type_mismatch_with_the_stored_item(item, expression, values):
    # dynalite's tests: "should return ValidationException if using expression to delete/add
    # incorrect types" → "An operand in the update expression has an incorrect data type"
    it = item(s="str", n=1, ss={"a"}, l=[0])
    with expect_error("ValidationException", 400, WRONG_TYPE):
        it.update(expression, values)
    it.expect(s="str", n=1, ss={"a"}, l=[0])


@pytest.mark.parametrize("expression", [
    "SET x = nope + :n", "SET x = :n - nope", "SET x = nope", "SET x = list_append(nope, a)",
])
def test_reference_to_an_absent_attribute(ddb, item, expression):
    # §2.6: "`The provided expression refers to an attribute that does not exist in the item`
    # (e.g. `SET x = y + :n` with y absent)"
    it = item(a=[1])
    with expect_error("ValidationException", 400, NO_SUCH_ATTRIBUTE):
        update_raw(ddb, it.table, it.key, expression)
    it.expect(a=[1])


# Operand types DynamoDB knows before reading the item (dynalite's tests: "should return
# ValidationException for incorrect types in UpdateExpression"; newer DynamoDB appends
# ", typeSet: ALLOWED_FOR_ADD_OPERAND" / "ALLOWED_FOR_DELETE_OPERAND").
def static_type(operator, operand):
    return re.compile(rf"^Invalid UpdateExpression: Incorrect operand type for operator or "
                      rf"function; operator: {operator}, operand type: {operand}"
                      rf"(, typeSet: ALLOWED_FOR_(ADD|DELETE)_OPERAND)?$")


def function_type(function, operand):
    return (f"Invalid UpdateExpression: Incorrect operand type for operator or function; "
            f"operator or function: {function}, operand type: {operand}")


@pytest.mark.parametrize("expression,value,message", [
    ("ADD a :v", {"S": "x"}, static_type("ADD", "STRING")),
    ("ADD a :v", {"L": [{"N": "1"}]}, static_type("ADD", "LIST")),
    ("ADD a :v", {"M": {}}, static_type("ADD", "MAP")),
    ("ADD a :v", {"BOOL": True}, static_type("ADD", "BOOLEAN")),
    ("DELETE a :v", {"S": "x"}, static_type("DELETE", "STRING")),
    ("DELETE a :v", {"N": "1"}, static_type("DELETE", "NUMBER")),
    ("SET a = a + :v", {"S": "x"}, function_type("+", "S")),
    ("SET a = :v - a", {"SS": ["x"]}, function_type("-", "SS")),
    ("SET a = list_append(a, :v)", {"N": "1"}, function_type("list_append", "N")),
    ("SET a = list_append(:v, a)", {"M": {}}, function_type("list_append", "M")),
], ids=lambda v: v if isinstance(v, str) else None)
def test_operand_type_known_from_the_expression(ddb, tables, expression, value, message):
    key = {"pk": {"S": unique_name("static")}}
    with expect_error("ValidationException", 400, message):
        ddb.update_item(TableName=tables["hash"], Key=key, UpdateExpression=expression,
                        ExpressionAttributeValues={":v": value})
    assert "Item" not in ddb.get_item(TableName=tables["hash"], Key=key, ConsistentRead=True)


# --------------------------------------------------------------------------------------------
# Several clauses


def test_all_four_clauses_in_any_order_and_case(item):
    # §2.6: "each of SET/REMOVE/ADD/DELETE at most once, any order, keywords
    # case-insensitive"
    it = item(a=1, b=2, c=3, ss={"x", "y"})
    it.update("delete ss :x add c :one remove b set a = :new", {":x": {"x"}, ":one": 1,
                                                                ":new": "A"})
    it.expect(a="A", c=4, ss={"y"})
    it.update("REMOVE a SET b = :b", {":b": "B"})
    it.expect(b="B", c=4, ss={"y"})


@pytest.mark.parametrize("expression,section", [
    ("SET a = :v SET b = :v", "SET"), ("REMOVE a REMOVE b", "REMOVE"),
    ("ADD a :n ADD b :n", "ADD"), ("DELETE a :set DELETE b :set", "DELETE"),
])
def test_a_section_twice(ddb, tables, expression, section):
    with expect_error("ValidationException", 400,
                      f'Invalid UpdateExpression: The "{section}" section can only be used '
                      f'once in an update expression;'):
        update_raw(ddb, tables["hash"], {"pk": {"S": "twice"}}, expression)


OVERLAP = ("UpdateExpression", "overlap")
CONFLICT = ("UpdateExpression", "conflict")


@pytest.mark.parametrize("expression,message", [
    # §2.6: "`Invalid UpdateExpression: Two document paths overlap with each other; must
    # remove or rewrite one of these paths; path one: [a, b], path two: [a]`"
    ("SET a = :v REMOVE a", path_clash(*OVERLAP, "[a]", "[a]")),
    ("SET m.k = :v, m = :v", path_clash(*OVERLAP, "[m, k]", "[m]")),
    ("REMOVE m, m.k", path_clash(*OVERLAP, "[m]", "[m, k]")),
    ("SET a = :v, a = :v", path_clash(*OVERLAP, "[a]", "[a]")),
    ("SET l[0] = :v REMOVE l[0]", path_clash(*OVERLAP, "[l, [0]]", "[l, [0]]")),
    ("REMOVE m.k SET m[0] = :v", path_clash(*CONFLICT, "[m, k]", "[m, [0]]")),
])
def test_overlapping_and_conflicting_paths(ddb, tables, expression, message):
    with expect_error("ValidationException", 400, message):
        update_raw(ddb, tables["hash"], {"pk": {"S": "overlap"}}, expression)


# --------------------------------------------------------------------------------------------
# ReturnValues (§2.5: "UPDATED_* = only the attributes named in the update expression
# (before/after)")

BEFORE = {"a": 1, "b": "x", "c": [1, 2], "m": {"k": 1, "j": 2}}
RETURN_VALUES = {
    "NONE": None,
    "ALL_OLD": dict(BEFORE),
    "UPDATED_OLD": {"a": 1, "b": "x"},              # d did not exist before
    "ALL_NEW": {"a": 2, "c": [1, 2], "m": {"k": 1, "j": 2}, "d": "new"},
    "UPDATED_NEW": {"a": 2, "d": "new"},             # b no longer exists
}


@pytest.mark.parametrize("return_values", RETURN_VALUES)
def test_return_values(item, return_values):
    it = item(**BEFORE)
    resp = it.update("SET a = a + :one, d = :new REMOVE b", {":one": 1, ":new": "new"},
                     ReturnValues=return_values)
    expected = RETURN_VALUES[return_values]
    if expected is None:
        assert "Attributes" not in resp
    else:
        if return_values.startswith("ALL"):
            expected = dict(expected, pk=it.key["pk"]["S"])
        assert canon_item(resp["Attributes"]) == canon_item(
            {k: {"S": v} if k == "pk" else to_av(v) for k, v in expected.items()})
    it.expect(**RETURN_VALUES["ALL_NEW"])


def test_updated_values_of_nested_paths(item):
    # only the updated parts of a document come back (dynalite's tests: "should update nested
    # attributes")
    it = item(m={"k": 1, "j": 2}, l=["a", "b", "c"])
    old = it.update("SET m.k = :v, l[1] = :w", {":v": 10, ":w": "B"}, ReturnValues="UPDATED_OLD")
    assert old["Attributes"] == {"m": {"M": {"k": {"N": "1"}}}, "l": {"L": [{"S": "b"}]}}
    new = it.update("SET m.k = :v, l[1] = :w", {":v": 20, ":w": "BB"},
                    ReturnValues="UPDATED_NEW")
    assert new["Attributes"] == {"m": {"M": {"k": {"N": "20"}}}, "l": {"L": [{"S": "BB"}]}}


def test_updated_values_of_add_and_delete(item):
    it = item(n=1, ss={"a", "b"})
    resp = it.update("ADD n :one DELETE ss :a", {":one": 1, ":a": {"a"}},
                     ReturnValues="UPDATED_NEW")
    assert canon_item(resp["Attributes"]) == canon_item({"n": {"N": "2"}, "ss": {"SS": ["b"]}})


def test_return_values_of_an_upsert(item):
    it = item()
    assert "Attributes" not in it.update("SET a = :v", {":v": 1}, ReturnValues="UPDATED_OLD")
    it2 = item()
    new = it2.update("SET a = :v", {":v": 1}, ReturnValues="ALL_NEW")["Attributes"]
    assert new == dict(it2.key, a={"N": "1"})


@pytest.mark.parametrize("value", ["BOGUS", "all_new"])
def test_invalid_return_values(item, value):
    # §1.5: "`1 validation error detected: Value '<v>' at '<lowerCamelPath>' failed to satisfy
    # constraint: Member must …`"
    it = item(a=1)
    with expect_error("ValidationException", 400, re.compile(
            rf"Value '{value}' at 'returnValues' failed to satisfy constraint: Member must "
            rf"satisfy enum value set")):
        it.update("SET a = :v", {":v": 2}, ReturnValues=value)
    it.expect(a=1)


# --------------------------------------------------------------------------------------------
# ReturnConsumedCapacity, ReturnItemCollectionMetrics


def test_return_consumed_capacity(item, tables):
    # §2.4: "write = ceil(size/1 KB) WCU"; "`TOTAL` → `{"TableName":t,"CapacityUnits":x}`";
    # "`INDEXES` adds `"Table":{"CapacityUnits":…}`"
    it = item(a=1)
    total = it.update("SET a = :v", {":v": 2}, ReturnConsumedCapacity="TOTAL")
    assert total["ConsumedCapacity"]["TableName"] == tables["hash"]
    assert total["ConsumedCapacity"]["CapacityUnits"] == 1.0
    indexes = it.update("SET a = :v", {":v": 3}, ReturnConsumedCapacity="INDEXES")
    assert indexes["ConsumedCapacity"]["CapacityUnits"] == 1.0
    assert indexes["ConsumedCapacity"]["Table"] == {"CapacityUnits": 1.0}
    # an item of about 1.5 KB costs 2 units
    big = it.update("SET big = :v", {":v": "x" * 1500}, ReturnConsumedCapacity="TOTAL")
    assert big["ConsumedCapacity"]["CapacityUnits"] == 2.0
    assert "ConsumedCapacity" not in it.update("SET a = :v", {":v": 4},
                                               ReturnConsumedCapacity="NONE")


def test_return_item_collection_metrics(ddb, tables):
    # §2.4: "`ItemCollectionMetrics` (SIZE, only for tables with LSIs):
    # `{"ItemCollectionKey":{pk},"SizeEstimateRangeGB":[lo,hi]}`"
    key = {"pk": {"S": "collection"}, "sk": {"S": "1"}}
    resp = ddb.update_item(TableName=tables["indexed"], Key=key, UpdateExpression="SET lsk = :v",
                           ExpressionAttributeValues={":v": {"N": "1"}},
                           ReturnItemCollectionMetrics="SIZE")
    metrics = resp["ItemCollectionMetrics"]
    assert metrics["ItemCollectionKey"] == {"pk": {"S": "collection"}}
    low, high = metrics["SizeEstimateRangeGB"]
    assert 0 <= low <= high
    # no LSI, no item collection
    plain = ddb.update_item(TableName=tables["hash"], Key={"pk": {"S": "collection"}},
                            UpdateExpression="SET a = :v",
                            ExpressionAttributeValues={":v": {"N": "1"}},
                            ReturnItemCollectionMetrics="SIZE")
    assert "ItemCollectionMetrics" not in plain


# --------------------------------------------------------------------------------------------
# Keys, indexes and size


@pytest.mark.parametrize("table,key,expression,attribute", [
    ("hash", {"pk": {"S": "k"}}, "SET pk = :v", "pk"),
    ("hash", {"pk": {"S": "k"}}, "REMOVE pk", "pk"),
    ("hash", {"pk": {"S": "k"}}, "ADD pk :n", "pk"),
    ("hash", {"pk": {"S": "k"}}, "SET a = :v, pk = :v", "pk"),
    ("composite", {"pk": {"S": "k"}, "sk": {"N": "1"}}, "SET sk = sk + :n", "sk"),
    ("composite", {"pk": {"S": "k"}, "sk": {"N": "1"}}, "REMOVE sk", "sk"),
])
def test_key_attributes_cannot_be_updated(ddb, tables, table, key, expression, attribute):
    # §2.3: "UpdateExpression touching a key attribute" → "One or more parameter values were
    # invalid: Cannot update attribute pk. This attribute is part of the key"
    with expect_error("ValidationException", 400,
                      f"{INVALID}Cannot update attribute {attribute}. This attribute is part of "
                      f"the key"):
        update_raw(ddb, tables[table], key, expression)
    assert "Item" not in ddb.get_item(TableName=tables[table], Key=key, ConsistentRead=True)


def test_legacy_update_of_a_key_attribute(ddb, tables):
    with expect_error("ValidationException", 400,
                      f"{INVALID}Cannot update attribute pk. This attribute is part of the "
                      f"key"):
        ddb.update_item(TableName=tables["hash"], Key={"pk": {"S": "k"}},
                        AttributeUpdates={"pk": {"Value": {"S": "x"}}})


def test_update_must_respect_index_key_types(ddb, tables):
    # §2.3: "GSI key attribute with wrong type in an item" → "One or more parameter values
    # were invalid: Type mismatch for Index Key X Expected: S Actual: N IndexName: gsi"
    key = {"pk": {"S": "typed"}, "sk": {"S": "1"}}
    with expect_error("ValidationException", 400,
                      f"{INVALID}Type mismatch for Index Key gpk Expected: S Actual: N "
                      f"IndexName: by_gpk"):
        ddb.update_item(TableName=tables["indexed"], Key=key, UpdateExpression="SET gpk = :n",
                        ExpressionAttributeValues={":n": {"N": "1"}})
    assert "Item" not in ddb.get_item(TableName=tables["indexed"], Key=key, ConsistentRead=True)


def test_update_beyond_400kb(item):
    # §2.3: "UpdateItem result: "Item size to update has exceeded the maximum allowed size""
    it = item(a="x" * 300_000)
    with expect_error("ValidationException", 400,
                      "Item size to update has exceeded the maximum allowed size"):
        it.update("SET b = :v", {":v": "y" * 200_000})
    assert it.get()["a"] == {"S": "x" * 300_000} and "b" not in it.get()


def test_key_must_match_the_schema(ddb, tables):
    # §2.3: "GetItem/DeleteItem/UpdateItem `Key` with extra/missing attributes → "The provided
    # key element does not match the schema""
    with expect_error("ValidationException", 400,
                      "The provided key element does not match the schema"):
        ddb.update_item(TableName=tables["composite"], Key={"pk": {"S": "k"}},
                        UpdateExpression="SET a = :v",
                        ExpressionAttributeValues={":v": {"S": "x"}})


def test_update_of_a_missing_table(ddb):
    with expect_error("ResourceNotFoundException", 400, "Requested resource not found"):
        ddb.update_item(TableName=unique_name("missing"), Key={"pk": {"S": "k"}},
                        UpdateExpression="SET a = :v",
                        ExpressionAttributeValues={":v": {"S": "x"}})


# --------------------------------------------------------------------------------------------
# Conditions, reserved words, syntax


def test_update_with_condition(item):
    it = item(state_="draft", version=1)
    it.update("SET state_ = :s, version = version + :one", {":s": "live", ":one": 1,
                                                           ":v": 1},
              ConditionExpression="version = :v")
    it.expect(state_="live", version=2)
    with expect_error("ConditionalCheckFailedException", 400, CONDITION_FAILED):
        it.update("SET state_ = :s", {":s": "stale", ":v": 1},
                  ConditionExpression="version = :v")
    it.expect(state_="live", version=2)


@pytest.mark.parametrize("expression,word", [
    ("SET name = :v", "name"), ("SET status = :v", "status"), ("REMOVE data", "data"),
    ("ADD count :n", "count"), ("SET a = :v REMOVE Timestamp", "Timestamp"),
    ("SET m.value = :v", "value"),
])
def test_reserved_words_in_updates(ddb, tables, expression, word):
    with expect_error("ValidationException", 400,
                      f"Invalid UpdateExpression: Attribute name is a reserved keyword; "
                      f"reserved keyword: {word}"):
        update_raw(ddb, tables["hash"], {"pk": {"S": "reserved"}}, expression)


def test_reserved_words_through_placeholders(item):
    it = item()
    it.update("SET #n = :v, #s = :w ADD #c :one", {":v": "x", ":w": "on", ":one": 1},
              {"#n": "name", "#s": "status", "#c": "count"})
    it.expect(name="x", status="on", count=1)


@pytest.mark.parametrize("expression,token", [
    ("SET a", "<EOF>"), ("SET a = ", "<EOF>"), ("whatever", "whatever"),
    ("SET a = :v +", "<EOF>"), ("REMOVE a = :v", "="), ("SET a = b * :v", "*"),
    ("ADD a", "<EOF>"),
])
def test_update_syntax_errors(ddb, tables, expression, token):
    with expect_error("ValidationException", 400, re.compile(
            rf'^Invalid UpdateExpression: Syntax error; token: "{re.escape(token)}", near: "')):
        update_raw(ddb, tables["hash"], {"pk": {"S": "syntax"}}, expression)


@pytest.mark.parametrize("expression,message", [
    ("SET a = if_not_exists(:v, a)", "Invalid UpdateExpression: Operator or function requires "
                                     "a document path; operator or function: if_not_exists"),
    ("SET a = if_not_exists(a)", "Invalid UpdateExpression: Incorrect number of operands for "
                                 "operator or function; operator or function: if_not_exists, "
                                 "number of operands: 1"),
    ("SET a = size(b)", re.compile(r"^Invalid UpdateExpression: The function is not allowed in "
                                   r"an update expression; function: size$")),
    ("SET a = no_such(b)", "Invalid UpdateExpression: Invalid function name; function: "
                           "no_such"),
])
def test_update_function_errors(ddb, tables, expression, message):
    with expect_error("ValidationException", 400, message):
        update_raw(ddb, tables["hash"], {"pk": {"S": "functions"}}, expression)


# --------------------------------------------------------------------------------------------
# The resource API


def test_update_through_the_resource_api(ddb_resource, tables):
    table = ddb_resource.Table(tables["hash"])
    key = {"pk": unique_name("res")}
    table.put_item(Item=dict(key, tags=["a"], visits=1, profile={"city": "Oslo"}))
    new = table.update_item(
        Key=key, UpdateExpression="SET tags = list_append(tags, :t), #p.city = :c, "
                                  "last_seen = :now ADD visits :one, labels :l",
        ExpressionAttributeNames={"#p": "profile"},
        ExpressionAttributeValues={":t": ["b"], ":c": "Bergen", ":now": 1700000000,
                                   ":one": 1, ":l": {"x", "y"}},
        ReturnValues="ALL_NEW")["Attributes"]
    assert new == dict(key, tags=["a", "b"], visits=2, profile={"city": "Bergen"},
                       last_seen=1700000000, labels={"x", "y"})
    assert table.get_item(Key=key, ConsistentRead=True)["Item"] == new


# --------------------------------------------------------------------------------------------
# Legacy AttributeUpdates / Expected


def test_legacy_attribute_updates(item):
    it = item(a="old", n=1, ss={"a", "b"}, gone=True)
    resp = it.ddb.update_item(TableName=it.table, Key=it.key, ReturnValues="ALL_NEW",
                              AttributeUpdates={
                                  "a": {"Action": "PUT", "Value": {"S": "new"}},
                                  "n": {"Action": "ADD", "Value": {"N": "2"}},
                                  "ss": {"Action": "DELETE", "Value": {"SS": ["a"]}},
                                  "gone": {"Action": "DELETE"},
                                  "fresh": {"Value": {"N": "7"}},  # PUT is the default
                                  "cnt": {"Action": "ADD", "Value": {"N": "1"}},
                              })
    assert canon_item(resp["Attributes"]) == canon_item(dict(
        it.key, a={"S": "new"}, n={"N": "3"}, ss={"SS": ["b"]}, fresh={"N": "7"},
        cnt={"N": "1"}))


def test_legacy_attribute_updates_with_expected(item):
    it = item(version=1)
    updates = {"version": {"Action": "ADD", "Value": {"N": "1"}}}
    it.ddb.update_item(TableName=it.table, Key=it.key, AttributeUpdates=updates,
                       Expected={"version": {"Value": {"N": "1"}}})
    it.expect(version=2)
    with expect_error("ConditionalCheckFailedException", 400, CONDITION_FAILED):
        it.ddb.update_item(TableName=it.table, Key=it.key, AttributeUpdates=updates,
                           Expected={"version": {"Value": {"N": "1"}}})
    it.expect(version=2)


def test_legacy_add_type_mismatch(item):
    # dynalite's tests: "should return ValidationException if trying to delete/add incorrect
    # types" → "Type mismatch for attribute to update"
    it = item(ss={"a"})
    with expect_error("ValidationException", 400, "Type mismatch for attribute to update"):
        it.ddb.update_item(TableName=it.table, Key=it.key, AttributeUpdates={
            "ss": {"Action": "ADD", "Value": {"NS": ["1"]}}})


@pytest.mark.parametrize("extra,non_expression,expression", [
    ({"AttributeUpdates": {"a": {"Value": {"S": "x"}}}, "UpdateExpression": "SET b = :v",
      "ExpressionAttributeValues": {":v": {"S": "y"}}}, "AttributeUpdates", "UpdateExpression"),
    ({"Expected": {"a": {"Exists": False}}, "ConditionExpression": "attribute_not_exists(a)"},
     "Expected", "ConditionExpression"),
    ({"Expected": {"a": {"Exists": False}}, "UpdateExpression": "SET b = :v",
      "ExpressionAttributeValues": {":v": {"S": "y"}}}, "Expected", "UpdateExpression"),
], ids=["AttributeUpdates", "Expected-Condition", "Expected-Update"])
def test_expression_and_legacy_parameters_together(endpoint, tables, extra, non_expression,
                                                    expression):
    # "Can not use both expression and non-expression parameters in the same request: …"
    # (§2.6; full wording from dynalite's tests, recorded against DynamoDB)
    resp = ddb_post(endpoint, "UpdateItem", dict(extra, TableName=tables["hash"],
                                                 Key={"pk": {"S": "mixed"}}))
    assert_raw_error(resp, "ValidationException", 400,
                     f"Can not use both expression and non-expression parameters in the same "
                     f"request: Non-expression parameters: {{{non_expression}}} Expression "
                     f"parameters: {{{expression}}}")


# --------------------------------------------------------------------------------------------
# Concurrency


def test_concurrent_updates_of_one_item_lose_nothing(ddb, item):
    """UpdateItem computes its result before the write lock and confirms the stored version
    under it; concurrent updates of the same item must still each take effect exactly once,
    and a condition on the current value must see every earlier update."""
    import concurrent.futures
    it = item(n=0)
    threads, per_thread = 8, 60

    def bump(_):
        for _ in range(per_thread):
            it.update("SET n = n + :one", {":one": 1, ":zero": 0}, ConditionExpression="n >= :zero")
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(bump, range(threads)))
    it.expect(n=threads * per_thread)
