import { Duration, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import * as defaults from '../defaults';
import type { DasFirehosePipelineProps } from './props';

/** The audit bucket as the pipeline has it. */
export interface AuditBucket {
  readonly bucket: s3.IBucket;
  /** The bucket receiving the audit bucket's server access logs, when the pipeline created both. */
  readonly accessLogsBucket?: s3.IBucket;
  /**
   * The S3 request-metrics filter counting objects Firehose writes to its error output, when the pipeline
   * created the bucket (a bucket the caller brings keeps its own metrics configuration).
   */
  readonly errorOutputMetricsId?: string;
}

/**
 * The audit bucket: `events/` (the audit log), `firehose/` (Firehose's copy and its error output),
 * `journal/` (the transformer's batch journal). Created hardened, with a second bucket for its server
 * access logs, or taken as the caller gives it. Built in the pipeline's own scope, so that the buckets
 * keep their logical IDs across versions of this construct (a new ID would replace the audit bucket).
 */
export function auditBucket(scope: Construct, props: DasFirehosePipelineProps): AuditBucket {
  if (props.bucket) return { bucket: props.bucket };
  const accessLogsBucket = new s3.Bucket(scope, 'AccessLogsBucket', {
    // Server access log delivery supports SSE-S3 only on the target bucket.
    encryption: s3.BucketEncryption.S3_MANAGED,
    removalPolicy: props.bucketRemovalPolicy ?? defaults.DEFAULT_BUCKET_REMOVAL_POLICY,
    lifecycleRules: [
      {
        id: 'ExpireAccessLogs',
        expiration: props.accessLogsExpiration ?? defaults.DEFAULT_ACCESS_LOGS_EXPIRATION,
        noncurrentVersionExpiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: defaults.ABORT_INCOMPLETE_MULTIPART_UPLOAD_AFTER,
      },
    ],
    ...defaults.REQUIRED_BUCKET_PROPS,
  });
  Validations.of(accessLogsBucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason:
      'This bucket is the target of the audit bucket\'s server access logs; logging it to itself would loop ' +
      'and logging it elsewhere only moves the finding. It is reachable by the S3 log delivery service only.',
  });

  // The audit log and Firehose's output (its copy of the events and the records it could not
  // deliver) are kept alike; the journal is only needed until failures are re-driven.
  const retained = (ruleId: string, prefix: string): s3.LifecycleRule => ({
    id: ruleId,
    prefix,
    transitions: [
      {
        storageClass: props.transitionStorageClass ?? defaults.DEFAULT_TRANSITION_STORAGE_CLASS,
        transitionAfter: props.transitionAfter ?? defaults.DEFAULT_TRANSITION_AFTER,
      },
    ],
    ...(props.expireAfter ? { expiration: props.expireAfter } : {}),
    noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? defaults.DEFAULT_NONCURRENT_VERSION_EXPIRATION,
  });
  const bucket = new s3.Bucket(scope, 'Bucket', {
    encryption: defaults.DEFAULT_BUCKET_ENCRYPTION,
    removalPolicy: props.bucketRemovalPolicy ?? defaults.DEFAULT_BUCKET_REMOVAL_POLICY,
    lifecycleRules: [
      retained('AuditEvents', defaults.EVENTS_PREFIX),
      retained('FirehoseOutput', defaults.FIREHOSE_PREFIX),
      {
        id: 'BatchJournal',
        prefix: defaults.JOURNAL_PREFIX,
        expiration: props.journalExpiration ?? defaults.DEFAULT_JOURNAL_EXPIRATION,
        noncurrentVersionExpiration: Duration.days(1),
      },
      // The alert outbox is transient: an object lives until the publisher sends it (minutes), and the
      // versions it leaves behind (sent, set aside, overwritten by a retried batch) go after a few days.
      { id: 'AlertOutbox', prefix: defaults.ALERTS_PREFIX, noncurrentVersionExpiration: defaults.ALERTS_NONCURRENT_EXPIRATION },
      { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: defaults.ABORT_INCOMPLETE_MULTIPART_UPLOAD_AFTER },
      // Once every version of an expired object is gone, its delete marker is removed too.
      { id: 'ExpiredDeleteMarkers', expiredObjectDeleteMarker: true },
    ],
    serverAccessLogsBucket: accessLogsBucket,
    serverAccessLogsPrefix: 'audit-bucket/',
    // Counts the objects Firehose writes to the error output, for the processing-failures alarm.
    metrics: [{ id: defaults.ERROR_OUTPUT_METRICS_ID, prefix: defaults.FIREHOSE_FAILED_ROOT }],
    ...(props.objectLockRetention ? { objectLockEnabled: true, objectLockDefaultRetention: props.objectLockRetention } : {}),
    ...defaults.REQUIRED_BUCKET_PROPS,
  });
  return { bucket, accessLogsBucket, errorOutputMetricsId: defaults.ERROR_OUTPUT_METRICS_ID };
}
