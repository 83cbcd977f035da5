import { createHash } from 'node:crypto';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { ErrorOutputError, errorObjectLocation, PROCESSING_FAILED_STATUS, readErrorOutput, type ErrorLine } from './error-output';
import { OK_FILE_EXTENSION, okFolder } from './firehose-layout';
import { batchObjectName } from './partition';
import type { ErrorOutputObject, ErrorOutputStore, JournalEntry, JournalReader, ReplayMark } from './ports';
import type { BatchOutcome, TransformOptions } from './transform-batch';

/**
 * The re-drive of Firehose's error output: every record Firehose could not get processed goes through
 * the transformer again, once the cause is fixed, and lands in `events/` as if Firehose had delivered it.
 *
 * Two kinds of failure reach the error output, and they need different care:
 * - a record the transformer answered ProcessingFailed (`Lambda.ProcessingFailedStatus`): its batch
 *   succeeded, and the record itself stored nothing. It is replayed on its own.
 * - a record of an invocation that failed (an error, a timeout, KMS or S3 out past the retries): that
 *   attempt may have left some of its batch's objects behind. The journal names the batch's records by
 *   a digest of their data, so the batch is rebuilt with its original record IDs, in order, and its
 *   objects come out under the same keys: what was left behind is overwritten, never stored twice. A
 *   record no journal entry names was in a batch that stored nothing, and is replayed on its own.
 *
 * Replayed records get record IDs derived from where they sit in the error output, so a re-drive that
 * is interrupted and run again writes the same objects. An object whose every line is replayed moves to
 * `firehose/replayed/` (with what was replayed and when); lines that still fail stay, with their reasons.
 */

export interface ReplayOptions {
  /** First UTC hour of the error output to read (its start, ms since the epoch), by the folder it sits in. */
  readonly since?: number;
  /** Last UTC hour to read, inclusive. */
  readonly until?: number;
  /** Only this database's error output; also the database of objects whose key names none. */
  readonly resourceId?: string;
  /** Read and plan only: nothing is decrypted, written, marked or moved. */
  readonly dryRun?: boolean;
  /**
   * Stop starting new objects after this (ms since the epoch), once one is done; the report then says it
   * is not complete.
   */
  readonly deadline?: number;
  /** How each replayed batch is run: the time it must be done by (the function's own), and its rollback. */
  readonly transformOptions?: TransformOptions;
  /** The region the records' streams are in, for the events' stream ARN. @default us-east-1 */
  readonly region?: string;
  readonly now?: () => number;
}

export interface ReplayDeps {
  readonly errorOutput: ErrorOutputStore;
  readonly journal: JournalReader;
  /** The transformer, exactly as Firehose invokes it. */
  readonly transform: (event: FirehoseTransformationEvent, options: TransformOptions) => Promise<BatchOutcome>;
  /** Records per replayed batch of standalone records. @default 500 */
  readonly maxBatchRecords?: number;
  /** Bytes of record data per replayed batch of standalone records: a Firehose batch's default. @default 1 MiB */
  readonly maxBatchBytes?: number;
}

/** What a re-drive did (or, with `dryRun`, would do). */
export interface ReplayReport {
  readonly dryRun: boolean;
  /** False when it stopped early: at the deadline, or because KMS or S3 failed (see `error`). */
  complete: boolean;
  error?: string;
  readonly objects: {
    /** Objects in the error output. */
    listed: number;
    /** Those in the range and database asked for. */
    selected: number;
    read: number;
    /** Every line replayed: moved out of the error output. */
    retired: number;
    /** Still holding lines that fail (or could not be read): left where they are. */
    kept: number;
  };
  readonly records: {
    /** Lines of the objects read, records or not. */
    read: number;
    /** Replayed by an earlier re-drive (skipped). */
    alreadyReplayed: number;
    ok: number;
    dropped: number;
    stillFailing: number;
    /** Part of a failed batch whose other records were not in what was read: left for a wider re-drive. */
    held: number;
    /** With `dryRun`: what a re-drive would replay. */
    toReplay: number;
  };
  eventsStored: number;
  readonly batches: { standalone: number; rebuiltFromJournal: number };
  /** Records still failing or held, by reason. */
  readonly reasons: Record<string, number>;
  /** Objects left in the error output (the first 50), with why when the object itself could not be read. */
  readonly kept: Array<{ key: string; reason?: string }>;
}

