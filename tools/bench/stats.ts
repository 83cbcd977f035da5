/**
 * Small pure helpers for the benchmark: order statistics and number formatting.
 * Kept free of I/O so they are unit-tested (test/bench/stats.test.ts).
 */

/** The median of the values (mean of the middle two for an even count); NaN when there are none. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/**
 * The q-quantile (0–1) by linear interpolation between closest ranks, as most tools compute it;
 * NaN for an empty list. Does not reorder its input.
 */
export function quantile(values: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile wants q between 0 and 1, got ${q}`);
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return Number.NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below] as number;
  const high = sorted[above] as number;
  return low + (high - low) * (position - below);
}

/** Median, minimum and maximum of a series of samples, for the JSON report. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

export function spread(values: readonly number[]): Spread {
  return {
    median: median(values),
    min: values.length ? Math.min(...values) : Number.NaN,
    max: values.length ? Math.max(...values) : Number.NaN,
    samples: values.map((value) => round(value, 3)),
  };
}

/** Rounds to a number of decimals (for a JSON report that is readable but keeps the precision that matters). */
export function round(value: number, decimals = 2): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** `1234567` → `1.18 MiB`; binary units, as Lambda's limits are quoted. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(2)} ${units[unit]}`;
}

/** Milliseconds with a precision that suits their size: `0.412`, `12.3`, `1234`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (Math.abs(ms) < 1) return ms.toFixed(3);
  if (Math.abs(ms) < 100) return ms.toFixed(1);
  return ms.toFixed(0);
}

/** A plain-text table with right-aligned numbers and left-aligned text, for terminals and Markdown. */
export function renderTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, markdown = false): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const numeric = header.map((_, column) => rows.length > 0 && rows.every((row) => /^[-+]?[\d.,]+(\s?[%×a-zA-Z/]+)?$|^[-–]$/.test(row[column] ?? '')));
  const cell = (text: string, column: number): string =>
    numeric[column] ? text.padStart(widths[column] as number) : text.padEnd(widths[column] as number);
  const line = (cells: readonly string[]): string =>
    markdown ? `| ${cells.map(cell).join(' | ')} |` : cells.map(cell).join('  ').trimEnd();
  const rule = markdown
    ? `|${widths.map((width, column) => (numeric[column] ? `${'-'.repeat(width + 1)}:` : `${'-'.repeat(width + 2)}`)).join('|')}|`
    : widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}
