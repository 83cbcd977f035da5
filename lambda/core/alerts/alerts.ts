import { createHash } from 'node:crypto';
import { EVENT_FIELDS, fieldText, readEventFields, type ActivityEvent } from '../shared/activity-payload';
import type { FieldReader } from './condition-predicates';
import { detached } from '../shared/detached';
import type { AlertRule, RuleMatcher, Severity } from './alert-rules';
import { objectKey } from '../shared/partition';

/**
 * Alerts: what a matched rule says about one event. Everything in an alert is what an on-call person
 * needs to decide whether to look (who, where, what, when, and where the event is stored); the SQL text
 * only when operators opt in, cut short. An alert's id is derived from its rule, its database and the
 * event's stored line, so every attempt of a batch, and a re-drive of it, raises the same ids:
 * consumers drop duplicates by id (delivery is at least once).
 */

/** The `source` of every alert event: what an EventBridge rule matches on (the stack's high-severity rule does). */
export const ALERT_SOURCE = 'das-firehose';
/** The `detail-type` of every alert event. */
export const ALERT_DETAIL_TYPE = 'Database activity alert';

/** The fields of the event an alert carries. */
export interface AlertDetails {
  readonly serverType: string | null;
  readonly command: string | null;
  readonly class: string | null;
  readonly dbUserName: string | null;
  readonly remoteHost: string | null;
  readonly databaseName: string | null;
  readonly objectType: string | null;
  readonly objectName: string | null;
  readonly logTime: string | null;
  /** Only when operators opt in, cut to their length. */
  readonly commandText?: string;
}

/** A rule matched one kept event, before the batch's objects (and so the event's key) are named. */
export interface AlertMatch {
  readonly rule: AlertRule;
  /** The event's folder: `events/command=…/date=…/hour=…/`. */
  readonly folder: string;
  /** The event's stored line: its identity. */
  readonly line: string;
  readonly details: AlertDetails;
}

/** An alert, ready to publish. */
export interface Alert {
  /** Stable across attempts and re-drives of the batch: drop duplicates by it. */
  readonly id: string;
  readonly rule: string;
  readonly severity: Severity;
  readonly description: string;
  readonly resourceId: string;
  /** The object the event is stored in (for a summary: the batch's folder of `events/`). */
  readonly key: string;
  readonly details: AlertDetails;
  /** A summary alert: this many more matches of the rule in the batch were not sent one by one. */
  readonly moreMatches?: number;
}

/**
 * Alerts one batch sends one by one; further matches are summed up per rule in one alert each. A batch
 * of nothing but sensitive events (a migration dropping thousands of tables, a password-spraying attack)
 * must neither exhaust the function's memory nor spend its time on PutEvents: each alert held costs about
 * a kilobyte until it is published, and ten of them a request.
 */
export const MAX_ALERTS_PER_BATCH = 1000;

/**
 * The batch's room for alerts, shared by its records as they are read: matches beyond it are only
 * counted, per rule. Which matches get the room depends on the order records are read in, so at the
 * edge a retry may send a few different ones; the summaries' ids do not change.
 */
export class AlertBudget {
  private held = 0;
  /** Matches beyond the room, by rule. */
  readonly overflow = new Map<AlertRule, number>();

  constructor(readonly max = MAX_ALERTS_PER_BATCH) {}

  /** Whether the match may be held as an alert of its own (else it is counted). */
  take(rule: AlertRule): boolean {
    if (this.held < this.max) {
      this.held += 1;
      return true;
    }
    this.overflow.set(rule, (this.overflow.get(rule) ?? 0) + 1);
    return false;
  }
}

/** The fields an alert carries besides the SQL text. */
const DETAIL_FIELDS = ['serverType', 'command', 'class', 'dbUserName', 'remoteHost', 'databaseName', 'objectType', 'objectName', 'logTime'] as const;

const EVERY_EVENT: ReadonlySet<string> = new Set(EVENT_FIELDS);

/**
 * A reader of an event's fields for the rules and the alert. The fields read of every event come
 * free; the first other field asked for reads, in one pass over the event's text, every field the
 * rules test and the alert carries (`fields`), so no event is scanned twice.
 */
