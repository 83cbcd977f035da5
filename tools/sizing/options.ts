import { intOption, isUtcDate, parseOptions, UsageError } from '../../local/commands/cli';

/** What `npm run sizing` generates and how often it times each question. */
export interface SizingOptions {
  readonly events: number;
  readonly days: number;
  readonly users: number;
  readonly hosts: number;
  /** UTC date of the first day, YYYY-MM-DD. */
  readonly start: string;
  readonly seed: number;
  /** Timed runs of each question on each layout; medians are quoted. */
  readonly runs: number;
  /** Print the report as one JSON document instead of the tables. */
  readonly json: boolean;
}

/** What `npm run sizing -- --help` prints. */
export const USAGE = `Usage: npm run sizing -- [options]

Sizes the audit log's tables with DuckDB: generates Aurora PostgreSQL events into a temporary
folder (removed afterwards) in every layout the project writes - events/ (30 s batches), Firehose's copy
(a gzip member per record of 10 or 1 events, and one gzip stream), all_events Parquet (ZSTD, by resource
and date, sorted by the table's sort order, and by time only) - then asks each layout four questions:
one user and one table over every day, events per command per hour and failed logins for one day.
For each: the files the partition filter selects, their bytes (gzip objects are read whole; Parquet:
the column chunks read, after row groups skipped by min/max), DuckDB's time (median), and the goals.
Progress goes to stderr.

Options:

  --events N    events to generate (default 714286: one day at the rate of 5.0 million a week)
  --days N      days they span (default 1; 5000000 events over 7 days take over 45 minutes
                on 2 cores)
  --users N     database users (default 25)
  --hosts N     client hosts (default 50)
  --start DATE  UTC date of the first day, YYYY-MM-DD (default 2026-11-16)
  --seed N      seed of the generator (default 1)
  --runs N      timed runs of each question on each layout; medians are quoted (default 3)
  --json        print the report as JSON
  --help        show this help
`;

/** Parses `npm run sizing` arguments, failing with a UsageError that names the option. */
export function parseSizingArgs(argv: readonly string[]): SizingOptions {
  const { values } = parseOptions(
    argv,
    {
      events: { type: 'string' },
      days: { type: 'string' },
      users: { type: 'string' },
      hosts: { type: 'string' },
      start: { type: 'string' },
      seed: { type: 'string' },
      runs: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean' },
    },
    'sizing',
  );
  const start = values.start ?? '2026-11-16';
  if (!isUtcDate(start)) throw new UsageError(`--start must be a date written YYYY-MM-DD; got "${start}"`);
  return {
    events: intOption(values.events, 'events', 1, 50_000_000) ?? 714_286,
    days: intOption(values.days, 'days', 1, 366) ?? 1,
    users: intOption(values.users, 'users', 1, 10_000) ?? 25,
    hosts: intOption(values.hosts, 'hosts', 1, 60_000) ?? 50,
    start,
    seed: intOption(values.seed, 'seed', 0, 2 ** 31 - 1) ?? 1,
    runs: intOption(values.runs, 'runs', 1, 100) ?? 3,
    json: values.json,
  };
}
