import { createHash } from 'node:crypto';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { ErrorOutputError, errorObjectLocation, PROCESSING_FAILED_STATUS, readErrorOutput, type ErrorLine } from './error-output';
import { OK_FILE_EXTENSION, okFolder } from '../shared/firehose-layout';
import { batchObjectName } from '../shared/partition';
import type { JournalEntry } from '../shared/ports';
import type { ErrorOutputObject, ErrorOutputStore, JournalReader, ReplayMark } from './ports';
import type { BatchOutcome, TransformOptions } from '../transform/transform-batch';

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
 * `firehose/replayed/` (with what was replayed and when). An object whose remaining lines fail for good
 * (the transformer answered ProcessingFailed for each again, or the line is not a Firehose error record:
 * retrying cannot change either) moves to `firehose/unreplayable/` with their reasons, so that a later
 * re-drive has nothing left to do; lines that may still come back (held for their batch, a run cut short)
 * stay, with their reasons.
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
  /** Begin at this error output object (its key): where an earlier run that stopped early said to go on. */
  readonly startAt?: string;
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
  /** When it stopped at the deadline: the object the next run should start at (`startAt`). */
  resumeAt?: string;
  readonly objects: {
    /** Objects in the error output. */
    listed: number;
    /** Those in the range and database asked for. */
    selected: number;
    read: number;
    /** Every line replayed: moved out of the error output. */
    retired: number;
    /** Still holding lines that may come back (or the object could not be read): left where they are. */
    kept: number;
    /** Every remaining line fails for good: moved to `firehose/unreplayable/`. */
    unreplayable: number;
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
  /** Objects this run moved to `firehose/unreplayable/` (the first 50), with their lines by reason. */
  readonly unreplayable: Array<{ key: string; reasons: Record<string, number> }>;
}

export type ReplayProgress = (done: number, total: number, report: ReplayReport) => void;

const DEFAULT_MAX_BATCH_RECORDS = 500;
const DEFAULT_MAX_BATCH_BYTES = 1024 * 1024;
/**
 * Entries written by versions that filed them under the invocation's hour rather than the records'
 * arrival are looked for between the record's arrival and the end of Firehose's last attempt, at most this
 * long. Such entries expire with the journal (90 days by default), and this search with them.
 */
const MAX_LEGACY_SPAN_HOURS = 48;
const HOUR_MS = 3_600_000;
const MAX_KEPT_LISTED = 50;

/** The outside world failed (KMS, S3): the re-drive stops, and what it did not finish stays as it was. */
class OutsideWorldError extends Error {
  override readonly name = 'OutsideWorldError';
}

export async function replayErrorOutput(deps: ReplayDeps, options: ReplayOptions = {}, progress?: ReplayProgress): Promise<ReplayReport> {
  const report = emptyReport(options.dryRun === true);
  const now = options.now ?? Date.now;
  let listed: ErrorOutputObject[];
  try {
    listed = await deps.errorOutput.list();
  } catch (error) {
    report.complete = false;
    report.error = `listing the error output failed: ${describe(error)}`;
    return report;
  }
  report.objects.listed = listed.length;

  const groups = new Map<string, Array<{ object: ErrorOutputObject; hour?: number }>>();
  for (const object of listed) {
    const location = errorObjectLocation(object.key);
    if (options.resourceId && location.resourceId && location.resourceId !== options.resourceId) continue;
    if (location.hour === undefined ? options.since !== undefined || options.until !== undefined : !inRange(location.hour, options)) continue;
    if (options.startAt !== undefined && object.key < options.startAt) continue;
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
          // Next time, from the first object whose batch is still waiting for lines, else from here.
          const waiting = resource.firstWaitingKey;
          report.resumeAt = waiting !== undefined && waiting < object.key ? waiting : object.key;
          break;
        }
        await resource.replayObject(object.key, hour);
        done += 1;
        progress?.(done, report.objects.selected, report);
      }
      await resource.finish(!report.complete);
      if (!report.complete) break;
    }
  } catch (error) {
    if (!(error instanceof OutsideWorldError)) throw error;
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
    objects: { listed: 0, selected: 0, read: 0, retired: 0, kept: 0, unreplayable: 0 },
    records: { read: 0, alreadyReplayed: 0, ok: 0, dropped: 0, stillFailing: 0, held: 0, toReplay: 0 },
    eventsStored: 0,
    batches: { standalone: 0, rebuiltFromJournal: 0 },
    reasons: {},
    kept: [],
    unreplayable: [],
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
  /** New marks since the object was read: it must be marked again. */
  marked: boolean;
  /** Lines in a journal batch not yet complete. */
  waiting: number;
  /** A line still fails, could not be read, or is held: the object stays. */
  keeps: boolean;
  /** Lines that fail for good (ProcessingFailed again, or not a record), by index, with the reason. */
  readonly forGood: Map<number, string>;
  /** A line may still come back (held for its batch, or the run stopped first): never set aside. */
  mayChange: boolean;
}

