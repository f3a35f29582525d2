// awsemu's DynamoDB Streams through the AWS SDK for JavaScript v3 (client-dynamodb-streams),
// run with `node --test`: records of each kind, iterator types, errors, and a closed shard's
// missing NextShardIterator after the test clock rolled it over. The file starts its own
// server (`$AWSEMU_BIN --port 0 --ephemeral`) and ends asserting GET /_awsemu/check and a
// clean exit, through server.mjs as dynamodb.test.mjs does.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
} from "@aws-sdk/client-dynamodb-streams";
import { clientConfig, expectError, startServer, uniqueName } from "./server.mjs";

describe("DynamoDB Streams through the AWS SDK for JavaScript v3", () => {
  let server, ddb, streams, table, arn;
  const config = () =>
    clientConfig(server.url, { accessKeyId: "test", secretAccessKey: "test" });
  const advance = async (seconds) => {
    const resp = await fetch(`${server.url}/_awsemu/clock`, {
      method: "POST", body: JSON.stringify({ advance_seconds: seconds }),
    });
    assert.equal(resp.status, 200);
  };
  const shards = async () =>
    (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription.Shards;
  const iterator = async (ShardId, ShardIteratorType, SequenceNumber) =>
    (await streams.send(new GetShardIteratorCommand({
      StreamArn: arn, ShardId, ShardIteratorType, SequenceNumber,
    }))).ShardIterator;

  before(async () => {
    server = await startServer();
    ddb = new DynamoDBClient(config());
    streams = new DynamoDBStreamsClient(config());
    table = uniqueName("js-streams");
    const out = await ddb.send(new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
      StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
    }));
    arn = out.TableDescription.LatestStreamArn;
  });

  after(async () => {
    ddb?.destroy();
    streams?.destroy();
    await server?.finish();
  });

  test("ListStreams and DescribeStream", async () => {
    const listed = await streams.send(new ListStreamsCommand({ TableName: table }));
    assert.deepEqual(listed.Streams.map((s) => s.StreamArn), [arn]);
    const desc = (await streams.send(new DescribeStreamCommand({ StreamArn: arn })))
      .StreamDescription;
    assert.equal(desc.StreamStatus, "ENABLED");
    assert.ok(desc.CreationRequestDateTime instanceof Date);
    assert.equal(desc.Shards.length, 1);
  });

  test("INSERT, MODIFY and REMOVE records with images, in order", async () => {
    const key = { pk: { S: "a" } };
    await ddb.send(new PutItemCommand({ TableName: table, Item: { ...key, n: { N: "1" } } }));
    await ddb.send(new PutItemCommand({ TableName: table, Item: { ...key, n: { N: "1" } } }));
    await ddb.send(new PutItemCommand({ TableName: table, Item: { ...key, n: { N: "2" } } }));
    await ddb.send(new DeleteItemCommand({ TableName: table, Key: key }));
    const [shard] = await shards();
    const it = await iterator(shard.ShardId, "TRIM_HORIZON");
    const { Records, NextShardIterator } = await streams.send(
      new GetRecordsCommand({ ShardIterator: it }));
    assert.deepEqual(Records.map((r) => r.eventName), ["INSERT", "MODIFY", "REMOVE"]);
    assert.ok(NextShardIterator, "an open shard always has a next iterator");
    assert.deepEqual(Records[1].dynamodb.OldImage, { ...key, n: { N: "1" } });
    assert.deepEqual(Records[1].dynamodb.NewImage, { ...key, n: { N: "2" } });
    assert.ok(Records[0].dynamodb.ApproximateCreationDateTime instanceof Date);
    const seqs = Records.map((r) => BigInt(r.dynamodb.SequenceNumber));
    assert.ok(seqs[0] < seqs[1] && seqs[1] < seqs[2]);
    const after = await iterator(shard.ShardId, "AFTER_SEQUENCE_NUMBER",
      Records[0].dynamodb.SequenceNumber);
    const rest = await streams.send(new GetRecordsCommand({ ShardIterator: after }));
    assert.deepEqual(rest.Records.map((r) => r.eventName), ["MODIFY", "REMOVE"]);
  });

  test("errors carry their names and statuses", async () => {
    await expectError(streams.send(new DescribeStreamCommand({ StreamArn: `${arn}x` })),
      "ResourceNotFoundException", 400);
    await expectError(streams.send(new GetRecordsCommand({ ShardIterator: "bogus" })),
      "ValidationException", 400);
    const [shard] = await shards();
    const it = await iterator(shard.ShardId, "LATEST");
    await advance(16 * 60);
    await expectError(streams.send(new GetRecordsCommand({ ShardIterator: it })),
      "ExpiredIteratorException", 400, "The provided iterator exceeds the maximum age allowed.");
  });

  test("a rolled-over shard is closed; drained, it has no NextShardIterator", async () => {
    await advance(4 * 3600 + 1);
    await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "b" } } }));
    const [parent, child] = await shards();
    assert.equal(child.ParentShardId, parent.ShardId);
    assert.ok(parent.SequenceNumberRange.EndingSequenceNumber);
    let it = await iterator(parent.ShardId, "TRIM_HORIZON");
    let out = await streams.send(new GetRecordsCommand({ ShardIterator: it, Limit: 1000 }));
    assert.equal(out.NextShardIterator, undefined);
    it = await iterator(child.ShardId, "TRIM_HORIZON");
    out = await streams.send(new GetRecordsCommand({ ShardIterator: it }));
    assert.deepEqual(out.Records.map((r) => r.dynamodb.Keys.pk.S), ["b"]);
  });

  test("a rewrite with its sets in another order writes no record", async () => {
    const item = { pk: { S: "sets" }, ss: { SS: ["a", "b"] }, ns: { NS: ["1", "10"] } };
    await ddb.send(new PutItemCommand({ TableName: table, Item: item }));
    await ddb.send(new PutItemCommand({
      TableName: table, Item: { pk: { S: "sets" }, ns: { NS: ["1E1", "1"] }, ss: { SS: ["b", "a"] } },
    }));
    const all = await shards();
    const it = await iterator(all[all.length - 1].ShardId, "TRIM_HORIZON");
    const { Records } = await streams.send(new GetRecordsCommand({ ShardIterator: it }));
    assert.deepEqual(Records.filter((r) => r.dynamodb.Keys.pk.S === "sets")
      .map((r) => r.eventName), ["INSERT"]);
  });

  test("an idle shard rolls over on time", async () => {
    const before = await shards();
    await advance(4 * 3600);
    const now = await shards();
    assert.equal(now.length, before.length + 1);
    const [parent, child] = now.slice(-2);
    assert.equal(child.ParentShardId, parent.ShardId);
    assert.ok(parent.SequenceNumberRange.EndingSequenceNumber);
    assert.equal(child.SequenceNumberRange.EndingSequenceNumber, undefined);
  });

  test("retention: after 24 hours records are gone and old positions are trimmed", async () => {
    const [first] = await shards();
    const it = await iterator(first.ShardId, "TRIM_HORIZON");
    const { Records } = await streams.send(new GetRecordsCommand({ ShardIterator: it }));
    const oldSeq = Records[0].dynamodb.SequenceNumber;
    await advance(24 * 3600 + 1);
    await expectError(iterator(first.ShardId, "AT_SEQUENCE_NUMBER", oldSeq),
      "TrimmedDataAccessException", 400, "The data you are trying to access has been trimmed.");
  });

  test("disable, then enable: a new stream ARN; the old stream stays readable", async () => {
    await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "late" } } }));
    await ddb.send(new UpdateTableCommand({
      TableName: table, StreamSpecification: { StreamEnabled: false },
    }));
    const old = (await streams.send(new DescribeStreamCommand({ StreamArn: arn })))
      .StreamDescription;
    assert.equal(old.StreamStatus, "DISABLED");
    const last = old.Shards[old.Shards.length - 1];
    const it = await iterator(last.ShardId, "TRIM_HORIZON");
    const out = await streams.send(new GetRecordsCommand({ ShardIterator: it }));
    assert.deepEqual(out.Records.map((r) => r.dynamodb.Keys.pk.S), ["late"]);
    assert.equal(out.NextShardIterator, undefined);
    const desc = (await ddb.send(new UpdateTableCommand({
      TableName: table, StreamSpecification: { StreamEnabled: true, StreamViewType: "KEYS_ONLY" },
    }))).TableDescription;
    assert.notEqual(desc.LatestStreamArn, arn);
    const listed = await streams.send(new ListStreamsCommand({ TableName: table }));
    assert.deepEqual(listed.Streams.map((s) => s.StreamArn), [arn, desc.LatestStreamArn]);
  });
});
