import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { createHandler } from '../../lambda/handler';
import { createTransformer } from '../../lambda/transformer';
import { SIGNED_SUITE } from '../../testkit/das/das-synth';
import { measureColdStart, type ColdStartResult } from './cold-start';
import { Floor, type FloorSample } from './floor';
import type { BenchOptions, Variant } from './options';
import { runPerEvent, type PerEventResult } from './per-event';
import { measurePhases, type PhaseCost } from './phases';
import { BenchServers } from './servers';
import { measureSideBySide, type SideBySideResult } from './side-by-side';
import { bundledAsset, type BundledAsset } from '../../testkit/bundled-asset';
import { DEV_KMS_KEY_ARN } from '../../testkit/aws/dev-key';
import { PROFILES, streamArnFor } from '../../testkit/das/das-synth';
import { median, round, spread, type Spread } from './stats';
import { buildWorkload, firehoseBatch, workloadEnvironment, WORKLOADS, type Workload, type WorkloadSpec } from './workloads';

type Handler = (event: FirehoseTransformationEvent) => Promise<FirehoseTransformationResult>;

/** One measured invocation of the transformer. */
interface RunSample {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly peakRssBytes: number;
  readonly requestBytes: number;
  readonly responseBytes: number;
  readonly ok: number;
  readonly dropped: number;
  readonly failed: number;
  /** From the handler's own "batch transformed" log line (undefined for variants, which do not log). */
  readonly loggedKmsCalls?: number;
  readonly loggedS3Puts?: number;
  readonly loggedAlertPuts?: number;
  /** Alerts the batch raised (its outbox holds them), from the same log line. */
  readonly loggedAlerts?: number;
  /** What the KMS endpoint and the S3 proxy saw. */
  readonly serverKmsCalls: number;
  readonly serverS3Puts: number;
  readonly serverS3PutBytes: number;
}

export interface VariantResult {
  readonly name: string;
  readonly gzipLevel?: number;
  readonly recordConcurrency?: number;
  readonly batchMs: Spread;
  readonly ratioToFloor: number;
  readonly cpuMsPerRecord: number;
  readonly responseBytes: number;
  readonly storedBytes: number;
}

export interface WorkloadResult {
  readonly name: string;
  readonly description: string;
  readonly engine: string;
  readonly suite: string;
  readonly records: number;
  readonly eventsPerRecord: number;
  readonly events: number;
  readonly keptEvents: number;
  readonly heartbeats: number;
  readonly dataKeys: number;
  readonly inputBytes: number;
  readonly requestBytes: number;
  readonly responseBytes: number;
  readonly responseToRequest: number;
  readonly storedBytes: number;
  readonly batchMs: Spread;
  readonly floorMs: Spread;
  readonly floorParts: { readonly decryptParseMs: number; readonly kmsRoundTripMs: number; readonly s3RoundTripMs: number };
  /** median(batch) / median(floor). */
  readonly ratioToFloor: number;
  /** Median of the per-iteration batch/floor ratios (each pair measured back to back). */
  readonly pairedRatioMedian: number;
  readonly recordsPerSecond: number;
  readonly eventsPerSecond: number;
  readonly cpuMsPerRecord: number;
  readonly cpuMsPerBatch: number;
  readonly floorCpuMsPerRecord: number;
  /** Highest RSS sampled (every 5 ms) during the handler runs; the process holds the harness's data too. */
  readonly peakRssBytes: number;
  readonly answers: { readonly ok: number; readonly dropped: number; readonly failed: number };
  readonly kmsCalls: { readonly expected: number; readonly handlerLog: number | null; readonly endpoint: number };
  readonly s3Puts: { readonly expected: number; readonly handlerLog: number | null; readonly endpoint: number };
  /** Outbox PUTs (one per batch with alerts) and the alerts the outbox held, from the handler's log. */
  readonly alertPuts: { readonly expected: number; readonly handlerLog: number | null };
  readonly alerts: number | null;
  readonly perEvent: PerEventResult;
  /** perEvent.extrapolatedMs / median batch time. */
  readonly speedupOverPerEvent: number;
  readonly modelledSpeedupOverPerEvent: number;
  readonly variants: readonly VariantResult[];
  /** Each step of the transform alone over the batch, in sequence (empty with --phases 0). */
  readonly phases: readonly PhaseCost[];
  /** The shipped asset warm in its own process against the floors in theirs (null with --asset-runs 0). */
  readonly sideBySide: SideBySideResult | null;
}

