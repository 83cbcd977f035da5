import type {
  FirehoseTransformationEvent,
  FirehoseTransformationEventRecord,
  FirehoseTransformationResult,
} from 'aws-lambda';
import { BatchFailedError, ConfigError, InvalidEventError } from '../shared/errors';
import type { AlertOutboxWriter, BatchJournal, DataKeyAnswer, DataKeyProvider, EventStore, JournalEntry, PayloadDecrypter, StoredObject } from './ports';
import { RuleMatcher } from '../alerts/alert-rules';
import { AlertBudget, alertsOf, type Alert } from '../alerts/alerts';
import { mapConcurrent } from '../shared/concurrency';
import { parseEnvelope, type DasEnvelope } from './das-envelope';
import { arrivalHoursOf, recordDigest } from '../shared/journal';
import { batchObjectName } from '../shared/partition';
import { summarize } from './batch-summary';
import { deadlineSignal, InOrder, LoopTurns } from './batch-turns';
import { groupLines, writeBatch } from './batch-writes';
import { receiptSourceOf } from './receipt';
import { answerFor, assertResponseFits, fitResponse, MAX_RESPONSE_BYTES } from './response';
import {
  DecompressionBudget,
  failureReason,
  isolated,
  readOpenedRecord,
  type RecordOutcome,
  type RecordSettings,
} from './record-reader';
import { encryptionContextFor, resourceIdFromStreamArn } from '../shared/resource';
import { kmsKeyFor, type TransformSettings } from './settings';

export interface TransformDeps {
  readonly settings: TransformSettings;
  readonly dataKeys: DataKeyProvider;
  readonly decrypter: PayloadDecrypter;
  readonly store: EventStore;
  readonly journal: BatchJournal;
  /** Where the alerts of matched rules wait for the alert publisher, written alongside the batch's events. @default nowhere */
  readonly alerts?: AlertOutboxWriter;
  /** Records in flight at once: the Encryption SDK's stream hops interleave while one record waits. */
  readonly recordConcurrency?: number;
  /** zlib level of the stored audit-log objects. @default 6 (zlib's default) */
  readonly gzipLevel?: number;
  /** The response cap. @default MAX_RESPONSE_BYTES, Lambda's 6 MB */
  readonly maxResponseBytes?: number;
}

export interface TransformOptions {
  /**
   * When to give up (ms since the epoch): the function's own deadline less the time a rollback needs.
   * KMS and S3 requests still in flight are aborted then, and the batch fails with a clear message
   * instead of being killed mid-write. @default no deadline
   */
  readonly deadline?: number;
  /** How long the rollback of a failed batch's writes may take. @default 5000 */
  readonly rollbackMs?: number;
  /** The clock. @default Date.now */
  readonly now?: () => number;
}

import type { BatchSummary } from './batch-summary';

export type { BatchSummary } from './batch-summary';

export interface BatchOutcome {
  readonly result: FirehoseTransformationResult;
  readonly summary: BatchSummary;
  /** The objects written, with their keys. */
  readonly objects: readonly StoredObject[];
  /** The alerts raised, as written to the outbox. */
  readonly alerts: readonly Alert[];
}

export { DEFAULT_ROLLBACK_MS } from './batch-writes';

/**
 * Turns one Firehose invocation into the audit log: every record decrypted, its kept events written
 * to S3 by (command, date, hour), and exactly one answer per record ID, in input order.
 *
 * Failures split by where they come from, and the code's shape keeps them apart:
 * - a record's own bytes: whatever goes wrong inside {@link isolated} (decode, decrypt, decompress,
 *   read, filter, partition, answer) makes that record ProcessingFailed with its original data;
 * - the outside world (KMS or S3 unreachable or throttled past retries, the deadline, the 6 MB
 *   response cap): the batch rejects and Firehose retries it. Before rejecting, what this attempt
 *   wrote is removed; what cannot be removed is overwritten by the retry (object keys depend only on
 *   the record IDs) or, after a final failure, by a re-drive that rebuilds the batch from the journal.
 */
