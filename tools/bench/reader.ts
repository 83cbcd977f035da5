import { isUtf8 } from 'node:buffer';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';
import type { readActivityPayload as ReadActivityPayload } from '../../lambda/core/shared/activity-payload';
import { syntheticEvents } from '../../testkit/das/activity-events';
import { activityJson, PROFILES, type Engine } from '../../testkit/das/das-synth';
import { median } from './stats';

/**
 * The strict event reader against a bare `JSON.parse`, on decrypted payloads: the committed reference
 * events (test/fixtures/reference-events.json, one per published shape) and the bench's synthetic
 * events, repeated until each set holds the requested MiB of JSON. Each pass times, over a whole set,
 * gunzip + UTF-8 check + decode alone, then the same followed by the strict reader
 * (`readActivityPayload`), then followed by `JSON.parse`; the reader's and the parse's own cost is their
 * CPU time less the decode's, per MiB of JSON, medians over the passes.
 *
 * The reader runs as it ships: bundled and minified by esbuild, as the function's asset is. Run from
 * TypeScript through tsx, every constant a module imports becomes a getter call, which costs the reader
 * several times its bundled time and would hide what a change does.
 */

/** One set of payloads: a record's gzipped activity JSON each. */
interface PayloadSet {
  readonly name: string;
  readonly payloads: readonly Buffer[];
  readonly jsonBytes: number;
  readonly events: number;
}

export interface ReaderBenchOptions {
  /** Another checkout (e.g. the main branch) whose reader is timed too, interleaved: a before/after in one run. */
  readonly baseline?: string;
  /** Time the TypeScript as tsx runs it (as `npm run bench` runs the core) instead of the bundle. */
  readonly source?: boolean;
  /** MiB of activity JSON per set. */
  readonly mib: number;
  readonly passes: number;
  readonly warmup: number;
}

export interface ReaderBenchRow {
  readonly set: string;
  readonly records: number;
  readonly events: number;
  readonly jsonMiB: number;
  /** gunzip + UTF-8 check + decode, ms per MiB of JSON. */
  readonly decodeMsPerMiB: number;
  /** The strict reader beyond the decode, ms per MiB. */
  readonly readerMsPerMiB: number;
  /** A bare JSON.parse beyond the decode, ms per MiB. */
  readonly parseMsPerMiB: number;
  /** The baseline checkout's reader beyond the decode, ms per MiB, when one was given. */
  readonly baselineMsPerMiB?: number;
}

const LIMITS = { maxDecompressedBytes: 64 * 1024 * 1024, maxEvents: 1_000_000 };
const MIB = 1024 * 1024;

interface ReferenceFile {
  readonly events: ReadonlyArray<{ readonly engine: Engine; readonly event: Record<string, unknown> }>;
}

/** Records of `perRecord` events each, cycling through `events` (statementId renumbered), up to `mib` MiB of JSON. */
function buildSet(name: string, engine: (index: number) => Engine, events: (count: number) => Record<string, unknown>[], perRecord: number, mib: number): PayloadSet {
  const payloads: Buffer[] = [];
  let jsonBytes = 0;
  let count = 0;
  for (let record = 0; jsonBytes < mib * MIB; record++) {
    const json = activityJson(PROFILES[engine(record)], events(perRecord));
    jsonBytes += Buffer.byteLength(json);
    count += perRecord;
    payloads.push(gzipSync(json));
  }
  return { name, payloads, jsonBytes, events: count };
}

function payloadSets(repoRoot: string, mib: number): PayloadSet[] {
  const reference = JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'reference-events.json'), 'utf8')) as ReferenceFile;
  let next = 0;
  const cycle = (count: number) => {
    // One engine's events per record, as RDS sends them.
    const engine = (reference.events[next % reference.events.length] as ReferenceFile['events'][number]).engine;
    const same = reference.events.filter((item) => item.engine === engine);
    const out = Array.from({ length: count }, (_, index) => ({ ...(same[index % same.length] as ReferenceFile['events'][number]).event, statementId: next * 100 + index }));
    next++;
    return out;
  };
  const engineOf = (record: number) => (reference.events[record % reference.events.length] as ReferenceFile['events'][number]).engine;
  let seed = 1;
  const synthetic = (engine: Engine) => (count: number) => syntheticEvents(engine, count, { seed: seed++ }) as Record<string, unknown>[];
  return [
    buildSet('reference events, 10/record', engineOf, cycle, 10, mib),
    buildSet('synthetic PostgreSQL, 1/record', () => 'aurora-postgresql', synthetic('aurora-postgresql'), 1, mib),
    buildSet('synthetic PostgreSQL, 10/record', () => 'aurora-postgresql', synthetic('aurora-postgresql'), 10, mib),
    buildSet('synthetic MySQL, 10/record', () => 'aurora-mysql', synthetic('aurora-mysql'), 10, mib),
    buildSet('synthetic PostgreSQL, 1,000/record', () => 'aurora-postgresql', synthetic('aurora-postgresql'), 1000, mib),
  ];
}

