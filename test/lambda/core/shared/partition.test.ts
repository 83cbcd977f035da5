import { event } from '../../../support/activity-event';
import { batchObjectName, commandFolder, eventFolder, objectKey, parseLogTime, partitionKey, partitionOf } from '../../../../lambda/core/shared/partition';

describe('commandFolder', () => {
  it.each([
    ['INSERT', 'INSERT'],
    ['CREATE TABLE', 'CREATE_TABLE'],
    ['AUTH FAILURE', 'AUTH_FAILURE'],
    ['select', 'SELECT'],
    ['  alter -- table  ', 'ALTER_TABLE'],
    ['_weird__cmd_', 'WEIRD_CMD'],
    ['FAILED_CONNECT', 'FAILED_CONNECT'],
    ['../../etc/passwd', 'ETC_PASSWD'],
    ['', 'UNKNOWN'],
    ['---', 'UNKNOWN'],
    [null, 'UNKNOWN'],
    [undefined, 'UNKNOWN'],
    [{ nested: true }, 'UNKNOWN'],
    [42, '42'],
  ])('files %p under %p', (command, folder) => {
    expect(commandFolder(command)).toBe(folder);
  });
});

describe('parseLogTime', () => {
  it('reads the six fractional digits Aurora sends', () => {
    expect(parseLogTime('2019-05-23 01:31:28.610198+00')).toBe(Date.UTC(2019, 4, 23, 1, 31, 28));
  });
  it('reads the seven fractional digits SQL Server sends', () => {
    expect(parseLogTime('2024-08-15 00:22:34.2930211+00')).toBe(Date.UTC(2024, 7, 15, 0, 22, 34));
  });
  it('reads a time without an offset as UTC', () => {
    expect(parseLogTime('2024-08-15 23:59:59.000001')).toBe(Date.UTC(2024, 7, 15, 23, 59, 59));
  });
  it('converts an explicit non-UTC offset to UTC', () => {
    expect(parseLogTime('2024-08-15 01:00:00.5+05:30')).toBe(Date.UTC(2024, 7, 14, 19, 30, 0));
  });
  it.each(['', 'yesterday', '2024-13-01 00:00:00+00', '2024-02-30 00:00:00+00', '2024-01-01 25:00:00', 12345, null])(
    'rejects %p',
    (value) => {
      expect(parseLogTime(value)).toBeUndefined();
    },
  );
});

describe('partitionOf', () => {
  const arrival = Date.UTC(2026, 10, 21, 7, 30, 0);
  it('files an event under the UTC date and hour of its logTime', () => {
    expect(partitionOf(event({ command: 'CREATE TABLE', logTime: '2019-05-24 23:36:54.494235+00' }), arrival)).toEqual({
      command: 'CREATE_TABLE',
      date: '2019-05-24',
      hour: '23',
    });
  });
  it.each([
    ['2024-01-31 23:59:59.9999999+00', '2024-01-31', '23'],
    ['2024-02-29 10:00:00.1', '2024-02-29', '10'],
    ['2024-03-01T00:00:00Z', '2024-03-01', '00'],
    ['2024-03-01 00:30:00+00:00', '2024-03-01', '00'],
    ['2024-03-01 00:30:00-01', '2024-03-01', '01'],
  ])('files logTime %p under date %p, hour %p', (logTime, date, hour) => {
    expect(partitionOf(event({ logTime }), arrival)).toMatchObject({ date, hour });
  });
  it('keeps a leap second in its own hour', () => {
    expect(partitionOf(event({ logTime: '2016-12-31 23:59:60.5+00' }), arrival)).toMatchObject({ date: '2016-12-31', hour: '23' });
  });
  it.each(['2023-02-29 10:00:00+00', '2024-04-31 10:00:00+00', '2024-01-01 24:00:00+00', '0050-06-01 10:00:00+00', '0050-06-30 10:00:00+00', '2024-01-01 10:00:00+00:99'])(
    'does not trust an impossible logTime %p',
    (logTime) => {
      expect(partitionOf(event({ logTime }), arrival)).toMatchObject({ date: '2026-11-21', hour: '07' });
    },
  );
  it('falls back to the record arrival time when logTime is missing or unreadable', () => {
    expect(partitionOf(event({ command: 'SELECT' }), arrival)).toEqual({ command: 'SELECT', date: '2026-11-21', hour: '07' });
    expect(partitionOf(event({ command: 'SELECT', logTime: 'garbage' }), arrival).hour).toBe('07');
  });
});

describe('eventFolder', () => {
  const arrival = Date.UTC(2026, 10, 21, 7, 30, 0);
  const logTimes = [
    '2019-05-24 23:36:54.494235+00', '2019-05-24T23:36:54Z', '2019-05-24 23:00:00', '2019-05-24 23:00:00+00:00', '2019-05-24 23:00:00+0000',
    '2024-01-28 10:00:00+00', '2024-01-29 10:00:00+00', '2024-01-31 23:59:59.9999999+00', '2024-02-29 10:00:00.1', '2023-02-29 10:00:00+00',
    '2024-03-01 00:30:00-01', '2016-12-31 23:59:60.5+00', '1969-12-28 10:00:00+00', '1970-01-01 00:00:00+00', '0050-06-01 10:00:00+00',
    '2024-01-01 24:00:00+00', '2024-13-01 10:00:00+00', '2024-01-01 10:00:00+00:99', ' 2024-01-01 10:00:00+00', 'garbage', '',
  ];
  it.each(logTimes)('files logTime %p where partitionKey(partitionOf()) does, every time it is asked', (logTime) => {
    for (const command of ['SELECT', 'create table', undefined]) {
      const activity = event({ ...(command !== undefined ? { command } : {}), logTime });
      const expected = partitionKey(partitionOf(activity, arrival));
      expect(eventFolder(activity, arrival)).toBe(expected);
      expect(eventFolder(activity, arrival)).toBe(expected);
    }
  });
  it('files an event without a logTime, or with one that is not text, by its arrival', () => {
    expect(eventFolder(event({ command: 'SELECT' }), arrival)).toBe('events/command=SELECT/date=2026-11-21/hour=07/');
    expect(eventFolder(event({ command: 'SELECT', logTime: 20240101 }), arrival)).toBe('events/command=SELECT/date=2026-11-21/hour=07/');
  });
});

describe('object keys', () => {
  it('lays objects out as events/command=/date=/hour=/<name>.jsonl.gz', () => {
    expect(objectKey(partitionKey({ command: 'INSERT', date: '2026-11-21', hour: '09' }), 'cluster-A-abc')).toBe(
      'events/command=INSERT/date=2026-11-21/hour=09/cluster-A-abc.jsonl.gz',
    );
  });
  it('names a batch the same way every time, and differently for other records or resources', () => {
    const name = batchObjectName('cluster-A', ['r1', 'r2']);
    expect(batchObjectName('cluster-A', ['r1', 'r2'])).toBe(name);
    expect(batchObjectName('cluster-A', ['r1', 'r3'])).not.toBe(name);
    expect(batchObjectName('cluster-A', ['r1r2'])).not.toBe(name);
    expect(batchObjectName('cluster-B', ['r1', 'r2'])).not.toBe(name);
    expect(name).toMatch(/^cluster-A-[0-9a-f]{32}$/);
  });
});
