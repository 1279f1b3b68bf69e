/** Starting a flow while the plan's runs are busy, against the local Gumloop at its concurrency limit. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GumloopBusyError, GumloopNotFoundError, GumloopRequestError } from '../../src/errors.js';
import { GumloopClient } from '../../src/gumloop/client.js';
import { isLostStartAnswer, isRunLimitError, pauseBeforeNextStartMs, startWhenSlotFrees, type StartWhenFreeOptions } from '../../src/gumloop/start.js';
import { startGumloopServer, type LocalGumloop } from '../fakes/local-gumloop.js';

let gumloop: LocalGumloop;
let blocker: string;
beforeEach(async () => {
  gumloop = await startGumloopServer({ concurrentRuns: 1 });
  gumloop.defineFlow('slow', { outputs: {}, finishesWhenTold: true });
  gumloop.defineFlow('flow-1', { outputs: { quotes: '[]' } });
  // Another run of the organisation holds the plan's one slot.
  blocker = gumloop.startRun('slow').runId;
});
afterEach(() => gumloop.close());

const client = () => new GumloopClient({ apiUrl: gumloop.url, apiKey: gumloop.apiKey, userId: gumloop.userId });

/** A clock that moves only when the start sleeps; `onSleep` runs at each pause (say, to free a slot). */
function waiting(onSleep: (pause: number) => void = () => undefined, overrides: Partial<StartWhenFreeOptions> = {}) {
  let t = 1_000_000;
  const slept: number[] = [];
  const busy: GumloopRequestError[] = [];
  const options: StartWhenFreeOptions = {
    timeoutMs: 60_000,
    initialDelayMs: 1_000,
    maxDelayMs: 4_000,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
      onSleep(slept.length);
    },
    onBusy: (error) => void busy.push(error),
    ...overrides,
  };
  return { options, slept, busy };
}

const statuses = () => gumloop.starts().map((r) => r.status);

describe('startWhenSlotFrees', () => {
  it('starts again, pausing longer each time, while the plan\'s runs are busy; tells of the first rejection only', async () => {
    const w = waiting((pause) => pause === 3 && gumloop.finishRun(blocker));
    const started = await startWhenSlotFrees(client(), 'flow-1', [], w.options);
    expect(started.runId).toBe(gumloop.runs[1]!.runId);
    expect(statuses()).toEqual([429, 429, 429, 200]);
    expect(w.slept).toEqual([1_000, 2_000, 4_000]);
    expect(w.busy).toHaveLength(1);
    expect(w.busy[0]).toMatchObject({ status: 429, message: expect.stringContaining('Concurrent run limit reached') });
  });

  it('waits at least the Retry-After Gumloop asks for', async () => {
    gumloop.limitConcurrentRuns(1, { busyRetryAfterSeconds: 3 });
    const w = waiting(() => gumloop.finishRun(blocker));
    await startWhenSlotFrees(client(), 'flow-1', [], w.options);
    expect(w.slept).toEqual([3_000]);
    expect(statuses()).toEqual([429, 200]);
  });

  it('gives up with a sentence when no slot frees within the wait, trying once right at the deadline', async () => {
    const w = waiting(undefined, { timeoutMs: 5_000 });
    const error = await startWhenSlotFrees(client(), 'flow-1', [], w.options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GumloopBusyError);
    expect((error as GumloopBusyError).message).toBe(
      'Gumloop was still running as many flows as the plan allows after 5 seconds, so the flow flow-1 did not start (nothing ran). ' +
        "Start it again once a run has finished in Gumloop, or raise the plan's limit on runs at once.",
    );
    expect(w.slept).toEqual([1_000, 2_000, 2_000]);
    expect(statuses()).toEqual([429, 429, 429, 429]);
    expect((error as GumloopBusyError).rejections).toBe(4);
  });

  it('does not start again before a Retry-After that ends past the deadline', async () => {
    gumloop.limitConcurrentRuns(1, { busyRetryAfterSeconds: 10 });
    const w = waiting(undefined, { timeoutMs: 5_000 });
    await expect(startWhenSlotFrees(client(), 'flow-1', [], w.options)).rejects.toBeInstanceOf(GumloopBusyError);
    expect(w.slept).toEqual([]);
    expect(statuses()).toEqual([429]);
  });

  it('never sends a start again after its answer was lost: the flow may have started', async () => {
    const w = waiting(() => {
      gumloop.finishRun(blocker);
      gumloop.injectNext('drop-after');
    });
    const error = await startWhenSlotFrees(client(), 'flow-1', [], w.options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GumloopRequestError);
    expect((error as Error).message).toMatch(/^Gumloop did not confirm starting the flow flow-1 \(no answer came\), so it may have started\. Quote Sync does not start it again/);
    expect(statuses()).toEqual([429, -1]);
    // The lost answer's run did start in Gumloop: a second start would have made two.
    expect(gumloop.runs.filter((r) => r.savedItemId === 'flow-1')).toHaveLength(1);
  });

  it('never sends a start again after a server error either', async () => {
    const w = waiting(() => gumloop.injectNext(502));
    const error = await startWhenSlotFrees(client(), 'flow-1', [], w.options).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, message: expect.stringContaining('(it answered HTTP 502), so it may have started') });
    expect(statuses()).toEqual([429, 502]);
  });

  it('throws any other refusal as it came, without a second start', async () => {
    gumloop.finishRun(blocker);
    await expect(startWhenSlotFrees(client(), 'no-such-flow', [], waiting().options)).rejects.toBeInstanceOf(GumloopNotFoundError);
    expect(statuses()).toEqual([404]);
  });

  it('stops waiting for a slot when its signal aborts, and starts nothing more', async () => {
    const stop = new AbortController();
    const w = waiting(undefined, { signal: stop.signal, sleep: async (_ms, signal) => {
      stop.abort(new Error('stopping'));
      signal?.throwIfAborted();
    } });
    await expect(startWhenSlotFrees(client(), 'flow-1', [], w.options)).rejects.toThrow('stopping');
    expect(statuses()).toEqual([429]);
  });

  it('validates its timings', async () => {
    await expect(startWhenSlotFrees(client(), 'flow-1', [], { ...waiting().options, initialDelayMs: 0 })).rejects.toThrow(
      "startWhenSlotFrees's initialDelayMs must be a positive number of milliseconds, got 0 (number).",
    );
    expect(gumloop.starts()).toEqual([]);
  });
});

describe('the start decisions', () => {
  it('tells the concurrency limit from an answer that was lost', () => {
    expect(isRunLimitError(new GumloopRequestError('busy', 429))).toBe(true);
    expect(isRunLimitError(new GumloopRequestError('down', 503))).toBe(false);
    expect(isLostStartAnswer(new GumloopRequestError('no answer', undefined))).toBe(true);
    expect(isLostStartAnswer(new GumloopRequestError('down', 500))).toBe(true);
    expect(isLostStartAnswer(new GumloopRequestError('busy', 429))).toBe(false);
    expect(isLostStartAnswer(new GumloopRequestError('bad', 400))).toBe(false);
  });

  it('pauses for the longer of its own pause and Retry-After', () => {
    expect(pauseBeforeNextStartMs(1_000, undefined)).toBe(1_000);
    expect(pauseBeforeNextStartMs(1_000, 3_000)).toBe(3_000);
    expect(pauseBeforeNextStartMs(4_000, 0)).toBe(4_000);
  });
});
