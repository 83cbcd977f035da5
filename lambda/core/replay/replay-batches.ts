import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import type { ErrorLine } from './error-output';
import type { JournalEntry } from '../shared/ports';
import type { ReplayMark } from './ports';
import { OK_FILE_EXTENSION, okFolder } from '../shared/firehose-layout';
import { batchObjectName } from '../shared/partition';
import type { BatchOutcome } from '../transform/transform-batch';

/** What a re-drive keeps while it rebuilds batches: objects' states, batch members, and the helpers on them. */

export const DEFAULT_MAX_BATCH_RECORDS = 500;
export const DEFAULT_MAX_BATCH_BYTES = 1024 * 1024;
export const HOUR_MS = 3_600_000;

export class OutsideWorldError extends Error {
  override readonly name = 'OutsideWorldError';
}


export interface ObjectState {
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

export type RecordLine = Extract<ErrorLine, { kind: 'record' }>;

/** A line of the error output in a batch being rebuilt. */
export interface Member {
  readonly state: ObjectState;
  readonly line: RecordLine;
  /** Replayed (and marked) by an earlier re-drive: it completes its batch, and gets no new mark. */
  readonly marked: boolean;
  /** Answered ProcessingFailed: if its batch cannot be rebuilt, it is replayed on its own (its batch stored nothing of it). */
  readonly ownFailure: boolean;
  /** Counted in its object's `waiting`. */
  readonly waits: boolean;
}

export interface Pending {
  readonly entry: JournalEntry;
  readonly found: Map<string, Member[]>;
}

/** A record sent to the transformer, and every line of the error output it stands for. */
export interface Item {
  readonly recordId: string;
  readonly line: RecordLine;
  readonly members: readonly Member[];
}

/** The re-drive of one database's error output, object by object in key (time) order. */
export function failsForGood(state: ObjectState): boolean {
  if (state.mayChange || state.waiting > 0 || state.forGood.size === 0) return false;
  const marked = new Set(state.marks.map((mark) => mark.line));
  return state.lines.every((line) => marked.has(line.index) || state.forGood.has(line.index));
}

export function complete(pending: Pending): boolean {
  const needed = new Map<string, number>();
  for (const { sha256 } of pending.entry.records) needed.set(sha256, (needed.get(sha256) ?? 0) + 1);
  return [...needed].every(([digest, count]) => (pending.found.get(digest)?.length ?? 0) >= count);
}

export function* chunks<T extends { line: RecordLine }>(items: readonly T[], maxRecords: number, maxBytes: number): Generator<T[]> {
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
export function replayEvent(
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

export function floorHour(millis: number): number {
  return Math.floor(millis / HOUR_MS) * HOUR_MS;
}

export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * What Firehose would have delivered for a replayed batch under `firehose/ok/`: its Ok data (the records'
 * receipts) in order, gzipped as one stream as Firehose compresses an object, filed under the hour of the
 * oldest record's arrival and named after the batch, so a re-run overwrites it. None when no record is Ok.
 */
export function okCopyOf(resourceId: string, event: FirehoseTransformationEvent, outcome: BatchOutcome, now: number): { key: string; body: Buffer } | undefined {
  const arrivals = new Map(event.records.map((record) => [record.recordId, record.approximateArrivalTimestamp]));
  const ok = outcome.result.records.filter((record) => record.result === 'Ok' && record.data);
  if (ok.length === 0) return undefined;
  const oldest = Math.min(...ok.map((record) => arrivals.get(record.recordId) ?? now));
  const name = batchObjectName(resourceId, event.records.map((record) => record.recordId));
  return { key: `${okFolder(resourceId, oldest)}replay-${name}${OK_FILE_EXTENSION}`, body: gzipSync(Buffer.concat(ok.map((record) => Buffer.from(record.data ?? '', 'base64')))) };
}