export async function transformBatch(
  event: FirehoseTransformationEvent,
  deps: TransformDeps,
  options: TransformOptions = {},
): Promise<BatchOutcome> {
  if (!Array.isArray(event?.records)) {
    throw new InvalidEventError('The event is not a Firehose data-transformation event: it has no records array');
  }
  const now = options.now ?? Date.now;
  const startedAt = now();
  // Firehose always stamps arrival; a hand-written event may not, and its events still need an hour.
  const invokedAt = startedAt;
  if (event.records.length === 0) return emptyOutcome(event, deps);

  const resourceId = batchResourceId(event, deps.settings.resourceId);
  const context = encryptionContextFor(resourceId);
  const keyId = kmsKeyFor(deps.settings.kmsKeys, resourceId);
  const name = batchObjectName(resourceId, event.records.map((record) => record.recordId));
  const arrivalOf = (record: FirehoseTransformationEventRecord): number =>
    Number.isFinite(record.approximateArrivalTimestamp) ? record.approximateArrivalTimestamp : invokedAt;
  const stop = deadlineSignal(options.deadline, now);

  const settings: RecordSettings = {
    limits: { maxDecompressedBytes: deps.settings.maxDecompressedBytes, maxEvents: deps.settings.maxEventsPerRecord },
    dropFilters: deps.settings.dropFilters,
    matcher: matcherFor(deps.settings),
    alertSqlTextChars: deps.settings.alertSqlTextChars ?? 0,
    alertBudget: new AlertBudget(),
  };
  const budget = new DecompressionBudget(deps.settings.maxBatchDecompressedBytes);

  // The journal entry must be durable before any event object is: started with the first record that
  // has events to store, so it overlaps the rest of the reading, and skipped for batches that store nothing.
  let journal: Promise<void> | undefined;
  let journalRecords: JournalEntry['records'] | undefined;
  const startJournal = (): void => {
    journal ??= deps.journal.write(
      {
        name,
        resourceId,
        startedAt,
        arrivalHours: arrivalHoursOf(event.records.map(arrivalOf)),
        records: (journalRecords ??= journalRecordsOf(event.records)),
      },
      stop.signal,
    );
    journal.catch(() => undefined); // awaited before the writes
  };

  try {
    // Ask KMS for each distinct data key as its first envelope is read, all before any record waits for
    // one: a batch that spans a key rotation then waits for one round trip, not one per key switch. After
    // the first, the loop gets a turn, which puts that request on the wire while the other envelopes are
    // read. A lookup that rejects is the outside world: it fails the batch.
    const loop = new LoopTurns(LOOP_TURN_MS);
    const dataKeys = new Map<string, Promise<DataKeyAnswer>>();
    const envelopes: Array<DasEnvelope | RecordOutcome> = [];
    for (const record of event.records) {
      const envelope = isolatedSync(() => parseEnvelope(record.data));
      envelopes.push(envelope);
      if ('kind' in envelope || dataKeys.has(envelope.encryptedKey)) continue;
      const answer = deps.dataKeys.dataKey(envelope.encryptedKey, context, keyId, stop.signal);
      answer.catch(() => undefined); // awaited by each record below
      dataKeys.set(envelope.encryptedKey, answer);
      if (dataKeys.size === 1) await loop.turn(true);
    }
    // The journal entry's digests (every record's data, decoded and hashed) are taken while KMS answers,
    // when the function would otherwise wait, rather than on the first record read.
    if (dataKeys.size > 0) journalRecords = journalRecordsOf(event.records);

    // Records are decrypted concurrently but read one at a time in record order, so the decompression
    // budget goes to the same records on every attempt of a batch: a retry never splits it differently.
    const turns = new InOrder(event.records.length);
    const answerRecord = async (record: FirehoseTransformationEventRecord, index: number): Promise<RecordOutcome> => {
      try {
        stop.signal.throwIfAborted();
        const envelope = envelopes[index] as DasEnvelope | RecordOutcome;
        if ('kind' in envelope) return envelope;
        const answer = await (dataKeys.get(envelope.encryptedKey) as Promise<DataKeyAnswer>);
        if ('refused' in answer) return { kind: 'failed', reason: answer.refused };
        const opened = await isolated(async () => ({ kind: 'opened', gzipped: await deps.decrypter.decrypt(envelope.encryptedEvents, answer.key) }) as const);
        if (opened.kind !== 'opened') return opened;
        await turns.wait(index);
        // Reading is the long part of a record: check the deadline again once it is this record's turn.
        stop.signal.throwIfAborted();
        const outcome = await isolated(() => readOpenedRecord(opened.gzipped, receiptSourceOf(record, arrivalOf(record)), settings, budget));
        const first = outcome.kind === 'ok' && journal === undefined;
        if (outcome.kind === 'ok') startJournal();
        // A turn of the loop right after the journal's PUT starts puts it on the wire, so that its round
        // trip runs under the reading of the other records; and one now and then for what else waits.
        await loop.turn(first);
        return outcome;
      } finally {
        // Even a record that ended early lets the next read only after every record before it has:
        // the budget then goes to the same records whatever order KMS and decryption finish in.
        await turns.wait(index);
        turns.done(index);
      }
    };
    const outcomes = await mapConcurrent(event.records, deps.recordConcurrency ?? 16, answerRecord);

    const answered = fitResponse(event.records, outcomes, deps.maxResponseBytes ?? MAX_RESPONSE_BYTES);
    const records = event.records.map((record, index) => answerFor(record, answered[index] as RecordOutcome));
    // Checked before writing: a batch that cannot be answered leaves nothing behind when Firehose retries it.
    assertResponseFits(records, deps.maxResponseBytes ?? MAX_RESPONSE_BYTES);

    const groups = groupLines(answered);
    // The alerts name their events' objects, which depend only on the batch's name and folders. Named
    // once, when the writes ask for them (after the event objects' writes have started), or here after.
    let named: Alert[] | undefined;
    const alertsOfBatch = (): Alert[] =>
      (named ??= alertsOf(answered.flatMap((outcome) => (outcome.kind === 'ok' ? outcome.alerts : [])), resourceId, name, settings.alertBudget?.overflow));
    const objects =
      groups.size === 0
        ? []
        : await writeBatch({
            groups,
            name,
            resourceId,
            journal,
            alerts: alertsOfBatch,
            store: deps.store,
            ...(deps.alerts ? { outbox: deps.alerts } : {}),
            ...(deps.gzipLevel !== undefined ? { gzipLevel: deps.gzipLevel } : {}),
            stop,
            ...(options.rollbackMs !== undefined ? { rollbackMs: options.rollbackMs } : {}),
            now,
          });
    const alerts = alertsOfBatch();
    return { result: { records }, summary: summarize(resourceId, event.records, answered, objects, alerts), objects, alerts };
  } catch (error) {
    throw stop.signal.aborted && !(error instanceof BatchFailedError)
      ? new BatchFailedError(
          'Stopped before the function timed out: the batch could not be read and stored in time, and Firehose will retry it. ' +
            'If this repeats, lower the processor buffer size or raise the function timeout.',
          { cause: error },
        )
      : error;
  } finally {
    stop.clear();
  }
}

