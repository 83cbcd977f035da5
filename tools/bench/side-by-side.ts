import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { literalEnvironment, type BundledAsset } from '../../testkit/bundled-asset';
import { measureInChild, type FloorWorkloadFile } from './fair-floor';
import { median, round, spread, type Spread } from './stats';
import { firehoseBatch, workloadEnvironment, type Workload } from './workloads';

/**
 * The alert-path comparison: the shipped asset (`cdk synth`'s bundle of the transformer) warm in a fresh
 * process of its own, against the local KMS and S3 endpoints with their latency, side by side with the
 * SDK floor and the bare-primitives floor, each warm in a fresh process of its own too
 * (fair-floor-child.ts), over the same records in the same run. Each floor is charged the one KMS and
 * one S3 round trip the batch cannot avoid (measured by the main bench's floor against the same
 * endpoints), so the ratios compare whole batches.
 */

/** One warm run of the shipped asset, from its own clock and its own `batch transformed` line. */
export interface AssetRun {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly responseBytes: number;
  readonly answers: Readonly<Record<string, number>>;
  readonly kmsCalls?: number;
  readonly s3Puts?: number;
  readonly journalPuts?: number;
  readonly alertPuts?: number;
  readonly alerts?: number;
}

export interface SideBySideResult {
  /** The shipped asset's batch time, warm runs only. */
  readonly batchMs: Spread;
  readonly cpuMsPerBatch: number;
  /** One KMS and one S3 round trip, as measured: what each floor is charged besides its own loop. */
  readonly roundTripsMs: number;
  /** SDK decrypt + gunzip + JSON.parse over the batch's records (median pass), plus the round trips. */
  readonly sdkFloorMs: number;
  /** AES-GCM + HKDF (+ ECDSA verify) + gunzip + JSON.parse over the records (median pass), plus the round trips. */
  readonly primitivesFloorMs: number;
  /** The SDK floor of each round (its median is `sdkFloorMs`): how much the machine's load moved it. */
  readonly sdkFloorRounds: readonly number[];
  readonly ratioToSdkFloor: number;
  readonly ratioToPrimitivesFloor: number;
  /** From the asset's last run's log line: what it asked of the outside world and the alerts it raised. */
  readonly lastRun: AssetRun;
}

/** How the side-by-side runs: the asset, the endpoints it talks to, and how many runs. */
export interface SideBySideOptions {
  readonly asset: BundledAsset;
  /** The SDK configuration pointing at the bench's KMS endpoint and S3 proxy. */
  readonly endpoints: Readonly<Record<string, string>>;
  readonly warmup: number;
  readonly runs: number;
  /** Measured KMS + S3 round trip, ms. */
  readonly roundTripsMs: number;
  /** Numbers batches so that no two runs share a record ID. */
  readonly nextBatch: () => number;
}

/**
 * Measures one workload: in each round, the asset's runs, then the SDK floor, then the primitives floor,
 * each in a fresh process; medians over the rounds.
 */
