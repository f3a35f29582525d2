// The DynamoDB data plane through the AWS SDK for JavaScript v3 document client
// (@aws-sdk/lib-dynamodb): conditional writes, UpdateItem with native numbers and sets, exact
// decimals through NumberValue, Query and Scan through paginateQuery/paginateScan, secondary
// indexes, and batch operations. Run with `node --test`; like dynamodb.test.mjs the file starts
// its own server and checks its clean exit with server.mjs. The data plane tests are skipped unless
// AWSEMU_DATAPLANE=1 (flip DATAPLANE_DEFAULT once the server implements it, as in conftest.py).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  NumberValue,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  paginateQuery,
  paginateScan,
} from "@aws-sdk/lib-dynamodb";
import { clientConfig, startServer } from "./server.mjs";

const DATAPLANE_DEFAULT = "1";
const DATAPLANE = (process.env.AWSEMU_DATAPLANE ?? DATAPLANE_DEFAULT) === "1";
const CONDITION_FAILED = "The conditional request failed";

async function expectError(promise, name, status, message) {
  let caught;
  await assert.rejects(promise, (err) => {
    assert.equal(err.name, name, `${err.name}: ${err.message}`);
    assert.equal(err.$metadata?.httpStatusCode, status);
    if (message !== undefined) assert.equal(err.message, message);
    caught = err;
    return true;
  });
  return caught;
}

async function collect(paginator) {
  const pages = [];
  for await (const page of paginator) {
    pages.push(page);
    assert.ok(pages.length <= 100, "too many pages");
  }
  return pages;
}

