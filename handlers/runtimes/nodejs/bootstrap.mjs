// awsemu's Node.js runtime: a Lambda Runtime API client (Node.js 18+, stdlib only).
//
// Launched by awsemu as `node handlers/runtimes/nodejs/bootstrap.mjs`, cwd = the task root, with
// AWS_LAMBDA_RUNTIME_API=host:port, _HANDLER=[dir/]<module>.<property path> and LAMBDA_TASK_ROOT
// set (plus the other Lambda variables, which only the context reads).
//
// Sequence (docs/aws-wire-reference.md §6): load the handler once; on failure POST
// /runtime/init/error and exit 1. Then loop: GET /runtime/invocation/next (long poll, no client
// timeout), run the handler (async, callback or sync style, as Lambda's Node runtime does), POST
// .../response or .../error. One keep-alive socket serves every call; if the Runtime API cannot be
// reached the process exits with status 1 at once. An uncaught exception or unhandled rejection
// during an invocation is reported as that invocation's error, then the process exits (129, as
// Lambda's runtime does); the platform reports the exit.

import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import util from 'node:util';

const API_PREFIX = '/2018-06-01/runtime';
const EXIT_USER_ERROR = 129;

let currentRequestId; // printed as "undefined" outside an invocation, as Lambda does

function fatal(message) {
  process.stderr.write(`[ERROR] awsemu runtime: ${message}\n`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// Runtime API connection

const address = process.env.AWS_LAMBDA_RUNTIME_API || '';
const colon = address.lastIndexOf(':');
const apiHost = address.slice(0, colon).replace(/^\[|\]$/g, '');
const apiPort = Number(address.slice(colon + 1));
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

// One request; resolves to {status, headers, body}. A reused keep-alive socket the server closed
// while idle gets one retry on a new socket; any other failure means the server is gone: exit 1.
function apiCall(method, route, body, headers, retried = false) {
  return new Promise((resolve) => {
    let settled = false;
    const fail = (err) => {
      if (settled) return;
      settled = true;
      if (req.reusedSocket && !retried) resolve(apiCall(method, route, body, headers, true));
      else fatal(`Runtime API call ${method} ${route} failed: ${err.message || err}`);
    };
    const target = API_PREFIX + route;
    const options = { host: apiHost, port: apiPort, method, path: target, agent, headers };
    const req = http.request(options, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('error', fail);
      res.on('aborted', () => fail(new Error('response aborted')));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', fail);
    req.end(body);
  });
}

async function apiPost(route, data, headers) {
  headers['Content-Length'] = Buffer.byteLength(data);
  const res = await apiCall('POST', route, data, headers);
  if (res.status >= 500) fatal(`Runtime API answered ${res.status} to POST ${route}: ${res.body}`);
  if (res.status >= 300) {
    const text = `[WARN] Runtime API answered ${res.status} to POST ${route}: ${res.body}\n`;
    process.stderr.write(text);
  }
}

// ---------------------------------------------------------------------------------------------
// Errors

class Fault extends Error {
  constructor(errorType, message) {
    super(message);
    this.name = errorType;
  }
}

// The error object Lambda's Node runtime posts ("trace", not "stackTrace").
function errorBody(err) {
  if (err instanceof Error || (err && typeof err === 'object' && 'message' in err)) {
    const stack = typeof err.stack === 'string' ? err.stack.split('\n') : [];
    const errorType = String(err.name || 'Error');
    return { errorType, errorMessage: String(err.message), trace: stack };
  }
  if (typeof err === 'string') return { errorType: 'string', errorMessage: err, trace: [] };
  let message;
  try {
    message = JSON.stringify(err);
  } catch {
    message = util.format(err);
  }
  return { errorType: typeof err, errorMessage: String(message), trace: [] };
}

function logError(label, body) {
  const stack = body.trace;
  const shown = { errorType: body.errorType, errorMessage: body.errorMessage, stack };
  const time = new Date().toISOString();
  const line = `${time}\t${currentRequestId}\tERROR\t${label} \t${JSON.stringify(shown)}\n`;
  process.stderr.write(line);
}

function postError(route, body) {
  const type = body.errorType.replace(/[^\x20-\x7e]/g, ' ');
  return apiPost(route, JSON.stringify(body),
    { 'Content-Type': 'application/json', 'Lambda-Runtime-Function-Error-Type': type });
}

// ---------------------------------------------------------------------------------------------
// Handler resolution (reference §6.3)

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

// true when the nearest package.json above `dir` (not crossing node_modules) says "type":"module".
function inModuleScope(dir) {
  for (let d = dir; ; d = path.dirname(d)) {
    if (path.basename(d) === 'node_modules') return false;
    const pkg = path.join(d, 'package.json');
    if (isFile(pkg)) {
      try {
        return JSON.parse(fs.readFileSync(pkg, 'utf8')).type === 'module';
      } catch {
        return false;
      }
    }
    if (path.dirname(d) === d) return false;
  }
}

async function loadModule(taskRoot, dir, name) {
  const require = createRequire(path.join(taskRoot, 'index.js'));
  const base = path.join(dir, name);
  const importFile = (file) => import(pathToFileURL(file).href);
  if (isFile(base)) return require(base);
  if (isFile(`${base}.js`)) {
    return inModuleScope(dir) ? importFile(`${base}.js`) : require(`${base}.js`);
  }
  if (isFile(`${base}.mjs`)) return importFile(`${base}.mjs`);
  if (isFile(`${base}.cjs`)) return require(`${base}.cjs`);
  let resolved;
  try {
    resolved = require.resolve(name);
  } catch {
    throw new Fault('Runtime.ImportModuleError', `Error: Cannot find module '${name}'`);
  }
  return require(resolved);
}

async function loadHandler(taskRoot, spec) {
  if (spec.includes('..')) {
    throw new Fault('Runtime.MalformedHandlerName', `'${spec}' is not a valid handler name. ` +
      'Use absolute paths when specifying root directories in handler names.');
  }
  const slash = spec.lastIndexOf('/');
  const dir = path.resolve(taskRoot, spec.slice(0, slash + 1));
  const base = spec.slice(slash + 1);
  const dot = base.indexOf('.');
  if (dot <= 0 || dot === base.length - 1) {
    throw new Fault('Runtime.MalformedHandlerName', 'Bad handler');
  }
  let mod;
  try {
    mod = await loadModule(taskRoot, dir, base.slice(0, dot));
  } catch (e) {
    if (e instanceof Fault) throw e;
    if (e instanceof SyntaxError) throw new Fault('Runtime.UserCodeSyntaxError', String(e));
    if (e && (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND')) {
      throw new Fault('Runtime.ImportModuleError', String(e));
    }
    throw e;
  }
  let fn = mod;
  for (const key of base.slice(dot + 1).split('.')) fn = fn == null ? undefined : fn[key];
  if (fn == null) {
    throw new Fault('Runtime.HandlerNotFound', `${spec} is undefined or not exported`);
  }
  if (typeof fn !== 'function') {
    throw new Fault('Runtime.HandlerNotFound', `${spec} is not a function`);
  }
  return fn;
}

// ---------------------------------------------------------------------------------------------
// Console: lines as Lambda's Node runtime writes them

function patchConsole() {
  const writer = (level) => (...args) => {
    const time = new Date().toISOString();
    process.stdout.write(`${time}\t${currentRequestId}\t${level}\t${util.format(...args)}\n`);
  };
  console.log = writer('INFO');
  console.info = writer('INFO');
  console.warn = writer('WARN');
  console.error = writer('ERROR');
  console.debug = writer('DEBUG');
  console.trace = writer('TRACE');
  console.fatal = writer('FATAL');
}

// ---------------------------------------------------------------------------------------------
// Invocations

const env = process.env;

function parseJsonHeader(value) {
  if (!value) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function makeContext(headers, requestId) {
  const deadline = Number(headers['lambda-runtime-deadline-ms']) || 0;
  const ctx = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: requestId,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: parseJsonHeader(headers['lambda-runtime-client-context']),
    identity: parseJsonHeader(headers['lambda-runtime-cognito-identity']),
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
  };
  const tenant = headers['lambda-runtime-aws-tenant-id'];
  if (tenant) ctx.tenantId = tenant;
  return ctx;
}

// The invocation in progress: what to do when the event loop empties or user code crashes.
let pending = null;

process.on('beforeExit', () => {
  if (pending) pending.loopEmpty();
});

function crashed(errorType, err) {
  const body = errorBody(err);
  if (errorType) {
    body.errorType = errorType;
    body.errorMessage = err instanceof Error ? `${err.name}: ${err.message}` : body.errorMessage;
  }
  if (pending) {
    pending.crash(body);
  } else {
    logError('Uncaught Exception', body);
    process.exit(EXIT_USER_ERROR);
  }
}
process.on('uncaughtException', (err) => crashed(null, err));
process.on('unhandledRejection', (reason) => crashed('Runtime.UnhandledPromiseRejection', reason));

// Runs the handler; resolves to {result} | {error} | {crash: errorBody}. The first outcome wins:
// a returned promise settling, the callback (which waits for an empty event loop while
// context.callbackWaitsForEmptyEventLoop is true), or the event loop emptying (result null).
function runHandler(handler, event, ctx) {
  return new Promise((resolve) => {
    let done = false;
    let held = null; // a callback's outcome, held until the event loop is empty
    const finish = (outcome) => {
      if (done) return;
      done = true;
      pending = null;
      resolve(outcome);
    };
    const callback = (err, result) => {
      if (done || held) return;
      const outcome = err != null ? { error: err } : { result };
      if (ctx.callbackWaitsForEmptyEventLoop) held = outcome;
      else finish(outcome);
    };
    ctx.done = callback;
    ctx.succeed = (result) => callback(null, result);
    ctx.fail = (err) => callback(err ?? 'handled');
    pending = {
      loopEmpty: () => finish(held || { result: null }),
      crash: (body) => finish({ crash: body }),
    };
    let ret;
    try {
      ret = handler(event, ctx, callback);
    } catch (e) {
      finish({ error: e });
      return;
    }
    if (ret && typeof ret.then === 'function') {
      ret.then((result) => finish(held || { result }), (error) => finish({ error }));
    }
  });
}

async function invokeOnce(handler) {
  const res = await apiCall('GET', '/invocation/next', undefined, {});
  if (res.status !== 200) {
    fatal(`Runtime API answered ${res.status} to GET /invocation/next: ${res.body}`);
  }
  const h = res.headers;
  const requestId = h['lambda-runtime-aws-request-id'];
  if (!requestId) fatal('Runtime API sent an invocation without Lambda-Runtime-Aws-Request-Id');
  currentRequestId = requestId;
  if (h['lambda-runtime-trace-id']) env._X_AMZN_TRACE_ID = h['lambda-runtime-trace-id'];
  else delete env._X_AMZN_TRACE_ID;
  const route = `/invocation/${requestId}`;

  let outcome;
  try {
    outcome = { event: JSON.parse(res.body.toString('utf8')) };
  } catch (e) {
    outcome = { error: new Fault('Runtime.UnmarshalError', `Unable to parse event: ${e.message}`) };
  }
  if (!outcome.error) outcome = await runHandler(handler, outcome.event, makeContext(h, requestId));

  let data;
  if (!outcome.error && !outcome.crash) {
    try {
      data = JSON.stringify(outcome.result === undefined ? null : outcome.result);
      if (data === undefined) data = 'null';
    } catch (e) {
      const message = `Unable to stringify response body as json: ${e.message}`;
      outcome = { error: new Fault('Runtime.MarshalError', message) };
    }
  }
  if (outcome.crash) {
    logError('Uncaught Exception', outcome.crash);
    await postError(`${route}/error`, outcome.crash);
    process.exit(EXIT_USER_ERROR);
  } else if (outcome.error !== undefined) {
    const body = errorBody(outcome.error);
    logError('Invoke Error', body);
    await postError(`${route}/error`, body);
  } else {
    await apiPost(`${route}/response`, data, { 'Content-Type': 'application/json' });
  }
  currentRequestId = undefined;
}

async function main() {
  if (colon <= 0 || !(apiPort > 0)) fatal(`AWS_LAMBDA_RUNTIME_API is not host:port: '${address}'`);
  patchConsole();
  const taskRoot = env.LAMBDA_TASK_ROOT || process.cwd();
  let handler;
  try {
    handler = await loadHandler(taskRoot, env._HANDLER || '');
  } catch (e) {
    const body = errorBody(e);
    logError('Uncaught Exception', body);
    await postError('/init/error', body);
    process.exit(1);
  }
  for (;;) await invokeOnce(handler);
}

main();
