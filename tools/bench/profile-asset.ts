/**
 * Profiles the shipped asset (cdk synth's bundle) warm, as the bench's side-by-side runs it: a process of
 * its own, the function's environment (NODE_OPTIONS with source maps, logs at INFO), the bench's loopback
 * endpoints with their latency. Main-thread self time per batch, by source file and by function, mapped
 * back through the bundle's source map (the bundle is minified).
 *
 *   npx tsx tools/bench/profile-asset.ts [workload=pg-10] [runs=8] [--warmup N=2] [--save FILE.cpuprofile]
 *
 * The bench's side-by-side measures the 6th and 7th invocations of each process (--warmup 5, two runs
 * a round): compare with a shorter warm-up to see what JIT compilation costs before then.
 */
import { runAssetTool } from './asset-child';

const CHILD = `
const { readFileSync, writeFileSync } = require('node:fs');
const { Session } = require('node:inspector');
const { findSourceMap } = require('node:module');
process.stdout.write = (chunk, ...rest) => { const cb = rest.find((i) => typeof i === 'function'); if (cb) cb(); return true; };
const index = process.env.BENCH_ASSET_INDEX;
const { handler } = require(index);
const files = JSON.parse(process.env.BENCH_EVENT_FILES);
const post = (session, method, params) => new Promise((ok, ko) => session.post(method, params, (e, r) => (e ? ko(e) : ok(r))));
(async () => {
  const session = new Session();
  session.connect();
  const events = files.map((file) => JSON.parse(readFileSync(file, 'utf8')));
  const warmup = Number(process.env.BENCH_WARMUP);
  for (const event of events.slice(0, warmup)) await handler(event, { getRemainingTimeInMillis: () => 120000 });
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: 100 });
  await post(session, 'Profiler.start');
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (const event of events.slice(warmup)) await handler(event, { getRemainingTimeInMillis: () => 120000 });
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const { profile } = await post(session, 'Profiler.stop');
  if (process.env.BENCH_SAVE) writeFileSync(process.env.BENCH_SAVE, JSON.stringify(profile));
  const runs = events.length - warmup;
  const map = findSourceMap(index);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) || 0) + profile.timeDeltas[i] / 1000));
  const byFn = new Map(); const byFile = new Map(); const byOwner = new Map(); let busy = 0; let idle = 0;
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const where = new Map();
  const locate = (f) => {
    const k = f.url + ':' + f.lineNumber + ':' + f.columnNumber;
    if (where.has(k)) return where.get(k);
    let r = { file: f.url ? f.url.replace(/^file:\\/\\//, '') : '', name: f.functionName || '(anonymous)' };
    if (r.file === index && map) {
      const e = map.findEntry(f.lineNumber, f.columnNumber);
      if (e && e.originalSource) r = { file: e.originalSource.replace(/^.*node_modules\\//, 'nm/').replace(/^.*\\/(lambda|testkit)\\//, '$1/'), name: (e.name || r.name) };
    }
    where.set(k, r);
    return r;
  };
  const add = (m, k, v) => m.set(k, (m.get(k) || 0) + v);
  for (const [id, ms] of self) {
    const f = byId.get(id).callFrame;
    if (f.functionName === '(idle)') { idle += ms; continue; }
    busy += ms;
    let file = f.url ? f.url.replace(/^file:\\/\\//, '') : '';
    let name = f.functionName || '(anonymous)';
    if (file === index && map) {
      const entry = map.findEntry(f.lineNumber, f.columnNumber);
      if (entry && entry.originalSource) { file = entry.originalSource.replace(/^.*node_modules\\//, 'nm/').replace(/^.*\\/(lambda|testkit)\\//, '$1/'); name = (entry.name || name) + ' ' + file + ':' + (entry.originalLine + 1); }
    } else if (file) { name = name + ' ' + file.split('/').slice(-2).join('/') + ':' + (f.lineNumber + 1); }
    const pkg = !file ? f.functionName : file.startsWith('nm/') ? file.split('/').slice(0, file.startsWith('nm/@') ? 3 : 2).join('/') : file.startsWith('lambda/') ? file : 'node:' + file.split('/').slice(-1)[0];
    add(byFn, name, ms); add(byFile, pkg, ms);
    let owner = '(no lambda frame) ' + pkg;
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const l = locate(byId.get(at).callFrame);
      if (l.file.startsWith('lambda/')) { owner = l.name + ' ' + l.file + (at === id ? ' (self)' : ' (+callees)'); break; }
    }
    add(byOwner, owner, ms);
  }
  const per = (ms) => (ms / runs).toFixed(1).padStart(7);
  const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => per(v) + '  ' + k).join('\\n');
  process.stderr.write('runs ' + runs + ': per batch wall ' + per(wall) + ' ms, process CPU ' + per((used.user + used.system) / 1000) + ' ms, main busy ' + per(busy) + ', idle ' + per(idle) + '\\n\\n');
  process.stderr.write('BY FILE / PACKAGE\\n' + top(byFile, 40) + '\\n\\nBY FUNCTION (self)\\n' + top(byFn, 40) + '\\n\\nBY NEAREST lambda/ FRAME\\n' + top(byOwner, 50) + '\\n');
  session.disconnect();
  process.exit(0);
})().catch((e) => { process.stderr.write(String(e && e.stack) + '\\n'); process.exit(1); });
`;

runAssetTool('profile-asset', CHILD, { workload: 'pg-10', runs: 8, warmup: 2 }, (save): Record<string, string> => (save ? { BENCH_SAVE: save } : {}));
