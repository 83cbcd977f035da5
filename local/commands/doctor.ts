import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { KmsKeyDirectory } from '../../lambda/adapters/kms-key-directory';
import { RdsDatabaseDirectory } from '../../lambda/adapters/rds-database-directory';
import { parseDatabaseRef, type DatabaseDescription, type DatabaseRef } from '../../lambda/core/database-source/database';
import { auroraInstanceMessage, describeDatabase, notFoundMessage, startCommand } from '../../lambda/core/database-source/messages';
import { RefusedError } from '../../lambda/core/database-source/ports';
import { streamSupport } from '../../lambda/core/database-source/support';
import { parseOptions, UsageError } from './cli';

/** What `npm run doctor -- --help` prints. */
export const DOCTOR_USAGE = `Usage: npm run doctor -- --database <identifier|ARN> [--region <region>]
       npm run doctor -- --all [--region <region>]

Checks, with your own AWS credentials, that a database is ready for das-firehose: an Aurora PostgreSQL or
Aurora MySQL cluster, or an RDS for Oracle or SQL Server instance, whose engine, version and instance class
have activity streams, whose activity stream is started, and whose KMS key is customer managed, enabled
and visible to you. Prints "ready" and the npx cdk deploy command, or each problem and what to do.
Changes nothing.

Options:
  --database <id|ARN>   the DB cluster (Aurora) or DB instance (Oracle, SQL Server) to check
  --all                 list the region's databases with their activity stream status
  --region <region>     default: the ARN's region, else AWS_REGION or your profile's
  --help                show this help

Exit codes: 0 ready (--all: listed), 1 not ready, 2 usage, 3 could not check (credentials, permissions, network).

Permissions used: rds:DescribeDBClusters, rds:DescribeDBInstances, kms:DescribeKey.
`;

export type DoctorRequest = { readonly kind: 'database'; readonly ref: DatabaseRef; readonly region?: string } | { readonly kind: 'all'; readonly region?: string };

/** Reads `npm run doctor` options. Undefined means: print the usage. */
export function parseDoctor(argv: readonly string[]): DoctorRequest | undefined {
  const { values } = parseOptions(argv, { database: { type: 'string' }, all: { type: 'boolean' }, region: { type: 'string' }, help: { type: 'boolean' } }, 'doctor');
  if (values.help) return undefined;
  const region = values.region;
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new UsageError(`--region must be an AWS region such as us-east-1; got "${region}". See npm run doctor -- --help`);
  if ((values.database === undefined) === (values.all !== true)) {
    throw new UsageError('give one of --database <identifier|ARN> or --all. See npm run doctor -- --help');
  }
  const withRegion = region !== undefined ? { region } : {};
  if (values.all) return { kind: 'all', ...withRegion };
  const ref = parseDatabaseRef(String(values.database));
  if (!ref) throw new UsageError(`--database must be a DB cluster or DB instance identifier or ARN; got "${values.database}". See npm run doctor -- --help`);
  if (ref.arn && region !== undefined && ref.arn.region !== region) {
    throw new UsageError(`--database ${ref.text} is in ${ref.arn.region}, not --region ${region}: leave --region out or give the database's region`);
  }
  return { kind: 'database', ref, ...(ref.arn ? { region: ref.arn.region } : withRegion) };
}

/** 0 ready (or listed), 1 not ready, 3 could not check. */
export type DoctorExit = 0 | 1 | 3;

export interface DoctorResult {
  readonly exitCode: DoctorExit;
  readonly lines: readonly string[];
}

/** Runs the check with clients of the region (from the request, else the SDK's own: AWS_REGION, the profile). */
export async function runDoctor(request: DoctorRequest): Promise<DoctorResult> {
  const rds = new RDSClient(request.region ? { region: request.region } : {});
  let region: string;
  try {
    region = await rds.config.region();
  } catch {
    rds.destroy();
    return { exitCode: 3, lines: ['could not check: no AWS region: give --region, or set AWS_REGION'] };
  }
  const kms = new KMSClient({ region });
  try {
    const doctor = { databases: new RdsDatabaseDirectory(rds), keys: new KmsKeyDirectory(kms), region };
    return request.kind === 'all' ? await listDatabases(doctor) : await checkDatabase(request.ref, doctor);
  } catch (error) {
    const reason = error instanceof RefusedError ? `AWS refused: ${error.code}: ${error.message}` : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { exitCode: 3, lines: [`could not check: ${reason}`] };
  } finally {
    rds.destroy();
    kms.destroy();
  }
}

interface Doctor {
  readonly databases: RdsDatabaseDirectory;
  readonly keys: KmsKeyDirectory;
  readonly region: string;
}

