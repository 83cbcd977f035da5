import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintDasRecord, PROFILES } from '../../testkit/das/das-synth';
import { median, renderTable, round } from './stats';
import { recordEvents, WORKLOADS, type WorkloadSpec } from './workloads';

/**
 * `npm run bench -- --floor` (issue 13): the floor measured fairly. Each figure comes from a fresh
 * process of its own that runs one loop warm over the same minted records (median of the passes after
 * the warm-up), so that no figure is taken after a handler's runs in the same heap, as the main bench's
 * floor is. Per record, in ms:
 *
 * - the SDK's decrypt alone, and the SDK floor (decrypt + gunzip + JSON.parse, what floor.ts times);
 * - the primitives floor: AES-GCM unwrap, HKDF, header and frame tags, ECDSA verify, gunzip, parse,
 *   with the message layout read before the clock starts;
 * - the fast path (RdsProfileDecrypter.open) alone, and with gunzip + parse;
 * - the shipped core (`transformBatch`) over the records as one batch, with the fast path and with the
 *   SDK, without I/O (data keys handed over, objects gzipped but not sent): the transformer's CPU per
 *   record, comparable with the floors. KMS and S3 round trips are per batch, not per record.
 */

export type FloorMode =
  | 'sdk-decrypt'
  | 'sdk-floor'
  | 'primitives-floor'
  | 'fast-path-decrypt'
  | 'fast-path-floor'
  | 'transform-fast-path'
  | 'transform-sdk';

export const FLOOR_MODES: readonly FloorMode[] = [
  'sdk-decrypt',
  'sdk-floor',
  'primitives-floor',
  'fast-path-decrypt',
  'fast-path-floor',
  'transform-fast-path',
  'transform-sdk',
];

/** What a child reads: the records of one workload and their data keys. */
export interface FloorWorkloadFile {
  readonly name: string;
  readonly resourceId: string;
  readonly keys: readonly string[];
  readonly records: ReadonlyArray<{ readonly version: string; readonly databaseActivityEvents: string; readonly keyIndex: number }>;
}

/** One pass of a child over every record. */
export interface FloorPass {
  readonly warm: boolean;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly events: number;
}

export interface FloorFigure {
  /** Median over the warm passes, wall ms per record. */
  readonly msPerRecord: number;
  readonly cpuMsPerRecord: number;
  /** The first pass (a fresh heap, nothing compiled yet), ms per record. */
  readonly firstPassMsPerRecord: number;
  readonly passes: number;
}

export interface FloorWorkloadResult {
  readonly name: string;
  readonly description: string;
  readonly records: number;
  readonly figures: Partial<Record<FloorMode, FloorFigure>>;
}

export interface FloorReport {
  readonly bench: 'das-firehose floor';
  readonly startedAt: string;
  readonly command: string;
  readonly node: string;
  readonly records: number;
  readonly warmup: number;
  readonly passes: number;
  readonly workloads: readonly FloorWorkloadResult[];
}

export interface FloorOptions {
  /** Workload names; pg-1, pg-10 and mysql-10 when empty. */
  readonly workloads: readonly string[];
  readonly records: number;
  readonly warmup: number;
  readonly passes: number;
}

const DEFAULT_WORKLOADS = ['pg-1', 'pg-10', 'mysql-10'];

