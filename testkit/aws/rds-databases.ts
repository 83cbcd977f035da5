import { createHash } from 'node:crypto';
import { DEV_ACCOUNT, DEV_KMS_KEY_ARN, DEV_REGION } from './dev-key';

/**
 * The databases the local RDS endpoint holds: Aurora clusters (with their writer instance) and RDS
 * instances, each with an activity stream in one of the four states RDS reports, and what a start
 * or stop does to them over the next describes.
 */

export type ActivityStreamStatus = 'stopped' | 'starting' | 'started' | 'stopping';

export interface LocalDatabaseSpec {
  /** The DB cluster identifier (Aurora, `docdb`, …) or DB instance identifier (everything else). */
  readonly identifier: string;
  /** RDS's engine name: `aurora-postgresql`, `aurora-mysql`, `oracle-ee`, `sqlserver-ee`, `postgres`, … */
  readonly engine: string;
  /** @default a current version of the engine */
  readonly engineVersion?: string;
  /** The instance class (of an Aurora cluster's writer). @default db.r6g.large (Aurora), db.m5.large (RDS) */
  readonly instanceClass?: string;
  /** @default the local development region, us-east-1 */
  readonly region?: string;
  /** @default the local development account, 000000000000 */
  readonly account?: string;
  /** `DbClusterResourceId` / `DbiResourceId`. @default derived from the identifier, region and account */
  readonly resourceId?: string;
  /** The database's own status. @default available */
  readonly status?: string;
  /** @default stopped */
  readonly stream?: { readonly status: ActivityStreamStatus; readonly mode?: 'sync' | 'async'; readonly kmsKeyId?: string };
  /**
   * Where a start ends: `stopped` stands for a stream RDS could not keep up (an Aurora MySQL cluster
   * with no route to KMS), so tests can see a start that never reaches `started`. @default started
   */
  readonly startEndsIn?: 'started' | 'stopped';
}

/** Whether RDS keeps this engine's databases as clusters (DescribeDBClusters) rather than instances. */
export function isClusterEngine(engine: string): boolean {
  return engine.startsWith('aurora') || engine === 'docdb' || engine === 'neptune';
}

const DEFAULT_VERSIONS: Readonly<Record<string, string>> = {
  'aurora-postgresql': '16.4',
  'aurora-mysql': '8.0.mysql_aurora.3.08.0',
  'oracle-ee': '19.0.0.0.ru-2025-01.rur-2025-01.r1',
  'sqlserver-ee': '15.00.4415.2.v1',
  postgres: '16.4',
  mysql: '8.0.40',
};

/** A pending start or stop: where it goes, and when it gets there. */
interface Transition {
  readonly to: ActivityStreamStatus;
  readonly since: number;
  polls: number;
}

/** One database as the endpoint holds it. Identifiers are kept as given; RDS matches them case-insensitively. */
export class LocalDatabase {
  readonly kind: 'cluster' | 'instance';
  readonly identifier: string;
  readonly engine: string;
  readonly engineVersion: string;
  readonly instanceClass: string;
  readonly region: string;
  readonly account: string;
  readonly arn: string;
  readonly resourceId: string;
  readonly startEndsIn: 'started' | 'stopped';
  status: string;
  streamStatus: ActivityStreamStatus;
  streamMode: 'sync' | 'async' | undefined;
  /** As given to StartActivityStream: RDS echoes the key as it was named, not as an ARN. */
  streamKmsKeyId: string | undefined;
  private transition?: Transition;

  constructor(spec: LocalDatabaseSpec) {
    this.kind = isClusterEngine(spec.engine) ? 'cluster' : 'instance';
    this.identifier = spec.identifier;
    this.engine = spec.engine;
    this.engineVersion = spec.engineVersion ?? DEFAULT_VERSIONS[spec.engine] ?? '1.0';
    this.instanceClass = spec.instanceClass ?? (this.kind === 'cluster' ? 'db.r6g.large' : 'db.m5.large');
    this.region = spec.region ?? DEV_REGION;
    this.account = spec.account ?? DEV_ACCOUNT;
    this.arn = `arn:aws:rds:${this.region}:${this.account}:${this.kind === 'cluster' ? 'cluster' : 'db'}:${spec.identifier}`;
    this.resourceId = spec.resourceId ?? derivedResourceId(this.kind === 'cluster' ? 'cluster' : 'db', this.arn);
    this.status = spec.status ?? 'available';
    this.startEndsIn = spec.startEndsIn ?? 'started';
    this.streamStatus = spec.stream?.status ?? 'stopped';
    const running = this.streamStatus !== 'stopped';
    this.streamMode = running ? (spec.stream?.mode ?? 'async') : undefined;
    this.streamKmsKeyId = running ? (spec.stream?.kmsKeyId ?? DEV_KMS_KEY_ARN) : undefined;
    // A database held mid-change finishes it like one the endpoint started or stopped.
    if (this.streamStatus === 'starting' || this.streamStatus === 'stopping') {
      this.status = spec.status ?? 'configuring-activity-stream';
      this.transition = { to: this.streamStatus === 'starting' ? this.startEndsIn : 'stopped', since: Date.now(), polls: 0 };
    }
  }

