import { describe, expect, it } from 'vitest';
import { RequestPacer } from '../../../src/notion/pacing/pacer.js';
import { RequestsBlockedError, type Refusal } from '../../../src/notion/pacing/refusals.js';
import type { LearnedWindow } from '../../../src/notion/pacing/window-budget.js';

describe('RequestPacer', () => {
  it('refuses a rate that is not a positive number, showing it', async () => {
    expect(() => new RequestPacer({ requestsPerSecond: 0 })).toThrow(/got 0 \(number\)/);
    expect(() => new RequestPacer({ requestsPerSecond: Number.NaN })).toThrow(/NaN/);
  });

  it('runs one request at a time at the rate on average, never more than two in two intervals', async () => {
    const pacer = new RequestPacer({ requestsPerSecond: 100 }); // 10 ms apart
    const starts: number[] = [];
    let running = 0;
    let maxRunning = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        pacer.run(async () => {
          running += 1;
          maxRunning = Math.max(maxRunning, running);
          starts.push(performance.now());
          await Promise.resolve();
          running -= 1;
        }),
      ),
    );
    expect(maxRunning).toBe(1);
    // Slots follow an ideal timeline: a late timer is made up by the next gap, but no request ever
    // starts ahead of the timeline (allowing for how late the first one fired).
    for (let k = 1; k < starts.length; k++) expect(starts[k]! - starts[0]!).toBeGreaterThanOrEqual(k * 10 - 3);
  });

  it('holds every queued request during a pause, extending but never shortening it', async () => {
    let now = 0;
    const timers: { fn: () => void; ms: number }[] = [];
    const pacer = new RequestPacer({
      requestsPerSecond: 1000,
      now: () => now,
      setTimer: (fn, ms) => {
        timers.push({ fn, ms });
        return {};
      },
      clearTimer: () => undefined,
    });
    pacer.pauseFor(500);
    expect(pacer.isPaused).toBe(true);
    pacer.pauseFor(100); // shorter: ignored
    expect(timers).toHaveLength(1);
    let ran = false;
    const done = pacer.run(async () => {
      ran = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(ran).toBe(false);
    now = 50;
    pacer.pauseFor(900); // ends later: replaces the timer
    expect(timers).toHaveLength(2);
    timers[1]!.fn();
    await done;
    expect(ran).toBe(true);
    expect(pacer.isPaused).toBe(false);
  });
});


describe('RequestPacer timeline', () => {
  it('keeps the average at the rate when timers fire early (Node truncates fractional delays)', async () => {
    let now = 0;
    const sends: number[] = [];
    const pacer = new RequestPacer({
      requestsPerSecond: 60,
      now: () => now,
      // A timer that fires up to a millisecond early, as setTimeout(fn, 16.67) does.
      sleep: async (ms) => void (now += Math.floor(ms)),
    });
    for (let i = 0; i <= 60; i++) await pacer.run(async () => void sends.push(now));
    // 61 requests at 60 a second span a whole second: the early timers did not add up.
    expect(sends.at(-1)! - sends[0]!).toBeGreaterThanOrEqual(999);
  });
});

/** A refusal as the pacer reads it from a failed request. */
class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super('refused');
  }
}
const refusalOf = (error: unknown) => (error instanceof Refused ? error.refusal : undefined);

