import { parseBrowse } from '../../../local/commands/browse';
import { formatTable } from '../../../local/audit-log/events';
import { selectionPrefix } from '../../../local/audit-log/tree';
import { UsageError } from '../../../local/commands/cli';

describe('npm run browse options', () => {
  it('reads the local folder by default and lists folders', () => {
    expect(parseBrowse([], {})).toEqual({ source: { kind: 'folder', directory: '.local/s3' }, selection: {} });
  });

  it('prints events as NDJSON when given a command and a date, folding the command like the folders', () => {
    const request = parseBrowse(['--bucket', 'audit', '--command', 'create table', '--date', '2026-11-21', '--hour', '7'], {})!;
    expect(request).toMatchObject({ source: { kind: 'bucket', bucket: 'audit' }, format: 'ndjson' });
    expect(selectionPrefix(request.selection)).toBe('events/command=CREATE_TABLE/date=2026-11-21/hour=07/');
  });

  it('takes the bucket of a running server from BUCKET_NAME', () => {
    expect(parseBrowse(['--endpoint', 'http://127.0.0.1:4569'], { BUCKET_NAME: 'mine' })!.source).toEqual({
      kind: 'endpoint',
      endpoint: 'http://127.0.0.1:4569',
      bucket: 'mine',
    });
  });

  it.each([
    [['--date', '2026-02-30'], '--date must be a UTC day as YYYY-MM-DD'],
    [['--command', 'INSERT', '--date', '2026-11-21', '--hour', '24'], '--hour must be a UTC hour from 0 to 23'],
    [['--hour', '3'], '--hour needs --date'],
    [['--command', 'INSERT', '--format', 'table'], '--format is for printing events: give --command and --date too'],
    [['--command', 'INSERT', '--date', '2026-11-21', '--format', 'csv'], '--format must be ndjson or table'],
    [['--dir', 'x', '--bucket', 'y'], '--dir reads a local folder; --endpoint and --bucket read through S3'],
  ])('refuses %j with a clear message', (argv, message) => {
    expect(() => parseBrowse(argv, {})).toThrow(UsageError);
    expect(() => parseBrowse(argv, {})).toThrow(message);
  });
});

describe('the events table', () => {
  it('aligns columns, shows missing values as -, and truncates long SQL on one line', () => {
    const table = formatTable([
      { logTime: '2026-11-21 12:00:00.123456+00', command: 'SELECT', dbUserName: 'app', databaseName: 'shop', class: 'READ', objectName: 'orders', commandText: `select *\n  from orders where ${'x = 1 and '.repeat(10)}y = 2` },
      { logTime: '2026-11-21 12:00:01.000000+00', command: 'CONNECT', dbUserName: null, class: 'MISC' },
    ]).split('\n');
    expect(table[0]).toBe('logTime                        command  dbUserName  databaseName  class  objectName  commandText');
    expect(table[2]).toMatch(/^2026-11-21 12:00:00\.123456\+00 {2}SELECT {3}app {9}shop {10}READ {3}orders {6}select \* from orders where x = 1 .*…$/);
    expect(table[2]!.split('  ').pop()).toHaveLength(60);
    expect(table[3]).toBe('2026-11-21 12:00:01.000000+00  CONNECT  -           -             MISC   -           -');
  });
});
