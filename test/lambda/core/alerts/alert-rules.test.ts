import { gzipSync } from 'node:zlib';
import { readActivityPayload, type ActivityEvent } from '../../../../lambda/core/shared/activity-payload';
import { activeRules, BUILT_IN_RULES, disabledRuleProblems, RuleMatcher, type AlertRule } from '../../../../lambda/core/alerts/alert-rules';
import { parseCustomRules } from '../../../../lambda/core/alerts/custom-rules';
import { alertId, alertsOf, matchEvent } from '../../../../lambda/core/alerts/alerts';
import { syntheticEvents } from '../../../../testkit/das/activity-events';
import { activityJson, ENGINES, PROFILES, type Engine } from '../../../../testkit/das/das-synth';
import reference from '../../../fixtures/reference-events.json';

/**
 * The alert rules against events as the transformer reads them (gzip activity JSON through the core's
 * reader): the real reference events of the four engines, the minted samples, and sensitive operations
 * the samples do not hold, each engine in its own words. The expectations are written out here again,
 * per engine, not taken from the vocabulary the rules are built from.
 */

type Event = Record<string, unknown>;
const LIMITS = { maxDecompressedBytes: 64 * 1024 * 1024, maxEvents: 100_000 };

function read(events: readonly Event[], engine: Engine = 'aurora-postgresql'): ActivityEvent[] {
  const out: ActivityEvent[] = [];
  readActivityPayload(gzipSync(activityJson(PROFILES[engine], events)), LIMITS, (event) => out.push(event));
  return out;
}

/** The ids of the rules each event matches. */
function fired(rules: readonly AlertRule[], events: readonly Event[], engine?: Engine): string[][] {
  const matcher = new RuleMatcher(rules);
  return read(events, engine).map((event) => matchEvent(matcher, event, 'events/command=X/date=2026-11-21/hour=12/', event.text, 0).map((match) => match.rule.id));
}

const BUILT_INS = activeRules({});

