import { stat } from 'node:fs/promises';
import { AUDIT_TABLES, EVENTS_BY_COMMAND_TABLE } from '../../lib/das-firehose-pipeline/audit-tables';
import { ALL_EVENTS_PARTITION_COLUMNS, ALL_EVENTS_PREFIX, ALL_EVENTS_TABLE_NAME } from '../../lib/das-firehose-pipeline/all-events-table';
import { AllEventsLoadError, loadAllEvents } from '../query/all-events-writer';
import { NAMED_QUERIES, namedQuery, type NamedQuery } from '../../lib/das-firehose-pipeline/named-queries';
import { findLocalAuditLog, LOCAL_BUCKET_DIRECTORY, objectCount, type LocalAuditLog } from '../query/local-audit-log';
import { formatResult, RESULT_FORMATS, tableClips, TABLE_CELL_MAX, type ResultFormat } from '../query/result-format';
import { LocalQueryEngine, QueryError } from '../query/run-query';
import { CommandError, isUtcDate, parseOptions, UsageError } from './cli';

/** What `npm run query -- --help` prints. */
export const QUERY_USAGE = `Usage: npm run query -- "<SQL>" [--param <value> …]
       npm run query -- --named <name> [--param <name>=<value> …] [--sql]
       npm run query -- --list

SQL over the local audit log (after npm start, or npm run local and npm run invoke), with the tables
Athena has in the account: all_events (every command, columnar Parquet by resource and UTC date of
logTime; loaded from events/ at the end of npm start, npm run invoke and npm run replay -- --local, or
by --load) and events_by_command (events/ itself, by command_folder, date and hour of logTime: name the
command). Event fields are columns in lower case, all varchar; all_events adds log_time (a timestamp),
other_fields, command_folder, hour, event_key. The named queries are the ones the stack deploys to Athena,
word for word.

Options:
  --named <name>            run a named query (--list shows them)
  --param <name>=<value>    a named query's parameter; from and to default to every date in the log.
                            With SQL of your own: one value per ?, in order
  --sql                     with --named: print its SQL (as deployed to Athena) instead of running it
  --list                    the named queries, their parameters, and the tables
  --format <table|json|csv> table (default; cells cut at ${TABLE_CELL_MAX} characters), or json / csv, whole values
  --bucket-dir <folder>     the bucket's files (default ${LOCAL_BUCKET_DIRECTORY}); also a plain copy of a real
                            bucket, e.g. aws s3 sync s3://<bucket>/events ./copy/events
  --load                    first rebuild all_events from the folder's events/ (into its tables/all_events/)
  --help                    show this help

Examples:
  npm run query -- --named failed-logins
  npm run query -- --named user-activity --param user=app_writer --param from=2026-11-21 --param to=2026-11-21
  npm run query -- "SELECT command, count(*) AS events FROM all_events GROUP BY command ORDER BY events DESC"
  npm run --silent query -- --named destructive-ddl --format csv > destructive-ddl.csv
`;

export interface QueryRequest {
  readonly bucketDirectory: string;
  readonly format: ResultFormat;
  /** Rebuild all_events from events/ before the query. */
  readonly load?: boolean;
  readonly what:
    | { readonly kind: 'sql'; readonly sql: string; readonly parameters: readonly string[] }
    | { readonly kind: 'named'; readonly query: NamedQuery; readonly parameters: ReadonlyMap<string, string>; readonly printSql: boolean }
    | { readonly kind: 'list' };
}

