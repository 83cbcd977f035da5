import { AUDIT_COLUMNS } from './audit-tables';

/**
 * The columnar, all-commands table (`all_events`): every stored event once, in Parquet (ZSTD), partitioned
 * by database and UTC day of its `logTime`, for questions over every command and months of history
 * ("everything user X did this quarter", "everything that touched table Y").
 *
 * It is built from the audit log itself (`events/`, where each event is stored exactly once under a
 * deterministic key), never from Firehose's copy: in the account by a scheduled Athena `MERGE` into an
 * Apache Iceberg table, locally by DuckDB writing the same columns and partitions as plain Parquet.
 * This module is the one definition both read: the table's name and place, its columns, its partitions,
 * and what identifies an event so that a load run twice, or a re-drive stored late, adds nothing twice.
 */

/** A column of `all_events` that is not one of the events' own fields. */
export interface DerivedColumn {
  readonly name: string;
  /** Glue / Iceberg type. */
  readonly type: 'string' | 'timestamp';
  readonly comment: string;
}

/** The table's name in the Glue database (and the name `npm run query` gives it locally). */
export const ALL_EVENTS_TABLE_NAME = 'all_events';

/**
 * Where the table's files live, relative to the bucket that holds them: Iceberg data and metadata in
 * the account, Parquet files (`resource=<id>/date=<YYYY-MM-DD>/…parquet`) locally.
 */
export const ALL_EVENTS_PREFIX = 'tables/all_events/';

/**
 * Every event field of the per-command table, as text, under the same (lower-case) names, so that a query
 * written for `events_by_command` runs here unchanged; `logtime` keeps the engine's exact text.
 */
export const ALL_EVENTS_FIELD_COLUMNS = AUDIT_COLUMNS.map((column) => ({ name: column.name.toLowerCase(), type: 'string' as const, comment: column.comment }));

/** Columns derived from the event and from where it is stored. */
export const ALL_EVENTS_DERIVED_COLUMNS: readonly DerivedColumn[] = [
  {
    name: 'log_time',
    type: 'timestamp',
    comment: 'logTime as a UTC timestamp (milliseconds in Athena), for ranges and ordering; null when logTime is not a time',
  },
  {
    name: 'other_fields',
    type: 'string',
    comment: 'The fields no column names (a new engine version\'s field), as a JSON object; null when there are none',
  },
  { name: 'command_folder', type: 'string', comment: 'The command folder of events/ the event is stored under: CREATE_TABLE for CREATE TABLE' },
  { name: 'hour', type: 'string', comment: 'UTC hour of logTime, 00 to 23 (the hour folder of events/)' },
  {
    name: 'event_key',
    type: 'string',
    comment: 'What identifies the stored event: hex SHA-256 of its object key, its occurrence number among identical lines of that object, and its line',
  },
];

/** The partition columns, identity-partitioned in this order: the database and the UTC date of logTime. */
export const ALL_EVENTS_PARTITION_COLUMNS: readonly DerivedColumn[] = [
  { name: 'resource', type: 'string', comment: 'The database: cluster-… (Aurora) or db-… (RDS), as the events/ object name begins' },
  { name: 'date', type: 'string', comment: 'UTC date of logTime, YYYY-MM-DD (the date folder of events/)' },
];

/** Every column in table order. */
export const ALL_EVENTS_COLUMNS: readonly DerivedColumn[] = [...ALL_EVENTS_FIELD_COLUMNS, ...ALL_EVENTS_DERIVED_COLUMNS, ...ALL_EVENTS_PARTITION_COLUMNS];

/**
 * The order rows are written in within a partition, so that a filter on user, object or command skips
 * row groups (Parquet keeps each row group's minimum and maximum per column).
 */
export const ALL_EVENTS_SORT_ORDER = ['dbusername', 'objectname', 'log_time'] as const;

/**
 * The event key, spelled out so that both engines compute the same value:
 * `hex(sha256(utf8(objectKey + "\n" + occurrence + "\n" + line)))`, where `objectKey` is the key below the
 * bucket (`events/command=…/date=…/hour=…/<resource>-<hash>.jsonl.gz`), `occurrence` the 1-based number of
 * this exact line among identical lines of the same object (in practice always 1), and `line` the stored
 * line without its newline.
 */
export const EVENT_KEY_DEFINITION = 'sha256(objectKey + "\\n" + occurrence + "\\n" + line), hex';
