import { gunzipSync } from 'node:zlib';
import { PayloadError } from '../errors';
import { isObject, parseJsonObject } from './json';
import { eventTexts } from './event-texts';

/** One decrypted DAS record: who sent it and what happened. */
export interface ActivityPayload {
  readonly clusterId?: string;
  readonly instanceId?: string;
  readonly events: readonly ActivityEvent[];
  /** Each event's source text, when it could be cut out exactly (see `eventTexts`). */
  readonly texts?: readonly string[];
}

/** One database activity event, exactly as RDS sent it; fields differ by engine and pass through untouched. */
export type ActivityEvent = Record<string, unknown>;

/**
 * Gunzips the whole decrypted plaintext (RDS gzips the JSON once, across Encryption SDK frames) and
 * parses its event list. Output beyond `maxBytes` fails the record: a decompression bomb must cost
 * one record, not the invocation's memory. Synchronous on purpose: a record is a few kilobytes, and
 * handing that to libuv's pool costs more main-thread time than inflating it (measured: 134 ms against
 * 21 ms of CPU for a 1 MiB batch), and Lambda below 1769 MB has no second core to overlap on.
 */
export function readActivityPayload(gzipped: Buffer, maxBytes: number): ActivityPayload {
  let json: Buffer;
  try {
    json = gunzipSync(gzipped, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PayloadError(`decrypted activity exceeds ${maxBytes} bytes when gunzipped`);
    }
    throw new PayloadError('decrypted activity is not gzip data', { cause: error });
  }
  const text = json.toString('utf8');
  const parsed = parseJsonObject(text, 'decrypted activity', PayloadError);
  const list = parsed.databaseActivityEventList;
  if (!Array.isArray(list)) throw new PayloadError('decrypted activity has no databaseActivityEventList array');
  const badIndex = list.findIndex((event) => !isObject(event));
  if (badIndex >= 0) throw new PayloadError(`databaseActivityEventList item ${badIndex} is not an object`);
  return {
    clusterId: typeof parsed.clusterId === 'string' ? parsed.clusterId : undefined,
    instanceId: typeof parsed.instanceId === 'string' ? parsed.instanceId : undefined,
    events: list as ActivityEvent[],
    texts: eventTexts(text, list.length),
  };
}
