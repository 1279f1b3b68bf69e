/**
 * One pacer per Notion integration. What an earlier job of the integration learned of Notion's
 * budget is read from the store, and what this one learns is written back, so the next job (in
 * this process or another) starts within the budget.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config.js';
import { refusalOf } from '../notion/failure.js';
import { RequestPacer } from '../notion/pacer.js';
import type { JobStore } from '../store/index.js';

/** Names the integration (API and token) in the store without keeping its token: a hash. */
export function integrationKey(config: Config): string {
  return createHash('sha256').update(`${config.notion.apiUrl}\n${config.notion.token ?? ''}`).digest('hex').slice(0, 32);
}

export function integrationPacer(config: Config, store: JobStore): RequestPacer {
  const integration = integrationKey(config);
  const learned = store.rateBudgets.get(integration);
  return new RequestPacer({
    requestsPerSecond: config.notion.requestsPerSecond,
    recoveryMs: config.notion.rateRecoveryMs,
    windowMs: config.notion.rateWindowMs,
    fallbackWaitMs: Math.max(1, config.notion.retryBaseMs),
    refusalOf,
    ...(learned ? { learned } : {}),
    onLearned: (budget) => store.rateBudgets.save(integration, budget),
  });
}
