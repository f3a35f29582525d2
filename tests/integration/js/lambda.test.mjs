// awsemu's Lambda control plane through the AWS SDK for JavaScript v3 (client-lambda), run
// with `node --test`: create, get, the function-active-v2 and function-updated-v2 waiters,
// updates, list, permissions, concurrency, tags and delete, plus the errors the SDK must map
// to its exception classes (name and HTTP status). The zip is built here with a stored
// (uncompressed) entry, so no zip library is needed. Starts its own server through server.mjs.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import zlib from "node:zlib";
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetPolicyCommand,
  LambdaClient,
  ListFunctionsCommand,
  ListTagsCommand,
  PutFunctionConcurrencyCommand,
  TagResourceCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from "@aws-sdk/client-lambda";
import { clientConfig, expectError, startServer, uniqueName } from "./server.mjs";

const ROLE = "arn:aws:iam::000000000000:role/lambda-role";

// A one-file zip, entry stored uncompressed (method 0).
function zipOf(name, text) {
  const data = Buffer.from(text);
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
  central.writeUInt16LE(0x031e, 4); // made by unix
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

const sha256 = (buf) => crypto.createHash("sha256").update(buf).digest("base64");

describe("Lambda control plane through the AWS SDK for JavaScript v3", () => {
  let server, lambda;
  const zip = zipOf("index.mjs", "export const handler = async (e) => e;\n");
  const create = (name, extra = {}) => lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler",
    Code: { ZipFile: zip }, ...extra,
  }));

  before(async () => {
    server = await startServer();
    lambda = new LambdaClient(clientConfig(server.url));
  });

  after(async () => {
    lambda?.destroy();
    await server?.finish();
  });

  test("create, wait, get, update, list, delete", async () => {
    const name = uniqueName("js-fn");
    const created = await create(name, { Environment: { Variables: { A: "1" } } });
    assert.equal(created.$metadata.httpStatusCode, 201);
    assert.equal(created.CodeSha256, sha256(zip));
    assert.equal(created.CodeSize, zip.length);
    assert.equal(created.State, "Active");
    const waiter = { client: lambda, maxWaitTime: 5, minDelay: 1, maxDelay: 1 };
    assert.equal((await waitUntilFunctionActiveV2(waiter, { FunctionName: name })).state,
      "SUCCESS");

    const got = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
    assert.equal(got.Configuration.FunctionArn,
      `arn:aws:lambda:us-east-1:000000000000:function:${name}`);
    assert.deepEqual(got.Configuration.Environment, { Variables: { A: "1" } });

    const updated = await lambda.send(new UpdateFunctionConfigurationCommand({
      FunctionName: name, Timeout: 42, RevisionId: created.RevisionId,
    }));
    assert.equal(updated.Timeout, 42);
    assert.notEqual(updated.RevisionId, created.RevisionId);
    const newZip = zipOf("index.mjs", "export const handler = async () => 2;\n");
    const code = await lambda.send(new UpdateFunctionCodeCommand({
      FunctionName: name, ZipFile: newZip,
    }));
    assert.equal(code.CodeSha256, sha256(newZip));
    assert.equal((await waitUntilFunctionUpdatedV2(waiter, { FunctionName: name })).state,
      "SUCCESS");
    await expectError(lambda.send(new UpdateFunctionConfigurationCommand({
      FunctionName: name, Timeout: 5, RevisionId: created.RevisionId,
    })), "PreconditionFailedException", 412);

    const listed = await lambda.send(new ListFunctionsCommand({}));
    assert.ok(listed.Functions.some((f) => f.FunctionName === name));

    const deleted = await lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
    assert.equal(deleted.$metadata.httpStatusCode, 204);
    await expectError(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name })),
      "ResourceNotFoundException", 404,
      `Function not found: arn:aws:lambda:us-east-1:000000000000:function:${name}`);
  });

  test("permissions, concurrency and tags", async () => {
    const name = uniqueName("js-extra");
    const { FunctionArn } = await create(name, { Tags: { a: "1" } });
    const added = await lambda.send(new AddPermissionCommand({
      FunctionName: name, StatementId: "sns", Action: "lambda:InvokeFunction",
      Principal: "sns.amazonaws.com",
    }));
    assert.equal(JSON.parse(added.Statement).Principal.Service, "sns.amazonaws.com");
    const policy = await lambda.send(new GetPolicyCommand({ FunctionName: name }));
    assert.equal(JSON.parse(policy.Policy).Statement.length, 1);
    const conc = await lambda.send(new PutFunctionConcurrencyCommand({
      FunctionName: name, ReservedConcurrentExecutions: 3,
    }));
    assert.equal(conc.ReservedConcurrentExecutions, 3);
    await lambda.send(new TagResourceCommand({ Resource: FunctionArn, Tags: { b: "2" } }));
    const tags = await lambda.send(new ListTagsCommand({ Resource: FunctionArn }));
    assert.deepEqual(tags.Tags, { a: "1", b: "2" });
    await lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
  });

  test("errors map to the SDK's exception classes", async () => {
    const name = uniqueName("js-err");
    await create(name);
    await expectError(create(name), "ResourceConflictException", 409,
      `Function already exist: ${name}`);
    await expectError(create(uniqueName("js-old"), { Runtime: "python3.7" }),
      "InvalidParameterValueException", 400);
    await expectError(create(uniqueName("js-bad"), { Code: { ZipFile: Buffer.from("no") } }),
      "InvalidParameterValueException", 400,
      "Could not unzip uploaded file. Please check your file, then try to upload again.");
    await expectError(create(uniqueName("js-enum"), { Runtime: "cobol" }),
      "ValidationException", 400);
    await expectError(lambda.send(new GetPolicyCommand({ FunctionName: name })),
      "ResourceNotFoundException", 404, "No policy is associated with the given resource.");
  });
});
