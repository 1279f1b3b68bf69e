import { describe, expect, it } from 'vitest';
import { parseRetryAfterMs } from '../../src/time/retry-after.js';

const now = Date.parse('2026-01-01T00:00:00Z');

describe('parseRetryAfterMs', () => {
  it('reads whole seconds', () => {
    expect(parseRetryAfterMs('2', now)).toBe(2000);
  });

  it('reads fractions of a second, rounded to the millisecond', () => {
    expect([parseRetryAfterMs('0.25', now), parseRetryAfterMs('1.5', now), parseRetryAfterMs('0.0005', now)]).toEqual([250, 1500, 1]);
  });

  it('ignores blanks around the value', () => {
    expect(parseRetryAfterMs(' 3 ', now)).toBe(3000);
  });

  it('reads an HTTP date as the time left until it', () => {
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
  });

  it('reads an HTTP date already past as no wait', () => {
    expect(parseRetryAfterMs('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(0);
  });

  it('takes the clock as now when none is given', () => {
    expect(parseRetryAfterMs(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(55_000);
  });

  it('answers undefined when the header is absent, whichever way the caller says so', () => {
    expect([undefined, null, '', '  '].map((h) => parseRetryAfterMs(h, now))).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('answers undefined for a negative number, rather than reading it as a year', () => {
    expect([parseRetryAfterMs('-1', now), parseRetryAfterMs('-3', now)]).toEqual([undefined, undefined]);
  });

  it('answers undefined for words that are not a date', () => {
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
  });

  it('answers undefined for numbers in forms HTTP does not allow', () => {
    expect(['1e3', '0x10', '+3', '.5', '3.'].map((h) => parseRetryAfterMs(h, now))).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('answers undefined for a date without the day and month names of an HTTP date', () => {
    expect(parseRetryAfterMs('2026-01-02', now)).toBeUndefined();
  });
});
