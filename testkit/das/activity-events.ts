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
  /**
   * Share of events, 0–1, that raise exactly one built-in alert (a failed login, a grant, a drop…),
   * spread evenly over the events counted from `firstIndex`; every other event is everyday activity no
   * built-in rule matches. @default unset: statements drawn from every kind, sensitive ones included
   */
  readonly sensitiveShare?: number;
  /** Position of the first event in the whole stream, so that `sensitiveShare` holds across calls. @default 0 */
  readonly firstIndex?: number;
}

type Event = Record<string, unknown>;

/**
 * One kind of statement an engine logs: its command and class in the engine's own words, the SQL text,
 * and whether it failed. Each engine's list holds what an audit is about (logins that failed, grants,
 * drops) beside the everyday reads and writes, so the named queries and alert rules have something to
 * find in the samples.
 */
interface Activity {
  readonly command: string;
  readonly klass: string;
  readonly text?: string;
  /** The object acted on, when not the default table. */
  readonly object?: string;
  /** A login that failed (each engine says so in its own way). */
  readonly failed?: boolean;
  /** MySQL: the command of the AUX event the statement adds (READ, WRITE, DROP…), if it touches a table. */
  readonly aux?: string;
  /** Matches one built-in alert rule (privilege change, failed login, destructive DDL) with its event, its AUX event none. */
  readonly sensitive?: true;
}

