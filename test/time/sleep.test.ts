import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sleepEndingOnAbort, sleepRejectingOnAbort } from '../../src/time/sleep.js';

beforeEach(async () => {
  vi.useFakeTimers();
});
afterEach(async () => {
  vi.useRealTimers();
});

/** Whether the promise has settled, and how, once the microtasks queued so far have run. */
async function stateOf(promise: Promise<void>): Promise<'pending' | 'resolved' | 'rejected'> {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  promise.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await vi.advanceTimersByTimeAsync(0);
  return state;
}

describe('sleepEndingOnAbort', () => {
  it('resolves once the time has passed, not before', async () => {
    const pause = sleepEndingOnAbort(1000);
    await vi.advanceTimersByTimeAsync(999);
    expect(await stateOf(pause)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(await stateOf(pause)).toBe('resolved');
  });

  it('resolves at once when the signal aborts', async () => {
    const controller = new AbortController();
    const pause = sleepEndingOnAbort(60_000, controller.signal);
    controller.abort(new Error('stop'));
    expect(await stateOf(pause)).toBe('resolved');
  });

  it('resolves at once when the signal has already aborted', async () => {
    expect(await stateOf(sleepEndingOnAbort(60_000, AbortSignal.abort()))).toBe('resolved');
  });

  it('resolves at once for no time or a negative time', async () => {
    expect([await stateOf(sleepEndingOnAbort(0)), await stateOf(sleepEndingOnAbort(-5))]).toEqual(['resolved', 'resolved']);
  });

  it('leaves no timer behind when the signal cuts it short', async () => {
    const controller = new AbortController();
    const pause = sleepEndingOnAbort(60_000, controller.signal);
    controller.abort();
    await pause;
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('sleepRejectingOnAbort', () => {
  it('resolves once the time has passed, not before', async () => {
    const pause = sleepRejectingOnAbort(1000);
    await vi.advanceTimersByTimeAsync(999);
    expect(await stateOf(pause)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(await stateOf(pause)).toBe('resolved');
  });

  it("rejects with the signal's reason when it aborts", async () => {
    const controller = new AbortController();
    const reason = new Error('the app is stopping');
    const pause = sleepRejectingOnAbort(60_000, controller.signal);
    controller.abort(reason);
    await expect(pause).rejects.toBe(reason);
  });

  it('rejects at once when the signal has already aborted', async () => {
    const reason = new Error('already stopped');
    await expect(sleepRejectingOnAbort(60_000, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('leaves no timer behind when the signal cuts it short', async () => {
    const controller = new AbortController();
    const pause = sleepRejectingOnAbort(60_000, controller.signal);
    controller.abort();
    await pause.catch(() => undefined);
    expect(vi.getTimerCount()).toBe(0);
  });
});
