import { ROW_GROUP_ROWS } from './by-time-layout';
import { ACTIVITY_BYTES_PER_DAY, PROJECTION_DAYS, TODAY_LAYOUT } from './goals';
import type { SizingReport } from './run';

/** `npm run sizing`'s tables, in Markdown (for docs/performance.md as they are). */

const count = (value: number) => value.toLocaleString('en-US');
const megabytes = (bytes: number) => `${(bytes / 1e6).toLocaleString('en-US', { maximumFractionDigits: bytes < 10e6 ? 2 : 0 })} MB`;
const gigabytes = (bytes: number) => `${(bytes / 1e9).toLocaleString('en-US', { maximumFractionDigits: 1 })} GB`;
const time = (seconds: number) => `${seconds < 1 ? seconds.toFixed(2) : seconds.toFixed(1)} s`;

/** Renders the report as Markdown tables, headed by the command that produced them. */
export function renderSizingReport(report: SizingReport): string {
  const { options, layouts, results, goals } = report;
  const lines: string[] = [];
  lines.push(`Command: \`${report.command}\``);
  lines.push('');
  lines.push(
    `${count(options.events)} Aurora PostgreSQL events over ${options.days} day${options.days === 1 ? '' : 's'} (${options.users} users, ${options.hosts} hosts), ` +
      `${megabytes(report.ndjsonBytes)} of NDJSON; medians of ${options.runs} DuckDB runs. One-day questions: ${report.oneDay}; ` +
      `user ${report.user}, table ${report.table}. Generated in ${time(report.phases.generateSeconds)}, Parquet written in ` +
      `${time(report.phases.parquetSeconds)}, read back and queried in ${time(report.phases.querySeconds)}.`,
  );
  lines.push('');
  lines.push('| layout | files | bytes | events held |');
  lines.push('|---|---:|---:|---:|');
  for (const layout of layouts) lines.push(`| ${layout.label} | ${count(layout.files)} | ${megabytes(layout.bytes)} | ${count(layout.contents.rows)} |`);
  lines.push('');
  lines.push('Files the partition filter selects, bytes Athena would scan (gzip objects whole; Parquet: the column chunks the query reads in the row groups min/max cannot skip), DuckDB time:');
  lines.push('');
  lines.push(`| query | ${layouts.map((layout) => layout.label).join(' | ')} |`);
  lines.push(`|---|${layouts.map(() => '---').join('|')}|`);
  for (const query of report.queries) {
    const cells = layouts.map((layout) => {
      const result = results.find((item) => item.query === query.name && item.layout === layout.name);
      return result ? `${count(result.files)} ${result.files === 1 ? 'file' : 'files'}, ${megabytes(result.scannedBytes)}, ${time(result.medianSeconds)}` : '-';
    });
    lines.push(`| ${query.label} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  lines.push(`Row groups (${count(ROW_GROUP_ROWS)} rows each at most) that min/max statistics let a filter skip:`);
  lines.push('');
  lines.push('| query | sorted by the table\'s sort order | sorted by time only |');
  lines.push('|---|---|---|');
  for (const query of report.queries.filter((item) => item.name === 'user' || item.name === 'table')) {
    const cell = (layout: string) => {
      const result = results.find((item) => item.query === query.name && item.layout === layout);
      return result?.rowGroups === undefined ? '-' : `${count(result.rowGroupsSkipped ?? 0)} of ${count(result.rowGroups)} skipped`;
    };
    lines.push(`| ${query.label} | ${cell('parquet-sorted')} | ${cell('parquet-by-time')} |`);
  }
  lines.push('');
  lines.push(
    `Projected to ${PROJECTION_DAYS} days at ${gigabytes(ACTIVITY_BYTES_PER_DAY)} a day of activity (Firehose's copy as one gzip stream; this run x${goals.scale.toFixed(1)}):`,
  );
  lines.push('');
  lines.push(`| layout | user query, ${PROJECTION_DAYS} days | table query, ${PROJECTION_DAYS} days | user query under the cut-off |`);
  lines.push('|---|---:|---:|---|');
  for (const projection of goals.projections) {
    const label = layouts.find((layout) => layout.name === projection.layout)?.label ?? projection.layout;
    lines.push(`| ${label} | ${gigabytes(projection.userBytes)} | ${gigabytes(projection.tableBytes)} | ${projection.userUnderCutoff ? 'yes' : 'no: cancelled'} |`);
  }
  lines.push('');
  lines.push(`Goals (today's events table = ${layouts.find((layout) => layout.name === TODAY_LAYOUT)?.label ?? TODAY_LAYOUT}; columnar = all_events sorted):`);
  lines.push('');
  lines.push('| goal | measured | met |');
  lines.push('|---|---|---|');
  for (const check of goals.checks) lines.push(`| ${check.goal} | ${check.measured} | ${check.met ? 'yes' : 'NO'} |`);
  lines.push('');
  lines.push(
    report.consistent
      ? `Every layout holds all ${count(options.events)} events once, and every question has the same answer on every layout.`
      : `INCONSISTENT (read back with DuckDB): ${report.inconsistencies.join('; ')}.`,
  );
  return `${lines.join('\n')}\n`;
}
