import { arnParts, contextKeyFor, isKeyArn, parseDatabaseRef, type DatabaseDescription } from './database';
import { auroraInstanceMessage, DatabaseSourceError, describeDatabase, notFoundMessage, notStartedMessage, otherRegionMessage, unsupportedMessage } from './messages';
import { RefusedError, type DatabaseDirectory, type KeyDirectory } from './ports';
import { physicalIdFor, readPhysicalId, type SourceProperties } from './properties';
import { streamSupport } from './support';

/**
 * From a database to the activity stream the pipeline reads: the custom resource's three steps.
 * `prepare` (onEvent: Create, Update) finds the database and starts its stream when asked; `settle`
 * (isComplete) waits for `started` and answers the stream's name, key and resource ID; `release`
 * (onEvent: Delete) stops the stream only when asked to and when this stack started it.
 */

export interface DatabaseSourceDeps {
  readonly databases: DatabaseDirectory;
  readonly keys: KeyDirectory;
  /** The stack's region (the function's AWS_REGION). */
  readonly region: string;
  /** IDs and reasons only. */
  readonly log: (message: string, fields?: Readonly<Record<string, string>>) => void;
}

/** What the stack reads (`Fn::GetAtt`); short strings, well inside CloudFormation's 4 KB response cap. */
export interface SourceData {
  readonly StreamName: string;
  readonly StreamArn: string;
  readonly KeyArn: string;
  readonly ResourceId: string;
  readonly Engine: string;
  readonly ContextKey: 'aws:rds:dbc-id' | 'aws:rds:db-id';
  readonly DatabaseArn: string;
  readonly Mode: string;
  readonly StartedByStack: 'true' | 'false';
}

/** Finds the database an identifier or ARN names, in the stack's region, and checks it can stream. */
export async function locateDatabase(text: string, deps: DatabaseSourceDeps): Promise<DatabaseDescription> {
  const ref = parseDatabaseRef(text);
  if (!ref) throw new DatabaseSourceError(`"${text}" is not a DB cluster or DB instance identifier or ARN`);
  if (ref.arn && ref.arn.region !== deps.region) throw new DatabaseSourceError(otherRegionMessage(text, ref.arn.region, deps.region));
  let database: DatabaseDescription | undefined;
  if (ref.arn?.kind === 'cluster') database = await deps.databases.cluster(text);
  else if (ref.arn?.kind === 'instance') database = await deps.databases.instance(text);
  else database = (await deps.databases.cluster(text)) ?? (await deps.databases.instance(text));
  if (!database) throw new DatabaseSourceError(notFoundMessage(text, deps.region));
  if (database.kind === 'instance' && database.clusterIdentifier) throw new DatabaseSourceError(auroraInstanceMessage(database));
  const support = streamSupport(database);
  // A running stream settles the question; otherwise the documented blockers explain what RDS would refuse.
  if (database.stream.status === 'stopped' && support.blockers.length > 0) throw new DatabaseSourceError(unsupportedMessage(database, support));
  return database;
}

/** onEvent for Create and Update: the physical ID, after starting the stream if asked and needed. */
export async function prepare(
  request: { readonly properties: SourceProperties; readonly old?: SourceProperties; readonly physicalId?: string },
  deps: DatabaseSourceDeps,
): Promise<string> {
  const { properties } = request;
  const database = await locateDatabase(properties.database, deps);
  const previous = readPhysicalId(request.physicalId);
  const startedByStack = previous.startedByStack && previous.arn === database.arn;
  const fields = { database: database.arn, stream: database.stream.status };
  switch (database.stream.status) {
    case 'started':
      if (request.old && properties.startActivityStream) await refuseChange(database, properties, request.old, deps);
      deps.log('activity stream is started', fields);
      return physicalIdFor(database.arn, startedByStack);
    case 'starting':
      deps.log('activity stream is starting: waiting for it', fields);
      return physicalIdFor(database.arn, startedByStack);
    case 'stopping':
      throw new DatabaseSourceError(
        `The activity stream of ${describeDatabase(database)} (${database.arn}) is stopping. Wait until it is stopped, then deploy again${properties.startActivityStream ? ' (the stack will start it)' : ' with -c startActivityStream=true, or start it yourself'}.`,
      );
    default:
      if (!properties.startActivityStream) throw new DatabaseSourceError(notStartedMessage(database, deps.region));
      await startStream(database, properties, deps);
      deps.log('activity stream start requested', fields);
      return physicalIdFor(database.arn, true);
  }
}

