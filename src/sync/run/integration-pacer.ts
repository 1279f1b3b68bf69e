/**
 * One pacer per Notion integration. What an earlier job of the integration learned of Notion's
 * budget is read from the store, and what this one learns is written back, so the next job (in
 * this process or another) starts within the budget. When replicas share the store (PostgreSQL),
 * they share the budget itself through its rate ledger: all of them together keep within it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../../config.js';
import { refusalOf } from '../../notion/failure.js';
import type { NotionObserver } from '../../notion/pacing/observer.js';
import { RequestPacer } from '../../notion/pacing/pacer.js';
import type { SharedBudget } from '../../notion/pacing/shared-budget.js';
import type { JobStore } from '../../store/index.js';

/** Names the integration (API and token) in the store without keeping its token: a hash. */
export function integrationKey(config: Config): string {
  return createHash('sha256').update(`${config.notion.apiUrl}\n${config.notion.token ?? ''}`).digest('hex').slice(0, 32);
}

/** The integration's budget as the store's rate ledger keeps it for every replica. */
export function sharedBudget(store: JobStore, integration: string): SharedBudget {
  const replica = randomBytes(6).toString('hex');
  let sequence = 0;
  return {
    async reserve(request) {
      sequence += 1;
      const ref = `${replica}:${sequence}`;
      const taken = await store.rateLedgers.reserve(integration, { ...request, ref });
      return { ...taken, release: () => store.rateLedgers.unsend(integration, taken.slot, ref) };
    },
    pause: (until) => store.rateLedgers.pause(integration, until),
    learned: (budget, windowMs) => store.rateLedgers.learned(integration, budget, windowMs),
    history: (since) => store.rateLedgers.history(integration, since),
    blocked: (at) => store.rateBudgets.block(integration, at),
  };
}

/** `observe`: told of every request of the integration (the app's metrics); the command line passes none. */
export async function integrationPacer(config: Config, store: JobStore, observe?: NotionObserver): Promise<RequestPacer> {
  const integration = integrationKey(config);
  const learned = await store.rateBudgets.get(integration);
  const blockedAt = await store.rateBudgets.blockedAt(integration);
  return new RequestPacer({
    requestsPerSecond: config.notion.requestsPerSecond,
    recoveryMs: config.notion.rateRecoveryMs,
    windowMs: config.notion.rateWindowMs,
    fallbackWaitMs: Math.max(1, config.notion.retryBaseMs),
    refusalOf,
    ...(observe ? { observe } : {}),
    ...(learned ? { learned } : {}),
    onLearned: (budget) => store.rateBudgets.save(integration, budget),
    ...(blockedAt !== undefined ? { blockedAt } : {}),
    // Shared, the ledger tells every replica (and the next process); alone, the store tells the next process.
    ...(store.shared ? {} : { onBlocked: (at: number) => store.rateBudgets.block(integration, at) }),
    ...(store.shared ? { shared: sharedBudget(store, integration) } : {}),
  });
}
