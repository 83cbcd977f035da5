import { appendFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { auditLogTree, formatTree, type AuditLogTree } from '../audit-log/tree';
import { captureOutput } from './capture-output';
import { UsageError } from './cli';
import { invokeTransformer, readEventFile } from './invoke';
import { resourceIdFromStreamArn } from '../../lambda/core/shared/resource';
import { runLikeFirehose, type FirehoseDelivery } from '../../testkit/aws/firehose-delivery';
import { LocalAws, withEnv } from '../../testkit/aws/local-aws';
import { LOCAL_NOTIFICATIONS, localFunctions } from './local-functions';
import { localHandlerEnv } from '../../testkit/aws/local-env';
import { loadAllEvents, type AllEventsLoad } from '../query/all-events-writer';

/**
 * `npm start`: every sample event file through the shipped handler, on a local S3-compatible server
 * and KMS endpoint, then what landed where.
 */

export interface StartOptions {
  /** Event files: every `*.json` here. @default events */
  readonly eventsDir?: string;
  /** Holds `s3/` (the bucket's files, cleared first) and `start.log` (the handler's logs). @default .local */
  readonly dataDir?: string;
  /** Told when each file starts and ends, to show progress. */
  readonly progress?: (update: StartProgress) => void;
}

export type StartProgress =
  | { readonly phase: 'file'; readonly index: number; readonly total: number; readonly file: string; readonly records: number }
  | { readonly phase: 'done'; readonly index: number; readonly total: number; readonly file: string; readonly seconds: number };

/** A record the transformer answered ProcessingFailed, and why. */
export interface RecordFailure {
  readonly recordId: string;
  readonly reason: string;
}

/** What one file's batch gave, in counts. */
export interface BatchCounts {
  readonly events: number;
  readonly heartbeats: number;
  readonly stored: number;
  readonly objects: number;
  readonly kmsCalls: number;
}

export interface FileResult {
  readonly file: string;
  readonly records: number;
  readonly ok: number;
  readonly dropped: number;
  readonly failed: number;
  /** Each ProcessingFailed record: its position in the file, ID, the handler's logged reason, and the kind the file's `about` gives. */
  readonly failures: ReadonlyArray<RecordFailure & { readonly index: number; readonly kind?: string }>;
  /** The transformer's own counts for the batch. */
  readonly batch?: BatchCounts;
  /** Firehose's copy of the Ok records (their receipts), under `firehose/ok/`. */
  readonly delivery?: FirehoseDelivery;
  /** Firehose's error output of the batch, under `firehose/failed/` (what `npm run replay` re-drives). */
  readonly errorOutput?: FirehoseDelivery;
  /** Set when the file could not be read or the invocation threw (Firehose would retry the batch). */
  readonly error?: string;
}

export interface StartResult {
  readonly files: readonly FileResult[];
  readonly tree: AuditLogTree;
  readonly bucket: string;
  /** `<dataDir>/s3/<bucket>`: where s3rver keeps the objects, one `<key>._S3rver_object` file each. */
  readonly bucketDirectory: string;
  readonly logFile: string;
  /** The alerts the local EventBridge bus received, in order, and the file they are written to (one JSON line each). */
  readonly alerts: readonly AlertSeen[];
  readonly alertsFile: string;
  /** The local load of the columnar all_events table, run last, as the account's scheduled load would. */
  readonly allEvents: AllEventsLoad;
}

/** An alert as the bus received it: the event's detail (what a rule or subscriber sees). */
export type AlertSeen = Readonly<Record<string, unknown>>;

/** Runs every event file and reads back the audit log. Both servers are stopped before it resolves. */
export async function runStart(options: StartOptions = {}): Promise<StartResult> {
  const eventsDir = options.eventsDir ?? 'events';
  const dataDir = options.dataDir ?? '.local';
  const files = await eventFiles(eventsDir);
  const s3Directory = join(dataDir, 's3');
  const logFile = join(dataDir, 'start.log');
  // Objects of earlier runs (or of other event files) would otherwise show up in the tree.
  await rm(s3Directory, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  await writeFile(logFile, '');

  const aws = await LocalAws.start({ s3Directory, functions: localFunctions(), notifications: LOCAL_NOTIFICATIONS });
  const s3 = new S3Client({
    endpoint: aws.s3Endpoint,
    region: aws.env.AWS_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: aws.env.AWS_ACCESS_KEY_ID as string, secretAccessKey: aws.env.AWS_SECRET_ACCESS_KEY as string },
  });
  try {
    const env = localHandlerEnv(aws.env);
    const results: FileResult[] = [];
    for (const [index, file] of files.entries()) {
      const started = Date.now();
      const result = await runFile(file, env, logFile, { s3, bucket: aws.bucket }, (records) =>
        options.progress?.({ phase: 'file', index, total: files.length, file, records }),
      );
      results.push(result);
      options.progress?.({ phase: 'done', index, total: files.length, file, seconds: (Date.now() - started) / 1000 });
    }
    // The alert publisher runs on the outbox's notifications, as in the stack: let it finish.
    await aws.settled();
    const tree = await auditLogTree(s3, aws.bucket);
    const alerts = aws.eventBridge.events.map((event) => event.detail);
    const alertsFile = join(dataDir, 'alerts.ndjson');
    await writeFile(alertsFile, alerts.map((alert) => `${JSON.stringify(alert)}\n`).join(''));
    const bucketDirectory = join(s3Directory, aws.bucket);
    // The account loads all_events on a schedule; locally the end of the run is that schedule.
    const allEvents = await loadAllEvents(bucketDirectory);
    return { files: results, tree, bucket: aws.bucket, bucketDirectory, logFile, alerts, alertsFile, allEvents };
  } finally {
    s3.destroy();
    await aws.stop();
  }
}

async function eventFiles(eventsDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(eventsDir);
  } catch {
    throw new UsageError(`No ${eventsDir}/ folder here: run npm start from the repository root`);
  }
  const files = names.filter((name) => name.endsWith('.json')).sort().map((name) => join(eventsDir, name));
  if (files.length === 0) throw new UsageError(`No event files in ${eventsDir}/: make some with npm run events`);
  return files;
}

