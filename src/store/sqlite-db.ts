/**
 * The embedded store: one SQLite file through better-sqlite3, for one host. Its calls are
 * synchronous underneath; they resolve at once, in the order they were made. A transaction holds
 * the file for this process: statements from elsewhere in the process (on this connection or
 * another to the same file) wait until it ends, so an `await` inside one never lets another
 * caller's statement into it, nor a second connection block the thread on SQLite's lock.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Db, SqlRunner } from './db.js';

/** better-sqlite3 binds no `undefined` or booleans. */
function bindable(params: readonly unknown[]): unknown[] {
  return params.map((p) => (p === undefined ? null : typeof p === 'boolean' ? (p ? 1 : 0) : p));
}

/** What a transaction holds: one per file in this process (a ':memory:' store is its own). */
interface Gate {
  /** Resolves when the transaction holding the file (if any) has ended. */
  held: Promise<void> | undefined;
}

const GATES = new Map<string, Gate>();

function gateFor(path: string): Gate {
  if (path === ':memory:') return { held: undefined };
  const key = resolve(path);
  let gate = GATES.get(key);
  if (!gate) {
    gate = { held: undefined };
    GATES.set(key, gate);
  }
  return gate;
}

export class SqliteDb implements Db {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly gate: Gate;
  private readonly direct: SqlRunner;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.gate = gateFor(path);
    // Taken by a new file only (an older one keeps its mode until retention's one VACUUM): the
    // pages that cleared texts free can then be handed back to the disk cheaply (store/retention.ts).
    this.db.pragma('auto_vacuum = INCREMENTAL');
    this.db.pragma('journal_mode = WAL');
    // NORMAL keeps every commit across a killed process; only a power loss can drop the last ones.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    const now = <T>(work: () => T): Promise<T> => {
      try {
        return Promise.resolve(work());
      } catch (error) {
        return Promise.reject(error);
      }
    };
    this.direct = {
      dialect: 'sqlite',
      all: <T>(sql: string, params: readonly unknown[] = []) => now(() => this.prepare(sql).all(...bindable(params)) as T[]),
      get: <T>(sql: string, params: readonly unknown[] = []) => now(() => this.prepare(sql).get(...bindable(params)) as T | undefined),
      run: (sql: string, params: readonly unknown[] = []) => now(() => this.prepare(sql).run(...bindable(params)).changes),
    };
  }

  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.gate.held ? this.afterHeld(() => this.direct.all<T>(sql, params)) : this.direct.all<T>(sql, params);
  }

  get<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined> {
    return this.gate.held ? this.afterHeld(() => this.direct.get<T>(sql, params)) : this.direct.get<T>(sql, params);
  }

  run(sql: string, params?: readonly unknown[]): Promise<number> {
    return this.gate.held ? this.afterHeld(() => this.direct.run(sql, params)) : this.direct.run(sql, params);
  }

  async exec(sql: string): Promise<void> {
    while (this.gate.held) await this.gate.held;
    this.db.exec(sql);
  }

  async transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    while (this.gate.held) await this.gate.held;
    let end!: () => void;
    this.gate.held = new Promise<void>((resolve) => (end = resolve));
    try {
      // IMMEDIATE: the write lock is taken now, across processes sharing the file.
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this.direct);
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      this.gate.held = undefined;
      end();
    }
  }

  async close(): Promise<void> {
    while (this.gate.held) await this.gate.held;
    this.db.close();
  }

  private async afterHeld<T>(work: () => Promise<T>): Promise<T> {
    while (this.gate.held) await this.gate.held;
    return work();
  }

  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
