import { parseDatabaseRef, type StreamMode } from './database';
import { DatabaseSourceError } from './messages';

/**
 * The custom resource's properties, as CloudFormation hands them over (every scalar a string), and the
 * physical resource ID, which records whether this stack started the stream: a Delete request carries
 * the ID and the properties, never the Data, so it is the one place the fact survives.
 */
export interface SourceProperties {
  /** Identifier or ARN of an Aurora cluster or an RDS for Oracle / SQL Server instance. */
  readonly database: string;
  /** Start the stream when it is stopped. */
  readonly startActivityStream: boolean;
  readonly mode: StreamMode;
  /** The key to start the stream with (ARN, ID or alias). Required when starting. */
  readonly kmsKeyArn?: string;
  /** Stop the stream on Delete (only when this stack started it). */
  readonly stopOnDelete: boolean;
}

/** Reads the properties, naming every one that is wrong. */
export function readSourceProperties(properties: Readonly<Record<string, unknown>> | undefined): SourceProperties {
  const given = properties ?? {};
  const problems: string[] = [];
  const database = typeof given.Database === 'string' ? given.Database.trim() : '';
  if (!parseDatabaseRef(database)) problems.push(`Database must be a DB cluster or DB instance identifier or ARN; got ${JSON.stringify(given.Database ?? null)}`);
  const flag = (name: string): boolean => {
    const value = given[name];
    if (value === undefined || value === 'false' || value === false) return false;
    if (value === 'true' || value === true) return true;
    problems.push(`${name} must be "true" or "false"; got ${JSON.stringify(value)}`);
    return false;
  };
  const startActivityStream = flag('StartActivityStream');
  const stopOnDelete = flag('StopOnDelete');
  const mode = given.Mode ?? 'async';
  if (mode !== 'async' && mode !== 'sync') problems.push(`Mode must be "async" or "sync"; got ${JSON.stringify(mode)}`);
  const key = typeof given.KmsKeyArn === 'string' && given.KmsKeyArn.trim() !== '' ? given.KmsKeyArn.trim() : undefined;
  if (given.KmsKeyArn !== undefined && given.KmsKeyArn !== '' && key === undefined) problems.push(`KmsKeyArn must be a KMS key ARN, ID or alias; got ${JSON.stringify(given.KmsKeyArn)}`);
  if (problems.length > 0) throw new DatabaseSourceError(`Invalid database source properties: ${problems.join('; ')}`);
  return { database, startActivityStream, mode: mode as StreamMode, ...(key ? { kmsKeyArn: key } : {}), stopOnDelete };
}

const STARTED_BY_STACK = '#activity-stream-started-by-stack';

/** The database ARN, marked when this stack started the stream. */
export function physicalIdFor(databaseArn: string, startedByStack: boolean): string {
  return startedByStack ? `${databaseArn}${STARTED_BY_STACK}` : databaseArn;
}

/** The database ARN and the mark, or no ARN for an ID this handler did not make (a failed create's). */
export function readPhysicalId(id: string | undefined): { readonly arn?: string; readonly startedByStack: boolean } {
  if (!id || !id.startsWith('arn:')) return { startedByStack: false };
  const startedByStack = id.endsWith(STARTED_BY_STACK);
  return { arn: startedByStack ? id.slice(0, -STARTED_BY_STACK.length) : id, startedByStack };
}