export interface Target {
  readonly name: string;
  readonly goal: string;
  readonly value: string;
  readonly met: boolean;
}

export interface BenchReport {
  readonly bench: 'das-firehose';
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly command: string;
  readonly machine: {
    readonly nproc: number;
    readonly cpuModel: string;
    readonly node: string;
    readonly platform: string;
    readonly uvThreadpoolSize: number;
  };
  readonly settings: {
    readonly kmsLatencyMs: number;
    readonly s3LatencyMs: number;
    readonly inputMiB: number;
    readonly warmup: number;
    readonly iterations: number;
    readonly perEventRequests: number;
    /** Where the local S3 server kept objects: memory (tmpfs) when the machine has it, else disk. */
    readonly s3Storage: string;
    readonly latencyNote: string;
  };
  readonly workloads: readonly WorkloadResult[];
  readonly coldStart: ColdStartResult | null;
  /** process.resourceUsage().maxRSS at the end: the whole harness, every workload's data included. */
  readonly processPeakRssBytes: number;
  readonly serverCpuMs: number;
  readonly targets: readonly Target[];
}

/** Everything the bench measures, in one process and one run. Progress goes to `progress`. */
export async function runBench(options: BenchOptions, command: string, progress: (line: string) => void): Promise<BenchReport> {
  const startedAt = new Date();
  const gc = exposeGc();
  if (options.assetRuns > 0) progress('synthesizing the app for the shipped asset (cdk synth, bundling on)…');
  const asset: BundledAsset | undefined =
    options.assetRuns > 0 ? bundledAsset({ dasStreamArn: streamArnFor(PROFILES['aurora-postgresql'].resourceId), kmsKeyArn: DEV_KMS_KEY_ARN }) : undefined;
  const servers = await BenchServers.start({ kmsMs: options.kmsLatencyMs, s3Ms: options.s3LatencyMs, s3OnDisk: options.s3OnDisk });
  const tap = new LogTap();
  const savedEnv = { ...process.env };
  try {
    // The handler, like Lambda, reads the SDK's configuration from the environment.
    Object.assign(process.env, servers.env);
    tap.install();
    const env = { ...process.env };
    const bucket = servers.env.BUCKET_NAME as string;
    const kms = new KMSClient({});
    const s3 = new S3Client({ forcePathStyle: true });

    const specs = options.workloads.length ? WORKLOADS.filter((spec) => options.workloads.includes(spec.name)) : WORKLOADS;
    const unknown = options.workloads.filter((name) => !WORKLOADS.some((spec) => spec.name === name));
    if (unknown.length) throw new Error(`unknown workload(s) ${unknown.join(', ')}; known: ${WORKLOADS.map((spec) => spec.name).join(', ')}`);

    const inputBytes = Math.round(options.inputMiB * 1024 * 1024);
    const results: WorkloadResult[] = [];
    let batchNumber = 1;
    for (const spec of specs) {
      progress(`${spec.name}: minting ${options.inputMiB} MiB of records…`);
      const workload = await buildWorkload(spec, inputBytes);
      progress(`${spec.name}: ${workload.records.length} records, ${workload.events} events; measuring`);
      const workloadEnv = { ...env, ...workloadEnvironment(spec) };
      const handler = createHandler(workloadEnv);
      const variants = options.variants.map((variant) => ({ variant, run: variantHandler(workloadEnv, variant) }));
      const floor = new Floor(workload, kms, s3, bucket);

      const measure = async (run: Handler, logged: boolean): Promise<RunSample> => {
        const event = firehoseBatch(workload, batchNumber++);
        gc();
        await servers.reset();
        tap.take();
        const sample = await measureRun(run, event);
        const counts = await servers.counts();
        const line = logged ? tap.take().find((entry) => entry.message === 'batch transformed') : undefined;
        return {
          ...sample,
          loggedKmsCalls: typeof line?.kmsCalls === 'number' ? line.kmsCalls : undefined,
          loggedS3Puts: typeof line?.s3Puts === 'number' ? line.s3Puts : undefined,
          loggedAlertPuts: typeof line?.alertPuts === 'number' ? line.alertPuts : undefined,
          loggedAlerts: typeof line?.alerts === 'number' ? line.alerts : undefined,
          serverKmsCalls: counts.kmsDecrypts,
          serverS3Puts: counts.s3Puts,
          serverS3PutBytes: counts.s3PutBytes,
        };
      };
      const measureFloor = async (): Promise<FloorSample> => {
        gc();
        return floor.measure();
      };

      const runs: RunSample[] = [];
      const floors: FloorSample[] = [];
      const variantRuns = variants.map(() => [] as RunSample[]);
      for (let iteration = 0; iteration < options.warmup + options.iterations; iteration++) {
        const measured = iteration >= options.warmup;
        const sample = await measure(handler, true);
        if (iteration === 0) floor.setPutBytes(sample.serverS3PutBytes);
        const floorSample = await measureFloor();
        const variantSamples: RunSample[] = [];
        for (const { run } of variants) variantSamples.push(await measure(run, false));
        if (!measured) continue;
        runs.push(sample);
        floors.push(floorSample);
        variantSamples.forEach((variantSample, index) => variantRuns[index]?.push(variantSample));
      }

      const batch = spread(runs.map((run) => run.wallMs));
      const floorSpread = spread(floors.map((sample) => sample.totalMs));
      const floorCpuMs = median(floors.map((sample) => sample.cpuMs));
      progress(`${spec.name}: batch ${batch.median.toFixed(1)} ms, floor ${floorSpread.median.toFixed(1)} ms; per-event strategy…`);
      const perEvent = await runPerEvent(workload, firehoseBatch(workload, batchNumber++), { kms, s3, bucket }, options.perEventRequests, {
        floorCpuMs,
        kmsLatencyMs: options.kmsLatencyMs,
        s3LatencyMs: options.s3LatencyMs,
      });
      const phases = options.phaseRepetitions > 0 ? await measurePhases(workload, firehoseBatch(workload, batchNumber++), options.phaseRepetitions) : [];
      let sideBySide: SideBySideResult | null = null;
      if (asset) {
        progress(`${spec.name}: the shipped asset, the SDK floor and the primitives floor, each warm in a process of its own…`);
        sideBySide = await measureSideBySide(workload, {
          asset,
          endpoints: servers.env,
          warmup: Math.max(1, options.warmup),
          runs: options.assetRuns,
          roundTripsMs: median(floors.map((sample) => sample.kmsMs + sample.s3Ms)),
          nextBatch: () => batchNumber++,
        });
      }
      results.push({
        ...summarize(workload, runs, floors, perEvent, options.variants, variantRuns, batch, floorSpread),
        phases,
        sideBySide,
      });
    }

    let coldStart: ColdStartResult | null = null;
    if (options.coldRuns > 0) {
      progress(`cold start: bundling lambda/transformer-entry.ts with esbuild, ${options.coldRuns} fresh processes…`);
      const small = await buildWorkload({ ...(WORKLOADS[1] as WorkloadSpec), name: 'cold' }, 1);
      const bigSpec = WORKLOADS[1] as WorkloadSpec;
      const big = await buildWorkload(bigSpec, Math.round(options.memoryMiB * 1024 * 1024));
      coldStart = await measureColdStart({
        repoRoot: process.cwd(),
        runs: options.coldRuns,
        env: servers.env,
        event: firehoseBatch(small, batchNumber++),
        bigEvent: { workload: bigSpec.name, inputBytes: big.inputBytes, event: firehoseBatch(big, batchNumber++) },
      });
    }
    const serverCpuMs = (await servers.counts()).cpuMs;
    const report: Omit<BenchReport, 'targets'> = {
      bench: 'das-firehose',
      startedAt: startedAt.toISOString(),
      durationSeconds: round((Date.now() - startedAt.getTime()) / 1000, 1),
      command,
      machine: machine(),
      settings: {
        kmsLatencyMs: options.kmsLatencyMs,
        s3LatencyMs: options.s3LatencyMs,
        inputMiB: options.inputMiB,
        warmup: options.warmup,
        iterations: options.iterations,
        perEventRequests: options.perEventRequests,
        s3Storage: servers.s3Storage,
        latencyNote:
          'Latencies are added to real requests: the local KMS endpoint waits before answering, and a proxy waits before ' +
          'forwarding to s3rver. Both servers run in a child process. Floor and per-event round trips are measured, not added.',
      },
      workloads: results,
      coldStart,
      processPeakRssBytes: process.resourceUsage().maxRSS * 1024,
      serverCpuMs: round(serverCpuMs, 1),
    };
    return { ...report, targets: targets(report) };
  } finally {
    tap.restore();
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
    await servers.stop();
    asset?.dispose();
  }
}

