import type { DuckDBConnection } from '@duckdb/node-api';
import { ALL_EVENTS_PARTITION_COLUMNS } from '../../lib/das-firehose-pipeline/all-events-table';

/**
 * The sizing benchmark's comparison layout: `all_events` as the local load writes it (local/query/
 * all-events-writer.ts, which the benchmark runs), re-sorted by time within each partition.
 */

/** Rows per Parquet row group (DuckDB's default, spelled out so the figures say what they measured). */
export const ROW_GROUP_ROWS = 122_880;

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

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
