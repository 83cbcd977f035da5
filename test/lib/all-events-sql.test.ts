import { batchObjectName, objectKey, parseLogTime, partitionKey, partitionOf } from '../../lambda/core/shared/partition';
import {
  EVENT_LINES_FIELD_DELIMITER,
  LOG_TIME_LOCAL_PATTERN,
  LOG_TIME_OFFSET_PATTERN,
  mergeSql,
  optimizeSql,
  OTHER_FIELDS_SQL,
  PLACEHOLDERS,
  RESOURCE_PATTERN,
  resourceGroups,
  sqlList,
  vacuumSql,
} from '../../lib/das-firehose-pipeline/all-events-sql';
import { ALL_EVENTS_COLUMNS, ALL_EVENTS_TABLE_NAME } from '../../lib/das-firehose-pipeline/all-events-table';
import { AUDIT_COLUMNS } from '../../lib/das-firehose-pipeline/audit-tables';
import reference from '../fixtures/reference-events.json';

const LOG_TIMES = reference.events.map((item) => item.event.logTime);

/**
 * What Athena computes for log_time, step by step with the same patterns (Java and JavaScript read them
 * alike): the local time to the millisecond, minus the offset.
 */
function logTimeAsAthenaReadsIt(logTime: string): number | undefined {
  const local = new RegExp(LOG_TIME_LOCAL_PATTERN).exec(logTime)?.[0];
  if (!local) return undefined;
  const offset = new RegExp(LOG_TIME_OFFSET_PATTERN).exec(logTime);
  const minutes = offset ? (Number(offset[2]) * 60 + Number(offset[3] ?? 0)) * (offset[1] === '-' ? -1 : 1) : 0;
  return Date.parse(`${local.replace(' ', 'T')}Z`) - minutes * 60_000;
}

describe('the all_events load SQL', () => {
  const sql = mergeSql('audit_db');

  it('inserts every column of all_events, in table order, and nothing else: no update, no delete', () => {
    const insert = /THEN INSERT \(([^)]*)\)/.exec(sql)?.[1];
    expect(insert?.split(', ')).toEqual(ALL_EVENTS_COLUMNS.map((column) => `"${column.name}"`));
    expect(sql).toContain(`MERGE INTO "audit_db"."${ALL_EVENTS_TABLE_NAME}" AS t`);
    expect(sql).not.toMatch(/WHEN MATCHED|UPDATE|DELETE/);
    for (const column of ALL_EVENTS_COLUMNS) expect(sql).toContain(` AS "${column.name}"`);
  });

  it('matches on the event key within the same database, day and hour, so a second run adds nothing', () => {
    expect(sql).toMatch(/ON t\."date" = '\{\{date\}\}' AND t\."date" = s\."date" AND t\.resource = s\.resource AND t\.hour = s\.hour AND t\.event_key = s\.event_key\nWHEN NOT MATCHED/);
  });

  it('reads only the named command folders, day and hours of events/, through partition columns', () => {
    expect(sql).toContain(
      `WHERE command_folder IN (${PLACEHOLDERS.commandFolders}) AND "date" = '${PLACEHOLDERS.date}' AND hour IN (${PLACEHOLDERS.hours})`,
    );
    expect(sql).toContain('FROM "audit_db"."event_lines"');
  });

  it('keys each event by its object key, its occurrence among identical lines, and its line, as lower-case hex SHA-256', () => {
    expect(sql).toContain("lower(to_hex(sha256(to_utf8(object_key || chr(10) || CAST(occurrence AS varchar) || chr(10) || line))))");
    expect(sql).toContain('row_number() OVER (PARTITION BY object_key, line) AS occurrence');
    expect(sql).toContain(`regexp_replace("$path", '^s3://[^/]+/', '') AS object_key`);
  });

  it('reads the database off the names the transformer gives its objects', () => {
    for (const resourceId of ['cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'db-MNOPQRSTUVWX']) {
      const event = { fields: { command: 'CREATE TABLE', logTime: '2026-12-02 13:45:00.123456+00' } };
      const key = objectKey(partitionKey(partitionOf(event as never, 0)), batchObjectName(resourceId, ['49590338271490256608559692538361571095921575989136588898']));
      expect(new RegExp(RESOURCE_PATTERN).exec(key)?.[1]).toBe(resourceId);
    }
  });

  it('reads every engine\'s logTime as the transformer does, to the millisecond', () => {
    for (const logTime of [...LOG_TIMES, '2026-12-02 13:45:00+00', '2026-12-02T13:45:00.5Z', '2026-12-02 15:15:00.250+01:30', '2026-12-02 06:45:00.999-0700']) {
      // The transformer's parse (which files the event under its date and hour) keeps whole seconds.
      const seconds = parseLogTime(logTime);
      const millis = Number(`${/\.(\d+)/.exec(logTime)?.[1] ?? ''}000`.slice(0, 3));
      expect(seconds).toBeDefined();
      expect([logTime, logTimeAsAthenaReadsIt(logTime)]).toEqual([logTime, seconds! + millis]);
    }
  });

  it('keeps in other_fields every field that no column names', () => {
    const named = /NOT contains\(ARRAY\[([^\]]*)\], k\)/.exec(OTHER_FIELDS_SQL)?.[1];
    expect(named).toBe(sqlList(AUDIT_COLUMNS.map((column) => column.name)));
  });

  it('rewrites and vacuums only all_events, OPTIMIZE one day at a time', () => {
    expect(optimizeSql('audit_db')).toBe(`OPTIMIZE "audit_db"."all_events" REWRITE DATA USING BIN_PACK WHERE "date" = '{{date}}' {{optimizeFilter}}`);
    expect(vacuumSql('audit_db')).toBe('VACUUM "audit_db"."all_events"');
  });

  it('quotes literals so that a quote in a value cannot end them', () => {
    expect(sqlList(["O'Brien", 'SELECT'])).toBe("'O''Brien','SELECT'");
  });

  it('splits the databases so that no MERGE writes more than 100 partitions a day', () => {
    expect(resourceGroups(['cluster-A', 'db-B'])).toEqual([{ insertFilter: '', optimizeFilter: '' }]);
    const many = Array.from({ length: 201 }, (_, index) => `db-${index}`);
    const groups = resourceGroups(many);
    expect(groups).toHaveLength(3);
    expect(groups.map((group) => group.insertFilter.split(',').length)).toEqual([100, 100, 1]);
    expect(groups[2]).toEqual({ insertFilter: "AND s.resource IN ('db-200')", optimizeFilter: "AND resource IN ('db-200')" });
  });

  it('splits the source\'s lines on a character JSON text never holds raw', () => {
    for (const item of reference.events) expect(JSON.stringify(item.event)).not.toContain(EVENT_LINES_FIELD_DELIMITER);
    expect(JSON.stringify({ text: `a${EVENT_LINES_FIELD_DELIMITER}b` })).not.toContain(EVENT_LINES_FIELD_DELIMITER);
  });
});
