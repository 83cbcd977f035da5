import jsonata from 'jsonata';
import { loaderDefinition } from '../../lib/das-firehose-pipeline/all-events-loader-definition';
import { mergeSql, optimizeSql, resourceGroups } from '../../lib/das-firehose-pipeline/all-events-sql';

/**
 * The loader's JSONata, evaluated with the jsonata package Step Functions' JSONata follows: `$states` bound
 * as Step Functions binds it (input, result, context), the expression between `{%` and `%}`.
 */

type Json = any;

const definition: Json = loaderDefinition({ databaseName: 'audit_db', workGroupName: 'wg', auditBucketName: 'bucket', resourceGroups: resourceGroups(['cluster-A', 'db-B']) });

async function evaluate(field: string, states: Json, variables: Json = {}): Promise<Json> {
  expect(field).toMatch(/^\{%[\s\S]*%\}$/);
  return jsonata(field.slice(2, -2)).evaluate({}, { states, ...variables });
}

const windowAt = (input: Json, startTime: string) => evaluate(definition.States.Window.Assign.window, { input, context: { Execution: { StartTime: startTime } } });

describe('the all_events loader\'s JSONata', () => {
  it('loads the current UTC hour and the two before it, across midnight too', async () => {
    expect(await windowAt({}, '2026-12-02T00:40:00.000Z')).toEqual({
      mode: 'recent',
      optimize: false,
      items: [
        { date: '2026-12-01', fromHour: 22, toHour: 23, group: 0 },
        { date: '2026-12-02', fromHour: 0, toHour: 0, group: 0 },
      ],
    });
    expect((await windowAt({}, '2026-12-02T13:59:59.999Z')).items).toEqual([{ date: '2026-12-02', fromHour: 11, toHour: 13, group: 0 }]);
  });

  it('takes the last 7 days and today, and maintains the table, when started between 03:00 and 03:14 UTC', async () => {
    const window = await windowAt({}, '2026-12-02T03:05:00.000Z');
    expect(window).toMatchObject({ mode: 'daily', optimize: true });
    expect(window.items.map((item: Json) => item.date)).toEqual(['2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02']);
    expect(window.items[0]).toMatchObject({ fromHour: 0, toHour: 23 });
    expect(window.items[7]).toMatchObject({ fromHour: 0, toHour: 3 });
    expect((await windowAt({}, '2026-12-02T03:15:00.000Z')).mode).toBe('recent');
  });

  it('backfills every hour of the dates given, and refuses a bad range with a reason', async () => {
    const window = await windowAt({ from: '2026-02-27', to: '2026-03-01' }, '2026-12-02T13:00:00.000Z');
    expect(window).toMatchObject({ mode: 'backfill', optimize: true });
    expect(window.items).toEqual(['2026-02-27', '2026-02-28', '2026-03-01'].map((date) => ({ date, fromHour: 0, toHour: 23, group: 0 })));
    expect(await windowAt({ from: '2026-1-30', to: '2026-02-01' }, '2026-12-02T13:00:00Z')).toEqual({ error: 'from and to must both be UTC dates, YYYY-MM-DD' });
    expect(await windowAt({ from: '2026-02-01' }, '2026-12-02T13:00:00Z')).toEqual({ error: 'from and to must both be UTC dates, YYYY-MM-DD' });
    expect(await windowAt({ from: '2026-02-02', to: '2026-02-01' }, '2026-12-02T13:00:00Z')).toEqual({ error: 'from must not be after to' });
    expect((await windowAt({ from: '2025-01-01', to: '2026-01-02' }, '2026-12-02T13:00:00Z')).error).toMatch(/at most 366 days/);
    expect((await windowAt({ from: '2024-01-01', to: '2024-12-31' }, '2026-12-02T13:00:00Z')).items).toHaveLength(366);
    expect((await windowAt({ from: '2025-01-01', to: '2025-12-31' }, '2026-12-02T13:00:00Z')).items).toHaveLength(365);
  });

  it('catches up after a backfill with yesterday and today up to the hour it gets there, past the backfilled days', async () => {
    const catchUp = (to: string, enteredTime: string) => evaluate(definition.States.CatchUp.Assign.window, { context: { State: { EnteredTime: enteredTime } } }, { window: { mode: 'backfill', to } });
    expect(await catchUp('2026-02-01', '2026-12-02T13:20:00.000Z')).toEqual({
      mode: 'catchup',
      optimize: false,
      items: [
        { date: '2026-12-01', fromHour: 0, toHour: 23, group: 0 },
        { date: '2026-12-02', fromHour: 0, toHour: 13, group: 0 },
      ],
    });
    expect((await catchUp('2026-12-01', '2026-12-02T13:20:00.000Z')).items).toEqual([{ date: '2026-12-02', fromHour: 0, toHour: 13, group: 0 }]);
    expect((await catchUp('2026-12-02', '2026-12-02T13:20:00.000Z')).items).toEqual([]);
    expect(definition.States.CheckCatchUp.Choices[0]).toEqual({ Condition: "{% $window.mode = 'backfill' %}", Next: 'CatchUp' });
    expect(definition.States.CatchUp.Next).toBe('ListCommandFolders');
  });

  it('gives each group of databases its own MERGE per day', async () => {
    const many: Json = loaderDefinition({ databaseName: 'd', workGroupName: 'w', auditBucketName: 'b', resourceGroups: resourceGroups(Array.from({ length: 150 }, (_, i) => `db-${i}`)) });
    const window = await evaluate(many.States.Window.Assign.window, { input: {}, context: { Execution: { StartTime: '2026-12-02T13:00:00Z' } } });
    expect(window.items).toEqual([0, 1].map((group) => ({ date: '2026-12-02', fromHour: 11, toHour: 13, group })));
    const merge = many.States.LoadDays.ItemProcessor.States.Merge.Arguments.QueryString;
    const sql = await evaluate(merge, { input: { date: '2026-12-02', fromHour: 11, toHour: 13, group: 1, folders: "'SELECT'" } });
    expect(sql).toContain(`WHEN NOT MATCHED AND s.resource IN (${Array.from({ length: 50 }, (_, i) => `'db-${i + 100}'`).join(',')}) THEN INSERT`);
  });

  it('names every listed command folder as a quoted literal', async () => {
    const folders = definition.States.ListCommandFolders.Assign.folders;
    const result = { CommonPrefixes: [{ Prefix: 'events/command=SELECT/' }, { Prefix: 'events/command=CREATE_TABLE/' }, { Prefix: "events/command=O'X/" }], IsTruncated: false };
    expect(await evaluate(folders, { result })).toBe("'SELECT','CREATE_TABLE','O''X'");
    expect(await evaluate(folders, { result: { CommonPrefixes: [{ Prefix: 'events/command=SELECT/' }] } })).toBe("'SELECT'");
    expect(await evaluate(folders, { result: { KeyCount: 0, IsTruncated: false } })).toBe('');
    expect(await evaluate(definition.States.ListCommandFolders.Assign.truncated, { result: { IsTruncated: true } })).toBe(true);
  });

  it('fills the MERGE and OPTIMIZE of a day with its date, hours, folders and databases', async () => {
    const item = { date: '2026-12-02', fromHour: 9, toHour: 11, group: 0, folders: "'SELECT','CONNECT'" };
    const states = definition.States.LoadDays.ItemProcessor.States;
    const filled = (sql: string) =>
      sql.replaceAll('{{date}}', item.date).replaceAll('{{hours}}', "'09','10','11'").replaceAll('{{commandFolders}}', item.folders).replaceAll('{{insertFilter}}', '').replaceAll('{{optimizeFilter}}', '');
    expect(await evaluate(states.Merge.Arguments.QueryString, { input: item })).toBe(filled(mergeSql('audit_db')));
    expect(await evaluate(states.Optimize.Arguments.QueryString, { input: item })).toBe(filled(optimizeSql('audit_db')));
  });

  it('counts the other running executions, not itself', async () => {
    const others = definition.States.ListRunningLoads.Assign.others;
    const context = { Execution: { Id: 'arn:self' } };
    expect(await evaluate(others, { context, result: { Executions: [{ ExecutionArn: 'arn:self' }] } })).toBe(0);
    expect(await evaluate(others, { context, result: { Executions: [{ ExecutionArn: 'arn:self' }, { ExecutionArn: 'arn:other' }] } })).toBe(1);
    expect(await evaluate(others, { context, result: { Executions: [] } })).toBe(0);
  });
});
