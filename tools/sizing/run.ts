import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { allEventsDirectory, loadAllEvents } from '../../local/query/all-events-writer';
import { reorderByTime } from './by-time-layout';
import { projectGoals, type Goals } from './goals';
import { FIREHOSE_VARIANTS, writeGzipLayouts, type StoredFile } from './layouts';
import type { SizingOptions } from './options';
import { answer, layoutContents, parquetScan, selectFiles, selectionGlob, sizingQueries, type Answer, type QueryLayout } from './queries';
import { median } from '../bench/stats';
import { tableName, userName } from './workload';

/** One layout: what it holds and what it weighs. */
export interface LayoutResult {
  readonly name: string;
  readonly label: string;
  readonly files: number;
  readonly bytes: number;
  /** Every event it holds (read back with DuckDB) and an order-free hash of them. */
  readonly contents: Answer;
}

/** One question on one layout. */
export interface QueryResult {
  readonly query: string;
  readonly layout: string;
  /** Files the partition filter selects, and their bytes. */
  readonly files: number;
  readonly fileBytes: number;
  /** What Athena would scan: the whole selected gzip objects; for Parquet the column chunks read. */
  readonly scannedBytes: number;
  /** Parquet only: row groups of the selected files, and those min/max let the question skip. */
  readonly rowGroups?: number;
  readonly rowGroupsSkipped?: number;
  /** DuckDB's times, seconds, and their median. */
  readonly seconds: readonly number[];
  readonly medianSeconds: number;
  readonly answer: Answer;
}

/** Everything `npm run sizing` measured. */
export interface SizingReport {
  readonly command: string;
  readonly options: SizingOptions;
  readonly oneDay: string;
  readonly user: string;
  readonly table: string;
  /** Bytes of the stored lines before compression. */
  readonly ndjsonBytes: number;
  readonly phases: { readonly generateSeconds: number; readonly parquetSeconds: number; readonly querySeconds: number };
  readonly layouts: readonly LayoutResult[];
  readonly queries: readonly { readonly name: string; readonly label: string }[];
  readonly results: readonly QueryResult[];
  /** Whether every layout holds the same events and gives every question the same answer. */
  readonly consistent: boolean;
  /** What differs when not: `firehose-1 holds 499,663 of 500,000 events`, `user: firehose-1 answers 44,900 rows, events 44,909`. */
  readonly inconsistencies: readonly string[];
  readonly goals: Goals;
}

async function listFiles(root: string): Promise<StoredFile[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files: StoredFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.push({ key: relative(root, path), bytes: (await stat(path)).size });
  }
  return files;
}

const seconds = (since: number) => (performance.now() - since) / 1000;

