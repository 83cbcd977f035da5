import type { DuckDBConnection } from '@duckdb/node-api';
import { AUDIT_COLUMNS } from '../../lib/das-firehose-pipeline/audit-tables';
import type { StoredFile } from './layouts';

/**
 * The issue's four questions, asked of every layout with DuckDB: which files the layout's partition
 * filter selects (Athena reads a selected gzip object whole), how many bytes those are (for Parquet:
 * the column chunks the query reads, in the row groups whose min/max can match), and how long DuckDB
 * takes.
 */

/** A layout as the queries see it. */
export interface QueryLayout {
  readonly name: string;
  readonly label: string;
  readonly format: 'events' | 'firehose' | 'parquet';
  /** The folder the files' keys are relative to. */
  readonly root: string;
  readonly files: readonly StoredFile[];
}

/** What a partition filter can see: the date, and the command folder (events/ only). */
export interface PartitionFilter {
  readonly date?: string;
  readonly commandFolder?: string;
}

/** One of the benchmark's questions. */
export interface SizingQuery {
  readonly name: string;
  readonly label: string;
  readonly partitions: PartitionFilter;
  /** The question over a relation `t` with the table's lower-case columns. */
  readonly sql: string;
  /** The answer's columns (hashed to compare answers across layouts). */
  readonly output: readonly string[];
  /** Every column the question reads (what Parquet bytes are counted for). */
  readonly reads: readonly string[];
  /** An equality filter row groups can be skipped on by their min/max. */
  readonly rowFilter?: { readonly column: string; readonly value: string };
}

