/**
 * A database as the activity stream sees it: an Aurora cluster (PostgreSQL, MySQL), which streams at
 * cluster level under its `cluster-…` resource ID, or an RDS for Oracle / SQL Server instance, which
 * streams under its `db-…` resource ID. The names here are RDS's own.
 */

export type DatabaseKind = 'cluster' | 'instance';

/** `ActivityStreamStatus` as RDS reports it. */
export type StreamStatus = 'stopped' | 'starting' | 'started' | 'stopping';

export type StreamMode = 'sync' | 'async';

export interface DatabaseDescription {
  readonly kind: DatabaseKind;
  readonly identifier: string;
  readonly arn: string;
  /** `DbClusterResourceId` (`cluster-…`) or `DbiResourceId` (`db-…`): the records' encryption context. */
  readonly resourceId: string;
  readonly engine: string;
  readonly engineVersion: string;
  /** The instance's class; for a cluster, its writer's when known. */
  readonly instanceClass?: string;
  /** The database's own status (`available`, `stopped`, `modifying`, …). */
  readonly status: string;
  /** For an Aurora instance: the cluster it belongs to (whose stream it is). */
  readonly clusterIdentifier?: string;
  readonly stream: {
    readonly status: StreamStatus;
    readonly mode?: string;
    /** As it was given to StartActivityStream: a key ARN, key ID, alias name or alias ARN. */
    readonly kmsKeyId?: string;
    readonly name?: string;
  };
}

/** What a `-c database=` value names: an RDS ARN (kind and region known) or an identifier (either kind). */
export interface DatabaseRef {
  readonly text: string;
  readonly arn?: { readonly partition: string; readonly region: string; readonly account: string; readonly kind: DatabaseKind; readonly name: string };
}

const RDS_ARN = /^arn:(aws[a-z-]*):rds:([a-z0-9-]+):(\d{12}):(cluster|db):([A-Za-z][A-Za-z0-9-]*)$/;
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9-]{0,62}$/;

/** Reads a database identifier or ARN; undefined when it can be neither. */
export function parseDatabaseRef(text: string): DatabaseRef | undefined {
  const arn = RDS_ARN.exec(text);
  if (arn) {
    const [, partition, region, account, type, name] = arn as unknown as [string, string, string, string, string, string];
    return { text, arn: { partition, region, account, kind: type === 'cluster' ? 'cluster' : 'instance', name } };
  }
  return IDENTIFIER.test(text) && !text.includes('--') && !text.endsWith('-') ? { text } : undefined;
}

/** The KMS encryption context key of the records: Aurora clusters `aws:rds:dbc-id`, RDS instances `aws:rds:db-id`. */
export function contextKeyFor(database: Pick<DatabaseDescription, 'resourceId'>): 'aws:rds:dbc-id' | 'aws:rds:db-id' {
  return database.resourceId.startsWith('cluster-') ? 'aws:rds:dbc-id' : 'aws:rds:db-id';
}

/** The parts of an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export function arnParts(arn: string): { partition: string; region: string; account: string } {
  const [, partition = 'aws', , region = '', account = ''] = arn.split(':');
  return { partition, region, account };
}

/** Whether a KMS key ID is already a key ARN (and needs no DescribeKey to become one). */
export function isKeyArn(keyId: string): boolean {
  return /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(keyId);
}
