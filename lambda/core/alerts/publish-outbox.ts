import { setTimeout as delay } from 'node:timers/promises';
import { mapConcurrent } from '../shared/concurrency';
import type { Alert } from './alerts';
import { readOutbox, REFUSED_PREFIX, UNREADABLE_PREFIX } from './outbox';

/**
 * The alert publisher's flow: pending outbox objects are read, their alerts sent to every target (the
 * EventBridge bus, Security Hub when enabled), and an object is removed only once every target accepted
 * every one of its alerts. A crash or a target failure midway leaves the object pending, and the next run
 * sends the same alert ids again: delivery is at least once, consumers de-duplicate by alert id.
 *
 * Ports follow the project's contract: they reject only when the outside world fails. What an object's
 * own bytes cause (not a document) or an alert's own content causes (a target refuses it for good) is
 * answered as a value: the object is moved aside and reported, never deleted, never retried forever.
 */

/** A pending object as listed: its key and when it was last written. */
export interface PendingObject {
  readonly key: string;
  readonly lastModified: Date;
}

/** A pending object's body, and the version read (so that a rewrite since is never removed unpublished). */
export interface OutboxBody {
  readonly text: string;
  readonly etag: string;
}

export interface AlertOutbox {
  /** Every pending object (under `alerts/pending/`), oldest first. */
  list(signal?: AbortSignal): Promise<PendingObject[]>;
  /** The object's body, or undefined when it is gone (another run published it). */
  read(key: string, signal?: AbortSignal): Promise<OutboxBody | undefined>;
  /**
   * Removes the object if it is still the version read; resolves false (and leaves it) when it was
   * rewritten since: a retry of the batch wrote it again, and it is published again on the next run.
   */
  remove(key: string, etag: string, signal?: AbortSignal): Promise<boolean>;
  /**
   * The keys among `keys` (event objects) not stored yet. The transformer writes a batch's outbox object
   * alongside its event objects, so a notification can arrive before they are all there.
   */
  missing(keys: readonly string[], signal?: AbortSignal): Promise<string[]>;
  /** Moves the object under `prefix` (same path below it), recording why. */
  setAside(key: string, prefix: typeof UNREADABLE_PREFIX | typeof REFUSED_PREFIX, reason: string, signal?: AbortSignal): Promise<void>;
}

/** An alert a target refused for its own content: sending it again cannot succeed. */
export interface RefusedAlert {
  readonly alertId: string;
  readonly reason: string;
}

/** Where alerts go. */
export interface AlertSink {
  /** Names the target in reports and metrics: `eventbridge`, `securityhub`. */
  readonly name: string;
  /**
   * Sends every alert, retrying what the target reports failed for transient reasons; resolves with the
   * alerts it refused for good (their own content), rejects when the target could not take them all.
   */
  publish(alerts: readonly Alert[], signal?: AbortSignal): Promise<{ readonly refused: readonly RefusedAlert[] } | void>;
}

