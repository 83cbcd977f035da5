import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { SAMPLES } from '../../../testkit/das/sample-events';
import { formatStartReport, runStart, type StartResult } from '../../../local/commands/start';

const run = promisify(execFile);
const ROOT = join(__dirname, '../../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
let EVENTS: string;

/** Every bad-record kind in events/mixed-malformed.json and the reason the handler gives for it. */
const EXPECTED_FAILURES = [
  ['not-text', 'record data is not UTF-8 text'],
  ['not-json', 'record data is not JSON'],
  ['wrong-envelope-type', 'envelope type is not DatabaseActivityMonitoringRecords'],
  ['missing-field', 'envelope has no key string'],
  ['tampered-ciphertext', 'databaseActivityEvents could not be decrypted'],
  ['wrong-encryption-context', 'KMS refused the data key: InvalidCiphertextException'],
  ['plaintext-not-gzip', 'decrypted activity is not gzip data'],
  ['gzip-not-json', 'decrypted activity is not JSON'],
  ['no-event-list', 'decrypted activity has no databaseActivityEventList array'],
  ['repeated-event-list', 'decrypted activity repeats a name within one object'],
  ['too-deep', 'decrypted activity nests deeper than 64 levels'],
] as const;

let dataDir: string;
let first: StartResult;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'das-start-'));
  // The committed samples only: files a developer adds to events/ must not change these expectations.
  EVENTS = join(dataDir, 'events');
  await mkdir(EVENTS);
  for (const name of Object.keys(SAMPLES)) await cp(join(ROOT, 'events', name), join(EVENTS, name));
  first = await runStart({ eventsDir: EVENTS, dataDir });
});

function fileResult(result: StartResult, name: string) {
  const file = result.files.find((item) => item.file.endsWith(`/${name}`));
  if (!file) throw new Error(`no result for ${name}`);
  return file;
}

