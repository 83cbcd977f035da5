import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { AUDIT_COLUMNS, AUDIT_TABLES, type AuditTable } from '../../lib/das-firehose-pipeline/audit-tables';
import { ALL_EVENTS_COLUMNS, ALL_EVENTS_TABLE_NAME } from '../../lib/das-firehose-pipeline/all-events-table';
import { allEventsDirectory } from './all-events-writer';

/**
 * The audit log on disk as the tables Athena has in the account: `events_by_command` over `events/`
 * (same columns, lower-cased as Glue names them, same partition columns read off the same paths), and
 * the columnar `all_events`, read from the Parquet files the local load writes
 * (all-events-writer.ts: `npm start`, `npm run replay -- --local`, `npm run invoke` against npm run local).
 *
 * The folder is a bucket as `npm start` and `npm run local` keep it (s3rver: one `<key>._S3rver_object`
 * file per object) or a plain copy of a real bucket (`aws s3 sync s3://<bucket>/events ./copy/events`).
 */

/** The default folder: the local bucket of `npm start` and `npm run local`. */
export const LOCAL_BUCKET_DIRECTORY = join('.local', 's3', 'das-firehose-local');

/** The objects each table reads, found on disk. */
export interface LocalAuditLog {
  readonly directory: string;
  readonly files: ReadonlyMap<AuditTable, readonly string[]>;
  /** The Parquet files of the local all_events table. */
  readonly allEventsFiles: readonly string[];
}

/** s3rver's file for an object, or the object itself in a plain copy: gzip NDJSON either way. */
const OBJECT_FILE = /\.gz(\._S3rver_object)?$/;

/** Finds each table's objects below `directory`; undefined when the folder does not exist. */
export async function findLocalAuditLog(directory: string): Promise<LocalAuditLog | undefined> {
  const info = await stat(directory).catch(() => undefined);
  if (!info?.isDirectory()) return undefined;
  const files = new Map<AuditTable, string[]>();
  for (const table of AUDIT_TABLES) {
    const root = join(directory, ...table.prefix.split('/').filter(Boolean));
    const names = await readdir(root, { recursive: true }).catch(() => [] as string[]);
    files.set(
      table,
      names
        .filter((name) => OBJECT_FILE.test(name))
        .map((name) => join(root, name))
        .sort(),
    );
  }
  const tableRoot = allEventsDirectory(directory);
  const parquet = await readdir(tableRoot, { recursive: true }).catch(() => [] as string[]);
  const allEventsFiles = parquet.filter((name) => name.endsWith('.parquet')).map((name) => join(tableRoot, name)).sort();
  return { directory, files, allEventsFiles };
}

/** How many objects the local audit log holds, all tables together (the all_events files too). */
export function objectCount(log: LocalAuditLog): number {
  return [...log.files.values()].reduce((sum, files) => sum + files.length, log.allEventsFiles.length);
}

/** Creates one view per table on the connection, named as in Athena. A table with no objects is empty. */
export async function createAuditViews(connection: DuckDBConnection, log: LocalAuditLog): Promise<void> {
  for (const table of AUDIT_TABLES) {
    await connection.run(`CREATE OR REPLACE TEMP VIEW ${table.name} AS ${viewSql(table, log.files.get(table) ?? [])}`);
  }
  await connection.run(`CREATE OR REPLACE TEMP VIEW ${ALL_EVENTS_TABLE_NAME} AS ${allEventsViewSql(log.allEventsFiles)}`);
}

/** The view of all_events: its Parquet files as written (every column in the files), or no rows of the same columns. */
export function allEventsViewSql(files: readonly string[]): string {
  if (files.length === 0) {
    const nulls = ALL_EVENTS_COLUMNS.map((column) => `CAST(NULL AS ${column.type === 'timestamp' ? 'TIMESTAMP' : 'VARCHAR'}) AS ${quoted(column.name)}`);
    return `SELECT ${nulls.join(', ')} WHERE false`;
  }
  return `SELECT ${ALL_EVENTS_COLUMNS.map((column) => quoted(column.name)).join(', ')} FROM read_parquet([${files.map(literal).join(', ')}], hive_partitioning = false)`;
}

/**
 * The view of one table: every field a VARCHAR (a number as its text, an object or array as its JSON
 * text, as the OpenX SerDe reads them into Athena's string columns), then the partition columns, taken
 * from the object's path with the table's path template.
 */
export function viewSql(table: AuditTable, files: readonly string[]): string {
  const fields = AUDIT_COLUMNS.map((column) => `${quoted(column.name)} AS ${quoted(column.name.toLowerCase())}`);
  if (files.length === 0) {
    const nulls = [...AUDIT_COLUMNS.map((column) => column.name.toLowerCase()), ...table.partitions.map((partition) => partition.name)];
    return `SELECT ${nulls.map((name) => `CAST(NULL AS VARCHAR) AS ${quoted(name)}`).join(', ')} WHERE false`;
  }
  const pathPattern = partitionPattern(table);
  const partitions = table.partitions.map(
    (partition, index) => `regexp_extract(replace(filename, '\\', '/'), ${literal(pathPattern)}, ${index + 1}) AS ${quoted(partition.name)}`,
  );
  const columns = AUDIT_COLUMNS.map((column) => `${literal(column.name)}: 'VARCHAR'`).join(', ');
  const list = files.map(literal);
  return (
    `SELECT ${[...fields, ...partitions].join(', ')} FROM read_json([${list.join(', ')}], ` +
    `format = 'newline_delimited', compression = 'gzip', filename = true, hive_partitioning = false, ` +
    `maximum_object_size = ${MAX_EVENT_BYTES}, columns = {${columns}})`
  );
}

/** The largest event line read: the transformer's own per-record cap. */
const MAX_EVENT_BYTES = 64 * 1024 * 1024;

/** `events/command=([^/]+)/date=([^/]+)/hour=([^/]+)/` for events_by_command, and so on. */
function partitionPattern(table: AuditTable): string {
  const template = `${table.prefix}${table.pathTemplate}`;
  return template
    .split(/\$\{[a-z_]+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('([^/]+)');
}

function quoted(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
