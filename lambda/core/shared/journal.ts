import { createHash } from 'node:crypto';
import type { JournalEntry } from './ports';

/** Where the batch journal lives in the audit bucket: neither the audit log nor Firehose's output. */
export const JOURNAL_PREFIX = 'journal/';

const HOUR_MS = 3_600_000;

/**
 * `journal/<resourceId>/<YYYY>/<MM>/<DD>/<HH>/<batch name>.json`, once for each UTC hour in which a
 * record of the batch arrived (nearly always one). Filed by arrival, which Firehose's error output keeps
 * for every record (`arrivalTimestamp`), rather than by when the invocation ran: a re-drive finds the
 * entry of a failed record in exactly one folder, however far behind its stream Firehose was and however
 * late the re-drive comes.
 */
export function journalKeys(entry: Pick<JournalEntry, 'resourceId' | 'arrivalHours' | 'name'>): string[] {
  return entry.arrivalHours.map((hour) => `${journalHourPrefix(entry.resourceId, hour)}${entry.name}.json`);
}

/** The start of the UTC hour a time falls in (ms since the epoch). */
export function utcHourOf(millis: number): number {
  return Math.floor(millis / HOUR_MS) * HOUR_MS;
}

/** The distinct UTC hours (their starts, ascending) the times fall in. */
export function arrivalHoursOf(arrivals: readonly number[]): number[] {
  return [...new Set(arrivals.map(utcHourOf))].sort((a, b) => a - b);
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
