import type { EncryptionContext } from '../ports';

const STREAM_PREFIX = 'aws-rds-das-';

/**
 * The resource ID RDS named the activity stream after: `arn:…:stream/aws-rds-das-<resourceId>`.
 * Returns undefined when the ARN is not a DAS stream's.
 */
export function resourceIdFromStreamArn(streamArn: string | undefined): string | undefined {
  if (!streamArn) return undefined;
  const name = streamArn.slice(streamArn.lastIndexOf('/') + 1);
  if (!name.startsWith(STREAM_PREFIX)) return undefined;
  const resourceId = name.slice(STREAM_PREFIX.length);
  return isResourceId(resourceId) ? resourceId : undefined;
}

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
