/**
 * Update mode: one `pages.update` of a quote already in Notion, setting just the properties that
 * differ, and what comes after it. An update is idempotent: after a 5xx, a timeout or a dropped
 * connection it is sent again after its back-off, with no look-up first, and it never creates a
 * page. The quote stays 'stale' until Notion confirms it, so a killed run sends it again.
 */
import { classifyNotionError, mayHaveBeenApplied } from '../../notion/failure.js';
import type { WriteOutcome } from '../resilience/breaker.js';
import type { CreateDeps, CreateResult, QueuedQuote } from './create-quote.js';
import { applyRetryDecision } from '../resilience/retry.js';
import { failureEvent } from './writer-events.js';

/** Sends the update of `p` (which must carry one) and decides what comes next. */
export async function updateQuotePage(p: QueuedQuote, deps: CreateDeps): Promise<CreateResult> {
  const { store, jobId } = deps;
  const id = p.item.quote.id;
  const update = p.item.update;
  if (!update) throw new Error(`quote ${id} has no update`);
  try {
    await deps.gateway.updatePage(update.pageId, update.properties);
    await store.quotes.setState(jobId, id, 'updated', { pageId: update.pageId, attempt: true });
    return { kind: 'done', outcome: 'success' };
  } catch (error) {
    // Taken out of the queue before it was sent: it is still due.
    if (deps.signal?.aborted && error === deps.signal.reason) return { kind: 'again_now' };
    const failure = classifyNotionError(error);
    if (!failure) throw error;
    const decision = applyRetryDecision(failure, p, { operation: 'update', policy: deps.policy, random: deps.random });
    const outcome: WriteOutcome | undefined =
      failure.kind === 'conflict' ? 'conflict' : mayHaveBeenApplied(failure) ? 'failure' : undefined;
    const withOutcome = outcome ? { outcome } : {};
    switch (decision.action) {
      case 'pause_all':
        await deps.onEvent(failureEvent(failure, id, deps.gateway.pacer.pause?.ms ?? 0));
        return { kind: 'again_now' };
      case 'retry':
        p.at = deps.now() + decision.delayMs;
        await deps.onEvent({ ...failureEvent(failure, id, decision.delayMs), ambiguous: false });
        return { kind: 'later', ...withOutcome };
      case 'give_up':
        if (failure.kind !== 'invalid' && failure.kind !== 'not_found') await deps.onEvent({ ...failureEvent(failure, id, 0), ambiguous: false });
        await store.quotes.setState(jobId, id, 'failed', { reason: decision.reason });
        await deps.onEvent({ kind: 'failed', quoteId: id, message: decision.reason });
        return { kind: 'done', ...withOutcome };
      case 'stop_job':
        return { kind: 'stop', reason: decision.reason, targetProblem: failure.kind === 'forbidden' };
    }
  }
}