/** The shipped transformer (createTransformer, as the handler builds it), with the variant's settings. */
function variantHandler(env: NodeJS.ProcessEnv, variant: Variant): Handler {
  if (variant.tree) {
    // tsx compiles the other checkout's TypeScript on require, as it does ours.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const candidate = require(resolve(variant.tree, 'lambda', 'handler')) as { createHandler: (env: NodeJS.ProcessEnv) => Handler };
    return candidate.createHandler(env);
  }
  const transformer = createTransformer(
    variant.s3Concurrency !== undefined ? { ...env, S3_CONCURRENCY: String(variant.s3Concurrency) } : env,
    {
      ...(variant.gzipLevel !== undefined ? { gzipLevel: variant.gzipLevel } : {}),
      ...(variant.recordConcurrency !== undefined ? { recordConcurrency: variant.recordConcurrency } : {}),
    },
  );
  return async (event) => (await transformer.transform(event)).result;
}

async function measureRun(run: Handler, event: FirehoseTransformationEvent): Promise<Omit<RunSample, 'serverKmsCalls' | 'serverS3Puts' | 'serverS3PutBytes'>> {
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 5);
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const result = await run(event);
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  const answers = { Ok: 0, Dropped: 0, ProcessingFailed: 0 };
  if (result.records.length !== event.records.length) {
    throw new Error(`the transformer answered ${result.records.length} of ${event.records.length} records`);
  }
  result.records.forEach((record, index) => {
    if (record.recordId !== event.records[index]?.recordId) throw new Error(`answer ${index} is for another record`);
    answers[record.result] += 1;
  });
  return {
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssBytes: peakRss,
    requestBytes: Buffer.byteLength(JSON.stringify(event)),
    responseBytes: Buffer.byteLength(JSON.stringify(result)),
    ok: answers.Ok,
    dropped: answers.Dropped,
    failed: answers.ProcessingFailed,
  };
}

