import type { FirehoseTransformationEventRecord } from 'aws-lambda';
import type { Alert } from '../alerts/alerts';
import type { EventCounts, RecordOutcome } from './record-reader';
import type { StoredObject } from './ports';

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
  /** Alerts raised (and written to the outbox, for the alert publisher to send). */
  readonly alerts: number;
  /** Alerts by rule id. */
  readonly alertsByRule: Readonly<Record<string, number>>;
  /** Kept events by class (see `metricClass`): a few values per engine, `OTHER` past the twentieth. */
  readonly eventsByClass: Readonly<Record<string, number>>;
  readonly failures: ReadonlyArray<{ readonly recordId: string; readonly reason: string }>;
}

/** Distinct class values one batch reports before the rest count as OTHER. */
const MAX_CLASSES = 20;

export function summarize(
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
