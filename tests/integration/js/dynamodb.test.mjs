// awsemu through the AWS SDK for JavaScript v3 (client-dynamodb and lib-dynamodb), run with
// `node --test`. The file starts its own server with server.mjs (`$AWSEMU_BIN --port 0
// --ephemeral`, default build/awsemu from the repo root), which reads the ready line with a
// deadline, and at the end asserts GET /_awsemu/check, a clean SIGTERM exit (status 0) and no
// sanitizer report on stderr.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  ResourceNotFoundException,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from "@aws-sdk/lib-dynamodb";
import { clientConfig, expectError, startServer, uniqueName } from "./server.mjs";

const ACCOUNT = "000000000000";

// AttributeValues with set members sorted and binaries as base64, so deepEqual ignores order.
function canon(value) {
  const [[kind, inner]] = Object.entries(value);
  const b64 = (bytes) => Buffer.from(bytes).toString("base64");
  switch (kind) {
    case "B": return { B: b64(inner) };
    case "SS": case "NS": return { [kind]: [...inner].sort() };
    case "BS": return { BS: inner.map(b64).sort() };
    case "M": return { M: canonItem(inner) };
    case "L": return { L: inner.map(canon) };
    default: return { [kind]: inner };
  }
}
const canonItem = (item) =>
  Object.fromEntries(Object.entries(item).map(([name, value]) => [name, canon(value)]));