export interface PublishDeps {
  readonly outbox: AlertOutbox;
  readonly sinks: readonly AlertSink[];
  /** @default Date.now */
  readonly now?: () => number;
  /** Objects handled at once. @default 4 */
  readonly concurrency?: number;
  /**
   * In a notified run, the waits before each new look for event objects an outbox object names that are
   * not stored yet (their writes were still in flight, or retried); still missing after the last, the
   * object stays pending for the sweep. A sweep looks once: its objects are old enough for their writes to
   * have ended. @default DEFAULT_EVENTS_RECHECKS_MS (1, 2, 4 and 8 s: 15 s in all)
   */
  readonly eventsRechecksMs?: readonly number[];
  /** @default setTimeout */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface PublishScope {
  /** Only these keys (an S3 notification's objects); without it, every pending object (the sweep). */
  readonly keys?: readonly string[];
  /**
   * A sweep leaves objects younger than this to the notification that announced them (still counted as
   * waiting), so both do not send the same alerts at once. @default 0
   */
  readonly minAgeMs?: number;
}

/** Why an object was left pending or moved aside: the key, the target, the reason; never alert content. */
export interface PublishProblem {
  readonly key: string;
  readonly sink?: string;
  readonly reason: string;
}

/** What a run did, and the backlog it leaves. */
export interface PublishReport {
  /** Objects whose every alert every target accepted, removed. */
  readonly objectsPublished: number;
  readonly alertsPublished: number;
  /** Alerts sent per target (an object left pending counts the alerts a target took before another failed). */
  readonly alertsBySink: Readonly<Record<string, number>>;
  /** Objects moved to `alerts/unreadable/`. */
  readonly unreadable: readonly PublishProblem[];
  /** Objects moved to `alerts/refused/`, and how many alerts were refused. */
  readonly refused: readonly PublishProblem[];
  readonly alertsRefused: number;
  /** Objects left pending because a target failed (the run stops starting others once one fails). */
  readonly failed: readonly PublishProblem[];
  /**
   * Objects left pending because event objects they name are not stored yet: their batch's writes were
   * in flight, or failed (its retry or re-drive stores them). Nothing was sent for them.
   */
  readonly awaitingEvents: readonly PublishProblem[];
  /** Objects waiting after the run (a sweep only: a notified run does not list). */
  readonly waiting?: number;
  /** Age of the oldest object waiting after the run, in seconds (0 when none). */
  readonly oldestAgeSeconds?: number;
}

/**
 * Publishes pending outbox objects: the ones named (a notification), or every one (a sweep, oldest
 * first, which also measures the backlog). Stops starting objects once a target fails or `signal`
 * aborts; what is not done stays pending for the next run.
 */
export async function publishOutbox(deps: PublishDeps, scope: PublishScope = {}, signal?: AbortSignal): Promise<PublishReport> {
  const now = deps.now ?? Date.now;
  const sweep = scope.keys === undefined;
  const listed = sweep ? await deps.outbox.list(signal) : [];
  const ready = sweep ? listed.filter((item) => now() - item.lastModified.getTime() >= (scope.minAgeMs ?? 0)).map((item) => item.key) : [...new Set(scope.keys)];

  const done = new Set<string>();
  const alertsBySink: Record<string, number> = Object.fromEntries(deps.sinks.map((sink) => [sink.name, 0]));
  const report = {
    objectsPublished: 0,
    alertsPublished: 0,
    alertsRefused: 0,
    unreadable: [] as PublishProblem[],
    refused: [] as PublishProblem[],
    failed: [] as PublishProblem[],
    awaitingEvents: [] as PublishProblem[],
  };
  let stopped = false;

  await mapConcurrent(ready, deps.concurrency ?? 4, async (key) => {
    if (stopped || signal?.aborted) return;
    try {
      const outcome = await publishObject(deps, key, alertsBySink, sweep ? [] : (deps.eventsRechecksMs ?? DEFAULT_EVENTS_RECHECKS_MS), signal);
      if (outcome.kind === 'gone') done.add(key);
      else if (outcome.kind === 'published') {
        report.alertsPublished += outcome.alerts;
        if (outcome.removed) {
          done.add(key);
          report.objectsPublished += 1;
        }
      } else if (outcome.kind === 'awaiting-events') {
        report.awaitingEvents.push({ key, reason: outcome.reason });
      } else if (outcome.kind === 'unreadable') {
        done.add(key);
        report.unreadable.push({ key, reason: outcome.reason });
      } else if (outcome.kind === 'refused') {
        done.add(key);
        report.alertsPublished += outcome.alerts - outcome.refused;
        report.alertsRefused += outcome.refused;
        report.refused.push({ key, sink: outcome.sink, reason: outcome.reason });
      }
    } catch (error) {
      stopped = true;
      report.failed.push({ key, ...((error as { sink?: string }).sink ? { sink: (error as { sink: string }).sink } : {}), reason: reasonOf(error) });
    }
  });

  const backlog = sweep ? backlogOf(listed.filter((item) => !done.has(item.key)), now()) : {};
  return { ...report, alertsBySink, ...backlog };
}

type ObjectOutcome =
  | { readonly kind: 'gone' }
  | { readonly kind: 'unreadable'; readonly reason: string }
  | { readonly kind: 'awaiting-events'; readonly reason: string }
  | { readonly kind: 'published'; readonly alerts: number; readonly removed: boolean }
  | { readonly kind: 'refused'; readonly alerts: number; readonly refused: number; readonly sink: string; readonly reason: string };

/** A target failed: carries its name to the report. */
class SinkFailedError extends Error {
  constructor(
    readonly sink: string,
    cause: unknown,
  ) {
    super(`${sink}: ${reasonOf(cause)}`, { cause });
    this.name = 'SinkFailedError';
  }
}

async function publishObject(
  deps: PublishDeps,
  key: string,
  alertsBySink: Record<string, number>,
  rechecksMs: readonly number[],
  signal?: AbortSignal,
): Promise<ObjectOutcome> {
  const body = await deps.outbox.read(key, signal);
  if (!body) return { kind: 'gone' };
  const reading = readOutbox(key, body.text);
  if ('unreadable' in reading) {
    await deps.outbox.setAside(key, UNREADABLE_PREFIX, reading.unreadable, signal);
    return { kind: 'unreadable', reason: reading.unreadable };
  }
  const objects = reading.document.objects ?? [];
  if (objects.length > 0) {
    let missing = await deps.outbox.missing(objects, signal);
    for (const waitMs of rechecksMs) {
      if (missing.length === 0) break;
      await (deps.sleep ?? sleep)(waitMs, signal);
      missing = await deps.outbox.missing(missing, signal);
    }
    if (missing.length > 0) return { kind: 'awaiting-events', reason: `${missing.length} of its ${objects.length} event objects not stored yet` };
  }
  const alerts = reading.document.alerts;
  const refusals: Array<RefusedAlert & { sink: string }> = [];
  // One target after another: a failing target leaves the object pending, and the next run sends it to
  // every target again (the ones that took it see the same ids twice, which they are told to expect).
  if (alerts.length > 0) {
    for (const sink of deps.sinks) {
      let answer: Awaited<ReturnType<AlertSink['publish']>>;
      try {
        answer = await sink.publish(alerts, signal);
      } catch (error) {
        throw new SinkFailedError(sink.name, error);
      }
      const refused = answer?.refused ?? [];
      alertsBySink[sink.name] = (alertsBySink[sink.name] ?? 0) + alerts.length - refused.length;
      refusals.push(...refused.map((refusal) => ({ ...refusal, sink: sink.name })));
    }
  }
  if (refusals.length > 0) {
    const first = refusals[0] as RefusedAlert & { sink: string };
    const reason = `${refusals.length} alert(s) refused, first ${first.alertId} by ${first.sink}: ${first.reason}`;
    await deps.outbox.setAside(key, REFUSED_PREFIX, reason, signal);
    return { kind: 'refused', alerts: alerts.length, refused: new Set(refusals.map((refusal) => refusal.alertId)).size, sink: first.sink, reason };
  }
  // Rewritten since it was read (a retry of its batch): left for the next run, which sends it again.
  return { kind: 'published', alerts: alerts.length, removed: await deps.outbox.remove(key, body.etag, signal) };
}

/**
 * A notified run's waits for event objects still in flight: a batch's PUTs usually end within a second of
 * its outbox object's, and an SDK retry after a throttle within a few more.
 */
export const DEFAULT_EVENTS_RECHECKS_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000];

async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  await delay(ms, undefined, signal ? { signal } : {});
}

function backlogOf(waiting: readonly { lastModified: Date }[], now: number): { waiting: number; oldestAgeSeconds: number } {
  const oldest = waiting.reduce((min, item) => Math.min(min, item.lastModified.getTime()), now);
  return { waiting: waiting.length, oldestAgeSeconds: Math.max(0, Math.floor((now - oldest) / 1000)) };
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
