import { describe, expect, it } from 'vitest';
import { RequestPacer } from '../../src/notion/pacer.js';

describe('RequestPacer', () => {
  it('refuses a rate that is not a positive number, showing it', () => {
    expect(() => new RequestPacer({ requestsPerSecond: 0 })).toThrow(/got 0 \(number\)/);
    expect(() => new RequestPacer({ requestsPerSecond: Number.NaN })).toThrow(/NaN/);
  });

  it('runs one request at a time, evenly spaced: never two within one interval', async () => {
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
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    // Timers may fire up to ~1 ms early against the clock; never a burst.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(8.5);
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
