import { setMaxListeners } from 'node:events';
import type {
  FirehoseTransformationEvent,
  FirehoseTransformationEventRecord,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
} from 'aws-lambda';
import { BatchFailure, ConfigError } from '../shared/errors';
import type { AlertPublisher, BatchJournal, DataKeyAnswer, DataKeyProvider, EventStore, PayloadDecrypter, StoredObject } from './ports';
import { RuleMatcher } from '../alerts/alert-rules';
import { AlertBudget, alertsOf, type Alert } from '../alerts/alerts';
import { mapConcurrent } from '../shared/concurrency';
import { parseEnvelope, type DasEnvelope } from './das-envelope';
import { arrivalHoursOf, recordDigest } from '../shared/journal';
import { gzipLines } from '../shared/ndjson';
import { batchObjectName, objectKey } from '../shared/partition';
import {
  DecompressionBudget,
  failureReason,
  isolated,
  readOpenedRecord,
  type EventCounts,
  type RecordOutcome,
  type RecordSettings,
} from './record-reader';
import { encryptionContextFor, resourceIdFromStreamArn } from '../shared/resource';
import { kmsKeyFor, type TransformSettings } from './settings';

/**
 * zlib level of each record's Ok data: 6, zlib's default and as RDS compresses. The Ok data is then
 * about the size of the gzip RDS sent, which the request carries base64-encoded twice, so the response
 * stays under the request. Level 1 saved about 10 ms of CPU per 1 MiB batch but, on repetitive SQL,
 * answered 1.17× the request.
 */
export const RESPONSE_GZIP_LEVEL = 6;

export interface TransformDeps {
  readonly settings: TransformSettings;
  readonly dataKeys: DataKeyProvider;
  readonly decrypter: PayloadDecrypter;
  readonly store: EventStore;
  readonly journal: BatchJournal;
  /** Where the alerts of matched rules go, once the batch's events are stored. @default nowhere */
  readonly alerts?: AlertPublisher;
  /** Records in flight at once: the Encryption SDK's stream hops interleave while one record waits. */
  readonly recordConcurrency?: number;
  /** zlib level of the stored audit-log objects. @default 6 (zlib's default) */
  readonly gzipLevel?: number;
  /** zlib level of each Ok record's data. @default RESPONSE_GZIP_LEVEL */
  readonly responseGzipLevel?: number;
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
  /** Alerts raised (and published). */
  readonly alerts: number;
  /** Alerts by rule id. */
  readonly alertsByRule: Readonly<Record<string, number>>;
  /** Kept events by class (see `metricClass`): a few values per engine, `OTHER` past the twentieth. */
  readonly eventsByClass: Readonly<Record<string, number>>;
  readonly failures: ReadonlyArray<{ readonly recordId: string; readonly reason: string }>;
}

export interface BatchOutcome {
  readonly result: FirehoseTransformationResult;
  readonly summary: BatchSummary;
  /** The objects written, with their keys. */
  readonly objects: readonly StoredObject[];
  /** The alerts raised, as published. */
  readonly alerts: readonly Alert[];
}

/** How long a rollback may take by default: a handful of DeleteObject calls in parallel. */
export const DEFAULT_ROLLBACK_MS = 5_000;

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
    throw new ConfigError('The event is not a Firehose data-transformation event: it has no records array');
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
    responseGzipLevel: deps.responseGzipLevel ?? RESPONSE_GZIP_LEVEL,
    matcher: matcherFor(deps.settings),
    alertSqlTextChars: deps.settings.alertSqlTextChars ?? 0,
    alertBudget: new AlertBudget(),
  };
  const budget = new DecompressionBudget(deps.settings.maxBatchDecompressedBytes);

  // The journal entry must be durable before any event object is: started with the first record that
  // has events to store, so it overlaps the rest of the reading, and skipped for batches that store nothing.
  let journal: Promise<void> | undefined;
  const startJournal = (): void => {
    journal ??= deps.journal.write(
      {
        name,
        resourceId,
        startedAt,
        arrivalHours: arrivalHoursOf(event.records.map(arrivalOf)),
        records: event.records.map((record) => ({ recordId: record.recordId, sha256: recordDigest(record.data) })),
      },
      stop.signal,
    );
    journal.catch(() => undefined); // awaited before the writes
  };

  try {
    const envelopes = event.records.map((record) => isolatedSync(() => parseEnvelope(record.data)));
    // Ask KMS for each distinct data key at once: a batch that spans a key rotation then waits for one
    // round trip, not one per key switch. A lookup that rejects is the outside world: it fails the batch.
    const dataKeys = new Map<string, Promise<DataKeyAnswer>>();
    for (const envelope of envelopes) {
      if ('kind' in envelope || dataKeys.has(envelope.encryptedKey)) continue;
      const answer = deps.dataKeys.dataKey(envelope.encryptedKey, context, keyId, stop.signal);
      answer.catch(() => undefined); // awaited by each record below
      dataKeys.set(envelope.encryptedKey, answer);
    }

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
        const outcome = await isolated(() => readOpenedRecord(opened.gzipped, arrivalOf(record), settings, budget));
        if (outcome.kind === 'ok') startJournal();
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
    const objects = groups.size === 0 ? [] : await writeObjects(groups, name, journal, deps, stop, options);
    const alerts = alertsOf(answered.flatMap((outcome) => (outcome.kind === 'ok' ? outcome.alerts : [])), resourceId, name, settings.alertBudget?.overflow);
    // Published once the events they point at are stored; if publishing fails, so does the batch.
    if (alerts.length > 0 && deps.alerts) await publishAlerts(alerts, objects, deps, stop, options);
    return { result: { records }, summary: summarize(resourceId, event.records, answered, objects, alerts), objects, alerts };
  } catch (error) {
    throw stop.signal.aborted && !(error instanceof BatchFailure)
      ? new BatchFailure(
          'Stopped before the function timed out: the batch could not be read and stored in time, and Firehose will retry it. ' +
            'If this repeats, lower the processor buffer size or raise the function timeout.',
          { cause: error },
        )
      : error;
  } finally {
    stop.clear();
  }
}

