// Canopy's load driver: autocannon against a GraphQL endpoint, one query shape at a time.
//
//   node load.mjs --url URL --queries FILE [--duration 20] [--connections 32] [--warmup 3]
//                 [--pid SERVER_PID] [--only a,b] [--label NAME] [--out results.json]
//                 [--setup-url URL] [--compare-url URL]
//
// Derived from ../shared/anchors/bench.mjs (the script PostGraphile's figures were taken with),
// so both servers are measured by the same client: same connections, same latency histogram.
// What it adds: a queries module may export `setup(url)` returning request headers (Canopy
// needs a session), and a shape may be a `steps` sequence that each connection walks in order
// (the write mix: create, update, move, remove), carrying values between steps in `context`.
// With --pid it samples the server's VmRSS every 250 ms and its CPU time, as bench.mjs does.
// For a floor that only answers the shapes (server/benches/http_floor.rs), --setup-url names
// the Canopy server that `setup` talks to, and --compare-url one whose answers the measured
// server's must equal (20 requests per shape before measuring), so a floor cannot be fast by
// answering less.
import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';

const argv = process.argv.slice(2);
const opt = (k, d) => { const i = argv.indexOf(`--${k}`); return i >= 0 ? argv[i + 1] : d; };
const url = opt('url', 'http://127.0.0.1:8080/graphql');
if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname)) throw new Error('loopback targets only');
const duration = +opt('duration', 20), connections = +opt('connections', 32), warmup = +opt('warmup', 3);
const pid = opt('pid'), out = opt('out'), only = opt('only')?.split(','), label = opt('label', url);
const setupUrl = opt('setup-url', url), compareUrl = opt('compare-url');
const mod = await import(path.resolve(opt('queries', './queries/canopy.mjs')));
const shapes = mod.default.filter((q) => !only || only.includes(q.name));
const headers = { 'content-type': 'application/json', accept: 'application/json',
  ...(mod.setup ? await mod.setup(setupUrl) : {}) };

const rssKiB = () => { try { return +/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]; } catch { return NaN; } };
const cpuTicks = () => { try { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return +f[11] + +f[12]; } catch { return NaN; } };

// A shape is either one query (`query` + `vars()`) or `steps`, each `{ query, vars(context),
// read(data, context) }`; a step whose response has errors counts as a GraphQL error.
const stepsOf = (q) => q.steps ?? [{ query: q.query, vars: () => q.vars() }];

async function post(query, variables, to = url) {
  const r = await fetch(to, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  return { status: r.status, text: await r.text() };
}

// Asks the measured server and the --compare-url server the same requests of a one-query
// shape and fails on the first answer that differs.
async function compare(q) {
  if (!compareUrl || q.steps) return;
  for (let i = 0; i < 20; i++) {
    const variables = q.vars();
    const [mine, theirs] = await Promise.all([post(q.query, variables), post(q.query, variables, compareUrl)]);
    if (!isDeepStrictEqual(JSON.parse(mine.text), JSON.parse(theirs.text))) {
      throw new Error(`${q.name}: the answer differs from ${compareUrl} for ${JSON.stringify(variables)}:\n` +
        `${mine.text.slice(0, 400)}\n${theirs.text.slice(0, 400)}`);
    }
  }
}

// Walks a shape's steps once outside the load, so a broken query fails loudly before any figure.
async function preflight(q) {
  const context = {};
  let bytes = 0;
  for (const step of stepsOf(q)) {
    const { status, text } = await post(step.query, step.vars(context));
    if (status !== 200 || text.includes('"errors"')) throw new Error(`${q.name}: preflight ${status} ${text.slice(0, 300)}`);
    step.read?.(JSON.parse(text).data, context);
    bytes = Math.max(bytes, text.length);
  }
  return bytes;
}

const run = (q, secs, check) => new Promise((resolve, reject) => {
  let gqlErrors = 0;
  const requests = stepsOf(q).map((step) => ({
    method: 'POST',
    setupRequest: (req, context) => ({ ...req, body: JSON.stringify({ query: step.query, variables: step.vars(context) }) }),
    onResponse: (status, body, context) => {
      if (check && body.includes('"errors"')) gqlErrors++;
      if (step.read) { try { step.read(JSON.parse(body).data, context); } catch { /* counted above */ } }
    },
  }));
  autocannon({ url, connections, duration: secs, headers, requests },
    (err, res) => (err ? reject(err) : resolve({ res, gqlErrors })));
});

const rows = [];
console.log(`${label}: ${url} duration ${duration}s connections ${connections} warmup ${warmup}s` +
  (pid ? ` server RSS ${(rssKiB() / 1024).toFixed(1)} MiB` : ''));
for (const q of shapes) {
  const respBytes = await preflight(q);
  await compare(q);
  if (warmup > 0) await run(q, warmup, false);
  let peak = 0; const rss0 = rssKiB(), cpu0 = cpuTicks();
  const timer = pid && setInterval(() => { peak = Math.max(peak, rssKiB()); }, 250);
  const { res, gqlErrors } = await run(q, duration, true);
  if (timer) clearInterval(timer);
  const cpuSec = (cpuTicks() - cpu0) / 100; // USER_HZ = 100
  const row = { query: q.name, respBytes, reqPerSec: res.requests.average, total: res.requests.total,
    p50ms: res.latency.p50, p90ms: res.latency.p90, p99ms: res.latency.p99, maxMs: res.latency.max,
    non2xx: res.non2xx, socketErrors: res.errors, gqlErrors, rssPeakMiB: Math.max(peak, rss0) / 1024,
    serverCpuPct: (100 * cpuSec) / duration, serverCpuMsPerReq: (1000 * cpuSec) / res.requests.total };
  rows.push(row);
  console.log(`${q.name.padEnd(7)} ${row.reqPerSec.toFixed(1).padStart(7)} req/s p50 ${row.p50ms} ms p90 ${row.p90ms} ms p99 ${row.p99ms} ms max ${row.maxMs} ms n=${row.total} ` +
    `non2xx=${row.non2xx} sockErr=${row.socketErrors} gqlErr=${gqlErrors} resp=${respBytes}B` +
    (pid ? ` RSSpeak=${row.rssPeakMiB.toFixed(0)}MiB srvCPU=${row.serverCpuPct.toFixed(0)}% (${row.serverCpuMsPerReq.toFixed(2)} ms/req)` : ''));
}
if (out) fs.writeFileSync(out, JSON.stringify({ label, url, duration, connections, date: new Date().toISOString(), rows }, null, 2));
// A run with errors is not a measurement: fail, so the smoke run in CI catches a broken shape.
if (rows.some((r) => r.non2xx > 0 || r.gqlErrors > 0 || r.socketErrors > 0)) {
  console.error('some requests failed: the figures above are not a measurement');
  process.exit(1);
}
