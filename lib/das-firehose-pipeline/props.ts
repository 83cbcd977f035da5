import type { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type { aws_kinesisfirehose as firehoseRefs } from 'aws-cdk-lib/interfaces';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Condition, EngineName } from '../../lambda/core/alerts/activity-vocabulary';
import type { Severity } from '../../lambda/core/alerts/alert-rules';

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

/** One database activity stream the pipeline consumes. */
export interface ActivityStreamSource {
  /**
   * The Kinesis stream RDS created for the activity stream (`aws-rds-das-<resourceId>`).
   * Firehose reads it from LATEST; the pipeline gets read access to this stream only.
   */
  readonly stream: kinesis.IStream;

  /**
   * The KMS key the activity stream was started with (a key ARN, not an alias). The function may
   * decrypt with it only under this database's encryption context.
   */
  readonly key: kms.IKey;

  /**
   * The database's resource ID: `cluster-…` (Aurora, DbClusterResourceId) or `db-…` (RDS for
   * Oracle and SQL Server, DbiResourceId). It decides the KMS encryption context the function may use.
   * Give it only when the stream is not named `aws-rds-das-<resourceId>`; it is then passed to the
   * function as its resource ID setting, which needs a pipeline with a single stream.
   *
   * It may be a token resolved only at deployment (a {@link DatabaseSources} attribute): then give
   * `name` and `encryptionContextKeys` too.
   *
   * @default - read from the stream name `aws-rds-das-<resourceId>`
   */
  readonly resourceId?: string;

  /**
   * The scope of this database's resources in the pipeline (delivery stream, its role, alarms): a
   * construct id that stays the same across deployments. Needed when the resource ID is a token.
   *
   * @default - the resource ID (the scope existing stacks have)
   */
  readonly name?: string;

  /**
   * The KMS encryption context key(s) RDS may bind this database's data keys to: `aws:rds:dbc-id`
   * for an Aurora cluster, `aws:rds:db-id` for an RDS for Oracle / SQL Server instance. Needed when
   * the resource ID is a token; both when the kind of database is not known until deployment (the
   * function may then decrypt under either key, with the one resource ID as its value).
   *
   * @default - the one the resource ID's prefix says (`cluster-` or `db-`)
   */
  readonly encryptionContextKeys?: readonly EncryptionContextKey[];
}

/** The KMS encryption context key of a database's activity records. */
export type EncryptionContextKey = 'aws:rds:dbc-id' | 'aws:rds:db-id';

/** Properties of a {@link DasFirehosePipeline}. */
export interface DasFirehosePipelineProps {
  /**
   * The activity streams to consume. Each gets its own Firehose delivery stream; the transformer
   * function and the audit bucket are shared, and the function tells databases apart by the
   * delivery stream's `sourceKinesisStreamArn`.
   */
  readonly activityStreams: ActivityStreamSource[];

  // ---- The audit bucket ----

  /**
   * An existing bucket for the audit log, instead of the one the pipeline creates. The pipeline then
   * sets none of its properties: giving any of the bucket settings below with it is an error. Keep it
   * encrypted, versioned and private, and give it lifecycle rules of your own (`journal/` entries are
   * needed only until failures are re-driven).
   *
   * @default - a new bucket: SSE-S3, versioned, TLS 1.2+ only, public access blocked, access logs to a second bucket
   */
  readonly bucket?: s3.IBucket;

  /**
   * Age after which audit objects (`events/`, `firehose/`) move to `transitionStorageClass`.
   * @default Duration.days(90)
   */
  readonly transitionAfter?: Duration;

  /**
   * Storage class audit objects move to after `transitionAfter`.
   * @default s3.StorageClass.GLACIER_INSTANT_RETRIEVAL
   */
  readonly transitionStorageClass?: s3.StorageClass;

  /**
   * Age after which audit objects expire (become noncurrent versions, then are deleted after
   * `noncurrentVersionExpiration`). Must be longer than `transitionAfter`.
   * @default - audit objects never expire
   */
  readonly expireAfter?: Duration;

  /**
   * How long overwritten or deleted object versions are kept.
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;

  /**
   * How long entries of the batch journal (`journal/`) are kept. A re-drive of Firehose's error output
   * uses them to overwrite, rather than duplicate, events a failed batch left behind; keep them at least
   * as long as failures may wait to be re-driven.
   * @default Duration.days(90)
   */
  readonly journalExpiration?: Duration;

  /**
   * How long the audit bucket's server access logs are kept.
   * @default Duration.days(365)
   */
  readonly accessLogsExpiration?: Duration;

  /**
   * S3 Object Lock default retention, for write-once audit retention: every object version is
   * protected for this long. Object Lock can only be chosen when the bucket is created.
   * @example s3.ObjectLockRetention.governance(Duration.days(365))
   * @default - no Object Lock
   */
  readonly objectLockRetention?: s3.ObjectLockRetention;

  /**
   * What happens to the audit bucket and its access-logs bucket when the stack is deleted.
   * `DESTROY` fails on a bucket that still holds objects.
   * @default RemovalPolicy.RETAIN
   */
  readonly bucketRemovalPolicy?: RemovalPolicy;

  // ---- The transformer function ----

  /**
   * The transformer's code, for apps that build it themselves: a folder or zip whose `index.js` exports
   * `handler`, e.g. `lambda.Code.fromAsset('dist/transformer')`.
   * @default - this package's `lambda/handler.ts`, bundled with esbuild (needs its sources and package-lock.json)
   */
  readonly code?: lambda.Code;