/** The journal's line for each record: its ID and the digest of its data. */
function journalRecordsOf(records: readonly FirehoseTransformationEventRecord[]): JournalEntry['records'] {
  return records.map((record) => ({ recordId: record.recordId, sha256: recordDigest(record.data) }));
}

/** How long reading may keep the event loop without a turn (see {@link LoopTurns}). */
const LOOP_TURN_MS = 5;

const matchers = new WeakMap<TransformSettings, RuleMatcher>();

/** One matcher per settings object, so that a warm function compiles its rules once. */
function matcherFor(settings: TransformSettings): RuleMatcher | undefined {
  if (!settings.alertRules || settings.alertRules.length === 0) return undefined;
  let matcher = matchers.get(settings);
  if (!matcher) matchers.set(settings, (matcher = new RuleMatcher(settings.alertRules)));
  return matcher;
}

/** The same rule as {@link isolated}, for the synchronous envelope step: the envelope is the record's own bytes. */
function isolatedSync(work: () => DasEnvelope): DasEnvelope | RecordOutcome {
  try {
    return work();
  } catch (error) {
    return { kind: 'failed', reason: failureReason(error) };
  }
}

function emptyOutcome(event: FirehoseTransformationEvent, deps: TransformDeps): BatchOutcome {
  const resourceId = deps.settings.resourceId ?? resourceIdFromStreamArn(event.sourceKinesisStreamArn) ?? 'unknown';
  return { result: { records: [] }, summary: summarize(resourceId, [], [], [], []), objects: [], alerts: [] };
}

function batchResourceId(event: FirehoseTransformationEvent, override: string | undefined): string {
  if (override) return override;
  const fromArn = resourceIdFromStreamArn(event.sourceKinesisStreamArn);
  if (fromArn) return fromArn;
  throw new ConfigError(
    'Cannot tell which database this batch comes from: the event has no sourceKinesisStreamArn ending in ' +
      'stream/aws-rds-das-<resourceId> and no resource ID is configured: set the transformer\'s resource ID setting ' +
      '(docs/configuration.md), e.g. to cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  );
}