/**
 * One file, the way Firehose runs a batch (`npm run invoke` does the same): the transformer, retried if
 * it fails, with its log lines captured to the log file, then the Ok records under `firehose/ok/` and the
 * failed ones under `firehose/failed/`.
 */
async function runFile(
  file: string,
  env: Record<string, string | undefined>,
  logFile: string,
  firehose: { readonly s3: S3Client; readonly bucket: string },
  starting: (records: number) => void,
): Promise<FileResult> {
  let event: FirehoseTransformationEvent;
  try {
    event = await readEventFile(file);
  } catch (error) {
    return { file, records: 0, ok: 0, dropped: 0, failed: 0, failures: [], error: message(error) };
  }
  starting(event.records.length);
  const resourceId = resourceIdFromStreamArn(event.sourceKinesisStreamArn) ?? env.RESOURCE_ID ?? 'unknown';
  const { value, lines } = await captureOutput(() =>
    runLikeFirehose({ ...firehose, resourceId }, event, () => withEnv(env, () => invokeTransformer(event, env))).then(
      (run) => ({ run }),
      (error: unknown) => ({ error }),
    ),
  );
  await appendFile(logFile, lines.map((line) => `${line}\n`).join(''));
  const empty = { file, records: event.records.length, ok: 0, dropped: 0, failed: 0, failures: [] };
  if (!('run' in value)) return { ...empty, error: `Firehose's delivery failed: ${message(value.error)}` };
  const { run } = value;
  if (!run.answer) {
    return {
      ...empty,
      ...(run.failed ? { errorOutput: run.failed } : {}),
      error: `the transformer failed ${run.attempts} times (${message(run.error)}); as Firehose does, its records went to the error output`,
    };
  }

  const { summary, requests, result } = run.answer;
  const reasons = new Map(summary.failures.map((failure) => [failure.recordId, failure.reason]));
  const kinds = malformedKinds(event);
  const failures: Array<RecordFailure & { index: number; kind?: string }> = [];
  result.records.forEach((record, index) => {
    if (record.result !== 'ProcessingFailed') return;
    const kind = kinds.get(record.recordId);
    failures.push({ index, recordId: record.recordId, reason: reasons.get(record.recordId) ?? '(no reason given)', ...(kind ? { kind } : {}) });
  });
  return {
    ...empty,
    ...(run.ok ? { delivery: run.ok } : {}),
    ...(run.failed ? { errorOutput: run.failed } : {}),
    ok: summary.ok,
    dropped: summary.dropped,
    failed: summary.failed,
    failures,
    batch: { events: summary.events, heartbeats: summary.heartbeats, stored: summary.stored, objects: summary.objects, kmsCalls: requests.kmsCalls },
  };
}

