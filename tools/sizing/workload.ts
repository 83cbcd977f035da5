import { dasLogTime, PROFILES } from '../../testkit/das/activity-events';
import { seededRandom, type Random } from '../../testkit/das/seeded-random';

/**
 * The Aurora PostgreSQL activity the sizing benchmark stores: a realistic mix of commands (mostly reads
 * and writes, some sessions opening and closing, rare DDL, grants and failed logins), spread over users,
 * client hosts and tables with a skew (a few busy application users and hot tables, a long tail), and over
 * the day (busier in working hours). Every field has the shape and type of the real PostgreSQL events in
 * shared/das-samples, so compression ratios resemble the real ones.
 */

/** What the benchmark generates. */
export interface WorkloadSpec {
  readonly events: number;
  readonly days: number;
  readonly users: number;
  readonly hosts: number;
  /** UTC midnight of the first day, ms. */
  readonly start: number;
  readonly seed: number;
}

/** The stream's resource and the cluster each stored line names. */
export const RESOURCE_ID = PROFILES['aurora-postgresql'].resourceId;
const CLUSTER_ID = PROFILES['aurora-postgresql'].clusterId as string;

/** Length of the transformer's batches in the benchmark: Firehose's processor buffer interval. */
export const BATCH_SECONDS = 30;

interface Kind {
  readonly command: string;
  readonly klass: string;
  readonly weight: number;
  /** Builds the SQL text and parameters for a table; none for session events. */
  readonly sql?: (table: string, pick: Random) => { text: string; params: string[] };
  readonly failed?: boolean;
}

const id = (pick: Random, max: number) => String(1 + Math.floor(pick() * max));

/** The command mix, by share of events. */
export const KINDS: readonly Kind[] = [
  { command: 'SELECT', klass: 'READ', weight: 0.52, sql: (t, p) => ({ text: `select * from ${t} where id = $1`, params: [id(p, 1e6)] }) },
  { command: 'SELECT', klass: 'READ', weight: 0.08, sql: (t) => ({ text: `select count(*), max(updated_at) from ${t} where updated_at > now() - interval '1 hour'`, params: [] }) },
  { command: 'INSERT', klass: 'WRITE', weight: 0.13, sql: (t, p) => ({ text: `insert into ${t} (customer_id, total, status) values ($1, $2, $3)`, params: [id(p, 1e5), (p() * 500).toFixed(2), 'open'] }) },
  { command: 'UPDATE', klass: 'WRITE', weight: 0.1, sql: (t, p) => ({ text: `update ${t} set status = $1, updated_at = now() where id = $2`, params: ['shipped', id(p, 1e6)] }) },
  { command: 'DELETE', klass: 'WRITE', weight: 0.03, sql: (t, p) => ({ text: `delete from ${t} where id = $1`, params: [id(p, 1e6)] }) },
  { command: 'BEGIN', klass: 'MISC', weight: 0.03, sql: () => ({ text: 'begin', params: [] }) },
  { command: 'COMMIT', klass: 'MISC', weight: 0.03, sql: () => ({ text: 'commit', params: [] }) },
  { command: 'CONNECT', klass: 'MISC', weight: 0.03 },
  { command: 'DISCONNECT', klass: 'MISC', weight: 0.03 },
  { command: 'SET', klass: 'MISC', weight: 0.01, sql: () => ({ text: "set application_name = 'orders-api'", params: [] }) },
  { command: 'AUTH FAILURE', klass: 'MISC', weight: 0.004, failed: true },
  { command: 'CREATE TABLE', klass: 'DDL', weight: 0.0015, sql: (t, p) => ({ text: `create table ${t}_tmp_${id(p, 999)} (id bigint primary key, payload jsonb)`, params: [] }) },
  { command: 'DROP TABLE', klass: 'DDL', weight: 0.0015, sql: (t, p) => ({ text: `drop table if exists ${t}_tmp_${id(p, 999)}`, params: [] }) },
  { command: 'ALTER TABLE', klass: 'DDL', weight: 0.0005, sql: (t) => ({ text: `alter table ${t} add column if not exists note text`, params: [] }) },
  { command: 'TRUNCATE TABLE', klass: 'WRITE', weight: 0.0005, sql: (t) => ({ text: `truncate table ${t}`, params: [] }) },
  { command: 'GRANT', klass: 'ROLE', weight: 0.0005, sql: (t) => ({ text: `grant select on ${t} to reporting`, params: [] }) },
  { command: 'CREATE ROLE', klass: 'ROLE', weight: 0.0002, sql: (_t, p) => ({ text: `create user etl_${id(p, 99)}`, params: [] }) },
];

