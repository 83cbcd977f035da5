import {
  DESTRUCTIVE_DDL,
  engineOf,
  FAILED_LOGIN,
  PRIVILEGE_CHANGE,
  statementPattern,
  type VocabularyField,
} from '../../../../lambda/core/alerts/activity-vocabulary';
import { isKind } from '../../../../lambda/core/alerts/condition-predicates';

/** An event's fields as the alert rules read them. */
function read(fields: Partial<Record<VocabularyField, string | null>>) {
  return (field: VocabularyField): string | null => fields[field] ?? null;
}

describe('activity vocabulary', () => {
  it('names the engine from serverType in any case, and nothing for others', () => {
    expect(engineOf('PostgreSQL')).toBe('postgresql');
    expect(engineOf(' MySQL ')).toBe('mysql');
    expect(engineOf('SQLSERVER')).toBe('sqlserver');
    expect(engineOf('Db2')).toBeUndefined();
    expect(engineOf(null)).toBeUndefined();
  });

  it('reads a failed login in each engine\'s words', () => {
    expect(isKind(FAILED_LOGIN, 'PostgreSQL', read({ command: 'AUTH FAILURE' }))).toBe(true);
    expect(isKind(FAILED_LOGIN, 'MySQL', read({ command: 'FAILED_CONNECT', exitCode: '1045' }))).toBe(true);
    expect(isKind(FAILED_LOGIN, 'ORACLE', read({ command: 'LOGON', exitCode: '1017' }))).toBe(true);
    expect(isKind(FAILED_LOGIN, 'ORACLE', read({ command: 'LOGON', exitCode: '0' }))).toBe(false);
    expect(isKind(FAILED_LOGIN, 'SQLSERVER', read({ command: 'LOGIN FAILED', exitCode: '0' }))).toBe(true);
    // SQL Server's exitCode is its succeeded flag: 1 on a successful login is no failure.
    expect(isKind(FAILED_LOGIN, 'SQLSERVER', read({ command: 'LOGIN SUCCEEDED', exitCode: '1' }))).toBe(false);
    // Another engine's word means nothing here.
    expect(isKind(FAILED_LOGIN, 'ORACLE', read({ command: 'AUTH FAILURE' }))).toBe(false);
  });

  it('reads MySQL\'s statements by their text, behind comments, and only whole words', () => {
    const mysql = (commandText: string) => read({ command: 'QUERY', commandText });
    expect(isKind(PRIVILEGE_CHANGE, 'MySQL', mysql("GRANT SELECT ON shop.* TO 'r'@'%'"))).toBe(true);
    expect(isKind(PRIVILEGE_CHANGE, 'MySQL', mysql('create   user x'))).toBe(true);
    expect(isKind(DESTRUCTIVE_DDL, 'MySQL', mysql('/* cleanup */ DROP TABLE t'))).toBe(true);
    expect(isKind(DESTRUCTIVE_DDL, 'MySQL', mysql('-- cleanup\ntruncate table t'))).toBe(true);
    expect(isKind(DESTRUCTIVE_DDL, 'MySQL', mysql('/* DROP TABLE t */ SELECT 1'))).toBe(false);
    expect(isKind(DESTRUCTIVE_DDL, 'MySQL', mysql('SELECT * FROM dropped_rows'))).toBe(false);
    expect(isKind(DESTRUCTIVE_DDL, 'MySQL', mysql('DROPPED'))).toBe(false);
    // The AUX event of a DROP names only the table.
    expect(isKind(DESTRUCTIVE_DDL, 'MySQL', read({ command: 'DROP', commandText: 'tmp_import' }))).toBe(false);
  });

  it('writes statement patterns with no ? that a SQL client could take for a placeholder', () => {
    expect(statementPattern(['DROP', 'CREATE USER'])).not.toContain('?');
    expect(statementPattern(['CREATE USER'])).toContain('CREATE\\s+USER');
  });
});