/** The four questions for a run of `days` days whose one-day questions look at `day`. */
export function sizingQueries(days: number, day: string, user: string, table: string): SizingQuery[] {
  const span = `${days} day${days === 1 ? '' : 's'}`;
  return [
    {
      name: 'user',
      label: `one user, ${span}`,
      partitions: {},
      sql: `SELECT logtime, command, objectname, commandtext, remotehost FROM t WHERE dbusername = '${user}'`,
      output: ['logtime', 'command', 'objectname', 'commandtext', 'remotehost'],
      reads: ['dbusername', 'logtime', 'command', 'objectname', 'commandtext', 'remotehost'],
      rowFilter: { column: 'dbusername', value: user },
    },
    {
      name: 'table',
      label: `one table, ${span}`,
      partitions: {},
      sql: `SELECT logtime, dbusername, command, commandtext, remotehost FROM t WHERE objectname = '${table}'`,
      output: ['logtime', 'dbusername', 'command', 'commandtext', 'remotehost'],
      reads: ['objectname', 'logtime', 'dbusername', 'command', 'commandtext', 'remotehost'],
      rowFilter: { column: 'objectname', value: table },
    },
    {
      name: 'per-command-hour',
      label: 'events per command per hour, 1 day',
      partitions: { date: day },
      sql: `SELECT command, hour, count(*) AS n FROM t GROUP BY command, hour`,
      output: ['command', 'hour', 'n'],
      reads: ['command', 'hour'],
    },
    {
      name: 'failed-logins',
      label: 'failed logins, 1 day',
      partitions: { date: day, commandFolder: 'AUTH_FAILURE' },
      sql: `SELECT logtime, dbusername, remotehost, errormessage FROM t WHERE command = 'AUTH FAILURE'`,
      output: ['logtime', 'dbusername', 'remotehost', 'errormessage'],
      reads: ['command', 'logtime', 'dbusername', 'remotehost', 'errormessage'],
    },
  ];
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The files a partition filter selects, read off the keys as Athena reads partition values off the path. */
export function selectFiles(layout: QueryLayout, filter: PartitionFilter): StoredFile[] {
  return layout.files.filter((file) => {
    if (filter.date !== undefined && !file.key.includes(`/date=${filter.date}/`) && !file.key.startsWith(`date=${filter.date}/`)) return false;
    if (layout.format === 'events' && filter.commandFolder !== undefined && !file.key.startsWith(`events/command=${filter.commandFolder}/`)) return false;
    return true;
  });
}

/** The same selection as a glob DuckDB expands (so DuckDB opens exactly the selected files). */
export function selectionGlob(layout: QueryLayout, filter: PartitionFilter): string {
  const date = filter.date ?? '*';
  switch (layout.format) {
    case 'events':
      return `${layout.root}/events/command=${filter.commandFolder ?? '*'}/date=${date}/hour=*/*.jsonl.gz`;
    case 'firehose':
      return `${layout.root}/firehose/ok/resource=*/date=${date}/hour=*/*`;
    case 'parquet':
      return `${layout.root}/resource=*/date=${date}/*.parquet`;
  }
}

const JSON_COLUMNS = `{${AUDIT_COLUMNS.map((column) => `${quote(column.name)}: 'VARCHAR'`).join(', ')}}`;

/** The relation `t` over a layout's selected files, with the lower-case columns the questions use. */
export function relation(layout: QueryLayout, glob: string): string {
  if (layout.format === 'parquet') return `read_parquet(${quote(glob)}, hive_partitioning = false)`;
  // Partitions come from the path, as the Glue tables take them; hive columns are off since events/'s
  // `command=` folder would clash with the events' own `command` field.
  return `(SELECT *, regexp_extract(filename, '/hour=([0-9]{2})/', 1) AS hour
    FROM read_json(${quote(glob)}, format = 'newline_delimited', compression = 'gzip', columns = ${JSON_COLUMNS},
      hive_partitioning = false, filename = true))`;
}

/** A question's answer, small enough to compare across layouts: its row count and an order-free hash. */
export interface Answer {
  readonly rows: number;
  readonly hash: string;
}

/** Runs the question on the layout's selected files; the answer is its row count and hash. */
export async function answer(connection: DuckDBConnection, layout: QueryLayout, query: SizingQuery, glob: string): Promise<Answer> {
  const sql = `WITH t AS (SELECT * FROM ${relation(layout, glob)})
    SELECT count(*)::BIGINT AS n, coalesce(bit_xor(hash(${query.output.join(', ')})), 0)::VARCHAR AS h FROM (${query.sql})`;
  const rows = (await connection.runAndReadAll(sql)).getRowsJS();
  const [n, hash] = rows[0] as [bigint, string];
  return { rows: Number(n), hash };
}

/** Every event a layout holds, counted, with an order-free hash of each event's identifying fields. */
export async function layoutContents(connection: DuckDBConnection, layout: QueryLayout): Promise<Answer> {
  if (layout.files.length === 0) return { rows: 0, hash: '0' };
  const sql = `SELECT count(*)::BIGINT, coalesce(sum(hash(logtime, command, dbusername, objectname, remoteport, sessionid, commandtext)::HUGEINT), 0)::VARCHAR
    FROM ${relation(layout, selectionGlob(layout, {}))}`;
  const [n, hash] = (await connection.runAndReadAll(sql)).getRowsJS()[0] as [bigint, string];
  return { rows: Number(n), hash };
}

/** What the row groups of the selected Parquet files let a question skip, and the bytes it then reads. */
export interface ParquetScan {
  readonly rowGroups: number;
  readonly skipped: number;
  /** Compressed bytes of the column chunks the question reads in the row groups it cannot skip. */
  readonly bytes: number;
}

/** Reads the footers (parquet_metadata) of the selected files: row groups, their min/max, chunk sizes. */
export async function parquetScan(connection: DuckDBConnection, glob: string, query: SizingQuery): Promise<ParquetScan> {
  const filter = query.rowFilter;
  const reads = query.reads.map(quote).join(', ');
  const sql = `WITH chunks AS (SELECT file_name, row_group_id, path_in_schema, stats_min_value, stats_max_value, total_compressed_size
      FROM parquet_metadata(${quote(glob)})),
    groups AS (SELECT file_name, row_group_id,
      ${filter ? `bool_or(path_in_schema = ${quote(filter.column)} AND (stats_min_value > ${quote(filter.value)} OR stats_max_value < ${quote(filter.value)}))` : 'false'} AS skip
      FROM chunks GROUP BY ALL)
    SELECT count(*)::BIGINT, count(*) FILTER (WHERE skip)::BIGINT,
      coalesce((SELECT sum(total_compressed_size) FROM chunks JOIN groups USING (file_name, row_group_id)
        WHERE NOT skip AND path_in_schema IN (${reads})), 0)::BIGINT
    FROM groups`;
  const [rowGroups, skipped, bytes] = (await connection.runAndReadAll(sql)).getRowsJS()[0] as [bigint, bigint, bigint];
  return { rowGroups: Number(rowGroups), skipped: Number(skipped), bytes: Number(bytes) };
}
