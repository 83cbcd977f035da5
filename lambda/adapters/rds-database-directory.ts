import {
  DBClusterNotFoundFault,
  DBInstanceNotFoundFault,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSServiceException,
  StartActivityStreamCommand,
  StopActivityStreamCommand,
  type DBCluster,
  type DBInstance,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { DatabaseDescription, StreamStatus } from '../core/database-source/database';
import { RefusedError, type DatabaseDirectory } from '../core/database-source/ports';

/**
 * The database source's view of RDS: DescribeDBClusters / DescribeDBInstances by identifier or ARN
 * (an unknown one is `undefined`, not an error), and Start/StopActivityStream applied immediately.
 * A refusal RDS explains (a client fault: wrong state, key, engine, permission) becomes a
 * {@link RefusedError}; throttling past the SDK's retries and network failures propagate as they are.
 */
export class RdsDatabaseDirectory implements DatabaseDirectory {
  constructor(private readonly rds: RDSClient) {}

  async cluster(identifierOrArn: string): Promise<DatabaseDescription | undefined> {
    try {
      const { DBClusters } = await this.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifierOrArn }));
      const cluster = DBClusters?.[0];
      return cluster ? await this.fromCluster(cluster) : undefined;
    } catch (error) {
      if (error instanceof DBClusterNotFoundFault) return undefined;
      throw refused(error);
    }
  }

  async instance(identifierOrArn: string): Promise<DatabaseDescription | undefined> {
    try {
      const { DBInstances } = await this.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifierOrArn }));
      const instance = DBInstances?.[0];
      return instance ? fromInstance(instance) : undefined;
    } catch (error) {
      if (error instanceof DBInstanceNotFoundFault) return undefined;
      throw refused(error);
    }
  }

  async list(): Promise<DatabaseDescription[]> {
    const found: DatabaseDescription[] = [];
    const instances: DBInstance[] = [];
    try {
      let marker: string | undefined;
      do {
        const page = await this.rds.send(new DescribeDBInstancesCommand({ Marker: marker }));
        instances.push(...(page.DBInstances ?? []));
        marker = page.Marker;
      } while (marker);
      do {
        const page = await this.rds.send(new DescribeDBClustersCommand({ Marker: marker }));
        for (const cluster of page.DBClusters ?? []) found.push(describeCluster(cluster, writerClass(cluster, instances)));
        marker = page.Marker;
      } while (marker);
    } catch (error) {
      throw refused(error);
    }
    // Aurora instances stream through their cluster: the list names each database once.
    return [...found, ...instances.filter((instance) => !instance.DBClusterIdentifier).map(fromInstance)];
  }

  async startActivityStream(request: { arn: string; mode: 'sync' | 'async'; kmsKeyId: string }): Promise<void> {
    try {
      await this.rds.send(new StartActivityStreamCommand({ ResourceArn: request.arn, Mode: request.mode, KmsKeyId: request.kmsKeyId, ApplyImmediately: true }));
    } catch (error) {
      throw refused(error);
    }
  }

  async stopActivityStream(arn: string): Promise<void> {
    try {
      await this.rds.send(new StopActivityStreamCommand({ ResourceArn: arn, ApplyImmediately: true }));
    } catch (error) {
      throw refused(error);
    }
  }

  /** A cluster and, for the support check, its writer's instance class (one more describe). */
  private async fromCluster(cluster: DBCluster): Promise<DatabaseDescription> {
    const writer = cluster.DBClusterMembers?.find((member) => member.IsClusterWriter)?.DBInstanceIdentifier;
    let instanceClass = cluster.DBClusterInstanceClass;
    if (!instanceClass && writer) {
      try {
        const { DBInstances } = await this.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: writer }));
        instanceClass = DBInstances?.[0]?.DBInstanceClass;
      } catch (error) {
        // The class only sharpens the support check: a role allowed to describe the cluster alone still goes on.
        if (!(error instanceof RDSServiceException && error.$fault === 'client')) throw error;
      }
    }
    return describeCluster(cluster, instanceClass);
  }
}

function writerClass(cluster: DBCluster, instances: readonly DBInstance[]): string | undefined {
  const writer = cluster.DBClusterMembers?.find((member) => member.IsClusterWriter)?.DBInstanceIdentifier;
  return cluster.DBClusterInstanceClass ?? instances.find((instance) => instance.DBInstanceIdentifier === writer)?.DBInstanceClass;
}

function describeCluster(cluster: DBCluster, instanceClass: string | undefined): DatabaseDescription {
  return {
    kind: 'cluster',
    identifier: cluster.DBClusterIdentifier ?? '',
    arn: cluster.DBClusterArn ?? '',
    resourceId: cluster.DbClusterResourceId ?? '',
    engine: cluster.Engine ?? '',
    engineVersion: cluster.EngineVersion ?? '',
    ...(instanceClass ? { instanceClass } : {}),
    status: cluster.Status ?? '',
    stream: stream(cluster.ActivityStreamStatus, cluster.ActivityStreamMode, cluster.ActivityStreamKmsKeyId, cluster.ActivityStreamKinesisStreamName),
  };
}

function fromInstance(instance: DBInstance): DatabaseDescription {
  return {
    kind: 'instance',
    identifier: instance.DBInstanceIdentifier ?? '',
    arn: instance.DBInstanceArn ?? '',
    resourceId: instance.DbiResourceId ?? '',
    engine: instance.Engine ?? '',
    engineVersion: instance.EngineVersion ?? '',
    ...(instance.DBInstanceClass ? { instanceClass: instance.DBInstanceClass } : {}),
    status: instance.DBInstanceStatus ?? '',
    ...(instance.DBClusterIdentifier ? { clusterIdentifier: instance.DBClusterIdentifier } : {}),
    stream: stream(instance.ActivityStreamStatus, instance.ActivityStreamMode, instance.ActivityStreamKmsKeyId, instance.ActivityStreamKinesisStreamName),
  };
}

function stream(status: string | undefined, mode: string | undefined, kmsKeyId: string | undefined, name: string | undefined): DatabaseDescription['stream'] {
  const known: readonly string[] = ['stopped', 'starting', 'started', 'stopping'];
  return {
    // A database that never had a stream may report none at all: that is stopped.
    status: (status && known.includes(status) ? status : 'stopped') as StreamStatus,
    ...(mode ? { mode } : {}),
    ...(kmsKeyId ? { kmsKeyId } : {}),
    ...(name ? { name } : {}),
  };
}

/** A client fault RDS explained becomes a RefusedError with its code; anything else is left as it is. */
function refused(error: unknown): unknown {
  if (error instanceof RDSServiceException && error.$fault === 'client') return new RefusedError(error.name, error.message, { cause: error });
  return error;
}