function decode(payload: Buffer): string {
  const json = gunzipSync(payload, { maxOutputLength: LIMITS.maxDecompressedBytes });
  if (!isUtf8(json)) throw new Error('not UTF-8');
  return json.toString('utf8');
}

/** Milliseconds of CPU (user + system) this process spends so far. */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/**
 * CPU milliseconds one pass of `work` over every payload of the set takes. CPU time rather than wall
 * time: on a shared machine the wall clock mostly measures the other processes; the CPU time still
 * counts the garbage collector's threads, which the reader's garbage costs.
 */
function timed(set: PayloadSet, work: (payload: Buffer) => unknown): number {
  let sink = 0;
  const start = cpuMs();
  for (const payload of set.payloads) if (work(payload) !== undefined) sink++;
  const elapsed = cpuMs() - start;
  if (sink < 0) throw new Error('unreachable');
  return elapsed;
}

/**
 * `readActivityPayload` of `repoRoot`, bundled and minified as the function's asset is
 * (tools/bench/cold-start.ts), or with `source` its TypeScript as tsx runs it.
 */
function bundledReader(repoRoot: string, source = false): typeof ReadActivityPayload {
  if (source) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(join(repoRoot, 'lambda', 'core', 'shared', 'activity-payload.ts')) as { readActivityPayload: typeof ReadActivityPayload }).readActivityPayload;
  }
  const directory = mkdtempSync(join(tmpdir(), 'das-firehose-reader-'));
  try {
    const outfile = join(directory, 'reader.js');
    buildSync({
      stdin: { contents: "export { readActivityPayload } from './lambda/core/shared/activity-payload';", resolveDir: repoRoot, loader: 'ts' },
      absWorkingDir: repoRoot,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      minify: true,
      outfile,
      logLevel: 'silent',
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(outfile) as { readActivityPayload: typeof ReadActivityPayload }).readActivityPayload;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Runs every set, interleaving the three loops within each pass so they see the same load. */
export function runReaderBench(repoRoot: string, options: ReaderBenchOptions, progress: (line: string) => void): ReaderBenchRow[] {
  const readActivityPayload = bundledReader(repoRoot, options.source);
  const baseline = options.baseline === undefined ? undefined : bundledReader(options.baseline, options.source);
  const rows: ReaderBenchRow[] = [];
  for (const set of payloadSets(repoRoot, options.mib)) {
    progress(`${set.name}: ${set.payloads.length} records, ${(set.jsonBytes / MIB).toFixed(2)} MiB of JSON`);
    const samples = { decode: [] as number[], reader: [] as number[], parse: [] as number[], baseline: [] as number[] };
    for (let pass = 0; pass < options.warmup + options.passes; pass++) {
      const decodeMs = timed(set, decode);
      const readerMs = timed(set, (payload) => readActivityPayload(payload, LIMITS, () => undefined));
      const parseMs = timed(set, (payload) => JSON.parse(decode(payload)) as unknown);
      const baselineMs = baseline ? timed(set, (payload) => baseline(payload, LIMITS, () => undefined)) : Number.NaN;
      if (pass < options.warmup) continue;
      samples.decode.push(decodeMs);
      samples.reader.push(readerMs);
      samples.parse.push(parseMs);
      samples.baseline.push(baselineMs);
    }
    const mib = set.jsonBytes / MIB;
    const decodeMs = median(samples.decode);
    rows.push({
      set: set.name,
      records: set.payloads.length,
      events: set.events,
      jsonMiB: mib,
      decodeMsPerMiB: decodeMs / mib,
      readerMsPerMiB: (median(samples.reader) - decodeMs) / mib,
      parseMsPerMiB: (median(samples.parse) - decodeMs) / mib,
      ...(baseline ? { baselineMsPerMiB: (median(samples.baseline) - decodeMs) / mib } : {}),
    });
  }
  return rows;
}

/** The rows as a Markdown table. */
export function renderReaderReport(rows: readonly ReaderBenchRow[], command: string, options: ReaderBenchOptions): string {
  const withBaseline = options.baseline !== undefined;
  const lines = [
    `\`${command}\`: CPU ms per MiB of activity JSON, medians of ${options.passes} passes (after ${options.warmup} warm-up), beyond gunzip + UTF-8 check + decode; ` +
      (options.source ? 'the TypeScript as tsx runs it' : 'the reader bundled and minified as it ships'),
    '',
    `| payloads | records | events | MiB | decode | strict reader | bare JSON.parse | reader / parse |${withBaseline ? ' baseline reader |' : ''}`,
    `|---|--:|--:|--:|--:|--:|--:|--:|${withBaseline ? '--:|' : ''}`,
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.set} | ${row.records} | ${row.events} | ${row.jsonMiB.toFixed(2)} | ${row.decodeMsPerMiB.toFixed(1)} | ${row.readerMsPerMiB.toFixed(1)} | ${row.parseMsPerMiB.toFixed(1)} | ${(row.readerMsPerMiB / row.parseMsPerMiB).toFixed(2)} |` +
        (withBaseline ? ` ${(row.baselineMsPerMiB ?? Number.NaN).toFixed(1)} |` : ''),
    );
  }
  return lines.join('\n');
}
