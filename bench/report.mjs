// Sets the results of one bench/run side by side, as Markdown for docs/BENCHMARKS.md:
//   node bench/report.mjs target/bench/<run>/*.json
// Each file is what bench/load.mjs (or the raw_sql bench) wrote; the ratios compare every
// Canopy run with PostGraphile (throughput: higher is better; p99: lower is better), with the
// raw-SQL floor of the same backend (p50 latency: how much HTTP and GraphQL add), and with the
// HTTP floor of the same backend (the same statements behind a bare poem route: throughput and
// CPU per request, i.e. what GraphQL itself costs).
import fs from 'node:fs';

const runs = process.argv.slice(2).filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
const byLabel = new Map(runs.map((r) => [r.label, r]));
const anchor = byLabel.get('postgraphile');
const canopy = runs.filter((r) => r.label.startsWith('canopy'));
const backendOf = (label) => label.split(' ')[1];
const raw = (label) => byLabel.get(`raw sql (${backendOf(label)})`);
const http = (label) => byLabel.get(`http floor (${backendOf(label)})`);
const row = (run, name) => run?.rows.find((x) => x.query === name);
const f = (x, d = 1) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));

const lines = [];
lines.push('| server | query | req/s | p50 ms | p99 ms | CPU ms/req | peak RSS MiB | × PostGraphile req/s | PostGraphile p99 ÷ ours | ÷ raw SQL p50 | ÷ HTTP floor req/s | CPU ÷ HTTP floor |');
lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
const others = runs.filter((r) => r.label.startsWith('raw') || r.label.startsWith('http floor'));
for (const run of [...canopy, anchor, ...others].filter(Boolean)) {
  for (const r of run.rows) {
    const ours = run.label.startsWith('canopy');
    const a = row(anchor, r.query);
    const floor = ours ? row(raw(run.label), r.query) : undefined;
    const bare = ours ? row(http(run.label), r.query) : undefined;
    lines.push(`| ${run.label} | ${r.query} | ${f(r.reqPerSec)} | ${f(r.p50ms)} | ${f(r.p99ms)} | ` +
      `${f(r.serverCpuMsPerReq, 2)} | ${f(r.rssPeakMiB, 0)} | ` +
      `${ours && a ? f(r.reqPerSec / a.reqPerSec, 2) : ''} | ${ours && a ? f(a.p99ms / r.p99ms, 2) : ''} | ` +
      `${floor ? f(r.p50ms / Math.max(floor.p50ms, 0.01), 1) : ''} | ` +
      `${bare ? f(r.reqPerSec / bare.reqPerSec, 2) : ''} | ` +
      `${bare ? f(r.serverCpuMsPerReq / bare.serverCpuMsPerReq, 2) : ''} |`);
  }
}
console.log(lines.join('\n'));
