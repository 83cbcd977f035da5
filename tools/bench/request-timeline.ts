/**
 * When each request of a warm batch leaves and is answered, in the shipped asset (cdk synth's bundle) as
 * the bench's side-by-side runs it (see asset-child.ts): node's `http.request` is wrapped in the asset's
 * process, and each measured batch prints, in ms from the invocation's start, every event PUT as
 * `sent/answered/ended`, then each kind of request (KMS, the journal's PUT, the outbox's PUT, the event
 * PUTs) as `count first-sent – last-ended`, and the batch's wall time.
 *
 *   npx tsx tools/bench/request-timeline.ts [workload=pg-10-alerts] [runs=8] [--warmup N=5]
 *
 * An answer is seen when the asset's event loop gets to it: a late answer may be a busy main thread as
 * much as a slow server.
 */
import { runAssetTool } from './asset-child';

const CHILD = `
const { readFileSync } = require('node:fs');
const { performance } = require('node:perf_hooks');
process.stdout.write = (chunk, ...rest) => { const cb = rest.find((i) => typeof i === 'function'); if (cb) cb(); return true; };
const http = require('node:http');
const request = http.request;
let start = 0;
let seen = [];
http.request = function (...args) {
  const req = request.apply(this, args);
  const options = args[0] || {};
  const path = String(options.path || '').split('?')[0];
  const kind = options.method !== 'PUT' ? 'KMS' : path.includes('/journal/') ? 'journal PUT' : path.includes('/alerts/') ? 'outbox PUT' : 'event PUTs';
  const sent = performance.now() - start;
  req.on('response', (res) => { const answered = performance.now() - start; res.on('end', () => seen.push({ kind, sent, answered, ended: performance.now() - start })); });
  return req;
};
require('node:module').syncBuiltinESMExports();
const { handler } = require(process.env.BENCH_ASSET_INDEX);
const warmup = Number(process.env.BENCH_WARMUP);
(async () => {
  const events = JSON.parse(process.env.BENCH_EVENT_FILES).map((file) => JSON.parse(readFileSync(file, 'utf8')));
  for (const [index, event] of events.entries()) {
    seen = [];
    start = performance.now();
    await handler(event, { getRemainingTimeInMillis: () => 120000 });
    const wall = performance.now() - start;
    if (index < warmup) continue;
    seen.sort((a, b) => a.sent - b.sent);
    const ms = (value) => value.toFixed(0);
    const puts = seen.filter((item) => item.kind === 'event PUTs').map((item) => ms(item.sent) + '/' + ms(item.answered) + '/' + ms(item.ended));
    const kinds = {};
    for (const item of seen) (kinds[item.kind] ??= []).push(item);
    const summary = Object.entries(kinds).map(([kind, items]) => kind + ' x' + items.length + ' ' + ms(Math.min(...items.map((i) => i.sent))) + '-' + ms(Math.max(...items.map((i) => i.ended)))).join(' | ');
    process.stderr.write('  event PUTs sent/answered/ended: ' + puts.join(' ') + '\\n');
    process.stderr.write('batch ' + ms(wall) + ' ms: ' + summary + '\\n');
  }
  process.exit(0);
})().catch((error) => { process.stderr.write(String(error && error.stack) + '\\n'); process.exit(1); });
`;

runAssetTool('request-timeline', CHILD, { workload: 'pg-10-alerts', runs: 8, warmup: 5 });
