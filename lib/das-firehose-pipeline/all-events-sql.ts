import { ALL_EVENTS_COLUMNS, ALL_EVENTS_FIELD_COLUMNS, ALL_EVENTS_TABLE_NAME } from './all-events-table';
import { AUDIT_COLUMNS, EVENTS_BY_COMMAND_TABLE } from './audit-tables';

/**
 * The SQL Athena runs to keep `all_events` (lib/das-firehose-pipeline/all-events-table.ts) up to date, written
 * from that one definition: an insert-only `MERGE` from the stored lines of `events/`, `OPTIMIZE` and
 * `VACUUM`. Pure text, no aws-cdk-lib: the loader's state machine fills the placeholders below for each
 * day it loads (one MERGE per day keeps each query within Athena's 100 written partitions per query,
 * as long as one MERGE covers at most 100 databases).
 */

/**
 * What the state machine replaces in the statements, each with SQL it builds from values it checked:
 * the UTC date (`2026-12-02`), the hours as a list of literals (`'13','14'`), the command folders as a
 * list of literals (`'CONNECT','SELECT'`), and a condition on the databases (`AND s.resource IN (…)`,
 * empty when one statement covers every database).
 */
export const PLACEHOLDERS = {
  date: '{{date}}',
  hours: '{{hours}}',
  commandFolders: '{{commandFolders}}',
  insertFilter: '{{insertFilter}}',
  optimizeFilter: '{{optimizeFilter}}',
} as const;

/** The source table: each stored line of `events/` as its text, partitioned like `events_by_command`. */
export const EVENT_LINES_TABLE = {
  name: 'event_lines',
  comment: 'Each stored line of events/ as its text, by command folder, date and hour: the source all_events is loaded from',
  column: { name: 'line', comment: 'The event as stored: one JSON object, byte for byte' },
  prefix: EVENTS_BY_COMMAND_TABLE.prefix,
  partitions: EVENTS_BY_COMMAND_TABLE.partitions,
  pathTemplate: EVENTS_BY_COMMAND_TABLE.pathTemplate,
} as const;

/**
 * The field delimiter of the source table: a character JSON text never holds raw (control characters
 * are escaped inside strings and not allowed outside them), so each line is one field, whole.
 */
export const EVENT_LINES_FIELD_DELIMITER = '\u0001';

/** A SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A comma-separated list of SQL string literals, for `IN (…)`. */
export function sqlList(values: readonly string[]): string {
  return values.map(sqlString).join(',');
}

function identifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function qualified(database: string, table: string): string {
  return `${identifier(database)}.${identifier(table)}`;
}

/** The field's path in the event (`$["dbUserName"]`), exact case, as json_extract takes it. */
function fieldPath(name: string): string {
  return sqlString(`$["${name}"]`);
}

/**
 * A field as text, as the per-command table's OpenX SerDe gives it: a string as itself, a number or
 * boolean as its text, an object or array as its JSON text, null or absent as NULL.
 */
function fieldText(name: string): string {
  return `coalesce(json_extract_scalar(j, ${fieldPath(name)}), nullif(json_format(json_extract(j, ${fieldPath(name)})), 'null'))`;
}

const LOG_TIME = `json_extract_scalar(j, ${fieldPath('logTime')})`;

/** The offset at the end of logTime (`+00`, `+05:30`, `-0700`): sign, hours, minutes; none (or `Z`) is UTC. */
export const LOG_TIME_OFFSET_PATTERN = String.raw`([+-])(\d{2}):?(\d{2})?$`;
/** logTime's date and time to the millisecond (Athena keeps no more), `T` or a space between them. */
export const LOG_TIME_LOCAL_PATTERN = String.raw`^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,3})?`;
/** The database at the start of an events/ object's name: `<resourceId>-<32 hex>.jsonl.gz`. */
export const RESOURCE_PATTERN = String.raw`([^/]+)-[0-9a-f]{32}\.jsonl\.gz$`;

const OFFSET = sqlString(LOG_TIME_OFFSET_PATTERN);
const OFFSET_MINUTES =
  `(coalesce(CAST(regexp_extract(${LOG_TIME}, ${OFFSET}, 2) AS integer), 0) * 60 + coalesce(CAST(regexp_extract(${LOG_TIME}, ${OFFSET}, 3) AS integer), 0))` +
  ` * IF(regexp_extract(${LOG_TIME}, ${OFFSET}, 1) = '-', -1, 1)`;
const LOCAL_TIME = `CAST(replace(regexp_extract(${LOG_TIME}, ${sqlString(LOG_TIME_LOCAL_PATTERN)}), 'T', ' ') AS timestamp(3))`;

/**
 * logTime as a UTC timestamp: the engines write `2019-05-23 01:31:28.610198+00` (6 or 7 fraction digits,
 * sometimes no offset); Athena keeps milliseconds, so the time is read to the millisecond and the offset
 * subtracted. Anything else gives NULL (the text stays in `logtime`).
 */
export const LOG_TIME_SQL = `try(date_add('minute', -(${OFFSET_MINUTES}), ${LOCAL_TIME}))`;

const OTHER_MAP = `map_filter(try(CAST(j AS map(varchar, json))), (k, v) -> NOT contains(ARRAY[${sqlList(AUDIT_COLUMNS.map((column) => column.name))}], k))`;