/**
 * Writes the batch's objects after its journal entry. On failure, removes what this attempt may have
 * written (every object whose write started) and rejects with a message that says what is left.
 */
async function writeObjects(
  groups: Map<string, string[]>,
  name: string,
  journal: Promise<void> | undefined,
  deps: TransformDeps,
  stop: DeadlineSignal,
  options: TransformOptions,
): Promise<StoredObject[]> {
  const started: string[] = [];
  try {
    await journal;
    // Each object is compressed on the pool and handed to the store as soon as it is ready, so the
    // first PUTs are in flight while the larger groups still compress.
    return await deps.store.putAll(
      [...groups].map(([folder, lines]) => async (): Promise<StoredObject> => {
        const key = objectKey(folder, name);
        started.push(key);
        return { key, body: await gzipLines(lines, deps.gzipLevel), eventCount: lines.length };
      }),
      stop.signal,
    );
  } catch (error) {
    const left = started.length === 0 ? [] : await deps.store.removeAll(started, AbortSignal.timeout(options.rollbackMs ?? DEFAULT_ROLLBACK_MS));
    const cause = stop.signal.aborted ? 'the function was about to time out' : describe(error);
    throw new BatchFailure(
      `Could not store the batch (${cause}): ${groups.size} objects to write, ${started.length} started, ` +
        `${started.length - left.length} removed again, ${left.length} left for the retry to overwrite. ` +
        'Firehose will retry the batch.',
      { cause: error },
    );
  }
}

/**
 * Publishes the batch's alerts. When they cannot all be published, the batch fails as a whole, so that
 * Firehose retries it: the objects just written are removed first (the retry writes them again, and
 * raises the same alert ids), and an alert is never lost while its events are kept.
 */
async function publishAlerts(
  alerts: readonly Alert[],
  objects: readonly StoredObject[],
  deps: TransformDeps,
  stop: DeadlineSignal,
  options: TransformOptions,
): Promise<void> {
  try {
    await (deps.alerts as AlertPublisher).publish(alerts, stop.signal);
  } catch (error) {
    const keys = objects.map((object) => object.key);
    const left = keys.length === 0 ? [] : await deps.store.removeAll(keys, AbortSignal.timeout(options.rollbackMs ?? DEFAULT_ROLLBACK_MS));
    const cause = stop.signal.aborted ? 'the function was about to time out' : describe(error);
    throw new BatchFailure(
      `Could not publish the batch's ${alerts.length} alerts (${cause}): its ${keys.length} objects were removed again ` +
        `(${left.length} left for the retry to overwrite). Firehose will retry the batch.`,
      { cause: error },
    );
  }
}

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

function answerFor(record: FirehoseTransformationEventRecord, outcome: RecordOutcome): FirehoseTransformationResultRecord {
  switch (outcome.kind) {
    case 'ok':
      return { recordId: record.recordId, result: 'Ok', data: outcome.data.toString('base64') };
    case 'dropped':
      return { recordId: record.recordId, result: 'Dropped', data: record.data };
    case 'failed':
      return { recordId: record.recordId, result: 'ProcessingFailed', data: record.data };
  }
}

function emptyOutcome(event: FirehoseTransformationEvent, deps: TransformDeps): BatchOutcome {
  const resourceId = deps.settings.resourceId ?? resourceIdFromStreamArn(event.sourceKinesisStreamArn) ?? 'unknown';
  return { result: { records: [] }, summary: summarize(resourceId, [], [], [], []), objects: [], alerts: [] };
}

/** Lambda's cap on a synchronous response, which is how Firehose invokes the transformer. */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;

/** What one answer costs in the response besides its data: its record ID, result and JSON punctuation. */
const ANSWER_OVERHEAD = 64;

