/**
 * Finds or makes the database a job writes into: an existing one, the
 * one this app created earlier under the same page, or a new one, waited for until it answers.
 * Making one is claimed in the store, so replicas (or processes) that need the same database at
 * once make one: the others wait for it to be recorded and open it. A claim whose holder stopped
 * before recording is taken over, and the database it may have made is adopted (left-database.ts).
 */
import { NotionTargetError } from '../../errors.js';
import type { DatabaseInfo, PropertyInfo } from '../../notion/responses.js';
import { quoteDatabaseProperties, QUOTE_PROPERTY } from '../../notion/pages/schema.js';
import type { JobDatabase, JobStore, JobTarget } from '../../store/index.js';
import { findLeftDatabase } from './left-database.js';
import { withRetries, type RetryRuntime } from '../resilience/requests.js';

export interface ResolvedDatabase extends JobDatabase {
  quoteIdPropertyId: string | undefined;
  /** The database's properties as Notion last described them (the field plan places fields in them). */
  properties: PropertyInfo[];
  /** Created in this run: it holds no quotes yet, so there is nothing to read back. */
  created: boolean;
}

export interface TargetDeps {
  store: JobStore;
  runtime: RetryRuntime;
  readyTimeoutMs: number;
  now: () => number;
  /** A creation claim still unrecorded after this long is taken over. Default: twice `readyTimeoutMs` and a minute. */
  creationTakeoverMs?: number;
}

export async function resolveTarget(
  target: JobTarget,
  chunk: number,
  title: string,
  deps: TargetDeps,
): Promise<ResolvedDatabase> {
  if (target.kind === 'database') return openDatabase(target.databaseId, chunk, deps);
  const remembered = await deps.store.databases.createdUnder(target.parentPageId, title);
  if (remembered) {
    const reopened = await openDatabase(remembered.databaseId, chunk, deps).catch((error: unknown) => {
      if (error instanceof NotionTargetError) return undefined; // deleted or unshared since: make a new one
      throw error;
    });
    if (reopened) return reopened;
  }
  return createDatabaseOnce(target.parentPageId, title, chunk, deps, remembered?.databaseId);
}

/** How often a replica waiting for another's new database looks whether it is recorded. */
const CREATION_POLL_MS = 250;

/**
 * Makes the database of `title` under the page, unless another replica is making it (then waits
 * for it and opens it). `replacing`: the database it replaces (deleted or unshared), so that a
 * second replacement, later, is claimed anew. A claim whose holder died before recording a
 * database is taken over once the creation could no longer be running; the database that holder
 * may have made is adopted rather than a second one made.
 */
export async function createDatabaseOnce(
  parentPageId: string,
  title: string,
  chunk: number,
  deps: TargetDeps,
  replacing?: string,
): Promise<ResolvedDatabase> {
  const { store, runtime } = deps;
  const key = `notion-database:${parentPageId}:${replacing ?? 'new'}:${title}`;
  const staleAfterMs = deps.creationTakeoverMs ?? 2 * deps.readyTimeoutMs + 60_000;
  for (;;) {
    const fresh = await store.triggers.claim(key);
    const left = fresh ? undefined : await store.triggers.takeOverUnbound(key, staleAfterMs);
    if (fresh || left) {
      try {
        const made = left ? await adoptLeftDatabase(parentPageId, title, chunk, left.claimedAt, deps, replacing) : undefined;
        const created = made ?? (await createDatabase(parentPageId, title, chunk, deps));
        // Settled for good: the claim names the database it led to.
        await store.triggers.bind(key, created.databaseId);
        return created;
      } catch (error) {
        await store.triggers.release(key);
        throw error;
      }
    }
    const made = await store.databases.createdUnder(parentPageId, title);
    if (made && made.databaseId !== replacing) {
      const opened = await openDatabase(made.databaseId, chunk, deps).catch((error: unknown) => {
        // Recorded but not answering yet (Notion takes a moment): look again shortly.
        if (error instanceof NotionTargetError) return undefined;
        throw error;
      });
      if (opened) return opened;
    }
    await runtime.sleep(CREATION_POLL_MS, runtime.signal);
    if (runtime.signal?.aborted) throw runtime.signal.reason;
  }
}

