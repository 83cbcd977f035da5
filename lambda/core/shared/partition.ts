import { createHash } from 'node:crypto';
import { detached } from './detached';
import type { ActivityEvent } from './activity-payload';

/** Where an event is filed: `events/command=<command>/date=<date>/hour=<hour>/`. */
export interface Partition {
  readonly command: string;
  /** YYYY-MM-DD, UTC. */
  readonly date: string;
  /** HH, UTC. */
  readonly hour: string;
}

/**
 * The folder name of a command: upper case, each run of characters other than A–Z and 0–9 made one `_`,
 * no leading or trailing `_`; `UNKNOWN` when nothing is left.
 *
 * @example
 * commandFolder('CREATE TABLE'); // 'CREATE_TABLE'
 * commandFolder(null);           // 'UNKNOWN'
 */
export function commandFolder(command: unknown): string {
  const text = typeof command === 'string' ? command : typeof command === 'number' ? String(command) : '';
  // A database sends a handful of distinct commands and this runs once per event: remember them.
  let folder = folders.get(text);
  if (folder === undefined) {
    folder =
      text
        .toUpperCase()
        .replace(/[^A-Z0-9]+/g, '_')
        .replace(/^_+|_+$/g, '') || 'UNKNOWN';
    if (folders.size >= 1000) folders.clear();
    // Kept across invocations: copies, never views of a record's text (see detached.ts).
    folder = detached(folder);
    folders.set(detached(text), folder);
  }
  return folder;
}

const folders = new Map<string, string>();

// RDS writes `2019-05-23 01:31:28.610198+00`; SQL Server has 7 fractional digits; some omit the offset.
const LOG_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:[.,]\d+)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Milliseconds since the epoch of a DAS `logTime`, read as UTC when it carries no offset. */
export function parseLogTime(logTime: unknown): number | undefined {
  if (typeof logTime !== 'string') return undefined;
  const match = LOG_TIME.exec(logTime.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, zone] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [
    number, number, number, number, number, number,
  ];
  // Years before 1970 are not DAS times (and Date.UTC would read 0–99 as 1900–1999).
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return undefined;
  }
  const offset = offsetMinutes(zone);
  if (offset === undefined) return undefined;
  // A leap second (:60) stays in its own minute, so it never moves an event into the next hour or day.
  const utc = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59));
  if (new Date(utc).getUTCDate() !== day) return undefined; // 2024-02-31 and the like
  return utc - offset * 60_000;
}

function offsetMinutes(zone: string | undefined): number | undefined {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || 0);
  if (hours > 14 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes);
}

/** The partition of an event: its command, and the UTC hour of its `logTime` (else of the record's arrival). */
export function partitionOf({ fields }: ActivityEvent, arrivalMillis: number): Partition {
  const command = commandFolder(fields.command);
  const utc = utcDateHour(fields.logTime);
  if (utc) return { command, ...utc };
  const iso = new Date(parseLogTime(fields.logTime) ?? arrivalMillis).toISOString();
  return { command, date: iso.slice(0, 10), hour: iso.slice(11, 13) };
}

// Nearly every logTime is already UTC (`+00` or no offset): its date and hour can be read off the text,
// which matters at one call per event. Anything else takes the full parse.
const UTC_LOG_TIME = /^(\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))[ T]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:[.,]\d+)?(?:\+00(?::?00)?|Z)?$/;

function utcDateHour(logTime: unknown): { date: string; hour: string } | undefined {
  if (typeof logTime !== 'string') return undefined;
  const match = UTC_LOG_TIME.exec(logTime);
  if (!match || !plainDay(logTime)) return undefined;
  return { date: match[1]!, hour: match[2]! };
}

export function partitionKey({ command, date, hour }: Partition): string {
  return `events/command=${command}/date=${date}/hour=${hour}/`;
}

/**
 * `partitionKey(partitionOf(event, arrivalMillis))`, as the transformer asks it once per event: a UTC
 * `logTime` (nearly all of them) is only tested, not taken apart, and the folder of each command and
 * hour is built once and remembered, so an event costs a pattern test and two lookups.
 */
export function eventFolder(event: ActivityEvent, arrivalMillis: number): string {
  const { command, logTime } = event.fields;
  if (typeof logTime !== 'string' || !UTC_LOG_TIME.test(logTime) || !plainDay(logTime)) return partitionKey(partitionOf(event, arrivalMillis));
  const folder = commandFolder(command);
  let byHour = hourFolders.get(folder);
  if (byHour === undefined) {
    if (hourFolders.size >= 1000) hourFolders.clear();
    hourFolders.set(folder, (byHour = new Map()));
  }
  // The date and hour as a number read off the digits: no substring of the event's text is kept.
  const hour = digits(logTime, 0, 4) * 1_000_000 + digits(logTime, 5, 2) * 10_000 + digits(logTime, 8, 2) * 100 + digits(logTime, 11, 2);
  let key = byHour.get(hour);
  if (key === undefined) {
    key = partitionKey({ command: folder, date: logTime.slice(0, 10), hour: logTime.slice(11, 13) });
    if (byHour.size >= 1000) byHour.clear();
    byHour.set(hour, key);
  }
  return key;
}

const hourFolders = new Map<string, Map<number, string>>();

/** The decimal number of `count` digits of `text` from `at` (the caller has matched them as digits). */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let index = at; index < at + count; index++) value = value * 10 + (text.charCodeAt(index) - 48);
  return value;
}

/**
 * What a UTC `logTime` the pattern matched must also be for its date and hour to be read off its text:
 * a day up to the 28th (month ends are left to parseLogTime, which knows each month's length) and a year
 * from 1970.
 */
function plainDay(logTime: string): boolean {
  return digits(logTime, 8, 2) <= 28 && digits(logTime, 0, 4) >= 1970;
}

/**
 * The object name shared by every group of one batch: `<resourceId>-<digest of the record IDs>`. It
 * depends only on the batch's records, so a batch Firehose retries overwrites its own objects instead
 * of duplicating events; the resource keeps databases sharing a bucket apart and says where events came from.
 */
export function batchObjectName(resourceId: string, recordIds: readonly string[]): string {
  const digest = createHash('sha256').update(resourceId).update('\n');
  for (const id of recordIds) digest.update(id).update('\n');
  return `${resourceId}-${digest.digest('hex').slice(0, 32)}`;
}

/** An object's key: its folder (`partitionKey`) and the batch's name. */
export function objectKey(folder: string, batchName: string): string {
  return `${folder}${batchName}.jsonl.gz`;
}