function summarize(
  workload: Workload,
  runs: readonly RunSample[],
  floors: readonly FloorSample[],
  perEvent: PerEventResult,
  variantSpecs: readonly Variant[],
  variantRuns: ReadonlyArray<readonly RunSample[]>,
  batch: Spread,
  floor: Spread,
): Omit<WorkloadResult, 'phases' | 'sideBySide'> {
  const records = workload.records.length;
  const last = runs[runs.length - 1] as RunSample;
  const cpuMsPerBatch = median(runs.map((run) => run.cpuMs));
  const consistent = <T>(values: readonly T[]): T | null => (values.every((value) => value === values[0]) ? (values[0] ?? null) : null);
  return {
    name: workload.spec.name,
    description: workload.spec.description,
    engine: workload.spec.engine,
    suite: workload.spec.engine === 'aurora-mysql' || workload.spec.engine === 'rds-sqlserver' ? hex(SIGNED_SUITE) : '0x0178',
    records,
    eventsPerRecord: workload.spec.eventsPerRecord,
    events: workload.events,
    keptEvents: workload.keptEvents,
    heartbeats: workload.heartbeats,
    dataKeys: workload.keys.length,
    inputBytes: workload.inputBytes,
    requestBytes: last.requestBytes,
    responseBytes: last.responseBytes,
    responseToRequest: round(last.responseBytes / last.requestBytes, 3),
    storedBytes: last.serverS3PutBytes,
    batchMs: batch,
    floorMs: floor,
    floorParts: {
      decryptParseMs: round(median(floors.map((sample) => sample.cpuMs)), 2),
      kmsRoundTripMs: round(median(floors.map((sample) => sample.kmsMs)), 2),
      s3RoundTripMs: round(median(floors.map((sample) => sample.s3Ms)), 2),
    },
    ratioToFloor: round(batch.median / floor.median, 3),
    pairedRatioMedian: round(median(runs.map((run, index) => run.wallMs / (floors[index] as FloorSample).totalMs)), 3),
    recordsPerSecond: round(records / (batch.median / 1000), 0),
    eventsPerSecond: round(workload.events / (batch.median / 1000), 0),
    cpuMsPerRecord: round(cpuMsPerBatch / records, 3),
    cpuMsPerBatch: round(cpuMsPerBatch, 1),
    floorCpuMsPerRecord: round(median(floors.map((sample) => sample.cpuUsageMs)) / records, 3),
    peakRssBytes: Math.max(...runs.map((run) => run.peakRssBytes)),
    answers: { ok: last.ok, dropped: last.dropped, failed: last.failed },
    kmsCalls: {
      expected: workload.expected.kmsCalls,
      handlerLog: consistent(runs.map((run) => run.loggedKmsCalls ?? Number.NaN)),
      endpoint: consistent(runs.map((run) => run.serverKmsCalls)) ?? Number.NaN,
    },
    s3Puts: {
      expected: workload.expected.s3Puts,
      handlerLog: consistent(runs.map((run) => run.loggedS3Puts ?? Number.NaN)),
      endpoint: consistent(runs.map((run) => run.serverS3Puts)) ?? Number.NaN,
    },
    alertPuts: { expected: workload.expected.alertPuts, handlerLog: consistent(runs.map((run) => run.loggedAlertPuts ?? Number.NaN)) },
    alerts: consistent(runs.map((run) => run.loggedAlerts ?? Number.NaN)),
    perEvent: {
      ...perEvent,
      measuredMs: round(perEvent.measuredMs, 1),
      extrapolatedMs: round(perEvent.extrapolatedMs, 0),
      modelledMs: round(perEvent.modelledMs, 0),
    },
    speedupOverPerEvent: round(perEvent.extrapolatedMs / batch.median, 1),
    modelledSpeedupOverPerEvent: round(perEvent.modelledMs / batch.median, 1),
    variants: variantSpecs.map((variant, index) => {
      const samples = variantRuns[index] ?? [];
      const variantBatch = spread(samples.map((run) => run.wallMs));
      return {
        ...variant,
        batchMs: variantBatch,
        ratioToFloor: round(variantBatch.median / floor.median, 3),
        cpuMsPerRecord: round(median(samples.map((run) => run.cpuMs)) / records, 3),
        responseBytes: samples[samples.length - 1]?.responseBytes ?? Number.NaN,
        storedBytes: samples[samples.length - 1]?.serverS3PutBytes ?? Number.NaN,
      };
    }),
  };
}

