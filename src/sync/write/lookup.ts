/**
 * Which quotes are in Notion already, found by looking their ids up: one query per
 * LOOKUP_BATCH_SIZE ids (an `or` of `equals` conditions, Notion's most), fetching only the
 * `Quote ID` property. The cost follows the batch, never the size of the database, and no answer
 * is cut by Notion's 10,000-result cap on a query: a capped (incomplete) answer is never read as
 * "absent"; its ids are asked again in halves.
 */
import { NotionRequestError } from '../../errors.js';
import type { NotionPages, QueryFilter } from '../../notion/gateway.js';
import type { PageInfo } from '../../notion/responses.js';
import { quoteIdOf } from '../../notion/pages/page.js';
import { QUOTE_PROPERTY } from '../../notion/pages/schema.js';
import { withRetries, type RetryRuntime } from '../resilience/requests.js';

/** Conditions in one `or` filter: Notion accepts at most 100. */
export const LOOKUP_BATCH_SIZE = 100;

export interface LookupTarget {
  dataSourceId: string;
  /** Property id of `Quote ID` (as Notion sent it), to fetch only that property. */
  quoteIdPropertyId?: string;
}

/** The `Quote ID` filter for some ids: one condition, or an `or` of them. */
export function quoteIdFilter(ids: readonly string[]): QueryFilter {
  const condition = (id: string) => ({ property: QUOTE_PROPERTY.id, rich_text: { equals: id } });
  return ids.length === 1 ? condition(ids[0]!) : { or: ids.map(condition) };
}

/**
 * The pages of the given quote ids, by quote id (the first page when several hold one id); absent
 * ids are not in the map. Only the `Quote ID` property is fetched, unless `allProperties` (update
 * mode compares them: they come in the same queries, at no extra request).
 */
export async function findPagesByQuoteId(
  ids: readonly string[],
  target: LookupTarget,
  runtime: RetryRuntime<NotionPages>,
  options: { allProperties?: boolean } = {},
): Promise<Map<string, PageInfo>> {
  const found = new Map<string, PageInfo>();
  const unique = [...new Set(ids)];
  const only = options.allProperties ? undefined : target.quoteIdPropertyId;
  for (let i = 0; i < unique.length; i += LOOKUP_BATCH_SIZE) {
    await lookUpBatch(unique.slice(i, i + LOOKUP_BATCH_SIZE), target.dataSourceId, only, runtime, found);
  }
  return found;
}

async function lookUpBatch(
  ids: string[],
  dataSourceId: string,
  onlyProperty: string | undefined,
  runtime: RetryRuntime<NotionPages>,
  found: Map<string, PageInfo>,
): Promise<void> {
  const filter = quoteIdFilter(ids);
  const pages: Map<string, PageInfo> = new Map();
  let cursor: string | undefined;
  let incomplete = false;
  do {
    const page = await withRetries(
      'look quote ids up in Notion',
      () =>
        runtime.gateway.queryDataSource(dataSourceId, {
          filter,
          ...(cursor ? { startCursor: cursor } : {}),
          ...(onlyProperty ? { filterProperties: [onlyProperty] } : {}),
        }),
      runtime,
      dataSourceId,
    );
    incomplete ||= page.incomplete;
    for (const p of page.pages) {
      const id = quoteIdOf(p);
      if (id && !pages.has(id)) pages.set(id, p);
    }
    cursor = page.nextCursor;
  } while (cursor);
  // What came back is there; when Notion cut the answer at its cap, the rest is unknown, not absent.
  for (const [id, page] of pages) if (!found.has(id)) found.set(id, page);
  if (!incomplete) return;
  const unknown = ids.filter((id) => !pages.has(id));
  if (unknown.length === 0) return;
  if (unknown.length === 1) {
    throw new NotionRequestError(
      `Notion's answer for quote ${unknown[0]} was cut at its result limit, so whether it is in the database is unknown; nothing was written for it.`,
      undefined,
      'incomplete',
    );
  }
  const half = Math.ceil(unknown.length / 2);
  await lookUpBatch(unknown.slice(0, half), dataSourceId, onlyProperty, runtime, found);
  await lookUpBatch(unknown.slice(half), dataSourceId, onlyProperty, runtime, found);
}
