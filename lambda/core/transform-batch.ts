import type {
  FirehoseTransformationEvent,
  FirehoseTransformationEventRecord,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
} from 'aws-lambda';
import { kmsKeyFor, type Config } from '../config';
import { ConfigError, RecordError } from '../errors';
import type { DataKey, DataKeyProvider, EventStore, PayloadDecrypter, StoredObject } from '../ports';
import { readActivityPayload } from './activity-payload';
import { mapConcurrent } from './concurrency';
import { parseEnvelope, type DasEnvelope } from './das-envelope';
import { eventFate } from './event-filter';
import { eventLine, gzipLines, gzipLinesSync } from './ndjson';
import { batchObjectName, objectKey, partitionKey, partitionOf } from './partition';
import { encryptionContextFor, resourceIdFromStreamArn } from './resource';

/**
 * zlib level of each record's Ok data: 6, zlib's default and as RDS compresses. The Ok data is then
 * about the size of the gzip RDS sent, which the request carries base64-encoded twice, so the response
 * stays under the request. Level 1 saved about 10 ms of CPU per 1 MiB batch but, on repetitive SQL,
 * answered 1.17× the request.
 */
export const RESPONSE_GZIP_LEVEL = 6;

export interface TransformDeps {
  readonly config: Pick<Config, 'resourceId' | 'kmsKeys' | 'dropFilters' | 'maxDecompressedBytes'>;
  readonly dataKeys: DataKeyProvider;
  readonly decrypter: PayloadDecrypter;
  readonly store: EventStore;
  /** Records in flight at once: the Encryption SDK's stream hops interleave while one record waits. */
  readonly recordConcurrency?: number;
  /** zlib level of the stored audit-log objects. @default 6 (zlib's default) */
  readonly gzipLevel?: number;
  /** zlib level of each Ok record's data. @default RESPONSE_GZIP_LEVEL */
  readonly responseGzipLevel?: number;
}

/** What happened to a batch, for one summary log line: counts and reasons, never content. */
export interface BatchSummary {
  readonly resourceId: string;
  readonly records: number;
  readonly ok: number;
  readonly dropped: number;
  readonly failed: number;
  readonly events: number;
  readonly heartbeats: number;
  readonly filtered: number;
  readonly stored: number;
  readonly objects: number;
  readonly failures: ReadonlyArray<{ readonly recordId: string; readonly reason: string }>;
}

export interface BatchOutcome {
  readonly result: FirehoseTransformationResult;
  readonly summary: BatchSummary;
}

/** The kept events of one record: their lines, and for each the key of its (command, date, hour) folder. */
interface KeptEvents {
  readonly lines: string[];
  readonly folders: string[];
}

type RecordOutcome =
  | { readonly kind: 'ok'; readonly kept: KeptEvents; readonly data: Buffer; readonly counts: EventCounts }
  | { readonly kind: 'dropped'; readonly counts: EventCounts }
  | { readonly kind: 'failed'; readonly reason: string };

interface EventCounts {
  events: number;
  heartbeats: number;
  filtered: number;
}

/**
 * Turns one Firehose invocation into the audit log: every record decrypted, its kept events written
 * to S3 by (command, date, hour), and exactly one answer per record ID, in input order.
 *
 * A record that cannot be read is `ProcessingFailed` with its original data and does not affect the
 * others. Anything else that goes wrong (S3 still failing after SDK retries, KMS unreachable) rejects,
 * so Firehose retries the batch; object keys depend only on the record IDs, so a retry overwrites.
 */
