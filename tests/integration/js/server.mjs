// Shared start-up and teardown for the `node --test` files in this folder (this file does not
// match node's test-file patterns, so it is not run as a test itself). startServer() starts
// `$AWSEMU_BIN --port 0 --ephemeral` (a relative AWSEMU_BIN is taken from the repo root; default
// build/awsemu) in a fresh working and temporary directory, reads the ready line with a deadline,
// and returns { url, finish }: finish() asserts GET /_awsemu/check, a clean SIGTERM exit
// (status 0), no sanitizer report on stderr, nothing more on stdout and no files left behind.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

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

export async function startServer() {
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
export const uniqueName = (prefix) => `${prefix}-${process.pid}-${Date.now()}-${counter++}`;

// Options for an SDK client of the server at `url`: no retries, so an error reaches the test.
const TEST_CREDENTIALS = { accessKeyId: "AKIDTEST", secretAccessKey: "secret" };
export const clientConfig = (url, credentials = TEST_CREDENTIALS) => ({
  endpoint: url,
  region: "us-east-1",
  credentials,
  maxAttempts: 1,
});

// Asserts that `promise` rejects with the service error `name` and HTTP `status`, with a request
// id and, when given, exactly `message`.
export async function expectError(promise, name, status, message) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.name, name, `${err.name}: ${err.message}`);
    assert.equal(err.$metadata?.httpStatusCode, status);
    assert.ok(err.$metadata?.requestId, "no request id");
    if (message !== undefined) assert.equal(err.message, message);
    return true;
  });
}
