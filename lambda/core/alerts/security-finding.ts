import { engineOf } from './activity-vocabulary';
import { BUILT_IN_RULES, PRIVILEGED_USER_RULE } from './alert-rules';
import type { Alert } from './alerts';
import { ALERT_SOURCE } from './alerts';
import { parseLogTime } from '../shared/partition';

/**
 * An alert as an AWS Security Finding Format (ASFF) finding, for Security Hub (CSPM)'s
 * `BatchImportFindings` through the account's own default product. Pure: the adapter sends what this
 * returns.
 *
 * Choices that make re-sending harmless: the finding `Id` comes from the alert id (stable across
 * attempts and re-drives), and `CreatedAt` = `UpdatedAt` = the event's time, so a second import of the
 * same alert carries an `UpdatedAt` no later than the stored one, which Security Hub ignores (no update,
 * no second "Findings - Imported" event). Severity and types go in `FindingProviderFields`, as Security
 * Hub asks of providers (it copies them to the top level on creation); the top-level `Severity` and
 * `Types` are left out, so a customer's own changes to them are never overwritten.
 *
 * What a finding carries: who (database user), from where (client host), what (command, class, object),
 * on which database, and the S3 key of the stored event. Never SQL text unless the alert carries it
 * (operators opted in with `alertSqlTextChars`), never parameters (alerts do not carry them).
 */

export const SCHEMA_VERSION = '2018-10-08';

/** Partitions the ASFF `Resource.Partition` enum knows that this project runs in. */
export type AwsPartition = 'aws' | 'aws-cn' | 'aws-us-gov';
export type FindingSeverityLabel = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

/** Where findings go: the account, Region and partition of the caller, whose default product takes them. */
export interface FindingTarget {
  readonly accountId: string;
  readonly region: string;
  readonly partition: AwsPartition;
  /** The audit bucket, to name the stored event (`s3://bucket/key`). */
  readonly bucket: string;
  /** The ARN of a database by its resource id (`cluster-…`, `db-…`), where the stack knows it. */
  readonly databaseArns?: Readonly<Record<string, string>>;
}

export interface FindingResource {
  readonly Type: string;
  readonly Id: string;
  readonly Partition: AwsPartition;
  readonly Region: string;
  readonly Details: {
    readonly AwsRdsDbCluster?: { readonly DbClusterResourceId: string };
    readonly AwsRdsDbInstance?: { readonly DbiResourceId: string };
    readonly Other: Readonly<Record<string, string>>;
  };
}

/** The ASFF attributes this project sends (a subset of the SDK's `AwsSecurityFinding`). */
export interface SecurityFinding {
  readonly SchemaVersion: string;
  readonly Id: string;
  readonly ProductArn: string;
  readonly GeneratorId: string;
  readonly AwsAccountId: string;
  readonly CreatedAt: string;
  readonly UpdatedAt: string;
  readonly FirstObservedAt: string;
  readonly LastObservedAt: string;
  readonly Title: string;
  readonly Description: string;
  readonly ProductName: string;
  readonly CompanyName: string;
  readonly FindingProviderFields: {
    readonly Severity: { readonly Label: FindingSeverityLabel; readonly Original: string };
    readonly Types: string[];
  };
  readonly Resources: FindingResource[];
  readonly ProductFields: Readonly<Record<string, string>>;
}

/** The ASFF limits the mapping keeps to (Security Hub refuses a finding beyond them). */
export const FINDING_LIMITS = { id: 512, generatorId: 512, title: 256, description: 1024, otherValue: 1024, productFieldValue: 2048 } as const;

/** The account's default product: the one a custom integration imports into. */
export function defaultProductArn(target: Pick<FindingTarget, 'partition' | 'region' | 'accountId'>): string {
  return `arn:${target.partition}:securityhub:${target.region}:${target.accountId}:product/${target.accountId}/default`;
}

/** The finding types of the built-in rules; operators' own rules and the privileged users' read as unusual database behaviour. */
const RULE_TYPES: Readonly<Record<string, readonly string[]>> = {
  'privilege-change': ['TTPs/Privilege Escalation', 'Unusual Behaviors/Database'],
  'failed-login': ['TTPs/Credential Access', 'TTPs/Initial Access'],
  'destructive-ddl': ['Effects/Data Destruction', 'Unusual Behaviors/Database'],
  [PRIVILEGED_USER_RULE]: ['Unusual Behaviors/User', 'Unusual Behaviors/Database'],
};
const CUSTOM_TYPES = ['Unusual Behaviors/Database'];

/** Every built-in rule has its types (checked in the tests, so a new built-in cannot be forgotten). */
export const TYPED_RULES: readonly string[] = [...BUILT_IN_RULES.map((rule) => rule.id), PRIVILEGED_USER_RULE].filter((id) => id in RULE_TYPES);

/**
 * The finding of one alert. `fallbackTime` stands in for the event's time where the alert has none (a
 * summary of a batch's further matches): pass a time that is the same on every attempt, e.g.
 * {@link stableTimeOf} the alert's outbox document.
 */
