// Invoke through the AWS SDK for JavaScript v3 (client-lambda), run with `node --test` (wire
// reference §5): a RequestResponse echo of the python_echo fixture (Payload as a Uint8Array,
// ExecutedVersion, LogResult with LogType Tail), a handler exception (FunctionError and the
// error object), an unknown function, invalid JSON, and an Event invocation whose run is
// observed through /_awsemu/lambda/instances. Starts its own server through server.mjs.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import { CreateFunctionCommand, InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { clientConfig, expectError, startServer, uniqueName } from "./server.mjs";

const ROLE = "arn:aws:iam::000000000000:role/lambda-role";
const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)),
  "../../../fixtures/lambda");
const DEADLINE_MS = 15000;

// A one-file zip, entry stored uncompressed (method 0), as lambda.test.mjs builds it.
function zipOf(name, data) {
  const fileName = Buffer.from(name);
  const crc = zlib.crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(0x031e, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
  const centralStart = local.length + fileName.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(centralStart, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}

const fixtureZip = (fixture, file) =>
  zipOf(file, fs.readFileSync(path.join(FIXTURES, fixture, file)));

async function pollUntil(predicate, what) {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${DEADLINE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("Invoke through the AWS SDK for JavaScript v3", () => {
  let server, lambda;
  const encode = (value) => new TextEncoder().encode(JSON.stringify(value));
  const decode = (bytes) => JSON.parse(new TextDecoder().decode(bytes));
  const create = async (name, fixture, file, handler) => {
    const out = await lambda.send(new CreateFunctionCommand({
      FunctionName: name, Runtime: "python3.12", Role: ROLE, Handler: handler,
      Code: { ZipFile: fixtureZip(fixture, file) },
    }));
    assert.equal(out.State, "Active");
  };
  const instances = async (name) => {
    const resp = await fetch(`${server.url}/_awsemu/lambda/instances`);
    assert.equal(resp.status, 200);
    return (await resp.json()).instances.filter((i) => i.function === name);
  };

  before(async () => {
    server = await startServer();
    lambda = new LambdaClient(clientConfig(server.url));
  });

  after(async () => {
    lambda?.destroy();
    await server?.finish();
  });

  test("RequestResponse echo with LogType Tail", async () => {
    const name = uniqueName("js-echo");
    await create(name, "python_echo", "handler.py", "handler.handler");
    const event = { hello: "world", n: [1, 2.5, null], nested: { ok: true } };
    const out = await lambda.send(new InvokeCommand({
      FunctionName: name, Payload: encode(event), LogType: "Tail",
    }));
    assert.equal(out.StatusCode, 200);
    assert.equal(out.FunctionError, undefined);
    assert.equal(out.ExecutedVersion, "$LATEST");
    assert.ok(out.Payload instanceof Uint8Array, "Payload is a Uint8Array");
    assert.deepEqual(decode(out.Payload), event);
    const log = Buffer.from(out.LogResult, "base64").toString("utf8");
    const lines = log.trimEnd().split("\n");
    assert.equal(lines[0], `START RequestId: ${out.$metadata.requestId} Version: $LATEST`);
    assert.ok(lines.includes(`END RequestId: ${out.$metadata.requestId}`), log);
    assert.match(lines.at(-1), /^REPORT RequestId: \S+\tDuration: \d+\.\d\d ms\t/);

    const plain = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: encode(1) }));
    assert.equal(plain.LogResult, undefined);
    assert.deepEqual(decode(plain.Payload), 1);
  });

  test("a handler exception is a FunctionError, not a rejection", async () => {
    const name = uniqueName("js-fail");
    await create(name, "python_ops", "app.py", "app.fail");
    const out = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: encode({}) }));
    assert.equal(out.StatusCode, 200);
    assert.equal(out.FunctionError, "Unhandled");
    const error = decode(out.Payload);
    assert.equal(error.errorType, "Exception");
    assert.equal(error.errorMessage, "Handler fails");
    assert.ok(Array.isArray(error.stackTrace) && error.stackTrace.length > 0, error);
  });

  test("request errors map to the SDK's exception classes", async () => {
    const missing = uniqueName("js-missing");
    await expectError(
      lambda.send(new InvokeCommand({ FunctionName: missing, Payload: encode({}) })),
      "ResourceNotFoundException", 404,
      `Function not found: arn:aws:lambda:us-east-1:000000000000:function:${missing}`);
    const name = uniqueName("js-badjson");
    await create(name, "python_echo", "handler.py", "handler.handler");
    await expectError(lambda.send(new InvokeCommand({
      FunctionName: name, Payload: new TextEncoder().encode("{not json"),
    })), "InvalidRequestContentException", 400);
  });

  test("Event is 202 and runs the handler afterwards", async () => {
    const name = uniqueName("js-event");
    await create(name, "python_echo", "handler.py", "handler.handler");
    const out = await lambda.send(new InvokeCommand({
      FunctionName: name, InvocationType: "Event", Payload: encode({ async: true }),
    }));
    assert.equal(out.StatusCode, 202);
    assert.equal(out.FunctionError, undefined);
    assert.equal(out.Payload?.length ?? 0, 0);
    const ran = await pollUntil(async () => {
      const found = await instances(name);
      return found.length === 1 && found[0].invocations === 1 ? found : null;
    }, `an instance of ${name} that ran the event`);
    assert.equal(ran[0].invocations, 1);
    await pollUntil(async () => {
      const resp = await fetch(`${server.url}/_awsemu/lambda/async`);
      return (await resp.json()).queued.length === 0;
    }, "the async queue emptied");

    const dry = await lambda.send(new InvokeCommand({
      FunctionName: name, InvocationType: "DryRun",
    }));
    assert.equal(dry.StatusCode, 204);
  });
});
