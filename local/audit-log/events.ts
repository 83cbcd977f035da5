import type { S3Client } from '@aws-sdk/client-s3';
import { mapConcurrent } from '../../lambda/core/concurrency';
import { readEvents } from './reader';
import { selectedObjects, type LogSelection } from './tree';

/**
 * The events of one part of the audit log, decompressed, for `npm run browse -- --command … --date …`:
 * as NDJSON (what the objects hold) or as a table a person can scan.
 */

export type AuditEvent = Record<string, unknown>;

/** Events of the selected folders: objects in key order (hour, then batch), lines in stored order. */
export async function selectedEvents(s3: S3Client, bucket: string, selection: LogSelection): Promise<AuditEvent[]> {
  const { objects } = await selectedObjects(s3, bucket, selection);
  const perObject = await mapConcurrent(objects, 8, async (object) => (await readEvents(s3, bucket, object.key)).events);
  return perObject.flat();
}

/** One JSON object per line, as stored. */
export function formatNdjson(events: readonly AuditEvent[]): string {
  return events.map((event) => `${JSON.stringify(event)}\n`).join('');
}

const COLUMNS = [
  { field: 'logTime', max: 30 },
  { field: 'command', max: 18 },
  { field: 'dbUserName', max: 14 },
  { field: 'databaseName', max: 12 },
  { field: 'class', max: 8 },
  { field: 'objectName', max: 16 },
  { field: 'commandText', max: 60 },
] as const;

/**
 * A fixed-width table of the fields an auditor reads first. Columns are as wide as their content up
 * to a cap; longer values, and SQL text in particular, end in `…`. Missing and null show as `-`.
 */
export function formatTable(events: readonly AuditEvent[]): string {
  const rows = events.map((event) => COLUMNS.map(({ field, max }) => clip(cell(event[field]), max)));
  const widths = COLUMNS.map(({ field }, index) => Math.max(field.length, ...rows.map((row) => (row[index] as string).length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((text, index) => (index === cells.length - 1 ? text : text.padEnd(widths[index] as number)))
      .join('  ')
      .trimEnd();
  return [line(COLUMNS.map(({ field }) => field)), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)]
    .map((text) => `${text}\n`)
    .join('');
}

function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  // One event, one line: SQL text often spans several.
  return text.replace(/\s+/g, ' ').trim();
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