/** The `about.malformed` list of files made by `npm run events`: which record was spoiled, and how. */
function malformedKinds(event: FirehoseTransformationEvent): Map<string, string> {
  const malformed = (event as { about?: { malformed?: unknown } }).about?.malformed;
  const kinds = new Map<string, string>();
  if (!Array.isArray(malformed)) return kinds;
  for (const item of malformed as Array<{ recordId?: unknown; kind?: unknown }>) {
    if (typeof item?.recordId === 'string' && typeof item.kind === 'string') kinds.set(item.recordId, item.kind);
  }
  return kinds;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The report `npm start` prints: results per file, the tree by command, and where things are. */
export function formatStartReport(result: StartResult, cwd = process.cwd()): string[] {
  const lines: string[] = [];
  const nameWidth = Math.max(...result.files.map((file) => relative(cwd, file.file).length));
  lines.push('Records per event file (Ok = events kept, Dropped = heartbeats only, ProcessingFailed = unreadable, kept for replay):');
  for (const file of result.files) {
    const name = relative(cwd, file.file).padEnd(nameWidth);
    if (file.error) {
      lines.push(`  ${name}  ERROR: ${file.error}`);
      continue;
    }
    lines.push(
      `  ${name}  ${String(file.records).padStart(3)} records: ${String(file.ok).padStart(3)} Ok, ` +
        `${String(file.dropped).padStart(2)} Dropped, ${String(file.failed).padStart(2)} ProcessingFailed${batchNote(file.batch)}`,
    );
    for (const failure of file.failures) {
      lines.push(`      records[${failure.index}]${failure.kind ? ` (${failure.kind})` : ''}: ${failure.reason}`);
    }
  }
  lines.push('');
  lines.push(`Audit log in bucket ${result.bucket}, by command:`);
  lines.push(...formatTree(result.tree).map((line) => `  ${line}`));
  lines.push('');
  const bucketDir = relative(cwd, result.bucketDirectory) || result.bucketDirectory;
  lines.push(`On disk: ${bucketDir}/<key>._S3rver_object, each a gzip NDJSON file (cleared at every npm start), e.g.`);
  if (result.tree.exampleKey) lines.push(`  zcat ${join(bucketDir, `${result.tree.exampleKey}._S3rver_object`)} | head -3`);
  const example = result.tree.commands.find((command) => command.command === 'INSERT') ?? result.tree.commands[0];
  const hour = example?.hours[0];
  if (example && hour) {
    lines.push(`Browse: npm run browse -- --command ${example.command} --date ${hour.date} --format table`);
  }
  if (result.allEvents.events > 0) {
    const table = relative(cwd, result.allEvents.directory) || result.allEvents.directory;
    lines.push(`Columnar table all_events: ${result.allEvents.events} events in ${result.allEvents.partitions} Parquet ${result.allEvents.partitions === 1 ? 'file' : 'files'} under ${table}/`);
    lines.push('Query: npm run query -- --named failed-logins   (SQL as Athena runs it; npm run query -- --list for more)');
  }
  lines.push(...formatAlerts(result, cwd));
  const failedOutput = result.files.filter((file) => file.errorOutput);
  if (failedOutput.length > 0) {
    const records = failedOutput.reduce((sum, file) => sum + (file.errorOutput?.records ?? 0), 0);
    lines.push(
      `Firehose's error output: ${records} records of ${failedOutput.length} ${failedOutput.length === 1 ? 'file' : 'files'} under firehose/failed/; ` +
        'what a re-drive would do: npm run replay -- --local --dry-run',
    );
  }
  lines.push(`Handler logs (JSON lines): ${relative(cwd, result.logFile) || result.logFile}`);
  return lines;
}

/** Alerts shown in the report; the rest are in the alerts file. */
const ALERTS_SHOWN = 6;

/** The alerts the samples raised, as the bus received them: who did what, where, and where it is stored. */
function formatAlerts(result: StartResult, cwd: string): string[] {
  const file = relative(cwd, result.alertsFile) || result.alertsFile;
  if (result.alerts.length === 0) return [`Alerts: none raised (the local EventBridge bus received nothing; ${file} is empty)`];
  const byRule = new Map<string, number>();
  for (const alert of result.alerts) byRule.set(String(alert.rule), (byRule.get(String(alert.rule)) ?? 0) + 1);
  const lines = [
    `Alerts on the local EventBridge bus: ${result.alerts.length} (${[...byRule].map(([rule, count]) => `${count} ${rule}`).join(', ')}); ` +
      `each one a JSON line in ${file}:`,
  ];
  const shown = [...result.alerts].sort(bySeverity).slice(0, ALERTS_SHOWN);
  const rows = shown.map((alert) => [
    String(alert.severity),
    String(alert.rule),
    String(alert.resourceId),
    String(alert.command ?? ''),
    String(alert.dbUserName ?? ''),
    String(alert.remoteHost ?? ''),
    String(alert.key),
  ]);
  const header = ['severity', 'rule', 'resource', 'command', 'user', 'host', 'stored in'];
  const widths = header.map((name, column) => Math.max(name.length, ...rows.map((row) => (column === 6 ? 0 : (row[column] as string).length))));
  const format = (row: readonly string[]) => `  ${row.map((cell, column) => (column === 6 ? cell : cell.padEnd(widths[column] as number))).join('  ')}`;
  lines.push(format(header), ...rows.map(format));
  if (result.alerts.length > shown.length) lines.push(`  … and ${result.alerts.length - shown.length} more: head -3 ${file}`);
  return lines;
}

const SEVERITY_ORDER = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];

function bySeverity(a: AlertSeen, b: AlertSeen): number {
  return SEVERITY_ORDER.indexOf(String(a.severity)) - SEVERITY_ORDER.indexOf(String(b.severity)) || String(a.logTime).localeCompare(String(b.logTime));
}

function batchNote(batch: BatchCounts | undefined): string {
  if (!batch) return '';
  const parts = [`${batch.events} events`, `${batch.heartbeats ?? 0} heartbeats dropped`, `${batch.stored ?? 0} stored in ${batch.objects ?? 0} objects`];
  if (batch.kmsCalls !== undefined) parts.push(`${batch.kmsCalls} KMS ${batch.kmsCalls === 1 ? 'call' : 'calls'}`);
  return `  (${parts.join(', ')})`;
}