describe("DynamoDB through the AWS SDK for JavaScript v3", () => {
  let server, client, doc;
  const table = uniqueName("js");

  before(async () => {
    server = await startServer();
    client = new DynamoDBClient(clientConfig(server.url));
    doc = DynamoDBDocumentClient.from(client);
  });

  after(async () => {
    client?.destroy();
    if (server) await server.finish();
  });

  test("CreateTable, then waitUntilTableExists succeeds", async () => {
    const out = await client.send(new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "N" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      BillingMode: "PROVISIONED",
      ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 3 },
    }));
    assert.equal(out.TableDescription.TableName, table);
    assert.ok(out.$metadata.requestId);
    const waited = await waitUntilTableExists(
      { client, minDelay: 1, maxDelay: 1, maxWaitTime: 10 }, { TableName: table });
    assert.equal(waited.state, "SUCCESS");
  });

  test("DescribeTable reports the table", async () => {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    assert.equal(Table.TableStatus, "ACTIVE");
    assert.equal(Table.TableArn, `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${table}`);
    assert.deepEqual(Table.KeySchema, [
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ]);
    assert.ok(Table.CreationDateTime instanceof Date, "CreationDateTime is not a timestamp");
    assert.ok(Math.abs(Date.now() - Table.CreationDateTime.getTime()) < 600000);
    assert.equal(Table.ProvisionedThroughput.ReadCapacityUnits, 2);
    assert.equal(Table.ProvisionedThroughput.WriteCapacityUnits, 3);
    assert.equal(Table.ItemCount, 0);
    assert.equal(Table.DeletionProtectionEnabled, false);
    assert.match(Table.TableId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  test("ListTables includes the table", async () => {
    const out = await client.send(new ListTablesCommand({}));
    assert.ok(out.TableNames.includes(table), JSON.stringify(out.TableNames));
    assert.deepEqual(out.TableNames, [...out.TableNames].sort());
  });

  test("PutItem, GetItem, DeleteItem with every AttributeValue type", async () => {
    const key = { pk: { S: "all" }, sk: { N: "1" } };
    const item = {
      ...key,
      s: { S: "héllo ✓" },
      empty: { S: "" },
      n: { N: "-12.5" },
      b: { B: new Uint8Array([0, 1, 2, 253, 254, 255]) },
      t: { BOOL: true },
      f: { BOOL: false },
      nul: { NULL: true },
      ss: { SS: ["b", "a"] },
      ns: { NS: ["3", "1.5"] },
      bs: { BS: [new Uint8Array([1]), new Uint8Array([2, 3])] },
      m: { M: { inner: { L: [{ S: "x" }, { M: { deep: { N: "7" } } }] }, none: { M: {} } } },
      l: { L: [{ N: "1" }, { B: new Uint8Array([9]) }, { NULL: true }, { L: [] }] },
    };
    const put = await client.send(new PutItemCommand({ TableName: table, Item: item }));
    assert.equal(put.Attributes, undefined);
    const got = await client.send(new GetItemCommand({
      TableName: table, Key: key, ConsistentRead: true,
    }));
    assert.deepEqual(canonItem(got.Item), canonItem(item));

    const deleted = await client.send(new DeleteItemCommand({
      TableName: table, Key: key, ReturnValues: "ALL_OLD",
    }));
    assert.deepEqual(canonItem(deleted.Attributes), canonItem(item));
    const gone = await client.send(new GetItemCommand({ TableName: table, Key: key }));
    assert.equal(gone.Item, undefined);
  });

  test("numbers come back normalised and exact", async () => {
    const digits38 = "12345678901234567890123456789012345678";
    const cases = [[digits38, digits38], ["1.50", "1.5"], ["1E+2", "100"], ["-0", "0"]];
    for (const [i, [sent, expected]] of cases.entries()) {
      const key = { pk: { S: "num" }, sk: { N: String(i) } };
      await client.send(new PutItemCommand({ TableName: table, Item: { ...key, n: { N: sent } } }));
      const { Item } = await client.send(new GetItemCommand({ TableName: table, Key: key }));
      assert.deepEqual(Item.n, { N: expected });
    }
  });

  test("PutItem ReturnValues ALL_OLD returns the replaced item", async () => {
    const key = { pk: { S: "rv" }, sk: { N: "1" } };
    const first = await client.send(new PutItemCommand({
      TableName: table, Item: { ...key, v: { S: "one" } }, ReturnValues: "ALL_OLD",
    }));
    assert.equal(first.Attributes, undefined);
    const second = await client.send(new PutItemCommand({
      TableName: table, Item: { ...key, v: { S: "two" } }, ReturnValues: "ALL_OLD",
    }));
    assert.deepEqual(second.Attributes, { ...key, v: { S: "one" } });
  });

  test("lib-dynamodb document client round trip", async () => {
    const item = {
      pk: "doc", sk: 2, s: "x", n: 42, f: 1.25, b: new Uint8Array([7, 8]), t: true, nul: null,
      ss: new Set(["a", "b"]), ns: new Set([1, 2]), m: { list: [1, "two", null, { deep: true }] },
      l: [[], {}],
    };
    await doc.send(new PutCommand({ TableName: table, Item: item }));
    const key = { pk: "doc", sk: 2 };
    const { Item } = await doc.send(new GetCommand({ TableName: table, Key: key }));
    assert.deepEqual(Item, item);
    const { Attributes } = await doc.send(new DeleteCommand({
      TableName: table, Key: key, ReturnValues: "ALL_OLD",
    }));
    assert.deepEqual(Attributes, item);
    const after = await doc.send(new GetCommand({ TableName: table, Key: key }));
    assert.equal(after.Item, undefined);
  });

  test("ResourceNotFoundException for a missing table", async () => {
    const missing = uniqueName("js-missing");
    await assert.rejects(client.send(new DescribeTableCommand({ TableName: missing })),
      (err) => err instanceof ResourceNotFoundException);
    await expectError(client.send(new DescribeTableCommand({ TableName: missing })),
      "ResourceNotFoundException", 400,
      `Requested resource not found: Table: ${missing} not found`);
    const key = { pk: { S: "a" } };
    await expectError(client.send(new GetItemCommand({ TableName: missing, Key: key })),
      "ResourceNotFoundException", 400, "Requested resource not found");
  });

  test("ValidationException for invalid items and keys", async () => {
    await expectError(client.send(new PutItemCommand({
      TableName: table, Item: { pk: { S: "" }, sk: { N: "1" } },
    })), "ValidationException", 400,
    "One or more parameter values are not valid. The AttributeValue for a key attribute " +
      "cannot contain an empty string value. Key: pk");
    await expectError(client.send(new PutItemCommand({
      TableName: table, Item: { pk: { S: "a" } },
    })), "ValidationException", 400,
    "One or more parameter values were invalid: Missing the key sk in the item");
    await expectError(client.send(new GetItemCommand({
      TableName: table, Key: { pk: { S: "a" } },
    })), "ValidationException", 400, "The provided key element does not match the schema");
    await expectError(client.send(new PutItemCommand({
      TableName: table, Item: { pk: { S: "a" }, sk: { N: "1" }, n: { N: "1E+126" } },
    })), "ValidationException", 400);
  });

  test("DeleteTable, then waitUntilTableNotExists succeeds", async () => {
    const out = await client.send(new DeleteTableCommand({ TableName: table }));
    assert.equal(out.TableDescription.TableName, table);
    const waited = await waitUntilTableNotExists(
      { client, minDelay: 1, maxDelay: 1, maxWaitTime: 10 }, { TableName: table });
    assert.equal(waited.state, "SUCCESS");
    await expectError(client.send(new DescribeTableCommand({ TableName: table })),
      "ResourceNotFoundException", 400);
  });
});