async function startStream(database: DatabaseDescription, properties: SourceProperties, deps: DatabaseSourceDeps): Promise<void> {
  const name = `${describeDatabase(database)} (${database.arn})`;
  if (properties.mode === 'sync' && !streamSupport(database).modes.includes('sync')) {
    throw new DatabaseSourceError(`${name} runs ${database.engine}, whose activity streams are asynchronous only: set activityStreamMode to async (sync is for Aurora PostgreSQL).`);
  }
  if (!properties.kmsKeyArn) throw new DatabaseSourceError(`Starting the activity stream of ${name} needs a customer managed KMS key: give KmsKeyArn (-c activityStreamKeyArn=…).`);
  try {
    await deps.databases.startActivityStream({ arn: database.arn, mode: properties.mode, kmsKeyId: properties.kmsKeyArn });
  } catch (error) {
    if (!(error instanceof RefusedError)) throw error;
    if (error.code === 'KMSKeyNotAccessibleFault') {
      throw new DatabaseSourceError(
        `RDS cannot use KMS key ${properties.kmsKeyArn} to start the activity stream of ${name}: ${error.message} ` +
          `The key must be a customer managed symmetric key in ${deps.region} (not aws/rds), enabled, and the custom resource's role needs kms:CreateGrant and kms:DescribeKey on it: RDS makes a grant on the caller's behalf.`,
        { cause: error },
      );
    }
    if (/^InvalidDB(Cluster|Instance)State/.test(error.code)) {
      throw new DatabaseSourceError(`RDS starts an activity stream only on an available database, and ${name} is ${database.status}: ${error.message} Wait until it is available, then deploy again.`, { cause: error });
    }
    throw new DatabaseSourceError(`RDS refused to start the activity stream of ${name}: ${error.code}: ${error.message}`, { cause: error });
  }
}

/**
 * An update that asks for another mode or key than the running stream's fails: RDS cannot change either
 * on a running stream, and stopping it (a restart of the database, its Kinesis stream deleted) is not
 * a step a deployment should take on its own. The rollback leaves everything as it was.
 */
async function refuseChange(database: DatabaseDescription, properties: SourceProperties, old: SourceProperties, deps: DatabaseSourceDeps): Promise<void> {
  const keyChanged = properties.kmsKeyArn !== old.kmsKeyArn && properties.kmsKeyArn !== undefined;
  if (properties.mode === old.mode && !keyChanged) return;
  const runningKey = database.stream.kmsKeyId ? await keyArnOf(database.stream.kmsKeyId, database, deps) : undefined;
  const wantedKey = properties.kmsKeyArn ? await keyArnOf(properties.kmsKeyArn, database, deps) : runningKey;
  const runningMode = database.stream.mode ?? 'async';
  if (runningMode === properties.mode && runningKey === wantedKey) return;
  throw new DatabaseSourceError(
    `RDS cannot change the mode or key of a running activity stream: ${describeDatabase(database)} streams in ${runningMode} mode with key ${runningKey ?? '(unknown)'}, ` +
      `and this update asks for ${properties.mode} mode with key ${wantedKey ?? '(unknown)'}. Nothing was changed. To change them, stop the stream ` +
      `(aws rds stop-activity-stream --region ${deps.region} --resource-arn ${database.arn} --apply-immediately: this restarts the database and deletes its Kinesis stream), ` +
      `wait until it is stopped, then deploy again with startActivityStream=true. To keep the running stream, deploy with the previous activityStreamMode and activityStreamKeyArn.`,
  );
}

