/**
 * Fixed-width text tables for a terminal, shared by `npm run browse` and `npm run query`: one row per
 * line (whitespace inside a value, SQL text's line breaks included, becomes one space), columns as wide
 * as their content up to a cap, longer values ending in `…`, missing values as `-`.
 */

/** A value as one table cell, before clipping. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  const text = typeof value === 'string' ? value : typeof value === 'bigint' ? value.toString() : JSON.stringify(value);
  return text.replace(/\s+/g, ' ').trim();
}

/** Whether {@link formatTextTable} will cut a value at `max` characters. */
export function isClipped(text: string, max: number): boolean {
  return text.length > max;
}

function clip(text: string, max: number): string {
  return isClipped(text, max) ? `${text.slice(0, max - 1)}…` : text;
}

/** The table, header and rule first, each line ending in a newline; `max` caps each column's width. */
export function formatTextTable(headers: readonly string[], rows: ReadonlyArray<readonly unknown[]>, max: number | readonly number[]): string {
  const caps = headers.map((_, index) => (typeof max === 'number' ? max : (max[index] ?? 60)));
  const cells = rows.map((row) => headers.map((_, index) => clip(cellText(row[index]), caps[index] as number)));
  const widths = headers.map((header, index) => Math.max(header.length, ...cells.map((row) => (row[index] as string).length)));
  const line = (texts: readonly string[]): string =>
    texts
      .map((text, index) => (index === texts.length - 1 ? text : text.padEnd(widths[index] as number)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].map((text) => `${text}\n`).join('');
}
