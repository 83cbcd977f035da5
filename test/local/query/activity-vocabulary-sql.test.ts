import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  DESTRUCTIVE_DDL,
  FAILED_LOGIN,
  LOGIN,
  LOGOUT,
  PRIVILEGE_CHANGE,
  type ActivityKind,
  type VocabularyField,
} from '../../../lambda/core/alerts/activity-vocabulary';
import { isKind } from '../../../lambda/core/alerts/condition-predicates';
import { sqlKind } from '../../../lib/das-firehose-pipeline/named-queries';
import { seededRandom } from '../../../testkit/das/seeded-random';
import { findLocalAuditLog, type LocalAuditLog } from '../../../local/query/local-audit-log';
import { loadAllEvents } from '../../../local/query/all-events-writer';
import { LocalQueryEngine } from '../../../local/query/run-query';

/**
 * The vocabulary is evaluated twice: as SQL by the named queries (Athena, DuckDB) and in TypeScript by
 * the alert rules. Both must pick the same events, on events stranger than the samples: every word of
 * the vocabulary in other cases and with spaces around, return codes as numbers and as text, SQL text
 * behind comments, engines named in any case or not at all.
 */

const KINDS: Record<string, ActivityKind> = { FAILED_LOGIN, LOGIN, LOGOUT, PRIVILEGE_CHANGE, DESTRUCTIVE_DDL };

const SERVER_TYPES = ['PostgreSQL', 'MySQL', 'ORACLE', 'SQLSERVER', 'postgresql', ' MySQL ', 'Db2', null];
const COMMANDS = [
  'AUTH FAILURE', 'auth failure', 'CONNECT', 'connect ', 'FAILED_CONNECT', 'DISCONNECT', 'LOGON', 'LOGOFF', 'LOGOFF BY CLEANUP',
  'LOGIN FAILED', 'LOGIN SUCCEEDED', 'LOGOUT', 'DATABASE LOGOUT', 'QUERY', 'query', 'GRANT', 'REVOKE', 'CREATE ROLE', 'CREATE USER',
  'ALTER USER', 'DROP', 'DROP TABLE', 'drop index', 'DROPPED', 'TRUNCATE TABLE', 'TRUNCATE', 'PURGE TABLE', 'ADD MEMBER', 'CREATE',
  'ALTER', 'SELECT', 'READ', 'ALTER SYSTEM', '', null,
];
const CLASSES = ['ROLE', 'role', 'LOGIN', 'SQL USER', 'TABLE', 'MAIN', 'AUX', 'Standard', null];
const EXIT_CODES = [null, '', '0', 0, ' 0 ', 1, 1017, '1045', '28P01'];
const ERRORS = [null, '', 'password authentication failed', ' '];
const TEXTS = [
  null, '', 'GRANT SELECT ON t TO u', 'grant\tselect on t to u', '  /* why */ DROP TABLE t', '/* a **/ /* b */ truncate table t',
  '-- cleanup\nDROP TABLE t', 'SELECT 1 /* DROP */', 'DROPPED_ROWS', 'CREATE USER x', 'create   user x', 'SET PASSWORD = x',
  '/* unterminated DROP TABLE t', 'REVOKE ALL ON t FROM u',
];

let engine: LocalQueryEngine;
let events: Array<Record<string, unknown>>;

beforeAll(async () => {
  const next = seededRandom(20261123);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  events = Array.from({ length: 4000 }, (_, index) => ({
    statementId: index,
    type: 'record',
    serverType: pick(SERVER_TYPES),
    command: pick(COMMANDS),
    class: pick(CLASSES),
    exitCode: pick(EXIT_CODES),
    errorMessage: pick(ERRORS),
    commandText: pick(TEXTS),
    logTime: '2026-11-21 12:00:00.000000+00',
  }));
  // A plain copy of a bucket, as `aws s3 sync` leaves it, with all_events loaded from it: the local engine reads that layout too.
  const bucket = await mkdtemp(join(tmpdir(), 'das-vocabulary-'));
  const folder = join(bucket, 'events/command=MIXED/date=2026-11-21/hour=12');
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'cluster-VOCABULARY-0123456789abcdef0123456789abcdef.jsonl.gz'), gzipSync(events.map((event) => `${JSON.stringify(event)}\n`).join('')));
  await loadAllEvents(bucket);
  engine = await LocalQueryEngine.open((await findLocalAuditLog(bucket)) as LocalAuditLog);
});

afterAll(() => engine?.close());

/** What the alert rules read off an event: a field's text (numbers as written), null when absent. */
function reader(event: Record<string, unknown>) {
  return (field: VocabularyField): string | null => {
    const value = event[field];
    return value === null || value === undefined ? null : typeof value === 'string' ? value : JSON.stringify(value);
  };
}

describe.each(Object.keys(KINDS))('%s', (name) => {
  const kind = KINDS[name] as ActivityKind;

  it('picks the same events as SQL (DuckDB) and as TypeScript (the alert rules)', async () => {
    const { rows } = await engine.query(`SELECT CAST(statementid AS INTEGER) FROM all_events WHERE ${sqlKind(kind)} ORDER BY 1`);
    const bySql = rows.map(([id]) => Number(id));
    const byTypeScript = events
      .filter((event) => isKind(kind, reader(event)('serverType' as VocabularyField), reader(event)))
      .map((event) => event.statementId as number);
    // On a mismatch, the events only one side picked (a few of each) say why.
    const only = (a: number[], b: number[]) => a.filter((id) => !b.includes(id)).slice(0, 3).map((id) => events[id]);
    expect({ sqlOnly: only(bySql, byTypeScript), typeScriptOnly: only(byTypeScript, bySql) }).toEqual({ sqlOnly: [], typeScriptOnly: [] });
    expect(bySql).toEqual(byTypeScript);
    // Neither picks everything nor nothing: the sample of events exercises the kind.
    expect(byTypeScript.length).toBeGreaterThan(5);
    expect(byTypeScript.length).toBeLessThan(events.length / 4);
  });
});
