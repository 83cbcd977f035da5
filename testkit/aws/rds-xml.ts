import type { LocalDatabase } from './rds-databases';

/**
 * The XML the RDS Query protocol answers with: elements named after the model's members, a list as
 * its wrapper element holding one element per item (`<DBClusters><DBCluster>…`), absent members left out.
 */

/** A value to write: text, a number or boolean, a nested structure, a list (repeated element), or nothing. */
export type Xml = string | number | boolean | undefined | readonly Xml[] | { readonly [member: string]: Xml };

const NAMESPACE = 'http://rds.amazonaws.com/doc/2014-10-31/';

/** `<name>…</name>` for a value; with `root`, the RDS namespace is declared and an XML prolog is not (RDS sends none). */
export function xml(name: string, value: Xml, root = false): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((item: Xml) => xml(name, item)).join('');
  const open = root ? `<${name} xmlns="${NAMESPACE}">` : `<${name}>`;
  if (typeof value === 'object') {
    const inner = Object.entries(value as Record<string, Xml>)
      .map(([member, item]) => xml(member, item))
      .join('');
    return `${open}${inner}</${name}>`;
  }
  return `${open}${escape(String(value))}</${name}>`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A `<DBCluster>` as DescribeDBClusters writes it (the members this project reads, and a few a person would look for). */
export function clusterXml(database: LocalDatabase): Xml {
  return {
    DBClusterIdentifier: database.identifier,
    DBClusterArn: database.arn,
    DbClusterResourceId: database.resourceId,
    Engine: database.engine,
    EngineVersion: database.engineVersion,
    EngineMode: 'provisioned',
    Status: database.status,
    StorageEncrypted: true,
    DBClusterMembers: { DBClusterMember: [{ DBInstanceIdentifier: database.writerIdentifier, IsClusterWriter: true }] },
    ServerlessV2ScalingConfiguration: database.instanceClass === 'db.serverless' ? { MinCapacity: 0.5, MaxCapacity: 8 } : undefined,
    ...activityStream(database),
  };
}

/**
 * A `<DBInstance>` as DescribeDBInstances writes it: an RDS instance with its activity stream, or an
 * Aurora cluster's writer, which names its cluster and streams through it.
 */
export function instanceXml(database: LocalDatabase, writer: boolean): Xml {
  if (writer) {
    return {
      DBInstanceIdentifier: database.writerIdentifier,
      DBInstanceClass: database.instanceClass,
      Engine: database.engine,
      DBInstanceStatus: database.status,
      EngineVersion: database.engineVersion,
      DBClusterIdentifier: database.identifier,
      DBInstanceArn: `arn:aws:rds:${database.region}:${database.account}:db:${database.writerIdentifier}`,
      DbiResourceId: database.writerResourceId,
    };
  }
  return {
    DBInstanceIdentifier: database.identifier,
    DBInstanceClass: database.instanceClass,
    Engine: database.engine,
    DBInstanceStatus: database.status,
    EngineVersion: database.engineVersion,
    DBInstanceArn: database.arn,
    DbiResourceId: database.resourceId,
    ...activityStream(database),
    ActivityStreamEngineNativeAuditFieldsIncluded: database.streamStatus === 'stopped' ? undefined : false,
    // Oracle and SQL Server lock their audit policy while the stream runs.
    ActivityStreamPolicyStatus: database.streamStatus === 'stopped' ? undefined : 'locked',
  };
}

function activityStream(database: LocalDatabase): Record<string, Xml> {
  return {
    ActivityStreamMode: database.streamMode,
    ActivityStreamStatus: database.streamStatus,
    ActivityStreamKmsKeyId: database.streamKmsKeyId,
    ActivityStreamKinesisStreamName: database.streamName,
  };
}