export type ReplayProgress = (done: number, total: number, report: ReplayReport) => void;

const DEFAULT_MAX_BATCH_RECORDS = 500;
const DEFAULT_MAX_BATCH_BYTES = 1024 * 1024;
/** How far past a record's arrival the journal is searched when the error output gives no end time. */
const JOURNAL_SEARCH_HOURS = 2;
const MAX_JOURNAL_SPAN_HOURS = 48;
const HOUR_MS = 3_600_000;
const MAX_KEPT_LISTED = 50;

/** The outside world failed (KMS, S3): the re-drive stops, and what it did not finish stays as it was. */
class OutsideFailure extends Error {}

export async function replayErrorOutput(deps: ReplayDeps, options: ReplayOptions = {}, progress?: ReplayProgress): Promise<ReplayReport> {
  const report = emptyReport(options.dryRun === true);
  const now = options.now ?? Date.now;
  const listed = await deps.errorOutput.list();
  report.objects.listed = listed.length;

  const groups = new Map<string, Array<{ object: ErrorOutputObject; hour?: number }>>();
  for (const object of listed) {
    const location = errorObjectLocation(object.key);
    if (options.resourceId && location.resourceId && location.resourceId !== options.resourceId) continue;
    if (location.hour === undefined ? options.since !== undefined || options.until !== undefined : !inRange(location.hour, options)) continue;
    report.objects.selected += 1;
    const resourceId = location.resourceId ?? options.resourceId;
    if (!resourceId) {
      keep(report, object.key, 'its key names no database (no resource=<id> folder): give the resource ID to replay it');
      continue;
    }
    const group = groups.get(resourceId) ?? [];
    group.push({ object, ...(location.hour !== undefined ? { hour: location.hour } : {}) });
    groups.set(resourceId, group);
  }

  let done = 0;
  try {
    for (const [resourceId, objects] of groups) {
      const resource = new ResourceReplay(resourceId, deps, options, report, now);
      for (const { object, hour } of objects) {
        // Every run gets through one object at least, so that runs called one after another always progress.
        if (done > 0 && options.deadline !== undefined && now() >= options.deadline) {
          report.complete = false;
          break;
        }
        await resource.replayObject(object.key, hour);
        done += 1;
        progress?.(done, report.objects.selected, report);
      }
      await resource.finish();
      if (!report.complete) break;
    }
  } catch (error) {
    if (!(error instanceof OutsideFailure)) throw error;
    report.complete = false;
    report.error = error.message;
  }
  return report;
}

function inRange(hour: number, options: ReplayOptions): boolean {
  return (options.since === undefined || hour >= options.since) && (options.until === undefined || hour <= options.until);
}

function emptyReport(dryRun: boolean): ReplayReport {
  return {
    dryRun,
    complete: true,
    objects: { listed: 0, selected: 0, read: 0, retired: 0, kept: 0 },
    records: { read: 0, alreadyReplayed: 0, ok: 0, dropped: 0, stillFailing: 0, held: 0, toReplay: 0 },
    eventsStored: 0,
    batches: { standalone: 0, rebuiltFromJournal: 0 },
    reasons: {},
    kept: [],
  };
}

function keep(report: ReplayReport, key: string, reason?: string): void {
  report.objects.kept += 1;
  if (report.kept.length < MAX_KEPT_LISTED) report.kept.push({ key, ...(reason ? { reason } : {}) });
}

function countReason(report: ReplayReport, reason: string): void {
  report.reasons[reason] = (report.reasons[reason] ?? 0) + 1;
}

/** One error output object while its lines are being replayed. */
interface ObjectState {
  readonly key: string;
  readonly hour?: number;
  readonly lines: readonly ErrorLine[];
  readonly marks: ReplayMark[];
  /** Lines in a journal batch not yet complete. */
  waiting: number;
  /** A line still fails, could not be read, or is held: the object stays. */
  keeps: boolean;
}

type RecordLine = Extract<ErrorLine, { kind: 'record' }>;

interface Pending {
  readonly entry: JournalEntry;
  readonly found: Map<string, Array<{ state: ObjectState; line: RecordLine }>>;
}