export function eventFieldReader(event: ActivityEvent, fields: ReadonlySet<string>): FieldReader {
  let more: Map<string, unknown> | undefined;
  const read = (field: string): string | null => {
    if (EVERY_EVENT.has(field)) return fieldText(event.fields[field as keyof ActivityEvent['fields']]);
    more ??= readEventFields(event, fields.has(field) ? fields : new Set([...fields, field]));
    return fieldText(more.get(field) as Parameters<typeof fieldText>[0]);
  };
  return Object.assign(read, { eventText: event.text });
}

/** Every field the matcher's rules test, and every field an alert carries. */
const fieldSets = new WeakMap<RuleMatcher, ReadonlySet<string>>();

function fieldsFor(matcher: RuleMatcher): ReadonlySet<string> {
  let fields = fieldSets.get(matcher);
  if (!fields) fieldSets.set(matcher, (fields = new Set([...matcher.fields, ...DETAIL_FIELDS, 'commandText'])));
  return fields;
}

/**
 * The rules the event matches, as alerts to be raised once its object is named. `line` is the event's
 * stored line, or how to write it: the transformer writes lines as bytes and joins one as text only for
 * an event that raises an alert (its id is a digest of the line).
 */
export function matchEvent(matcher: RuleMatcher, event: ActivityEvent, folder: string, line: string | (() => string), sqlTextChars: number): AlertMatch[] {
  const read = eventFieldReader(event, fieldsFor(matcher));
  const rules = matcher.match(read('serverType'), read);
  if (rules.length === 0) return [];
  const details = detailsOf(read, sqlTextChars);
  const text = typeof line === 'string' ? line : line();
  return rules.map((rule) => ({ rule, folder, line: text, details }));
}

function detailsOf(read: FieldReader, sqlTextChars: number): AlertDetails {
  // Copies: a field read off the event's text may be a view of the record's whole text (see detached.ts).
  const field = (name: string): string | null => {
    const value = read(name);
    return value === null ? null : detached(value);
  };
  const text = sqlTextChars > 0 ? read('commandText') : null;
  return {
    serverType: field('serverType'),
    command: field('command'),
    class: field('class'),
    dbUserName: field('dbUserName'),
    remoteHost: field('remoteHost'),
    databaseName: field('databaseName'),
    objectType: field('objectType'),
    objectName: field('objectName'),
    logTime: field('logTime'),
    ...(text !== null ? { commandText: detached(text.length > sqlTextChars ? `${text.slice(0, sqlTextChars)}…` : text) } : {}),
  };
}

const NO_DETAILS: AlertDetails = {
  serverType: null,
  command: null,
  class: null,
  dbUserName: null,
  remoteHost: null,
  databaseName: null,
  objectType: null,
  objectName: null,
  logTime: null,
};

/**
 * The batch's alerts, their events' keys named after the batch's objects, then one summary per rule
 * whose matches overflowed the batch's room (id from the batch's name: the same on every attempt).
 */
export function alertsOf(matches: readonly AlertMatch[], resourceId: string, batchName: string, overflow: ReadonlyMap<AlertRule, number> = new Map()): Alert[] {
  const summaries = [...overflow].map(([rule, count]) => ({
    id: alertId(resourceId, rule.id, `more matches of batch ${batchName}`),
    rule: rule.id,
    severity: rule.severity,
    description: rule.description,
    resourceId,
    key: 'events/',
    details: NO_DETAILS,
    moreMatches: count,
  }));
  return [...matches.map((match) => ({
    id: alertId(resourceId, match.rule.id, match.line),
    rule: match.rule.id,
    severity: match.rule.severity,
    description: match.rule.description,
    resourceId,
    key: objectKey(match.folder, batchName),
    details: match.details,
  })), ...summaries];
}

export function alertId(resourceId: string, ruleId: string, line: string): string {
  return createHash('sha256').update(resourceId).update('\n').update(ruleId).update('\n').update(line).digest('hex').slice(0, 32);
}
