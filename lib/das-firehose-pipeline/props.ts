import type { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { AlertsOptions, AuditQueriesOptions, LogLevel } from './options';
import type { ActivityStreamSource } from './sources';

export { AlertSeverity, BuiltInAlertRule, LogLevel } from './options';
export type { AlertCondition, AlertEngine, AlertsOptions, AuditQueriesOptions, CustomAlertRule } from './options';
export type { ActivityStreamDelivery, ActivityStreamSource, EncryptionContextKey } from './sources';

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
   * The functions' code, for apps that build it themselves: a folder or zip whose `index.js` exports every
   * entry point of `lambda/handler.ts` (`handler`, `replayHandler`, `alertPublisherHandler`,
   * `databaseSourceOnEvent`, `databaseSourceIsComplete`), e.g. `lambda.Code.fromAsset('dist/functions')`.
   * @default - this package's sources bundled with esbuild: the transformer from `lambda/transformer-entry.ts`,
   * the other functions from `lambda/handler.ts` (needs the sources and package-lock.json)
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
