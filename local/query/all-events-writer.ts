import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { EVENTS_PREFIX } from '../../lib/bucket-layout';
import { AUDIT_COLUMNS } from '../../lib/das-firehose-pipeline/audit-tables';
import { ALL_EVENTS_COLUMNS, ALL_EVENTS_PREFIX, ALL_EVENTS_SORT_ORDER } from '../../lib/das-firehose-pipeline/all-events-table';
import { logTimeSql } from './log-time-sql';

/**
 * The local world's load of the columnar `all_events` table: what the scheduled Athena `MERGE` does in
 * the account, done with DuckDB over the local bucket's `events/` objects, as plain Parquet (ZSTD) at
 * `<bucket dir>/tables/all_events/resource=<id>/date=<YYYY-MM-DD>/all_events.parquet`, one file per
 * partition with rows sorted by {@link ALL_EVENTS_SORT_ORDER} and exactly the columns of
 * {@link ALL_EVENTS_COLUMNS} (the partition columns too, as an Iceberg data file holds them).
 *
 * Exactly once by construction: every run rebuilds the whole table from `events/` (where each event is
 * stored once, under a deterministic key) into a fresh folder and swaps it in, so a second run, or a run
 * after a re-drive stored more objects, leaves each event once. Locally `events/` is small; the account's
 * load merges by `event_key` instead.
 */

/** What a load wrote. */
export interface AllEventsLoad {
  /** The table's folder. */
  readonly directory: string;
  readonly objects: number;
  readonly events: number;
  readonly partitions: number;
}

/** An `events/` object that cannot be loaded (its path is not the audit log's shape). */
export class AllEventsLoadError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AllEventsLoadError';
  }
}

/** The file of each partition. */
export const ALL_EVENTS_FILE_NAME = 'all_events.parquet';

/** `command=<folder>/date=<date>/hour=<hh>/<resource>-<digest>.jsonl.gz`, with s3rver's suffix or without. */
const OBJECT_PATH = /^command=([^/]+)\/date=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\/((cluster|db)-[^/]+)-[0-9a-f]+\.jsonl\.gz(\._S3rver_object)?$/;

/** The largest event line read: the transformer's own per-record cap. */
const MAX_EVENT_BYTES = 64 * 1024 * 1024;

/** An `events/` object found on disk. */
interface EventObject {
  readonly file: string;
  readonly key: string;
  readonly commandFolder: string;
  readonly date: string;
  readonly hour: string;
  readonly resource: string;
}

/** The table's folder below a bucket's folder. */
export function allEventsDirectory(bucketDirectory: string): string {
  return join(bucketDirectory, ...ALL_EVENTS_PREFIX.split('/').filter(Boolean));
}

