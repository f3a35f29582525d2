#!/usr/bin/env node
// Helpers of bench/esm.sh (DynamoDB stream -> event source mapping -> Python handler).
// Every command prints one JSON line ({"ok":false,"error":...} on failure) and is bounded in
// time; only 127.0.0.1 is contacted.
//   setup URL TABLE FUNCTION ZIP LOGFILE HANDLER BATCH   table (stream KEYS_ONLY), function
//                                   (python3.12, env LOG_FILE), mapping (LATEST, BatchSize)
//   latency URL TABLE LOGFILE N SPACING_MS WARMUP       N single PutItems, one connection,
//                                   SPACING_MS apart; per key the client time right after the
//                                   response vs the handler's time.time() on receipt
//   sustained URL TABLE LOGFILE RATE SECONDS CONNS DRAIN_S   PutItems at RATE/s over CONNS
//                                   keep-alive connections for SECONDS; written vs delivered
//                                   (lines in LOGFILE) sampled every second, then the drain
//   report RECORDS.jsonl OUT.json   the table on stdout and the results file
'use strict';
const fs = require('fs');
const http = require('http');
const { performance } = require('perf_hooks');

const AUTH = 'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, ' +
  'SignedHeaders=host;x-amz-date;x-amz-target, Signature=' + '0'.repeat(64);
const LAMBDA_AUTH = AUTH.replace('/dynamodb/', '/lambda/');
const now = () => performance.timeOrigin + performance.now();  // wall clock, ms, us precision
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function request(url, agent, method, path, headers, body) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path, method, agent,
      headers: { ...headers, 'Content-Length': Buffer.byteLength(body || '') } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.setTimeout(30000, () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
    req.on('error', reject);
    req.end(body || '');
  });
}

async function ddb(url, agent, op, payload) {
  const r = await request(url, agent, 'POST', '/', { 'Content-Type': 'application/x-amz-json-1.0',
    'X-Amz-Target': `DynamoDB_20120810.${op}`, 'X-Amz-Date': '20240101T000000Z', Authorization: AUTH },
  JSON.stringify(payload));
  if (r.status !== 200) throw new Error(`${op}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
  return JSON.parse(r.body);
}

async function lambda(url, method, path, payload) {
  const r = await request(url, undefined, method, path, { 'Content-Type': 'application/json',
    'X-Amz-Date': '20240101T000000Z', Authorization: LAMBDA_AUTH }, JSON.stringify(payload));
  if (r.status >= 300) throw new Error(`${method} ${path}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
  return JSON.parse(r.body);
}

// The handler's log: "<pk> <epoch seconds>" lines; read incrementally.
class LogTail {
  constructor(file) { this.file = file; this.pos = 0; this.rest = ''; this.lines = 0; this.seen = new Map(); }
  read(keep = true) {
    let fd;
    try { fd = fs.openSync(this.file, 'r'); } catch { return this.lines; }
    try {
      const size = fs.fstatSync(fd).size;
      if (size > this.pos) {
        const buf = Buffer.alloc(size - this.pos);
        fs.readSync(fd, buf, 0, buf.length, this.pos);
        this.pos = size;
        const text = this.rest + buf.toString();
        const cut = text.lastIndexOf('\n') + 1;
        this.rest = text.slice(cut);
        for (const line of text.slice(0, cut).split('\n')) {
          if (!line) continue;
          this.lines++;
          if (keep) {
            const sp = line.indexOf(' ');
            const key = line.slice(0, sp);
            if (!this.seen.has(key)) this.seen.set(key, Number(line.slice(sp + 1)) * 1000);
          }
        }
      }
    } finally { fs.closeSync(fd); }
    return this.lines;
  }
}

const pct = (sorted, p) => sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)] : null;
const r3 = (x) => x == null ? null : Math.round(x * 1000) / 1000;

