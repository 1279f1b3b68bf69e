/**
 * The store's one way to reach its database, whichever it is: an embedded SQLite file
 * (better-sqlite3) on one host, or a PostgreSQL server that several app replicas share.
 *
 * The store's SQL is written once, with `?` placeholders, in the subset both speak (`ON CONFLICT`,
 * `RETURNING`, `NULLS LAST`). The few places where they differ (reading a JSON field, the order
 * rows were inserted in) are named here and spelled by each driver.
 */

export type Dialect = 'sqlite' | 'postgres';

/** Runs statements; inside a transaction, on the transaction's connection. */
export interface SqlRunner {
  readonly dialect: Dialect;
  /** Every row. */
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** The first row, if any. */
  get<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

export interface Db extends SqlRunner {
  /**
   * Runs `work` in one transaction, committed when it resolves and rolled back when it throws.
   * Statements inside must go through the runner it is given. SQLite takes the write lock at
   * BEGIN (IMMEDIATE), so a read and the write that depends on it see no other writer between.
   */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /** Runs several statements with no parameters (the schema). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

const FIELD = /^[A-Za-z_][A-Za-z0-9_]*$/;

function field(name: string): string {
  if (!FIELD.test(name)) throw new TypeError(`not a JSON field name: ${name}`);
  return name;
}

/** A JSON text column's field as text (or SQL NULL). `column` and `name` are code, never input. */
export function jsonText(dialect: Dialect, column: string, name: string): string {
  return dialect === 'sqlite' ? `json_extract(${column}, '$.${field(name)}')` : `(${column}::jsonb ->> '${field(name)}')`;
}

/** A JSON text column's numeric field (or SQL NULL). */
export function jsonNumber(dialect: Dialect, column: string, name: string): string {
  return dialect === 'sqlite' ? jsonText(dialect, column, name) : `(${column}::jsonb ->> '${field(name)}')::float8`;
}

/** True where a JSON text column's field is `true`. */
export function jsonIsTrue(dialect: Dialect, column: string, name: string): string {
  return dialect === 'sqlite' ? `${jsonText(dialect, column, name)} = 1` : `(${column}::jsonb -> '${field(name)}') = 'true'::jsonb`;
}

/** The column that orders jobs by insertion (ties of created_at). */
export function jobsInsertionOrder(dialect: Dialect): string {
  return dialect === 'sqlite' ? 'rowid' : 'seq';
}

/** Where a store lives: a postgres:// URL, or a SQLite file path (or ':memory:'). */
export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** A location fit for logs and messages: a URL's password is never shown. */
export function redactLocation(location: string): string {
  if (!isPostgresLocation(location)) return location;
  try {
    const url = new URL(location);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}
