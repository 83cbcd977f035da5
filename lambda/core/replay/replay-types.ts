import type { FirehoseTransformationEvent } from 'aws-lambda';
import type { ErrorOutputStore, JournalReader } from './ports';
import type { BatchOutcome, TransformOptions } from '../transform/transform-batch';

/** What a re-drive is asked (options), what it needs (deps), and what it reports. */

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


/** Objects the report lists by name at most (kept, unreplayable); the counts cover the rest. */
export const MAX_KEPT_LISTED = 50;

export function emptyReport(dryRun: boolean): ReplayReport {
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

export function keep(report: ReplayReport, key: string, reason?: string): void {
  report.objects.kept += 1;
  if (report.kept.length < MAX_KEPT_LISTED) report.kept.push({ key, ...(reason ? { reason } : {}) });
}

export function countReason(report: ReplayReport, reason: string): void {
  report.reasons[reason] = (report.reasons[reason] ?? 0) + 1;
}

/** One error output object while its lines are being replayed. */
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
