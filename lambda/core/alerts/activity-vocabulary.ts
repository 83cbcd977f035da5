/**
 * What the engines call the things an auditor asks about, written once. Each engine names a failed
 * login, a privilege change or a dropped table in its own words (a command tag, an audit action name,
 * a return code, or only the SQL text); the named queries render these as SQL and the alert rules
 * evaluate them on each event, so both always agree.
 *
 * Sources: the events in shared/das-samples, the AWS Database Activity Streams field tables for
 * Aurora and RDS, Aurora MySQL advanced auditing, Oracle unified auditing action names and return
 * codes, SQL Server audit action names. Where a value comes from documentation or third-party
 * captures rather than a published event, a second condition catches the same case another way.
 */

/** The engines, as events name them in `serverType`. */
export const ENGINES = {
  postgresql: 'POSTGRESQL',
  mysql: 'MYSQL',
  oracle: 'ORACLE',
  sqlserver: 'SQLSERVER',
} as const;
export type EngineName = keyof typeof ENGINES;

/**
 * An event field a condition tests, by its name in the events (`command`, `exitCode`, `dbUserName`…).
 * The built-in kinds test `command`, `class`, `commandText`, `exitCode`, `errorMessage` and `dbUserName`;
 * operators' own rules may name any top-level field.
 */
export type VocabularyField = string;

/**
 * A test on one event, compared case-insensitively:
 * - `in`: the field is one of these;
 * - `startsWith`: the field starts with one of these;
 * - `statement`: the SQL text begins with one of these statements, after spaces and comments;
 * - `failed`: the field holds a failure code (present, and not 0);
 * - `succeeded`: the field holds no failure code (null, empty or 0);
 * - `present` / `absent`: the field holds something / nothing (null or empty);
 * - `all` / `any`: every / some condition holds.
 */
export type Condition =
  | { readonly field: VocabularyField; readonly in: readonly string[] }
  | { readonly field: VocabularyField; readonly startsWith: readonly string[] }
  | { readonly statement: readonly string[] }
  | { readonly failed: VocabularyField }
  | { readonly succeeded: VocabularyField }
  | { readonly present: VocabularyField }
  | { readonly absent: VocabularyField }
  | { readonly all: readonly Condition[] }
  | { readonly any: readonly Condition[] };

/** One kind of activity, per engine. An engine left out has no such event. */
export type ActivityKind = Readonly<Partial<Record<EngineName, Condition>>>;

const MYSQL_STATEMENT = { field: 'command', in: ['QUERY'] } as const;

/** A login that failed: wrong password, locked or expired account, no right to connect. */
export const FAILED_LOGIN: ActivityKind = {
  // AUTH FAILURE is what public DAS consumers match; a CONNECT with an error is the same thing said otherwise.
  postgresql: { any: [{ field: 'command', in: ['AUTH FAILURE'] }, { all: [{ field: 'command', in: ['CONNECT'] }, { present: 'errorMessage' }] }] },
  // A CHANGEUSER (COM_CHANGE_USER) with an error code is a login that failed inside a session.
  mysql: { any: [{ field: 'command', in: ['FAILED_CONNECT'] }, { all: [{ field: 'command', in: ['CONNECT', 'CHANGEUSER'] }, { failed: 'exitCode' }] }] },
  // Oracle reports every LOGON; RETURN_CODE (exitCode) says how it went: 1017 bad password, 28000 locked…
  oracle: { all: [{ field: 'command', in: ['LOGON'] }, { failed: 'exitCode' }] },
  sqlserver: { field: 'command', in: ['LOGIN FAILED', 'DATABASE AUTHENTICATION FAILED'] },
};

/** A login that succeeded. */
export const LOGIN: ActivityKind = {
  postgresql: { all: [{ field: 'command', in: ['CONNECT'] }, { absent: 'errorMessage' }] },
  mysql: { all: [{ field: 'command', in: ['CONNECT'] }, { succeeded: 'exitCode' }] },
  oracle: { all: [{ field: 'command', in: ['LOGON'] }, { succeeded: 'exitCode' }] },
  sqlserver: { field: 'command', in: ['LOGIN SUCCEEDED', 'DATABASE AUTHENTICATION SUCCEEDED'] },
};

/** A session that ended. */
export const LOGOUT: ActivityKind = {
  postgresql: { field: 'command', in: ['DISCONNECT'] },
  mysql: { field: 'command', in: ['DISCONNECT'] },
  oracle: { field: 'command', startsWith: ['LOGOFF'] },
  sqlserver: { field: 'command', in: ['LOGOUT', 'DATABASE LOGOUT'] },
};

