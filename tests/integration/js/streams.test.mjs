// awsemu's DynamoDB Streams through the AWS SDK for JavaScript v3 (client-dynamodb-streams),
// run with `node --test`: records of each kind, iterator types, errors, and a closed shard's
// missing NextShardIterator after the test clock rolled it over. The file starts its own
// server (`$AWSEMU_BIN --port 0 --ephemeral`) and ends asserting GET /_awsemu/check and a
// clean exit, as dynamodb.test.mjs does.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
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

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const BIN = path.resolve(REPO_ROOT, process.env.AWSEMU_BIN || "build/awsemu");
const READY_TIMEOUT_MS = 20000;
const STOP_TIMEOUT_MS = 20000;
const SANITIZER_MARKERS = ["ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"];

function withDeadline(promise, ms, what) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function startServer() {
  const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "awsemu-js-"));
  const cwd = path.join(workdir, "cwd");
  const tmp = path.join(workdir, "tmp");
  fs.mkdirSync(cwd);
  fs.mkdirSync(tmp);
  const stderrPath = path.join(workdir, "stderr.log");
  const stderrFd = fs.openSync(stderrPath, "w");
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("AWSEMU_")));
  env.ASAN_OPTIONS ??= "detect_leaks=1:halt_on_error=1:abort_on_error=0";
  env.UBSAN_OPTIONS ??= "halt_on_error=1:print_stacktrace=1";
  env.TMPDIR = tmp;
  assert.ok(fs.existsSync(BIN), `server binary ${BIN} does not exist`);
  const child = spawn(BIN, ["--port", "0", "--ephemeral"], {
    cwd, env, stdio: ["ignore", "pipe", stderrFd],
  });
  fs.closeSync(stderrFd);
  const exited = new Promise((resolve) => {
    child.on("exit", (code, signal) => resolve({ code, signal }));
  });
  let stdout = "";
  const ready = new Promise((resolve, reject) => {
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      const before = stdout;
      stdout += chunk;
      if (!before.includes("\n") && stdout.includes("\n")) {
        const line = stdout.slice(0, stdout.indexOf("\n"));
        const url = line.match(/http:\/\/[^\s/]+:\d+/);
        if (line.includes("ready") && url) resolve(url[0]);
        else reject(new Error(`unexpected ready line ${JSON.stringify(line)}`));
      }
    });
    exited.then(({ code, signal }) =>
      reject(new Error(`exited (${code ?? signal}) before its ready line`)));
  });
  const stderr = () => fs.readFileSync(stderrPath, "utf8");
  let url;
  try {
    url = await withDeadline(ready, READY_TIMEOUT_MS, "ready line");
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`${err.message}\nstderr:\n${stderr().slice(-4000)}`);
  }
  return {
    url,
    async finish() {
      const check = await fetch(`${url}/_awsemu/check`);
      const checkBody = await check.text();
      child.kill("SIGTERM");
      const { code, signal } = await withDeadline(exited, STOP_TIMEOUT_MS, "SIGTERM");
      const log = stderr();
      for (const marker of SANITIZER_MARKERS) {
        assert.ok(!log.includes(marker), `sanitizer report on stderr:\n${log.slice(-6000)}`);
      }
      assert.equal(check.status, 200, `/_awsemu/check: ${checkBody}`);
      assert.equal(JSON.parse(checkBody).ok, true, `/_awsemu/check: ${checkBody}`);
      assert.equal(signal, null, `killed by ${signal}`);
      assert.equal(code, 0, `exit status ${code}\nstderr:\n${log.slice(-4000)}`);
      assert.equal(stdout.slice(stdout.indexOf("\n") + 1), "", "stdout after the ready line");
      const left = [...fs.readdirSync(cwd), ...fs.readdirSync(tmp)];
      assert.deepEqual(left, [], "ephemeral server left files behind");
      fs.rmSync(workdir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
const uniqueName = (prefix) => `${prefix}-${process.pid}-${Date.now()}-${counter++}`;

async function expectError(promise, name, status, message) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.name, name, `${err.name}: ${err.message}`);
    assert.equal(err.$metadata?.httpStatusCode, status);
    assert.ok(err.$metadata?.requestId, "no request id");
    if (message !== undefined) assert.equal(err.message, message);
    return true;
  });
}

describe("DynamoDB Streams through the AWS SDK for JavaScript v3", () => {
  let server, ddb, streams, table, arn;
  const config = () => ({
    endpoint: server.url, region: "us-east-1", maxAttempts: 1,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
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
