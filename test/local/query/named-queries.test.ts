import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { NAMED_QUERIES, namedQuery } from '../../../lib/das-firehose-pipeline/named-queries';
import { runStart } from '../../../local/commands/start';
import { syntheticEvents } from '../../../testkit/das/activity-events';
import { encryptionContextFor, firehoseEvent, mintDasRecord, PROFILES } from '../../../testkit/das/das-synth';
import { devKeySource, SAMPLES } from '../../../testkit/das/sample-events';
import { parseLogTime } from '../../../lambda/core/shared/partition';
import { loadAllEvents } from '../../../local/query/all-events-writer';
import { AUDIT_COLUMNS, EVENTS_BY_COMMAND_TABLE } from '../../../lib/das-firehose-pipeline/audit-tables';
import { findLocalAuditLog, type LocalAuditLog } from '../../../local/query/local-audit-log';
import { LocalQueryEngine } from '../../../local/query/run-query';

/**
 * Every named query, run by the local engine over the committed samples of the four engines after
 * `npm start`, against an independent reading of the same events: the `events/` objects decompressed
 * here and filtered in plain TypeScript with each engine's own words written out again, not taken from
 * the vocabulary the queries are built from.
 */

const ROOT = join(__dirname, '../../..');
type Event = Record<string, unknown> & { resource: string };

let engine: LocalQueryEngine;
let log: LocalAuditLog;
let stored: Event[];
let bucketDirectory: string;
/** The event key of every stored line, computed here as EVENT_KEY_DEFINITION spells it. */
const storedKeys: string[] = [];

beforeAll(async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'das-query-'));
  const eventsDir = join(dataDir, 'events');
  await mkdir(eventsDir);
  for (const name of Object.keys(SAMPLES)) await cp(join(ROOT, 'events', name), join(eventsDir, name));
  const start = await runStart({ eventsDir, dataDir });
  bucketDirectory = start.bucketDirectory;
  log = (await findLocalAuditLog(start.bucketDirectory)) as LocalAuditLog;
  engine = await LocalQueryEngine.open(log);
  stored = await storedEvents(start.bucketDirectory);
}, 60_000);

afterAll(() => engine?.close());

/** Every event of the `events/` objects, with the database named by its object's name. */
async function storedEvents(bucketDirectory: string): Promise<Event[]> {
  const root = join(bucketDirectory, 'events');
  const files = (await readdir(root, { recursive: true })).filter((name) => name.endsWith('.gz._S3rver_object'));
  const events: Event[] = [];
  for (const file of files) {
    const resource = /^((?:cluster|db)-[A-Z0-9]+)-/.exec(basename(file))?.[1] as string;
    const text = gunzipSync(await readFile(join(root, file))).toString('utf8');
    const objectKey = `events/${file.replace(/\\/g, '/').replace(/\._S3rver_object$/, '')}`;
    const seen = new Map<string, number>();
    for (const line of text.split('\n').filter(Boolean)) {
      events.push({ ...(JSON.parse(line) as Record<string, unknown>), resource });
      const occurrence = (seen.get(line) ?? 0) + 1;
      seen.set(line, occurrence);
      storedKeys.push(createHash('sha256').update(`${objectKey}\n${occurrence}\n${line}`).digest('hex'));
    }
  }
  return events;
}

async function run(name: string, parameters: readonly string[] = ['2026-11-21', '2026-11-21']) {
  const query = namedQuery(name);
  if (!query) throw new Error(`no named query ${name}`);
  const result = await engine.query(query.sql, parameters);
  return result.rows.map((row) => Object.fromEntries(result.columns.map((column, index) => [column, row[index]])));
}

const text = (value: unknown): string => (value === null || value === undefined ? '' : String(value));
const engineOf = (event: Event) => text(event.serverType).toUpperCase();
const identity = (row: Record<string, unknown>) => `${text(row.logtime ?? row.logTime)}|${text(row.resource)}|${text(row.command)}|${text(row.dbusername ?? row.dbUserName)}`;
const byTime = (a: Event, b: Event) => text(a.logTime).localeCompare(text(b.logTime));

/** Rows of the query and the expected events, compared by time, database, command and user, in order. */
function expectSameEvents(rows: ReadonlyArray<Record<string, unknown>>, expected: readonly Event[]): void {
  expect(rows.map(identity)).toEqual([...expected].sort(byTime).map(identity));
}

