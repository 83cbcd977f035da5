import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { UsageError } from '../../../local/commands/cli';
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
  // A plain copy of a bucket holding two events of Firehose's copy.
  bucket = await mkdtemp(join(tmpdir(), 'query-cli-'));
  const folder = join(bucket, 'firehose/ok/resource=db-ORACLE7QYJ3KXZD5M2HNPW4A/date=2026-11-21/hour=12');
  await mkdir(folder, { recursive: true });
  const events = [
    { logTime: '2026-11-21 12:00:00.1+00', serverType: 'ORACLE', command: 'LOGON', exitCode: 1017, dbUserName: 'SCOTT', remoteHost: '198.51.100.7' },
    { logTime: '2026-11-21 12:00:00.2+00', serverType: 'ORACLE', command: 'SELECT', exitCode: 0, dbUserName: 'APP', commandText: 'SELECT "a, b"\nFROM t' },
  ];
  await writeFile(join(folder, 'x.jsonl.gz'), gzipSync(events.map((event) => `${JSON.stringify(event)}\n`).join('')));
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
    const request = parseQuery(['--named', 'failed-logins', '--bucket-dir', join(bucket, 'firehose')]);
    await expect(runQueryCommand(request!)).rejects.toThrow("holds no audit log objects: give the bucket's top folder, the one holding firehose/ok/ and events/");
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

describe('npm run query: the command', () => {
  it('writes CSV alone on stdout, values whole and quoted where needed', async () => {
    const { code, stdout, stderr } = await query(['SELECT command, commandtext, exitcode FROM events ORDER BY logtime', '--bucket-dir', bucket, '--format', 'csv']);
    expect(code).toBe(0);
    expect(stdout).toBe('command,commandtext,exitcode\r\nLOGON,,1017\r\nSELECT,"SELECT ""a, b""\nFROM t",0\r\n');
    expect(stderr).toBe('2 rows\n');
  });

  it('exits 1 on a SQL error with the engine\'s message and no stack trace', async () => {
    const { code, stdout, stderr } = await query(['SELECT dbusername FROM events WHERE', '--bucket-dir', bucket]);
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
