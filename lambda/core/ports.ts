import type { Alert } from './alerts';

/**
 * What the pure core needs from the outside world. Adapters in `adapters/` implement these
 * against KMS, the AWS Encryption SDK and S3; tests and local tools pass the same adapters
 * clients pointed at loopback endpoints.
 *
 * The contract that keeps one record from failing a batch: a port **rejects only when the outside
 * world failed** (unreachable, throttled past retries, out of time). What a record's own bytes cause
 * (a blob KMS refuses, a message that does not decrypt) is answered as a value or thrown by a purely
 * local step, and fails that record alone.
 */

/** The KMS encryption context RDS binds a data key to: `aws:rds:dbc-id` or `aws:rds:db-id`. */
export type EncryptionContext = Readonly<Record<string, string>>;

/** A plaintext data key, identified by the KMS blob it came from. */
export interface DataKey {
  /** Stable identity of the key blob (a digest, never key material). */
  readonly id: string;
  /** The 32-byte AES key. Adapters must copy it before handing it to anything that zeroes buffers. */
  readonly plaintext: Uint8Array;
}

/** A data key, or why KMS will never give it for this blob (the records sealed with it fail alone). */
export type DataKeyAnswer = { readonly key: DataKey } | { readonly refused: string };

export interface DataKeyProvider {
  /**
   * Resolves the `key` field of a DAS record (base64 KMS ciphertext blob) to its plaintext data key,
   * or to a refusal when KMS refuses the blob itself (wrong context, tampered, disabled key…). Rejects
   * only when KMS could not answer (throttling past the SDK's retries, network, `signal` aborted), so
   * that the batch is retried. `keyId` pins the KMS key.
   */
  dataKey(encryptedKey: string, context: EncryptionContext, keyId?: string, signal?: AbortSignal): Promise<DataKeyAnswer>;
}

export interface PayloadDecrypter {
  /**
   * Decrypts an AWS Encryption SDK message (the `databaseActivityEvents` bytes) with the data key.
   * Resolves to the still-gzipped plaintext; rejects with `PayloadError`. Purely local: it never
   * fails for a reason outside the message and the key.
   */
  decrypt(message: Uint8Array, dataKey: DataKey): Promise<Buffer>;
}

/** One object of the audit log. */
export interface StoredObject {
  readonly key: string;
  /** gzip-compressed NDJSON. */
  readonly body: Buffer;
  readonly eventCount: number;
}

export interface EventStore {
  /**
   * Builds and writes every object (overwriting same keys), a bounded number at a time, and resolves
   * with them when all are durable; rejects otherwise, or as soon as `signal` aborts. Objects come as
   * builders so that compressing one overlaps writing another; a builder is called right before its
   * object's write starts.
   */
  putAll(objects: ReadonlyArray<() => Promise<StoredObject>>, signal?: AbortSignal): Promise<StoredObject[]>;

  /**
   * Removes objects a failed batch may have written. Resolves with the keys it could not remove
   * (never rejects): rolling back is best effort, and the batch fails either way.
   */
  removeAll(keys: readonly string[], signal?: AbortSignal): Promise<string[]>;
}

/**
 * What a batch was about to store, written before any of it is: which records (by ID and by a digest
 * of their data, the only identity Firehose's error output keeps) make up the batch whose objects are
 * named `name`. A re-drive of the error output uses it to rebuild the batch exactly, so that events a
 * failed invocation left behind are overwritten with the same bytes instead of stored twice.
 */
export interface JournalEntry {
  readonly name: string;
  readonly resourceId: string;
  /** When the invocation started (ms since the epoch). */
  readonly startedAt: number;
  /**
   * The UTC hours (their starts) in which the batch's records arrived, by `approximateArrivalTimestamp`:
   * the entry is filed under each, where a re-drive looks for a record by the arrival the error output keeps.
   */
  readonly arrivalHours: readonly number[];
  readonly records: ReadonlyArray<{ readonly recordId: string; readonly sha256: string }>;
}

export interface BatchJournal {
  /** Makes the entry durable under each of its arrival hours; rejects (failing the batch before anything is stored) otherwise. */
  write(entry: JournalEntry, signal?: AbortSignal): Promise<void>;
}

/** Where alerts go: an EventBridge bus, in the account. */
export interface AlertPublisher {
  /**
   * Publishes every alert, retrying what fails; rejects when some could not be published after the
   * retries, or as soon as `signal` aborts. The batch then fails and Firehose retries it: an alert is
   * never silently lost (and the retry raises the same alert ids).
   */
  publish(alerts: readonly Alert[], signal?: AbortSignal): Promise<void>;
}

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
   * Writes the copy of replayed Ok records that Firehose would have delivered under `firehose/ok/`, had
   * they not failed, so that the time-partitioned copy (the `events` table) has them too.
   */
  putOkCopy(key: string, body: Buffer): Promise<void>;
}
