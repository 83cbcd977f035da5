import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * Memory for the transformer function, in MB: 1769, where Lambda gives one full vCPU.
 *
 * From the benchmark (`npm run bench`, see docs/performance.md): the transformer is CPU-bound on one
 * thread (about 1.0–1.5 ms of CPU per record unsigned, 5.7 ms for Aurora MySQL's ECDSA-signed suite;
 * I/O is about 70 ms a batch). Below one vCPU a CPU-bound batch costs the same GB-seconds at any size,
 * so 1769 MB costs about what 1024 MB does and finishes 1.7× sooner (a 3 MiB signed batch: ~10 s, not
 * ~17 s, well inside the 5-minute Firehose limit); above it the second vCPU would sit idle. Peak RSS
 * on a 3 MiB batch was 241 MiB. Re-run the benchmark when the transformer changes.
 */
export const DEFAULT_FUNCTION_MEMORY_MB = 1769;

/**
 * The least memory the transformer can bound a worst-case batch in: its per-record and per-batch limits
 * scale with memory, and below this the runtime's own share leaves no room for one record at the cap
 * (`npm run memory` peaks at 438 MiB on the worst batch at 512 MB).
 */
export const MIN_FUNCTION_MEMORY_MB = 512;

/**
 * Transformer timeout. Firehose waits at most 5 minutes for an invocation; a batch that times out
 * is retried whole, so leave room for KMS and S3 retries without approaching that cap.
 */
export const DEFAULT_FUNCTION_TIMEOUT = Duration.minutes(2);

/** Bounds Firehose puts on a transformer invocation, and the least we accept. */
export const MIN_FUNCTION_TIMEOUT = Duration.seconds(60);
export const MAX_FUNCTION_TIMEOUT = Duration.minutes(5);

/** `POWERTOOLS_SERVICE_NAME` of the transformer's log lines. */
export const SERVICE_NAME = 'das-firehose';

/** `POWERTOOLS_SERVICE_NAME` of the alert publisher: the `service` dimension of its metrics, which its alarms name. */
export const ALERT_PUBLISHER_SERVICE_NAME = 'das-firehose-alerts';

/** How often the alert publisher sweeps the outbox (and measures the backlog its alarm watches). */
export const ALERT_SWEEP_INTERVAL = Duration.minutes(5);

/** The backlog alarm: the oldest pending alert older than this means a target has been failing for that long. */
export const ALERT_BACKLOG_MAX_AGE = Duration.minutes(15);

/** Concurrent publishers at most: a burst of notifications queues (Lambda retries throttled async calls) instead of fanning out. */
export const ALERT_PUBLISHER_CONCURRENCY = 2;

/** How long overwritten or deleted versions under `alerts/` are kept: the outbox is transient. */
export const ALERTS_NONCURRENT_EXPIRATION = Duration.days(3);

/** Log level of the transformer and the replay function. */
export const DEFAULT_LOG_LEVEL = 'INFO';

/** Retention of the function's and the delivery streams' CloudWatch log groups. */
export const DEFAULT_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;

/** Firehose processor buffering: how much Firehose collects before it invokes the transformer. */
export const DEFAULT_PROCESSOR_BUFFER_SIZE = Size.mebibytes(1);
export const DEFAULT_PROCESSOR_BUFFER_INTERVAL = Duration.seconds(60);

/**
 * Invocation retries before Firehose sends a batch to the error output. The transformer's writes are
 * idempotent (deterministic keys), so a retry never duplicates events.
 */
export const DEFAULT_PROCESSOR_RETRIES = 3;
export const MIN_PROCESSOR_RETRIES = 3;
export const MAX_PROCESSOR_RETRIES = 300;

/**
 * Destination buffering of the Ok records under `firehose/ok/` (Firehose's own defaults). The
 * browsable `events/` objects do not wait for it: the transformer writes those itself.
 */
export const DEFAULT_DELIVERY_BUFFER_SIZE = Size.mebibytes(5);
export const DEFAULT_DELIVERY_BUFFER_INTERVAL = Duration.seconds(300);

/** The bucket's folders and Firehose's prefixes: plain strings, in a module the local tools can load too. */
export {
  ALERTS_PENDING_PREFIX,
  ALERTS_PREFIX,
  ALERTS_REFUSED_PREFIX,
  ALERTS_UNREADABLE_PREFIX,
  EVENTS_PREFIX,
  FIREHOSE_FAILED_ROOT,
  FIREHOSE_FILE_EXTENSION,
  FIREHOSE_OK_ROOT,
  FIREHOSE_PREFIX,
  FIREHOSE_REPLAYED_ROOT,
  FIREHOSE_UNREPLAYABLE_ROOT,
  JOURNAL_PREFIX,
  firehoseErrorOutputPrefix,
  firehoseOkPrefix,
} from './bucket-layout';

