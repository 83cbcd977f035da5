import { parseOptions, UsageError } from '../../local/commands/cli';
import { WORKLOADS } from './workloads';

/** What `npm run bench` measures and how hard it tries. */
export interface BenchOptions {
  /** Per-request latency of the KMS endpoint. */
  readonly kmsLatencyMs: number;
  /** Per-request latency added in front of the S3 server. */
  readonly s3LatencyMs: number;
  /** Keep the local S3 server's objects on disk, not in memory (tmpfs), as the bench did before. */
  readonly s3OnDisk: boolean;
  /** Kinesis payload bytes per Firehose batch, in MiB (Firehose's processor buffer: 0.2–3). */
  readonly inputMiB: number;
  readonly warmup: number;
  readonly iterations: number;
  /** Workload names to run; all when empty. */
  readonly workloads: readonly string[];
  /** Round trips (KMS calls + PUTs) the per-event strategy may spend per workload; it runs on a subset of records. */
  readonly perEventRequests: number;
  /** Fresh processes timed for the cold start; 0 skips bundling. */
  readonly coldRuns: number;
  /** Extra transformer settings to compare with the shipped handler, as transformBatch deps. */
  readonly variants: readonly Variant[];
  /** Kinesis payload of the batch a fresh process runs to measure peak RSS, MiB. */
  readonly memoryMiB: number;
  /**
   * Warm runs of the shipped asset in a process of its own per workload, side by side with the SDK and
   * primitives floors in processes of their own (issue 21's ratios); 0 skips it (and its `cdk synth`).
   */
  readonly assetRuns: number;
  /** Times each step of the transform over the batch, serially, this many times (0: skip). */
  readonly phaseRepetitions: number;
  /** Print the tables as Markdown (for docs/performance.md). */
  readonly markdown: boolean;
  /** Where the JSON goes besides the last stdout line. */
  readonly out: string;
  /**
   * Measure only the fair floor (`--floor`): each loop warm in a fresh process of its own, over this
   * many records and passes (tools/bench/fair-floor.ts). Undefined: the full bench.
   */
  readonly floor?: { readonly records: number; readonly passes: number; readonly warmup: number };
}

/** A transformer setting to try through `transformBatch` deps, e.g. `gzip=1` or `gzip=1,conc=32`. */
export interface Variant {
  readonly name: string;
  /**
   * A checkout of this repository (e.g. a branch in another worktree) whose lambda/handler.ts
   * createHandler runs instead of this tree's transformBatch: a candidate change measured in the same run.
   */
  readonly tree?: string;
  readonly gzipLevel?: number;
  readonly recordConcurrency?: number;
  /** PUTs in flight (the handler's S3_CONCURRENCY). */
  readonly s3Concurrency?: number;
}

const workloadList = WORKLOADS.map((spec) => `  ${spec.name.padEnd(22)} ${spec.description}`).join('\n');

/** What `npm run bench -- --help` prints. */
export const USAGE = `Usage: npm run bench -- [options]

Measures the transformer against the decryption floor and the per-event strategy on synthetic Firehose
batches, against local KMS and S3 endpoints with per-request latency. Progress goes to stderr; stdout
carries the tables and, last, the report as one JSON line (also written to --out).

Options:

  --kms-latency-ms N     latency of every KMS answer (default 15)
  --s3-latency-ms N      latency of every S3 request (default 25)
  --s3-on-disk           keep the local S3 server's objects on disk rather than in memory (/dev/shm)
  --input-mb N           Kinesis payload per batch, MiB, 0.2–3 (default 1)
  --warmup N             unmeasured runs per workload, and passes per floor process (default 5)
  --iterations N         measured runs per workload; medians are quoted (default 5)
  --workloads a,b        only these workloads (default all)
  --per-event-requests N round trips the per-event strategy gets per workload (default 100)
  --cold-runs N          fresh processes timed for the cold start, 0 to skip (default 7)
  --variant SPEC         also run transformBatch with these deps, repeatable:
                         gzip=<0-9>, conc=<records in flight>, s3conc=<PUTs in flight>,
                         e.g. --variant gzip=1 --variant gzip=1,conc=4 --variant s3conc=64
  --candidate DIR        also run the handler of another checkout (DIR/lambda/handler.ts), repeatable,
                         interleaved with the shipped one: a candidate change measured in the same run
  --memory-mb N          batch (MiB, pg-10) a fresh bundle process runs for its peak RSS (default 3)
  --asset-runs N         warm runs of the shipped asset (cdk synth's bundle) per workload, in up to 5 rounds
                         of fresh processes, side by side with the SDK and primitives floors each in a
                         process of its own: asset / SDK floor and asset / primitives floor (default 10,
                         0 to skip)
  --phases N             time each step of the transform alone, N times (default 3, 0 to skip)
  --markdown             print the tables as Markdown
  --out FILE             JSON report file (default bench-results/latest.json, with --floor bench-results/floor.json)

  --floor                only the fair floor: SDK decrypt, SDK floor, primitives floor, the fast path and
                         transformBatch without I/O, each warm in a fresh process of its own (pg-1, pg-10,
                         mysql-10 unless --workloads); --warmup passes are discarded
  --floor-records N      records per pass (default 1000)
  --floor-passes N       measured passes; medians are quoted (default 9)
  --help                 show this help

Workloads (--workloads):
${workloadList}
`;

