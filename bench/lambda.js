#!/usr/bin/env node
// Lambda benchmark helper for lambda.sh: one keep-alive HTTP client per
// command (the timings never include a process start), one JSON line out.
//   create URL ZIPFILE NAME...            CreateFunction (python3.12, handler.handler) for each
//   cold URL ZIPFILE NAME...              per name: CreateFunction, then the first Invoke
//                                         (LogType Tail); one {"name":..,"create_ms":..} line each
//   warm URL NAME...                      one Invoke of each (they must answer the payload)
//   check URL NAME COUNT CONNS            COUNT Invokes with distinct payloads over CONNS
//                                         connections; every answer must be its own payload
//   report RECORDS.jsonl OUT.json         the table on stdout and the results file
// Every request has a 30 s time limit.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');

const [cmd, ...args] = process.argv.slice(2);
const ROLE = 'arn:aws:iam::000000000000:role/bench';
const now = () => Number(process.hrtime.bigint()) / 1e6; // ms

function client(url, conns = 1) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: conns });
  const { hostname, port } = new URL(url);
  return (method, p, body, headers = {}) => new Promise((resolve, reject) => {
    const data = body == null ? null : Buffer.from(body);
    const req = http.request({ agent, hostname, port, method, path: p, timeout: 30000,
      headers: { 'Content-Type': 'application/json', ...(data ? { 'Content-Length': data.length } : {}), ...headers } },
    (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${p}: no answer in 30 s`)));
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

const createBody = (name, zip64) => JSON.stringify({ FunctionName: name, Runtime: 'python3.12', Handler: 'handler.handler',
  Role: ROLE, Code: { ZipFile: zip64 }, Timeout: 30 });
const invokePath = (name) => `/2015-03-31/functions/${encodeURIComponent(name)}/invocations`;
const tailLog = (res) => Buffer.from(res.headers['x-amz-log-result'] || '', 'base64').toString();
const reportField = (log, field) => { const m = new RegExp(`${field}: ([0-9.]+) ms`).exec(log); return m ? +m[1] : null; };
const r3 = (v) => v == null ? null : +v.toFixed(3);
function expectPayload(res, sent, what) {
  if (res.status !== 200) throw new Error(`${what}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
  if (res.headers['x-amz-function-error']) throw new Error(`${what}: function error: ${res.body.slice(0, 300)}`);
  let got;
  try { got = JSON.parse(res.body); } catch { throw new Error(`${what}: answer is not JSON: ${res.body.slice(0, 300)}`); }
  if (JSON.stringify(got) !== JSON.stringify(JSON.parse(sent))) throw new Error(`${what}: answered ${res.body.slice(0, 200)}, sent ${sent.slice(0, 200)}`);
}
async function create(req, name, zip64) {
  const res = await req('POST', '/2015-03-31/functions', createBody(name, zip64));
  if (res.status !== 201) throw new Error(`CreateFunction ${name}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
}

const commands = {
  async create(url, zipFile, ...names) {
    const req = client(url), zip64 = fs.readFileSync(zipFile).toString('base64');
    for (const name of names) await create(req, name, zip64);
    console.log(JSON.stringify({ ok: true, created: names.length }));
  },

  async cold(url, zipFile, ...names) {
    const req = client(url), zip64 = fs.readFileSync(zipFile).toString('base64');
    await req('GET', '/_awsemu/health'); // the connection is open before the clock starts
    for (const name of names) {
      const payload = JSON.stringify({ cold: name });
      const t0 = now();
      await create(req, name, zip64);
      const t1 = now();
      const res = await req('POST', invokePath(name), payload, { 'X-Amz-Log-Type': 'Tail' });
      const t2 = now();
      expectPayload(res, payload, `first Invoke of ${name}`);
      const log = tailLog(res);
      console.log(JSON.stringify({ name, total_ms: r3(t2 - t0), create_ms: r3(t1 - t0), invoke_ms: r3(t2 - t1),
        init_ms: reportField(log, 'Init Duration'), duration_ms: reportField(log, 'Duration') }));
    }
  },

  async warm(url, ...names) {
    const req = client(url);
    for (const name of names) {
      const payload = JSON.stringify({ warm: name });
      expectPayload(await req('POST', invokePath(name), payload), payload, `Invoke of ${name}`);
    }
    console.log(JSON.stringify({ ok: true, invoked: names.length }));
  },

  async check(url, name, count, conns) {
    const req = client(url, conns);
    let next = 0, ok = 0;
    const worker = async (w) => {
      while (next < count) {
        const i = next++;
        const payload = JSON.stringify({ i, w, s: 'x'.repeat(i % 50), nested: { a: [i, true, null] } });
        expectPayload(await req('POST', invokePath(name), payload), payload, `Invoke #${i}`);
        ok++;
      }
    };
    await Promise.all(Array.from({ length: conns }, (_, w) => worker(w)));
    console.log(JSON.stringify({ ok: true, invokes: ok, conns }));
  },

  report(recordsFile, outFile) { report(recordsFile, outFile); },
};

// ---- report: records are one JSON object a line, as run.sh's; floors as report.js's.
function report(recordsFile, outFile) {
  const records = fs.readFileSync(recordsFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const meta = records.find((r) => r.kind === 'meta') || {};
  const metrics = {};
  for (const r of records.filter((r) => r.kind === 'metric')) metrics[r.name] = r.value;
  const checks = records.filter((r) => r.kind === 'check').map(({ name, result }) => ({ name, ...result }));
  const notes = records.filter((r) => r.kind === 'note').map((r) => r.text);
  const warnings = records.filter((r) => r.kind === 'warning').map((r) => r.text);
  const runs = records.filter((r) => r.kind === 'run').map((r) => {
    const e = r.errors;
    const errors = e.connect + e.read + e.write + e.timeout + Math.max(e.status, r.non2xx || 0) + (r.bad_bodies || 0) +
      (r.tail ? r.tail.missing : 0);
    const secs = r.duration_us / 1e6;
    return { part: 'lambda', server: 'awsemu', op: r.op, conns: r.conns, round: r.round || 0, threads: r.threads, requests: r.requests,
      seconds: +secs.toFixed(3), rps: r.requests / secs, p50_ms: r.p50_us / 1000, p99_ms: r.p99_us / 1000,
      cpu_us_per_req: r.requests ? (r.cpu_ticks / r.clk_tck) * 1e6 / r.requests : null,
      ctx_switches_per_req: r.requests && r.ctx_switches != null ? r.ctx_switches / r.requests : null,
      handler_cpu_us_per_req: r.requests && r.child_cpu_ticks != null ? (r.child_cpu_ticks / r.clk_tck) * 1e6 / r.requests : null,
      errors, error_detail: { ...e, non2xx: r.non2xx || 0, bad_bodies: r.bad_bodies || 0, ...(r.tail ? { no_report: r.tail.missing } : {}) },
      ...(r.tail ? { tail: r.tail } : {}) };
  });
  const run = (op, conns) => runs.find((r) => r.op === op && r.conns === conns);
  const checkOk = (prefix) => checks.filter((c) => c.name.startsWith(prefix)).every((c) => c.ok);

  const floors = [];
  function floor(name, value, op, limit, unit, ok = true, fmt = 2) {
    const pass = value == null ? null : (op === '>=' ? value >= limit : value < limit);
    floors.push({ name, measured: value, floor: `${op} ${limit}${unit}`, unit, fmt,
      result: value == null ? 'n/a' : !ok ? 'INVALID' : pass ? 'PASS' : 'FAIL' });
  }
  // 1-connection rounds: Invoke then InvokeTail; the round with the lowest Invoke p50 gives the figure
  const rounds = runs.filter((r) => r.op === 'Invoke' && r.conns === 1).map((c) => {
    const t = runs.find((r) => r.op === 'InvokeTail' && r.conns === 1 && r.round === c.round);
    return { round: c.round, c1: c, t1: t, overhead: t && t.tail ? r3(c.p50_ms - t.tail.duration_p50_ms) : null };
  });
  const best = rounds.filter((x) => x.overhead != null).reduce((b, x) => !b || x.c1.p50_ms < b.c1.p50_ms ? x : b, null);
  const c1 = best && best.c1, t1 = best && best.t1, s = t1 && t1.tail, c4 = run('Invoke', 4);
  const overhead = best ? best.overhead : null;
  metrics.overhead = { rounds: rounds.map((x) => ({ round: x.round, invoke_p50_ms: x.c1.p50_ms,
    duration_p50_ms: x.t1 && x.t1.tail ? x.t1.tail.duration_p50_ms : null, overhead_ms: x.overhead })), best_round: best ? best.round : null };
  floor('warm Invoke overhead p50 @1', overhead, '<', 0.5, ' ms',
    !!best && rounds.every((x) => !x.c1.errors && x.t1 && !x.t1.errors) && checkOk('warm'), 3);
  floor('warm Invokes/s @4', c4 ? c4.rps : null, '>=', 2000, '/s', !!c4 && !c4.errors && checkOk('warm'), 0);
  const cold = metrics.cold_starts || [];
  const later = cold.slice(1).map((c) => c.total_ms).sort((a, b) => a - b);
  const coldMedian = later.length ? later[(later.length - 1) >> 1] : null;
  floor(`cold start median of ${later.length} later`, coldMedian, '<', 150, ' ms', checkOk('cold'), 1);
  floor('cold start, first in the process', cold.length ? cold[0].total_ms : null, '<', 150, ' ms', checkOk('cold'), 1);
  floor(`server RSS, ${meta.instances} warm instances`, metrics.rss_warm_kb != null ? metrics.rss_warm_kb / 1024 : null,
    '<', 20, ' MiB', checkOk('memory'), 1);

  const pad = (v, n) => String(v).padStart(n), padr = (v, n) => String(v).padEnd(n);
  const num = (v, d) => v == null ? '-' : v.toFixed(d);
  const out = [];
  out.push(`awsemu Lambda benchmark (${meta.commit || '?'}, awsemu sha256 ${meta.awsemu_sha256 || '?'}): wrk ${meta.wrk || ''}, ` +
    `${meta.duration_s}s per run, ${meta.cores} cores shared, load average ${meta.load_before} before, ${meta.load_after ?? '?'} after`);
  out.push(`function: python_echo fixture zipped, Runtime python3.12, Handler handler.handler, interpreter ${meta.python || '?'}`);
  out.push('', 'Invoke (RequestResponse) of one warm function, keep-alive wrk -t1; InvokeTail: with LogType Tail;',
    'awsemu cpu, handler cpu: CPU time (us) of the awsemu process, and of its handler processes, per Invoke;',
    'awsemu cs: context switches of awsemu\'s threads per Invoke');
  out.push(padr('op', 14) + pad('conns', 6) + pad('req/s', 10) + pad('p50 ms', 9) + pad('p99 ms', 9) +
    pad('awsemu cpu', 12) + pad('handler cpu', 13) + pad('awsemu cs', 11) + '  errors');
  for (const r of runs) {
    out.push(padr(r.op + (r.round ? ` #${r.round}` : ''), 14) + pad(r.conns, 6) + pad(num(r.rps, 0), 10) + pad(num(r.p50_ms, 3), 9) +
      pad(num(r.p99_ms, 3), 9) + pad(num(r.cpu_us_per_req, 1), 12) + pad(num(r.handler_cpu_us_per_req, 1), 13) + pad(num(r.ctx_switches_per_req, 1), 11) + '  ' +
      (r.errors ? `${r.errors} !! ${JSON.stringify(r.error_detail)}` : '0'));
  }
  if (metrics.warm_instances != null) out.push(`instances of echo after the runs: ${metrics.warm_instances} (GET /_awsemu/lambda/instances)`);
  if (s) {
    out.push('', 'InvokeTail: REPORT Duration of every Invoke (read from X-Amz-Log-Result, 10 us steps)');
    for (const x of rounds) {
      const d = x.t1 && x.t1.tail;
      out.push(`  round ${x.round}: Duration p50 ${d ? num(d.duration_p50_ms, 2) : '-'} ms, p99 ${d ? num(d.duration_p99_ms, 2) : '-'} ms ` +
        `of ${d ? d.durations : 0}; Invoke p50 ${num(x.c1.p50_ms, 3)} ms; overhead ${num(x.overhead, 3)} ms` +
        (x === best ? '  <- lowest Invoke p50: the figure' : ''));
    }
    out.push('overhead = Invoke p50 @1 - REPORT Duration p50. Duration runs from the event handed to the runtime (its',
      '  /next answered) to its result received: the runtime\'s part (its Runtime API round trip, JSON, the handler).',
      '  The rest of the client\'s latency is what awsemu adds: HTTP, routing, function lookup, the hand-over to the',
      '  instance and back.');
    if (c1) out.push(`  round ${best.round}: ${num(c1.p50_ms, 3)} - ${num(s.duration_p50_ms, 3)} = ${num(overhead, 3)} ms ` +
      `(within the Tail run alone: ${num(t1.p50_ms, 3)} - ${num(s.duration_p50_ms, 3)} = ${num(t1.p50_ms - s.duration_p50_ms, 3)} ms)`);
  }
  if (cold.length) {
    out.push('', 'cold starts: CreateFunction + first Invoke, fresh function names, one after the other, one keep-alive connection');
    out.push(padr('', 8) + padr('function', 12) + pad('total ms', 10) + pad('create ms', 11) + pad('invoke ms', 11) + pad('init ms', 10));
    cold.forEach((c, i) => out.push(padr(i ? '' : 'first', 8) + padr(c.name, 12) + pad(num(c.total_ms, 1), 10) + pad(num(c.create_ms, 1), 11) +
      pad(num(c.invoke_ms, 1), 11) + pad(num(c.init_ms, 1), 10)));
    const fr = metrics.cold_first_resolved;
    if (fr) out.push(padr('first', 8) + padr(fr.name, 12) + pad(num(fr.total_ms, 1), 10) + pad(num(fr.create_ms, 1), 11) +
      pad(num(fr.invoke_ms, 1), 11) + pad(num(fr.init_ms, 1), 10) + `  another awsemu, --python ${fr.python}`);
    out.push('init ms: REPORT Init Duration (spawn to the runtime\'s first /next; for the first one, the interpreter lookup too).',
      'The first cold start in a process also resolves the interpreter: popen("\'python3\' -c \'import sys; print(sys.executable)\'"),',
      `through the pyenv shim here: ${num(metrics.python_probe_ms, 1)} ms alone (median of 3); the later ones reuse the path.`);
  }
  if (metrics.rss_warm_kb != null) out.push('', `memory: awsemu VmRSS ${num(metrics.rss_idle_kb / 1024, 1)} MiB at start, ` +
    `${num(metrics.rss_warm_kb / 1024, 1)} MiB with ${metrics.instances_idle} idle-warm instances of ${meta.instances} functions ` +
    `(each invoked once; GET /_awsemu/lambda/instances); handler processes not counted (${num(metrics.handlers_rss_kb / 1024, 1)} MiB together)`);
  if (notes.length) out.push('', ...notes.map((n) => `note: ${n}`));
  if (checks.length) {
    out.push('', 'response checks (besides: every wrk response 2xx with the expected body)');
    for (const c of checks) {
      const { name, ok, error, ...detail } = c;
      out.push(`  ${ok ? 'ok  ' : 'FAIL'} ${name}: ${ok ? JSON.stringify(detail) : error}`);
    }
  }
  out.push('', padr('reference floor', 38) + pad('measured', 12) + '  ' + padr('floor', 12) + 'result');
  for (const f of floors) {
    out.push(padr(f.name, 38) + pad(f.measured == null ? '-' : f.measured.toFixed(f.fmt) + f.unit, 12) + '  ' + padr(f.floor, 12) + f.result);
  }
  console.log(out.join('\n'));
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, JSON.stringify({ meta, warnings, notes, runs, metrics, checks,
    floors: floors.map(({ fmt, ...f }) => f) }, null, 2) + '\n');
  for (const w of warnings) console.log(`\nWARNING: ${w}`);
  const bad = [];
  if (runs.some((r) => r.errors)) bad.push('some runs had errors, non-2xx responses or wrong bodies');
  if (checks.some((c) => !c.ok)) bad.push('some response checks failed');
  if (bad.length) { console.log(`\nWARNING: ${bad.join('; ')}; their figures are not valid.`); process.exit(3); }
}

const f = commands[cmd];
if (!f) { console.error('usage: lambda.js create|cold|warm|check|report ...'); process.exit(2); }
Promise.resolve(f(...args.map((a) => /^[0-9]+(\.[0-9]+)?$/.test(a) ? +a : a))).catch((e) => {
  console.log(JSON.stringify({ ok: false, error: String(e.message || e) }));
  process.exit(1);
});
