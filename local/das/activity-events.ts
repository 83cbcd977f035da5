import type { Engine } from './das-synth';
import { PROFILES } from './das-synth';
import { seededRandom } from './seeded-random';

/**
 * Synthetic activity events shaped like the real ones in shared/das-samples/reference-events.json:
 * each engine's field set and types (SQL Server's hex statementId and 7-digit logTime, MySQL's string
 * exitCode and MAIN/AUX pairs, Oracle's upper-case users and no clusterId).
 */

export interface EventOptions {
  /** Deterministic output for a seed. @default 1 */
  readonly seed?: number;
  /** logTime of the first event; later ones follow 37 ms apart. @default 2026-11-21T12:00:00Z */
  readonly start?: number;
  /** Share of heartbeat events, 0–1. @default 0 */
  readonly heartbeatShare?: number;
}

type Event = Record<string, unknown>;

const COMMANDS: Readonly<Record<Engine, ReadonlyArray<readonly [command: string, klass: string]>>> = {
  'aurora-postgresql': [
    ['SELECT', 'READ'], ['SELECT', 'READ'], ['INSERT', 'WRITE'], ['UPDATE', 'WRITE'], ['DELETE', 'WRITE'],
    ['CONNECT', 'MISC'], ['DISCONNECT', 'MISC'], ['CREATE TABLE', 'DDL'], ['AUTH FAILURE', 'MISC'], ['GRANT', 'ROLE'],
  ],
  'aurora-mysql': [
    ['QUERY', 'MAIN'], ['QUERY', 'MAIN'], ['CONNECT', 'MAIN'], ['DISCONNECT', 'MAIN'], ['FAILED_CONNECT', 'MAIN'],
  ],
  'rds-oracle': [
    ['SELECT', 'Standard'], ['INSERT', 'Standard'], ['UPDATE', 'Standard'], ['EXECUTE', 'Standard'],
    ['LOGON', 'Standard'], ['LOGOFF', 'Standard'], ['CREATE TABLE', 'Standard'],
  ],
  'rds-sqlserver': [
    ['SELECT', 'TABLE'], ['INSERT', 'TABLE'], ['UPDATE', 'TABLE'], ['DELETE', 'TABLE'], ['LOGIN SUCCEEDED', 'LOGIN'],
    ['EXECUTE', 'DATABASE'],
  ],
};

const SQL: Readonly<Record<string, string>> = {
  SELECT: 'select * from orders where customer_id = $1',
  INSERT: "insert into orders (customer_id, total) values (42, 19.99)",
  UPDATE: "update orders set status = 'shipped' where id = 7",
  DELETE: 'delete from sessions where expires_at < now()',
  'CREATE TABLE': 'create table audit_probe (id serial primary key, name varchar(32))',
  GRANT: 'grant select on orders to reporting',
  EXECUTE: 'BEGIN DBMS_STATS.GATHER_SCHEMA_STATS(\'APP\'); END;',
  QUERY: "select * from orders where status = 'open'",
};