export function securityFinding(alert: Alert, target: FindingTarget, fallbackTime: string): SecurityFinding {
  const observed = isoTime(alert.details.logTime) ?? fallbackTime;
  const d = alert.details;
  const engine = engineOf(d.serverType);
  const title =
    alert.moreMatches !== undefined
      ? `${alert.rule}: ${alert.moreMatches} more matches in one batch on ${alert.resourceId}`
      : `${alert.rule}: ${d.command ?? 'activity'} by ${d.dbUserName ?? 'unknown user'} on ${d.databaseName ?? alert.resourceId}`;
  const description =
    alert.moreMatches !== undefined
      ? `${alert.description}. ${alert.moreMatches} more matches of this rule in one batch were not sent one by one: query the audit log under s3://${target.bucket}/${alert.key}`
      : `${alert.description}. ${d.command ?? 'Activity'} by ${d.dbUserName ?? 'an unknown user'}` +
        `${d.remoteHost ? ` from ${d.remoteHost}` : ''}${d.databaseName ? ` on database ${d.databaseName}` : ''}` +
        `${d.objectName ? ` (${d.objectType ? `${d.objectType} ` : ''}${d.objectName})` : ''}. Stored event: s3://${target.bucket}/${alert.key}`;
  return {
    SchemaVersion: SCHEMA_VERSION,
    // The alert id is unique per database and rule already; the prefix keeps it apart from any other
    // finding of the account's default product (which other tools may import into too).
    Id: cap(`${ALERT_SOURCE}/${alert.resourceId}/${alert.id}`, FINDING_LIMITS.id),
    ProductArn: defaultProductArn(target),
    GeneratorId: cap(`${ALERT_SOURCE}/${alert.rule}`, FINDING_LIMITS.generatorId),
    AwsAccountId: target.accountId,
    CreatedAt: observed,
    UpdatedAt: observed,
    FirstObservedAt: observed,
    LastObservedAt: observed,
    Title: cap(title, FINDING_LIMITS.title),
    Description: cap(description, FINDING_LIMITS.description),
    ProductName: ALERT_SOURCE,
    CompanyName: ALERT_SOURCE,
    FindingProviderFields: {
      Severity: { Label: alert.severity, Original: alert.severity },
      Types: [...(RULE_TYPES[alert.rule] ?? CUSTOM_TYPES)],
    },
    Resources: [resourceOf(alert, target, engine)],
    ProductFields: productFields({
      rule: alert.rule,
      alertId: alert.id,
      resourceId: alert.resourceId,
      engine,
      s3Uri: `s3://${target.bucket}/${alert.key}`,
      s3Key: alert.key,
      moreMatches: alert.moreMatches !== undefined ? String(alert.moreMatches) : undefined,
    }),
  };
}

function resourceOf(alert: Alert, target: FindingTarget, engine: string | undefined): FindingResource {
  const arn = target.databaseArns?.[alert.resourceId];
  const d = alert.details;
  const other = otherDetails({
    resourceId: alert.resourceId,
    engine,
    dbUserName: d.dbUserName,
    remoteHost: d.remoteHost,
    databaseName: d.databaseName,
    command: d.command,
    class: d.class,
    objectType: d.objectType,
    objectName: d.objectName,
    eventTime: d.logTime,
    // Present only when operators opted in (cut to their length by the transformer, and here to ASFF's).
    commandText: d.commandText,
  });
  const common = { Partition: target.partition, Region: target.region };
  if (arn && alert.resourceId.startsWith('cluster-')) {
    return { Type: 'AwsRdsDbCluster', Id: arn, ...common, Details: { AwsRdsDbCluster: { DbClusterResourceId: alert.resourceId }, Other: other } };
  }
  if (arn && alert.resourceId.startsWith('db-')) {
    return { Type: 'AwsRdsDbInstance', Id: arn, ...common, Details: { AwsRdsDbInstance: { DbiResourceId: alert.resourceId }, Other: other } };
  }
  // Without its ARN the database is named by its resource id, as ASFF asks for resources it cannot name by ARN.
  return { Type: 'Other', Id: alert.resourceId, ...common, Details: { Other: other } };
}

/** `Details.Other`: the values present, each within ASFF's 1024 characters. */
function otherDetails(values: Readonly<Record<string, string | null | undefined>>): Record<string, string> {
  return pick(values, FINDING_LIMITS.otherValue);
}

function productFields(values: Readonly<Record<string, string | null | undefined>>): Record<string, string> {
  // Keys as ASFF recommends for third parties: `company/product/field` (`aws/` is reserved).
  const named = Object.fromEntries(Object.entries(values).map(([name, value]) => [`${ALERT_SOURCE}/alerts/${name}`, value]));
  return pick(named, FINDING_LIMITS.productFieldValue);
}

function pick(values: Readonly<Record<string, string | null | undefined>>, max: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    // ASFF strings must hold a non-blank character.
    if (typeof value === 'string' && value.trim() !== '') out[name] = cap(value, max);
  }
  return out;
}

/** Cut to `max` characters, an ellipsis marking the cut. */
function cap(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A DAS `logTime` as ASFF wants it (`2026-11-21T12:00:00.123Z`), or undefined. */
export function isoTime(logTime: string | null): string | undefined {
  const seconds = parseLogTime(logTime);
  if (seconds === undefined) return undefined;
  // parseLogTime keeps whole seconds; Security Hub keeps milliseconds (it rounds finer fractions).
  const fraction = /:\d{2}[.,](\d+)/.exec(logTime ?? '')?.[1] ?? '';
  return new Date(seconds + Number(fraction.padEnd(3, '0').slice(0, 3))).toISOString();
}

/**
 * A time the same on every attempt of a batch: the latest event time among its alerts, else the given
 * time (the document's `writtenAt`). Stands in for the time of a summary alert.
 */
export function stableTimeOf(alerts: readonly Alert[], otherwise: string): string {
  let latest: string | undefined;
  for (const alert of alerts) {
    const time = isoTime(alert.details.logTime);
    // ISO times in UTC with milliseconds compare as text.
    if (time !== undefined && (latest === undefined || time > latest)) latest = time;
  }
  return latest ?? new Date(Date.parse(otherwise)).toISOString();
}
