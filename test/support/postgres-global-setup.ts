/**
 * vitest globalSetup: one PostgreSQL server for the whole run. Test files reach it through
 * `inject('postgresUrl')` (see ./postgres.ts), and each test creates its own database in it.
 *
 * - QUOTE_SYNC_TEST_DATABASE_URL set: that server is used; the URL's role must be able to create
 *   databases. The databases this run created are dropped at the end.
 * - Otherwise a private server is started with startPostgres and stopped at the end.
 * - PostgreSQL not installed: the run fails, unless QUOTE_SYNC_SKIP_POSTGRES=1, in which case
 *   `postgresUrl` is '' and the PostgreSQL tests skip themselves.
 * - QUOTE_SYNC_PG_LOG=1 prints the private server's log.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { PostgresUnavailableError, quoteIdentifier, startPostgres } from './postgres-server.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Databases of this run share a prefix, so that teardown on a shared server drops only its own.
  const prefix = `qs_${randomBytes(3).toString('hex')}_`;
  project.provide('postgresDatabasePrefix', prefix);

  const external = process.env.QUOTE_SYNC_TEST_DATABASE_URL;
  if (external) {
    await checkCanCreateDatabases(external);
    project.provide('postgresUrl', external);
    console.log(`PostgreSQL: using QUOTE_SYNC_TEST_DATABASE_URL (${redact(external)})`);
    return () => dropDatabases(external, prefix);
  }

  const started = performance.now();
  let server;
  try {
    server = await startPostgres(
      process.env.QUOTE_SYNC_PG_LOG === '1' ? { log: (line) => console.log(`[postgres] ${line}`) } : {},
    );
  } catch (error) {
    if (error instanceof PostgresUnavailableError && process.env.QUOTE_SYNC_SKIP_POSTGRES === '1') {
      console.warn(
        [
          '',
          '!!! PostgreSQL tests are SKIPPED (QUOTE_SYNC_SKIP_POSTGRES=1):',
          `!!! ${error.message}`,
          '',
        ].join('\n'),
      );
      project.provide('postgresUrl', '');
      return async () => undefined;
    }
    if (error instanceof PostgresUnavailableError) {
      throw new Error(
        `${error.message}\nThe tests need a PostgreSQL server; to run without the PostgreSQL tests, set QUOTE_SYNC_SKIP_POSTGRES=1.`,
        { cause: error },
      );
    }
    throw error;
  }
  const ms = Math.round(performance.now() - started);
  project.provide('postgresUrl', server.url);
  console.log(`PostgreSQL: private server ${server.url} (${await serverVersion(server.url)}), started in ${ms} ms`);
  return () => server.stop();
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function serverVersion(url: string): Promise<string> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return `PostgreSQL ${rows[0]?.server_version ?? '?'}`;
  });
}

async function checkCanCreateDatabases(url: string): Promise<void> {
  let allowed: boolean | undefined;
  try {
    allowed = await withClient(url, async (client) => {
      const { rows } = await client.query<{ allowed: boolean }>(
        'SELECT rolsuper OR rolcreatedb AS allowed FROM pg_roles WHERE rolname = current_user',
      );
      return rows[0]?.allowed;
    });
  } catch (error) {
    throw new Error(`QUOTE_SYNC_TEST_DATABASE_URL (${redact(url)}): cannot connect: ${String(error)}`, { cause: error });
  }
  if (!allowed) {
    throw new Error(`QUOTE_SYNC_TEST_DATABASE_URL (${redact(url)}): the role may not create databases.`);
  }
}

/** Drops the databases this run created on a shared server; a failure is reported, not thrown. */
async function dropDatabases(url: string, prefix: string): Promise<void> {
  try {
    await withClient(url, async (client) => {
      const { rows } = await client.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE starts_with(datname, $1)",
        [prefix],
      );
      for (const { datname } of rows) await client.query(`DROP DATABASE ${quoteIdentifier(datname)} WITH (FORCE)`);
    });
  } catch (error) {
    console.warn(`PostgreSQL: could not drop this run's databases (${prefix}*): ${String(error)}`);
  }
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
