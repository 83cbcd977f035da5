import type { DuckDBConnection } from '@duckdb/node-api';
import { AUDIT_COLUMNS } from '../../lib/das-firehose-pipeline/audit-tables';
import { ALL_EVENTS_COLUMNS, ALL_EVENTS_PARTITION_COLUMNS, ALL_EVENTS_SORT_ORDER } from '../../lib/das-firehose-pipeline/all-events-table';

/**
 * THE benchmark's writer of the columnar `all_events` table: DuckDB reads the `events/` objects and writes
 * Parquet (ZSTD) partitioned by resource and date, with the columns of all-events-table.ts. It is one
 * function on purpose: when the product's local writer lands (another branch), it replaces this one and
 * the benchmark measures what the product writes.
 */

/** Rows per Parquet row group (DuckDB's default, spelled out so the figures say what they measured). */
export const ROW_GROUP_ROWS = 122_880;

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Writes `all_events` from the `events/` layout whose bucket root is `bucketRoot` (objects under
 * `bucketRoot/events/…`) into `outDir` (`resource=<id>/date=<YYYY-MM-DD>/<file>.parquet`).
 */
export async function writeAllEventsParquet(connection: DuckDBConnection, bucketRoot: string, outDir: string): Promise<void> {
  const known = AUDIT_COLUMNS.map((column) => quote(column.name)).join(', ');
  // One parse of each line for every field: `->>` per column would parse the line once per column.
  const paths = AUDIT_COLUMNS.map((column) => quote(`$."${column.name}"`)).join(', ');
  const fieldColumns = AUDIT_COLUMNS.map((column, index) => `fields[${index + 1}] AS ${ident(column.name.toLowerCase())}`);
  const derived: Record<string, string> = {
    log_time: `TRY_CAST(fields[${AUDIT_COLUMNS.findIndex((column) => column.name === 'logTime') + 1}] AS TIMESTAMPTZ)`,
    // The fields no column names, as one JSON object (null when there are none).
    other_fields: `CASE WHEN len(other_keys) = 0 THEN NULL
      ELSE to_json(map_from_entries(list_transform(other_keys, k -> struct_pack(k := k, v := json->k))))::VARCHAR END`,
    command_folder: `regexp_extract(object_key, '^events/command=([^/]+)/', 1)`,
    hour: `regexp_extract(object_key, '/hour=([0-9]{2})/', 1)`,
    event_key: `sha256(object_key || chr(10) || occurrence::VARCHAR || chr(10) || json::VARCHAR)`,
    resource: `regexp_extract(object_key, '/([^/]+)-[0-9a-f]{32}\\.jsonl\\.gz$', 1)`,
    date: `regexp_extract(object_key, '/date=([0-9-]{10})/', 1)`,
  };
  const columns = ALL_EVENTS_COLUMNS.map((column) => {
    const field = fieldColumns.find((text) => text.endsWith(` AS ${ident(column.name)}`));
    if (field) return field;
    const expression = derived[column.name];
    if (!expression) throw new Error(`all_events column ${column.name} has no expression in the sizing writer`);
    return `${expression} AS ${ident(column.name)}`;
  });
  const partitions = ALL_EVENTS_PARTITION_COLUMNS.map((column) => ident(column.name));
  const sort = ALL_EVENTS_SORT_ORDER.map(ident);
  await connection.run(`SET TimeZone = 'UTC'`);
  await connection.run(`COPY (
      WITH lines AS (
        SELECT json, regexp_extract(filename, '(events/command=.*)$', 1) AS object_key
        FROM read_ndjson_objects(${quote(`${bucketRoot}/events/command=*/date=*/hour=*/*.jsonl.gz`)}, filename = true)
      ), keyed AS (
        SELECT json, object_key, row_number() OVER (PARTITION BY object_key, json::VARCHAR) AS occurrence,
          json_extract_string(json, [${paths}]) AS fields,
          list_filter(json_keys(json), k -> NOT list_contains([${known}], k)) AS other_keys
        FROM lines
      )
      SELECT ${columns.join(',\n        ')}
      FROM keyed
      ORDER BY ${[...partitions, ...sort].join(', ')}
    ) TO ${quote(outDir)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ROW_GROUP_ROWS},
      PARTITION_BY (${partitions.join(', ')}), FILENAME_PATTERN 'part_{i}')`);
}

/**
 * For comparison only: the same table (whatever wrote it) with each partition's rows in time order, as a
 * writer that ignores ALL_EVENTS_SORT_ORDER would leave them. Same files, columns and row-group size.
 */
export async function reorderByTime(connection: DuckDBConnection, tableDir: string, outDir: string): Promise<void> {
  const partitions = ALL_EVENTS_PARTITION_COLUMNS.map((column) => ident(column.name));
  await connection.run(`COPY (
      SELECT * FROM read_parquet(${quote(`${tableDir}/*/*/*.parquet`)}, hive_partitioning = true)
      ORDER BY ${[...partitions, ident('log_time')].join(', ')}
    ) TO ${quote(outDir)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ROW_GROUP_ROWS},
      PARTITION_BY (${partitions.join(', ')}), FILENAME_PATTERN 'part_{i}')`);
}
