/**
 * What the writer tells the engine as it goes (recorded as job events, shown in the thread and on
 * the terminal), and the sentences that go with them.
 */
import { mayHaveBeenApplied, type NotionFailure } from '../../notion/failure.js';
import type { JobEventKind } from '../../store/index.js';
import { waitInSeconds } from '../../time/duration.js';
import type { BreakerTrip } from '../resilience/breaker.js';
import { describeFailure, endpointWords } from '../resilience/retry.js';

/** The job events the writer records; the engine records the others. */
export type WriterEventKind = Exclude<JobEventKind, 'recovery' | 'database_recreated'>;

export interface WriterEvent {
  kind: WriterEventKind;
  quoteId?: string;
  /** For waits: how long the queue or the quote waits. */
  waitMs?: number;
  /** For failures on a create: whether it may have been applied (a look-up follows). */
  ambiguous?: boolean;
  /** For breaker events: the numbers behind the trip. */
  trip?: BreakerTrip;
  message: string;
}


/** A failed request as an event: its kind, the wait it caused, and whether a create may have been applied. */
export function failureEvent(failure: NotionFailure, quoteId: string | undefined, waitMs: number): WriterEvent {
  if (failure.kind === 'rate_limited' && failure.limit === 'workspace') {
    return {
      kind: 'workspace_limited',
      ...(quoteId ? { quoteId } : {}),
      waitMs,
      ambiguous: false,
      message: `${describeFailure(failure)}: waiting ${waitInSeconds(waitMs)}`,
    };
  }
  if (failure.kind === 'rate_limited' && failure.limit === 'endpoint') {
    // Only that endpoint's requests wait, for as long as Notion said; the rest go on.
    const held = failure.retryAfterMs ?? waitMs;
    return {
      kind: 'endpoint_limited',
      ...(quoteId ? { quoteId } : {}),
      waitMs: held,
      ambiguous: false,
      message: `${describeFailure(failure)}: ${endpointWords(failure.endpoint)} wait ${waitInSeconds(held)}; other requests go on`,
    };
  }
  const kind: WriterEventKind =
    failure.kind === 'server'
      ? 'server_error'
      : failure.kind === 'conflict' || failure.kind === 'rate_limited' || failure.kind === 'overloaded' ||
          failure.kind === 'timeout' || failure.kind === 'network'
        ? failure.kind
        : 'failed';
  return {
    kind,
    ...(quoteId ? { quoteId } : {}),
    waitMs,
    ambiguous: quoteId !== undefined && mayHaveBeenApplied(failure),
    message: describeFailure(failure),
  };
}

/** The breaker's alert: why it opened, with the numbers, and when it will try again. */
export function describeTrip(trip: BreakerTrip): string {
  const why =
    trip.reason === 'conflicts'
      ? `${Math.round(trip.conflictShare * 100)}% of the last ${trip.windowSize} writes met a conflict (409)`
      : trip.reason === 'failures'
        ? `${trip.consecutiveFailures} writes in a row failed (5xx, timeouts or dropped connections)`
        : 'the probe write failed';
  return `Circuit breaker opened (trip ${trip.trip}): ${why}. Writing pauses; one probe quote in ${waitInSeconds(trip.cooldownMs)}.`;
}
