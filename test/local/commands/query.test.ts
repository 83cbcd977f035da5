import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { UsageError } from '../../../local/commands/cli';
import { loadAllEvents } from '../../../local/query/all-events-writer';
import { parseQuery, runQueryCommand } from '../../../local/commands/query';

const run = promisify(execFile);
const TSX = join(__dirname, '../../../node_modules/.bin/tsx');
const QUERY = join(__dirname, '../../../scripts/query.ts');

async function query(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(TSX, [QUERY, ...args], { env: { PATH: process.env.PATH! } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

let bucket: string;

beforeAll(async () => {
  // A plain copy of a bucket (aws s3 sync s3://<bucket>/events) holding two events, and the all_events table loaded from it.
  bucket = await mkdtemp(join(tmpdir(), 'query-cli-'));
  const events = [
    { logTime: '2026-11-21 12:00:00.1+00', serverType: 'ORACLE', command: 'LOGON', exitCode: 1017, dbUserName: 'SCOTT', remoteHost: '198.51.100.7' },
    { logTime: '2026-11-21 12:00:00.2+00', serverType: 'ORACLE', command: 'SELECT', exitCode: 0, dbUserName: 'APP', commandText: 'SELECT "a, b"\nFROM t' },
  ];
  for (const event of events) {
    const folder = join(bucket, `events/command=${event.command}/date=2026-11-21/hour=12`);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'db-ORACLE7QYJ3KXZD5M2HNPW4A-0123456789abcdef0123456789abcdef.jsonl.gz'), gzipSync(`${JSON.stringify(event)}\n`));
  }
  await loadAllEvents(bucket);
});

describe('npm run query: options', () => {
  it.each([
    ['nothing to run', [], 'give SQL, --named <name> or --list'],
    ['SQL and a named query at once', ['SELECT 1', '--named', 'failed-logins'], 'give one of'],
    ['an unknown named query', ['--named', 'who-dropped'], 'there is no named query "who-dropped". The named queries are: failed-logins, privilege-changes'],
    ['a parameter the query does not take', ['--named', 'failed-logins', '--param', 'user=x'], 'failed-logins takes --param from=<value>, --param to=<value>'],
    ['a date that is not one', ['--named', 'failed-logins', '--param', 'from=21/11/2026'], '--param from must be a UTC date as YYYY-MM-DD'],
    ['--sql without a named query', ['SELECT 1', '--sql'], '--sql prints a named query'],
    ['an unknown format', ['SELECT 1', '--format', 'xml'], '--format must be one of table, json, csv'],
  ])('refuses %s with a message that says what to do', (_name, argv, message) => {
    expect(() => parseQuery(argv)).toThrow(UsageError);
    expect(() => parseQuery(argv)).toThrow(message);
  });

  it('says to run npm start first when there is no local audit log', async () => {
    const request = parseQuery(['--named', 'failed-logins', '--bucket-dir', join(bucket, 'nothing-here')]);
    await expect(runQueryCommand(request!)).rejects.toThrow(/no local audit log in .*nothing-here yet: run npm start first/);
  });

  it('names the folder layout it reads when a folder holds no audit log objects', async () => {
    await mkdir(join(bucket, 'empty'), { recursive: true });
    const request = parseQuery(['--named', 'failed-logins', '--bucket-dir', join(bucket, 'empty')]);
    await expect(runQueryCommand(request!)).rejects.toThrow("holds no audit log objects: give the bucket's top folder, the one holding events/");
  });

  it('refuses several statements at once, as Athena does', async () => {
    const request = parseQuery(['SELECT 1; SELECT 2', '--bucket-dir', bucket]);
    await expect(runQueryCommand(request!)).rejects.toThrow('the SQL failed: give one SQL statement, as Athena takes; got 2');
  });

  it('asks for a parameter that has no default, with an example', async () => {
    const request = parseQuery(['--named', 'user-activity', '--bucket-dir', bucket]);
    await expect(runQueryCommand(request!)).rejects.toThrow('user-activity needs --param user=<the database user (dbUserName)>, e.g. --param user=app_writer');
  });

  it('prints a named query\'s SQL, as deployed, without needing data', async () => {
    const { out } = await runQueryCommand(parseQuery(['--named', 'destructive-ddl', '--sql'])!);
    expect(out).toMatch(/^SELECT logTime, resource, serverType/);
    expect(out).toContain('"date" BETWEEN ? AND ?');
  });

  it('runs a named query with from and to defaulting to the dates in the log, and says so', async () => {
    const { out, note } = await runQueryCommand(parseQuery(['--named', 'failed-logins', '--bucket-dir', bucket, '--format', 'json'])!);
    expect(JSON.parse(out)).toEqual([
      expect.objectContaining({ logtime: '2026-11-21 12:00:00.1+00', resource: 'db-ORACLE7QYJ3KXZD5M2HNPW4A', dbusername: 'SCOTT', exitcode: '1017' }),
    ]);
    expect(note).toContain('from=2026-11-21, to=2026-11-21 (every date in the local log; set with --param)');
  });
});

describe('npm run query: all_events behind events/', () => {
  it('says all_events is behind when events/ has a newer object, and --load catches it up', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'query-stale-'));
    const folder = join(copy, 'events/command=DROP_TABLE/date=2026-11-22/hour=01');
    await mkdir(folder, { recursive: true });
    await writeFile(
      join(folder, 'db-ORACLE7QYJ3KXZD5M2HNPW4A-00000000000000000000000000000000.jsonl.gz'),
      gzipSync(`${JSON.stringify({ logTime: '2026-11-22 01:00:00+00', command: 'DROP TABLE' })}\n`),
    );
    const sql = 'SELECT count(*) AS n FROM all_events';
    const before = await runQueryCommand(parseQuery([sql, '--bucket-dir', copy, '--format', 'csv'])!);
    expect(before.out).toBe('n\r\n0\r\n');
    expect(before.note).toContain('tables/all_events/ is empty');
    const loaded = await runQueryCommand(parseQuery([sql, '--bucket-dir', copy, '--format', 'csv', '--load'])!);
    expect(loaded.out).toBe('n\r\n1\r\n');
    expect(loaded.note).toMatch(/^loaded all_events: 1 events of 1 objects in 1 partitions\n1 row$/);
    // A re-drive stores another object later: all_events is behind until the next load.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await writeFile(
      join(folder, 'db-ORACLE7QYJ3KXZD5M2HNPW4A-11111111111111111111111111111111.jsonl.gz'),
      gzipSync(`${JSON.stringify({ logTime: '2026-11-22 01:00:01+00', command: 'DROP TABLE' })}\n`),
    );
    const behind = await runQueryCommand(parseQuery([sql, '--bucket-dir', copy])!);
    expect(behind.note).toContain('all_events is behind events/');
  });
});

describe('npm run query: the command', () => {
  it('writes CSV alone on stdout, values whole and quoted where needed', async () => {
    const { code, stdout, stderr } = await query(['SELECT command, commandtext, exitcode FROM all_events ORDER BY log_time', '--bucket-dir', bucket, '--format', 'csv']);
    expect(code).toBe(0);
    expect(stdout).toBe('command,commandtext,exitcode\r\nLOGON,,1017\r\nSELECT,"SELECT ""a, b""\nFROM t",0\r\n');
    expect(stderr).toBe('2 rows\n');
  });

  it('exits 1 on a SQL error with the engine\'s message and no stack trace', async () => {
    const { code, stdout, stderr } = await query(['SELECT dbusername FROM all_events WHERE', '--bucket-dir', bucket]);
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toMatch(/^query: the SQL failed: Parser Error: syntax error at end of input/);
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('exits 2 for an unknown named query, listing the names', async () => {
    const { code, stderr } = await query(['--named', 'nope']);
    expect(code).toBe(2);
    expect(stderr).toContain('The named queries are: failed-logins, privilege-changes, destructive-ddl, user-activity, connections-by-host, events-by-command-per-hour');
  });
});