export async function measureSideBySide(workload: Workload, options: SideBySideOptions): Promise<SideBySideResult> {
  const directory = await mkdtemp(join(tmpdir(), 'das-bench-side-'));
  try {
    const floorFile = join(directory, 'records.json');
    const records: FloorWorkloadFile = {
      name: workload.spec.name,
      resourceId: workload.resourceId,
      keys: workload.keys.map((key) => Buffer.from(key.plaintext).toString('hex')),
      records: workload.records.map(({ version, databaseActivityEvents, keyIndex }) => ({ version, databaseActivityEvents, keyIndex })),
    };
    await writeFile(floorFile, JSON.stringify(records));
    const perBatch = async (mode: 'sdk-floor' | 'primitives-floor', passes: number): Promise<number> =>
      (await measureInChild(floorFile, mode, options.warmup, passes)).msPerRecord * workload.records.length;

    // In rounds (each a fresh process of each kind), so that the three see the same spells of load on a
    // shared machine rather than one side getting a quiet minute and the other a busy one.
    const rounds = Math.min(options.runs, ROUNDS);
    const runs: AssetRun[] = [];
    const sdkFloors: number[] = [];
    const primitivesFloors: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const passes = Math.ceil(options.runs / rounds);
      runs.push(...(await runAssetChild(await assetEnv(workload, options, directory, round, options.warmup + passes))).slice(options.warmup));
      sdkFloors.push((await perBatch('sdk-floor', passes)) + options.roundTripsMs);
      primitivesFloors.push((await perBatch('primitives-floor', passes)) + options.roundTripsMs);
    }
    const batchMs = spread(runs.map((run) => run.wallMs));
    const sdkFloorMs = median(sdkFloors);
    const primitivesFloorMs = median(primitivesFloors);
    return {
      batchMs,
      cpuMsPerBatch: round(median(runs.map((run) => run.cpuMs)), 1),
      roundTripsMs: round(options.roundTripsMs, 1),
      sdkFloorMs: round(sdkFloorMs, 1),
      primitivesFloorMs: round(primitivesFloorMs, 1),
      sdkFloorRounds: sdkFloors.map((value) => round(value, 1)),
      ratioToSdkFloor: round(batchMs.median / sdkFloorMs, 3),
      ratioToPrimitivesFloor: round(batchMs.median / primitivesFloorMs, 3),
      lastRun: runs[runs.length - 1] as AssetRun,
    };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/**
 * Rounds of fresh processes per workload (fewer when there are fewer runs). Five, not three: the same
 * floor differs by up to half between two fresh processes (each settles in its own JIT state), and the
 * median of three still moved the ratios by 0.2 between runs.
 */
const ROUNDS = 5;

/** The asset process's environment: the function's, the endpoints, and `count` Firehose events to run. */
async function assetEnv(workload: Workload, options: SideBySideOptions, directory: string, round: number, count: number): Promise<NodeJS.ProcessEnv> {
  const eventFiles: string[] = [];
  for (let run = 0; run < count; run++) {
    const file = join(directory, `event-${round}-${run}.json`);
    // Freshly sealed key blobs every run: the warm function's key cache misses and pays its KMS call.
    await writeFile(file, JSON.stringify(firehoseBatch(workload, options.nextBatch())));
    eventFiles.push(file);
  }
  return {
    PATH: process.env.PATH ?? '',
    ...literalEnvironment(options.asset.environment),
    ...options.endpoints,
    ...workloadEnvironment(workload.spec),
    // The bench reads the function's own `batch transformed` line for its request counts.
    POWERTOOLS_LOG_LEVEL: 'INFO',
    BENCH_ASSET_INDEX: join(options.asset.directory, 'index.js'),
    BENCH_EVENT_FILES: JSON.stringify(eventFiles),
  };
}

/**
 * The asset's process: plain `node` (the bundle is JavaScript; NODE_OPTIONS from the function's
 * environment, source maps on as deployed), the function's log lines taken off stdout and read. No
 * collection is forced between runs: a warm function pays its own garbage as it goes, and so do the
 * floors (a forced full collection before each run made the asset's next run 20–30 % slower, not faster).
 */
const CHILD = `
const { readFileSync } = require('node:fs');
const { performance } = require('node:perf_hooks');
let lines = [];
process.stdout.write = (chunk, ...rest) => {
  for (const text of String(chunk).split('\\n')) if (text.trim()) lines.push(text);
  const callback = rest.find((item) => typeof item === 'function');
  if (callback) callback();
  return true;
};
const { handler } = require(process.env.BENCH_ASSET_INDEX);
const files = JSON.parse(process.env.BENCH_EVENT_FILES);
(async () => {
  const runs = [];
  for (const file of files) {
    const event = JSON.parse(readFileSync(file, 'utf8'));
    lines = [];
    const cpu = process.cpuUsage();
    const start = performance.now();
    const result = await handler(event, { getRemainingTimeInMillis: () => 120000 });
    const wallMs = performance.now() - start;
    const used = process.cpuUsage(cpu);
    const line = lines.map((text) => { try { return JSON.parse(text); } catch { return {}; } }).find((entry) => entry.message === 'batch transformed') || {};
    const answers = {};
    for (const record of result.records) answers[record.result] = (answers[record.result] || 0) + 1;
    runs.push({
      wallMs, cpuMs: (used.user + used.system) / 1000, responseBytes: Buffer.byteLength(JSON.stringify(result)), answers,
      kmsCalls: line.kmsCalls, s3Puts: line.s3Puts, journalPuts: line.journalPuts, alertPuts: line.alertPuts, alerts: line.alerts,
    });
  }
  process.send({ runs }, () => process.disconnect());
})().catch((error) => {
  process.stderr.write(String(error && error.message) + '\\n');
  process.exitCode = 1;
});
`;

function runAssetChild(env: NodeJS.ProcessEnv): Promise<AssetRun[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CHILD], { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let runs: AssetRun[] | undefined;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.on('message', (message: { runs: AssetRun[] }) => (runs = message.runs));
    child.on('error', reject);
    child.on('exit', (code) => (runs && code === 0 ? resolve(runs) : reject(new Error(`the asset's process exited ${code}: ${stderr.trim().split('\n').slice(-2).join(' ')}`))));
  });
}
