/**
 * The PostgreSQL driver when the server drops a connection: inside a transaction (the client is
 * checked out of the pool, so the pool's own listener does not hear it), and between statements.
 * Either way the caller gets StoreUnavailableError and the process lives on.
 */
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { StoreUnavailableError } from '../../src/errors.js';
import { PostgresDb } from '../../src/store/postgres-db.js';
import { freshPostgresDatabase, postgresAvailable } from '../support/postgres.js';

describe.skipIf(!postgresAvailable())('the PostgreSQL driver', () => {
  it('a connection terminated in the middle of a transaction fails the transaction as StoreUnavailableError, and nothing is thrown elsewhere', async () => {
    const url = await freshPostgresDatabase();
    let heard!: (error: Error) => void;
    const lost = new Promise<Error>((resolve) => (heard = resolve));
    const db = new PostgresDb(url, { onIdleError: (error) => heard(error) });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const outcome = db.transaction(async (tx) => {
        const me = await tx.get<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await admin.query('SELECT pg_terminate_backend($1)', [me!.pid]);
        // The server's notice of the end arrives on the checked-out client, as an 'error' event.
        await lost;
        return tx.get('SELECT 1 AS one');
      });
      await expect(outcome).rejects.toBeInstanceOf(StoreUnavailableError);
      expect((await lost).message).toMatch(/terminat/i);
      // The pool replaced the connection: the store answers again.
      expect(await db.get<{ one: number }>('SELECT 1 AS one')).toEqual({ one: 1 });
    } finally {
      await admin.end();
      await db.close();
    }
  });

  it('keeps a statement the server refused as its own error (a duplicate key is not an outage)', async () => {
    const db = new PostgresDb(await freshPostgresDatabase());
    try {
      await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
      await db.run('INSERT INTO t (id) VALUES (?)', [1]);
      const duplicate = db.run('INSERT INTO t (id) VALUES (?)', [1]);
      await expect(duplicate).rejects.toThrow(/duplicate key/);
      await expect(db.run('INSERT INTO t (id) VALUES (?)', [1])).rejects.not.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await db.close();
    }
  });
});
