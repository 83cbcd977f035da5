/**
 * Profiles the shipped handler on one workload: main-thread CPU by function and by package, taken with
 * the V8 profiler only while the handler runs (minting and setup excluded).
 *
 *   npx tsx tools/bench/profile-run.ts [workload=pg-10] [runs=8] [--floor] [--tree DIR] [--save FILE.cpuprofile]
 *
 * --floor profiles the floor (bench/floor.ts) instead of the handler, for a like-for-like comparison;
 * --tree runs another checkout's lambda/handler.ts (a candidate change).
 *
 * Work on libuv's pool (gunzip, gzip) is not on the main thread: it shows as process CPU beyond the
 * profile's busy time.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { createHandler } from '../../lambda/handler';
import { Floor } from './floor';
import { packageOf } from './cold-start';
import { BenchServers } from './servers';
import { renderTable } from './stats';
import { buildWorkload, firehoseBatch, WORKLOADS } from './workloads';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string): string | undefined => {
    const at = args.indexOf(name);
    return at >= 0 ? args.splice(at, 2)[1] : undefined;
  };
  const save = flag('--save');
  const tree = flag('--tree');
  const floorOnly = args.includes('--floor');
  if (floorOnly) args.splice(args.indexOf('--floor'), 1);
  const name = args[0] ?? 'pg-10';
  const runs = Number(args[1] ?? 8);
  const spec = WORKLOADS.find((item) => item.name === name);
  if (!spec) throw new Error(`unknown workload ${name}`);
  const servers = await BenchServers.start({ kmsMs: 15, s3Ms: 25 });
  const session = new Session();
  session.connect();
  try {
    Object.assign(process.env, servers.env, { POWERTOOLS_LOG_LEVEL: 'ERROR' });
    const workload = await buildWorkload(spec, 1024 * 1024);
    const build: typeof createHandler = tree
      ? // eslint-disable-next-line @typescript-eslint/no-require-imports
        (require(resolve(tree, 'lambda', 'handler')) as { createHandler: typeof createHandler }).createHandler
      : createHandler;
    const handler = build(process.env);
    const floor = new Floor(workload, new KMSClient({}), new S3Client({ forcePathStyle: true }), process.env.BUCKET_NAME as string);
    floor.setPutBytes(100_000);
    const run = floorOnly ? () => floor.measure() : (event: ReturnType<typeof firehoseBatch>) => handler(event);
    await run(firehoseBatch(workload, 0)); // warm-up
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    let wall = 0;
    let cpu = 0;
    await session.post('Profiler.start');
    for (let index = 0; index < runs; index++) {
      const event = firehoseBatch(workload, index + 1);
      const cpuBefore = process.cpuUsage();
      const start = performance.now();
      await run(event);
      wall += performance.now() - start;
      const used = process.cpuUsage(cpuBefore);
      cpu += (used.user + used.system) / 1000;
    }
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
    if (save) writeFileSync(save, JSON.stringify(profile));
    summarize(profile, { runs, wall, cpu, records: workload.records.length });
  } finally {
    session.disconnect();
    await servers.stop();
  }
}

function summarize(profile: Profile, totals: { runs: number; wall: number; cpu: number; records: number }): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, index) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let idle = 0;
  let busy = 0;
  for (const [id, ms] of self) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    if (frame.functionName === '(idle)') {
      idle += ms;
      continue;
    }
    busy += ms;
    const file = frame.url.replace(/^file:\/\//, '').replace(`${process.cwd()}/`, '');
    const label = `${frame.functionName || '(anonymous)'} ${file ? `${file.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}` : ''}`.trim();
    byFunction.set(label, (byFunction.get(label) ?? 0) + ms);
    const pkg = !file ? frame.functionName : packageOf(file);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
  }
  const per = (ms: number): string => (ms / totals.runs).toFixed(1);
  const top = (map: Map<string, number>, count: number): string[][] =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, count).map(([label, ms]) => [label, per(ms), `${((ms / busy) * 100).toFixed(1)}%`]);
  process.stdout.write(
    `${totals.runs} runs of ${totals.records} records: per batch ${per(totals.wall)} ms wall, ${per(totals.cpu)} ms process CPU, ` +
      `${per(busy)} ms main-thread busy, ${per(idle)} ms main-thread idle\n\n` +
      `${renderTable(['package / builtin', 'ms per batch', 'share of busy'], top(byPackage, 15))}\n\n` +
      `${renderTable(['function (self time)', 'ms per batch', 'share of busy'], top(byFunction, 30))}\n`,
  );
}

void main();
