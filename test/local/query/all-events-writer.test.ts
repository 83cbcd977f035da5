import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { ALL_EVENTS_COLUMNS } from '../../../lib/das-firehose-pipeline/all-events-table';
import { AllEventsLoadError, loadAllEvents } from '../../../local/query/all-events-writer';
import { loadLocalAllEvents } from '../../../local/query/local-load';

/**
 * The local load of all_events over a bucket folder written here (as s3rver keeps it, `._S3rver_object`
 * files): what lands in each Parquet file, and that each event is there once however often it runs.
 */

const PG = 'cluster-4HNY5V4RRNPKKYB7ICFKE5JBQQ';
const ORACLE = 'db-ORACLE7QYJ3KXZD5M2HNPW4A';
const S3RVER = '._S3rver_object';

async function putObject(bucket: string, key: string, lines: readonly string[]): Promise<void> {
  const file = join(bucket, `${key}${S3RVER}`);
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, gzipSync(lines.map((line) => `${line}\n`).join('')));
}

async function read(sql: string): Promise<Array<Record<string, unknown>>> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    const columns = reader.columnNames();
    return reader.getRowsJS().map((row) => Object.fromEntries(columns.map((column, index) => [column, row[index]])));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const tableFiles = async (bucket: string) =>
  (await readdir(join(bucket, 'tables/all_events'), { recursive: true })).filter((name) => name.endsWith('.parquet')).sort();

const allRows = (bucket: string) => read(`SELECT * FROM read_parquet('${join(bucket, 'tables/all_events/**/*.parquet')}', hive_partitioning = false) ORDER BY resource, "date", dbusername, objectname, log_time`);

const key = (objectKey: string, line: string, occurrence = 1) => createHash('sha256').update(`${objectKey}\n${occurrence}\n${line}`).digest('hex');

