import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { installTrinoFunctions } from './duckdb-dialect';
import { createAuditViews, type LocalAuditLog } from './local-audit-log';

/** What a query returned: column names in order and rows of plain values (bigint for 64-bit integers). */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<readonly unknown[]>;
}

/** A query the engine refused or could not run: its message says what is wrong, with no stack. */
export class QueryError extends Error {}

/**
 * An in-memory DuckDB that knows the audit log's tables and the Trino functions the shipped queries
 * use. Close it when done.
 */
export class LocalQueryEngine {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(log: LocalAuditLog): Promise<LocalQueryEngine> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const engine = new LocalQueryEngine(instance, connection);
    try {
      await installTrinoFunctions(connection);
      await createAuditViews(connection, log);
    } catch (error) {
      engine.close();
      throw error;
    }
    return engine;
  }

  /** Runs one statement with `?` parameters filled in order. */
  async query(sql: string, parameters: readonly string[] = []): Promise<QueryResult> {
    // Athena runs one statement per query; so does this, rather than show the last result of several.
    let statements: number;
    try {
      statements = (await this.connection.extractStatements(sql)).count;
    } catch (error) {
      throw new QueryError((error instanceof Error ? error.message : String(error)).replace(/^Failed to extract statements: /, ''));
    }
    if (statements !== 1) throw new QueryError(`give one SQL statement, as Athena takes; got ${statements}`);
    try {
      const reader = await this.connection.runAndReadAll(sql, parameters.length > 0 ? [...parameters] : undefined);
      return { columns: reader.columnNames(), rows: reader.getRowsJS() };
    } catch (error) {
      throw new QueryError(error instanceof Error ? error.message : String(error));
    }
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
