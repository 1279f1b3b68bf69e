/**
 * The shared store: a PostgreSQL server that every app replica reaches, through a `pg` pool.
 * Statements use `?` placeholders like SQLite's; they are numbered ($1, $2, …) here. 64-bit
 * integers (counts, instants in ms) come back as numbers, not strings: every value the store
 * keeps in them is far below 2^53.
 */
import pg from 'pg';
import { StoreUnavailableError } from '../errors.js';
import type { Db, SqlRunner } from './db.js';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** `?` → `$n`, leaving quoted text and identifiers alone. */
export function numberPlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      n += 1;
      out += `$${n}`;
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * A failure of the connection rather than of the statement: no SQLSTATE at all (a socket closed,
 * refused, reset, a pool that timed out), or SQLSTATE class 08 (connection exception) or 57P
 * (the server shutting down or not yet up). A statement the server refused (a duplicate key, a
 * bad value) keeps its own error.
 */
function isConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  return sqlState === undefined || sqlState.startsWith('08') || sqlState.startsWith('57P');
}

/** Runs `work`, telling a lost connection to the store as StoreUnavailableError. */
async function reaching<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Error && !(error instanceof StoreUnavailableError) && isConnectionFailure(error)) {
      throw new StoreUnavailableError(error.message || String((error as { code?: unknown }).code ?? 'no answer'));
    }
    throw error;
  }
}

function bindable(params: readonly unknown[]): unknown[] {
  return params.map((p) => (p === undefined ? null : p));
}

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

function runnerOn(client: Queryable): SqlRunner {
  const query = async <T>(sql: string, params: readonly unknown[] = []) =>
    reaching(() => client.query(numberPlaceholders(sql), bindable(params)) as unknown as Promise<pg.QueryResult<T & pg.QueryResultRow>>);
  return {
    dialect: 'postgres',
    all: async <T>(sql: string, params?: readonly unknown[]) => (await query<T>(sql, params)).rows as T[],
    get: async <T>(sql: string, params?: readonly unknown[]) => (await query<T>(sql, params)).rows[0] as T | undefined,
    run: async (sql: string, params?: readonly unknown[]) => (await query(sql, params)).rowCount ?? 0,
  };
}

export interface PostgresDbOptions {
  /** Connections this replica keeps open at most. */
  maxConnections?: number;
  /** Told of a connection the server dropped (the pool replaces it). */
  onIdleError?: (error: Error) => void;
}

export class PostgresDb implements Db {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly direct: SqlRunner;
  private readonly onConnectionError: ((error: Error) => void) | undefined;

  constructor(url: string, options: PostgresDbOptions = {}) {
    const parse = (text: string) => Number(text);
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections ?? 5,
      application_name: 'quote-sync',
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID || oid === NUMERIC_OID ? parse : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    // A connection that breaks while idle must not take the process down; the pool opens another.
    this.onConnectionError = options.onIdleError;
    this.pool.on('error', (error) => options.onIdleError?.(error));
    this.direct = runnerOn(this.pool);
  }

  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.direct.all<T>(sql, params);
  }

  get<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined> {
    return this.direct.get<T>(sql, params);
  }

  run(sql: string, params?: readonly unknown[]): Promise<number> {
    return this.direct.run(sql, params);
  }

  async exec(sql: string): Promise<void> {
    await reaching(() => this.pool.query(sql));
  }

  async transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const client = await reaching(() => this.pool.connect());
    let broken = false;
    // A connection lost while it is checked out is told on the client, not the pool: without a
    // listener it would be an uncaught exception and take the process down. The statement in
    // flight fails on its own; the client is dropped, not returned to the pool.
    const onLost = (error: Error) => {
      broken = true;
      this.onConnectionError?.(error);
    };
    client.on('error', onLost);
    try {
      const tx = runnerOn(client);
      await tx.run('BEGIN');
      try {
        const result = await work(tx);
        await tx.run('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw error;
      }
    } finally {
      client.off('error', onLost);
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
