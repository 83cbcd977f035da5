import type { EncryptionContext, JournalEntry } from '../shared/ports';

export type { EncryptionContext, JournalEntry } from '../shared/ports';

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
export interface BatchJournal {
  /** Makes the entry durable under each of its arrival hours; rejects (failing the batch before anything is stored) otherwise. */
  write(entry: JournalEntry, signal?: AbortSignal): Promise<void>;
}
/**
 * Where a batch's alerts wait for the alert publisher: one object per batch next to its events (the
 * outbox, `alerts/pending/…`). Writing it is part of storing the batch; publishing is not.
 */
export interface AlertOutboxWriter {
  /** Makes the object durable (overwriting the same key); rejects when S3 could not answer or `signal` aborts. */
  put(key: string, body: string, signal?: AbortSignal): Promise<void>;
}
