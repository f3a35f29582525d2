#!/usr/bin/env node
// Turns the records run.sh collected (one JSON object a line) into the
// table on stdout and bench/results/latest.json. Exits 3 if any run had errors
// or any response check failed.
// Usage: node report.js RECORDS.jsonl OUT.json
'use strict';
const fs = require('fs');
const path = require('path');

const [recordsFile, outFile] = process.argv.slice(2);
const records = fs.readFileSync(recordsFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const meta = records.find((r) => r.kind === 'meta') || {};
const parts = meta.parts || ['core'];
const metrics = {};
for (const r of records.filter((r) => r.kind === 'metric')) (metrics[r.server] ??= {})[r.name] = r.value;
const checks = records.filter((r) => r.kind === 'check').map(({ part, server, name, result }) => ({ part, server, name, ...result }));
const timings = records.filter((r) => r.kind === 'part').map(({ name, seconds }) => ({ part: name, seconds }));

const runs = records.filter((r) => r.kind === 'run').map((r) => {
  // wrk counts status > 399 in errors.status and prints non-2xx/3xx separately: take the larger.
  const e = r.errors;
  const errors = e.connect + e.read + e.write + e.timeout + Math.max(e.status, r.non2xx || 0);
  const secs = r.duration_us / 1e6;
  return {
    part: r.part || 'core', server: r.server, op: r.op, conns: r.conns, round: r.round || 0,
    requests: r.requests, seconds: +secs.toFixed(3),
    rps: r.requests / secs, p50_ms: r.p50_us / 1000, p99_ms: r.p99_us / 1000,
    cpu_us_per_req: r.requests ? (r.cpu_ticks / r.clk_tck) * 1e6 / r.requests : null,
    threads_busy: r.threads_busy ?? null, errors, error_detail: { ...r.errors, non2xx: r.non2xx || 0 },
  };
});
const same = (a, b) => a.part === b.part && a.op === b.op && a.conns === b.conns && a.round === b.round;
const find = (server, part, op, conns, round = 0) =>
  runs.find((r) => r.server === server && same(r, { part, op, conns, round }));
const keys = [];
for (const r of runs) if (!keys.some((k) => same(k, r))) keys.push({ part: r.part, op: r.op, conns: r.conns, round: r.round });
// A server's figures in a part are valid when its runs had no errors and its checks passed.
const checksOk = (part, server) => checks.every((c) => c.part !== part || c.server !== server || c.ok);
const valid = (r) => r && !r.errors && checksOk(r.part, r.server);

const ratios = [];
for (const k of keys) {
  const a = find('awsemu', k.part, k.op, k.conns, k.round), d = find('dynalite', k.part, k.op, k.conns, k.round);
  if (!a || !d) continue;
  const q = (f) => (a[f] != null && d[f]) ? a[f] / d[f] : null;
  ratios.push({ ...k, valid: valid(a) && valid(d),
    rps: q('rps'), p50_ms: q('p50_ms'), p99_ms: q('p99_ms'), cpu_us_per_req: q('cpu_us_per_req') });
}
const ratio = (part, op, conns) => ratios.find((r) => same(r, { part, op, conns, round: 0 }));

// size part: per table size, the round with the lowest p50 (the least disturbed one).
const sizeLabel = (n) => n % 1e6 === 0 ? `${n / 1e6}M` : n % 1e3 === 0 ? `${n / 1e3}k` : String(n);
const size = {};
if (parts.includes('size')) {
  for (const n of [meta.size_small, meta.size_large]) {
    const rs = runs.filter((r) => r.part === 'size' && r.server === 'awsemu' && r.op === `Query@${sizeLabel(n)}`);
    if (rs.length) size[sizeLabel(n)] = { items: n, rounds: rs.length,
      best: rs.reduce((b, r) => r.p50_ms < b.p50_ms ? r : b), valid: rs.every(valid) };
  }
}
const sSmall = size[sizeLabel(meta.size_small)], sLarge = size[sizeLabel(meta.size_large)];

// Reference floors of the parts that ran. `value` is null when the figure was not measured.
const floors = [];
function floor(name, value, op, limit, unit, ok = true, fmt = 2) {
  const pass = value == null ? null : (op === '>=' ? value >= limit : op === '<=' ? value <= limit : value < limit);
  floors.push({ name, measured: value, floor: `${op} ${+limit.toFixed(2)}${unit}`, unit, fmt,
    result: value == null ? 'n/a' : !ok ? 'INVALID' : pass ? 'PASS' : 'FAIL' });
}
const rv = (part, op, c, f) => ratio(part, op, c)?.[f] ?? null;
const rvalid = (part, op, c) => ratio(part, op, c)?.valid ?? true;
if (parts.includes('core')) {
  floor('PutItem/s @16 awsemu/dynalite', rv('core', 'PutItem', 16, 'rps'), '>=', 2, 'x', rvalid('core', 'PutItem', 16));
  floor('GetItem/s @16 awsemu/dynalite', rv('core', 'GetItem', 16, 'rps'), '>=', 2.5, 'x', rvalid('core', 'GetItem', 16));
  for (const { op, conns } of keys.filter((k) => k.part === 'core'))
    floor(`CPU/req ${op} @${conns} awsemu/dynalite`, rv('core', op, conns, 'cpu_us_per_req'), '<=', 1 / 3, 'x', rvalid('core', op, conns));
  for (const op of ['PutItem', 'GetItem']) {
    const a = find('awsemu', 'core', op, 1);
    floor(`p50 ${op} @1 awsemu`, a ? a.p50_ms : null, '<=', 0.1, ' ms', !a || valid(a), 3);
  }
  const am = metrics.awsemu || {};
  floor('startup to ready', am.startup_ms ?? null, '<', 20, ' ms', true, 1);
  floor('idle RSS', am.idle_rss_kb != null ? am.idle_rss_kb / 1024 : null, '<', 10, ' MiB', true, 1);
  floor(`RSS after ${(meta.bulk / 1000) | 0}k items`, am.rss_loaded_kb != null ? am.rss_loaded_kb / 1024 : null, '<', 64, ' MiB', true, 1);
}
if (parts.includes('query'))
  floor('Query/s @16 awsemu/dynalite', rv('query', 'Query', 16, 'rps'), '>=', 10, 'x', rvalid('query', 'Query', 16));
if (parts.includes('size'))
  floor(`Query p50 @1 ${sLarge ? sizeLabel(meta.size_large) : 'large'}/${sSmall ? sizeLabel(meta.size_small) : 'small'} awsemu`,
    sSmall && sLarge ? sLarge.best.p50_ms / sSmall.best.p50_ms : null, '<=', 1.5, 'x', !!(sSmall?.valid && sLarge?.valid));
if (parts.includes('update')) {
  const u = find('awsemu', 'update', 'UpdateItem', 16), p = find('awsemu', 'update', 'PutItem', 16);
  floor('UpdateItem/s / PutItem/s @16 awsemu', u && p ? u.rps / p.rps : null, '>=', 0.8, 'x', valid(u) && valid(p));
}

// ---- text output
const pad = (s, n) => String(s).padStart(n);
const padr = (s, n) => String(s).padEnd(n);
const num = (v, d) => v == null ? '-' : v.toFixed(d);
const x = (v) => v == null ? '-' : v.toFixed(2) + 'x';
const out = [];
out.push(`awsemu load benchmark (${meta.commit || '?'}, build/awsemu sha256 ${meta.awsemu_sha256 || '?'}): ` +
  `wrk ${meta.wrk || ''}, ${meta.duration_s}s per run, ` +
  `-t1 -c1 and -t2 -c16, ${meta.cores} cores shared; parts: ${parts.join(', ')}`);
out.push('thr: server threads that did >= 10% of its CPU time in the run');
const titles = {
  core: `core: GetItem of a random key among ${meta.preload} preloaded; PutItem of a new key (~150-byte items)`,
  query: `query: Query of 100 consecutive items (~1 KB each) at a random offset in a ${meta.query_items}-item partition;\n` +
    '       Query = KeyConditionExpression pk = :p AND sk BETWEEN :a AND :b, QueryLimit = Limit 100 + ExclusiveStartKey',
  size: `size: awsemu, the same 100-item Query (partition of ${meta.size_hot} ~1 KB items) in a table of ` +
    `${meta.size_small} vs ${meta.size_large} items in all,\n      -c1, ${meta.size_rounds} alternating rounds (#n)`,
  update: `update: ${meta.update_keys} preloaded ~150-byte items; PutItem replacing a random one with one of the same size;\n` +
    '        UpdateItem "ADD #c :one SET updated = :t" if "attribute_exists(pk)" on a random one',
};
const header = padr('op', 14) + pad('conns', 6) + '  ' + padr('server', 9) + pad('req/s', 10) + pad('p50 ms', 9) +
  pad('p99 ms', 9) + pad('cpu us/req', 12) + pad('thr', 5) + '  errors';
for (const part of ['core', 'query', 'size', 'update']) {
  const pk = keys.filter((k) => k.part === part);
  if (!pk.length) continue;
  out.push('', titles[part], header);
  for (const k of pk) {
    const label = k.op + (k.round ? ` #${k.round}` : '');
    for (const server of ['awsemu', 'dynalite']) {
      const r = find(server, k.part, k.op, k.conns, k.round);
      if (!r) continue;
      out.push(padr(label, 14) + pad(k.conns, 6) + '  ' + padr(server, 9) + pad(num(r.rps, 0), 10) +
        pad(num(r.p50_ms, 3), 9) + pad(num(r.p99_ms, 3), 9) + pad(num(r.cpu_us_per_req, 1), 12) +
        pad(r.threads_busy ?? '-', 5) + '  ' + (r.errors ? `${r.errors} !! ${JSON.stringify(r.error_detail)}` : '0'));
    }
    const q = ratios.find((r) => same(r, k));
    if (q) out.push(padr(label, 14) + pad(k.conns, 6) + '  ' + padr('ratio', 9) + pad(x(q.rps), 10) + pad(x(q.p50_ms), 9) +
      pad(x(q.p99_ms), 9) + pad(x(q.cpu_us_per_req), 12) + (q.valid ? '' : '  (runs had errors or failed checks)'));
  }
  if (part === 'size' && sSmall && sLarge) {
    const s = sSmall.best, l = sLarge.best;
    out.push(`lowest-p50 round per size: ${sizeLabel(meta.size_small)} #${s.round} p50 ${num(s.p50_ms, 3)} p99 ${num(s.p99_ms, 3)} ms; ` +
      `${sizeLabel(meta.size_large)} #${l.round} p50 ${num(l.p50_ms, 3)} p99 ${num(l.p99_ms, 3)} ms; ` +
      `${sizeLabel(meta.size_large)}/${sizeLabel(meta.size_small)}: p50 ${x(l.p50_ms / s.p50_ms)}, p99 ${x(l.p99_ms / s.p99_ms)}`);
  }
  if (part === 'update') {
    for (const server of ['awsemu', 'dynalite']) {
      const u = find(server, 'update', 'UpdateItem', 16), p = find(server, 'update', 'PutItem', 16);
      if (u && p) out.push(`UpdateItem/PutItem @16 ${server}: req/s ${x(u.rps / p.rps)}, p50 ${x(u.p50_ms / p.p50_ms)}, ` +
        `cpu/req ${x(u.cpu_us_per_req / p.cpu_us_per_req)}`);
    }
  }
}
const serverLines = [];
for (const server of ['awsemu', 'dynalite']) {
  const m = metrics[server];
  if (!m) continue;
  const bits = [];
  if (m.startup_ms != null) bits.push(`startup ${m.startup_ms.toFixed(1)} ms` +
    (m.startup_samples_ms ? ` (median of ${m.startup_samples_ms.length})` : ''));
  if (m.idle_rss_kb != null) bits.push(`idle RSS ${(m.idle_rss_kb / 1024).toFixed(1)} MiB`);
  if (m.rss_loaded_kb != null) bits.push(`RSS after ${(meta.bulk / 1000) | 0}k items ${(m.rss_loaded_kb / 1024).toFixed(1)} MiB` +
    ` (loaded in ${m.load_s.toFixed(1)} s)`);
  if (m.query_load_s != null) bits.push(`${meta.query_items} ~1 KB items loaded in ${m.query_load_s.toFixed(1)} s`);
  if (m.size_large_load_s != null) bits.push(`${sizeLabel(meta.size_large)}-item table loaded in ${m.size_large_load_s.toFixed(1)} s` +
    `, RSS ${(m.size_large_rss_kb / 1024).toFixed(1)} MiB`);
  serverLines.push(padr(server + ':', 10) + bits.join(', '));
}
if (serverLines.length) out.push('', ...serverLines);
const oneThread = runs.filter((r) => r.server === 'awsemu' && r.conns > 1 && r.threads_busy === 1);
if (oneThread.length && meta.cores > 1) out.push('', `note: awsemu ran on one thread in ${oneThread.map((r) => `${r.part} ${r.op} @${r.conns}`).join(', ')}: ` +
  'all connections were taken by one worker; that figure is a one-core figure');
if (checks.length) {
  out.push('', 'response checks (besides: every wrk response 2xx)');
  for (const c of checks) {
    const { part, server, name, ok, error, ...detail } = c;
    out.push(`  ${ok ? 'ok  ' : 'FAIL'} ${padr(part, 7)} ${padr(server, 9)} ${name}: ${ok ? JSON.stringify(detail) : error}`);
  }
}
out.push('');
out.push(padr('reference floor', 38) + pad('measured', 12) + '  ' + padr('floor', 12) + 'result');
for (const f of floors) {
  const m = f.measured == null ? '-' : f.measured.toFixed(f.fmt) + f.unit;
  out.push(padr(f.name, 38) + pad(m, 12) + '  ' + padr(f.floor, 12) + f.result);
}
if (timings.length) {
  out.push('', 'time per part: ' + timings.map((t) => `${t.part} ${t.seconds.toFixed(0)} s`).join(', ') +
    `; total ${timings.reduce((s, t) => s + t.seconds, 0).toFixed(0)} s`);
}
console.log(out.join('\n'));

fs.mkdirSync(path.dirname(outFile), { recursive: true });
const sizeOut = Object.fromEntries(Object.entries(size).map(([k, v]) => [k, { items: v.items, rounds: v.rounds,
  best_round: v.best.round, p50_ms: v.best.p50_ms, p99_ms: v.best.p99_ms, valid: v.valid }]));
fs.writeFileSync(outFile, JSON.stringify({ meta, warnings: records.filter((r) => r.kind === 'warning').map((r) => r.text), runs, ratios, size: sizeOut, metrics, checks, timings,
  floors: floors.map(({ fmt, ...f }) => f) }, null, 2) + '\n');
const warnings = records.filter((r) => r.kind === 'warning').map((r) => r.text);
for (const w of warnings) console.log(`\nWARNING: ${w}`);
const bad = [];
if (runs.some((r) => r.errors)) bad.push('some runs had errors or non-2xx responses');
if (checks.some((c) => !c.ok)) bad.push('some response checks failed');
if (bad.length) {
  console.log(`\nWARNING: ${bad.join('; ')}; their figures are not valid.`);
  process.exit(3);
}