/** The targets of issue 5, each with the figure that decides it. */
export function targets(report: Omit<BenchReport, 'targets'>): Target[] {
  const list: Target[] = [];
  for (const workload of report.workloads) {
    list.push({
      name: `${workload.name}: batch / floor`,
      goal: '≤ 1.5',
      value: workload.ratioToFloor.toFixed(2),
      met: workload.ratioToFloor <= 1.5,
    });
    list.push({
      name: `${workload.name}: KMS calls = distinct data keys`,
      goal: String(workload.kmsCalls.expected),
      value: `${workload.kmsCalls.endpoint} (handler log ${workload.kmsCalls.handlerLog ?? 'varied'})`,
      met: workload.kmsCalls.endpoint === workload.kmsCalls.expected && workload.kmsCalls.handlerLog === workload.kmsCalls.expected,
    });
    // The endpoint sees every PUT: the groups' objects, the journal entry, and the outbox object when alerts are raised.
    const allPuts = workload.s3Puts.expected + 1 + workload.alertPuts.expected;
    list.push({
      name: `${workload.name}: S3 PUTs = groups + journal${workload.alertPuts.expected > 0 ? ' + outbox' : ''}`,
      goal: `${allPuts} (${workload.s3Puts.expected} groups)`,
      value: `${workload.s3Puts.endpoint} (handler log ${workload.s3Puts.handlerLog ?? 'varied'} groups)`,
      met: workload.s3Puts.endpoint === allPuts && workload.s3Puts.handlerLog === workload.s3Puts.expected,
    });
    const side = workload.sideBySide;
    if (side) {
      // Issue 21: the shipped asset against the SDK floor, alerts on; against the primitives floor, alerts off.
      const goal = sideBySideGoal(workload.name);
      if (goal) {
        list.push({
          name: `${workload.name}: shipped asset / SDK floor (own processes)`,
          goal: `≤ ${goal}`,
          value: side.ratioToSdkFloor.toFixed(2),
          met: side.ratioToSdkFloor <= goal,
        });
      }
      if (workload.alertPuts.expected === 0) {
        list.push({
          name: `${workload.name}: shipped asset / primitives floor (own processes)`,
          goal: '≤ 2.5',
          value: side.ratioToPrimitivesFloor.toFixed(2),
          met: side.ratioToPrimitivesFloor <= 2.5,
        });
      }
    }
    if (workload.alertPuts.expected > 0) {
      list.push({
        name: `${workload.name}: one outbox PUT for the batch's alerts`,
        goal: String(workload.alertPuts.expected),
        value: `${workload.alertPuts.handlerLog ?? 'varied'} (${workload.alerts ?? 'varied'} alerts)`,
        met: workload.alertPuts.handlerLog === workload.alertPuts.expected,
      });
    }
    // "The 10-events-per-record workloads": records carrying ten activity events. The heartbeat-heavy
    // batch has ten events a record too, but about one of them is activity, so its figure is shown, not judged.
    if (workload.eventsPerRecord >= 10 && workload.heartbeats === 0) {
      list.push({
        name: `${workload.name}: speed-up over per-event`,
        goal: '≥ 50×',
        value: `${workload.speedupOverPerEvent}×`,
        met: workload.speedupOverPerEvent >= 50,
      });
    }
  }
  const cold = report.coldStart;
  if (cold) {
    list.push({
      name: 'bundle size (index.js)',
      goal: '< 1.5 MB (1,500,000 B)',
      value: `${cold.bundleBytes} B`,
      met: cold.bundleBytes < 1_500_000,
    });
    list.push({
      name: 'bundle load + client set-up (as deployed, --enable-source-maps)',
      goal: '≤ 120 ms',
      value: `${cold.withSourceMaps.loadAndSetupMs.toFixed(0)} ms`,
      met: cold.withSourceMaps.loadAndSetupMs <= 120,
    });
  }
  return list;
}

