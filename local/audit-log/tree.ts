import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mapConcurrent } from '../../lambda/core/shared/concurrency';
import { commandFolder } from '../../lambda/core/shared/partition';
import { listObjects, readEvents, type AuditObject } from './reader';

/**
 * The audit log as folders: `events/command=<C>/date=<D>/hour=<H>/`, with object and event counts,
 * for `npm start`'s report and `npm run browse`.
 */

/** Which part of the log to look at. Commands are folded as the handler folds them (`create table` → CREATE_TABLE). */
export interface LogSelection {
  readonly command?: string;
  /** YYYY-MM-DD */
  readonly date?: string;
  /** 0–23 or "00"–"23" */
  readonly hour?: string | number;
}

export interface HourFolder {
  readonly date: string;
  readonly hour: string;
  readonly objects: number;
  readonly events: number;
}

export interface CommandFolder {
  readonly command: string;
  readonly objects: number;
  readonly events: number;
  readonly hours: readonly HourFolder[];
}

export interface AuditLogTree {
  readonly commands: readonly CommandFolder[];
  readonly objects: number;
  readonly events: number;
  /** Objects under `events/` whose key does not follow the layout (not counted above). */
  readonly strays: readonly string[];
  /** One stored object's key, to show where files are. */
  readonly exampleKey?: string;
}

const KEY = /^events\/command=([^/]+)\/date=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\/[^/]+$/;

/** The listing prefix for a selection: as narrow as the given parts allow. */
export function selectionPrefix(selection: LogSelection): string {
  if (!selection.command) return 'events/';
  let prefix = `events/command=${commandFolder(selection.command)}/`;
  if (!selection.date) return prefix;
  prefix += `date=${selection.date}/`;
  return selection.hour === undefined ? prefix : `${prefix}hour=${hourText(selection.hour)}/`;
}

/** An hour as its folder spells it: `7` → `07`. */
export function hourText(hour: string | number): string {
  return String(hour).padStart(2, '0');
}

/** Objects of a selection, in key order, with their partition read off the key. */
export async function selectedObjects(
  s3: S3Client,
  bucket: string,
  selection: LogSelection,
): Promise<{ objects: Array<AuditObject & { command: string; date: string; hour: string }>; strays: string[] }> {
  const listed = await listObjects(s3, bucket, selectionPrefix(selection));
  const objects: Array<AuditObject & { command: string; date: string; hour: string }> = [];
  const strays: string[] = [];
  for (const object of [...listed].sort((a, b) => a.key.localeCompare(b.key))) {
    const match = KEY.exec(object.key);
    if (!match) {
      strays.push(object.key);
      continue;
    }
    const [, command, date, hour] = match as unknown as [string, string, string, string];
    if (selection.date && date !== selection.date) continue;
    if (selection.hour !== undefined && hour !== hourText(selection.hour)) continue;
    objects.push({ ...object, command, date, hour });
  }
  return { objects, strays };
}

/**
 * Counts events per object from the `event-count` metadata the handler writes, reading the object only
 * when that is missing: listing a real bucket should not download it.
 */
export async function auditLogTree(s3: S3Client, bucket: string, selection: LogSelection = {}): Promise<AuditLogTree> {
  const { objects, strays } = await selectedObjects(s3, bucket, selection);
  const counts = await mapConcurrent(objects, 16, (object) => eventCount(s3, bucket, object.key));
  const commands = new Map<string, Map<string, { date: string; hour: string; objects: number; events: number }>>();
  objects.forEach((object, index) => {
    const hours = commands.get(object.command) ?? new Map();
    commands.set(object.command, hours);
    const slot = `${object.date}/${object.hour}`;
    const folder = hours.get(slot) ?? { date: object.date, hour: object.hour, objects: 0, events: 0 };
    hours.set(slot, folder);
    folder.objects += 1;
    folder.events += counts[index] as number;
  });
  const folders: CommandFolder[] = [...commands.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([command, hours]) => {
      const list = [...hours.values()].sort((a, b) => `${a.date}${a.hour}`.localeCompare(`${b.date}${b.hour}`));
      return { command, objects: sum(list, 'objects'), events: sum(list, 'events'), hours: list };
    });
  return {
    commands: folders,
    objects: sum(folders, 'objects'),
    events: sum(folders, 'events'),
    strays,
    ...(objects[0] ? { exampleKey: objects[0].key } : {}),
  };
}

async function eventCount(s3: S3Client, bucket: string, key: string): Promise<number> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  const stated = Number(head.Metadata?.['event-count']);
  if (Number.isSafeInteger(stated) && stated >= 0) return stated;
  return (await readEvents(s3, bucket, key)).events.length;
}

function sum<T extends Record<K, number>, K extends string>(items: readonly T[], field: K): number {
  return items.reduce((total, item) => total + item[field], 0);
}

/** The tree as aligned text lines: command folders, then their date/hour folders, then a total. */
export function formatTree(tree: AuditLogTree): string[] {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const rows: Array<[string, number, number]> = [];
  for (const command of tree.commands) {
    rows.push([`  command=${command.command}/`, command.objects, command.events]);
    for (const hour of command.hours) rows.push([`    date=${hour.date}/hour=${hour.hour}/`, hour.objects, hour.events]);
  }
  const width = Math.max(24, ...rows.map(([name]) => name.length));
  const lines = [`${'events/'.padEnd(width)}  ${'objects'.padStart(7)}  ${'events'.padStart(7)}`];
  for (const [name, objects, events] of rows) {
    lines.push(`${name.padEnd(width)}  ${String(objects).padStart(7)}  ${String(events).padStart(7)}`);
  }
  if (tree.commands.length === 0) lines.push('  (no objects)');
  lines.push(
    `Total: ${plural(tree.commands.length, 'command folder')}, ${plural(tree.objects, 'object')}, ${plural(tree.events, 'event')}.`,
  );
  if (tree.strays.length > 0) {
    lines.push(`${plural(tree.strays.length, 'object')} under events/ outside the command/date/hour layout, e.g. ${tree.strays[0]}`);
  }
  return lines;
}