/**
 * Keeps the answer under Lambda's response cap. Ok data is usually about the size of the gzip the record
 * carried, but events that compress far better than their lines (millions of `{}` with a cluster ID
 * added to each) can answer many times the request. In record order, a record is answered Ok only if
 * its data still fits with every later record answered with its original data (which always fits: the
 * request did); otherwise it fails alone, with its data, for a re-drive in a smaller batch. The same
 * records are refused on every attempt of a batch, since the decision depends only on the answers.
 */
function fitResponse(
  records: readonly FirehoseTransformationEventRecord[],
  outcomes: readonly RecordOutcome[],
  maxBytes: number,
): RecordOutcome[] {
  const original = records.map((record) => record.recordId.length + (typeof record.data === 'string' ? record.data.length : 0) + ANSWER_OVERHEAD);
  let later = original.reduce((sum, bytes) => sum + bytes, 16);
  let used = 0;
  return outcomes.map((outcome, index) => {
    const own = original[index] as number;
    later -= own;
    if (outcome.kind !== 'ok') {
      used += own;
      return outcome;
    }
    const ok = (records[index] as FirehoseTransformationEventRecord).recordId.length + Math.ceil(outcome.data.length / 3) * 4 + ANSWER_OVERHEAD;
    if (used + ok + later <= maxBytes) {
      used += ok;
      return outcome;
    }
    used += own;
    return {
      kind: 'failed',
      reason:
        `its answer (${ok} bytes of Ok data) would take the response past Lambda's ${maxBytes}-byte cap; ` +
        'kept with its data for a re-drive in a smaller batch',
    };
  });
}

/** A last guard: fitResponse keeps to the cap, so this throws only if Firehose sent more than Lambda allows back. */
function assertResponseFits(records: readonly FirehoseTransformationResultRecord[], maxBytes: number): void {
  let bytes = 16;
  for (const record of records) bytes += record.recordId.length + (record.data?.length ?? 0) + ANSWER_OVERHEAD;
  if (bytes > maxBytes) {
    throw new BatchFailure(
      `The response would be about ${bytes} bytes, over Lambda's ${maxBytes}-byte limit: ` +
        'lower the delivery stream processor buffer size (BufferSizeInMBs).',
    );
  }
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

/** Lets asynchronous steps take turns in index order: step i waits until every step before it is done. */
class InOrder {
  private readonly released: Array<() => void> = [];
  private readonly turns: Promise<void>[];

  constructor(count: number) {
    this.turns = Array.from({ length: count }, (_, index) =>
      index === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.released[index] = resolve)),
    );
  }

  wait(index: number): Promise<void> {
    return this.turns[index] as Promise<void>;
  }

  done(index: number): void {
    this.released[index + 1]?.();
  }
}

interface DeadlineSignal {
  readonly signal: AbortSignal;
  clear(): void;
}

/** An AbortSignal that fires at the deadline (never, without one). */
function deadlineSignal(deadline: number | undefined, now: () => number): DeadlineSignal {
  const controller = new AbortController();
  // Every request in flight listens to it (as many PUTs at once as the store allows, and the alerts), each
  // listener removed when its request ends: many at once is expected, not a leak.
  setMaxListeners(0, controller.signal);
  if (deadline === undefined) return { signal: controller.signal, clear: () => undefined };
  const timer = setTimeout(() => controller.abort(new Error('deadline reached')), Math.max(0, deadline - now()));
  timer.unref?.();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Distinct class values one batch reports before the rest count as OTHER. */
const MAX_CLASSES = 20;

function summarize(
  resourceId: string,
  records: readonly FirehoseTransformationEventRecord[],
  outcomes: readonly RecordOutcome[],
  objects: readonly StoredObject[],
  alerts: readonly Alert[],
): BatchSummary {
  const alertsByRule: Record<string, number> = {};
  // Matches, summaries counting for every match they stand for: what the AlertMatches metric reports.
  for (const alert of alerts) alertsByRule[alert.rule] = (alertsByRule[alert.rule] ?? 0) + (alert.moreMatches ?? 1);
  const eventsByClass: Record<string, number> = {};
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
    alerts: alerts.length,
    alertsByRule,
    eventsByClass,
    failures: [] as { recordId: string; reason: string }[],
  };
  outcomes.forEach((outcome, index) => {
    summary[outcome.kind] += 1;
    if (outcome.kind === 'failed') {
      summary.failures.push({ recordId: (records[index] as FirehoseTransformationEventRecord).recordId, reason: outcome.reason });
    } else {
      const counts: EventCounts = outcome.counts;
      summary.events += counts.events;
      summary.heartbeats += counts.heartbeats;
      summary.filtered += counts.filtered;
    }
    if (outcome.kind === 'ok') {
      for (const [klass, count] of outcome.classes) {
        // The metric's dimension stays low-cardinality whatever the events say.
        const name = klass in eventsByClass || Object.keys(eventsByClass).length < MAX_CLASSES ? klass : 'OTHER';
        eventsByClass[name] = (eventsByClass[name] ?? 0) + count;
      }
    }
  });
  return summary;
}
