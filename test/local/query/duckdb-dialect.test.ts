import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { installTrinoFunctions, TRINO_FUNCTIONS } from '../../../local/query/duckdb-dialect';
import { NAMED_QUERIES } from '../../../lib/das-firehose-pipeline/named-queries';

/**
 * The Trino functions the local engine is taught, each checked against what Trino's documentation
 * says it returns (trino.io/docs/current/functions: regexp, json, aggregate), and the named queries
 * checked to call no other Trino-only function.
 */

let connection: DuckDBConnection;

beforeAll(async () => {
  connection = await (await DuckDBInstance.create(':memory:')).connect();
  await installTrinoFunctions(connection);
});

afterAll(() => connection?.closeSync());

async function value(sql: string): Promise<unknown> {
  return (await connection.runAndReadAll(`SELECT ${sql}`)).getRowsJS()[0]?.[0];
}

describe('Trino functions in DuckDB', () => {
  it('regexp_like: true when the pattern matches anywhere, null for null', async () => {
    expect(await value("regexp_like('1a 2b 14m', '\\d+b')")).toBe(true);
    expect(await value("regexp_like('DROP TABLE', '^TABLE')")).toBe(false);
    expect(await value("regexp_like('x DROP', 'DROP$')")).toBe(true);
    expect(await value("regexp_like(NULL, 'x')")).toBeNull();
  });

  it('json_extract_scalar: a scalar as varchar; null for an object, an array, JSON null, a missing path, not JSON', async () => {
    const json = `'{"n": 1490104349, "s": "dbo", "b": true, "o": {"k": 1}, "a": [1], "z": null}'`;
    expect(await value(`json_extract_scalar(${json}, '$.n')`)).toBe('1490104349');
    expect(await value(`json_extract_scalar(${json}, '$.s')`)).toBe('dbo');
    expect(await value(`json_extract_scalar(${json}, '$.b')`)).toBe('true');
    expect(await value(`json_extract_scalar(${json}, '$.o.k')`)).toBe('1');
    for (const path of ['$.o', '$.a', '$.z', '$.missing']) expect(await value(`json_extract_scalar(${json}, '${path}')`)).toBeNull();
    expect(await value("json_extract_scalar(NULL, '$.s')")).toBeNull();
    // Trino answers null for text that is not JSON, where DuckDB's own functions fail the query.
    expect(await value("json_extract_scalar('not json', '$.s')")).toBeNull();
  });

  it('approx_distinct: the number of distinct values (exact at this size)', async () => {
    const rows = (await connection.runAndReadAll("SELECT approx_distinct(v) FROM (VALUES ('a'), ('b'), ('a'), (NULL)) t(v)")).getRowsJS();
    expect(Number(rows[0]?.[0])).toBe(2);
  });

  it('regexp_replace with an anchored pattern: the same in Trino (replaces all) and DuckDB (replaces the first)', async () => {
    expect(await value("regexp_replace(regexp_replace('  LOGON  ', '^ +', ''), ' +$', '') || '|'")).toBe('LOGON|');
    expect(await value("regexp_replace(regexp_replace(chr(9) || 'LOGON ', '^ +', ''), ' +$', '') || '|'")).toBe('\tLOGON|');
  });

  it('covers every Trino-only function the named queries call', () => {
    // Functions DuckDB has under the same name and meaning need no macro.
    const shared = new Set(['upper', 'lower', 'coalesce', 'count', 'sum', 'min', 'max', 'starts_with', 'regexp_replace']);
    const taught = new Set(TRINO_FUNCTIONS.map((fn) => fn.name));
    const called = new Set(NAMED_QUERIES.flatMap((query) => [...query.sql.matchAll(/\b([a-z_]+)\s*\(/g)].map((match) => match[1] as string)));
    const keywords = new Set(['in', 'and', 'or', 'not']);
    expect([...called].filter((name) => !shared.has(name) && !taught.has(name) && !keywords.has(name))).toEqual([]);
  });
});
