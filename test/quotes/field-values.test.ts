import { describe, expect, it } from 'vitest';
import {
  cutToLength,
  describeValue,
  normaliseDate,
  normaliseRelevance,
  normaliseSelectName,
  normaliseSentiment,
  normaliseSubreddit,
  normaliseText,
  normaliseUrl,
  subredditFromUrl,
  type Normalised,
} from '../../src/quotes/field-values.js';

const value = <T>(n: Normalised<T>): T | undefined => (n.kind === 'ok' ? n.value : undefined);

describe('normaliseText', () => {
  it('trims and otherwise keeps the text exactly', () => {
    const text = '  👨‍👩‍👧‍👦 引用\n  اقتباس — उद्धरण 🇯🇵\t ';
    expect(value(normaliseText(text))).toBe('👨‍👩‍👧‍👦 引用\n  اقتباس — उद्धरण 🇯🇵');
  });

  it('makes Windows line ends \\n, so CSV and JSON inputs agree', () => {
    expect(value(normaliseText('one\r\ntwo'))).toBe('one\ntwo');
  });

  it('is absent when blank and invalid when not a string', () => {
    expect(normaliseText(' \n\t ')).toEqual({ kind: 'absent' });
    expect(normaliseText(undefined)).toEqual({ kind: 'absent' });
    expect(normaliseText(42)).toEqual({ kind: 'invalid', problem: 'is a number, not a string' });
  });
});

describe('normaliseRelevance', () => {
  it.each([
    ['0.85', 0.85],
    [' 7 ', 7],
    ['1e-2', 0.01],
    ['-0.5', -0.5],
    ['.5', 0.5],
    ['85%', 0.85],
    ['57 %', 0.57],
    [0.3, 0.3],
  ])('reads %j as %d', (input, expected) => {
    expect(normaliseRelevance(input)).toEqual({ kind: 'ok', value: expected });
  });

  it.each(['high', 'NaN', 'Infinity', '-Infinity', '1e999', '0,85', '0x10', '1.2.3', '%', true])('rejects %j', (input) => {
    expect(normaliseRelevance(input).kind).toBe('invalid');
  });

  it('rejects non-finite numbers from JSON', () => {
    expect(normaliseRelevance(Number.NaN).kind).toBe('invalid');
    expect(normaliseRelevance(Number.POSITIVE_INFINITY).kind).toBe('invalid');
  });

  it('is absent when empty', () => {
    expect(normaliseRelevance('  ')).toEqual({ kind: 'absent' });
    expect(normaliseRelevance(null)).toEqual({ kind: 'absent' });
  });
});

describe('normaliseUrl', () => {
  it('keeps an http(s) URL as written, trimmed', () => {
    expect(value(normaliseUrl(' https://www.reddit.com/r/SaaS/comments/1/x/?a=b '))?.text).toBe('https://www.reddit.com/r/SaaS/comments/1/x/?a=b');
    expect(value(normaliseUrl('HTTP://example.com'))?.text).toBe('HTTP://example.com');
  });

  it.each([
    ['ftp://example.com/x', 'is not an http(s) URL'],
    ['www.reddit.com/r/SaaS', 'is not an http(s) URL'],
    ['javascript:alert(1)', 'is not an http(s) URL'],
    ['https://', 'is not a valid URL'],
    ['https://exa mple.com/', 'is not a valid URL'],
  ])('rejects %j: %s', (input, problem) => {
    expect(normaliseUrl(input)).toEqual({ kind: 'invalid', problem });
  });

  it('accepts 2000 characters and rejects 2001', () => {
    const base = 'https://www.reddit.com/r/SaaS/comments/1/';
    expect(normaliseUrl(base + 'x'.repeat(2000 - base.length)).kind).toBe('ok');
    expect(normaliseUrl(base + 'x'.repeat(2001 - base.length))).toEqual({
      kind: 'invalid',
      problem: 'is longer than 2000 characters (2001)',
    });
  });
});

describe('normaliseDate', () => {
  it.each([
    ['2024-02-29', '2024-02-29'],
    [' 2025-01-06 ', '2025-01-06'],
    ['2025-01-06T10:00:00Z', '2025-01-06T10:00:00.000Z'],
    ['2025-01-06T10:00:00.000Z', '2025-01-06T10:00:00.000Z'],
    ['2025-01-06T12:00:00+02:00', '2025-01-06T10:00:00.000Z'],
    ['2025-01-06T05:30:00-0430', '2025-01-06T10:00:00.000Z'],
    ['2025-01-06T10:00:00.123456', '2025-01-06T10:00:00.123Z'],
    ['2025-01-06T10:00', '2025-01-06T10:00:00.000Z'],
    ['2025-01-06 10:00:00', '2025-01-06T10:00:00.000Z'],
    ['2025-01-06 10:00:00 UTC', '2025-01-06T10:00:00.000Z'],
    ['1736157600', '2025-01-06T10:00:00.000Z'],
    ['1736157600000', '2025-01-06T10:00:00.000Z'],
    ['1736157600.5', '2025-01-06T10:00:00.500Z'],
    [1736157600, '2025-01-06T10:00:00.000Z'],
    [1736157600000, '2025-01-06T10:00:00.000Z'],
    ['0099-05-01T00:00:00Z', '0099-05-01T00:00:00.000Z'],
  ])('reads %j as %s', (input, expected) => {
    expect(normaliseDate(input)).toEqual({ kind: 'ok', value: expected });
  });

  it.each([
    ['2024-02-30', 'is not a real calendar date'],
    ['2023-02-29', 'is not a real calendar date'],
    ['2025-13-01', 'is not a real calendar date'],
    ['2025-01-06T24:00:00Z', 'is not a real time of day'],
    ['2025-01-06T10:60:00Z', 'is not a real time of day'],
    ['last Tuesday', 'is not an ISO 8601 date, "YYYY-MM-DD HH:MM:SS" or epoch time'],
    ['06/01/2025', 'is not an ISO 8601 date, "YYYY-MM-DD HH:MM:SS" or epoch time'],
    ['2024', 'is a number but not epoch seconds or milliseconds between 2000 and 2100'],
    [5, 'is a number but not epoch seconds or milliseconds between 2000 and 2100'],
  ])('rejects %j: %s', (input, problem) => {
    expect(normaliseDate(input)).toEqual({ kind: 'invalid', problem });
  });

  it('gives the same value when it reads its own output', () => {
    for (const input of ['2025-01-06', '2025-01-06T12:00:00+02:00', '1736157600', '2025-01-06 10:00']) {
      const once = value(normaliseDate(input));
      expect(value(normaliseDate(once))).toBe(once);
    }
  });
});