/** Reads `npm run query` options. Undefined means: print the usage. */
export function parseQuery(argv: readonly string[]): QueryRequest | undefined {
  const { values, positionals } = parseOptions(
    argv,
    {
      named: { type: 'string' },
      param: { type: 'string', multiple: true },
      sql: { type: 'boolean' },
      list: { type: 'boolean' },
      format: { type: 'string' },
      'bucket-dir': { type: 'string' },
      load: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    'query',
    { positionals: true },
  );
  if (values.help) return undefined;
  const format = values.format ?? 'table';
  if (!RESULT_FORMATS.includes(format as ResultFormat)) {
    throw new UsageError(`--format must be one of ${RESULT_FORMATS.join(', ')}; got "${format}"`);
  }
  const common = { bucketDirectory: values['bucket-dir'] ?? LOCAL_BUCKET_DIRECTORY, format: format as ResultFormat, ...(values.load ? { load: true } : {}) };
  const given = [values.named !== undefined, positionals.length > 0, values.list === true].filter(Boolean).length;
  if (given === 0) {
    throw new UsageError('give SQL, --named <name> or --list, e.g. npm run query -- --named failed-logins. See npm run query -- --help');
  }
  if (given > 1 || positionals.length > 1) {
    throw new UsageError('give one of: SQL (one argument, quoted), --named <name>, --list. See npm run query -- --help');
  }
  if (values.sql && values.named === undefined) throw new UsageError('--sql prints a named query\'s SQL: give --named <name> too');
  const params = values.param ?? [];
  if (values.list) return { ...common, what: { kind: 'list' } };
  if (values.named !== undefined) {
    const query = namedQuery(values.named);
    if (!query) {
      throw new UsageError(`there is no named query "${values.named}". The named queries are: ${NAMED_QUERIES.map((item) => item.name).join(', ')}`);
    }
    return { ...common, what: { kind: 'named', query, parameters: namedParameters(query, params), printSql: values.sql === true } };
  }
  return { ...common, what: { kind: 'sql', sql: positionals[0] as string, parameters: params } };
}

function namedParameters(query: NamedQuery, params: readonly string[]): Map<string, string> {
  const names = query.parameters.map((parameter) => parameter.name);
  const values = new Map<string, string>();
  for (const param of params) {
    const match = /^([A-Za-z_]+)=(.*)$/s.exec(param);
    const name = match?.[1];
    if (!match || !name || !names.includes(name)) {
      throw new UsageError(`${query.name} takes ${names.map((item) => `--param ${item}=<value>`).join(', ')}; got --param "${param}"`);
    }
    if ((name === 'from' || name === 'to') && !isUtcDate(match[2] as string)) {
      throw new UsageError(`--param ${name} must be a UTC date as YYYY-MM-DD, e.g. 2026-11-21; got "${match[2]}"`);
    }
    values.set(name, match[2] as string);
  }
  return values;
}

/** What a query printed: `out` for stdout (the result alone), `note` for stderr. */
export interface QueryOutput {
  readonly out: string;
  readonly note?: string;
}

/** Runs the request over the local audit log. */
export async function runQueryCommand(request: QueryRequest): Promise<QueryOutput> {
  const { what } = request;
  if (what.kind === 'list') return { out: listing() };
  if (what.kind === 'named' && what.printSql) return { out: what.query.sql };

  let log = await findLocalAuditLog(request.bucketDirectory);
  const notes: string[] = [];
  if (log && request.load) {
    try {
      const load = await loadAllEvents(request.bucketDirectory);
      notes.push(`loaded ${ALL_EVENTS_TABLE_NAME}: ${load.events} events of ${load.objects} objects in ${load.partitions} partitions`);
    } catch (error) {
      if (error instanceof AllEventsLoadError) throw new CommandError(error.message);
      throw error;
    }
    log = await findLocalAuditLog(request.bucketDirectory);
  }
  if (!log) {
    throw new UsageError(
      `no local audit log in ${request.bucketDirectory} yet: run npm start first (or npm run local, then npm run invoke -- <event file>)`,
    );
  }
  if (objectCount(log) === 0) {
    throw new UsageError(
      `${request.bucketDirectory} holds no audit log objects: give the bucket's top folder, the one holding ` +
        `${AUDIT_TABLES.map((table) => table.prefix).join(' and ')} (or run npm start first for the local one)`,
    );
  }
  let sql: string;
  let parameters: string[];
  if (what.kind === 'named') {
    ({ sql, parameters } = filledIn(what.query, what.parameters, log, notes));
  } else {
    ({ sql, parameters } = { sql: what.sql, parameters: [...what.parameters] });
  }
  if (new RegExp(`\\b${ALL_EVENTS_TABLE_NAME}\\b`, 'i').test(sql)) notes.push(...(await staleness(log)));
  const engine = await LocalQueryEngine.open(log);
  try {
    let result;
    try {
      result = await engine.query(sql, parameters);
    } catch (error) {
      if (error instanceof QueryError) throw new CommandError(`the SQL failed: ${error.message}`);
      throw error;
    }
    const clipped = request.format === 'table' && tableClips(result);
    notes.push(
      `${result.rows.length} ${result.rows.length === 1 ? 'row' : 'rows'}` +
        (clipped ? ` (cells cut at ${TABLE_CELL_MAX} characters; --format json or csv keeps them whole)` : ''),
    );
    return { out: formatResult(result, request.format), note: notes.join('\n') };
  } finally {
    engine.close();
  }
}

/** A note when all_events is behind events/ (an object newer than its files), or empty while events/ is not. */
async function staleness(log: LocalAuditLog): Promise<string[]> {
  const events = log.files.get(EVENTS_BY_COMMAND_TABLE) ?? [];
  if (events.length === 0) return [];
  const how = 'it is loaded at the end of npm start, npm run invoke and npm run replay -- --local; --load loads it now';
  if (log.allEventsFiles.length === 0) return [`note: ${ALL_EVENTS_PREFIX} is empty in ${log.directory} while events/ is not (${how})`];
  const newest = async (files: readonly string[]) => Math.max(...(await Promise.all(files.map((file) => stat(file).then((info) => info.mtimeMs, () => 0)))));
  if ((await newest(events)) > (await newest(log.allEventsFiles))) return [`note: ${ALL_EVENTS_TABLE_NAME} is behind events/ in ${log.directory} (${how})`];
  return [];
}

/** The named query's parameters in order, `from` and `to` defaulting to the first and last date of the log. */
function filledIn(query: NamedQuery, given: ReadonlyMap<string, string>, log: LocalAuditLog, notes: string[]): { sql: string; parameters: string[] } {
  const dates = logDates(log);
  const defaults = new Map<string, string>();
  if (dates.length > 0) defaults.set('from', dates[0] as string).set('to', dates[dates.length - 1] as string);
  const parameters = query.parameters.map((parameter) => {
    const value = given.get(parameter.name) ?? defaults.get(parameter.name);
    if (value === undefined) {
      throw new UsageError(`${query.name} needs --param ${parameter.name}=<${parameter.description}>, e.g. --param ${parameter.name}=${parameter.example}`);
    }
    return value;
  });
  const defaulted = query.parameters.filter((parameter) => !given.has(parameter.name) && defaults.has(parameter.name));
  if (defaulted.length > 0) {
    notes.push(`${defaulted.map((parameter) => `${parameter.name}=${defaults.get(parameter.name)}`).join(', ')} (every date in the local log; set with --param)`);
  }
  return { sql: query.sql, parameters };
}

/** The dates of the log's partitions, sorted: read off the folder names. */
function logDates(log: LocalAuditLog): string[] {
  const dates = new Set<string>();
  for (const files of log.files.values()) {
    for (const file of files) {
      const date = /[\\/]date=(\d{4}-\d{2}-\d{2})[\\/]/.exec(file)?.[1];
      if (date) dates.add(date);
    }
  }
  return [...dates].sort();
}

function listing(): string {
  const width = Math.max(...NAMED_QUERIES.map((query) => query.name.length)) + 2;
  const lines = ['Named queries (deployed to Athena too, in the stack\'s workgroup):', ''];
  for (const query of NAMED_QUERIES) {
    lines.push(`  ${query.name.padEnd(width)}${query.description}`);
    lines.push(`  ${''.padEnd(width)}parameters: ${query.parameters.map((parameter) => `${parameter.name} (${parameter.description})`).join(', ')}`);
  }
  lines.push('', 'Tables:', '');
  const tables = [
    {
      name: ALL_EVENTS_TABLE_NAME,
      comment: 'Every stored event, all commands, columnar (Parquet), loaded from events/; the named queries read it',
      partitions: ALL_EVENTS_PARTITION_COLUMNS,
    },
    ...AUDIT_TABLES,
  ];
  const tableWidth = Math.max(...tables.map((table) => table.name.length)) + 2;
  for (const table of tables) {
    lines.push(`  ${table.name.padEnd(tableWidth)}${table.comment}`);
    lines.push(`  ${''.padEnd(tableWidth)}partitions: ${table.partitions.map((partition) => partition.name).join(', ')}`);
  }
  lines.push('', 'Run one: npm run query -- --named failed-logins', 'Its SQL:  npm run query -- --named failed-logins --sql', '');
  return lines.join('\n');
}
