import { describe, expect, it } from 'vitest';
import type { NotionFailure } from '../../../src/notion/failure.js';
import { applyRetryDecision, backoffMs, countsAsRateLimitWait, decideRetry, describeFailure, type RetryPolicy } from '../../../src/sync/resilience/retry.js';

const policy: RetryPolicy = { baseMs: 100, maxMs: 1000, maxAttempts: 4, maxRateLimitWaits: 3 };
const ctx = (over: Partial<Parameters<typeof decideRetry>[1]> = {}) => ({
  operation: 'create' as const,
  attempt: 1,
  rateLimitWaits: 0,
  policy,
  random: () => 0.5,
  ...over,
});
const f = (kind: string, extra: object = {}) => ({ kind, message: kind, status: 0, ...extra }) as NotionFailure;

describe('backoffMs', () => {
  it('doubles per attempt with equal jitter, capped', () => {
    expect(backoffMs(1, policy, () => 0)).toBe(50);
    expect(backoffMs(1, policy, () => 1)).toBe(100);
    expect(backoffMs(2, policy, () => 0)).toBe(100);
    expect(backoffMs(3, policy, () => 1)).toBe(400);
    expect(backoffMs(10, policy, () => 1)).toBe(1000);
    expect(backoffMs(10, policy, () => 0)).toBe(500);
  });
});

describe('decideRetry', () => {
  it('sends again after the pause the pacer holds, on 429 and 529', () => {
    expect(decideRetry(f('rate_limited', { retryAfterMs: 3000, limit: 'connection' }), ctx())).toEqual({ action: 'pause_all' });
    expect(decideRetry(f('overloaded', { retryAfterMs: 200 }), ctx())).toEqual({ action: 'pause_all' });
  });

  it('gives up after too many rate-limit answers in a row, but never for the workspace-wide limit', () => {
    expect(decideRetry(f('rate_limited', { limit: 'connection' }), ctx({ rateLimitWaits: 3 })).action).toBe('give_up');
    expect(decideRetry(f('overloaded'), ctx({ rateLimitWaits: 3 })).action).toBe('give_up');
    const workspace = f('rate_limited', { limit: 'workspace', retryAfterMs: 90_000 });
    expect(countsAsRateLimitWait(workspace)).toBe(false);
    expect(countsAsRateLimitWait(f('rate_limited', { limit: 'other' }))).toBe(true);
    expect(decideRetry(workspace, ctx({ rateLimitWaits: 30 }))).toEqual({ action: 'pause_all' });
    expect(describeFailure(workspace)).toBe("Notion's workspace-wide limit");
  });

  it('retries a 409 without a look-up: nothing was written', () => {
    expect(decideRetry(f('conflict'), ctx())).toEqual({ action: 'retry', delayMs: 75, lookupFirst: false });
  });

  it('looks a create up before retrying after 5xx, timeout or a dropped connection', () => {
    for (const kind of ['server', 'timeout', 'network']) {
      expect(decideRetry(f(kind), ctx())).toMatchObject({ action: 'retry', lookupFirst: true });
      expect(decideRetry(f(kind), ctx({ operation: 'read' }))).toMatchObject({ action: 'retry', lookupFirst: false });
    }
  });

  it('gives up at the attempt limit', () => {
    const d = decideRetry(f('conflict'), ctx({ attempt: 4 }));
    expect(d.action).toBe('give_up');
    expect(d.action === 'give_up' && d.reason).toContain('4 times');
  });

  it('stops the job on 401, 403 and 404 with a sentence to act on', () => {
    const unauthorized = decideRetry(f('unauthorized'), ctx());
    expect(unauthorized.action).toBe('stop_job');
    expect(unauthorized.action === 'stop_job' && unauthorized.reason).toContain('NOTION_TOKEN');
    for (const kind of ['forbidden', 'not_found']) {
      const d = decideRetry(f(kind, { status: kind === 'forbidden' ? 403 : 404 }), ctx());
      expect(d.action === 'stop_job' && d.reason).toContain('shared with the integration');
    }
  });

  it('fails one quote on a validation error, but stops on a bad read', () => {
    expect(decideRetry(f('invalid', { code: 'validation_error' }), ctx()).action).toBe('give_up');
    expect(decideRetry(f('invalid', { code: 'validation_error' }), ctx({ operation: 'read' })).action).toBe('stop_job');
  });
});

describe('applyRetryDecision', () => {
  const context = { operation: 'create' as const, policy, random: () => 0.5 };

  it('counts a failed attempt, not a rate-limit answer', () => {
    const counters = { attempts: 0, rateLimitWaits: 0 };
    applyRetryDecision(f('conflict'), counters, context);
    applyRetryDecision(f('overloaded', { retryAfterMs: 10 }), counters, context);
    expect(counters).toEqual({ attempts: 1, rateLimitWaits: 1 });
  });

  it('never counts the workspace-wide limit', () => {
    const counters = { attempts: 0, rateLimitWaits: 0 };
    for (let i = 0; i < 10; i++) {
      expect(applyRetryDecision(f('rate_limited', { limit: 'workspace' }), counters, context)).toEqual({ action: 'pause_all' });
    }
    expect(counters).toEqual({ attempts: 0, rateLimitWaits: 0 });
  });

  it('ends a run of rate-limit answers when it retries for another reason', () => {
    const counters = { attempts: 0, rateLimitWaits: 2 };
    expect(applyRetryDecision(f('server', { status: 502 }), counters, context).action).toBe('retry');
    expect(counters).toEqual({ attempts: 1, rateLimitWaits: 0 });
  });

  it('gives up at the attempt limit, counting the last attempt', () => {
    const counters = { attempts: 3, rateLimitWaits: 0 };
    expect(applyRetryDecision(f('conflict'), counters, context).action).toBe('give_up');
    expect(counters.attempts).toBe(4);
  });
});
