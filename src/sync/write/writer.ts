/**
 * The sequential writer: creates one page per quote, one request in flight at a time, paced by
 * the integration's queue. A quote that meets a 409 or 5xx waits out its back-off while the
 * next quotes keep the queue busy, so retries cost requests, not idle time. A create that may
 * have been applied (5xx, timeout, dropped connection) is never sent again before its quote id
 * has been looked up; those look-ups are batched into one filtered query of up to 100 ids.
 */
import { NotionTargetError, QuoteSyncError } from '../../errors.js';
import type { FieldPlan } from '../../notion/pages/field-plan.js';
import type { NotionPages } from '../../notion/gateway.js';
import type { StoredQuote } from '../../store/index.js';
import type { CircuitBreaker } from '../resilience/breaker.js';
import { createQuotePage, type CreateDeps, type QueuedQuote, type WriteItem } from './create-quote.js';
import { updateQuotePage } from './update-quote.js';
import { findPagesByQuoteId, LOOKUP_BATCH_SIZE } from './lookup.js';
import type { RetryRuntime } from '../resilience/requests.js';
import { describeTrip, failureEvent } from './writer-events.js';

/** Times in one run the writer tries to recover a target that answers 404 before it gives up. */
const MAX_TARGET_RECOVERIES = 3;

/** What recovery found: go on (perhaps into a new database, with quotes to write again), or give up. */
export type Recovery =
  | { ok: true; target: WriteTarget; requeue: StoredQuote[]; message: string }
  | { ok: false; reason: string };

export interface WriteTarget {
  dataSourceId: string;
  /** Property id of `Quote ID`, to fetch only that property in look-ups. */
  quoteIdPropertyId?: string;
  /** Where each field goes (our ten properties when absent). */
  plan?: FieldPlan;
}

export interface WriterDeps extends CreateDeps {
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  onProgress: () => Promise<void>;
  /** Pause between two quotes (the careful profile); 0 by default. */
  pauseBetweenQuotesMs?: number;
  /** Watches outcomes; while open, nothing is sent. */
  breaker?: CircuitBreaker;
  /** Every this many trips, ask for recovery (fresh client, database check); at three times it, give up. */
  recoverEveryTrips?: number;
  /** Fresh client, database check, recreation if it is gone. Also asked when the target answers 404. */
  recover?: (why: string) => Promise<Recovery>;
}

export type WriteResult =
  | { outcome: 'finished' }
  | { outcome: 'interrupted' }
  | { outcome: 'stopped'; reason: string };