describe('named queries on the committed samples (npm run query -- --named …)', () => {
  it('has the events of all four engines in all_events, each once, keyed as EVENT_KEY_DEFINITION says', async () => {
    const { rows } = await engine.query('SELECT upper(servertype) AS engine, count(*) AS n FROM all_events GROUP BY 1 ORDER BY 1');
    expect(rows.map(([name]) => name)).toEqual(['MYSQL', 'ORACLE', 'POSTGRESQL', 'SQLSERVER']);
    const total = rows.reduce((sum, [, count]) => sum + Number(count), 0);
    expect(total).toBe(stored.length);
    const { rows: byCommand } = await engine.query('SELECT count(*) FROM events_by_command');
    expect(Number(byCommand[0]?.[0])).toBe(stored.length);
    const { rows: keys } = await engine.query('SELECT event_key FROM all_events ORDER BY 1');
    expect(keys.map(([key]) => key)).toEqual(storedKeys.sort());
  });

  it('has the same rows for every named query on all_events as on today\'s events table (its columns, read from the events/ objects)', async () => {
    // Today's `events` table: every field a varchar, plus resource, date and hour, here over events/ (the
    // same events as Firehose's copy held), read straight from the gzip objects as the table's SerDe did.
    const files = (log.files.get(EVENTS_BY_COMMAND_TABLE) ?? []).map((file) => `'${file}'`).join(', ');
    const columns = AUDIT_COLUMNS.map((column) => `'${column.name}': 'VARCHAR'`).join(', ');
    await engine.query(
      `CREATE TEMP VIEW events_today AS SELECT ${AUDIT_COLUMNS.map((column) => `"${column.name}" AS ${column.name.toLowerCase()}`).join(', ')}, ` +
        `regexp_extract(filename, '((?:cluster|db)-[A-Z0-9]+)-[0-9a-f]+\\.jsonl\\.gz', 1) AS resource, ` +
        `regexp_extract(filename, 'date=([^/]+)/', 1) AS "date", regexp_extract(filename, 'hour=([^/]+)/', 1) AS "hour" ` +
        `FROM read_json([${files}], format = 'newline_delimited', compression = 'gzip', filename = true, hive_partitioning = false, columns = {${columns}})`,
    );
    for (const query of NAMED_QUERIES) {
      const parameters = query.parameters.map((parameter) => (parameter.name === 'user' ? 'app_writer' : '2026-11-21'));
      const onAllEvents = await engine.query(query.sql, parameters);
      const onEventsByCommand = await engine.query(query.sql.replace(/\ball_events\b/g, 'events_today'), parameters);
      expect(query.sql).toMatch(/\bFROM all_events\b/);
      expect({ query: query.name, columns: onAllEvents.columns }).toEqual({ query: query.name, columns: onEventsByCommand.columns });
      const rows = (result: typeof onAllEvents) => result.rows.map((row) => JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value))).sort();
      expect({ query: query.name, rows: rows(onAllEvents) }).toEqual({ query: query.name, rows: rows(onEventsByCommand) });
      expect(onAllEvents.rows.length).toBeGreaterThan(0);
    }
  });

  it('parses logTime of every event of the four engines into log_time: the transformer\'s second, and the fraction to the microsecond', async () => {
    const { rows } = await engine.query('SELECT upper(servertype), logtime, epoch_us(log_time) FROM all_events');
    expect(rows.length).toBe(stored.length);
    expect(new Set(rows.map(([engine]) => engine))).toEqual(new Set(['MYSQL', 'ORACLE', 'POSTGRESQL', 'SQLSERVER']));
    for (const [, logTime, micros] of rows) {
      const fraction = /[.,](\d+)/.exec(String(logTime))?.[1] ?? '';
      const expected = BigInt(parseLogTime(logTime) as number) * 1000n + BigInt(fraction.slice(0, 6).padEnd(6, '0'));
      expect({ logTime, micros }).toEqual({ logTime, micros: expected });
    }
  });

  it('keeps each event once when the load runs again (npm start ran it already)', async () => {
    await loadAllEvents(bucketDirectory);
    const again = await LocalQueryEngine.open((await findLocalAuditLog(bucketDirectory)) as LocalAuditLog);
    try {
      const { rows } = await again.query('SELECT count(*), count(DISTINCT event_key) FROM all_events');
      expect(rows[0]?.map(Number)).toEqual([stored.length, stored.length]);
    } finally {
      again.close();
    }
  });

  it('failed-logins: AUTH FAILURE, FAILED_CONNECT, LOGON with a return code, LOGIN FAILED; nothing else', async () => {
    const expected = stored.filter((event) => {
      switch (engineOf(event)) {
        case 'POSTGRESQL':
          return event.command === 'AUTH FAILURE';
        case 'MYSQL':
          return event.command === 'FAILED_CONNECT';
        case 'ORACLE':
          return event.command === 'LOGON' && Number(event.exitCode) !== 0;
        case 'SQLSERVER':
          return event.command === 'LOGIN FAILED';
        default:
          return false;
      }
    });
    const rows = await run('failed-logins');
    expectSameEvents(rows, expected);
    expect(new Set(rows.map((row) => text(row.servertype).toUpperCase()))).toEqual(new Set(['POSTGRESQL', 'MYSQL', 'ORACLE', 'SQLSERVER']));
    // Oracle's successful LOGONs (return code 0) are not failures.
    expect(stored.some((event) => event.command === 'LOGON' && event.exitCode === 0)).toBe(true);
    expect(rows.filter((row) => row.command === 'LOGON').every((row) => row.exitcode === '1017')).toBe(true);
  });

  it('privilege-changes: grants, users and roles in each engine\'s words, MySQL\'s by statement text', async () => {
    const expected = stored.filter((event) => {
      switch (engineOf(event)) {
        case 'POSTGRESQL':
          return ['GRANT', 'CREATE ROLE'].includes(text(event.command));
        case 'MYSQL':
          return event.command === 'QUERY' && /^(GRANT|CREATE USER)\b/i.test(text(event.commandText));
        case 'ORACLE':
          return ['GRANT', 'CREATE USER'].includes(text(event.command));
        case 'SQLSERVER':
          return ['GRANT', 'ADD MEMBER'].includes(text(event.command));
        default:
          return false;
      }
    });
    const rows = await run('privilege-changes');
    expectSameEvents(rows, expected);
    expect(new Set(rows.map((row) => text(row.servertype).toUpperCase())).size).toBe(4);
  });

  it('destructive-ddl: DROP and TRUNCATE on every engine, a MySQL statement once (not its AUX DROP)', async () => {
    const expected = stored.filter((event) => {
      switch (engineOf(event)) {
        case 'POSTGRESQL':
        case 'ORACLE':
          return ['DROP TABLE', 'TRUNCATE TABLE'].includes(text(event.command));
        case 'MYSQL':
          return event.command === 'QUERY' && /^\s*(\/\*.*?\*\/\s*)?(DROP|TRUNCATE)\b/i.test(text(event.commandText));
        case 'SQLSERVER':
          return event.command === 'DROP';
        default:
          return false;
      }
    });
    const rows = await run('destructive-ddl');
    expectSameEvents(rows, expected);
    expect(rows.some((row) => text(row.commandtext).startsWith('/* nightly cleanup */ DROP TABLE'))).toBe(true);
    expect(rows.some((row) => row.command === 'DROP' && text(row.servertype) === 'MySQL')).toBe(false);
  });

  it('user-activity: everything one user did, the name compared case-insensitively (Oracle writes it in capitals)', async () => {
    const expected = stored.filter((event) => text(event.dbUserName).toLowerCase() === 'app_writer');
    const rows = await run('user-activity', ['2026-11-21', '2026-11-21', 'App_Writer']);
    expect(rows).toHaveLength(expected.length);
    expect(rows.map((row) => `${text(row.logtime)}|${text(row.command)}`).sort()).toEqual(
      expected.map((event) => `${text(event.logTime)}|${text(event.command)}`).sort(),
    );
    expect(new Set(rows.map((row) => text(row.servertype).toUpperCase())).size).toBe(4);
  });

  it('connections-by-host: logins and failures per client host and engine', async () => {
    const logins = (event: Event): 'ok' | 'failed' | undefined => {
      const command = text(event.command);
      switch (engineOf(event)) {
        case 'POSTGRESQL':
          return command === 'CONNECT' ? 'ok' : command === 'AUTH FAILURE' ? 'failed' : undefined;
        case 'MYSQL':
          return command === 'CONNECT' ? 'ok' : command === 'FAILED_CONNECT' ? 'failed' : undefined;
        case 'ORACLE':
          return command === 'LOGON' ? (Number(event.exitCode) === 0 ? 'ok' : 'failed') : undefined;
        case 'SQLSERVER':
          return command === 'LOGIN SUCCEEDED' ? 'ok' : command === 'LOGIN FAILED' ? 'failed' : undefined;
        default:
          return undefined;
      }
    };
    const expected = new Map<string, { logins: number; failed: number; users: Set<string> }>();
    for (const event of stored) {
      const outcome = logins(event);
      if (!outcome) continue;
      const key = `${text(event.remoteHost)}|${text(event.serverType)}`;
      const entry = expected.get(key) ?? { logins: 0, failed: 0, users: new Set<string>() };
      entry[outcome === 'ok' ? 'logins' : 'failed']++;
      entry.users.add(text(event.dbUserName));
      expected.set(key, entry);
    }
    const rows = await run('connections-by-host');
    expect(
      Object.fromEntries(rows.map((row) => [`${text(row.remotehost)}|${text(row.servertype)}`, [Number(row.logins), Number(row.failed), Number(row.users)]])),
    ).toEqual(Object.fromEntries([...expected].map(([key, entry]) => [key, [entry.logins, entry.failed, entry.users.size]])));
    // Most failures first: the stranger's host leads.
    expect(rows[0]?.remotehost).toBe('198.51.100.7');
  });

  it('events-by-command-per-hour: every event counted once, by database and command', async () => {
    const rows = await run('events-by-command-per-hour');
    const expected = new Map<string, number>();
    for (const event of stored) {
      const key = `${event.resource}|${text(event.command)}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(rows.map((row) => [`${text(row.resource)}|${text(row.command)}`, Number(row.events)]))).toEqual(
      Object.fromEntries(expected),
    );
    expect(rows.every((row) => row.date === '2026-11-21' && row.hour === '12')).toBe(true);
  });

  it('reads only the dates asked for: another day returns nothing', async () => {
    for (const query of NAMED_QUERIES) {
      const parameters = query.parameters.map((parameter) => (parameter.name === 'user' ? 'app_writer' : '2026-11-22'));
      expect((await engine.query(query.sql, parameters)).rows).toEqual([]);
    }
  });
});

describe('the all-commands table', () => {
  it('finds an event whose command no list has ever named, on the UTC day of its logTime', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'das-unlisted-'));
    const eventsDir = join(dataDir, 'events');
    await mkdir(eventsDir);
    const profile = PROFILES['aurora-postgresql'];
    const events = syntheticEvents('aurora-postgresql', 3, { seed: 7 }).map((event, index) =>
      index === 1
        ? { ...event, logTime: '2026-11-23 09:30:00.000000+00', command: 'ALTER SYSTEM', class: 'MISC', commandText: "alter system set log_statement = 'none'" }
        : event,
    );
    const key = await devKeySource().dataKey(encryptionContextFor(profile.resourceId));
    const record = await mintDasRecord({ engine: 'aurora-postgresql', events, key, profile });
    const event = firehoseEvent({ resourceId: profile.resourceId, records: [record], arrival: Date.UTC(2026, 10, 23, 9, 30, 0) });
    await writeFile(join(eventsDir, 'unlisted.json'), JSON.stringify(event));

    const start = await runStart({ eventsDir, dataDir });
    const unlisted = await LocalQueryEngine.open((await findLocalAuditLog(start.bucketDirectory)) as LocalAuditLog);
    try {
      const { rows } = await unlisted.query(
        `SELECT command, commandtext, resource, "date", "hour" FROM all_events WHERE "date" BETWEEN ? AND ? AND command NOT IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CONNECT', 'DISCONNECT', 'CREATE TABLE', 'AUTH FAILURE', 'GRANT', 'CREATE ROLE', 'DROP TABLE', 'TRUNCATE TABLE')`,
        ['2026-11-23', '2026-11-23'],
      );
      expect(rows).toEqual([['ALTER SYSTEM', "alter system set log_statement = 'none'", profile.resourceId, '2026-11-23', '09']]);
    } finally {
      unlisted.close();
    }
  }, 60_000);
});