/** Issue 21's ratio to the SDK floor for the alert workloads: realistic 0.8 (PostgreSQL) or 0.35 (MySQL), storms 1.5. */
export function sideBySideGoal(workload: string): number | undefined {
  if (workload.endsWith('-storm')) return 1.5;
  if (workload.endsWith('-alerts')) return workload.startsWith('mysql-') ? 0.35 : 0.8;
  return undefined;
}

function machine(): BenchReport['machine'] {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    // not Linux: os.cpus() it is
  }
  return {
    nproc: cpus().length,
    cpuModel,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    uvThreadpoolSize: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
  };
}

function hex(suite: number): string {
  return `0x${suite.toString(16).padStart(4, '0')}`;
}

/** A way to run the garbage collector between measurements, so one run's garbage is not collected in the next. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  return gc ?? (() => undefined);
}

/**
 * Takes the handler's log lines (Powertools writes JSON to stdout) off stdout, so that stdout carries
 * only the report, and keeps them so the bench can read the handler's own count of KMS calls and PUTs.
 */
class LogTap {
  private original?: typeof process.stdout.write;
  private lines: Array<Record<string, unknown>> = [];

  install(): void {
    this.original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      for (const text of String(chunk).split('\n')) {
        if (!text.trim()) continue;
        try {
          this.lines.push(JSON.parse(text) as Record<string, unknown>);
        } catch {
          this.lines.push({ message: text });
        }
      }
      const callback = rest.find((item): item is () => void => typeof item === 'function');
      callback?.();
      return true;
    }) as typeof process.stdout.write;
  }

  take(): Array<Record<string, unknown>> {
    const lines = this.lines;
    this.lines = [];
    return lines;
  }

  restore(): void {
    if (this.original) process.stdout.write = this.original;
    this.original = undefined;
  }
}
