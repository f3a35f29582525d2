#!/usr/bin/env node
// Turns the records run.sh collected (one JSON object a line) into the
// table on stdout and bench/results/latest.json. Exits 3 if any run had errors.
// Usage: node report.js RECORDS.jsonl OUT.json
'use strict';
const fs = require('fs');
const path = require('path');

const [recordsFile, outFile] = process.argv.slice(2);
const records = fs.readFileSync(recordsFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const meta = records.find((r) => r.kind === 'meta') || {};
const metrics = {};
for (const r of records.filter((r) => r.kind === 'metric')) (metrics[r.server] ??= {})[r.name] = r.value;

const runs = records.filter((r) => r.kind === 'run').map((r) => {
  // wrk counts status > 399 in errors.status and prints non-2xx/3xx separately: take the larger.
  const e = r.errors;
  const errors = e.connect + e.read + e.write + e.timeout + Math.max(e.status, r.non2xx || 0);
  const secs = r.duration_us / 1e6;
  return {
    server: r.server, op: r.op, conns: r.conns, requests: r.requests, seconds: +secs.toFixed(3),
    rps: r.requests / secs, p50_ms: r.p50_us / 1000, p99_ms: r.p99_us / 1000,
    cpu_us_per_req: r.requests ? (r.cpu_ticks / r.clk_tck) * 1e6 / r.requests : null,
    errors, error_detail: { ...r.errors, non2xx: r.non2xx || 0 },
  };
});
const find = (server, op, conns) => runs.find((r) => r.server === server && r.op === op && r.conns === conns);
const keys = [];
for (const r of runs) if (!keys.some((k) => k.op === r.op && k.conns === r.conns)) keys.push({ op: r.op, conns: r.conns });

const ratios = [];
for (const { op, conns } of keys) {
  const a = find('awsemu', op, conns), d = find('dynalite', op, conns);
  if (!a || !d) continue;
  const q = (f) => (a[f] != null && d[f]) ? a[f] / d[f] : null;
  ratios.push({ op, conns, valid: !a.errors && !d.errors,
    rps: q('rps'), p50_ms: q('p50_ms'), p99_ms: q('p99_ms'), cpu_us_per_req: q('cpu_us_per_req') });
}
const ratio = (op, conns) => ratios.find((r) => r.op === op && r.conns === conns);

// Reference floors. `value` is null when the figure was not measured.
const floors = [];
function floor(name, value, op, limit, unit, valid = true, fmt = 2) {
  const ok = value == null ? null : (op === '>=' ? value >= limit : op === '<=' ? value <= limit : value < limit);
  floors.push({ name, measured: value, floor: `${op} ${+limit.toFixed(2)}${unit}`, unit, fmt,
    result: value == null ? 'n/a' : !valid ? 'INVALID' : ok ? 'PASS' : 'FAIL' });
}
const rv = (op, c, f) => ratio(op, c)?.[f] ?? null;
const rvalid = (op, c) => ratio(op, c)?.valid ?? true;
floor('PutItem/s @16 awsemu/dynalite', rv('PutItem', 16, 'rps'), '>=', 2, 'x', rvalid('PutItem', 16));
floor('GetItem/s @16 awsemu/dynalite', rv('GetItem', 16, 'rps'), '>=', 2.5, 'x', rvalid('GetItem', 16));
for (const { op, conns } of keys)
  floor(`CPU/req ${op} @${conns} awsemu/dynalite`, rv(op, conns, 'cpu_us_per_req'), '<=', 1 / 3, 'x', rvalid(op, conns));
for (const op of ['PutItem', 'GetItem']) {
  const a = find('awsemu', op, 1);
  floor(`p50 ${op} @1 awsemu`, a ? a.p50_ms : null, '<=', 0.1, ' ms', !a || !a.errors, 3);
}
const am = metrics.awsemu || {};
floor('startup to ready', am.startup_ms ?? null, '<', 20, ' ms', true, 1);
floor('idle RSS', am.idle_rss_kb != null ? am.idle_rss_kb / 1024 : null, '<', 10, ' MiB', true, 1);
floor(`RSS after ${(meta.bulk / 1000) | 0}k items`, am.rss_loaded_kb != null ? am.rss_loaded_kb / 1024 : null, '<', 64, ' MiB', true, 1);

// ---- text output
const pad = (s, n) => String(s).padStart(n);
const padr = (s, n) => String(s).padEnd(n);
const num = (v, d) => v == null ? '-' : v.toFixed(d);
const x = (v) => v == null ? '-' : v.toFixed(2) + 'x';
const out = [];
out.push(`awsemu load benchmark: wrk ${meta.wrk || ''}, ${meta.duration_s}s per run, ` +
  `-t1 -c1 and -t2 -c16, ${meta.preload} preloaded items for GetItem, ${meta.cores} cores shared`);
out.push('');
out.push(padr('op', 8) + pad('conns', 6) + '  ' + padr('server', 9) + pad('req/s', 10) + pad('p50 ms', 9) +
  pad('p99 ms', 9) + pad('cpu us/req', 12) + '  errors');
for (const { op, conns } of keys) {
  for (const server of ['awsemu', 'dynalite']) {
    const r = find(server, op, conns);
    if (!r) continue;
    out.push(padr(op, 8) + pad(conns, 6) + '  ' + padr(server, 9) + pad(num(r.rps, 0), 10) +
      pad(num(r.p50_ms, 3), 9) + pad(num(r.p99_ms, 3), 9) + pad(num(r.cpu_us_per_req, 1), 12) +
      '  ' + (r.errors ? `${r.errors} !! ${JSON.stringify(r.error_detail)}` : '0'));
  }
  const q = ratio(op, conns);
  if (q) out.push(padr(op, 8) + pad(conns, 6) + '  ' + padr('ratio', 9) + pad(x(q.rps), 10) + pad(x(q.p50_ms), 9) +
    pad(x(q.p99_ms), 9) + pad(x(q.cpu_us_per_req), 12) + (q.valid ? '' : '  (runs had errors)'));
}
out.push('');
for (const server of ['awsemu', 'dynalite']) {
  const m = metrics[server];
  if (!m) continue;
  const parts = [];
  if (m.startup_ms != null) parts.push(`startup ${m.startup_ms.toFixed(1)} ms` +
    (m.startup_samples_ms ? ` (median of ${m.startup_samples_ms.length})` : ''));
  if (m.idle_rss_kb != null) parts.push(`idle RSS ${(m.idle_rss_kb / 1024).toFixed(1)} MiB`);
  if (m.rss_loaded_kb != null) parts.push(`RSS after ${(meta.bulk / 1000) | 0}k items ${(m.rss_loaded_kb / 1024).toFixed(1)} MiB` +
    ` (loaded in ${m.load_s.toFixed(1)} s)`);
  out.push(padr(server + ':', 10) + parts.join(', '));
}
out.push('');
out.push(padr('reference floor', 36) + pad('measured', 12) + '  ' + padr('floor', 12) + 'result');
for (const f of floors) {
  const m = f.measured == null ? '-' : f.measured.toFixed(f.fmt) + f.unit;
  out.push(padr(f.name, 36) + pad(m, 12) + '  ' + padr(f.floor, 12) + f.result);
}
console.log(out.join('\n'));

fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, JSON.stringify({ meta, runs, ratios, metrics,
  floors: floors.map(({ fmt, ...f }) => f) }, null, 2) + '\n');
if (runs.some((r) => r.errors)) {
  console.log('\nWARNING: some runs had errors or non-2xx responses; their figures are not valid.');
  process.exit(3);
}
