import { describe, expect, it } from 'vitest';
import { parseQuotes } from '../../../src/quotes/parse/index.js';

describe('format', () => {
  it('comes from options, else the extension, else the first character', () => {
    expect(parseQuotes('[{"text":"a"}]').format).toBe('json');
    expect(parseQuotes('  {"text":"a"}').format).toBe('json');
    expect(parseQuotes('text\na').format).toBe('csv');
    expect(parseQuotes('text\na', { filename: 'quotes.txt' }).format).toBe('csv');
    expect(parseQuotes('text\n[a]', { filename: 'quotes.csv' }).format).toBe('csv');
    expect(() => parseQuotes('text\na', { filename: 'quotes.json' })).toThrow(/quotes\.json is not valid JSON/);
    expect(parseQuotes('text\n[a]', { filename: 'quotes.json', format: 'csv' }).format).toBe('csv');
  });

  it('accepts a string as well as a Buffer', () => {
    const fromString = parseQuotes('\uFEFFtext\nhello');
    const fromBuffer = parseQuotes(Buffer.from('\uFEFFtext\nhello'));
    expect(fromString).toEqual(fromBuffer);
    expect(fromString.quotes[0]!.quote.text).toBe('hello');
  });
});
