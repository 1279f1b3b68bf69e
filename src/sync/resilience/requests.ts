/**
 * Reads and set-up calls (retrieve, query, create database) with the writer's retry policy.
 * Reads are safe to repeat, so every transient failure is retried after its back-off.
 */
import { NotionRequestError, NotionTargetError, NotionUnauthorizedError } from '../../errors.js';
import { classifyNotionError, type NotionFailure } from '../../notion/failure.js';
import type { NotionGateway, PacedGateway } from '../../notion/gateway.js';
import { applyRetryDecision, describeFailure, type RetryCounters, type RetryPolicy } from './retry.js';

export interface RetryRuntime<G extends PacedGateway = NotionGateway> {
  gateway: G;
  policy: RetryPolicy;
  random: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  /** Told of every failed request and what was decided, for events and progress. */
  onFailure?: (failure: NotionFailure, what: string, waitMs: number) => Promise<void> | void;
}

/** Runs a read or set-up call until it succeeds; throws a QuoteSyncError when it cannot. */
export async function withRetries<T>(
  what: string,
  call: () => Promise<T>,
  runtime: RetryRuntime<PacedGateway>,
  targetId = '',
): Promise<T> {
  const counters: RetryCounters = { attempts: 0, rateLimitWaits: 0 };
  for (;;) {
    try {
      return await call();
    } catch (error) {
      const failure = classifyNotionError(error);
      if (!failure) throw error;
      const decision = applyRetryDecision(failure, counters, { operation: 'read', policy: runtime.policy, random: runtime.random });
      switch (decision.action) {
        case 'pause_all':
          await runtime.onFailure?.(failure, what, runtime.gateway.pacer.pause?.ms ?? 0);
          break;
        case 'retry':
          await runtime.onFailure?.(failure, what, decision.delayMs);
          await runtime.sleep(decision.delayMs, runtime.signal);
          break;
        case 'give_up':
          throw new NotionRequestError(`Could not ${what}: ${decision.reason}`, statusOf(failure), failure.kind);
        case 'stop_job':
          throw stopError(failure, decision.reason, targetId);
      }
      if (runtime.signal?.aborted) throw runtime.signal.reason ?? new Error('aborted');
    }
  }
}

export function stopError(failure: NotionFailure, reason: string, targetId: string): Error {
  if (failure.kind === 'unauthorized') return new NotionUnauthorizedError(reason);
  if (failure.kind === 'forbidden' || failure.kind === 'not_found') return new NotionTargetError(reason, targetId, failure.status);
  return new NotionRequestError(reason || describeFailure(failure), statusOf(failure), failure.kind);
}

function statusOf(failure: NotionFailure): number | undefined {
  return 'status' in failure ? failure.status : undefined;
}