/** How long journal entries are kept: long enough to re-drive a failure after the fact. */
export const DEFAULT_JOURNAL_EXPIRATION = Duration.days(90);

/**
 * How long query results are kept: long enough to download, short enough not to pile up copies of the
 * log. They live in a bucket of their own, never under the audit bucket's Object Lock.
 */
export const DEFAULT_QUERY_RESULTS_EXPIRATION = Duration.days(30);

/**
 * The most one query may scan before Athena cancels it: 100 GiB, about $0.50 at $5 per TB. Athena reads
 * the gzip objects whole, about as many bytes as the activity stream carried: a month of a database
 * streaming 3 GB a day fits; a query that forgot its date range over years of a busy one does not.
 */
export const DEFAULT_BYTES_SCANNED_CUTOFF = Size.gibibytes(100);

/** Audit objects move to a cheaper storage class after this long. */
export const DEFAULT_TRANSITION_AFTER = Duration.days(90);
export const DEFAULT_TRANSITION_STORAGE_CLASS = s3.StorageClass.GLACIER_INSTANT_RETRIEVAL;

/** Overwritten or deleted versions are kept this long, then expire. */
export const DEFAULT_NONCURRENT_VERSION_EXPIRATION = Duration.days(30);

/** Server access logs of the audit bucket are kept this long. */
export const DEFAULT_ACCESS_LOGS_EXPIRATION = Duration.days(365);

/** Incomplete multipart uploads are cleaned up after this long. */
export const ABORT_INCOMPLETE_MULTIPART_UPLOAD_AFTER = Duration.days(7);

/** The audit bucket outlives the stack unless told otherwise. */
export const DEFAULT_BUCKET_REMOVAL_POLICY = RemovalPolicy.RETAIN;

/**
 * Delivery freshness alarm threshold: the age of the oldest record not yet delivered to S3. Three
 * destination buffer intervals leave room for one slow batch without paging anyone.
 */
export const DEFAULT_FRESHNESS_THRESHOLD = Duration.minutes(15);

/** S3 request-metrics filter that counts objects Firehose writes to the error output. */
export const ERROR_OUTPUT_METRICS_ID = 'FirehoseErrorOutput';

/**
 * Hardening of both buckets (audit and access logs) that no prop can loosen: spread last into their
 * props, after the defaults and the settings taken from the pipeline's props.
 */
export const REQUIRED_BUCKET_PROPS = {
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  versioned: true,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
} as const satisfies Partial<s3.BucketProps>;

/** Default encryption at rest: SSE-S3, which Firehose and the function need no key grants for. */
export const DEFAULT_BUCKET_ENCRYPTION = s3.BucketEncryption.S3_MANAGED;

/** Lambda runtime of the transformer: the newest Node.js line Lambda offers. */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** esbuild target matching {@link FUNCTION_RUNTIME}. */
export const FUNCTION_ESBUILD_TARGET = 'node24';

/** CloudWatch namespace of the transformer's metrics, which the alert alarms watch. */
export const DEFAULT_METRICS_NAMESPACE = 'DasFirehose';

/** The window an alert rule's matches are counted over, for its alarm. */
export const ALERT_ALARM_PERIOD = Duration.minutes(5);

/**
 * Matches in {@link ALERT_ALARM_PERIOD} that raise a rule's alarm, where the rule has no threshold of its
 * own: privilege changes, destructive DDL and a privileged user's activity are rare and deliberate, so
 * one is worth a look.
 */
export const DEFAULT_ALERT_THRESHOLD = 1;

/**
 * Rules whose default threshold is not {@link DEFAULT_ALERT_THRESHOLD}: one mistyped password is routine,
 * five failed logins in five minutes look like guessing.
 */
export const DEFAULT_ALERT_THRESHOLDS: Readonly<Record<string, number>> = { 'failed-login': 5 };

/** The most SQL text an alert may carry, in characters: the transformer's own limit. */
export { MAX_ALERT_SQL_TEXT_CHARS } from '../lambda/settings/definitions';

/** Lambda's limit on a function's environment: keys and values together, in bytes. */
export const MAX_FUNCTION_ENVIRONMENT_BYTES = 4096;
