#!/usr/bin/env node
// Bulk loader: exactly COUNT PutItems (keys k000000, k000001, ...) into table
// "bench", CONCURRENCY requests in flight over keep-alive connections.
// Any failed request, or running past the time limit, exits non-zero.
// Usage: node load.js URL COUNT [CONCURRENCY] [TIME_LIMIT_S]
'use strict';
const http = require('http');

const [url, countArg, concArg = '16', limitArg = '120'] = process.argv.slice(2);
const count = Number(countArg);
const concurrency = Number(concArg);
if (!url || !(count > 0) || !(concurrency > 0)) {
  console.error('usage: node load.js URL COUNT [CONCURRENCY] [TIME_LIMIT_S]');
  process.exit(2);
}
const { hostname, port } = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const headers = {
  'Content-Type': 'application/x-amz-json-1.0',
  'X-Amz-Target': 'DynamoDB_20120810.PutItem',
  'X-Amz-Date': '20240101T000000Z',
  Authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, ' +
    'SignedHeaders=host;x-amz-date;x-amz-target, Signature=' + '0'.repeat(64),
};
const payload = 'x'.repeat(96);

function put(i) {
  const key = 'k' + String(i).padStart(6, '0');
  const body = `{"TableName":"bench","Item":{"pk":{"S":"${key}"},"owner":{"S":"user-0042"},` +
    `"count":{"N":"${i}"},"active":{"BOOL":true},"payload":{"S":"${payload}"}}}`;
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: '/', method: 'POST', agent,
      headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => res.statusCode === 200 ? resolve()
        : reject(new Error(`${key}: HTTP ${res.statusCode} ${Buffer.concat(chunks)}`)));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const start = process.hrtime.bigint();
const timer = setTimeout(() => {
  console.error(`load.js: time limit of ${limitArg}s reached before ${count} items`);
  process.exit(1);
}, Number(limitArg) * 1000);

let next = 0;
async function worker() {
  while (next < count) await put(next++);
}

Promise.all(Array.from({ length: concurrency }, worker)).then(() => {
  clearTimeout(timer);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(JSON.stringify({ items: count, seconds: +seconds.toFixed(3) }));
  agent.destroy();
}, (err) => {
  console.error('load.js:', err.message);
  process.exit(1);
});
