/** The run's PostgreSQL server (postgres-global-setup.ts) and freshPostgresDatabase(). */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { freshPostgresDatabase, postgresAvailable } from './postgres.js';

const clients: pg.Client[] = [];

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  clients.push(client);
  await client.connect();
  return client;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.end()));
});

describe.skipIf(!postgresAvailable())('freshPostgresDatabase', () => {
  it('gives each caller its own empty database on 127.0.0.1', async () => {
    const [first, second] = await Promise.all([freshPostgresDatabase(), freshPostgresDatabase()]);
    expect(first).not.toBe(second);
    expect(new URL(first).hostname).toBe('127.0.0.1');

    const a = await connect(first);
    await a.query('CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)');
    await a.query("INSERT INTO notes VALUES (1, 'only in the first')");
    expect((await a.query('SELECT body FROM notes')).rows).toEqual([{ body: 'only in the first' }]);

    const b = await connect(second);
    const { rows } = await b.query<{ count: number }>(
      "SELECT count(*)::int AS count FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(rows[0]?.count).toBe(0);
  });

  it('serves two connections writing the same table at once', async () => {
    const url = await freshPostgresDatabase();
    const [a, b] = await Promise.all([connect(url), connect(url)]);
    await a.query('CREATE TABLE hits (who text NOT NULL, n int NOT NULL, UNIQUE (who, n))');

    // Both transactions are open at once; neither sees the other's rows before COMMIT.
    await Promise.all([a.query('BEGIN'), b.query('BEGIN')]);
    await Promise.all([
      a.query("INSERT INTO hits SELECT 'a', n FROM generate_series(1, 100) AS n"),
      b.query("INSERT INTO hits SELECT 'b', n FROM generate_series(1, 100) AS n"),
    ]);
    expect((await a.query('SELECT count(*)::int AS count FROM hits')).rows[0]).toEqual({ count: 100 });
    await Promise.all([a.query('COMMIT'), b.query('COMMIT')]);

    const { rows } = await b.query<{ who: string; count: number }>(
      'SELECT who, count(*)::int AS count FROM hits GROUP BY who ORDER BY who',
    );
    expect(rows).toEqual([
      { who: 'a', count: 100 },
      { who: 'b', count: 100 },
    ]);
  });
});
