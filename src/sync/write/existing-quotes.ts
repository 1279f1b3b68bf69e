/**
 * Before a chunk is written: which of its quotes are in the database already, found by looking
 * their ids up (lookup.ts). Found ones an earlier run of this job sent are ours ('written'),
 * others were there before ('present'). Whatever an earlier run left unsure and Notion does not
 * have was not written: it goes back to pending.
 *
 * In update mode the look-ups bring the pages' properties too, and a quote found there is
 * compared: the same values make it 'unchanged', others 'stale', with the update it needs (an
 * update an earlier run sent, now found applied, makes it 'updated').
 */
import type { NotionPages } from '../../notion/gateway.js';
import type { FieldPlan } from '../../notion/pages/field-plan.js';
import { quoteToPage } from '../../notion/pages/page.js';
import { QUOTE_PROPERTY } from '../../notion/pages/schema.js';
import { changedProperties } from '../../notion/pages/page-changes.js';
import type { JobStore, StoredQuote } from '../../store/index.js';
import type { WriteItem } from './create-quote.js';
import { findPagesByQuoteId, type LookupTarget } from './lookup.js';
import type { RetryRuntime } from '../resilience/requests.js';

/** Settles the quotes Notion has; returns the ones left to write (creates, and in update mode the updates). */
export async function settleExisting(
  store: JobStore,
  jobId: string,
  items: StoredQuote[],
  target: LookupTarget,
  runtime: RetryRuntime<NotionPages>,
  options: { update?: boolean; plan?: FieldPlan } = {},
): Promise<WriteItem[]> {
  const existing = await findPagesByQuoteId(
    items.map((item) => item.quote.id),
    target,
    runtime,
    { allProperties: options.update === true },
  );
  const left: WriteItem[] = [];
  for (const item of items) {
    const id = item.quote.id;
    const page = existing.get(id);
    if (!page) {
      if (item.state !== 'pending') await store.quotes.setState(jobId, id, 'pending');
      left.push({ ...item, state: 'pending' });
      continue;
    }
    // A create of ours that may not have been recorded: the page is this job's, as the input says.
    if (item.state === 'in_flight' || item.state === 'uncertain') {
      await store.quotes.setState(jobId, id, 'written', { pageId: page.id });
      continue;
    }
    if (!options.update) {
      await store.quotes.setState(jobId, id, 'present', { pageId: page.id });
      continue;
    }
    const mapping = quoteToPage(item.quote, target.dataSourceId, options.plan);
    const identity = [options.plan?.titleProperty ?? QUOTE_PROPERTY.text, QUOTE_PROPERTY.id];
    const changes = mapping.ok ? changedProperties(mapping.body.properties as Record<string, unknown>, page.properties, identity) : {};
    if (Object.keys(changes).length === 0) {
      await store.quotes.setState(jobId, id, item.state === 'stale' ? 'updated' : 'unchanged', { pageId: page.id });
      continue;
    }
    if (item.state !== 'stale') await store.quotes.setState(jobId, id, 'stale', { pageId: page.id });
    left.push({ ...item, state: 'stale', pageId: page.id, update: { pageId: page.id, properties: changes } });
  }
  return left;
}
