/**
 * A Db that tells an observer how long each store operation took (the app's metrics), by kind
 * only: `run`, `get`, `all`, and `transaction` as a whole (its statements are told too, by their
 * own kind). The statement's text is never given: it is not a label, and it can be long.
 */
import type { Db, SqlRunner } from './db.js';

export type StoreOperation = 'run' | 'get' | 'all' | 'transaction';

/** Told of each operation: its kind, how long it took (ms), and whether it failed. */
export type StoreObserver = (operation: StoreOperation, ms: number, failed: boolean) => void;

async function timed<T>(observe: StoreObserver, operation: StoreOperation, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await work();
    observe(operation, performance.now() - started, false);
    return result;
  } catch (error) {
    observe(operation, performance.now() - started, true);
    throw error;
  }
}

function observedRunner(runner: SqlRunner, observe: StoreObserver): SqlRunner {
  return {
    dialect: runner.dialect,
    all: (sql, params) => timed(observe, 'all', () => runner.all(sql, params)),
    get: (sql, params) => timed(observe, 'get', () => runner.get(sql, params)),
    run: (sql, params) => timed(observe, 'run', () => runner.run(sql, params)),
  };
}

/** `db`, with every operation told to `observe`. */
export function observedDb(db: Db, observe: StoreObserver): Db {
  return {
    ...observedRunner(db, observe),
    transaction: (work) => timed(observe, 'transaction', () => db.transaction((tx) => work(observedRunner(tx, observe)))),
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
  };
}
