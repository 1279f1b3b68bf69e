import { describe, expect, it } from 'vitest';
import { CircuitBreaker, significantCount, type BreakerOptions } from '../../../src/sync/resilience/breaker.js';

const options: BreakerOptions = { window: 10, conflictRatio: 0.2, consecutiveFailures: 3, cooldownMs: 1000, maxCooldownMs: 4000 };

function breaker(over: Partial<BreakerOptions> = {}) {
  let now = 0;
  const b = new CircuitBreaker({ ...options, ...over }, () => now);
  return { b, advance: (ms: number) => (now += ms), at: () => now };
}

describe('CircuitBreaker', () => {
  it('stays closed while conflicts are at or under the ratio', () => {
    const { b } = breaker();
    for (let i = 0; i < 50; i++) expect(b.record(i % 5 === 0 ? 'conflict' : 'success')).toEqual({});
    expect(b.state.kind).toBe('closed');
  });

  it('does not judge the conflict share before the window is full', () => {
    const { b } = breaker();
    expect(b.record('conflict')).toEqual({});
    expect(b.record('conflict')).toEqual({});
    expect(b.state.kind).toBe('closed');
  });

  it('opens when a full window shows the conflict rate is above the ratio, with the numbers', () => {
    const { b } = breaker();
    expect(b.conflictThreshold).toBe(6); // P(X ≥ 6 | n = 10, p = 0.2) = 0.6% < 1%
    for (let i = 0; i < 4; i++) b.record('success');
    for (let i = 0; i < 5; i++) expect(b.record('conflict')).toEqual({});
    const { opened } = b.record('conflict');
    expect(opened).toMatchObject({ trip: 1, reason: 'conflicts', conflictShare: 0.6, windowSize: 10, cooldownMs: 1000, retryAt: 1000 });
    expect(b.gate()).toEqual({ allowed: false, waitMs: 1000 });
  });

  it('does not open on a steady 10% of conflicts (seeded, 5000 writes)', () => {
    const { b } = breaker({ window: 20 });
    let seed = 3;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    let trips = 0;
    for (let i = 0; i < 5000; i++) if (b.record(random() < 0.1 ? 'conflict' : 'success').opened) trips++;
    expect(trips).toBe(0);
  });

  it('knows the binomial thresholds', () => {
    expect(significantCount(20, 0.2, 0.01)).toBe(9); // P(X ≥ 9 | 20, 0.2) = 0.998%
    expect(significantCount(20, 0.5, 0.01)).toBe(16);
    expect(significantCount(10, 1, 0.01)).toBe(11);
  });

  it('opens on a run of consecutive failures, and a success breaks the run', () => {
    const { b } = breaker();
    b.record('failure');
    b.record('failure');
    b.record('success');
    b.record('failure');
    b.record('failure');
    expect(b.state.kind).toBe('closed');
    expect(b.record('failure').opened).toMatchObject({ reason: 'failures', consecutiveFailures: 3 });
  });

  it('lets one probe through after the cool-down; success closes it with a fresh window', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.record('failure');
    advance(999);
    expect(b.gate().allowed).toBe(false);
    advance(1);
    expect(b.gate()).toEqual({ allowed: true, probe: true });
    expect(b.state.kind).toBe('half_open');
    expect(b.record('success')).toEqual({ closed: true });
    expect(b.state.kind).toBe('closed');
    expect(b.gate()).toEqual({ allowed: true, probe: false });
    b.record('failure');
    b.record('failure');
    expect(b.state.kind).toBe('closed'); // the old failures were forgotten
  });

  it('starts the cool-down afresh after the breaker closes', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.record('failure');
    advance(1000);
    b.gate();
    b.record('success');
    b.record('failure');
    b.record('failure');
    expect(b.record('failure').opened).toMatchObject({ trip: 2, cooldownMs: 1000 });
  });

  it('reopens when the probe fails, with a longer cool-down each trip, capped', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.record('failure');
    const cooldowns = [1000];
    for (let trip = 2; trip <= 5; trip++) {
      advance(10_000);
      expect(b.gate()).toEqual({ allowed: true, probe: true });
      const { opened } = b.record('conflict');
      expect(opened?.reason).toBe('probe_failed');
      cooldowns.push(opened!.cooldownMs);
    }
    expect(cooldowns).toEqual([1000, 2000, 4000, 4000, 4000]);
    expect(b.trips).toBe(5);
  });

  it('ignores outcomes that arrive while it is open', () => {
    const { b } = breaker();
    for (let i = 0; i < 3; i++) b.record('failure');
    expect(b.record('success')).toEqual({});
    expect(b.state.kind).toBe('open');
  });

  it('validates its options, showing the bad value', () => {
    expect(() => new CircuitBreaker({ ...options, window: 0 })).toThrow(/got 0/);
    expect(() => new CircuitBreaker({ ...options, conflictRatio: 2 })).toThrow(/got 2/);
  });
});
