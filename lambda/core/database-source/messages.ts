import type { DatabaseDescription } from './database';
import type { StreamSupport } from './support';

/**
 * What a deployment that cannot go on tells the person running it: what is wrong, in RDS's terms,
 * and the command that fixes it. CloudFormation shows these messages as the resource's failure reason.
 */

/** A database source cannot be resolved or started; the message says what to do. */
export class DatabaseSourceError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DatabaseSourceError';
  }
}

/** "Aurora cluster my-db" / "RDS instance my-ora": how RDS's console would name it. */
export function describeDatabase(database: Pick<DatabaseDescription, 'kind' | 'identifier' | 'engine'>): string {
  return database.kind === 'cluster' ? `${database.engine.startsWith('aurora') ? 'Aurora ' : ''}cluster ${database.identifier}` : `RDS instance ${database.identifier}`;
}

/** The AWS CLI command that starts the stream, with the mode the engine allows. */
export function startCommand(database: Pick<DatabaseDescription, 'arn'>, region: string, kmsKeyId = '<customer managed KMS key ARN>'): string {
  return `aws rds start-activity-stream --region ${region} --resource-arn ${database.arn} --mode async --kms-key-id ${kmsKeyId} --apply-immediately`;
}

export function notStartedMessage(database: DatabaseDescription, region: string): string {
  return (
    `The activity stream of ${describeDatabase(database)} (${database.arn}) is ${database.stream.status}, so there is nothing to deliver. ` +
    `Start it and wait until describe-db-${database.kind === 'cluster' ? 'clusters' : 'instances'} shows ActivityStreamStatus "started", then deploy again: ` +
    `${startCommand(database, region)} ` +
    `(this applies now and restarts the database; the key must be a customer managed key, not aws/rds). ` +
    `Or let the stack start it: npx cdk deploy -c database=${database.arn} -c startActivityStream=true`
  );
}

export function notFoundMessage(text: string, region: string): string {
  return (
    `No Aurora cluster or RDS instance "${text}" in ${region}: DescribeDBClusters and DescribeDBInstances found none. ` +
    `Check the identifier (or give its ARN) and that the stack deploys to the database's region; ` +
    `npm run doctor -- --all --region ${region} lists the region's databases.`
  );
}

export function otherRegionMessage(arn: string, databaseRegion: string, region: string): string {
  return (
    `Database ${arn} is in ${databaseRegion}, but this stack deploys to ${region}. An activity stream, its Kinesis stream and its KMS key ` +
    `live in the database's region: deploy the stack to ${databaseRegion} (e.g. AWS_REGION=${databaseRegion} npx cdk deploy -c database=${arn}).`
  );
}

export function unsupportedMessage(database: DatabaseDescription, support: StreamSupport): string {
  return `${describeDatabase(database)} (${database.engine} ${database.engineVersion}${database.instanceClass ? `, ${database.instanceClass}` : ''}) cannot have a database activity stream: ${support.blockers.join('; ')}. See ${support.docs}`;
}

export function auroraInstanceMessage(database: DatabaseDescription): string {
  return (
    `${database.identifier} is an instance of Aurora cluster ${database.clusterIdentifier}: Aurora streams activity for the whole cluster. ` +
    `Give the cluster instead: -c database=${database.clusterIdentifier}`
  );
}
