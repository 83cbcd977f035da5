import type { S3Client } from '@aws-sdk/client-s3';
import { mapConcurrent } from '../../lambda/core/shared/concurrency';
import { readEvents } from './reader';
import { formatTextTable } from './text-table';
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
  return formatTextTable(
    COLUMNS.map(({ field }) => field),
    events.map((event) => COLUMNS.map(({ field }) => event[field])),
    COLUMNS.map(({ max }) => max),
  );
}
