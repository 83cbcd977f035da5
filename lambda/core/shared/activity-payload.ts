import { isUtf8 } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import { PayloadError, PayloadTooLargeError } from './errors';
import { EscapeCursor, fastObject } from './json-fast-object';
import { compactJson, JsonRefusedError, MAX_JSON_DEPTH, StrictJsonReader, type FieldValue } from './strict-json';

/**
 * One database activity event: its JSON text exactly as RDS wrote it, and the few top-level fields the
 * transformer reads (see {@link EVENT_FIELDS}). Every other field passes through untouched in `text`.
 */
export interface ActivityEvent {
  /**
   * The event's JSON text, byte for byte as sent: integers beyond 2^53, `1.50`, escapes and key order
   * survive. Only an event whose text held a line break (which would split an NDJSON line) is compacted.
   */
  readonly text: string;
  /** The fields of {@link EVENT_FIELDS} the event has; absent names are absent here too. */
  readonly fields: Readonly<Partial<Record<EventField, FieldValue>>>;
}

/**
 * The top-level event fields the core reads of every event: to drop heartbeats, filter, partition, label
 * the line and pick the alert rules of its engine, and the two short fields the failed-login rules test
 * on every CONNECT (`errorMessage`, `exitCode`), which would otherwise cost a second pass over the
 * event's text (most of the alert rules' time on PostgreSQL and MySQL batches). Others, such as the SQL
 * text, are read only when a rule asks (see {@link readEventField}).
 */
export const EVENT_FIELDS = ['type', 'class', 'command', 'dbUserName', 'logTime', 'clusterId', 'instanceId', 'serverType', 'errorMessage', 'exitCode'] as const;
export type EventField = (typeof EVENT_FIELDS)[number];

/** Who sent a payload: the envelope fields of the decrypted activity JSON. */
export interface ActivitySource {
  readonly clusterId?: string;
  readonly instanceId?: string;
}

export interface PayloadLimits {
  /** Largest gunzipped payload accepted, in bytes. */
  readonly maxDecompressedBytes: number;
  /** Most events (heartbeats included) one payload may hold. */
  readonly maxEvents: number;
}

/** What reading a payload found, besides the events handed to the callback. */
export interface PayloadSummary extends ActivitySource {
  readonly events: number;
  /** Length of the gunzipped JSON in bytes. */
  readonly bytes: number;
  /**
   * About what its text costs in memory: V8 keeps a string one byte a character only while every
   * character is Latin-1, so text with anything beyond ASCII is counted two bytes a character.
   */
  readonly memoryBytes: number;
}

const WANTED: ReadonlySet<string> = new Set(EVENT_FIELDS);
const LIST = 'databaseActivityEventList';

/**
 * Gunzips the whole decrypted plaintext (RDS gzips the JSON once, across Encryption SDK frames), checks
 * it is UTF-8, and reads its event list with the strict reader, handing each event to `onEvent` in order.
 *
 * Events are streamed rather than returned so the caller keeps only what it stores: a payload of
 * millions of tiny events costs the caller nothing for the ones it drops, and stops at `maxEvents`.
 * `onEvent` is told the payload's `clusterId`/`instanceId` only after the list when they follow it in
 * the text, so the caller gets them from the summary. Synchronous on purpose: a record is a few
 * kilobytes, and handing that to libuv's pool costs more main-thread time than inflating it.
 *
 * @throws PayloadError naming what was wrong (never quoting the payload).
 */
