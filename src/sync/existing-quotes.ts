/**
 * Before a chunk is written: which of its quotes are in the database already, found by looking
 * their ids up (lookup.ts). Found ones an earlier run of this job sent are ours ('written'),
 * others were there before ('present'). Whatever an earlier run left unsure and Notion does not
 * have was not written: it goes back to pending.
 */
import type { NotionPages } from '../notion/gateway.js';
import type { JobStore, StoredQuote } from '../store/index.js';
import { findPagesByQuoteId, type LookupTarget } from './lookup.js';
import type { RetryRuntime } from './requests.js';

/** Settles the quotes Notion has; returns the ones left to write. */
export async function settleExisting(
  store: JobStore,
  jobId: string,
  items: StoredQuote[],
  target: LookupTarget,
  runtime: RetryRuntime<NotionPages>,
): Promise<StoredQuote[]> {
  const existing = await findPagesByQuoteId(
    items.map((item) => item.quote.id),
    target,
    runtime,
  );
  const left: StoredQuote[] = [];
  for (const item of items) {
    const pageId = existing.get(item.quote.id);
    if (pageId) {
      const ours = item.state === 'in_flight' || item.state === 'uncertain';
      store.quotes.setState(jobId, item.quote.id, ours ? 'written' : 'present', { pageId });
      continue;
    }
    if (item.state !== 'pending') store.quotes.setState(jobId, item.quote.id, 'pending');
    left.push({ ...item, state: 'pending' });
  }
  return left;
}
