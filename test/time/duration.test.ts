import { describe, expect, it } from 'vitest';
import { durationInWords, slackDuration, terminalDuration, waitInSeconds } from '../../src/time/duration.js';

describe('terminalDuration', () => {
  it('shows whole seconds under a minute', () => {
    expect([0, 0.4, 42, 59.4].map(terminalDuration)).toEqual(['0s', '0s', '42s', '59s']);
  });

  it('pads the seconds after minutes and the minutes after hours to two digits', () => {
    expect([60, 185, 3599, 3600, 7620].map(terminalDuration)).toEqual(['1m00s', '3m05s', '59m59s', '1h00m', '2h07m']);
  });

  it('shows a question mark when there is no estimate', () => {
    expect([Number.NaN, Number.POSITIVE_INFINITY].map(terminalDuration)).toEqual(['?', '?']);
  });

  it('shows a negative duration as zero', () => {
    expect(terminalDuration(-5)).toBe('0s');
  });
});

describe('slackDuration', () => {
  it('shows whole seconds under a minute', () => {
    expect([0, 42, 59.4].map(slackDuration)).toEqual(['0s', '42s', '59s']);
  });

  it('separates minutes and seconds, and hours and minutes, with a space and no padding', () => {
    expect([60, 185, 3600, 7620].map(slackDuration)).toEqual(['1m 0s', '3m 5s', '1h 0m', '2h 7m']);
  });

  it('shows a negative duration as zero', () => {
    expect(slackDuration(-5)).toBe('0s');
  });
});

describe('waitInSeconds', () => {
  it('shows tenths below ten seconds', () => {
    expect([0, 200, 1500, 9940].map(waitInSeconds)).toEqual(['0 s', '0.2 s', '1.5 s', '9.9 s']);
  });

  it('rounds to whole seconds from ten seconds on', () => {
    expect([10_000, 30_400, 90_600].map(waitInSeconds)).toEqual(['10 s', '30 s', '91 s']);
  });
});

describe('durationInWords', () => {
  it('counts seconds below two minutes, singular for one', () => {
    expect([1000, 45_000, 119_000].map(durationInWords)).toEqual(['1 second', '45 seconds', '119 seconds']);
  });

  it('counts rounded minutes from two minutes on', () => {
    expect([120_000, 600_000, 630_000].map(durationInWords)).toEqual(['2 minutes', '10 minutes', '11 minutes']);
  });
});