  /**
   * Memory of the transformer function, in MB, from 512 to 10240. CPU scales with it, and so do its
   * per-record and per-batch memory limits.
   * @default 1769
   */
  readonly functionMemorySize?: number;

  /**
   * Timeout of the transformer function: between 60 seconds and 5 minutes, the longest Firehose waits.
   * @default Duration.minutes(2)
   */
  readonly functionTimeout?: Duration;

  /**
   * Whether the transformer opens messages of the exact format RDS writes with `node:crypto` (every
   * check the Encryption SDK makes included; anything else goes to the SDK), or sends every message
   * through the SDK (`false`).
   * @default true
   */
  readonly decryptFastPath?: boolean;

  /**
   * Log level of the transformer and the replay function (DEBUG, INFO, WARN, ERROR).
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;

  /**
   * Retention of the function's and the delivery streams' log groups.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Event classes to leave out of the audit log, e.g. `['MISC']`. Case-insensitive.
   * @default - no class is dropped
   */
  readonly dropClasses?: string[];

  /**
   * Commands to leave out of the audit log, e.g. `['SELECT']`. Case-insensitive.
   * @default - no command is dropped
   */
  readonly dropCommands?: string[];

  /**
   * Database users whose events are left out, e.g. `['rdsadmin']`. Case-insensitive.
   * @default - no user is dropped
   */
  readonly dropUsers?: string[];

  // ---- Firehose ----

  /**
   * How much data Firehose collects before it invokes the transformer (0.2 to 3 MiB).
   * @default Size.mebibytes(1)
   */
  readonly processorBufferSize?: Size;

  /**
   * How long Firehose collects data before it invokes the transformer (0 to 900 seconds).
   * @default Duration.seconds(60)
   */
  readonly processorBufferInterval?: Duration;

  /**
   * How often Firehose retries a failed invocation before the batch goes to the error output (3 to 300).
   * @default 3
   */
  readonly processorRetries?: number;

  /**
   * Destination buffer size of the Ok records delivered under `firehose/ok/` (1 to 128 MiB).
   * @default Size.mebibytes(5)
   */
  readonly deliveryBufferSize?: Size;

  /**
   * Destination buffer interval of the Ok records delivered under `firehose/ok/` (0 to 900 seconds).
   * @default Duration.seconds(300)
   */
  readonly deliveryBufferInterval?: Duration;

  // ---- Re-drive ----

  /**
   * A function that re-drives Firehose's error output through the transformer once the cause of the
   * failures is fixed (`npm run replay -- --function <name>`), with a role of its own.
   * @default true
   */
  readonly replay?: boolean;

  // ---- Queries ----

  /**
   * SQL over the audit log in Athena: a Glue database and tables with partition projection, a workgroup,
   * the named queries and a managed policy for the people who query. `false` leaves them out; an object
   * sets them.
   * @default true
   */
  readonly queries?: boolean | AuditQueriesOptions;

  // ---- Alerts ----

  /**
   * Alerting on sensitive activity: the transformer tests every kept event against the alert rules,
   * publishes each match as an event on an EventBridge bus (source `das-firehose`, detail type
   * `Database activity alert`) and counts matches in the `AlertMatches` metric; the pipeline alarms on
   * that metric per rule and sends high-severity matches to `alarmTopic`. `false` turns the rules off
   * (the function then makes no EventBridge call); an object sets them.
   * @default true
   */
  readonly alerts?: boolean | AlertsOptions;

  /**
   * CloudWatch namespace of the transformer's metrics (`Events`, `AlertMatches`), and of the alert
   * alarms. Give pipelines in the same account and region namespaces of their own, or their alarms
   * count each other's matches.
   * @default 'DasFirehose'
   */
  readonly metricsNamespace?: string;

  // ---- Alarms and the dashboard ----

  /**
   * Whether to create a CloudWatch dashboard of the pipeline's metrics: events per minute by class and by
   * database, alert matches by rule, failed records and error-output objects, delivery freshness, the
   * transformer's duration and errors.
   * @default true
   */
  readonly dashboard?: boolean;

  /**
   * Whether to create the pipeline's alarms (error output written, function errors, processing
   * failures and delivery freshness per delivery stream, and one per alert rule).
   * @default true
   */
  readonly alarms?: boolean;

  /**
   * Topic the alarms notify; high-severity alerts go to it too (see `AlertsOptions.notifyHighSeverity`).
   * A topic imported from elsewhere must let `events.amazonaws.com` publish for those.
   * @default - alarms are created without actions
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Delivery freshness alarm threshold: the age of the oldest record not yet delivered to S3.
   * @default Duration.minutes(15)
   */
  readonly freshnessAlarmThreshold?: Duration;
}

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

/** A delivery stream of the pipeline and the database it carries. */
export interface ActivityStreamDelivery {
  /** The database's resource ID (`cluster-…` or `db-…`). */
  readonly resourceId: string;
  /** The source activity stream. */
  readonly stream: kinesis.IStream;
  /** The Firehose delivery stream reading it (`deliveryStream.deliveryStreamRef` has its name and ARN). */
  readonly deliveryStream: firehoseRefs.IDeliveryStreamRef;
  /** The role Firehose assumes for this delivery stream. */
  readonly role: iam.IRole;
}
