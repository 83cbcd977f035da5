import { activeRules, RuleMatcher, type AlertRule } from '../../lambda/core/alerts/alert-rules';
import { alertsOf, matchEvent, type Alert } from '../../lambda/core/alerts/alerts';
import { EVENT_FIELDS, type ActivityEvent } from '../../lambda/core/shared/activity-payload';
import { batchObjectName, partitionKey, partitionOf } from '../../lambda/core/shared/partition';
import type { FieldValue } from '../../lambda/core/shared/strict-json';
import { syntheticEvents } from '../../testkit/das/activity-events';
import { PROFILES, type Engine } from '../../testkit/das/das-synth';

/** The engines the samples mint, each with its own resource (Aurora clusters, RDS instances). */
export const ENGINES = Object.keys(PROFILES) as Engine[];

/** An operator's own rule, for every engine: reads of the reporting user. */
export const CUSTOM_RULE: AlertRule = {
  id: 'reporting-activity',
  severity: 'LOW',
  description: 'Activity of the reporting user',
  when: Object.fromEntries(['postgresql', 'mysql', 'oracle', 'sqlserver'].map((engine) => [engine, { field: 'dbUserName', in: ['reporting', 'REPORTING'] }])),
};

/** Every rule: the built-ins, the privileged users' (app_writer), and the custom one. */
export const ALL_RULES = activeRules({ privilegedUsers: ['app_writer'], custom: [CUSTOM_RULE] });

/**
 * The alerts the transformer's matching raises for one engine's synthetic events (as a batch of one
 * record would), with the engine's resource id and a batch name: real `Alert` objects, ids included.
 */
export function sampleAlerts(engine: Engine, options: { count?: number; seed?: number; sqlTextChars?: number; rules?: readonly AlertRule[] } = {}): { alerts: Alert[]; resourceId: string; batchName: string } {
  const resourceId = PROFILES[engine].resourceId;
  const matcher = new RuleMatcher(options.rules ?? ALL_RULES);
  const events = syntheticEvents(engine, options.count ?? 300, { seed: options.seed ?? 7 });
  const batchName = batchObjectName(resourceId, [`record-${engine}-${options.seed ?? 7}`]);
  const matches = events.flatMap((raw) => {
    const text = JSON.stringify(raw);
    const fields = Object.fromEntries(EVENT_FIELDS.filter((name) => raw[name] !== undefined).map((name) => [name, raw[name] as FieldValue]));
    const event: ActivityEvent = { text, fields };
    return matchEvent(matcher, event, partitionKey(partitionOf(event, Date.UTC(2026, 10, 21))), text, options.sqlTextChars ?? 0);
  });
  return { alerts: alertsOf(matches, resourceId, batchName), resourceId, batchName };
}

/** The event objects a batch's alerts point at (summaries name only the folder): the outbox's `objects`. */
export function eventObjectsOf(alerts: readonly Alert[]): string[] {
  return [...new Set(alerts.map((alert) => alert.key).filter((key) => key.endsWith('.jsonl.gz')))];
}
