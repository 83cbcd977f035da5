/**
 * What the pure core needs from the outside world. Adapters in `adapters/` implement these
 * against KMS, the AWS Encryption SDK and S3; tests and local tools pass the same adapters
 * clients pointed at loopback endpoints.
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

export interface DataKeyProvider {
  /**
   * Resolves the `key` field of a DAS record (base64 KMS ciphertext blob) to its plaintext data key.
   * Rejects with `DataKeyError` when KMS refuses the blob; other failures (throttling after retries,
   * network) reject with the SDK error so the batch is retried. `keyId` pins the KMS key.
   */
  dataKey(encryptedKey: string, context: EncryptionContext, keyId?: string): Promise<DataKey>;
}

export interface PayloadDecrypter {
  /**
   * Decrypts an AWS Encryption SDK message (the `databaseActivityEvents` bytes) with the data key.
   * Resolves to the still-gzipped plaintext; rejects with `PayloadError`.
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
   * with them when all are durable; rejects otherwise. Objects come as builders so that compressing
   * one overlaps writing another.
   */
  putAll(objects: ReadonlyArray<() => Promise<StoredObject>>): Promise<StoredObject[]>;
}