/** Generates the layouts in a temporary folder, asks the questions, and removes the folder. */
export async function runSizing(options: SizingOptions, command: string, progress: (line: string) => void): Promise<SizingReport> {
  const root = await mkdtemp(join(tmpdir(), 'das-sizing-'));
  const instance = await DuckDBInstance.create(':memory:', { temp_directory: join(root, 'duckdb-tmp') });
  const connection = await instance.connect();
  try {
    const start = Date.parse(`${options.start}T00:00:00Z`);
    const spec = { events: options.events, days: options.days, users: options.users, hosts: options.hosts, start, seed: options.seed };
    let since = performance.now();
    progress(`generating ${options.events.toLocaleString('en-US')} events over ${options.days} day${options.days === 1 ? '' : 's'} in ${root}`);
    const written = writeGzipLayouts(spec, root, progress);
    const generateSeconds = seconds(since);

    since = performance.now();
    progress('writing all_events (Parquet) from events/ with the local load (DuckDB), as npm start does');
    // The product's own writer, so the figures are those of the layout the project writes.
    const allEvents = allEventsDirectory(join(root, 'events-layout'));
    await loadAllEvents(join(root, 'events-layout'));
    await reorderByTime(connection, allEvents, join(root, 'all-events-by-time'));
    const parquetSeconds = seconds(since);

    const layouts: QueryLayout[] = [
      { name: 'events', label: 'events/ (30 s batches)', format: 'events', root: join(root, 'events-layout'), files: written.events },
      ...FIREHOSE_VARIANTS.map((variant): QueryLayout => ({ name: variant.name, label: variant.label, format: 'firehose', root: join(root, variant.name), files: written.firehose[variant.name] })),
      { name: 'parquet-sorted', label: 'all_events Parquet, sorted by the table\'s sort order', format: 'parquet', root: allEvents, files: await listFiles(allEvents) },
      { name: 'parquet-by-time', label: 'all_events Parquet, sorted by time only', format: 'parquet', root: join(root, 'all-events-by-time'), files: await listFiles(join(root, 'all-events-by-time')) },
    ];

    since = performance.now();
    const layoutResults: LayoutResult[] = [];
    for (const layout of layouts) {
      progress(`reading back ${layout.name}`);
      const contents = await layoutContents(connection, layout);
      layoutResults.push({ name: layout.name, label: layout.label, files: layout.files.length, bytes: layout.files.reduce((sum, file) => sum + file.bytes, 0), contents });
    }

    // The one-day questions look at the second day (a whole day of traffic), the first when there is one.
    const oneDay = new Date(start + Math.min(1, options.days - 1) * 86_400_000).toISOString().slice(0, 10);
    // A user and a table from the middle of the skew: neither the busiest nor a rare one.
    const user = userName(Math.min(2, options.users - 1));
    const table = tableName(4);
    const queries = sizingQueries(options.days, oneDay, user, table);
    const results: QueryResult[] = [];
    for (const query of queries) {
      for (const layout of layouts) {
        const selected = selectFiles(layout, query.partitions);
        const glob = selectionGlob(layout, query.partitions);
        const fileBytes = selected.reduce((sum, file) => sum + file.bytes, 0);
        const scan = layout.format === 'parquet' && selected.length > 0 ? await parquetScan(connection, glob, query) : undefined;
        const times: number[] = [];
        let result: Answer = { rows: 0, hash: '0' };
        for (let run = 0; run < options.runs && selected.length > 0; run++) {
          const began = performance.now();
          result = await answer(connection, layout, query, glob);
          times.push(seconds(began));
        }
        progress(`${query.name} on ${layout.name}: ${selected.length} files, ${result.rows} rows, median ${(median(times) || 0).toFixed(2)} s`);
        results.push({
          query: query.name,
          layout: layout.name,
          files: selected.length,
          fileBytes,
          scannedBytes: scan ? scan.bytes : fileBytes,
          ...(scan ? { rowGroups: scan.rowGroups, rowGroupsSkipped: scan.skipped } : {}),
          seconds: times,
          medianSeconds: times.length > 0 ? median(times) : 0,
          answer: result,
        });
      }
    }
    const querySeconds = seconds(since);

    const inconsistencies = findInconsistencies(layoutResults, results, options.events);
    return {
      command,
      options,
      oneDay,
      user,
      table,
      ndjsonBytes: written.ndjsonBytes,
      phases: { generateSeconds, parquetSeconds, querySeconds },
      layouts: layoutResults,
      queries: queries.map((query) => ({ name: query.name, label: query.label })),
      results,
      consistent: inconsistencies.length === 0,
      inconsistencies,
      goals: projectGoals(results, layoutResults, options.days),
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * Where the layouts disagree: a layout that does not hold every event once (by count, then by the hash of
 * its events against events/'s), and a question whose answer on a layout differs from events/'s.
 */
export function findInconsistencies(layouts: readonly LayoutResult[], results: readonly QueryResult[], events: number): string[] {
  const found: string[] = [];
  const reference = layouts[0];
  for (const layout of layouts) {
    if (layout.contents.rows !== events) found.push(`${layout.name} holds ${layout.contents.rows.toLocaleString('en-US')} of ${events.toLocaleString('en-US')} events`);
    else if (reference && layout.contents.hash !== reference.contents.hash) found.push(`${layout.name} holds other events than ${reference.name}`);
  }
  for (const result of results) {
    const first = results.find((item) => item.query === result.query);
    if (!first || first === result) continue;
    if (result.answer.rows !== first.answer.rows || result.answer.hash !== first.answer.hash) {
      found.push(`${result.query}: ${result.layout} answers ${result.answer.rows.toLocaleString('en-US')} rows, ${first.layout} ${first.answer.rows.toLocaleString('en-US')}${result.answer.rows === first.answer.rows ? ' (other rows)' : ''}`);
    }
  }
  return found;
}
