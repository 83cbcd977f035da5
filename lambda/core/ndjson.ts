import { gzip, gzipSync, constants } from 'node:zlib';
import { promisify } from 'node:util';
import type { ActivityEvent, ActivityPayload } from './activity-payload';

const gzipAsync = promisify(gzip);

/**
 * One audit-log line: the event with every original field as sent, plus the envelope's `clusterId`
 * and `instanceId` (so a line still says which database it came from once it sits among others).
 * An event that already carries one of those fields keeps its own value. `source` is the event's own
 * text when it could be cut out of the decrypted JSON; it is kept as is, byte for byte.
 */
export function eventLine(event: ActivityEvent, payload: ActivityPayload, source?: string): string {
  let suffix = '';
  if (payload.clusterId !== undefined && !Object.hasOwn(event, 'clusterId')) {
    suffix += `,"clusterId":${JSON.stringify(payload.clusterId)}`;
  }
  if (payload.instanceId !== undefined && !Object.hasOwn(event, 'instanceId')) {
    suffix += `,"instanceId":${JSON.stringify(payload.instanceId)}`;
  }
  const json = source ?? JSON.stringify(event);
  if (!suffix) return json;
  // Splicing the text avoids copying every event just to add two fields.
  const empty = Object.keys(event).length === 0;
  return empty ? `{${suffix.slice(1)}}` : `${json.slice(0, json.lastIndexOf('}'))}${suffix}}`;
}

/**
 * gzip-compressed NDJSON, every line newline-terminated so that concatenated members (Firehose's
 * archive of Ok records) still read as one NDJSON file. Compresses on libuv's pool: for the batch's
 * few large group objects, which overlap the S3 PUTs of the others.
 */
export function gzipLines(lines: readonly string[], level: number = constants.Z_DEFAULT_COMPRESSION): Promise<Buffer> {
  return gzipAsync(lines.join('\n') + '\n', { level });
}

/** The same on the calling thread, for one record's answer: for a few kilobytes the pool costs more than the work. */
export function gzipLinesSync(lines: readonly string[], level: number = constants.Z_DEFAULT_COMPRESSION): Buffer {
  return gzipSync(lines.join('\n') + '\n', { level });
}