describe('normaliseSentiment', () => {
  it.each([
    ['positive', 'positive'],
    ['POSITIVE', 'positive'],
    [' Pos ', 'positive'],
    ['very positive', 'positive'],
    ['Very_Positive', 'positive'],
    ['mostly positive.', 'positive'],
    ['neg', 'negative'],
    ['slightly negative', 'negative'],
    ['Strongly Negative!', 'negative'],
    ['neutral', 'neutral'],
    ['Mixed', 'mixed'],
    ['ambivalent', 'mixed'],
    ['both', 'mixed'],
    ['positive and negative', 'mixed'],
  ])('reads %j as %s', (input, expected) => {
    expect(normaliseSentiment(input)).toEqual({ kind: 'ok', value: expected });
  });

  it.each(['furious', 'very', '5', 'neutral to positive'])('rejects %j', (input) => {
    expect(normaliseSentiment(input)).toEqual({ kind: 'invalid', problem: 'is not one of positive, negative, neutral, mixed' });
  });
});

describe('select names (category, subreddit)', () => {
  it('replaces commas with spaces and says so', () => {
    expect(normaliseSelectName('Pricing, billing,and plans')).toEqual({
      kind: 'ok',
      value: 'Pricing billing and plans',
      changed: 'has commas, which a Notion select option cannot hold',
    });
  });

  it('collapses whitespace and trims without a warning', () => {
    expect(normaliseSelectName('  Customer \n support ')).toEqual({ kind: 'ok', value: 'Customer support' });
  });

  it('cuts at 100 characters without splitting a surrogate pair or an emoji sequence', () => {
    const cut = value(normaliseSelectName('a'.repeat(99) + '🚀 more'));
    expect(cut).toBe('a'.repeat(99));
    const family = value(normaliseSelectName('b'.repeat(95) + '👨‍👩‍👧‍👦'));
    expect(family).toBe('b'.repeat(95));
    const flags = value(normaliseSelectName('🇩🇪'.repeat(60)));
    expect(flags).toBe('🇩🇪'.repeat(25));
    expect(normaliseSelectName('x'.repeat(101))).toMatchObject({ changed: 'is longer than 100 characters' });
    expect(value(normaliseSelectName('x'.repeat(100)))).toBe('x'.repeat(100));
  });

  it('is absent when nothing but commas and spaces', () => {
    expect(normaliseSelectName(' , ,')).toEqual({ kind: 'absent' });
  });

  it('drops a leading r/ or /r/ from a subreddit', () => {
    expect(value(normaliseSubreddit('r/SaaS'))).toBe('SaaS');
    expect(value(normaliseSubreddit('/r/startups/'))).toBe('startups');
    expect(value(normaliseSubreddit('R/Notion'))).toBe('Notion');
    expect(value(normaliseSubreddit('radio'))).toBe('radio');
  });

  it('derives a subreddit from a Reddit URL only', () => {
    expect(subredditFromUrl(new URL('https://www.reddit.com/r/SaaS/comments/1/x/'))).toBe('SaaS');
    expect(subredditFromUrl(new URL('https://old.reddit.com/r/smallbusiness'))).toBe('smallbusiness');
    expect(subredditFromUrl(new URL('https://reddit.com/user/someone'))).toBeUndefined();
    expect(subredditFromUrl(new URL('https://notreddit.com/r/SaaS/'))).toBeUndefined();
  });
});

describe('messages', () => {
  it('shows a bad value quoted, escapes visible, cut at 60 characters', () => {
    expect(describeValue('high')).toBe('"high"');
    expect(describeValue('a\nb')).toBe('"a\\nb"');
    expect(describeValue('x'.repeat(100))).toBe(`"${'x'.repeat(60)}…"`);
    expect(describeValue(Number.NaN)).toBe('NaN');
    expect(describeValue({ a: 1 })).toBe('{"a":1}');
  });

  it('cuts strings between characters', () => {
    expect(cutToLength('ab🚀', 3)).toBe('ab');
    expect(cutToLength('abc', 5)).toBe('abc');
  });
});
