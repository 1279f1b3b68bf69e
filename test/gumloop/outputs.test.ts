import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GumloopOutputError } from '../../src/errors.js';
import type { GumloopRun } from '../../src/gumloop/client.js';
import { quotesFromOutputs } from '../../src/gumloop/outputs.js';
import { parseQuotes } from '../../src/quotes/parse/index.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/quotes/${name}`, import.meta.url), 'utf8');
const sampleText = fixture('sample-gumloop.json');
const sampleRecords = JSON.parse(sampleText) as Record<string, unknown>[];
/** What the sample parses into when read as a file: the quotes every shape must give. */
const expectedQuotes = parseQuotes(sampleText, { format: 'json' }).quotes.map((row) => row.quote);

const run = (outputs: Record<string, unknown>): GumloopRun => ({ runId: 'run-42', state: 'DONE', outputs, log: [] });

function quotesOf(outputs: Record<string, unknown>, outputName = 'quotes') {
  const source = quotesFromOutputs(run(outputs), outputName);
  return parseQuotes(source.content, { filename: source.name, ...(source.format ? { format: source.format } : {}) });
}

describe('quotesFromOutputs', () => {
  it('names the source after the run', () => {
    expect(quotesFromOutputs(run({ quotes: sampleText }), 'quotes').name).toBe('gumloop run run-42');
  });

  it('reads a JSON string', () => {
    expect(quotesOf({ quotes: sampleText }).quotes.map((r) => r.quote)).toEqual(expectedQuotes);
  });

  it('reads a list value', () => {
    expect(quotesOf({ quotes: sampleRecords }).quotes.map((r) => r.quote)).toEqual(expectedQuotes);
  });

  it('reads an object with a quotes list', () => {
    expect(quotesOf({ quotes: { quotes: sampleRecords } }).quotes.map((r) => r.quote)).toEqual(expectedQuotes);
  });

  it('reads a list of JSON strings, one per quote', () => {
    const list = sampleRecords.map((record) => JSON.stringify(record));
    expect(quotesOf({ quotes: list }).quotes.map((r) => r.quote)).toEqual(expectedQuotes);
  });

  it('reads a list holding one JSON string of the whole list', () => {
    expect(quotesOf({ quotes: [sampleText] }).quotes.map((r) => r.quote)).toEqual(expectedQuotes);
  });

  it('keeps the nested post fields of Gumloop records', () => {
    const parsed = quotesOf({ quotes: JSON.parse(fixture('gumloop.json')) as unknown[] });
    expect(parsed.quotes[0]!.quote).toMatchObject({
      text: 'Nested post fields are used',
      redditUrl: 'https://www.reddit.com/r/SaaS/comments/g1/nested/',
      postTitle: 'Nested title',
      subreddit: 'SaaS',
    });
  });

  it('reads CSV text', () => {
    const csv = 'text,category,relevance_score,reddit_url\n"Pricing is confusing, honestly",Pricing,0.8,https://www.reddit.com/r/SaaS/comments/c1/x/\nSecond quote,Support,0.5,\n';
    const source = quotesFromOutputs(run({ quotes: csv }), 'quotes');
    expect(source.format).toBe('csv');
    expect(quotesOf({ quotes: csv }).quotes.map((r) => r.quote.text)).toEqual(['Pricing is confusing, honestly', 'Second quote']);
  });

  it('matches the output name loosely, like headers', () => {
    expect(quotesOf({ 'Quotes List': sampleText }, 'quotes_list').quotes).toHaveLength(expectedQuotes.length);
  });

  it('prefers the exact output name to a loose match', () => {
    const source = quotesFromOutputs(run({ Quotes: 'text\nloose\n', quotes: 'text\nexact\n' }), 'quotes');
    expect(source.content).toBe('text\nexact\n');
  });

  it('names the outputs there are when the quotes output is missing', () => {
    const error = (() => {
      try {
        quotesFromOutputs(run({ summary: 'done', post_count: 12 }), 'quotes');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(GumloopOutputError);
    expect(error).toMatchObject({ runId: 'run-42', outputName: 'quotes', available: ['summary', 'post_count'] });
    expect((error as Error).message).toContain('has no output named "quotes"; its outputs are: summary, post_count.');
  });

  it('says so when the run has no outputs at all', () => {
    expect(() => quotesFromOutputs(run({}), 'quotes')).toThrow(/it has no outputs at all.*GUMLOOP_QUOTES_OUTPUT/);
  });

  it.each([
    ['an empty string', '  '],
    ['null', null],
  ])('refuses %s as empty', (_label, value) => {
    expect(() => quotesFromOutputs(run({ quotes: value }), 'quotes')).toThrow('its output "quotes" is empty');
  });

  it('refuses a value that cannot hold quotes', () => {
    expect(() => quotesFromOutputs(run({ quotes: 12 }), 'quotes')).toThrow('has a number in its output "quotes", not quotes');
  });

  it('leaves a list item that is not a quote for the parser to reject, with its row', () => {
    const parsed = quotesOf({ quotes: [JSON.stringify({ text: 'kept' }), '{"text": broken'] });
    expect(parsed.quotes.map((r) => r.quote.text)).toEqual(['kept']);
    expect(parsed.rejected).toMatchObject([{ row: 2, raw: { value: '{"text": broken' } }]);
  });
});