describe('loadAllEvents (the local all_events table)', () => {
  it('writes one ZSTD Parquet file per database and UTC date, with exactly the table\'s columns and types', async () => {
    const bucket = await mkdtemp(join(tmpdir(), 'all-events-'));
    await putObject(bucket, `events/command=SELECT/date=2026-11-21/hour=12/${PG}-0123456789abcdef0123456789abcdef.jsonl.gz`, [
      '{"logTime":"2026-11-21 12:00:00.5+00","command":"SELECT","dbUserName":"b","objectName":"t2"}',
      '{"logTime":"2026-11-21 12:00:00.1+00","command":"SELECT","dbUserName":"a","objectName":"t1"}',
    ]);
    await putObject(bucket, `events/command=LOGON/date=2026-11-22/hour=00/${ORACLE}-fedcba9876543210fedcba9876543210.jsonl.gz`, [
      '{"logTime":"2026-11-22 00:00:01.000000+00","command":"LOGON","dbUserName":"SCOTT"}',
    ]);
    const load = await loadAllEvents(bucket);
    expect(load).toMatchObject({ objects: 2, events: 2 + 1, partitions: 2 });
    expect(await tableFiles(bucket)).toEqual([
      `resource=${PG}/date=2026-11-21/all_events.parquet`,
      `resource=${ORACLE}/date=2026-11-22/all_events.parquet`,
    ].sort());
    const file = join(bucket, 'tables/all_events', `resource=${PG}/date=2026-11-21/all_events.parquet`);
    const schema = await read(`SELECT name, type FROM parquet_schema('${file}') WHERE name <> 'duckdb_schema'`);
    expect(schema.map((column) => column.name)).toEqual(ALL_EVENTS_COLUMNS.map((column) => column.name));
    expect(schema.map((column) => column.type)).toEqual(ALL_EVENTS_COLUMNS.map((column) => (column.type === 'timestamp' ? 'INT64' : 'BYTE_ARRAY')));
    const logTime = await read(`SELECT logical_type FROM parquet_schema('${file}') WHERE name = 'log_time'`);
    expect(String(logTime[0]?.logical_type)).toMatch(/TimestampType\(isAdjustedToUTC=0, unit=TimeUnit\(MILLIS=<null>, MICROS=MicroSeconds\(\)/);
    expect((await read(`SELECT DISTINCT compression FROM parquet_metadata('${file}')`)).map((row) => row.compression)).toEqual(['ZSTD']);
    // Sorted by user, object and time within the partition (the file's own order).
    expect((await read(`SELECT dbusername, command_folder, "hour", resource, "date" FROM read_parquet('${file}', hive_partitioning = false)`))).toEqual([
      { dbusername: 'a', command_folder: 'SELECT', hour: '12', resource: PG, date: '2026-11-21' },
      { dbusername: 'b', command_folder: 'SELECT', hour: '12', resource: PG, date: '2026-11-21' },
    ]);
  });

  it('keeps each event once after running twice, after a retried batch rewrote its object, and after a re-drive added one', async () => {
    const bucket = await mkdtemp(join(tmpdir(), 'all-events-'));
    const first = `events/command=INSERT/date=2026-11-21/hour=12/${PG}-00000000000000000000000000000001.jsonl.gz`;
    const lines = ['{"logTime":"2026-11-21 12:00:00+00","command":"INSERT","statementId":1}', '{"logTime":"2026-11-21 12:00:00+00","command":"INSERT","statementId":2}'];
    await putObject(bucket, first, lines);
    await loadAllEvents(bucket);
    await loadAllEvents(bucket);
    // Firehose retries the batch: the transformer writes the same object again under the same key.
    await putObject(bucket, first, lines);
    // A re-drive stores the records that had failed, as a batch of its own.
    const redriven = `events/command=INSERT/date=2026-11-21/hour=12/${PG}-00000000000000000000000000000002.jsonl.gz`;
    await putObject(bucket, redriven, ['{"logTime":"2026-11-21 12:00:01+00","command":"INSERT","statementId":3}']);
    await loadAllEvents(bucket);
    const rows = await allRows(bucket);
    expect(rows.map((row) => row.statementid).sort()).toEqual(['1', '2', '3']);
    expect(rows.map((row) => row.event_key).sort()).toEqual(
      [key(first, lines[0]!), key(first, lines[1]!), key(redriven, '{"logTime":"2026-11-21 12:00:01+00","command":"INSERT","statementId":3}')].sort(),
    );
    expect(await tableFiles(bucket)).toEqual([`resource=${PG}/date=2026-11-21/all_events.parquet`]);
  });

  it('tells identical lines of one object apart by their occurrence, and counts both', async () => {
    const bucket = await mkdtemp(join(tmpdir(), 'all-events-'));
    const object = `events/command=SELECT/date=2026-11-21/hour=12/${PG}-0000000000000000000000000000000a.jsonl.gz`;
    const line = '{"logTime":"2026-11-21 12:00:00+00","command":"SELECT"}';
    await putObject(bucket, object, [line, line]);
    await loadAllEvents(bucket);
    expect((await allRows(bucket)).map((row) => row.event_key).sort()).toEqual([key(object, line, 1), key(object, line, 2)].sort());
  });

  it('keeps the fields no column names in other_fields, as JSON, and null when there are none', async () => {
    const bucket = await mkdtemp(join(tmpdir(), 'all-events-'));
    await putObject(bucket, `events/command=SELECT/date=2026-11-21/hour=12/${PG}-0000000000000000000000000000000b.jsonl.gz`, [
      '{"logTime":"2026-11-21 12:00:00+00","command":"SELECT","dbUserName":"a","newField":{"nested":[1,"x"]},"flag":null,"a/b~c":"odd name","statementId":12345678901234567890}',
      '{"logTime":"2026-11-21 12:00:01+00","command":"SELECT","dbUserName":"b","paramList":["1",2]}',
    ]);
    await loadAllEvents(bucket);
    const rows = await allRows(bucket);
    expect(JSON.parse(rows[0]!.other_fields as string)).toEqual({ newField: { nested: [1, 'x'] }, flag: null, 'a/b~c': 'odd name' });
    expect(rows[0]!.statementid).toBe('12345678901234567890');
    expect(rows[1]!.other_fields).toBeNull();
    expect(rows[1]!.paramlist).toBe('["1",2]');
  });

  it.each([
    ['Aurora PostgreSQL, microseconds and +00', '2019-05-23 01:31:28.610198+00', '2019-05-23 01:31:28.610198'],
    ['SQL Server, seven fractional digits and no offset', '2026-11-21 12:00:00.1234567', '2026-11-21 12:00:00.123456'],
    ['Oracle, no fraction', '2026-11-21 12:00:00+00', '2026-11-21 12:00:00'],
    ['MySQL, T and Z', '2026-11-21T12:00:00.5Z', '2026-11-21 12:00:00.5'],
    ['an offset', '2026-11-21 02:30:00+02:30', '2026-11-21 00:00:00'],
    ['a negative offset across midnight', '2026-11-21 23:00:00-0300', '2026-11-22 02:00:00'],
    ['a leap second', '2016-12-31 23:59:60.5+00', '2016-12-31 23:59:59.5'],
    ['text that is no time', 'yesterday', null],
    ['a day that does not exist', '2026-02-31 12:00:00+00', null],
    ['an offset beyond 14 hours', '2026-11-21 12:00:00+15', null],
  ])('reads logTime as UTC: %s', async (_name, logTime, expected) => {
    const bucket = await mkdtemp(join(tmpdir(), 'all-events-'));
    await putObject(bucket, `events/command=SELECT/date=2026-11-21/hour=12/${PG}-0000000000000000000000000000000c.jsonl.gz`, [JSON.stringify({ logTime, command: 'SELECT' })]);
    await loadAllEvents(bucket);
    const [row] = await read(`SELECT strftime(log_time, '%Y-%m-%d %H:%M:%S.%f') AS t, logtime FROM read_parquet('${join(bucket, 'tables/all_events/**/*.parquet')}', hive_partitioning = false)`);
    expect(row!.logtime).toBe(logTime);
    const plain = (time: unknown) => (time === null ? null : String(time).replace(/\.(\d*?)0*$/, (_all, digits: string) => (digits ? `.${digits}` : '')));
    expect(plain(row!.t)).toBe(plain(expected));
  });

  it('empties the table when events/ is empty, and refuses an object not named as the transformer names them', async () => {
    const bucket = await mkdtemp(join(tmpdir(), 'all-events-'));
    await putObject(bucket, `events/command=SELECT/date=2026-11-21/hour=12/${PG}-0000000000000000000000000000000d.jsonl.gz`, ['{"command":"SELECT"}']);
    await loadAllEvents(bucket);
    expect(await tableFiles(bucket)).toHaveLength(1);
    const empty = await mkdtemp(join(tmpdir(), 'all-events-'));
    expect(await loadAllEvents(empty)).toMatchObject({ objects: 0, events: 0, partitions: 0 });
    await putObject(bucket, 'events/command=SELECT/stray.jsonl.gz', ['{}']);
    await expect(loadAllEvents(bucket)).rejects.toThrow(AllEventsLoadError);
    await expect(loadAllEvents(bucket)).rejects.toThrow('events/command=SELECT/stray.jsonl.gz is not named as the transformer names objects (command=…/date=…/hour=…/<resource>-<hex>.jsonl.gz); move it out of');
    // The table loaded before stays as it was.
    expect(await tableFiles(bucket)).toHaveLength(1);
  });

  it('after npm run invoke, loads the table only in the folder of the S3 server that took the write', async () => {
    const s3Directory = await mkdtemp(join(tmpdir(), 'all-events-'));
    const bucket = join(s3Directory, 'das-firehose-local');
    await putObject(bucket, `events/command=SELECT/date=2026-11-21/hour=12/${PG}-0000000000000000000000000000000e.jsonl.gz`, ['{"command":"SELECT"}']);
    await putObject(bucket, 'firehose/ok/resource=x/date=2026-11-21/hour=12/delivered.jsonl.gz', ['{"arrival":1,"events":1}']);
    // Another server's write: this folder is not where it went, and nothing is loaded here.
    expect(await loadLocalAllEvents('das-firehose-local', 'firehose/ok/resource=x/date=2026-11-21/hour=12/elsewhere.jsonl.gz', s3Directory)).toBeUndefined();
    await expect(tableFiles(bucket)).rejects.toThrow();
    expect(await loadLocalAllEvents('das-firehose-local', 'firehose/ok/resource=x/date=2026-11-21/hour=12/delivered.jsonl.gz', s3Directory)).toMatchObject({ events: 1 });
    expect(await tableFiles(bucket)).toHaveLength(1);
  });
});
