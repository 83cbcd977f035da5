import type { Alert } from '../alerts/alerts';
import { alertOutboxKey, outboxDocument, serializeOutbox } from '../alerts/outbox';
import { BatchFailedError } from '../shared/errors';
import { gzipPieces } from '../shared/ndjson';
import { objectKey } from '../shared/partition';
import type { DeadlineSignal } from './batch-turns';
import type { AlertOutboxWriter, EventStore, StoredObject } from './ports';
import type { RecordOutcome } from './record-reader';

/** How long a rollback may take by default: a handful of DeleteObject calls in parallel. */
export const DEFAULT_ROLLBACK_MS = 5_000;

/** The lines of one object: NDJSON bytes in pieces, in record then event order, and how many lines. */
export interface EventGroup {
  readonly pieces: readonly Buffer[];
  readonly count: number;
}

/**
 * One object per (command, date, hour): each folder's lines as pieces of the records' bytes, in record
 * order then event order, so a retry writes the same bytes. A record's consecutive lines in one folder
 * make one piece.
 */
export function groupLines(outcomes: readonly RecordOutcome[]): Map<string, EventGroup> {
  const groups = new Map<string, { pieces: Buffer[]; count: number }>();
  for (const outcome of outcomes) {
    if (outcome.kind !== 'ok') continue;
    const { bytes, ends, folders } = outcome.kept;
    let start = 0;
    let first = 0;
    for (let index = 0; index < folders.length; index++) {
      const folder = folders[index] as string;
      // A record's consecutive lines in one folder go as one piece: fewer views to hand to zlib.
      if (folders[index + 1] === folder) continue;
      let group = groups.get(folder);
      if (!group) groups.set(folder, (group = { pieces: [], count: 0 }));
      group.pieces.push(bytes.subarray(start, ends[index]));
      group.count += index + 1 - first;
      start = ends[index] as number;
      first = index + 1;
    }
  }
  return groups;
}

/** What the writes of one batch need. */
export interface BatchWrite {
  /** Event lines by folder (`events/command=…/date=…/hour=…/`). */
  readonly groups: ReadonlyMap<string, EventGroup>;
  /** The batch's object name: every object of the batch ends in it, and so does its outbox object. */
  readonly name: string;
  readonly resourceId: string;
  /** Resolves once the journal entry is durable (none for a batch with nothing to store). */
  readonly journal: Promise<void> | undefined;
  /**
   * The batch's alerts, written to the outbox alongside its events (the publisher sends them once every
   * event object is stored). Asked for once the event objects' writes have started, so that naming and
   * serializing them overlaps those writes.
   */
  readonly alerts: () => readonly Alert[];
  readonly store: EventStore;
  /** Where alerts wait for the alert publisher; none when no rule is in force. */
  readonly outbox?: AlertOutboxWriter;
  readonly gzipLevel?: number;
  readonly stop: DeadlineSignal;
  readonly rollbackMs?: number;
  readonly now: () => number;
}

/**
 * Writes the batch after its journal entry: the event objects and, at the same time, the batch's alerts
 * as one outbox object naming every event object. The publisher sends an outbox object's alerts only once
 * each object it names is stored, so an alert is not sent for an event not yet stored, and the batch does
 * not spend one more S3 round trip after its events (it did until the publisher learned to wait). Alerts
 * leave the bucket through the alert publisher, which the batch never waits for: storing the audit log
 * depends on S3 alone. On failure, removes what this attempt may have written (every object whose write
 * started, the outbox object included: the publisher then finds it gone, or some of its events missing)
 * and rejects with a message that says what is left.
 */
export async function writeBatch(write: BatchWrite): Promise<StoredObject[]> {
  const started: string[] = [];
  try {
    await write.journal;
    // Each object is compressed on the pool and handed to the store as soon as it is ready, so the
    // first PUTs are in flight while the larger groups still compress.
    const stored = write.store.putAll(
      [...write.groups].map(([folder, group]) => async (): Promise<StoredObject> => {
        const key = objectKey(folder, write.name);
        started.push(key);
        return { key, body: await gzipPieces(group.pieces, write.gzipLevel), eventCount: group.count };
      }),
      write.stop.signal,
    );
    // The outbox document is built while the event objects compress on the pool, then sent while they
    // travel: up to a thousand alert ids, their JSON and a round trip come off the batch's critical path.
    let outboxPut: Promise<void> | undefined;
    let unbuilt: { error: unknown } | undefined;
    try {
      const alerts = write.alerts();
      if (write.outbox && alerts.length > 0) {
        const key = alertOutboxKey(write.resourceId, write.name);
        const objectKeys = [...write.groups.keys()].map((folder) => objectKey(folder, write.name));
        const body = serializeOutbox(outboxDocument(write.resourceId, write.name, alerts, new Date(write.now()), objectKeys));
        started.push(key);
        outboxPut = write.outbox.put(key, body, write.stop.signal);
      }
    } catch (error) {
      unbuilt = { error }; // thrown once the writes in flight have settled, so the rollback sees them all
    }
    // Both settle before either's failure is acted on, so that the rollback sees every write that started.
    const [objects, outbox] = await Promise.allSettled([stored, outboxPut]);
    if (objects.status === 'rejected') throw objects.reason;
    if (outbox.status === 'rejected') throw outbox.reason;
    if (unbuilt) throw unbuilt.error;
    return objects.value;
  } catch (error) {
    const left = started.length === 0 ? [] : await write.store.removeAll(started, AbortSignal.timeout(write.rollbackMs ?? DEFAULT_ROLLBACK_MS));
    const cause = write.stop.signal.aborted ? 'the function was about to time out' : describe(error);
    throw new BatchFailedError(
      `Could not store the batch (${cause}): ${write.groups.size} objects to write, ${started.length} started, ` +
        `${started.length - left.length} removed again, ${left.length} left for the retry to overwrite. ` +
        'Firehose will retry the batch.',
      { cause: error },
    );
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