const COMMANDS: Readonly<Record<Engine, readonly Activity[]>> = {
  'aurora-postgresql': [
    { command: 'SELECT', klass: 'READ', text: 'select * from orders where customer_id = $1' },
    { command: 'SELECT', klass: 'READ', text: 'select * from orders where customer_id = $1' },
    { command: 'INSERT', klass: 'WRITE', text: 'insert into orders (customer_id, total) values (42, 19.99)' },
    { command: 'UPDATE', klass: 'WRITE', text: "update orders set status = 'shipped' where id = 7" },
    { command: 'DELETE', klass: 'WRITE', text: 'delete from sessions where expires_at < now()', object: 'public.sessions' },
    { command: 'CONNECT', klass: 'MISC' },
    { command: 'DISCONNECT', klass: 'MISC' },
    { command: 'CREATE TABLE', klass: 'DDL', text: 'create table audit_probe (id serial primary key, name varchar(32))', object: 'public.audit_probe' },
    { command: 'AUTH FAILURE', klass: 'MISC', failed: true, sensitive: true },
    { command: 'GRANT', klass: 'ROLE', text: 'grant select on orders to reporting', sensitive: true },
    // pgaudit logs CREATE USER with the tag CREATE ROLE.
    { command: 'CREATE ROLE', klass: 'ROLE', text: 'create user etl_loader', object: 'etl_loader', sensitive: true },
    { command: 'DROP TABLE', klass: 'DDL', text: 'drop table audit_probe', object: 'public.audit_probe', sensitive: true },
    { command: 'TRUNCATE TABLE', klass: 'WRITE', text: 'truncate table sessions', object: 'public.sessions', sensitive: true },
  ],
  // MySQL reports each statement as QUERY (MAIN), its text the only clue, plus an AUX event per table touched.
  'aurora-mysql': [
    { command: 'QUERY', klass: 'MAIN', text: "select * from orders where status = 'open'", aux: 'READ' },
    { command: 'QUERY', klass: 'MAIN', text: "select * from orders where status = 'open'", aux: 'READ' },
    { command: 'QUERY', klass: 'MAIN', text: 'insert into orders (customer_id, total) values (42, 19.99)', aux: 'WRITE' },
    { command: 'QUERY', klass: 'MAIN', text: "update orders set status = 'shipped' where id = 7", aux: 'WRITE' },
    { command: 'QUERY', klass: 'MAIN', text: "GRANT SELECT ON shop.orders TO 'reporting'@'%'", sensitive: true },
    { command: 'QUERY', klass: 'MAIN', text: "CREATE USER 'etl_loader'@'10.0.%'", object: '', sensitive: true },
    { command: 'QUERY', klass: 'MAIN', text: '/* nightly cleanup */ DROP TABLE shop.tmp_import', object: 'tmp_import', aux: 'DROP', sensitive: true },
    { command: 'QUERY', klass: 'MAIN', text: 'TRUNCATE TABLE shop.sessions', object: 'sessions', aux: 'WRITE', sensitive: true },
    { command: 'CONNECT', klass: 'MAIN' },
    { command: 'DISCONNECT', klass: 'MAIN' },
    { command: 'FAILED_CONNECT', klass: 'MAIN', failed: true, sensitive: true },
  ],
  'rds-oracle': [
    { command: 'SELECT', klass: 'Standard', text: 'SELECT * FROM APP.ORDERS WHERE CUSTOMER_ID = :1' },
    { command: 'INSERT', klass: 'Standard', text: 'INSERT INTO APP.ORDERS (CUSTOMER_ID, TOTAL) VALUES (42, 19.99)' },
    { command: 'UPDATE', klass: 'Standard', text: "UPDATE APP.ORDERS SET STATUS = 'SHIPPED' WHERE ID = 7" },
    { command: 'EXECUTE', klass: 'Standard', text: "BEGIN DBMS_STATS.GATHER_SCHEMA_STATS('APP'); END;", object: 'DBMS_STATS' },
    { command: 'LOGON', klass: 'Standard' },
    // Oracle logs every LOGON; RETURN_CODE (exitCode) 1017 is a wrong user name or password.
    { command: 'LOGON', klass: 'Standard', failed: true, sensitive: true },
    { command: 'LOGOFF', klass: 'Standard' },
    { command: 'CREATE TABLE', klass: 'Standard', text: 'CREATE TABLE APP.AUDIT_PROBE (ID NUMBER PRIMARY KEY)', object: 'AUDIT_PROBE' },
    { command: 'GRANT', klass: 'Standard', text: 'GRANT SELECT ON APP.ORDERS TO REPORTING', sensitive: true },
    { command: 'CREATE USER', klass: 'Standard', text: 'CREATE USER ETL_LOADER', object: 'ETL_LOADER', sensitive: true },
    { command: 'DROP TABLE', klass: 'Standard', text: 'DROP TABLE APP.AUDIT_PROBE', object: 'AUDIT_PROBE', sensitive: true },
    { command: 'TRUNCATE TABLE', klass: 'Standard', text: 'TRUNCATE TABLE APP.SESSIONS', object: 'SESSIONS', sensitive: true },
  ],
  // SQL Server names the audit action; exitCode is the audit's succeeded flag (1 = it succeeded).
  'rds-sqlserver': [
    { command: 'SELECT', klass: 'TABLE', text: 'select * from orders where customer_id = @p1' },
    { command: 'INSERT', klass: 'TABLE', text: 'insert into orders (customer_id, total) values (42, 19.99)' },
    { command: 'UPDATE', klass: 'TABLE', text: "update orders set status = 'shipped' where id = 7" },
    { command: 'DELETE', klass: 'TABLE', text: 'delete from sessions where expires_at < getdate()', object: 'sessions' },
    { command: 'LOGIN SUCCEEDED', klass: 'LOGIN' },
    { command: 'LOGIN FAILED', klass: 'LOGIN', failed: true, sensitive: true },
    { command: 'LOGOUT', klass: 'LOGIN' },
    { command: 'EXECUTE', klass: 'DATABASE', text: 'exec dbo.refresh_totals', object: 'refresh_totals' },
    { command: 'GRANT', klass: 'TABLE', text: 'grant select on dbo.orders to reporting', sensitive: true },
    { command: 'ADD MEMBER', klass: 'DATABASE ROLE', text: 'alter role db_datareader add member etl_loader', object: 'db_datareader', sensitive: true },
    { command: 'DROP', klass: 'TABLE', text: 'drop table dbo.tmp_import', object: 'tmp_import', sensitive: true },
  ],
};