/** Statements that change who may do what: grants and revokes, users and roles created, altered, dropped. */
export const PRIVILEGE_CHANGE: ActivityKind = {
  // pgaudit's ROLE class is exactly these; CREATE USER is logged as CREATE ROLE.
  postgresql: {
    any: [
      { field: 'class', in: ['ROLE'] },
      {
        field: 'command',
        in: [
          'GRANT', 'REVOKE', 'GRANT ROLE', 'REVOKE ROLE', 'CREATE ROLE', 'ALTER ROLE', 'DROP ROLE', 'CREATE USER', 'ALTER USER', 'DROP USER',
          'ALTER DEFAULT PRIVILEGES',
          // Hand every object of a role to another, or drop them and revoke its privileges.
          'REASSIGN OWNED', 'DROP OWNED',
        ],
      },
    ],
  },
  // MySQL reports every statement as QUERY: only its text says what it is.
  mysql: {
    all: [
      MYSQL_STATEMENT,
      { statement: ['GRANT', 'REVOKE', 'CREATE USER', 'ALTER USER', 'DROP USER', 'RENAME USER', 'SET PASSWORD', 'CREATE ROLE', 'DROP ROLE', 'SET DEFAULT ROLE'] },
    ],
  },
  // Unified auditing's action names, as DAS passes them; SET ROLE only switches on roles already granted.
  oracle: {
    field: 'command',
    in: [
      'GRANT', 'REVOKE', 'GRANT OBJECT', 'REVOKE OBJECT', 'SYSTEM GRANT', 'SYSTEM REVOKE', 'GRANT ROLE', 'REVOKE ROLE',
      'CREATE USER', 'ALTER USER', 'DROP USER', 'CREATE ROLE', 'ALTER ROLE', 'DROP ROLE', 'PASSWORD CHANGE', 'BECOME USER',
      'CREATE PROFILE', 'ALTER PROFILE', 'DROP PROFILE',
    ],
  },
  sqlserver: {
    any: [
      {
        field: 'command',
        in: [
          'GRANT', 'GRANT WITH GRANT', 'REVOKE', 'REVOKE WITH GRANT', 'REVOKE WITH CASCADE', 'DENY', 'DENY WITH CASCADE',
          'ADD MEMBER', 'DROP MEMBER', 'CHANGE PASSWORD', 'CHANGE OWN PASSWORD', 'RESET PASSWORD', 'RESET OWN PASSWORD',
          'UNLOCK ACCOUNT', 'IMPERSONATE', 'TAKE OWNERSHIP', 'PASSWORD POLICY', 'PASSWORD EXPIRATION', 'MUST CHANGE PASSWORD',
        ],
      },
      {
        all: [
          { field: 'command', in: ['CREATE', 'ALTER', 'DROP'] },
          {
            field: 'class',
            in: ['LOGIN', 'SQL LOGIN', 'WINDOWS LOGIN', 'WINDOWS GROUP', 'SERVER ROLE', 'ROLE', 'DATABASE ROLE', 'SQL USER', 'WINDOWS USER', 'USER', 'APPLICATION ROLE'],
          },
        ],
      },
    ],
  },
};

/** Statements that destroy data or objects: DROP of any object, TRUNCATE. */
export const DESTRUCTIVE_DDL: ActivityKind = {
  postgresql: { any: [{ field: 'command', startsWith: ['DROP '] }, { field: 'command', in: ['TRUNCATE TABLE', 'TRUNCATE'] }] },
  mysql: { all: [MYSQL_STATEMENT, { statement: ['DROP', 'TRUNCATE'] }] },
  // PURGE TABLE, INDEX, TABLESPACE, RECYCLEBIN, DBA_RECYCLEBIN: gone past the recycle bin.
  oracle: { any: [{ field: 'command', startsWith: ['DROP ', 'PURGE '] }, { field: 'command', in: ['TRUNCATE TABLE', 'TRUNCATE CLUSTER'] }] },
  // SQL Server audits no TRUNCATE action: only its text shows it.
  sqlserver: { any: [{ field: 'command', in: ['DROP'] }, { statement: ['TRUNCATE'] }] },
};

/** The engine an event's `serverType` names, if it is one of the four. */
export function engineOf(serverType: string | null): EngineName | undefined {
  const name = normalized(serverType);
  return (Object.keys(ENGINES) as EngineName[]).find((engine) => ENGINES[engine] === name);
}

/** Upper case, spaces (only spaces) trimmed: what the named queries' SQL compares, in Athena and DuckDB alike. */
export function normalized(value: string | null): string {
  return value === null ? '' : value.replace(/^ +| +$/g, '').toUpperCase();
}

/**
 * The pattern of a SQL text that begins with one of `statements`, after spaces and comments, in
 * upper case. It is written for three regular-expression engines at once (JavaScript here, Java's in
 * Athena, RE2 in DuckDB): no lookaround, no backreferences, and no `?`, which a SQL client could take
 * for a parameter placeholder. A block comment is the classic `/\*[^*]*\*+([^/*][^*]*\*+)*\/`; a line
 * comment runs from `--` to the line's end.
 */
export function statementPattern(statements: readonly string[]): string {
  const words = statements.map((statement) => statement.toUpperCase().split(/\s+/).join('\\s+'));
  // Skipped before the statement: spaces, comments (/* */, -- and MySQL's #), and the opening of a MySQL
  // versioned comment (/*!40000 …), whose text MySQL runs as a statement (mysqldump writes DROPs so).
  return `^\\s*((/\\*[^*]*\\*+([^/*][^*]*\\*+)*/|/\\*!\\d*|--[^\\n]*\\n|#[^\\n]*\\n)\\s*)*(${words.join('|')})\\b`;
}