/** isComplete: the stream's data once it is started, `undefined` while it is starting. */
export async function settle(physicalId: string | undefined, deps: DatabaseSourceDeps): Promise<SourceData | undefined> {
  const { arn, startedByStack } = readPhysicalId(physicalId);
  if (!arn) throw new DatabaseSourceError(`The database source has no database ARN to wait for (physical ID ${physicalId ?? 'none'})`);
  const database = await locateDatabase(arn, deps);
  const name = `${describeDatabase(database)} (${database.arn})`;
  switch (database.stream.status) {
    case 'starting':
      return undefined;
    case 'started':
      return sourceData(database, startedByStack, deps);
    case 'stopping':
      throw new DatabaseSourceError(`The activity stream of ${name} is stopping while the stack waits for it to start: something stopped it. Deploy again once it is stopped.`);
    default: {
      if (!startedByStack) throw new DatabaseSourceError(notStartedMessage(database, deps.region));
      const type = database.kind === 'cluster' ? 'db-cluster' : 'db-instance';
      throw new DatabaseSourceError(
        `The activity stream of ${name} ended stopped instead of started. RDS says why in its events: ` +
          `aws rds describe-events --region ${deps.region} --source-type ${type} --source-identifier ${database.identifier} --duration 120` +
          (database.engine === 'aurora-mysql' ? '. Aurora MySQL instances must reach KMS: add an interface VPC endpoint for KMS, a NAT gateway, or make the cluster public.' : '.'),
      );
    }
  }
}

/** onEvent for Delete: the stream is left running unless asked to stop it and this stack started it. */
export async function release(physicalId: string | undefined, properties: SourceProperties | undefined, deps: DatabaseSourceDeps): Promise<void> {
  const { arn, startedByStack } = readPhysicalId(physicalId);
  if (!arn) return;
  if (!properties?.stopOnDelete || !startedByStack) {
    deps.log(properties?.stopOnDelete ? 'activity stream left running: this stack did not start it' : 'activity stream left running', { database: arn });
    return;
  }
  let database: DatabaseDescription;
  try {
    database = await locateDatabase(arn, deps);
  } catch (error) {
    // The database is gone (and its stream with it), or was never this region's: nothing to stop.
    if (!(error instanceof DatabaseSourceError)) throw error;
    deps.log('no database to stop the activity stream of', { database: arn, reason: error.message });
    return;
  }
  if (database.stream.status !== 'started') {
    deps.log('activity stream not running: nothing to stop', { database: arn, stream: database.stream.status });
    return;
  }
  try {
    await deps.databases.stopActivityStream(arn);
    deps.log('activity stream stop requested', { database: arn });
  } catch (error) {
    // A refused stop must not hold the stack's deletion: the stream is left as it is, and the log says so.
    if (!(error instanceof RefusedError)) throw error;
    deps.log('activity stream could not be stopped: left as it is', { database: arn, reason: `${error.code}: ${error.message}` });
  }
}

async function sourceData(database: DatabaseDescription, startedByStack: boolean, deps: DatabaseSourceDeps): Promise<SourceData> {
  const keyId = database.stream.kmsKeyId;
  if (!keyId) throw new DatabaseSourceError(`RDS reports no KMS key for the activity stream of ${describeDatabase(database)} (${database.arn})`);
  const { partition, region, account } = arnParts(database.arn);
  const streamName = database.stream.name ?? `aws-rds-das-${database.resourceId}`;
  return {
    StreamName: streamName,
    StreamArn: `arn:${partition}:kinesis:${region}:${account}:stream/${streamName}`,
    KeyArn: await keyArnOf(keyId, database, deps),
    ResourceId: database.resourceId,
    Engine: database.engine,
    ContextKey: contextKeyFor(database),
    DatabaseArn: database.arn,
    Mode: database.stream.mode ?? 'async',
    StartedByStack: startedByStack ? 'true' : 'false',
  };
}

/** RDS echoes the key as it was given (ID, alias): the decrypt grant needs its ARN. */
async function keyArnOf(keyId: string, database: DatabaseDescription, deps: DatabaseSourceDeps): Promise<string> {
  if (isKeyArn(keyId)) return keyId;
  try {
    return (await deps.keys.describeKey(keyId)).arn;
  } catch (error) {
    if (!(error instanceof RefusedError)) throw error;
    throw new DatabaseSourceError(
      `The activity stream of ${describeDatabase(database)} uses KMS key ${keyId}, which KMS would not describe (${error.code}: ${error.message}). The custom resource's role needs kms:DescribeKey on it.`,
      { cause: error },
    );
  }
}
