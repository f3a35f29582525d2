#!/usr/bin/env node
// Response checks for run.sh (wrk itself only counts non-2xx replies).
// Each prints one JSON line {"ok":true|false,...}; exits 1 when not ok.
//   node check.js query URL TABLE PK N SAMPLES
//       SAMPLES Queries in each mode of query.lua (BETWEEN, and Limit 100 with
//       ExclusiveStartKey) at random offsets in partition PK (sort keys
//       s000000 .. s(N-1)): each must return exactly 100 items, pk = PK, sort keys
//       consecutive from the offset; the BETWEEN one must carry no
//       LastEvaluatedKey.
//   node check.js increment URL TABLE KEY
//       One UpdateItem as update.lua sends it on KEY: counter must go up by
//       exactly 1 (GetItem before and after) and `updated` must be the new value.
//   node check.js counters URL TABLE
//       Scans TABLE (paginated) and prints {"items":...,"sum":...} of `counter`.
'use strict';
const http = require('http');

const [cmd, url, table, ...rest] = process.argv.slice(2);
const { hostname, port } = new URL(url || 'http://127.0.0.1:1');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const auth = 'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, ' +
  'SignedHeaders=host;x-amz-date;x-amz-target, Signature=' + '0'.repeat(64);

function ddb(op, request) {
  const body = JSON.stringify(request);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: '/', method: 'POST', agent, headers: {
      'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'DynamoDB_20120810.' + op,
      'X-Amz-Date': '20240101T000000Z', Authorization: auth, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) return reject(new Error(`${op}: HTTP ${res.statusCode} ${text.slice(0, 300)}`));
        resolve(JSON.parse(text));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const sk = (i) => 's' + String(i).padStart(6, '0');
const fail = (msg, extra = {}) => { throw Object.assign(new Error(msg), { extra }); };

async function query(pk, n, samples) {
  let queries = 0;
  for (const mode of ['between', 'limit']) {
    for (let s = 0; s < samples; s++) {
      // Both ends of the partition first, then random offsets.
      const lo = mode === 'between' ? 0 : 1, hi = n - 100;
      const o = s === 0 ? lo : s === 1 ? hi : lo + Math.floor(Math.random() * (hi - lo + 1));
      const req = mode === 'between'
        ? { TableName: table, KeyConditionExpression: 'pk = :p AND sk BETWEEN :a AND :b',
          ExpressionAttributeValues: { ':p': { S: pk }, ':a': { S: sk(o) }, ':b': { S: sk(o + 99) } } }
        : { TableName: table, KeyConditionExpression: 'pk = :p', Limit: 100,
          ExclusiveStartKey: { pk: { S: pk }, sk: { S: sk(o - 1) } }, ExpressionAttributeValues: { ':p': { S: pk } } };
      const r = await ddb('Query', req);
      queries++;
      const where = `${mode} at offset ${o}`;
      if (r.Count !== 100 || !Array.isArray(r.Items) || r.Items.length !== 100)
        fail(`${where}: Count ${r.Count}, ${r.Items && r.Items.length} items, expected 100`);
      r.Items.forEach((it, i) => {
        if (it.pk?.S !== pk || it.sk?.S !== sk(o + i)) fail(`${where}: item ${i} is ${JSON.stringify([it.pk, it.sk])}`);
        if (typeof it.payload?.S !== 'string') fail(`${where}: item ${i} has no payload`);
      });
      if (mode === 'between' && r.LastEvaluatedKey) fail(`${where}: unexpected LastEvaluatedKey`);
    }
  }
  return { queries, items_each: 100 };
}

async function increment(key) {
  const get = async () => (await ddb('GetItem', { TableName: table, Key: { pk: { S: key } }, ConsistentRead: true })).Item;
  const before = await get();
  if (!before) fail(`item ${key} is missing`);
  const t = String(Date.now());
  const r = await ddb('UpdateItem', { TableName: table, Key: { pk: { S: key } },
    UpdateExpression: 'ADD #c :one SET updated = :t', ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeNames: { '#c': 'counter' }, ExpressionAttributeValues: { ':one': { N: '1' }, ':t': { N: t } },
    ReturnValues: 'UPDATED_NEW' });
  const after = await get();
  const b = Number(before.counter?.N), a = Number(after.counter?.N);
  if (a !== b + 1) fail(`counter of ${key}: ${b} -> ${a}, expected +1`);
  if (r.Attributes?.counter?.N !== String(a)) fail(`UPDATED_NEW counter ${JSON.stringify(r.Attributes)}, stored ${a}`);
  if (after.updated?.N !== t) fail(`updated of ${key} is ${JSON.stringify(after.updated)}, expected ${t}`);
  return { key, before: b, after: a };
}

async function counters() {
  let items = 0, sum = 0, start;
  do {
    const r = await ddb('Scan', { TableName: table, ProjectionExpression: 'pk, #c',
      ExpressionAttributeNames: { '#c': 'counter' }, ...(start && { ExclusiveStartKey: start }) });
    for (const it of r.Items) { items++; sum += Number(it.counter?.N ?? NaN); }
    start = r.LastEvaluatedKey;
  } while (start);
  if (Number.isNaN(sum)) fail('an item has no numeric counter');
  return { items, sum };
}

const run = cmd === 'query' ? () => query(rest[0], Number(rest[1]), Number(rest[2] || 20))
  : cmd === 'increment' ? () => increment(rest[0])
  : cmd === 'counters' ? counters : null;
if (!run || !url || !table) {
  console.error('usage: node check.js query URL TABLE PK N SAMPLES | increment URL TABLE KEY | counters URL TABLE');
  process.exit(2);
}
run().then((res) => {
  console.log(JSON.stringify({ ok: true, ...res }));
  agent.destroy();
}, (err) => {
  console.log(JSON.stringify({ ok: false, error: err.message, ...err.extra }));
  agent.destroy();
  process.exitCode = 1;
});