/** The database a stopped claimant made under the page and did not record, if Notion has one: recorded now, and opened. */
async function adoptLeftDatabase(
  parentPageId: string,
  title: string,
  chunk: number,
  claimedAt: string,
  deps: TargetDeps,
  replacing: string | undefined,
): Promise<ResolvedDatabase | undefined> {
  const found = await findLeftDatabase({ parentPageId, title, claimedAt, ...(replacing ? { replacing } : {}) }, deps);
  if (!found) return undefined;
  const opened = await openDatabase(found.databaseId, chunk, deps);
  await deps.store.databases.rememberCreated(parentPageId, { databaseId: opened.databaseId, dataSourceId: opened.dataSourceId, url: opened.url, title });
  return opened;
}

/** Opens a database by id: checks it exists and is not in the trash, and reads its properties (changed by the field plan, not here). */
export async function openDatabase(databaseId: string, chunk: number, deps: TargetDeps): Promise<ResolvedDatabase> {
  const { runtime } = deps;
  const db = await withRetries('open the Notion database', () => runtime.gateway.retrieveDatabase(databaseId), runtime, databaseId);
  if (db.inTrash) {
    throw new NotionTargetError(`The Notion database "${db.title || databaseId}" is in the trash. Restore it or pick another one.`, databaseId, 404);
  }
  const dataSourceId = db.dataSourceIds[0];
  if (!dataSourceId) {
    throw new NotionTargetError(`The Notion database "${db.title || databaseId}" has no data source to write into.`, databaseId, 404);
  }
  const source = await withRetries('read the database schema', () => runtime.gateway.retrieveDataSource(dataSourceId), runtime, databaseId);
  return toResolved(db, dataSourceId, source.properties, chunk, false);
}

export async function createDatabase(parentPageId: string, title: string, chunk: number, deps: TargetDeps): Promise<ResolvedDatabase> {
  const { runtime, store } = deps;
  const db = await withRetries(
    'create the Notion database',
    () => runtime.gateway.createDatabase({ parentPageId, title, properties: quoteDatabaseProperties() }),
    runtime,
    parentPageId,
  );
  const dataSourceId = db.dataSourceIds[0];
  if (!dataSourceId) throw new NotionTargetError('Notion created the database without a data source.', db.id, 500);
  const source = await waitUntilReady(db, dataSourceId, deps);
  await store.databases.rememberCreated(parentPageId, { databaseId: db.id, dataSourceId, url: db.url, title });
  return toResolved(db, dataSourceId, source, chunk, true);
}

/** A new database can answer 404 for a moment: ask again, with growing pauses, within the bounded wait. */
async function waitUntilReady(db: DatabaseInfo, dataSourceId: string, deps: TargetDeps) {
  const { runtime } = deps;
  const deadline = deps.now() + deps.readyTimeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      const source = await withRetries('check the new database', () => runtime.gateway.retrieveDataSource(dataSourceId), runtime, db.id);
      return source.properties;
    } catch (error) {
      if (!(error instanceof NotionTargetError) || deps.now() >= deadline) {
        if (error instanceof NotionTargetError) {
          throw new NotionTargetError(
            `Notion created the database but it did not answer within ${Math.round(deps.readyTimeoutMs / 1000)} s (NOTION_READY_TIMEOUT_MS).`,
            db.id,
            404,
          );
        }
        throw error;
      }
      const wait = Math.min(2000, 100 * 2 ** (attempt - 1), Math.max(0, deadline - deps.now()));
      await runtime.sleep(wait, runtime.signal);
    }
  }
}

function toResolved(db: DatabaseInfo, dataSourceId: string, properties: PropertyInfo[], chunk: number, created: boolean): ResolvedDatabase {
  return {
    chunk,
    databaseId: db.id,
    dataSourceId,
    url: db.url,
    title: db.title,
    ...withProperties(properties),
    created,
  };
}

/** The properties of a database, and the id of its `Quote ID` (look-ups fetch only that one). */
export function withProperties(properties: PropertyInfo[]): Pick<ResolvedDatabase, 'properties' | 'quoteIdPropertyId'> {
  return { properties, quoteIdPropertyId: properties.find((p) => p.name === QUOTE_PROPERTY.id)?.id };
}