/** Where failed logins come from in the samples: a host of the documentation range, not the app's. */
const APP_HOST = '10.0.1.23';
const STRANGER_HOST = '198.51.100.7';

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
    const activities = pool(engine, options, events.length);
    const activity = activities[Math.floor(next() * activities.length)] as Activity;
    const statementId = 1000 + index;
    const micros = Math.floor(next() * 1000);
    const event = buildEvent(engine, { activity, statementId, millis, micros, pick: next });
    events.push(event);
    // With a sensitive share, an AUX event never takes the place of a sensitive statement.
    if (activity.aux && events.length < count && !sensitiveAt(options, events.length)) {
      // The AUX event names the table in commandText and leaves exitCode empty.
      events.push({ ...event, class: 'AUX', command: activity.aux, substatementId: 2, commandText: event.objectName, exitCode: '', rowCount: 0 });
    }
  }
  return events;
}

/** The activities the next statement is drawn from: all of them, or (with `sensitiveShare`) one side. */
function pool(engine: Engine, options: EventOptions, produced: number): readonly Activity[] {
  const share = options.sensitiveShare;
  if (share === undefined) return COMMANDS[engine];
  const sensitive = sensitiveAt(options, produced);
  return COMMANDS[engine].filter((activity) => (activity.sensitive === true) === sensitive);
}

/** Whether the event at this place must be sensitive: it takes their running count past a whole number. */
function sensitiveAt(options: EventOptions, produced: number): boolean {
  const share = options.sensitiveShare;
  if (share === undefined) return false;
  const position = (options.firstIndex ?? 0) + produced;
  return Math.floor((position + 1) * share) > Math.floor(position * share);
}

interface EventSeed {
  readonly activity: Activity;
  readonly statementId: number;
  readonly millis: number;
  readonly micros: number;
  readonly pick: () => number;
}

function buildEvent(engine: Engine, seed: EventSeed): Event {
  const { activity, statementId, millis, micros, pick } = seed;
  const { command, klass, failed = false } = activity;
  const logTime = dasLogTime(millis, engine, micros);
  const text = activity.text ?? null;
  const users = ['app_writer', 'app_reader', 'reporting', 'rdsadmin'];
  const user = users[Math.floor(pick() * users.length)] as string;
  const remoteHost = failed ? STRANGER_HOST : APP_HOST;
  switch (engine) {
    case 'aurora-postgresql':
      return {
        logTime,
        statementId,
        substatementId: 1,
        objectType: text ? 'TABLE' : null,
        command,
        objectName: text ? (activity.object ?? 'public.orders') : null,
        databaseName: 'postgres',
        dbUserName: user,
        remoteHost,
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
        errorMessage: failed ? `password authentication failed for user "${user}"` : null,
      };
    case 'aurora-mysql':
      return {
        logTime,
        type: 'record',
        clientApplication: null,
        pid: 20555,
        dbUserName: user,
        databaseName: 'shop',
        remoteHost,
        remotePort: String(40000 + (statementId % 20000)),
        command,
        commandText: command === 'QUERY' ? text : null,
        paramList: null,
        objectType: 'TABLE',
        objectName: command === 'QUERY' ? (activity.object ?? 'orders') : '',
        statementId,
        substatementId: 1,
        exitCode: failed ? '1045' : '0',
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
        exitCode: failed ? 1017 : 0,
        logTime,
        netProtocol: 'tcp',
        objectName: text ? (activity.object ?? 'ORDERS') : null,
        // Oracle's objectType holds the object's schema (OBJECT_SCHEMA).
        objectType: text ? 'APP' : null,
        paramList: [],
        pid: 32482,
        remoteHost,
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
        exitCode: failed ? 0 : 1,
        logTime,
        netProtocol: null,
        objectName: text ? (activity.object ?? 'orders') : null,
        objectType: text ? 'TABLE' : null,
        paramList: null,
        pid: null,
        remoteHost,
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
