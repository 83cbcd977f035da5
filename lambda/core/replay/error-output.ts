import { gunzipSync } from 'node:zlib';
import { recordDigest } from '../shared/journal';
import { isResourceId } from '../shared/resource';
import { JsonRefusedError, StrictJsonReader, type FieldValue } from '../shared/strict-json';

/**
 * Firehose's error output, read back for a re-drive. For each record it could not process, Firehose
 * writes a JSON object (documented in "Handle failure in data transformation"):
 *
 *   {"attemptsMade":4,"arrivalTimestamp":1763726400000,"errorCode":"Lambda.FunctionError",
 *    "errorMessage":"…","attemptEndingTimestamp":1763726460000,"rawData":"<the record, base64>",
 *    "lambdaArn":"arn:aws:lambda:…"}
 *
 * one per line, gzip-compressed when the delivery stream compresses. Only `rawData` is needed to
 * process the record again; the rest says why it failed and when. Numbers may come as numbers or as
 * numeric strings (the documentation shows both), and names in either case (`errorCode` or, as
 * Firehose's format-conversion errors write it, `ErrorCode`).
 */

export { ERROR_OUTPUT_ROOT, REPLAYED_ROOT, replayedKey, UNREPLAYABLE_ROOT, unreplayableKey } from '../shared/firehose-layout';

/** The error code of a record the transformer itself answered ProcessingFailed. */
export const PROCESSING_FAILED_STATUS = 'Lambda.ProcessingFailedStatus';

