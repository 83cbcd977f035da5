import { cellText, formatTextTable, isClipped } from '../audit-log/text-table';
import type { QueryResult } from './run-query';

/** How `npm run query` writes a result: a table for a terminal, JSON or CSV for files and other tools. */
export type ResultFormat = 'table' | 'json' | 'csv';
export const RESULT_FORMATS: readonly ResultFormat[] = ['table', 'json', 'csv'];

/** The widest a table cell gets; longer values end in `…` (JSON and CSV keep them whole). */
export const TABLE_CELL_MAX = 60;

export function formatResult(result: QueryResult, format: ResultFormat): string {
  if (format === 'json') return formatJson(result);
  if (format === 'csv') return formatCsv(result);
  return formatTextTable(result.columns, result.rows, TABLE_CELL_MAX);
}

/** Whether the table format cuts any value of the result. */
export function tableClips(result: QueryResult): boolean {
  return result.rows.some((row) => row.some((value) => isClipped(cellText(value), TABLE_CELL_MAX)));
}

/** A JSON array of one object per row, one row per line: `jq` reads it whole, a person line by line. */
function formatJson({ columns, rows }: QueryResult): string {
  if (rows.length === 0) return '[]\n';
  const lines = rows.map((row) => JSON.stringify(Object.fromEntries(columns.map((column, index) => [column, plain(row[index])]))));
  return `[\n${lines.join(',\n')}\n]\n`;
}

/** RFC 4180: a header row, CRLF line ends, a field quoted when it holds a comma, quote or line break; null as empty. */
function formatCsv({ columns, rows }: QueryResult): string {
  const field = (value: unknown): string => {
    const plainValue = plain(value);
    if (plainValue === null) return '';
    const text = typeof plainValue === 'string' ? plainValue : JSON.stringify(plainValue);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [columns.map(field), ...rows.map((row) => row.map(field))].map((cells) => `${cells.join(',')}\r\n`).join('');
}

/** A value JSON can hold: 64-bit integers as numbers while exact, as text beyond. */
function plain(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item)]));
  }
  return value;
}