type RecordLine = Extract<ErrorLine, { kind: 'record' }>;

/** A line of the error output in a batch being rebuilt. */
interface Member {
  readonly state: ObjectState;
  readonly line: RecordLine;
  /** Replayed (and marked) by an earlier re-drive: it completes its batch, and gets no new mark. */
  readonly marked: boolean;
  /** Answered ProcessingFailed: if its batch cannot be rebuilt, it is replayed on its own (its batch stored nothing of it). */
  readonly ownFailure: boolean;
  /** Counted in its object's `waiting`. */
  readonly waits: boolean;
}

interface Pending {
  readonly entry: JournalEntry;
  readonly found: Map<string, Member[]>;
}

/** A record sent to the transformer, and every line of the error output it stands for. */
interface Item {
  readonly recordId: string;
  readonly line: RecordLine;
  readonly members: readonly Member[];
}

/** The re-drive of one database's error output, object by object in key (time) order. */
class ResourceReplay {
  private readonly pending = new Map<string, Pending>();
  private readonly journalHours = new Set<number>();
  private readonly journalByDigest = new Map<string, JournalEntry[]>();
  private readonly waitingStates = new Set<ObjectState>();
  /** Records replayed on their own in this run, by digest: a copy elsewhere in the error output shares the result. */
  private readonly standaloneResults = new Map<string, 'Ok' | 'Dropped'>();

  constructor(
    private readonly resourceId: string,
    private readonly deps: ReplayDeps,
    private readonly options: ReplayOptions,
    private readonly report: ReplayReport,
    private readonly now: () => number,
  ) {}

