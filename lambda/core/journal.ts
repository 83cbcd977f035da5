import { createHash } from 'node:crypto';
import type { JournalEntry } from './ports';

/** Where the batch journal lives in the audit bucket: neither the audit log nor Firehose's output. */
export const JOURNAL_PREFIX = 'journal/';

/**
 * `journal/<resourceId>/<YYYY>/<MM>/<DD>/<HH>/<batch name>.json`, by the UTC hour the invocation
 * started: a re-drive finds the entry of a failed record between the record's arrival and the time
 * Firehose stopped retrying it, both of which the error output keeps.
 */
export function journalKey(entry: Pick<JournalEntry, 'resourceId' | 'startedAt' | 'name'>): string {
  return `${journalHourPrefix(entry.resourceId, entry.startedAt)}${entry.name}.json`;
}

/** The journal folder of one resource and UTC hour. */
export function journalHourPrefix(resourceId: string, at: number): string {
  const iso = new Date(at).toISOString();
  return `${JOURNAL_PREFIX}${resourceId}/${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}/`;
}

/**
 * The identity of a record's data that survives into Firehose's error output (which keeps `rawData`
 * but not the record ID): SHA-256 of the decoded bytes, hex. Data that is not a string hashes as empty.
 */
export function recordDigest(data: unknown): string {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'base64') : Buffer.alloc(0);
  return createHash('sha256').update(bytes).digest('hex');
}