/** The re-drive of one database's error output, object by object in key (time) order. */
class ResourceReplay {
  private readonly pending = new Map<string, Pending>();
  private readonly journalHours = new Set<number>();
  private readonly journalByDigest = new Map<string, JournalEntry[]>();
  private readonly waitingStates = new Set<ObjectState>();

  constructor(
    private readonly resourceId: string,
    private readonly deps: ReplayDeps,
    private readonly options: ReplayOptions,
    private readonly report: ReplayReport,
    private readonly now: () => number,
  ) {}

  async replayObject(key: string, hour: number | undefined): Promise<void> {
    let lines: ErrorLine[];
    let marks: ReplayMark[];
    try {
      [lines, marks] = await Promise.all([this.deps.errorOutput.read(key).then(readErrorOutput), this.deps.errorOutput.marks(key)]);
    } catch (error) {
      if (error instanceof ErrorOutputError) {
        keep(this.report, key, `the object cannot be read: ${error.message}`);
        return;
      }
      throw new OutsideFailure(`reading ${key} failed: ${describe(error)}`);
    }
    this.report.objects.read += 1;
    const state: ObjectState = { key, ...(hour !== undefined ? { hour } : {}), lines, marks: [...marks], waiting: 0, keeps: false };
    const marked = new Set(marks.map((mark) => mark.line));
    const standalone: RecordLine[] = [];
    for (const line of lines) {
      this.report.records.read += 1;
      if (marked.has(line.index)) {
        this.report.records.alreadyReplayed += 1;
        continue;
      }
      if (line.kind === 'unreadable') {
        state.keeps = true;
        this.report.records.stillFailing += 1;
        countReason(this.report, line.reason);
        continue;
      }
      const entry = line.record.errorCode === PROCESSING_FAILED_STATUS ? undefined : await this.batchOf(line, hour);
      if (!entry) {
        standalone.push(line);
        continue;
      }
      const pending = this.pending.get(entry.name) ?? { entry, found: new Map() };
      const queue = pending.found.get(line.digest) ?? [];
      queue.push({ state, line });
      pending.found.set(line.digest, queue);
      this.pending.set(entry.name, pending);
      state.waiting += 1;
    }

    for (const chunk of chunks(standalone, this.deps.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS, this.deps.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES)) {
      await this.replay(
        chunk.map((line) => ({ recordId: standaloneRecordId(key, line.index), state, line })),
        'standalone',
      );
    }
    for (const [name, pending] of this.pending) {
      if (!complete(pending)) continue;
      this.pending.delete(name);
      await this.replayJournalBatch(pending);
    }
    if (state.waiting > 0) this.waitingStates.add(state);
    else await this.settle(state);
    for (const waiting of [...this.waitingStates]) {
      if (waiting.waiting > 0) continue;
      this.waitingStates.delete(waiting);
      await this.settle(waiting);
    }
  }

  /** What is left once every object is read: batches never completed are held, their objects kept. */
  async finish(): Promise<void> {
    for (const pending of this.pending.values()) {
      const found = [...pending.found.values()].reduce((sum, queue) => sum + queue.length, 0);
      const reason =
        `its failed batch had ${pending.entry.records.length} records and only ${found} were found in the error output read: ` +
        'replay a wider time range to rebuild the batch';
      for (const queue of pending.found.values()) {
        for (const { state } of queue) {
          state.keeps = true;
          state.waiting -= 1;
          this.report.records.held += 1;
          countReason(this.report, reason);
        }
      }
    }
    this.pending.clear();
    for (const state of this.waitingStates) await this.settle(state);
    this.waitingStates.clear();
  }

