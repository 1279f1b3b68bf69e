/**
 * The database a stopped process may have left behind: it claimed creating the database of a title
 * under a page, Notion made it, and the process died before recording it. Whoever takes the stale
 * claim over looks for that database before making another, so no empty second one appears.
 *
 * A data source qualifies when its title is ours, its database sits in the claim's page
 * (`database_parent`), it was created since the claim was taken (`created_time`, which Notion
 * rounds down to the minute), it has our `Quote ID` property, and the store does not know it
 * already (every database this app made and recorded, or that a job writes into). Notion's
 * search finds a database some moments after it is made; the claim is taken over long after that.
 */
import { NotionTargetError } from '../../errors.js';
import type { DataSourceInfo, SearchHit } from '../../notion/responses.js';
import { QUOTE_PROPERTY } from '../../notion/pages/schema.js';
import type { JobStore } from '../../store/index.js';
import { withRetries, type RetryRuntime } from '../resilience/requests.js';

/** What the stale claim was for, and when its claimant took it. */
export interface LeftCreation {
  parentPageId: string;
  title: string;
  /** When the stopped process claimed the creation (ISO time): the database, if any, was made after. */
  claimedAt: string;
  /** The database being replaced (deleted or unshared): never the one adopted. */
  replacing?: string;
}

/** A database found for a left creation: its ids, as search and the data source answered them. */
export interface LeftDatabase {
  databaseId: string;
  dataSourceId: string;
}

/** What the search needs: the store (which databases are known) and Notion, with the retry policy (a TargetDeps serves). */
export interface LeftDatabaseDeps {
  store: JobStore;
  runtime: RetryRuntime;
}

/** Pages of search results looked at, at most: a title query finds a handful, last edited first. */
const MAX_SEARCH_PAGES = 5;

/** Notion rounds `created_time` and `last_edited_time` down to the minute: the claim's own minute counts as after it. */
const TIME_GRAIN_MS = 60_000;

/** Whether a search hit may be the database made for `left`, by what search says of it. Pure. */
export function mayBeLeftDatabase(hit: SearchHit, left: LeftCreation): boolean {
  if (hit.object !== 'data_source' || !hit.databaseId || hit.databaseId === left.replacing) return false;
  if (hit.title !== left.title || !createdSince(hit, left.claimedAt)) return false;
  return hit.databaseParentPageId !== undefined && sameId(hit.databaseParentPageId, left.parentPageId);
}

/** Whether a data source is one this app makes: not in the trash, with the `Quote ID` property as we make it. Pure. */
export function hasQuoteIdProperty(source: DataSourceInfo): boolean {
  return !source.inTrash && source.properties.some((p) => p.name === QUOTE_PROPERTY.id && p.type === 'rich_text');
}

function since(time: string | undefined, claimedAt: string): boolean {
  const at = time === undefined ? Number.NaN : Date.parse(time);
  const from = Math.floor(Date.parse(claimedAt) / TIME_GRAIN_MS) * TIME_GRAIN_MS;
  return Number.isFinite(at) && at >= from;
}

/** Made since the claim: a database made for it cannot be older. */
function createdSince(hit: SearchHit, claimedAt: string): boolean {
  return since(hit.createdTime, claimedAt);
}

/** Edited since the claim: search answers last edited first, so past one edited before it, none was made after it. */
function editedSince(hit: SearchHit, claimedAt: string): boolean {
  return since(hit.lastEditedTime, claimedAt);
}

/** Notion ids with or without dashes, in either case. */
function sameId(a: string, b: string): boolean {
  return a.replace(/-/g, '').toLowerCase() === b.replace(/-/g, '').toLowerCase();
}

/**
 * Searches Notion for the database a stopped process made for `left` and did not record. Of several
 * (a create retried after an answer that was lost), the least recently edited: the one nobody wrote
 * to since. Undefined when there is none: the caller makes one.
 */
export async function findLeftDatabase(left: LeftCreation, deps: LeftDatabaseDeps): Promise<LeftDatabase | undefined> {
  const { runtime, store } = deps;
  const candidates: SearchHit[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_SEARCH_PAGES; page++) {
    const found = await withRetries(
      'search Notion for a database left by a stopped process',
      () => runtime.gateway.search({ query: left.title, object: 'data_source', ...(cursor ? { startCursor: cursor } : {}) }),
      runtime,
      left.parentPageId,
    );
    candidates.push(...found.hits.filter((hit) => mayBeLeftDatabase(hit, left)));
    // Last edited first: past a hit edited before the claim, every later one was too.
    const last = found.hits.at(-1);
    cursor = found.nextCursor;
    if (!cursor || (last && !editedSince(last, left.claimedAt))) break;
  }
  for (const hit of candidates.reverse()) {
    if (await store.databases.isKnown(hit.databaseId!)) continue;
    const source = await withRetries('read a database left by a stopped process', () => runtime.gateway.retrieveDataSource(hit.id), runtime, hit.databaseId).catch(
      (error: unknown) => {
        // Unshared or deleted since the search: not one to write into.
        if (error instanceof NotionTargetError) return undefined;
        throw error;
      },
    );
    if (source && hasQuoteIdProperty(source)) return { databaseId: hit.databaseId!, dataSourceId: hit.id };
  }
  return undefined;
}
