import {
  DESTRUCTIVE_DDL,
  ENGINES,
  engineOf,
  FAILED_LOGIN,
  PRIVILEGE_CHANGE,
  type ActivityKind,
  type Condition,
  type EngineName,
} from './activity-vocabulary';
import { matches, type FieldReader } from './condition-predicates';

/**
 * What the transformer alerts on. A rule is an id, a description, a severity and, per engine, the
 * condition an event of that engine must meet, in that engine's own words (from the activity
 * vocabulary, the same definitions the named queries render as SQL). The built-in rules cover privilege
 * changes, failed logins, destructive DDL and, once operators name them, privileged users; operators
 * turn built-ins off and add rules of their own, written in the same condition language.
 */

export const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface AlertRule {
  /** Lower case letters, digits and `-`: it names metrics, alarms and alerts. */
  readonly id: string;
  readonly description: string;
  readonly severity: Severity;
  /** Per engine, the condition its events must meet; an engine left out never matches. */
  readonly when: ActivityKind;
}

export const PRIVILEGED_USER_RULE = 'privileged-user-activity';

export const BUILT_IN_RULES: readonly AlertRule[] = [
  {
    id: 'privilege-change',
    severity: 'HIGH',
    description: 'Privileges changed: GRANT, REVOKE, or a user or role created, altered or dropped',
    when: PRIVILEGE_CHANGE,
  },
  {
    id: 'failed-login',
    severity: 'MEDIUM',
    description: 'A login failed: wrong password, locked or expired account, no right to connect',
    when: FAILED_LOGIN,
  },
  {
    id: 'destructive-ddl',
    severity: 'HIGH',
    description: 'Data or objects destroyed: DROP of any object, TRUNCATE',
    when: DESTRUCTIVE_DDL,
  },
];

/** Every event of the listed users (compared case-insensitively: Oracle writes user names in capitals). */
export function privilegedUserRule(users: readonly string[]): AlertRule {
  const condition: Condition = { field: 'dbUserName', in: users };
  // MySQL logs a statement as its MAIN event plus an AUX event per table touched: one alert per statement.
  const mysql: Condition = { all: [condition, { field: 'class', in: ['MAIN'] }] };
  return {
    id: PRIVILEGED_USER_RULE,
    severity: 'MEDIUM',
    description: `Activity by a privileged user (${users.join(', ')})`,
    when: Object.fromEntries((Object.keys(ENGINES) as EngineName[]).map((engine) => [engine, engine === 'mysql' ? mysql : condition])),
  };
}

/** The ids operators may turn off. */
export const BUILT_IN_RULE_IDS: readonly string[] = [...BUILT_IN_RULES.map((rule) => rule.id), PRIVILEGED_USER_RULE];

export interface RuleSettings {
  /** Built-in rules turned off, by id. */
  readonly disabled?: readonly string[];
  /** Users whose every event matches `privileged-user-activity` (off while empty). */
  readonly privilegedUsers?: readonly string[];
  /** Operators' own rules. */
  readonly custom?: readonly AlertRule[];
}

/** The rules in force: the built-ins not turned off, the privileged users' rule when users are named, then the custom rules. */
export function activeRules(settings: RuleSettings): AlertRule[] {
  const disabled = new Set(settings.disabled ?? []);
  const rules = BUILT_IN_RULES.filter((rule) => !disabled.has(rule.id));
  const users = settings.privilegedUsers ?? [];
  if (users.length > 0 && !disabled.has(PRIVILEGED_USER_RULE)) rules.push(privilegedUserRule(users));
  return [...rules, ...(settings.custom ?? [])];
}

/** The fields a condition reads, added to `into`. */
function fieldsOf(condition: Condition, into: Set<string>): void {
  if ('all' in condition) for (const part of condition.all) fieldsOf(part, into);
  else if ('any' in condition) for (const part of condition.any) fieldsOf(part, into);
  else if ('statement' in condition) into.add('commandText');
  else if ('failed' in condition) into.add(condition.failed);
  else if ('succeeded' in condition) into.add(condition.succeeded);
  else if ('present' in condition) into.add(condition.present);
  else if ('absent' in condition) into.add(condition.absent);
  else into.add(condition.field);
}

/** The problems with a list of built-in rule ids to turn off: unknown ones, with the known ones named. */
export function disabledRuleProblems(ids: readonly string[], what: string): string[] {
  const unknown = ids.filter((id) => !BUILT_IN_RULE_IDS.includes(id));
  return unknown.length === 0 ? [] : [`${what} names no built-in rule: ${unknown.join(', ')}; the built-in rules are ${BUILT_IN_RULE_IDS.join(', ')}.`];
}

/**
 * Evaluates rules on events: each event's engine (from `serverType`) picks the conditions to test, so
 * an event is tested against its own engine's words only. Built once per batch, used per kept event.
 */
export class RuleMatcher {
  private readonly byEngine = new Map<EngineName, Array<{ rule: AlertRule; condition: Condition }>>();
  private readonly engines = new Map<string, EngineName | undefined>();

  /** The event fields the rules test. */
  readonly fields: ReadonlySet<string>;

  constructor(readonly rules: readonly AlertRule[]) {
    const fields = new Set<string>();
    for (const rule of rules) {
      for (const engine of Object.keys(rule.when) as EngineName[]) {
        const condition = rule.when[engine];
        if (!condition) continue;
        fieldsOf(condition, fields);
        const list = this.byEngine.get(engine) ?? [];
        list.push({ rule, condition });
        this.byEngine.set(engine, list);
      }
    }
    this.fields = fields;
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** The rules the event matches, in rule order. */
  match(serverType: string | null, read: FieldReader): AlertRule[] {
    const key = serverType ?? '';
    let engine = this.engines.get(key);
    if (engine === undefined && !this.engines.has(key)) {
      engine = engineOf(serverType);
      if (this.engines.size < 64) this.engines.set(key, engine);
    }
    const candidates = engine ? this.byEngine.get(engine) : undefined;
    if (!candidates) return [];
    const hits: AlertRule[] = [];
    for (const { rule, condition } of candidates) if (matches(condition, read)) hits.push(rule);
    return hits;
  }
}

