import { gzipSync } from 'node:zlib';
import { BUILT_IN_RULES, RuleMatcher } from '../../../../lambda/core/alerts/alert-rules';
import { DecompressionBudget, KEPT_EVENT_BYTES, metricClass, readOpenedRecord, type RecordSettings } from '../../../../lambda/core/transform/record-reader';

describe('metricClass', () => {
  it('names a class as a metric dimension: upper case, letters, digits, spaces and _ only, at most 40 characters', () => {
    const cases: Array<[unknown, string]> = [
      ['read', 'READ'],
      [' Standard ', 'STANDARD'],
      ['DATABASE ROLE', 'DATABASE ROLE'],
      ['a/b.c', 'A_B_C'],
      ['x'.repeat(50), 'X'.repeat(40)],
      ['', 'NONE'],
      ['   ', 'NONE'],
      [undefined, 'NONE'],
      [42, 'NONE'],
    ];
    // Twice each: the second answer comes from what the first remembered.
    for (const [value, expected] of [...cases, ...cases]) expect([value, metricClass(value)]).toEqual([value, expected]);
  });

  it('answers right for more distinct classes than it remembers', () => {
    for (let round = 0; round < 2; round++) {
      for (let index = 0; index < 600; index++) expect(metricClass(`class-${index}`)).toBe(`CLASS_${index}`);
    }
  });
});

describe('readOpenedRecord and the batch memory budget', () => {
  const settings = (matcher?: RuleMatcher): RecordSettings => ({
    limits: { maxDecompressedBytes: 64 * 1024 * 1024, maxEvents: 100_000 },
    dropFilters: { classes: new Set(), commands: new Set(), users: new Set() },
    ...(matcher ? { matcher } : {}),
  });
  const payload = (events: readonly object[], ids: { clusterId?: string; instanceId?: string }): Buffer =>
    gzipSync(JSON.stringify({ type: 'DatabaseActivityMonitoringRecords', ...ids, databaseActivityEventList: events }));
  const source = { arrival: Date.UTC(2026, 11, 2, 12) };

  it('fails a record alone, before writing its lines, when the IDs written into each line would pass the budget', () => {
    // 1,000 empty events: 2 KB of text, but every stored line carries the payload's 10 KB cluster ID.
    const gzipped = payload(Array.from({ length: 1000 }, () => ({})), { clusterId: 'c'.repeat(10_000), instanceId: 'i' });
    const budget = new DecompressionBudget(5 * 1024 * 1024);
    expect(() => readOpenedRecord(gzipped, source, settings(), budget)).toThrow(/would take 100\d{5} bytes as stored lines, more than the 5242880 bytes the batch has left/);
    // The budget is spent: the next record fails without being read, so a batch of such records ends in time.
    expect(budget.remaining).toBeLessThan(0);
    expect(() => readOpenedRecord(gzipped, source, settings(), budget)).toThrow(/had already read as much decompressed activity as one invocation may hold/);
    // With room for them, the same record is stored.
    const roomy = new DecompressionBudget(64 * 1024 * 1024);
    expect(readOpenedRecord(gzipped, source, settings(), roomy).kind).toBe('ok');
  });

  it('charges a record the UTF-8 of its lines when that passes what its text takes as a string', () => {
    const text = '日本語'.repeat(10_000); // 3 bytes a character as UTF-8, 2 as a string
    const gzipped = payload([{ type: 'record', command: 'SELECT', commandText: text }], {});
    const budget = new DecompressionBudget(64 * 1024 * 1024);
    const outcome = readOpenedRecord(gzipped, source, settings(), budget);
    if (outcome.kind !== 'ok') throw new Error(outcome.kind);
    expect(64 * 1024 * 1024 - budget.remaining).toBe(outcome.kept.bytes.length + KEPT_EVENT_BYTES);
    expect(outcome.kept.bytes.length).toBeGreaterThan(3 * text.length);
  });

  it("names an alert's event by the line stored for it, the payload's IDs included", () => {
    const events = [{ type: 'record', serverType: 'PostgreSQL', command: 'SELECT' }, { type: 'record', serverType: 'PostgreSQL', command: 'AUTH FAILURE', dbUserName: 'mallory' }];
    const outcome = readOpenedRecord(payload(events, { clusterId: 'cluster-A', instanceId: 'db-B' }), source, settings(new RuleMatcher(BUILT_IN_RULES)), new DecompressionBudget(1 << 26));
    if (outcome.kind !== 'ok') throw new Error(outcome.kind);
    const stored = outcome.kept.bytes.toString('utf8').split('\n');
    expect(outcome.alerts.map((match) => [match.rule.id, match.line, match.details.dbUserName])).toEqual([['failed-login', stored[1], 'mallory']]);
    expect(stored[1]).toBe('{"type":"record","serverType":"PostgreSQL","command":"AUTH FAILURE","dbUserName":"mallory","clusterId":"cluster-A","instanceId":"db-B"}');
  });
});
