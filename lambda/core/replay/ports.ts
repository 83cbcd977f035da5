import type { JournalEntry } from '../shared/ports';

/** What the re-drive of Firehose's error output needs from the outside world (S3, in `adapters/`). */

/** The journal, read back by a re-drive. */
export interface JournalReader {
  /** The entries of one database filed under one UTC hour of arrival (`hour`: its start, ms since the epoch). */
  entries(resourceId: string, hour: number): Promise<JournalEntry[]>;
}

/** One object of Firehose's error output (`firehose/failed/…`). */
export interface ErrorOutputObject {
  readonly key: string;
  readonly size: number;
}

/** An error output object a re-drive set aside because its remaining records fail for good. */
export interface UnreplayableObject {
  /** Its key below `firehose/unreplayable/`. */
  readonly key: string;
  /** Lines by reason, as the re-drive that set it aside recorded them. */
  readonly reasons: Readonly<Record<string, number>>;
}

/** A line of an error output object that a re-drive has processed for good (Ok or Dropped). */
export interface ReplayMark {
  /** The line's position in its object. */
  readonly line: number;
  readonly result: 'Ok' | 'Dropped';
  readonly replayedAt: string;
  /** The error record as Firehose wrote it: the marker is the evidence of what was re-driven. */
  readonly record: string;
}

/**
 * Firehose's error output, as a re-drive reads and retires it. An object whose every line has been
 * replayed moves out of the error prefix, so that a second re-drive finds nothing to do and what stays
 * is exactly what still fails. Every method rejects only when S3 could not answer.
 */
export interface ErrorOutputStore {
  /** Every error output object, in key order (the database's folder, then time). */
  list(): Promise<ErrorOutputObject[]>;
  read(key: string): Promise<Buffer>;
  /** The lines of the object replayed by earlier re-drives. */
  marks(key: string): Promise<ReplayMark[]>;
  /** Records every line of the object replayed so far (the earlier marks and the new ones). */
  mark(key: string, marks: readonly ReplayMark[]): Promise<void>;
  /** Removes the object from the error output: called once its marks cover every line. */
  retire(key: string): Promise<void>;
  /**
   * Moves the object out of the error output to `firehose/unreplayable/` (same path below it), with the
   * reasons its remaining lines fail for good: called once a re-drive got ProcessingFailed again for each.
   */
  setAside(key: string, reasons: Readonly<Record<string, number>>): Promise<void>;
  /** The objects set aside so far, with their reasons (what `npm run replay -- --report` lists). */
  unreplayable(): Promise<UnreplayableObject[]>;
  /**
   * Writes the copy of replayed Ok records that Firehose would have delivered under `firehose/ok/`, had
   * they not failed, so that the time-partitioned copy (the `events` table) has them too.
   */
  putOkCopy(key: string, body: Buffer): Promise<void>;
}