export async function writeQuotes(items: WriteItem[], target: WriteTarget, deps: WriterDeps): Promise<WriteResult> {
  const { store, jobId, gateway } = deps;
  const ready: QueuedQuote[] = [];
  const waiting: QueuedQuote[] = [];
  const uncertain: QueuedQuote[] = [];
  for (const item of items) {
    const entry: QueuedQuote = { item, attempts: 0, rateLimitWaits: 0, at: 0 };
    (item.state === 'pending' || item.update ? ready : uncertain).push(entry);
  }
  ready.reverse(); // pop() from the end keeps input order
  const runtime: RetryRuntime<NotionPages> = {
    gateway,
    policy: deps.policy,
    random: deps.random,
    sleep: deps.sleep,
    ...(deps.signal ? { signal: deps.signal } : {}),
    onFailure: (failure, _what, waitMs) => deps.onEvent(failureEvent(failure, undefined, waitMs)),
  };
  let first = true;
  let current = target;
  let targetRecoveries = 0;
  const recoverEvery = deps.recoverEveryTrips ?? 3;

  /** Recovery: on success, write on (maybe elsewhere); otherwise the job stops with the reason. */
  const recover = async (why: string): Promise<WriteResult | undefined> => {
    const result = deps.recover ? await deps.recover(why) : { ok: false as const, reason: why };
    if (!result.ok) return { outcome: 'stopped', reason: result.reason };
    await deps.onEvent({ kind: 'recovered', message: result.message });
    current = result.target;
    for (const item of result.requeue) ready.push({ item, attempts: 0, rateLimitWaits: 0, at: 0 });
    return undefined;
  };

  while (ready.length + waiting.length + uncertain.length > 0) {
    if (deps.signal?.aborted) return { outcome: 'interrupted' };
    const gate = deps.breaker?.gate();
    if (gate && !gate.allowed) {
      await deps.sleep(gate.waitMs, deps.signal);
      continue;
    }
    const now = deps.now();
    const dueUncertain = uncertain.filter((p) => p.at <= now);
    const due = takeDue(waiting, now);

    if (dueUncertain.length > 0 && (dueUncertain.length >= LOOKUP_BATCH_SIZE || (!due && ready.length === 0))) {
      const batch = dueUncertain.slice(0, LOOKUP_BATCH_SIZE);
      for (const p of batch) uncertain.splice(uncertain.indexOf(p), 1);
      if (due) waiting.push(due);
      let result: { absent: QueuedQuote[] };
      try {
        result = await resolveUncertain(batch, current, deps, runtime);
      } catch (error) {
        // The quotes stay uncertain in the store: a resume looks them up again.
        uncertain.push(...batch);
        if (deps.signal?.aborted) return { outcome: 'interrupted' };
        if (!(error instanceof QuoteSyncError)) throw error;
        // A look-up that cannot reach the database is a target problem like a create's 404.
        targetRecoveries += 1;
        if (error instanceof NotionTargetError && deps.recover && targetRecoveries <= MAX_TARGET_RECOVERIES) {
          const stop = await recover(error.message);
          if (stop) return stop;
          continue;
        }
        return { outcome: 'stopped', reason: error.message };
      }
      for (const p of result.absent) {
        if (p.failIfAbsent) {
          await store.quotes.setState(jobId, p.item.quote.id, 'failed', { reason: p.failIfAbsent });
          await deps.onEvent({ kind: 'failed', quoteId: p.item.quote.id, message: p.failIfAbsent });
        } else {
          await store.quotes.setState(jobId, p.item.quote.id, 'pending');
          ready.push(p);
        }
      }
      await deps.onProgress();
      continue;
    }

    const next = due ?? ready.pop();
    if (!next) {
      const wakeAt = Math.min(...waiting.map((p) => p.at), ...uncertain.map((p) => p.at));
      await deps.sleep(Math.max(0, wakeAt - now), deps.signal);
      continue;
    }

    if (!first && deps.pauseBetweenQuotesMs) await deps.sleep(deps.pauseBetweenQuotesMs, deps.signal);
    first = false;
    if (deps.signal?.aborted) {
      ready.push(next);
      return { outcome: 'interrupted' };
    }

    const result = await (next.item.update ? updateQuotePage(next, deps) : createQuotePage(next, current, deps));
    if (deps.breaker && result.outcome) {
      const change = deps.breaker.record(result.outcome);
      if (change.opened) {
        await deps.onEvent({ kind: 'breaker_open', trip: change.opened, message: describeTrip(change.opened) });
        const trips = change.opened.trip;
        if (trips >= recoverEvery * 3) {
          return {
            outcome: 'stopped',
            reason: `Notion kept failing: the circuit breaker opened ${trips} times, and recovery did not help.`,
          };
        }
        if (trips % recoverEvery === 0) {
          const stop = await recover(`the circuit breaker opened ${trips} times`);
          if (stop) return stop;
        }
      } else if (change.closed) {
        await deps.onEvent({ kind: 'breaker_closed', message: 'A probe quote was written: writing resumes.' });
      }
    }
    switch (result.kind) {
      case 'done':
        break;
      case 'again_now':
        ready.push(next);
        break;
      case 'later':
        waiting.push(next);
        break;
      case 'look_up':
        uncertain.push(next);
        break;
      case 'stop': {
        // The target is gone or unshared: recovery may recreate it; a bad token cannot be mended here.
        targetRecoveries += 1;
        if (result.targetProblem && deps.recover && targetRecoveries <= MAX_TARGET_RECOVERIES) {
          const stop = await recover(result.reason);
          if (stop) return stop;
          ready.push(next);
          break;
        }
        return { outcome: 'stopped', reason: result.reason };
      }
    }
    await deps.onProgress();
  }
  return { outcome: 'finished' };
}

/** Looks a batch of quote ids up in one query; marks the ones found as written. Returns the others. */
async function resolveUncertain(
  batch: QueuedQuote[],
  target: WriteTarget,
  deps: WriterDeps,
  runtime: RetryRuntime<NotionPages>,
): Promise<{ absent: QueuedQuote[] }> {
  const ids = batch.map((p) => p.item.quote.id);
  await deps.onEvent({ kind: 'lookup', message: `looking up ${ids.length} quote(s) whose create may have been applied` });
  const found = await findPagesByQuoteId(ids, target, runtime);
  const absent: QueuedQuote[] = [];
  for (const p of batch) {
    const pageId = found.get(p.item.quote.id)?.id;
    if (pageId) await deps.store.quotes.setState(deps.jobId, p.item.quote.id, 'written', { pageId });
    else absent.push(p);
  }
  return { absent };
}

function takeDue(waiting: QueuedQuote[], now: number): QueuedQuote | undefined {
  let best = -1;
  for (let i = 0; i < waiting.length; i++) {
    if (waiting[i]!.at <= now && (best < 0 || waiting[i]!.at < waiting[best]!.at)) best = i;
  }
  return best < 0 ? undefined : waiting.splice(best, 1)[0];
}

