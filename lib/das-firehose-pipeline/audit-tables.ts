import * as layout from '../bucket-layout';

/**
 * The audit log as SQL tables: one definition for the Glue tables Athena queries in the account and the
 * views DuckDB builds over the local audit log (`npm run query`). The columnar `all_events` table has its
 * own definition (all-events-table.ts), whose field columns are these.
 *
 * Every event field is a `string` column. The engines disagree on JSON types (`statementId` is a number
 * for PostgreSQL, MySQL and Oracle and a hex string for SQL Server; `sessionId`, `exitCode`, `pid`,
 * `remotePort` likewise), and a typed column would fail every query that meets the other engine's
 * rows. A string column takes a number as its text, and an object or array (`engineNativeAuditFields`,
 * `paramList`) as its JSON text, for `json_extract_scalar`. Cast where a number is wanted:
 * `try_cast(rowcount AS bigint)`.
 */

/** One event field: its name as it appears in the events (Glue lower-cases it; SQL is case-insensitive). */
export interface AuditColumn {
  readonly name: string;
  readonly comment: string;
}

export const AUDIT_COLUMNS: readonly AuditColumn[] = [
  { name: 'logTime', comment: 'When the database logged the event, UTC, as the engine writes it: 2026-11-21 12:00:00.123456+00' },
  { name: 'type', comment: 'record (heartbeats are never stored)' },
  { name: 'class', comment: "The engine's class of statement: READ, WRITE, DDL, ROLE, MISC (PostgreSQL), MAIN/AUX (MySQL), Standard (Oracle), the audited object's class (SQL Server)" },
  { name: 'command', comment: 'The command as the engine names it: SELECT, CREATE TABLE, QUERY (MySQL statements), LOGON, LOGIN FAILED…' },
  { name: 'commandText', comment: 'The SQL text' },
  { name: 'paramList', comment: 'Bind parameters, as JSON text' },
  { name: 'dbUserName', comment: 'The database user' },
  { name: 'databaseName', comment: 'The database (Oracle: the service name)' },
  { name: 'objectType', comment: 'The type of the object acted on, e.g. TABLE' },
  { name: 'objectName', comment: 'The object acted on' },
  { name: 'remoteHost', comment: 'The client address' },
  { name: 'remotePort', comment: 'The client port' },
  { name: 'clientApplication', comment: 'The client program, when the engine reports it' },
  { name: 'sessionId', comment: 'The session (a number for Oracle and SQL Server, text for PostgreSQL and MySQL)' },
  { name: 'statementId', comment: 'The statement (a number, or a hex string for SQL Server)' },
  { name: 'substatementId', comment: 'The part of the statement' },
  { name: 'transactionId', comment: 'The transaction, when the engine reports it' },
  { name: 'pid', comment: 'The server process (null for SQL Server)' },
  { name: 'exitCode', comment: 'The outcome: 0 or null for success, else the return code (Oracle ORA- numbers, MySQL error numbers); SQL Server: 1 when the action succeeded, 0 when it failed' },
  { name: 'errorMessage', comment: 'The error, when the statement failed and the engine reports it' },
  { name: 'rowCount', comment: 'Rows affected or returned' },
  { name: 'startTime', comment: 'When the statement started, when reported' },
  { name: 'endTime', comment: 'When the statement ended, when reported' },
  { name: 'serverHost', comment: 'The database host' },
  { name: 'serverType', comment: 'PostgreSQL, MySQL, ORACLE, SQLSERVER' },
  { name: 'serverVersion', comment: 'The engine version' },
  { name: 'serviceName', comment: 'The service: Amazon Aurora PostgreSQL-Compatible edition, oracle-se2, sqlserver-se…' },
  { name: 'dbProtocol', comment: 'The wire protocol' },
  { name: 'netProtocol', comment: 'The network protocol' },
  { name: 'engineNativeAuditFields', comment: "The engine's own audit fields (Oracle, SQL Server), as JSON text: json_extract_scalar(engineNativeAuditFields, '$.object_id')" },
  { name: 'clusterId', comment: 'The Aurora cluster (DbClusterResourceId)' },
  { name: 'instanceId', comment: 'The instance (DbiResourceId)' },
];

/** A partition column: read off the object's path, never stored in the events. */
export interface PartitionColumn {
  readonly name: string;
  readonly comment: string;
}

/** One table of the audit log. */
export interface AuditTable {
  readonly name: string;
  readonly comment: string;
  /** The prefix of the bucket the table reads. */
  readonly prefix: string;
  readonly partitions: readonly PartitionColumn[];
  /**
   * The path below `prefix` as a template of the partition columns (`${name}`): Athena's
   * `storage.location.template`, and what the local views read the partition values from.
   */
  readonly pathTemplate: string;
}

const DATE = { name: 'date', comment: 'UTC date, YYYY-MM-DD' };
const HOUR = { name: 'hour', comment: 'UTC hour, 00 to 23' };

/**
 * One command at a time: the audit log itself (`events/`), partitioned by the command's folder and the
 * UTC date and hour of the event's `logTime`. A query names the command (`command_folder = 'DROP_TABLE'`)
 * and reads only that command's folders; it sees events as soon as they are stored.
 */
export const EVENTS_BY_COMMAND_TABLE: AuditTable = {
  name: 'events_by_command',
  comment: 'Every stored event, by command folder and the UTC hour of its logTime (events/); name the command_folder in every query',
  prefix: layout.EVENTS_PREFIX,
  partitions: [{ name: 'command_folder', comment: 'The command folder: CREATE_TABLE for CREATE TABLE (upper case, _ for other characters)' }, DATE, HOUR],
  pathTemplate: 'command=${command_folder}/date=${date}/hour=${hour}/',
};

/**
 * The Glue tables over the audit log's own objects. The all-commands questions go to the columnar
 * `all_events` table (all-events-table.ts), built from `events/`; the former `events` table over
 * Firehose's copy (`firehose/ok/`) is retired, since that copy now holds receipts, not events.
 */
export const AUDIT_TABLES: readonly AuditTable[] = [EVENTS_BY_COMMAND_TABLE];

/** The earliest date partition projection enumerates: database activity streams began in 2019. */
export const FIRST_PARTITION_DATE = '2019-01-01';
