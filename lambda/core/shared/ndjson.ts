import { once } from 'node:events';
import { constants, createGzip, gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { ActivityEvent, ActivitySource } from './activity-payload';

const gzipAsync = promisify(gzip);

/**
 * The audit-log lines of one payload's events: each event's own text, byte for byte, plus the payload's
 * `clusterId` and `instanceId` (so a line still says which database it came from once it sits among
 * others). An event that already carries one of those fields keeps its own value. The event text never
 * holds a raw line break (JSON strings cannot, and the reader compacts layout that does), so each line is
 * one line. The appended text is built once per payload and shared by its lines.
 */
export function eventLines(source: ActivitySource): (event: ActivityEvent) => string {
  const suffixes = new Map<string, { readonly suffix: string; readonly empty: string }>();
  return (event) => {
    const ownCluster = Object.hasOwn(event.fields, 'clusterId');
    const ownInstance = Object.hasOwn(event.fields, 'instanceId');
    const shape = `${ownCluster ? 1 : 0}${ownInstance ? 1 : 0}`;
    let appended = suffixes.get(shape);
    if (!appended) {
      let suffix = '';
      if (source.clusterId !== undefined && !ownCluster) suffix += `,"clusterId":${JSON.stringify(source.clusterId)}`;
      if (source.instanceId !== undefined && !ownInstance) suffix += `,"instanceId":${JSON.stringify(source.instanceId)}`;
      appended = { suffix: `${suffix}}`, empty: `{${suffix.slice(1)}}` };
      suffixes.set(shape, appended);
    }
    if (appended.suffix === '}') return event.text;
    // Splicing the text avoids re-serializing the event (and rewriting its numbers and escapes).
    const close = event.text.lastIndexOf('}');
    const empty = event.text.slice(1, close).trim().length === 0;
    return empty ? appended.empty : event.text.slice(0, close) + appended.suffix;
  };
}

/** One event's line (see {@link eventLines}, which shares the appended text across a payload's events). */
export function eventLine(event: ActivityEvent, source: ActivitySource): string {
  return eventLines(source)(event);
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

/** Objects above this many characters are compressed as a stream, a chunk of this size at a time. */
const STREAM_CHUNK = 1024 * 1024;

/**
 * gzip-compressed NDJSON, on libuv's pool: for the batch's few large group objects, which overlap the S3
 * PUTs of the others. A large object is fed to zlib a megabyte at a time, so its text is never held a
 * second time as bytes; the output is one gzip member either way.
 */
export async function gzipLines(lines: readonly string[], level: number = constants.Z_DEFAULT_COMPRESSION): Promise<Buffer> {
  let characters = 0;
  for (const line of lines) characters += line.length + 1;
  if (characters <= STREAM_CHUNK) return gzipAsync(ndjsonBytes(lines), { level });

  const stream = createGzip({ level });
  const output: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => output.push(chunk));
  const ended = once(stream, 'end');
  let chunk: string[] = [];
  let size = 0;
  for (const line of lines) {
    chunk.push(line);
    size += line.length + 1;
    if (size >= STREAM_CHUNK) {
      if (!stream.write(ndjsonBytes(chunk))) await once(stream, 'drain');
      chunk = [];
      size = 0;
    }
  }
  stream.end(ndjsonBytes(chunk));
  await ended;
  return Buffer.concat(output);
}
