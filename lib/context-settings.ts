import type * as logs from 'aws-cdk-lib/aws-logs';
import { DATABASE_CONTEXT_KEYS, type DatabaseSettings } from './database-context';
import * as defaults from './defaults';

/** What the app reads from CDK context, parsed (lib/context.ts parses it; the stack turns it into props). */

/** One activity stream as the context describes it. */
export interface ActivityStreamSettings {
  /** `arn:aws:kinesis:<region>:<account>:stream/aws-rds-das-<resourceId>` */
  readonly streamArn: string;
  /** `arn:aws:kms:<region>:<account>:key/<key-id>` */
  readonly keyArn: string;
  /** Given only with the `resourceId` context key. */
  readonly resourceId?: string;
}

/** Write-once retention of the audit bucket. */
export interface ObjectLockSettings {
  readonly mode: 'GOVERNANCE' | 'COMPLIANCE';
  readonly days: number;
}

/**
 * The bus alerts go to: the account's default bus, one the stack creates, or an existing one by name
 * (this account and region) or by ARN.
 */
export type AlertEventBusSetting = { readonly kind: 'default' } | { readonly kind: 'create' } | { readonly kind: 'name'; readonly name: string } | { readonly kind: 'arn'; readonly arn: string };

/**
 * What the app reads from CDK context, parsed: strings turned into lists, numbers and enums. Whether the
 * values make a pipeline (ranges, combinations) is the construct's to say (see `checkPipelineProps`).
 */
export interface DasFirehoseSettings {
  /** Given by dasStreamArn and kmsKeyArn; empty with `database`. */
  readonly activityStreams: ActivityStreamSettings[];
  /** Given by `database`: the databases whose streams the stack finds at deployment. */
  readonly database?: DatabaseSettings;
  /** The region every stream, key and database ARN is in: the stack must be deployed there. Empty when only identifiers name the databases. */
  readonly region: string;
  readonly dropClasses?: string[];
  readonly dropCommands?: string[];
  readonly dropUsers?: string[];
  readonly transitionAfterDays?: number;
  readonly expireAfterDays?: number;
  readonly noncurrentExpireAfterDays?: number;
  readonly accessLogsExpireAfterDays?: number;
  readonly journalExpireAfterDays?: number;
  readonly objectLock?: ObjectLockSettings;
  readonly logRetentionDays?: logs.RetentionDays;
  readonly functionMemoryMb?: number;
  readonly logLevel?: string;
  readonly alarmEmail?: string;
  readonly alarmTopicArn?: string;
  /** false leaves the Athena tables, workgroup and named queries out. */
  readonly queries?: boolean;
  /** false leaves the replay function out. */
  readonly replay?: boolean;
  /** false leaves the dashboard out. */
  readonly dashboard?: boolean;
  /** false sends every record through the Encryption SDK. */
  readonly decryptFastPath?: boolean;
  readonly queryBytesScannedCutoffGb?: number;
  /** false turns the alert rules off. */
  readonly alerts?: boolean;
  readonly alertsDisabled?: string[];
  readonly privilegedUsers?: string[];
  /** The parsed JSON of `alertRules`; the construct checks its shape. */
  readonly alertRules?: unknown;
  readonly alertThresholds?: Record<string, number>;
  readonly alertEventBus?: AlertEventBusSetting;
  readonly alertSqlTextChars?: number;
  /** true sends every alert to Security Hub as a finding too. */
  readonly securityHub?: boolean;
}

/** The context keys the app reads, with what each means. docs/configuration.md shows the same table. */
export const STACK_CONTEXT_KEYS = {
  ...DATABASE_CONTEXT_KEYS,
  dasStreamArn: 'Required unless database is given. The activity stream\'s Kinesis stream ARN (…:stream/aws-rds-das-<resourceId>); a comma list for several databases.',
  kmsKeyArn: 'Required with dasStreamArn. The KMS key ARN the activity stream was started with; one for all streams, or a comma list with one per stream.',
  transitionAfterDays: 'Optional. Days before audit objects move to Glacier Instant Retrieval. Default 90.',
  expireAfterDays: 'Optional. Days before audit objects expire. Default: never.',
  noncurrentExpireAfterDays: 'Optional. Days overwritten or deleted versions are kept. Default 30.',
  accessLogsExpireAfterDays: 'Optional. Days the bucket\'s server access logs are kept. Default 365.',
  journalExpireAfterDays: 'Optional. Days entries of the batch journal (journal/) are kept. Default 90.',
  objectLockDays: 'Optional. Enables S3 Object Lock with this default retention, in days (new buckets only).',
  objectLockMode: 'Optional. GOVERNANCE (default) or COMPLIANCE; needs objectLockDays.',
  logRetentionDays: 'Optional. Retention of the function and Firehose log groups, a CloudWatch Logs value. Default 90.',
  functionMemoryMb: `Optional. Transformer memory in MB, ${defaults.MIN_FUNCTION_MEMORY_MB} or more. Default ${defaults.DEFAULT_FUNCTION_MEMORY_MB}.`,
  alarmEmail: 'Optional. E-mail address the alarms notify (creates an SNS topic).',
  alarmTopicArn: 'Optional. Existing SNS topic ARN the alarms notify.',
  queries: 'Optional. false leaves out the Athena tables, workgroup and named queries. Default true.',
  replay: 'Optional. false leaves out the replay function that re-drives the error output. Default true.',
  dashboard: 'Optional. false leaves out the CloudWatch dashboard of the pipeline. Default true.',
  queryBytesScannedCutoffGb: 'Optional. The most one Athena query may scan, in GiB (at least 1). Default 100.',
  alerts: 'Optional. false turns the alert rules off: no EventBridge events, alert alarms or high-severity e-mails. Default true.',
  alertThresholds: 'Optional. Matches in 5 minutes that raise a rule\'s alarm, as rule=count pairs (0: no alarm). Default failed-login=5, others 1.',
  alertEventBus: 'Optional. Where alerts go: default (the account\'s default bus), create (a new bus), or a bus name or ARN. Default default.',
} as const;
