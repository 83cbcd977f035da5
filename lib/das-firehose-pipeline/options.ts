import type { Duration, Size } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type { Condition, EngineName } from '../../lambda/core/alerts/activity-vocabulary';
import type { Severity } from '../../lambda/core/alerts/alert-rules';

/** The closed sets and the grouped options of {@link DasFirehosePipelineProps}: queries and alerts. */

/** The functions' log levels (Powertools Logger), as an `as const` object like Powertools' own `LogLevel`. */
export const LogLevel = { DEBUG: 'DEBUG', INFO: 'INFO', WARN: 'WARN', ERROR: 'ERROR' } as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** How urgent an alert is. */
export const AlertSeverity = { LOW: 'LOW', MEDIUM: 'MEDIUM', HIGH: 'HIGH', CRITICAL: 'CRITICAL' } as const satisfies Record<Severity, Severity>;
export type AlertSeverity = Severity;

/** The built-in alert rules, by id. */
export const BuiltInAlertRule = {
  PRIVILEGE_CHANGE: 'privilege-change',
  FAILED_LOGIN: 'failed-login',
  DESTRUCTIVE_DDL: 'destructive-ddl',
  PRIVILEGED_USER_ACTIVITY: 'privileged-user-activity',
} as const;
export type BuiltInAlertRule = (typeof BuiltInAlertRule)[keyof typeof BuiltInAlertRule];

/** The engines an alert rule can apply to. */
export type AlertEngine = EngineName;

/**
 * A condition an event must meet, in the transformer's rule language (compared case-insensitively):
 * `{ field, in }`, `{ field, startsWith }`, `{ statement }` (the SQL text begins with one of them, after
 * spaces and comments), `{ failed }` / `{ succeeded }` (a failure code present and not 0, or not),
 * `{ present }` / `{ absent }`, `{ all }`, `{ any }`.
 */
export type AlertCondition = Condition;

/** How the pipeline sets up querying the audit log with Athena. */
export interface AuditQueriesOptions {
  /**
   * The Glue database (lower case letters, digits and `_`).
   * @default - `<stack name>_audit`, lower-cased
   */
  readonly databaseName?: string;

  /**
   * The Athena workgroup.
   * @default - `<stack name>-audit`
   */
  readonly workGroupName?: string;

  /**
   * The most one query may scan before Athena cancels it (at least 10 MB).
   * @default Size.gibibytes(100)
   */
  readonly bytesScannedCutoffPerQuery?: Size;

  /**
   * How long query results are kept in the query results bucket.
   * @default Duration.days(30)
   */
  readonly resultsExpiration?: Duration;
}

/** The alert rules and where their matches go. */
export interface AlertsOptions {
  /**
   * Built-in rules to turn off, by id: `privilege-change`, `failed-login`, `destructive-ddl`,
   * `privileged-user-activity`.
   * @default - every built-in rule is on (`privileged-user-activity` once `privilegedUsers` names someone)
   */
  readonly disabledRules?: BuiltInAlertRule[];

  /**
   * Database users whose every event matches `privileged-user-activity` (MEDIUM), e.g. the master user.
   * Compared case-insensitively. A user `dropUsers` leaves out can not be listed: their events are
   * dropped before the rules see them.
   * @default - none: `privileged-user-activity` is off
   */
  readonly privilegedUsers?: string[];

  /**
   * Rules of your own, in the transformer's rule language (see `lambda/core/alerts/alert-rules.ts`).
   * @example [{ id: 'audit-schema-touched', severity: 'HIGH', description: 'Someone touched the audit schema',
   *   when: { field: 'objectName', startsWith: ['audit.'] } }]
   * @default - none
   */
  readonly customRules?: CustomAlertRule[];

  /**
   * Per rule id, how many matches in 5 minutes raise the rule's alarm; 0 creates no alarm for that rule.
   * @example { 'failed-login': 20, 'privileged-user-activity': 0 }
   * @default - 5 for `failed-login` (one mistyped password is routine), 1 for every other rule
   */
  readonly thresholds?: Record<string, number>;

  /**
   * The bus alerts are published to. The function may put events on this bus only.
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;

  /**
   * Characters of an event's SQL text an alert carries (cut short with …), from 0 to 4096. SQL text
   * may hold personal data or secrets: it goes to whoever can read the bus, so it is left out unless asked for.
   * @default 0
   */
  readonly sqlTextChars?: number;

  /**
   * Whether an EventBridge rule sends every HIGH or CRITICAL alert to `alarmTopic`, as a one-line
   * message (rule, severity, database, engine, command, user, host, time, where the event is stored;
   * never SQL text). Needs `alarmTopic`; without one no rule is created.
   * @default true
   */
  readonly notifyHighSeverity?: boolean;

  /**
   * Whether the alert publisher also sends each alert to AWS Security Hub as a finding (AWS Security
   * Finding Format, `Id` from the alert's id) of the account's default product. Security Hub must be enabled
   * in the account and region; each finding ingested is billed by Security Hub.
   * @default false
   */
  readonly securityHub?: boolean;
}

/**
 * An operator's alert rule, as the transformer reads it (its custom rules setting). `when` is a condition:
 * `{ field, in }`, `{ field, startsWith }`, `{ statement }`, `{ failed }`, `{ succeeded }`, `{ present }`,
 * `{ absent }`, `{ all }` or `{ any }`, or an object of one condition per engine
 * (`postgresql`, `mysql`, `oracle`, `sqlserver`).
 */
export interface CustomAlertRule {
  /** Lower case letters, digits and `-`, unlike any built-in rule's: it names the metric dimension and the alarm. */
  readonly id: string;
  /** What a match means, for whoever receives the alert (1 to 256 characters). */
  readonly description: string;
  /** How urgent a match is: HIGH and CRITICAL reach the alarm topic. */
  readonly severity: AlertSeverity;
  /**
   * The engines the condition applies to: `postgresql`, `mysql`, `oracle`, `sqlserver`.
   * @default - every engine
   */
  readonly engines?: AlertEngine[];
  /** The condition an event must meet: one for every engine, or one per engine. */
  readonly when: AlertCondition | Readonly<Partial<Record<AlertEngine, AlertCondition>>>;
}