describe("DynamoDB data plane through the document client", {
  skip: DATAPLANE ? false : "DynamoDB data plane not enabled (set AWSEMU_DATAPLANE=1)",
}, () => {
  let server, client, exactClient, doc, exact;
  const table = `js-data-${process.pid}-${Date.now()}`;

  before(async () => {
    server = await startServer();
    const options = clientConfig(server.url);
    client = new DynamoDBClient(options);
    doc = DynamoDBDocumentClient.from(client);
    // a document client's options live in its DynamoDBClient's config: one client each
    exactClient = new DynamoDBClient(options);
    exact = DynamoDBDocumentClient.from(exactClient, { unmarshallOptions: { wrapNumbers: true } });
    await client.send(new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "N" },
        { AttributeName: "kind", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: [{
        IndexName: "by_kind",
        KeySchema: [
          { AttributeName: "kind", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      }],
      BillingMode: "PAY_PER_REQUEST",
    }));
    await waitUntilTableExists({ client, minDelay: 1, maxDelay: 1, maxWaitTime: 10 },
      { TableName: table });
  });

  after(async () => {
    try {
      if (client && server) await client.send(new DeleteTableCommand({ TableName: table }));
    } finally {
      client?.destroy();
      exactClient?.destroy();
      if (server) await server.finish();
    }
  });

  test("conditional put: create if absent, ReturnValuesOnConditionCheckFailure", async () => {
    const item = { pk: "cond", sk: 1, title: "first", tags: new Set(["a"]) };
    await doc.send(new PutCommand({
      TableName: table, Item: item, ConditionExpression: "attribute_not_exists(pk)",
    }));
    const err = await expectError(doc.send(new PutCommand({
      TableName: table, Item: { ...item, title: "second" },
      ConditionExpression: "attribute_not_exists(pk)",
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    })), "ConditionalCheckFailedException", 400, CONDITION_FAILED);
    // the error carries the stored item in wire form
    assert.deepEqual(err.Item, {
      pk: { S: "cond" }, sk: { N: "1" }, title: { S: "first" }, tags: { SS: ["a"] },
    });
    const { Item } = await doc.send(new GetCommand({
      TableName: table, Key: { pk: "cond", sk: 1 }, ConsistentRead: true,
    }));
    assert.deepEqual(Item, item);
  });

  test("update with native numbers, sets and ReturnValues", async () => {
    const Key = { pk: "upd", sk: 1 };
    await doc.send(new PutCommand({
      TableName: table, Item: { ...Key, count: 5, tags: new Set(["x"]), stale: true },
    }));
    const { Attributes } = await doc.send(new UpdateCommand({
      TableName: table, Key,
      UpdateExpression: "SET #c = #c + :n, price = :p, nums = :nums ADD tags :t REMOVE stale",
      ExpressionAttributeNames: { "#c": "count" },
      ExpressionAttributeValues: { ":n": 2, ":p": 9.75, ":t": new Set(["y", "z"]),
        ":nums": new Set([1, 2, 3]) },
      ReturnValues: "ALL_NEW",
    }));
    assert.deepEqual(Attributes, {
      ...Key, count: 7, price: 9.75, tags: new Set(["x", "y", "z"]), nums: new Set([1, 2, 3]),
    });
    const old = await doc.send(new UpdateCommand({
      TableName: table, Key, UpdateExpression: "DELETE tags :t SET price = price - :d",
      ExpressionAttributeValues: { ":t": new Set(["x"]), ":d": 0.25 },
      ReturnValues: "UPDATED_OLD",
    }));
    assert.equal(old.Attributes.price, 9.75);
    assert.deepEqual(old.Attributes.tags, new Set(["x", "y", "z"]));
    const { Item } = await doc.send(new GetCommand({
      TableName: table, Key, ConsistentRead: true,
    }));
    assert.equal(Item.price, 9.5);
    assert.deepEqual(Item.tags, new Set(["y", "z"]));
  });

  test("exact decimals through NumberValue", async () => {
    const Key = { pk: "exact", sk: 1 };
    const digits38 = "12345678901234567890123456789012345678";
    await exact.send(new PutCommand({
      TableName: table,
      Item: { ...Key, n: NumberValue.from("0.1"), big: NumberValue.from(digits38) },
    }));
    const { Attributes } = await exact.send(new UpdateCommand({
      TableName: table, Key, UpdateExpression: "ADD n :d SET big = big + :one",
      ExpressionAttributeValues: { ":d": NumberValue.from("0.2"), ":one": 1 },
      ReturnValues: "UPDATED_NEW",
    }));
    assert.equal(Attributes.n.toString(), "0.3");
    assert.equal(Attributes.big.toString(), "12345678901234567890123456789012345679");
  });

  test("paginateQuery walks every page in order, backwards too", async () => {
    const items = Array.from({ length: 12 }, (_, i) => ({ pk: "q", sk: i, kind: "k", v: `v${i}` }));
    for (let start = 0; start < items.length; start += 25) {
      const out = await doc.send(new BatchWriteCommand({ RequestItems: {
        [table]: items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })),
      } }));
      assert.deepEqual(out.UnprocessedItems, {});
    }
    // a fresh input each time: the paginators write ExclusiveStartKey into the one they get
    const input = () => ({
      TableName: table, KeyConditionExpression: "pk = :p AND sk BETWEEN :lo AND :hi",
      ExpressionAttributeValues: { ":p": "q", ":lo": 2, ":hi": 9 },
    });
    const pages = await collect(paginateQuery({ client: doc, pageSize: 3 }, input()));
    assert.deepEqual(pages.flatMap((p) => p.Items), items.slice(2, 10));
    assert.ok(pages.length >= 3, `${pages.length} pages`);
    for (const page of pages) assert.ok(page.Items.length <= 3);
    assert.deepEqual(pages[0].LastEvaluatedKey, { pk: "q", sk: 4 });
    const backwards = await collect(paginateQuery({ client: doc, pageSize: 5 },
      { ...input(), ScanIndexForward: false }));
    assert.deepEqual(backwards.flatMap((p) => p.Items.map((i) => i.sk)), [9, 8, 7, 6, 5, 4, 3, 2]);
    const counted = await doc.send(new QueryCommand({ ...input(), Select: "COUNT" }));
    assert.equal(counted.Count, 8);
    assert.equal(counted.Items, undefined);
  });

  test("paginateScan with a filter counts what it read", async () => {
    const pages = await collect(paginateScan({ client: doc, pageSize: 4 }, {
      TableName: table, FilterExpression: "kind = :k AND sk >= :ten",
      ExpressionAttributeValues: { ":k": "k", ":ten": 10 },
    }));
    assert.deepEqual(pages.flatMap((p) => p.Items.map((i) => i.sk)).sort((a, b) => a - b),
      [10, 11]);
    const scanned = pages.reduce((n, p) => n + p.ScannedCount, 0);
    const total = (await doc.send(new QueryCommand({
      TableName: table, IndexName: "by_kind", KeyConditionExpression: "kind = :k",
      ExpressionAttributeValues: { ":k": "k" }, Select: "COUNT",
    }))).Count;
    assert.equal(total, 12);
    assert.ok(scanned >= 12, `scanned ${scanned}`);
    for (const page of pages) assert.ok(page.ScannedCount <= 4);
  });

  test("query on a global secondary index", async () => {
    const out = await doc.send(new QueryCommand({
      TableName: table, IndexName: "by_kind",
      KeyConditionExpression: "kind = :k AND sk > :s",
      ExpressionAttributeValues: { ":k": "k", ":s": 9 },
      Limit: 1,
    }));
    assert.deepEqual(out.Items, [{ pk: "q", sk: 10, kind: "k", v: "v10" }]);
    assert.deepEqual(out.LastEvaluatedKey, { pk: "q", sk: 10, kind: "k" });
    await expectError(doc.send(new QueryCommand({
      TableName: table, IndexName: "by_kind", ConsistentRead: true,
      KeyConditionExpression: "kind = :k", ExpressionAttributeValues: { ":k": "k" },
    })), "ValidationException", 400,
    "Consistent reads are not supported on global secondary indexes");
  });

  test("BatchGet returns what exists, with a projection", async () => {
    const out = await doc.send(new BatchGetCommand({ RequestItems: { [table]: {
      Keys: [{ pk: "q", sk: 0 }, { pk: "q", sk: 5 }, { pk: "q", sk: 99 }],
      ProjectionExpression: "sk, v",
    } } }));
    assert.deepEqual(out.UnprocessedKeys, {});
    assert.deepEqual(out.Responses[table].sort((a, b) => a.sk - b.sk),
      [{ sk: 0, v: "v0" }, { sk: 5, v: "v5" }]);
  });

  test("a reserved word used bare is a ValidationException", async () => {
    await expectError(doc.send(new UpdateCommand({
      TableName: table, Key: { pk: "bad", sk: 1 }, UpdateExpression: "SET status = :v",
      ExpressionAttributeValues: { ":v": "on" },
    })), "ValidationException", 400,
    "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status");
  });
});
