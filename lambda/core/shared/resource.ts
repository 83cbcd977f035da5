import type { EncryptionContext } from './ports';

const STREAM_PREFIX = 'aws-rds-das-';

/**
 * The resource ID RDS named the activity stream after: `arn:…:stream/aws-rds-das-<resourceId>`.
 * Returns undefined when the ARN is not a DAS stream's.
 */
export function resourceIdFromStreamArn(streamArn: string | undefined): string | undefined {
  return streamArn ? resourceIdFromStreamName(streamArn.slice(streamArn.lastIndexOf('/') + 1)) : undefined;
}

/**
 * The resource ID in a DAS stream name, `aws-rds-das-<resourceId>`, or undefined. The CDK app reads
 * stream names with this too, so the stack and the function always agree on which database is which.
 */
export function resourceIdFromStreamName(name: string): string | undefined {
  if (!name.startsWith(STREAM_PREFIX)) return undefined;
  const resourceId = name.slice(STREAM_PREFIX.length);
  return isResourceId(resourceId) ? resourceId : undefined;
}

/** An Aurora cluster resource ID (`cluster-…`) or an RDS instance resource ID (`db-…`). */
export function isResourceId(value: string): boolean {
  return /^(cluster|db)-[A-Za-z0-9]+$/.test(value);
}

/**
 * The KMS encryption context RDS binds the record's data key to. Aurora streams at cluster level
 * (DbClusterResourceId, `cluster-…`); RDS for Oracle and SQL Server stream per instance
 * (DbiResourceId, `db-…`), under a different context key. The wrong one fails KMS Decrypt.
 */
export function encryptionContextFor(resourceId: string): EncryptionContext {
  return resourceId.startsWith('cluster-') ? { 'aws:rds:dbc-id': resourceId } : { 'aws:rds:db-id': resourceId };
}