export async function transformBatch(event: FirehoseTransformationEvent, deps: TransformDeps): Promise<BatchOutcome> {
  if (!Array.isArray(event?.records)) {
    throw new ConfigError('The event is not a Firehose data-transformation event: it has no records array');
  }
  const resourceId = batchResourceId(event, deps.config.resourceId);
  const context = encryptionContextFor(resourceId);
  const keyId = kmsKeyFor(deps.config.kmsKeys, resourceId);
  const gzipLevel = deps.gzipLevel;
  const responseGzipLevel = deps.responseGzipLevel ?? RESPONSE_GZIP_LEVEL;
  // Firehose always stamps arrival; a hand-written event may not, and its events still need an hour.
  const invokedAt = Date.now();

  // Read every envelope first and ask KMS for each distinct data key at once: a batch that spans a key
  // rotation then waits for one KMS round trip, not one per key switch.
  const envelopes = event.records.map((record) => {
    try {
      return parseEnvelope(record.data);
    } catch (error) {
      if (error instanceof RecordError) return error;
      throw error;
    }
  });
  const dataKeys = new Map<string, Promise<DataKey>>();
  for (const envelope of envelopes) {
    if (envelope instanceof RecordError || dataKeys.has(envelope.encryptedKey)) continue;
    const dataKey = deps.dataKeys.dataKey(envelope.encryptedKey, context, keyId);
    dataKey.catch(() => undefined); // awaited by each record below; a refusal fails those records only
    dataKeys.set(envelope.encryptedKey, dataKey);
  }

  const readRecord = async (record: FirehoseTransformationEventRecord, index: number): Promise<RecordOutcome> => {
    try {
      const envelope = envelopes[index] as DasEnvelope | RecordError;
      if (envelope instanceof RecordError) throw envelope;
      const dataKey = await (dataKeys.get(envelope.encryptedKey) as Promise<DataKey>);
      const gzipped = await deps.decrypter.decrypt(envelope.encryptedEvents, dataKey);
      const payload = readActivityPayload(gzipped, deps.config.maxDecompressedBytes);
      const arrival = Number.isFinite(record.approximateArrivalTimestamp) ? record.approximateArrivalTimestamp : invokedAt;
      const counts: EventCounts = { events: payload.events.length, heartbeats: 0, filtered: 0 };
      const kept: KeptEvents = { lines: [], folders: [] };
      payload.events.forEach((activity, position) => {
        const fate = eventFate(activity, deps.config.dropFilters);
        if (fate === 'kept') {
          kept.lines.push(eventLine(activity, payload, payload.texts?.[position]));
          kept.folders.push(partitionKey(partitionOf(activity, arrival)));
        } else {
          counts[fate === 'heartbeat' ? 'heartbeats' : 'filtered'] += 1;
        }
      });
      if (kept.lines.length === 0) return { kind: 'dropped', counts };
      return { kind: 'ok', kept, data: gzipLinesSync(kept.lines, responseGzipLevel), counts };
    } catch (error) {
      if (error instanceof RecordError) return { kind: 'failed', reason: error.message };
      throw error;
    }
  };

  const outcomes = await mapConcurrent(event.records, deps.recordConcurrency ?? 16, readRecord);

  const groups = groupLines(outcomes);

  const records = event.records.map((record, index): FirehoseTransformationResultRecord => {
    const outcome = outcomes[index] as RecordOutcome;
    switch (outcome.kind) {
      case 'ok':
        return { recordId: record.recordId, result: 'Ok', data: outcome.data.toString('base64') };
      case 'dropped':
        return { recordId: record.recordId, result: 'Dropped', data: record.data };
      case 'failed':
        return { recordId: record.recordId, result: 'ProcessingFailed', data: record.data };
    }
  });

  // Checked before writing: a batch that cannot be answered leaves nothing behind when Firehose retries it.
  assertResponseFits(records);
  const name = batchObjectName(resourceId, event.records.map((record) => record.recordId));
  // Each object is compressed on the pool and handed to the store as soon as it is ready, so the first
  // PUTs are in flight while the larger groups still compress.
  const objects = await deps.store.putAll(
    [...groups].map(([folder, lines]) => async (): Promise<StoredObject> => ({
      key: objectKey(folder, name),
      body: await gzipLines(lines, gzipLevel),
      eventCount: lines.length,
    })),
  );
  return { result: { records }, summary: summarize(resourceId, event.records, outcomes, objects) };
}

/** Lambda's cap on a synchronous response, which is how Firehose invokes the transformer. */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;

/**
 * Ok data is gzip of what the record carried gzipped and double-base64'd, so it stays below the request
 * size; this guard turns a breach (which Lambda would report obscurely) into a clear, retryable error.
 */
function assertResponseFits(records: readonly FirehoseTransformationResultRecord[]): void {
  let bytes = 16;
  for (const record of records) bytes += record.recordId.length + (record.data?.length ?? 0) + 64;
  if (bytes > MAX_RESPONSE_BYTES) {
    throw new Error(
      `The response would be about ${bytes} bytes, over Lambda's ${MAX_RESPONSE_BYTES}-byte limit: ` +
        'lower the delivery stream processor buffer size (BufferSizeInMBs).',
    );
  }
}

function batchResourceId(event: FirehoseTransformationEvent, override: string | undefined): string {
  if (override) return override;
  const fromArn = resourceIdFromStreamArn((event as { sourceKinesisStreamArn?: string }).sourceKinesisStreamArn);
  if (fromArn) return fromArn;
  throw new ConfigError(
    'Cannot tell which database this batch comes from: the event has no sourceKinesisStreamArn ending in ' +
      'stream/aws-rds-das-<resourceId> and RESOURCE_ID is not set, e.g. RESOURCE_ID=cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  );
}

/** One object per (command, date, hour); lines in record order, then event order, so a retry writes the same bytes. */
function groupLines(outcomes: readonly RecordOutcome[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const outcome of outcomes) {
    if (outcome.kind !== 'ok') continue;
    const { lines, folders } = outcome.kept;
    for (let index = 0; index < lines.length; index++) {
      const folder = folders[index] as string;
      let group = groups.get(folder);
      if (!group) groups.set(folder, (group = []));
      group.push(lines[index] as string);
    }
  }
  return groups;
}

function summarize(
  resourceId: string,
  records: readonly FirehoseTransformationEventRecord[],
  outcomes: readonly RecordOutcome[],
  objects: readonly StoredObject[],
): BatchSummary {
  const summary = {
    resourceId,
    records: records.length,
    ok: 0,
    dropped: 0,
    failed: 0,
    events: 0,
    heartbeats: 0,
    filtered: 0,
    stored: objects.reduce((sum, object) => sum + object.eventCount, 0),
    objects: objects.length,
    failures: [] as { recordId: string; reason: string }[],
  };
  outcomes.forEach((outcome, index) => {
    summary[outcome.kind] += 1;
    if (outcome.kind === 'failed') {
      summary.failures.push({ recordId: (records[index] as FirehoseTransformationEventRecord).recordId, reason: outcome.reason });
    } else {
      summary.events += outcome.counts.events;
      summary.heartbeats += outcome.counts.heartbeats;
      summary.filtered += outcome.counts.filtered;
    }
  });
  return summary;
}