/** Rebuilds `all_events` below `bucketDirectory` from its `events/` objects. */
export async function loadAllEvents(bucketDirectory: string): Promise<AllEventsLoad> {
  const target = allEventsDirectory(bucketDirectory);
  const objects = await eventObjects(bucketDirectory);
  const parent = join(target, '..');
  await mkdir(parent, { recursive: true });
  const staging = join(parent, `.all_events-${randomBytes(6).toString('hex')}`);
  let events = 0;
  let partitions = 0;
  try {
    if (objects.length > 0) ({ events, partitions } = await writeTable(objects, staging));
    else await mkdir(staging, { recursive: true });
    // Swap the new table in whole: a reader sees the old one or the new one, never half of each.
    const old = `${staging}-old`;
    const hadOld = await stat(target).then(() => true, () => false);
    if (hadOld) await rename(target, old);
    await rename(staging, target);
    if (hadOld) await rm(old, { recursive: true, force: true });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { directory: target, objects: objects.length, events, partitions };
}

async function eventObjects(bucketDirectory: string): Promise<EventObject[]> {
  const root = join(bucketDirectory, ...EVENTS_PREFIX.split('/').filter(Boolean));
  const names = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  const objects: EventObject[] = [];
  for (const name of names.map((item) => item.replace(/\\/g, '/')).sort()) {
    if (!/\.jsonl\.gz(\._S3rver_object)?$/.test(name)) continue;
    const match = OBJECT_PATH.exec(name);
    if (!match) {
      const key = `${EVENTS_PREFIX}${name.replace(/\._S3rver_object$/, '')}`;
      throw new AllEventsLoadError(`${key} is not named as the transformer names objects (command=…/date=…/hour=…/<resource>-<hex>.jsonl.gz); move it out of ${root} and run again`);
    }
    const [, commandFolder, date, hour, resource, , s3rver] = match as unknown as [string, string, string, string, string, string, string | undefined];
    objects.push({
      file: join(root, name),
      key: `${EVENTS_PREFIX}${s3rver ? name.slice(0, -s3rver.length) : name}`,
      commandFolder,
      date,
      hour,
      resource,
    });
  }
  return objects;
}

async function writeTable(objects: readonly EventObject[], staging: string): Promise<{ events: number; partitions: number }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run('CREATE TABLE sources (file VARCHAR, object_key VARCHAR, command_folder VARCHAR, "date" VARCHAR, "hour" VARCHAR, resource VARCHAR)');
    const appender = await connection.createAppender('sources');
    for (const object of objects) {
      for (const value of [object.file, object.key, object.commandFolder, object.date, object.hour, object.resource]) appender.appendVarchar(value);
      appender.endRow();
    }
    appender.closeSync();
    await connection.run(`CREATE TEMP TABLE all_events AS ${selectSql(objects.map((object) => object.file))}`);
    const partitions = (await connection.runAndReadAll('SELECT DISTINCT resource, "date" FROM all_events ORDER BY 1, 2')).getRowsJS() as Array<[string, string]>;
    for (const [resource, date] of partitions) await writePartition(connection, staging, resource, date);
    const count = (await connection.runAndReadAll('SELECT count(*) FROM all_events')).getRowsJS()[0]?.[0];
    return { events: Number(count ?? 0), partitions: partitions.length };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function writePartition(connection: DuckDBConnection, staging: string, resource: string, date: string): Promise<void> {
  const folder = join(staging, `resource=${resource}`, `date=${date}`);
  await mkdir(folder, { recursive: true });
  const order = [...ALL_EVENTS_SORT_ORDER, 'event_key'].map(quoted).join(', ');
  await connection.run(
    `COPY (SELECT ${ALL_EVENTS_COLUMNS.map((column) => quoted(column.name)).join(', ')} FROM all_events ` +
      `WHERE resource = ${literal(resource)} AND "date" = ${literal(date)} ORDER BY ${order}) ` +
      `TO ${literal(join(folder, ALL_EVENTS_FILE_NAME))} (FORMAT parquet, COMPRESSION zstd)`,
  );
}

/**
 * Every stored line as a row of the table: the fields as text (as the per-command table reads them),
 * `log_time` parsed, the fields no column names kept in `other_fields`, the command folder, date, hour and
 * resource from the object's key, and the event key of EVENT_KEY_DEFINITION over the line's exact text.
 */
function selectSql(files: readonly string[]): string {
  const known = AUDIT_COLUMNS.map((column) => literal(column.name)).join(', ');
  const structure = literal(JSON.stringify(Object.fromEntries(AUDIT_COLUMNS.map((column) => [column.name, 'VARCHAR']))));
  const fields = AUDIT_COLUMNS.map((column) => `fields.${quoted(column.name)} AS ${quoted(column.name.toLowerCase())}`);
  const otherFields =
    `(SELECT CASE WHEN count(*) = 0 THEN NULL ELSE to_json(map(list(k), list(json_extract(line::JSON, '/' || replace(replace(k, '~', '~0'), '/', '~1'))))) END ` +
    `FROM unnest(json_keys(line::JSON)) AS u(k) WHERE NOT list_contains([${known}], k))::VARCHAR`;
  const lines =
    `SELECT filename AS file, json::VARCHAR AS line FROM read_ndjson_objects([${files.map(literal).join(', ')}], ` +
    `compression = 'gzip', filename = true, maximum_object_size = ${MAX_EVENT_BYTES})`;
  const parsed =
    `SELECT s.*, l.line, json_transform(l.line::JSON, ${structure}) AS fields, ` +
    `row_number() OVER (PARTITION BY l.file, l.line) AS occurrence FROM (${lines}) l JOIN sources s USING (file)`;
  return (
    `SELECT ${fields.join(', ')}, ${logTimeSql('fields."logTime"')} AS log_time, ${otherFields} AS other_fields, ` +
    `command_folder, "hour", sha256(object_key || chr(10) || occurrence::VARCHAR || chr(10) || line) AS event_key, resource, "date" ` +
    `FROM (${parsed})`
  );
}

function quoted(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
