import { gzip, gzipSync, constants } from 'node:zlib';
import { promisify } from 'node:util';
import type { ActivityEvent, ActivitySource } from './activity-payload';

const gzipAsync = promisify(gzip);

/**
 * One audit-log line: the event's own text, byte for byte, plus the payload's `clusterId` and
 * `instanceId` (so a line still says which database it came from once it sits among others). An event
 * that already carries one of those fields keeps its own value. The event text never holds a raw line
 * break (JSON strings cannot, and the reader compacts layout that does), so the line is one line.
 */
export function eventLine(event: ActivityEvent, source: ActivitySource): string {
  let suffix = '';
  if (source.clusterId !== undefined && !Object.hasOwn(event.fields, 'clusterId')) {
    suffix += `,"clusterId":${JSON.stringify(source.clusterId)}`;
  }
  if (source.instanceId !== undefined && !Object.hasOwn(event.fields, 'instanceId')) {
    suffix += `,"instanceId":${JSON.stringify(source.instanceId)}`;
  }
  if (!suffix) return event.text;
  // Splicing the text avoids re-serializing the event (and rewriting its numbers and escapes).
  const close = event.text.lastIndexOf('}');
  const empty = event.text.slice(1, close).trim().length === 0;
  return empty ? `{${suffix.slice(1)}}` : `${event.text.slice(0, close)}${suffix}}`;
}

/**
 * NDJSON bytes: every line newline-terminated (so that concatenated gzip members, as in Firehose's
 * archive of Ok records, still read as one NDJSON file), written straight into one Buffer. Joining the
 * lines first would hold the whole text a second time, as a string, which for a large batch is the
 * difference between fitting in the function's memory and not.
 */
export function ndjsonBytes(lines: readonly string[]): Buffer {
  let size = 0;
  for (const line of lines) size += Buffer.byteLength(line) + 1;
  const bytes = Buffer.allocUnsafe(size);
  let at = 0;
  for (const line of lines) {
    at += bytes.write(line, at);
    bytes[at++] = 0x0a;
  }
  return bytes;
}

/** gzip-compressed NDJSON, on libuv's pool: for the batch's few large group objects, which overlap the S3 PUTs of the others. */
export function gzipLines(lines: readonly string[], level: number = constants.Z_DEFAULT_COMPRESSION): Promise<Buffer> {
  return gzipAsync(ndjsonBytes(lines), { level });
}

/** The same on the calling thread, for one record's answer: for a few kilobytes the pool costs more than the work. */
export function gzipLinesSync(lines: readonly string[], level: number = constants.Z_DEFAULT_COMPRESSION): Buffer {
  return gzipSync(ndjsonBytes(lines), { level });
}