  /** The Aurora writer instance RDS lists for a cluster (DescribeDBInstances shows it with its cluster). */
  get writerIdentifier(): string {
    return `${this.identifier}-instance-1`;
  }

  get writerResourceId(): string {
    return derivedResourceId('db', `${this.arn}/writer`);
  }

  get streamName(): string | undefined {
    return this.streamStatus === 'stopped' ? undefined : `aws-rds-das-${this.resourceId}`;
  }

  begin(to: 'started' | 'stopped', now: number): void {
    this.streamStatus = to === 'started' ? 'starting' : 'stopping';
    // The database restarts to apply the change (ApplyImmediately): RDS reports it busy meanwhile [unconfirmed status name].
    this.status = 'configuring-activity-stream';
    this.transition = { to: to === 'started' ? this.startEndsIn : 'stopped', since: now, polls: 0 };
  }

  /**
   * Moves a pending start or stop on: it completes on the `polls`-th describe that shows the database,
   * or once `ms` have passed, whichever comes first.
   */
  observe(now: number, settle: { readonly polls: number; readonly ms: number }, described: boolean): void {
    const transition = this.transition;
    if (!transition) return;
    if (described) transition.polls += 1;
    if (transition.polls < settle.polls && now - transition.since < settle.ms) return;
    this.transition = undefined;
    this.status = 'available';
    this.streamStatus = transition.to;
    if (transition.to === 'stopped') {
      this.streamMode = undefined;
      this.streamKmsKeyId = undefined;
    }
  }
}

/**
 * RDS's own rule for which databases can stream (engines, versions, classes the RDS and Aurora user guides
 * list), kept apart from the product's so a mistake in either shows. The refusal's code and wording are
 * [unconfirmed]; the console says "You can't start a database activity stream in this configuration".
 */
export function unsupportedReason({ engine, engineVersion, instanceClass }: LocalDatabase): string | undefined {
  if (instanceClass === 'db.serverless') return 'Aurora Serverless v2 has no activity streams';
  if (/^db\.t\d/.test(instanceClass)) return `instance class ${instanceClass} has no activity streams`;
  if (engine === 'aurora-postgresql') return undefined;
  if (engine === 'aurora-mysql') {
    const [, major, minor] = /mysql_aurora\.(\d+)\.(\d+)/.exec(engineVersion) ?? [];
    return Number(major) >= 3 || (Number(major) === 2 && Number(minor) >= 11) ? undefined : `Aurora MySQL ${engineVersion} has no activity streams (2.11 or later)`;
  }
  if (engine.startsWith('oracle-')) return engineVersion.startsWith('19.') ? undefined : `Oracle ${engineVersion} has no activity streams (19c)`;
  if (engine.startsWith('sqlserver-')) return Number(engineVersion.split('.')[0]) >= 13 ? undefined : `SQL Server ${engineVersion} has no activity streams (2016 or later)`;
  return `engine ${engine} has no activity streams`;
}

/** `cluster-…` / `db-…` and 26 upper-case letters and digits, as RDS makes them; stable for a given ARN. */
function derivedResourceId(prefix: 'cluster' | 'db', seed: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const digest = createHash('sha256').update(seed).digest();
  let id = '';
  for (let index = 0; index < 26; index++) id += alphabet[(digest[index] as number) % 32];
  return `${prefix}-${id}`;
}

/**
 * The databases `npm run local` serves, to try `npm run doctor` on: one of each engine, streams started
 * under the local development key with the resource IDs of the sample events (so `npm run invoke`'s
 * records belong to them), one stopped, and one that cannot stream.
 */
export const EXAMPLE_DATABASES: readonly LocalDatabaseSpec[] = [
  { identifier: 'orders-aurora-pg', engine: 'aurora-postgresql', resourceId: 'cluster-4HNY5V4RRNPKKYB7ICFKE5JBQQ', stream: { status: 'started' } },
  { identifier: 'billing-aurora-mysql', engine: 'aurora-mysql', resourceId: 'cluster-LFLK7QA4UVZ2UARHJWKULMWYNQ', stream: { status: 'started' } },
  { identifier: 'erp-oracle', engine: 'oracle-ee', resourceId: 'db-ORACLE7QYJ3KXZD5M2HNPW4A', stream: { status: 'started' } },
  { identifier: 'crm-sqlserver', engine: 'sqlserver-ee', resourceId: 'db-SQLSRV2B6T4KQWJ7XNC3LRFE' },
  { identifier: 'reports-serverless', engine: 'aurora-postgresql', instanceClass: 'db.serverless' },
];
