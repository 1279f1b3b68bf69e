/**
 * PostgreSQL for test files. The server comes from the globalSetup in ./postgres-global-setup.ts;
 * each call to freshPostgresDatabase() creates a new empty database in it, so tests never share
 * data. Files that need PostgreSQL skip when the run has none:
 *
 *   describe.skipIf(!postgresAvailable())('…', () => { … });
 */
import { inject } from 'vitest';
import { createDatabaseAt, uniqueDatabaseName } from './postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the run's server; '' when the run has none (QUOTE_SYNC_SKIP_POSTGRES=1). */
    postgresUrl: string;
    /** Prefix of the names of the databases this run creates. */
    postgresDatabasePrefix: string;
  }
}

export function postgresAvailable(): boolean {
  return inject('postgresUrl') !== '';
}

/** Creates a new empty database and returns its URL. */
export async function freshPostgresDatabase(): Promise<string> {
  const baseUrl = inject('postgresUrl');
  if (!baseUrl) throw new Error('This run has no PostgreSQL server (QUOTE_SYNC_SKIP_POSTGRES=1); skip with postgresAvailable().');
  return createDatabaseAt(baseUrl, uniqueDatabaseName(inject('postgresDatabasePrefix')));
}
