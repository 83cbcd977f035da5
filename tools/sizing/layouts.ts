import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { batchObjectName, commandFolder, objectKey, partitionKey } from '../../lambda/core/shared/partition';
import { ndjsonBytes } from '../../lambda/core/shared/ndjson';
import { BATCH_SECONDS, batchCounts, batchLines, RESOURCE_ID, type WorkloadSpec } from './workload';

/**
 * Writes the generated events in the layouts the project has written, the way it writes them:
 * - `events/`: one gzip NDJSON object per (command, hour, 30 s batch), under the transformer's own keys;
 * - Firehose's copy of the Ok records as before the receipts (one gzip member per Kinesis record, 10 or 1
 *   events a record, delivered uncompressed), and as one gzip stream per delivered object for comparison.
 * Each layout's files are listed with their sizes, so a query's partition filter can be priced without
 * another walk of the disk.
 */

/** A stored file: its key below the layout's root and its size. */
export interface StoredFile {
  readonly key: string;
  readonly bytes: number;
}

/** The Firehose copies, by how each Ok record's data was made. */
export const FIREHOSE_VARIANTS = [
  { name: 'firehose-10', label: 'Firehose copy, a gzip member per record of 10 events', eventsPerRecord: 10, perRecordGzip: true },
  { name: 'firehose-1', label: 'Firehose copy, a gzip member per record of 1 event', eventsPerRecord: 1, perRecordGzip: true },
  { name: 'firehose-stream', label: 'Firehose copy, one gzip stream an object', eventsPerRecord: 10, perRecordGzip: false },
] as const;
export type FirehoseVariantName = (typeof FIREHOSE_VARIANTS)[number]['name'];
type FirehoseVariant = (typeof FIREHOSE_VARIANTS)[number];

/** Firehose's delivery buffer as the stack sets it (lib/defaults.ts): 5 MiB or 300 s, whichever first. */
const DELIVERY_BUFFER_BYTES = 5 * 1024 * 1024;
const DELIVERY_BUFFER_MS = 300_000;

/** One delivery stream's buffer: closes an object at the buffer's size or age, or when the hour changes. */
class DeliveryBuffer {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private opened = 0;
  private folder = '';
  private count = 0;
  readonly files: StoredFile[] = [];

  constructor(
    private readonly root: string,
    private readonly variant: FirehoseVariant,
  ) {}

  /** Adds one record's Ok data, which arrived at `arrival` (ms). */
  add(arrival: number, data: Buffer): void {
    const iso = new Date(arrival).toISOString();
    const folder = `firehose/ok/resource=${RESOURCE_ID}/date=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/`;
    if (this.chunks.length > 0 && (folder !== this.folder || this.bytes >= DELIVERY_BUFFER_BYTES || arrival - this.opened >= DELIVERY_BUFFER_MS)) this.flush();
    if (this.chunks.length === 0) {
      this.folder = folder;
      this.opened = arrival;
    }
    this.chunks.push(data);
    this.bytes += data.length;
  }

  flush(): void {
    if (this.chunks.length === 0) return;
    const body = this.variant.perRecordGzip ? Buffer.concat(this.chunks) : gzipSync(Buffer.concat(this.chunks));
    // Firehose names objects <stream>-<version>-<time>-<uuid>; the uncompressed copy had no suffix.
    const suffix = this.variant.perRecordGzip ? '' : '.jsonl.gz';
    const key = `${this.folder}das-ok-1-${new Date(this.opened).toISOString().replace(/[-:.]/g, '')}-${String(this.count++).padStart(6, '0')}${suffix}`;
    writeFile(join(this.root, key), body);
    this.files.push({ key, bytes: body.length });
    this.chunks = [];
    this.bytes = 0;
  }
}

const made = new Set<string>();

function writeFile(path: string, body: Buffer): void {
  const folder = dirname(path);
  if (!made.has(folder)) {
    mkdirSync(folder, { recursive: true });
    made.add(folder);
  }
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, body);
  } finally {
    closeSync(fd);
  }
}

/** Where each layout was written and what it holds. */
export interface WrittenLayouts {
  /** `events/` objects, keys from the bucket's root (`events/command=…`). */
  readonly events: readonly StoredFile[];
  readonly firehose: Readonly<Record<FirehoseVariantName, readonly StoredFile[]>>;
  /** The stored lines' bytes before compression. */
  readonly ndjsonBytes: number;
}

/**
 * Generates the workload batch by batch (so memory stays flat at millions of events) and writes the
 * `events/` layout under `root/events-layout` and each Firehose copy under `root/<variant name>`.
 */
export function writeGzipLayouts(spec: WorkloadSpec, root: string, progress: (line: string) => void): WrittenLayouts {
  const events: StoredFile[] = [];
  const buffers = FIREHOSE_VARIANTS.map((variant) => new DeliveryBuffer(join(root, variant.name), variant));
  const counts = batchCounts(spec);
  let ndjson = 0;
  let written = 0;
  let nextReport = spec.events / 10;
  for (const [batch, count] of counts.entries()) {
    if (count === 0) continue;
    const { lines, commands } = batchLines(spec, batch, count);
    const begin = spec.start + batch * BATCH_SECONDS * 1000;
    const recordIds = Array.from({ length: Math.ceil(count / 10) }, (_, index) => `${batch}-${index}`);
    const name = batchObjectName(RESOURCE_ID, recordIds);
    const iso = new Date(begin).toISOString();
    const groups = new Map<string, string[]>();
    for (const [index, line] of lines.entries()) {
      const command = commandFolder(commands[index]);
      let group = groups.get(command);
      if (!group) groups.set(command, (group = []));
      group.push(line);
    }
    for (const [command, group] of groups) {
      const key = objectKey(partitionKey({ command, date: iso.slice(0, 10), hour: iso.slice(11, 13) }), name);
      const body = gzipSync(ndjsonBytes(group));
      writeFile(join(root, 'events-layout', key), body);
      events.push({ key, bytes: body.length });
    }
    for (const [index, variant] of FIREHOSE_VARIANTS.entries()) {
      const buffer = buffers[index] as DeliveryBuffer;
      for (let at = 0; at < lines.length; at += variant.eventsPerRecord) {
        const record = lines.slice(at, at + variant.eventsPerRecord);
        // A record arrives with its last event (so it lands in its events' hour).
        const arrival = begin + Math.floor(((at + record.length - 1) * BATCH_SECONDS * 1000) / count);
        const data = ndjsonBytes(record);
        buffer.add(arrival, variant.perRecordGzip ? gzipSync(data) : data);
      }
    }
    for (const line of lines) ndjson += Buffer.byteLength(line) + 1;
    written += count;
    if (written >= nextReport) {
      progress(`wrote ${written.toLocaleString('en-US')} of ${spec.events.toLocaleString('en-US')} events`);
      nextReport += spec.events / 10;
    }
  }
  for (const buffer of buffers) buffer.flush();
  const firehose = Object.fromEntries(FIREHOSE_VARIANTS.map((variant, index) => [variant.name, (buffers[index] as DeliveryBuffer).files])) as Record<FirehoseVariantName, StoredFile[]>;
  return { events, firehose, ndjsonBytes: ndjson };
}