/** One record of the error output. */
export interface ErrorRecord {
  /** The original Kinesis record, base64, exactly as Firehose passed it to the transformer. */
  readonly rawData: string;
  readonly arrivalTimestamp?: number;
  readonly attemptEndingTimestamp?: number;
  readonly attemptsMade?: number;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/** One line of an error output object: a record, or text that is not one (kept, counted, never fatal). */
export type ErrorLine =
  | { readonly index: number; readonly kind: 'record'; readonly text: string; readonly record: ErrorRecord; readonly digest: string }
  | { readonly index: number; readonly kind: 'unreadable'; readonly text: string; readonly reason: string };

/** Error output objects are Firehose's delivery buffer (5 MiB by default) at most; this bounds a forged one. */
export const MAX_ERROR_OBJECT_BYTES = 256 * 1024 * 1024;

/**
 * The lines of one error output object, in order. Objects may be gzip (by their magic bytes) or plain;
 * records may be one per line, run together, or spread over several lines (pretty-printed). A line that
 * is not a Firehose error record is returned as unreadable with the reason, and reading goes on with the
 * next line.
 */
export function readErrorOutput(body: Buffer): ErrorLine[] {
  const text = errorOutputText(body);
  const lines: ErrorLine[] = [];
  let at = 0;
  while (at < text.length) {
    // Whitespace between records, line breaks included, separates them.
    while (at < text.length && /\s/.test(text[at] as string)) at++;
    if (at >= text.length) break;
    const index = lines.length;
    const read = readOneRecord(text, at);
    if ('record' in read) {
      lines.push({ index, kind: 'record', text: text.slice(at, read.end), record: read.record, digest: recordDigest(read.record.rawData) });
      at = read.end;
    } else {
      // What is not a record is its line, from where the record would have begun: a broken record can
      // reach into the lines after it (JSON allows line breaks anywhere), and those may be good records.
      const lineEnd = text.indexOf('\n', at);
      const end = lineEnd === -1 ? text.length : lineEnd;
      lines.push({ index, kind: 'unreadable', text: text.slice(at, end), reason: read.reason });
      at = end;
    }
  }
  return lines;
}

function errorOutputText(body: Buffer): string {
  if (body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b) {
    try {
      return gunzipSync(body, { maxOutputLength: MAX_ERROR_OBJECT_BYTES }).toString('utf8');
    } catch (error) {
      const tooLarge = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      throw new ErrorOutputError(tooLarge ? `the object holds more than ${MAX_ERROR_OBJECT_BYTES} bytes decompressed` : 'the object is gzip data that does not decompress');
    }
  }
  return body.toString('utf8');
}

/** An error output object that cannot be read at all (as opposed to a line of it). */
export class ErrorOutputError extends Error {
  override readonly name = 'ErrorOutputError';
}

type ReadResult = { readonly record: ErrorRecord; readonly end: number } | { readonly reason: string; readonly end: number };

const FIELDS: Record<string, keyof ErrorRecord> = {
  rawdata: 'rawData',
  arrivaltimestamp: 'arrivalTimestamp',
  attemptendingtimestamp: 'attemptEndingTimestamp',
  attemptsmade: 'attemptsMade',
  errorcode: 'errorCode',
  errormessage: 'errorMessage',
};

function readOneRecord(text: string, start: number): ReadResult {
  const reader = new StrictJsonReader(text);
  reader.at = start;
  const values = new Map<keyof ErrorRecord, FieldValue>();
  try {
    if (reader.peek() !== 0x7b) return { reason: 'not a Firehose error record: not a JSON object', end: start + 1 };
    reader.beginObject(1);
    for (let name = reader.nextName(1, true); name !== undefined; name = reader.nextName(1, false)) {
      const field = FIELDS[name.toLowerCase()];
      if (field && !values.has(field)) values.set(field, reader.value(2));
      else if (field) return { reason: `not a Firehose error record: ${field} is given twice`, end: reader.at };
      else reader.skip(2);
    }
  } catch (error) {
    if (error instanceof JsonRefusedError) return { reason: `not a Firehose error record: ${error.describe('the line')}`, end: reader.at };
    throw error;
  }
  const end = reader.at;
  const rawData = values.get('rawData');
  if (typeof rawData !== 'string' || rawData.length === 0) return { reason: 'not a Firehose error record: it has no rawData string', end };
  if (!isBase64(rawData)) return { reason: 'not a Firehose error record: rawData is not base64', end };
  return {
    end,
    record: {
      rawData,
      ...optionalNumber('arrivalTimestamp', values),
      ...optionalNumber('attemptEndingTimestamp', values),
      ...optionalNumber('attemptsMade', values),
      ...optionalString('errorCode', values),
      ...optionalString('errorMessage', values),
    },
  };
}

function optionalNumber(field: keyof ErrorRecord, values: Map<keyof ErrorRecord, FieldValue>): Partial<ErrorRecord> {
  const value = values.get(field);
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined;
  return number !== undefined && Number.isSafeInteger(number) ? { [field]: number } : {};
}

function optionalString(field: keyof ErrorRecord, values: Map<keyof ErrorRecord, FieldValue>): Partial<ErrorRecord> {
  const value = values.get(field);
  return typeof value === 'string' ? { [field]: value } : {};
}

/** Standard padded base64, as Firehose writes `rawData`. */
function isBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}

/** What an error output object's key says: which database, and the UTC hour Firehose filed it under. */
export interface ErrorObjectLocation {
  readonly resourceId?: string;
  /** The start of the hour, ms since the epoch. */
  readonly hour?: number;
}

/**
 * Reads `firehose/failed/resource=<id>/type=<type>/date=YYYY-MM-DD/hour=HH/…` (this version's layout) and
 * `firehose/failed/<id>/<type>/YYYY/MM/DD/HH/…` (the layout before it).
 */
export function errorObjectLocation(key: string): ErrorObjectLocation {
  const segments = key.split('/');
  const named = segments.find((segment) => segment.startsWith('resource='))?.slice('resource='.length);
  const legacy = segments.find((segment) => isResourceId(segment));
  const resourceId = named && isResourceId(named) ? named : legacy;
  const hive = /(?:^|\/)date=(\d{4})-(\d{2})-(\d{2})\/hour=(\d{2})\//.exec(key);
  const plain = /\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\//.exec(key);
  const parts = (hive ?? plain)?.slice(1, 5).map(Number);
  const hour = parts ? Date.UTC(parts[0] as number, (parts[1] as number) - 1, parts[2], parts[3]) : undefined;
  return { ...(resourceId ? { resourceId } : {}), ...(hour !== undefined && !Number.isNaN(hour) ? { hour } : {}) };
}