async function checkDatabase(ref: DatabaseRef, doctor: Doctor): Promise<DoctorResult> {
  const { databases, region } = doctor;
  let database: DatabaseDescription | undefined;
  if (ref.arn?.kind === 'cluster') database = await databases.cluster(ref.text);
  else if (ref.arn?.kind === 'instance') database = await databases.instance(ref.text);
  else database = (await databases.cluster(ref.text)) ?? (await databases.instance(ref.text));
  if (!database) return notReady([], [notFoundMessage(ref.text, region)]);
  if (database.clusterIdentifier) return notReady([], [auroraInstanceMessage(database)]);

  const lines = [
    `${describeDatabase(database)}: ${database.arn}`,
    `  engine ${database.engine} ${database.engineVersion}${database.instanceClass ? `, class ${database.instanceClass}` : ''}, status ${database.status}`,
  ];
  const problems: string[] = [];
  const support = streamSupport(database);
  for (const blocker of support.blockers) problems.push(`${blocker}. See ${support.docs}`);
  if (support.unlisted) lines.push(`  note: ${support.unlisted}; RDS decides when the stream starts. See ${support.docs}`);

  const stream = database.stream;
  lines.push(`  activity stream: ${stream.status}${stream.mode ? `, ${stream.mode} mode` : ''}${stream.name ? `, Kinesis stream ${stream.name}` : ''}`);
  if (support.blockers.length === 0) {
    if (stream.status === 'starting') problems.push('the activity stream is starting: wait until it is started (this can take many minutes), then run the doctor again');
    else if (stream.status === 'stopping') problems.push('the activity stream is stopping: wait until it is stopped, then start it again');
    if (stream.status === 'stopped' || stream.status === 'stopping') {
      problems.push(
        `the activity stream is not started: start it with\n      ${startCommand(database, region)}\n    (applies now and restarts the database), or let the stack start it:\n      npx cdk deploy -c database=${database.arn} -c startActivityStream=true`,
      );
    }
  }
  if (stream.kmsKeyId) problems.push(...(await checkKey(stream.kmsKeyId, doctor, lines)));
  if (database.engine === 'aurora-mysql') {
    lines.push(`  reminder: Aurora MySQL instances must reach KMS (an interface VPC endpoint for com.amazonaws.${region}.kms, a NAT gateway, or a public cluster), or the stream stops`);
  }
  if (problems.length > 0) return notReady(lines, problems);
  return { exitCode: 0, lines: [...lines, 'ready. Deploy with:', `  npx cdk deploy -c database=${database.arn}`] };
}

/** The stream's key: customer managed, enabled, symmetric, and visible to the caller (kms:DescribeKey). */
async function checkKey(keyId: string, doctor: Doctor, lines: string[]): Promise<string[]> {
  try {
    const key = await doctor.keys.describeKey(keyId);
    lines.push(`  key: ${key.arn} (${key.customerManaged ? 'customer managed' : 'AWS managed'}, ${key.state})`);
    const problems: string[] = [];
    if (!key.customerManaged) problems.push(`key ${key.arn} is AWS managed: activity streams need a customer managed key; stop the stream and start it with one`);
    if (!key.enabled) problems.push(`key ${key.arn} is ${key.state}: the stream cannot encrypt and the pipeline cannot decrypt; enable it (aws kms enable-key --key-id ${key.arn})`);
    if (!key.symmetric) problems.push(`key ${key.arn} is not a symmetric encryption key`);
    return problems;
  } catch (error) {
    if (!(error instanceof RefusedError)) throw error;
    lines.push(`  key: ${keyId}`);
    return [`you cannot describe the stream's key ${keyId} (${error.code}): the deployment needs kms:DescribeKey on it and the pipeline kms:Decrypt; ask the key's owner, or check the key policy`];
  }
}

function notReady(lines: readonly string[], problems: readonly string[]): DoctorResult {
  return { exitCode: 1, lines: [...lines, `not ready: ${problems.length} problem${problems.length === 1 ? '' : 's'}`, ...problems.map((problem) => `  - ${problem}`)] };
}

async function listDatabases(doctor: Doctor): Promise<DoctorResult> {
  const all = await doctor.databases.list();
  if (all.length === 0) return { exitCode: 0, lines: [`No DB clusters or DB instances in ${doctor.region}.`] };
  const rows = all.map((database) => {
    const support = streamSupport(database);
    const stream = support.blockers.length > 0 ? `none: ${support.blockers[0]}` : `${database.stream.status}${database.stream.mode ? ` (${database.stream.mode})` : ''}`;
    return [database.kind, database.identifier, `${database.engine} ${database.engineVersion}`, stream];
  });
  const header = ['KIND', 'IDENTIFIER', 'ENGINE', 'ACTIVITY STREAM'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] as string).length)));
  const format = (row: readonly string[]) => row.map((cell, column) => (column < row.length - 1 ? cell.padEnd(widths[column] as number) : cell)).join('  ');
  return {
    exitCode: 0,
    lines: [`Databases in ${doctor.region}:`, format(header), ...rows.map(format), '', 'Check one with: npm run doctor -- --database <identifier>'],
  };
}
