import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { AUDIT_COLUMNS, AUDIT_TABLES, type AuditTable } from '../../lib/das-firehose-pipeline/audit-tables';

/**
 * The audit log on disk as the tables Athena has in the account: `events` over Firehose's copy
 * (`firehose/ok/`) and `events_by_command` over `events/`, same columns (lower-cased, as Glue names
 * them), same partition columns read off the same paths.
 *
 * The folder is a bucket as `npm start` and `npm run local` keep it (s3rver: one `<key>._S3rver_object`
 * file per object) or a plain copy of a real bucket (`aws s3 sync s3://<bucket>/firehose/ok ./copy/firehose/ok`).
 */

/** The default folder: the local bucket of `npm start` and `npm run local`. */
export const LOCAL_BUCKET_DIRECTORY = join('.local', 's3', 'das-firehose-local');

/** The objects each table reads, found on disk. */
export interface LocalAuditLog {
  readonly directory: string;
  readonly files: ReadonlyMap<AuditTable, readonly string[]>;
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
  return { directory, files };
}

/** How many objects the local audit log holds, all tables together. */
export function objectCount(log: LocalAuditLog): number {
  return [...log.files.values()].reduce((sum, files) => sum + files.length, 0);
}

/** Creates one view per table on the connection, named as in Athena. A table with no objects is empty. */
export async function createAuditViews(connection: DuckDBConnection, log: LocalAuditLog): Promise<void> {
  for (const table of AUDIT_TABLES) {
    await connection.run(`CREATE OR REPLACE TEMP VIEW ${table.name} AS ${viewSql(table, log.files.get(table) ?? [])}`);
  }
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

/** `firehose/ok/resource=([^/]+)/date=([^/]+)/hour=([^/]+)/` for the events table, and so on. */
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
