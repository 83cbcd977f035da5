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
  const partsOf = lineParts(source);
  return (event) => {
    const [head, tail] = partsOf(event);
    return tail === '' ? head : head + tail;
  };
}

/** One event's line (see {@link eventLines}, which shares the appended text across a payload's events). */
export function eventLine(event: ActivityEvent, source: ActivitySource): string {
  return eventLines(source)(event);
}

/** One payload's lines, laid out: each line's parts, and the bytes they take as NDJSON. */
export interface EventLineLayout {
  readonly parts: ReadonlyArray<readonly [string, string]>;
  /** UTF-8 bytes of every line and its newline. */
  readonly size: number;
}

/**
 * The lines of one payload's events (see {@link eventLines}) measured before they are written, so the
 * caller can refuse a record whose lines would take more memory than it has left: a payload's IDs are
 * written into every line, and nothing bounds their length.
 */
export function eventLineLayout(source: ActivitySource, events: readonly ActivityEvent[]): EventLineLayout {
  const parts = events.map(lineParts(source));
  let size = 0;
  for (const [head, tail] of parts) size += Buffer.byteLength(head) + (tail === '' ? 0 : Buffer.byteLength(tail)) + 1;
  return { parts, size };
}

/**
 * The laid-out lines written once as NDJSON bytes, each newline-terminated; line `i` ends at `ends[i]`
 * (past its newline). Written from the event's text and the shared appended text as two parts, so no
 * joined string is ever built and copied (V8 joins lazily, then flattens the join when it is written):
 * the transformer keeps these bytes, not the payload's text, until the batch's objects are written.
 * `ends` are 32-bit: a record's lines are far below 4 GiB (the batch's memory budget bounds them).
 */
export function writeEventLines(layout: EventLineLayout): { bytes: Buffer; ends: Uint32Array } {
  const bytes = Buffer.allocUnsafe(layout.size);
  const ends = new Uint32Array(layout.parts.length);
  let at = 0;
  layout.parts.forEach(([head, tail], index) => {
    at += bytes.write(head, at);
    if (tail !== '') at += bytes.write(tail, at);
    bytes[at++] = 0x0a;
    ends[index] = at;
  });
  return { bytes, ends };
}

/**
 * How each event of a payload becomes its line: the text up to the event's closing brace and what then
 * ends the line (the payload's IDs the event lacks, and the brace), or the whole line and `''`.
 */
function lineParts(source: ActivitySource): (event: ActivityEvent) => readonly [string, string] {
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
    if (appended.suffix === '}') return [event.text, ''];
    // Splicing the text avoids re-serializing the event (and rewriting its numbers and escapes).
    const close = event.text.lastIndexOf('}');
    return emptyObject(event.text, close) ? [appended.empty, ''] : [event.text.slice(0, close), appended.suffix];
  };
}

/** Whether the object text that closes at `close` has no member: only JSON white space after its `{`. */
function emptyObject(text: string, close: number): boolean {
  for (let at = 1; at < close; at++) {
    const code = text.charCodeAt(at);
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return false;
  }
  return true;
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

/** Objects above this many bytes are compressed as a stream, a chunk of this size at a time. */
const STREAM_CHUNK = 1024 * 1024;

/**
 * gzip-compressed bytes of NDJSON already written (see {@link writeEventLines}), given as pieces in order,
 * on libuv's pool (the batch's few large objects compress while the first PUTs travel): up to a megabyte
 * is joined and compressed at once; a larger object is fed to zlib a megabyte at a time, small pieces
 * gathered and large ones as views of themselves, so its bytes are never copied whole. One gzip member
 * either way.
 */
export async function gzipPieces(pieces: readonly Buffer[], level: number = constants.Z_DEFAULT_COMPRESSION): Promise<Buffer> {
  let size = 0;
  for (const piece of pieces) size += piece.length;
  if (size <= STREAM_CHUNK) return gzipAsync(pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, size), { level });

  const stream = createGzip({ level });
  const output: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => output.push(chunk));
  const ended = once(stream, 'end');
  let gathered: Buffer[] = [];
  let gatheredSize = 0;
  const joined = (): Buffer => (gathered.length === 1 ? (gathered[0] as Buffer) : Buffer.concat(gathered, gatheredSize));
  for (const piece of pieces) {
    for (let at = 0; at < piece.length; at += STREAM_CHUNK) {
      gathered.push(piece.subarray(at, at + STREAM_CHUNK));
      gatheredSize += Math.min(STREAM_CHUNK, piece.length - at);
      if (gatheredSize >= STREAM_CHUNK) {
        if (!stream.write(joined())) await once(stream, 'drain');
        gathered = [];
        gatheredSize = 0;
      }
    }
  }
  stream.end(joined());
  await ended;
  return Buffer.concat(output);
}