/** `2026-11-21 12:00:00.123456+00` (7 fractional digits for SQL Server). */
export function dasLogTime(millis: number, engine: Engine, micros = 0): string {
  const iso = new Date(millis).toISOString(); // 2026-11-21T12:00:00.123Z
  const fraction = `${iso.slice(20, 23)}${String(micros).padStart(3, '0')}`;
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${engine === 'rds-sqlserver' ? `${fraction}1` : fraction}+00`;
}

export function heartbeatEvent(engine: Engine, millis: number): Event {
  return {
    type: 'heartbeat',
    logTime: dasLogTime(millis, engine),
    clientApplication: null,
    pid: null,
    dbUserName: null,
    databaseName: null,
    remoteHost: null,
    remotePort: null,
    command: null,
    commandText: null,
    paramList: null,
    objectType: null,
    objectName: null,
    statementId: null,
    substatementId: null,
    exitCode: null,
    sessionId: null,
    rowCount: null,
    serverHost: null,
    serverType: null,
    serviceName: null,
    serverVersion: null,
    startTime: null,
    endTime: null,
    transactionId: null,
    dbProtocol: null,
    netProtocol: null,
    errorMessage: null,
    class: null,
  };
}

/** `count` events for an engine (MySQL statements come as MAIN + AUX pairs, counted as two). */
export function syntheticEvents(engine: Engine, count: number, options: EventOptions = {}): Event[] {
  const next = seededRandom(options.seed ?? 1);
  const start = options.start ?? Date.UTC(2026, 10, 21, 12, 0, 0);
  const events: Event[] = [];
  for (let index = 0; events.length < count; index++) {
    const millis = start + index * 37;
    if (next() < (options.heartbeatShare ?? 0)) {
      events.push(heartbeatEvent(engine, millis));
      continue;
    }
    const commands = COMMANDS[engine];
    const [command, klass] = commands[Math.floor(next() * commands.length)] as readonly [string, string];
    const statementId = 1000 + index;
    const micros = Math.floor(next() * 1000);
    const event = buildEvent(engine, { command, klass, statementId, millis, micros, pick: next });
    events.push(event);
    if (engine === 'aurora-mysql' && command === 'QUERY' && events.length < count) {
      events.push({ ...event, class: 'AUX', command: 'QUERY', substatementId: 2, commandText: null, rowCount: 0 });
    }
  }
  return events;
}

interface EventSeed {
  readonly command: string;
  readonly klass: string;
  readonly statementId: number;
  readonly millis: number;
  readonly micros: number;
  readonly pick: () => number;
}

function buildEvent(engine: Engine, seed: EventSeed): Event {
  const { command, klass, statementId, millis, micros, pick } = seed;
  const logTime = dasLogTime(millis, engine, micros);
  const text = SQL[command] ?? null;
  const users = ['app_writer', 'app_reader', 'reporting', 'rdsadmin'];
  const user = users[Math.floor(pick() * users.length)] as string;
  switch (engine) {
    case 'aurora-postgresql':
      return {
        logTime,
        statementId,
        substatementId: 1,
        objectType: text ? 'TABLE' : null,
        command,
        objectName: text ? 'public.orders' : null,
        databaseName: 'postgres',
        dbUserName: user,
        remoteHost: '10.0.1.23',
        remotePort: String(40000 + (statementId % 20000)),
        sessionId: `6740c2a1.${(statementId % 65536).toString(16)}`,
        rowCount: command === 'SELECT' ? Math.floor(pick() * 100) : null,
        commandText: text,
        paramList: command === 'SELECT' ? ['42'] : [],
        pid: 18251 + (statementId % 97),
        clientApplication: 'psql',
        exitCode: null,
        class: klass,
        serverVersion: '16.4.0',
        serverType: 'PostgreSQL',
        serviceName: 'Amazon Aurora PostgreSQL-Compatible edition',
        serverHost: '172.31.8.19',
        netProtocol: 'TCP',
        dbProtocol: 'Postgres 3.0',
        type: 'record',
        startTime: logTime,
        errorMessage: command === 'AUTH FAILURE' ? 'password authentication failed' : null,
      };
    case 'aurora-mysql':
      return {
        logTime,
        type: 'record',
        clientApplication: null,
        pid: 20555,
        dbUserName: user,
        databaseName: 'shop',
        remoteHost: '10.0.1.23',
        remotePort: String(40000 + (statementId % 20000)),
        command,
        commandText: command === 'QUERY' ? text : null,
        paramList: null,
        objectType: 'TABLE',
        objectName: command === 'QUERY' ? 'orders' : '',
        statementId,
        substatementId: 1,
        exitCode: command === 'FAILED_CONNECT' ? '1045' : '0',
        sessionId: String(5 + (statementId % 50)),
        rowCount: command === 'QUERY' ? Math.floor(pick() * 100) : 0,
        serverHost: 'auroralab-mysql-node-2',
        serverType: 'MySQL',
        serviceName: 'Amazon Aurora MySQL',
        serverVersion: 'MySQL 8.0.39',
        startTime: logTime,
        endTime: logTime,
        transactionId: '0',
        dbProtocol: 'MySQL',
        netProtocol: 'TCP',
        errorMessage: '',
        class: klass,
      };
    case 'rds-oracle':
      return {
        clientApplication: 'SQL Developer',
        command,
        commandText: text,
        databaseName: 'ORCL',
        dbProtocol: null,
        dbUserName: user.toUpperCase(),
        endTime: null,
        errorMessage: null,
        exitCode: 0,
        logTime,
        netProtocol: 'tcp',
        objectName: text ? 'ORDERS' : null,
        objectType: text ? 'TABLE' : null,
        paramList: [],
        pid: 32482,
        remoteHost: '10.0.1.23',
        remotePort: String(40000 + (statementId % 20000)),
        rowCount: null,
        serverHost: '172.31.38.140',
        serverType: 'ORACLE',
        serverVersion: '19.0.0.0.ru-2024-04.rur-2024-04.r1.SE2.3',
        serviceName: 'oracle-se2',
        sessionId: 364318586 + (statementId % 13),
        startTime: null,
        statementId,
        substatementId: null,
        transactionId: null,
        class: klass,
        type: 'record',
      };
    case 'rds-sqlserver':
      return {
        class: klass,
        clientApplication: 'sqsh-2.5.16.1',
        command,
        commandText: text,
        databaseName: 'olist',
        dbProtocol: 'SQLSERVER',
        dbUserName: user,
        endTime: null,
        errorMessage: null,
        exitCode: 1,
        logTime,
        netProtocol: null,
        objectName: text ? 'orders' : null,
        objectType: text ? 'TABLE' : null,
        paramList: null,
        pid: null,
        remoteHost: '10.0.1.23',
        remotePort: null,
        rowCount: 0,
        serverHost: '172.31.41.46',
        serverType: 'SQLSERVER',
        serverVersion: '16.00.4125.3.v1.R1',
        serviceName: 'sqlserver-se',
        sessionId: 63,
        startTime: null,
        statementId: `0x${statementId.toString(16).padStart(32, 'c')}`,
        substatementId: 1,
        transactionId: String(26025305 + statementId),
        type: 'record',
        engineNativeAuditFields: {
          schema_name: 'dbo',
          object_id: 1490104349,
          session_server_principal_name: user,
          server_instance_name: 'EC2AMAZ-ODHB0PM',
          host_name: 'app-01',
        },
      };
  }
}

export { PROFILES };
