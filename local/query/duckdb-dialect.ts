import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * The one place where Athena's SQL (Trino) and the local engine's (DuckDB) differ for the queries this
 * project ships: the Trino functions the named queries and the README use, defined in DuckDB as macros
 * with Trino's meaning, so the same SQL text runs in both. Everything else they use (`starts_with`,
 * `upper`, `trim`, `coalesce`, `count(DISTINCT …)`, `"date"` quoting, `?` parameters) already means the
 * same in both.
 *
 * test/local/query/duckdb-dialect.test.ts checks each macro against what Trino's documentation says the
 * function returns.
 */
export interface DialectFunction {
  /** The Trino function, as queries call it. */
  readonly name: string;
  /** What it means in Trino. */
  readonly meaning: string;
  /** The DuckDB macro that gives it that meaning. */
  readonly macro: string;
}

export const TRINO_FUNCTIONS: readonly DialectFunction[] = [
  {
    name: 'regexp_like',
    meaning: 'true when the pattern matches anywhere in the string (anchor it with ^ to match the start)',
    macro: 'CREATE TEMP MACRO regexp_like(string, pattern) AS regexp_matches(string, pattern)',
  },
  {
    name: 'json_extract_scalar',
    meaning: 'the scalar at a JSON path as varchar; null for an object, an array, JSON null, a missing path, or text that is not JSON',
    macro:
      'CREATE TEMP MACRO json_extract_scalar(json, path) AS CASE WHEN NOT json_valid(json) THEN NULL ' +
      "WHEN json_type(json, path) IN ('OBJECT', 'ARRAY', 'NULL') THEN NULL ELSE json_extract_string(json, path) END",
  },
  {
    name: 'approx_distinct',
    meaning: 'an estimate of the number of distinct values',
    macro: 'CREATE TEMP MACRO approx_distinct(value) AS approx_count_distinct(value)',
  },
];

/** Teaches a DuckDB connection the Trino functions above. */
export async function installTrinoFunctions(connection: DuckDBConnection): Promise<void> {
  for (const fn of TRINO_FUNCTIONS) await connection.run(fn.macro);
}