/** The fields no column names, as a JSON object's text; NULL when there are none. */
export const OTHER_FIELDS_SQL = `IF(cardinality(${OTHER_MAP}) > 0, json_format(CAST(${OTHER_MAP} AS json)))`;

/**
 * The event key as EVENT_KEY_DEFINITION spells it: lower-case hex SHA-256 of the object key, the line's
 * occurrence among identical lines of that object, and the line, joined by newlines.
 */
export const EVENT_KEY_SQL = "lower(to_hex(sha256(to_utf8(object_key || chr(10) || CAST(occurrence AS varchar) || chr(10) || line))))";

/** The database, from the object's name (`<resourceId>-<32 hex>.jsonl.gz`); else the object's name itself. */
export const RESOURCE_SQL = `coalesce(regexp_extract(object_key, ${sqlString(RESOURCE_PATTERN)}, 1), regexp_extract(object_key, '([^/]+)$', 1))`;

/** Each column of all_events as the MERGE's source computes it. */
function sourceColumns(): string[] {
  const derived: Record<string, string> = {
    log_time: LOG_TIME_SQL,
    other_fields: OTHER_FIELDS_SQL,
    command_folder: 'command_folder',
    hour: 'hour',
    event_key: EVENT_KEY_SQL,
    resource: RESOURCE_SQL,
    date: '"date"',
  };
  const fieldNames = new Map(AUDIT_COLUMNS.map((column) => [column.name.toLowerCase(), column.name]));
  return ALL_EVENTS_COLUMNS.map((column) => {
    const field = fieldNames.get(column.name);
    const expression = ALL_EVENTS_FIELD_COLUMNS.some((f) => f.name === column.name) && field ? fieldText(field) : derived[column.name];
    if (!expression) throw new Error(`all_events column ${column.name} has no SQL in all-events-sql.ts`);
    return `${expression} AS ${identifier(column.name)}`;
  });
}

/**
 * The insert-only MERGE of one day's hours into all_events: every stored line of the named command
 * folders and hours that all_events does not hold yet (by event key, within the same database, day and
 * hour) is inserted; nothing is updated or deleted, so running it twice, or over hours already loaded,
 * adds nothing. The source reads only the named partitions of `events/`.
 */
export function mergeSql(database: string): string {
  const columns = ALL_EVENTS_COLUMNS.map((column) => identifier(column.name));
  return [
    `MERGE INTO ${qualified(database, ALL_EVENTS_TABLE_NAME)} AS t`,
    'USING (',
    `  SELECT ${sourceColumns().join(',\n    ')}`,
    '  FROM (',
    '    SELECT line, try(json_parse(line)) AS j, object_key, command_folder, "date", hour,',
    '      row_number() OVER (PARTITION BY object_key, line) AS occurrence',
    '    FROM (',
    `      SELECT line, regexp_replace("$path", '^s3://[^/]+/', '') AS object_key, command_folder, "date", hour`,
    `      FROM ${qualified(database, EVENT_LINES_TABLE.name)}`,
    `      WHERE command_folder IN (${PLACEHOLDERS.commandFolders}) AND "date" = '${PLACEHOLDERS.date}' AND hour IN (${PLACEHOLDERS.hours}) AND line <> ''`,
    '    )',
    '  )',
    ') AS s',
    `ON t."date" = '${PLACEHOLDERS.date}' AND t."date" = s."date" AND t.resource = s.resource AND t.hour = s.hour AND t.event_key = s.event_key`,
    `WHEN NOT MATCHED ${PLACEHOLDERS.insertFilter} THEN INSERT (${columns.join(', ')})`,
    `  VALUES (${columns.map((column) => `s.${column}`).join(', ')})`,
  ].join('\n');
}

/** Rewrites one day's small files into larger ones (only partition columns may be named). */
export function optimizeSql(database: string): string {
  return `OPTIMIZE ${qualified(database, ALL_EVENTS_TABLE_NAME)} REWRITE DATA USING BIN_PACK WHERE "date" = '${PLACEHOLDERS.date}' ${PLACEHOLDERS.optimizeFilter}`;
}

/** Expires old snapshots and removes the files no snapshot needs any more (those OPTIMIZE replaced). */
export function vacuumSql(database: string): string {
  return `VACUUM ${qualified(database, ALL_EVENTS_TABLE_NAME)}`;
}

/** Athena writes at most this many partitions per query. */
export const MAX_PARTITIONS_PER_QUERY = 100;

/** One MERGE's share of the databases: the conditions that keep it to them (empty for all). */
export interface ResourceGroup {
  readonly insertFilter: string;
  readonly optimizeFilter: string;
}

/**
 * The databases split so that one day's MERGE writes at most 100 partitions: one group with no
 * condition for up to 100 databases (events of a database removed from the stack are loaded too),
 * else groups of 100 named databases.
 */
export function resourceGroups(resourceIds: readonly string[]): ResourceGroup[] {
  if (resourceIds.length <= MAX_PARTITIONS_PER_QUERY) return [{ insertFilter: '', optimizeFilter: '' }];
  const groups: ResourceGroup[] = [];
  for (let start = 0; start < resourceIds.length; start += MAX_PARTITIONS_PER_QUERY) {
    const list = sqlList(resourceIds.slice(start, start + MAX_PARTITIONS_PER_QUERY));
    groups.push({ insertFilter: `AND s.resource IN (${list})`, optimizeFilter: `AND resource IN (${list})` });
  }
  return groups;
}
