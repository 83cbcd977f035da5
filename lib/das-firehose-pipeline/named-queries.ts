import {
  DESTRUCTIVE_DDL,
  ENGINES,
  FAILED_LOGIN,
  LOGIN,
  PRIVILEGE_CHANGE,
  statementPattern,
  type ActivityKind,
  type Condition,
  type EngineName,
} from '../../lambda/core/alerts/activity-vocabulary';
import { ALL_EVENTS_TABLE_NAME } from './all-events-table';

/**
 * The questions auditors ask first, as SQL over the columnar `all_events` table (all commands, by database
 * and the UTC date of logTime): deployed to
 * Athena as named queries, and run locally by `npm run query -- --named <name>`. Written in Athena's
 * dialect (Trino); the local engine is taught the few Trino functions they use (see
 * `local/query/duckdb-dialect.ts`), so the text is the same in both places.
 *
 * Parameters are `?` placeholders, filled in order: Athena's console asks for them, the CLI takes them
 * as `--execution-parameters` (SQL literals: `"'2026-11-21'"`), and `npm run query` as `--param`.
 */
export interface NamedQuery {
  readonly name: string;
  readonly description: string;
  readonly parameters: ReadonlyArray<{ readonly name: string; readonly example: string; readonly description: string }>;
  readonly sql: string;
}

const FROM = { name: 'from', example: '2026-11-21', description: 'first UTC date, YYYY-MM-DD' };
const TO = { name: 'to', example: '2026-11-21', description: 'last UTC date, YYYY-MM-DD' };

/** What every date range of the all_events table means, said where the console shows it. */
const DATES = ' Dates are the UTC date of each event\'s logTime.';

/** Partitions of the date range (the UTC date of logTime). */
const IN_RANGE = `"date" BETWEEN ? AND ?`;

const WHO_WHERE_WHAT = 'logTime, resource, serverType, dbUserName, remoteHost, databaseName, command';

const QUERIES: readonly NamedQuery[] = [
  {
    name: 'failed-logins',
    description:
      'Failed logins on every engine (PostgreSQL AUTH FAILURE, MySQL FAILED_CONNECT, Oracle LOGON with a return code, SQL Server LOGIN FAILED), in time order.',
    parameters: [FROM, TO],
    sql: query(`SELECT ${WHO_WHERE_WHAT}, exitCode, errorMessage
FROM ${ALL_EVENTS_TABLE_NAME}
WHERE ${IN_RANGE}
  AND ${sqlKind(FAILED_LOGIN)}
ORDER BY logTime, resource`),
  },
  {
    name: 'privilege-changes',
    description:
      'Grants, revokes and users or roles created, altered or dropped, in each engine\'s words (MySQL\'s by the statement text), in time order.',
    parameters: [FROM, TO],
    sql: query(`SELECT ${WHO_WHERE_WHAT}, objectName, commandText
FROM ${ALL_EVENTS_TABLE_NAME}
WHERE ${IN_RANGE}
  AND ${sqlKind(PRIVILEGE_CHANGE)}
ORDER BY logTime, resource`),
  },
  {
    name: 'destructive-ddl',
    description: 'DROP of any object and TRUNCATE, on every engine (MySQL\'s by the statement text), in time order.',
    parameters: [FROM, TO],
    sql: query(`SELECT ${WHO_WHERE_WHAT}, objectType, objectName, commandText
FROM ${ALL_EVENTS_TABLE_NAME}
WHERE ${IN_RANGE}
  AND ${sqlKind(DESTRUCTIVE_DDL)}
ORDER BY logTime, resource`),
  },
  {
    name: 'user-activity',
    description: 'Everything one database user did in a date range (the user name compared case-insensitively), in time order.',
    parameters: [FROM, TO, { name: 'user', example: 'app_writer', description: 'the database user (dbUserName)' }],
    sql: query(`SELECT logTime, resource, serverType, remoteHost, databaseName, command, objectName, commandText, exitCode
FROM ${ALL_EVENTS_TABLE_NAME}
WHERE ${IN_RANGE}
  AND lower(dbUserName) = lower(?)
ORDER BY logTime, resource`),
  },
  {
    name: 'connections-by-host',
    description: 'Logins by client host: how many succeeded and failed, by which users, first and last seen.',
    parameters: [FROM, TO],
    sql: query(`SELECT remoteHost, serverType,
  sum(CASE WHEN ${sqlKind(FAILED_LOGIN)} THEN 0 ELSE 1 END) AS logins,
  sum(CASE WHEN ${sqlKind(FAILED_LOGIN)} THEN 1 ELSE 0 END) AS failed,
  count(DISTINCT dbUserName) AS users,
  min(logTime) AS first_seen,
  max(logTime) AS last_seen
FROM ${ALL_EVENTS_TABLE_NAME}
WHERE ${IN_RANGE}
  AND (${sqlKind(LOGIN)} OR ${sqlKind(FAILED_LOGIN)})
GROUP BY remoteHost, serverType
ORDER BY failed DESC, logins DESC, remoteHost, serverType`),
  },
  {
    name: 'events-by-command-per-hour',
    description: 'How many events of each command each hour (the UTC hour of logTime), every database.',
    parameters: [FROM, TO],
    sql: query(`SELECT "date", "hour", resource, command, count(*) AS events
FROM ${ALL_EVENTS_TABLE_NAME}
WHERE ${IN_RANGE}
GROUP BY "date", "hour", resource, command
ORDER BY "date", "hour", events DESC, command`),
  },
];