  /** Objects still waiting for lines of another object: where the next run must begin to see their batches whole. */
  get firstWaitingKey(): string | undefined {
    let first: string | undefined;
    for (const state of this.waitingStates) if (first === undefined || state.key < first) first = state.key;
    return first;
  }

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
      throw new OutsideWorldError(`reading ${key} failed: ${describe(error)}`);
    }
    this.report.objects.read += 1;
    const state: ObjectState = { key, ...(hour !== undefined ? { hour } : {}), lines, marks: [...marks], marked: false, waiting: 0, keeps: false, forGood: new Map(), mayChange: false };
    const marked = new Set(marks.map((mark) => mark.line));
    const standalone: RecordLine[] = [];
    for (const line of lines) {
      this.report.records.read += 1;
      if (line.kind === 'unreadable') {
        if (marked.has(line.index)) continue;
        state.keeps = true;
        state.forGood.set(line.index, line.reason);
        this.report.records.stillFailing += 1;
        countReason(this.report, line.reason);
        continue;
      }
      const ownFailure = line.record.errorCode === PROCESSING_FAILED_STATUS;
      const entry = await this.batchOf(line, hour);
      if (marked.has(line.index)) {
        this.report.records.alreadyReplayed += 1;
        // Still part of its batch: a batch replayed in part by an earlier run is rebuilt whole, under the same record IDs.
        if (entry) this.join(entry, { state, line, marked: true, ownFailure, waits: false });
        continue;
      }
      if (!entry) {
        standalone.push(line);
        continue;
      }
      this.join(entry, { state, line, marked: false, ownFailure, waits: true });
      state.waiting += 1;
    }
    if (state.waiting > 0) this.waitingStates.add(state);

    await this.replayStandalone(state, standalone);
    for (const [name, pending] of this.pending) {
      if (!complete(pending)) continue;
      this.pending.delete(name);
      if ([...pending.found.values()].some((members) => members.some((member) => !member.marked))) await this.replayJournalBatch(pending);
    }
    await this.settleReady(state);
  }

  /**
   * What is left once every object is read: batches never completed. When the run stopped early they
   * are left for the next run (which starts at the first of their objects) rather than judged.
   */
  async finish(stoppedEarly = false): Promise<void> {
    for (const pending of this.pending.values()) {
      const members = [...pending.found.values()].flat().filter((member) => !member.marked);
      if (members.length === 0) continue;
      if (stoppedEarly) {
        for (const member of members) {
          member.state.waiting -= 1;
          member.state.keeps = true;
          member.state.mayChange = true;
        }
        continue;
      }
      const found = [...pending.found.values()].reduce((sum, queue) => sum + queue.length, 0);
      const reason =
        `its failed batch had ${pending.entry.records.length} records and only ${found} were found in the error output read: ` +
        'replay a wider time range to rebuild the batch';
      const own = new Map<ObjectState, RecordLine[]>();
      for (const member of members) {
        member.state.waiting -= 1;
        if (member.ownFailure) {
          // Its batch succeeded without it (its other records are not in the error output): on its own, as any ProcessingFailed record.
          own.set(member.state, [...(own.get(member.state) ?? []), member.line]);
          continue;
        }
        member.state.keeps = true;
        member.state.mayChange = true;
        this.report.records.held += 1;
        countReason(this.report, reason);
      }
      for (const [state, lines] of own) await this.replayStandalone(state, lines);
    }
    this.pending.clear();
    await this.settle([...this.waitingStates]);
    this.waitingStates.clear();
  }

  private join(entry: JournalEntry, member: Member): void {
    const pending = this.pending.get(entry.name) ?? { entry, found: new Map<string, Member[]>() };
    const queue = pending.found.get(member.line.digest) ?? [];
    queue.push(member);
    pending.found.set(member.line.digest, queue);
    this.pending.set(entry.name, pending);
  }

  /**
   * The journal entry of the batch a record was in, if an attempt of it got as far as writing one. The
   * transformer files each entry under every hour its records arrived in, so the record's own arrival
   * (kept by the error output; else the hour Firehose filed the object under, that of its oldest record)
   * names the one folder to read: how late the delivery or the re-drive came does not matter.
   */
  private async batchOf(line: RecordLine, objectHour: number | undefined): Promise<JournalEntry | undefined> {
    const arrival = line.record.arrivalTimestamp ?? objectHour;
    if (arrival === undefined) return undefined;
    const hour = floorHour(arrival);
    await this.readJournalHour(hour);
    let candidates = this.journalByDigest.get(line.digest);
    const ended = line.record.attemptEndingTimestamp;
    if (!candidates && ended !== undefined) {
      // An entry of an earlier version, filed under the hour its invocation ran in.
      const last = Math.min(floorHour(ended), hour + MAX_LEGACY_SPAN_HOURS * HOUR_MS);
      for (let later = hour + HOUR_MS; later <= last; later += HOUR_MS) await this.readJournalHour(later);
      candidates = this.journalByDigest.get(line.digest);
    }
    // The same batch retried keeps its name; of different batches, the earliest is the one the record was first in.
    return candidates?.reduce((first, entry) => (entry.startedAt < first.startedAt ? entry : first));
  }

  private async readJournalHour(hour: number): Promise<void> {
    if (this.journalHours.has(hour)) return;
    this.journalHours.add(hour);
    let entries: JournalEntry[];
    try {
      entries = await this.deps.journal.entries(this.resourceId, hour);
    } catch (error) {
      throw new OutsideWorldError(`reading the journal failed: ${describe(error)}`);
    }
    for (const entry of entries) {
      for (const { sha256 } of entry.records) {
        const list = this.journalByDigest.get(sha256) ?? [];
        if (!list.some((known) => known.name === entry.name)) list.push(entry);
        this.journalByDigest.set(sha256, list);
      }
    }
  }

  /** Records replayed on their own: in chunks of the object's lines, copies of a record sharing its fate. */
  private async replayStandalone(state: ObjectState, lines: readonly RecordLine[]): Promise<void> {
    const items: Array<{ recordId: string; line: RecordLine; members: Member[] }> = [];
    const byDigest = new Map<string, { members: Member[] }>();
    for (const line of lines) {
      const member: Member = { state, line, marked: false, ownFailure: true, waits: false };
      const earlier = this.standaloneResults.get(line.digest);
      if (earlier && !this.options.dryRun) {
        // The same record, replayed already in this run: its events are stored; this copy is done too.
        this.record(member, earlier);
        continue;
      }
      const queued = byDigest.get(line.digest);
      if (queued) {
        queued.members.push(member);
        continue;
      }
      const item = { recordId: standaloneRecordId(state.key, line.index), line, members: [member] };
      byDigest.set(line.digest, item);
      items.push(item);
    }
    for (const chunk of chunks(items, this.deps.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS, this.deps.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES)) {
      await this.replay(chunk, 'standalone');
    }
  }

  private async replayJournalBatch(pending: Pending): Promise<void> {
    const items: Item[] = [];
    const left = new Map<string, number>();
    for (const { sha256 } of pending.entry.records) left.set(sha256, (left.get(sha256) ?? 0) + 1);
    for (const { recordId, sha256 } of pending.entry.records) {
      const members = pending.found.get(sha256) as Member[];
      const remaining = (left.get(sha256) as number) - 1;
      left.set(sha256, remaining);
      // One line per occurrence in the batch; copies beyond (the error output written twice) share the last one's fate.
      const taken = remaining === 0 ? members.splice(0, members.length) : members.splice(0, 1);
      items.push({ recordId, line: (taken[0] as Member).line, members: taken });
    }
    await this.replay(items, 'journal');
  }

  private async replay(items: readonly Item[], kind: 'standalone' | 'journal'): Promise<void> {
    if (items.length === 0) return;
    if (kind === 'journal') this.report.batches.rebuiltFromJournal += 1;
    else this.report.batches.standalone += 1;
    if (this.options.dryRun) {
      for (const member of items.flatMap((item) => item.members)) {
        if (member.waits) member.state.waiting -= 1;
        if (!member.marked) this.report.records.toReplay += 1;
      }
      return;
    }
    const event = replayEvent(this.resourceId, this.options.region ?? 'us-east-1', items.map((item) => ({ recordId: item.recordId, line: item.line, hour: item.members[0]?.state.hour })), this.now());
    let outcome: BatchOutcome;
    try {
      outcome = await this.deps.transform(event, this.options.transformOptions ?? {});
    } catch (error) {
      throw new OutsideWorldError(`the transformer failed, nothing of this batch is marked replayed: ${describe(error)}`);
    }
    this.report.eventsStored += outcome.summary.stored;
    await this.putOkCopy(event, outcome);
    const results = new Map(outcome.result.records.map((record) => [record.recordId, record.result]));
    const reasons = new Map(outcome.summary.failures.map((failure) => [failure.recordId, failure.reason]));
    for (const item of items) {
      const result = results.get(item.recordId);
      if (kind === 'standalone' && (result === 'Ok' || result === 'Dropped')) this.standaloneResults.set(item.line.digest, result);
      for (const member of item.members) {
        if (member.waits) member.state.waiting -= 1;
        if (member.marked) continue;
        if (result === 'Ok' || result === 'Dropped') this.record(member, result);
        else {
          const reason = reasons.get(item.recordId) ?? 'the transformer answered ProcessingFailed';
          member.state.keeps = true;
          // The transformer answered for the record's own bytes (what it cannot get from KMS or S3 it throws, and the run stops).
          member.state.forGood.set(member.line.index, reason);
          this.report.records.stillFailing += 1;
          countReason(this.report, reason);
        }
      }
    }
  }

  private record(member: Member, result: 'Ok' | 'Dropped'): void {
    this.report.records[result === 'Ok' ? 'ok' : 'dropped'] += 1;
    member.state.marks.push({ line: member.line.index, result, replayedAt: new Date(this.now()).toISOString(), record: member.line.text });
    member.state.marked = true;
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
      throw new OutsideWorldError(`writing the Ok copy ${key} failed (the events are stored; a re-run writes both again): ${describe(error)}`);
    }
  }

  /** Moves an object whose remaining lines fail for good to `firehose/unreplayable/`, with their reasons. */
  private async setAside(state: ObjectState): Promise<void> {
    const reasons: Record<string, number> = {};
    for (const reason of state.forGood.values()) reasons[reason] = (reasons[reason] ?? 0) + 1;
    try {
      await this.deps.errorOutput.setAside(state.key, reasons);
    } catch (error) {
      throw new OutsideWorldError(`moving ${state.key} to firehose/unreplayable/ failed (it stays in the error output; a re-run tries again): ${describe(error)}`);
    }
    this.report.objects.unreplayable += 1;
    if (this.report.unreplayable.length < MAX_KEPT_LISTED) this.report.unreplayable.push({ key: state.key, reasons });
  }

  /** Settles this object and every waiting one whose batches are done. */
  private async settleReady(state: ObjectState): Promise<void> {
    const ready = [...this.waitingStates].filter((waiting) => waiting.waiting <= 0);
    for (const waiting of ready) this.waitingStates.delete(waiting);
    if (state.waiting <= 0 && !ready.includes(state)) ready.push(state);
    await this.settle(ready);
  }

  /**
   * Writes the objects' marks, all of them first, then retires those whose every line is replayed: a
   * batch rebuilt across objects is marked in each before any leaves the error output, so a re-run that
   * finds some of its lines still unmarked also finds the others (marked) to rebuild it with.
   */
  private async settle(states: readonly ObjectState[]): Promise<void> {
    if (this.options.dryRun) {
      for (const state of states) if (state.keeps) keep(this.report, state.key);
      return;
    }
    try {
      for (const state of states) if (state.marked) await this.deps.errorOutput.mark(state.key, state.marks);
    } catch (error) {
      throw new OutsideWorldError(`marking what was replayed failed (its records are stored; a re-run stores them again under the same keys): ${describe(error)}`);
    }
    for (const state of states) {
      const everyLine = !state.keeps && state.marks.length >= state.lines.length;
      if (!everyLine) {
        if (failsForGood(state)) await this.setAside(state);
        else keep(this.report, state.key);
        continue;
      }
      try {
        await this.deps.errorOutput.retire(state.key);
      } catch (error) {
        throw new OutsideWorldError(`retiring ${state.key} failed (it is marked: a re-run retires it): ${describe(error)}`);
      }
      this.report.objects.retired += 1;
    }
  }
}

/** Every line not replayed fails for good, and none may still come back. */
function failsForGood(state: ObjectState): boolean {
  if (state.mayChange || state.waiting > 0 || state.forGood.size === 0) return false;
  const marked = new Set(state.marks.map((mark) => mark.line));
  return state.lines.every((line) => marked.has(line.index) || state.forGood.has(line.index));
}

function complete(pending: Pending): boolean {
  const needed = new Map<string, number>();
  for (const { sha256 } of pending.entry.records) needed.set(sha256, (needed.get(sha256) ?? 0) + 1);
  return [...needed].every(([digest, count]) => (pending.found.get(digest)?.length ?? 0) >= count);
}

function* chunks<T extends { line: RecordLine }>(items: readonly T[], maxRecords: number, maxBytes: number): Generator<T[]> {
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Math.ceil((item.line.record.rawData.length * 3) / 4);
    if (chunk.length > 0 && (chunk.length >= maxRecords || bytes + size > maxBytes)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
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
