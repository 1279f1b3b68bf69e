import { describe, expect, it } from 'vitest';
import { parseQuotes } from '../../../src/quotes/parse/index.js';
import { makeQuoteRecords, recordsToCsv } from '../../support/quote-factory.js';

describe('a 100,000-row CSV', () => {
  it('parses with every row accounted for', () => {
    const records = makeQuoteRecords(100_000, 2026);
    const duplicates = records.slice(0, 50).map((r) => ({ ...r, text: `  ${r.text.toUpperCase()} ` }));
    const blanks = records.slice(50, 70).map((r) => ({ ...r, text: ' ' }));
    const csv = Buffer.from(recordsToCsv([...records, ...duplicates, ...blanks]), 'utf8');

    const parsed = parseQuotes(csv, { filename: 'huge.csv' });

    expect(parsed.quotes).toHaveLength(100_000);
    expect(parsed.duplicates).toHaveLength(50);
    expect(parsed.rejected).toHaveLength(20);
    expect(parsed.warnings).toHaveLength(0);
    expect(parsed.quotes.at(-1)!.row).toBe(100_001);
    expect(parsed.rejected.at(-1)!.row).toBe(100_071);
  });
});
