/**
 * Where the shipped asset (cdk synth's bundle) allocates, warm, as the bench's side-by-side runs it (see
 * asset-child.ts): V8's sampling heap profiler over the measured batches, objects the collector has
 * since freed included, so what is counted is everything allocated, not what is left. MiB per batch by
 * function, mapped back through the bundle's source map, and by the nearest lambda/ frame.
 *
 *   npx tsx tools/bench/allocations-asset.ts [workload=pg-10-alerts] [runs=6] [--warmup N=5]
 *
 * Allocation is what sets the garbage collector's pace: a batch that allocates less is collected less.
 * Buffers' bytes live outside the JavaScript heap and are not counted.
 */
import { runAssetTool } from './asset-child';

const CHILD = `
const { readFileSync } = require('node:fs');
const { Session } = require('node:inspector');
const { findSourceMap } = require('node:module');
process.stdout.write = (chunk, ...rest) => { const cb = rest.find((i) => typeof i === 'function'); if (cb) cb(); return true; };
const index = process.env.BENCH_ASSET_INDEX;
const { handler } = require(index);
const post = (session, method, params) => new Promise((ok, ko) => session.post(method, params, (e, r) => (e ? ko(e) : ok(r))));
(async () => {
  const session = new Session();
  session.connect();
  const events = JSON.parse(process.env.BENCH_EVENT_FILES).map((file) => JSON.parse(readFileSync(file, 'utf8')));
  const warmup = Number(process.env.BENCH_WARMUP);
  for (const event of events.slice(0, warmup)) await handler(event, { getRemainingTimeInMillis: () => 120000 });
  await post(session, 'HeapProfiler.enable');
  await post(session, 'HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  for (const event of events.slice(warmup)) await handler(event, { getRemainingTimeInMillis: () => 120000 });
  const { profile } = await post(session, 'HeapProfiler.stopSampling');
  const runs = events.length - warmup;
  const map = findSourceMap(index);
  const byFunction = new Map();
  const byOwner = new Map();
  const add = (into, key, bytes) => into.set(key, (into.get(key) || 0) + bytes);
  const walk = (node, owner) => {
    const frame = node.callFrame;
    let file = frame.url.replace(/^file:\\/\\//, '');
    let name = (frame.functionName || '(anonymous)') + ' ' + file.split('/').slice(-1)[0] + ':' + (frame.lineNumber + 1);
    if (file === index && map) {
      const entry = map.findEntry(frame.lineNumber, frame.columnNumber);
      if (entry && entry.originalSource) {
        file = entry.originalSource.replace(/^.*node_modules\\//, 'nm/').replace(/^.*\\/(lambda|testkit)\\//, '$1/');
        name = (entry.name || frame.functionName || '(anonymous)') + ' ' + file + ':' + (entry.originalLine + 1);
      }
    }
    const nearest = file.startsWith('lambda/') ? name : owner;
    add(byFunction, name, node.selfSize);
    add(byOwner, nearest || '(no lambda frame)', node.selfSize);
    for (const child of node.children) walk(child, nearest);
  };
  walk(profile.head, '');
  const top = (entries) => [...entries].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([key, bytes]) => (bytes / runs / 1048576).toFixed(2).padStart(8) + ' MiB  ' + key).join('\\n');
  process.stderr.write('runs ' + runs + ': allocated per batch, by function\\n' + top(byFunction) + '\\n\\nby nearest lambda/ frame\\n' + top(byOwner) + '\\n');
  session.disconnect();
  process.exit(0);
})().catch((error) => { process.stderr.write(String(error && error.stack) + '\\n'); process.exit(1); });
`;

runAssetTool('allocations-asset', CHILD, { workload: 'pg-10-alerts', runs: 6, warmup: 5 });
