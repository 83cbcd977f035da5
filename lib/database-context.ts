import { parseDatabaseRef } from '../lambda/core/database-source/database';

/**
 * The `database` context keys: the databases whose activity streams the stack finds (and, when asked,
 * starts) at deployment, the alternative to giving `dasStreamArn` and `kmsKeyArn`.
 */

/** The databases and what to do about their activity streams, parsed. */
export interface DatabaseSettings {
  /** Identifiers or RDS ARNs, as given. */
  readonly databases: readonly string[];
  readonly startActivityStream: boolean;
  readonly mode?: 'async' | 'sync';
  readonly keyArn?: string;
  readonly stopOnDelete: boolean;
}

export const DATABASE_CONTEXT_KEYS = {
  database:
    'Required unless dasStreamArn is given. The database(s) to audit, by identifier or ARN (arn:aws:rds:<region>:<account>:cluster:<name> for Aurora, …:db:<name> for RDS for Oracle and SQL Server); a comma list for several. The stack finds each activity stream at deployment.',
  startActivityStream: 'Optional, with database. true starts a stopped activity stream at deployment (this restarts the database: see docs/operations.md). Default false.',
  activityStreamMode: 'Optional, with startActivityStream. async or sync (Aurora PostgreSQL only) for the streams the stack starts. Default async.',
  activityStreamKeyArn: 'Optional, with startActivityStream. The customer managed KMS key ARN to start streams with. Default: a key the stack creates.',
  stopActivityStreamOnDelete: 'Optional, with startActivityStream. true stops the streams the stack started when it is deleted (another restart). Default false: left running.',
} as const;

export const EXAMPLE_DATABASE_ARN = 'arn:aws:rds:us-east-1:123456789012:cluster:my-aurora';

const KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):key\/((?:mrk-)?[A-Za-z0-9-]+)$/;

/**
 * Reads the database keys with `read` (the context's text, or undefined), adding a problem for each
 * mistake; `regions` collects the regions the ARNs name. Undefined when `database` is not given (then
 * the other keys are mistakes too).
 */
export function databaseSettings(read: (key: string) => string | undefined, regions: Set<string>, problems: string[]): DatabaseSettings | undefined {
  const databases = (read('database') ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  const dependent = (['startActivityStream', 'activityStreamMode', 'activityStreamKeyArn', 'stopActivityStreamOnDelete'] as const).filter((key) => read(key) !== undefined);
  if (databases.length === 0) {
    if (dependent.length > 0) problems.push(`${dependent.join(', ')} ${dependent.length === 1 ? 'applies' : 'apply'} to the databases of -c database=…; give database too, e.g. -c database=${EXAMPLE_DATABASE_ARN}.`);
    return undefined;
  }
  const seen = new Set<string>();
  for (const text of databases) {
    const ref = parseDatabaseRef(text);
    if (!ref) {
      problems.push(
        `database "${text}" is neither a DB identifier nor an RDS ARN: give a cluster or instance identifier (my-aurora) or its ARN, ` +
          `e.g. -c database=${EXAMPLE_DATABASE_ARN} (…:db:<name> for RDS for Oracle and SQL Server).`,
      );
      continue;
    }
    if (ref.arn) regions.add(ref.arn.region);
    const name = ref.arn?.name ?? text;
    if (seen.has(name)) problems.push(`database names ${name} twice; give each database once.`);
    seen.add(name);
  }

  const flag = (key: 'startActivityStream' | 'stopActivityStreamOnDelete'): boolean => {
    const raw = read(key)?.toLowerCase();
    if (raw === undefined) return false;
    if (raw !== 'true' && raw !== 'false') problems.push(`${key} must be true or false; got "${raw}", e.g. -c ${key}=true.`);
    return raw === 'true';
  };
  const startActivityStream = flag('startActivityStream');
  const stopOnDelete = flag('stopActivityStreamOnDelete');
  const mode = read('activityStreamMode')?.toLowerCase();
  if (mode !== undefined && mode !== 'async' && mode !== 'sync') problems.push(`activityStreamMode must be async or sync; got "${mode}", e.g. -c activityStreamMode=async.`);
  const keyArn = read('activityStreamKeyArn');
  if (keyArn !== undefined) {
    const match = KEY_ARN.exec(keyArn);
    if (!match) {
      problems.push(`activityStreamKeyArn "${keyArn}" is not a KMS key ARN, e.g. -c activityStreamKeyArn=arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (aws kms describe-key --key-id <alias> --query KeyMetadata.Arn).`);
    } else {
      regions.add(match[2] as string);
    }
  }
  const needsStart = dependent.filter((key) => key !== 'startActivityStream');
  if (!startActivityStream && needsStart.length > 0) {
    problems.push(`${needsStart.join(', ')} ${needsStart.length === 1 ? 'applies' : 'apply'} to activity streams the stack starts; add -c startActivityStream=true, or leave ${needsStart.length === 1 ? 'it' : 'them'} out.`);
  }
  return {
    databases,
    startActivityStream,
    ...(mode === 'async' || mode === 'sync' ? { mode } : {}),
    ...(keyArn !== undefined ? { keyArn } : {}),
    stopOnDelete,
  };
}
