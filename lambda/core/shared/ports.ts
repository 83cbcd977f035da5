/**
 * The ports two flows of the core share: the encryption context a data key is bound to, and the batch
 * journal entry the transformer writes and the re-drive reads. Each flow's own ports are in its folder
 * (`transform/ports.ts`, `replay/ports.ts`).
 */

/** The KMS encryption context RDS binds a data key to: `aws:rds:dbc-id` or `aws:rds:db-id`. */
export type EncryptionContext = Readonly<Record<string, string>>;
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
