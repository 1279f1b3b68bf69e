/**
 * One create, and what to do after it: the page is written; or the quote waits its back-off, or
 * the pacer's pause, or a look-up (a create that may have been applied is never sent again
 * unseen); or it fails with a reason; or the job cannot go on. Every state change of the quote is
 * committed to the store before the next request.
 */
import type { CreatePageParameters } from '@notionhq/client';
import { classifyNotionError, mayHaveBeenApplied } from '../../notion/failure.js';
import type { FieldPlan } from '../../notion/pages/field-plan.js';
import type { NotionPages } from '../../notion/gateway.js';
import { quoteToPage } from '../../notion/pages/page.js';
import type { JobStore, StoredQuote } from '../../store/index.js';
import type { WriteOutcome } from '../resilience/breaker.js';
import { applyRetryDecision, describeFailure, type RetryCounters, type RetryPolicy } from '../resilience/retry.js';
import { failureEvent, type WriterEvent } from './writer-events.js';

/** Update mode: the page of a quote already in Notion, and the properties to set on it. */
export interface PageUpdate {
  pageId: string;
  properties: Record<string, unknown>;
}

/** A quote to write: created, or (update mode) its page updated. */
export type WriteItem = StoredQuote & { update?: PageUpdate };

/** A quote on its way to Notion, with what its earlier attempts left. */
export interface QueuedQuote extends RetryCounters {
  item: WriteItem;
  body?: CreatePageParameters;
  /** The data source `body` was made for (recovery may move the job to a new database). */
  bodyFor?: string;
  /** Earliest time to try again (or look up). */
  at: number;
  /** Set when the quote must not be sent again: after the look-up, fail it with this reason if absent. */
  failIfAbsent?: string;
}

/** What creating one page needs. */
export interface CreateDeps {
  gateway: NotionPages;
  store: JobStore;
  jobId: string;
  policy: RetryPolicy;
  random: () => number;
  now: () => number;
  onEvent: (event: WriterEvent) => Promise<void> | void;
  signal?: AbortSignal;
}

/** Where the quote goes next, and the outcome for the circuit breaker. */
export type CreateResult = (
  | { kind: 'done' }
  | { kind: 'again_now' }
  | { kind: 'later' }
  | { kind: 'look_up' }
  | { kind: 'stop'; reason: string; targetProblem: boolean }
) & { outcome?: WriteOutcome };

/** Sends the create for `p` into `target` and decides what comes next. */
export async function createQuotePage(p: QueuedQuote, target: { dataSourceId: string; plan?: FieldPlan }, deps: CreateDeps): Promise<CreateResult> {
  const { store, jobId } = deps;
  const id = p.item.quote.id;
  if (!p.body || p.bodyFor !== target.dataSourceId) {
    const mapping = quoteToPage(p.item.quote, target.dataSourceId, target.plan);
    if (!mapping.ok) {
      await store.quotes.setState(jobId, id, 'rejected', { reason: mapping.reason });
      await deps.onEvent({ kind: 'rejected', quoteId: id, message: mapping.reason });
      return { kind: 'done' };
    }
    p.body = mapping.body;
    p.bodyFor = target.dataSourceId;
  }
  const body = p.body;
  await store.quotes.setState(jobId, id, 'in_flight', { attempt: true });
  try {
    const page = await deps.gateway.createPage(body);
    await store.quotes.setState(jobId, id, 'written', { pageId: page.id });
    return { kind: 'done', outcome: 'success' };
  } catch (error) {
    if (deps.signal?.aborted && error === deps.signal.reason) {
      // Taken out of the queue before it was sent: nothing to look up.
      await store.quotes.setState(jobId, id, 'pending');
      return { kind: 'again_now' };
    }
    const failure = classifyNotionError(error);
    if (!failure) {
      // A bug, not Notion: leave the quote resolvable (in_flight is looked up on resume).
      throw error;
    }
    if (failure.kind === 'server' && failure.committedResourceId) {
      // Notion says the page was made before it failed (`committed_resource_id`): no look-up, no second create.
      await store.quotes.setState(jobId, id, 'written', { pageId: failure.committedResourceId });
      await deps.onEvent({ ...failureEvent(failure, id, 0), message: `${describeFailure(failure)}, but Notion committed the page ${failure.committedResourceId}: taken as written` });
      return { kind: 'done', outcome: 'success' };
    }
    const decision = applyRetryDecision(failure, p, { operation: 'create', policy: deps.policy, random: deps.random });
    const ambiguous = mayHaveBeenApplied(failure);
    const outcome: WriteOutcome | undefined =
      failure.kind === 'conflict' ? 'conflict' : ambiguous ? 'failure' : undefined;
    switch (decision.action) {
      case 'pause_all':
        // The pacer has paused the queue already (it saw the answer first).
        await deps.onEvent(failureEvent(failure, id, deps.gateway.pacer.pause?.ms ?? 0));
        await store.quotes.setState(jobId, id, 'pending');
        return { kind: 'again_now' };
      case 'retry':
        p.at = deps.now() + decision.delayMs;
        await deps.onEvent(failureEvent(failure, id, decision.delayMs));
        if (decision.lookupFirst) {
          await store.quotes.setState(jobId, id, 'uncertain', { reason: describeFailure(failure) });
          return { kind: 'look_up', ...(outcome ? { outcome } : {}) };
        }
        await store.quotes.setState(jobId, id, 'pending');
        return { kind: 'later', ...(outcome ? { outcome } : {}) };
      case 'give_up':
        // A retryable failure that ran out of attempts is told as itself; a refusal only as the failure below.
        if (failure.kind !== 'invalid') await deps.onEvent(failureEvent(failure, id, 0));
        if (ambiguous) {
          // It may be in Notion after all: find out before calling it failed.
          p.failIfAbsent = decision.reason;
          p.at = deps.now();
          await store.quotes.setState(jobId, id, 'uncertain', { reason: decision.reason });
          return { kind: 'look_up', ...(outcome ? { outcome } : {}) };
        }
        await store.quotes.setState(jobId, id, 'failed', { reason: decision.reason });
        await deps.onEvent({ kind: 'failed', quoteId: id, message: decision.reason });
        return { kind: 'done', ...(outcome ? { outcome } : {}) };
      case 'stop_job':
        // Not this quote's failure: the job stops with the reason, and the quote stays to write.
        await store.quotes.setState(jobId, id, 'pending');
        return {
          kind: 'stop',
          reason: decision.reason,
          targetProblem: failure.kind === 'not_found' || failure.kind === 'forbidden',
        };
    }
  }
}