export const NAMED_QUERIES: readonly NamedQuery[] = QUERIES.map((query) =>
  query.parameters.some((parameter) => parameter.name === 'from') ? { ...query, description: `${query.description}${DATES}` } : query,
);

export function namedQuery(name: string): NamedQuery | undefined {
  return NAMED_QUERIES.find((item) => item.name === name);
}

function query(sql: string): string {
  return `${sql.trim()}\n`;
}

/** An activity kind as a SQL predicate: each engine's condition under its own `serverType`. */
export function sqlKind(kind: ActivityKind): string {
  const branches = (Object.keys(ENGINES) as EngineName[])
    .filter((engine) => kind[engine] !== undefined)
    .map((engine) => `(upper(${trimmed('serverType')}) = '${ENGINES[engine]}' AND ${sqlCondition(kind[engine] as Condition)})`);
  return branches.length === 0 ? 'FALSE' : `(${branches.join(' OR ')})`;
}

/**
 * A condition as SQL that Athena (Trino) and DuckDB read alike: compared upper-case with spaces trimmed,
 * as the transformer's `matches` compares them, and the statement test as a regular expression both
 * engines (Joni and RE2) accept. Spaces are trimmed with two anchored `regexp_replace`s rather than
 * `trim`, which removes every kind of whitespace in Trino and spaces only in DuckDB; an anchored pattern
 * matches at most once, so Trino's replace-all and DuckDB's replace-first agree too.
 */
export function sqlCondition(condition: Condition): string {
  if ('all' in condition) return condition.all.length === 0 ? 'TRUE' : `(${condition.all.map(sqlCondition).join(' AND ')})`;
  if ('any' in condition) return condition.any.length === 0 ? 'FALSE' : `(${condition.any.map(sqlCondition).join(' OR ')})`;
  if ('statement' in condition) return `regexp_like(upper(coalesce(commandText, '')), ${literal(statementPattern(condition.statement))})`;
  if ('failed' in condition) return `coalesce(${trimmed(condition.failed)}, '') NOT IN ('', '0')`;
  if ('succeeded' in condition) return `coalesce(${trimmed(condition.succeeded)}, '') IN ('', '0')`;
  if ('present' in condition) return `coalesce(${trimmed(condition.present)}, '') <> ''`;
  if ('absent' in condition) return `coalesce(${trimmed(condition.absent)}, '') = ''`;
  const value = `upper(${trimmed(condition.field)})`;
  if ('in' in condition) return `${value} IN (${condition.in.map((item) => literal(item.toUpperCase())).join(', ')})`;
  return `(${condition.startsWith.map((item) => `starts_with(${value}, ${literal(item.toUpperCase())})`).join(' OR ')})`;
}

/** The value with leading and trailing spaces (only spaces) removed, the same in Trino and DuckDB. */
function trimmed(field: string): string {
  return `regexp_replace(regexp_replace(${column(field)}, '^ +', ''), ' +$', '')`;
}

/** A field as a column reference: only plain names, which are the columns' names too. */
function column(field: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(field)) throw new Error(`"${field}" is not a column name`);
  return field;
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
