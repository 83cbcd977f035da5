import { DEFAULT_BYTES_SCANNED_CUTOFF } from '../../lib/defaults';

/**
 * Issue 22's goals, checked on the benchmark's figures (pure, so they are unit-tested):
 * - a 90-day user-activity query at 3 GB a day of activity stays under the workgroup's cut-off and reads
 *   at most 10% of what today's `events` table reads;
 * - events per command per hour for a day: at most 10%;
 * - failed logins for a day: no worse than today's command folders.
 * "Today's events table" is Firehose's copy as it was before the receipts: a gzip member per Kinesis
 * record of 10 events. "3 GB a day of activity" is read as the issue's arithmetic reads it (90 days of a
 * 3 GB/day copy scan about 270 GB): Firehose's copy as one gzip stream weighs 3 GB a day; every layout's
 * figures are scaled by the same factor.
 */

/** The figures of one question on one layout that the goals need. */
export interface ScanFigures {
  readonly query: string;
  readonly layout: string;
  readonly scannedBytes: number;
}

/** A layout's total bytes. */
export interface LayoutBytes {
  readonly name: string;
  readonly bytes: number;
}

export const ACTIVITY_BYTES_PER_DAY = 3e9;
export const PROJECTION_DAYS = 90;
/** The workgroup's per-query cut-off (lib/defaults.ts). */
export const CUTOFF_BYTES = DEFAULT_BYTES_SCANNED_CUTOFF.toBytes();
/** Athena bills at least 10 MB a query, so below that fewer bytes cost nothing less. */
export const ATHENA_MINIMUM_BILLED_BYTES = 10_000_000;
export const TODAY_LAYOUT = 'firehose-10';
export const COLUMNAR_LAYOUT = 'parquet-sorted';
const ACTIVITY_LAYOUT = 'firehose-stream';

/** What one layout's 90-day user and table questions would scan at 3 GB a day. */
export interface Projection {
  readonly layout: string;
  readonly userBytes: number;
  readonly tableBytes: number;
  readonly userUnderCutoff: boolean;
}

/** One goal: what it asks, what was measured, and whether it holds. */
export interface GoalCheck {
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean;
}

export interface Goals {
  /** Factor from this run's volume to 3 GB a day. */
  readonly scale: number;
  readonly projections: readonly Projection[];
  readonly checks: readonly GoalCheck[];
}

const billed = (bytes: number) => Math.max(bytes, ATHENA_MINIMUM_BILLED_BYTES);
const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
const gb = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

/** The projection to 90 days at 3 GB a day and the goal checks, from a run of `days` days. */
export function projectGoals(results: readonly ScanFigures[], layouts: readonly LayoutBytes[], days: number): Goals {
  const scanned = (query: string, layout: string) => results.find((result) => result.query === query && result.layout === layout)?.scannedBytes ?? Number.NaN;
  const activity = layouts.find((layout) => layout.name === ACTIVITY_LAYOUT)?.bytes ?? Number.NaN;
  const scale = ACTIVITY_BYTES_PER_DAY / (activity / days);
  const perNinetyDays = (bytes: number) => (bytes / days) * PROJECTION_DAYS * scale;
  const projections = layouts.map(({ name }): Projection => {
    const userBytes = perNinetyDays(scanned('user', name));
    return { layout: name, userBytes, tableBytes: perNinetyDays(scanned('table', name)), userUnderCutoff: userBytes < CUTOFF_BYTES };
  });
  const columnar = projections.find((projection) => projection.layout === COLUMNAR_LAYOUT);
  const userRatio = scanned('user', COLUMNAR_LAYOUT) / scanned('user', TODAY_LAYOUT);
  const hourRatio = scanned('per-command-hour', COLUMNAR_LAYOUT) / scanned('per-command-hour', TODAY_LAYOUT);
  const failedColumnar = scanned('failed-logins', COLUMNAR_LAYOUT);
  const failedFolders = scanned('failed-logins', 'events');
  const checks: GoalCheck[] = [
    {
      goal: `90-day user query at 3 GB/day under the ${gb(CUTOFF_BYTES)} cut-off`,
      measured: columnar ? gb(columnar.userBytes) : 'not measured',
      met: columnar?.userUnderCutoff ?? false,
    },
    { goal: "user query reads <= 10% of today's events table", measured: percent(userRatio), met: userRatio <= 0.1 },
    { goal: "events per command per hour, 1 day, <= 10% of today's events table", measured: percent(hourRatio), met: hourRatio <= 0.1 },
    {
      goal: "failed logins, 1 day, no worse than today's command folders (Athena bills >= 10 MB a query)",
      measured: `${mb(failedColumnar)} against ${mb(failedFolders)}: billed ${mb(billed(failedColumnar))} against ${mb(billed(failedFolders))}`,
      met: billed(failedColumnar) <= billed(failedFolders),
    },
  ];
  return { scale, projections, checks };
}