const TOTAL_WEIGHT = KINDS.reduce((sum, kind) => sum + kind.weight, 0);
const TABLES = 200;

/** The user names: user_01, user_02… (user_01 busiest). */
export function userName(index: number): string {
  return `user_${String(index + 1).padStart(2, '0')}`;
}

/** The table names: public.t_001… (t_001 hottest). */
export function tableName(index: number): string {
  return `public.t_${String(index + 1).padStart(3, '0')}`;
}

/** An index in [0, n) drawn with a Zipf-like skew (index 0 most often). */
function skewed(pick: Random, n: number): number {
  return Math.min(n - 1, Math.floor(n ** pick()) - 1);
}

function kindOf(pick: Random): Kind {
  let left = pick() * TOTAL_WEIGHT;
  for (const kind of KINDS) {
    left -= kind.weight;
    if (left < 0) return kind;
  }
  return KINDS[0] as Kind;
}

/** The number of events of each 30 s batch: busier from 08:00 to 20:00 UTC, exactly `events` in all. */
export function batchCounts(spec: WorkloadSpec): number[] {
  const batches = Math.round((spec.days * 86_400) / BATCH_SECONDS);
  const weights: number[] = [];
  for (let batch = 0; batch < batches; batch++) {
    const hour = ((batch * BATCH_SECONDS) / 3600) % 24;
    weights.push(1 + 0.6 * Math.sin((2 * Math.PI * (hour - 8)) / 24));
  }
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const counts: number[] = [];
  let cumulative = 0;
  let given = 0;
  for (const weight of weights) {
    cumulative += weight;
    const upTo = Math.round((spec.events * cumulative) / total);
    counts.push(upTo - given);
    given = upTo;
  }
  return counts;
}

/** One batch's stored lines, in logTime order, and each line's command. */
export interface Batch {
  readonly lines: string[];
  readonly commands: string[];
}

/**
 * The stored lines of one batch: each event's JSON as the transformer stores it (the event's own
 * fields, then the payload's `clusterId`).
 */
export function batchLines(spec: WorkloadSpec, batch: number, count: number): Batch {
  const pick = seededRandom(spec.seed * 1_000_003 + batch);
  const begin = spec.start + batch * BATCH_SECONDS * 1000;
  const lines: string[] = [];
  const commands: string[] = [];
  for (let index = 0; index < count; index++) {
    const millis = begin + Math.floor((index * BATCH_SECONDS * 1000) / count);
    const logTime = dasLogTime(millis, 'aurora-postgresql', Math.floor(pick() * 1000));
    const kind = kindOf(pick);
    const user = userName(skewed(pick, spec.users));
    const hostIndex = skewed(pick, spec.hosts);
    const host = `10.0.${Math.floor(hostIndex / 250)}.${(hostIndex % 250) + 2}`;
    const table = tableName(skewed(pick, TABLES));
    const statementId = batch * 10_000 + index;
    const sql = kind.sql?.(table, pick);
    const session = Math.floor(pick() * 4000);
    const event = {
      logTime,
      statementId: sql ? statementId : 0,
      substatementId: 1,
      objectType: sql && kind.klass !== 'MISC' ? 'TABLE' : null,
      command: kind.command,
      objectName: sql && kind.klass !== 'MISC' ? (kind.command === 'CREATE ROLE' ? sql.text.slice(12) : table) : null,
      databaseName: 'orders',
      dbUserName: user,
      remoteHost: host,
      remotePort: String(32768 + Math.floor(pick() * 28000)),
      sessionId: `6740${(session + 0xc2a1).toString(16)}.${(session * 7919 % 65536).toString(16)}`,
      rowCount: kind.command === 'SELECT' ? Math.floor(pick() * 200) : kind.klass === 'WRITE' ? 1 : null,
      commandText: sql?.text ?? null,
      paramList: sql?.params ?? [],
      pid: 10_000 + session,
      clientApplication: kind.failed ? null : session % 5 === 0 ? 'psql' : 'orders-api',
      exitCode: null,
      class: kind.klass,
      serverVersion: '16.4.0',
      serverType: 'PostgreSQL',
      serviceName: 'Amazon Aurora PostgreSQL-Compatible edition',
      serverHost: '172.31.8.19',
      netProtocol: 'TCP',
      dbProtocol: 'Postgres 3.0',
      type: 'record',
      startTime: logTime,
      errorMessage: kind.failed ? `password authentication failed for user "${user}"` : null,
      clusterId: CLUSTER_ID,
    };
    lines.push(JSON.stringify(event));
    commands.push(kind.command);
  }
  return { lines, commands };
}