export function readActivityPayload(
  gzipped: Buffer,
  limits: PayloadLimits,
  onEvent: (event: ActivityEvent, index: number) => void,
): PayloadSummary {
  let json: Buffer;
  try {
    json = gunzipSync(gzipped, { maxOutputLength: limits.maxDecompressedBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PayloadTooLargeError(limits.maxDecompressedBytes);
    }
    throw new PayloadError('decrypted activity is not gzip data');
  }
  // Buffer#toString would replace invalid bytes with U+FFFD: the stored text would no longer be what RDS sent.
  if (!isUtf8(json)) throw new PayloadError('decrypted activity is not UTF-8 text');
  try {
    const text = json.toString('utf8');
    const memoryBytes = text.length === json.length ? text.length : 2 * text.length;
    return { ...readActivityJson(text, limits.maxEvents, onEvent), bytes: json.length, memoryBytes };
  } catch (error) {
    if (error instanceof JsonRefusedError) throw new PayloadError(error.describe('decrypted activity'));
    throw error;
  }
}

function readActivityJson(
  text: string,
  maxEvents: number,
  onEvent: (event: ActivityEvent, index: number) => void,
): Omit<PayloadSummary, 'bytes' | 'memoryBytes'> {
  const reader = new StrictJsonReader(text);
  let clusterId: string | undefined;
  let instanceId: string | undefined;
  let events = -1;
  reader.beginObject(1);
  for (let name = reader.nextName(1, true); name !== undefined; name = reader.nextName(1, false)) {
    if (name === LIST) {
      events = readEventList(reader, maxEvents, onEvent);
    } else if (name === 'clusterId' || name === 'instanceId') {
      const value = reader.value(2);
      if (typeof value === 'string') {
        if (name === 'clusterId') clusterId = value;
        else instanceId = value;
      }
    } else {
      reader.skip(2);
    }
  }
  reader.end();
  if (events < 0) throw new PayloadError(`decrypted activity has no ${LIST} array`);
  return { events, ...(clusterId !== undefined ? { clusterId } : {}), ...(instanceId !== undefined ? { instanceId } : {}) };
}

function readEventList(reader: StrictJsonReader, maxEvents: number, onEvent: (event: ActivityEvent, index: number) => void): number {
  if (reader.peek() !== 0x5b) throw new PayloadError(`${LIST} is not an array`);
  reader.beginArray(2);
  const escapes = new EscapeCursor();
  let count = 0;
  for (let more = reader.nextElement(true); more; more = reader.nextElement(false)) {
    if (count === maxEvents) throw new PayloadError(`${LIST} holds more than ${maxEvents} events`);
    if (reader.peek() !== 0x7b) throw new PayloadError(`${LIST} item ${count} is not an object`);
    onEvent(readEventFast(reader, escapes) ?? readEvent(reader), count);
    count++;
  }
  return count;
}

/**
 * The event at the reader's position read the fast way (see json-fast-object.ts), the reader moved past
 * it; or undefined, the reader unmoved, when {@link readEvent} must read it (it then accepts it the same
 * way or refuses it with the strict reader's reason). An event whose read field holds an object or array
 * goes that way too, for the field's exact text.
 */
function readEventFast(reader: StrictJsonReader, escapes: EscapeCursor): ActivityEvent | undefined {
  const start = reader.at;
  const fast = fastObject(reader.text, start, 3, MAX_JSON_DEPTH, escapes);
  if (!fast) return undefined;
  // Named reads, not a loop over EVENT_FIELDS: events of one payload share their shape, and V8 caches a
  // named property's place in it (measured: the loop took a fifth of the fast way's time). Every name of
  // EVENT_FIELDS is read here: activity-payload-fast.test.ts holds this read to the strict one.
  const { type, class: klass, command, dbUserName, logTime, clusterId, instanceId, serverType, errorMessage, exitCode } = fast.value;
  const fields: Partial<Record<EventField, FieldValue>> = {};
  if (
    !put(fields, 'type', type, fast.value) ||
    !put(fields, 'class', klass, fast.value) ||
    !put(fields, 'command', command, fast.value) ||
    !put(fields, 'dbUserName', dbUserName, fast.value) ||
    !put(fields, 'logTime', logTime, fast.value) ||
    !put(fields, 'clusterId', clusterId, fast.value) ||
    !put(fields, 'instanceId', instanceId, fast.value) ||
    !put(fields, 'serverType', serverType, fast.value) ||
    !put(fields, 'errorMessage', errorMessage, fast.value) ||
    !put(fields, 'exitCode', exitCode, fast.value)
  ) {
    return undefined;
  }
  reader.at = fast.end;
  const text = reader.text.slice(start, fast.end);
  return { text: fast.sawLineBreak ? compactJson(text) : text, fields };
}

function readEvent(reader: StrictJsonReader): ActivityEvent {
  const start = reader.at;
  reader.resetLineBreaks();
  const fields: Partial<Record<EventField, FieldValue>> = {};
  reader.beginObject(3);
  for (let name = reader.nextName(3, true); name !== undefined; name = reader.nextName(3, false)) {
    if (WANTED.has(name)) fields[name as EventField] = reader.value(4);
    else reader.skip(4);
  }
  const text = reader.text.slice(start, reader.at);
  return { text: reader.sawLineBreak ? compactJson(text) : text, fields };
}

/**
 * Sets `fields[name]` to the event's own `value` when it has one (JSON values are never undefined, and a
 * name found only on Object.prototype is not the event's); false for an object or array, which the
 * strict reader must read for its exact text.
 */
function put(fields: Partial<Record<EventField, FieldValue>>, name: EventField, value: unknown, event: Record<string, unknown>): boolean {
  if (value === undefined || !Object.hasOwn(event, name)) return true;
  if (typeof value === 'object' && value !== null) return false;
  fields[name] = value as FieldValue;
  return true;
}

/**
 * Top-level fields of an event, read off its text when they are not among the fields read of every
 * event: for the alert rules, which test some events' `commandText`, `exitCode` or `errorMessage`, and
 * the alerts, which carry a few more. One pass over the text for all of them; fields the event lacks
 * are absent from the map. The text was validated when the event was read.
 */
export function readEventFields(event: ActivityEvent, names: ReadonlySet<string>): Map<string, FieldValue> {
  const found = new Map<string, FieldValue>();
  for (const name of names) {
    if (WANTED.has(name) && event.fields[name as EventField] !== undefined) found.set(name, event.fields[name as EventField] as FieldValue);
  }
  let missing = 0;
  for (const name of names) if (!WANTED.has(name)) missing += 1;
  if (missing === 0) return found;
  const reader = new StrictJsonReader(event.text);
  reader.beginObject(1);
  for (let key = reader.nextName(1, true); key !== undefined; key = reader.nextName(1, false)) {
    if (names.has(key) && !WANTED.has(key)) {
      found.set(key, reader.value(2));
      // The text was read strictly once already (no name twice): the rest of it can hold nothing asked for.
      if (--missing === 0) break;
    } else reader.skip(2);
  }
  return found;
}

/** One top-level field of an event (see {@link readEventFields}); undefined when the event has none. */
export function readEventField(event: ActivityEvent, name: string): FieldValue | undefined {
  if (WANTED.has(name)) return event.fields[name as EventField];
  return readEventFields(event, new Set([name])).get(name);
}

/** A field value as text, as SQL's string columns read it: numbers as written, containers as their JSON. */
export function fieldText(value: FieldValue | undefined): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value.json;
}