const commands = {
  async setup(url, table, fn, zip, logfile, handler, batch) {
    const t = await ddb(url, undefined, 'CreateTable', { TableName: table, BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } });
    const stream = t.TableDescription.LatestStreamArn;
    await lambda(url, 'POST', '/2015-03-31/functions', { FunctionName: fn, Runtime: 'python3.12',
      Role: 'arn:aws:iam::000000000000:role/bench', Handler: handler, Timeout: 60, MemorySize: 256,
      Code: { ZipFile: fs.readFileSync(zip).toString('base64') }, Environment: { Variables: { LOG_FILE: logfile } } });
    const m = await lambda(url, 'POST', '/2015-03-31/event-source-mappings/', { FunctionName: fn,
      EventSourceArn: stream, StartingPosition: 'LATEST', BatchSize: Number(batch) });
    return { ok: true, stream, uuid: m.UUID };
  },

  async latency(url, table, logfile, nArg, spacingArg, warmupArg) {
    const n = Number(nArg), spacing = Number(spacingArg), warmup = Number(warmupArg);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const log = new LogTail(logfile);
    const put = (pk, extra) => ddb(url, agent, 'PutItem', { TableName: table,
      Item: { pk: { S: pk }, sent: { N: extra.toFixed(3) }, payload: { S: 'x'.repeat(64) } } });
    async function waitFor(keys, ms) {
      const until = now() + ms;
      while (keys.some((k) => !log.seen.has(k))) {
        if (now() > until) return false;
        log.read();
        await sleep(2);
      }
      return true;
    }
    // warm-up: the instance started and every path taken once
    const warm = [];
    for (let i = 0; i < warmup; i++) { const k = `warm${i}`; warm.push(k); await put(k, now()); await sleep(spacing); }
    if (!await waitFor(warm, 20000)) return { ok: false, error: `warm-up records not delivered in 20 s (${log.seen.size}/${warmup})` };
    const sent = new Map(), acked = new Map();
    const t0 = now();
    for (let i = 0; i < n; i++) {
      const k = `lat${String(i).padStart(6, '0')}`;
      const ts = now();
      sent.set(k, ts);
      await put(k, ts);
      acked.set(k, now());  // client-side time right after the response
      log.read();
      await sleep(spacing);
    }
    const writeS = (now() - t0) / 1000;
    const keys = [...acked.keys()];
    if (!await waitFor(keys, 20000)) {
      return { ok: false, error: `${keys.filter((k) => !log.seen.has(k)).length} of ${n} records not delivered in 20 s` };
    }
    const fromAck = keys.map((k) => log.seen.get(k) - acked.get(k)).sort((a, b) => a - b);
    const fromSend = keys.map((k) => log.seen.get(k) - sent.get(k)).sort((a, b) => a - b);
    const rtt = keys.map((k) => acked.get(k) - sent.get(k)).sort((a, b) => a - b);
    agent.destroy();
    return { ok: true, n, spacing_ms: spacing, write_s: r3(writeS),
      p50_ms: r3(pct(fromAck, 50)), p90_ms: r3(pct(fromAck, 90)), p99_ms: r3(pct(fromAck, 99)),
      min_ms: r3(fromAck[0]), max_ms: r3(fromAck[fromAck.length - 1]),
      before_response: fromAck.filter((x) => x < 0).length,
      from_request_p50_ms: r3(pct(fromSend, 50)), from_request_p99_ms: r3(pct(fromSend, 99)),
      from_request_min_ms: r3(fromSend[0]), put_rtt_p50_ms: r3(pct(rtt, 50)) };
  },

  async sustained(url, table, logfile, rateArg, secondsArg, connsArg, drainArg) {
    const rate = Number(rateArg), seconds = Number(secondsArg), conns = Number(connsArg), drainS = Number(drainArg);
    const agent = new http.Agent({ keepAlive: true, maxSockets: conns });
    const log = new LogTail(logfile);
    const base = log.read(false);  // lines already there (the warm-up's)
    const delivered = () => log.read(false) - base;
    let issued = 0, acked = 0, errors = 0, firstError = null, inflight = 0, skipped = 0;
    const put = (i) => {
      inflight++;
      ddb(url, agent, 'PutItem', { TableName: table, Item: { pk: { S: `s${String(i).padStart(7, '0')}` },
        payload: { S: 'x'.repeat(64) }, n: { N: String(i) } } })
        .then(() => { acked++; }, (e) => { errors++; firstError = firstError || e.message; })
        .finally(() => { inflight--; });
    };
    const samples = [];
    const t0 = now();
    const total = Math.round(rate * seconds);
    let nextSample = t0 + 1000;
    // paced: at each tick, issue what the schedule says is due; at most 4*conns in flight
    while (issued < total) {
      const t = now();
      const due = Math.min(total, Math.floor((t - t0) / 1000 * rate));
      while (issued < due) {
        if (inflight >= conns * 4) { skipped++; break; }
        put(issued++);
      }
      if (t >= nextSample) {
        const d = delivered();
        samples.push({ t: r3((t - t0) / 1000), written: acked, delivered: d, backlog: acked - d });
        nextSample += 1000;
      }
      await sleep(1);
      if (t - t0 > (seconds + 30) * 1000) break;  // hard bound
    }
    while (inflight > 0 && now() - t0 < (seconds + 30) * 1000) await sleep(1);
    const tw = now();
    const writeS = (tw - t0) / 1000;
    const deliveredAtEnd = delivered();
    samples.push({ t: r3(writeS), written: acked, delivered: deliveredAtEnd, backlog: acked - deliveredAtEnd });
    // drain: how long until everything written was delivered
    let drained = null;
    while (now() - tw < drainS * 1000) {
      if (delivered() >= acked) { drained = (now() - tw) / 1000; break; }
      await sleep(5);
    }
    agent.destroy();
    // trend: least-squares slope of the backlog over the second half of the samples
    const half = samples.filter((s) => s.t >= writeS / 2);
    let slope = null;
    if (half.length >= 2) {
      const mx = half.reduce((a, s) => a + s.t, 0) / half.length, my = half.reduce((a, s) => a + s.backlog, 0) / half.length;
      const num = half.reduce((a, s) => a + (s.t - mx) * (s.backlog - my), 0), den = half.reduce((a, s) => a + (s.t - mx) ** 2, 0);
      slope = den ? num / den : 0;
    }
    const maxBacklog = Math.max(...samples.map((s) => s.backlog));
    return { ok: errors === 0, ...(errors ? { error: `${errors} PutItems failed: ${firstError}` } : {}),
      target_rate: rate, seconds: r3(writeS), conns, written: acked, errors, skipped_ticks: skipped,
      writes_per_s: r3(acked / writeS), delivered_per_s: r3(deliveredAtEnd / writeS),
      backlog_end: acked - deliveredAtEnd, backlog_max: maxBacklog, backlog_slope_per_s: r3(slope),
      drain_s: drained == null ? null : r3(drained), delivered_total: delivered(), samples };
  },

  report(recordsFile, outFile) {
    const records = fs.readFileSync(recordsFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const meta = records.find((r) => r.kind === 'meta') || {};
    const get = (name) => (records.find((r) => r.kind === 'result' && r.name === name) || {}).value || null;
    const lat = get('latency'), sus = get('sustained');
    const notes = records.filter((r) => r.kind === 'note').map((r) => r.text);
    const floors = [];
    const floor = (name, value, op, limit, unit, valid, fmt) => {
      const pass = value == null ? null : op === '<' ? value < limit : value >= limit;
      floors.push({ name, measured: value, floor: `${op} ${limit}${unit}`, fmt,
        result: value == null ? 'n/a' : !valid ? 'INVALID' : pass ? 'PASS' : 'FAIL' });
    };
    const latOk = !!lat && lat.ok && lat.from_request_min_ms >= 0;  // same clock: never before the request
    floor('put -> handler latency p50 (warm)', lat && lat.ok ? lat.p50_ms : null, '<', 5, ' ms', latOk, 3);
    floor('put -> handler latency p99 (warm)', lat && lat.ok ? lat.p99_ms : null, '<', 20, ' ms', latOk, 3);
    const susOk = !!sus && sus.ok;
    const rate = sus ? sus.target_rate : meta.rate;
    floor(`sustained writes/s (target ${rate})`, sus ? sus.writes_per_s : null, '>=', Math.round(rate * 0.95), '/s', susOk, 0);
    floor('delivered/s over the same window', sus ? sus.delivered_per_s : null, '>=', sus ? Math.round(sus.writes_per_s * 0.95) : 0, '/s', susOk, 0);
    floor('backlog at the end of the writes (records)', sus ? sus.backlog_end : null, '<', rate, '', susOk, 0);
    floor('backlog trend, 2nd half (records/s)', sus ? sus.backlog_slope_per_s : null, '<', Math.round(rate * 0.02), '/s', susOk, 1);
    floor('drain after the writes stop (s)', sus ? sus.drain_s : null, '<', 2, ' s', susOk, 2);

    const pad = (v, n) => String(v).padStart(n), padr = (v, n) => String(v).padEnd(n);
    const num = (v, d) => v == null ? '-' : Number(v).toFixed(d);
    const out = [];
    out.push(`awsemu event source mapping benchmark (${meta.commit || '?'}, awsemu sha256 ${meta.awsemu_sha256 || '?'}), ` +
      `${meta.cores} cores shared, load average ${meta.load_before} before, ${meta.load_after ?? '?'} after`);
    out.push(`table stream KEYS_ONLY -> mapping (LATEST, BatchSize ${meta.batch}) -> fixtures/lambda/python_stream_log ` +
      `stream_log.latency (python3.12 on ${meta.python || '?'}); writers: node, keep-alive PutItem`);
    if (lat) {
      out.push('', `latency: ${lat.n} single PutItems ${lat.spacing_ms} ms apart on one connection after ${meta.warmup} warm-up ones;`,
        '  from the client time right after the PutItem response to the handler\'s time.time() on receipt (same clock)');
      if (lat.ok) {
        out.push(`  p50 ${num(lat.p50_ms, 3)} ms, p90 ${num(lat.p90_ms, 3)}, p99 ${num(lat.p99_ms, 3)}, min ${num(lat.min_ms, 3)}, max ${num(lat.max_ms, 3)};` +
          ` ${lat.before_response} records reached the handler before their response reached the client`);
        out.push(`  from the request sent: p50 ${num(lat.from_request_p50_ms, 3)} ms, p99 ${num(lat.from_request_p99_ms, 3)}; PutItem round trip p50 ${num(lat.put_rtt_p50_ms, 3)} ms`);
      } else out.push(`  FAILED: ${lat.error}`);
    }
    if (sus) {
      out.push('', `sustained: PutItems paced at ${sus.target_rate}/s over ${sus.conns} connections for ${num(sus.seconds, 1)} s; ` +
        'delivered = lines the handler wrote; backlog = written (answered) - delivered, each second',
        '  (below 0 when records reached the handler before their PutItem answer reached the writer):');
      out.push('  ' + (sus.samples || []).map((s) => `${num(s.t, 0)}s:${s.backlog}`).join(' '));
      out.push(`  written ${sus.written} (${num(sus.writes_per_s, 0)}/s), delivered ${num(sus.delivered_per_s, 0)}/s, backlog max ${sus.backlog_max}, ` +
        `end ${sus.backlog_end}, trend ${num(sus.backlog_slope_per_s, 1)}/s, drained ${sus.drain_s == null ? 'NOT' : 'in ' + num(sus.drain_s, 2) + ' s'}; ` +
        `delivered in all ${sus.delivered_total}; awsemu CPU ${meta.sustained_cpu_pct ?? '?'}% of a core, handlers ${meta.sustained_handler_cpu_pct ?? '?'}%` +
        (sus.ok ? '' : `; FAILED: ${sus.error}`));
    }
    out.push('', padr('floor', 46) + padr('figure', 14) + padr('limit', 12) + 'result');
    for (const f of floors) out.push(padr(f.name, 46) + padr(num(f.measured, f.fmt), 14) + padr(f.floor, 12) + f.result);
    for (const n of notes) out.push(`note: ${n}`);
    console.log(out.join('\n'));
    fs.mkdirSync(require('path').dirname(outFile), { recursive: true });
    fs.writeFileSync(outFile, JSON.stringify({ meta, floors, latency: lat, sustained: sus, notes }, null, 2) + '\n');
    return floors.some((f) => f.result !== 'PASS') ? 1 : 0;
  },
};

const [cmd, ...args] = process.argv.slice(2);
const f = commands[cmd];
if (!f) { console.error('usage: esm.js setup|latency|sustained|report ...'); process.exit(2); }
if (cmd === 'report') process.exit(f(...args));
const limit = setTimeout(() => { console.log(JSON.stringify({ ok: false, error: `${cmd}: time limit of 180 s` })); process.exit(1); }, 180000);
Promise.resolve(f(...args)).then((r) => { clearTimeout(limit); console.log(JSON.stringify(r)); process.exit(r.ok ? 0 : 1); },
  (e) => { clearTimeout(limit); console.log(JSON.stringify({ ok: false, error: e.message })); process.exit(1); });