/** The sensitive kinds of an event, decided here from each engine's documentation, independently of the rules. */
function expectedKinds(event: Event): string[] {
  const command = String(event.command ?? '');
  const text = String(event.commandText ?? '').replace(/^\s*(\/\*!\d*\s*|\/\*.*?\*\/\s*|--[^\n]*\n\s*|#[^\n]*\n\s*)*/s, '').toUpperCase();
  const klass = String(event.class ?? '');
  const kinds: string[] = [];
  switch (String(event.serverType).toUpperCase()) {
    case 'POSTGRESQL':
      if (klass === 'ROLE' || /^(GRANT|REVOKE|(CREATE|ALTER|DROP) (ROLE|USER)|ALTER DEFAULT PRIVILEGES|REASSIGN OWNED|DROP OWNED)/.test(command)) kinds.push('privilege-change');
      if (command === 'AUTH FAILURE' || (command === 'CONNECT' && event.errorMessage)) kinds.push('failed-login');
      if (/^(DROP |TRUNCATE)/.test(command)) kinds.push('destructive-ddl');
      break;
    case 'MYSQL':
      if (command === 'QUERY' && /^(GRANT|REVOKE|(CREATE|ALTER|DROP|RENAME) USER|SET PASSWORD|(CREATE|DROP) ROLE|SET DEFAULT ROLE)\b/.test(text)) kinds.push('privilege-change');
      if (command === 'FAILED_CONNECT' || (['CONNECT', 'CHANGEUSER'].includes(command) && !['', '0'].includes(String(event.exitCode ?? '')))) kinds.push('failed-login');
      if (command === 'QUERY' && /^(DROP|TRUNCATE)\b/.test(text)) kinds.push('destructive-ddl');
      break;
    case 'ORACLE':
      if (/^(GRANT|REVOKE|(GRANT|REVOKE) (OBJECT|ROLE)|SYSTEM (GRANT|REVOKE)|(CREATE|ALTER|DROP) (USER|ROLE|PROFILE)|PASSWORD CHANGE|BECOME USER)$/.test(command)) kinds.push('privilege-change');
      if (command === 'LOGON' && Number(event.exitCode ?? 0) !== 0) kinds.push('failed-login');
      if (/^(DROP |TRUNCATE |PURGE )/.test(command)) kinds.push('destructive-ddl');
      break;
    case 'SQLSERVER':
      if (/^(GRANT|REVOKE|DENY|ADD MEMBER|DROP MEMBER|PASSWORD POLICY|MUST CHANGE PASSWORD)/.test(command) || (/^(CREATE|ALTER|DROP)$/.test(command) && /LOGIN|ROLE|USER|WINDOWS GROUP/.test(klass))) kinds.push('privilege-change');
      if (/^(LOGIN FAILED|DATABASE AUTHENTICATION FAILED)$/.test(command)) kinds.push('failed-login');
      if (command === 'DROP' || /^TRUNCATE\b/.test(text)) kinds.push('destructive-ddl');
      break;
  }
  return kinds;
}

const RULE_ORDER = BUILT_IN_RULES.map((rule) => rule.id);
const ordered = (kinds: string[]) => [...kinds].sort((a, b) => RULE_ORDER.indexOf(a) - RULE_ORDER.indexOf(b));

/** Sensitive and harmless operations the samples do not hold, per engine, as each engine logs them. */
const MORE: Record<Engine, Array<[Event, string[]]>> = {
  'aurora-postgresql': [
    [{ command: 'ALTER ROLE', class: 'ROLE', commandText: 'alter role app_writer with superuser' }, ['privilege-change']],
    [{ command: 'DROP ROLE', class: 'ROLE', commandText: 'drop role etl_loader' }, ['privilege-change', 'destructive-ddl']],
    [{ command: 'REVOKE', class: 'ROLE', commandText: 'revoke select on orders from reporting' }, ['privilege-change']],
    [{ command: 'ALTER DEFAULT PRIVILEGES', class: 'ROLE', commandText: 'alter default privileges grant select on tables to reporting' }, ['privilege-change']],
    [{ command: 'DROP SCHEMA', class: 'DDL', commandText: 'drop schema app cascade' }, ['destructive-ddl']],
    [{ command: 'DROP DATABASE', class: 'DDL', commandText: 'drop database shop' }, ['destructive-ddl']],
    [{ command: 'TRUNCATE TABLE', class: 'WRITE', commandText: 'truncate orders' }, ['destructive-ddl']],
    [{ command: 'CONNECT', class: 'MISC', errorMessage: 'password authentication failed for user "x"' }, ['failed-login']],
    [{ command: 'SELECT', class: 'READ', commandText: "select 'DROP TABLE x', * from grants" }, []],
    [{ command: 'ALTER TABLE', class: 'DDL', commandText: 'alter table orders drop column note' }, []],
    [{ command: 'CONNECT', class: 'MISC', errorMessage: null }, []],
    [{ command: 'REASSIGN OWNED', class: 'DDL', commandText: 'reassign owned by alice to mallory' }, ['privilege-change']],
    [{ command: 'DROP OWNED', class: 'DDL', commandText: 'drop owned by alice' }, ['privilege-change', 'destructive-ddl']],
  ],
  'aurora-mysql': [
    [{ command: 'QUERY', class: 'MAIN', commandText: "revoke insert on shop.* from 'app'@'%'" }, ['privilege-change']],
    [{ command: 'QUERY', class: 'MAIN', commandText: "DROP USER 'etl_loader'@'10.0.%'" }, ['privilege-change', 'destructive-ddl']],
    [{ command: 'QUERY', class: 'MAIN', commandText: "alter user 'app'@'%' identified by 'secret'" }, ['privilege-change']],
    [{ command: 'QUERY', class: 'MAIN', commandText: "RENAME USER 'a'@'%' TO 'b'@'%'" }, ['privilege-change']],
    [{ command: 'QUERY', class: 'MAIN', commandText: "SET PASSWORD FOR 'app'@'%' = 'x'" }, ['privilege-change']],
    [{ command: 'QUERY', class: 'MAIN', commandText: 'create role reporting_role' }, ['privilege-change']],
    [{ command: 'QUERY', class: 'MAIN', commandText: '-- cleanup\n  drop database scratch' }, ['destructive-ddl']],
    [{ command: 'QUERY', class: 'MAIN', commandText: 'truncate sessions' }, ['destructive-ddl']],
    [{ command: 'CONNECT', class: 'MAIN', exitCode: '1045' }, ['failed-login']],
    [{ command: 'FAILED_CONNECT', class: 'MAIN', exitCode: '1130' }, ['failed-login']],
    [{ command: 'DROP', class: 'AUX', commandText: 'tmp_import', exitCode: '' }, []],
    [{ command: 'QUERY', class: 'MAIN', commandText: "select * from t where note = 'grant all'" }, []],
    [{ command: 'QUERY', class: 'MAIN', commandText: '/* DROP TABLE t */ select 1' }, []],
    [{ command: 'CONNECT', class: 'MAIN', exitCode: '0' }, []],
    // A line break or tab before the keyword (JSON writes it \n: no word boundary there in the event's text).
    [{ command: 'QUERY', class: 'MAIN', commandText: '-- deploy\ndrop table orders' }, ['destructive-ddl']],
    [{ command: 'QUERY', class: 'MAIN', commandText: "/* x */\nGRANT ALL ON *.* TO 'm'@'%'" }, ['privilege-change']],
    [{ command: 'QUERY', class: 'MAIN', commandText: '\r\nDROP DATABASE shop' }, ['destructive-ddl']],
    [{ command: 'QUERY', class: 'MAIN', commandText: '\tTRUNCATE TABLE t' }, ['destructive-ddl']],
    [{ command: 'QUERY', class: 'MAIN', commandText: '# note\nDROP TABLE t' }, ['destructive-ddl']],
    [{ command: 'QUERY', class: 'MAIN', commandText: '/*!40000 DROP DATABASE IF EXISTS `shop`*/' }, ['destructive-ddl']],
    [{ command: 'CHANGEUSER', class: 'MAIN', exitCode: '1045' }, ['failed-login']],
    [{ command: 'CHANGEUSER', class: 'MAIN', exitCode: '0' }, []],
  ],
  'rds-oracle': [
    [{ command: 'ALTER USER', class: 'Standard', commandText: 'ALTER USER APP IDENTIFIED BY x', exitCode: 0 }, ['privilege-change']],
    [{ command: 'DROP USER', class: 'Standard', commandText: 'DROP USER ETL_LOADER CASCADE', exitCode: 0 }, ['privilege-change', 'destructive-ddl']],
    [{ command: 'REVOKE', class: 'Standard', commandText: 'REVOKE DBA FROM APP', exitCode: 0 }, ['privilege-change']],
    [{ command: 'CREATE ROLE', class: 'Standard', commandText: 'CREATE ROLE AUDITORS', exitCode: 0 }, ['privilege-change']],
    [{ command: 'DROP INDEX', class: 'Standard', commandText: 'DROP INDEX APP.ORDERS_IX', exitCode: 0 }, ['destructive-ddl']],
    [{ command: 'TRUNCATE TABLE', class: 'Standard', commandText: 'TRUNCATE TABLE APP.ORDERS', exitCode: 0 }, ['destructive-ddl']],
    [{ command: 'LOGON', class: 'Standard', exitCode: 28000 }, ['failed-login']],
    [{ command: 'LOGON', class: 'Standard', exitCode: 1017 }, ['failed-login']],
    [{ command: 'LOGON', class: 'Standard', exitCode: 0 }, []],
    [{ command: 'SELECT', class: 'Standard', commandText: 'SELECT * FROM DBA_ROLE_PRIVS', exitCode: 0 }, []],
    [{ command: 'ALTER TABLE', class: 'Standard', commandText: 'ALTER TABLE APP.ORDERS DROP COLUMN NOTE', exitCode: 0 }, []],
    [{ command: 'CREATE PROFILE', class: 'Standard', commandText: 'CREATE PROFILE LAX LIMIT PASSWORD_VERIFY_FUNCTION NULL', exitCode: 0 }, ['privilege-change']],
    [{ command: 'ALTER PROFILE', class: 'Standard', commandText: 'ALTER PROFILE DEFAULT LIMIT FAILED_LOGIN_ATTEMPTS UNLIMITED', exitCode: 0 }, ['privilege-change']],
    [{ command: 'SYSTEM GRANT', class: 'Standard', commandText: 'GRANT DBA TO APP', exitCode: 0 }, ['privilege-change']],
    [{ command: 'GRANT OBJECT', class: 'Standard', commandText: 'GRANT SELECT ON APP.ORDERS TO X', exitCode: 0 }, ['privilege-change']],
    [{ command: 'PASSWORD CHANGE', class: 'Standard', exitCode: 0 }, ['privilege-change']],
    [{ command: 'PURGE DBA_RECYCLEBIN', class: 'Standard', commandText: 'PURGE DBA_RECYCLEBIN', exitCode: 0 }, ['destructive-ddl']],
    [{ command: 'SET ROLE', class: 'Standard', commandText: 'SET ROLE ALL', exitCode: 0 }, []],
  ],
  'rds-sqlserver': [
    [{ command: 'DENY', class: 'TABLE', commandText: 'deny select on dbo.orders to app', exitCode: 1 }, ['privilege-change']],
    [{ command: 'REVOKE', class: 'TABLE', commandText: 'revoke select on dbo.orders from app', exitCode: 1 }, ['privilege-change']],
    [{ command: 'CREATE', class: 'SQL LOGIN', commandText: "create login etl with password = 'x'", exitCode: 1 }, ['privilege-change']],
    [{ command: 'ALTER', class: 'SERVER ROLE', commandText: 'alter server role sysadmin add member etl', exitCode: 1 }, ['privilege-change']],
    [{ command: 'DROP', class: 'USER', commandText: 'drop user etl', exitCode: 1 }, ['privilege-change', 'destructive-ddl']],
    [{ command: 'DROP MEMBER', class: 'DATABASE ROLE', commandText: 'alter role db_owner drop member etl', exitCode: 1 }, ['privilege-change']],
    [{ command: 'DROP', class: 'DATABASE', commandText: 'drop database scratch', exitCode: 1 }, ['destructive-ddl']],
    [{ command: 'EXECUTE', class: 'TABLE', commandText: 'truncate table dbo.sessions', exitCode: 1 }, ['destructive-ddl']],
    [{ command: 'DATABASE AUTHENTICATION FAILED', class: 'DATABASE', exitCode: 0 }, ['failed-login']],
    [{ command: 'LOGIN SUCCEEDED', class: 'LOGIN', exitCode: 1 }, []],
    [{ command: 'CREATE', class: 'TABLE', commandText: 'create table dbo.t (id int)', exitCode: 1 }, []],
    [{ command: 'SELECT', class: 'TABLE', commandText: "select * from t where c = 'drop table'", exitCode: 1 }, []],
    [{ command: 'CREATE', class: 'WINDOWS GROUP', commandText: 'create login [CORP\\Admins] from windows', exitCode: 1 }, ['privilege-change']],
    [{ command: 'PASSWORD POLICY', class: 'SQL LOGIN', commandText: 'alter login app with check_policy = off', exitCode: 1 }, ['privilege-change']],
    [{ command: 'EXECUTE', class: 'TABLE', commandText: '\r\nTRUNCATE TABLE dbo.orders', exitCode: 1 }, ['destructive-ddl']],
  ],
};

describe('built-in alert rules, per engine', () => {
  it('fire on none of the real reference events (everyday reads, DDL that creates, a successful login)', () => {
    const events = (reference as { events: Array<{ event: Event }> }).events.map((entry) => entry.event);
    expect(events).toHaveLength(7);
    expect(fired(BUILT_INS, events)).toEqual(events.map(() => []));
  });

  it.each(ENGINES)('%s: the minted samples fire exactly the rules each event calls for', (engine) => {
    const events = syntheticEvents(engine, 600, { seed: 11 });
    const actual = fired(BUILT_INS, events, engine);
    expect(actual).toEqual(events.map((event) => ordered(expectedKinds(event))));
    // Each rule is exercised, and most events raise nothing.
    for (const rule of RULE_ORDER) expect(actual.some((ids) => ids.includes(rule))).toBe(true);
    expect(actual.filter((ids) => ids.length === 0).length).toBeGreaterThan(events.length / 2);
  });

  it.each(ENGINES)('%s: sensitive operations the samples do not hold fire their rules, look-alikes do not', (engine) => {
    const base = syntheticEvents(engine, 1, { seed: 3 })[0] as Event;
    const cases = MORE[engine];
    const events = cases.map(([fields]) => ({ ...base, ...fields }));
    expect(fired(BUILT_INS, events, engine)).toEqual(cases.map(([, kinds]) => kinds));
    // The independent reading agrees with the cases as written.
    expect(events.map((event) => ordered(expectedKinds(event)))).toEqual(cases.map(([, kinds]) => kinds));
  });

  it('reads a statement spelled with JSON escapes as the statement it is', () => {
    const base = syntheticEvents('aurora-mysql', 1, { seed: 3 })[0] as Event;
    const json = activityJson(PROFILES['aurora-mysql'], [{ ...base, command: 'QUERY', commandText: 'DROP TABLE shop.t' }]).replace('"DROP TABLE', '"\\u0044ROP TABLE');
    expect(json).toContain('\\u0044ROP');
    const events: ActivityEvent[] = [];
    readActivityPayload(gzipSync(json), LIMITS, (event) => events.push(event));
    expect(matchEvent(new RuleMatcher(BUILT_INS), events[0]!, 'f/', events[0]!.text, 0).map((match) => match.rule.id)).toEqual(['destructive-ddl']);
  });

  it('finds a statement whose words are apart by line breaks, tabs or other white space, and not its words elsewhere', () => {
    const base = syntheticEvents('aurora-mysql', 1, { seed: 3 })[0] as Event;
    const cases: Array<[string, string[]]> = [
      ['SET\r\nPASSWORD FOR app_reader = \'x\'', ['privilege-change']],
      ['create\t user etl_loader', ['privilege-change']],
      ['/* role */ SET\fDEFAULT\u2028ROLE reporting TO app_reader', ['privilege-change']],
      ['DROP\n\nUSER old_admin', ['privilege-change', 'destructive-ddl']],
      // The words of a statement, elsewhere than at its start, raise nothing.
      ['update users set password = null where id = 7', []],
      ["select 'create user' from dual", []],
    ];
    const events = cases.map(([commandText]) => ({ ...base, command: 'QUERY', class: 'MAIN', commandText }));
    expect(fired(BUILT_INS, events, 'aurora-mysql')).toEqual(cases.map(([, kinds]) => kinds));
  });

  it('tests an event against its own engine only: another engine\'s words, or no serverType, match nothing', () => {
    const pg = syntheticEvents('aurora-postgresql', 1)[0] as Event;
    expect(fired(BUILT_INS, [{ ...pg, serverType: 'ORACLE', command: 'AUTH FAILURE' }, { ...pg, serverType: null, command: 'DROP TABLE' }, { ...pg, serverType: 'Db2', command: 'GRANT' }])).toEqual([[], [], []]);
  });
});

describe('privileged users, turning rules off, and operators\' own rules', () => {
  it('privileged-user-activity fires on every event of the named users, in any case (Oracle writes names in capitals)', () => {
    const rules = activeRules({ privilegedUsers: ['rdsadmin', 'admin'] });
    const events = (reference as { events: Array<{ event: Event }> }).events.map((entry) => entry.event);
    const users = events.map((event) => String(event.dbUserName));
    expect(fired(rules, events)).toEqual(users.map((user) => (['rdsadmin', 'admin'].includes(user.toLowerCase()) ? ['privileged-user-activity'] : [])));
    const oracle = syntheticEvents('rds-oracle', 40, { seed: 2 }).filter((event) => event.dbUserName === 'RDSADMIN');
    expect(oracle.length).toBeGreaterThan(0);
    expect(fired(rules, oracle, 'rds-oracle').every((ids) => ids.includes('privileged-user-activity'))).toBe(true);
    expect(activeRules({}).map((rule) => rule.id)).not.toContain('privileged-user-activity');
    // MySQL: one alert per statement, not one more per table its AUX events name.
    const mysql = syntheticEvents('aurora-mysql', 200, { seed: 4 }).filter((event) => event.dbUserName === 'rdsadmin');
    expect(mysql.some((event) => event.class === 'AUX')).toBe(true);
    expect(fired(rules, mysql, 'aurora-mysql').map((ids) => ids.includes('privileged-user-activity'))).toEqual(mysql.map((event) => event.class === 'MAIN'));
  });

  it('turns built-in rules off by id, and names the known ids when given an unknown one', () => {
    expect(activeRules({ disabled: ['failed-login'] }).map((rule) => rule.id)).toEqual(['privilege-change', 'destructive-ddl']);
    expect(disabledRuleProblems(['failed-logins'], 'ALERTS_DISABLED')).toEqual([
      'ALERTS_DISABLED names no built-in rule: failed-logins; the built-in rules are privilege-change, failed-login, destructive-ddl, privileged-user-activity.',
    ]);
  });

  it('reads operators\' rules: one condition for every engine, or one per engine', () => {
    const { rules, problems } = parseCustomRules(
      [
        { id: 'audit-schema-touched', severity: 'high', description: 'Someone touched the audit schema', when: { field: 'objectName', startsWith: ['audit.', 'AUDIT_'] } },
        {
          id: 'bulk-export',
          severity: 'LOW',
          description: 'Data leaving in bulk',
          when: { postgresql: { statement: ['COPY'] }, mysql: { all: [{ field: 'command', in: ['QUERY'] }, { statement: ['SELECT'] }, { field: 'commandText', startsWith: ['select * into outfile'] }] } },
        },
      ],
      'alertRules',
    );
    expect(problems).toEqual([]);
    expect(rules.map((rule) => [rule.id, rule.severity, Object.keys(rule.when)])).toEqual([
      ['audit-schema-touched', 'HIGH', ['postgresql', 'mysql', 'oracle', 'sqlserver']],
      ['bulk-export', 'LOW', ['postgresql', 'mysql']],
    ]);
    const pg = syntheticEvents('aurora-postgresql', 1)[0] as Event;
    expect(
      fired(activeRules({ custom: rules }), [
        { ...pg, command: 'SELECT', objectName: 'audit.trail' },
        { ...pg, command: 'COPY', commandText: 'copy orders to stdout' },
        { ...pg, serverType: 'ORACLE', command: 'COPY', commandText: 'copy orders to stdout', objectName: 'AUDIT_LOG' },
      ]),
    ).toEqual([['audit-schema-touched'], ['bulk-export'], ['audit-schema-touched']]);
  });

  it.each([
    ['not a list', { id: 'x' }, 'alertRules must be a JSON array of rules, e.g. [{"id":"audit-schema-touched"'],
    ['a taken id', [{ id: 'failed-login', severity: 'LOW', description: 'd', when: { statement: ['DROP'] } }], 'alertRules[0].id "failed-login" is taken by a built-in rule'],
    ['a bad id', [{ id: 'Drop Rule', severity: 'LOW', description: 'd', when: { statement: ['DROP'] } }], 'alertRules[0].id must be lower case letters, digits and -'],
    ['an unknown severity', [{ id: 'r', severity: 'urgent', description: 'd', when: { statement: ['DROP'] } }], 'alertRules[0].severity must be one of LOW, MEDIUM, HIGH, CRITICAL; got "urgent"'],
    ['an unknown engine', [{ id: 'r', severity: 'LOW', description: 'd', engines: ['db2'], when: { statement: ['DROP'] } }], 'alertRules[0].engines must be a list of postgresql, mysql, oracle, sqlserver'],
    ['a condition of no known shape', [{ id: 'r', severity: 'LOW', description: 'd', when: { field: 'command', equals: 'DROP' } }], 'alertRules[0].when must have one of these shapes'],
    ['a statement that is not keywords', [{ id: 'r', severity: 'LOW', description: 'd', when: { statement: ['DROP;--'] } }], 'alertRules[0].when.statement must list SQL keywords'],
    ['an unknown key', [{ id: 'r', severity: 'LOW', description: 'd', when: { statement: ['DROP'] }, notify: true }], 'alertRules[0] has an unknown key "notify"'],
  ])('refuses %s, saying where and what to write', (_name, value, message) => {
    const { rules, problems } = parseCustomRules(value, 'alertRules');
    expect(rules).toEqual([]);
    expect(problems.join(' ')).toContain(message);
  });
});

describe('alerts', () => {
  const [grant] = read([{ ...(syntheticEvents('aurora-postgresql', 1)[0] as Event), command: 'GRANT', class: 'ROLE', commandText: 'grant all on orders to mallory', paramList: ['secret'] }]);
  const matcher = new RuleMatcher(BUILT_INS);

  it('carry who, what, where and when, the stored object, and an id that depends only on the rule, database and event', () => {
    const matches = matchEvent(matcher, grant!, 'events/command=GRANT/date=2026-11-21/hour=12/', grant!.text, 0);
    const [alert] = alertsOf(matches, 'cluster-A', 'batch-1');
    expect(alert).toMatchObject({
      rule: 'privilege-change',
      severity: 'HIGH',
      resourceId: 'cluster-A',
      key: expect.stringMatching(/^events\/command=GRANT\/date=2026-11-21\/hour=12\/batch-1/),
      details: { serverType: 'PostgreSQL', command: 'GRANT', dbUserName: expect.any(String), remoteHost: '10.0.1.23', logTime: expect.any(String) },
    });
    expect(alert!.id).toBe(alertId('cluster-A', 'privilege-change', grant!.text));
    expect(alertsOf(matches, 'cluster-A', 'batch-2')[0]!.id).toBe(alert!.id);
    expect(alertId('cluster-B', 'privilege-change', grant!.text)).not.toBe(alert!.id);
    expect(alertId('cluster-A', 'destructive-ddl', grant!.text)).not.toBe(alert!.id);
  });

  it('carry no SQL text or parameters unless operators opt in, and then cut short', () => {
    const [plain] = matchEvent(matcher, grant!, 'f/', grant!.text, 0);
    expect(JSON.stringify(plain!.details)).not.toContain('mallory');
    expect(JSON.stringify(plain!.details)).not.toContain('secret');
    const [opted] = matchEvent(matcher, grant!, 'f/', grant!.text, 9);
    expect(opted!.details.commandText).toBe('grant all…');
    expect(JSON.stringify(opted!.details)).not.toContain('secret');
  });
});