describe('npm start (runStart)', () => {
  it('runs every committed event file and answers each record Ok, Dropped or ProcessingFailed', () => {
    expect(first.files.map((file) => file.file.split('/').pop())).toEqual([
      'aurora-mysql.json',
      'aurora-postgresql.json',
      'heartbeats-only.json',
      'mixed-malformed.json',
      'rds-oracle.json',
      'rds-sqlserver.json',
    ]);
    for (const engine of ['aurora-mysql', 'aurora-postgresql', 'rds-oracle', 'rds-sqlserver']) {
      expect(fileResult(first, `${engine}.json`)).toMatchObject({ records: 8, ok: 8, dropped: 0, failed: 0 });
    }
    expect(fileResult(first, 'heartbeats-only.json')).toMatchObject({ records: 4, ok: 0, dropped: 4, failed: 0 });
    expect(fileResult(first, 'mixed-malformed.json')).toMatchObject({ records: 22, ok: 11, dropped: 0, failed: 11 });
  });

  it('names the reason of every failed record, matched to the kind of damage the file declares', () => {
    const failures = fileResult(first, 'mixed-malformed.json').failures;
    expect(failures.map((failure) => failure.kind)).toEqual(EXPECTED_FAILURES.map(([kind]) => kind));
    failures.forEach((failure, position) => {
      expect(failure.reason).toContain(EXPECTED_FAILURES[position]![1]);
      expect(failure.index).toBe(2 * position + 1);
    });
  });

  it('needs one KMS call per data key, because every record of a file shares one', () => {
    expect(fileResult(first, 'aurora-postgresql.json').batch?.kmsCalls).toBe(1);
    // The good key plus the one bound to the wrong encryption context.
    expect(fileResult(first, 'mixed-malformed.json').batch?.kmsCalls).toBe(2);
  });

  it('files every stored event in a command folder, and the tree counts them all', () => {
    const stored = first.files.reduce((sum, file) => sum + (file.batch?.stored ?? 0), 0);
    expect(first.tree.events).toBe(stored);
    expect(first.tree.commands.map((command) => command.command)).toEqual(
      expect.arrayContaining(['CREATE_TABLE', 'AUTH_FAILURE', 'QUERY', 'FAILED_CONNECT', 'LOGON', 'LOGIN_SUCCEEDED', 'INSERT']),
    );
    expect(first.tree.commands.every((command) => command.hours.every((hour) => hour.date === '2026-11-21' && hour.hour === '12'))).toBe(true);
  });

  it('leaves each object on disk as a gzip NDJSON file next to its key', async () => {
    const key = first.tree.exampleKey!;
    const bytes = await readFile(join(first.bucketDirectory, `${key}._S3rver_object`));
    const lines = gunzipSync(bytes).toString('utf8').trim().split('\n');
    const command = /command=([^/]+)/.exec(key)![1];
    const folder = first.tree.commands.find((item) => item.command === command)!;
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(folder.events);
    expect(JSON.parse(lines[0]!)).toHaveProperty('logTime');
  });

  it('raises the alerts the samples call for on every engine, each pointing at a stored event, and lists them', async () => {
    const stored = new Map<string, Array<Record<string, unknown>>>();
    const storedIn = async (key: string) => {
      if (!stored.has(key)) {
        const text = gunzipSync(await readFile(join(first.bucketDirectory, `${key}._S3rver_object`))).toString('utf8');
        stored.set(key, text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>));
      }
      return stored.get(key)!;
    };
    expect(new Set(first.alerts.map((alert) => alert.engine))).toEqual(new Set(['postgresql', 'mysql', 'oracle', 'sqlserver']));
    expect(new Set(first.alerts.map((alert) => alert.rule))).toEqual(new Set(['privilege-change', 'failed-login', 'destructive-ddl']));
    for (const alert of first.alerts) {
      const events = await storedIn(String(alert.key));
      expect(events.some((event) => event.logTime === alert.logTime && event.command === alert.command)).toBe(true);
    }
    // One alert per match: as many failed-login alerts as failed logins the tree holds.
    const folderEvents = (name: string) => first.tree.commands.find((command) => command.command === name)?.events ?? 0;
    const failedLogins = first.alerts.filter((alert) => alert.rule === 'failed-login').length;
    const oracleFailures = first.alerts.filter((alert) => alert.rule === 'failed-login' && alert.command === 'LOGON');
    expect(oracleFailures.length).toBeGreaterThan(0);
    expect(failedLogins).toBe(folderEvents('AUTH_FAILURE') + folderEvents('FAILED_CONNECT') + folderEvents('LOGIN_FAILED') + oracleFailures.length);
    for (const alert of oracleFailures) {
      const event = (await storedIn(String(alert.key))).find((item) => item.logTime === alert.logTime && item.command === 'LOGON');
      expect(Number(event?.exitCode)).not.toBe(0);
    }
    const lines = (await readFile(first.alertsFile, 'utf8')).trim().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual(first.alerts);
    const report = formatStartReport(first).join('\n');
    expect(report).toMatch(new RegExp(`Alerts on the local EventBridge bus: ${first.alerts.length} \\(`));
    expect(report).toMatch(/severity +rule +resource +command +user +host +stored in/);
    expect(report).not.toMatch(/insert into|select \*|grant select on/i);
  });

  it('gives the same tree when run again, even with stale objects from an older run in the folder', async () => {
    const stale = join(first.bucketDirectory, 'events/command=STALE/date=2020-01-01/hour=00');
    await mkdir(stale, { recursive: true });
    await writeFile(join(stale, 'old.jsonl.gz._S3rver_object'), 'old');
    const again = await runStart({ eventsDir: EVENTS, dataDir });
    expect(again.tree).toEqual(first.tree);
  });

  it('keeps the handler logs out of the report and in the log file, without SQL text', async () => {
    const report = formatStartReport(first).join('\n');
    expect(report).not.toContain('"level"');
    expect(report).toContain('records[9] (tampered-ciphertext): databaseActivityEvents could not be decrypted');
    expect(report).toMatch(/Total: \d+ command folders, \d+ objects, \d+ events\./);
    const log = await readFile(first.logFile, 'utf8');
    expect(log).toContain('"message":"record failed"');
    expect(log).not.toMatch(/insert into|select \*/i);
    // Every valid record of the samples is opened by the fast path; the tampered one goes to the SDK, which refuses it.
    const batches = log.split('\n').filter((line) => line.includes('"batch transformed"')).map((line) => JSON.parse(line) as { sdkDecrypts: number; failed: number });
    expect(batches.map((batch) => batch.sdkDecrypts).sort()).toEqual([0, 0, 0, 0, 0, 1]);
  });
});

describe('scripts/start.ts', () => {
  it('runs on a fresh checkout with no AWS credentials or profile, prints the report and exits 0', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'das-start-cli-'));
    // A checkout of its own: the command writes .local/ where it runs.
    await cp(EVENTS, join(cwd, 'events'), { recursive: true });
    const { stdout } = await run(TSX, [join(ROOT, 'scripts/start.ts')], {
      cwd,
      // A profile that does not exist would stop the SDK if the command did not unset it.
      env: { PATH: process.env.PATH!, HOME: cwd, AWS_PROFILE: 'no-such-profile', AWS_CONFIG_FILE: join(cwd, 'none') },
    });
    expect(stdout).toMatch(/events\/mixed-malformed\.json\s+22 records:\s+11 Ok,\s+0 Dropped,\s+11 ProcessingFailed/);
    expect(stdout).toMatch(/events\/heartbeats-only\.json\s+4 records:\s+0 Ok,\s+4 Dropped/);
    expect(stdout).toContain(`Total: ${first.tree.commands.length} command folders, ${first.tree.objects} objects, ${first.tree.events} events.`);
    expect(stdout).toContain('.local/s3/das-firehose-local/');
  });
});
