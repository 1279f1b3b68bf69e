import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseQuotes } from '../../src/quotes/parse/index.js';
import { makeQuoteRecords, recordsToCsv } from '../support/quote-factory.js';

describe('makeQuoteRecords', () => {
  it('is deterministic per seed', () => {
    expect(makeQuoteRecords(50, 7)).toEqual(makeQuoteRecords(50, 7));
    expect(makeQuoteRecords(50, 8)).not.toEqual(makeQuoteRecords(50, 7));
  });

  it('makes valid, distinct quotes of mixed lengths and scripts', () => {
    const records = makeQuoteRecords(2000, 1);
    const parsed = parseQuotes(JSON.stringify(records), { format: 'json' });
    expect(parsed.quotes).toHaveLength(2000);
    expect(parsed.warnings).toEqual([]);
    const texts = records.map((r) => r.text);
    expect(texts.filter((t) => t.length > 2000).length).toBeGreaterThanOrEqual(10);
    expect(texts.filter((t) => /\p{Extended_Pictographic}/u.test(t)).length).toBeGreaterThan(50);
    expect(texts.filter((t) => /[\p{Script=Han}\p{Script=Arabic}\p{Script=Devanagari}]/u.test(t)).length).toBeGreaterThan(20);
  });

  it('makes quotes distinct across seeds', () => {
    const ids = [3, 9, 10].flatMap((seed) => parseQuotes(JSON.stringify(makeQuoteRecords(200, seed))).quotes.map((q) => q.quote.id));
    expect(new Set(ids).size).toBe(600);
  });
});

describe('recordsToCsv', () => {
  it('writes a CSV that parses to the same quotes as the records, with no newline at the end', () => {
    const records = makeQuoteRecords(300, 4);
    const csv = recordsToCsv(records);
    expect(csv.endsWith('\n')).toBe(false);
    const fromCsv = parseQuotes(csv, { format: 'csv' });
    const fromJson = parseQuotes(JSON.stringify(records), { format: 'json' });
    expect(fromCsv.warnings).toEqual([]);
    expect(fromCsv.quotes.map((q) => q.quote)).toEqual(fromJson.quotes.map((q) => q.quote));
    expect(fromCsv.quotes.at(-1)!.row).toBe(301);
  });
});

describe('the bundled sample', () => {
  it('has 40 Gumloop records: 37 quotes, 2 duplicates and one blank text', () => {
    const parsed = parseQuotes(readFileSync(new URL('../fixtures/quotes/sample-gumloop.json', import.meta.url)), {
      filename: 'sample-gumloop.json',
    });
    expect(parsed.quotes).toHaveLength(37);
    expect(parsed.duplicates).toHaveLength(2);
    expect(parsed.rejected).toMatchObject([{ reason: expect.stringMatching(/the text is empty/) }]);
    expect(parsed.warnings).toEqual([]);
  });
});
