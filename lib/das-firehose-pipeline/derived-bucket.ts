import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import * as defaults from '../defaults';

/** Where a bucket of derived data goes, and what it is for. */
export interface DerivedDataBucketProps {
  /** The audit bucket: its key, when it has one, encrypts the derived data too. */
  readonly auditBucket: s3.IBucket;
  readonly accessLogsBucket?: s3.IBucket;
  readonly removalPolicy?: RemovalPolicy;
  /** The prefix of this bucket's access logs in the access-logs bucket. */
  readonly accessLogsPrefix: string;
  /** Lifecycle rules of its own; expired delete markers are always cleaned up. */
  readonly lifecycleRules: readonly s3.LifecycleRule[];
  /** What the bucket holds and who writes it: the reason given when there is nowhere to send access logs. */
  readonly holds: string;
}

/**
 * A bucket for data derived from the audit log (query results, the all_events table): kept apart from the
 * audit bucket so that its Object Lock never applies to files that must be deleted, encrypted with the
 * audit bucket's key when it has one, and hardened like it.
 */
export function derivedDataBucket(scope: Construct, id: string, props: DerivedDataBucketProps): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    ...(props.auditBucket.encryptionKey
      ? { encryption: s3.BucketEncryption.KMS, encryptionKey: props.auditBucket.encryptionKey, bucketKeyEnabled: true }
      : { encryption: defaults.DEFAULT_BUCKET_ENCRYPTION }),
    removalPolicy: props.removalPolicy ?? defaults.DEFAULT_BUCKET_REMOVAL_POLICY,
    lifecycleRules: [...props.lifecycleRules, { id: 'ExpiredDeleteMarkers', expiredObjectDeleteMarker: true }],
    ...(props.accessLogsBucket ? { serverAccessLogsBucket: props.accessLogsBucket, serverAccessLogsPrefix: props.accessLogsPrefix } : {}),
    ...defaults.REQUIRED_BUCKET_PROPS,
  });
  if (!props.accessLogsBucket) {
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: `With an existing audit bucket the pipeline has no access-logs bucket to send these logs to; ${props.holds}`,
    });
  }
  return bucket;
}