export async function runFairFloor(options: FloorOptions, command: string, progress: (line: string) => void): Promise<FloorReport> {
  const names = options.workloads.length > 0 ? options.workloads : DEFAULT_WORKLOADS;
  const specs = names.map((name) => {
    const spec = WORKLOADS.find((candidate) => candidate.name === name);
    if (!spec) throw new Error(`unknown workload ${name}; known: ${WORKLOADS.map((candidate) => candidate.name).join(', ')}`);
    return spec;
  });
  const directory = await mkdtemp(join(tmpdir(), 'das-floor-'));
  const started = new Date();
  const workloads: FloorWorkloadResult[] = [];
  try {
    for (const spec of specs) {
      progress(`${spec.name}: minting ${options.records} records…`);
      const file = join(directory, `${spec.name}.json`);
      await writeFile(file, JSON.stringify(await mint(spec, options.records)));
      const figures: Partial<Record<FloorMode, FloorFigure>> = {};
      for (const mode of FLOOR_MODES) {
        progress(`${spec.name}: ${mode}, a fresh process…`);
        figures[mode] = await measureInChild(file, mode, options.warmup, options.passes);
      }
      workloads.push({ name: spec.name, description: spec.description, records: options.records, figures });
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
  return {
    bench: 'das-firehose floor',
    startedAt: started.toISOString(),
    command,
    node: process.version,
    records: options.records,
    warmup: options.warmup,
    passes: options.passes,
    workloads,
  };
}

async function mint(spec: WorkloadSpec, records: number): Promise<FloorWorkloadFile> {
  const profile = PROFILES[spec.engine];
  const key = randomBytes(32);
  const minted: Array<FloorWorkloadFile['records'][number]> = [];
  for (let index = 0; index < records; index++) {
    const events = recordEvents(spec, index);
    const envelope = JSON.parse(await mintDasRecord({ engine: spec.engine, events, key: { plaintext: key, blob: '' } })) as {
      version: string;
      databaseActivityEvents: string;
    };
    minted.push({ version: envelope.version, databaseActivityEvents: envelope.databaseActivityEvents, keyIndex: 0 });
  }
  return { name: spec.name, resourceId: profile.resourceId, keys: [key.toString('hex')], records: minted };
}

/** One mode over the records in `file`, warm in a fresh process of its own (fair-floor-child.ts). */
export async function measureInChild(file: string, mode: FloorMode, warmup: number, passes: number): Promise<FloorFigure> {
  // The parent runs under tsx, whose loader flags the fork inherits through execArgv.
  const child = fork(join(__dirname, 'fair-floor-child.ts'), [file, mode, String(warmup), String(passes)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const message = await new Promise<{ records: number; passes: FloorPass[] }>((resolve, reject) => {
    let answer: { records: number; passes: FloorPass[] } | undefined;
    child.on('message', (value) => (answer = value as typeof answer));
    child.on('error', reject);
    child.on('exit', (code) => (answer && code === 0 ? resolve(answer) : reject(new Error(`floor child ${mode} exited ${code}: ${stderr.trim()}`))));
  });
  const warm = message.passes.filter((pass) => pass.warm);
  const first = message.passes[0] as FloorPass;
  return {
    msPerRecord: round(median(warm.map((pass) => pass.wallMs)) / message.records, 4),
    cpuMsPerRecord: round(median(warm.map((pass) => pass.cpuMs)) / message.records, 4),
    firstPassMsPerRecord: round(first.wallMs / message.records, 4),
    passes: warm.length,
  };
}

/** The floor tables: ms per record by mode, then the ratios the targets are stated in. */
export function renderFloorReport(report: FloorReport, markdown = false): string {
  const ms = (figure: FloorFigure | undefined): string => (figure ? figure.msPerRecord.toFixed(3) : '–');
  const ratio = (a: FloorFigure | undefined, b: FloorFigure | undefined): string => (a && b ? `${(a.msPerRecord / b.msPerRecord).toFixed(2)}×` : '–');
  const heading =
    `das-firehose floor — each figure a fresh process, warm: median of ${report.passes} passes over ${report.records} records ` +
    `after ${report.warmup} warm-up pass(es); wall ms per record; node ${report.node}`;
  const figures = renderTable(
    ['workload', 'SDK decrypt', 'SDK floor', 'fast path decrypt', 'fast path + gunzip + parse', 'primitives floor', 'transformBatch, fast path', 'transformBatch, SDK'],
    report.workloads.map((w) => [
      w.name,
      ms(w.figures['sdk-decrypt']),
      ms(w.figures['sdk-floor']),
      ms(w.figures['fast-path-decrypt']),
      ms(w.figures['fast-path-floor']),
      ms(w.figures['primitives-floor']),
      ms(w.figures['transform-fast-path']),
      ms(w.figures['transform-sdk']),
    ]),
    markdown,
  );
  const ratios = renderTable(
    ['workload', 'SDK decrypt / fast path decrypt', 'fast path floor / primitives floor', 'transformBatch (fast) / SDK floor', 'transformBatch (fast) / primitives floor', 'transformBatch: SDK / fast'],
    report.workloads.map((w) => [
      w.name,
      ratio(w.figures['sdk-decrypt'], w.figures['fast-path-decrypt']),
      ratio(w.figures['fast-path-floor'], w.figures['primitives-floor']),
      ratio(w.figures['transform-fast-path'], w.figures['sdk-floor']),
      ratio(w.figures['transform-fast-path'], w.figures['primitives-floor']),
      ratio(w.figures['transform-sdk'], w.figures['transform-fast-path']),
    ]),
    markdown,
  );
  const first = renderTable(
    ['workload (first pass in a fresh process, ms/record)', 'SDK floor', 'fast path + gunzip + parse', 'transformBatch, fast path', 'transformBatch, SDK'],
    report.workloads.map((w) => [
      w.name,
      w.figures['sdk-floor']?.firstPassMsPerRecord.toFixed(3) ?? '–',
      w.figures['fast-path-floor']?.firstPassMsPerRecord.toFixed(3) ?? '–',
      w.figures['transform-fast-path']?.firstPassMsPerRecord.toFixed(3) ?? '–',
      w.figures['transform-sdk']?.firstPassMsPerRecord.toFixed(3) ?? '–',
    ]),
    markdown,
  );
  return [heading, figures, ratios, first].join('\n\n');
}