/**
 * Parses `npm run bench` arguments, failing with a UsageError that names the option. The caller prints
 * USAGE for `--help` (helpRequested) before calling this.
 */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values } = parseOptions(
    argv,
    {
      'kms-latency-ms': { type: 'string', default: '15' },
      's3-latency-ms': { type: 'string', default: '25' },
      's3-on-disk': { type: 'boolean', default: false },
      'input-mb': { type: 'string', default: '1' },
      warmup: { type: 'string', default: '5' },
      iterations: { type: 'string', default: '5' },
      workloads: { type: 'string', default: '' },
      'per-event-requests': { type: 'string', default: '100' },
      'cold-runs': { type: 'string', default: '7' },
      variant: { type: 'string', multiple: true, default: [] },
      candidate: { type: 'string', multiple: true, default: [] },
      out: { type: 'string' },
      floor: { type: 'boolean', default: false },
      'floor-records': { type: 'string', default: '1000' },
      'floor-passes': { type: 'string', default: '9' },
      phases: { type: 'string', default: '3' },
      'asset-runs': { type: 'string', default: '10' },
      'memory-mb': { type: 'string', default: '3' },
      markdown: { type: 'boolean', default: false },
      help: { type: 'boolean' },
    },
    'bench',
  );
  const workloads = values.workloads.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = workloads.filter((name) => !WORKLOADS.some((spec) => spec.name === name));
  if (unknown.length > 0) {
    throw new UsageError(`--workloads: no workload ${unknown.map((name) => `"${name}"`).join(', ')}; the workloads are ${WORKLOADS.map((spec) => spec.name).join(', ')}`);
  }
  const inputMiB = number(values['input-mb'], 'input-mb', 0.05, 3);
  return {
    kmsLatencyMs: number(values['kms-latency-ms'], 'kms-latency-ms', 0, 10_000),
    s3LatencyMs: number(values['s3-latency-ms'], 's3-latency-ms', 0, 10_000),
    s3OnDisk: values['s3-on-disk'],
    inputMiB,
    warmup: integer(values.warmup, 'warmup', 0, 100),
    iterations: integer(values.iterations, 'iterations', 1, 1000),
    workloads,
    perEventRequests: integer(values['per-event-requests'], 'per-event-requests', 1, 100_000),
    coldRuns: integer(values['cold-runs'], 'cold-runs', 0, 100),
    variants: [
      ...values.variant.map(parseVariant),
      ...values.candidate.map((tree): Variant => ({ name: `candidate ${tree}`, tree })),
    ],
    phaseRepetitions: integer(values.phases, 'phases', 0, 100),
    assetRuns: integer(values['asset-runs'], 'asset-runs', 0, 1000),
    memoryMiB: number(values['memory-mb'], 'memory-mb', 0.05, 3),
    markdown: values.markdown,
    out: values.out ?? (values.floor ? 'bench-results/floor.json' : 'bench-results/latest.json'),
    ...(values.floor
      ? {
          floor: {
            records: integer(values['floor-records'], 'floor-records', 1, 100_000),
            passes: integer(values['floor-passes'], 'floor-passes', 1, 1000),
            warmup: integer(values.warmup, 'warmup', 0, 100),
          },
        }
      : {}),
  };
}

/** `gzip=1,conc=32` → `{ name: 'gzip=1,conc=32', gzipLevel: 1, recordConcurrency: 32 }`. */
export function parseVariant(spec: string): Variant {
  let gzipLevel: number | undefined;
  let recordConcurrency: number | undefined;
  let s3Concurrency: number | undefined;
  for (const part of spec.split(',').map((item) => item.trim()).filter(Boolean)) {
    const [name, value, ...rest] = part.split('=');
    if (value === undefined || rest.length > 0) throw new UsageError(`--variant ${spec}: "${part}" is not name=value`);
    if (name === 'gzip') gzipLevel = integer(value, 'variant gzip', 0, 9);
    else if (name === 'conc') recordConcurrency = integer(value, 'variant conc', 1, 10_000);
    else if (name === 's3conc') s3Concurrency = integer(value, 'variant s3conc', 1, 1000);
    else throw new UsageError(`--variant ${spec}: unknown setting "${name}" (gzip, conc, s3conc)`);
  }
  if (gzipLevel === undefined && recordConcurrency === undefined && s3Concurrency === undefined) {
    throw new UsageError(`--variant ${spec}: give gzip=<0-9>, conc=<n> and/or s3conc=<n>`);
  }
  return {
    name: spec.replace(/\s+/g, ''),
    ...(gzipLevel !== undefined ? { gzipLevel } : {}),
    ...(recordConcurrency !== undefined ? { recordConcurrency } : {}),
    ...(s3Concurrency !== undefined ? { s3Concurrency } : {}),
  };
}

function number(raw: string, name: string, min: number, max: number): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}; got "${raw}"`);
  }
  return value;
}

function integer(raw: string, name: string, min: number, max: number): number {
  const value = number(raw, name, min, max);
  if (!Number.isInteger(value)) throw new UsageError(`--${name} must be a whole number; got "${raw}"`);
  return value;
}
