import { describe, expect, it } from 'vitest';
import { RequestPacer } from '../../src/notion/pacer.js';

describe('RequestPacer', () => {
  it('refuses a rate that is not a positive number, showing it', () => {
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

describe('RequestPacer adaptive rate', () => {
  it('lowers the rate by a tenth per 429 and climbs back a step per quiet spell, never above the ceiling', () => {
    let now = 0;
    const pacer = new RequestPacer({ requestsPerSecond: 30, recoveryMs: 1000, now: () => now });
    pacer.rateLimited();
    expect(pacer.requestsPerSecond).toBeCloseTo(27);
    now = 200;
    pacer.rateLimited();
    expect(pacer.requestsPerSecond).toBeCloseTo(24.3);
    return (async () => {
      now = 700;
      await pacer.run(async () => undefined);
      expect(pacer.requestsPerSecond).toBeCloseTo(24.3); // not quiet long enough
      now = 1200;
      await pacer.run(async () => undefined);
      expect(pacer.requestsPerSecond).toBeCloseTo(25.8);
      for (let i = 2; i < 10; i++) {
        now = i * 1000 + 200;
        await pacer.run(async () => undefined);
      }
      expect(pacer.requestsPerSecond).toBe(30);
    })();
  });

  it('cuts once for a 429 that echoes another within its pause', () => {
    let now = 0;
    const pacer = new RequestPacer({ requestsPerSecond: 100, recoveryMs: 1000, now: () => now });
    pacer.rateLimited(50); // 90
    now = 60;
    pacer.rateLimited(50); // within 50 ms + two intervals: the same overload
    expect(pacer.requestsPerSecond).toBeCloseTo(90);
    now = 500;
    pacer.rateLimited(50);
    expect(pacer.requestsPerSecond).toBeCloseTo(81);
  });

  it('returns to the last good rate when a probe draws a 429, and probes half as often', async () => {
    let now = 0;
    const pacer = new RequestPacer({ requestsPerSecond: 100, recoveryMs: 1000, now: () => now });
    pacer.rateLimited(); // 90
    now = 1000;
    await pacer.run(async () => undefined); // probe: 95
    expect(pacer.requestsPerSecond).toBeCloseTo(95);
    pacer.rateLimited(); // the probe failed: back to 90, not 85.5
    expect(pacer.requestsPerSecond).toBeCloseTo(90);
    now = 2500;
    await pacer.run(async () => undefined);
    expect(pacer.requestsPerSecond).toBeCloseTo(90); // waits 2 s now
    now = 3000;
    await pacer.run(async () => undefined);
    expect(pacer.requestsPerSecond).toBeCloseTo(95);
  });

  it('spaces requests at the learned rate when it is below the ceiling', async () => {
    const pacer = new RequestPacer({ requestsPerSecond: 1000, recoveryMs: 60_000 });
    for (let i = 0; i < 22; i++) pacer.rateLimited(); // 1000 × 0.9^22 ≈ 98 per second
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 6 }, () => pacer.run(async () => void starts.push(performance.now()))));
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000 / pacer.requestsPerSecond - 1.5);
  });
});
