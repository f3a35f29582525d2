#!/usr/bin/env node
// Bulk loader with BatchWriteItem (25 items a request), CONCURRENCY requests
// in flight over keep-alive connections. Exactly COUNT items, index i from
// START to START+COUNT-1; each item is
//   pk      hash key: PREFIX alone (one partition), PREFIX + i/PER (PER items a
//           partition), or PREFIX + i when the table has no range key (RANGE 0)
//   sk      range key "s" + i (or i % PER), six digits, when RANGE is 1
//   n       {"N": i}
//   counter {"N":"0"} and updated {"N":"0"} when COUNTER is 1
//   payload a string of BYTES characters
// Unprocessed items are sent again; an HTTP error, or running past the time
// limit, exits non-zero. Prints {"items":COUNT,"seconds":...}.
// Usage: node batchload.js URL SPEC_JSON [CONCURRENCY] [TIME_LIMIT_S]
//   SPEC_JSON: {"table":"q","prefix":"hot","start":0,"count":100000,
//               "per":0,"range":1,"bytes":1000,"counter":0}
'use strict';
const http = require('http');

const [url, specArg, concArg = '16', limitArg = '120'] = process.argv.slice(2);
const spec = { start: 0, per: 0, range: 1, bytes: 100, counter: 0, ...JSON.parse(specArg || '{}') };
const concurrency = Number(concArg);
if (!url || !spec.table || !(spec.count > 0) || !(concurrency > 0)) {
  console.error('usage: node batchload.js URL SPEC_JSON [CONCURRENCY] [TIME_LIMIT_S]');
  process.exit(2);
}
const { hostname, port } = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const headers = {
  'Content-Type': 'application/x-amz-json-1.0',
  'X-Amz-Target': 'DynamoDB_20120810.BatchWriteItem',
  'X-Amz-Date': '20240101T000000Z',
  Authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, ' +
    'SignedHeaders=host;x-amz-date;x-amz-target, Signature=' + '0'.repeat(64),
};
// Not one repeated character, so nothing along the way can make it trivially small.
const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const pool = alphabet.repeat(Math.ceil((spec.bytes + alphabet.length) / alphabet.length));
const pad6 = (v) => String(v).padStart(6, '0');

function item(i) {
  const pk = spec.per > 0 ? spec.prefix + pad6(Math.floor(i / spec.per))
    : spec.range ? spec.prefix : spec.prefix + pad6(i);
  const it = { pk: { S: pk } };
  if (spec.range) it.sk = { S: 's' + pad6(spec.per > 0 ? i % spec.per : i) };
  it.n = { N: String(i) };
  if (spec.counter) { it.counter = { N: '0' }; it.updated = { N: '0' }; }
  it.payload = { S: pool.substr(i % alphabet.length, spec.bytes) };
  return it;
}

function post(body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: '/', method: 'POST', agent,
      headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode} ${text.slice(0, 300)}`));
        try { resolve(JSON.parse(text)); } catch (e) { reject(new Error(`bad JSON reply: ${text.slice(0, 300)}`)); }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function batch(requests) {  // requests: [{PutRequest:{Item}}], resent until all are processed
  for (let tries = 0; requests.length; tries++) {
    if (tries > 50) throw new Error('items still unprocessed after 50 tries');
    const reply = await post(JSON.stringify({ RequestItems: { [spec.table]: requests } }));
    requests = (reply.UnprocessedItems && reply.UnprocessedItems[spec.table]) || [];
    if (requests.length) await new Promise((r) => setTimeout(r, 5 * (tries + 1)));
  }
}

const start = process.hrtime.bigint();
const timer = setTimeout(() => {
  console.error(`batchload.js: time limit of ${limitArg}s reached before ${spec.count} items`);
  process.exit(1);
}, Number(limitArg) * 1000);

const end = spec.start + spec.count;
let next = spec.start;
async function worker() {
  while (next < end) {
    const from = next, to = Math.min(from + 25, end);
    next = to;
    const requests = [];
    for (let i = from; i < to; i++) requests.push({ PutRequest: { Item: item(i) } });
    await batch(requests);
  }
}

Promise.all(Array.from({ length: concurrency }, worker)).then(() => {
  clearTimeout(timer);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(JSON.stringify({ items: spec.count, seconds: +seconds.toFixed(3) }));
  agent.destroy();
}, (err) => {
  console.error('batchload.js:', err.message);
  process.exit(1);
});