  /** The journal entry of the failed batch a record was in, if its attempt got as far as writing one. */
  private async batchOf(line: RecordLine, objectHour: number | undefined): Promise<JournalEntry | undefined> {
    const from = floorHour(line.record.arrivalTimestamp ?? objectHour ?? this.now());
    const to = floorHour(line.record.attemptEndingTimestamp ?? (line.record.arrivalTimestamp ?? objectHour ?? this.now()) + JOURNAL_SEARCH_HOURS * HOUR_MS);
    const last = Math.min(Math.max(to, from), from + MAX_JOURNAL_SPAN_HOURS * HOUR_MS);
    for (let hour = from; hour <= last; hour += HOUR_MS) {
      if (this.journalHours.has(hour)) continue;
      this.journalHours.add(hour);
      let entries: JournalEntry[];
      try {
        entries = await this.deps.journal.entries(this.resourceId, hour);
      } catch (error) {
        throw new OutsideFailure(`reading the journal failed: ${describe(error)}`);
      }
      for (const entry of entries) {
        for (const { sha256 } of entry.records) {
          const list = this.journalByDigest.get(sha256) ?? [];
          if (!list.some((known) => known.name === entry.name)) list.push(entry);
          this.journalByDigest.set(sha256, list);
        }
      }
    }
    const candidates = this.journalByDigest.get(line.digest);
    // The same batch retried keeps its name; of different batches, the earliest is the one the record was first in.
    return candidates?.reduce((first, entry) => (entry.startedAt < first.startedAt ? entry : first));
  }

  private async replayJournalBatch(pending: Pending): Promise<void> {
    const items: Array<{ recordId: string; state: ObjectState; line: RecordLine; copies: Array<{ state: ObjectState; line: RecordLine }> }> = [];
    for (const { recordId, sha256 } of pending.entry.records) {
      const queue = pending.found.get(sha256) as Array<{ state: ObjectState; line: RecordLine }>;
      const [first, ...rest] = queue.splice(0, queue.length);
      const take = first as { state: ObjectState; line: RecordLine };
      // Copies of the same record beyond what the batch holds (the error output written twice) share its fate.
      items.push({ recordId, state: take.state, line: take.line, copies: rest });
    }
    await this.replay(items, 'journal');
  }

  private async replay(
    items: ReadonlyArray<{ recordId: string; state: ObjectState; line: RecordLine; copies?: Array<{ state: ObjectState; line: RecordLine }> }>,
    kind: 'standalone' | 'journal',
  ): Promise<void> {
    if (items.length === 0) return;
    if (kind === 'journal') this.report.batches.rebuiltFromJournal += 1;
    else this.report.batches.standalone += 1;
    const everyLine = items.flatMap((item) => [{ state: item.state, line: item.line }, ...(item.copies ?? [])]);
    if (this.options.dryRun) {
      this.report.records.toReplay += everyLine.length;
      for (const { state } of everyLine) {
        if (kind === 'journal') state.waiting -= 1;
      }
      return;
    }
    const event = replayEvent(this.resourceId, this.options.region ?? 'us-east-1', items.map((item) => ({ recordId: item.recordId, line: item.line, hour: item.state.hour })), this.now());
    let outcome: BatchOutcome;
    try {
      outcome = await this.deps.transform(event, this.options.transformOptions ?? {});
    } catch (error) {
      throw new OutsideFailure(`the transformer failed, nothing of this batch is marked replayed: ${describe(error)}`);
    }
    this.report.eventsStored += outcome.summary.stored;
    await this.putOkCopy(event, outcome);
    const results = new Map(outcome.result.records.map((record) => [record.recordId, record.result]));
    const reasons = new Map(outcome.summary.failures.map((failure) => [failure.recordId, failure.reason]));
    const replayedAt = new Date(this.now()).toISOString();
    for (const item of items) {
      const result = results.get(item.recordId);
      for (const { state, line } of [{ state: item.state, line: item.line }, ...(item.copies ?? [])]) {
        if (kind === 'journal') state.waiting -= 1;
        if (result === 'Ok' || result === 'Dropped') {
          this.report.records[result === 'Ok' ? 'ok' : 'dropped'] += 1;
          state.marks.push({ line: line.index, result, replayedAt, record: line.text });
        } else {
          state.keeps = true;
          this.report.records.stillFailing += 1;
          countReason(this.report, reasons.get(item.recordId) ?? 'the transformer answered ProcessingFailed');
        }
      }
    }
  }

