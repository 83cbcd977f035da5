import { ConfigError } from '../shared/errors';
import type { AlertRule } from '../alerts/alert-rules';
import type { DropFilters } from './event-filter';

/** The KMS key(s) `Decrypt` may use: one for every resource, or one per resource ID. */
export interface KmsKeySelection {
  readonly default?: string;
  readonly byResource: ReadonlyMap<string, string>;
}

/** What the core needs to know to transform a batch, whoever read it from wherever. */
export interface TransformSettings {
  /** Overrides the resource ID taken from the event's `sourceKinesisStreamArn`. */
  readonly resourceId?: string;
  readonly kmsKeys: KmsKeySelection;
  readonly dropFilters: DropFilters;
  /** Cap on one record's gunzipped activity JSON; a larger record fails alone (decompression bomb). */
  readonly maxDecompressedBytes: number;
  /** Most events (heartbeats included) one record may hold; more fails the record alone. */
  readonly maxEventsPerRecord: number;
  /**
   * Decompressed activity one invocation may read in all, which bounds its memory: records beyond it
   * fail alone, kept for a re-drive.
   */
  readonly maxBatchDecompressedBytes: number;
  /** The alert rules in force: every kept event is tested against its engine's. @default none */
  readonly alertRules?: readonly AlertRule[];
  /** Characters of SQL text an alert carries (cut short with …); 0 carries none. @default 0 */
  readonly alertSqlTextChars?: number;
}

/**
 * The key ID to pin `Decrypt` to for a resource, if any was configured. With one key per resource, a
 * resource that has none is refused rather than decrypted with whatever key its blob names.
 */
export function kmsKeyFor(keys: KmsKeySelection, resourceId: string): string | undefined {
  if (keys.byResource.size === 0) return keys.default;
  const keyId = keys.byResource.get(resourceId);
  if (!keyId) {
    throw new ConfigError(
      `the KMS key setting lists a key per resource but none for ${resourceId}: add ${resourceId}=<keyArn> to it`,
    );
  }
  return keyId;
}