describe('RequestPacer refusals', () => {
  it('pauses the queue before the next request can start, for the time Notion asked', async () => {
    const pacer = new RequestPacer({ requestsPerSecond: 1000, refusalOf });
    const order: string[] = [];
    const first = pacer.run(async () => {
      order.push('first');
      throw new Refused({ limit: 'overloaded', retryAfterMs: 60 });
    });
    const second = pacer.run(async () => void order.push('second'));
    await expect(first).rejects.toBeInstanceOf(Refused);
    expect(pacer.pause).toMatchObject({ limit: 'overloaded' });
    expect(pacer.pause!.ms).toBeGreaterThan(30);
    expect(order).toEqual(['first']);
    await second;
    expect(order).toEqual(['first', 'second']);
    expect(pacer.pause).toBeUndefined();
  });

  it('waits out a workspace-wide 429 without slowing down or learning a budget', async () => {
    const pacer = new RequestPacer({ requestsPerSecond: 500, windowMs: 1000, refusalOf });
    await pacer.run(async () => undefined);
    await expect(pacer.run(async () => Promise.reject(new Refused({ limit: 'workspace', retryAfterMs: 20 })))).rejects.toThrow();
    expect(pacer.pause?.limit).toBe('workspace');
    await pacer.run(async () => undefined);
    expect(pacer.requestsPerSecond).toBe(500);
    expect(pacer.windowBudget).toBeUndefined();
  });

  it('slows down for a 429 without Retry-After, pausing for the fallback that doubles while they repeat', async () => {
    let now = 0;
    const pauses: number[] = [];
    const pacer = new RequestPacer({
      requestsPerSecond: 100,
      fallbackWaitMs: 10,
      refusalOf,
      now: () => now,
      setTimer: (fn, ms) => {
        pauses.push(ms);
        fn();
        return {};
      },
      sleep: async () => undefined,
    });
    for (let i = 0; i < 3; i++) {
      now += 1000;
      await expect(pacer.run(async () => Promise.reject(new Refused({ limit: 'connection', retryAfterMs: undefined })))).rejects.toThrow();
    }
    expect(pauses).toEqual([10, 20, 40]);
    expect(pacer.requestsPerSecond).toBeLessThan(100);
  });

  it('learns the window budget from a refusal and remembers it', async () => {
    let now = 0;
    const remembered: LearnedWindow[] = [];
    const pacer = new RequestPacer({
      requestsPerSecond: 1000,
      windowMs: 1000,
      refusalOf,
      now: () => now,
      setTimer: () => ({}),
      sleep: async (ms) => void (now += ms),
      onLearned: (l) => void remembered.push(l),
    });
    for (let i = 0; i < 20; i++) {
      await pacer.run(async () => undefined);
      now += 10;
    }
    // The 21st is refused 200 ms into the window that opened with the first: it resets in 800 ms.
    await expect(pacer.run(async () => Promise.reject(new Refused({ limit: 'connection', retryAfterMs: 800 })))).rejects.toThrow();
    expect(pacer.windowBudget).toBe(20);
    expect(pacer.requestsPerSecond).toBe(1000);
    expect(remembered.at(-1)).toMatchObject({ budget: 20, windowMs: 1000 });
    expect(remembered.at(-1)!.recentSends).toHaveLength(20);
  });

  it('takes a request that was not sent out of the queue when its signal aborts; one already sent finishes', async () => {
    const pacer = new RequestPacer({ requestsPerSecond: 1000, refusalOf });
    const controller = new AbortController();
    let release!: () => void;
    const inFlight = pacer.run(() => new Promise<string>((resolve) => (release = () => resolve('done'))), controller.signal);
    const queued = pacer.run(async () => 'never', controller.signal);
    await new Promise((r) => setImmediate(r));
    controller.abort(new Error('stop'));
    await expect(queued).rejects.toThrow('stop');
    release();
    await expect(inFlight).resolves.toBe('done');
  });

  it("holds only the endpoint whose own limit refused a request; the others pass, and the window learns nothing from it", async () => {
    const pacer = new RequestPacer({ requestsPerSecond: 1000, windowMs: 1000, refusalOf });
    const order: string[] = [];
    const creates = { endpoint: 'POST /v1/pages' };
    const queries = { endpoint: 'POST /v1/data_sources/:id/query' };
    await expect(
      pacer.run(async () => Promise.reject(new Refused({ limit: 'endpoint', retryAfterMs: 80, endpoint: creates.endpoint })), undefined, creates),
    ).rejects.toBeInstanceOf(Refused);
    expect(pacer.pause).toBeUndefined();
    expect(pacer.endpointPause(creates.endpoint)).toMatchObject({ limit: 'endpoint' });
    const create = pacer.run(async () => void order.push('create'), undefined, creates);
    const query = pacer.run(async () => void order.push('query'), undefined, queries);
    await query;
    expect(order).toEqual(['query']);
    await create;
    expect(order).toEqual(['query', 'create']);
    expect(pacer.windowBudget).toBeUndefined();
    expect(pacer.requestsPerSecond).toBe(1000);
  });

  it('a request queued before its endpoint was held is not sent until the hold ends', async () => {
    const pacer = new RequestPacer({ requestsPerSecond: 1000, refusalOf });
    const creates = { endpoint: 'POST /v1/pages' };
    const sent: number[] = [];
    const refused = pacer.run(async () => Promise.reject(new Refused({ limit: 'endpoint', retryAfterMs: 60, endpoint: creates.endpoint })), undefined, creates);
    const queued = pacer.run(async () => void sent.push(Date.now()), undefined, creates);
    const heldUntil = Date.now() + 60;
    await expect(refused).rejects.toThrow();
    await queued;
    expect(sent[0]!).toBeGreaterThanOrEqual(heldUntil - 5);
  });

  it("once Notion blocks the integration's requests, those of jobs asked for before it fail unsent; later ones go", async () => {
    const blocks: number[] = [];
    let now = 1000;
    const pacer = new RequestPacer({ requestsPerSecond: 1000, refusalOf, now: () => now, sleep: async () => undefined, onBlocked: (at) => void blocks.push(at) });
    const job = { askedAt: 900 };
    await expect(pacer.run(async () => Promise.reject(new Refused({ limit: 'blocked', retryAfterMs: undefined })), undefined, job)).rejects.toBeInstanceOf(Refused);
    expect(blocks).toEqual([1000]);
    expect(pacer.blockedAt).toBe(1000);
    let sent = 0;
    await expect(pacer.run(async () => void (sent += 1), undefined, job)).rejects.toBeInstanceOf(RequestsBlockedError);
    await expect(pacer.run(async () => void (sent += 1), undefined, { askedAt: 1000 })).rejects.toBeInstanceOf(RequestsBlockedError);
    expect(sent).toBe(0);
    now = 2000;
    await pacer.run(async () => void (sent += 1), undefined, { askedAt: 1500 });
    // Requests of no job (a Home tab check, a search) are not held by it.
    await pacer.run(async () => void (sent += 1));
    expect(sent).toBe(2);
    // Not a pause: the queue goes on for everyone else.
    expect(pacer.pause).toBeUndefined();
  });

  it('takes a block another process met from the store at start', async () => {
    const pacer = new RequestPacer({ requestsPerSecond: 1000, blockedAt: 5000 });
    await expect(pacer.run(async () => 'sent', undefined, { askedAt: 4000 })).rejects.toBeInstanceOf(RequestsBlockedError);
    await expect(pacer.run(async () => 'sent', undefined, { askedAt: 6000 })).resolves.toBe('sent');
  });

  it('tells its observer how long each request waited for its slot, from its first ask, a pause included', async () => {
    let now = 0;
    const timers: (() => void)[] = [];
    const waits: { endpoint: string | undefined; ms: number }[] = [];
    const pacer = new RequestPacer({
      requestsPerSecond: 1000,
      now: () => now,
      setTimer: (fn) => timers.push(fn),
      clearTimer: () => undefined,
      observe: { waited: (w) => waits.push(w) },
    });
    await pacer.run(async () => 'at once', undefined, { endpoint: 'POST /v1/pages' });
    pacer.pauseFor(700, 'workspace');
    const held = pacer.run(async () => 'after the pause', undefined, { endpoint: 'POST /v1/search' });
    now = 700;
    timers[0]!();
    await held;
    expect(waits).toEqual([
      { endpoint: 'POST /v1/pages', ms: 0 },
      { endpoint: 'POST /v1/search', ms: 700 },
    ]);
    expect(pacer.observer?.waited).toBeDefined();
  });

  it('close() clears the pause timer, so nothing holds the process', async () => {
    const cleared: unknown[] = [];
    const handle = { id: 1 };
    const pacer = new RequestPacer({ requestsPerSecond: 10, setTimer: () => handle, clearTimer: (h) => cleared.push(h) });
    pacer.pauseFor(90_000, 'workspace');
    await pacer.close();
    expect(cleared).toEqual([handle]);
  });
});
