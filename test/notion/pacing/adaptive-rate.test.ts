import { describe, expect, it } from 'vitest';
import { AdaptiveRate } from '../../../src/notion/pacing/adaptive-rate.js';

describe('AdaptiveRate (the older average-rate limit)', () => {
  it('lowers the rate by a tenth per 429 and climbs back a step per quiet spell, never above the ceiling', () => {
    const rate = new AdaptiveRate(30, 1000);
    rate.limited(0);
    expect(rate.rate).toBeCloseTo(27);
    rate.limited(200);
    expect(rate.rate).toBeCloseTo(24.3);
    rate.maybeClimb(700);
    expect(rate.rate).toBeCloseTo(24.3); // not quiet long enough
    rate.maybeClimb(1200);
    expect(rate.rate).toBeCloseTo(25.8);
    for (let i = 2; i < 10; i++) rate.maybeClimb(i * 1000 + 200);
    expect(rate.rate).toBe(30);
  });

  it('cuts once for a 429 that echoes another within its pause', () => {
    const rate = new AdaptiveRate(100, 1000);
    rate.limited(0, 50); // 90
    rate.limited(60, 50); // within 50 ms + two intervals: the same overload
    expect(rate.rate).toBeCloseTo(90);
    rate.limited(500, 50);
    expect(rate.rate).toBeCloseTo(81);
  });

  it('returns to the last good rate when a probe draws a 429, and probes half as often', () => {
    const rate = new AdaptiveRate(100, 1000);
    rate.limited(0); // 90
    rate.maybeClimb(1000); // probe: 95
    expect(rate.rate).toBeCloseTo(95);
    rate.limited(1000); // the probe failed: back to 90, not 85.5
    expect(rate.rate).toBeCloseTo(90);
    rate.maybeClimb(2500);
    expect(rate.rate).toBeCloseTo(90); // waits 2 s now
    rate.maybeClimb(3000);
    expect(rate.rate).toBeCloseTo(95);
  });

  it('never goes below a twentieth of the ceiling', () => {
    const rate = new AdaptiveRate(100, 1000);
    for (let i = 0; i < 100; i++) rate.limited(i * 10_000);
    expect(rate.rate).toBeCloseTo(5);
  });
});
