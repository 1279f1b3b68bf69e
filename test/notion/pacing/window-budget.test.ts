import { describe, expect, it } from 'vitest';
import { WindowBudget } from '../../../src/notion/pacing/window-budget.js';

/** Sends `count` requests `gapMs` apart from `from`; returns the time after the last. */
function sendMany(budget: WindowBudget, from: number, count: number, gapMs: number): number {
  let t = from;
  for (let i = 0; i < count; i++, t += gapMs) budget.sent(t);
  return t - gapMs;
}

describe('WindowBudget', () => {
  it('learns the budget from the first refusal when its history covers the whole window (exact Retry-After)', () => {
    const w = new WindowBudget(60_000);
    // 150 accepted from t = 0, 100 ms apart; the window opened with the first.
    const last = sendMany(w, 0, 150, 100);
    w.sent(last + 100);
    w.unsend(last + 100); // the refused one used no budget
    // Refused at 15,000.5: resets in 44,999.5 ms, an exact Retry-After (window 0–60 s).
    expect(w.refused(15_000.5, 44_999.5)).toEqual({ kind: 'learned', budget: 150 });
    expect(w.budget).toBe(150);
    // Until the first send leaves the window (plus its guard), nothing more may go.
    expect(w.waitMs(15_000)).toBeGreaterThanOrEqual(45_000);
    expect(w.waitMs(60_300)).toBe(0);
  });

  it('counts from a known boundary when the job began mid-window, and learns exactly at the next refusal', () => {
    const w = new WindowBudget(5000);
    sendMany(w, 1000, 40, 10); // began at 1 s; the window began before it
    expect(w.refused(1400, 600)).toEqual({ kind: 'boundary', again: false }); // resets at 2 s
    expect(w.budget).toBeUndefined();
    const last = sendMany(w, 2000, 100, 20);
    expect(w.refused(last + 1, 7000 - (last + 1))).toEqual({ kind: 'learned', budget: 100 });
  });

  it('tolerates Retry-After rounded up to whole seconds', () => {
    const w = new WindowBudget(60_000);
    sendMany(w, 30_000, 10, 100); // mid-window
    expect(w.refused(31_000, 29_000).kind).toBe('boundary'); // true reset 59.6 s, said 60 s
    sendMany(w, 60_000, 120, 100);
    // Next refusal at 72 s: reset in 47.6 s, said 48 s: 0.4 s off the lattice.
    expect(w.refused(72_000, 48_000)).toEqual({ kind: 'learned', budget: 120 });
  });

  it("does not read a burst at the window's opening as no budget when Retry-After is rounded to whole seconds", () => {
    const w = new WindowBudget(60_000);
    const last = sendMany(w, 0, 180, 1); // the whole budget in 0.18 s
    // Refused at 0.18 s: the true reset is 59.82 s away, said as 60.
    expect(w.refused(last + 1, 60_000)).toEqual({ kind: 'boundary', again: false });
    sendMany(w, 60_181, 180, 1);
    expect(w.refused(60_400, 60_000)).toEqual({ kind: 'learned', budget: 180 });
  });

  it('learns at once from whole seconds when no send falls in the uncertain second', () => {
    const w = new WindowBudget(60_000);
    sendMany(w, 0, 10, 100); // an earlier window: 0–1 s
    sendMany(w, 61_000, 50, 100); // this window opened at 60 s; sends from 61 s
    expect(w.refused(66_000, 55_000)).toEqual({ kind: 'learned', budget: 50 });
  });

  it('says again when a second refusal does not fit a window (an average-rate limit)', () => {
    const w = new WindowBudget(60_000);
    sendMany(w, 0, 30, 50);
    expect(w.refused(1500, 1000)).toEqual({ kind: 'boundary', again: false });
    sendMany(w, 2500, 5, 50);
    expect(w.refused(2800, 1000)).toEqual({ kind: 'boundary', again: true });
    expect(w.budget).toBeUndefined();
  });

  it('keeps any span of the window within the budget, whatever the phase', () => {
    const w = new WindowBudget(1000, { budget: 10, windowMs: 1000 });
    const sends: number[] = [];
    let now = 0;
    while (sends.length < 50) {
      const wait = w.waitMs(now);
      now += wait > 0 ? wait : 7; // a request every 7 ms when allowed
      if (w.waitMs(now) === 0) {
        w.sent(now);
        sends.push(now);
      }
    }
    for (const start of sends) expect(sends.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(10);
    // And it spends the budget: 50 sends take just over four windows.
    expect(sends[49]! - sends[0]!).toBeLessThan(4 * 1000 * 1.02 + 70);
  });

  it('keeps to a remembered budget and the sends of the job before, from the first request', () => {
    const w = new WindowBudget(1000, { budget: 5, windowMs: 1000, recentSends: [9000, 9100, 9200] });
    expect(w.waitMs(9300)).toBe(0);
    w.sent(9300);
    w.sent(9400);
    expect(w.waitMs(9500)).toBeGreaterThan(400); // the 9000 send leaves the window just after 10 s
    expect(w.snapshot(9500)).toEqual({ budget: 5, windowMs: 1000, recentSends: [9000, 9100, 9200, 9300, 9400] });
  });

  it('ignores a remembered budget for another window length', () => {
    expect(new WindowBudget(5000, { budget: 5, windowMs: 60_000 }).budget).toBeUndefined();
  });

  it('a refusal within the known budget pauses only; a second in the next window lowers the budget', () => {
    const w = new WindowBudget(1000, { budget: 10, windowMs: 1000 });
    sendMany(w, 0, 6, 10); // another process used the rest of this window
    expect(w.refused(60, 940)).toEqual({ kind: 'unexpected' });
    expect(w.budget).toBe(10);
    sendMany(w, 1000, 6, 10);
    expect(w.refused(1060, 940)).toEqual({ kind: 'learned', budget: 6 });
  });

  it('refuses a window that is not a positive number, showing it', () => {
    expect(() => new WindowBudget(0)).toThrow(/got 0 \(number\)/);
  });
});