  /**
   * What Firehose would have delivered for the batch under `firehose/ok/`: its Ok data in order, filed
   * under the hour of the oldest record's arrival and named after the batch, so a re-run overwrites it.
   */
  private async putOkCopy(event: FirehoseTransformationEvent, outcome: BatchOutcome): Promise<void> {
    const arrivals = new Map(event.records.map((record) => [record.recordId, record.approximateArrivalTimestamp]));
    const ok = outcome.result.records.filter((record) => record.result === 'Ok' && record.data);
    if (ok.length === 0) return;
    const oldest = Math.min(...ok.map((record) => arrivals.get(record.recordId) ?? this.now()));
    const name = batchObjectName(this.resourceId, event.records.map((record) => record.recordId));
    const key = `${okFolder(this.resourceId, oldest)}replay-${name}${OK_FILE_EXTENSION}`;
    try {
      await this.deps.errorOutput.putOkCopy(key, Buffer.concat(ok.map((record) => Buffer.from(record.data ?? '', 'base64'))));
    } catch (error) {
      throw new OutsideFailure(`writing the Ok copy ${key} failed (the events are stored; a re-run writes both again): ${describe(error)}`);
    }
  }

  /** Writes the object's marks and retires it when every line is replayed; otherwise it stays. */
  private async settle(state: ObjectState): Promise<void> {
    if (this.options.dryRun) {
      if (state.keeps) keep(this.report, state.key);
      return;
    }
    const everyLine = !state.keeps && state.marks.length >= state.lines.length;
    try {
      if (state.marks.length > 0) await this.deps.errorOutput.mark(state.key, state.marks);
      if (everyLine) await this.deps.errorOutput.retire(state.key);
    } catch (error) {
      throw new OutsideFailure(`marking ${state.key} as replayed failed (its records are stored; a re-run stores them again under the same keys): ${describe(error)}`);
    }
    if (everyLine) this.report.objects.retired += 1;
    else keep(this.report, state.key);
  }
}

function complete(pending: Pending): boolean {
  const needed = new Map<string, number>();
  for (const { sha256 } of pending.entry.records) needed.set(sha256, (needed.get(sha256) ?? 0) + 1);
  return [...needed].every(([digest, count]) => (pending.found.get(digest)?.length ?? 0) >= count);
}

function* chunks(lines: readonly RecordLine[], maxRecords: number, maxBytes: number): Generator<RecordLine[]> {
  let chunk: RecordLine[] = [];
  let bytes = 0;
  for (const line of lines) {
    const size = Math.ceil((line.record.rawData.length * 3) / 4);
    if (chunk.length > 0 && (chunk.length >= maxRecords || bytes + size > maxBytes)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(line);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

/** The same line of the same object always gets the same record ID: an interrupted re-drive, run again, overwrites. */
export function standaloneRecordId(key: string, index: number): string {
  return `replay-${createHash('sha256').update(key).update('\n').update(String(index)).digest('hex').slice(0, 40)}`;
}

/**
 * A Firehose event around replayed records: the stream ARN names the database (the transformer reads
 * the resource ID off it); arrival times are the error output's, so events fall in the hour they would have.
 */
function replayEvent(
  resourceId: string,
  region: string,
  items: ReadonlyArray<{ recordId: string; line: RecordLine; hour?: number }>,
  now: number,
): FirehoseTransformationEvent {
  const invocationId = createHash('sha256')
    .update(items.map((item) => item.recordId).join('\n'))
    .digest('hex')
    .slice(0, 32);
  return {
    invocationId: `replay-${invocationId}`,
    deliveryStreamArn: `arn:aws:firehose:${region}:000000000000:deliverystream/das-firehose-replay`,
    sourceKinesisStreamArn: `arn:aws:kinesis:${region}:000000000000:stream/aws-rds-das-${resourceId}`,
    region,
    records: items.map((item) => ({
      recordId: item.recordId,
      approximateArrivalTimestamp: item.line.record.arrivalTimestamp ?? item.hour ?? now,
      data: item.line.record.rawData,
    })),
  } as FirehoseTransformationEvent;
}

function floorHour(millis: number): number {
  return Math.floor(millis / HOUR_MS) * HOUR_MS;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * A UTC hour from `YYYY-MM-DD` or `YYYY-MM-DDTHH` (minutes and seconds, and a `Z`, are accepted and
 * ignored): the hour's start. A bare date is its first hour as a start (`since`) and its last as an end
 * (`until`). Undefined when the text is not such a time.
 */
export function utcHour(text: string, end: 'since' | 'until'): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?Z?)?$/.exec(text.trim());
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const hour = match[4] !== undefined ? Number(match[4]) : end === 'since' ? 0 : 23;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23) return undefined;
  const millis = Date.UTC(year, month - 1, day, hour);
  return new Date(millis).getUTCDate() === day ? millis : undefined;
}
